"""E-mail addresses as the system stores them: validate_email's ASCII form (an international
domain in punycode), with a shortcut for the thousands of addresses of an import."""

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, DOT_ATOM_TEXT


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str | None:
    """An e-mail domain in the ASCII form validate_email() gives it, or None when not valid."""
    try:
        return validate_email(
            "x@" + domain, check_deliverability=False, allow_smtputf8=False
        ).ascii_domain
    except EmailNotValidError:
        return None


def normalize_email(text: str) -> str:
    """The address as the sign-up form stores it (validate_email's ASCII form), or ValueError.

    Most of validate_email's time goes on the domain, which many people share (gmail.com, their
    company's): an ASCII address with a plain local part takes a shortcut with the domain's
    result cached; anything else goes through validate_email whole. Both give the same answer.
    """
    local, at, domain = text.rpartition("@")
    if (
        at
        and text.isascii()
        and len(text) <= 254
        and "xn--" not in domain.lower()
        and DOT_ATOM_TEXT.fullmatch(local)
        and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
    ):
        ascii_domain = _domain(domain)
        if ascii_domain is None:
            raise ValueError("email")
        return f"{local}@{ascii_domain}"
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError("email") from error
    return result.ascii_email or result.normalized

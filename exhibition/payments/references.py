"""The reference a payer writes in the transfer memo: the exhibition's prefix, six characters of
Crockford's base32 and one check character, e.g. HP26K7Q2M9X (upper-case letters and digits only,
at most 25 characters, the same for the payment request's whole life).

Reading is forgiving, as people copy memos by hand: lower case is read as upper case, O as 0 and
I or L as 1. The check character is a weighted sum of the six (odd weights, modulo 32), so any one
mistyped character, the check character included, makes the reference invalid; most swaps of
two neighbours do too.
"""

import re
import secrets

from ..text import fold

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O or U
BODY = 6  # random characters: 32**6, about a billion references per exhibition
WEIGHTS = (1, 3, 5, 7, 9, 11)  # odd, so each is invertible modulo 32
MAX_LENGTH = 25  # what every Vietnamese bank keeps of a memo's reference
PREFIX = re.compile(r"[A-Z][A-Z0-9]{1,7}")  # the exhibition's short prefix, such as HP26
_VALUE = {ch: n for n, ch in enumerate(ALPHABET)}
_READ_AS = str.maketrans("OIL", "011")


def check_character(body: str) -> str:
    """The check character of six characters of ALPHABET."""
    return ALPHABET[sum(w * _VALUE[ch] for w, ch in zip(WEIGHTS, body, strict=True)) % 32]


def new_reference(prefix: str) -> str:
    """A new random reference with the exhibition's `prefix` (see PREFIX)."""
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"not a reference prefix: {prefix!r}")
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return prefix + body + check_character(body)


def read_reference(text: str, prefix: str) -> str | None:
    """The reference `text` stands for, written as issued (upper case, 0 for O, 1 for I or L),
    or None when it is not one of this prefix's or its check character does not match."""
    text = text.strip().upper()
    if not text.startswith(prefix) or len(text) != len(prefix) + BODY + 1:
        return None
    code = text[len(prefix) :].translate(_READ_AS)
    if any(ch not in _VALUE for ch in code) or check_character(code[:BODY]) != code[BODY]:
        return None
    return prefix + code


def memo_key(memo: str) -> str:
    """A memo as the matching reads it: upper case, without diacritics, spaces or punctuation."""
    return re.sub(r"[^0-9A-Z]", "", fold(memo).upper())


def references_in(memo: str, prefix: str) -> list[str]:
    """Every valid reference of `prefix` anywhere in a bank memo (banks add their own prefixes
    and transaction numbers around it), in the order they appear, each once."""
    key = memo_key(memo)
    found: list[str] = []
    for start in (m.start() for m in re.finditer(f"(?={re.escape(prefix)})", key)):
        candidate = key[start : start + len(prefix) + BODY + 1]
        reference = read_reference(candidate, prefix)
        if reference is not None and reference not in found:
            found.append(reference)
    return found

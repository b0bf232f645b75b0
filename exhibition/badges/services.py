"""Badge codes and the secrets of personal links (their QR codes are drawn by exhibition/qr.py)."""

import base64
import re
import secrets

# 16 random bytes (128 bits) in uppercase base32 without padding: 26 characters from A-Z and 2-7,
# which QR codes store in their compact alphanumeric mode.
BADGE_CODE_LENGTH = 26
_BADGE_CODE = re.compile(r"^[A-Z2-7]{26}$")


def new_badge_code() -> str:
    """A new badge code: 128 random bits in uppercase base32 (26 characters)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def new_manage_token() -> str:
    """The secret in a person's "my registration" link (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_feed_token() -> str:
    """The secret in a person's calendar feed address (256 bits, URL-safe): it only reads their
    sessions, so the address can sit in a shared calendar without opening their registration."""
    return secrets.token_urlsafe(32)


def normalize_badge_code(text: str) -> str | None:  # a parser: one positional argument
    """The badge code in scanned text, or None when it cannot be one."""
    candidate = (text or "").strip().upper()
    return candidate if _BADGE_CODE.match(candidate) else None


# The lead code: a second secret of the badge, printed in a smaller QR for exhibitors' booth
# scanners. It never opens a door (check-in looks codes up by badge_code only), and a booth
# scanner never holds an entry code. Its QR text carries a prefix, so that each kind of station
# can skip the other kind's QR when the camera sees both; the prefix is outside the base32
# alphabet's use of "-", so a lead code is never mistaken for an entry code nor the reverse.
LEAD_PREFIX = "L-"
_LEAD_CODE = re.compile(r"^L-?([A-Z2-7]{26})$")


def new_lead_code() -> str:
    """A new lead code: 128 random bits in uppercase base32, like a badge code (26 characters)."""
    return new_badge_code()


def lead_qr_text(code: str) -> str:
    """What the lead QR holds (and what is printed under it): the prefix and the code."""
    return LEAD_PREFIX + code


def normalize_lead_code(text: str) -> str | None:  # a parser: one positional argument
    """The lead code in scanned or typed text ("L-…", spaces ignored), or None."""
    candidate = re.sub(r"\s+", "", text or "").upper()
    match = _LEAD_CODE.match(candidate)
    return match.group(1) if match else None

"""Badge codes and QR rendering."""

import base64
import io
import re
import secrets

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

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


def _qr(code: str) -> qrcode.QRCode:
    # A badge code fits version 2 at level M in alphanumeric mode. A fixed version and mask (the
    # printed badge's, see pdf.py) skip qrcode's trial of all eight masks, which was most of the
    # time of a QR code (it is drawn on every "my registration" page and in every confirmation).
    # Other texts (a device's set-up link) get qrcode's automatic choice.
    badge = _BADGE_CODE.match(code) is not None
    qr = qrcode.QRCode(
        version=2 if badge else None,
        error_correction=ERROR_CORRECT_M,
        border=4,
        mask_pattern=2 if badge else None,
    )
    qr.add_data(code)
    qr.make(fit=not badge)
    return qr


def qr_svg(code: str) -> bytes:  # a renderer: one positional argument
    """The badge code's QR code as an SVG document."""
    image = _qr(code).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode("utf-8")


def qr_svg_data_uri(code: str) -> str:  # a renderer: one positional argument
    """The QR code as an inline SVG image (a `data:` URI), for pages that must not link to the
    person's private address (the walk-in desk) or where there is none (a set-up link)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode("ascii")


def qr_text(code: str) -> str:  # a renderer: one positional argument
    """The QR code drawn with block characters, for a terminal: the light modules are the filled
    ones, right on the dark background of most terminals."""
    qr = _qr(code)
    qr.border = 2  # the terminal's dark margin around it does the rest
    drawn = io.StringIO()
    qr.print_ascii(out=drawn, invert=True)
    return drawn.getvalue()


def qr_png(code: str, *, box_size: int = 10) -> bytes:  # a renderer: one positional argument
    """The badge code's QR code as a PNG image."""
    qr = _qr(code)
    qr.box_size = box_size
    image = qr.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()

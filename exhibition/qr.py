"""QR codes of short texts (badge codes, set-up links) as PNG, SVG, terminal text or a matrix.

Shared by badges, check-in, the walk-in desk and the mail sender (which draws a badge's QR code
when it sends the message), so it imports no domain."""

import base64
import io
import re

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

# A badge code (26 upper-case base32 characters) fits version 2 at level M in alphanumeric mode
# (up to 38 such characters do). A fixed version and mask (the printed badge's) skip qrcode's
# trial of all eight masks, which was most of the time of a QR code: one is drawn on every "my
# registration" page, in every confirmation and on every printed badge. Other texts (a device's
# set-up link) get qrcode's automatic choice.
_FITS_VERSION_2 = re.compile(r"[0-9A-Z]{1,38}")


def qr_code(text: str, *, border: int = 4, mask_pattern: int | None = None) -> qrcode.QRCode:
    """The QR code of `text`, made (its modules known), with a quiet zone of `border` modules.
    A fixed `mask_pattern` (0-7) skips the trial of all eight, for documents that draw many
    codes (a thousand certificates): any mask reads, the trial only picks the tidiest."""
    small = _FITS_VERSION_2.fullmatch(text) is not None
    qr = qrcode.QRCode(
        version=2 if small else None,
        error_correction=ERROR_CORRECT_M,
        border=border,
        mask_pattern=2 if small else mask_pattern,
    )
    qr.add_data(text)
    qr.make(fit=not small)
    return qr


def qr_svg(code: str) -> bytes:  # a renderer: one positional argument
    """The QR code as an SVG document."""
    image = qr_code(code).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode("utf-8")


def qr_svg_data_uri(code: str) -> str:  # a renderer: one positional argument
    """The QR code as an inline SVG image (a `data:` URI), for pages that must not link to the
    person's private address (the walk-in desk) or where there is none (a set-up link)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode("ascii")


def qr_text(code: str) -> str:  # a renderer: one positional argument
    """The QR code drawn with block characters, for a terminal: the light modules are the filled
    ones, right on the dark background of most terminals."""
    qr = qr_code(code, border=2)  # the terminal's dark margin around it does the rest
    drawn = io.StringIO()
    qr.print_ascii(out=drawn, invert=True)
    return drawn.getvalue()


def qr_png(code: str, *, box_size: int = 10) -> bytes:  # a renderer: one positional argument
    """The QR code as a PNG image."""
    qr = qr_code(code)
    qr.box_size = box_size
    image = qr.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()

"""Company logos: only real PNG, JPEG or WebP images, checked and re-encoded, stored under random names."""

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DomainError
from ..extensions import db

MAX_BYTES = 1_500_000
# Refused from the header, before anything is decoded (decompression bombs: a 150 KB PNG can
# claim 25 million 16-bit pixels, 300 MB once decoded): at most this many pixels are decoded ...
MAX_PIXELS = 4_000_000
# ... and a JPEG is decoded at 1/2, 1/4 or 1/8 of its size, just large enough for 800 x 800, so
# a phone photo may be larger; a progressive JPEG is held whole while it is decoded, however
# small it is drawn, so it may be only a little larger.
MAX_PHOTO_PIXELS = 50_000_000
MAX_PROGRESSIVE_PIXELS = 12_500_000
MAX_SIDE = 800  # stored logos are scaled down to fit 800 x 800
ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP"}  # MPO: the JPEG that many phone cameras write


class InvalidLogo(DomainError):
    code = "invalid_logo"
    status = 422
    message = _l(
        "The logo must be a PNG, JPEG or WebP image of at most 1.5 MB and 4 megapixels"
        " (2000 × 2000 pixels, say); photos from a phone camera may be larger."
    )


def logo_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _decodable(image: Image.Image) -> bool:
    """Whether the image, still undecoded, is small enough to decode (JPEG: drafted to the
    smallest scale that still covers 800 x 800)."""
    width, height = image.size
    if width < 1 or height < 1:
        return False
    if image.format in ("JPEG", "MPO"):
        progressive = image.info.get("progressive") or image.info.get("progression")
        if width * height > (MAX_PROGRESSIVE_PIXELS if progressive else MAX_PHOTO_PIXELS):
            return False
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        width, height = image.size
    return width * height <= MAX_PIXELS


def prepare_logo(data: bytes) -> bytes:
    """Check an uploaded logo and re-encode it as PNG (scaled to fit 800 x 800); InvalidLogo if not.
    The size is read from the header; nothing larger than MAX_PIXELS is ever decoded."""
    if not data or len(data) > MAX_BYTES:
        raise InvalidLogo()
    try:
        # Image.open reads the header only; the pixels are decoded by load().
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as image:
            if image.format not in ALLOWED_FORMATS or not _decodable(image):
                raise InvalidLogo()
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGBA")  # phone photos: upright
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,  # when warnings are errors
        SyntaxError,
    ) as error:
        raise InvalidLogo() from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def logo_from_form(field) -> bytes | None:
    """The logo uploaded in a form's file field, prepared (None when there is none); InvalidLogo.
    It is decoded outside any transaction: on SQLite a POST's transaction holds the write lock
    from its first statement (BEGIN IMMEDIATE), and every other write would wait meanwhile."""
    if not field.data:
        return None
    data = field.data.read(MAX_BYTES + 1)
    db.session.commit()  # nothing is written yet: this ends the transaction the page's reads began
    return prepare_logo(data)


def delete_logo(name: str | None) -> None:
    """Remove a stored logo that is no longer used."""
    if name and len(name) == 36 and name.endswith(".png") and name[:32].isalnum():
        (logo_folder() / name).unlink(missing_ok=True)


def save_logo(png: bytes) -> str:
    """Store a prepared logo under a new random name; returns the name."""
    name = f"{secrets.token_hex(16)}.png"
    (logo_folder() / name).write_bytes(png)
    return name

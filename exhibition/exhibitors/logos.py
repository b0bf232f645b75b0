"""Company logos: only real PNG, JPEG or WebP images, checked and re-encoded, stored under random names."""

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DomainError

MAX_BYTES = 1_500_000
MAX_PIXELS = 25_000_000  # a larger image is refused before it is decoded (decompression bombs)
MAX_SIDE = 800  # stored logos are scaled down to fit 800 x 800
ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP"}  # MPO: the JPEG that many phone cameras write


class InvalidLogo(DomainError):
    code = "invalid_logo"
    status = 422
    message = _l("The logo must be a PNG, JPEG or WebP image of at most 1.5 MB and 25 megapixels.")


def logo_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prepare_logo(data: bytes) -> bytes:
    """Check an uploaded logo and re-encode it as PNG (scaled to fit 800 x 800); InvalidLogo if not."""
    if not data or len(data) > MAX_BYTES:
        raise InvalidLogo()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise InvalidLogo()
            width, height = probe.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise InvalidLogo()
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGBA")  # phone photos: upright
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        SyntaxError,
    ) as error:
        raise InvalidLogo() from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def delete_logo(name: str | None) -> None:
    """Remove a stored logo that is no longer used."""
    if name and len(name) == 36 and name.endswith(".png") and name[:32].isalnum():
        (logo_folder() / name).unlink(missing_ok=True)


def save_logo(png: bytes) -> str:
    """Store a prepared logo under a new random name; returns the name."""
    name = f"{secrets.token_hex(16)}.png"
    (logo_folder() / name).write_bytes(png)
    return name

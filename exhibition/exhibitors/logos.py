"""Uploaded images (company logos, an exhibition's banner and logo): only real PNG, JPEG or WebP
images, checked and re-encoded, stored under random names in the instance folder."""

import io
import secrets
from dataclasses import dataclass
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


class InvalidBanner(InvalidLogo):
    code = "invalid_banner"
    message = _l(
        "The banner must be a PNG, JPEG or WebP image of at most 3 MB and 4 megapixels"
        " (2500 × 1600 pixels, say); photos from a phone camera may be larger."
    )


@dataclass(frozen=True)
class ImageKind:
    """How one kind of uploaded image is checked, re-encoded and stored."""

    folder: str  # under instance/uploads/
    box: tuple[int, int]  # scaled down to fit
    max_bytes: int
    format: str  # "PNG" (keeps transparency) or "JPEG" (photos)
    error: type[InvalidLogo]

    @property
    def suffix(self) -> str:
        return ".png" if self.format == "PNG" else ".jpg"


LOGO = ImageKind("logos", (MAX_SIDE, MAX_SIDE), MAX_BYTES, "PNG", InvalidLogo)
EVENT_LOGO = ImageKind("events", (MAX_SIDE, MAX_SIDE), MAX_BYTES, "PNG", InvalidLogo)
BANNER = ImageKind("events", (1920, 1080), 3_000_000, "JPEG", InvalidBanner)


def image_folder(kind: ImageKind = LOGO) -> Path:
    folder = Path(current_app.instance_path) / "uploads" / kind.folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logo_folder() -> Path:
    return image_folder(LOGO)


def stored_name(name: str) -> bool:
    """Whether `name` is one this module gives: 32 hexadecimal digits, then .png or .jpg."""
    return (
        len(name) == 36
        and name.endswith((".png", ".jpg"))
        and all(c in "0123456789abcdef" for c in name[:32])
    )


def _decodable(image: Image.Image, box: tuple[int, int]) -> bool:
    """Whether the image, still undecoded, is small enough to decode (JPEG: drafted to the
    smallest scale that still covers `box`)."""
    width, height = image.size
    if width < 1 or height < 1:
        return False
    if image.format in ("JPEG", "MPO"):
        progressive = image.info.get("progressive") or image.info.get("progression")
        if width * height > (MAX_PROGRESSIVE_PIXELS if progressive else MAX_PHOTO_PIXELS):
            return False
        image.draft("RGB", box)
        width, height = image.size
    return width * height <= MAX_PIXELS


def prepare_image(data: bytes, kind: ImageKind = LOGO) -> bytes:
    """Check an uploaded image and re-encode it (scaled to fit the kind's box); the kind's error
    if it is not a fit image. The size is read from the header; nothing larger than MAX_PIXELS
    is ever decoded."""
    if not data or len(data) > kind.max_bytes:
        raise kind.error()
    try:
        # Image.open reads the header only; the pixels are decoded by load().
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as image:
            if image.format not in ALLOWED_FORMATS or not _decodable(image, kind.box):
                raise kind.error()
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
        raise kind.error() from error
    image.thumbnail(kind.box)
    output = io.BytesIO()
    if kind.format == "PNG":
        image.save(output, format="PNG", optimize=True)
    else:  # a photo: no transparency, on white
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        flat.save(output, format="JPEG", quality=85, optimize=True, progressive=True)
    return output.getvalue()


def prepare_logo(data: bytes) -> bytes:
    """Check an uploaded logo and re-encode it as PNG (scaled to fit 800 x 800); InvalidLogo if not."""
    return prepare_image(data, LOGO)


def image_from_form(field, kind: ImageKind = LOGO) -> bytes | None:
    """The image uploaded in a form's file field, prepared (None when there is none); the kind's
    error if unfit. It is decoded outside any transaction: on SQLite a POST's transaction holds
    the write lock from its first statement (BEGIN IMMEDIATE), and every other write would wait
    meanwhile."""
    if not field.data:
        return None
    data = field.data.read(kind.max_bytes + 1)
    db.session.commit()  # nothing is written yet: this ends the transaction the page's reads began
    return prepare_image(data, kind)


def logo_from_form(field) -> bytes | None:
    """The logo uploaded in a form's file field, prepared (None when there is none); InvalidLogo."""
    return image_from_form(field, LOGO)


def submitted_with_logo(form) -> tuple[bool, bytes | None]:
    """Whether the form was sent valid with a fit logo (else an error next to the field), and the
    logo prepared (None when none was sent)."""
    if not form.validate_on_submit():
        return False, None
    try:
        return True, logo_from_form(form.logo)
    except InvalidLogo as error:
        form.logo.errors.append(str(error.message))
        return False, None


def delete_image(name: str | None, kind: ImageKind = LOGO) -> None:
    """Remove a stored image that is no longer used."""
    if name and stored_name(name):
        (image_folder(kind) / name).unlink(missing_ok=True)


def delete_logo(name: str | None) -> None:
    """Remove a stored logo that is no longer used."""
    delete_image(name, LOGO)


def save_image(data: bytes, kind: ImageKind = LOGO) -> str:
    """Store a prepared image under a new random name; returns the name."""
    name = f"{secrets.token_hex(16)}{kind.suffix}"
    (image_folder(kind) / name).write_bytes(data)
    return name


def save_logo(png: bytes) -> str:
    """Store a prepared logo under a new random name; returns the name."""
    return save_image(png, LOGO)

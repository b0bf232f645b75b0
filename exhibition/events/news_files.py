"""The files of news posts: a cover image (checked and re-encoded like the exhibition's banner)
and attachments (PDF, images, DOCX, XLSX of at most 10 MB, checked by their content), stored
under random names in the instance folder."""

import io
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from ..errors import DomainError
from ..exhibitors.logos import ImageKind, InvalidLogo
from ..extensions import db
from .news_models import NewsAttachment, NewsPost

MAX_FILE_BYTES = 10 * 1024 * 1024  # an attachment or a cover image
MAX_ATTACHMENTS = 10


class InvalidCover(InvalidLogo):
    code = "invalid_cover"
    message = _l(
        "The cover must be a PNG, JPEG or WebP image of at most 10 MB and 4 megapixels"
        " (2500 × 1600 pixels, say); photos from a phone camera may be larger."
    )


class InvalidAttachment(DomainError):
    code = "invalid_attachment"
    status = 422
    message = _l("Attach a PDF, a PNG, JPEG or WebP image, a Word (.docx) or Excel (.xlsx) file.")


class AttachmentTooLarge(InvalidAttachment):
    code = "attachment_too_large"
    status = 413
    message = _l("A file may be at most 10 MB.")


class TooManyAttachments(InvalidAttachment):
    code = "too_many_attachments"
    status = 409
    message = _l("A post may have at most 10 attachments.")


# Covers are photos: a JPEG that fits 1600 x 900 (and makes a good Open Graph image).
COVER = ImageKind("news", (1600, 900), MAX_FILE_BYTES, "JPEG", InvalidCover)

# What each accepted kind of file is sent as, by the suffix it is stored and offered with.
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_IMAGE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "WEBP": ".webp"}
# The part that makes an Office Open XML package a document or a workbook.
_OFFICE_PARTS = {"word/document.xml": ".docx", "xl/workbook.xml": ".xlsx"}
_STORED = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg|webp|docx|xlsx)$")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def files_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "news"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_file_name(name: str) -> bool:
    """Whether `name` is one this module gives an attachment."""
    return bool(_STORED.match(name))


def _office_suffix(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    found = [suffix for part, suffix in _OFFICE_PARTS.items() if part in names]
    return found[0] if len(found) == 1 else None


def _image_suffix(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as image:
            image.verify()  # the structure, without decoding the pixels
            return _IMAGE_SUFFIXES.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def attachment_suffix(data: bytes) -> str:
    """The kind of an uploaded attachment read from its content (never from its name): ".pdf",
    ".png", ".jpg", ".webp", ".docx" or ".xlsx"; InvalidAttachment for anything else,
    AttachmentTooLarge past 10 MB."""
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentTooLarge()
    if not data:
        raise InvalidAttachment()
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        suffix = _office_suffix(data)
    else:
        suffix = _image_suffix(data)
    if suffix is None:
        raise InvalidAttachment()
    return suffix


def clean_filename(name: str, suffix: str) -> str:
    """The name an attachment is offered under: the uploaded one without path or control
    characters, ending in the suffix of what it really is."""
    stem = unicodedata.normalize("NFC", Path(name or "").name)
    stem = " ".join(_UNSAFE_NAME.sub(" ", stem).split()).strip(" .")
    base = (stem.rsplit(".", 1)[0] if "." in stem else stem).strip(" .")
    return f"{(base or 'tep-dinh-kem')[:150]}{suffix}"


def add_attachment(*, post: NewsPost, data: bytes, filename: str) -> NewsAttachment:
    """Check an uploaded file and keep it with the post (the file is written here: call within
    the request that commits it)."""
    if len(post.attachments) >= MAX_ATTACHMENTS:
        raise TooManyAttachments()
    suffix = attachment_suffix(data)
    stored = f"{secrets.token_hex(16)}{suffix}"
    (files_folder() / stored).write_bytes(data)
    attachment = NewsAttachment(
        filename=clean_filename(filename, suffix),
        stored_name=stored,
        content_type=CONTENT_TYPES[suffix],
        size=len(data),
    )
    post.attachments.append(attachment)
    db.session.flush()
    return attachment


def remove_attachment(*, attachment: NewsAttachment) -> str:
    """Forget an attachment; returns its stored name, to delete after the commit."""
    name = attachment.stored_name
    attachment.post.attachments.remove(attachment)
    db.session.flush()
    return name


def delete_file(name: str | None) -> None:
    """Remove a stored attachment that is no longer used."""
    if name and stored_file_name(name):
        (files_folder() / name).unlink(missing_ok=True)

"""Text helpers: folding Vietnamese for search, safe CSV cells."""

import re
import unicodedata

import sqlalchemy as sa

_SPACES = re.compile(r"\s+")


def normalize_name(value: str) -> str:
    """NFC form with single spaces: how names and other typed text are stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def fold(value: str | None) -> str:
    """Lower-case text without diacritics ("Nguyễn Đức" -> "nguyen duc") for searching."""
    if not value:
        return ""
    text = value.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.casefold()).strip()


def csv_safe(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ (or tab/CR) gets a quote."""
    if value is None:
        return ""
    text = str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def matches_all_words(column, query: str) -> sa.ColumnElement[bool]:
    """Every word of `query` (folded, at most 8) appears in the folded text `column` (LIKE, escaped)."""
    clauses = []
    for word in fold(query).split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(column.like(f"%{escaped}%", escape="\\"))
    return sa.and_(sa.true(), *clauses)

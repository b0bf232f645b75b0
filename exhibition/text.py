"""Text helpers: folding Vietnamese for search, safe CSV cells, what a person's name may hold,
days typed in addresses."""

import re
import unicodedata
from datetime import date

import sqlalchemy as sa

_SPACES = re.compile(r"\s+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The years a date typed by a person may fall in (forms and `?day=` alike): beyond them it is a
# slip, and year 1 or 9999 leaves the calendar once moved to Vietnam time.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_day(value: str | None) -> date | None:
    """A day given as YYYY-MM-DD (a query argument such as `?day=`); None when absent, in
    another form, not a day, or outside FIRST_YEAR..LAST_YEAR. The one parser of days in
    addresses: pages ignore a None, the API answers it with an error."""
    if not value or not _DAY.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def normalize_name(value: str) -> str:
    """NFC form with single spaces: how names and other typed text are stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


# Letters that show nothing: the Hangul fillers (Unicode lists them as default-ignorable).
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# Combining marks one character may carry, counted in NFD: Vietnamese needs two ("ệ" is e + dot
# below + circumflex); more only piles marks on a badge or a list.
MAX_MARKS_PER_LETTER = 3


def name_problem(value: str) -> str | None:
    """What makes `value` unfit as a person's name, or None: "no_visible_letter" (only fillers,
    zero-width or format characters, punctuation) or "too_many_marks" (a character carrying more
    than MAX_MARKS_PER_LETTER combining marks). The forms and the importers word the message."""
    decomposed = unicodedata.normalize("NFD", value or "")
    if not any(ch.isalpha() and ch not in _INVISIBLE_LETTERS for ch in decomposed):
        return "no_visible_letter"
    marks = 0
    for ch in decomposed:
        marks = marks + 1 if unicodedata.category(ch) in ("Mn", "Mc", "Me") else 0
        if marks > MAX_MARKS_PER_LETTER:
            return "too_many_marks"
    return None


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

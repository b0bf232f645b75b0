"""Text helpers: folding Vietnamese for search, sorting it in its alphabetical order, safe CSV
cells, what a person's name may hold."""

import re
import unicodedata

import sqlalchemy as sa

_SPACES = re.compile(r"\s+")


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


# The Vietnamese alphabet, with the Latin letters it lacks (f, j, w, z) where the Latin alphabet
# has them: ă, â, đ, ê, ô, ơ, ư are letters of their own ("Ấn Độ" after every "A...", "Đức" after
# every "D..."). Tones only break ties between words with the same letters, in the dictionaries'
# order: none, huyền, hỏi, ngã, sắc, nặng (ma, mà, mả, mã, má, mạ).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_MARKS = frozenset("\u0306\u0302\u031b")  # breve, circumflex, horn: part of the letter
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_sort_key(text: str | None) -> tuple:
    """A key that sorts text in Vietnamese alphabetical order, word by word (a space before any
    letter): letters first, then tones, then case ("Áo", "Ấn Độ", "Úc", "Đức" in their places).
    Python's own order puts every word starting with a marked letter after "Z"."""
    letters, tones, cases = [], [], []
    for cluster in _clusters(text or ""):
        base, marks = cluster[0], cluster[1:]
        lower = base.lower()
        letter = unicodedata.normalize(
            "NFC", lower + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        if len(letter) == 1 and letter in _ALPHABET:
            letters.append((3, _ALPHABET.index(letter)))
        elif lower.isdigit():
            letters.append((2, unicodedata.digit(lower, 0)))
        elif lower.isalpha():
            letters.append((4, ord(lower)))  # a letter of another alphabet
        else:
            letters.append((1, 0) if lower.isspace() else (1, ord(lower)))  # space, punctuation
        tones.append(max((_TONES.get(m, 0) for m in marks), default=0))
        cases.append(base != lower)
    return tuple(letters), tuple(tones), tuple(cases), text or ""


def _clusters(text: str) -> list[str]:
    """The characters of `text` in NFD, each with the combining marks that follow it."""
    clusters: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


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

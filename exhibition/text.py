"""Text helpers: folding Vietnamese for search, sorting it in its alphabetical order, safe CSV
cells, what a person's name and other typed text may hold, days typed in addresses."""

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


# Letters of any script, digits, spaces and ordinary punctuation are fine in what people type;
# control and format characters, surrogates, private-use and unassigned code points, emoji and
# other pictographs are not (badges and PDFs cannot show them). The zero-width non-joiner and
# joiner, which some scripts need to spell words, are kept.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "So", "Sk"})
_JOINERS = "\u200c\u200d"


def plain(text: str, *, also: str = "") -> bool:
    """Whether text holds only letters, digits, spaces and punctuation (and the characters of
    `also`, such as the line breaks of a text area): nothing of REFUSED_CATEGORIES."""
    if REFUSED_CATEGORIES.isdisjoint(map(unicodedata.category, text)):
        return True  # the usual case, without a Python-level loop over the characters
    return all(
        unicodedata.category(ch) not in REFUSED_CATEGORIES or ch in _JOINERS or ch in also
        for ch in text
    )


def fold(value: str | None) -> str:
    """Lower-case text without diacritics ("Nguyễn Đức" -> "nguyen duc") for searching."""
    if not value:
        return ""
    text = value.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.casefold()).strip()


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(value: str | None, *, max_length: int = 80) -> str:
    """A web-address form of text: folded, words joined by hyphens, cut at a word within
    `max_length` ("Thông báo về việc tổ chức" -> "thong-bao-ve-viec-to-chuc")."""
    slug = _NOT_SLUG.sub("-", fold(value)).strip("-")
    if len(slug) > max_length:
        slug = slug[: max_length + 1].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug
        slug = slug[:max_length].strip("-")
    return slug


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


# The Vietnamese alphabet, with f, j, w and z (foreign words) in their Latin places. Ranks 1-10
# are the digits and 0 separates words, so that "Ba Lan" comes before "Bahamas".
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_RANKS = {letter: rank for rank, letter in enumerate(_ALPHABET, start=11)}
_OTHER_LETTERS = 100  # letters of other scripts come after z, by code point
# Tones in dictionary order: level (none), huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Breve, circumflex and horn make another letter (ă, â, ê, ô, ơ, ư), not a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def vietnamese_sort_key(value: str | None) -> tuple:
    """A key sorting text the Vietnamese way: letters of the Vietnamese alphabet in its order
    (a ă â b c d đ e ê …), word by word, then tones (none, huyền, hỏi, ngã, sắc, nặng), then
    case; so Anh, Áo, Ấn Độ, Ba Lan, Bỉ, Đức, Úc."""
    text = value or ""
    letters: list[list] = []  # [letter, tone] per base character
    for char in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(char):
            if not letters:
                continue
            if char in _TONES:
                letters[-1][1] = _TONES[char]
            elif char in _LETTER_MARKS:
                letters[-1][0] = unicodedata.normalize("NFC", letters[-1][0] + char)
            continue
        letters.append([char, 0])
    primary: list[int] = []
    tones: list[int] = []
    for char, tone in letters:
        if char in _LETTER_RANKS:
            rank = _LETTER_RANKS[char]
        elif char.isdigit() and char.isascii():
            rank = 1 + int(char)
        elif char.isalnum():
            rank = _OTHER_LETTERS + ord(char)
        else:  # spaces and punctuation separate words
            if primary and primary[-1] != 0:
                primary.append(0)
            continue
        primary.append(rank)
        tones.append(tone)
    while primary and primary[-1] == 0:
        primary.pop()
    return tuple(primary), tuple(tones), text


# Legal forms that start a company's name (compared folded, word by word), longest first, and
# those that end it (English), so that a directory sorts "Công ty CP Đông Á" under Đ.
_LEGAL_PREFIXES = sorted(
    (
        tuple(form.split())
        for form in (
            "chi nhanh", "chi nhanh cong ty", "tong cong ty", "tap doan", "cong ty", "cty",
            "ctcp", "cong ty co phan", "cong ty cp", "cty cp", "cong ty tnhh", "cty tnhh",
            "cong ty trach nhiem huu han", "mot thanh vien", "hai thanh vien tro len", "mtv",
            "tnhh", "co phan", "cp", "cong ty hop danh", "doanh nghiep tu nhan", "dntn",
            "hop tac xa", "htx", "jsc", "jsc.", "joint stock company", "company limited",
        )
    ),
    key=len,
    reverse=True,
)  # fmt: skip
_LEGAL_SUFFIXES = sorted(
    (
        tuple(form.split())
        for form in (
            "co ltd", "co", "ltd", "company limited", "limited", "jsc", "joint stock company",
            "corp", "corporation", "inc", "llc", "plc", "company", "group", "co ltd branch",
        )
    ),
    key=len,
    reverse=True,
)  # fmt: skip


def company_short_name(name: str | None) -> str:
    """A company's name without its legal form ("Công ty TNHH Cơ khí Hải An" -> "Cơ khí Hải An",
    "Dong A Mould JSC" -> "Dong A Mould"): what people call it, for sorting and small labels."""
    words = (name or "").split()
    keys = [fold(word).strip(".,;:()&-–") for word in words]
    changed = True
    while changed and len(words) > 1:
        changed = False
        if not keys[0]:  # a dash or comma left between two legal forms
            words, keys, changed = words[1:], keys[1:], True
            continue
        for form in _LEGAL_PREFIXES:
            if len(keys) > len(form) and tuple(keys[: len(form)]) == form:
                words, keys, changed = words[len(form) :], keys[len(form) :], True
                break
        for form in _LEGAL_SUFFIXES:
            if len(keys) > len(form) and tuple(keys[-len(form) :]) == form:
                words, keys, changed = words[: -len(form)], keys[: -len(form)], True
                break
    return " ".join(words).strip(" ,-–") or (name or "").strip()

"""Reading the tables organisers upload (delegates, visitors): CSV in UTF-8 (comma or semicolon,
with or without BOM) or Excel .xlsx; cells as normalised text, column headers in Vietnamese or
English, and problems reported per spreadsheet row."""

import csv
import io
import unicodedata

from flask_babel import gettext as _

from .text import MAX_MARKS_PER_LETTER, fold, name_problem, normalize_name

# The language of a person's e-mails as people write it in a file, keyed by header_key().
LANGUAGES = {
    "": "vi",
    "vi": "vi",
    "tiengviet": "vi",
    "vietnamese": "vi",
    "en": "en",
    "tienganh": "en",
    "english": "en",
}
# Letters of any script, digits, spaces and punctuation; no control characters or emoji.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "So", "Sk"}


def header_key(value) -> str:
    """A header (or a word in a cell) folded: no diacritics, lower case, letters and digits only."""
    return "".join(ch for ch in fold(str(value or "")) if ch.isalnum())


def cell_text(value) -> str:
    """A spreadsheet cell as text; whole numbers stay whole (a phone typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_name(str(value))


def _records(rows, max_rows: int) -> list[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of the non-blank rows, header first; at most max_rows + 2."""
    found = []
    for line, row in enumerate(rows, start=1):
        cells = [cell_text(value) for value in row]
        if any(cells):
            found.append((line, cells))
            if len(found) > max_rows + 1:
                break
    return found


def _csv_rows(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(_('The file is not UTF-8 text. Save it as "CSV UTF-8".')) from error
    if "\x00" in text:
        raise ValueError(_("The file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _records(csv.reader(io.StringIO(text), delimiter=delimiter), max_rows)
    except csv.Error as error:
        raise ValueError(_("The file is not a CSV text file.")) from error


def _xlsx_rows(data: bytes, max_rows: int, max_cols: int) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # zip, XML and openpyxl's own errors for anything not a workbook
        raise ValueError(_("The file is not an Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        return _records(sheet.iter_rows(max_col=max_cols, values_only=True), max_rows)
    except Exception as error:
        raise ValueError(_("The file is not an Excel workbook (.xlsx).")) from error
    finally:
        workbook.close()


def read_table(
    data: bytes, filename: str, *, max_bytes: int, max_rows: int, max_cols: int
) -> list[tuple[int, list[str]]]:
    """The non-blank rows of an uploaded CSV or .xlsx file as (row number, cells), the header
    first, at most max_rows + 2 (so that the caller can tell there were too many); ValueError
    with a message for organisers when the file cannot be read."""
    if len(data) > max_bytes:
        raise ValueError(_("The file is larger than %(size)s MB.", size=max_bytes // 1_000_000))
    name = (filename or "").lower()
    if name.endswith(".xls"):
        raise ValueError(_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV."))
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        table = _xlsx_rows(data, max_rows, max_cols)
    else:
        table = _csv_rows(data, max_rows)
    if not table:
        raise ValueError(_("The file is empty."))
    return table


def find_columns(header: list[str], aliases: dict[str, set[str]]) -> dict[str, int]:
    """Which cell of the header row holds each field (the first header matching one of the
    field's folded aliases)."""
    columns = {}
    for index, cell in enumerate(header):
        key = header_key(cell)
        for name, names in aliases.items():
            if key in names and name not in columns:
                columns[name] = index
    return columns


def plain(text: str) -> bool:
    """Whether text holds only letters, digits, spaces and punctuation (no control characters,
    emoji or other pictographs, which badges and PDFs cannot show)."""
    if _REFUSED_CATEGORIES.isdisjoint(map(unicodedata.category, text)):
        return True  # the usual case, without a Python-level loop over the characters
    return all(
        unicodedata.category(ch) not in _REFUSED_CATEGORIES or ch in "\u200c\u200d" for ch in text
    )


def text_problems(values: dict, fields: dict, *, names: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a row's free-text cells: `fields` maps a column to (its label, its
    longest length); a cell too long or holding symbols or emoji is reported by its label, and so
    is a person's name (the columns in `names`) that text.name_problem refuses."""
    problems = []
    for key, (label, limit) in fields.items():
        text = values.get(key, "")
        if len(text) > limit:
            problems.append(
                _("%(field)s longer than %(count)s characters", field=label, count=limit)
            )
        elif not plain(text):
            problems.append(_("%(field)s holds symbols or emoji", field=label))
        elif text and key in names:
            problem = name_problem(text)
            if problem == "no_visible_letter":
                problems.append(_("%(field)s has no visible letter", field=label))
            elif problem == "too_many_marks":
                problems.append(
                    _(
                        "%(field)s has a letter with more than %(count)s accent marks",
                        field=label,
                        count=MAX_MARKS_PER_LETTER,
                    )
                )
    return problems


def row_error(line: int, reason: str) -> tuple[int, str]:
    """A problem with one row, as (row number, "Row N: reason.")."""
    return line, _("Row %(line)s: %(reason)s.", line=line, reason=reason)

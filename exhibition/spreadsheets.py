"""Reading the tables organisers upload (delegates, visitors): CSV in UTF-8 (comma or semicolon,
with or without BOM) or Excel .xlsx; cells as normalised text, column headers in Vietnamese or
English, and problems reported per spreadsheet row.

A small file can hold a great deal of work: a 700 KB workbook 30 million empty rows, a 300 KB one
a 300 MB text. Every upload that reads a table goes through the guards below (check_workbook,
csv_lines and the row limit of read_table), which refuse such a file within seconds and before
it is parsed, from the archive's directory and a scan of its raw XML."""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache

from flask_babel import gettext as _
from openpyxl import load_workbook

from .email_address import normalize_email
from .phone import fast_phone
from .text import MAX_MARKS_PER_LETTER, fold, name_problem, normalize_name, plain

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

# What a workbook may unpack to: a part larger than RATIO_FROM at most MAX_RATIO times its packed
# size (real workbooks: 5 to 20 times; a bomb: 1000), and in all WORKBOOK_BASE (styles, themes)
# plus BYTES_PER_CELL for each cell of the largest table allowed (real sheets: 40 to 70 bytes).
MAX_RATIO = 100
RATIO_FROM = 1_000_000
WORKBOOK_BASE = 8_000_000
BYTES_PER_CELL = 64
MAX_PARTS = 1000
MAX_ROW_CELLS = 16_384  # Excel's own number of columns
MAX_LINE = 65_536  # characters in a line of a CSV file
_SCAN_CHUNK = 1 << 20
# Elements in a sheet's or the shared strings' XML, with or without a namespace prefix.
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


class OversizedTable(ValueError):
    """A file that would cost far more work than the largest table allowed."""


def max_lines(max_rows: int) -> int:
    """The rows a file may have, blank ones included: twice the rows that are read."""
    return 2 * max_rows


def _too_many_rows(max_rows: int) -> OversizedTable:
    return OversizedTable(
        _(
            "The file has more than %(count)s rows (blank rows count too); split it into smaller"
            " files.",
            count=max_lines(max_rows),
        )
    )


def _not_a_workbook() -> ValueError:
    return ValueError(_("The file is not an Excel workbook (.xlsx)."))


def _scan_part(stream, *, max_rows: int, max_cells: int) -> None:
    """Count the rows, the cells of each row and the shared strings of one part of a workbook
    from its raw XML, without parsing it (openpyxl builds each row whole, 300 bytes a cell)."""
    rows = cells = strings = in_row = 0
    pending = b""
    while True:
        chunk = stream.read(_SCAN_CHUNK)
        data = pending + chunk
        pending = b""
        if chunk:  # a tag cut in two at the end waits for the next chunk
            cut = data.rfind(b"<", max(0, len(data) - 256))
            if cut > 0:
                data, pending = data[:cut], data[cut:]
        pieces = _ROW.split(data)
        for index, piece in enumerate(pieces):
            if index:
                rows += 1
                in_row = 0
            found = len(_CELL.findall(piece))
            in_row += found
            cells += found
            if in_row > MAX_ROW_CELLS:
                raise OversizedTable(
                    _("A row of the file holds more than %(count)s cells.", count=MAX_ROW_CELLS)
                )
        strings += len(_STRING.findall(data))
        if rows > max_lines(max_rows):
            raise _too_many_rows(max_rows)
        if cells > max_cells or strings > max_cells:
            raise OversizedTable(
                _(
                    "The file holds more than %(count)s cells; keep only the columns to import,"
                    " or split it into smaller files.",
                    count=max_cells,
                )
            )
        if not chunk:
            return


def check_workbook(data: bytes, *, max_rows: int, max_cols: int) -> None:
    """Refuse (ValueError with a message for organisers) a workbook that would cost far more
    than a table of max_rows x max_cols, before openpyxl reads any of it: from the archive's
    directory (unpacked sizes, compression), then from a scan of each part for rows, cells per
    row and shared strings. Zip itself holds a part to the size its directory declares."""
    max_cells = (max_rows + 1) * max_cols
    budget = WORKBOOK_BASE + BYTES_PER_CELL * max_cells
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise _not_a_workbook()
            if sum(part.file_size for part in parts) > budget:
                raise OversizedTable(
                    _(
                        "The workbook unpacks to more than %(size)s MB; split it into smaller"
                        " files.",
                        size=budget // 1_000_000,
                    )
                )
            for part in parts:
                if part.file_size > max(RATIO_FROM, MAX_RATIO * part.compress_size):
                    raise OversizedTable(
                        _(
                            "A part of the workbook unpacks to more than %(ratio)s times its"
                            " size, which no real spreadsheet does; the file was not read.",
                            ratio=MAX_RATIO,
                        )
                    )
            for part in parts:
                with archive.open(part) as stream:
                    _scan_part(stream, max_rows=max_rows, max_cells=max_cells)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as error:
        raise _not_a_workbook() from error  # damaged, encrypted, or an unknown compression


def csv_lines(text: str, *, max_rows: int) -> Iterator[str]:
    """The lines of a CSV text, for csv.reader; ValueError past max_lines(max_rows) lines (blank
    ones count) or at a line longer than MAX_LINE characters."""
    for number, line in enumerate(io.StringIO(text), start=1):
        if number > max_lines(max_rows):
            raise _too_many_rows(max_rows)
        if len(line) > MAX_LINE:
            raise OversizedTable(
                _("A line of the file is longer than %(count)s characters.", count=MAX_LINE)
            )
        yield line


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
    """(spreadsheet row number, cells) of the non-blank rows, header first; at most max_rows + 2.
    Blank rows count against max_lines(max_rows)."""
    found = []
    for line, row in enumerate(rows, start=1):
        if line > max_lines(max_rows):
            raise _too_many_rows(max_rows)
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
    # The first line that has a delimiter: a bank's export starts with title lines of one cell.
    first_line = next(
        (line for line in text[:100_000].split("\n")[:30] if ";" in line or "," in line), ""
    )
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _records(
            csv.reader(csv_lines(text, max_rows=max_rows), delimiter=delimiter), max_rows
        )
    except csv.Error as error:
        raise ValueError(_("The file is not a CSV text file.")) from error


def _xlsx_rows(data: bytes, max_rows: int, max_cols: int) -> list[tuple[int, list[str]]]:
    check_workbook(data, max_rows=max_rows, max_cols=max_cols)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # zip, XML and openpyxl's own errors for anything not a workbook
        raise ValueError(_("The file is not an Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=max_cols, max_row=max_lines(max_rows) + 1, values_only=True)
        return _records(rows, max_rows)
    except OversizedTable:
        raise
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


# --- reading the rows, and the cells checked alike for visitors and delegates ------------------


def read_rows(
    data: bytes,
    filename: str,
    *,
    headers: dict[str, set[str]],
    required: dict[str, object],
    max_bytes: int,
    max_rows: int,
    max_cols: int,
    too_many: str,
) -> tuple[Iterator[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """The filled rows of an uploaded table as (row number, {field: cell}) under `headers`, read
    as they are taken, and the list of problems: the whole file's (row 0: unreadable, or a
    column of `required` missing, named by its label) or, appended when reached, the first row
    beyond `max_rows` (with the message `too_many`). The caller adds its rows' problems to it."""
    try:
        table = read_table(
            data, filename, max_bytes=max_bytes, max_rows=max_rows, max_cols=max_cols
        )
    except ValueError as error:
        return iter(()), [(0, str(error))]
    columns = find_columns(table[0][1], headers)
    missing = [str(label) for name, label in required.items() if name not in columns]
    if missing:
        message = _(
            "The first row must name the columns; missing: %(columns)s.", columns=", ".join(missing)
        )
        return iter(()), [(0, message)]
    problems: list[tuple[int, str]] = []
    return _filled_rows(table[1:], columns, max_rows, too_many, problems), problems


def _filled_rows(rows, columns, max_rows, too_many, problems):
    items = list(columns.items())
    for count, (line, raw) in enumerate(rows, start=1):
        if count > max_rows:
            problems.append((line, too_many))
            return
        width = len(raw)
        values = {name: raw[index] if index < width else "" for name, index in items}
        if any(values.values()):  # else only other columns are filled in
            yield line, values


# Languages, provinces and countries are written a few ways each, over and over: fold each once.
cell_key = lru_cache(maxsize=4096)(header_key)


def email_cell(text: str, *, line: int, seen: dict[str, int]) -> tuple[str, str | None]:
    """A row's e-mail address as stored (normalize_email) and what is wrong with it, if anything:
    missing, not valid, or given in an earlier row (`seen`: each folded address's first row)."""
    if not text:
        return "", _("e-mail missing")
    try:
        email = normalize_email(text)
    except ValueError:
        return "", _("e-mail address not valid")
    key = email.casefold()
    if key in seen:
        return email, _("this e-mail appears already in row %(line)s", line=seen[key])
    seen[key] = line
    return email, None


def phone_cell(text: str, *, required: bool) -> tuple[str, str | None]:
    """A row's phone number in E.164 form (or "" when not given) and what is wrong with it."""
    if not text:
        return "", _("phone number missing") if required else None
    try:
        return fast_phone(text), None
    except ValueError:
        return text, _("phone number not valid")


def language_cell(text: str) -> tuple[str, str | None]:
    """The language of a person's e-mails ("vi" when not given) and what is wrong with it."""
    language = LANGUAGES.get(cell_key(text))
    if language is None:
        return "", _("language must be vi or en")
    return language, None

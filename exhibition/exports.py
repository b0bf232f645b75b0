"""Writing tables for organisers: Excel workbooks (.xlsx) and CSV (UTF-8 with BOM).

Rows hold typed values: text, numbers, and aware datetimes (shown in the event's time zone).

- XLSX: every text cell is a string cell, which a spreadsheet never runs as a formula, so text is
  written as typed (a phone "+81 90-1234-5678" stays that, and stays text); numbers are numbers,
  datetimes real dates with a number format; the header row is bold, frozen and filtered, and
  the columns are as wide as their content (within bounds). This is the file to open in a
  spreadsheet.
- CSV: a spreadsheet opening it runs a cell that starts with = + - @ (or tab, CR), so such text
  gets a leading quote (text.csv_safe); datetimes are written as "2021-11-23 09:00".
"""

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response, request
from flask_babel import force_locale
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .accounts.audit import record
from .dbtypes import utcnow
from .extensions import db
from .i18n import current_language
from .text import csv_safe

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("vi", "en")
# How a date and time reads in a spreadsheet cell, per language of the file.
DATETIME_FORMATS = {"vi": "dd/mm/yyyy hh:mm", "en": "d mmm yyyy hh:mm"}
DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "d mmm yyyy"}
MIN_WIDTH, MAX_WIDTH = 8, 60  # characters


def export_language() -> str:
    """The language the organiser chose for the file (the page's language unless told)."""
    wanted = request.args.get("language", "")
    return wanted if wanted in LANGUAGES else current_language()


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)


def _csv_cell(value, tz: ZoneInfo):
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("say yes or no in words (labels.yes_no)")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return _local(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return csv_safe(value)


def as_csv(header: list[str], rows: list[list], *, tz: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(name) for name in header])
    writer.writerows([_csv_cell(value, tz) for value in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def _text(sheet, value) -> WriteOnlyCell:
    """A cell that holds text whatever the text is: openpyxl would store "#N/A" as an error
    value and "=..." as a formula rather than as the text typed."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    return cell


def _xlsx_cell(sheet, value, tz: ZoneInfo, language: str):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("say yes or no in words (labels.yes_no)")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=_local(value, tz))
        cell.number_format = DATETIME_FORMATS[language]
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMATS[language]
        return cell
    return _text(sheet, value)


def _width(value) -> int:
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 11
    return max((len(line) for line in str(value).splitlines()), default=0)


def as_xlsx(
    header: list[str], rows: list[list], *, title: str, tz: ZoneInfo, language: str
) -> bytes:
    """An .xlsx workbook of one sheet; no cell is ever a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, name in enumerate(header):
        widest = max(
            [len(name) + 3] + [_width(row[index]) for row in rows if row[index] is not None]
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, widest + 2)
        )
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(header), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)
    titles = []
    for name in header:
        cell = _text(sheet, name)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, tz, language) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    header: list,
    rows: list[list],
    *,
    kind: str,
    name: str,
    tz: ZoneInfo,
    language: str,
    title: str = "",
) -> Response:
    """A download of the table as `kind` ("csv" or "xlsx"), named `name` plus the extension,
    its sheet called `title`; `header` may hold lazy strings (rendered here, so call this inside
    force_locale)."""
    header = [str(column) for column in header]
    if kind == "xlsx":
        sheet = str(title) or name
        body, mimetype = as_xlsx(header, rows, title=sheet, tz=tz, language=language), XLSX
    else:
        body, mimetype = as_csv(header, rows, tz=tz), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


def audited_export(
    *,
    event,
    kind: str,
    name: str,
    columns: list,
    rows: Callable[[], list[list]],
    title: str,
    action: str,
    **audit,
) -> Response:
    """An organiser's download of an exhibition's table, in the language chosen: `rows()` is
    built in that language, the export is written in the audit log as `action` (format, row
    count and language; `audit` adds the target) and committed, and the file is named
    `<slug>-<name>-<local time>`."""
    language = export_language()
    with force_locale(language):
        table = rows()
        details = {"format": kind, "rows": len(table), "language": language}
        record(actor=current_user, action=action, event=event, details=details, **audit)
        db.session.commit()
        stamp = utcnow().astimezone(event.tz).strftime("%Y%m%d-%H%M")
        return export_response(
            columns,
            table,
            kind=kind,
            name=f"{event.slug}-{name}-{stamp}",
            tz=event.tz,
            language=language,
            title=str(title),
        )

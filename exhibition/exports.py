"""Writing tables for organisers: Excel workbooks (.xlsx) and CSV (UTF-8 with BOM).

Rows hold typed values: text, numbers, and aware datetimes (shown in the event's time zone).

- XLSX: every text cell is a string cell, which a spreadsheet never runs as a formula, so text is
  written as typed (a phone "+81 90-1234-5678" stays that, and stays text); numbers are numbers,
  datetimes real dates with a number format; the header row is bold, frozen and filtered, and
  the columns are as wide as their content (within bounds). This is the file to open in a
  spreadsheet.
- CSV: a spreadsheet opening it runs a cell that starts with = + - @ (or tab, CR), so such text
  gets a leading quote (text.csv_safe); datetimes are written as "2021-11-23 09:00".

Both stream, so that memory stays flat however many rows (bench/exports.py): rows come from the
database CHUNK at a time (`chunked`: a server-side cursor on PostgreSQL), a CSV is sent a piece at
a time as it is written, and a workbook is written to a temporary file (openpyxl's write-only
mode; its columns' widths need every row first, so the rows are spooled to a second temporary
file on the way) and then sent from it.
"""

import csv
import io
import logging
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_babel import force_locale
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from werkzeug.wsgi import wrap_file

from .accounts.audit import record
from .accounts.models import AuditEntry
from .database import sqlite_write_intent
from .dbtypes import utcnow
from .extensions import db
from .i18n import current_language
from .text import csv_safe

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("vi", "en")
# How a date and time reads in a spreadsheet cell, per language of the file.
DATETIME_FORMATS = {"vi": "dd/mm/yyyy hh:mm", "en": "d mmm yyyy hh:mm"}
DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "d mmm yyyy"}
MIN_WIDTH, MAX_WIDTH = 8, 60  # characters
# Rows read from the database at a time, and rows in each piece of a CSV sent.
CHUNK = 1000
SEND_BYTES = 64 * 1024  # pieces of a workbook sent from its temporary file


def export_language() -> str:
    """The language the organiser chose for the file (the page's language unless told)."""
    wanted = request.args.get("language", "")
    return wanted if wanted in LANGUAGES else current_language()


def chunked(stmt) -> Iterator:
    """The ORM objects `stmt` selects, read CHUNK at a time rather than all at once (a
    server-side cursor on PostgreSQL; selectin loads run per chunk). Eager loads must be
    selectinload for collections (joinedload only for single objects)."""
    return iter(db.session.scalars(stmt.execution_options(yield_per=CHUNK)))


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


def csv_pieces(header: list[str], rows: Iterable[list], *, tz: ZoneInfo) -> Iterator[str]:
    """The CSV text a piece at a time: the BOM and the header with the first CHUNK rows, then
    CHUNK rows a piece."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(name) for name in header])
    written = 0
    for row in rows:
        writer.writerow([_csv_cell(value, tz) for value in row])
        written += 1
        if written % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell() or not written:
        yield buffer.getvalue()


def as_csv(header: list[str], rows: Iterable[list], *, tz: ZoneInfo) -> str:
    return "".join(csv_pieces(header, rows, tz=tz))


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


def _plain(value):
    """A cell's value as it can be kept in the spool: text that is not `str` (a lazy string, a
    Decimal) as the text it reads, which is what the sheet shows of it anyway."""
    if value is None or isinstance(value, str | int | float | date):
        return value
    return str(value)


def _spool(rows: Iterable[list], widths: list[int]) -> tuple[IO[bytes], int]:
    """The rows pickled CHUNK at a time into a temporary file, widening `widths` to fit them;
    (the file, at its start; the number of rows)."""
    spool = tempfile.TemporaryFile()
    batch, count = [], 0
    for row in rows:
        row = [_plain(value) for value in row]
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], _width(value))
        batch.append(row)
        count += 1
        if len(batch) == CHUNK:
            pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
            batch = []
    if batch:
        pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
    spool.seek(0)
    return spool, count


def _unspool(spool: IO[bytes]) -> Iterator[list]:
    while True:
        try:
            batch = pickle.load(spool)  # noqa: S301 -- our own file, written just before
        except EOFError:
            return
        yield from batch


def write_xlsx(
    header: list[str], rows: Iterable[list], out, *, title: str, tz: ZoneInfo, language: str
) -> int:
    """An .xlsx workbook of one sheet written to the file `out`; no cell is ever a formula.
    Returns the number of rows."""
    widths = [len(name) + 3 for name in header]
    spool, _spooled = _spool(rows, widths)
    with spool:
        count = 0
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=title[:31])
        for index, widest in enumerate(widths):
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(
                MAX_WIDTH, max(MIN_WIDTH, widest + 2)
            )
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        titles = []
        for name in header:
            cell = _text(sheet, name)
            cell.font = bold
            titles.append(cell)
        sheet.append(titles)
        for row in _unspool(spool):
            sheet.append([_xlsx_cell(sheet, value, tz, language) for value in row])
            count += 1
        # Written after the rows (openpyxl writes the filter at the end of the sheet).
        last = get_column_letter(max(len(header), 1))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        workbook.save(out)
    return count


def as_xlsx(
    header: list[str], rows: Iterable[list], *, title: str, tz: ZoneInfo, language: str
) -> bytes:
    """An .xlsx workbook of one sheet; no cell is ever a formula."""
    buffer = io.BytesIO()
    write_xlsx(header, rows, buffer, title=title, tz=tz, language=language)
    return buffer.getvalue()


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[list]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[list]:
        for row in self.rows:
            self.count += 1
            yield row


def _read_only() -> None:
    """Ends the view's transaction (as its teardown would: nothing is committed) so that the
    rows, which take long, are read in a new one that is read-only on SQLite (deferred), which
    lets others write meanwhile, rather than holding BEGIN IMMEDIATE's write lock."""
    db.session.rollback()
    sqlite_write_intent.set(False)


def _attachment(name: str, kind: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}


def _xlsx_response(
    header: list[str], rows: Iterable[list], *, name: str, title: str, tz, language: str
) -> tuple[Response, int]:
    """The workbook written whole to a temporary file (an error is raised here, before any byte
    is sent), then sent from it; (the response, the number of rows)."""
    _read_only()
    file = tempfile.TemporaryFile()
    try:
        with force_locale(language):
            count = write_xlsx(header, rows, file, title=title, tz=tz, language=language)
        size = file.seek(0, io.SEEK_END)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    # The WSGI server's file wrapper (sendfile under gunicorn) when it has one; closed, and so
    # deleted, once sent.
    response = Response(
        wrap_file(request.environ, file, SEND_BYTES),
        mimetype=XLSX,
        headers=_attachment(name, "xlsx"),
        direct_passthrough=True,
    )
    response.content_length = size
    return response, count


def _spooled_csv(header, rows, *, name: str, tz, language: str, finish) -> Response:
    """On SQLite the CSV is written whole to a temporary file before it is sent (memory stays
    flat all the same): a read transaction held open through a slow download would keep an
    erasure meanwhile from emptying the WAL file of the erased data (database.empty_wal)."""
    file = tempfile.TemporaryFile()
    try:
        with force_locale(language):
            for piece in csv_pieces(header, rows, tz=tz):
                file.write(piece.encode())
        size = file.seek(0, io.SEEK_END)
        file.seek(0)
    except BaseException:
        file.close()
        if finish is not None:
            finish(False)
        raise
    db.session.rollback()  # the read is over before the first byte goes out
    if finish is not None:
        finish(True)
    response = Response(
        wrap_file(request.environ, file, SEND_BYTES),
        mimetype="text/csv",
        headers=_attachment(name, "csv"),
        direct_passthrough=True,
    )
    response.content_length = size
    return response


def _csv_response(
    header: list[str],
    rows: Iterable[list],
    *,
    name: str,
    tz,
    language: str,
    finish: Callable[[bool], None] | None = None,
) -> Response:
    """The CSV sent as it is written, each piece worded in the file's language. The first piece
    (the header and the first CHUNK rows) is written here, so that a failing query is an error
    page rather than a 200 with an empty file; a failure later ends the response without its
    last chunk, which the client sees as a broken download. `finish(complete)` runs once the
    response is over, sent whole or not."""
    _read_only()
    if db.engine.dialect.name == "sqlite":
        return _spooled_csv(header, rows, name=name, tz=tz, language=language, finish=finish)
    app = current_app._get_current_object()
    pieces = csv_pieces(header, rows, tz=tz)
    with force_locale(language):
        try:
            first = next(pieces).encode()
        except BaseException:
            if finish is not None:
                finish(False)
            raise
    # The rows go on being read through this session (its cursor, its lazy loads) after the
    # view has returned, when the request's teardown closes the request's session: it is taken
    # out of the request's hands here (the teardown closes a fresh one) and closed at the end.
    # The later pieces are worded in an application context of their own (not the request's,
    # which is gone by then).
    reader = db.session()
    db.session.registry.clear()
    ended = []

    def end(complete: bool) -> None:
        if ended:
            return
        ended.append(complete)
        with app.app_context():
            try:
                pieces.close()
            finally:
                reader.close()
                if finish is not None:
                    finish(complete)

    def stream() -> Iterator[bytes]:
        complete = False
        try:
            yield first
            while True:
                with app.app_context(), force_locale(language):
                    piece = next(pieces, None)
                if piece is None:
                    break
                yield piece.encode()
            complete = True
        except Exception:
            log.exception("CSV export %s broken off", name)
            raise
        finally:
            end(complete)

    response = Response(stream(), mimetype="text/csv", headers=_attachment(name, "csv"))
    response.call_on_close(lambda: end(False))  # closed before it was sent
    return response


def export_response(
    header: list,
    rows: Iterable[list],
    *,
    kind: str,
    name: str,
    tz: ZoneInfo,
    language: str,
    title: str = "",
) -> Response:
    """A download of the table as `kind` ("csv" or "xlsx"), named `name` plus the extension,
    its sheet called `title`; `header` may hold lazy strings (rendered here in `language`), and
    `rows` may be any iterable (a generator reading the database, see `chunked`): it is worded
    in `language` as it is read."""
    with force_locale(language):
        header = [str(column) for column in header]
        title = str(title) or name
    if kind == "xlsx":
        return _xlsx_response(header, rows, name=name, title=title, tz=tz, language=language)[0]
    return _csv_response(header, rows, name=name, tz=tz, language=language)


def _finish_entry(entry_id: int, details: dict, rows: _Counted) -> Callable[[bool], None]:
    """Writes the number of rows into the export's audit entry once the file has been sent (or
    broken off, then marked incomplete)."""

    def finish(complete: bool) -> None:
        final = {**details, "rows": rows.count, **({} if complete else {"complete": False})}
        try:
            db.session.rollback()  # a failed transaction, if the rows failed before the response
            db.session.execute(
                sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(details=final)
            )
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("audit entry %s of an export not completed", entry_id)

    return finish


def audited_export(
    *,
    event,
    kind: str,
    name: str,
    columns: list,
    rows: Callable[[], Iterable[list]],
    title: str,
    action: str,
    **audit,
) -> Response:
    """An organiser's download of an exhibition's table, in the language chosen: `rows()` is
    read in that language, the export is written once in the audit log as `action` (format, row
    count and language; `audit` adds the target) and committed, and the file is named
    `<slug>-<name>-<local time>`.

    A workbook is written whole before the response and its entry committed with it; a CSV is
    sent as it is read, so its entry is committed before the first row is read (the log shows
    every export begun) and given its count when the file has been sent."""
    language = export_language()
    stamp = utcnow().astimezone(event.tz).strftime("%Y%m%d-%H%M")
    filename, tz = f"{event.slug}-{name}-{stamp}", event.tz
    with force_locale(language):
        header = [str(column) for column in columns]
        sheet = str(title) or filename
    details = {"format": kind, "rows": 0, "language": language}
    if kind == "xlsx":
        # The rows are read while the workbook is written (a read-only transaction on SQLite,
        # see _read_only), the entry in a transaction of its own after it.
        db.session.commit()
        with force_locale(language):
            table = rows()
        response, count = _xlsx_response(
            header, table, name=filename, title=sheet, tz=tz, language=language
        )
        db.session.rollback()
        sqlite_write_intent.set(True)
        record(actor=current_user, action=action, event=event,
               details={**details, "rows": count}, **audit)  # fmt: skip
        db.session.commit()
        return response
    entry = record(actor=current_user, action=action, event=event, details=details, **audit)
    db.session.flush()
    entry_id = entry.id
    db.session.commit()  # before the rows are read: a commit would close their cursor
    with force_locale(language):
        counted = _Counted(rows())
    return _csv_response(
        header, counted, name=filename, tz=tz, language=language,
        finish=_finish_entry(entry_id, details, counted),
    )  # fmt: skip

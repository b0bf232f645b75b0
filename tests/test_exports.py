"""Exports stream (exhibition/exports.py): the rows are read from the database a chunk at a time
as the file is sent, the CSV a piece at a time, the workbook from a temporary file; the files are
the same as when the whole table was built in memory, the audit entry is written once with the
count, and a failure before the first row is an error rather than a 200."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from exhibition import exports
from exhibition.accounts.models import AuditEntry
from exhibition.extensions import db
from exhibition.text import csv_safe
from exhibition.visitors import exports as registration_exports
from tests.conftest import login_client

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/admin/events/expo-2026/registrations"
PEOPLE = 5


@pytest.fixture
def small_chunks(monkeypatch):
    """Two rows a chunk, so that five people take three reads and three pieces."""
    monkeypatch.setattr(exports, "CHUNK", 2)


@pytest.fixture
def made(app):
    """Whether each response the app makes streams, as the app made it (the test client's own
    response always looks streamed)."""
    return made_responses(app)


def made_responses(app) -> list[bool]:
    """The same for any test (the hook goes when the test ends: conftest's shared app puts its
    own hooks back for the next one)."""
    seen = []

    def capture(response):
        seen.append(response.is_streamed)
        return response

    app.after_request_funcs.setdefault(None, []).append(capture)
    return seen


@pytest.fixture
def registrations(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="=1+1", organisation="-2", job_title="@SUM(A1:A2)",
                 phone="+819012345678")  # fmt: skip
    for number in range(PEOPLE - 1):
        make_visitor(full_name=f"Nguyễn Văn Bình {number}", email=f"binh{number}@example.com",
                     phone=f"+8491234567{number}")  # fmt: skip
    login_client(app, client)


def _table(app) -> tuple[list[str], list[list]]:
    """The header and rows of every registration, read the plain way (a list), in Vietnamese."""
    from flask_babel import force_locale

    from exhibition.events.services import get_event
    from exhibition.visitors.services import registrations_query

    with app.test_request_context("/"), force_locale("vi"):
        event = get_event(slug="expo-2026")
        stmt = registrations_query(event=event, query="", category_id=None, status="")
        header = [str(column) for column in registration_exports.EXPORT_COLUMNS]
        return header, list(registration_exports.registration_rows(stmt=stmt))


def _csv_before(header: list[str], rows: list[list]) -> str:
    """The CSV as it was written before it streamed (the whole text at once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(name) for name in header])
    writer.writerows([exports._csv_cell(value, TZ) for value in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def _xlsx_before(header: list[str], rows: list[list], title: str) -> bytes:
    """The workbook as it was written before it streamed (widths from the rows in memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, name in enumerate(header):
        widest = max(
            [len(name) + 3] + [exports._width(row[index]) for row in rows if row[index] is not None]
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(
            exports.MAX_WIDTH, max(exports.MIN_WIDTH, widest + 2)
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    titles = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append([exports._xlsx_cell(sheet, value, TZ, "vi") for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_as_read(data: bytes) -> dict:
    sheet = load_workbook(io.BytesIO(data)).active
    return {
        "title": sheet.title,
        "freeze": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
        "cells": [
            [(c.value, c.data_type, c.number_format, bool(c.font.b)) for c in row]
            for row in sheet.iter_rows()
        ],
    }


@pytest.fixture
def reads(app):
    """`reads(table)`: a list that fills with the SQL statements reading `table` (from then on,
    until the test ends: the listener goes with it, the app being shared by the tests)."""
    listeners = []

    def start(table: str) -> list[str]:
        seen = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if f"FROM {table}" in statement:
                seen.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", before)
            listeners.append((db.engine, before))
        return seen

    yield start
    for engine, before in listeners:
        sa.event.remove(engine, "before_cursor_execute", before)


def _audit(app) -> list[dict]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEntry.details)
            .where(AuditEntry.action == "registrations.exported")
            .order_by(AuditEntry.id)
        ).all()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: the next test
def test_csv_export_streams_in_chunks_and_is_the_file_it_was(
    app, client, registrations, small_chunks, made, reads
):
    header, rows = _table(app)
    consents = reads("consents")
    response = client.get(f"{URL}.csv?language=vi", buffered=False)
    assert response.status_code == 200
    assert made == [True]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="expo-2026-registrations-'
    )
    # Only the first chunk of people has been read when the response starts...
    assert len(consents) == 1
    assert _audit(app) == [{"format": "csv", "rows": 0, "language": "vi"}]
    pieces = list(response.iter_encoded())
    response.close()
    # ... the others as the file is sent: three reads of two people, three pieces.
    assert len(consents) == 3
    assert len(pieces) == 3
    assert b"".join(pieces).decode() == _csv_before(header, rows)
    assert len(rows) == PEOPLE
    assert _audit(app) == [{"format": "csv", "rows": PEOPLE, "language": "vi"}]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_on_sqlite_the_csv_is_written_whole_before_it_is_sent(
    app, client, registrations, small_chunks, reads
):
    """No read transaction stays open through a download on SQLite: an erasure meanwhile must
    be able to empty the WAL file (database.empty_wal). The rows are still read a chunk at a
    time, into a temporary file, and the file is the same."""
    header, rows = _table(app)
    consents = reads("consents")
    response = client.get(f"{URL}.csv?language=vi", buffered=False)
    assert response.status_code == 200
    assert len(consents) == 3  # read in chunks of two, all before the first byte
    assert _audit(app) == [{"format": "csv", "rows": PEOPLE, "language": "vi"}]
    with app.app_context():
        assert db.engine.pool.checkedout() == 0  # no connection (nor transaction) held
    body = b"".join(response.iter_encoded())
    response.close()
    assert response.headers["Content-Length"] == str(len(body))
    assert body.decode() == _csv_before(header, rows)


def test_rows_are_read_with_yield_per(app, client, registrations):
    options = []

    def seen(state):
        if state.is_select:
            options.append(state.execution_options.get("yield_per"))

    with app.app_context():
        sa.event.listen(db.session, "do_orm_execute", seen)
    try:
        assert client.get(f"{URL}.csv").status_code == 200
    finally:
        with app.app_context():
            sa.event.remove(db.session, "do_orm_execute", seen)
    assert exports.CHUNK in options


def test_xlsx_export_is_sent_from_a_file_and_is_the_workbook_it_was(
    app, client, registrations, small_chunks, made
):
    header, rows = _table(app)
    response = client.get(f"{URL}.xlsx?language=vi", buffered=False)
    assert response.status_code == 200
    assert made == [True]
    assert response.mimetype == exports.XLSX
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    # Written whole before the response: its size is known, and so is the audit's count.
    assert _audit(app) == [{"format": "xlsx", "rows": PEOPLE, "language": "vi"}]
    data = b"".join(response.iter_encoded())
    response.close()
    assert int(response.headers["Content-Length"]) == len(data)
    expected = _xlsx_before(header, rows, "Danh sách đăng ký")
    assert _sheet_as_read(data) == _sheet_as_read(expected)
    assert len(_sheet_as_read(data)["cells"]) == PEOPLE + 1


def test_a_failure_before_the_first_row_is_an_error_not_an_empty_file(
    app, client, registrations, monkeypatch
):
    def failing(*, stmt):
        raise RuntimeError("the database went away")
        yield  # a generator, as the real one

    monkeypatch.setattr("exhibition.visitors.admin_views.registration_rows", failing)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    for kind in ("csv", "xlsx"):
        response = client.get(f"{URL}.{kind}?language=vi")
        assert response.status_code == 500, kind
    # The CSV's entry was written before its rows were read; it says none were sent.
    assert _audit(app) == [{"format": "csv", "rows": 0, "language": "vi", "complete": False}]


def test_a_failure_midway_breaks_the_download_and_the_log_says_so(
    app, db_url, client, registrations, small_chunks, monkeypatch
):
    real = registration_exports.registration_rows

    def failing_after_three(*, stmt):
        for number, row in enumerate(real(stmt=stmt)):
            if number == 3:
                raise RuntimeError("the database went away")
            yield row

    monkeypatch.setattr("exhibition.visitors.admin_views.registration_rows", failing_after_three)
    response = client.get(f"{URL}.csv?language=vi", buffered=False)
    if db_url.startswith("sqlite"):  # written whole before it is sent: an error page
        assert response.status_code == 500
    else:
        assert response.status_code == 200
        with pytest.raises(RuntimeError):
            b"".join(response.iter_encoded())
    response.close()
    assert _audit(app) == [{"format": "csv", "rows": 3, "language": "vi", "complete": False}]


def test_csv_pieces_and_xlsx_writer_take_any_iterable():
    header = ["Tên", "Lúc"]
    rows = [["=cmd", None], ["An", 3]]
    assert exports.as_csv(header, iter(rows), tz=TZ) == "\ufeffTên,Lúc\r\n'=cmd,\r\nAn,3\r\n"
    assert list(exports.csv_pieces(header, iter([]), tz=TZ)) == ["\ufeffTên,Lúc\r\n"]
    data = exports.as_xlsx(header, (row for row in rows), title="t", tz=TZ, language="vi")
    read = _sheet_as_read(data)
    assert read["filter"] == "A1:B3"
    assert [[cell[0] for cell in row] for row in read["cells"]] == [
        ["Tên", "Lúc"], ["=cmd", None], ["An", 3],
    ]  # fmt: skip

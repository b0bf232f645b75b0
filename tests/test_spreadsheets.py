"""Hostile spreadsheets: small files that hold a great deal of work (millions of empty rows, one
huge shared string, a row of a million cells, endless CSV lines) are refused within seconds,
before they are parsed, by every page that imports a table; nothing is imported."""

import io
import time
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from exhibition.booths.models import Booth
from exhibition.extensions import db
from exhibition.programme.models import Invitation
from exhibition.spreadsheets import OversizedTable, check_workbook, read_table
from exhibition.visitors.models import Registration
from tests.booths.test_import import HEADER as BOOTH_HEADER
from tests.booths.test_import import upload as upload_booths
from tests.conftest import csrf_token, login_client
from tests.programme.test_invitations import admin_url, invitation_session
from tests.visitors.test_import import upload as upload_visitors

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
BOUND = 15  # seconds: generous for a loaded machine; the refusals take well under one

VISITOR_HEADER = ["full_name", "email", "phone", "category", "province"]
VISITOR_ROW = ["Nguyễn Văn An", "an@example.com", "0912345678", "trade", "HP"]
DELEGATE_HEADER = ["full_name", "email"]
DELEGATE_ROW = ["Nguyễn Văn An", "an@example.com"]


def _cell(text: str) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c t="inlineStr"><is><t>{escaped}</t></is></c>'.encode()


def row(cells) -> bytes:
    return b"<row>" + b"".join(_cell(text) for text in cells) + b"</row>"


def workbook(sheet, strings=None) -> bytes:
    """An .xlsx written part by part, as a hostile one would be: `sheet` and `strings` are
    iterables of bytes inside <sheetData> and <sst> (None: no shared strings part)."""
    shared = strings is not None
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
            + (
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
                if shared
                else ""
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{NS}" xmlns:r="{RELS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
                if shared
                else ""
            )
            + "</Relationships>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<worksheet xmlns="{NS}"><sheetData>'.encode())
            for piece in sheet:
                part.write(piece)
            part.write(b"</sheetData></worksheet>")
        if shared:
            with archive.open("xl/sharedStrings.xml", "w") as part:
                part.write(f'<sst xmlns="{NS}">'.encode())
                for piece in strings:
                    part.write(piece)
                part.write(b"</sst>")
    return buffer.getvalue()


def blank_rows(header, data, count: int, numbered: bool = True) -> bytes:
    """The header, `count` empty rows (numbered as Excel numbers them, or bare `<row/>`, which
    packs a thousand times), then one person."""

    def sheet():
        yield row(header)
        for start in range(2, count + 2, 10_000):
            numbers = range(start, min(start + 10_000, count + 2))
            yield (
                b"".join(b'<row r="%d"/>' % n for n in numbers)
                if numbered
                else b"<row/>" * len(numbers)
            )
        yield row(data)

    return workbook(sheet())


def huge_string(header, data, size: int) -> bytes:
    """The header and one person whose first cell is a shared string of `size` letters."""

    def strings():
        yield b"<si><t>"
        for _ in range(size // 1_000_000):
            yield b"a" * 1_000_000
        yield b"</t></si>"

    person = b'<row><c t="s"><v>0</v></c>' + b"".join(_cell(text) for text in data[1:]) + b"</row>"
    return workbook([row(header), person], strings())


def test_hostile_workbooks_are_small():
    assert len(blank_rows(VISITOR_HEADER, VISITOR_ROW, 300_000)) < 800_000
    assert len(blank_rows(VISITOR_HEADER, VISITOR_ROW, 5_000_000, numbered=False)) < 100_000
    assert len(huge_string(VISITOR_HEADER, VISITOR_ROW, 50_000_000)) < 100_000


ROWS_VISITORS = (
    "The file has more than 200000 rows (blank rows count too); split it into smaller files."
)
RATIO = (
    "A part of the workbook unpacks to more than 100 times its size, which no real spreadsheet"
    " does; the file was not read."
)


def timed(post):
    began = time.monotonic()
    response = post()
    return response, time.monotonic() - began


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (lambda: blank_rows(VISITOR_HEADER, VISITOR_ROW, 300_000), "list.xlsx", ROWS_VISITORS),
        (
            lambda: blank_rows(VISITOR_HEADER, VISITOR_ROW, 5_000_000, numbered=False),
            "list.xlsx",
            RATIO,
        ),
        (lambda: huge_string(VISITOR_HEADER, VISITOR_ROW, 50_000_000), "list.xlsx", RATIO),
        (
            lambda: (",".join(VISITOR_HEADER) + "\n" * 1_000_000 + ",".join(VISITOR_ROW)).encode(),
            "list.csv",
            ROWS_VISITORS,
        ),
        (
            lambda: (
                ",".join(VISITOR_HEADER) + "\n" + ",".join(VISITOR_ROW) + "," * 2_000_000
            ).encode(),
            "list.csv",
            "A line of the file is longer than 65536 characters.",
        ),
    ],
    ids=["empty-rows", "packed-empty-rows", "huge-string", "csv-blank-lines", "csv-long-line"],
)
def test_visitor_import_of_a_hostile_file_is_refused_within_seconds(
    app, client, make_event, data, filename, message
):
    make_event()
    login_client(app, client)
    response, seconds = timed(lambda: upload_visitors(client, data(), filename=filename))
    assert seconds < BOUND
    assert response.status_code == 422
    assert message in response.text
    assert count(app, Registration) == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            lambda: blank_rows(DELEGATE_HEADER, DELEGATE_ROW, 10_000),
            "delegates.xlsx",
            "The file has more than 4000 rows (blank rows count too); split it into smaller files.",
        ),
        (
            lambda: huge_string(DELEGATE_HEADER, DELEGATE_ROW, 50_000_000),
            "delegates.xlsx",
            "The workbook unpacks to more than 10 MB; split it into smaller files.",
        ),
        (
            lambda: ("full_name,email" + "\n" * 1_500_000 + ",".join(DELEGATE_ROW)).encode(),
            "delegates.csv",
            "The file has more than 4000 rows (blank rows count too); split it into smaller files.",
        ),
    ],
    ids=["empty-rows", "huge-string", "csv-blank-lines"],
)
def test_delegate_import_of_a_hostile_file_is_refused_within_seconds(
    app, client, make_event, make_session, data, filename, message
):
    session_id = invitation_session(make_event, make_session)
    login_client(app, client)
    page = client.get(admin_url(session_id))
    form = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data()), filename)}
    response, seconds = timed(
        lambda: client.post(admin_url(session_id), data=form, content_type="multipart/form-data")
    )
    assert seconds < BOUND
    assert response.status_code == 422
    assert message in response.text
    assert count(app, Invitation) == 0


BOOTH = "A,A01,4,4,3,3,standard,,,0,available\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BOOTH_HEADER + "\n" * 1_500_000 + BOOTH,
            "The file has more than 10000 rows (blank rows count too); split it into smaller files.",
        ),
        (
            BOOTH_HEADER + BOOTH[:-1] + "," * 1_500_000 + "\n",
            "A line of the file is longer than 65536 characters.",
        ),
    ],
    ids=["blank-lines", "long-line"],
)
def test_booth_import_of_a_hostile_file_is_refused_within_seconds(
    app, client, make_event, text, message
):
    make_event()
    login_client(app, client)
    response, seconds = timed(lambda: upload_booths(client, text))
    assert seconds < BOUND
    assert response.status_code == 422
    assert message in response.text
    assert count(app, Booth) == 0


# ---------------------------------------------------------------- the guard itself


def read(data, filename="t.xlsx", max_rows=1000, max_cols=10):
    return read_table(data, filename, max_bytes=2_000_000, max_rows=max_rows, max_cols=max_cols)


def test_guard_reads_a_real_workbook_and_refuses_each_kind_of_hostile_one():
    real = Workbook()
    real.active.append(["full_name", "email"])
    for n in range(1000):
        real.active.append([f"Người {n}", f"p{n}@example.com"])
    buffer = io.BytesIO()
    real.save(buffer)
    table = read(buffer.getvalue())
    assert (len(table), table[1]) == (1001, (2, ["Người 0", "p0@example.com"] + [""] * 8))

    cases = {
        "The file has more than 2000 rows (blank rows count too); split it into smaller files.": [
            blank_rows(["a"], ["b"], 100_000),
            workbook(
                [row(["a"]), b'<row r="1000000"><c t="inlineStr"><is><t>b</t></is></c></row>']
            ),
            workbook([b"<x:row/>" * 3000]),  # a namespace prefix changes nothing
        ],
        "The workbook unpacks to more than 8 MB; split it into smaller files.": [
            huge_string(["a"], ["b"], 9_000_000),
        ],
        RATIO: [huge_string(["a"], ["b"], 2_000_000)],
        "A row of the file holds more than 16384 cells.": [
            workbook([b"<row>" + b"<c/>" * 20_000 + b"</row>"]),
        ],
        (
            "The file holds more than 10010 cells; keep only the columns to import, or split it"
            " into smaller files."
        ): [
            workbook([b"<row>" + b"<c/>" * 11 + b"</row>"] * 1000),
            workbook([row(["a"])], [b"<si><t>x</t></si>" * 10_011]),
        ],
        "The file is not an Excel workbook (.xlsx).": [b"PK\x03\x04 not a zip"],
    }
    for message, files in cases.items():
        for data in files:
            with pytest.raises(ValueError) as refused:
                read(data)
            assert str(refused.value) == message
            assert isinstance(refused.value, OversizedTable) is ("Excel" not in message)
    # The archive and its raw XML alone tell, before any parsing (openpyxl itself makes up the
    # million rows missing before row 1000000 above, and stops at the limit).
    for data in (blank_rows(["a"], ["b"], 100_000), huge_string(["a"], ["b"], 2_000_000)):
        with pytest.raises(OversizedTable):
            check_workbook(data, max_rows=1000, max_cols=10)

    csv_cases = {
        "a\n" + "\n" * 2000 + "b\n": (
            "The file has more than 2000 rows (blank rows count too); split it into smaller files."
        ),
        "a\n" + "b;" * 40_000 + "\n": "A line of the file is longer than 65536 characters.",
    }
    for text, message in csv_cases.items():
        with pytest.raises(OversizedTable) as refused:
            read(text.encode(), filename="t.csv")
        assert str(refused.value) == message
    assert read(("a\n" + "\n" * 1990 + "b\n").encode(), filename="t.csv") == [
        (1, ["a"]),
        (1992, ["b"]),
    ]

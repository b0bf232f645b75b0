"""Bank statement import: profiles that find columns by header, every amount and date style,
all or nothing, re-imports, the upload guard, the pages, and a statement racing the webhook."""

import csv
import io
import threading
import unicodedata
import zipfile
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook

from exhibition.extensions import db
from exhibition.payments.models import (
    BankProfile,
    BankTransaction,
    Outcome,
    PaymentRequest,
    RequestState,
    Source,
    StatementImport,
)
from tests.conftest import csrf_token, login_client

VCB = {"date": "Ngày giao dịch", "reference": "Số tham chiếu", "debit": "Số tiền ghi nợ",
       "credit": "Số tiền ghi có", "memo": "Mô tả"}  # fmt: skip
SIGNED = {"date": "Ngày", "amount": "Số tiền", "memo": "Nội dung", "counterparty": "Người chuyển"}
TITLE = [
    ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"],
    ["SAO KÊ TÀI KHOẢN"],
    ["Số tài khoản: 0031000123456"],
    [],
]
VCB_HEADER = [
    "STT",
    "Ngày giao dịch",
    "Số tham chiếu",
    "Số tiền ghi nợ",
    "Số tiền ghi có",
    "Số dư",
    "Mô tả",
]


TONES = "\u0300\u0301\u0303\u0309\u0323"  # the marks Windows-1258 writes as combining characters


def cp1258(text: str) -> bytes:
    """Text as Vietnamese Windows saves it: precomposed letters where the code page has them, a
    tone mark as a separate combining character after its letter."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in parts if c in TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out.append((base + tone).encode("cp1258"))
    return b"".join(out)


def vcb_csv(rows, *, title=True, encoding="utf-8", delimiter=","):
    """A Vietcombank-style CSV: rows are (date, reference, debit, credit, memo)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerows(TITLE)
    writer.writerow(VCB_HEADER)
    for number, (day, reference, debit, credit, memo) in enumerate(rows, start=1):
        writer.writerow([number, day, reference, debit, credit, "", memo])
    return cp1258(out.getvalue()) if encoding == "cp1258" else out.getvalue().encode(encoding)


def profile_id(app, slug, columns=VCB, name="Vietcombank"):
    from exhibition.events.services import get_event
    from exhibition.payments.statements import save_profile

    with app.app_context():
        event = get_event(slug=slug)
        existing = db.session.scalar(
            sa.select(BankProfile).where(BankProfile.event_id == event.id, BankProfile.name == name)
        )
        if existing is not None:
            return existing.id
        profile = save_profile(event=event, name=name, columns=columns)
        db.session.commit()
        return profile.id


def run_import(app, slug, data, filename="sao-ke.csv", columns=VCB, name="Vietcombank"):
    """Import through the service and commit; (rows, added, {outcome: count}) or the refusal."""
    from exhibition.events.services import get_event
    from exhibition.payments.statements import get_profile, import_statement

    pid = profile_id(app, slug, columns, name)
    with app.app_context(), force_locale("en"):
        event = get_event(slug=slug)
        try:
            summary = import_statement(
                event=event,
                profile=get_profile(event=event, profile_id=pid),
                data=data,
                filename=filename,
            )
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return summary.rows, summary.added, {o.value: n for o, n in summary.outcomes.items()}


def refusal(app, slug, data, **kwargs) -> list[str]:
    from exhibition.payments.statements import StatementRefused

    with pytest.raises(StatementRefused) as caught:
        run_import(app, slug, data, **kwargs)
    return caught.value.problems


def reference_of(app, request_id):
    with app.app_context():
        return db.session.get(PaymentRequest, request_id).reference


def amounts(app):
    with app.app_context():
        return sorted(db.session.scalars(sa.select(BankTransaction.amount_vnd)))


def stored(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(BankTransaction)),
            db.session.scalar(sa.select(sa.func.count()).select_from(StatementImport)),
        )


# --- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["33.000.000", "33,000,000", "33000000", "33000000 VND", "33.000.000,00", "33,000,000.00",
     "33.000.000 đ", "33 000 000", "+33.000.000"],
)  # fmt: skip
def test_every_amount_style_reads_as_whole_dong(app, payments_event, cell):
    data = vcb_csv([("05/12/2026", "FT1", "", cell, "chuyen tien")])
    assert run_import(app, payments_event, data)[:2] == (1, 1)
    assert amounts(app) == [33_000_000]


def test_dates_in_each_style_and_a_request_paid_by_its_reference(app, payments_event, make_request):
    ref = reference_of(
        app, make_request(booths=("A01", "A02"))
    )  # 2 x 15,000,000 + 8 % = 32,400,000
    data = vcb_csv(
        [
            ("01/12/2026", "FT1", "", "10.000.000", f"MBVCB.8812.{ref}.CT tu 0101 CONG TY"),
            ("02-12-2026 09:15", "FT2", "", "12.400.000", f"{ref.lower()} tra tiep"),
            ("3/12/2026 14:05:59", "FT3", "", "10.000.000", f"IBFT {ref}"),
            ("04.12.2026", "FT4", "", "1.000.000", "khong co ma"),
        ]
    )
    rows, added, outcomes = run_import(app, payments_event, data)
    assert (rows, added) == (4, 4)
    assert outcomes == {"partial": 2, "paid": 1, "unmatched": 1}
    with app.app_context():
        days = sorted(db.session.scalars(sa.select(BankTransaction.booked_on)))
        assert days == [date(2026, 12, d) for d in (1, 2, 3, 4)]
        request = db.session.scalar(sa.select(PaymentRequest))
        assert request.state is RequestState.PAID and request.paid_vnd == 32_400_000


def test_debit_rows_totals_and_balances_are_left_out(app, payments_event):
    data = (
        vcb_csv(
            [
                ("05/12/2026", "FT1", "", "5.000.000", "nhan tien"),
                ("05/12/2026", "FT2", "2.000.000", "", "chuyen di"),
                ("05/12/2026", "FT3", "11.000", "0", "phi SMS"),
                ("Tổng cộng", "", "2.011.000", "5.000.000", ""),
                ("", "", "", "", ""),
            ]
        )
        + "Số dư cuối kỳ,,,,,,\r\n,Người lập biểu,,,,,\r\n".encode()
    )
    assert run_import(app, payments_event, data)[:2] == (1, 1)
    assert amounts(app) == [5_000_000]


def test_a_signed_amount_column_keeps_only_positive_amounts(app, payments_event):
    data = (
        "Ngày;Số tiền;Nội dung;Người chuyển\n"
        "05/12/2026;+7.000.000;tien gian hang;CONG TY A\n"
        "05/12/2026;-3.000.000;chuyen di;\n"
        "06/12/2026;(4.000.000);chuyen di;\n"
        "06/12/2026;8000000 VND;tien gian hang;CONG TY B\n"
    ).encode()
    rows, added, _ = run_import(app, payments_event, data, columns=SIGNED, name="MB")
    assert (rows, added) == (2, 2)
    assert amounts(app) == [7_000_000, 8_000_000]
    with app.app_context():
        payers = sorted(db.session.scalars(sa.select(BankTransaction.counterparty)))
        assert payers == ["CONG TY A", "CONG TY B"]


def test_importing_the_same_file_again_adds_nothing(app, payments_event, make_request):
    ref = reference_of(app, make_request())
    data = vcb_csv(
        [
            ("05/12/2026", "FT1", "", "16.200.000", f"{ref}"),
            ("05/12/2026", "", "", "1.000.000", "khong co ma tham chieu"),
        ]
    )
    assert run_import(app, payments_event, data) == (2, 2, {"paid": 1, "unmatched": 1})
    assert run_import(app, payments_event, data) == (2, 0, {})
    assert stored(app) == (2, 2)
    with app.app_context():
        request = db.session.scalar(sa.select(PaymentRequest))
        assert request.paid_vnd == 16_200_000
        imports = db.session.scalars(sa.select(StatementImport).order_by(StatementImport.id)).all()
        assert [(i.rows, i.added) for i in imports] == [(2, 2), (2, 0)]
        assert imports[0].sha256 == imports[1].sha256


def test_a_transfer_received_by_webhook_first_is_not_counted_again(
    app, payments_event, make_request
):
    from tests.payments.conftest import credit

    ref = reference_of(app, make_request())
    assert (
        credit(app, payments_event, 16_200_000, ref, reference="FT777", source="webhook")[0]
        == "paid"
    )
    data = vcb_csv([("05/12/2026", "FT777", "", "16.200.000", f"MBVCB {ref}")])
    assert run_import(app, payments_event, data) == (1, 0, {})
    assert stored(app) == (1, 1)


def test_an_unmatched_credit_suggests_requests_by_amount_and_by_the_payers_name(
    app, payments_event, make_request
):
    ids = [
        make_request(booths=("A01",), company_name_vi="Công ty TNHH Cơ khí Hải An"),
        make_request(booths=("A02", "A03"), company_name_vi="Công ty CP Nhựa Tiền Phong"),
        make_request(booths=("A04",), company_name_vi="Công ty TNHH Điện tử Đông Á"),
    ]
    data = vcb_csv(
        [
            ("05/12/2026", "FT1", "", "32.400.000", "IBFT NHUA TIEN PHONG chuyen tien"),
            ("05/12/2026", "FT2", "", "16.200.000", "CONG TY TNHH CO KHI HAI AN chuyen khoan"),
            ("05/12/2026", "FT3", "", "1.000", "khong ro"),
            ("05/12/2026", "FT4", "", "5.000.000", "DIEN TU DONG A tra truoc"),
        ]
    )
    assert run_import(app, payments_event, data)[2] == {"unmatched": 4}
    with app.app_context():
        rows = db.session.execute(
            sa.select(BankTransaction.bank_reference, BankTransaction.candidate_ids)
        )
        found = {reference: candidates for reference, candidates in rows}
    # By amount first (in due order), then by name.
    assert found == {"FT1": [ids[1]], "FT2": [ids[0], ids[2]], "FT3": [], "FT4": [ids[2]]}


def test_the_import_is_in_the_audit_log(app, payments_event):
    from exhibition.accounts.models import AuditEntry

    run_import(app, payments_event, vcb_csv([("05/12/2026", "FT1", "", "1.000.000", "x")]))
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "payments.statement_imported")
        )
        assert entry.details["rows"] == 1 and entry.details["added"] == 1
        assert entry.summary == "sao-ke.csv"


# --- bad input: nothing is stored ---------------------------------------------------------------


@pytest.mark.parametrize(
    "row, column, words",
    [
        (("31/02/2026", "FT9", "", "1.000.000", "x"), "Ngày giao dịch", "31/02/2026"),
        (("2026/12/05", "FT9", "", "1.000.000", "x"), "Ngày giao dịch", "2026/12/05"),
        (("", "FT9", "", "1.000.000", "x"), "Ngày giao dịch", "missing"),
        (("05/12/2026", "FT9", "", "một triệu", "x"), "Số tiền ghi có", "một triệu"),
        (("05/12/2026", "FT9", "", "1.000.000,50", "x"), "Số tiền ghi có", "1.000.000,50"),
        (("05/12/2026", "FT9", "", "-1.000.000", "x"), "Số tiền ghi có", "negative"),
        (("05/12/2026", "FT9", "abc", "", "x"), "Số tiền ghi nợ", "abc"),
    ],
)
def test_a_bad_cell_imports_nothing_and_names_its_row_and_column(
    app, payments_event, make_request, row, column, words
):
    ref = reference_of(app, make_request())
    good = ("05/12/2026", "FT1", "", "16.200.000", ref)
    problems = refusal(app, payments_event, vcb_csv([good, good[:1] + ("FT2",) + good[2:], row]))
    # Title rows 1-4 (the blank one is row 4), the header row 5, then rows 6, 7 and 8.
    assert len(problems) == 1
    assert problems[0].startswith(f"Row 8, column “{column}”:"), problems
    assert words in problems[0]
    assert stored(app) == (0, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(PaymentRequest)).paid_vnd == 0


def test_every_bad_cell_is_listed(app, payments_event):
    data = vcb_csv(
        [("xx", "FT1", "", "1.000.000", "a"), ("05/12/2026", "FT2", "", "1,5 triệu", "b")]
    )
    problems = refusal(app, payments_event, data)
    assert [p.split(":")[0] for p in problems] == [
        "Row 6, column “Ngày giao dịch”",
        "Row 7, column “Số tiền ghi có”",
    ]


def test_a_file_without_the_profiles_columns_names_the_missing_ones(app, payments_event):
    data = "Ngày giao dịch,Số tiền,Mô tả\n05/12/2026,1.000.000,x\n".encode()
    problems = refusal(app, payments_event, data)
    assert len(problems) == 1
    assert "missing: “Số tiền ghi có”, “Số tiền ghi nợ”, “Số tham chiếu”." in problems[0]
    assert "Vietcombank" in problems[0]
    assert stored(app) == (0, 0)


def test_the_header_is_looked_for_in_the_first_30_rows_only(app, payments_event):
    lines = [f"Dòng tiêu đề {n}" for n in range(31)]
    data = ("\n".join(lines) + "\n").encode() + vcb_csv(
        [("05/12/2026", "FT1", "", "1", "x")], title=False
    )
    assert "No row among the first 30" in refusal(app, payments_event, data)[0]
    data = ("\n".join(lines[:25]) + "\n").encode() + vcb_csv(
        [("05/12/2026", "FT1", "", "1", "x")], title=False
    )
    assert run_import(app, payments_event, data)[:2] == (1, 1)


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "a.csv", "The file is empty."),
        ("Ngày giao dịch\n".encode("utf-16"), "a.csv", "not UTF-8"),
        (b"PK\x03\x04garbage", "a.xlsx", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0", "a.xls", "Old Excel files (.xls)"),
    ],
)
def test_a_file_that_is_no_table_is_refused_clearly(app, payments_event, data, filename, message):
    problems = refusal(app, payments_event, data, filename=filename)
    assert message in problems[0]
    assert stored(app) == (0, 0)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(app, payments_event):
    from exhibition.payments.statements import MAX_BYTES

    problems = refusal(app, payments_event, b"x" * (MAX_BYTES + 1))
    assert problems == [f"The file is larger than {MAX_BYTES // 1_000_000} MB."]


def test_a_file_with_more_rows_than_allowed_is_refused_whole(app, payments_event, monkeypatch):
    from exhibition.payments import statements

    monkeypatch.setattr(statements, "MAX_ROWS", 6)
    rows = [("05/12/2026", f"FT{n}", "", "1.000", "x") for n in range(2)]
    assert run_import(app, payments_event, vcb_csv(rows, title=False))[:2] == (2, 2)
    problems = refusal(
        app, payments_event, vcb_csv(rows * 3 + [("05/12/2026", "FT9", "", "1", "y")], title=False)
    )
    assert problems == ["The file has more than 6 rows; split it into smaller files."]
    assert stored(app) == (2, 1)


def test_a_zip_bomb_workbook_is_refused_unread(app, payments_event):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * 200_000_000 + b"</row>")
    assert len(buffer.getvalue()) < 1_000_000
    problems = refusal(app, payments_event, buffer.getvalue(), filename="sao-ke.xlsx")
    assert "unpacks to more than" in problems[0]
    assert stored(app) == (0, 0)


# --- encodings and workbooks -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_csv_in_utf8_with_or_without_bom_and_in_windows_1258(app, payments_event, encoding):
    data = vcb_csv(
        [("05/12/2026", "FT1", "", "2.000.000", "Công ty Hải An chuyển tiền")], encoding=encoding
    )
    assert run_import(app, payments_event, data)[:2] == (1, 1)
    with app.app_context():
        assert db.session.scalar(sa.select(BankTransaction.memo)) == "Công ty Hải An chuyển tiền"


def test_a_semicolon_csv_reads_alike(app, payments_event):
    data = vcb_csv([("05/12/2026", "FT1", "", "2.000.000,00", "x")], delimiter=";")
    assert run_import(app, payments_event, data)[:2] == (1, 1)
    assert amounts(app) == [2_000_000]


def test_an_xlsx_with_date_cells_number_cells_and_title_rows(app, payments_event, make_request):
    ref = reference_of(app, make_request())
    book = Workbook()
    sheet = book.active
    for row in TITLE:
        sheet.append(row or [None])
    sheet.append(VCB_HEADER)
    sheet.append(
        [1, datetime(2026, 12, 5, 10, 30), "FT1", None, 16_200_000, 99_000_000, f"IBFT {ref}"]
    )
    sheet.append([2, date(2026, 12, 6), "FT2", 500_000, None, 98_500_000, "chuyen di"])
    sheet.append([3, "07/12/2026", "FT3", None, "1.500.000", 100_000_000, "khong ma"])
    sheet.append([None, "Tổng cộng", None, 500_000, 17_700_000, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    rows, added, outcomes = run_import(
        app, payments_event, buffer.getvalue(), filename="sao-ke.xlsx"
    )
    assert (rows, added, outcomes) == (2, 2, {"paid": 1, "unmatched": 1})
    with app.app_context():
        days = sorted(db.session.scalars(sa.select(BankTransaction.booked_on)))
        assert days == [date(2026, 12, 5), date(2026, 12, 7)]


def test_an_xlsx_amount_with_a_fraction_of_a_dong_is_refused(app, payments_event):
    book = Workbook()
    book.active.append(VCB_HEADER)
    book.active.append([1, "05/12/2026", "FT1", None, 1000.5, None, "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    problems = refusal(app, payments_event, buffer.getvalue(), filename="s.xlsx")
    assert problems[0].startswith("Row 2, column “Số tiền ghi có”:")


# --- profiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, columns, field, message",
    [
        ("", VCB, "name", "Give the profile a name"),
        ("VCB", {**VCB, "date": ""}, "date", "Enter the header"),
        ("VCB", {**VCB, "memo": ""}, "memo", "Enter the header"),
        (
            "VCB",
            {**VCB, "credit": "", "debit": ""},
            "credit",
            "credit column, or of a signed amount",
        ),
        ("VCB", {**VCB, "amount": "Số tiền"}, "amount", "not both"),
        ("VCB", {**VCB, "credit": "", "amount": "Số tiền"}, "debit", "goes with a credit column"),
        ("VCB", {**VCB, "memo": "NGAY GIAO DICH"}, "memo", "The same header as"),
        ("VCB", {**VCB, "memo": "x" * 101}, "memo", "At most 100 characters"),
        ("VCB 💰", VCB, "name", "no emoji"),
    ],
)
def test_a_profile_that_cannot_read_a_file_is_refused_with_a_reason(
    app, payments_event, name, columns, field, message
):
    from exhibition.events.services import get_event
    from exhibition.payments.statements import InvalidProfile, save_profile

    with app.app_context(), force_locale("en"):
        with pytest.raises(InvalidProfile) as caught:
            save_profile(event=get_event(slug=payments_event), name=name, columns=columns)
        assert message in caught.value.problems[field]


def test_two_profiles_cannot_share_a_name(app, payments_event):
    from exhibition.events.services import get_event
    from exhibition.payments.statements import InvalidProfile, save_profile

    profile_id(app, payments_event)
    with app.app_context(), force_locale("en"):
        with pytest.raises(InvalidProfile) as caught:
            save_profile(event=get_event(slug=payments_event), name="vietcombank", columns=VCB)
        assert caught.value.problems == {"name": "Another profile has this name."}


def test_every_preset_is_a_valid_profile(app, payments_event):
    from exhibition.events.services import get_event
    from exhibition.payments.statements import PRESETS, save_profile

    with app.app_context():
        event = get_event(slug=payments_event)
        for key, preset in PRESETS.items():
            if key != "custom":
                save_profile(event=event, name=preset.name, columns=preset.columns)
        db.session.commit()


# --- the demo's sample ---------------------------------------------------------------------------


def test_the_demo_sample_statement_imports_cleanly(app, payments_event, make_request):
    from exhibition.payments.demo_statement import statement_csv
    from exhibition.payments.statements import PRESETS

    ids = [make_request(booths=(code,)) for code in ("A01", "A02", "A03")]
    with app.app_context():
        requests = [db.session.get(PaymentRequest, i) for i in ids]
        text = statement_csv(
            requests,
            account_number="0031000123456",
            holder="SO CONG THUONG HAI PHONG",
            day=date(2026, 12, 5),
            amounts={requests[1].reference: 5_000_000, requests[2].reference: 20_000_000},
        )
    data = text.encode("utf-8-sig")
    rows, added, outcomes = run_import(
        app, payments_event, data, columns=PRESETS["vietcombank"].columns
    )
    assert (rows, added) == (4, 4)
    assert outcomes == {"paid": 1, "partial": 1, "overpaid": 1, "unmatched": 1}
    assert run_import(app, payments_event, data, columns=PRESETS["vietcombank"].columns)[1] == 0


# --- pages ---------------------------------------------------------------------------------------


def finance_client(app, client):
    from exhibition.accounts.models import Role
    from exhibition.accounts.services import create_organiser, grant_role
    from exhibition.events.services import get_event

    with app.app_context():
        user = create_organiser(
            email="ketoan@example.com", password="mat-khau-dai", name="Kế toán", administrator=False
        )
        grant_role(user=user, event=get_event(slug="expo-2026"), role=Role.FINANCE)
        db.session.commit()
    return login_client(app, client, email="ketoan@example.com")


def submit(client, url, data, **extra):
    page = client.get(url)
    assert page.status_code == 200
    assert '<button class="button primary" type="submit">' in page.text
    return client.post(url, data={"csrf_token": csrf_token(page.text), **data}, **extra)


def test_pages_make_a_profile_from_a_preset_and_import_through_the_form(
    app, client, payments_event, make_request
):
    finance_client(app, client)
    ref = reference_of(app, make_request())
    base = f"/admin/events/{payments_event}/payments/statements"
    index = client.get(base)
    assert index.status_code == 200 and "Before the first import" in index.text
    profiles = client.get(f"{base}/profiles")
    assert f"{base}/profiles/new?preset=vietcombank" in profiles.text
    form = client.get(f"{base}/profiles/new?preset=vietcombank")
    assert 'value="Số tiền ghi có"' in form.text
    fields = {key: value for key, value in VCB.items()} | {
        "name": "Vietcombank",
        "amount": "",
        "counterparty": "",
    }
    saved = submit(client, f"{base}/profiles/new?preset=vietcombank", fields)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{base}/profiles")
    pid = profile_id(app, payments_event)

    data = vcb_csv([("05/12/2026", "FT1", "", "16.200.000", ref), ("05/12/2026", "FT2", "", "1.000", "x"),
                    ("05/12/2026", "FT3", "50.000", "", "phi")])  # fmt: skip
    done = submit(client, base, {"profile": str(pid), "file": (io.BytesIO(data), "sao-ke-12.csv")},
                  content_type="multipart/form-data")  # fmt: skip
    assert done.status_code == 302
    summary = client.get(done.headers["Location"])
    assert summary.status_code == 200
    assert 'data-count="rows">2<' in summary.text and 'data-count="added">2<' in summary.text
    assert (
        'data-outcome="paid">1<' in summary.text and 'data-outcome="unmatched">1<' in summary.text
    )
    assert 'data-outcome="partial">0<' in summary.text
    assert f"/admin/events/{payments_event}/payments/transactions?show=unmatched" in summary.text
    history = client.get(base)
    assert "sao-ke-12.csv" in history.text and "Kế toán" in history.text

    again = submit(client, base, {"profile": str(pid), "file": (io.BytesIO(data), "sao-ke-12.csv")},
                   content_type="multipart/form-data")  # fmt: skip
    page = client.get(again.headers["Location"])
    assert 'data-count="added">0<' in page.text and "The same file was imported on" in page.text


def test_a_bad_file_on_the_page_lists_its_problems_and_stores_nothing(app, client, payments_event):
    login_client(app, client)
    pid = profile_id(app, payments_event)
    base = f"/admin/events/{payments_event}/payments/statements"
    data = vcb_csv([("05/12/2026", "FT1", "", "1.000.000", "x"), ("hôm qua", "FT2", "", "1", "y")])
    answer = submit(client, base, {"profile": str(pid), "file": (io.BytesIO(data), "s.csv")},
                    content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 422
    assert "nothing of it was stored" in answer.text
    assert (
        "Row 7, column “Ngày giao dịch”: “hôm qua” is not a date written dd/mm/yyyy." in answer.text
    )
    assert stored(app) == (0, 0)
    no_file = submit(client, base, {"profile": str(pid)}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "Choose a CSV or Excel file." in no_file.text


def test_the_profile_form_shows_each_problem_by_its_field(app, client, payments_event):
    login_client(app, client)
    url = f"/admin/events/{payments_event}/payments/statements/profiles/new"
    answer = submit(
        client,
        url,
        {"name": "", "date": "", "credit": "Ghi có", "amount": "Số tiền", "memo": "Mô tả"},
    )
    assert answer.status_code == 422
    assert "Give the profile a name" in answer.text
    assert "Give either a signed amount column or a credit column, not both." in answer.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankProfile)) == 0
    pid = profile_id(app, payments_event)
    edit = submit(client, f"{url[:-4]}/{pid}", {**VCB, "name": "VCB mới", "memo": "Diễn giải"})
    assert edit.status_code == 302
    with app.app_context():
        profile = db.session.get(BankProfile, pid)
        assert profile.name == "VCB mới" and profile.columns["memo"] == "Diễn giải"


def test_a_50_mb_upload_is_refused_clearly(app, client, payments_event):
    login_client(app, client)
    pid = profile_id(app, payments_event)
    url = f"/admin/events/{payments_event}/payments/statements"
    page = client.get(url)
    answer = client.post(
        url,
        data={"csrf_token": csrf_token(page.text), "profile": str(pid),
              "file": (io.BytesIO(b"x" * 50_000_000), "sao-ke.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert answer.status_code == 413
    assert "too large" in answer.text
    assert stored(app) == (0, 0)


def test_a_profile_or_import_of_another_exhibition_is_not_found(
    app, client, payments_event, make_event
):
    login_client(app, client)
    make_event(slug="other-2026")
    pid = profile_id(app, payments_event)
    assert (
        client.get(f"/admin/events/other-2026/payments/statements/profiles/{pid}").status_code
        == 404
    )
    assert client.get("/admin/other-2026/payments/statements/999").status_code == 404


# --- a statement and the webhook at once --------------------------------------------------------


def race(app, slug, pid, ref, bank_ref) -> dict:
    """The same transfer as a statement row and as a webhook call, started at the same moment;
    how many each added."""
    from exhibition.events.services import get_event
    from exhibition.payments.matching import Received, receive
    from exhibition.payments.statements import get_profile, import_statement

    data = vcb_csv([("05/12/2026", bank_ref, "", "16.200.000", f"MBVCB {ref}")])
    start = threading.Barrier(2)
    results = {}

    def by_statement():
        with app.app_context():
            event = get_event(slug=slug)
            profile = get_profile(event=event, profile_id=pid)
            start.wait()
            summary = import_statement(event=event, profile=profile, data=data, filename="s.csv")
            results["statement"] = summary.added
            db.session.commit()

    def by_webhook():
        with app.app_context():
            event = get_event(slug=slug)
            item = Received(
                amount_vnd=16_200_000,
                booked_on=date(2026, 12, 5),
                memo=f"{ref} chuyen khoan",
                bank_reference=bank_ref,
            )
            start.wait()
            _, new = receive(event=event, item=item, source=Source.WEBHOOK)
            results["webhook"] = int(new)
            db.session.commit()

    threads = [threading.Thread(target=by_statement), threading.Thread(target=by_webhook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_statement_and_a_webhook_delivery_of_one_transfer_at_once_make_one_payment(
    app, payments_event, make_request
):
    ref = reference_of(app, make_request())
    pid = profile_id(app, payments_event)
    rounds = 5
    for n in range(rounds):
        bank_ref = f"FT2612{n:04d}"
        results = race(app, payments_event, pid, ref, bank_ref)
        assert results["statement"] + results["webhook"] == 1, results
        with app.app_context():
            rows = db.session.scalars(
                sa.select(BankTransaction).where(BankTransaction.bank_reference == bank_ref)
            ).all()
            assert len(rows) == 1
    with app.app_context():
        transactions = db.session.scalars(
            sa.select(BankTransaction).order_by(BankTransaction.id)
        ).all()
        outcomes = [t.outcome for t in transactions]
        assert outcomes == [Outcome.PAID] + [Outcome.DUPLICATE] * (rounds - 1)
        request = db.session.scalar(sa.select(PaymentRequest))
        assert request.paid_vnd == 16_200_000 and request.state is RequestState.PAID

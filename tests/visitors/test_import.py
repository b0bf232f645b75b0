"""Importing visitors from CSV or Excel: Vietnamese or English headers, every bad row reported by
row number, people registered already skipped, badges like everyone's (a real QR decoder and the
check-in API), confirmations only when asked, the organisers' page, the command and the export."""

import csv
import io
import re

import phonenumbers
import pytest
import sqlalchemy as sa
import zxingcpp
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import domains
from openpyxl import Workbook, load_workbook
from PIL import Image

from exhibition.accounts.models import AuditEntry
from exhibition.badges.services import normalize_badge_code
from exhibition.email_address import normalize_email
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.worker import run as run_worker
from exhibition.phone import fast_phone, normalize_phone
from exhibition.visitors import importing
from exhibition.visitors.changes import cancel_registration
from exhibition.visitors.models import (
    Consent,
    ConsentPurpose,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from exhibition.visitors.services import registrations_query
from tests.conftest import csrf_token, login_client, on_today, scan, use_smtp, write_outbox

VI_HEADER = ["Họ và tên", "Email", "Điện thoại", "Đơn vị", "Chức vụ", "Loại khách",
             "Tỉnh/thành phố", "Quốc gia", "Lĩnh vực", "Ngôn ngữ"]  # fmt: skip
EN_HEADER = ["full_name", "email", "phone", "organisation", "job_title", "category", "province",
             "country", "sectors", "language"]  # fmt: skip
GOOD_ROWS = [
    ["Nguyễn Thị Hồng Nhung", "Nhung.Nguyen@Example.com", "0912 345 678", "Công ty TNHH Cơ khí Hải An", "Trưởng phòng", "trade", "Thành phố Hải Phòng", "", "mechanical; automation", "vi"],
    ["Trần Văn Bình", "binh.tran@example.vn", "+84 983 111 222", "Công ty CP Nhựa Tiền Phong", "Giám đốc", "PRESS", "ha noi", "Việt Nam", "plastics,moulds", ""],
    ["Kim Min-jun", "minjun.kim@example.kr", "+82 10 2345 6789", "Hanwha Vina", "Buyer", "trade", "", "South Korea", "", "en"],
    ["Lê Thu Hà", "ha.le@example.com", "0225.3842.123", "", "", "", "Hải Dương", "", "", "Tiếng Việt"],
]  # fmt: skip
BAD_ROWS = [
    ["", "nobody@example.com", "0912345670", "", "", "trade", "HP", "", "", ""],
    ["Phạm Văn Dũng", "", "0912345671", "", "", "trade", "HP", "", "", ""],
    ["Phạm Văn Dũng", "not-an-e-mail", "0912345672", "", "", "trade", "HP", "", "", ""],
    ["Hoàng Văn Em", "em@example.com", "", "", "", "trade", "HP", "", "", ""],
    ["Hoàng Văn Em", "em2@example.com", "12345", "", "", "trade", "HP", "", "", ""],
    ["Đỗ Thị Giang", "giang@example.com", "0912345673", "", "", "vendor", "HP", "", "", ""],
    ["Đỗ Thị Giang", "giang2@example.com", "0912345674", "", "", "trade", "Atlantis", "", "", ""],
    ["Đỗ Thị Giang", "giang3@example.com", "0912345675", "", "", "trade", "HP", "", "mechanical; rockets", ""],
    ["Ngô Văn Hậu", "NHUNG.NGUYEN@example.com", "0912345676", "", "", "trade", "HP", "", "", ""],
    ["Ngô Văn Hậu", "hau@example.com", "0912345677", "", "", "trade", "", "", "", ""],
    ["Ngô Văn Hậu", "hau2@example.com", "0912345678", "", "", "trade", "HP", "", "", "fr"],
    ["Bùi 🎉 Ích", "ich@example.com", "0912345679", "", "", "trade", "HP", "", "", ""],
    ["Đinh Văn Khoa", "khoa@example.com", "0912345680", "", "", "trade", "HP", "Narnia", "", ""],
    ["Đinh Văn Khoa", "khoa2@example.com", "0912345681", "", "", "trade", "HP", "Japan", "", ""],
]  # fmt: skip
# Row numbers: the header is row 1, the good rows 2-5, the bad rows from 6.
BAD_REASONS = [
    "Row 6: full name missing.",
    "Row 7: e-mail missing.",
    "Row 8: e-mail address not valid.",
    "Row 9: phone number missing.",
    "Row 10: phone number not valid.",
    "Row 11: unknown category vendor.",
    "Row 12: unknown province or city Atlantis.",
    "Row 13: unknown sectors: rockets.",
    "Row 14: this e-mail appears already in row 2.",
    "Row 15: province or city missing (for people from abroad, give the country).",
    "Row 16: language must be vi or en.",
    "Row 17: full name holds symbols or emoji.",
    "Row 18: unknown country Narnia.",
    "Row 19: a province of Vietnam is given with another country.",
]


def csv_file(rows, header=VI_HEADER, delimiter=";", bom=True):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_file(rows, header=EN_HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        # Excel turns a phone typed without spaces into a number and drops its leading zero.
        sheet.append([int(c) if c.isdigit() else c for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(app, data, *, filename="visitors.csv", category=None, send=False, slug="expo-2026"):
    with app.test_request_context("/?lang=en"):
        report = importing.import_visitors(
            event=get_event(slug=slug), data=data, filename=filename, category_code=category,
            send_confirmations=send, consent_confirmed=True,
        )  # fmt: skip
        db.session.commit()
        return report


def stored(app):
    """Each registration as (name, e-mail, phone, organisation, job, category, province,
    country, sectors, language), in row order."""
    with app.app_context():
        return [
            (r.full_name, r.email, r.phone, r.organisation, r.job_title, r.category.code,
             r.province_code, r.country_code, [s.code for s in r.sectors], r.language)
            for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))
        ]  # fmt: skip


EXPECTED_GOOD = [
    ("Nguyễn Thị Hồng Nhung", "Nhung.Nguyen@example.com", "+84912345678", "Công ty TNHH Cơ khí Hải An", "Trưởng phòng", "trade", "HP", "VN", ["mechanical", "automation"], "vi"),
    ("Trần Văn Bình", "binh.tran@example.vn", "+84983111222", "Công ty CP Nhựa Tiền Phong", "Giám đốc", "press", "HN", "VN", ["moulds", "plastics"], "vi"),
    ("Kim Min-jun", "minjun.kim@example.kr", "+821023456789", "Hanwha Vina", "Buyer", "trade", None, "KR", [], "en"),
    ("Lê Thu Hà", "ha.le@example.com", "+842253842123", "", "", "public", "HP", "VN", [], "vi"),
]  # fmt: skip


def test_import_with_vietnamese_headers_semicolons_and_bom_registers_every_good_row(
    app, make_event
):
    make_event()
    report = run_import(app, csv_file(GOOD_ROWS), category="public")

    assert (report.imported, report.already_registered, report.refused) == (4, 0, 0)
    assert report.problems == []
    # The province by name, without diacritics, with "Thành phố", or by its name before the
    # merger of July 2025 (Hải Dương is now Hải Phòng); sectors in reference order.
    assert stored(app) == EXPECTED_GOOD
    with app.app_context():
        registrations = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
        assert {r.source for r in registrations} == {RegistrationSource.IMPORT}
        assert {r.status for r in registrations} == {RegistrationStatus.CONFIRMED}
        assert [r.email_key for r in registrations][0] == "nhung.nguyen@example.com"
        # Found by the organisers' search like anyone (diacritics and case ignored).
        event = get_event(slug="expo-2026")
        found = db.session.scalars(registrations_query(event=event, query="nhung HAI AN")).all()
        assert [r.full_name for r in found] == ["Nguyễn Thị Hồng Nhung"]
        found = db.session.scalars(registrations_query(event=event, query="0983111222")).all()
        assert [r.full_name for r in found] == ["Trần Văn Bình"]
        # The organisers' statement is each person's processing consent, and nothing more.
        consents = db.session.scalars(sa.select(Consent).order_by(Consent.id)).all()
        assert [(c.registration_id, c.purpose, c.granted, c.wording_version) for c in consents] == [
            (r.id, ConsentPurpose.PROCESSING, True, "import") for r in registrations
        ]
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_import_with_english_headers_and_commas_without_bom(app, make_event):
    make_event()
    report = run_import(app, csv_file(GOOD_ROWS, header=EN_HEADER, delimiter=",", bom=False),
                        category="public")  # fmt: skip
    assert (report.imported, report.problems) == (4, [])
    assert stored(app) == EXPECTED_GOOD


def test_import_from_excel_with_phones_typed_as_numbers(app, make_event):
    make_event()
    rows = [[*GOOD_ROWS[0][:2], "0912345678", *GOOD_ROWS[0][3:]], *GOOD_ROWS[1:]]
    report = run_import(app, xlsx_file(rows), filename="Danh sách.xlsx", category="public")
    assert (report.imported, report.problems) == (4, [])
    assert stored(app) == EXPECTED_GOOD


def test_every_kind_of_bad_row_is_reported_by_row_number_and_the_good_rows_imported(
    app, make_event
):
    make_event()
    report = run_import(app, csv_file(GOOD_ROWS + BAD_ROWS), category="public")

    assert report.problems == BAD_REASONS
    assert (report.imported, report.already_registered, report.refused) == (4, 0, len(BAD_ROWS))
    assert report.skipped == len(BAD_ROWS)
    assert stored(app) == EXPECTED_GOOD


def test_a_row_with_several_problems_lists_them_all(app, make_event):
    make_event()
    data = csv_file([["X", "x@", "1", "", "", "nope", "Mars", "", "a;b", "de"]])
    report = run_import(app, data)
    assert report.problems == [
        "Row 2: full name shorter than 2 characters; e-mail address not valid; phone number not"
        " valid; unknown category nope; unknown province or city Mars; unknown sectors: a, b;"
        " language must be vi or en."
    ]


def test_names_without_a_visible_letter_or_with_piled_marks_are_reported_by_row(app, make_event):
    make_event()
    rows = [
        ["\u115f\u1160", "filler@example.com", "0912345670", "", "", "trade", "HP", "", "", ""],
        ["\u3164\u3164", "filler2@example.com", "0912345671", "", "", "trade", "HP", "", "", ""],
        ["a" + "\u0301" * 119, "zalgo@example.com", "0912345672", "", "", "trade", "HP", "", "", ""],
        ["Phạm Ngọc Ệ", "e@example.com", "0912345673", "", "", "trade", "HP", "", "", ""],
    ]  # fmt: skip
    reasons = [
        "Row 2: full name has no visible letter.",
        "Row 3: full name has no visible letter.",
        "Row 4: full name has a letter with more than 3 accent marks.",
    ]
    assert run_import(app, csv_file(rows)).problems == reasons
    assert run_import(app, xlsx_file(rows[:3])).problems == reasons
    assert [r[0] for r in stored(app)] == ["Phạm Ngọc Ệ"]


def test_people_registered_already_are_skipped_without_a_second_badge(
    app, make_event, make_visitor
):
    make_event()
    first = make_visitor(email="ha.le@example.com")
    gone = make_visitor(email="binh.tran@example.vn")
    with app.app_context():
        cancel_registration(registration=db.session.get(Registration, gone["id"]))
        db.session.commit()

    report = run_import(app, csv_file(GOOD_ROWS), category="public")
    assert report.problems == [
        "Row 3: registered before and cancelled; skipped.",
        "Row 5: already registered for this exhibition.",
    ]
    assert (report.imported, report.already_registered, report.refused) == (2, 2, 0)

    again = run_import(app, csv_file(GOOD_ROWS), category="public")
    assert again.imported == 0 and again.already_registered == 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 4
        assert db.session.get(Registration, first["id"]).badge_code == first["badge_code"]
        assert db.session.get(Registration, gone["id"]).status is RegistrationStatus.CANCELLED


def event_category(event, code):
    from exhibition.visitors.models import VisitorCategory

    return db.session.scalar(
        sa.select(VisitorCategory.id).where(
            VisitorCategory.event_id == event.id, VisitorCategory.code == code
        )
    )


def test_someone_signing_up_during_the_import_is_skipped_not_an_error(
    app, make_event, make_visitor
):
    """The check for people registered already runs before the INSERT; a sign-up in between
    meets the unique key, and ON CONFLICT DO NOTHING leaves that row out."""
    make_event()
    make_visitor(email="late@example.com")
    with app.app_context():
        event = get_event(slug="expo-2026")
        row = {
            "event_id": event.id, "category_id": event_category(event, "trade"), "exhibitor_id": None,
            "status": RegistrationStatus.CONFIRMED, "source": RegistrationSource.IMPORT,
            "full_name": "Người Đến Muộn", "phone": "+84912345678", "organisation": "",
            "job_title": "", "province_code": "HP", "country_code": "VN", "language": "vi",
            "search_text": "", "created_at": event.starts_at, "updated_at": event.starts_at,
        }  # fmt: skip
        values = [
            {**row, "email": email, "email_key": email.casefold(), "badge_code": badge,
             "manage_token": token, "feed_token": token.upper(), "lead_code": badge.lower()}
            for email, badge, token in (
                ("Late@example.com", "A" * 26, "a" * 43), ("early@example.com", "B" * 26, "b" * 43)
            )
        ]  # fmt: skip
        inserted = importing._insert_new(values)
        assert list(inserted) == ["early@example.com"]
        db.session.rollback()


def test_imported_badges_are_unique_random_codes_that_scan_like_everyone_elses(
    app, client, make_event, make_device, smtp_server
):
    use_smtp(app, smtp_server)
    make_event(**on_today())
    device_token = make_device()
    report = run_import(app, csv_file(GOOD_ROWS), category="public", send=True)
    assert report.imported == 4

    with app.app_context():
        registrations = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
        codes = {r.email: r.badge_code for r in registrations}
        tokens = [r.manage_token for r in registrations]
        lead_codes = {r.lead_code for r in registrations}
    assert len(set(codes.values())) == 4 and len(set(tokens)) == 4
    assert len(lead_codes) == 4 and not lead_codes & set(codes.values())
    assert all(normalize_badge_code(code) == code for code in codes.values())
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)

    assert run_worker(app, once=True) == 4
    messages = smtp_server.wait_for(4)
    assert sorted(m["To"] for m in messages) == sorted(codes)
    for message in messages:
        (png,) = [p.get_content() for p in message.walk() if p.get("Content-ID") == "<badge-qr>"]
        (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert result.text == codes[message["To"]]
    english = next(m for m in messages if m["To"] == "minjun.kim@example.kr")
    assert english["Subject"] == "Registration confirmed: Supporting Industry Expo 2026"

    first = scan(client, device_token, codes["Nhung.Nguyen@example.com"], "nonce-import-1")
    assert first.status_code == 200
    assert first.json["result"] == "ok"
    assert first.json["attendee"]["name"] == "Nguyễn Thị Hồng Nhung"


def test_confirmations_are_queued_only_when_asked(app, make_event):
    make_event()
    run_import(app, csv_file(GOOD_ROWS[:2]), category="public")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    run_import(app, csv_file(GOOD_ROWS[2:]), category="public", send=True)
    with app.app_context():
        queued = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.to_address, m.kind, m.language) for m in queued] == [
            ("minjun.kim@example.kr", "confirmation", "en"),
            ("ha.le@example.com", "confirmation", "vi"),
        ]
        assert [(m.subject, len(m.attachments)) for m in queued] == [("", 0), ("", 0)]
        ids = {r.email: r.id for r in db.session.scalars(sa.select(Registration))}
        assert [m.registration_id for m in queued] == [ids[m.to_address] for m in queued]
    # Queued by kind like a sign-up's, and written by the mail worker the same way.
    assert write_outbox(app) == 2
    with app.app_context():
        queued = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [len(m.attachments) for m in queued] == [3, 3]  # badge QR, lead QR, .ics


def test_import_needs_the_consent_statement_and_a_known_default_category(app, make_event):
    make_event()
    with app.test_request_context("/?lang=en"):
        event = get_event(slug="expo-2026")
        with pytest.raises(importing.ImportConsentRequired):
            importing.import_visitors(
                event=event, data=csv_file(GOOD_ROWS), filename="a.csv", category_code="trade",
                send_confirmations=False, consent_confirmed=False,
            )  # fmt: skip
        with pytest.raises(importing.UnknownCategory):
            importing.import_visitors(
                event=event, data=csv_file(GOOD_ROWS), filename="a.csv", category_code="nope",
                send_confirmations=False, consent_confirmed=True,
            )  # fmt: skip
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


@pytest.mark.parametrize(
    ("data", "filename", "problem"),
    [
        (b"", "a.csv", "The file is empty."),
        (b"name;email\nAn;an@example.com\n", "a.csv",
         "The first row must name the columns; missing: Phone, Province or city, Category."),
        (b"PK\x03\x04broken", "a.xlsx", "The file is not an Excel workbook (.xlsx)."),
        (b"\xff\xfeH\x00", "a.csv", 'The file is not UTF-8 text. Save it as "CSV UTF-8".'),
        (b"x", "a.xls", "Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV."),
        (b"x" * (importing.MAX_BYTES + 1), "a.csv", "The file is larger than 32 MB."),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_reported_and_imports_nothing(
    app, make_event, data, filename, problem
):
    make_event()
    report = run_import(app, data, filename=filename)
    assert report.problems == [problem]
    assert (report.imported, report.skipped) == (0, 0)


def test_too_many_rows_are_refused_beyond_the_limit(app, make_event, monkeypatch):
    make_event()
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = [[f"Người {n}", f"p{n}@example.com", f"09123456{n:02d}", "", "", "trade", "HP", "",
             "", ""] for n in range(5)]  # fmt: skip
    report = run_import(app, csv_file(rows))
    assert report.imported == 3
    assert report.problems == ["At most 3 people per file; the rest was not read."]


def test_a_thousand_rows_are_stored_with_their_sectors_consents_and_unique_badges(app, make_event):
    make_event()
    provinces = ["Hải Phòng", "hai phong", "TP. Hà Nội", "QNI", "Thành phố Hồ Chí Minh"]
    rows = [
        [f"Nguyễn Văn Số {n}", f"nguoi.{n}@cty{n % 37}.com.vn", f"091{n:07d}", f"Công ty {n % 50}",
         "Kỹ sư", "trade" if n % 4 else "public", provinces[n % 5], "",
         ["", "mechanical", "mechanical;automation"][n % 3], "vi" if n % 10 else "en"]
        for n in range(1, 1001)
    ]  # fmt: skip
    report = run_import(app, csv_file(rows))
    assert (report.imported, report.problems) == (1000, [])
    with app.app_context():
        one = sa.select(sa.func.count()).select_from
        assert db.session.scalar(one(Registration)) == 1000
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Registration.badge_code)))) == 1000  # fmt: skip
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Registration.manage_token)))) == 1000  # fmt: skip
        assert db.session.scalar(one(Consent)) == 1000
        assert db.session.scalar(one(importing.registration_sectors)) == 334 + 333 * 2
        by_province = dict(
            db.session.execute(
                sa.select(Registration.province_code, sa.func.count()).group_by(
                    Registration.province_code
                )
            ).all()
        )
        assert by_province == {"HP": 400, "HN": 200, "QNI": 200, "HCM": 200}
        assert db.session.scalar(one(OutboxMessage)) == 0


def test_the_export_lists_the_imported_people_in_csv_and_excel(app, client, make_event):
    make_event()
    run_import(app, csv_file(GOOD_ROWS), category="public")
    login_client(app, client)

    response = client.get("/admin/events/expo-2026/registrations.csv?language=vi")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert sorted(r["E-mail"] for r in rows) == sorted(g[1] for g in EXPECTED_GOOD)
    nhung = next(r for r in rows if r["Họ và tên"] == "Nguyễn Thị Hồng Nhung")
    assert (nhung["Lĩnh vực hoạt động"], nhung["Tỉnh/thành phố"]) == (
        "Cơ khí chế tạo và gia công kim loại; Tự động hóa và robot", "Hải Phòng"
    )  # fmt: skip
    assert nhung["Đồng ý: xử lý dữ liệu để tổ chức triển lãm"] == "Có"
    assert nhung["Đồng ý: chia sẻ với đơn vị trưng bày"] == "Không"
    assert nhung["Phiên bản nội dung đồng ý"] == "Đã đồng ý với Ban tổ chức (nhập từ tệp)"
    assert nhung["Hình thức đăng ký"] == "Nhập từ tệp"

    response = client.get("/admin/events/expo-2026/registrations.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 5
    assert sorted(v[values[0].index("Full name")] for v in values[1:]) == sorted(
        g[0] for g in EXPECTED_GOOD
    )


# ---------------------------------------------------------------- the organisers' page


def upload(client, data, filename="visitors.csv", **fields):
    page = client.get("/admin/events/expo-2026/registrations/import")
    assert page.status_code == 200
    form = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), filename),
            "category": "public", "consent": "y", **fields}  # fmt: skip
    return client.post(
        "/admin/events/expo-2026/registrations/import",
        data={k: v for k, v in form.items() if v is not None},
        content_type="multipart/form-data",
    )


def test_page_imports_reports_each_row_and_records_an_audit_entry_without_names(
    app, client, make_event
):
    make_event()
    login_client(app, client)
    registrations = client.get("/admin/events/expo-2026/registrations")
    assert "/admin/events/expo-2026/registrations/import" in registrations.text

    response = upload(client, csv_file(GOOD_ROWS + BAD_ROWS))
    assert response.status_code == 422
    assert "4 people imported, each with a badge." in response.text
    assert re.findall(r"<li>(Row \d+: [^<]+)</li>", response.text) == BAD_REASONS
    assert stored(app) == EXPECTED_GOOD
    with app.app_context():
        (entry,) = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "registrations.imported")
        ).all()
        assert entry.details == {"imported": 4, "skipped": len(BAD_ROWS)}
        assert entry.actor == "btc@example.com"
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0

    again = upload(client, csv_file(GOOD_ROWS), send_confirmations="y")
    assert again.status_code == 422
    assert "Row 2: already registered for this exhibition." in again.text


def test_page_imports_a_clean_excel_file_with_confirmations(app, client, make_event):
    make_event()
    login_client(app, client)
    response = upload(client, xlsx_file(GOOD_ROWS), filename="list.xlsx", send_confirmations="y")
    assert response.status_code == 200
    assert "4 people imported, each with a badge." in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 4


def test_page_without_the_consent_statement_imports_nothing(app, client, make_event):
    make_event()
    login_client(app, client)
    response = upload(client, csv_file(GOOD_ROWS), consent=None)
    assert response.status_code == 422
    assert "People can only be imported with this confirmation." in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_page_refuses_other_files_with_a_form_error(app, client, make_event):
    make_event()
    login_client(app, client)
    response = upload(client, b"%PDF-1.4", filename="list.pdf")
    assert response.status_code == 422
    assert "Choose a CSV or Excel (.xlsx) file." in response.text
    broken = upload(client, b"PK\x03\x04broken", filename="list.xlsx")
    assert broken.status_code == 422
    assert "The file is not an Excel workbook (.xlsx)." in broken.text


def test_page_takes_files_larger_than_the_site_wide_upload_limit_and_shortens_the_report(
    app, client, make_event
):
    make_event()
    login_client(app, client)
    rows = [
        [f"Người Thử {n}", f"p{n}@example.com", "0912345678", "x" * (201 if n < 600 else 200),
         "y" * 120, "trade", "HP", "", "", ""]
        for n in range(6000)
    ]  # fmt: skip
    data = csv_file(rows)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, data)
    assert response.status_code == 422
    shown = re.findall(r"<li>(Row \d+: [^<]+)</li>", response.text)
    assert len(shown) == 500
    assert shown[0] == "Row 2: organisation longer than 200 characters."
    assert "…and 100 more." in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 5400


# ---------------------------------------------------------------- the command


def test_command_imports_a_file_and_lists_the_problems(app, runner, make_event, tmp_path):
    make_event()
    path = tmp_path / "khach.csv"
    path.write_bytes(csv_file(GOOD_ROWS + BAD_ROWS[:2]))
    with app.app_context():
        result = runner.invoke(args=["import-visitors", "--event", "expo-2026", str(path),
                                     "--category", "public", "--consent-confirmed"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Row 6: full name missing.",
        "Row 7: e-mail missing.",
        "Imported 4; skipped 2 (2 with problems, 0 registered already).",
    ]
    assert stored(app) == EXPECTED_GOOD
    with app.app_context():
        (entry,) = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "registrations.imported")
        ).all()
        assert (entry.actor, entry.details) == ("command line", {"imported": 4, "skipped": 2})


def test_command_needs_the_consent_flag_and_sends_only_when_asked(
    app, runner, make_event, tmp_path
):
    make_event()
    path = tmp_path / "khach.csv"
    path.write_bytes(csv_file(GOOD_ROWS))
    with app.app_context():
        refused = runner.invoke(
            args=["import-visitors", "--event", "expo-2026", str(path), "--category", "public"]
        )
        assert refused.exit_code == 1
        assert "Confirm that the people in the file agreed" in refused.output
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
        sent = runner.invoke(args=["import-visitors", "--event", "expo-2026", str(path),
                                   "--category", "public", "--consent-confirmed",
                                   "--send-confirmations"])  # fmt: skip
        assert sent.exit_code == 0, sent.output
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 4
        unreadable = tmp_path / "old.xls"
        unreadable.write_bytes(b"x")
        failed = runner.invoke(args=["import-visitors", "--event", "expo-2026", str(unreadable),
                                     "--consent-confirmed"])  # fmt: skip
        assert failed.exit_code == 1
        assert "Old Excel files (.xls) cannot be read." in failed.output


# ---------------------------------------------------------------- the shortcuts


def _library_email(text):
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return result.ascii_email or result.normalized


def _ours(function, text):
    try:
        return function(text)
    except ValueError:
        return None


LOCAL = st.text(alphabet="abcXYZ019.-_+!'~é@ \"", min_size=0, max_size=12) | st.sampled_from(
    ["postmaster", "Abuse", "a" * 70, "an.nguyen", ".a", "a..b"]
)
DOMAIN = domains() | st.sampled_from(
    ["Example.COM", "xn--bcher-kva.example", "bücher.example", "localhost", "a.invalid",
     "-a.com", "a" * 64 + ".com", "[127.0.0.1]", "gmail.com", "example", ""]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(local=LOCAL, domain=DOMAIN)
def test_the_email_shortcut_agrees_with_validate_email(local, domain):
    text = f"{local}@{domain}"
    assert _ours(normalize_email, text) == _library_email(text)


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.sampled_from(["0", "+84", "+84 ", "84", "0084", "+840", "", "+81 "]),
    digits=st.from_regex(r"[1-9][0-9]{8,9}", fullmatch=True)
    | st.text(alphabet="0123456789", min_size=7, max_size=11),
    separator=st.sampled_from(["", " ", ".", "-"]),
)
def test_the_phone_shortcut_agrees_with_normalize_phone(prefix, digits, separator):
    text = prefix + separator.join([digits[:3], digits[3:6], digits[6:]])
    assert _ours(fast_phone, text) == _ours(normalize_phone, text)


def test_the_phone_shortcut_takes_vietnamese_mobile_and_landline_numbers():
    for text in ("0912 345 678", "+84 912 345 678", "0225.3842.123", "(+84) 983-111-222"):
        assert fast_phone(text) == normalize_phone(text)
        assert phonenumbers.is_valid_number(phonenumbers.parse(fast_phone(text)))

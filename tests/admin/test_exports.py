"""Exports of the organiser pages: the Excel file keeps every cell as typed (a foreign phone number
too) with typed numbers and dates; the CSV neutralises formulas and the page says which to open."""

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from exhibition.extensions import db
from exhibition.visitors.models import Registration
from tests.conftest import login_client
from tests.test_labels import press, visible_text

PHONE = "+81 90-1234-5678"
EVIL = {"full_name": "=1+1", "organisation": "-2", "job_title": "@SUM(A1:A2)"}


def _registrations_page(app, client, make_event, make_visitor, language="vi"):
    make_event()
    visitor = make_visitor(phone="+819012345678", **EVIL)
    make_visitor(full_name="Nguyễn Văn Bình", phone="+84912345678", email="binh@example.com")
    login_client(app, client)
    page = client.get(f"/admin/events/expo-2026/registrations?lang={language}")
    assert page.status_code == 200
    return page, visitor


def _workbook(response):
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return load_workbook(io.BytesIO(response.data)).active


def _row_of(sheet, number):
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == number:
            return {sheet.cell(1, cell.column).value: cell for cell in row}
    raise AssertionError(f"registration {number} not in the sheet")


def test_excel_export_keeps_phones_and_formula_like_text_as_typed_text(
    app, client, make_event, make_visitor
):
    page, visitor = _registrations_page(app, client, make_event, make_visitor)
    sheet = _workbook(press(client, page, "Excel (.xlsx)"))
    row = _row_of(sheet, visitor["id"])
    typed = {
        "Điện thoại": PHONE,
        "Họ và tên": "=1+1",
        "Đơn vị/Doanh nghiệp": "-2",
        "Chức vụ": "@SUM(A1:A2)",
    }
    for header, value in typed.items():
        cell = row[header]
        assert (cell.data_type, cell.value) == ("s", value), header


def test_excel_export_has_a_frozen_filtered_header_and_typed_numbers_and_dates(
    app, client, make_event, make_visitor
):
    page, visitor = _registrations_page(app, client, make_event, make_visitor)
    sheet = _workbook(press(client, page, "Excel (.xlsx)"))
    assert sheet.title == "Danh sách đăng ký"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:U3"
    assert all(cell.font.b for cell in sheet[1])
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    assert len(widths) == 21 and all(8 <= width <= 60 for width in widths.values())
    row = _row_of(sheet, visitor["id"])
    number = row["Số đăng ký"]
    assert (number.data_type, number.value) == ("n", visitor["id"])
    registered = row["Thời điểm đăng ký"]
    assert registered.is_date and registered.number_format == "dd/mm/yyyy hh:mm"
    with app.app_context():
        created = db.session.get(Registration, visitor["id"]).created_at
    expected = created.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)
    assert abs(registered.value - expected) < timedelta(seconds=1)
    assert row["Đối tượng"].value == "Khách thương mại"
    assert row["Trạng thái"].value == "Đã xác nhận"
    assert row["Tỉnh/thành phố"].value == "Hải Phòng"
    assert row["Quốc gia"].value == "Việt Nam"
    assert row["Đồng ý: xử lý dữ liệu để tổ chức triển lãm"].value == "Có"
    assert row["Đồng ý: nhận tin tức"].value == "Không"
    assert row["Đồng ý: kết nối giao thương"].value == "Không"
    assert row["Ngôn ngữ e-mail"].value == "Tiếng Việt"


def test_csv_export_neutralises_formulas_and_the_page_points_to_the_excel_file(
    app, client, make_event, make_visitor
):
    page, visitor = _registrations_page(app, client, make_event, make_visitor)
    text = visible_text(page.text)
    assert re.search(r"CSV \(\.csv\) Dành cho các phần mềm khác\..*hãy mở tệp Excel", text)
    response = press(client, page, "CSV (.csv)")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    header = rows[0]
    row = next(r for r in rows[1:] if r[0] == str(visitor["id"]))
    cells = dict(zip(header, row, strict=True))
    assert cells["Họ và tên"] == "'=1+1"
    assert cells["Đơn vị/Doanh nghiệp"] == "'-2"
    assert cells["Chức vụ"] == "'@SUM(A1:A2)"
    assert cells["Điện thoại"] == "'" + PHONE
    plain = next(r for r in rows[1:] if r[0] != str(visitor["id"]))
    assert "Nguyễn Văn Bình" in plain and "0912 345 678" in plain


@pytest.mark.parametrize(("page_language", "chosen", "header"), [
    ("vi", None, "Họ và tên"), ("vi", "en", "Full name"), ("en", None, "Full name"),
    ("en", "vi", "Họ và tên"),
])  # fmt: skip
def test_exports_are_in_the_language_chosen_on_the_page(
    app, client, make_event, make_visitor, page_language, chosen, header
):
    page, _visitor = _registrations_page(app, client, make_event, make_visitor, page_language)
    changes = {"language": chosen} if chosen else {}
    sheet = _workbook(press(client, page, "Excel (.xlsx)", **changes))
    assert sheet.cell(1, 5).value == header
    rows = list(csv.reader(io.StringIO(press(client, page, "CSV (.csv)", **changes).text[1:])))
    assert rows[0][4] == header
    status = "Confirmed" if header == "Full name" else "Đã xác nhận"
    assert {row[2] for row in rows[1:]} == {status}


def test_excel_button_downloads_the_phone_as_typed_in_chromium(
    app, live_server, browser, make_event, make_visitor, tmp_path
):
    make_event()
    make_visitor(phone="+819012345678", **EVIL)
    with app.app_context():
        from exhibition.accounts.services import create_organiser

        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{live_server}/admin/login")
    page.fill("#email", "btc@example.com")
    page.fill("#password", "mat-khau-dai")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/admin/events/expo-2026/registrations")
    with page.expect_download() as download:
        page.get_by_role("button", name="Excel (.xlsx)").click()
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path).active
    cells = {sheet.cell(1, cell.column).value: cell for cell in sheet[2]}
    assert (cells["Điện thoại"].data_type, cells["Điện thoại"].value) == ("s", PHONE)
    assert (cells["Họ và tên"].data_type, cells["Họ và tên"].value) == ("s", "=1+1")
    page.close()

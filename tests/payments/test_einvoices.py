"""E-invoice data: the export accounting issues e-invoices from, recording an e-invoice issued
elsewhere, the "adjust or replace" task when the buyer changes, and the e-invoice in the portal."""

import html
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from exhibition.accounts.models import AuditEntry
from exhibition.dbtypes import utcnow
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.payments.models import InvoiceTask, PaymentRequest, RequestState
from tests.conftest import login_client
from tests.exhibitors.test_portal import sign_in
from tests.pages import form_posting_to
from tests.payments.conftest import credit

BASE = "/admin/events/expo-2026/payments/einvoices"
BUYER = dict(
    company_name_vi="Công ty TNHH Cơ khí Chính xác Hải An",
    street="Số 12 Lê Thánh Tông",
    commune="Phường Ngô Quyền",
    contact_name="Lê Văn Hải",
    contact_email="ketoan@haian.vn",
    main_products="Khuôn mẫu chính xác",
)


def _request(app, request_id) -> PaymentRequest:
    return db.session.get(PaymentRequest, request_id)


def paid(app, make_request, *, booths=("A01",), amount=None, bank_ref="FT26001", **fields):
    """A request for `booths`, paid in full (or `amount` of it) by a bank transfer."""
    request_id = make_request(booths=booths, **fields)
    with app.app_context():
        request = _request(app, request_id)
        reference, total = request.reference, request.total_vnd
    outcome, matched, _new = credit(
        app, "expo-2026", amount or total, f"CK {reference} phi gian hang", reference=bank_ref
    )
    assert matched == request_id and outcome == ("paid" if amount is None else "partial")
    return request_id


def today(app):
    with app.app_context():
        event = get_event(slug="expo-2026")
        return utcnow().astimezone(event.tz).date()


def record_form(client, request_id):
    path = f"{BASE}/{request_id}"
    page = client.get(path)
    assert page.status_code == 200
    return form_posting_to(page.text, path, path)


def valid_values(app, **changes):
    day = today(app)
    values = dict(
        symbol=f"1C{day.year % 100:02d}TAA",
        number="123",
        issued_on=day.strftime("%d/%m/%Y"),
        url="https://hoadon.example.vn/tra-cuu?ma=ABC123",
    )
    return values | changes


def record(app, client, request_id, **changes):
    form = record_form(client, request_id)
    return client.post(form.action, data=form.data(**valid_values(app, **changes)))


# --- the lists and the export ------------------------------------------------------------------


def test_export_has_one_row_per_line_of_paid_requests_without_an_einvoice(
    app, client, make_request
):
    paid_id = paid(app, make_request, booths=("A01", "A02"), **BUYER)
    partial_id = paid(app, make_request, booths=("A03",), amount=1_000_000, bank_ref="FT26002")
    open_id = make_request(booths=("A04",))
    recorded_id = paid(app, make_request, booths=("A05",), bank_ref="FT26003")
    login_client(app, client)
    assert record(app, client, recorded_id).status_code == 302

    page = client.get(BASE + "/")
    with app.app_context():
        refs = {i: _request(app, i).reference for i in (paid_id, partial_id, open_id, recorded_id)}
        tax_code = _request(app, paid_id).exhibitor.tax_code
    waiting = page.text.split('id="waiting"')[1].split('id="recorded"')[0]
    recorded = page.text.split('id="recorded"')[1]
    # Money collected, fully or in part: the invoice is due; an open request owes nothing yet.
    assert refs[paid_id] in waiting and refs[partial_id] in waiting
    assert refs[open_id] not in page.text
    assert refs[recorded_id] in recorded and refs[recorded_id] not in waiting
    assert "1.000.000" in waiting or "1,000,000" in waiting

    response = client.get(BASE + "/export.xlsx", query_string={"language": "vi"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:7] == (
        "Mã thanh toán",
        "Tên đơn vị mua hàng",
        "Mã số thuế người mua",
        "Địa chỉ người mua",
        "Email nhận hóa đơn",
        "Họ tên người mua hàng",
        "Ngày thu tiền",
    )
    assert header[9:] == (
        "Số lượng",
        "Đơn giá (đồng)",
        "Thành tiền chưa thuế (đồng)",
        "Thuế suất GTGT (%)",
        "Tiền thuế GTGT (đồng)",
        "Thành tiền sau thuế (đồng)",
        "Tổng tiền chưa thuế (đồng)",
        "Tổng tiền thuế GTGT (đồng)",
        "Tổng tiền thanh toán (đồng)",
    )
    # Only the paid request without an e-invoice: not the partial, open or recorded ones.
    assert [row[0] for row in rows[1:]] == [refs[paid_id], refs[paid_id]]
    first, second = rows[1], rows[2]
    assert first[1:6] == (
        "Công ty TNHH Cơ khí Chính xác Hải An",
        tax_code,
        "Số 12 Lê Thánh Tông, Phường Ngô Quyền, Thành phố Hải Phòng",
        "ketoan@haian.vn",
        "Lê Văn Hải",
    )
    assert first[6].date() == date.today()  # a real date: the day the bank booked the transfer
    assert first[7:9] == (1, "Gian hàng A01 (tiêu chuẩn, 9 m²)")
    assert second[7] == 2 and second[8].startswith("Gian hàng A02")
    # Numbers are numbers: 15,000,000 at 8 % VAT per booth, and the request's totals.
    assert first[9:15] == (1, 15_000_000, 15_000_000, 8, 1_200_000, 16_200_000)
    assert first[15:] == second[15:] == (30_000_000, 2_400_000, 32_400_000)
    assert all(isinstance(v, int) for v in first[9:])

    english = client.get(BASE + "/export.xlsx", query_string={"language": "en"})
    rows = list(load_workbook(io.BytesIO(english.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Payment reference", "Buyer's legal name", "Buyer's tax code")
    assert rows[0][-1] == "Request total (VND)"
    assert rows[1][8] == "Booth A01 (standard, 9 m²)"
    assert rows[1][3].endswith("Thành phố Hải Phòng")  # the buyer as the invoice names it
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "payments.einvoice_exported")
        ).all()
        assert [(e.details["rows"], e.details["language"]) for e in entries] == [
            (2, "vi"),
            (2, "en"),
        ]


def test_export_without_paid_requests_is_the_header_only(app, client, make_request):
    make_request()
    login_client(app, client)
    response = client.get(BASE + "/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "Payment reference"


# --- recording ---------------------------------------------------------------------------------


def test_recording_an_einvoice_keeps_it_with_its_buyer(app, client, make_request):
    request_id = paid(app, make_request, **BUYER)
    login_client(app, client)
    day = today(app)
    response = record(app, client, request_id, symbol=f" 1c{day.year % 100:02d}taa ")
    assert response.status_code == 302
    with app.app_context():
        request = _request(app, request_id)
        assert (request.einvoice_number, request.einvoice_symbol, request.einvoice_date) == (
            "123",
            f"1C{day.year % 100:02d}TAA",
            day,
        )
        assert request.einvoice_url == "https://hoadon.example.vn/tra-cuu?ma=ABC123"
        assert request.einvoice_buyer == {
            "name": "Công ty TNHH Cơ khí Chính xác Hải An",
            "tax_code": request.exhibitor.tax_code,
            "address": "Số 12 Lê Thánh Tông, Phường Ngô Quyền, Thành phố Hải Phòng",
            "email": "ketoan@haian.vn",
        }
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "payments.einvoice_recorded")
        )
        assert entry.details["number"] == "123" and "before" not in entry.details


def test_correcting_the_number_is_recording_again_with_the_old_one_in_the_log(
    app, client, make_request
):
    request_id = paid(app, make_request)
    login_client(app, client)
    assert record(app, client, request_id).status_code == 302
    form = record_form(client, request_id)
    assert form.control("number").value == "123"  # the form shows what is recorded
    assert form.buttons[0].attrs.get("type") == "submit"
    response = client.post(form.action, data=form.data(number="124"))
    assert response.status_code == 302
    with app.app_context():
        assert _request(app, request_id).einvoice_number == "124"
        entries = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "payments.einvoice_recorded")
            .order_by(AuditEntry.id)
        ).all()
        assert [e.details["number"] for e in entries] == ["123", "124"]
        assert entries[1].details["before"]["number"] == "123"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"number": ""}, "Enter the e-invoice's number."),
        ({"number": "123456789"}, "The e-invoice number is 1 to 8 digits"),
        ({"number": "12A"}, "The e-invoice number is 1 to 8 digits"),
        ({"number": "0000"}, "The e-invoice number is 1 to 8 digits"),
        ({"symbol": ""}, "Enter the e-invoice's symbol."),
        ({"symbol": "C26TAA"}, "The symbol has 7 characters, such as 1C26TAA"),
        ({"symbol": "1X26TAA"}, "The symbol has 7 characters, such as 1C26TAA"),
        ({"symbol": "1C2TAAA"}, "The symbol has 7 characters, such as 1C26TAA"),
        ({"symbol": "1C26T1A"}, "The symbol has 7 characters, such as 1C26TAA"),
        ({"symbol": "1K99TAA"}, "The symbol's year (99) is not the year of the e-invoice"),
        ({"issued_on": ""}, "Enter the e-invoice's date."),
        ({"issued_on": "2026-12-05"}, "Enter the date as day/month/year, such as 05/12/2026."),
        ({"issued_on": "31/02/2026"}, "Enter the date as day/month/year, such as 05/12/2026."),
        ("tomorrow", "The e-invoice's date cannot be in the future."),
        ("last year", "The e-invoice's date cannot be before the payment request was made."),
        ({"url": ""}, "Enter the link where the e-invoice can be looked up."),
        ({"url": "javascript:alert(1)"}, "starting with https:// or http://"),
        ({"url": "hoadon.example.vn/tra-cuu"}, "starting with https:// or http://"),
        ({"url": "https://" + "a" * 500 + ".vn"}, "starting with https:// or http://"),
    ],
)
def test_each_bad_input_gets_its_message_and_nothing_is_recorded(
    app, client, make_request, changes, message
):
    request_id = paid(app, make_request)
    login_client(app, client)
    day = today(app)
    if changes == "tomorrow":
        other = day + timedelta(days=1)
        changes = {
            "issued_on": other.strftime("%d/%m/%Y"),
            "symbol": f"1C{other.year % 100:02d}TAA",
        }
    elif changes == "last year":
        other = day - timedelta(days=366)
        changes = {
            "issued_on": other.strftime("%d/%m/%Y"),
            "symbol": f"1C{other.year % 100:02d}TAA",
        }
    response = record(app, client, request_id, **changes)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    with app.app_context():
        request = _request(app, request_id)
        assert request.einvoice_recorded_at is None and request.einvoice_number == ""


def test_no_einvoice_form_before_money_is_received(app, client, make_request):
    request_id = make_request()
    login_client(app, client)
    page = client.get(f"{BASE}/{request_id}")
    assert page.status_code == 200
    assert "there is nothing to invoice yet" in page.text
    assert 'name="number"' not in page.text


def test_the_service_refuses_what_the_form_would(app, make_request):
    from exhibition.payments import einvoices

    day = today(app)
    open_id = make_request()
    with app.app_context():
        with pytest.raises(einvoices.EinvoiceNotDue):
            einvoices.record_einvoice(
                request=_request(app, open_id),
                number="1",
                symbol=f"1C{day.year % 100:02d}TAA",
                issued_on=day,
                url="https://x.example.vn/",
            )
    paid_id = paid(app, make_request, booths=("A02",))
    with app.app_context():
        with pytest.raises(einvoices.InvalidEinvoice) as raised:
            einvoices.record_einvoice(
                request=_request(app, paid_id),
                number="1",
                symbol=f"1C{day.year % 100:02d}TA",
                issued_on=day,
                url="https://x.example.vn/",
            )
        assert raised.value.code == "invalid_einvoice"


def test_a_request_of_another_exhibition_is_not_found(app, client, make_request):
    make_request()
    login_client(app, client)
    response = client.get(f"{BASE}/999999")
    assert response.status_code == 302 and response.headers["Location"].endswith(BASE + "/")


# --- a change of buyer -------------------------------------------------------------------------


def _tasks(app):
    with app.app_context():
        return [
            (t.request_id, t.before, t.after, t.done_at is not None)
            for t in db.session.scalars(sa.select(InvoiceTask).order_by(InvoiceTask.id))
        ]


def _edit_admin(client, exhibitor_id, **typed):
    path = f"/admin/events/expo-2026/exhibitors/{exhibitor_id}/edit"
    page = client.get(path)
    assert page.status_code == 200
    form = form_posting_to(page.text, path, path)
    return client.post(form.action, data=form.data(**typed))


def test_admin_edit_of_the_address_leaves_a_task_once(app, client, make_request):
    request_id = paid(app, make_request, **BUYER)
    other_id = paid(app, make_request, booths=("A02",), bank_ref="FT26009")  # no e-invoice
    login_client(app, client)
    assert record(app, client, request_id).status_code == 302
    with app.app_context():
        exhibitor_id = _request(app, request_id).exhibitor_id
        before = dict(_request(app, request_id).einvoice_buyer)

    # Nothing of the buyer changes: no task.
    assert _edit_admin(client, exhibitor_id, main_products="Khuôn mẫu").status_code == 302
    assert _tasks(app) == []

    response = _edit_admin(client, exhibitor_id, street="Số 9 Điện Biên Phủ", province="HN")
    assert response.status_code == 302
    after = before | {"address": "Số 9 Điện Biên Phủ, Phường Ngô Quyền, Thành phố Hà Nội"}
    assert _tasks(app) == [(request_id, before, after, False)]
    with app.app_context():
        # Never a silent edit: the e-invoice still names the buyer it was issued to.
        assert _request(app, request_id).einvoice_buyer == before
        assert _request(app, other_id).einvoice_buyer == {}
    # Saving again the same data asks nothing more.
    assert _edit_admin(client, exhibitor_id).status_code == 302
    assert len(_tasks(app)) == 1

    page = client.get(BASE + "/tasks")
    assert "Số 9 Điện Biên Phủ" in page.text and "Số 12 Lê Thánh Tông" in page.text
    (task_id,) = [t.id for t in _task_rows(app)]
    path = f"{BASE}/tasks/{task_id}/done"
    form = form_posting_to(page.text, path, BASE + "/tasks")
    refused = client.post(form.action, data=form.data())
    assert refused.status_code == 422
    assert "Say how the e-invoice was adjusted or replaced." in refused.text
    form = form_posting_to(refused.text, path, BASE + "/tasks")
    done = client.post(
        form.action, data=form.data(**{f"task-{task_id}-note": "HĐ thay thế số 130"})
    )
    assert done.status_code == 302
    assert _tasks(app) == [(request_id, before, after, True)]
    with app.app_context():
        assert _request(app, request_id).einvoice_buyer == after
        assert db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "payments.invoice_task_done")
        )
    # Done twice: the second is refused, nothing changes.
    again = client.post(form.action, data=form.data(**{f"task-{task_id}-note": "lại"}))
    assert again.status_code == 302
    assert "Someone has already marked this task done." in html.unescape(
        client.get(BASE + "/tasks").text
    )
    assert _task_rows(app)[0].note == "HĐ thay thế số 130"
    # The buyer now matches what the adjusted e-invoice says: no new task.
    assert _edit_admin(client, exhibitor_id).status_code == 302
    assert len(_tasks(app)) == 1


def _task_rows(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(InvoiceTask).order_by(InvoiceTask.id)).all()
        db.session.expunge_all()
        return rows


def test_portal_edit_of_the_company_name_leaves_a_task(app, client, make_request):
    request_id = paid(app, make_request, **BUYER)
    staff = app.test_client()
    login_client(app, staff)
    assert record(app, staff, request_id).status_code == 302
    with app.app_context():
        before = dict(_request(app, request_id).einvoice_buyer)

    sign_in(app, client, contact=BUYER["contact_email"])
    path = "/events/expo-2026/portal/profile"
    page = client.get(path)
    form = form_posting_to(page.text, path, path)
    assert client.post(form.action, data=form.data(contact_name="Trần Văn Nam")).status_code == 302
    assert _tasks(app) == []  # the contact person is not on the e-invoice

    page = client.get(path)
    form = form_posting_to(page.text, path, path)
    renamed = form.data(company_name_vi="Công ty Cổ phần Cơ khí Hải An")
    assert client.post(form.action, data=renamed).status_code == 302
    after = before | {"name": "Công ty Cổ phần Cơ khí Hải An"}
    assert _tasks(app) == [(request_id, before, after, False)]


def test_open_task_with_the_same_change_is_not_repeated_but_a_new_change_is(app, make_request):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.payments import einvoices

    request_id = paid(app, make_request, **BUYER)
    day = today(app)
    with app.app_context():
        request = _request(app, request_id)
        einvoices.record_einvoice(
            request=request,
            number="7",
            symbol=f"1C{day.year % 100:02d}TAA",
            issued_on=day,
            url="https://x.example.vn/7",
        )
        exhibitor = db.session.get(Exhibitor, request.exhibitor_id)
        assert einvoices.note_buyer_change(exhibitor) == []
        exhibitor.street = "Số 1 Trần Phú"
        assert len(einvoices.note_buyer_change(exhibitor)) == 1
        assert einvoices.note_buyer_change(exhibitor) == []
        exhibitor.street = "Số 2 Trần Phú"
        assert len(einvoices.note_buyer_change(exhibitor)) == 1
        db.session.commit()
    assert [t[2]["address"].split(",")[0] for t in _tasks(app)] == [
        "Số 1 Trần Phú",
        "Số 2 Trần Phú",
    ]


# --- the portal --------------------------------------------------------------------------------


def test_portal_shows_the_recorded_einvoice_and_nothing_before(app, client, make_request):
    request_id = paid(app, make_request, **BUYER)
    sign_in(app, client, contact=BUYER["contact_email"])
    home = client.get("/events/expo-2026/portal/")
    assert home.status_code == 200 and 'id="einvoices"' not in home.text

    staff = app.test_client()
    login_client(app, staff)
    assert record(app, staff, request_id, number="4567").status_code == 302
    home = client.get("/events/expo-2026/portal/?lang=vi")
    section = home.text.split('id="einvoices"')[1].split("</section>")[0]
    symbol = f"1C{today(app).year % 100:02d}TAA"
    assert symbol in section and "4567" in section
    assert today(app).strftime("%d/%m/%Y") in section
    assert 'href="https://hoadon.example.vn/tra-cuu?ma=ABC123"' in section


def test_finance_staff_may_record(app, client, make_request):
    from exhibition.accounts.models import Role
    from exhibition.accounts.services import create_organiser, grant_role

    request_id = paid(app, make_request)
    with app.app_context():
        user = create_organiser(
            email="ketoan@example.com", password="mat-khau-dai", administrator=False
        )
        grant_role(user=user, event=get_event(slug="expo-2026"), role=Role.FINANCE)
        db.session.commit()
    login_client(app, client, email="ketoan@example.com")
    assert record(app, client, request_id).status_code == 302
    with app.app_context():
        assert _request(app, request_id).state is RequestState.PAID
        assert _request(app, request_id).einvoice_number == "123"


def test_money_going_back_waits_for_no_einvoice(app, client, make_request):
    from exhibition.payments.services import cancel_request

    request_id = paid(app, make_request)
    with app.app_context():
        cancel_request(request=_request(app, request_id), reason="Doanh nghiệp rút lui")
        db.session.commit()
        reference = _request(app, request_id).reference
        assert _request(app, request_id).state is RequestState.REFUND_DUE
    login_client(app, client)
    assert reference not in client.get(BASE + "/").text
    response = client.get(BASE + "/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 1

"""The organisers' payments pages, used as people use them: each form as the page renders it,
sent with its own button."""

import io

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from exhibition.extensions import db
from exhibition.payments.models import (
    BankTransaction,
    LineKind,
    Outcome,
    PaymentRequest,
    PaymentSettings,
    RequestState,
)
from tests.conftest import login_client
from tests.pages import form_posting_to, forms_in
from tests.payments.conftest import credit

SLUG = "expo-2026"
BASE = f"/admin/events/{SLUG}/payments"


@pytest.fixture
def organiser(app, client):
    return login_client(app, client)


def _request(app, request_id):
    with app.app_context():
        request = db.session.get(PaymentRequest, request_id)
        return {
            "reference": request.reference,
            "total": request.total_vnd,
            "state": request.state,
            "kinds": [line.kind for line in request.lines],
            "paid": request.paid_vnd,
        }


def test_the_receiving_account_is_entered_once_and_checked(app, make_event, organiser):
    make_event()
    page = organiser.get(f"{BASE}/settings")
    assert page.status_code == 200
    form = form_posting_to(page.text, f"{BASE}/settings", f"{BASE}/settings")
    assert form.control("reference_prefix").value == "EXPO"  # suggested from the slug
    sent = organiser.post(
        form.action,
        data=form.data(bank_bin="970436", account_number="0031 000 123 456", account_holder="Sở Công Thương Hải Phòng",
                       seller_tax_code="0100109106", due_days="10"),
    )  # fmt: skip
    assert sent.status_code == 302
    with app.app_context():
        stored = db.session.get(PaymentSettings, 1) or db.session.scalar(sa.select(PaymentSettings))
        assert (stored.account_number, stored.account_holder) == (
            "0031000123456",
            "SO CONG THUONG HAI PHONG",
        )
        assert (stored.reference_prefix, stored.due_days, stored.seller_tax_code) == (
            "EXPO",
            10,
            "0100109106",
        )
    page = organiser.get(f"{BASE}/settings")
    form = form_posting_to(page.text, f"{BASE}/settings", f"{BASE}/settings")
    refused = organiser.post(
        form.action,
        data=form.data(account_number="12", account_holder="😀", reference_prefix="9X", bank_bin="123456",
                       due_days="0", seller_tax_code="0100109107"),
    )  # fmt: skip
    assert refused.status_code == 422
    for message in (
        "Enter the account number: 4 to 19 digits",
        "Enter the account holder",
        "The prefix is 2 to 8 upper-case letters and digits",
        "Not a valid choice.",
        "Enter a number of days from 1 to 90.",
        "Enter a valid Vietnamese tax code",
    ):
        assert message in refused.text, message
    with app.app_context():
        assert db.session.scalar(sa.select(PaymentSettings.account_number)) == "0031000123456"


def test_a_new_webhook_key_is_shown_once(app, payments_event, organiser):
    page = organiser.get(f"{BASE}/settings")
    form = form_posting_to(page.text, f"{BASE}/settings/webhook-key", f"{BASE}/settings")
    shown = organiser.post(form.action, data=form.data())
    assert shown.status_code == 200
    import re

    key = re.search(r'id="webhook-key">([^<]+)<', shown.text).group(1)
    from exhibition.events.services import get_event
    from exhibition.payments.services import settings_of, webhook_key_matches

    with app.app_context():
        assert webhook_key_matches(settings_of(get_event(slug=SLUG)), key)
    assert key not in organiser.get(f"{BASE}/settings").text


def test_confirming_an_exhibitor_bills_its_booths_and_emails_the_request(
    app, payments_event, make_exhibitor, organiser
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.mail.models import MessageKind, OutboxMessage

    exhibitor_id = make_exhibitor()
    with app.app_context():
        assign_booth(booth=db.session.scalar(sa.select(Booth).where(Booth.code == "A03")),
                     exhibitor=db.session.get(Exhibitor, exhibitor_id))  # fmt: skip
        db.session.commit()
    url = f"/admin/events/{SLUG}/exhibitors/{exhibitor_id}"
    page = organiser.get(url)
    assert "Create payment request" in page.text  # a booth on no request yet
    form = form_posting_to(page.text, url, url)
    sent = organiser.post(form.action, data=form.data(status="confirmed"), follow_redirects=True)
    assert "A payment request for its booths has been e-mailed to the company." in sent.text
    with app.app_context():
        request = db.session.scalar(sa.select(PaymentRequest))
        assert request.total_vnd == 16_200_000 and request.lines[0].description_vi.startswith(
            "Gian hàng A03"
        )
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.PAYMENT_REQUEST)
        )
        assert request.reference in mail.body_text and "16.200.000" in mail.body_text
    assert "Create payment request" not in organiser.get(url).text


def test_the_create_button_of_an_exhibitor_page_makes_a_request(
    app, payments_event, make_exhibitor, organiser
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.exhibitors.models import Exhibitor

    exhibitor_id = make_exhibitor()
    with app.app_context():
        assign_booth(booth=db.session.scalar(sa.select(Booth).where(Booth.code == "A04")),
                     exhibitor=db.session.get(Exhibitor, exhibitor_id))  # fmt: skip
        db.session.commit()
    url = f"/admin/events/{SLUG}/exhibitors/{exhibitor_id}"
    form = form_posting_to(organiser.get(url).text, f"{BASE}/requests/new", url)
    made = organiser.post(form.action, data=form.data())
    assert made.status_code == 302 and "/payments/requests/" in made.location
    assert organiser.get(made.location).status_code == 200


def test_lines_are_added_changed_and_removed_through_the_page(app, make_request, organiser):
    request_id = make_request(booths=("A01", "A02"))
    url = f"{BASE}/requests/{request_id}"
    page = organiser.get(url)
    add = form_posting_to(page.text, f"{url}/lines", url)
    sent = organiser.post(
        add.action,
        data=add.data(
            description_vi="Thuê bàn ghế", quantity="3", unit_price_vnd="200000", vat_rate="10"
        ),
    )
    assert sent.status_code == 302
    assert _request(app, request_id)["total"] == 32_400_000 + 660_000
    refused = organiser.post(add.action, data=form_posting_to(organiser.get(url).text, f"{url}/lines", url).data(
        description_vi="", quantity="0", unit_price_vnd="abc"))  # fmt: skip
    assert refused.status_code == 422
    assert (
        "Describe the line." in refused.text
        and "Enter a quantity from 1 to 10,000." in refused.text
    )

    with app.app_context():
        first = db.session.get(PaymentRequest, request_id).lines[0].id
        last = db.session.get(PaymentRequest, request_id).lines[-1].id
    page = organiser.get(f"{url}?edit={first}")
    edit = form_posting_to(page.text, f"{url}/lines/{first}", url)
    assert edit.control("unit_price_vnd").value == "15000000"
    assert organiser.post(edit.action, data=edit.data(unit_price_vnd="14000000")).status_code == 302
    remove = form_posting_to(organiser.get(url).text, f"{url}/lines/{last}/remove", url)
    assert organiser.post(remove.action, data=remove.data()).status_code == 302
    assert _request(app, request_id)["total"] == 14_000_000 + 1_120_000 + 16_200_000


def test_after_money_is_received_a_change_is_an_adjusting_line(app, make_request, organiser):
    request_id = make_request(booths=("A01",))
    facts = _request(app, request_id)
    credit(app, SLUG, 5_000_000, facts["reference"], reference="FT1")
    url = f"{BASE}/requests/{request_id}"
    page = organiser.get(url)
    assert f"{url}/lines/" not in page.text.replace(f'{url}/lines"', "")  # no edit or remove
    assert "Add an adjusting line" in page.text
    add = form_posting_to(page.text, f"{url}/lines", url)
    organiser.post(
        add.action,
        data=add.data(description_vi="Giảm giá", unit_price_vnd="-1000000", vat_rate="8"),
    )
    facts = _request(app, request_id)
    assert facts["kinds"] == [LineKind.BOOTH, LineKind.ADJUSTMENT]
    assert (
        facts["total"] == 16_200_000 - 1_080_000 and facts["state"] is RequestState.PARTIALLY_PAID
    )


def test_cancelling_needs_a_reason_and_a_paid_request_becomes_refund_due(
    app, make_request, organiser
):
    request_id = make_request(booths=("A01",))
    facts = _request(app, request_id)
    credit(app, SLUG, facts["total"], facts["reference"], reference="FT1")
    url = f"{BASE}/requests/{request_id}"
    cancel = form_posting_to(organiser.get(url).text, f"{url}/cancel", url)
    assert organiser.post(cancel.action, data=cancel.data(reason="")).status_code == 422
    cancel = form_posting_to(organiser.get(url).text, f"{url}/cancel", url)
    assert (
        organiser.post(cancel.action, data=cancel.data(reason="Công ty rút lui")).status_code == 302
    )
    assert _request(app, request_id)["state"] is RequestState.REFUND_DUE
    refunds = organiser.get(f"{BASE}/transactions?show=refunds")
    assert "16,200,000" in refunds.text
    with app.app_context():
        transaction_id = db.session.scalar(sa.select(BankTransaction.id))
    done = form_posting_to(
        refunds.text, f"{BASE}/transactions/{transaction_id}/refunded", f"{BASE}/transactions"
    )
    assert organiser.post(done.action, data=done.data()).status_code == 302
    assert "16,200,000" not in organiser.get(f"{BASE}/transactions?show=refunds").text


def _form_with_button(html, url, value):
    (form,) = [f for f in forms_in(html, url) if any(b.value == value for b in f.buttons)]
    return form, next(b for b in form.buttons if b.value == value)


def test_an_unmatched_transaction_is_applied_once_or_discarded(
    app, make_request, organiser, client
):
    from tests.conftest import login_client as sign_in

    request_id = make_request(booths=("A01",))
    facts = _request(app, request_id)
    credit(app, SLUG, facts["total"], "chuyen tien gian hang", reference="FT1")
    credit(app, SLUG, 120_000, "phi dich vu", reference="FT2")
    with app.app_context():
        first, second = db.session.scalars(
            sa.select(BankTransaction.id).order_by(BankTransaction.id)
        )
    url = f"{BASE}/transactions/{first}"
    page = organiser.get(url)
    assert facts["reference"] in page.text  # suggested: it owes exactly this amount
    form, button = _form_with_button(page.text, url, "assign")
    # A second organiser has the same page open and applies it first.
    other = sign_in(app, app.test_client(), email="ke-toan@example.com")
    other_form, other_button = _form_with_button(other.get(url).text, url, "assign")
    assert (
        other.post(
            url, data=other_form.data(other_button, **{"assign-request_id": str(request_id)})
        ).status_code
        == 302
    )
    late = organiser.post(url, data=form.data(button, **{"assign-request_id": str(request_id)}))
    assert late.status_code == 409
    assert "Someone has already dealt with this transaction." in late.text
    assert _request(app, request_id)["paid"] == facts["total"]

    url = f"{BASE}/transactions/{second}"
    form, button = _form_with_button(organiser.get(url).text, url, "assign")
    wrong = organiser.post(url, data=form.data(button, **{"assign-reference": "HP26ZZZZZZZ"}))
    assert wrong.status_code == 422 and "No payment request has this reference" in wrong.text
    form, button = _form_with_button(organiser.get(url).text, url, "discard")
    assert organiser.post(url, data=form.data(button, **{"discard-reason": ""})).status_code == 422
    form, button = _form_with_button(organiser.get(url).text, url, "discard")
    assert (
        organiser.post(
            url, data=form.data(button, **{"discard-reason": "Phí dịch vụ ngân hàng"})
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(BankTransaction, second).outcome is Outcome.DISCARDED


def test_the_vietqr_image_decodes_to_the_outstanding_amount(app, make_request, organiser):
    from exhibition.payments import vietqr

    request_id = make_request(booths=("A01",))
    facts = _request(app, request_id)
    credit(app, SLUG, 6_000_000, facts["reference"], reference="FT1")
    png = organiser.get(f"{BASE}/requests/{request_id}/vietqr.png")
    assert png.mimetype == "image/png"
    (decoded,) = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    expected = vietqr.payload(
        bin="970436", account="0031000123456", amount=10_200_000, purpose=facts["reference"]
    )
    assert decoded == expected
    assert organiser.get(f"{BASE}/requests/{request_id}/vietqr.svg").mimetype == "image/svg+xml"


def test_the_pages_list_filter_and_sum(app, make_request, organiser):
    first, second, third = (make_request(booths=(code,)) for code in ("A01", "A02", "A03"))
    credit(
        app, SLUG, _request(app, first)["total"], _request(app, first)["reference"], reference="FT1"
    )
    credit(app, SLUG, 1_000_000, _request(app, second)["reference"], reference="FT2")
    overview = organiser.get(f"{BASE}/")
    assert overview.status_code == 200
    assert "31,400,000" in overview.text  # owed: 16,200,000 - 1,000,000 + 16,200,000
    paid = organiser.get(f"{BASE}/requests?state=paid")
    assert _request(app, first)["reference"] in paid.text
    assert _request(app, third)["reference"] not in paid.text
    found = organiser.get(f"{BASE}/requests?q={_request(app, third)['reference']}")
    assert (
        _request(app, third)["reference"] in found.text
        and _request(app, first)["reference"] not in found.text
    )
    assert organiser.get(f"{BASE}/requests?state=nonsense&page=999").status_code == 200
    plan = organiser.get(f"/admin/events/{SLUG}/floorplan")
    assert "booth-sold" in plan.text and "booth-unpaid" in plan.text


def test_the_audit_log_words_every_money_action(app, make_request):
    from exhibition.accounts.audit import describe
    from exhibition.accounts.models import AuditEntry

    request_id = make_request(booths=("A01",))
    facts = _request(app, request_id)
    credit(app, SLUG, 1_000_000, facts["reference"], reference="FT1")
    with app.test_request_context("/?lang=en"):
        entries = {e.action: describe(e) for e in db.session.scalars(sa.select(AuditEntry))}
    assert entries["payments.request_created"] == f"{facts['reference']} · ₫16,200,000"
    assert entries["payments.received"] == f"{facts['reference']} · ₫1,000,000 · Part payment"
    assert entries["payments.settings"].startswith("970436")

"""The portal's booth scanners page: a staff member made a scanner gets the set-up link by e-mail
(real SMTP, their language), the link sets the phone up once, and revoking stops it at once;
two phones scanning one visitor at once make one lead."""

import re
import threading

import pytest
import sqlalchemy as sa

from exhibition.exhibitors import portal
from exhibition.exhibitors.lead_models import Lead, LeadScan, LeadScanner
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.worker import deliver_batch
from tests.conftest import use_smtp
from tests.exhibitors.scan_data import scan_booth
from tests.exhibitors.test_portal import sign_in
from tests.pages import forms_in

PAGE = "/events/expo-2026/portal/scanners"


@pytest.fixture
def booth(app, make_event, make_floor, make_exhibitor, make_visitor):
    """A booth with lead retrieval on, two set-up scanners, a sharing and a private visitor."""
    return scan_booth(app, make_event, make_floor, make_exhibitor, make_visitor)


def _form_for(html: str, registration_id: int | None = None, action: str = PAGE):
    """The page's form posting to `action` (for the staff member `registration_id`)."""
    found = [
        form
        for form in forms_in(html, PAGE)
        if form.action.endswith(action)
        and (
            registration_id is None or form.control("registration_id").value == str(registration_id)
        )
    ]
    assert len(found) == 1
    return found[0]


def test_a_staff_member_made_a_scanner_gets_a_link_that_sets_the_phone_up_once(
    app, client, booth, smtp_server
):
    use_smtp(app, smtp_server)
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, booth["exhibitor"])
        staff = portal.add_staff(
            exhibitor=exhibitor,
            data=portal.StaffData(
                full_name="Mai <i>Lan</i>",
                email="lan@example.com",
                phone="+84912345678",
                language="en",
            ),
        )
        staff_id = staff.id
        db.session.commit()
        deliver_batch()  # the badges
    sign_in(app, client, contact="contact1@example.com")
    home = client.get("/events/expo-2026/portal/")
    assert PAGE in home.text
    page = client.get(PAGE + "?lang=en")
    assert page.status_code == 200
    assert "Mai &lt;i&gt;Lan&lt;/i&gt;" in page.text
    form = _form_for(page.text, staff_id)
    made = client.post(form.action, data=form.data())
    assert made.status_code == 302
    assert "lan@example.com" in client.get(made.headers["Location"]).text
    before = len(smtp_server.messages)
    with app.app_context():
        assert deliver_batch()["sent"] >= 1
    message = smtp_server.wait_for(before + 1)[-1]
    assert message["To"] == "lan@example.com"
    assert message["Subject"] == "Your booth scanner for Supporting Industry Expo 2026"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Dear Mai <i>Lan</i>,")
    assert "&lt;i&gt;" in message.get_body(("html",)).get_content()
    path = re.search(r"http://testserver\.local(/checkin/booth/setup/[^\s?]+)", text).group(1)

    phone = client.application.test_client()
    assert phone.get(path).status_code == 200
    code = path.rsplit("/", 1)[1]
    set_up = phone.post("/api/v1/booth/setup", json={"code": code})
    assert set_up.status_code == 200
    token = set_up.json["token"]
    spent = phone.post("/api/v1/booth/setup", json={"code": code})
    assert spent.json["error"]["code"] == "setup_code_invalid"
    headers = {"Authorization": f"Bearer {token}"}
    scanned = phone.post(
        "/api/v1/booth/scan",
        json={"code": booth["codes"]["private"], "nonce": "1"},
        headers=headers,
    )
    assert scanned.json["result"] == "visit"

    page = client.get(PAGE + "?lang=en")
    assert "Set up" in page.text
    with app.app_context():
        scanner_id = db.session.scalar(
            sa.select(LeadScanner.id).where(LeadScanner.registration_id == staff_id)
        )
    revoke = _form_for(page.text, action=f"{PAGE}/{scanner_id}/revoke")
    assert client.post(revoke.action, data=revoke.data()).status_code == 302
    refused = phone.post(
        "/api/v1/booth/scan",
        json={"code": booth["codes"]["private"], "nonce": "2"},
        headers=headers,
    )
    assert (refused.status_code, refused.json["error"]["code"]) == (403, "revoked")
    assert "Revoked scanners" in client.get(PAGE + "?lang=en").text


def test_the_set_up_mail_of_a_vietnamese_staff_member_says_ong_ba(app, client, booth):
    sign_in(app, client, contact="contact1@example.com")
    with app.app_context():
        staff_id = db.session.scalar(
            sa.select(LeadScanner.registration_id).where(LeadScanner.id == booth["scanners"][0])
        )
    form = _form_for(client.get(PAGE).text, staff_id)
    assert client.post(form.action, data=form.data()).status_code == 302
    with app.app_context():
        body = db.session.scalars(
            sa.select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == "lead_scanner_setup")
            .order_by(OutboxMessage.id.desc())
        ).first()
    assert body.startswith("Kính gửi Ông/Bà Lê Văn Hải,")


def test_a_made_up_staff_member_is_refused_and_nothing_is_sent(app, client, booth):
    sign_in(app, client, contact="contact1@example.com")
    page = client.get(PAGE)
    form = [f for f in forms_in(page.text, PAGE) if f.action.endswith(PAGE)][0]
    # A visitor of the exhibition, not a staff member of the company:
    refused = client.post(form.action, data=form.data(registration_id=str(booth["sharing"]["id"])))
    assert refused.status_code == 422
    garbage = client.post(form.action, data=form.data(registration_id="x"))
    assert garbage.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LeadScanner.id))) == 2


def test_two_phones_scanning_one_visitor_at_once_make_one_lead(app, booth):
    """Two scanners, ten parallel scans each, of one visitor: one lead, twenty scans (run on
    PostgreSQL for real concurrency, on SQLite too)."""
    tokens = booth["tokens"]
    start = threading.Barrier(20)
    statuses = []

    def worker(n: int):
        client = app.test_client()
        start.wait()
        response = client.post(
            "/api/v1/booth/scan",
            json={"code": booth["codes"]["sharing"], "nonce": f"p{n}"},
            headers={"Authorization": f"Bearer {tokens[n % 2]}"},
        )
        statuses.append((response.status_code, response.json.get("result")))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [(200, "lead")] * 20
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(LeadScan.id))) == 20
        scans = db.session.scalars(sa.select(LeadScan)).all()
        assert sorted({s.scanner_id for s in scans}) == sorted(booth["scanners"])
        lead = db.session.scalar(sa.select(Lead))
        assert lead.first_scanned_at == min(s.scanned_at for s in scans)
        assert lead.last_scanned_at == max(s.scanned_at for s in scans)

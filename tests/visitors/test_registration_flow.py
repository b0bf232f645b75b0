"""The whole path: the real form (CSRF on), a real SMTP server, a real QR decoder, the check-in API."""

import io
import re

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from exhibition.checkin.models import Scan
from exhibition.extensions import db
from exhibition.mail.worker import run as run_worker
from exhibition.visitors.models import Registration, VisitorCategory
from tests.conftest import csrf_token, on_today, scan, use_smtp


def category_id(app, code="trade"):
    with app.app_context():
        return db.session.scalar(sa.select(VisitorCategory.id).where(VisitorCategory.code == code))


def form_data(app, html, **overrides):
    data = {
        "csrf_token": csrf_token(html),
        "full_name": "Nguyễn Thị Hồng Nhung",
        "email": "nhung.nguyen@example.com",
        "phone": "0912 345 678",
        "organisation": "Công ty TNHH Cơ khí Chính xác Hải An",
        "job_title": "Trưởng phòng Kinh doanh",
        "category": str(category_id(app)),
        "province": "HP",
        "country": "",
        "sectors": ["mechanical", "automation"],
        "language": "vi",
        "consent_processing": "y",
        "consent_share_exhibitors": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return results[0].text


def badge_png(message) -> bytes:
    for part in message.walk():
        if part.get("Content-ID") == "<badge-qr>":
            return part.get_content()
    raise AssertionError("no inline QR image in the e-mail")


def test_register_email_qr_checkin_end_to_end(app, client, make_event, make_device, smtp_server):
    use_smtp(app, smtp_server)
    make_event(**on_today())
    device_token = make_device()

    page = client.get("/events/expo-2026/register")
    assert page.status_code == 200
    response = client.post("/events/expo-2026/register", data=form_data(app, page.text))
    assert response.status_code == 302
    assert re.match(r"^/r/[A-Za-z0-9_-]{43}$", response.headers["Location"])

    assert run_worker(app, once=True) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "nhung.nguyen@example.com"
    assert "Nguyễn Thị Hồng Nhung" in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert 'src="cid:badge-qr"' in html
    manage_path = response.headers["Location"]
    assert f"http://testserver.local{manage_path}" in html
    calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1

    code = decode_qr(badge_png(message))
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        assert code == registration.badge_code
        assert registration.phone == "+84912345678"

    first = scan(client, device_token, code, "nonce-1")
    assert first.status_code == 200
    assert first.json["result"] == "ok"
    assert first.json["attendee"]["name"] == "Nguyễn Thị Hồng Nhung"
    assert first.json["attendee"]["organisation"] == "Công ty TNHH Cơ khí Chính xác Hải An"

    second = scan(client, device_token, code, "nonce-2")
    assert second.json["result"] == "already_checked_in"
    assert second.json["first_checked_in_at"] == first.json["scan"]["scanned_at"]

    replay = scan(client, device_token, code, "nonce-1")
    assert replay.json["result"] == "ok"
    assert replay.json["scan"]["id"] == first.json["scan"]["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 2


def test_register_same_email_twice_makes_no_second_badge(app, client, make_event, smtp_server):
    use_smtp(app, smtp_server)
    make_event()
    page = client.get("/events/expo-2026/register")
    client.post("/events/expo-2026/register", data=form_data(app, page.text))
    page = client.get("/events/expo-2026/register")
    again = client.post(
        "/events/expo-2026/register",
        data=form_data(app, page.text, email="NHUNG.Nguyen@example.com", full_name="Someone Else"),
    )
    assert again.status_code == 302
    assert again.headers["Location"] == "/events/expo-2026/register/sent"
    with app.app_context():
        rows = db.session.scalars(sa.select(Registration)).all()
        assert len(rows) == 1
        assert rows[0].full_name == "Nguyễn Thị Hồng Nhung"
        token = rows[0].manage_token
    run_worker(app, once=True)
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    assert all(f"/r/{token}" in m.get_body(("plain",)).get_content() for m in messages)


def test_register_records_consent_per_purpose_with_version(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/register")
    client.post(
        "/events/expo-2026/register",
        data=form_data(app, page.text, consent_share_exhibitors=None, consent_news="y"),
    )
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        answers = {c.purpose.value: (c.granted, c.wording_version) for c in registration.consents}
        assert answers == {
            "processing": (True, "2026-01"),
            "share_exhibitors": (False, "2026-01"),
            "news": (True, "2026-01"),
        }
        assert all(c.recorded_at.tzinfo is not None for c in registration.consents)


def test_register_without_processing_consent_shows_error_and_stores_nothing(
    app, client, make_event
):
    make_event()
    page = client.get("/events/expo-2026/register")
    response = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, consent_processing=None)
    )
    assert response.status_code == 422
    assert 'id="consent_processing-error"' in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_register_from_abroad_needs_country(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/register")
    response = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, province="ABROAD", country="")
    )
    assert response.status_code == 422
    assert 'id="country-error"' in response.text
    ok = client.post(
        "/events/expo-2026/register",
        data=form_data(app, page.text, province="ABROAD", country="JP", phone="+81 3-1234-5678"),
    )
    assert ok.status_code == 302
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        assert (registration.province_code, registration.country_code) == (None, "JP")
        assert registration.phone == "+81312345678"

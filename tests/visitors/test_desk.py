"""The walk-in desk: a short form for organisers, a badge page at once, no mail without an address."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.services import enqueue, undeliverable
from exhibition.visitors.models import (
    ConsentPurpose,
    Registration,
    RegistrationSource,
    VisitorCategory,
)
from tests.conftest import csrf_token, login_client, on_today, scan

DESK = "/admin/events/expo-2026/desk"


def category_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(VisitorCategory.id).where(VisitorCategory.code == code))


def desk_data(client, **overrides):
    page = client.get(DESK)
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.text),
        "full_name": "Trần Văn Bình",
        "phone": "0912 345 678",
        "email": "",
        "organisation": "Công ty CP Nhựa Hải Phòng",
        "job_title": "Kỹ sư",
        "category": re.search(r'<option selected value="(\d+)"', page.text).group(1),
        "province": "HP",
        "country": "",
        "language": "vi",
        "consent_processing": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def registrations(app):
    with app.app_context():
        return db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()


def outbox(app):
    with app.app_context():
        return [
            (m.to_address, m.kind)
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def badge_id(response) -> int:
    assert response.status_code == 302
    match = re.fullmatch(r"/admin/events/expo-2026/desk/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_desk_form_offers_every_category_with_defaults(app, client, make_event):
    make_event()
    login_client(app, client)
    page = client.get(DESK)
    assert page.status_code == 200
    for name in ("Trade visitor", "General public", "Press", "Delegate", "VIP"):
        assert f">{name}</option>" in page.text
    assert (
        f'<option selected value="{category_id(app, "trade")}">Trade visitor</option>' in page.text
    )
    assert '<option selected value="HP">' in page.text
    assert (
        '<input checked id="language-0" name="language" required type="radio" value="vi">'
        in page.text
    )
    assert '<input autocomplete="off" autofocus id="full_name"' in page.text
    assert "No walk-ins yet today." in page.text
    assert f'href="{DESK}" aria-current="page">Walk-in desk</a>' in page.text


def test_walk_in_without_email_gets_a_badge_and_no_mail(app, client, make_event):
    make_event()
    login_client(app, client)
    response = client.post(DESK, data=desk_data(client, category=category_id(app, "vip")))
    registration_id = badge_id(response)

    (registration,) = registrations(app)
    assert registration.id == registration_id
    assert re.fullmatch(r"walkin-[0-9a-f]{24}@desk\.invalid", registration.email)
    assert registration.email_key == registration.email
    assert registration.has_email is False
    assert registration.source is RegistrationSource.DESK
    assert registration.phone == "+84912345678"
    assert registration.province_code == "HP"
    assert registration.category_id == category_id(app, "vip")
    assert "desk.invalid" not in registration.search_text
    with app.app_context():
        consent = db.session.get(Registration, registration_id).consent_for(
            ConsentPurpose.PROCESSING
        )
        assert consent.granted is True
    assert outbox(app) == []

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Registered: the badge is ready to print." in page.text
    assert '<p class="badge-name">Trần Văn Bình</p>' in page.text
    assert '<p class="badge-org">Công ty CP Nhựa Hải Phòng</p>' in page.text
    assert f'<p class="badge-code">{registration.badge_code}</p>' in page.text
    qr = f"/r/{registration.manage_token}/badge.svg"
    assert f'src="{qr}" alt="QR code of the badge"' in page.text
    assert ">VIP</div>" in page.text
    assert "None given: nothing is e-mailed." in page.text
    assert "Print badge (PDF)" in page.text
    assert f'href="{DESK}">Next walk-in</a>' in page.text
    assert "/static/js/print.js" in page.text
    svg = client.get(qr)
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"

    desk = client.get(DESK)
    assert f'href="{DESK}/{registration_id}">Trần Văn Bình</a>' in desk.text


def test_two_walk_ins_without_email_get_two_badges(app, client, make_event):
    make_event()
    login_client(app, client)
    badge_id(client.post(DESK, data=desk_data(client)))
    badge_id(client.post(DESK, data=desk_data(client, full_name="Lê Thị Mai")))
    first, second = registrations(app)
    assert first.email != second.email
    assert first.badge_code != second.badge_code
    assert outbox(app) == []


def test_walk_in_with_email_queues_the_confirmation(app, client, make_event):
    make_event()
    login_client(app, client)
    response = client.post(
        DESK, data=desk_data(client, email="Binh.Tran@Example.com", language="en")
    )
    registration_id = badge_id(response)
    (registration,) = registrations(app)
    assert registration.email == "Binh.Tran@example.com"
    assert registration.language == "en"
    assert outbox(app) == [("Binh.Tran@example.com", "confirmation")]
    page = client.get(response.headers["Location"])
    assert f"{DESK}/{registration_id}" == response.headers["Location"]
    assert "Binh.Tran@example.com" in page.text
    assert f'<p class="badge-code">{registration.badge_code}</p>' in page.text


def test_walk_in_with_a_registered_email_shows_the_existing_badge(
    app, client, make_event, make_visitor
):
    make_event()
    visitor = make_visitor(email="nhung@example.com")
    login_client(app, client)
    before = outbox(app)
    response = client.post(
        DESK, data=desk_data(client, email="NHUNG@example.com", full_name="Someone Else")
    )
    assert badge_id(response) == visitor["id"]
    assert len(registrations(app)) == 1
    assert outbox(app) == before == [("nhung@example.com", "confirmation")]
    page = client.get(response.headers["Location"])
    assert "This e-mail address is registered already" in page.text
    assert '<p class="badge-name">Nguyễn Thị Hồng Nhung</p>' in page.text
    assert f'<p class="badge-code">{visitor["badge_code"]}</p>' in page.text


def test_walk_in_works_when_online_registration_is_closed(app, client, make_event):
    now = datetime.now(UTC)
    make_event(
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(days=2),
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now - timedelta(days=1),
    )
    assert client.get("/events/expo-2026/register").status_code == 403
    login_client(app, client)
    badge_id(client.post(DESK, data=desk_data(client)))
    assert len(registrations(app)) == 1


def test_walk_in_badge_scans_ok_at_the_door(app, client, make_event, make_device):
    make_event(**on_today())
    token = make_device()
    login_client(app, client)
    badge_id(client.post(DESK, data=desk_data(client)))
    (registration,) = registrations(app)
    answer = scan(client, token, registration.badge_code, "desk-1")
    assert answer.status_code == 200
    assert answer.json["result"] == "ok"


def test_walk_in_from_abroad_needs_a_country(app, client, make_event):
    make_event()
    login_client(app, client)
    response = client.post(DESK, data=desk_data(client, province="ABROAD", country=""))
    assert response.status_code == 422
    assert "Choose the country the person comes from." in response.text
    badge_id(client.post(DESK, data=desk_data(client, province="ABROAD", country="JP")))
    (registration,) = registrations(app)
    assert (registration.province_code, registration.country_code) == (None, "JP")


def test_walk_in_with_a_bad_phone_is_refused(app, client, make_event):
    make_event()
    login_client(app, client)
    response = client.post(DESK, data=desk_data(client, phone="12345"))
    assert response.status_code == 422
    assert "Enter a phone number such as 0912 345 678" in response.text
    assert registrations(app) == []


def test_walk_in_bad_input_is_refused_with_messages(app, client, make_event):
    make_event()
    login_client(app, client)
    cases = [
        ({"full_name": ""}, "Enter the person's full name."),
        ({"phone": ""}, "Enter the person's phone number."),
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
        ({"email": "x@desk.invalid"}, "Enter a valid e-mail address"),
        ({"consent_processing": None}, "Ask the person for this consent first"),
        ({"category": "999999"}, "Not a valid choice."),
        ({"category": "abc"}, "Choose a category."),
        ({"province": "XX"}, "Not a valid choice."),
        ({"language": "fr"}, "Not a valid choice."),
        ({"full_name": "Bình 😀"}, "Use letters, digits and ordinary punctuation only"),
    ]
    for overrides, message in cases:
        response = client.post(DESK, data=desk_data(client, **overrides))
        assert response.status_code == 422, overrides
        assert message in response.text, overrides
    assert registrations(app) == []


def test_desk_category_of_another_event_is_refused(app, client, make_event):
    make_event()
    make_event(slug="other-2026")
    login_client(app, client)
    with app.app_context():
        other = db.session.scalar(
            sa.select(VisitorCategory.id)
            .join(VisitorCategory.event)
            .where(VisitorCategory.code == "trade", VisitorCategory.event.has(slug="other-2026"))
        )
    response = client.post(DESK, data=desk_data(client, category=str(other)))
    assert response.status_code == 422
    assert registrations(app) == []


def test_desk_pages_need_a_login(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    for url in (DESK, f"{DESK}/{visitor['id']}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")
    page = client.get("/events/expo-2026/register")  # a valid CSRF token, without a login
    data = {
        "csrf_token": csrf_token(page.text),
        "full_name": "Trần Văn Bình",
        "phone": "0912345678",
    }
    response = client.post(DESK, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert len(registrations(app)) == 1


def test_desk_badge_of_another_event_or_unknown_is_404(app, client, make_event, make_visitor):
    make_event()
    make_event(slug="other-2026")
    visitor = make_visitor(slug="other-2026", email="elsewhere@example.com")
    login_client(app, client)
    assert client.get(f"{DESK}/{visitor['id']}").status_code == 404
    assert client.get(f"{DESK}/2147483647").status_code == 404
    assert client.get("/admin/events/nope/desk").status_code == 404


def test_recent_walk_ins_lists_only_today_desk_registrations(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="Khách Trực Tuyến")
    login_client(app, client)
    badge_id(client.post(DESK, data=desk_data(client, full_name="Khách Hôm Nay")))
    badge_id(client.post(DESK, data=desk_data(client, full_name="Khách Hôm Qua")))
    with app.app_context():
        yesterday = db.session.scalar(
            sa.select(Registration).where(Registration.full_name == "Khách Hôm Qua")
        )
        yesterday.created_at = datetime.now(UTC) - timedelta(days=1, hours=1)
        db.session.commit()
    page = client.get(DESK)
    assert "Khách Hôm Nay" in page.text
    assert "Khách Hôm Qua" not in page.text
    assert "Khách Trực Tuyến" not in page.text


def test_walk_in_without_email_cannot_be_sent_the_confirmation(app, client, make_event):
    make_event()
    login_client(app, client)
    registration_id = badge_id(client.post(DESK, data=desk_data(client)))
    detail = client.get(f"/admin/events/expo-2026/registrations/{registration_id}")
    assert detail.status_code == 200
    assert "Resend confirmation" not in detail.text
    assert "desk.invalid" not in detail.text
    response = client.post(
        f"/admin/events/expo-2026/registrations/{registration_id}/resend",
        data={"csrf_token": csrf_token(detail.text)},
        follow_redirects=True,
    )
    assert "This person gave no e-mail address: there is nothing to send." in response.text
    assert outbox(app) == []
    listing = client.get("/admin/events/expo-2026/registrations")
    assert "desk.invalid" not in listing.text


def test_outbox_drops_addresses_that_cannot_receive_mail(app):
    assert undeliverable("walkin-abc@desk.invalid")
    assert undeliverable("someone@INVALID")
    assert not undeliverable("someone@example.com")
    assert not undeliverable("invalid@example.com")
    with app.app_context():
        message = enqueue(
            to="walkin-abc@desk.invalid", subject="s", body_text="t", body_html="h", kind="test"
        )
        db.session.commit()
        assert message is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0

"""The walk-in desk: a short form for organisers, a badge page at once, no mail without an address."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from exhibition.accounts.models import Role, User
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.services import enqueue, undeliverable
from exhibition.qr import qr_svg_data_uri
from exhibition.visitors import desk as desk_views
from exhibition.visitors.models import (
    ConsentPurpose,
    Registration,
    RegistrationSource,
    VisitorCategory,
)
from tests.admin.test_staff import account, sign_in
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
    assert "Registered and checked in: the badge is ready to print." in page.text
    assert '<p class="badge-name">Trần Văn Bình</p>' in page.text
    assert '<p class="badge-org">Công ty CP Nhựa Hải Phòng</p>' in page.text
    assert f'<p class="badge-code">{registration.badge_code}</p>' in page.text
    # The QR is drawn inline: its own address would be the person's private link.
    assert registration.manage_token not in page.text
    qr = f'src="{qr_svg_data_uri(registration.badge_code)}" alt="QR code of the badge"'
    assert qr in page.text
    assert ">VIP</div>" in page.text
    assert "None given: nothing is e-mailed." in page.text
    assert "Print badge (PDF)" in page.text
    assert f'href="{DESK}">Next walk-in</a>' in page.text
    assert "/static/js/print.js" in page.text

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


def test_walk_in_badge_at_the_door_is_in_already_unless_the_desk_does_not_check_in(
    app, client, make_event, make_device
):
    make_event(**on_today())
    token = make_device()
    login_client(app, client)
    badge_id(client.post(DESK, data=desk_data(client)))
    (registration,) = registrations(app)
    answer = scan(client, token, registration.badge_code, "desk-1")
    assert (answer.status_code, answer.json["result"]) == (200, "already_checked_in")
    with app.app_context():
        from exhibition.events.services import get_event

        get_event(slug="expo-2026").desk_checks_in = False
        db.session.commit()
    badge_id(client.post(DESK, data=desk_data(client, full_name="Lê Thị Hoa")))
    answer = scan(client, token, registrations(app)[1].badge_code, "desk-2")
    assert (answer.status_code, answer.json["result"]) == (200, "ok")


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


# ---------------------------------------------------------------- what check-in staff may see

PHONE = "+84913579246"  # not the example number in the walk-in form's hint
PHONE_SHOWN = re.compile(r"(\+84|0)\s?913\s?579\s?246")


class _Forms(HTMLParser):
    """The forms of a page as rendered: attributes, and the named fields with their values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = {**attributes, "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select") and attributes.get("name"):
            self._form["fields"].setdefault(attributes["name"], attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def desk_search(client, query):
    """Search with the desk page's own search form, as the page renders it."""
    page = client.get(DESK)
    (form,) = [f for f in forms_of(page.text) if f.get("role") == "search"]
    assert form.get("method", "get").lower() == "get"
    (name,) = [n for n in form["fields"] if n != "csrf_token"]
    return client.get(form["action"], query_string={name: query})


def result_links(html: str) -> dict[str, str]:
    """The badge links of the desk's search results, by the name shown."""
    section = html.split('id="desk-search-results"', 1)[1].split("</section>", 1)[0]
    return {
        name: link.replace("&amp;", "&")
        for link, name in re.findall(r'<a href="([^"]+)">([^<]+)</a>', section)
    }


def print_from(client, page_html):
    """Print the badge with the badge page's own print form."""
    (form,) = [f for f in forms_of(page_html) if "print-pdf" in f.get("class", "")]
    return client.post(form["action"], data={**form["fields"], "layout": "a6"})


def checkin_staff(app, email="soat@example.com"):
    account(app, email, role=Role.CHECKIN)
    return sign_in(app.test_client(), email)


def test_desk_badge_of_an_online_registration_is_404_for_checkin_staff(
    app, make_event, make_visitor
):
    make_event()
    visitor = make_visitor(email="nhung.online@example.com", phone=PHONE)
    staff = checkin_staff(app)
    page = staff.get(f"{DESK}/{visitor['id']}")
    assert page.status_code == 404
    assert "nhung.online@example.com" not in page.text
    assert not PHONE_SHOWN.search(page.text)
    assert visitor["badge_code"] not in page.text
    form = staff.get(DESK)
    pdf = staff.post(
        f"/admin/events/expo-2026/registrations/{visitor['id']}/badge.pdf",
        data={"csrf_token": csrf_token(form.text), "layout": "a6"},
    )
    assert pdf.status_code == 404
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).badge_printed_at is None


def test_desk_search_finds_a_person_whose_badge_opens_without_contact_details(
    app, make_event, make_visitor
):
    make_event()
    visitor = make_visitor(email="nhung.online@example.com", phone=PHONE)
    cuong = make_visitor(
        full_name="Phạm Văn Cường", email="cuong@example.com", phone="+84987654321"
    )
    staff = checkin_staff(app)

    found = desk_search(staff, "nhung hai an")
    assert found.status_code == 200
    links = result_links(found.text)
    assert list(links) == ["Nguyễn Thị Hồng Nhung"]
    results = found.text.split('id="desk-search-results"', 1)[1].split("</section>", 1)[0]
    assert "Công ty TNHH Cơ khí Hải An" in results
    assert "Trade visitor" in results
    assert "Valid" in results
    assert "nhung.online@example.com" not in found.text
    assert not PHONE_SHOWN.search(found.text)
    assert list(result_links(desk_search(staff, "0987 654 321").text)) == ["Phạm Văn Cường"]
    assert list(result_links(desk_search(staff, "cuong@example").text)) == ["Phạm Văn Cường"]
    short = desk_search(staff, "ng")
    assert "Type at least 3 characters." in short.text
    assert result_links(short.text) == {}

    badge = staff.get(links["Nguyễn Thị Hồng Nhung"])
    assert badge.status_code == 200
    assert '<p class="badge-name">Nguyễn Thị Hồng Nhung</p>' in badge.text
    assert f'<p class="badge-code">{visitor["badge_code"]}</p>' in badge.text
    assert "nhung.online@example.com" not in badge.text
    assert not PHONE_SHOWN.search(badge.text)
    assert visitor["manage_token"] not in badge.text  # the person's own private link
    printed = print_from(staff, badge.text)
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).badge_printed_at is not None

    # The link is bound to the staff member who searched, and to that person.
    other = checkin_staff(app, "soat2@example.com")
    assert other.get(links["Nguyễn Thị Hồng Nhung"]).status_code == 404
    assert print_from(staff, badge.text).status_code == 200
    ref = re.search(r"ref=([^&]+)", links["Nguyễn Thị Hồng Nhung"]).group(1)
    tampered = ref[:-2] + ("AA" if ref[-2:] != "AA" else "BB")
    assert staff.get(f"{DESK}/{visitor['id']}?ref={tampered}").status_code == 404
    assert staff.get(f"{DESK}/{cuong['id']}?ref={ref}").status_code == 404


def test_desk_search_link_expires(app, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    staff = checkin_staff(app)
    link = result_links(desk_search(staff, "nhung").text)["Nguyễn Thị Hồng Nhung"]
    assert staff.get(link).status_code == 200

    class Earlier(TimestampSigner):
        def get_timestamp(self):
            return super().get_timestamp() - desk_views.BADGE_REF_MAX_AGE - 60

    with app.app_context():
        salt = desk_views._ref_serializer().salt
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "soat@example.com"))
    # The same reference as the page's, signed as if the search was made 16 minutes ago.
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=salt, signer=Earlier)
    expired = signer.dumps([user_id, visitor["id"]])
    assert staff.get(f"{DESK}/{visitor['id']}?ref={expired}").status_code == 404


def test_walk_in_made_by_checkin_staff_opens_its_badge_and_prints(app, make_event, make_visitor):
    make_event()
    staff = checkin_staff(app)
    response = staff.post(DESK, data=desk_data(staff, email="binh@example.com", phone=PHONE))
    registration_id = badge_id(response)
    badge = staff.get(response.headers["Location"])
    assert badge.status_code == 200
    assert '<p class="badge-name">Trần Văn Bình</p>' in badge.text
    assert "binh@example.com" not in badge.text
    assert not PHONE_SHOWN.search(badge.text)
    assert "Registration details" not in badge.text  # an organiser's page
    assert print_from(staff, badge.text).status_code == 200
    # Walk-ins stay reachable from the desk's list, by their own id.
    listing = staff.get(DESK)
    assert f'href="{DESK}/{registration_id}">Trần Văn Bình</a>' in listing.text
    assert staff.get(f"{DESK}/{registration_id}").status_code == 200

    # A person registered online who comes to the desk: the existing badge is shown.
    online = make_visitor(email="nhung@example.com")
    again = staff.post(DESK, data=desk_data(staff, email="NHUNG@example.com"))
    assert again.status_code == 302
    existing = staff.get(again.headers["Location"])
    assert existing.status_code == 200
    assert f'<p class="badge-code">{online["badge_code"]}</p>' in existing.text
    assert "nhung@example.com" not in existing.text


def test_organiser_sees_email_and_phone_on_any_desk_badge(app, make_event, make_visitor):
    make_event()
    visitor = make_visitor(email="nhung.online@example.com", phone=PHONE)
    account(app, "btc.org@example.com", role=Role.ORGANISER)
    organiser = sign_in(app.test_client(), "btc.org@example.com")
    page = organiser.get(f"{DESK}/{visitor['id']}")
    assert page.status_code == 200
    assert "nhung.online@example.com" in page.text
    assert "0913 579 246" in page.text
    assert "Registration details" in page.text
    assert print_from(organiser, page.text).status_code == 200


def test_the_desk_checks_the_walk_in_in_unless_the_exhibition_says_not_to_in_chromium(
    app, make_event, browser, live_server
):
    from exhibition.checkin.models import Device, Scan
    from exhibition.checkin.stats import event_stats
    from exhibition.events.services import get_event
    from tests.programme.test_browser import sign_in as browser_sign_in

    make_event()  # the desk is open before the exhibition too: the person is let in anyway

    def checked_in():
        with app.test_request_context():
            return event_stats(event=get_event(slug="expo-2026"))["totals"]["checked_in"]

    def register(name):
        page.goto(f"{live_server}{DESK}")
        page.fill("#full_name", name)
        page.fill("#phone", "0912 345 678")
        page.check("#consent_processing")
        page.click("button:has-text('Register and show the badge')")
        page.wait_for_url("**/desk/*")
        return page.inner_text(".flashes")

    page = browser.new_page()
    browser_sign_in(app, page, live_server)
    assert checked_in() == 0
    assert "Registered and checked in" in register("Trần Văn Bình")
    assert checked_in() == 1
    with app.app_context():
        organiser = db.session.scalar(sa.select(User).where(User.email == "btc@example.com"))
        (scan,) = db.session.scalars(sa.select(Scan)).all()
        assert (scan.device.user_id, scan.admitted) == (organiser.id, True)
        assert scan.registration.full_name == "Trần Văn Bình"

    page.goto(f"{live_server}/admin/events/expo-2026/edit")
    assert page.is_checked("#desk_checks_in")  # on by default
    page.uncheck("#desk_checks_in")
    page.click("button:has-text('Save')")
    page.wait_for_selector(".flash-success")
    with app.app_context():
        assert get_event(slug="expo-2026").desk_checks_in is False
    flashed = register("Lê Thị Hoa")
    assert "Registered: the badge is ready to print." in flashed
    assert checked_in() == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Device)) == 1

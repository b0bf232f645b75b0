"""Organiser pages: sign-in, search, export, mail queue, devices, registrations, events, categories."""

import csv
import io
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa

from exhibition.accounts.models import User
from exhibition.accounts.services import create_organiser
from exhibition.checkin.models import Device
from exhibition.events.models import Event
from exhibition.extensions import db
from exhibition.labels import label
from exhibition.mail.models import MessageKind, MessageStatus, OutboxMessage
from exhibition.visitors.models import VisitorCategory
from tests.conftest import csrf_token, on_today, scan

EMAIL = "organiser@example.com"
PASSWORD = "correct-horse-42"


def create_user(app, email=EMAIL, password=PASSWORD):
    with app.app_context():
        create_organiser(email=email, password=password, name="Ban tổ chức")
        db.session.commit()


def post_login(client, email=EMAIL, password=PASSWORD, next_=None):
    page = client.get("/admin/login?lang=en")  # the session keeps English, for exact texts
    url = "/admin/login" if next_ is None else f"/admin/login?{urlencode({'next': next_})}"
    return client.post(
        url, data={"csrf_token": csrf_token(page.text), "email": email, "password": password}
    )


def login(app, client):
    create_user(app)
    response = post_login(client)
    assert response.status_code == 302
    return response


def token_of(client, path):
    return csrf_token(client.get(path).text)


def category_id(app, code, slug="expo-2026"):
    with app.app_context():
        return db.session.scalar(
            sa.select(VisitorCategory.id)
            .join(Event, Event.id == VisitorCategory.event_id)
            .where(Event.slug == slug, VisitorCategory.code == code)
        )


def listed_names(html):
    """Names in the registrations table (each is a link to the registration)."""
    return re.findall(r'/registrations/\d+">([^<]+)</a>', html)


# ---------------------------------------------------------------- sign-in


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/mail", "/admin/events/expo-2026/registrations"],
)
def test_admin_pages_anonymous_redirect_to_login(client, make_event, path):
    make_event()
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/login"
    assert parse_qs(location.query) == {"next": [path]}


def test_login_wrong_password_is_refused_and_changes_nothing(app, client):
    create_user(app)
    with app.app_context():
        before = db.session.execute(sa.select(User.password_hash, User.last_login_at)).one()

    response = post_login(client, password="wrong-password")

    assert response.status_code == 401
    error = re.search(
        r'<p class="error" id="password-error" role="alert">([^<]*)</p>', response.text
    )
    assert error is not None
    assert error.group(1) == "The e-mail or password is not right."
    with app.app_context():
        after = db.session.execute(sa.select(User.password_hash, User.last_login_at)).one()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert tuple(after) == tuple(before)
    assert after.last_login_at is None
    assert client.get("/admin/").status_code == 302


def test_login_unknown_email_is_refused(app, client):
    create_user(app)
    response = post_login(client, email="nobody@example.com")
    assert response.status_code == 401
    assert 'id="password-error"' in response.text


def test_login_right_password_redirects_to_dashboard(app, client):
    create_user(app)
    response = post_login(client, email="  Organiser@Example.com ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    with app.app_context():
        last_login = db.session.scalar(sa.select(User.last_login_at))
    assert last_login is not None
    assert abs((datetime.now(UTC) - last_login).total_seconds()) < 60
    assert client.get("/admin/").status_code == 200


def test_login_next_local_path_is_followed(app, client):
    create_user(app)
    anonymous = client.get("/admin/mail?status=failed")
    assert anonymous.status_code == 302
    login_url = anonymous.headers["Location"]
    page = client.get(login_url)
    assert page.status_code == 200

    response = client.post(
        login_url, data={"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/mail?status=failed"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http:/evil.example/",
        "/\t/evil.example/",
        "admin/",
    ],
)
def test_login_next_off_site_goes_to_dashboard(app, client, target):
    create_user(app)
    response = post_login(client, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_login_next_with_backslash_stays_on_site(app, client):
    # Browsers read "/\evil.example" as "//evil.example"; the Location must not point off-site.
    create_user(app)
    response = post_login(client, next_="/\\evil.example/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location.replace("\\", "/")).netloc == ""


def test_login_post_without_csrf_token_is_refused(app, client):
    create_user(app)
    client.get("/admin/login")
    response = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(User.last_login_at)) is None
    assert client.get("/admin/").status_code == 302


def test_logout_ends_the_session(app, client):
    login(app, client)
    response = client.post("/admin/logout", data={"csrf_token": token_of(client, "/admin/")})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


# ---------------------------------------------------------------- registrations: search, filter


def test_registrations_search_ignores_diacritics_and_case(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="Nguyễn Thị Hồng Nhung")
    make_visitor(full_name="Trần Văn Bình")
    make_visitor(full_name="Đỗ Đức Anh")
    login(app, client)

    everyone = client.get("/admin/events/expo-2026/registrations")
    assert everyone.status_code == 200
    assert sorted(listed_names(everyone.text)) == sorted(
        ["Nguyễn Thị Hồng Nhung", "Trần Văn Bình", "Đỗ Đức Anh"]
    )

    cases = {
        "nguyen thi hong": ["Nguyễn Thị Hồng Nhung"],
        "NHUNG": ["Nguyễn Thị Hồng Nhung"],
        "Nguyễn": ["Nguyễn Thị Hồng Nhung"],
        "do duc": ["Đỗ Đức Anh"],
        "Đức": ["Đỗ Đức Anh"],
        "ĐỖ": ["Đỗ Đức Anh"],
        "tran binh": ["Trần Văn Bình"],
        "nguyen binh": [],
    }
    for query, expected in cases.items():
        response = client.get("/admin/events/expo-2026/registrations", query_string={"q": query})
        assert response.status_code == 200
        assert listed_names(response.text) == expected, query


def test_registrations_search_words_in_url_form(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="Nguyễn Thị Hồng Nhung")
    make_visitor(full_name="Trần Văn Bình")
    login(app, client)
    response = client.get("/admin/events/expo-2026/registrations?q=nguyen+thi+hong")
    assert listed_names(response.text) == ["Nguyễn Thị Hồng Nhung"]
    assert "1 registration" in response.text


def test_registrations_search_wildcards_are_literal(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="Trần Văn Bình")
    login(app, client)
    for query in ("%", "_", "\\"):
        response = client.get("/admin/events/expo-2026/registrations", query_string={"q": query})
        assert listed_names(response.text) == [], query


def test_registrations_list_escapes_names(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="<b>Đậm</b>", organisation="<script>x()</script>")
    login(app, client)
    response = client.get("/admin/events/expo-2026/registrations")
    assert "&lt;b&gt;Đậm&lt;/b&gt;" in response.text
    assert "&lt;script&gt;x()&lt;/script&gt;" in response.text
    assert "<b>Đậm" not in response.text
    assert "<script>x()" not in response.text


def test_registrations_category_filter_shows_only_that_category(
    app, client, make_event, make_visitor
):
    make_event()
    make_visitor(category="press", full_name="Phạm Thu Hà")
    make_visitor(category="trade", full_name="Vũ Quang Hải")
    login(app, client)
    press = category_id(app, "press")
    response = client.get(f"/admin/events/expo-2026/registrations?category={press}")
    assert response.status_code == 200
    assert listed_names(response.text) == ["Phạm Thu Hà"]
    assert f'<option value="{press}" selected>' in response.text


def test_registrations_of_unknown_event_is_404(app, client):
    login(app, client)
    assert client.get("/admin/events/nope/registrations").status_code == 404


# ---------------------------------------------------------------- CSV export


# The registrations export's columns, in English (the language of the signed-in page).
COLUMNS = [
    "Registration no.", "Registered at", "Status", "Category", "Full name", "E-mail", "Phone",
    "Organisation", "Job title", "Province or city", "Country", "Sectors", "Language for e-mails",
    "Badge code", "Checked in at", "Consent: processing for the event",
    "Consent: sharing with exhibitors", "Consent: news", "Consent: business matching",
    "Consent wording version",
    "Registered through",
]  # fmt: skip


def export(client, **params):
    response = client.get("/admin/events/expo-2026/registrations.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="expo-2026-registrations-'
    )
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_neutralises_spreadsheet_formulas(app, client, make_event, make_visitor):
    make_event()
    first = make_visitor(
        full_name='=HYPERLINK("http://x")', organisation="+cmd", job_title="@SUM(1)"
    )
    second = make_visitor(full_name="Lê Văn Tám", organisation="Công ty Ba Sao", job_title="-2+3")
    login(app, client)

    rows = export(client)

    assert rows[0] == COLUMNS
    records = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert sorted(records) == sorted([str(first["id"]), str(second["id"])])
    one, two = records[str(first["id"])], records[str(second["id"])]
    assert one["Full name"] == '\'=HYPERLINK("http://x")'
    assert one["Organisation"] == "'+cmd"
    assert one["Job title"] == "'@SUM(1)"
    assert two["Full name"] == "Lê Văn Tám"
    assert two["Organisation"] == "Công ty Ba Sao"
    assert two["Job title"] == "'-2+3"
    assert one["E-mail"] == first["email"]
    assert one["Badge code"] == first["badge_code"]
    assert (one["Status"], one["Category"], one["Province or city"], one["Country"]) == (
        "Confirmed",
        "Trade visitor",
        "Hai Phong",
        "Vietnam",
    )
    assert (
        one["Consent: processing for the event"],
        one["Consent: sharing with exhibitors"],
        one["Consent: news"],
    ) == ("Yes", "No", "No")
    assert one["Consent wording version"] == "2026-01"
    assert one["Registered through"] == "Signed up online"
    for record in records.values():
        for value in record.values():
            assert not value or value[0] not in "=+-@\t\r", value


def test_export_honours_search(app, client, make_event, make_visitor):
    make_event()
    make_visitor(full_name="Nguyễn Thị Hồng Nhung")
    make_visitor(full_name="Trần Văn Bình")
    login(app, client)
    rows = export(client, q="tran van")
    assert rows[0] == COLUMNS
    assert [row[COLUMNS.index("Full name")] for row in rows[1:]] == ["Trần Văn Bình"]


def test_export_honours_category_filter(app, client, make_event, make_visitor):
    make_event()
    make_visitor(category="press", full_name="Phạm Thu Hà")
    make_visitor(category="trade", full_name="Vũ Quang Hải")
    login(app, client)
    rows = export(client, category=category_id(app, "press"))
    assert [row[COLUMNS.index("Full name")] for row in rows[1:]] == ["Phạm Thu Hà"]


# ---------------------------------------------------------------- outbox


def status_pill(html, message_id):
    row = re.search(rf"<tr>\s*<td>{message_id}</td>.*?</tr>", html, re.S)
    assert row is not None, f"message {message_id} not listed"
    pill = re.search(r'<span class="pill pill-mail-(\w+)">([^<]+)</span>', row.group(0))
    return pill.group(1), pill.group(2)


def test_outbox_lists_confirmation_with_status(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    login(app, client)
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        message_id, subject, kind = message.id, message.subject, message.kind
    # Not written yet: the mail worker writes it when it first sends it (issue 19); until then
    # the list names it by its kind.
    assert subject == ""
    with app.test_request_context("/?lang=en"):  # login() signs in in English
        kind_label = str(label(MessageKind(kind)))

    response = client.get("/admin/mail")

    assert response.status_code == 200
    assert f'<td><a href="/admin/mail/{message_id}">{kind_label}</a></td>' in response.text
    assert f"<td>{visitor['email']}</td>" in response.text
    assert status_pill(response.text, message_id) == ("pending", "Waiting")


def test_outbox_status_filter_shows_only_failed(app, client, make_event, make_visitor):
    make_event()
    failed = make_visitor(email="failed@example.com")
    make_visitor(email="waiting@example.com")
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.registration_id == failed["id"])
        )
        message.status = MessageStatus.FAILED
        message.attempts = 8
        message.last_error = "550 mailbox unavailable"
        db.session.commit()
        failed_id = message.id
    login(app, client)

    response = client.get("/admin/mail?status=failed")

    assert response.status_code == 200
    assert "failed@example.com" in response.text
    assert "waiting@example.com" not in response.text
    assert status_pill(response.text, failed_id) == ("failed", "Failed")
    assert "550 mailbox unavailable" in response.text
    everything = client.get("/admin/mail")
    assert "failed@example.com" in everything.text
    assert "waiting@example.com" in everything.text


def test_outbox_retry_puts_failed_message_back_to_pending(app, client, make_event, make_visitor):
    make_event()
    make_visitor()
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        message.status = MessageStatus.FAILED
        message.attempts = 8
        message.next_attempt_at = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()
        message_id = message.id
    login(app, client)
    started = datetime.now(UTC)

    response = client.post(
        f"/admin/mail/{message_id}/retry", data={"csrf_token": token_of(client, "/admin/mail")}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/mail"
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.status is MessageStatus.PENDING
        assert message.attempts == 0
        assert message.next_attempt_at >= started.replace(microsecond=0)


def test_outbox_retry_without_csrf_token_is_refused(app, client, make_event, make_visitor):
    make_event()
    make_visitor()
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        message.status = MessageStatus.FAILED
        db.session.commit()
        message_id = message.id
    login(app, client)
    assert client.post(f"/admin/mail/{message_id}/retry").status_code == 400
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status is MessageStatus.FAILED


# ---------------------------------------------------------------- devices


NEW_TOKEN = re.compile(r'<input id="new-token" class="mono" type="text" readonly value="([^"]+)"')


def test_device_created_token_shown_once_and_works_until_revoked(app, client, make_event):
    make_event()
    login(app, client)
    page = client.get("/admin/events/expo-2026/devices")
    assert 'id="new-token"' not in page.text

    with app.app_context():
        from exhibition.checkin.models import Checkpoint

        entrance = db.session.scalar(sa.select(Checkpoint.id))
    created = client.post(
        "/admin/events/expo-2026/devices",
        data={"csrf_token": csrf_token(page.text), "name": "Cổng 3", "checkpoint": str(entrance)},
    )

    assert created.status_code == 200
    tokens = NEW_TOKEN.findall(created.text)
    assert len(tokens) == 1
    token = tokens[0]
    assert 'id="new-token"' not in client.get("/admin/events/expo-2026/devices").text
    with app.app_context():
        device = db.session.scalar(sa.select(Device))
        device_id = device.id
        assert device.name == "Cổng 3"
        assert token not in device.token_hash

    ok = scan(client, token, "X", "n1")
    assert ok.status_code == 200
    assert ok.json["result"] == "invalid"

    revoked = client.post(
        f"/admin/events/expo-2026/devices/{device_id}/revoke",
        data={"csrf_token": token_of(client, "/admin/events/expo-2026/devices")},
    )
    assert revoked.status_code == 302
    assert revoked.headers["Location"] == "/admin/events/expo-2026/devices"

    refused = scan(client, token, "X", "n2")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "device_revoked"


def test_device_without_name_is_refused(app, client, make_event):
    make_event()
    login(app, client)
    response = client.post(
        "/admin/events/expo-2026/devices",
        data={"csrf_token": token_of(client, "/admin/events/expo-2026/devices"), "name": "  "},
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert 'id="new-token"' not in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Device)) == 0


def test_device_revoke_of_other_event_is_404(app, client, make_event, make_device):
    make_event()
    make_event(slug="other-2026")
    make_device(slug="other-2026")
    login(app, client)
    with app.app_context():
        device_id = db.session.scalar(sa.select(Device.id))
    response = client.post(
        f"/admin/events/expo-2026/devices/{device_id}/revoke",
        data={"csrf_token": token_of(client, "/admin/events/expo-2026/devices")},
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(Device.revoked_at)) is None


# ---------------------------------------------------------------- one registration


def detail_url(visitor):
    return f"/admin/events/expo-2026/registrations/{visitor['id']}"


def test_registration_detail_shows_consents(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    login(app, client)
    response = client.get(detail_url(visitor))
    assert response.status_code == 200
    consents = re.findall(
        r"<tr><td>([^<]+)</td>\s*<td>(Yes|No)</td><td>([^<]+)</td>", response.text
    )
    assert consents == [
        ("Processing for the event", "Yes", "2026-01"),
        ("Sharing with exhibitors who scan the badge", "No", "2026-01"),
        ("News", "No", "2026-01"),
    ]
    assert visitor["badge_code"] in response.text


def test_registration_detail_of_other_event_is_404(app, client, make_event, make_visitor):
    make_event()
    make_event(slug="other-2026")
    visitor = make_visitor(slug="other-2026")
    login(app, client)
    assert client.get(detail_url(visitor)).status_code == 404


def test_registration_resend_enqueues_second_message(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    login(app, client)
    response = client.post(
        f"{detail_url(visitor)}/resend", data={"csrf_token": token_of(client, detail_url(visitor))}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == detail_url(visitor)
    with app.app_context():
        messages = db.session.execute(
            sa.select(OutboxMessage.kind, OutboxMessage.to_address, OutboxMessage.status)
            .where(OutboxMessage.registration_id == visitor["id"])
            .order_by(OutboxMessage.id)
        ).all()
    assert [tuple(m) for m in messages] == [
        ("confirmation", visitor["email"], MessageStatus.PENDING),
        ("confirmation_resent", visitor["email"], MessageStatus.PENDING),
    ]


def test_registration_resend_of_cancelled_registration_sends_nothing(
    app, client, make_event, make_visitor
):
    make_event()
    visitor = make_visitor()
    login(app, client)
    token = token_of(client, detail_url(visitor))
    assert (
        client.post(f"{detail_url(visitor)}/cancel", data={"csrf_token": token}).status_code == 302
    )

    response = client.post(f"{detail_url(visitor)}/resend", data={"csrf_token": token})

    assert response.status_code in (302, 409)
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(OutboxMessage.kind)
            .where(OutboxMessage.registration_id == visitor["id"])
            .order_by(OutboxMessage.id)
        ).all()
    assert kinds == ["confirmation"]


def test_registration_cancel_makes_badge_cancelled_at_checkin(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    device_token = make_device()
    login(app, client)
    response = client.post(
        f"{detail_url(visitor)}/cancel", data={"csrf_token": token_of(client, detail_url(visitor))}
    )
    assert response.status_code == 302
    result = scan(client, device_token, visitor["badge_code"], "n1")
    assert result.status_code == 200
    assert result.json["result"] == "cancelled"
    page = client.get(detail_url(visitor))
    assert "<dd>Cancelled</dd>" in page.text
    assert "Cancel registration" not in page.text


def test_registration_cancel_without_csrf_token_is_refused(
    app, client, make_event, make_visitor, make_device
):
    make_event(**on_today())
    visitor = make_visitor()
    device_token = make_device()
    login(app, client)
    assert client.post(f"{detail_url(visitor)}/cancel").status_code == 400
    assert scan(client, device_token, visitor["badge_code"], "n1").json["result"] == "ok"


# ---------------------------------------------------------------- events


def event_form(html, **overrides):
    data = {
        "csrf_token": csrf_token(html),
        "slug": "cnht-haiphong-2026",
        "name_vi": "Triển lãm Công nghiệp hỗ trợ Hải Phòng 2026",
        "name_en": "Hai Phong Supporting Industry Expo 2026",
        "venue_vi": "Trung tâm Hội chợ Triển lãm Hải Phòng",
        "contact_email": "xttm@example.com",
        "starts_at": "2026-11-24T09:00",
        "ends_at": "2026-11-27T17:00",
        "registration_opens_at": "2026-09-01T00:00",
        "registration_closes_at": "2026-11-27T12:00",
    }
    data.update(overrides)
    return data


def count_events(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Event))


def test_event_create_stores_event_in_vietnam_time(app, client):
    login(app, client)
    page = client.get("/admin/events/new")
    assert page.status_code == 200
    response = client.post("/admin/events/new", data=event_form(page.text))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/events/cnht-haiphong-2026/registrations"
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == "cnht-haiphong-2026"))
        assert event.name_vi == "Triển lãm Công nghiệp hỗ trợ Hải Phòng 2026"
        assert event.starts_at == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
        assert event.ends_at == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
        codes = db.session.scalars(
            sa.select(VisitorCategory.code)
            .where(VisitorCategory.event_id == event.id)
            .order_by(VisitorCategory.position)
        ).all()
    assert codes == ["trade", "public", "press", "delegate", "vip"]


def test_event_create_duplicate_slug_shows_error_at_slug(app, client, make_event):
    make_event()
    login(app, client)
    page = client.get("/admin/events/new")
    response = client.post("/admin/events/new", data=event_form(page.text, slug="expo-2026"))
    assert response.status_code == 422
    error = re.search(r'id="slug-error" role="alert">([^<]*)</p>', response.text)
    assert error is not None
    assert error.group(1) == "Another exhibition already uses this short name."
    assert count_events(app) == 1


def test_event_create_end_before_start_shows_error_at_end(app, client):
    login(app, client)
    page = client.get("/admin/events/new")
    response = client.post(
        "/admin/events/new",
        data=event_form(page.text, starts_at="2026-11-24T09:00", ends_at="2026-11-24T08:00"),
    )
    assert response.status_code == 422
    error = re.search(r'id="ends_at-error" role="alert">([^<]*)</p>', response.text)
    assert error is not None
    assert error.group(1) == "The end must be after the start."
    assert count_events(app) == 0


def test_event_create_bad_slug_shows_error_at_slug(app, client):
    login(app, client)
    page = client.get("/admin/events/new")
    response = client.post("/admin/events/new", data=event_form(page.text, slug="Hải Phòng"))
    assert response.status_code == 422
    assert 'id="slug-error"' in response.text
    assert count_events(app) == 0


def test_event_edit_shows_vietnam_time_and_saves(app, client, make_event):
    make_event(
        starts_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
    )
    login(app, client)
    page = client.get("/admin/events/expo-2026/edit")
    assert page.status_code == 200
    assert (
        'id="starts_at" name="starts_at" required type="datetime-local" value="2026-11-24T09:00"'
        in page.text
    )
    response = client.post(
        "/admin/events/expo-2026/edit",
        data=event_form(page.text, slug="expo-2026", name_vi="Tên mới", ends_at="2026-11-28T17:00"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/events/expo-2026/edit"
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        assert (event.name_vi, event.ends_at) == (
            "Tên mới",
            datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        )


def test_event_edit_to_taken_slug_shows_error_at_slug(app, client, make_event):
    make_event()
    make_event(slug="other-2026")
    login(app, client)
    page = client.get("/admin/events/expo-2026/edit")
    response = client.post(
        "/admin/events/expo-2026/edit", data=event_form(page.text, slug="other-2026")
    )
    assert response.status_code == 422
    error = re.search(r'id="slug-error" role="alert">([^<]*)</p>', response.text)
    assert error is not None
    assert error.group(1) == "Another exhibition already uses this short name."
    with app.app_context():
        slugs = db.session.scalars(sa.select(Event.slug).order_by(Event.id)).all()
    assert slugs == ["expo-2026", "other-2026"]


def test_dashboard_counts_confirmed_and_checked_in(
    app, client, make_event, make_visitor, make_device
):
    make_event(**on_today())
    present = make_visitor()
    make_visitor()
    cancelled = make_visitor()
    device_token = make_device()
    assert scan(client, device_token, present["badge_code"], "n1").json["result"] == "ok"
    login(app, client)
    token = token_of(client, detail_url(cancelled))
    client.post(f"{detail_url(cancelled)}/cancel", data={"csrf_token": token})

    response = client.get("/admin/")

    assert response.status_code == 200
    row = re.search(
        r'<tr>\s*<td><a href="/admin/events/expo-2026/registrations">.*?</tr>', response.text, re.S
    )
    assert row is not None
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row.group(0)) == ["2", "1"]


# ---------------------------------------------------------------- categories


def test_category_added_public_appears_on_registration_form(app, client, make_event):
    make_event()
    login(app, client)
    visitor = app.test_client()  # a visitor of the public site, in the default language
    assert "Doanh nghiệp trưng bày" not in visitor.get("/events/expo-2026/register").text
    page = client.get("/admin/events/expo-2026/categories")
    response = client.post(
        "/admin/events/expo-2026/categories",
        data={
            "csrf_token": csrf_token(page.text),
            "code": "exhibitor",
            "name_vi": "Doanh nghiệp trưng bày",
            "name_en": "Exhibitor",
            "color": "#AABBCC",
            "is_public": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/events/expo-2026/categories"
    with app.app_context():
        category = db.session.scalar(
            sa.select(VisitorCategory).where(VisitorCategory.code == "exhibitor")
        )
        assert (category.is_public, category.color, category.position) == (True, "#aabbcc", 5)
        new_id = category.id
    public = visitor.get("/events/expo-2026/register")
    assert public.status_code == 200
    assert f'<option value="{new_id}">Doanh nghiệp trưng bày</option>' in public.text


def test_category_not_public_stays_off_registration_form(app, client, make_event):
    make_event()
    login(app, client)
    page = client.get("/admin/events/expo-2026/categories")
    response = client.post(
        "/admin/events/expo-2026/categories",
        data={
            "csrf_token": csrf_token(page.text),
            "code": "staff",
            "name_vi": "Nhân viên ban tổ chức",
            "name_en": "Staff",
            "color": "#112233",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(VisitorCategory.is_public).where(VisitorCategory.code == "staff")
            )
            is False
        )
    assert "Nhân viên ban tổ chức" not in app.test_client().get("/events/expo-2026/register").text
    assert "Nhân viên ban tổ chức" in client.get("/admin/events/expo-2026/categories").text


def test_category_duplicate_code_shows_error_at_code(app, client, make_event):
    make_event()
    login(app, client)
    page = client.get("/admin/events/expo-2026/categories")
    response = client.post(
        "/admin/events/expo-2026/categories",
        data={
            "csrf_token": csrf_token(page.text),
            "code": "press",
            "name_vi": "Báo chí 2",
            "name_en": "Press 2",
            "color": "#112233",
            "is_public": "y",
        },
    )
    assert response.status_code == 422
    assert 'id="code-error"' in response.text
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(VisitorCategory)
                .where(VisitorCategory.code == "press")
            )
            == 1
        )


def test_registrations_list_pages_through_results(app, client, make_event, make_visitor):
    make_event()
    for number in range(55):
        make_visitor(full_name=f"Khách {number:02d}")
    login(app, client)
    first = client.get("/admin/events/expo-2026/registrations?lang=en")
    assert "55 registrations" in first.text
    assert "Page 1 of 2" in first.text
    second = client.get("/admin/events/expo-2026/registrations?page=2")
    assert len(re.findall(r"/admin/events/expo-2026/registrations/\d+", second.text)) == 5
    assert client.get("/admin/events/expo-2026/registrations?page=99").status_code == 200
    assert client.get("/admin/events/expo-2026/registrations?page=abc").status_code == 200


def test_mail_desk_searches_by_recipient_and_retries_every_failed_message(
    app, client, make_event, make_visitor
):
    from exhibition.mail.models import MessageStatus, OutboxMessage

    make_event()
    first, second = make_visitor(), make_visitor()
    with app.app_context():
        for message in db.session.scalars(sa.select(OutboxMessage)):
            message.status, message.attempts, message.last_error = (
                MessageStatus.FAILED, 8, "550 mailbox unavailable",
            )  # fmt: skip
        db.session.commit()
    login(app, client)
    found = client.get(f"/admin/mail?to={first['email'][:8]}")
    assert first["email"] in found.text and second["email"] not in found.text
    assert "550 mailbox unavailable" in found.text
    assert client.get("/admin/mail?to=%25_%5C").status_code == 200
    token = csrf_token(found.text)
    retried = client.post("/admin/mail/retry-failed", data={"csrf_token": token})
    assert retried.status_code == 302
    with app.app_context():
        statuses = {m.status for m in db.session.scalars(sa.select(OutboxMessage))}
        attempts = {m.attempts for m in db.session.scalars(sa.select(OutboxMessage))}
    assert statuses == {MessageStatus.PENDING} and attempts == {0}

"""Public sign-up: bad input, registration windows, and the "my registration" pages."""

import io
import re
import unicodedata
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.visitors.models import Registration, RegistrationStatus
from tests.conftest import csrf_token, scan, write_outbox
from tests.visitors.test_registration_flow import form_data


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post_form(app, client, **overrides):
    page = client.get("/events/expo-2026/register")
    return client.post("/events/expo-2026/register", data=form_data(app, page.text, **overrides))


def test_register_bad_input_gets_errors_next_to_fields_and_stores_nothing(app, client, make_event):
    make_event()
    cases = {
        "full_name": {"full_name": "N" * 121},
        "email": {"email": "not-an-email"},
        "phone": {"phone": "12345"},
        "organisation": {"organisation": "A" * 201},
        "job_title": {"job_title": "Giám đốc 😀"},
        "category": {"category": "999999"},
        "province": {"province": "XX"},
        "sectors": {"sectors": ["mechanical", "nonsense"]},
        "language": {"language": "fr"},
    }
    for field, overrides in cases.items():
        response = post_form(app, client, **overrides)
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in response.text, field
        assert 'aria-invalid="true"' in response.text or field in ("sectors", "language"), field
        assert 'role="alert"' in response.text
    assert count(app, Registration) == 0
    assert count(app, OutboxMessage) == 0


def test_register_emoji_in_name_is_refused_with_a_message(app, client, make_event):
    make_event()
    response = post_form(app, client, full_name="Nhung 🎉")
    assert response.status_code == 422
    assert 'id="full_name-error"' in response.text
    assert count(app, Registration) == 0


# Names that show nothing (Hangul fillers, zero-width characters) or a letter under a pile of marks.
UNSEEN_NAMES = [
    "\u115f\u1160",
    "\u3164",
    "\u3164\u3164",
    "\uffa0\uffa0",
    "\u200b\u200b",
    "\u200c\u200d",
    "a" + "\u0301" * 119,
    "Lan" + "\u0301\u0323\u0302\u0306",
]


def _name_error(html: str) -> str:
    match = re.search(r'<p class="error" id="full_name-error" role="alert">([^<]+)</p>', html)
    return match.group(1) if match else ""


def test_register_refuses_names_without_visible_letters_or_with_piled_marks(
    app, client, make_event
):
    make_event()
    for name in UNSEEN_NAMES:
        response = post_form(app, client, full_name=name)
        assert response.status_code == 422, repr(name)
        assert _name_error(response.text), repr(name)
    assert count(app, Registration) == 0
    assert count(app, OutboxMessage) == 0


def test_register_name_errors_are_clear_in_both_languages(app, client, make_event):
    make_event()
    expected = {
        "vi": {
            "\u115f\u1160": "Vui lòng nhập tên có ít nhất một chữ cái nhìn thấy được.",
            "a" + "\u0301" * 119: "Một chữ cái mang quá nhiều dấu (tối đa 3).",
        },
        "en": {
            "\u115f\u1160": "Enter a name with at least one visible letter.",
            "a" + "\u0301" * 119: "Too many accent marks on one letter (at most 3).",
        },
    }
    for language, messages in expected.items():
        for name, message in messages.items():
            page = client.get(f"/events/expo-2026/register?lang={language}")
            response = client.post(
                "/events/expo-2026/register", data=form_data(app, page.text, full_name=name)
            )
            assert _name_error(response.text) == message


def test_register_accepts_vietnamese_accents_and_other_scripts(app, client, make_event):
    make_event()
    names = ["Nguyễn Thị Ánh Tuyết", "Phạm Ngọc Ệ", "José Müller", "李小龍"]
    for number, name in enumerate(names):
        for form in ("NFC", "NFD"):
            typed = unicodedata.normalize(form, name)
            response = post_form(app, client, full_name=typed, email=f"p{number}{form}@example.com")
            assert response.status_code == 302, (name, form)
    with app.app_context():
        stored = db.session.scalars(sa.select(Registration.full_name).order_by(Registration.id))
        assert list(stored) == [n for n in names for _ in ("NFC", "NFD")]


def test_register_html_in_name_is_shown_as_text(app, client, make_event):
    make_event()
    response = post_form(app, client, full_name='<script>alert("x")</script> Lan')
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Lan" in page.text
    write_outbox(app)  # the confirmation is written by the mail worker
    with app.app_context():
        html = db.session.scalar(sa.select(OutboxMessage.body_html))
    assert "<script>alert" not in html


def test_register_without_csrf_token_is_refused(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/register")
    data = form_data(app, page.text)
    del data["csrf_token"]
    response = client.post("/events/expo-2026/register", data=data)
    assert response.status_code == 400
    assert count(app, Registration) == 0


def test_register_before_opening_and_after_closing_says_so(app, client, make_event):
    now = datetime.now(UTC)
    make_event(
        slug="later",
        registration_opens_at=now + timedelta(days=2),
        registration_closes_at=now + timedelta(days=9),
    )
    make_event(
        slug="past",
        registration_opens_at=now - timedelta(days=9),
        registration_closes_at=now - timedelta(days=2),
    )
    later = client.get("/events/later/register")
    assert later.status_code == 403
    assert "Chưa mở đăng ký" in later.text
    past = client.get("/events/past/register")
    assert past.status_code == 403
    assert "Đã hết hạn đăng ký" in past.text
    assert client.get("/events/past/register?lang=en").text.count("Registration is closed") == 1
    token = csrf_token(client.get("/admin/login").text)
    assert (
        client.post(
            "/events/past/register", data={"csrf_token": token, "full_name": "x"}
        ).status_code
        == 403
    )
    assert count(app, Registration) == 0


def test_unknown_event_and_unknown_link_answer_404(app, client, make_event):
    make_event()
    assert client.get("/events/nope/register").status_code == 404
    assert client.get("/r/" + "x" * 43).status_code == 404
    assert client.get("/r/" + "x" * 500).status_code == 404
    assert client.get("/r/" + "x" * 43 + "/badge.png").status_code == 404


def test_manage_page_shows_badge_with_decodable_qr(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    page = client.get(f"/r/{visitor['manage_token']}")
    assert page.status_code == 200
    assert "Nguyễn Thị Hồng Nhung" in page.text
    assert visitor["badge_code"] in page.text
    png = client.get(f"/r/{visitor['manage_token']}/badge.png")
    assert png.mimetype == "image/png"
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert result.text == visitor["badge_code"]
    svg = client.get(f"/r/{visitor['manage_token']}/badge.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<?xml") or b"<svg" in svg.data[:200]


def test_manage_calendar_file_has_event_in_vietnam_time(app, client, make_event, make_visitor):
    start = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
    make_event(starts_at=start, ends_at=start + timedelta(days=2, hours=8))
    visitor = make_visitor()
    response = client.get(f"/r/{visitor['manage_token']}/event.ics")
    assert response.mimetype == "text/calendar"
    body = response.data.decode()
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh" in body
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20261210T090000" in body
    assert "SUMMARY:Triển lãm Công nghiệp hỗ trợ 2026" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # A calendar may be shared: the entry links to the public page, never the private link.
    unfolded = body.replace("\r\n ", "")
    assert "URL:http://testserver.local/events/expo-2026/?lang=vi" in unfolded
    assert visitor["manage_token"] not in unfolded


def test_manage_edit_corrects_details(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    url = f"/r/{visitor['manage_token']}/edit"
    page = client.get(url)
    assert 'value="Nguyễn Thị Hồng Nhung"' in page.text
    data = form_data(
        app,
        page.text,
        full_name="Nguyễn Thị Hồng Nhung (Ms)",
        phone="+84 987 654 321",
        province="HN",
    )
    for key in ("email", "consent_processing", "consent_share_exhibitors"):
        data.pop(key)
    response = client.post(url, data=data)
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, visitor["id"])
        assert (registration.full_name, registration.phone, registration.province_code) == (
            "Nguyễn Thị Hồng Nhung (Ms)",
            "+84987654321",
            "HN",
        )
        assert registration.email == visitor["email"]
        assert "nguyen thi hong nhung (ms)" in registration.search_text


def test_manage_edit_bad_phone_keeps_stored_details(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    url = f"/r/{visitor['manage_token']}/edit"
    data = form_data(app, client.get(url).text, phone="abc")
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert 'id="phone-error"' in response.text
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).phone == "+84912345678"


def test_manage_edit_refuses_a_name_of_fillers_and_keeps_the_stored_one(
    app, client, make_event, make_visitor
):
    make_event()
    visitor = make_visitor()
    url = f"/r/{visitor['manage_token']}/edit"
    for name in ("\u3164\u3164", "Nhung" + "\u0300" * 5):
        data = form_data(app, client.get(url).text, full_name=name)
        response = client.post(url, data=data)
        assert response.status_code == 422
        assert _name_error(response.text)
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).full_name == "Nguyễn Thị Hồng Nhung"


def test_every_form_asking_for_a_persons_name_checks_it_with_person_name():
    """The public sign-up and corrections, the desk, exhibitors' contact and staff, speakers and
    staff accounts: one check (text.name_problem) behind every name field."""
    from exhibition.admin.forms import StaffForm as AccountForm
    from exhibition.exhibitors.forms import ApplicationForm, ProfileForm, StaffForm
    from exhibition.forms import person_name
    from exhibition.programme.forms import SpeakerForm
    from exhibition.visitors.forms import DeskForm, RegistrationForm, VisitorDetailsForm

    fields = [
        RegistrationForm.full_name,
        VisitorDetailsForm.full_name,
        DeskForm.full_name,
        ApplicationForm.contact_name,
        ProfileForm.contact_name,
        StaffForm.full_name,
        SpeakerForm.full_name,
        AccountForm.name,
    ]
    assert [person_name in field.kwargs["validators"] for field in fields] == [True] * len(fields)


def test_manage_cancel_stops_the_badge(app, client, make_event, make_visitor, make_device):
    make_event()
    visitor = make_visitor()
    token = make_device()
    url = f"/r/{visitor['manage_token']}/cancel"
    response = client.post(url, data={"csrf_token": csrf_token(client.get(url).text)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).status is RegistrationStatus.CANCELLED
    assert scan(client, token, visitor["badge_code"], "n").json["result"] == "cancelled"
    assert client.get(f"/r/{visitor['manage_token']}/badge.png").status_code == 404
    assert "đã bị hủy" in client.get(f"/r/{visitor['manage_token']}").text


def test_register_again_after_cancelling_gives_a_new_badge(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor(email="again@example.com")
    url = f"/r/{visitor['manage_token']}/cancel"
    client.post(url, data={"csrf_token": csrf_token(client.get(url).text)})
    response = post_form(app, client, email="again@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/r/")
    with app.app_context():
        cancelled, registration = db.session.scalars(
            sa.select(Registration).order_by(Registration.id)
        ).all()  # a fresh registration: the cancelled one keeps its own history
        assert (cancelled.id, cancelled.status) == (visitor["id"], RegistrationStatus.CANCELLED)
        assert registration.status is RegistrationStatus.CONFIRMED
        assert registration.badge_code != visitor["badge_code"]
        assert registration.manage_token != visitor["manage_token"]


def test_manage_consents_can_be_withdrawn_and_given_again(app, client, make_event, make_visitor):
    from exhibition.visitors.models import ConsentPurpose

    make_event()
    visitor = make_visitor()
    url = f"/r/{visitor['manage_token']}"
    token = csrf_token(client.get(url).text)
    assert (
        client.post(url + "/consents", data={"csrf_token": token, "news": "y"}).status_code == 302
    )
    assert (
        client.post(url + "/consents", data={"csrf_token": token, "news": "y"}).status_code == 302
    )
    assert client.post(url + "/consents", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, visitor["id"])
        history = [(c.purpose, c.granted) for c in registration.consents]
    assert history == [
        (ConsentPurpose.PROCESSING, True),
        (ConsentPurpose.SHARE_EXHIBITORS, False),
        (ConsentPurpose.NEWS, False),
        (ConsentPurpose.NEWS, True),
        (ConsentPurpose.NEWS, False),
    ]

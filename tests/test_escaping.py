"""Text that people type is shown as text everywhere.

The demo exhibition is loaded, then every free-text field a visitor, exhibitor or organiser can
type is given hostile content (HTML, script, spreadsheet formulas, header and calendar line
breaks, the PDF library's page-count alias), some of it typed into the real forms. Then every
place it is shown is checked: every GET page (anonymous, an administrator, the exhibitor
portal), the JSON API, every kind of e-mail and its headers, badge PDFs, CSV and Excel exports,
iCalendar feeds, SVG drawings, and the pages that JavaScript draws, in Chromium.
"""

import contextlib
import csv
import html
import io
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from urllib.parse import quote

import icalendar
import openpyxl
import pypdfium2
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from exhibition.accounts.audit import record
from exhibition.accounts.models import User
from exhibition.booths.models import Booth, BoothType, Hall
from exhibition.checkin.models import Checkpoint, Device, Scan
from exhibition.checkin.services import create_device
from exhibition.events.models import Event
from exhibition.events.services import get_event
from exhibition.exhibitors.models import (
    BoothPreference,
    Exhibitor,
    ExhibitorStatus,
    ExhibitorStatusChange,
)
from exhibition.exhibitors.portal import StaffData, add_staff, request_sign_in
from exhibition.exhibitors.services import ApplicationData, apply
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.services import as_shown
from exhibition.mail.transport import _as_flask_mail
from exhibition.programme import invitations
from exhibition.programme.models import (
    ConferenceSession,
    Invitation,
    Room,
    SessionAccess,
    SessionBooking,
    Speaker,
)
from exhibition.programme.notifications import queue_session_message
from exhibition.text import csv_safe
from exhibition.visitors.changes import resend_confirmation
from exhibition.visitors.models import Registration, VisitorCategory
from exhibition.visitors.notifications import queue_new_link
from tests.conftest import _empty_tables, _pg_url, csrf_token, login_client, make_app, scan
from tests.mail.test_sender import shown_from
from tests.pages import form_posting_to
from tests.test_url_map import demo_values, get_urls

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# What must never reach a page unescaped, and what the escaped text looks like there.
RAW = (SCRIPT, "<img src=x", "<b>Co</b>", "<svg onload")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")

NAME = f'{SCRIPT}Nguyễn "Hồng" O\'Nhung & <b>Co</b>'
ORG = f'=HYPERLINK("http://evil","x"){IMG}'
JOB = "+1 {nb} <svg onload=alert(1)>"  # {nb}: the PDF library's page-count alias
ZONE = IMG  # a booth zone holds at most 32 characters
# Header line breaks: CRLF, and VT, which Python's e-mail package also breaks lines at.
BCC = "\r\nBcc: evil@example.com"
VT_BCC = "\x0bBcc: evil@example.com"
# iCalendar's special characters, line breaks of every kind (a lone CR too), and a property
# that a bare line break would start.
DESCRIPTION = f"Dòng 1; a,b \\ {SCRIPT}\r\nDòng 2\rATTACH:http://evil.example/x\n{IMG}\u2028END"


def evil(label: str, lead: str = "") -> str:
    """`label` with script, an image with a handler, quotes and an ampersand; `lead` in front."""
    return f"{lead}{label} {SCRIPT}{IMG} \"&\" 'x'"


EVENT_NAME_VI = evil("Triển lãm") + BCC
EVENT_NAME_EN = f"Expo {SCRIPT}{BCC}"
SESSION_TITLE_EN = f"Session {SCRIPT}{VT_BCC}"  # ASCII: an English subject is written as it is
EMAIL = "hong.nhung@example.com"

# Every free-text field of the demo's rows; "#" is the row's number (names that must be unique).
HOSTILE_FIELDS = {
    Registration: {"full_name": NAME, "organisation": ORG, "job_title": JOB},
    Exhibitor: {
        "company_name_vi": evil("Công ty #", "="),
        "company_name_en": evil("Company", "+"),
        "commune": evil("Phường", "-"),
        "street": evil("Đường", "@"),
        "main_products": evil("Khuôn mẫu\nLinh kiện", "\t"),
        "certifications": [evil("ISO 9001", "=")],
        "description_vi": DESCRIPTION,
        "description_en": DESCRIPTION,
        "contact_name": NAME,
    },
    Booth: {"zone": ZONE},
    Hall: {"name_vi": evil("Nhà #"), "name_en": evil("Hall #")},
    Room: {"name_vi": evil("Phòng #"), "name_en": evil("Room #")},
    Speaker: {
        "full_name": evil("Bùi Quang Hải #", "="),
        "title_vi": evil("Giám đốc"),
        "title_en": evil("Director"),
        "organisation_vi": evil("Sở Công Thương"),
        "organisation_en": evil("Department"),
        "bio_vi": DESCRIPTION,
        "bio_en": DESCRIPTION,
    },
    ConferenceSession: {
        "title_vi": evil("Hội thảo #") + VT_BCC,
        "title_en": SESSION_TITLE_EN,
        "description_vi": DESCRIPTION,
        "description_en": DESCRIPTION,
        "track_vi": evil("Cơ khí, chế tạo;"),
        "track_en": evil("Engineering,"),
    },
    Invitation: {"full_name": NAME, "position": evil("Phó Chủ tịch", "@"), "organisation": ORG},
    VisitorCategory: {"name_vi": evil("Khách #"), "name_en": evil("Guest #")},
    Checkpoint: {"name_vi": evil("Cổng #"), "name_en": evil("Gate #")},
    Device: {"name": evil("Máy #")},
}


def _hostile_rows(event: Event) -> None:
    event.name_vi, event.name_en = EVENT_NAME_VI, EVENT_NAME_EN
    event.description_vi = event.description_en = DESCRIPTION
    event.organiser_vi, event.organiser_en = evil("Sở"), evil("Department")
    # The From line's name (ASCII in English: written as it is, so a line break would inject).
    event.mail_sender_vi, event.mail_sender_en = (
        evil("Sở Công Thương") + BCC,
        f"Dept {SCRIPT}{VT_BCC}",
    )
    event.venue_vi, event.venue_en = evil("Trung tâm", "="), evil("Centre", "@")
    event.address = evil("Số 2; Lê Thánh Tông, Hải Phòng")
    for model, fields in HOSTILE_FIELDS.items():
        rows = db.session.scalars(
            sa.select(model).where(model.event_id == event.id).order_by(model.id)
        ).all()
        for number, row in enumerate(rows, start=1):
            for name, value in fields.items():
                setattr(row, name, value.replace("#", str(number)) if "#" in value else value)
    for preference in db.session.scalars(
        sa.select(BoothPreference).where(BoothPreference.zone.is_not(None))
    ):
        preference.zone = ZONE
    for change in db.session.scalars(sa.select(ExhibitorStatusChange)):
        change.reason = DESCRIPTION
    for user in db.session.scalars(sa.select(User)):
        user.name = NAME


def _post_form(client, page_url: str, url: str, data: dict, status: int = 302):
    """Submit a form as a browser would (CSRF token from the page); checks the answer's status."""
    page = client.get(page_url)
    response = client.post(url, data={"csrf_token": csrf_token(page.text), **data})
    assert response.status_code == status, response.text
    return response


def build_world(app) -> dict:
    """The demo exhibition with hostile text in every field people type; every kind of e-mail
    in the outbox. Returns the values to build every URL with, tokens and a signed-in client."""
    values = demo_values(app)
    slug = values["slug"]
    base = f"/admin/events/{slug}"
    admin = login_client(app, app.test_client())
    with app.app_context():
        event = get_event(slug=slug)
        event_id = event.id
        trade = db.session.scalar(
            sa.select(VisitorCategory.id).where(
                VisitorCategory.event_id == event.id, VisitorCategory.code == "trade"
            )
        )
        _hostile_rows(event)
        # More seats than its room holds: the schedule grid reports it, naming both.
        opening = db.session.scalar(sa.select(ConferenceSession).order_by(ConferenceSession.id))
        opening.capacity = opening.room.capacity + 1
        placed = (opening.id, opening.room_id, opening.starts_at.astimezone(event.tz))
        db.session.commit()

    # Typed into the organisers' forms: a category, a checkpoint, a device, a staff account and
    # a rejection with its reason (each also lands in the audit log).
    _post_form(
        admin,
        f"{base}/categories",
        f"{base}/categories",
        {
            "code": "khach-moi",
            "name_vi": evil("Khách mời", "="),
            "name_en": evil("VIP", "-"),
            "color": "#123456",
            "is_public": "y",
        },
    )
    _post_form(
        admin,
        f"{base}/devices",
        f"{base}/checkpoints",
        {
            "name_vi": evil("Cửa B"),
            "name_en": evil("Door B"),
            "room": "",
            "allow_reentry": "y",
            "daily": "y",
        },
    )
    with app.app_context():
        checkpoint_id = db.session.scalar(sa.select(sa.func.max(Checkpoint.id)))
    _post_form(
        admin,
        f"{base}/devices",
        f"{base}/devices",
        {"name": evil("Máy 2"), "checkpoint": str(checkpoint_id)},
        status=200,
    )
    _post_form(
        admin,
        "/admin/staff/new",
        "/admin/staff/new",
        {
            "email": "soat.ve@example.com",
            "name": evil("Lê Văn Soát", "="),
            "language": "vi",  # the invitation e-mail, with its name, goes to the outbox
            "active": "y",
            f"role_{event_id}_checkin": "y",
        },
    )
    with app.app_context():
        submitted = db.session.scalar(
            sa.select(Exhibitor.id).where(Exhibitor.status == ExhibitorStatus.SUBMITTED)
        )
    detail = f"{base}/exhibitors/{submitted}"
    _post_form(admin, detail, detail, {"status": "rejected", "reason": DESCRIPTION})

    # Typed into the public sign-up form, twice (the second time e-mails the link again).
    visitor = app.test_client()
    for _ in range(2):
        _post_form(
            visitor,
            f"/events/{slug}/register?lang=vi",
            f"/events/{slug}/register",
            {
                "full_name": NAME,
                "email": EMAIL,
                "phone": "0912 345 678",
                "organisation": ORG,
                "job_title": JOB,
                "category": str(trade),
                "province": "HP",
                "country": "",
                "sectors": ["mechanical"],
                "language": "vi",
                "consent_processing": "y",
            },
        )

    with app.app_context():
        event = get_event(slug=slug)
        typed = db.session.scalar(sa.select(Registration).where(Registration.email == EMAIL))
        assert (typed.full_name, typed.organisation, typed.job_title) == (NAME, ORG, JOB)
        resend_confirmation(registration=typed)
        # Delegates imported from a spreadsheet and invited, in English and Vietnamese.
        conference = db.session.scalar(
            sa.select(ConferenceSession).where(
                ConferenceSession.event_id == event.id,
                ConferenceSession.access == SessionAccess.INVITATION,
            )
        )
        sheet = io.StringIO()
        writer = csv.writer(sheet)
        writer.writerow(["Họ và tên", "Chức vụ", "Đơn vị", "Email", "Điện thoại", "Ngôn ngữ"])
        writer.writerow([NAME, evil("Chủ tịch", "@"), ORG, "dai.bieu@example.com", "", "en"])
        # "#N/A" is an error value to a spreadsheet: an export must keep it as text.
        writer.writerow([evil("Đại biểu", "-"), "#N/A", ORG, "dai.bieu2@example.com", "", "vi"])
        report = invitations.import_delegates(
            session=conference,
            data=sheet.getvalue().encode(),
            filename="dai-bieu.csv",
            now=datetime(2021, 11, 10, 2, 0, tzinfo=UTC),
        )
        assert not report.errors, report.errors
        invitations.resend(
            invitation=report.invitations[0], now=datetime(2021, 11, 11, 2, 0, tzinfo=UTC)
        )
        # Every kind of message about a seat in a session.
        booking = db.session.scalar(sa.select(SessionBooking).order_by(SessionBooking.id))
        for kind in ("promoted", "approved", "waiting", "declined", "changed", "cancelled"):
            queue_session_message(booking=booking, kind=kind)
        # The new "my registration" link of someone whose link an upgrade replaced.
        queue_new_link(registration=booking.registration)
        # An exhibitor applies (received) and applies again; another asks for a portal sign-in
        # link and registers staff (a badge e-mailed like a visitor's).
        application = ApplicationData(
            company_name_vi=evil("Công ty Mới", "="),
            company_name_en=evil("New Co", "-"),
            tax_code="0100000010",
            province_code="HP",
            contact_name=NAME,
            contact_email="lien.he@example.com",
            contact_phone="+84912345678",
            booth_type=BoothType.STANDARD,
            main_products=evil("Sản phẩm"),
            sector_codes=["mechanical"],
            contact_language="en",
        )
        apply(event=event, data=application)
        apply(event=event, data=application)
        confirmed = db.session.scalar(
            sa.select(Exhibitor)
            .where(Exhibitor.event_id == event.id, Exhibitor.status == ExhibitorStatus.CONFIRMED)
            .order_by(Exhibitor.id)
        )
        request_sign_in(event=event, email=confirmed.contact_email)
        staff = add_staff(
            exhibitor=confirmed,
            data=StaffData(
                full_name=NAME, email="nhan.vien@example.com", phone="+84912345679", job_title=JOB
            ),
        )
        device, device_token = create_device(event=event, name=evil("Máy 3"))
        record(actor="cli", action="mail.retry_failed", event=event, summary=DESCRIPTION)
        db.session.commit()
        values.update(
            device_id=db.session.scalar(
                sa.select(Device.id).where(Device.checkpoint_id == checkpoint_id)
            ),
            checkpoint_id=checkpoint_id,
            user_id=db.session.scalar(sa.select(sa.func.max(User.id))),
            invitation_id=report.invitations[0].id,
            booking_id=booking.id,
            session_id=booking.session_id,
            message_id=db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))),
            exhibitor_id=confirmed.id,
        )
        world = {
            "values": values,
            "admin": admin,
            "device_token": device_token,
            "typed_token": typed.manage_token,
            "typed_badge": typed.badge_code,
            "staff_token": staff.manage_token,
            "staff_badge": staff.badge_code,
            "invitation_token": report.invitations[0].token,
            "placed": placed,
        }
    # A QR code made by an attacker, scanned at a gate: the organisers' pages list scans.
    response = scan(app.test_client(), device_token, IMG, "hostile-1")
    assert response.status_code == 200 and response.json["result"] == "invalid"
    with app.app_context():
        values["scan_id"] = db.session.scalar(sa.select(sa.func.max(Scan.id)))
    return world


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, migrated_urls, tmp_path_factory):
    """The hostile exhibition, built once per backend for this module (it takes seconds); the
    tests read it and change nothing that another test looks at."""
    if request.param == "postgresql":
        url = _pg_url(tmp_path_factory)  # PostgreSQL also proves the text fits the columns
    else:
        url = migrated_urls["sqlite"]
    app = make_app(url, tmp_path_factory.mktemp("escaping"))
    with app.app_context():
        _empty_tables()
    yield {**build_world(app), "app": app}
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


# ---------------------------------------------------------------- pages and JSON


class _Elements(HTMLParser):
    """Reads a page as a browser's parser does: elements that should not be there, and the text
    inside SVG drawings."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.svg_depth = 0
        self.svg_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        # The templates have no inline script and no event handler attribute at all.
        if (tag == "script" and "src" not in names) or any(n.startswith("on") for n in names):
            self.bad.append(self.get_starttag_text())
        if tag == "svg":
            self.svg_depth += 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth -= 1

    def handle_data(self, data):
        if self.svg_depth:
            self.svg_text.append(data)


def _shows_text_only(where: str, text: str, drawn: set | None = None) -> bool:
    """No hostile markup unescaped in HTML (or SVG), and no element made of it; returns whether
    its escaped form is there. `drawn` collects `where` when the text is inside an SVG drawing."""
    for raw in RAW:
        at = text.find(raw)
        assert at < 0, (where, raw, text[max(0, at - 300) : at + 100])
    elements = _Elements()
    elements.feed(text)
    elements.close()
    assert elements.bad == [], where
    if drawn is not None and SCRIPT in "".join(elements.svg_text):
        drawn.add(where)
    return any(escaped in text for escaped in ESCAPED)


def _holds_text_as_data(where: str, response) -> bool:
    """A JSON answer parses; returns whether the hostile text is in it, as a string."""
    assert response.mimetype == "application/json", where
    data = json.loads(response.get_data(as_text=True))
    return SCRIPT in json.dumps(data, ensure_ascii=False)


def _sweep(app, client, urls, *, lang: str, **query) -> set[str]:
    """GET every URL; returns the endpoints whose answer showed the hostile text (as text), and
    "svg:<endpoint>" where it was inside an SVG drawing."""
    adapter = app.url_map.bind("localhost")
    shown, drawn = set(), set()
    for url in urls:
        try:
            endpoint = adapter.match(url, method="GET")[0]
        except HTTPException:  # an address that no rule takes
            endpoint = url
        response = client.get(url, query_string={"lang": lang, **query})
        assert response.status_code < 500, (url, response.status_code)
        where = f"{url} ({response.status_code})"
        if response.mimetype in ("text/html", "image/svg+xml"):
            found = _shows_text_only(where, response.get_data(as_text=True), drawn)
        elif response.mimetype == "application/json":
            found = _holds_text_as_data(where, response)
        else:  # calendars, PDFs, exports, images: checked by the tests below
            found = False
        if found:
            shown.add(endpoint)
        if where in drawn:
            shown.add(f"svg:{endpoint}")
    return shown


# Pages that must show the hostile text (escaped), so that the sweep proves something.
SHOWN = {
    "events.index",
    "events.detail",
    "visitors.register",
    "visitors.manage",
    "visitors.edit",
    "visitors.cancel",
    "visitors.erase",
    "visitors.my_data",
    "exhibitors.directory",
    "exhibitors.profile",
    "agenda.agenda",
    "agenda.session",
    "agenda.schedule_json",
    "invitation.show",
    "portal.sign_in",
    "portal.home",
    "portal.profile",
    "admin.dashboard",
    "admin.event_dashboard",
    "events_admin.edit",
    "registration_admin.index",
    "registration_admin.detail",
    "categories.index",
    "outbox.index",
    "staff.users",
    "staff.user_edit",
    "staff.audit_log",
    "staff.event_audit",
    "exhibitors_admin.index",
    "exhibitors_admin.detail",
    "booths.floorplan",
    "booths.booth",
    "booths.allocation",
    "badge_print.batch",
    "desk.form",
    "desk.badge",
    "checkin_admin.devices",
    "checkin_admin.checkpoint",
    "checkin_admin.station",
    "checkin_live.live",
    "api.event_stats",
    "programme.index",
    "schedule.grid",
    "schedule.conflicts",
    "programme.rooms",
    "programme.room_edit",
    "programme.speakers",
    "programme.speaker_edit",
    "programme.session_new",
    "programme.session_edit",
    "programme.session_people",
    "invitations.index",
    # inside the floor plan's SVG
    "svg:booths.floorplan",
    "svg:exhibitors.profile",
    "svg:portal.home",
}


def _portal_link(app) -> str:
    with app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == "exhibitor_portal_link")
            .order_by(OutboxMessage.id.desc())
        )
    return re.search(r"http://testserver\.local(/events/\S+/portal/login/\S+)", body).group(1)


def test_every_page_shows_hostile_text_as_text(world):
    app = world["app"]
    values = world["values"]
    slug = values["slug"]
    admin = world["admin"]
    urls = get_urls(app, values) + [
        f"/invitations/{world['invitation_token']}",
        f"/r/{world['typed_token']}",
        f"/r/{world['staff_token']}",
    ]
    # Hostile text in the address itself is shown as text too (or is simply not found).
    reflected = [
        f"/checkin/setup/{quote(IMG)}",
        f"/r/{quote(IMG)}",
        f"/invitations/{quote(IMG)}",
        f"/events/{quote(IMG)}/",
        f"/events/{slug}/portal/login/{quote(IMG)}",
        f"/events/{slug}/programme/my/{quote(IMG)}.ics",
    ]
    portal = app.test_client()
    link = _portal_link(app)
    confirm = portal.get(link)  # the exhibitor signs in to the portal with the e-mailed link
    shown = {"portal.sign_in"} if _shows_text_only(link, confirm.text) else set()
    portal.post(link, data={"csrf_token": csrf_token(confirm.text)})

    shown |= _sweep(app, app.test_client(), urls + reflected, lang="vi")
    shown |= _sweep(app, admin, urls, lang="en")
    shown |= _sweep(app, portal, [u for u in urls if "/portal/" in u], lang="en")
    # Hostile text typed into search boxes and filters is shown as text too.
    filters = dict(q=SCRIPT, status=IMG, category=IMG, sector=IMG, action=SCRIPT, type=IMG)
    _sweep(app, admin, urls, lang="vi", **filters)
    assert SHOWN - shown == set()

    # A message naming what was just saved (the same name again: other tests look for it).
    device = f"/admin/events/{slug}/devices/{values['device_id']}"
    page = admin.get(f"/admin/events/{slug}/devices")
    saved = admin.post(
        device,
        data={
            "csrf_token": csrf_token(page.text),
            "name": evil("Máy 2"),
            "checkpoint": str(values["checkpoint_id"]),
        },
        follow_redirects=True,
    )
    assert _shows_text_only("flash", saved.text)
    assert f"“{evil('Máy 2')}”" in html.unescape(saved.text)


def _api_get(client, url: str, token: str):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_api_answers_hold_hostile_text_as_data(world):
    client = world["app"].test_client()
    token = world["device_token"]
    device = _api_get(client, "/api/v1/device", token)
    assert device.status_code == 200 and _holds_text_as_data("device", device)
    found = _api_get(client, "/api/v1/checkpoint/search?q=nguyen hong", token)
    assert found.status_code == 200
    assert NAME in [person["name"] for person in found.json["results"]]
    badges = _api_get(client, "/api/v1/checkpoint/badges", token)
    assert badges.status_code == 200 and _holds_text_as_data("badges", badges)
    answer = scan(client, token, world["typed_badge"], "hostile-2")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    attendee = json.loads(answer.get_data(as_text=True))["attendee"]
    assert (attendee["name"], attendee["organisation"]) == (NAME, ORG)


# ---------------------------------------------------------------- e-mail


def _lines(text: str) -> str:
    """Text with its line breaks as LF (mail transport makes them all CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plain_text(text: str) -> bool:
    """No HTML entity in a text body: it is not HTML."""
    return not re.search(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);", text, re.IGNORECASE)


HEADERS = [
    "Content-Type",
    "MIME-Version",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "X-Outbox-Id",
    "Auto-Submitted",
]


def test_emails_escape_html_keep_plain_text_and_gain_no_header(world):
    with world["app"].app_context():
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert {m.kind for m in messages} >= {
            "confirmation",  # visitors and exhibitor staff
            "confirmation_again",
            "confirmation_resent",
            "invitation",
            "invitation_resent",
            "exhibitor_received",
            "exhibitor_already_applied",
            "exhibitor_status",
            "exhibitor_portal_link",
            *(f"session_{k}" for k in ("promoted", "approved", "waiting", "declined")),
            *(f"session_{k}" for k in ("changed", "cancelled")),
            "new_link",
        }
        for message in map(as_shown, messages):  # a confirmation as the mail worker writes it
            where = f"{message.kind} #{message.id}"
            assert _shows_text_only(where, message.body_html), where
            assert SCRIPT in message.body_text or IMG in message.body_text, where
            assert _plain_text(message.body_text), (where, message.body_text)
            # The message as it goes to the SMTP server (or into an .eml file).
            built = message_from_bytes(_as_flask_mail(message).as_bytes(), policy=policy.default)
            expected = HEADERS + ["Reply-To"] if message.reply_to else HEADERS
            assert sorted(built.keys()) == sorted(expected), (where, built.keys())
            assert built["To"] == message.to_address, where
            if message.event_id is not None:  # the exhibition's name for it, on one line
                assert shown_from(built) == (message.sender_name, "no-reply@example.com"), where
                assert "Bcc" in message.sender_name and "\n" not in message.sender_name, where
                assert built["Reply-To"] == message.reply_to, where
            # (a long subject is folded right after "Subject:", hence the strip)
            assert built["Subject"].strip() == message.subject, where
            assert message.subject.splitlines() == [message.subject], where
            parts = {p.get_content_type(): p for p in built.walk() if not p.is_multipart()}
            for subtype, body in (("plain", message.body_text), ("html", message.body_html)):
                assert _lines(parts[f"text/{subtype}"].get_content()) == _lines(body), where
            for part in built.walk():  # no part gained a header either
                assert "Bcc" not in part and "ATTACH" not in part, where
        english = next(m for m in messages if m.kind == "invitation" and m.language == "en")
        assert english.subject.endswith(f"Session {SCRIPT} Bcc: evil@example.com")


# ---------------------------------------------------------------- PDF


def _compact(text: str) -> str:
    """Text without white space: a badge wraps long names anywhere."""
    return "".join(text.split())


def _pdf_text(data: bytes) -> str:
    """The text of every page of a PDF (pdfium's extraction), without white space."""
    document = pypdfium2.PdfDocument(data)
    try:
        return _compact("".join(page.get_textpage().get_text_range() for page in document))
    finally:
        document.close()


def test_badge_pdfs_print_hostile_text_literally(world):
    app = world["app"]
    slug = world["values"]["slug"]
    admin = world["admin"]
    with app.app_context():
        typed = db.session.scalar(sa.select(Registration).where(Registration.email == EMAIL))
        registration_id, category = typed.id, typed.category.name_vi
        staff = db.session.scalar(
            sa.select(Registration).where(Registration.manage_token == world["staff_token"])
        )
        company, booths = staff.organisation, [b.code for b in staff.exhibitor.booths]
    assert booths
    own = app.test_client().get(f"/r/{world['typed_token']}/badge.pdf")
    assert own.mimetype == "application/pdf"
    text = _pdf_text(own.data)
    for value in (NAME, ORG, JOB, category.upper(), EVENT_NAME_VI):  # the category in capitals
        assert _compact(value) in text, (value, text)
    text = _pdf_text(app.test_client().get(f"/r/{world['staff_token']}/badge.pdf").data)
    for value in (NAME, JOB, company, "Gian " + ", ".join(booths)):
        assert _compact(value) in text, (value, text)
    desk = f"/admin/events/{slug}/desk/{registration_id}"
    form = form_posting_to(admin.get(desk).text, f"/registrations/{registration_id}/badge.pdf")
    layouts = [value for value, _selected in form.control("layout").options]
    assert layouts == ["a6", "card"]
    for layout in layouts:
        printed = admin.post(form.action, data=form.data(layout=layout))
        assert printed.mimetype == "application/pdf", layout
        text = _pdf_text(printed.data)
        assert _compact(ORG) in text and _compact(JOB) in text, (layout, text)


# ---------------------------------------------------------------- exports


def _table(response) -> list[list]:
    """The rows of a CSV or XLSX download (header included): CSV cells as text; XLSX cells as
    text, numbers and dates only (no formula, no error value)."""
    assert response.status_code == 200
    if response.mimetype == "text/csv":
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = []
    for row in sheet.iter_rows():
        assert [c.coordinate for c in row if c.value is not None and c.data_type not in "snd"] == []
        rows.append([cell.value for cell in row])
    return rows


def test_exports_keep_the_text_in_xlsx_and_neutralise_formulas_in_csv(world):
    app = world["app"]
    base = f"/admin/events/{world['values']['slug']}"
    with app.app_context():
        conference = db.session.scalar(sa.select(Invitation.session_id).limit(1))
    exports = {
        f"{base}/registrations": [NAME, ORG, JOB],
        f"{base}/exhibitors/export": [
            evil("Công ty 1", "="),
            evil("Company", "+"),
            evil("Phường", "-"),
            evil("Đường", "@"),
            evil("Khuôn mẫu\nLinh kiện", "\t"),
            evil("ISO 9001", "="),
            NAME,
        ],
        f"{base}/programme/sessions/{conference}/invitations": [
            NAME,
            ORG,
            evil("Chủ tịch", "@"),
            evil("Đại biểu", "-"),
            "#N/A",
        ],
    }
    for url, expected in exports.items():
        sheet = _table(world["admin"].get(f"{url}.xlsx"))
        comma = _table(world["admin"].get(f"{url}.csv"))
        # The same table: each text cell of the workbook is the CSV's, less its neutralisation.
        assert len(sheet) == len(comma), url
        for row, line in zip(sheet, comma, strict=True):
            for cell, text in zip(row, line, strict=True):
                if isinstance(cell, str):
                    assert text == csv_safe(cell), (url, cell, text)
        typed = {cell for row in sheet[1:] for cell in row if isinstance(cell, str)}
        assert [value for value in expected if value not in typed] == [], url
        for cell in {cell for row in comma[1:] for cell in row}:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (url, cell)
    plan = _table(world["admin"].get(f"{base}/booths.csv"))
    assert {row[plan[0].index("zone")] for row in plan[1:]} == {ZONE}


# ---------------------------------------------------------------- iCalendar


def _ical_text(value: str) -> str:
    """What an iCalendar TEXT value can hold of `value`: its line breaks as LF; other control
    characters, which TEXT does not allow (RFC 5545, 3.3.11), as spaces."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", re.sub(r"\r\n|\r|\n", "\n", value))


def _unescape(value: str) -> str:
    """A TEXT value as written (RFC 5545, 3.3.11) to the text it holds."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _calendar(body: bytes) -> icalendar.Calendar:
    """A feed, after checking that every line ends with CRLF and that no line was injected."""
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", body), "a line break that is not CRLF"
    lines = body.decode("utf-8").split("\r\n")
    assert [line for line in lines if line.startswith(("ATTACH", "Bcc"))] == []
    return icalendar.Calendar.from_ical(body)


def test_calendars_escape_text_per_rfc_5545(world):
    app = world["app"]
    slug = world["values"]["slug"]
    client = app.test_client()
    with app.app_context():
        sessions = {
            s.id: (_ical_text(s.title_vi), s.room.name_vi, s.track_vi)
            for s in db.session.scalars(
                sa.select(ConferenceSession).where(ConferenceSession.published_at.is_not(None))
            )
        }
        confirmation = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "confirmation").limit(1)
        )
        (attachment,) = [  # as the mail worker writes it
            item.data
            for item in as_shown(confirmation).attachments
            if item.content_type == "text/calendar"
        ]
    venue = _ical_text(evil("Trung tâm", "="))
    address = _ical_text(evil("Số 2; Lê Thánh Tông, Hải Phòng"))
    for body in (
        client.get(f"/events/{slug}/event.ics?lang=vi").data,
        client.get(f"/r/{world['typed_token']}/event.ics?lang=vi").data,
        attachment,  # in the confirmation e-mail
    ):
        (item,) = _calendar(body).walk("VEVENT")
        assert str(item["SUMMARY"]) == _ical_text(EVENT_NAME_VI)
        assert str(item["DESCRIPTION"]) == _ical_text(DESCRIPTION)
        assert str(item["LOCATION"]) == f"{venue}, {address}"
    for url in (
        f"/events/{slug}/programme/programme.ics?lang=vi",
        f"/events/{slug}/programme/my/{world['values']['feed_token']}.ics?lang=vi",
    ):
        feed = _calendar(client.get(url).data)
        # icalendar leaves X- properties as they are written
        name = _unescape(str(feed["X-WR-CALNAME"]))
        assert name.endswith(_ical_text(EVENT_NAME_VI)), name
        items = feed.walk("VEVENT")
        assert items, url
        for item in items:
            session_id = int(re.search(r"/sessions/(\d+)", str(item["URL"])).group(1))
            title, room, track = sessions[session_id]
            assert str(item["SUMMARY"]) == title
            assert str(item["DESCRIPTION"]).startswith(_ical_text(DESCRIPTION) + "\n\n")
            assert str(item["LOCATION"]) == f"{room}, {venue}"
            assert [str(c) for c in item["CATEGORIES"].cats][-1] == track


# ---------------------------------------------------------------- pages drawn by JavaScript


@contextlib.contextmanager
def _served(app):
    """The app on a free port of 127.0.0.1 (as tests/browser.py's live_server, for this
    module's app)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# Elements that hostile text would have made, had a script inserted it as HTML.
MADE = """() => ({
  handlers: [...document.querySelectorAll("*")]
    .filter((e) => [...e.attributes].some((a) => a.name.startsWith("on")))
    .map((e) => e.outerHTML.slice(0, 120)),
  inline_scripts: [...document.scripts].filter((s) => !s.src).length,
  made: document.querySelectorAll('img[src="x"], b, svg[onload]').length,
})"""
NOTHING_MADE = {"handlers": [], "inline_scripts": 0, "made": 0}


def test_pages_drawn_by_javascript_show_hostile_text_as_text(world, browser):
    """The station (after a scan and a search), the live figures (redrawn from the stats API)
    and the schedule grid (messages after a move), in Chromium: text, no element, no alert."""
    app = world["app"]
    slug = world["values"]["slug"]
    alerts = []
    with _served(app) as base:
        # Tall enough that a drag on the schedule grid needs no scrolling.
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        page.goto(f"{base}/checkin?lang=en")
        page.fill("#device-token", world["device_token"])
        page.click("#setup-form button[type=submit]")
        page.wait_for_selector("#scanner:not([hidden])")
        assert evil("Máy 3") in page.text_content("#station-name")
        options = page.eval_on_selector_all("#checkpoint option", "os => os.map(o => o.text)")
        assert any(SESSION_TITLE_EN in option for option in options), options
        page.fill("#scan-input", world["staff_badge"])
        page.press("#scan-input", "Enter")
        page.wait_for_selector('#result[data-checkin-result="not_today"]')  # the demo's dates
        assert page.text_content("#result .result-name") == NAME
        page.click("#admit")
        page.wait_for_selector('#result[data-checkin-result="ok"]')
        assert page.text_content("#result .result-name") == NAME
        assert evil("Công ty 1", "=") in page.text_content("#result .result-detail")
        page.click("#search-box summary")
        page.fill("#search-input", "nguyen hong")
        page.press("#search-input", "Enter")
        page.wait_for_selector("#search-results li")
        assert NAME in page.text_content("#search-results")
        assert page.evaluate(MADE) == NOTHING_MADE

        page.goto(f"{base}/admin/login?lang=en")
        page.fill("#email", "btc@example.com")
        page.fill("#password", "mat-khau-dai")
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base}/admin/**")
        page.goto(f"{base}/admin/events/{slug}/live?lang=en")
        page.eval_on_selector("#live-status", "node => { node.textContent = ''; }")
        with page.expect_response(lambda response: "/stats" in response.url):
            page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        page.wait_for_function("() => document.getElementById('live-status').textContent")
        figures = page.text_content("#live")
        assert evil("Guest 1") in figures and evil("Door B") in figures, figures
        assert page.evaluate(MADE) == NOTHING_MADE

        session_id, room_id, start = world["placed"]
        later = start + timedelta(hours=1)  # the card covers its own cells
        page.goto(f"{base}/admin/events/{slug}/programme/schedule?lang=en&day={start.date()}")
        with page.expect_navigation():  # the grid reloads and shows the server's messages
            page.drag_and_drop(
                f'.grid-session[data-session-id="{session_id}"]',
                f'.grid-cell[data-room-id="{room_id}"][data-start="{later:%Y-%m-%dT%H:%M}"]',
            )
        page.wait_for_selector("#schedule-status span")
        with app.app_context():
            assert db.session.get(ConferenceSession, session_id).starts_at == later
        messages = page.text_content("#schedule-status")
        assert SESSION_TITLE_EN in messages and evil("Room 1") in messages, messages
        assert page.evaluate(MADE) == NOTHING_MADE
    assert alerts == []

"""Command-line interface: events, devices, organisers, the demo data and the mail worker."""

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from exhibition.accounts.models import User
from exhibition.checkin.models import Device, Scan
from exhibition.events.models import Event
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.visitors.models import Consent, Registration, VisitorCategory
from tests.conftest import csrf_token, scan

DEMO_SLUG = "cnht-haiphong-2021"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_NAME = "Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ và Chế biến chế tạo"


def invoke(app, runner, *args, **kwargs):
    """Run `flask <args>` in the test app.

    Under `flask`, FlaskGroup pushes an app context for every command; the test runner calls
    `app.cli` directly, where only AppGroup commands push one, so push it here as `flask` does.
    """
    with app.app_context():
        return runner.invoke(args=list(args), **kwargs)


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def web_login(client, email, password):
    page = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
    )


# ---------------------------------------------------------------- events


def test_events_list_prints_one_line_per_event_starting_with_slug(app, runner, make_event):
    make_event(
        slug="expo-2026",
        starts_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
    )
    make_event(
        slug="expo-2025",
        name_vi="Triển lãm 2025",
        starts_at=datetime(2025, 11, 20, 1, 30, tzinfo=UTC),
        ends_at=datetime(2025, 11, 22, 10, 0, tzinfo=UTC),
        registration_opens_at=datetime(2025, 9, 1, tzinfo=UTC),
        registration_closes_at=datetime(2025, 11, 19, tzinfo=UTC),
    )

    result = invoke(app, runner, "events", "list")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "expo-2026\t2026-11-24 09:00\tTriển lãm Công nghiệp hỗ trợ 2026",
        "expo-2025\t2025-11-20 08:30\tTriển lãm 2025",
    ]


def test_events_list_with_no_event_prints_nothing(app, runner):
    result = invoke(app, runner, "events", "list")
    assert result.exit_code == 0
    assert result.stdout == ""


# ---------------------------------------------------------------- devices


def test_devices_create_prints_token_last_and_token_works(app, runner, client, make_event):
    make_event()

    result = invoke(app, runner, "devices", "create", "--event", "expo-2026", "--name", "Cổng 2")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    token = lines[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert "Cổng 2" in lines[0]
    with app.app_context():
        device = db.session.scalar(sa.select(Device))
        assert device.name == "Cổng 2"
        assert token not in device.token_hash
    response = scan(client, token, "X", "n1")
    assert response.status_code == 200
    assert response.json["result"] == "invalid"


def test_devices_create_unknown_event_fails_and_stores_nothing(app, runner, make_event):
    make_event()

    result = invoke(app, runner, "devices", "create", "--event", "nope", "--name", "X")

    assert result.exit_code == 1
    assert result.stderr == "Error: Triển lãm này không tồn tại.\n"  # Vietnamese, the default
    assert result.stdout == ""
    assert count(app, Device) == 0


def test_devices_create_blank_name_is_refused(app, runner, make_event):
    make_event()

    result = invoke(app, runner, "devices", "create", "--event", "expo-2026", "--name", "   ")

    assert result.exit_code != 0
    assert count(app, Device) == 0


def test_devices_revoke_refuses_the_token(app, runner, client, make_event, make_device):
    make_event()
    token = make_device()
    with app.app_context():
        device_id = db.session.scalar(sa.select(Device.id))

    result = invoke(app, runner, "devices", "revoke", str(device_id))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Device {device_id} revoked.\n"
    response = scan(client, token, "X", "n1")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "device_revoked"


def test_devices_revoke_unknown_device_fails(app, runner):
    result = invoke(app, runner, "devices", "revoke", "999")
    assert result.exit_code == 1
    assert result.stderr == "Error: No device 999.\n"


# ---------------------------------------------------------------- organisers


def test_create_organiser_then_login_works(app, runner, client):
    result = invoke(
        app, runner, "create-organiser", "--email", "a@example.com", "--password", "secret123"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "a@example.com can sign in (administrator).\n"
    response = web_login(client, "a@example.com", "secret123")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_create_organiser_password_from_prompt(app, runner, client):
    result = invoke(
        app, runner, "create-organiser", "--email", "A@Example.com", input="secret123\nsecret123\n"
    )
    assert result.exit_code == 0, result.output
    assert web_login(client, "a@example.com", "secret123").status_code == 302


def test_create_organiser_again_sets_new_password(app, runner, client):
    invoke(app, runner, "create-organiser", "--email", "a@example.com", "--password", "secret123")
    result = invoke(
        app, runner, "create-organiser", "--email", "a@example.com", "--password", "another456"
    )
    assert result.exit_code == 0, result.output
    assert count(app, User) == 1
    assert web_login(client, "a@example.com", "secret123").status_code == 401
    assert web_login(client, "a@example.com", "another456").status_code == 302


def test_create_organiser_short_password_fails(app, runner):
    result = invoke(
        app, runner, "create-organiser", "--email", "a@example.com", "--password", "short"
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: Mật khẩu phải có ít nhất 8 ký tự.\n"
    assert count(app, User) == 0


# ---------------------------------------------------------------- demo data


def row_counts(app):
    models = (Event, VisitorCategory, Registration, Consent, User, Device, OutboxMessage, Scan)
    return {model.__tablename__: count(app, model) for model in models}


def local_today():
    return datetime.now(HCM).date()


def demo_event(app):
    with app.app_context():
        return db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))


def set_up_link(output: str) -> str:
    """The one-time station set-up link printed by `show-login`."""
    (link,) = re.findall(r"^(http\S+/checkin/setup/\S+)$", output, re.M)
    return link


def terminal_qr(output: str):
    """The QR code `show-login` draws with block characters, as an image a camera would see
    (light modules are the filled halves, as on a dark terminal)."""
    from PIL import Image

    rows = [line for line in output.splitlines() if line and set(line) <= set("█▀▄\xa0 ")]
    width = max(len(row) for row in rows)
    image = Image.new("L", (width + 8, 2 * len(rows) + 8), 0)
    for y, row in enumerate(rows):
        for x, char in enumerate(row):
            if char in "█▀":
                image.putpixel((x + 4, 2 * y + 4), 255)
            if char in "█▄":
                image.putpixel((x + 4, 2 * y + 5), 255)
    return image.resize((image.width * 8, image.height * 8), Image.NEAREST)


def test_seed_demo_dates_the_exhibition_from_the_day_it_is_loaded(app, runner):
    from exhibition.admin.overview import event_overview
    from exhibition.programme.models import BookingStatus, ConferenceSession, SessionBooking

    result = invoke(app, runner, "seed-demo")

    today = local_today()
    first, last = today + timedelta(days=21), today + timedelta(days=24)
    assert result.exit_code == 0, result.output
    sample = Path(app.instance_path) / "demo" / "sao-ke-mau-vietcombank.csv"
    assert result.stdout == (
        f"Demo exhibition '{DEMO_SLUG}' loaded: {first:%Y-%m-%d} to {last:%Y-%m-%d}.\n"
        f"A sample bank statement to import (Payments, Bank statements): {sample}\n"
        "`flask show-login` prints the organiser's login and a check-in station set-up link.\n"
    )
    assert "SAO KÊ TÀI KHOẢN" in sample.read_text(encoding="utf-8-sig")
    now = datetime.now(UTC)
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        assert (event.slug, event.name_vi, event.timezone) == (
            DEMO_SLUG,
            DEMO_NAME,
            "Asia/Ho_Chi_Minh",
        )
        assert (event.first_day, event.last_day) == (first, last)
        assert event.starts_at.astimezone(HCM).strftime("%H:%M") == "09:00"
        assert event.registration_state(now) == "open"
        assert event.registration_opens_at.astimezone(HCM).date() == today - timedelta(days=35)
        # The announcement's own dates are kept, for the record, in the description.
        assert "23–26/11/2021" in event.description_vi
        assert "23–26 November 2021" in event.description_en
        registrations = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event.id)
        ).all()
        assert len(registrations) >= 60
        assert all(event.registration_opens_at <= r.created_at <= now for r in registrations)
        assert not any(r.checked_in_at for r in registrations)  # nobody came in yet
        weeks = {r.created_at.astimezone(HCM).isocalendar()[:2] for r in registrations}
        assert len(weeks) >= 5  # a registration history over the past weeks
        sessions = db.session.scalars(
            sa.select(ConferenceSession).where(ConferenceSession.published_at.is_not(None))
        ).all()
        assert len(sessions) == 7 and all(s.starts_at > now for s in sessions)
        full = [s for s in sessions if s.seat_limit and s.seats_taken == s.seat_limit]
        assert len(full) == 1
        waiting = db.session.scalar(
            sa.select(sa.func.count(SessionBooking.id)).where(
                SessionBooking.session_id == full[0].id,
                SessionBooking.status == BookingStatus.WAITING,
            )
        )
        assert waiting >= 2
        # The overview's chart: a bar for each day since sign-up opened, five weeks ago.
        history = event_overview(event=event)["registrations"]["history"]
        assert (history["unit"], len(history["bars"])) == ("day", 36)
        assert sum(bar["count"] for bar in history["bars"]) == len(registrations)
    # Demo visitors get no e-mail.
    assert count(app, OutboxMessage) == 0
    assert (count(app, User), count(app, Device)) == (1, 1)


def test_seed_demo_twice_changes_nothing(app, runner):
    first = invoke(app, runner, "seed-demo")
    assert first.exit_code == 0, first.output
    login_file = Path(app.instance_path) / "organiser-login.txt"
    written = login_file.read_text()
    before = row_counts(app)
    dates = demo_event(app).starts_at

    second = invoke(app, runner, "seed-demo")

    assert second.exit_code == 0, second.output
    assert second.stdout == f"Demo exhibition '{DEMO_SLUG}' already there.\n"
    assert row_counts(app) == before
    assert login_file.read_text() == written
    assert demo_event(app).starts_at == dates


def test_seed_demo_today_makes_today_an_exhibition_day_for_the_stations(app, runner, client):
    result = invoke(app, runner, "seed-demo", "--today")

    today = local_today()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"Demo exhibition '{DEMO_SLUG}' loaded: {today:%Y-%m-%d} to "
        f"{today + timedelta(days=3):%Y-%m-%d}.\n"
    )
    code = set_up_link(invoke(app, runner, "show-login").stdout).rsplit("/", 1)[1]
    token = client.post("/api/v1/device/setup", json={"code": code}).json["token"]
    with app.app_context():
        badge = db.session.scalar(sa.select(Registration.badge_code).limit(1))
    answer = scan(client, token, badge, "n1").json
    assert answer["result"] == "ok"
    assert answer["attendee"]["name"]

    again = invoke(app, runner, "seed-demo", "--today")
    assert again.stdout == f"Demo exhibition '{DEMO_SLUG}' already there.\n"


def test_seed_demo_today_moves_a_demo_loaded_before_to_today(app, runner):
    from exhibition.programme.models import ConferenceSession

    assert invoke(app, runner, "seed-demo").exit_code == 0
    before = row_counts(app)

    def schedule():
        with app.app_context():
            event = db.session.scalar(sa.select(Event))
            starts = db.session.scalars(
                sa.select(ConferenceSession.starts_at).order_by(ConferenceSession.id)
            ).all()
            return event.first_day, [s - event.starts_at for s in starts]

    first_day, offsets = schedule()

    moved = invoke(app, runner, "seed-demo", "--today")

    today = local_today()
    assert moved.exit_code == 0, moved.output
    assert moved.stdout == (
        f"Demo exhibition '{DEMO_SLUG}' moved: {today:%Y-%m-%d} to "
        f"{today + timedelta(days=3):%Y-%m-%d}.\n"
    )
    assert first_day == today + timedelta(days=21)
    assert schedule() == (today, offsets)  # the sessions moved with it
    assert row_counts(app) == before
    again = invoke(app, runner, "seed-demo", "--today")
    assert again.stdout == f"Demo exhibition '{DEMO_SLUG}' already there.\n"
    assert schedule() == (today, offsets)


def test_seed_demo_login_file_holds_the_organisers_working_login(app, runner, client):
    assert invoke(app, runner, "seed-demo").exit_code == 0
    login_file = Path(app.instance_path) / "organiser-login.txt"
    assert login_file.stat().st_mode & 0o777 == 0o600
    text = login_file.read_text()
    login = re.fullmatch(r"Organiser login: (\S+) / (\S+)\n", text)
    assert login is not None
    assert login.group(1) == "organiser@example.com"
    assert web_login(client, login.group(1), login.group(2)).status_code == 302


def test_show_login_prints_a_fresh_set_up_link_that_sets_a_station_up(
    app, runner, browser, live_server
):
    """`make run` once printed the device's token, which stopped working as soon as a set-up link
    replaced it; it prints a one-time set-up link (and its QR code) instead, fresh each time."""
    import zxingcpp

    assert invoke(app, runner, "seed-demo").exit_code == 0
    shown = invoke(app, runner, "show-login")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == Path(app.instance_path, "organiser-login.txt").read_text().strip()
    link = set_up_link(shown.stdout)
    assert link.startswith("http://testserver.local/checkin/setup/")
    assert [r.text for r in zxingcpp.read_barcodes(terminal_qr(shown.stdout))] == [link]
    with app.app_context():
        badge = db.session.scalar(sa.select(Registration.badge_code).limit(1))

    station = browser.new_context(locale="en-GB").new_page()
    station.goto(live_server + link.removeprefix("http://testserver.local") + "?lang=en")
    station.wait_for_selector("#scanner:not([hidden])")
    assert "Cổng 1" in station.inner_text("#station-name")
    station.fill("#scan-input", badge)
    station.press("#scan-input", "Enter")
    # The demo opens in three weeks: amber, with its days, and the operator may let them in.
    result = station.wait_for_selector('[data-checkin-result="not_today"]')
    first = demo_event(app).first_day
    assert f"Exhibition days: {first:%d/%m/%Y} – " in result.inner_text()
    assert station.is_visible("#admit")

    again = invoke(app, runner, "show-login")
    second_link = set_up_link(again.stdout)
    assert second_link != link
    used = browser.new_context().new_page()
    used.goto(live_server + link.removeprefix("http://testserver.local") + "?lang=en")
    error = used.wait_for_selector("#setup-error:not([hidden])")
    assert "has been used or has expired" in error.inner_text()

    # Another station set up by the new link replaces the first one's code.
    other = browser.new_context().new_page()
    other.goto(live_server + second_link.removeprefix("http://testserver.local") + "?lang=vi")
    other.wait_for_selector("#scanner:not([hidden])")
    station.fill("#scan-input", badge)
    station.press("#scan-input", "Enter")
    error = station.wait_for_selector("#setup-error:not([hidden])")
    assert error.inner_text() == (
        "The device code is wrong or has been replaced. Set this station up again with a new "
        "set-up link."
    )
    other.evaluate("() => window.localStorage.setItem('exhibition.deviceToken', 'nope')")
    other.reload()
    error = other.wait_for_selector("#setup-error:not([hidden])")
    assert error.inner_text() == (
        "Mã thiết bị không đúng hoặc đã được thay thế. Hãy thiết lập lại trạm này bằng đường "
        "dẫn thiết lập mới."
    )


# ---------------------------------------------------------------- mail worker


def test_mail_worker_once_without_mail_server_writes_eml(app, runner, make_event, make_visitor):
    assert not app.config["MAIL_SERVER"]
    make_event()
    visitor = make_visitor()
    mail_dir = Path(app.config["MAIL_FILE_DIR"])
    assert mail_dir == Path(app.instance_path) / "mail"

    result = invoke(app, runner, "mail-worker", "--once")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Sent 1 message(s).\n"
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.registration_id == visitor["id"]
        assert (message.status, message.transport, message.attempts) == (
            MessageStatus.SENT,
            "file",
            1,
        )
        assert message.sent_at is not None
        message_id, subject = message.id, message.subject
    files = sorted(mail_dir.iterdir())
    assert [f.name for f in files] == [f"{message_id:08d}-confirmation.eml"]
    email = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert email["To"] == visitor["email"]
    assert email["Subject"] == subject
    assert visitor["badge_code"] in email.get_body(("plain",)).get_content()


def test_mail_worker_once_with_nothing_due_sends_nothing(app, runner):
    result = invoke(app, runner, "mail-worker", "--once")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Sent 0 message(s).\n"

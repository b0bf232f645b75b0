"""Command-line interface: events, devices, organisers, the demo data and the mail worker."""

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa

from exhibition.admin.models import User
from exhibition.checkin.models import Device, Scan
from exhibition.events.models import Event
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.visitors.models import Consent, Registration, VisitorCategory
from tests.conftest import csrf_token, scan

DEMO_SLUG = "cnht-haiphong-2021"
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


def test_seed_demo_loads_the_announced_exhibition(app, runner):
    result = invoke(app, runner, "seed-demo")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Demo exhibition '{DEMO_SLUG}' loaded.\n"
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        assert event.slug == DEMO_SLUG
        assert event.name_vi == DEMO_NAME
        assert event.starts_at == datetime(2021, 11, 23, 2, 0, tzinfo=UTC)
        assert event.timezone == "Asia/Ho_Chi_Minh"
        registrations = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id)
        )
    assert registrations >= 40
    # Demo visitors get no e-mail.
    assert count(app, OutboxMessage) == 0
    assert (count(app, User), count(app, Device)) == (1, 1)


def test_seed_demo_twice_changes_nothing(app, runner):
    first = invoke(app, runner, "seed-demo")
    assert first.exit_code == 0, first.output
    login_file = Path(app.instance_path) / "organiser-login.txt"
    written = login_file.read_text()
    before = row_counts(app)

    second = invoke(app, runner, "seed-demo")

    assert second.exit_code == 0, second.output
    assert second.stdout == f"Demo exhibition '{DEMO_SLUG}' already there.\n"
    assert row_counts(app) == before
    assert login_file.read_text() == written


def test_seed_demo_login_file_holds_working_credentials(app, runner, client):
    assert invoke(app, runner, "seed-demo").exit_code == 0
    login_file = Path(app.instance_path) / "organiser-login.txt"
    assert login_file.stat().st_mode & 0o777 == 0o600
    text = login_file.read_text()
    login = re.search(r"^Organiser login: (\S+) / (\S+)$", text, re.M)
    device = re.search(r"^Demo check-in device token \(Cổng 1\): (\S+)$", text, re.M)
    assert login is not None and device is not None
    assert login.group(1) == "organiser@example.com"

    assert web_login(client, login.group(1), login.group(2)).status_code == 302
    with app.app_context():
        badge = db.session.scalar(
            sa.select(Registration.badge_code).where(Registration.checked_in_at.is_(None)).limit(1)
        )
    response = scan(client, device.group(1), badge, "n1")
    assert response.status_code == 200
    # The token works; the demo exhibition (dated as in the announcement) is not on today.
    assert response.json["result"] == "not_today"
    assert response.json["attendee"]["name"]

    shown = invoke(app, runner, "show-login")
    assert shown.stdout == text


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

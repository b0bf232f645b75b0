"""Staff accounts and roles: what each role sees and may do, and the audit log."""

import re
from datetime import timedelta

import sqlalchemy as sa

from exhibition.accounts.audit import describe
from exhibition.accounts.models import AuditEntry, Membership, Role, User
from exhibition.accounts.services import create_organiser, grant_role
from exhibition.checkin.models import Device
from exhibition.dbtypes import utcnow
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from tests.admin.test_sign_in import rendered_form
from tests.conftest import csrf_token
from tests.pages import form_posting_to

PASSWORD = "mat-khau-dai"


def account(app, email, *, role=None, slug="expo-2026", administrator=False):
    with app.app_context():
        user = create_organiser(email=email, password=PASSWORD, administrator=administrator)
        if role is not None:
            grant_role(user=user, event=get_event(slug=slug), role=role)
        db.session.commit()
        return user.id


def sign_in(client, email, password=PASSWORD):
    page = client.get("/admin/login?lang=en")
    response = client.post(
        "/admin/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
    )
    assert response.status_code == 302
    return client


def entries(app, action=None):
    """The log's entries, each with its details as the English log shows them."""
    with app.test_request_context("/?lang=en"):
        stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        return [
            (e.actor, e.action, e.target_type, e.target_id, describe(e))
            for e in db.session.scalars(stmt)
        ]


def link_in_mail(app, to: str) -> str:
    """The path of the set-password link in the latest message to `to`."""
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(OutboxMessage.to_address == to)
            .order_by(OutboxMessage.id.desc())
        )
        return re.search(r"http://testserver\.local(/admin/set-password/\S+)", message.body_text)[1]


def set_password(client, path: str, password: str, confirm: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(
        path,
        data=rendered_form(page.text, password=password, confirm=confirm or password),
    )


def test_administrator_creates_checkin_staff_who_sees_only_desk_and_station(
    app, client, make_event
):
    make_event()
    make_event(slug="other-2026")
    account(app, "admin@example.com", administrator=True)
    sign_in(client, "admin@example.com")
    page = client.get("/admin/staff/new")
    with app.app_context():
        event_id = get_event(slug="expo-2026").id

    response = client.post(
        "/admin/staff/new",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "Soat.Ve@Example.com",
            "name": "Lê Văn Soát",
            "language": "vi",
            "active": "y",
            f"role_{event_id}_checkin": "y",
        },
    )

    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "soat.ve@example.com"))
        assert not user.administrator
        assert [(m.event.slug, m.role) for m in user.memberships] == [("expo-2026", Role.CHECKIN)]
    assert entries(app, "user.created") == [
        (
            "admin@example.com",
            "user.created",
            "user",
            user.id,
            "soat.ve@example.com · Check-in staff (expo-2026)",
        )
    ]
    staff = app.test_client()
    set_password(staff, link_in_mail(app, "soat.ve@example.com"), "mat-khau-moi-1")
    staff = sign_in(app.test_client(), "soat.ve@example.com", "mat-khau-moi-1")  # the new one
    home = staff.get("/admin/")
    assert "/admin/events/expo-2026/desk" in home.text
    assert "other-2026" not in home.text
    assert "/admin/mail" not in home.text and "/admin/staff" not in home.text
    desk = staff.get("/admin/events/expo-2026/desk")
    assert desk.status_code == 200
    tabs = re.findall(r'href="/admin/events/expo-2026/([a-z-/]+)"', desk.text)
    assert set(tabs) == {"desk", "station"}
    assert staff.get("/admin/events/expo-2026/registrations").status_code == 403
    assert staff.get("/admin/events/other-2026/desk").status_code == 403
    stats = staff.get("/api/v1/events/expo-2026/stats")
    assert stats.status_code == 403 and stats.json["error"]["code"] == "forbidden"


def test_role_can_be_taken_away_and_account_disabled(app, client, make_event):
    make_event()
    account(app, "admin@example.com", administrator=True)
    user_id = account(app, "org@example.com", role=Role.ORGANISER)
    staff = sign_in(app.test_client(), "org@example.com")
    assert staff.get("/admin/events/expo-2026/registrations").status_code == 200
    sign_in(client, "admin@example.com")
    page = client.get(f"/admin/staff/{user_id}")
    assert re.search(r'<input[^>]*checked[^>]*name="role_\d+_organiser"', page.text)

    client.post(
        f"/admin/staff/{user_id}",
        data={"csrf_token": csrf_token(page.text), "email": "org@example.com", "active": "y"},
    )

    assert staff.get("/admin/events/expo-2026/registrations").status_code == 403
    page = client.get(f"/admin/staff/{user_id}")
    disabled = client.post(
        f"/admin/staff/{user_id}",
        data={"csrf_token": csrf_token(page.text), "email": "org@example.com"},
    )
    assert disabled.status_code == 302
    # Disabled: the session no longer counts, and signing in again is refused.
    assert staff.get("/admin/").status_code == 302
    page = staff.get("/admin/login?lang=en")
    refused = staff.post(
        "/admin/login",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "org@example.com",
            "password": PASSWORD,
        },
    )
    assert refused.status_code == 401
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0


def test_last_administrator_cannot_demote_or_disable_themselves(app, client):
    user_id = account(app, "admin@example.com", administrator=True)
    sign_in(client, "admin@example.com")
    page = client.get(f"/admin/staff/{user_id}")

    response = client.post(
        f"/admin/staff/{user_id}",
        data={"csrf_token": csrf_token(page.text), "email": "admin@example.com", "active": "y"},
    )

    assert response.status_code == 422
    assert "At least one active administrator must remain." in response.text
    with app.app_context():
        assert db.session.get(User, user_id).administrator is True


def test_new_account_with_a_used_email_is_refused(app, client):
    account(app, "admin@example.com", administrator=True)
    sign_in(client, "admin@example.com")
    page = client.get("/admin/staff/new")

    taken = client.post(
        "/admin/staff/new",
        data={"csrf_token": csrf_token(page.text), "email": "ADMIN@example.com",
              "language": "vi", "active": "y"},
    )  # fmt: skip

    assert taken.status_code == 422
    assert "Another account already uses this e-mail address." in taken.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_organiser_sees_and_retries_only_their_exhibitions_mail(app, client, make_event):
    make_event()
    make_event(slug="other-2026")
    with app.app_context():
        for slug, to in (("expo-2026", "mine@example.com"), ("other-2026", "theirs@example.com")):
            db.session.add(
                OutboxMessage(
                    event_id=get_event(slug=slug).id,
                    kind="confirmation",
                    to_address=to,
                    subject="Xác nhận",
                    body_text="x",
                    body_html="<p>x</p>",
                    status=MessageStatus.FAILED,
                )
            )
        db.session.commit()
        theirs = db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.to_address == "theirs@example.com")
        )
    account(app, "org@example.com", role=Role.ORGANISER)
    sign_in(client, "org@example.com")

    page = client.get("/admin/mail")
    retry = client.post(f"/admin/mail/{theirs}/retry", data={"csrf_token": csrf_token(page.text)})
    client.post("/admin/mail/retry-failed", data={"csrf_token": csrf_token(page.text)})

    assert "mine@example.com" in page.text and "theirs@example.com" not in page.text
    assert retry.status_code == 404
    with app.app_context():
        statuses = dict(
            db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.status)).all()
        )
    assert statuses == {
        "mine@example.com": MessageStatus.PENDING,
        "theirs@example.com": MessageStatus.FAILED,
    }
    assert entries(app, "mail.retry_failed")[0][4] == "1 message"


def test_checkin_staff_turn_their_phone_into_a_station(app, client, make_event):
    make_event()
    account(app, "soat@example.com", role=Role.CHECKIN)
    sign_in(client, "soat@example.com")
    page = client.get("/admin/events/expo-2026/station")
    checkpoint = re.search(r'<option[^>]*value="(\d+)"', page.text).group(1)

    response = client.post(
        "/admin/events/expo-2026/station",
        data={
            "csrf_token": csrf_token(page.text),
            "checkpoint": checkpoint,
            "name": "Điện thoại Soát",
        },
    )

    assert response.status_code == 302
    assert re.fullmatch(r"/checkin/setup/[\w-]+", response.headers["Location"])
    with app.app_context():
        device = db.session.scalar(sa.select(Device))
        assert (device.name, device.checkpoint_id) == ("Điện thoại Soát", int(checkpoint))
    assert entries(app, "device.created")[0][:4] == (
        "soat@example.com",
        "device.created",
        "device",
        device.id,
    )
    # The set-up link works like one made by an organiser: the device gets its token.
    setup = client.get(response.headers["Location"])
    assert setup.status_code == 200


def test_booth_moves_and_exports_are_in_the_searchable_audit_log(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_event(slug="other-2026")
    make_floor()
    exhibitor_id = make_exhibitor()
    account(app, "gian@example.com", role=Role.EXHIBITORS)
    account(app, "org@example.com", role=Role.ORGANISER)
    manager = sign_in(app.test_client(), "gian@example.com")
    booth = "/admin/events/expo-2026/booths/A01"
    assign = form_posting_to(manager.get(booth).text, "/A01/assign", booth)
    manager.post(assign.action, data=assign.data(exhibitor_id=str(exhibitor_id)))
    move = form_posting_to(manager.get(booth).text, "/A01/move", booth)
    manager.post(move.action, data=move.data(to="A03"))
    manager.get("/admin/events/expo-2026/exhibitors/export.csv")

    log = entries(app)
    assert [(actor, action) for actor, action, *_ in log] == [
        ("gian@example.com", "booth.assigned"),
        ("gian@example.com", "booth.moved"),
        ("gian@example.com", "exhibitors.exported"),
    ]
    assert log[1][4] == "A01 → A03"
    # Organisers search the exhibition's log; the exhibitor manager may not read it.
    assert manager.get("/admin/events/expo-2026/audit").status_code == 403
    sign_in(client, "org@example.com")
    found = client.get("/admin/events/expo-2026/audit?q=a03")
    assert found.status_code == 200
    assert "A01 → A03" in found.text and "<td>Booth assigned" not in found.text
    by_action = client.get("/admin/events/expo-2026/audit?action=booth")
    assert "<td>Booth moved" in by_action.text and "<td>Exhibitors exported" not in by_action.text
    other = client.get("/admin/events/other-2026/audit")
    assert other.status_code == 403
    today = utcnow().date()
    none_later = client.get(f"/admin/events/expo-2026/audit?from={today + timedelta(days=2)}")
    assert "Nothing recorded yet." in none_later.text


def test_cli_creates_an_account_with_a_role_in_one_exhibition(app, runner, make_event):
    make_event()
    result = runner.invoke(
        args=["create-organiser", "--email", "soat@example.com", "--password", "mat-khau-dai",
              "--role", "checkin", "--event", "expo-2026"],
    )  # fmt: skip
    missing = runner.invoke(
        args=["create-organiser", "--email", "x@example.com", "--password", "mat-khau-dai",
              "--role", "organiser"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.output == "soat@example.com can sign in (checkin: expo-2026).\n"
    assert missing.exit_code == 2 and "--event" in missing.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "soat@example.com"))
        assert not user.administrator
        assert [m.role for m in user.memberships] == [Role.CHECKIN]

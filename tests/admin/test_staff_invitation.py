"""A new member of staff is invited by e-mail and chooses their own password by a one-time link;
an administrator never types anyone's password."""

from datetime import timedelta

import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry, User
from exhibition.dbtypes import utcnow
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.worker import deliver_batch
from tests.admin.test_sign_in import rendered_form, sign_in
from tests.admin.test_staff import PASSWORD, account, link_in_mail, set_password
from tests.conftest import use_smtp


def test_new_staff_account_is_invited_and_its_owner_sets_the_password_once(
    app, client, make_event, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    account(app, "admin@example.com", administrator=True)
    sign_in(client, "admin@example.com")
    with app.app_context():
        event_id = get_event(slug="expo-2026").id
    page = client.get("/admin/staff/new")
    assert 'name="password"' not in page.text  # the administrator invents no password

    created = client.post(
        "/admin/staff/new",
        data=rendered_form(
            page.text,
            email="Soat.Ve@Example.com",
            name="Lê Văn Soát",
            language="vi",
            **{f"role_{event_id}_checkin": "y"},
        ),
    )

    assert created.status_code == 302
    with app.app_context():
        assert deliver_batch() == {"sent": 1, "retry": 0, "failed": 0}
    (invitation,) = smtp_server.wait_for(1)
    assert invitation["To"] == "soat.ve@example.com"
    assert invitation["Subject"] == "Tài khoản nhân sự của Ông/Bà: xin đặt mật khẩu"
    assert invitation["Reply-To"] is None  # no exhibition's contact: nobody to reply to
    text = invitation.get_body(("plain",)).get_content()
    assert text.startswith("Kính gửi ") and "Lê Văn Soát," in text.splitlines()[0]
    path = link_in_mail(app, "soat.ve@example.com")
    assert path in invitation.get_body(("html",)).get_content()

    staff = app.test_client()
    short = set_password(staff, path, "ngan")
    assert short.status_code == 422
    assert "Từ 8 đến 200 ký tự." in short.text  # the link opens in the e-mail's language
    different = set_password(staff, path, "mat-khau-moi-1", "mat-khau-moi-2")
    assert different.status_code == 422
    assert "Hai mật khẩu không giống nhau." in different.text

    done = set_password(staff, path, "mat-khau-moi-1")

    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    assert "/admin/events/expo-2026/desk" in staff.get("/admin/").text  # signed in
    used = app.test_client().get(path)
    assert used.status_code == 410
    assert "Liên kết này đã hết hạn hoặc đã được dùng." in used.text
    fresh = app.test_client()
    assert sign_in(fresh, "soat.ve@example.com", "mat-khau-moi-1").status_code == 302
    with app.app_context():
        actions = db.session.execute(
            sa.select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("admin@example.com", "user.created"),
        ("soat.ve@example.com", "user.password_set"),
    ]


def test_invitation_in_english_when_chosen(app, client):
    account(app, "admin@example.com", administrator=True)
    sign_in(client, "admin@example.com")
    page = client.get("/admin/staff/new")
    client.post(
        "/admin/staff/new",
        data=rendered_form(page.text, email="john@example.com", name="", language="en"),
    )
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.language == "en"
        assert message.subject == "Your staff account: set your password"
        assert message.body_text.startswith("Dear Sir or Madam,\n")


def test_set_password_link_expires_after_seven_days(app):
    from exhibition.accounts.services import password_link

    user_id = account(app, "late@example.com", administrator=False)
    with app.app_context():
        user = db.session.get(User, user_id)
        old = password_link(user=user, now=utcnow() - timedelta(days=7, minutes=1))
        recent = password_link(user=user, now=utcnow() - timedelta(days=6, hours=23))
    client = app.test_client()
    assert client.get(f"/admin/set-password/{old}").status_code == 410
    assert client.get(f"/admin/set-password/{recent}").status_code == 200
    assert client.get("/admin/set-password/not-a-token").status_code == 410
    assert client.get(f"/admin/set-password/{recent[:-2]}xx").status_code == 410


def test_administrator_sends_a_new_password_link_and_the_old_password_works_until_it_is_used(
    app, client
):
    account(app, "admin@example.com", administrator=True)
    user_id = account(app, "org@example.com")
    copied = app.test_client()
    assert sign_in(copied, "org@example.com").status_code == 302
    sign_in(client, "admin@example.com")
    page = client.get(f"/admin/staff/{user_id}")
    assert 'name="password"' not in page.text

    sent = client.post(
        f"/admin/staff/{user_id}/password-link",
        data=rendered_form(page.text, f"/admin/staff/{user_id}/password-link", language="vi"),
    )

    assert sent.status_code == 302
    path = link_in_mail(app, "org@example.com")
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.kind)) == "staff_password_link"
    assert copied.get("/admin/").status_code == 200  # nothing changed yet
    assert sign_in(app.test_client(), "org@example.com").status_code == 302

    assert set_password(app.test_client(), path, "mat-khau-moi-9").status_code == 302

    assert copied.get("/admin/").status_code == 302  # every other session ended
    assert sign_in(app.test_client(), "org@example.com", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "org@example.com", "mat-khau-moi-9").status_code == 302


def test_link_of_an_account_switched_off_does_not_work(app, client):
    from exhibition.accounts.services import password_link

    account(app, "admin@example.com", administrator=True)
    user_id = account(app, "gone@example.com", administrator=False)
    with app.app_context():
        token = password_link(user=db.session.get(User, user_id))
    sign_in(client, "admin@example.com")
    page = client.get(f"/admin/staff/{user_id}")
    off = client.post(f"/admin/staff/{user_id}", data=rendered_form(page.text, active=None))
    assert off.status_code == 302
    assert app.test_client().get(f"/admin/set-password/{token}").status_code == 410

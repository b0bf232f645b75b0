"""Rate limits on what people can abuse, with a readable 429; repeated sign-ups do not spam."""

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from tests.conftest import csrf_token, make_app
from tests.visitors.test_registration_flow import form_data


def test_login_attempts_are_limited_with_a_clear_429(db_url, tmp_path):
    app = make_app(db_url, tmp_path / "instance", RATELIMIT_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/admin/login?lang=en").text)
    codes = [
        client.post(
            "/admin/login",
            data={"csrf_token": token, "email": "x@example.com", "password": "wrong"},
        ).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]
    limited = client.post(
        "/admin/login", data={"csrf_token": token, "email": "x@example.com", "password": "wrong"}
    )
    assert "Too many requests" in limited.text
    with app.app_context():
        db.engine.dispose()


def test_signing_up_again_and_again_sends_one_reminder_per_ten_minutes(app, client, make_event):
    make_event()
    for _ in range(4):
        page = client.get("/events/expo-2026/register")
        client.post("/events/expo-2026/register", data=form_data(app, page.text))
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["confirmation", "confirmation_again"]

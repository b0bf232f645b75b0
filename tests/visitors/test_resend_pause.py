"""Signing up again with a registered address e-mails the link again at most once per pause,
even when many sign-ups with that address arrive at the same moment."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from exhibition.dbtypes import utcnow
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.visitors.models import Registration
from tests.visitors.test_registration_flow import form_data

ADDRESS = "nhung.nguyen@example.com"


def _sign_up(app, client):
    page = client.get("/events/expo-2026/register")
    return client.post("/events/expo-2026/register", data=form_data(app, page.text))


def _mails(app, kind):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.kind == kind, OutboxMessage.to_address == ADDRESS
            )
        )


def test_twenty_sign_ups_at_once_with_a_registered_address_send_one_email(app, make_event):
    """At the same moment on PostgreSQL; on SQLite, which serialises writers, one after another."""
    make_event()
    assert _sign_up(app, app.test_client()).status_code == 302
    assert _mails(app, "confirmation") == 1
    clients = [app.test_client() for _ in range(20)]
    pages = [c.get("/events/expo-2026/register").text for c in clients]
    answers = []
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        start = threading.Barrier(len(clients))

        def sign_up(client, page):
            start.wait()
            response = client.post("/events/expo-2026/register", data=form_data(app, page))
            answers.append(response.headers.get("Location"))

        threads = [
            threading.Thread(target=sign_up, args=pair) for pair in zip(clients, pages, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for client, page in zip(clients, pages, strict=True):
            response = client.post("/events/expo-2026/register", data=form_data(app, page))
            answers.append(response.headers.get("Location"))

    assert answers == ["/events/expo-2026/register/sent"] * 20
    assert _mails(app, "confirmation_again") == 1
    assert _mails(app, "confirmation") == 1


def test_the_link_goes_again_once_the_pause_is_over(app, client, make_event):
    make_event()
    _sign_up(app, client)
    _sign_up(app, client)
    _sign_up(app, client)
    assert _mails(app, "confirmation_again") == 1
    with app.app_context():
        db.session.execute(
            sa.update(Registration).values(link_resent_at=utcnow() - timedelta(minutes=11))
        )
        db.session.commit()
    _sign_up(app, client)
    _sign_up(app, client)
    assert _mails(app, "confirmation_again") == 2

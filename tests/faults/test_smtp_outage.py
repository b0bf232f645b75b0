"""SMTP down for a while during registrations: the form still works, the worker retries with
backoff, and when the server returns every confirmation arrives exactly once."""

import threading
import time
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from exhibition.dbtypes import utcnow
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.mail.worker import deliver_batch
from exhibition.mail.worker import run as run_worker
from exhibition.visitors.models import VisitorCategory
from tests.conftest import csrf_token, use_smtp

PEOPLE = 6


def register_by_form(app, client, email):
    """Sign up through the public form, as a visitor's browser does (CSRF on)."""
    with app.app_context():
        category = db.session.scalar(
            sa.select(VisitorCategory.id).where(VisitorCategory.code == "trade")
        )
    page = client.get("/events/expo-2026/register")
    assert page.status_code == 200
    response = client.post(
        "/events/expo-2026/register",
        data={
            "csrf_token": csrf_token(page.text),
            "full_name": "Trần Văn Bình",
            "email": email,
            "phone": "0912 345 678",
            "organisation": "Công ty Cổ phần Nhựa Tiền Phong",
            "job_title": "Kỹ sư",
            "category": str(category),
            "province": "HP",
            "country": "",
            "sectors": ["mechanical"],
            "language": "vi",
            "consent_processing": "y",
        },
    )
    assert response.status_code == 302, response.text[:500]
    assert response.headers["Location"].startswith("/r/")


def rows(app):
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def wait_until_due(app):
    """Sleep until every waiting message is due (the backoff is real time here)."""
    with app.app_context():
        due = db.session.scalar(sa.select(sa.func.max(OutboxMessage.next_attempt_at)))
        db.session.remove()
    delay = (due - utcnow()).total_seconds()
    if delay > 0:
        time.sleep(delay + 0.05)


def test_smtp_down_during_registrations_every_confirmation_arrives_once(
    app, client, make_event, smtp_server
):
    use_smtp(app, smtp_server)
    assert app.config["MAIL_RETRY_BASE_SECONDS"] == 1
    make_event()
    smtp_server.stop()
    emails = [f"khach{number}@example.com" for number in range(PEOPLE)]
    for email in emails:
        register_by_form(app, client, email)
    assert [(m.to_address, m.status) for m in rows(app)] == [
        (email, MessageStatus.PENDING) for email in emails
    ]

    # Two rounds with the server down: each fails, and the next try waits twice as long.
    for attempt, backoff in ((1, 1), (2, 2)):
        wait_until_due(app)
        before = utcnow()
        with app.app_context():
            assert deliver_batch(limit=20) == {"sent": 0, "retry": PEOPLE, "failed": 0}
            assert deliver_batch(limit=20, now=before) == {"sent": 0, "retry": 0, "failed": 0}
        after = utcnow()
        for message in rows(app):
            assert (message.status, message.attempts) == (MessageStatus.PENDING, attempt)
            assert message.last_error.startswith("ConnectionRefusedError")
            assert message.sent_at is None
            earliest = before + timedelta(seconds=backoff)
            assert earliest <= message.next_attempt_at <= after + timedelta(seconds=backoff)
    assert smtp_server.messages == []

    # The server is back: the mail worker's loop drains the outbox.
    smtp_server.start()
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker, args=(app,), kwargs={"interval": 0.1, "stop": stop}, daemon=True
    )
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(m.status is MessageStatus.SENT for m in rows(app)):
                break
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=15)
    assert not worker.is_alive()

    final = rows(app)
    assert [(m.status, m.attempts, m.transport, m.last_error) for m in final] == [
        (MessageStatus.SENT, 3, "smtp", "")
    ] * PEOPLE
    assert all(m.sent_at is not None and m.claim_token is None for m in final)
    with app.app_context():  # nothing is due any more, however late
        assert deliver_batch(now=utcnow() + timedelta(days=1)) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
        }
    received = smtp_server.wait_for(PEOPLE)
    assert Counter(m["To"] for m in received) == Counter(emails)
    assert sorted(int(m["X-Outbox-Id"]) for m in received) == [m.id for m in final]
    assert all(m["Subject"] == final[0].subject for m in received)

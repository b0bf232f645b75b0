"""Delivery from the outbox to a real SMTP server: retries, permanent failures, several workers."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from exhibition.dbtypes import utcnow
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.mail.services import claim_due, enqueue
from exhibition.mail.worker import deliver_batch
from exhibition.mail.worker import run as run_worker
from tests.conftest import use_smtp


def outbox(app):
    with app.app_context():
        return [
            (m.status, m.attempts, m.last_error, m.transport)
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_smtp_down_at_registration_then_back_delivers_once(
    app, make_event, make_visitor, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    smtp_server.stop()
    visitor = make_visitor(email="mai.tran@example.com")  # registration succeeds while SMTP is down
    with app.app_context():
        assert deliver_batch() == {"sent": 0, "retry": 1, "failed": 0}
    ((status, attempts, error, _),) = outbox(app)
    assert (status, attempts) == (MessageStatus.PENDING, 1)
    assert "ConnectionRefusedError" in error

    smtp_server.start()
    with app.app_context():
        assert deliver_batch() == {"sent": 0, "retry": 0, "failed": 0}  # backing off: not due yet
        assert deliver_batch(now=utcnow() + timedelta(minutes=5)) == {
            "sent": 1,
            "retry": 0,
            "failed": 0,
        }
        assert deliver_batch(now=utcnow() + timedelta(hours=2)) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
        }
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == visitor["email"]
    assert outbox(app)[0][:2] == (MessageStatus.SENT, 2)
    assert outbox(app)[0][3] == "smtp"


def test_recipient_refused_is_a_permanent_failure(app, make_event, make_visitor, smtp_server):
    use_smtp(app, smtp_server)
    make_event()
    make_visitor(email="reject-me@example.com")
    with app.app_context():
        assert deliver_batch() == {"sent": 0, "retry": 0, "failed": 1}
    ((status, attempts, error, _),) = outbox(app)
    assert (status, attempts) == (MessageStatus.FAILED, 1)
    assert "550" in error
    assert smtp_server.messages == []


def test_transient_failures_stop_after_max_attempts(app, make_event, make_visitor, smtp_server):
    use_smtp(app, smtp_server)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    make_event()
    smtp_server.stop()
    make_visitor()
    later = utcnow()
    with app.app_context():
        for _ in range(3):
            later += timedelta(hours=2)
            deliver_batch(now=later)
    ((status, attempts, _, _),) = outbox(app)
    assert (status, attempts) == (MessageStatus.FAILED, 3)


def test_message_of_a_dead_worker_is_taken_again_after_its_lease(
    app, make_event, make_visitor, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    make_visitor()
    with app.app_context():
        _, claimed = claim_due(limit=10, now=utcnow(), lease_seconds=300, max_attempts=8)
        assert len(claimed) == 1  # then the worker dies
        db.session.commit()
        assert deliver_batch() == {"sent": 0, "retry": 0, "failed": 0}  # still leased
        assert deliver_batch(now=utcnow() + timedelta(seconds=301)) == {
            "sent": 1,
            "retry": 0,
            "failed": 0,
        }
    assert len(smtp_server.wait_for(1)) == 1


def test_no_mail_server_writes_eml_files(app, make_event, make_visitor):
    make_event()
    make_visitor(email="file@example.com")
    with app.app_context():
        assert deliver_batch() == {"sent": 1, "retry": 0, "failed": 0}
        from pathlib import Path

        files = list(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert len(files) == 1
    assert b"file@example.com" in files[0].read_bytes()
    assert outbox(app)[0][3] == "file"


def test_two_workers_deliver_every_message_exactly_once(app, smtp_server):
    use_smtp(app, smtp_server)
    with app.app_context():
        for number in range(60):
            enqueue(
                to=f"person{number}@example.com",
                subject=f"Message {number}",
                body_text="text",
                body_html="<p>html</p>",
                kind="test",
            )
        db.session.commit()
    start = threading.Barrier(2)
    sent = []

    def worker():
        start.wait()
        sent.append(run_worker(app, once=True, batch=4))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    messages = smtp_server.wait_for(60)
    ids = sorted(int(m["X-Outbox-Id"]) for m in messages)
    assert len(messages) == 60
    assert len(set(ids)) == 60
    assert sum(sent) == 60
    assert all(status is MessageStatus.SENT for status, *_ in outbox(app))


def test_an_unsendable_address_does_not_block_the_queue(app, make_event, make_visitor, smtp_server):
    use_smtp(app, smtp_server)
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    with app.app_context():
        enqueue(to="nguyễn@ví-dụ.vn", subject="x", body_text="t", body_html="<p>h</p>", kind="test")
        enqueue(to="ok@example.com", subject="y", body_text="t", body_html="<p>h</p>", kind="test")
        db.session.commit()
        assert deliver_batch() == {"sent": 1, "retry": 1, "failed": 0}
        assert deliver_batch(now=utcnow() + timedelta(hours=2)) == {
            "sent": 0,
            "retry": 0,
            "failed": 1,
        }
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["ok@example.com"]
    statuses = [status for status, *_ in outbox(app)]
    assert statuses == [MessageStatus.FAILED, MessageStatus.SENT]


def test_a_worker_that_lost_its_claim_records_nothing(app, make_event, make_visitor):
    from exhibition.mail.services import record_outcome

    make_event()
    make_visitor()
    with app.app_context():
        old_token, (message_id,) = claim_due(
            limit=10, now=utcnow(), lease_seconds=1, max_attempts=8
        )
        db.session.commit()
        new_token, claimed = claim_due(
            limit=10, now=utcnow() + timedelta(seconds=5), lease_seconds=300, max_attempts=8
        )
        db.session.commit()
        assert claimed == [message_id]
        assert (
            record_outcome(
                message_id=message_id, token=old_token, values={"status": MessageStatus.FAILED}
            )
            is False
        )
        assert (
            record_outcome(
                message_id=message_id, token=new_token, values={"status": MessageStatus.SENT}
            )
            is True
        )
        db.session.commit()
    assert outbox(app)[0][0] is MessageStatus.SENT


def test_a_message_whose_worker_keeps_dying_ends_failed(app, make_event, make_visitor):
    make_event()
    make_visitor()
    later = utcnow()
    with app.app_context():
        for _ in range(3):
            later += timedelta(hours=1)
            claim_due(limit=10, now=later, lease_seconds=60, max_attempts=3)
            db.session.commit()
        later += timedelta(hours=1)
        assert claim_due(limit=10, now=later, lease_seconds=60, max_attempts=3)[1] == []
        db.session.commit()
    status, attempts, error, _ = outbox(app)[0]
    assert (status, attempts) == (MessageStatus.FAILED, 3)
    assert "no attempts are left" in error


def test_each_outbox_message_keeps_one_message_id_at_every_attempt(app, smtp_server):
    """A message delivered twice (the SMTP window of docs/deployment.md) carries the same
    Message-ID both times, so mail services that collapse duplicates by it show it once."""
    from exhibition.mail.transport import _as_flask_mail

    use_smtp(app, smtp_server)
    with app.app_context():
        for number in range(2):
            enqueue(
                to=f"nguoi{number}@example.com",
                subject="Xin chào",
                body_text="x",
                body_html="<p>x</p>",
                kind="test",
            )
        db.session.commit()
        first, second = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        # Built twice for two attempts: the same identifier; another message: another one.
        assert _as_flask_mail(first).msgId == _as_flask_mail(first).msgId
        assert _as_flask_mail(first).msgId != _as_flask_mail(second).msgId
        assert deliver_batch() == {"sent": 2, "retry": 0, "failed": 0}
    received = smtp_server.wait_for(2)
    ids = sorted(message["Message-ID"] for message in received)
    assert len(set(ids)) == 2
    domain = app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].rstrip(">")
    assert all(i.startswith("<outbox.") and i.endswith(f"@{domain}>") for i in ids), ids

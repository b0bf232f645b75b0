"""A mail worker killed (SIGKILL) in the middle of a batch: another worker takes its messages
once their lease ends; nothing is lost, and only the message that was in flight at the kill can
arrive twice (the SMTP server had it, the dead worker never recorded it as sent).

A worker stopped the usual way (SIGTERM: systemd, a deploy) finishes its message in flight and
hands the rest of its batch back at once: nothing lost, nothing twice, no wait for a lease."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.mail.services import enqueue
from tests.faults.support import free_port

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 15  # a batch is 10: the first worker is killed inside its first batch
KILL_AFTER = 3  # messages the server has received from the first worker when it is killed
LEASE_SECONDS = 4  # longer than a batch takes (10 x 0.3 s), short enough for a test
pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


class SlowServer:
    """An SMTP server that takes each message (keeps it) and then is slow to answer 250, so
    that a worker can die after the server has the message but before it hears "accepted"."""

    def __init__(self, delay: float = 0.3):
        self.delay = delay
        self.lock = threading.Lock()
        self.received = []  # (outbox id, client address) in order of arrival
        self.message_ids: dict[int, set[str]] = {}  # outbox id -> Message-IDs it arrived with
        self.unconfirmed = []  # outbox ids whose sender left before the 250
        self.arrivals = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        outbox_id = int(message["X-Outbox-Id"])
        with self.arrivals:
            self.received.append((outbox_id, session.peer))
            self.message_ids.setdefault(outbox_id, set()).add(message["Message-ID"])
            self.arrivals.notify_all()
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:  # the client went away: it never got the 250
            with self.lock:
                self.unconfirmed.append(outbox_id)
            raise
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.arrivals:
            return self.arrivals.wait_for(lambda: len(self.received) >= count, timeout=timeout)


def worker_process(app, smtp_port: int, log: Path) -> subprocess.Popen:
    """`flask mail-worker` as a separate process on the test's PostgreSQL database."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "test-secret",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_USE_TLS": "0",
        "MAIL_USE_SSL": "0",
        "MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
        "MAIL_RETRY_BASE_SECONDS": "1",
        "MAIL_TIMEOUT": "10",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "mail-worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def queue_messages(app) -> list[int]:
    """MESSAGES confirmations in the outbox; their ids."""
    with app.app_context():
        for number in range(MESSAGES):
            enqueue(
                to=f"nguoi{number}@example.com",
                subject=f"Xác nhận {number}",
                body_text="Cảm ơn bạn đã đăng ký.",
                body_html="<p>Cảm ơn bạn đã đăng ký.</p>",
                kind="test",
            )
        db.session.commit()
        ids = sorted(db.session.scalars(sa.select(OutboxMessage.id)))
        db.session.remove()
        return ids


def statuses(app) -> dict[int, tuple[MessageStatus, int]]:
    with app.app_context():
        found = {m.id: (m.status, m.attempts) for m in db.session.scalars(sa.select(OutboxMessage))}
        db.session.remove()
        return found


def wait_until_all_sent(app, timeout: float = 60) -> None:
    """Until every message is sent, or the timeout (then the test's assertions report it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(status is MessageStatus.SENT for status, _ in statuses(app).values()):
            return
        time.sleep(0.2)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_its_message_in_flight(
    app, tmp_path
):
    ids = queue_messages(app)
    handler = SlowServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    log = tmp_path / "workers.log"
    first = worker_process(app, controller.port, log)
    second = None
    try:
        assert handler.wait_for(KILL_AFTER, timeout=60), log.read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with handler.lock:
            seen_at_kill = [outbox_id for outbox_id, _ in handler.received]
        at_kill = statuses(app)
        left_sending = {i for i, (status, _) in at_kill.items() if status is MessageStatus.SENDING}
        # Killed inside a batch: it held claimed messages it had not finished.
        assert left_sending, at_kill
        # Each message before the last was confirmed and recorded before the next one went.
        assert all(at_kill[i][0] is MessageStatus.SENT for i in seen_at_kill[:-1])

        second = worker_process(app, controller.port, log)
        wait_until_all_sent(app)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        controller.stop()

    final = statuses(app)
    first_connection = handler.received[0][1]  # the killed worker's (one batch, one connection)
    from_first = [outbox_id for outbox_id, peer in handler.received if peer == first_connection]
    assert {status for status, _ in final.values()} == {MessageStatus.SENT}, log.read_text()
    delivered = Counter(outbox_id for outbox_id, _ in handler.received)
    assert sorted(delivered) == ids  # nothing lost
    twice = {outbox_id for outbox_id, count in delivered.items() if count > 1}
    assert max(delivered.values()) <= 2
    # At most one message per killed worker arrives twice: the last one it handed to the server.
    assert twice <= {from_first[-1]}
    # A message the server kept but never confirmed is necessarily sent again.
    assert set(handler.unconfirmed) <= twice
    # ...with the same Message-ID, so that a mailbox may show it once.
    assert all(len(handler.message_ids[i]) == 1 for i in twice)
    # The dead worker's unfinished messages were taken over after their lease (a second attempt).
    assert {final[i][1] for i in left_sending} == {2}
    print(
        f"killed after {len(from_first)} received; in flight: {from_first[-1]}; "
        f"unconfirmed: {handler.unconfirmed}; delivered twice: {sorted(twice)}"
    )


def test_a_worker_stopped_with_sigterm_finishes_its_message_and_hands_back_the_rest(app, tmp_path):
    ids = queue_messages(app)
    handler = SlowServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    log = tmp_path / "workers.log"
    first = worker_process(app, controller.port, log)
    second = None
    try:
        assert handler.wait_for(2, timeout=60), log.read_text()
        first.send_signal(signal.SIGTERM)  # while it waits for the server's 250
        assert first.wait(timeout=20) == 0, log.read_text()
        at_stop = statuses(app)
        with handler.lock:
            received = [outbox_id for outbox_id, _ in handler.received]
        # What the server has is recorded as sent, the message in flight included; what the
        # worker had claimed and not sent is pending again, its attempt not counted.
        assert {i for i, (status, _) in at_stop.items() if status is MessageStatus.SENT} == set(
            received
        )
        assert {status for i, (status, _) in at_stop.items() if i not in received} == {
            MessageStatus.PENDING
        }
        assert {attempts for i, (_, attempts) in at_stop.items() if i not in received} == {0}
        assert "stopping after the message in flight" in log.read_text()

        second = worker_process(app, controller.port, log)
        wait_until_all_sent(app)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        controller.stop()

    final = statuses(app)
    assert {status for status, _ in final.values()} == {MessageStatus.SENT}, log.read_text()
    delivered = Counter(outbox_id for outbox_id, _ in handler.received)
    assert sorted(delivered) == ids  # nothing lost
    assert set(delivered.values()) == {1}  # nothing twice
    assert handler.unconfirmed == []
    assert {attempts for _, attempts in final.values()} == {1}

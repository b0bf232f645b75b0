"""The delivery loop: `flask mail-worker`, or a thread inside `flask serve`. It commits."""

import threading
from datetime import datetime, timedelta

from flask import Flask, current_app

from ..dbtypes import utcnow
from ..extensions import db
from .models import MessageStatus, OutboxMessage
from .services import (
    NothingToWrite,
    awaits_writing,
    claim_due,
    record_outcome,
    release_claims,
    store_written,
)
from .transport import PermanentFailure, Sender


def _later(attempts: int, error: Exception) -> tuple[str, dict]:
    """A failed attempt's outcome: tried again after a backoff, or failed for good when it was
    the last one."""
    config = current_app.config
    error_text = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= config["MAIL_MAX_ATTEMPTS"]:
        return "failed", {"status": MessageStatus.FAILED, "last_error": error_text}
    delay = min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1), 3600)
    return "retry", {
        "status": MessageStatus.PENDING,
        "last_error": error_text,
        "next_attempt_at": utcnow() + timedelta(seconds=delay),
    }


def _write_one(message: OutboxMessage, token: str) -> tuple[str, dict] | None:
    """Write a message queued by kind and store it (committed) before its first attempt: None
    when it is stored and can be sent, else the outcome to record (its subject is gone, or
    writing failed and is tried again later). A message this worker lost meanwhile is left."""
    attempts = message.attempts
    try:
        stored = store_written(message=message, token=token)
    except NothingToWrite as error:
        db.session.rollback()
        return "failed", {"status": MessageStatus.FAILED, "last_error": str(error)[:2000]}
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("mail worker: writing message %s failed", message.id)
        return _later(attempts, error)
    db.session.commit()
    return None if stored else ("lost", {})


def _send_one(sender: Sender, message: OutboxMessage) -> tuple[str, dict]:
    """Send one message: the outcome ("sent", "retry" or "failed") and the values to record."""
    attempts = message.attempts
    try:
        transport = sender.send(message)
    except PermanentFailure as error:
        outcome, values = (
            "failed",
            {"status": MessageStatus.FAILED, "last_error": str(error)[:2000]},
        )
    except Exception as error:  # connection refused, timeout, 4xx, a bad address: try again later
        outcome, values = _later(attempts, error)
    else:
        outcome = "sent"
        values = {
            "status": MessageStatus.SENT,
            "sent_at": utcnow(),
            "last_error": "",
            "transport": transport,
        }
    return outcome, values


def deliver_batch(
    *, limit: int = 10, now: datetime | None = None, stop: threading.Event | None = None
) -> dict[str, int]:
    """Claim due messages, send each, and record the outcome; commits after every message.

    When `stop` is set (the worker was asked to stop), the message in flight is finished and
    recorded, and the claimed messages not yet sent are handed back at once (not after their
    lease), uncounted, for another worker."""
    config = current_app.config
    now = now or utcnow()
    token, ids = claim_due(
        limit=limit,
        now=now,
        lease_seconds=config["MAIL_LEASE_SECONDS"],
        max_attempts=config["MAIL_MAX_ATTEMPTS"],
    )
    db.session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    sender = Sender()
    try:
        for position, message_id in enumerate(ids):
            if stop is not None and stop.is_set():
                released = release_claims(message_ids=ids[position:], token=token)
                db.session.commit()
                counts["released"] = released
                break
            message = db.session.get(OutboxMessage, message_id)
            written = _write_one(message, token) if awaits_writing(message) else None
            if written is not None and written[0] == "lost":
                current_app.logger.warning("mail worker: lost the claim on message %s", message_id)
                continue
            outcome, values = written or _send_one(sender, message)
            db.session.rollback()  # nothing of this transaction but the outcome below is kept
            if record_outcome(message_id=message_id, token=token, values=values):
                counts[outcome] += 1
            else:
                current_app.logger.warning("mail worker: lost the claim on message %s", message_id)
            db.session.commit()
    finally:
        sender.close()
    return counts


def run(
    app: Flask,
    *,
    interval: float = 2.0,
    stop: threading.Event | None = None,
    once: bool = False,
    batch: int = 10,
) -> int:
    """Deliver due messages until `stop` is set (with `once`, until none is due); returns how many were sent."""
    stop = stop or threading.Event()
    total = 0
    while True:
        with app.app_context():
            try:
                counts = deliver_batch(limit=batch, stop=stop)
                total += counts["sent"]
                busy = any(counts.values())
            except (
                Exception
            ):  # keep the worker alive; the message's lease expires and it is retried
                app.logger.exception("mail worker: batch failed")
                db.session.rollback()
                busy = False
            finally:
                db.session.remove()
        if not busy:
            if once or stop.wait(interval):
                return total
        elif stop.is_set():
            return total


def repeat(app: Flask, job, *, interval: float, stop: threading.Event | None, message: str) -> None:
    """Run `job()` now, then every `interval` seconds until `stop` is set, each run in its own
    app context; what it returns (counts by name) is logged with `message` when any is not
    zero, and a failure is logged and rolled back, the next run trying again (the periodic jobs
    of payments and business matching)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        with app.app_context():
            try:
                done = job()
                if any(done.values()):
                    app.logger.info(message, done)
            except Exception:  # keep the thread alive: the next run tries again
                app.logger.exception("%s: the job failed", message.split(":")[0])
                db.session.rollback()
            finally:
                db.session.remove()
        stop.wait(interval)


def start_in_thread(
    app: Flask, *, interval: float = 2.0, target=None, name: str = "mail-worker"
) -> tuple[threading.Thread, threading.Event]:
    """Run `target` (this worker's `run` by default; any loop taking the app, `interval` and a
    `stop` event, such as the payment job's) in a daemon thread; the event stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=target or run,
        args=(app,),
        kwargs={"interval": interval, "stop": stop},
        name=name,
        daemon=True,
    )
    thread.start()
    return thread, stop

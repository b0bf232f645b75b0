"""Writing messages to the outbox and delivering them (SMTP, or .eml files with no MAIL_SERVER)."""

import contextlib
import contextvars
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_mail import Message

from ..dbtypes import utcnow
from ..extensions import db, mail
from .models import MessageStatus, OutboxAttachment, OutboxMessage

# Demo data and bulk loads run with the outbox muted, so that nobody is e-mailed.
_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_muted", default=False)


@contextlib.contextmanager
def muted_outbox():
    """Within this block, enqueue() writes nothing."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None  # set for inline parts referenced as cid:...


def enqueue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str,
    kind: str,
    language: str = "vi",
    event_id: int | None = None,
    registration_id: int | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; a worker sends it after commit."""
    if _muted.get():
        return None
    message = OutboxMessage(
        to_address=to,
        subject=subject.replace("\r", " ").replace("\n", " ")[:300],
        body_text=body_text,
        body_html=body_html,
        kind=kind,
        language=language,
        event_id=event_id,
        registration_id=registration_id,
        status=MessageStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    for item in attachments or []:
        message.attachments.append(
            OutboxAttachment(
                filename=item.filename,
                content_type=item.content_type,
                data=item.data,
                content_id=item.content_id,
            )
        )
    db.session.add(message)
    return message


def claim_due(*, limit: int, now: datetime, lease_seconds: int) -> list[int]:
    """Claim up to `limit` due messages for this worker; returns their ids.

    A claimed message is SENDING until its lease ends, so no other worker takes it; one whose
    worker died is taken again after the lease. On PostgreSQL, SKIP LOCKED lets workers claim
    side by side without waiting for each other.
    """
    due = sa.or_(
        sa.and_(
            OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now
        ),
        sa.and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.locked_until < now),
    )
    stmt = (
        sa.select(OutboxMessage)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    messages = list(db.session.scalars(stmt))
    for message in messages:
        message.status = MessageStatus.SENDING
        message.locked_until = now + timedelta(seconds=lease_seconds)
        message.attempts += 1
    db.session.flush()
    return [m.id for m in messages]


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying will not help."""


def _as_flask_mail(message: OutboxMessage) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.to_address],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"X-Outbox-Id": str(message.id), "Auto-Submitted": "auto-generated"},
    )
    for item in message.attachments:
        headers = {}
        disposition = "attachment"
        if item.content_id:
            headers["Content-ID"] = f"<{item.content_id}>"
            disposition = "inline"
        mail_message.attach(item.filename, item.content_type, item.data, disposition, headers)
    return mail_message


def _write_file(message: OutboxMessage, mail_message: Message) -> str:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:08d}-{message.kind}.eml"
    path.write_bytes(mail_message.as_bytes())
    return str(path)


class Sender:
    """Sends messages over one SMTP connection per batch (opened lazily), or writes .eml files."""

    def __init__(self):
        self.connection = None
        self.use_smtp = bool(current_app.config.get("MAIL_SERVER"))

    def send(self, message: OutboxMessage) -> str:
        mail_message = _as_flask_mail(message)
        if not self.use_smtp:
            _write_file(message, mail_message)
            return "file"
        try:
            if self.connection is None:
                self.connection = mail.connect()
                self.connection.__enter__()
            self.connection.send(mail_message)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = [code for code, _ in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(str(error)) from error
            raise
        except smtplib.SMTPResponseException as error:
            self.close()
            if error.smtp_code >= 500:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        except Exception:
            self.close()
            raise
        return "smtp"

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.__exit__(None, None, None)
            except Exception:  # the connection is gone already
                pass
            self.connection = None


def deliver_batch(*, limit: int = 50, now: datetime | None = None) -> dict[str, int]:
    """Claim due messages, send each, and record the outcome; commits after every message."""
    config = current_app.config
    now = now or utcnow()
    ids = claim_due(limit=limit, now=now, lease_seconds=config["MAIL_LEASE_SECONDS"])
    db.session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not ids:
        return counts
    sender = Sender()
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            try:
                message.transport = sender.send(message)
            except PermanentFailure as error:
                message.status = MessageStatus.FAILED
                message.last_error = str(error)[:2000]
                message.locked_until = None
                counts["failed"] += 1
            except (TimeoutError, smtplib.SMTPException, OSError) as error:
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                message.locked_until = None
                if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                    message.status = MessageStatus.FAILED
                    counts["failed"] += 1
                else:
                    delay = min(
                        config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1), 3600
                    )
                    message.status = MessageStatus.PENDING
                    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
                    counts["retry"] += 1
            else:
                message.status = MessageStatus.SENT
                message.sent_at = utcnow()
                message.locked_until = None
                message.last_error = ""
                counts["sent"] += 1
            db.session.commit()
    finally:
        sender.close()
    return counts


def retry_now(*, message: OutboxMessage) -> OutboxMessage:
    """Put a failed or waiting message back at the head of the queue."""
    if message.status in (MessageStatus.FAILED, MessageStatus.PENDING):
        message.status = MessageStatus.PENDING
        message.next_attempt_at = utcnow()
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.attempts = 0
    db.session.flush()
    return message


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in MessageStatus}
    counts.update({status.value: number for status, number in rows})
    return counts

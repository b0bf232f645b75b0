"""Writing messages to the outbox and delivering them (SMTP, or .eml files with no MAIL_SERVER)."""

import base64
import contextlib
import contextvars
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.policy import compat32
from email.utils import parseaddr, quote
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_mail import Connection, Message

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..qr import qr_png
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


# An attachment stored as a badge code and drawn as a QR code (PNG) when the message is sent:
# the sign-up request does not pay for an image only the e-mail needs.
BADGE_QR_PNG = "image/png; x-drawn-from=badge-code"


def undeliverable(address: str) -> bool:
    """Whether an address is in a reserved domain that can never receive mail (RFC 2606 ".invalid"),
    such as the placeholder of a walk-in who gave no e-mail."""
    domain = address.rpartition("@")[2].strip().rstrip(".").casefold()
    return domain == "invalid" or domain.endswith(".invalid")


def _one_line(text: str) -> str:
    """A header's text on one line: the e-mail package starts a new header at any
    str.splitlines() break (also VT, FF, FS, GS, RS), and writes ASCII text as it is (an
    injected "Bcc: ...")."""
    return " ".join(text.splitlines())


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
    """Add a message to the outbox in the caller's transaction; a worker sends it after commit.

    A message of an exhibition (`event_id`) comes from the exhibition's sender name in the
    message's language and has its contact address as Reply-To, whoever builds it.
    Nothing is written while the outbox is muted or for an address that cannot receive mail.
    """
    if _muted.get() or undeliverable(to):
        return None
    sender_name = reply_to = ""
    event = db.session.get(Event, event_id) if event_id is not None else None
    if event is not None:
        sender_name, reply_to = event.mail_sender(language), event.contact_email
    message = OutboxMessage(
        to_address=to,
        sender_name=_one_line(sender_name)[:120],
        reply_to=_one_line(reply_to)[:254],
        subject=_one_line(subject)[:300],
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


def sent_recently(*, to: str, kind: str, within: timedelta) -> bool:
    """Whether a message of this kind went (or waits to go) to this address lately: repeated
    requests from public forms must not turn them into a way to flood someone's mailbox."""
    since = utcnow() - within
    found = db.session.scalar(
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.to_address == to,
            OutboxMessage.kind == kind,
            OutboxMessage.created_at > since,
        )
        .limit(1)
    )
    return found is not None


def claim_due(
    *, limit: int, now: datetime, lease_seconds: int, max_attempts: int
) -> tuple[str, list[int]]:
    """Claim up to `limit` due messages for this worker; returns (claim token, message ids).

    A claimed message is SENDING until its lease ends, so no other worker takes it; one whose
    worker died is taken again after the lease, unless it has used all its attempts (then it is
    FAILED). Results are recorded only under the claim token, so a worker that lost its claim to
    another (lease ended) records nothing. On PostgreSQL, SKIP LOCKED lets workers claim side by
    side without waiting for each other.
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
    token = secrets.token_hex(16)
    claimed = []
    for message in db.session.scalars(stmt):
        if message.status is MessageStatus.SENDING and message.attempts >= max_attempts:
            message.status = MessageStatus.FAILED
            message.locked_until = None
            message.last_error = (
                "A worker stopped while sending this message, and no attempts are left."
            )
            continue
        message.status = MessageStatus.SENDING
        message.locked_until = now + timedelta(seconds=lease_seconds)
        message.claim_token = token
        message.attempts += 1
        claimed.append(message.id)
    db.session.flush()
    return token, claimed


def record_outcome(*, message_id: int, token: str, values: dict) -> bool:
    """Store a delivery's outcome if this worker still holds the claim; False if it lost it."""
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(claim_token=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def release_claims(*, message_ids: list[int], token: str) -> int:
    """Hand back claimed messages this worker will not send (it is stopping): due again at once
    for any worker, and the claim's attempt not counted. Returns how many were handed back."""
    if not message_ids:
        return 0
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.claim_token == token)
        .values(
            status=MessageStatus.PENDING,
            claim_token=None,
            locked_until=None,
            attempts=OutboxMessage.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying will not help."""


def message_id(message: OutboxMessage) -> str:
    """The message's Message-ID, the same at every attempt: when one outbox message reaches a
    mailbox twice (the SMTP window in docs/deployment.md), mail services that collapse
    duplicates by Message-ID show it once. Unique across databases by the row's creation time."""
    address = sender(message)[1]
    domain = address.rpartition("@")[2] or urlsplit(current_app.config["BASE_URL"]).hostname
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f") if message.created_at else "0"
    return f"<outbox.{message.id}.{stamp}@{domain or 'localhost'}>"


def sender(message: OutboxMessage) -> tuple[str, str]:
    """The message's From as (name, address): the address is always MAIL_DEFAULT_SENDER's, the
    name the exhibition's (when the message has one) or MAIL_DEFAULT_SENDER's."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    name, address = configured if isinstance(configured, tuple) else parseaddr(configured or "")
    return (message.sender_name or name, address)


def from_header(name: str, address: str) -> str:
    """The From line's value: `name` as RFC 2047 encoded words (base64 UTF-8, each at most 75
    characters and cut between characters), the address on a line of its own, every line short
    enough that no policy folds it again. A decoder joins adjacent encoded words without the
    folding between them (RFC 2047, 6.2), so a word may be cut anywhere. (Python's own parser of
    address headers keeps that folding as a space: it is not the reference.) A short ASCII name
    is written as a quoted string."""
    if not name:
        return address
    if name.isascii() and name.isprintable() and len(name) <= 60:
        return f'"{quote(name)}"\n <{address}>'
    words, chunk = [], ""
    for char in name:
        if len((chunk + char).encode()) > 45:  # 45 bytes are 60 base64 characters
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    encoded = [f"=?utf-8?b?{base64.b64encode(w.encode()).decode('ascii')}?=" for w in words]
    return "\n ".join(encoded) + f"\n <{address}>"


class _Message(Message):
    """Flask-Mail's message with the From line of from_header() and the subject folded by
    email.header: Flask-Mail encodes a long non-ASCII name in one piece and the message's policy
    then folds it again (and Python 3.11's policy folds a subject the same way), putting the space
    between two words into the folding, where mail programs drop it ("Triểnlãm", "chờ:Hội
    thảo")."""

    display_name = ""

    def _message(self):
        built = super()._message()
        if "Subject" in built:
            text = str(built["Subject"])
            del built["Subject"]
            built.set_raw("Subject", Header(text, "utf-8", header_name="Subject").encode("\r\n"))
        policy = built.policy
        built.policy = compat32  # stored as written: its lines are short, so it is not refolded
        built.replace_header("From", from_header(self.display_name, self.sender))
        built.policy = policy
        return built


def _as_flask_mail(message: OutboxMessage) -> Message:
    name, address = sender(message)
    mail_message = _Message(
        subject=message.subject,
        recipients=[message.to_address],
        body=message.body_text,
        html=message.body_html,
        sender=address,  # also the envelope's sender
        reply_to=message.reply_to or None,
        extra_headers={"X-Outbox-Id": str(message.id), "Auto-Submitted": "auto-generated"},
    )
    for item in message.attachments:
        headers = {}
        disposition = "attachment"
        if item.content_id:
            headers["Content-ID"] = f"<{item.content_id}>"
            disposition = "inline"
        content_type, data = item.content_type, item.data
        if content_type == BADGE_QR_PNG:
            content_type, data = "image/png", qr_png(data.decode("ascii"), box_size=8)
        mail_message.attach(item.filename, content_type, data, disposition, headers)
    mail_message.display_name = name
    mail_message.msgId = message_id(message)
    return mail_message


def eml_path(message: OutboxMessage) -> Path:
    """Where the file transport writes a message (with no MAIL_SERVER)."""
    return Path(current_app.config["MAIL_FILE_DIR"]) / f"{message.id:08d}-{message.kind}.eml"


def _write_file(message: OutboxMessage, mail_message: Message) -> str:
    path = eml_path(message)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mail_message.as_bytes())
    return str(path)


def preview_html(message: OutboxMessage) -> str:
    """The message's HTML part for reading on the mail desk: its inline images (cid:...) become
    data: URLs, as a mail program would show them."""
    html = message.body_html
    for item in message.attachments:
        if not item.content_id or not item.content_type.startswith("image/"):
            continue
        content_type, data = item.content_type, item.data
        if content_type == BADGE_QR_PNG:
            content_type, data = "image/png", qr_png(data.decode("ascii"), box_size=8)
        url = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
        html = html.replace(f'"cid:{item.content_id}"', f'"{url}"')
    return html


class _TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so that a stalled server cannot hang a worker."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class Sender:
    """Sends messages over one SMTP connection per batch (opened lazily), or writes .eml files."""

    def __init__(self):
        self.connection = None
        self.use_smtp = bool(current_app.config.get("MAIL_SERVER"))

    def send(self, message: OutboxMessage) -> str:
        """Deliver one message; PermanentFailure for a 5xx refusal, other exceptions are transient."""
        if undeliverable(message.to_address):  # erased meanwhile, or retried after erasure
            raise PermanentFailure("The address cannot receive mail (a placeholder).")
        mail_message = _as_flask_mail(message)
        if not self.use_smtp:
            _write_file(message, mail_message)
            return "file"
        try:
            if self.connection is None:
                self.connection = _TimedConnection(current_app.extensions["mail"]).__enter__()
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


def retry_now(*, message: OutboxMessage) -> OutboxMessage:
    """Put a failed or waiting message back at the head of the queue."""
    if message.status in (MessageStatus.FAILED, MessageStatus.PENDING):
        message.status = MessageStatus.PENDING
        message.next_attempt_at = utcnow()
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.attempts = 0
    db.session.flush()
    return message


def _of_events(stmt, event_ids: set[int] | None):
    return stmt if event_ids is None else stmt.where(OutboxMessage.event_id.in_(event_ids))


def retry_failed(*, event_ids: set[int] | None = None) -> int:
    """Put every failed message (of these exhibitions) back in the queue, after a mail server was
    fixed, say."""
    stmt = sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
    failed = list(db.session.scalars(_of_events(stmt, event_ids)))
    for message in failed:
        retry_now(message=message)
    return len(failed)


def status_counts(*, event_ids: set[int] | None = None) -> dict[str, int]:
    """How many messages (of these exhibitions) are in each status."""
    stmt = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    rows = db.session.execute(_of_events(stmt, event_ids)).all()
    counts = {status.value: 0 for status in MessageStatus}
    counts.update({status.value: number for status, number in rows})
    return counts

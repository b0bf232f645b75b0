"""The outbox: writing messages into it, the workers' claims on them, and what the mail desk
shows of them. Delivery itself is in transport.py. Mail is infrastructure: it imports no domain,
and the e-mails are built by the domains (their notifications.py) through queue_email()."""

import base64
import contextlib
import contextvars
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import LazyString, force_locale

from ..dbtypes import utcnow
from ..extensions import db
from ..qr import qr_png
from .models import MessageKind, MessageStatus, OutboxAttachment, OutboxMessage

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


# Attachments stored as the text of a QR code and drawn (PNG) when the message is sent: the
# request that queues the e-mail (a sign-up, a bank notification) does not pay for an image
# only the e-mail needs. A badge's code; any other text, such as a VietQR payload.
BADGE_QR_PNG = "image/png; x-drawn-from=badge-code"
QR_PNG = "image/png; x-drawn-from=text"


def attachment_content(item: OutboxAttachment) -> tuple[str, bytes]:
    """An attachment's content type and bytes as sent: a QR code is drawn now."""
    if item.content_type in (BADGE_QR_PNG, QR_PNG):
        return "image/png", qr_png(item.data.decode("ascii"), box_size=8)
    return item.content_type, item.data


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
    kind: MessageKind | str,
    language: str = "vi",
    event_id: int | None = None,
    registration_id: int | None = None,
    sender_name: str = "",
    reply_to: str = "",
    attachments: list[Attachment] | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; a worker sends it after commit.

    A message of an exhibition passes the exhibition's Event.mail_fields(language): its id, the
    sender's name and the Reply-To address. Nothing is written while the outbox is muted or for
    an address that cannot receive mail.
    """
    if _muted.get() or undeliverable(to):
        return None
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


def render_email(
    template: str, context: Mapping[str, object], *, subject: str | LazyString, language: str
) -> tuple[str, str, str]:
    """The subject (lazy, from lazy_gettext) and templates/emails/<template>.txt and .html
    rendered with `context` in `language`: (subject, text, HTML)."""
    with force_locale(language):
        subject = str(subject)
        body_text = render_template(f"emails/{template}.txt", language=language, **context)
        body_html = render_template(f"emails/{template}.html", language=language, **context)
    return subject, body_text, body_html


def queue_email(
    template: str,
    context: Mapping[str, object],
    *,
    to: str,
    subject: str | LazyString,
    language: str,
    **fields,
) -> OutboxMessage | None:
    """Render templates/emails/<template>.txt and .html with `context`, and the subject (lazy,
    from lazy_gettext), in `language`; then enqueue() them with `fields` (kind, event_id, ...)."""
    if _muted.get() or undeliverable(to):
        return None  # nothing to render: enqueue() would write nothing
    subject, body_text, body_html = render_email(
        template, context, subject=subject, language=language
    )
    return enqueue(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        language=language,
        **fields,
    )


# Messages written by the mail worker, not by the request that queues them.
#
# A sign-up (or an import, or the organisers' "send again") stores only what names the message:
# its kind, the ids (registration, event), its language and recipient; the worker that first
# claims it asks the kind's writer (registered by the domain, see written_by) for the subject,
# bodies and attachments, and stores them on the row before the first attempt. Every later
# attempt sends what was stored, so a retry sends the same message even if the person's details
# or the exhibition's changed in between; the mail desk shows a message waiting to be written as
# it would be written now. Until it is written, a message's subject and bodies are empty (every
# message written has a subject), so that erasing the person (which blanks and fails the row)
# leaves nothing to write and nothing personal.


@dataclass
class Written:
    """What a writer makes of a message queued by kind."""

    subject: str
    body_text: str
    body_html: str
    attachments: list[Attachment]


class NothingToWrite(Exception):
    """A message queued by kind whose subject is gone (its registration deleted or erased)."""


_writers: dict[str, Callable[[OutboxMessage], Written]] = {}


def written_by(*kinds: MessageKind):
    """Register the decorated function as the writer of messages of `kinds` queued with
    enqueue_unwritten(): it takes the outbox row and returns Written, or raises NothingToWrite."""

    def register(writer):
        for kind in kinds:
            _writers[kind] = writer
        return writer

    return register


def awaits_writing(message: OutboxMessage) -> bool:
    """Whether a message was queued by kind and is not written yet."""
    return message.subject == "" and message.kind in _writers


def enqueue_unwritten(
    *,
    to: str,
    kind: MessageKind,
    language: str,
    event_id: int | None = None,
    registration_id: int | None = None,
    sender_name: str = "",
    reply_to: str = "",
) -> OutboxMessage | None:
    """Add a message that the mail worker writes at its first claim (see written_by): the row
    names it (kind, ids, language) and holds no text."""
    if kind not in _writers:
        raise ValueError(f"no writer for messages of kind {kind!r}")
    return enqueue(
        to=to,
        subject="",
        body_text="",
        body_html="",
        kind=kind,
        language=language,
        event_id=event_id,
        registration_id=registration_id,
        sender_name=sender_name,
        reply_to=reply_to,
    )


def write(message: OutboxMessage) -> Written:
    """What a message queued by kind says, written now (NothingToWrite when its subject is gone);
    its subject on one line, as enqueue() stores every subject."""
    written = _writers[message.kind](message)
    written.subject = _one_line(written.subject)[:300] or "-"
    return written


def store_written(*, message: OutboxMessage, token: str) -> bool:
    """Write a claimed message queued by kind and store the result on its row (subject, bodies,
    attachments), if this worker still holds the claim and nobody wrote or erased it meanwhile;
    whether it was stored. The caller commits."""
    written = write(message)
    stored = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.claim_token == token,
            OutboxMessage.subject == "",
        )
        .values(
            subject=written.subject,
            body_text=written.body_text,
            body_html=written.body_html,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if stored != 1:
        return False
    if written.attachments:
        db.session.execute(
            sa.insert(OutboxAttachment),
            [
                {
                    "message_id": message.id,
                    "filename": item.filename,
                    "content_type": item.content_type,
                    "content_id": item.content_id,
                    "data": item.data,
                }
                for item in written.attachments
            ],
        )
    db.session.expire(message)
    return True


def as_shown(message: OutboxMessage) -> OutboxMessage:
    """The message as the mail desk shows it: one waiting to be written is written now, on a
    copy that is not stored (the worker writes it again, and stores it, when it sends it)."""
    if not awaits_writing(message):
        return message
    try:
        written = write(message)
    except NothingToWrite as error:
        written = Written(subject=str(error), body_text="", body_html="", attachments=[])
    copy = OutboxMessage(
        **{column.key: getattr(message, column.key) for column in OutboxMessage.__table__.columns}
    )
    copy.subject = written.subject
    copy.body_text = written.body_text
    copy.body_html = written.body_html
    for item in written.attachments:
        copy.attachments.append(
            OutboxAttachment(
                filename=item.filename,
                content_type=item.content_type,
                data=item.data,
                content_id=item.content_id,
            )
        )
    return copy


def sent_recently(*, to: str, kind: MessageKind, within: timedelta) -> bool:
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


def eml_path(message: OutboxMessage) -> Path:
    """Where the file transport writes a message (with no MAIL_SERVER)."""
    return Path(current_app.config["MAIL_FILE_DIR"]) / f"{message.id:08d}-{message.kind}.eml"


def preview_html(message: OutboxMessage) -> str:
    """The message's HTML part for reading on the mail desk: its inline images (cid:...) become
    data: URLs, as a mail program would show them."""
    html = message.body_html
    for item in message.attachments:
        if not item.content_id or not item.content_type.startswith("image/"):
            continue
        content_type, data = attachment_content(item)
        url = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
        html = html.replace(f'"cid:{item.content_id}"', f'"{url}"')
    return html


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

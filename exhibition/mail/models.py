"""The outbox: every e-mail is a row written in the same transaction as what caused it."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..extensions import db


class MessageStatus(enum.Enum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by a worker until locked_until
    SENT = "sent"
    FAILED = "failed"  # permanently refused, or out of attempts


class MessageKind(enum.StrEnum):
    """What a message is about, as the `kind` column stores it (a string column: members are
    strings, so the stored values are the members' values). Built by each domain's
    notifications.py; the staff e-mails by admin/notifications.py."""

    CONFIRMATION = "confirmation"  # signed up
    CONFIRMATION_AGAIN = "confirmation_again"  # signed up again with the same address
    CONFIRMATION_RESENT = "confirmation_resent"  # sent again by the organisers
    NEW_LINK = "new_link"  # the "my registration" link was replaced
    EXHIBITOR_RECEIVED = "exhibitor_received"
    EXHIBITOR_ALREADY_APPLIED = "exhibitor_already_applied"
    EXHIBITOR_STATUS = "exhibitor_status"
    EXHIBITOR_PORTAL_LINK = "exhibitor_portal_link"
    SESSION_PROMOTED = "session_promoted"  # from the waiting list to a seat
    SESSION_APPROVED = "session_approved"
    SESSION_WAITING = "session_waiting"  # approved, but the session is full
    SESSION_DECLINED = "session_declined"
    SESSION_CHANGED = "session_changed"  # new time or room
    SESSION_CANCELLED = "session_cancelled"
    INVITATION = "invitation"
    INVITATION_RESENT = "invitation_resent"
    STAFF_INVITATION = "staff_invitation"
    STAFF_PASSWORD_LINK = "staff_password_link"
    PAYMENT_REQUEST = "payment_request"  # a new payment request for booth fees
    PAYMENT_INCOMPLETE = "payment_incomplete"  # part received: the rest, with a new QR
    PAYMENT_RECEIVED = "payment_received"  # paid in full
    PAYMENT_REMINDER = "payment_reminder"  # 3 days before the due date, and on it
    PAYMENT_EXPIRED = "payment_expired"  # not paid in time: the booths were freed
    MEETING_REQUEST = "meeting_request"  # a business-matching meeting is asked for
    MEETING_ACCEPTED = "meeting_accepted"
    MEETING_DECLINED = "meeting_declined"
    MEETING_EXPIRED = "meeting_expired"  # a request lapsed unanswered
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_AGENDA = "meeting_agenda"  # the organisers' schedule: your meetings
    MEETING_REMINDER = "meeting_reminder"  # the evening before, and 15 minutes before
    MATCHING_INVITATION = "matching_invitation"  # an exhibitor invites its staff to join matching
    LEAD_REMINDER = "lead_reminder"  # an exhibitor's leads are deleted in 14, or 3, days
    LEAD_SCANNER_SETUP = "lead_scanner_setup"  # a staff member's set-up link for a booth scanner
    NEWS = "news"  # a news post or announcement, to those who agreed to news


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))  # a MessageKind's value
    to_address: Mapped[str] = mapped_column(sa.String(254))
    # Given by the message's builder from its exhibition (Event.mail_fields): the row keeps what
    # was sent even after the exhibition's settings change. Empty: MAIL_DEFAULT_SENDER's name,
    # and no Reply-To.
    sender_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="vi")
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, "status"), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(
        sa.String(32)
    )  # the claiming worker's, while SENDING
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    transport: Mapped[str] = mapped_column(sa.String(10), default="")  # "smtp" or "file"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="OutboxAttachment.id"
    )


class OutboxAttachment(db.Model):
    """A file sent with a message; `content_id` set means an inline part (an image in the HTML)."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = parent_key("outbox_messages")
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    content_id: Mapped[str | None] = mapped_column(sa.String(100))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")

"""Scanner devices and the scans they send."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, utcnow
from ..events.models import Event
from ..extensions import db
from ..visitors.models import Registration


class Device(db.Model):
    """A phone or laptop at a door; it authenticates with a bearer token stored only as a hash."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The checkpoint: None for the event's entrance, else a conference room's door.
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    room: Mapped["Room | None"] = relationship()  # noqa: F821 (programme.models)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ScanType(enum.Enum):
    ENTRY = "entry"
    EXIT = "exit"


class ScanResult(enum.Enum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    INVALID = "invalid"
    CANCELLED = "cancelled"
    WRONG_EVENT = "wrong_event"
    NOT_REGISTERED = "not_registered"  # at a session's door: neither booked nor invited
    NO_SESSION = "no_session"  # at a room's door when no session is on


class Scan(db.Model):
    """Every scan a device sends, refused ones included; one row per device nonce."""

    __tablename__ = "scans"
    __table_args__ = (sa.UniqueConstraint("device_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("devices.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(64))  # what was scanned (cut to 64 characters)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    type: Mapped[ScanType] = mapped_column(enum_column(ScanType, "type"))
    result: Mapped[ScanResult] = mapped_column(enum_column(ScanResult, "result"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Scans at a session's door: the session they were for (None at the entrance).
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conference_sessions.id", ondelete="SET NULL"), index=True
    )

    device: Mapped[Device] = relationship()
    session: Mapped["ConferenceSession | None"] = relationship()  # noqa: F821
    registration: Mapped[Registration | None] = relationship()

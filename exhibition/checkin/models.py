"""Checkpoints (doors with their rules), scanner devices, the scans they send, and who is in."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..visitors.models import Registration


class Checkpoint(Localized, db.Model):
    """A door where badges are scanned, with its rules (in the manner of pretix's check-in lists).

    A checkpoint with a room is that room's door: scans there are for the session on in the room
    (or the one the station picks). Without a room it is an entrance of the exhibition.
    """

    __tablename__ = "checkpoints"
    __table_args__ = (sa.UniqueConstraint("event_id", "name_vi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    name_vi: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80), default="")
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"))
    # Someone who went out may come in again (otherwise a second entry is refused).
    allow_reentry: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # On a multi-day exhibition a badge counts once per day; otherwise once for the whole event.
    daily: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The station prints the badge when someone is let in (badges printed on arrival).
    print_on_arrival: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()
    room: Mapped["Room | None"] = relationship()  # noqa: F821 (programme.models)


class Device(db.Model):
    """A phone or laptop at a door; it authenticates with a bearer token stored only as a hash.

    A device with a `user_id` stands for that staff member checking people in by hand (the
    "check in now" button of a registration's page, the walk-in desk): one per staff member and
    exhibition, made on first use (checkin.services.staff_device).
    """

    __tablename__ = "devices"
    __table_args__ = (
        # A unique index, not a constraint: its migration adds it without copying the table.
        sa.Index("uq_devices_event_id_user_id", "event_id", "user_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkpoints.id", ondelete="SET NULL"), index=True
    )
    # A one-time set-up link (its code stored as a hash): opened on the station, it gives the
    # device a fresh token. Cleared once used or expired.
    setup_code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    checkpoint: Mapped[Checkpoint | None] = relationship()

    @property
    def room(self):
        """The room whose door this device guards, if any."""
        return self.checkpoint.room if self.checkpoint is not None else None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ScanType(enum.Enum):
    ENTRY = "entry"
    EXIT = "exit"


class ScanResult(enum.StrEnum):
    """The answer to a scan; also what a station answered offline (`Scan.station_result`)."""

    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    INVALID = "invalid"
    CANCELLED = "cancelled"
    WRONG_EVENT = "wrong_event"
    NOT_REGISTERED = "not_registered"  # at a session's door: neither booked nor invited
    NO_SESSION = "no_session"  # at a room's door when no session is on
    NOT_TODAY = "not_today"  # at an entrance on a day the exhibition is not on (amber)


class ScanEffect(enum.StrEnum):
    """What a scan changed, so that an operator's undo can take it back."""

    ENTERED = "entered"  # opened the person's presence of the day
    REENTERED = "reentered"  # inside again after going out
    LEFT = "left"  # marked outside
    ATTENDED = "attended"  # the session's attendance of the person


class Scan(db.Model):
    """Every scan a device sends, refused ones included; one row per device nonce."""

    __tablename__ = "scans"
    __table_args__ = (
        sa.UniqueConstraint("device_id", "nonce"),
        sa.Index("ix_scans_event_id_scanned_at", "event_id", "scanned_at"),  # a day's figures
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
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
    checkpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkpoints.id", ondelete="SET NULL"), index=True
    )
    # When the server got it: later than scanned_at for scans made offline and uploaded after.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    offline: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What the station answered offline, when it differs from the server's judgement (for instance
    # the badge was used meanwhile at another door): organisers look at these.
    station_result: Mapped[ScanResult | None] = mapped_column(
        enum_column(ScanResult, None, length=32)
    )
    flagged: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What the scan changed, so that an operator's undo can take it back.
    effect: Mapped[ScanEffect | None] = mapped_column(enum_column(ScanEffect, None, length=16))
    # The operator let the person in although the station warned (the exhibition is not on that
    # day): judged by the door's rules as on an exhibition day, and shown as such to organisers.
    admitted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    device: Mapped[Device] = relationship()
    checkpoint: Mapped[Checkpoint | None] = relationship()
    session: Mapped["ConferenceSession | None"] = relationship()  # noqa: F821
    registration: Mapped[Registration | None] = relationship()


class Presence(db.Model):
    """A person at the exhibition on a day: inside or gone out, when they first came, and the
    entrance they last came in by.

    One row per (registration, day), whichever entrances the person uses: the unique key makes the
    first entry of the day a single winner however many doors scan the badge at once, and every
    rule (second entry, re-entry, once per day) is judged against the person's day, not a door's.
    """

    __tablename__ = "presences"
    __table_args__ = (sa.UniqueConstraint("registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    registration_id: Mapped[int] = parent_key("registrations")
    # Where the person last came in (the first entrance, or the one of their latest re-entry).
    checkpoint_id: Mapped[int] = parent_key("checkpoints")
    day: Mapped[date] = mapped_column(sa.Date)  # local day (or the event's first, not daily)
    inside: Mapped[bool] = mapped_column(default=True)
    first_entry_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_change_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_scan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scans.id", ondelete="SET NULL")
    )
    # The exit scan that last marked the person outside, at this entrance or another one (a
    # person may come in at one gate and leave by another): what an undo of that exit restores.
    exit_scan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scans.id", ondelete="SET NULL"))

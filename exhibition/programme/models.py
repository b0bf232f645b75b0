"""The conference beside the exhibition: rooms, speakers, sessions, seats, invitations."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..visitors.models import Registration


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """The one overlap rule: half-open intervals, so back-to-back sessions do not overlap."""
    return a_start < b_end and b_start < a_end


class Room(Localized, db.Model):
    """A room where sessions take place; without availability windows it is free all event long."""

    __tablename__ = "rooms"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "name_vi"),
        sa.CheckConstraint("capacity > 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    capacity: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()
    windows: Mapped[list["RoomWindow"]] = relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="RoomWindow.starts_at"
    )


class RoomWindow(db.Model):
    """A stretch of time when a room can be used."""

    __tablename__ = "room_windows"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = parent_key("rooms")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    room: Mapped[Room] = relationship(back_populates="windows")


class Speaker(Localized, db.Model):
    """A speaker or chair: one person, who may speak in several sessions."""

    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    full_name: Mapped[str] = mapped_column(sa.String(120))
    title_vi: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_vi: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_en: Mapped[str] = mapped_column(sa.String(200), default="")
    bio_vi: Mapped[str] = mapped_column(sa.Text, default="")
    bio_en: Mapped[str] = mapped_column(sa.Text, default="")

    event: Mapped[Event] = relationship()


class SessionType(enum.Enum):
    PLENARY = "plenary"
    CONFERENCE = "conference"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    BUSINESS_MATCHING = "business_matching"


class SessionAccess(enum.Enum):
    OPEN = "open"  # anyone registered takes a seat
    APPROVAL = "approval"  # sign-ups wait for an organiser
    INVITATION = "invitation"  # only invited delegates


class ConferenceSession(Localized, db.Model):
    """One item of the programme. Unplaced until it has a room and times."""

    __tablename__ = "conference_sessions"
    __table_args__ = (
        sa.CheckConstraint(
            "(starts_at IS NULL AND ends_at IS NULL) OR ends_at > starts_at", name="times"
        ),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        sa.CheckConstraint("seats_taken >= 0", name="seats_taken"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    title_vi: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    type: Mapped[SessionType] = mapped_column(enum_column(SessionType, "type"))
    access: Mapped[SessionAccess] = mapped_column(
        enum_column(SessionAccess, "access"), default=SessionAccess.OPEN
    )
    track_vi: Mapped[str] = mapped_column(sa.String(80), default="")
    track_en: Mapped[str] = mapped_column(sa.String(80), default="")
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column()  # None: the room's capacity
    # Seats held (seated bookings), kept by conditional updates so capacity holds under load.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    room: Mapped[Room | None] = relationship()
    people: Mapped[list["SessionPerson"]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="(SessionPerson.role, SessionPerson.position)",
    )

    @property
    def is_placed(self) -> bool:
        return self.room_id is not None and self.starts_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def seat_limit(self) -> int | None:
        """The number of seats: the session's own capacity, else its room's."""
        if self.capacity is not None:
            return self.capacity
        return self.room.capacity if self.room is not None else None

    def speakers_with(self, role: "PersonRole") -> list[Speaker]:
        return [p.speaker for p in self.people if p.role is role]


class PersonRole(enum.Enum):
    CHAIR = "chair"
    SPEAKER = "speaker"


class SessionPerson(db.Model):
    __tablename__ = "session_people"
    __table_args__ = (sa.UniqueConstraint("session_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_key("conference_sessions")
    speaker_id: Mapped[int] = parent_key("speakers")
    role: Mapped[PersonRole] = mapped_column(enum_column(PersonRole, "role"))
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ConferenceSession] = relationship(back_populates="people")
    speaker: Mapped[Speaker] = relationship(lazy="joined")


class BookingStatus(enum.Enum):
    SEATED = "seated"
    WAITING = "waiting"  # on the waiting list, served first come first served
    REQUESTED = "requested"  # waiting for an organiser's approval
    DECLINED = "declined"  # the organiser said no
    CANCELLED = "cancelled"


# The bookings that still hold something: a seat, a place on the waiting list, or a request.
HOLDING = (BookingStatus.SEATED, BookingStatus.WAITING, BookingStatus.REQUESTED)


class SessionBooking(db.Model):
    """A person's place in a session (or on its waiting list)."""

    __tablename__ = "session_bookings"
    __table_args__ = (sa.UniqueConstraint("session_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_key("conference_sessions")
    registration_id: Mapped[int] = parent_key("registrations")
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus, "status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the person joined the queue they are in now (waiting-list order).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[ConferenceSession] = relationship()
    registration: Mapped[Registration] = relationship()


class InvitationStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


def number_label(number: int) -> str:
    """The printed number of an invitation: "No. 012" (in Vietnamese "Số 012/GM")."""
    return _("No. %(number)s", number=f"{number:03d}")


class Invitation(db.Model):
    """A numbered invitation of a delegate to an invitation-only session."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "number"),
        sa.UniqueConstraint("session_id", "email_key"),
        sa.CheckConstraint("language IN ('vi', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    session_id: Mapped[int] = parent_key("conference_sessions")
    number: Mapped[int] = mapped_column()  # printed on the invitation: "Số 012/GM"
    full_name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[str] = mapped_column(sa.String(120), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="vi")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, "status"), default=InvitationStatus.PENDING
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_count: Mapped[int] = mapped_column(default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    session: Mapped[ConferenceSession] = relationship()
    registration: Mapped[Registration | None] = relationship()

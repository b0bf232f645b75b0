"""Business matching: sessions split into slots, participants (buyers and suppliers), their
meeting requests, the meetings booked at a table or an exhibitor's booth, and how they went.

Nobody is double-booked and no place is used twice at once because the database says so: every
person's slot taken by a meeting is one row of `meeting_holds`, unique per person and start, and
every place in use is one row of `meeting_places`, unique per session, start and place.
"""

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..reference.models import Sector
from ..visitors.models import Registration

SLOT_MINUTES = (5, 120)
BUFFER_MINUTES = (0, 30)
REQUEST_TTL_MINUTES = (15, 10 * 24 * 60)
MESSAGE_LENGTH = 500


class Mode(enum.Enum):
    SELF = "self"  # participants propose slots and book them by accepting
    ORGANISER = "organiser"  # pairs agree first; the organisers' scheduler gives the times


class Sides(enum.Enum):
    BUYER_SUPPLIER = "buyer_supplier"  # a buyer meets a supplier
    ANY = "any"  # anyone meets anyone


class Side(enum.Enum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


class MeetingSession(Localized, db.Model):
    """One matchmaking session of an exhibition: a stretch of a day cut into equal slots."""

    __tablename__ = "meeting_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("slot_minutes BETWEEN 5 AND 120", name="slot_minutes"),
        sa.CheckConstraint("buffer_minutes BETWEEN 0 AND 30", name="buffer_minutes"),
        sa.CheckConstraint("request_ttl_minutes BETWEEN 15 AND 14400", name="request_ttl"),
        sa.CheckConstraint("table_count >= 0", name="table_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_minutes: Mapped[int] = mapped_column(default=20)
    buffer_minutes: Mapped[int] = mapped_column(default=5)
    mode: Mapped[Mode] = mapped_column(enum_column(Mode, "mode"), default=Mode.SELF)
    sides: Mapped[Sides] = mapped_column(enum_column(Sides, "sides"), default=Sides.BUYER_SUPPLIER)
    booking_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    booking_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    request_ttl_minutes: Mapped[int] = mapped_column(default=48 * 60)
    # The room of the numbered tables, and how many there are (numbered 1..table_count).
    room_vi: Mapped[str] = mapped_column(sa.String(200), default="")
    room_en: Mapped[str] = mapped_column(sa.String(200), default="")
    table_count: Mapped[int] = mapped_column(default=0)
    # Organiser-scheduled sessions: the times are hidden until the schedule is published.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last scheduling run: when, how, its counts, the pairs it left out with why, and the
    # published meetings it moves or cancels at the next publication (scheduling.py).
    last_run: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    hosts: Mapped[list["BoothHost"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="BoothHost.id"
    )

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def __repr__(self) -> str:
        return f"<MeetingSession {self.id}>"


class BoothHost(db.Model):
    """An exhibitor that receives its meetings of a session at its booth: as many at once as it
    names representatives."""

    __tablename__ = "meeting_booth_hosts"
    __table_args__ = (sa.UniqueConstraint("session_id", "exhibitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_key("meeting_sessions")
    exhibitor_id: Mapped[int] = parent_key("exhibitors")

    session: Mapped[MeetingSession] = relationship(back_populates="hosts")
    exhibitor: Mapped["Exhibitor"] = relationship()  # noqa: F821 (exhibitors.models)
    representatives: Mapped[list["Representative"]] = relationship(
        back_populates="host", cascade="all, delete-orphan", order_by="Representative.id"
    )


class Representative(db.Model):
    """One of the exhibitor's staff who meets visitors at the booth (one meeting at a time)."""

    __tablename__ = "meeting_representatives"
    __table_args__ = (sa.UniqueConstraint("host_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = parent_key("meeting_booth_hosts")
    registration_id: Mapped[int] = parent_key("registrations")

    host: Mapped[BoothHost] = relationship(back_populates="representatives")
    registration: Mapped[Registration] = relationship()


participant_sectors = sa.Table(
    "participant_sectors",
    db.metadata,
    sa.Column(
        "participant_id",
        sa.ForeignKey("meeting_participants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("sector_code", sa.ForeignKey("sectors.code"), primary_key=True),
)


class Participant(db.Model):
    """A registered person listed for business matching in an exhibition, with what they show
    the other participants. Listed while their consent ("list me for business matching") holds."""

    __tablename__ = "meeting_participants"
    __table_args__ = (
        sa.UniqueConstraint("registration_id"),
        sa.CheckConstraint("meeting_limit BETWEEN 1 AND 100", name="meeting_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    side: Mapped[Side] = mapped_column(enum_column(Side, "side"), default=Side.SUPPLIER)
    company: Mapped[str] = mapped_column(sa.String(200), default="")
    offer: Mapped[str] = mapped_column(sa.String(500), default="")  # what they offer or seek
    meeting_limit: Mapped[int] = mapped_column(default=12)
    # What the directory shows besides name, company, side and sectors.
    show_job_title: Mapped[bool] = mapped_column(default=True)
    show_province: Mapped[bool] = mapped_column(default=True)
    # Listed: consent given and not withdrawn (kept in step with the consent records).
    listed: Mapped[bool] = mapped_column(default=True)
    # Hosted buyers are invited by the organisers (imported with their must-meet lists).
    hosted: Mapped[bool] = mapped_column(default=False)
    # Folded (no diacritics, lower case) name, company, offer and sectors, for the directory.
    search_text: Mapped[str] = mapped_column(sa.String(1200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship(lazy="joined")
    sectors: Mapped[list[Sector]] = relationship(
        secondary=participant_sectors, order_by=Sector.position
    )

    @property
    def exhibitor_id(self) -> int | None:
        return self.registration.exhibitor_id

    @property
    def name(self) -> str:
        return self.registration.full_name


class Absence(db.Model):
    """A slot a participant cannot meet in (said by them, or by the organisers)."""

    __tablename__ = "meeting_absences"
    __table_args__ = (sa.UniqueConstraint("participant_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = parent_key("meeting_participants")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Block(db.Model):
    """A participant who does not want requests from another."""

    __tablename__ = "meeting_blocks"
    __table_args__ = (sa.UniqueConstraint("participant_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = parent_key("meeting_participants")
    blocked_id: Mapped[int] = parent_key("meeting_participants")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestState(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# A request in one of these counts against the requester's quota.
COUNTED = (RequestState.PENDING, RequestState.ACCEPTED)


class MeetingRequest(db.Model):
    """One participant asks another to meet in a session; accepted, it becomes a meeting (at
    once in self-scheduled sessions; when the organisers' schedule places it otherwise)."""

    __tablename__ = "meeting_requests"
    __table_args__ = (
        # One pending request per pair and session, whichever way it was asked.
        sa.Index(
            "uq_meeting_requests_pending_pair",
            "session_id",
            "pair_low",
            "pair_high",
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        ),
        sa.CheckConstraint("pair_low < pair_high", name="pair_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_key("meeting_sessions")
    requester_id: Mapped[int] = parent_key("meeting_participants")
    recipient_id: Mapped[int] = parent_key("meeting_participants")
    pair_low: Mapped[int] = mapped_column()  # min(requester, recipient)
    pair_high: Mapped[int] = mapped_column()  # max(requester, recipient)
    state: Mapped[RequestState] = mapped_column(
        enum_column(RequestState, "state"), default=RequestState.PENDING
    )
    message: Mapped[str] = mapped_column(sa.String(MESSAGE_LENGTH), default="")
    answer: Mapped[str] = mapped_column(sa.String(MESSAGE_LENGTH), default="")  # on declining
    # Organisers' must-meet pairs are placed before the others by the scheduler.
    must_meet: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the expiry run that tells both sides, so that a restarted run tells nobody twice.
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[MeetingSession] = relationship()
    requester: Mapped[Participant] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[Participant] = relationship(foreign_keys=[recipient_id])
    proposals: Mapped[list["Proposal"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Proposal.starts_at"
    )

    def other(self, participant: Participant) -> Participant:
        return self.recipient if participant.id == self.requester_id else self.requester


class Proposal(db.Model):
    """A slot a pending request proposes (one to three)."""

    __tablename__ = "meeting_proposals"
    __table_args__ = (sa.UniqueConstraint("request_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = parent_key("meeting_requests")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)

    request: Mapped[MeetingRequest] = relationship(back_populates="proposals")


class MeetingState(enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class PlaceKind(enum.Enum):
    TABLE = "table"
    BOOTH = "booth"


class Meeting(db.Model):
    """A booked meeting of two participants in one slot, at a table or at a booth."""

    __tablename__ = "meetings"
    __table_args__ = (
        sa.UniqueConstraint("request_id"),
        sa.UniqueConstraint("uid"),
        sa.Index("ix_meetings_session_id_starts_at", "session_id", "starts_at"),
        # A representative receives one meeting at a time.
        sa.Index(
            "uq_meetings_representative_id_starts_at",
            "representative_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.text("state = 'scheduled'"),
            postgresql_where=sa.text("state = 'scheduled'"),
        ),
        sa.CheckConstraint(
            "(place_kind = 'table' AND table_number IS NOT NULL AND exhibitor_id IS NULL)"
            " OR (place_kind = 'booth' AND exhibitor_id IS NOT NULL AND table_number IS NULL)",
            name="place",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_key("meeting_sessions")
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_requests.id", ondelete="CASCADE")
    )
    # The two people; for a booth meeting `host_id` is the exhibitor's side.
    a_id: Mapped[int] = parent_key("meeting_participants")
    b_id: Mapped[int] = parent_key("meeting_participants")
    state: Mapped[MeetingState] = mapped_column(
        enum_column(MeetingState, "state"), default=MeetingState.SCHEDULED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind, "place_kind"))
    table_number: Mapped[int | None] = mapped_column()
    exhibitor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("exhibitors.id", ondelete="CASCADE")
    )
    # For a booth meeting: which of the exhibitor's representatives receives it.
    representative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_representatives.id", ondelete="SET NULL")
    )
    # Organiser-scheduled meetings are drafts until the schedule is published.
    published: Mapped[bool] = mapped_column(default=True)
    # The calendar: a stable UID, and a sequence bumped at every change people should see.
    uid: Mapped[str] = mapped_column(sa.String(64))
    sequence: Mapped[int] = mapped_column(default=0)
    # What each person was last told of it (by e-mail), to tell only those whose meeting changed.
    notified_sequence: Mapped[int] = mapped_column(default=-1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_participants.id", ondelete="SET NULL")
    )
    cancelled_late: Mapped[bool] = mapped_column(default=False)
    # Badges scanned at the table (between 10 minutes before the start and the end).
    a_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    b_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_evening_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_soon_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[MeetingSession] = relationship()
    request: Mapped[MeetingRequest] = relationship()
    a: Mapped[Participant] = relationship(foreign_keys=[a_id])
    b: Mapped[Participant] = relationship(foreign_keys=[b_id])
    exhibitor: Mapped["Exhibitor | None"] = relationship()  # noqa: F821 (exhibitors.models)
    representative: Mapped[Representative | None] = relationship()

    @property
    def held(self) -> bool:
        """Both badges scanned at the place in the meeting's window (matchmaking.attendance)."""
        return self.a_scanned_at is not None and self.b_scanned_at is not None

    def other(self, participant: Participant) -> Participant:
        return self.b if participant.id == self.a_id else self.a


class Hold(db.Model):
    """One person's slot taken by a meeting. Unique per person and start: nobody is in two
    meetings at once. (A pending request's proposals keep its slots from being proposed again,
    which the services check; what the database guarantees is that no slot is booked twice.)"""

    __tablename__ = "meeting_holds"
    __table_args__ = (sa.UniqueConstraint("participant_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = parent_key("meeting_participants")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int] = parent_key("meetings")


class PlaceUse(db.Model):
    """A place in use in a slot: table N, or seat N of an exhibitor's booth (one per
    representative). Unique per session, start and place: no table is used twice at once."""

    __tablename__ = "meeting_places"
    __table_args__ = (sa.UniqueConstraint("session_id", "starts_at", "place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_key("meeting_sessions")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(32))  # "table:7", "booth:12:2"
    meeting_id: Mapped[int] = parent_key("meetings")


class Outcome(enum.Enum):
    NOT_HELD = "not_held"
    NO_INTEREST = "no_interest"
    INFORMATIVE = "informative"  # informative, no cooperation planned
    COOPERATION = "cooperation"  # cooperation possible


class Rating(db.Model):
    """One side's word on a meeting after its slot, given once."""

    __tablename__ = "meeting_ratings"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = parent_key("meetings")
    participant_id: Mapped[int] = parent_key("meeting_participants")
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    note: Mapped[str] = mapped_column(sa.String(MESSAGE_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Lead retrieval: exhibitors' staff scan visitors' lead codes at their booth.

A lead is one exhibitor's record of one visitor, made by the first scan and unique per exhibitor
and visitor (the database says so). It holds the visitor's details only while they share them
(the sign-up consent "share my details with exhibitors who scan my badge", or a share from their
own page for this exhibitor alone); without that it is an anonymous visit: times and scanners,
no personal data. Every scan is a row of its own, unique per scanner and nonce, so a replayed
offline queue adds nothing twice.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..visitors.models import Registration
from .models import Exhibitor

MAX_QUESTIONS = 10  # qualifying questions per exhibitor
NOTE_LENGTH = 2000
ANSWER_LENGTH = 500
TAG_LENGTH = 40
MAX_TAGS = 20


class LeadField(enum.StrEnum):
    """What an organiser can choose to share with exhibitors (Event.lead_fields)."""

    NAME = "name"
    ORGANISATION = "organisation"
    JOB_TITLE = "job_title"
    EMAIL = "email"
    PHONE = "phone"
    PROVINCE = "province"
    SECTORS = "sectors"


class ShareSource(enum.Enum):
    CONSENT = "consent"  # the sign-up consent (or given later in "my registration")
    VISITOR = "visitor"  # the visitor shared with this exhibitor from their own page


class LeadRating(enum.Enum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class LeadScanner(db.Model):
    """One staff member's phone set up as a booth scanner: a credential of its own, revocable.

    As check-in devices (checkin.models.Device): the secret is kept as a SHA-256 hash, the set-up
    link's one-time code too; a booth scanner's token is never a door device's."""

    __tablename__ = "lead_scanners"

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = parent_key("exhibitors")
    # The staff member (an exhibitor registration of this company) who holds the phone.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    setup_code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Codes scanned that were no lead code of a working badge: many raise an alert for organisers.
    invalid_scans: Mapped[int] = mapped_column(default=0, server_default="0")
    last_invalid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exhibitor: Mapped[Exhibitor] = relationship()
    registration: Mapped[Registration | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.token_hash is not None


class Lead(db.Model):
    """One exhibitor's contact with one visitor (a lead when shared, a visit otherwise)."""

    __tablename__ = "leads"
    __table_args__ = (
        sa.UniqueConstraint("exhibitor_id", "registration_id"),
        sa.CheckConstraint("version >= 1", name="version"),
        # Details are there only with a share, and a share says where it came from.
        sa.CheckConstraint("(shared_at IS NULL) = (share_source IS NULL)", name="share_has_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    exhibitor_id: Mapped[int] = parent_key("exhibitors")
    registration_id: Mapped[int] = parent_key("registrations")
    first_scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The share that lets this exhibitor see the details below; None: an anonymous visit.
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    share_source: Mapped[ShareSource | None] = mapped_column(
        enum_column(ShareSource, "share_source")
    )
    # The shared details, as the organiser's choice of fields allowed when shared (blank when
    # not shared, not chosen, withdrawn or erased).
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("provinces.code"))
    sector_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The exhibitor's own qualification: a stale version is refused (LeadConflict), never
    # silently overwritten.
    rating: Mapped[LeadRating | None] = mapped_column(enum_column(LeadRating, "rating"))
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    exhibitor: Mapped[Exhibitor] = relationship()
    registration: Mapped[Registration] = relationship()
    scans: Mapped[list["LeadScan"]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="LeadScan.scanned_at"
    )
    notes: Mapped[list["LeadNote"]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="LeadNote.id"
    )
    answers: Mapped[list["LeadAnswer"]] = relationship(
        back_populates="lead", cascade="all, delete-orphan"
    )

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None


class LeadScan(db.Model):
    """One scan of a visitor's lead code at a booth; never edited, kept with its lead."""

    __tablename__ = "lead_scans"
    __table_args__ = (sa.UniqueConstraint("scanner_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = parent_key("leads")
    scanner_id: Mapped[int] = parent_key("lead_scanners")
    nonce: Mapped[str] = mapped_column(sa.String(64))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the phone, maybe offline
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offline: Mapped[bool] = mapped_column(default=False)

    lead: Mapped[Lead] = relationship(back_populates="scans")
    scanner: Mapped[LeadScanner] = relationship()


class LeadNote(db.Model):
    """A note on a lead by one scanner (or the company's portal); notes are added, never
    overwritten, so two staff writing at once both keep theirs."""

    __tablename__ = "lead_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = parent_key("leads")
    scanner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lead_scanners.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="notes")
    scanner: Mapped[LeadScanner | None] = relationship()


class LeadQuestion(Localized, db.Model):
    """One of an exhibitor's qualifying questions (at most MAX_QUESTIONS): free text when it
    has no choices, else one of its choices."""

    __tablename__ = "lead_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = parent_key("exhibitors")
    position: Mapped[int] = mapped_column(default=0)
    text_vi: Mapped[str] = mapped_column(sa.String(300))
    text_en: Mapped[str] = mapped_column(sa.String(300), default="")
    choices: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exhibitor: Mapped[Exhibitor] = relationship()


class LeadAnswer(db.Model):
    """A lead's answer to a qualifying question (part of the lead's versioned qualification)."""

    __tablename__ = "lead_answers"

    lead_id: Mapped[int] = mapped_column(
        sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lead_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answer: Mapped[str] = mapped_column(sa.String(ANSWER_LENGTH))

    lead: Mapped[Lead] = relationship(back_populates="answers")
    question: Mapped[LeadQuestion] = relationship()

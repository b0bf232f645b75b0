"""Visitor registrations, their categories and consents."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..badges.services import new_feed_token, new_lead_code
from ..dbtypes import UTCDateTime, enum_column, parent_key, trigram_index, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..mail.services import undeliverable
from ..reference.models import Province, Sector


class VisitorCategory(Localized, db.Model):
    __tablename__ = "visitor_categories"
    __table_args__ = (sa.UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(32))
    name_vi: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    color: Mapped[str] = mapped_column(sa.String(7), default="#1f6feb")
    # Self-service categories are offered on the public form; others are given by organisers.
    is_public: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()


class RegistrationStatus(enum.Enum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class RegistrationSource(enum.Enum):
    ONLINE = "online"
    DESK = "desk"
    INVITATION = "invitation"
    IMPORT = "import"
    DEMO = "demo"
    EXHIBITOR = "exhibitor"  # staff registered by their company in the exhibitor portal


# Walk-ins who give no e-mail address get a unique placeholder in this reserved, undeliverable
# domain (RFC 2606 ".invalid"): the e-mail columns stay filled and unique, and no mail goes out.
NO_EMAIL_DOMAIN = "desk.invalid"
# Erased people (and invitees, exhibitor contacts) get a placeholder in this domain instead.
ERASED_DOMAIN = "erased.invalid"


class ConsentPurpose(enum.Enum):
    PROCESSING = "processing"  # processing personal data to run the event (required)
    SHARE_EXHIBITORS = "share_exhibitors"  # exhibitors whose booth scans the badge see contact data
    NEWS = "news"  # news about this and later events
    MATCHMAKING = "matchmaking"  # listed in the business-matching directory of participants


registration_sectors = sa.Table(
    "registration_sectors",
    db.metadata,
    sa.Column(
        "registration_id",
        sa.ForeignKey("registrations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("sector_code", sa.ForeignKey("sectors.code"), primary_key=True),
)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One confirmed registration per address and event; a cancelled one keeps its history to
        # itself, and a sign-up after it starts afresh.
        sa.Index(
            "uq_registrations_event_id_email_key",
            "event_id",
            "email_key",
            unique=True,
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        ),
        trigram_index("registrations", "search_text"),
        sa.CheckConstraint(
            "(province_code IS NOT NULL AND country_code = 'VN')"
            " OR (province_code IS NULL AND country_code <> 'VN')",
            name="province_or_abroad",
        ),
        sa.CheckConstraint("language IN ('vi', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("visitor_categories.id"))
    # Exhibitor staff: the company they work at the booth for.
    exhibitor_id: Mapped[int | None] = parent_key("exhibitors")
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "status"), default=RegistrationStatus.CONFIRMED
    )
    source: Mapped[RegistrationSource] = mapped_column(
        enum_column(RegistrationSource, "source"), default=RegistrationSource.ONLINE
    )
    full_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254))  # case-folded, for uniqueness
    phone: Mapped[str] = mapped_column(sa.String(20))  # E.164, e.g. +84912345678
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    province_code: Mapped[str | None] = mapped_column(sa.ForeignKey("provinces.code"))
    country_code: Mapped[str] = mapped_column(sa.String(2), default="VN")
    language: Mapped[str] = mapped_column(sa.String(2), default="vi")
    badge_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    manage_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The read-only secret of the "my sessions" calendar feed, never the manage token: the feed's
    # address goes into calendars that people share. A unique index (not a constraint), so that
    # its migration adds it without copying the table on SQLite.
    feed_token: Mapped[str] = mapped_column(
        sa.String(64), index=True, unique=True, default=new_feed_token
    )
    # The badge's second secret, for exhibitors' booth scanners only (badges/services.py): it
    # never opens a door, and the entry code never reaches a booth.
    lead_code: Mapped[str] = mapped_column(
        sa.String(32), index=True, unique=True, default=new_lead_code
    )
    # Set when the manage link was replaced without the person asking (it had been exposed in a
    # calendar feed's address), until they are e-mailed the new one (`flask send-new-links`).
    new_link_pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Name, e-mail, organisation and phone folded (no diacritics, lower case) for searching.
    search_text: Mapped[str] = mapped_column(sa.String(800), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last PDF printed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the address was proven to belong to the person: they followed a link sent to it (the
    # invitation's, or the one in the confirmation e-mail). A typed address is not proven.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the link was last e-mailed again to someone signing up with this address; the pause
    # between two is kept by a conditional update of this column (see services._send_again).
    link_resent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person's personal data was anonymised (see visitors/erasure.py); the row stays for
    # the figures, the badge stops working.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    exhibitor: Mapped["Exhibitor | None"] = relationship()  # noqa: F821 (exhibitors.models)
    category: Mapped[VisitorCategory] = relationship(lazy="joined")
    province: Mapped[Province | None] = relationship()
    sectors: Mapped[list[Sector]] = relationship(
        secondary=registration_sectors, order_by=Sector.position
    )
    consents: Mapped[list["Consent"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="Consent.id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status is RegistrationStatus.CANCELLED

    @classmethod
    def badge_works(cls) -> sa.ColumnElement[bool]:
        """In SQL: the registrations whose badge works (confirmed, not erased)."""
        return sa.and_(cls.status == RegistrationStatus.CONFIRMED, cls.erased_at.is_(None))

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def address_proven(self) -> bool:
        return self.email_verified_at is not None

    @property
    def typed_by_a_stranger(self) -> bool:
        """Signed up on the public form at an address not proven since: what was typed may be
        anybody's words, so e-mails carry none of it but the name on the badge."""
        return self.source is RegistrationSource.ONLINE and not self.address_proven

    @property
    def has_email(self) -> bool:
        """False for a walk-in registered at the desk without an e-mail address, and once erased
        (both have a placeholder in a reserved ".invalid" domain that can never receive mail)."""
        return not undeliverable(self.email)

    def consent_for(self, purpose: ConsentPurpose) -> "Consent | None":
        """The latest consent record for a purpose."""
        records = [c for c in self.consents if c.purpose is purpose]
        return records[-1] if records else None

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status.value}>"


class Consent(db.Model):
    """One answer to one consent question, with the wording version and time; never edited."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = parent_key("registrations")
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose, "purpose"))
    granted: Mapped[bool] = mapped_column()
    # Event.consent_version; for the sharing consent, with the fields it named (visitors.sharing).
    wording_version: Mapped[str] = mapped_column(sa.String(40))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="consents")

"""Companies that apply to exhibit, their booth requests and the history of their application."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym
from stdnum.vn import mst

from ..booths.models import Booth, BoothAssignment, BoothType, Hall
from ..dbtypes import UTCDateTime, enum_column, parent_key, trigram_index, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..reference.models import Province, Sector


class ExhibitorStatus(enum.Enum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    BOOTH_ASSIGNED = "booth_assigned"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


exhibitor_sectors = sa.Table(
    "exhibitor_sectors",
    db.metadata,
    sa.Column("exhibitor_id", sa.ForeignKey("exhibitors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_code", sa.ForeignKey("sectors.code"), primary_key=True),
)


def format_tax_code(compact: str) -> str:
    """A compact tax code as people write it (0100233488-001 for a branch)."""
    return mst.format(compact)


class Exhibitor(Localized, db.Model):
    __tablename__ = "exhibitors"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "tax_code"),
        sa.CheckConstraint("booth_count BETWEEN 1 AND 20", name="booth_count"),
        sa.CheckConstraint("contact_language IN ('vi', 'en')", name="contact_language"),
        trigram_index("exhibitors", "search_text"),
        trigram_index("exhibitors", "public_search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    status: Mapped[ExhibitorStatus] = mapped_column(
        enum_column(ExhibitorStatus, "status"), default=ExhibitorStatus.SUBMITTED
    )
    company_name_vi: Mapped[str] = mapped_column(sa.String(200))
    company_name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    tax_code: Mapped[str] = mapped_column(sa.String(13))  # compact: 10 digits, or 13 for a branch
    province_code: Mapped[str] = mapped_column(sa.ForeignKey("provinces.code"))
    commune: Mapped[str] = mapped_column(sa.String(120), default="")
    street: Mapped[str] = mapped_column(sa.String(200), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    main_products: Mapped[str] = mapped_column(sa.Text, default="")  # in Vietnamese
    main_products_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    main_products_vi = synonym("main_products")  # so that tr("main_products") works
    certifications: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    logo_filename: Mapped[str | None] = mapped_column(sa.String(64))
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str] = mapped_column(sa.String(20))
    contact_language: Mapped[str] = mapped_column(sa.String(2), default="vi")
    booth_type: Mapped[BoothType] = mapped_column(enum_column(BoothType, "booth_type"))
    booth_count: Mapped[int] = mapped_column(default=1)
    raw_area_m2: Mapped[int | None] = mapped_column()  # for raw space
    # Company names, tax code, products and contact folded for searching (diacritics ignored).
    search_text: Mapped[str] = mapped_column(sa.String(2000), default="")
    # What the public directory searches: names, products, certifications (no contact, no tax code).
    public_search_text: Mapped[str] = mapped_column(sa.String(2000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lead retrieval (booth scanners) is part of this exhibitor's package: the organisers' choice.
    leads_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # When the contact was told that the leads will be deleted in 14 days, and in 3 days
    # (exhibitors.lead_retention): claimed by a conditional update, so each goes once.
    leads_reminded_14_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leads_reminded_3_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counts portal sign-ins; a sign-in link carries the count it was made for, so it works once.
    portal_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    # Counts portal sign-outs: a portal session holds the count it began with, so signing out
    # ends every session of the company (a copied cookie too), not only this browser's.
    portal_sign_outs: Mapped[int] = mapped_column(default=0, server_default="0")

    event: Mapped[Event] = relationship()
    province: Mapped[Province] = relationship()
    sectors: Mapped[list[Sector]] = relationship(
        secondary=exhibitor_sectors, order_by=Sector.position
    )
    preferences: Mapped[list["BoothPreference"]] = relationship(
        back_populates="exhibitor", cascade="all, delete-orphan", order_by="BoothPreference.rank"
    )
    assignments: Mapped[list[BoothAssignment]] = relationship(back_populates="exhibitor")
    history: Mapped[list["ExhibitorStatusChange"]] = relationship(
        back_populates="exhibitor",
        cascade="all, delete-orphan",
        order_by="ExhibitorStatusChange.id",
    )

    @property
    def booths(self) -> list[Booth]:
        return sorted((a.booth for a in self.assignments), key=lambda booth: booth.code)


class BoothPreference(db.Model):
    """A ranked wish: a specific booth, or any booth in a hall or in a zone."""

    __tablename__ = "booth_preferences"
    __table_args__ = (
        sa.UniqueConstraint("exhibitor_id", "rank"),
        sa.CheckConstraint("rank BETWEEN 1 AND 5", name="rank"),
        sa.CheckConstraint(
            "booth_id IS NOT NULL OR hall_id IS NOT NULL OR zone IS NOT NULL",
            name="booth_hall_or_zone",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = mapped_column(sa.ForeignKey("exhibitors.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column()
    booth_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booths.id", ondelete="CASCADE"))
    hall_id: Mapped[int | None] = mapped_column(sa.ForeignKey("halls.id", ondelete="CASCADE"))
    zone: Mapped[str | None] = mapped_column(sa.String(32))

    exhibitor: Mapped[Exhibitor] = relationship(back_populates="preferences")
    booth: Mapped[Booth | None] = relationship()
    hall: Mapped[Hall | None] = relationship()

    @property
    def wish(self) -> str:
        """What was wished for, as people read it: a booth code, a hall's name or a zone."""
        if self.booth is not None:
            return self.booth.code
        if self.hall is not None:
            return self.hall.tr("name")
        return self.zone or ""


class ExhibitorStatusChange(db.Model):
    """Every change of an application's status, by whom and why; e-mailed to the contact."""

    __tablename__ = "exhibitor_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibitor_id: Mapped[int] = parent_key("exhibitors")
    from_status: Mapped[ExhibitorStatus | None] = mapped_column(
        enum_column(ExhibitorStatus, "from_status")
    )
    to_status: Mapped[ExhibitorStatus] = mapped_column(enum_column(ExhibitorStatus, "to_status"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exhibitor: Mapped[Exhibitor] = relationship(back_populates="history")

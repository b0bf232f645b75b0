"""Halls, booths on the floor plan, and which exhibitor holds which booth."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..extensions import db
from ..i18n import Localized


class BoothType(enum.Enum):
    STANDARD = "standard"  # shell scheme, 3 x 3 m
    CORNER = "corner"  # shell scheme open on two sides
    RAW = "raw"  # raw space, sold by the square metre


class BoothStatus(enum.Enum):
    """What organisers set; a booth with an assignment shows as "assigned" whatever this says."""

    AVAILABLE = "available"
    RESERVED = "reserved"  # held back (sponsors, organisers); not allocated automatically
    BLOCKED = "blocked"  # cannot be sold (pillar, emergency exit)


class Hall(Localized, db.Model):
    __tablename__ = "halls"
    __table_args__ = (sa.UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    code: Mapped[str] = mapped_column(sa.String(16))
    name_vi: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100), default="")
    width_m: Mapped[float] = mapped_column(sa.Float)
    depth_m: Mapped[float] = mapped_column(sa.Float)
    position: Mapped[int] = mapped_column(default=0)

    booths: Mapped[list["Booth"]] = relationship(back_populates="hall", order_by="Booth.code")


class Booth(db.Model):
    __tablename__ = "booths"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "code"),
        sa.CheckConstraint("width_m > 0 AND depth_m > 0", name="positive_size"),
        sa.CheckConstraint("price_vnd >= 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    hall_id: Mapped[int] = parent_key("halls")
    code: Mapped[str] = mapped_column(sa.String(16))
    x_m: Mapped[float] = mapped_column(sa.Float)
    y_m: Mapped[float] = mapped_column(sa.Float)
    width_m: Mapped[float] = mapped_column(sa.Float)
    depth_m: Mapped[float] = mapped_column(sa.Float)
    type: Mapped[BoothType] = mapped_column(enum_column(BoothType, "type"))
    zone: Mapped[str] = mapped_column(sa.String(32), default="")
    sector_code: Mapped[str | None] = mapped_column(sa.ForeignKey("sectors.code"))
    price_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[BoothStatus] = mapped_column(
        enum_column(BoothStatus, "status"), default=BoothStatus.AVAILABLE
    )

    hall: Mapped[Hall] = relationship(back_populates="booths")
    assignment: Mapped["BoothAssignment | None"] = relationship(
        back_populates="booth", uselist=False
    )

    @property
    def area_m2(self) -> float:
        return round(self.width_m * self.depth_m, 2)

    @property
    def display_status(self) -> str:
        return "assigned" if self.assignment is not None else self.status.value

    @property
    def public_status(self) -> str:
        """What visitors see: "taken", "free", or "reserved" (held back or blocked)."""
        if self.assignment is not None:
            return "taken"
        return "free" if self.status is BoothStatus.AVAILABLE else "reserved"


class BoothAssignment(db.Model):
    """The exhibitor holding a booth. The unique booth_id is the rule: one exhibitor per booth."""

    __tablename__ = "booth_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(
        sa.ForeignKey("booths.id", ondelete="CASCADE"), unique=True
    )
    exhibitor_id: Mapped[int] = parent_key("exhibitors")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    booth: Mapped[Booth] = relationship(back_populates="assignment")
    exhibitor: Mapped["Exhibitor"] = relationship(back_populates="assignments")  # noqa: F821

"""Reference data: Vietnam's 34 provinces (since 1 July 2025) and supporting-industry sectors."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import Localized


class Province(Localized, db.Model):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    name_vi: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(10))  # "city" (centrally run) or "province"
    formed_from: Mapped[str] = mapped_column(sa.String(255), default="")
    position: Mapped[int] = mapped_column(default=0)


class Sector(Localized, db.Model):
    __tablename__ = "sectors"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(sa.String(150))
    name_en: Mapped[str] = mapped_column(sa.String(150))
    position: Mapped[int] = mapped_column(default=0)

"""Certificates of attendance: each exhibition's template, and a row per certificate issued."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, parent_key, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..visitors.models import Registration


class CertificateTemplate(Localized, db.Model):
    """What an exhibition's certificates say: a title, a body with placeholders such as {name}
    (one for the exhibition, one for a conference session) and who signs them."""

    __tablename__ = "certificate_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    title_vi: Mapped[str] = mapped_column(sa.String(120))
    title_en: Mapped[str] = mapped_column(sa.String(120), default="")
    body_vi: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    session_body_vi: Mapped[str] = mapped_column(sa.Text)
    session_body_en: Mapped[str] = mapped_column(sa.Text, default="")
    signatory_name: Mapped[str] = mapped_column(sa.String(120), default="")
    signatory_title_vi: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory_title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()


class Certificate(db.Model):
    """A certificate issued to a person who attended the exhibition (no session) or a session.

    Its code (128 random bits, as a badge code) is what the verification page is opened by; the
    name printed is kept, so that an organiser's correction is the certificate's, not the
    registration's. `scope` is the session's id or 0 for the exhibition, so that the database
    allows one certificate per person and scope.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", "scope"),
        sa.CheckConstraint("scope = coalesce(session_id, 0)", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    registration_id: Mapped[int] = parent_key("registrations")
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conference_sessions.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))  # as printed
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    name_corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()
    session: Mapped["ConferenceSession | None"] = relationship()  # noqa: F821 (programme.models)

"""An exhibition edition and its settings."""

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..i18n import Localized

# The fields the sign-up form's consent to share with exhibitors has always named.
DEFAULT_LEAD_FIELDS = ("name", "organisation", "job_title", "email", "phone")


class RegistrationState(enum.StrEnum):
    """Where an exhibition's sign-up window stands (computed, not stored). A StrEnum: pages
    compare it with its value and use that as a CSS class."""

    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


class Event(Localized, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            "registration_closes_at > registration_opens_at", name="registration_window"
        ),
        sa.CheckConstraint(
            "retention_days IS NULL OR retention_days BETWEEN 0 AND 3650", name="retention_days"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300), default="")
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    organiser_vi: Mapped[str] = mapped_column(sa.String(300), default="")
    organiser_en: Mapped[str] = mapped_column(sa.String(300), default="")
    venue_vi: Mapped[str] = mapped_column(sa.String(300), default="")
    venue_en: Mapped[str] = mapped_column(sa.String(300), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Ho_Chi_Minh")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where replies to the exhibition's e-mails go (their Reply-To), and whom they come from.
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    mail_sender_vi: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    mail_sender_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # Version of the consent wording shown on the sign-up form; stored with every consent.
    consent_version: Mapped[str] = mapped_column(sa.String(20), default="2026-01")
    # Exhibitor staff badges allowed for every 9 m² of booth area.
    staff_per_9m2: Mapped[int] = mapped_column(default=3, server_default="3")
    # Days after the last day of the event after which visitors' personal data is anonymised
    # (`flask purge-personal-data`); None keeps it until people or organisers erase it.
    retention_days: Mapped[int | None] = mapped_column()
    # What exhibitors' booth scanners receive of a visitor who consented to share (values of
    # exhibitors.lead_models.LeadField, in that order), and how many days after the last day
    # of the event the leads are deleted (`flask purge-personal-data`).
    lead_fields: Mapped[list[str]] = mapped_column(
        sa.JSON,
        default=lambda: list(DEFAULT_LEAD_FIELDS),
        server_default='["name", "organisation", "job_title", "email", "phone"]',
    )
    lead_retention_days: Mapped[int] = mapped_column(default=90, server_default="90")
    # The public page's banner and logo: re-encoded images under instance/uploads/events/.
    banner_filename: Mapped[str | None] = mapped_column(sa.String(64))
    logo_filename: Mapped[str | None] = mapped_column(sa.String(64))
    # Registering a person at the walk-in desk also checks them in: they are standing there.
    desk_checks_in: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def mail_sender(self, language: str) -> str:
        """The sender's name on this exhibition's e-mails in `language`: the one set for it, else
        the organiser's name, else the exhibition's (in that language first, then in Vietnamese)."""
        for suffix in dict.fromkeys((language, "vi")):
            for field in ("mail_sender", "organiser", "name"):
                if value := getattr(self, f"{field}_{suffix}", ""):
                    return value
        return ""

    def mail_fields(self, language: str) -> dict:
        """What every e-mail of this exhibition carries into the outbox (mail.services.enqueue):
        the exhibition, its sender's name in `language`, and its contact address as Reply-To."""
        return {
            "event_id": self.id,
            "sender_name": self.mail_sender(language),
            "reply_to": self.contact_email,
        }

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_day(self) -> date:
        """The local day the exhibition opens."""
        return self.starts_at.astimezone(self.tz).date()

    @property
    def last_day(self) -> date:
        """The local day the exhibition closes."""
        return self.ends_at.astimezone(self.tz).date()

    @property
    def days(self) -> list[date]:
        """The local days the exhibition is open, first to last."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def is_on(self, when: datetime) -> bool:
        """Whether `when` falls on one of the exhibition's local days."""
        return self.first_day <= when.astimezone(self.tz).date() <= self.last_day

    def registration_state(self, now: datetime | None = None) -> RegistrationState:
        """Whether the sign-up window is ahead, open or past at `now`."""
        now = now or utcnow()
        if now < self.registration_opens_at:
            return RegistrationState.NOT_OPEN
        if now >= self.registration_closes_at:
            return RegistrationState.CLOSED
        return RegistrationState.OPEN

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"

"""Which badges to print, and marking them printed."""

from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import date_range
from ..visitors.models import Registration
from .pdf import LAYOUTS, BadgeData, render
from .services import lead_qr_text

__all__ = ["LAYOUTS", "badge_data", "print_badges", "selection"]


def badge_data(registration: Registration, *, language: str | None = None) -> BadgeData:
    """What a registration's badge shows, in `language` (the person's by default)."""
    event = registration.event
    language = language or registration.language
    with force_locale(language):
        start = event.starts_at.astimezone(event.tz)
        end = event.ends_at.astimezone(event.tz)
        dates = date_range(start.date(), end.date())
        lead_label = _("For exhibitors")
    booth = ""
    if registration.exhibitor is not None and registration.exhibitor.booths:
        booth = ", ".join(b.code for b in registration.exhibitor.booths)
        booth = ("Gian " if language == "vi" else "Booth ") + booth
    return BadgeData(
        name=registration.full_name,
        job_title=registration.job_title or "",
        organisation=registration.organisation or "",
        category=registration.category.tr("name", language),
        color=registration.category.color,
        code=registration.badge_code,
        booth=booth,
        event_name=event.tr("name", language),
        event_dates=" · ".join(filter(None, [dates, event.tr("venue", language)])),
        lead_text=lead_qr_text(registration.lead_code),
        lead_label=lead_label,
    )


def selection(
    *,
    event: Event,
    category_id: int | None = None,
    registered_from: date | None = None,
    registered_to: date | None = None,
    not_printed: bool = False,
    ids: list[int] | None = None,
):
    """A select of the confirmed registrations to print (not erased ones), by name."""
    stmt = sa.select(Registration).where(
        Registration.event_id == event.id,
        Registration.badge_works(),
    )
    if category_id:
        stmt = stmt.where(Registration.category_id == category_id)
    if registered_from:
        start = datetime.combine(registered_from, time.min, tzinfo=event.tz)
        stmt = stmt.where(Registration.created_at >= start)
    if registered_to:
        end = datetime.combine(registered_to, time.max, tzinfo=event.tz)
        stmt = stmt.where(Registration.created_at <= end)
    if not_printed:
        stmt = stmt.where(Registration.badge_printed_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Registration.id.in_(ids))
    return stmt.order_by(Registration.full_name, Registration.id)


def print_badges(
    *,
    registrations: list[Registration],
    layout: str,
    language: str | None = None,
    mark: bool = True,
    now: datetime | None = None,
) -> bytes:
    """The badges as one PDF; with `mark`, each is recorded as printed now."""
    data = [badge_data(r, language=language) for r in registrations]
    pdf = render(data, layout=layout, title="Badges")
    if mark and registrations:
        moment = now or utcnow()
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id.in_([r.id for r in registrations]))
            .values(badge_printed_at=moment)
            .execution_options(synchronize_session=False)
        )
    return pdf

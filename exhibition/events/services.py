"""Events: look-up, creation and the event's calendar file."""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import ical
from ..errors import DomainError, NotFound
from ..extensions import db
from ..urls import public_url
from ..visitors.models import VisitorCategory
from .models import Event

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

DEFAULT_CATEGORIES = [
    # code, Vietnamese, English, colour, offered on the public form
    ("trade", "Khách thương mại", "Trade visitor", "#1f6feb", True),
    ("public", "Khách tham quan", "General public", "#2da44e", True),
    ("press", "Báo chí", "Press", "#8250df", True),
    ("delegate", "Đại biểu", "Delegate", "#bf3989", False),  # invited, or given by organisers
    ("vip", "Khách mời VIP", "VIP", "#d4a72c", False),
]


class EventNotFound(NotFound):
    code = "event_not_found"
    message = _l("This exhibition does not exist.")


class SlugTaken(DomainError):
    code = "slug_taken"
    status = 409
    message = _l("Another exhibition already uses this short name.")


@dataclass
class EventData:
    slug: str
    name_vi: str
    name_en: str
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    description_vi: str = ""
    description_en: str = ""
    organiser_vi: str = ""
    organiser_en: str = ""
    venue_vi: str = ""
    venue_en: str = ""
    address: str = ""
    contact_email: str = ""
    mail_sender_vi: str = ""
    mail_sender_en: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    staff_per_9m2: int = 3
    retention_days: int | None = None
    desk_checks_in: bool = True


def get_event(*, slug: str) -> Event:
    """The event with this slug, or EventNotFound."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        raise EventNotFound()
    return event


def list_events() -> list[Event]:
    """Every event, the latest first."""
    return list(db.session.scalars(sa.select(Event).order_by(Event.starts_at.desc(), Event.id)))


def create_event(*, data: EventData) -> Event:
    """Create an event with the default visitor categories."""
    if not SLUG.match(data.slug):
        raise DomainError(_l("Use lower-case letters, digits and hyphens."), code="invalid_slug")
    if db.session.scalar(sa.select(Event.id).where(Event.slug == data.slug)) is not None:
        raise SlugTaken()
    event = Event(**vars(data))
    db.session.add(event)
    for position, (code, name_vi, name_en, color, public) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(
            VisitorCategory(
                event=event,
                code=code,
                name_vi=name_vi,
                name_en=name_en,
                color=color,
                is_public=public,
                position=position,
            )
        )
    db.session.flush()
    return event


def update_event(*, event: Event, data: EventData) -> Event:
    """Change an event's settings (its slug included, when free)."""
    if data.slug != event.slug:
        if not SLUG.match(data.slug):
            raise DomainError(
                _l("Use lower-case letters, digits and hyphens."), code="invalid_slug"
            )
        if db.session.scalar(sa.select(Event.id).where(Event.slug == data.slug)) is not None:
            raise SlugTaken()
    for key, value in vars(data).items():
        setattr(event, key, value)
    db.session.flush()
    return event


def event_calendar(*, event: Event, language: str) -> bytes:
    """The event as an .ics file. Its link is the exhibition's public page, never a private one:
    a calendar entry is seen by whoever the calendar is shared with."""
    url = public_url("events.detail", slug=event.slug, lang=language)
    location = ", ".join(p for p in (event.tr("venue", language), event.address) if p)
    return ical.calendar(
        tz_name=event.timezone,
        name=event.tr("name", language),
        events=[
            {
                "uid": f"event-{event.slug}@exhibition",
                "start": event.starts_at,
                "end": event.ends_at,
                "summary": event.tr("name", language),
                "description": event.tr("description", language),
                "location": location,
                "url": url,
            }
        ],
    )

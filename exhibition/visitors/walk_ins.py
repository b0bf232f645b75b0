"""The walk-in desk: registering a person on the spot, today's walk-ins, finding a registration."""

from dataclasses import replace
from datetime import datetime, time

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from .models import (
    Registration,
    RegistrationSource,
)
from .services import (
    Consents,
    VisitorData,
    no_email_placeholder,
    register_visitor,
    registrations_query,
)


def register_walk_in(
    *, event: Event, data: VisitorData, consents: Consents, now: datetime | None = None
) -> tuple[Registration, bool]:
    """Register a person at the desk: returns (registration, created).

    Any category may be given, whatever the registration window. Without an e-mail the person
    gets a placeholder address and no mail; with one already registered, the existing
    registration is returned and nothing is sent again (the person is standing at the desk).
    """
    if not data.email.strip():
        data = replace(data, email=no_email_placeholder())
    return register_visitor(
        event=event,
        data=data,
        consents=consents,
        source=RegistrationSource.DESK,
        public_only=False,
        check_window=False,
        resend_existing=False,
        now=now,
    )


def recent_walk_ins(
    *, event: Event, now: datetime | None = None, limit: int = 10
) -> list[Registration]:
    """The latest registrations made at the desk today (the event's time zone), newest first."""
    local = (now or utcnow()).astimezone(event.tz)
    midnight = datetime.combine(local.date(), time(0), tzinfo=event.tz)
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.source == RegistrationSource.DESK,
                Registration.created_at >= midnight,
            )
            .order_by(Registration.created_at.desc(), Registration.id.desc())
            .limit(limit)
        )
    )


DESK_SEARCH_MIN = 3  # characters of a search at the desk


DESK_SEARCH_LIMIT = 10


def find_at_desk(*, event: Event, query: str) -> list[Registration]:
    """A few registrations matching every word of a search at the desk (name, organisation,
    phone, e-mail; diacritics ignored), newest first; none for a search shorter than 3."""
    if len(query.strip()) < DESK_SEARCH_MIN:
        return []
    stmt = registrations_query(event=event, query=query)
    return list(db.session.scalars(stmt.limit(DESK_SEARCH_LIMIT)))

"""Public pages of events."""

from datetime import timedelta

from flask import Blueprint, Response, g, render_template

from ..dbtypes import utcnow
from ..i18n import current_language
from .services import event_calendar, get_event, list_events

bp = Blueprint("events", __name__)


@bp.get("/")
def index():
    """All exhibitions, newest first."""
    return render_template("public/index.html", events=list_events(), now=utcnow())


@bp.get("/events/<slug>/")
def detail(slug: str):
    """An exhibition's page with its registration state."""
    g.event = event = get_event(slug=slug)
    return render_template("public/event.html", event=event, state=event.registration_state())


@bp.get("/events/<slug>/privacy")
def privacy(slug: str):
    """The privacy notice: who holds a visitor's data, why, what, how long, and their rights."""
    g.event = event = get_event(slug=slug)
    kept_until = (
        event.last_day + timedelta(days=event.retention_days)
        if event.retention_days is not None
        else None
    )
    return render_template("public/privacy.html", event=event, kept_until=kept_until)


@bp.get("/events/<slug>/event.ics")
def calendar(slug: str):
    """The exhibition as a calendar file."""
    event = get_event(slug=slug)
    body = event_calendar(event=event, language=current_language())
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'},
    )

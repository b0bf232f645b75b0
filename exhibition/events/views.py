"""Public pages of events."""

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

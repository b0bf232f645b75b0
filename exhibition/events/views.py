"""Public pages of events."""

from datetime import timedelta

from flask import Blueprint, Response, abort, g, render_template, send_from_directory

from ..booths.services import halls
from ..dbtypes import utcnow
from ..exhibitors.logos import BANNER, image_folder, stored_name
from ..i18n import current_language
from ..visitors.sharing import shared_fields_text
from .models import Event
from .news import latest_posts
from .services import event_calendar, get_event, list_events

bp = Blueprint("events", __name__)


def _event_page(event: Event):
    g.event = event
    return render_template(
        "public/event.html",
        event=event,
        state=event.registration_state(),
        has_plan=bool(halls(event=event)),
        news=latest_posts(event=event),
    )


@bp.get("/")
def index():
    """The exhibition itself when the installation has one; all exhibitions, newest first, when
    it has several."""
    events = list_events()
    if len(events) == 1:
        return _event_page(events[0])
    return render_template("public/index.html", events=events, now=utcnow())


@bp.get("/events/<slug>/")
def detail(slug: str):
    """An exhibition's page with its registration state."""
    return _event_page(get_event(slug=slug))


@bp.get("/media/events/<name>")
def image(name: str):
    """An exhibition's banner (JPEG) or logo (PNG), re-encoded, under a random name."""
    if not stored_name(name):
        abort(404)
    mimetype = "image/jpeg" if name.endswith(".jpg") else "image/png"
    return send_from_directory(image_folder(BANNER), name, mimetype=mimetype, max_age=86400)


@bp.get("/events/<slug>/privacy")
def privacy(slug: str):
    """The privacy notice: who holds a visitor's data, why, what, how long, and their rights."""
    g.event = event = get_event(slug=slug)
    kept_until = (
        event.last_day + timedelta(days=event.retention_days)
        if event.retention_days is not None
        else None
    )
    return render_template(
        "public/privacy.html",
        event=event,
        kept_until=kept_until,
        shared_fields=shared_fields_text(event),
    )


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

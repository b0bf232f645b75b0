"""The public programme: agenda by day and room, session pages, iCalendar feeds, schedule.json."""

from flask import Blueprint, Response, current_app, g, render_template, request
from flask_babel import gettext as _

from ..events.services import get_event
from ..extensions import guess_limit
from ..i18n import current_language
from ..matchmaking.agenda import meeting_events
from ..urls import public_url
from ..visitors.services import RegistrationNotFound, get_by_feed_token
from . import schedule as programme
from . import services
from .models import PersonRole, SessionAccess

bp = Blueprint("agenda", __name__, url_prefix="/events/<slug>/programme")


def _feed_response(body: bytes, filename: str, *, private: bool = False) -> Response:
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        # The address is the person's secret: keep it out of shared caches and search engines.
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _webcal(url: str) -> str:
    """The same address for calendar apps that subscribe (and refresh) rather than import once."""
    return "webcal://" + url.split("://", 1)[-1]


@bp.get("")
def agenda(slug: str):
    """The published programme by day and room, filtered by ?track=, ?day= and ?type=."""
    g.event = event = get_event(slug=slug)
    wanted = programme.AgendaFilter.parse(request.args)
    feed = public_url("agenda.programme_feed", slug=slug)
    return render_template(
        "agenda/agenda.html",
        event=event,
        agenda=programme.agenda(event=event, wanted=wanted),
        wanted=wanted,
        seats_left=programme.seats_left,
        session_over=programme.session_over,
        SessionAccess=SessionAccess,
        PersonRole=PersonRole,
        feed_url=feed,
        webcal_url=_webcal(feed),
    )


@bp.get("/sessions/<int:session_id>")
def session(slug: str, session_id: int):
    """A published session with its description, place, time and people."""
    g.event = event = get_event(slug=slug)
    item = services.get_session(event=event, session_id=session_id, published_only=True)
    if not item.is_placed:
        raise services.SessionNotFound()
    return render_template(
        "agenda/session.html",
        event=event,
        item=item,
        seats_left=programme.seats_left(item),
        over=programme.session_over(item),
        SessionAccess=SessionAccess,
        PersonRole=PersonRole,
    )


@bp.get("/programme.ics")
def programme_feed(slug: str):
    """Every published session as an iCalendar feed."""
    event = get_event(slug=slug)
    language = current_language()
    name = _("Programme · %(event)s", event=event.tr("name", language))
    body = programme.programme_calendar(event=event, language=language, name=name)
    return _feed_response(body, f"{event.slug}-programme.ics")


@bp.get("/my/<token>.ics")
@guess_limit
def personal_feed(slug: str, token: str):
    """One attendee's seated sessions as an iCalendar feed. The address holds the feed's own
    read-only secret, never the manage token: people paste it into calendars they share."""
    event = get_event(slug=slug)
    registration = get_by_feed_token(token=token)
    if registration.event_id != event.id or registration.is_erased:
        raise RegistrationNotFound()
    language = current_language()
    # Their business-matching meetings come in the same feed: one address for one's calendar.
    meetings = meeting_events(registration)
    if meetings:
        name = _("My agenda · %(event)s", event=event.tr("name", language))
    else:
        name = _("My sessions · %(event)s", event=event.tr("name", language))
    body = programme.personal_calendar(
        registration=registration, language=language, name=name, extra=meetings
    )
    return _feed_response(body, f"{event.slug}-my-sessions.ics", private=True)


@bp.get("/schedule.json")
def schedule_json(slug: str):
    """The published programme in the frab/c3voc schedule.json shape (?lang=en for English)."""
    event = get_event(slug=slug)
    language = "en" if request.args.get("lang") == "en" else "vi"
    response = current_app.json.response(programme.schedule(event=event, language=language))
    # Other conference tools (apps, video teams' web pages) fetch this from their own origin.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

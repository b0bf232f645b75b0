"""A person's agenda behind their private link: the printable PDF, and what the agenda section
of "my registration" lists (a template global, so the page's view needs no change)."""

from flask import Blueprint, Response, abort, g

from ..extensions import guess_limit, limiter
from ..i18n import current_language
from ..visitors.services import get_by_manage_token
from . import pdf
from .agenda import agenda_of
from .participants import participant_of

bp = Blueprint("matchmaking_agenda", __name__)


@bp.app_template_global("matchmaking_agenda")
def matchmaking_agenda(registration):
    """(participant or None, agenda items) of a registration, for templates/matchmaking/_agenda."""
    if registration.is_cancelled or registration.is_erased:
        return None, []
    return participant_of(registration), agenda_of(registration)


@bp.get("/r/<token>/matching/agenda.pdf")
@guess_limit
@limiter.limit("30 per minute")
def agenda_pdf(token: str):
    """The person's meetings and seated sessions on A4, in the page's language."""
    registration = get_by_manage_token(token=token)
    if registration.is_cancelled or registration.is_erased:
        abort(404)
    g.event = registration.event
    language = current_language()
    return Response(
        pdf.render_agenda(registration, language=language),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{pdf.agenda_filename(language)}"',
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
        },
    )

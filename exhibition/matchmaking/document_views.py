"""The organisers' printable sheets of business matching: each table's (and hosting booth's)
meetings of a session, slot by slot."""

from flask import Response, g, request

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..events.services import get_event
from . import pdf
from .sessions import get_session

bp = staff_blueprint(
    "matchmaking_documents", __name__, url_prefix="/admin/events/<slug>/matchmaking/sessions"
)


@bp.get("/<int:meeting_session_id>/tables.pdf")
@allow(Role.ORGANISER, Role.MATCHMAKING)
def table_sheets(slug: str, meeting_session_id: int):
    """One A4 page per table and per hosting booth, to lay on it for the day (?language=en for
    English)."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=meeting_session_id)
    language = "en" if request.args.get("language") == "en" else "vi"
    return Response(
        pdf.render_tables(session, language=language),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{pdf.tables_filename(session)}"',
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
        },
    )

"""The organisers' business-matching report: figures, their breakdowns, a chart, the files."""

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..charts import bar_chart
from ..events.services import get_event
from ..exports import audited_export
from . import report
from .sessions import sessions_of

bp = staff_blueprint(
    "matchmaking_report", __name__, url_prefix="/admin/events/<slug>/matchmaking/report"
)


def _session_id(event) -> int | None:
    """The session picked in the filter (one of the exhibition's), or None for all."""
    wanted = request.args.get("session", "")
    ids = {s.id for s in sessions_of(event=event)}
    return int(wanted) if wanted.isascii() and wanted.isdigit() and int(wanted) in ids else None


@bp.get("/")
@allow(Role.ORGANISER, Role.MATCHMAKING)
def overview(slug: str):
    """The figures of business matching, in all and by sector, province and side, with a chart."""
    g.event = event = get_event(slug=slug)
    session_id = _session_id(event)
    figures = report.build_report(event=event, session_id=session_id)
    items = report.chart_items(figures)
    return render_template(
        "matchmaking/report.html",
        event=event,
        report=figures,
        figures=report.FIGURES,
        sessions=sessions_of(event=event),
        session_id=session_id,
        chart=bar_chart(
            items, labels={i: item["name"] for i, item in enumerate(items)}, centred=True
        ),
    )


@bp.get("/figures.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER, Role.MATCHMAKING)
def export_figures(slug: str, kind: str):
    """The figures as Excel or CSV, in the language chosen."""
    event = get_event(slug=slug)
    session_id = _session_id(event)
    return audited_export(
        event=event,
        kind=kind,
        name="matchmaking-figures",
        columns=report.figure_columns(),
        rows=lambda: report.figure_rows(report.build_report(event=event, session_id=session_id)),
        title=_l("Business matching"),
        action="matchmaking.exported",
    )


@bp.get("/meetings.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER, Role.MATCHMAKING)
def export_meetings(slug: str, kind: str):
    """Every scheduled meeting, held or not and how each side rated it, as Excel or CSV."""
    event = get_event(slug=slug)
    session_id = _session_id(event)
    return audited_export(
        event=event,
        kind=kind,
        name="matchmaking-meetings",
        columns=report.meeting_columns(),
        rows=lambda: report.meeting_rows(event=event, session_id=session_id),
        title=_l("Meetings"),
        action="matchmaking.exported",
    )

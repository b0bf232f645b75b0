"""The organisers' schedule of a matchmaking session: compute it (a preview of drafts nobody
sees yet), then publish it, which e-mails each person whose meetings changed their agenda."""

from datetime import datetime

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import describes
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..extensions import db
from ..forms import Form
from . import scheduling
from .models import Mode
from .scheduler import Reason
from .sessions import get_session

bp = staff_blueprint(
    "matchmaking_schedule",
    __name__,
    url_prefix="/admin/events/<slug>/matchmaking/sessions/<int:meeting_session_id>/schedule",
)

WHO = (Role.ORGANISER, Role.MATCHMAKING)


class ButtonForm(Form):
    """A button that changes something: only its CSRF token."""


@describes("matchmaking.scheduled")
def _describe_run(d: dict) -> str:
    return _(
        "%(name)s: %(placed)d of %(pairs)d pairs placed, %(unplaced)d left out",
        name=d["name"],
        placed=d["placed"],
        pairs=d["pairs"],
        unplaced=d["unplaced"],
    )


@describes("matchmaking.published")
def _describe_publication(d: dict) -> str:
    return _("%(name)s: %(told)d people e-mailed", name=d["name"], told=d["told"])


def _session(slug: str, session_id: int):
    g.event = event = get_event(slug=slug)
    return event, get_session(event=event, session_id=session_id)


@bp.get("/")
@allow(*WHO)
def page(slug: str, meeting_session_id: int):
    """The last run's preview: the grid of slots by places, its counts and the pairs left out."""
    event, session = _session(slug, meeting_session_id)
    return render_template(
        "matchmaking/schedule.html",
        event=event,
        session=session,
        organiser=session.mode is Mode.ORGANISER,
        run=session.last_run,
        computed_at=datetime.fromisoformat(session.last_run["at"]) if session.last_run else None,
        preview=scheduling.preview(session) if session.last_run else None,
        counts=scheduling.unplaced_counts(session),
        reasons=list(Reason),
        to_tell=len(scheduling.people_to_tell(session)) if session.last_run else 0,
        form=ButtonForm(),
    )


@bp.post("/compute")
@allow(*WHO)
def compute(slug: str, meeting_session_id: int):
    """Run the scheduler: drafts replace the last run's, shown to nobody until published."""
    event, session = _session(slug, meeting_session_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    with refused() as refusal:
        solution = scheduling.run(session=session, user=current_user)
    if not refusal:
        db.session.commit()
        flash(
            _(
                "Schedule computed: %(placed)d meetings placed, %(unplaced)d pairs left out. Nobody sees it until you publish it.",
                placed=len(solution.placements),
                unplaced=len(solution.unplaced),
            ),
            "success",
        )
    return redirect(url_for(".page", slug=slug, meeting_session_id=meeting_session_id))


@bp.post("/publish")
@allow(*WHO)
def publish(slug: str, meeting_session_id: int):
    """Publish the last run and e-mail each person whose meetings changed their agenda."""
    event, session = _session(slug, meeting_session_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    with refused() as refusal:
        told = scheduling.publish(session=session, user=current_user)
    if not refusal:
        db.session.commit()
        flash(
            _("Schedule published: %(count)d people were e-mailed their agenda.", count=len(told)),
            "success",
        )
    return redirect(url_for(".page", slug=slug, meeting_session_id=meeting_session_id))

"""The exhibitor portal's page of meetings at the company's booth: who receives each one."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import DomainError, NotFound
from ..exhibitors.portal_views import signed_in
from ..extensions import db, limiter
from ..forms import Form
from . import representatives as reps
from .models import Representative

bp = Blueprint("matchmaking_portal", __name__, url_prefix="/events/<slug>/portal/meetings")


@bp.get("/")
@signed_in
def index(event, exhibitor):
    """The company's meetings at its booth, per session, each with its representative."""
    meetings = reps.booth_meetings(exhibitor=exhibitor)
    return render_template(
        "matchmaking/portal_meetings.html",
        event=event,
        exhibitor=exhibitor,
        meetings=meetings,
        choices={m.id: reps.choices(m) for m in meetings},
        form=Form(),
    )


@bp.post("/<int:meeting_id>/representative")
@limiter.limit("60 per minute")
@signed_in
def assign(event, exhibitor, meeting_id: int):
    """Give a booth meeting to one of the company's representatives (or to nobody yet)."""
    meeting = reps.booth_meeting(exhibitor=exhibitor, meeting_id=meeting_id)
    if not Form().validate_on_submit():
        flash(_("The form had expired: please try again."), "error")
        return redirect(url_for(".index", slug=event.slug))
    wanted = request.form.get("representative", "")
    representative = None
    if wanted:
        # Digits within an id's range only: a huge number is no id (and no database error).
        known = wanted.isascii() and wanted.isdigit() and int(wanted) < 2**31
        representative = db.session.get(Representative, int(wanted)) if known else None
        if representative is None:
            raise NotFound()
    try:
        reps.assign_representative(
            meeting=meeting, representative=representative, exhibitor=exhibitor
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The meeting's representative is saved."), "success")
    return redirect(url_for(".index", slug=event.slug) + f"#meeting-{meeting_id}")

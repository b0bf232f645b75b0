"""Business matching in the exhibitor portal: the company invites its staff to join.

The consent to be listed is each person's own, so the portal never lists anyone: it e-mails the
staff member the link to their own "my registration" page, where they join (as a supplier of the
company, by default) or not.
"""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from ..errors import NotFound, refused
from ..exhibitors.portal_views import signed_in
from ..extensions import db, limiter
from ..forms import Form
from . import participants
from .sessions import has_matchmaking

bp = Blueprint("matching_portal", __name__, url_prefix="/events/<slug>/portal")


@bp.post("/staff/<int:registration_id>/matching-invite")
@limiter.limit("30 per hour")
@signed_in
def invite(event, exhibitor, registration_id: int):
    """E-mail a staff member the link where they may join business matching."""
    if Form().validate_on_submit():
        with refused(quietly=True) as refusal:
            registration = participants.invite_staff(
                exhibitor=exhibitor, registration_id=registration_id
            )
        if isinstance(refusal.error, NotFound):
            abort(404)  # another company's staff, or nobody
        if refusal:
            flash(str(refusal.error.message), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s has been sent the link to join business matching.",
                    name=registration.full_name,
                ),
                "success",
            )
    return redirect(url_for("portal.home", slug=event.slug) + "#matching-staff")


@bp.app_context_processor
def staff_matching():
    return {"matching_listed": _listed, "has_matching": _has_matching}


def _has_matching(event) -> bool:
    return has_matchmaking(event=event)


def _listed(registration) -> bool:
    participant = participants.participant_of(registration)
    return participant is not None and participant.listed

"""Invitations to invitation-only sessions, the delegates' side: see one and answer it."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import force_locale

from ..errors import refused
from ..extensions import db, guess_limit, limiter
from ..forms import Form
from . import invitations as services
from .models import PersonRole, number_label

bp = Blueprint("invitation", __name__, url_prefix="/invitations")


def _invitation(token: str):
    invitation = services.get_by_token(token=token)
    g.event = invitation.event
    return invitation


@bp.get("/<token>")
@guess_limit
@limiter.limit("120 per minute")
def show(token: str):
    """The invitation with Accept and Decline buttons (answering is a POST), in its language."""
    invitation = _invitation(token)
    session = invitation.session
    context = dict(
        invitation=invitation,
        event=invitation.event,
        session=session,
        chairs=session.speakers_with(PersonRole.CHAIR),
        is_over=services.is_over(invitation),
        answer=request.args.get("answer", ""),
    )
    if request.args.get("lang") in ("vi", "en"):
        context["number"] = number_label(invitation.number)
        return render_template("programme/invitation.html", **context)
    with force_locale(invitation.language):
        context["number"] = number_label(invitation.number)
        return render_template("programme/invitation.html", **context)


def _answer(token: str, action):
    invitation = _invitation(token)
    if Form().validate_on_submit():
        with refused() as refusal:
            action(invitation=invitation)
        if not refusal:
            db.session.commit()
    return redirect(url_for("invitation.show", token=token, lang=request.args.get("lang")))


@bp.post("/<token>/accept")
@guess_limit
@limiter.limit("30 per minute")
def accept(token: str):
    """Accept: a Delegate badge (e-mailed) and a seat in the session."""
    return _answer(token, services.accept)


@bp.post("/<token>/decline")
@guess_limit
@limiter.limit("30 per minute")
def decline(token: str):
    """Decline (after accepting: the seat is given back)."""
    return _answer(token, services.decline)

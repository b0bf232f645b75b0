"""The participant API of business matching: a person's actions as JSON, authenticated by the
secret of their "my registration" link in the path (no cookie, so no CSRF), the same rules as
their pages (matchmaking/views.py), described in the OpenAPI document."""

from datetime import UTC

from flask import Blueprint, jsonify

from ..errors import DomainError
from ..extensions import csrf, db, guess_limit, limiter
from ..matchmaking import actions
from ..matchmaking import views as pages
from ..visitors.views import _registration
from .schemas.matching import AcceptBody, DeclineBody

bp = Blueprint("api_matching", __name__, url_prefix="/api/v1/matching/<token>")
csrf.exempt(bp)  # the link's secret in the path authenticates; browsers send no credential


def _run(action, *args):
    try:
        message, body = action(*args)
    except DomainError as error:
        db.session.rollback()
        return actions.error_json(error)
    return jsonify({"ok": True, "message": message, **body})


@bp.get("/people")
@guess_limit
@limiter.limit("120 per minute")
def directory(token: str):
    """The directory: `q` (every word, diacritics ignored), `side`, `sector`, `province`,
    `page`."""
    return pages.show_directory(token)


@bp.get("/people/<int:person_id>")
@guess_limit
@limiter.limit("120 per minute")
def person(token: str, person_id: int):
    """One participant; e-mail and phone once a meeting between the two is accepted."""
    return pages.show_person(token, person_id)


@bp.post("/people/<int:person_id>/request")
@guess_limit
@limiter.limit("60 per minute")
def ask(token: str, person_id: int):
    """Ask a participant for a meeting."""
    registration, me = pages._me(token)
    other = pages._person(registration, person_id)
    return actions.ask_json(registration, me, other)


@bp.post("/requests/<int:request_id>/accept")
@guess_limit
@limiter.limit("60 per minute")
def accept(token: str, request_id: int):
    """Accept a request received, in one of its proposed slots."""
    _registration_, me = pages._me(token)
    slot = actions.read_body(AcceptBody).slot
    start = slot.astimezone(UTC) if slot is not None else None
    return _run(actions.accept_request, me, request_id, start)


@bp.post("/requests/<int:request_id>/decline")
@guess_limit
@limiter.limit("60 per minute")
def decline(token: str, request_id: int):
    """Decline a request received."""
    _registration_, me = pages._me(token)
    answer = actions.read_body(DeclineBody).message
    return _run(actions.decline_request, me, request_id, answer)


@bp.post("/requests/<int:request_id>/withdraw")
@guess_limit
@limiter.limit("60 per minute")
def withdraw(token: str, request_id: int):
    """Withdraw a request one made that is not answered yet."""
    _registration_, me = pages._me(token)
    return _run(actions.withdraw_request, me, request_id)


@bp.post("/meetings/<int:meeting_id>/cancel")
@guess_limit
@limiter.limit("60 per minute")
def cancel(token: str, meeting_id: int):
    """Cancel a booked meeting until its slot starts."""
    return _run(actions.cancel_meeting, _registration(token), meeting_id)

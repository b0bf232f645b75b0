"""Which badges the walk-in desk shows to whom. Organisers see any badge; check-in staff see
walk-ins registered at the desk, or a person found by their own desk search: a search result
links to the badge with a short-lived reference signed for that staff member and that person, so
walking the badge page's ids finds nothing."""

from flask import abort, current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..accounts.access import may
from ..accounts.models import Role
from ..events.models import Event
from ..extensions import db
from .models import Registration, RegistrationSource

BADGE_REF_MAX_AGE = 15 * 60  # seconds a search result's link (and its print button) works


def _ref_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="desk-badge")


def badge_ref(registration: Registration) -> str:
    """A reference letting the signed-in staff member open this person's badge for a while."""
    return _ref_serializer().dumps([current_user.id, registration.id])


def _ref_fits(ref: str | None, registration: Registration) -> bool:
    if not ref or len(ref) > 200:
        return False
    try:
        signed = _ref_serializer().loads(ref, max_age=BADGE_REF_MAX_AGE)
    except BadSignature:  # a changed reference, or an expired one
        return False
    return signed == [current_user.id, registration.id]


def sees_everything(event: Event) -> bool:
    """Organisers (and administrators) see any badge with the person's contact details."""
    return may(current_user, {Role.ORGANISER}, event.slug)


def registration_at_desk(event: Event, registration_id: int, ref: str | None) -> Registration:
    """The registration whose badge the signed-in staff member may see at the desk, else 404."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    if (
        sees_everything(event)
        or registration.source is RegistrationSource.DESK
        or _ref_fits(ref, registration)
    ):
        return registration
    abort(404)

"""Who may open which staff page: roles per exhibition, checked for every route in one place.

Each staff view declares the roles that may use it with `@allow(...)`; administrators may use
every one. A staff blueprint runs `authorise` before each request, which refuses a view that
declares nothing (so a forgotten declaration fails closed), and `check_declarations` stops the
app from starting with such a view at all.
"""

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, request
from flask_login import current_user

from ..events.models import Event
from ..extensions import db, login_manager
from .models import Membership, Role, User

ANY_ROLE = frozenset(Role)  # any staff member (what they see is still limited to their events)

# Blueprints whose every view is for staff and must declare who may use it.
STAFF_BLUEPRINTS = (
    "admin",
    "badge_print",
    "booths",
    "checkin_admin",
    "checkin_live",
    "desk",
    "exhibitors_admin",
    "invitations",
    "programme",
    "staff",
    "visitor_import",
)


def allow(*roles: Role) -> Callable:
    """Declare the roles (besides administrators) that may use a staff view; none = administrators."""

    def decorate(view: Callable) -> Callable:
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def public(view: Callable) -> Callable:
    """A view on a staff blueprint that anyone may open (the sign-in page)."""
    view.allowed_roles = None
    view.public = True
    return view


def signed_in(view: Callable) -> Callable:
    """A staff view for any signed-in account, whatever its roles (the start page, sign-out)."""
    view.allowed_roles = ANY_ROLE
    view.any_signed_in = True
    return view


def roles_by_event(user: User) -> dict[str, frozenset[Role]]:
    """The user's roles keyed by exhibition slug, read once per request."""
    cached = g.get("_roles_by_event")
    if cached is None or g.get("_roles_user") != user.id:
        rows = db.session.execute(
            sa.select(Event.slug, Membership.role)
            .join(Membership, Membership.event_id == Event.id)
            .where(Membership.user_id == user.id)
        ).all()
        found: dict[str, set[Role]] = {}
        for slug, role in rows:
            found.setdefault(slug, set()).add(role)
        cached = {slug: frozenset(roles) for slug, roles in found.items()}
        g._roles_by_event, g._roles_user = cached, user.id
    return cached


def may(user, roles: Iterable[Role], slug: str | None = None) -> bool:
    """Whether `user` holds one of `roles` in the exhibition `slug` (in any, when no slug)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.administrator:
        return True
    wanted = frozenset(roles)
    held = roles_by_event(user)
    if slug is None:
        return any(wanted & event_roles for event_roles in held.values())
    return bool(wanted & held.get(slug, frozenset()))


def visible_event_slugs(user) -> set[str] | None:
    """Slugs of the exhibitions a user works on; None for administrators (all of them)."""
    if user.administrator:
        return None
    return set(roles_by_event(user))


def event_ids_with(user, *roles: Role) -> set[int] | None:
    """Ids of the exhibitions where `user` holds one of `roles`; None for administrators (all)."""
    if user.administrator:
        return None
    return set(
        db.session.scalars(
            sa.select(Membership.event_id).where(
                Membership.user_id == user.id, Membership.role.in_(roles)
            )
        )
    )


def can(endpoint: str, slug: str | None = None) -> bool:
    """Whether the signed-in user may open `endpoint` (for `slug`): used to show only usable links."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    if getattr(view, "public", False):
        return True
    roles = getattr(view, "allowed_roles", None)
    if roles is None or not current_user.is_authenticated:
        return False
    if getattr(view, "any_signed_in", False):
        return True
    return may(current_user, roles, slug)


def authorise():
    """Before every staff request: sign-in first, then the view's roles in this exhibition."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if getattr(view, "any_signed_in", False):
        return None
    roles = getattr(view, "allowed_roles", None)
    if roles is None:
        abort(403)
    slug = (request.view_args or {}).get("slug")
    if not may(current_user, roles, slug):
        abort(403)
    return None


def check_declarations(app: Flask) -> None:
    """Refuse to start when a staff view does not say who may use it."""
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.split(".")[0] in STAFF_BLUEPRINTS
        and getattr(view, "allowed_roles", None) is None
        and not getattr(view, "public", False)
    ]
    if missing:
        raise RuntimeError(f"staff views without @allow(...): {', '.join(sorted(missing))}")

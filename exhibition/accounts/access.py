"""Who may open which staff page: roles per exhibition, checked for every route in one place.

Each staff view declares the roles that may use it with `@allow(...)`; administrators may use
every one. A staff blueprint runs `authorise` before each request, which refuses a view that
declares nothing (so a forgotten declaration fails closed), and `check_declarations` stops the
app from starting with such a view at all.
"""

import hmac
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from .models import Membership, Role, User

ANY_ROLE = frozenset(Role)  # any staff member (what they see is still limited to their events)

STAFF_PREFIX = "/admin"  # every page under it is for staff and must say who may use it


def staff_blueprint(name: str, import_name: str, url_prefix: str = STAFF_PREFIX) -> Blueprint:
    """A blueprint of staff pages: under /admin, each request authorised by `authorise`."""
    if not (url_prefix == STAFF_PREFIX or url_prefix.startswith(STAFF_PREFIX + "/")):
        raise ValueError(f"staff pages live under {STAFF_PREFIX}: {url_prefix}")
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.before_request(authorise)
    return blueprint


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
        memberships = db.session.scalars(
            sa.select(Membership)
            .where(Membership.user_id == user.id)
            .options(joinedload(Membership.event))
        )
        found: dict[str, set[Role]] = {}
        for membership in memberships:
            found.setdefault(membership.event.slug, set()).add(membership.role)
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


def staff_endpoints(app: Flask) -> set[str]:
    """The endpoints of every page under /admin, wherever they are declared."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule == STAFF_PREFIX or rule.rule.startswith(STAFF_PREFIX + "/")
    }


def check_declarations(app: Flask) -> None:
    """Refuse to start when a staff page is not authorised before each request (not made by
    `staff_blueprint`) or does not say who may use it."""
    unguarded, missing = [], []
    for endpoint in staff_endpoints(app):
        blueprint = endpoint.rpartition(".")[0]
        if authorise not in app.before_request_funcs.get(blueprint or None, []):
            unguarded.append(endpoint)
        view = app.view_functions[endpoint]
        if getattr(view, "allowed_roles", None) is None and not getattr(view, "public", False):
            missing.append(endpoint)
    if unguarded:
        raise RuntimeError(
            f"staff pages not made by staff_blueprint: {', '.join(sorted(unguarded))}"
        )
    if missing:
        raise RuntimeError(f"staff views without @allow(...): {', '.join(sorted(missing))}")


@login_manager.user_loader
def load_user(user_id: str):
    """Flask-Login's loader: the organiser behind a session or remember-me cookie, whose
    identity ("number:session token", see User.get_id) must hold the account's current token."""
    number, _sep, token = user_id.partition(":")
    if not (number.isascii() and number.isdigit() and len(number) < 10 and token):
        return None
    user = db.session.get(User, int(number))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    # An account switched off ends its open sessions at once, not at their next sign-in.
    return user if user.active else None

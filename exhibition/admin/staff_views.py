"""Administrators' pages for staff accounts and their roles, and the audit log."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..errors import DomainError
from ..events import services as events
from ..extensions import db
from ..pagination import paginate
from . import audit
from .access import allow, authorise
from .forms import staff_form
from .models import Role, User
from .services import create_staff, list_staff, update_staff

bp = Blueprint("staff", __name__, url_prefix="/admin")
bp.before_request(authorise)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@bp.get("/staff")
@allow()
def users():
    """Every staff account with its roles."""
    return render_template(
        "admin/staff.html",
        users=list_staff(),
        events={e.id: e for e in events.list_events()},
    )


def _save(form, user: User | None):
    if user is None:
        if not form.password.data:
            form.password.errors.append(_("Choose a password for the new account."))
            return None
        user = create_staff(
            email=form.email.data,
            name=form.name.data or "",
            password=form.password.data,
            administrator=form.administrator.data,
        )
        action = "user.created"
    else:
        action = "user.changed"
    update_staff(
        user=user,
        name=form.name.data or "",
        active=form.active.data,
        administrator=form.administrator.data,
        roles=form.roles(),
        password=(form.password.data or "") if action == "user.changed" else "",
    )
    # Stored as codes; the log names them in the reader's language (audit.describe).
    roles = [
        [event.slug, role.value]
        for event, role, _name in form.role_fields
        if (event.id, role) in form.roles()
    ]
    audit.record(
        actor=current_user,
        action=action,
        target=user,
        summary=user.email,
        details={
            "email": user.email,
            "administrator": user.administrator,
            "active": user.active,
            "roles": roles,
        },
    )
    return user


@bp.route("/staff/new", methods=["GET", "POST"], endpoint="user_new")
@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@allow()
def user_edit(user_id: int | None = None):
    """Create a staff account or change one: name, password, administrator, roles per exhibition."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user_id is not None and user is None:
        abort(404)
    all_events = events.list_events()
    form = staff_form(events=all_events, user=user)
    if form.validate_on_submit():
        try:
            saved = _save(form, user)
        except DomainError as error:
            db.session.rollback()
            target = form.email if error.code == "email_taken" else form.administrator
            target.errors.append(str(error.message))
        else:
            if saved is not None:
                db.session.commit()
                if saved.id == current_user.id and current_user.is_active:
                    # A new password of one's own ended every session: keep this one.
                    login_user(saved)
                flash(_("Saved."), "success")
                return redirect(url_for("staff.users"))
    return render_template(
        "admin/staff_form.html",
        form=form,
        user=user,
        events=all_events,
        roles=list(Role),
    ), (422 if form.is_submitted() else 200)


def _day(value: str | None) -> date | None:
    """A YYYY-MM-DD query argument; None when it is not one, or so far off (year 1, year 9999)
    that the day's start in Vietnam time leaves the calendar."""
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and date(1, 1, 2) <= day <= date(9999, 12, 30) else None


def _log_page(*, event=None):
    query = (request.args.get("q") or "")[:200]
    action = request.args.get("action") or ""
    if action not in audit.ACTIONS and action not in {a.split(".")[0] for a in audit.ACTIONS}:
        action = ""
    since, until = _day(request.args.get("from")), _day(request.args.get("to"))
    tz = event.tz if event is not None else HANOI
    stmt = audit.search(
        event_ids={event.id} if event is not None else None,
        query=query,
        action=action,
        since=datetime.combine(since, time(), tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None,
    )
    return render_template(
        "admin/audit.html",
        event=event,
        page=paginate(stmt, page=request.args.get("page", type=int), size=50),
        query=query,
        action=action,
        since=since,
        until=until,
        actions=audit.ACTIONS,
        describe=audit.describe,
        actor_shown=audit.actor_shown,
        events={e.id: e for e in events.list_events()},
    )


@bp.get("/audit")
@allow()
def audit_log():
    """Everything every member of staff changed, searchable."""
    return _log_page()


@bp.get("/events/<slug>/audit")
@allow(Role.ORGANISER)
def event_audit(slug: str):
    """What was changed in one exhibition, searchable."""
    g.event = event = events.get_event(slug=slug)
    return _log_page(event=event)

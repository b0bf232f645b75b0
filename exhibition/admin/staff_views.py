"""Administrators' pages for staff accounts and their roles, and the audit log."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..accounts import audit
from ..accounts.access import allow, public, staff_blueprint
from ..accounts.models import Role, User
from ..accounts.notifications import queue_password_link
from ..accounts.services import (
    PASSWORD_LINK_DAYS,
    InvalidPasswordLink,
    create_staff,
    list_staff,
    password_link_user,
    set_own_password,
    update_staff,
)
from ..errors import DomainError
from ..events import services as events
from ..extensions import db, paginate
from ..labels import label
from ..text import parse_day
from .forms import PasswordLinkForm, SetPasswordForm, staff_form

bp = staff_blueprint("staff", __name__)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@audit.describes("user.created", "user.changed")
def _describe_staff(d: dict) -> str:
    roles = ", ".join(f"{label(Role(role))} ({slug})" for slug, role in d.get("roles", []))
    parts = [d["email"], _("administrator") if d.get("administrator") else "", roles]
    if not d.get("active", True):
        parts.append(_("account disabled"))
    return " · ".join(filter(None, parts))


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
        user = create_staff(
            email=form.email.data,
            name=form.name.data or "",
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
    """Create a staff account (its owner is e-mailed a link to set a password) or change one:
    name, whether it may sign in, administrator, roles per exhibition."""
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
            if user is None and saved.active:
                # Its owner chooses the password, by the link in this invitation.
                queue_password_link(
                    user=saved, language=form.language.data, invited_by=current_user, new=True
                )
            db.session.commit()
            if user is None and saved.active:
                flash(_("The account has been created and an invitation to set a password"
                        " sent to %(email)s.", email=saved.email), "success")  # fmt: skip
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("staff.users"))
    return render_template(
        "admin/staff_form.html",
        form=form,
        user=user,
        events=all_events,
        roles=list(Role),
        link_form=PasswordLinkForm() if user is not None else None,
        link_days=PASSWORD_LINK_DAYS,
    ), (422 if form.is_submitted() else 200)


@bp.post("/staff/<int:user_id>/password-link")
@allow()
def password_link(user_id: int):
    """E-mail the account's owner a link to set a new password (theirs to choose)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = PasswordLinkForm()
    if not form.validate_on_submit():
        abort(400)
    if not user.active:
        flash(_("This account may not sign in: allow it first, then send the link."), "error")
    else:
        queue_password_link(
            user=user, language=form.language.data, invited_by=current_user, new=False
        )
        audit.record(
            actor=current_user, action="user.password_link", target=user, summary=user.email
        )
        db.session.commit()
        flash(_("A link to set a new password has been sent to %(email)s.", email=user.email),
              "success")  # fmt: skip
    return redirect(url_for("staff.user_edit", user_id=user.id))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """A member of staff sets their own password by the link they were e-mailed; then they are
    signed in. The link works once."""
    try:
        user = password_link_user(token=token)
    except InvalidPasswordLink as error:
        return render_template("admin/set_password.html", form=None, problem=error.message), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = set_own_password(token=token, password=form.password.data)
        except DomainError as error:
            db.session.rollback()
            if error.code != "invalid_password_link":
                form.password.errors.append(str(error.message))
            else:
                return render_template(
                    "admin/set_password.html", form=None, problem=error.message
                ), 410
        else:
            audit.record(actor=user, action="user.password_set", target=user, summary=user.email)
            db.session.commit()
            login_user(user)
            flash(_("Your password is set. You are signed in."), "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/set_password.html", form=form, user=user, problem=None), (
        422 if form.is_submitted() else 200
    )


def _log_page(*, event=None):
    query = (request.args.get("q") or "")[:200]
    action = request.args.get("action") or ""
    if action not in audit.ACTIONS and action not in {a.split(".")[0] for a in audit.ACTIONS}:
        action = ""
    since, until = parse_day(request.args.get("from")), parse_day(request.args.get("to"))
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
        page=paginate(stmt, per_page=50),
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

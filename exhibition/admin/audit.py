"""The audit log: who changed what and when, searchable by organisers.

An entry names its target by type and id and describes it with business facts only (booth codes,
company names, counts). It never copies a visitor's name, e-mail or phone, so it can be kept for
as long as the organisers need it, including after the person concerned has been erased.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .models import AuditEntry, User

# Actions, with the wording organisers see. The code is stored; the wording may change.
ACTIONS = {
    "event.created": _l("Exhibition created"),
    "event.updated": _l("Exhibition settings changed"),
    "category.created": _l("Visitor category added"),
    "category.changed": _l("Visitor category changed"),
    "registration.cancelled": _l("Registration cancelled"),
    "registration.erased": _l("Personal data erased"),
    "registration.resent": _l("Confirmation sent again"),
    "registration.changed": _l("Registration corrected"),
    "registration.category_changed": _l("Registration category changed"),
    "registration.checked_in": _l("Checked in by an organiser"),
    "registrations.exported": _l("Registrations exported"),
    "registrations.imported": _l("Visitors imported"),
    "personal_data.purged": _l("Personal data past retention anonymised"),
    "exhibitor.status": _l("Exhibitor status changed"),
    "exhibitors.exported": _l("Exhibitors exported"),
    "booth.assigned": _l("Booth assigned"),
    "booth.moved": _l("Booth moved"),
    "booth.freed": _l("Booth freed"),
    "booth.changed": _l("Booth changed"),
    "booth.deleted": _l("Booth deleted"),
    "booths.imported": _l("Booths imported"),
    "booths.exported": _l("Floor plan exported"),
    "booths.allocated": _l("Booths allocated"),
    "badges.printed": _l("Badges printed"),
    "device.created": _l("Check-in device added"),
    "device.changed": _l("Check-in device changed"),
    "device.revoked": _l("Check-in device revoked"),
    "device.setup_link": _l("Device set-up link issued"),
    "checkpoint.saved": _l("Checkpoint saved"),
    "session.deleted": _l("Session deleted"),
    "programme.published": _l("Programme published"),
    "invitations.exported": _l("Invitations exported"),
    "mail.retry_failed": _l("Failed mail sent again"),
    "user.created": _l("Staff account created"),
    "user.changed": _l("Staff account changed"),
    "user.password_link": _l("Link to set a password sent"),
    "user.password_set": _l("Password set by the account's owner"),
}


SELF = "the person (own registration link)"
COMMAND_LINE = "command line"


def actor_label(actor: User | str | None) -> str:
    if isinstance(actor, User):
        return actor.email
    return actor or "system"


def record(
    *,
    actor: User | str | None,
    action: str,
    event=None,
    target=None,
    target_type: str = "",
    target_id: int | None = None,
    summary: str = "",
) -> AuditEntry:
    """Add an entry to the log, in the caller's transaction (it lands only if the change does)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if target is not None:
        target_type = target_type or target.__tablename__.removesuffix("s")
        target_id = target.id
    entry = AuditEntry(
        user_id=getattr(actor, "id", None) if isinstance(actor, User) else None,
        actor=actor_label(actor)[:254],
        event_id=event.id if event is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:500],
    )
    db.session.add(entry)
    return entry


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(
    *,
    event_ids: set[int] | None = None,
    query: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
):
    """A statement for the entries matching the filters, newest first.

    `query` matches the actor, the summary, the action code or a target id ("#12" or "12")."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if event_ids is not None:
        stmt = stmt.where(AuditEntry.event_id.in_(event_ids))
    if action:
        stmt = stmt.where(
            sa.or_(AuditEntry.action == action, AuditEntry.action.startswith(action + "."))
        )
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    query = query.strip()
    if query:
        pattern = _like(query)
        matches = [
            sa.func.lower(AuditEntry.actor).like(pattern, escape="\\"),
            sa.func.lower(AuditEntry.summary).like(pattern, escape="\\"),
            AuditEntry.action.like(pattern, escape="\\"),
        ]
        number = query.removeprefix("#")
        if number.isascii() and number.isdigit() and len(number) < 10:
            matches.append(AuditEntry.target_id == int(number))
        stmt = stmt.where(sa.or_(*matches))
    return stmt

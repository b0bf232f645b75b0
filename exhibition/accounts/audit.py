"""The audit log: who changed what and when, searchable by organisers.

An entry names its target by type and id and describes it with business facts only (booth codes,
company names, counts). It never copies a visitor's name, e-mail or phone, so it can be kept for
as long as the organisers need it, including after the person concerned has been erased.

The facts are stored as codes and numbers (`details`) and worded when the log is read, in the
reader's language (`describe`); `summary` keeps the names and codes the search looks in.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..extensions import db
from ..i18n import current_language
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
    "leads.purged": _l("Exhibitors' leads past retention deleted"),
    "exhibitor.status": _l("Exhibitor status changed"),
    "exhibitor.changed": _l("Exhibitor profile corrected by an organiser"),
    "exhibitors.exported": _l("Exhibitors exported"),
    "exhibitor.leads": _l("Lead retrieval turned on or off for an exhibitor"),
    "leads.settings": _l("Lead retrieval settings changed"),
    "booth.assigned": _l("Booth assigned"),
    "booth.moved": _l("Booth moved"),
    "booth.freed": _l("Booth freed"),
    "booth.changed": _l("Booth changed"),
    "booth.deleted": _l("Booth deleted"),
    "booths.imported": _l("Booths imported"),
    "booths.exported": _l("Floor plan exported"),
    "booths.allocated": _l("Booths allocated"),
    "badges.printed": _l("Badges printed"),
    "certificates.template_saved": _l("Certificate of attendance changed"),
    "certificates.generated": _l("Certificates of attendance made"),
    "certificate.name_corrected": _l("Name on a certificate corrected"),
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
    "payments.settings": _l("Receiving account and payment rules changed"),
    "payments.webhook_key": _l("New key for the bank notification webhook"),
    "payments.request_created": _l("Payment request created"),
    "payments.line_added": _l("Line added to a payment request"),
    "payments.line_changed": _l("Line of a payment request changed"),
    "payments.line_removed": _l("Line of a payment request removed"),
    "payments.adjusted": _l("Adjusting line added to a payment request"),
    "payments.request_cancelled": _l("Payment request cancelled"),
    "payments.expired": _l("Payment request expired and its booths freed"),
    "payments.rereserved": _l("Booths reserved again by a late payment"),
    "payments.received": _l("Payment received"),
    "payments.discarded": _l("Bank transaction discarded"),
    "payments.refunded": _l("Refund sent back"),
    "payments.statement_imported": _l("Bank statement imported"),
    "payments.einvoice_recorded": _l("E-invoice recorded"),
    "payments.einvoice_exported": _l("E-invoice data exported"),
    "payments.invoice_task_done": _l("E-invoice adjustment done"),
    "matchmaking.session_created": _l("Business matching session created"),
    "matchmaking.session_changed": _l("Business matching session changed"),
    "matchmaking.booth_host": _l("Exhibitor's booth meeting representatives set"),
    "matchmaking.scheduled": _l("Meeting schedule computed"),
    "matchmaking.published": _l("Meeting schedule published"),
    "matchmaking.imported": _l("Hosted buyers and their must-meet lists imported"),
    "matchmaking.meeting_cancelled": _l("Meeting cancelled by the organisers"),
    "matchmaking.exported": _l("Business matching report exported"),
    "news.created": _l("News post written"),
    "news.changed": _l("News post changed"),
    "news.scheduled": _l("News post scheduled"),
    "news.published": _l("News post published"),
    "news.unpublished": _l("News post back to draft"),
    "news.archived": _l("News post archived"),
    "news.restored": _l("News post published again from the archive"),
    "news.sent": _l("News post sent to subscribers"),
    "news.sent_again": _l("Changed news post sent to subscribers again"),
    "news.attachment_added": _l("Attachment added to a news post"),
    "news.attachment_removed": _l("Attachment removed from a news post"),
}


SELF = "the person (own registration link)"
COMMAND_LINE = "command line"
SYSTEM = "system"
# Who acted when it was not a member of staff, as the log shows it.
ACTORS = {
    SELF: _l("The person, from their registration page"),
    COMMAND_LINE: _l("Command line"),
    SYSTEM: _l("The system"),
}


def actor_label(actor: User | str | None) -> str:
    if isinstance(actor, User):
        return actor.email
    return actor or SYSTEM


def actor_shown(entry: AuditEntry) -> str:
    """Who made the change, in the reader's language when it was not a member of staff."""
    return str(ACTORS.get(entry.actor, entry.actor))


def record(
    *,
    actor: User | str | None,
    action: str,
    event=None,
    target=None,
    target_type: str = "",
    target_id: int | None = None,
    summary: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Add an entry to the log, in the caller's transaction (it lands only if the change does).

    `summary`: names and codes to find the entry by; `details`: the facts for `describe`."""
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
        details=details or {},
    )
    db.session.add(entry)
    return entry


def both(vi: str, en: str) -> dict[str, str]:
    """A name organisers typed in both languages, for `details`."""
    return {"vi": vi or "", "en": en or ""}


def typed_name(value) -> str:
    """A name kept as `both(...)` in the reader's language (Vietnamese when no English one)."""
    if isinstance(value, dict):
        return value.get(current_language()) or value.get("vi") or ""
    return str(value or "")


_FORMATS = {"csv": "CSV", "xlsx": "Excel"}


def _export(d: dict) -> str:
    return ngettext(
        "%(format)s file, %(num)s row", "%(format)s file, %(num)s rows", int(d["rows"]),
        format=_FORMATS[d["format"]],
    )  # fmt: skip


def _device(d: dict) -> str:
    return " · ".join(filter(None, [d["device"], typed_name(d.get("checkpoint"))]))


def _published(d: dict) -> str:
    if "withdrawn" in d:
        if d["withdrawn"] is None:  # entries from before the count was kept
            return _("Sessions withdrawn")
        count = int(d["withdrawn"])
        return ngettext("%(num)s session withdrawn", "%(num)s sessions withdrawn", count)
    count = int(d["published"])
    return ngettext("%(num)s session published", "%(num)s sessions published", count)


# How each action's details read; an action not listed here shows its summary.
_DESCRIBE = {
    "registrations.exported": _export,
    "exhibitors.exported": _export,
    "invitations.exported": _export,
    "matchmaking.exported": _export,
    "registrations.imported": lambda d: _(
        "%(imported)s imported, %(skipped)s skipped", imported=d["imported"], skipped=d["skipped"]
    ),
    "personal_data.purged": lambda d: ngettext(
        "%(num)s person, %(days)s days after the exhibition",
        "%(num)s people, %(days)s days after the exhibition",
        int(d["people"]),
        days=d["days"],
    ),
    "leads.purged": lambda d: ngettext(
        "%(num)s lead, %(days)s days after the exhibition",
        "%(num)s leads, %(days)s days after the exhibition",
        int(d["leads"]),
        days=d["days"],
    ),
    "registration.cancelled": lambda d: typed_name(d["category"]),
    "registration.erased": lambda d: typed_name(d["category"]),
    "registration.resent": lambda d: typed_name(d["category"]),
    "category.created": lambda d: typed_name(d["category"]),
    "exhibitor.changed": lambda d: typed_name(d["company"]),
    "booth.assigned": lambda d: f"{d['booth']} → {typed_name(d['company'])}",
    "booth.moved": lambda d: f"{d['from']} → {d['to']}",
    "booths.imported": lambda d: _(
        "%(created)s new, %(updated)s updated", created=d["created"], updated=d["updated"]
    ),
    "booths.exported": lambda d: ngettext("%(num)s booth", "%(num)s booths", int(d["booths"])),
    "booths.allocated": lambda d: ngettext(
        "%(num)s exhibitor got booths", "%(num)s exhibitors got booths", int(d["exhibitors"])
    ),
    "device.created": _device,
    "device.changed": _device,
    "device.revoked": _device,
    "device.setup_link": _device,
    "checkpoint.saved": lambda d: typed_name(d["checkpoint"]),
    "session.deleted": lambda d: typed_name(d["session"]),
    "programme.published": _published,
    "mail.retry_failed": lambda d: ngettext(
        "%(num)s message", "%(num)s messages", int(d["messages"])
    ),
}


def describes(*actions: str):
    """Register how the details of `actions` read, from the domain that knows their codes (an
    exhibitor's status, a badge layout): the log names them without importing that domain."""

    def register(describer):
        for action in actions:
            _DESCRIBE[action] = describer
        return describer

    return register


def describe(entry: AuditEntry) -> str:
    """The entry's facts in the reader's language (its summary when it has no details, or
    details this version cannot read)."""
    details = entry.details or {}
    describer = _DESCRIBE.get(entry.action)
    if not details or describer is None:
        return entry.summary
    try:
        return describer(details)
    except (KeyError, TypeError, ValueError):
        return entry.summary


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

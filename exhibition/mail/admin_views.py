"""Organiser pages of outgoing mail: the queue with its status, one message as it is sent, and
sending failed messages again. Organisers see the mail of the exhibitions they organise."""

from email.headerregistry import Address

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, event_ids_with, staff_blueprint
from ..accounts.audit import record
from ..accounts.models import Role
from ..extensions import db, paginate
from ..forms import Form
from . import services as mail
from .models import MessageStatus, OutboxMessage

bp = staff_blueprint("outbox", __name__, url_prefix="/admin/mail")
PAGE_SIZE = 50


def _mail_scope() -> set[int] | None:
    """The exhibitions whose mail this person sees: all for administrators, else those organised."""
    return event_ids_with(current_user, Role.ORGANISER)


@bp.get("")
@allow(Role.ORGANISER)
def index():
    """Outgoing mail with its status; failed messages can be retried."""
    scope = _mail_scope()
    status = request.args.get("status", "")
    to = (request.args.get("to") or "").strip()[:254]
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if scope is not None:
        stmt = stmt.where(OutboxMessage.event_id.in_(scope))
    if status in {s.value for s in MessageStatus}:
        stmt = stmt.where(OutboxMessage.status == MessageStatus(status))
    if to:
        escaped = to.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(sa.func.lower(OutboxMessage.to_address).like(f"%{escaped}%", escape="\\"))
    return render_template(
        "mail/outbox.html",
        page=paginate(stmt, per_page=PAGE_SIZE),
        status=status,
        to=to,
        counts=mail.status_counts(event_ids=scope),
        statuses=list(MessageStatus),
        form=Form(),
    )


def _scoped_message(message_id: int) -> OutboxMessage:
    """A message of an exhibition this person organises (any, for administrators), else 404."""
    message = db.session.get(OutboxMessage, message_id)
    scope = _mail_scope()
    if message is None or (scope is not None and message.event_id not in scope):
        abort(404)
    return message


@bp.get("/<int:message_id>")
@allow(Role.ORGANISER)
def message(message_id: int):
    """One message as it is sent: its headers, text part, HTML part and attachments."""
    message = _scoped_message(message_id)
    name, address = mail.sender(message)
    return render_template(
        "mail/outbox_message.html",
        message=mail.as_shown(message),
        unwritten=mail.awaits_writing(message),
        sender=str(Address(display_name=name, addr_spec=address)),
        message_id_header=mail.message_id(message),
        file_name=mail.eml_path(message).name if message.transport == "file" else "",
        form=Form(),
    )


# The stored HTML of a message, shown in a sandboxed frame of the message page: no script, no
# form, no request anywhere (not even for images: inline ones come as data: URLs), and only
# this site may frame it.
MESSAGE_HTML_POLICY = (
    "default-src 'none'; img-src cid: data:; style-src 'unsafe-inline'; sandbox; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@bp.get("/<int:message_id>/html")
@allow(Role.ORGANISER)
def message_html(message_id: int):
    """The HTML part of a message, for the message page's frame."""
    message = mail.as_shown(_scoped_message(message_id))
    response = make_response(mail.preview_html(message))
    response.mimetype = "text/html"
    response.headers["Content-Security-Policy"] = MESSAGE_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/retry-failed")
@allow(Role.ORGANISER)
def retry_failed():
    """Send every failed message again."""
    if not Form().validate_on_submit():
        abort(400)
    count = mail.retry_failed(event_ids=_mail_scope())
    record(actor=current_user, action="mail.retry_failed", details={"messages": count})
    db.session.commit()
    flash(_("%(count)s failed message(s) will be sent again.", count=count), "success")
    return redirect(url_for("outbox.index"))


@bp.post("/<int:message_id>/retry")
@allow(Role.ORGANISER)
def retry(message_id: int):
    """Send a failed or waiting message now."""
    message = _scoped_message(message_id)
    if not Form().validate_on_submit():
        abort(400)
    mail.retry_now(message=message)
    db.session.commit()
    flash(_("The message will be sent again."), "success")
    if request.form.get("next") == "message":
        return redirect(url_for("outbox.message", message_id=message.id))
    return redirect(url_for("outbox.index"))

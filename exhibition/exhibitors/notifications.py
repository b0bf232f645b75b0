"""The e-mails to an exhibitor's contact, in the contact's language, queued into the outbox
(mail.services.queue_email): the application received or made already, a status change, and
a sign-in link to the exhibitor portal."""

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..labels import label
from ..mail.models import MessageKind
from ..mail.services import queue_email, sent_recently
from ..urls import public_url
from .models import Exhibitor, ExhibitorStatusChange, format_tax_code

# Messages that public forms can ask for again: not more than one per pause and address.
PAUSES = {
    MessageKind.EXHIBITOR_ALREADY_APPLIED: timedelta(minutes=10),
    MessageKind.EXHIBITOR_PORTAL_LINK: timedelta(minutes=1),
}


def queue_exhibitor_message(
    *,
    exhibitor: Exhibitor,
    kind: str,
    change: ExhibitorStatusChange | None = None,
    token: str | None = None,
) -> None:
    """An e-mail to an exhibitor's contact: `received` (the application), `already_applied`,
    `status` (a change) or `portal_link` (a sign-in link to the portal, with `token`)."""
    message_kind = MessageKind(f"exhibitor_{kind}")
    pause = PAUSES.get(message_kind)
    if pause and sent_recently(to=exhibitor.contact_email, kind=message_kind, within=pause):
        return  # asked again too soon: the message on its way will do
    event = exhibitor.event
    language = exhibitor.contact_language
    with force_locale(language):
        status_label = label(exhibitor.status)
    event_name = event.tr("name", language)
    subject = {
        "received": _l("Application received: %(event)s", event=event_name),
        "already_applied": _l("Your company has applied already: %(event)s", event=event_name),
        "status": _l("Your exhibitor application: %(status)s", status=status_label),
        "portal_link": _l("Your sign-in link: %(event)s", event=event_name),
    }[kind]
    context = {
        "exhibitor": exhibitor,
        "event": event,
        "kind": kind,
        "change": change,
        "status_label": status_label,
        "tax_code": format_tax_code(exhibitor.tax_code),
        "portal_url": public_url("portal.login", slug=event.slug, lang=language),
        "sign_in_url": public_url("portal.sign_in", slug=event.slug, token=token)
        if token
        else None,
    }
    queue_email(
        "exhibitor",
        context,
        to=exhibitor.contact_email,
        subject=subject,
        kind=message_kind,
        language=language,
        **event.mail_fields(language),
    )


def queue_scanner_setup(*, scanner, code: str) -> None:
    """A staff member's one-time link that turns their phone into their company's booth scanner,
    in their language (a LeadScanner whose registration is the staff member)."""
    registration = scanner.registration
    event, exhibitor = registration.event, scanner.exhibitor
    language = registration.language
    queue_email(
        "lead_scanner",
        {
            "registration": registration,
            "exhibitor": exhibitor,
            "event": event,
            "setup_url": public_url("booth.setup", code=code, lang=language),
        },
        to=registration.email,
        subject=_l("Your booth scanner for %(event)s", event=event.tr("name", language)),
        kind=MessageKind.LEAD_SCANNER_SETUP,
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )

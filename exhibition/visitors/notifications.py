"""The e-mails to a registered person about their registration, in their language, queued into
the outbox: the confirmation with the badge (written by the mail worker, see
mail.services.written_by), and a new link (mail.services.queue_email)."""

from flask_babel import lazy_gettext as _l

from ..badges.services import lead_qr_text
from ..events.services import event_calendar
from ..extensions import db
from ..i18n import about
from ..mail.models import MessageKind, OutboxMessage
from ..mail.services import (
    BADGE_QR_PNG,
    QR_PNG,
    Attachment,
    NothingToWrite,
    Written,
    enqueue_unwritten,
    queue_email,
    render_email,
    written_by,
)
from ..urls import public_url
from .addresses import address_proof
from .models import Registration

CONFIRMATION_KINDS = {
    "new": MessageKind.CONFIRMATION,
    "again": MessageKind.CONFIRMATION_AGAIN,
    "resent": MessageKind.CONFIRMATION_RESENT,
}
_CONFIRMATION_OCCASIONS = {kind.value: occasion for occasion, kind in CONFIRMATION_KINDS.items()}


def queue_confirmation(*, registration: Registration, kind: str = "new") -> None:
    """The confirmation e-mail with the QR badge inline, the "my registration" link and the .ics,
    queued by kind: the mail worker writes it (write_confirmation), not the request.

    `kind`: "new" after signing up, "again" when the person signed up again with the same
    address, "resent" when the organisers send it again.
    """
    if not registration.has_email:
        return  # a walk-in who gave no address: nothing would be sent
    language = registration.language
    enqueue_unwritten(
        to=registration.email,
        kind=CONFIRMATION_KINDS[kind],
        language=language,
        registration_id=registration.id,
        **registration.event.mail_fields(language),
    )


@written_by(*CONFIRMATION_KINDS.values())
def write_confirmation(message: OutboxMessage) -> Written:
    """The confirmation e-mail of a queued row, in the row's language and with what the
    registration holds now (the mail worker stores it at the first attempt)."""
    registration = (
        db.session.get(Registration, message.registration_id) if message.registration_id else None
    )
    if registration is None or registration.is_erased:
        raise NothingToWrite("Not sent: the registration is gone or its data was erased.")
    kind = _CONFIRMATION_OCCASIONS[message.kind]
    event = registration.event
    language = message.language
    # The button proves the address when followed (see addresses.py).
    if registration.address_proven:
        open_url = public_url("visitors.manage", token=registration.manage_token, lang=language)
    else:
        open_url = public_url(
            "visitors.prove_address",
            token=registration.manage_token,
            proof=address_proof(registration=registration),
            lang=language,
        )
    event_name = event.tr("name", language)
    if kind == "new":
        subject = _l("Registration confirmed: %(event)s", event=event_name)
    else:
        subject = _l("Your registration link: %(event)s", event=event_name)
    badge_qr = registration.badge_code.encode("ascii")
    lead_text = lead_qr_text(registration.lead_code)
    with about(event):  # the worker has no request about the exhibition: its zone all the same
        subject, body_text, body_html = render_email(
            "confirmation",
            {
                "registration": registration,
                "event": event,
                "manage_url": open_url,
                "kind": kind,
                "lead_text": lead_text,
            },
            subject=subject,
            language=language,
        )
    return Written(
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=[
            Attachment("badge-qr.png", BADGE_QR_PNG, badge_qr, "badge-qr"),
            Attachment("lead-qr.png", QR_PNG, lead_text.encode("ascii"), "lead-qr"),
            Attachment(
                f"{event.slug}.ics", "text/calendar", event_calendar(event=event, language=language)
            ),
        ],
    )


def queue_new_link(*, registration: Registration) -> None:
    """The person's new "my registration" link, when the old one was replaced without their
    asking (it had been part of their calendar feed's address); the badge is unchanged."""
    event = registration.event
    language = registration.language
    manage_url = public_url("visitors.manage", token=registration.manage_token, lang=language)
    queue_email(
        "new_link",
        {"registration": registration, "event": event, "manage_url": manage_url},
        to=registration.email,
        subject=_l("Your new registration link: %(event)s", event=event.tr("name", language)),
        kind=MessageKind.NEW_LINK,
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )

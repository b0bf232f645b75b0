"""The e-mails about a payment request to the exhibitor's contact, in the contact's language,
queued into the outbox: a new request, part of it received (with a QR for the rest), paid,
a reminder before and on the due date, and expired. Every one that asks for money carries the
VietQR of what is still owed, inline; the new request's e-mail also carries its PDF."""

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..mail.models import MessageKind
from ..mail.services import QR_PNG, Attachment, queue_email
from ..urls import public_url
from . import pdf
from .models import BankTransaction, PaymentRequest, PaymentSettings
from .transfer import transfer_of

KINDS = {
    "created": MessageKind.PAYMENT_REQUEST,
    "incomplete": MessageKind.PAYMENT_INCOMPLETE,
    "paid": MessageKind.PAYMENT_RECEIVED,
    "reminder": MessageKind.PAYMENT_REMINDER,
    "reminder_due": MessageKind.PAYMENT_REMINDER,
    "expired": MessageKind.PAYMENT_EXPIRED,
}
ASKS_FOR_MONEY = {"created", "incomplete", "reminder", "reminder_due"}


def queue_payment_message(
    *, request: PaymentRequest, kind: str, transaction: BankTransaction | None = None
) -> None:
    """An e-mail about `request` (`kind`: a key of KINDS) to its exhibitor's contact."""
    exhibitor = request.exhibitor
    event = exhibitor.event
    language = exhibitor.contact_language
    settings = db.session.get(PaymentSettings, request.event_id)
    transfer = transfer_of(request, settings)
    subject = {
        "created": _l("Payment request %(reference)s: booth fees", reference=request.reference),
        "incomplete": _l("Payment %(reference)s: part received", reference=request.reference),
        "paid": _l("Payment %(reference)s received in full", reference=request.reference),
        "reminder": _l("Reminder: payment %(reference)s is due soon", reference=request.reference),
        "reminder_due": _l(
            "Reminder: payment %(reference)s is due today", reference=request.reference
        ),
        "expired": _l("Payment request %(reference)s has expired", reference=request.reference),
    }[kind]
    attachments = []
    if kind in ASKS_FOR_MONEY and transfer.amount_vnd:
        # Drawn when the message is sent: a bank notification does not wait for the image.
        payload = transfer.payload.encode("ascii")
        attachments.append(Attachment("vietqr.png", QR_PNG, payload, "vietqr"))
    with_qr = bool(attachments)
    if kind == "created":
        attachments.append(
            Attachment(
                pdf.filename(request, language),
                "application/pdf",
                pdf.render(request, language=language),
            )
        )
    queue_email(
        "payment",
        {
            "request": request,
            "exhibitor": exhibitor,
            "event": event,
            "kind": kind,
            "transfer": transfer,
            "transaction": transaction,
            "with_qr": with_qr,
            "portal_url": public_url("portal.login", slug=event.slug, lang=language),
        },
        to=exhibitor.contact_email,
        subject=subject,
        kind=KINDS[kind],
        language=language,
        attachments=attachments,
        **event.mail_fields(language),
    )

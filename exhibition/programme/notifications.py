"""The e-mails of the conference programme, in the recipient's language, queued into the outbox
(mail.services.queue_email): news of a seat in a session, and numbered invitations."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..mail.models import MessageKind
from ..mail.services import queue_email
from ..urls import public_url
from .models import Invitation, PersonRole, SessionBooking, number_label

INVITATION_KINDS = {"new": MessageKind.INVITATION, "resent": MessageKind.INVITATION_RESENT}


def queue_session_message(*, booking: SessionBooking, kind: str) -> None:
    """An e-mail about a seat in a session: `promoted` (from the waiting list), `approved`,
    `waiting` (approved, but the session is full), `declined`, `changed` (new time or room) or
    `cancelled` (the session is deleted)."""
    registration = booking.registration
    session = booking.session
    event = registration.event
    language = registration.language
    title = session.tr("title", language)
    subject = {
        "promoted": _l("A seat is yours: %(title)s", title=title),
        "approved": _l("Your seat is confirmed: %(title)s", title=title),
        "waiting": _l("You are on the waiting list: %(title)s", title=title),
        "declined": _l("Your request was not accepted: %(title)s", title=title),
        "changed": _l("New time or room: %(title)s", title=title),
        "cancelled": _l("Session cancelled: %(title)s", title=title),
    }[kind]
    manage_url = public_url("visitors.manage", token=registration.manage_token, lang=language)
    queue_email(
        "session",
        {
            "registration": registration,
            "session": session,
            "event": event,
            "kind": kind,
            "manage_url": manage_url,
        },
        to=registration.email,
        subject=subject,
        kind=MessageKind(f"session_{kind}"),
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )


def queue_invitation(*, invitation: Invitation, kind: str = "new") -> None:
    """A numbered invitation to a session with Accept and Decline links, in the delegate's
    language: `new` after the import, `resent` when the organisers send it again."""
    session = invitation.session
    event = invitation.event
    language = invitation.language
    with force_locale(language):
        number = number_label(invitation.number)
    title = session.tr("title", language)
    if kind == "resent":
        subject = _l("Reminder: invitation %(number)s: %(title)s", number=number, title=title)
    else:
        subject = _l("Invitation %(number)s: %(title)s", number=number, title=title)
    page_url = public_url("invitation.show", token=invitation.token, lang=language)
    context = {
        "invitation": invitation,
        "session": session,
        "event": event,
        "kind": kind,
        "number": number,
        "chairs": session.speakers_with(PersonRole.CHAIR),
        "page_url": page_url,
        "accept_url": public_url(
            "invitation.show", token=invitation.token, lang=language, answer="accept"
        ),
        "decline_url": public_url(
            "invitation.show", token=invitation.token, lang=language, answer="decline"
        ),
    }
    queue_email(
        "invitation",
        context,
        to=invitation.email,
        subject=subject,
        kind=INVITATION_KINDS[kind],
        language=language,
        **event.mail_fields(language),
    )

"""Message builders: render an e-mail in the recipient's language and put it in the outbox."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..events.services import event_calendar
from ..urls import public_url
from ..visitors.models import Registration
from .services import BADGE_QR_PNG, Attachment, enqueue


def queue_confirmation(*, registration: Registration, kind: str = "new") -> None:
    """The confirmation e-mail with the QR badge inline, the "my registration" link and the .ics.

    `kind`: "new" after signing up, "again" when the person signed up again with the same
    address, "resent" when the organisers send it again.
    """
    if not registration.has_email:
        return  # a walk-in who gave no address: no need to render what enqueue() would drop
    from ..visitors.services import address_proof

    event = registration.event
    language = registration.language
    manage_url = public_url("visitors.manage", token=registration.manage_token, lang=language)
    # The button proves the address when followed (see visitors.services.address_proof).
    open_url = manage_url
    if not registration.address_proven:
        proof = address_proof(registration=registration)
        open_url = public_url(
            "visitors.prove_address", token=registration.manage_token, proof=proof, lang=language
        )
    with force_locale(language):
        context = {
            "registration": registration,
            "event": event,
            "manage_url": open_url,
            "kind": kind,
            "language": language,
        }
        if kind != "new":
            subject = _("Your registration link: %(event)s", event=event.tr("name", language))
        else:
            subject = _("Registration confirmed: %(event)s", event=event.tr("name", language))
        body_text = render_template("emails/confirmation.txt", **context)
        body_html = render_template("emails/confirmation.html", **context)
    enqueue(
        to=registration.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind={
            "new": "confirmation",
            "again": "confirmation_again",
            "resent": "confirmation_resent",
        }[kind],
        language=language,
        event_id=event.id,
        registration_id=registration.id,
        attachments=[
            Attachment(
                "badge-qr.png", BADGE_QR_PNG, registration.badge_code.encode("ascii"), "badge-qr"
            ),
            Attachment(
                f"{event.slug}.ics",
                "text/calendar",
                event_calendar(event=event, language=language),
            ),
        ],
    )


def queue_new_link(*, registration: Registration) -> None:
    """The person's new "my registration" link, when the old one was replaced without their
    asking (it had been part of their calendar feed's address); the badge is unchanged."""
    if not registration.has_email:
        return
    event = registration.event
    language = registration.language
    manage_url = public_url("visitors.manage", token=registration.manage_token, lang=language)
    with force_locale(language):
        context = {
            "registration": registration,
            "event": event,
            "manage_url": manage_url,
            "language": language,
        }
        subject = _("Your new registration link: %(event)s", event=event.tr("name", language))
        body_text = render_template("emails/new_link.txt", **context)
        body_html = render_template("emails/new_link.html", **context)
    enqueue(
        to=registration.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind="new_link",
        language=language,
        event_id=event.id,
        registration_id=registration.id,
    )


def queue_exhibitor_message(*, exhibitor, kind: str, change=None, token: str | None = None) -> None:
    """An e-mail to an exhibitor's contact: application received, applied already, a status
    change, or a sign-in link to the exhibitor portal (`token`)."""
    from datetime import timedelta

    from ..exhibitors.services import format_tax_code
    from ..labels import label
    from .services import sent_recently

    pause = {"already_applied": timedelta(minutes=10), "portal_link": timedelta(minutes=1)}.get(
        kind
    )
    if pause and sent_recently(to=exhibitor.contact_email, kind=f"exhibitor_{kind}", within=pause):
        return  # asked again too soon: the message on its way will do
    event = exhibitor.event
    language = exhibitor.contact_language
    with force_locale(language):
        context = {
            "exhibitor": exhibitor,
            "event": event,
            "kind": kind,
            "change": change,
            "language": language,
            "status_label": label(exhibitor.status),
            "tax_code": format_tax_code(exhibitor.tax_code),
            "portal_url": public_url("portal.login", slug=event.slug, lang=language),
            "sign_in_url": public_url("portal.sign_in", slug=event.slug, token=token)
            if token
            else None,
        }
        event_name = event.tr("name", language)
        subject = {
            "received": _("Application received: %(event)s", event=event_name),
            "already_applied": _("Your company has applied already: %(event)s", event=event_name),
            "status": _("Your exhibitor application: %(status)s", status=context["status_label"]),
            "portal_link": _("Your sign-in link: %(event)s", event=event_name),
        }[kind]
        body_text = render_template("emails/exhibitor.txt", **context)
        body_html = render_template("emails/exhibitor.html", **context)
    enqueue(
        to=exhibitor.contact_email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind=f"exhibitor_{kind}",
        language=language,
        event_id=event.id,
    )


def queue_session_message(*, booking, kind: str) -> None:
    """An e-mail about a seat in a session: `promoted` (from the waiting list), `approved`,
    `waiting` (approved, but the session is full), `declined`, `changed` (new time or room) or
    `cancelled` (the session is deleted)."""
    registration = booking.registration
    session = booking.session
    event = registration.event
    language = registration.language
    manage_url = public_url("visitors.manage", token=registration.manage_token, lang=language)
    with force_locale(language):
        context = {
            "registration": registration,
            "session": session,
            "event": event,
            "kind": kind,
            "language": language,
            "manage_url": manage_url,
        }
        title = session.tr("title", language)
        subject = {
            "promoted": _("A seat is yours: %(title)s", title=title),
            "approved": _("Your seat is confirmed: %(title)s", title=title),
            "waiting": _("You are on the waiting list: %(title)s", title=title),
            "declined": _("Your request was not accepted: %(title)s", title=title),
            "changed": _("New time or room: %(title)s", title=title),
            "cancelled": _("Session cancelled: %(title)s", title=title),
        }[kind]
        body_text = render_template("emails/session.txt", **context)
        body_html = render_template("emails/session.html", **context)
    enqueue(
        to=registration.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind=f"session_{kind}",
        language=language,
        event_id=event.id,
        registration_id=registration.id,
    )


def queue_invitation(*, invitation, kind: str = "new") -> None:
    """A numbered invitation to a session with Accept and Decline links, in the delegate's
    language: `new` after the import, `resent` when the organisers send it again."""
    from ..programme.invitations import number_label
    from ..programme.models import PersonRole

    session = invitation.session
    event = invitation.event
    language = invitation.language
    page_url = public_url("invitation.show", token=invitation.token, lang=language)
    with force_locale(language):
        context = {
            "invitation": invitation,
            "session": session,
            "event": event,
            "kind": kind,
            "language": language,
            "number": number_label(invitation.number),
            "chairs": session.speakers_with(PersonRole.CHAIR),
            "page_url": page_url,
            "accept_url": public_url(
                "invitation.show", token=invitation.token, lang=language, answer="accept"
            ),
            "decline_url": public_url(
                "invitation.show", token=invitation.token, lang=language, answer="decline"
            ),
        }
        title = session.tr("title", language)
        if kind == "resent":
            subject = _(
                "Reminder: invitation %(number)s: %(title)s", number=context["number"], title=title
            )
        else:
            subject = _("Invitation %(number)s: %(title)s", number=context["number"], title=title)
        body_text = render_template("emails/invitation.txt", **context)
        body_html = render_template("emails/invitation.html", **context)
    enqueue(
        to=invitation.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind={"new": "invitation", "resent": "invitation_resent"}[kind],
        language=language,
        event_id=event.id,
    )

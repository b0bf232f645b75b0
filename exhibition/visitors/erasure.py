"""Erasure of a person's personal data (Law 91/2025/QH15 on personal data protection): at their
request from their registration page, by organisers, or once the exhibition's retention period is
over (`flask purge-personal-data`).

Erasing anonymises rather than deletes. The rows stay, with what the figures need and what does
not identify anybody on its own (category, province, country, sectors, language, the times of
registering and coming in, the status, the consents given), so counts per day and category do
not move. Names, e-mail addresses, phone numbers, organisations and job titles are replaced
wherever they were copied (invitations, outgoing mail and its .eml files, scanned text, names
printed on certificates of attendance), seats in sessions still to come are given up, and the badge
and the certificates stop working.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..badges import certificates
from ..checkin.models import Scan
from ..database import empty_wal_on_commit
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..exhibitors import leads
from ..exhibitors.models import Exhibitor
from ..exhibitors.services import search_text_for
from ..extensions import db
from ..mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from ..mail.services import eml_path
from ..matchmaking import privacy as matchmaking_privacy
from ..programme import seats
from ..programme.models import Invitation
from .models import ERASED_DOMAIN, Registration

# What replaces a name (a column that must hold something), and the text of an erased e-mail.
ERASED_NAME = "—"
ERASED_MAIL_TEXT = "—"
# Why data was erased; the code is kept with the erased e-mails.
REASONS = ("person", "organiser", "retention")


class AlreadyErased(DomainError):
    code = "already_erased"
    status = 409
    message = _l("This person's data has already been erased.")


class RegistrationErased(DomainError):
    code = "registration_erased"
    status = 410
    message = _l("The personal data of this registration has been erased.")


@dataclass
class ErasureReport:
    seats_given_up: int = 0
    invitations: int = 0
    messages: int = 0
    files_deleted: int = 0


def erased_email(kind: str, row_id: int) -> str:
    """A unique address in the reserved ".invalid" domain: nothing is ever sent to it."""
    prefix = "erased" if kind == "registration" else f"erased-{kind}"
    return f"{prefix}-{row_id}@{ERASED_DOMAIN}"


def _is_erased_address(column):
    return column.like(f"%@{ERASED_DOMAIN}")


def _anonymise_invitation(invitation) -> str:
    """Blank an invitation's delegate; its link stops working. Returns the address it had."""
    address = invitation.email
    invitation.full_name = ERASED_NAME
    invitation.position = ""
    invitation.organisation = ""
    invitation.phone = ""
    invitation.email = invitation.email_key = erased_email("invitation", invitation.id)
    invitation.token = secrets.token_urlsafe(32)
    return address


def _scrub_messages(stmt, *, to: str, reason: str) -> tuple[int, int]:
    """Blank the outgoing e-mails selected by `stmt`: recipient, subject, bodies, attachments and
    the .eml file written for each. One not sent yet never will be. Returns (messages, files)."""
    messages = list(db.session.scalars(stmt))
    files = 0
    for message in messages:
        message.to_address = to or erased_email("message", message.id)
        message.subject = ERASED_MAIL_TEXT
        message.body_text = message.body_html = f"{ERASED_MAIL_TEXT} ({reason})"
        message.last_error = ""
        if message.status in (MessageStatus.PENDING, MessageStatus.SENDING):
            message.status = MessageStatus.FAILED
            message.claim_token = message.locked_until = None
            message.last_error = f"Not sent: personal data erased ({reason})."
        path = eml_path(message)
        if path.exists():
            path.unlink()
            files += 1
    if messages:
        db.session.execute(
            sa.delete(OutboxAttachment).where(
                OutboxAttachment.message_id.in_([m.id for m in messages])
            )
        )
        for message in messages:
            db.session.expire(message, ["attachments"])
    return len(messages), files


def erase_registration(
    *, registration: Registration, now: datetime | None = None, reason: str
) -> ErasureReport:
    """Anonymise a person's registration and every copy of their personal data in its event.

    The registration keeps its status (the figures do not move) but its badge answers like a
    cancelled one and its link shows only that the data was erased. Erasing again raises
    AlreadyErased. The .eml files of the person's e-mails are deleted at once, before the caller
    commits.
    """
    # Long on purpose: one erasure's steps, in the order they must run in its transaction.
    if reason not in REASONS:
        raise ValueError(f"unknown erasure reason {reason!r}")
    now = now or utcnow()
    # A conditional update: of two erasures at once (a double click) exactly one goes on.
    claimed = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.erased_at.is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(registration, ["erased_at"])
        raise AlreadyErased()
    registration.erased_at = now
    report = ErasureReport()
    event_id, email_key, badge_code = (
        registration.event_id,
        registration.email_key,
        registration.badge_code,
    )
    # Mail sent to the address is the person's only if the address is: one typed on the public
    # form and never proven may be somebody else's (whose mail stays), and so may invitations
    # to it that were not accepted by this registration.
    addresses = set() if registration.typed_by_a_stranger else {email_key}

    report.seats_given_up = seats.give_up_future_bookings(registration=registration, now=now)
    matchmaking_privacy.erase(registration=registration, now=now)
    leads.erase(registration=registration, placeholder=ERASED_NAME)

    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.registration_id == registration.id)
    ).all()
    for invitation in invitations:
        addresses.add(_anonymise_invitation(invitation).casefold())
    report.invitations = len(invitations)

    placeholder = erased_email("registration", registration.id)
    report.messages, report.files_deleted = _scrub_messages(
        sa.select(OutboxMessage).where(
            sa.or_(
                OutboxMessage.registration_id == registration.id,
                sa.and_(
                    OutboxMessage.event_id == event_id,
                    sa.func.lower(OutboxMessage.to_address).in_(sorted(addresses)),
                ),
            )
        ),
        to=placeholder,
        reason=reason,
    )

    _blank_scans(registration, badge_code)
    certificates.erase(registration=registration, placeholder=ERASED_NAME)
    _blank_registration(registration, placeholder)
    db.session.flush()
    empty_wal_on_commit()
    return report


def _blank_scans(registration: Registration, badge_code: str) -> None:
    """Blank the text read by scanners of the person's badge."""
    # What a scanner read is the badge code here, but scanned text is kept out of caution.
    db.session.execute(
        sa.update(Scan)
        .where(
            sa.or_(
                Scan.registration_id == registration.id,
                sa.func.upper(Scan.code).contains(badge_code, autoescape=True),
            )
        )
        .values(code="")
        .execution_options(synchronize_session=False)
    )


def _blank_registration(registration: Registration, placeholder: str) -> None:
    registration.full_name = ERASED_NAME
    registration.email = registration.email_key = placeholder
    registration.phone = ""
    registration.organisation = ""
    registration.job_title = ""
    registration.search_text = ""


# --- retention --------------------------------------------------------------------------------


def retention_over(event: Event, now: datetime) -> bool:
    """Whether the event's retention period has passed: its last day (in its time zone) plus
    `retention_days` is before today."""
    if event.retention_days is None:
        return False
    return now.astimezone(event.tz).date() > event.last_day + timedelta(days=event.retention_days)


def _anonymise_contact(exhibitor) -> None:
    """Blank an exhibitor's contact person; the company and its business data stay."""
    exhibitor.contact_name = ERASED_NAME
    exhibitor.contact_email = erased_email("exhibitor", exhibitor.id)
    exhibitor.contact_phone = ""
    exhibitor.search_text = search_text_for(exhibitor)


def purge_personal_data(
    *, now: datetime | None = None, dry_run: bool = False
) -> list[tuple[Event, int]]:
    """Anonymise the personal data of every exhibition whose retention period is over: each
    registration not erased yet, the exhibitors' contact persons, invitations not linked to a
    registration, and whatever e-mail of the exhibition is left. Returns (event, how many people
    were, or with `dry_run` would be, anonymised) for each such exhibition."""
    now = now or utcnow()
    results = []
    events = db.session.scalars(
        sa.select(Event).where(Event.retention_days.is_not(None)).order_by(Event.ends_at, Event.id)
    ).all()
    for event in events:
        if not retention_over(event, now):
            continue
        registrations, contacts, invitations = _left_to_erase(event)
        results.append((event, len(registrations) + len(contacts) + len(invitations)))
        if not dry_run:
            _purge_event(event, registrations, contacts, invitations, now)
    return results


def _left_to_erase(event: Event) -> tuple[list, list, list]:
    """An exhibition's registrations, exhibitors' contacts and unlinked invitations not erased."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.erased_at.is_(None))
        .order_by(Registration.id)
    ).all()
    contacts = db.session.scalars(
        sa.select(Exhibitor)
        .where(Exhibitor.event_id == event.id, ~_is_erased_address(Exhibitor.contact_email))
        .order_by(Exhibitor.id)
    ).all()
    invitations = db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.event_id == event.id,
            Invitation.registration_id.is_(None),
            ~_is_erased_address(Invitation.email_key),
        )
        .order_by(Invitation.id)
    ).all()
    return registrations, contacts, invitations


def _purge_event(event: Event, registrations, contacts, invitations, now: datetime) -> None:
    """Anonymise what _left_to_erase found, and the exhibition's e-mails and scanned text."""
    for registration in registrations:
        erase_registration(registration=registration, now=now, reason="retention")
    for exhibitor in contacts:
        _anonymise_contact(exhibitor)
    for invitation in invitations:
        if not invitation.email_key.endswith("@" + ERASED_DOMAIN):  # not done just above
            _anonymise_invitation(invitation)
    _scrub_messages(
        sa.select(OutboxMessage).where(
            OutboxMessage.event_id == event.id,
            ~_is_erased_address(OutboxMessage.to_address),
        ),
        to="",
        reason="retention",
    )
    db.session.execute(
        sa.update(Scan)
        .where(Scan.event_id == event.id, Scan.code != "")
        .values(code="")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    empty_wal_on_commit()

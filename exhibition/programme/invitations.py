"""Invitations to sessions: delegates imported from CSV or Excel, each e-mailed a numbered
invitation with a secret link; accepting gives a Delegate badge and a seat, declining frees it.

Unlike the booth import, a delegate import is not all or nothing: good rows are stored and each
bad row is reported with its problem.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..reference.models import Province
from ..spreadsheets import (
    email_cell,
    language_cell,
    phone_cell,
    read_rows,
    row_error,
    text_problems,
)
from ..visitors.changes import cancel_registration
from ..visitors.models import Registration, RegistrationSource, VisitorCategory
from ..visitors.services import Consents, VisitorData, find_by_email, register_visitor
from . import seats
from .models import HOLDING, ConferenceSession, Invitation, InvitationStatus
from .models import number_label as number_label  # still read as invitations.number_label
from .notifications import queue_invitation

MAX_BYTES = 2_000_000
MAX_ROWS = 2000
RESEND_PAUSE = timedelta(minutes=10)
DELEGATE_CATEGORY = ("delegate", "Đại biểu", "Delegate", "#bf3989")
# Delegates are mostly officials of Hai Phong's districts and communes.
DEFAULT_PROVINCE_NAME = "Hải Phòng"

# Column headers, folded (no diacritics, lower case, letters and digits only), to fields.
HEADERS = {
    "full_name": {"hovaten", "hoten", "ten", "fullname", "name", "delegate"},
    "position": {"chucvu", "chucdanh", "position", "title", "jobtitle"},
    "organisation": {"donvi", "coquan", "tochuc", "organisation", "organization", "agency"},
    "email": {"email", "thudientu", "diachiemail", "emailaddress"},
    "phone": {"dienthoai", "sodienthoai", "sdt", "phone", "phonenumber", "mobile"},
    "language": {"ngonngu", "language", "lang"},
}
TEXT_FIELDS = {  # column: (label, longest length)
    "full_name": (_l("full name"), 120),
    "position": (_l("position"), 120),
    "organisation": (_l("organisation"), 200),
}
REQUIRED = {"full_name": _l("Full name"), "email": _l("E-mail")}


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message = _l("This invitation link is not valid.")


class InvitationClosed(DomainError):
    code = "invitation_closed"
    status = 409
    message = _l("This session is over: the invitation can no longer be answered.")


class ResentTooSoon(DomainError):
    code = "resent_too_soon"
    status = 429
    message = _l(
        "This invitation was sent less than 10 minutes ago. Please wait before sending it again."
    )


@dataclass
class DelegateRow:
    line: int
    full_name: str
    position: str
    organisation: str
    email: str
    phone: str
    language: str


@dataclass
class ImportReport:
    created: int = 0
    errors: list[str] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)


# --- reading the file (helpers shared with the visitor import: ../spreadsheets.py) ---------


def parse_delegates(data: bytes, filename: str) -> tuple[list[DelegateRow], list[str]]:
    """Read delegates from CSV (UTF-8, comma or semicolon) or .xlsx: (good rows, problems).

    Each problem reads "Row N: ..." with N the row number in the spreadsheet (the header is row 1).
    """
    rows, problems = _parse(data, filename)
    return rows, [text for _line, text in problems]


def _parse(data: bytes, filename: str) -> tuple[list[DelegateRow], list[tuple[int, str]]]:
    """Good rows and (row number, problem) pairs; problems with the whole file have row 0."""
    filled, errors = read_rows(
        data, filename, headers=HEADERS, required=REQUIRED, max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS, max_cols=len(HEADERS) + 10,
        too_many=_("At most %(count)s delegates per file; the rest was not read.", count=MAX_ROWS),
    )  # fmt: skip
    rows, seen = [], {}
    for line, values in filled:
        problems = []
        full_name = values.get("full_name", "")
        if not full_name:
            problems.append(_("full name missing"))
        problems += text_problems(values, TEXT_FIELDS, names=("full_name",))
        email, problem = email_cell(values.get("email", ""), line=line, seen=seen)
        phone, phone_problem = phone_cell(values.get("phone", ""), required=False)
        language, language_problem = language_cell(values.get("language", ""))
        problems += [p for p in (problem, phone_problem, language_problem) if p]
        if problems:
            errors.append(row_error(line, "; ".join(problems)))
            continue
        rows.append(
            DelegateRow(
                line=line,
                full_name=full_name,
                position=values.get("position", ""),
                organisation=values.get("organisation", ""),
                email=email,
                phone=phone,
                language=language,
            )
        )
    return rows, errors


# --- importing and sending --------------------------------------------------------------------


def delegate_category(*, event: Event) -> VisitorCategory:
    """The event's Delegate category, created (not offered on the public form) when missing."""
    code, name_vi, name_en, color = DELEGATE_CATEGORY

    def find():
        return db.session.scalar(
            sa.select(VisitorCategory).where(
                VisitorCategory.event_id == event.id, VisitorCategory.code == code
            )
        )

    category = find()
    if category is not None:
        return category
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(VisitorCategory.position), -1)).where(
            VisitorCategory.event_id == event.id
        )
    )
    category = VisitorCategory(
        event_id=event.id, code=code, name_vi=name_vi, name_en=name_en, color=color,
        is_public=False, position=position + 1,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(category)
            db.session.flush()
    except IntegrityError:
        category = find()  # made at the same moment by another request
        if category is None:
            raise
    return category


def _lock_numbers(event: Event) -> int:
    """Lock the event's row (numbers are handed out one import at a time); the last number."""
    db.session.execute(sa.select(Event.id).where(Event.id == event.id).with_for_update())
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Invitation.number), 0)).where(
            Invitation.event_id == event.id
        )
    )


def _already_invited(session: ConferenceSession) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(Invitation.email_key).where(Invitation.session_id == session.id)
        )
    )


def _send(invitation: Invitation, kind: str, now: datetime) -> None:
    queue_invitation(invitation=invitation, kind=kind)
    invitation.sent_count += 1
    invitation.last_sent_at = now


def import_delegates(
    *, session: ConferenceSession, data: bytes, filename: str, now: datetime | None = None
) -> ImportReport:
    """Invite the delegates of a CSV or Excel file to a session and e-mail each invitation.

    Good rows are stored (numbered per event) and bad rows reported; nothing is committed here.
    """
    now = now or utcnow()
    report = ImportReport()
    if session.ends_at is not None and session.ends_at <= now:
        report.errors.append(str(InvitationClosed.message))
        return report
    rows, problems = _parse(data, filename)
    if rows:
        _store(session, rows, report, problems, now)
    report.errors = [text for _line, text in sorted(problems, key=lambda p: p[0])]
    return report


def _store(
    session: ConferenceSession,
    rows: list[DelegateRow],
    report: ImportReport,
    problems: list[tuple[int, str]],
    now: datetime,
) -> None:
    """Number, store and e-mail the good rows; rows invited already become problems."""
    event = session.event
    number = _lock_numbers(event)
    invited = _already_invited(session)
    delegate_category(event=event)
    for row in rows:
        key = row.email.casefold()
        if key in invited:
            problems.append(row_error(row.line, _("already invited to this session")))
            continue
        invitation = Invitation(
            event_id=event.id, session_id=session.id, number=number + 1, full_name=row.full_name,
            position=row.position, organisation=row.organisation, email=row.email, email_key=key,
            phone=row.phone, language=row.language, token=secrets.token_urlsafe(32),
            status=InvitationStatus.PENDING, created_at=now, sent_count=0,
        )  # fmt: skip
        try:
            with db.session.begin_nested():
                db.session.add(invitation)
                db.session.flush()
        except IntegrityError:
            # Invited at the same moment by another upload of the same person.
            problems.append(row_error(row.line, _("already invited to this session")))
            continue
        invitation.session, invitation.event = session, event
        number += 1
        invited.add(key)
        _send(invitation, "new", now)
        report.invitations.append(invitation)
        report.created += 1
    db.session.flush()


def resend(*, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Send an invitation again, at most once per RESEND_PAUSE (ResentTooSoon otherwise)."""
    now = now or utcnow()
    if invitation.last_sent_at is not None and invitation.last_sent_at > now - RESEND_PAUSE:
        raise ResentTooSoon()
    _send(invitation, "resent", now)
    db.session.flush()
    return invitation


def resend_pending(*, session: ConferenceSession, now: datetime | None = None) -> int:
    """Send again every invitation of a session that has no answer and was not sent lately."""
    now = now or utcnow()
    count = 0
    for invitation in db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.session_id == session.id,
            Invitation.status == InvitationStatus.PENDING,
            sa.or_(
                Invitation.last_sent_at.is_(None), Invitation.last_sent_at <= now - RESEND_PAUSE
            ),
        )
        .order_by(Invitation.number)
    ):
        _send(invitation, "resent", now)
        count += 1
    db.session.flush()
    return count


# --- answers ----------------------------------------------------------------------------------


def get_by_token(*, token: str) -> Invitation:
    """The invitation behind a link, or InvitationNotFound."""
    if not token or len(token) > 64:
        raise InvitationNotFound()
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token == token))
    if invitation is None:
        raise InvitationNotFound()
    return invitation


def is_over(invitation: Invitation, now: datetime | None = None) -> bool:
    return not seats.session_open(invitation.session, now)


def _claim(
    invitation: Invitation, status: InvitationStatus, now: datetime
) -> InvitationStatus | None:
    """Move the invitation to `status` unless it is there already: a conditional update, so two
    clicks at once do the work once. Returns the previous status, or None if nothing changed."""
    previous = invitation.status
    if previous is status:
        return None
    changed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == previous)
        .values(status=status, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(invitation, ["status", "answered_at", "registration_id"])
    db.session.expire(invitation, ["registration"])
    return previous if changed == 1 else None


def _province_code() -> str | None:
    code = db.session.scalar(
        sa.select(Province.code).where(Province.name_vi == DEFAULT_PROVINCE_NAME)
    )
    return code or db.session.scalar(sa.select(Province.code).order_by(Province.position).limit(1))


def accept(*, invitation: Invitation, now: datetime | None = None) -> Registration:
    """Accept: the person's registration (Delegate badge, made if needed) and a seat in the session.

    The invitation's link proves the address: the invitation belongs to the registration made
    or found here, and nothing else. A registration of that address typed on the public form and
    never proven is not the invitee's to inherit (anybody may type a delegate's address): it is
    cancelled and the invitee gets their own. One made by organisers or an exhibitor is theirs.
    Accepting again returns the same registration; accepting after a decline is allowed until
    the session ends.
    """
    now = now or utcnow()
    if invitation.status is InvitationStatus.ACCEPTED and invitation.registration is not None:
        return invitation.registration
    if is_over(invitation, now):
        raise InvitationClosed()
    if _claim(invitation, InvitationStatus.ACCEPTED, now) is None:
        if invitation.registration is not None:  # the other click did it
            return invitation.registration
    event, session = invitation.event, invitation.session
    existing = find_by_email(event=event, email=invitation.email)
    if existing is not None and existing.typed_by_a_stranger:
        cancel_registration(registration=existing, now=now)
    registration, _created = register_visitor(
        event=event,
        data=VisitorData(
            full_name=invitation.full_name,
            email=invitation.email,
            phone=invitation.phone,
            category_id=delegate_category(event=event).id,
            organisation=invitation.organisation,
            job_title=invitation.position,
            province_code=_province_code(),
            country_code="VN",
            language=invitation.language,
        ),
        # Accepting the invitation is the consent to process the person's data for the event.
        consents=Consents(processing=True),
        source=RegistrationSource.INVITATION,
        public_only=False,
        check_window=False,
        address_proven=True,
        now=now,
    )
    if registration.email_verified_at is None:  # made by organisers or an exhibitor
        registration.email_verified_at = now
    seats.book(session=session, registration=registration, invited=True, now=now)
    invitation.registration = registration
    db.session.flush()
    return registration


def decline(*, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Decline; after an acceptance the seat is given back (and may go to the waiting list)."""
    now = now or utcnow()
    if invitation.status is InvitationStatus.DECLINED:
        return invitation
    if is_over(invitation, now):
        raise InvitationClosed()
    previous = _claim(invitation, InvitationStatus.DECLINED, now)
    if previous is InvitationStatus.ACCEPTED and invitation.registration is not None:
        booking = seats.booking_of(session=invitation.session, registration=invitation.registration)
        if booking is not None and booking.status in HOLDING:
            seats.cancel_booking(booking=booking)
    db.session.flush()
    return invitation

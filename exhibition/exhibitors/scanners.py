"""Booth scanners: the exhibitor's portal turns staff members into scanners, each phone set up by
a one-time link e-mailed to them (as check-in devices are, checkin/services.py), with a bearer
token of its own, stored as a hash and revocable at once."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..checkin.services import InvalidToken, hash_token, new_setup_code, spend_setup_code
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..visitors.models import Registration
from .lead_models import LeadScanner
from .models import Exhibitor
from .notifications import queue_scanner_setup


class ScannerRevoked(DomainError):
    code = "revoked"
    status = 403
    message = _l("This booth scanner has been revoked by your company. Ask for a new set-up link.")


class NotAStaffMember(DomainError):
    code = "not_found"
    status = 404
    message = _l("This person is not on your staff list.")


class LeadsDisabled(DomainError):
    code = "disabled"
    status = 403
    message = _l("Lead retrieval is not part of your company's package. Ask the organisers.")


class OutsideEvent(DomainError):
    code = "outside_event"
    status = 422
    message = _l("Badges are scanned at booths only on the days of the exhibition.")


class ScannerNotFound(DomainError):
    code = "not_found"
    status = 404
    message = _l("This scanner is not one of your company's.")


def scanners_of(*, exhibitor: Exhibitor) -> list[LeadScanner]:
    """The company's scanners, oldest first (revoked ones too: their scans stay theirs)."""
    return list(
        db.session.scalars(
            sa.select(LeadScanner)
            .where(LeadScanner.exhibitor_id == exhibitor.id)
            .order_by(LeadScanner.id)
        )
    )


def _staff_member(exhibitor: Exhibitor, registration_id: int) -> Registration:
    in_range = 0 < registration_id < 2**31  # larger numbers are no id (the database would fail)
    registration = db.session.get(Registration, registration_id) if in_range else None
    if (
        registration is None
        or registration.exhibitor_id != exhibitor.id
        or registration.is_cancelled
        or registration.is_erased
    ):
        raise NotAStaffMember()
    return registration


def make_scanner(
    *, exhibitor: Exhibitor, registration_id: int, now: datetime | None = None
) -> LeadScanner:
    """Turn a staff member into a scanner (or give their scanner a new link) and e-mail them the
    one-time set-up link, in their language. A revoked scanner stays revoked: a new one is made."""
    registration = _staff_member(exhibitor, registration_id)
    scanner = db.session.scalar(
        sa.select(LeadScanner)
        .where(
            LeadScanner.exhibitor_id == exhibitor.id,
            LeadScanner.registration_id == registration.id,
            LeadScanner.revoked_at.is_(None),
        )
        .order_by(LeadScanner.id.desc())
        .limit(1)
    )
    if scanner is None:
        scanner = LeadScanner(
            exhibitor=exhibitor, registration=registration, name=registration.full_name[:120]
        )
        db.session.add(scanner)
    code = new_setup_code(scanner, now=now)
    queue_scanner_setup(scanner=scanner, code=code)
    return scanner


def redeem_scanner_setup(*, code: str, now: datetime | None = None) -> tuple[LeadScanner, str]:
    """A phone opens its set-up link: the scanner gets a fresh token, the link is spent."""
    return spend_setup_code(LeadScanner, code=code, now=now)


def authenticate_scanner(*, token: str | None, now: datetime | None = None) -> LeadScanner:
    """The scanner holding this bearer token: InvalidToken when unknown, ScannerRevoked when
    revoked (at once: every request looks it up)."""
    if not token or len(token) > 200:
        raise InvalidToken()
    scanner = db.session.scalar(
        sa.select(LeadScanner)
        .where(LeadScanner.token_hash == hash_token(token))
        .options(sa.orm.joinedload(LeadScanner.exhibitor))
    )
    if scanner is None:
        raise InvalidToken()
    if scanner.revoked_at is not None:
        raise ScannerRevoked()
    now = now or utcnow()
    if scanner.last_seen_at is None or now - scanner.last_seen_at > timedelta(minutes=1):
        db.session.execute(
            sa.update(LeadScanner).where(LeadScanner.id == scanner.id).values(last_seen_at=now)
        )
    return scanner


def revoke_scanner(
    *, exhibitor: Exhibitor, scanner_id: int, now: datetime | None = None
) -> LeadScanner:
    """Revoke one of the company's scanners: its next request is refused, its link too."""
    scanner = db.session.get(LeadScanner, scanner_id)
    if scanner is None or scanner.exhibitor_id != exhibitor.id:
        raise ScannerNotFound()
    if scanner.revoked_at is None:
        scanner.revoked_at = now or utcnow()
    scanner.setup_code_hash = scanner.setup_expires_at = None
    db.session.flush()
    return scanner


def check_open(*, scanner: LeadScanner, at: datetime) -> None:
    """Whether the scanner's company may collect leads at `at`: lead retrieval enabled by the
    organisers, and a day of the exhibition (in its time zone)."""
    exhibitor = scanner.exhibitor
    if not exhibitor.leads_enabled:
        raise LeadsDisabled()
    event = exhibitor.event
    if not event.first_day <= at.astimezone(event.tz).date() <= event.last_day:
        raise OutsideEvent()


def count_invalid(*, scanner: LeadScanner, now: datetime | None = None) -> None:
    """One more code that was no working badge's lead code (many raise the organisers' alert)."""
    db.session.execute(
        sa.update(LeadScanner)
        .where(LeadScanner.id == scanner.id)
        .values(invalid_scans=LeadScanner.invalid_scans + 1, last_invalid_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )

"""A booth scanner's scan of a visitor's lead code: one lead per exhibitor and visitor, every
scan kept once per scanner and nonce, the visitor's details only with their consent.

Scans made offline arrive later with their own time: the lead's first scan is the earliest time
seen, its last the latest, whatever the order of arrival. Two phones scanning one visitor at
once make one lead: the database's unique key picks the first insert, the other scan joins it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, make_transient_to_detached

from ..checkin.entrances import insert_unless_there
from ..checkin.scanning import NonceReused
from ..dbtypes import UTCDateTime, utcnow
from ..errors import DomainError
from ..extensions import db
from ..visitors.models import Registration
from . import leads
from .lead_models import Lead, LeadScan, LeadScanner, ShareSource
from .scanners import check_open, count_invalid

# A phone's clock may run this much ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)


class FutureScan(DomainError):
    code = "future"
    status = 422
    message = _l("The scan's time is in the future: check the phone's clock.")


@dataclass
class LeadScanOutcome:
    lead: Lead
    scan: LeadScan
    replayed: bool  # the nonce was sent before: nothing was added

    @property
    def result(self) -> str:
        """`lead` (the visitor's shared details) or `visit` (not agreed to share)."""
        return "lead" if self.lead.is_shared else "visit"


def stored_scans(*, scanner: LeadScanner, nonces: list[str]) -> dict[str, tuple]:
    """The scans this scanner stored under these nonces, by nonce, each with its lead (loaded)
    and the lead code it was of (None: the visitor was erased since): one query for a batch."""
    rows = db.session.execute(
        sa.select(LeadScan, Registration.lead_code)
        .join(LeadScan.lead)
        .join(Registration, Registration.id == Lead.registration_id)
        .options(contains_eager(LeadScan.lead))
        .where(LeadScan.scanner_id == scanner.id, LeadScan.nonce.in_(nonces))
    ).all()
    return {scan.nonce: (scan, lead_code) for scan, lead_code in rows}


def _lead_for(scanner: LeadScanner, registration, at: datetime, now: datetime) -> Lead:
    """The exhibitor's lead of the visitor, made by this scan unless another made it first: one
    INSERT ... ON CONFLICT DO NOTHING (the unique key picks the first insert; the loser of a race
    attaches to the winner's row), holding the shared details when the visitor consents. An
    existing lead's scan times are widened to `at` in one conditional update (its row lock
    orders concurrent scans) and its details filled again under the consent."""
    leads.lock_person(registration)  # a withdrawal of the consent at once waits, or is waited for
    consents = leads.consents_to_share(registration)
    values = {
        "event_id": registration.event_id,
        "exhibitor_id": scanner.exhibitor_id,
        "registration_id": registration.id,
        "first_scanned_at": at,
        "last_scanned_at": at,
    }
    if consents:
        values.update(leads.details_of(registration=registration, event=scanner.exhibitor.event))
        values.update(shared_at=now, share_source=ShareSource.CONSENT)
    made = insert_unless_there(
        Lead, values, key=("exhibitor_id", "registration_id"), returning="id"
    )
    if made is not None:
        return db.session.get(Lead, made)
    moment = sa.literal(at, UTCDateTime())
    lead_id = db.session.execute(
        sa.update(Lead)
        .where(Lead.exhibitor_id == scanner.exhibitor_id, Lead.registration_id == registration.id)
        .values(
            first_scanned_at=sa.case(
                (Lead.first_scanned_at > moment, moment), else_=Lead.first_scanned_at
            ),
            last_scanned_at=sa.case(
                (Lead.last_scanned_at < moment, moment), else_=Lead.last_scanned_at
            ),
        )
        .returning(Lead.id)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    lead = db.session.get(Lead, lead_id)
    db.session.expire(lead, ["first_scanned_at", "last_scanned_at"])  # read again when shown
    if consents:
        leads.fill(lead=lead, source=ShareSource.CONSENT, now=now)
    return lead


def _replay(stored: tuple[LeadScan, str | None], text: str) -> LeadScanOutcome:
    """The stored answer to a nonce sent again; NonceReused when it comes with another code
    (unless the visitor was erased since: their code is gone)."""
    scan, lead_code = stored
    if lead_code is not None and leads.normalize_lead_code(text) != lead_code:
        raise NonceReused()
    return LeadScanOutcome(lead=scan.lead, scan=scan, replayed=True)


def record_lead_scan(
    *,
    scanner: LeadScanner,
    text: str,
    nonce: str,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
    stored: dict[str, tuple] | None = None,
) -> LeadScanOutcome:
    """Judge and keep one scan by `scanner` of `text` (what the camera read, or typed), made at
    `scanned_at` (offline; default now). The same nonce again returns the stored answer and adds
    nothing. Refused: FutureScan, LeadsDisabled, OutsideEvent, NotALeadCode and
    InvalidLeadCode (these two counted on the scanner, for the organisers' alert). `stored`: what
    stored_scans() found for a batch's nonces, so that each scan need not ask."""
    now = now or utcnow()
    if stored is None:
        stored = stored_scans(scanner=scanner, nonces=[nonce])
    if nonce in stored:
        return _replay(stored[nonce], text)
    at = scanned_at or now
    if at > now + CLOCK_SKEW:
        raise FutureScan()
    check_open(scanner=scanner, at=at)
    event = scanner.exhibitor.event
    try:
        registration = leads.registration_for_lead_code(event=event, text=text)
    except (leads.NotALeadCode, leads.InvalidLeadCode):
        count_invalid(scanner=scanner, now=now)
        raise
    # A savepoint: a scan that turns out to be a replay leaves no lead and no widened times.
    savepoint = db.session.begin_nested()
    lead = _lead_for(scanner, registration, at, now)
    values = {
        "lead_id": lead.id,
        "scanner_id": scanner.id,
        "nonce": nonce,
        "scanned_at": at,
        "received_at": now,
        "offline": scanned_at is not None,
    }
    scan_id = insert_unless_there(LeadScan, values, key=("scanner_id", "nonce"), returning="id")
    if scan_id is None:  # the same nonce sent twice at once: the other one is stored
        savepoint.rollback()
        return _replay(stored_scans(scanner=scanner, nonces=[nonce])[nonce], text)
    savepoint.commit()
    scan = LeadScan(id=scan_id, **values)
    make_transient_to_detached(scan)  # as stored, not read back
    db.session.add(scan)
    return LeadScanOutcome(lead=lead, scan=scan, replayed=False)


def lead_of_scanner(*, scanner: LeadScanner, lead_id: int) -> Lead:
    """A lead this scanner scanned (any other is not found: the company's list is its portal's,
    not every phone's)."""
    lead = db.session.get(Lead, lead_id) if 0 < lead_id < 2**31 else None
    scanned = lead is not None and db.session.scalar(
        sa.select(sa.exists().where(LeadScan.lead_id == lead.id, LeadScan.scanner_id == scanner.id))
    )
    if not scanned or lead.exhibitor_id != scanner.exhibitor_id:
        raise DomainError(
            _l("This contact is not one of your company's."), code="not_found", status=404
        )
    return lead

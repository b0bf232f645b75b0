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
from sqlalchemy.exc import IntegrityError

from ..checkin.scanning import NonceReused
from ..dbtypes import UTCDateTime, utcnow
from ..errors import DomainError
from ..extensions import db
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


def _stored(scanner: LeadScanner, nonce: str) -> LeadScan | None:
    return db.session.scalar(
        sa.select(LeadScan).where(LeadScan.scanner_id == scanner.id, LeadScan.nonce == nonce)
    )


def _lead_row(exhibitor_id: int, registration_id: int) -> Lead | None:
    return db.session.scalar(
        sa.select(Lead).where(
            Lead.exhibitor_id == exhibitor_id, Lead.registration_id == registration_id
        )
    )


def _lead_for(scanner: LeadScanner, registration, at: datetime) -> Lead:
    """The exhibitor's lead of the visitor, made by this scan unless another made it first (the
    unique key decides; the loser of a race attaches to the winner's row), its scan times
    widened to `at` in one conditional update (the row lock orders concurrent scans)."""
    lead = _lead_row(scanner.exhibitor_id, registration.id)
    if lead is None:
        try:
            with db.session.begin_nested():
                lead = Lead(
                    event_id=registration.event_id,
                    exhibitor_id=scanner.exhibitor_id,
                    registration=registration,
                    first_scanned_at=at,
                    last_scanned_at=at,
                )
                db.session.add(lead)
                db.session.flush()
            return lead
        except IntegrityError:
            lead = _lead_row(scanner.exhibitor_id, registration.id)
    moment = sa.literal(at, UTCDateTime())
    db.session.execute(
        sa.update(Lead)
        .where(Lead.id == lead.id)
        .values(
            first_scanned_at=sa.case(
                (Lead.first_scanned_at > moment, moment), else_=Lead.first_scanned_at
            ),
            last_scanned_at=sa.case(
                (Lead.last_scanned_at < moment, moment), else_=Lead.last_scanned_at
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(lead)
    return lead


def _replay(scanner: LeadScanner, stored: LeadScan, text: str) -> LeadScanOutcome:
    code = leads.normalize_lead_code(text)
    if code is None or code != stored.lead.registration.lead_code:
        # Erased since (no code any more) or another code under the same nonce.
        if stored.lead.registration.lead_code is not None:
            raise NonceReused()
    return LeadScanOutcome(lead=stored.lead, scan=stored, replayed=True)


def record_lead_scan(
    *,
    scanner: LeadScanner,
    text: str,
    nonce: str,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> LeadScanOutcome:
    """Judge and keep one scan by `scanner` of `text` (what the camera read, or typed), made at
    `scanned_at` (offline; default now). The same nonce again returns the stored answer and adds
    nothing. Refused: FutureScan, LeadsDisabled, OutsideEvent, NotALeadCode and
    InvalidLeadCode (these two counted on the scanner, for the organisers' alert)."""
    now = now or utcnow()
    stored = _stored(scanner, nonce)
    if stored is not None:
        return _replay(scanner, stored, text)
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
    lead = _lead_for(scanner, registration, at)
    if leads.consents_to_share(registration):
        leads.fill(lead=lead, source=ShareSource.CONSENT, now=now)
    try:
        with db.session.begin_nested():
            scan = LeadScan(
                lead=lead,
                scanner=scanner,
                nonce=nonce,
                scanned_at=at,
                received_at=now,
                offline=scanned_at is not None,
            )
            db.session.add(scan)
            db.session.flush()
    except IntegrityError:  # the same nonce sent twice at once: the other one is stored
        stored = _stored(scanner, nonce)
        if stored is None:
            raise
        return _replay(scanner, stored, text)
    return LeadScanOutcome(lead=lead, scan=scan, replayed=False)


def lead_of_scanner(*, scanner: LeadScanner, lead_id: int) -> Lead:
    """One of the scanner's company's leads (another company's is not found)."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.exhibitor_id != scanner.exhibitor_id:
        raise DomainError(
            _l("This contact is not one of your company's."), code="not_found", status=404
        )
    return lead

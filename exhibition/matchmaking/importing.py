"""Hosted buyers and their must-meet lists, imported by the organisers from CSV or Excel.

Columns (headers in Vietnamese or English): the buyer's e-mail (a working registration of the
exhibition), company, meeting limit (optional), and must-meet: suppliers' e-mails or exhibitors'
tax codes separated by ";". Every row is checked first; one bad row and nothing is stored.

A buyer gets a participant row as a hosted buyer. They are listed only if they consented to
business matching themselves: consent is never recorded for them. Until they are listed, their
must-meet meetings are not created (importing the file again once they join creates them; pairs
that have a request already are left alone).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from stdnum.vn import mst

from ..accounts import audit
from ..accounts.models import User
from ..dbtypes import utcnow
from ..email_address import normalize_email
from ..events.models import Event
from ..exhibitors.models import Exhibitor
from ..extensions import db
from ..spreadsheets import header_key, read_rows, row_error, text_problems
from ..visitors.models import ConsentPurpose, Registration
from .models import (
    COUNTED,
    MeetingRequest,
    MeetingSession,
    Mode,
    Participant,
    RequestState,
    Side,
    Sides,
)
from .participants import search_text_of
from .sessions import lock

MAX_BYTES = 5_000_000
MAX_ROWS = 2000
MAX_MUST_MEET = 50  # names in one row's must-meet list

LABELS = {
    "email": _l("Buyer's e-mail"),
    "company": _l("Company"),
    "limit": _l("Meeting limit"),
    "must_meet": _l("Must meet"),
}
# The columns and their headers (compared without diacritics, case or punctuation).
TEMPLATE_COLUMNS = [
    ("email", "Email người mua", "Buyer e-mail"),
    ("company", "Công ty", "Company"),
    ("limit", "Số cuộc gặp tối đa", "Meeting limit"),
    ("must_meet", "Cần gặp", "Must meet"),
]
HEADERS = {
    "email": {header_key(h) for h in ("Email người mua", "Email", "E-mail", "Buyer e-mail", "Buyer email", "Thư điện tử")},
    "company": {header_key(h) for h in ("Công ty", "Doanh nghiệp", "Đơn vị", "Company")},
    "limit": {header_key(h) for h in ("Số cuộc gặp tối đa", "Giới hạn", "Meeting limit", "Limit")},
    "must_meet": {header_key(h) for h in ("Cần gặp", "Danh sách cần gặp", "Must meet", "Must-meet list")},
}  # fmt: skip


@dataclass
class ImportReport:
    buyers: int = 0  # hosted buyers created or updated
    requests: int = 0  # must-meet pairs created
    existing: int = 0  # pairs left alone: they had a request already
    not_listed: list[str] = field(default_factory=list)  # buyers without consent to matching
    problems: list[str] = field(default_factory=list)  # "Row N: reason." or the file's problem

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Row:
    line: int
    registration: Registration
    company: str
    limit: int | None
    suppliers: list[Participant]


def _registrations(event: Event) -> dict[str, Registration]:
    return {
        r.email_key: r
        for r in db.session.scalars(
            sa.select(Registration).where(
                Registration.event_id == event.id, Registration.badge_works()
            )
        )
    }


def _suppliers_by_exhibitor(event: Event) -> dict[int, list[Participant]]:
    found: dict[int, list[Participant]] = {}
    for participant in db.session.scalars(
        sa.select(Participant)
        .join(Participant.registration)
        .where(
            Participant.event_id == event.id,
            Participant.listed.is_(True),
            Registration.exhibitor_id.is_not(None),
            Registration.badge_works(),
        )
        .order_by(Participant.id)
    ):
        found.setdefault(participant.registration.exhibitor_id, []).append(participant)
    return found


def _limit(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        return None, _("meeting limit must be a whole number from 1 to 100")
    return value, None


class _Lookups:
    def __init__(self, event: Event, session: MeetingSession | None):
        self.event = event
        self.session = session
        self.registrations = _registrations(event)
        self.participants = {
            p.registration_id: p
            for p in db.session.scalars(
                sa.select(Participant).where(Participant.event_id == event.id)
            )
        }
        self.by_exhibitor = _suppliers_by_exhibitor(event)
        self.exhibitors = {
            e.tax_code: e
            for e in db.session.scalars(sa.select(Exhibitor).where(Exhibitor.event_id == event.id))
        }

    def registration(self, text: str) -> Registration | None:
        try:
            key = normalize_email(text).casefold()
        except ValueError:
            return None
        return self.registrations.get(key)

    def supplier(self, name: str) -> tuple[Participant | None, str | None]:
        """The listed supplier a must-meet name stands for, or why there is none."""
        if "@" in name:
            registration = self.registration(name)
            participant = self.participants.get(registration.id) if registration else None
            if participant is None or not participant.listed:
                return None, _("%(name)s is not listed for business matching", name=name)
            if self._sides() and participant.side is not Side.SUPPLIER:
                return None, _("%(name)s is not a supplier", name=name)
            return participant, None
        exhibitor = self.exhibitors.get(mst.compact(name))
        if exhibitor is None:
            return None, _("no exhibitor has the tax code %(name)s", name=name)
        staff = [
            p
            for p in self.by_exhibitor.get(exhibitor.id, [])
            if not self._sides() or p.side is Side.SUPPLIER
        ]
        if not staff:
            return None, _(
                "%(name)s has no staff listed for business matching as a supplier", name=name
            )
        return staff[0], None

    def _sides(self) -> bool:
        return self.session is None or self.session.sides is Sides.BUYER_SUPPLIER


def _check(line: int, values: dict, lookups: _Lookups, seen: dict) -> _Row | list[str]:
    problems = text_problems(values, {"company": (LABELS["company"], 200)})
    email = values.get("email", "")
    registration = None
    if not email:
        problems.append(_("e-mail missing"))
    else:
        registration = lookups.registration(email)
        if registration is None:
            problems.append(_("no working registration of this exhibition has this e-mail"))
        elif registration.id in seen:
            problems.append(
                _("this e-mail appears already in row %(line)s", line=seen[registration.id])
            )
        else:
            seen[registration.id] = line
            existing = lookups.participants.get(registration.id)
            if registration.exhibitor_id is not None:
                problems.append(_("this person is an exhibitor's staff, not a buyer"))
            elif existing is not None and existing.listed and existing.side is Side.SUPPLIER:
                problems.append(_("this person takes part as a supplier"))
    limit, problem = _limit(values.get("limit", ""))
    if problem:
        problems.append(problem)
    suppliers: list[Participant] = []
    names = [n.strip() for n in values.get("must_meet", "").split(";") if n.strip()]
    if names and lookups.session is None:
        problems.append(_("choose the session of the must-meet meetings"))
        names = []
    if len(names) > MAX_MUST_MEET:
        problems.append(_("at most %(count)s names in the must-meet list", count=MAX_MUST_MEET))
        names = []
    for name in names:
        supplier, problem = lookups.supplier(name)
        if problem:
            problems.append(problem)
        elif any(s.id == supplier.id for s in suppliers):
            problems.append(_("%(name)s is named twice", name=name))
        elif registration is not None and supplier.registration_id == registration.id:
            problems.append(_("the buyer cannot meet themselves"))
        else:
            suppliers.append(supplier)
    if problems or registration is None:
        return problems
    return _Row(line, registration, values.get("company", ""), limit, suppliers)


def _has_request(session: MeetingSession, a: Participant, b: Participant) -> bool:
    low, high = sorted((a.id, b.id))
    return (
        db.session.scalar(
            sa.select(MeetingRequest.id)
            .where(
                MeetingRequest.session_id == session.id,
                MeetingRequest.pair_low == low,
                MeetingRequest.pair_high == high,
                MeetingRequest.state.in_(COUNTED),
            )
            .limit(1)
        )
        is not None
    )


def _buyer(event: Event, row: _Row, existing: Participant | None) -> Participant:
    registration = row.registration
    consent = registration.consent_for(ConsentPurpose.MATCHMAKING)
    participant = existing
    if participant is None:
        participant = Participant(event_id=event.id, registration=registration, offer="")
        db.session.add(participant)
    participant.side = Side.BUYER
    participant.hosted = True
    participant.listed = consent is not None and consent.granted
    if row.company or not participant.company:
        participant.company = (row.company or registration.organisation or registration.full_name)[
            :200
        ]
    if row.limit is not None:
        participant.meeting_limit = row.limit
    participant.search_text = search_text_of(participant)
    return participant


def import_buyers(
    *,
    event: Event,
    session: MeetingSession | None,
    data: bytes,
    filename: str,
    user: User | None,
    now: datetime | None = None,
) -> ImportReport:
    """Hosted buyers and their must-meet pairs (accepted requests in `session`, an organiser-
    scheduled session of the exhibition); all rows or none."""
    now = now or utcnow()
    report = ImportReport()
    if session is not None and (session.event_id != event.id or session.mode is not Mode.ORGANISER):
        report.problems.append(_("Choose a session the organisers schedule."))
        return report
    filled, problems = read_rows(
        data, filename, headers=HEADERS, required={"email": LABELS["email"]},
        max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_cols=len(HEADERS) + 20,
        too_many=_("At most %(count)s buyers per file; the rest was not read.", count=MAX_ROWS),
    )  # fmt: skip
    lookups = _Lookups(event, session)
    rows, seen = [], {}
    for line, values in filled:
        checked = _check(line, values, lookups, seen)
        if isinstance(checked, list):
            problems.append(row_error(line, "; ".join(checked)))
        else:
            rows.append(checked)
    if problems:
        report.problems = [message for _line, message in sorted(problems, key=lambda p: p[0])]
        return report
    if not rows:
        report.problems.append(_("The file has no buyer."))
        return report
    if session is not None:
        lock(session)  # one import or booking of the session at a time
    for row in rows:
        buyer = _buyer(event, row, lookups.participants.get(row.registration.id))
        db.session.flush()
        report.buyers += 1
        if not buyer.listed:
            report.not_listed.append(row.registration.email)
            continue
        for supplier in row.suppliers:
            if _has_request(session, buyer, supplier):
                report.existing += 1
                continue
            low, high = sorted((buyer.id, supplier.id))
            db.session.add(
                MeetingRequest(
                    session_id=session.id, requester_id=buyer.id, recipient_id=supplier.id,
                    pair_low=low, pair_high=high, state=RequestState.ACCEPTED, must_meet=True,
                    created_at=now, decided_at=now,
                    expires_at=now + timedelta(minutes=session.request_ttl_minutes),
                )
            )  # fmt: skip
            report.requests += 1
    db.session.flush()
    audit.record(
        actor=user,
        action="matchmaking.imported",
        event=event,
        target=session,
        target_type="" if session else "meeting_session",
        summary=filename[:200],
        details={
            "buyers": report.buyers,
            "requests": report.requests,
            "not_listed": len(report.not_listed),
        },
    )
    return report

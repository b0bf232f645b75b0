"""The demo's certificates of attendance: the Department's certificate, signed by its director
(the announcement's organiser); on a demo loaded to open today, people checked in this morning,
some at a session's door, some of them with their certificate issued and one name corrected."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..accounts.audit import SYSTEM
from ..checkin.models import ScanType
from ..checkin.scanning import record_scan
from ..checkin.services import create_device
from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from ..programme.models import BookingStatus, SessionBooking
from ..visitors.models import Registration, RegistrationSource
from . import certificates
from .models import CertificateTemplate

TEMPLATE = {
    **certificates.DEFAULTS,
    "signatory_name": "Bùi Quang Hải",
    "signatory_title_vi": "Giám đốc Sở Công Thương Hải Phòng",
    "signatory_title_en": "Director, Hai Phong Department of Industry and Trade",
}
CHECKED_IN = range(3, 15)  # the demo visitors (by sign-up order) who came this morning
AT_A_SESSION = 4  # of them, seated in a session and scanned at its door


def seed_certificates(*, event: Event, now: datetime | None = None) -> int:
    """The certificate's template once; when the exhibition is on today, attendance too."""
    if db.session.scalar(
        sa.select(CertificateTemplate.id).where(CertificateTemplate.event_id == event.id)
    ):
        return 0
    certificates.save_template(event=event, values=TEMPLATE)
    now = now or utcnow()
    if event.is_on(now):
        _check_in_this_morning(event, now)
    return 1


def _check_in_this_morning(event: Event, now: datetime) -> None:
    """A dozen demo visitors came in over the morning (never before midnight or after now); a few
    of them were scanned at a session's door; five took their certificate, and the organisers
    added a doctor's title to one name."""
    device, _token = create_device(event=event, name="Cổng 2")
    people = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.source == RegistrationSource.DEMO)
        .order_by(Registration.id)
    ).all()
    midnight = datetime.combine(now.astimezone(event.tz).date(), time.min, tzinfo=event.tz)
    came = [people[i] for i in CHECKED_IN if i < len(people)]
    for index, person in enumerate(came):
        at = max(now - timedelta(minutes=5 * (len(came) - index)), midnight)
        record_scan(
            device=device,
            code=person.badge_code,
            nonce=f"demo-entry-{person.id}",
            scan_type=ScanType.ENTRY,
            now=at,
        )
    seated = db.session.execute(
        sa.select(SessionBooking.session_id, SessionBooking.registration_id).where(
            SessionBooking.registration_id.in_([p.id for p in came]),
            SessionBooking.status == BookingStatus.SEATED,
        )
    ).all()
    for session_id, registration_id in seated[:AT_A_SESSION]:
        person = db.session.get(Registration, registration_id)
        record_scan(
            device=device,
            code=person.badge_code,
            nonce=f"demo-session-{session_id}-{registration_id}",
            scan_type=ScanType.ENTRY,
            now=now,
            session_id=session_id,
        )
    # Five took their certificate (the others' show "not issued yet"); one asked for their
    # academic title on it.
    people = db.session.scalars(certificates.eligible(event=event).limit(5)).all()
    issued = [certificates.issue(registration=p, now=now) for p in people]
    if issued:
        first = issued[0]
        certificates.correct_name(certificate=first, name="TS. " + first.name, actor=SYSTEM)
    db.session.flush()

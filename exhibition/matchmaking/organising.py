"""What the organisers change by hand: who may host meetings at a booth, a participant's hosted
mark, meeting limit and unavailable slots, and cancelling a meeting for both sides."""

from datetime import datetime

import sqlalchemy as sa

from ..accounts import audit
from ..accounts.models import User
from ..dbtypes import utcnow
from ..errors import NotFound
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..extensions import db
from .models import Absence, Meeting, MeetingSession, Participant
from .requests import cancel_meeting
from .sessions import sessions_of
from .slots import slots_of

# Exhibitors that may receive meetings at their booth: accepted, with a booth.
HOSTING = (ExhibitorStatus.APPROVED, ExhibitorStatus.BOOTH_ASSIGNED, ExhibitorStatus.CONFIRMED)


def possible_hosts(session: MeetingSession) -> list[Exhibitor]:
    """The exhibitors that could host at their booth and do not yet, by name."""
    hosting = {h.exhibitor_id for h in session.hosts}
    found = db.session.scalars(
        sa.select(Exhibitor)
        .where(Exhibitor.event_id == session.event_id, Exhibitor.status.in_(HOSTING))
        .order_by(Exhibitor.company_name_vi, Exhibitor.id)
    )
    return [e for e in found if e.id not in hosting and e.booths]


def get_host_candidate(*, session: MeetingSession, exhibitor_id: int) -> Exhibitor:
    """An exhibitor of the session's exhibition that may host at its booth, or not found."""
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if (
        exhibitor is None
        or exhibitor.event_id != session.event_id
        or exhibitor.status not in HOSTING
        or not exhibitor.booths
    ):
        raise NotFound()
    return exhibitor


def get_meeting(*, event: Event, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.session.event_id != event.id:
        raise NotFound()
    return meeting


def all_slots(event: Event) -> list[tuple[MeetingSession, datetime]]:
    """Every slot of the exhibition's sessions, in order."""
    return [(s, start) for s in sessions_of(event=event) for start in slots_of(s)]


def absences_of(participant: Participant) -> set[datetime]:
    return set(
        db.session.scalars(
            sa.select(Absence.starts_at).where(Absence.participant_id == participant.id)
        )
    )


def update_participant(
    *, participant: Participant, hosted: bool, meeting_limit: int, absent: set[datetime]
) -> None:
    """The organisers' settings of a participant: hosted, meeting limit, unavailable slots
    (slots of the exhibition's sessions only; the others are left as they were)."""
    participant.hosted = hosted
    participant.meeting_limit = max(1, min(100, meeting_limit))
    known = {start for _session, start in all_slots(participant.event)}
    current = {
        a.starts_at: a
        for a in db.session.scalars(
            sa.select(Absence).where(Absence.participant_id == participant.id)
        )
    }
    for start, absence in current.items():
        if start in known and start not in absent:
            db.session.delete(absence)
    for start in absent & known:
        if start not in current:
            db.session.add(Absence(participant_id=participant.id, starts_at=start))
    db.session.flush()


def cancel_for_both(*, meeting: Meeting, user: User | None, now: datetime | None = None) -> Meeting:
    """The organisers cancel a meeting: both sides are told; audited."""
    now = now or utcnow()
    cancel_meeting(meeting=meeting, participant=None, now=now)
    audit.record(
        actor=user,
        action="matchmaking.meeting_cancelled",
        event=meeting.session.event,
        target=meeting,
        summary=f"{meeting.a.company} · {meeting.b.company}",
        details={
            "a": meeting.a.company,
            "b": meeting.b.company,
            "starts_at": meeting.starts_at.isoformat(),
        },
    )
    return meeting

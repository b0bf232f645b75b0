"""When a person cannot meet, whatever their meetings: the slots they said they cannot, the
programme sessions they hold a seat in, and the slots already begun. One rule for booking by the
people themselves (requests.busy_starts) and for the organisers' scheduler (scheduling)."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..programme.models import BookingStatus, ConferenceSession, SessionBooking, overlaps
from .models import Absence, MeetingSession, Participant
from .slots import slot_end, slots_of


def unavailable(
    session: MeetingSession, people: list[Participant], *, now: datetime
) -> dict[int, set[datetime]]:
    """Per participant id, the starts of the session's slots they cannot meet in."""
    starts = slots_of(session)
    begun = {s for s in starts if s <= now}
    busy: dict[int, set[datetime]] = {p.id: set(begun) for p in people}
    ids = list(busy)
    wanted = set(starts)
    for participant_id, start in db.session.execute(
        sa.select(Absence.participant_id, Absence.starts_at).where(Absence.participant_id.in_(ids))
    ):
        if start in wanted:
            busy[participant_id].add(start)
    by_registration = defaultdict(list)
    for person in people:
        by_registration[person.registration_id].append(person.id)
    seated = db.session.execute(
        sa.select(
            SessionBooking.registration_id, ConferenceSession.starts_at, ConferenceSession.ends_at
        )
        .join(ConferenceSession, ConferenceSession.id == SessionBooking.session_id)
        .where(
            SessionBooking.registration_id.in_(list(by_registration)),
            SessionBooking.status == BookingStatus.SEATED,
            ConferenceSession.starts_at.is_not(None),
        )
    )
    for registration_id, begins, ends in seated:
        taken = {s for s in starts if overlaps(s, slot_end(session, s), begins, ends)}
        for participant_id in by_registration[registration_id]:
            busy[participant_id] |= taken
    return busy


def slots_ahead(session: MeetingSession, now: datetime) -> list[datetime]:
    """The session's slots that have not begun."""
    return [s for s in slots_of(session) if s > now]

"""What the organisers see of business matching: each session's figures, the participants with
their meetings, meetings held and no-shows, and the lists of requests and meetings."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..events.models import Event
from ..extensions import db
from . import attendance
from .models import (
    Meeting,
    MeetingRequest,
    MeetingSession,
    MeetingState,
    RequestState,
    Side,
)
from .participants import directory
from .slots import slots_of


@dataclass(frozen=True)
class SessionFigures:
    slots: int
    tables: int
    hosts: int
    participants: int  # people with a request or a meeting in the session
    requests: dict  # RequestState -> count
    meetings: int  # scheduled


@dataclass(frozen=True)
class PersonFigures:
    meetings: int = 0  # scheduled
    held: int = 0  # both badges scanned at the place
    no_shows: int = 0


def session_figures(session: MeetingSession) -> SessionFigures:
    by_state = dict(
        db.session.execute(
            sa.select(MeetingRequest.state, sa.func.count(MeetingRequest.id))
            .where(MeetingRequest.session_id == session.id)
            .group_by(MeetingRequest.state)
        ).all()
    )
    people = sa.union(
        sa.select(MeetingRequest.requester_id).where(MeetingRequest.session_id == session.id),
        sa.select(MeetingRequest.recipient_id).where(MeetingRequest.session_id == session.id),
    ).subquery()
    meetings = db.session.scalar(
        sa.select(sa.func.count(Meeting.id)).where(
            Meeting.session_id == session.id,
            Meeting.state == MeetingState.SCHEDULED,
            Meeting.published.is_(True),
        )
    )
    return SessionFigures(
        slots=len(slots_of(session)),
        tables=session.table_count,
        hosts=len(session.hosts),
        participants=db.session.scalar(sa.select(sa.func.count()).select_from(people)),
        requests={state: by_state.get(state, 0) for state in RequestState},
        meetings=meetings,
    )


def person_figures(ids: list[int], *, now: datetime | None = None) -> dict[int, PersonFigures]:
    """Per participant: scheduled meetings (all sessions), meetings held, and no-shows."""
    now = now or utcnow()
    if not ids:
        return {}
    totals: dict[int, list[int]] = {i: [0, 0, 0] for i in ids}
    both = attendance.held_clause()
    for person, scanned in (
        (Meeting.a_id, Meeting.a_scanned_at),
        (Meeting.b_id, Meeting.b_scanned_at),
    ):
        rows = db.session.execute(
            sa.select(
                person,
                sa.func.count(Meeting.id),
                sa.func.sum(sa.case((both, 1), else_=0)),
                sa.func.sum(sa.case((attendance.missed(scanned, now), 1), else_=0)),
            )
            .where(
                person.in_(ids),
                Meeting.state == MeetingState.SCHEDULED,
                Meeting.published.is_(True),
            )
            .group_by(person)
        )
        for pid, meetings, held, missed in rows:
            total = totals[pid]
            total[0] += meetings
            total[1] += held or 0
            total[2] += missed or 0
    return {pid: PersonFigures(*values) for pid, values in totals.items()}


def participants_query(
    *, event: Event, query: str = "", side: Side | None = None, sector_code: str = ""
) -> sa.Select:
    """Every participant of the exhibition (listed or not), by company then name."""
    return directory(
        event=event, query=query, side=side, sector_code=sector_code, listed_only=False
    )


def requests_query(*, session: MeetingSession, state: RequestState | None) -> sa.Select:
    stmt = (
        sa.select(MeetingRequest)
        .where(MeetingRequest.session_id == session.id)
        .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
    )
    if state is not None:
        stmt = stmt.where(MeetingRequest.state == state)
    return stmt


def meetings_query(*, session: MeetingSession, state: MeetingState | None) -> sa.Select:
    stmt = (
        sa.select(Meeting)
        .where(Meeting.session_id == session.id)
        .order_by(Meeting.starts_at, Meeting.table_number, Meeting.id)
    )
    if state is not None:
        stmt = stmt.where(Meeting.state == state)
    return stmt

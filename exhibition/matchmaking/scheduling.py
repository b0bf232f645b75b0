"""The organisers' schedule of a session: the accepted pairs placed by the scheduler as draft
meetings (the preview), then published, when each person whose meetings changed is e-mailed
their agenda, once.

Published meetings stay where they are: a new run places the pairs not yet placed around them,
within what is left of each person's limit and of the tables and booth seats. Only a published
meeting that no longer fits (one of the two is now away or seated in a programme session then,
or its place is gone) is placed again: at the next publication it moves, keeping its calendar
UID and with its SEQUENCE bumped, or is cancelled when it fits nowhere. The run keeps what it
decided in `MeetingSession.last_run`: its counts, method, the pairs it left out with why (the
preview shows them without solving again), and the moves and cancellations to publish.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts import audit
from ..accounts.models import User
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from . import notifications
from .availability import unavailable
from .models import (
    Hold,
    Meeting,
    MeetingRequest,
    MeetingSession,
    MeetingState,
    Mode,
    Participant,
    PlaceKind,
    PlaceUse,
    RequestState,
)
from .requests import book, booth_of_pair, place_key
from .scheduler import TABLES, Pair, Person, Placement, Pool, Problem, Reason, Solution, schedule
from .sessions import lock
from .slots import slot_end, slots_of

TIME_LIMIT = 20.0  # seconds the solver may take in one run (then first fit or its best so far)


class NotOrganiserScheduled(DomainError):
    code = "not_organiser_scheduled"
    status = 409
    message = _l(
        "In this session participants book their own meetings: there is nothing to schedule."
    )


class NothingToPublish(DomainError):
    code = "nothing_to_publish"
    status = 409
    message = _l("Compute the schedule first; then publish it.")


class StaleSchedule(DomainError):
    code = "schedule_out_of_date"
    status = 409
    message = _l(
        "Meetings changed since the schedule was computed: compute it again, then publish."
    )


@dataclass
class Built:
    """A session's scheduling problem and what it was built from."""

    problem: Problem
    starts: list[datetime]
    requests: dict[int, MeetingRequest]  # the pairs to place, by request id
    # Request id -> its published meeting being placed again (it no longer fits, or an earlier
    # publication cancelled it for want of a slot).
    current: dict[int, Meeting] = field(default_factory=dict)
    kept: list[Meeting] = field(default_factory=list)  # published meetings that stay


def pool_of(session: MeetingSession, a: Participant, b: Participant) -> str:
    """The scheduler's pool of a pair: its booth host's seats, else the tables (the same rule
    as self-booking: requests.booth_of_pair)."""
    host = booth_of_pair(session, a, b)
    return TABLES if host is None else _booth_pool(host.exhibitor_id)


def _booth_pool(exhibitor_id: int) -> str:
    """The scheduler's pool of an exhibitor's booth seats."""
    return f"booth:{exhibitor_id}"


def _place(placement: Placement) -> tuple:
    """The (kind, exhibitor id, number) of a scheduler's placement."""
    if placement.pool == TABLES:
        return (PlaceKind.TABLE, None, placement.place)
    return (PlaceKind.BOOTH, int(placement.pool.split(":")[1]), placement.place)


def _allowed_keys(session: MeetingSession, a: Participant, b: Participant) -> set[str]:
    host = booth_of_pair(session, a, b)
    if host is None:
        return {place_key(PlaceKind.TABLE, None, n) for n in range(1, session.table_count + 1)}
    count = len(host.representatives)
    return {place_key(PlaceKind.BOOTH, host.exhibitor_id, n) for n in range(1, count + 1)}


def _busy(session: MeetingSession, people: list[Participant], starts: list[datetime], now):
    """Slot indices each person cannot meet in, whatever their meetings (availability's rule)."""
    index = {s: i for i, s in enumerate(starts)}
    return {
        pid: {index[s] for s in taken if s in index}
        for pid, taken in unavailable(session, people, now=now).items()
    }


def problem_of(session: MeetingSession, *, now: datetime | None = None) -> Built:
    """The session's scheduling problem: its accepted pairs not placed by a published meeting
    (draft meetings of an earlier run count for nothing), the people in them with what is left
    of their limits and the slots they are busy in, and the free tables and booth seats."""
    now = now or utcnow()
    starts = slots_of(session)
    index = {s: i for i, s in enumerate(starts)}
    accepted = list(
        db.session.scalars(
            sa.select(MeetingRequest)
            .where(
                MeetingRequest.session_id == session.id,
                MeetingRequest.state == RequestState.ACCEPTED,
            )
            .order_by(MeetingRequest.id)
        )
    )
    published = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.session_id == session.id, Meeting.published.is_(True))
            .order_by(Meeting.id)
        )
    )
    by_request = {m.request_id: m for m in published}
    people_by_id: dict[int, Participant] = {}
    for request in accepted:
        people_by_id[request.requester_id] = request.requester
        people_by_id[request.recipient_id] = request.recipient
    for meeting in published:
        people_by_id[meeting.a_id] = meeting.a
        people_by_id[meeting.b_id] = meeting.b
    people = sorted(people_by_id.values(), key=lambda p: p.id)
    away = _busy(session, people, starts, now)

    built = Built(problem=None, starts=starts, requests={})  # type: ignore[arg-type]
    uses = _place_uses([m.id for m in published if m.state is MeetingState.SCHEDULED])
    for meeting in published:
        if meeting.state is not MeetingState.SCHEDULED:
            continue
        slot = index.get(meeting.starts_at)
        fits = meeting.starts_at <= now or (
            slot is not None
            and slot not in away[meeting.a_id]
            and slot not in away[meeting.b_id]
            and uses.get(meeting.id) in _allowed_keys(session, meeting.a, meeting.b)
        )
        if fits or meeting.request.state is not RequestState.ACCEPTED:
            built.kept.append(meeting)
        else:
            built.current[meeting.request_id] = meeting
    for request in accepted:
        meeting = by_request.get(request.id)
        if meeting is None and not (request.requester.listed and request.recipient.listed):
            continue  # one of them left business matching: not placed anew
        if meeting is None or request.id in built.current:
            built.requests[request.id] = request
        elif meeting.state is MeetingState.CANCELLED:  # cancelled by a publication: try again
            built.requests[request.id] = request
            built.current[request.id] = meeting

    busy = {p.id: set(away[p.id]) for p in people}
    used = {p.id: 0 for p in people}
    taken: dict[int, set[str]] = defaultdict(set)
    # A published meeting being placed again keeps its slot and place until the publication
    # moves it (its holds stay in the database till then): this run leaves them alone.
    staying = [m for m in built.current.values() if m.state is MeetingState.SCHEDULED]
    kept_ids = {m.id for m in built.kept}
    for meeting in [*built.kept, *staying]:
        for person in (meeting.a_id, meeting.b_id):
            if meeting.id in kept_ids:
                used[person] += 1
            if meeting.starts_at in index:
                busy[person].add(index[meeting.starts_at])
        if meeting.starts_at in index and meeting.id in uses:
            taken[index[meeting.starts_at]].add(uses[meeting.id])

    pools = [
        Pool(
            TABLES,
            {
                i: tuple(
                    n
                    for n in range(1, session.table_count + 1)
                    if place_key(PlaceKind.TABLE, None, n) not in taken[i]
                )
                for i in range(len(starts))
            },
        )
    ]
    for host in session.hosts:
        if not host.representatives:
            continue
        seats = range(1, len(host.representatives) + 1)
        key = _booth_pool(host.exhibitor_id)
        pools.append(
            Pool(
                key,
                {
                    i: tuple(n for n in seats if f"{key}:{n}" not in taken[i])
                    for i in range(len(starts))
                },
            )
        )
    pairs = tuple(
        Pair(
            id=r.id,
            a=r.requester_id,
            b=r.recipient_id,
            must_meet=r.must_meet,
            pools=(pool_of(session, r.requester, r.recipient),),
        )
        for r in built.requests.values()
    )
    in_pairs = {p.a for p in pairs} | {p.b for p in pairs}
    built.problem = Problem(
        slots=len(starts),
        people=tuple(
            Person(
                id=p.id,
                limit=max(0, p.meeting_limit - used[p.id]),
                busy=frozenset(busy[p.id]),
            )
            for p in people
            if p.id in in_pairs
        ),
        pools=tuple(pools),
        pairs=pairs,
    )
    return built


def _place_uses(meeting_ids: list[int]) -> dict[int, str]:
    if not meeting_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(PlaceUse.meeting_id, PlaceUse.place).where(
                PlaceUse.meeting_id.in_(meeting_ids)
            )
        ).all()
    )


def _drafts(session: MeetingSession) -> sa.Select:
    return sa.select(Meeting.id).where(
        Meeting.session_id == session.id, Meeting.published.is_(False)
    )


def _drop_drafts(session: MeetingSession) -> None:
    """The draft meetings of an earlier run, with their holds and places, are gone."""
    drafts = _drafts(session).scalar_subquery()
    for model in (Hold, PlaceUse):
        db.session.execute(
            sa.delete(model)
            .where(model.meeting_id.in_(drafts))
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.delete(Meeting)
        .where(Meeting.session_id == session.id, Meeting.published.is_(False))
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def run(
    *,
    session: MeetingSession,
    user: User | None,
    now: datetime | None = None,
    time_limit: float = TIME_LIMIT,
) -> Solution:
    """Compute the schedule: earlier drafts are replaced by draft meetings of the pairs placed
    now (shown to nobody until published); the published meetings it would move or cancel, and
    the pairs left out with why, are kept for the preview and the publication."""
    if session.mode is not Mode.ORGANISER:
        raise NotOrganiserScheduled()
    now = now or utcnow()
    lock(session)
    _drop_drafts(session)
    built = problem_of(session, now=now)
    solution = schedule(built.problem, time_limit=time_limit)
    moves = []
    for placement in sorted(solution.placements, key=lambda p: p.pair_id):
        request = built.requests[placement.pair_id]
        start = built.starts[placement.slot]
        kind, exhibitor_id, number = _place(placement)
        current = built.current.get(request.id)
        if current is None:
            book(
                session=session,
                request=request,
                start=start,
                published=False,
                place=(kind, exhibitor_id, number),
            )
            continue
        moves.append(
            {
                "meeting_id": current.id,
                "start": start.isoformat(),
                "kind": kind.value,
                "exhibitor_id": exhibitor_id,
                "number": number,
            }
        )
    cancels = sorted(
        built.current[rid].id
        for rid in solution.unplaced
        if rid in built.current and built.current[rid].state is MeetingState.SCHEDULED
    )
    must = sum(1 for p in built.problem.pairs if p.must_meet)
    session.last_run = {
        "at": now.isoformat(),
        "method": solution.method,
        "optimal": solution.optimal,
        "pairs": len(built.problem.pairs),
        "must": must,
        "placed": len(solution.placements),
        "must_placed": solution.score[0],
        "unplaced": [
            {"request_id": rid, "reason": reason.value}
            for rid, reason in sorted(solution.unplaced.items())
        ],
        "moves": moves,
        "cancels": cancels,
        "published_at": None,
    }
    db.session.flush()
    audit.record(
        actor=user,
        action="matchmaking.scheduled",
        event=session.event,
        target=session,
        summary=session.name_vi,
        details={
            "name": session.name_vi,
            "pairs": len(built.problem.pairs),
            "placed": len(solution.placements),
            "must_placed": solution.score[0],
            "must": must,
            "unplaced": len(solution.unplaced),
            "moves": len(moves),
            "cancels": len(cancels),
            "method": solution.method,
            "optimal": solution.optimal,
        },
    )
    return solution


def unplaced_counts(session: MeetingSession) -> dict[Reason, int]:
    """How many pairs the last run left out, by reason."""
    counts = {reason: 0 for reason in Reason}
    for item in (session.last_run or {}).get("unplaced", []):
        counts[Reason(item["reason"])] += 1
    return counts


def _changed(session: MeetingSession) -> set[int]:
    """People with a published meeting of the session changed since they were last told."""
    rows = db.session.execute(
        sa.select(Meeting.a_id, Meeting.b_id).where(
            Meeting.session_id == session.id,
            Meeting.published.is_(True),
            Meeting.state == MeetingState.SCHEDULED,
            Meeting.sequence > Meeting.notified_sequence,
        )
    )
    return {person for row in rows for person in row}


def people_to_tell(session: MeetingSession) -> set[int]:
    """Who publishing now would e-mail: the people of new, moved or cancelled meetings (and of
    published meetings changed since they were told)."""
    people = _changed(session)
    rows = db.session.execute(
        sa.select(Meeting.a_id, Meeting.b_id).where(Meeting.id.in_(_drafts(session)))
    )
    people |= {person for row in rows for person in row}
    plan = session.last_run or {}
    ids = [m["meeting_id"] for m in plan.get("moves", [])] + list(plan.get("cancels", []))
    if ids:
        rows = db.session.execute(sa.select(Meeting.a_id, Meeting.b_id).where(Meeting.id.in_(ids)))
        people |= {person for row in rows for person in row}
    return people


def _free(meeting: Meeting) -> None:
    db.session.execute(sa.delete(Hold).where(Hold.meeting_id == meeting.id))
    db.session.execute(sa.delete(PlaceUse).where(PlaceUse.meeting_id == meeting.id))


def publish(
    *, session: MeetingSession, user: User | None, now: datetime | None = None
) -> list[Participant]:
    """Publish the last run: its drafts become meetings people see, the published meetings it
    moves move and those it cancels are cancelled (each with its SEQUENCE bumped); then each
    person with a meeting changed since they were last told gets one e-mail with their agenda.
    Returns the people told."""
    if session.mode is not Mode.ORGANISER:
        raise NotOrganiserScheduled()
    now = now or utcnow()
    lock(session)
    plan = session.last_run
    if not plan:
        raise NothingToPublish()
    db.session.execute(
        sa.update(Meeting)
        .where(Meeting.session_id == session.id, Meeting.published.is_(False))
        .values(published=True)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    moving = []
    for move in plan.get("moves", []):
        meeting = db.session.get(Meeting, move["meeting_id"])
        if meeting is None or meeting.session_id != session.id:
            continue
        if meeting.request.state is not RequestState.ACCEPTED:
            continue  # cancelled by a participant since the run
        _free(meeting)
        moving.append((meeting, move))
    cancelled = []
    for meeting_id in plan.get("cancels", []):
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.state is not MeetingState.SCHEDULED:
            continue
        _free(meeting)
        meeting.state = MeetingState.CANCELLED
        meeting.cancelled_at = now
        meeting.cancelled_by_id = None
        meeting.cancelled_late = False
        meeting.representative_id = None
        meeting.sequence += 1
        cancelled.append(meeting)
    try:
        db.session.flush()
        for meeting, move in moving:
            kind = PlaceKind(move["kind"])
            start = datetime.fromisoformat(move["start"])
            meeting.state = MeetingState.SCHEDULED
            meeting.cancelled_at = None
            meeting.starts_at, meeting.ends_at = start, slot_end(session, start)
            meeting.place_kind = kind
            meeting.table_number = move["number"] if kind is PlaceKind.TABLE else None
            meeting.exhibitor_id = move["exhibitor_id"]
            meeting.representative_id = None
            meeting.reminded_evening_at = meeting.reminded_soon_at = None  # for the new time
            meeting.sequence += 1
            db.session.add_all(
                [
                    Hold(participant_id=meeting.a_id, starts_at=start, meeting_id=meeting.id),
                    Hold(participant_id=meeting.b_id, starts_at=start, meeting_id=meeting.id),
                    PlaceUse(
                        session_id=session.id,
                        starts_at=start,
                        place=place_key(kind, move["exhibitor_id"], move["number"]),
                        meeting_id=meeting.id,
                    ),
                ]
            )
        db.session.flush()
    except sa.exc.IntegrityError as error:
        raise StaleSchedule() from error

    told_ids = _changed(session) | {p for m in cancelled for p in (m.a_id, m.b_id)}
    people = [db.session.get(Participant, pid) for pid in sorted(told_ids)]
    # Only those who can be written to are counted as told (notifications skips the others).
    told = [p for p in people if notifications.reachable(p)]
    for person in told:
        notifications.agenda(
            person,
            session=session,
            meetings=agenda_of(session, person),
            cancelled=[m for m in cancelled if person.id in (m.a_id, m.b_id)],
        )
    db.session.execute(
        sa.update(Meeting)
        .where(Meeting.session_id == session.id, Meeting.published.is_(True))
        .values(notified_sequence=Meeting.sequence)
        .execution_options(synchronize_session=False)
    )
    session.published_at = now
    session.last_run = {**plan, "moves": [], "cancels": [], "published_at": now.isoformat()}
    db.session.flush()
    audit.record(
        actor=user,
        action="matchmaking.published",
        event=session.event,
        target=session,
        summary=session.name_vi,
        details={
            "name": session.name_vi,
            "told": len(told),
            "moved": len(moving),
            "cancelled": len(cancelled),
        },
    )
    return told


def agenda_of(session: MeetingSession, participant: Participant) -> list[Meeting]:
    """The person's published, scheduled meetings of the session, by time."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.session_id == session.id,
                Meeting.published.is_(True),
                Meeting.state == MeetingState.SCHEDULED,
                sa.or_(Meeting.a_id == participant.id, Meeting.b_id == participant.id),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


@dataclass(frozen=True)
class Cell:
    meeting: Meeting
    status: str  # "new" (a draft), "moved" (moves at publication) or "kept" (published)


@dataclass
class Preview:
    """The schedule as publishing would make it: a grid of slots by places."""

    starts: list[datetime]
    columns: list[tuple[str, str | None, int]]  # (place key, booth's company or None, number)
    cells: dict[tuple[int, str], Cell]  # (slot index, place key) -> its meeting
    cancels: list[Meeting]
    unplaced: list[tuple[MeetingRequest, Reason]]


def preview(session: MeetingSession) -> Preview:
    """Drafts, published meetings that stay and those that move (at their new place), the
    published meetings to cancel, and the pairs left out with why."""
    starts = slots_of(session)
    index = {s: i for i, s in enumerate(starts)}
    plan = session.last_run or {}
    moves = {m["meeting_id"]: m for m in plan.get("moves", [])}
    cancel_ids = set(plan.get("cancels", []))
    meetings = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.session_id == session.id, Meeting.state == MeetingState.SCHEDULED)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    moved_back = [
        m
        for m in db.session.scalars(sa.select(Meeting).where(Meeting.id.in_(list(moves))))
        if m.state is MeetingState.CANCELLED
    ]
    uses = _place_uses([m.id for m in meetings])
    cells: dict[tuple[int, str], Cell] = {}
    for meeting in [*meetings, *moved_back]:
        if meeting.id in cancel_ids:
            continue
        if meeting.id in moves:
            move = moves[meeting.id]
            start = datetime.fromisoformat(move["start"])
            key = place_key(PlaceKind(move["kind"]), move["exhibitor_id"], move["number"])
            status = "moved"
        else:
            start, key = meeting.starts_at, uses.get(meeting.id)
            status = "kept" if meeting.published else "new"
        if start in index and key:
            cells[(index[start], key)] = Cell(meeting, status)
    columns = [
        (place_key(PlaceKind.TABLE, None, n), None, n) for n in range(1, session.table_count + 1)
    ]
    for host in session.hosts:
        name = host.exhibitor.tr("company_name") if host.exhibitor else ""
        for n in range(1, len(host.representatives) + 1):
            columns.append((place_key(PlaceKind.BOOTH, host.exhibitor_id, n), name, n))
    used = {key for _, key in cells}
    columns = [c for c in columns if c[0] in used]
    cancels = list(db.session.scalars(sa.select(Meeting).where(Meeting.id.in_(list(cancel_ids)))))
    unplaced = []
    items = plan.get("unplaced", [])
    requests = {
        r.id: r
        for r in db.session.scalars(
            sa.select(MeetingRequest).where(MeetingRequest.id.in_([i["request_id"] for i in items]))
        )
    }
    for item in items:
        if item["request_id"] in requests:
            unplaced.append((requests[item["request_id"]], Reason(item["reason"])))
    return Preview(starts, columns, cells, cancels, unplaced)

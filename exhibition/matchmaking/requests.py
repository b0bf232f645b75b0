"""Meeting requests and the meetings they become: asking, answering, booking a slot and a place,
cancelling, and the expiry of unanswered requests.

Every booking of a session happens under a row lock of the session (sessions.lock), and the
database refuses a second meeting of one person in one slot (meeting_holds) or a second use of
one place in one slot (meeting_places): twenty people accepting for the last free table at once
book it once, and one person accepting two requests for the same slot at once books one.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..extensions import db
from ..text import fold
from . import notifications
from .availability import slots_ahead, unavailable
from .models import (
    COUNTED,
    MESSAGE_LENGTH,
    Block,
    BoothHost,
    Hold,
    Meeting,
    MeetingRequest,
    MeetingSession,
    MeetingState,
    Mode,
    Participant,
    PlaceKind,
    PlaceUse,
    Proposal,
    RequestState,
    Side,
    Sides,
)
from .sessions import host_of, lock
from .slots import slot_end

LATE = timedelta(hours=2)  # a cancellation closer than this to the start counts as late
MAX_PROPOSALS = 3


class RequestRefused(DomainError):
    status = 409


class SelfRequest(RequestRefused):
    code = "self_request"
    message = _l("You cannot ask yourself for a meeting.")


class SameCompany(RequestRefused):
    code = "same_company"
    message = _l("You cannot ask someone from your own company for a meeting.")


class SameSide(RequestRefused):
    code = "same_side"
    message = _l("In this session buyers meet suppliers: choose someone from the other side.")


class NotAvailable(RequestRefused):
    code = "not_available"
    message = _l("This person does not take meeting requests from you.")


class OutsideWindow(RequestRefused):
    code = "booking_closed"
    message = _l("Meetings in this session cannot be requested or booked now.")


class QuotaReached(RequestRefused):
    code = "quota_reached"
    message = _l(
        "You have as many requests and meetings as your limit allows; a cancelled or lapsed one gives its place back."
    )


class LimitReached(RequestRefused):
    code = "limit_reached"
    message = _l("One of you already has as many meetings as their limit allows.")


class MessageTooLong(DomainError):
    code = "message_too_long"
    status = 422
    message = _l("The message may have at most 500 characters.")


class BadSlots(DomainError):
    code = "invalid_slots"
    status = 422
    message = _l("Propose one to three of the session's slots that are still ahead.")


class SlotTaken(RequestRefused):
    code = "slot_taken"
    message = _l("This slot is no longer free for both of you or has no free place.")

    def __init__(self, alternatives: list[datetime] | None = None, message=None):
        super().__init__(message)
        self.alternatives = alternatives or []


class NotPending(RequestRefused):
    code = "not_pending"
    message = _l("This request has already been answered, withdrawn or has lapsed.")


class TooLate(RequestRefused):
    code = "meeting_started"
    message = _l("This meeting has already started and can no longer be cancelled.")


@dataclass(frozen=True)
class Asked:
    request: MeetingRequest
    created: bool  # False: the pair's pending request already existed and is returned


def _company_key(participant: Participant) -> tuple:
    if participant.exhibitor_id is not None:
        return ("exhibitor", participant.exhibitor_id)
    return ("name", fold(participant.company).strip())


def pending_for_pair(session: MeetingSession, a: Participant, b: Participant):
    low, high = sorted((a.id, b.id))
    return db.session.scalar(
        sa.select(MeetingRequest).where(
            MeetingRequest.session_id == session.id,
            MeetingRequest.pair_low == low,
            MeetingRequest.pair_high == high,
            MeetingRequest.state == RequestState.PENDING,
        )
    )


def quota_used(session: MeetingSession, participant: Participant) -> int:
    """Requests the participant made in the session that are pending or accepted."""
    return db.session.scalar(
        sa.select(sa.func.count(MeetingRequest.id)).where(
            MeetingRequest.session_id == session.id,
            MeetingRequest.requester_id == participant.id,
            MeetingRequest.state.in_(COUNTED),
        )
    )


def meetings_count(session: MeetingSession, participant: Participant) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Meeting.id)).where(
            Meeting.session_id == session.id,
            Meeting.state == MeetingState.SCHEDULED,
            sa.or_(Meeting.a_id == participant.id, Meeting.b_id == participant.id),
        )
    )


def busy_starts(
    session: MeetingSession, participant: Participant, *, now: datetime, ignore=None
) -> set:
    """The slots the participant cannot be offered: their meetings, the slots proposed by their
    requests still pending, and when they cannot meet at all (availability.unavailable: absences,
    programme seats, slots begun). `ignore`: a pending request whose own proposals do not
    count."""
    held = db.session.scalars(
        sa.select(Hold.starts_at)
        .join(Meeting, Meeting.id == Hold.meeting_id)
        .where(Hold.participant_id == participant.id, Meeting.session_id == session.id)
    )
    absent = unavailable(session, [participant], now=now)[participant.id]
    proposed = db.session.scalars(
        sa.select(Proposal.starts_at)
        .join(MeetingRequest)
        .where(
            MeetingRequest.session_id == session.id,
            MeetingRequest.state == RequestState.PENDING,
            MeetingRequest.expires_at > now,
            MeetingRequest.id != (ignore.id if ignore is not None else -1),
            sa.or_(
                MeetingRequest.requester_id == participant.id,
                MeetingRequest.recipient_id == participant.id,
            ),
        )
    )
    return {*held, *absent, *proposed}


def _refuse_pair(session: MeetingSession, requester: Participant, recipient: Participant) -> None:
    if requester.id == recipient.id:
        raise SelfRequest()
    if _company_key(requester) == _company_key(recipient):
        raise SameCompany()
    if session.sides is Sides.BUYER_SUPPLIER and requester.side is recipient.side:
        raise SameSide()
    blocked = db.session.scalar(
        sa.select(Block.id).where(
            Block.participant_id == recipient.id, Block.blocked_id == requester.id
        )
    )
    declined = db.session.scalar(
        sa.select(MeetingRequest.id).where(
            MeetingRequest.session_id == session.id,
            MeetingRequest.requester_id == requester.id,
            MeetingRequest.recipient_id == recipient.id,
            MeetingRequest.state == RequestState.DECLINED,
        )
    )
    if blocked is not None or declined is not None or not recipient.listed:
        raise NotAvailable()


def booking_open(session: MeetingSession, now: datetime) -> bool:
    return session.booking_opens_at <= now < session.booking_closes_at


def request_meeting(
    *,
    session: MeetingSession,
    requester: Participant,
    recipient: Participant,
    message: str = "",
    starts: list[datetime] | None = None,
    must_meet: bool = False,
    now: datetime | None = None,
) -> Asked:
    """Ask `recipient` for a meeting in `session`; in self-scheduled sessions with one to three
    proposed slots, which stay held for both until the request is answered or lapses. A second
    request for a pair with one pending returns that one."""
    now = now or utcnow()
    message = (message or "").strip()
    if len(message) > MESSAGE_LENGTH:
        raise MessageTooLong()
    _refuse_pair(session, requester, recipient)
    if not booking_open(session, now):
        raise OutsideWindow()
    lock(session)
    existing = pending_for_pair(session, requester, recipient)
    if existing is not None and existing.expires_at > now:
        return Asked(existing, False)
    if existing is not None:
        _expire(existing, now)
    if quota_used(session, requester) >= requester.meeting_limit:
        raise QuotaReached()
    wanted = sorted(set(starts or []))
    if session.mode is Mode.SELF:
        ahead = set(slots_ahead(session, now))
        if not 1 <= len(wanted) <= MAX_PROPOSALS or not set(wanted) <= ahead:
            raise BadSlots()
        busy = busy_starts(session, requester, now=now) | busy_starts(session, recipient, now=now)
        if any(s in busy for s in wanted):
            raise SlotTaken(free_common_slots(session, requester, recipient, now=now)[:3])
    else:
        wanted = []
    low, high = sorted((requester.id, recipient.id))
    request = MeetingRequest(
        session_id=session.id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        pair_low=low,
        pair_high=high,
        message=message,
        must_meet=must_meet,
        created_at=now,
        expires_at=now + timedelta(minutes=session.request_ttl_minutes),
        proposals=[Proposal(starts_at=s) for s in wanted],
    )
    db.session.add(request)
    db.session.flush()
    notifications.request_received(request)
    return Asked(request, True)


def get_request(*, participant: Participant, request_id: int) -> MeetingRequest:
    """A request the participant made or received; anything else is not found."""
    request = db.session.get(MeetingRequest, request_id)
    if request is None or participant.id not in (request.requester_id, request.recipient_id):
        raise NotFound()
    return request


def booth_of_pair(session: MeetingSession, a: Participant, b: Participant) -> BoothHost | None:
    """The one rule of where a pair meets, for booking and for the organisers' scheduler alike:
    at the booth of the supplier's exhibitor (either one's, when anyone meets anyone) when it
    hosts in this session with representatives; else (None) at the numbered tables."""
    for person in (a, b):
        if person.side is Side.SUPPLIER or session.sides is Sides.ANY:
            host = host_of(session, person.exhibitor_id)
            if host is not None and host.representatives:
                return host
    return None


def _places(session: MeetingSession, a: Participant, b: Participant) -> list[tuple]:
    """Where the pair may meet, in order of preference: the booth of an exhibitor that hosts
    in this session (a seat per representative), else the numbered tables."""
    host = booth_of_pair(session, a, b)
    if host is not None:
        return [
            (PlaceKind.BOOTH, host.exhibitor_id, seat)
            for seat in range(1, len(host.representatives) + 1)
        ]
    return [(PlaceKind.TABLE, None, n) for n in range(1, session.table_count + 1)]


def place_key(kind: PlaceKind, exhibitor_id: int | None, number: int) -> str:
    return f"table:{number}" if kind is PlaceKind.TABLE else f"booth:{exhibitor_id}:{number}"


def _free_place(session: MeetingSession, a: Participant, b: Participant, start: datetime):
    used = set(
        db.session.scalars(
            sa.select(PlaceUse.place).where(
                PlaceUse.session_id == session.id, PlaceUse.starts_at == start
            )
        )
    )
    for place in _places(session, a, b):
        if place_key(*place) not in used:
            return place
    return None


def free_common_slots(
    session: MeetingSession, a: Participant, b: Participant, *, now: datetime, ignore=None
) -> list[datetime]:
    """The slots still ahead in which both are free and a place is free, earliest first.
    `ignore`: a pending request whose own proposals do not count as busy."""
    busy = busy_starts(session, a, now=now, ignore=ignore) | busy_starts(
        session, b, now=now, ignore=ignore
    )
    return [
        s
        for s in slots_ahead(session, now)
        if s not in busy and _free_place(session, a, b, s) is not None
    ]


def book(
    *,
    session: MeetingSession,
    request: MeetingRequest,
    start: datetime,
    published: bool = True,
    place: tuple | None = None,
) -> Meeting:
    """The meeting of an accepted request at `start`, with its holds and place; the caller
    holds the session's lock and has checked both are free. `place`: given by the scheduler,
    else the first free one."""
    a, b = request.requester, request.recipient
    place = place or _free_place(session, a, b, start)
    if place is None:
        raise SlotTaken()
    kind, exhibitor_id, number = place
    meeting = Meeting(
        session_id=session.id,
        request_id=request.id,
        a_id=a.id,
        b_id=b.id,
        starts_at=start,
        ends_at=slot_end(session, start),
        place_kind=kind,
        table_number=number if kind is PlaceKind.TABLE else None,
        exhibitor_id=exhibitor_id,
        published=published,
        uid=f"{secrets.token_hex(12)}@meeting",
    )
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all(
        [
            Hold(participant_id=a.id, starts_at=start, meeting_id=meeting.id),
            Hold(participant_id=b.id, starts_at=start, meeting_id=meeting.id),
            PlaceUse(
                session_id=session.id,
                starts_at=start,
                place=place_key(kind, exhibitor_id, number),
                meeting_id=meeting.id,
            ),
        ]
    )
    db.session.flush()
    return meeting


def accept(
    *,
    request: MeetingRequest,
    participant: Participant,
    start: datetime | None = None,
    now: datetime | None = None,
) -> MeetingRequest:
    """The recipient accepts. Self-scheduled: the meeting is booked at once in `start` (one of
    the proposed slots) with a free place, or refused with the next three common free slots.
    Organiser-scheduled: the pair waits for the organisers' schedule."""
    now = now or utcnow()
    session = request.session
    if participant.id != request.recipient_id:
        raise NotFound()
    lock(session)
    db.session.refresh(request)
    if request.state is not RequestState.PENDING or request.expires_at <= now:
        raise NotPending()
    if not booking_open(session, now):
        raise OutsideWindow()
    a, b = request.requester, request.recipient
    limit = meetings_count(session, a) >= a.meeting_limit or (
        meetings_count(session, b) >= b.meeting_limit
    )
    if session.mode is Mode.SELF:
        proposed = {p.starts_at for p in request.proposals}
        if start is None and len(proposed) == 1:
            start = next(iter(proposed))
        if start not in proposed or start not in slots_ahead(session, now):
            raise BadSlots()  # also a proposal the session's new times no longer have
        if limit:
            raise LimitReached()
        held = db.session.scalar(
            sa.select(sa.func.count(Hold.id)).where(
                Hold.participant_id.in_([a.id, b.id]), Hold.starts_at == start
            )
        )
        away = unavailable(session, [a, b], now=now)
        if held or start in away[a.id] | away[b.id] or _free_place(session, a, b, start) is None:
            raise SlotTaken(free_common_slots(session, a, b, now=now, ignore=request)[:3])
        # Out of pending by a conditional update first: a withdrawal, a decline or an expiry
        # at the same moment wins or loses as a whole, never half-booked.
        _decide(request, RequestState.ACCEPTED, now)
        book(session=session, request=request, start=start)
    elif limit:
        raise LimitReached()
    else:
        _decide(request, RequestState.ACCEPTED, now)
    db.session.flush()
    notifications.request_answered(request)
    return request


def decline(
    *, request: MeetingRequest, participant: Participant, answer: str = "", now=None
) -> MeetingRequest:
    """The recipient declines (with a message, if they like): the proposed slots are free again,
    and the same person cannot ask again in this session."""
    if participant.id != request.recipient_id:
        raise NotFound()
    answer = (answer or "").strip()
    if len(answer) > MESSAGE_LENGTH:
        raise MessageTooLong()
    _decide(request, RequestState.DECLINED, now or utcnow(), answer=answer)
    notifications.request_answered(request)
    return request


def withdraw(*, request: MeetingRequest, participant: Participant, now=None) -> MeetingRequest:
    """The requester takes back a request not yet answered (its quota comes back)."""
    if participant.id != request.requester_id:
        raise NotFound()
    _decide(request, RequestState.CANCELLED, now or utcnow())
    return request


def _decide(request: MeetingRequest, state: RequestState, now: datetime, answer: str = "") -> None:
    """Move a pending request out of pending by a conditional update: of two answers at once,
    one wins and the other is told the request is no longer pending."""
    done = db.session.execute(
        sa.update(MeetingRequest)
        .where(MeetingRequest.id == request.id, MeetingRequest.state == RequestState.PENDING)
        .values(state=state, decided_at=now, answer=answer)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.refresh(request)
        raise NotPending()
    db.session.refresh(request)


def withdraw_pending(*, participant: Participant, now: datetime) -> int:
    """Withdraw every pending request the participant made or received (they left matching)."""
    ids = list(
        db.session.scalars(
            sa.select(MeetingRequest.id).where(
                MeetingRequest.state == RequestState.PENDING,
                sa.or_(
                    MeetingRequest.requester_id == participant.id,
                    MeetingRequest.recipient_id == participant.id,
                ),
            )
        )
    )
    for request_id in ids:
        request = db.session.get(MeetingRequest, request_id)
        _decide(request, RequestState.CANCELLED, now)
    return len(ids)


def _expire(request: MeetingRequest, now: datetime) -> bool:
    """Lapse one pending request and tell both sides, once: the state change and the notices
    are written in one transaction, and only by the run whose update changed the row."""
    done = db.session.execute(
        sa.update(MeetingRequest)
        .where(MeetingRequest.id == request.id, MeetingRequest.state == RequestState.PENDING)
        .values(state=RequestState.EXPIRED, decided_at=now, expiry_notified_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    db.session.refresh(request)
    notifications.request_expired(request)
    return True


def expire_due(*, now: datetime | None = None, batch: int = 200, commit: bool = True) -> int:
    """Lapse the pending requests whose time is up, committing each batch (unless the caller
    commits, as the demo does): a run stopped halfway and started again tells nobody twice."""
    now = now or utcnow()
    total = 0
    while True:
        ids = list(
            db.session.scalars(
                sa.select(MeetingRequest.id)
                .where(
                    MeetingRequest.state == RequestState.PENDING,
                    MeetingRequest.expires_at <= now,
                )
                .order_by(MeetingRequest.id)
                .limit(batch)
            )
        )
        if not ids:
            return total
        for request_id in ids:
            total += _expire(db.session.get(MeetingRequest, request_id), now)
        if commit:
            db.session.commit()


def is_late(meeting: Meeting, now: datetime) -> bool:
    """Cancelling now would be late: less than two hours before the start."""
    return meeting.starts_at - now < LATE


def state_of(request: MeetingRequest, now: datetime) -> RequestState:
    """The request's state as of `now`: a pending one past its time has lapsed, even before
    the expiry run records it."""
    if request.state is RequestState.PENDING and request.expires_at <= now:
        return RequestState.EXPIRED
    return request.state


def cancel_meeting(
    *, meeting: Meeting, participant: Participant | None, now: datetime | None = None
) -> Meeting:
    """Cancel a meeting until its slot starts (within two hours of it counts as late): the slot
    and the place are free again, the request gives its quota back, and the other side (both,
    when the organisers cancel) is told once."""
    now = now or utcnow()
    if participant is not None and (
        participant.id not in (meeting.a_id, meeting.b_id) or not meeting.published
    ):
        raise NotFound()  # a draft of the organisers' schedule is nobody's yet
    lock(meeting.session)
    db.session.refresh(meeting)
    if meeting.state is MeetingState.CANCELLED:
        return meeting
    if meeting.starts_at <= now:
        raise TooLate()
    meeting.state = MeetingState.CANCELLED
    meeting.cancelled_at = now
    meeting.cancelled_by_id = participant.id if participant is not None else None
    meeting.cancelled_late = is_late(meeting, now)
    meeting.sequence += 1
    meeting.representative_id = None
    db.session.execute(sa.delete(Hold).where(Hold.meeting_id == meeting.id))
    db.session.execute(sa.delete(PlaceUse).where(PlaceUse.meeting_id == meeting.id))
    request = meeting.request
    request.state = RequestState.CANCELLED
    db.session.flush()
    if meeting.published:
        notifications.meeting_cancelled(meeting, by=participant)
    return meeting


def meetings_of(participant: Participant, *, published_only: bool = True) -> list[Meeting]:
    """The participant's meetings (cancelled ones too), by time."""
    stmt = (
        sa.select(Meeting)
        .where(sa.or_(Meeting.a_id == participant.id, Meeting.b_id == participant.id))
        .options(
            joinedload(Meeting.a), joinedload(Meeting.b), joinedload(Meeting.session)
        )  # each is shown with the other person and the place: no query per meeting
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if published_only:
        stmt = stmt.where(Meeting.published.is_(True))
    return list(db.session.scalars(stmt))


def requests_of(participant: Participant) -> list[MeetingRequest]:
    """Requests the participant made or received, newest first."""
    return list(
        db.session.scalars(
            sa.select(MeetingRequest)
            .where(
                sa.or_(
                    MeetingRequest.requester_id == participant.id,
                    MeetingRequest.recipient_id == participant.id,
                )
            )
            .options(
                joinedload(MeetingRequest.requester),
                joinedload(MeetingRequest.recipient),
                joinedload(MeetingRequest.session),
                selectinload(MeetingRequest.proposals),
            )  # a person's page lists them with the other person and the times
            .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
        )
    )


def contact_shown(viewer: Participant, other: Participant) -> bool:
    """E-mail and phone are shown to the other side only once a meeting between them is
    accepted."""
    low, high = sorted((viewer.id, other.id))
    return (
        db.session.scalar(
            sa.select(MeetingRequest.id)
            .where(
                MeetingRequest.pair_low == low,
                MeetingRequest.pair_high == high,
                MeetingRequest.state == RequestState.ACCEPTED,
            )
            .limit(1)
        )
        is not None
    )

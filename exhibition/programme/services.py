"""The programme: rooms, speakers, sessions, the one overlap rule and the conflicts it finds,
and seats in sessions (capacity kept by a conditional update, a waiting list served in order)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..visitors.models import Registration
from .models import (
    BookingStatus,
    ConferenceSession,
    PersonRole,
    Room,
    RoomWindow,
    SessionAccess,
    SessionBooking,
    SessionPerson,
    SessionType,
    Speaker,
)


class SessionNotFound(NotFound):
    code = "session_not_found"
    message = _l("This session does not exist.")


class RoomTaken(DomainError):
    code = "room_taken"
    status = 409
    message = _l("Another session is in this room at that time.")


class SessionFull(DomainError):
    code = "session_full"
    status = 409
    message = _l("This session is full.")


class SessionOverlap(DomainError):
    code = "session_overlap"
    status = 409
    message = _l("You already have a session at that time. Leave it first.")


class InvitationOnly(DomainError):
    code = "invitation_only"
    status = 403
    message = _l("This session is by invitation only.")


class SessionClosed(DomainError):
    code = "session_closed"
    status = 409
    message = _l("This session is not open for sign-up.")


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """The one overlap rule: half-open intervals, so back-to-back sessions do not overlap."""
    return a_start < b_end and b_start < a_end


# --- look-ups ---------------------------------------------------------------------------------


def rooms(*, event: Event) -> list[Room]:
    return list(
        db.session.scalars(
            sa.select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
        )
    )


def speakers(*, event: Event) -> list[Speaker]:
    return list(
        db.session.scalars(
            sa.select(Speaker).where(Speaker.event_id == event.id).order_by(Speaker.full_name)
        )
    )


def sessions(*, event: Event, published_only: bool = False) -> list[ConferenceSession]:
    """An event's sessions, placed ones by time then room, unplaced ones last."""
    query = (
        sa.select(ConferenceSession)
        .where(ConferenceSession.event_id == event.id)
        .options(
            sa.orm.selectinload(ConferenceSession.people),
            sa.orm.joinedload(ConferenceSession.room),
        )
        .order_by(
            ConferenceSession.starts_at.is_(None),
            ConferenceSession.starts_at,
            ConferenceSession.room_id,
            ConferenceSession.id,
        )
    )
    if published_only:
        query = query.where(ConferenceSession.published_at.is_not(None))
    return list(db.session.scalars(query))


def get_session(*, event: Event, session_id: int, published_only: bool = False):
    session = db.session.get(ConferenceSession, session_id)
    if session is None or session.event_id != event.id:
        raise SessionNotFound()
    if published_only and not session.is_published:
        raise SessionNotFound()
    return session


def get_room(*, event: Event, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise NotFound()
    return room


def get_speaker(*, event: Event, speaker_id: int) -> Speaker:
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.event_id != event.id:
        raise NotFound()
    return speaker


# --- editing ----------------------------------------------------------------------------------


def save_room(
    *,
    event: Event,
    room: Room | None = None,
    name_vi: str,
    name_en: str,
    capacity: int,
    windows: list[tuple[datetime, datetime]] | None = None,
) -> Room:
    """Create or update a room; `windows` replaces its availability (empty: the whole event)."""
    clash = db.session.scalar(
        sa.select(Room.id).where(
            Room.event_id == event.id,
            Room.name_vi == name_vi,
            Room.id != (room.id if room is not None else -1),
        )
    )
    if clash is not None:
        raise DomainError(
            _l("Another room already has this name."), code="room_name_taken", status=409
        )
    if room is None:
        position = db.session.scalar(
            sa.select(sa.func.count(Room.id)).where(Room.event_id == event.id)
        )
        room = Room(event_id=event.id, position=position or 0)
        db.session.add(room)
    room.name_vi, room.name_en, room.capacity = name_vi, name_en, capacity
    if windows is not None:
        for start, end in windows:
            if not start < end:
                raise DomainError(
                    _l("A time window must end after it starts."),
                    code="invalid_window",
                    status=422,
                )
        room.windows = [RoomWindow(starts_at=start, ends_at=end) for start, end in windows]
    db.session.flush()
    return room


def save_speaker(*, event: Event, speaker: Speaker | None = None, **fields) -> Speaker:
    """Create or update a speaker from full_name, title_vi/en, organisation_vi/en, bio_vi/en."""
    if speaker is None:
        speaker = Speaker(event_id=event.id)
        db.session.add(speaker)
    for key in ("full_name", "title_vi", "title_en", "organisation_vi", "organisation_en"):
        setattr(speaker, key, fields.get(key) or "")
    speaker.bio_vi, speaker.bio_en = fields.get("bio_vi") or "", fields.get("bio_en") or ""
    db.session.flush()
    return speaker


def _room_clash(
    *, event: Event, room_id: int, start: datetime, end: datetime, except_id: int | None
) -> ConferenceSession | None:
    others = db.session.scalars(
        sa.select(ConferenceSession).where(
            ConferenceSession.event_id == event.id,
            ConferenceSession.room_id == room_id,
            ConferenceSession.starts_at.is_not(None),
            ConferenceSession.id != (except_id or -1),
        )
    )
    for other in others:
        if overlaps(start, end, other.starts_at, other.ends_at):
            return other
    return None


def place_session(
    *,
    session: ConferenceSession,
    room: Room | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> ConferenceSession:
    """Put a session in a room at a time (or take it off the grid with all three None).

    Two sessions in one room at once are refused (RoomTaken); the other conflicts are warnings.
    The room row is locked first, so two organisers placing sessions in one room at once cannot
    both pass the check.
    """
    if room is None or starts_at is None or ends_at is None:
        session.room_id = session.starts_at = session.ends_at = None
        db.session.flush()
        return session
    if not starts_at < ends_at:
        raise DomainError(
            _l("A session must end after it starts."), code="invalid_times", status=422
        )
    db.session.execute(sa.select(Room.id).where(Room.id == room.id).with_for_update())
    clash = _room_clash(
        event=session.event, room_id=room.id, start=starts_at, end=ends_at, except_id=session.id
    )
    if clash is not None:
        raise RoomTaken(
            _l(
                "%(room)s already holds “%(title)s” at that time.",
                room=room.tr("name"),
                title=clash.tr("title"),
            )
        )
    session.room_id, session.starts_at, session.ends_at = room.id, starts_at, ends_at
    session.room = room
    db.session.flush()
    return session


def save_session(
    *,
    event: Event,
    session: ConferenceSession | None = None,
    title_vi: str,
    title_en: str = "",
    description_vi: str = "",
    description_en: str = "",
    type: SessionType,
    access: SessionAccess = SessionAccess.OPEN,
    track_vi: str = "",
    track_en: str = "",
    capacity: int | None = None,
    room: Room | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    chairs: list[Speaker] = (),
    speakers: list[Speaker] = (),
) -> ConferenceSession:
    """Create or update a session with its people and its place in the schedule."""
    if session is None:
        session = ConferenceSession(event_id=event.id, seats_taken=0)
        session.event = event
        db.session.add(session)
    for key, value in (
        ("title_vi", title_vi), ("title_en", title_en), ("description_vi", description_vi),
        ("description_en", description_en), ("type", type), ("access", access),
        ("track_vi", track_vi), ("track_en", track_en), ("capacity", capacity),
    ):  # fmt: skip
        setattr(session, key, value)
    wanted = [(s, PersonRole.CHAIR) for s in chairs] + [
        (s, PersonRole.SPEAKER) for s in speakers if s not in chairs
    ]
    session.people = [
        SessionPerson(speaker=speaker, role=role, position=index)
        for index, (speaker, role) in enumerate(wanted)
    ]
    db.session.flush()
    place_session(session=session, room=room, starts_at=starts_at, ends_at=ends_at)
    promote_waiting(session=session)  # more seats may have been made
    return session


def publish(*, event: Event, session_ids: list[int] | None = None, publish: bool = True) -> int:
    """Publish (or withdraw) sessions; only placed sessions can be published. Returns how many."""
    query = sa.update(ConferenceSession).where(ConferenceSession.event_id == event.id)
    if session_ids is not None:
        query = query.where(ConferenceSession.id.in_(session_ids))
    if publish:
        query = query.where(
            ConferenceSession.published_at.is_(None), ConferenceSession.starts_at.is_not(None)
        ).values(published_at=utcnow())
    else:
        query = query.where(ConferenceSession.published_at.is_not(None)).values(published_at=None)
    count = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    db.session.expire_all()
    return count


def delete_session(*, session: ConferenceSession) -> None:
    db.session.delete(session)
    db.session.flush()


# --- conflicts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    kind: str  # room, person, room_hours, event_dates, capacity, attendee
    session_ids: tuple[int, ...]
    message: str

    def involves(self, session_id: int) -> bool:
        return session_id in self.session_ids


def find_conflicts(*, event: Event) -> list[Conflict]:
    """Every clash in the event's placed sessions, by the one overlap rule."""
    placed = [s for s in sessions(event=event) if s.is_placed]
    found: list[Conflict] = []
    event_start, event_end = event.starts_at, event.ends_at
    for s in placed:
        if s.starts_at < event_start or s.ends_at > event_end:
            found.append(
                Conflict(
                    "event_dates",
                    (s.id,),
                    str(_l("“%(title)s” is outside the event's dates.", title=s.tr("title"))),
                )
            )
        windows = s.room.windows
        if windows and not any(
            w.starts_at <= s.starts_at and s.ends_at <= w.ends_at for w in windows
        ):
            found.append(
                Conflict(
                    "room_hours",
                    (s.id,),
                    str(
                        _l(
                            "“%(title)s” is outside the hours when %(room)s can be used.",
                            title=s.tr("title"),
                            room=s.room.tr("name"),
                        )
                    ),
                )
            )
        if s.capacity is not None and s.capacity > s.room.capacity:
            found.append(
                Conflict(
                    "capacity",
                    (s.id,),
                    str(
                        _l(
                            "“%(title)s” has %(seats)s seats but %(room)s holds %(room_seats)s.",
                            title=s.tr("title"),
                            seats=s.capacity,
                            room=s.room.tr("name"),
                            room_seats=s.room.capacity,
                        )
                    ),
                )
            )
    ordered = sorted(placed, key=lambda s: s.starts_at)
    for index, a in enumerate(ordered):
        for b in ordered[index + 1 :]:
            if b.starts_at >= a.ends_at:
                break  # sorted by start: nothing later overlaps a
            if not overlaps(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
                continue
            pair = (a.id, b.id)
            if a.room_id == b.room_id:
                found.append(
                    Conflict(
                        "room",
                        pair,
                        str(
                            _l(
                                "“%(a)s” and “%(b)s” are in %(room)s at the same time.",
                                a=a.tr("title"),
                                b=b.tr("title"),
                                room=a.room.tr("name"),
                            )
                        ),
                    )
                )
            shared = {p.speaker_id for p in a.people} & {p.speaker_id for p in b.people}
            for person in sorted(
                (p.speaker for p in a.people if p.speaker_id in shared),
                key=lambda sp: sp.full_name,
            ):
                found.append(
                    Conflict(
                        "person",
                        pair,
                        str(
                            _l(
                                "%(name)s is in “%(a)s” and “%(b)s” at the same time.",
                                name=person.full_name,
                                a=a.tr("title"),
                                b=b.tr("title"),
                            )
                        ),
                    )
                )
            found.extend(_attendee_conflicts(a, b))
    return found


def _attendee_conflicts(a: ConferenceSession, b: ConferenceSession) -> list[Conflict]:
    first = sa.orm.aliased(SessionBooking)
    second = sa.orm.aliased(SessionBooking)
    rows = db.session.execute(
        sa.select(Registration.full_name)
        .join(first, first.registration_id == Registration.id)
        .join(second, second.registration_id == Registration.id)
        .where(
            first.session_id == a.id,
            second.session_id == b.id,
            first.status == BookingStatus.SEATED,
            second.status == BookingStatus.SEATED,
        )
        .order_by(Registration.full_name)
    ).scalars()
    return [
        Conflict(
            "attendee",
            (a.id, b.id),
            str(
                _l(
                    "%(name)s has a seat in both “%(a)s” and “%(b)s”.",
                    name=name,
                    a=a.tr("title"),
                    b=b.tr("title"),
                )
            ),
        )
        for name in rows
    ]


def conflicts_of(*, session: ConferenceSession) -> list[Conflict]:
    return [c for c in find_conflicts(event=session.event) if c.involves(session.id)]


# --- seats ------------------------------------------------------------------------------------


def _take_seat(session_id: int) -> bool:
    """One seat, if one is free: a conditional update, safe when many sign up at once."""
    room_capacity = (
        sa.select(Room.capacity)
        .where(Room.id == ConferenceSession.room_id)
        .correlate(ConferenceSession)
        .scalar_subquery()
    )
    limit = sa.func.coalesce(ConferenceSession.capacity, room_capacity)
    return (
        db.session.execute(
            sa.update(ConferenceSession)
            .where(
                ConferenceSession.id == session_id,
                sa.or_(limit.is_(None), ConferenceSession.seats_taken < limit),
            )
            .values(seats_taken=ConferenceSession.seats_taken + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _give_back_seat(session_id: int) -> None:
    db.session.execute(
        sa.update(ConferenceSession)
        .where(ConferenceSession.id == session_id, ConferenceSession.seats_taken > 0)
        .values(seats_taken=ConferenceSession.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def booking_of(*, session: ConferenceSession, registration: Registration):
    return db.session.scalar(
        sa.select(SessionBooking).where(
            SessionBooking.session_id == session.id,
            SessionBooking.registration_id == registration.id,
        )
    )


def bookings_of(*, registration: Registration) -> list[SessionBooking]:
    """A person's bookings that still count (seated, waiting or asked for), by time."""
    return list(
        db.session.scalars(
            sa.select(SessionBooking)
            .join(ConferenceSession, ConferenceSession.id == SessionBooking.session_id)
            .where(
                SessionBooking.registration_id == registration.id,
                SessionBooking.status.in_(
                    [BookingStatus.SEATED, BookingStatus.WAITING, BookingStatus.REQUESTED]
                ),
            )
            .order_by(ConferenceSession.starts_at, ConferenceSession.id)
        )
    )


def _check_overlap(session: ConferenceSession, registration: Registration) -> None:
    if not session.is_placed:
        return
    for booking in bookings_of(registration=registration):
        other = booking.session
        if (
            other.id != session.id
            and booking.status is BookingStatus.SEATED
            and other.is_placed
            and overlaps(session.starts_at, session.ends_at, other.starts_at, other.ends_at)
        ):
            raise SessionOverlap(
                _l(
                    "You already have a seat in “%(title)s” at that time. Leave it first.",
                    title=other.tr("title"),
                )
            )


def session_open(session: ConferenceSession, now: datetime | None = None) -> bool:
    """Sign-up (and answering an invitation) is open until the session ends."""
    return session.ends_at is None or session.ends_at > (now or utcnow())


def book(
    *,
    session: ConferenceSession,
    registration: Registration,
    waitlist: bool = True,
    invited: bool = False,
    now: datetime | None = None,
) -> SessionBooking:
    """Sign a registered person up for a session.

    Open sessions give a seat while one is free, else a place on the waiting list (when
    `waitlist`, else SessionFull); sessions with approval record a request; invitation-only
    sessions take only `invited` people (who get a seat even over capacity: they were asked).
    Asking again returns the booking that exists.
    """
    now = now or utcnow()
    if registration.event_id != session.event_id or registration.is_cancelled:
        raise SessionClosed()
    if not invited:
        if not session.is_published:
            raise SessionClosed()
        if session.access is SessionAccess.INVITATION:
            raise InvitationOnly()
        if not session_open(session, now):
            raise SessionClosed(_l("This session is over."))
    booking = booking_of(session=session, registration=registration)
    if booking is not None and booking.status in (
        BookingStatus.SEATED,
        BookingStatus.WAITING,
        BookingStatus.REQUESTED,
    ):
        return booking
    _check_overlap(session, registration)
    if booking is None:
        booking = SessionBooking(
            session_id=session.id,
            registration_id=registration.id,
            status=BookingStatus.REQUESTED,
            created_at=now,
            queued_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(booking)
                db.session.flush()
        except IntegrityError:
            # The same person asked twice at the same moment: the other request stands.
            existing = booking_of(session=session, registration=registration)
            if existing is None:
                raise
            return existing
    booking.queued_at = now
    if invited:
        db.session.execute(
            sa.update(ConferenceSession)
            .where(ConferenceSession.id == session.id)
            .values(seats_taken=ConferenceSession.seats_taken + 1)
        )
        booking.status, booking.seated_at = BookingStatus.SEATED, now
    elif session.access is SessionAccess.APPROVAL:
        booking.status = BookingStatus.REQUESTED
    elif _take_seat(session.id):
        booking.status, booking.seated_at = BookingStatus.SEATED, now
    elif waitlist:
        booking.status = BookingStatus.WAITING
    else:
        booking.status = BookingStatus.CANCELLED
        db.session.flush()
        raise SessionFull()
    db.session.flush()
    db.session.refresh(session, ["seats_taken"])
    return booking


def approve(*, booking: SessionBooking, now: datetime | None = None) -> SessionBooking:
    """An organiser accepts a request for a session with approval: a seat, or the waiting list."""
    if booking.status is not BookingStatus.REQUESTED:
        return booking
    now = now or utcnow()
    if _take_seat(booking.session_id):
        booking.status, booking.seated_at = BookingStatus.SEATED, now
    else:
        booking.status, booking.queued_at = BookingStatus.WAITING, now
    db.session.flush()
    _notify(booking, "approved" if booking.status is BookingStatus.SEATED else "waiting")
    return booking


def decline(*, booking: SessionBooking) -> SessionBooking:
    if booking.status is BookingStatus.REQUESTED:
        booking.status = BookingStatus.DECLINED
        db.session.flush()
        _notify(booking, "declined")
    return booking


def cancel_booking(*, booking: SessionBooking) -> SessionBooking | None:
    """Leave a session (or its waiting list); a freed seat goes to the first who waits.

    Returns the booking promoted into the seat, if any.
    """
    previous = booking.status
    changed = db.session.execute(
        sa.update(SessionBooking)
        .where(SessionBooking.id == booking.id, SessionBooking.status == previous)
        .values(status=BookingStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(booking, ["status"])
    if changed != 1 or previous is not BookingStatus.SEATED:
        return None
    _give_back_seat(booking.session_id)
    promoted = promote_waiting(session=booking.session)
    return promoted[0] if promoted else None


def promote_waiting(*, session: ConferenceSession, now: datetime | None = None) -> list:
    """Give free seats to the waiting list in order, e-mailing each person seated."""
    now = now or utcnow()
    promoted = []
    while True:
        candidate = db.session.scalar(
            sa.select(SessionBooking)
            .where(
                SessionBooking.session_id == session.id,
                SessionBooking.status == BookingStatus.WAITING,
            )
            .order_by(SessionBooking.queued_at, SessionBooking.id)
            .limit(1)
        )
        if candidate is None or not _take_seat(session.id):
            break
        claimed = db.session.execute(
            sa.update(SessionBooking)
            .where(
                SessionBooking.id == candidate.id, SessionBooking.status == BookingStatus.WAITING
            )
            .values(status=BookingStatus.SEATED, seated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            _give_back_seat(session.id)  # they left the list meanwhile; try the next one
            continue
        db.session.refresh(candidate, ["status", "seated_at"])
        promoted.append(candidate)
        _notify(candidate, "promoted")
    db.session.refresh(session, ["seats_taken"])
    return promoted


def _notify(booking: SessionBooking, kind: str) -> None:
    from ..mail.messages import queue_session_message

    queue_session_message(booking=booking, kind=kind)


def bookings_for(*, session: ConferenceSession) -> list[SessionBooking]:
    """A session's bookings: seated, then requests, then the waiting list in order."""
    order = sa.case(
        (SessionBooking.status == BookingStatus.SEATED, 0),
        (SessionBooking.status == BookingStatus.REQUESTED, 1),
        (SessionBooking.status == BookingStatus.WAITING, 2),
        else_=3,
    )
    return list(
        db.session.scalars(
            sa.select(SessionBooking)
            .where(SessionBooking.session_id == session.id)
            .options(sa.orm.joinedload(SessionBooking.registration))
            .order_by(order, SessionBooking.queued_at, SessionBooking.id)
        )
    )

"""Seats in sessions: capacity kept by a conditional update (never count-then-insert), requests
for sessions with approval, and a waiting list served first come, first served."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..visitors.models import Registration
from .models import (
    HOLDING,
    BookingStatus,
    ConferenceSession,
    Room,
    SessionAccess,
    SessionBooking,
    overlaps,
)
from .notifications import queue_session_message


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
                SessionBooking.status.in_(HOLDING),
            )
            .order_by(ConferenceSession.starts_at, ConferenceSession.id)
            .options(  # the session and its room come with the booking (one statement)
                sa.orm.contains_eager(SessionBooking.session).joinedload(ConferenceSession.room)
            )
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
    _check_may_book(session, registration, invited, now)
    booking = booking_of(session=session, registration=registration)
    if booking is not None and booking.status in HOLDING:
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


def _check_may_book(
    session: ConferenceSession, registration: Registration, invited: bool, now: datetime
) -> None:
    """Refuse a booking for another event's session, a cancelled or erased registration, or
    (unless invited) a session not published, by invitation only, or over."""
    if (
        registration.event_id != session.event_id
        or registration.is_cancelled
        or registration.is_erased
    ):
        raise SessionClosed()
    if not invited:
        if not session.is_published:
            raise SessionClosed()
        if session.access is SessionAccess.INVITATION:
            raise InvitationOnly()
        if not session_open(session, now):
            raise SessionClosed(_l("This session is over."))


def approve(*, booking: SessionBooking, now: datetime | None = None) -> SessionBooking:
    """An organiser accepts a request for a session with approval: a seat, or the waiting list
    (not for a person cancelled or erased since)."""
    person = booking.registration
    if booking.status is not BookingStatus.REQUESTED or person.is_cancelled or person.is_erased:
        return booking
    now = now or utcnow()
    if _take_seat(booking.session_id):
        booking.status, booking.seated_at = BookingStatus.SEATED, now
    else:
        booking.status, booking.queued_at = BookingStatus.WAITING, now
    db.session.flush()
    queue_session_message(
        booking=booking,
        kind="approved" if booking.status is BookingStatus.SEATED else "waiting",
    )
    return booking


def decline(*, booking: SessionBooking) -> SessionBooking:
    if booking.status is BookingStatus.REQUESTED:
        booking.status = BookingStatus.DECLINED
        db.session.flush()
        queue_session_message(booking=booking, kind="declined")
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


def give_up_future_bookings(*, registration: Registration, now: datetime | None = None) -> int:
    """Give up a person's seats, places on waiting lists and requests in sessions that have not
    ended (each freed seat goes to the first valid person waiting), when they cancel or are
    erased; bookings of past sessions stay, for attendance. Returns how many were given up."""
    now = now or utcnow()
    bookings = db.session.scalars(
        sa.select(SessionBooking)
        .join(ConferenceSession, ConferenceSession.id == SessionBooking.session_id)
        .where(
            SessionBooking.registration_id == registration.id,
            SessionBooking.status.in_(HOLDING),
            sa.or_(ConferenceSession.ends_at.is_(None), ConferenceSession.ends_at > now),
        )
        .order_by(SessionBooking.id)
    ).all()
    for booking in bookings:
        cancel_booking(booking=booking)
    return len(bookings)


def promote_waiting(*, session: ConferenceSession, now: datetime | None = None) -> list:
    """Give free seats to the waiting list in order, e-mailing each person seated."""
    now = now or utcnow()
    promoted = []
    while True:
        candidate = db.session.scalar(
            sa.select(SessionBooking)
            .join(Registration, Registration.id == SessionBooking.registration_id)
            .where(
                SessionBooking.session_id == session.id,
                SessionBooking.status == BookingStatus.WAITING,
                # A person cancelled or erased is never seated, even if still on the list.
                Registration.badge_works(),
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
        queue_session_message(booking=candidate, kind="promoted")
    db.session.refresh(session, ["seats_taken"])
    return promoted


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

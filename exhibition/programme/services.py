"""The programme: rooms, speakers and sessions, their look-ups and editing (conflicts are in
conflicts.py, seats in seats.py)."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..checkin.models import Scan, ScanResult
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
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
    overlaps,
)
from .notifications import queue_session_message
from .seats import promote_waiting


class SessionNotFound(NotFound):
    code = "session_not_found"
    message = _l("This session does not exist.")


class RoomTaken(DomainError):
    code = "room_taken"
    status = 409
    message = _l("Another session is in this room at that time.")


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
    moved = session.is_placed and (session.room_id, session.starts_at, session.ends_at) != (
        room.id,
        starts_at,
        ends_at,
    )
    session.room_id, session.starts_at, session.ends_at = room.id, starts_at, ends_at
    session.room = room
    db.session.flush()
    if moved and session.is_published:
        _tell_booked(session, "changed")
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


def _tell_booked(session: ConferenceSession, kind: str) -> int:
    """E-mail everyone seated or waiting that the session moved or was cancelled."""
    bookings = db.session.scalars(
        sa.select(SessionBooking).where(
            SessionBooking.session_id == session.id,
            SessionBooking.status.in_([BookingStatus.SEATED, BookingStatus.WAITING]),
        )
    ).all()
    for booking in bookings:
        queue_session_message(booking=booking, kind=kind)
    return len(bookings)


def delete_session(*, session: ConferenceSession) -> int:
    """Delete a session; the people seated or waiting are told it is cancelled. Returns how many."""
    told = _tell_booked(session, "cancelled") if session.is_published else 0
    db.session.delete(session)
    db.session.flush()
    return told


def session_figures(*, event: Event) -> dict[int, dict[str, int]]:
    """Per session: seats taken, waiting, requests, attended (seated and scanned), let in without
    a seat (not_registered scans), distinct people scanned."""
    figures: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        sa.select(
            SessionBooking.session_id,
            SessionBooking.status,
            sa.func.count(),
            sa.func.count(SessionBooking.attended_at),
        )
        .join(ConferenceSession, ConferenceSession.id == SessionBooking.session_id)
        .where(ConferenceSession.event_id == event.id)
        .group_by(SessionBooking.session_id, SessionBooking.status)
    )
    for session_id, status, count, attended in rows:
        entry = figures.setdefault(session_id, {})
        entry[status.value] = count
        entry["attended"] = entry.get("attended", 0) + attended
    scans = db.session.execute(
        sa.select(Scan.session_id, Scan.result, sa.func.count(sa.distinct(Scan.registration_id)))
        .where(Scan.event_id == event.id, Scan.session_id.is_not(None), Scan.undone_at.is_(None))
        .group_by(Scan.session_id, Scan.result)
    )
    for session_id, result, people in scans:
        entry = figures.setdefault(session_id, {})
        if result is ScanResult.NOT_REGISTERED:
            entry["not_registered"] = people
    return figures

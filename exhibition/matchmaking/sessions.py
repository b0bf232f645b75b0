"""Matchmaking sessions of an exhibition: their times, slots, tables, booth hosts and rules."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts import audit
from ..accounts.models import User
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..programme.models import overlaps
from ..visitors.models import Registration
from .models import (
    BUFFER_MINUTES,
    REQUEST_TTL_MINUTES,
    SLOT_MINUTES,
    BoothHost,
    Meeting,
    MeetingSession,
    MeetingState,
    Mode,
    PlaceKind,
    Representative,
    Sides,
)
from .slots import slot_starts


class InvalidSession(DomainError):
    """A session's field is wrong; `field` names the form field it belongs to."""

    code = "invalid_session"
    status = 422

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


class WouldDropMeetings(DomainError):
    code = "would_drop_meetings"
    status = 409
    message = _l(
        "This change would leave booked meetings without their slot or table; move or cancel them first."
    )

    def __init__(self, meetings: list[Meeting]):
        super().__init__()
        self.meetings = meetings


@dataclass(frozen=True)
class SessionData:
    name_vi: str
    name_en: str
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int
    buffer_minutes: int
    mode: Mode
    sides: Sides
    booking_opens_at: datetime
    booking_closes_at: datetime
    request_ttl_minutes: int
    room_vi: str = ""
    room_en: str = ""
    table_count: int = 0


def _check(event: Event, data: SessionData, session: MeetingSession | None) -> None:
    if not data.name_vi.strip():
        raise InvalidSession("name_vi", _l("Give the session a name in Vietnamese."))
    if data.ends_at <= data.starts_at:
        raise InvalidSession("ends_at", _l("The session must end after it starts."))
    if data.starts_at.astimezone(event.tz).date() != data.ends_at.astimezone(event.tz).date():
        raise InvalidSession("ends_at", _l("A session starts and ends on the same day."))
    if not SLOT_MINUTES[0] <= data.slot_minutes <= SLOT_MINUTES[1]:
        raise InvalidSession(
            "slot_minutes", _l("A slot lasts from %(low)d to %(high)d minutes.", low=5, high=120)
        )
    if not BUFFER_MINUTES[0] <= data.buffer_minutes <= BUFFER_MINUTES[1]:
        raise InvalidSession(
            "buffer_minutes",
            _l("The pause between slots is %(low)d to %(high)d minutes.", low=0, high=30),
        )
    if not REQUEST_TTL_MINUTES[0] <= data.request_ttl_minutes <= REQUEST_TTL_MINUTES[1]:
        raise InvalidSession(
            "request_ttl_minutes",
            _l("An unanswered request lapses after 15 minutes to 10 days."),
        )
    if not 0 <= data.table_count <= 1000:
        raise InvalidSession("table_count", _l("From 0 to 1,000 tables."))
    if data.booking_closes_at <= data.booking_opens_at:
        raise InvalidSession("booking_closes_at", _l("Booking must close after it opens."))
    if data.booking_closes_at > data.ends_at:
        raise InvalidSession(
            "booking_closes_at", _l("Booking must close by the end of the session.")
        )
    if not slot_starts(
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        slot_minutes=data.slot_minutes,
        buffer_minutes=data.buffer_minutes,
    ):
        raise InvalidSession("slot_minutes", _l("Not one slot fits between the start and end."))
    for other in sessions_of(event=event):
        if session is not None and other.id == session.id:
            continue
        if overlaps(data.starts_at, data.ends_at, other.starts_at, other.ends_at):
            raise InvalidSession(
                "starts_at",
                _l("This overlaps the session “%(name)s”.", name=other.tr("name")),
            )


def sessions_of(*, event: Event) -> list[MeetingSession]:
    """The exhibition's matchmaking sessions, earliest first."""
    return list(
        db.session.scalars(
            sa.select(MeetingSession)
            .where(MeetingSession.event_id == event.id)
            .order_by(MeetingSession.starts_at, MeetingSession.id)
        )
    )


def has_matchmaking(*, event: Event) -> bool:
    """Whether the exhibition has a matchmaking session (the sign-up form then offers to join)."""
    found = db.session.scalar(
        sa.select(MeetingSession.id).where(MeetingSession.event_id == event.id).limit(1)
    )
    return found is not None


def get_session(*, event: Event, session_id: int) -> MeetingSession:
    session = db.session.get(MeetingSession, session_id)
    if session is None or session.event_id != event.id:
        raise NotFound()
    return session


def lock(session: MeetingSession) -> MeetingSession:
    """The session read again under a row lock: bookings of one session happen one at a time
    (on SQLite the write transaction itself is exclusive)."""
    db.session.refresh(session, with_for_update=True)
    return session


def scheduled_meetings(session: MeetingSession) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.session_id == session.id, Meeting.state == MeetingState.SCHEDULED)
            .order_by(Meeting.starts_at, Meeting.table_number, Meeting.id)
        )
    )


def save_session(
    *, event: Event, data: SessionData, session: MeetingSession | None = None, user: User | None
) -> MeetingSession:
    """Create a session or change one; refused with a field error when its times or lengths are
    wrong or it overlaps another, and refused with the meetings it would drop when a booked
    meeting would lose its slot or table."""
    _check(event, data, session)
    if session is not None:
        lock(session)
        starts = set(
            slot_starts(
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                slot_minutes=data.slot_minutes,
                buffer_minutes=data.buffer_minutes,
            )
        )
        dropped = [
            m
            for m in scheduled_meetings(session)
            if m.starts_at not in starts
            or (m.place_kind is PlaceKind.TABLE and (m.table_number or 0) > data.table_count)
        ]
        if dropped:
            raise WouldDropMeetings(dropped)
    created = session is None
    if created:
        session = MeetingSession(event_id=event.id)
        db.session.add(session)
    for field, value in vars(data).items():
        setattr(session, field, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    audit.record(
        actor=user,
        action="matchmaking.session_created" if created else "matchmaking.session_changed",
        event=event,
        target=session,
        summary=session.name_vi,
        details={"name": session.name_vi},
    )
    return session


def set_booth_host(
    *, session: MeetingSession, exhibitor, registration_ids: list[int], user: User | None
) -> BoothHost | None:
    """The exhibitor receives its meetings at its booth, with these staff as representatives
    (as many meetings at once as there are); with none, it stops hosting (refused while booth
    meetings are booked beyond what stays)."""
    host = db.session.scalar(
        sa.select(BoothHost).where(
            BoothHost.session_id == session.id, BoothHost.exhibitor_id == exhibitor.id
        )
    )
    staff = {r.id for r in exhibitor_staff(exhibitor)}
    wanted = [rid for rid in dict.fromkeys(registration_ids) if rid in staff]
    lock(session)
    booked = [
        m
        for m in scheduled_meetings(session)
        if m.exhibitor_id == exhibitor.id and m.representative_id is not None
    ]
    if host is not None:
        keep = {r.id for r in host.representatives if r.registration_id in wanted}
        dropped = [m for m in booked if m.representative_id not in keep]
        if dropped:
            raise WouldDropMeetings(dropped)
    if not wanted:
        if host is not None:
            if any(m.exhibitor_id == exhibitor.id for m in scheduled_meetings(session)):
                raise WouldDropMeetings(
                    [m for m in scheduled_meetings(session) if m.exhibitor_id == exhibitor.id]
                )
            db.session.delete(host)
            db.session.flush()
        return None
    if host is None:
        host = BoothHost(session_id=session.id, exhibitor_id=exhibitor.id)
        db.session.add(host)
    current = {r.registration_id: r for r in host.representatives}
    for rid, rep in current.items():
        if rid not in wanted:
            host.representatives.remove(rep)
    for rid in wanted:
        if rid not in current:
            host.representatives.append(Representative(registration_id=rid))
    db.session.flush()
    audit.record(
        actor=user,
        action="matchmaking.booth_host",
        event=session.event,
        target=host,
        summary=exhibitor.company_name_vi,
        details={"company": exhibitor.company_name_vi, "representatives": len(wanted)},
    )
    return host


def exhibitor_staff(exhibitor) -> list:
    """The exhibitor's staff registrations whose badges work (who may represent it)."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.exhibitor_id == exhibitor.id, Registration.badge_works())
            .order_by(Registration.full_name, Registration.id)
        )
    )


def host_of(session: MeetingSession, exhibitor_id: int | None) -> BoothHost | None:
    if exhibitor_id is None:
        return None
    return next((h for h in session.hosts if h.exhibitor_id == exhibitor_id), None)

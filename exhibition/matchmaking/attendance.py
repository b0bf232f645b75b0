"""Meetings at the table: badges scanned at a place (a numbered table or an exhibitor's booth) by a
station, whether a meeting was held, and who did not come.

A meeting is held when both people's badges were scanned at its place between 10 minutes before
its start and its end. Once its end has passed, a side not scanned is a no-show (both, when
neither was scanned).
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..badges.services import normalize_badge_code
from ..checkin.models import Device
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..visitors.models import Registration, RegistrationStatus
from .models import Meeting, MeetingSession, MeetingState, Participant, PlaceKind

# The badges of a meeting are taken from this long before its start until its end.
EARLY = timedelta(minutes=10)
# A scan made offline may be sent this long after (as the check-in stations' uploads).
OFFLINE_MAX_AGE = timedelta(days=7)


class UnknownPlace(DomainError):
    code = "unknown_place"
    status = 422
    message = _l("This exhibition has no such matchmaking session, table or booth.")


class BadMeetingScanTime(DomainError):
    code = "bad_scan_time"
    status = 422
    message = _l("The scan's time is in the future or too old to be taken.")


class Verdict(enum.StrEnum):
    OK = "ok"  # this side is in; the other is still missing
    HELD = "held"  # both sides are in
    NOT_YOUR_MEETING = "not_your_meeting"  # a valid badge of someone not meeting here now
    NO_MEETING = "no_meeting"  # no meeting at this place at this time
    INVALID = "invalid"  # not a badge of this exhibition, or a cancelled one


@dataclass
class MeetingScan:
    verdict: Verdict
    registration: Registration | None = None
    meeting: Meeting | None = None
    missing: list[Participant] = field(default_factory=list)  # who is still to come


def _registration(event_id: int, code: str) -> Registration | None:
    badge_code = normalize_badge_code(code)
    if badge_code is None:
        return None
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.badge_code == badge_code)
    )
    if (
        registration is None
        or registration.event_id != event_id
        or registration.status is RegistrationStatus.CANCELLED
        or registration.is_erased
    ):
        return None
    return registration


def _meetings_at(session: MeetingSession, *, table, exhibitor_id, when: datetime) -> list:
    """The scheduled, published meetings at the place whose window holds `when`."""
    query = sa.select(Meeting).where(
        Meeting.session_id == session.id,
        Meeting.state == MeetingState.SCHEDULED,
        Meeting.published.is_(True),
        Meeting.starts_at <= when + EARLY,
        Meeting.ends_at >= when,
    )
    if table is not None:
        query = query.where(Meeting.place_kind == PlaceKind.TABLE, Meeting.table_number == table)
    else:
        query = query.where(
            Meeting.place_kind == PlaceKind.BOOTH, Meeting.exhibitor_id == exhibitor_id
        )
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))


def _side(meeting: Meeting, registration: Registration) -> str | None:
    """ "a" or "b": whose badge this is in the meeting; the booth representative receiving it
    stands for the exhibitor's side."""
    if meeting.a.registration_id == registration.id:
        return "a"
    if meeting.b.registration_id == registration.id:
        return "b"
    representative = meeting.representative
    if representative is not None and representative.registration_id == registration.id:
        return "a" if meeting.a.exhibitor_id == meeting.exhibitor_id else "b"
    return None


def _check_place(session: MeetingSession, table: int | None, exhibitor_id: int | None) -> None:
    if (table is None) == (exhibitor_id is None):
        raise UnknownPlace()
    if table is not None and not 1 <= table <= session.table_count:
        raise UnknownPlace()
    if exhibitor_id is not None and not any(h.exhibitor_id == exhibitor_id for h in session.hosts):
        raise UnknownPlace()


def record_meeting_scan(
    *,
    device: Device,
    session_id: int,
    code: str,
    table: int | None = None,
    exhibitor_id: int | None = None,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> MeetingScan:
    """Judge a badge scanned at a meeting place (`table` of the session, or the booth of
    `exhibitor_id`) and mark that side of the meeting present. Scanning a side again changes
    nothing (the first time stays)."""
    now = now or utcnow()
    when = scanned_at or now
    if not now - OFFLINE_MAX_AGE <= when <= now + timedelta(minutes=5):
        raise BadMeetingScanTime()
    session = db.session.get(MeetingSession, session_id)
    if session is None or session.event_id != device.event_id:
        raise UnknownPlace()
    _check_place(session, table, exhibitor_id)
    registration = _registration(device.event_id, code)
    if registration is None:
        return MeetingScan(Verdict.INVALID)
    meetings = _meetings_at(session, table=table, exhibitor_id=exhibitor_id, when=when)
    if not meetings:
        return MeetingScan(Verdict.NO_MEETING, registration)
    for meeting in meetings:
        side = _side(meeting, registration)
        if side is not None:
            break
    else:
        return MeetingScan(Verdict.NOT_YOUR_MEETING, registration)
    column = Meeting.a_scanned_at if side == "a" else Meeting.b_scanned_at
    db.session.execute(  # the first scan of a side wins; a second one changes nothing
        sa.update(Meeting)
        .where(Meeting.id == meeting.id, column.is_(None))
        .values({column.key: when})
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(meeting, ["a_scanned_at", "b_scanned_at"])
    missing = [
        person
        for person, at in ((meeting.a, meeting.a_scanned_at), (meeting.b, meeting.b_scanned_at))
        if at is None
    ]
    verdict = Verdict.HELD if not missing else Verdict.OK
    return MeetingScan(verdict, registration, meeting, missing)


def no_shows_of(meeting: Meeting, now: datetime) -> list[Participant]:
    """The sides of the meeting who did not show up (`missed`, in Python)."""
    if (
        meeting.state is not MeetingState.SCHEDULED
        or not meeting.published
        or meeting.ends_at > now
    ):
        return []
    return [
        person
        for person, scanned in (
            (meeting.a, meeting.a_scanned_at),
            (meeting.b, meeting.b_scanned_at),
        )
        if scanned is None
    ]


def held_clause() -> sa.ColumnElement[bool]:
    """In SQL: Meeting.held (both badges scanned at the place in the meeting's window)."""
    return sa.and_(Meeting.a_scanned_at.is_not(None), Meeting.b_scanned_at.is_not(None))


def missed(scanned, now: datetime) -> sa.ColumnElement[bool]:
    """In SQL: a no-show of the side whose scan time is `scanned` (Meeting.a_scanned_at or
    b_scanned_at): a scheduled, published meeting whose slot has ended without that badge."""
    return sa.and_(
        Meeting.state == MeetingState.SCHEDULED,
        Meeting.published.is_(True),
        Meeting.ends_at <= now,
        scanned.is_(None),
    )


def no_show_pairs(*, session_ids, now: datetime | None = None) -> list[tuple[int, int]]:
    """(meeting id, participant id) of every no-show in these sessions, by meeting."""
    now = now or utcnow()
    pairs = []
    for person, scanned in (
        (Meeting.a_id, Meeting.a_scanned_at),
        (Meeting.b_id, Meeting.b_scanned_at),
    ):
        pairs += db.session.execute(
            sa.select(Meeting.id, person).where(
                Meeting.session_id.in_(session_ids), missed(scanned, now)
            )
        ).all()
    return sorted((meeting_id, person_id) for meeting_id, person_id in pairs)

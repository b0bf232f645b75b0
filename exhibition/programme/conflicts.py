"""Clashes in the programme, all found with the one overlap rule (models.overlaps): two sessions
in one room, a person in two places, a session outside its room's hours or the event's dates, more
seats than the room, an attendee seated in two sessions at once."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..events.models import Event
from ..extensions import db
from ..visitors.models import Registration
from .models import BookingStatus, ConferenceSession, SessionBooking, overlaps
from .services import sessions


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
    for s in placed:
        found.extend(_session_conflicts(s, event))
    ordered = sorted(placed, key=lambda s: s.starts_at)
    for index, a in enumerate(ordered):
        for b in ordered[index + 1 :]:
            if b.starts_at >= a.ends_at:
                break  # sorted by start: nothing later overlaps a
            if overlaps(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
                found.extend(_pair_conflicts(a, b))
    return found


def _session_conflicts(s: ConferenceSession, event: Event) -> list[Conflict]:
    """A placed session outside the event's dates or its room's hours, or bigger than its room."""
    found: list[Conflict] = []
    if s.starts_at < event.starts_at or s.ends_at > event.ends_at:
        found.append(
            Conflict(
                "event_dates",
                (s.id,),
                str(_l("“%(title)s” is outside the event's dates.", title=s.tr("title"))),
            )
        )
    windows = s.room.windows
    if windows and not any(w.starts_at <= s.starts_at and s.ends_at <= w.ends_at for w in windows):
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
    return found


def _pair_conflicts(a: ConferenceSession, b: ConferenceSession) -> list[Conflict]:
    """Two overlapping sessions in one room, or sharing a speaker or attendees."""
    found: list[Conflict] = []
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

"""The published programme for the public: the agenda by day and room, iCalendar feeds of the
whole programme and of one attendee, and schedule.json in the frab/c3voc shape."""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .. import ical
from ..events.models import Event
from ..labels import label
from ..text import fold, parse_day
from ..urls import public_url
from ..visitors.models import Registration
from . import seats, services
from .models import BookingStatus, ConferenceSession, PersonRole, Room, SessionType

# A fixed namespace, so a session's guid in schedule.json never changes.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:exhibition:programme")


def public_sessions(*, event: Event) -> list[ConferenceSession]:
    """Published sessions with a room and a time, by time then room."""
    return [s for s in services.sessions(event=event, published_only=True) if s.is_placed]


def local_day(session: ConferenceSession, event: Event) -> date:
    return session.starts_at.astimezone(event.tz).date()


def session_over(session: ConferenceSession) -> bool:
    """Whether a session has ended: nobody can take a seat in it any more."""
    return not seats.session_open(session)


def seats_left(session: ConferenceSession) -> int | None:
    """Free seats (never below zero), or None when the session has no limit or is over."""
    limit = session.seat_limit
    if limit is None or session_over(session):
        return None
    return max(limit - session.seats_taken, 0)


# --- the agenda page --------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaFilter:
    track: str = ""  # a session's track_vi, the same in both languages
    day: date | None = None
    type: SessionType | None = None

    @classmethod
    def parse(cls, args) -> "AgendaFilter":
        """Read ?track=, ?day=YYYY-MM-DD and ?type= leniently: a value that means nothing is ignored."""
        day = parse_day(args.get("day"))
        try:
            type_ = SessionType(args.get("type", ""))
        except ValueError:
            type_ = None
        return cls(track=args.get("track", "")[:80], day=day, type=type_)

    @property
    def active(self) -> bool:
        return bool(self.track or self.day or self.type)

    def keeps(self, session: ConferenceSession, event: Event) -> bool:
        return (
            (not self.track or session.track_vi == self.track)
            and (self.day is None or local_day(session, event) == self.day)
            and (self.type is None or session.type is self.type)
        )


@dataclass
class Block:
    """A session on its day's grid. Rows are the moments when some session starts or ends (after
    one header row), so parallel sessions line up and long breaks take no room; columns are
    rooms, after one column of times."""

    session: ConferenceSession
    row: int
    row_end: int
    column: int


@dataclass
class AgendaDay:
    day: date
    rooms: list[Room]
    blocks: list[Block] = field(default_factory=list)
    times: list[tuple[datetime, int]] = field(default_factory=list)  # (start, row)


@dataclass
class Agenda:
    days: list[AgendaDay]
    all_days: list[date]
    tracks: list[tuple[str, str]]  # (track_vi, track_en)
    types: list[SessionType]
    count: int


def _agenda_day(day: date, sessions: list[ConferenceSession]) -> AgendaDay:
    rooms = sorted({s.room for s in sessions}, key=lambda r: (r.position, r.id))
    columns = {room.id: index + 2 for index, room in enumerate(rooms)}
    moments = sorted({s.starts_at for s in sessions} | {s.ends_at for s in sessions})
    rows = {moment: index + 2 for index, moment in enumerate(moments)}
    result = AgendaDay(day=day, rooms=rooms)
    for s in sessions:
        result.blocks.append(Block(s, rows[s.starts_at], rows[s.ends_at], columns[s.room_id]))
    result.times = [(start, rows[start]) for start in sorted({s.starts_at for s in sessions})]
    return result


def agenda(*, event: Event, wanted: AgendaFilter) -> Agenda:
    """The published programme grouped by local day, each day a grid of rooms and times."""
    everything = public_sessions(event=event)
    tracks = sorted({(s.track_vi, s.track_en) for s in everything if s.track_vi})
    types = [t for t in SessionType if any(s.type is t for s in everything)]
    all_days = sorted({local_day(s, event) for s in everything})
    shown = [s for s in everything if wanted.keeps(s, event)]
    by_day: dict[date, list[ConferenceSession]] = {}
    for s in shown:
        by_day.setdefault(local_day(s, event), []).append(s)
    days = [_agenda_day(day, by_day[day]) for day in sorted(by_day)]
    return Agenda(days=days, all_days=all_days, tracks=tracks, types=types, count=len(shown))


# --- addresses --------------------------------------------------------------------------------


def session_url(session: ConferenceSession, *, language: str = "vi") -> str:
    """The absolute address of a session's public page (English when asked)."""
    extra = {"lang": "en"} if language == "en" else {}
    return public_url("agenda.session", slug=session.event.slug, session_id=session.id, **extra)


def session_uid(session: ConferenceSession) -> str:
    """The iCalendar UID: the same in every feed and language, so clients update, not duplicate."""
    return f"session-{session.id}.{session.event.slug}@exhibition"


def session_guid(session: ConferenceSession) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{session.event.slug}/session/{session.id}"))


# --- iCalendar --------------------------------------------------------------------------------


def _names(session: ConferenceSession, role: PersonRole) -> str:
    return ", ".join(p.full_name for p in session.speakers_with(role))


def _ical_item(session: ConferenceSession, *, language: str, status: str) -> dict:
    event = session.event
    url = session_url(session, language=language)
    # Labels come from the page's locale; a feed is fetched with ?lang= like any page.
    details = [session.tr("description", language)]
    if chairs := _names(session, PersonRole.CHAIR):
        details.append(f"{label(PersonRole.CHAIR)}: {chairs}")
    if speakers := _names(session, PersonRole.SPEAKER):
        details.append(f"{label(PersonRole.SPEAKER)}: {speakers}")
    details.append(url)
    location = ", ".join(
        p for p in (session.room.tr("name", language), event.tr("venue", language)) if p
    )
    return {
        "uid": session_uid(session),
        "start": session.starts_at,
        "end": session.ends_at,
        "summary": session.tr("title", language),
        "description": "\n\n".join(d for d in details if d),
        "location": location,
        "url": url,
        "status": status,
        "categories": [label(session.type), session.tr("track", language)],
    }


def programme_calendar(*, event: Event, language: str, name: str) -> bytes:
    """Every published session as one .ics feed."""
    return ical.calendar(
        tz_name=event.timezone,
        name=name,
        events=[
            _ical_item(s, language=language, status="CONFIRMED")
            for s in public_sessions(event=event)
        ],
    )


def seated_sessions(*, registration: Registration) -> list[ConferenceSession]:
    """The published, placed sessions where a person holds a seat, by time."""
    if registration.is_cancelled or registration.is_erased:
        return []
    return [
        b.session
        for b in seats.bookings_of(registration=registration)
        if b.status is BookingStatus.SEATED and b.session.is_published and b.session.is_placed
    ]


def personal_calendar(
    *, registration: Registration, language: str, name: str, extra: list[dict] = ()
) -> bytes:
    """One attendee's feed: only sessions where they hold a seat. Requests and waiting-list
    places are left out rather than sent as TENTATIVE: a calendar would block the time for a
    seat the person may never get, and the feed updates by itself once they are seated.
    `extra`: more events of theirs (their business-matching meetings), in the same feed."""
    events = [
        _ical_item(s, language=language, status="CONFIRMED")
        for s in seated_sessions(registration=registration)
    ]
    return ical.calendar(
        tz_name=registration.event.timezone,
        name=name,
        events=sorted([*events, *extra], key=lambda item: (item["start"], item["uid"])),
    )


# --- schedule.json (frab / c3voc) -------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _slug(acronym: str, session: ConferenceSession, title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60].strip("-")
    return "-".join(p for p in (acronym, str(session.id), words) if p)


def _frab_event(session: ConferenceSession, *, event: Event, language: str) -> dict:
    start = session.starts_at.astimezone(event.tz)
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    title = session.tr("title", language)
    description = session.tr("description", language).strip()
    return {
        "id": session.id,
        "guid": session_guid(session),
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": _hhmm(minutes),
        "room": session.room.tr("name", language),
        "slug": _slug(event.slug, session, title),
        "url": session_url(session, language=language),
        "title": title,
        "subtitle": "",
        "track": session.tr("track", language),
        "type": session.type.value,
        # The language the session is held in; the export's language picks titles only.
        "language": "vi",
        "abstract": description.split("\n\n")[0].strip() if description else "",
        "description": description,
        "persons": [
            {"id": p.speaker.id, "public_name": p.speaker.full_name} for p in session.people
        ],
        "links": [],
        "attachments": [],
    }


def _days_of(event: Event, sessions: list[ConferenceSession]) -> list[date]:
    return sorted(set(event.days) | {local_day(s, event) for s in sessions})


def schedule(*, event: Event, language: str) -> dict:
    """The published programme as a frab/c3voc schedule.json document."""
    sessions = public_sessions(event=event)
    tz = event.tz
    rooms = sorted({s.room for s in sessions}, key=lambda r: (r.position, r.id))
    days = []
    for index, day in enumerate(_days_of(event, sessions), start=1):
        todays = [s for s in sessions if local_day(s, event) == day]
        midnight = datetime.combine(day, time(0), tzinfo=tz)
        day_start = min((s.starts_at for s in todays), default=midnight).astimezone(tz)
        day_end = max((s.ends_at for s in todays), default=midnight + timedelta(days=1))
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": day_start.isoformat(),
                "day_end": day_end.astimezone(tz).isoformat(),
                "rooms": {
                    room.tr("name", language): [
                        _frab_event(s, event=event, language=language)
                        for s in todays
                        if s.room_id == room.id
                    ]
                    for room in rooms
                },
            }
        )
    conference = {
        "acronym": event.slug,
        "title": event.tr("name", language),
        "start": days[0]["date"],
        "end": days[-1]["date"],
        "daysCount": len(days),
        "timeslot_duration": "00:15",
        "time_zone_name": event.timezone,
        "url": public_url("events.detail", slug=event.slug),
        "days": days,
    }
    # The version changes exactly when what is exported changes.
    digest = hashlib.sha256(json.dumps(conference, sort_keys=True).encode()).hexdigest()[:12]
    return {
        "schedule": {
            "version": digest,
            "base_url": public_url("agenda.agenda", slug=event.slug),
            "conference": conference,
        }
    }

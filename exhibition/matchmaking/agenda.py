"""A person's agenda: their business-matching meetings and the conference sessions where they hold
a seat, merged by time; and the same as iCalendar events (the "my sessions" feed carries both).

Meetings of organiser-scheduled sessions appear once the schedule is published; cancelled
meetings stay, marked as such (and in the feed as STATUS:CANCELLED with a bumped SEQUENCE, so
that calendars take them out)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from ..programme.models import ConferenceSession
from ..programme.schedule import seated_sessions
from ..visitors.models import Registration
from .display import meeting_place
from .models import Meeting, MeetingState, Participant
from .participants import participant_of
from .requests import meetings_of


@dataclass(frozen=True)
class AgendaItem:
    """One line of the agenda: a meeting (with the other side) or a conference session."""

    starts_at: datetime
    ends_at: datetime
    meeting: Meeting | None = None
    session: ConferenceSession | None = None
    other: Participant | None = None  # the other side of a meeting

    @property
    def is_meeting(self) -> bool:
        return self.meeting is not None

    @property
    def cancelled(self) -> bool:
        return self.meeting is not None and self.meeting.state is MeetingState.CANCELLED

    @property
    def late(self) -> bool:
        """Cancelled within two hours of its start."""
        return self.cancelled and self.meeting.cancelled_late

    def title(self, language: str | None = None) -> str:
        if self.meeting is not None:
            return self.other.company or self.other.name
        return self.session.tr("title", language)

    def place(self, language: str | None = None) -> str:
        """Where it happens, in the current language (meetings) or `language` (sessions)."""
        if self.meeting is not None:
            return meeting_place(self.meeting)
        room = self.session.room
        return room.tr("name", language) if room is not None else ""


def _meeting_items(participant: Participant | None) -> list[AgendaItem]:
    if participant is None:
        return []
    return [
        AgendaItem(m.starts_at, m.ends_at, meeting=m, other=m.other(participant))
        for m in meetings_of(participant)
    ]


def agenda_of(registration: Registration) -> list[AgendaItem]:
    """The person's published meetings (cancelled ones too) and seated sessions, by start time;
    nothing for a cancelled or erased registration."""
    if registration.is_cancelled or registration.is_erased:
        return []
    items = _meeting_items(participant_of(registration))
    items += [
        AgendaItem(s.starts_at, s.ends_at, session=s)
        for s in seated_sessions(registration=registration)
    ]
    # Sessions before meetings at the same start (a session usually frames the day's slots).
    return sorted(items, key=lambda i: (i.starts_at, i.is_meeting, i.ends_at))


def meeting_event(meeting: Meeting, participant: Participant) -> dict:
    """One meeting as an event for ical.calendar: its stable UID and its sequence, confirmed or
    cancelled; the other side's company and name, never their e-mail or phone (a feed may be
    shared). In the current language."""
    other = meeting.other(participant)
    who = ", ".join(part for part in (other.name, other.company) if part)
    session = meeting.session
    cancelled = meeting.state is MeetingState.CANCELLED
    summary = _("Meeting: %(company)s", company=other.company or other.name)
    if cancelled:
        summary = _("Cancelled: %(summary)s", summary=summary)
    return {
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "start": meeting.starts_at,
        "end": meeting.ends_at,
        "summary": summary,
        "description": "\n".join(
            part for part in (who, session.tr("name"), other.offer if other.offer else "") if part
        ),
        "location": meeting_place(meeting),
        "status": "CANCELLED" if cancelled else "CONFIRMED",
        "categories": [_("Business matching")],
    }


def meeting_events(registration: Registration) -> list[dict]:
    """The person's published meetings as calendar events (cancelled ones as CANCELLED)."""
    if registration.is_cancelled or registration.is_erased:
        return []
    participant = participant_of(registration)
    if participant is None:
        return []
    return [meeting_event(m, participant) for m in meetings_of(participant)]

"""Meeting reminders through the outbox: the evening before (18:00 in the exhibition's zone, one
e-mail per person listing their next day's meetings) and 15 minutes before each meeting.

A meeting booked after 18:00 the day before is told at once (before midnight); one booked on its
day gets only the 15-minute reminder. Each meeting is claimed by a conditional update of its
reminded_evening_at / reminded_soon_at (only the run whose update changed the row sends), in the
transaction that queues the e-mails: a rerun, or two runs at once (cron and the thread of
`flask serve`), send nothing twice. Cancelled and unpublished meetings are never reminded."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..extensions import db
from ..i18n import local_date
from ..mail.models import MessageKind
from ..mail.services import queue_email
from .display import meeting_place
from .models import Meeting, MeetingState, Participant
from .notifications import page_url
from .requests import expire_due

EVENING = time(18, 0)  # the evening before, in the exhibition's zone
SOON = timedelta(minutes=15)
# The longest time from an evening reminder to its meeting's start: 18:00 to the next midnight.
_EVENING_REACH = timedelta(hours=31)


def _due(*conditions) -> sa.Select:
    return (
        sa.select(Meeting)
        .where(
            Meeting.state == MeetingState.SCHEDULED,
            Meeting.published.is_(True),
            *conditions,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )


def _claim(ids: list[int], column, now: datetime) -> list[int]:
    """Set `column` to `now` on those of `ids` where it is still empty; the ids this run got."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.update(Meeting)
            .where(Meeting.id.in_(ids), column.is_(None), Meeting.state == MeetingState.SCHEDULED)
            .values({column.key: now})
            .returning(Meeting.id)
            .execution_options(synchronize_session=False)
        )
    )


def _local_day(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(meeting.session.event.tz).date()


def _evening_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """From 18:00 the day before the meeting's day to the start of that day."""
    tz = meeting.session.event.tz
    day = _local_day(meeting)
    return (
        datetime.combine(day - timedelta(days=1), EVENING, tzinfo=tz),
        datetime.combine(day, time(0, 0), tzinfo=tz),
    )


def _line(meeting: Meeting, participant: Participant) -> dict:
    """One meeting as the e-mail lists it (times in the exhibition's zone)."""
    tz = meeting.session.event.tz
    other = meeting.other(participant)
    return {
        "hours": f"{meeting.starts_at.astimezone(tz):%H:%M}–{meeting.ends_at.astimezone(tz):%H:%M}",
        "place": meeting_place(meeting),
        "company": other.company,
        "name": other.name,
        "session": meeting.session,
    }


def _send(participant: Participant, *, soon: bool, day: date, meetings: list[Meeting]) -> bool:
    registration = participant.registration
    if registration.is_cancelled or registration.is_erased or not meetings:
        return False
    event = registration.event
    language = registration.language
    with force_locale(language):
        day_text = local_date(day, "full")
        lines = [_line(m, participant) for m in meetings]
    if soon:
        subject = _l(
            "In 15 minutes: meeting with %(company)s",
            company=lines[0]["company"] or lines[0]["name"],
        )
    else:
        subject = _l("Your meetings tomorrow, %(day)s", day=day_text)
    message = queue_email(
        "meeting_reminder",
        {
            "participant": participant,
            "registration": registration,
            "event": event,
            "soon": soon,
            "day": day_text,
            "lines": lines,
            "page_url": page_url(participant),
        },
        to=registration.email,
        subject=subject,
        kind=MessageKind.MEETING_REMINDER,
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )
    return message is not None


def _day_meetings(participant: Participant, day: date) -> list[Meeting]:
    """The participant's published, scheduled meetings on `day` (local), by time."""
    found = db.session.scalars(
        _due(sa.or_(Meeting.a_id == participant.id, Meeting.b_id == participant.id))
    )
    return [m for m in found if _local_day(m) == day]


def send_evening(*, now: datetime) -> int:
    """The evening-before e-mails due: one per person and day, listing that day's meetings."""
    candidates = db.session.scalars(
        _due(
            Meeting.reminded_evening_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + _EVENING_REACH,
        )
    ).all()
    due = [m.id for m in candidates if _evening_window(m)[0] <= now < _evening_window(m)[1]]
    claimed = set(_claim(due, Meeting.reminded_evening_at, now))
    people: dict[tuple[int, date], Participant] = {}
    for meeting in candidates:
        if meeting.id in claimed:
            for person in (meeting.a, meeting.b):
                people[(person.id, _local_day(meeting))] = person
    sent = 0
    for (_person_id, day), person in sorted(people.items(), key=lambda kv: kv[0]):
        sent += _send(person, soon=False, day=day, meetings=_day_meetings(person, day))
    return sent


def send_soon(*, now: datetime) -> int:
    """The 15-minutes-before e-mails due: one to each side of each meeting."""
    candidates = db.session.scalars(
        _due(
            Meeting.reminded_soon_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + SOON,
        )
    ).all()
    claimed = set(_claim([m.id for m in candidates], Meeting.reminded_soon_at, now))
    sent = 0
    for meeting in candidates:
        if meeting.id in claimed:
            for person in (meeting.a, meeting.b):
                sent += _send(person, soon=True, day=_local_day(meeting), meetings=[meeting])
    return sent


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Queue the reminders due at `now` and commit: {"evening": e-mails, "soon": e-mails}."""
    now = now or utcnow()
    done = {"evening": send_evening(now=now)}
    db.session.commit()
    done["soon"] = send_soon(now=now)
    db.session.commit()
    return done


def run_due(*, now: datetime | None = None) -> dict[str, int]:
    """The matchmaking job: lapse the unanswered requests whose time is up (telling both sides
    once), then send the reminders due. What `flask matchmaking-jobs` and the thread of
    `flask serve` call."""
    now = now or utcnow()
    expired = expire_due(now=now)
    db.session.commit()
    return {"expired": expired, **send_due(now=now)}

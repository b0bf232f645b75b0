"""An exhibition's figures at a glance for organisers: registrations, exhibitors, booths,
sessions and mail.

The database counts everything with eight queries whatever the size of the event (50,000
registrations are still a few dozen grouped rows): registrations grouped by category, status and
local day (1), categories (1), exhibitors by status (1), booths by status and assignment (1),
published sessions (1) with their bookings and session scans (2, programme's own figures),
and the outbox by status (1). Python only touches the grouped rows.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..booths.models import Booth, BoothAssignment, BoothStatus
from ..charts import bar_chart
from ..checkin.stats import BUCKET, _quarter_hour
from ..dbtypes import utcnow
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..extensions import count_by, db
from ..mail.services import status_counts
from ..programme.models import ConferenceSession
from ..programme.services import session_figures
from ..visitors.categories import all_categories
from ..visitors.models import Registration, RegistrationStatus

EPOCH = date(1970, 1, 1)
QUARTERS_PER_DAY = int(timedelta(days=1) / BUCKET)
# The registrations chart: a bar a day up to DAILY_UP_TO days, a week up to WEEKLY_UP_TO, then a
# month; at most MAX_LABELS dates under it.
DAILY_UP_TO = 60
WEEKLY_UP_TO = 366
MAX_LABELS = 12


def _local_day(event: Event, column):
    """The number of the event's local day (counted from 1970-01-01) a stored time falls in.

    Built on the live figures' quarter hours (portable between SQLite and PostgreSQL), shifted by
    the event's offset from UTC: Asia/Ho_Chi_Minh is +7:00 all year, without summer time.
    """
    offset = event.starts_at.astimezone(event.tz).utcoffset() or timedelta(0)
    shift = int(offset / BUCKET)
    return (_quarter_hour(column) + shift) // QUARTERS_PER_DAY


def _registrations(event: Event, now: datetime) -> dict:
    day = _local_day(event, Registration.created_at)
    rows = db.session.execute(
        sa.select(Registration.category_id, Registration.status, day, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.category_id, Registration.status, day)
    ).all()
    totals = {status.value: 0 for status in RegistrationStatus}
    per_category: dict[int, int] = {}
    per_day: dict[int, int] = {}
    for category_id, status, number, count in rows:
        totals[status.value] += count
        if status is RegistrationStatus.CONFIRMED:
            per_category[category_id] = per_category.get(category_id, 0) + count
            per_day[number] = per_day.get(number, 0) + count
    by_day = {EPOCH + timedelta(days=number): count for number, count in per_day.items()}
    categories = [
        {
            "id": category.id,
            "code": category.code,
            "name": category.tr("name"),
            "color": category.color,
            "count": per_category.get(category.id, 0),
        }
        for category in all_categories(event=event)
    ]
    return {**totals, "history": _history(event, by_day, now), "by_category": categories}


def _bucket(day: date, unit: str) -> date:
    """The first day of the day, week (from Monday) or month that `day` falls in."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return (start + timedelta(days=31)).replace(day=1)
    return start + timedelta(days=1)


def _history(event: Event, by_day: dict[date, int], now: datetime) -> dict:
    """Confirmed registrations per day, week or month (the coarser the longer), over the
    registration window: from its opening (or an earlier registration, an import) to today, or
    to its close when that is past (or the exhibition's last day, when the desk registered at
    the door after the close). Each bar has its first and last day within that window."""
    today = now.astimezone(event.tz).date()
    start = event.registration_opens_at.astimezone(event.tz).date()
    if by_day:
        start = min(start, min(by_day))
    closed = max(event.registration_closes_at.astimezone(event.tz).date(), event.last_day)
    end = min(today, closed)
    if end < start:
        return {"unit": "day", "start": start, "end": end, "bars": []}
    span = (end - start).days + 1
    unit = "day" if span <= DAILY_UP_TO else ("week" if span <= WEEKLY_UP_TO else "month")
    counts: dict[date, int] = {}
    for day, count in by_day.items():
        if start <= day <= end:
            key = _bucket(day, unit)
            counts[key] = counts.get(key, 0) + count
    bars = []
    first = _bucket(start, unit)
    while first <= end:
        after = _next(first, unit)
        bars.append(
            {
                "start": max(first, start),
                "end": min(after - timedelta(days=1), end),
                "count": counts.get(first, 0),
            }
        )
        first = after
    return {"unit": unit, "start": start, "end": end, "bars": bars}


def _exhibitors(event: Event) -> list[dict]:
    counts = count_by(Exhibitor.status, Exhibitor.event_id == event.id)
    return [{"status": status, "count": counts.get(status, 0)} for status in ExhibitorStatus]


def _booths(event: Event) -> dict:
    """A booth with an assignment is sold whatever its status says (see BoothStatus)."""
    assigned = BoothAssignment.id.is_not(None)
    rows = db.session.execute(
        sa.select(Booth.status, assigned, sa.func.count(), sa.func.sum(Booth.price_vnd))
        .outerjoin(BoothAssignment, BoothAssignment.booth_id == Booth.id)
        .where(Booth.event_id == event.id)
        .group_by(Booth.status, assigned)
    ).all()
    figures = {"total": 0, "assigned": 0, "revenue_vnd": 0}
    figures.update({status.value: 0 for status in BoothStatus})
    for status, is_assigned, count, price in rows:
        figures["total"] += count
        if is_assigned:
            figures["assigned"] += count
            figures["revenue_vnd"] += int(price or 0)
        else:
            figures[status.value] += count
    return figures


def _sessions(event: Event) -> list[dict]:
    figures = session_figures(event=event)
    sessions = db.session.scalars(
        sa.select(ConferenceSession)
        .options(joinedload(ConferenceSession.room))
        .where(ConferenceSession.event_id == event.id, ConferenceSession.published_at.is_not(None))
        .order_by(ConferenceSession.starts_at, ConferenceSession.id)
    ).all()
    return [
        {
            "id": session.id,
            "title": session.tr("title"),
            "starts_at": session.starts_at,
            "room": session.room.tr("name") if session.room is not None else "",
            "seats_taken": session.seats_taken,
            "seat_limit": session.seat_limit,
            "waiting": figures.get(session.id, {}).get("waiting", 0),
        }
        for session in sessions
    ]


def event_overview(*, event: Event, now: datetime | None = None) -> dict:
    """An exhibition's figures at `now` for its organisers' overview page (eight queries, see
    above)."""
    return {
        "registrations": _registrations(event, now or utcnow()),
        "exhibitors": _exhibitors(event),
        "booths": _booths(event),
        "sessions": _sessions(event),
        "mail": status_counts(event_ids={event.id}),
    }


def history_chart(history: dict) -> dict:
    """The registrations chart: a bar per day, week or month, the first day of some of them
    under it (with its year when the chart spans years) in the `date` filter's `label_format`."""
    bars = history["bars"]
    every = max(1, -(-len(bars) // MAX_LABELS))
    if history["unit"] == "month":
        label_format = "MM/yyyy"
    elif history["start"].year != history["end"].year:
        label_format = "dd/MM/yyyy"
        every = max(every, -(-len(bars) // (MAX_LABELS * 2 // 3)))  # longer labels, fewer
    else:
        label_format = "dd/MM"
    labels = {index: bar["start"] for index, bar in enumerate(bars) if index % every == 0}
    chart = bar_chart(bars, labels=labels, centred=True)
    return {**chart, "unit": history["unit"], "label_format": label_format}

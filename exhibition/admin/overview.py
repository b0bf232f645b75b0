"""An exhibition's figures at a glance for organisers: registrations, exhibitors, booths,
sessions and mail.

The database counts everything with eight queries whatever the size of the event (50,000
registrations are still a few dozen grouped rows): registrations grouped by category, status and
local day (1), categories (1), exhibitors by status (1), booths by status and assignment (1),
published sessions (1) with their bookings and session scans (2, programme's own figures),
and the outbox by status (1). Python only touches the grouped rows.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..booths.models import Booth, BoothAssignment, BoothStatus
from ..checkin.stats import BUCKET, _quarter_hour
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..extensions import db
from ..mail.models import MessageStatus, OutboxMessage
from ..visitors.models import Registration, RegistrationStatus
from ..visitors.services import all_categories

EPOCH = date(1970, 1, 1)
QUARTERS_PER_DAY = int(timedelta(days=1) / BUCKET)
# The chart's drawing area, in SVG units, the same as the live figures' (checkin.live_views).
CHART = {"width": 960, "height": 220, "left": 40, "right": 8, "top": 12, "bottom": 24}


def _local_day(event: Event, column):
    """The number of the event's local day (counted from 1970-01-01) a stored time falls in.

    Built on the live figures' quarter hours (portable between SQLite and PostgreSQL), shifted by
    the event's offset from UTC: Asia/Ho_Chi_Minh is +7:00 all year, without summer time.
    """
    offset = event.starts_at.astimezone(event.tz).utcoffset() or timedelta(0)
    shift = int(offset / BUCKET)
    return (_quarter_hour(column) + shift) // QUARTERS_PER_DAY


def _registrations(event: Event) -> dict:
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
    days = []
    if per_day:
        for number in range(min(per_day), max(per_day) + 1):
            days.append({"day": EPOCH + timedelta(days=number), "count": per_day.get(number, 0)})
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
    return {**totals, "by_day": days, "by_category": categories}


def _exhibitors(event: Event) -> list[dict]:
    counts = dict(
        db.session.execute(
            sa.select(Exhibitor.status, sa.func.count())
            .where(Exhibitor.event_id == event.id)
            .group_by(Exhibitor.status)
        ).all()
    )
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
    from ..programme.models import ConferenceSession
    from ..programme.services import session_figures

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


def _mail(event: Event) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.event_id == event.id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in MessageStatus}
    counts.update({status.value: count for status, count in rows})
    return counts


def event_overview(*, event: Event) -> dict:
    """An exhibition's figures for its organisers' overview page (eight queries, see above)."""
    return {
        "registrations": _registrations(event),
        "exhibitors": _exhibitors(event),
        "booths": _booths(event),
        "sessions": _sessions(event),
        "mail": _mail(event),
    }


def day_chart(days: list[dict]) -> dict:
    """Bars of the registrations per day, with a date label under some of them."""
    plot_w = CHART["width"] - CHART["left"] - CHART["right"]
    plot_h = CHART["height"] - CHART["top"] - CHART["bottom"]
    top = max((item["count"] for item in days), default=0)
    step = plot_w / max(len(days), 1)
    every = max(1, -(-len(days) // 12))  # at most twelve labels
    bars, labels = [], []
    for index, item in enumerate(days):
        height = plot_h * item["count"] / top if top else 0
        bars.append(
            {
                "x": round(CHART["left"] + index * step + step * 0.1, 2),
                "y": round(CHART["top"] + plot_h - height, 2),
                "w": round(step * 0.8, 2),
                "h": round(height, 2),
                "day": item["day"],
                "count": item["count"],
            }
        )
        if index % every == 0:
            labels.append(
                {"x": round(CHART["left"] + index * step + step * 0.5, 2), "day": item["day"]}
            )
    return {**CHART, "bars": bars, "labels": labels, "top": top, "base": CHART["top"] + plot_h}

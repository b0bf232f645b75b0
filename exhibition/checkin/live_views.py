"""Organisers' live figures of the doors: the page draws them, then refreshes them from the API."""

from datetime import date, datetime

from flask import g, render_template, request

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..charts import bar_chart
from ..events.services import get_event
from ..text import parse_day
from .stats import event_stats

bp = staff_blueprint("checkin_live", __name__, url_prefix="/admin/events/<slug>")


def chart(series: list[dict]) -> dict:
    """Bars of the entries per quarter hour, the hours under them (every other hour when the
    axis is longer than the usual twelve hours); static/js/live.js draws the same."""
    every = 1 if len(series) <= 48 else 2
    labels = {}
    for index, item in enumerate(series):
        hour, minute = item["time"].split(":")
        if minute == "00" and int(hour) % every == 0:
            labels[index] = item["time"]
    return bar_chart(series, labels=labels)


@bp.get("/live")
@allow(Role.ORGANISER)
def live(slug: str):
    """Live figures: people in, entries per quarter hour, by category, province, door, session."""
    g.event = event = get_event(slug=slug)
    stats = event_stats(event=event, day=parse_day(request.args.get("day")))
    generated = datetime.fromisoformat(stats["generated_at"].replace("Z", "+00:00"))
    return render_template(
        "checkin/live.html",
        event=event,
        stats=stats,
        chart=chart(stats["per_quarter_hour"]),
        updated=generated,
        day_dates={day: date.fromisoformat(day) for day in stats["days"]},
    )

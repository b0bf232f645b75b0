"""Organisers' live figures of the doors: the page draws them, then refreshes them from the API."""

from datetime import date, datetime

from flask import Blueprint, g, render_template, request

from ..admin.access import allow, authorise
from ..admin.models import Role
from ..events.services import get_event
from ..text import parse_day
from .stats import event_stats

bp = Blueprint("checkin_live", __name__, url_prefix="/admin/events/<slug>")
bp.before_request(authorise)

# The chart's drawing area, in SVG units; static/js/live.js draws the same with the same numbers.
CHART = {"width": 960, "height": 220, "left": 40, "right": 8, "top": 12, "bottom": 24}


def chart(series: list[dict]) -> dict:
    """Bars of the entries per quarter hour, and the hour labels under them."""
    plot_w = CHART["width"] - CHART["left"] - CHART["right"]
    plot_h = CHART["height"] - CHART["top"] - CHART["bottom"]
    top = max((item["count"] for item in series), default=0)
    step = plot_w / max(len(series), 1)
    every = 1 if len(series) <= 48 else 2  # hours between labels
    bars, labels = [], []
    for index, item in enumerate(series):
        height = plot_h * item["count"] / top if top else 0
        bars.append(
            {
                "x": round(CHART["left"] + index * step + step * 0.1, 2),
                "y": round(CHART["top"] + plot_h - height, 2),
                "w": round(step * 0.8, 2),
                "h": round(height, 2),
                "time": item["time"],
                "count": item["count"],
            }
        )
        hour, minute = item["time"].split(":")
        if minute == "00" and int(hour) % every == 0:
            labels.append({"x": round(CHART["left"] + index * step, 2), "text": item["time"]})
    return {**CHART, "bars": bars, "labels": labels, "top": top, "base": CHART["top"] + plot_h}


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
        updated=generated.astimezone(event.tz).strftime("%H:%M:%S"),
        day_dates={day: date.fromisoformat(day) for day in stats["days"]},
    )

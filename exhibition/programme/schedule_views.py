"""Organisers' schedule grid: a day of rooms and quarter hours where sessions are placed (by drag
and drop or by form), and the conflicts of the programme."""

from datetime import datetime, timedelta

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..errors import json_error, refused, wants_json
from ..events.services import get_event
from ..extensions import db
from ..forms import Form
from ..text import parse_day
from . import conflicts as conflict_rules
from . import services
from .forms import PlaceForm, aware

bp = staff_blueprint("schedule", __name__, url_prefix="/admin/events/<slug>/programme")

SLOT = timedelta(minutes=15)  # the grid's row


def _days(event) -> list:
    return event.days[:31]


@bp.get("/schedule")
@allow(Role.ORGANISER)
def grid(slug: str):
    """A day's grid of rooms and quarter hours; sessions are dragged to move (or moved by form)."""
    g.event = event = get_event(slug=slug)
    days = _days(event)
    wanted = parse_day(request.args.get("day"))
    day = wanted if wanted in days else days[0]
    rooms = services.rooms(event=event)
    all_sessions = services.sessions(event=event)
    start_of_day = datetime.combine(day, datetime.min.time(), tzinfo=event.tz)
    todays = [
        s for s in all_sessions if s.is_placed and s.starts_at.astimezone(event.tz).date() == day
    ]
    first_hour = min([7] + [s.starts_at.astimezone(event.tz).hour for s in todays])
    last_hour = max([19] + [s.ends_at.astimezone(event.tz).hour + 1 for s in todays])
    grid_start = start_of_day + timedelta(hours=first_hour)
    slots = int((last_hour - first_hour) * 4)
    conflicts = conflict_rules.find_conflicts(event=event)
    flagged = {i for c in conflicts for i in c.session_ids}

    def row(value):
        return int((value - grid_start) / SLOT) + 1

    placed = [
        {
            "session": s,
            "column": next((i for i, r in enumerate(rooms) if r.id == s.room_id), 0) + 1,
            "row": row(s.starts_at),
            "span": max(1, round((s.ends_at - s.starts_at) / SLOT)),
            "flagged": s.id in flagged,
        }
        for s in todays
    ]
    return render_template(
        "programme/schedule.html",
        event=event,
        days=days,
        day=day,
        rooms=rooms,
        placed=placed,
        unplaced=[s for s in all_sessions if not s.is_placed],
        slots=slots,
        slot_times=[(grid_start + SLOT * n).astimezone(event.tz) for n in range(slots)],
        conflicts=conflicts,
        action_form=Form(),
    )


def _json_form_data() -> MultiDict:
    """The grid's JSON object as form data; what is not an object, and values that are not
    text, are left out, so that the form refuses them instead of failing on them."""
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON
        payload = None
    if not isinstance(payload, dict):
        return MultiDict()
    return MultiDict({key: value for key, value in payload.items() if isinstance(value, str)})


@bp.post("/sessions/<int:session_id>/place")
@allow(Role.ORGANISER)
def place(slug: str, session_id: int):
    """Move a session to a room and time (the grid's drag and drop, or the form beside it).

    JSON answer: the conflicts after the move, or 409 room_taken (nothing moved).
    """
    g.event = event = get_event(slug=slug)
    session = services.get_session(event=event, session_id=session_id)
    form = PlaceForm(formdata=_json_form_data()) if request.is_json else PlaceForm()
    form.room.choices = [(str(r.id), r.tr("name")) for r in services.rooms(event=event)]
    if not form.validate_on_submit() or form.ends_at.data <= form.starts_at.data:
        message = _("Choose a room, a start and an end after the start.")
        if wants_json():
            fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            return json_error("validation_failed", message, 422, fields=fields)
        flash(message, "error")
        return redirect(url_for("schedule.grid", slug=slug))
    with refused(quietly=wants_json()) as refusal:
        services.place_session(
            session=session,
            room=services.get_room(event=event, room_id=int(form.room.data)),
            starts_at=aware(form.starts_at.data, event),
            ends_at=aware(form.ends_at.data, event),
        )
    if refusal:
        if wants_json():
            error = refusal.error
            return json_error(error.code, error.message, error.status)
        return redirect(url_for("schedule.grid", slug=slug))
    db.session.commit()
    conflicts = conflict_rules.conflicts_of(session=session)
    day = session.starts_at.astimezone(event.tz).date().isoformat()
    if wants_json():
        return jsonify(
            {
                "ok": True,
                "session": {"id": session.id, "room_id": session.room_id},
                "conflicts": [
                    {"kind": c.kind, "sessions": list(c.session_ids), "message": c.message}
                    for c in conflicts
                ],
            }
        )
    flash(_("“%(title)s” has been moved.", title=session.tr("title")), "success")
    for conflict in conflicts:
        flash(conflict.message, "warning")
    return redirect(url_for("schedule.grid", slug=slug, day=day))


@bp.get("/conflicts")
@allow(Role.ORGANISER)
def conflicts(slug: str):
    g.event = event = get_event(slug=slug)
    found = conflict_rules.find_conflicts(event=event)
    by_id = {s.id: s for s in services.sessions(event=event)}
    return render_template("programme/conflicts.html", event=event, conflicts=found, sessions=by_id)

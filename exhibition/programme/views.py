"""Organisers' programme: rooms, speakers, sessions, the schedule grid, conflicts, attendance."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from ..admin.access import allow, authorise
from ..admin.audit import both, record
from ..admin.models import Role
from ..checkin.models import Scan, ScanResult
from ..errors import DomainError, json_error, wants_json
from ..events.services import get_event
from ..extensions import db
from ..forms import Form
from ..text import parse_day
from . import conflicts as conflict_rules
from . import seats, services
from .forms import PlaceForm, RoomForm, SessionForm, SpeakerForm, parse_windows
from .models import (
    HOLDING,
    ConferenceSession,
    PersonRole,
    SessionAccess,
    SessionBooking,
    SessionType,
)

bp = Blueprint("programme", __name__, url_prefix="/admin/events/<slug>/programme")
bp.before_request(authorise)

SLOT = timedelta(minutes=15)  # the schedule grid's row


def _event(slug: str):
    g.event = event = get_event(slug=slug)
    return event


def _local(value: datetime | None, event) -> datetime | None:
    """A stored UTC time as the naive wall time of the event's zone, for datetime-local inputs."""
    return value.astimezone(event.tz).replace(tzinfo=None) if value else None


def _aware(value: datetime | None, event) -> datetime | None:
    return value.replace(tzinfo=event.tz) if value else None


@bp.get("")
@allow(Role.ORGANISER)
def index(slug: str):
    """Every session with its place, seats, attendance and conflicts; publish from here."""
    event = _event(slug)
    all_sessions = services.sessions(event=event)
    conflicts = conflict_rules.find_conflicts(event=event)
    counts: dict[int, int] = {}
    for conflict in conflicts:
        for session_id in conflict.session_ids:
            counts[session_id] = counts.get(session_id, 0) + 1
    return render_template(
        "programme/admin_index.html",
        event=event,
        sessions=all_sessions,
        conflict_counts=counts,
        conflicts=conflicts,
        figures=services.session_figures(event=event),
        action_form=Form(),
        unpublished=sum(1 for s in all_sessions if s.is_placed and not s.is_published),
    )


def _session_form(event, session: ConferenceSession | None) -> SessionForm:
    form = SessionForm()
    if request.method == "GET":
        form = SessionForm(formdata=None, obj=session)
        if session is not None:
            form.type.data, form.access.data = session.type.value, session.access.value
            form.room.data = str(session.room_id or "")
            form.starts_at.data = _local(session.starts_at, event)
            form.ends_at.data = _local(session.ends_at, event)
            form.chairs.data = [str(s.id) for s in session.speakers_with(PersonRole.CHAIR)]
            form.speakers.data = [str(s.id) for s in session.speakers_with(PersonRole.SPEAKER)]
        else:
            form.type.data, form.access.data = SessionType.SEMINAR.value, SessionAccess.OPEN.value
    form.setup_choices(rooms=services.rooms(event=event), speakers=services.speakers(event=event))
    return form


@bp.route("/sessions/new", methods=["GET", "POST"], endpoint="session_new")
@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def session_edit(slug: str, session_id: int | None = None):
    """Create or edit a session; saving shows the conflicts it has (two in one room is refused)."""
    event = _event(slug)
    session = services.get_session(event=event, session_id=session_id) if session_id else None
    form = _session_form(event, session)
    if form.validate_on_submit():
        by_id = {str(s.id): s for s in services.speakers(event=event)}
        room = (
            services.get_room(event=event, room_id=int(form.room.data)) if form.room.data else None
        )
        try:
            saved = services.save_session(
                event=event,
                session=session,
                title_vi=form.title_vi.data,
                title_en=form.title_en.data or "",
                description_vi=form.description_vi.data or "",
                description_en=form.description_en.data or "",
                type=SessionType(form.type.data),
                access=SessionAccess(form.access.data),
                track_vi=form.track_vi.data or "",
                track_en=form.track_en.data or "",
                capacity=form.capacity.data,
                room=room,
                starts_at=_aware(form.starts_at.data, event),
                ends_at=_aware(form.ends_at.data, event),
                chairs=[by_id[i] for i in form.chairs.data or [] if i in by_id],
                speakers=[by_id[i] for i in form.speakers.data or [] if i in by_id],
            )
        except DomainError as error:
            db.session.rollback()
            form.room.errors = [*form.room.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The session has been saved."), "success")
            for conflict in conflict_rules.conflicts_of(session=saved):
                flash(conflict.message, "warning")
            return redirect(url_for("programme.session_edit", slug=slug, session_id=saved.id))
    return render_template(
        "programme/session_form.html",
        event=event,
        session=session,
        form=form,
        action_form=Form(),
        conflicts=conflict_rules.conflicts_of(session=session) if session is not None else [],
    ), (422 if form.errors else 200)


@bp.post("/sessions/<int:session_id>/delete")
@allow(Role.ORGANISER)
def session_delete(slug: str, session_id: int):
    event = _event(slug)
    session = services.get_session(event=event, session_id=session_id)
    title = session.tr("title")
    record(
        actor=current_user,
        action="session.deleted",
        event=event,
        target=session,
        target_type="session",
        summary=session.title_vi,
        details={"session": both(session.title_vi, session.title_en)},
    )
    told = services.delete_session(session=session)
    db.session.commit()
    flash(_("“%(title)s” has been deleted.", title=title), "success")
    if told:
        flash(
            _("%(count)s people seated or waiting have been told by e-mail.", count=told), "success"
        )
    return redirect(url_for("programme.index", slug=slug))


@bp.post("/publish")
@allow(Role.ORGANISER)
def publish(slug: str):
    """Publish every placed session (or, with session_id, one; with withdraw=1, take it back)."""
    event = _event(slug)
    raw = request.form.get("session_id", "")
    ids = [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if raw and ids is None:
        abort(404)
    withdraw = request.form.get("withdraw") == "1"
    count = services.publish(event=event, session_ids=ids, publish=not withdraw)
    record(
        actor=current_user,
        action="programme.published",
        event=event,
        target_type="session" if ids else "",
        target_id=ids[0] if ids else None,
        details={"withdrawn" if withdraw else "published": count},
    )
    db.session.commit()
    if withdraw:
        flash(_("Taken off the public agenda."), "success")
    else:
        flash(_("%(count)s session(s) published on the agenda.", count=count), "success")
    if ids and request.form.get("next") == "session":
        return redirect(url_for("programme.session_edit", slug=slug, session_id=ids[0]))
    return redirect(url_for("programme.index", slug=slug))


# --- the schedule grid -----------------------------------------------------------------------


def _days(event) -> list:
    return event.days[:31]


@bp.get("/schedule")
@allow(Role.ORGANISER)
def schedule(slug: str):
    """A day's grid of rooms and quarter hours; sessions are dragged to move (or moved by form)."""
    event = _event(slug)
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
    event = _event(slug)
    session = services.get_session(event=event, session_id=session_id)
    form = PlaceForm(formdata=_json_form_data()) if request.is_json else PlaceForm()
    form.room.choices = [(str(r.id), r.tr("name")) for r in services.rooms(event=event)]
    if not form.validate_on_submit() or form.ends_at.data <= form.starts_at.data:
        message = _("Choose a room, a start and an end after the start.")
        if wants_json():
            fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            return json_error("validation_failed", message, 422, fields=fields)
        flash(message, "error")
        return redirect(url_for("programme.schedule", slug=slug))
    try:
        services.place_session(
            session=session,
            room=services.get_room(event=event, room_id=int(form.room.data)),
            starts_at=_aware(form.starts_at.data, event),
            ends_at=_aware(form.ends_at.data, event),
        )
    except DomainError as error:
        db.session.rollback()
        if wants_json():
            return json_error(error.code, error.message, error.status)
        flash(str(error.message), "error")
        return redirect(url_for("programme.schedule", slug=slug))
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
    return redirect(url_for("programme.schedule", slug=slug, day=day))


@bp.get("/conflicts")
@allow(Role.ORGANISER)
def conflicts(slug: str):
    event = _event(slug)
    found = conflict_rules.find_conflicts(event=event)
    by_id = {s.id: s for s in services.sessions(event=event)}
    return render_template("programme/conflicts.html", event=event, conflicts=found, sessions=by_id)


# --- rooms and speakers ----------------------------------------------------------------------


@bp.route("/rooms", methods=["GET", "POST"])
@bp.route("/rooms/<int:room_id>", methods=["GET", "POST"], endpoint="room_edit")
@allow(Role.ORGANISER)
def rooms(slug: str, room_id: int | None = None):
    """Rooms with their seats and availability; add one, or edit one."""
    event = _event(slug)
    room = services.get_room(event=event, room_id=room_id) if room_id else None
    form = RoomForm(formdata=None, obj=room) if request.method == "GET" else RoomForm()
    if request.method == "GET" and room is not None:
        form.windows.data = "\n".join(
            f"{w.starts_at.astimezone(event.tz):%Y-%m-%d %H:%M} - "
            f"{w.ends_at.astimezone(event.tz):%Y-%m-%d %H:%M}"
            for w in room.windows
        )
    if form.validate_on_submit():
        try:
            windows = parse_windows(form.windows.data or "", event.tz)
        except ValidationError as error:  # names the line at fault
            form.windows.errors = [*form.windows.errors, str(error)]
        else:
            try:
                services.save_room(
                    event=event,
                    room=room,
                    name_vi=form.name_vi.data,
                    name_en=form.name_en.data or "",
                    capacity=form.capacity.data,
                    windows=windows,
                )
            except DomainError as error:
                db.session.rollback()
                form.name_vi.errors = [*form.name_vi.errors, str(error.message)]
            else:
                db.session.commit()
                flash(_("The room has been saved."), "success")
                return redirect(url_for("programme.rooms", slug=slug))
    return render_template(
        "programme/rooms.html",
        event=event,
        rooms=services.rooms(event=event),
        room=room,
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/speakers", methods=["GET", "POST"])
@bp.route("/speakers/<int:speaker_id>", methods=["GET", "POST"], endpoint="speaker_edit")
@allow(Role.ORGANISER)
def speakers(slug: str, speaker_id: int | None = None):
    """Speakers and chairs; add one, or edit one."""
    event = _event(slug)
    speaker = services.get_speaker(event=event, speaker_id=speaker_id) if speaker_id else None
    form = SpeakerForm(formdata=None, obj=speaker) if request.method == "GET" else SpeakerForm()
    if form.validate_on_submit():
        services.save_speaker(
            event=event,
            speaker=speaker,
            **{name: form[name].data for name in form._fields if name != "csrf_token"},
        )
        db.session.commit()
        flash(_("%(name)s has been saved.", name=form.full_name.data), "success")
        return redirect(url_for("programme.speakers", slug=slug))
    return render_template(
        "programme/speakers.html",
        event=event,
        speakers=services.speakers(event=event),
        speaker=speaker,
        form=form,
    ), (422 if form.errors else 200)


# --- who comes ------------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/people")
@allow(Role.ORGANISER)
def session_people(slug: str, session_id: int):
    """A session's seats, requests, waiting list and attendance."""
    event = _event(slug)
    session = services.get_session(event=event, session_id=session_id)
    bookings = seats.bookings_for(session=session)
    walk_ins = db.session.scalars(
        sa.select(Scan)
        .where(Scan.session_id == session.id, Scan.result == ScanResult.NOT_REGISTERED)
        .order_by(Scan.scanned_at)
    ).all()
    return render_template(
        "programme/session_people.html",
        event=event,
        session=session,
        bookings=bookings,
        walk_ins=walk_ins,
        figures=services.session_figures(event=event).get(session.id, {}),
        action_form=Form(),
    )


@bp.post("/bookings/<int:booking_id>/<any(approve, decline, cancel):action>")
@allow(Role.ORGANISER)
def booking_action(slug: str, booking_id: int, action: str):
    """Approve or decline a request, or take a seat back (the waiting list moves up)."""
    event = _event(slug)
    booking = db.session.get(SessionBooking, booking_id)
    if booking is None or booking.session.event_id != event.id:
        abort(404)
    if action == "approve":
        seats.approve(booking=booking)
    elif action == "decline":
        seats.decline(booking=booking)
    elif booking.status in HOLDING:
        seats.cancel_booking(booking=booking)
    db.session.commit()
    flash(
        _("%(name)s: %(status)s.", name=booking.registration.full_name, status=_status(booking)),
        "success",
    )
    return redirect(url_for("programme.session_people", slug=slug, session_id=booking.session_id))


def _status(booking) -> str:
    from ..labels import label

    return label(booking.status)

"""Organisers' programme: rooms, speakers, sessions, the schedule grid, conflicts, attendance."""

from datetime import datetime

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.validators import ValidationError

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, record
from ..accounts.models import Role
from ..checkin.models import Scan, ScanResult
from ..errors import refused
from ..events.services import get_event
from ..extensions import db
from ..forms import Form
from ..labels import label
from . import conflicts as conflict_rules
from . import seats, services
from .forms import RoomForm, SessionForm, SpeakerForm, aware, parse_windows
from .models import (
    HOLDING,
    ConferenceSession,
    PersonRole,
    SessionAccess,
    SessionBooking,
    SessionType,
)

bp = staff_blueprint("programme", __name__, url_prefix="/admin/events/<slug>/programme")


def _event(slug: str):
    g.event = event = get_event(slug=slug)
    return event


def _local(value: datetime | None, event) -> datetime | None:
    """A stored UTC time as the naive wall time of the event's zone, for datetime-local inputs."""
    return value.astimezone(event.tz).replace(tzinfo=None) if value else None


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
        with refused(form.room) as refusal:
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
                starts_at=aware(form.starts_at.data, event),
                ends_at=aware(form.ends_at.data, event),
                chairs=[by_id[i] for i in form.chairs.data or [] if i in by_id],
                speakers=[by_id[i] for i in form.speakers.data or [] if i in by_id],
            )
        if not refusal:
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
            with refused(form.name_vi) as refusal:
                services.save_room(
                    event=event,
                    room=room,
                    name_vi=form.name_vi.data,
                    name_en=form.name_en.data or "",
                    capacity=form.capacity.data,
                    windows=windows,
                )
            if not refusal:
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
    return label(booking.status)

"""The organisers' business-matching pages: sessions (times, slots, tables, booth hosts), the
participants with their meetings and no-shows, requests and meetings per session, and the import
of hosted buyers with their must-meet lists."""

from datetime import datetime, time, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import describes
from ..accounts.models import Role
from ..dbtypes import utcnow
from ..errors import refused
from ..events.services import get_event
from ..extensions import db, paginate
from ..i18n import local_datetime
from ..reference.models import Sector
from . import attendance, figures, importing, organising
from .admin_forms import ButtonForm, HostForm, ImportForm, ParticipantForm, SessionForm
from .models import MeetingState, Mode, RequestState, Side
from .participants import get_participant
from .requests import meetings_of
from .sessions import (
    InvalidSession,
    WouldDropMeetings,
    exhibitor_staff,
    get_session,
    host_of,
    save_session,
    sessions_of,
    set_booth_host,
)
from .slots import slot_end, slots_of

bp = staff_blueprint("matchmaking_admin", __name__, url_prefix="/admin/events/<slug>/matchmaking")

STAFF = (Role.ORGANISER, Role.MATCHMAKING)


@describes("matchmaking.session_created", "matchmaking.session_changed")
def _describe_session(d: dict) -> str:
    return d.get("name", "")


@describes("matchmaking.booth_host")
def _describe_host(d: dict) -> str:
    return _("%(company)s · %(count)s representatives", company=d.get("company", ""),
             count=d.get("representatives", 0))  # fmt: skip


@describes("matchmaking.imported")
def _describe_import(d: dict) -> str:
    return _(
        "%(buyers)s buyers, %(requests)s must-meet pairs, %(not_listed)s not listed",
        buyers=d.get("buyers", 0),
        requests=d.get("requests", 0),
        not_listed=d.get("not_listed", 0),
    )


@describes("matchmaking.meeting_cancelled")
def _describe_cancelled(d: dict) -> str:
    when = datetime.fromisoformat(d["starts_at"]) if d.get("starts_at") else None
    return f"{local_datetime(when) if when else ''} · {d.get('a', '')} · {d.get('b', '')}"


@bp.get("/")
@allow(*STAFF)
def index(slug: str):
    """The exhibition's matchmaking sessions with their figures."""
    g.event = event = get_event(slug=slug)
    sessions = sessions_of(event=event)
    return render_template(
        "matchmaking/admin/index.html",
        event=event,
        rows=[(s, figures.session_figures(s)) for s in sessions],
        states=list(RequestState),
    )


def _new_form(event) -> SessionForm:
    form = SessionForm(formdata=None)
    form.setup_choices()
    day = event.starts_at.astimezone(event.tz).date()
    form.day.data, form.starts_at.data, form.ends_at.data = day, time(8, 30), time(11, 30)
    form.slot_minutes.data, form.buffer_minutes.data = 20, 5
    form.mode.data, form.sides.data = Mode.SELF.value, "buyer_supplier"
    now = utcnow().astimezone(event.tz).replace(second=0, microsecond=0, tzinfo=None)
    form.booking_opens_at.data = now
    form.booking_closes_at.data = datetime.combine(day, time(8, 30)) - timedelta(days=1)
    form.ttl_hours.data, form.ttl_minutes.data = 48, 0
    form.table_count.data = 10
    return form


def _save(event, form: SessionForm, session=None):
    """Save the form's session; on refusal the form carries the error (or `dropped` the
    meetings the change would drop). Returns (saved session or None, dropped meetings)."""
    try:
        saved = save_session(
            event=event, data=form.values(event.tz), session=session, user=current_user
        )
    except InvalidSession as error:
        db.session.rollback()
        target = form[SessionForm.FIELD_OF.get(error.field, error.field)]
        target.errors = [*target.errors, str(error.message)]
        return None, []
    except WouldDropMeetings as error:
        dropped = list(error.meetings)
        db.session.rollback()
        return None, dropped
    db.session.commit()
    return saved, []


@bp.route("/sessions/new", methods=["GET", "POST"])
@allow(*STAFF)
def session_new(slug: str):
    g.event = event = get_event(slug=slug)
    if request.method == "POST":
        form = SessionForm()
        form.setup_choices()
        if form.validate_on_submit():
            saved, _dropped = _save(event, form)
            if saved is not None:
                flash(_("The session has been saved."), "success")
                return redirect(
                    url_for("matchmaking_admin.session", slug=slug, meeting_session_id=saved.id)
                )
        status = 422
    else:
        form, status = _new_form(event), 200
    return render_template("matchmaking/admin/session_new.html", event=event, form=form), status


def _session_page(event, session, form, *, dropped=(), host_form=None, status=200):
    chosen = request.args.get("host", type=int)
    candidate = None
    if chosen and host_of(session, chosen) is None:
        candidate = next((e for e in organising.possible_hosts(session) if e.id == chosen), None)
    hosts = []
    for host in session.hosts:
        staff_form = HostForm(formdata=None, prefix=f"host{host.exhibitor_id}")
        if host_form is not None and host_form[0] == host.exhibitor_id:
            staff_form = host_form[1]
        staff_form.representatives.choices = [
            (r.id, r.full_name) for r in exhibitor_staff(host.exhibitor)
        ]
        if host_form is None or host_form[0] != host.exhibitor_id:
            staff_form.representatives.data = [r.registration_id for r in host.representatives]
        hosts.append((host, staff_form))
    new_host_form = None
    if candidate is not None:
        new_host_form = HostForm(formdata=None, prefix=f"host{candidate.id}")
        new_host_form.representatives.choices = [
            (r.id, r.full_name) for r in exhibitor_staff(candidate)
        ]
    return render_template(
        "matchmaking/admin/session.html",
        event=event,
        session=session,
        form=form,
        figures=figures.session_figures(session),
        slots=[(start, slot_end(session, start)) for start in slots_of(session)],
        dropped=dropped,
        hosts=hosts,
        possible_hosts=organising.possible_hosts(session),
        candidate=candidate,
        new_host_form=new_host_form,
        states=list(RequestState),
    ), status


@bp.route("/sessions/<int:meeting_session_id>", methods=["GET", "POST"])
@allow(*STAFF)
def session(slug: str, meeting_session_id: int):
    """A session: its figures and slots, its booth hosts, and its settings to change."""
    g.event = event = get_event(slug=slug)
    meeting_session = get_session(event=event, session_id=meeting_session_id)
    dropped = []
    if request.method == "POST":
        form = SessionForm()
        form.setup_choices()
        if form.validate_on_submit():
            saved, dropped = _save(event, form, meeting_session)
            if saved is not None:
                flash(_("The session has been saved."), "success")
                return redirect(request.path)
            meeting_session = get_session(event=event, session_id=meeting_session_id)
        return _session_page(event, meeting_session, form, dropped=dropped, status=422)
    form = SessionForm(formdata=None)
    form.setup_choices()
    form.fill(meeting_session, event.tz)
    return _session_page(event, meeting_session, form)


@bp.post("/sessions/<int:meeting_session_id>/hosts/<int:exhibitor_id>")
@allow(*STAFF)
def booth_host(slug: str, meeting_session_id: int, exhibitor_id: int):
    """Set an exhibitor's representatives at its booth for the session (none: not a host)."""
    g.event = event = get_event(slug=slug)
    meeting_session = get_session(event=event, session_id=meeting_session_id)
    exhibitor = organising.get_host_candidate(session=meeting_session, exhibitor_id=exhibitor_id)
    form = HostForm(prefix=f"host{exhibitor.id}")
    form.representatives.choices = [(r.id, r.full_name) for r in exhibitor_staff(exhibitor)]
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        form_page = SessionForm(formdata=None)
        form_page.setup_choices()
        form_page.fill(meeting_session, event.tz)
        return _session_page(
            event, meeting_session, form_page, host_form=(exhibitor.id, form), status=422
        )
    dropped = []
    try:
        host = set_booth_host(
            session=meeting_session,
            exhibitor=exhibitor,
            registration_ids=form.representatives.data or [],
            user=current_user,
        )
    except WouldDropMeetings as error:
        dropped = list(error.meetings)
        db.session.rollback()
        meeting_session = get_session(event=event, session_id=meeting_session_id)
        form_page = SessionForm(formdata=None)
        form_page.setup_choices()
        form_page.fill(meeting_session, event.tz)
        return _session_page(event, meeting_session, form_page, dropped=dropped, status=409)
    db.session.commit()
    if host is None:
        flash(_("The exhibitor no longer receives meetings at its booth."), "success")
    else:
        flash(_("The booth's representatives have been saved."), "success")
    return redirect(
        url_for("matchmaking_admin.session", slug=slug, meeting_session_id=meeting_session_id)
        + "#hosts"
    )


def _state_filter(enum, value):
    try:
        return enum(value) if value else None
    except ValueError:
        return None


@bp.get("/sessions/<int:meeting_session_id>/requests")
@allow(*STAFF)
def requests(slug: str, meeting_session_id: int):
    g.event = event = get_event(slug=slug)
    meeting_session = get_session(event=event, session_id=meeting_session_id)
    state = _state_filter(RequestState, request.args.get("state", ""))
    return render_template(
        "matchmaking/admin/requests.html",
        event=event,
        session=meeting_session,
        page=paginate(figures.requests_query(session=meeting_session, state=state), per_page=100),
        state=state,
        states=list(RequestState),
    )


@bp.get("/sessions/<int:meeting_session_id>/meetings")
@allow(*STAFF)
def meetings(slug: str, meeting_session_id: int):
    g.event = event = get_event(slug=slug)
    meeting_session = get_session(event=event, session_id=meeting_session_id)
    state = _state_filter(MeetingState, request.args.get("state", ""))
    return render_template(
        "matchmaking/admin/meetings.html",
        event=event,
        session=meeting_session,
        page=paginate(figures.meetings_query(session=meeting_session, state=state), per_page=100),
        state=state,
        states=list(MeetingState),
        now=utcnow(),
        no_shows_of=attendance.no_shows_of,
        button_form=ButtonForm(),
    )


@bp.post("/meetings/<int:meeting_id>/cancel")
@allow(*STAFF)
def cancel(slug: str, meeting_id: int):
    """Cancel a meeting for both sides (each is told)."""
    g.event = event = get_event(slug=slug)
    meeting = organising.get_meeting(event=event, meeting_id=meeting_id)
    session_id = meeting.session_id
    if not ButtonForm().validate_on_submit():
        abort(400)
    with refused() as refusal:
        organising.cancel_for_both(meeting=meeting, user=current_user)
    if not refusal:
        db.session.commit()
        if meeting.published:
            flash(_("The meeting has been cancelled; both sides are told."), "success")
        else:
            flash(_("The draft meeting has been cancelled; nobody had been told of it."), "success")
    return redirect(url_for("matchmaking_admin.meetings", slug=slug, meeting_session_id=session_id))


@bp.get("/participants")
@allow(*STAFF)
def participants(slug: str):
    """Everyone taking part, with their meetings, meetings held and no-shows."""
    g.event = event = get_event(slug=slug)
    query = request.args.get("q", "")[:200]
    side = _state_filter(Side, request.args.get("side", ""))
    sectors = list(db.session.scalars(db.select(Sector).order_by(Sector.position)))
    sector = request.args.get("sector", "")
    sector = sector if any(s.code == sector for s in sectors) else ""
    page = paginate(
        figures.participants_query(event=event, query=query, side=side, sector_code=sector),
        per_page=100,
    )
    return render_template(
        "matchmaking/admin/participants.html",
        event=event,
        page=page,
        figures=figures.person_figures([p.id for p in page.items]),
        query=query,
        side=side,
        sides=list(Side),
        sector=sector,
        sectors=sectors,
    )


@bp.route("/participants/<int:participant_id>", methods=["GET", "POST"])
@allow(*STAFF)
def participant(slug: str, participant_id: int):
    """One participant: hosted or not, meeting limit, slots they cannot meet in."""
    g.event = event = get_event(slug=slug)
    person = get_participant(event=event, participant_id=participant_id, listed_only=False)
    slots = organising.all_slots(event)
    form = ParticipantForm() if request.method == "POST" else ParticipantForm(formdata=None)
    form.absences.choices = [
        (start.isoformat(), f"{s.tr('name')} · {local_datetime(start)}") for s, start in slots
    ]
    if request.method == "POST":
        if form.validate_on_submit():
            chosen = set(form.absences.data or [])
            organising.update_participant(
                participant=person,
                hosted=form.hosted.data,
                meeting_limit=form.meeting_limit.data,
                absent={start for _s, start in slots if start.isoformat() in chosen},
            )
            db.session.commit()
            flash(_("The participant's settings have been saved."), "success")
            return redirect(request.path)
        status = 422
    else:
        form.hosted.data = person.hosted
        form.meeting_limit.data = person.meeting_limit
        form.absences.data = [a.isoformat() for a in organising.absences_of(person)]
        status = 200
    return render_template(
        "matchmaking/admin/participant.html",
        event=event,
        person=person,
        form=form,
        figures=figures.person_figures([person.id])[person.id],
        meetings=meetings_of(person, published_only=False),
    ), status


@bp.route("/import", methods=["GET", "POST"])
@allow(*STAFF)
def import_buyers(slug: str):
    """Hosted buyers and their must-meet lists from a CSV or Excel file, all rows or none."""
    g.event = event = get_event(slug=slug)
    form = ImportForm()
    organiser_sessions = [s for s in sessions_of(event=event) if s.mode is Mode.ORGANISER]
    form.session.choices = [("", _("None (no must-meet lists in the file)"))] + [
        (str(s.id), f"{s.tr('name')} · {local_datetime(s.starts_at)}") for s in organiser_sessions
    ]
    if request.method == "GET" and organiser_sessions:
        form.session.data = str(organiser_sessions[0].id)
    report, status = None, 200
    if form.validate_on_submit():
        chosen = next((s for s in organiser_sessions if str(s.id) == form.session.data), None)
        upload = form.file.data
        report = importing.import_buyers(
            event=event,
            session=chosen,
            data=upload.read(importing.MAX_BYTES + 1),
            filename=upload.filename or "",
            user=current_user,
        )
        if report.ok:
            db.session.commit()
        else:
            db.session.rollback()
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template(
        "matchmaking/admin/import.html",
        event=event,
        form=form,
        report=report,
        columns=importing.TEMPLATE_COLUMNS,
        max_rows=importing.MAX_ROWS,
    ), status

"""Business matching for the person, under their "my registration" link: joining and leaving,
the directory of participants, a person's profile, asking for a meeting and answering.

Every POST carries its CSRF token (a page's form, or a page's fetch in X-CSRFToken) and answers
JSON when the client sends JSON or asks only for JSON: refusals are `{"error": {"code",
"message"}}` with the service's stable code. The same actions without CSRF, authenticated by the
link alone, are the participant API under /api/v1/matching/<token> (api/matching_views.py), in the
OpenAPI document.
"""

from datetime import UTC

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..api.schemas.matching import (
    AcceptBody,
    DeclineBody,
    person_json,
)
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound, refused, wants_json
from ..extensions import db, guess_limit, limiter, paginate
from ..forms import Form
from ..i18n import local_datetime
from ..visitors import services as visitor_services
from ..visitors.views import _registration
from . import participants, requests
from .actions import (
    accept_request,
    ask_json,
    cancel_meeting,
    decline_request,
    error_json,
    parse_slot,
    read_body,
    refusal_message,
    slot_value,
    withdraw_request,
)
from .availability import slots_ahead
from .forms import AcceptForm, DeclineForm, ProfileForm, RequestForm
from .models import Mode, Participant, Side
from .section import fill_default_profile, matching_of
from .sessions import sessions_of

bp = Blueprint("matching", __name__)


PER_PAGE = 20


def _back(registration):
    return redirect(url_for("visitors.manage", token=registration.manage_token) + "#matchmaking")


def _answer(registration, message: str, *, error: DomainError | None = None, **data):
    """The answer to an action: JSON for the API, else a flash message back on the person's
    page."""
    if wants_json():
        if error is not None:
            return error_json(error)
        return jsonify({"ok": True, "message": message, **data})
    if error is not None:
        flash(refusal_message(error), "error")
    else:
        flash(message, "success")
    return _back(registration)


def _abort(error: DomainError):
    if wants_json():
        abort(make_response(error_json(error)))
    raise error


def _me(token: str) -> tuple:
    """The registration behind the link and its listed participant; someone not listed (or
    cancelled) is sent to their page to join first."""
    registration = _registration(token)
    try:
        if registration.is_cancelled:
            raise participants.RegistrationClosed()
        me = participants.listed_participant(registration)
    except DomainError as error:
        if wants_json():
            abort(make_response(error_json(error)))
        flash(str(error.message), "error")
        abort(_back(registration))
    return registration, me


def _person(registration, person_id: int) -> Participant:
    try:
        return participants.get_participant(event=registration.event, participant_id=person_id)
    except NotFound as error:
        _abort(error)


def provinces_by_code() -> dict:
    return {p.code: p.tr("name") for p in visitor_services.provinces()}


# ---------------------------------------------------------------- joining and leaving


@bp.route("/r/<token>/matching/profile", methods=["GET", "POST"])
@guess_limit
@limiter.limit("60 per minute")
def profile(token: str):
    """Join business matching with a profile (the consent), or change it."""
    registration = _registration(token)
    event = registration.event
    if not sessions_of(event=event):
        abort(404)
    participant = participants.participant_of(registration)
    form = ProfileForm()
    form.setup_choices(sectors=visitor_services.sectors())
    if request.method == "GET":
        if participant is not None:
            form.fill_from(participant)
        else:
            fill_default_profile(form, registration)
    if form.validate_on_submit():
        with refused() as refusal:
            participants.join(
                registration=registration,
                profile=participants.Profile(
                    side=Side(form.side.data),
                    company=form.company.data,
                    offer=form.offer.data or "",
                    sector_codes=tuple(form.sectors.data or ()),
                    meeting_limit=form.meeting_limit.data,
                    show_job_title=form.show_job_title.data,
                    show_province=form.show_province.data,
                ),
            )
        if not refusal:
            db.session.commit()
            listed_before = participant is not None and participant.listed
            flash(
                _("Your business-matching profile has been saved.")
                if listed_before
                else _("You are listed for business matching."),
                "success",
            )
            return _back(registration)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "matchmaking/profile.html",
        registration=registration,
        event=event,
        participant=participant,
        form=form,
    ), status


@bp.post("/r/<token>/matching/leave")
@guess_limit
@limiter.limit("60 per minute")
def leave(token: str):
    """Leave business matching: the consent is withdrawn, pending requests withdrawn."""
    registration = _registration(token)
    participants.leave(registration=registration)
    db.session.commit()
    return _answer(
        registration,
        _("You are no longer listed for business matching. Your booked meetings stay."),
    )


# ---------------------------------------------------------------- the directory and profiles


@bp.get("/r/<token>/matching")
@guess_limit
@limiter.limit("120 per minute")
def directory(token: str):
    """The participants the person may ask for a meeting, searched and filtered."""
    return show_directory(token)


def show_directory(token: str):
    """The directory's page, or its JSON (the API's too)."""
    registration, me = _me(token)
    event = registration.event
    query = (request.args.get("q") or "")[:100]
    side = request.args.get("side") or ""
    sector = request.args.get("sector") or ""
    province = request.args.get("province") or ""
    sectors = visitor_services.sectors()
    provinces = provinces_by_code()
    stmt = participants.directory(
        event=event,
        query=query,
        side=Side(side) if side in {s.value for s in Side} else None,
        sector_code=sector if sector in {s.code for s in sectors} else None,
        province_code=province if province in provinces else None,
        exclude=me,
    )
    page = paginate(stmt, per_page=PER_PAGE)
    if wants_json():
        return jsonify(
            {
                "people": [person_json(p, provinces) for p in page.items],
                "page": page.page,
                "pages": page.pages,
                "total": page.total,
            }
        )
    return render_template(
        "matchmaking/directory.html",
        registration=registration,
        event=event,
        me=me,
        page=page,
        query=query,
        side=side,
        sector=sector,
        province=province,
        sectors=sectors,
        provinces=provinces,
        sides=list(Side),
    )


@bp.get("/r/<token>/matching/people/<int:person_id>")
@guess_limit
@limiter.limit("120 per minute")
def person(token: str, person_id: int):
    """One participant as the others see them; e-mail and phone once a meeting is accepted."""
    return show_person(token, person_id)


def show_person(token: str, person_id: int):
    registration, me = _me(token)
    other = _person(registration, person_id)
    contact = other.id != me.id and requests.contact_shown(me, other)
    provinces = provinces_by_code()
    if wants_json():
        return jsonify(person_json(other, provinces, contact=contact))
    return render_template(
        "matchmaking/person.html",
        registration=registration,
        event=registration.event,
        me=me,
        other=other,
        contact=contact,
        provinces=provinces,
        action_form=Form(),
    )


@bp.post("/r/<token>/matching/people/<int:person_id>/block")
@guess_limit
@limiter.limit("60 per minute")
def block(token: str, person_id: int):
    """Take no more requests from this person."""
    registration, me = _me(token)
    other = _person(registration, person_id)
    participants.block(participant=me, other=other)
    db.session.commit()
    return _answer(
        registration, _("%(name)s can no longer ask you for a meeting.", name=other.name)
    )


# ---------------------------------------------------------------- requests


def _chosen_session(event, sessions, wanted) -> object:
    """The session asked for (?session= or the form's), else the first whose booking is open."""
    now = utcnow()
    by_id = {s.id: s for s in sessions}
    try:
        chosen = by_id.get(int(wanted))
    except (TypeError, ValueError):
        chosen = None
    if chosen is not None:
        return chosen
    open_now = [s for s in sessions if requests.booking_open(s, now)]
    return (open_now or sessions)[0]


@bp.route("/r/<token>/matching/people/<int:person_id>/request", methods=["GET", "POST"])
@guess_limit
@limiter.limit("60 per minute")
def ask(token: str, person_id: int):
    """Ask a participant for a meeting: a message and, where people book their own meetings,
    one to three times free for both."""
    registration, me = _me(token)
    event = registration.event
    other = _person(registration, person_id)
    sessions = sessions_of(event=event)
    if not sessions:
        _abort(NotFound())
    if request.method == "POST" and request.is_json:
        return ask_json(registration, me, other)
    session = _chosen_session(event, sessions, request.values.get("session"))
    form = RequestForm(self_scheduled=session.mode is Mode.SELF)
    form.session.choices = [(s.id, s.tr("name")) for s in sessions]
    now = utcnow()
    free = (
        requests.free_common_slots(session, me, other, now=now)
        if session.mode is Mode.SELF and me.id != other.id
        else []
    )
    ahead = slots_ahead(session, now)
    form.slots.choices = [(slot_value(s), local_datetime(s)) for s in ahead]
    if request.method == "GET":
        form.session.data = session.id
    free_values = {slot_value(s) for s in free}
    if form.validate_on_submit():
        with refused(quietly=True) as refusal:
            asked = requests.request_meeting(
                session=session,
                requester=me,
                recipient=other,
                message=form.message.data or "",
                starts=[parse_slot(v) for v in form.slots.data or []],
            )
        if isinstance(refusal.error, requests.MessageTooLong):
            form.message.errors.append(str(refusal.error.message))
        elif refusal:
            form.form_errors.append(refusal_message(refusal.error))
        if refusal:
            # The times free now (the refusal may say one was taken meanwhile).
            free_values = {
                slot_value(s) for s in requests.free_common_slots(session, me, other, now=now)
            }
        else:
            db.session.commit()
            if asked.created:
                flash(_("Your request has been sent to %(name)s.", name=other.name), "success")
            else:
                flash(
                    _(
                        "You already have a request with %(name)s awaiting an answer.",
                        name=other.name,
                    ),
                    "success",
                )
            return _back(registration)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "matchmaking/request.html",
        registration=registration,
        event=event,
        me=me,
        other=other,
        session=session,
        sessions=sessions,
        form=form,
        free_values=free_values,
    ), status


def _act(registration, action, *args):
    """Run an action for a page's form (or its fetch): back to the person's page with its
    message, a refusal's message, or 404 for a request or meeting that is not theirs."""
    with refused(quietly=True) as refusal:
        message, body = action(*args)
    if isinstance(refusal.error, NotFound):
        _abort(refusal.error)
    if refusal:
        return _answer(registration, "", error=refusal.error)
    return _answer(registration, message, **body)


@bp.post("/r/<token>/matching/requests/<int:request_id>/accept")
@guess_limit
@limiter.limit("60 per minute")
def accept(token: str, request_id: int):
    """Accept a request received, in one of its proposed times: the meeting is booked."""
    registration, me = _me(token)
    if request.is_json:
        slot = read_body(AcceptBody).slot
        start = slot.astimezone(UTC) if slot is not None else None
    else:
        value = AcceptForm(prefix=f"r{request_id}").slot.data
        start = parse_slot(value) if value else None
    return _act(registration, accept_request, me, request_id, start)


@bp.post("/r/<token>/matching/requests/<int:request_id>/decline")
@guess_limit
@limiter.limit("60 per minute")
def decline(token: str, request_id: int):
    """Decline a request received, with a message if one likes."""
    registration, me = _me(token)
    if request.is_json:
        answer = read_body(DeclineBody).message
    else:
        answer = DeclineForm(prefix=f"r{request_id}").answer.data or ""
    return _act(registration, decline_request, me, request_id, answer)


@bp.post("/r/<token>/matching/requests/<int:request_id>/withdraw")
@guess_limit
@limiter.limit("60 per minute")
def withdraw(token: str, request_id: int):
    """Take back a request one made that is not answered yet."""
    registration, me = _me(token)
    return _act(registration, withdraw_request, me, request_id)


@bp.post("/r/<token>/matching/meetings/<int:meeting_id>/cancel")
@guess_limit
@limiter.limit("60 per minute")
def cancel(token: str, meeting_id: int):
    """Cancel a booked meeting until its time starts (late within two hours of it)."""
    registration = _registration(token)
    return _act(registration, cancel_meeting, registration, meeting_id)


@bp.app_context_processor
def matching_section():
    return {"matching_of": matching_of}

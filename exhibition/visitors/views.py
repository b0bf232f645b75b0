"""Public sign-up and the "my registration" pages."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..accounts.audit import SELF
from ..badges.services import lead_qr_text
from ..dbtypes import utcnow
from ..errors import DomainError, json_error, refused, wants_json
from ..events.models import RegistrationState
from ..events.services import event_calendar, get_event
from ..exhibitors import leads
from ..exhibitors.models import Exhibitor
from ..extensions import db, guess_limit, limiter, posted
from ..forms import Form, choices
from ..matchmaking.sessions import has_matchmaking
from ..programme import seats
from ..programme import services as programme
from ..programme.models import BookingStatus, SessionAccess
from ..qr import qr_svg_data_uri
from . import changes, services, sharing
from .audit import log_registration
from .categories import all_categories, public_categories
from .erasure import RegistrationErased, erase_registration
from .forms import ConsentForm, EraseForm, RegistrationForm, VisitorDetailsForm
from .models import ConsentPurpose
from .personal_data import export_personal_data

bp = Blueprint("visitors", __name__)


def _choices(form, event, *, public_only: bool = True) -> None:
    categories = public_categories(event=event) if public_only else all_categories(event=event)
    # Kept for the request: the session's identity map holds objects weakly, and the service
    # looks the chosen category up again (without this, one more query per sign-up).
    g.categories = categories
    form.setup_choices(
        categories=categories, provinces=services.provinces(), sectors=services.sectors()
    )


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
# Sized for a venue whose visitors share one public address (its Wi-Fi): hundreds sign up in a
# morning rush. One e-mail address is sent at most 10 times in 10 minutes, from anywhere (and
# its link is e-mailed again at most once per services.RESEND_PAUSE).
@limiter.limit("120 per minute;1500 per hour", methods=["POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"], key_func=posted("email"))
def register(slug: str):
    """The public sign-up form."""
    g.event = event = get_event(slug=slug)
    state = event.registration_state()
    if state is not RegistrationState.OPEN:
        return render_template("visitors/closed.html", event=event, state=state), 403
    form = RegistrationForm()
    _choices(form, event)
    if not has_matchmaking(event=event):
        del form.consent_matchmaking
    form.consent_share_exhibitors.label.text = sharing.sign_up_wording(event)
    if form.validate_on_submit():
        with refused() as refusal:
            registration, created = services.register_visitor(
                event=event, data=form.visitor_data(email=form.email.data), consents=form.consents()
            )
        if not refusal:
            # Read before the commit, which expires the object (else one more query).
            email, token = registration.email, registration.manage_token
            db.session.commit()
            if not created:
                return redirect(url_for("visitors.sent_again", slug=slug))
            flash(
                _(
                    "You are registered. Your badge is below and on its way to %(email)s.",
                    email=email,
                ),
                "success",
            )
            return redirect(url_for("visitors.manage", token=token))
    status = 422 if form.is_submitted() else 200
    return render_template("visitors/register.html", event=event, form=form), status


@bp.get("/events/<slug>/register/sent")
def sent_again(slug: str):
    """Shown when the e-mail was registered already: the link went to that address again."""
    g.event = event = get_event(slug=slug)
    return render_template("visitors/sent_again.html", event=event)


def _registration(token: str):
    """The registration behind a link; once its data is erased, every page of the link answers
    only that (410 Gone)."""
    registration = services.get_by_manage_token(token=token)
    g.event = registration.event
    if registration.is_erased:
        error = RegistrationErased()
        if wants_json():
            abort(make_response(json_error(error.code, error.message, error.status)))
        page = render_template(
            "visitors/erased.html", registration=registration, event=registration.event
        )
        abort(make_response(page, error.status))
    return registration


@bp.get("/r/<token>/proof/<proof>")
@guess_limit
@limiter.limit("60 per minute")
def prove_address(token: str, proof: str):
    """The link in the confirmation e-mail: opening it proves the address is the person's."""
    registration = _registration(token)
    if not services.prove_address(registration=registration, proof=proof):
        abort(404)
    db.session.commit()
    return redirect(url_for("visitors.manage", token=token))


def _consent_form(registration) -> ConsentForm:
    share = registration.consent_for(ConsentPurpose.SHARE_EXHIBITORS)
    news = registration.consent_for(ConsentPurpose.NEWS)
    form = ConsentForm(
        formdata=None,
        share_exhibitors=bool(share and share.granted),
        news=bool(news and news.granted),
    )
    form.share_exhibitors.label.text = sharing.manage_wording(registration.event)
    return form


@bp.get("/r/<token>")
@guess_limit
@limiter.limit("120 per minute")
def manage(token: str):
    """A person's registration: badge, details, consents, calendar, corrections, cancellation,
    and the conference sessions they joined or may join."""
    registration = _registration(token)
    bookings = seats.bookings_of(registration=registration)
    booked = {b.session_id for b in bookings}
    now = utcnow()
    offered = [
        s
        for s in programme.sessions(event=registration.event, published_only=True)
        if s.id not in booked
        and s.access is not SessionAccess.INVITATION
        and seats.session_open(s, now)
    ]
    working = not registration.is_cancelled
    return render_template(
        "visitors/manage.html",
        registration=registration,
        event=registration.event,
        lead_qr_text=lead_qr_text(registration.lead_code) if working else "",
        lead_qr_src=qr_svg_data_uri(lead_qr_text(registration.lead_code)) if working else "",
        visits=leads.leads_of(registration) if working else [],
        shares_all=leads.consents_to_share(registration),
        shared_fields=sharing.shared_fields_text(registration.event),
        consent_form=_consent_form(registration),
        purposes=list(ConsentPurpose),
        bookings=bookings,
        offered=offered,
        session_over=lambda session: not seats.session_open(session, now),
        action_form=Form(),
    )


def _session_answer(registration, message: str, error: DomainError | None = None, booking=None):
    if wants_json():
        if error is not None:
            return json_error(error.code, error.message, error.status)
        status = booking.status.value if booking is not None else None
        return jsonify({"ok": True, "status": status, "message": message})
    flash(str(error.message) if error is not None else message, "error" if error else "success")
    return redirect(url_for("visitors.manage", token=registration.manage_token) + "#sessions")


@bp.post("/r/<token>/sessions/<int:session_id>")
@guess_limit
@limiter.limit("60 per minute")
def join_session(token: str, session_id: int):
    """Take a seat in a session: a seat if one is free, else the waiting list (or a request for
    sessions with approval)."""
    registration = _registration(token)  # CSRF is checked for every POST (CSRFProtect)
    with refused(quietly=True) as refusal:
        session = programme.get_session(
            event=registration.event, session_id=session_id, published_only=True
        )
        booking = seats.book(session=session, registration=registration)
    if refusal:
        return _session_answer(registration, "", refusal.error)
    db.session.commit()
    title = session.tr("title")
    message = {
        BookingStatus.SEATED: _("You have a seat in “%(title)s”.", title=title),
        BookingStatus.WAITING: _(
            "“%(title)s” is full: you are on the waiting list and will get an e-mail if a seat becomes free.",
            title=title,
        ),
        BookingStatus.REQUESTED: _(
            "Your request for “%(title)s” has been sent to the organisers.", title=title
        ),
    }.get(booking.status, "")
    return _session_answer(registration, message, booking=booking)


@bp.post("/r/<token>/sessions/<int:session_id>/leave")
@guess_limit
@limiter.limit("60 per minute")
def leave_session(token: str, session_id: int):
    """Give up a seat (it goes to the first on the waiting list) or leave the waiting list."""
    registration = _registration(token)  # CSRF is checked for every POST (CSRFProtect)
    try:
        session = programme.get_session(event=registration.event, session_id=session_id)
    except DomainError as error:
        return _session_answer(registration, "", error)
    booking = seats.booking_of(session=session, registration=registration)
    if booking is not None:
        seats.cancel_booking(booking=booking)
        db.session.commit()
    return _session_answer(
        registration, _("You have left “%(title)s”.", title=session.tr("title")), booking=booking
    )


@bp.post("/r/<token>/consents")
@guess_limit
@limiter.limit("120 per minute")
def consents(token: str):
    """Give or withdraw the optional consents."""
    registration = _registration(token)
    form = ConsentForm()
    if form.validate_on_submit():
        with refused() as refusal:
            changed = changes.change_consents(
                registration=registration,
                share_exhibitors=form.share_exhibitors.data,
                news=form.news.data,
            )
        if not refusal:
            db.session.commit()
            if changed:
                flash(_("Your consents have been updated."), "success")
    return redirect(url_for("visitors.manage", token=token) + "#consents")


def _visited_exhibitor(registration, exhibitor_id: int) -> Exhibitor:
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if exhibitor is None or exhibitor.event_id != registration.event_id:
        abort(404)
    return exhibitor


@bp.post("/r/<token>/exhibitors/<int:exhibitor_id>/share")
@guess_limit
@limiter.limit("60 per minute")
def share_with_exhibitor(token: str, exhibitor_id: int):
    """Share one's details with one exhibitor whose booth scanned the badge."""
    registration = _registration(token)
    exhibitor = _visited_exhibitor(registration, exhibitor_id)
    if Form().validate_on_submit():
        with refused() as refusal:
            leads.share_with(registration=registration, exhibitor=exhibitor)
        if not refusal:
            db.session.commit()
            flash(
                _(
                    "%(company)s now receives your details.",
                    company=exhibitor.tr("company_name"),
                ),
                "success",
            )
    return redirect(url_for("visitors.manage", token=token) + "#exhibitors")


@bp.post("/r/<token>/exhibitors/<int:exhibitor_id>/unshare")
@guess_limit
@limiter.limit("60 per minute")
def unshare_with_exhibitor(token: str, exhibitor_id: int):
    """Take back the details shared with one exhibitor (the visit itself stays)."""
    registration = _registration(token)
    exhibitor = _visited_exhibitor(registration, exhibitor_id)
    if Form().validate_on_submit():
        with refused() as refusal:
            leads.unshare_with(registration=registration, exhibitor=exhibitor)
        if not refusal:
            db.session.commit()
            flash(
                _(
                    "%(company)s no longer receives your details; it only knows that you visited its booth.",
                    company=exhibitor.tr("company_name"),
                ),
                "success",
            )
    return redirect(url_for("visitors.manage", token=token) + "#exhibitors")


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@guess_limit
@limiter.limit("120 per minute")
def edit(token: str):
    """Correct one's details."""
    registration = _registration(token)
    if registration.is_cancelled:
        flash(_("This registration has been cancelled."), "error")
        return redirect(url_for("visitors.manage", token=token))
    form = VisitorDetailsForm()
    public_only = registration.category.is_public
    _choices(form, registration.event, public_only=public_only)
    if not public_only:  # keep a category the organisers gave, without offering others
        form.category.choices = choices(
            [(registration.category_id, registration.category.tr("name"))]
        )
    if request.method == "GET":
        form.fill_from(registration)
    if form.validate_on_submit():
        with refused() as refusal:
            changes.update_registration(
                registration=registration,
                data=form.visitor_data(email=registration.email),
                public_only=public_only,
            )
        if not refusal:
            db.session.commit()
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("visitors.manage", token=token))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "visitors/edit.html", registration=registration, event=registration.event, form=form
    ), status


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@guess_limit
@limiter.limit("120 per minute")
def cancel(token: str):
    """Cancel one's registration (asks first)."""
    registration = _registration(token)
    form = Form()
    if form.validate_on_submit():
        with refused() as refusal:
            changes.cancel_registration(registration=registration)
        if not refusal:
            log_registration(actor=SELF, action="registration.cancelled", registration=registration)
            db.session.commit()
            flash(_("Your registration has been cancelled. Your badge no longer works."), "success")
        return redirect(url_for("visitors.manage", token=token))
    return render_template(
        "visitors/cancel.html", registration=registration, event=registration.event, form=form
    )


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
@guess_limit
@limiter.limit("120 per minute")
def erase(token: str):
    """Erase one's personal data: the page says what happens; only the confirmed form does it."""
    registration = _registration(token)
    form = EraseForm()
    if form.validate_on_submit():
        with refused() as refusal:
            erase_registration(registration=registration, reason="person")
        if not refusal:
            log_registration(actor=SELF, action="registration.erased", registration=registration)
            db.session.commit()
            flash(_("Your personal data has been erased."), "success")
        return redirect(url_for("visitors.manage", token=token))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "visitors/erase.html", registration=registration, event=registration.event, form=form
    ), status


@bp.get("/r/<token>/my-data.json")
@guess_limit
@limiter.limit("30 per minute")
def my_data(token: str):
    """Everything stored about this person, to take away (JSON)."""
    registration = _registration(token)
    body = export_personal_data(registration=registration)
    response = current_app.json.response(body)
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/r/<token>/event.ics")
@guess_limit
@limiter.limit("120 per minute")
def calendar(token: str):
    """The exhibition as a calendar file in the person's language (it links to the exhibition's
    public page: a calendar may be shared)."""
    registration = _registration(token)
    event = registration.event
    body = event_calendar(event=event, language=registration.language)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'},
    )

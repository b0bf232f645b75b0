"""The exhibitor portal: a company's contact signs in by e-mail link, edits the profile, sees the
booth on the plan and registers staff."""

from functools import wraps

from flask import Blueprint, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _

from ..booths import services as booths
from ..errors import refused
from ..events.services import get_event
from ..extensions import db, guess_limit, limiter
from ..forms import Form
from ..payments import einvoices
from ..payments import portal as payment_views
from ..visitors.services import sectors
from . import portal, services
from .forms import PortalLoginForm, ProfileForm, StaffForm
from .logos import delete_logo, save_logo, submitted_with_logo

bp = Blueprint("portal", __name__, url_prefix="/events/<slug>/portal")
SESSION_KEY = "portal"  # [exhibitor id, its sign-out count]: see portal.session_key


def signed_in(view):
    """The view gets the signed-in exhibitor of this event, or the sign-in page is shown."""

    @wraps(view)
    def wrapper(slug: str, **kwargs):
        g.event = event = get_event(slug=slug)
        exhibitor = portal.signed_in_exhibitor(event=event, key=session.get(SESSION_KEY))
        if exhibitor is None:
            session.pop(SESSION_KEY, None)
            return redirect(url_for("portal.login", slug=slug))
        return view(event, exhibitor, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def login(slug: str):
    """Ask for a sign-in link by e-mail (the same answer whether or not the address is known)."""
    g.event = event = get_event(slug=slug)
    form = PortalLoginForm()
    if form.validate_on_submit():
        portal.request_sign_in(event=event, email=form.email.data)
        db.session.commit()
        return render_template(
            "exhibitors/portal_link_sent.html", event=event, email=form.email.data
        )
    return render_template("exhibitors/portal_login.html", event=event, form=form), (
        422 if form.errors else 200
    )


@bp.route("/login/<token>", methods=["GET", "POST"])
@guess_limit
@limiter.limit("20 per minute")
def sign_in(slug: str, token: str):
    """A sign-in link: the page asks to confirm (mail scanners that open links use up nothing),
    then the link signs in once, within an hour."""
    g.event = event = get_event(slug=slug)
    form = Form()
    with refused() as refusal:
        if not form.validate_on_submit():
            exhibitor = portal.peek_sign_in(event=event, token=token)
            return render_template(
                "exhibitors/portal_sign_in.html", event=event, exhibitor=exhibitor, form=form
            )
        exhibitor = portal.sign_in(event=event, token=token)
    if refusal:
        return redirect(url_for("portal.login", slug=slug))
    db.session.commit()
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = portal.session_key(exhibitor=exhibitor)
    return redirect(url_for("portal.home", slug=slug))


@bp.post("/logout")
def logout(slug: str):
    """Sign out of the portal: every session of the company ends, a copied cookie too."""
    exhibitor = portal.signed_in_exhibitor(
        event=get_event(slug=slug), key=session.pop(SESSION_KEY, None)
    )
    if exhibitor is not None:
        portal.sign_out(exhibitor=exhibitor)
        db.session.commit()
    return redirect(url_for("events.detail", slug=slug))


def _home(event, exhibitor, staff_form: StaffForm, status: int = 200):
    return render_template(
        "exhibitors/portal_home.html",
        event=event,
        exhibitor=exhibitor,
        plan=booths.plan(event=event, exhibitor=exhibitor),
        staff=portal.staff(exhibitor=exhibitor),
        quota=portal.staff_quota(exhibitor=exhibitor),
        staff_form=staff_form,
        action_form=Form(),
        payments=payment_views.owed(exhibitor),
        einvoiced=einvoices.recorded_of(exhibitor),
    ), status


@bp.get("/")
@signed_in
def home(event, exhibitor):
    """The company's status, its booth on the plan and its staff."""
    return _home(event, exhibitor, StaffForm(formdata=None))


@bp.post("/staff")
@signed_in
def add_staff(event, exhibitor):
    """Register a staff member; the badge is e-mailed to them."""
    form = StaffForm()
    if form.validate_on_submit():
        with refused(form.email) as refusal:
            registration = portal.add_staff(
                exhibitor=exhibitor,
                data=portal.StaffData(
                    full_name=form.full_name.data,
                    email=form.email.data,
                    phone=form.phone.data,
                    job_title=form.job_title.data or "",
                    language=form.language.data,
                ),
            )
        if not refusal:
            db.session.commit()
            flash(
                _(
                    "%(name)s is registered; the badge is on its way to %(email)s.",
                    name=registration.full_name,
                    email=registration.email,
                ),
                "success",
            )
            return redirect(url_for("portal.home", slug=event.slug) + "#staff")
    return _home(event, exhibitor, form, 422)


@bp.post("/staff/<int:registration_id>/remove")
@signed_in
def remove_staff(event, exhibitor, registration_id: int):
    """Cancel a staff badge."""
    if Form().validate_on_submit():
        with refused() as refusal:
            portal.remove_staff(exhibitor=exhibitor, registration_id=registration_id)
        if not refusal:
            db.session.commit()
            flash(_("The badge has been cancelled."), "success")
    return redirect(url_for("portal.home", slug=event.slug) + "#staff")


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile(event, exhibitor):
    """The company edits its profile, as shown in the exhibitor directory."""
    form = ProfileForm()
    form.setup_choices(sectors=sectors())
    if not form.is_submitted():
        form.fill_from(exhibitor)
    valid, logo = submitted_with_logo(form)
    if valid:
        with refused() as refusal:
            services.update_profile(exhibitor=exhibitor, data=form.application_data(exhibitor))
            replaced = None
            if logo is not None:
                replaced, exhibitor.logo_filename = exhibitor.logo_filename, save_logo(logo)
            einvoices.note_buyer_change(exhibitor)  # a recorded e-invoice's buyer changed
        if not refusal:
            db.session.commit()
            delete_logo(replaced)  # only once the new one is committed
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("portal.home", slug=event.slug))
    return render_template(
        "exhibitors/portal_profile.html", event=event, exhibitor=exhibitor, form=form
    ), (422 if form.errors else 200)

"""Organisers correct a registration from its page: the person's details and e-mail address, the
category, and "check in now" (the person is let in by the organiser, recorded as a scan of the
organiser's own device). Every change is in the audit log, by registration number only."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.access import allow, authorise
from ..admin.audit import record
from ..admin.models import Role
from ..checkin.models import ScanResult
from ..checkin.scanning import check_in_by_hand
from ..errors import DomainError
from ..events.services import get_event
from ..extensions import db
from ..forms import Form
from ..labels import label
from . import services
from .forms import CategoryChangeForm, RegistrationEditForm
from .models import Registration

bp = Blueprint("registration_admin", __name__, url_prefix="/admin/events/<slug>")
bp.before_request(authorise)


def _registration(slug: str, registration_id: int) -> Registration:
    g.event = event = get_event(slug=slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _back(registration: Registration):
    return redirect(
        url_for(
            "admin.registration_detail",
            slug=registration.event.slug,
            registration_id=registration.id,
        )
    )


def _details(registration: Registration) -> dict:
    return {
        "email": registration.email,
        "full_name": registration.full_name,
        "phone": registration.phone,
        "organisation": registration.organisation,
        "job_title": registration.job_title,
        "province": (registration.province_code, registration.country_code),
        "sectors": sorted(s.code for s in registration.sectors),
        "language": registration.language,
    }


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def edit(slug: str, registration_id: int):
    """Correct a person's details and e-mail address (one registration per address)."""
    registration = _registration(slug, registration_id)
    if registration.is_cancelled or registration.is_erased:
        flash(_("A cancelled or erased registration cannot be changed."), "error")
        return _back(registration)
    form = RegistrationEditForm()
    form.setup_choices(provinces=services.provinces(), sectors=services.sectors())
    if request.method == "GET":
        form.fill_from(registration)
    if form.validate_on_submit():
        before = _details(registration)
        try:
            new_address = services.change_email(
                registration=registration, email=form.email.data or ""
            )
            services.update_registration(
                registration=registration,
                data=form.visitor_data(registration=registration),
                public_only=False,
            )
        except services.EmailTaken as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error.message)]
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return _back(registration)
        else:
            after = _details(registration)
            changed = [name for name in before if before[name] != after[name]]
            if changed:
                # The labels of what changed, never the values: the log keeps no personal data.
                names = [str(form[name].label.text) for name in changed]
                record(
                    actor=current_user,
                    action="registration.changed",
                    event=registration.event,
                    target=registration,
                    summary=", ".join(names),
                )
            db.session.commit()
            if new_address and registration.has_email:
                flash(
                    _(
                        "Saved. The e-mail address has changed: send the confirmation again so "
                        "that the person gets the badge and a new “my registration” link (the "
                        "old link no longer works)."
                    ),
                    "success",
                )
            else:
                flash(_("Saved.") if changed else _("Nothing was changed."), "success")
            return _back(registration)
    return render_template(
        "admin/registration_edit.html",
        event=registration.event,
        registration=registration,
        form=form,
    ), (422 if form.is_submitted() else 200)


@bp.post("/registrations/<int:registration_id>/category")
@allow(Role.ORGANISER)
def change_category(slug: str, registration_id: int):
    """Put a registration in another category of the exhibition, public or not."""
    registration = _registration(slug, registration_id)
    form = CategoryChangeForm()
    categories = services.all_categories(event=registration.event)
    form.setup_choices(categories=categories)
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.category.errors), "error")
        return _back(registration)
    category = next(c for c in categories if c.id == form.category.data)
    try:
        former = services.change_category(registration=registration, category=category)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(registration)
    if former.id != category.id:
        record(
            actor=current_user,
            action="registration.category_changed",
            event=registration.event,
            target=registration,
            summary=f"{former.tr('name')} → {category.tr('name')}",
        )
        db.session.commit()
        flash(
            _(
                "The category is now %(category)s. Print the badge again: it shows the category.",
                category=category.tr("name"),
            ),
            "success",
        )
    return _back(registration)


@bp.post("/registrations/<int:registration_id>/check-in")
@allow(Role.ORGANISER)
def check_in(slug: str, registration_id: int):
    """Let the person in now: an entry scan of the organiser's own device, by the door's rules."""
    registration = _registration(slug, registration_id)
    if not Form().validate_on_submit():
        abort(400)
    try:
        outcome = check_in_by_hand(registration=registration, user=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(registration)
    result = outcome.scan.result
    if result is ScanResult.OK:
        record(
            actor=current_user,
            action="registration.checked_in",
            event=registration.event,
            target=registration,
            summary=registration.category.code,
        )
    db.session.commit()
    if result is ScanResult.OK:
        flash(_("Checked in: the person is counted as arrived."), "success")
    elif result is ScanResult.ALREADY_CHECKED_IN and outcome.first_checked_in_at is not None:
        when = outcome.first_checked_in_at.astimezone(registration.event.tz)
        flash(_("Already checked in today, at %(time)s.", time=when.strftime("%H:%M")), "warning")
    else:
        flash(str(label(result)), "error")
    return _back(registration)

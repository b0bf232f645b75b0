"""Organiser pages of registrations: the list with its search and export, one registration's
page, and what organisers do from it (send the confirmation again, cancel, correct the person's
details and e-mail address, change the category, "check in now": the person let in by the
organiser, recorded as a scan of the organiser's own device). Every change is in the audit log,
by registration number only."""

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import record
from ..accounts.models import Role
from ..checkin.models import Scan, ScanResult
from ..checkin.scanning import check_in_by_hand
from ..errors import DomainError, refused
from ..events.services import get_event
from ..exports import audited_export
from ..extensions import db, paginate
from ..forms import Form
from ..labels import label
from ..mail.models import OutboxMessage
from . import changes, services
from .audit import log_registration
from .categories import all_categories
from .erasure import erase_registration
from .exports import EXPORT_COLUMNS, registration_rows
from .forms import CategoryChangeForm, EraseForm, RegistrationEditForm
from .models import Registration

bp = staff_blueprint("registration_admin", __name__, url_prefix="/admin/events/<slug>")
PAGE_SIZE = 50


def _filters() -> dict:
    """The list's search words, category and status, as the page's address gives them."""
    category = request.args.get("category", "")
    return {
        "query": request.args.get("q", "")[:200],
        "category_id": (
            int(category)
            if category.isascii() and category.isdigit() and len(category) < 10
            else None
        ),
        "status": request.args.get("status", ""),
    }


@bp.get("/registrations")
@allow(Role.ORGANISER)
def index(slug: str):
    """Registrations with search (diacritics ignored) and filters."""
    g.event = event = get_event(slug=slug)
    filters = _filters()
    return render_template(
        "visitors/registrations.html",
        event=event,
        page=paginate(services.registrations_query(event=event, **filters), per_page=PAGE_SIZE),
        categories=all_categories(event=event),
        **filters,
    )


@bp.get("/registrations.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER)
def export(slug: str, kind: str):
    """The filtered registrations as Excel or CSV, in the language chosen (see exports.py). The
    search words are not recorded: they may be a person's name."""
    g.event = event = get_event(slug=slug)
    stmt = services.registrations_query(event=event, **_filters())
    return audited_export(
        event=event,
        kind=kind,
        name="registrations",
        columns=EXPORT_COLUMNS,
        rows=lambda: registration_rows(stmt=stmt),
        title=_l("Registrations"),
        action="registrations.exported",
    )


def _registration(slug: str, registration_id: int) -> Registration:
    g.event = event = get_event(slug=slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _log(action: str, registration: Registration) -> None:
    log_registration(actor=current_user, action=action, registration=registration)


@bp.get("/registrations/<int:registration_id>")
@allow(Role.ORGANISER)
def detail(slug: str, registration_id: int):
    """One registration with its consents, scans and e-mails."""
    registration = _registration(slug, registration_id)
    scans = db.session.scalars(
        sa.select(Scan).where(Scan.registration_id == registration.id).order_by(Scan.id)
    ).all()
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.id)
    ).all()
    category_form = None
    if not (registration.is_cancelled or registration.is_erased):
        category_form = CategoryChangeForm(formdata=None, category=registration.category_id)
        category_form.setup_choices(categories=all_categories(event=registration.event))
    return render_template(
        "visitors/registration.html",
        event=registration.event,
        registration=registration,
        scans=scans,
        messages=messages,
        form=Form(),
        category_form=category_form,
    )


@bp.post("/registrations/<int:registration_id>/resend")
@allow(Role.ORGANISER)
def resend(slug: str, registration_id: int):
    """Send the confirmation e-mail again."""
    registration = _registration(slug, registration_id)
    if not Form().validate_on_submit():
        abort(400)
    with refused() as refusal:
        changes.resend_confirmation(registration=registration)
    if not refusal:
        _log("registration.resent", registration)
        db.session.commit()
        flash(_("The confirmation e-mail will be sent again."), "success")
    return _back(registration)


@bp.route("/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def cancel(slug: str, registration_id: int):
    """Cancel a registration: the badge stops working (a page asks first)."""
    registration = _registration(slug, registration_id)
    form = Form()
    if not form.validate_on_submit():
        if form.is_submitted():
            abort(400)
        return render_template(
            "visitors/registration_cancel.html",
            event=registration.event,
            registration=registration,
            form=form,
        )
    with refused() as refusal:
        changes.cancel_registration(registration=registration)
    if not refusal:
        _log("registration.cancelled", registration)
        db.session.commit()
        flash(_("The registration has been cancelled."), "success")
    return _back(registration)


def _back(registration: Registration):
    return redirect(
        url_for(
            "registration_admin.detail",
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
            new_address = changes.change_email(
                registration=registration, email=form.email.data or ""
            )
            changes.update_registration(
                registration=registration,
                data=form.visitor_data(registration=registration),
                public_only=False,
            )
        except changes.EmailTaken as error:
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
        "visitors/registration_edit.html",
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
    categories = all_categories(event=registration.event)
    form.setup_choices(categories=categories)
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.category.errors), "error")
        return _back(registration)
    category = next(c for c in categories if c.id == form.category.data)
    with refused() as refusal:
        former = changes.change_category(registration=registration, category=category)
    if refusal:
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
    with refused() as refusal:
        outcome = check_in_by_hand(registration=registration, user=current_user)
    if refusal:
        return _back(registration)
    result = outcome.result
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


@bp.post("/registrations/<int:registration_id>/erase")
@allow(Role.ORGANISER)
def erase(slug: str, registration_id: int):
    """Erase a registration's personal data once the organiser ticked "cannot be undone" (at
    the person's request by letter or phone, say; people can do it from their own page too)."""
    registration = _registration(slug, registration_id)
    if not EraseForm().validate_on_submit():
        flash(_("Tick “I understand that this cannot be undone” to erase the data."), "error")
        return _back(registration)
    with refused() as refusal:
        erase_registration(registration=registration, reason="organiser")
    if not refusal:
        _log("registration.erased", registration)
        db.session.commit()
        flash(_("The person's personal data has been erased."), "success")
    return _back(registration)

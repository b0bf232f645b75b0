"""Organisers erase a person's personal data from the registration's page (at the person's request
by letter or phone, say). The person can do it themselves from their registration page."""

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, record
from ..accounts.models import Role
from ..errors import DomainError
from ..events.services import get_event
from ..extensions import db
from .erasure import erase_registration
from .forms import EraseForm
from .models import Registration

bp = staff_blueprint("erasure", __name__, url_prefix="/admin/events/<slug>")


@bp.post("/registrations/<int:registration_id>/erase")
@allow(Role.ORGANISER)
def erase(slug: str, registration_id: int):
    """Erase a registration's personal data once the organiser ticked "cannot be undone"."""
    g.event = event = get_event(slug=slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    if not EraseForm().validate_on_submit():
        flash(_("Tick “I understand that this cannot be undone” to erase the data."), "error")
    else:
        try:
            erase_registration(registration=registration, reason="organiser")
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            record(
                actor=current_user,
                action="registration.erased",
                event=event,
                target=registration,
                summary=registration.category.code,
                details={
                    "category": both(registration.category.name_vi, registration.category.name_en)
                },
            )
            db.session.commit()
            flash(_("The person's personal data has been erased."), "success")
    return redirect(
        url_for("registration_admin.detail", slug=slug, registration_id=registration_id)
    )

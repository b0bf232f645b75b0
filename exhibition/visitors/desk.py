"""The walk-in desk: organisers register a person on the spot and print the badge at once."""

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..admin.access import allow, authorise
from ..admin.models import Role
from ..errors import DomainError
from ..events.services import get_event
from ..extensions import db
from . import services
from .forms import DeskForm
from .models import Registration

bp = Blueprint("desk", __name__, url_prefix="/admin")
bp.before_request(authorise)


def _event(slug: str):
    g.event = event = get_event(slug=slug)
    return event


@bp.route("/events/<slug>/desk", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.CHECKIN)
def form(slug: str):
    """The short walk-in form, with today's walk-ins below it."""
    event = _event(slug)
    form = DeskForm()
    categories = services.all_categories(event=event)
    form.setup_choices(
        categories=categories,
        provinces=services.provinces(),
        default_category=next((c for c in categories if c.is_public), None),
    )
    if form.validate_on_submit():
        try:
            registration, created = services.register_walk_in(
                event=event, data=form.visitor_data(), consents=form.consents()
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            if created:
                flash(_("Registered: the badge is ready to print."), "success")
            else:
                flash(
                    _(
                        "This e-mail address is registered already: here is the existing badge (nothing was sent)."
                    ),
                    "warning",
                )
            return redirect(url_for("desk.badge", slug=slug, registration_id=registration.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "visitors/desk.html",
        event=event,
        form=form,
        recent=services.recent_walk_ins(event=event),
    ), status


@bp.get("/events/<slug>/desk/<int:registration_id>")
@allow(Role.ORGANISER, Role.CHECKIN)
def badge(slug: str, registration_id: int):
    """A walk-in's badge, large, ready to print."""
    event = _event(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return render_template("visitors/desk_badge.html", event=event, registration=registration)

"""The walk-in desk: organisers register a person on the spot and print the badge at once.

Check-in staff work at the desk too, but see only what the door needs (name, organisation,
category, the badge's state; never an e-mail or a phone number) and only the badges the desk has
a reason to show: walk-ins registered at the desk, or a person found by their own search at the
desk. A search result links to the badge with a short-lived reference signed for that staff
member and that person, so walking the badge page's ids finds nothing.
"""

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..checkin.models import ScanResult
from ..checkin.scanning import check_in_by_hand
from ..errors import DomainError, refused
from ..events.services import get_event
from ..extensions import db
from ..qr import qr_svg_data_uri
from . import services, walk_ins
from .categories import all_categories
from .desk import badge_ref, registration_at_desk, sees_everything
from .forms import DeskForm
from .models import Registration, RegistrationSource

bp = staff_blueprint("desk", __name__)


def _check_in(registration: Registration) -> bool:
    """The person is standing at the desk: checked in as a scan of the staff member's own device
    (see checkin.scanning.check_in_by_hand). Whether they are in; a refusal is said, and the
    registration is kept."""
    try:
        with db.session.begin_nested():
            outcome = check_in_by_hand(registration=registration, user=current_user)
    except DomainError as error:
        flash(_("Not checked in: %(reason)s", reason=error.message), "error")
        return False
    return outcome.result in (ScanResult.OK, ScanResult.ALREADY_CHECKED_IN)


@bp.route("/events/<slug>/desk", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.CHECKIN)
def form(slug: str):
    """The short walk-in form, a search for people registered already, and today's walk-ins."""
    g.event = event = get_event(slug=slug)
    form = DeskForm()
    categories = all_categories(event=event)
    form.setup_choices(
        categories=categories,
        provinces=services.provinces(),
        default_category=next((c for c in categories if c.is_public), None),
    )
    if form.validate_on_submit():
        with refused() as refusal:
            registration, created = walk_ins.register_walk_in(
                event=event, data=form.visitor_data(), consents=form.consents()
            )
        if not refusal:
            checked_in = event.desk_checks_in and _check_in(registration)
            db.session.commit()
            if created:
                flash(
                    _("Registered and checked in: the badge is ready to print.")
                    if checked_in
                    else _("Registered: the badge is ready to print."),
                    "success",
                )
            else:
                flash(
                    _(
                        "This e-mail address is registered already: here is the existing badge (nothing was sent)."
                    ),
                    "warning",
                )
            found_elsewhere = not (
                registration.source is RegistrationSource.DESK or sees_everything(event)
            )
            ref = badge_ref(registration) if found_elsewhere else None
            return redirect(
                url_for("desk.badge", slug=slug, registration_id=registration.id, ref=ref)
            )
    query = request.args.get("q", "").strip()[:100]
    found = walk_ins.find_at_desk(event=event, query=query) if query else []
    status = 422 if form.is_submitted() else 200
    return render_template(
        "visitors/desk.html",
        event=event,
        form=form,
        recent=walk_ins.recent_walk_ins(event=event),
        query=query,
        found=[(r, badge_ref(r)) for r in found],
        search_min=walk_ins.DESK_SEARCH_MIN,
    ), status


@bp.get("/events/<slug>/desk/<int:registration_id>")
@allow(Role.ORGANISER, Role.CHECKIN)
def badge(slug: str, registration_id: int):
    """A person's badge, large, ready to print."""
    g.event = event = get_event(slug=slug)
    ref = request.args.get("ref")
    registration = registration_at_desk(event, registration_id, ref)
    valid = not (registration.is_cancelled or registration.is_erased)
    return render_template(
        "visitors/desk_badge.html",
        event=event,
        registration=registration,
        ref=ref,
        contact=sees_everything(event),
        # Drawn inline: the QR's own address would hand over the person's private link.
        qr_src=qr_svg_data_uri(registration.badge_code) if valid else None,
    )

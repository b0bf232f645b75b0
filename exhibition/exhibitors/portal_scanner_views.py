"""The exhibitor portal's booth scanners: whoever is signed in to the company's portal turns staff
members into scanners (each gets a one-time set-up link by e-mail) and revokes them."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import refused
from ..extensions import db
from ..forms import Form
from . import portal, scanners
from .portal_views import signed_in

bp = Blueprint("portal_scanners", __name__, url_prefix="/events/<slug>/portal/scanners")


def _page(event, exhibitor, status: int = 200):
    mine = scanners.scanners_of(exhibitor=exhibitor)
    active = {s.registration_id: s for s in mine if s.revoked_at is None}
    return render_template(
        "exhibitors/portal_scanners.html",
        event=event,
        exhibitor=exhibitor,
        staff=portal.staff(exhibitor=exhibitor),
        active=active,
        scanners=mine,
        form=Form(),
    ), status


@bp.get("")
@signed_in
def index(event, exhibitor):
    """The company's staff and their booth scanners."""
    return _page(event, exhibitor)


@bp.post("")
@signed_in
def make(event, exhibitor):
    """Turn a staff member into a scanner, or send their scanner a new set-up link."""
    form = Form()
    if form.validate_on_submit():
        registration_id = request.form.get("registration_id", type=int)
        with refused() as refusal:
            scanner = scanners.make_scanner(
                exhibitor=exhibitor, registration_id=registration_id or 0
            )
        if not refusal:
            db.session.commit()
            flash(
                _(
                    "A set-up link is on its way to %(email)s.",
                    email=scanner.registration.email,
                ),
                "success",
            )
            return redirect(url_for("portal_scanners.index", slug=event.slug))
    return _page(event, exhibitor, 422)


@bp.post("/<int:scanner_id>/revoke")
@signed_in
def revoke(event, exhibitor, scanner_id: int):
    """Revoke a scanner: the phone's next scan is refused."""
    if Form().validate_on_submit():
        with refused() as refusal:
            scanners.revoke_scanner(exhibitor=exhibitor, scanner_id=scanner_id)
        if not refusal:
            db.session.commit()
            flash(_("The scanner has been revoked."), "success")
    return redirect(url_for("portal_scanners.index", slug=event.slug))

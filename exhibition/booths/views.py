"""Organisers' floor plan: the halls drawn as SVG, and assigning, moving or freeing a booth."""

import sqlalchemy as sa
from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.views import require_login
from ..errors import DomainError, json_error
from ..events.services import get_event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..exhibitors.services import get_exhibitor
from ..extensions import db
from ..forms import Form
from . import services

bp = Blueprint("booths", __name__, url_prefix="/admin/events/<slug>")
bp.before_request(require_login)

ASSIGNABLE = (ExhibitorStatus.APPROVED, ExhibitorStatus.BOOTH_ASSIGNED, ExhibitorStatus.CONFIRMED)


@bp.get("/floorplan")
def floorplan(slug: str):
    """Every hall as a plan coloured by booth status, with exhibitors' names on assigned booths."""
    g.event = event = get_event(slug=slug)
    all_booths = services.booths(event=event)
    by_hall: dict[int, list] = {}
    for booth in all_booths:
        by_hall.setdefault(booth.hall_id, []).append(booth)
    counts: dict[str, int] = {}
    for booth in all_booths:
        counts[booth.display_status] = counts.get(booth.display_status, 0) + 1
    return render_template(
        "booths/floorplan.html",
        event=event,
        halls=services.halls(event=event),
        by_hall=by_hall,
        counts=counts,
    )


def _assignable(event) -> list[Exhibitor]:
    return list(
        db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.event_id == event.id, Exhibitor.status.in_(ASSIGNABLE))
            .order_by(Exhibitor.company_name_vi)
        )
    )


@bp.get("/booths/<code>")
def booth(slug: str, code: str):
    """One booth: who holds it, and forms to assign, move or free it."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    return render_template(
        "booths/booth.html",
        event=event,
        booth=the_booth,
        exhibitors=_assignable(event),
        form=Form(),
    )


def _answer(
    ok_message: str, booth_code: str, slug: str, error: DomainError | None = None, status: int = 200
):
    if request.is_json:
        if error is not None:
            return json_error(error.code, error.message, error.status)
        return jsonify({"ok": True, "message": ok_message}), status
    if error is not None:
        flash(str(error.message), "error")
    else:
        flash(ok_message, "success")
    return redirect(url_for("booths.booth", slug=slug, code=booth_code))


@bp.post("/booths/<code>/assign")
def assign(slug: str, code: str):
    """Give the booth to an exhibitor (form field or JSON `exhibitor_id`); 409 booth_taken if held."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    payload = request.get_json(silent=True) if request.is_json else request.form
    raw_id = (payload or {}).get("exhibitor_id")
    try:
        exhibitor_id = int(raw_id)
    except (TypeError, ValueError):
        error = DomainError(_("Choose an exhibitor."), code="validation_failed", status=422)
        return _answer("", the_booth.code, slug, error)
    try:
        exhibitor = get_exhibitor(event=event, exhibitor_id=exhibitor_id)
        services.assign_booth(booth=the_booth, exhibitor=exhibitor, user=current_user)
    except DomainError as error:
        db.session.rollback()
        return _answer("", the_booth.code, slug, error)
    db.session.commit()
    return _answer(
        _(
            "Booth %(code)s is now %(company)s's.",
            code=the_booth.code,
            company=exhibitor.tr("company_name"),
        ),
        the_booth.code,
        slug,
    )


@bp.post("/booths/<code>/free")
def free(slug: str, code: str):
    """Take the booth back from its exhibitor."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    services.free_booth(booth=the_booth, user=current_user)
    db.session.commit()
    return _answer(_("Booth %(code)s is free.", code=the_booth.code), the_booth.code, slug)


@bp.route("/allocation", methods=["GET", "POST"])
def allocation(slug: str):
    """Automatic allocation: preview who gets which booth (and which wish it meets), then confirm."""
    g.event = event = get_event(slug=slug)
    form = Form()
    if form.validate_on_submit():
        try:
            plan = services.apply_allocation(
                event=event, fingerprint=request.form.get("fingerprint", ""), user=current_user
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("%(count)s exhibitors got their booths.", count=len(plan.proposals)), "success")
            return redirect(url_for("booths.floorplan", slug=slug))
    plan = services.plan_allocation(event=event)
    return render_template("booths/allocation.html", event=event, plan=plan, form=form)

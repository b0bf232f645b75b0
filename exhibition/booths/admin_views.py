"""Organisers' floor plan: the halls drawn as SVG, and assigning, moving or freeing a booth."""

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, record
from ..accounts.models import Role
from ..errors import DomainError, json_error, refused
from ..events.services import get_event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..exhibitors.services import get_exhibitor
from ..exports import export_response
from ..extensions import db
from ..forms import Form
from ..i18n import current_language
from ..payments.services import booth_sales
from ..visitors.services import sectors
from . import assignment, importing, services
from .forms import BoothForm, BoothImportForm
from .models import BoothStatus, BoothType

bp = staff_blueprint("booths", __name__, url_prefix="/admin/events/<slug>")

ASSIGNABLE = (ExhibitorStatus.APPROVED, ExhibitorStatus.BOOTH_ASSIGNED, ExhibitorStatus.CONFIRMED)


@bp.get("/floorplan")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def floorplan(slug: str):
    """Every hall as a plan coloured by booth status, with exhibitors' names on assigned booths."""
    g.event = event = get_event(slug=slug)
    halls = services.plan(event=event)
    sales = booth_sales(event)  # assigned booths under a payment request: unpaid or sold
    counts: dict[str, int] = {}
    for _hall, booths in halls:
        for booth in booths:
            status = sales.get(booth.id, booth.display_status)
            counts[status] = counts.get(status, 0) + 1
    return render_template(
        "booths/floorplan.html", event=event, plan=halls, counts=counts, sales=sales
    )


@bp.route("/booths/import", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.EXHIBITORS)
def import_plan(slug: str):
    """Upload booths from CSV (created or updated by code; nothing stored if a row is wrong)."""
    g.event = event = get_event(slug=slug)
    form = BoothImportForm()
    report = None
    if form.validate_on_submit():
        report = importing.import_booths(event=event, data=form.file.data.read(2_000_000))
        if report.errors:
            db.session.rollback()
        else:
            record(
                actor=current_user,
                action="booths.imported",
                event=event,
                details={"created": report.created, "updated": report.updated},
            )
            db.session.commit()
            flash(
                _(
                    "Booths imported: %(created)s new, %(updated)s updated.",
                    created=report.created,
                    updated=report.updated,
                ),
                "success",
            )
            return redirect(url_for("booths.floorplan", slug=slug))
    return render_template(
        "booths/import.html", event=event, form=form, report=report, columns=importing.COLUMNS
    ), (422 if report and report.errors else 200)


@bp.get("/booths.csv")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def export_plan(slug: str):
    """The booths in the import format, to edit in a spreadsheet and upload again."""
    g.event = event = get_event(slug=slug)
    rows = importing.export_booths(event=event)
    record(actor=current_user, action="booths.exported", event=event, details={"booths": len(rows)})
    db.session.commit()
    # The columns and values stay the import format's codes: the file is edited and uploaded.
    return export_response(
        importing.COLUMNS,
        rows,
        kind="csv",
        name=f"{event.slug}-booths",
        tz=event.tz,
        language=current_language(),
    )


def _log(action: str, event, booth, summary: str, details: dict | None = None) -> None:
    record(
        actor=current_user,
        action=action,
        event=event,
        target=booth,
        summary=summary,
        details=details,
    )


def _assignable(event) -> list[Exhibitor]:
    return list(
        db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.event_id == event.id, Exhibitor.status.in_(ASSIGNABLE))
            .order_by(Exhibitor.company_name_vi)
        )
    )


@bp.route("/booths/<code>", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.EXHIBITORS)
def booth(slug: str, code: str):
    """One booth: who holds it, its settings, and forms to assign or free it."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    form = BoothForm(obj=None if request.method == "POST" else the_booth)
    form.setup_choices(sectors())
    if request.method == "GET":
        form.status.data, form.sector.data = the_booth.status.value, the_booth.sector_code or ""
        form.type.data = the_booth.type.value
    if form.validate_on_submit():
        place = (form.x_m.data, form.y_m.data, form.width_m.data, form.depth_m.data)
        current = (the_booth.x_m, the_booth.y_m, the_booth.width_m, the_booth.depth_m)
        with refused(form.status) as refusal:
            services.update_booth(
                booth=the_booth,
                status=BoothStatus(form.status.data),
                zone=form.zone.data or "",
                sector_code=form.sector.data or None,
                price_vnd=form.price_vnd.data,
                type=BoothType(form.type.data) if form.type.data else None,
                place=tuple(c if v is None else v for v, c in zip(place, current, strict=True)),
            )
        if not refusal:
            _log("booth.changed", event, the_booth, the_booth.code)
            db.session.commit()
            flash(_("Booth %(code)s has been saved.", code=the_booth.code), "success")
            return redirect(url_for("booths.booth", slug=slug, code=the_booth.code))
    return render_template(
        "booths/booth.html",
        event=event,
        booth=the_booth,
        exhibitors=_assignable(event),
        form=form,
        action_form=Form(),
    ), (422 if form.errors else 200)


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


def _exhibitor_id() -> int | None:
    """The exhibitor id from a form field or a JSON object: a positive integer that fits a key."""
    if request.is_json:
        try:
            payload = request.get_json(silent=True)
        except RecursionError:
            payload = None
        value = payload.get("exhibitor_id") if isinstance(payload, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            return None
    else:
        text = request.form.get("exhibitor_id", "")
        if not (text.isascii() and text.isdigit() and len(text) < 10):
            return None
        value = int(text)
    return value if 0 < value < 2**31 else None


@bp.post("/booths/<code>/assign")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def assign(slug: str, code: str):
    """Give the booth to an exhibitor (form field or JSON `exhibitor_id`); 409 booth_taken if held."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    exhibitor_id = _exhibitor_id()
    if exhibitor_id is None:
        error = DomainError(_("Choose an exhibitor."), code="validation_failed", status=422)
        return _answer("", the_booth.code, slug, error)
    with refused(quietly=True) as refusal:
        exhibitor = get_exhibitor(event=event, exhibitor_id=exhibitor_id)
        assignment.assign_booth(booth=the_booth, exhibitor=exhibitor, user=current_user)
    if refusal:
        return _answer("", the_booth.code, slug, refusal.error)
    _log(
        "booth.assigned",
        event,
        the_booth,
        f"{the_booth.code} → {exhibitor.company_name_vi}",
        {
            "booth": the_booth.code,
            "company": both(exhibitor.company_name_vi, exhibitor.company_name_en),
        },
    )
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


@bp.post("/booths/<code>/move")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def move(slug: str, code: str):
    """Move the booth's exhibitor to another free booth in one step."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    payload = request.get_json(silent=True) if request.is_json else request.form
    target_code = (
        payload.get("to") if isinstance(payload, dict) or hasattr(payload, "get") else None
    )
    with refused(quietly=True) as refusal:
        if not isinstance(target_code, str) or not target_code.strip():
            raise DomainError(
                _("Choose the booth to move to."), code="validation_failed", status=422
            )
        target = services.get_booth(event=event, code=target_code.strip()[:16])
        assignment.move_booth(booth=the_booth, target=target, user=current_user)
    if refusal:
        return _answer("", the_booth.code, slug, refusal.error)
    _log(
        "booth.moved",
        event,
        target,
        f"{the_booth.code} → {target.code}",
        {"from": the_booth.code, "to": target.code},
    )
    db.session.commit()
    return _answer(
        _("Moved from %(old)s to %(new)s.", old=the_booth.code, new=target.code), target.code, slug
    )


@bp.post("/booths/<code>/free")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def free(slug: str, code: str):
    """Take the booth back from its exhibitor."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    assignment.free_booth(booth=the_booth, user=current_user)
    _log("booth.freed", event, the_booth, the_booth.code)
    db.session.commit()
    return _answer(_("Booth %(code)s is free.", code=the_booth.code), the_booth.code, slug)


@bp.post("/booths/<code>/delete")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def delete(slug: str, code: str):
    """Remove a free booth from the plan (409 booth_assigned while an exhibitor holds it)."""
    g.event = event = get_event(slug=slug)
    the_booth = services.get_booth(event=event, code=code)
    with refused(quietly=True) as refusal:
        code = the_booth.code
        services.delete_booth(booth=the_booth)
    if refusal:
        return _answer("", the_booth.code, slug, refusal.error)
    record(actor=current_user, action="booth.deleted", event=event, summary=code)
    db.session.commit()
    message = _("Booth %(code)s has been deleted.", code=the_booth.code)
    if request.is_json:
        return jsonify({"ok": True, "message": message})
    flash(message, "success")
    return redirect(url_for("booths.floorplan", slug=slug))


@bp.route("/allocation", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.EXHIBITORS)
def allocation(slug: str):
    """Automatic allocation: preview who gets which booth (and which wish it meets), then confirm."""
    g.event = event = get_event(slug=slug)
    form = Form()
    if form.validate_on_submit():
        with refused() as refusal:
            plan = assignment.apply_allocation(
                event=event, fingerprint=request.form.get("fingerprint", ""), user=current_user
            )
        if not refusal:
            record(
                actor=current_user,
                action="booths.allocated",
                event=event,
                details={"exhibitors": len(plan.proposals)},
            )
            db.session.commit()
            flash(_("%(count)s exhibitors got their booths.", count=len(plan.proposals)), "success")
            return redirect(url_for("booths.floorplan", slug=slug))
    plan = assignment.plan_allocation(
        event=event, time_limit=current_app.config["ALLOCATION_TIME_LIMIT"]
    )
    return render_template("booths/allocation.html", event=event, plan=plan, form=form)

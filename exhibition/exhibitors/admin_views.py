"""Exhibitor applications: the public form, logos, and the organisers' pages."""

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, describes, record, typed_name
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..exports import audited_export
from ..extensions import db, paginate
from ..forms import Form
from ..labels import label
from ..payments import einvoices
from ..payments import reports as payment_reports
from ..payments import services as payments
from ..visitors.services import provinces, sectors
from . import directory, services
from .forms import AdminProfileForm, StatusForm
from .models import ExhibitorStatus, format_tax_code

bp = staff_blueprint("exhibitors_admin", __name__, url_prefix="/admin/events/<slug>/exhibitors")


@describes("exhibitor.status")
def _describe_status_change(d: dict) -> str:
    change = f"{label(ExhibitorStatus(d['from']))} → {label(ExhibitorStatus(d['to']))}"
    return f"{typed_name(d['company'])}: {change}" if d.get("company") else change


def _filters():
    return (
        request.args.get("q", "")[:200],
        request.args.get("status", ""),
        request.args.get("sector", ""),
    )


@bp.get("/")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def index(slug: str):
    """Applications and exhibitors with search and filters."""
    g.event = event = get_event(slug=slug)
    query, status, sector = _filters()
    stmt = directory.exhibitors_query(event=event, query=query, status=status, sector=sector)
    return render_template(
        "exhibitors/admin_list.html",
        event=event,
        page=paginate(stmt, per_page=50),
        query=query,
        status=status,
        sector=sector,
        statuses=list(ExhibitorStatus),
        sectors=sectors(),
    )


@bp.get("/export.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def export(slug: str, kind: str):
    """The filtered exhibitors as Excel or CSV, in the language chosen (see exports.py)."""
    g.event = event = get_event(slug=slug)
    query, status, sector = _filters()
    stmt = directory.exhibitors_query(event=event, query=query, status=status, sector=sector)
    return audited_export(
        event=event,
        kind=kind,
        name="exhibitors",
        columns=directory.EXPORT_COLUMNS,
        rows=lambda: directory.export_rows(stmt=stmt),
        title=_l("Exhibitors"),
        action="exhibitors.exported",
    )


def _follow_with_payments(exhibitor, before, reason: str) -> tuple[str, str] | None:
    """Confirming an exhibitor bills its booths (a payment request, e-mailed); cancelling it
    withdraws its requests (money received goes to the refund list). What to tell, if anything."""
    if exhibitor.status is ExhibitorStatus.CONFIRMED and before is not ExhibitorStatus.CONFIRMED:
        if payments.settings_of(exhibitor.event) is None:
            return "warning", _("No payment request was made: enter the receiving account first.")
        try:
            with db.session.begin_nested():
                payments.create_request(exhibitor=exhibitor, user=current_user)
        except payments.NothingToBill:
            return None
        return "success", _("A payment request for its booths has been e-mailed to the company.")
    if exhibitor.status is ExhibitorStatus.CANCELLED:
        payments.cancel_requests_of(exhibitor=exhibitor, reason=reason, user=current_user)
    return None


@bp.route("/<int:exhibitor_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.EXHIBITORS)
def detail(slug: str, exhibitor_id: int):
    """One application: details, booths, history, and the organiser's decision."""
    g.event = event = get_event(slug=slug)
    exhibitor = services.get_exhibitor(event=event, exhibitor_id=exhibitor_id)
    form = StatusForm()
    form.setup_choices(
        sorted(services.TRANSITIONS[exhibitor.status], key=lambda s: list(ExhibitorStatus).index(s))
    )
    if form.validate_on_submit():
        before = exhibitor.status
        with refused(form.reason) as refusal:
            services.change_status(
                exhibitor=exhibitor,
                to=ExhibitorStatus(form.status.data),
                reason=form.reason.data or "",
                user=current_user,
            )
        if not refusal:
            billed = _follow_with_payments(exhibitor, before, form.reason.data or "")
            record(
                actor=current_user,
                action="exhibitor.status",
                event=event,
                target=exhibitor,
                summary=exhibitor.company_name_vi,
                details={
                    "company": both(exhibitor.company_name_vi, exhibitor.company_name_en),
                    "from": before.value,
                    "to": exhibitor.status.value,
                },
            )
            db.session.commit()
            flash(_("The status has been changed and the company informed."), "success")
            if billed is not None:
                flash(billed[1], billed[0])
            return redirect(
                url_for("exhibitors_admin.detail", slug=slug, exhibitor_id=exhibitor_id)
            )
    return render_template(
        "exhibitors/admin_detail.html",
        event=event,
        exhibitor=exhibitor,
        form=form,
        tax_code=format_tax_code(exhibitor.tax_code),
        payment_requests=payment_reports.requests_of(exhibitor),
        unbilled=[b for b in exhibitor.booths if b.id not in payments.billed_booth_ids(exhibitor)],
        button_form=Form(),
    ), (422 if form.is_submitted() else 200)


@bp.route("/<int:exhibitor_id>/edit", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.EXHIBITORS)
def edit(slug: str, exhibitor_id: int):
    """Organisers correct a company's profile (the tax code stays); a change of the buyer named
    by a recorded e-invoice leaves a task for accounting."""
    g.event = event = get_event(slug=slug)
    exhibitor = services.get_exhibitor(event=event, exhibitor_id=exhibitor_id)
    form = AdminProfileForm()
    form.setup_choices(provinces=provinces(), sectors=sectors())
    if not form.is_submitted():
        form.fill_from(exhibitor)
    if form.validate_on_submit():
        with refused() as refusal:
            services.update_profile(exhibitor=exhibitor, data=form.application_data(exhibitor))
            einvoices.note_buyer_change(exhibitor)  # a recorded e-invoice's buyer changed
            record(
                actor=current_user,
                action="exhibitor.changed",
                event=event,
                target=exhibitor,
                summary=exhibitor.company_name_vi,
                details={"company": both(exhibitor.company_name_vi, exhibitor.company_name_en)},
            )
        if not refusal:
            db.session.commit()
            flash(_("The company's profile has been saved."), "success")
            return redirect(
                url_for("exhibitors_admin.detail", slug=slug, exhibitor_id=exhibitor_id)
            )
    return render_template(
        "exhibitors/admin_edit.html",
        event=event,
        exhibitor=exhibitor,
        form=form,
        tax_code=format_tax_code(exhibitor.tax_code),
    ), (422 if form.is_submitted() else 200)

"""Organisers' pages of lead retrieval: figures per exhibitor and the invalid-code alert, the
exhibition's settings (shared fields, days kept), and the package choice per exhibitor."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, describes, record, typed_name
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..extensions import db
from ..labels import label
from . import lead_admin, lead_figures, services
from .lead_forms import LeadsEnabledForm, LeadSettingsForm
from .lead_models import LeadField

bp = staff_blueprint("lead_admin", __name__, url_prefix="/admin/events/<slug>/leads")


@describes("exhibitor.leads")
def _describe_leads(d: dict) -> str:
    state = _("on") if d.get("enabled") else _("off")
    return _(
        "%(company)s: lead retrieval %(state)s", company=typed_name(d.get("company")), state=state
    )


@describes("leads.settings")
def _describe_settings(d: dict) -> str:
    fields = ", ".join(
        label(LeadField(value)) for value in d.get("fields", ()) if value in set(LeadField)
    )
    return _(
        "Shared: %(fields)s; kept %(days)s days after the exhibition",
        fields=fields or "—",
        days=d.get("retention_days"),
    )


@bp.get("/")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def index(slug: str):
    """Per exhibitor: scans, unique visitors, consent rate, scanners; and scanners with many
    invalid codes."""
    g.event = event = get_event(slug=slug)
    return render_template(
        "exhibitors/admin_leads.html",
        event=event,
        figures=lead_figures.figures(event=event),
        alerts=lead_figures.invalid_code_alerts(event=event),
        threshold=lead_figures.INVALID_ALERT,
        fields=_shared_fields(event),
    )


def _shared_fields(event) -> list[str]:
    """The names of the fields a share gives, in the reader's language."""
    return [label(field) for field in LeadField if field.value in (event.lead_fields or ())]


@bp.route("/settings", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.EXHIBITORS)
def settings(slug: str):
    """Which details a visitor's consent shares with exhibitors, and how long leads are kept."""
    g.event = event = get_event(slug=slug)
    form = LeadSettingsForm(
        data={"fields": list(event.lead_fields or ()), "retention_days": event.lead_retention_days}
    ).setup()
    if form.validate_on_submit():
        with refused(form.retention_days) as refusal:
            lead_admin.change_lead_settings(
                event=event, fields=form.chosen(), retention_days=form.retention_days.data
            )
            record(
                actor=current_user,
                action="leads.settings",
                event=event,
                summary=event.slug,
                details={
                    "fields": list(event.lead_fields),
                    "retention_days": event.lead_retention_days,
                },
            )
        if not refusal:
            db.session.commit()
            flash(_("The lead retrieval settings have been saved."), "success")
            return redirect(url_for(".index", slug=slug))
    return render_template("exhibitors/admin_leads_settings.html", event=event, form=form), (
        422 if form.is_submitted() else 200
    )


@bp.post("/exhibitors/<int:exhibitor_id>")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def enable(slug: str, exhibitor_id: int):
    """Turn lead retrieval on or off for one exhibitor (part of its package)."""
    g.event = event = get_event(slug=slug)
    exhibitor = services.get_exhibitor(event=event, exhibitor_id=exhibitor_id)
    form = LeadsEnabledForm()
    if form.validate_on_submit():
        enabled = form.enabled.data == "1"
        if lead_admin.enable_leads(exhibitor=exhibitor, enabled=enabled):
            record(
                actor=current_user,
                action="exhibitor.leads",
                event=event,
                target=exhibitor,
                summary=exhibitor.company_name_vi,
                details={
                    "company": both(exhibitor.company_name_vi, exhibitor.company_name_en),
                    "enabled": enabled,
                },
            )
        db.session.commit()
        flash(
            _("Lead retrieval is on for this exhibitor.")
            if enabled
            else _("Lead retrieval is off for this exhibitor."),
            "success",
        )
    return redirect(
        url_for("exhibitors_admin.detail", slug=slug, exhibitor_id=exhibitor_id) + "#leads"
    )

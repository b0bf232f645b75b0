"""Exhibitor applications: the public form, logos, and the organisers' pages."""

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.access import allow, authorise
from ..admin.audit import both, record
from ..admin.models import Role
from ..booths import services as booths
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.services import get_event
from ..exports import export_language, export_response
from ..extensions import db, limiter
from ..i18n import current_language
from ..pagination import paginate
from ..visitors.services import provinces, sectors
from . import services
from .forms import ApplicationForm, StatusForm
from .logos import InvalidLogo, logo_folder, logo_from_form, save_logo
from .models import ExhibitorStatus

bp = Blueprint("exhibitors", __name__)
admin_bp = Blueprint("exhibitors_admin", __name__, url_prefix="/admin/events/<slug>/exhibitors")
admin_bp.before_request(authorise)


@bp.route("/events/<slug>/exhibit", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def apply(slug: str):
    """The public application form for companies."""
    g.event = event = get_event(slug=slug)
    form = ApplicationForm()
    wishes = booths.wish_options(event=event)
    form.setup_choices(provinces=provinces(), sectors=sectors(), wishes=wishes)
    if form.validate_on_submit():
        try:
            logo = logo_from_form(form.logo)
        except InvalidLogo as error:
            form.logo.errors.append(str(error.message))
        else:
            try:
                exhibitor, created = services.apply(event=event, data=form.application_data())
                if created and logo is not None:
                    exhibitor.logo_filename = save_logo(logo)
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "error")
            else:
                db.session.commit()
                return redirect(
                    url_for("exhibitors.applied", slug=slug, again=None if created else 1)
                )
    status = 422 if form.is_submitted() else 200
    return render_template(
        "exhibitors/apply.html",
        event=event,
        form=form,
        wishes=wishes,
        tax_code_example=services.example_tax_code(),
    ), status


@bp.get("/events/<slug>/exhibit/sent")
def applied(slug: str):
    """Thanks for applying (or: your company has applied already)."""
    g.event = event = get_event(slug=slug)
    return render_template(
        "exhibitors/applied.html", event=event, again=bool(request.args.get("again"))
    )


@bp.get("/media/logos/<name>")
def logo(name: str):
    """A stored logo (re-encoded PNG under a random name)."""
    if not name.endswith(".png") or len(name) != 36 or not name[:32].isalnum():
        abort(404)
    return send_from_directory(logo_folder(), name, mimetype="image/png", max_age=86400)


@bp.get("/events/<slug>/exhibitors")
def directory(slug: str):
    """The public exhibitor directory: search by name, product or certification (diacritics ignored), by sector."""
    g.event = event = get_event(slug=slug)
    query, sector = request.args.get("q", "")[:200], request.args.get("sector", "")
    return render_template(
        "exhibitors/directory.html",
        event=event,
        page=services.directory_page(
            event=event,
            query=query,
            sector=sector,
            page=request.args.get("page", type=int),
            language=current_language(),
        ),
        query=query,
        sector=sector,
        sectors=sectors(),
        has_plan=bool(booths.halls(event=event)),
    )


@bp.get("/events/<slug>/exhibitors/<int:exhibitor_id>")
def profile(slug: str, exhibitor_id: int):
    """An exhibitor's public page, with its booth on the floor plan ("find on map")."""
    g.event = event = get_event(slug=slug)
    exhibitor = services.get_exhibitor(event=event, exhibitor_id=exhibitor_id)
    if exhibitor.status not in services.PUBLIC_STATUSES:
        raise services.ExhibitorNotFound()
    return render_template(
        "exhibitors/profile.html",
        event=event,
        exhibitor=exhibitor,
        plan=booths.plan(event=event, exhibitor=exhibitor),
    )


# ------------------------------------------------------------------ organisers


def _filters():
    return (
        request.args.get("q", "")[:200],
        request.args.get("status", ""),
        request.args.get("sector", ""),
    )


@admin_bp.get("/")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def index(slug: str):
    """Applications and exhibitors with search and filters."""
    g.event = event = get_event(slug=slug)
    query, status, sector = _filters()
    stmt = services.exhibitors_query(event=event, query=query, status=status, sector=sector)
    return render_template(
        "exhibitors/admin_list.html",
        event=event,
        page=paginate(stmt, page=request.args.get("page", type=int)),
        query=query,
        status=status,
        sector=sector,
        statuses=list(ExhibitorStatus),
        sectors=sectors(),
    )


@admin_bp.get("/export.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER, Role.EXHIBITORS)
def export(slug: str, kind: str):
    """The filtered exhibitors as Excel or CSV, in the language chosen (see exports.py)."""
    g.event = event = get_event(slug=slug)
    query, status, sector = _filters()
    stmt = services.exhibitors_query(event=event, query=query, status=status, sector=sector)
    language = export_language()
    with force_locale(language):
        rows = services.export_rows(stmt=stmt)
        record(
            actor=current_user,
            action="exhibitors.exported",
            event=event,
            details={"format": kind, "rows": len(rows), "language": language},
        )
        db.session.commit()
        stamp = utcnow().astimezone(event.tz).strftime("%Y%m%d-%H%M")
        return export_response(
            services.EXPORT_COLUMNS,
            rows,
            kind=kind,
            name=f"{event.slug}-exhibitors-{stamp}",
            tz=event.tz,
            language=language,
            title=_("Exhibitors"),
        )


@admin_bp.route("/<int:exhibitor_id>", methods=["GET", "POST"])
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
        try:
            services.change_status(
                exhibitor=exhibitor,
                to=ExhibitorStatus(form.status.data),
                reason=form.reason.data or "",
                user=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.reason.errors.append(str(error.message))
        else:
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
            return redirect(
                url_for("exhibitors_admin.detail", slug=slug, exhibitor_id=exhibitor_id)
            )
    return render_template(
        "exhibitors/admin_detail.html",
        event=event,
        exhibitor=exhibitor,
        form=form,
        tax_code=services.format_tax_code(exhibitor.tax_code),
    ), (422 if form.is_submitted() else 200)

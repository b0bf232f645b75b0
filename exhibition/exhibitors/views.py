"""Exhibitor applications: the public form, logos, and the organisers' pages."""

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from ..booths import services as booths
from ..errors import refused
from ..events.services import get_event
from ..extensions import db, limiter
from ..i18n import current_language
from ..visitors.services import provinces, sectors
from . import services
from .directory import PUBLIC_STATUSES, directory_page
from .forms import ApplicationForm
from .logos import logo_folder, save_logo, submitted_with_logo

bp = Blueprint("exhibitors", __name__)


@bp.route("/events/<slug>/exhibit", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def apply(slug: str):
    """The public application form for companies."""
    g.event = event = get_event(slug=slug)
    form = ApplicationForm()
    wishes = booths.wish_options(event=event)
    form.setup_choices(provinces=provinces(), sectors=sectors(), wishes=wishes)
    valid, logo = submitted_with_logo(form)
    if valid:
        with refused() as refusal:
            exhibitor, created = services.apply(event=event, data=form.application_data())
            if created and logo is not None:
                exhibitor.logo_filename = save_logo(logo)
        if not refusal:
            db.session.commit()
            return redirect(url_for("exhibitors.applied", slug=slug, again=None if created else 1))
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
        page=directory_page(
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
    if exhibitor.status not in PUBLIC_STATUSES:
        raise services.ExhibitorNotFound()
    return render_template(
        "exhibitors/profile.html",
        event=event,
        exhibitor=exhibitor,
        plan=booths.plan(event=event, exhibitor=exhibitor),
    )

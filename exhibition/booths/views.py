"""The public floor plan: one page per hall, with a legend, a search that highlights a booth, and
zoom and pan (svg-pan-zoom). Only what the public may see: booth codes, whether a booth is free,
reserved or taken, and the names of the companies exhibiting."""

from flask import Blueprint, abort, g, render_template, request

from ..events.services import get_event
from . import services

bp = Blueprint("plan", __name__, url_prefix="/events/<slug>/plan")


@bp.app_template_global()
def public_holder(booth):
    return services.public_holder(booth)


@bp.app_template_global()
def plan_lines(name: str, width_m: float) -> list[str]:
    return services.plan_lines(name, width_m)


@bp.get("/", defaults={"code": None})
@bp.get("/<code>")
def hall(slug: str, code: str | None):
    """A hall's plan; without a hall, the first one (or the one holding what was searched for)."""
    g.event = event = get_event(slug=slug)
    plan = services.plan(event=event)
    query = request.args.get("q", "")[:100]
    found = services.find_on_plan(plan=plan, query=query) if query.strip() else []
    if code is None:
        wanted = found[0].hall_id if found else None
        current = next(
            (entry for entry in plan if entry[0].id == wanted), plan[0] if plan else None
        )
    else:
        current = next((entry for entry in plan if entry[0].code == code), None)
        if current is None:
            abort(404)
    counts: dict[str, int] = {}
    for booth in current[1] if current else []:
        counts[booth.public_status] = counts.get(booth.public_status, 0) + 1
    return render_template(
        "booths/public_plan.html",
        event=event,
        plan=plan,
        current=current,
        query=query,
        found=found,
        found_codes={b.code for b in found},
        counts=counts,
    )

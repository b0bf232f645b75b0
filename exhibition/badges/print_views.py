"""Organisers print badges as PDF: one at a time, or a selection (by category, by date
registered, not printed yet), in A6, four-up A4 with cut marks, or a 90 x 54 mm card."""

from flask import Response, abort, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import Optional

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import describes, record
from ..accounts.models import Role
from ..events.services import get_event
from ..extensions import db
from ..forms import Form, choices, sensible_year
from ..visitors.categories import all_categories
from ..visitors.desk import registration_at_desk
from ..visitors.models import Registration
from . import printing

bp = staff_blueprint("badge_print", __name__, url_prefix="/admin/events/<slug>")

MAX_BATCH = 5000  # badges in one PDF


LAYOUTS = {
    "a6": _l("A6, one badge a page"),
    "a4": _l("A4, four A6 badges with cut marks"),
    "card": _l("Card, 90 × 54 mm"),
}


def layout_choices():
    return choices(LAYOUTS.items())


def layout_name(code: str) -> str:
    """A badge layout as organisers read it (the audit log keeps the code)."""
    return str(LAYOUTS.get(code, code))


@describes("badges.printed")
def _describe_printing(d: dict) -> str:
    return ngettext(
        "%(num)s badge, %(layout)s", "%(num)s badges, %(layout)s", int(d["badges"]),
        layout=layout_name(d["layout"]),
    )  # fmt: skip


class PrintForm(Form):
    layout = SelectField(_l("Format"), default="a6")
    category = SelectField(
        _l("Category"), default="", validators=[Optional(strip_whitespace=False)]
    )
    registered_from = DateField(_l("Registered from"), validators=[Optional(), sensible_year])
    registered_to = DateField(_l("Registered until"), validators=[Optional(), sensible_year])
    not_printed = BooleanField(_l("Only badges not printed yet"), default=True)


def _pdf_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/badges", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def batch(slug: str):
    """Choose badges and a format; printing records each badge as printed."""
    g.event = event = get_event(slug=slug)
    form = PrintForm(
        formdata=request.form if request.method == "POST" else request.args or None,
        # Counting is a GET, without a token; printing posts the page's second form, which
        # renders its own token (templates/badges/print.html).
        meta={"csrf": request.method == "POST"},
    )
    categories = all_categories(event=event)
    form.layout.choices = layout_choices()
    form.category.choices = choices(
        [("", _l("All categories"))] + [(str(c.id), c.tr("name")) for c in categories]
    )
    valid = form.validate() if (request.method == "POST" or request.args) else True
    stmt = printing.selection(
        event=event,
        category_id=int(form.category.data) if valid and form.category.data else None,
        registered_from=form.registered_from.data if valid else None,
        registered_to=form.registered_to.data if valid else None,
        not_printed=bool(form.not_printed.data) if valid else False,
    )
    if request.method == "POST" and valid:
        people = list(db.session.scalars(stmt.limit(MAX_BATCH)))
        pdf = printing.print_badges(registrations=people, layout=form.layout.data, language=None)
        record(
            actor=current_user,
            action="badges.printed",
            event=event,
            details={"badges": len(people), "layout": form.layout.data},
        )
        db.session.commit()
        return _pdf_response(pdf, f"{event.slug}-badges")
    count = db.session.scalar(stmt.with_only_columns(db.func.count(Registration.id)).order_by(None))
    return render_template(
        "badges/print.html", event=event, form=form, count=count, max_batch=MAX_BATCH
    ), (200 if valid else 422)


@bp.post("/registrations/<int:registration_id>/badge.pdf")
@allow(Role.ORGANISER, Role.CHECKIN)
def single(slug: str, registration_id: int):
    """One person's badge (at the desk, after a walk-in or on arrival); recorded as printed.
    Check-in staff print only the badges the desk shows them (visitors/desk.py)."""
    g.event = event = get_event(slug=slug)
    registration = registration_at_desk(event, registration_id, request.form.get("ref"))
    if registration.is_cancelled or registration.is_erased:
        abort(404)
    layout = request.form.get("layout", "a6")
    if layout not in printing.LAYOUTS:
        layout = "a6"
    pdf = printing.print_badges(registrations=[registration], layout=layout)
    record(
        actor=current_user,
        action="badges.printed",
        event=event,
        target=registration,
        details={"badges": 1, "layout": layout},
    )
    db.session.commit()
    return _pdf_response(pdf, f"badge-{registration.id}")

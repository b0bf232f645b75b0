"""Organiser pages of an exhibition's visitor categories: adding one and changing one."""

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, record
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..extensions import db
from .categories import add_category, all_categories, update_category
from .forms import CategoryDetailsForm, CategoryForm
from .models import VisitorCategory

bp = staff_blueprint("categories", __name__, url_prefix="/admin/events/<slug>/categories")


def _log(action: str, category: VisitorCategory, **details) -> None:
    record(
        actor=current_user,
        action=action,
        event=g.event,
        target=category,
        target_type="category",
        summary=category.code,
        **details,
    )


@bp.route("", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def index(slug: str):
    """Visitor categories of an exhibition; organisers can add more and change them."""
    g.event = event = get_event(slug=slug)
    form = CategoryForm()
    if form.validate_on_submit():
        with refused(form.code) as refusal:
            category = add_category(
                event=event,
                code=form.code.data,
                name_vi=form.name_vi.data,
                name_en=form.name_en.data,
                color=form.color.data.lower(),
                is_public=form.is_public.data,
            )
        if not refusal:
            names = both(category.name_vi, category.name_en)
            _log("category.created", category, details={"category": names})
            db.session.commit()
            flash(_("The category has been added."), "success")
            return redirect(url_for("categories.index", slug=slug))
    return render_template(
        "visitors/categories.html",
        event=event,
        form=form,
        categories=all_categories(event=event),
    ), (422 if form.is_submitted() else 200)


@bp.route("/<int:category_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def edit(slug: str, category_id: int):
    """Change a visitor category: its names, colour, and whether the public form offers it."""
    g.event = event = get_event(slug=slug)
    category = db.session.get(VisitorCategory, category_id)
    if category is None or category.event_id != event.id:
        abort(404)
    form = CategoryDetailsForm(obj=category)
    if form.validate_on_submit():
        update_category(
            category=category,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data,
            color=form.color.data.lower(),
            is_public=form.is_public.data,
        )
        _log("category.changed", category)
        db.session.commit()
        flash(_("The category has been saved."), "success")
        return redirect(url_for("categories.index", slug=slug))
    return render_template(
        "visitors/category_form.html", event=event, category=category, form=form
    ), (422 if form.is_submitted() else 200)

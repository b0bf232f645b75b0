"""Organiser pages of an exhibition's settings: creating one and changing it."""

from collections.abc import Callable

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import record
from ..accounts.models import Role
from ..errors import refused
from ..exhibitors.logos import (
    BANNER,
    EVENT_LOGO,
    InvalidLogo,
    delete_image,
    image_from_form,
    save_image,
)
from ..extensions import db
from ..security import allow_large_uploads
from . import services as events
from .forms import EventForm
from .models import Event
from .services import EventData

bp = staff_blueprint("events_admin", __name__, url_prefix="/admin/events")

# The event form may carry a banner and a logo, more than the site-wide upload limit.
allow_large_uploads(bp, {"events_admin.new", "events_admin.edit"}, 5 * 1024 * 1024)
EVENT_IMAGES = (("banner", BANNER), ("logo", EVENT_LOGO))


def _event_images(form: EventForm) -> dict[str, bytes | None] | None:
    """The banner and logo sent with the event form, checked and re-encoded; None (and an error
    next to the field) when one is not a fit image."""
    images: dict[str, bytes | None] = {}
    for name, kind in EVENT_IMAGES:
        try:
            images[name] = image_from_form(form[name], kind)
        except InvalidLogo as error:
            form[name].errors.append(str(error.message))
    return None if any(form[name].errors for name, _kind in EVENT_IMAGES) else images


def _store_event_images(event, form: EventForm, images: dict[str, bytes | None]) -> list[str]:
    """Store new images (or forget removed ones); returns the files no longer used."""
    unused = []
    for name, kind in EVENT_IMAGES:
        column = f"{name}_filename"
        if images[name] is not None or form[f"remove_{name}"].data:
            unused.append(getattr(event, column))
            setattr(event, column, save_image(images[name], kind) if images[name] else None)
    return [name for name in unused if name]


def _delete_event_images(names: list[str]) -> None:
    for name in names:
        delete_image(name, BANNER if name.endswith(".jpg") else EVENT_LOGO)


def _save(form: EventForm, save: Callable[[EventData], Event], action: str) -> Event | None:
    """The exhibition saved by `save` from the form's settings and images, audited as `action`;
    None (errors on the form) when the form, an image or the service refuses them."""
    if not form.validate_on_submit() or (images := _event_images(form)) is None:
        return None
    with refused(form.slug) as refusal:
        event = save(form.event_data())
    if refusal:
        return None
    unused = _store_event_images(event, form, images)
    record(actor=current_user, action=action, event=event, summary=event.slug)
    db.session.commit()
    _delete_event_images(unused)
    return event


@bp.route("/new", methods=["GET", "POST"])
@allow()
def new():
    """Create an exhibition."""
    form = EventForm()
    event = _save(form, lambda data: events.create_event(data=data), "event.created")
    if event is not None:
        flash(_("The exhibition has been created."), "success")
        return redirect(url_for("registration_admin.index", slug=event.slug))
    return render_template("events/event_form.html", form=form, event=None), (
        422 if form.is_submitted() else 200
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def edit(slug: str):
    """Change an exhibition's settings."""
    g.event = event = events.get_event(slug=slug)
    form = EventForm()
    if request.method == "GET":
        form.fill_from(event)
    if _save(form, lambda data: events.update_event(event=event, data=data), "event.updated"):
        flash(_("Saved."), "success")
        return redirect(url_for("events_admin.edit", slug=event.slug))
    return render_template("events/event_form.html", form=form, event=event), (
        422 if form.is_submitted() else 200
    )

"""Organisers' check-in set-up: checkpoints with their rules, and the devices at them."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, record
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..extensions import db
from ..forms import Form
from ..programme.services import rooms
from ..qr import qr_svg_data_uri
from ..urls import public_url
from . import services
from .forms import CheckpointForm, DeviceForm
from .models import Checkpoint, Device

bp = staff_blueprint("checkin_admin", __name__, url_prefix="/admin/events/<slug>")


def _event(slug: str):
    g.event = event = get_event(slug=slug)
    return event


def _rooms(event):
    return rooms(event=event)


def _setup_link(device: Device) -> dict:
    """A fresh one-time set-up link for a device, and its QR code (an inline SVG image)."""
    code = services.issue_setup_code(device=device)
    url = public_url("checkin.setup", code=code)
    return {"device": device, "url": url, "qr": qr_svg_data_uri(url)}


def _page(event, *, device_form, checkpoint_form, setup=None, new_token=None, status=200):
    return render_template(
        "checkin/devices.html",
        event=event,
        form=device_form,
        checkpoint_form=checkpoint_form,
        checkpoints=services.checkpoints(event=event),
        devices=services.list_devices(event=event),
        setup=setup,
        new_token=new_token,
        action_form=Form(),
        scans=services.recent_scans(event=event, limit=30),
    ), status


def _forms(event, checkpoints):
    device_form = DeviceForm(formdata=None)
    device_form.setup_choices(checkpoints)
    checkpoint_form = CheckpointForm(formdata=None)
    checkpoint_form.setup_choices(_rooms(event))
    return device_form, checkpoint_form


@bp.route("/devices", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def devices(slug: str):
    """Checkpoints and devices: add a device (its set-up link and QR code are shown at once)."""
    event = _event(slug)
    checkpoints = services.checkpoints(event=event)
    device_form, checkpoint_form = _forms(event, checkpoints)
    if request.method == "POST":
        device_form = DeviceForm()
        device_form.setup_choices(checkpoints)
        if device_form.validate_on_submit():
            checkpoint = next(c for c in checkpoints if str(c.id) == device_form.checkpoint.data)
            device, token = services.create_device(
                event=event, name=device_form.name.data, checkpoint=checkpoint
            )
            setup = _setup_link(device)
            _log("device.created", event, device)
            db.session.commit()
            device_form = _forms(event, checkpoints)[0]
            return _page(
                event,
                device_form=device_form,
                checkpoint_form=checkpoint_form,
                setup=setup,
                new_token=token,
            )
        db.session.commit()  # the main entrance, if it was just made
        return _page(event, device_form=device_form, checkpoint_form=checkpoint_form, status=422)
    db.session.commit()
    return _page(event, device_form=device_form, checkpoint_form=checkpoint_form)


def _log(action: str, event, device: Device) -> None:
    checkpoint = device.checkpoint
    record(
        actor=current_user,
        action=action,
        event=event,
        target=device,
        summary=f"{device.name} · {checkpoint.name_vi}" if checkpoint else device.name,
        details={
            "device": device.name,
            "checkpoint": both(checkpoint.name_vi, checkpoint.name_en) if checkpoint else None,
        },
    )


def _device(event, device_id: int) -> Device:
    device = db.session.get(Device, device_id)
    if device is None or device.event_id != event.id:
        abort(404)
    return device


@bp.post("/devices/<int:device_id>/revoke")
@allow(Role.ORGANISER)
def device_revoke(slug: str, device_id: int):
    """Revoke a device: its next scan is refused."""
    event = _event(slug)
    device = _device(event, device_id)
    services.revoke_device(device=device)
    _log("device.revoked", event, device)
    db.session.commit()
    flash(_("Device “%(name)s” has been revoked.", name=device.name), "success")
    return redirect(url_for("checkin_admin.devices", slug=slug))


@bp.post("/devices/<int:device_id>")
@allow(Role.ORGANISER)
def device_update(slug: str, device_id: int):
    """Rename a device or move it to another checkpoint."""
    event = _event(slug)
    device = _device(event, device_id)
    checkpoints = services.checkpoints(event=event)
    form = DeviceForm()
    form.setup_choices(checkpoints)
    if not form.validate_on_submit():
        flash(_("Give the device a name and a checkpoint."), "error")
        return redirect(url_for("checkin_admin.devices", slug=slug))
    checkpoint = next(c for c in checkpoints if str(c.id) == form.checkpoint.data)
    with refused() as refusal:
        services.update_device(device=device, name=form.name.data, checkpoint=checkpoint)
    if not refusal:
        _log("device.changed", event, device)
        db.session.commit()
        flash(_("Device “%(name)s” has been saved.", name=device.name), "success")
    return redirect(url_for("checkin_admin.devices", slug=slug))


@bp.post("/devices/<int:device_id>/setup")
@allow(Role.ORGANISER)
def device_setup_link(slug: str, device_id: int):
    """A new one-time set-up link (and QR code) for a device; the last one stops working."""
    event = _event(slug)
    device = _device(event, device_id)
    if device.is_revoked:
        abort(404)
    setup = _setup_link(device)
    _log("device.setup_link", event, device)
    db.session.commit()
    device_form, checkpoint_form = _forms(event, services.checkpoints(event=event))
    return _page(event, device_form=device_form, checkpoint_form=checkpoint_form, setup=setup)


@bp.route("/checkpoints", methods=["POST"])
@bp.route("/checkpoints/<int:checkpoint_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def checkpoint(slug: str, checkpoint_id: int | None = None):
    """Add a checkpoint, or change one's name, door and rules."""
    event = _event(slug)
    existing = None
    if checkpoint_id is not None:
        existing = db.session.get(Checkpoint, checkpoint_id)
        if existing is None or existing.event_id != event.id:
            abort(404)
    rooms = _rooms(event)
    form = CheckpointForm(obj=existing) if request.method == "GET" else CheckpointForm()
    form.setup_choices(rooms)
    if request.method == "GET":
        form.room.data = str(existing.room_id or "")
    elif form.validate_on_submit():
        room = next((r for r in rooms if str(r.id) == form.room.data), None)
        with refused(form.name_vi) as refusal:
            saved = services.save_checkpoint(
                event=event,
                checkpoint=existing,
                name_vi=form.name_vi.data,
                name_en=form.name_en.data or "",
                room=room,
                allow_reentry=form.allow_reentry.data,
                daily=form.daily.data,
                print_on_arrival=form.print_on_arrival.data,
            )
        if not refusal:
            record(
                actor=current_user,
                action="checkpoint.saved",
                event=event,
                target=saved,
                summary=saved.name_vi,
                details={"checkpoint": both(saved.name_vi, saved.name_en)},
            )
            db.session.commit()
            flash(_("The checkpoint has been saved."), "success")
            return redirect(url_for("checkin_admin.devices", slug=slug))
    return render_template(
        "checkin/checkpoint.html", event=event, form=form, checkpoint=existing
    ), (422 if form.errors else 200)


@bp.route("/station", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.CHECKIN)
def station(slug: str):
    """Make this phone or laptop a check-in station at a chosen checkpoint (check-in staff too)."""
    event = _event(slug)
    checkpoints = services.checkpoints(event=event)
    form = DeviceForm()
    form.setup_choices(checkpoints)
    if request.method == "GET":
        form.name.data = current_user.label[:80]
    if form.validate_on_submit():
        checkpoint = next(c for c in checkpoints if str(c.id) == form.checkpoint.data)
        device, _token = services.create_device(
            event=event, name=form.name.data, checkpoint=checkpoint
        )
        code = services.issue_setup_code(device=device)
        _log("device.created", event, device)
        db.session.commit()
        return redirect(url_for("checkin.setup", code=code))
    db.session.commit()  # the main entrance, if it was just made
    return render_template("checkin/station_setup.html", event=event, form=form), (
        422 if form.is_submitted() else 200
    )

"""Checkpoints and devices: creating, moving, renaming, revoking, setting up by a one-time link."""

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from .models import Checkpoint, Device, Scan


class InvalidToken(DomainError):
    code = "invalid_token"
    status = 401
    message = _l(
        "The device code is wrong or has been replaced. Set this station up again with a new "
        "set-up link."
    )


class DeviceRevoked(DomainError):
    code = "device_revoked"
    status = 403
    message = _l("This device has been revoked by the organisers.")


def hash_token(token: str) -> str:
    """How a bearer token or a set-up code is stored: its SHA-256 (check-in devices and booth
    scanners alike)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def checkpoints(*, event: Event) -> list[Checkpoint]:
    """An event's checkpoints, the main entrance first (made when the event has none)."""
    found = list(
        db.session.scalars(
            sa.select(Checkpoint)
            .where(Checkpoint.event_id == event.id)
            .order_by(Checkpoint.position, Checkpoint.id)
        )
    )
    if not found:
        found = [main_entrance(event=event)]
    return found


def main_entrance(*, event: Event) -> Checkpoint:
    """The event's first entrance checkpoint, made on first use (by one of several requests
    making it at once: the others find it)."""

    def first() -> Checkpoint | None:
        return db.session.scalar(
            sa.select(Checkpoint)
            .where(Checkpoint.event_id == event.id, Checkpoint.room_id.is_(None))
            .order_by(Checkpoint.position, Checkpoint.id)
            .limit(1)
        )

    entrance = first()
    if entrance is None:
        entrance = Checkpoint(
            event_id=event.id, name_vi="Cổng chính", name_en="Main entrance", position=0
        )
        try:
            with db.session.begin_nested():
                db.session.add(entrance)
                db.session.flush()
        except IntegrityError:
            entrance = first()
    return entrance


def checkpoint_of(*, device: Device) -> Checkpoint:
    """Where a device scans: its checkpoint, or the event's main entrance."""
    if device.checkpoint is not None:
        return device.checkpoint
    return main_entrance(event=device.event)


def save_checkpoint(
    *,
    event: Event,
    checkpoint: Checkpoint | None = None,
    name_vi: str,
    name_en: str = "",
    room=None,
    allow_reentry: bool = True,
    daily: bool = True,
    print_on_arrival: bool = False,
) -> Checkpoint:
    """Create or change a checkpoint (an entrance, or a room's door with `room`)."""
    clash = db.session.scalar(
        sa.select(Checkpoint.id).where(
            Checkpoint.event_id == event.id,
            Checkpoint.name_vi == name_vi,
            Checkpoint.id != (checkpoint.id if checkpoint is not None else -1),
        )
    )
    if clash is not None:
        raise DomainError(
            _l("Another checkpoint already has this name."),
            code="checkpoint_name_taken",
            status=409,
        )
    if checkpoint is None:
        count = db.session.scalar(
            sa.select(sa.func.count(Checkpoint.id)).where(Checkpoint.event_id == event.id)
        )
        checkpoint = Checkpoint(event_id=event.id, position=count or 0)
        db.session.add(checkpoint)
    checkpoint.name_vi, checkpoint.name_en = name_vi, name_en
    checkpoint.room_id = room.id if room is not None else None
    checkpoint.allow_reentry, checkpoint.daily = allow_reentry, daily
    checkpoint.print_on_arrival = print_on_arrival
    db.session.flush()
    return checkpoint


def update_device(*, device: Device, name: str, checkpoint: Checkpoint) -> Device:
    """Rename a device or move it to another checkpoint of its event."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError(
            _l("Give the device a name of 1 to 80 characters."), code="invalid_name", status=422
        )
    if checkpoint.event_id != device.event_id:
        raise DomainError(_l("Choose a checkpoint of this exhibition."), code="invalid_checkpoint")
    device.name, device.checkpoint_id = name, checkpoint.id
    db.session.flush()
    return device


SETUP_LINK_LIFETIME = timedelta(hours=24)


def new_setup_code(holder, *, now: datetime | None = None) -> str:
    """A one-time code for a set-up link (and QR code), valid for a day: its hash and expiry go
    on `holder`, a device or a booth scanner (any model with setup_code_hash/setup_expires_at)."""
    code = secrets.token_urlsafe(24)
    holder.setup_code_hash = hash_token(code)
    holder.setup_expires_at = (now or utcnow()) + SETUP_LINK_LIFETIME
    db.session.flush()
    return code


def issue_setup_code(*, device: Device, now: datetime | None = None) -> str:
    """A one-time code for the device's set-up link (and QR code), valid for a day."""
    return new_setup_code(device, now=now)


class SetupCodeInvalid(DomainError):
    code = "setup_code_invalid"
    status = 404
    message = _l("This set-up link has been used or has expired. Ask the organisers for a new one.")


def spend_setup_code(model: type, *, code: str, now: datetime | None = None):
    """Redeem a one-time set-up code of a `model` row (a device, a booth scanner: token_hash,
    setup_code_hash, setup_expires_at, revoked_at): the row gets a fresh token (any copy of the
    old one stops working) and the code is spent. Returns the row and its new token."""
    now = now or utcnow()
    if not code or len(code) > 100:
        raise SetupCodeInvalid()
    holder = db.session.scalar(
        sa.select(model).where(model.setup_code_hash == hash_token(code)).with_for_update()
    )
    if holder is None or holder.revoked_at is not None or holder.setup_expires_at <= now:
        raise SetupCodeInvalid()
    token = secrets.token_urlsafe(32)
    spent = db.session.execute(
        sa.update(model)
        .where(model.id == holder.id, model.setup_code_hash == hash_token(code))
        .values(token_hash=hash_token(token), setup_code_hash=None, setup_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise SetupCodeInvalid()
    db.session.refresh(holder)
    return holder, token


def redeem_setup_code(*, code: str, now: datetime | None = None) -> tuple[Device, str]:
    """Set a station up from a one-time link: the device gets a fresh token (any copy of the old
    one stops working) and the link is spent. Returns the device and its new token."""
    return spend_setup_code(Device, code=code, now=now)


def create_device(
    *, event: Event, name: str, checkpoint: Checkpoint | None = None
) -> tuple[Device, str]:
    """Create a device at a checkpoint (the main entrance by default); returns it and its token,
    which is shown once and stored only as a hash."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError(
            _l("Give the device a name of 1 to 80 characters."), code="invalid_name", status=422
        )
    token = secrets.token_urlsafe(32)
    device = Device(
        event_id=event.id,
        name=name,
        token_hash=hash_token(token),
        checkpoint_id=(checkpoint or main_entrance(event=event)).id,
    )
    db.session.add(device)
    db.session.flush()
    return device, token


def staff_device(*, event: Event, user) -> Device:
    """The device standing for a staff member who checks people in by hand (a registration's
    page, the walk-in desk): one per staff member and exhibition, at the main entrance, made on
    first use. Its token is never given out; a revoked one is refused like any device."""

    def existing() -> Device | None:
        return db.session.scalar(
            sa.select(Device).where(Device.event_id == event.id, Device.user_id == user.id)
        )

    device = existing()
    if device is None:
        device = Device(
            event_id=event.id,
            user_id=user.id,
            name=gettext("In person: %(name)s", name=user.label)[:80],
            token_hash=hash_token(secrets.token_urlsafe(32)),
            checkpoint_id=main_entrance(event=event).id,
        )
        try:
            with db.session.begin_nested():  # the same person in two tabs at once: one device
                db.session.add(device)
                db.session.flush()
        except IntegrityError:
            device = existing()
    if device.is_revoked:
        raise DeviceRevoked()
    return device


def revoke_device(*, device: Device, now: datetime | None = None) -> Device:
    """Revoke a device: its next scan is refused."""
    if device.revoked_at is None:
        device.revoked_at = now or utcnow()
        db.session.flush()
    return device


def list_devices(*, event: Event) -> list[Device]:
    """An event's devices, oldest first."""
    return list(
        db.session.scalars(sa.select(Device).where(Device.event_id == event.id).order_by(Device.id))
    )


@functools.cache
def _device_by_token():
    """Built once (every scan runs it; not at import, before every model is mapped); the event
    and checkpoint come along: every scan needs them."""
    return (
        sa.select(Device)
        .where(Device.token_hash == sa.bindparam("token_hash"))
        .options(sa.orm.joinedload(Device.event), sa.orm.joinedload(Device.checkpoint))
    )


def authenticate_device(*, token: str | None, now: datetime | None = None) -> Device:
    """The device holding this bearer token; refused when unknown or revoked."""
    if not token or len(token) > 200:
        raise InvalidToken()
    device = db.session.scalar(_device_by_token(), {"token_hash": hash_token(token)})
    if device is None:
        raise InvalidToken()
    if device.is_revoked:
        raise DeviceRevoked()
    now = now or utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=1):
        # Throttled so that a busy door does not write the device row on every scan.
        db.session.execute(sa.update(Device).where(Device.id == device.id).values(last_seen_at=now))
    return device


def recent_scans(*, event: Event, limit: int = 50) -> list[Scan]:
    """An event's latest scans, newest first."""
    return list(
        db.session.scalars(
            sa.select(Scan).where(Scan.event_id == event.id).order_by(Scan.id.desc()).limit(limit)
        )
    )

"""Devices and badge scans."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..badges.services import normalize_badge_code
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..visitors.models import Registration, RegistrationStatus
from .models import Device, Scan, ScanResult, ScanType


class InvalidToken(DomainError):
    code = "invalid_token"
    status = 401
    message = _l("This device is not known. Set it up again with a new device token.")


class NonceReused(DomainError):
    code = "nonce_reused"
    status = 409
    message = _l("This nonce was already used for another scan. Send a new nonce for every scan.")


class DeviceRevoked(DomainError):
    code = "device_revoked"
    status = 403
    message = _l("This device has been revoked by the organisers.")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_device(*, event: Event, name: str) -> tuple[Device, str]:
    """Create a device; returns it and its token, which is shown once and stored only as a hash."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError(
            _l("Give the device a name of 1 to 80 characters."), code="invalid_name", status=422
        )
    token = secrets.token_urlsafe(32)
    device = Device(event_id=event.id, name=name, token_hash=_hash_token(token))
    db.session.add(device)
    db.session.flush()
    return device, token


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


def authenticate_device(*, token: str | None, now: datetime | None = None) -> Device:
    """The device holding this bearer token; refused when unknown or revoked."""
    if not token or len(token) > 200:
        raise InvalidToken()
    device = db.session.scalar(sa.select(Device).where(Device.token_hash == _hash_token(token)))
    if device is None:
        raise InvalidToken()
    if device.is_revoked:
        raise DeviceRevoked()
    now = now or utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=1):
        # Throttled so that a busy door does not write the device row on every scan.
        db.session.execute(sa.update(Device).where(Device.id == device.id).values(last_seen_at=now))
    return device


@dataclass
class ScanOutcome:
    scan: Scan
    registration: Registration | None
    first_checked_in_at: datetime | None
    replayed: bool  # the same nonce was sent before; this is the stored answer


def _existing(device: Device, nonce: str) -> Scan | None:
    return db.session.scalar(
        sa.select(Scan).where(Scan.device_id == device.id, Scan.nonce == nonce)
    )


def _outcome(scan: Scan, *, replayed: bool) -> ScanOutcome:
    registration = scan.registration
    first = None
    if registration is not None and scan.result is ScanResult.ALREADY_CHECKED_IN:
        first = registration.checked_in_at
    return ScanOutcome(
        scan=scan, registration=registration, first_checked_in_at=first, replayed=replayed
    )


def record_scan(
    *, device: Device, code: str, nonce: str, scan_type: ScanType, now: datetime | None = None
) -> ScanOutcome:
    """Judge a scanned badge at a device and store the scan; a repeated nonce returns the first answer.

    The first entry of a badge is claimed with a conditional update (checked_in_at IS NULL), so of
    many devices scanning one badge at once exactly one gets `ok`.
    """
    now = now or utcnow()
    previous = _existing(device, nonce)
    if previous is not None:
        if previous.code != (code or "")[:64] or previous.type is not scan_type:
            raise NonceReused()
        return _outcome(previous, replayed=True)

    registration = None
    badge_code = normalize_badge_code(code)
    if badge_code is not None:
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.badge_code == badge_code)
        )
    if registration is None:
        result = ScanResult.INVALID
    elif registration.event_id != device.event_id:
        result, registration = ScanResult.WRONG_EVENT, None
    elif registration.status is RegistrationStatus.CANCELLED:
        result = ScanResult.CANCELLED
    else:
        result = ScanResult.OK  # provisional for entries; settled below

    scan = Scan(
        event_id=device.event_id,
        device_id=device.id,
        registration_id=registration.id if registration else None,
        code=(code or "")[:64],
        nonce=nonce,
        type=scan_type,
        result=result,
        scanned_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(scan)
            db.session.flush()
    except IntegrityError:
        # The same nonce arrived twice at the same moment; the other one is the stored scan.
        previous = _existing(device, nonce)
        if previous is None:
            raise
        return _outcome(previous, replayed=True)

    if result is ScanResult.OK and scan_type is ScanType.ENTRY:
        claimed = db.session.execute(
            sa.update(Registration)
            .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
            .values(checked_in_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(registration, ["checked_in_at"])
        if claimed != 1:
            scan.result = ScanResult.ALREADY_CHECKED_IN
            db.session.flush()
    return _outcome(scan, replayed=False)


def recent_scans(*, event: Event, limit: int = 50) -> list[Scan]:
    """An event's latest scans, newest first."""
    return list(
        db.session.scalars(
            sa.select(Scan).where(Scan.event_id == event.id).order_by(Scan.id.desc()).limit(limit)
        )
    )

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


def create_device(*, event: Event, name: str, room=None) -> tuple[Device, str]:
    """Create a device (at the entrance, or at `room`'s door); returns it and its token, which is
    shown once and stored only as a hash."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError(
            _l("Give the device a name of 1 to 80 characters."), code="invalid_name", status=422
        )
    token = secrets.token_urlsafe(32)
    device = Device(
        event_id=event.id,
        name=name,
        token_hash=_hash_token(token),
        room_id=room.id if room is not None else None,
    )
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
    invited: bool = False  # at a session's door: let in as an invited delegate


# A room's door counts scans for the session starting within this time, or under way.
DOORS_OPEN_BEFORE = timedelta(minutes=30)


class UnknownCheckpoint(DomainError):
    code = "unknown_session"
    status = 422
    message = _l("This session is not part of this exhibition's programme.")


def checkpoint_session(*, device: Device, session_id: int | None, now: datetime):
    """The session a scan is for: the one asked for, else the one on in the device's room now.

    Returns (session or None, at_room_door). A device at the entrance with no session asked for
    scans for the event itself.
    """
    from ..programme.models import ConferenceSession

    if session_id is not None:
        session = db.session.get(ConferenceSession, session_id)
        if session is None or session.event_id != device.event_id:
            raise UnknownCheckpoint()
        return session, True
    if device.room_id is None:
        return None, False
    session = db.session.scalar(
        sa.select(ConferenceSession)
        .where(
            ConferenceSession.room_id == device.room_id,
            ConferenceSession.starts_at <= now + DOORS_OPEN_BEFORE,
            ConferenceSession.ends_at > now,
        )
        .order_by(ConferenceSession.starts_at)
        .limit(1)
    )
    return session, True


def _session_result(session, registration: Registration, scan_type: ScanType, now: datetime):
    """At a session's door: ok for a seat or an invitation, else not_registered (organisers may
    let the person in). Returns (result, invited)."""
    from ..programme.models import BookingStatus, Invitation, InvitationStatus, SessionBooking

    booking = db.session.scalar(
        sa.select(SessionBooking).where(
            SessionBooking.session_id == session.id,
            SessionBooking.registration_id == registration.id,
            SessionBooking.status == BookingStatus.SEATED,
        )
    )
    invited = False
    if booking is None:
        invited = (
            db.session.scalar(
                sa.select(Invitation.id).where(
                    Invitation.session_id == session.id,
                    Invitation.email_key == registration.email_key,
                    Invitation.status != InvitationStatus.DECLINED,
                )
            )
            is not None
        )
        if not invited:
            return ScanResult.NOT_REGISTERED, False
    if booking is None or scan_type is not ScanType.ENTRY:
        return ScanResult.OK, invited
    claimed = db.session.execute(
        sa.update(SessionBooking)
        .where(SessionBooking.id == booking.id, SessionBooking.attended_at.is_(None))
        .values(attended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return ScanResult.ALREADY_CHECKED_IN, False
    return ScanResult.OK, False


def _existing(device: Device, nonce: str) -> Scan | None:
    return db.session.scalar(
        sa.select(Scan).where(Scan.device_id == device.id, Scan.nonce == nonce)
    )


def _outcome(scan: Scan, *, replayed: bool, invited: bool = False) -> ScanOutcome:
    registration = scan.registration
    first = None
    if registration is not None and scan.result is ScanResult.ALREADY_CHECKED_IN:
        first = registration.checked_in_at
        if scan.session_id is not None:
            from ..programme.models import SessionBooking

            first = db.session.scalar(
                sa.select(SessionBooking.attended_at).where(
                    SessionBooking.session_id == scan.session_id,
                    SessionBooking.registration_id == registration.id,
                )
            )
    return ScanOutcome(
        scan=scan,
        registration=registration,
        first_checked_in_at=first,
        replayed=replayed,
        invited=invited,
    )


def record_scan(
    *,
    device: Device,
    code: str,
    nonce: str,
    scan_type: ScanType,
    now: datetime | None = None,
    session_id: int | None = None,
) -> ScanOutcome:
    """Judge a scanned badge at a device and store the scan; a repeated nonce returns the first answer.

    The first entry of a badge is claimed with a conditional update (checked_in_at IS NULL), so of
    many devices scanning one badge at once exactly one gets `ok`. At a session's door (the
    session asked for, or the one on in the device's room) the scan records attendance instead.
    """
    now = now or utcnow()
    previous = _existing(device, nonce)
    if previous is not None:
        if previous.code != (code or "")[:64] or previous.type is not scan_type:
            raise NonceReused()
        return _outcome(previous, replayed=True)
    session, at_room_door = checkpoint_session(device=device, session_id=session_id, now=now)
    invited = False

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
    elif at_room_door and session is None:
        result = ScanResult.NO_SESSION
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
        session_id=session.id if session is not None else None,
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

    if result is ScanResult.OK and session is not None:
        scan.result, invited = _session_result(session, registration, scan_type, now)
        db.session.flush()
    elif result is ScanResult.OK and scan_type is ScanType.ENTRY:
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
    return _outcome(scan, replayed=False, invited=invited)


def recent_scans(*, event: Event, limit: int = 50) -> list[Scan]:
    """An event's latest scans, newest first."""
    return list(
        db.session.scalars(
            sa.select(Scan).where(Scan.event_id == event.id).order_by(Scan.id.desc()).limit(limit)
        )
    )

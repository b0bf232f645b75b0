"""Judging a scanned badge at a checkpoint, by its rules, and storing the scan.

Entrances judge the person's day (checkin/entrances.py). A room's door records attendance at the
session on in the room. Every scan is stored, refused ones included; the same device nonce is
stored once.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import make_transient_to_detached

from ..badges.services import normalize_badge_code
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..programme.models import (
    BookingStatus,
    ConferenceSession,
    Invitation,
    InvitationStatus,
    SessionBooking,
)
from ..visitors.models import Registration, RegistrationStatus
from .entrances import entrance_result, insert_unless_there, presence_day
from .models import Checkpoint, Device, Presence, Scan, ScanEffect, ScanResult, ScanType
from .services import checkpoint_of, staff_device

# A room's door counts scans for the session starting within this time, or under way.
DOORS_OPEN_BEFORE = timedelta(minutes=30)
# An offline scan may be uploaded this long after it was made (a station offline for a day).
OFFLINE_MAX_AGE = timedelta(days=7)


class NonceReused(DomainError):
    code = "nonce_reused"
    status = 409
    message = _l("This nonce was already used for another scan. Send a new nonce for every scan.")


class UnknownCheckpoint(DomainError):
    code = "unknown_session"
    status = 422
    message = _l("This session is not part of this exhibition's programme.")


class BadScanTime(DomainError):
    code = "bad_scan_time"
    status = 422
    message = _l("The scan's time is in the future or too old to be taken.")


@dataclass
class ScanOutcome:
    scan: Scan
    registration: Registration | None
    first_checked_in_at: datetime | None
    replayed: bool  # the same nonce was sent before; this is the stored answer
    invited: bool = False  # at a session's door: let in as an invited delegate


def _session_for(*, checkpoint: Checkpoint, device: Device, session_id: int | None, now):
    """The session a scan is for: the one asked for, else the one on in the checkpoint's room.

    Returns (session or None, at_room_door).
    """
    if session_id is not None:
        session = db.session.get(ConferenceSession, session_id)
        if session is None or session.event_id != device.event_id:
            raise UnknownCheckpoint()
        return session, True
    if checkpoint.room_id is None:
        return None, False
    session = db.session.scalar(
        sa.select(ConferenceSession)
        .where(
            ConferenceSession.room_id == checkpoint.room_id,
            ConferenceSession.starts_at <= now + DOORS_OPEN_BEFORE,
            ConferenceSession.ends_at > now,
        )
        .order_by(ConferenceSession.starts_at)
        .limit(1)
    )
    return session, True


def _session_result(session, registration: Registration, scan: Scan, now: datetime):
    """At a session's door: ok for a seat or an invitation, else not_registered (organisers may
    let the person in). Returns (result, invited)."""
    booking = db.session.scalar(
        sa.select(SessionBooking).where(
            SessionBooking.session_id == session.id,
            SessionBooking.registration_id == registration.id,
            SessionBooking.status == BookingStatus.SEATED,
        )
    )
    if booking is None:
        invited = db.session.scalar(  # accepted by its own link for this registration
            sa.select(Invitation.id).where(
                Invitation.session_id == session.id,
                Invitation.registration_id == registration.id,
                Invitation.status != InvitationStatus.DECLINED,
            )
        )
        return (ScanResult.OK, True) if invited else (ScanResult.NOT_REGISTERED, False)
    if scan.type is not ScanType.ENTRY:
        return ScanResult.OK, False
    claimed = db.session.execute(
        sa.update(SessionBooking)
        .where(SessionBooking.id == booking.id, SessionBooking.attended_at.is_(None))
        .values(attended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return ScanResult.ALREADY_CHECKED_IN, False
    scan.effect = ScanEffect.ATTENDED
    return ScanResult.OK, False


# Built once: the check-in path runs it hundreds of times a second.
_BY_BADGE = sa.select(Registration).where(Registration.badge_code == sa.bindparam("code"))


def _existing(device: Device, nonce: str) -> Scan | None:
    return db.session.scalar(
        sa.select(Scan).where(Scan.device_id == device.id, Scan.nonce == nonce)
    )


def _first_time(scan: Scan) -> datetime | None:
    """For `already_checked_in`: when the person first came in (that day, or to that session)."""
    registration = scan.registration
    if registration is None or scan.result is not ScanResult.ALREADY_CHECKED_IN:
        return None
    if scan.session_id is not None:
        return db.session.scalar(
            sa.select(SessionBooking.attended_at).where(
                SessionBooking.session_id == scan.session_id,
                SessionBooking.registration_id == registration.id,
            )
        )
    if scan.checkpoint is not None:
        first = db.session.scalar(
            sa.select(Presence.first_entry_at).where(
                Presence.registration_id == registration.id,
                Presence.day == presence_day(scan.checkpoint, scan.scanned_at),
            )
        )
        if first is not None:
            return first
    return registration.checked_in_at


def _outcome(scan: Scan, *, replayed: bool, invited: bool = False) -> ScanOutcome:
    return ScanOutcome(
        scan=scan,
        registration=scan.registration,
        first_checked_in_at=_first_time(scan),
        replayed=replayed,
        invited=invited,
    )


def _judged_at(scanned_at: datetime | None, now: datetime) -> datetime:
    """The time a scan is judged at: its own, for a scan made offline (BadScanTime when it is in
    the future or older than OFFLINE_MAX_AGE), else now."""
    if scanned_at is None:
        return now
    if not now - OFFLINE_MAX_AGE <= scanned_at <= now + timedelta(minutes=5):
        raise BadScanTime()
    return scanned_at


def _badge_verdict(
    *, device: Device, code: str, session, at_room_door: bool
) -> tuple[Registration | None, ScanResult]:
    """Whose badge it is and the answer before the checkpoint's rules: a refusal, or `ok` for
    the rules to settle. Another exhibition's badge names nobody."""
    badge_code = normalize_badge_code(code)
    registration = None
    if badge_code is not None:
        registration = db.session.scalar(_BY_BADGE, {"code": badge_code})
    if registration is None:
        return None, ScanResult.INVALID
    if registration.event_id != device.event_id:
        return None, ScanResult.WRONG_EVENT
    if registration.status is RegistrationStatus.CANCELLED or registration.is_erased:
        return registration, ScanResult.CANCELLED  # an erased person's badge: as if cancelled
    if at_room_door and session is None:
        return registration, ScanResult.NO_SESSION
    return registration, ScanResult.OK


def _settle(scan: Scan, checkpoint, registration, session, when, *, not_today: bool) -> bool:
    """Settle a provisional `ok` by the door's rules: a seat or an invitation at a session's
    door, the person's day at an entrance. Whether the person came in as an invited delegate."""
    if session is not None:
        scan.result, invited = _session_result(session, registration, scan, when)
        return invited
    scan.result = entrance_result(checkpoint, registration, scan, when, not_today=not_today)
    return False


# What a scan's row holds until the judgement and the station's answer say otherwise.
_NOT_JUDGED_YET = {"station_result": None, "flagged": False, "effect": None, "undone_at": None}


def _stored_scan(values: dict) -> Scan | None:
    """The scan stored by one INSERT, as an ORM object not read back (what the judgement changes
    is flushed as one UPDATE); None when this device sent this nonce before (a retry, or a batch
    uploaded again). The insert comes first because a new nonce is the usual case."""
    scan_id = insert_unless_there(Scan, values, key=("device_id", "nonce"), returning="id")
    if scan_id is None:
        return None
    scan = Scan(id=scan_id, **values)
    make_transient_to_detached(scan)
    db.session.add(scan)
    return scan


def _replayed(device: Device, values: dict) -> ScanOutcome:
    """The stored answer to a nonce sent again; NonceReused when it was for another scan."""
    previous = _existing(device, values["nonce"])
    if previous.code != values["code"] or previous.type is not values["type"]:
        raise NonceReused()
    return _outcome(previous, replayed=True)


def record_scan(
    *,
    device: Device,
    code: str,
    nonce: str,
    scan_type: ScanType,
    now: datetime | None = None,
    session_id: int | None = None,
    scanned_at: datetime | None = None,
    station_result: ScanResult | None = None,
    admit: bool = False,
) -> ScanOutcome:
    """Judge a scanned badge at the device's checkpoint and store the scan; a repeated nonce
    returns the first answer.

    `scanned_at` (with `station_result`, what the station answered) is given for scans made
    offline and uploaded later: they are judged at their own time and always stored; when the
    server's answer differs from the station's (the badge was used meanwhile elsewhere), the scan
    is flagged for organisers. `admit` is the operator letting the person in although the
    exhibition is not on that day (the station's amber `not_today`).
    """
    # Long for a reason: the check-in hot path, one scan's steps in order over helpers already split out.
    now = now or utcnow()
    when = _judged_at(scanned_at, now)
    checkpoint = checkpoint_of(device=device)
    session, at_room_door = _session_for(
        checkpoint=checkpoint, device=device, session_id=session_id, now=when
    )
    registration, result = _badge_verdict(
        device=device, code=code, session=session, at_room_door=at_room_door
    )
    # An entry on a day the exhibition is not on is refused (amber) unless the operator admits.
    outside_dates = (
        result is ScanResult.OK
        and not at_room_door
        and scan_type is ScanType.ENTRY
        and not device.event.is_on(when)
    )
    values = {
        "event_id": device.event_id,
        "device_id": device.id,
        "checkpoint_id": checkpoint.id,
        "registration_id": registration.id if registration else None,
        "code": (code or "")[:64],
        "nonce": nonce,
        "type": scan_type,
        "result": result,
        "scanned_at": when,
        "received_at": now,
        "offline": scanned_at is not None,
        "session_id": session.id if session is not None else None,
        "admitted": outside_dates and admit,  # let in although the exhibition is not on
        **_NOT_JUDGED_YET,
    }
    scan = _stored_scan(values)
    if scan is None:
        return _replayed(device, values)
    invited = result is ScanResult.OK and _settle(
        scan, checkpoint, registration, session, when, not_today=outside_dates and not admit
    )
    if station_result is not None and station_result is not scan.result:
        scan.station_result, scan.flagged = station_result, True
    db.session.flush()
    return _outcome(scan, replayed=False, invited=invited)


def check_in_by_hand(*, registration: Registration, user, now: datetime | None = None):
    """A staff member lets a person in themselves (the "check in now" button of a registration's
    page, a walk-in registered at the desk): an entry scan of that staff member's own device at
    the main entrance, judged by the door's rules like any scan (one presence a day, a cancelled
    badge refused), and admitted on a day the exhibition is not on: the person is standing
    before them. Returns the scan's outcome."""
    device = staff_device(event=registration.event, user=user)
    return record_scan(
        device=device,
        code=registration.badge_code,
        nonce=f"by-hand-{secrets.token_hex(16)}",
        scan_type=ScanType.ENTRY,
        now=now,
        admit=True,
    )

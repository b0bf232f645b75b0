"""Judging a scanned badge at a checkpoint, by its rules, and storing the scan.

Entrances judge the person, not the door: a person has one presence a day (or one for the whole
event, at a checkpoint that is not daily), whichever entrances they use. The first entry is `ok`; a
second entry while inside is `already_checked_in` at every entrance; an exit at any entrance marks
the person outside; after an exit, coming in again is `ok` where the entrance scanning allows
re-entry. On a day the exhibition is not on, an entry is `not_today` (amber) unless the operator
lets the person in. A room's door records attendance at the session on in the room.
Every scan is stored, refused ones included; the same device nonce is stored once. An operator may
undo the last scan of their device within a few minutes.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import make_transient_to_detached

from ..badges.services import normalize_badge_code
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..visitors.models import Registration, RegistrationStatus
from .models import Checkpoint, Device, Presence, Scan, ScanResult, ScanType
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


class NothingToUndo(DomainError):
    code = "nothing_to_undo"
    status = 409
    message = _l("There is no scan of this device to undo any more.")


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
    from ..programme.models import ConferenceSession

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
    from ..programme.models import BookingStatus, Invitation, InvitationStatus, SessionBooking

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
    scan.effect = "attended"
    return ScanResult.OK, False


def presence_day(checkpoint: Checkpoint, when: datetime) -> date:
    """The day a presence counts for: the local day, or the event's first day if not daily."""
    event = checkpoint.event
    return when.astimezone(event.tz).date() if checkpoint.daily else event.first_day


# The statements of a scan, built once: the check-in path runs them hundreds of times a second, and
# building an ORM statement costs more than sending it (bench/checkin_load.py --profile).
_presences = Presence.__table__
_registrations = Registration.__table__
_LEAVE = (  # out through any entrance, whichever one the person came in by
    sa.update(_presences)
    .where(
        _presences.c.registration_id == sa.bindparam("who"),
        _presences.c.inside.is_(True),
        # the scan's local day (daily entrances) or the event's first (entrances counting once)
        _presences.c.day.in_([sa.bindparam("today"), sa.bindparam("first_day")]),
    )
    .values(inside=False, last_change_at=sa.bindparam("at"), exit_scan_id=sa.bindparam("scan"))
)
_REENTER = (  # back in, at any entrance, after going out that day; conditional: one winner
    # exit_scan_id stays: undoing that exit later must still find the row
    sa.update(_presences)
    .where(
        _presences.c.registration_id == sa.bindparam("who"),
        _presences.c.day == sa.bindparam("on"),
        _presences.c.inside.is_(False),
    )
    .values(inside=True, checkpoint_id=sa.bindparam("where"), last_change_at=sa.bindparam("at"))
)
_INSIDE = sa.select(_presences.c.inside).where(
    _presences.c.registration_id == sa.bindparam("who"), _presences.c.day == sa.bindparam("on")
)
_FIRST_CHECK_IN = (
    sa.update(_registrations)
    .where(_registrations.c.id == sa.bindparam("who"), _registrations.c.checked_in_at.is_(None))
    .values(checked_in_at=sa.bindparam("at"))
)
_INSERTS: dict = {}
_BY_BADGE = sa.select(Registration).where(Registration.badge_code == sa.bindparam("code"))


def _leave(checkpoint: Checkpoint, registration: Registration, scan: Scan, now) -> bool:
    """Mark the person outside: the gate they leave by need not be the one they entered at.
    Whether anything changed."""
    event = checkpoint.event
    params = {"who": registration.id, "scan": scan.id, "at": now}
    params["today"] = now.astimezone(event.tz).date()
    params["first_day"] = event.first_day
    return db.session.execute(_LEAVE, params).rowcount > 0


def _entrance_result(
    checkpoint: Checkpoint, registration: Registration, scan: Scan, now, *, not_today: bool
):
    """Entry and exit at an entrance, by the checkpoint's rules applied to the person's day;
    claims are conditional, so of many doors scanning one badge at once exactly one gets `ok`.
    `not_today`: the exhibition is not on; a person inside is still told apart."""
    day = presence_day(checkpoint, now)
    if scan.type is ScanType.EXIT:
        scan.effect = "left" if _leave(checkpoint, registration, scan, now) else None
        return ScanResult.OK
    if not_today:
        inside = db.session.scalar(_INSIDE, {"who": registration.id, "on": day})
        return ScanResult.ALREADY_CHECKED_IN if inside else ScanResult.NOT_TODAY
    opened = _insert_presence(
        event_id=registration.event_id,
        registration_id=registration.id,
        checkpoint_id=checkpoint.id,
        day=day,
        inside=True,
        first_entry_at=now,
        last_change_at=now,
        entry_scan_id=scan.id,
    )
    if opened:
        scan.effect = "entered"
        if registration.checked_in_at is None:  # else: came in before (another day or door)
            db.session.execute(_FIRST_CHECK_IN, {"who": registration.id, "at": now})
        return ScanResult.OK
    # Already came in that day, by this entrance or another: a re-entry or a second entry.
    back = {"who": registration.id, "where": checkpoint.id, "on": day, "at": now}
    if checkpoint.allow_reentry and db.session.execute(_REENTER, back).rowcount == 1:
        scan.effect = "reentered"
        return ScanResult.OK
    return ScanResult.ALREADY_CHECKED_IN


def _insert_presence(**values) -> bool:
    """Open a presence unless the person has one for that day: of many doors at once exactly
    one opens it."""
    opened = _insert_unless_there(Presence, values, key=("registration_id", "day"), returning="id")
    return opened is not None


def _insert_unless_there(model, values: dict, *, key: tuple[str, ...], returning: str):
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING: one statement, no savepoint; the
    returned column, or None when a row with that key was there already."""
    dialect = db.session.get_bind().dialect.name
    statement = _INSERTS.get((model, dialect))
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = model.__table__
        statement = _INSERTS[(model, dialect)] = (
            insert(table).on_conflict_do_nothing(index_elements=key).returning(table.c[returning])
        )
    return db.session.execute(statement, values).scalar()


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
        from ..programme.models import SessionBooking

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


def record_scan(
    *,
    device: Device,
    code: str,
    nonce: str,
    scan_type: ScanType,
    now: datetime | None = None,
    session_id: int | None = None,
    scanned_at: datetime | None = None,
    station_result: str | None = None,
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
    now = now or utcnow()
    when = scanned_at or now
    if scanned_at is not None and not (
        now - OFFLINE_MAX_AGE <= scanned_at <= now + timedelta(minutes=5)
    ):
        raise BadScanTime()
    checkpoint = checkpoint_of(device=device)
    session, at_room_door = _session_for(
        checkpoint=checkpoint, device=device, session_id=session_id, now=when
    )

    registration = None
    badge_code = normalize_badge_code(code)
    if badge_code is not None:
        registration = db.session.scalar(_BY_BADGE, {"code": badge_code})
    if registration is None:
        result = ScanResult.INVALID
    elif registration.event_id != device.event_id:
        result, registration = ScanResult.WRONG_EVENT, None
    elif registration.status is RegistrationStatus.CANCELLED or registration.is_erased:
        result = ScanResult.CANCELLED  # an erased person's badge answers like a cancelled one
    elif at_room_door and session is None:
        result = ScanResult.NO_SESSION
    else:
        result = ScanResult.OK  # provisional; settled by the checkpoint's rules below
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
        "station_result": None,
        "flagged": False,
        "effect": None,
        "admitted": outside_dates and admit,  # let in although the exhibition is not on
        "undone_at": None,
    }
    # The insert is tried first because a new nonce is the usual case; a conflict means this
    # device sent this nonce before (a retry, or a batch uploaded again): the stored scan is the
    # answer.
    scan_id = _insert_unless_there(Scan, values, key=("device_id", "nonce"), returning="id")
    if scan_id is None:
        previous = _existing(device, nonce)
        if previous.code != values["code"] or previous.type is not scan_type:
            raise NonceReused()
        return _outcome(previous, replayed=True)
    # The stored row as an ORM object without reading it back: what the judgement changes below
    # is flushed as one UPDATE.
    scan = Scan(id=scan_id, **values)
    make_transient_to_detached(scan)
    db.session.add(scan)

    invited = False
    if result is ScanResult.OK and session is not None:
        scan.result, invited = _session_result(session, registration, scan, when)
    elif result is ScanResult.OK:
        scan.result = _entrance_result(
            checkpoint, registration, scan, when, not_today=outside_dates and not admit
        )
    if station_result is not None and station_result != scan.result.value:
        scan.station_result, scan.flagged = station_result[:32], True
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


def undo_window() -> timedelta:
    return timedelta(seconds=current_app.config.get("CHECKIN_UNDO_SECONDS", 300))


def undo_last_scan(*, device: Device, now: datetime | None = None) -> Scan:
    """Take back the device's last scan (a mistaken scan) within the undo window.

    The scan stays stored, marked undone; what it changed is put back: the presence it opened is
    removed (or the person is outside again, or inside again after an undone exit), the first
    check-in time and the session attendance it set are cleared.
    """
    from ..programme.models import SessionBooking

    now = now or utcnow()
    scan = db.session.scalar(
        sa.select(Scan).where(Scan.device_id == device.id).order_by(Scan.id.desc()).limit(1)
    )
    if scan is None or scan.undone_at is not None or scan.received_at < now - undo_window():
        raise NothingToUndo()
    registration_id = scan.registration_id
    if scan.effect in ("entered", "reentered", "left"):
        day = presence_day(scan.checkpoint, scan.scanned_at)
        key = (Presence.registration_id == registration_id, Presence.day == day)
        if scan.effect == "entered":
            db.session.execute(sa.delete(Presence).where(*key, Presence.entry_scan_id == scan.id))
            first = db.session.scalar(
                sa.select(sa.func.min(Presence.first_entry_at)).where(
                    Presence.registration_id == registration_id
                )
            )
            db.session.execute(
                sa.update(Registration)
                .where(Registration.id == registration_id)
                .values(checked_in_at=first)
                .execution_options(synchronize_session=False)
            )
        elif scan.effect == "reentered":
            db.session.execute(
                sa.update(Presence)
                .where(*key)
                .values(inside=False, last_change_at=now)
                .execution_options(synchronize_session=False)
            )
        else:  # left: inside again wherever that exit marked them outside
            db.session.execute(
                sa.update(Presence)
                .where(Presence.exit_scan_id == scan.id)
                .values(inside=True, exit_scan_id=None, last_change_at=now)
                .execution_options(synchronize_session=False)
            )
    elif scan.effect == "attended":
        db.session.execute(
            sa.update(SessionBooking)
            .where(
                SessionBooking.session_id == scan.session_id,
                SessionBooking.registration_id == registration_id,
            )
            .values(attended_at=None)
            .execution_options(synchronize_session=False)
        )
    scan.undone_at = now
    db.session.flush()
    db.session.expire_all()
    return scan

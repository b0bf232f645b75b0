"""An operator's undo of a mistaken scan: the last scan of their device, within a few minutes.

The scan stays stored, marked undone; what it changed (its `effect`) is put back.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..programme.models import SessionBooking
from ..visitors.models import Registration
from .entrances import presence_day
from .models import Device, Presence, Scan, ScanEffect


class NothingToUndo(DomainError):
    code = "nothing_to_undo"
    status = 409
    message = _l("There is no scan of this device to undo any more.")


def undo_window() -> timedelta:
    return timedelta(seconds=current_app.config.get("CHECKIN_UNDO_SECONDS", 300))


def _undo_entry(scan: Scan, now: datetime) -> None:
    """The presence the scan opened goes, and the first check-in time is the earliest left."""
    day = presence_day(scan.checkpoint, scan.scanned_at)
    db.session.execute(
        sa.delete(Presence).where(
            Presence.registration_id == scan.registration_id,
            Presence.day == day,
            Presence.entry_scan_id == scan.id,
        )
    )
    first = db.session.scalar(
        sa.select(sa.func.min(Presence.first_entry_at)).where(
            Presence.registration_id == scan.registration_id
        )
    )
    _update(Registration, Registration.id == scan.registration_id, checked_in_at=first)


def _undo_reentry(scan: Scan, now: datetime) -> None:
    """The person is outside again, as before coming back in."""
    day = presence_day(scan.checkpoint, scan.scanned_at)
    where = (Presence.registration_id == scan.registration_id, Presence.day == day)
    _update(Presence, *where, inside=False, last_change_at=now)


def _undo_exit(scan: Scan, now: datetime) -> None:
    """Inside again wherever that exit marked the person outside."""
    back_in = {"inside": True, "exit_scan_id": None, "last_change_at": now}
    _update(Presence, Presence.exit_scan_id == scan.id, **back_in)


def _undo_attendance(scan: Scan, now: datetime) -> None:
    """The person's attendance of the session is not recorded any more."""
    booking = SessionBooking.registration_id == scan.registration_id
    _update(SessionBooking, SessionBooking.session_id == scan.session_id, booking, attended_at=None)


def _update(model, *where, **values) -> None:
    db.session.execute(
        sa.update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    )


_UNDO = {
    ScanEffect.ENTERED: _undo_entry,
    ScanEffect.REENTERED: _undo_reentry,
    ScanEffect.LEFT: _undo_exit,
    ScanEffect.ATTENDED: _undo_attendance,
}


def undo_last_scan(*, device: Device, now: datetime | None = None) -> Scan:
    """Take back the device's last scan (a mistaken scan) within the undo window.

    The scan stays stored, marked undone; what it changed is put back: the presence it opened is
    removed (or the person is outside again, or inside again after an undone exit), the first
    check-in time and the session attendance it set are cleared.
    """
    now = now or utcnow()
    scan = db.session.scalar(
        sa.select(Scan).where(Scan.device_id == device.id).order_by(Scan.id.desc()).limit(1)
    )
    if scan is None or scan.undone_at is not None or scan.received_at < now - undo_window():
        raise NothingToUndo()
    if scan.effect is not None:
        _UNDO[scan.effect](scan, now)
    scan.undone_at = now
    db.session.flush()
    db.session.expire_all()
    return scan

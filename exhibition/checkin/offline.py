"""What a station keeps to answer scans with no network.

Only what the screen shows, and no badge code: each badge is known by a SHA-256 hash of its code
(upper case, as scanned), so a lost phone does not hold the event's badges. The station hashes
what it scans and looks it up.
"""

import hashlib

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..extensions import db
from ..visitors.models import Registration, RegistrationStatus, VisitorCategory
from .models import Device, Presence
from .scanning import presence_day
from .services import checkpoint_of


def badge_hash(code: str) -> str:
    """The hash a station looks a scanned badge code up by."""
    return hashlib.sha256(code.strip().upper().encode("ascii", "replace")).hexdigest()


def offline_list(*, device: Device) -> dict:
    """Every valid badge of the device's event as the station needs it."""
    from ..exhibitors.models import Exhibitor
    from ..programme.models import (
        BookingStatus,
        ConferenceSession,
        Invitation,
        InvitationStatus,
        SessionBooking,
    )

    checkpoint = checkpoint_of(device=device)
    now = utcnow()
    event_id = device.event_id
    rows = db.session.execute(
        sa.select(
            Registration.id,
            Registration.badge_code,
            Registration.full_name,
            Registration.organisation,
            Registration.exhibitor_id,
            VisitorCategory.name_vi,
            VisitorCategory.name_en,
            VisitorCategory.color,
        )
        .join(VisitorCategory, VisitorCategory.id == Registration.category_id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.erased_at.is_(None),
        )
        .order_by(Registration.id)
    ).all()
    # Who came in today by any entrance, and whether they went out since: the rules judge the
    # person's day, not this door's.
    entered = {
        row.registration_id: row
        for row in db.session.execute(
            sa.select(Presence.registration_id, Presence.first_entry_at, Presence.inside).where(
                Presence.event_id == event_id, Presence.day == presence_day(checkpoint, now)
            )
        )
    }
    booths: dict[int, str] = {}
    if any(r.exhibitor_id for r in rows):
        for exhibitor in db.session.scalars(
            sa.select(Exhibitor).where(Exhibitor.event_id == event_id)
        ):
            booths[exhibitor.id] = ", ".join(b.code for b in exhibitor.booths)
    allowed: dict[int, list[int]] = {}
    if checkpoint.room_id is not None:
        room_sessions = sa.select(ConferenceSession.id).where(
            ConferenceSession.room_id == checkpoint.room_id
        )
        for registration_id, session_id in db.session.execute(
            sa.select(SessionBooking.registration_id, SessionBooking.session_id).where(
                SessionBooking.session_id.in_(room_sessions),
                SessionBooking.status == BookingStatus.SEATED,
            )
        ):
            allowed.setdefault(registration_id, []).append(session_id)
        for registration_id, session_id in db.session.execute(
            sa.select(Invitation.registration_id, Invitation.session_id).where(
                Invitation.session_id.in_(room_sessions),
                Invitation.registration_id.is_not(None),
                Invitation.status != InvitationStatus.DECLINED,
            )
        ):
            allowed.setdefault(registration_id, []).append(session_id)
    badges = []
    for row in rows:
        badge = {
            "h": badge_hash(row.badge_code),
            "n": row.full_name,
            "o": row.organisation,
            "c": [row.name_vi, row.name_en or row.name_vi],
            "k": row.color,
        }
        if row.exhibitor_id in booths:
            badge["b"] = booths[row.exhibitor_id]
        if row.id in entered:
            badge["in"] = entered[row.id].first_entry_at.isoformat().replace("+00:00", "Z")
            if not entered[row.id].inside:
                badge["out"] = True
        if row.id in allowed:
            badge["s"] = sorted(set(allowed[row.id]))
        badges.append(badge)
    return {
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "checkpoint": {
            "id": checkpoint.id,
            "room_id": checkpoint.room_id,
            "allow_reentry": checkpoint.allow_reentry,
            "daily": checkpoint.daily,
        },
        "event_id": event_id,
        "badges": badges,
    }


def search_people(*, device: Device, query: str, limit: int = 10) -> list[Registration]:
    """Confirmed registrations of the device's event matching every word of `query` (name,
    e-mail, organisation, phone; diacritics ignored)."""
    from ..text import matches_all_words

    digits = "".join(ch for ch in query if ch.isdigit())
    condition = matches_all_words(Registration.search_text, query)
    if len(digits) >= 6:  # a phone number as typed: 0912 345 678 matches +84912345678
        condition = sa.or_(condition, Registration.phone.like(f"%{digits[-9:]}"))
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == device.event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.erased_at.is_(None),
                condition,
            )
            .order_by(Registration.full_name)
            .limit(limit)
        )
    )

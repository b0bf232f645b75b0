"""What a station keeps to answer scans with no network, and its search for a lost badge.

Only what the screen shows, and no badge code: each badge is known by a SHA-256 hash of its code
(upper case, as scanned), so a lost phone does not hold the event's badges. The station hashes
what it scans and looks it up. A search answers a handle for each person instead of the badge
code: signed for that device and short-lived, it checks the person in there and nowhere else.
"""

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ..dbtypes import utcnow
from ..errors import DomainError
from ..exhibitors.models import Exhibitor
from ..extensions import db
from ..programme.models import (
    BookingStatus,
    ConferenceSession,
    Invitation,
    InvitationStatus,
    SessionBooking,
)
from ..text import matches_all_words
from ..visitors.models import Registration, VisitorCategory
from .entrances import presence_day
from .models import Device, Presence, Scan
from .services import checkpoint_of

# A handle checks in a person found by a search within this time of the search (the scan's own
# time, for a scan made offline and uploaded later).
HANDLE_MAX_AGE = timedelta(minutes=10)
HANDLE_MAX_LENGTH = 200


class InvalidHandle(DomainError):
    code = "invalid_handle"
    status = 422
    message = _l("This search result is no longer valid here. Search for the person again.")


class _SignedAt(TimestampSigner):
    """Signs with the time a service was given (`now`), not the clock's."""

    def __init__(self, *args, at: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return self.at if self.at is not None else super().get_timestamp()


def _handles(at: datetime | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt="checkin-search-handle",
        signer=_SignedAt,
        signer_kwargs={"at": int(at.timestamp()) if at is not None else None},
    )


def badge_hash(code: str) -> str:
    """The hash a station looks a scanned badge code up by."""
    return hashlib.sha256(code.strip().upper().encode("ascii", "replace")).hexdigest()


def _entered_today(checkpoint, event_id: int, now: datetime) -> dict:
    """Who came in today by any entrance, and whether they went out since, by registration: the
    rules judge the person's day, not this door's."""
    rows = db.session.execute(
        sa.select(Presence.registration_id, Presence.first_entry_at, Presence.inside).where(
            Presence.event_id == event_id, Presence.day == presence_day(checkpoint, now)
        )
    )
    return {row.registration_id: row for row in rows}


def _booths(event_id: int) -> dict[int, str]:
    """The booths of each exhibitor of the event, by exhibitor id."""
    exhibitors = db.session.scalars(sa.select(Exhibitor).where(Exhibitor.event_id == event_id))
    return {exhibitor.id: ", ".join(b.code for b in exhibitor.booths) for exhibitor in exhibitors}


def _allowed_sessions(checkpoint) -> dict[int, list[int]]:
    """At a room's door: the sessions there each person holds a seat or an invitation for."""

    allowed: dict[int, list[int]] = {}
    if checkpoint.room_id is None:
        return allowed
    here = sa.select(ConferenceSession.id).where(ConferenceSession.room_id == checkpoint.room_id)
    seated = sa.select(SessionBooking.registration_id, SessionBooking.session_id).where(
        SessionBooking.session_id.in_(here), SessionBooking.status == BookingStatus.SEATED
    )
    invited = sa.select(Invitation.registration_id, Invitation.session_id).where(
        Invitation.session_id.in_(here),
        Invitation.registration_id.is_not(None),
        Invitation.status != InvitationStatus.DECLINED,
    )
    for statement in (seated, invited):
        for registration_id, session_id in db.session.execute(statement):
            allowed.setdefault(registration_id, []).append(session_id)
    return allowed


def _badge(row, *, booths: dict, entered: dict, allowed: dict) -> dict:
    """One badge as the station keeps it (the keys are short: the list holds thousands)."""
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
        badge["in"] = entered[row.id].first_entry_at
        if not entered[row.id].inside:
            badge["out"] = True
    if row.id in allowed:
        badge["s"] = sorted(set(allowed[row.id]))
    return badge


def offline_list(*, device: Device) -> dict:
    """Every valid badge of the device's event as the station needs it (see OfflineList in
    api/schemas.py)."""
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
            Registration.badge_works(),
        )
        .order_by(Registration.id)
    ).all()
    booths = _booths(event_id) if any(r.exhibitor_id for r in rows) else {}
    entered = _entered_today(checkpoint, event_id, now)
    allowed = _allowed_sessions(checkpoint)
    return {
        "generated_at": now,
        "checkpoint": {
            "id": checkpoint.id,
            "room_id": checkpoint.room_id,
            "allow_reentry": checkpoint.allow_reentry,
            "daily": checkpoint.daily,
        },
        "event_id": event_id,
        "badges": [_badge(row, booths=booths, entered=entered, allowed=allowed) for row in rows],
    }


def search_people(*, device: Device, query: str, limit: int = 10) -> list[Registration]:
    """Confirmed registrations of the device's event matching every word of `query` (name,
    e-mail, organisation, phone; diacritics ignored)."""
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = matches_all_words(Registration.search_text, query)
    if len(digits) >= 6:  # a phone number as typed: 0912 345 678 matches +84912345678
        condition = sa.or_(condition, Registration.phone.like(f"%{digits[-9:]}"))
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == device.event_id,
                Registration.badge_works(),
                condition,
            )
            .order_by(Registration.full_name)
            .limit(limit)
        )
    )


def search_handle(
    *, device: Device, registration: Registration, now: datetime | None = None
) -> str:
    """What a search answers for a person instead of the badge code: it names this device and
    the registration, signed with the app's secret and the time of the search."""
    return _handles(now or utcnow()).dumps([device.id, registration.id])


def badge_code_for(
    *,
    device: Device,
    handle: str,
    nonce: str,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> str:
    """The badge code behind a search's handle, for a scan by `device`; InvalidHandle when the
    handle was changed, is another device's, or was not used within HANDLE_MAX_AGE of the search.

    The time that counts is the scan's: its own time (`scanned_at`, made offline), else the time
    this nonce was first stored (a retry gets the stored answer), else now.
    """
    if len(handle) > HANDLE_MAX_LENGTH:
        raise InvalidHandle()
    try:
        signed, signed_at = _handles().loads(handle, max_age=None, return_timestamp=True)
    except BadSignature as error:
        raise InvalidHandle() from error
    if not (
        isinstance(signed, list)
        and len(signed) == 2
        and all(type(value) is int for value in signed)
        and signed[0] == device.id
    ):
        raise InvalidHandle()
    at = scanned_at or db.session.scalar(
        sa.select(Scan.scanned_at).where(Scan.device_id == device.id, Scan.nonce == nonce)
    )
    if abs((at or now or utcnow()) - signed_at) > HANDLE_MAX_AGE:
        raise InvalidHandle()
    code = db.session.scalar(
        sa.select(Registration.badge_code).where(
            Registration.id == signed[1], Registration.event_id == device.event_id
        )
    )
    if code is None:  # erased meanwhile
        raise InvalidHandle()
    return code

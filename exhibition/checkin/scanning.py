"""Judging a scanned badge at a checkpoint, by its rules, and storing the scan.

Entrances judge the person's day (checkin/entrances.py). A room's door records attendance at the
session on in the room. Every scan is stored, refused ones included; the same device nonce is
stored once.

A scan takes two statements on PostgreSQL, on a connection of its own in autocommit mode:

1. **read** (`_FACTS`): the device (by its token's hash, or its id), its event and checkpoint,
   the badge's registration with its category, the person's presences of every day at every
   entrance, the session on at a room's door with the person's seat and invitation, and whether
   this nonce was stored before: everything the judgement needs, in one row per presence;
2. **judge** in Python (`judge`, pure: the same code for a station online, an offline batch, a
   session's door and a hand check-in, on either database);
3. **write** (`entrances.write_scan`): the scan and the presence change in one statement, a
   CTE whose change is conditional (`INSERT … ON CONFLICT DO NOTHING`, `UPDATE … WHERE inside`),
   the scan's result settled in SQL by whether the change happened, so that of many doors
   scanning one badge at once exactly one gets `ok`. One statement is atomic by itself: nothing
   to commit. On SQLite the same statements run one after the other in one transaction
   (BEGIN IMMEDIATE: writers take turns, so the judgement read holds).

Nothing of this builds an ORM object: the rows are read and written by Core statements built
once. A nonce sent again takes the slow path (`_replayed`), which reads the stored scan.
"""

import functools
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..badges.services import normalize_badge_code
from ..booths.models import Booth, BoothAssignment
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..i18n import Localized
from ..programme.models import (
    BookingStatus,
    ConferenceSession,
    Invitation,
    InvitationStatus,
    Room,
    SessionBooking,
)
from ..visitors.models import Registration, RegistrationStatus, VisitorCategory
from . import entrances
from .entrances import Change
from .models import Checkpoint, Device, Presence, Scan, ScanEffect, ScanResult, ScanType
from .services import DeviceRevoked, InvalidToken, hash_token, staff_device

# A room's door counts scans for the session starting within this time, or under way.
DOORS_OPEN_BEFORE = timedelta(minutes=30)
# An offline scan may be uploaded this long after it was made (a station offline for a day).
OFFLINE_MAX_AGE = timedelta(days=7)
# A device's last-seen time is written at most this often (a busy door does not write it per scan).
LAST_SEEN_EVERY = timedelta(minutes=1)


class NonceReused(DomainError):
    code = "nonce_reused"
    status = 409
    message = _l("This nonce was already used for another scan. Send a new nonce for every scan.")


class UnknownCheckpoint(DomainError):
    code = "unknown_session"
    status = 422
    message = _l("This session is not part of this exhibition's programme.")


class ScanClashed(DomainError):
    code = "scan_clashed"
    status = 409
    message = _l("Something changed while this badge was being checked. Scan it again.")


class BadScanTime(DomainError):
    code = "bad_scan_time"
    status = 422
    message = _l("The scan's time is in the future or too old to be taken.")


# ---------------------------------------------------------------- what the judgement reads


@dataclass
class Category(Localized):
    name_vi: str
    name_en: str
    code: str
    color: str


@dataclass(slots=True)
class Person:
    id: int
    event_id: int
    status: RegistrationStatus
    erased: bool
    checked_in_at: datetime | None
    name: str
    organisation: str
    exhibitor_id: int | None
    category: Category


@dataclass
class SessionFacts(Localized):
    id: int
    event_id: int
    title_vi: str
    title_en: str
    room_vi: str | None
    room_en: str | None
    booking_id: int | None  # the person's seat (booked, seated)
    attended_at: datetime | None
    invited: bool  # an invitation of the person's, not declined


@dataclass(slots=True)
class Facts:
    """What one read gives: the device, its event and checkpoint, and the badge's person."""

    device_id: int
    event_id: int
    revoked: bool
    tz: ZoneInfo
    first_day: date
    last_day: date
    checkpoint_id: int | None
    room_id: int | None
    allow_reentry: bool
    daily: bool
    person: Person | None
    presences: dict[date, tuple[bool, datetime]] = field(default_factory=dict)
    session: SessionFacts | None = None
    stored_scan_id: int | None = None  # this nonce was stored before

    def local_day(self, when: datetime) -> date:
        return when.astimezone(self.tz).date()

    def is_on(self, when: datetime) -> bool:
        return self.first_day <= self.local_day(when) <= self.last_day

    def presence_day(self, when: datetime) -> date:
        return entrances.day_of_presence(
            when, tz=self.tz, daily=self.daily, first_day=self.first_day
        )


_d = Device.__table__
_e = Event.__table__
_c = Checkpoint.__table__
_r = Registration.__table__
_cat = VisitorCategory.__table__
_p = Presence.__table__
_s = ConferenceSession.__table__
_rm = Room.__table__
_sb = SessionBooking.__table__
_inv = Invitation.__table__
_x = Scan.__table__


@functools.cache
def _facts(by: str) -> sa.Select:
    """The read of a scan, by the device's token hash (`by="token"`) or id: built once."""
    entrance = _c.alias("entrance")
    checkpoint_id = sa.func.coalesce(
        _d.c.checkpoint_id,
        sa.select(entrance.c.id)
        .where(entrance.c.event_id == _d.c.event_id, entrance.c.room_id.is_(None))
        .order_by(entrance.c.position, entrance.c.id)
        .limit(1)
        .scalar_subquery(),
    )
    on_now = _s.alias("on_now")
    session_on = (
        sa.select(on_now.c.id)
        .where(
            on_now.c.room_id == _c.c.room_id,
            on_now.c.starts_at <= sa.bindparam("soon", type_=_s.c.starts_at.type),
            on_now.c.ends_at > sa.bindparam("when", type_=_s.c.ends_at.type),
        )
        .order_by(on_now.c.starts_at)
        .limit(1)
        .scalar_subquery()
    )
    session_id = sa.func.coalesce(sa.bindparam("session_id", type_=sa.Integer), session_on)
    invited = (
        sa.select(_inv.c.id)
        .where(
            _inv.c.session_id == _s.c.id,
            _inv.c.registration_id == _r.c.id,
            _inv.c.status != InvitationStatus.DECLINED.value,
        )
        .exists()
    )
    joined = (
        _d.join(_e, _e.c.id == _d.c.event_id)
        .outerjoin(_c, _c.c.id == checkpoint_id)
        .outerjoin(_r, _r.c.badge_code == sa.bindparam("code", type_=_r.c.badge_code.type))
        .outerjoin(_cat, _cat.c.id == _r.c.category_id)
        .outerjoin(_p, _p.c.registration_id == _r.c.id)
        .outerjoin(_s, _s.c.id == session_id)
        .outerjoin(_rm, _rm.c.id == _s.c.room_id)
        .outerjoin(
            _sb,
            sa.and_(
                _sb.c.session_id == _s.c.id,
                _sb.c.registration_id == _r.c.id,
                _sb.c.status == BookingStatus.SEATED.value,
            ),
        )
        .outerjoin(
            _x,
            sa.and_(
                _x.c.device_id == _d.c.id, _x.c.nonce == sa.bindparam("nonce", type_=sa.String)
            ),
        )
    )
    where = (
        _d.c.token_hash == sa.bindparam("token_hash", type_=sa.String)
        if by == "token"
        else _d.c.id == sa.bindparam("device_id", type_=sa.Integer)
    )
    columns = [
        _d.c.id, _d.c.event_id, _d.c.revoked_at,
        _e.c.timezone, _e.c.starts_at, _e.c.ends_at,
        _c.c.id, _c.c.room_id, _c.c.allow_reentry, _c.c.daily,
        _r.c.id, _r.c.event_id, _r.c.status, _r.c.erased_at, _r.c.checked_in_at,
        _r.c.full_name, _r.c.organisation, _r.c.exhibitor_id,
        _cat.c.name_vi, _cat.c.name_en, _cat.c.code, _cat.c.color,
        _p.c.day, _p.c.inside, _p.c.first_entry_at,
        _s.c.id, _s.c.event_id, _s.c.title_vi, _s.c.title_en, _rm.c.name_vi, _rm.c.name_en,
        _sb.c.id, _sb.c.attended_at, invited,
        _x.c.id,
    ]  # fmt: skip
    return sa.select(*columns).select_from(joined).where(where)


def _facts_of(rows) -> Facts | None:
    """The Facts of the read's rows (one per presence of the person), None without a device."""
    if not rows:
        return None
    (device_id, event_id, revoked_at, timezone, starts_at, ends_at,
     checkpoint_id, room_id, allow_reentry, daily,
     person_id, person_event, status, erased_at, checked_in_at, name, organisation, exhibitor_id,
     cat_vi, cat_en, cat_code, cat_color,
     _day, _inside, _first,
     session_id, session_event, title_vi, title_en, room_vi, room_en,
     booking_id, attended_at, invited, stored_scan_id) = rows[0]  # fmt: skip
    tz = ZoneInfo(timezone)
    facts = Facts(
        device_id=device_id,
        event_id=event_id,
        revoked=revoked_at is not None,
        tz=tz,
        first_day=starts_at.astimezone(tz).date(),
        last_day=ends_at.astimezone(tz).date(),
        checkpoint_id=checkpoint_id,
        room_id=room_id,
        allow_reentry=bool(allow_reentry),
        daily=bool(daily),
        person=None,
        stored_scan_id=stored_scan_id,
    )
    if person_id is not None:
        facts.person = Person(
            id=person_id,
            event_id=person_event,
            status=status,
            erased=erased_at is not None,
            checked_in_at=checked_in_at,
            name=name,
            organisation=organisation,
            exhibitor_id=exhibitor_id,
            category=Category(cat_vi, cat_en, cat_code, cat_color),
        )
        facts.presences = {row[22]: (bool(row[23]), row[24]) for row in rows if row[22] is not None}
    if session_id is not None:
        facts.session = SessionFacts(
            id=session_id,
            event_id=session_event,
            title_vi=title_vi,
            title_en=title_en,
            room_vi=room_vi,
            room_en=room_en,
            booking_id=booking_id,
            attended_at=attended_at,
            invited=bool(invited),
        )
    return facts


# ---------------------------------------------------------------- the judgement (pure)


@dataclass(slots=True)
class Verdict:
    """The judgement of a scan: its result, or the change that settles it (see entrances.Change)."""

    result: ScanResult
    registration_id: int | None = None
    session_id: int | None = None
    change: str | None = None  # an entrances.Change
    day: date | None = None  # the presence's day (entrances)
    today: date | None = None  # the scan's local day (an exit leaves today's or the event's)
    first_day: date | None = None  # the event's first day (a presence counting once is on it)
    booking_id: int | None = None  # the seat whose attendance a session's door records
    not_today: bool = False  # an entry on a day the exhibition is not on, not admitted
    admitted: bool = False
    invited: bool = False
    first_time: datetime | None = None  # for already_checked_in: when the person first came


def _judged_at(scanned_at: datetime | None, now: datetime) -> datetime:
    """The time a scan is judged at: its own, for a scan made offline (BadScanTime when it is in
    the future or older than OFFLINE_MAX_AGE), else now."""
    if scanned_at is None:
        return now
    if not now - OFFLINE_MAX_AGE <= scanned_at <= now + timedelta(minutes=5):
        raise BadScanTime()
    return scanned_at


def judge(
    facts: Facts, *, scan_type: ScanType, when: datetime, session_asked: bool, admit: bool
) -> Verdict:
    """The answer to a scan by the door's rules, from what was read; where the answer depends on
    a change (the first entry of the day, a re-entry, an exit, a session's attendance) the
    change to make, which the write makes only if it still can (entrances.Change)."""
    session, person = facts.session, facts.person
    if session_asked and (session is None or session.event_id != facts.event_id):
        raise UnknownCheckpoint()
    at_room_door = session_asked or facts.room_id is not None
    session_id = session.id if session is not None else None
    if person is None:
        return Verdict(ScanResult.INVALID, session_id=session_id)
    if person.event_id != facts.event_id:  # another exhibition's badge names nobody
        return Verdict(ScanResult.WRONG_EVENT, session_id=session_id)
    verdict = Verdict(ScanResult.OK, registration_id=person.id, session_id=session_id)
    if person.status is RegistrationStatus.CANCELLED or person.erased:
        verdict.result = ScanResult.CANCELLED  # an erased person's badge: as if cancelled
    elif at_room_door and session is None:
        verdict.result = ScanResult.NO_SESSION
    elif session is not None:
        _at_session_door(verdict, session, scan_type)
    else:
        outside_dates = scan_type is ScanType.ENTRY and not facts.is_on(when)
        verdict.admitted = outside_dates and admit
        _at_entrance(verdict, facts, scan_type, when, not_today=outside_dates and not admit)
    return verdict


def _at_session_door(verdict: Verdict, session: SessionFacts, scan_type: ScanType) -> None:
    """A seat or an invitation lets the person in (organisers may let others in)."""
    verdict.booking_id = session.booking_id
    if session.booking_id is None:
        verdict.invited = session.invited
        verdict.result = ScanResult.OK if session.invited else ScanResult.NOT_REGISTERED
    elif scan_type is ScanType.ENTRY:
        if session.attended_at is None:
            verdict.change = Change.ATTEND
        else:
            verdict.result, verdict.first_time = ScanResult.ALREADY_CHECKED_IN, session.attended_at


def _at_entrance(
    verdict: Verdict, facts: Facts, scan_type: ScanType, when: datetime, *, not_today: bool
) -> None:
    """Entry and exit by the person's day, whichever entrance they use (checkin/entrances.py)."""
    verdict.day, verdict.today = facts.presence_day(when), facts.local_day(when)
    verdict.first_day = facts.first_day
    presence = facts.presences.get(verdict.day)
    inside = presence is not None and presence[0]
    if presence is not None:
        verdict.first_time = presence[1]
    elif facts.person.checked_in_at is not None:
        verdict.first_time = facts.person.checked_in_at
    if scan_type is ScanType.EXIT:
        days = {verdict.today, facts.first_day}
        if any(facts.presences.get(day, (False,))[0] for day in days):
            verdict.change = Change.LEAVE
        return
    if not_today:
        verdict.not_today = True
        verdict.result = ScanResult.ALREADY_CHECKED_IN if inside else ScanResult.NOT_TODAY
    elif presence is None:
        verdict.change = Change.OPEN_OR_REENTER if facts.allow_reentry else Change.OPEN
    elif not inside and facts.allow_reentry:
        verdict.change = Change.REENTER
    else:
        verdict.result = ScanResult.ALREADY_CHECKED_IN


# ---------------------------------------------------------------- one scan


@dataclass
class ScanOutcome:
    """A stored scan and what the station is answered."""

    scan_id: int
    result: ScanResult
    nonce: str
    type: ScanType
    scanned_at: datetime
    offline: bool
    flagged: bool
    admitted: bool
    replayed: bool  # the same nonce was sent before; this is the stored answer
    person: Person | None = None
    session: SessionFacts | None = None
    first_checked_in_at: datetime | None = None
    invited: bool = False  # at a session's door: let in as an invited delegate
    effect: ScanEffect | None = None

    def booths(self, connection) -> str | None:
        """The booths of the exhibitor whose staff the person is (for the door), else None."""
        if self.person is None or self.person.exhibitor_id is None:
            return None
        codes = connection.execute(_BOOTHS, {"exhibitor": self.person.exhibitor_id}).scalars()
        return ", ".join(codes)


_BOOTHS = (
    sa.select(Booth.__table__.c.code)
    .join(BoothAssignment.__table__, BoothAssignment.__table__.c.booth_id == Booth.__table__.c.id)
    .where(BoothAssignment.__table__.c.exhibitor_id == sa.bindparam("exhibitor"))
    .order_by(Booth.__table__.c.code)
)


@contextmanager
def scan_connection() -> Iterator[sa.Connection]:
    """The connection a scan runs on: the session's, inside its transaction, when the request
    has one going (a walk-in registered at the desk and checked in, a batch that read a search
    handle), so that it sees what the request wrote; else one of its own, in autocommit mode on
    PostgreSQL (each scan's write is one atomic statement) or one transaction on SQLite."""
    if db.session().in_transaction():
        db.session.flush()
        yield db.session.connection()
        return
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
        return
    with db.engine.begin() as connection:
        yield connection


def read_facts(connection, *, code, nonce, when, session_id, token=None, device_id=None) -> Facts:
    """The read of a scan; InvalidToken or DeviceRevoked for a device that cannot scan."""
    params = {
        "code": normalize_badge_code(code),
        "nonce": nonce,
        "when": when,
        "soon": when + DOORS_OPEN_BEFORE,
        "session_id": session_id,
    }
    if token is not None:
        if not token or len(token) > 200:
            raise InvalidToken()
        params["token_hash"] = hash_token(token)
        statement = _facts("token")
    else:
        params["device_id"] = device_id
        statement = _facts("id")
    facts = _facts_of(connection.execute(statement, params).all())
    if facts is None:
        raise InvalidToken()
    if facts.revoked:
        raise DeviceRevoked()
    if facts.checkpoint_id is None:  # the event's first scan: its main entrance is made now
        entrances.make_main_entrance(connection, event_id=facts.event_id)
        facts = _facts_of(connection.execute(statement, params).all())
    return facts


def scan(
    connection,
    *,
    code: str,
    nonce: str,
    scan_type: ScanType,
    token: str | None = None,
    device_id: int | None = None,
    now: datetime | None = None,
    session_id: int | None = None,
    scanned_at: datetime | None = None,
    station_result: ScanResult | None = None,
    admit: bool = False,
) -> ScanOutcome:
    """Judge a scanned badge at the device's checkpoint and store the scan; a repeated nonce
    returns the first answer. The device is the one holding `token`, or `device_id`.

    `scanned_at` (with `station_result`, what the station answered) is given for scans made
    offline and uploaded later: they are judged at their own time and always stored; when the
    server's answer differs from the station's (the badge was used meanwhile elsewhere), the scan
    is flagged for organisers. `admit` is the operator letting the person in although the
    exhibition is not on that day (the station's amber `not_today`).
    """
    now = now or utcnow()
    when = _judged_at(scanned_at, now)
    facts = read_facts(
        connection,
        code=code,
        nonce=nonce,
        when=when,
        session_id=session_id,
        token=token,
        device_id=device_id,
    )
    if facts.stored_scan_id is not None:
        return _replayed(connection, facts, code=code, nonce=nonce, scan_type=scan_type)
    verdict = judge(
        facts, scan_type=scan_type, when=when, session_asked=session_id is not None, admit=admit
    )
    values = {
        "event_id": facts.event_id,
        "device_id": facts.device_id,
        "checkpoint_id": facts.checkpoint_id,
        "registration_id": verdict.registration_id,
        "code": (code or "")[:64],
        "nonce": nonce,
        "type": scan_type,
        "scanned_at": when,
        "received_at": now,
        "offline": scanned_at is not None,
        "session_id": verdict.session_id,
        "admitted": verdict.admitted,
    }
    written = _write(connection, values, verdict, station_result=station_result, now=now)
    if written is None:
        return _replayed(connection, facts, code=code, nonce=nonce, scan_type=scan_type)
    scan_id, result, effect, flagged = written
    first = verdict.first_time if result is ScanResult.ALREADY_CHECKED_IN else None
    if verdict.change is not None and result is ScanResult.ALREADY_CHECKED_IN:
        first = _first_of_winner(connection, verdict) or first  # another door came first
    return ScanOutcome(
        scan_id=scan_id,
        result=result,
        nonce=nonce,
        type=scan_type,
        scanned_at=when,
        offline=scanned_at is not None,
        flagged=flagged,
        admitted=verdict.admitted,
        replayed=False,
        person=facts.person if verdict.registration_id is not None else None,
        session=facts.session,
        first_checked_in_at=first,
        invited=verdict.invited and result is ScanResult.OK,
        effect=effect,
    )


_FIRST_ENTRY = sa.select(_p.c.first_entry_at).where(
    _p.c.registration_id == sa.bindparam("who"), _p.c.day == sa.bindparam("day")
)


def _first_of_winner(connection, verdict: Verdict) -> datetime | None:
    """When the person came in, read after the write found another door had just let them in
    (a rare race: the judgement's read saw no entry yet)."""
    if verdict.change == Change.ATTEND:
        params = {"session": verdict.session_id, "who": verdict.registration_id}
        return connection.execute(_ATTENDED, params).scalar()
    params = {"who": verdict.registration_id, "day": verdict.day}
    return connection.execute(_FIRST_ENTRY, params).scalar()


# The one constraint whose violation means "this device sent this nonce before".
_NONCE_KEY = next(
    c.name
    for c in _x.constraints
    if isinstance(c, sa.UniqueConstraint)
    and {col.name for col in c.columns} == {"device_id", "nonce"}
)


def _write(connection, values: dict, verdict: Verdict, **more):
    """entrances.write_scan; None when the same nonce was stored at the same moment by another
    request (on PostgreSQL the statement fails whole: nothing of it stays). Inside the session's
    transaction the write has a savepoint, so that such a failure leaves the rest."""
    shared = db.session().in_transaction() and connection is db.session.connection()
    try:
        if shared and connection.dialect.name == "postgresql":
            with db.session.begin_nested():
                return entrances.write_scan(connection, values, verdict, **more)
        return entrances.write_scan(connection, values, verdict, **more)
    except IntegrityError as error:
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if constraint == _NONCE_KEY:
            return None
        # Another key failed: a session, checkpoint or person deleted since the read.
        raise ScanClashed() from error


# ---------------------------------------------------------------- a nonce sent again

_STORED = sa.select(_x).where(
    _x.c.device_id == sa.bindparam("device"), _x.c.nonce == sa.bindparam("nonce")
)


_SESSION = (
    sa.select(
        _s.c.id, _s.c.event_id, _s.c.title_vi, _s.c.title_en, _rm.c.name_vi, _rm.c.name_en,
        sa.select(_inv.c.id)
        .where(
            _inv.c.session_id == _s.c.id,
            _inv.c.registration_id == sa.bindparam("who"),
            _inv.c.status != InvitationStatus.DECLINED.value,
        )
        .exists(),
    )
    .select_from(_s.outerjoin(_rm, _rm.c.id == _s.c.room_id))
    .where(_s.c.id == sa.bindparam("session"))
)  # fmt: skip
_ATTENDED = sa.select(_sb.c.attended_at).where(
    _sb.c.session_id == sa.bindparam("session"), _sb.c.registration_id == sa.bindparam("who")
)
_DAILY = sa.select(_c.c.daily).where(_c.c.id == sa.bindparam("checkpoint"))


def _replayed(
    connection, facts: Facts, *, code: str, nonce: str, scan_type: ScanType
) -> ScanOutcome:
    """The stored answer to a nonce sent again; NonceReused when it was for another scan. Read
    on the scan's connection (the same code names the same person as the facts read)."""
    stored = connection.execute(_STORED, {"device": facts.device_id, "nonce": nonce}).first()
    if stored is None:  # stored and gone again (the device's scans deleted meanwhile)
        raise ScanClashed()
    if stored.code != (code or "")[:64] or stored.type is not scan_type:
        raise NonceReused()
    person = facts.person
    if person is None or stored.registration_id != person.id:
        person = None
    who = person.id if person is not None else None
    session, first = None, None
    if stored.session_id is not None:
        row = connection.execute(_SESSION, {"session": stored.session_id, "who": who}).one()
        session = SessionFacts(*row[:6], booking_id=None, attended_at=None, invited=bool(row[6]))
    if stored.result is ScanResult.ALREADY_CHECKED_IN and person is not None:
        if stored.session_id is not None:
            params = {"session": stored.session_id, "who": who}
            first = connection.execute(_ATTENDED, params).scalar()
        else:
            daily = connection.execute(_DAILY, {"checkpoint": stored.checkpoint_id}).scalar()
            day = entrances.day_of_presence(
                stored.scanned_at, tz=facts.tz, daily=daily is not False, first_day=facts.first_day
            )
            presence = facts.presences.get(day)
            first = presence[1] if presence is not None else person.checked_in_at
    return ScanOutcome(
        scan_id=stored.id,
        result=stored.result,
        nonce=stored.nonce,
        type=stored.type,
        scanned_at=stored.scanned_at,
        offline=stored.offline,
        flagged=stored.flagged,
        admitted=stored.admitted,
        replayed=True,
        person=person,
        session=session,
        first_checked_in_at=first,
        invited=session is not None and session.invited and stored.result is ScanResult.OK,
        effect=stored.effect,
    )


# ---------------------------------------------------------------- callers inside a transaction


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
    """`scan` by a device known to the caller, on the scan's connection (scan_connection)."""
    with scan_connection() as connection:
        return scan(
            connection,
            device_id=device.id,
            code=code,
            nonce=nonce,
            scan_type=scan_type,
            now=now,
            session_id=session_id,
            scanned_at=scanned_at,
            station_result=station_result,
            admit=admit,
        )


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

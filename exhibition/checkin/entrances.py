"""The rules of an entrance, judged on the person's day, not the door's.

A person has one presence a day (or one for the whole event, at a checkpoint that is not daily),
whichever entrances they use. The first entry is `ok`; a second entry while inside is
`already_checked_in` at every entrance; an exit at any entrance marks the person outside; after an
exit, coming in again is `ok` where the entrance scanning allows re-entry. On a day the exhibition
is not on, an entry is `not_today` (amber) unless the operator lets the person in.
"""

import functools
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..programme.models import SessionBooking
from ..visitors.models import Registration
from .models import Checkpoint, Device, Presence, Scan, ScanEffect, ScanResult


def day_of_presence(when: datetime, *, tz, daily: bool, first_day: date) -> date:
    """The day a presence counts for: the local day, or the event's first day if not daily."""
    return when.astimezone(tz).date() if daily else first_day


def presence_day(checkpoint: Checkpoint, when: datetime) -> date:
    """day_of_presence at a checkpoint of the database."""
    event = checkpoint.event
    return day_of_presence(when, tz=event.tz, daily=checkpoint.daily, first_day=event.first_day)


class Change:
    """What a scan changes when the judgement says it may; each change is conditional, so that of
    many doors scanning one badge at once exactly one makes it (the others answer `missed`).
    Plain names, not an enum: nobody reads them (every enum of the app has a label)."""

    OPEN = "open"  # the person's first entry of the day: a presence opened
    OPEN_OR_REENTER = "open_or_reenter"  # the same, or back in after going out meanwhile
    REENTER = "reenter"  # back in, at any entrance, after going out that day
    LEAVE = "leave"  # out through any entrance, whichever one the person came in by
    ATTEND = "attend"  # the session's attendance of a seated person


# What a scan is answered when its change finds nothing to change (another door was first), and
# what the change did when it happened.
MISSED = {
    Change.OPEN: ScanResult.ALREADY_CHECKED_IN,
    Change.OPEN_OR_REENTER: ScanResult.ALREADY_CHECKED_IN,
    Change.REENTER: ScanResult.ALREADY_CHECKED_IN,
    Change.LEAVE: ScanResult.OK,  # out already: nothing to undo later
    Change.ATTEND: ScanResult.ALREADY_CHECKED_IN,
}

_presences = Presence.__table__
_registrations = Registration.__table__
_scans = Scan.__table__
_devices = Device.__table__
_bookings = SessionBooking.__table__
_checkpoints = Checkpoint.__table__


def _bind(name: str, column: sa.Column) -> sa.BindParameter:
    return sa.bindparam(f"b_{name}", type_=column.type)


def _changes(change: str, scan_id, insert) -> list[tuple[ScanEffect, object]]:
    """The statements of a change, in the order they are tried, each with the effect it has when
    it changes a row; `scan_id` is the new scan's id (a bound value, or the CTE's on
    PostgreSQL), `insert` the dialect's INSERT (for ON CONFLICT)."""
    p = _presences.c
    who = _bind("registration_id", p.registration_id)
    at = _bind("scanned_at", p.last_change_at)
    if change is Change.LEAVE:
        days = [_bind("today", p.day), _bind("first_day", p.day)]
        leave = (
            sa.update(_presences)
            .where(p.registration_id == who, p.inside.is_(True), p.day.in_(days))
            .values(inside=False, last_change_at=at, exit_scan_id=scan_id)
            .returning(p.id)
        )
        return [(ScanEffect.LEFT, leave)]
    if change is Change.ATTEND:
        b = _bookings.c
        attend = (
            sa.update(_bookings)
            .where(b.id == sa.bindparam("b_booking", type_=sa.Integer), b.attended_at.is_(None))
            .values(attended_at=_bind("scanned_at", b.attended_at))
            .returning(b.id)
        )
        return [(ScanEffect.ATTENDED, attend)]
    day = _bind("day", p.day)
    # exit_scan_id stays: undoing that exit later must still find the row
    reenter = (
        sa.update(_presences)
        .where(p.registration_id == who, p.day == day, p.inside.is_(False))
        .values(
            inside=True, checkpoint_id=_bind("checkpoint_id", p.checkpoint_id), last_change_at=at
        )
        .returning(p.id)
    )
    if change is Change.REENTER:
        return [(ScanEffect.REENTERED, reenter)]
    opened = (
        insert(_presences)
        .values(
            event_id=_bind("event_id", p.event_id),
            registration_id=who,
            checkpoint_id=_bind("checkpoint_id", p.checkpoint_id),
            day=day,
            inside=True,
            first_entry_at=at,
            last_change_at=at,
            entry_scan_id=scan_id,
        )
        .on_conflict_do_nothing(index_elements=["registration_id", "day"])
        .returning(p.id)
    )
    if change is Change.OPEN:
        return [(ScanEffect.ENTERED, opened)]
    return [(ScanEffect.ENTERED, opened), (ScanEffect.REENTERED, reenter)]


def _first_check_in(opened) -> sa.Update:
    """The person's first check-in time, set by the first presence they open (on any day)."""
    r = _registrations.c
    where = [r.id == _bind("registration_id", r.id), r.checked_in_at.is_(None)]
    if opened is not None:
        where.append(sa.exists(sa.select(opened.c.id)))
    return (
        sa.update(_registrations)
        .where(*where)
        .values(checked_in_at=_bind("scanned_at", r.checked_in_at))
        .returning(r.id)
    )


def _seen() -> sa.Update:
    """The device's last-seen time, written at most once a minute (not on every scan)."""
    d = _devices.c
    stale = sa.or_(d.last_seen_at.is_(None), d.last_seen_at < _bind("seen_before", d.last_seen_at))
    return (
        sa.update(_devices)
        .where(d.id == _bind("device_id", d.id), stale)
        .values(last_seen_at=_bind("received_at", d.last_seen_at))
        .returning(d.id)
    )


_SCAN_COLUMNS = (
    "event_id", "device_id", "checkpoint_id", "registration_id", "code", "nonce", "type",
    "scanned_at", "received_at", "offline", "session_id", "admitted",
)  # fmt: skip


def _flag(result):
    """A scan is flagged when the station answered otherwise offline; station_result is kept then."""
    station = sa.bindparam("b_station_result", type_=sa.String(32))
    differs = sa.and_(station.is_not(None), station != result)
    return differs, sa.case((differs, station), else_=sa.null())


@functools.cache
def _postgresql(change: str | None) -> sa.Insert:
    """One statement: the new scan's id, the conditional change, the first check-in time, the
    device's last-seen time and the scan, its result settled by whether the change happened."""
    new_id = sa.select(sa.literal_column("nextval('scans_id_seq')").label("id")).cte("new_scan")
    scan_id = sa.select(new_id.c.id).scalar_subquery()
    result, effect = sa.bindparam("b_result", type_=sa.String(32)), sa.null()
    ctes = [_seen().cte("seen")]
    if change is not None:
        steps = []
        for index, (done, statement) in enumerate(_changes(change, scan_id, postgresql_insert)):
            if steps:  # tried only when the one before changed nothing
                earlier = [~sa.exists(sa.select(cte.c.id)) for _effect, cte in steps]
                statement = statement.where(*earlier)
            steps.append((done, statement.cte(f"change_{index}")))
        if steps[0][0] is ScanEffect.ENTERED:
            ctes.append(_first_check_in(steps[0][1]).cte("first_check_in"))
        happened = [(sa.exists(sa.select(cte.c.id)), done.value) for done, cte in steps]
        result = sa.case(
            *[(when, ScanResult.OK.value) for when, _value in happened],
            else_=MISSED[change].value,
        )
        effect = sa.case(*happened, else_=sa.null())
    flagged, station_result = _flag(result)
    values = {name: sa.bindparam(f"b_{name}", type_=_scans.c[name].type) for name in _SCAN_COLUMNS}
    statement = (
        sa.insert(_scans)
        .values(
            id=scan_id,
            result=result,
            effect=effect,
            flagged=flagged,
            station_result=station_result,
            undone_at=None,
            **values,
        )
        .returning(_scans.c.id, _scans.c.result, _scans.c.effect, _scans.c.flagged)
    )
    return statement.add_cte(*ctes)


@functools.cache
def _sqlite_statements(change: str | None):
    """The same, one statement after the other (SQLite has no INSERT in a CTE): the scan first
    (none when the nonce is stored), then the change, then the scan's answer."""
    scan = (
        sqlite_insert(_scans)
        .values(
            {name: sa.bindparam(f"b_{name}", type_=_scans.c[name].type) for name in _SCAN_COLUMNS}
        )
        .values(
            result=sa.bindparam("b_result", type_=sa.String(32)),
            flagged=False,
            undone_at=None,
        )
        .on_conflict_do_nothing(index_elements=["device_id", "nonce"])
        .returning(_scans.c.id)
    )
    steps = (
        _changes(change, sa.bindparam("b_scan_id", type_=sa.Integer), sqlite_insert)
        if change
        else []
    )
    result = sa.bindparam("b_final", type_=sa.String(32))
    flagged, station_result = _flag(result)
    answer = (
        sa.update(_scans)
        .where(_scans.c.id == sa.bindparam("b_scan_id", type_=sa.Integer))
        .values(
            result=result,
            effect=sa.bindparam("b_effect", type_=sa.String(16)),
            flagged=flagged,
            station_result=station_result,
        )
        .returning(_scans.c.result, _scans.c.effect, _scans.c.flagged)
    )
    return scan, steps, _first_check_in(None), answer, _seen()


def write_scan(connection, values: dict, verdict, *, station_result, now: datetime):
    """Store a judged scan and make its change: (id, result, effect, flagged), or None when the
    device sent this nonce before (nothing is changed then)."""
    given = {
        **values,
        "result": verdict.result.value,
        "station_result": station_result.value if station_result is not None else None,
        "seen_before": now - timedelta(minutes=1),
        "day": verdict.day,
        "today": verdict.today,
        "first_day": verdict.first_day,
        "booking": verdict.booking_id,
    }
    params = {f"b_{name}": value for name, value in given.items()}  # not column names (reserved)
    if connection.dialect.name == "postgresql":
        row = connection.execute(_postgresql(verdict.change), params).one()
        return row.id, row.result, row.effect, row.flagged
    scan, steps, first_check_in, answer, seen = _sqlite_statements(verdict.change)
    scan_id = connection.execute(scan, params).scalar()
    if scan_id is None:
        return None
    params["b_scan_id"], result, effect = scan_id, verdict.result, None
    if verdict.change is not None:
        result = MISSED[verdict.change]
        for done, statement in steps:
            if connection.execute(statement, params).first() is not None:
                result, effect = ScanResult.OK, done
                break
        if effect is ScanEffect.ENTERED:
            connection.execute(first_check_in, params)
    connection.execute(seen, params)
    if verdict.change is None and station_result is None:
        return scan_id, result, None, False  # stored as judged: nothing to settle
    params["b_final"], params["b_effect"] = result.value, effect.value if effect else None
    row = connection.execute(answer, params).one()
    return scan_id, row.result, row.effect, row.flagged


def make_main_entrance(connection, *, event_id: int) -> None:
    """The event's main entrance, made by the first scan of an event without any (by one of
    several scans at once: the others find it)."""
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    entrance = {"event_id": event_id, "name_vi": "Cổng chính", "name_en": "Main entrance"}
    statement = insert(_checkpoints).values(**entrance, position=0).on_conflict_do_nothing()
    connection.execute(statement)


_INSERTS: dict = {}


def insert_unless_there(model, values: dict, *, key: tuple[str, ...], returning: str):
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING: one statement, no savepoint; the
    returned column, or None when a row with that key was there already."""
    dialect = db.session.get_bind().dialect.name
    statement = _INSERTS.get((model, dialect))
    if statement is None:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        table = model.__table__
        statement = _INSERTS[(model, dialect)] = (
            insert(table).on_conflict_do_nothing(index_elements=key).returning(table.c[returning])
        )
    return db.session.execute(statement, values).scalar()

"""The rules of an entrance, judged on the person's day, not the door's.

A person has one presence a day (or one for the whole event, at a checkpoint that is not daily),
whichever entrances they use. The first entry is `ok`; a second entry while inside is
`already_checked_in` at every entrance; an exit at any entrance marks the person outside; after an
exit, coming in again is `ok` where the entrance scanning allows re-entry. On a day the exhibition
is not on, an entry is `not_today` (amber) unless the operator lets the person in.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..visitors.models import Registration
from .models import Checkpoint, Presence, Scan, ScanEffect, ScanResult, ScanType


def presence_day(checkpoint: Checkpoint, when: datetime) -> date:
    """The day a presence counts for: the local day, or the event's first day if not daily."""
    event = checkpoint.event
    return when.astimezone(event.tz).date() if checkpoint.daily else event.first_day


# The statements of the rules, built once: the check-in path runs them hundreds of times a second,
# and building an ORM statement costs more than sending it (bench/checkin_load.py --profile).
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


def _leave(checkpoint: Checkpoint, registration: Registration, scan: Scan, now) -> bool:
    """Mark the person outside: the gate they leave by need not be the one they entered at.
    Whether anything changed."""
    event = checkpoint.event
    params = {"who": registration.id, "scan": scan.id, "at": now}
    params["today"] = now.astimezone(event.tz).date()
    params["first_day"] = event.first_day
    return db.session.execute(_LEAVE, params).rowcount > 0


def entrance_result(
    checkpoint: Checkpoint, registration: Registration, scan: Scan, now, *, not_today: bool
):
    """Entry and exit at an entrance, by the checkpoint's rules applied to the person's day;
    claims are conditional, so of many doors scanning one badge at once exactly one gets `ok`.
    `not_today`: the exhibition is not on; a person inside is still told apart."""
    day = presence_day(checkpoint, now)
    if scan.type is ScanType.EXIT:
        scan.effect = ScanEffect.LEFT if _leave(checkpoint, registration, scan, now) else None
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
        scan.effect = ScanEffect.ENTERED
        if registration.checked_in_at is None:  # else: came in before (another day or door)
            db.session.execute(_FIRST_CHECK_IN, {"who": registration.id, "at": now})
        return ScanResult.OK
    # Already came in that day, by this entrance or another: a re-entry or a second entry.
    back = {"who": registration.id, "where": checkpoint.id, "on": day, "at": now}
    if checkpoint.allow_reentry and db.session.execute(_REENTER, back).rowcount == 1:
        scan.effect = ScanEffect.REENTERED
        return ScanResult.OK
    return ScanResult.ALREADY_CHECKED_IN


def _insert_presence(**values) -> bool:
    """Open a presence unless the person has one for that day: of many doors at once exactly
    one opens it."""
    opened = insert_unless_there(Presence, values, key=("registration_id", "day"), returning="id")
    return opened is not None


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

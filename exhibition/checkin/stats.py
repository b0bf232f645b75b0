"""Live figures of an exhibition's doors: who came, who is in, how fast, from where.

Everything is counted by the database with a few GROUP BY queries (about eleven, whatever the
number of registrations or scans); Python only touches the grouped rows. Undone scans never count.
"""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ..dbtypes import iso_utc, utcnow
from ..events.models import Event
from ..extensions import db
from ..i18n import current_language
from ..labels import label
from ..programme.models import ConferenceSession, Room
from ..programme.services import session_figures
from ..reference.models import Province
from ..visitors.models import Registration, RegistrationStatus, VisitorCategory
from .models import Checkpoint, Presence, Scan, ScanResult, ScanType

BUCKET = timedelta(minutes=15)
TOP_PROVINCES = 10
# The entries chart's time axis: the exhibition day's opening hours, 07:00 to 19:00, or the
# event's own hours where they are longer, or the entries' where some fall outside.
FIRST_HOUR, LAST_HOUR = 7, 19


def _day_window(event: Event, day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a local day begins and the next one begins."""
    start = datetime.combine(day, time(0), tzinfo=event.tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=event.tz).astimezone(UTC)
    return start, end


def _quarter_hour(column):
    """The number of the quarter hour a stored time falls in, counted from 1970 in UTC.

    Every time zone in use is a whole number of quarter hours from UTC (Asia/Ho_Chi_Minh: +7:00),
    so a UTC quarter hour is also a local one: the buckets are the event's wall-clock quarters.
    Epoch seconds are dialect-specific: strftime('%s') on SQLite (stored as UTC text), EXTRACT
    on PostgreSQL (timestamptz).
    """
    seconds = int(BUCKET.total_seconds())
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.BigInteger) // seconds
    return sa.cast(sa.func.floor(sa.extract("epoch", column) / seconds), sa.BigInteger)


def _inside_day_clause(event: Event, today: date):
    """The presence rows that say who is in now: today's at a daily entrance, the event's first
    day's at an entrance that counts once for the whole event (see entrances.presence_day)."""
    return sa.or_(
        sa.and_(Checkpoint.daily.is_(True), Presence.day == today),
        sa.and_(Checkpoint.daily.is_(False), Presence.day == event.first_day),
    )


def _registration_figures(event: Event) -> tuple[list[dict], list[dict]]:
    """Registered and checked-in people by category and by province, from one pass over the
    event's registrations grouped by both (a few hundred rows at most); people from abroad have
    no province and are one line of their own, provinces past the top ones another."""
    counts = db.session.execute(
        sa.select(
            Registration.category_id,
            Registration.province_code,
            sa.func.count(),
            sa.func.count(Registration.checked_in_at),
        )
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.category_id, Registration.province_code)
    ).all()
    by_category: dict[int, list[int]] = {}
    by_province: dict[str | None, list[int]] = {}
    for category_id, province_code, registered, checked_in in counts:
        for totals, key in ((by_category, category_id), (by_province, province_code)):
            pair = totals.setdefault(key, [0, 0])
            pair[0] += registered
            pair[1] += checked_in

    return _categories(event, by_category), _provinces(by_province)


def _categories(event: Event, counts: dict[int, list[int]]) -> list[dict]:
    """Registered and checked-in people of each category of the event, in the categories' order."""
    return [
        {
            "code": category.code,
            "name": category.tr("name"),
            "color": category.color,
            "registered": counts.get(category.id, [0, 0])[0],
            "checked_in": counts.get(category.id, [0, 0])[1],
        }
        for category in db.session.scalars(
            sa.select(VisitorCategory)
            .where(VisitorCategory.event_id == event.id)
            .order_by(VisitorCategory.position, VisitorCategory.id)
        )
    ]


def _provinces(counts: dict[str | None, list[int]]) -> list[dict]:
    """The provinces most people come from (named in the page's language), then the others."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0] or "~"))
    top, rest = ranked[:TOP_PROVINCES], ranked[TOP_PROVINCES:]
    names = {}
    codes = [code for code, _pair in top if code is not None]
    if codes:
        english = current_language() == "en"
        for code, name_vi, name_en in db.session.execute(
            sa.select(Province.code, Province.name_vi, Province.name_en).where(
                Province.code.in_(codes)
            )
        ):
            names[code] = (name_en if english else None) or name_vi
    provinces = [
        {"code": code, "name": names.get(code), "registered": pair[0], "checked_in": pair[1]}
        for code, pair in top
    ]
    if rest:
        provinces.append(
            {
                "code": "others",
                "name": None,
                "registered": sum(pair[0] for _code, pair in rest),
                "checked_in": sum(pair[1] for _code, pair in rest),
            }
        )
    return provinces


def _scan_figures(event: Event, day: date) -> dict:
    """One pass over the event's scans that stand (not undone), grouped by door, type, result,
    flag, and quarter hour for those of `day` (a few hundred rows at most): entries per door and
    refusals of the day, entrance entries per quarter hour of the day, flagged scans of the event.
    """
    start, end = _day_window(event, day)
    quarter = sa.case(
        (sa.and_(Scan.scanned_at >= start, Scan.scanned_at < end), _quarter_hour(Scan.scanned_at)),
        else_=sa.null(),
    )
    at_entrance = Scan.session_id.is_(None)
    rows = db.session.execute(
        sa.select(
            Scan.checkpoint_id,
            Scan.type,
            Scan.result,
            Scan.flagged,
            at_entrance,
            quarter,
            sa.func.count(),
        )
        .where(Scan.event_id == event.id, Scan.undone_at.is_(None))
        .group_by(Scan.checkpoint_id, Scan.type, Scan.result, Scan.flagged, at_entrance, quarter)
    )
    figures = {"entries": {}, "refused": {}, "quarters": {}, "flagged": 0}
    for checkpoint_id, scan_type, result, flagged, entrance, number, count in rows:
        if flagged:
            figures["flagged"] += count
        if number is None:
            continue  # another day
        if result is not ScanResult.OK:
            figures["refused"][result] = figures["refused"].get(result, 0) + count
        elif scan_type is ScanType.ENTRY:
            entries = figures["entries"]
            entries[checkpoint_id] = entries.get(checkpoint_id, 0) + count
            if entrance:
                figures["quarters"][number] = figures["quarters"].get(number, 0) + count
    return figures


def _quarter_series(event: Event, counts: dict[int, int], day: date) -> list[dict]:
    """Entries per quarter hour of the day's opening hours (see FIRST_HOUR), empty quarters
    included, so that the chart's axis stays put; nothing when the day has no entry."""
    if not counts:
        return []
    start, _end = _day_window(event, day)
    seconds = int(BUCKET.total_seconds())
    per_hour = 3600 // seconds
    opens = event.starts_at.astimezone(event.tz)
    closes = event.ends_at.astimezone(event.tz)
    first_hour = min(FIRST_HOUR, opens.hour)
    last_hour = max(LAST_HOUR, closes.hour + (1 if closes.minute else 0))
    midnight = int(start.timestamp()) // seconds  # local midnight: a whole quarter from UTC
    first = min(midnight + first_hour * per_hour, min(counts))
    last = max(midnight + last_hour * per_hour - 1, max(counts))
    series = []
    for number in range(first, last + 1):
        moment = datetime.fromtimestamp(number * seconds, UTC).astimezone(event.tz)
        series.append(
            {
                "start": moment.isoformat(),
                "time": moment.strftime("%H:%M"),
                "count": counts.get(number, 0),
            }
        )
    return series


def _by_session(event: Event) -> list[dict]:
    figures = session_figures(event=event)
    rows = db.session.execute(
        sa.select(ConferenceSession, Room)
        .join(Room, Room.id == ConferenceSession.room_id)
        .where(ConferenceSession.event_id == event.id, ConferenceSession.starts_at.is_not(None))
        .order_by(ConferenceSession.starts_at, Room.position, Room.id, ConferenceSession.id)
    )
    lines = []
    for session, room in rows:
        figure = figures.get(session.id, {})
        lines.append(
            {
                "id": session.id,
                "title": session.tr("title"),
                "room": room.tr("name"),
                "starts_at": iso_utc(session.starts_at),
                "time": session.starts_at.astimezone(event.tz).strftime("%d/%m %H:%M"),
                "seats": session.capacity or room.capacity,
                "seated": figure.get("seated", 0),
                "attended": figure.get("attended", 0),
                "not_registered": figure.get("not_registered", 0),
            }
        )
    return lines


def _inside_now(event: Event, today: date) -> tuple[int, dict[int, int]]:
    """How many people are inside now, in all and by the entrance they last came in by."""
    entrance = sa.and_(Checkpoint.id == Presence.checkpoint_id, Checkpoint.room_id.is_(None))
    where = (
        Presence.event_id == event.id,
        Presence.inside.is_(True),
        _inside_day_clause(event, today),
    )
    people = sa.func.count(sa.distinct(Presence.registration_id))
    inside_now = db.session.scalar(sa.select(people).join(Checkpoint, entrance).where(*where))
    by_checkpoint = db.session.execute(
        sa.select(Presence.checkpoint_id, people)
        .join(Checkpoint, entrance)
        .where(*where)
        .group_by(Presence.checkpoint_id)
    )
    return inside_now or 0, dict(by_checkpoint.all())


def _by_checkpoint(event: Event, entries: dict[int, int], inside: dict[int, int]) -> list[dict]:
    """Entries of the day at each door, and who is inside by each entrance."""
    return [
        {
            "id": checkpoint.id,
            "name": checkpoint.tr("name"),
            "entrance": checkpoint.room_id is None,
            "entries": entries.get(checkpoint.id, 0),
            "inside": inside.get(checkpoint.id, 0) if checkpoint.room_id is None else None,
        }
        for checkpoint in db.session.scalars(
            sa.select(Checkpoint)
            .where(Checkpoint.event_id == event.id)
            .order_by(Checkpoint.position, Checkpoint.id)
        )
    ]


def event_stats(*, event: Event, now: datetime | None = None, day: date | None = None) -> dict:
    """The live figures of an event at `now` (api/schemas.py Stats): totals, entries per quarter
    hour of `day` (today by default, in the event's time zone), and the breakdowns by category,
    province, checkpoint and session."""
    now = now or utcnow()
    today = now.astimezone(event.tz).date()
    day = day or today
    categories, provinces = _registration_figures(event)
    inside_now, inside_by_checkpoint = _inside_now(event, today)
    scans = _scan_figures(event, day)
    refused = scans["refused"]
    return {
        "event": {"slug": event.slug, "name": event.tr("name"), "timezone": event.timezone},
        "generated_at": iso_utc(now),
        "day": day.isoformat(),
        "today": today.isoformat(),
        "days": [d.isoformat() for d in sorted({*event.days, today})],
        "totals": {
            "registered": sum(c["registered"] for c in categories),
            "checked_in": sum(c["checked_in"] for c in categories),
            "inside_now": inside_now,
            "flagged": scans["flagged"],
            "refused": sum(refused.values()),
        },
        "per_quarter_hour": _quarter_series(event, scans["quarters"], day),
        "by_category": categories,
        "by_province": provinces,
        "by_checkpoint": _by_checkpoint(event, scans["entries"], inside_by_checkpoint),
        "by_session": _by_session(event),
        "refused": [
            {"result": result, "label": label(result), "count": refused[result]}
            for result in ScanResult
            if result in refused
        ],
    }

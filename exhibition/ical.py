"""iCalendar (RFC 5545) files, written with the icalendar library: it escapes, folds and
describes the event's time zone (its daylight saving changes included)."""

import functools
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

_LINE_BREAK = re.compile(r"\r\n|\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(text: str | None) -> str:
    """What a TEXT value (RFC 5545, 3.3.11) can hold: every line break (a lone CR too) as LF,
    which the library escapes; other control characters, which TEXT does not allow, as spaces."""
    return _CONTROL.sub(" ", _LINE_BREAK.sub("\n", text or ""))


def _vtimezone(tz_name: str, moments: list[datetime]) -> icalendar.Timezone:
    """The zone's offsets and their changes over the whole years the events fall in."""
    tz = ZoneInfo(tz_name)
    years = [moment.astimezone(tz).year for moment in moments]
    return _zone_over(tz_name, min(years), max(years))


@functools.lru_cache(maxsize=64)
def _zone_over(tz_name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    # The library finds a zone's changes by asking its offset hour by hour (some 45,000 calls a
    # year: tens of milliseconds, most of a confirmation e-mail's cost). The answer is the same
    # until tzdata changes (a restart): made once per process. Shared by every calendar, which
    # only writes it out.
    return icalendar.Timezone.from_tzid(
        tz_name, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )


def _event(item: dict, *, tz: ZoneInfo, stamp: datetime) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", item["uid"])
    entry.add("dtstamp", stamp)
    entry.add("dtstart", item["start"].astimezone(tz))
    entry.add("dtend", item["end"].astimezone(tz))
    entry.add("summary", _text(item["summary"]))
    for key in ("description", "location"):
        if item.get(key):
            entry.add(key, _text(item[key]))
    if item.get("url"):
        entry.add("url", item["url"])
    if item.get("status"):
        entry.add("status", item["status"])
    if item.get("sequence") is not None:
        entry.add("sequence", item["sequence"])
    categories = [_text(c) for c in item.get("categories") or () if c]
    if categories:
        entry.add("categories", categories)
    return entry


def calendar(*, tz_name: str, events: list[dict], name: str = "") -> bytes:
    """A VCALENDAR; each event dict has uid, start, end, summary and optional description,
    location, url, status (CONFIRMED, TENTATIVE, CANCELLED), sequence (its revision: bumped at
    each change, so that clients take the new one) and categories (a list of words)."""
    tz = ZoneInfo(tz_name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    feed = icalendar.Calendar()
    feed.add("version", "2.0")
    feed.add("prodid", "-//exhibition//registration//VI")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    if name:
        # An X- property is written as given unless typed as TEXT, which escapes it.
        feed["X-WR-CALNAME"] = icalendar.vText(_text(name))
    # The zone is described even in an empty calendar, so a subscribed feed is valid before
    # it has any events.
    moments = [moment for item in events for moment in (item["start"], item["end"])]
    feed.add_component(_vtimezone(tz_name, moments or [stamp]))
    for item in events:
        feed.add_component(_event(item, tz=tz, stamp=stamp))
    return feed.to_ical()

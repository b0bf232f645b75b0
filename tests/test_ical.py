"""The iCalendar writer, read back with the icalendar library: a zone with daylight saving time
is described with its changes, so a calendar that trusts the file's VTIMEZONE (rather than its
own copy of the zone database) puts a summer and a winter session at the right instant."""

from datetime import UTC, datetime, timedelta

import icalendar

from exhibition import ical

SUMMER = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (CEST, UTC+2)
WINTER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Berlin (CET, UTC+1)


def _feed(tz_name: str, *starts: datetime) -> icalendar.Calendar:
    events = [
        {"uid": f"s{i}", "start": s, "end": s + timedelta(hours=1), "summary": f"s{i}"}
        for i, s in enumerate(starts)
    ]
    return icalendar.Calendar.from_ical(ical.calendar(tz_name=tz_name, events=events))


def test_berlin_feed_describes_summer_time_and_its_changes():
    feed = _feed("Europe/Berlin", SUMMER, WINTER)
    (zone,) = feed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    changes = {
        (part.name, part.decoded("DTSTART").date().isoformat(), part.decoded("TZOFFSETTO"))
        for part in zone.walk()
        if part.name in ("STANDARD", "DAYLIGHT")
    }
    assert ("DAYLIGHT", "2026-03-29", timedelta(hours=2)) in changes
    assert ("STANDARD", "2026-10-25", timedelta(hours=1)) in changes


def test_berlin_sessions_fall_at_their_instant_by_the_files_own_zone():
    feed = _feed("Europe/Berlin", SUMMER, WINTER)
    (zone,) = feed.walk("VTIMEZONE")
    described = zone.to_tz(lookup_tzid=False)  # from the VTIMEZONE, not the zone database
    starts = []
    for item in feed.walk("VEVENT"):
        assert item["DTSTART"].params["TZID"] == "Europe/Berlin"
        wall = item.decoded("DTSTART").replace(tzinfo=None)
        assert (wall.hour, wall.minute) == (10, 0)
        starts.append(wall.replace(tzinfo=described).astimezone(UTC))
    assert starts == [SUMMER, WINTER]


def test_ho_chi_minh_feed_is_utc_plus_seven_without_daylight_saving():
    feed = _feed("Asia/Ho_Chi_Minh", SUMMER, WINTER)
    (zone,) = feed.walk("VTIMEZONE")
    assert zone.walk("DAYLIGHT") == []
    described = zone.to_tz(lookup_tzid=False)
    for item, instant in zip(feed.walk("VEVENT"), (SUMMER, WINTER), strict=True):
        wall = item.decoded("DTSTART").replace(tzinfo=None)
        assert wall == (instant + timedelta(hours=7)).replace(tzinfo=None)
        assert wall.replace(tzinfo=described).astimezone(UTC) == instant


def test_empty_feed_still_describes_its_zone():
    feed = _feed("Europe/Berlin")
    assert feed.walk("VEVENT") == []
    assert [str(z["TZID"]) for z in feed.walk("VTIMEZONE")] == ["Europe/Berlin"]

"""Writing iCalendar (RFC 5545) files."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _escape(text: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon and comma escaped, and every line
    break (a lone CR too) as \\n; other control characters, which TEXT does not allow, as spaces."""
    text = (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub(" ", _LINE_BREAK.sub(lambda _match: "\\n", text))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _vtimezone(tz_name: str, when: datetime) -> list[str]:
    """A VTIMEZONE for a zone without daylight saving time (Asia/Ho_Chi_Minh is UTC+7 all year)."""
    offset = when.astimezone(ZoneInfo(tz_name)).utcoffset()
    total = int(offset.total_seconds()) if offset else 0
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total) // 60, 60)
    text = f"{sign}{hours:02d}{minutes:02d}"
    abbreviation = when.astimezone(ZoneInfo(tz_name)).tzname() or text
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{tz_name}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{text}",
        f"TZOFFSETTO:{text}",
        f"TZNAME:{abbreviation}",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def calendar(*, tz_name: str, events: list[dict], name: str = "") -> bytes:
    """A VCALENDAR; each event dict has uid, start, end, summary and optional description,
    location, url, status (CONFIRMED, TENTATIVE, CANCELLED) and categories (a list of words)."""
    tz = ZoneInfo(tz_name)
    stamp = datetime.now(UTC)
    now = stamp.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//exhibition//registration//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{_escape(name)}")
    # The zone is described even in an empty calendar, so a subscribed feed is valid before
    # it has any events.
    lines += _vtimezone(tz_name, events[0]["start"] if events else stamp)
    for item in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item['uid']}",
            f"DTSTAMP:{now}",
            f"DTSTART;TZID={tz_name}:{item['start'].astimezone(tz).strftime('%Y%m%dT%H%M%S')}",
            f"DTEND;TZID={tz_name}:{item['end'].astimezone(tz).strftime('%Y%m%dT%H%M%S')}",
            f"SUMMARY:{_escape(item['summary'])}",
        ]
        if item.get("description"):
            lines.append(f"DESCRIPTION:{_escape(item['description'])}")
        if item.get("location"):
            lines.append(f"LOCATION:{_escape(item['location'])}")
        if item.get("url"):
            lines.append(f"URL:{item['url']}")
        if item.get("status"):
            lines.append(f"STATUS:{item['status']}")
        categories = [c for c in item.get("categories") or () if c]
        if categories:
            lines.append("CATEGORIES:" + ",".join(_escape(c) for c in categories))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")

"""The page's language, content in both languages, and dates and numbers in one native style.

Dates and times are written one way per language on every page and in every e-mail (the template
filters `date`, `datetime`/`when`, `time`, `number`, `money`, `area` and the globals `date_range`,
`time_range` call these): Vietnamese "09:00, 23/11/2021", "23–26/11/2021", "18.000.000 ₫";
English "23 November 2021, 09:00", "23–26 November 2021". Never seconds, never Babel's
"thg 11" beside "tháng 11", never "9.0 m²". Datetimes are stored in UTC and shown in the time
zone chosen by select_timezone (the current exhibition's, Asia/Ho_Chi_Minh by default)."""

from contextlib import contextmanager
from datetime import date, datetime

from flask import g
from flask_babel import format_currency, format_decimal, get_locale, refresh, to_user_timezone
from flask_babel import format_date as _format_date
from flask_babel import format_time as _format_time


def current_language() -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request
        return "vi"
    return locale.language if locale is not None else "vi"


class Localized:
    """Mixin for models with `<field>_vi` and `<field>_en` columns."""

    def tr(self, field: str, language: str | None = None) -> str:
        language = language or current_language()
        value = getattr(self, f"{field}_{language}", None)
        return value or getattr(self, f"{field}_vi", "") or ""

    def tr_language(self, field: str, language: str | None = None) -> str:
        """The language of what tr() shows: `language`, or "vi" when it falls back."""
        language = language or current_language()
        return language if getattr(self, f"{field}_{language}", None) else "vi"


# Babel's own names for formats; any other `fmt` given to a filter is a Babel pattern.
NAMED_FORMATS = ("short", "medium", "long", "full")
DATE = {"vi": "dd/MM/yyyy", "en": "d MMMM yyyy"}
WEEKDAY_DATE = {"vi": "EEEE, dd/MM/yyyy", "en": "EEEE d MMMM yyyy"}
TIME = "HH:mm"
# A range of days: the first day without what it shares with the last.
FIRST_DAY = {
    "vi": {"month": "dd", "year": "dd/MM", "": "dd/MM/yyyy"},
    "en": {"month": "d", "year": "d MMMM", "": "d MMMM yyyy"},
}
RANGE_DASH = {"vi": "–", "en": " – "}  # "23–26/11", "30 November – 2 December"


def _language() -> str:
    language = current_language()
    return language if language in DATE else "vi"


def local_date(value, fmt: str = "long") -> str:
    """A day: "23/11/2021" / "23 November 2021"; `fmt="full"` adds the weekday."""
    if not value:
        return ""
    if fmt not in NAMED_FORMATS:
        return _format_date(value, fmt)
    language = _language()
    return _format_date(value, WEEKDAY_DATE[language] if fmt == "full" else DATE[language])


def local_time(value, fmt: str | None = None) -> str:
    """An hour and minute, "09:00", whatever format is asked for (seconds are never shown)."""
    return _format_time(value, TIME) if value else ""


def local_datetime(value, fmt: str | None = None) -> str:
    """ "09:00, 23/11/2021" / "23 November 2021, 09:00" (`fmt="full"` adds the weekday)."""
    if not value:
        return ""
    day = local_date(value, "full" if fmt == "full" else "long")
    hour = local_time(value)
    return f"{hour}, {day}" if _language() == "vi" else f"{day}, {hour}"


def _day(value) -> date:
    return to_user_timezone(value).date() if isinstance(value, datetime) else value


def date_range(start, end) -> str:
    """The days from `start` to `end`: "23–26/11/2021" / "23–26 November 2021"."""
    if not start or not end:
        return local_date(start or end)
    first, last = _day(start), _day(end)
    if first == last:
        return local_date(first)
    language = _language()
    if (first.year, first.month) == (last.year, last.month):
        shared = "month"
    else:
        shared = "year" if first.year == last.year else ""
    dash = "–" if shared == "month" else RANGE_DASH[language]
    return f"{_format_date(first, FIRST_DAY[language][shared])}{dash}{local_date(last)}"


def time_range(start, end) -> str:
    """From `start` to `end`: "09:00–10:30, 23/11/2021" / "23 November 2021, 09:00–10:30"."""
    if not start or not end:
        return local_datetime(start or end)
    if _day(start) != _day(end):
        return f"{local_datetime(start)} – {local_datetime(end)}"
    hours = f"{local_time(start)}–{local_time(end)}"
    day = local_date(start)
    return f"{hours}, {day}" if _language() == "vi" else f"{day}, {hours}"


def number(value) -> str:
    """A number with the language's separators: "18.000.000" / "18,000,000"; "9" for 9.0."""
    return format_decimal(value, "#,##0.###") if value is not None else ""


def money(value) -> str:
    """An amount in đồng: "18.000.000 ₫" / "₫18,000,000"."""
    return format_currency(value, "VND") if value is not None else ""


def area(value) -> str:
    """A floor area: "9 m²", "10,5 m²" / "10.5 m²"."""
    return f"{format_decimal(value, '#,##0.#')}\u00a0m²" if value is not None else ""


@contextmanager
def about(event):
    """Dates and times written in `event`'s time zone outside a request about it (the mail
    worker writing a confirmation), as a page sets g.event for flask-babel's zone."""
    had, before = "event" in g, g.get("event")
    g.event = event
    refresh()
    try:
        yield
    finally:
        if had:
            g.event = before
        else:
            g.pop("event", None)
        refresh()

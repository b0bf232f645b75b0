"""Jinja helpers: language switching, local dates, phone numbers."""

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_time
from werkzeug.routing import BuildError

from .i18n import current_language
from .phone import display_phone


def lang_url(language: str) -> str:
    """The current page in another language."""
    if request.endpoint is None or request.method != "GET":
        return url_for("events.index", lang=language)
    args = {k: v for k, v in request.args.items() if not k.startswith("_")}
    args.update(request.view_args or {})
    args["lang"] = language
    try:
        return url_for(request.endpoint, **args)
    except BuildError:
        return url_for("events.index", lang=language)


def register_template_helpers(app: Flask) -> None:
    # Dates are stored in UTC; Flask-Babel shows them in the time zone chosen by
    # select_timezone (the current event's, Asia/Ho_Chi_Minh by default), in the page's language.
    app.jinja_env.add_extension("jinja2.ext.do")
    from .admin.access import can
    from .booths.services import plan_label
    from .labels import LANGUAGES, country_name, description, label, wording_version

    app.jinja_env.globals.update(
        lang_url=lang_url,
        current_language=current_language,
        plan_label=plan_label,
        label=label,
        description=description,
        wording_version=wording_version,
        country_name=country_name,
        languages=LANGUAGES,
        can=can,
    )
    app.jinja_env.tests["can"] = can  # ['a.b', 'c.d']|select('can', slug): the links one may use
    app.jinja_env.filters.update(
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        date=lambda value, fmt="long": format_date(value, fmt) if value else "",
        time=lambda value, fmt="short": format_time(value, fmt) if value else "",
        # "Thứ Ba, 23 tháng 11, 2021, 09:00": Babel's long datetime formats put the time first
        # in Vietnamese and add seconds and a zone name; people read a date then an hour.
        when=lambda value, fmt="full": (
            f"{format_date(value, fmt)}, {format_time(value, 'short')}" if value else ""
        ),
        number=format_decimal,
        phone=display_phone,
    )

"""Jinja helpers: language switching, local dates and numbers (exhibition/i18n.py), phones."""

from flask import Flask, request, url_for
from markupsafe import Markup
from werkzeug.routing import BuildError

from .accounts.access import can
from .i18n import (
    area,
    current_language,
    date_range,
    local_date,
    local_datetime,
    local_time,
    money,
    number,
    time_range,
)
from .labels import LANGUAGES, country_name, description, label, wording_version
from .matchmaking.display import meeting_place
from .phone import display_phone
from .urls import public_url


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


def lang_attr(obj, field: str) -> Markup:
    """` lang="vi"` where a page in another language shows a field's Vietnamese text (it has no
    translation), so that screen readers and translators know; nothing otherwise."""
    shown = obj.tr_language(field)
    return Markup(f' lang="{shown}"') if shown != current_language() else Markup("")


def register_template_helpers(app: Flask) -> None:
    # Dates are stored in UTC and shown in the time zone chosen by select_timezone (the current
    # event's, Asia/Ho_Chi_Minh by default), in one native style per language (i18n.py).
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        lang_url=lang_url,
        lang_attr=lang_attr,
        current_language=current_language,
        label=label,
        description=description,
        wording_version=wording_version,
        country_name=country_name,
        languages=LANGUAGES,
        date_range=date_range,
        time_range=time_range,
        can=can,
        meeting_place=meeting_place,
        public_url=public_url,  # absolute addresses from BASE_URL (feeds, Open Graph)
    )
    app.jinja_env.tests["can"] = can  # ['a.b', 'c.d']|select('can', slug): the links one may use
    app.jinja_env.filters.update(
        datetime=local_datetime,
        when=local_datetime,
        date=local_date,
        time=local_time,
        number=number,
        money=money,
        area=area,
        phone=display_phone,
    )

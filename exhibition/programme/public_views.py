"""The public programme: agenda by day and room, session pages, iCalendar feeds, schedule.json."""

from flask import Blueprint

bp = Blueprint("agenda", __name__, url_prefix="/events/<slug>/programme")

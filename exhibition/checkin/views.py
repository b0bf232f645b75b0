"""The check-in station page (it talks to the JSON API with its device token)."""

from flask import Blueprint, render_template

bp = Blueprint("checkin", __name__)


@bp.get("/checkin")
def station():
    """Door staff scan badges here with a handheld scanner (typed code + Enter)."""
    return render_template("checkin/station.html")

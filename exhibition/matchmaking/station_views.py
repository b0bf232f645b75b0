"""The meeting station: a check-in device set up at a business-matching table or booth scans
both people's badges (it talks to the JSON API with the device token the check-in station keeps)."""

from flask import Blueprint, render_template

from .attendance import Verdict

bp = Blueprint("matchmaking_station", __name__)


@bp.get("/checkin/meetings")
def station():
    """Pick the session and the table or booth, then scan each person's badge (camera, or a
    handheld scanner typing the code and Enter)."""
    return render_template("matchmaking/station.html", verdicts=Verdict)

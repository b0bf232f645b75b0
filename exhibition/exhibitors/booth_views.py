"""The booth scanner: a staff member's phone, set up by the link e-mailed to them, scans visitors'
lead codes at the company's booth (the station app in booth mode: it talks to the booth scanners'
JSON API with its own token, api/lead_views.py)."""

from flask import Blueprint, render_template

from ..extensions import guess_limit

bp = Blueprint("booth", __name__)


@bp.get("/checkin/booth")
def station():
    """The booth scanner: camera or typed code, the visitor's shared details, notes and rating."""
    return render_template("exhibitors/booth.html", setup_code="")


@bp.get("/checkin/booth/setup/<code>")
@guess_limit
def setup(code: str):
    """A scanner's one-time set-up link: the page exchanges the code for the phone's token."""
    return render_template("exhibitors/booth.html", setup_code=code[:100])

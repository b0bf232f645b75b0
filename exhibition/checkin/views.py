"""The check-in station page (it talks to the JSON API with its device token)."""

from pathlib import Path

from flask import Blueprint, current_app, render_template, send_file, url_for

from ..extensions import guess_limit

bp = Blueprint("checkin", __name__)


@bp.get("/checkin")
def station():
    """Door staff scan badges here: camera, handheld scanner (typed code + Enter) or search."""
    return render_template("checkin/station.html", setup_code="")


@bp.get("/checkin/setup/<code>")
@guess_limit
def setup(code: str):
    """A device's one-time set-up link: the station page exchanges the code for its token."""
    return render_template("checkin/station.html", setup_code=code[:100])


@bp.get("/checkin-sw.js")
def service_worker():
    """The station's service worker, served from the root so that it may control /checkin."""
    response = send_file(
        Path(current_app.static_folder) / "js" / "station-sw.js",
        mimetype="text/javascript",
        max_age=0,
    )
    response.headers["Service-Worker-Allowed"] = "/checkin"
    return response


@bp.get("/checkin/manifest.webmanifest")
def manifest():
    """The station as an installable web app."""
    body = {
        "name": "Check-in",
        "short_name": "Check-in",
        "start_url": url_for("checkin.station"),
        "scope": "/checkin",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f8a",
        "icons": [
            {
                "src": url_for("static", filename="img/station-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename="img/station-512.png"),
                "sizes": "512x512",
                "type": "image/png",
            },
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response

"""JSON API v1 (token-authenticated, no CSRF)."""

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from ..checkin.models import ScanResult, ScanType
from ..checkin.services import authenticate_device, record_scan
from ..errors import DomainError, json_error
from ..extensions import db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _result_message(result: ScanResult) -> str:
    return {
        ScanResult.OK: _("Welcome!"),
        ScanResult.ALREADY_CHECKED_IN: _("Already checked in."),
        ScanResult.INVALID: _("This is not a valid badge."),
        ScanResult.CANCELLED: _("This registration has been cancelled."),
        ScanResult.WRONG_EVENT: _("This badge is for another exhibition."),
        ScanResult.NOT_REGISTERED: _("Not registered for this session."),
        ScanResult.NO_SESSION: _("No session in this room now."),
    }[result]


def _plain(value, limit: int) -> bool:
    """A non-empty string of at most `limit` characters, without control characters or surrogates
    (a scanner's trailing newline is allowed: it is stripped)."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return False
    return all(
        ch >= " " and not "\ud800" <= ch <= "\udfff" and ch != "\x7f" for ch in value.strip()
    )


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


@bp.get("/device")
@limiter.limit("60 per minute")
def device_info():
    """Who this device is: the station page calls it when set up."""
    device = authenticate_device(token=_bearer_token())
    db.session.commit()
    event = device.event
    from ..programme.services import sessions

    return jsonify(
        {
            "device": {
                "id": device.id,
                "name": device.name,
                "room": device.room.tr("name") if device.room is not None else None,
            },
            "event": {"slug": event.slug, "name": event.tr("name")},
            # Checkpoints the station may pick instead of its own: each session's door.
            "sessions": [
                {
                    "id": s.id,
                    "title": s.tr("title"),
                    "room": s.room.tr("name"),
                    "starts_at": _iso(s.starts_at),
                    "ends_at": _iso(s.ends_at),
                }
                for s in sessions(event=event)
                if s.is_placed
            ],
        }
    )


@bp.post("/checkin")
@limiter.limit("600 per minute", key_func=lambda: _bearer_token() or get_remote_address())
def checkin():
    """Judge one scanned badge and store the scan; the same nonce again returns the same answer."""
    device = authenticate_device(token=_bearer_token())
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON
        payload = None
    if not isinstance(payload, dict):
        db.session.rollback()
        return json_error("invalid_json", _("Send a JSON object with code, nonce and type."), 400)
    errors = {}
    code, nonce, kind = payload.get("code"), payload.get("nonce"), payload.get("type", "entry")
    if not _plain(code, 1000):
        errors["code"] = _("The scanned text is missing, too long or holds control characters.")
    if not _plain(nonce, 64):
        errors["nonce"] = _("A nonce of 1 to 64 characters, unique per scan, is required.")
    if kind not in ("entry", "exit"):
        errors["type"] = _("Type is “entry” or “exit”.")
    session_id = payload.get("session_id")
    if session_id is not None and (
        isinstance(session_id, bool)
        or not isinstance(session_id, int)
        or not 0 < session_id < 2**31
    ):
        errors["session_id"] = _("A session id is a positive whole number.")
    if errors:
        db.session.rollback()
        return json_error("validation_failed", _("Some fields are not valid."), 422, fields=errors)

    try:
        outcome = record_scan(
            device=device,
            code=code.strip(),
            nonce=nonce.strip(),
            scan_type=ScanType(kind),
            session_id=session_id,
        )
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    scan, registration = outcome.scan, outcome.registration
    body = {
        "result": scan.result.value,
        "message": _result_message(scan.result),
        "scan": {
            "id": scan.id,
            "nonce": scan.nonce,
            "type": scan.type.value,
            "scanned_at": _iso(scan.scanned_at),
        },
        "replayed": outcome.replayed,
    }
    if scan.session is not None:
        body["session"] = {
            "id": scan.session.id,
            "title": scan.session.tr("title"),
            "room": scan.session.room.tr("name") if scan.session.room else None,
        }
        body["invited"] = outcome.invited
    if registration is not None:
        body["attendee"] = {
            "name": registration.full_name,
            "organisation": registration.organisation,
            "category": registration.category.tr("name"),
            "category_code": registration.category.code,
            "category_color": registration.category.color,
        }
        if registration.exhibitor is not None:  # exhibitor staff: the company's booth, for the door
            body["attendee"]["booth"] = ", ".join(b.code for b in registration.exhibitor.booths)
    if outcome.first_checked_in_at is not None:
        body["first_checked_in_at"] = _iso(outcome.first_checked_in_at)
    return jsonify(body)

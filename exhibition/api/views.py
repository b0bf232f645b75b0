"""JSON API v1 (token-authenticated, no CSRF)."""

from datetime import datetime

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from ..checkin.models import ScanResult, ScanType
from ..checkin.offline import (
    HANDLE_MAX_LENGTH,
    badge_code_for,
    badge_hash,
    offline_list,
    search_handle,
    search_people,
)
from ..checkin.scanning import record_scan
from ..checkin.services import authenticate_device, checkpoint_of, redeem_setup_code
from ..checkin.undo import undo_last_scan, undo_window
from ..errors import DomainError, json_error
from ..extensions import db, limiter
from ..text import parse_day

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _device():
    """The device of this request's bearer token, looked up once per request (the rate limit's
    key reads it before the view); InvalidToken or DeviceRevoked when there is none."""
    if "api_device" not in g:
        try:
            g.api_device = authenticate_device(token=_bearer_token())
        except DomainError as error:
            g.api_device = error
    if isinstance(g.api_device, DomainError):
        raise g.api_device
    return g.api_device


def _device_or_address() -> str:
    """What a device route's limit counts against: a device whose token authenticates, on its
    own; anything else (no token, an invented or a revoked one) against the client's address,
    so that inventing tokens does not make a fresh budget each time."""
    try:
        return f"device:{_device().id}"
    except DomainError:
        return get_remote_address()


def _result_message(result: ScanResult, scan_type: ScanType = ScanType.ENTRY) -> str:
    if result is ScanResult.OK and scan_type is ScanType.EXIT:
        return _("Exit recorded — see you again")
    return {
        ScanResult.OK: _("Welcome!"),
        ScanResult.ALREADY_CHECKED_IN: _("Already checked in."),
        ScanResult.INVALID: _("This is not a valid badge."),
        ScanResult.CANCELLED: _("This registration has been cancelled."),
        ScanResult.WRONG_EVENT: _("This badge is for another exhibition."),
        ScanResult.NOT_REGISTERED: _("Not registered for this session."),
        ScanResult.NO_SESSION: _("No session in this room now."),
        ScanResult.NOT_TODAY: _("The exhibition is not on today."),
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
@limiter.limit("60 per minute", key_func=_device_or_address)
def device_info():
    """Who this device is: the station page calls it when set up."""
    from ..programme.services import sessions

    device = _device()
    event = device.event
    checkpoint = checkpoint_of(device=device)
    body = jsonify(
        {
            "device": {
                "id": device.id,
                "name": device.name,
                "room": device.room.tr("name") if device.room is not None else None,
            },
            "checkpoint": {
                "id": checkpoint.id,
                "name": checkpoint.tr("name"),
                "room": checkpoint.room.tr("name") if checkpoint.room is not None else None,
                "allow_reentry": checkpoint.allow_reentry,
                "daily": checkpoint.daily,
                "print_on_arrival": checkpoint.print_on_arrival,
            },
            "event": {
                "slug": event.slug,
                "name": event.tr("name"),
                # entries on other days answer `not_today`, offline too
                "first_day": event.first_day.isoformat(),
                "last_day": event.last_day.isoformat(),
                "timezone": event.timezone,
            },
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
            "undo_seconds": int(undo_window().total_seconds()),
        }
    )
    db.session.commit()
    return body


def _scan_fields(item: dict) -> tuple[dict, dict]:
    """The fields of one scan from a JSON object, and the errors by field."""
    errors = {}
    code, nonce, kind = item.get("code"), item.get("nonce"), item.get("type", "entry")
    handle = item.get("handle")  # a search result's, instead of the code
    if handle is not None and code is not None:
        errors["handle"] = _("Send either the badge code or a search result's handle, not both.")
    elif handle is not None and not _plain(handle, HANDLE_MAX_LENGTH):
        errors["handle"] = _("The handle is empty, too long or holds control characters.")
    elif handle is None and not _plain(code, 1000):
        errors["code"] = _("The scanned text is missing, too long or holds control characters.")
    if not _plain(nonce, 64):
        errors["nonce"] = _("A nonce of 1 to 64 characters, unique per scan, is required.")
    if kind not in ("entry", "exit"):
        errors["type"] = _("Type is “entry” or “exit”.")
    session_id = item.get("session_id")
    if session_id is not None and (
        isinstance(session_id, bool)
        or not isinstance(session_id, int)
        or not 0 < session_id < 2**31
    ):
        errors["session_id"] = _("A session id is a positive whole number.")
    admit = item.get("admit", False)
    if not isinstance(admit, bool):
        errors["admit"] = _("“admit” is true or false.")
    fields = {}
    if not errors:
        fields = {
            "code": code.strip() if handle is None else None,
            "handle": handle.strip() if handle is not None else None,
            "nonce": nonce.strip(),
            "scan_type": ScanType(kind),
            "session_id": session_id,
            "admit": admit,
        }
    return fields, errors


def _with_badge_code(device, fields: dict, scanned_at=None) -> dict:
    """The scan's fields for `record_scan`: a search result's handle becomes the badge code it
    stands for (InvalidHandle when it is not this device's, or stale)."""
    handle = fields.pop("handle")
    if handle is not None:
        fields["code"] = badge_code_for(
            device=device, handle=handle, nonce=fields["nonce"], scanned_at=scanned_at
        )
    return fields


def _json_payload():
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON
        payload = None
    return payload if isinstance(payload, dict) else None


def _scan_body(outcome) -> dict:
    scan, registration = outcome.scan, outcome.registration
    body = {
        "result": scan.result.value,
        "message": _result_message(scan.result, scan.type),
        "scan": {
            "id": scan.id,
            "nonce": scan.nonce,
            "type": scan.type.value,
            "scanned_at": _iso(scan.scanned_at),
            "offline": scan.offline,
            "flagged": scan.flagged,
            "admitted": scan.admitted,
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
    if registration is not None and not registration.is_erased:
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
    return body


@bp.post("/checkin")
@limiter.limit("600 per minute", key_func=_device_or_address)
def checkin():
    """Judge one scanned badge and store the scan; the same nonce again returns the same answer."""
    device = _device()
    payload = _json_payload()
    if payload is None:
        db.session.rollback()
        return json_error("invalid_json", _("Send a JSON object with code, nonce and type."), 400)
    fields, errors = _scan_fields(payload)
    if errors:
        db.session.rollback()
        return json_error("validation_failed", _("Some fields are not valid."), 422, fields=errors)
    try:
        outcome = record_scan(device=device, **_with_badge_code(device, fields))
    except DomainError:
        db.session.rollback()
        raise
    body = _scan_body(outcome)  # before the commit, which would expire what it reads
    db.session.commit()
    return jsonify(body)


MAX_BATCH = 500


def _parse_time(value):
    """An ISO 8601 time with its offset (or Z), as an aware datetime; None if not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@bp.post("/checkin/batch")
@limiter.limit("60 per minute", key_func=_device_or_address)
def checkin_batch():
    """Scans made offline, uploaded with their own times: each is judged at its time and stored
    (flagged when the server's answer differs from the station's); a nonce already stored returns
    the stored answer, so uploading the same batch again stores nothing new."""
    device = _device()
    payload = _json_payload()
    items = payload.get("scans") if payload is not None else None
    if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH:
        db.session.rollback()
        return json_error(
            "invalid_json",
            _("Send a JSON object with a list “scans” of 1 to %(max)s scans.", max=MAX_BATCH),
            400,
        )
    results = []
    for index, item in enumerate(items):
        fields, errors = _scan_fields(item) if isinstance(item, dict) else ({}, {"scan": "object"})
        scanned_at = _parse_time(item.get("scanned_at")) if isinstance(item, dict) else None
        if scanned_at is None:
            errors["scanned_at"] = _("The time of the scan, in ISO 8601 with its offset.")
        station_result = item.get("station_result") if isinstance(item, dict) else None
        if station_result is not None and (
            not isinstance(station_result, str)
            or station_result not in {r.value for r in ScanResult}
        ):
            errors["station_result"] = _("Not a known result.")
        if errors:
            results.append(
                {"index": index, "error": {"code": "validation_failed", "fields": errors}}
            )
            continue
        try:
            fields = _with_badge_code(device, fields, scanned_at)
            with db.session.begin_nested():
                outcome = record_scan(
                    device=device,
                    scanned_at=scanned_at,
                    station_result=ScanResult(station_result) if station_result else None,
                    **fields,
                )
        except DomainError as error:
            results.append(
                {"index": index, "error": {"code": error.code, "message": str(error.message)}}
            )
            continue
        results.append({"index": index, **_scan_body(outcome)})
    db.session.commit()
    return jsonify({"results": results})


@bp.post("/checkin/undo")
@limiter.limit("60 per minute", key_func=_device_or_address)
def checkin_undo():
    """Undo this device's last scan (a mistaken scan) within the undo window."""
    device = _device()
    try:
        scan = undo_last_scan(device=device)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify(
        {
            "undone": {"id": scan.id, "nonce": scan.nonce, "result": scan.result.value},
            "message": _("The last scan has been undone."),
        }
    )


@bp.get("/checkpoint/badges")
@limiter.limit("30 per minute", key_func=_device_or_address)
def checkpoint_badges():
    """What a station needs to answer scans with no network: for every valid badge, a hash of
    its code (not the code), the name, organisation and category, who is in today, and at a
    room's door the sessions each person may enter."""
    device = _device()
    body = offline_list(device=device)
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/checkpoint/search")
@limiter.limit("120 per minute", key_func=_device_or_address)
def checkpoint_search():
    """A lost badge: find the person by name, phone, e-mail or organisation (at least 3
    characters), to check them in by hand. At most 10 answers, each with a handle to check the
    person in at this device (never the badge code, nor the e-mail or phone)."""
    device = _device()
    query = (request.args.get("q") or "").strip()[:100]
    people = search_people(device=device, query=query) if len(query) >= 3 else []
    body = {
        "results": [
            {
                "handle": search_handle(device=device, registration=p),
                "badge_hash": badge_hash(p.badge_code),  # as in the offline list
                "name": p.full_name,
                "organisation": p.organisation,
                "category": p.category.tr("name"),
                "checked_in_at": _iso(p.checked_in_at),
            }
            for p in people
        ]
    }
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/checkin/<int:scan_id>/badge.pdf")
@limiter.limit("120 per minute", key_func=_device_or_address)
def arrival_badge(scan_id: int):
    """The badge of a person this device has just let in, to print on arrival (the checkpoint
    must print on arrival; the scan must be this device's, ok, and recent)."""
    from datetime import timedelta

    from ..badges.printing import print_badges
    from ..checkin.models import Scan
    from ..dbtypes import utcnow

    device = _device()
    scan = db.session.get(Scan, scan_id)
    checkpoint = checkpoint_of(device=device)
    if (
        scan is None
        or scan.device_id != device.id
        or scan.result is not ScanResult.OK
        or scan.registration is None
        or scan.registration.is_erased
        or not checkpoint.print_on_arrival
        or scan.received_at < utcnow() - timedelta(minutes=10)
    ):
        db.session.rollback()
        return json_error("not_found", _("There is no badge to print for this scan."), 404)
    layout = request.args.get("layout", "a6")
    pdf = print_badges(
        registrations=[scan.registration], layout=layout if layout in ("a6", "card") else "a6"
    )
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="badge.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/device/setup")
@limiter.limit("10 per minute")
def device_setup():
    """Exchange a one-time set-up code (from the link or QR code) for the device's token."""
    payload = _json_payload()
    code = payload.get("code") if payload is not None else None
    try:
        device, token = redeem_setup_code(code=code if isinstance(code, str) else "")
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify({"token": token, "device": {"id": device.id, "name": device.name}})


@bp.get("/ping")
def ping():
    """A bare answer for health checks and benchmarks: no authentication, no database."""
    return jsonify({"pong": True})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document describing every route of this API."""
    from flask import current_app

    from .openapi import openapi_document

    return jsonify(openapi_document(session_cookie=current_app.config["SESSION_COOKIE_NAME"]))


@bp.get("/events/<slug>/stats")
@limiter.limit("120 per minute", key_func=_device_or_address)
def event_stats(slug: str):
    """Live figures of an exhibition's doors, for a signed-in organiser or one of its devices."""
    from flask_login import current_user

    from ..admin.access import may
    from ..admin.models import Role
    from ..checkin.stats import event_stats as compute_stats
    from ..events.services import get_event

    token = _bearer_token()
    if not current_user.is_authenticated and token is None:
        return json_error("login_required", _("Sign in as an organiser to see this."), 401)
    if current_user.is_authenticated and not may(current_user, {Role.ORGANISER}, slug):
        return json_error("forbidden", _("Your account has no organiser role here."), 403)
    event = get_event(slug=slug)
    if not current_user.is_authenticated:
        device = _device()
        if device.event_id != event.id:
            db.session.rollback()
            return json_error("wrong_event", _("This device belongs to another exhibition."), 403)
    wanted = request.args.get("day")
    day = parse_day(wanted)
    if wanted and day is None:
        db.session.rollback()
        return json_error("invalid_day", _("Give the day as YYYY-MM-DD."), 400)
    body = compute_stats(event=event, day=day)
    db.session.commit()  # a device's last-seen time
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response

"""JSON API v1 (token-authenticated, no CSRF): the bodies it takes and gives are api/schemas/."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from pydantic import ValidationError

from ..accounts.access import may
from ..accounts.models import Role
from ..badges.printing import print_badges
from ..checkin.models import Device, Scan, ScanResult, ScanType
from ..checkin.offline import badge_code_for, badge_hash, offline_list, search_handle, search_people
from ..checkin.scanning import ScanOutcome, scan_connection
from ..checkin.scanning import scan as scan_badge
from ..checkin.services import (
    DeviceRevoked,
    InvalidToken,
    authenticate_device,
    checkpoint_of,
    hash_token,
    redeem_setup_code,
)
from ..checkin.stats import event_stats as figures
from ..checkin.undo import undo_last_scan, undo_window
from ..dbtypes import utcnow
from ..errors import DomainError, json_error
from ..events.services import EventNotFound, get_event
from ..extensions import csrf, db, limiter
from ..matchmaking.attendance import Verdict, record_meeting_scan
from ..matchmaking.display import meeting_place
from ..matchmaking.sessions import sessions_of
from ..payments.matching import Received, receive
from ..payments.models import Source
from ..payments.services import settings_of, webhook_key_matches
from ..programme.services import sessions
from ..text import parse_day
from .errors import (
    InvalidDay,
    InvalidJson,
    LoginRequired,
    NoBadgeToPrint,
    NotAnOrganiser,
    ValidationFailed,
    WebhookKeyInvalid,
    WrongEvent,
)
from .limits import device_exemption, register_headers
from .openapi import openapi_document
from .schemas import answers
from .schemas.requests import (
    ARRIVAL_LAYOUTS,
    MAX_BATCH,
    BankNotification,
    BatchRequest,
    BatchScan,
    MeetingScanRequest,
    ScanRequest,
    SetupRequest,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_headers(bp)
csrf.exempt(bp)  # devices send a bearer token and the bank webhook its key, never a cookie


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
        _forget_device()  # revoked or replaced: its requests count against the address again
        raise g.api_device
    return g.api_device


# Token hashes of devices that authenticated in this process, with their ids: the rate limit's
# key is read before the view, and a scan reads its device in its own one statement; a miss is
# looked up once. Bounded: emptied when full (a venue has hundreds of devices, not thousands).
_KNOWN_DEVICES: dict[str, int] = {}
_KNOWN_MAX = 10_000
_ACTIVE_DEVICE = (
    sa.select(Device.__table__.c.id)
    .where(Device.__table__.c.token_hash == sa.bindparam("token_hash"))
    .where(Device.__table__.c.revoked_at.is_(None))
)


def _known_device_id() -> int | None:
    """The id of the device whose token this request bears, if it may scan (not revoked)."""
    token = _bearer_token()
    if token is None or len(token) > 200:
        return None
    digest = hash_token(token)
    device_id = _KNOWN_DEVICES.get(digest)
    if device_id is None:
        with db.engine.connect() as connection:
            device_id = connection.execute(_ACTIVE_DEVICE, {"token_hash": digest}).scalar()
        if device_id is not None:
            if len(_KNOWN_DEVICES) >= _KNOWN_MAX:
                _KNOWN_DEVICES.clear()
            _KNOWN_DEVICES[digest] = device_id
    return device_id


def _forget_device() -> None:
    """A token refused by a scan (revoked, replaced) is looked up again next time."""
    token = _bearer_token()
    if token is not None:
        _KNOWN_DEVICES.pop(hash_token(token), None)


def device_limit(per_minute: int):
    """A device route's rate limit: a device whose token authenticates counts on its own bucket
    (api/limits.py, no storage call); anything else (no token, an invented or a revoked one)
    against the client's address, so that inventing tokens does not make a fresh budget each
    time."""
    return limiter.limit(
        f"{per_minute} per minute",
        key_func=get_remote_address,
        exempt_when=device_exemption(per_minute, _known_device_id),
    )


def _answer(answer: type, body: dict, *, no_store: bool = False) -> Response:
    """`body` as JSON by the schema of `answer`, after committing what the request changed (a
    device's last-seen time, a scan); `no_store` for answers that hold people's names."""
    db.session.commit()
    response = jsonify(answers.dump(answer, body))
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


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


def _json_payload(*, force: bool = False):
    """The body's JSON object, or None; `force`: whatever the Content-Type says."""
    try:
        payload = request.get_json(silent=True, force=force)
    except RecursionError:  # absurdly nested JSON
        payload = None
    return payload if isinstance(payload, dict) else None


def _name(room) -> str | None:
    return room.tr("name") if room is not None else None


@bp.get("/device")
@device_limit(60)
def device_info():
    """Who this device is: the station page calls it when set up."""
    device = _device()
    event = device.event
    checkpoint = checkpoint_of(device=device)
    info = {
        "device": {"id": device.id, "name": device.name, "room": _name(device.room)},
        "checkpoint": {
            "id": checkpoint.id,
            "name": checkpoint.tr("name"),
            "room": _name(checkpoint.room),
            "allow_reentry": checkpoint.allow_reentry,
            "daily": checkpoint.daily,
            "print_on_arrival": checkpoint.print_on_arrival,
        },
        # entries on other days answer `not_today`, offline too
        "event": {
            "slug": event.slug,
            "name": event.tr("name"),
            "first_day": event.first_day,
            "last_day": event.last_day,
            "timezone": event.timezone,
        },
        # Checkpoints the station may pick instead of its own: each session's door.
        "sessions": [
            {
                "id": s.id,
                "title": s.tr("title"),
                "room": s.room.tr("name"),
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
            }
            for s in sessions(event=event)
            if s.is_placed
        ],
        "undo_seconds": int(undo_window().total_seconds()),
    }
    return _answer(answers.DeviceInfo, info)


def _scan_answer(outcome: ScanOutcome, connection) -> dict:
    """The answer to a scan (ScanAnswer); `connection` reads an exhibitor's booths."""
    answer = {
        "result": outcome.result,
        "message": _result_message(outcome.result, outcome.type),
        "scan": {
            "id": outcome.scan_id,
            "nonce": outcome.nonce,
            "type": outcome.type,
            "scanned_at": outcome.scanned_at,
            "offline": outcome.offline,
            "flagged": outcome.flagged,
            "admitted": outcome.admitted,
        },
        "replayed": outcome.replayed,
    }
    session, person = outcome.session, outcome.person
    if session is not None:
        answer["session"] = {
            "id": session.id,
            "title": session.tr("title"),
            "room": session.tr("room") or None,
        }
        answer["invited"] = outcome.invited
    if person is not None and not person.erased:
        answer["attendee"] = {
            "name": person.name,
            "organisation": person.organisation,
            "category": person.category.tr("name"),
            "category_code": person.category.code,
            "category_color": person.category.color,
        }
        booths = outcome.booths(connection)
        if booths is not None:  # exhibitor staff: the company's booth, for the door
            answer["attendee"]["booth"] = booths
    if outcome.first_checked_in_at is not None:
        answer["first_checked_in_at"] = outcome.first_checked_in_at
    return answer


def _scan(connection, scan: ScanRequest, **offline) -> ScanOutcome:
    """Judge and store a scan read from a request, by the device of its bearer token; a search
    result's handle stands for the badge code (InvalidHandle when it is not this device's, or
    stale)."""
    code = scan.code
    if scan.handle is not None:
        code = badge_code_for(
            device=_device(),
            handle=scan.handle,
            nonce=scan.nonce,
            scanned_at=offline.get("scanned_at"),
        )
    try:
        return scan_badge(
            connection,
            token=_bearer_token(),
            code=code,
            nonce=scan.nonce,
            scan_type=scan.type,
            session_id=scan.session_id,
            admit=scan.admit,
            **offline,
        )
    except (InvalidToken, DeviceRevoked):
        _forget_device()
        raise


@bp.post("/checkin")
@device_limit(600)
def checkin():
    """Judge one scanned badge and store the scan; the same nonce again returns the same answer.

    The hot path of the doors: the device, the badge and the person's day are read in one
    statement and the scan written in another (checkin/scanning.py), on a connection of its own,
    without the session or any ORM object."""
    if _known_device_id() is None:  # who asks comes first: 401 or 403 before any 400
        _device()
    payload = _json_payload()
    if payload is None:
        raise InvalidJson()
    scan, refused = ScanRequest.read(payload)
    if refused:
        error = ValidationFailed()
        return json_error(error.code, error.message, error.status, fields=refused)
    if scan.handle is not None:
        _device()  # read by the session: the scan then runs in the session's transaction
    with scan_connection() as connection:
        answer = _scan_answer(_scan(connection, scan), connection)
    return _answer(answers.ScanAnswer, answer)


def _batch_item(connection, index: int, item) -> dict:
    """The answer to one scan of a batch: its own, or why it was not taken (a refused scan
    writes nothing)."""
    scan, refused = BatchScan.read(item)
    if refused:
        return {"index": index, "error": {"code": "validation_failed", "fields": refused}}
    try:
        outcome = _scan(
            connection, scan, scanned_at=scan.scanned_at, station_result=scan.station_result
        )
    except (InvalidToken, DeviceRevoked):
        raise
    except DomainError as error:
        return {"index": index, "error": {"code": error.code, "message": str(error.message)}}
    return {"index": index, **_scan_answer(outcome, connection)}


@bp.post("/checkin/batch")
@device_limit(60)
def checkin_batch():
    """Scans made offline, uploaded with their own times: each is judged at its time and stored
    (flagged when the server's answer differs from the station's); a nonce already stored returns
    the stored answer, so uploading the same batch again stores nothing new."""
    _device()
    try:
        batch = BatchRequest.model_validate(_json_payload())
    except ValidationError as error:
        scans = _l("Send a JSON object with a list “scans” of 1 to %(max)s scans.", max=MAX_BATCH)
        raise InvalidJson(scans) from error
    with scan_connection() as connection:  # the session's: the device was read by it
        results = [_batch_item(connection, index, item) for index, item in enumerate(batch.scans)]
    return _answer(answers.BatchAnswer, {"results": results})


@bp.post("/checkin/undo")
@device_limit(60)
def checkin_undo():
    """Undo this device's last scan (a mistaken scan) within the undo window."""
    scan = undo_last_scan(device=_device())
    undone = {"id": scan.id, "nonce": scan.nonce, "result": scan.result}
    message = _("The last scan has been undone.")
    return _answer(answers.UndoAnswer, {"undone": undone, "message": message})


@bp.get("/checkpoint/badges")
@device_limit(30)
def checkpoint_badges():
    """What a station needs to answer scans with no network: for every valid badge, a hash of
    its code (not the code), the name, organisation and category, who is in today, and at a
    room's door the sessions each person may enter."""
    return _answer(answers.OfflineList, offline_list(device=_device()), no_store=True)


@bp.get("/checkpoint/search")
@device_limit(120)
def checkpoint_search():
    """A lost badge: find the person by name, phone, e-mail or organisation (at least 3
    characters), to check them in by hand. At most 10 answers, each with a handle to check the
    person in at this device (never the badge code, nor the e-mail or phone)."""
    device = _device()
    query = (request.args.get("q") or "").strip()[:100]
    people = search_people(device=device, query=query) if len(query) >= 3 else []
    results = [
        {
            "handle": search_handle(device=device, registration=p),
            "badge_hash": badge_hash(p.badge_code),  # as in the offline list
            "name": p.full_name,
            "organisation": p.organisation,
            "category": p.category.tr("name"),
            "checked_in_at": p.checked_in_at,
        }
        for p in people
    ]
    return _answer(answers.SearchAnswer, {"results": results}, no_store=True)


@bp.post("/checkin/<int:scan_id>/badge.pdf")
@device_limit(120)
def arrival_badge(scan_id: int):
    """The badge of a person this device has just let in, to print on arrival (the checkpoint
    must print on arrival; the scan must be this device's, ok, and recent)."""
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
        raise NoBadgeToPrint()
    layout = request.args.get("layout")
    pdf = print_badges(
        registrations=[scan.registration],
        layout=layout if layout in ARRIVAL_LAYOUTS else ARRIVAL_LAYOUTS[0],
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
    try:
        code = SetupRequest.model_validate(_json_payload()).code
    except ValidationError:
        code = ""  # answered as a spent or wrong code
    device, token = redeem_setup_code(code=code)
    return _answer(
        answers.SetupAnswer, {"token": token, "device": {"id": device.id, "name": device.name}}
    )


@bp.get("/ping")
def ping():
    """A bare answer for health checks and benchmarks: no authentication, no database."""
    return jsonify(answers.dump(answers.Ping, {"pong": True}))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document describing every route of this API."""
    return jsonify(openapi_document(session_cookie=current_app.config["SESSION_COOKIE_NAME"]))


@bp.get("/events/<slug>/stats")
@device_limit(120)
def event_stats(slug: str):
    """Live figures of an exhibition's doors, for a signed-in organiser or one of its devices."""
    token = _bearer_token()
    if not current_user.is_authenticated and token is None:
        raise LoginRequired()
    if current_user.is_authenticated and not may(current_user, {Role.ORGANISER}, slug):
        raise NotAnOrganiser()
    event = get_event(slug=slug)
    if not current_user.is_authenticated and _device().event_id != event.id:
        raise WrongEvent()
    wanted = request.args.get("day")
    day = parse_day(wanted)
    if wanted and day is None:
        raise InvalidDay()
    return _answer(answers.Stats, figures(event=event, day=day), no_store=True)


# ---------------------------------------------------------------- the bank-notification webhook


def _webhook_event(slug: str):
    """The exhibition whose webhook key this request carries (`Authorization: Apikey <key>`),
    looked up once per request (the rate limit's key reads it before the view).
    WebhookKeyInvalid for a missing or wrong key, and alike for an exhibition that does not exist
    or has no key yet: the key is compared in every case, so the answer does not tell them apart."""
    if "webhook_event" not in g:
        scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
        try:
            event = get_event(slug=slug)
        except EventNotFound:
            event = None
        settings = settings_of(event) if event is not None else None
        given = key.strip() if scheme.lower() == "apikey" else ""
        matches = webhook_key_matches(settings, given)
        g.webhook_event = event if matches and given else None
    if g.webhook_event is None:
        raise WebhookKeyInvalid()
    return g.webhook_event


def _webhook_or_address() -> str:
    """What the webhook's limit counts against: an exhibition whose key is right, on its own;
    wrong keys against the client's address, so that guessing cannot use up the budget of the
    exhibition's own notifications."""
    slug = (request.view_args or {}).get("slug", "")
    try:
        return f"webhook:{_webhook_event(slug).id}"
    except DomainError:
        return get_remote_address()


def _digits(account: str) -> str:
    return "".join(ch for ch in account if ch.isalnum()).upper()


@bp.post("/events/<slug>/payments/webhook")
@limiter.limit("600 per minute", key_func=_webhook_or_address)
def payments_webhook(slug: str):
    """A bank-notification service (SePay) tells of a transfer on the exhibition's account: an
    incoming one is stored once (by the service's id and the bank's reference) and applied to
    the payment request its memo names. A delivery received before changes nothing."""
    event = _webhook_event(slug)
    payload = _json_payload(force=True)
    if payload is None:
        raise InvalidJson(_l("Send the bank notification as a JSON object."))
    notification, refused = BankNotification.read(payload)
    if refused:
        db.session.rollback()
        error = ValidationFailed()
        return json_error(error.code, error.message, error.status, fields=refused)
    if notification.transfer_type == "out":
        return _answer(answers.WebhookAnswer, {"success": True, "ignored": "outgoing"})
    settings = settings_of(event)
    if _digits(notification.account_number) != _digits(settings.account_number):
        return _answer(answers.WebhookAnswer, {"success": True, "ignored": "other_account"})
    moment = notification.transaction_date
    if moment.tzinfo is not None:  # a local time as the bank writes it is the exhibition's
        moment = moment.astimezone(event.tz)
    transaction, new = receive(
        event=event,
        item=Received(
            amount_vnd=notification.transfer_amount,
            booked_on=moment.date(),
            memo=notification.content or "",
            bank_reference=notification.reference_code or "",
            counterparty="",
            account_number=notification.account_number,
            provider_id=notification.provider_id,
        ),
        source=Source.WEBHOOK,
    )
    answer = {"success": True, "outcome": transaction.outcome, "duplicate": not new}
    return _answer(answers.WebhookAnswer, answer)


# ---------------------------------------------------------------- business matching at the table


def _meeting_person(participant) -> dict:
    return {"name": participant.name, "company": participant.company}


def _meeting_scan_message(outcome) -> str:
    if outcome.verdict is Verdict.OK:
        names = ", ".join(p.name for p in outcome.missing)
        return _("Welcome! Still to come: %(names)s.", names=names)
    return {
        Verdict.HELD: _("Both are here: the meeting is held."),
        Verdict.NOT_YOUR_MEETING: _("Not your meeting: this place has another meeting now."),
        Verdict.NO_MEETING: _("No meeting at this place now."),
        Verdict.INVALID: _("This is not a valid badge."),
    }[outcome.verdict]


@bp.get("/events/<slug>/matchmaking/places")
@device_limit(60)
def matchmaking_places(slug: str):
    """The exhibition's matchmaking sessions and their places (tables, booths), for a station
    to choose the one it stands at."""
    device = _device()
    if device.event.slug != slug:
        raise WrongEvent()
    sessions = [
        {
            "id": s.id,
            "name": s.tr("name"),
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "tables": s.table_count,
            "booths": [
                {
                    "id": h.exhibitor_id,
                    "name": " · ".join(
                        filter(
                            None,
                            [
                                ", ".join(b.code for b in h.exhibitor.booths),
                                h.exhibitor.tr("company_name"),
                            ],
                        )
                    ),
                }
                for h in s.hosts
            ],
        }
        for s in sessions_of(event=device.event)
    ]
    return _answer(answers.MeetingSessions, {"sessions": sessions})


@bp.post("/events/<slug>/matchmaking/scan")
@device_limit(600)
def matchmaking_scan(slug: str):
    """A badge scanned at a business-matching table or booth: marks that side of the meeting
    there present (held when both are); the same badge again changes nothing."""
    device = _device()
    if device.event.slug != slug:
        raise WrongEvent()
    payload = _json_payload()
    if payload is None:
        raise InvalidJson(_l("Send a JSON object with code, session_id and table or booth."))
    scan, refused = MeetingScanRequest.read(payload)
    if refused:
        db.session.rollback()
        error = ValidationFailed()
        return json_error(error.code, error.message, error.status, fields=refused)
    outcome = record_meeting_scan(
        device=device,
        session_id=scan.session_id,
        code=scan.code,
        table=scan.table,
        exhibitor_id=scan.booth,
        scanned_at=scan.scanned_at,
    )
    answer = {"result": outcome.verdict.value, "message": _meeting_scan_message(outcome)}
    registration = outcome.registration
    if registration is not None:
        answer["person"] = {"name": registration.full_name, "company": registration.organisation}
    if outcome.meeting is not None:
        meeting = outcome.meeting
        answer["meeting"] = {
            "id": meeting.id,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "place": meeting_place(meeting),
        }
        answer["missing"] = [_meeting_person(p) for p in outcome.missing]
    return _answer(answers.MeetingScanAnswer, answer, no_store=True)

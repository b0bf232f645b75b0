"""The OpenAPI 3.1 document of the JSON API v1, served at /api/v1/openapi.json.

Its schemas come from the models the views validate and answer with (api/schemas/); the paths'
prose, parameters and examples are written here, next to the views they describe (api/views.py).
tests/api/test_openapi.py checks that every route of the `api` blueprint is here with the same
methods, that the document is valid, and runs schemathesis against it: a route added without its
description fails the suite.
"""

from flask_babel import force_locale

from .errors import error_table
from .schemas import component_schemas
from .schemas.answers import (
    BatchAnswer,
    DeviceInfo,
    Error,
    MeetingScanAnswer,
    MeetingSessions,
    OfflineList,
    Ping,
    ScanAnswer,
    SearchAnswer,
    SetupAnswer,
    Stats,
    UndoAnswer,
    WebhookAnswer,
)
from .schemas.fields import EXAMPLE_CODE, EXAMPLE_NONCE, EXAMPLE_TIME, REF
from .schemas.requests import (
    ARRIVAL_LAYOUTS,
    EXAMPLE_NOTIFICATION,
    BankNotification,
    BatchRequest,
    MeetingScanRequest,
    ScanRequest,
    SetupRequest,
)

API = "/api/v1"
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
EXAMPLE_SLUG = "cnht-haiphong-2021"


def _ref(model: type) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _errors(*codes: str, refused: tuple[type, str] = (ScanRequest, "nonce")) -> dict:
    """The error responses for these codes, grouped by status; every operation may also answer
    `400 bad_request` (a NUL character anywhere in the URL, refused before the view runs).
    `refused`: the body and the field of the `validation_failed` example."""
    errors = error_table()
    by_status: dict[int, list[str]] = {}
    for code in (*codes, "bad_request"):
        by_status.setdefault(errors[code][0], []).append(code)
    responses = {}
    for status, group in sorted(by_status.items()):
        examples = {}
        for code in group:
            error = {"code": code, "message": errors[code][1]}
            if code == "validation_failed":
                with force_locale("en"):
                    body, field = refused
                    error["fields"] = {field: str(body.REFUSALS[field])}
            examples[code] = {"value": {"error": error}}
        responses[str(status)] = {
            "description": " or ".join(f"`{code}`" for code in group),
            "content": {"application/json": {"schema": _ref(Error), "examples": examples}},
        }
    return responses


NO_STORE = {"Cache-Control": {"schema": {"const": "no-store"}, "required": True}}
DEVICE = [{"deviceToken": []}]
DEVICE_ERRORS = ("invalid_token", "device_revoked", "too_many_requests")


def _operation(
    operation_id: str,
    summary: str,
    answer: type,
    answered: str,
    *,
    errors: tuple[str, ...] = DEVICE_ERRORS,
    security: list = DEVICE,
    example=None,
    no_store: bool = False,
    **more,
) -> dict:
    """An operation answering 200 with `answer` (described as `answered`, with `example`) or one
    of `errors`; `more`: its description, parameters, request body."""
    content = {"schema": _ref(answer)}
    if example is not None:
        content["example"] = example
    success = {"description": answered, "content": {"application/json": content}}
    if no_store:
        success["headers"] = NO_STORE
    return {
        "operationId": operation_id,
        "summary": summary,
        "security": security,
        **more,
        "responses": {"200": success, **_errors(*errors)},
    }


def _body(model: type, example: dict) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref(model), "example": example}},
    }


def _parameter(name: str, where: str, schema: dict, **more) -> dict:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, **more}


SCAN_EXAMPLE = {
    "result": "ok",
    "message": "Welcome!",
    "attendee": {
        "name": "Nguyễn Thị Hồng Nhung",
        "organisation": "Công ty TNHH Cơ khí Hải An",
        "category": "Trade visitor",
        "category_code": "trade",
        "category_color": "#1f6feb",
    },
    "scan": {
        "id": 41,
        "nonce": EXAMPLE_NONCE,
        "type": "entry",
        "scanned_at": EXAMPLE_TIME,
        "offline": False,
        "flagged": False,
        "admitted": False,
    },
    "replayed": False,
}
OFFLINE_SCAN = {
    "code": EXAMPLE_CODE,
    "nonce": "off-1",
    "type": "entry",
    "scanned_at": EXAMPLE_TIME,
    "station_result": "ok",
}
SCAN_ERRORS = ("nonce_reused", "too_large", "validation_failed", "unknown_session")


SEARCH_QUERY = _parameter(
    "q",
    "query",
    {"type": "string"},
    description="Name, phone, e-mail or organisation; fewer than 3 characters find nobody, past "
    "100 are ignored.",
    example="nhung hai an",
)


def _scan_paths() -> dict:
    return {
        f"{API}/checkin": {
            "post": _operation(
                "checkin",
                "Judge one scanned badge and store the scan",
                ScanAnswer,
                "The answer for the door; refusals (`invalid`, `cancelled`, `wrong_event`, "
                "`already_checked_in`, ...) are answers too.",
                example=SCAN_EXAMPLE,
                errors=("invalid_json", *DEVICE_ERRORS, *SCAN_ERRORS, "invalid_handle"),
                description="The badge is given by its `code`, or by a search result's `handle`. "
                "The same nonce again returns the stored answer (`replayed`) and stores nothing "
                "new; the same nonce with another code or type is `409 nonce_reused`. Over 600 "
                "scans a minute per device: 429. Requests with no token or one that does not "
                "authenticate share 600 a minute per client address.",
                requestBody=_body(
                    ScanRequest, {"code": EXAMPLE_CODE, "nonce": EXAMPLE_NONCE, "type": "entry"}
                ),
            )
        },
        f"{API}/checkin/batch": {
            "post": _operation(
                "checkinBatch",
                "Upload scans made offline, each judged at its own time",
                BatchAnswer,
                "One result per scan sent, in order.",
                example={"results": [{"index": 0, **SCAN_EXAMPLE}]},
                errors=("invalid_json", *DEVICE_ERRORS, "too_large"),
                description="Every scan gets its own answer in `results`, by `index`: the scan's "
                "answer, or an error (`validation_failed` with `fields`, `bad_scan_time`, "
                "`nonce_reused`, `unknown_session`, `invalid_handle`). Uploading the same batch "
                "again stores nothing new.",
                requestBody=_body(BatchRequest, {"scans": [OFFLINE_SCAN]}),
            )
        },
        f"{API}/checkin/undo": {
            "post": _operation(
                "checkinUndo",
                "Undo this device's last scan (within the undo window)",
                UndoAnswer,
                "The scan that was undone.",
                errors=(*DEVICE_ERRORS, "nothing_to_undo"),
            )
        },
    }


def _other_paths() -> dict:
    # Long for a reason: a table of data, one entry per path with its prose and examples.
    return {
        f"{API}/device": {
            "get": _operation(
                "deviceInfo",
                "Who this device is, its checkpoint and the sessions it may serve",
                DeviceInfo,
                "The device, checkpoint and event.",
            )
        },
        f"{API}/checkpoint/badges": {
            "get": _operation(
                "checkpointBadges",
                "The list a station keeps to answer scans with no network",
                OfflineList,
                "Every valid badge.",
                no_store=True,
                description="Badges are known by a SHA-256 hash of their code, never by the code "
                "itself.",
            )
        },
        f"{API}/checkpoint/search": {
            "get": _operation(
                "checkpointSearch",
                "Find a person with a lost badge (at most 10 answers)",
                SearchAnswer,
                "Confirmed registrations that match.",
                no_store=True,
                description="Each answer has a handle to check the person in at this device, "
                "never the badge code, the e-mail or the phone number.",
                parameters=[SEARCH_QUERY],
            )
        },
        f"{API}/checkin/{{scan_id}}/badge.pdf": {"post": _arrival_badge()},
        f"{API}/device/setup": {
            "post": _operation(
                "deviceSetup",
                "Exchange a one-time set-up code for the device's token",
                SetupAnswer,
                "The device's new token (shown once).",
                errors=("too_large", "setup_code_invalid", "too_many_requests"),
                security=[],
                description="The code comes from the set-up link or its QR code; it works once. "
                "Any copy of the device's previous token stops working.",
                requestBody=_body(SetupRequest, {"code": "o3Zr6w1mPp0kqV8yJ2xT4bN7cD5eF9gH"}),
            )
        },
        f"{API}/ping": {
            "get": _operation(
                "ping",
                "Health check: no authentication, no database",
                Ping,
                "Always.",
                example={"pong": True},
                errors=(),
                security=[],
            )
        },
        f"{API}/events/{{slug}}/stats": {"get": _event_stats()},
        f"{API}/events/{{slug}}/payments/webhook": {"post": _payments_webhook()},
        f"{API}/events/{{slug}}/matchmaking/scan": {"post": _meeting_scan()},
        f"{API}/events/{{slug}}/matchmaking/places": {
            "get": _operation(
                "matchmakingPlaces",
                "The matchmaking sessions and their places, for a station to choose its own",
                MeetingSessions,
                "The sessions, earliest first, with their number of tables and the exhibitors "
                "receiving meetings at their booths.",
                errors=(*DEVICE_ERRORS, "wrong_event"),
                parameters=[_parameter("slug", "path", {"type": "string"}, example=EXAMPLE_SLUG)],
            )
        },
        f"{API}/openapi.json": {"get": _document()},
    }


def _arrival_badge() -> dict:
    pdf = {"schema": {"type": "string", "contentMediaType": "application/pdf"}}
    return {
        "operationId": "arrivalBadge",
        "summary": "The badge of a person this device has just let in, to print",
        "description": "Only at a checkpoint that prints on arrival, for this device's own `ok` "
        "scan of the last 10 minutes.",
        "security": DEVICE,
        "parameters": [
            _parameter(
                "scan_id",
                "path",
                {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                example=41,
            ),
            _parameter(
                "layout",
                "query",
                {
                    "type": "string",
                    "default": ARRIVAL_LAYOUTS[0],
                    "examples": list(ARRIVAL_LAYOUTS),
                },
                description="A6 page or 90 x 54 mm card; anything else is A6.",
            ),
        ],
        "responses": {
            "200": {
                "description": "The badge as PDF.",
                "headers": NO_STORE,
                "content": {"application/pdf": pdf},
            },
            **_errors(*DEVICE_ERRORS, "not_found"),
        },
    }


def _event_stats() -> dict:
    return _operation(
        "eventStats",
        "Live figures of an exhibition's doors",
        Stats,
        "The figures.",
        no_store=True,
        errors=(
            "invalid_day",
            "invalid_token",
            "login_required",
            "device_revoked",
            "forbidden",
            "wrong_event",
            "event_not_found",
            "too_many_requests",
        ),
        security=[{"deviceToken": []}, {"organiserSession": []}],
        description="For a signed-in organiser of the exhibition (session cookie) or one of its "
        "devices.",
        parameters=[
            _parameter("slug", "path", {"type": "string"}, example=EXAMPLE_SLUG),
            _parameter(
                "day",
                "query",
                {"type": "string", "format": "date", "pattern": DAY},
                description="A local day (default: today) for the figures per quarter hour and "
                "the refusals.",
            ),
        ],
    )


WEBHOOK_ERRORS = (
    "invalid_json",
    "invalid_webhook_key",
    "too_large",
    "validation_failed",
    "too_many_requests",
)


def _payments_webhook() -> dict:
    operation = _operation(
        "paymentsWebhook",
        "A bank-notification service tells of a transfer on the exhibition's account",
        WebhookAnswer,
        "Received (`success`): what the transfer did, or why it was ignored.",
        example={"success": True, "outcome": "paid", "duplicate": False},
        errors=WEBHOOK_ERRORS,
        security=[{"webhookKey": []}],
        description="The JSON SePay posts (and the services shaped like it), authenticated by "
        "the exhibition's webhook key (`Authorization: Apikey <key>`, made on the payment "
        "settings page). An incoming transfer to the exhibition's receiving account is stored "
        "once and applied to the payment request whose reference its memo carries: delivering "
        "it again (the same `id`, or the same bank reference, say from an imported statement) "
        "answers `duplicate: true` and changes nothing. Outgoing transfers and transfers to "
        "another account answer `ignored`. A wrong key, and an exhibition that does not exist, "
        "are `401 invalid_webhook_key` alike. Over 600 notifications a minute per exhibition: "
        "429.",
        parameters=[_parameter("slug", "path", {"type": "string"}, example=EXAMPLE_SLUG)],
        requestBody=_body(BankNotification, EXAMPLE_NOTIFICATION),
    )
    # The example of a body refused field by field names one of this body's own fields.
    refused = (BankNotification, "transferAmount")
    operation["responses"].update(_errors(*WEBHOOK_ERRORS, refused=refused))
    return operation


MEETING_SCAN_ERRORS = (
    "invalid_json",
    *DEVICE_ERRORS,
    "wrong_event",
    "too_large",
    "validation_failed",
    "unknown_place",
    "bad_scan_time",
)


def _meeting_scan() -> dict:
    operation = _operation(
        "matchmakingScan",
        "A badge scanned at a business-matching table or booth",
        MeetingScanAnswer,
        "The answer for the station; refusals (`not_your_meeting`, `no_meeting`, `invalid`) "
        "are answers too.",
        example={
            "result": "ok",
            "message": "Welcome! Still to come: Trần Văn Minh.",
            "person": {"name": "Nguyễn Thị Hồng Nhung", "company": "Công ty TNHH Cơ khí Hải An"},
            "meeting": {
                "id": 7,
                "starts_at": EXAMPLE_TIME,
                "ends_at": EXAMPLE_TIME,
                "place": "Table 3 · Meeting room B",
            },
            "missing": [{"name": "Trần Văn Minh", "company": "Công ty CP Nhựa Tiền Phong"}],
        },
        errors=MEETING_SCAN_ERRORS,
        no_store=True,
        description="A station (a device of the exhibition) set up for a table of a session, "
        "or for an exhibitor's booth, scans both people's badges. The meeting at that place "
        "whose window (10 minutes before its start until its end) holds the scan's time is "
        "marked present for that person (the booth's representative stands for the "
        "exhibitor); `held` when both are in. Scanning the same badge again keeps the first "
        "time. A meeting whose end has passed with a side not scanned counts that side as a "
        "no-show.",
        parameters=[_parameter("slug", "path", {"type": "string"}, example=EXAMPLE_SLUG)],
        requestBody=_body(MeetingScanRequest, {"code": EXAMPLE_CODE, "session_id": 1, "table": 3}),
    )
    refused = (MeetingScanRequest, "session_id")
    operation["responses"].update(_errors(*MEETING_SCAN_ERRORS, refused=refused))
    return operation


def _document() -> dict:
    return {
        "operationId": "openapi",
        "summary": "This document",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI document of this API.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **_errors(),
        },
    }


def _matching_paths() -> dict:
    from .openapi_matching import matching_paths  # it builds on this module's helpers

    return matching_paths()


def _lead_paths() -> dict:
    from .openapi_leads import lead_paths  # it builds on this module's helpers

    return lead_paths()


def _scanner_scheme() -> dict:
    from .openapi_leads import SECURITY_SCHEME  # it builds on this module's helpers

    return SECURITY_SCHEME


def _news_paths() -> dict:
    from .openapi_news import news_paths  # it builds on this module's helpers

    return news_paths()


def openapi_document(*, session_cookie: str = "session") -> dict:
    """The OpenAPI document of the API (`session_cookie`: the name of Flask's session cookie)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Exhibition check-in API",
            "version": "1",
            "description": "The JSON API of check-in stations and booth scanners, and the "
            "webhook of bank notifications for booth fees. Stations authenticate with their "
            "device token and booth scanners with theirs (`Authorization: Bearer …`), a "
            "bank-notification service with the exhibition's "
            "webhook key (`Authorization: Apikey …`), a business-matching participant with the "
            "secret of their “my registration” link in the path (`/api/v1/matching/{token}`); "
            "errors are "
            '`{"error": {"code", "message"}}` with a stable code. Messages are in '
            "Vietnamese, or in English after a request with `?lang=en`.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "paths": {
            **_scan_paths(),
            **_other_paths(),
            **_lead_paths(),
            **_matching_paths(),
            **_news_paths(),
        },
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {
                "scannerToken": _scanner_scheme(),
                "deviceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A device's token, from `flask devices create` or a "
                    "one-time set-up link (`POST /api/v1/device/setup`).",
                },
                "webhookKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Apikey ` and an exhibition's webhook key, as a "
                    "bank-notification service such as SePay sends it. The key is made (and "
                    "made again, which stops the old one) on the exhibition's payment settings "
                    "page, and shown once.",
                },
                "organiserSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": session_cookie,
                    "description": "The session of an organiser signed in at /admin/login.",
                },
            },
        },
    }

"""The OpenAPI 3.1 document of the JSON API v1, served at /api/v1/openapi.json.

Written by hand next to the views it describes (api/views.py). tests/api/test_openapi.py checks
that every route of the `api` blueprint is here with the same methods, that the document is valid,
and runs schemathesis against it: a route added without its description fails the suite.
"""

from ..checkin.models import ScanResult
from ..checkin.offline import HANDLE_MAX_AGE, HANDLE_MAX_LENGTH

API = "/api/v1"
MAX_BATCH = 500  # api/views.py refuses larger batches; kept equal by a test

# A text the station scanned or generated: at least one visible character, no control
# characters inside (a scanner's leading or trailing whitespace, such as "\r\n", is stripped).
_CTRL = r"\u0000-\u001f\u007f"
PLAIN_TEXT = rf"^\s*[^\s{_CTRL}](?:[^{_CTRL}]*[^\s{_CTRL}])?\s*$"
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SCAN_RESULTS = [result.value for result in ScanResult]

# Example values: what a station of the demo exhibition (`flask seed-demo`) would see.
EXAMPLE_CODE = "K7Q2M4XZB3H6TAW5R2N4P7C3ZA"
EXAMPLE_HANDLE = "WzQsMTJd.aRmxgA.0ZqJ8m6yDq7m0cUu4Jc6Wn1Xh9o"
HANDLE_MINUTES = int(HANDLE_MAX_AGE.total_seconds() // 60)
EXAMPLE_TIME = "2026-10-08T02:15:03.120000Z"
EXAMPLE_SLUG = "cnht-haiphong-2021"


def _string(**extra) -> dict:
    return {"type": "string", **extra}


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required is None:
        required = list(properties)
    if required:
        schema["required"] = required
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


INTEGER_ID = {"type": "integer", "minimum": 1}
TIME = _string(format="date-time", examples=[EXAMPLE_TIME])

SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": _string(
                        description="Stable machine-readable code, e.g. `invalid_token`."
                    ),
                    "message": _string(description="For people, in the request's language."),
                    "fields": {
                        "type": "object",
                        "description": "With `validation_failed`: what is wrong, by field.",
                        "additionalProperties": {"type": "string"},
                    },
                },
                required=["code", "message"],
            )
        },
        description="Every error of the API has this shape (exhibition/errors.py `json_error`).",
    ),
    "ScanRequest": _object(
        {
            "code": _string(
                minLength=1,
                maxLength=1000,
                pattern=PLAIN_TEXT,
                description="The text read from the badge's QR code (or typed).",
                examples=[EXAMPLE_CODE],
            ),
            "handle": _string(
                minLength=1,
                maxLength=HANDLE_MAX_LENGTH,
                pattern=PLAIN_TEXT,
                description="Instead of `code`: a person's `handle` from a search "
                "(`GET /checkpoint/search`) by this device, used within "
                f"{HANDLE_MINUTES} minutes of the search (for a scan made offline: its "
                "`scanned_at`). Another device's, a changed or a stale handle is "
                "`422 invalid_handle`.",
                examples=[EXAMPLE_HANDLE],
            ),
            "nonce": _string(
                minLength=1,
                maxLength=64,
                pattern=PLAIN_TEXT,
                description="Unique per scan of this device: sending it again returns the "
                "stored answer instead of storing a second scan.",
                examples=["3f0c1c9e-5d1a-4a53-9a51-2b5b3a9d6e10"],
            ),
            "type": {"enum": ["entry", "exit"], "default": "entry"},
            "session_id": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": 2**31 - 1,
                "description": "At a session's door: the session the person enters.",
            },
            "admit": {
                "type": "boolean",
                "default": False,
                "description": "The operator lets the person in although the last answer was "
                "`not_today` (the exhibition is not on that day): judged as on an exhibition day.",
            },
        },
        required=["nonce"],
        oneOf=[{"required": ["code"]}, {"required": ["handle"]}],
        description="A scan: exactly one of `code` (what the badge holds) and `handle` (a "
        "search result's).",
    ),
    "BatchScan": {
        "allOf": [
            _ref("ScanRequest"),
            _object(
                {
                    "scanned_at": _string(
                        format="date-time",
                        maxLength=40,
                        description="When the scan was made, with its offset (or Z); at most "
                        "7 days ago and not in the future.",
                        examples=[EXAMPLE_TIME],
                    ),
                    "station_result": {
                        "enum": [*SCAN_RESULTS, None],
                        "description": "What the station answered offline; the scan is "
                        "flagged when the server's answer differs.",
                    },
                },
                required=["scanned_at"],
            ),
        ]
    },
    "Attendee": _object(
        {
            "name": _string(),
            "organisation": _string(),
            "category": _string(description="The category's name in the request's language."),
            "category_code": _string(),
            "category_color": _string(examples=["#1f6feb"]),
            "booth": _string(description="Exhibitor staff: their company's booths."),
        },
        required=["name", "organisation", "category", "category_code", "category_color"],
    ),
    "Scan": _object(
        {
            "id": INTEGER_ID,
            "nonce": _string(),
            "type": {"enum": ["entry", "exit"]},
            "scanned_at": TIME,
            "offline": {"type": "boolean"},
            "flagged": {"type": "boolean"},
            "admitted": {
                "type": "boolean",
                "description": "Let in by the operator on a day the exhibition is not on.",
            },
        }
    ),
    "ScanAnswer": _object(
        {
            "result": {"enum": SCAN_RESULTS},
            "message": _string(description="What the station shows, in the request's language."),
            "scan": _ref("Scan"),
            "replayed": {
                "type": "boolean",
                "description": "True when the nonce was sent before: this is the stored answer.",
            },
            "attendee": _ref("Attendee"),
            "first_checked_in_at": TIME,
            "session": _object(
                {"id": INTEGER_ID, "title": _string(), "room": _nullable(_string())}
            ),
            "invited": {"type": "boolean"},
        },
        required=["result", "message", "scan", "replayed"],
    ),
    "BatchResult": {
        "oneOf": [
            {
                "allOf": [
                    _object({"index": {"type": "integer", "minimum": 0}}),
                    _ref("ScanAnswer"),
                ]
            },
            _object(
                {
                    "index": {"type": "integer", "minimum": 0},
                    "error": _object(
                        {
                            "code": _string(),
                            "message": _string(),
                            "fields": {"type": "object", "additionalProperties": _string()},
                        },
                        required=["code"],
                    ),
                }
            ),
        ]
    },
    "DeviceInfo": _object(
        {
            "device": _object({"id": INTEGER_ID, "name": _string(), "room": _nullable(_string())}),
            "checkpoint": _object(
                {
                    "id": INTEGER_ID,
                    "name": _string(),
                    "room": _nullable(_string()),
                    "allow_reentry": {"type": "boolean"},
                    "daily": {"type": "boolean"},
                    "print_on_arrival": {"type": "boolean"},
                }
            ),
            "event": _object(
                {
                    "slug": _string(),
                    "name": _string(),
                    "first_day": _string(format="date"),
                    "last_day": _string(format="date"),
                    "timezone": _string(examples=["Asia/Ho_Chi_Minh"]),
                }
            ),
            "sessions": {
                "type": "array",
                "description": "Sessions whose door the station may act as.",
                "items": _object(
                    {
                        "id": INTEGER_ID,
                        "title": _string(),
                        "room": _string(),
                        "starts_at": TIME,
                        "ends_at": TIME,
                    }
                ),
            },
            "undo_seconds": {"type": "integer", "minimum": 0},
        }
    ),
    "OfflineList": _object(
        {
            "generated_at": TIME,
            "checkpoint": _object(
                {
                    "id": INTEGER_ID,
                    "room_id": _nullable(INTEGER_ID),
                    "allow_reentry": {"type": "boolean"},
                    "daily": {"type": "boolean"},
                }
            ),
            "event_id": INTEGER_ID,
            "badges": {
                "type": "array",
                "items": _object(
                    {
                        "h": _string(
                            pattern="^[0-9a-f]{64}$",
                            description="SHA-256 (hex) of the badge code in upper case.",
                        ),
                        "n": _string(description="Name."),
                        "o": _string(description="Organisation."),
                        "c": {
                            "type": "array",
                            "items": _string(),
                            "minItems": 2,
                            "maxItems": 2,
                            "description": "Category in Vietnamese and in English.",
                        },
                        "k": _string(description="Category colour."),
                        "b": _string(description="Booths, for exhibitor staff."),
                        "in": TIME,
                        "out": {
                            "type": "boolean",
                            "description": "Came in today (`in`) and went out since.",
                        },
                        "s": {
                            "type": "array",
                            "items": INTEGER_ID,
                            "description": "At a room's door: sessions the person may enter.",
                        },
                    },
                    required=["h", "n", "o", "c", "k"],
                ),
            },
        }
    ),
    "SearchAnswer": _object(
        {
            "results": {
                "type": "array",
                "maxItems": 10,
                "items": _object(
                    {
                        "handle": _string(
                            maxLength=HANDLE_MAX_LENGTH,
                            description="Checks the person in at this device (`POST /checkin` "
                            f"with `handle` instead of `code`) within {HANDLE_MINUTES} minutes; "
                            "it is not the badge code and cannot be turned into one.",
                            examples=[EXAMPLE_HANDLE],
                        ),
                        "badge_hash": _string(
                            pattern="^[0-9a-f]{64}$",
                            description="The hash the offline list knows the badge by (`h`), "
                            "for a station that answers offline.",
                        ),
                        "name": _string(),
                        "organisation": _string(),
                        "category": _string(),
                        "checked_in_at": _nullable(TIME),
                    }
                ),
            }
        }
    ),
    "UndoAnswer": _object(
        {
            "undone": _object(
                {"id": INTEGER_ID, "nonce": _string(), "result": {"enum": SCAN_RESULTS}}
            ),
            "message": _string(),
        }
    ),
    "Stats": _object(
        {
            "event": _object({"slug": _string(), "name": _string(), "timezone": _string()}),
            "generated_at": TIME,
            "day": _string(format="date"),
            "today": _string(format="date"),
            "days": {"type": "array", "items": _string(format="date")},
            "totals": _object(
                {
                    name: {"type": "integer", "minimum": 0}
                    for name in ("registered", "checked_in", "inside_now", "flagged", "refused")
                }
            ),
            "per_quarter_hour": {
                "type": "array",
                "items": _object(
                    {
                        "start": TIME,
                        "time": _string(pattern="^[0-9]{2}:[0-9]{2}$"),
                        "count": {"type": "integer", "minimum": 0},
                    }
                ),
            },
            "by_category": {
                "type": "array",
                "items": _object(
                    {
                        "code": _string(),
                        "name": _string(),
                        "color": _string(),
                        "registered": {"type": "integer", "minimum": 0},
                        "checked_in": {"type": "integer", "minimum": 0},
                    }
                ),
            },
            "by_province": {
                "type": "array",
                "items": _object(
                    {
                        "code": _nullable(_string()),
                        "name": _nullable(_string()),
                        "registered": {"type": "integer", "minimum": 0},
                        "checked_in": {"type": "integer", "minimum": 0},
                    }
                ),
            },
            "by_checkpoint": {
                "type": "array",
                "items": _object(
                    {
                        "id": INTEGER_ID,
                        "name": _string(),
                        "entrance": {"type": "boolean"},
                        "entries": {"type": "integer", "minimum": 0},
                        "inside": {"type": ["integer", "null"], "minimum": 0},
                    }
                ),
            },
            "by_session": {
                "type": "array",
                "items": _object(
                    {
                        "id": INTEGER_ID,
                        "title": _string(),
                        "room": _string(),
                        "starts_at": TIME,
                        "time": _string(),
                        "seats": {"type": ["integer", "null"], "minimum": 0},
                        "seated": {"type": "integer", "minimum": 0},
                        "attended": {"type": "integer", "minimum": 0},
                        "not_registered": {"type": "integer", "minimum": 0},
                    }
                ),
            },
            "refused": {
                "type": "array",
                "items": _object(
                    {
                        "result": {"enum": SCAN_RESULTS},
                        "label": _string(),
                        "count": {"type": "integer", "minimum": 1},
                    }
                ),
            },
        }
    ),
}

# Example bodies of the errors, by code (messages shown in English).
ERRORS = {
    "bad_request": (400, "The request was not understood."),
    "invalid_token": (
        401,
        "The device code is wrong or has been replaced. Set this station up again with a new "
        "set-up link.",
    ),
    "login_required": (401, "Sign in as an organiser to see this."),
    "device_revoked": (403, "This device has been revoked by the organisers."),
    "forbidden": (403, "Your account has no organiser role here."),
    "wrong_event": (403, "This device belongs to another exhibition."),
    "invalid_json": (400, "Send a JSON object with code, nonce and type."),
    "invalid_day": (400, "Give the day as YYYY-MM-DD."),
    "not_found": (404, "There is no badge to print for this scan."),
    "event_not_found": (404, "This exhibition does not exist."),
    "setup_code_invalid": (
        404,
        "This set-up link has been used or has expired. Ask the organisers for a new one.",
    ),
    "nonce_reused": (
        409,
        "This nonce was already used for another scan. Send a new nonce for every scan.",
    ),
    "nothing_to_undo": (409, "There is no scan of this device to undo any more."),
    "too_large": (413, "What you sent is too large."),
    "validation_failed": (422, "Some fields are not valid."),
    "unknown_session": (422, "This session is not part of this exhibition's programme."),
    "invalid_handle": (
        422,
        "This search result is no longer valid here. Search for the person again.",
    ),
    "too_many_requests": (429, "Too many requests. Please wait a moment and try again."),
}


def _error_response(description: str, *codes: str) -> dict:
    examples = {}
    for code in codes:
        body = {"error": {"code": code, "message": ERRORS[code][1]}}
        if code == "validation_failed":
            body["error"]["fields"] = {
                "nonce": "A nonce of 1 to 64 characters, unique per scan, is required."
            }
        examples[code] = {"value": body}
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error"), "examples": examples}},
    }


def _errors(*codes: str) -> dict:
    """The error responses for these codes, grouped by status; every operation may also answer
    `400 bad_request` (a NUL character anywhere in the URL, refused before the view runs)."""
    by_status: dict[int, list[str]] = {}
    for code in (*codes, "bad_request"):
        by_status.setdefault(ERRORS[code][0], []).append(code)
    return {
        str(status): _error_response(" or ".join(f"`{code}`" for code in group), *group)
        for status, group in sorted(by_status.items())
    }


def _json(schema: dict, description: str, example=None, headers: dict | None = None) -> dict:
    content = {"schema": schema}
    if example is not None:
        content["example"] = example
    response = {"description": description, "content": {"application/json": content}}
    if headers:
        response["headers"] = headers
    return response


NO_STORE = {"Cache-Control": {"schema": {"const": "no-store"}, "required": True}}
DEVICE = [{"deviceToken": []}]
DEVICE_ERRORS = ("invalid_token", "device_revoked", "too_many_requests")

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
        "nonce": "3f0c1c9e-5d1a-4a53-9a51-2b5b3a9d6e10",
        "type": "entry",
        "scanned_at": EXAMPLE_TIME,
        "offline": False,
        "flagged": False,
        "admitted": False,
    },
    "replayed": False,
}


def _paths() -> dict:
    return {
        f"{API}/device": {
            "get": {
                "operationId": "deviceInfo",
                "summary": "Who this device is, its checkpoint and the sessions it may serve",
                "security": DEVICE,
                "responses": {
                    "200": _json(_ref("DeviceInfo"), "The device, checkpoint and event."),
                    **_errors(*DEVICE_ERRORS),
                },
            }
        },
        f"{API}/checkin": {
            "post": {
                "operationId": "checkin",
                "summary": "Judge one scanned badge and store the scan",
                "description": "The badge is given by its `code`, or by a search result's "
                "`handle`. The same nonce again returns the stored answer (`replayed`) "
                "and stores nothing new; the same nonce with another code or type is "
                "`409 nonce_reused`. Over 600 scans a minute per device: 429. Requests "
                "with no token or one that does not authenticate share 600 a minute per "
                "client address.",
                "security": DEVICE,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("ScanRequest"),
                            "example": {
                                "code": EXAMPLE_CODE,
                                "nonce": "3f0c1c9e-5d1a-4a53-9a51-2b5b3a9d6e10",
                                "type": "entry",
                            },
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _ref("ScanAnswer"),
                        "The answer for the door; refusals (`invalid`, `cancelled`, "
                        "`wrong_event`, `already_checked_in`, ...) are answers too.",
                        SCAN_EXAMPLE,
                    ),
                    **_errors(
                        "invalid_json",
                        *DEVICE_ERRORS,
                        "nonce_reused",
                        "too_large",
                        "validation_failed",
                        "unknown_session",
                        "invalid_handle",
                    ),
                },
            }
        },
        f"{API}/checkin/batch": {
            "post": {
                "operationId": "checkinBatch",
                "summary": "Upload scans made offline, each judged at its own time",
                "description": "Every scan gets its own answer in `results`, by `index`: the "
                "scan's answer, or an error (`validation_failed` with `fields`, "
                "`bad_scan_time`, `nonce_reused`, `unknown_session`, `invalid_handle`). "
                "Uploading the same batch again stores nothing new.",
                "security": DEVICE,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _object(
                                {
                                    "scans": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": MAX_BATCH,
                                        "items": _ref("BatchScan"),
                                    }
                                }
                            ),
                            "example": {
                                "scans": [
                                    {
                                        "code": EXAMPLE_CODE,
                                        "nonce": "off-1",
                                        "type": "entry",
                                        "scanned_at": EXAMPLE_TIME,
                                        "station_result": "ok",
                                    }
                                ]
                            },
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _object({"results": {"type": "array", "items": _ref("BatchResult")}}),
                        "One result per scan sent, in order.",
                        {"results": [{"index": 0, **SCAN_EXAMPLE}]},
                    ),
                    **_errors("invalid_json", *DEVICE_ERRORS, "too_large"),
                },
            }
        },
        f"{API}/checkin/undo": {
            "post": {
                "operationId": "checkinUndo",
                "summary": "Undo this device's last scan (within the undo window)",
                "security": DEVICE,
                "responses": {
                    "200": _json(_ref("UndoAnswer"), "The scan that was undone."),
                    **_errors(*DEVICE_ERRORS, "nothing_to_undo"),
                },
            }
        },
        f"{API}/checkpoint/badges": {
            "get": {
                "operationId": "checkpointBadges",
                "summary": "The list a station keeps to answer scans with no network",
                "description": "Badges are known by a SHA-256 hash of their code, never by "
                "the code itself.",
                "security": DEVICE,
                "responses": {
                    "200": _json(_ref("OfflineList"), "Every valid badge.", headers=NO_STORE),
                    **_errors(*DEVICE_ERRORS),
                },
            }
        },
        f"{API}/checkpoint/search": {
            "get": {
                "operationId": "checkpointSearch",
                "summary": "Find a person with a lost badge (at most 10 answers)",
                "description": "Each answer has a handle to check the person in at this "
                "device, never the badge code, the e-mail or the phone number.",
                "security": DEVICE,
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": "Name, phone, e-mail or organisation; fewer than 3 "
                        "characters find nobody, past 100 are ignored.",
                        "schema": _string(),
                        "example": "nhung hai an",
                    }
                ],
                "responses": {
                    "200": _json(
                        _ref("SearchAnswer"),
                        "Confirmed registrations that match.",
                        headers=NO_STORE,
                    ),
                    **_errors(*DEVICE_ERRORS),
                },
            }
        },
        f"{API}/checkin/{{scan_id}}/badge.pdf": {
            "post": {
                "operationId": "arrivalBadge",
                "summary": "The badge of a person this device has just let in, to print",
                "description": "Only at a checkpoint that prints on arrival, for this device's "
                "own `ok` scan of the last 10 minutes.",
                "security": DEVICE,
                "parameters": [
                    {
                        "name": "scan_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                        "example": 41,
                    },
                    {
                        "name": "layout",
                        "in": "query",
                        "required": False,
                        "description": "A6 page or 90 x 54 mm card; anything else is A6.",
                        "schema": _string(default="a6", examples=["a6", "card"]),
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The badge as PDF.",
                        "headers": NO_STORE,
                        "content": {
                            "application/pdf": {
                                "schema": _string(contentMediaType="application/pdf")
                            }
                        },
                    },
                    **_errors(*DEVICE_ERRORS, "not_found"),
                },
            }
        },
        f"{API}/device/setup": {
            "post": {
                "operationId": "deviceSetup",
                "summary": "Exchange a one-time set-up code for the device's token",
                "description": "The code comes from the set-up link or its QR code; it works "
                "once. Any copy of the device's previous token stops working.",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _object({"code": _string(minLength=1, maxLength=100)}),
                            "example": {"code": "o3Zr6w1mPp0kqV8yJ2xT4bN7cD5eF9gH"},
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "token": _string(),
                                "device": _object({"id": INTEGER_ID, "name": _string()}),
                            }
                        ),
                        "The device's new token (shown once).",
                    ),
                    **_errors("too_large", "setup_code_invalid", "too_many_requests"),
                },
            }
        },
        f"{API}/ping": {
            "get": {
                "operationId": "ping",
                "summary": "Health check: no authentication, no database",
                "security": [],
                "responses": {
                    "200": _json(_object({"pong": {"const": True}}), "Always.", {"pong": True}),
                    **_errors(),
                },
            }
        },
        f"{API}/events/{{slug}}/stats": {
            "get": {
                "operationId": "eventStats",
                "summary": "Live figures of an exhibition's doors",
                "description": "For a signed-in organiser of the exhibition (session cookie) or "
                "one of its devices.",
                "security": [{"deviceToken": []}, {"organiserSession": []}],
                "parameters": [
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "schema": _string(),
                        "example": EXAMPLE_SLUG,
                    },
                    {
                        "name": "day",
                        "in": "query",
                        "required": False,
                        "description": "A local day (default: today) for the figures per "
                        "quarter hour and the refusals.",
                        "schema": _string(format="date", pattern=DAY),
                    },
                ],
                "responses": {
                    "200": _json(_ref("Stats"), "The figures.", headers=NO_STORE),
                    **_errors(
                        "invalid_day",
                        "invalid_token",
                        "login_required",
                        "device_revoked",
                        "forbidden",
                        "wrong_event",
                        "event_not_found",
                        "too_many_requests",
                    ),
                },
            }
        },
        f"{API}/openapi.json": {
            "get": {
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
        },
    }


def openapi_document(*, session_cookie: str = "session") -> dict:
    """The OpenAPI document of the API (`session_cookie`: the name of Flask's session cookie)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Exhibition check-in API",
            "version": "1",
            "description": "The JSON API of check-in stations. Stations authenticate with their "
            "device token (`Authorization: Bearer …`); errors are "
            '`{"error": {"code", "message"}}` with a stable code. Messages are in '
            "Vietnamese, or in English after a request with `?lang=en`.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "deviceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A device's token, from `flask devices create` or a "
                    "one-time set-up link (`POST /api/v1/device/setup`).",
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

"""The OpenAPI document at /api/v1/openapi.json describes every route of the API, is valid, and
the API answers what schemathesis generates from it as documented, never with a server error."""

import re

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from exhibition.api import views
from exhibition.api.schemas.requests import MAX_BATCH
from exhibition.extensions import db
from tests.conftest import login_client, make_app

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    """/api/v1/checkin/<int:scan_id>/badge.pdf -> /api/v1/checkin/{scan_id}/badge.pdf"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """The app with no database behind it: the document needs none."""
    return make_app("sqlite://", tmp_path_factory.mktemp("openapi"))


def test_openapi_document_describes_every_api_route_with_its_methods(bare_app):
    document = bare_app.test_client().get("/api/v1/openapi.json").json
    routes = {}
    for rule in bare_app.url_map.iter_rules():
        if rule.endpoint.startswith(("api.", "api_matching.", "api_leads.", "api_news.")):
            methods = {m.lower() for m in rule.methods - IGNORED_METHODS}
            routes.setdefault(_openapi_path(rule.rule), set()).update(methods)
    documented = {path: set(item) for path, item in document["paths"].items()}
    assert len(routes) >= 11
    assert documented == routes


def test_openapi_document_is_valid_openapi_3_1(bare_app):
    document = bare_app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises with the first error


def test_openapi_batch_limit_is_the_views_limit():
    assert MAX_BATCH == views.MAX_BATCH


@pytest.fixture
def station(app):
    """The demo exhibition; a device at its main entrance, which prints badges on arrival; two
    badge codes of confirmed visitors; a revoked device's token and another device's set-up code."""
    from exhibition.checkin.services import (
        checkpoint_of,
        create_device,
        issue_setup_code,
        revoke_device,
    )
    from exhibition.events.services import get_event
    from exhibition.visitors.models import Registration, RegistrationStatus
    from tests.test_url_map import demo_values

    values = demo_values(app)
    with app.app_context():
        event = get_event(slug=values["slug"])
        device, token = create_device(event=event, name="Cổng 1")
        checkpoint_of(device=device).print_on_arrival = True
        revoked, revoked_token = create_device(event=event, name="Cổng cũ")
        revoke_device(device=revoked)
        spare, _ = create_device(event=event, name="Cổng 2")
        setup_code = issue_setup_code(device=spare)
        codes = db.session.scalars(
            sa.select(Registration.badge_code)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.erased_at.is_(None),
            )
            .order_by(Registration.id)
            .limit(2)
        ).all()
        db.session.commit()
    return {
        "slug": values["slug"],
        "token": token,
        "revoked_token": revoked_token,
        "setup_code": setup_code,
        "codes": codes,
    }


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_api_answers_generated_requests_as_documented(app, station, subtests):
    """Positive and negative requests for every operation, made by schemathesis from the
    document and sent to the app in process with a real device token.

    Each operation's strategy is driven by Hypothesis here rather than by
    `schemathesis.pytest.from_fixture`, whose lazy loader does not run under pytest 9.2 (it reads
    `request.node._nodeid`, which pytest no longer has); the `app` fixture stays parametrized."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {station['token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # all but the document itself
    for operation in operations:
        has_inputs = any(operation.iter_parameters()) or len(operation.body) > 0
        for mode in GenerationMode if has_inputs else [GenerationMode.POSITIVE]:

            @settings(
                max_examples=10,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            with subtests.test(operation=operation.label, mode=mode.value):
                call()


def test_api_real_answers_match_the_document(app, station):
    """The answers of a station's working day (scans, replays, refusals, a batch, undo, search,
    the offline list, a printed badge, the figures, set-up), each checked against the document."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    first, second = station["codes"]
    slug = station["slug"]

    def call(path, method, status, token=station["token"], cookies=None, **case):
        operation = schema[f"/api/v1{path}"][method]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = operation.Case(**case).call_and_validate(
            headers=headers, cookies=cookies, checks=CHECKS
        )
        assert response.status_code == status, (path, response.text)
        json = response.headers["content-type"][0] == "application/json"
        return response.json() if json else None

    assert call("/ping", "GET", 200, token=None) == {"pong": True}
    assert call("/device", "GET", 200)["event"]["slug"] == slug
    # The demo exhibition is not on today: the station warns, the operator lets people in.
    warned = call("/checkin", "POST", 200, body={"code": first, "nonce": "n0"})
    assert warned["result"] == "not_today"
    entry = {"code": first, "nonce": "n1", "type": "entry", "admit": True}
    ok = call("/checkin", "POST", 200, body=entry)
    assert (ok["result"], ok["replayed"], ok["scan"]["admitted"]) == ("ok", False, True)
    again = call("/checkin", "POST", 200, body=entry)
    assert again["replayed"] is True
    inside = call("/checkin", "POST", 200, body={"code": first + "\r\n", "nonce": "n2"})
    assert (inside["result"], inside["first_checked_in_at"]) == (
        "already_checked_in",
        ok["scan"]["scanned_at"],
    )
    assert call("/checkin", "POST", 200, body={"code": "NOT-A-BADGE", "nonce": "n3"})["result"] == (
        "invalid"
    )
    reused = call("/checkin", "POST", 409, body={"code": second, "nonce": "n1"})
    assert reused["error"]["code"] == "nonce_reused"
    refused = call("/checkin", "POST", 422, body={"code": " ", "nonce": "n4", "type": "in"})
    assert set(refused["error"]["fields"]) == {"code", "type"}
    unknown = call(
        "/checkin", "POST", 422, body={"code": second, "nonce": "n5", "session_id": 2**31 - 1}
    )
    assert unknown["error"]["code"] == "unknown_session"
    assert call("/checkin", "POST", 400, body=[1, 2])["error"]["code"] == "invalid_json"
    call(
        "/checkin/{scan_id}/badge.pdf",
        "POST",
        200,
        path_parameters={"scan_id": ok["scan"]["id"]},
        query={"layout": "card"},
    )
    missing = call(
        "/checkin/{scan_id}/badge.pdf", "POST", 404, path_parameters={"scan_id": 2**31 - 1}
    )
    assert missing["error"]["code"] == "not_found"

    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat()
    batch = call(
        "/checkin/batch",
        "POST",
        200,
        body={
            "scans": [
                {
                    "code": second,
                    "nonce": "b1",
                    "scanned_at": now,
                    "station_result": "ok",
                    "admit": True,
                },
                {"code": second, "nonce": "b2", "scanned_at": "2001-01-01T00:00:00Z"},
                {"code": second, "nonce": "b3"},
                {"code": first, "nonce": "n1", "type": "exit", "scanned_at": now},
            ]
        },
    )
    assert [r.get("result") or r["error"]["code"] for r in batch["results"]] == [
        "ok",
        "bad_scan_time",
        "validation_failed",
        "nonce_reused",
    ]
    assert call("/checkin/undo", "POST", 200)["undone"]["nonce"] == "b1"
    assert call("/checkin/undo", "POST", 409)["error"]["code"] == "nothing_to_undo"
    badges = call("/checkpoint/badges", "GET", 200)
    assert len(badges["badges"]) >= 2
    found = call("/checkpoint/search", "GET", 200, query={"q": "nguyen"})["results"]
    assert found and all(set(person) >= {"handle", "badge_hash"} for person in found)
    handle = found[-1]["handle"]
    by_handle = call("/checkin", "POST", 200, body={"handle": handle, "nonce": "s1", "admit": True})
    assert by_handle["result"] in ("ok", "already_checked_in")
    stale = call("/checkin", "POST", 422, body={"handle": found[-1]["handle"] + "x", "nonce": "s2"})
    assert stale["error"]["code"] == "invalid_handle"
    assert call("/checkpoint/search", "GET", 200, query={"q": "ab"})["results"] == []
    stats = call("/events/{slug}/stats", "GET", 200, path_parameters={"slug": slug})
    assert stats["totals"]["checked_in"] >= 1
    call(
        "/events/{slug}/stats",
        "GET",
        200,
        path_parameters={"slug": slug},
        query={"day": stats["today"]},
    )
    for day in ("2026-13-01", "0001-01-01", "9999-12-31", "2026-W01-1"):
        answer = call(
            "/events/{slug}/stats", "GET", 400, path_parameters={"slug": slug}, query={"day": day}
        )
        assert answer["error"]["code"] == "invalid_day", day
    assert call("/events/{slug}/stats", "GET", 404, path_parameters={"slug": "nowhere"})
    assert (
        call("/events/{slug}/stats", "GET", 401, token=None, path_parameters={"slug": slug})[
            "error"
        ]["code"]
        == "login_required"
    )
    organiser = login_client(app, app.test_client())
    cookie = organiser.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    call(
        "/events/{slug}/stats",
        "GET",
        200,
        token=None,
        cookies={app.config["SESSION_COOKIE_NAME"]: cookie},
        path_parameters={"slug": slug},
    )
    assert call("/device", "GET", 401, token="nope")["error"]["code"] == "invalid_token"
    revoked = call("/device", "GET", 403, token=station["revoked_token"])
    assert revoked["error"]["code"] == "device_revoked"
    setup = call("/device/setup", "POST", 200, token=None, body={"code": station["setup_code"]})
    assert call("/device", "GET", 200, token=setup["token"])["device"]["name"] == "Cổng 2"
    spent = call("/device/setup", "POST", 404, token=None, body={"code": station["setup_code"]})
    assert spent["error"]["code"] == "setup_code_invalid"

"""The booth scanners' JSON API: scans and their refusal codes, offline batches (a replay of
1,000 scans adds nothing), notes and versioned qualification, the rate limit per scanner, and
the answers checked against the OpenAPI document."""

from datetime import timedelta

import pytest
import schemathesis
import sqlalchemy as sa

from exhibition.checkin.services import new_setup_code
from exhibition.dbtypes import utcnow
from exhibition.exhibitors import qualification
from exhibition.exhibitors.lead_models import Lead, LeadNote, LeadScan, LeadScanner
from exhibition.exhibitors.models import Exhibitor
from exhibition.exhibitors.scanners import revoke_scanner
from exhibition.extensions import db
from tests.api.test_openapi import CHECKS
from tests.booths.test_allocation_service import confirm_booth
from tests.conftest import make_app, scan
from tests.exhibitors.scan_data import add_scanner, scan_booth


@pytest.fixture
def booth(app, make_event, make_floor, make_exhibitor, make_visitor):
    """A booth with lead retrieval on, two set-up scanners, a sharing and a private visitor."""
    return scan_booth(app, make_event, make_floor, make_exhibitor, make_visitor)


def _post(client, token, path, body):
    return client.post(
        f"/api/v1/booth{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _get(client, token, path):
    return client.get(f"/api/v1/booth{path}", headers={"Authorization": f"Bearer {token}"})


def test_scans_answer_lead_or_visit_and_each_refusal_has_its_code(app, client, booth):
    token = booth["tokens"][0]
    lead = _post(client, token, "/scan", {"code": booth["codes"]["sharing"], "nonce": "1"})
    assert lead.status_code == 200 and lead.headers["Cache-Control"] == "no-store"
    assert (lead.json["result"], lead.json["lead"]["details"]["name"]) == ("lead", "Trần <b>An</b>")
    visit = _post(client, token, "/scan?lang=en", {"code": booth["codes"]["private"], "nonce": "2"})
    assert (visit.json["result"], visit.json["lead"]["details"], visit.json["message"]) == (
        "visit",
        None,
        "This visitor has not agreed to share their details.",
    )
    replay = _post(client, token, "/scan", {"code": booth["codes"]["private"], "nonce": "2"})
    assert (replay.json["replayed"], replay.json["scan"]["id"]) == (True, visit.json["scan"]["id"])
    reused = _post(client, token, "/scan", {"code": booth["codes"]["sharing"], "nonce": "2"})
    assert (reused.status_code, reused.json["error"]["code"]) == (409, "nonce_reused")

    def refused(body, token=token):
        response = _post(client, token, "/scan", body)
        return response.status_code, response.json["error"]["code"]

    entry = booth["private"]["badge_code"]
    future = (utcnow() + timedelta(hours=1)).isoformat()
    before = (utcnow() - timedelta(days=4)).isoformat()
    code = booth["codes"]["private"]
    assert refused({"code": entry, "nonce": "3"}) == (422, "not_a_lead_code")
    assert refused({"code": "L-" + "B" * 26, "nonce": "4"}) == (404, "invalid")
    assert refused({"code": code, "nonce": "5", "scanned_at": future}) == (422, "future")
    assert refused({"code": code, "nonce": "6", "scanned_at": before}) == (422, "outside_event")
    assert refused({"code": "", "nonce": "7"}) == (422, "validation_failed")
    assert refused({"code": code, "nonce": "8"}, token="made-up") == (401, "invalid_token")
    with app.app_context():
        assert db.session.get(LeadScanner, booth["scanners"][0]).invalid_scans == 2
        db.session.get(Exhibitor, booth["exhibitor"]).leads_enabled = False
        db.session.commit()
    assert refused({"code": code, "nonce": "9"}) == (403, "disabled")
    page = client.get("/events/expo-2026/portal/scanners")  # not signed in: to the sign-in
    assert page.status_code == 302
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, booth["exhibitor"])
        revoke_scanner(exhibitor=exhibitor, scanner_id=booth["scanners"][0])
        db.session.commit()
    assert refused({"code": code, "nonce": "10"}) == (403, "revoked")
    assert _get(client, token, "").json["error"]["code"] == "revoked"


def test_a_lead_code_sent_to_the_door_answers_invalid(app, client, booth, make_device):
    device = make_device()
    answer = scan(client, device, booth["codes"]["sharing"], "door-1").json
    assert answer["result"] == "invalid"
    assert scan(client, device, booth["sharing"]["badge_code"], "door-2").json["result"] == "ok"


def test_a_replay_of_a_thousand_offline_scans_adds_nothing(app, client, booth):
    token = booth["tokens"][0]
    start = utcnow() - timedelta(minutes=30)
    codes = [booth["codes"]["sharing"], booth["codes"]["private"]]
    scans = [
        {
            "code": codes[n % 2],
            "nonce": f"off-{n}",
            "scanned_at": (start + timedelta(seconds=n)).isoformat(),
        }
        for n in range(1000)
    ]
    scans[7]["scanned_at"] = (utcnow() + timedelta(hours=1)).isoformat()
    scans[8]["code"] = "rác"
    for upload in range(2):
        results = []
        for part in range(0, 1000, 500):
            response = _post(client, token, "/scans/batch", {"scans": scans[part : part + 500]})
            assert response.status_code == 200
            results += response.json["results"]
        assert [r["index"] for r in results[:500]] == list(range(500))
        assert (results[7]["error"]["code"], results[8]["error"]["code"]) == ("future", "invalid")
        taken = [r for r in results if "error" not in r]
        assert len(taken) == 998
        assert {r["replayed"] for r in taken} == {bool(upload)}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LeadScan.id))) == 998
        stored = db.session.scalars(sa.select(Lead).order_by(Lead.id)).all()
        assert [lead.first_scanned_at for lead in stored] == [start, start + timedelta(seconds=1)]
        assert all(s.offline for s in db.session.scalars(sa.select(LeadScan)))
    refused = _post(client, token, "/scans/batch", {"scans": []})
    assert (refused.status_code, refused.json["error"]["code"]) == (400, "invalid_json")


def test_notes_are_added_and_a_stale_qualification_is_a_conflict(app, client, booth):
    first, second = booth["tokens"]
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, booth["exhibitor"])
        question = qualification.add_question(
            exhibitor=exhibitor, text_vi="Khi nào mua?", text_en="When?", choices=["Ngay", "Sau"]
        )
        question_id = question.id
        db.session.commit()
    lead = _post(client, first, "/scan", {"code": booth["codes"]["sharing"], "nonce": "1"}).json
    lead_id, version = lead["lead"]["id"], lead["lead"]["version"]
    assert _get(client, second, f"/leads/{lead_id}").status_code == 404  # not scanned by it
    _post(client, second, "/scan", {"code": booth["codes"]["sharing"], "nonce": "1"})
    _post(client, first, f"/leads/{lead_id}/notes", {"text": "Cần báo giá"})
    noted = _post(client, second, f"/leads/{lead_id}/notes", {"text": "Gọi lại thứ Hai"}).json
    assert [(n["by"], n["text"]) for n in noted["lead"]["notes"]] == [
        ("Lê Văn Hải", "Cần báo giá"),
        ("Phạm Thu Hà", "Gọi lại thứ Hai"),
    ]
    change = {
        "version": version,
        "rating": "hot",
        "tags": ["khuôn"],
        "answers": {str(question_id): "Ngay"},
    }
    saved = _post(client, first, f"/leads/{lead_id}/qualification", change)
    assert saved.status_code == 200
    assert (saved.json["lead"]["rating"], saved.json["lead"]["version"]) == ("hot", version + 1)
    stale = _post(client, second, f"/leads/{lead_id}/qualification", {**change, "rating": "cold"})
    assert stale.status_code == 409
    assert (stale.json["error"]["code"], stale.json["lead"]["rating"]) == ("lead_conflict", "hot")
    assert stale.json["lead"]["answers"] == {str(question_id): "Ngay"}
    wrong = _post(
        client, first, f"/leads/{lead_id}/qualification",
        {"version": version + 1, "answers": {str(question_id): "Không"}},
    )  # fmt: skip
    assert (wrong.status_code, wrong.json["error"]["code"]) == (422, "invalid_qualification")
    bad = _post(client, first, f"/leads/{lead_id}/qualification", {"version": "x"})
    assert (bad.status_code, list(bad.json["error"]["fields"])) == (422, ["version"])
    empty = _post(client, first, f"/leads/{lead_id}/notes", {"text": " "})
    assert empty.json["error"]["code"] == "invalid_qualification"
    assert _get(client, first, "/questions").json["questions"][0]["choices"] == ["Ngay", "Sau"]
    assert _get(client, first, f"/leads/{lead_id}").json["lead"]["version"] == version + 1
    assert _get(client, first, "/leads/999999").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LeadNote.id))) == 2


def test_a_qualification_leaving_out_rating_and_tags_keeps_them(app, client, booth):
    token = booth["tokens"][0]
    lead = _post(client, token, "/scan", {"code": booth["codes"]["sharing"], "nonce": "1"}).json
    lead_id, version = lead["lead"]["id"], lead["lead"]["version"]
    path = f"/leads/{lead_id}/qualification"
    _post(client, token, path, {"version": version, "rating": "warm", "tags": ["mẫu"]})
    kept = _post(client, token, path, {"version": version + 1, "answers": {}}).json["lead"]
    assert (kept["rating"], kept["tags"], kept["version"]) == ("warm", ["mẫu"], version + 2)
    cleared = _post(client, token, path, {"version": version + 2, "rating": None}).json["lead"]
    assert (cleared["rating"], cleared["tags"]) == (None, ["mẫu"])


def test_a_scan_time_at_the_ends_of_the_calendar_is_refused_not_a_server_error(app, client, booth):
    token = booth["tokens"][0]
    for moment in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        body = {"code": booth["codes"]["sharing"], "nonce": moment, "scanned_at": moment}
        answer = _post(client, token, "/scan", body)
        assert answer.status_code == 422, moment
        batch = _post(client, token, "/scans/batch", {"scans": [body]})
        assert batch.status_code == 200 and batch.json["results"][0]["error"]["code"], moment


def test_another_companys_lead_is_not_found(app, client, booth, make_exhibitor):
    lead = _post(
        client, booth["tokens"][0], "/scan", {"code": booth["codes"]["sharing"], "nonce": "1"}
    )
    other = make_exhibitor()
    confirm_booth(app, other, "A02")
    _id, token = add_scanner(app, other, "Đỗ Minh", "minh@example.com")
    answer = _get(client, token, f"/leads/{lead.json['lead']['id']}")
    assert (answer.status_code, answer.json["error"]["code"]) == (404, "not_found")


def test_each_scanner_has_its_own_rate_limit(app, db_url, tmp_path, booth):
    limited = make_app(db_url, tmp_path / "limited", RATELIMIT_ENABLED=True)
    client = limited.test_client()
    code = booth["codes"]["private"]
    first, second = booth["tokens"]
    codes = [
        _post(client, first, "/scan", {"code": code, "nonce": f"n{n}"}).status_code
        for n in range(601)
    ]
    assert codes == [200] * 600 + [429]
    other = _post(client, second, "/scan", {"code": code, "nonce": "other"})
    assert (other.status_code, other.headers["X-RateLimit-Remaining"]) == (200, "599")
    with limited.app_context():
        db.engine.dispose()


def test_scanner_answers_match_the_document(app, booth):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = booth["tokens"][0]

    def call(path, method, status, **case):
        operation = schema[f"/api/v1/booth{path}"][method]
        response = operation.Case(**case).call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
        )
        assert response.status_code == status, (path, response.text)
        return response.json()

    assert call("", "GET", 200)["leads_enabled"] is True
    lead = call("/scan", "POST", 200, body={"code": booth["codes"]["sharing"], "nonce": "d1"})
    call("/scan", "POST", 200, body={"code": booth["codes"]["private"], "nonce": "d2"})
    call("/scan", "POST", 422, body={"code": booth["sharing"]["badge_code"], "nonce": "d3"})
    call("/scan", "POST", 404, body={"code": "L-" + "C" * 26, "nonce": "d4"})
    now = utcnow().isoformat()
    batch = {"scans": [{"code": booth["codes"]["private"], "nonce": "o1", "scanned_at": now}, 5]}
    results = call("/scans/batch", "POST", 200, body=batch)["results"]
    assert results[1]["error"]["code"] == "validation_failed"
    lead_id = lead["lead"]["id"]
    call("/leads/{lead_id}", "GET", 200, path_parameters={"lead_id": lead_id})
    noted = call(
        "/leads/{lead_id}/notes",
        "POST",
        200,
        path_parameters={"lead_id": lead_id},
        body={"text": "Ghi chú"},
    )
    change = {"version": noted["lead"]["version"], "rating": "warm", "tags": [], "answers": {}}
    call(
        "/leads/{lead_id}/qualification",
        "POST",
        200,
        path_parameters={"lead_id": lead_id},
        body=change,
    )
    call(
        "/leads/{lead_id}/qualification",
        "POST",
        409,
        path_parameters={"lead_id": lead_id},
        body=change,
    )
    call("/questions", "GET", 200)
    with app.app_context():
        code = new_setup_code(db.session.get(LeadScanner, booth["scanners"][1]))
        db.session.commit()
    token = None
    assert call("/setup", "POST", 200, body={"code": code})["scanner"]["id"] == booth["scanners"][1]
    assert call("/setup", "POST", 404, body={"code": code})["error"]["code"] == "setup_code_invalid"

"""The check-in API: results, idempotent nonces, bad input, devices, and concurrency on PostgreSQL."""

import threading

import pytest
import sqlalchemy as sa

from exhibition.checkin.models import Presence, Scan
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.visitors.models import Registration
from tests.conftest import on_today, scan


def stored_scans(app):
    with app.app_context():
        return [
            (s.nonce, s.result.value) for s in db.session.scalars(sa.select(Scan).order_by(Scan.id))
        ]


def test_checkin_ok_then_already_checked_in(app, client, make_event, make_visitor, make_device):
    make_event()
    visitor = make_visitor()
    token = make_device()
    first = scan(client, token, visitor["badge_code"], "a")
    assert first.status_code == 200
    assert first.json["result"] == "ok"
    assert first.json["attendee"]["category"] == "Khách thương mại"
    assert "first_checked_in_at" not in first.json
    again = scan(client, token, visitor["badge_code"], "b")
    assert again.json["result"] == "already_checked_in"
    assert again.json["first_checked_in_at"] == first.json["scan"]["scanned_at"]


def test_checkin_accepts_lower_case_and_spaces_from_scanners(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    assert scan(client, token, f"  {visitor['badge_code'].lower()}\n", "a").json["result"] == "ok"


def test_checkin_badge_with_one_character_changed_is_invalid(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    code = visitor["badge_code"]
    changed = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = scan(client, token, changed, "a")
    assert response.status_code == 200
    assert response.json["result"] == "invalid"
    assert "attendee" not in response.json
    assert stored_scans(app) == [("a", "invalid")]
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).checked_in_at is None


def test_checkin_cancelled_registration_answers_cancelled(
    app, client, make_event, make_visitor, make_device
):
    from exhibition.visitors.changes import cancel_registration

    make_event()
    visitor = make_visitor()
    token = make_device()
    with app.app_context():
        cancel_registration(registration=db.session.get(Registration, visitor["id"]))
        db.session.commit()
    response = scan(client, token, visitor["badge_code"], "a")
    assert response.json["result"] == "cancelled"
    assert response.json["attendee"]["name"] == "Nguyễn Thị Hồng Nhung"


def test_checkin_badge_of_another_event_answers_wrong_event(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    make_event(slug="other-2026")
    visitor = make_visitor(slug="other-2026")
    token = make_device(slug="expo-2026")
    response = scan(client, token, visitor["badge_code"], "a")
    assert response.json["result"] == "wrong_event"
    assert "attendee" not in response.json


def test_checkin_exit_does_not_check_in(app, client, make_event, make_visitor, make_device):
    make_event()
    visitor = make_visitor()
    token = make_device()
    assert scan(client, token, visitor["badge_code"], "a", "exit").json["result"] == "ok"
    assert scan(client, token, visitor["badge_code"], "b", "entry").json["result"] == "ok"


def test_checkin_without_or_with_unknown_token_is_refused(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    missing = client.post("/api/v1/checkin", json={"code": visitor["badge_code"], "nonce": "a"})
    assert missing.status_code == 401
    assert missing.json["error"]["code"] == "invalid_token"
    unknown = scan(client, "not-a-token", visitor["badge_code"], "a")
    assert unknown.status_code == 401
    assert unknown.json["error"]["code"] == "invalid_token"
    assert stored_scans(app) == []


def test_checkin_revoked_device_is_refused_at_once(
    app, client, make_event, make_visitor, make_device
):
    from exhibition.checkin.models import Device
    from exhibition.checkin.services import revoke_device

    make_event()
    visitor = make_visitor()
    token = make_device()
    assert scan(client, token, visitor["badge_code"], "a").status_code == 200
    with app.app_context():
        revoke_device(device=db.session.scalar(sa.select(Device)))
        db.session.commit()
    response = scan(client, token, visitor["badge_code"], "b")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "device_revoked"
    assert stored_scans(app) == [("a", "ok")]


def test_checkin_bad_json_gets_a_clear_error(app, client, make_event, make_device):
    make_event()
    token = make_device()
    headers = {"Authorization": f"Bearer {token}"}
    cases = [
        (dict(data="", content_type="application/json"), 400, "invalid_json"),
        (dict(data="{not json", content_type="application/json"), 400, "invalid_json"),
        (dict(json=["a", "b"]), 400, "invalid_json"),
        (
            dict(data="code=x", content_type="application/x-www-form-urlencoded"),
            400,
            "invalid_json",
        ),
        (dict(json={"code": "X"}), 422, "validation_failed"),
        (dict(json={"code": "", "nonce": "n"}), 422, "validation_failed"),
        (dict(json={"code": "X", "nonce": "n" * 65}), 422, "validation_failed"),
        (dict(json={"code": "X", "nonce": "n", "type": "sideways"}), 422, "validation_failed"),
        (dict(json={"code": 12, "nonce": {"a": 1}}), 422, "validation_failed"),
        (dict(json={"code": "😀" * 2000, "nonce": "n"}), 422, "validation_failed"),
    ]
    for kwargs, status, code in cases:
        response = client.post("/api/v1/checkin", headers=headers, **kwargs)
        assert (response.status_code, response.json["error"]["code"]) == (status, code), kwargs
    fields = client.post("/api/v1/checkin", headers=headers, json={"code": "X", "type": "up"}).json[
        "error"
    ]["fields"]
    assert sorted(fields) == ["nonce", "type"]
    assert stored_scans(app) == []


def test_checkin_wrong_method_and_unknown_api_path_answer_json(app, client):
    assert client.get("/api/v1/checkin").json["error"]["code"] == "method_not_allowed"
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"


def test_checkin_device_info(app, client, make_event, make_device):
    make_event()
    token = make_device(name="Cổng 1")
    response = client.get("/api/v1/device", headers={"Authorization": f"Bearer {token}"})
    with app.app_context():
        event = get_event(slug="expo-2026")
        first_day, last_day = event.first_day.isoformat(), event.last_day.isoformat()
    assert response.json == {
        "device": {"id": response.json["device"]["id"], "name": "Cổng 1", "room": None},
        "checkpoint": {
            "id": response.json["checkpoint"]["id"],
            "name": "Cổng chính",
            "room": None,
            "allow_reentry": True,
            "daily": True,
            "print_on_arrival": False,
        },
        "event": {
            "slug": "expo-2026",
            "name": "Triển lãm Công nghiệp hỗ trợ 2026",
            "first_day": first_day,
            "last_day": last_day,
            "timezone": "Asia/Ho_Chi_Minh",
        },
        "sessions": [],
        "undo_seconds": 300,
    }


def _parallel(app, tokens, payloads):
    """Each thread scans with its own device token (like separate doors), all at the same moment."""
    start = threading.Barrier(len(payloads))
    answers = []

    def worker(token, payload):
        client = app.test_client()
        start.wait()
        answers.append(scan(client, token, *payload).json)

    threads = [
        threading.Thread(target=worker, args=(t, p)) for t, p in zip(tokens, payloads, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_twenty_threads_scanning_one_badge_get_exactly_one_ok(
    app, make_event, make_visitor, make_device
):
    make_event()
    visitor, warm_up = make_visitor(), make_visitor()
    tokens = [make_device(name=f"Cổng {i}") for i in range(20)]
    client = app.test_client()
    for i, token in enumerate(
        tokens
    ):  # each device has been seen: no device-row write during the race
        scan(client, token, warm_up["badge_code"], f"warm-{i}", "exit")
    answers = _parallel(app, tokens, [(visitor["badge_code"], f"nonce-{i}") for i in range(20)])
    results = sorted(a["result"] for a in answers)
    assert results == ["already_checked_in"] * 19 + ["ok"]
    with app.app_context():
        registration = db.session.get(Registration, visitor["id"])
        ok_scan = db.session.scalar(
            sa.select(Scan).where(Scan.registration_id == visitor["id"], Scan.result == "ok")
        )
        assert registration.checked_in_at == ok_scan.scanned_at
    assert len(stored_scans(app)) == 40


def test_same_nonce_from_ten_threads_stores_one_scan(app, make_event, make_visitor, make_device):
    make_event()
    visitor = make_visitor()
    token = make_device()
    answers = _parallel(app, [token] * 10, [(visitor["badge_code"], "same-nonce")] * 10)
    assert {a["result"] for a in answers} == {"ok"}
    assert len({a["scan"]["id"] for a in answers}) == 1
    assert stored_scans(app) == [("same-nonce", "ok")]


def db_is_postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_checkin_statement_count_is_pinned(app, client, make_event, make_visitor, make_device):
    """A scan's SQL statements, pinned so that they cannot grow unnoticed (bench/checkin_load.py
    --profile lists them). On PostgreSQL every scan is two: the read of everything the judgement
    needs, and one statement writing the scan with its change (checkin/scanning.py), in
    autocommit mode (no BEGIN, no COMMIT). On SQLite the write is one statement after the other:
    the scan, the presence, the first check-in time, the device's last-seen time, the scan's
    answer; a second entry writes only the scan. The same nonce again: the stored scan is read
    (and the checkpoint's rule of days, for the first entry's time) instead of writing."""
    from tests.visitors.test_statement_count import statements

    postgres = db_is_postgres(app)
    make_event()
    first, second = make_visitor(), make_visitor()
    token = make_device()
    assert scan(client, token, first["badge_code"], "warm").json["result"] == "ok"  # last seen

    with statements(app) as seen:
        assert scan(client, token, second["badge_code"], "a").json["result"] == "ok"
    assert len(seen) == (2 if postgres else 6), "\n".join(seen)
    if postgres:
        assert seen[0].startswith("SELECT") and seen[1].startswith("WITH new_scan AS")
    with statements(app) as seen:
        again = scan(client, token, second["badge_code"], "b").json
    assert again["result"] == "already_checked_in"
    assert again["first_checked_in_at"]
    assert len(seen) == (2 if postgres else 3), "\n".join(seen)
    with statements(app) as seen:
        replayed = scan(client, token, second["badge_code"], "b").json
    assert replayed["replayed"] is True and replayed["result"] == "already_checked_in"
    assert replayed["first_checked_in_at"] == again["first_checked_in_at"]
    assert len(seen) == 3, "\n".join(seen)
    assert stored_scans(app) == [("warm", "ok"), ("a", "ok"), ("b", "already_checked_in")]


def test_one_nonce_sent_at_once_for_two_badges_changes_one_person_only(
    app, make_event, make_visitor, make_device
):
    """A station bug (or an attack) sends the same nonce for different badges at the same
    moment: one scan is stored and lets its person in; the others answer nonce_reused and leave
    nothing behind: on PostgreSQL their one statement fails whole, presence and first check-in
    time included (entrances.write_scan)."""
    make_event()
    people = [make_visitor() for _ in range(6)]
    token = make_device()
    answers = _parallel(app, [token] * 6, [(p["badge_code"], "one-nonce") for p in people])
    oks = [a for a in answers if a.get("result") == "ok"]
    refused = [a for a in answers if a.get("error", {}).get("code") == "nonce_reused"]
    assert (len(oks), len(refused)) == (1, 5), answers
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Presence.id))) == 1
        checked_in = db.session.scalars(
            sa.select(Registration.id).where(Registration.checked_in_at.is_not(None))
        ).all()
    assert len(checked_in) == 1
    assert len(stored_scans(app)) == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: scans take turns
def test_the_door_that_loses_a_race_still_says_when_the_person_came_in(
    app, client, make_event, make_visitor, make_device, monkeypatch
):
    """Two doors read the badge before either wrote: the second one's write finds the person
    in already, and its answer still gives the time of the first entry (read after the write)."""
    from exhibition.checkin import scanning

    make_event(**on_today())
    visitor = make_visitor()
    first_door, second_door = make_device(name="Cổng 1"), make_device(name="Cổng 2")
    real = scanning.read_facts
    other = {}

    def read_then_lose_the_race(connection, **kwargs):
        facts = real(connection, **kwargs)
        if not other:  # between this door's read and its write, the other door lets them in
            other["answer"] = scan(app.test_client(), second_door, visitor["badge_code"], "w")
        return facts

    monkeypatch.setattr(scanning, "read_facts", read_then_lose_the_race)
    lost = scan(client, first_door, visitor["badge_code"], "l").json
    won = other["answer"].json
    assert (won["result"], lost["result"]) == ("ok", "already_checked_in")
    assert lost["first_checked_in_at"] == won["scan"]["scanned_at"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: scans take turns
def test_a_door_deleted_between_the_read_and_the_write_is_a_clear_409(
    app, client, make_event, make_visitor, make_device, monkeypatch
):
    """Only the nonce's own key means "sent before"; another key failing (the checkpoint
    deleted by an organiser at that moment) is answered scan_clashed, never a server error,
    and nothing of the scan stays."""
    from exhibition.checkin import scanning
    from exhibition.checkin.models import Checkpoint

    make_event(**on_today())
    visitor = make_visitor()
    token = make_device()
    real = scanning.read_facts

    def read_then_lose_the_door(connection, **kwargs):
        facts = real(connection, **kwargs)
        with app.app_context():
            db.session.execute(sa.delete(Checkpoint))
            db.session.commit()
        return facts

    monkeypatch.setattr(scanning, "read_facts", read_then_lose_the_door)
    answer = scan(client, token, visitor["badge_code"], "n-1")
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "scan_clashed"
    assert stored_scans(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Presence.id))) == 0

"""Check-in rules per checkpoint: entry and exit, re-entry, once per day, undo, offline uploads,
device set-up links and the list a station keeps offline."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from exhibition.checkin.models import Checkpoint, Device, Presence, Scan
from exhibition.checkin.offline import badge_hash
from exhibition.checkin.services import save_checkpoint
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.visitors.models import Registration
from tests.conftest import scan

AUTH = "Authorization"


def bearer(token):
    return {AUTH: f"Bearer {token}"}


def set_rules(app, *, allow_reentry=True, daily=True):
    with app.app_context():
        event = get_event(slug="expo-2026")
        entrance = db.session.scalar(sa.select(Checkpoint)) or save_checkpoint(
            event=event, name_vi="Cổng chính"
        )
        entrance.allow_reentry, entrance.daily = allow_reentry, daily
        for device in db.session.scalars(sa.select(Device)):
            device.checkpoint_id = entrance.id
        db.session.commit()


def test_exit_then_reentry_is_ok_where_allowed(app, client, make_event, make_visitor, make_device):
    make_event()
    visitor = make_visitor()
    token = make_device()
    set_rules(app, allow_reentry=True)
    code = visitor["badge_code"]
    answers = [
        scan(client, token, code, "1").json["result"],
        scan(client, token, code, "2").json["result"],
        scan(client, token, code, "3", "exit").json["result"],
        scan(client, token, code, "4").json["result"],
    ]
    assert answers == ["ok", "already_checked_in", "ok", "ok"]
    with app.app_context():
        (presence,) = db.session.scalars(sa.select(Presence)).all()
        assert presence.inside is True


def test_no_reentry_checkpoint_refuses_a_second_entry_after_exit(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    set_rules(app, allow_reentry=False)
    code = visitor["badge_code"]
    assert scan(client, token, code, "1").json["result"] == "ok"
    assert scan(client, token, code, "2", "exit").json["result"] == "ok"
    again = scan(client, token, code, "3")
    assert again.json["result"] == "already_checked_in"
    assert again.json["first_checked_in_at"]


def test_a_badge_counts_once_per_day_on_a_multi_day_event(
    app, client, make_event, make_visitor, make_device
):
    make_event(starts_at=datetime.now(UTC) - timedelta(days=2))  # opened two days ago
    visitor = make_visitor()
    token = make_device()
    set_rules(app, allow_reentry=False, daily=True)
    code = visitor["badge_code"]
    day_one = datetime.now(UTC) - timedelta(days=1)
    batch = client.post(
        "/api/v1/checkin/batch",
        json={
            "scans": [
                {"code": code, "nonce": "d1", "type": "entry", "scanned_at": day_one.isoformat()}
            ]
        },
        headers=bearer(token),
    )
    assert batch.json["results"][0]["result"] == "ok"
    assert scan(client, token, code, "d2").json["result"] == "ok"  # a new day
    assert scan(client, token, code, "d2b").json["result"] == "already_checked_in"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Presence.id))) == 2
        first = db.session.get(Registration, visitor["id"]).checked_in_at
        assert abs(first - day_one) < timedelta(seconds=1)


def test_not_daily_checkpoint_counts_once_for_the_event(
    app, client, make_event, make_visitor, make_device
):
    make_event(starts_at=datetime.now(UTC) - timedelta(days=2))  # opened two days ago
    visitor = make_visitor()
    token = make_device()
    set_rules(app, allow_reentry=False, daily=False)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    code = visitor["badge_code"]
    client.post(
        "/api/v1/checkin/batch",
        json={"scans": [{"code": code, "nonce": "d1", "type": "entry", "scanned_at": yesterday}]},
        headers=bearer(token),
    )
    assert scan(client, token, code, "d2").json["result"] == "already_checked_in"


def test_undo_takes_back_the_last_scan_within_its_window(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    code = visitor["badge_code"]
    assert client.post("/api/v1/checkin/undo", headers=bearer(token)).status_code == 409
    assert scan(client, token, code, "1").json["result"] == "ok"
    undone = client.post("/api/v1/checkin/undo", headers=bearer(token))
    assert undone.status_code == 200 and undone.json["undone"]["nonce"] == "1"
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).checked_in_at is None
        assert db.session.scalar(sa.select(sa.func.count(Presence.id))) == 0
        assert db.session.scalar(sa.select(Scan.undone_at)) is not None
    # The person is let in properly, and undoing twice does nothing more.
    assert client.post("/api/v1/checkin/undo", headers=bearer(token)).status_code == 409
    assert scan(client, token, code, "2").json["result"] == "ok"
    # The window closes: a scan received longer ago than the window cannot be undone.
    with app.app_context():
        last = db.session.scalar(sa.select(Scan).order_by(Scan.id.desc()))
        last.received_at = last.received_at - timedelta(seconds=301)
        db.session.commit()
    late = client.post("/api/v1/checkin/undo", headers=bearer(token))
    assert late.status_code == 409 and late.json["error"]["code"] == "nothing_to_undo"
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).checked_in_at is not None


def test_undo_of_an_exit_puts_the_person_inside_again(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    code = visitor["badge_code"]
    scan(client, token, code, "1")
    scan(client, token, code, "2", "exit")
    assert client.post("/api/v1/checkin/undo", headers=bearer(token)).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Presence.inside)) is True


def test_offline_batch_is_stored_once_and_flags_what_changed_meanwhile(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    a, b = make_visitor(), make_visitor()
    door1, door2 = make_device(name="Cổng 1"), make_device(name="Cổng 2")
    # Meanwhile, b came in at door 2 (online).
    assert scan(client, door2, b["badge_code"], "x").json["result"] == "ok"
    ten_ago = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    batch = {
        "scans": [
            {"code": a["badge_code"], "nonce": "o1", "type": "entry", "scanned_at": ten_ago, "station_result": "ok"},
            {"code": b["badge_code"], "nonce": "o2", "type": "entry", "scanned_at": ten_ago, "station_result": "ok"},
            {"code": "NOT-A-BADGE", "nonce": "o3", "type": "entry", "scanned_at": ten_ago, "station_result": "invalid"},
            {"code": a["badge_code"], "nonce": "o4", "type": "entry", "scanned_at": "yesterday"},
        ]
    }  # fmt: skip
    first = client.post("/api/v1/checkin/batch", json=batch, headers=bearer(door1))
    assert first.status_code == 200
    results = first.json["results"]
    assert [r.get("result") for r in results] == ["ok", "already_checked_in", "invalid", None]
    assert [r["scan"]["flagged"] for r in results[:3]] == [False, True, False]
    assert results[3]["error"]["fields"]["scanned_at"]
    again = client.post("/api/v1/checkin/batch", json=batch, headers=bearer(door1))
    assert [r.get("replayed") for r in again.json["results"][:3]] == [True, True, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 4
        assert db.session.scalar(sa.select(sa.func.count()).where(Scan.flagged)) == 1
    for bad in ({}, {"scans": []}, {"scans": "x"}, {"scans": [{}] * 501}):
        assert (
            client.post("/api/v1/checkin/batch", json=bad, headers=bearer(door1)).status_code == 400
        )


def test_a_setup_link_works_once_and_replaces_the_token(app, client, make_event, make_device):
    from exhibition.checkin.services import issue_setup_code

    make_event()
    old_token = make_device()
    with app.app_context():
        code = issue_setup_code(device=db.session.scalar(sa.select(Device)))
        db.session.commit()
    assert client.get(f"/checkin/setup/{code}").status_code == 200
    exchanged = client.post("/api/v1/device/setup", json={"code": code})
    assert exchanged.status_code == 200
    new_token = exchanged.json["token"]
    assert client.get("/api/v1/device", headers=bearer(new_token)).status_code == 200
    assert client.get("/api/v1/device", headers=bearer(old_token)).status_code == 401
    spent = client.post("/api/v1/device/setup", json={"code": code})
    assert spent.status_code == 404 and spent.json["error"]["code"] == "setup_code_invalid"
    assert client.post("/api/v1/device/setup", json={"code": 5}).status_code == 404


def test_the_offline_list_holds_hashes_not_codes(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    cancelled = make_visitor()
    token = make_device()
    with app.app_context():
        from exhibition.visitors.models import RegistrationStatus

        db.session.get(Registration, cancelled["id"]).status = RegistrationStatus.CANCELLED
        db.session.commit()
    scan(client, token, visitor["badge_code"], "1")
    listing = client.get("/api/v1/checkpoint/badges", headers=bearer(token))
    assert listing.status_code == 200
    assert visitor["badge_code"] not in listing.text
    (badge,) = listing.json["badges"]
    assert badge["h"] == badge_hash(visitor["badge_code"])
    assert badge["n"] == "Nguyễn Thị Hồng Nhung" and badge["in"]
    assert client.get("/api/v1/checkpoint/badges").status_code == 401

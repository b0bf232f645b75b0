"""One person, one presence a day, whichever entrance: a badge inside by one gate is not let in
again at another, "no re-entry" holds across gates, and concurrent scans of one badge at several
gates give exactly one `ok`. Entries on a day the exhibition is not on are amber `not_today`."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from exhibition.checkin.models import Checkpoint, Device, Presence, Scan
from exhibition.checkin.services import save_checkpoint
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.visitors.models import Registration
from tests.conftest import scan


def opens_in_a_month() -> dict:
    now = datetime.now(UTC)
    return dict(
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=33),
        registration_closes_at=now + timedelta(days=29),
    )


def gates(app, make_device, names, *, allow_reentry=True, daily=True):
    """Entrances with these names, each with its own device; returns their tokens."""
    tokens = []
    for name in names:
        token = make_device(name=f"Máy {name}")
        with app.app_context():
            event = get_event(slug="expo-2026")
            gate = save_checkpoint(
                event=event, name_vi=name, allow_reentry=allow_reentry, daily=daily
            )
            device = db.session.scalar(sa.select(Device).where(Device.name == f"Máy {name}"))
            device.checkpoint_id = gate.id
            db.session.commit()
        tokens.append(token)
    return tokens


def test_a_person_inside_by_one_entrance_is_already_checked_in_at_another(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    code = make_visitor()["badge_code"]
    east, west = gates(app, make_device, ["Cổng Đông", "Cổng Tây"])
    assert scan(client, east, code, "1").json["result"] == "ok"
    at_west = scan(client, west, code, "2").json
    assert at_west["result"] == "already_checked_in"
    assert at_west["first_checked_in_at"]
    # Out by the west gate, in again by the west gate: a re-entry where allowed.
    assert scan(client, west, code, "3", "exit").json["result"] == "ok"
    assert scan(client, west, code, "4").json["result"] == "ok"
    assert scan(client, east, code, "5").json["result"] == "already_checked_in"
    with app.app_context():
        (presence,) = db.session.scalars(sa.select(Presence)).all()
        west_gate = db.session.scalar(sa.select(Checkpoint).where(Checkpoint.name_vi == "Cổng Tây"))
        assert (presence.inside, presence.checkpoint_id) == (True, west_gate.id)


def test_no_reentry_is_not_bypassed_by_another_entrance(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    code = make_visitor()["badge_code"]
    north, south = gates(app, make_device, ["Cổng Bắc", "Cổng Nam"], allow_reentry=False)
    answers = [
        scan(client, north, code, "1").json["result"],
        scan(client, north, code, "2", "exit").json["result"],
        scan(client, north, code, "3").json["result"],
        scan(client, south, code, "4").json["result"],
    ]
    assert answers == ["ok", "ok", "already_checked_in", "already_checked_in"]


def test_once_a_day_holds_across_entrances_and_the_next_day_counts_again(
    app, client, make_event, make_visitor, make_device
):
    make_event(starts_at=datetime.now(UTC) - timedelta(days=2))  # opened two days ago
    code = make_visitor()["badge_code"]
    north, south = gates(app, make_device, ["Cổng Bắc", "Cổng Nam"], allow_reentry=False)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    uploaded = client.post(
        "/api/v1/checkin/batch",
        json={"scans": [{"code": code, "nonce": "d1", "type": "entry", "scanned_at": yesterday}]},
        headers={"Authorization": f"Bearer {north}"},
    )
    assert uploaded.json["results"][0]["result"] == "ok"
    assert scan(client, south, code, "d2").json["result"] == "ok"  # a new day
    assert scan(client, north, code, "d3").json["result"] == "already_checked_in"


@pytest.mark.parametrize("count", [20])
def test_concurrent_scans_of_one_badge_at_two_entrances_give_exactly_one_ok(
    app, make_event, make_visitor, make_device, count
):
    make_event()
    visitor, warm_up = make_visitor(), make_visitor()
    east, west = gates(app, make_device, ["Cổng Đông", "Cổng Tây"])
    # More devices per gate, each seen once (no device-row write during the race).
    tokens = [east, west]
    for i in range(count - 2):
        tokens.append(make_device(name=f"Máy {i}"))
    with app.app_context():
        east_gate, west_gate = (
            db.session.scalar(sa.select(Checkpoint.id).where(Checkpoint.name_vi == name))
            for name in ("Cổng Đông", "Cổng Tây")
        )
        for i in range(count - 2):
            device = db.session.scalar(sa.select(Device).where(Device.name == f"Máy {i}"))
            device.checkpoint_id = east_gate if i % 2 else west_gate
        db.session.commit()
    client = app.test_client()
    for i, token in enumerate(tokens):
        scan(client, token, warm_up["badge_code"], f"warm-{i}", "exit")

    start = threading.Barrier(count)
    answers = []

    def worker(token, nonce):
        own = app.test_client()
        start.wait()
        answers.append(scan(own, token, visitor["badge_code"], nonce).json["result"])

    threads = [threading.Thread(target=worker, args=(t, f"n-{i}")) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == ["already_checked_in"] * (count - 1) + ["ok"]
    with app.app_context():
        presences = db.session.scalars(
            sa.select(Presence).where(Presence.registration_id == visitor["id"])
        ).all()
        assert len(presences) == 1
        gates_used = set(
            db.session.scalars(
                sa.select(Scan.checkpoint_id).where(Scan.registration_id == visitor["id"])
            )
        )
        assert gates_used == {east_gate, west_gate}


def test_an_entry_outside_the_exhibition_days_is_not_today_and_can_be_admitted(
    app, client, make_event, make_visitor, make_device
):
    make_event(**opens_in_a_month())
    visitor = make_visitor()
    token = make_device()
    code = visitor["badge_code"]
    answer = scan(client, token, code, "1").json
    assert answer["result"] == "not_today"
    assert answer["message"] == "Triển lãm không diễn ra hôm nay."
    assert answer["attendee"]["name"] == "Nguyễn Thị Hồng Nhung"
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).checked_in_at is None
        assert db.session.scalar(sa.select(sa.func.count(Presence.id))) == 0
    # The operator lets the person in all the same: an entry, marked as admitted.
    admitted = client.post(
        "/api/v1/checkin",
        json={"code": code, "nonce": "2", "type": "entry", "admit": True},
        headers={"Authorization": f"Bearer {token}"},
    ).json
    assert (admitted["result"], admitted["scan"]["admitted"]) == ("ok", True)
    assert scan(client, token, code, "3").json["result"] == "already_checked_in"  # inside
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).checked_in_at is not None
    # Leaving is never refused for the date; coming back is amber again.
    assert scan(client, token, code, "4", "exit").json["result"] == "ok"
    assert scan(client, token, code, "4b").json["result"] == "not_today"
    bad = client.post(
        "/api/v1/checkin",
        json={"code": code, "nonce": "5", "admit": "yes"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422 and "admit" in bad.json["error"]["fields"]


def test_admit_on_an_exhibition_day_is_an_ordinary_entry(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    code = make_visitor()["badge_code"]
    token = make_device()
    answer = client.post(
        "/api/v1/checkin",
        json={"code": code, "nonce": "1", "admit": True},
        headers={"Authorization": f"Bearer {token}"},
    ).json
    assert (answer["result"], answer["scan"]["admitted"]) == ("ok", False)
    assert scan(client, token, code, "2").json["result"] == "already_checked_in"


def test_an_exit_answers_its_own_words_not_the_welcome(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    code = make_visitor()["badge_code"]
    token = make_device()
    entry = scan(client, token, code, "in").json
    assert (entry["result"], entry["message"]) == ("ok", "Chào mừng quý khách!")
    out = scan(client, token, code, "out", "exit").json
    assert (out["result"], out["scan"]["type"]) == ("ok", "exit")
    assert out["message"] == "Đã ghi nhận ra — hẹn gặp lại"
    english = client.post(
        "/api/v1/checkin?lang=en",
        json={"code": code, "nonce": "out-2", "type": "exit"},
        headers={"Authorization": f"Bearer {token}"},
    ).json
    assert english["message"] == "Exit recorded — see you again"

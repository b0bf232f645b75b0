"""Organisers set up checkpoints and devices: add, rename, move, set-up link, revoke."""

import re

import sqlalchemy as sa

from exhibition.checkin.models import Checkpoint, Device
from exhibition.extensions import db
from tests.conftest import csrf_token, login_client, scan

BASE = "/admin/events/expo-2026"


def test_checkpoint_added_device_moved_renamed_and_set_up_by_link(
    app, client, make_event, make_session, make_visitor
):
    make_event()
    make_session(title="Hội thảo", room="Phòng 1")
    visitor = make_visitor()
    login_client(app, client)
    page = client.get(f"{BASE}/devices")
    token = csrf_token(page.text)
    with app.app_context():
        room_id = db.session.scalar(sa.text("SELECT id FROM rooms"))
    added = client.post(
        f"{BASE}/checkpoints",
        data={"csrf_token": token, "name_vi": "Cửa phòng 1", "name_en": "Room 1 door", "room": str(room_id), "daily": "y"},
    )  # fmt: skip
    assert added.status_code == 302
    duplicate = client.post(
        f"{BASE}/checkpoints", data={"csrf_token": token, "name_vi": "Cửa phòng 1"}
    )
    assert duplicate.status_code == 422
    with app.app_context():
        entrance, door = db.session.scalars(sa.select(Checkpoint).order_by(Checkpoint.id)).all()
        assert (door.room_id, door.allow_reentry, door.daily) == (room_id, False, True)
        entrance_id, door_id = entrance.id, door.id
    created = client.post(
        f"{BASE}/devices",
        data={"csrf_token": token, "name": "Máy 1", "checkpoint": str(entrance_id)},
    )
    assert created.status_code == 200
    link = re.search(
        r'id="setup-link" class="mono" type="text" readonly value="([^"]+)"', created.text
    )
    code = link.group(1).rsplit("/", 1)[-1]
    device_token = client.post("/api/v1/device/setup", json={"code": code}).json["token"]
    assert scan(client, device_token, visitor["badge_code"], "n1").json["result"] == "ok"
    with app.app_context():
        device_id = db.session.scalar(sa.select(Device.id))
    moved = client.post(
        f"{BASE}/devices/{device_id}",
        data={"csrf_token": token, "name": "Máy cửa phòng", "checkpoint": str(door_id)},
    )
    assert moved.status_code == 302
    # The station asks in its own language (?lang=, as station-core.js does): the API never reads
    # the language of the organiser's session, nor sets a session cookie.
    device_info = client.get(
        "/api/v1/device?lang=en", headers={"Authorization": f"Bearer {device_token}"}
    )
    assert "Set-Cookie" not in device_info.headers
    info = device_info.json
    assert info["device"]["name"] == "Máy cửa phòng"
    assert info["checkpoint"]["name"] == "Room 1 door" and info["checkpoint"]["room"] == "Phòng 1"
    # A new set-up link replaces the old one; revoking refuses the device at once.
    again = client.post(f"{BASE}/devices/{device_id}/setup", data={"csrf_token": token})
    assert again.status_code == 200 and "setup-link" in again.text
    client.post(f"{BASE}/devices/{device_id}/revoke", data={"csrf_token": token})
    refused = scan(client, device_token, visitor["badge_code"], "n2")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "device_revoked"
    assert (
        client.post(f"{BASE}/devices/999999/revoke", data={"csrf_token": token}).status_code == 404
    )

"""A lost badge: the station finds the person and checks them in with a handle, never with the
badge code (a stolen station must not harvest badges that can be copied)."""

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from exhibition.checkin import offline
from exhibition.checkin.models import Device, Scan
from exhibition.dbtypes import utcnow
from exhibition.extensions import db
from exhibition.visitors.models import Registration

NAME = "Nguyễn Thị Hồng Nhung"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def search(client, token, query):
    return client.get("/api/v1/checkpoint/search", query_string={"q": query}, headers=auth(token))


def checkin(client, token, nonce, **body):
    return client.post(
        "/api/v1/checkin?lang=en", json={"nonce": nonce, **body}, headers=auth(token)
    )


def person(app, registration_id):
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        scans = db.session.scalars(
            sa.select(Scan.nonce).where(Scan.registration_id == registration_id)
        ).all()
        return registration.checked_in_at, scans


def all_scans(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Scan.id)))


def test_search_answer_holds_no_badge_code(app, client, make_event, make_visitor, make_device):
    make_event()
    visitor = make_visitor()
    make_visitor(full_name="Nguyễn Văn An", organisation="Công ty Nhựa")
    token = make_device()
    found = search(client, token, "nguyen")
    assert found.status_code == 200
    text = found.get_data(as_text=True)
    with app.app_context():
        codes = db.session.scalars(sa.select(Registration.badge_code)).all()
    assert len(codes) == 2
    for code in codes:
        assert code not in text and code.lower() not in text
    assert visitor["email"] not in text and "912345678" not in text
    results = found.json["results"]
    assert sorted(r["name"] for r in results) == [NAME, "Nguyễn Văn An"]
    (nhung,) = [r for r in results if r["name"] == NAME]
    assert set(nhung) == {
        "handle",
        "badge_hash",
        "name",
        "organisation",
        "category",
        "checked_in_at",
    }
    assert (nhung["organisation"], nhung["category"], nhung["checked_in_at"]) == (
        "Công ty TNHH Cơ khí Hải An",
        "Khách thương mại",
        None,
    )
    # The hash the offline list knows the badge by, so that a station offline can answer.
    assert nhung["badge_hash"] == offline.badge_hash(visitor["badge_code"])


def test_search_handle_checks_the_person_in_once(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    (found,) = search(client, token, "nhung hai an").json["results"]
    answer = checkin(client, token, "h-1", handle=found["handle"], type="entry")
    assert answer.status_code == 200
    assert (answer.json["result"], answer.json["attendee"]["name"]) == ("ok", NAME)
    again = checkin(client, token, "h-1", handle=found["handle"], type="entry")
    assert (again.json["result"], again.json["replayed"]) == ("ok", True)
    second = checkin(client, token, "h-2", handle=found["handle"])
    assert second.json["result"] == "already_checked_in"
    checked_in_at, scans = person(app, visitor["id"])
    assert checked_in_at is not None and sorted(scans) == ["h-1", "h-2"]
    (after,) = search(client, token, "nhung").json["results"]
    assert after["checked_in_at"] == answer.json["scan"]["scanned_at"]
    # The badge itself still works beside it: a scan of the code is judged as before.
    scanned = checkin(client, token, "c-1", code=visitor["badge_code"])
    assert scanned.json["result"] == "already_checked_in"


def test_handle_of_another_device_tampered_or_expired_is_refused(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    make_event(slug="other-2026")
    visitor = make_visitor()
    gate1, gate2 = make_device(name="Cổng 1"), make_device(name="Cổng 2")
    elsewhere = make_device(slug="other-2026", name="Cổng khác")
    (found,) = search(client, gate1, "nhung").json["results"]
    handle = found["handle"]
    with app.app_context():
        device = db.session.scalar(sa.select(Device).where(Device.name == "Cổng 1"))
        registration = db.session.get(Registration, visitor["id"])
        late = utcnow() - offline.HANDLE_MAX_AGE - timedelta(minutes=1)
        expired = offline.search_handle(device=device, registration=registration, now=late)
        fresh = offline.search_handle(device=device, registration=registration)
    tampered = handle[:-3] + ("AAA" if handle[-3:] != "AAA" else "BBB")
    cases = [
        (gate2, handle),  # another device of the exhibition
        (elsewhere, handle),  # a device of another exhibition
        (gate1, tampered),
        (gate1, expired),
        (gate1, visitor["badge_code"]),  # a badge code is not a handle
        (gate1, "x" * 50),
    ]
    for n, (token, value) in enumerate(cases):
        answer = checkin(client, token, f"bad-{n}", handle=value)
        assert answer.status_code == 422, n
        assert answer.json["error"]["code"] == "invalid_handle", n
        assert answer.json["error"]["message"] == (
            "This search result is no longer valid here. Search for the person again."
        )
    assert person(app, visitor["id"]) == (None, [])
    assert all_scans(app) == 0
    assert checkin(client, gate1, "good", handle=fresh).json["result"] == "ok"


def test_checkin_takes_exactly_one_of_code_and_handle(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    (found,) = search(client, token, "nhung").json["results"]
    both = checkin(client, token, "n1", code=visitor["badge_code"], handle=found["handle"])
    assert both.status_code == 422
    assert both.json["error"]["code"] == "validation_failed"
    assert both.json["error"]["fields"] == {
        "handle": "Send either the badge code or a search result's handle, not both."
    }
    neither = checkin(client, token, "n2")
    assert neither.status_code == 422 and set(neither.json["error"]["fields"]) == {"code"}
    for bad in ("", " ", 12, "\x00abc", "h" * 201):
        answer = checkin(client, token, "n3", handle=bad)
        assert answer.status_code == 422, bad
        assert set(answer.json["error"]["fields"]) == {"handle"}, bad
    assert all_scans(app) == 0


def test_batch_takes_handles_judged_at_the_time_of_the_scan(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    first = make_visitor()
    second = make_visitor(full_name="Phạm Văn Cường")
    token = make_device()
    (nhung,) = search(client, token, "nhung").json["results"]
    (cuong,) = search(client, token, "cuong").json["results"]
    now = datetime.now(UTC)
    scans = [
        {"handle": nhung["handle"], "nonce": "b1", "scanned_at": now.isoformat()},
        # a scan an hour away from the search the handle came from
        {
            "handle": cuong["handle"],
            "nonce": "b2",
            "scanned_at": (now - timedelta(hours=1)).isoformat(),
        },
        {"handle": nhung["handle"], "code": first["badge_code"], "nonce": "b3"},
    ]
    answer = client.post("/api/v1/checkin/batch", json={"scans": scans}, headers=auth(token))
    assert answer.status_code == 200
    results = answer.json["results"]
    assert results[0]["result"] == "ok" and results[0]["scan"]["offline"] is True
    assert results[1]["error"]["code"] == "invalid_handle"
    assert results[2]["error"]["code"] == "validation_failed"
    assert person(app, first["id"])[1] == ["b1"]
    assert person(app, second["id"]) == (None, [])
    # Uploaded again (the station did not hear the answer): the stored answer, nothing new.
    again = client.post("/api/v1/checkin/batch", json={"scans": scans[:1]}, headers=auth(token))
    assert again.json["results"][0]["replayed"] is True
    assert all_scans(app) == 1


def test_station_search_finds_a_person_and_checks_them_in_by_clicking(
    app, make_event, make_visitor, make_device, browser, live_server
):
    make_event()
    visitor = make_visitor()
    make_visitor(full_name="Phạm Văn Cường")
    token = make_device(name="Cổng 1")
    page = browser.new_page()
    answers = []
    page.on(
        "response",
        lambda response: (
            answers.append(response.text()) if "/api/v1/checkpoint/search" in response.url else None
        ),
    )
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    page.click("#search-box summary")
    page.fill("#search-input", "hong nhung")
    page.press("#search-input", "Enter")
    item = page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() == 1
    label = item.inner_text()
    assert NAME in label and "Công ty TNHH Cơ khí Hải An" in label
    assert "912" not in label and "345" not in label
    item.query_selector("button").click()
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert NAME in result.inner_text()
    (body,) = answers
    assert visitor["badge_code"] not in body
    with app.app_context():
        (stored,) = db.session.scalars(sa.select(Scan)).all()
        assert (stored.registration_id, stored.result.value) == (visitor["id"], "ok")
        assert db.session.get(Registration, visitor["id"]).checked_in_at is not None


def test_station_offline_checks_in_a_search_result_and_uploads_it(
    app, make_event, make_visitor, make_device, browser, live_server
):
    make_event()
    visitor = make_visitor()
    token = make_device(name="Cổng 1")
    context = browser.new_context()
    page = context.new_page()
    uploads = []
    page.on(
        "requestfinished",
        lambda request: (
            uploads.append(json.loads(request.post_data))
            if request.url.split("?")[0].endswith("/api/v1/checkin/batch")
            else None
        ),
    )
    with page.expect_response(lambda r: "/api/v1/checkpoint/badges" in r.url):
        page.goto(f"{live_server}/checkin?lang=en")
        page.fill("#device-token", token)
        page.click("#setup-form button[type=submit]")
        page.wait_for_selector("#scanner:not([hidden])")
    page.click("#search-box summary")
    page.fill("#search-input", "nhung")
    page.press("#search-input", "Enter")
    button = page.wait_for_selector("#search-results li button")
    context.set_offline(True)
    page.wait_for_selector("#station-status.is-offline")
    button.click()
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert NAME in result.inner_text()  # answered from the offline list
    page.wait_for_selector('#station-queue[data-count="1"]')
    assert all_scans(app) == 0
    context.set_offline(False)
    page.wait_for_selector('#station-queue[data-count="0"]', state="attached", timeout=20000)
    ((scan,),) = [upload["scans"] for upload in uploads]
    assert "code" not in scan and scan["handle"]
    with app.app_context():
        (stored,) = db.session.scalars(sa.select(Scan)).all()
        assert (stored.registration_id, stored.result.value) == (visitor["id"], "ok")
        assert stored.offline and not stored.flagged

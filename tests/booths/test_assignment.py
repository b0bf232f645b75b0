"""Assigning booths by hand: one exhibitor per booth, also when organisers click at the same moment."""

import threading

import sqlalchemy as sa

from exhibition.booths.models import BoothAssignment
from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
from exhibition.extensions import db
from tests.conftest import csrf_token, login_client


def assignments(app):
    with app.app_context():
        return [
            (a.booth.code, a.exhibitor_id)
            for a in db.session.scalars(sa.select(BoothAssignment).order_by(BoothAssignment.id))
        ]


def status_of(app, exhibitor_id):
    with app.app_context():
        return db.session.get(Exhibitor, exhibitor_id).status


def json_headers(client):
    token = csrf_token(client.get("/admin/login").text)
    return {"X-CSRFToken": token}


def test_assign_then_free_moves_the_exhibitor_along_the_workflow(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor()
    exhibitor = make_exhibitor()
    login_client(app, client)
    headers = json_headers(client)
    response = client.post(
        "/admin/events/expo-2026/booths/A01/assign",
        json={"exhibitor_id": exhibitor},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json["ok"] is True
    assert assignments(app) == [("A01", exhibitor)]
    assert status_of(app, exhibitor) is ExhibitorStatus.BOOTH_ASSIGNED
    assert (
        client.post("/admin/events/expo-2026/booths/A01/free", json={}, headers=headers).status_code
        == 200
    )
    assert assignments(app) == []
    assert status_of(app, exhibitor) is ExhibitorStatus.APPROVED


def test_assign_a_taken_booth_answers_409_booth_taken(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor()
    first, second = make_exhibitor(), make_exhibitor()
    login_client(app, client)
    headers = json_headers(client)
    client.post(
        "/admin/events/expo-2026/booths/A01/assign", json={"exhibitor_id": first}, headers=headers
    )
    response = client.post(
        "/admin/events/expo-2026/booths/A01/assign", json={"exhibitor_id": second}, headers=headers
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "booth_taken"
    assert assignments(app) == [("A01", first)]
    assert status_of(app, second) is ExhibitorStatus.APPROVED


def test_assign_refuses_unapproved_exhibitors_and_bad_input(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor()
    submitted = make_exhibitor(status="submitted")
    login_client(app, client)
    headers = json_headers(client)
    url = "/admin/events/expo-2026/booths/A01/assign"
    refused = client.post(url, json={"exhibitor_id": submitted}, headers=headers)
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "exhibitor_not_approved")
    for payload in ({}, {"exhibitor_id": "x"}, {"exhibitor_id": None}, {"exhibitor_id": [1]}):
        response = client.post(url, json=payload, headers=headers)
        assert (response.status_code, response.json["error"]["code"]) == (
            422,
            "validation_failed",
        ), payload
    missing = client.post(url, json={"exhibitor_id": 999999}, headers=headers)
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "exhibitor_not_found")
    unknown_booth = client.post(
        "/admin/events/expo-2026/booths/Z99/assign",
        json={"exhibitor_id": submitted},
        headers=headers,
    )
    assert (unknown_booth.status_code, unknown_booth.json["error"]["code"]) == (
        404,
        "booth_not_found",
    )
    assert client.post(url, json={"exhibitor_id": submitted}).status_code == 400  # no CSRF token
    assert assignments(app) == []


def test_assign_through_the_booth_page_form(app, client, make_event, make_floor, make_exhibitor):
    make_event()
    make_floor()
    exhibitor = make_exhibitor()
    login_client(app, client)
    page = client.get("/admin/events/expo-2026/booths/A02")
    assert f'<option value="{exhibitor}">' in page.text
    response = client.post(
        "/admin/events/expo-2026/booths/A02/assign",
        data={"csrf_token": csrf_token(page.text), "exhibitor_id": str(exhibitor)},
    )
    assert response.status_code == 302
    assert "is now" in client.get(response.headers["Location"]).text
    plan = client.get("/admin/events/expo-2026/floorplan")
    assert 'class="booth booth-assigned booth-standard' in plan.text
    assert "Thử nghiệm" in plan.text


def test_many_organisers_assigning_one_booth_at_once_leave_one_assignment(
    app, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor()
    threads_count = 50 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 10
    exhibitors = [make_exhibitor() for _ in range(threads_count)]
    main = login_client(app, app.test_client())
    session_cookie = main.get_cookie("session")
    token = csrf_token(main.get("/admin/login").text)
    start = threading.Barrier(threads_count)
    answers = []

    def organiser(exhibitor_id):
        client = app.test_client()
        client.set_cookie("session", session_cookie.value)
        start.wait()
        response = client.post(
            "/admin/events/expo-2026/booths/A01/assign",
            json={"exhibitor_id": exhibitor_id},
            headers={"X-CSRFToken": token},
        )
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=organiser, args=(e,)) for e in exhibitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    codes = sorted(status for status, _ in answers)
    assert codes == [200] + [409] * (threads_count - 1)
    assert all(body["error"]["code"] == "booth_taken" for status, body in answers if status == 409)
    (only,) = assignments(app)
    assert only[0] == "A01"
    with app.app_context():
        statuses = [db.session.get(Exhibitor, e).status for e in exhibitors]
    assert statuses.count(ExhibitorStatus.BOOTH_ASSIGNED) == 1
    assert statuses.count(ExhibitorStatus.APPROVED) == threads_count - 1


def test_assign_json_refuses_odd_ids_with_422(app, client, make_event, make_floor, make_exhibitor):
    make_event()
    make_floor()
    make_exhibitor()
    login_client(app, client)
    headers = {**json_headers(client), "Content-Type": "application/json"}
    for body in [
        '{"exhibitor_id": 1000000000000000000000000000000}',
        '{"exhibitor_id": 9223372036854775808}',
        '{"exhibitor_id": 1e400}',
        '"x"',
        "[1]",
        '{"exhibitor_id": true}',
        '{"exhibitor_id": 1.9}',
        '{"exhibitor_id": -1}',
    ]:
        response = client.post(
            "/admin/events/expo-2026/booths/A01/assign", data=body, headers=headers
        )
        assert (response.status_code, response.json["error"]["code"]) == (
            422,
            "validation_failed",
        ), body
    assert assignments(app) == []


def test_move_keeps_status_and_staff(app, client, make_event, make_floor, make_exhibitor):
    make_event()
    make_floor(count=3)
    exhibitor = make_exhibitor()
    login_client(app, client)
    headers = json_headers(client)
    client.post(
        "/admin/events/expo-2026/booths/A01/assign",
        json={"exhibitor_id": exhibitor},
        headers=headers,
    )
    with app.app_context():
        from exhibition.exhibitors.services import change_status

        change_status(exhibitor=db.session.get(Exhibitor, exhibitor), to=ExhibitorStatus.CONFIRMED)
        db.session.commit()
    moved = client.post(
        "/admin/events/expo-2026/booths/A01/move", json={"to": "A03"}, headers=headers
    )
    assert moved.status_code == 200
    assert assignments(app) == [("A03", exhibitor)]
    assert status_of(app, exhibitor) is ExhibitorStatus.CONFIRMED
    other = make_exhibitor()
    client.post(
        "/admin/events/expo-2026/booths/A02/assign", json={"exhibitor_id": other}, headers=headers
    )
    taken = client.post(
        "/admin/events/expo-2026/booths/A03/move", json={"to": "A02"}, headers=headers
    )
    assert (taken.status_code, taken.json["error"]["code"]) == (409, "booth_taken")
    assert sorted(assignments(app)) == [("A02", other), ("A03", exhibitor)]
    same = client.post(
        "/admin/events/expo-2026/booths/A03/move", json={"to": "A03"}, headers=headers
    )
    assert (same.status_code, same.json["error"]["code"]) == (422, "same_booth")
    empty = client.post(
        "/admin/events/expo-2026/booths/A01/move", json={"to": "A02"}, headers=headers
    )
    assert (empty.status_code, empty.json["error"]["code"]) == (409, "booth_free")


def test_freeing_the_last_booth_of_a_confirmed_exhibitor_makes_it_approved(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor()
    exhibitor = make_exhibitor()
    login_client(app, client)
    headers = json_headers(client)
    client.post(
        "/admin/events/expo-2026/booths/A01/assign",
        json={"exhibitor_id": exhibitor},
        headers=headers,
    )
    with app.app_context():
        from exhibition.exhibitors.services import change_status

        change_status(exhibitor=db.session.get(Exhibitor, exhibitor), to=ExhibitorStatus.CONFIRMED)
        db.session.commit()
    client.post("/admin/events/expo-2026/booths/A01/free", json={}, headers=headers)
    assert status_of(app, exhibitor) is ExhibitorStatus.APPROVED

"""Hostile or broken input anywhere gets a clear 4xx, never a 500, and changes nothing stored."""

import json

import sqlalchemy as sa

from exhibition.checkin.models import Scan
from exhibition.extensions import db
from exhibition.visitors.models import Registration
from tests.conftest import csrf_token, login_client, on_today, scan
from tests.visitors.test_registration_flow import form_data


def test_nul_characters_in_urls_queries_and_forms_answer_400(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    for url in [
        "/r/%00",
        "/r/a%00b/edit",
        "/r/%00/badge.png",
        "/events/%00/",
        "/events/a%00/register",
        "/?q=%00",
        "/events/expo-2026/?x%00=1",
    ]:
        assert client.get(url).status_code == 400, url
    page = client.get("/events/expo-2026/register")
    response = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, full_name="Lan\x00")
    )
    assert response.status_code == 400
    login = client.post(
        "/admin/login",
        data={
            "csrf_token": csrf_token(client.get("/admin/login").text),
            "email": "a\x00@x.com",
            "password": "x",
        },
    )
    assert login.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
        assert db.session.get(Registration, visitor["id"]).full_name == "Nguyễn Thị Hồng Nhung"


def test_checkin_refuses_control_characters_surrogates_and_deep_json(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    make_visitor()
    token = make_device()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in [
        '{"code": "AB\\u0000CD", "nonce": "x"}',
        '{"code": "X", "nonce": "a\\u0000"}',
        '{"code": "\\ud800", "nonce": "x"}',
        '{"code": "X", "nonce": "\\udfff"}',
        '{"code": "A\\u0007B", "nonce": "x"}',
    ]:
        response = client.post("/api/v1/checkin", data=body, headers=headers)
        assert (response.status_code, response.json["error"]["code"]) == (
            422,
            "validation_failed",
        ), body
    deep = '{"code": "X", "nonce": "n", "x": ' + "[" * 100000 + "]" * 100000 + "}"
    response = client.post("/api/v1/checkin", data=deep, headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_json")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 0


def test_checkin_trailing_newline_from_a_scanner_is_accepted(
    app, client, make_event, make_visitor, make_device
):
    make_event(**on_today())
    visitor = make_visitor()
    token = make_device()
    assert scan(client, token, visitor["badge_code"] + "\r\n", "n1").json["result"] == "ok"


def test_checkin_nonce_reused_for_another_badge_answers_409(
    app, client, make_event, make_visitor, make_device
):
    make_event(**on_today())
    first, second = make_visitor(), make_visitor()
    token = make_device()
    assert scan(client, token, first["badge_code"], "same").json["result"] == "ok"
    reused = scan(client, token, second["badge_code"], "same", "exit")
    assert (reused.status_code, reused.json["error"]["code"]) == (409, "nonce_reused")
    other_type = scan(client, token, first["badge_code"], "same", "exit")
    assert other_type.status_code == 409
    assert scan(client, token, first["badge_code"], "same").json["replayed"] is True


def test_odd_query_arguments_and_huge_ids_do_not_break_pages(app, client, make_event, make_visitor):
    make_event()
    make_visitor()
    for url in [
        "/?_method=POST",
        "/events/expo-2026/?_method=POST&_external=1",
        "/checkin?_anchor=x",
    ]:
        assert client.get(url).status_code == 200, url
    login_client(app, client)
    huge = "9" * 30
    for url in [
        f"/admin/events/expo-2026/registrations/{huge}",
        f"/admin/events/expo-2026/exhibitors/{huge}",
    ]:
        assert client.get(url).status_code == 404, url
    token = csrf_token(client.get("/admin/login").text)
    for url in [f"/admin/events/expo-2026/devices/{huge}/revoke", f"/admin/mail/{huge}/retry"]:
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    for query in [
        "category=²",
        f"category={huge}",
        "page=-5",
        f"page={huge}",
        "status=%F0%9F%98%80",
        "q=" + "x" * 5000,
    ]:
        assert client.get(f"/admin/events/expo-2026/registrations?{query}").status_code == 200, (
            query
        )


def test_event_form_refuses_absurd_years(app, client):
    login_client(app, client)
    page = client.get("/admin/events/new")
    data = {
        "csrf_token": csrf_token(page.text),
        "slug": "old-one",
        "name_vi": "Triển lãm cũ",
        "starts_at": "0001-01-01T09:00",
        "ends_at": "0001-01-02T09:00",
        "registration_opens_at": "0001-01-01T00:00",
        "registration_closes_at": "9999-12-31T23:59",
    }
    response = client.post("/admin/events/new", data=data)
    assert response.status_code == 422
    assert 'id="starts_at-error"' in response.text
    assert 'id="registration_closes_at-error"' in response.text


def test_email_addresses_are_stored_in_ascii_form(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/register")
    response = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, email="Lan@Ví-Dụ.vn")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Registration.email)) == "Lan@xn--v-d-rma6749a.vn"
    refused = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, email="nguyễn@example.com")
    )
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text


def test_json_error_bodies_are_valid_json_for_unknown_api_routes(app, client):
    response = client.post("/api/v1/nothing", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert json.loads(response.data)["error"]["code"] == "not_found"

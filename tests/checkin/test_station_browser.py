"""The check-in station page in headless Chromium: a handheld scanner types the code and Enter."""

import sqlalchemy as sa

from exhibition.checkin.models import Scan
from exhibition.extensions import db


def scan_with_keyboard(page, text):
    page.fill("#scan-input", text)
    page.press("#scan-input", "Enter")


def test_station_shows_ok_then_already_then_invalid(
    app, make_event, make_visitor, make_device, browser, live_server
):
    make_event()
    visitor = make_visitor()
    token = make_device(name="Cổng 1")
    page = browser.new_page()
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    assert "Cổng 1" in page.inner_text("#station-name")
    assert page.inner_text("#station-status") == "Online"

    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert "Nguyễn Thị Hồng Nhung" in result.inner_text()
    assert "result-ok" in result.get_attribute("class")

    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('[data-checkin-result="already_checked_in"]')
    assert "First checked in at" in result.inner_text()
    assert "result-warn" in result.get_attribute("class")

    code = visitor["badge_code"]
    scan_with_keyboard(page, code[:-1] + ("Q" if code[-1] != "Q" else "R"))
    result = page.wait_for_selector('[data-checkin-result="invalid"]')
    assert "result-bad" in result.get_attribute("class")
    assert page.evaluate("document.activeElement.id") == "scan-input"

    with app.app_context():
        assert [s.result.value for s in db.session.scalars(sa.select(Scan).order_by(Scan.id))] == [
            "ok",
            "already_checked_in",
            "invalid",
        ]


def test_station_refuses_an_unknown_token_and_keeps_a_good_one(
    app, make_event, make_device, browser, live_server
):
    make_event()
    token = make_device()
    page = browser.new_page()
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", "wrong-token")
    page.click("#setup-form button[type=submit]")
    error = page.wait_for_selector("#setup-error:not([hidden])")
    assert "not known" in error.inner_text()
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    page.reload()
    page.wait_for_selector("#scanner:not([hidden])")  # the token is remembered by this browser


def test_register_form_shows_country_only_for_people_from_abroad(
    app, make_event, browser, live_server
):
    make_event()
    page = browser.new_page()
    page.goto(f"{live_server}/events/expo-2026/register")
    assert not page.is_visible("#country")
    page.select_option("#province", "ABROAD")
    assert page.is_visible("#country")
    page.select_option("#province", "HP")
    assert not page.is_visible("#country")


def test_station_warns_not_today_and_lets_the_person_in_on_the_operators_word(
    app, make_event, make_visitor, make_device, browser, live_server
):
    from tests.checkin.test_entrances import opens_in_a_month

    make_event(**opens_in_a_month())
    visitor = make_visitor()
    token = make_device(name="Cổng 1")
    page = browser.new_page()
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    assert page.is_hidden("#admit")

    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('[data-checkin-result="not_today"]')
    assert "The exhibition is not on today." in result.inner_text()
    assert "result-warn" in result.get_attribute("class")
    page.click("#admit")  # "Let in anyway"
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert "Nguyễn Thị Hồng Nhung" in result.inner_text()
    assert page.is_hidden("#admit")

    with app.app_context():
        scans = db.session.scalars(sa.select(Scan).order_by(Scan.id)).all()
        assert [(s.result.value, s.admitted) for s in scans] == [
            ("not_today", False),
            ("ok", True),
        ]

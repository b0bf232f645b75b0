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
    assert "wrong or has been replaced" in error.inner_text()
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


def direction_in_view(page) -> bool:
    """Whether the direction indicator is on screen (not merely in the page)."""
    box = page.locator("#direction").bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_station_says_goodbye_on_an_exit_and_always_shows_its_direction(
    app, make_event, make_visitor, make_device, browser, live_server
):
    """An exit once answered the same green "Welcome!" as an entry, and only two small radio
    buttons told which way the station scanned."""
    make_event()
    visitor = make_visitor()
    token = make_device(name="Cổng 1")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    direction = page.locator("#direction")
    assert direction.get_attribute("data-direction") == "entry"
    assert direction.inner_text().replace("\n", " ").strip() == "Scanning: ENTRY"
    assert direction_in_view(page)

    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert result.query_selector(".result-title").inner_text() == "Welcome!"
    assert "result-ok" in result.get_attribute("class").split()
    assert result.get_attribute("data-direction") == "entry"

    page.check("#type-exit")
    assert direction.get_attribute("data-direction") == "exit"
    assert direction.inner_text().replace("\n", " ").strip() == "Scanning: EXIT"
    assert "direction-exit" in direction.get_attribute("class").split()
    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('#result[data-direction="exit"]')
    assert result.get_attribute("data-checkin-result") == "ok"
    assert result.query_selector(".result-title").inner_text() == "Exit recorded — see you again"
    classes = result.get_attribute("class").split()
    assert "result-exit" in classes and "result-ok" not in classes
    assert "Nguyễn Thị Hồng Nhung" in result.inner_text()
    indicator_colour = page.evaluate(
        "() => getComputedStyle(document.getElementById('direction')).backgroundColor"
    )
    exit_colour = page.evaluate(
        "() => getComputedStyle(document.getElementById('result')).backgroundColor"
    )
    assert exit_colour != "rgb(26, 127, 55)"  # not the entry's green
    assert indicator_colour == exit_colour  # the indicator and the answer speak one colour
    # Scrolled to the bottom of the station on a phone, the direction is still in sight.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert direction_in_view(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    assert direction_in_view(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # The direction chosen stays after a reload.
    page.reload()
    page.wait_for_selector("#scanner:not([hidden])")
    assert page.is_checked("#type-exit")
    assert direction.get_attribute("data-direction") == "exit"

    with app.app_context():
        scans = db.session.scalars(sa.select(Scan).order_by(Scan.id)).all()
        assert [(s.type.value, s.result.value) for s in scans] == [("entry", "ok"), ("exit", "ok")]


def test_station_offline_says_goodbye_on_an_exit_too(
    app, make_event, make_visitor, make_device, browser, live_server
):
    make_event()
    visitor = make_visitor()
    token = make_device(name="Cổng 1")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/checkin?lang=vi")
    with page.expect_response(lambda r: "/api/v1/checkpoint/badges" in r.url):
        page.fill("#device-token", token)
        page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    context.set_offline(True)
    page.wait_for_selector("#station-status.is-offline")

    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('#result[data-checkin-result="ok"][data-direction="entry"]')
    assert result.query_selector(".result-title").inner_text() == "Chào mừng quý khách!"
    page.check("#type-exit")
    assert page.locator("#direction").inner_text().replace("\n", " ").strip() == "Đang quét: RA"
    scan_with_keyboard(page, visitor["badge_code"])
    result = page.wait_for_selector('#result[data-checkin-result="ok"][data-direction="exit"]')
    assert result.query_selector(".result-title").inner_text() == "Đã ghi nhận ra — hẹn gặp lại"
    assert "result-exit" in result.get_attribute("class").split()
    assert "Xử lý khi mất mạng" in result.inner_text()

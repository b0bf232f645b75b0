"""The meeting station in headless Chromium: a device set up at the check-in station picks a
session and a table, and a handheld scanner (typed code + Enter) scans both people's badges."""

from datetime import UTC, datetime, timedelta

import pytest

from exhibition.extensions import db
from exhibition.matchmaking.models import Meeting
from tests.matchmaking.conftest import HANOI, get
from tests.matchmaking.past import badge, meet


def scan_with_keyboard(page, text):
    page.fill("#scan-input", text)
    page.press("#scan-input", "Enter")


def test_the_meeting_station_marks_both_sides_and_refuses_a_stranger(
    app, make_event, make_meeting_session, make_participant, make_device, browser, live_server
):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=5)
    if start.astimezone(HANOI).date() != (start + timedelta(hours=1)).astimezone(HANOI).date():
        pytest.skip("a one-hour session around now would cross midnight in Viet Nam")
    make_event()
    sid = make_meeting_session(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        slot_minutes=60,
        buffer_minutes=0,
        booking_opens_at=start - timedelta(days=2),
        booking_closes_at=start,
        table_count=3,
    )
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng", full_name="Trần Văn Minh")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    stranger = make_participant(side="supplier", company="Nhựa Tiền Phong", full_name="Lê Thị Lan")
    with app.app_context():
        meeting = meet(sid, buyer, supplier)
        codes = [badge(p) for p in (buyer, supplier, stranger)]
    token = make_device(name="Bàn 1")

    page = browser.new_page()
    page.goto(f"{live_server}/checkin/meetings?lang=en")
    page.wait_for_selector("#no-device:not([hidden])")
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")

    page.goto(f"{live_server}/checkin/meetings?lang=en")
    page.wait_for_selector("#meeting-scanner:not([hidden])")
    page.wait_for_selector("#meeting-place option", state="attached")
    assert page.eval_on_selector_all("#meeting-place option", "o => o.map(e => e.value)") == [
        "t:1",
        "t:2",
        "t:3",
    ]
    page.select_option("#meeting-place", "t:1")

    scan_with_keyboard(page, codes[2])
    result = page.wait_for_selector('[data-result="not_your_meeting"]')
    assert "Lê Thị Lan" in result.inner_text()
    assert "result-bad" in result.get_attribute("class")

    scan_with_keyboard(page, codes[0])
    result = page.wait_for_selector('[data-result="ok"]')
    assert "Trần Văn Minh" in result.inner_text()

    scan_with_keyboard(page, codes[1])
    result = page.wait_for_selector('[data-result="held"]')
    assert "result-ok" in result.get_attribute("class")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/shots-table/station-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="/tmp/shots-table/station-1280.png", full_page=True)

    page.select_option("#meeting-place", "t:2")
    scan_with_keyboard(page, codes[0])
    page.wait_for_selector('[data-result="no_meeting"]')
    with app.app_context():
        row = get(Meeting, meeting)
        assert row.a_scanned_at is not None and row.b_scanned_at is not None
        db.session.rollback()

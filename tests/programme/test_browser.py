"""The schedule grid's drag and drop and the station's session checkpoint, in headless Chromium."""

import sqlalchemy as sa

from exhibition.accounts.services import create_organiser
from exhibition.extensions import db
from exhibition.programme import seats
from exhibition.programme.models import ConferenceSession, Room
from exhibition.visitors.models import Registration


def sign_in(app, page, live_server):
    with app.app_context():
        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("input[name=email]", "btc@example.com")
    page.fill("input[name=password]", "mat-khau-dai")
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_dragging_a_session_moves_it_and_a_taken_room_says_so(
    app, make_event, make_session, browser, live_server
):
    from datetime import UTC, datetime, timedelta

    day = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(days=30)
    make_event(starts_at=day, ends_at=day + timedelta(days=2))  # 08:00 in Vietnam
    first = make_session(title="Phiên sáng", room="Phòng 1", start_hours=1, hours=1)
    second = make_session(title="Phiên trưa", room="Phòng 2", start_hours=3, hours=1)
    with app.app_context():
        room1, room2 = db.session.scalars(sa.select(Room.id).order_by(Room.id)).all()
        start = db.session.get(ConferenceSession, first).starts_at
    page = browser.new_page()
    sign_in(app, page, live_server)
    page.goto(f"{live_server}/admin/events/expo-2026/programme/schedule")
    card = f'.grid-session[data-session-id="{second}"]'
    # Onto room 1 at the first session's time: refused, nothing moves.
    start_local = start.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    taken = f'.grid-cell[data-room-id="{room1}"][data-start="{start_local:%Y-%m-%dT%H:%M}"]'
    page.drag_and_drop(card, taken, force=True)
    page.wait_for_selector("#schedule-status.is-bad")
    assert "Phòng 1" in page.inner_text("#schedule-status")
    # One hour later in room 1: free, so it moves and the grid is drawn again.
    later = start_local + __import__("datetime").timedelta(hours=1)
    free = f'.grid-cell[data-room-id="{room1}"][data-start="{later:%Y-%m-%dT%H:%M}"]'
    page.drag_and_drop(card, free, force=True)
    page.wait_for_selector("#schedule-status:not(.is-bad) span")
    with app.app_context():
        moved = db.session.get(ConferenceSession, second)
        assert (moved.room_id, moved.starts_at) == (room1, later)
        assert moved.ends_at - moved.starts_at == __import__("datetime").timedelta(hours=1)
    assert room2  # the session left room 2


def test_station_at_a_session_door_shows_amber_for_a_visitor_without_a_seat(
    app, make_event, make_session, make_visitor, make_device, browser, live_server
):
    make_event()
    seminar = make_session(title="Hội thảo số hoá")
    seated, stranger = make_visitor(), make_visitor()
    with app.app_context():
        seats.book(
            session=db.session.get(ConferenceSession, seminar),
            registration=db.session.get(Registration, seated["id"]),
        )
        db.session.commit()
    token = make_device(name="Cửa phòng hội thảo")
    page = browser.new_page()
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")
    page.select_option("#checkpoint", str(seminar))
    page.fill("#scan-input", seated["badge_code"])
    page.press("#scan-input", "Enter")
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert "Hội thảo số hoá" in result.inner_text()
    page.fill("#scan-input", stranger["badge_code"])
    page.press("#scan-input", "Enter")
    result = page.wait_for_selector('[data-checkin-result="not_registered"]')
    assert "result-warn" in result.get_attribute("class")
    assert "Not registered for this session" in result.inner_text()

"""The demo exhibition as someone trying the system meets it: dated from the day it is loaded,
with sessions ahead to book and a full one whose waiting list can be joined, in Chromium."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.programme.models import BookingStatus, ConferenceSession, SessionBooking
from exhibition.visitors.models import Registration
from tests.test_cli import DEMO_SLUG, invoke


def test_a_visitor_of_the_fresh_demo_books_a_seat_and_joins_a_waiting_list(
    app, runner, browser, live_server
):
    assert invoke(app, runner, "seed-demo").exit_code == 0
    page = browser.new_page()
    page.goto(f"{live_server}/events/{DEMO_SLUG}/register?lang=en")
    page.fill("#full_name", "Đỗ Thị Thu Trang")
    page.fill("#email", "thu.trang@example.com")
    page.fill("#phone", "0912 345 678")
    page.select_option("#category", label="Trade visitor")
    page.select_option("#province", "HP")
    page.check("#consent_processing")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#sessions")

    offered = page.locator("#sessions li.session-item")
    assert offered.count() >= 4
    ahead = offered.filter(has_text="seats left").filter(
        has=page.locator("button", has_text="Sign up")
    )
    title = ahead.first.locator(".session-title").inner_text()
    ahead.first.locator("button", has_text="Sign up").click()
    page.wait_for_selector(".flash")
    seated = page.locator("#sessions li.session-item", has_text=title)
    assert seated.locator(".pill-booking-seated").count() == 1

    full = page.locator("#sessions li.session-item", has_text="Full: waiting list")
    assert full.count() == 1
    full_title = full.locator(".session-title").inner_text()
    full.locator("button", has_text="Join the waiting list").click()
    page.wait_for_selector(".flash")
    waiting = page.locator("#sessions li.session-item", has_text=full_title)
    assert waiting.locator(".pill-booking-waiting").count() == 1

    with app.app_context():
        person = db.session.scalar(
            sa.select(Registration).where(Registration.email == "thu.trang@example.com")
        )
        statuses = {
            db.session.get(ConferenceSession, b.session_id).title_en: b.status
            for b in db.session.scalars(
                sa.select(SessionBooking).where(SessionBooking.registration_id == person.id)
            )
        }
        assert statuses == {title: BookingStatus.SEATED, full_title: BookingStatus.WAITING}
        now = datetime.now(UTC)
        for session_title in statuses:
            session = db.session.scalar(
                sa.select(ConferenceSession).where(ConferenceSession.title_en == session_title)
            )
            assert session.starts_at > now + timedelta(days=14)  # ahead, as the demo opens later


def test_past_sessions_offer_no_sign_up_and_no_seats_left(app, runner, client, make_visitor):
    """With `--today` the demo opens today: once its first sessions are over (moved into the
    past here), no page offers a seat in them or counts their free seats."""
    from exhibition.programme.seats import book

    assert invoke(app, runner, "seed-demo", "--today").exit_code == 0
    visitor = make_visitor(slug=DEMO_SLUG, category="trade")
    with app.app_context():
        sessions = db.session.scalars(
            sa.select(ConferenceSession).order_by(ConferenceSession.starts_at)
        ).all()
        seminar = next(s for s in sessions if s.capacity and s.access.value == "open")
        # Still ahead with a seat free when the visitor books, whatever the time of day.
        length = seminar.ends_at - seminar.starts_at
        seminar.starts_at = datetime.now(UTC) + timedelta(hours=1)
        seminar.ends_at = seminar.starts_at + length
        seminar.capacity = seminar.seats_taken + 5
        db.session.flush()
        book(session=seminar, registration=db.session.get(Registration, visitor["id"]))
        past_title = seminar.title_en
        length = seminar.ends_at - seminar.starts_at
        seminar.starts_at = datetime.now(UTC) - timedelta(hours=3)
        seminar.ends_at = seminar.starts_at + length
        db.session.commit()
        seminar_id = seminar.id

    agenda = client.get(f"/events/{DEMO_SLUG}/programme?lang=en").text
    block = agenda.split(past_title)[1].split("</article>")[0]
    assert "seat left" not in block and "seats left" not in block and "waiting list" not in block
    assert "This session has ended." in block

    page = client.get(f"/events/{DEMO_SLUG}/programme/sessions/{seminar_id}?lang=en").text
    assert "seats left" not in page and "seat left" not in page
    assert "Sign up" not in page
    assert "This session has ended." in page

    manage = client.get(f"/r/{visitor['manage_token']}?lang=en").text
    mine = manage.split(past_title)[1].split("</li>")[0]  # their seat in it, kept for the record
    assert "pill-booking-seated" in mine
    assert "<button" not in mine and "seats left" not in mine
    assert manage.count(past_title) == 1  # not offered again
    assert "seats left" in manage  # the sessions ahead still are

"""An organiser schedules a post in headless Chromium; the public page is a 404 until its time,
then shows it (no job: the time is compared when the page is asked for)."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from exhibition.accounts.services import create_organiser
from exhibition.extensions import db

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_organiser_schedules_a_post_that_appears_when_its_time_comes(
    app, make_event, browser, live_server
):
    make_event()
    with app.app_context():
        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
    page = browser.new_page()
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("#email", "btc@example.com")
    page.fill("#password", "mat-khau-dai")
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live_server}/admin/events/expo-2026/news/")
    page.click("text=Write a post")
    page.select_option("#category", "announcement")
    page.fill("#title_vi", "Thông báo về việc tổ chức Triển lãm <lần 1>")
    page.fill("#summary_vi", "Tóm tắt thông báo")
    page.fill("#body_vi", "Nội dung **quan trọng**")
    page.click("form.form.card button[type=submit]")
    assert page.inner_text(".flash-success") == "The post is saved as a draft."

    # Scheduled a few seconds ahead, typed in Vietnam time to the second.
    at = (datetime.now(TZ) + timedelta(seconds=4)).replace(microsecond=0, tzinfo=None)
    page.fill("#publish_at", at.isoformat())
    page.click("button[name=action][value=schedule]")
    assert page.inner_text(".flash-success") == "The post is scheduled."
    assert "State: Scheduled" in page.inner_text(".news-status h3")

    public = browser.new_page()
    address = f"{live_server}/events/expo-2026/news/thong-bao-ve-viec-to-chuc-trien-lam-lan-1"
    before = public.goto(address)
    if datetime.now(TZ).replace(tzinfo=None) < at:  # (a slow machine may already be past it)
        assert before.status == 404
    deadline = time.monotonic() + 30
    while True:  # polls the page, as a reader pressing reload would
        answer = public.goto(address)
        if answer.status == 200 or time.monotonic() > deadline:
            break
        public.wait_for_timeout(500)
    assert answer.status == 200
    assert public.inner_text("h1") == "Thông báo về việc tổ chức Triển lãm <lần 1>"
    assert public.inner_text(".news-body strong") == "quan trọng"
    public.goto(f"{live_server}/events/expo-2026/")
    assert "Thông báo về việc tổ chức Triển lãm <lần 1>" in public.inner_text("#main")

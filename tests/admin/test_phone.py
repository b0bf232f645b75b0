"""Organiser pages on a 390 px phone, in Chromium: the walk-in desk and "my station" are used on
phones, so an event's pages start with the page, not with fourteen tabs, and nothing scrolls
sideways. The demo exhibition gives the pages real content."""

import re
from pathlib import Path

from tests.test_cli import DEMO_SLUG, invoke

PHONE = {"width": 390, "height": 844}
EVENT = f"/admin/events/{DEMO_SLUG}"


def sign_in(browser, live_server, email, password, lang):
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/admin/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    return page


def width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def in_first_screen(page, selector) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]


def menu_links(page) -> list[str]:
    return page.eval_on_selector_all(
        ".event-head nav a", "links => [...new Set(links.map(a => a.textContent.trim()))]"
    )


def test_organiser_pages_fit_a_phone_and_start_with_the_page(app, runner, browser, live_server):
    assert invoke(app, runner, "seed-demo").exit_code == 0
    login = Path(app.instance_path, "organiser-login.txt").read_text()
    email, password = re.search(r"Organiser login: (\S+) / (\S+)", login).groups()
    for role, staff in (("checkin", "cua@example.com"), ("exhibitors", "gian@example.com")):
        made = invoke(
            app, runner, "create-organiser", "--email", staff, "--role", role,
            "--event", DEMO_SLUG, "--password", "mat-khau-dai",
        )  # fmt: skip
        assert made.exit_code == 0, made.output

    # Check-in staff: the two pages they may open fit in a row, and the desk's form is in sight.
    page = sign_in(browser, live_server, "cua@example.com", "mat-khau-dai", "vi")
    assert width(page) <= 390
    page.click(f"a[href='{EVENT}/desk']")  # the exhibition's name: their first page
    page.wait_for_selector("#full_name")
    assert menu_links(page) == ["Quầy đăng ký tại chỗ", "Trạm của tôi"]
    assert page.locator(".event-menu").count() == 0
    for field in ("#full_name", "#phone", ".desk-form h2"):
        assert in_first_screen(page, field), field
    assert width(page) <= 390
    page.click(f".event-head a[href='{EVENT}/station']")
    page.wait_for_url(f"{live_server}{EVENT}/station")
    assert width(page) <= 390

    # Exhibitor staff: their three pages.
    page = sign_in(browser, live_server, "gian@example.com", "mat-khau-dai", "en")
    page.goto(f"{live_server}{EVENT}/exhibitors")
    assert menu_links(page) == ["Exhibitors", "Floor plan", "Allocation"]
    assert width(page) <= 390

    # An organiser: fifteen pages behind one menu that shows where one is.
    for lang in ("en", "vi"):
        page = sign_in(browser, live_server, email, password, lang)
        assert width(page) <= 390, "the admin home"
        page.goto(f"{live_server}{EVENT}/desk")
        summary = page.locator(".event-menu summary")
        label = "Walk-in desk" if lang == "en" else "Quầy đăng ký tại chỗ"
        assert summary.inner_text().splitlines()[-1].strip() == label  # after "Exhibition menu:"
        assert page.locator(".event-menu nav a").first.is_hidden()
        assert page.locator(".tabs a").first.is_hidden()
        for field in ("#full_name", "#phone"):
            assert in_first_screen(page, field), field
        summary.click()
        shown = page.locator(".event-menu nav a")
        assert shown.count() == 18 and shown.first.is_visible()
        urls = [
            live_server + href
            for href in page.eval_on_selector_all(".event-menu nav a", "a => a.map(x => x.getAttribute('href'))")
        ]  # fmt: skip
        for url in urls:
            page.goto(url)
            assert width(page) <= 390, url
        page.goto(f"{live_server}{EVENT}/desk")
        page.click(".event-menu summary")
        page.click(".event-menu nav a[href$='/live']")
        page.wait_for_url(f"{live_server}{EVENT}/live")
        here = page.locator(".event-menu summary").inner_text().splitlines()[-1].strip()
        assert here == ("Live" if lang == "en" else "Trực tiếp")

    # On a wide screen the tabs are as they were: one row of links, no menu.
    wide = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    wide.goto(f"{live_server}/admin/login?lang=en")
    wide.fill("#email", email)
    wide.fill("#password", password)
    wide.click("form.form button[type=submit]")
    wide.goto(f"{live_server}{EVENT}/desk")
    assert wide.locator(".event-menu").is_hidden()
    assert wide.locator(".tabs a").count() == 18 and wide.locator(".tabs a").first.is_visible()

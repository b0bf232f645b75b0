"""The visitors' floor plan: one page per hall with only public information, a legend, a search
that highlights a booth, and zoom and pan (svg-pan-zoom) that work on a phone."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from exhibition.booths.models import Booth, BoothStatus
from exhibition.extensions import db
from tests.booths.test_allocation_service import confirm_booth

ROOT = Path(__file__).resolve().parent.parent.parent
VENDOR = ROOT / "static" / "vendor" / "svg-pan-zoom" / "svg-pan-zoom.min.js"


def set_status(app, code, status):
    with app.app_context():
        db.session.scalar(sa.select(Booth).where(Booth.code == code)).status = status
        db.session.commit()


@pytest.fixture
def floor(app, make_event, make_floor, make_exhibitor):
    """Hall A: A01 free, A02 Đông Á (confirmed), A03 reserved, A04 blocked, A05 Đình Vũ."""
    make_event()
    make_floor(count=6)
    dong_a = make_exhibitor(
        company_name_vi="Công ty CP Khuôn mẫu Đông Á",
        company_name_en="Dong A Mould JSC",
        contact_email="secret-contact@donga.example.com",
    )
    confirm_booth(app, dong_a, "A02")
    dinh_vu = make_exhibitor(company_name_vi="Công ty TNHH Linh kiện Điện tử Đình Vũ")
    confirm_booth(app, dinh_vu, "A05")
    make_exhibitor(company_name_vi="Công ty Chờ Duyệt")  # approved, without a booth
    set_status(app, "A03", BoothStatus.RESERVED)
    set_status(app, "A04", BoothStatus.BLOCKED)
    return {"dong_a": dong_a, "dinh_vu": dinh_vu}


def booth_classes(html: str, code: str) -> str:
    import re

    return re.search(rf'<g class="([^"]+)" id="booth-{code}">', html).group(1)


def test_public_plan_shows_free_reserved_and_taken_with_company_names_only(app, client, floor):
    page = client.get("/events/expo-2026/plan/A?lang=en")
    assert page.status_code == 200
    html = page.text
    assert booth_classes(html, "A01") == "booth booth-free booth-standard"
    assert booth_classes(html, "A02") == "booth booth-taken booth-standard"
    assert booth_classes(html, "A03") == "booth booth-reserved booth-standard"
    assert booth_classes(html, "A04") == "booth booth-reserved booth-standard"
    # The name on its booth, in the page's language and without the legal form, on two lines.
    assert '<text class="booth-name" x="7.25" y="5.65">Dong A</text>' in html
    assert '<text class="booth-name" x="7.25" y="6.25">Mould</text>' in html
    vietnamese = client.get("/events/expo-2026/plan/A?lang=vi").text
    assert '<text class="booth-name" x="7.25" y="5.65">Khuôn mẫu</text>' in vietnamese
    assert f'href="/events/expo-2026/exhibitors/{floor["dong_a"]}"' in html
    assert "Exhibitor (2)" in html and "Free (2)" in html and "Reserved (2)" in html
    for private in ("secret-contact", "/admin/", "Chờ Duyệt", "15000000", "15.000.000"):
        assert private not in html


def test_public_plan_of_the_event_opens_on_its_first_hall_and_refuses_an_unknown_one(
    app, client, floor
):
    assert 'id="booth-A01"' in client.get("/events/expo-2026/plan/").text
    assert client.get("/events/expo-2026/plan/Z").status_code == 404


def test_public_plan_search_finds_a_company_without_accents_and_a_booth_code(app, client, floor):
    by_name = client.get("/events/expo-2026/plan/?q=dong+a&lang=en").text
    assert booth_classes(by_name, "A02") == "booth booth-taken booth-standard booth-highlight"
    assert "booth-highlight" not in booth_classes(by_name, "A05")
    assert "1 booth found:" in by_name
    by_code = client.get("/events/expo-2026/plan/A?q=a5").text
    assert booth_classes(by_code, "A05") == "booth booth-taken booth-standard booth-highlight"
    nothing = client.get("/events/expo-2026/plan/A?q=chờ+duyệt&lang=en").text
    assert "No booth or company matches" in nothing
    assert "booth-highlight" not in nothing


def test_exhibition_page_and_directory_link_to_the_plan(app, client, floor):
    assert 'href="/events/expo-2026/plan/"' in client.get("/events/expo-2026/").text
    directory = client.get("/events/expo-2026/exhibitors").text
    assert 'href="/events/expo-2026/plan/"' in directory
    assert 'href="/events/expo-2026/plan/A?q=A02#booth-A02"' in directory  # "find on map"


def viewport(page) -> tuple[float, ...]:
    """The plan's transform (scale, 0, 0, scale, x, y), rounded to a hundredth."""
    text = page.get_attribute("svg.plan .svg-pan-zoom_viewport", "transform")
    return tuple(round(float(n), 2) for n in text.removeprefix("matrix(").rstrip(")").split(","))


def changed(page, before: tuple) -> tuple:
    """The plan's transform once it differs from `before` (svg-pan-zoom draws on the next
    animation frame), within two seconds."""
    for _ in range(40):
        now = viewport(page)
        if now != before:
            return now
        page.wait_for_timeout(50)
    raise AssertionError(f"the plan's transform stayed {before}")


@pytest.mark.parametrize("width", [1280, 390])
def test_public_plan_in_chromium_finds_zooms_and_fits_the_screen(
    app, floor, browser, live_server, width
):
    assert VENDOR.exists(), "run `make static/vendor/.installed` (npm ci and the copy)"
    page = browser.new_page(viewport={"width": width, "height": 800})
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server}/events/expo-2026/exhibitors?lang=en")
    page.click("text=Floor plan")
    page.wait_for_selector("svg.plan[data-ready]")
    assert page.is_visible("#plan-zoom-in")
    page.fill("#plan-q", "đông á")
    page.click("form.plan-search button[type=submit]")
    page.wait_for_selector("#booth-A02.booth-highlight")
    page.wait_for_selector("svg.plan[data-ready]")
    assert "booth-highlight" not in page.get_attribute("#booth-A05", "class")
    shown = page.locator("#booth-A02 rect").bounding_box()
    stage = page.locator("svg.plan").bounding_box()
    middle = shown["x"] + shown["width"] / 2
    assert stage["x"] < middle < stage["x"] + stage["width"]  # brought into view
    assert shown["width"] >= 100  # zoomed so that its name can be read

    found = viewport(page)
    page.click("#plan-reset")
    whole = changed(page, found)
    page.click("#plan-zoom-in")
    zoomed = changed(page, whole)
    page.click("#plan-zoom-out")
    changed(page, zoomed)
    page.click("#plan-reset")
    for _ in range(40):  # back to the whole hall
        if viewport(page) == whole:
            break
        page.wait_for_timeout(50)
    assert viewport(page) == whole
    page.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    page.mouse.wheel(0, -400)
    changed(page, whole)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []


def test_public_plan_in_chromium_zooms_with_two_fingers_and_pans_with_one_on_a_phone(
    app, floor, browser, live_server
):
    assert VENDOR.exists(), "run `make static/vendor/.installed` (npm ci and the copy)"
    context = browser.new_context(
        viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{live_server}/events/expo-2026/plan/A")
    page.wait_for_selector("svg.plan[data-ready]")
    box = page.locator("svg.plan").bounding_box()
    page.evaluate("window.scrollTo(0, 0)")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch = context.new_cdp_session(page)

    def fingers(kind, *points):
        touch.send(
            "Input.dispatchTouchEvent",
            {
                "type": kind,
                "touchPoints": [{"x": px, "y": py, "id": n} for n, (px, py) in enumerate(points)],
            },
        )

    whole = viewport(page)
    fingers("touchStart", (x - 20, y), (x + 20, y))
    for spread in range(30, 120, 15):  # two fingers move apart: zoom in around them
        fingers("touchMove", (x - spread, y), (x + spread, y))
    fingers("touchEnd")
    pinched = changed(page, whole)
    assert pinched[0] > whole[0] * 2
    fingers("touchStart", (x, y))
    for step in range(1, 6):  # one finger, once zoomed in: the plan moves with it
        fingers("touchMove", (x + 10 * step, y))
    fingers("touchEnd")
    moved = changed(page, pinched)
    assert moved[0] == pinched[0] and moved[4] > pinched[4]
    context.close()

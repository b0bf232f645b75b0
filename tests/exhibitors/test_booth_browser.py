"""The booth scanner in headless Chromium: set up by its link, a typed lead code and one read by
the camera show the visitor's shared details, the scanner adds a note and a rating; offline scans
are kept and uploaded once; the door station and the booth each skip the other's QR code."""

import pytest
import sqlalchemy as sa

from exhibition.checkin.models import Scan
from exhibition.checkin.services import new_setup_code
from exhibition.exhibitors.lead_models import Lead, LeadNote, LeadScan, LeadScanner
from exhibition.extensions import db
from tests.browser import ARGS, CHROMIUM, _missing
from tests.checkin.test_station_camera_offline import set_up_station, y4m_of_badge
from tests.exhibitors.scan_data import scan_booth


@pytest.fixture
def booth(app, make_event, make_floor, make_exhibitor, make_visitor):
    """A booth with lead retrieval on, two set-up scanners, a sharing and a private visitor."""
    return scan_booth(app, make_event, make_floor, make_exhibitor, make_visitor)


def _set_up_booth(app, page, live_server, booth, n=0):
    with app.app_context():
        code = new_setup_code(db.session.get(LeadScanner, booth["scanners"][n]))
        db.session.commit()
    page.goto(f"{live_server}/checkin/booth/setup/{code}?lang=en")
    page.wait_for_selector("#scanner:not([hidden])")
    assert page.url.endswith("/checkin/booth")  # the spent code leaves the address


def _type(page, code):
    page.fill("#scan-input", code)
    page.press("#scan-input", "Enter")


def test_a_typed_lead_code_shows_the_shared_details_and_the_scanner_qualifies_the_lead(
    app, booth, browser, live_server
):
    page = browser.new_context().new_page()
    _set_up_booth(app, page, live_server, booth)
    assert "Lê Văn Hải" in page.inner_text("#station-name")
    _type(page, booth["codes"]["sharing"].lower())
    result = page.wait_for_selector('[data-lead-result="lead"]')
    assert "Trần <b>An</b>" in result.inner_text()
    assert booth["sharing"]["email"] in page.inner_text("#lead-details")
    page.fill("#note-text", "Cần báo giá <script>")
    page.click("#note-form button[type=submit]")
    page.wait_for_selector("#notes li")
    assert "Cần báo giá <script>" in page.inner_text("#notes")
    page.check("#rating-hot")
    page.fill("#tags", "khuôn, nhựa")
    page.click("#qualify-form button[type=submit]")
    page.wait_for_selector("#result[data-saved]", state="attached")
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead))
        assert (lead.rating.value, lead.tags) == ("hot", ["khuôn", "nhựa"])
        assert db.session.scalar(sa.select(LeadNote.text)) == "Cần báo giá <script>"

    _type(page, booth["codes"]["private"])
    result = page.wait_for_selector('[data-lead-result="visit"]')
    assert "This visitor has not agreed to share their details." in result.inner_text()
    _type(page, booth["private"]["badge_code"])
    page.wait_for_selector('[data-lead-result="not_a_lead_code"]')


def test_scans_made_offline_are_kept_and_uploaded_once(app, booth, browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    _set_up_booth(app, page, live_server, booth)
    context.set_offline(True)
    page.evaluate("() => window.dispatchEvent(new Event('offline'))")
    page.wait_for_selector("#station-status.is-offline")
    _type(page, booth["codes"]["sharing"])
    page.wait_for_selector('[data-lead-result="queued"]')
    _type(page, booth["codes"]["private"])
    page.wait_for_selector('#station-queue[data-count="2"]')
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LeadScan.id))) == 0
    context.set_offline(False)
    page.wait_for_selector('#station-queue[data-count="0"]', state="attached", timeout=20000)
    with app.app_context():
        scans = db.session.scalars(sa.select(LeadScan)).all()
        assert len(scans) == 2 and all(s.offline for s in scans)


@pytest.fixture
def camera_of(tmp_path):
    """Chromium whose camera shows QR codes in turn (a badge's two codes, say), in a loop."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    started = []

    def launch(*texts: str):
        video = tmp_path / "codes.y4m"
        parts = []
        for index, text in enumerate(texts):
            y4m_of_badge(text, tmp_path / f"part-{index}.y4m", frames=15)
            data = (tmp_path / f"part-{index}.y4m").read_bytes()
            header, _newline, frames = data.partition(b"\n")
            parts.append(frames)
        video.write_bytes(header + b"\n" + b"".join(parts))
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=ARGS
            + [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        started.append((playwright, browser))
        return browser

    yield launch
    for playwright, browser in started:
        browser.close()
        playwright.stop()


def test_the_camera_reads_the_lead_code_at_the_booth_and_the_entry_code_at_the_door(
    app, booth, make_device, camera_of, live_server
):
    browser = camera_of(booth["codes"]["sharing"], booth["sharing"]["badge_code"])
    sent = []
    booth_page = browser.new_context().new_page()
    booth_page.on(
        "request",
        lambda r: sent.append(("booth", r.post_data)) if "/api/v1/booth/scan" in r.url else None,
    )
    _set_up_booth(app, booth_page, live_server, booth)
    booth_page.click("#camera-toggle")
    result = booth_page.wait_for_selector('[data-lead-result="lead"]', timeout=20000)
    assert "Trần <b>An</b>" in result.inner_text()
    booth_page.wait_for_timeout(1500)  # both codes pass before the camera again
    booth_page.click("#camera-toggle")

    door = browser.new_context().new_page()
    door.on(
        "request",
        lambda r: sent.append(("door", r.post_data)) if "/api/v1/checkin" in r.url else None,
    )
    set_up_station(door, live_server, make_device())
    door.click("#camera-toggle")
    door.wait_for_selector('[data-checkin-result="ok"]', timeout=20000)
    door.wait_for_timeout(1500)
    door.click("#camera-toggle")
    # Each station sent its own code only: the door never a lead code, the booth never an entry
    # code (and the scanner's count of invalid codes stays at naught).
    assert {place for place, _body in sent} == {"booth", "door"}
    for place, body in sent:
        assert ('"L-' in body) == (place == "booth"), (place, body)
    with app.app_context():
        assert [s.result.value for s in db.session.scalars(sa.select(Scan))] == ["ok"]
        assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1
        assert db.session.get(LeadScanner, booth["scanners"][0]).invalid_scans == 0

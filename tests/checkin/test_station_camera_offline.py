"""The station in headless Chromium: a fake camera showing a real badge's QR code, and scans
answered with the network cut, queued, and uploaded once when it returns."""

import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from exhibition.checkin.models import Scan
from exhibition.extensions import db
from exhibition.qr import qr_png
from tests.browser import ARGS, CHROMIUM, _missing


def y4m_of_badge(code: str, path, frames: int = 20, size=(640, 480)) -> None:
    """A short YUV4MPEG2 video of the badge's QR code on white, for Chromium's fake camera."""
    width, height = size
    canvas = Image.new("RGB", size, "white")
    qr = Image.open(io.BytesIO(qr_png(code, box_size=8))).convert("RGB")
    side = min(height - 40, qr.width)
    qr = qr.resize((side, side), Image.NEAREST)
    canvas.paste(qr, ((width - side) // 2, (height - side) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


@pytest.fixture
def camera_browser(tmp_path, make_visitor):
    """Chromium whose camera shows the QR code of a badge made by the test (see `badge`)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    import os
    import shutil

    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    browsers = []

    def launch(code: str):
        video = tmp_path / f"badge-{len(browsers)}.y4m"
        y4m_of_badge(code, video)
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
        browsers.append((playwright, browser))
        return browser

    yield launch
    for playwright, browser in browsers:
        browser.close()
        playwright.stop()


def set_up_station(page, live_server, token):
    page.goto(f"{live_server}/checkin?lang=en")
    page.fill("#device-token", token)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#scanner:not([hidden])")


def test_camera_scans_a_badge_then_another_station_says_already(
    app, make_event, make_visitor, make_device, camera_browser, live_server
):
    make_event()
    visitor = make_visitor()
    gate1, gate2 = make_device(name="Cổng 1"), make_device(name="Cổng 2")
    browser = camera_browser(visitor["badge_code"])
    first = browser.new_context().new_page()
    set_up_station(first, live_server, gate1)
    first.click("#camera-toggle")
    result = first.wait_for_selector('[data-checkin-result="ok"]', timeout=20000)
    assert "Nguyễn Thị Hồng Nhung" in result.inner_text()
    # The same badge stays in view: it is not scanned again for a few seconds.
    first.wait_for_timeout(1500)
    first.click("#camera-toggle")
    second = browser.new_context().new_page()
    set_up_station(second, live_server, gate2)
    second.click("#camera-toggle")
    result = second.wait_for_selector('[data-checkin-result="already_checked_in"]', timeout=20000)
    assert "First checked in at" in result.inner_text()
    with app.app_context():
        results = [s.result.value for s in db.session.scalars(sa.select(Scan).order_by(Scan.id))]
    assert results[0] == "ok" and results.count("ok") == 1
    assert set(results[1:]) == {"already_checked_in"}


def test_offline_scans_are_answered_queued_and_uploaded_once(
    app, client, make_event, make_visitor, make_device, browser, live_server
):
    make_event()
    people = [make_visitor() for _ in range(2)]
    token = make_device(name="Cổng 1")
    context = browser.new_context()
    page = context.new_page()
    batches = []
    page.on(
        "requestfinished",
        lambda request: (
            batches.append(request.post_data)
            if request.url.split("?")[0].endswith("/api/v1/checkin/batch")
            else None
        ),
    )
    with page.expect_response(lambda r: "/api/v1/checkpoint/badges" in r.url):
        set_up_station(page, live_server, token)
    context.set_offline(True)
    page.wait_for_selector("#station-status.is-offline")

    def scan_by_hand(code):
        page.fill("#scan-input", code)
        page.press("#scan-input", "Enter")

    scan_by_hand(people[0]["badge_code"])
    page.wait_for_selector('[data-checkin-result="ok"]')
    scan_by_hand(people[0]["badge_code"])
    page.wait_for_selector('[data-checkin-result="already_checked_in"]')
    scan_by_hand(people[1]["badge_code"])
    page.wait_for_selector('[data-checkin-result="ok"]')
    page.wait_for_selector('#station-queue[data-count="3"]')
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 0

    context.set_offline(False)
    page.wait_for_selector('#station-queue[data-count="0"]', state="attached", timeout=20000)
    with app.app_context():
        stored = db.session.scalars(sa.select(Scan).order_by(Scan.scanned_at)).all()
        assert [s.result.value for s in stored] == ["ok", "already_checked_in", "ok"]
        assert all(s.offline for s in stored) and not any(s.flagged for s in stored)
    # The same batch uploaded again stores nothing new.
    (body,) = batches
    again = client.post(
        "/api/v1/checkin/batch",
        json=json.loads(body),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [r["replayed"] for r in again.json["results"]] == [True, True, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 3


def test_the_installed_station_opens_with_no_network(
    app, make_event, make_visitor, make_device, browser, live_server
):
    make_event()
    visitor = make_visitor()
    token = make_device(name="Cổng 1")
    context = browser.new_context()
    page = context.new_page()
    with page.expect_response(lambda r: "/api/v1/checkpoint/badges" in r.url):
        set_up_station(page, live_server, token)
    manifest = page.evaluate(
        "() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["start_url"] == "/checkin" and manifest["display"] == "standalone"
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker's control, which keeps the page and its files
    page.wait_for_selector("#scanner:not([hidden])")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#scanner:not([hidden])")
    page.wait_for_selector("#station-status.is-offline")
    page.fill("#scan-input", visitor["badge_code"])
    page.press("#scan-input", "Enter")
    result = page.wait_for_selector('[data-checkin-result="ok"]')
    assert "Nguyễn Thị Hồng Nhung" in result.inner_text()
    page.wait_for_selector('#station-queue[data-count="1"]')


def test_a_checkpoint_that_prints_on_arrival_prints_the_badge_after_an_ok_entry(
    app, client, make_event, make_visitor, make_device, browser, live_server
):
    from exhibition.checkin.models import Checkpoint, Device
    from exhibition.checkin.services import main_entrance
    from exhibition.events.services import get_event
    from exhibition.visitors.models import Registration

    make_event()
    visitor = make_visitor()
    token = make_device(name="Cổng in thẻ")
    with app.app_context():
        entrance = main_entrance(event=get_event(slug="expo-2026"))
        entrance.print_on_arrival = True
        db.session.commit()
        assert db.session.scalar(sa.select(Device.checkpoint_id)) == entrance.id
        assert db.session.scalar(sa.select(Checkpoint.print_on_arrival)) is True
    page = browser.new_context().new_page()
    set_up_station(page, live_server, token)
    with page.expect_response(lambda r: "/badge.pdf" in r.url and r.status == 200):
        page.fill("#scan-input", visitor["badge_code"])
        page.press("#scan-input", "Enter")
    page.wait_for_selector("#print-status[data-printed]", state="attached")
    with app.app_context():
        assert db.session.get(Registration, visitor["id"]).badge_printed_at is not None
    # Another device, or a refused scan, gets no badge.
    with app.app_context():
        scan_id = db.session.scalar(sa.select(Scan.id))
    other = make_device(name="Cổng khác")
    refused = client.post(
        f"/api/v1/checkin/{scan_id}/badge.pdf", headers={"Authorization": f"Bearer {other}"}
    )
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"

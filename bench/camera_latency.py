"""Camera to answer: how long from a badge's QR code entering the camera's view to the answer
on the station's screen, in headless Chromium with a fake camera showing a real badge.

The clock starts when the video element starts playing (the fake camera's first frame already
holds the QR code) and stops when the result box shows `ok`; it covers qr-scanner's decoding
(its web worker: Chromium on Linux has no BarcodeDetector) and the API's round trip. Each run
uses a new badge and a new browser. The app runs on SQLite in this process (werkzeug, threaded).

Run: .venv/bin/python bench/camera_latency.py [--runs 5]
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from exhibition import create_app  # noqa: E402
from exhibition.extensions import db  # noqa: E402
from tests.checkin.test_station_camera_offline import y4m_of_badge  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

WATCH = """
() => new Promise((resolve) => {
  const video = document.getElementById('camera');
  const box = document.getElementById('result');
  let started = null;
  video.addEventListener('playing', () => { started = performance.now(); }, { once: true });
  new MutationObserver(() => {
    if (box.dataset.checkinResult === 'ok' && started !== null) {
      resolve(performance.now() - started);
    }
  }).observe(box, { attributes: true });
  document.getElementById('camera-toggle').click();
})
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="camera-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": None,
        }
    )
    from flask_migrate import upgrade

    from exhibition.checkin.services import create_device
    from exhibition.events.services import EventData, create_event
    from exhibition.mail.services import muted_outbox
    from exhibition.visitors.models import VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        event = create_event(
            data=EventData(
                slug="bench",
                name_vi="Benchmark",
                name_en="Benchmark",
                starts_at=now,
                ends_at=now + timedelta(days=2),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=1),
            )
        )
        category = (
            db.session.query(VisitorCategory)
            .filter_by(event_id=event.id, is_public=True)
            .order_by(VisitorCategory.position)
            .first()
        )
        codes = []
        with muted_outbox():
            for n in range(args.runs):
                registration, _ = register_visitor(
                    event=event,
                    data=VisitorData(
                        full_name=f"Khách {n}",
                        email=f"khach{n}@example.com",
                        phone="+84912345678",
                        category_id=category.id,
                        province_code="HP",
                    ),
                    consents=Consents(processing=True),
                )
                codes.append(registration.badge_code)
        _device, token = create_device(event=event, name="Bench")
        db.session.commit()

    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    timings = []
    try:
        with sync_playwright() as playwright:
            for n, code in enumerate(codes):
                video = workdir / f"badge-{n}.y4m"
                y4m_of_badge(code, video)
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--use-fake-ui-for-media-stream",
                        "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-video-capture={video}",
                    ],
                )
                page = browser.new_page()
                page.goto(f"{base}/checkin?lang=en")
                page.fill("#device-token", token)
                page.click("#setup-form button[type=submit]")
                page.wait_for_selector("#scanner:not([hidden])")
                # Load the library first, as a station does once: the clock is for a scan.
                page.evaluate(
                    "() => new Promise(r => { const s = document.createElement('script');"
                    " s.src = document.getElementById('station').dataset.vendor; s.onload = r;"
                    " document.head.appendChild(s); })"
                )
                timings.append(page.evaluate(WATCH))
                browser.close()
    finally:
        server.shutdown()
    print(f"camera to answer, {len(timings)} runs (ms): " + ", ".join(f"{t:.0f}" for t in timings))
    print(
        f"median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms"
        f" (target under 500 ms)"
    )


if __name__ == "__main__":
    main()

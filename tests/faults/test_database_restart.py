"""PostgreSQL restarted during check-in, on a private server of the test's own: while the database
is away the API answers a clear 503 `database_unavailable` (never a 500), the station queues the
scan and uploads it later with the same nonce, and every scan ends up stored exactly once."""

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from exhibition.checkin.models import Scan
from exhibition.extensions import db
from tests.conftest import _empty_tables, _migrate, make_app, on_today
from tests.faults.support import PrivatePostgres


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A private, migrated PostgreSQL server for this module (a worker of its own under xdist)."""
    server = PrivatePostgres()
    try:
        server.init().start()
        url = server.create_database("exhibition")
        _migrate(url, tmp_path_factory.mktemp("private-pg"))
        server.app_url = url
        yield server
    finally:
        server.destroy()


@pytest.fixture
def app(postgres, tmp_path):
    """The app on the private server (overrides the suite's `app`, so the factories use it)."""
    if not postgres.running():  # a test that failed while it was stopped
        postgres.start()
    app = make_app(postgres.app_url, tmp_path / "instance")
    with app.app_context():
        _empty_tables()
    yield app
    if not postgres.running():
        postgres.start()
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def call(base: str, path: str, token: str | None = None, body=None, accept="application/json"):
    """One HTTP request; (status, headers, parsed JSON or text), or (None, {}, error) when no
    answer came at all."""
    headers = {"Accept": accept}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    except OSError as error:
        return None, {}, str(error)
    kind = answer_headers.get("Content-Type", "")
    content = json.loads(raw) if kind.startswith("application/json") else raw.decode()
    return status, answer_headers, content


def unavailable(status, headers, content) -> bool:
    """The answer the API must give while the database is away."""
    return (
        status == 503
        and headers.get("Retry-After") == "5"
        and isinstance(content, dict)
        and content["error"]["code"] == "database_unavailable"
        and bool(content["error"]["message"])
    )


def stored(app) -> Counter:
    with app.app_context():
        nonces = db.session.scalars(sa.select(Scan.nonce))
        counted = Counter(nonces)
        db.session.remove()
        return counted


def test_the_first_request_after_a_restart_succeeds(
    app, postgres, make_event, make_visitor, make_device, live_server
):
    make_event()
    visitor = make_visitor()
    token = make_device()
    body = {"code": visitor["badge_code"], "nonce": "before", "type": "entry"}
    assert call(live_server, "/api/v1/checkin", token, body)[0] == 200
    postgres.restart()  # the pooled connection is now dead; pool_pre_ping replaces it
    body = {"code": visitor["badge_code"], "nonce": "after", "type": "exit"}
    status, _, content = call(live_server, "/api/v1/checkin", token, body)
    assert status == 200, content
    assert content["result"] == "ok"
    assert stored(app) == Counter({"before": 1, "after": 1})


def test_while_the_database_is_down_every_answer_is_a_clear_503(
    app, postgres, make_event, make_visitor, make_device, live_server
):
    make_event(**on_today())
    visitor = make_visitor()
    token = make_device()
    scan = {"code": visitor["badge_code"], "nonce": "n-1", "type": "entry"}
    assert call(live_server, "/api/v1/device", token)[0] == 200
    postgres.stop()
    try:
        assert unavailable(*call(live_server, "/api/v1/checkin", token, scan))
        offline = {**scan, "scanned_at": datetime.now(UTC).isoformat(), "station_result": "ok"}
        assert unavailable(*call(live_server, "/api/v1/checkin/batch", token, {"scans": [offline]}))
        assert unavailable(*call(live_server, "/api/v1/device", token))
        status, headers, page = call(
            live_server, "/events/expo-2026/register?lang=en", accept="text/html"
        )
        assert (status, headers.get("Retry-After")) == (503, "5")
        assert headers["Content-Type"].startswith("text/html")
        assert "The service is unavailable for a moment." in page
    finally:
        postgres.start()
    # The station sends the same scan again: stored now, and once.
    status, _, content = call(live_server, "/api/v1/checkin", token, scan)
    assert (status, content["result"], content["replayed"]) == (200, "ok", False)
    status, _, content = call(live_server, "/api/v1/checkin", token, scan)
    assert (status, content["replayed"]) == (200, True)
    assert stored(app) == Counter({"n-1": 1})


class Station:
    """What static/js/checkin.js does, in Python: a scan goes to POST /api/v1/checkin; when the
    server cannot judge it (a 5xx, or no answer) it waits in a queue, behind which later scans
    wait too, and the queue goes up with POST /api/v1/checkin/batch, same nonces, until it is
    accepted."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.queue: list[dict] = []
        self.sent: list[str] = []  # every nonce this station made
        self.answered = 0  # scans the server judged at once
        self.outages = 0  # 503 answers (scans and uploads)
        self.wrong: list = []  # any other answer: the test fails on them

    def _failed(self, status, headers, content) -> bool:
        """Whether the server could not take the request; a 503 must be the documented one."""
        if status is not None and status < 500:
            return False
        if status is None or unavailable(status, headers, content):
            self.outages += status is not None
        else:
            self.wrong.append((status, content))
        return True

    def scan(self, code: str, kind: str = "entry") -> None:
        item = {"code": code, "nonce": uuid.uuid4().hex, "type": kind}
        self.sent.append(item["nonce"])
        item_offline = {**item, "scanned_at": datetime.now(UTC).isoformat()}
        if self.queue:  # keep the order: while some wait, new ones wait behind them
            self.queue.append(item_offline)
            self.flush()
            return
        answer = call(self.base, "/api/v1/checkin", self.token, item)
        if self._failed(*answer):
            self.queue.append(item_offline)
        elif answer[0] == 200:
            self.answered += 1
        else:
            self.wrong.append(answer[::2])

    def flush(self) -> None:
        if not self.queue:
            return
        batch = self.queue[:100]
        answer = call(self.base, "/api/v1/checkin/batch", self.token, {"scans": batch})
        if self._failed(*answer):
            return
        if answer[0] != 200:
            self.wrong.append(answer[::2])
            return
        for result in answer[2]["results"]:
            if "error" in result:
                self.wrong.append(result)
        del self.queue[: len(batch)]


def test_scans_during_a_restart_are_answered_or_queued_and_stored_exactly_once(
    app, postgres, make_event, make_visitor, make_device, live_server
):
    make_event()
    codes = [make_visitor()["badge_code"] for _ in range(12)]
    stations = [Station(live_server, make_device(name=f"Cổng {n}")) for n in (1, 2)]
    restarted = threading.Event()
    started = threading.Barrier(len(stations) + 1)
    after_restart = 10  # scans each station makes once the server is back
    deadline = time.monotonic() + 120

    def door(station: Station):
        started.wait()
        number = 0
        scans_after = 0
        while time.monotonic() < deadline:
            if restarted.is_set():
                if scans_after >= after_restart and not station.queue:
                    return
                scans_after += 1
            code = codes[number % len(codes)]
            station.scan(code, "entry" if (number // len(codes)) % 2 == 0 else "exit")
            number += 1
            if station.queue:
                time.sleep(0.05)  # a short pause while the server is away

    threads = [threading.Thread(target=door, args=(s,), daemon=True) for s in stations]
    for thread in threads:
        thread.start()
    started.wait()
    while min(s.answered for s in stations) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    postgres.restart()  # "pg_ctl restart -m fast" in the middle of the run
    restarted.set()
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 1))
    assert not any(thread.is_alive() for thread in threads), "the stations did not finish"

    for station in stations:
        assert station.wrong == []  # never a 500, nor any answer but 200 or the 503
        assert station.queue == []  # everything queued went up
    print(
        "scans:", [len(s.sent) for s in stations],
        "answered at once:", [s.answered for s in stations],
        "503s:", [s.outages for s in stations],
    )  # fmt: skip
    sent = Counter(nonce for station in stations for nonce in station.sent)
    assert max(sent.values()) == 1
    assert stored(app) == sent  # every scan stored, and once
    assert sum(s.outages for s in stations) >= 1  # the restart was seen by the stations


def test_the_station_queues_a_scan_the_server_cannot_take_and_uploads_it_later(
    app, postgres, make_event, make_visitor, make_device, browser, live_server
):
    """static/js/checkin.js in Chromium: a 503 answers the scan from the offline list and queues
    it; the station's own timer uploads it once the database is back."""
    make_event(**on_today())
    visitor = make_visitor()
    token = make_device()
    page = browser.new_context().new_page()
    page.clock.install()  # the station retries every 15 s: the test moves its clock on
    with page.expect_response(lambda r: "/api/v1/checkpoint/badges" in r.url):
        page.goto(f"{live_server}/checkin?lang=en")
        page.fill("#device-token", token)
        page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#station-status.is-online")
    postgres.stop()
    try:
        with page.expect_response(lambda r: r.url.split("?")[0].endswith("/checkin")) as answer:
            page.fill("#scan-input", visitor["badge_code"])
            page.press("#scan-input", "Enter")
        assert answer.value.status == 503
        assert answer.value.json()["error"]["code"] == "database_unavailable"
        result = page.wait_for_selector('[data-checkin-result="ok"]')  # judged by the station
        assert "Nguyễn Thị Hồng Nhung" in result.inner_text()
        page.wait_for_selector('#station-queue[data-count="1"]', state="attached")
        page.wait_for_selector("#station-status.is-offline")
    finally:
        postgres.start()
    assert stored(app) == Counter()
    with page.expect_response(lambda r: "/checkin/batch" in r.url and r.status == 200):
        page.clock.fast_forward(16_000)
    page.wait_for_selector('#station-queue[data-count="0"]', state="attached")
    with app.app_context():
        (scan,) = db.session.scalars(sa.select(Scan)).all()
        assert (scan.result.value, scan.offline, scan.flagged) == ("ok", True, False)

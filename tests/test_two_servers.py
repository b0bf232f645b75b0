"""The deployment recipe of docs/deployment.md, in small: two app servers (gunicorn) and two mail
workers, separate processes, on one PostgreSQL on 127.0.0.1. A visitor fetches the form from
one server and registers on the other, a device checks them in on the other server, the first
sees it, and every confirmation e-mail is sent exactly once."""

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.visitors.models import Registration
from tests.conftest import _app_fixture, _pg_url, on_today
from tests.visitors.test_registration_flow import form_data

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 8


@pytest.fixture
def app(tmp_path_factory, tmp_path):
    """The app on PostgreSQL only (several servers cannot share a SQLite file); the factories
    of tests/conftest.py use this one in this module."""
    yield from _app_fixture(_pg_url(tmp_path_factory), tmp_path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{base} exited: {process.stdout.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/api/v1/ping", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not start")


class Browser:
    """A visitor's cookies, kept across the two servers (they share SECRET_KEY)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=20) as response:
            return response.read().decode()

    def post(self, url: str, data: dict) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(url, data=body, timeout=20) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _scan(base: str, token: str, code: str, nonce: str) -> dict:
    request = urllib.request.Request(
        base + "/api/v1/checkin",
        data=json.dumps({"code": code, "nonce": nonce, "type": "entry"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)


def test_two_app_servers_and_two_mail_workers_share_one_database(
    app, make_event, make_device, smtp_server, tmp_path
):
    make_event(**on_today())
    device = make_device()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "shared-secret-of-both-servers",
        "INSTANCE_PATH": str(tmp_path / "shared-instance"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_RETRY_BASE_SECONDS": "1",
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": "http://expo.test",
    }
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "2",
             "-k", "gthread", "--threads", "4", "app:app"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for port in ports
    ]  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "mail-worker", "--interval", "0.2"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]  # fmt: skip
    one, two = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for base, process in zip((one, two), servers, strict=True):
            _wait_until_up(base, process)

        # The form comes from one server, the registration goes to the other.
        for number in range(PEOPLE):
            visitor = Browser()
            page = visitor.get(f"{one}/events/expo-2026/register")
            status = visitor.post(
                f"{two}/events/expo-2026/register",
                form_data(app, page, email=f"khach{number}@example.com"),
            )
            assert status == 302, number
        with app.app_context():
            codes = db.session.scalars(
                sa.select(Registration.badge_code).order_by(Registration.id)
            ).all()
        assert len(codes) == len(set(codes)) == PEOPLE

        # Checked in on the second server; the first knows at once.
        assert _scan(two, device, codes[0], "door-1")["result"] == "ok"
        assert _scan(one, device, codes[0], "door-2")["result"] == "already_checked_in"

        # Both workers drain the outbox; each confirmation reaches the SMTP server once.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                waiting = db.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status != MessageStatus.SENT)
                )
            if not waiting and len(smtp_server.messages) >= PEOPLE:
                break
            time.sleep(0.2)
        time.sleep(1)  # a duplicate, if any, would arrive now
        recipients = Counter(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
        assert recipients == {f"khach{n}@example.com": 1 for n in range(PEOPLE)}
    finally:
        for process in servers + workers:
            process.terminate()
        for process in servers + workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

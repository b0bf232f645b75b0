"""`flask serve` (what `make run` ends with) serves HTTP and delivers mail from an in-process worker."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxMessage
from exhibition.mail.services import enqueue
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_http_and_delivers_queued_mail(tmp_path):
    database = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "DATABASE_URL": database, "INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("MAIL_SERVER", None)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    app = make_app(database, tmp_path / "instance")
    with app.app_context():
        enqueue(
            to="queued@example.com",
            subject="Xin chào",
            body_text="t",
            body_html="<p>h</p>",
            kind="test",
        )
        db.session.commit()

    port = free_port()
    server = subprocess.Popen(
        [*flask, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    status = response.status
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        sent = None
        while time.monotonic() < deadline:
            with app.app_context():
                sent = db.session.scalar(sa.select(OutboxMessage.status))
                db.session.remove()
            if sent is MessageStatus.SENT:
                break
            time.sleep(0.2)
        assert sent is MessageStatus.SENT
        assert len(list((tmp_path / "instance" / "mail").glob("*.eml"))) == 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        with app.app_context():
            db.engine.dispose()

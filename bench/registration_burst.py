"""A burst of sign-ups through the real form, and the e-mail that follows.

Creates a throw-away PostgreSQL database with one exhibition open for registration, starts a
local SMTP server (aiosmtpd, in this process), gunicorn serving the app (no in-process mail
worker, rate limits off: RATELIMIT_ENABLED=0) and 2 `flask mail-worker` processes, then signs up
--count people (10,000) over HTTP from 127.0.0.1: --concurrency client threads, each with its own
keep-alive connection and its own session and CSRF token from the sign-up page, posting the real
form with a new e-mail address each time. The workers deliver while the burst goes on.

Reports sign-ups per second, and checks: every 302 to a new badge is a row (none lost, none
extra), no duplicate badge code, every confirmation delivered to the SMTP server exactly once
(counted per recipient and per outbox id), a sample of the e-mailed QR codes decoded back to their
badge codes (zxing-cpp, when installed), and how long the outbox took to drain after the last
sign-up. Bounded in time (--timeout for the burst, --drain-timeout for the outbox); stops every
process it started and drops its database in every case.

Run: .venv/bin/python bench/registration_burst.py [--count 10000] [--concurrency 16] [--workers 2]
"""

import argparse
import http.client
import io
import itertools
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

from _common import (
    ROOT,
    bench_env,
    bench_url,
    dispose,
    drop_database,
    free_port,
    last_lines,
    machine_line,
    migrate,
    recreate_database,
    source_state,
    start_server,
    stop,
)
from checkin_load import seed
from registration_load import CSRF_FIELD, SLUG, form_fields

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_burst"
PATH = f"/events/{SLUG}/register"
SAMPLE = 20  # e-mails kept whole to decode their QR codes
_OUTBOX_ID = re.compile(rb"^X-Outbox-Id:\s*(\d+)", re.IGNORECASE | re.MULTILINE)


class Inbox:
    """aiosmtpd handler: counts every message per recipient and per outbox id; keeps a few."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recipients: Counter[str] = Counter()
        self.outbox_ids: Counter[int] = Counter()
        self.sample: list[bytes] = []
        self.total = 0

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        head = content.split(b"\r\n\r\n", 1)[0]
        found = _OUTBOX_ID.search(head)
        with self.lock:
            self.total += 1
            for address in envelope.rcpt_tos:
                self.recipients[address.lower()] += 1
            if found:
                self.outbox_ids[int(found.group(1))] += 1
            if len(self.sample) < SAMPLE:
                self.sample.append(content)
        return "250 Message accepted for delivery"


class Burst:
    """Client threads signing people up through the form until `count` have been tried."""

    def __init__(self, port: int, fields: dict, count: int, deadline: float, prefix: str):
        self.port, self.count, self.deadline, self.prefix = port, count, deadline, prefix
        self.rest = urllib.parse.urlencode(fields, doseq=True)
        self.numbers = itertools.count()
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.registered: list[str] = []  # e-mails answered with a new badge
        self.again: list[str] = []  # answered "registered already" (must stay empty)
        self.failed: list[tuple[str, str]] = []  # (e-mail, what happened)
        self.first = self.last = None

    def _session(self, connection) -> tuple[str, str]:
        connection.request("GET", PATH)
        response = connection.getresponse()
        html = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        match = CSRF_FIELD.search(html)
        if response.status != 200 or match is None or not cookie.startswith("session="):
            raise RuntimeError(f"GET {PATH}: {response.status}, no session or CSRF token")
        return cookie, urllib.parse.quote(match.group(1), safe="")

    def client(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        cookie, token = self._session(connection)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        while time.monotonic() < self.deadline:
            number = next(self.numbers)
            if number >= self.count:
                break
            email = f"{self.prefix}-{number}@example.com"
            body = f"csrf_token={token}&email={urllib.parse.quote(email)}&{self.rest}"
            started = time.monotonic()
            try:
                connection.request("POST", PATH, body, headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()  # reconnects on the next request
                with self.lock:
                    self.statuses[type(error).__name__] += 1
                    self.failed.append((email, f"{type(error).__name__}: {error}"))
                continue
            location = response.getheader("Location", "")
            with self.lock:
                self.first = started if self.first is None else min(self.first, started)
                self.last = time.monotonic()
                self.statuses[str(response.status)] += 1
                if response.status == 302 and "/r/" in location:
                    self.registered.append(email)
                elif response.status == 302 and location.endswith("/sent"):
                    self.again.append(email)
                else:
                    self.failed.append((email, f"{response.status} {location}"))
        connection.close()

    def run(self, threads: int) -> None:
        workers = [threading.Thread(target=self.client, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(max(1.0, self.deadline - time.monotonic() + 90))


def outbox_state(app) -> dict[str, int]:
    from exhibition.extensions import db
    from exhibition.mail.services import status_counts

    with app.app_context():
        counts = status_counts()
        db.session.rollback()
    return counts


def database_checks(app, prefix: str) -> dict:
    """The burst's registrations, distinct badge codes, duplicates over the whole table, and the
    confirmations queued for them."""
    import sqlalchemy as sa

    from exhibition.extensions import db
    from exhibition.mail.models import OutboxMessage
    from exhibition.visitors.models import Registration

    with app.app_context():
        mine = Registration.email_key.like(f"{prefix}-%")
        rows, codes = db.session.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(Registration.badge_code))).where(
                mine
            )
        ).one()
        duplicates = db.session.scalar(
            sa.select(sa.func.count() - sa.func.count(sa.distinct(Registration.badge_code)))
        )
        emails = set(db.session.scalars(sa.select(Registration.email_key).where(mine)))
        codes_by_email = dict(
            db.session.execute(
                sa.select(Registration.email_key, Registration.badge_code).where(mine)
            ).all()
        )
        queued = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.to_address.like(f"{prefix}-%"))
        )
        db.session.rollback()
    return {
        "rows": rows,
        "distinct_codes": codes,
        "duplicate_badges": duplicates,
        "emails": emails,
        "codes_by_email": codes_by_email,
        "queued": queued,
    }


def decoded_sample(sample: list[bytes], codes_by_email: dict[str, str]) -> tuple[int, int] | None:
    """How many of the kept e-mails carry an inline QR code that decodes to the recipient's
    badge code: (right, checked); None without zxing-cpp."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return None
    right = 0
    for content in sample:
        message = message_from_bytes(content, policy=policy.default)
        png = next(
            (p.get_content() for p in message.walk() if p.get("Content-ID") == "<badge-qr>"), None
        )
        if png is None:
            continue
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        expected = codes_by_email.get(str(message["To"]).lower())
        right += bool(results) and results[0].text == expected
    return right, len(sample)


def start_mail_workers(env: dict, count: int, workdir: Path, interval: float) -> list:
    workers = []
    for n in range(count):
        with open(workdir / f"mail-worker-{n}.log", "wb") as log:
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "flask",
                        "--app",
                        "app",
                        "mail-worker",
                        "--interval",
                        str(interval),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
    return workers


def stop_mail_worker(process: subprocess.Popen) -> None:
    """Ctrl-C first (the worker ends its loop), then the usual SIGTERM/SIGKILL."""
    if process.poll() is not None:
        return
    try:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        stop(process)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="sign-ups to make")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created and dropped")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (gthread)")
    parser.add_argument("--mail-workers", type=int, default=2, help="flask mail-worker processes")
    parser.add_argument("--interval", type=float, default=2.0, help="mail workers' poll, seconds")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds for the burst at most")
    parser.add_argument("--drain-timeout", type=int, default=900, help="seconds for the outbox")
    args = parser.parse_args(argv)
    url = bench_url(parser, args.database)

    from aiosmtpd.controller import Controller

    print(machine_line(url))
    print(source_state())
    print(
        f"{args.count:,} sign-ups from {args.concurrency} client threads; gunicorn "
        f"{args.workers} worker(s) x {args.threads} threads, no in-process mail worker, rate "
        f"limits off; {args.mail_workers} flask mail-worker processes (poll {args.interval} s); "
        "aiosmtpd on 127.0.0.1"
    )

    workdir = Path(tempfile.mkdtemp(prefix="registration-burst-"))
    database_url = url.render_as_string(hide_password=False)
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    env = bench_env(
        database_url, workdir / "instance", RATELIMIT_ENABLED="0",
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port), MAIL_USE_TLS="0", MAIL_USE_SSL="0",
    )  # fmt: skip
    app = server = None
    mail_workers: list = []
    prefix = "burst"
    figures: dict = {}
    recreate_database(url)
    try:
        migrate(env)
        from exhibition import create_app

        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance")}
        )
        seed(app, visitors=0, devices=0)
        fields = form_fields(app)
        smtp.start()
        server, base = start_server(
            env, workdir / "gunicorn.log", workers=args.workers, threads=args.threads,
            mail_worker=False,
        )  # fmt: skip
        mail_workers = start_mail_workers(env, args.mail_workers, workdir, args.interval)

        port = int(base.rsplit(":", 1)[1])
        burst = Burst(port, fields, args.count, time.monotonic() + args.timeout, prefix)
        print("signing up...", flush=True)
        progress = threading.Event()

        def report_progress():
            while not progress.wait(10):
                print(
                    f"  {len(burst.registered):,} signed up, {inbox.total:,} e-mails received",
                    flush=True,
                )

        threading.Thread(target=report_progress, daemon=True).start()
        burst.run(args.concurrency)
        ended = time.monotonic()
        progress.set()
        if burst.first is None:
            raise RuntimeError("no sign-up was answered")
        seconds = burst.last - burst.first
        print(
            f"burst: {len(burst.registered):,} signed up in {seconds:.1f} s, "
            f"{inbox.total:,} e-mails received so far",
            flush=True,
        )

        # The outbox drains: every message sent (or failed), measured from the last answer.
        drain_deadline = ended + args.drain_timeout
        state = outbox_state(app)
        while state["pending"] + state["sending"] and time.monotonic() < drain_deadline:
            time.sleep(0.5)
            state = outbox_state(app)
        drained = time.monotonic()
        drain_seconds = drained - burst.last
        time.sleep(1)  # a message is recorded as sent after the server took it: nothing is late

        checks = database_checks(app, prefix)
        registered = set(burst.registered)
        delivered = {a: n for a, n in inbox.recipients.items() if a.startswith(prefix)}
        once = sum(1 for email in registered if delivered.get(email) == 1)
        twice = sum(1 for n in delivered.values() if n > 1)
        missing = sum(1 for email in registered if email not in delivered)
        unexpected = sum(1 for a in delivered if a not in registered)
        sent_twice = sum(1 for n in inbox.outbox_ids.values() if n > 1)
        sample = decoded_sample(inbox.sample, checks["codes_by_email"])
        figures = {
            "count": args.count,
            "registered": len(registered),
            "again": len(burst.again),
            "failed": len(burst.failed),
            "statuses": dict(burst.statuses),
            "seconds": seconds,
            "rate": len(registered) / seconds if seconds else 0.0,
            "rows": checks["rows"],
            "lost": len(registered - checks["emails"]),
            "extra": len(checks["emails"] - registered),
            "duplicate_badges": checks["duplicate_badges"],
            "distinct_codes": checks["distinct_codes"],
            "queued": checks["queued"],
            "delivered_once": once,
            "delivered_twice": twice,
            "missing": missing,
            "unexpected": unexpected,
            "sent_twice": sent_twice,
            "outbox": state,
            "drained": not (state["pending"] + state["sending"]),
            "drain_seconds": drain_seconds,
            "mail_rate": inbox.total / (drained - burst.first) if drained > burst.first else 0.0,
            "qr_sample": sample,
        }
        report(figures)
    except Exception:
        for name in ("gunicorn.log", "mail-worker-0.log"):
            print(f"{name}, last lines:\n  " + last_lines(workdir / name))
        raise
    finally:
        for worker in mail_workers:
            stop_mail_worker(worker)
        if server is not None:
            stop(server)
        if smtp.loop.is_running():
            smtp.stop()
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def report(f: dict) -> None:
    sample = f["qr_sample"]
    rows = [
        ("sign-ups tried", f"{f['count']:,}"),
        ("answered with a new badge (302 to /r/...)", f"{f['registered']:,}"),
        ("answered 'registered already'", f"{f['again']:,}"),
        ("failed (other answers, connection errors)", f"{f['failed']:,}  {f['statuses']}"),
        ("seconds, first request to last answer", f"{f['seconds']:.1f}"),
        ("sign-ups per second", f"{f['rate']:.1f}"),
        ("registrations in the database", f"{f['rows']:,}"),
        ("lost (answered but no row) / extra rows", f"{f['lost']} / {f['extra']}"),
        ("duplicate badge codes (whole table)", f"{f['duplicate_badges']}"),
        ("confirmations queued", f"{f['queued']:,}"),
        ("delivered exactly once", f"{f['delivered_once']:,} of {f['registered']:,}"),
        ("recipients with 2+ e-mails / none", f"{f['delivered_twice']} / {f['missing']}"),
        ("unexpected recipients", f"{f['unexpected']}"),
        ("outbox ids received twice", f"{f['sent_twice']}"),
        ("outbox after draining", ", ".join(f"{k} {v:,}" for k, v in f["outbox"].items())),
        (
            "outbox drained, seconds after the last sign-up",
            f"{f['drain_seconds']:.1f}" + ("" if f["drained"] else " (NOT drained: timed out)"),
        ),
        ("e-mails per second, whole run", f"{f['mail_rate']:.1f}"),
        (
            "QR codes in e-mails decoded to the badge",
            "zxing-cpp not installed" if sample is None else f"{sample[0]} of {sample[1]}",
        ),
    ]
    print()
    for label, value in rows:
        print(f"{label:<48}{value}")


if __name__ == "__main__":
    main()

"""The bank-notification webhook under load, beside the bare endpoint, in the same run.

Creates a throw-away PostgreSQL database, migrates it, seeds one exhibition with a receiving
account, a webhook key and --requests exhibitors each holding a booth under an open payment
request, serves the app with gunicorn (the options of `flask serve`, the worker count as a
parameter) on a free 127.0.0.1 port, then loads it from client processes (Python threads, one
keep-alive connection each) in three phases of --seconds each: GET /api/v1/ping alone, POST
/api/v1/events/<slug>/payments/webhook alone, and both at once (half the connections each). It
prints requests/s and p50/p95/p99/max latency per endpoint and phase.

Every notification has its own id and bank reference; one in --match-every names an open
request's reference in its memo (a partial payment of 500,000 dong), the others name none
(unmatched, with candidates looked up); one in --replay-every is the previous notification of
its connection again (a service's retry: answered duplicate). Rate limits are switched off for
the server (RATELIMIT_ENABLED=0): 429s would be cheap answers. Afterwards the database is
checked: one stored transfer per distinct id answered 200, and every request's paid amount the
sum of what its transfers applied. Stops gunicorn and drops the database in every case; each
phase is bounded by its length, the server's start by 60 s.

Run: .venv/bin/python bench/payments_webhook.py [--seconds 10] [--connections 16]
     [--workers N --threads 2] [--requests 300]
Needs a PostgreSQL reachable at --database (no wrk: the load comes from Python processes).
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (
    CpuMeter,
    bench_env,
    bench_url,
    dispose,
    drop_database,
    last_lines,
    migrated_app,
    others,
    recreate_database,
    source_state,
    start_server,
    stop,
)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_webhook"
ACCOUNT = "0031000123456"
SLUG = "bench-payments"
PARTIAL = 500_000


# ----------------------------------------------------------------------------- the database


def seed(app, *, requests: int) -> tuple[str, list[str]]:
    """One exhibition with its account and webhook key, `requests` approved exhibitors each
    holding a booth under an open payment request; returns the key and the references."""
    import sqlalchemy as sa
    from stdnum.vn import mst

    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth, BoothType, Hall
    from exhibition.events.services import EventData, create_event
    from exhibition.exhibitors.models import ExhibitorStatus
    from exhibition.exhibitors.services import ApplicationData, apply, change_status
    from exhibition.extensions import db
    from exhibition.payments.services import create_request, new_webhook_key, save_settings

    now = datetime.now(UTC)
    with app.app_context():
        event = create_event(
            data=EventData(
                slug=SLUG,
                name_vi="Triển lãm Công nghiệp hỗ trợ (đo tải thanh toán)",
                name_en="Supporting Industry Expo (payments load test)",
                starts_at=now + timedelta(days=40),
                ends_at=now + timedelta(days=43),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=39),
            )
        )
        save_settings(
            event=event,
            bank_bin="970436",
            account_number=ACCOUNT,
            account_holder="SO CONG THUONG HAI PHONG",
            reference_prefix="HP26",
            due_days=14,
            default_vat_rate=8,
            seller_tax_code="0200123456",
            seller_address="Số 1 Đinh Tiên Hoàng, Hồng Bàng, Hải Phòng",
        )
        key = new_webhook_key(event=event)
        per_row = 20
        hall = Hall(
            event_id=event.id,
            code="A",
            name_vi="Nhà A",
            name_en="Hall A",
            width_m=3 * per_row + 8,
            depth_m=4 * (requests // per_row + 2),
        )
        db.session.add(hall)
        db.session.flush()
        booths = []
        for index in range(requests):
            booth = Booth(
                event_id=event.id, hall_id=hall.id, code=f"A{index + 1:03d}",
                x_m=4 + 3 * (index % per_row), y_m=4 + 4 * (index // per_row), width_m=3,
                depth_m=3, type=BoothType.STANDARD, zone="Cơ khí", sector_code="mechanical",
                price_vnd=15_000_000,
            )  # fmt: skip
            db.session.add(booth)
            booths.append(booth)
        db.session.flush()
        references, number = [], 0
        for index, booth in enumerate(booths):
            while True:
                number += 1
                nine = f"02{number:07d}"
                tax_code = nine + mst.calc_check_digit(nine)
                if mst.is_valid(tax_code):
                    break
            exhibitor, _ = apply(
                event=event,
                data=ApplicationData(
                    company_name_vi=f"Công ty TNHH Cơ khí Đo tải {index}",
                    tax_code=tax_code,
                    province_code="HP",
                    contact_name="Lê Văn Hải",
                    contact_email=f"contact{index}@example.com",
                    contact_phone="+84912345678",
                    booth_type=BoothType.STANDARD,
                    sector_codes=["mechanical"],
                ),
            )
            change_status(exhibitor=exhibitor, to=ExhibitorStatus.APPROVED, reason="bench")
            assign_booth(booth=booth, exhibitor=exhibitor)
            references.append(create_request(exhibitor=exhibitor).reference)
            if index % 50 == 49:
                db.session.commit()
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return key, references


def check(app) -> dict:
    """What the database holds after the load: transfers by outcome, and whether every
    request's paid amount is the sum its transfers applied."""
    import sqlalchemy as sa

    from exhibition.extensions import db
    from exhibition.payments.models import BankTransaction, PaymentRequest

    with app.app_context():
        outcomes = dict(
            db.session.execute(
                sa.select(BankTransaction.outcome, sa.func.count()).group_by(
                    BankTransaction.outcome
                )
            ).all()
        )
        applied = (
            sa.select(
                BankTransaction.request_id, sa.func.sum(BankTransaction.applied_vnd).label("s")
            )
            .group_by(BankTransaction.request_id)
            .subquery()
        )
        mismatched = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PaymentRequest)
            .outerjoin(applied, applied.c.request_id == PaymentRequest.id)
            .where(PaymentRequest.paid_vnd != sa.func.coalesce(applied.c.s, 0))
        )
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(BankTransaction))
        providers = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(BankTransaction.provider_id)))
        )
        db.session.rollback()
    return {
        "stored": stored,
        "distinct_ids": providers,
        "outcomes": {o.value: n for o, n in outcomes.items()},
        "requests_not_adding_up": mismatched,
    }


# ----------------------------------------------------------------------------- the load


def _notification(ident: str, n: int, references: list[str], match_every: int, rng) -> dict:
    matched = n % match_every == 0
    return {
        "id": ident,
        "gateway": "Vietcombank",
        "transactionDate": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "accountNumber": ACCOUNT,
        "code": None,
        "content": (
            f"MBVCB.{n} {rng.choice(references)} CHUYEN TIEN GIAN HANG"
            if matched
            else f"MBVCB.{n} CHUYEN TIEN HANG HOA"
        ),
        "transferType": "in",
        "transferAmount": PARTIAL if matched else 1_234_000 + n,
        "accumulated": 0,
        "subAccount": None,
        "referenceCode": f"FT{ident}",
        "description": "",
    }


def load_process(kind, port, key, references, threads, seconds, tag, options, results):
    """`threads` connections asking for `kind` (ping|webhook) for `seconds`; puts one row per
    request on `results`: (kind, ms, status, outcome, id, duplicate)."""
    deadline = time.monotonic() + seconds
    rows, lock = [], threading.Lock()

    def connection_loop(number):
        rng = random.Random(f"{tag}-{number}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        own, sent, previous = [], 0, None
        headers = {"Authorization": f"Apikey {key}", "Content-Type": "application/json"}
        while time.monotonic() < deadline:
            sent += 1
            body = None
            if kind == "webhook":
                if previous is not None and sent % options["replay_every"] == 0:
                    body = previous
                else:
                    body = _notification(
                        f"{tag}-{number}-{sent}", sent, references, options["match_every"], rng
                    )
                previous = body
            started = time.perf_counter()
            try:
                if kind == "ping":
                    connection.request("GET", "/api/v1/ping")
                else:
                    connection.request(
                        "POST",
                        f"/api/v1/events/{SLUG}/payments/webhook",
                        body=json.dumps(body),
                        headers=headers,
                    )
                response = connection.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status, data = 0, b""
            ms = (time.perf_counter() - started) * 1000
            outcome, duplicate = None, None
            if kind == "webhook" and status == 200:
                answer = json.loads(data)
                outcome, duplicate = answer.get("outcome"), answer.get("duplicate")
            own.append((kind, ms, status, outcome, body["id"] if body else None, duplicate))
        connection.close()
        with lock:
            rows.extend(own)

    workers = [threading.Thread(target=connection_loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 30)
    results.put(rows)


def run_phase(groups, *, port, key, references, seconds, tag, options) -> list[tuple]:
    """Start one client process per (kind, threads) group, all at once; their rows."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(
            target=load_process,
            args=(kind, port, key, references, threads, seconds, f"{tag}{n}", options, results),
        )
        for n, (kind, threads) in enumerate(groups)
    ]
    for process in processes:
        process.start()
    rows = []
    for _ in processes:
        rows += results.get(timeout=seconds + 90)
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(rows: list[tuple], kind: str, seconds: float) -> dict:
    mine = [r for r in rows if r[0] == kind]
    times = [r[1] for r in mine]
    return {
        "requests": len(mine),
        "rps": len(mine) / seconds,
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
        "max": max(times, default=float("nan")),
        "non200": sum(1 for r in mine if r[2] != 200),
    }


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each phase")
    parser.add_argument("--warmup", type=int, default=2, help="seconds, not reported")
    parser.add_argument("--connections", type=int, default=16, help="in each phase")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created and dropped")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1),
        help="gunicorn worker processes (default 2 per core, as docs/deployment.md advises)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--requests", type=int, default=300, help="open payment requests seeded")
    parser.add_argument("--match-every", type=int, default=4, help="one notification in N pays")
    parser.add_argument("--replay-every", type=int, default=25, help="one in N is a retry")
    args = parser.parse_args(argv)
    url = bench_url(parser, args.database)
    half = max(1, args.connections // 2)
    options = {"match_every": args.match_every, "replay_every": args.replay_every}

    print(f"load average before the run {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    print(source_state())
    print(
        f"gunicorn: {args.workers} worker(s) x {args.threads} threads (gthread), access log on, "
        f"rate limits off; clients: Python processes, {args.connections} keep-alive "
        f"connections per phase, {args.seconds} s per phase, {args.warmup} s warm-up"
    )
    workdir = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    database_url = url.render_as_string(hide_password=False)
    env = bench_env(database_url, workdir / "instance", RATELIMIT_ENABLED="0")
    app = server = None
    table, figures = [], {}
    recreate_database(url)
    try:
        started = time.perf_counter()
        app = migrated_app(env, database_url, workdir / "instance")
        key, references = seed(app, requests=args.requests)
        print(
            f"seeded {len(references)} open payment requests, migrated and seeded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        server, base = start_server(
            env, workdir / "gunicorn.log", workers=args.workers, threads=args.threads,
            mail_worker=False,
        )  # fmt: skip
        port = int(base.rsplit(":", 1)[1])
        common = dict(port=port, key=key, references=references, options=options)
        # The warm-up's notifications are stored too: counted in the check below.
        all_rows = run_phase(
            [("ping", half), ("webhook", half)], seconds=args.warmup, tag="w", **common
        )
        phases = [
            ("ping alone", [("ping", half), ("ping", args.connections - half)]),
            ("webhook alone", [("webhook", half), ("webhook", args.connections - half)]),
            ("both at once", [("ping", half), ("webhook", args.connections - half)]),
        ]
        for number, (title, groups) in enumerate(phases):
            with CpuMeter(server.pid, url.database) as cpu:
                rows = run_phase(groups, seconds=args.seconds, tag=f"p{number}", **common)
            all_rows += rows
            for kind in ("ping", "webhook"):
                if any(kind == k for k, _ in groups):
                    row = {"phase": title, "endpoint": kind, **summary(rows, kind, args.seconds)}
                    row["cpu"] = cpu.result
                    table.append(row)
        report(table)
        webhook_rows = [r for r in all_rows if r[0] == "webhook"]
        answered = {r[4] for r in webhook_rows if r[2] == 200}
        outcomes: dict[str, int] = {}
        for r in webhook_rows:
            if r[2] == 200:
                key_ = f"{r[3]}{' (duplicate)' if r[5] else ''}"
                outcomes[key_] = outcomes.get(key_, 0) + 1
        stored = check(app)
        print(f"\nwebhook answers: {outcomes}")
        print(
            f"database: {stored['stored']} transfers stored for {len(answered)} distinct ids "
            f"answered 200 (distinct provider ids stored: {stored['distinct_ids']}); outcomes "
            f"{stored['outcomes']}; requests whose paid amount is not the sum applied: "
            f"{stored['requests_not_adding_up']}"
        )
        figures = {
            "rows": [{k: v for k, v in r.items() if k != "cpu"} for r in table],
            "stored": stored,
            "distinct_ids_answered": len(answered),
        }
    except Exception:
        if server is not None:
            print("gunicorn log:\n  " + last_lines(workdir / "gunicorn.log"))
        raise
    finally:
        if server is not None:
            stop(server)
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def report(table: list[dict]) -> None:
    print(
        f"\n{'phase':<15}{'endpoint':<9}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'non-200':>8}   CPU cores: gunicorn / postgres / others"
    )
    for row in table:
        cpu = row["cpu"]
        print(
            f"{row['phase']:<15}{row['endpoint']:<9}{row['requests']:>9}{row['rps']:>8.0f}"
            f"{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}"
            f"{row['non200']:>8}   {cpu['gunicorn']:.2f} / {cpu['postgres']:.2f} / "
            f"{others(cpu):.2f}"
        )


if __name__ == "__main__":
    main()

"""Public registration under load: the real sign-up form, gunicorn on PostgreSQL, wrk.

Creates a throw-away PostgreSQL database, migrates it, seeds one exhibition open for registration
(and --existing registrations, so that the indexes are not empty), serves the app with gunicorn
(the options of `flask serve`, the worker count as a parameter) on a free 127.0.0.1 port, then
measures GET /api/v1/ping and POST /events/<slug>/register at 16 and 64 connections with wrk.

Every POST is the real form with a real CSRF token: before each run, every wrk thread gets its
own session cookie and token from GET /events/<slug>/register (this script fetches them and hands
them to wrk); every request carries a new e-mail address (run, thread and request number). Rate
limits are switched off for the server (RATELIMIT_ENABLED=0): 429s would be cheap answers. The
server runs no in-process mail worker: the outbox fills up and is delivered by separate workers
in production (bench/registration_burst.py measures that part).

Afterwards the database is checked: the registrations made by each run against the successful
answers (302 to /r/<token>), duplicate badge codes, one confirmation e-mail queued for each.
Optionally profiles registrations in-process (--profile N: cProfile, Flask test client, the SQL
statements of one registration). Stops gunicorn and drops the database in every case.

Run: .venv/bin/python bench/registration_load.py [--seconds 15] [--workers N --threads 2] [--profile 500]
Needs wrk (apt-get install wrk) and a PostgreSQL reachable at --database.
"""

import argparse
import cProfile
import http.cookies
import os
import pstats
import re
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from _common import (
    CpuMeter,
    StatementLog,
    bench_env,
    bench_url,
    describe,
    dispose,
    drop_database,
    last_lines,
    machine_line,
    migrated_app,
    others,
    print_profile,
    recreate_database,
    run_wrk,
    source_state,
    start_server,
    stop,
    timed,
)
from checkin_load import seed

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_registration"
SLUG = "bench-expo"  # the event checkin_load.seed makes
TARGET = 0.25  # registration throughput as a share of the bare endpoint's (issue 19; 20 % in issue 7)

# One script for both endpoints, so that wrk does the same Lua work per request for each.
# Arguments: mode (ping|register), sessions file (cookie TAB csrf token, one line per wrk
# thread), the rest of the form (urlencoded), the e-mail prefix of this run.
WRK_SCRIPT = r"""
local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("id", created)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  statuses = {}
  sent = 0
  registered = 0
  again = 0
  if mode == "ping" then
    ping_request = wrk.format("GET", "/api/v1/ping")
    return
  end
  local sessions = {}
  for line in io.lines(args[2]) do sessions[#sessions + 1] = line end
  local cookie, token = sessions[(id - 1) % #sessions + 1]:match("^([^\t]+)\t(.+)$")
  headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}
  head = "csrf_token=" .. token .. "&email=" .. args[4] .. "-" .. id .. "-"
  tail = "%40example.com&" .. args[3]
  path = args[5]
end

function request()
  sent = sent + 1
  if mode == "ping" then return ping_request end
  return wrk.format("POST", path, headers, head .. sent .. tail)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 302 then
    local location = headers["Location"] or ""
    if location:find("/r/", 1, true) then
      registered = registered + 1
    elseif location:find("/sent", 1, true) then
      again = again + 1
    end
  end
end

function done(summary, latency, requests)
  local merged, parts = {}, {}
  local r, a = 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
    r = r + thread:get("registered")
    a = a + thread:get("again")
  end
  for status, n in pairs(merged) do parts[#parts + 1] = '"' .. status .. '":' .. n end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx3xx":%d,'
    .. '"registered":%d,"again":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    r, a, table.concat(parts, ",")))
end
"""

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def form_fields(app) -> dict[str, str | list[str]]:
    """Everything the sign-up form needs but the e-mail and the CSRF token, as a person fills it
    in: a public category, Hải Phòng, two sectors, both data consents."""
    import sqlalchemy as sa

    from exhibition.events.services import get_event
    from exhibition.extensions import db
    from exhibition.reference.models import Sector
    from exhibition.visitors.models import VisitorCategory

    with app.app_context():
        event = get_event(slug=SLUG)
        category = db.session.scalar(
            sa.select(VisitorCategory.id)
            .where(VisitorCategory.event_id == event.id, VisitorCategory.is_public.is_(True))
            .order_by(VisitorCategory.position)
            .limit(1)
        )
        sectors = list(
            db.session.scalars(sa.select(Sector.code).order_by(Sector.position).limit(2))
        )
        db.session.rollback()
    return {
        "full_name": "Nguyễn Thị Hồng Nhung",
        "phone": "0912 345 678",
        "organisation": "Công ty TNHH Cơ khí Chính xác Hải An",
        "job_title": "Trưởng phòng Kinh doanh",
        "category": str(category),
        "province": "HP",
        "country": "",
        "sectors": sectors,
        "language": "vi",
        "consent_processing": "y",
        "consent_share_exhibitors": "y",
    }


def new_session(base: str, path: str) -> tuple[str, str]:
    """A fresh session from the sign-up page: (Cookie header value, CSRF token)."""
    with urllib.request.urlopen(base + path, timeout=30) as response:
        html = response.read().decode()
        jar = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    match = CSRF_FIELD.search(html)
    if match is None or "session" not in jar:
        raise RuntimeError(f"no CSRF token or session cookie from {path}")
    return f"session={jar['session'].value}", match.group(1)


def registrations_by_prefix(app, prefix: str) -> dict:
    """What a run left in the database: its registrations, their distinct e-mails and badge
    codes, the confirmations queued for them, and the duplicate badge codes of the whole table."""
    import sqlalchemy as sa

    from exhibition.extensions import db
    from exhibition.mail.models import OutboxMessage
    from exhibition.visitors.models import Registration

    with app.app_context():
        mine = Registration.email_key.like(f"{prefix}-%")
        rows, emails, codes = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.distinct(Registration.email_key)),
                sa.func.count(sa.distinct(Registration.badge_code)),
            ).where(mine)
        ).one()
        queued = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .join(Registration, Registration.id == OutboxMessage.registration_id)
            .where(mine, OutboxMessage.kind == "confirmation")
        )
        duplicates = db.session.scalar(
            sa.select(sa.func.count() - sa.func.count(sa.distinct(Registration.badge_code)))
        )
        db.session.rollback()
    return {
        "rows": rows,
        "distinct_emails": emails,
        "distinct_codes": codes,
        "queued": queued,
        "duplicate_badges": duplicates,
    }


def settled(app, prefix: str, timeout: float = 60) -> dict:
    """registrations_by_prefix() once it stops changing: requests that wrk cut off at its end
    are still being answered (and committed) for a while."""
    last = registrations_by_prefix(app, prefix)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(2)
        now = registrations_by_prefix(app, prefix)
        if now == last:
            break
        last = now
    return last


# ----------------------------------------------------------------------------- profile


def profile_registrations(app, *, count: int, top: int) -> dict:
    """Time ping, the sign-up page and sign-ups in-process (one thread, Flask test client with
    real CSRF, same database), list the SQL statements of one sign-up, then cProfile `count`."""
    from exhibition.extensions import db

    fields = form_fields(app)
    # Like wrk: one session cookie, sent unchanged with every request (a client that kept the
    # cookies it is given would pile up the "you are registered" messages it never reads).
    client = app.test_client(use_cookies=False)
    path = f"/events/{SLUG}/register"
    first = client.get(path)
    headers = {"Cookie": first.headers["Set-Cookie"].split(";", 1)[0]}
    token = CSRF_FIELD.search(first.get_data(as_text=True)).group(1)
    sequence = {"n": 0}

    def register():
        sequence["n"] += 1
        data = {**fields, "csrf_token": token, "email": f"profile-{sequence['n']}@example.com"}
        response = client.post(path, data=data, headers=headers)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert "/r/" in response.headers["Location"]

    def page():
        assert client.get(path, headers=headers).status_code == 200

    for _ in range(30):  # warm-up: compiled statements, templates, translations, pools
        client.get("/api/v1/ping")
        page()
        register()

    per = min(count, 500)
    timings = {}
    print(f"\nin-process, one thread, {per} requests each (no network, no gunicorn):")
    for label, function in (("GET /api/v1/ping", lambda: client.get("/api/v1/ping")),
                            (f"GET {path}", page), (f"POST {path}", register)):  # fmt: skip
        wall, cpu = timed(function, per)
        timings[label] = {"wall_ms": wall, "cpu_ms": cpu}
        print(
            f"  {label:<34}{wall:7.2f} ms per request ({1000 / wall:,.0f}/s), "
            f"of which Python CPU {cpu:.2f} ms"
        )

    with app.app_context():
        engine = db.engine
    with StatementLog(engine) as log:
        register()
    log.print("one sign-up (POST, a new e-mail)")
    statements = len(log.statements)

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        register()
    profiler.disable()
    print_profile(pstats.Stats(profiler), count=count, top=top, what="sign-ups")
    return {"timings": timings, "statements": statements}


# ----------------------------------------------------------------------------- load


def measure(app, args, url, env, workdir, connections) -> list[dict]:
    """Serve with gunicorn, load it with wrk at each connection count, check the database after
    each registration run; the figures of each run."""
    path = f"/events/{SLUG}/register"
    rest = urllib.parse.urlencode(form_fields(app), doseq=True)
    server = None
    try:
        server, base = start_server(
            env, workdir / "gunicorn.log", workers=args.workers, threads=args.threads,
            mail_worker=args.mail_worker,
        )  # fmt: skip
        runs = {"n": 0}

        def load(endpoint, conns, seconds):
            if endpoint == "ping":
                return run_wrk(
                    f"{base}/api/v1/ping", workdir / "load.lua", connections=conns,
                    seconds=seconds, threads=args.wrk_threads, script_args=["ping"],
                ), None  # fmt: skip
            runs["n"] += 1
            prefix = f"bench-r{runs['n']}c{conns}"
            sessions = workdir / "sessions.txt"
            lines = [
                f"{cookie}\t{urllib.parse.quote(token, safe='')}"
                for cookie, token in (new_session(base, path) for _ in range(args.wrk_threads))
            ]
            sessions.write_text("\n".join(lines) + "\n")
            figures = run_wrk(
                base + path, workdir / "load.lua", connections=conns, seconds=seconds,
                threads=args.wrk_threads,
                script_args=["register", sessions, rest, prefix, path],
            )  # fmt: skip
            return figures, prefix

        if args.warmup:
            load("ping", connections[0], args.warmup)
            load("register", connections[0], args.warmup)

        rows = []
        for conns in connections:
            for endpoint in ("ping", "register"):
                time.sleep(1)
                with CpuMeter(server.pid, url.database) as meter:
                    figures, prefix = load(endpoint, conns, args.seconds)
                row = {"endpoint": endpoint, "connections": conns, **describe(figures)}
                # A 302 is the form's success: count as failures only what is neither 2xx nor 3xx.
                row["failed"] = sum(
                    n for s, n in figures["statuses"].items() if not 200 <= int(s) < 400
                )
                row["cpu"] = meter.result
                if endpoint == "register":
                    row["registered"], row["again"] = figures["registered"], figures["again"]
                    row["stored"] = settled(app, prefix)
                rows.append(row)
                print(
                    f"  {endpoint} at {conns} connections: {row['rps']:,.0f} req/s, "
                    f"p99 {row['p99']:.1f} ms",
                    flush=True,
                )
        return rows
    except Exception:
        print("gunicorn's last lines:\n  " + last_lines(workdir / "gunicorn.log"))
        raise
    finally:
        if server is not None:
            stop(server)


def cpu_ms(row: dict) -> float:
    """Gunicorn's CPU time per answered request during a run, in milliseconds."""
    return 1000 * row["cpu"]["gunicorn"] / max(row["rps"], 1e-9)


def report(rows: list[dict]) -> None:
    print(
        f"\n{'endpoint':<10}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'not 2/3xx':>10}   cores used: gunicorn postgres  wrk others"
        "  gunicorn CPU ms/req"
    )
    for row in rows:
        cpu = row["cpu"]
        print(
            f"{row['endpoint']:<10}{row['connections']:>6}{row['rps']:>9,.0f}{row['p50']:>9.1f}"
            f"{row['p90']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}{row['errors']:>8}"
            f"{row['failed']:>10}   {cpu['gunicorn']:>20.2f}{cpu['postgres']:>9.2f}"
            f"{cpu['wrk']:>5.2f}{others(cpu):>7.2f}{cpu_ms(row):>21.2f}"
        )
    print()
    by = {(r["endpoint"], r["connections"]): r for r in rows}
    for conns in sorted({r["connections"] for r in rows}):
        ping, register = by[("ping", conns)], by[("register", conns)]
        # On a shared, busy machine the throughput follows the CPU the server was given; its CPU
        # per request does not: ping's CPU per request over registration's is the same ratio as
        # the throughputs on a quiet machine whose gunicorn has the cores to itself.
        print(
            f"at {conns} connections: registration/ping throughput "
            f"{register['rps'] / ping['rps']:.1%} (target >= {TARGET:.0%}), by gunicorn CPU "
            f"per request {cpu_ms(ping) / max(cpu_ms(register), 1e-9):.1%}, "
            f"registration p50 {register['p50']:.1f} ms, p99 {register['p99']:.1f} ms"
        )
    for row in rows:
        if row["endpoint"] != "register":
            continue
        stored = row["stored"]
        print(
            f"registration at {row['connections']}: {row['registered']:,} answered 302 to the new "
            f"badge, {row['again']} 'registered already'; in the database {stored['rows']:,} "
            f"registrations ({stored['distinct_emails']:,} e-mails, {stored['distinct_codes']:,} "
            f"badge codes), {stored['queued']:,} confirmations queued; lost "
            f"{max(0, row['registered'] - stored['rows'])}, finished after wrk stopped "
            f"{max(0, stored['rows'] - row['registered'])} (at most {row['connections']}), "
            f"duplicate badge codes {stored['duplicate_badges']}; statuses {row['statuses']}"
        )


def figures_of(rows: list[dict], profile: dict | None) -> dict:
    """The figures bench/run_all.py puts in its table."""
    by = {(r["endpoint"], r["connections"]): r for r in rows}
    ratios = {
        conns: by[("register", conns)]["rps"] / by[("ping", conns)]["rps"]
        for (endpoint, conns) in by
        if endpoint == "register" and ("ping", conns) in by
    }
    registrations = [r for r in rows if r["endpoint"] == "register"]
    return {
        "rows": [{k: v for k, v in r.items() if k != "cpu"} for r in rows],
        "ratios": ratios,
        "ratio": min(ratios.values()) if ratios else None,
        "p99": {r["connections"]: r["p99"] for r in registrations},
        "errors": sum(r["errors"] + r["failed"] for r in rows),
        "lost": sum(max(0, r["registered"] - r["stored"]["rows"]) for r in registrations),
        "again": sum(r["again"] for r in registrations),
        "duplicate_badges": max(
            (r["stored"]["duplicate_badges"] for r in registrations), default=0
        ),
        "unqueued": sum(r["stored"]["rows"] - r["stored"]["queued"] for r in registrations),
        "profile": profile,
        "target": TARGET,
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created and dropped")
    parser.add_argument("--connections", default="16,64", help="comma-separated")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1),
        help="gunicorn worker processes (default 2 per core, as docs/deployment.md advises)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--existing", type=int, default=10000, help="registrations seeded")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3, help="seconds, per endpoint, not reported")
    parser.add_argument(
        "--mail-worker", action="store_true", help="run the in-process mail worker (.eml files)"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N sign-ups in-process"
    )
    parser.add_argument("--top", type=int, default=30, help="profile lines shown")
    args = parser.parse_args(argv)

    url = bench_url(parser, args.database)
    if args.seconds and shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    connections = [int(c) for c in args.connections.split(",")]

    print(machine_line(url))
    print(source_state())
    print(
        f"gunicorn: {args.workers} worker(s) x {args.threads} threads (gthread), access log on, "
        f"{'in-process mail worker' if args.mail_worker else 'no mail worker'}, rate limits off; "
        f"wrk: {args.wrk_threads} threads, {args.seconds} s per run, "
        f"{args.warmup} s warm-up per endpoint not counted"
    )

    workdir = Path(tempfile.mkdtemp(prefix="registration-bench-"))
    (workdir / "load.lua").write_text(WRK_SCRIPT)
    app = None
    database_url = url.render_as_string(hide_password=False)
    env = bench_env(database_url, workdir / "instance", RATELIMIT_ENABLED="0")
    rows: list[dict] = []
    profile = None
    recreate_database(url)
    try:
        started = time.perf_counter()
        app = migrated_app(env, database_url, workdir / "instance", RATELIMIT_ENABLED=False)
        seed(app, visitors=args.existing, devices=0)
        print(
            f"seeded one exhibition and {args.existing:,} registrations, migrated and seeded in "
            f"{time.perf_counter() - started:.1f} s"
        )
        if args.seconds:
            rows = measure(app, args, url, env, workdir, connections)
            report(rows)
        if args.profile:
            profile = profile_registrations(app, count=args.profile, top=args.top)
    finally:
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return figures_of(rows, profile)


if __name__ == "__main__":
    main()

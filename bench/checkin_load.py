"""Check-in API under load: gunicorn on PostgreSQL, driven by wrk from a second process.

Creates a throw-away PostgreSQL database, migrates it, seeds one event with many registrations
and a pool of scanner devices, serves the app with gunicorn (the options `flask serve` uses, with
the worker count as a parameter) on a free 127.0.0.1 port, then measures GET /api/v1/ping and
POST /api/v1/checkin at 16 and 64 connections with wrk: requests/s, p50/p99 latency, errors and
non-2xx answers, the CPU each party used, and the scan results stored. Optionally profiles
check-in requests in-process (cProfile, Flask test client, same database). Stops gunicorn and
drops the database in every case.

Run: .venv/bin/python bench/checkin_load.py [--seconds 15] [--workers N --threads 2] [--profile 2000]
Needs wrk (apt-get install wrk) and a PostgreSQL reachable at --database.
"""

import argparse
import cProfile
import os
import pstats
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
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

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench"

# One Lua script for both endpoints, so that the load generator does the same kind of work
# (a request() and a response() call per request) whether it asks for ping or for a check-in.
# Arguments: mode (ping|checkin), codes file, tokens file, first code index, codes per thread,
# one repeat every N scans, nonce prefix.
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
  firsts = 0
  repeats = 0
  reused = 0
  if mode == "ping" then
    ping_request = wrk.format("GET", "/api/v1/ping")
    return
  end
  local all = {}
  for line in io.lines(args[2]) do all[#all + 1] = line end
  tokens = {}
  for line in io.lines(args[3]) do tokens[#tokens + 1] = line end
  local first, per_thread = tonumber(args[4]), tonumber(args[5])
  repeat_every = tonumber(args[6])
  prefix = args[7]
  codes = {}
  local start = first + (id - 1) * per_thread
  for i = start + 1, math.min(start + per_thread, #all) do codes[#codes + 1] = all[i] end
  next_code = 1
  math.randomseed(id * 7919)
end

function request()
  sent = sent + 1
  if mode == "ping" then return ping_request end
  local code
  if sent % repeat_every == 0 and next_code > 1 then
    -- a badge this thread already sent: the door scans someone twice
    code = codes[math.random(next_code - 1)]
    repeats = repeats + 1
  elseif next_code <= #codes then
    code = codes[next_code]
    next_code = next_code + 1
    firsts = firsts + 1
  else
    -- this thread's badges are used up: every further scan is a repeat (reported)
    code = codes[math.random(#codes)]
    reused = reused + 1
  end
  local token = tokens[(sent * 31 + id) % #tokens + 1]
  local body = '{"code":"' .. code .. '","nonce":"' .. prefix .. "-" .. id .. "-" .. sent
    .. '","type":"entry"}'
  return wrk.format("POST", "/api/v1/checkin",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged, parts = {}, {}
  local f, r, u = 0, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
    f = f + thread:get("firsts")
    r = r + thread:get("repeats")
    u = u + thread:get("reused")
  end
  for status, n in pairs(merged) do parts[#parts + 1] = '"' .. status .. '":' .. n end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx3xx":%d,'
    .. '"sent_first":%d,"sent_repeat":%d,"sent_reused":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    f, r, u, table.concat(parts, ",")))
end
"""


# ----------------------------------------------------------------------------- the database


def seed(app, *, visitors: int, devices: int) -> tuple[list[str], list[str]]:
    """One event under way, `visitors` confirmed registrations (bulk insert, real badge codes)
    and `devices` entrance devices; returns the badge codes and the device tokens."""
    import sqlalchemy as sa

    from exhibition.badges.services import new_badge_code, new_manage_token
    from exhibition.checkin.services import create_device
    from exhibition.events.services import EventData, create_event
    from exhibition.extensions import db
    from exhibition.reference.models import Province
    from exhibition.visitors.models import Registration, RegistrationSource, VisitorCategory

    now = datetime.now(UTC)
    with app.app_context():
        event = create_event(
            data=EventData(
                slug="bench-expo",
                name_vi="Triển lãm Công nghiệp hỗ trợ (đo tải)",
                name_en="Supporting Industry Expo (load test)",
                starts_at=now - timedelta(hours=2),
                ends_at=now + timedelta(days=2),
                registration_opens_at=now - timedelta(days=30),
                registration_closes_at=now + timedelta(days=1),
            )
        )
        categories = list(
            db.session.scalars(
                sa.select(VisitorCategory.id)
                .where(VisitorCategory.event_id == event.id)
                .order_by(VisitorCategory.position)
            )
        )
        province = db.session.scalar(sa.select(Province.code).order_by(Province.code).limit(1))
        codes = []
        batch = []
        for n in range(visitors):
            code = new_badge_code()
            codes.append(code)
            email = f"visitor{n}@example.com"
            batch.append(
                {
                    "event_id": event.id,
                    "category_id": categories[n % len(categories)],
                    "source": RegistrationSource.IMPORT,
                    "full_name": f"Nguyễn Văn Khách {n}",
                    "email": email,
                    "email_key": email,
                    "phone": "+84912345678",
                    "organisation": "Công ty TNHH Cơ khí Hải An",
                    "province_code": province,
                    "country_code": "VN",
                    "badge_code": code,
                    "manage_token": new_manage_token(),
                    "search_text": f"nguyen van khach {n} {email}",
                }
            )
            if len(batch) == 5000:
                db.session.execute(sa.insert(Registration), batch)
                batch = []
        if batch:
            db.session.execute(sa.insert(Registration), batch)
        tokens = [create_device(event=event, name=f"Cổng {n + 1}")[1] for n in range(devices)]
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return codes, tokens


def scan_results_since(app, scan_id: int) -> tuple[int, dict[str, int]]:
    """The highest scan id and the results of the scans stored after `scan_id`."""
    import sqlalchemy as sa

    from exhibition.checkin.models import Scan
    from exhibition.extensions import db

    with app.app_context():
        rows = db.session.execute(
            sa.select(Scan.result, sa.func.count()).where(Scan.id > scan_id).group_by(Scan.result)
        ).all()
        last = db.session.scalar(sa.select(sa.func.max(Scan.id))) or 0
        db.session.rollback()
    return last, {result.value: count for result, count in rows}


# ----------------------------------------------------------------------------- profile


def profile_checkins(app, *, codes: list[str], tokens: list[str], count: int, top: int) -> None:
    """Time ping and check-in requests in-process (one thread, Flask test client, same database),
    list the SQL statements of one first entry and one repeat, then cProfile `count` check-ins."""
    from exhibition.extensions import db

    client = app.test_client()
    sequence = {"n": 0, "code": 0}
    used: list[str] = []

    def checkin():
        sequence["n"] += 1
        n = sequence["n"]
        if n % 10 == 0 and used:
            code = used[(n * 7919) % len(used)]
        else:
            code = codes[sequence["code"]]
            sequence["code"] += 1
            used.append(code)
        response = client.post(
            "/api/v1/checkin",
            json={"code": code, "nonce": f"profile-{n}", "type": "entry"},
            headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["result"]

    for _ in range(50):  # warm-up: compiled statements, translations, pools
        client.get("/api/v1/ping")
        checkin()

    per = min(count, 1000)
    print(f"\nin-process, one thread, {per} requests each (no network, no gunicorn):")
    for label, function in (("GET /api/v1/ping", lambda: client.get("/api/v1/ping")),
                            ("POST /api/v1/checkin", checkin)):  # fmt: skip
        wall, cpu = timed(function, per)
        print(
            f"  {label:<22}{wall:7.2f} ms per request ({1000 / wall:,.0f}/s), "
            f"of which Python CPU {cpu:.2f} ms"
        )

    with app.app_context():
        engine = db.engine
    for label in ("first entry", "repeat scan of the same badge"):
        kept = list(used)
        if label.startswith("repeat"):
            sequence["n"] = (sequence["n"] // 10 + 1) * 10 - 1  # the next one is a repeat
            used[:] = [used[-1]]
        with StatementLog(engine) as log:
            result = checkin()
        used[:] = kept
        log.print(f"one check-in ({label}, result {result})")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        checkin()
    profiler.disable()
    print_profile(pstats.Stats(profiler), count=count, top=top, what="check-ins")


TARGET = 0.35  # check-in throughput as a share of the bare endpoint's (issue 7)
P99_TARGETS = {16: 40.0, 64: 150.0}  # check-in p99 in ms at 16 and 64 connections (issue 19)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures (rows, the worst ratio, errors) for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created and dropped")
    parser.add_argument("--connections", default="16,64", help="comma-separated")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1),
        help="gunicorn worker processes (default 2 per core, as docs/deployment.md advises)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--visitors", type=int, default=60000, help="registrations seeded")
    parser.add_argument("--devices", type=int, default=500, help="scanner devices seeded")
    parser.add_argument("--repeat-every", type=int, default=10, help="one repeat scan every N")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3, help="seconds, per endpoint, not reported")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N check-ins in-process"
    )
    parser.add_argument("--top", type=int, default=25, help="profile lines shown")
    args = parser.parse_args(argv)

    url = bench_url(parser, args.database)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    connections = [int(c) for c in args.connections.split(",")]

    print(machine_line(url))
    print(source_state())
    print(
        f"gunicorn: {args.workers} worker(s) x {args.threads} threads (gthread), access log on, "
        f"in-process mail worker; wrk: {args.wrk_threads} threads, {args.seconds} s per run, "
        f"{args.warmup} s warm-up per endpoint not counted"
    )

    workdir = Path(tempfile.mkdtemp(prefix="checkin-bench-"))
    app = None
    database_url = url.render_as_string(hide_password=False)
    env = bench_env(database_url, workdir / "instance")
    rows: list[dict] = []
    recreate_database(url)
    try:
        started = time.perf_counter()
        app = migrated_app(env, database_url, workdir / "instance")
        reserve = 2 * args.profile + 300 if args.profile else 0
        codes, tokens = seed(app, visitors=args.visitors + reserve, devices=args.devices)
        profile_codes, codes = codes[len(codes) - reserve :], codes[: len(codes) - reserve]
        (workdir / "codes.txt").write_text("\n".join(codes) + "\n")
        (workdir / "tokens.txt").write_text("\n".join(tokens) + "\n")
        (workdir / "load.lua").write_text(WRK_SCRIPT)
        print(
            f"seeded {len(codes):,} registrations (+{reserve} for the profile) and {len(tokens)} "
            f"devices, migrated and seeded in {time.perf_counter() - started:.1f} s"
        )

        if args.seconds:
            rows = measure(app, args, url, env, workdir, codes, connections)
            report(rows)
        if args.profile:
            profile_checkins(
                app, codes=profile_codes, tokens=tokens, count=args.profile, top=args.top
            )
    finally:
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return figures_of(rows)


def figures_of(rows: list[dict]) -> dict:
    """The figures bench/run_all.py puts in its table: the check-in/ping ratio at each
    connection count, the lowest of them, the check-in p99 (ms) at each connection count, and
    the errors and non-2xx answers of all runs."""
    by = {(r["endpoint"], r["connections"]): r for r in rows}
    ratios = {
        conns: by[("checkin", conns)]["rps"] / by[("ping", conns)]["rps"]
        for (endpoint, conns) in by
        if endpoint == "checkin" and ("ping", conns) in by
    }
    return {
        "rows": [{k: v for k, v in r.items() if k != "cpu"} for r in rows],
        "ratios": ratios,
        "ratio": min(ratios.values()) if ratios else None,
        "p99": {r["connections"]: r["p99"] for r in rows if r["endpoint"] == "checkin"},
        "errors": sum(r["errors"] + r["non2xx"] for r in rows),
        "target": TARGET,
        "p99_targets": P99_TARGETS,
    }


def measure(app, args, url, env, workdir, codes, connections) -> list[dict]:
    """Serve with gunicorn, load it with wrk at each connection count; the figures of each run."""
    server = None
    try:
        server, base = start_server(
            env, workdir / "gunicorn.log", workers=args.workers, threads=args.threads
        )
        load = Loader(args, base, workdir, codes, connections)
        last_scan = warm_up(app, load, connections[0], args.warmup)
        rows = []
        for conns in connections:
            for endpoint in ("ping", "checkin"):
                row, last_scan = measured_run(app, load, server, url, endpoint, conns, last_scan)
                rows.append(row)
        return rows
    except Exception:
        print("gunicorn's last lines:\n  " + last_lines(workdir / "gunicorn.log"))
        raise
    finally:
        if server is not None:
            stop(server)


class Loader:
    """wrk against the app served at `base`: `load(endpoint, conns, seconds)` runs the Lua script
    for ping or check-in; each check-in run gets its own slice of badge codes, split between
    wrk's threads (the runs at each connection count and the warm-up)."""

    def __init__(self, args, base, workdir, codes, connections):
        self.args, self.base, self.workdir = args, base, workdir
        self.per_run = len(codes) // (len(connections) + 1)  # + the warm-up
        self.per_thread = self.per_run // args.wrk_threads
        self.slices = 0

    def __call__(self, endpoint, conns, seconds):
        args, workdir = self.args, self.workdir
        if endpoint == "ping":
            script_args = ["ping"]
            target = f"{self.base}/api/v1/ping"
        else:
            first = self.slices * self.per_run
            self.slices += 1
            script_args = [
                "checkin", workdir / "codes.txt", workdir / "tokens.txt", first, self.per_thread,
                args.repeat_every, f"r{self.slices}c{conns}",
            ]  # fmt: skip
            target = f"{self.base}/api/v1/checkin"
        return run_wrk(
            target, workdir / "load.lua", connections=conns, seconds=seconds,
            threads=args.wrk_threads, script_args=script_args,
        )  # fmt: skip


def warm_up(app, load, conns, seconds) -> int:
    """Ping and check-in for `seconds` each, not reported; the last scan id after them."""
    if not seconds:
        return 0
    load("ping", conns, seconds)
    load("checkin", conns, seconds)
    return scan_results_since(app, 0)[0]


def measured_run(app, load, server, url, endpoint, conns, last_scan) -> tuple[dict, int]:
    """One measured wrk run with the CPU of each party and (check-in) the scans stored."""
    time.sleep(1)
    with CpuMeter(server.pid, url.database) as meter:
        figures = load(endpoint, conns, load.args.seconds)
    row = {"endpoint": endpoint, "connections": conns, **describe(figures)}
    row["cpu"] = meter.result
    if endpoint == "checkin":
        last_scan, row["stored"] = scan_results_since(app, last_scan)
        row["sent"] = (figures["sent_first"], figures["sent_repeat"], figures["sent_reused"])
    print(
        f"  {endpoint} at {conns} connections: {row['rps']:,.0f} req/s, p99 {row['p99']:.1f} ms",
        flush=True,
    )
    return row, last_scan


def report(rows) -> None:
    print(
        f"\n{'endpoint':<10}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'non-2xx':>9}   cores used: gunicorn postgres  wrk others"
    )
    for row in rows:
        cpu = row["cpu"]
        print(
            f"{row['endpoint']:<10}{row['connections']:>6}{row['rps']:>9,.0f}{row['p50']:>9.1f}"
            f"{row['p90']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}{row['errors']:>8}"
            f"{row['non2xx']:>9}   {cpu['gunicorn']:>20.2f}{cpu['postgres']:>9.2f}"
            f"{cpu['wrk']:>5.2f}{others(cpu):>7.2f}"
        )
    print()
    by = {(r["endpoint"], r["connections"]): r for r in rows}
    for conns in sorted({r["connections"] for r in rows}):
        ping, checkin = by[("ping", conns)], by[("checkin", conns)]
        print(
            f"at {conns} connections: check-in/ping throughput {checkin['rps'] / ping['rps']:.1%} "
            f"(target >= {TARGET:.0%}), check-in p99 {checkin['p99']:.1f} ms"
        )
    for row in rows:
        if row["endpoint"] == "checkin":
            first, repeat, reused = row["sent"]
            stored = ", ".join(f"{k} {v:,}" for k, v in sorted(row["stored"].items()))
            print(
                f"check-in at {row['connections']}: sent {first:,} first scans, {repeat:,} repeats"
                f"{f', {reused:,} after codes ran out' if reused else ''}; stored: {stored}; "
                f"statuses {row['statuses']}"
            )


if __name__ == "__main__":
    main()

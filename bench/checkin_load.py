"""Check-in API under load: gunicorn on PostgreSQL, driven by wrk from a second process.

Creates a throw-away PostgreSQL database, migrates it, seeds one event with many registrations
and a pool of scanner devices, serves the app with gunicorn (the options `flask serve` uses, with
the worker count as a parameter) on a free 127.0.0.1 port, then measures GET /api/v1/ping and
POST /api/v1/checkin at 16 and 64 connections with wrk: requests/s, p50/p99 latency, errors and
non-2xx answers, the CPU each party used, and the scan results stored. Optionally profiles
check-in requests in-process (cProfile, Flask test client, same database). Stops gunicorn and
drops the database in every case.

Run: .venv/bin/python bench/checkin_load.py [--seconds 15] [--workers 2 --threads 8] [--profile 2000]
Needs wrk (apt-get install wrk) and a PostgreSQL reachable at --database.
"""

import argparse
import cProfile
import json
import os
import platform
import pstats
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

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


# ----------------------------------------------------------------------------- the server


def serve(bind: str, workers: int, threads: int) -> None:
    """Run gunicorn in this process with the options of `flask serve` (exhibition/cli.py)."""
    from gunicorn.app.base import BaseApplication

    from exhibition import create_app
    from exhibition.mail.worker import start_in_thread

    app = create_app()

    class Server(BaseApplication):
        def load_config(self):
            # Same as serve_command, except the number of worker processes.
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_worker_init", lambda worker: start_in_thread(app))

        def load(self):
            return app

    Server().run()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_ping(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and json.load(response) == {"pong": True}:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process group we started (gunicorn and its workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


# ----------------------------------------------------------------------------- CPU accounting


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            found += children
            frontier += children
    return found


def _postgres_backends(database: str) -> list[int]:
    """Server processes serving our database (their title names it)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text.startswith("postgres: ") and f" {database} " in text:
            pids.append(int(cmdline.parent.name))
    return pids


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU used during one run by gunicorn (master and workers), our PostgreSQL backends, the
    load generator (a reaped child: RUSAGE_CHILDREN) and the whole machine."""

    def __init__(self, server_pid: int, database: str):
        self.server_pid, self.database = server_pid, database

    def _snapshot(self):
        server = [self.server_pid, *_descendants(self.server_pid)]
        backends = _postgres_backends(self.database)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "time": time.monotonic(),
            "gunicorn": {pid: _cpu_ticks(pid) for pid in server},
            "postgres": {pid: _cpu_ticks(pid) for pid in backends},
            "children": children.ru_utime + children.ru_stime,
            "machine": _machine_ticks(),
        }

    def __enter__(self):
        self.before = self._snapshot()
        return self

    def __exit__(self, *exc):
        after = self._snapshot()
        wall = after["time"] - self.before["time"]

        def cores(group):
            used = sum(
                ticks - self.before[group].get(pid, 0) for pid, ticks in after[group].items()
            )
            return used / CLOCK_TICKS / wall

        busy = after["machine"][0] - self.before["machine"][0]
        total = after["machine"][1] - self.before["machine"][1]
        self.result = {
            "gunicorn": cores("gunicorn"),
            "postgres": cores("postgres"),
            "wrk": (after["children"] - self.before["children"]) / wall,
            "machine": (os.cpu_count() or 1) * busy / max(total, 1),
        }
        return False


# ----------------------------------------------------------------------------- the database


def admin_connection(url):
    import psycopg

    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


def recreate_database(url) -> None:
    from psycopg import sql

    with admin_connection(url) as connection:
        name = sql.Identifier(url.database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(url) -> None:
    from psycopg import sql

    with admin_connection(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database))
        )


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


# ----------------------------------------------------------------------------- load


def run_wrk(url, script, *, connections, seconds, threads, script_args) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
        "--",
        *[str(a) for a in script_args],
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON ") :])
    raise RuntimeError(f"wrk gave no figures (exit {done.returncode}):\n{done.stdout}{done.stderr}")


def describe(figures: dict) -> dict:
    seconds = figures["duration_us"] / 1e6
    errors = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    return {
        "rps": figures["requests"] / seconds,
        "p50": figures["p50_us"] / 1000,
        "p90": figures["p90_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "max": figures["max_us"] / 1000,
        "requests": figures["requests"],
        "errors": errors,
        "non2xx": sum(n for s, n in figures["statuses"].items() if not 200 <= int(s) < 300),
        "statuses": figures["statuses"],
    }


# ----------------------------------------------------------------------------- profile


def profile_checkins(app, *, codes: list[str], tokens: list[str], count: int, top: int) -> None:
    """Time ping and check-in requests in-process (one thread, Flask test client, same database),
    list the SQL statements of one first entry and one repeat, then cProfile `count` check-ins."""
    import sqlalchemy as sa

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

    def timed(function, n):
        """Wall time and this process's CPU time per call, in ms."""
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            function()
        return (time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000

    per = min(count, 1000)
    print(f"\nin-process, one thread, {per} requests each (no network, no gunicorn):")
    for label, function in (("GET /api/v1/ping", lambda: client.get("/api/v1/ping")),
                            ("POST /api/v1/checkin", checkin)):  # fmt: skip
        wall, cpu = timed(function, per)
        print(
            f"  {label:<22}{wall:7.2f} ms per request ({1000 / wall:,.0f}/s), "
            f"of which Python CPU {cpu:.2f} ms"
        )

    statements: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append([" ".join(statement.split()), time.perf_counter(), None])

    def after(conn, cursor, statement, parameters, context, executemany):
        statements[-1][2] = (time.perf_counter() - statements[-1][1]) * 1000

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        for label in ("first entry", "repeat scan of the same badge"):
            statements.clear()
            kept = list(used)
            if label.startswith("repeat"):
                sequence["n"] = (sequence["n"] // 10 + 1) * 10 - 1  # the next one is a repeat
                used[:] = [used[-1]]
            result = checkin()
            used[:] = kept
            print(
                f"\nSQL statements for one check-in ({label}, result {result}): {len(statements)}"
            )
            print("  (ms: from sending the statement to its answer, one run, not averaged)")
            for number, (statement, _start, ms) in enumerate(statements, 1):
                short = statement[:130] + ("..." if len(statement) > 130 else "")
                took = f"{ms:6.2f} ms" if ms is not None else "  raised "  # IntegrityError
                print(f"  {number:>2}. {took}  {short}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        checkin()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(
        f"\ncProfile of {count} check-ins: {total:.2f} s, {total / count * 1000:.2f} ms per request"
        " under the profiler"
    )
    for order, title in (("cumulative", "cumulative"), ("tottime", "own (tottime)")):
        stats.sort_stats(order)
        print(f"\ntop {top} by {title} time (ms per request: cumulative / own; calls per request)")
        for key in stats.fcn_list[:top]:
            calls, _primitive, own, cumulative, _callers = stats.stats[key]
            print(
                f"  {cumulative / count * 1000:7.3f} {own / count * 1000:7.3f} "
                f"{calls / count:7.1f}  {_where(key)}"
            )


def _where(key) -> str:
    filename, line, function = key
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    if filename == "~":
        return function
    return f"{filename}:{line}({function})"


# ----------------------------------------------------------------------------- report


def machine_line(url) -> str:
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    with admin_connection(url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return (
        f"machine: {os.cpu_count()} cores ({platform.machine()}), "
        f"{int(memory) / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, "
        f"PostgreSQL {version}, {' '.join(wrk.split()[:2])}, "
        f"load average before the run {os.getloadavg()[0]:.2f}"
    )


def source_state() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "exhibition"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "source: unknown"
    return f"source: {head}{' with uncommitted changes in exhibition/' if dirty else ''}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created and dropped")
    parser.add_argument("--connections", default="16,64", help="comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (gthread)")
    parser.add_argument("--visitors", type=int, default=60000, help="registrations seeded")
    parser.add_argument("--devices", type=int, default=500, help="scanner devices seeded")
    parser.add_argument("--repeat-every", type=int, default=10, help="one repeat scan every N")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3, help="seconds, per endpoint, not reported")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile N check-ins in-process"
    )
    parser.add_argument("--top", type=int, default=25, help="profile lines shown")
    parser.add_argument("--serve", metavar="HOST:PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers, args.threads)
        return

    from sqlalchemy.engine import make_url

    url = make_url(args.database)
    if url.get_backend_name() != "postgresql" or "bench" not in (url.database or ""):
        parser.error("--database must be a PostgreSQL URL whose database name contains 'bench'")
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
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "SECRET_KEY": "bench-only",
    }
    env.pop("MAIL_SERVER", None)
    recreate_database(url)
    try:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        from exhibition import create_app

        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance")}
        )
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
        if app is not None:
            from exhibition.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)


def measure(app, args, url, env, workdir, codes, connections) -> list[dict]:
    """Serve with gunicorn, load it with wrk at each connection count; the figures of each run."""
    server = None
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(workdir / "gunicorn.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--serve", f"127.0.0.1:{port}",
                 "--workers", str(args.workers), "--threads", str(args.threads)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for_ping(f"{base}/api/v1/ping", server)

        # Each check-in run gets its own slice of badge codes, split between wrk's threads.
        per_run = len(codes) // (len(connections) + 1)  # + the warm-up
        per_thread = per_run // args.wrk_threads
        slice_index = {"n": 0}

        def load(endpoint, conns, seconds):
            if endpoint == "ping":
                script_args = ["ping"]
                target = f"{base}/api/v1/ping"
            else:
                first = slice_index["n"] * per_run
                slice_index["n"] += 1
                script_args = [
                    "checkin", workdir / "codes.txt", workdir / "tokens.txt", first, per_thread,
                    args.repeat_every, f"r{slice_index['n']}c{conns}",
                ]  # fmt: skip
                target = f"{base}/api/v1/checkin"
            return run_wrk(
                target, workdir / "load.lua", connections=conns, seconds=seconds,
                threads=args.wrk_threads, script_args=script_args,
            )  # fmt: skip

        last_scan = 0
        if args.warmup:
            load("ping", connections[0], args.warmup)
            load("checkin", connections[0], args.warmup)
            last_scan, _ = scan_results_since(app, 0)

        rows = []
        for conns in connections:
            for endpoint in ("ping", "checkin"):
                time.sleep(1)
                with CpuMeter(server.pid, url.database) as meter:
                    figures = load(endpoint, conns, args.seconds)
                row = {"endpoint": endpoint, "connections": conns, **describe(figures)}
                row["cpu"] = meter.result
                if endpoint == "checkin":
                    last_scan, row["stored"] = scan_results_since(app, last_scan)
                    row["sent"] = (
                        figures["sent_first"], figures["sent_repeat"], figures["sent_reused"]
                    )  # fmt: skip
                rows.append(row)
                print(
                    f"  {endpoint} at {conns} connections: {row['rps']:,.0f} req/s, "
                    f"p99 {row['p99']:.1f} ms",
                    flush=True,
                )
        return rows
    except Exception:
        log = (workdir / "gunicorn.log").read_text(errors="replace").splitlines()
        print("gunicorn's last lines:", *log[-15:], sep="\n  ")
        raise
    finally:
        if server is not None:
            stop(server)


def report(rows) -> None:
    print(
        f"\n{'endpoint':<10}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'non-2xx':>9}   cores used: gunicorn postgres  wrk others"
    )
    for row in rows:
        cpu = row["cpu"]
        # The rest of the machine's busy time: other programs (and the kernel's work for ours).
        others = max(0.0, cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - cpu["wrk"])
        print(
            f"{row['endpoint']:<10}{row['connections']:>6}{row['rps']:>9,.0f}{row['p50']:>9.1f}"
            f"{row['p90']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}{row['errors']:>8}"
            f"{row['non2xx']:>9}   {cpu['gunicorn']:>20.2f}{cpu['postgres']:>9.2f}"
            f"{cpu['wrk']:>5.2f}{others:>7.2f}"
        )
    print()
    by = {(r["endpoint"], r["connections"]): r for r in rows}
    for conns in sorted({r["connections"] for r in rows}):
        ping, checkin = by[("ping", conns)], by[("checkin", conns)]
        print(
            f"at {conns} connections: check-in/ping throughput {checkin['rps'] / ping['rps']:.1%} "
            f"(target >= 50%), check-in p99 {checkin['p99']:.1f} ms"
            + (" (target < 50 ms)" if conns == 64 else "")
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

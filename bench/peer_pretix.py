"""pretix's check-in beside ours: the same load, the same gunicorn settings, in the same run.

Installs pretix from PyPI into a virtual environment of its own (bench/.cache/, git-ignored; kept
for the next run with --keep-venv), creates two throw-away PostgreSQL databases (ours and
pretix's), migrates and seeds both with the same amount of data (ours as bench/checkin_load.py
seeds it: 60,000 confirmed registrations and 500 entrance devices; pretix: 60,000 paid order
positions, a check-in list and a team API token, seeded by bench/pretix_seed.py run with pretix's
own Python), serves both with gunicorn (gthread, the same workers x threads, access log on) on
free 127.0.0.1 ports, and measures with wrk at 16 and 64 connections, taking turns at each
connection count: our GET /api/v1/ping and POST /api/v1/checkin (checkin_load.py's own Lua script
and loader), pretix's bare endpoints and POST /api/v1/organizers/<o>/checkinrpc/redeem/ (a Lua
script that mirrors ours: every request a secret not scanned before, one repeat every 10 scans).
Reports requests/s, p50/p99, errors, the CPU per check-in of each server and its PostgreSQL
backends, the scans stored by each, each app's check-in / its own bare endpoint, and ours /
theirs. Stops both gunicorns, drops both databases, empties the Redis databases it used and
deletes the virtual environment (unless --keep-venv) in every case; the whole run is bounded by
--timeout.

pretix's bare endpoint is GET /site.webmanifest: like our /api/v1/ping it needs no
authentication and reads no database (a cached page: one Redis read) while going through all of
pretix's middleware. GET /api/v1/version (the cheapest authenticated API answer: token lookup and
Django REST framework) is measured too, for context.

Run: .venv/bin/python bench/peer_pretix.py [--seconds 15] [--workers N --threads 2]
     [--pretix-version 2026.8.0] [--keep-venv] [--no-redis]
Needs wrk, a PostgreSQL at --database, PyPI (the first time), and optionally Redis (--redis).
Not part of `make test`; run_all.py runs it only with --peers or --only peer_pretix.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import checkin_load as ours
from _common import (
    CpuMeter,
    bench_env,
    bench_url,
    describe,
    dispose,
    drop_database,
    free_port,
    last_lines,
    machine_line,
    migrated_app,
    others,
    recreate_database,
    run_wrk,
    source_state,
    start_server,
    stop,
)

BENCH = Path(__file__).resolve().parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_peer"
DEFAULT_VERSION = "2026.8.0"
BARE = "/site.webmanifest"
VERSION_PATH = "/api/v1/version"

# Mirrors checkin_load.WRK_SCRIPT: the same choice of badge per request (a slice of secrets per
# thread, one repeat every N, repeats counted), the same done() line; pretix's request body and
# token header instead of ours. A 400 answer whose body says already_redeemed is pretix's answer
# to a repeat (ours answers 200 "already"); it is counted apart so that only other non-2xx
# answers count as errors. Arguments: mode (bare|redeem), token or "-", path, then for redeem:
# secrets file, first secret index, secrets per thread, one repeat every N, check-in list id.
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
  already = 0
  local headers = {}
  if args[2] ~= "-" then headers["Authorization"] = "Token " .. args[2] end
  if mode == "bare" then
    bare_request = wrk.format("GET", args[3], headers)
    return
  end
  headers["Content-Type"] = "application/json"
  redeem_headers = headers
  path = args[3]
  local all = {}
  for line in io.lines(args[4]) do all[#all + 1] = line end
  local first, per_thread = tonumber(args[5]), tonumber(args[6])
  repeat_every = tonumber(args[7])
  list = args[8]
  codes = {}
  local start = first + (id - 1) * per_thread
  for i = start + 1, math.min(start + per_thread, #all) do codes[#codes + 1] = all[i] end
  next_code = 1
  math.randomseed(id * 7919)
end

function request()
  sent = sent + 1
  if mode == "bare" then return bare_request end
  local code
  if sent % repeat_every == 0 and next_code > 1 then
    code = codes[math.random(next_code - 1)]
    repeats = repeats + 1
  elseif next_code <= #codes then
    code = codes[next_code]
    next_code = next_code + 1
    firsts = firsts + 1
  else
    code = codes[math.random(#codes)]
    reused = reused + 1
  end
  local body = '{"secret":"' .. code .. '","lists":[' .. list
    .. '],"type":"entry","source_type":"barcode"}'
  return wrk.format("POST", path, redeem_headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 400 and string.find(body, '"already_redeemed"', 1, true) then
    already = already + 1
  end
end

function done(summary, latency, requests)
  local merged, parts = {}, {}
  local f, r, u, a = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
    f = f + thread:get("firsts")
    r = r + thread:get("repeats")
    u = u + thread:get("reused")
    a = a + thread:get("already")
  end
  for status, n in pairs(merged) do parts[#parts + 1] = '"' .. status .. '":' .. n end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx3xx":%d,'
    .. '"sent_first":%d,"sent_repeat":%d,"sent_reused":%d,"already":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    f, r, u, a, table.concat(parts, ",")))
end
"""


class Timeout(Exception):
    pass


# ----------------------------------------------------------------------------- pretix, installed


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def installed_version(venv: Path) -> str | None:
    if not venv_python(venv).exists():
        return None
    done = subprocess.run(
        [venv_python(venv), "-c", "import pretix; print(pretix.__version__)"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else None


def install_pretix(venv: Path, version: str, timeout: float) -> None:
    """pretix==version and gunicorn from PyPI into `venv` (made with this Python), unless there."""
    if installed_version(venv) == version:
        print(f"pretix {version}: the virtual environment {venv} has it already")
        return
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    done = subprocess.run(
        [venv_python(venv), "-m", "pip", "install", "--disable-pip-version-check",
         f"pretix=={version}", "gunicorn"],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"pip could not install pretix=={version}:\n{tail}")
    print(f"pretix {version} installed from PyPI into {venv} in {time.monotonic() - started:.0f} s")


def pretix_config(workdir: Path, url, redis_urls: tuple[str, str] | None) -> Path:
    """pretix.cfg for the benchmark: its PostgreSQL database, a data folder in workdir, Redis as
    cache, session store and Celery broker when given (the setup pretix's documentation asks for
    in production; nothing consumes the Celery queue during the run, so the notification and
    webhook tasks each check-in queues are left undone and not counted)."""
    lines = [
        "[pretix]",
        "instance_name=bench",
        "url=http://127.0.0.1",
        f"datadir={workdir / 'pretix-data'}",
        "[database]",
        "backend=postgresql",
        f"name={url.database}",
        f"user={url.username or 'postgres'}",
        f"password={url.password or ''}",
        f"host={url.host or '127.0.0.1'}",
        f"port={url.port or 5432}",
        "[django]",
        "secret=bench-only",
        "debug=false",
        "[mail]",
        "host=127.0.0.1",
        "port=1",
    ]
    if redis_urls:
        cache, broker = redis_urls
        lines += ["[redis]", f"location={cache}", "sessions=true"]
        lines += ["[celery]", f"broker={broker}", f"backend={broker}"]
    path = workdir / "pretix.cfg"
    path.write_text("\n".join(lines) + "\n")
    (workdir / "pretix-data").mkdir(exist_ok=True)
    return path


def redis_databases(url: str) -> tuple[str, str]:
    """The Redis URL given (cache and sessions) and the next database number (Celery broker)."""
    base, _, number = url.rstrip("/").rpartition("/")
    if not number.isdigit():
        raise SystemExit(
            f"--redis must name a database number, like redis://127.0.0.1:6379/11: {url}"
        )
    return f"{base}/{number}", f"{base}/{int(number) + 1}"


def redis_sizes(urls) -> list[int]:
    import redis

    return [redis.Redis.from_url(u, socket_timeout=5).dbsize() for u in urls]


def redis_flush(urls) -> None:
    import redis

    for u in urls:
        redis.Redis.from_url(u, socket_timeout=5).flushdb()


def pretix_env(config: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PRETIX_CONFIG_FILE"] = str(config)
    env["DJANGO_SETTINGS_MODULE"] = "pretix.settings"
    return env


def run_pretix(venv, env, workdir, arguments, *, timeout, what) -> str:
    done = subprocess.run(
        [venv_python(venv), *arguments], cwd=workdir, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"pretix's {what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def start_pretix(venv, env, workdir, *, workers, threads, token) -> tuple[subprocess.Popen, str]:
    """pretix under gunicorn with our server's settings (gthread, workers x threads, access log
    to the log file) on a free 127.0.0.1 port; waits until /api/v1/version answers."""
    port = free_port()
    command = [
        venv / "bin" / "gunicorn", "pretix.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--access-logfile", "-", "--timeout", "60",
    ]  # fmt: skip
    with open(workdir / "pretix-gunicorn.log", "wb") as log:
        server = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    request = urllib.request.Request(
        f"{base}{VERSION_PATH}", headers={"Authorization": f"Token {token}"}
    )
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"pretix's gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200 and "pretix" in json.load(response):
                    return server, base
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"{base}{VERSION_PATH} did not answer within 120 s")
        time.sleep(0.3)


def pretix_scans_since(url, checkin_id: int) -> tuple[int, dict[str, int]]:
    """The highest check-in id in pretix's table and the check-ins stored after `checkin_id`
    by result (pretix stores refused scans too, with their reason)."""
    import psycopg

    with psycopg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
        password=url.password, dbname=url.database, autocommit=True,
    ) as connection:  # fmt: skip
        rows = connection.execute(
            "SELECT CASE WHEN successful THEN 'ok' ELSE coalesce(error_reason, 'error') END, "
            "count(*) FROM pretixbase_checkin WHERE id > %s GROUP BY 1",
            (checkin_id,),
        ).fetchall()
        last = connection.execute("SELECT coalesce(max(id), 0) FROM pretixbase_checkin").fetchone()
    return last[0], dict(rows)


class PretixLoader:
    """wrk against pretix: `load(endpoint, conns, seconds)` for bare, version or checkin; each
    check-in run gets its own slice of secrets, as checkin_load.Loader does with badge codes."""

    def __init__(self, args, base, workdir, seeded, count, connections):
        self.args, self.base, self.workdir, self.seeded = args, base, workdir, seeded
        self.per_run = count // (len(connections) + 1)
        self.per_thread = self.per_run // args.wrk_threads
        self.slices = 0

    def __call__(self, endpoint, conns, seconds):
        token = self.seeded["token"]
        if endpoint == "bare":
            script_args = ["bare", "-", BARE]
        elif endpoint == "version":
            script_args = ["bare", token, VERSION_PATH]
        else:
            first = self.slices * self.per_run
            self.slices += 1
            path = f"/api/v1/organizers/{self.seeded['organizer']}/checkinrpc/redeem/"
            script_args = [
                "redeem", token, path, self.workdir / "secrets.txt", first, self.per_thread,
                self.args.repeat_every, self.seeded["list"],
            ]  # fmt: skip
        return run_wrk(
            f"{self.base}{script_args[2]}", self.workdir / "pretix.lua", connections=conns,
            seconds=seconds, threads=self.args.wrk_threads, script_args=script_args,
        )  # fmt: skip


def pretix_run(load, server, url, endpoint, conns, last) -> tuple[dict, int]:
    time.sleep(1)
    with CpuMeter(server.pid, url.database) as meter:
        figures = load(endpoint, conns, load.args.seconds)
    row = {"app": "pretix", "endpoint": endpoint, "connections": conns, **describe(figures)}
    row["cpu"] = meter.result
    row["already"] = figures.get("already", 0)
    row["non2xx"] -= row["already"]  # pretix's 400 "already_redeemed": the answer to a repeat
    if endpoint == "checkin":
        last, row["stored"] = pretix_scans_since(url, last)
        row["sent"] = (figures["sent_first"], figures["sent_repeat"], figures["sent_reused"])
    print(
        f"  pretix {endpoint} at {conns} connections: {row['rps']:,.0f} req/s, "
        f"p99 {row['p99']:.1f} ms",
        flush=True,
    )
    return row, last


# ----------------------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds, per endpoint, not reported")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="ours; created and dropped")
    parser.add_argument(
        "--pretix-database", default=None, help="pretix's (default: --database's name + _pretix)"
    )
    parser.add_argument("--connections", default="16,64", help="comma-separated")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1),
        help="gunicorn worker processes of both apps (default as checkin_load.py: 2 per core)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--visitors", type=int, default=60000, help="registrations / positions")
    parser.add_argument("--devices", type=int, default=500, help="our scanner devices seeded")
    parser.add_argument("--repeat-every", type=int, default=10, help="one repeat scan every N")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--pretix-version", default=DEFAULT_VERSION)
    parser.add_argument(
        "--venv", type=Path, default=None,
        help="pretix's virtual environment (default bench/.cache/pretix-VERSION, git-ignored)",
    )  # fmt: skip
    parser.add_argument(
        "--keep-venv", action="store_true", help="keep pretix's virtual environment for next time"
    )
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/11",
        help="pretix's cache (this database number) and Celery broker (the next); both must be "
        "empty and are emptied at the end",
    )  # fmt: skip
    parser.add_argument("--no-redis", action="store_true", help="pretix without Redis")
    parser.add_argument("--timeout", type=int, default=2700, help="seconds for the whole run")
    args = parser.parse_args(argv)

    url = bench_url(parser, args.database)
    pretix_url = bench_url(parser, args.database.rsplit("/", 1)[0] + "/" + (
        args.pretix_database or f"{url.database}_pretix"
    ))  # fmt: skip
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    for target in (url, pretix_url):
        if (target.host or "127.0.0.1") not in ("127.0.0.1", "localhost"):
            parser.error("the databases must be on 127.0.0.1")
    connections = [int(c) for c in args.connections.split(",")]
    venv = args.venv or BENCH / ".cache" / f"pretix-{args.pretix_version}"
    redis_urls = None if args.no_redis else redis_databases(args.redis)
    if redis_urls and any(not u.startswith("redis://127.0.0.1:") for u in redis_urls):
        parser.error("--redis must be on 127.0.0.1")

    print(machine_line(url))
    print(source_state())
    print(
        f"both apps: gunicorn {args.workers} worker(s) x {args.threads} threads (gthread), access "
        f"log on; wrk: {args.wrk_threads} threads, {args.seconds} s per run, {args.warmup} s "
        f"warm-up per endpoint not counted; pretix {args.pretix_version}, Redis "
        f"{'for cache, sessions and the Celery broker (no Celery worker)' if redis_urls else 'off'}"
    )

    def out_of_time(signum, frame):
        raise Timeout(f"stopped after --timeout {args.timeout} s")

    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    workdir = Path(tempfile.mkdtemp(prefix="peer-pretix-"))
    app = None
    flush_redis = False
    rows: list[dict] = []
    pretix_version = args.pretix_version
    try:
        if redis_urls:
            sizes = redis_sizes(redis_urls)
            if any(sizes):
                raise SystemExit(
                    f"Redis databases {', '.join(redis_urls)} are not empty ({sizes} keys): "
                    "choose others with --redis"
                )
            flush_redis = True
        install_pretix(venv, args.pretix_version, timeout=min(1200, args.timeout))
        pretix_version = installed_version(venv) or pretix_version

        # ours, as checkin_load.py prepares it
        started = time.monotonic()
        database_url = url.render_as_string(hide_password=False)
        env = bench_env(database_url, workdir / "instance")
        recreate_database(url)
        app = migrated_app(env, database_url, workdir / "instance")
        codes, tokens = ours.seed(app, visitors=args.visitors, devices=args.devices)
        (workdir / "codes.txt").write_text("\n".join(codes) + "\n")
        (workdir / "tokens.txt").write_text("\n".join(tokens) + "\n")
        (workdir / "load.lua").write_text(ours.WRK_SCRIPT)
        print(
            f"ours: {len(codes):,} registrations and {len(tokens)} devices, migrated and "
            f"seeded in {time.monotonic() - started:.1f} s",
            flush=True,
        )

        # pretix: its own database, migrations and data
        started = time.monotonic()
        config = pretix_config(workdir, pretix_url, redis_urls)
        penv = pretix_env(config)
        recreate_database(pretix_url)
        run_pretix(venv, penv, workdir, ["-m", "pretix", "migrate", "--noinput"],
                   timeout=1200, what="migrate")  # fmt: skip
        migrated = time.monotonic() - started
        output = run_pretix(
            venv, penv, workdir,
            [BENCH / "pretix_seed.py", workdir / "secrets.txt", str(args.visitors)],
            timeout=1200, what="seeding (bench/pretix_seed.py)",
        )  # fmt: skip
        seeded = json.loads(output.split("SEEDED ", 1)[1].splitlines()[0])
        (workdir / "pretix.lua").write_text(WRK_SCRIPT)
        print(
            f"pretix: migrated in {migrated:.0f} s, {seeded['positions']:,} paid positions and "
            f"check-in list {seeded['list']} seeded in {seeded['seconds']:.1f} s",
            flush=True,
        )

        rows = measure(args, app, url, env, workdir, codes, venv, penv, pretix_url, seeded,
                       connections)  # fmt: skip
        report(rows, pretix_version)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        dispose(app)
        for target in (url, pretix_url):
            try:
                drop_database(target)
            except Exception as error:  # noqa: BLE001 - report and go on cleaning
                print(f"could not drop {target.database}: {error}")
        if flush_redis:
            redis_flush(redis_urls)
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep_venv:
            shutil.rmtree(venv, ignore_errors=True)
    return figures_of(rows, pretix_version)


def measure(args, app, url, env, workdir, codes, venv, penv, pretix_url, seeded, connections):
    """Both servers up, idle in turn: at each connection count our ping and check-in, then
    pretix's bare endpoint, its version endpoint and its check-in."""
    server = pretix = None
    try:
        server, base = start_server(
            env, workdir / "gunicorn.log", workers=args.workers, threads=args.threads
        )
        pretix, pretix_base = start_pretix(
            venv, penv, workdir, workers=args.workers, threads=args.threads, token=seeded["token"]
        )
        load = ours.Loader(args, base, workdir, codes, connections)
        pretix_load = PretixLoader(args, pretix_base, workdir, seeded, args.visitors, connections)
        last_scan = ours.warm_up(app, load, connections[0], args.warmup)
        last_checkin = 0
        if args.warmup:
            for endpoint in ("bare", "version", "checkin"):
                pretix_load(endpoint, connections[0], args.warmup)
            last_checkin, _ = pretix_scans_since(pretix_url, 0)
        rows = []
        for conns in connections:
            for endpoint in ("ping", "checkin"):
                row, last_scan = ours.measured_run(
                    app, load, server, url, endpoint, conns, last_scan
                )
                rows.append({"app": "ours", **row})
            for endpoint in ("bare", "version", "checkin"):
                row, last_checkin = pretix_run(
                    pretix_load, pretix, pretix_url, endpoint, conns, last_checkin
                )
                rows.append(row)
        return rows
    except Exception:
        print("our gunicorn's last lines:\n  " + last_lines(workdir / "gunicorn.log"))
        print("pretix's gunicorn's last lines:\n  " + last_lines(workdir / "pretix-gunicorn.log"))
        raise
    finally:
        for process in (server, pretix):
            if process is not None:
                stop(process)


def report(rows, pretix_version) -> None:
    print(
        f"\n{'app':<8}{'endpoint':<10}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'non-2xx':>9}   cores: gunicorn postgres  wrk others"
        "   CPU ms per request: gunicorn + postgres"
    )
    for row in rows:
        cpu = row["cpu"]
        per = (cpu["gunicorn"] + cpu["postgres"]) / row["rps"] * 1000 if row["rps"] else 0
        print(
            f"{row['app']:<8}{row['endpoint']:<10}{row['connections']:>6}{row['rps']:>9,.0f}"
            f"{row['p50']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}{row['errors']:>8}"
            f"{row['non2xx']:>9}   {cpu['gunicorn']:>15.2f}{cpu['postgres']:>9.2f}"
            f"{cpu['wrk']:>5.2f}{others(cpu):>7.2f}"
            f"   {cpu['gunicorn'] / row['rps'] * 1000 if row['rps'] else 0:>10.2f} + "
            f"{cpu['postgres'] / row['rps'] * 1000 if row['rps'] else 0:.2f} = {per:.2f}"
        )
    print()
    f = figures_of(rows, pretix_version)
    for conns in sorted(f["ours_over_theirs"]):
        print(
            f"at {conns} connections: check-in / own bare endpoint: ours "
            f"{f['ours_ratios'][conns]:.1%} (of /api/v1/ping), pretix {f['pretix_ratios'][conns]:.1%}"
            f" (of {BARE}; {f['pretix_version_ratios'][conns]:.1%} of {VERSION_PATH}); "
            f"check-in req/s ours / pretix {f['ours_over_theirs'][conns]:.1f}x; CPU per check-in "
            f"(gunicorn + postgres) ours {f['ours_cpu_ms'][conns]:.2f} ms, pretix "
            f"{f['pretix_cpu_ms'][conns]:.2f} ms ({f['cpu_ratio'][conns]:.1f}x); check-in p99 ours "
            f"{f['ours_p99'][conns]:.1f} ms, pretix {f['pretix_p99'][conns]:.1f} ms; the same "
            f"ratio in CPU per request (bare / check-in): ours {f['ours_cpu_ratios'][conns]:.1%}, "
            f"pretix {f['pretix_cpu_ratios'][conns]:.1%}"
        )
    for row in rows:
        if row["endpoint"] == "checkin":
            first, repeat, reused = row["sent"]
            stored = ", ".join(f"{k} {v:,}" for k, v in sorted(row["stored"].items()))
            print(
                f"{row['app']} check-in at {row['connections']}: sent {first:,} first scans, "
                f"{repeat:,} repeats{f', {reused:,} after codes ran out' if reused else ''}; "
                f"stored: {stored}; statuses {row['statuses']}"
            )


def figures_of(rows: list[dict], pretix_version: str) -> dict:
    """The figures bench/run_all.py puts in its table."""
    by = {(r["app"], r["endpoint"], r["connections"]): r for r in rows}
    conns_measured = sorted(
        c for (app, endpoint, c) in by
        if app == "ours" and endpoint == "checkin" and ("pretix", "checkin", c) in by
    )  # fmt: skip

    def rps(app, endpoint, conns):
        return by[(app, endpoint, conns)]["rps"]

    def cpu_ms(app, conns, endpoint="checkin"):
        row = by[(app, endpoint, conns)]
        return (row["cpu"]["gunicorn"] + row["cpu"]["postgres"]) / row["rps"] * 1000

    return {
        "pretix_version": pretix_version,
        "rows": [{k: v for k, v in r.items() if k != "cpu"} for r in rows],
        "ours_ratios": {
            c: rps("ours", "checkin", c) / rps("ours", "ping", c) for c in conns_measured
        },
        "pretix_ratios": {
            c: rps("pretix", "checkin", c) / rps("pretix", "bare", c) for c in conns_measured
        },
        "pretix_version_ratios": {
            c: rps("pretix", "checkin", c) / rps("pretix", "version", c) for c in conns_measured
        },
        "ours_over_theirs": {
            c: rps("ours", "checkin", c) / rps("pretix", "checkin", c) for c in conns_measured
        },
        "ours_cpu_ms": {c: cpu_ms("ours", c) for c in conns_measured},
        "pretix_cpu_ms": {c: cpu_ms("pretix", c) for c in conns_measured},
        "cpu_ratio": {c: cpu_ms("pretix", c) / cpu_ms("ours", c) for c in conns_measured},
        # the same ratio in CPU per request (bare ÷ check-in): less disturbed by a busy machine
        "ours_cpu_ratios": {
            c: cpu_ms("ours", c, "ping") / cpu_ms("ours", c) for c in conns_measured
        },
        "pretix_cpu_ratios": {
            c: cpu_ms("pretix", c, "bare") / cpu_ms("pretix", c) for c in conns_measured
        },
        "ours_p99": {c: by[("ours", "checkin", c)]["p99"] for c in conns_measured},
        "pretix_p99": {c: by[("pretix", "checkin", c)]["p99"] for c in conns_measured},
        "ours_errors": sum(r["errors"] + r["non2xx"] for r in rows if r["app"] == "ours"),
        "pretix_errors": sum(r["errors"] + r["non2xx"] for r in rows if r["app"] == "pretix"),
    }


if __name__ == "__main__":
    main()

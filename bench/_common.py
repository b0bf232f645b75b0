"""What the load benchmarks share: a throw-away PostgreSQL database, gunicorn serving the app in a
process group of its own, wrk with a Lua script, CPU accounting, and the profile's listing.

Run as a script, it is the server: `python bench/_common.py serve HOST:PORT [--workers N]
[--threads N] [--no-mail-worker]` (the benchmarks start it themselves).
"""

import argparse
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- the server


def serve(bind: str, workers: int, threads: int, mail_worker: bool = True) -> None:
    """Run gunicorn in this process with the options of `flask serve` (exhibition/cli/server.py), except
    the number of worker processes and (optionally) the in-process mail worker."""
    from gunicorn.app.base import BaseApplication

    from exhibition import create_app
    from exhibition.mail.worker import start_in_thread

    app = create_app()

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            if mail_worker:
                self.cfg.set("post_worker_init", lambda worker: start_in_thread(app))

        def load(self):
            return app

    Server().run()


def start_server(
    env: dict, log_path: Path, *, workers: int, threads: int, mail_worker: bool = True
) -> tuple[subprocess.Popen, str]:
    """Start gunicorn (this file as a script) on a free 127.0.0.1 port in a new process group and
    wait until /api/v1/ping answers; returns the process and the base URL."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "serve", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    if not mail_worker:
        command.append("--no-mail-worker")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_ping(f"{base}/api/v1/ping", server)
    except Exception:
        stop(server)
        raise
    return server, base


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


def last_lines(path: Path, count: int = 15) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n  ".join(lines[-count:])


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


def others(cpu: dict) -> float:
    """The rest of the machine's busy time: other programs (and the kernel's work for ours)."""
    return max(0.0, cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - cpu["wrk"])


# ----------------------------------------------------------------------------- the database


def bench_url(parser: argparse.ArgumentParser, text: str):
    """The --database URL, refused unless it is PostgreSQL and its name contains 'bench' (the
    benchmarks drop and create it)."""
    from sqlalchemy.engine import make_url

    url = make_url(text)
    if url.get_backend_name() != "postgresql" or "bench" not in (url.database or ""):
        parser.error("--database must be a PostgreSQL URL whose database name contains 'bench'")
    return url


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


def migrate(env: dict) -> None:
    """`flask db upgrade` against env's DATABASE_URL, in a child process."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


def migrated_app(env: dict, database_url: str, instance: Path, **config):
    """Migrate the benchmark's database (`flask db upgrade`, a child process), then the app in
    this process on it, for seeding and in-process measuring."""
    migrate(env)
    from exhibition import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance), **config}
    )


def bench_env(database_url: str, instance: Path, **extra: str) -> dict:
    """The environment of the servers and workers a benchmark starts: no MAIL_SERVER unless
    given (then mail is written as .eml files under the instance folder)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-only",
    }
    env.pop("MAIL_SERVER", None)
    env.update(extra)
    return env


def dispose(app) -> None:
    """Close the benchmark's own connections, so that its database can be dropped."""
    if app is None:
        return
    from exhibition.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# ----------------------------------------------------------------------------- load


def run_wrk(url, script, *, connections, seconds, threads, script_args) -> dict:
    """Run wrk with a Lua script whose done() prints one `WRKJSON {...}` line; returns it."""
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
    """Requests/s, latency percentiles in ms, socket errors and non-2xx answers of a wrk run."""
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


class StatementLog:
    """Every SQL statement an engine runs inside the block, with its time in ms."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[list] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append([" ".join(statement.split()), time.perf_counter(), None])

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements[-1][2] = (time.perf_counter() - self.statements[-1][1]) * 1000

    def __enter__(self):
        import sqlalchemy as sa

        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)
        return False

    def print(self, title: str) -> None:
        print(f"\nSQL statements for {title}: {len(self.statements)}")
        print("  (ms: from sending the statement to its answer, one run, not averaged)")
        for number, (statement, _start, ms) in enumerate(self.statements, 1):
            short = statement[:130] + ("..." if len(statement) > 130 else "")
            took = f"{ms:6.2f} ms" if ms is not None else "  raised "  # IntegrityError
            print(f"  {number:>2}. {took}  {short}")


def timed(function, count: int) -> tuple[float, float]:
    """Wall time and this process's CPU time per call of `function`, in ms."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        function()
    return (time.perf_counter() - wall) / count * 1000, (time.process_time() - cpu) / count * 1000


def print_profile(stats, *, count: int, top: int, what: str) -> None:
    """The top of a cProfile's pstats.Stats, per request, by cumulative and by own time."""
    total = stats.total_tt
    print(
        f"\ncProfile of {count} {what}: {total:.2f} s, {total / count * 1000:.2f} ms per request"
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


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the app for a benchmark.")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("bind", metavar="HOST:PORT")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-mail-worker", action="store_true")
    args = parser.parse_args()
    serve(args.bind, args.workers, args.threads, mail_worker=not args.no_mail_worker)


if __name__ == "__main__":
    main()

"""Helpers for the fault tests: free ports and a private PostgreSQL server that a test may stop
and restart without disturbing the shared one."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _missing(reason: str):
    """Skip, or fail where PostgreSQL is required (CI), like the rest of the suite."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def _server_binaries() -> Path | None:
    """The newest PostgreSQL server's bin folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL server in a temporary folder on a free port of 127.0.0.1 (trust auth), run
    as the `postgres` OS user when the tests run as root (the server refuses to run as root)."""

    def __init__(self):
        bin_dir = _server_binaries()
        if bin_dir is None or not (bin_dir / "pg_ctl").exists():
            _missing("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
        self.bin = bin_dir
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                _missing("running as root and there is no `postgres` OS user to run a server")
            runuser = shutil.which("runuser")
            if runuser is None:
                _missing("running as root and there is no `runuser` to run a server as postgres")
            self.as_user = [runuser, "-u", "postgres", "--"]
        # Not under pytest's tmp_path: the postgres user must be able to reach the folder.
        self.base = Path(tempfile.mkdtemp(prefix="exh-faults-pg-", dir="/tmp"))
        if owner is not None:
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        command = [*self.as_user, str(self.bin / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}{log}"
            )

    def init(self) -> "PrivatePostgres":
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=50"
        )
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def restart(self, mode: str = "fast") -> None:
        """`pg_ctl restart`: stop (closing every connection), then start with the same options."""
        self._run("pg_ctl", "restart", "-D", str(self.data), "-l", str(self.log), "-m", mode,
                  "-w", "-t", "60")  # fmt: skip

    def running(self) -> bool:
        command = [*self.as_user, str(self.bin / "pg_ctl"), "status", "-D", str(self.data)]
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

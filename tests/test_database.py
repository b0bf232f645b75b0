"""A DATABASE_URL that cannot be used: every command stops with one line on stderr naming the
database (never its password) and the reason, and a non-zero status; no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import postgres_or_skip
from tests.faults.support import free_port

ROOT = Path(__file__).resolve().parent.parent


def flask(tmp_path, url, *command):
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            "mysql://u:secret@127.0.0.1/x",
            "Error: the database mysql://u@127.0.0.1/x (DATABASE_URL) is of a kind this"
            " application does not use (use postgresql+psycopg://user:password@host:5432/name"
            " or sqlite:////path/to/file.db).",
        ),
        (
            "postgresql+psycopg://postgres@127.0.0.1:1/x",
            "Error: the database postgresql+psycopg://postgres@127.0.0.1:1/x (DATABASE_URL)"
            " refused the connection (is the database server running there?).",
        ),
        (
            "postgresql+nodriver://u:secret@127.0.0.1/x",
            "Error: the database postgresql+nodriver://u@127.0.0.1/x (DATABASE_URL) cannot be"
            " opened: its driver nodriver is not installed (use"
            " postgresql+psycopg://user:password@host:5432/name or sqlite:////path/to/file.db).",
        ),
        (
            "not a url",
            "Error: DATABASE_URL is not a database URL (such as"
            " postgresql+psycopg://user:password@host:5432/name or sqlite:////path/to/file.db).",
        ),
        (
            "sqlite:////no/such/folder/exhibition.db",
            "Error: the database sqlite:////no/such/folder/exhibition.db (DATABASE_URL) cannot be"
            " opened: its folder does not exist or cannot be written.",
        ),
    ],
    ids=["mysql", "refused", "no-driver", "not-a-url", "sqlite"],
)
def test_db_upgrade_with_an_unusable_database_url_says_why_in_one_line(tmp_path, url, line):
    assert_stops(flask(tmp_path, url, "db", "upgrade"), line)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"database": "no_such_db_xyz"}, "does not exist yet (create it first, e.g. createdb)"),
        ({"username": "nobody_xyz"}, "refused the user or password (authentication failed)"),
    ],
    ids=["no-database", "authentication"],
)
def test_db_upgrade_on_the_postgresql_server_says_what_it_refused(tmp_path, changes, reason):
    """The suite's PostgreSQL server (127.0.0.1:5432 here), asked for what it does not have."""
    url = sa.engine.make_url(postgres_or_skip()).set(password="secret", **changes)
    shown = url.render_as_string(hide_password=False).replace(":secret@", "@")
    assert url.host in shown
    result = flask(tmp_path, url.render_as_string(hide_password=False), "db", "upgrade")
    assert_stops(result, f"Error: the database {shown} (DATABASE_URL) {reason}.")


def assert_stops(result, line):
    assert result.returncode != 0
    assert result.stderr.splitlines() == [line]
    assert "secret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_other_commands_with_an_unusable_database_url_stop_the_same_way(tmp_path):
    line = (
        "Error: the database postgresql+psycopg://postgres@127.0.0.1:1/x (DATABASE_URL) refused"
        " the connection (is the database server running there?)."
    )
    for command in (["purge-personal-data"], ["serve", "--port", str(free_port())], ["--help"]):
        result = flask(tmp_path, "postgresql+psycopg://postgres:secret@127.0.0.1:1/x", *command)
        assert (result.returncode, result.stderr.splitlines()) == (4, [line])
    result = flask(tmp_path, "mysql://u:secret@127.0.0.1/x", "db", "upgrade")
    assert "No such command" not in result.stderr


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_pooled_connection_is_checked_without_a_query_and_replaced_when_the_server_drops_it(app):
    """No pool_pre_ping round trips before a request's first statement (database.py): a healthy
    idle connection is handed out with nothing sent, one the server dropped is replaced."""
    from exhibition.extensions import db

    activity = sa.text("SELECT query FROM pg_stat_activity WHERE pid = :pid")
    with app.app_context():
        engine = db.engine
        engine.dispose()
        assert engine.pool._pre_ping is False
        with engine.connect() as connection:
            pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        admin = sa.create_engine(engine.url)
        with admin.connect() as other:
            before = other.execute(activity, {"pid": pid}).scalar()
            with engine.connect() as connection:  # checked out again: the same connection
                checked_out = other.execute(activity, {"pid": pid}).scalar()
                assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar() == pid
            assert checked_out == before and "SELECT 1" not in checked_out
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        with engine.connect() as connection:  # the dropped one is replaced at checkout
            fresh = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        assert fresh != pid
        engine.dispose()

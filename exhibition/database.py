"""The database that DATABASE_URL names, checked when the app starts: a URL that cannot be used
stops the process with one line saying where and why (never the password), not a traceback or
Flask's "No such command 'db'" (which is what a factory failing inside Flask's CLI shows).
Also: on SQLite, what an erasure removed leaves the disk once it commits (empty_wal_on_commit).

A URL that is malformed, of another kind than PostgreSQL or SQLite, or whose driver is missing
stops every process. Whether the server answers (refused, unreachable, authentication, a missing
database) is checked when a command loads the app (`flask ...`, `make run`): a server process
(gunicorn) started during an outage serves "unavailable" (503) until the database is back."""

import contextvars
import re
import select
import sys

import click
import sqlalchemy as sa
from flask import current_app

from .extensions import db

SUPPORTED = ("postgresql", "sqlite")
EXAMPLE = "postgresql+psycopg://user:password@host:5432/name or sqlite:////path/to/file.db"
# Exit status 4 is gunicorn's "App failed to load": it stops rather than start workers forever.
EXIT_STATUS = 4

# On SQLite, transactions that will write begin with BEGIN IMMEDIATE so that two writers never
# both hold a read snapshot and then fail to upgrade ("database is locked"). Requests with a safe
# method read only and begin deferred; everything else (CLI, workers, POST) begins immediately.
# A streamed export sets it back to read-only once its audit entry is committed (exports.py).
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=True
)


class UnusableDatabase(Exception):
    """DATABASE_URL cannot be used; str() is the one line to show."""


def where(url: sa.URL) -> str:
    """The URL without its password, e.g. postgresql+psycopg://app@db.internal:5432/exhibition."""
    # (URL.set(password=None) would keep the password: set() leaves out the arguments that are None.)
    return url._replace(password=None).render_as_string(hide_password=False)


def _unusable(url: sa.URL, reason: str) -> UnusableDatabase:
    return UnusableDatabase(f"Error: the database {where(url)} (DATABASE_URL) {reason}.")


def parse(text: str) -> sa.URL:
    """The URL, if it is one of a supported kind; UnusableDatabase otherwise."""
    try:
        url = sa.engine.make_url(text)
    except (sa.exc.ArgumentError, ValueError, TypeError) as error:
        raise UnusableDatabase(
            f"Error: DATABASE_URL is not a database URL (such as {EXAMPLE})."
        ) from error
    if url.get_backend_name() not in SUPPORTED:
        raise _unusable(url, f"is of a kind this application does not use (use {EXAMPLE})")
    return url


def driver_missing(url: sa.URL, error: Exception) -> UnusableDatabase:
    """The engine could not be made: its driver (DBAPI module) is not installed."""
    module = getattr(error, "name", None) or url.get_driver_name()
    return _unusable(url, f"cannot be opened: its driver {module} is not installed (use {EXAMPLE})")


# What the drivers say when they cannot connect, and what it means for the person starting it.
_REASONS = [
    (r"connection refused", "refused the connection (is the database server running there?)"),
    (
        r"failed to resolve host|could not translate host|name or service not known"
        r"|nodename nor servname|temporary failure in name resolution",
        "cannot be reached: its host name is not known",
    ),
    (
        r"timeout expired|timed out|no route to host|network is unreachable",
        "cannot be reached: its host does not answer",
    ),
    (
        r"password authentication failed|authentication failed|role \S+ does not exist"
        r"|no password supplied|no pg_hba\.conf entry",
        "refused the user or password (authentication failed)",
    ),
    (
        r"database \S+ does not exist",
        "does not exist yet (create it first, e.g. createdb)",
    ),
    (
        r"unable to open database file",
        "cannot be opened: its folder does not exist or cannot be written",
    ),
]


def _reason(error: Exception, url: sa.URL) -> str:
    message = str(getattr(error, "orig", None) or error)
    for pattern, reason in _REASONS:
        if re.search(pattern, message, re.IGNORECASE):
            return reason
    first = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    if url.password:
        first = first.replace(url.password, "***")
    return f"cannot be used: {first}"


def ping(engine: sa.Engine) -> None:
    """Connect once (then close every connection, so that no forked server process shares
    one); UnusableDatabase saying why when it cannot."""
    try:
        with engine.connect():
            pass
    except (sa.exc.DBAPIError, sa.exc.SQLAlchemyError, OSError) as error:
        raise _unusable(engine.url, _reason(error, engine.url)) from error
    finally:
        engine.dispose()


def from_command_line() -> bool:
    """Whether a command line (Flask's CLI) is loading the app, rather than a server."""
    return click.get_current_context(silent=True) is not None


def stop(error: UnusableDatabase) -> None:
    """End the process with the one line and no traceback."""
    print(error, file=sys.stderr, flush=True)
    raise SystemExit(EXIT_STATUS)


# --- erasure on SQLite ----------------------------------------------------------------------

_EMPTY_WAL = "exhibition.empty_wal_on_commit"


def empty_wal_on_commit() -> None:
    """The current transaction erases personal data: once it commits, on SQLite, the write-ahead
    log is copied into the database file and emptied. Until then the WAL keeps the pages as they
    were, the person's data included; in the file itself secure_delete has zeroed what the
    erasure freed (see _setup_sqlite)."""
    db.session.info[_EMPTY_WAL] = True


def empty_wal(engine: sa.Engine) -> bool:
    """Checkpoint the WAL into the database file and truncate it to nothing; whether it was all
    copied (a reader still on older pages keeps them, up to busy_timeout; the next erasure or
    the daily purge tries again)."""
    connection = engine.raw_connection()  # outside any transaction: no BEGIN is issued
    try:
        cursor = connection.cursor()
        busy, _pages, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    return not busy


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _empty_wal_after_erasure(session: sa.orm.Session) -> None:
    if session.info.pop(_EMPTY_WAL, False) and db.engine.dialect.name == "sqlite":
        if not empty_wal(db.engine):
            current_app.logger.warning("The SQLite WAL could not be emptied after an erasure.")


def _idle_connection_alive(dbapi_connection) -> bool:
    """Whether a pooled psycopg connection is still usable, usually without a round trip.

    An idle connection has nothing to read: when its socket is readable, the server has closed it
    or sent something (a restart's "terminating connection" notice, then end of file), and only
    then is a query sent to tell. SQLAlchemy's pool_pre_ping would send `SELECT 1` at every
    checkout instead, which psycopg wraps in BEGIN … and leaves a transaction to roll back: three
    round trips before each request's first statement."""
    from psycopg import pq  # here: only PostgreSQL apps need psycopg installed

    pgconn = dbapi_connection.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return False
    try:
        readable, _writable, _broken = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError):
        return False
    if not readable:
        return True
    result = pgconn.exec_(b"SELECT 1")  # outside psycopg's transaction handling: no BEGIN
    return result.status == pq.ExecStatus.TUPLES_OK


def check_connections_on_checkout(engine: sa.Engine) -> None:
    """On PostgreSQL (psycopg), replace pool_pre_ping by `_idle_connection_alive`: a connection
    the server dropped (a restart, a failover) is replaced before a request uses it."""

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, connection_record, connection_proxy):
        try:
            alive = _idle_connection_alive(dbapi_connection)
        except Exception as error:  # the query itself failed: the connection is gone
            raise sa.exc.DisconnectionError() from error
        if not alive:
            raise sa.exc.DisconnectionError()

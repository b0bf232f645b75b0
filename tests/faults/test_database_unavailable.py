"""The answer while the database cannot be reached, pinned without a browser or a server to
stop: an app pointed at a closed port (PostgreSQL) or at a file it cannot open (SQLite)."""

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pg_errors

from exhibition.errors import database_unavailable
from tests.conftest import make_app
from tests.faults.support import free_port

MESSAGE = "The service is unavailable for a moment. Please try again in a few seconds."


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request, tmp_path):
    if request.param == "postgresql":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'exhibition.db'}"
    app = make_app(url, tmp_path / "instance")
    yield app
    with app.app_context():
        sa_engine = app.extensions["sqlalchemy"].engine
        sa_engine.dispose()


def test_the_api_answers_503_database_unavailable(unreachable_app):
    client = unreachable_app.test_client()
    response = client.post(
        "/api/v1/checkin?lang=en",  # the message is Vietnamese by default
        json={"code": "ABC", "nonce": "n-1", "type": "entry"},
        headers={"Authorization": "Bearer some-device-token"},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/json"
    assert response.json == {"error": {"code": "database_unavailable", "message": MESSAGE}}
    device = client.get("/api/v1/device", headers={"Authorization": "Bearer some-device-token"})
    assert (device.status_code, device.json["error"]["code"]) == (503, "database_unavailable")


def test_a_page_answers_an_html_503(unreachable_app):
    client = unreachable_app.test_client()
    response = client.get("/events/expo-2026/register?lang=en")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    assert MESSAGE in response.text
    # A client that asks only for JSON gets JSON on any page.
    response = client.get("/events/expo-2026/register", headers={"Accept": "application/json"})
    assert (response.status_code, response.json["error"]["code"]) == (503, "database_unavailable")


def _wrapped(original: Exception, statement: str | None = "SELECT 1", **options):
    return sa.exc.OperationalError(statement, {}, original, **options)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_wrapped(psycopg.OperationalError("connection refused"), statement=None), True),
        (_wrapped(pg_errors.AdminShutdown("terminating connection")), True),
        (_wrapped(pg_errors.CannotConnectNow("the database system is starting up")), True),
        (_wrapped(pg_errors.CrashShutdown()), True),
        (_wrapped(pg_errors.ConnectionFailure()), True),
        (_wrapped(psycopg.OperationalError("closed"), connection_invalidated=True), True),
        (sa.exc.TimeoutError("QueuePool limit reached"), True),
        # Faults of a request, not an outage: they stay 500s to look into.
        (_wrapped(pg_errors.QueryCanceled("statement timeout")), False),
        (sa.exc.DataError("SELECT 1", {}, pg_errors.NumericValueOutOfRange()), False),
        (sa.exc.ProgrammingError("SELECT x", {}, pg_errors.UndefinedColumn()), False),
        (ValueError("not a database error"), False),
    ],
    ids=lambda value: (
        type(getattr(value, "orig", value)).__name__ if value not in (True, False) else ""
    ),
)
def test_which_database_errors_mean_unavailable(error, expected):
    assert database_unavailable(error) is expected

"""The backup recipe of docs/deployment.md: pg_dump of a live database, pg_restore into a new
one, and every table comes back with the same rows."""

import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.worker import deliver_batch
from tests.conftest import _app_fixture, _pg_url, on_today, scan


@pytest.fixture
def app(tmp_path_factory, tmp_path):
    """PostgreSQL only: the recipe is for PostgreSQL."""
    yield from _app_fixture(_pg_url(tmp_path_factory), tmp_path)


def _libpq(url: sa.engine.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
            for name in names
        }


def test_pg_dump_and_pg_restore_bring_back_every_row(
    app, client, make_event, make_visitor, make_device, tmp_path
):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore are needed (Debian: postgresql-client)")
    make_event(**on_today())
    people = [make_visitor(email=f"khach{n}@example.com") for n in range(5)]
    device = make_device()
    assert scan(client, device, people[0]["badge_code"], "n1").json["result"] == "ok"
    with app.app_context():
        deliver_batch(limit=50)
        source = db.engine.url
        before = _counts(db.engine)
    assert before["registrations"] == 5 and before["scans"] == 1 and before["outbox_messages"] == 5

    dump = tmp_path / "exhibition.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _libpq(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    restored = source.set(database=f"restored_{uuid.uuid4().hex[:8]}")
    admin = sa.create_engine(source, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{restored.database}"'))
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_libpq(restored)}", str(dump)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        engine = sa.create_engine(restored)
        assert _counts(engine) == before
        with engine.connect() as connection:
            codes = (
                connection.execute(sa.text("SELECT badge_code FROM registrations ORDER BY id"))
                .scalars()
                .all()
            )
        engine.dispose()
        assert codes == [p["badge_code"] for p in people]
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored.database}"'))
        admin.dispose()

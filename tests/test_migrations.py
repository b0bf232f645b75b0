"""The schema comes only from the committed migrations, and the models do not drift from them."""

import csv
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from exhibition import create_app
from exhibition.extensions import db
from exhibition.reference.models import Province, Sector
from tests.conftest import postgres_or_skip

DATA = Path(__file__).resolve().parent.parent / "exhibition" / "reference" / "data"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = postgres_or_skip()
    name = f"exh_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_upgrade_empty_database_then_db_check_passes(empty_database, tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": str(tmp_path / "i")}
    )
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {
            "events",
            "registrations",
            "consents",
            "scans",
            "devices",
            "outbox_messages",
        } <= tables
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()


def test_db_check_fails_when_the_database_drifts_from_the_models(empty_database, tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": str(tmp_path / "i")}
    )
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP INDEX ix_scans_registration_id"))
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code != 0
    with app.app_context():
        db.engine.dispose()


def test_migrations_load_the_34_provinces_and_the_sectors(app):
    with app.app_context():
        provinces = db.session.scalars(sa.select(Province).order_by(Province.position)).all()
        sectors = db.session.scalars(sa.select(Sector).order_by(Sector.position)).all()
    with open(DATA / "provinces.csv", encoding="utf-8") as handle:
        expected_provinces = [
            (r["code"], r["name_vi"], r["name_en"], r["kind"]) for r in csv.DictReader(handle)
        ]
    with open(DATA / "sectors.csv", encoding="utf-8") as handle:
        expected_sectors = [(r["code"], r["name_vi"], r["name_en"]) for r in csv.DictReader(handle)]
    assert len(provinces) == 34
    assert [(p.code, p.name_vi, p.name_en, p.kind) for p in provinces] == expected_provinces
    assert sum(p.kind == "city" for p in provinces) == 6
    assert [(s.code, s.name_vi, s.name_en) for s in sectors] == expected_sectors
    assert ("services", "Dịch vụ công nghiệp (logistics, kiểm định, tư vấn)") in [
        (s.code, s.name_vi) for s in sectors
    ]

"""On PostgreSQL the diacritic-free searches (registrations: organisers, desk, entrances;
exhibitors: organisers, public directory) are served by pg_trgm GIN indexes, not by reading the
whole table: the migration creates them, and the planner can use them for the very queries
the services build (`LIKE '%word%'`)."""

import pytest
import sqlalchemy as sa

from exhibition.events.services import get_event
from exhibition.exhibitors.directory import exhibitors_query
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.text import matches_all_words
from exhibition.visitors import importing
from exhibition.visitors.services import registrations_query
from tests.conftest import _app_fixture, _pg_url
from tests.visitors.test_import import csv_file

INDEXES = {
    "ix_registrations_search_text_trgm": "registrations",
    "ix_exhibitors_search_text_trgm": "exhibitors",
    "ix_exhibitors_public_search_text_trgm": "exhibitors",
}


@pytest.fixture
def app(tmp_path_factory, tmp_path):
    """The app on PostgreSQL only; the factories of tests/conftest.py use this one here."""
    yield from _app_fixture(_pg_url(tmp_path_factory), tmp_path)


def _plan(stmt: sa.Select) -> str:
    """EXPLAIN of a select as the app sends it, with sequential scans priced out of reach, so
    that the plan shows which index the planner can use."""
    compiled = stmt.compile(dialect=db.engine.dialect)
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params)
    return "\n".join(row[0] for row in rows)


def test_trigram_indexes_exist_after_the_migration(app):
    with app.app_context():
        found = dict(
            db.session.execute(
                sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%trgm'")
            ).all()
        )
    assert set(found) == set(INDEXES)
    for name, table in INDEXES.items():
        assert f"ON public.{table} USING gin (" in found[name]
        assert found[name].endswith("gin_trgm_ops)")


def _clean_and_analyze() -> None:
    """Move the rows waiting in the indexes' pending lists into them, as autovacuum would (the
    planner prices a long pending list as reading all of it), and gather the tables' statistics."""
    for index in INDEXES:
        db.session.execute(sa.text("SELECT gin_clean_pending_list(:i)"), {"i": index})
    db.session.execute(sa.text("ANALYZE registrations"))
    db.session.execute(sa.text("ANALYZE exhibitors"))
    db.session.commit()


def test_the_search_of_registrations_uses_the_trigram_index(app, make_event):
    make_event()
    people = [
        [f"Nguyễn Văn Người {n}", f"nguoi{n}@example.com", f"09123{n:05d}", f"Công ty {n}",
         "", "trade", "Hải Phòng", "", "", "vi"]
        for n in range(3000)
    ]  # fmt: skip
    people[7][0] = "Trần Thị Hương Giang"
    with app.test_request_context("/"):
        event = get_event(slug="expo-2026")
        importing.import_visitors(
            event=event, data=csv_file(people), filename="people.csv", category_code="trade",
            send_confirmations=False, consent_confirmed=True,
        )  # fmt: skip
        db.session.commit()
        _clean_and_analyze()
        stmt = registrations_query(event=event, query="hương giang")
        assert [r.full_name for r in db.session.scalars(stmt)] == ["Trần Thị Hương Giang"]
        assert "Bitmap Index Scan on ix_registrations_search_text_trgm" in _plan(stmt)


def test_the_search_of_exhibitors_can_use_the_trigram_indexes(app, make_event, make_exhibitor):
    """Within one exhibition of a few dozen exhibitors the planner rightly reads the event's
    rows; what must hold is that the words' condition, as the service writes it, matches the
    indexes' operator class."""
    make_event()
    for n in range(30):
        make_exhibitor(company_name_vi=f"Công ty TNHH Thử nghiệm {n}", status="submitted")
    make_exhibitor(company_name_vi="Công ty TNHH Khuôn mẫu Đông Á")
    with app.app_context():
        event = get_event(slug="expo-2026")
        _clean_and_analyze()
        found = db.session.scalars(exhibitors_query(event=event, query="khuôn mẫu"))
        assert [e.company_name_vi for e in found] == ["Công ty TNHH Khuôn mẫu Đông Á"]
        for column in (Exhibitor.search_text, Exhibitor.public_search_text):
            stmt = sa.select(Exhibitor.id).where(matches_all_words(column, "khuôn mẫu"))
            assert f"Bitmap Index Scan on ix_exhibitors_{column.key}_trgm" in _plan(stmt)
            db.session.rollback()

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


def test_presences_of_one_person_and_day_at_two_entrances_are_merged(empty_database, tmp_path):
    """Presences were one per entrance: the upgrade keeps one per person and day, inside if the
    person was inside anywhere, with the first entry and the latest entrance. Nothing that
    refers to a registration is lost when SQLite copies the table to change its constraints."""
    from datetime import UTC, date, datetime, timedelta

    from flask_migrate import downgrade

    from exhibition.checkin.services import save_checkpoint
    from exhibition.events.services import EventData, create_event
    from exhibition.visitors.models import VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": str(tmp_path / "i")}
    )
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    with app.app_context():
        upgrade()
        event = create_event(
            data=EventData(
                slug="expo", name_vi="Triển lãm", name_en="Expo", venue_vi="Hải Phòng",
                venue_en="Hai Phong", organiser_vi="Sở Công Thương", organiser_en="DOIT",
                starts_at=now, ends_at=now + timedelta(days=2),
                registration_opens_at=now - timedelta(days=9), registration_closes_at=now,
            )
        )  # fmt: skip
        category = db.session.scalar(sa.select(VisitorCategory.id).limit(1))
        person, _ = register_visitor(
            event=event,
            data=VisitorData(
                full_name="Trần Văn An", email="an@example.com", phone="+84912345678",
                category_id=category, province_code="HP",
            ),
            consents=Consents(processing=True), check_window=False, public_only=False,
        )  # fmt: skip
        east = save_checkpoint(event=event, name_vi="Cổng Đông")
        west = save_checkpoint(event=event, name_vi="Cổng Tây")
        ids = (event.id, person.id, east.id, west.id)
        db.session.commit()
        downgrade(revision="05a3332c2cf4")
        day = date(2026, 11, 24)
        rows = [  # in at the east gate at 10:00 and out; in at the west gate at 11:00, inside
            (ids[2], False, now, now + timedelta(minutes=30)),
            (ids[3], True, now + timedelta(hours=1), now + timedelta(hours=1)),
        ]
        with db.engine.begin() as connection:
            for checkpoint_id, inside, first, last in rows:
                connection.execute(
                    sa.text(
                        "INSERT INTO presences (event_id, registration_id, checkpoint_id, day,"
                        " inside, first_entry_at, last_change_at) VALUES (:e, :r, :c, :d, :i, :f, :l)"
                    ),
                    {"e": ids[0], "r": ids[1], "c": checkpoint_id, "d": day, "i": inside,
                     "f": first.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else first,
                     "l": last.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else last},
                )  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            merged = connection.execute(
                sa.text("SELECT checkpoint_id, inside FROM presences WHERE registration_id = :r"),
                {"r": ids[1]},
            ).all()
        assert [(row[0], bool(row[1])) for row in merged] == [(ids[3], True)]
        with db.engine.connect() as connection:
            consents = connection.execute(sa.text("SELECT count(*) FROM consents")).scalar()
            registrations = connection.execute(sa.text("SELECT count(*) FROM registrations"))
            assert (consents, registrations.scalar()) == (3, 1)
        db.engine.dispose()


FEED_REVISION = "e13f7a9e3ac7"  # calendar feeds get their own secret


def _insert_as_of_now(model, **values) -> int:
    """A row written at an older revision: only the columns its table has then (the model's
    later columns would not insert), each with the model's type and default."""
    name = model.__tablename__
    names = {column["name"] for column in sa.inspect(db.session.connection()).get_columns(name)}
    table = sa.Table(
        name,
        sa.MetaData(),
        *(column._copy() for column in model.__table__.columns if column.name in names),
    )
    return db.session.execute(sa.insert(table).values(**values)).inserted_primary_key[0]


def _insert_event_as_of_now(**values) -> int:
    """An event as create_event makes it (with its default categories), at an older revision."""
    from exhibition.events.models import Event
    from exhibition.events.services import DEFAULT_CATEGORIES
    from exhibition.visitors.models import VisitorCategory

    event_id = _insert_as_of_now(Event, **values)
    for position, (code, name_vi, name_en, color, public) in enumerate(DEFAULT_CATEGORIES):
        _insert_as_of_now(
            VisitorCategory, event_id=event_id, code=code, name_vi=name_vi, name_en=name_en,
            color=color, is_public=public, position=position,
        )  # fmt: skip
    return event_id


def _revision_before(revision: str) -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def _people_before_feed_secrets(app) -> dict[str, str]:
    """Upgrade, make an exhibition where A has a seat, B no session and C had a seat in a session
    deleted since (so only its e-mail tells), then go back to before the feed secret: the e-mail
    address of each with the manage token its calendar link held then."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade

    from exhibition.events.services import EventData, create_event
    from exhibition.programme import seats
    from exhibition.programme import services as programme
    from exhibition.programme.models import SessionType
    from exhibition.visitors.models import VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    now = datetime.now(UTC)
    with app.app_context():
        upgrade()
        event = create_event(
            data=EventData(
                slug="expo-2026",
                name_vi="Triển lãm 2026",
                name_en="Expo 2026",
                starts_at=now + timedelta(days=30),
                ends_at=now + timedelta(days=33),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=29),
            )
        )
        category = db.session.scalar(
            sa.select(VisitorCategory).where(VisitorCategory.code == "trade")
        )
        room = programme.save_room(event=event, name_vi="Phòng 1", name_en="Room 1", capacity=50)
        sessions = [
            programme.save_session(
                event=event, title_vi=title, title_en=title, type=SessionType.SEMINAR, room=room,
                starts_at=event.starts_at + timedelta(hours=hour),
                ends_at=event.starts_at + timedelta(hours=hour + 1),
            )
            for hour, title in ((1, "Hội thảo khuôn mẫu"), (3, "Hội thảo bị hủy"))
        ]  # fmt: skip
        programme.publish(event=event)
        people = {}
        for name in ("a", "b", "c"):
            registration, _ = register_visitor(
                event=event,
                data=VisitorData(
                    full_name=f"Khách {name.upper()}", email=f"{name}@example.com",
                    phone="+84912345678", category_id=category.id, province_code="HP",
                ),
                consents=Consents(processing=True),
            )  # fmt: skip
            people[name] = registration
        seats.book(session=sessions[0], registration=people["a"])
        seats.book(session=sessions[1], registration=people["c"])
        programme.delete_session(session=sessions[1])
        db.session.commit()
        before = _revision_before(FEED_REVISION)
        db.session.remove()
        downgrade(revision=before)
        tokens = dict(
            db.session.execute(sa.text("SELECT email, manage_token FROM registrations")).all()
        )
        db.session.remove()
        upgrade()
        db.session.remove()
    return tokens


def test_an_existing_feed_link_keeps_answering_the_feed_after_the_upgrade(empty_database, tmp_path):
    from exhibition.mail.models import OutboxMessage
    from exhibition.visitors.models import Registration
    from tests.conftest import make_app

    app = make_app(empty_database, tmp_path / "i")
    old = _people_before_feed_secrets(app)
    client = app.test_client()

    feed = client.get(f"/events/expo-2026/programme/my/{old['a@example.com']}.ics")
    assert feed.status_code == 200
    assert "SUMMARY:Hội thảo khuôn mẫu" in feed.text
    for email in ("a@example.com", "c@example.com"):  # could have been in a calendar: rotated
        for path in ("", "/my-data.json", "/edit", "/erase"):
            assert client.get(f"/r/{old[email]}{path}").status_code == 404
    assert client.get(f"/r/{old['b@example.com']}").status_code == 200  # never shown a feed
    assert (
        client.get(f"/events/expo-2026/programme/my/{old['b@example.com']}.ics").status_code == 404
    )

    with app.app_context():
        people = {
            r.email: r
            for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))
        }
        a, b, c = people["a@example.com"], people["b@example.com"], people["c@example.com"]
        assert (a.feed_token, c.feed_token) == (old["a@example.com"], old["c@example.com"])
        assert a.manage_token != old["a@example.com"] and c.manage_token != old["c@example.com"]
        assert b.manage_token == old["b@example.com"] and b.feed_token != old["b@example.com"]
        assert [p.new_link_pending_since is not None for p in (a, b, c)] == [True, False, True]
        new_tokens = {a.email: a.manage_token, c.email: c.manage_token}
    page = client.get(f"/r/{new_tokens['a@example.com']}")
    assert page.status_code == 200
    assert f"/events/expo-2026/programme/my/{old['a@example.com']}.ics" in page.text

    # The people whose link changed are e-mailed the new one, once.
    runner = app.test_cli_runner()
    assert runner.invoke(args=["send-new-links"]).output.strip().endswith("2")
    assert runner.invoke(args=["send-new-links"]).output.strip().endswith("0")
    with app.app_context():
        sent = db.session.execute(
            sa.select(OutboxMessage.to_address, OutboxMessage.body_text)
            .where(OutboxMessage.kind == "new_link")
            .order_by(OutboxMessage.to_address)
        ).all()
        db.engine.dispose()
    assert [to for to, _ in sent] == ["a@example.com", "c@example.com"]
    for to, body in sent:
        assert f"/r/{new_tokens[to]}" in body
        assert old[to] not in body


def test_scans_of_existing_devices_survive_the_check_in_by_hand_migration(empty_database, tmp_path):
    """The migration copies `devices` on SQLite to add a foreign key: no scan goes with the old
    copy, either way, and every exhibition gets "the desk checks people in" on."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade

    from exhibition.checkin.models import ScanType
    from exhibition.checkin.scanning import record_scan
    from exhibition.checkin.services import create_device
    from exhibition.events.services import EventData, create_event
    from exhibition.visitors.models import VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": str(tmp_path / "i")}
    )
    now = datetime.now(UTC)
    with app.app_context():
        upgrade()
        event = create_event(
            data=EventData(
                slug="expo", name_vi="Triển lãm", name_en="Expo", starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=2), registration_opens_at=now - timedelta(days=9),
                registration_closes_at=now + timedelta(days=1),
            )
        )  # fmt: skip
        category = db.session.scalar(sa.select(VisitorCategory.id).limit(1))
        person, _ = register_visitor(
            event=event,
            data=VisitorData(
                full_name="Trần Văn An", email="an@example.com", phone="+84912345678",
                category_id=category, province_code="HP",
            ),
            consents=Consents(processing=True), public_only=False,
        )  # fmt: skip
        device, _token = create_device(event=event, name="Cổng 1")
        record_scan(device=device, code=person.badge_code, nonce="n-1", scan_type=ScanType.ENTRY)
        db.session.commit()
        db.session.remove()

        def count(table):
            with db.engine.connect() as connection:
                return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608

        downgrade(revision=_revision_before("b7d4e2a9c610"))  # just before the desk device
        assert (count("devices"), count("scans"), count("presences")) == (1, 1, 1)
        upgrade()
        assert (count("devices"), count("scans"), count("presences")) == (1, 1, 1)
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT user_id FROM devices")).scalar() is None
            on = connection.execute(sa.text("SELECT desk_checks_in FROM events")).scalar()
        assert bool(on) is True
        db.engine.dispose()


def test_audit_entries_written_before_keep_reading_in_the_readers_language(
    empty_database, tmp_path
):
    """Entries written as English summaries ("XLSX · 73 rows", "A: submitted → approved", a
    category code) get their details from the upgrade, so the log words them per reader."""
    from datetime import UTC, datetime, timedelta

    from flask_babel import force_locale

    from exhibition.accounts.audit import describe
    from exhibition.accounts.models import AuditEntry
    from tests.conftest import make_app

    app = make_app(empty_database, tmp_path / "i")
    old = {
        "registrations.exported": "XLSX · 73 rows",
        "exhibitor.status": "Công ty Ba Sao: submitted → approved",
        "registration.cancelled": "trade",
        "user.created": "soat@example.com · checkin (expo-2026) · disabled",
        "programme.published": "withdrawn",
        "booths.allocated": "12 exhibitors",
        "device.created": "Cổng 1 · Cổng chính",
    }
    with app.app_context():
        upgrade(revision=_revision_before("c4a7d2e9f1b3"))  # just before the audit details
        start = datetime(2026, 11, 23, 2, tzinfo=UTC)
        event_id = _insert_event_as_of_now(
            slug="expo-2026", name_vi="Triển lãm", name_en="Expo", starts_at=start,
            ends_at=start + timedelta(days=3), registration_opens_at=start - timedelta(days=30),
            registration_closes_at=start + timedelta(days=3),
        )  # fmt: skip
        db.session.commit()
        for action, summary in old.items():
            db.session.execute(
                sa.text(
                    "INSERT INTO audit_entries (at, actor, event_id, action, target_type, summary)"
                    " VALUES (:at, 'btc@example.com', :event, :action, '', :summary)"
                ),
                {"at": start, "event": event_id, "action": action, "summary": summary},
            )
        db.session.commit()
        upgrade()
        shown = {}
        with app.test_request_context():
            for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)):
                for language in ("vi", "en"):
                    with force_locale(language):
                        shown[entry.action, language] = describe(entry)
        db.engine.dispose()
    assert shown == {
        ("registrations.exported", "vi"): "Tệp Excel, 73 dòng",
        ("registrations.exported", "en"): "Excel file, 73 rows",
        ("exhibitor.status", "vi"): "Công ty Ba Sao: Đã nộp → Đã duyệt",
        ("exhibitor.status", "en"): "Công ty Ba Sao: Submitted → Approved",
        ("registration.cancelled", "vi"): "Khách thương mại",
        ("registration.cancelled", "en"): "Trade visitor",
        (
            "user.created",
            "vi",
        ): "soat@example.com · Nhân viên check-in (expo-2026) · tài khoản đã khóa",
        ("user.created", "en"): "soat@example.com · Check-in staff (expo-2026) · account disabled",
        ("programme.published", "vi"): "Đã rút các phiên khỏi chương trình công khai",
        ("programme.published", "en"): "Sessions withdrawn",
        ("booths.allocated", "vi"): "12 doanh nghiệp được xếp gian hàng",
        ("booths.allocated", "en"): "12 exhibitors got booths",
        ("device.created", "vi"): "Cổng 1 · Cổng chính",  # names organisers typed: as they were
        ("device.created", "en"): "Cổng 1 · Cổng chính",
    }


def test_trigram_indexes_come_and_go_with_their_migration_on_postgresql_only(
    empty_database, tmp_path
):
    from flask_migrate import downgrade

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": str(tmp_path / "i")}
    )

    def trigram_indexes() -> set[str]:
        inspector = sa.inspect(db.engine)
        return {
            i["name"]
            for table in ("registrations", "exhibitors")
            for i in inspector.get_indexes(table)
            if i["name"].endswith("_trgm")
        }

    with app.app_context():
        upgrade()
        created = trigram_indexes()
        downgrade(revision=_revision_before("969b17f2b517"))
        after_downgrade = trigram_indexes()
        upgrade()
        again = trigram_indexes()
        db.engine.dispose()
    expected = (
        {
            "ix_registrations_search_text_trgm",
            "ix_exhibitors_search_text_trgm",
            "ix_exhibitors_public_search_text_trgm",
        }
        if empty_database.startswith("postgresql")
        else set()
    )
    assert (created, after_downgrade, again) == (expected, set(), expected)


def test_the_issue_18_downgrades_keep_every_row_that_hangs_off_an_exhibitor(
    empty_database, tmp_path
):
    """Each step down from the last revision to before lead retrieval leaves the rows that
    cascade from exhibitors and registrations where they were (a table copy on SQLite would
    delete them)."""
    from datetime import date

    from flask_migrate import downgrade

    from exhibition.booths.models import BoothType
    from exhibition.events.demo import demo_event
    from exhibition.events.services import create_event
    from exhibition.exhibitors.services import ApplicationData, apply
    from tests.conftest import make_app

    app = make_app(empty_database, tmp_path / "i")
    tables = ("exhibitors", "exhibitor_sectors", "exhibitor_status_changes", "registrations")

    def counts():
        found = {
            t: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(t)))
            for t in tables
        }
        db.session.remove()  # the migrations run on a connection of their own
        return found

    with app.app_context():
        upgrade()
        event = create_event(
            data=demo_event(loaded_on=date(2026, 12, 6), opens_on=date(2027, 1, 5))
        )
        apply(
            event=event,
            data=ApplicationData(
                company_name_vi="Công ty TNHH Cơ khí Hải An", tax_code="0100109106",
                province_code="HP", contact_name="Lê Văn Hải", contact_email="hai@example.com",
                contact_phone="+84912345678", booth_type=BoothType.STANDARD,
                sector_codes=["mechanical"],
            ),
        )  # fmt: skip
        db.session.commit()
        before = counts()
        assert (before["exhibitors"], before["exhibitor_sectors"]) == (1, 1)
        assert before["exhibitor_status_changes"] >= 1
        for revision in ("bf39607b1b2d", "c4d81e6f2a37", "aa80c09b827e", "b7e31c5a9d20"):
            downgrade(revision=revision)
            assert counts() == before, revision
        upgrade()
        assert counts() == before
        db.engine.dispose()

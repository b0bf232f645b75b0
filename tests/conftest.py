"""Fixtures: an app on SQLite and (with TEST_DATABASE_URL) on PostgreSQL, a real SMTP server,
and factories for events, registrations and devices."""

import copy
import os
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from exhibition import create_app
from exhibition.extensions import db

pytest_plugins = ["tests.browser"]  # browser and live_server fixtures

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
# Tables holding reference data loaded by the migration: kept between tests.
KEEP = {"provinces", "sectors", "alembic_version"}


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own database next to TEST_DATABASE_URL's
    (e.g. test_gw0), made when missing, so that workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = sa.engine.make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


_worker_url = {}


def postgres_or_skip() -> str:
    if PG_URL:
        if "url" not in _worker_url:
            _worker_url["url"] = _worker_database(PG_URL)
        return _worker_url["url"]
    if REQUIRE_POSTGRES:
        pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    pytest.skip(
        "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
    )


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "TESTING": True}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory):
    """One migrated database per backend for the whole run; tests empty it after use."""
    urls = {}
    base = tmp_path_factory.mktemp("db")
    urls["sqlite"] = f"sqlite:///{base / 'test.db'}"
    _migrate(urls["sqlite"], base)
    return urls


_pg_ready = {}


def _pg_url(tmp_path_factory) -> str:
    url = postgres_or_skip()
    if not _pg_ready:
        _reset_postgres(url)
        _migrate(url, tmp_path_factory.mktemp("pg"))
        _pg_ready["url"] = url
    return url


_emptying = {}


def _emptying_plan(connection) -> tuple[list[sa.Table], sa.CompoundSelect, list[str]]:
    """The tables a test may have written to (children first), one statement that names those
    holding rows, and on PostgreSQL the sequences their columns own; worked out once per database."""
    key = str(connection.engine.url)
    if key not in _emptying:
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP]
        which = sa.union_all(
            *(
                sa.select(sa.literal(t.name)).where(sa.select(1).select_from(t).exists())
                for t in tables
            )
        )
        sequences = []
        if connection.dialect.name == "postgresql":
            sequences = list(
                connection.execute(
                    sa.text(
                        "SELECT DISTINCT s.relname FROM pg_depend d"
                        " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
                        " JOIN pg_class t ON t.oid = d.refobjid"
                        " WHERE d.deptype IN ('a', 'i') AND t.relname = ANY(:names)"
                    ),
                    {"names": [t.name for t in tables]},
                ).scalars()
            )
        _emptying[key] = (tables, which, sequences)
    return _emptying[key]


def _empty_tables() -> None:
    """Leave every table but the reference data empty, and on PostgreSQL the tables' id sequences
    back at their start (as TRUNCATE ... RESTART IDENTITY would). Only the tables holding rows are
    emptied, by DELETE: a TRUNCATE of some sixty tables makes new files for each and their
    indexes, which cost a second or two a test on PostgreSQL."""
    connection = db.session.connection()
    tables, which, sequences = _emptying_plan(connection)
    filled = set(connection.execute(which).scalars())
    for table in tables:
        if table.name in filled:
            connection.execute(table.delete())
    if sequences:
        connection.execute(
            sa.text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
                " FROM pg_sequences WHERE schemaname = current_schema()"
                " AND last_value IS NOT NULL AND sequencename = ANY(:names)"
            ),
            {"names": sequences},
        )
    db.session.commit()


def make_app(url: str, instance: Path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "BASE_URL": "http://testserver.local",
        "MAIL_SERVER": None,
        "MAIL_SUPPRESS_SEND": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_DEFAULT_SENDER": "Ban tổ chức <no-reply@example.com>",
        "MAIL_RETRY_BASE_SECONDS": 1,
        # Password hashes at scrypt's cost of 2**10 rather than 2**15: a few milliseconds instead
        # of a third of a second each, for every organiser a test signs in.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, migrated_urls, tmp_path_factory):
    if request.param == "postgresql":
        return _pg_url(tmp_path_factory)
    return migrated_urls["sqlite"]


_shared_apps: dict[str, tuple] = {}


_HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")


def _hooks(funcs: dict) -> dict:
    return {blueprint: list(hooks) for blueprint, hooks in funcs.items()}


def _forget_devices() -> None:
    """The devices' rate-limit buckets and known tokens live in the process (api/limits.py,
    api/views.py); ids start again at 1 in every test, so a test must not inherit them."""
    from exhibition.api import views
    from exhibition.api.limits import BUCKETS

    BUCKETS._state.clear()
    views._KNOWN_DEVICES.clear()


def _shared_app(url: str, instance: Path):
    """The app of `make_app(url, instance)`, made once per database in each worker and handed to
    every test of the `app` fixture: building one costs a third of a second (werkzeug compiles
    each of some 250 URL rules). Each test gets it back as made: its settings and extensions as
    they were (a test may change settings or point the mail at its SMTP server), and its instance
    folder the test's own, empty one. Tests that want other settings call make_app themselves."""
    from exhibition.extensions import limiter

    if url not in _shared_apps:
        app = make_app(url, instance)
        # The rate limiter keeps its settings on the one Limiter object every app shares, not
        # on the app: a test's own app with RATELIMIT_ENABLED would otherwise leave them on.
        limits = {k: v for k, v in vars(limiter).items() if not isinstance(v, dict | list | set)}
        hooks = {name: _hooks(getattr(app, name)) for name in _HOOKS}
        _shared_apps[url] = (
            app,
            copy.deepcopy(dict(app.config)),
            dict(app.extensions),
            limits,
            hooks,
        )
    app, config, extensions, limits, hooks = _shared_apps[url]
    vars(limiter).update(limits)
    for name, funcs in hooks.items():  # a hook a test added (and did not take away) goes
        getattr(app, name).clear()
        getattr(app, name).update(_hooks(funcs))
    _forget_devices()
    instance.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(instance)
    app.config.clear()
    app.config.update(copy.deepcopy(config))
    app.config.update(INSTANCE_PATH=str(instance), MAIL_FILE_DIR=str(instance / "mail"))
    app.extensions.clear()
    app.extensions.update(extensions)
    return app


def _app_fixture(url, tmp_path):
    app = _shared_app(url, tmp_path / "instance")
    with app.app_context():
        _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def app(db_url, tmp_path):
    """The app on each backend (SQLite always; PostgreSQL with TEST_DATABASE_URL)."""
    yield from _app_fixture(db_url, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


# ---------------------------------------------------------------- factories


def on_today() -> dict:
    """`make_event` dates for an exhibition that is on today (it opened a few minutes ago, so that
    sessions placed after its start are still ahead, and runs two more days) with registration
    open until it ends: entrances answer `not_today` on other days."""
    now = datetime.now(UTC)
    ends = now + timedelta(days=2)
    return dict(starts_at=now - timedelta(minutes=5), ends_at=ends, registration_closes_at=ends)


@pytest.fixture
def make_event(app):
    from exhibition.events.services import EventData, create_event

    def factory(**overrides):
        now = datetime.now(UTC)
        data = dict(
            slug="expo-2026",
            name_vi="Triển lãm Công nghiệp hỗ trợ 2026",
            name_en="Supporting Industry Expo 2026",
            venue_vi="Trung tâm Hội chợ Triển lãm Hải Phòng",
            venue_en="Hai Phong Exhibition Centre",
            organiser_vi="Sở Công Thương Hải Phòng",
            organiser_en="Hai Phong Department of Industry and Trade",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=33),
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=29),
        )
        data.update(overrides)
        with app.app_context():
            event = create_event(data=EventData(**data))
            db.session.commit()
            return event.slug

    return factory


@pytest.fixture
def make_visitor(app):
    """Register a visitor directly through the service; returns a dict of its keys."""
    from exhibition.events.services import get_event
    from exhibition.visitors.models import VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    counter = {"n": 0}

    def factory(slug="expo-2026", category="trade", **overrides):
        counter["n"] += 1
        with app.app_context():
            event = get_event(slug=slug)
            category_id = db.session.scalar(
                sa.select(VisitorCategory.id).where(
                    VisitorCategory.event_id == event.id, VisitorCategory.code == category
                )
            )
            data = dict(
                full_name="Nguyễn Thị Hồng Nhung",
                email=f"visitor{counter['n']}@example.com",
                phone="+84912345678",
                category_id=category_id,
                organisation="Công ty TNHH Cơ khí Hải An",
                job_title="Trưởng phòng",
                province_code="HP",
                sector_codes=["mechanical"],
            )
            data.update(overrides)
            registration, _ = register_visitor(
                event=event, data=VisitorData(**data), consents=Consents(processing=True)
            )
            db.session.commit()
            return {
                "id": registration.id,
                "badge_code": registration.badge_code,
                "manage_token": registration.manage_token,
                "feed_token": registration.feed_token,
                "email": registration.email,
            }

    return factory


@pytest.fixture
def make_device(app):
    from exhibition.checkin.services import create_device
    from exhibition.events.services import get_event

    def factory(slug="expo-2026", name="Cổng 1"):
        with app.app_context():
            device, token = create_device(event=get_event(slug=slug), name=name)
            db.session.commit()
            return token

    return factory


# ---------------------------------------------------------------- helpers


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def scan(client, token, code, nonce, type_="entry"):
    return client.post(
        "/api/v1/checkin",
        json={"code": code, "nonce": nonce, "type": type_},
        headers={"Authorization": f"Bearer {token}"},
    )


# ---------------------------------------------------------------- a real SMTP server


class _Collector:
    """Keeps every message; refuses for good (550) any recipient whose address holds "reject"."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1; stop() and start() simulate an outage on the same port."""

    def __init__(self):
        self.handler = _Collector()
        self.controller = None
        self.port = None

    def start(self):
        if self.port is None:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def wait_for(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


def write_outbox(app) -> int:
    """Run the mail worker until nothing is due: it writes the messages queued by kind (the
    confirmation e-mails) and sends them (to .eml files, with no MAIL_SERVER). How many it sent."""
    from exhibition.mail.worker import run

    return run(app, once=True, batch=100)


def use_smtp(app, server):
    """Point the app's Flask-Mail at the test SMTP server."""
    from exhibition.extensions import mail

    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    mail.init_app(app)


@pytest.fixture
def make_floor(app):
    """A hall with `count` standard 3 x 3 m booths in one row (A01, A02, ...); returns their codes."""
    from exhibition.booths.models import Booth, BoothType, Hall
    from exhibition.events.services import get_event

    def factory(slug="expo-2026", count=4, zone="Cơ khí", sector="mechanical"):
        with app.app_context():
            event = get_event(slug=slug)
            hall = Hall(
                event_id=event.id,
                code="A",
                name_vi="Nhà A",
                name_en="Hall A",
                width_m=3 * count + 8,
                depth_m=12,
            )
            db.session.add(hall)
            db.session.flush()
            codes = []
            for index in range(count):
                code = f"A{index + 1:02d}"
                db.session.add(
                    Booth(
                        event_id=event.id, hall_id=hall.id, code=code, x_m=4 + 3 * index, y_m=4, width_m=3, depth_m=3,
                        type=BoothType.STANDARD, zone=zone, sector_code=sector, price_vnd=15_000_000,
                    )
                )  # fmt: skip
                codes.append(code)
            db.session.commit()
            return codes

    return factory


@pytest.fixture
def make_exhibitor(app):
    """An exhibitor application, approved unless told otherwise; returns its id."""
    from stdnum.vn import mst

    from exhibition.booths.models import BoothType
    from exhibition.events.services import get_event
    from exhibition.exhibitors.models import ExhibitorStatus
    from exhibition.exhibitors.services import ApplicationData, apply, change_status

    counter = {"n": 0}

    def factory(slug="expo-2026", status="approved", **overrides):
        with app.app_context():
            while True:
                counter["n"] += 1
                nine = f"02{counter['n']:07d}"
                tax_code = nine + mst.calc_check_digit(nine)
                if mst.is_valid(tax_code):
                    break
            data = dict(
                company_name_vi=f"Công ty TNHH Thử nghiệm {counter['n']}",
                tax_code=tax_code,
                province_code="HP",
                contact_name="Lê Văn Hải",
                contact_email=f"contact{counter['n']}@example.com",
                contact_phone="+84912345678",
                booth_type=BoothType.STANDARD,
                sector_codes=["mechanical"],
            )
            data.update(overrides)
            exhibitor, _ = apply(event=get_event(slug=slug), data=ApplicationData(**data))
            if status != "submitted":
                change_status(exhibitor=exhibitor, to=ExhibitorStatus(status), reason="test")
            db.session.commit()
            return exhibitor.id

    return factory


def login_client(app, client, email="btc@example.com", password="mat-khau-dai"):
    """Create an organiser and sign `client` in (the session then stays English)."""
    from exhibition.accounts.models import User
    from exhibition.accounts.services import create_organiser

    with app.app_context():
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            create_organiser(email=email, password=password)
            db.session.commit()
    page = client.get("/admin/login?lang=en")
    response = client.post(
        "/admin/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password},
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def make_session(app):
    """A conference session in a room (created by name when new), placed `start_hours` after the
    event starts for `hours`, published unless told otherwise; returns its id."""
    from exhibition.events.services import get_event
    from exhibition.programme import services as programme
    from exhibition.programme.models import Room, SessionAccess, SessionType

    def factory(
        slug="expo-2026",
        title="Hội thảo công nghiệp hỗ trợ",
        room="Phòng hội thảo 1",
        room_capacity=100,
        start_hours=1.0,
        hours=1.0,
        capacity=None,
        access="open",
        published=True,
        type="seminar",
        **overrides,
    ):
        with app.app_context():
            event = get_event(slug=slug)
            the_room = db.session.scalar(
                sa.select(Room).where(Room.event_id == event.id, Room.name_vi == room)
            ) or programme.save_room(
                event=event, name_vi=room, name_en=room, capacity=room_capacity
            )
            start = event.starts_at + timedelta(hours=start_hours)
            session = programme.save_session(
                event=event,
                title_vi=title,
                title_en=overrides.pop("title_en", title),
                type=SessionType(type),
                access=SessionAccess(access),
                capacity=capacity,
                room=the_room,
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                **overrides,
            )
            if published:
                programme.publish(event=event, session_ids=[session.id])
            db.session.commit()
            return session.id

    return factory

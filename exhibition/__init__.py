"""Application factory."""

import importlib
import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, g, has_request_context, request, session
from werkzeug.routing import IntegerConverter

from . import config as config_module
from . import (
    database,
    models,  # noqa: F401  (registers every model)
)
from .accounts.access import check_declarations
from .cli import register_cli
from .errors import register_error_handlers
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .extensions import mail as mail_extension  # "mail" is also the subpackage exhibition.mail
from .security import register_security
from .templating import register_template_helpers

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# On SQLite, transactions that will write begin with BEGIN IMMEDIATE (see database.py).
sqlite_write_intent = database.sqlite_write_intent


def _setup_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed, not left in free space: an erased person's
        # name must leave the file itself (and every update of personal data, not only erasure,
        # frees such space). Costs a little more writing, which this app does little of.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # no transaction wanted (a PRAGMA that only works outside one, in a migration)
        mode = "IMMEDIATE" if sqlite_write_intent.get() else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def _init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy to DATABASE_URL; UnusableDatabase when the URL or its driver is wrong."""
    url = database.parse(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # An unreachable host fails in seconds rather than after the system's two minutes.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"connect_timeout": 10, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    psycopg = url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg"
    if psycopg:  # a dropped connection is found at checkout without a query (database.py)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    try:
        db.init_app(app)
    except (ImportError, sa.exc.NoSuchModuleError) as error:
        raise database.driver_missing(url, error) from error
    if psycopg:
        with app.app_context():
            database.check_connections_on_checkout(db.engine)


class BoundedIntConverter(IntegerConverter):
    """<int:...> in URLs stops at 2**31 - 1, so a huge id is a 404 rather than a database error."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def select_locale() -> str:
    languages = ("vi", "en")
    if not has_request_context():
        return "vi"
    wanted = request.args.get("lang")
    if "Authorization" in request.headers and request.path.startswith("/api/"):
        # A device (or the bank) asks in its own language: no session read, no cookie set.
        return wanted if wanted in languages else "vi"
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    return "vi"


def select_timezone() -> str:
    event = g.get("event")
    return event.timezone if event is not None else "Asia/Ho_Chi_Minh"


# The packages whose page modules (listed in their VIEWS) are registered, in this order.
DOMAINS = (
    "events",
    "visitors",
    "exhibitors",
    "booths",
    "payments",
    "matchmaking",
    "programme",
    "badges",
    "checkin",
    "mail",
    "admin",
    "api",
)


def _register_blueprints(app: Flask) -> None:
    """Every domain's pages: the blueprint `bp` of each module its package lists in VIEWS."""
    for domain in DOMAINS:
        package = importlib.import_module(f"{__name__}.{domain}")
        for name in package.VIEWS:
            app.register_blueprint(importlib.import_module(f"{package.__name__}.{name}").bp)


def _mark_read_only_requests() -> None:
    # The API writes on GET too (a device's last-seen time); exports write an audit entry.
    read_only = request.method in ("GET", "HEAD", "OPTIONS") and not (
        request.path.startswith("/api/") or request.path.endswith((".csv", ".xlsx"))
    )
    sqlite_write_intent.set(not read_only)


def _refuse_nul_characters() -> None:
    """No text we store or look up may hold a NUL (PostgreSQL refuses it): a clear 400 instead."""
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        texts += [*request.form.keys(), *request.form.values()]
    if any("\x00" in text for text in texts):
        abort(400)


def _new_app(config: dict | None) -> Flask:
    """The Flask object with its settings: the environment's, then `config`."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config_module.from_environment(instance_path))
    if config:
        app.config.from_mapping(config)
        if "BASE_URL" in config and "SESSION_COOKIE_SECURE" not in config:
            secure = str(config["BASE_URL"]).startswith("https:")
            app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    instance_path.mkdir(parents=True, exist_ok=True)
    app.url_map.converters["int"] = BoundedIntConverter
    return app


def _init_extensions(app: Flask) -> None:
    """The database (stopping with one line when it cannot be used), migrations, mail, CSRF,
    sign-in, rate limits and translations."""
    try:
        _init_database(app)
    except database.UnusableDatabase as error:
        database.stop(error)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True, render_as_batch=True
    )
    mail_extension.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = None
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _setup_sqlite(db.engine)
        if database.from_command_line():
            try:
                database.ping(db.engine)
            except database.UnusableDatabase as error:
                database.stop(error)


def create_app(config: dict | None = None) -> Flask:
    """Create the Flask application; `config` overrides settings from the environment."""
    app = _new_app(config)
    _init_extensions(app)
    app.before_request(_mark_read_only_requests)
    app.before_request(_refuse_nul_characters)
    _register_blueprints(app)
    register_error_handlers(app)
    register_security(app)
    check_declarations(app)
    register_template_helpers(app)
    register_cli(app)
    return app

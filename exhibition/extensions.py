"""Flask extensions, created unbound and initialised in create_app."""

import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.pagination import Pagination
from flask_wtf.csrf import CSRFProtect
from limits import parse
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import HTTPException, TooManyRequests

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def count_by(column, *conditions) -> dict:
    """How many rows (meeting `conditions`) have each value of `column`."""
    stmt = sa.select(column, sa.func.count()).where(*conditions).group_by(column)
    return dict(db.session.execute(stmt).all())


MAX_PAGE = 100_000  # a larger page number in an address is read as the last page


def paginate(stmt: sa.Select, *, per_page: int) -> Pagination:
    """`db.paginate` of `stmt` at the request's `?page=`; a number past the last page (a stale
    link, a huge number) shows the last page, not an empty one or a database error."""
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    found = db.paginate(stmt, page=page, per_page=per_page, max_per_page=None, error_out=False)
    if found.page > max(found.pages, 1):
        found = db.paginate(
            stmt, page=found.pages, per_page=per_page, max_per_page=None, error_out=False
        )
    return found


def _secret_of_link() -> str | None:
    """The secret in the address of a secret link (a view under `guess_limit`), if this is one."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "secret_link", False):
        return None
    arguments = request.view_args or {}
    return arguments.get("token") or arguments.get("code")


def client_key() -> str:
    """What a limit counts against: the client's address; on a secret link, the link itself
    (hashed: the store holds no secrets), so that the people behind one address (a venue's
    Wi-Fi) never share a link page's budget with each other or with someone guessing links."""
    secret = _secret_of_link()
    if secret:
        return "link:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return get_remote_address()


def posted(field: str) -> Callable[[], str]:
    """A key that counts per value of a posted form field (an e-mail address, case ignored,
    hashed: the store holds no personal data), whatever address it comes from."""

    def key() -> str:
        value = (request.form.get(field) or "").strip().casefold()[:254]
        if not value:
            return get_remote_address()
        return f"{field}:" + hashlib.sha256(value.encode()).hexdigest()[:32]

    return key


# Limits are set on the routes that people can abuse (sign-up, login, check-in, private links);
# storage is RATELIMIT_STORAGE_URI (memory:// on one machine, Redis for several).
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)

# Secret links (/r/<token>, invitations, personal feeds, device set-up, portal sign-in) answer an
# unknown secret with the same plain 404 as any missing page. Each such miss counts against the
# address, across all those routes together; after 30 misses in 10 minutes its further misses
# get 429. A link that is right is always answered: everyone at a venue shares one address, and
# a guesser among them must not lock the others out of their own links. A right link does not
# help a guesser either: the secrets have 128 bits and more, so guessing one is hopeless anyway.
WRONG_SECRETS = parse("30 per 10 minutes")


def _count_wrong_secret() -> None:
    """Count a miss against the client's address; 429 when it has missed too often."""
    if not limiter.enabled:
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    keys = [key for key in (prefix, "secret-links", get_remote_address()) if key]
    if not limiter.limiter.hit(WRONG_SECRETS, *keys):
        reset_at, _remaining = limiter.limiter.get_window_stats(WRONG_SECRETS, *keys)
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def guess_limit(view: Callable) -> Callable:
    """Mark a view as a secret link: its misses (404) count towards WRONG_SECRETS, and its other
    limits count per link (client_key)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            response = current_app.make_response(current_app.ensure_sync(view)(*args, **kwargs))
        except Exception as error:
            if isinstance(error, HTTPException):
                status = error.response.status_code if error.response is not None else error.code
            else:
                status = getattr(error, "status", None)  # a DomainError
            if status == 404:
                _count_wrong_secret()
            raise
        if response.status_code == 404:
            _count_wrong_secret()
        return response

    guarded.secret_link = True
    return guarded

"""Domain errors and the HTTP error handlers (HTML pages and JSON with a code)."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, flash, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db


class DomainError(Exception):
    """A rule of the domain was broken; `code` is stable and shown to API clients."""

    code = "domain_error"
    status = 400
    message = _l("The request could not be completed.")

    def __init__(self, message=None, *, code: str | None = None, status: int | None = None):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(str(self.message))


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _l("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = _l("This conflicts with data that is already stored.")


def wants_json() -> bool:
    """JSON for the API, for requests that sent JSON, and for clients that ask only for JSON."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def json_error(code: str, message, status: int, **extra):
    body = {"error": {"code": code, "message": str(message), **extra}}
    return jsonify(body), status


HTTP_CODES = {
    400: ("bad_request", _l("The request was not understood.")),
    401: ("unauthorized", _l("You need to sign in to see this page.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("This page does not exist.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This conflicts with data that is already stored.")),
    413: ("too_large", _l("What you sent is too large.")),
    415: ("unsupported_media_type", _l("This content type is not supported.")),
    429: ("too_many_requests", _l("Too many requests. Please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong on our side. Please try again.")),
}


# SQLSTATEs that mean the server is out of reach rather than the request at fault: connection
# exceptions (class 08), and an administrator's or a crash's shutdown, or "starting up" (57P0x).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# SQLite's equivalents (and their extended codes): the file cannot be opened, or another writer
# held it past busy_timeout.
_UNAVAILABLE_SQLITE = ("SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED")
RETRY_AFTER_SECONDS = 5


def database_unavailable(error: Exception) -> bool:
    """Whether a database error means "down, restarting or out of connections: try again soon"
    (a 503) rather than a fault of this request (a 500 to look into)."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # SQLAlchemy recognised a lost connection
        return True
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    if (getattr(original, "sqlite_errorname", None) or "").startswith(_UNAVAILABLE_SQLITE):
        return True
    # No statement: it failed while connecting (refused, unreachable, closed).
    return error.statement is None and isinstance(error, (OperationalError, InterfaceError))


def _render(status: int, code: str, message):
    if wants_json():
        return json_error(code, message, status)
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return _render(error.status, error.code, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            "csrf_failed",
            _l(
                "Your form expired or was sent from elsewhere. Please reload the page and try again."
            ),
        )

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        db.session.rollback()
        code, message = HTTP_CODES[409]
        return _render(409, code, message)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception):
        if not database_unavailable(error):
            return unexpected(error)
        app.logger.warning("Database unavailable: %s", str(error).splitlines()[0][:300])
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded after the request
            pass
        response, status = _render(
            503,
            "database_unavailable",
            _l("The service is unavailable for a moment. Please try again in a few seconds."),
        )
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        code, message = HTTP_CODES.get(status, ("http_error", error.description))
        response = app.make_response(_render(status, code, message))
        retry_after = getattr(error, "retry_after", None)  # werkzeug's 429 and 503
        if isinstance(retry_after, int):
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        code, message = HTTP_CODES[500]
        return _render(500, code, message)


class Refusal:
    """What `refused` caught: true when the domain refused the change (its error kept)."""

    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is not None


@contextmanager
def refused(field=None, *, quietly: bool = False) -> Iterator[Refusal]:
    """Run a view's change; when the domain refuses it, roll back and say why: next to `field`
    (a form field) when given, else as a flash message, or not at all when `quietly` (the view
    answers with `refusal.error` itself, as JSON say). The view then tests the Refusal:

        with refused() as refusal:
            services.cancel_registration(registration=registration)
        if refusal:
            return back
    """
    refusal = Refusal()
    try:
        yield refusal
    except DomainError as error:
        db.session.rollback()
        refusal.error = error
        if field is not None:
            field.errors = [*field.errors, str(error.message)]
        elif not quietly:
            flash(str(error.message), "error")

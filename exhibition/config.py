"""Settings read from the environment (see DESIGN.md, "Configuration")."""

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping from environment variables."""
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{instance_path / 'exhibition.db'}"
    )
    mail_port = os.environ.get("MAIL_PORT")
    base_url = (os.environ.get("BASE_URL") or f"http://{host}:{port}").rstrip("/")
    # Cookies are Secure whenever the public address is HTTPS (SESSION_COOKIE_SECURE overrides).
    secure = _bool(os.environ.get("SESSION_COOKIE_SECURE"), default=base_url.startswith("https:"))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A pooled connection is checked before use, so that the first request after a database
        # restart gets a fresh connection rather than an error.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "HOST": host,
        "PORT": port,
        "BASE_URL": base_url,
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-For/-Proto/-Host.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(mail_port) if mail_port else 25,
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER")
        or "Triển lãm CNHT Hải Phòng <no-reply@localhost>",
        "MAIL_FILE_DIR": str(instance_path / "mail"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), default=True),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # werkzeug's method string for new password hashes ("scrypt": its full cost). Not read from
        # the environment; the tests set a cheap cost, as a hash is checked by the cost it names.
        "PASSWORD_HASH_METHOD": "scrypt",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Mail worker: retries with exponential backoff, then gives up.
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_BASE_SECONDS": int(os.environ.get("MAIL_RETRY_BASE_SECONDS", "30")),
        "MAIL_LEASE_SECONDS": int(os.environ.get("MAIL_LEASE_SECONDS", "600")),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "20")),
        # Seconds the allocation page may search for the optimum (multi-booth requests); the CLI has no limit.
        "ALLOCATION_TIME_LIMIT": float(os.environ.get("ALLOCATION_TIME_LIMIT", "10")),
    }

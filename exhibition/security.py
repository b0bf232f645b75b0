"""Security headers on every response, HTTPS-aware cookies, and the proxy in front of the app.

The Content-Security-Policy allows scripts only from this site (no inline scripts, no eval), so
a name holding `<script>` could not run even if a template forgot to escape it. Style
attributes stay allowed (category colours are set per element), style sheets come from this
site only. The check-in station needs the camera, a worker built from a blob by qr-scanner,
and blob: frames for the badge PDF it prints on arrival.
"""

from flask import Blueprint, Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "worker-src 'self' blob:",
        "frame-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Same-origin keeps the secret in /r/<token> links from leaking to other sites, while
    # Flask-WTF's HTTPS check of the Referer on form posts still works.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register_security(app: Flask) -> None:
    """Headers on every response; trust N proxies' X-Forwarded-* headers when PROXY_COUNT is set."""
    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def allow_large_uploads(bp: Blueprint, endpoints: set[str], limit: int) -> None:
    """Let signed-in staff send up to `limit` bytes to these pages (the site-wide limit,
    MAX_CONTENT_LENGTH, is smaller), set before any hook reads the body (CSRF, NUL check)."""

    def allow() -> None:
        if request.endpoint in endpoints and current_user.is_authenticated:
            request.max_content_length = limit

    @bp.record_once
    def first_of_the_hooks(state) -> None:
        state.app.before_request_funcs.setdefault(None, []).insert(0, allow)

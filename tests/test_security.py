"""Security headers on every response, no inline script on any page, HTTPS-only cookies,
secret links that cannot be enumerated, and rate limits shared through Redis."""

import re
import socket
import uuid

import pytest

from exhibition.extensions import db
from tests.conftest import csrf_token, login_client, make_app
from tests.test_url_map import demo_values, get_urls

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split("; ")}


def test_every_page_has_security_headers_and_no_inline_script(app):
    values = demo_values(app)
    urls = get_urls(app, values)
    anonymous = app.test_client()
    organiser = login_client(app, app.test_client())
    pages = 0
    for client in (anonymous, organiser):
        for url in [*urls, "/static/css/app.css", "/no-such-page", "/admin/"]:
            response = client.get(url)
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Referrer-Policy"] == "same-origin", url
            assert response.headers["X-Frame-Options"] == "DENY", url
            policy = directives(response)
            assert policy["script-src"] == "'self'", url
            assert policy["frame-ancestors"] == "'none'", url
            assert policy["object-src"] == "'none'", url
            assert "unsafe-inline" not in policy["style-src"] and "unsafe-eval" not in str(policy)
            if response.mimetype == "text/html":
                pages += 1
                assert not INLINE_SCRIPT.search(response.text), url
                assert not INLINE_HANDLER.search(response.text), url
                assert "javascript:" not in response.text.lower(), url
    assert pages > 80


def test_cookies_are_secure_httponly_and_samesite_when_served_over_https(db_url, tmp_path):
    app = make_app(db_url, tmp_path / "instance", BASE_URL="https://expo.example.vn", PROXY_COUNT=1)
    client = app.test_client()
    page = client.get(
        "/admin/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Behind the proxy the request is known to be HTTPS: browsers are told to stay on HTTPS.
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    with app.app_context():
        db.engine.dispose()


def test_cookies_are_not_marked_secure_over_plain_http(app, client):
    cookie = client.get("/admin/login").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_unknown_secrets_answer_one_plain_404_then_429(db_url, tmp_path):
    app = make_app(db_url, tmp_path / "instance", RATELIMIT_ENABLED=True)
    client = app.test_client()
    guesses = [
        "/r/{}",
        "/r/{}/badge.png",
        "/r/{}/my-data.json",
        "/invitations/{}",
        "/events/expo-2026/programme/my/{}.ics",
    ]
    bodies = {pattern: set() for pattern in guesses}
    for number in range(30):
        pattern = guesses[number % len(guesses)]
        url = pattern.format(uuid.uuid4().hex)
        response = client.get(url + "?lang=en")
        assert response.status_code == 404, url
        bodies[pattern].add(re.sub(r'(value|href)="[^"]*"', "", response.text))  # own URL aside
    # Every wrong secret of a kind gets the very same page: nothing to learn from an answer.
    assert all(len(pages) == 1 for pages in bodies.values())
    assert client.get("/no-such-page?lang=en").status_code == 404
    limited = client.get(f"/r/{uuid.uuid4().hex}?lang=en")
    assert limited.status_code == 429
    assert "Too many requests" in limited.text
    assert int(limited.headers["Retry-After"]) > 0
    # Pages that are not secret links are not held up by the misses.
    assert client.get("/").status_code == 200
    with app.app_context():
        db.engine.dispose()


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis at 127.0.0.1:6379")
def test_login_limit_is_shared_by_two_app_servers_through_redis(db_url, tmp_path):
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    storage = "redis://127.0.0.1:6379/0"
    servers = [
        make_app(
            db_url,
            tmp_path / f"instance{n}",
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=storage,
            RATELIMIT_KEY_PREFIX=prefix,
        )
        for n in (1, 2)
    ]
    try:
        codes = []
        # An address of its own, so that runs in parallel never share a counter.
        address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        for attempt in range(11):
            client = servers[attempt % 2].test_client()
            client.environ_base["REMOTE_ADDR"] = address
            token = csrf_token(client.get("/admin/login?lang=en").text)
            codes.append(
                client.post(
                    "/admin/login",
                    data={"csrf_token": token, "email": "x@example.com", "password": "wrong"},
                ).status_code
            )
        # Ten wrong passwords spread over both servers, then both refuse.
        assert codes == [401] * 10 + [429]
    finally:
        connection = redis.Redis.from_url(storage)
        for key in connection.scan_iter(f"{prefix}*"):
            connection.delete(key)
        for server in servers:
            with server.app_context():
                db.engine.dispose()


def test_pages_with_scripts_run_under_the_policy_without_a_violation(app, browser, live_server):
    """Chromium reports every Content-Security-Policy violation on the pages that run scripts."""
    from tests.programme.test_browser import sign_in

    values = demo_values(app)
    slug, token = values["slug"], values["token"]
    context = browser.new_context()
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append((page.url, message.text))
            if "Content Security Policy" in message.text
            else None
        ),
    )
    sign_in(app, page, live_server)
    for path in (
        f"/events/{slug}/register",
        f"/r/{token}",
        f"/events/{slug}/programme",
        f"/admin/events/{slug}/programme/schedule",
        f"/admin/events/{slug}/floorplan",
        f"/admin/events/{slug}/live",
        f"/admin/events/{slug}/devices",
        f"/admin/events/{slug}/dashboard",
        "/checkin",
    ):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
    context.close()
    assert violations == []

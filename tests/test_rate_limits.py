"""Rate limits on what people can abuse, with a readable 429; repeated sign-ups do not spam; a
venue's visitors behind one address are not held up by each other or by one guesser among them."""

import secrets

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.visitors.models import Registration
from tests.conftest import csrf_token, make_app, on_today, scan
from tests.visitors.test_registration_flow import form_data


def test_login_attempts_are_limited_with_a_clear_429(db_url, tmp_path):
    app = make_app(db_url, tmp_path / "instance", RATELIMIT_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/admin/login?lang=en").text)
    codes = [
        client.post(
            "/admin/login",
            data={"csrf_token": token, "email": "x@example.com", "password": "wrong"},
        ).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]
    limited = client.post(
        "/admin/login", data={"csrf_token": token, "email": "x@example.com", "password": "wrong"}
    )
    assert "Too many requests" in limited.text
    with app.app_context():
        db.engine.dispose()


def test_signing_up_again_and_again_sends_one_reminder_per_ten_minutes(app, client, make_event):
    make_event()
    for _ in range(4):
        page = client.get("/events/expo-2026/register")
        client.post("/events/expo-2026/register", data=form_data(app, page.text))
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["confirmation", "confirmation_again"]


def limited_app(app, db_url, tmp_path):
    """The same database as `app` (and its factories), served with rate limits on."""
    return make_app(db_url, tmp_path / "limited", RATELIMIT_ENABLED=True)


def browser_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_invented_bearer_tokens_count_against_their_address_then_429(
    app, db_url, tmp_path, make_event, make_visitor, make_device
):
    make_event(**on_today())
    badge = make_visitor()["badge_code"]
    token = make_device()
    limited = limited_app(app, db_url, tmp_path)
    guesser = browser_at(limited, "203.0.113.7")

    codes = [
        scan(guesser, secrets.token_urlsafe(32), badge, f"guess-{n}").status_code
        for n in range(601)
    ]
    refused = scan(guesser, secrets.token_urlsafe(32), badge, "guess-last")
    no_token = guesser.post("/api/v1/checkin", json={"code": badge, "nonce": "x"})

    assert codes == [401] * 600 + [429]
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert no_token.status_code == 429
    # The real device answers from another address and from the guesser's own, and counts on
    # its own budget of 600 a minute wherever it scans from.
    door = scan(browser_at(limited, "198.51.100.20"), token, badge, "door-1")
    same = scan(guesser, token, badge, "door-2")
    assert (door.status_code, door.json["result"]) == (200, "ok")
    assert (same.status_code, same.json["result"]) == (200, "already_checked_in")
    assert [door.headers["X-RateLimit-Remaining"], same.headers["X-RateLimit-Remaining"]] == [
        "599",
        "598",
    ]
    with limited.app_context():
        db.engine.dispose()


def test_wrong_links_from_an_address_do_not_refuse_a_valid_link_from_it(
    app, db_url, tmp_path, make_event, make_visitor
):
    """Everyone at the venue's Wi-Fi shares one public address; one of them guesses links."""
    make_event()
    token = make_visitor()["manage_token"]
    limited = limited_app(app, db_url, tmp_path)
    venue = limited.test_client()

    guesses = [venue.get(f"/r/{secrets.token_urlsafe(32)}").status_code for _ in range(130)]
    mine = venue.get(f"/r/{token}?lang=en")
    badge = venue.get(f"/r/{token}/badge.png")
    another_guess = venue.get(f"/r/{secrets.token_urlsafe(32)}?lang=en")

    # 30 misses answer 404, then misses answer 429; 130 requests also pass the 120 a minute of
    # the page itself, which count per link, not per address.
    assert guesses == [404] * 30 + [429] * 100
    assert (mine.status_code, badge.status_code) == (200, 200)
    assert "Nguyễn Thị Hồng Nhung" in mine.text
    assert another_guess.status_code == 429
    assert "Too many requests" in another_guess.text
    assert int(another_guess.headers["Retry-After"]) > 0
    with limited.app_context():
        db.engine.dispose()


def test_a_hundred_people_sign_up_from_one_address_within_a_minute(
    app, db_url, tmp_path, make_event
):
    make_event()
    limited = limited_app(app, db_url, tmp_path)
    venue = limited.test_client()
    path = "/events/expo-2026/register"

    codes = []
    for number in range(100):
        page = venue.get(path)
        data = form_data(app, page.text, email=f"khach{number}@example.com")
        codes.append(venue.post(path, data=data).status_code)

    assert codes == [302] * 100
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 100
    with limited.app_context():
        db.engine.dispose()


def test_one_email_address_is_signed_up_at_most_ten_times_in_ten_minutes(
    app, db_url, tmp_path, make_event
):
    """From ten addresses: the sign-up form is no way to flood one mailbox."""
    make_event()
    limited = limited_app(app, db_url, tmp_path)
    path = "/events/expo-2026/register"

    answers = []
    for number in range(11):
        browser = browser_at(limited, f"198.51.100.{number + 1}")
        page = browser.get(path)
        email = "Nan.Nhan@example.com" if number % 2 else "nan.nhan@example.com"
        response = browser.post(path, data=form_data(app, page.text, email=email))
        answers.append(
            (response.status_code, response.headers.get("Location", "/").rsplit("/", 1)[0])
        )

    sent_again = "/events/expo-2026/register"
    assert answers == [(302, "/r")] + [(302, sent_again)] * 9 + [(429, "")]
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["confirmation", "confirmation_again"]
    with limited.app_context():
        db.engine.dispose()


def test_a_shift_of_staff_signs_in_from_one_address(app, db_url, tmp_path):
    """Only wrong passwords count towards the sign-in limit of an address."""
    from exhibition.accounts.services import create_organiser

    with app.app_context():
        for number in range(12):
            create_organiser(email=f"soat-ve-{number}@example.com", password="mat-khau-dai")
        db.session.commit()
    limited = limited_app(app, db_url, tmp_path)

    codes = []
    for number in range(12):
        browser = limited.test_client()
        token = csrf_token(browser.get("/admin/login?lang=en").text)
        data = {"csrf_token": token, "email": f"soat-ve-{number}@example.com",
                "password": "mat-khau-dai"}  # fmt: skip
        codes.append(browser.post("/admin/login", data=data).status_code)

    assert codes == [302] * 12
    with limited.app_context():
        db.engine.dispose()

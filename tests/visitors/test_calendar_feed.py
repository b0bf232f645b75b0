"""The personal calendar feed ("my sessions" .ics) has its own read-only secret: the address
people paste into Google Calendar or Outlook never opens, changes, cancels, erases or downloads
their registration."""

import re

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.programme import seats
from exhibition.programme.models import BookingStatus, ConferenceSession
from exhibition.visitors.models import Registration
from tests.conftest import csrf_token

# Every page and file of a "my registration" link.
MANAGE_PATHS = [
    "",
    "/edit",
    "/cancel",
    "/erase",
    "/my-data.json",
    "/event.ics",
    "/badge.svg",
    "/badge.png",
    "/badge.pdf",
]


def _seated(app, make_event, make_session, make_visitor):
    make_event()
    seminar = make_session(title="Hội thảo khuôn mẫu")
    person = make_visitor()
    with app.app_context():
        seats.book(
            session=db.session.get(ConferenceSession, seminar),
            registration=db.session.get(Registration, person["id"]),
        )
        db.session.commit()
    return person


def _feed_url(client, manage_token):
    page = client.get(f"/r/{manage_token}?lang=en").text
    (url,) = re.findall(r'<a href="([^"]+)">My sessions in my calendar \(\.ics\)</a>', page)
    return url


def test_feed_link_on_my_registration_has_its_own_secret_and_answers_the_feed(
    app, client, make_event, make_session, make_visitor
):
    person = _seated(app, make_event, make_session, make_visitor)
    url = _feed_url(client, person["manage_token"])
    secret = re.fullmatch(r"/events/expo-2026/programme/my/([A-Za-z0-9_-]+)\.ics", url).group(1)

    assert person["manage_token"] not in url
    assert len(secret) >= 22  # at least 128 bits in URL-safe base64
    with app.app_context():
        assert db.session.get(Registration, person["id"]).feed_token == secret
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Hội thảo khuôn mẫu" in response.text


def test_feed_secret_opens_no_page_of_the_registration(
    app, client, make_event, make_session, make_visitor
):
    person = _seated(app, make_event, make_session, make_visitor)
    secret = _feed_url(client, person["manage_token"]).rsplit("/", 1)[1].removesuffix(".ics")
    for path in MANAGE_PATHS:
        assert client.get(f"/r/{secret}{path}").status_code == 404, path
    token = csrf_token(client.get(f"/r/{person['manage_token']}/cancel").text)
    with app.app_context():
        seminar = db.session.scalar(sa.select(ConferenceSession.id))
    for path in ("/cancel", "/erase", "/edit", "/consents", f"/sessions/{seminar}/leave"):
        answer = client.post(f"/r/{secret}{path}", data={"csrf_token": token, "confirm": "y"})
        assert answer.status_code == 404, path
    with app.app_context():
        registration = db.session.get(Registration, person["id"])
        assert (registration.is_cancelled, registration.is_erased) == (False, False)
        (booking,) = seats.bookings_of(registration=registration)
        assert booking.status is BookingStatus.SEATED


def test_feed_secrets_are_unique_random_and_not_the_manage_token(app, make_event, make_visitor):
    make_event()
    people = [make_visitor() for _ in range(5)]
    with app.app_context():
        rows = db.session.execute(sa.select(Registration.feed_token, Registration.manage_token))
        feeds, manages = zip(*rows, strict=True)
    assert len(set(feeds)) == len(people)
    assert set(feeds).isdisjoint(manages)


def test_the_manage_token_is_not_a_feed_address(
    app, client, make_event, make_session, make_visitor
):
    person = _seated(app, make_event, make_session, make_visitor)
    url = f"/events/expo-2026/programme/my/{person['manage_token']}.ics"
    assert client.get(url).status_code == 404


def test_registering_again_after_cancelling_gives_a_new_feed_secret(
    app, client, make_event, make_session, make_visitor
):
    """Whoever gets the address's new registration, the old feed does not follow it."""
    from tests.visitors.test_registration_flow import form_data

    person = _seated(app, make_event, make_session, make_visitor)
    old_feed = _feed_url(client, person["manage_token"])
    url = f"/r/{person['manage_token']}/cancel"
    client.post(url, data={"csrf_token": csrf_token(client.get(url).text)})
    page = client.get("/events/expo-2026/register")
    again = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, email=person["email"])
    )
    assert again.status_code == 302
    new_manage = again.headers["Location"].removeprefix("/r/")
    with app.app_context():
        seminar = db.session.scalar(sa.select(ConferenceSession.id))
    page = client.get(f"/r/{new_manage}").text
    client.post(f"/r/{new_manage}/sessions/{seminar}", data={"csrf_token": csrf_token(page)})
    new_feed = _feed_url(client, new_manage)

    assert new_feed != old_feed
    assert "SUMMARY:Hội thảo khuôn mẫu" in client.get(new_feed).text
    assert "BEGIN:VEVENT" not in client.get(old_feed).text

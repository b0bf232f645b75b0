"""The front page and an exhibition's page: the exhibition itself when there is only one, its
banner and logo (set by the organisers), and one clear primary action."""

import io
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from PIL import Image

from exhibition.events.models import Event
from exhibition.extensions import db
from tests.exhibitors.test_logos import hostile_png


def buttons(html: str) -> list[str]:
    """The buttons (links or forms styled as buttons) of a page's main part."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.findall(r'<a class="button[^"]*" href="([^"]+)"', main) + re.findall(
        r"<button[^>]*>", main
    )


def test_front_page_of_a_one_exhibition_installation_is_that_exhibition(app, client, make_event):
    make_event()
    page = client.get("/?lang=en")
    assert page.status_code == 200
    assert "<h1>Supporting Industry Expo 2026</h1>" in page.text
    assert buttons(page.text) == ["/events/expo-2026/register"]
    assert '<link rel="canonical" href="http://localhost/events/expo-2026/">' in page.text


def test_front_page_with_two_exhibitions_lists_them(app, client, make_event):
    make_event()
    make_event(slug="expo-2027", name_en="Supporting Industry Expo 2027")
    page = client.get("/?lang=en")
    assert "<h1>Exhibitions</h1>" in page.text
    assert 'href="/events/expo-2026/"' in page.text and 'href="/events/expo-2027/"' in page.text


def test_exhibition_page_has_one_primary_action_and_the_others_as_links(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/?lang=en").text
    assert buttons(page) == ["/events/expo-2026/register"]
    assert ">Register to visit</a>" in page
    for link in (
        "/events/expo-2026/programme",
        "/events/expo-2026/exhibitors",
        "/events/expo-2026/exhibit",
        "/events/expo-2026/portal/login",
        "/events/expo-2026/event.ics",
    ):
        assert f'<li><a href="{link}">' in page
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        event.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
        event.registration_opens_at = datetime.now(UTC) - timedelta(days=2)
        db.session.commit()
    closed = client.get("/events/expo-2026/?lang=en").text
    assert buttons(closed) == []
    assert "Registration is closed." in closed


def image_file(tmp_path, name, size, colour, fmt):
    path = tmp_path / name
    Image.new("RGB", size, colour).save(path, format=fmt)
    return str(path)


def test_event_form_in_chromium_sets_a_banner_and_a_logo_shown_on_the_page(
    app, make_event, browser, live_server, tmp_path
):
    from exhibition.accounts.services import create_organiser

    make_event()
    with app.app_context():
        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
    page = browser.new_page()
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("#email", "btc@example.com")
    page.fill("#password", "mat-khau-dai")
    page.click("form button[type=submit]")
    page.goto(f"{live_server}/admin/events/expo-2026/edit")
    hostile = tmp_path / "hostile.png"
    hostile.write_bytes(hostile_png())  # 150 KB that would take 300 MB once decoded
    page.set_input_files("#banner", str(hostile))
    page.click("form.form button[type=submit]")
    assert page.inner_text("#banner-error").startswith(
        "The banner must be a PNG, JPEG or WebP image of at most 3 MB"
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Event)).banner_filename is None
    page.set_input_files(
        "#banner", image_file(tmp_path, "banner.png", (3000, 1000), (11, 79, 138), "PNG")
    )
    page.set_input_files(
        "#logo", image_file(tmp_path, "logo.jpg", (1200, 1200), (200, 30, 30), "JPEG")
    )
    page.click("form.form button[type=submit]")
    assert page.inner_text(".flash-success") == "Saved."

    public = browser.new_page()  # an anonymous visitor
    public.goto(f"{live_server}/events/expo-2026/?lang=en")
    banner = public.get_attribute("img.event-banner", "src")
    logo = public.get_attribute("img.event-logo", "src")
    assert public.evaluate("document.querySelector('img.event-banner').naturalWidth") == 1920
    assert public.evaluate("document.querySelector('img.event-logo').naturalWidth") == 800
    client = app.test_client()
    served = client.get(banner)
    assert served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=86400"
    assert Image.open(io.BytesIO(served.data)).size == (1920, 640)
    assert Image.open(io.BytesIO(client.get(logo).data)).format == "PNG"
    assert client.get("/?lang=en").text.count(banner) == 1  # the front page shows it too

    page.goto(f"{live_server}/admin/events/expo-2026/edit")
    page.check("#remove_banner")
    page.click("form.form button[type=submit]")
    assert page.inner_text(".flash-success") == "Saved."
    assert client.get(banner).status_code == 404  # the file is gone
    with app.app_context():
        event = db.session.scalar(sa.select(Event))
        assert event.banner_filename is None and event.logo_filename == logo.rsplit("/", 1)[1]

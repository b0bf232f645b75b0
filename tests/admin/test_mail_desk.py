"""The mail desk: a message opens on its own page (headers, text, HTML in a locked-down frame,
attachments), only for those who organise its exhibition, and no server path is shown."""

import re

import sqlalchemy as sa

from exhibition.accounts.models import Role
from exhibition.accounts.services import create_organiser, grant_role
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.services import enqueue
from exhibition.mail.worker import deliver_batch
from tests.conftest import login_client

SENDER_VI = "Sở Công Thương Hải Phòng – Triển lãm CNHT"
HTML_POLICY = (
    "default-src 'none'; img-src cid: data:; style-src 'unsafe-inline'; sandbox; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def message_ids(app):
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)).all()


def test_message_page_shows_headers_text_html_frame_and_attachments(
    app, client, make_event, make_visitor
):
    make_event(contact_email="xttm@congthuong.haiphong.gov.vn", mail_sender_vi=SENDER_VI)
    make_visitor(full_name="Trần Thị Mai", email="mai@example.com")
    (message_id,) = message_ids(app)
    login_client(app, client)
    listing = client.get("/admin/mail")
    link = f'href="/admin/mail/{message_id}"'
    assert link in listing.text

    page = client.get(f"/admin/mail/{message_id}")

    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert f"<dd>{SENDER_VI} &lt;no-reply@example.com&gt;</dd>" in text
    assert "<dd>xttm@congthuong.haiphong.gov.vn</dd>" in text
    assert "<dd>mai@example.com</dd>" in text
    assert "Trần Thị Mai" in page.text  # the text part
    frame = re.search(r"<iframe[^>]*>", page.text).group(0)
    assert " sandbox " in frame and f'src="/admin/mail/{message_id}/html"' in frame
    assert "<code>badge-qr.png</code>" in page.text and "<code>expo-2026.ics</code>" in page.text

    html = client.get(f"/admin/mail/{message_id}/html")
    assert html.status_code == 200
    assert html.mimetype == "text/html"
    assert html.headers["Content-Security-Policy"] == HTML_POLICY
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Trần Thị Mai" in html.text
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html.text  # the badge's QR, drawn
    assert "cid:" not in html.text


def test_mail_desk_shows_no_server_path_and_names_only_the_file(
    app, client, make_event, make_visitor
):
    make_event()
    make_visitor()
    with app.app_context():
        deliver_batch()
    (message_id,) = message_ids(app)
    login_client(app, client)
    folder = app.config["MAIL_FILE_DIR"]
    listing = client.get("/admin/mail")
    page = client.get(f"/admin/mail/{message_id}")
    assert folder not in listing.text and app.instance_path not in listing.text
    assert folder not in page.text and app.instance_path not in page.text
    assert f"<code>{message_id:08d}-confirmation.eml</code>" in page.text


def test_message_page_is_only_for_organisers_of_its_exhibition(app, make_event, make_visitor):
    make_event()
    make_event(slug="other-2026")
    make_visitor()
    with app.app_context():
        enqueue(to="someone@example.com", subject="No exhibition", body_text="t",
                body_html="<p>t</p>", kind="test")  # fmt: skip
        for email, slug, role in [
            ("own@example.com", "expo-2026", Role.ORGANISER),
            ("other@example.com", "other-2026", Role.ORGANISER),
            ("door@example.com", "expo-2026", Role.CHECKIN),
        ]:
            user = create_organiser(email=email, password="mat-khau-dai", administrator=False)
            grant_role(user=user, event=get_event(slug=slug), role=role)
        db.session.commit()
    visitor_message, loose_message = message_ids(app)
    own = login_client(app, app.test_client(), email="own@example.com")
    other = login_client(app, app.test_client(), email="other@example.com")
    door = login_client(app, app.test_client(), email="door@example.com")
    for suffix in ("", "/html"):
        assert own.get(f"/admin/mail/{visitor_message}{suffix}").status_code == 200
        assert own.get(f"/admin/mail/{loose_message}{suffix}").status_code == 404
        assert other.get(f"/admin/mail/{visitor_message}{suffix}").status_code == 404
        assert door.get(f"/admin/mail/{visitor_message}{suffix}").status_code == 403
    assert "/admin/mail/" not in other.get("/admin/mail").text


def test_message_html_opens_in_the_frame_and_its_scripts_do_not_run(
    app, make_event, browser, live_server
):
    make_event()
    with app.app_context():
        event_id = get_event(slug="expo-2026").id
        enqueue(
            to="hai@example.com",
            subject="Đơn đăng ký đã nhận",
            body_text="Kính gửi Ông/Bà Lê Văn Hải",
            body_html=(
                '<p id="greeting" style="color:#0b4f8a">Kính gửi Ông/Bà Lê Văn Hải</p>'
                "<script>document.getElementById('greeting').textContent = 'script ran'</script>"
                "<img src=x onerror=\"document.body.textContent = 'handler ran'\">"
            ),
            kind="test",
            event_id=event_id,
        )
        create_organiser(email="btc@example.com", password="mat-khau-dai")
        db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("input[name=email]", "btc@example.com")
    page.fill("input[name=password]", "mat-khau-dai")
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/admin/mail?lang=en")
    page.click("text=Đơn đăng ký đã nhận")
    page.wait_for_selector("iframe.message-frame")
    frame = page.frame_locator("iframe.message-frame")
    greeting = frame.locator("#greeting")
    greeting.wait_for()
    assert greeting.inner_text() == "Kính gửi Ông/Bà Lê Văn Hải"
    assert greeting.evaluate("e => getComputedStyle(e).color") == "rgb(11, 79, 138)"
    assert "handler ran" not in frame.locator("body").inner_text()
    assert "Kính gửi Ông/Bà Lê Văn Hải" in page.inner_text("pre.message-text")

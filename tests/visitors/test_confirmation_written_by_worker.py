"""The confirmation e-mail is written by the mail worker, not by the sign-up: the request stores a
row naming it, the first claim writes and stores it, every attempt sends what was stored, and an
erased person's row holds nothing."""

import email
import io
from datetime import timedelta
from email import policy

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from exhibition.dbtypes import utcnow
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from exhibition.mail.worker import deliver_batch
from exhibition.visitors.erasure import erase_registration
from exhibition.visitors.models import Registration
from tests.conftest import use_smtp
from tests.visitors.test_registration_flow import form_data

EMAIL = "nhung.nguyen@example.com"


def the_message(app) -> dict:
    with app.app_context():
        (message,) = db.session.scalars(sa.select(OutboxMessage)).all()
        return {
            "kind": message.kind,
            "to": message.to_address,
            "language": message.language,
            "registration_id": message.registration_id,
            "subject": message.subject,
            "text": message.body_text,
            "html": message.body_html,
            "status": message.status,
            "attachments": [(a.filename, a.content_type, a.data) for a in message.attachments],
        }


def sign_up(app, client, **overrides) -> None:
    page = client.get("/events/expo-2026/register")
    response = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, **overrides)
    )
    assert response.status_code == 302


def test_sign_up_stores_a_row_naming_the_message_and_no_text(app, client, make_event):
    make_event()
    sign_up(app, client, language="en")

    message = the_message(app)

    with app.app_context():
        registration_id = db.session.scalar(sa.select(Registration.id))
    assert message == {
        "kind": "confirmation",
        "to": EMAIL,
        "language": "en",
        "registration_id": registration_id,
        "subject": "",
        "text": "",
        "html": "",
        "status": MessageStatus.PENDING,
        "attachments": [],
    }


def decoded_qr(part) -> str:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(part.get_content())))
    return result.text


def test_worker_writes_once_and_a_retry_sends_the_same_message(
    app, client, make_event, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    smtp_server.stop()
    sign_up(app, client)
    with app.app_context():
        assert deliver_batch() == {"sent": 0, "retry": 1, "failed": 0}
    written = the_message(app)
    assert written["status"] is MessageStatus.PENDING
    assert written["subject"].startswith("Xác nhận đăng ký")
    assert "Nguyễn Thị Hồng Nhung" in written["text"]
    assert [a[0] for a in written["attachments"]] == [
        "badge-qr.png",
        "lead-qr.png",
        "expo-2026.ics",
    ]
    # Between the attempts the person corrects their name: the retry sends what was written.
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        registration.full_name = "Trần Văn Bình"
        badge_code = registration.badge_code
        db.session.commit()

    smtp_server.start()
    with app.app_context():
        later = utcnow() + timedelta(minutes=5)
        assert deliver_batch(now=later) == {"sent": 1, "retry": 0, "failed": 0}

    assert the_message(app) == {**written, "status": MessageStatus.SENT}
    (raw,) = smtp_server.wait_for(1)
    sent = email.message_from_bytes(raw.as_bytes(), policy=policy.default)
    assert sent["Subject"] == written["subject"]
    assert sent.get_body(("plain",)).get_content() == written["text"]
    assert "Trần Văn Bình" not in sent.get_body(("html",)).get_content()
    images = {part["Content-ID"]: part for part in sent.walk() if part["Content-ID"]}
    assert decoded_qr(images["<badge-qr>"]) == badge_code
    assert decoded_qr(images["<lead-qr>"]).startswith("L-")


def test_erasing_before_the_worker_leaves_a_row_with_nothing_personal(
    app, client, make_event, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    sign_up(app, client)
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        erase_registration(registration=registration, reason="person")
        db.session.commit()

    with app.app_context():
        assert deliver_batch(now=utcnow() + timedelta(hours=1)) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
        }
        (row,) = db.session.execute(sa.select(OutboxMessage.__table__)).mappings().all()
        attachments = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxAttachment))
    assert row["status"] is MessageStatus.FAILED or row["status"] == "failed"
    assert attachments == 0
    stored = " ".join(str(value) for value in row.values())
    for personal in ("nhung", "Nhung", "Hải An", EMAIL):
        assert personal not in stored
    assert smtp_server.messages == []


def test_a_row_left_unwritten_when_its_registration_is_erased_is_not_written(
    app, client, make_event, smtp_server
):
    """Also when the erasure did not reach the row (a row written by an older version, say),
    the worker writes nothing for an erased registration."""
    use_smtp(app, smtp_server)
    make_event()
    sign_up(app, client)
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        registration.erased_at = utcnow()
        db.session.commit()
        assert deliver_batch() == {"sent": 0, "retry": 0, "failed": 1}
    message = the_message(app)
    assert (message["subject"], message["text"], message["attachments"]) == ("", "", [])
    assert smtp_server.messages == []


def test_mail_desk_shows_an_unwritten_message_as_it_would_be_written(app, client, make_event):
    from tests.conftest import login_client

    make_event()
    sign_up(app, client)
    with app.app_context():
        message_id = db.session.scalar(sa.select(OutboxMessage.id))
    login_client(app, client)
    listing = client.get("/admin/mail")
    assert "Registration confirmation</a>" in listing.text
    page = client.get(f"/admin/mail/{message_id}")
    assert page.status_code == 200
    assert "Nguyễn Thị Hồng Nhung" in page.text
    assert "<code>badge-qr.png</code>" in page.text
    assert "written when it is first sent" in page.text
    html = client.get(f"/admin/mail/{message_id}/html")
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html.text
    assert the_message(app)["subject"] == ""  # shown, not stored


def test_the_worker_writes_the_dates_in_the_exhibitions_time_zone(app, client, make_event):
    """The mail worker has no request about the exhibition: the dates of the e-mail it writes
    are still the exhibition's local days (here a day before UTC's)."""
    from datetime import UTC, datetime

    from exhibition.mail.worker import deliver_batch

    now = datetime.now(UTC)
    starts = datetime(now.year + 1, 12, 20, 1, 0, tzinfo=UTC)  # 19 December in Los Angeles
    make_event(
        timezone="America/Los_Angeles",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
        registration_closes_at=starts - timedelta(days=1),
    )
    sign_up(app, client)
    with app.app_context():
        deliver_batch()
    text = the_message(app)["text"]
    assert f"19/12/{starts.year}" in text or f"19–21/12/{starts.year}" in text, text
    assert f"20/12/{starts.year}" not in text

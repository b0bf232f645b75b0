"""Who an exhibition's e-mails come from and where replies go, as delivered to a real SMTP server."""

import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.utils import parseaddr

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.mail.worker import deliver_batch
from tests.admin.test_sign_in import rendered_form
from tests.conftest import login_client, use_smtp
from tests.exhibitors.test_application import application

SENDER_VI = "Sở Công Thương Hải Phòng – Triển lãm CNHT"
SENDER_EN = "Hai Phong Department of Industry and Trade – Supporting Industry Expo"


def raw_header(message, name: str) -> str:
    """A header as it travelled (before decoding)."""
    return next(value for key, value in message.raw_items() if key.lower() == name.lower())


def shown_from(message) -> tuple[str, str]:
    """The From line as a mail program shows it: (name, address), RFC 2047 encoded words decoded
    and adjacent ones joined without the folding between them (RFC 2047, 6.2). Python's parser
    of address headers keeps that folding as a space, so it is not used for the name."""
    name, address = parseaddr(re.sub(r"\r?\n", "", raw_header(message, "From")))
    return str(make_header(decode_header(name))), address


def test_exhibitor_mail_replies_go_to_the_contact_address_from_a_sender_name_per_language(
    app, client, make_event, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    organiser = login_client(app, app.test_client())
    page = organiser.get("/admin/events/expo-2026/edit")
    saved = organiser.post(
        "/admin/events/expo-2026/edit",
        data=rendered_form(
            page.text,
            contact_email="xttm@congthuong.haiphong.gov.vn",
            mail_sender_vi=SENDER_VI,
            mail_sender_en=SENDER_EN,
        ),
    )
    assert saved.status_code == 302

    assert application(client, contact_email="hai@haian.example.com").status_code == 302
    assert (
        application(
            client,
            tax_code="0100233488-001",
            contact_email="john@example.com",
            contact_language="en",
        ).status_code
        == 302
    )
    with app.app_context():
        assert deliver_batch() == {"sent": 2, "retry": 0, "failed": 0}
    delivered = {m["To"]: m for m in smtp_server.wait_for(2)}

    vietnamese, english = delivered["hai@haian.example.com"], delivered["john@example.com"]
    for message in (vietnamese, english):
        assert message["Reply-To"] == "xttm@congthuong.haiphong.gov.vn"
        assert message["From"].addresses[0].addr_spec == "no-reply@example.com"
        assert raw_header(message, "From").isascii()
        assert all(
            len(line) <= 78 - len("From: ") for line in raw_header(message, "From").splitlines()
        )
    assert shown_from(vietnamese) == (SENDER_VI, "no-reply@example.com")
    assert raw_header(vietnamese, "From").startswith("=?utf-8?b?")  # RFC 2047 encoded words
    assert shown_from(english) == (SENDER_EN, "no-reply@example.com")


def test_sender_name_defaults_to_the_organiser_and_no_contact_address_means_no_reply_to(
    app, make_event, make_visitor, smtp_server
):
    use_smtp(app, smtp_server)
    make_event()
    make_visitor(email="nhung@example.com")
    make_visitor(email="anna@example.com", language="en")
    with app.app_context():
        assert deliver_batch() == {"sent": 2, "retry": 0, "failed": 0}
    delivered = {m["To"]: m for m in smtp_server.wait_for(2)}
    assert shown_from(delivered["nhung@example.com"]) == (
        "Sở Công Thương Hải Phòng", "no-reply@example.com",
    )  # fmt: skip
    assert shown_from(delivered["anna@example.com"]) == (
        "Hai Phong Department of Industry and Trade", "no-reply@example.com",
    )  # fmt: skip
    assert raw_header(delivered["anna@example.com"], "From").startswith('"Hai Phong')
    assert delivered["nhung@example.com"]["Reply-To"] is None


def test_no_mail_server_writes_the_sender_and_reply_to_into_the_eml_file(
    app, make_event, make_visitor
):
    make_event(contact_email="xttm@congthuong.haiphong.gov.vn", mail_sender_vi=SENDER_VI)
    make_visitor(email="file@example.com")
    with app.app_context():
        assert deliver_batch() == {"sent": 1, "retry": 0, "failed": 0}
        message = db.session.scalar(sa.select(OutboxMessage))
        path = f"{app.config['MAIL_FILE_DIR']}/{message.id:08d}-{message.kind}.eml"
    with open(path, "rb") as file:
        written = message_from_bytes(file.read(), policy=policy.default)
    assert written["Reply-To"] == "xttm@congthuong.haiphong.gov.vn"
    assert shown_from(written) == (SENDER_VI, "no-reply@example.com")

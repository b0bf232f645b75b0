"""Subjects reach the reader as written, wherever a long one is folded."""

from email import message_from_bytes, policy

import pytest

from exhibition.mail.models import OutboxMessage
from exhibition.mail.transport import _as_flask_mail


@pytest.mark.parametrize("extra", range(0, 30, 3))
def test_a_folded_subject_keeps_every_space(app, extra):
    subject = "Ông/Bà đang ở trong danh sách chờ: " + "x" * extra + " Hội thảo 1 <b> Bcc: a@b.c"
    with app.app_context():
        message = OutboxMessage(
            id=1, to_address="a@example.com", subject=subject, body_text="b", body_html="<p>b</p>"
        )
        raw = _as_flask_mail(message).as_bytes()
    assert all(
        len(line) <= 78 for line in raw.split(b"\r\n") if line.startswith((b"Subject", b" "))
    )
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject

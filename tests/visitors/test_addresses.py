"""Whose address is it? A typed address is not proven: it takes nobody's invitation, revives
nobody's cancelled registration, and its e-mail carries nothing typed but the name on the badge.
An address is proven by following a link sent to it: the invitation's, or the confirmation's."""

import re

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.programme.models import Invitation
from exhibition.visitors.models import Registration, RegistrationStatus
from tests.conftest import csrf_token, on_today, scan, write_outbox
from tests.programme.test_invitations import BAD_ROWS, accept_by_page, invite, tokens
from tests.visitors.test_registration_flow import form_data

DELEGATE = BAD_ROWS[0]  # Nguyễn Văn An, An.Nguyen@Example.com
ADDRESS = "an.nguyen@example.com"


def sign_up(app, client, **overrides):
    """The public form as rendered, its own button: returns the "my registration" path."""
    page = client.get("/events/expo-2026/register")
    response = client.post(
        "/events/expo-2026/register", data=form_data(app, page.text, **overrides)
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def latest_mail(app, to: str, kind: str = "confirmation") -> OutboxMessage:
    write_outbox(app)  # a confirmation is written by the mail worker
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(
                sa.func.lower(OutboxMessage.to_address) == to.lower(), OutboxMessage.kind == kind
            )
            .order_by(OutboxMessage.id.desc())
        )
        db.session.expunge(message)
        return message


def open_link_in(message: OutboxMessage) -> str:
    """The "Open my registration" button of a confirmation e-mail (a path on this server)."""
    match = re.search(r'href="http://testserver\.local(/r/[^"]+)"', message.body_html)
    return match.group(1).replace("&amp;", "&")


def door(app, make_device, session_id):
    token = make_device(name="Cửa hội trường")
    return lambda client, code, nonce: (
        client.post(
            "/api/v1/checkin",
            json={"code": code, "nonce": nonce, "session_id": session_id},
            headers={"Authorization": f"Bearer {token}"},
        ).json
    )


def test_typing_a_delegates_address_takes_nothing_of_the_invitation(
    app, client, make_event, make_session, make_device
):
    make_event(**on_today())
    session_id = make_session(title="Hội nghị ngành Công Thương cấp quận", access="invitation")
    invite(app, session_id, [DELEGATE])
    at_door = door(app, make_device, session_id)

    # Someone types the delegate's (public) address on the sign-up form.
    mine = sign_up(app, client, email=ADDRESS, full_name="Kẻ Mạo Danh")
    data = client.get(f"{mine}/my-data.json").json
    assert data["invitations"] == []
    badge = data["registration"]["badge_code"]
    assert at_door(client, badge, "1")["result"] == "not_registered"
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.registration_id)) is None

    # The delegate accepts by the invitation's own link: the typed registration is not theirs.
    assert accept_by_page(client, tokens(app)["An.Nguyen@example.com"]).status_code == 302
    with app.app_context():
        typed, delegate = db.session.scalars(sa.select(Registration).order_by(Registration.id))
        assert (typed.full_name, typed.status) == ("Kẻ Mạo Danh", RegistrationStatus.CANCELLED)
        assert (delegate.full_name, delegate.status) == (
            "Nguyễn Văn An",
            RegistrationStatus.CONFIRMED,
        )
        assert delegate.email_verified_at is not None
        assert db.session.scalar(sa.select(Invitation.registration_id)) == delegate.id
        delegate_badge = delegate.badge_code
    assert at_door(client, badge, "2")["result"] == "cancelled"
    assert at_door(client, delegate_badge, "3")["result"] == "ok"  # seated by accepting
    assert client.get(f"{mine}/my-data.json").json["invitations"] == []


def test_a_proven_registration_is_kept_when_its_holder_accepts_an_invitation(
    app, client, make_event, make_session
):
    make_event(**on_today())
    session_id = make_session(title="Hội nghị ngành Công Thương cấp quận", access="invitation")
    invite(app, session_id, [DELEGATE])
    mine = sign_up(app, client, email=ADDRESS, full_name="Nguyễn Văn An")
    link = open_link_in(latest_mail(app, ADDRESS))
    assert link.startswith(f"{mine.split('?')[0]}/proof/")
    opened = client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"].startswith(mine.split("?")[0])

    assert accept_by_page(client, tokens(app)["An.Nguyen@example.com"]).status_code == 302
    with app.app_context():
        (registration,) = db.session.scalars(sa.select(Registration)).all()
        assert registration.status is RegistrationStatus.CONFIRMED
        assert db.session.scalar(sa.select(Invitation.registration_id)) == registration.id
    assert [i["session"] for i in client.get(f"{mine}/my-data.json").json["invitations"]] == [
        "Hội nghị ngành Công Thương cấp quận"
    ]


def test_the_proof_link_marks_the_address_proven_and_a_forged_one_is_not_found(
    app, client, make_event
):
    make_event()
    mine = sign_up(app, client)
    other = sign_up(app, client, email="someone.else@example.com")
    link = open_link_in(latest_mail(app, "nhung.nguyen@example.com"))
    proof = link.split("/proof/")[1].split("?")[0]
    other_token = other.split("/r/")[1].split("?")[0]
    assert client.get(f"/r/{other_token}/proof/{proof}").status_code == 404  # another person's
    assert client.get(link.replace(proof, proof[:-3] + "xyz")).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.email_verified_at))) == 0
    assert client.get(link).status_code == 302
    with app.app_context():
        proven = db.session.scalar(
            sa.select(Registration).where(Registration.email_verified_at.is_not(None))
        )
        assert f"/r/{proven.manage_token}" in mine


def test_signing_up_after_a_cancellation_starts_afresh_and_sees_nothing_of_before(
    app, client, make_event, make_device
):
    make_event(**on_today())
    token = make_device()
    first = sign_up(app, client, full_name="Người Thứ Nhất")
    first_data = client.get(f"{first}/my-data.json").json
    assert (
        scan(client, token, first_data["registration"]["badge_code"], "n1").json["result"] == "ok"
    )
    cancel_path = first.split("?")[0] + "/cancel"
    page = client.get(cancel_path)
    assert client.post(cancel_path, data={"csrf_token": csrf_token(page.text)}).status_code == 302

    second = sign_up(app, client, full_name="Người Thứ Hai", consent_share_exhibitors=None)
    assert second.split("?")[0] != first.split("?")[0]
    data = client.get(f"{second}/my-data.json").json
    assert data["registration"]["full_name"] == "Người Thứ Hai"
    assert data["registration"]["badge_code"] != first_data["registration"]["badge_code"]
    assert data["scans"] == []
    assert data["registration"].get("checked_in_at") is None
    assert [(c["purpose"], c["granted"]) for c in data["consents"]] == [
        ("processing", True),
        ("share_exhibitors", False),
        ("news", False),
    ]
    assert [m["kind"] for m in data["emails"]] == ["confirmation"]
    # The cancelled registration keeps its own history; its badge still answers cancelled.
    assert client.get(f"{first}/my-data.json").json["scans"][0]["result"] == "ok"
    assert scan(client, token, first_data["registration"]["badge_code"], "n2").json["result"] == (
        "cancelled"
    )
    with app.app_context():
        statuses = db.session.scalars(sa.select(Registration.status).order_by(Registration.id))
        assert list(statuses) == [RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED]


def test_the_first_email_to_a_typed_address_carries_nothing_typed_but_the_badge_name(
    app, client, make_event
):
    make_event()
    lure = "Visit evil.example to claim your prize"
    sign_up(app, client, full_name="Trần Văn Bình", organisation=lure, job_title=lure)
    message = latest_mail(app, "nhung.nguyen@example.com")
    for body in (message.body_text, message.body_html):
        assert "evil.example" not in body
        assert body.count("Trần Văn Bình") == 1  # on the badge only
        assert "Kính gửi Quý Ông/Bà," in body
    assert "Trần Văn Bình" not in message.subject
    # Once the person followed the e-mail's link, their e-mails greet them by name.
    client.get(open_link_in(message))
    with app.app_context():
        from exhibition.visitors.changes import resend_confirmation

        resend_confirmation(registration=db.session.scalar(sa.select(Registration)))
        db.session.commit()
    again = latest_mail(app, "nhung.nguyen@example.com", kind="confirmation_resent")
    assert "Kính gửi Ông/Bà Trần Văn Bình," in again.body_text

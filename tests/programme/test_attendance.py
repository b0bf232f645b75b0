"""Attendance at a session's door: the check-in API with a checkpoint."""

from datetime import timedelta

from exhibition.checkin.models import Device, Scan
from exhibition.extensions import db
from exhibition.programme import seats
from exhibition.programme import services as programme
from exhibition.programme.models import (
    ConferenceSession,
    Invitation,
    InvitationStatus,
    Room,
    SessionBooking,
)
from exhibition.visitors.models import Registration
from tests.conftest import on_today, scan


def book(app, session_id, visitor_id):
    with app.app_context():
        seats.book(
            session=db.session.get(ConferenceSession, session_id),
            registration=db.session.get(Registration, visitor_id),
        )
        db.session.commit()


def at_session(client, token, code, nonce, session_id, type_="entry"):
    return client.post(
        "/api/v1/checkin",
        json={"code": code, "nonce": nonce, "type": type_, "session_id": session_id},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_session_door_says_ok_already_or_not_registered(
    app, client, make_event, make_session, make_visitor, make_device
):
    make_event(**on_today())
    seminar = make_session(title="Hội thảo số hoá")
    seated, stranger = make_visitor(), make_visitor()
    book(app, seminar, seated["id"])
    token = make_device(name="Cửa phòng 1")

    first = at_session(client, token, seated["badge_code"], "n1", seminar)
    assert first.status_code == 200
    assert first.json["result"] == "ok"
    assert first.json["session"]["title"] == "Hội thảo số hoá"
    again = at_session(client, token, seated["badge_code"], "n2", seminar)
    assert again.json["result"] == "already_checked_in"
    assert again.json["first_checked_in_at"]
    other = at_session(client, token, stranger["badge_code"], "n3", seminar)
    assert other.json["result"] == "not_registered"
    assert other.json["attendee"]["name"]
    # The session door does not check people in at the entrance.
    entrance = scan(client, token, seated["badge_code"], "n4")
    assert entrance.json["result"] == "ok"
    with app.app_context():
        booking = db.session.query(SessionBooking).one()
        assert booking.attended_at is not None
        results = sorted((s.session_id is not None, s.result.value) for s in db.session.query(Scan))
        assert results == [
            (False, "ok"),
            (True, "already_checked_in"),
            (True, "not_registered"),
            (True, "ok"),
        ]


def test_an_invited_delegate_is_let_in_and_bad_checkpoints_are_refused(
    app, client, make_event, make_session, make_visitor, make_device
):
    make_event()
    closed = make_session(title="Hội nghị khối quận, huyện", access="invitation")
    delegate = make_visitor()
    with app.app_context():
        person = db.session.get(Registration, delegate["id"])
        db.session.add(
            Invitation(
                event_id=person.event_id, session_id=closed, number=1, full_name=person.full_name,
                email=person.email, email_key=person.email_key, token="t" * 40,
                status=InvitationStatus.ACCEPTED, registration_id=person.id,
            )
        )  # fmt: skip
        db.session.commit()
    token = make_device()
    answer = at_session(client, token, delegate["badge_code"], "n1", closed)
    assert (answer.json["result"], answer.json["invited"]) == ("ok", True)
    for bad in (999999, "1", True, -3):
        refused = at_session(client, token, delegate["badge_code"], f"bad{bad}", bad)
        assert refused.status_code == 422, bad
        assert refused.json["error"]["code"] in ("unknown_session", "validation_failed")


def test_a_room_device_scans_for_the_session_on_in_its_room(
    app, client, make_event, make_session, make_visitor, make_device
):
    make_event()
    seminar = make_session(title="Buổi sáng", start_hours=0.25, hours=1)
    visitor = make_visitor()
    book(app, seminar, visitor["id"])
    token = make_device(name="Cửa phòng 1")
    with app.app_context():
        from exhibition.checkin.services import save_checkpoint

        device = db.session.query(Device).one()
        door = save_checkpoint(
            event=device.event, name_vi="Cửa phòng 1", room=db.session.query(Room).one()
        )
        device.checkpoint_id = door.id
        session = db.session.get(ConferenceSession, seminar)
        # The event starts 30 days from now: move the session so that it is on now.
        session.starts_at = (
            session.starts_at - (session.starts_at - programme.utcnow()) - timedelta(minutes=5)
        )
        session.ends_at = session.starts_at + timedelta(hours=1)
        db.session.commit()
    answer = scan(client, token, visitor["badge_code"], "n1")
    assert answer.json["result"] == "ok" and answer.json["session"]["id"] == seminar
    with app.app_context():
        session = db.session.get(ConferenceSession, seminar)
        session.starts_at = session.starts_at + timedelta(hours=3)
        session.ends_at = session.starts_at + timedelta(hours=1)
        db.session.commit()
    nothing_on = scan(client, token, visitor["badge_code"], "n2")
    assert nothing_on.json["result"] == "no_session"

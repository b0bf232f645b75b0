"""Seats in sessions: capacity holds under concurrency, the waiting list is served in order."""

import threading

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.programme import seats
from exhibition.programme.models import BookingStatus, ConferenceSession, SessionBooking
from exhibition.visitors.models import Registration
from tests.conftest import csrf_token
from tests.pages import form_posting_to


def statuses(app, session_id):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SessionBooking.status).where(SessionBooking.session_id == session_id)
        )
        counts: dict[str, int] = {}
        for status in rows:
            counts[status.value] = counts.get(status.value, 0) + 1
        taken = db.session.get(ConferenceSession, session_id).seats_taken
        return counts, taken


def test_visitor_signs_up_from_my_registration_and_leaves(
    app, client, make_event, make_session, make_visitor
):
    make_event()
    seminar = make_session(title="Hội thảo số hoá", capacity=1)
    first, second = make_visitor(), make_visitor()
    mine = f"/r/{first['manage_token']}"
    page = client.get(mine)
    assert "Hội thảo số hoá" in page.text
    join = form_posting_to(page.text, f"/sessions/{seminar}", mine)
    joined = client.post(join.action, data=join.data())
    assert joined.status_code == 302
    page = client.get(f"{mine}?lang=en")
    assert "Give up my seat" in page.text
    leave = form_posting_to(page.text, f"/sessions/{seminar}/leave", mine)
    # The same buttons asked for JSON (a script on the page would): the form's own token.
    theirs = f"/r/{second['manage_token']}"
    join = form_posting_to(client.get(theirs).text, f"/sessions/{seminar}", theirs)
    waiting = client.post(
        join.action, json={}, headers={"X-CSRFToken": join.control("csrf_token").value}
    )
    assert waiting.status_code == 200 and waiting.json["status"] == "waiting"
    assert statuses(app, seminar) == ({"seated": 1, "waiting": 1}, 1)
    left = client.post(
        leave.action, json={}, headers={"X-CSRFToken": leave.control("csrf_token").value}
    )
    assert left.status_code == 200
    assert statuses(app, seminar) == ({"cancelled": 1, "seated": 1}, 1)
    with app.app_context():
        (mail,) = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "session_promoted")
        ).all()
        assert mail.to_address == second["email"]
        assert "Hội thảo số hoá" in mail.subject


def test_sign_up_refusals_are_clear(app, client, make_event, make_session, make_visitor):
    make_event()
    hidden = make_session(title="Chưa công bố", published=False, room="Phòng A")
    closed = make_session(title="Hội nghị", access="invitation", room="Phòng B")
    visitor = make_visitor()
    token = csrf_token(client.get(f"/r/{visitor['manage_token']}").text)
    for session_id, status, code in (
        (hidden, 404, "session_not_found"),
        (closed, 403, "invitation_only"),
        (999999, 404, "session_not_found"),
    ):
        answer = client.post(
            f"/r/{visitor['manage_token']}/sessions/{session_id}",
            json={},
            headers={"X-CSRFToken": token},
        )
        assert (answer.status_code, answer.json["error"]["code"]) == (status, code)
    assert client.post(f"/r/{visitor['manage_token']}/sessions/{closed}").status_code == 400


def test_approval_sessions_wait_for_the_organiser(app, make_event, make_session, make_visitor):
    make_event()
    workshop = make_session(title="Workshop", access="approval", capacity=1)
    a, b = make_visitor(), make_visitor()
    with app.app_context():
        session = db.session.get(ConferenceSession, workshop)
        first = seats.book(session=session, registration=db.session.get(Registration, a["id"]))
        second = seats.book(session=session, registration=db.session.get(Registration, b["id"]))
        assert first.status is second.status is BookingStatus.REQUESTED
        seats.approve(booking=first)
        seats.approve(booking=second)
        assert (first.status, second.status) == (BookingStatus.SEATED, BookingStatus.WAITING)
        db.session.commit()
        kinds = sorted(db.session.scalars(sa.select(OutboxMessage.kind)).all())
        assert kinds.count("session_approved") == 1 and kinds.count("session_waiting") == 1


def test_a_hundred_sign_ups_at_once_for_ten_seats(app, make_event, make_session, make_visitor):
    """100 people for 10 seats on PostgreSQL; 20 for 10 on SQLite (which serialises writers)."""
    crowd = 100 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 20
    make_event()
    seminar = make_session(title="Hội thảo 10 chỗ", capacity=10)
    people = [make_visitor() for _ in range(crowd)]
    start = threading.Barrier(len(people))
    answers = []

    def visitor(person):
        client = app.test_client()
        token = csrf_token(client.get(f"/r/{person['manage_token']}").text)
        start.wait()
        response = client.post(
            f"/r/{person['manage_token']}/sessions/{seminar}",
            json={},
            headers={"X-CSRFToken": token},
        )
        answers.append((response.status_code, (response.json or {}).get("status")))

    threads = [threading.Thread(target=visitor, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert sorted(answers) == [(200, "seated")] * 10 + [(200, "waiting")] * (crowd - 10)
    assert statuses(app, seminar) == ({"seated": 10, "waiting": crowd - 10}, 10)

    # A cancellation promotes exactly one person, the first on the list, and e-mails them.
    with app.app_context():
        first_waiting = db.session.scalar(
            sa.select(SessionBooking)
            .where(SessionBooking.status == BookingStatus.WAITING)
            .order_by(SessionBooking.queued_at, SessionBooking.id)
        )
        expected = first_waiting.registration.email
        seated = db.session.scalar(
            sa.select(SessionBooking).where(SessionBooking.status == BookingStatus.SEATED)
        )
        promoted = seats.cancel_booking(booking=seated)
        db.session.commit()
        assert promoted.registration.email == expected
        mails = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "session_promoted")
        ).all()
        assert [m.to_address for m in mails] == [expected]
    assert statuses(app, seminar) == ({"seated": 10, "waiting": crowd - 11, "cancelled": 1}, 10)


def test_people_seated_are_told_when_a_session_moves_or_is_cancelled(
    app, make_event, make_session, make_visitor
):
    from datetime import timedelta

    from exhibition.programme import services

    make_event()
    seminar = make_session(title="Hội thảo dời lịch", capacity=1)
    seated, waiting = make_visitor(), make_visitor()
    with app.app_context():
        session = db.session.get(ConferenceSession, seminar)
        for person in (seated, waiting):
            seats.book(session=session, registration=db.session.get(Registration, person["id"]))
        services.place_session(
            session=session,
            room=session.room,
            starts_at=session.starts_at + timedelta(hours=2),
            ends_at=session.ends_at + timedelta(hours=2),
        )
        # Saving it again unchanged tells nobody.
        services.place_session(
            session=session, room=session.room, starts_at=session.starts_at, ends_at=session.ends_at
        )
        db.session.commit()
        changed = db.session.scalars(
            sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == "session_changed")
        ).all()
        assert sorted(changed) == sorted([seated["email"], waiting["email"]])
        assert services.delete_session(session=db.session.get(ConferenceSession, seminar)) == 2
        db.session.commit()
        cancelled = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "session_cancelled")
        ).all()
        assert len(cancelled) == 2 and "Hội thảo dời lịch" in cancelled[0].subject
        assert "Hội thảo dời lịch" in cancelled[0].body_text


def test_my_registration_page_queries_do_not_grow_with_the_seats(
    app, client, make_event, make_session, make_visitor
):
    """The sessions and rooms of a person's seats come with the seats (bench/public_pages.py
    found two queries per seat on "my registration")."""
    from tests.visitors.test_statement_count import statements

    make_event()
    visitor = make_visitor()
    path = f"/r/{visitor['manage_token']}"

    def join(session_id):
        token = csrf_token(client.get(path).text)
        answer = client.post(f"{path}/sessions/{session_id}", data={"csrf_token": token})
        assert answer.status_code == 302

    def counted():
        with statements(app) as seen:
            page = client.get(path)
        assert page.status_code == 200
        return len(seen), page.text

    join(make_session(title="Phiên một", room="Phòng 1", start_hours=1))
    one, _text = counted()
    for number in range(2, 5):
        join(make_session(title=f"Phiên {number}", room=f"Phòng {number}", start_hours=number))
    four, text = counted()
    assert "Phiên 4" in text and "Phòng 4" in text
    assert four == one

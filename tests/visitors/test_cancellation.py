"""Cancelling a registration gives up the person's seats, waiting-list places and requests in
sessions still to come; the first valid person waiting gets the seat and one e-mail. Cancelled or
erased people on a waiting list are never seated."""

import re
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from exhibition.dbtypes import utcnow
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.programme import seats
from exhibition.programme.models import BookingStatus, ConferenceSession, SessionBooking
from exhibition.visitors.models import Registration, RegistrationStatus
from tests.conftest import csrf_token, login_client
from tests.pages import form_posting_to


def _book(app, session_id, *people, now=None):
    with app.app_context():
        session = db.session.get(ConferenceSession, session_id)
        for person in people:
            seats.book(
                session=session, registration=db.session.get(Registration, person["id"]), now=now
            )
        db.session.commit()


def _statuses(app, session_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(SessionBooking.registration_id, SessionBooking.status).where(
                SessionBooking.session_id == session_id
            )
        ).all()
        taken = db.session.get(ConferenceSession, session_id).seats_taken
        return dict(rows), taken


def _promoted_mails(app, email):
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.kind == "session_promoted", OutboxMessage.to_address == email
            )
        )


def _cancel_from_my_registration(client, token):
    """Follow the "my registration" page's own cancel link, and press the confirming button of
    the form it shows (with that form's own hidden fields)."""
    page = client.get(f"/r/{token}?lang=en").text
    (href,) = re.findall(r'href="([^"]+)">Cancel my registration</a>', page)
    confirm = client.get(href).text
    (form,) = re.findall(r'<form method="post"[^>]*>.*?</form>', confirm, re.S)
    assert "Yes, cancel my registration" in form
    action = re.search(r'action="([^"]+)"', form.split(">", 1)[0])
    return client.post(action.group(1) if action else href, data={"csrf_token": csrf_token(form)})


def test_cancel_on_my_registration_seats_the_first_waiting_and_emails_them_once(
    app, client, make_event, make_session, make_visitor
):
    make_event()
    seminar = make_session(title="Hội thảo đầy chỗ", capacity=1)
    seated, first, second = make_visitor(), make_visitor(), make_visitor()
    _book(app, seminar, seated, first, second)
    assert _statuses(app, seminar) == (
        {
            seated["id"]: BookingStatus.SEATED,
            first["id"]: BookingStatus.WAITING,
            second["id"]: BookingStatus.WAITING,
        },
        1,
    )

    response = _cancel_from_my_registration(client, seated["manage_token"])

    assert response.status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, seated["id"])
        assert registration.status is RegistrationStatus.CANCELLED
    assert _statuses(app, seminar) == (
        {
            seated["id"]: BookingStatus.CANCELLED,
            first["id"]: BookingStatus.SEATED,
            second["id"]: BookingStatus.WAITING,
        },
        1,
    )
    assert _promoted_mails(app, first["email"]) == 1
    assert _promoted_mails(app, second["email"]) == 0


def test_cancel_gives_up_waiting_places_and_requests_and_keeps_past_bookings(
    app, client, make_event, make_session, make_visitor
):
    now = datetime.now(UTC)
    make_event(
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(days=2),
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now + timedelta(days=1),
    )
    past = make_session(title="Đã xong", start_hours=0, hours=1)
    full = make_session(title="Đã đầy", start_hours=5, capacity=1)
    workshop = make_session(title="Cần duyệt", start_hours=8, access="approval", room="Phòng 2")
    other, person = make_visitor(), make_visitor()
    _book(app, past, person, now=utcnow() - timedelta(hours=2))
    _book(app, full, other, person)
    _book(app, workshop, person)

    assert _cancel_from_my_registration(client, person["manage_token"]).status_code == 302

    assert _statuses(app, past) == ({person["id"]: BookingStatus.SEATED}, 1)
    assert _statuses(app, full) == (
        {other["id"]: BookingStatus.SEATED, person["id"]: BookingStatus.CANCELLED},
        1,
    )
    assert _statuses(app, workshop) == ({person["id"]: BookingStatus.CANCELLED}, 0)


def test_cancelled_and_erased_people_waiting_are_skipped_when_a_seat_frees(
    app, make_event, make_session, make_visitor
):
    make_event()
    seminar = make_session(capacity=1)
    seated, cancelled, erased, valid = (make_visitor() for _ in range(4))
    _book(app, seminar, seated, cancelled, erased, valid)
    with app.app_context():
        # Cancelled and erased earlier by a path that left them on the list (as before the fix,
        # or a row written directly): the list itself must not seat them.
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id == cancelled["id"])
            .values(status=RegistrationStatus.CANCELLED, cancelled_at=utcnow())
        )
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id == erased["id"])
            .values(erased_at=utcnow())
        )
        booking = seats.booking_of(
            session=db.session.get(ConferenceSession, seminar),
            registration=db.session.get(Registration, seated["id"]),
        )
        promoted = seats.cancel_booking(booking=booking)
        db.session.commit()
        assert promoted.registration_id == valid["id"]
    statuses, taken = _statuses(app, seminar)
    assert (statuses[cancelled["id"]], statuses[erased["id"]]) == (BookingStatus.WAITING,) * 2
    assert (statuses[valid["id"]], taken) == (BookingStatus.SEATED, 1)
    assert [_promoted_mails(app, p["email"]) for p in (cancelled, erased, valid)] == [0, 0, 1]


def test_a_cancelled_person_waiting_is_not_seated_when_the_seat_frees(
    app, client, make_event, make_session, make_visitor
):
    make_event()
    seminar = make_session(capacity=1)
    seated, cancelled, valid = make_visitor(), make_visitor(), make_visitor()
    _book(app, seminar, seated, cancelled, valid)
    assert _cancel_from_my_registration(client, cancelled["manage_token"]).status_code == 302

    assert _cancel_from_my_registration(client, seated["manage_token"]).status_code == 302

    statuses, taken = _statuses(app, seminar)
    assert statuses == {
        seated["id"]: BookingStatus.CANCELLED,
        cancelled["id"]: BookingStatus.CANCELLED,
        valid["id"]: BookingStatus.SEATED,
    }
    assert taken == 1
    assert [_promoted_mails(app, p["email"]) for p in (cancelled, valid)] == [0, 1]


def test_organiser_cancel_on_the_registration_page_seats_the_first_waiting(
    app, client, make_event, make_session, make_visitor
):
    make_event()
    seminar = make_session(capacity=1)
    seated, waiting = make_visitor(), make_visitor()
    _book(app, seminar, seated, waiting)
    login_client(app, client)
    detail = f"/admin/events/expo-2026/registrations/{seated['id']}"
    (link,) = re.findall(
        r'<a class="button danger" href="([^"]+/cancel)">', client.get(detail).text
    )
    confirm = client.get(link)  # the page asks first
    assert "Cancel the registration of" in confirm.text
    form = form_posting_to(confirm.text, "/cancel", link)

    response = client.post(form.action, data=form.data())

    assert response.status_code == 302
    assert _statuses(app, seminar) == (
        {seated["id"]: BookingStatus.CANCELLED, waiting["id"]: BookingStatus.SEATED},
        1,
    )
    assert _promoted_mails(app, waiting["email"]) == 1


def _staff_with_a_seat(
    app, client, make_event, make_floor, make_exhibitor, make_session, make_visitor
):
    """An exhibitor's staff member seated in a full session, a visitor waiting behind them."""
    from tests.booths.test_allocation_service import confirm_booth
    from tests.exhibitors.test_portal import add_staff, sign_in

    make_event()
    make_floor(count=1)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")
    seminar = make_session(capacity=1)
    sign_in(app, client)
    assert add_staff(client, "Nhân viên Một", "staff@example.com").status_code == 302
    with app.app_context():
        staff_id = db.session.scalar(
            sa.select(Registration.id).where(Registration.exhibitor_id == exhibitor)
        )
    staff, waiting = {"id": staff_id}, make_visitor()
    _book(app, seminar, staff, waiting)
    return exhibitor, seminar, staff, waiting


def test_exhibitor_removing_a_staff_member_seats_the_first_waiting(
    app, client, make_event, make_floor, make_exhibitor, make_session, make_visitor
):
    _, seminar, staff, waiting = _staff_with_a_seat(
        app, client, make_event, make_floor, make_exhibitor, make_session, make_visitor
    )
    portal = client.get("/events/expo-2026/portal/?lang=en").text
    action = f"/events/expo-2026/portal/staff/{staff['id']}/remove"
    (form,) = re.findall(rf'<form method="post" action="{action}"[^>]*>(.*?)</form>', portal, re.S)
    assert "Cancel badge" in form
    response = client.post(action, data={"csrf_token": csrf_token(form)})
    assert response.status_code == 302
    assert _statuses(app, seminar) == (
        {staff["id"]: BookingStatus.CANCELLED, waiting["id"]: BookingStatus.SEATED},
        1,
    )
    assert _promoted_mails(app, waiting["email"]) == 1


def test_cancelling_an_exhibitor_seats_the_first_waiting_behind_its_staff(
    app, client, make_event, make_floor, make_exhibitor, make_session, make_visitor
):
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
    from exhibition.exhibitors.services import change_status

    exhibitor, seminar, staff, waiting = _staff_with_a_seat(
        app, client, make_event, make_floor, make_exhibitor, make_session, make_visitor
    )
    with app.app_context():
        change_status(
            exhibitor=db.session.get(Exhibitor, exhibitor),
            to=ExhibitorStatus.CANCELLED,
            reason="Rút lui",
        )
        db.session.commit()
    assert _statuses(app, seminar) == (
        {staff["id"]: BookingStatus.CANCELLED, waiting["id"]: BookingStatus.SEATED},
        1,
    )
    assert _promoted_mails(app, waiting["email"]) == 1


def test_two_cancellations_at_once_free_the_seat_once(app, make_event, make_session, make_visitor):
    """A double click on the cancel button: both requests at the same moment."""
    from exhibition.accounts.models import AuditEntry

    make_event()
    seminar = make_session(capacity=1)
    seated, first, second = make_visitor(), make_visitor(), make_visitor()
    _book(app, seminar, seated, first, second)
    clients = [app.test_client() for _ in range(2)]
    url = f"/r/{seated['manage_token']}/cancel"
    tokens = [csrf_token(c.get(url).text) for c in clients]
    start = threading.Barrier(2)
    answers = []

    def press(client, token):
        start.wait()
        answers.append(client.post(url, data={"csrf_token": token}).status_code)

    threads = [
        threading.Thread(target=press, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [302, 302]
    assert _statuses(app, seminar) == (
        {
            seated["id"]: BookingStatus.CANCELLED,
            first["id"]: BookingStatus.SEATED,
            second["id"]: BookingStatus.WAITING,
        },
        1,
    )
    assert (_promoted_mails(app, first["email"]), _promoted_mails(app, second["email"])) == (1, 0)
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("registration.cancelled") == 1

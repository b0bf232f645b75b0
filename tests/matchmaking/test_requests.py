"""Requests and meetings through the services: every refusal, holds, booking, expiry, cancelling."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import (
    Meeting,
    MeetingRequest,
    MeetingSession,
    MeetingState,
    Participant,
    PlaceKind,
    RequestState,
)
from exhibition.matchmaking.participants import block
from exhibition.matchmaking.slots import slots_of
from tests.matchmaking.conftest import count, get


@pytest.fixture
def world(app, make_event, make_meeting_session, make_participant):
    make_event()
    sid = make_meeting_session()
    buyer = make_participant(side="buyer", company="Công ty Điện tử Hải Phòng")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    other = make_participant(side="supplier", company="Nhựa Tiền Phong")
    return {"session": sid, "buyer": buyer, "supplier": supplier, "other": other}


def ask(world, requester="buyer", recipient="supplier", slots=(0,), **kw):
    session = get(MeetingSession, world["session"])
    starts = [slots_of(session)[i] for i in slots]
    return mr.request_meeting(
        session=session,
        requester=get(Participant, world[requester]),
        recipient=get(Participant, world[recipient]),
        message=kw.pop("message", "Xin chào"),
        starts=starts,
        **kw,
    )


def mails(kind: str) -> int:
    return count(OutboxMessage, OutboxMessage.kind == kind)


def test_a_request_holds_its_slots_until_answered(app, world):
    with app.app_context():
        asked = ask(world, slots=(0, 2))
        db.session.commit()
        assert asked.created and asked.request.state is RequestState.PENDING
        assert mails("meeting_request") == 1
        # The same slots cannot be proposed to either person by anyone else.
        with pytest.raises(mr.SlotTaken) as refused:
            ask(world, requester="buyer", recipient="other", slots=(2,))
        starts = slots_of(get(MeetingSession, world["session"]))
        assert refused.value.alternatives == [starts[1], starts[3], starts[4]]


def test_accepting_books_the_slot_and_the_lowest_free_table(app, world):
    with app.app_context():
        request = ask(world, slots=(0, 1)).request
        session = get(MeetingSession, world["session"])
        mr.accept(
            request=request,
            participant=get(Participant, world["supplier"]),
            start=slots_of(session)[1],
        )
        db.session.commit()
        meeting = db.session.scalar(sa.select(Meeting))
        assert (meeting.starts_at, meeting.place_kind, meeting.table_number) == (
            slots_of(session)[1],
            PlaceKind.TABLE,
            1,
        )
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=20)
        assert request.state is RequestState.ACCEPTED
        assert mails("meeting_accepted") == 1
        assert mr.contact_shown(
            get(Participant, world["buyer"]), get(Participant, world["supplier"])
        )
        assert not mr.contact_shown(
            get(Participant, world["buyer"]), get(Participant, world["other"])
        )


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("self", mr.SelfRequest),
        ("same_company", mr.SameCompany),
        ("same_side", mr.SameSide),
        ("blocked", mr.NotAvailable),
        ("declined", mr.NotAvailable),
        ("closed", mr.OutsideWindow),
        ("not_open", mr.OutsideWindow),
        ("quota", mr.QuotaReached),
        ("long", mr.MessageTooLong),
        ("no_slot", mr.BadSlots),
        ("four_slots", mr.BadSlots),
    ],
)
def test_each_refusal_has_its_own_code(app, world, make_participant, case, error):
    extra = None
    if case == "same_company":
        extra = make_participant(side="supplier", company="  CÔNG TY ĐIỆN TỬ HẢI PHÒNG ")
    if case == "quota":
        world["buyer"] = make_participant(side="buyer", company="Mua hàng", limit=1)
    with app.app_context():
        session = get(MeetingSession, world["session"])
        buyer, supplier = get(Participant, world["buyer"]), get(Participant, world["supplier"])
        kwargs = {}
        if case == "self":
            kwargs = {"recipient": "buyer"}
        elif case == "same_company":
            world["x"] = extra
            kwargs = {"requester": "x", "recipient": "buyer"}
        elif case == "same_side":
            kwargs = {"requester": "supplier", "recipient": "other"}
        elif case == "blocked":
            block(participant=supplier, other=buyer)
        elif case == "declined":
            mr.decline(request=ask(world, slots=(3,)).request, participant=supplier, answer="Không")
        elif case == "closed":
            session.booking_closes_at = datetime.now(UTC) - timedelta(minutes=1)
            session.booking_opens_at = datetime.now(UTC) - timedelta(days=2)
        elif case == "not_open":
            session.booking_opens_at = datetime.now(UTC) + timedelta(hours=1)
        elif case == "quota":
            ask(world, recipient="other", slots=(4,))
        elif case == "long":
            kwargs = {"message": "x" * 10_000}
        elif case == "no_slot":
            kwargs = {"slots": ()}
        elif case == "four_slots":
            kwargs = {"slots": (0, 1, 2, 3)}
        db.session.flush()
        with pytest.raises(error) as refused:
            ask(world, **kwargs)
        assert refused.value.code == error.code
        assert str(refused.value.message)


def test_codes_of_refusals_are_distinct():
    codes = [
        cls.code
        for cls in (
            mr.SelfRequest,
            mr.SameCompany,
            mr.SameSide,
            mr.NotAvailable,
            mr.OutsideWindow,
            mr.QuotaReached,
            mr.MessageTooLong,
            mr.BadSlots,
            mr.SlotTaken,
        )
    ]
    assert len(set(codes)) == len(codes)


def test_a_second_request_for_the_pair_returns_the_pending_one(app, world):
    with app.app_context():
        first = ask(world, slots=(0,)).request
        again = ask(world, requester="supplier", recipient="buyer", slots=(1,))
        assert (again.created, again.request.id) == (False, first.id)
        assert count(MeetingRequest) == 1


def test_a_withdrawn_or_lapsed_request_gives_the_quota_back(app, world, make_participant):
    world["buyer"] = make_participant(side="buyer", company="Mua hàng", limit=1)
    with app.app_context():
        request = ask(world, slots=(0,)).request
        with pytest.raises(mr.QuotaReached):
            ask(world, recipient="other", slots=(1,))
        mr.withdraw(request=request, participant=get(Participant, world["buyer"]))
        second = ask(world, recipient="other", slots=(1,)).request
        second.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert mr.expire_due() == 1
        assert ask(world, slots=(2,)).created


def test_expiry_frees_the_slots_and_tells_each_side_once(app, world):
    with app.app_context():
        request = ask(world, slots=(0,)).request
        request.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert mr.expire_due() == 1
        assert mr.expire_due() == 0  # a second run (a restart) tells nobody again
        assert get(MeetingRequest, request.id).state is RequestState.EXPIRED
        assert mails("meeting_expired") == 2
        assert ask(world, recipient="other", slots=(0,)).created  # the slot is free again


def test_an_accepted_slot_taken_meanwhile_offers_three_common_free_slots(
    app, world, make_participant
):
    world["buyer2"] = make_participant(side="buyer", company="Ô tô Việt")
    with app.app_context():
        session = get(MeetingSession, world["session"])
        session.table_count = 1
        starts = slots_of(session)
        first = ask(world, slots=(0,)).request
        second = ask(world, requester="buyer2", recipient="other", slots=(0,)).request
        mr.accept(request=second, participant=get(Participant, world["other"]))
        db.session.commit()
        with pytest.raises(mr.SlotTaken) as refused:
            mr.accept(request=first, participant=get(Participant, world["supplier"]))
        assert refused.value.alternatives == starts[1:4]
        db.session.rollback()
        assert get(MeetingRequest, first.id).state is RequestState.PENDING


def test_a_meeting_is_cancelled_until_it_starts_and_late_within_two_hours(app, world):
    with app.app_context():
        request = ask(world, slots=(0,)).request
        supplier = get(Participant, world["supplier"])
        mr.accept(request=request, participant=supplier)
        meeting = db.session.scalar(sa.select(Meeting))
        late_now = meeting.starts_at - timedelta(hours=1)
        mr.cancel_meeting(meeting=meeting, participant=supplier, now=late_now)
        mr.cancel_meeting(meeting=meeting, participant=supplier, now=late_now)  # twice: no-op
        db.session.commit()
        assert (meeting.state, meeting.cancelled_late, meeting.sequence) == (
            MeetingState.CANCELLED,
            True,
            1,
        )
        assert mails("meeting_cancelled") == 1  # the buyer only
        assert get(MeetingRequest, request.id).state is RequestState.CANCELLED
        # The slot and the table are free again.
        assert ask(world, recipient="other", slots=(0,)).created


def test_a_started_meeting_cannot_be_cancelled(app, world):
    with app.app_context():
        request = ask(world, slots=(0,)).request
        supplier = get(Participant, world["supplier"])
        mr.accept(request=request, participant=supplier)
        meeting = db.session.scalar(sa.select(Meeting))
        with pytest.raises(mr.TooLate):
            mr.cancel_meeting(meeting=meeting, participant=supplier, now=meeting.starts_at)


def test_only_the_recipient_answers_and_only_once(app, world):
    with app.app_context():
        request = ask(world, slots=(0,)).request
        buyer, supplier = get(Participant, world["buyer"]), get(Participant, world["supplier"])
        with pytest.raises(mr.NotFound):
            mr.accept(request=request, participant=buyer)
        mr.decline(request=request, participant=supplier, answer="<b>Không</b>")
        with pytest.raises(mr.NotPending):
            mr.accept(request=request, participant=supplier)
        assert mails("meeting_declined") == 1


def test_a_request_cannot_be_accepted_once_booking_has_closed(app, world):
    with app.app_context():
        request = ask(world, slots=(0,)).request
        session = get(MeetingSession, world["session"])
        session.booking_closes_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
        with pytest.raises(mr.OutsideWindow):
            mr.accept(request=request, participant=get(Participant, world["supplier"]))


def test_a_proposal_the_session_no_longer_has_cannot_be_booked(app, world):
    with app.app_context():
        request = ask(world, slots=(1,)).request
        session = get(MeetingSession, world["session"])
        session.buffer_minutes = 10  # the second slot now starts at 09:00, not 08:55
        db.session.commit()
        with pytest.raises(mr.BadSlots):
            mr.accept(request=request, participant=get(Participant, world["supplier"]))
        assert count(Meeting) == 0


def test_a_slot_during_a_conference_seat_is_neither_offered_nor_booked(app, world, make_session):
    from exhibition.programme import seats
    from exhibition.programme.models import ConferenceSession
    from exhibition.visitors.models import Registration

    with app.app_context():
        session = get(MeetingSession, world["session"])
        starts = slots_of(session)
        event = session.event
    # A seminar from the second slot's start for half an hour, and the supplier holds a seat.
    sid = make_session(start_hours=0, hours=0.5, capacity=10)
    with app.app_context():
        seminar = get(ConferenceSession, sid)
        seminar.starts_at, seminar.ends_at = starts[1], starts[1] + timedelta(minutes=30)
        supplier = get(Participant, world["supplier"])
        seats.book(session=seminar, registration=get(Registration, supplier.registration_id))
        db.session.commit()
        buyer = get(Participant, world["buyer"])
        free = mr.free_common_slots(
            get(MeetingSession, world["session"]), buyer, supplier, now=datetime.now(UTC)
        )
        assert starts[1] not in free and starts[2] not in free and starts[0] in free
        with pytest.raises(mr.SlotTaken):
            ask(world, slots=(1,))
        assert event is not None


def test_an_address_typed_on_the_form_is_not_in_the_directory_until_proven(app, world):
    from exhibition.matchmaking.participants import AddressNotProven, directory, listed_participant
    from exhibition.visitors.models import Registration, RegistrationSource

    with app.app_context():
        supplier = get(Participant, world["supplier"])
        registration = get(Registration, supplier.registration_id)
        registration.source = RegistrationSource.ONLINE
        registration.email_verified_at = None
        db.session.commit()
        listed = db.session.scalars(directory(event=registration.event)).all()
        assert supplier not in listed
        with pytest.raises(AddressNotProven):
            listed_participant(registration)
        registration.email_verified_at = datetime.now(UTC)
        db.session.commit()
        assert supplier in db.session.scalars(directory(event=registration.event)).all()


def test_cancelling_a_registration_cancels_its_meetings_drafts_too(app, world):
    from exhibition.visitors.changes import cancel_registration
    from exhibition.visitors.models import Registration

    with app.app_context():
        request = ask(world, slots=(0,)).request
        supplier = get(Participant, world["supplier"])
        mr.accept(request=request, participant=supplier)
        other = ask(world, recipient="other", slots=(1,)).request
        mr.accept(request=other, participant=get(Participant, world["other"]))
        draft = db.session.scalar(sa.select(Meeting).where(Meeting.request_id == other.id))
        draft.published = False  # as a draft of the organisers' schedule would be
        db.session.commit()
        buyer = get(Participant, world["buyer"])
        cancel_registration(registration=get(Registration, buyer.registration_id))
        db.session.commit()
        states = set(db.session.scalars(sa.select(Meeting.state)))
        assert states == {MeetingState.CANCELLED}
        assert mails("meeting_cancelled") == 1  # the supplier of the published one only
        assert not get(Participant, world["buyer"]).listed


def test_erasure_blanks_the_profile_and_the_messages_and_my_data_holds_them_before(app, world):
    from exhibition.visitors.erasure import erase_registration
    from exhibition.visitors.models import Registration
    from exhibition.visitors.personal_data import export_personal_data

    with app.app_context():
        request = ask(world, slots=(0,), message="Số điện thoại riêng 0912 000 111").request
        buyer = get(Participant, world["buyer"])
        registration = get(Registration, buyer.registration_id)
        mine = export_personal_data(registration=registration)["business_matching"]
        assert mine["company"] == "Công ty Điện tử Hải Phòng"
        assert mine["requests"][0]["message"] == "Số điện thoại riêng 0912 000 111"
        erase_registration(registration=registration, reason="person")
        db.session.commit()
        buyer = get(Participant, world["buyer"])
        assert (buyer.company, buyer.offer, buyer.search_text, buyer.listed) == ("", "", "", False)
        assert get(MeetingRequest, request.id).message == ""
        assert get(MeetingRequest, request.id).state is RequestState.CANCELLED

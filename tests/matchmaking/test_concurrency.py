"""Accepting meeting requests at the same moment, on PostgreSQL, through the participant API: each
thread is its own client (its own app context, database session and connection)."""

import threading
from datetime import UTC

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import (
    Hold,
    Meeting,
    MeetingRequest,
    MeetingSession,
    MeetingState,
    Participant,
    PlaceUse,
    Proposal,
    RequestState,
)
from exhibition.matchmaking.slots import slots_of
from tests.conftest import _app_fixture, _pg_url
from tests.matchmaking.conftest import count, get

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(tmp_path_factory, tmp_path):
    """The app on PostgreSQL only (skipped without TEST_DATABASE_URL)."""
    yield from _app_fixture(_pg_url(tmp_path_factory), tmp_path)


def iso(start) -> str:
    return start.astimezone(UTC).isoformat()


def all_at_once(app, calls) -> list:
    """Run each (url, body) as a POST from its own client in its own thread, all released
    together; their (status, JSON) in the order given."""
    start = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, url, body):
        client = app.test_client()  # each request pushes its own app context
        start.wait()
        response = client.post(url, json=body)
        answers[index] = (response.status_code, response.get_json())

    threads = [
        threading.Thread(target=run, args=(i, url, body)) for i, (url, body) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_twenty_accepting_for_the_last_free_table_book_it_once(
    app, make_event, make_meeting_session, make_participant
):
    make_event()
    sid = make_meeting_session(table_count=1)
    pairs = [
        (
            make_participant(side="buyer", company=f"Người mua {n}"),
            make_participant(side="supplier", company=f"Nhà cung cấp {n}"),
        )
        for n in range(20)
    ]
    with app.app_context():
        session = get(MeetingSession, sid)
        first = slots_of(session)[0]
        calls = []
        for buyer, supplier in pairs:
            request = mr.request_meeting(
                session=session,
                requester=get(Participant, buyer),
                recipient=get(Participant, supplier),
                starts=[first],
            ).request
            token = get(Participant, supplier).registration.manage_token
            calls.append(
                (f"/api/v1/matching/{token}/requests/{request.id}/accept", {"slot": iso(first)})
            )
        db.session.commit()
        expected = [iso(s) for s in slots_of(session)[1:4]]

    answers = all_at_once(app, calls)

    booked = [a for a in answers if a[0] == 200]
    taken = [a for a in answers if a[0] == 409]
    assert len(booked) == 1 and len(taken) == 19
    assert {body["error"]["code"] for _, body in taken} == {"slot_taken"}
    for _, body in taken:
        got = [s.replace("Z", "+00:00") for s in body["error"]["alternatives"]]
        assert got == expected
    with app.app_context():
        assert count(Meeting, Meeting.state == MeetingState.SCHEDULED) == 1
        assert count(PlaceUse) == 1 and count(Hold) == 2
        assert count(MeetingRequest, MeetingRequest.state == RequestState.ACCEPTED) == 1
        assert count(MeetingRequest, MeetingRequest.state == RequestState.PENDING) == 19


def test_one_person_accepting_two_requests_for_one_slot_at_once_books_one(
    app, make_event, make_meeting_session, make_participant
):
    make_event()
    sid = make_meeting_session(table_count=5)
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    first_buyer = make_participant(side="buyer", company="Điện tử Hải Phòng")
    second_buyer = make_participant(side="buyer", company="Nhựa Tiền Phong")
    with app.app_context():
        session = get(MeetingSession, sid)
        start = slots_of(session)[0]
        one = mr.request_meeting(
            session=session,
            requester=get(Participant, first_buyer),
            recipient=get(Participant, supplier),
            starts=[start],
        ).request
        # The service refuses a second proposal of a slot already held: made directly.
        low, high = sorted((second_buyer, supplier))
        two = MeetingRequest(
            session_id=sid,
            requester_id=second_buyer,
            recipient_id=supplier,
            pair_low=low,
            pair_high=high,
            expires_at=one.expires_at,
            proposals=[Proposal(starts_at=start)],
        )
        db.session.add(two)
        db.session.commit()
        token = get(Participant, supplier).registration.manage_token
        calls = [
            (f"/api/v1/matching/{token}/requests/{r.id}/accept", {"slot": iso(start)})
            for r in (one, two)
        ]

    answers = all_at_once(app, calls)

    assert sorted(status for status, _ in answers) == [200, 409]
    refused = next(body for status, body in answers if status == 409)
    assert refused["error"]["code"] == "slot_taken"
    with app.app_context():
        meetings = db.session.scalars(sa.select(Meeting)).all()
        assert len(meetings) == 1 and meetings[0].starts_at == start
        assert count(Hold, Hold.participant_id == supplier) == 1

"""Rating a meeting after its slot: once per side, not before its end, the note's length, and the
page a participant rates on."""

from datetime import timedelta

import lxml.html
import pytest

from exhibition.extensions import db
from exhibition.matchmaking import outcomes
from exhibition.matchmaking.models import Meeting, Outcome, Participant, Rating
from tests.conftest import csrf_token
from tests.matchmaking.conftest import count, get
from tests.matchmaking.past import meet, past_session


@pytest.fixture
def held(app, make_event, make_meeting_session, make_participant, make_visitor):
    make_event()
    sid = past_session(make_meeting_session)
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    with app.app_context():
        meeting = meet(sid, buyer, supplier)
        tokens = {
            f"{name}_token": get(Participant, p).registration.manage_token
            for name, p in (("buyer", buyer), ("supplier", supplier))
        }
    return {"session": sid, "meeting": meeting, "buyer": buyer, "supplier": supplier, **tokens}


def url(world, side="buyer"):
    return f"/r/{world[side + '_token']}/matching/meetings/{world['meeting']}/rate"


def test_each_side_rates_once(app, held):
    with app.app_context():
        meeting = get(Meeting, held["meeting"])
        buyer, supplier = get(Participant, held["buyer"]), get(Participant, held["supplier"])
        outcomes.rate(
            meeting=meeting, participant=buyer, outcome=Outcome.COOPERATION, note="Hẹn gặp lại"
        )
        outcomes.rate(meeting=meeting, participant=supplier, outcome=Outcome.INFORMATIVE)
        with pytest.raises(outcomes.AlreadyRated):
            outcomes.rate(meeting=meeting, participant=buyer, outcome=Outcome.NO_INTEREST)
        db.session.commit()
        assert count(Rating) == 2
        assert outcomes.rating_of(meeting, buyer).outcome is Outcome.COOPERATION
        assert outcomes.rating_of(meeting, buyer).note == "Hẹn gặp lại"


def test_a_meeting_is_not_rated_before_its_end(app, held):
    with app.app_context():
        meeting = get(Meeting, held["meeting"])
        buyer = get(Participant, held["buyer"])
        with pytest.raises(outcomes.NotYetOver):
            outcomes.rate(
                meeting=meeting,
                participant=buyer,
                outcome=Outcome.COOPERATION,
                now=meeting.ends_at - timedelta(seconds=1),
            )
        rating = outcomes.rate(
            meeting=meeting, participant=buyer, outcome=Outcome.NOT_HELD, now=meeting.ends_at
        )
        assert rating.outcome is Outcome.NOT_HELD


def test_the_note_is_at_most_500_characters(app, held):
    with app.app_context():
        meeting = get(Meeting, held["meeting"])
        buyer = get(Participant, held["buyer"])
        with pytest.raises(outcomes.NoteTooLong):
            outcomes.rate(
                meeting=meeting, participant=buyer, outcome=Outcome.COOPERATION, note="x" * 501
            )
        assert (
            outcomes.rate(
                meeting=meeting, participant=buyer, outcome=Outcome.COOPERATION, note="x" * 500
            ).note
            == "x" * 500
        )


def test_someone_else_cannot_rate_the_meeting(app, held, make_participant):
    stranger = make_participant(side="buyer", company="Thép Việt")
    with app.app_context():
        with pytest.raises(outcomes.NotFound):
            outcomes.rate(
                meeting=get(Meeting, held["meeting"]),
                participant=get(Participant, stranger),
                outcome=Outcome.COOPERATION,
            )
        token = get(Participant, stranger).registration.manage_token
    held["stranger_token"] = token
    with app.test_client() as client:
        assert client.get(url(held, "stranger")).status_code == 404


def test_rating_on_the_page_saves_it_and_escapes_the_note(app, client, held):
    page = client.get(url(held))
    assert page.status_code == 200
    form = lxml.html.fromstring(page.data).forms[0]
    choices = [i.get("value") for i in form.inputs if i.get("name") == "outcome"]
    assert choices == ["not_held", "no_interest", "informative", "cooperation"]
    answer = client.post(
        url(held),
        data={
            "csrf_token": csrf_token(page.text),
            "outcome": "cooperation",
            "note": "<script>alert(1)</script> hợp tác",
        },
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hợp tác" in answer.text
    assert not lxml.html.fromstring(answer.data).forms  # rated: no form any more
    again = client.post(
        url(held), data={"csrf_token": csrf_token(page.text), "outcome": "no_interest"}
    )
    assert again.status_code == 200
    with app.app_context():
        assert [(r.outcome, r.participant_id) for r in db.session.scalars(db.select(Rating))] == [
            (Outcome.COOPERATION, held["buyer"])
        ]


def test_the_page_refuses_a_note_too_long_and_a_missing_choice(app, client, held):
    page = client.get(url(held))
    token = csrf_token(page.text)
    long = client.post(
        url(held), data={"csrf_token": token, "outcome": "cooperation", "note": "x" * 501}
    )
    assert long.status_code == 422
    none = client.post(url(held), data={"csrf_token": token, "note": "ok"})
    assert none.status_code == 422
    with app.app_context():
        assert count(Rating) == 0


def test_a_meeting_ahead_shows_no_form(
    app, client, make_event, make_meeting_session, make_participant
):
    make_event()
    sid = make_meeting_session()  # on the exhibition's first day, ahead
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    with app.app_context():
        from exhibition.matchmaking import requests as mr
        from exhibition.matchmaking.models import MeetingSession
        from exhibition.matchmaking.slots import slots_of

        session = get(MeetingSession, sid)
        asked = mr.request_meeting(
            session=session,
            requester=get(Participant, buyer),
            recipient=get(Participant, supplier),
            starts=[slots_of(session)[0]],
        )
        mr.accept(request=asked.request, participant=get(Participant, supplier))
        db.session.commit()
        meeting = db.session.scalar(db.select(Meeting.id))
        token = get(Participant, buyer).registration.manage_token
    page = client.get(f"/r/{token}/matching/meetings/{meeting}/rate")
    assert page.status_code == 200
    assert not lxml.html.fromstring(page.data).forms
    with app.app_context():
        assert count(Rating) == 0

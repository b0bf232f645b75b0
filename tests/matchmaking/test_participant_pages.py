"""Business matching's pages under "my registration", each form sent as its page renders it, and
their JSON answers (the participant API): joining, the directory, profiles, requests and their
answers, every refusal with its own message, foreign ids, long and hostile text, privacy."""

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
    RequestState,
)
from exhibition.matchmaking.slots import slots_of
from exhibition.visitors.models import ConsentPurpose, Registration
from tests.matchmaking.conftest import count, get
from tests.pages import form_posting_to

HTML = '<script>alert("x")</script><b>bold</b>'
JSON = {"Accept": "application/json"}


def api(token: str) -> str:
    """The participant API of the person behind `token` (no CSRF: the link authenticates)."""
    return f"/api/v1/matching/{token}"


def said(app, error) -> str:
    """A refusal's message as the pages show it (in Vietnamese, the default)."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("vi"):
        return str(error.message)


def token_of(app, participant_id: int) -> str:
    with app.app_context():
        return get(Participant, participant_id).registration.manage_token


def read(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def send(client, page_url: str, action: str, status=None, **typed):
    """Post the form of `page_url` whose action ends with `action`, as it is rendered."""
    form = form_posting_to(read(client, page_url), action, page_url)
    response = client.post(form.action, data=form.data(**typed))
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def flashed(client, token: str) -> str:
    return read(client, f"/r/{token}")


def slot_value(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def world(app, make_event, make_meeting_session, make_participant):
    make_event()
    sid = make_meeting_session()
    buyer = make_participant(
        side="buyer", company="Công ty Điện tử Hải Phòng", full_name="Trần Văn Bình"
    )
    supplier = make_participant(
        side="supplier",
        company="Cơ khí Hải An",
        full_name="Lê Thị Hoa",
        province_code="HN",
        job_title="Giám đốc kỹ thuật",
    )
    other = make_participant(side="supplier", company="Nhựa Tiền Phong", full_name="Phạm An")
    with app.app_context():
        starts = slots_of(get(MeetingSession, sid))
    return {
        "session": sid,
        "buyer": buyer,
        "supplier": supplier,
        "other": other,
        "starts": starts,
        "token": {
            k: token_of(app, v)
            for k, v in (("buyer", buyer), ("supplier", supplier), ("other", other))
        },
    }


def ask_page(world, who="buyer", whom="supplier") -> str:
    return f"/r/{world['token'][who]}/matching/people/{world[whom]}/request"


def ask_by_page(client, world, who="buyer", whom="supplier", slots=(0,), **typed):
    values = [slot_value(world["starts"][i]) for i in slots]
    return send(client, ask_page(world, who, whom), "/request", slots=values, **typed)


# ---------------------------------------------------------------- joining and leaving


def test_joining_from_my_registration_records_the_consent_and_lists_the_person(
    app, client, make_event, make_meeting_session, make_visitor
):
    make_event()
    make_meeting_session()
    key = make_visitor(organisation="Công ty Cơ khí Đông Á")
    page = f"/r/{key['manage_token']}"
    html = read(client, page)
    assert 'id="matchmaking"' in html
    form = form_posting_to(html, "/matching/profile", page)
    assert form.control("company").value == "Công ty Cơ khí Đông Á"
    assert form.control("side").checked is False or True  # a radio group: buyer preselected
    response = client.post(form.action, data=form.data(offer="Tìm nhà cung cấp khuôn mẫu"))
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, key["id"])
        consent = registration.consent_for(ConsentPurpose.MATCHMAKING)
        assert consent.granted and consent.wording_version == registration.event.consent_version
        participant = db.session.scalar(sa.select(Participant))
        assert (participant.listed, participant.side.value, participant.company) == (
            True,
            "buyer",
            "Công ty Cơ khí Đông Á",
        )
        assert [s.code for s in participant.sectors] == ["mechanical"]
    html = read(client, page)
    assert "Rời khỏi kết nối giao thương" in html or "/matching/leave" in html
    send(client, page, "/matching/leave", status=302)
    with app.app_context():
        registration = db.session.get(Registration, key["id"])
        assert registration.consent_for(ConsentPurpose.MATCHMAKING).granted is False
        assert db.session.scalar(sa.select(Participant.listed)) is False


def test_no_matchmaking_section_without_a_session(app, client, make_event, make_visitor):
    make_event()
    key = make_visitor()
    assert 'id="matchmaking"' not in read(client, f"/r/{key['manage_token']}")
    assert client.get(f"/r/{key['manage_token']}/matching/profile").status_code == 404


def test_a_person_not_listed_is_sent_to_join_first(app, client, world, make_visitor):
    key = make_visitor()
    response = client.get(f"/r/{key['manage_token']}/matching")
    assert response.status_code == 302 and response.location.endswith("#matchmaking")
    answer = client.get(f"{api(key['manage_token'])}/people")
    assert (answer.status_code, answer.json["error"]["code"]) == (403, "not_listed")


def test_profile_with_bad_limit_and_long_offer_gives_field_errors(app, client, world):
    page = f"/r/{world['token']['buyer']}/matching/profile"
    response = send(client, page, "/matching/profile", meeting_limit="0", offer="x" * 10_000)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 2


# ---------------------------------------------------------------- the directory


def test_directory_search_ignores_diacritics(app, client, world):
    page = f"/r/{world['token']['buyer']}/matching"
    html = read(client, page + "?q=co+khi+hai+an")
    assert "Cơ khí Hải An" in html and "Nhựa Tiền Phong" not in html
    html = read(client, page)
    assert "Cơ khí Hải An" in html and "Nhựa Tiền Phong" in html
    assert "Công ty Điện tử Hải Phòng" not in html  # not oneself


def test_directory_filters_by_side_sector_and_province(app, client, world):
    page = f"/r/{world['token']['other']}/matching"
    html = read(client, page + "?side=buyer")
    assert "Công ty Điện tử Hải Phòng" in html and "Cơ khí Hải An" not in html
    html = read(client, page + "?province=HN")
    assert "Cơ khí Hải An" in html and "Công ty Điện tử Hải Phòng" not in html
    html = read(client, page + "?sector=electronics")
    assert "Cơ khí Hải An" not in html
    answer = client.get(f"{api(world['token']['other'])}/people?side=supplier").json
    assert [p["company"] for p in answer["people"]] == ["Cơ khí Hải An"]
    assert answer["people"][0]["email"] is None


def test_hidden_job_title_and_province_are_not_shown(app, client, world):
    with app.app_context():
        supplier = get(Participant, world["supplier"])
        supplier.show_job_title = False
        supplier.show_province = False
        db.session.commit()
    token = world["token"]["buyer"]
    for url in (f"/r/{token}/matching", f"/r/{token}/matching/people/{world['supplier']}"):
        html = read(client, url)
        assert "Lê Thị Hoa" in html
        shown = html.split("matching-directory")[-1]  # past the filters' list of provinces
        assert "Giám đốc kỹ thuật" not in shown and "Hà Nội" not in shown
    html = read(client, f"/r/{token}/matching?province=HN")
    assert "Lê Thị Hoa" not in html  # a hidden province is not searched by either
    person = client.get(f"{api(token)}/people/{world['supplier']}").json
    assert (person["job_title"], person["province"]) == (None, None)


def test_contacts_are_shown_only_once_a_meeting_is_accepted(app, client, world):
    token = world["token"]
    profile = f"/r/{token['buyer']}/matching/people/{world['supplier']}"
    assert "visitor2@example.com" not in read(client, profile)
    ask_by_page(client, world, message="Chào chị", status=302)
    assert "visitor2@example.com" not in read(client, profile)
    send(client, f"/r/{token['supplier']}", "/accept", status=302)
    assert "visitor2@example.com" in read(client, profile)
    back = f"/r/{token['supplier']}/matching/people/{world['buyer']}"
    assert "visitor1@example.com" in read(client, back)


# ---------------------------------------------------------------- asking and answering


def test_requesting_and_accepting_through_the_pages_books_a_table(app, client, world):
    token = world["token"]
    html = read(client, ask_page(world))
    assert slot_value(world["starts"][0]) in html
    response = ask_by_page(client, world, slots=(1, 2), message="Xin gặp để bàn về khuôn mẫu")
    assert response.status_code == 302
    assert "Xin gặp để bàn về khuôn mẫu" in flashed(client, token["supplier"])
    page = f"/r/{token['supplier']}"
    form = form_posting_to(read(client, page), "/accept", page)
    with app.app_context():
        request_id = db.session.scalar(sa.select(MeetingRequest.id))
    slot_name = f"r{request_id}-slot"
    response = client.post(
        form.action, data=form.data(**{slot_name: slot_value(world["starts"][2])})
    )
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert (meeting.starts_at, meeting.table_number) == (world["starts"][2], 1)
    for who in ("buyer", "supplier"):
        html = read(client, f"/r/{token[who]}")
        meeting_item = html.split('id="meeting-')[1].split("</li>")[0]
        assert "1 · Phòng họp B" in meeting_item


def test_declining_with_a_message_tells_the_requester(app, client, world):
    ask_by_page(client, world, status=302)
    page = f"/r/{world['token']['supplier']}"
    with app.app_context():
        request_id = db.session.scalar(sa.select(MeetingRequest.id))
    send(client, page, "/decline", status=302, **{f"r{request_id}-answer": "Hẹn dịp khác " + HTML})
    with app.app_context():
        request = db.session.get(MeetingRequest, request_id)
        assert request.state is RequestState.DECLINED
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "meeting_declined")
        )
        assert "<script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html
    html = read(client, f"/r/{world['token']['buyer']}")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_withdrawing_gives_the_quota_back(app, client, world, make_participant):
    with app.app_context():
        get(Participant, world["buyer"]).meeting_limit = 1
        db.session.commit()
    ask_by_page(client, world, status=302)
    response = ask_by_page(client, world, whom="other", slots=(3,))
    assert response.status_code == 422
    assert said(app, mr.QuotaReached) in response.get_data(as_text=True)
    send(client, f"/r/{world['token']['buyer']}", "/withdraw", status=302)
    ask_by_page(client, world, whom="other", slots=(3,), status=302)


def test_every_refusal_says_its_own_message(app, client, world, make_participant):
    """Each refusal, through the JSON API with its code, and through the page with its message."""
    token = world["token"]
    base = f"{api(token['buyer'])}/people"
    first = slot_value(world["starts"][0])

    def post(whom, **body):
        body.setdefault("session_id", world["session"])
        body.setdefault("slots", [first])
        return client.post(f"{base}/{whom}/request", json=body)

    def code(response):
        return response.status_code, response.json["error"]["code"]

    assert code(post(world["buyer"])) == (409, "self_request")
    colleague = make_participant(side="supplier", company="Công ty Điện tử Hải Phòng")
    assert code(post(colleague)) == (409, "same_company")
    assert code(post(world["other"], message="x" * 501)) == (422, "message_too_long")
    assert code(post(world["other"], slots=[])) == (422, "invalid_slots")
    with app.app_context():
        other = get(Participant, world["other"])
        from exhibition.matchmaking.participants import block

        block(participant=other, other=get(Participant, world["buyer"]))
        db.session.commit()
    assert code(post(world["other"])) == (409, "not_available")
    # Declined once: the same person cannot ask again in the session.
    asked = post(world["supplier"])
    assert asked.status_code == 201
    request_id = asked.json["request"]["id"]
    again = post(world["supplier"])
    assert (again.status_code, again.json["created"]) == (200, False)
    assert again.json["request"]["id"] == request_id
    declined = client.post(
        f"{api(token['supplier'])}/requests/{request_id}/decline", json={"message": "Không"}
    )
    assert declined.status_code == 200 and declined.json["request"]["state"] == "declined"
    assert code(post(world["supplier"])) == (409, "not_available")
    # Over the quota, and outside the booking window.
    third = make_participant(side="supplier", company="Thép Việt")
    with app.app_context():
        get(Participant, world["buyer"]).meeting_limit = 1
        db.session.commit()
    fourth = make_participant(side="supplier", company="Khuôn mẫu Sao Đỏ")
    assert post(third).status_code == 201
    assert code(post(fourth, slots=[slot_value(world["starts"][1])])) == (409, "quota_reached")
    with app.app_context():
        session = get(MeetingSession, world["session"])
        session.booking_closes_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert code(post(fourth, slots=[slot_value(world["starts"][1])])) == (409, "booking_closed")
    # The page says the same, in the person's words, next to the form.
    response = send(
        client,
        f"/r/{token['buyer']}/matching/people/{fourth}/request",
        "/request",
        slots=[],
    )
    assert response.status_code == 422


@pytest.mark.parametrize("whom", ["buyer", "colleague"])
def test_refusals_on_the_page_show_their_message(app, client, world, make_participant, whom):
    if whom == "colleague":
        world["colleague"] = make_participant(side="supplier", company="Công ty Điện tử Hải Phòng")
    page = ask_page(world, "buyer", whom)
    form = form_posting_to(read(client, page), "/request", page)
    # Oneself and one's colleague share no free slot to offer: the person picks none.
    response = client.post(form.action, data=form.data(slots=slot_value(world["starts"][0])))
    assert response.status_code == 422
    error = mr.SelfRequest if whom == "buyer" else mr.SameCompany
    assert said(app, error) in response.get_data(as_text=True)


def test_slot_taken_answers_the_next_three_common_free_slots(app, client, world):
    token = world["token"]
    first = slot_value(world["starts"][0])
    asked = client.post(
        f"{api(token['buyer'])}/people/{world['supplier']}/request",
        json={"session_id": world["session"], "slots": [first]},
    )
    request_id = asked.json["request"]["id"]
    with app.app_context():
        # Meanwhile the last free table of that slot goes to two others.
        session = get(MeetingSession, world["session"])
        session.table_count = 0
        db.session.commit()
    answer = client.post(
        f"{api(token['supplier'])}/requests/{request_id}/accept", json={"slot": first}
    )
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "slot_taken"
    assert answer.json["error"]["alternatives"] == []
    with app.app_context():
        session = get(MeetingSession, world["session"])
        session.table_count = 1
        # The slot's only table is used by another meeting.
        other = mr.request_meeting(
            session=session,
            requester=get(Participant, world["other"]),
            recipient=get(Participant, world["buyer"]),
            starts=[world["starts"][3]],
        ).request.id
        db.session.commit()
    # The page's own form, refused with the alternatives in the message.
    with app.app_context():
        session = get(MeetingSession, world["session"])
        db.session.add(
            Meeting(
                session_id=session.id,
                request_id=other,
                a_id=world["other"],
                b_id=world["buyer"],
                starts_at=world["starts"][0],
                ends_at=world["starts"][0] + timedelta(minutes=20),
                place_kind=mr.PlaceKind.TABLE,
                table_number=1,
                uid="x@meeting",
            )
        )
        db.session.flush()
        meeting = db.session.scalar(sa.select(Meeting))
        db.session.add(
            mr.PlaceUse(
                session_id=session.id,
                starts_at=world["starts"][0],
                place="table:1",
                meeting_id=meeting.id,
            )
        )
        db.session.commit()
    answer = client.post(
        f"{api(token['supplier'])}/requests/{request_id}/accept", json={"slot": first}
    )
    assert answer.json["error"]["code"] == "slot_taken"
    expected = [world["starts"][i] for i in (1, 2, 4)]
    got = [datetime.fromisoformat(a) for a in answer.json["error"]["alternatives"]]
    assert got == expected
    page = f"/r/{token['supplier']}"
    response = send(client, page, "/accept", status=302)
    html = read(client, page)
    from exhibition.i18n import local_datetime

    with app.test_request_context():
        times = "; ".join(local_datetime(world["starts"][i]) for i in (1, 2, 4))
    assert said(app, mr.SlotTaken) in html and times in html
    assert response.status_code == 302


# ---------------------------------------------------------------- foreign ids and bad input


def test_foreign_and_unknown_ids_are_not_found(app, client, world, make_event, make_participant):
    make_event(slug="expo-2027")
    stranger = make_participant(slug="expo-2027", side="supplier", company="Nơi khác")
    token = world["token"]
    page = f"/r/{token['buyer']}/matching"
    buyer = api(token["buyer"])
    for base in (page, buyer):
        assert client.get(f"{base}/people/{stranger}").status_code == 404
        assert client.get(f"{base}/people/999999").status_code == 404
    assert client.get(f"{page}/people/{stranger}/request").status_code == 404
    answer = client.post(
        f"{buyer}/people/{stranger}/request",
        json={"session_id": world["session"], "slots": []},
    )
    assert (answer.status_code, answer.json["error"]["code"]) == (404, "not_found")
    # Another person's request: neither its requester's nor its recipient's.
    asked = client.post(
        f"{buyer}/people/{world['supplier']}/request",
        json={"session_id": world["session"], "slots": [slot_value(world["starts"][0])]},
    )
    request_id = asked.json["request"]["id"]
    outsider = api(token["other"])
    for action in ("accept", "decline", "withdraw"):
        answer = client.post(f"{outsider}/requests/{request_id}/{action}", json={})
        assert answer.status_code == 404, action
        assert client.post(f"{outsider}/requests/424242/{action}", json={}).status_code == 404
    # The requester cannot accept their own request either.
    assert client.post(f"{buyer}/requests/{request_id}/accept", json={}).status_code == 404
    assert client.post(f"{outsider}/meetings/424242/cancel", json={}).status_code == 404
    # The pages answer the same, with a form's own token sent to a foreign id.
    profile = f"{page}/people/{world['supplier']}"
    form = form_posting_to(read(client, profile), "/block", profile)
    assert client.post(f"{page}/people/999999/block", data=form.data()).status_code == 404
    assert client.post(f"{page}/people/{stranger}/block", data=form.data()).status_code == 404
    other_page = f"/r/{token['other']}/matching"
    for action in ("accept", "decline", "withdraw"):
        answer = client.post(f"{other_page}/requests/{request_id}/{action}", data=form.data())
        assert answer.status_code == 404, action
    assert client.post(f"{other_page}/meetings/424242/cancel", data=form.data()).status_code == 404
    # Another session id in the body (unknown or another event's) is not found either.
    answer = client.post(
        f"{buyer}/people/{world['other']}/request", json={"session_id": 999999, "slots": []}
    )
    assert answer.status_code == 404


def test_a_10000_character_message_is_a_field_error(app, client, world):
    response = ask_by_page(client, world, message="x" * 10_000)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html and "500" in html
    with app.app_context():
        assert count(MeetingRequest) == 0
    answer = client.post(
        f"{api(world['token']['buyer'])}/people/{world['supplier']}/request",
        json={"session_id": world["session"], "message": "x" * 10_000, "slots": []},
    )
    assert answer.status_code == 422


def test_html_in_every_text_field_is_escaped(app, client, world):
    token = world["token"]
    send(
        client,
        f"/r/{token['supplier']}/matching/profile",
        "/matching/profile",
        status=302,
        company="Cơ khí " + HTML,
        offer="Gia công " + HTML,
    )
    ask_by_page(client, world, message="Chào " + HTML, status=302)
    pages = [
        f"/r/{token['buyer']}/matching",
        f"/r/{token['buyer']}/matching/people/{world['supplier']}",
        f"/r/{token['buyer']}/matching/people/{world['supplier']}/request",
        f"/r/{token['supplier']}",
        f"/r/{token['buyer']}",
    ]
    for url in pages:
        html = read(client, url)
        assert "<script>alert" not in html and "<b>bold" not in html, url
        assert "&lt;script&gt;" in html, url
    with app.app_context():
        for mail in db.session.scalars(sa.select(OutboxMessage)):
            assert "<script>alert" not in mail.body_html


def test_cancelling_a_meeting_frees_the_slot_and_tells_the_other(app, client, world):
    token = world["token"]
    ask_by_page(client, world, status=302)
    send(client, f"/r/{token['supplier']}", "/accept", status=302)
    send(client, f"/r/{token['buyer']}", "/cancel", status=302)
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting.state is MeetingState.CANCELLED
        assert count(OutboxMessage, OutboxMessage.kind == "meeting_cancelled") == 1
    assert "/cancel" not in read(client, f"/r/{token['buyer']}").split('id="matchmaking"')[1]


def test_blocking_stops_requests_from_that_person(app, client, world):
    token = world["token"]
    send(
        client,
        f"/r/{token['supplier']}/matching/people/{world['buyer']}",
        "/block",
        status=302,
    )
    answer = client.post(
        f"{api(token['buyer'])}/people/{world['supplier']}/request",
        json={"session_id": world["session"], "slots": [slot_value(world["starts"][0])]},
    )
    assert answer.json["error"]["code"] == "not_available"


# ---------------------------------------------------------------- the sign-up form


def sign_up(app, client, **typed):
    from exhibition.visitors.models import VisitorCategory

    page = "/events/expo-2026/register"
    form = form_posting_to(read(client, page), "/register", page)
    with app.app_context():
        category = db.session.scalar(
            sa.select(VisitorCategory.id).where(VisitorCategory.code == "trade")
        )
    values = dict(
        full_name="Vũ Thị Lan",
        email="lan.vu@example.com",
        phone="0912 345 678",
        organisation="Công ty Khuôn mẫu Đông Á",
        category=str(category),
        province="HP",
        sectors=["mechanical", "automation"],
        consent_processing="y",
    )
    values.update(typed)
    return client.post(form.action, data=form.data(**values))


def test_sign_up_offers_business_matching_only_with_a_session(
    app, client, make_event, make_meeting_session
):
    make_event()
    html = read(client, "/events/expo-2026/register")
    assert 'name="consent_matchmaking"' not in html
    make_meeting_session()
    page = "/events/expo-2026/register"
    form = form_posting_to(read(client, page), "/register", page)
    assert form.control("consent_matchmaking").checked is False  # off unless ticked
    response = sign_up(app, client)
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        assert registration.consent_for(ConsentPurpose.MATCHMAKING) is None
        assert count(Participant) == 0


def test_signing_up_with_the_tick_lists_the_person_with_a_default_profile(
    app, client, make_event, make_meeting_session
):
    make_event()
    make_meeting_session()
    response = sign_up(app, client, consent_matchmaking="y")
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        consent = registration.consent_for(ConsentPurpose.MATCHMAKING)
        assert consent.granted and consent.wording_version == registration.event.consent_version
        participant = db.session.scalar(sa.select(Participant))
        assert participant.listed and participant.side.value == "buyer"
        assert participant.company == "Công ty Khuôn mẫu Đông Á"
        assert sorted(s.code for s in participant.sectors) == ["automation", "mechanical"]
    html = read(client, response.location)
    assert "/matching/leave" in html


# ---------------------------------------------------------------- the exhibitor portal


def test_the_portal_sends_staff_their_own_link_and_they_join_as_suppliers(
    app, client, make_event, make_floor, make_exhibitor, make_meeting_session
):
    import re

    from tests.booths.test_allocation_service import confirm_booth
    from tests.exhibitors.test_portal import add_staff, sign_in

    make_event()
    make_meeting_session()
    make_floor(count=2)
    exhibitor = make_exhibitor()
    confirm_booth(app, exhibitor, "A01")
    sign_in(app, client)
    assert add_staff(client, "Nhân viên " + HTML, "staff0@example.com").status_code in (302, 422)
    assert add_staff(client, "Ngô Văn Tùng", "staff1@example.com").status_code == 302
    home = "/events/expo-2026/portal/"
    html = read(client, home)
    assert 'id="matching-staff"' in html
    with app.app_context():
        staff_id = db.session.scalar(
            sa.select(Registration.id).where(Registration.email == "staff1@example.com")
        )
    send(client, home, f"/staff/{staff_id}/matching-invite", status=302)
    with app.app_context():
        # The portal lists nobody: the consent is the person's own.
        assert count(Participant) == 0
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "matching_invitation")
        )
        assert mail.to_address == "staff1@example.com"
    link = re.search(r"http://testserver\.local(/r/[^\s#]+)#matchmaking", mail.body_text).group(1)
    form = form_posting_to(read(client, link), "/matching/profile", link)
    assert form.control("company").value == "Công ty TNHH Thử nghiệm 1"
    assert [c.value for c in form.controls if c.name == "side" and c.checked] == ["supplier"]
    assert client.post(form.action, data=form.data()).status_code == 302
    with app.app_context():
        participant = db.session.scalar(sa.select(Participant))
        assert participant.listed and participant.exhibitor_id == exhibitor
    assert f"/staff/{staff_id}/matching-invite" not in read(client, home)
    # Another exhibitor's or an unknown registration: not found.
    form = form_posting_to(read(client, home), "/portal/logout", home)
    token = form.data()["csrf_token"]
    answer = client.post(
        "/events/expo-2026/portal/staff/999999/matching-invite", data={"csrf_token": token}
    )
    assert answer.status_code == 404


def test_same_side_and_a_lapsed_request_gives_the_quota_back(app, client, world, make_participant):
    token = world["token"]
    other_buyer = make_participant(side="buyer", company="Thép Hòa Phát")
    first = [slot_value(world["starts"][0])]
    base = f"{api(token['buyer'])}/people"
    answer = client.post(
        f"{base}/{other_buyer}/request", json={"session_id": world["session"], "slots": first}
    )
    assert (answer.status_code, answer.json["error"]["code"]) == (409, "same_side")
    assert said(app, mr.SameSide) in answer.json["error"]["message"]
    with app.app_context():
        get(Participant, world["buyer"]).meeting_limit = 1
        db.session.commit()
    asked = client.post(
        f"{base}/{world['supplier']}/request", json={"session_id": world["session"], "slots": first}
    )
    assert asked.status_code == 201
    later = [slot_value(world["starts"][2])]
    body = {"session_id": world["session"], "slots": later}
    answer = client.post(f"{base}/{world['other']}/request", json=body)
    assert answer.json["error"]["code"] == "quota_reached"
    with app.app_context():
        request = db.session.get(MeetingRequest, asked.json["request"]["id"])
        request.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
        assert mr.expire_due() == 1
    assert client.post(f"{base}/{world['other']}/request", json=body).status_code == 201

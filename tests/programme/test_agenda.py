"""The public agenda, session pages, the .ics feeds (read back with the icalendar library) and
schedule.json: only published sessions, both languages, times in Asia/Ho_Chi_Minh (+07:00)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.programme import seats
from exhibition.programme import services as programme
from exhibition.programme.models import BookingStatus
from exhibition.visitors.models import Registration

# 08:00 on 20 November 2030 in Hai Phong; the exhibition runs three days.
START = datetime(2030, 11, 20, 1, 0, tzinfo=UTC)
PLUS7 = timedelta(hours=7)


@pytest.fixture
def event(make_event):
    now = datetime.now(UTC)
    return make_event(
        starts_at=START,
        ends_at=START + timedelta(days=2, hours=9),
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=START - timedelta(days=1),
    )


@pytest.fixture
def programme_of(app, event, make_session):
    """Three published sessions on two local days and one unpublished; returns their ids."""
    with app.app_context():
        ev = get_event(slug=event)
        chair = programme.save_speaker(
            event=ev,
            full_name="Bùi Quang Hải",
            title_vi="Phó Giám đốc",
            title_en="Deputy Director",
            organisation_vi="Sở Công Thương Hải Phòng",
            organisation_en="Hai Phong Department of Industry and Trade",
            bio_vi="Phụ trách công nghiệp hỗ trợ.",
            bio_en="In charge of supporting industry.",
        )
        speaker = programme.save_speaker(
            event=ev, full_name="Trần Minh Đức", organisation_vi="Công ty Cơ khí Hải An"
        )
        db.session.commit()
    ids = {
        # 09:00–10:30 local on 20 November
        "opening": make_session(
            title="Khai mạc hội nghị",
            title_en="Opening session",
            start_hours=1,
            hours=1.5,
            type="plenary",
            room="Hội trường A",
            track_vi="Chính sách",
            track_en="Policy",
            description_vi="Phát biểu khai mạc.\n\nTổng quan ngành.",
            description_en="Opening remarks.\n\nAn overview of the industry.",
            chairs=[chair],
            speakers=[speaker],
        ),
        # 18:30 UTC on 20 November is 01:30 local on 21 November
        "late": make_session(
            title="Kết nối doanh nghiệp",
            title_en="Business matching",
            start_hours=17.5,
            hours=0.75,
            type="business_matching",
            room="Phòng 2",
            track_vi="Kết nối",
            track_en="Matching",
            access="approval",
        ),
        # 09:00–11:00 local on 21 November, one seat only
        "workshop": make_session(
            title="Hội thảo khuôn mẫu",
            title_en="Moulds workshop",
            start_hours=25,
            hours=2,
            type="workshop",
            room="Phòng 2",
            track_vi="Chính sách",
            track_en="Policy",
            capacity=1,
        ),
        "draft": make_session(
            title="Phiên chưa công bố",
            title_en="Unpublished session",
            start_hours=3,
            room="Hội trường A",
            published=False,
        ),
    }
    return ids


def book(app, registration_id, session_id):
    with app.app_context():
        event = get_event(slug="expo-2026")
        booking = seats.book(
            session=programme.get_session(event=event, session_id=session_id),
            registration=db.session.get(Registration, registration_id),
        )
        db.session.commit()
        return booking.status


def events_of(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


# ---------------------------------------------------------------- the agenda page


def test_agenda_shows_published_sessions_and_hides_unpublished_in_vietnamese(client, programme_of):
    page = client.get("/events/expo-2026/programme?lang=vi")
    assert page.status_code == 200
    text = page.text
    for title in ("Khai mạc hội nghị", "Kết nối doanh nghiệp", "Hội thảo khuôn mẫu"):
        assert title in text
    assert "Phiên chưa công bố" not in text
    assert "Bùi Quang Hải" in text and "Trần Minh Đức" in text
    assert "Hội trường A" in text and "Chính sách" in text
    assert "09:00" in text and "10:30" in text and "01:30" in text
    assert "Opening session" not in text


def test_agenda_shows_english_titles_and_tracks_in_english(client, programme_of):
    text = client.get("/events/expo-2026/programme?lang=en").text
    assert "Opening session" in text and "Moulds workshop" in text and "Policy" in text
    assert "Unpublished session" not in text and "Phiên chưa công bố" not in text
    assert "Khai mạc hội nghị" not in text


def test_agenda_groups_sessions_by_local_day(client, programme_of):
    text = client.get("/events/expo-2026/programme?lang=en").text
    first, second = text.index('id="day-2030-11-20"'), text.index('id="day-2030-11-21"')
    day_one, day_two = text[first:second], text[second:]
    assert ">Opening session</a>" in day_one and ">Opening session</a>" not in day_two
    # 18:30 UTC on the 20th belongs to the 21st in Hai Phong.
    assert ">Business matching</a>" in day_two and ">Business matching</a>" not in day_one
    assert ">Moulds workshop</a>" in day_two


def test_agenda_filters_by_track_day_and_type(client, programme_of):
    url = "/events/expo-2026/programme"
    policy = client.get(url, query_string={"lang": "en", "track": "Chính sách"}).text
    assert "Opening session" in policy and "Moulds workshop" in policy
    assert "Business matching" not in policy.split("</form>")[1]

    day = client.get(url, query_string={"lang": "en", "day": "2030-11-21"}).text
    assert "Business matching" in day and "Moulds workshop" in day
    assert "Opening session" not in day

    both = client.get(url, query_string={"lang": "en", "day": "2030-11-21", "track": "Chính sách"})
    assert (
        "Moulds workshop" in both.text and "Business matching" not in both.text.split("</form>")[1]
    )

    kind = client.get(url, query_string={"lang": "en", "type": "plenary"}).text
    assert "Opening session" in kind and "Moulds workshop" not in kind

    nothing = client.get(url, query_string={"lang": "en", "day": "2030-12-25"}).text
    assert "No session matches." in nothing
    # A value that means nothing is ignored rather than an error.
    assert client.get(url, query_string={"day": "yesterday", "type": "x"}).status_code == 200


def test_agenda_shows_seats_left_and_a_full_session(app, client, programme_of, make_visitor):
    text = client.get("/events/expo-2026/programme?lang=en").text
    assert "100 seats left" in text and "1 seat left" in text
    assert book(app, make_visitor()["id"], programme_of["workshop"]) is BookingStatus.SEATED
    text = client.get("/events/expo-2026/programme?lang=en").text
    assert "Full – waiting list" in text


def test_agenda_links_to_the_feeds_and_the_event_page_links_to_the_agenda(client, programme_of):
    text = client.get("/events/expo-2026/programme?lang=en").text
    assert "/events/expo-2026/programme/programme.ics" in text
    assert "webcal://testserver.local/events/expo-2026/programme/programme.ics" in text
    assert "/events/expo-2026/programme/schedule.json" in text
    assert 'href="/events/expo-2026/programme"' in client.get("/events/expo-2026/").text


def test_agenda_without_published_sessions_says_so(client, event):
    page = client.get("/events/expo-2026/programme?lang=en")
    assert page.status_code == 200
    assert "The programme has not been published yet." in page.text


# ---------------------------------------------------------------- session pages


def test_session_page_shows_description_and_speakers(client, programme_of):
    url = f"/events/expo-2026/programme/sessions/{programme_of['opening']}"
    vi = client.get(url + "?lang=vi")
    assert vi.status_code == 200
    for part in (
        "Khai mạc hội nghị", "Phát biểu khai mạc.", "Tổng quan ngành.", "Hội trường A",
        "Bùi Quang Hải", "Phó Giám đốc, Sở Công Thương Hải Phòng", "Phụ trách công nghiệp hỗ trợ.",
        "Trần Minh Đức", "Công ty Cơ khí Hải An", "09:00", "10:30",
    ):  # fmt: skip
        assert part in vi.text, part
    en = client.get(url + "?lang=en").text
    assert (
        "Opening session" in en
        and "Deputy Director, Hai Phong Department of Industry and Trade" in en
    )
    assert "In charge of supporting industry." in en


def test_session_page_sign_up_hint_follows_access(client, app, programme_of, make_session):
    invited = make_session(title="Phiên mời", start_hours=5, room="Phòng 3", access="invitation")
    with app.test_request_context():
        from flask import url_for

        register = url_for("visitors.register", slug="expo-2026")
    base = "/events/expo-2026/programme/sessions/"
    assert register in client.get(f"{base}{programme_of['opening']}?lang=en").text
    approval = client.get(f"{base}{programme_of['late']}?lang=en").text
    assert register in approval and "The organisers confirm seats by e-mail." in approval
    invitation = client.get(f"{base}{invited}?lang=en").text
    assert "by invitation only" in invitation and register not in invitation.split("<main")[1]


def test_unpublished_unknown_and_other_events_sessions_are_404(
    client, app, programme_of, make_event
):
    base = "/events/expo-2026/programme/sessions/"
    assert client.get(f"{base}{programme_of['draft']}").status_code == 404
    assert client.get(f"{base}999999").status_code == 404
    assert client.get(f"{base}99999999999").status_code == 404
    make_event(slug="other-expo")
    other = f"/events/other-expo/programme/sessions/{programme_of['opening']}"
    assert client.get(other).status_code == 404
    assert client.get("/events/no-such-expo/programme").status_code == 404


# ---------------------------------------------------------------- iCalendar feeds


def test_programme_feed_parses_with_a_vtimezone_and_local_times(client, programme_of):
    response = client.get("/events/expo-2026/programme/programme.ics?lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Ho_Chi_Minh"]
    events = events_of(response.data)
    assert sorted(events) == ["Business matching", "Moulds workshop", "Opening session"]

    opening = events["Opening session"]
    start, end = opening.decoded("DTSTART"), opening.decoded("DTEND")
    assert start.utcoffset() == PLUS7 and end.utcoffset() == PLUS7
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2030, 11, 20, 9, 0)
    assert (end.hour, end.minute) == (10, 30)
    assert start == START + timedelta(hours=1)
    assert opening["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(opening["UID"]) == f"session-{programme_of['opening']}.expo-2026@exhibition"
    assert str(opening["STATUS"]) == "CONFIRMED"
    assert str(opening["LOCATION"]) == "Hội trường A, Hai Phong Exhibition Centre"
    assert "Bùi Quang Hải" in str(opening["DESCRIPTION"])
    assert str(opening["URL"]) == (
        f"http://testserver.local/events/expo-2026/programme/sessions/{programme_of['opening']}?lang=en"
    )
    assert [str(c) for c in opening["CATEGORIES"].cats] == ["Plenary", "Policy"]

    late = events["Business matching"].decoded("DTSTART")
    assert (late.day, late.hour, late.minute, late.utcoffset()) == (21, 1, 30, PLUS7)


def test_programme_feed_uids_are_the_same_in_both_languages(client, programme_of):
    def uids(lang):
        body = client.get(f"/events/expo-2026/programme/programme.ics?lang={lang}").data
        return sorted(str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT"))

    assert uids("vi") == uids("en")
    assert len(set(uids("vi"))) == 3


def test_personal_feed_has_only_the_persons_seated_sessions(
    app, client, programme_of, make_visitor
):
    me, someone = make_visitor(), make_visitor()
    assert book(app, someone["id"], programme_of["workshop"]) is BookingStatus.SEATED
    assert book(app, me["id"], programme_of["opening"]) is BookingStatus.SEATED
    assert book(app, me["id"], programme_of["late"]) is BookingStatus.REQUESTED
    assert book(app, me["id"], programme_of["workshop"]) is BookingStatus.WAITING

    response = client.get(f"/events/expo-2026/programme/my/{me['feed_token']}.ics?lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    calendar = Calendar.from_ical(response.data)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    events = events_of(response.data)
    assert list(events) == ["Opening session"]
    start = events["Opening session"].decoded("DTSTART")
    assert (start.hour, start.minute, start.utcoffset()) == (9, 0, PLUS7)

    theirs = events_of(
        client.get(f"/events/expo-2026/programme/my/{someone['feed_token']}.ics?lang=vi").data
    )
    assert list(theirs) == ["Hội thảo khuôn mẫu"]
    late = theirs["Hội thảo khuôn mẫu"].decoded("DTSTART")
    assert (late.day, late.hour, late.utcoffset()) == (21, 9, PLUS7)


def test_personal_feed_follows_cancellation_and_is_valid_when_empty(
    app, client, programme_of, make_visitor
):
    me = make_visitor()
    book(app, me["id"], programme_of["opening"])
    with app.app_context():
        booking = seats.bookings_of(registration=db.session.get(Registration, me["id"]))[0]
        seats.cancel_booking(booking=booking)
        db.session.commit()
    body = client.get(f"/events/expo-2026/programme/my/{me['feed_token']}.ics").data
    calendar = Calendar.from_ical(body)
    assert calendar.walk("VEVENT") == []
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]


def test_personal_feed_of_an_unknown_token_or_another_event_is_404(
    client, programme_of, make_event, make_visitor
):
    assert client.get("/events/expo-2026/programme/my/not-a-token.ics").status_code == 404
    make_event(slug="other-expo")
    token = make_visitor()["feed_token"]
    assert client.get(f"/events/other-expo/programme/my/{token}.ics").status_code == 404
    assert client.get(f"/events/expo-2026/programme/my/{token}.ics").status_code == 200


def test_event_calendar_still_parses_with_its_time_zone(client, event):
    body = client.get("/events/expo-2026/event.ics").data
    calendar = Calendar.from_ical(body)
    (item,) = calendar.walk("VEVENT")
    start = item.decoded("DTSTART")
    assert (start.hour, start.utcoffset()) == (8, PLUS7)
    assert "STATUS" not in item and "CATEGORIES" not in item


# ---------------------------------------------------------------- schedule.json


def test_schedule_json_has_the_frab_shape_with_local_times(client, programme_of):
    response = client.get("/events/expo-2026/programme/schedule.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    schedule = response.get_json()["schedule"]
    assert set(schedule) == {"version", "base_url", "conference"}
    assert schedule["base_url"] == "http://testserver.local/events/expo-2026/programme"
    conference = schedule["conference"]
    assert {k: v for k, v in conference.items() if k != "days"} == {
        "acronym": "expo-2026",
        "title": "Triển lãm Công nghiệp hỗ trợ 2026",
        "start": "2030-11-20",
        "end": "2030-11-22",
        "daysCount": 3,
        "timeslot_duration": "00:15",
        "time_zone_name": "Asia/Ho_Chi_Minh",
        "url": "http://testserver.local/events/expo-2026/",
    }
    days = conference["days"]
    assert [(d["index"], d["date"]) for d in days] == [
        (1, "2030-11-20"),
        (2, "2030-11-21"),
        (3, "2030-11-22"),
    ]
    assert days[0]["day_start"] == "2030-11-20T09:00:00+07:00"
    assert days[0]["day_end"] == "2030-11-20T10:30:00+07:00"
    assert days[1]["day_start"] == "2030-11-21T01:30:00+07:00"
    assert days[1]["day_end"] == "2030-11-21T11:00:00+07:00"
    assert days[2]["rooms"] == {"Hội trường A": [], "Phòng 2": []}
    assert list(days[0]["rooms"]) == ["Hội trường A", "Phòng 2"]
    assert days[0]["rooms"]["Phòng 2"] == []
    assert [e["title"] for e in days[1]["rooms"]["Phòng 2"]] == [
        "Kết nối doanh nghiệp",
        "Hội thảo khuôn mẫu",
    ]

    (opening,) = days[0]["rooms"]["Hội trường A"]
    session_id = programme_of["opening"]
    assert opening == {
        "id": session_id,
        "guid": str(
            uuid.uuid5(
                uuid.uuid5(uuid.NAMESPACE_URL, "urn:exhibition:programme"),
                f"expo-2026/session/{session_id}",
            )
        ),
        "date": "2030-11-20T09:00:00+07:00",
        "start": "09:00",
        "duration": "01:30",
        "room": "Hội trường A",
        "slug": f"expo-2026-{session_id}-khai-mac-hoi-nghi",
        "url": f"http://testserver.local/events/expo-2026/programme/sessions/{session_id}",
        "title": "Khai mạc hội nghị",
        "subtitle": "",
        "track": "Chính sách",
        "type": "plenary",
        "language": "vi",
        "abstract": "Phát biểu khai mạc.",
        "description": "Phát biểu khai mạc.\n\nTổng quan ngành.",
        "persons": [
            {"id": opening["persons"][0]["id"], "public_name": "Bùi Quang Hải"},
            {"id": opening["persons"][1]["id"], "public_name": "Trần Minh Đức"},
        ],
        "links": [],
        "attachments": [],
    }
    late = days[1]["rooms"]["Phòng 2"][0]
    assert (late["date"], late["start"], late["duration"]) == (
        "2030-11-21T01:30:00+07:00",
        "01:30",
        "00:45",
    )
    titles = [e["title"] for d in days for room in d["rooms"].values() for e in room]
    assert "Phiên chưa công bố" not in titles and len(titles) == 3


def test_schedule_json_in_english_keeps_guids_and_version_moves_with_content(
    client, app, programme_of
):
    url = "/events/expo-2026/programme/schedule.json"
    vi = client.get(url).get_json()["schedule"]
    en = client.get(url, query_string={"lang": "en"}).get_json()["schedule"]
    again = client.get(url).get_json()["schedule"]
    assert vi == again  # the same programme gives the same document, version included

    def events(schedule):
        return [e for d in schedule["conference"]["days"] for r in d["rooms"].values() for e in r]

    assert [e["guid"] for e in events(en)] == [e["guid"] for e in events(vi)]
    assert en["conference"]["title"] == "Supporting Industry Expo 2026"
    assert [e["title"] for e in events(en)] == [
        "Opening session",
        "Business matching",
        "Moulds workshop",
    ]
    assert events(en)[0]["track"] == "Policy" and events(en)[0]["url"].endswith("?lang=en")

    with app.app_context():
        event = get_event(slug="expo-2026")
        programme.publish(event=event, session_ids=[programme_of["draft"]])
        db.session.commit()
    published = client.get(url).get_json()["schedule"]
    assert published["version"] != vi["version"]
    assert len(events(published)) == 4

"""Meetings at the table: held and no-shows from real scans through the device API."""

from collections import Counter
from datetime import timedelta

import pytest

from exhibition.extensions import db
from exhibition.matchmaking import attendance
from exhibition.matchmaking.models import Meeting, MeetingSession, Participant
from exhibition.visitors.models import Registration
from tests.matchmaking.conftest import get
from tests.matchmaking.past import badge, meet, past_session, table_scan


@pytest.fixture
def table(app, make_event, make_meeting_session, make_participant, make_device):
    make_event()
    sid = past_session(make_meeting_session)
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng", full_name="Trần Văn Minh")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    stranger = make_participant(side="supplier", company="Nhựa Tiền Phong")
    with app.app_context():
        meeting = meet(sid, buyer, supplier, slot=0)
        codes = {name: badge(p) for name, p in (("buyer", buyer), ("supplier", supplier))}
        codes["stranger"] = badge(stranger)
        start = get(Meeting, meeting).starts_at
    return {
        "session": sid,
        "meeting": meeting,
        "buyer": buyer,
        "supplier": supplier,
        "stranger": stranger,
        "codes": codes,
        "start": start,
        "token": make_device(name="Bàn 1"),
    }


def test_both_badges_scanned_in_the_window_make_the_meeting_held(app, client, table):
    t, start = table, table["start"]
    first = table_scan(
        client, t["token"], t["session"], t["codes"]["buyer"], start - timedelta(minutes=10)
    )
    assert first.status_code == 200
    body = first.get_json()
    assert body["result"] == "ok"
    assert body["meeting"]["id"] == t["meeting"]
    assert [p["company"] for p in body["missing"]] == ["Cơ khí Hải An"]
    assert first.headers["Cache-Control"] == "no-store"
    second = table_scan(
        client, t["token"], t["session"], t["codes"]["supplier"], start + timedelta(minutes=19)
    )
    assert second.get_json()["result"] == "held"
    assert second.get_json()["missing"] == []
    with app.app_context():
        meeting = get(Meeting, t["meeting"])
        assert meeting.held
        assert meeting.b_scanned_at == start + timedelta(minutes=19)
        assert no_show_counts(get(MeetingSession, t["session"])) == {}


def test_scanning_a_side_again_keeps_the_first_time(app, client, table):
    t, start = table, table["start"]
    table_scan(client, t["token"], t["session"], t["codes"]["buyer"], start - timedelta(minutes=5))
    again = table_scan(
        client, t["token"], t["session"], t["codes"]["buyer"], start + timedelta(minutes=3)
    )
    assert again.get_json()["result"] == "ok"
    with app.app_context():
        meeting = get(Meeting, t["meeting"])
        assert meeting.a_scanned_at == start - timedelta(minutes=5)
        assert meeting.b_scanned_at is None


def test_a_scan_eleven_minutes_before_the_start_finds_no_meeting(app, client, table):
    t = table
    early = table_scan(
        client, t["token"], t["session"], t["codes"]["buyer"], t["start"] - timedelta(minutes=11)
    )
    assert early.get_json()["result"] == "no_meeting"
    late = table_scan(
        client, t["token"], t["session"], t["codes"]["buyer"], t["start"] + timedelta(minutes=21)
    )
    assert late.get_json()["result"] == "no_meeting"
    other_table = table_scan(
        client, t["token"], t["session"], t["codes"]["buyer"], t["start"], table=2
    )
    assert other_table.get_json()["result"] == "no_meeting"
    with app.app_context():
        assert get(Meeting, t["meeting"]).a_scanned_at is None


def test_someone_else_s_badge_is_not_your_meeting(app, client, table):
    t = table
    answer = table_scan(client, t["token"], t["session"], t["codes"]["stranger"], t["start"])
    assert answer.get_json()["result"] == "not_your_meeting"
    assert answer.get_json()["person"]["name"] == "Nguyễn Thị Hồng Nhung"
    assert "meeting" not in answer.get_json()
    invalid = table_scan(client, t["token"], t["session"], "NOT-A-BADGE", t["start"])
    assert invalid.get_json()["result"] == "invalid"
    with app.app_context():
        meeting = get(Meeting, t["meeting"])
        assert (meeting.a_scanned_at, meeting.b_scanned_at) == (None, None)


def test_a_cancelled_registration_s_badge_is_invalid(app, client, table):
    from exhibition.visitors.models import RegistrationStatus

    t = table
    with app.app_context():
        registration = get(Participant, t["buyer"]).registration
        registration.status = RegistrationStatus.CANCELLED
        db.session.commit()
    answer = table_scan(client, t["token"], t["session"], t["codes"]["buyer"], t["start"])
    assert answer.get_json()["result"] == "invalid"


def test_no_shows_are_counted_per_person_after_the_end(app, client, table, make_participant):
    t = table
    third = make_participant(side="supplier", company="Thép Việt")
    with app.app_context():
        lonely = meet(t["session"], t["buyer"], third, slot=1)  # neither side comes
    table_scan(client, t["token"], t["session"], t["codes"]["supplier"], t["start"])
    with app.app_context():
        session = get(MeetingSession, t["session"])
        assert no_show_counts(session) == {t["buyer"]: 2, third: 1}
        assert attendance.no_show_pairs(session_ids=[session.id]) == [
            (t["meeting"], t["buyer"]),
            (lonely, t["buyer"]),
            (lonely, third),
        ]
        # Before a meeting's end nobody is a no-show yet.
        assert no_show_counts(session, now=t["start"] + timedelta(minutes=19)) == {}


def test_the_station_must_belong_to_the_exhibition_and_name_a_place(
    app, client, table, make_event, make_device
):
    t = table
    make_event(slug="expo-2027", name_vi="Triển lãm 2027")
    foreign = make_device(slug="expo-2027")
    wrong = table_scan(client, foreign, t["session"], t["codes"]["buyer"], t["start"])
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (403, "wrong_event")
    elsewhere = table_scan(
        client, foreign, t["session"], t["codes"]["buyer"], t["start"], slug="expo-2027"
    )
    assert (elsewhere.status_code, elsewhere.get_json()["error"]["code"]) == (422, "unknown_place")
    no_table = table_scan(
        client, t["token"], t["session"], t["codes"]["buyer"], t["start"], table=6
    )
    assert no_table.get_json()["error"]["code"] == "unknown_place"
    anonymous = client.post("/api/v1/events/expo-2026/matchmaking/scan", json={})
    assert anonymous.status_code == 401
    refused = client.post(
        "/api/v1/events/expo-2026/matchmaking/scan",
        json={"code": "X", "session_id": "one", "table": 1},
        headers={"Authorization": f"Bearer {t['token']}"},
    )
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"session_id"}


def test_at_a_booth_the_representative_s_badge_stands_for_the_exhibitor(
    app,
    client,
    make_event,
    make_meeting_session,
    make_participant,
    make_visitor,
    make_exhibitor,
    make_device,
):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.matchmaking.models import PlaceKind, Representative
    from exhibition.matchmaking.representatives import assign_representative
    from exhibition.matchmaking.sessions import set_booth_host

    make_event()
    sid = past_session(make_meeting_session)
    exhibitor_id = make_exhibitor()
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng")
    rep = make_visitor(full_name="Phạm Thu Hà")
    with app.app_context():
        get(Participant, supplier).registration.exhibitor_id = exhibitor_id
        db.session.get(Registration, rep["id"]).exhibitor_id = exhibitor_id
        db.session.flush()
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        set_booth_host(
            session=get(MeetingSession, sid),
            exhibitor=exhibitor,
            registration_ids=[rep["id"]],
            user=None,
        )
        db.session.commit()
        meeting_id = meet(sid, buyer, supplier)
        meeting = get(Meeting, meeting_id)
        assert meeting.place_kind is PlaceKind.BOOTH
        assign_representative(
            meeting=meeting,
            representative=db.session.scalar(db.select(Representative)),
            exhibitor=exhibitor,
        )
        db.session.commit()
        start, buyer_code = meeting.starts_at, badge(buyer)
    token = make_device(name="Gian hàng")
    places = client.get(
        "/api/v1/events/expo-2026/matchmaking/places", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert [(s["id"], s["tables"], [b["id"] for b in s["booths"]]) for s in places["sessions"]] == [
        (sid, 5, [exhibitor_id])
    ]

    def at_booth(code):
        return client.post(
            "/api/v1/events/expo-2026/matchmaking/scan",
            json={
                "code": code,
                "session_id": sid,
                "booth": exhibitor_id,
                "scanned_at": start.isoformat(),
            },
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()

    assert at_booth(rep["badge_code"])["result"] == "ok"
    assert at_booth(buyer_code)["result"] == "held"
    with app.app_context():
        meeting = get(Meeting, meeting_id)
        assert meeting.held
        assert meeting.a_scanned_at == meeting.b_scanned_at == start


def no_show_counts(session, now=None) -> dict[int, int]:
    """Meetings missed per participant (only those who missed one)."""
    return dict(Counter(p for _m, p in attendance.no_show_pairs(session_ids=[session.id], now=now)))

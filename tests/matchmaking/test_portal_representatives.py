"""The exhibitor portal's booth meetings: a representative busy in a slot is shown unavailable, a
meeting is given to one, and another company's meeting is not found."""

import re

import lxml.html
import pytest
import sqlalchemy as sa

from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.matchmaking import representatives as reps
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import (
    Meeting,
    MeetingSession,
    Participant,
    PlaceKind,
    Representative,
)
from exhibition.matchmaking.sessions import set_booth_host
from exhibition.matchmaking.slots import slots_of
from exhibition.visitors.models import Registration
from tests.conftest import csrf_token
from tests.exhibitors.test_portal import sign_in
from tests.matchmaking.conftest import get


def book(session_id, requester, recipient, slot=0) -> int:
    session = get(MeetingSession, session_id)
    asked = mr.request_meeting(
        session=session,
        requester=get(Participant, requester),
        recipient=get(Participant, recipient),
        starts=[slots_of(session)[slot]],
    )
    mr.accept(request=asked.request, participant=get(Participant, recipient))
    db.session.commit()
    return db.session.scalar(sa.select(Meeting.id).where(Meeting.request_id == asked.request.id))


@pytest.fixture
def booth(app, make_event, make_meeting_session, make_participant, make_visitor, make_exhibitor):
    """An exhibitor receiving at its booth with two representatives; two of its staff meet two
    buyers there in the same slot; two other people meet at a table."""
    make_event()
    sid = make_meeting_session()
    exhibitor_id = make_exhibitor()
    staff = [make_participant(side="supplier", company="Cơ khí Hải An") for _ in range(2)]
    rep_keys = [make_visitor(full_name=name) for name in ("Phạm Thu Hà", "Đỗ Quang Huy")]
    buyers = [make_participant(side="buyer", company=f"Người mua {n}") for n in range(3)]
    other = make_participant(side="supplier", company="Nhựa Tiền Phong")
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        registrations = [get(Participant, p).registration for p in staff] + [
            db.session.get(Registration, k["id"]) for k in rep_keys
        ]
        for registration in registrations:  # the company's staff
            registration.exhibitor_id = exhibitor_id
        db.session.flush()
        set_booth_host(
            session=get(MeetingSession, sid),
            exhibitor=exhibitor,
            registration_ids=[k["id"] for k in rep_keys],
            user=None,
        )
        db.session.commit()
        first = book(sid, buyers[0], staff[0])
        second = book(sid, buyers[1], staff[1])
        at_table = book(sid, buyers[2], other)
        representatives = db.session.scalars(
            sa.select(Representative.id).order_by(Representative.id)
        ).all()
        assert get(Meeting, first).place_kind is PlaceKind.BOOTH
        assert get(Meeting, at_table).place_kind is PlaceKind.TABLE
    return {
        "exhibitor": exhibitor_id,
        "first": first,
        "second": second,
        "at_table": at_table,
        "reps": representatives,
    }


def options(page, meeting_id):
    tree = lxml.html.fromstring(page.data)
    select = tree.get_element_by_id(f"rep-{meeting_id}")
    return [
        (o.get("value"), o.text_content().strip(), o.get("disabled") is not None)
        for o in select.iter("option")
    ]


def test_a_busy_representative_is_shown_unavailable(app, client, booth):
    sign_in(app, client)
    url = "/events/expo-2026/portal/meetings/?lang=en"
    page = client.get(url)
    assert page.status_code == 200
    form = re.search(
        rf'<form method="post" action="([^"]+/{booth["first"]}/representative)"[^>]*>(.*?)</form>',
        page.text,
        re.S,
    )
    ha, huy = booth["reps"]
    answer = client.post(
        form.group(1),
        data={"csrf_token": csrf_token(form.group(2)), "representative": str(ha)},
    )
    assert answer.status_code == 302
    page = client.get(url)
    assert options(page, booth["second"]) == [
        ("", "Nobody yet", False),
        (str(ha), "Phạm Thu Hà (unavailable: another meeting then)", True),
        (str(huy), "Đỗ Quang Huy", False),
    ]
    first = options(page, booth["first"])
    assert first[1] == (str(ha), "Phạm Thu Hà", False)
    with app.app_context():
        assert get(Meeting, booth["first"]).representative_id == ha
        # The service refuses her for the other meeting of that slot.
        with pytest.raises(reps.RepresentativeBusy):
            reps.assign_representative(
                meeting=get(Meeting, booth["second"]),
                representative=get(Representative, ha),
                exhibitor=db.session.get(Exhibitor, booth["exhibitor"]),
            )


def test_a_busy_representative_posted_anyway_is_refused(app, client, booth):
    sign_in(app, client)
    ha = booth["reps"][0]
    with app.app_context():
        reps.assign_representative(
            meeting=get(Meeting, booth["first"]),
            representative=get(Representative, ha),
            exhibitor=db.session.get(Exhibitor, booth["exhibitor"]),
        )
        db.session.commit()
    page = client.get("/events/expo-2026/portal/meetings/?lang=en")
    answer = client.post(
        f"/events/expo-2026/portal/meetings/{booth['second']}/representative",
        data={"csrf_token": csrf_token(page.text), "representative": str(ha)},
        follow_redirects=True,
    )
    assert "another meeting at that time" in answer.text
    with app.app_context():
        assert get(Meeting, booth["second"]).representative_id is None


def test_another_company_s_meeting_is_not_found(app, client, booth):
    sign_in(app, client)
    page = client.get("/events/expo-2026/portal/meetings/")
    answer = client.post(
        f"/events/expo-2026/portal/meetings/{booth['at_table']}/representative",
        data={"csrf_token": csrf_token(page.text), "representative": str(booth["reps"][0])},
    )
    assert answer.status_code == 404
    with app.app_context():
        with pytest.raises(reps.NotFound):
            reps.assign_representative(
                meeting=get(Meeting, booth["at_table"]),
                representative=None,
                exhibitor=db.session.get(Exhibitor, booth["exhibitor"]),
            )
    shown = [int(n) for n in re.findall(r'id="meeting-(\d+)"', page.text)]
    assert shown == [booth["first"], booth["second"]]


def test_the_portal_page_needs_the_company_signed_in(client, booth):
    answer = client.get("/events/expo-2026/portal/meetings/")
    assert answer.headers["Location"] == "/events/expo-2026/portal/login"


def test_a_representative_in_a_meeting_of_their_own_is_shown_busy(app, booth):
    with app.app_context():
        first = get(Meeting, booth["first"])
        # The first of the company's staff, who meets a buyer in this slot, is named a
        # representative too: for the other booth meeting of the slot they are busy.
        staff_registration = first.b.registration if first.b.exhibitor_id else first.a.registration
        host = db.session.scalar(sa.select(Representative)).host
        host.representatives.append(Representative(registration_id=staff_registration.id))
        db.session.commit()
        second = get(Meeting, booth["second"])
        busy = {c.representative.registration_id: c.busy for c in reps.choices(second)}
        assert busy[staff_registration.id] is True
        # For their own meeting they are not busy.
        mine = {
            c.representative.registration_id: c.busy
            for c in reps.choices(get(Meeting, booth["first"]))
        }
        assert mine[staff_registration.id] is False


@pytest.mark.parametrize("wanted", ["999999999999999999999999999999", "²", "-1", "abc"])
def test_a_representative_that_is_no_id_is_not_found(app, client, booth, wanted):
    sign_in(app, client)
    page = client.get("/events/expo-2026/portal/meetings/")
    answer = client.post(
        f"/events/expo-2026/portal/meetings/{booth['first']}/representative",
        data={"csrf_token": csrf_token(page.text), "representative": wanted},
    )
    assert answer.status_code == 404
    with app.app_context():
        assert get(Meeting, booth["first"]).representative_id is None

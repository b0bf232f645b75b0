"""The organisers' business-matching pages, used as people use them: each form as the page
renders it, sent with its own button."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import (
    Absence,
    BoothHost,
    Meeting,
    MeetingSession,
    MeetingState,
    Mode,
    Participant,
)
from exhibition.matchmaking.slots import slots_of
from tests.conftest import login_client
from tests.matchmaking.conftest import HANOI, count, get
from tests.pages import form_posting_to, forms_in

SLUG = "expo-2026"
BASE = f"/admin/events/{SLUG}/matchmaking"


@pytest.fixture
def organiser(app, client, make_event):
    make_event()
    return login_client(app, client)


def staff_client(app, role: str | None, email: str):
    """A signed-in account holding `role` (a Role value) in the exhibition, or none."""
    from exhibition.accounts.models import Role
    from exhibition.accounts.services import create_organiser, grant_role
    from exhibition.events.services import get_event

    with app.app_context():
        user = create_organiser(email=email, password="mat-khau-dai", administrator=False)
        if role:
            grant_role(user=user, event=get_event(slug=SLUG), role=Role(role))
        db.session.commit()
    client = app.test_client()
    page = client.get("/admin/login?lang=en")
    form = form_posting_to(page.text, "/admin/login", "/admin/login")
    sent = client.post(form.action, data=form.data(email=email, password="mat-khau-dai"))
    assert sent.status_code == 302
    return client


def book(app, session_id, buyer, supplier, slot=0) -> int:
    """A meeting of the two in the session's slot `slot`; returns its id."""
    with app.app_context():
        session = get(MeetingSession, session_id)
        asked = mr.request_meeting(
            session=session,
            requester=get(Participant, buyer),
            recipient=get(Participant, supplier),
            starts=[slots_of(session)[slot]],
        )
        meeting = mr.accept(request=asked.request, participant=get(Participant, supplier))
        db.session.commit()
        return (
            meeting.id
            if isinstance(meeting, Meeting)
            else db.session.scalar(
                sa.select(Meeting.id).where(Meeting.request_id == asked.request.id)
            )
        )


def new_session_form(organiser):
    page = organiser.get(f"{BASE}/sessions/new")
    assert page.status_code == 200
    return form_posting_to(page.text, f"{BASE}/sessions/new", f"{BASE}/sessions/new")


def test_a_new_session_is_saved_from_its_page_and_shows_its_seven_slots(app, organiser):
    form = new_session_form(organiser)
    sent = organiser.post(
        form.action, data=form.data(name_vi="Kết nối buổi sáng", table_count="12")
    )
    assert sent.status_code == 302
    with app.app_context():
        session = db.session.scalar(sa.select(MeetingSession))
        starts = session.starts_at.astimezone(HANOI)
        assert (starts.hour, starts.minute, session.slot_minutes, session.buffer_minutes) == (
            8,
            30,
            20,
            5,
        )
        assert (session.table_count, session.request_ttl_minutes, session.mode) == (
            12,
            2880,
            Mode.SELF,
        )
        assert count(AuditEntry, AuditEntry.action == "matchmaking.session_created") == 1
    page = organiser.get(sent.headers["Location"])
    assert page.status_code == 200
    assert page.text.count("data-slot=") == 7
    last = page.text.split('data-slot="7">')[1].split("</li>")[0]
    assert last.startswith("11:00") and "11:20" in last
    assert "7 slots" in page.text
    listing = organiser.get(f"{BASE}/")
    assert "Kết nối buổi sáng" in listing.text and "New session" in listing.text


@pytest.mark.parametrize(
    "typed, field, message",
    [
        ({"ends_at": "08:00"}, "ends_at", "The session must end after it starts."),
        ({"slot_minutes": "4"}, "slot_minutes", "A slot lasts from 5 to 120 minutes."),
        ({"slot_minutes": "121"}, "slot_minutes", "A slot lasts from 5 to 120 minutes."),
        ({"buffer_minutes": "31"}, "buffer_minutes", "The pause between slots is 0 to 30 minutes."),
        ({"ttl_hours": "0", "ttl_minutes": "10"}, "ttl_hours", "An unanswered request lapses after 15 minutes to 10 days."),
        ({"ttl_hours": "240", "ttl_minutes": "1"}, "ttl_hours", "An unanswered request lapses after 15 minutes to 10 days."),
        ({"booking_closes_at": "2000-01-01T08:00"}, "booking_closes_at", "Booking must close after it opens."),
    ],
)  # fmt: skip
def test_each_wrong_field_is_refused_next_to_it_and_nothing_is_saved(
    app, organiser, typed, field, message
):
    form = new_session_form(organiser)
    sent = organiser.post(form.action, data=form.data(name_vi="Phiên thử", **typed))
    assert sent.status_code == 422
    assert f'id="{field}-error"' in sent.text
    error = sent.text.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert message in error
    with app.app_context():
        assert count(MeetingSession) == 0


def test_an_overlapping_session_is_refused(app, organiser, make_meeting_session):
    make_meeting_session()
    form = new_session_form(organiser)  # the same morning by default
    sent = organiser.post(
        form.action, data=form.data(name_vi="Phiên trùng", starts_at="11:00", ends_at="12:00")
    )
    assert sent.status_code == 422
    assert (
        "This overlaps the session" in sent.text.split('id="starts_at-error"')[1].split("</p>")[0]
    )
    with app.app_context():
        assert count(MeetingSession) == 1


@pytest.fixture
def booked(app, organiser, make_meeting_session, make_participant):
    sid = make_meeting_session()
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An")
    meeting = book(app, sid, buyer, supplier, slot=6)  # 11:00, table 1
    return {"session": sid, "buyer": buyer, "supplier": supplier, "meeting": meeting}


def test_shrinking_a_session_that_would_drop_a_meeting_is_refused_and_lists_it(
    app, organiser, booked
):
    url = f"{BASE}/sessions/{booked['session']}"
    page = organiser.get(url)
    form = form_posting_to(page.text, url, url)
    assert form.control("ends_at").value == "11:30"
    sent = organiser.post(form.action, data=form.data(ends_at="11:00"))
    assert sent.status_code == 422
    listed = sent.text.split('id="dropped"')[1].split("</table>")[0]
    assert f'data-meeting="{booked["meeting"]}"' in listed
    assert "11:00" in listed and "Table 1" in listed
    assert "Điện tử Hải Phòng" in listed and "Cơ khí Hải An" in listed
    fewer_tables = organiser.post(form.action, data=form.data(table_count="0"))
    assert fewer_tables.status_code == 422 and 'id="dropped"' in fewer_tables.text
    with app.app_context():
        session = get(MeetingSession, booked["session"])
        assert (
            session.ends_at.astimezone(HANOI).hour == 11
            and session.ends_at.astimezone(HANOI).minute == 30
        )
        assert session.table_count == 5
    # A change that keeps the meeting is saved.
    kept = organiser.post(form.action, data=form.data(ends_at="12:00", name_en="Morning"))
    assert kept.status_code == 302
    with app.app_context():
        assert get(MeetingSession, booked["session"]).name_en == "Morning"
        assert count(AuditEntry, AuditEntry.action == "matchmaking.session_changed") == 1


def test_an_exhibitor_hosts_at_its_booth_with_the_representatives_chosen(
    app, organiser, make_meeting_session, make_floor, make_exhibitor
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.portal import StaffData, add_staff

    sid = make_meeting_session()
    make_floor()
    exhibitor_id = make_exhibitor(company_name_vi="Công ty Cơ khí Đông Á")
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        assign_booth(
            booth=db.session.scalar(sa.select(Booth).where(Booth.code == "A02")),
            exhibitor=exhibitor,
        )
        staff = [
            add_staff(exhibitor=exhibitor, data=StaffData(full_name=name, email=f"nv{i}@dongá.vn".replace("á", "a"), phone="+84912345678")).id
            for i, name in enumerate(["Trần Văn An", "Phạm Thị Bình"])
        ]  # fmt: skip
        db.session.commit()
    url = f"{BASE}/sessions/{sid}"
    page = organiser.get(url)
    choose = [
        f for f in forms_in(page.text, url) if f.method == "GET" and "host" in f.field_names()
    ]
    assert len(choose) == 1 and choose[0].control("host").options[0][0] == str(exhibitor_id)
    page = organiser.get(url, query_string={"host": exhibitor_id})
    action = f"{url}/hosts/{exhibitor_id}"
    form = form_posting_to(page.text, action, url)
    sent = organiser.post(
        form.action,
        data=form.data(**{f"host{exhibitor_id}-representatives": [str(s) for s in staff]}),
    )
    assert sent.status_code == 302
    with app.app_context():
        host = db.session.scalar(sa.select(BoothHost))
        assert sorted(r.registration_id for r in host.representatives) == sorted(staff)
    page = organiser.get(url)
    assert "Công ty Cơ khí Đông Á" in page.text and "Booth A02" in page.text
    form = form_posting_to(page.text, action, url)
    name = f"host{exhibitor_id}-representatives"
    assert sorted(c.value for c in form.controls if c.name == name and c.checked) == sorted(
        map(str, staff)
    )
    sent = organiser.post(form.action, data=form.data(**{name: [str(staff[1])]}))
    with app.app_context():
        host = db.session.scalar(sa.select(BoothHost))
        assert [r.registration_id for r in host.representatives] == [staff[1]]
    page = organiser.get(url)
    form = form_posting_to(page.text, action, url)
    organiser.post(form.action, data=form.data(**{name: None}))
    with app.app_context():
        assert count(BoothHost) == 0


def test_participants_show_meetings_held_and_no_shows(app, organiser, booked):
    from exhibition.matchmaking.attendance import no_show_pairs

    with app.app_context():
        meeting = get(Meeting, booked["meeting"])
        # The slot is over: the buyer's badge was scanned at the table, the supplier's not.
        meeting.starts_at = datetime.now(UTC) - timedelta(hours=2)
        meeting.ends_at = meeting.starts_at + timedelta(minutes=20)
        meeting.a_scanned_at = meeting.starts_at + timedelta(minutes=1)
        db.session.commit()
        missed = no_show_pairs(session_ids=[booked["session"]])
        assert missed == [(meeting.id, meeting.b_id)]
        absent_id = meeting.b_id
    page = organiser.get(f"{BASE}/participants")
    assert page.status_code == 200
    for pid in (booked["buyer"], booked["supplier"]):
        row = page.text.split(f'data-participant="{pid}"')[1].split("</tr>")[0]
        assert f'data-no-shows="{1 if pid == absent_id else 0}"' in row
    meetings = organiser.get(f"{BASE}/sessions/{booked['session']}/meetings")
    assert (
        meetings.text.count("data-no-show=") == 1 and f'data-no-show="{absent_id}"' in meetings.text
    )
    suppliers = organiser.get(
        f"{BASE}/participants", query_string={"side": "supplier", "q": "hai an"}
    )
    assert f'data-participant="{booked["supplier"]}"' in suppliers.text
    assert f'data-participant="{booked["buyer"]}"' not in suppliers.text


def test_the_organiser_sets_a_participant_hosted_its_limit_and_an_unavailable_slot(
    app, organiser, booked
):
    url = f"{BASE}/participants/{booked['buyer']}"
    page = organiser.get(url)
    form = form_posting_to(page.text, url, url)
    slot_values = [c.value for c in form.controls if c.name == "absences"]
    assert len(slot_values) == 7
    sent = organiser.post(
        form.action, data=form.data(hosted="y", meeting_limit="5", absences=[slot_values[2]])
    )
    assert sent.status_code == 302
    with app.app_context():
        person = get(Participant, booked["buyer"])
        assert (person.hosted, person.meeting_limit) == (True, 5)
        assert [a.starts_at for a in db.session.scalars(sa.select(Absence))] == [
            slots_of(get(MeetingSession, booked["session"]))[2]
        ]
    refused = organiser.post(form.action, data=form.data(meeting_limit="101"))
    assert refused.status_code == 422 and "Enter a number from 1 to 100." in refused.text


def test_the_organisers_cancel_a_meeting_and_both_sides_are_told(app, organiser, booked):
    url = f"{BASE}/sessions/{booked['session']}/meetings"
    page = organiser.get(url, query_string={"state": "scheduled"})
    assert f'data-meeting="{booked["meeting"]}"' in page.text
    form = form_posting_to(page.text, f"{BASE}/meetings/{booked['meeting']}/cancel", url)
    sent = organiser.post(form.action, data=form.data())
    assert sent.status_code == 302
    with app.app_context():
        assert get(Meeting, booked["meeting"]).state is MeetingState.CANCELLED
        assert count(OutboxMessage, OutboxMessage.kind == "meeting_cancelled") == 2
        assert count(AuditEntry, AuditEntry.action == "matchmaking.meeting_cancelled") == 1
    requests = organiser.get(
        f"{BASE}/sessions/{booked['session']}/requests", query_string={"state": "cancelled"}
    )
    assert requests.status_code == 200 and "1 request" in requests.text
    audit = organiser.get(f"/admin/events/{SLUG}/audit")
    assert "Điện tử Hải Phòng · Cơ khí Hải An" in audit.text


def test_only_matchmaking_staff_and_organisers_reach_the_pages(
    app, organiser, make_meeting_session, make_event, make_participant, make_exhibitor
):
    sid = make_meeting_session()
    checkin = staff_client(app, "checkin", "soat-ve@example.com")
    matchmaking = staff_client(app, "matchmaking", "ket-noi@example.com")
    for url in (f"{BASE}/", f"{BASE}/sessions/{sid}", f"{BASE}/participants", f"{BASE}/import"):
        assert checkin.get(url).status_code == 403, url
        assert matchmaking.get(url).status_code == 200, url
    home = matchmaking.get("/admin/")
    assert f'href="{BASE}/"' in home.text
    # Another exhibition's session is not found under this one.
    make_event(slug="other-expo", name_vi="Triển lãm khác", name_en="Other expo")
    other = make_meeting_session(slug="other-expo")
    assert organiser.get(f"{BASE}/sessions/{other}").status_code == 404
    assert organiser.get(f"{BASE}/sessions/{other}/meetings").status_code == 404
    stranger = make_participant(slug="other-expo", side="buyer", email="khach@example.com")
    assert organiser.get(f"{BASE}/participants/{stranger}").status_code == 404
    foreign = make_exhibitor(slug="other-expo", status="approved")
    page = organiser.get(f"{BASE}/sessions/{sid}")
    form = form_posting_to(page.text, f"{BASE}/sessions/{sid}", f"{BASE}/sessions/{sid}")
    sent = organiser.post(f"{BASE}/sessions/{sid}/hosts/{foreign}", data=form.data())
    assert sent.status_code == 404


def test_the_role_is_offered_on_the_staff_page_and_every_page_reads_in_vietnamese(
    app, organiser, booked
):
    staff = organiser.get("/admin/staff/new")
    assert staff.status_code == 200
    assert 'name="role_1_matchmaking"' in staff.text and "Business matching staff" in staff.text
    sid = booked["session"]
    for path in (
        "/",
        "/sessions/new",
        f"/sessions/{sid}",
        f"/sessions/{sid}/requests",
        f"/sessions/{sid}/meetings",
        "/participants",
        f"/participants/{booked['buyer']}",
        "/import",
    ):
        page = organiser.get(BASE + path, query_string={"lang": "vi"})
        assert page.status_code == 200, path
        assert '<html lang="vi">' in page.text, path


def test_removing_a_booth_host_with_a_booked_meeting_is_refused_and_lists_it(
    app, organiser, make_meeting_session, make_floor, make_exhibitor, make_participant
):
    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.portal import StaffData, add_staff
    from exhibition.matchmaking.models import PlaceKind, Side
    from exhibition.matchmaking.participants import Profile, join
    from exhibition.matchmaking.sessions import set_booth_host

    sid = make_meeting_session()
    make_floor()
    exhibitor_id = make_exhibitor(company_name_vi="Công ty Nhựa Tiền Phong")
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng")
    with app.app_context():
        exhibitor = db.session.get(Exhibitor, exhibitor_id)
        assign_booth(
            booth=db.session.scalar(sa.select(Booth).where(Booth.code == "A03")),
            exhibitor=exhibitor,
        )
        rep = add_staff(
            exhibitor=exhibitor,
            data=StaffData(full_name="Phạm Văn An", email="an@nhua.vn", phone="+84912345678"),
        )
        supplier = join(
            registration=rep, profile=Profile(side=Side.SUPPLIER, company="Nhựa Tiền Phong")
        ).id
        set_booth_host(
            session=get(MeetingSession, sid),
            exhibitor=exhibitor,
            registration_ids=[rep.id],
            user=None,
        )
        db.session.commit()
    meeting = book(app, sid, buyer, supplier, slot=1)
    with app.app_context():
        assert get(Meeting, meeting).place_kind is PlaceKind.BOOTH
    url = f"{BASE}/sessions/{sid}"
    page = organiser.get(url)
    form = form_posting_to(page.text, f"{url}/hosts/{exhibitor_id}", url)
    sent = organiser.post(
        form.action, data=form.data(**{f"host{exhibitor_id}-representatives": None})
    )
    assert sent.status_code == 409
    listed = sent.text.split('id="dropped"')[1].split("</table>")[0]
    assert f'data-meeting="{meeting}"' in listed and "Booth A03" in listed
    with app.app_context():
        assert count(BoothHost) == 1

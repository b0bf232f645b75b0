"""A participant's agenda: meetings and seated sessions merged by time, on "my registration", in
the calendar feed (stable UID, SEQUENCE bumped and STATUS:CANCELLED on cancelling), as an A4 PDF;
the organisers' table sheets; the reminders (the evening before, 15 minutes before) and the
expiry of requests, run by the matchmaking job."""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa

from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.agenda import agenda_of
from exhibition.matchmaking.models import (
    Meeting,
    MeetingSession,
    MeetingState,
    Participant,
    RequestState,
)
from exhibition.matchmaking.reminders import run_due, send_due
from exhibition.matchmaking.slots import slots_of
from exhibition.programme import seats
from exhibition.programme.models import ConferenceSession
from exhibition.visitors.models import Registration, RegistrationStatus
from tests.conftest import login_client
from tests.matchmaking.conftest import HANOI, count, get, local

HTML_COMPANY = "<b>Công ty</b> & Đối tác"


@pytest.fixture
def world(app, make_event, make_meeting_session, make_participant):
    make_event()
    sid = make_meeting_session()
    buyer = make_participant(
        side="buyer", company="Công ty Điện tử Hải Phòng", full_name="Trần Văn Bình"
    )
    supplier = make_participant(side="supplier", company=HTML_COMPANY, full_name="Lê Thị Hoa")
    other = make_participant(side="supplier", company="Nhựa Tiền Phong", full_name="Phạm Quốc Dũng")
    return {"session": sid, "buyer": buyer, "supplier": supplier, "other": other}


def meet(world, recipient: str, slot: int, requester: str = "buyer", now=None) -> int:
    """A meeting booked by a request and its acceptance (a self-scheduled session)."""
    session = get(MeetingSession, world["session"])
    start = slots_of(session)[slot]
    asked = mr.request_meeting(
        session=session,
        requester=get(Participant, world[requester]),
        recipient=get(Participant, world[recipient]),
        starts=[start],
        now=now,
    )
    mr.accept(
        request=asked.request, participant=get(Participant, world[recipient]), start=start, now=now
    )
    db.session.commit()
    return db.session.scalar(sa.select(Meeting.id).where(Meeting.request_id == asked.request.id))


def registration_of(participant_id: int) -> Registration:
    return get(Participant, participant_id).registration


def pdf_pages(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def flat(text: str) -> str:
    return " ".join(text.split())


def feed_events(client, registration: Registration) -> dict[str, icalendar.Event]:
    url = f"/events/{registration.event.slug}/programme/my/{registration.feed_token}.ics"
    response = client.get(url)
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}, response.data


# --- the merged agenda ------------------------------------------------------------------------


def test_the_agenda_merges_meetings_and_seated_sessions_by_time(app, client, world, make_session):
    with app.app_context():
        event = get_event(slug="expo-2026")
        session = get(MeetingSession, world["session"])
        starts = slots_of(session)
        # A conference session at 09:00–09:15 on the meeting day, between the two meetings.
        nine = local(starts[0].astimezone(HANOI).date(), 9, 0)
        start_hours = (nine - event.starts_at).total_seconds() / 3600
    conference = make_session(title="Hội thảo khuôn mẫu", start_hours=start_hours, hours=0.25)
    with app.app_context():
        late = meet(world, "other", 2)  # 09:20
        early = meet(world, "supplier", 0)  # 08:30
        buyer = registration_of(world["buyer"])
        seats.book(session=db.session.get(ConferenceSession, conference), registration=buyer)
        db.session.commit()
        mr.cancel_meeting(meeting=get(Meeting, late), participant=get(Participant, world["other"]))
        db.session.commit()
        items = agenda_of(registration_of(world["buyer"]))
        assert [(i.meeting.id if i.meeting else "session") for i in items] == [
            early,
            "session",
            late,
        ]
        assert [i.starts_at for i in items] == [starts[0], nine, starts[2]]
        assert [i.cancelled for i in items] == [False, False, True]
        assert items[0].other.company == HTML_COMPANY
        assert items[2].other.company == "Nhựa Tiền Phong"
        # The other side sees the meeting with the buyer, and no session.
        theirs = agenda_of(registration_of(world["supplier"]))
        assert [(i.meeting.id, i.other.company) for i in theirs] == [
            (early, "Công ty Điện tử Hải Phòng")
        ]
        token = registration_of(world["buyer"]).manage_token
    # The PDF lists the session among the meetings, in the same order.
    text = flat(pdf_pages(client.get(f"/r/{token}/matching/agenda.pdf?lang=en").data)[0])
    assert "Hội thảo khuôn mẫu" in text and "Phòng hội thảo 1" in text
    assert text.index("08:30–08:50") < text.index("09:00–09:15") < text.index("09:20–09:40")


def test_unpublished_meetings_and_cancelled_registrations_have_no_agenda(app, world):
    with app.app_context():
        meeting_id = meet(world, "supplier", 0)
        get(Meeting, meeting_id).published = False
        db.session.commit()
        assert agenda_of(registration_of(world["buyer"])) == []
        meet(world, "other", 1)
        assert len(agenda_of(registration_of(world["buyer"]))) == 1
        registration_of(world["buyer"]).status = RegistrationStatus.CANCELLED
        db.session.commit()
        assert agenda_of(registration_of(world["buyer"])) == []


def test_my_registration_lists_the_agenda_with_html_escaped_and_late_cancellations(
    app, client, world, make_visitor
):
    with app.app_context():
        early = meet(world, "supplier", 0)
        late = meet(world, "other", 1)
        meeting = get(Meeting, late)
        mr.cancel_meeting(
            meeting=meeting,
            participant=get(Participant, world["other"]),
            now=meeting.starts_at - timedelta(hours=1),
        )
        db.session.commit()
        assert get(Meeting, late).cancelled_late and not get(Meeting, early).cancelled_late
        buyer = registration_of(world["buyer"])
        token, feed_token, slug = buyer.manage_token, buyer.feed_token, buyer.event.slug
    page = client.get(f"/r/{token}", query_string={"lang": "en"}).get_data(as_text=True)
    section = page[page.index('id="agenda"') : page.index('id="consents"')]
    assert "&lt;b&gt;Công ty&lt;/b&gt; &amp; Đối tác" in section
    assert "<b>Công ty</b>" not in page
    assert "08:30–08:50" in section and "08:55–09:15" in section
    assert "Table 1 · Meeting room B" in section and "Table 2" not in section
    assert "Lê Thị Hoa" in section and "Phạm Quốc Dũng" in section
    assert section.count("Cancelled late") == 1
    assert f"/r/{token}/matching/agenda.pdf" in section
    assert f"/events/{slug}/programme/my/{feed_token}.ics" in section
    # Someone not in business matching has no agenda section.
    outsider = make_visitor(email="khach@example.com")
    assert 'id="agenda"' not in client.get(f"/r/{outsider['manage_token']}").get_data(as_text=True)


# --- the calendar feed --------------------------------------------------------------------------


def test_the_feed_has_one_event_per_meeting_with_a_stable_uid_and_a_bumped_sequence(
    app, client, world
):
    with app.app_context():
        meeting_id = meet(world, "supplier", 0)
        meeting = get(Meeting, meeting_id)
        uid, starts, ends = meeting.uid, meeting.starts_at, meeting.ends_at
        buyer = registration_of(world["buyer"])
        supplier = registration_of(world["supplier"])
        supplier_contact = (supplier.email, supplier.phone)
    with app.app_context():
        events, body = feed_events(client, registration_of(world["buyer"]))
    assert list(events) == [uid]
    event = events[uid]
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert event["DTSTART"].dt == starts and event["DTEND"].dt == ends
    assert event["DTSTART"].dt.astimezone(HANOI).strftime("%H:%M") == "08:30"
    assert HTML_COMPANY in str(event["SUMMARY"])
    assert str(event["LOCATION"]).startswith("Bàn 1") or "1" in str(event["LOCATION"])
    assert "Lê Thị Hoa" in str(event["DESCRIPTION"])
    text = body.decode()
    for secret in (*supplier_contact, supplier_contact[1].replace("+84", "0")):
        assert secret not in text
    assert buyer.manage_token not in text
    # The same feed, fetched again, keeps the UID; cancelling bumps the sequence.
    with app.app_context():
        mr.cancel_meeting(
            meeting=get(Meeting, meeting_id), participant=get(Participant, world["supplier"])
        )
        db.session.commit()
        events, _ = feed_events(client, registration_of(world["buyer"]))
        theirs, _ = feed_events(client, registration_of(world["supplier"]))
    assert list(events) == [uid] and list(theirs) == [uid]
    for event in (events[uid], theirs[uid]):
        assert int(event["SEQUENCE"]) == 1
        assert str(event["STATUS"]) == "CANCELLED"
    assert "Nhựa" not in str(theirs[uid]["SUMMARY"])
    assert "Công ty Điện tử Hải Phòng" in str(theirs[uid]["SUMMARY"])


def test_the_feed_takes_only_the_feed_token(app, client, world):
    with app.app_context():
        meet(world, "supplier", 0)
        buyer = registration_of(world["buyer"])
        url = f"/events/{buyer.event.slug}/programme/my/{buyer.manage_token}.ics"
    assert client.get(url).status_code == 404


# --- the PDFs -------------------------------------------------------------------------------------


def test_the_agenda_pdf_holds_times_places_and_companies_as_typed(app, client, world):
    with app.app_context():
        meet(world, "supplier", 0)
        cancelled = meet(world, "other", 1)
        mr.cancel_meeting(
            meeting=get(Meeting, cancelled), participant=get(Participant, world["other"])
        )
        db.session.commit()
        token = registration_of(world["buyer"]).manage_token
    response = client.get(f"/r/{token}/matching/agenda.pdf", query_string={"lang": "en"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    pages = pdf_pages(response.data)
    assert len(pages) == 1
    text = flat(pages[0])
    assert "Trần Văn Bình" in text and "Công ty Điện tử Hải Phòng" in text
    assert HTML_COMPANY in text  # printed literally, not read as markup
    assert "Lê Thị Hoa" in text and "Phạm Quốc Dũng" in text
    assert "08:30–08:50" in text and "08:55–09:15" in text
    assert "Table 1" in text and "Cancelled" in text
    # A wrong link is not found; a supplier's PDF names the buyer.
    assert client.get("/r/not-a-token/matching/agenda.pdf").status_code == 404
    with app.app_context():
        token = registration_of(world["supplier"]).manage_token
    text = flat(pdf_pages(client.get(f"/r/{token}/matching/agenda.pdf").data)[0])
    assert "Công ty Điện tử Hải Phòng" in text and "Trần Văn Bình" in text


def test_table_sheets_have_one_page_per_table_with_each_slot(app, world):
    with app.app_context():
        meet(world, "supplier", 0)  # table 1
        meet(world, "other", 1)  # table 1 again: the slot is another
        session = get(MeetingSession, world["session"])
        sid, table_count = session.id, session.table_count
        cancelled = meet(world, "other", 3, requester="buyer")
        mr.cancel_meeting(meeting=get(Meeting, cancelled), participant=None)
        db.session.commit()
    client = login_client(app, app.test_client())
    response = client.get(f"/admin/events/expo-2026/matchmaking/sessions/{sid}/tables.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = [flat(p) for p in pdf_pages(response.data)]
    assert len(pages) == table_count == 5
    first = pages[0]
    assert "1 · Phòng họp B" in first and "Kết nối giao thương buổi sáng" in first
    assert HTML_COMPANY in first and "Công ty Điện tử Hải Phòng" in first
    assert "Nhựa Tiền Phong" in first and "Phạm Quốc Dũng" in first
    # Every slot of the session is on the sheet, the cancelled meeting's slot empty.
    for hours in ("08:30–08:50", "08:55–09:15", "09:20–09:40", "09:45–10:05", "11:00–11:20"):
        assert hours in first
    assert first.count("Nhựa Tiền Phong") == 1
    assert all("Công ty Điện tử" not in page for page in pages[1:])
    # English on asking; another exhibition's organiser or a wrong session: refused or not found.
    english = flat(
        pdf_pages(
            client.get(
                f"/admin/events/expo-2026/matchmaking/sessions/{sid}/tables.pdf?language=en"
            ).data
        )[0]
    )
    assert "Table 1 · Meeting room B" in english
    missing = client.get(f"/admin/events/expo-2026/matchmaking/sessions/{sid + 99}/tables.pdf")
    assert missing.status_code == 404


def test_a_hosting_booth_gets_its_own_sheet(app, world, make_exhibitor, make_participant):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.matchmaking.sessions import set_booth_host

    exhibitor_id = make_exhibitor(company_name_vi="<i>Gian</i> Cơ khí Đông Á")
    host = make_participant(side="supplier", company="Cơ khí Đông Á", full_name="Vũ Minh Tâm")
    with app.app_context():
        registration = registration_of(host)
        registration.exhibitor_id = exhibitor_id
        db.session.flush()
        session = get(MeetingSession, world["session"])
        set_booth_host(
            session=session,
            exhibitor=db.session.get(Exhibitor, exhibitor_id),
            registration_ids=[registration.id],
            user=None,
        )
        db.session.commit()
        world["host"] = host
        booth = get(Meeting, meet(world, "host", 1))
        assert booth.exhibitor_id == exhibitor_id
        meet(world, "supplier", 0)
        sid = session.id
    client = login_client(app, app.test_client())
    pages = [
        flat(p)
        for p in pdf_pages(
            client.get(f"/admin/events/expo-2026/matchmaking/sessions/{sid}/tables.pdf").data
        )
    ]
    assert len(pages) == 5 + 1
    sheet = pages[-1]
    assert "<i>Gian</i> Cơ khí Đông Á" in sheet
    assert "08:55–09:15" in sheet and "Vũ Minh Tâm" in sheet and "Trần Văn Bình" in sheet
    assert "Lê Thị Hoa" not in sheet and "Lê Thị Hoa" in pages[0]


def test_calendar_text_cannot_add_properties(app, client, world, make_participant):
    hostile = make_participant(
        side="supplier",
        company="Evil\r\nSTATUS:CANCELLED\r\nATTENDEE:mailto:x@example.com",
        full_name="Người\nLạ",
    )
    world["hostile"] = hostile
    with app.app_context():
        meet(world, "hostile", 0)
        events, body = feed_events(client, registration_of(world["buyer"]))
    (event,) = events.values()
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "ATTENDEE" not in event
    assert b"\r\nSTATUS:CANCELLED" not in body


# --- reminders and the job ------------------------------------------------------------------------


def reminders() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == "meeting_reminder")
            .order_by(OutboxMessage.id)
        )
    )


def test_evening_and_15_minute_reminders_go_once_each(app, world):
    with app.app_context():
        first = meet(world, "supplier", 0)  # 08:30
        second = meet(world, "other", 2)  # 09:20
        dropped = meet(world, "other", 4, requester="buyer")  # cancelled: never reminded
        mr.cancel_meeting(meeting=get(Meeting, dropped), participant=None)
        db.session.commit()
        day = get(Meeting, first).starts_at.astimezone(HANOI).date()
        before = count(OutboxMessage)

        eve = local(day - timedelta(days=1), 18, 0)
        assert send_due(now=eve - timedelta(minutes=1)) == {"evening": 0, "soon": 0}
        assert send_due(now=eve) == {"evening": 3, "soon": 0}
        sent = reminders()
        by_address = {m.to_address: m for m in sent}
        buyer = registration_of(world["buyer"])
        assert len(sent) == 3 and len(by_address) == 3  # one each, the buyer's lists both
        body = by_address[buyer.email].body_text
        assert "08:30–08:50" in body and "09:20–09:40" in body and "10:10" not in body
        assert HTML_COMPANY in body and "Nhựa Tiền Phong" in body
        html = by_address[buyer.email].body_html
        assert "&lt;b&gt;Công ty&lt;/b&gt;" in html and "<b>Công ty</b>" not in html
        assert get(Meeting, first).reminded_evening_at == eve
        assert get(Meeting, dropped).reminded_evening_at is None
        # A rerun, later that evening, sends nothing again.
        assert send_due(now=eve + timedelta(hours=3)) == {"evening": 0, "soon": 0}

        soon = get(Meeting, first).starts_at - timedelta(minutes=15)
        assert send_due(now=soon - timedelta(minutes=1)) == {"evening": 0, "soon": 0}
        assert send_due(now=soon) == {"evening": 0, "soon": 2}
        assert send_due(now=soon + timedelta(minutes=5)) == {"evening": 0, "soon": 0}
        latest = reminders()[-2:]
        assert {m.to_address for m in latest} == {
            buyer.email,
            registration_of(world["supplier"]).email,
        }
        assert all("08:30–08:50" in m.body_text and "09:20" not in m.body_text for m in latest)
        # The second meeting's turn; the cancelled one never comes.
        second_soon = get(Meeting, second).starts_at - timedelta(minutes=10)
        assert send_due(now=second_soon) == {"evening": 0, "soon": 2}
        dropped_soon = get(Meeting, dropped).starts_at - timedelta(minutes=5)
        assert send_due(now=dropped_soon) == {"evening": 0, "soon": 0}
        assert count(OutboxMessage) - before == 3 + 2 + 2
        assert all(m.registration_id is not None for m in reminders())


def test_a_meeting_booked_after_the_evening_is_told_at_once_and_on_its_day_only_soon(app, world):
    with app.app_context():
        session = get(MeetingSession, world["session"])
        day = slots_of(session)[0].astimezone(HANOI).date()
        evening = local(day - timedelta(days=1), 18, 0)
        assert send_due(now=evening) == {"evening": 0, "soon": 0}
        booked = meet(world, "supplier", 0, now=evening + timedelta(hours=2))
        assert send_due(now=evening + timedelta(hours=2, minutes=1))["evening"] == 2
        # Booked on the day itself (after midnight): no evening e-mail, only the 15-minute one.
        morning = local(day, 0, 30)
        other = meet(world, "other", 3, now=morning)
        assert send_due(now=morning + timedelta(minutes=1)) == {"evening": 0, "soon": 0}
        assert get(Meeting, other).reminded_evening_at is None
        assert get(Meeting, booked).reminded_evening_at is not None


def test_the_job_lapses_requests_and_reminds(app, world, runner):
    with app.app_context():
        session = get(MeetingSession, world["session"])
        asked = mr.request_meeting(
            session=session,
            requester=get(Participant, world["buyer"]),
            recipient=get(Participant, world["other"]),
            starts=[slots_of(session)[5]],
        )
        db.session.commit()
        request_id = asked.request.id
        expires = asked.request.expires_at
        assert run_due(now=expires - timedelta(minutes=1))["expired"] == 0
        done = run_due(now=expires + timedelta(minutes=1))
        assert done == {"expired": 1, "evening": 0, "soon": 0}
        db.session.expire_all()
        assert db.session.get(type(asked.request), request_id).state is RequestState.EXPIRED
        assert count(OutboxMessage, OutboxMessage.kind == "meeting_expired") == 2
        assert run_due(now=expires + timedelta(minutes=2))["expired"] == 0
    # The command cron runs.
    result = runner.invoke(args=["matchmaking-jobs"])
    assert result.exit_code == 0, result.output
    assert "Requests expired: 0." in result.output


def test_cancelled_registrations_get_no_reminder(app, world):
    with app.app_context():
        first = meet(world, "supplier", 0)
        meeting = get(Meeting, first)
        supplier = registration_of(world["supplier"])
        supplier.status = RegistrationStatus.CANCELLED
        supplier.cancelled_at = datetime.now(UTC)
        db.session.commit()
        assert meeting.state is MeetingState.SCHEDULED
        soon = meeting.starts_at - timedelta(minutes=15)
        sent = send_due(now=soon)
        assert sent == {"evening": 0, "soon": 1}


# --- the page in a browser ------------------------------------------------------------------------


def test_the_agenda_section_fits_a_phone_and_a_desktop(app, world, browser, live_server):
    with app.app_context():
        meet(world, "supplier", 0)
        late = meet(world, "other", 1)
        meeting = get(Meeting, late)
        mr.cancel_meeting(
            meeting=meeting,
            participant=get(Participant, world["other"]),
            now=meeting.starts_at - timedelta(hours=1),
        )
        db.session.commit()
        token = registration_of(world["buyer"]).manage_token
    shots = os.environ.get("SHOTS_DIR") or app.instance_path
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{live_server}/r/{token}?lang=vi")
        section = page.locator("#agenda")
        assert section.is_visible()
        assert section.locator("li.session-item").count() == 2
        assert HTML_COMPANY in section.inner_text()
        # Nothing runs past the screen's right edge.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, overflow)
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(Path(shots) / f"agenda-{width}.png"))
        page.close()


def test_the_serve_thread_lapses_requests(app, world):
    from exhibition.matchmaking import jobs
    from exhibition.matchmaking.models import MeetingRequest

    with app.app_context():
        session = get(MeetingSession, world["session"])
        asked = mr.request_meeting(
            session=session,
            requester=get(Participant, world["buyer"]),
            recipient=get(Participant, world["other"]),
            starts=[slots_of(session)[5]],
        )
        asked.request.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
        request_id = asked.request.id
    thread, stop = jobs.start_in_thread(app, interval=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with app.app_context():
                state = db.session.get(MeetingRequest, request_id).state
                db.session.remove()
            if state is RequestState.EXPIRED:
                break
            time.sleep(0.05)
        assert state is RequestState.EXPIRED
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and thread.name == "matchmaking-jobs"

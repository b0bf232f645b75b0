"""The organiser's schedule page in headless Chromium: compute, see the preview, publish."""

import os

import sqlalchemy as sa

from exhibition.accounts.models import Role
from exhibition.accounts.services import create_organiser, grant_role
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import Absence, MeetingSession, Mode, Participant
from exhibition.matchmaking.slots import slots_of
from tests.matchmaking.conftest import get

SHOTS = os.environ.get("SCHEDULE_SHOTS")  # a folder: save screenshots of the preview there


def _pairs(app, sid, buyers, suppliers):
    """Accepted pairs: every buyer with every supplier, the first must-meet; the last buyer is
    away all morning (left out: no common slot)."""
    with app.app_context():
        session = get(MeetingSession, sid)
        for i, buyer in enumerate(buyers):
            for supplier in suppliers:
                asked = mr.request_meeting(
                    session=session,
                    requester=get(Participant, buyer),
                    recipient=get(Participant, supplier),
                    must_meet=i == 0,
                )
                mr.accept(request=asked.request, participant=get(Participant, supplier))
        for start in slots_of(session):
            db.session.add(Absence(participant_id=buyers[-1], starts_at=start))
        db.session.commit()


def _sign_in(app, page, live_server):
    with app.app_context():
        user = create_organiser(
            email="btc@example.com", password="mat-khau-dai", administrator=False
        )
        grant_role(user=user, event=get_event(slug="expo-2026"), role=Role.ORGANISER)
        db.session.commit()
    page.goto(f"{live_server}/admin/login?lang=en")
    page.fill("input[name=email]", "btc@example.com")
    page.fill("input[name=password]", "mat-khau-dai")
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_organiser_computes_previews_and_publishes_the_schedule(
    app, make_event, make_meeting_session, make_participant, browser, live_server
):
    make_event()
    sid = make_meeting_session(mode=Mode.ORGANISER, table_count=3)
    buyers = [
        make_participant(side="buyer", company=name)
        for name in ("Điện tử Hải Phòng", "Ô tô Vĩnh Phúc", "Dệt may Nam Định")
    ]
    suppliers = [
        make_participant(side="supplier", company=name)
        for name in ("Cơ khí Hải An", "Nhựa Tiền Phong")
    ]
    _pairs(app, sid, buyers, suppliers)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(app, page, live_server)
    url = f"{live_server}/admin/events/expo-2026/matchmaking/sessions/{sid}/schedule/"
    page.goto(url)
    assert page.locator("#schedule-grid").count() == 0
    page.click("#compute")
    page.wait_for_selector("#schedule-grid")
    grid = page.inner_text("#schedule-grid")
    assert "Cơ khí Hải An" in grid and "Điện tử Hải Phòng" in grid
    assert "Dệt may Nam Định" not in grid
    assert page.locator("#schedule-grid .pill-meeting-new").count() == 4
    counts = page.inner_text("#counts")
    assert "4" in counts and "of 6 pairs placed" in counts
    assert "of 2 must-meet pairs placed" in counts
    unplaced = page.inner_text("#unplaced")
    assert unplaced.count("Dệt may Nam Định") == 2 and "No common free slot" in unplaced
    assert "4 people their agenda" in page.inner_text("#publish-form")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/schedule-1280.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=f"{SHOTS}/schedule-390.png", full_page=True)
    with app.app_context():
        assert mr.meetings_of(get(Participant, buyers[0])) == []  # a draft: not seen yet
    page.click("#publish")
    page.wait_for_selector(".flashes")
    assert "4 people were e-mailed their agenda" in page.inner_text("body")
    with app.app_context():
        sent = db.session.scalars(
            sa.select(OutboxMessage.registration_id).where(OutboxMessage.kind == "meeting_agenda")
        ).all()
        people = [get(Participant, p).registration_id for p in [*buyers[:2], *suppliers]]
        assert sorted(sent) == sorted(people)
        assert len(mr.meetings_of(get(Participant, buyers[0]))) == 2
    assert "Nothing changed since the last publication" in page.inner_text("#publish-form")

"""In Chromium: a person finds another in the directory from their registration page and asks
for a meeting in a proposed time; the other accepts on their page; both pages show the meeting
at its table."""

import pytest

from exhibition.extensions import db
from exhibition.matchmaking.models import Meeting, Participant
from tests.matchmaking.conftest import get


@pytest.fixture
def pair(app, make_event, make_meeting_session, make_participant):
    make_event()
    make_meeting_session(table_count=3)
    buyer = make_participant(side="buyer", company="Điện tử Hải Phòng", full_name="Trần Văn Bình")
    supplier = make_participant(side="supplier", company="Cơ khí Hải An", full_name="Lê Thị Hoa")
    with app.app_context():
        return {
            "buyer": get(Participant, buyer).registration.manage_token,
            "supplier": get(Participant, supplier).registration.manage_token,
            "supplier_id": supplier,
        }


def test_requesting_and_accepting_a_meeting_in_chromium(app, browser, live_server, pair):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # A opens the directory from their registration page, then B's profile.
    page.goto(f"{live_server}/r/{pair['buyer']}")
    page.locator("#matchmaking a[href$='/matching']").click()
    page.wait_for_url("**/matching")
    page.locator(f"a[href$='/matching/people/{pair['supplier_id']}']").first.click()
    page.wait_for_url(f"**/matching/people/{pair['supplier_id']}")
    assert "Lê Thị Hoa" in page.content()
    page.locator("a[href$='/request']").first.click()
    page.wait_for_url("**/request")
    page.fill("textarea[name=message]", "Xin gặp để bàn về linh kiện cơ khí.")
    page.locator("input[name=slots]").nth(1).check()
    page.locator("form[action$='/request'] button[type=submit]").click()
    page.wait_for_url(f"**/r/{pair['buyer']}*")
    assert page.locator("#matchmaking form[action$='/withdraw']").count() == 1

    # B sees the request on their page and accepts it in the proposed time.
    other = browser.new_page(viewport={"width": 390, "height": 844})
    other.goto(f"{live_server}/r/{pair['supplier']}")
    assert "Xin gặp để bàn về linh kiện cơ khí." in other.content()
    other.locator("#matchmaking form[action$='/accept'] button[type=submit]").click()
    other.wait_for_url(f"**/r/{pair['supplier']}*")
    meeting = other.locator("#matchmaking .matching-meeting")
    assert meeting.count() == 1
    with app.app_context():
        booked = db.session.scalar(db.select(Meeting))
        assert booked.table_number == 1
    assert "1 · Phòng họp B" in meeting.inner_text()

    # A's page shows it too.
    page.goto(f"{live_server}/r/{pair['buyer']}")
    mine = page.locator("#matchmaking .matching-meeting")
    assert mine.count() == 1 and "1 · Phòng họp B" in mine.inner_text()
    assert "Cơ khí Hải An" in mine.inner_text()

"""The session form's speakers and chairs are check-boxes with a filter box (no Ctrl-click, so a
tablet can choose several); without JavaScript every check-box is listed."""

import re

import sqlalchemy as sa

from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.programme import services as programme
from exhibition.programme.models import ConferenceSession, PersonRole
from tests.conftest import login_client
from tests.programme.test_browser import sign_in

PEOPLE = ["Lê Văn Hải", "Trần Thị Hải Yến", "Nguyễn Đức Anh", "Phạm Minh Đức", "Vũ Thu Hà"]


def add_speakers(app) -> dict[str, int]:
    with app.app_context():
        event = get_event(slug="expo-2026")
        ids = {name: programme.save_speaker(event=event, full_name=name).id for name in PEOPLE}
        db.session.commit()
        return ids


def people_of(app, session_id: int, role: PersonRole) -> list[str]:
    with app.app_context():
        session = db.session.get(ConferenceSession, session_id)
        return sorted(s.full_name for s in session.speakers_with(role))


def test_filter_and_tick_two_speakers_and_a_chair_on_a_tablet(
    app, make_event, make_session, browser, live_server
):
    make_event()
    session_id = make_session(title="Hội thảo chuỗi cung ứng")
    add_speakers(app)
    page = browser.new_page(viewport={"width": 820, "height": 1180}, has_touch=True)
    sign_in(app, page, live_server)
    page.goto(f"{live_server}/admin/events/expo-2026/programme/sessions/{session_id}?lang=en")
    speakers = page.locator("fieldset[data-picker]", has_text="Speakers")
    assert page.locator("select[multiple]").count() == 0

    speakers.locator(".picker-filter").fill("hai")  # "Hải", accents and case ignored
    visible = speakers.locator("[data-picker-item]:visible")
    assert sorted(visible.all_inner_texts()) == ["Lê Văn Hải", "Trần Thị Hải Yến"]
    speakers.get_by_label("Lê Văn Hải").tap()
    speakers.get_by_label("Trần Thị Hải Yến").tap()
    speakers.locator(".picker-filter").fill("duc")
    # The two ticked stay in sight beside the matches.
    assert sorted(visible.all_inner_texts()) == [
        "Lê Văn Hải", "Nguyễn Đức Anh", "Phạm Minh Đức", "Trần Thị Hải Yến",
    ]  # fmt: skip
    speakers.locator(".picker-filter").fill("zzz")
    assert speakers.locator(".picker-none").is_visible()
    speakers.locator(".picker-filter").press("Enter")  # does not send the form
    chairs = page.locator("fieldset[data-picker]", has_text="Chairs")
    chairs.locator(".picker-filter").fill("Vu Thu")
    chairs.get_by_label("Vũ Thu Hà").tap()
    page.click("form.card button.primary[type=submit]")
    page.wait_for_selector(".flash-success")

    assert people_of(app, session_id, PersonRole.SPEAKER) == ["Lê Văn Hải", "Trần Thị Hải Yến"]
    assert people_of(app, session_id, PersonRole.CHAIR) == ["Vũ Thu Hà"]
    again = page.locator("fieldset[data-picker]", has_text="Speakers")
    assert again.get_by_label("Lê Văn Hải").is_checked()
    assert not again.get_by_label("Vũ Thu Hà").is_checked()


def test_without_javascript_every_check_box_is_listed_and_saves(
    app, client, make_event, make_session
):
    make_event()
    session_id = make_session()
    ids = add_speakers(app)
    login_client(app, client)
    path = f"/admin/events/expo-2026/programme/sessions/{session_id}"
    page = client.get(path)
    boxes = [
        re.search(r'name="(\w+)"', tag)[1]
        for tag in re.findall(r"<input[^>]*>", page.text)
        if 'type="checkbox"' in tag
    ]
    assert sorted(boxes) == ["chairs"] * 5 + ["speakers"] * 5
    assert re.search(r'<input type="search" class="picker-filter" hidden', page.text)

    from tests.admin.test_sign_in import rendered_form

    data = rendered_form(page.text)
    data["speakers"] = [str(ids["Nguyễn Đức Anh"]), str(ids["Phạm Minh Đức"])]
    assert client.post(path, data=data).status_code == 302
    assert people_of(app, session_id, PersonRole.SPEAKER) == ["Nguyễn Đức Anh", "Phạm Minh Đức"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConferenceSession)) == 1

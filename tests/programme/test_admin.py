"""Organisers build the programme: rooms, speakers, sessions, the grid, conflicts, publishing."""

import re

import sqlalchemy as sa

from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.programme.models import ConferenceSession, PersonRole, Room, Speaker
from tests.conftest import login_client
from tests.pages import form_posting_to

BASE = "/admin/events/expo-2026/programme"


def local(app, hours):
    """The event's start plus `hours`, as a datetime-local value in Vietnam time."""
    from datetime import timedelta

    with app.app_context():
        event = get_event(slug="expo-2026")
        value = (event.starts_at + timedelta(hours=hours)).astimezone(event.tz)
        return value.strftime("%Y-%m-%dT%H:%M")


def page_form(client, path, action=None):
    """The form of a programme page as rendered: the one posting to the page itself, or to
    `action`."""
    return form_posting_to(client.get(BASE + path).text, BASE + (action or path), BASE + path)


def test_organiser_adds_room_speaker_and_session_then_a_clash_is_refused(app, client, make_event):
    make_event()
    login_client(app, client)
    rooms = page_form(client, "/rooms")
    bad_window = client.post(
        rooms.action,
        data=rooms.data(name_vi="Hội trường A", capacity="200", windows="sáng mai"),
    )
    assert bad_window.status_code == 422 and "Line 1" in bad_window.text
    added = client.post(
        rooms.action, data=rooms.data(name_vi="Hội trường A", name_en="Hall A", capacity="200")
    )
    assert added.status_code == 302
    speakers = page_form(client, "/speakers")
    added = client.post(
        speakers.action,
        data=speakers.data(
            full_name="Bùi Quang Hải",
            title_vi="Giám đốc Sở Công Thương",
            organisation_vi="Sở Công Thương Hải Phòng",
        ),
    )
    assert added.status_code == 302
    with app.app_context():
        room_id = db.session.scalar(sa.select(Room.id))
        speaker_id = db.session.scalar(sa.select(Speaker.id))
    new_session = page_form(client, "/sessions/new")
    form = dict(
        title_vi="Hội nghị ngành Công Thương khối quận, huyện",
        type="conference",
        access="invitation",
        room=str(room_id),
        starts_at=local(app, 1),
        ends_at=local(app, 3),
        chairs=[str(speaker_id)],
    )
    created = client.post(new_session.action, data=new_session.data(**form))
    assert created.status_code == 302
    with app.app_context():
        session = db.session.scalar(sa.select(ConferenceSession))
        assert session.speakers_with(PersonRole.CHAIR)[0].full_name == "Bùi Quang Hải"
        assert session.ends_at - session.starts_at == __import__("datetime").timedelta(hours=2)
        assert not session.is_published
    new_session = page_form(client, "/sessions/new")
    clash = client.post(
        new_session.action,
        data=new_session.data(
            **form
            | {"title_vi": "Hội thảo khác", "starts_at": local(app, 2), "ends_at": local(app, 4)}
        ),
    )
    assert clash.status_code == 422 and "Hall A already holds" in clash.text
    half = client.post(
        new_session.action, data=new_session.data(**form | {"title_vi": "Nửa vời", "room": ""})
    )
    assert half.status_code == 422
    back_to_back = client.post(
        new_session.action,
        data=new_session.data(
            **form
            | {"title_vi": "Phiên chiều", "starts_at": local(app, 3), "ends_at": local(app, 4)}
        ),
    )
    assert back_to_back.status_code == 302
    page = client.get(back_to_back.headers["Location"])
    # The chair is in two sessions back to back: no conflict is shown.
    assert 'data-conflict="person"' not in page.text
    with app.app_context():
        assert db.session.query(ConferenceSession).count() == 2
    publish = page_form(client, "", "/publish")
    published = client.post(publish.action, data=publish.data())
    assert published.status_code == 302
    with app.app_context():
        assert all(s.is_published for s in db.session.scalars(sa.select(ConferenceSession)))
    for path in ("", "/schedule", "/conflicts", "/rooms", "/speakers"):
        assert client.get(BASE + path).status_code == 200, path


def test_the_grid_moves_a_session_and_answers_conflicts_or_409(
    app, client, make_event, make_session
):
    make_event()
    with app.app_context():
        from exhibition.programme import services

        hai = services.save_speaker(event=get_event(slug="expo-2026"), full_name="Bùi Quang Hải")
        db.session.commit()
    first = make_session(title="Phiên 1", room="Phòng 1", start_hours=1, chairs=[hai])
    second = make_session(title="Phiên 2", room="Phòng 2", start_hours=3, chairs=[hai])
    login_client(app, client)
    schedule = client.get(f"{BASE}/schedule")
    assert schedule.status_code == 200 and f'data-session-id="{first}"' in schedule.text
    # The grid's script sends the token the schedule page gives it.
    token = re.search(r'data-csrf="([^"]+)"', schedule.text).group(1)
    with app.app_context():
        room1, room2 = (r.id for r in db.session.scalars(sa.select(Room).order_by(Room.id)))
    taken = client.post(
        f"{BASE}/sessions/{second}/place",
        json={"room": str(room1), "starts_at": local(app, 1.5), "ends_at": local(app, 2.5)},
        headers={"X-CSRFToken": token},
    )
    assert taken.status_code == 409 and taken.json["error"]["code"] == "room_taken"
    moved = client.post(
        f"{BASE}/sessions/{second}/place",
        json={"room": str(room2), "starts_at": local(app, 1.5), "ends_at": local(app, 2.5)},
        headers={"X-CSRFToken": token},
    )
    assert moved.status_code == 200
    assert [c["kind"] for c in moved.json["conflicts"]] == ["person"]
    bad = client.post(
        f"{BASE}/sessions/{second}/place",
        json={"room": str(room2), "starts_at": "soon", "ends_at": local(app, 2.5)},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 422
    conflicts = client.get(f"{BASE}/conflicts")
    assert "Bùi Quang Hải" in conflicts.text


def test_programme_pages_need_a_login(client, make_event):
    make_event()
    for path in ("", "/schedule", "/rooms", "/speakers", "/conflicts", "/sessions/new"):
        response = client.get(BASE + path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]

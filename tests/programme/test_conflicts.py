"""Conflicts by the one overlap rule: each kind found, back-to-back sessions not flagged."""

from datetime import timedelta

import pytest

from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.programme import conflicts, seats
from exhibition.programme import services as programme
from exhibition.programme.models import ConferenceSession, SessionType, overlaps


def kinds(app):
    with app.app_context():
        return sorted(
            (c.kind, len(c.session_ids))
            for c in conflicts.find_conflicts(event=get_event(slug="expo-2026"))
        )


def test_the_overlap_rule_is_half_open():
    from datetime import UTC, datetime

    t = [datetime(2026, 12, 1, h, tzinfo=UTC) for h in range(6)]
    assert overlaps(t[1], t[3], t[2], t[4]) and overlaps(t[2], t[4], t[1], t[3])
    assert overlaps(t[1], t[4], t[2], t[3])  # one inside the other
    assert not overlaps(t[1], t[2], t[2], t[3])  # back to back
    assert not overlaps(t[1], t[2], t[3], t[4])


def test_back_to_back_sessions_in_one_room_with_one_speaker_are_fine(app, make_event, make_session):
    make_event()
    with app.app_context():
        event = get_event(slug="expo-2026")
        speaker = programme.save_speaker(event=event, full_name="Bùi Quang Hải")
        db.session.commit()
    make_session(title="Phiên 1", start_hours=1, hours=1, chairs=[speaker])
    make_session(title="Phiên 2", start_hours=2, hours=1, chairs=[speaker])
    assert kinds(app) == []


def test_two_sessions_in_one_room_at_once_are_refused(app, make_event, make_session):
    make_event()
    make_session(title="Phiên 1", start_hours=1, hours=2)
    with pytest.raises(programme.RoomTaken):
        make_session(title="Phiên 2", start_hours=2, hours=1)
    with app.app_context():
        assert db.session.query(ConferenceSession).count() == 1


def test_speaker_room_hours_event_dates_and_capacity_are_flagged(app, make_event, make_session):
    make_event()
    with app.app_context():
        event = get_event(slug="expo-2026")
        hai = programme.save_speaker(event=event, full_name="Bùi Quang Hải")
        programme.save_room(
            event=event,
            name_vi="Phòng nhỏ",
            name_en="Small room",
            capacity=20,
            windows=[(event.starts_at, event.starts_at + timedelta(hours=4))],
        )
        db.session.commit()
    make_session(title="A", room="Phòng 1", start_hours=1, hours=2, chairs=[hai])
    make_session(title="B", room="Phòng 2", start_hours=2, hours=1, speakers=[hai])
    assert kinds(app) == [("person", 2)]
    make_session(title="C", room="Phòng nhỏ", start_hours=3, hours=2, capacity=30)
    assert kinds(app) == [("capacity", 1), ("person", 2), ("room_hours", 1)]
    make_session(title="D", room="Phòng 1", start_hours=-3, hours=1)
    assert ("event_dates", 1) in kinds(app)


def test_an_attendee_seated_in_two_overlapping_sessions_is_flagged(
    app, make_event, make_session, make_visitor
):
    make_event()
    a = make_session(title="A", room="Phòng 1", start_hours=1, hours=2)
    b = make_session(title="B", room="Phòng 2", start_hours=5, hours=1)
    visitor = make_visitor()
    with app.app_context():
        from exhibition.visitors.models import Registration

        person = db.session.get(Registration, visitor["id"])
        for sid in (a, b):
            seats.book(session=db.session.get(ConferenceSession, sid), registration=person)
        db.session.commit()
        # The organiser moves B onto A's time: the person now holds two seats at once.
        moved = db.session.get(ConferenceSession, b)
        programme.place_session(
            session=moved,
            room=moved.room,
            starts_at=moved.starts_at - timedelta(hours=3),
            ends_at=moved.ends_at - timedelta(hours=3),
        )
        db.session.commit()
    assert kinds(app) == [("attendee", 2)]


def test_a_visitor_cannot_take_two_seats_at_once(app, make_event, make_session, make_visitor):
    make_event()
    a = make_session(title="A", room="Phòng 1", start_hours=1, hours=2)
    b = make_session(title="B", room="Phòng 2", start_hours=2, hours=1)
    visitor = make_visitor()
    with app.app_context():
        from exhibition.visitors.models import Registration

        person = db.session.get(Registration, visitor["id"])
        seats.book(session=db.session.get(ConferenceSession, a), registration=person)
        with pytest.raises(seats.SessionOverlap):
            seats.book(session=db.session.get(ConferenceSession, b), registration=person)
        assert SessionType.SEMINAR is db.session.get(ConferenceSession, a).type

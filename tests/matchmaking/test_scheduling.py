"""The organisers' schedule from the database: the problem built from availability, programme
seats, published meetings, limits and booths; drafts, publication and who is told."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking import scheduling
from exhibition.matchmaking.models import (
    Absence,
    Meeting,
    MeetingSession,
    MeetingState,
    Mode,
    Participant,
    PlaceKind,
    PlaceUse,
    RequestState,
)
from exhibition.matchmaking.scheduler import Reason
from exhibition.matchmaking.slots import slots_of
from exhibition.visitors.models import Registration
from tests.matchmaking.conftest import get

ALL = range(7)  # 08:30–11:30 in 20-minute slots with 5 minutes between: 7 slots


@pytest.fixture
def org(app, make_event, make_meeting_session, make_participant):
    """An organiser-scheduled session with two tables; `people(side)` makes participants."""
    make_event()
    sid = make_meeting_session(mode=Mode.ORGANISER, table_count=2)

    def person(side="buyer", **kw):
        return make_participant(side=side, company=kw.pop("company", None), **kw)

    return {"session": sid, "person": person}


def accepted(org, requester, recipient, must_meet=False) -> int:
    """An accepted request between two participants; returns its id."""
    session = get(MeetingSession, org["session"])
    asked = mr.request_meeting(
        session=session,
        requester=get(Participant, requester),
        recipient=get(Participant, recipient),
        must_meet=must_meet,
    )
    mr.accept(request=asked.request, participant=get(Participant, recipient))
    db.session.commit()
    return asked.request.id


def absent(participant_id, session_id, slots) -> None:
    starts = slots_of(get(MeetingSession, session_id))
    for i in slots:
        db.session.add(Absence(participant_id=participant_id, starts_at=starts[i]))
    db.session.commit()


def run(org, **kw):
    session = get(MeetingSession, org["session"])
    solution = scheduling.run(session=session, user=None, **kw)
    db.session.commit()
    return solution


def publish(org):
    told = scheduling.publish(session=get(MeetingSession, org["session"]), user=None)
    db.session.commit()
    return {p.id for p in told}


def meetings(org, **where):
    stmt = sa.select(Meeting).where(Meeting.session_id == org["session"]).order_by(Meeting.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Meeting, name) == value)
    return list(db.session.scalars(stmt))


def slot_of(org, meeting) -> int:
    return slots_of(get(MeetingSession, org["session"])).index(meeting.starts_at)


def agendas() -> list[int]:
    """The registrations sent an agenda, one entry per e-mail."""
    return sorted(
        db.session.scalars(
            sa.select(OutboxMessage.registration_id).where(OutboxMessage.kind == "meeting_agenda")
        )
    )


def registration_of(participant_id) -> int:
    return get(Participant, participant_id).registration_id


def test_run_writes_drafts_nobody_sees_until_published(app, org):
    with app.app_context():
        b1, b2, s1, s2 = (org["person"](side) for side in ("buyer",) * 2 + ("supplier",) * 2)
        for pair in ((b1, s1), (b1, s2), (b2, s1)):
            accepted(org, *pair)
        solution = run(org)
        drafts = meetings(org)
        assert len(solution.placements) == 3 and solution.unplaced == {}
        assert [m.published for m in drafts] == [False] * 3
        assert mr.meetings_of(get(Participant, b1)) == []
        # Nobody twice in a slot, no table twice in a slot.
        seen = [(p, m.starts_at) for m in drafts for p in (m.a_id, m.b_id)]
        assert len(seen) == len(set(seen))
        places = [(m.starts_at, m.table_number) for m in drafts]
        assert len(places) == len(set(places))
        assert agendas() == []
        session = get(MeetingSession, org["session"])
        assert session.last_run["placed"] == 3 and session.last_run["optimal"] is True
        assert scheduling.people_to_tell(session) == {b1, b2, s1, s2}


def test_absences_programme_seats_and_published_meetings_are_respected(app, org, make_session):
    from exhibition.programme import seats
    from exhibition.programme.models import ConferenceSession

    seminar = make_session(title="Hội thảo khuôn mẫu", capacity=50)
    with app.app_context():
        buyer, supplier = org["person"]("buyer"), org["person"]("supplier")
        other = org["person"]("buyer")
        starts = slots_of(get(MeetingSession, org["session"]))
        # The supplier holds a seat in a seminar 09:45–10:05 (slot 3 only).
        conference = get(ConferenceSession, seminar)
        conference.starts_at, conference.ends_at = starts[3], starts[3] + timedelta(minutes=20)
        seats.book(session=conference, registration=get(Registration, registration_of(supplier)))
        db.session.commit()
        absent(buyer, org["session"], (0, 1, 2, 5, 6))
        request = accepted(org, buyer, supplier)
        run(org)
        (meeting,) = meetings(org)
        assert meeting.request_id == request and slot_of(org, meeting) == 4
        publish(org)
        # Slot 4 now taken by a published meeting: the supplier's next pair avoids it.
        absent(other, org["session"], (0, 1, 2, 5, 6))
        late = accepted(org, other, supplier)
        solution = run(org)
        assert solution.unplaced == {late: Reason.NO_COMMON_SLOT}
        assert get(MeetingSession, org["session"]).last_run["unplaced"] == [
            {"request_id": late, "reason": "no_common_slot"}
        ]


def test_slots_already_begun_are_not_used(app, org):
    with app.app_context():
        buyer, supplier = org["person"]("buyer"), org["person"]("supplier")
        accepted(org, buyer, supplier)
        starts = slots_of(get(MeetingSession, org["session"]))
        run(org, now=starts[5] + timedelta(minutes=1))
        (meeting,) = meetings(org)
        assert slot_of(org, meeting) == 6


def test_limits_count_published_meetings(app, org):
    with app.app_context():
        supplier = org["person"]("supplier", limit=2)
        b1, b2, b3 = (org["person"]("buyer") for _ in range(3))
        accepted(org, b1, supplier)
        run(org)
        publish(org)
        second, third = accepted(org, b2, supplier), accepted(org, b3, supplier, must_meet=True)
        solution = run(org)
        # One place left: the must-meet pair takes it.
        assert [p.pair_id for p in solution.placements] == [third]
        assert solution.unplaced == {second: Reason.LIMIT_REACHED}
        assert (
            scheduling.unplaced_counts(get(MeetingSession, org["session"]))[Reason.LIMIT_REACHED]
            == 1
        )


def test_booth_hosts_receive_at_their_booth_within_their_seats(
    app, org, make_exhibitor, make_visitor
):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.matchmaking.sessions import set_booth_host

    exhibitor_id = make_exhibitor()
    staff = [make_visitor()["id"] for _ in range(2)]
    # Two of the exhibitor's people match, but the booth has one representative's seat.
    s1, s2 = org["person"]("supplier"), org["person"]("supplier")
    b1, b2, b3 = (org["person"]("buyer") for _ in range(3))
    lone = org["person"]("supplier")
    with app.app_context():
        for rid in [*staff, registration_of(s1), registration_of(s2)]:
            get(Registration, rid).exhibitor_id = exhibitor_id
        db.session.commit()
        set_booth_host(
            session=get(MeetingSession, org["session"]),
            exhibitor=get(Exhibitor, exhibitor_id),
            registration_ids=staff[:1],
            user=None,
        )
        db.session.commit()
        for buyer in (b1, b2):
            absent(buyer, org["session"], range(1, 7))
        first, second = accepted(org, b1, s1), accepted(org, b2, s2)
        table = accepted(org, b3, lone)
        solution = run(org)
        booth = {p.pair_id: p for p in solution.placements if p.pool != "tables"}
        assert list(booth.values())[0].pool == f"booth:{exhibitor_id}"
        assert len(booth) == 1 and set(solution.unplaced) == ({first, second} - set(booth))
        assert set(solution.unplaced.values()) == {Reason.NO_PLACE}
        by_request = {m.request_id: m for m in meetings(org)}
        placed = by_request[next(iter(booth))]
        assert (placed.place_kind, placed.exhibitor_id) == (PlaceKind.BOOTH, exhibitor_id)
        assert by_request[table].place_kind is PlaceKind.TABLE
        use = db.session.scalar(sa.select(PlaceUse.place).where(PlaceUse.meeting_id == placed.id))
        assert use == f"booth:{exhibitor_id}:1"


def test_the_same_input_gives_the_same_drafts(app, org):
    with app.app_context():
        buyers = [org["person"]("buyer") for _ in range(4)]
        suppliers = [org["person"]("supplier") for _ in range(3)]
        for i, buyer in enumerate(buyers):
            for supplier in suppliers[: 1 + i % 3]:
                accepted(org, buyer, supplier, must_meet=i == 3)
        absent(buyers[0], org["session"], (0, 1, 2, 3))

        def drafts():
            return sorted(
                (m.request_id, m.starts_at, m.table_number) for m in meetings(org, published=False)
            )

        run(org)
        first = drafts()
        run(org)
        assert drafts() == first and len(first) == 7
        assert len(meetings(org)) == 7  # the earlier drafts were replaced, not added to


def test_publish_tells_each_person_once_and_republish_only_the_changed(app, org):
    with app.app_context():
        b1, b2, s1, s2 = (org["person"](side) for side in ("buyer",) * 2 + ("supplier",) * 2)
        accepted(org, b1, s1)
        accepted(org, b1, s2)
        accepted(org, b2, s2)
        run(org)
        assert publish(org) == {b1, b2, s1, s2}
        assert agendas() == sorted(registration_of(p) for p in (b1, b2, s1, s2))
        session = get(MeetingSession, org["session"])
        assert session.published_at is not None
        assert [m.published for m in meetings(org)] == [True] * 3
        assert len(mr.meetings_of(get(Participant, b1))) == 2
        b1_mail = db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.kind == "meeting_agenda",
                OutboxMessage.registration_id == registration_of(b1),
            )
        )
        listed = [line for line in b1_mail.body_text.splitlines() if line.startswith("- ")]
        assert len(listed) == 2  # both meetings, each with its time, table and company
        assert get(Participant, s2).company in b1_mail.body_text
        before = {m.id: (m.uid, m.sequence, m.starts_at) for m in meetings(org)}

        # Publishing again with nothing new tells nobody.
        run(org)
        assert publish(org) == set()
        # A new pair: only its two people hear, with their whole agenda.
        b3 = org["person"]("buyer")
        accepted(org, b3, s1)
        run(org)
        assert publish(org) == {b3, s1}
        assert len(agendas()) == 6
        after = {m.id: (m.uid, m.sequence, m.starts_at) for m in meetings(org)}
        assert {k: after[k] for k in before} == before


def test_a_published_meeting_that_no_longer_fits_moves_with_its_uid_and_a_new_sequence(app, org):
    with app.app_context():
        b1, b2, s1, s2 = (org["person"](side) for side in ("buyer",) * 2 + ("supplier",) * 2)
        moving_request = accepted(org, b1, s1)
        accepted(org, b2, s2)
        run(org)
        publish(org)
        moving = next(m for m in meetings(org) if m.request_id == moving_request)
        other = next(m for m in meetings(org) if m.request_id != moving_request)
        uid, other_state = moving.uid, (other.uid, other.sequence, other.starts_at)
        old_slot = slot_of(org, moving)
        absent(b1, org["session"], (old_slot,))
        run(org)
        session = get(MeetingSession, org["session"])
        assert [m["meeting_id"] for m in session.last_run["moves"]] == [moving.id]
        assert scheduling.people_to_tell(session) == {b1, s1}
        assert publish(org) == {b1, s1}
        db.session.expire_all()
        moved = get(Meeting, moving.id)
        assert (moved.uid, moved.sequence, moved.notified_sequence) == (uid, 1, 1)
        assert slot_of(org, moved) != old_slot and moved.state is MeetingState.SCHEDULED
        other = get(Meeting, other.id)
        assert (other.uid, other.sequence, other.starts_at) == other_state
        assert len(agendas()) == 4 + 2


def test_a_published_pair_placed_nowhere_is_cancelled_and_told(app, org):
    with app.app_context():
        b1, b2, s1, s2 = (org["person"](side) for side in ("buyer",) * 2 + ("supplier",) * 2)
        lost = accepted(org, b1, s1)
        accepted(org, b2, s2)
        run(org)
        publish(org)
        absent(b1, org["session"], ALL)
        solution = run(org)
        assert solution.unplaced == {lost: Reason.NO_COMMON_SLOT}
        assert publish(org) == {b1, s1}
        db.session.expire_all()
        meeting = db.session.scalar(sa.select(Meeting).where(Meeting.request_id == lost))
        assert (meeting.state, meeting.sequence) == (MeetingState.CANCELLED, 1)
        assert meeting.request.state is RequestState.ACCEPTED
        mail = db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.kind == "meeting_agenda",
                OutboxMessage.registration_id == registration_of(s1),
            )
            .order_by(OutboxMessage.id)
        ).all()[-1]
        assert get(Participant, b1).company in mail.body_text
        # Free again: the next run places the pair anew in the same row (the same UID).
        db.session.execute(sa.delete(Absence).where(Absence.participant_id == b1))
        db.session.commit()
        run(org)
        assert publish(org) == {b1, s1}
        db.session.expire_all()
        again = get(Meeting, meeting.id)
        assert (again.state, again.sequence, again.uid) == (
            MeetingState.SCHEDULED,
            2,
            meeting.uid,
        )


def test_nothing_to_publish_before_a_run_and_self_sessions_refused(app, org, make_meeting_session):
    with app.app_context():
        with pytest.raises(scheduling.NothingToPublish):
            scheduling.publish(session=get(MeetingSession, org["session"]), user=None)
    # another session of the same exhibition, self-scheduled, later in the day
    with app.app_context():
        first = get(MeetingSession, org["session"])
        starts, ends = first.ends_at + timedelta(hours=1), first.ends_at + timedelta(hours=3)
    sid = make_meeting_session(
        starts_at=starts, ends_at=ends, booking_closes_at=starts, name_vi="Buổi chiều"
    )
    with app.app_context():
        with pytest.raises(scheduling.NotOrganiserScheduled):
            scheduling.run(session=get(MeetingSession, sid), user=None)


def test_runs_and_publications_are_audited(app, org):
    from exhibition.accounts.models import AuditEntry

    with app.app_context():
        accepted(org, org["person"]("buyer"), org["person"]("supplier"))
        run(org)
        publish(org)
        actions = db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.action.like("matchmaking.%"))
            .order_by(AuditEntry.id)
        ).all()
        assert actions[-2:] == ["matchmaking.scheduled", "matchmaking.published"]
        from flask_babel import force_locale

        from exhibition.accounts.audit import describe

        entries = db.session.scalars(
            sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)
        ).all()
        with app.test_request_context(), force_locale("en"):
            assert [describe(e) for e in entries] == [
                "Kết nối giao thương buổi sáng: 2 people e-mailed",
                "Kết nối giao thương buổi sáng: 1 of 1 pairs placed, 0 left out",
            ]


def test_the_page_computes_and_publishes_through_its_own_forms(app, client, org):
    from exhibition.accounts.models import Role
    from exhibition.accounts.services import create_organiser, grant_role
    from exhibition.events.services import get_event
    from tests.conftest import csrf_token, login_client

    with app.app_context():
        user = create_organiser(
            email="ketnoi@example.com", password="mat-khau-dai", administrator=False
        )
        grant_role(user=user, event=get_event(slug="expo-2026"), role=Role.MATCHMAKING)
        db.session.commit()
        buyer, supplier = org["person"]("buyer"), org["person"]("supplier")
        accepted(org, buyer, supplier)
    login_client(app, client, email="ketnoi@example.com")
    url = f"/admin/events/expo-2026/matchmaking/sessions/{org['session']}/schedule/"
    for lang in ("vi", "en"):
        assert client.get(url, query_string={"lang": lang}).status_code == 200
    page = client.get(url).text
    assert 'id="schedule-grid"' not in page and 'id="publish"' not in page
    computed = client.post(url + "compute", data={"csrf_token": csrf_token(page)})
    assert computed.status_code == 302
    page = client.get(url).text
    assert 'id="schedule-grid"' in page and 'id="publish"' in page
    assert client.post(url + "publish", data={}).status_code == 400  # no token, no publication
    published = client.post(url + "publish", data={"csrf_token": csrf_token(page)})
    assert published.status_code == 302
    with app.app_context():
        assert len(agendas()) == 2
        assert get(MeetingSession, org["session"]).published_at is not None
    for lang in ("vi", "en"):
        assert client.get(url, query_string={"lang": lang}).status_code == 200
    assert client.get(url.replace(str(org["session"]), "999999")).status_code == 404


def test_a_moving_meeting_keeps_its_old_slot_and_table_until_published(app, org):
    with app.app_context():
        b1, b2, s1, s2 = (org["person"](side) for side in ("buyer",) * 2 + ("supplier",) * 2)
        session = get(MeetingSession, org["session"])
        session.table_count = 1
        db.session.commit()
        moving = accepted(org, b1, s1)
        run(org)
        publish(org)
        old = slot_of(org, meetings(org)[0])
        absent(b1, org["session"], (old,))
        # The new pair could meet only then, at the one table the moving meeting still holds.
        others = [i for i in ALL if i != old]
        absent(b2, org["session"], others)
        absent(s2, org["session"], others)
        late = accepted(org, b2, s2)
        solution = run(org)
        assert [p.pair_id for p in solution.placements] == [moving]
        assert solution.unplaced == {late: Reason.NO_COMMON_SLOT}
        assert publish(org) == {b1, s1}


def test_a_meeting_already_begun_stays_whatever_changed(app, org):
    with app.app_context():
        buyer, supplier = org["person"]("buyer", limit=1), org["person"]("supplier")
        accepted(org, buyer, supplier)
        run(org)
        publish(org)
        (meeting,) = meetings(org)
        slot = slot_of(org, meeting)
        absent(buyer, org["session"], (slot,))
        later = accepted(org, org["person"]("buyer"), supplier)
        solution = run(org, now=meeting.starts_at + timedelta(minutes=5))
        # Held (or being held): it stays, counts against limits and keeps its slot busy.
        assert solution.unplaced.get(later) in (None, Reason.NO_COMMON_SLOT)
        db.session.expire_all()
        (kept,) = [m for m in meetings(org) if m.published]
        assert (kept.starts_at, kept.sequence, kept.state) == (
            meeting.starts_at,
            0,
            MeetingState.SCHEDULED,
        )
        assert get(MeetingSession, org["session"]).last_run["moves"] == []
        assert get(MeetingSession, org["session"]).last_run["cancels"] == []

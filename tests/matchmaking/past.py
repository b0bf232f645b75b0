"""Helpers for meetings that took place: a session yesterday, meetings booked before it, scans."""

from datetime import UTC, datetime, timedelta

from exhibition.extensions import db
from exhibition.matchmaking import requests as mr
from exhibition.matchmaking.models import Meeting, MeetingSession, Participant
from exhibition.matchmaking.slots import slots_of
from exhibition.visitors.models import Registration
from tests.matchmaking.conftest import HANOI, get, local


def yesterday():
    return (datetime.now(HANOI) - timedelta(days=1)).date()


def past_session(make_meeting_session, **overrides):
    """A session that took place yesterday morning (scans of it are still taken: within 7 days)."""
    day = yesterday()
    return make_meeting_session(
        starts_at=local(day, 8, 30),
        ends_at=local(day, 11, 30),
        booking_opens_at=local(day, 8, 30) - timedelta(days=3),
        booking_closes_at=local(day, 8, 30),
        **overrides,
    )


def meet(session_id, requester_id, recipient_id, slot=0) -> int:
    """A meeting booked by a request and its acceptance (self-scheduled), before the session."""
    session = get(MeetingSession, session_id)
    before = session.starts_at - timedelta(hours=2)
    start = slots_of(session)[slot]
    asked = mr.request_meeting(
        session=session,
        requester=get(Participant, requester_id),
        recipient=get(Participant, recipient_id),
        starts=[start],
        now=before,
    )
    mr.accept(request=asked.request, participant=get(Participant, recipient_id), now=before)
    db.session.commit()
    return asked.request.id and db.session.scalar(
        db.select(Meeting.id).where(Meeting.request_id == asked.request.id)
    )


def badge(participant_id) -> str:
    participant = get(Participant, participant_id)
    return db.session.get(Registration, participant.registration_id).badge_code


def table_scan(client, token, session_id, code, at, table=1, slug="expo-2026"):
    return client.post(
        f"/api/v1/events/{slug}/matchmaking/scan",
        json={
            "code": code,
            "session_id": session_id,
            "table": table,
            "scanned_at": at.astimezone(UTC).isoformat(),
        },
        headers={"Authorization": f"Bearer {token}"},
    )

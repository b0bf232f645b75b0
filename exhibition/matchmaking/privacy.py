"""Business matching when a person cancels their registration or has their data erased, and
their matching data in "my data"."""

from datetime import datetime

import sqlalchemy as sa

from ..dbtypes import iso_utc
from ..extensions import db
from ..visitors.models import Registration
from .models import Meeting, MeetingRequest, MeetingState, Participant, Rating
from .participants import participant_of
from .requests import cancel_meeting, withdraw_pending


def _future_meetings(participant: Participant, now: datetime) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting).where(
                sa.or_(Meeting.a_id == participant.id, Meeting.b_id == participant.id),
                Meeting.state == MeetingState.SCHEDULED,
                Meeting.starts_at > now,
            )
        )
    )


def give_up(*, registration: Registration, now: datetime) -> Participant | None:
    """The person is gone (cancelled or erased): off the directory, their pending requests
    withdrawn, their meetings still ahead cancelled (the other side told once)."""
    participant = participant_of(registration)
    if participant is None:
        return None
    participant.listed = False
    withdraw_pending(participant=participant, now=now)
    for meeting in _future_meetings(participant, now):
        # A draft of the organisers' schedule is cancelled as they would (nobody was told of
        # it); a published one by the person, so that the other side is told.
        cancel_meeting(
            meeting=meeting, participant=participant if meeting.published else None, now=now
        )
    db.session.flush()
    return participant


def erase(*, registration: Registration, now: datetime) -> None:
    """Blank what the person wrote in business matching: profile, messages, notes."""
    participant = give_up(registration=registration, now=now)
    if participant is None:
        return
    participant.company = participant.offer = participant.search_text = ""
    participant.sectors = []
    for column, owner in (
        (MeetingRequest.message, MeetingRequest.requester_id),
        (MeetingRequest.answer, MeetingRequest.recipient_id),
    ):
        db.session.execute(
            sa.update(MeetingRequest)
            .where(owner == participant.id)
            .values({column.key: ""})
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.update(Rating)
        .where(Rating.participant_id == participant.id)
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def export_of(*, registration: Registration) -> dict | None:
    """The person's business matching for "my data": profile, requests, meetings, ratings."""
    participant = participant_of(registration)
    if participant is None:
        return None
    requests = db.session.scalars(
        sa.select(MeetingRequest)
        .where(
            sa.or_(
                MeetingRequest.requester_id == participant.id,
                MeetingRequest.recipient_id == participant.id,
            )
        )
        .order_by(MeetingRequest.created_at)
    ).all()
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(sa.or_(Meeting.a_id == participant.id, Meeting.b_id == participant.id))
        .order_by(Meeting.starts_at)
    ).all()
    ratings = db.session.scalars(
        sa.select(Rating).where(Rating.participant_id == participant.id).order_by(Rating.id)
    ).all()
    return {
        "listed": participant.listed,
        "side": participant.side.value,
        "company": participant.company,
        "offer": participant.offer,
        "sectors": [s.code for s in participant.sectors],
        "meeting_limit": participant.meeting_limit,
        "requests": [
            {
                "sent": r.requester_id == participant.id,
                "state": r.state.value,
                "message": r.message if r.requester_id == participant.id else None,
                "answer": r.answer if r.recipient_id == participant.id else None,
                "created_at": iso_utc(r.created_at),
            }
            for r in requests
        ],
        "meetings": [
            {
                "starts_at": iso_utc(m.starts_at),
                "ends_at": iso_utc(m.ends_at),
                "state": m.state.value,
                "published": m.published,
            }
            for m in meetings
        ],
        "ratings": [{"outcome": r.outcome.value, "note": r.note} for r in ratings],
    }

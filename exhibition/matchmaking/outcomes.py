"""How meetings went: after its slot, each side rates the meeting once, with a note."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..extensions import db
from .models import MESSAGE_LENGTH, Meeting, MeetingState, Outcome, Participant, Rating


class NotYetOver(DomainError):
    code = "meeting_not_over"
    status = 409
    message = _l("A meeting is rated after its end.")


class AlreadyRated(DomainError):
    code = "already_rated"
    status = 409
    message = _l("You have already rated this meeting.")


class NoteTooLong(DomainError):
    code = "note_too_long"
    status = 422
    message = _l("The note is at most 500 characters.")


def meeting_of(*, participant: Participant, meeting_id: int) -> Meeting:
    """One of the participant's scheduled, published meetings; anything else is not found."""
    meeting = db.session.get(Meeting, meeting_id)
    if (
        meeting is None
        or participant.id not in (meeting.a_id, meeting.b_id)
        or meeting.state is not MeetingState.SCHEDULED
        or not meeting.published
    ):
        raise NotFound()
    return meeting


def rating_of(meeting: Meeting, participant: Participant) -> Rating | None:
    return db.session.scalar(
        sa.select(Rating).where(
            Rating.meeting_id == meeting.id, Rating.participant_id == participant.id
        )
    )


def may_rate(meeting: Meeting, participant: Participant, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return meeting.ends_at <= now and rating_of(meeting, participant) is None


def rate(
    *,
    meeting: Meeting,
    participant: Participant,
    outcome: Outcome,
    note: str = "",
    now: datetime | None = None,
) -> Rating:
    """The participant's word on the meeting, once, after its end (the unique key of
    meeting_ratings keeps a second one out however it is sent)."""
    now = now or utcnow()
    if participant.id not in (meeting.a_id, meeting.b_id):
        raise NotFound()
    note = (note or "").strip()
    if len(note) > MESSAGE_LENGTH:
        raise NoteTooLong()
    if meeting.ends_at > now:
        raise NotYetOver()
    if rating_of(meeting, participant) is not None:
        raise AlreadyRated()
    rating = Rating(
        meeting_id=meeting.id,
        participant_id=participant.id,
        outcome=outcome,
        note=note,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except sa.exc.IntegrityError as error:  # the same side rating twice at once
        raise AlreadyRated() from error
    return rating

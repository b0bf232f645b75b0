"""An exhibitor's admin gives each meeting at its booth to one of its representatives; one who
has another meeting in that slot is unavailable (the database refuses a representative twice in
one slot: uq_meetings_representative_id_starts_at)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, NotFound
from ..extensions import db
from .models import (
    BoothHost,
    Hold,
    Meeting,
    MeetingSession,
    MeetingState,
    Participant,
    PlaceKind,
    Representative,
)


class RepresentativeBusy(DomainError):
    code = "representative_busy"
    status = 409
    message = _l("This representative has another meeting at that time.")


@dataclass
class Choice:
    representative: Representative
    busy: bool  # has another meeting in this slot


def booth_meetings(*, exhibitor) -> list[Meeting]:
    """The exhibitor's scheduled meetings at its booth, by session and time."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .join(MeetingSession, MeetingSession.id == Meeting.session_id)
            .where(
                Meeting.place_kind == PlaceKind.BOOTH,
                Meeting.exhibitor_id == exhibitor.id,
                Meeting.state == MeetingState.SCHEDULED,
                Meeting.published.is_(True),  # the organisers' drafts are nobody's yet
            )
            .order_by(MeetingSession.starts_at, Meeting.starts_at, Meeting.id)
        )
    )


def booth_meeting(*, exhibitor, meeting_id: int) -> Meeting:
    """One of the exhibitor's scheduled booth meetings; anything else is not found."""
    meeting = db.session.get(Meeting, meeting_id)
    if (
        meeting is None
        or meeting.place_kind is not PlaceKind.BOOTH
        or meeting.exhibitor_id != exhibitor.id
        or meeting.state is not MeetingState.SCHEDULED
        or not meeting.published
    ):
        raise NotFound()
    return meeting


def _representatives(meeting: Meeting) -> list[Representative]:
    host = db.session.scalar(
        sa.select(BoothHost).where(
            BoothHost.session_id == meeting.session_id,
            BoothHost.exhibitor_id == meeting.exhibitor_id,
        )
    )
    return list(host.representatives) if host is not None else []


def choices(meeting: Meeting) -> list[Choice]:
    """The booth's representatives for this meeting, each marked busy when they receive another
    meeting in its slot or have one of their own (as a participant) then."""
    representatives = _representatives(meeting)
    in_own_meeting = set(
        db.session.scalars(
            sa.select(Participant.registration_id)
            .join(Hold, Hold.participant_id == Participant.id)
            .where(
                Participant.registration_id.in_([r.registration_id for r in representatives]),
                Hold.starts_at == meeting.starts_at,
                Hold.meeting_id != meeting.id,
            )
        )
    )
    busy = set(
        db.session.scalars(
            sa.select(Meeting.representative_id).where(
                Meeting.representative_id.in_([r.id for r in representatives]),
                Meeting.starts_at == meeting.starts_at,
                Meeting.state == MeetingState.SCHEDULED,
                Meeting.id != meeting.id,
            )
        )
    )
    return [Choice(r, r.id in busy or r.registration_id in in_own_meeting) for r in representatives]


def assign_representative(
    *, meeting: Meeting, representative: Representative | None, exhibitor
) -> Meeting:
    """Give the booth meeting to one of the exhibitor's representatives of that session (None:
    to nobody yet). RepresentativeBusy when they have another meeting in the slot."""
    if meeting.exhibitor_id != exhibitor.id or meeting.place_kind is not PlaceKind.BOOTH:
        raise NotFound()
    if representative is not None:
        if representative.id not in {r.id for r in _representatives(meeting)}:
            raise NotFound()
        if any(c.busy for c in choices(meeting) if c.representative.id == representative.id):
            raise RepresentativeBusy()
    meeting.representative_id = representative.id if representative is not None else None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as error:  # given to them elsewhere at the same moment
        raise RepresentativeBusy() from error
    return meeting

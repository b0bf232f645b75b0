"""What the person's business-matching actions do, shared by their pages (views.py) and the
participant API (api/matching_views.py): each commits and returns the message for the person and the
JSON of what it did, or raises the service's DomainError; refusals as JSON with their code."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, jsonify, make_response, request
from flask_babel import gettext as _
from pydantic import ValidationError as BodyInvalid

from ..api.schemas.matching import RequestBody, meeting_json, request_json
from ..errors import DomainError, NotFound, json_error, refused
from ..extensions import db
from ..i18n import local_datetime
from . import participants, requests
from .display import meeting_place
from .models import Meeting, MeetingState
from .sessions import get_session

LATE_HOURS = int(requests.LATE.total_seconds() // 3600)


def refusal_message(error: DomainError) -> str:
    message = str(error.message)
    alternatives = getattr(error, "alternatives", None)
    if alternatives:
        times = "; ".join(local_datetime(start) for start in alternatives)
        message += " " + _("Next free times for both of you: %(times)s.", times=times)
    elif isinstance(error, requests.SlotTaken):
        message += " " + _("There is no other free time for both of you in this session.")
    return message


def error_json(error: DomainError):
    extra = {}
    if isinstance(error, requests.SlotTaken):
        extra["alternatives"] = [a.astimezone(UTC).isoformat() for a in error.alternatives]
    return json_error(error.code, refusal_message(error), error.status, **extra)


def read_body(model):
    try:
        return model.model_validate(request.get_json(silent=True) or {})
    except BodyInvalid as invalid:
        fields = {}
        for problem in invalid.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "body"
            fields.setdefault(name, str(model.REFUSALS.get(name) or _("Not allowed here.")))
        abort(
            make_response(
                json_error("validation_failed", _("Some fields are not valid."), 422, fields=fields)
            )
        )


def slot_value(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_slot(value) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def ask_json(registration, me, other):
    """A request from a JSON body (the page's fetch, or the API): 201 when new, 200 with the
    pair's request awaiting an answer."""
    body = read_body(RequestBody)
    with refused(quietly=True) as refusal:
        session = get_session(event=registration.event, session_id=body.session_id)
        asked = requests.request_meeting(
            session=session,
            requester=me,
            recipient=other,
            message=body.message,
            starts=[s.astimezone(UTC) for s in body.slots],
        )
    if refusal:
        return error_json(refusal.error)
    db.session.commit()
    return jsonify(
        {"ok": True, "created": asked.created, "request": request_json(asked.request, me)}
    ), (201 if asked.created else 200)


def accept_request(me, request_id: int, start: datetime | None) -> tuple[str, dict]:
    """Accept (committed): the message for the person and the JSON of what it did."""
    asked = requests.get_request(participant=me, request_id=request_id)
    requests.accept(request=asked, participant=me, start=start)
    db.session.commit()
    meeting = db.session.scalar(
        sa.select(Meeting).where(
            Meeting.request_id == asked.id, Meeting.state == MeetingState.SCHEDULED
        )
    )
    other = asked.other(me)
    if meeting is not None:
        message = _(
            "Meeting with %(name)s booked: %(when)s, %(place)s.",
            name=other.name,
            when=local_datetime(meeting.starts_at),
            place=meeting_place(meeting),
        )
    else:
        message = _(
            "You accepted %(name)s's request; the organisers will give you the time and place.",
            name=other.name,
        )
    return message, {
        "request": request_json(asked, me),
        "meeting": meeting_json(meeting, me) if meeting is not None else None,
    }


def decline_request(me, request_id: int, answer: str) -> tuple[str, dict]:
    asked = requests.get_request(participant=me, request_id=request_id)
    requests.decline(request=asked, participant=me, answer=answer)
    db.session.commit()
    message = _("You declined the request of %(name)s.", name=asked.other(me).name)
    return message, {"request": request_json(asked, me)}


def withdraw_request(me, request_id: int) -> tuple[str, dict]:
    asked = requests.get_request(participant=me, request_id=request_id)
    requests.withdraw(request=asked, participant=me)
    db.session.commit()
    message = _("You withdrew your request to %(name)s.", name=asked.other(me).name)
    return message, {"request": request_json(asked, me)}


def cancel_meeting(registration, meeting_id: int) -> tuple[str, dict]:
    """Cancel one of the person's meetings (listed or not: one who left may still cancel)."""
    me = participants.participant_of(registration)
    meeting = db.session.get(Meeting, meeting_id)
    if me is None or meeting is None or me.id not in (meeting.a_id, meeting.b_id):
        raise NotFound()
    requests.cancel_meeting(meeting=meeting, participant=me)
    db.session.commit()
    other = meeting.other(me).name
    if meeting.cancelled_late:
        message = _(
            "The meeting is cancelled. It was less than %(hours)d hours away: please also tell %(name)s if you can.",
            hours=LATE_HOURS,
            name=other,
        )
    else:
        message = _("The meeting is cancelled; %(name)s is told by e-mail.", name=other)
    return message, {"meeting": meeting_json(meeting, me)}

"""The bodies of business matching's participant API (matchmaking/views.py), under a person's
"my registration" link: the directory, a request, and the answers to one."""

from datetime import datetime
from typing import ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ...matchmaking.display import meeting_place

MAX_TEXT = 10_000  # longer bodies are refused as a whole; the services refuse past 500


class RequestBody(BaseModel):
    """Ask a participant for a meeting."""

    model_config = ConfigDict(extra="forbid")
    # The message of each refused field (`validation_failed`), in the request's language.
    REFUSALS: ClassVar[dict[str, object]] = {
        "session_id": _l("Give the id of one of the exhibition's matchmaking sessions."),
        "message": _l("The message may have at most 500 characters."),
        "slots": _l("Give at most three slot starts, as ISO 8601 times with their offset."),
    }

    session_id: int = Field(ge=1, le=2**31 - 1, description="The matchmaking session.")
    message: str = Field(
        default="", max_length=MAX_TEXT, description="At most 500 characters (else 422)."
    )
    slots: list[AwareDatetime] = Field(
        default_factory=list,
        max_length=3,
        description="One to three slot starts (ISO 8601) where people book their own meetings; "
        "none where the organisers schedule them.",
    )


class AcceptBody(BaseModel):
    """Accept a request received."""

    model_config = ConfigDict(extra="forbid")
    REFUSALS: ClassVar[dict[str, object]] = {
        "slot": _l("Give one of the proposed slots, as an ISO 8601 time with its offset.")
    }

    slot: AwareDatetime | None = Field(
        default=None, description="One of the proposed slots (optional when it proposed one)."
    )


class DeclineBody(BaseModel):
    """Decline a request received."""

    model_config = ConfigDict(extra="forbid")
    REFUSALS: ClassVar[dict[str, object]] = {
        "message": _l("The message may have at most 500 characters.")
    }

    message: str = Field(default="", max_length=MAX_TEXT, description="At most 500 characters.")


class MatchingSector(BaseModel):
    code: str
    name: str


class MatchingPerson(BaseModel):
    """A participant as the others see them: job title and province only when they show them,
    e-mail and phone only once a meeting between the two is accepted."""

    id: int
    name: str
    company: str
    side: Literal["buyer", "supplier"]
    sectors: list[MatchingSector]
    offer: str
    job_title: str | None = None
    province: str | None = None
    email: str | None = None
    phone: str | None = None


class Directory(BaseModel):
    people: list[MatchingPerson]
    page: int
    pages: int
    total: int


class MeetingRequestInfo(BaseModel):
    id: int
    session_id: int
    state: Literal["pending", "accepted", "declined", "cancelled", "expired"]
    direction: Literal["sent", "received"]
    other_id: int
    message: str
    answer: str
    slots: list[datetime]
    expires_at: datetime


class MeetingInfo(BaseModel):
    id: int
    state: Literal["scheduled", "cancelled"]
    starts_at: datetime
    ends_at: datetime
    place: str
    other_id: int
    cancelled_late: bool


class ActionAnswer(BaseModel):
    """What an action did."""

    ok: Literal[True]
    message: str
    request: MeetingRequestInfo | None = None
    meeting: MeetingInfo | None = None


class RequestAnswer(BaseModel):
    """The request sent, or (`created` false) the pair's request already awaiting an answer."""

    ok: Literal[True]
    created: bool
    request: MeetingRequestInfo


BODIES = (RequestBody, AcceptBody, DeclineBody)
ANSWERS = (Directory, MatchingPerson, ActionAnswer, RequestAnswer)


def person_json(participant, provinces: dict, *, contact: bool = False) -> dict:
    registration = participant.registration
    body = {
        "id": participant.id,
        "name": registration.full_name,
        "company": participant.company,
        "side": participant.side.value,
        "sectors": [{"code": s.code, "name": s.tr("name")} for s in participant.sectors],
        "offer": participant.offer,
        "job_title": registration.job_title
        if participant.show_job_title and registration.job_title
        else None,
        "province": provinces.get(registration.province_code)
        if participant.show_province and registration.province_code
        else None,
        "email": None,
        "phone": None,
    }
    if contact:
        body["email"] = registration.email if registration.has_email else None
        body["phone"] = registration.phone or None
    return body


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def request_json(request, me) -> dict:
    return {
        "id": request.id,
        "session_id": request.session_id,
        "state": request.state.value,
        "direction": "sent" if request.requester_id == me.id else "received",
        "other_id": request.other(me).id,
        "message": request.message,
        "answer": request.answer,
        "slots": [_iso(p.starts_at) for p in request.proposals],
        "expires_at": _iso(request.expires_at),
    }


def meeting_json(meeting, me) -> dict:
    return {
        "id": meeting.id,
        "state": meeting.state.value,
        "starts_at": _iso(meeting.starts_at),
        "ends_at": _iso(meeting.ends_at),
        "place": meeting_place(meeting),
        "other_id": meeting.other(me).id,
        "cancelled_late": meeting.cancelled_late,
    }

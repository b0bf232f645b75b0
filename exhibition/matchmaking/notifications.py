"""The e-mails of business matching, in the recipient's language, queued into the outbox: a
request received, answered or lapsed, a meeting cancelled, the organisers' schedule, reminders."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..mail.models import MessageKind
from ..mail.services import queue_email
from ..urls import public_url
from .models import Meeting, MeetingRequest, Participant, RequestState


def page_url(participant: Participant) -> str:
    """The person's business-matching page (in "my registration")."""
    registration = participant.registration
    return (
        public_url("visitors.manage", token=registration.manage_token, lang=registration.language)
        + "#matchmaking"
    )


def reachable(participant: Participant) -> bool:
    """Whether the person can be e-mailed at all (not cancelled, not erased, a real address)."""
    registration = participant.registration
    return registration.has_email and not (registration.is_cancelled or registration.is_erased)


def _send(
    participant: Participant, *, kind: MessageKind, subject, context: dict, template="meeting"
) -> None:
    if not reachable(participant):
        return
    registration = participant.registration
    event = registration.event
    language = registration.language
    queue_email(
        template,
        {
            "participant": participant,
            "registration": registration,
            "event": event,
            "kind": kind.value,
            "page_url": page_url(participant),
            **context,
        },
        to=registration.email,
        subject=subject,
        kind=kind,
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )


def request_received(request: MeetingRequest) -> None:
    """The recipient is asked, with the message and the proposed slots."""
    other = request.requester
    _send(
        request.recipient,
        kind=MessageKind.MEETING_REQUEST,
        subject=_l("Meeting request from %(company)s", company=other.company),
        context={"other": other, "request": request, "meeting": None},
    )


def request_answered(request: MeetingRequest) -> None:
    """The requester hears the answer (with the meeting's time and place when booked)."""
    other = request.recipient
    accepted = request.state is RequestState.ACCEPTED
    meeting = _meeting_of(request)
    _send(
        request.requester,
        kind=MessageKind.MEETING_ACCEPTED if accepted else MessageKind.MEETING_DECLINED,
        subject=(
            _l("%(company)s accepted your meeting request", company=other.company)
            if accepted
            else _l("%(company)s declined your meeting request", company=other.company)
        ),
        context={"other": other, "request": request, "meeting": meeting},
    )


def request_expired(request: MeetingRequest) -> None:
    """Both sides hear that the request lapsed unanswered; its slots are free again."""
    for person, other in (
        (request.requester, request.recipient),
        (request.recipient, request.requester),
    ):
        _send(
            person,
            kind=MessageKind.MEETING_EXPIRED,
            subject=_l("Meeting request lapsed: %(company)s", company=other.company),
            context={"other": other, "request": request, "meeting": None},
        )


def meeting_cancelled(meeting: Meeting, *, by: Participant | None) -> None:
    """The other side hears of the cancellation (both, when the organisers cancel)."""
    for person in (meeting.a, meeting.b):
        if by is not None and person.id == by.id:
            continue
        other = meeting.other(person)
        _send(
            person,
            kind=MessageKind.MEETING_CANCELLED,
            subject=_l("Meeting cancelled: %(company)s", company=other.company),
            context={"other": other, "request": meeting.request, "meeting": meeting},
        )


def _meeting_of(request: MeetingRequest) -> Meeting | None:
    return db.session.scalar(sa.select(Meeting).where(Meeting.request_id == request.id))


def agenda(
    participant: Participant, *, session, meetings: list[Meeting], cancelled: list[Meeting]
) -> None:
    """The organisers' schedule, published: the person's meetings of the session (time, place,
    the other company), and those of theirs it cancelled."""
    _send(
        participant,
        kind=MessageKind.MEETING_AGENDA,
        subject=_l(
            "Your business matching meetings: %(session)s",
            session=session.tr("name", participant.registration.language),
        ),
        context={"session": session, "meetings": meetings, "cancelled": cancelled},
        template="meeting_agenda",
    )


def staff_invited(registration, *, exhibitor) -> None:
    """An exhibitor's staff member gets their own page's link, where they may join business
    matching themselves (the consent is theirs to give, not the company's)."""
    if registration.is_cancelled or registration.is_erased:
        return
    event = registration.event
    language = registration.language
    url = (
        public_url("visitors.manage", token=registration.manage_token, lang=language)
        + "#matchmaking"
    )
    queue_email(
        "matching_invitation",
        {"registration": registration, "event": event, "exhibitor": exhibitor, "page_url": url},
        to=registration.email,
        subject=_l("Business matching at %(event)s", event=event.tr("name", language)),
        kind=MessageKind.MATCHING_INVITATION,
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )

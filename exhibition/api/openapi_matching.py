"""The participant API of business matching in the OpenAPI document (api/matching_views.py): a
person's directory, profiles, requests and meetings, under the secret of their "my registration"
link."""

from . import openapi as doc
from .schemas.matching import (
    AcceptBody,
    ActionAnswer,
    DeclineBody,
    Directory,
    MatchingPerson,
    RequestAnswer,
    RequestBody,
)

BASE = f"{doc.API}/matching/{{token}}"
TOKEN = doc._parameter(
    "token",
    "path",
    {"type": "string", "maxLength": 64},
    description="The secret of the person's “my registration” link (from their confirmation "
    "e-mail); it authenticates, so no cookie or CSRF token is sent.",
    example="Sn2kyz-msfpntJfwj6X_HNcAMf_vjASnodHtkOXFj0U",
)
ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
PERSON = ("registration_not_found", "registration_erased", "not_listed", "registration_cancelled")
LIMITED = ("too_many_requests",)
TIME = "2027-01-05T01:55:00Z"
PERSON_EXAMPLE = {
    "id": 7,
    "name": "Lê Thị Hoa",
    "company": "Cơ khí Hải An",
    "side": "supplier",
    "sectors": [{"code": "mechanical", "name": "Cơ khí chế tạo và gia công kim loại"}],
    "offer": "Gia công cơ khí chính xác",
    "job_title": "Giám đốc kỹ thuật",
    "province": None,
    "email": None,
    "phone": None,
}
REQUEST_EXAMPLE = {
    "id": 12,
    "session_id": 1,
    "state": "pending",
    "direction": "sent",
    "other_id": 7,
    "message": "Xin gặp để bàn về linh kiện cơ khí.",
    "answer": "",
    "slots": [TIME],
    "expires_at": "2027-01-03T01:55:00Z",
}


def _action(operation_id, summary, answered, *codes, body=None, example=None, **more) -> dict:
    operation = doc._operation(
        operation_id,
        summary,
        ActionAnswer,
        answered,
        errors=(*PERSON, "not_found", *codes, *LIMITED),
        security=[],
        parameters=[TOKEN, *more.pop("parameters", [])],
        **more,
    )
    if body is not None:
        model, field, value = body
        operation["requestBody"] = doc._body(model, value)
        operation["requestBody"]["required"] = False
        refused = (model, field)
        operation["responses"].update(
            doc._errors(*PERSON, "not_found", *codes, *LIMITED, refused=refused)
        )
    return operation


def _request_operation() -> dict:
    codes = (
        "self_request",
        "same_company",
        "same_side",
        "not_available",
        "booking_closed",
        "quota_reached",
        "message_too_long",
        "invalid_slots",
        "slot_taken",
        "validation_failed",
    )
    operation = doc._operation(
        "matchingRequest",
        "Ask a participant for a meeting",
        RequestAnswer,
        "The pair already has a request awaiting an answer: that one (`created` false).",
        errors=(*PERSON, "not_found", *codes, *LIMITED),
        security=[],
        description="A message of at most 500 characters and, in sessions where participants "
        "book their own meetings, one to three free slots, held for both until the request is "
        "answered or lapses. Refusals: to oneself, to one's own company, to someone who "
        "declined or blocked, outside the booking window, over one's quota (a withdrawn or "
        "lapsed request gives it back). `slot_taken` lists the next three common free slots "
        "in `alternatives`.",
        parameters=[TOKEN, doc._parameter("person_id", "path", ID, example=7)],
        requestBody=doc._body(
            RequestBody,
            {"session_id": 1, "message": "Xin gặp để bàn về linh kiện cơ khí.", "slots": [TIME]},
        ),
    )
    operation["responses"].update(
        doc._errors(*PERSON, "not_found", *codes, *LIMITED, refused=(RequestBody, "slots"))
    )
    content = {"schema": doc._ref(RequestAnswer)}
    content["example"] = {"ok": True, "created": True, "request": REQUEST_EXAMPLE}
    operation["responses"]["201"] = {
        "description": "The request, sent.",
        "content": {"application/json": content},
    }
    return operation


def matching_paths() -> dict:
    person_id = doc._parameter("person_id", "path", ID, example=7)
    request_id = doc._parameter("request_id", "path", ID, example=12)
    meeting_id = doc._parameter("meeting_id", "path", ID, example=3)
    return {
        f"{BASE}/people": {
            "get": doc._operation(
                "matchingDirectory",
                "The participants one may ask for a meeting",
                Directory,
                "One page (20) of listed participants, by company.",
                errors=(*PERSON, *LIMITED),
                security=[],
                example={"people": [PERSON_EXAMPLE], "page": 1, "pages": 1, "total": 1},
                description="Only what each person agreed to show: job title and province "
                "only when they show them; never e-mail or phone here.",
                parameters=[
                    TOKEN,
                    doc._parameter(
                        "q",
                        "query",
                        {"type": "string"},
                        description="Every word, diacritics and case ignored.",
                        example="co khi hai an",
                    ),
                    doc._parameter("side", "query", {"type": "string"}, example="supplier"),
                    doc._parameter("sector", "query", {"type": "string"}, example="mechanical"),
                    doc._parameter("province", "query", {"type": "string"}, example="HP"),
                    doc._parameter("page", "query", {"type": "string"}, example="1"),
                ],
            )
        },
        f"{BASE}/people/{{person_id}}": {
            "get": doc._operation(
                "matchingPerson",
                "One participant",
                MatchingPerson,
                "The participant as the others see them.",
                errors=(*PERSON, "not_found", *LIMITED),
                security=[],
                example=PERSON_EXAMPLE,
                description="E-mail and phone are given once a meeting between the two is "
                "accepted. Another exhibition's participant, or one not listed, is not found.",
                parameters=[TOKEN, person_id],
            )
        },
        f"{BASE}/people/{{person_id}}/request": {"post": _request_operation()},
        f"{BASE}/requests/{{request_id}}/accept": {
            "post": _action(
                "matchingAccept",
                "Accept a request received",
                "Accepted; where participants book their own meetings, the meeting with its "
                "time and place.",
                "not_pending",
                "invalid_slots",
                "limit_reached",
                "slot_taken",
                "validation_failed",
                body=(AcceptBody, "slot", {"slot": TIME}),
                parameters=[request_id],
                description="In one of its proposed slots (`slot` may be left out when it "
                "proposed one); the slot and a place are booked at once, or `slot_taken` with "
                "the next three common free slots in `alternatives`.",
            )
        },
        f"{BASE}/requests/{{request_id}}/decline": {
            "post": _action(
                "matchingDecline",
                "Decline a request received",
                "Declined; the requester is told, with the message.",
                "not_pending",
                "message_too_long",
                "validation_failed",
                body=(DeclineBody, "message", {"message": "Cảm ơn, hẹn dịp khác."}),
                parameters=[request_id],
            )
        },
        f"{BASE}/requests/{{request_id}}/withdraw": {
            "post": _action(
                "matchingWithdraw",
                "Withdraw a request one made",
                "Withdrawn; its quota and its held slots are free again.",
                "not_pending",
                parameters=[request_id],
            )
        },
        f"{BASE}/meetings/{{meeting_id}}/cancel": {
            "post": _action(
                "matchingCancel",
                "Cancel one of one's meetings",
                "Cancelled (`cancelled_late` within two hours of its start); the other side "
                "is told.",
                "meeting_started",
                parameters=[meeting_id],
            )
        },
    }

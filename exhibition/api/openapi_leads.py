"""The booth scanners' API in the OpenAPI document (api/lead_views.py): a phone set up by its
e-mailed link scans visitors' lead codes, uploads scans made offline, and qualifies leads."""

from . import openapi as doc
from .schemas.fields import EXAMPLE_NONCE, EXAMPLE_TIME
from .schemas.leads import (
    EXAMPLE_LEAD_CODE,
    MAX_LEAD_BATCH,
    LeadAnswer,
    LeadBatchAnswer,
    LeadBatchRequest,
    LeadConflictAnswer,
    LeadScanAnswer,
    LeadScanRequest,
    NoteBody,
    QualificationBody,
    QuestionsAnswer,
    ScannerInfo,
    ScannerSetupAnswer,
)
from .schemas.requests import SetupRequest

BASE = f"{doc.API}/booth"
SCANNER = [{"scannerToken": []}]
SCANNER_ERRORS = ("invalid_token", "revoked", "too_many_requests")
LEAD_ID = doc._parameter(
    "lead_id", "path", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, example=12
)
LEAD_EXAMPLE = {
    "id": 12,
    "shared": True,
    "share_source": "consent",
    "details": {
        "name": "Nguyễn Thị Hồng Nhung",
        "organisation": "Công ty TNHH Cơ khí Hải An",
        "job_title": "Trưởng phòng",
        "email": "nhung@example.com",
        "phone": "",
        "province": "",
        "sectors": [],
    },
    "first_scanned_at": EXAMPLE_TIME,
    "last_scanned_at": EXAMPLE_TIME,
    "scans": 1,
    "rating": "hot",
    "tags": ["khuôn mẫu"],
    "answers": {"3": "Trong 3 tháng"},
    "notes": [{"id": 5, "text": "Cần báo giá.", "by": "Lê Văn Hải", "created_at": EXAMPLE_TIME}],
    "version": 2,
}
SCAN_EXAMPLE = {
    "result": "lead",
    "message": "Contact saved.",
    "lead": LEAD_EXAMPLE,
    "scan": {"id": 41, "nonce": EXAMPLE_NONCE, "scanned_at": EXAMPLE_TIME, "offline": False},
    "replayed": False,
}
SCAN_REFUSALS = ("disabled", "outside_event", "future", "not_a_lead_code", "invalid")


def _op(operation_id, summary, answer, answered, *codes, body=None, **more) -> dict:
    errors = (*SCANNER_ERRORS, *codes)
    operation = doc._operation(
        operation_id,
        summary,
        answer,
        answered,
        errors=errors,
        security=SCANNER,
        no_store=more.pop("no_store", True),
        **more,
    )
    if body is not None:
        model, field, example = body
        operation["requestBody"] = doc._body(model, example)
        operation["responses"].update(doc._errors(*errors, refused=(model, field)))
    return operation


def _qualify() -> dict:
    operation = _op(
        "boothQualify",
        "Set a lead's rating, tags and answers over the version read",
        LeadAnswer,
        "The lead, saved (its version one higher).",
        "not_found",
        "invalid_qualification",
        "validation_failed",
        "lead_conflict",
        body=(
            QualificationBody,
            "version",
            {
                "version": 1,
                "rating": "hot",
                "tags": ["khuôn mẫu"],
                "answers": {"3": "Trong 3 tháng"},
            },
        ),
        parameters=[LEAD_ID],
        description="A stale `version` (someone saved in between) is `409 lead_conflict` with "
        "the lead as it is now in `lead`: nothing is overwritten; make the change again on top.",
    )
    conflict = {"schema": doc._ref(LeadConflictAnswer)}
    conflict["example"] = {
        "error": {"code": "lead_conflict", "message": "Someone else changed this contact."},
        "lead": LEAD_EXAMPLE,
    }
    operation["responses"]["409"] = {
        "description": "`lead_conflict`, with the lead as it is now",
        "headers": doc.NO_STORE,
        "content": {"application/json": conflict},
    }
    return operation


def lead_paths() -> dict:
    return {
        BASE: {
            "get": _op(
                "boothScanner",
                "Who this booth scanner is, its company and its qualifying questions",
                ScannerInfo,
                "The scanner, the company, the exhibition.",
                no_store=False,
            )
        },
        f"{BASE}/setup": {
            "post": doc._operation(
                "boothSetup",
                "Exchange a scanner's one-time set-up code for its token",
                ScannerSetupAnswer,
                "The scanner's new token (shown once).",
                errors=("too_large", "setup_code_invalid", "too_many_requests"),
                security=[],
                no_store=True,
                description="The code comes from the set-up link e-mailed to the staff member; "
                "it works once, within a day. A revoked scanner's code does not work.",
                requestBody=doc._body(SetupRequest, {"code": "o3Zr6w1mPp0kqV8yJ2xT4bN7cD5eF9gH"}),
            )
        },
        f"{BASE}/scan": {
            "post": _op(
                "boothScan",
                "A visitor's lead code scanned at the booth",
                LeadScanAnswer,
                "`lead` with the details the visitor shares, or `visit`: the visitor has not "
                "agreed to share (an anonymous visit is kept).",
                "invalid_json",
                "too_large",
                "validation_failed",
                "nonce_reused",
                *SCAN_REFUSALS,
                body=(
                    LeadScanRequest,
                    "nonce",
                    {"code": EXAMPLE_LEAD_CODE, "nonce": EXAMPLE_NONCE},
                ),
                example=SCAN_EXAMPLE,
                description="One lead per company and visitor, every scan kept. The same nonce "
                "again returns the stored answer (`replayed`) and adds nothing. Refused: the "
                "company's package has no lead retrieval (`disabled`), a time off the "
                "exhibition's days (`outside_event`) or ahead of the server's clock (`future`), "
                "a badge's entry code (`not_a_lead_code`), anything else that is no working "
                "badge's lead code (`invalid`; counted on the scanner for the organisers). Over "
                "600 scans a minute per scanner: 429.",
            )
        },
        f"{BASE}/scans/batch": {
            "post": _op(
                "boothScanBatch",
                "Upload scans made offline, each with its own time",
                LeadBatchAnswer,
                "One result per scan sent, in order.",
                "invalid_json",
                "too_large",
                body=(
                    LeadBatchRequest,
                    "scans",
                    {
                        "scans": [
                            {
                                "code": EXAMPLE_LEAD_CODE,
                                "nonce": "off-1",
                                "scanned_at": EXAMPLE_TIME,
                            }
                        ]
                    },
                ),
                example={
                    "results": [
                        {
                            "index": 0,
                            "result": "lead",
                            "lead_id": 12,
                            "scan": SCAN_EXAMPLE["scan"],
                            "replayed": False,
                        }
                    ]
                },
                description=f"At most {MAX_LEAD_BATCH} scans. Every scan gets its own answer "
                "by `index`: the scan's, or an error (`validation_failed` with `fields`, "
                "`future`, `outside_event`, `disabled`, `not_a_lead_code`, `invalid`, "
                "`nonce_reused`); one refused leaves the others. Uploading the same batch again "
                "adds nothing. A lead's first scan is the earliest time seen.",
            )
        },
        f"{BASE}/leads/{{lead_id}}": {
            "get": _op(
                "boothLead",
                "One of the company's leads",
                LeadAnswer,
                "The lead: the visitor's details only while they share them.",
                "not_found",
                parameters=[LEAD_ID],
            )
        },
        f"{BASE}/leads/{{lead_id}}/notes": {
            "post": _op(
                "boothNote",
                "Add this scanner's note to a lead",
                LeadAnswer,
                "The lead with the note added (notes are never overwritten).",
                "not_found",
                "invalid_qualification",
                "validation_failed",
                body=(NoteBody, "text", {"text": "Cần báo giá khuôn ép nhựa."}),
                parameters=[LEAD_ID],
            )
        },
        f"{BASE}/leads/{{lead_id}}/qualification": {"post": _qualify()},
        f"{BASE}/questions": {
            "get": _op(
                "boothQuestions",
                "The company's qualifying questions",
                QuestionsAnswer,
                "At most ten, in the company's order.",
                no_store=False,
            )
        },
    }


SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A booth scanner's token, from its one-time set-up link "
    "(`POST /api/v1/booth/setup`), e-mailed to the staff member by their company's portal.",
}

"""The bodies of the booth scanners' API (api/lead_views.py): a scan of a visitor's lead code,
scans made offline, and what a scanner records about a lead."""

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt
from typing_extensions import TypedDict

from .answers import ItemError, StationEvent, described
from .fields import (
    EXAMPLE_NONCE,
    EXAMPLE_TIME,
    REF,
    Count,
    Id,
    Omitted,
    Time,
    aware_time,
    plain_text,
)
from .requests import CODE_MAX_LENGTH, NONCE_MAX_LENGTH, Body

MAX_LEAD_BATCH = 500  # scans in one upload
MAX_TEXT = 10_000  # longer notes are refused as a whole; the service refuses past 2,000
EXAMPLE_LEAD_CODE = "L-K7Q2M4XZB3H6TAW5R2N4P7C3ZA"


class LeadScanRequest(Body):
    """A lead code read by a booth scanner (or typed)."""

    REFUSALS: ClassVar[dict[str | tuple[str, str], object]] = {
        "code": _l("The scanned text is missing, too long or holds control characters."),
        "nonce": _l("A nonce of 1 to 64 characters, unique per scan, is required."),
        "scanned_at": _l("The time of the scan, in ISO 8601 with its offset."),
        "scan": "object",
    }

    code: plain_text(CODE_MAX_LENGTH) = Field(
        description="The text read from the badge's smaller QR code (`L-` and 26 characters), "
        "or typed.",
        examples=[EXAMPLE_LEAD_CODE],
    )
    nonce: plain_text(NONCE_MAX_LENGTH) = Field(
        description="Unique per scan of this scanner: sending it again returns the stored answer "
        "and adds nothing.",
        examples=[EXAMPLE_NONCE],
    )
    scanned_at: (
        Annotated[datetime | None, BeforeValidator(lambda v: None if v is None else aware_time(v))]
        | Omitted
    ) = Field(
        None,
        description="When the scan was made (default: now), with its offset.",
        examples=[EXAMPLE_TIME],
        json_schema_extra={"maxLength": 40},
    )


class LeadBatchScan(LeadScanRequest):
    """A scan made offline, with its own time."""

    scanned_at: Annotated[datetime, BeforeValidator(aware_time)] = Field(
        description="When the scan was made, with its offset (or Z): not in the future (beyond "
        "two minutes of clock difference) and on a day of the exhibition.",
        examples=[EXAMPLE_TIME],
        json_schema_extra={"maxLength": 40},
    )

    @classmethod
    def refusals(cls, error) -> dict[str, str]:
        fields = super().refusals(error)
        if "scan" in fields:  # not an object: it has no time either
            fields["scanned_at"] = str(cls.REFUSALS["scanned_at"])
        return fields


class LeadBatchRequest(BaseModel):
    """Scans made offline, uploaded together."""

    # Each scan is read on its own (LeadBatchScan), so that one refused scan leaves the others.
    scans: list[Any] = Field(
        min_length=1,
        max_length=MAX_LEAD_BATCH,
        json_schema_extra={"items": {"$ref": REF.format(model="LeadBatchScan")}},
    )


class NoteBody(BaseModel):
    """A note on a lead by this scanner."""

    model_config = ConfigDict(extra="forbid")
    REFUSALS: ClassVar[dict[str, object]] = {
        "text": _l("A note is a text of at most 2,000 characters.")
    }

    text: str = Field(max_length=MAX_TEXT, description="At most 2,000 characters.")


class QualificationBody(BaseModel):
    """A lead's rating, tags and answers, saved over the version the scanner last read."""

    model_config = ConfigDict(extra="forbid")
    REFUSALS: ClassVar[dict[str, object]] = {
        "version": _l("Send the version of the contact you changed."),
        "rating": _l("The rating is “hot”, “warm” or “cold”, or null."),
        "tags": _l("Tags are a list of at most 20 short texts."),
        "answers": _l("Answers are texts by question id."),
    }

    version: StrictInt = Field(ge=1, le=2**31 - 1, description="The lead's `version` read.")
    rating: Literal["hot", "warm", "cold"] | None = Field(
        None, description="Left out: unchanged; null clears it."
    )
    tags: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="Left out: unchanged."
    )
    answers: dict[
        Annotated[str, Field(pattern="^[0-9]{1,9}$")], Annotated[str, Field(max_length=MAX_TEXT)]
    ] = Field(
        default_factory=dict,
        description="By question id: the answer (one of the question's choices when it has "
        "some); an empty text clears it. Questions left out keep their answer.",
    )


# ---------------------------------------------------------------- answers


class LeadDetails(TypedDict):
    name: str
    organisation: str
    job_title: str
    email: str
    phone: str
    province: str
    sectors: list[str]


class LeadNoteView(TypedDict):
    id: Id
    text: str
    by: described(str, "The scanner's name (empty: the company's portal).")
    created_at: Time


class LeadView(TypedDict):
    """A lead as the company sees it: the visitor's details only while they share them."""

    id: Id
    shared: described(bool, "The visitor shares their details with this company.")
    share_source: Literal["consent", "visitor"] | None
    details: described(
        LeadDetails | None,
        "The shared fields the organisers chose (others empty); null when "
        "the visitor has not agreed to share.",
    )
    first_scanned_at: described(Time, "The earliest scan's time (offline scans included).")
    last_scanned_at: Time
    scans: Count
    rating: Literal["hot", "warm", "cold"] | None
    tags: list[str]
    answers: described(dict[str, str], "By question id.")
    notes: list[LeadNoteView]
    version: described(int, "Send it back with a change: a stale one is a conflict.", ge=1)


class LeadScanRef(TypedDict):
    id: Id
    nonce: str
    scanned_at: Time
    offline: bool


class LeadScanAnswer(TypedDict):
    result: described(
        Literal["lead", "visit"],
        "`lead`: the visitor's shared details; `visit`: the visitor has not agreed to share "
        "them (an anonymous visit is kept).",
    )
    message: described(str, "What the scanner shows, in the request's language.")
    lead: LeadView
    scan: LeadScanRef
    replayed: described(bool, "True when the nonce was sent before: nothing was added.")


class LeadScannedItem(TypedDict):
    """A scan of a batch, taken: the lead it is of (read it with GET /booth/leads/{id})."""

    index: Count
    result: Literal["lead", "visit"]
    lead_id: Id
    scan: LeadScanRef
    replayed: bool


class LeadRefusedItem(TypedDict):
    index: Count
    error: ItemError


class LeadBatchAnswer(TypedDict):
    results: list[LeadScannedItem | LeadRefusedItem]


class LeadAnswer(TypedDict):
    lead: LeadView


class QuestionView(TypedDict):
    id: Id
    text: described(str, "In the request's language.")
    choices: described(list[str], "Empty: a free-text answer.")


class QuestionsAnswer(TypedDict):
    questions: list[QuestionView]


class ScannerRef(TypedDict):
    id: Id
    name: str


class ScannerCompany(TypedDict):
    id: Id
    name: str
    booths: str


class ScannerInfo(TypedDict):
    scanner: ScannerRef
    exhibitor: ScannerCompany
    event: StationEvent
    leads_enabled: described(bool, "Lead retrieval is part of the company's package.")
    questions: list[QuestionView]


class ScannerSetupAnswer(TypedDict):
    token: described(str, "The scanner's bearer token (shown once).")
    scanner: ScannerRef


class ConflictDetail(TypedDict):
    code: Literal["lead_conflict"]
    message: str


class LeadConflictAnswer(TypedDict):
    """409: the lead changed since the version sent; its current state comes along."""

    error: ConflictDetail
    lead: LeadView


BODIES = (LeadScanRequest, LeadBatchScan, LeadBatchRequest, NoteBody, QualificationBody)
ANSWERS = (
    LeadScanAnswer,
    LeadBatchAnswer,
    LeadAnswer,
    QuestionsAnswer,
    ScannerInfo,
    ScannerSetupAnswer,
    LeadConflictAnswer,
)

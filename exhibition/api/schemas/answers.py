"""The bodies the API answers with (errors: `Error`).

Each describes the dict a view or a check-in service builds; `dump` writes it as JSON values by
its schema (times in ISO 8601, enums by value). A field marked NotRequired is left out when it
does not apply, never null.
"""

import functools
from datetime import date
from typing import Annotated, Literal, NotRequired

from pydantic import Field, TypeAdapter
from typing_extensions import TypedDict  # the one pydantic reads on Python 3.11

from ...checkin.models import ScanResult, ScanType
from ...checkin.offline import HANDLE_MAX_LENGTH
from ...payments.models import Outcome
from .fields import EXAMPLE_HANDLE, HANDLE_MINUTES, Count, Hash, Id, IsoDay, IsoTime, Time


@functools.cache
def _adapter(answer: type) -> TypeAdapter:
    return TypeAdapter(answer)


def dump(answer: type, body: dict) -> dict:
    """`body`, an `answer`, as JSON values."""
    return _adapter(answer).dump_python(body, mode="json")


def described(kind, text: str, **more):
    """`kind` with its description in the document (and `more` of its schema)."""
    return Annotated[kind, Field(description=text, **more)]


class ErrorDetail(TypedDict):
    code: described(str, "Stable machine-readable code, e.g. `invalid_token`.")
    message: described(str, "For people, in the request's language.")
    fields: NotRequired[
        described(dict[str, str], "With `validation_failed`: what is wrong, by field.")
    ]


class Error(TypedDict):
    """Every error of the API has this shape (exhibition/errors.py `json_error`)."""

    error: ErrorDetail


class Attendee(TypedDict):
    name: str
    organisation: str
    category: described(str, "The category's name in the request's language.")
    category_code: str
    category_color: described(str, "The category's colour.", examples=["#1f6feb"])
    booth: NotRequired[described(str, "Exhibitor staff: their company's booths.")]


class StoredScan(TypedDict):
    id: Id
    nonce: str
    type: ScanType
    scanned_at: Time
    offline: bool
    flagged: bool
    admitted: described(bool, "Let in by the operator on a day the exhibition is not on.")


class SessionRef(TypedDict):
    id: Id
    title: str
    room: str | None


class ScanAnswer(TypedDict):
    result: ScanResult
    message: described(str, "What the station shows, in the request's language.")
    scan: StoredScan
    replayed: described(bool, "True when the nonce was sent before: this is the stored answer.")
    attendee: NotRequired[Attendee]
    first_checked_in_at: NotRequired[Time]
    session: NotRequired[SessionRef]
    invited: NotRequired[bool]


class ScannedItem(ScanAnswer):
    index: Count


class ItemError(TypedDict):
    code: str
    message: NotRequired[str]
    fields: NotRequired[dict[str, str]]


class RefusedItem(TypedDict):
    index: Count
    error: ItemError


class BatchAnswer(TypedDict):
    results: list[ScannedItem | RefusedItem]


class UndoneScan(TypedDict):
    id: Id
    nonce: str
    result: ScanResult


class UndoAnswer(TypedDict):
    undone: UndoneScan
    message: str


class DeviceRef(TypedDict):
    id: Id
    name: str


class StationDevice(DeviceRef):
    room: str | None


class StationCheckpoint(TypedDict):
    id: Id
    name: str
    room: str | None
    allow_reentry: bool
    daily: bool
    print_on_arrival: bool


class StationEvent(TypedDict):
    slug: str
    name: str
    first_day: date
    last_day: date
    timezone: described(str, "The event's time zone.", examples=["Asia/Ho_Chi_Minh"])


class SessionDoor(TypedDict):
    id: Id
    title: str
    room: str
    starts_at: Time
    ends_at: Time


class DeviceInfo(TypedDict):
    device: StationDevice
    checkpoint: StationCheckpoint
    event: StationEvent
    sessions: described(list[SessionDoor], "Sessions whose door the station may act as.")
    undo_seconds: Count


class OfflineCheckpoint(TypedDict):
    id: Id
    room_id: Id | None
    allow_reentry: bool
    daily: bool


OfflineBadge = TypedDict(
    "OfflineBadge",
    {
        "h": described(Hash, "SHA-256 (hex) of the badge code in upper case."),
        "n": described(str, "Name."),
        "o": described(str, "Organisation."),
        "c": described(
            list[str], "Category in Vietnamese and in English.", min_length=2, max_length=2
        ),
        "k": described(str, "Category colour."),
        "b": NotRequired[described(str, "Booths, for exhibitor staff.")],
        "in": NotRequired[described(Time, "When the person first came in today.")],
        "out": NotRequired[described(bool, "Came in today (`in`) and went out since.")],
        "s": NotRequired[described(list[Id], "At a room's door: sessions the person may enter.")],
    },
)


class OfflineList(TypedDict):
    generated_at: Time
    checkpoint: OfflineCheckpoint
    event_id: Id
    badges: list[OfflineBadge]


class Person(TypedDict):
    handle: described(
        str,
        "Checks the person in at this device (`POST /checkin` with `handle` instead of `code`) "
        f"within {HANDLE_MINUTES} minutes; it is not the badge code and cannot be turned into one.",
        max_length=HANDLE_MAX_LENGTH,
        examples=[EXAMPLE_HANDLE],
    )
    badge_hash: described(
        Hash,
        "The hash the offline list knows the badge by (`h`), for a station that answers offline.",
    )
    name: str
    organisation: str
    category: str
    checked_in_at: Time | None


class SearchAnswer(TypedDict):
    results: described(list[Person], "At most 10 people.", max_length=10)


class SetupAnswer(TypedDict):
    token: str
    device: DeviceRef


class Ping(TypedDict):
    pong: Literal[True]


class WebhookAnswer(TypedDict):
    """What a bank notification did: `outcome` and `duplicate` for a transfer into the
    exhibition's account, `ignored` for any other."""

    success: described(Literal[True], "Received: the service need not deliver it again.")
    outcome: NotRequired[
        described(
            Outcome,
            "What the transfer did: `paid`, `partial`, `overpaid`, `duplicate` (its request was "
            "paid already: to refund), `error` (its request is closed: to refund), `unmatched` "
            "(no single payment reference in the memo: a person decides).",
        )
    ]
    duplicate: NotRequired[
        described(bool, "True when this transfer was received before: nothing changed.")
    ]
    ignored: NotRequired[
        described(
            Literal["outgoing", "other_account"],
            "Not a payment to this exhibition: money leaving the account, or another account's.",
        )
    ]


# ---------------------------------------------------------------- live figures (checkin/stats.py)


class StatsEvent(TypedDict):
    slug: str
    name: str
    timezone: str


class Totals(TypedDict):
    registered: Count
    checked_in: Count
    inside_now: Count
    flagged: Count
    refused: Count


class QuarterHour(TypedDict):
    start: described(IsoTime, "The quarter hour's start, in the event's time zone.")
    time: Annotated[str, Field(pattern="^[0-9]{2}:[0-9]{2}$")]
    count: Count


class CategoryFigures(TypedDict):
    code: str
    name: str
    color: str
    registered: Count
    checked_in: Count


class ProvinceFigures(TypedDict):
    code: str | None
    name: str | None
    registered: Count
    checked_in: Count


class CheckpointFigures(TypedDict):
    id: Id
    name: str
    entrance: bool
    entries: Count
    inside: Count | None


class SessionFigures(TypedDict):
    id: Id
    title: str
    room: str
    starts_at: IsoTime
    time: str
    seats: Count | None
    seated: Count
    attended: Count
    not_registered: Count


class Refusals(TypedDict):
    result: ScanResult
    label: str
    count: Annotated[int, Field(ge=1)]


class Stats(TypedDict):
    event: StatsEvent
    generated_at: IsoTime
    day: IsoDay
    today: IsoDay
    days: list[IsoDay]
    totals: Totals
    per_quarter_hour: list[QuarterHour]
    by_category: list[CategoryFigures]
    by_province: list[ProvinceFigures]
    by_checkpoint: list[CheckpointFigures]
    by_session: list[SessionFigures]
    refused: list[Refusals]


class MeetingPerson(TypedDict):
    name: str
    company: str


class MeetingRef(TypedDict):
    id: Id
    starts_at: Time
    ends_at: Time
    place: described(str, "The place as people read it, in the request's language.")


class MeetingScanAnswer(TypedDict):
    result: described(
        Literal["ok", "held", "not_your_meeting", "no_meeting", "invalid"],
        "`ok`: this side is in and `missing` are still to come; `held`: both are in; "
        "`not_your_meeting`: a valid badge of someone not meeting here now; `no_meeting`: no "
        "meeting at this place at this time; `invalid`: not a valid badge of this exhibition.",
    )
    message: described(str, "What the station shows, in the request's language.")
    person: NotRequired[MeetingPerson]
    meeting: NotRequired[MeetingRef]
    missing: NotRequired[list[MeetingPerson]]


class MeetingBooth(TypedDict):
    id: described(Id, "The exhibitor's id: the `booth` of a scan there.")
    name: described(str, "The company and its booths.")


class MeetingPlaces(TypedDict):
    id: Id
    name: str
    starts_at: Time
    ends_at: Time
    tables: described(Count, "The tables are numbered 1 to this.")
    booths: list[MeetingBooth]


class MeetingSessions(TypedDict):
    sessions: list[MeetingPlaces]

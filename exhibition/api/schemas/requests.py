"""The bodies the API takes. A body its model refuses answers `422 validation_failed` with one
message per refused field, in the request's language (`Body.read`)."""

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from flask_babel import lazy_gettext as _l
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ...checkin.models import ScanResult, ScanType
from ...checkin.offline import HANDLE_MAX_LENGTH
from .fields import (
    EXAMPLE_CODE,
    EXAMPLE_HANDLE,
    EXAMPLE_NONCE,
    EXAMPLE_TIME,
    HANDLE_MINUTES,
    REF,
    Omitted,
    SessionId,
    aware_time,
    plain_text,
)

MAX_BATCH = 500  # scans in one upload
ARRIVAL_LAYOUTS = ("a6", "card")  # a badge printed on arrival: A6 (the default) or a card
CODE_MAX_LENGTH = 1000
NONCE_MAX_LENGTH = 64


class Body(BaseModel):
    """A request body: `read` gives it, or what is wrong by field."""

    # The message of each field when refused; a (field, error type) key, that of a field refused
    # by a rule between fields.
    REFUSALS: ClassVar[dict[str | tuple[str, str], object]] = {}

    @classmethod
    def read(cls, data: Any) -> tuple[Self | None, dict[str, str]]:
        """`data` as this body, or None and the message of each refused field."""
        try:
            return cls.model_validate(data), {}
        except ValidationError as error:
            return None, cls.refusals(error)

    @classmethod
    def refusals(cls, error: ValidationError) -> dict[str, str]:
        fields: dict[str, str] = {}
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "scan"  # not an object
            message = cls.REFUSALS.get((name, problem["type"])) or cls.REFUSALS[name]
            fields.setdefault(name, str(message))
        return fields


class ScanRequest(Body):
    """A scan: exactly one of `code` (what the badge holds) and `handle` (a search result's)."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["code"]}, {"required": ["handle"]}]}
    )
    REFUSALS: ClassVar[dict[str | tuple[str, str], object]] = {
        "code": _l("The scanned text is missing, too long or holds control characters."),
        "handle": _l("The handle is empty, too long or holds control characters."),
        ("handle", "code_and_handle"): _l(
            "Send either the badge code or a search result's handle, not both."
        ),
        "nonce": _l("A nonce of 1 to 64 characters, unique per scan, is required."),
        "type": _l("Type is “entry” or “exit”."),
        "session_id": _l("A session id is a positive whole number."),
        "admit": _l("“admit” is true or false."),
        "scan": "object",
    }

    code: plain_text(CODE_MAX_LENGTH) | Omitted = Field(
        None,
        description="The text read from the badge's QR code (or typed).",
        examples=[EXAMPLE_CODE],
    )
    handle: plain_text(HANDLE_MAX_LENGTH) | Omitted = Field(
        None,
        description="Instead of `code`: a person's `handle` from a search "
        f"(`GET /checkpoint/search`) by this device, used within {HANDLE_MINUTES} minutes of the "
        "search (for a scan made offline: its `scanned_at`). Another device's, a changed or a "
        "stale handle is `422 invalid_handle`.",
        examples=[EXAMPLE_HANDLE],
    )
    nonce: plain_text(NONCE_MAX_LENGTH) = Field(
        description="Unique per scan of this device: sending it again returns the stored answer "
        "instead of storing a second scan.",
        examples=[EXAMPLE_NONCE],
    )
    type: ScanType = ScanType.ENTRY
    session_id: SessionId | None = Field(
        None, description="At a session's door: the session the person enters."
    )
    admit: StrictBool = Field(
        False,
        description="The operator lets the person in although the last answer was `not_today` "
        "(the exhibition is not on that day): judged as on an exhibition day.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _code_or_handle(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Exactly one of `code` and `handle`, judged on what was sent and reported with the
        other fields' own errors: with both, the handle is refused (and neither is read); with
        neither, the code is missing."""
        if not isinstance(data, dict):
            return handler(data)
        sent = [name for name in ("code", "handle") if data.get(name) is not None]
        if len(sent) == 1:
            return handler(data)
        name, kind = ("handle", "code_and_handle") if sent else ("code", "missing")
        problems = [{"type": PydanticCustomError(kind, kind), "loc": (name,), "input": data}]
        try:
            handler({key: value for key, value in data.items() if key not in ("code", "handle")})
        except ValidationError as error:
            problems += [
                {
                    "type": PydanticCustomError(p["type"], p["msg"]),
                    "loc": p["loc"],
                    "input": p["input"],
                }
                for p in error.errors()
            ]
        raise ValidationError.from_exception_data(cls.__name__, problems)


class BatchScan(ScanRequest):
    """A scan made offline, with its own time and what the station answered."""

    REFUSALS: ClassVar[dict[str | tuple[str, str], object]] = {
        **ScanRequest.REFUSALS,
        "scanned_at": _l("The time of the scan, in ISO 8601 with its offset."),
        "station_result": _l("Not a known result."),
    }

    scanned_at: Annotated[datetime, BeforeValidator(aware_time)] = Field(
        description="When the scan was made, with its offset (or Z); at most 7 days ago and not "
        "in the future.",
        examples=[EXAMPLE_TIME],
        json_schema_extra={"maxLength": 40},
    )
    station_result: ScanResult | None = Field(
        None,
        description="What the station answered offline; the scan is flagged when the server's "
        "answer differs.",
    )

    @classmethod
    def refusals(cls, error: ValidationError) -> dict[str, str]:
        fields = super().refusals(error)
        if "scan" in fields:  # not an object: it has no time either
            fields["scanned_at"] = str(cls.REFUSALS["scanned_at"])
        return fields


class BatchRequest(BaseModel):
    """Scans made offline, uploaded together."""

    # Each scan is read on its own (BatchScan), so that one refused scan leaves the others.
    scans: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": {"$ref": REF.format(model="BatchScan")}},
    )


class SetupRequest(BaseModel):
    code: str = Field(min_length=1, max_length=100, examples=["o3Zr6w1mPp0kqV8yJ2xT4bN7cD5eF9gH"])


# ---------------------------------------------------------------- the bank-notification webhook

EXAMPLE_NOTIFICATION = {
    "id": 92704,
    "gateway": "Vietcombank",
    "transactionDate": "2026-12-06 10:15:00",
    "accountNumber": "0031000123456",
    "code": None,
    "content": "CT TNHH CO KHI HAI AN CK HP26K7Q2M9X",
    "transferType": "in",
    "transferAmount": 16200000,
    "accumulated": 48600000,
    "subAccount": None,
    "referenceCode": "MBVCB.3278907687",
    "description": "",
}


def local_time(value: Any) -> datetime:
    """ "2026-12-06 10:15:00" as the bank's service writes it (the bank's local time), or an ISO
    8601 time; with an offset it stays aware."""
    moment = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if moment is None:
        raise PydanticCustomError("local_time", "Not a time such as 2026-12-06 10:15:00")
    return moment


class BankNotification(Body):
    """A transfer on the exhibition's account as a bank-notification service (SePay and the
    services shaped like it) posts it. Other fields the service sends are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    REFUSALS: ClassVar[dict[str | tuple[str, str], object]] = {
        "id": _l("The transaction id is a whole number or a text of at most 64 characters."),
        "gateway": _l("The bank's name is a text of at most 100 characters."),
        "transactionDate": _l("The time of the transfer, such as 2026-12-06 10:15:00."),
        "accountNumber": _l("The account number is a text of at most 32 characters."),
        "content": _l("The transfer's content is a text of at most 1000 characters."),
        "transferType": _l("The transfer type is “in” or “out”."),
        "transferAmount": _l("The amount is a whole number of dong, more than 0."),
        "referenceCode": _l("The bank's reference is a text of at most 64 characters."),
    }

    id: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)] | plain_text(64) = Field(
        description="The service's id of this transaction: a delivery with an id already "
        "received changes nothing (`duplicate`).",
        examples=[92704],
    )
    gateway: str = Field("", max_length=100, description="The bank's name.")
    transaction_date: Annotated[
        datetime,
        BeforeValidator(local_time),
        WithJsonSchema({"type": "string", "minLength": 10, "maxLength": 40}),
    ] = Field(
        alias="transactionDate",
        description="When the bank booked the transfer, in its local time (Vietnam) as "
        "`YYYY-MM-DD HH:MM:SS`, or ISO 8601 with an offset: the exhibition's local day of it is "
        "the day of the payment.",
        examples=["2026-12-06 10:15:00"],
    )
    account_number: str = Field(
        alias="accountNumber",
        max_length=32,
        description="The account credited: a transfer to another account is ignored.",
    )
    content: str | None = Field(
        max_length=1000, description="The transfer's memo, where the payment reference is sought."
    )
    transfer_type: Literal["in", "out"] = Field(
        alias="transferType", description="“out” (money leaving the account) is ignored."
    )
    transfer_amount: Annotated[int, Field(strict=True, ge=1, le=10**12)] = Field(
        alias="transferAmount", description="In dong."
    )
    reference_code: str | None = Field(
        None,
        alias="referenceCode",
        max_length=64,
        description="The bank's reference of the transfer: the same transfer in an imported "
        "statement is recognised by it and not counted twice.",
    )
    code: Any = Field(None, description="Sent by SePay; ignored.")
    sub_account: Any = Field(None, alias="subAccount", description="Sent by SePay; ignored.")
    accumulated: Any = Field(None, description="Sent by SePay (the balance); ignored.")
    description: Any = Field(None, description="Sent by SePay; ignored.")

    @property
    def provider_id(self) -> str:
        return str(self.id)


class MeetingScanRequest(Body):
    """A badge scanned at a business-matching place: a table of a session, or an exhibitor's
    booth (exactly one of `table` and `booth`)."""

    REFUSALS: ClassVar[dict[str | tuple[str, str], object]] = {
        "code": _l("The scanned text is missing, too long or holds control characters."),
        "session_id": _l("A session id is a positive whole number."),
        "table": _l("A table number is a positive whole number."),
        "booth": _l("An exhibitor id is a positive whole number."),
        "scanned_at": _l("The time of the scan, in ISO 8601 with its offset."),
        "scan": "object",
    }

    code: plain_text(CODE_MAX_LENGTH) = Field(
        description="The text read from the badge's QR code (or typed).", examples=[EXAMPLE_CODE]
    )
    session_id: SessionId = Field(description="The matchmaking session.")
    table: SessionId | None = Field(None, description="The table number (1 to the session's).")
    booth: SessionId | None = Field(
        None, description="Instead of `table`: the id of the exhibitor whose booth this is."
    )
    scanned_at: Annotated[
        datetime | None, BeforeValidator(lambda v: None if v is None else aware_time(v))
    ] = Field(
        None,
        description="When the scan was made, with its offset (default: now); at most 7 days "
        "ago and not in the future.",
        examples=[EXAMPLE_TIME],
        json_schema_extra={"maxLength": 40},
    )

"""What the bodies of the API are made of: ids, counts, times, the text a station sends."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic.json_schema import GenerateJsonSchema, SkipJsonSchema
from pydantic_core import PydanticCustomError

from ...checkin.offline import HANDLE_MAX_AGE

REF = "#/components/schemas/{model}"

# Example values: what a station of the demo exhibition (`flask seed-demo`) would see.
EXAMPLE_CODE = "K7Q2M4XZB3H6TAW5R2N4P7C3ZA"
EXAMPLE_HANDLE = "WzQsMTJd.aRmxgA.0ZqJ8m6yDq7m0cUu4Jc6Wn1Xh9o"
EXAMPLE_NONCE = "3f0c1c9e-5d1a-4a53-9a51-2b5b3a9d6e10"
EXAMPLE_TIME = "2026-10-08T02:15:03.120000Z"
HANDLE_MINUTES = int(HANDLE_MAX_AGE.total_seconds() // 60)

# A text the station scanned or generated: at least one visible character, and no control
# character (C0 or DEL) or surrogate inside; a scanner's leading or trailing whitespace, such as
# "\r\n", is stripped. `_printable` applies the rule, PLAIN_TEXT tells it to clients.
_CONTROL = r"\u0000-\u001f\u007f"
PLAIN_TEXT = rf"^\s*[^\s{_CONTROL}](?:[^{_CONTROL}]*[^\s{_CONTROL}])?\s*$"


def _printable(value: str, limit: int) -> str:
    text = value.strip()
    if (
        not text
        or len(value) > limit
        or any(ch < " " or ch == "\x7f" or "\ud800" <= ch <= "\udfff" for ch in text)
    ):
        raise PydanticCustomError(
            "plain_text", "Not a printable text of at most {limit} characters", {"limit": limit}
        )
    return text


def plain_text(limit: int):
    """A text of the station (see PLAIN_TEXT) of at most `limit` characters, read stripped."""
    return Annotated[
        str,
        AfterValidator(lambda value: _printable(value, limit)),
        Field(json_schema_extra={"minLength": 1, "maxLength": limit, "pattern": PLAIN_TEXT}),
    ]


def aware_time(value: Any) -> datetime:
    """An ISO 8601 time with its offset (or Z), as an aware datetime."""
    moment = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    # Years far from now are no scan's time: refused here, as the conversions to UTC and to
    # the event's time zone would overflow at the ends of the calendar.
    if moment is None or moment.tzinfo is None or not 2000 <= moment.year <= 2100:
        raise PydanticCustomError("aware_time", "Not an ISO 8601 time with its offset")
    return moment


Omitted = SkipJsonSchema[None]  # a field left out of the body when it does not apply, never null
Id = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]
Time = Annotated[datetime, Field(examples=[EXAMPLE_TIME])]
# Times and days the live figures give already written in ISO 8601 (for the live page too).
IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
IsoDay = Annotated[str, Field(json_schema_extra={"format": "date"})]
Hash = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
SessionId = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]  # a database id, never 1.0


class DocumentSchema(GenerateJsonSchema):
    """JSON Schema 2020-12, as OpenAPI 3.1 reads it, without a title on every field nor a null
    default on fields that are left out."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None:
            del json_schema["default"]
        return json_schema

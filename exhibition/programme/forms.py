"""Organisers' programme forms: rooms, speakers, sessions. Times are typed in the event's zone."""

import functools
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ..forms import (
    Form,
    MultiCheckboxField,
    choices,
    datetime_field,
    plain_multiline,
    text_field,
)
from ..labels import label
from .models import SessionAccess, SessionType

_AT_MOST = _l("At most %(max)d characters.")
# A one-line text (of at most 200 characters unless told), and a stripped text area.
_text = functools.partial(text_field, max=200, message=_AT_MOST)
_long_text = functools.partial(
    text_field, max=5000, message=_AT_MOST, checks=[plain_multiline], field=TextAreaField
)


def _seats(label, *, required=None) -> IntegerField:
    """A number of seats, required (`required`: the message when it is empty) or optional."""
    first = InputRequired(required) if required else Optional()
    seats = NumberRange(min=1, max=100_000, message=_l("Enter a number from 1 to 100,000."))
    return IntegerField(label, validators=[first, seats])


_WINDOW = re.compile(
    r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*[-–—]\s*(?:(\d{4}-\d{2}-\d{2})\s+)?(\d{1,2}:\d{2})$"
)


def parse_windows(text: str, tz) -> list[tuple[datetime, datetime]]:
    """Lines like "2021-11-23 08:00 - 17:30" (or "- 2021-11-24 12:00") as aware datetimes."""
    windows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _WINDOW.match(line)
        try:
            if match is None:
                raise ValueError(line)
            day, start, end_day, end = match.groups()
            begins = datetime.strptime(f"{day} {start}", "%Y-%m-%d %H:%M").replace(tzinfo=tz)
            ends = datetime.strptime(f"{end_day or day} {end}", "%Y-%m-%d %H:%M").replace(tzinfo=tz)
        except ValueError as error:
            raise ValidationError(
                _l(
                    "Line %(line)s: write a time window like 2021-11-23 08:00 - 17:30.",
                    line=number,
                )
            ) from error
        if not begins < ends:
            raise ValidationError(
                _l("Line %(line)s: the window must end after it starts.", line=number)
            )
        windows.append((begins, ends))
    if len(windows) > 50:
        raise ValidationError(_l("At most 50 time windows."))
    return windows


class RoomForm(Form):
    name_vi = _text(_l("Name (Vietnamese)"), required=_l("Enter the room's name."), max=120)
    name_en = _text(_l("Name (English)"), max=120)
    capacity = _seats(_l("Seats"), required=_l("Enter the number of seats."))
    windows = text_field(
        _l("Available (one window per line; empty: the whole event)"),
        max=3000,
        checks=(),
        field=TextAreaField,
    )


class SpeakerForm(Form):
    full_name = _text(_l("Full name"), required=_l("Enter the full name."), max=120, name=True)
    title_vi = _text(_l("Job title (Vietnamese)"))
    title_en = _text(_l("Job title (English)"))
    organisation_vi = _text(_l("Organisation (Vietnamese)"))
    organisation_en = _text(_l("Organisation (English)"))
    bio_vi = _long_text(_l("Short biography (Vietnamese)"), max=2000)
    bio_en = _long_text(_l("Short biography (English)"), max=2000)


class SessionForm(Form):
    title_vi = _text(_l("Title (Vietnamese)"), required=_l("Enter a title."), max=300)
    title_en = _text(_l("Title (English)"), max=300)
    type = SelectField(_l("Type"), validators=[DataRequired(_l("Choose a type."))])
    access = SelectField(_l("Access"), validators=[DataRequired(_l("Choose who may come."))])
    track_vi = _text(_l("Track (Vietnamese)"), max=80)
    track_en = _text(_l("Track (English)"), max=80)
    capacity = _seats(_l("Seats (empty: the room's)"))
    room = SelectField(_l("Room"), validators=[Optional(strip_whitespace=False)])
    starts_at = datetime_field(_l("Starts (Vietnam time)"), required=False)
    ends_at = datetime_field(_l("Ends (Vietnam time)"), required=False)
    # Check-boxes, not a multiple list: a list needs Ctrl-click, which a tablet does not have.
    chairs = MultiCheckboxField(_l("Chairs"), validators=[Optional(strip_whitespace=False)])
    speakers = MultiCheckboxField(_l("Speakers"), validators=[Optional(strip_whitespace=False)])
    description_vi = _long_text(_l("Description (Vietnamese)"))
    description_en = _long_text(_l("Description (English)"))

    def setup_choices(self, *, rooms, speakers) -> None:
        self.type.choices = choices([(t.value, label(t)) for t in SessionType])
        self.access.choices = choices([(a.value, label(a)) for a in SessionAccess])
        self.room.choices = choices(
            [("", _l("Not placed yet"))] + [(str(r.id), r.tr("name")) for r in rooms]
        )
        people = [(str(s.id), s.full_name) for s in speakers]
        self.chairs.choices = choices(people)
        self.speakers.choices = choices(people)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        placed = [bool(self.room.data), bool(self.starts_at.data), bool(self.ends_at.data)]
        if any(placed) and not all(placed):
            self.room.errors = [
                *self.room.errors,
                _l("To place the session, give its room, start and end; or leave all three empty."),
            ]
            valid = False
        if self.starts_at.data and self.ends_at.data and self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors = [
                *self.ends_at.errors,
                _l("The session must end after it starts."),
            ]
            valid = False
        return valid


class PlaceForm(Form):
    """Move a session on the schedule grid (the drag-and-drop editor posts the same fields)."""

    room = SelectField(_l("Room"), validators=[DataRequired(_l("Choose a room."))])
    starts_at = datetime_field(_l("Starts (Vietnam time)"))
    ends_at = datetime_field(_l("Ends (Vietnam time)"))


def aware(value: datetime | None, event) -> datetime | None:
    """A datetime-local input's naive wall time, in the exhibition's time zone."""
    return value.replace(tzinfo=event.tz) if value else None

"""Organisers' business-matching forms: a session (its day and times typed in Vietnam time), a
booth host's representatives, a participant's settings, and the hosted-buyer import."""

import functools
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, TimeField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import AT_MOST, Form, MultiCheckboxField, choices, datetime_field, text_field
from ..labels import label
from .models import Mode, Sides
from .sessions import SessionData

_text = functools.partial(text_field, max=200, message=AT_MOST)


def _minutes(text, *, required) -> IntegerField:
    return IntegerField(text, validators=[InputRequired(required)])


class ButtonForm(Form):
    """A button that changes something: only its CSRF token."""


class SessionForm(Form):
    name_vi = _text(_l("Name (Vietnamese)"), required=_l("Give the session a name in Vietnamese."))
    name_en = _text(_l("Name (English)"))
    day = DateField(_l("Day"), validators=[DataRequired(_l("Enter the day."))])
    starts_at = TimeField(
        _l("Starts (Vietnam time)"), validators=[DataRequired(_l("Enter a time."))]
    )
    ends_at = TimeField(_l("Ends (Vietnam time)"), validators=[DataRequired(_l("Enter a time."))])
    slot_minutes = _minutes(_l("Slot length (minutes)"), required=_l("Enter a number of minutes."))
    buffer_minutes = _minutes(
        _l("Pause between slots (minutes)"), required=_l("Enter a number of minutes.")
    )
    mode = SelectField(_l("Who schedules the meetings"))
    sides = SelectField(_l("Who meets whom"))
    booking_opens_at = datetime_field(_l("Booking opens (Vietnam time)"))
    booking_closes_at = datetime_field(_l("Booking closes (Vietnam time)"))
    ttl_hours = IntegerField(
        _l("An unanswered request lapses after (hours)"),
        validators=[
            InputRequired(_l("Enter a number of hours.")),
            NumberRange(min=0, max=240, message=_l("Enter a number of hours from 0 to 240.")),
        ],
    )
    ttl_minutes = IntegerField(
        _l("and minutes"),
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=59, message=_l("Enter a number of minutes from 0 to 59.")),
        ],
    )
    room_vi = _text(_l("Room of the tables (Vietnamese)"))
    room_en = _text(_l("Room of the tables (English)"))
    table_count = IntegerField(
        _l("Number of tables"), default=0, validators=[InputRequired(_l("Enter a number."))]
    )

    # The service's field names that are not the form's.
    FIELD_OF = {"request_ttl_minutes": "ttl_hours"}

    def setup_choices(self) -> None:
        self.mode.choices = choices([(m.value, label(m)) for m in Mode])
        self.sides.choices = choices([(s.value, label(s)) for s in Sides])

    def fill(self, session, tz) -> None:
        """Show a stored session (times in the exhibition's zone)."""
        starts, ends = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        self.name_vi.data, self.name_en.data = session.name_vi, session.name_en
        self.day.data, self.starts_at.data, self.ends_at.data = (
            starts.date(),
            starts.time(),
            ends.time(),
        )
        self.slot_minutes.data, self.buffer_minutes.data = (
            session.slot_minutes,
            session.buffer_minutes,
        )
        self.mode.data, self.sides.data = session.mode.value, session.sides.value
        self.booking_opens_at.data = session.booking_opens_at.astimezone(tz).replace(tzinfo=None)
        self.booking_closes_at.data = session.booking_closes_at.astimezone(tz).replace(tzinfo=None)
        self.ttl_hours.data, self.ttl_minutes.data = divmod(session.request_ttl_minutes, 60)
        self.room_vi.data, self.room_en.data = session.room_vi, session.room_en
        self.table_count.data = session.table_count

    def values(self, tz) -> SessionData:
        def at(time) -> datetime:
            return datetime.combine(self.day.data, time).replace(tzinfo=tz)

        return SessionData(
            name_vi=self.name_vi.data or "",
            name_en=self.name_en.data or "",
            starts_at=at(self.starts_at.data),
            ends_at=at(self.ends_at.data),
            slot_minutes=self.slot_minutes.data,
            buffer_minutes=self.buffer_minutes.data,
            mode=Mode(self.mode.data),
            sides=Sides(self.sides.data),
            booking_opens_at=self.booking_opens_at.data.replace(tzinfo=tz),
            booking_closes_at=self.booking_closes_at.data.replace(tzinfo=tz),
            request_ttl_minutes=self.ttl_hours.data * 60 + (self.ttl_minutes.data or 0),
            room_vi=self.room_vi.data or "",
            room_en=self.room_en.data or "",
            table_count=self.table_count.data,
        )


class HostForm(Form):
    """An exhibitor's representatives at its booth (none: it stops hosting)."""

    representatives = MultiCheckboxField(
        _l("Representatives (one meeting at a time each)"),
        coerce=int,
        validators=[Optional(strip_whitespace=False)],
    )


class ParticipantForm(Form):
    hosted = BooleanField(_l("Hosted buyer (invited by the organisers)"))
    meeting_limit = IntegerField(
        _l("Meeting limit"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(min=1, max=100, message=_l("Enter a number from 1 to 100.")),
        ],
    )
    absences = MultiCheckboxField(
        _l("Slots when this person cannot meet"), validators=[Optional(strip_whitespace=False)]
    )


class ImportForm(Form):
    session = SelectField(_l("Session of the must-meet meetings"))
    file = FileField(
        _l("File (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a CSV or Excel file.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a CSV or Excel (.xlsx) file.")),
        ],
    )

"""The forms of business matching's person-facing pages: the profile (join or change), a meeting
request, and the answers to one."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from ..forms import AT_MOST, Form, MultiCheckboxField, choices, text_area, text_field
from ..i18n import current_language
from .models import MESSAGE_LENGTH, Side
from .requests import MAX_PROPOSALS


class ProfileForm(Form):
    """What a participant shows the others, and how many meetings they take."""

    side = RadioField(
        _l("I take part as"),
        choices=choices([(Side.BUYER.value, _l("Buyer")), (Side.SUPPLIER.value, _l("Supplier"))]),
        validators=[InputRequired(_l("Choose buyer or supplier."))],
    )
    company = text_field(
        _l("Company"), required=_l("Enter your company's name."), max=200, message=AT_MOST
    )
    sectors = MultiCheckboxField(_l("Sectors"), validate_choice=True)
    offer = text_area(_l("What I offer or seek"), max=MESSAGE_LENGTH, message=AT_MOST)
    meeting_limit = IntegerField(
        _l("At most this many meetings"),
        default=12,
        validators=[
            InputRequired(_l("Enter a number from 1 to 100.")),
            NumberRange(1, 100, message=_l("Enter a number from 1 to 100.")),
        ],
    )
    show_job_title = BooleanField(_l("Show my job title to other participants"), default=True)
    show_province = BooleanField(_l("Show my province or city to other participants"), default=True)

    def setup_choices(self, *, sectors) -> None:
        language = current_language()
        self.sectors.choices = choices((s.code, s.tr("name", language)) for s in sectors)

    def fill_from(self, participant) -> None:
        self.side.data = participant.side.value
        self.company.data = participant.company
        self.sectors.data = [s.code for s in participant.sectors]
        self.offer.data = participant.offer
        self.meeting_limit.data = participant.meeting_limit
        self.show_job_title.data = participant.show_job_title
        self.show_province.data = participant.show_province


class RequestForm(Form):
    """A meeting request: the session (when there are several), a message, and in sessions where
    people book their own meetings one to three proposed slots."""

    session = SelectField(_l("Session"), coerce=int, validate_choice=True)
    message = text_area(_l("Message"), max=MESSAGE_LENGTH, message=AT_MOST)
    slots = MultiCheckboxField(_l("Proposed times (one to three)"), validate_choice=True)

    def __init__(self, *args, self_scheduled: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.self_scheduled = self_scheduled

    def validate_slots(self, field) -> None:
        if self.self_scheduled and not 1 <= len(field.data or []) <= MAX_PROPOSALS:
            raise ValidationError(_l("Choose one to three times."))


class AcceptForm(Form):
    """Accept a request, in one of its proposed slots (no choice when it proposed one or none)."""

    slot = RadioField(_l("Time"), validators=[DataRequired(_l("Choose a time."))])


class DeclineForm(Form):
    answer = text_area(_l("Message (optional)"), max=MESSAGE_LENGTH, message=AT_MOST)

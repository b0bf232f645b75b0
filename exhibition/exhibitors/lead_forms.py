"""Forms of lead retrieval: a lead's qualification and notes, the qualifying questions, and the
organisers' settings."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import HiddenField, IntegerField, SelectField, ValidationError
from wtforms.validators import AnyOf, InputRequired, NumberRange, Optional

from ..forms import AT_MOST, Form, MultiCheckboxField, choices, text_area, text_field
from ..labels import label
from .lead_admin import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from .lead_models import ANSWER_LENGTH, NOTE_LENGTH, LeadField, LeadQuestion, LeadRating
from .qualification import Qualification


class LeadForm(Form):
    """Rating, tags and answers, saved with the version the page showed."""

    version = HiddenField()
    rating = SelectField(_l("Rating"), validators=[Optional(strip_whitespace=False)])
    tags = text_field(_l("Tags"), max=1000, message=AT_MOST)

    def setup(self, questions: list[LeadQuestion]) -> "LeadForm":
        self.rating.choices = choices(
            [("", lazy_pgettext("lead rating", "Not rated"))]
            + [(rating.value, label(rating)) for rating in LeadRating]
        )
        self.questions = questions
        return self

    def answer_fields(self):
        return [(question, self[f"answer_{question.id}"]) for question in self.questions]

    def change(self) -> Qualification:
        return Qualification(
            rating=LeadRating(self.rating.data) if self.rating.data else None,
            tags=(self.tags.data or "").split(","),
            answers={question.id: field.data or "" for question, field in self.answer_fields()},
        )

    def version_number(self) -> int:
        value = self.version.data or ""
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def lead_form(questions: list[LeadQuestion], **kwargs) -> LeadForm:
    """The form with one answer field per question: a choice, or a line of text."""

    class _Form(LeadForm):
        pass

    for question in questions:
        if question.choices:
            field = SelectField(
                question.tr("text"),
                choices=choices([("", "—")] + [(choice, choice) for choice in question.choices]),
                validators=[Optional()],
            )
        else:
            field = text_field(question.tr("text"), max=ANSWER_LENGTH, message=AT_MOST)
        setattr(_Form, f"answer_{question.id}", field)
    return _Form(**kwargs).setup(questions)


class NoteForm(Form):
    text = text_area(_l("New note"), max=NOTE_LENGTH, required=_l("Write the note first."))


class QuestionForm(Form):
    text_vi = text_field(
        _l("Question (Vietnamese)"), max=300, required=_l("Write the question in Vietnamese."),
        message=AT_MOST,
    )  # fmt: skip
    text_en = text_field(_l("Question (English)"), max=300, message=AT_MOST)
    choices = text_area(_l("Answers to choose from"), max=2000, message=AT_MOST)

    def validate_choices(self, field) -> None:
        if any(len(choice) > ANSWER_LENGTH for choice in self.choice_list()):
            raise ValidationError(
                _l("An answer can be at most %(count)s characters long.", count=ANSWER_LENGTH)
            )

    def choice_list(self) -> list[str]:
        return [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]


class QuestionTextForm(Form):
    text_vi = text_field(
        _l("Question (Vietnamese)"), max=300, required=_l("Write the question in Vietnamese."),
        message=AT_MOST,
    )  # fmt: skip
    text_en = text_field(_l("Question (English)"), max=300, message=AT_MOST)


class LeadsEnabledForm(Form):
    """The button on the exhibitor's page: "1" turns lead retrieval on, "0" off."""

    enabled = HiddenField(validators=[AnyOf(["1", "0"])])


class LeadSettingsForm(Form):
    fields = MultiCheckboxField(_l("Details a visitor's consent shares with exhibitors"))
    retention_days = IntegerField(
        _l("Days leads are kept after the exhibition"),
        validators=[
            InputRequired(_l("Enter a number of days.")),
            NumberRange(
                min=MIN_RETENTION_DAYS,
                max=MAX_RETENTION_DAYS,
                message=_l("Between %(min)s and %(max)s days."),
            ),
        ],
    )

    def setup(self) -> "LeadSettingsForm":
        self.fields.choices = choices((field.value, label(field)) for field in LeadField)
        return self

    def chosen(self) -> list[LeadField]:
        return [LeadField(value) for value in self.fields.data or ()]

"""Form pieces shared by the domains' forms."""

from email_validator import EmailNotValidError, validate_email
from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .phone import display_phone, normalize_phone
from .text import FIRST_YEAR, LAST_YEAR, MAX_MARKS_PER_LETTER, name_problem, plain


class Form(FlaskForm):
    """Every form of the project: CSRF from Flask-WTF, and WTForms' own messages ("Not a valid
    choice.") translated from this project's catalogs, which WTForms lacks for Vietnamese."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return get_translations()


# WTForms' built-in messages that our forms can show, listed here so that they are extracted.
WTFORMS_MESSAGES = [
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Not a valid datetime value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("This field is required."),
    _l("Invalid input."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
]


def plain_text(form, field) -> None:
    """Letters, digits, spaces and ordinary punctuation only (text.plain)."""
    if not plain(field.data or ""):
        raise ValidationError(
            _l("Use letters, digits and ordinary punctuation only (no emoji or symbols).")
        )


def person_name(form, field) -> None:
    """A person's name: at least one visible letter, and no letter under a pile of marks."""
    problem = name_problem(field.data or "")
    if problem == "no_visible_letter":
        raise ValidationError(_l("Enter a name with at least one visible letter."))
    if problem == "too_many_marks":
        raise ValidationError(
            _l(
                "Too many accent marks on one letter (at most %(count)s).",
                count=MAX_MARKS_PER_LETTER,
            )
        )


def plain_multiline(form, field) -> None:
    """Like plain_text, for text areas: line breaks and tabs are fine, other control characters not."""
    if not plain(field.data or "", also="\r\n\t"):
        raise ValidationError(
            _l("Use letters, digits and ordinary punctuation only (no emoji or symbols).")
        )


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def phone_number(form, field) -> None:
    try:
        field.data = normalize_phone(field.data or "")
    except ValueError as error:
        raise ValidationError(
            _l(
                "Enter a phone number such as 0912 345 678 or +84 912 345 678 (with + and the country code from abroad)."
            )
        ) from error


class PhoneField(TelField):
    """A phone number, kept in E.164 by `phone_number` and shown back as people write it
    ("0225 3822 456", not "+842253822456"); a number that was refused is shown as typed."""

    def _value(self) -> str:
        if self.errors and self.raw_data:
            return self.raw_data[0]
        return display_phone(self.data) if self.data else ""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def email_address(form, field) -> None:
    """A deliverable-looking address in its ASCII form (an international domain in punycode).

    Addresses whose local part needs SMTPUTF8 are refused: many mail servers cannot take them.
    """
    try:
        result = validate_email(field.data or "", check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValidationError(_l("Enter a valid e-mail address, such as ten@congty.vn.")) from error
    field.data = result.ascii_email or result.normalized


def sensible_year(form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date between the years 2000 and 2100."))


# The factories below build the fields the forms ask again and again, each in one line. Labels and
# messages stay literal `_l(...)` at the call (or here) so that they are extracted.

# "At most N characters." for each limit that shows it, written out so that each message is
# extracted and translated whole; `message=AT_MOST` picks the one for the field's limit.
AT_MOST = {
    20: _l("At most 20 characters."),
    32: _l("At most 32 characters."),
    120: _l("At most 120 characters."),
    200: _l("At most 200 characters."),
    254: _l("At most 254 characters."),
    300: _l("At most 300 characters."),
    500: _l("At most 500 characters."),
    1000: _l("At most 1000 characters."),
    2000: _l("At most 2000 characters."),
}


def _presence(required):
    """Required, with `required` as the message when empty; or optional."""
    return DataRequired(required) if required else Optional()


def _length(*, min: int, max: int, message) -> Length:
    return Length(min=min, max=max, message=AT_MOST[max] if message is AT_MOST else message)


def text_field(
    label,
    *,
    max,
    required=None,
    min=-1,
    message=None,
    checks=(plain_text,),
    name=False,
    field=StringField,
):
    """A stripped text field: required (`required`: the message when it is empty) or optional, of
    `min` to `max` characters (no limit for `max=None`; `message`: the error, `AT_MOST` for "At
    most N characters.", None for WTForms' own), then `checks` and, for a person's name
    (`name=True`), `person_name`."""
    length = [] if max is None else [_length(min=min, max=max, message=message)]
    validators = [_presence(required), *length, *checks, *([person_name] if name else [])]
    return field(label, filters=[strip_filter], validators=validators)


def text_area(label, *, max, required=None, message=None) -> TextAreaField:
    """A text area kept as it is typed (not stripped), checked for plain text first, then required
    or optional and of at most `max` characters (`message` as for `text_field`)."""
    length = _length(min=-1, max=max, message=message)
    return TextAreaField(label, validators=[plain_multiline, _presence(required), length])


def email_field(label, *, required=None, max=254, message=AT_MOST, checks=(email_address,)):
    """An e-mail address: stripped, required or optional, at most 254 characters, and checked by
    `email_address` (which keeps its ASCII form)."""
    return text_field(
        label, required=required, max=max, message=message, checks=checks, field=EmailField
    )


def phone_field(label, *, required) -> PhoneField:
    """A required phone number, kept in E.164."""
    return PhoneField(
        label, filters=[strip_filter], validators=[DataRequired(required), phone_number]
    )


def language_field(label, *, default=None) -> RadioField:
    """The language of a person's e-mails."""
    return RadioField(
        label,
        choices=choices([("vi", "Tiếng Việt"), ("en", "English")]),
        default=default,
        validators=[InputRequired(_l("Choose a language."))],
    )


def datetime_field(label, *, required=True) -> DateTimeLocalField:
    """A date and time typed in the event's zone, to the minute."""
    first = DataRequired(_l("Enter a date and time.")) if required else Optional()
    return DateTimeLocalField(label, format="%Y-%m-%dT%H:%M", validators=[first, sensible_year])

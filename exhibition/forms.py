"""Form pieces shared by the domains' forms."""

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectMultipleField, ValidationError, widgets

from .phone import normalize_phone

# Letters of any script, digits, spaces and ordinary punctuation are fine in names; control
# characters, emoji and other pictographs are not (badges and PDFs cannot show them).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "So", "Sk"}


def plain_text(form, field) -> None:
    value = field.data or ""
    for char in value:
        if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in "\u200c\u200d":
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


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]

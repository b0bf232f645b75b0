"""Organisers' forms for booth fees: the receiving account, lines, cancelling, and deciding what
an unmatched transaction is."""

import re

from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst
from wtforms import IntegerField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import AT_MOST, Form, choices, plain_text, strip_filter, text_area, text_field
from ..text import fold
from . import banks, references
from .models import VAT_RATES

_ACCOUNT = re.compile(r"[0-9A-Z]{4,19}")
_HOLDER = re.compile(r"[A-Z0-9 .,&()\-/]{2,70}")


def account_number(form, field) -> None:
    """An account number as the bank writes it: 4 to 19 digits or upper-case letters (spaces,
    dots and dashes people type between groups are dropped)."""
    value = re.sub(r"[\s.\-]", "", field.data or "").upper()
    if not _ACCOUNT.fullmatch(value):
        raise ValidationError(
            _l("Enter the account number: 4 to 19 digits (letters for some banks).")
        )
    field.data = value


def account_holder(form, field) -> None:
    """The holder's name as the bank keeps it: upper case without diacritics, as payers' bank
    apps show it after looking the account up."""
    value = " ".join(fold(field.data or "").upper().split())
    if not _HOLDER.fullmatch(value):
        raise ValidationError(
            _l("Enter the account holder's name as the bank writes it (letters, digits, spaces).")
        )
    field.data = value


def reference_prefix(form, field) -> None:
    value = (field.data or "").strip().upper()
    if not references.PREFIX.fullmatch(value):
        raise ValidationError(
            _l("The prefix is 2 to 8 upper-case letters and digits, starting with a letter.")
        )
    field.data = value


def _vat_choices():
    return choices((str(rate), f"{rate} %") for rate in VAT_RATES)


class SettingsForm(Form):
    bank_bin = SelectField(_l("Bank"), validators=[DataRequired(_l("Choose the bank."))])
    account_number = StringField(
        _l("Account number"), filters=[strip_filter], validators=[account_number]
    )
    account_holder = StringField(
        _l("Account holder"), filters=[strip_filter], validators=[account_holder]
    )
    reference_prefix = StringField(
        _l("Reference prefix"), filters=[strip_filter], validators=[reference_prefix]
    )
    due_days = IntegerField(
        _l("Days to pay"),
        validators=[
            InputRequired(_l("Enter a number of days.")),
            NumberRange(min=1, max=90, message=_l("Enter a number of days from 1 to 90.")),
        ],
    )
    default_vat_rate = SelectField(_l("VAT rate of booths"), choices=_vat_choices())
    seller_tax_code = text_field(_l("Organiser's tax code"), max=20, message=AT_MOST)
    seller_address = text_field(_l("Organiser's address"), max=300, message=AT_MOST)

    def setup_choices(self) -> None:
        self.bank_bin.choices = choices([("", _l("Choose the bank")), *banks.choices()])

    def validate_seller_tax_code(self, field) -> None:
        if field.data:
            try:
                field.data = mst.validate(field.data)
            except stdnum_errors.ValidationError as error:
                raise ValidationError(
                    _l(
                        "Enter a valid Vietnamese tax code: 10 digits, or 10 digits, a dash and 3 for a branch."
                    )
                ) from error

    def values(self) -> dict:
        return {
            "bank_bin": self.bank_bin.data,
            "account_number": self.account_number.data,
            "account_holder": self.account_holder.data,
            "reference_prefix": self.reference_prefix.data,
            "due_days": self.due_days.data,
            "default_vat_rate": int(self.default_vat_rate.data),
            "seller_tax_code": self.seller_tax_code.data or "",
            "seller_address": self.seller_address.data or "",
        }


class LineForm(Form):
    description_vi = text_field(
        _l("Description (Vietnamese)"), max=300, required=_l("Describe the line."), message=AT_MOST
    )
    description_en = text_field(_l("Description (English)"), max=300, message=AT_MOST)
    quantity = IntegerField(
        _l("Quantity"),
        default=1,
        validators=[
            InputRequired(_l("Enter a quantity.")),
            NumberRange(min=1, max=10000, message=_l("Enter a quantity from 1 to 10,000.")),
        ],
    )
    unit_price_vnd = IntegerField(
        _l("Unit price (VND, negative for a discount)"),
        validators=[
            InputRequired(_l("Enter an amount in whole dong.")),
            NumberRange(min=-(10**12), max=10**12, message=_l("Enter an amount in whole dong.")),
        ],
    )
    vat_rate = SelectField(_l("VAT"), choices=_vat_choices())

    def values(self) -> dict:
        return {
            "description_vi": self.description_vi.data,
            "description_en": self.description_en.data or "",
            "quantity": self.quantity.data,
            "unit_price_vnd": self.unit_price_vnd.data,
            "vat_rate": int(self.vat_rate.data),
        }


class ReasonForm(Form):
    reason = text_area(_l("Reason"), max=500, required=_l("Give a reason."), message=AT_MOST)


class AssignForm(Form):
    """Apply an unmatched transaction to a request, chosen among the candidates or by reference."""

    request_id = SelectField(_l("Payment request"), validators=[Optional(strip_whitespace=False)])
    reference = StringField(_l("Or its reference"), filters=[strip_filter], validators=[plain_text])
    note = text_field(_l("Note"), max=500, message=AT_MOST)


class EmptyForm(Form):
    """A button that changes something: only its CSRF token."""

"""The public sign-up and "correct my details" forms, the walk-in desk's, the organisers'
corrections and the visitor categories."""

import functools

from babel import Locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, widgets
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from ..forms import (
    AT_MOST,
    Form,
    MultiCheckboxField,
    choices,
    email_field,
    language_field,
    phone_field,
    text_field,
)
from ..i18n import current_language
from ..text import fold, vietnamese_sort_key
from .services import Consents, VisitorData

ABROAD = "ABROAD"
DESK_PROVINCE = "HP"  # Hải Phòng, where the exhibition is held: the usual walk-in


class CachedOptionsSelect(widgets.Select):
    """WTForms' select, keeping the HTML of each option that is not selected once it is made:
    the same 250-odd countries were rendered for every sign-up page, half of its time."""

    _options: dict[tuple, str] = {}  # (value, label in its language) -> <option>; bounded

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.selected or choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        key = (choice.value, str(choice.label))
        html = cls._options.get(key)
        if html is None:
            html = cls._options[key] = super().render_option(choice)
        return html


def made_once(items, key: tuple, make):
    """`make()`, kept with `items` when they keep what is made of them (services.ReferenceList:
    the provinces and sectors of the app), so that each language's choices are built once."""
    kept = getattr(items, "made_for_forms", None)
    if kept is None:
        return make()
    if key not in kept:
        kept[key] = make()
    return kept[key]


def optional_int(value) -> int | None:
    """A select's value as an id; the empty "Choose…" option is None."""
    text = str(value) if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def country_choices(language: str) -> list[SelectChoice]:
    """The countries but Vietnam, by name in `language`, after a "Choose a country" option."""
    return list(_country_choices(language))


@functools.cache
def _country_choices(language: str) -> tuple[SelectChoice, ...]:
    # Babel's list of some 250 territories, sorted by name, is the same for every request in a
    # language: made once per process and language, not on every sign-up.
    territories = Locale.parse(language).territories
    codes = [
        code
        for code in territories
        if len(code) == 2
        and code.isalpha()
        and code not in ("VN", "ZZ", "EU", "EZ", "UN", "XA", "XB", "XK")
    ]
    # In the language's alphabetical order ("Áo", "Ấn Độ", "Úc", "Đức" among the others);
    # English names are sorted without their accents ("Åland Islands" before "Albania").
    key = vietnamese_sort_key if language == "vi" else (lambda name: (fold(name), name))
    return tuple(
        choices(
            [("", _l("Choose a country"))]
            + sorted(((c, territories[c]) for c in codes), key=lambda item: key(item[1]))
        )
    )


def _sector_choices(sectors, language: str) -> list[SelectChoice]:
    return made_once(
        sectors,
        ("sector", language),
        lambda: choices((s.code, s.tr("name", language)) for s in sectors),
    )


def _full_name(required):
    """A person's full name, of 2 to 120 characters; `required`: the message when it is empty."""
    message = _l("Between 2 and 120 characters.")
    return text_field(
        _l("Full name"), required=required, min=2, max=120, message=message, name=True
    )


def _category(label) -> SelectField:
    """One of the exhibition's visitor categories, by id."""
    return SelectField(
        label,
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a category."))],
        validate_choice=True,
    )


def _province(required, **kwargs) -> SelectField:
    """The province or city, or ABROAD; `required`: the message when none is chosen."""
    return SelectField(_l("Province or city"), validators=[DataRequired(required)], **kwargs)


class _VisitorForm(Form):
    """The rules and conversions the forms about one visitor share. Each form declares its own
    fields, worded for the person on the public forms ("your") or for the staff at the desk ("the
    person's"), in its own order (WTForms orders fields as they are made)."""

    _country_missing = _l("Choose the country the person comes from.")

    def _place_choices(self, provinces, language: str, *, prompt: bool) -> None:
        first = [("", _l("Choose…"))] if prompt else []
        self.province.choices = made_once(
            provinces,
            ("province", language, prompt),
            lambda: choices(
                first
                + [(p.code, p.tr("name", language)) for p in provinces]
                + [(ABROAD, _l("Outside Vietnam"))]
            ),
        )
        self.country.choices = country_choices(language)

    def validate_country(self, field) -> None:
        if self.province.data == ABROAD and not field.data:
            raise ValidationError(self._country_missing)

    def fill_from(self, registration) -> None:
        """The fields as the registration has them now."""
        self.full_name.data = registration.full_name
        self.phone.data = registration.phone
        self.organisation.data = registration.organisation
        self.job_title.data = registration.job_title
        self.province.data = registration.province_code or ABROAD
        self.country.data = "" if registration.province_code else registration.country_code
        if "sectors" in self:
            self.sectors.data = [s.code for s in registration.sectors]
        self.language.data = registration.language

    def _visitor_data(self, *, email: str, category_id: int) -> VisitorData:
        abroad = self.province.data == ABROAD
        return VisitorData(
            full_name=self.full_name.data,
            email=email,
            phone=self.phone.data,
            category_id=category_id,
            organisation=self.organisation.data or "",
            job_title=self.job_title.data or "",
            province_code=None if abroad else self.province.data,
            country_code=self.country.data if abroad else "VN",
            sector_codes=list(self.sectors.data or []) if "sectors" in self else [],
            language=self.language.data,
        )


class VisitorDetailsForm(_VisitorForm):
    _country_missing = _l("Choose the country you come from.")

    full_name = _full_name(_l("Enter your full name."))
    phone = phone_field(_l("Phone"), required=_l("Enter your phone number."))
    organisation = text_field(_l("Organisation"), max=200, message=AT_MOST)
    job_title = text_field(_l("Job title"), max=120, message=AT_MOST)
    category = _category(_l("I am a"))
    province = _province(
        _l("Choose your province or city, or “Outside Vietnam”."), widget=CachedOptionsSelect()
    )
    country = SelectField(_l("Country"), widget=CachedOptionsSelect())
    sectors = MultiCheckboxField(
        _l("Sectors of interest"), validators=[Optional(strip_whitespace=False)]
    )
    language = language_field(_l("Language for e-mails"))

    def setup_choices(self, *, categories, provinces, sectors) -> None:
        # The language is looked up once here, not by each of the fifty-odd tr() calls.
        language = current_language()
        self.category.choices = choices(
            [("", _l("Choose…"))] + [(c.id, c.tr("name", language)) for c in categories]
        )
        self._place_choices(provinces, language, prompt=True)
        self.sectors.choices = _sector_choices(sectors, language)
        if not self.language.data:
            self.language.data = language

    def visitor_data(self, *, email: str) -> VisitorData:
        return self._visitor_data(email=email, category_id=self.category.data)

    def fill_from(self, registration) -> None:
        super().fill_from(registration)
        self.category.data = registration.category_id


class RegistrationForm(VisitorDetailsForm):
    email = email_field(_l("E-mail"), required=_l("Enter your e-mail address."))
    consent_processing = BooleanField(
        _l(
            "I agree that the organisers process my personal data to run this exhibition (registration, badge, check-in)."
        ),
        validators=[DataRequired(_l("We can only register you with this consent."))],
    )
    consent_share_exhibitors = BooleanField(
        _l(
            "I agree that exhibitors who scan my badge at their booth receive my name, organisation, job title, e-mail and phone."
        )
    )
    consent_news = BooleanField(
        _l("I would like to receive news about this and later exhibitions.")
    )
    # Removed by the view when the exhibition has no matchmaking session.
    consent_matchmaking = BooleanField(
        _l(
            "List me for business matching: other participants may see my name, organisation and sectors and ask me for meetings."
        )
    )

    def consents(self) -> Consents:
        return Consents(
            processing=bool(self.consent_processing.data),
            share_exhibitors=bool(self.consent_share_exhibitors.data),
            news=bool(self.consent_news.data),
            matchmaking="consent_matchmaking" in self and bool(self.consent_matchmaking.data),
        )


class ConsentForm(Form):
    """The optional consents, changeable at any time from the "my registration" page."""

    share_exhibitors = BooleanField(
        _l(
            "Exhibitors who scan my badge at their booth may receive my name, organisation, job title, e-mail and phone."
        )
    )
    news = BooleanField(_l("Send me news about this and later exhibitions."))


class EraseForm(Form):
    """Confirms the erasure of a person's data (theirs, or an organiser's for them)."""

    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class DeskForm(_VisitorForm):
    """The short walk-in form at the registration desk, filled in by staff with the keyboard."""

    full_name = _full_name(_l("Enter the person's full name."))
    phone = phone_field(_l("Phone"), required=_l("Enter the person's phone number."))
    email = email_field(_l("E-mail (optional)"))
    organisation = text_field(_l("Organisation"), max=200, message=AT_MOST)
    job_title = text_field(_l("Job title"), max=120, message=AT_MOST)
    category = _category(_l("Category"))
    province = _province(_l("Choose a province or city, or “Outside Vietnam”."))
    country = SelectField(_l("Country"))
    language = language_field(_l("Language for e-mails"), default="vi")
    consent_processing = BooleanField(
        _l("The person agrees that their data is processed for the exhibition."),
        validators=[DataRequired(_l("Ask the person for this consent first: it is required."))],
    )

    def setup_choices(self, *, categories, provinces, default_category=None) -> None:
        self.category.choices = choices([(c.id, c.tr("name")) for c in categories])
        self._place_choices(provinces, current_language(), prompt=False)
        if not self.is_submitted():
            if default_category is not None:
                self.category.data = default_category.id
            self.province.data = DESK_PROVINCE

    def visitor_data(self) -> VisitorData:
        return self._visitor_data(email=self.email.data or "", category_id=self.category.data)

    def consents(self) -> Consents:
        return Consents(processing=bool(self.consent_processing.data))


class RegistrationEditForm(_VisitorForm):
    """An organiser correcting a registration: the person's details and e-mail address (the
    category is changed on its own, with CategoryChangeForm)."""

    full_name = DeskForm.full_name
    email = email_field(_l("E-mail"))
    phone = DeskForm.phone
    organisation = DeskForm.organisation
    job_title = DeskForm.job_title
    province = DeskForm.province
    country = DeskForm.country
    sectors = VisitorDetailsForm.sectors
    language = DeskForm.language

    def setup_choices(self, *, provinces, sectors) -> None:
        language = current_language()
        self._place_choices(provinces, language, prompt=False)
        self.sectors.choices = _sector_choices(sectors, language)

    def fill_from(self, registration) -> None:
        super().fill_from(registration)
        self.email.data = registration.email if registration.has_email else ""

    def visitor_data(self, *, registration) -> VisitorData:
        """The details typed, in the registration's own category and with its e-mail address
        (changed apart: visitors.changes.change_email)."""
        return self._visitor_data(email=registration.email, category_id=registration.category_id)


class CategoryChangeForm(Form):
    """Any category of the exhibition, public or not, for one registration."""

    category = _category(_l("Category"))

    def setup_choices(self, *, categories) -> None:
        self.category.choices = choices([(c.id, c.tr("name")) for c in categories])


class CategoryDetailsForm(Form):
    """What can be changed of a visitor category (its code stays: badges and exports use it)."""

    name_vi = text_field(_l("Name (Vietnamese)"), required=_l("Enter the name."), max=100)
    name_en = text_field(_l("Name (English)"), required=_l("Enter the name."), max=100)
    color = StringField(
        _l("Colour"),
        default="#1f6feb",
        validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour such as #1f6feb."))],
    )
    is_public = BooleanField(_l("Offered on the public sign-up form"), default=True)


class CategoryForm(CategoryDetailsForm):
    code = text_field(
        _l("Code"),
        required=_l("Enter a code."),
        max=32,
        checks=[Regexp(r"^[a-z0-9_-]+$", message=_l("Use lower-case letters, digits, - and _."))],
    )

"""The public sign-up form and the "correct my details" form."""

import functools

from babel import Locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import (
    Form,
    MultiCheckboxField,
    PhoneField,
    choices,
    email_address,
    person_name,
    phone_number,
    plain_text,
    strip_filter,
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


class VisitorDetailsForm(Form):
    full_name = StringField(
        _l("Full name"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter your full name.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters.")),
            plain_text,
            person_name,
        ],
    )
    phone = PhoneField(
        _l("Phone"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter your phone number.")), phone_number],
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), plain_text],
    )
    job_title = StringField(
        _l("Job title"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120, message=_l("At most 120 characters.")), plain_text],
    )
    category = SelectField(
        _l("I am a"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a category."))],
        validate_choice=True,
    )
    province = SelectField(
        _l("Province or city"),
        validators=[DataRequired(_l("Choose your province or city, or “Outside Vietnam”."))],
        widget=CachedOptionsSelect(),
    )
    country = SelectField(_l("Country"), widget=CachedOptionsSelect())
    sectors = MultiCheckboxField(
        _l("Sectors of interest"), validators=[Optional(strip_whitespace=False)]
    )
    language = RadioField(
        _l("Language for e-mails"),
        choices=choices([("vi", "Tiếng Việt"), ("en", "English")]),
        validators=[InputRequired(_l("Choose a language."))],
    )

    def setup_choices(self, *, categories, provinces, sectors) -> None:
        # The language is looked up once here, not by each of the fifty-odd tr() calls.
        language = current_language()
        self.category.choices = choices(
            [("", _l("Choose…"))] + [(c.id, c.tr("name", language)) for c in categories]
        )
        self.province.choices = choices(
            [("", _l("Choose…"))]
            + [(p.code, p.tr("name", language)) for p in provinces]
            + [(ABROAD, _l("Outside Vietnam"))]
        )
        self.country.choices = country_choices(language)
        self.sectors.choices = choices((s.code, s.tr("name", language)) for s in sectors)
        if not self.language.data:
            self.language.data = language

    def validate_country(self, field) -> None:
        if self.province.data == ABROAD and not field.data:
            raise ValidationError(_l("Choose the country you come from."))

    def visitor_data(self, *, email: str) -> VisitorData:
        abroad = self.province.data == ABROAD
        return VisitorData(
            full_name=self.full_name.data,
            email=email,
            phone=self.phone.data,
            category_id=self.category.data,
            organisation=self.organisation.data or "",
            job_title=self.job_title.data or "",
            province_code=None if abroad else self.province.data,
            country_code=self.country.data if abroad else "VN",
            sector_codes=list(self.sectors.data or []),
            language=self.language.data,
        )

    def fill_from(self, registration) -> None:
        self.full_name.data = registration.full_name
        self.phone.data = registration.phone
        self.organisation.data = registration.organisation
        self.job_title.data = registration.job_title
        self.category.data = registration.category_id
        self.province.data = registration.province_code or ABROAD
        self.country.data = "" if registration.province_code else registration.country_code
        self.sectors.data = [s.code for s in registration.sectors]
        self.language.data = registration.language


class RegistrationForm(VisitorDetailsForm):
    email = EmailField(
        _l("E-mail"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("At most 254 characters.")),
            email_address,
        ],
    )
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

    def consents(self) -> Consents:
        return Consents(
            processing=bool(self.consent_processing.data),
            share_exhibitors=bool(self.consent_share_exhibitors.data),
            news=bool(self.consent_news.data),
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


class DeskForm(Form):
    """The short walk-in form at the registration desk, filled in by staff with the keyboard."""

    full_name = StringField(
        _l("Full name"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the person's full name.")),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters.")),
            plain_text,
            person_name,
        ],
    )
    phone = PhoneField(
        _l("Phone"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the person's phone number.")), phone_number],
    )
    email = EmailField(
        _l("E-mail (optional)"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=254, message=_l("At most 254 characters.")),
            email_address,
        ],
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), plain_text],
    )
    job_title = StringField(
        _l("Job title"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120, message=_l("At most 120 characters.")), plain_text],
    )
    category = SelectField(
        _l("Category"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a category."))],
        validate_choice=True,
    )
    province = SelectField(
        _l("Province or city"),
        validators=[DataRequired(_l("Choose a province or city, or “Outside Vietnam”."))],
    )
    country = SelectField(_l("Country"))
    language = RadioField(
        _l("Language for e-mails"),
        choices=choices([("vi", "Tiếng Việt"), ("en", "English")]),
        default="vi",
        validators=[InputRequired(_l("Choose a language."))],
    )
    consent_processing = BooleanField(
        _l("The person agrees that their data is processed for the exhibition."),
        validators=[DataRequired(_l("Ask the person for this consent first: it is required."))],
    )

    def setup_choices(self, *, categories, provinces, default_category=None) -> None:
        self.category.choices = choices([(c.id, c.tr("name")) for c in categories])
        self.province.choices = choices(
            [(p.code, p.tr("name")) for p in provinces] + [(ABROAD, _l("Outside Vietnam"))]
        )
        self.country.choices = country_choices(current_language())
        if not self.is_submitted():
            if default_category is not None:
                self.category.data = default_category.id
            self.province.data = DESK_PROVINCE

    def validate_country(self, field) -> None:
        if self.province.data == ABROAD and not field.data:
            raise ValidationError(_l("Choose the country the person comes from."))

    def visitor_data(self) -> VisitorData:
        abroad = self.province.data == ABROAD
        return VisitorData(
            full_name=self.full_name.data,
            email=self.email.data or "",
            phone=self.phone.data,
            category_id=self.category.data,
            organisation=self.organisation.data or "",
            job_title=self.job_title.data or "",
            province_code=None if abroad else self.province.data,
            country_code=self.country.data if abroad else "VN",
            language=self.language.data,
        )

    def consents(self) -> Consents:
        return Consents(processing=bool(self.consent_processing.data))


class RegistrationEditForm(Form):
    """An organiser correcting a registration: the person's details and e-mail address (the
    category is changed on its own, with CategoryChangeForm)."""

    full_name = DeskForm.full_name
    email = EmailField(
        _l("E-mail"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=254, message=_l("At most 254 characters.")),
            email_address,
        ],
    )
    phone = DeskForm.phone
    organisation = DeskForm.organisation
    job_title = DeskForm.job_title
    province = DeskForm.province
    country = DeskForm.country
    sectors = VisitorDetailsForm.sectors
    language = DeskForm.language

    def setup_choices(self, *, provinces, sectors) -> None:
        language = current_language()
        self.province.choices = choices(
            [(p.code, p.tr("name", language)) for p in provinces]
            + [(ABROAD, _l("Outside Vietnam"))]
        )
        self.country.choices = country_choices(language)
        self.sectors.choices = choices((s.code, s.tr("name", language)) for s in sectors)

    def validate_country(self, field) -> None:
        if self.province.data == ABROAD and not field.data:
            raise ValidationError(_l("Choose the country the person comes from."))

    def fill_from(self, registration) -> None:
        self.full_name.data = registration.full_name
        self.email.data = registration.email if registration.has_email else ""
        self.phone.data = registration.phone
        self.organisation.data = registration.organisation
        self.job_title.data = registration.job_title
        self.province.data = registration.province_code or ABROAD
        self.country.data = "" if registration.province_code else registration.country_code
        self.sectors.data = [s.code for s in registration.sectors]
        self.language.data = registration.language

    def visitor_data(self, *, registration) -> VisitorData:
        """The details typed, in the registration's own category and with its e-mail address
        (changed apart: visitors.services.change_email)."""
        abroad = self.province.data == ABROAD
        return VisitorData(
            full_name=self.full_name.data,
            email=registration.email,
            phone=self.phone.data,
            category_id=registration.category_id,
            organisation=self.organisation.data or "",
            job_title=self.job_title.data or "",
            province_code=None if abroad else self.province.data,
            country_code=self.country.data if abroad else "VN",
            sector_codes=list(self.sectors.data or []),
            language=self.language.data,
        )


class CategoryChangeForm(Form):
    """Any category of the exhibition, public or not, for one registration."""

    category = SelectField(
        _l("Category"),
        coerce=optional_int,
        validators=[DataRequired(_l("Choose a category."))],
        validate_choice=True,
    )

    def setup_choices(self, *, categories) -> None:
        self.category.choices = choices([(c.id, c.tr("name")) for c in categories])


class CategoryDetailsForm(Form):
    """What can be changed of a visitor category (its code stays: badges and exports use it)."""

    name_vi = StringField(
        _l("Name (Vietnamese)"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the name.")), Length(max=100), plain_text],
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the name.")), Length(max=100), plain_text],
    )
    color = StringField(
        _l("Colour"),
        default="#1f6feb",
        validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour such as #1f6feb."))],
    )
    is_public = BooleanField(_l("Offered on the public sign-up form"), default=True)


class CategoryForm(CategoryDetailsForm):
    code = StringField(
        _l("Code"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter a code.")),
            Length(max=32),
            Regexp(r"^[a-z0-9_-]+$", message=_l("Use lower-case letters, digits, - and _.")),
        ],
    )

"""The public exhibitor application form and the organisers' status form."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..booths.models import BoothType
from ..booths.services import WishOptions
from ..forms import (
    Form,
    MultiCheckboxField,
    PhoneField,
    choices,
    email_address,
    person_name,
    phone_number,
    plain_multiline,
    plain_text,
    strip_filter,
)
from ..i18n import current_language
from ..labels import DESCRIPTIONS, label
from .services import (
    CERTIFICATIONS,
    ApplicationData,
    InvalidTaxCode,
    Preference,
    normalize_tax_code,
)

PREFERENCE_FIELDS = [f"preference_{rank}" for rank in range(1, 6)]


def tax_code_valid(form, field) -> None:
    try:
        field.data = normalize_tax_code(field.data or "")
    except InvalidTaxCode as error:
        raise ValidationError(str(error.message)) from error


class ApplicationForm(Form):
    company_name_vi = StringField(
        _l("Company name (Vietnamese)"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the company's name.")),
            Length(max=200, message=_l("At most 200 characters.")),
            plain_text,
        ],
    )
    company_name_en = StringField(
        _l("Company name (English)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), plain_text],
    )
    tax_code = StringField(
        _l("Tax code (MST)"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the tax code.")),
            Length(max=20, message=_l("At most 20 characters.")),
            tax_code_valid,
        ],
    )
    province = SelectField(
        _l("Province or city"), validators=[DataRequired(_l("Choose a province or city."))]
    )
    commune = StringField(
        _l("Commune or ward"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120, message=_l("At most 120 characters.")), plain_text],
    )
    street = StringField(
        _l("Street address"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), plain_text],
    )
    website = StringField(
        _l("Website"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=200, message=_l("At most 200 characters.")),
            Regexp(
                r"^https?://[^\s/$.?#][^\s]*$",
                message=_l("Enter an address starting with http:// or https://."),
            ),
        ],
    )
    sectors = MultiCheckboxField(
        _l("Sectors"), validators=[DataRequired(_l("Choose at least one sector."))]
    )
    main_products = TextAreaField(
        _l("Main products (Vietnamese)"),
        validators=[
            plain_multiline,
            DataRequired(_l("List your main products.")),
            Length(max=1000, message=_l("At most 1000 characters.")),
        ],
    )
    main_products_en = TextAreaField(
        _l("Main products (English)"),
        validators=[
            plain_multiline,
            Optional(),
            Length(max=1000, message=_l("At most 1000 characters.")),
        ],
    )
    certifications = MultiCheckboxField(
        _l("Certifications"), validators=[Optional(strip_whitespace=False)]
    )
    other_certifications = StringField(
        _l("Other certifications"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), plain_text],
    )
    description_vi = TextAreaField(
        _l("Short description (Vietnamese)"),
        validators=[
            plain_multiline,
            Optional(),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
    )
    description_en = TextAreaField(
        _l("Short description (English)"),
        validators=[
            plain_multiline,
            Optional(),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
    )
    logo = FileField(_l("Logo (PNG, JPEG or WebP, at most 1.5 MB)"))
    contact_name = StringField(
        _l("Contact person"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the contact person's name.")),
            Length(max=120, message=_l("At most 120 characters.")),
            plain_text,
            person_name,
        ],
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("At most 254 characters.")),
            email_address,
        ],
    )
    contact_phone = PhoneField(
        _l("Contact phone"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter your phone number.")), phone_number],
    )
    contact_language = RadioField(
        _l("Language for e-mails"),
        choices=choices([("vi", "Tiếng Việt"), ("en", "English")]),
        validators=[InputRequired(_l("Choose a language."))],
    )
    booth_type = RadioField(
        _l("Booth type"),
        choices=choices((t.value, DESCRIPTIONS[t]) for t in BoothType),
        validators=[InputRequired(_l("Choose a booth type."))],
    )
    booth_count = IntegerField(
        _l("Number of booths"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=10, message=_l("From 1 to 10."))],
    )
    raw_area_m2 = IntegerField(_l("Raw space area (m²)"))
    preference_1 = StringField(
        _l("1st choice"), filters=[strip_filter], validators=[Optional(), Length(max=32)]
    )
    preference_2 = StringField(
        _l("2nd choice"), filters=[strip_filter], validators=[Optional(), Length(max=32)]
    )
    preference_3 = StringField(
        _l("3rd choice"), filters=[strip_filter], validators=[Optional(), Length(max=32)]
    )
    preference_4 = StringField(
        _l("4th choice"), filters=[strip_filter], validators=[Optional(), Length(max=32)]
    )
    preference_5 = StringField(
        _l("5th choice"), filters=[strip_filter], validators=[Optional(), Length(max=32)]
    )

    def setup_choices(self, *, provinces, sectors, wishes: WishOptions) -> None:
        self.province.choices = choices(
            [("", _l("Choose…"))] + [(p.code, p.tr("name")) for p in provinces]
        )
        self.sectors.choices = choices((s.code, s.tr("name")) for s in sectors)
        self.certifications.choices = choices((c, c) for c in CERTIFICATIONS)
        self.wishes = wishes
        self.resolved: dict[str, tuple[str, str]] = {}
        if not self.contact_language.data:
            self.contact_language.data = current_language()

    def validate_raw_area_m2(self, field) -> None:
        if self.booth_type.data != BoothType.RAW.value:
            field.data = None
            field.errors[:] = []  # a stray value is ignored for shell-scheme booths
            return
        if field.data is None:
            raise ValidationError(_l("Give the raw space area in m²."))
        if not 9 <= field.data <= 2000:
            raise ValidationError(_l("From 9 to 2000 m²."))

    def _check_preference(self, field) -> None:
        value = (field.data or "").strip()
        if not value or not self.wishes.halls:  # without a plan, no wish is asked for
            return
        wish = self.wishes.resolve(value)
        if wish is None:
            raise ValidationError(
                _l("Not a hall, zone or booth code of this exhibition: see the list above.")
            )
        self.resolved[field.name] = wish

    validate_preference_1 = validate_preference_2 = validate_preference_3 = _check_preference
    validate_preference_4 = validate_preference_5 = _check_preference

    def application_data(self) -> ApplicationData:
        preferences = []
        for rank, name in enumerate(PREFERENCE_FIELDS, start=1):
            if name not in self.resolved:
                continue
            kind, value = self.resolved[name]
            if kind == "booth":
                preferences.append(Preference(rank=rank, booth_code=value))
            elif kind == "hall":
                preferences.append(Preference(rank=rank, hall_code=value))
            else:
                preferences.append(Preference(rank=rank, zone=value))
        other = [c.strip() for c in (self.other_certifications.data or "").split(",") if c.strip()]
        return ApplicationData(
            company_name_vi=self.company_name_vi.data,
            company_name_en=self.company_name_en.data or "",
            tax_code=self.tax_code.data,
            province_code=self.province.data,
            commune=self.commune.data or "",
            street=self.street.data or "",
            website=self.website.data or "",
            sector_codes=list(self.sectors.data or []),
            main_products=self.main_products.data or "",
            main_products_en=self.main_products_en.data or "",
            certifications=list(self.certifications.data or []) + other,
            description_vi=self.description_vi.data or "",
            description_en=self.description_en.data or "",
            contact_name=self.contact_name.data,
            contact_email=self.contact_email.data,
            contact_phone=self.contact_phone.data,
            contact_language=self.contact_language.data,
            booth_type=BoothType(self.booth_type.data),
            booth_count=self.booth_count.data or 1,
            raw_area_m2=self.raw_area_m2.data,
            preferences=preferences,
        )


class StatusForm(Form):
    """An organiser's decision on an application."""

    status = SelectField(_l("New status"), validators=[DataRequired(_l("Choose a status."))])
    reason = TextAreaField(
        _l("Reason (sent to the company)"),
        validators=[
            plain_multiline,
            Optional(),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
    )

    def setup_choices(self, allowed) -> None:
        self.status.choices = choices(
            [("", _l("Choose…"))] + [(s.value, label(s)) for s in allowed]
        )


class PortalLoginForm(Form):
    email = ApplicationForm.contact_email


class ProfileForm(Form):
    """What a company edits in the portal (the application's fields, less tax code and booth request)."""

    company_name_vi = ApplicationForm.company_name_vi
    company_name_en = ApplicationForm.company_name_en
    commune = ApplicationForm.commune
    street = ApplicationForm.street
    website = ApplicationForm.website
    sectors = ApplicationForm.sectors
    main_products = ApplicationForm.main_products
    main_products_en = ApplicationForm.main_products_en
    certifications = ApplicationForm.certifications
    other_certifications = ApplicationForm.other_certifications
    description_vi = ApplicationForm.description_vi
    description_en = ApplicationForm.description_en
    logo = ApplicationForm.logo
    contact_name = ApplicationForm.contact_name
    contact_phone = ApplicationForm.contact_phone
    contact_language = ApplicationForm.contact_language

    def setup_choices(self, *, sectors) -> None:
        self.sectors.choices = choices((s.code, s.tr("name")) for s in sectors)
        self.certifications.choices = choices((c, c) for c in CERTIFICATIONS)

    def fill_from(self, exhibitor) -> None:
        for name in ("company_name_vi", "company_name_en", "commune", "street", "website", "main_products",
                     "main_products_en", "description_vi", "description_en", "contact_name", "contact_phone",
                     "contact_language"):  # fmt: skip
            getattr(self, name).data = getattr(exhibitor, name)
        self.sectors.data = [s.code for s in exhibitor.sectors]
        self.certifications.data = [c for c in exhibitor.certifications if c in CERTIFICATIONS]
        self.other_certifications.data = ", ".join(
            c for c in exhibitor.certifications if c not in CERTIFICATIONS
        )

    def application_data(self, exhibitor) -> ApplicationData:
        other = [c.strip() for c in (self.other_certifications.data or "").split(",") if c.strip()]
        return ApplicationData(
            company_name_vi=self.company_name_vi.data,
            company_name_en=self.company_name_en.data or "",
            tax_code=exhibitor.tax_code,
            province_code=exhibitor.province_code,
            commune=self.commune.data or "",
            street=self.street.data or "",
            website=self.website.data or "",
            sector_codes=list(self.sectors.data or []),
            main_products=self.main_products.data or "",
            main_products_en=self.main_products_en.data or "",
            certifications=list(self.certifications.data or []) + other,
            description_vi=self.description_vi.data or "",
            description_en=self.description_en.data or "",
            contact_name=self.contact_name.data,
            contact_email=exhibitor.contact_email,
            contact_phone=self.contact_phone.data,
            contact_language=self.contact_language.data,
            booth_type=exhibitor.booth_type,
        )


class StaffForm(Form):
    """A staff member who works at the booth and gets an "Exhibitor" badge."""

    full_name = StringField(
        _l("Full name"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter the full name.")),
            Length(max=120, message=_l("At most 120 characters.")),
            plain_text,
            person_name,
        ],
    )
    email = ApplicationForm.contact_email
    phone = ApplicationForm.contact_phone
    job_title = StringField(
        _l("Job title"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120, message=_l("At most 120 characters.")), plain_text],
    )
    language = ApplicationForm.contact_language
    informed = BooleanField(
        _l(
            "This person knows that the company gives their name, e-mail and phone to the organisers for a badge."
        ),
        validators=[DataRequired(_l("Tell the person first; we record their data only then."))],
    )

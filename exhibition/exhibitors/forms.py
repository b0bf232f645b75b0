"""The public exhibitor application form and the organisers' status form."""

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..booths.models import BoothType
from ..booths.services import WishOptions
from ..forms import (
    AT_MOST,
    Form,
    MultiCheckboxField,
    choices,
    email_field,
    language_field,
    phone_field,
    text_area,
    text_field,
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


# Most fields here say "At most N characters." when too long (the booth wishes, WTForms' own).
_text = functools.partial(text_field, message=AT_MOST)
_area = functools.partial(text_area, message=AT_MOST)
_WEB_ADDRESS = Regexp(
    r"^https?://[^\s/$.?#][^\s]*$",
    message=_l("Enter an address starting with http:// or https://."),
)


class _CompanyForm(Form):
    """What a company tells about itself: in its application, and later in the portal."""

    company_name_vi = _text(
        _l("Company name (Vietnamese)"), required=_l("Enter the company's name."), max=200
    )
    company_name_en = _text(_l("Company name (English)"), max=200)
    tax_code = _text(
        _l("Tax code (MST)"), required=_l("Enter the tax code."), max=20, checks=[tax_code_valid]
    )
    province = SelectField(
        _l("Province or city"), validators=[DataRequired(_l("Choose a province or city."))]
    )
    commune = _text(_l("Commune or ward"), max=120)
    street = _text(_l("Street address"), max=200)
    website = _text(_l("Website"), max=200, checks=[_WEB_ADDRESS])
    sectors = MultiCheckboxField(
        _l("Sectors"), validators=[DataRequired(_l("Choose at least one sector."))]
    )
    main_products = _area(
        _l("Main products (Vietnamese)"), required=_l("List your main products."), max=1000
    )
    main_products_en = _area(_l("Main products (English)"), max=1000)
    certifications = MultiCheckboxField(
        _l("Certifications"), validators=[Optional(strip_whitespace=False)]
    )
    other_certifications = _text(_l("Other certifications"), max=200)
    description_vi = _area(_l("Short description (Vietnamese)"), max=2000)
    description_en = _area(_l("Short description (English)"), max=2000)
    logo = FileField(_l("Logo (PNG, JPEG or WebP, at most 1.5 MB)"))
    contact_name = _text(
        _l("Contact person"), required=_l("Enter the contact person's name."), max=120, name=True
    )
    contact_email = email_field(_l("Contact e-mail"), required=_l("Enter your e-mail address."))
    contact_phone = phone_field(_l("Contact phone"), required=_l("Enter your phone number."))
    contact_language = language_field(_l("Language for e-mails"))

    def _setup_company_choices(self, *, sectors) -> None:
        self.sectors.choices = choices((s.code, s.tr("name")) for s in sectors)
        self.certifications.choices = choices((c, c) for c in CERTIFICATIONS)

    def _company_data(self, **rest) -> ApplicationData:
        """The application's data from the fields about the company, with `rest`."""
        other = [c.strip() for c in (self.other_certifications.data or "").split(",") if c.strip()]
        return ApplicationData(
            company_name_vi=self.company_name_vi.data,
            company_name_en=self.company_name_en.data or "",
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
            contact_phone=self.contact_phone.data,
            contact_language=self.contact_language.data,
            **rest,
        )


class ApplicationForm(_CompanyForm):
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
    preference_1 = text_field(_l("1st choice"), max=32, checks=())
    preference_2 = text_field(_l("2nd choice"), max=32, checks=())
    preference_3 = text_field(_l("3rd choice"), max=32, checks=())
    preference_4 = text_field(_l("4th choice"), max=32, checks=())
    preference_5 = text_field(_l("5th choice"), max=32, checks=())

    def setup_choices(self, *, provinces, sectors, wishes: WishOptions) -> None:
        self.province.choices = choices(
            [("", _l("Choose…"))] + [(p.code, p.tr("name")) for p in provinces]
        )
        self._setup_company_choices(sectors=sectors)
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
        return self._company_data(
            tax_code=self.tax_code.data,
            province_code=self.province.data,
            contact_email=self.contact_email.data,
            booth_type=BoothType(self.booth_type.data),
            booth_count=self.booth_count.data or 1,
            raw_area_m2=self.raw_area_m2.data,
            preferences=preferences,
        )


class StatusForm(Form):
    """An organiser's decision on an application."""

    status = SelectField(_l("New status"), validators=[DataRequired(_l("Choose a status."))])
    reason = _area(_l("Reason (sent to the company)"), max=2000)

    def setup_choices(self, allowed) -> None:
        self.status.choices = choices(
            [("", _l("Choose…"))] + [(s.value, label(s)) for s in allowed]
        )


class PortalLoginForm(Form):
    email = ApplicationForm.contact_email


class ProfileForm(_CompanyForm):
    """What a company edits in the portal: the application's fields, less the tax code, the
    province, the e-mail address and the booth request."""

    tax_code = province = contact_email = None

    def setup_choices(self, *, sectors) -> None:
        self._setup_company_choices(sectors=sectors)

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
        return self._company_data(
            tax_code=exhibitor.tax_code,
            province_code=exhibitor.province_code,
            contact_email=exhibitor.contact_email,
            booth_type=exhibitor.booth_type,
        )


class AdminProfileForm(ProfileForm):
    """What organisers correct in a company's profile: the portal's fields and the province (the
    tax code and the contact's e-mail, which signs in to the portal, stay)."""

    province = _CompanyForm.province
    logo = None

    def setup_choices(self, *, provinces, sectors) -> None:
        self.province.choices = choices(
            [("", _l("Choose…"))] + [(p.code, p.tr("name")) for p in provinces]
        )
        self._setup_company_choices(sectors=sectors)

    def fill_from(self, exhibitor) -> None:
        super().fill_from(exhibitor)
        self.province.data = exhibitor.province_code

    def application_data(self, exhibitor) -> ApplicationData:
        return self._company_data(
            tax_code=exhibitor.tax_code,
            province_code=self.province.data,
            contact_email=exhibitor.contact_email,
            booth_type=exhibitor.booth_type,
        )


class StaffForm(Form):
    """A staff member who works at the booth and gets an "Exhibitor" badge."""

    full_name = _text(_l("Full name"), required=_l("Enter the full name."), max=120, name=True)
    email = ApplicationForm.contact_email
    phone = ApplicationForm.contact_phone
    job_title = _text(_l("Job title"), max=120)
    language = ApplicationForm.contact_language
    informed = BooleanField(
        _l(
            "This person knows that the company gives their name, e-mail and phone to the organisers for a badge."
        ),
        validators=[DataRequired(_l("Tell the person first; we record their data only then."))],
    )

"""Organiser forms."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..events.services import EventData
from ..forms import (
    Form,
    choices,
    email_address,
    person_name,
    plain_multiline,
    plain_text,
    strip_filter,
)
from ..i18n import current_language
from ..text import FIRST_YEAR, LAST_YEAR

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)]
    )


def sensible_year(form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date between the years 2000 and 2100."))


def _local(field) -> datetime:
    return field.data.replace(tzinfo=TZ)


class EventForm(Form):
    slug = StringField(
        _l("Short name (in web addresses)"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Enter a short name.")),
            Length(max=64),
            Regexp(
                r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
                message=_l("Use lower-case letters, digits and hyphens."),
            ),
        ],
    )
    name_vi = StringField(
        _l("Name (Vietnamese)"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter the name.")), Length(max=300), plain_text],
    )
    name_en = StringField(
        _l("Name (English)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300), plain_text],
    )
    description_vi = TextAreaField(
        _l("Description (Vietnamese)"), validators=[plain_multiline, Optional(), Length(max=10000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[plain_multiline, Optional(), Length(max=10000)]
    )
    organiser_vi = StringField(
        _l("Organiser (Vietnamese)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300)],
    )
    organiser_en = StringField(
        _l("Organiser (English)"), filters=[strip_filter], validators=[Optional(), Length(max=300)]
    )
    venue_vi = StringField(
        _l("Venue (Vietnamese)"), filters=[strip_filter], validators=[Optional(), Length(max=300)]
    )
    venue_en = StringField(
        _l("Venue (English)"), filters=[strip_filter], validators=[Optional(), Length(max=300)]
    )
    address = StringField(
        _l("Address"), filters=[strip_filter], validators=[Optional(), Length(max=300)]
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        filters=[strip_filter],
        validators=[
            Optional(),
            email_address,
        ],
    )
    mail_sender_vi = StringField(
        _l("Sender name of the e-mails (Vietnamese)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120), plain_text],
    )
    mail_sender_en = StringField(
        _l("Sender name of the e-mails (English)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120), plain_text],
    )
    starts_at = DateTimeLocalField(
        _l("Opens (Vietnam time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time.")), sensible_year],
    )
    ends_at = DateTimeLocalField(
        _l("Closes (Vietnam time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time.")), sensible_year],
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time.")), sensible_year],
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("Enter a date and time.")), sensible_year],
    )

    staff_per_9m2 = IntegerField(
        _l("Exhibitor staff badges per 9 m² of booth"),
        default=3,
        validators=[
            Optional(),
            NumberRange(min=0, max=50, message=_l("From 0 to 50.")),
        ],
    )
    retention_days = IntegerField(
        _l("Keep visitors' personal data for (days after the exhibition)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=3650, message=_l("From 0 to 3650 days.")),
        ],
    )
    banner = FileField(_l("Banner (PNG, JPEG or WebP, at most 3 MB)"))
    remove_banner = BooleanField(_l("Remove the banner"))
    logo = FileField(_l("Logo (PNG, JPEG or WebP, at most 1.5 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))

    desk_checks_in = BooleanField(
        _l("Registering a person at the walk-in desk checks them in"), default=True
    )

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_registration_closes_at(self, field) -> None:
        if (
            self.registration_opens_at.data
            and field.data
            and field.data <= self.registration_opens_at.data
        ):
            raise ValidationError(_l("Registration must close after it opens."))

    def event_data(self) -> EventData:
        return EventData(
            slug=self.slug.data,
            name_vi=self.name_vi.data,
            name_en=self.name_en.data or "",
            description_vi=self.description_vi.data or "",
            description_en=self.description_en.data or "",
            organiser_vi=self.organiser_vi.data or "",
            organiser_en=self.organiser_en.data or "",
            venue_vi=self.venue_vi.data or "",
            venue_en=self.venue_en.data or "",
            address=self.address.data or "",
            contact_email=self.contact_email.data or "",
            mail_sender_vi=self.mail_sender_vi.data or "",
            mail_sender_en=self.mail_sender_en.data or "",
            starts_at=_local(self.starts_at),
            ends_at=_local(self.ends_at),
            registration_opens_at=_local(self.registration_opens_at),
            registration_closes_at=_local(self.registration_closes_at),
            staff_per_9m2=3 if self.staff_per_9m2.data is None else self.staff_per_9m2.data,
            retention_days=self.retention_days.data,
            desk_checks_in=bool(self.desk_checks_in.data),
        )

    def fill_from(self, event) -> None:
        for name in ("slug", "name_vi", "name_en", "description_vi", "description_en", "organiser_vi",
                     "organiser_en", "venue_vi", "venue_en", "address", "contact_email", "mail_sender_vi",
                     "mail_sender_en", "staff_per_9m2", "retention_days", "desk_checks_in"):  # fmt: skip
            getattr(self, name).data = getattr(event, name)
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            getattr(self, name).data = getattr(event, name).astimezone(TZ).replace(tzinfo=None)


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


class StaffForm(Form):
    """A staff account. Role check-boxes, one per exhibition and role, are added by `staff_form`."""

    email = EmailField(
        _l("E-mail"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254), email_address],
    )
    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120), plain_text, person_name],
    )
    active = BooleanField(_l("May sign in"), default=True)
    administrator = BooleanField(
        _l("Administrator"),
        description=_l("Manages staff accounts and every exhibition."),
    )
    role_fields: list[tuple] = []

    def roles(self) -> set:
        """The ticked (event id, role) pairs."""
        return {
            (event.id, role) for event, role, name in self.role_fields if getattr(self, name).data
        }


def _language_field(label) -> RadioField:
    return RadioField(
        label,
        choices=choices([("vi", "Tiếng Việt"), ("en", "English")]),
        default=current_language,
        validators=[InputRequired(_l("Choose a language."))],
    )


class PasswordLinkForm(Form):
    """Send an account's owner a link to set a new password."""

    language = _language_field(_l("Language of the e-mail"))


class SetPasswordForm(Form):
    """A member of staff chooses their own password (the rules of every staff password)."""

    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=8, max=200, message=_l("From 8 to 200 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            DataRequired(_l("Type the password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


def staff_form(*, events, user=None) -> StaffForm:
    """A StaffForm with a check-box for every role in every exhibition, filled from `user`; a
    new account's form also asks the language of its invitation."""
    from .models import Role

    fields = [(event, role, f"role_{event.id}_{role.value}") for event in events for role in Role]

    class Bound(StaffForm):
        role_fields = fields

    for _event, role, name in fields:
        setattr(Bound, name, BooleanField(role.value))
    if user is None:
        Bound.language = _language_field(_l("Language of the invitation e-mail"))
    form = Bound()
    if user is not None and not form.is_submitted():
        form.email.data = user.email
        form.name.data = user.name
        form.active.data = user.active
        form.administrator.data = user.administrator
        held = {(m.event_id, m.role) for m in user.memberships}
        for event, role, name in fields:
            getattr(form, name).data = (event.id, role) in held
    return form

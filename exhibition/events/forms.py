"""The exhibition's settings form (organisers)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from ..forms import Form, datetime_field, email_field, text_area, text_field
from .services import EventData

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _local(field) -> datetime:
    return field.data.replace(tzinfo=TZ)


_SLUG = Regexp(
    r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", message=_l("Use lower-case letters, digits and hyphens.")
)


class EventForm(Form):
    slug = text_field(
        _l("Short name (in web addresses)"),
        required=_l("Enter a short name."),
        max=64,
        checks=[_SLUG],
    )
    name_vi = text_field(_l("Name (Vietnamese)"), required=_l("Enter the name."), max=300)
    name_en = text_field(_l("Name (English)"), max=300)
    description_vi = text_area(_l("Description (Vietnamese)"), max=10000)
    description_en = text_area(_l("Description (English)"), max=10000)
    organiser_vi = text_field(_l("Organiser (Vietnamese)"), max=300, checks=())
    organiser_en = text_field(_l("Organiser (English)"), max=300, checks=())
    venue_vi = text_field(_l("Venue (Vietnamese)"), max=300, checks=())
    venue_en = text_field(_l("Venue (English)"), max=300, checks=())
    address = text_field(_l("Address"), max=300, checks=())
    contact_email = email_field(_l("Contact e-mail"), max=None)
    mail_sender_vi = text_field(_l("Sender name of the e-mails (Vietnamese)"), max=120)
    mail_sender_en = text_field(_l("Sender name of the e-mails (English)"), max=120)
    starts_at = datetime_field(_l("Opens (Vietnam time)"))
    ends_at = datetime_field(_l("Closes (Vietnam time)"))
    registration_opens_at = datetime_field(_l("Registration opens"))
    registration_closes_at = datetime_field(_l("Registration closes"))

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

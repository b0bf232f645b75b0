"""Organiser forms."""

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..accounts.models import Role
from ..forms import Form, email_field, language_field, text_field
from ..i18n import current_language

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class LoginForm(Form):
    email = email_field(
        _l("E-mail"), required=_l("Enter your e-mail address."), message=None, checks=()
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)]
    )


class StaffForm(Form):
    """A staff account. Role check-boxes, one per exhibition and role, are added by `staff_form`."""

    email = email_field(_l("E-mail"), required=_l("Enter an e-mail address."), message=None)
    name = text_field(_l("Name"), max=120, name=True)
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


class PasswordLinkForm(Form):
    """Send an account's owner a link to set a new password."""

    language = language_field(_l("Language of the e-mail"), default=current_language)


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
    fields = [(event, role, f"role_{event.id}_{role.value}") for event in events for role in Role]

    class Bound(StaffForm):
        role_fields = fields

    for _event, role, name in fields:
        setattr(Bound, name, BooleanField(role.value))
    if user is None:
        Bound.language = language_field(
            _l("Language of the invitation e-mail"), default=current_language
        )
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

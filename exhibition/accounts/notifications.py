"""E-mails to members of staff: the link to set one's own password."""

from flask_babel import lazy_gettext as _l

from ..mail.models import MessageKind
from ..mail.services import queue_email
from ..urls import public_url
from .models import User
from .services import PASSWORD_LINK_DAYS, password_link


def queue_password_link(*, user: User, language: str, invited_by: User, new: bool) -> None:
    """The link by which `user` sets their own password: an invitation for a new account
    (`new`), else a link to set a new one, sent by an administrator."""
    url = public_url("staff.set_password", token=password_link(user=user), lang=language)
    context = {
        "user": user,
        "new": new,
        "url": url,
        "days": PASSWORD_LINK_DAYS,
        "invited_by": invited_by.label,
        "login_url": public_url("admin.login", lang=language),
    }
    if new:
        subject = _l("Your staff account: set your password")
    else:
        subject = _l("Set a new password for your staff account")
    queue_email(
        "staff_password",
        context,
        to=user.email,
        subject=subject,
        kind=MessageKind.STAFF_INVITATION if new else MessageKind.STAFF_PASSWORD_LINK,
        language=language,
    )

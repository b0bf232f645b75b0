"""E-mails to members of staff: the link to set one's own password."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..mail.services import enqueue
from ..urls import public_url
from .models import User
from .services import PASSWORD_LINK_DAYS, password_link


def queue_password_link(*, user: User, language: str, invited_by: User, new: bool) -> None:
    """The link by which `user` sets their own password: an invitation for a new account
    (`new`), else a link to set a new one, sent by an administrator."""
    url = public_url("staff.set_password", token=password_link(user=user), lang=language)
    with force_locale(language):
        context = {
            "user": user,
            "new": new,
            "url": url,
            "days": PASSWORD_LINK_DAYS,
            "invited_by": invited_by.label,
            "login_url": public_url("admin.login", lang=language),
            "language": language,
        }
        if new:
            subject = _("Your staff account: set your password")
        else:
            subject = _("Set a new password for your staff account")
        body_text = render_template("emails/staff_password.txt", **context)
        body_html = render_template("emails/staff_password.html", **context)
    enqueue(
        to=user.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind="staff_invitation" if new else "staff_password_link",
        language=language,
    )

"""Organiser accounts and exports."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..phone import display_phone
from ..text import csv_safe
from ..visitors.models import ConsentPurpose, Registration
from .models import User


class LoginFailed(DomainError):
    code = "login_failed"
    status = 401
    message = _l("The e-mail or password is not right.")


def create_organiser(*, email: str, password: str, name: str = "") -> User:
    """Create an organiser account, or set a new password on an existing one."""
    email = email.strip().lower()
    if len(password) < 8:
        raise DomainError(_l("The password needs at least 8 characters."), code="weak_password")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
    if name:
        user.name = name
    user.set_password(password)
    db.session.flush()
    return user


def authenticate(*, email: str, password: str, now: datetime | None = None) -> User:
    """The active organiser with this e-mail and password, or LoginFailed."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        raise LoginFailed()
    user.last_login_at = now or utcnow()
    return user


EXPORT_COLUMNS = [
    "id", "created_at", "status", "category", "full_name", "email", "phone", "organisation",
    "job_title", "province", "country", "sectors", "language", "badge_code", "checked_in_at",
    "consent_processing", "consent_share_exhibitors", "consent_news", "consent_version",
]  # fmt: skip


def _export_row(registration: Registration, event: Event) -> list:
    tz = event.tz

    def local(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    consents = {p: registration.consent_for(p) for p in ConsentPurpose}
    processing = consents[ConsentPurpose.PROCESSING]
    return [
        registration.id,
        local(registration.created_at),
        registration.status.value,
        registration.category.code,
        registration.full_name,
        registration.email if registration.has_email else "",
        display_phone(registration.phone),
        registration.organisation,
        registration.job_title,
        registration.province.name_vi if registration.province else "",
        registration.country_code,
        ";".join(s.code for s in registration.sectors),
        registration.language,
        registration.badge_code,
        local(registration.checked_in_at),
        *("yes" if consents[p] and consents[p].granted else "no" for p in ConsentPurpose),
        processing.wording_version if processing else "",
    ]


def registration_rows(*, event: Event, stmt) -> list[list]:
    """Rows for the registrations selected by `stmt`, cells neutralised against spreadsheet formulas."""
    stmt = stmt.options(
        selectinload(Registration.sectors),
        selectinload(Registration.consents),
        selectinload(Registration.province),
    )
    return [[csv_safe(cell) for cell in _export_row(r, event)] for r in db.session.scalars(stmt)]

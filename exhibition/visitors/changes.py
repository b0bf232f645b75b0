"""After sign-up: a person's or an organiser's corrections, consents, e-mail again, cancellation."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..badges.services import new_manage_token
from ..dbtypes import utcnow
from ..errors import DomainError
from ..exhibitors import leads
from ..extensions import db
from ..matchmaking import privacy as matchmaking_privacy
from ..programme.seats import give_up_future_bookings
from . import sharing
from .models import (
    Consent,
    ConsentPurpose,
    Registration,
    RegistrationStatus,
    VisitorCategory,
)
from .notifications import queue_confirmation
from .services import (
    InvalidChoice,
    NoEmailAddress,
    RegistrationCancelled,
    VisitorData,
    apply_details,
    find_by_email,
    no_email_placeholder,
    search_text_for,
)


def _on_the_badge(registration: Registration) -> tuple:
    """What a printed badge shows of the person (badges/printing.py)."""
    return (
        registration.full_name,
        registration.organisation,
        registration.job_title,
        registration.category_id,
    )


def update_registration(
    *, registration: Registration, data: VisitorData, public_only: bool = True
) -> Registration:
    """Correct a person's details (the e-mail stays: it is how the person is known). A badge
    printed before a change of what it shows counts as not printed any more."""
    if registration.is_cancelled or registration.is_erased:
        raise RegistrationCancelled()
    printed = _on_the_badge(registration)
    apply_details(registration, data, event=registration.event, public_only=public_only)
    db.session.flush()
    if _on_the_badge(registration) != printed:
        registration.badge_printed_at = None
    return registration


class EmailTaken(DomainError):
    code = "email_taken"
    status = 409
    message = _l(
        "Another registration of this exhibition has this e-mail address: one address, one "
        "registration."
    )


def change_email(*, registration: Registration, email: str) -> bool:
    """Give a registration another e-mail address (an organiser correcting a mistyped one), or
    none (empty). One confirmed registration per address and event stays the rule. A new address
    is not proven, and the "my registration" link is replaced: the old one was e-mailed to the
    old address. Returns whether the address changed."""
    if registration.is_cancelled or registration.is_erased:
        raise RegistrationCancelled()
    email = email.strip()
    if not email:
        if not registration.has_email:
            return False
        email = no_email_placeholder()
    if email.casefold() == registration.email_key:
        registration.email = email  # the same address, another case
        return False
    taken = find_by_email(event=registration.event, email=email)
    if taken is not None and taken.id != registration.id:
        raise EmailTaken()
    registration.email, registration.email_key = email, email.casefold()
    registration.email_verified_at = None
    registration.manage_token = new_manage_token()
    registration.search_text = search_text_for(registration)
    try:
        with db.session.begin_nested():  # the same address given to another person meanwhile
            db.session.flush()
    except IntegrityError as error:
        raise EmailTaken() from error
    return True


def change_category(*, registration: Registration, category: VisitorCategory) -> VisitorCategory:
    """Put a registration in another category of its exhibition (public or not); its badge
    counts as not printed any more (the category is on it). Returns the former category."""
    if registration.is_cancelled or registration.is_erased:
        raise RegistrationCancelled()
    if category.event_id != registration.event_id:
        raise InvalidChoice(_l("Choose one of the categories offered."))
    former = registration.category
    if category.id != former.id:
        registration.category = category
        registration.badge_printed_at = None
        db.session.flush()
    return former


def resend_confirmation(*, registration: Registration) -> None:
    """Send the confirmation with the badge again (not for a cancelled registration)."""
    if registration.is_cancelled or registration.is_erased:
        raise RegistrationCancelled()
    if not registration.has_email:
        raise NoEmailAddress()
    queue_confirmation(registration=registration, kind="resent")


def change_consents(
    *, registration: Registration, share_exhibitors: bool, news: bool, now: datetime | None = None
) -> list[ConsentPurpose]:
    """Give or withdraw the optional consents; each change is a new record. Returns what changed.

    Consent to processing for the event is withdrawn by cancelling the registration.
    """
    if registration.is_cancelled or registration.is_erased:
        raise RegistrationCancelled()
    leads.lock_person(registration)  # a booth scan at the same moment waits, or is waited for
    now = now or utcnow()
    changed = []
    event = registration.event
    for purpose, wanted, wording in (
        (ConsentPurpose.SHARE_EXHIBITORS, share_exhibitors, sharing.share_version(event)),
        (ConsentPurpose.NEWS, news, event.consent_version),
    ):
        current = registration.consent_for(purpose)
        if current is None or current.granted != wanted:
            registration.consents.append(
                Consent(
                    purpose=purpose,
                    granted=wanted,
                    wording_version=wording,
                    recorded_at=now,
                )
            )
            changed.append(purpose)
    db.session.flush()
    if ConsentPurpose.SHARE_EXHIBITORS in changed:
        leads.consent_changed(registration=registration, now=now)
    return changed


def cancel_registration(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Cancel: the badge stops working at once, and the person's seats, waiting-list places and
    requests in sessions still to come are given up (a freed seat goes to the first waiting)."""
    now = now or utcnow()
    # A conditional update: of two cancellations at once (a double click) exactly one goes on.
    claimed = db.session.execute(
        sa.update(Registration)
        .where(
            Registration.id == registration.id, Registration.status == RegistrationStatus.CONFIRMED
        )
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(registration, ["status", "cancelled_at"])
    if claimed != 1:
        raise RegistrationCancelled()
    give_up_future_bookings(registration=registration, now=now)
    matchmaking_privacy.give_up(registration=registration, now=now)
    leads.cancelled(registration=registration, now=now)
    db.session.flush()
    return registration

"""What enum values are called on pages and in e-mails, in the page's language."""

import enum

from babel import Locale
from flask_babel import lazy_gettext as _l

from .checkin.models import ScanResult, ScanType
from .i18n import current_language
from .mail.models import MessageStatus
from .programme.models import (
    BookingStatus,
    InvitationStatus,
    PersonRole,
    SessionAccess,
    SessionType,
)
from .visitors.models import RegistrationSource, RegistrationStatus

LABELS: dict[enum.Enum, object] = {
    ScanType.ENTRY: _l("Entry"),
    ScanType.EXIT: _l("Exit"),
    ScanResult.OK: _l("OK"),
    ScanResult.ALREADY_CHECKED_IN: _l("Already checked in"),
    ScanResult.INVALID: _l("Not a valid badge"),
    ScanResult.CANCELLED: _l("Cancelled"),
    ScanResult.WRONG_EVENT: _l("Another exhibition's badge"),
    ScanResult.NOT_REGISTERED: _l("Not registered for the session"),
    ScanResult.NO_SESSION: _l("No session on"),
    ScanResult.NOT_TODAY: _l("Exhibition not on that day"),
    SessionType.PLENARY: _l("Plenary"),
    SessionType.CONFERENCE: _l("Conference"),
    SessionType.SEMINAR: _l("Seminar"),
    SessionType.WORKSHOP: _l("Workshop"),
    SessionType.BUSINESS_MATCHING: _l("Business matching"),
    SessionAccess.OPEN: _l("Open sign-up"),
    SessionAccess.APPROVAL: _l("Sign-up with approval"),
    SessionAccess.INVITATION: _l("By invitation only"),
    PersonRole.CHAIR: _l("Chair"),
    PersonRole.SPEAKER: _l("Speaker"),
    BookingStatus.SEATED: _l("Seated"),
    BookingStatus.WAITING: _l("Waiting list"),
    BookingStatus.REQUESTED: _l("Awaiting approval"),
    BookingStatus.DECLINED: _l("Declined"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    InvitationStatus.PENDING: _l("No answer yet"),
    InvitationStatus.ACCEPTED: _l("Accepted"),
    InvitationStatus.DECLINED: _l("Declined"),
    MessageStatus.PENDING: _l("Waiting"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationSource.ONLINE: _l("online"),
    RegistrationSource.DESK: _l("at the desk"),
    RegistrationSource.INVITATION: _l("invitation"),
    RegistrationSource.IMPORT: _l("import"),
    RegistrationSource.DEMO: _l("demo data"),
}


def label(value: enum.Enum) -> str:
    """The translated name of an enum value (its raw value if none is defined)."""
    text = LABELS.get(value)
    return str(text) if text is not None else str(getattr(value, "value", value))


def country_name(code: str) -> str:
    """A country's name in the page's language, from its ISO code."""
    return Locale.parse(current_language()).territories.get(code, code)

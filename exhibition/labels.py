"""What codes are called on pages, in e-mails and in exports, in the reader's language.

The one place for the names of enum values (every member of every enum in exhibition/ has one:
tests/test_labels.py walks them), languages, countries and yes/no. Pages call `label(value)`
(a template global); exports and e-mails call it inside `force_locale`. Where one English word
has two Vietnamese meanings the msgid has a context (pgettext)."""

import enum

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .accounts.models import Role
from .booths.models import BoothStatus, BoothType
from .checkin.models import ScanEffect, ScanResult, ScanType
from .events.models import RegistrationState
from .events.news_models import PostCategory, PostState
from .exhibitors.lead_models import LeadField, LeadRating, ShareSource
from .exhibitors.models import ExhibitorStatus
from .i18n import current_language
from .mail.models import MessageKind, MessageStatus
from .matchmaking import models as matching
from .matchmaking.attendance import Verdict
from .matchmaking.scheduler import Reason
from .payments.models import LineKind, Outcome, RequestState, Source
from .programme.models import (
    BookingStatus,
    InvitationStatus,
    PersonRole,
    SessionAccess,
    SessionType,
)
from .visitors.importing import CONSENT_VERSION
from .visitors.models import ConsentPurpose, RegistrationSource, RegistrationStatus

LABELS: dict[enum.Enum, object] = {
    Role.ORGANISER: lazy_pgettext("staff role", "Organiser"),
    Role.CHECKIN: _l("Check-in staff"),
    Role.EXHIBITORS: _l("Exhibitor manager"),
    Role.FINANCE: _l("Finance"),
    Role.MATCHMAKING: _l("Business matching staff"),
    Role.EDITOR: _l("News editor"),
    ScanType.ENTRY: _l("Entry"),
    ScanType.EXIT: _l("Exit"),
    ScanResult.OK: _l("OK"),
    ScanResult.ALREADY_CHECKED_IN: _l("Already checked in"),
    ScanResult.INVALID: _l("Not a valid badge"),
    ScanResult.CANCELLED: lazy_pgettext("scan result", "Registration cancelled"),
    ScanResult.WRONG_EVENT: _l("Another exhibition's badge"),
    ScanResult.NOT_REGISTERED: _l("Not registered for the session"),
    ScanResult.NO_SESSION: _l("No session on"),
    ScanResult.NOT_TODAY: _l("Exhibition not on that day"),
    ScanEffect.ENTERED: _l("Checked in"),
    ScanEffect.REENTERED: _l("Entry"),
    ScanEffect.LEFT: _l("Exit"),
    ScanEffect.ATTENDED: _l("Attended"),
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
    BookingStatus.DECLINED: lazy_pgettext("booking refused by the organisers", "Declined"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    InvitationStatus.PENDING: _l("No answer yet"),
    InvitationStatus.ACCEPTED: _l("Accepted"),
    InvitationStatus.DECLINED: lazy_pgettext("invitation declined by the delegate", "Declined"),
    MessageStatus.PENDING: lazy_pgettext("e-mail", "Waiting"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    RegistrationState.NOT_OPEN: _l("Not open yet"),
    RegistrationState.OPEN: _l("Open"),
    RegistrationState.CLOSED: _l("Closed"),
    MessageKind.CONFIRMATION: _l("Registration confirmation"),
    MessageKind.CONFIRMATION_AGAIN: _l("Registration sent on signing up again"),
    MessageKind.CONFIRMATION_RESENT: _l("Registration sent again by the organisers"),
    MessageKind.NEW_LINK: _l("New registration link"),
    MessageKind.EXHIBITOR_RECEIVED: _l("Exhibitor application received"),
    MessageKind.EXHIBITOR_ALREADY_APPLIED: _l("Company has applied already"),
    MessageKind.EXHIBITOR_STATUS: _l("Exhibitor application status"),
    MessageKind.EXHIBITOR_PORTAL_LINK: _l("Exhibitor portal sign-in link"),
    MessageKind.SESSION_PROMOTED: _l("Seat from the waiting list"),
    MessageKind.SESSION_APPROVED: _l("Seat request accepted"),
    MessageKind.SESSION_WAITING: _l("Seat request accepted, on the waiting list"),
    MessageKind.SESSION_DECLINED: _l("Seat request not accepted"),
    MessageKind.SESSION_CHANGED: _l("Session moved"),
    MessageKind.SESSION_CANCELLED: _l("Session cancelled"),
    MessageKind.INVITATION: _l("Invitation"),
    MessageKind.INVITATION_RESENT: _l("Invitation reminder"),
    MessageKind.STAFF_INVITATION: _l("Staff account invitation"),
    MessageKind.STAFF_PASSWORD_LINK: _l("Staff password link"),
    MessageKind.PAYMENT_REQUEST: _l("Payment request for booth fees"),
    MessageKind.PAYMENT_INCOMPLETE: _l("Part of a payment received"),
    MessageKind.PAYMENT_RECEIVED: _l("Payment received in full"),
    MessageKind.PAYMENT_REMINDER: _l("Payment reminder"),
    MessageKind.MATCHING_INVITATION: _l("Invitation to business matching"),
    MessageKind.LEAD_REMINDER: _l("Reminder: leads to be deleted"),
    MessageKind.LEAD_SCANNER_SETUP: _l("Booth scanner set-up link"),
    MessageKind.NEWS: _l("News for subscribers"),
    PostState.DRAFT: lazy_pgettext("news post", "Draft"),
    PostState.SCHEDULED: lazy_pgettext("news post", "Scheduled"),
    PostState.PUBLISHED: lazy_pgettext("news post", "Published"),
    PostState.ARCHIVED: lazy_pgettext("news post", "Archived"),
    PostCategory.ANNOUNCEMENT: _l("Announcement"),
    PostCategory.NEWS: lazy_pgettext("news category", "News"),
    PostCategory.RESULTS: _l("Results"),
    MessageKind.MEETING_REQUEST: _l("Meeting request"),
    MessageKind.MEETING_ACCEPTED: _l("Meeting request accepted"),
    MessageKind.MEETING_DECLINED: _l("Meeting request declined"),
    MessageKind.MEETING_EXPIRED: _l("Meeting request lapsed"),
    MessageKind.MEETING_CANCELLED: _l("Meeting cancelled"),
    MessageKind.MEETING_AGENDA: _l("Meeting schedule"),
    MessageKind.MEETING_REMINDER: _l("Meeting reminder"),
    MessageKind.PAYMENT_EXPIRED: _l("Payment request expired"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationSource.ONLINE: _l("Signed up online"),
    RegistrationSource.DESK: _l("At the walk-in desk"),
    RegistrationSource.INVITATION: _l("Accepted an invitation"),
    RegistrationSource.IMPORT: _l("Imported from a file"),
    RegistrationSource.DEMO: _l("Demo data"),
    RegistrationSource.EXHIBITOR: _l("Registered by their company"),
    ConsentPurpose.PROCESSING: _l("Processing for the event"),
    ConsentPurpose.SHARE_EXHIBITORS: _l("Sharing with exhibitors who scan the badge"),
    ConsentPurpose.NEWS: _l("News"),
    ConsentPurpose.MATCHMAKING: _l("Listed for business matching"),
    ExhibitorStatus.SUBMITTED: _l("Submitted"),
    ExhibitorStatus.APPROVED: _l("Approved"),
    ExhibitorStatus.WAITLISTED: _l("Waiting list"),
    ExhibitorStatus.REJECTED: _l("Rejected"),
    ExhibitorStatus.BOOTH_ASSIGNED: _l("Booth assigned"),
    ExhibitorStatus.CONFIRMED: _l("Confirmed"),
    ExhibitorStatus.CANCELLED: _l("Cancelled"),
    BoothType.STANDARD: _l("Standard booth"),
    BoothType.CORNER: _l("Corner booth"),
    BoothType.RAW: _l("Raw space"),
    BoothStatus.AVAILABLE: _l("Available"),
    BoothStatus.RESERVED: _l("Reserved"),
    BoothStatus.BLOCKED: _l("Blocked"),
    RequestState.OPEN: lazy_pgettext("payment request", "Open"),
    RequestState.PARTIALLY_PAID: _l("Partially paid"),
    RequestState.PAID: lazy_pgettext("payment request", "Paid"),
    RequestState.EXPIRED: _l("Expired"),
    RequestState.CANCELLED: lazy_pgettext("payment request", "Cancelled"),
    RequestState.REFUND_DUE: _l("Refund due"),
    LineKind.BOOTH: _l("Booth"),
    LineKind.EXTRA: _l("Service or discount"),
    LineKind.ADJUSTMENT: _l("Adjustment"),
    Outcome.PAID: _l("Paid in full"),
    Outcome.PARTIAL: _l("Part payment"),
    Outcome.OVERPAID: _l("Overpaid"),
    Outcome.DUPLICATE: _l("Paid twice"),
    Outcome.ERROR: _l("Request closed"),
    Outcome.UNMATCHED: _l("Unmatched"),
    Outcome.DISCARDED: _l("Discarded"),
    Source.STATEMENT: _l("Bank statement"),
    Source.WEBHOOK: _l("Bank notification"),
    matching.Mode.SELF: _l("Participants book their own meetings"),
    matching.Mode.ORGANISER: _l("The organisers schedule the meetings"),
    matching.Sides.BUYER_SUPPLIER: _l("Buyers meet suppliers"),
    matching.Sides.ANY: _l("Anyone meets anyone"),
    matching.Side.BUYER: _l("Buyer"),
    matching.Side.SUPPLIER: _l("Supplier"),
    matching.RequestState.PENDING: _l("Awaiting an answer"),
    matching.RequestState.ACCEPTED: lazy_pgettext("meeting request", "Accepted"),
    matching.RequestState.DECLINED: lazy_pgettext("meeting request", "Declined"),
    matching.RequestState.CANCELLED: lazy_pgettext("meeting request", "Cancelled"),
    matching.RequestState.EXPIRED: lazy_pgettext("meeting request", "Expired"),
    matching.MeetingState.SCHEDULED: lazy_pgettext("meeting", "Scheduled"),
    matching.MeetingState.CANCELLED: lazy_pgettext("meeting", "Cancelled"),
    matching.PlaceKind.TABLE: _l("Table"),
    matching.PlaceKind.BOOTH: _l("Booth"),
    matching.Outcome.NOT_HELD: _l("Did not take place"),
    matching.Outcome.NO_INTEREST: _l("Insufficient interest"),
    matching.Outcome.INFORMATIVE: _l("Informative, no cooperation planned"),
    matching.Outcome.COOPERATION: _l("Cooperation possible"),
    LeadRating.HOT: lazy_pgettext("lead rating", "Hot"),
    LeadRating.WARM: lazy_pgettext("lead rating", "Warm"),
    LeadRating.COLD: lazy_pgettext("lead rating", "Cold"),
    LeadField.NAME: _l("Full name"),
    LeadField.ORGANISATION: _l("Organisation"),
    LeadField.JOB_TITLE: _l("Job title"),
    LeadField.EMAIL: _l("E-mail address"),
    LeadField.PHONE: _l("Phone"),
    LeadField.PROVINCE: _l("Province or city"),
    LeadField.SECTORS: _l("Sectors of interest"),
    ShareSource.CONSENT: _l("Consent to share with exhibitors"),
    ShareSource.VISITOR: _l("Shared by the visitor with this exhibitor"),
    Verdict.OK: _l("Here; the other side is still to come"),
    Verdict.HELD: _l("Both here: meeting held"),
    Verdict.NOT_YOUR_MEETING: _l("Not your meeting"),
    Verdict.NO_MEETING: _l("No meeting here now"),
    Verdict.INVALID: _l("Not a valid badge"),
    Reason.NO_COMMON_SLOT: _l("No common free slot"),
    Reason.LIMIT_REACHED: _l("Meeting limit reached"),
    Reason.NO_PLACE: _l("No free table or booth place"),
}

# Longer names where a form offers the choice.
DESCRIPTIONS: dict[enum.Enum, object] = {
    BoothType.STANDARD: _l("Standard shell scheme booth (3 × 3 m)"),
    BoothType.CORNER: _l("Corner booth (open on two sides)"),
    BoothType.RAW: _l("Raw space (by m²)"),
}

# Languages by their own names, as the language switch shows them.
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def label(value: enum.Enum) -> str:
    """The name of an enum value in the current language (its raw value if none is defined,
    which tests/test_labels.py does not let happen)."""
    text = LABELS.get(value)
    return str(text) if text is not None else str(getattr(value, "value", value))


def description(value: enum.Enum) -> str:
    """The longer name of a choice where there is one, else its label."""
    text = DESCRIPTIONS.get(value)
    return str(text) if text is not None else label(value)


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def yes_no(value: bool) -> str:
    return str(_l("Yes") if value else _l("No"))


def wording_version(value: str) -> str:
    """The version of the consent wording a person agreed to, as organisers read it: imported
    people gave their consent to the organisers, not on the form."""
    return str(_l("Given to the organisers (imported)")) if value == CONSENT_VERSION else value


def country_name(code: str) -> str:
    """A country's name in the page's language, from its ISO code."""
    return Locale.parse(current_language()).territories.get(code, code)

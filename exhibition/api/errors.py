"""The errors the API answers with besides the domain's own, each with its stable code, status
and message (api/openapi.py shows every error of an operation in English)."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..checkin.offline import InvalidHandle
from ..checkin.scanning import NonceReused, UnknownCheckpoint
from ..checkin.services import DeviceRevoked, InvalidToken, SetupCodeInvalid
from ..checkin.undo import NothingToUndo
from ..errors import HTTP_CODES as HTTP_ERRORS
from ..errors import DomainError
from ..events.news import PostNotFound
from ..events.services import EventNotFound
from ..exhibitors import leads as lead_rules
from ..exhibitors import qualification
from ..exhibitors import scanners as booth_scanners
from ..exhibitors.scanning import FutureScan
from ..matchmaking import participants as matching_people
from ..matchmaking import requests as matching
from ..matchmaking.attendance import BadMeetingScanTime, UnknownPlace
from ..visitors.erasure import RegistrationErased
from ..visitors.services import RegistrationNotFound


class InvalidJson(DomainError):
    code = "invalid_json"
    status = 400
    message = _l("Send a JSON object with code, nonce and type.")


class InvalidDay(DomainError):
    code = "invalid_day"
    status = 400
    message = _l("Give the day as YYYY-MM-DD.")


class LoginRequired(DomainError):
    code = "login_required"
    status = 401
    message = _l("Sign in as an organiser to see this.")


class WebhookKeyInvalid(DomainError):
    """Also the answer for an exhibition that does not exist, or has no webhook key: a caller
    without the key learns nothing about which exhibitions there are."""

    code = "invalid_webhook_key"
    status = 401
    message = _l("Send the exhibition's webhook key: Authorization: Apikey <key>.")


class NotAnOrganiser(DomainError):
    code = "forbidden"
    status = 403
    message = _l("Your account has no organiser role here.")


class WrongEvent(DomainError):
    code = "wrong_event"
    status = 403
    message = _l("This device belongs to another exhibition.")


class NoBadgeToPrint(DomainError):
    code = "not_found"
    status = 404
    message = _l("There is no badge to print for this scan.")


class ValidationFailed(DomainError):
    """Answered with the message of each refused field (`fields`)."""

    code = "validation_failed"
    status = 422
    message = _l("Some fields are not valid.")


# The errors an operation may answer, besides the HTTP ones (exhibition/errors.py).
DOMAIN_ERRORS = (
    InvalidToken,
    DeviceRevoked,
    SetupCodeInvalid,
    LoginRequired,
    NotAnOrganiser,
    WrongEvent,
    EventNotFound,
    InvalidJson,
    InvalidDay,
    NoBadgeToPrint,
    NonceReused,
    NothingToUndo,
    ValidationFailed,
    UnknownCheckpoint,
    InvalidHandle,
    WebhookKeyInvalid,
    UnknownPlace,
    BadMeetingScanTime,
    PostNotFound,
)
# The booth scanners' API (api/lead_views.py).
LEAD_ERRORS = (
    booth_scanners.ScannerRevoked,
    booth_scanners.LeadsDisabled,
    booth_scanners.OutsideEvent,
    FutureScan,
    lead_rules.NotALeadCode,
    lead_rules.InvalidLeadCode,
    qualification.LeadConflict,
    qualification.InvalidQualification,
)
# The participant API of business matching (api/matching_views.py).
MATCHING_ERRORS = (
    RegistrationNotFound,
    RegistrationErased,
    matching_people.NotListed,
    matching_people.AddressNotProven,
    matching_people.RegistrationClosed,
    matching.SelfRequest,
    matching.SameCompany,
    matching.SameSide,
    matching.NotAvailable,
    matching.OutsideWindow,
    matching.QuotaReached,
    matching.LimitReached,
    matching.MessageTooLong,
    matching.BadSlots,
    matching.SlotTaken,
    matching.NotPending,
    matching.TooLate,
)


def error_table() -> dict[str, tuple[int, str]]:
    """The status and the message (in English) of every error, by code."""
    with force_locale("en"):
        table = {code: (status, str(text)) for status, (code, text) in HTTP_ERRORS.items()}
        table.update(
            {
                error.code: (error.status, str(error.message))
                for error in (*DOMAIN_ERRORS, *MATCHING_ERRORS, *LEAD_ERRORS)
            }
        )
    return table

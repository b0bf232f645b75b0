"""Exhibitor applications and their workflow."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from ..accounts.models import User
from ..booths.models import Booth, BoothType, Hall
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..reference.models import Province, Sector
from ..text import (
    fold,
    normalize_name,
)
from ..visitors.changes import cancel_registration
from ..visitors.models import Registration, RegistrationStatus
from ..visitors.services import search_text_for as registration_search_text
from .models import (
    BoothPreference,
    Exhibitor,
    ExhibitorStatus,
    ExhibitorStatusChange,
)
from .notifications import queue_exhibitor_message

S = ExhibitorStatus
# Which status an organiser may move an application to, from each status. Booth assignment
# moves approved -> booth_assigned and back when the last booth is freed (booths/services.py).
TRANSITIONS: dict[ExhibitorStatus, set[ExhibitorStatus]] = {
    S.SUBMITTED: {S.APPROVED, S.WAITLISTED, S.REJECTED, S.CANCELLED},
    S.WAITLISTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.REJECTED: {S.APPROVED, S.WAITLISTED},
    S.APPROVED: {S.WAITLISTED, S.REJECTED, S.CANCELLED},
    S.BOOTH_ASSIGNED: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.CANCELLED},
    S.CANCELLED: set(),
}
NEEDS_REASON = {S.REJECTED, S.WAITLISTED, S.CANCELLED}
STAFF_STATUSES = {S.BOOTH_ASSIGNED, S.CONFIRMED}  # statuses in which a company has staff badges


def _cancel_staff(exhibitor: "Exhibitor", now: datetime | None) -> None:
    """A company that no longer exhibits: its staff badges stop working."""
    staff = db.session.scalars(
        sa.select(Registration).where(
            Registration.exhibitor_id == exhibitor.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    for registration in staff:
        cancel_registration(registration=registration, now=now)


CERTIFICATIONS = [
    "ISO 9001",
    "IATF 16949",
    "ISO 14001",
    "ISO 45001",
    "ISO 13485",
    "ISO/IEC 17025",
    "ISO 50001",
]


class ExhibitorNotFound(NotFound):
    code = "exhibitor_not_found"
    message = _l("This exhibitor does not exist.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    message = _l("The application cannot change to this status from its current one.")


class ReasonRequired(DomainError):
    code = "reason_required"
    status = 422
    message = _l("Give a reason: it is sent to the company.")


class InvalidTaxCode(DomainError):
    code = "invalid_tax_code"
    status = 422
    message = _l(
        "Enter a valid Vietnamese tax code: 10 digits, or 10 digits, a dash and 3 for a branch."
    )


class TaxCodeCheckDigit(InvalidTaxCode):
    code = "tax_code_check_digit"
    message = _l(
        "The digits of this tax code do not add up (its check digit is wrong): compare it with"
        " the business registration certificate."
    )


def normalize_tax_code(raw: str) -> str:
    """The compact tax code (10 or 13 digits) with its check digit verified, or InvalidTaxCode
    (TaxCodeCheckDigit when the format is right but the check digit is not)."""
    try:
        return mst.validate(raw or "")
    except stdnum_errors.InvalidChecksum as error:
        raise TaxCodeCheckDigit() from error
    except Exception as error:  # stdnum raises several ValidationError subclasses
        raise InvalidTaxCode() from error


def example_tax_code() -> str:
    """A made-up tax code with a right check digit, for hints."""
    return "020012345" + mst.calc_check_digit("020012345")


@dataclass
class Preference:
    rank: int
    booth_code: str | None = None
    zone: str | None = None
    hall_code: str | None = None


@dataclass
class ApplicationData:
    company_name_vi: str
    tax_code: str
    province_code: str
    contact_name: str
    contact_email: str
    contact_phone: str  # E.164
    booth_type: BoothType
    booth_count: int = 1
    raw_area_m2: int | None = None
    company_name_en: str = ""
    commune: str = ""
    street: str = ""
    website: str = ""
    main_products: str = ""
    main_products_en: str = ""
    certifications: list[str] = field(default_factory=list)
    description_vi: str = ""
    description_en: str = ""
    contact_language: str = "vi"
    sector_codes: list[str] = field(default_factory=list)
    preferences: list[Preference] = field(default_factory=list)


def search_text_for(exhibitor: Exhibitor) -> str:
    """The folded text an exhibitor is found by (diacritics and case ignored)."""
    parts = [
        exhibitor.company_name_vi,
        exhibitor.company_name_en,
        exhibitor.tax_code,
        exhibitor.main_products,
        exhibitor.main_products_en,
        exhibitor.contact_name,
        exhibitor.contact_email,
        " ".join(exhibitor.certifications or []),
    ]
    return fold(" ".join(p for p in parts if p))[:2000]


def find_by_tax_code(*, event: Event, tax_code: str) -> Exhibitor | None:
    """The event's application from this company (compact tax code), if any."""
    return db.session.scalar(
        sa.select(Exhibitor).where(Exhibitor.event_id == event.id, Exhibitor.tax_code == tax_code)
    )


def _preferences(event: Event, wishes: list[Preference]) -> list[BoothPreference]:
    result = []
    for wish in sorted(wishes, key=lambda w: w.rank)[:5]:
        if wish.booth_code:
            booth = db.session.scalar(
                sa.select(Booth).where(
                    Booth.event_id == event.id, Booth.code == wish.booth_code.strip().upper()
                )
            )
            if booth is None:
                raise DomainError(
                    _l("There is no booth %(code)s.", code=wish.booth_code),
                    code="unknown_booth",
                    status=422,
                )
            result.append(BoothPreference(rank=len(result) + 1, booth=booth))
        elif wish.hall_code:
            hall = db.session.scalar(
                sa.select(Hall).where(Hall.event_id == event.id, Hall.code == wish.hall_code)
            )
            if hall is None:
                raise DomainError(
                    _l("There is no hall %(code)s.", code=wish.hall_code),
                    code="unknown_hall",
                    status=422,
                )
            result.append(BoothPreference(rank=len(result) + 1, hall=hall))
        elif wish.zone:
            result.append(BoothPreference(rank=len(result) + 1, zone=wish.zone.strip()[:32]))
    return result


def _apply_data(exhibitor: Exhibitor, data: ApplicationData, event: Event) -> None:
    if db.session.get(Province, data.province_code) is None:
        raise DomainError(
            _l("Choose a province or city from the list."), code="invalid_choice", status=422
        )
    sectors = []
    if data.sector_codes:
        sectors = list(
            db.session.scalars(sa.select(Sector).where(Sector.code.in_(data.sector_codes)))
        )
        if len(sectors) != len(set(data.sector_codes)):
            raise DomainError(
                _l("Choose sectors from the list."), code="invalid_choice", status=422
            )
    exhibitor.company_name_vi = normalize_name(data.company_name_vi)
    exhibitor.company_name_en = normalize_name(data.company_name_en)
    exhibitor.province_code = data.province_code
    exhibitor.commune = normalize_name(data.commune)
    exhibitor.street = normalize_name(data.street)
    exhibitor.website = data.website.strip()
    exhibitor.main_products = data.main_products.strip()
    exhibitor.main_products_en = data.main_products_en.strip()
    exhibitor.certifications = sorted({normalize_name(c) for c in data.certifications if c.strip()})
    exhibitor.description_vi = data.description_vi.strip()
    exhibitor.description_en = data.description_en.strip()
    exhibitor.contact_name = normalize_name(data.contact_name)
    exhibitor.contact_email = data.contact_email.strip()
    exhibitor.contact_phone = data.contact_phone
    exhibitor.contact_language = (
        data.contact_language if data.contact_language in ("vi", "en") else "vi"
    )
    exhibitor.sectors = sectors
    exhibitor.search_text = search_text_for(exhibitor)
    exhibitor.public_search_text = fold(
        " ".join(
            [
                exhibitor.company_name_vi,
                exhibitor.company_name_en,
                exhibitor.main_products,
                exhibitor.main_products_en,
                *exhibitor.certifications,
            ]
        )
    )[:2000]


def apply(
    *,
    event: Event,
    data: ApplicationData,
    logo_filename: str | None = None,
    now: datetime | None = None,
) -> tuple[Exhibitor, bool]:
    """Submit an application; a company (tax code) applies once per event: returns (exhibitor, created).

    A second attempt changes nothing; the contact on file is e-mailed the application's status.
    """
    now = now or utcnow()
    tax_code = normalize_tax_code(data.tax_code)
    existing = find_by_tax_code(event=event, tax_code=tax_code)
    if existing is not None:
        queue_exhibitor_message(exhibitor=existing, kind="already_applied")
        return existing, False
    if data.booth_type is BoothType.RAW and not data.raw_area_m2:
        raise DomainError(_l("Give the raw space area in m²."), code="area_required", status=422)
    exhibitor = Exhibitor(
        event=event,
        tax_code=tax_code,
        status=ExhibitorStatus.SUBMITTED,
        booth_type=data.booth_type,
        booth_count=1 if data.booth_type is BoothType.RAW else data.booth_count,
        raw_area_m2=data.raw_area_m2 if data.booth_type is BoothType.RAW else None,
        logo_filename=logo_filename,
        created_at=now,
    )
    _apply_data(exhibitor, data, event)
    exhibitor.preferences = _preferences(event, data.preferences)
    exhibitor.history.append(
        ExhibitorStatusChange(to_status=ExhibitorStatus.SUBMITTED, created_at=now)
    )
    try:
        with db.session.begin_nested():
            db.session.add(exhibitor)
            db.session.flush()
    except IntegrityError:
        existing = find_by_tax_code(event=event, tax_code=tax_code)
        if existing is None:
            raise
        queue_exhibitor_message(exhibitor=existing, kind="already_applied")
        return existing, False
    queue_exhibitor_message(exhibitor=exhibitor, kind="received")
    return exhibitor, True


def get_exhibitor(*, event: Event, exhibitor_id: int) -> Exhibitor:
    """An exhibitor of the event, or ExhibitorNotFound."""
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if exhibitor is None or exhibitor.event_id != event.id:
        raise ExhibitorNotFound()
    return exhibitor


def record_status(
    *,
    exhibitor: Exhibitor,
    to: ExhibitorStatus,
    reason: str = "",
    user: User | None = None,
    now: datetime | None = None,
) -> ExhibitorStatusChange:
    """Set a status, log who and why, and e-mail the contact (no transition check: see change_status)."""
    now = now or utcnow()
    change = ExhibitorStatusChange(
        from_status=exhibitor.status,
        to_status=to,
        reason=reason.strip(),
        user_id=user.id if user else None,
        created_at=now,
    )
    exhibitor.history.append(change)
    if to is ExhibitorStatus.APPROVED and change.from_status in (
        None,
        S.SUBMITTED,
        S.WAITLISTED,
        S.REJECTED,
    ):
        exhibitor.approved_at = now  # the allocation's "earlier approved first" counts from here
    exhibitor.status = to
    if change.from_status in STAFF_STATUSES and to not in STAFF_STATUSES:
        _cancel_staff(exhibitor, now)
    db.session.flush()
    queue_exhibitor_message(exhibitor=exhibitor, kind="status", change=change)
    return change


def change_status(
    *,
    exhibitor: Exhibitor,
    to: ExhibitorStatus,
    reason: str = "",
    user: User | None = None,
    now: datetime | None = None,
) -> ExhibitorStatusChange:
    """An organiser moves an application along the workflow (reasons where they matter)."""
    db.session.refresh(
        exhibitor, with_for_update=True
    )  # one change at a time (booth assignment locks too)
    if to not in TRANSITIONS[exhibitor.status]:
        raise InvalidTransition()
    if to in NEEDS_REASON and not reason.strip():
        raise ReasonRequired()
    if (
        to is ExhibitorStatus.CANCELLED
    ):  # a cancelled exhibitor frees its booths; its staff badges stop
        for assignment in list(exhibitor.assignments):
            db.session.delete(assignment)
        exhibitor.assignments.clear()
        _cancel_staff(exhibitor, now)
    return record_status(exhibitor=exhibitor, to=to, reason=reason, user=user, now=now)


def update_profile(*, exhibitor: Exhibitor, data: ApplicationData) -> Exhibitor:
    """The company corrects its profile; tax code, status and booth request stay as they are."""
    if exhibitor.status in (ExhibitorStatus.REJECTED, ExhibitorStatus.CANCELLED):
        raise InvalidTransition()
    _apply_data(exhibitor, data, exhibitor.event)
    _sync_staff_organisation(exhibitor)
    db.session.flush()
    return exhibitor


def _sync_staff_organisation(exhibitor: Exhibitor) -> None:
    """Staff badges show the company's current name."""
    for registration in db.session.scalars(
        sa.select(Registration).where(
            Registration.exhibitor_id == exhibitor.id, Registration.erased_at.is_(None)
        )
    ):
        registration.organisation = exhibitor.company_name_vi
        registration.search_text = registration_search_text(registration)

"""The exhibitor portal: sign-in links by e-mail, the company's profile, and its staff badges."""

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..visitors.changes import cancel_registration
from ..visitors.models import Registration, RegistrationSource, VisitorCategory
from ..visitors.services import Consents, VisitorData, find_by_email, register_visitor
from .models import Exhibitor, ExhibitorStatus
from .notifications import queue_exhibitor_message

LINK_MAX_AGE = 3600  # seconds a sign-in link works
CLOSED = (ExhibitorStatus.REJECTED, ExhibitorStatus.CANCELLED)
WITH_STAFF = (
    ExhibitorStatus.BOOTH_ASSIGNED,
    ExhibitorStatus.CONFIRMED,
)  # = services.STAFF_STATUSES


class InvalidPortalLink(DomainError):
    code = "invalid_link"
    status = 400
    message = _l("This sign-in link has expired or was used already. Ask for a new one.")


class StaffQuotaReached(DomainError):
    code = "staff_quota_reached"
    status = 409
    message = _l(
        "Your booth area allows no more staff badges. Remove one first, or ask the organisers."
    )


class StaffNotAllowed(DomainError):
    code = "staff_not_allowed"
    status = 409
    message = _l("Staff badges can be registered once your company has a booth.")


class AlreadyRegistered(DomainError):
    code = "already_registered"
    status = 409
    message = _l("This e-mail address is registered for the exhibition already.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="exhibitor-portal")


def sign_in_token(*, exhibitor: Exhibitor) -> str:
    """A token for one sign-in: it names the sign-in count it is valid for."""
    return _serializer().dumps({"e": exhibitor.id, "n": exhibitor.portal_logins})


def request_sign_in(*, event: Event, email: str) -> int:
    """E-mail a sign-in link to every open application of the event with this contact address.

    Returns how many were sent; callers show the same answer either way (no address probing).
    """
    wanted = email.strip().casefold()
    found = db.session.scalars(
        sa.select(Exhibitor).where(
            Exhibitor.event_id == event.id,
            sa.func.lower(Exhibitor.contact_email) == wanted,
            Exhibitor.status.not_in(CLOSED),
        )
    ).all()
    for exhibitor in found:
        queue_exhibitor_message(
            exhibitor=exhibitor, kind="portal_link", token=sign_in_token(exhibitor=exhibitor)
        )
    return len(found)


def _read(token: str) -> tuple[int, int]:
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
        return int(data["e"]), int(data["n"])
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError) as error:
        raise InvalidPortalLink() from error


def peek_sign_in(*, event: Event, token: str) -> Exhibitor:
    """The exhibitor a still-valid sign-in link is for, without using the link up."""
    exhibitor_id, count = _read(token)
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    if (
        exhibitor is None
        or exhibitor.event_id != event.id
        or exhibitor.portal_logins != count
        or exhibitor.status in CLOSED
    ):
        raise InvalidPortalLink()
    return exhibitor


def sign_in(*, event: Event, token: str) -> Exhibitor:
    """The exhibitor a sign-in link is for; the link then stops working (InvalidPortalLink)."""
    exhibitor_id, count = _read(token)
    claimed = db.session.execute(
        sa.update(Exhibitor)
        .where(
            Exhibitor.id == exhibitor_id,
            Exhibitor.event_id == event.id,
            Exhibitor.portal_logins == count,
        )
        .where(Exhibitor.status.not_in(CLOSED))
        .values(portal_logins=count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvalidPortalLink()
    return db.session.get(Exhibitor, exhibitor_id)


def session_key(*, exhibitor: Exhibitor) -> list[int]:
    """What a portal session holds: the company and its sign-out count when it began."""
    return [exhibitor.id, exhibitor.portal_sign_outs]


def signed_in_exhibitor(*, event: Event, key) -> Exhibitor | None:
    """The exhibitor a portal session is for, if that session is still open."""
    if not (isinstance(key, list) and len(key) == 2 and all(type(n) is int for n in key)):
        return None  # none, or a session from before sign-outs were counted
    exhibitor = db.session.get(Exhibitor, key[0])
    if (
        exhibitor is None
        or exhibitor.event_id != event.id
        or exhibitor.portal_sign_outs != key[1]
        or exhibitor.status in CLOSED
    ):
        return None
    return exhibitor


def sign_out(*, exhibitor: Exhibitor) -> None:
    """End every portal session of the company."""
    db.session.execute(
        sa.update(Exhibitor)
        .where(Exhibitor.id == exhibitor.id)
        .values(portal_sign_outs=Exhibitor.portal_sign_outs + 1)
        .execution_options(synchronize_session=False)
    )


def staff_quota(*, exhibitor: Exhibitor) -> int:
    """Staff badges allowed: the event's number per 9 m², over the area of the company's booths."""
    if exhibitor.status not in WITH_STAFF:
        return 0
    area = sum(b.area_m2 for b in exhibitor.booths)
    return math.floor(area / 9 * exhibitor.event.staff_per_9m2 + 1e-9)


def staff(*, exhibitor: Exhibitor) -> list[Registration]:
    """The company's staff registrations that still hold a badge."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.exhibitor_id == exhibitor.id,
                Registration.badge_works(),
            )
            .order_by(Registration.created_at, Registration.id)
        )
    )


def exhibitor_category(*, event: Event) -> VisitorCategory:
    """The event's "Exhibitor" category (made when first needed; not offered on the public form)."""
    category = db.session.scalar(
        sa.select(VisitorCategory).where(
            VisitorCategory.event_id == event.id, VisitorCategory.code == "exhibitor"
        )
    )
    if category is None:
        category = VisitorCategory(
            event_id=event.id, code="exhibitor", name_vi="Đơn vị trưng bày", name_en="Exhibitor",
            color="#cf222e", is_public=False, position=100,
        )  # fmt: skip
        db.session.add(category)
        db.session.flush()
    return category


@dataclass
class StaffData:
    full_name: str
    email: str
    phone: str  # E.164
    job_title: str = ""
    language: str = "vi"


def add_staff(*, exhibitor: Exhibitor, data: StaffData) -> Registration:
    """Register a staff member: an "Exhibitor" badge with the company, e-mailed like a visitor's.

    The company's row is locked while staff are counted, so two staff added at once cannot
    pass the quota together (SQLite serialises writers anyway).
    """
    locked = db.session.scalar(
        sa.select(Exhibitor).where(Exhibitor.id == exhibitor.id).with_for_update()
    )
    if locked.status not in WITH_STAFF:
        raise StaffNotAllowed()
    if len(staff(exhibitor=locked)) >= staff_quota(exhibitor=locked):
        raise StaffQuotaReached()
    if find_by_email(event=locked.event, email=data.email) is not None:
        raise AlreadyRegistered()
    registration, _ = register_visitor(
        event=locked.event,
        data=VisitorData(
            full_name=data.full_name,
            email=data.email,
            phone=data.phone,
            category_id=exhibitor_category(event=locked.event).id,
            organisation=locked.company_name_vi,
            job_title=data.job_title,
            province_code=locked.province_code,
            language=data.language,
        ),
        consents=Consents(processing=True),
        source=RegistrationSource.EXHIBITOR,
        public_only=False,
        check_window=False,
        exhibitor_id=locked.id,
    )
    return registration


def remove_staff(*, exhibitor: Exhibitor, registration_id: int) -> None:
    """Cancel a staff member's badge (it stops working at once)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.exhibitor_id != exhibitor.id:
        raise DomainError(
            _l("This person is not on your staff list."), code="not_found", status=404
        )
    cancel_registration(registration=registration)

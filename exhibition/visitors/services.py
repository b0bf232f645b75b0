"""Visitor registration: sign up, correct, cancel, search."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from ..badges.services import new_badge_code, new_manage_token
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event, RegistrationState
from ..extensions import db
from ..i18n import Localized
from ..reference.models import Province, Sector
from ..text import fold, matches_all_words, normalize_name
from . import sharing
from .addresses import proof_holds
from .models import (
    NO_EMAIL_DOMAIN,
    Consent,
    ConsentPurpose,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    VisitorCategory,
    registration_sectors,
)
from .notifications import queue_confirmation, queue_new_link


class RegistrationNotOpen(DomainError):
    code = "registration_not_open"
    status = 403
    message = _l("Registration for this exhibition has not opened yet.")


class RegistrationClosed(DomainError):
    code = "registration_closed"
    status = 403
    message = _l("Registration for this exhibition is closed.")


class RegistrationNotFound(NotFound):
    code = "registration_not_found"
    message = _l("This registration link is not valid.")


class RegistrationCancelled(DomainError):
    code = "registration_cancelled"
    status = 409
    message = _l("This registration has been cancelled.")


class ConsentRequired(DomainError):
    code = "consent_required"
    status = 422
    message = _l(
        "We can only register you if you agree to the processing of your data for the event."
    )


class InvalidChoice(DomainError):
    code = "invalid_choice"
    status = 422


class RegistrationBusy(DomainError):
    code = "registration_busy"
    status = 409
    message = _l("This address is being registered or cancelled at this moment. Try again.")


class NoEmailAddress(DomainError):
    code = "no_email_address"
    status = 409
    message = _l("This person gave no e-mail address: there is nothing to send.")


@dataclass
class VisitorData:
    """What a person types on the sign-up form (already validated for format)."""

    full_name: str
    email: str
    phone: str  # E.164
    category_id: int
    organisation: str = ""
    job_title: str = ""
    province_code: str | None = None
    country_code: str = "VN"
    sector_codes: list[str] = field(default_factory=list)
    language: str = "vi"


@dataclass
class Consents:
    processing: bool
    share_exhibitors: bool = False
    news: bool = False
    # "List me for business matching": offered on the sign-up form when the exhibition has a
    # matchmaking session; recorded only when given (the person is then listed at once).
    matchmaking: bool = False


def search_text_for(registration: Registration) -> str:
    """The folded text a registration is found by (diacritics and case ignored)."""
    parts = [
        registration.full_name,
        registration.email if registration.has_email else "",
        registration.organisation,
        registration.phone,
        registration.phone.replace("+84", "0", 1) if registration.phone.startswith("+84") else "",
    ]
    return fold(" ".join(p for p in parts if p))[:800]


@dataclass(frozen=True)
class ReferenceItem(Localized):
    """A province or a sector as forms offer it (code and names; `tr("name")` works)."""

    code: str
    name_vi: str
    name_en: str


class ReferenceList(tuple):
    """Reference rows as plain values, and what forms make of them, kept with them: the form
    choices of each language are built once per process (forms.py), not on every sign-up."""

    def __new__(cls, items):
        made = super().__new__(cls, items)
        made.made_for_forms = {}
        return made


def _reference(model) -> tuple[ReferenceItem, ...]:
    # Reference data changes only with a migration (and a restart), and every form needs it:
    # loaded once per app process instead of twice per sign-up, as plain values that no session
    # can expire. Kept per app, so that each test app reads its own database.
    cache = current_app.extensions.setdefault("exhibition.reference", {})
    if model.__name__ not in cache:
        rows = db.session.execute(
            sa.select(model.code, model.name_vi, model.name_en).order_by(model.position)
        )
        cache[model.__name__] = ReferenceList(ReferenceItem(*row) for row in rows)
    return cache[model.__name__]


def provinces() -> tuple[ReferenceItem, ...]:
    """The 34 provinces and cities, in reference order."""
    return _reference(Province)


def sectors() -> tuple[ReferenceItem, ...]:
    """The supporting-industry sectors, in reference order."""
    return _reference(Sector)


def _checked_place(data: VisitorData) -> str:
    """The country of `data`'s place (VN with a province), or InvalidChoice."""
    if data.province_code is not None:
        if data.province_code not in {p.code for p in provinces()}:
            raise InvalidChoice(_l("Choose a province or city from the list."))
        return "VN"
    country = (data.country_code or "").upper()
    if len(country) != 2 or country == "VN":
        raise InvalidChoice(_l("Choose the country you come from."))
    return country


def _checked_sectors(data: VisitorData) -> list[str]:
    """`data`'s sector codes, each once, or InvalidChoice for one not in the list."""
    known = {s.code for s in sectors()}
    codes = list(dict.fromkeys(data.sector_codes))
    if any(code not in known for code in codes):
        raise InvalidChoice(_l("Choose sectors from the list."))
    return codes


def _category_refused() -> InvalidChoice:
    return InvalidChoice(_l("Choose one of the categories offered."))


def _details(data: VisitorData, *, country: str) -> dict:
    """The registration's columns that hold `data` (names tidied, language one of ours)."""
    return {
        "full_name": normalize_name(data.full_name),
        "phone": data.phone,
        "organisation": normalize_name(data.organisation),
        "job_title": normalize_name(data.job_title),
        "province_code": data.province_code,
        "country_code": country,
        "language": data.language if data.language in ("vi", "en") else "vi",
    }


def apply_details(
    registration: Registration, data: VisitorData, *, event: Event, public_only: bool
) -> None:
    """Set a registration's details from `data` (when corrected): the category must be the
    event's (and public, with `public_only`)."""
    category = _offered_category(event, data.category_id, public_only=public_only)
    country = _checked_place(data)
    codes = _checked_sectors(data)
    chosen = []
    if codes:
        chosen = list(db.session.scalars(sa.select(Sector).where(Sector.code.in_(codes))))
    registration.category = category
    for name, value in _details(data, country=country).items():
        setattr(registration, name, value)
    registration.sectors = chosen
    registration.search_text = search_text_for(registration)


def _consent_rows(
    registration_id: int,
    consents: Consents,
    *,
    version: str,
    share_version: str,
    now: datetime,
) -> list[dict]:
    rows = [
        {
            "registration_id": registration_id,
            "purpose": purpose,
            "granted": granted,
            "wording_version": wording,
            "recorded_at": now,
        }
        for purpose, granted, wording in (
            (ConsentPurpose.PROCESSING, consents.processing, version),
            (ConsentPurpose.SHARE_EXHIBITORS, consents.share_exhibitors, share_version),
            (ConsentPurpose.NEWS, consents.news, version),
        )
    ]
    if consents.matchmaking:
        rows.append(
            {
                "registration_id": registration_id,
                "purpose": ConsentPurpose.MATCHMAKING,
                "granted": True,
                "wording_version": version,
                "recorded_at": now,
            }
        )
    return rows


def find_by_email(*, event: Event, email: str) -> Registration | None:
    """The event's confirmed registration for this e-mail address (any case), if any."""
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.email_key == email.strip().casefold(),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


RESEND_PAUSE = timedelta(minutes=10)


def _send_again(registration: Registration, now: datetime) -> None:
    """E-mail the link again, at most once per RESEND_PAUSE (the form must not become a mail cannon).

    One conditional update claims the sending: of many sign-ups with the address at the same
    moment exactly one finds the pause over (the others wait for its row lock, then see its time).
    """
    claimed = db.session.execute(
        sa.update(Registration)
        .where(
            Registration.id == registration.id,
            sa.or_(
                Registration.link_resent_at.is_(None),
                Registration.link_resent_at <= now - RESEND_PAUSE,
            ),
        )
        # updated_at stays: the person's details did not change.
        .values(link_resent_at=now, updated_at=Registration.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed == 1:
        queue_confirmation(registration=registration, kind="again")


def _check_window(event: Event, now: datetime) -> None:
    """Refuse a sign-up before registration opens or after it closes."""
    state = event.registration_state(now)
    if state is RegistrationState.NOT_OPEN:
        raise RegistrationNotOpen()
    if state is RegistrationState.CLOSED:
        raise RegistrationClosed()


def register_visitor(
    *,
    event: Event,
    data: VisitorData,
    consents: Consents,
    source: RegistrationSource = RegistrationSource.ONLINE,
    public_only: bool = True,
    check_window: bool = True,
    exhibitor_id: int | None = None,
    resend_existing: bool = True,
    address_proven: bool = False,
    now: datetime | None = None,
) -> tuple[Registration, bool]:
    """Register a person, or find their registration: returns (registration, created).

    The same e-mail for the same event never makes a second badge: the confirmed registration is
    returned and (with `resend_existing`) its link is e-mailed again. After a cancellation a new
    registration is made: the cancelled one keeps its history to itself. `address_proven`: the
    person came by a link sent to the address (an invitation's).
    """
    now = now or utcnow()
    if check_window:
        _check_window(event, now)
    if not consents.processing:
        raise ConsentRequired()

    email = data.email.strip()
    category = _offered_category(event, data.category_id, public_only=public_only)
    country = _checked_place(data)
    codes = _checked_sectors(data)
    values = {
        "event_id": event.id,
        "category_id": category.id,
        "exhibitor_id": exhibitor_id,
        "email": email,
        "email_key": email.casefold(),
        "badge_code": new_badge_code(),
        "manage_token": new_manage_token(),
        "source": source,
        "status": RegistrationStatus.CONFIRMED,
        "created_at": now,
        "updated_at": now,
        "email_verified_at": now if address_proven else None,
        **_details(data, country=country),
    }
    values["search_text"] = search_text_for(Registration(**values))
    registration = _insert_registration(values)
    if registration is None:
        # The address has a confirmed registration (perhaps made at this very moment).
        existing = find_by_email(event=event, email=email)
        if existing is None:  # cancelled in between: the address is free again
            registration = _insert_registration(values)
            if registration is None:
                raise RegistrationBusy()
        else:
            if resend_existing:
                _send_again(existing, now)
            return existing, False
    # The registration's other rows, one statement each (no ORM flush: it writes the consents
    # one row at a time on SQLite, and would need a savepoint around the registration).
    if codes:
        db.session.execute(
            sa.insert(registration_sectors),
            [{"registration_id": registration.id, "sector_code": code} for code in codes],
        )
    db.session.execute(
        sa.insert(Consent.__table__).values(
            _consent_rows(
                registration.id,
                consents,
                version=event.consent_version,
                share_version=sharing.share_version(event),
                now=now,
            )
        )
    )
    if consents.matchmaking:
        from ..matchmaking.participants import join_with_defaults  # matchmaking imports visitors

        join_with_defaults(registration=registration, now=now)
    queue_confirmation(registration=registration)
    return registration, True


def _offered_category(event: Event, category_id: int, *, public_only: bool) -> VisitorCategory:
    """The chosen category if the event offers it (publicly, with `public_only`). The sign-up
    page holds the categories it offered (views._choices): found in the session, not read again."""
    category = db.session.get(VisitorCategory, category_id)
    if (
        category is None
        or category.event_id != event.id
        or (public_only and not category.is_public)
    ):
        raise _category_refused()
    return category


def _insert_registration(values: dict) -> Registration | None:
    """The new registration, inserted in one statement; None when the address has a confirmed
    registration for the event already (the unique index decides, also between sign-ups at the
    same moment: INSERT ... ON CONFLICT DO NOTHING, so no savepoint is needed)."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(Registration)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[Registration.event_id, Registration.email_key],
            index_where=sa.text("status = 'confirmed'"),
        )
        .returning(Registration)
    )
    return db.session.scalars(stmt).one_or_none()


def no_email_placeholder() -> str:
    """A unique address that cannot receive mail, for a walk-in who gives no e-mail."""
    return f"walkin-{secrets.token_hex(12)}@{NO_EMAIL_DOMAIN}"


def prove_address(*, registration: Registration, proof: str, now: datetime | None = None) -> bool:
    """Mark the address proven if `proof` came from an e-mail to it; whether it did."""
    proven = proof_holds(registration=registration, proof=proof)
    if proven and registration.email_verified_at is None:
        registration.email_verified_at = now or utcnow()
        db.session.flush()
    return proven


def _by_secret(column, token: str) -> Registration:
    if not token or len(token) > 64:
        raise RegistrationNotFound()
    registration = db.session.scalar(sa.select(Registration).where(column == token))
    if registration is None:
        raise RegistrationNotFound()
    return registration


def get_by_manage_token(*, token: str) -> Registration:
    """The registration behind a "my registration" link, or RegistrationNotFound."""
    return _by_secret(Registration.manage_token, token)


def get_by_feed_token(*, token: str) -> Registration:
    """The registration behind a calendar feed's address (read-only), or RegistrationNotFound."""
    return _by_secret(Registration.feed_token, token)


def send_new_links(*, limit: int = 500) -> int:
    """E-mail their new "my registration" link to up to `limit` people whose link was replaced
    without their asking. Each is claimed by a conditional update, so running this twice (or on
    two machines) sends nobody two. Returns how many were claimed (someone without a deliverable
    address is claimed and sent nothing)."""
    pending = db.session.scalars(
        sa.select(Registration)
        .where(Registration.new_link_pending_since.is_not(None))
        .order_by(Registration.id)
        .limit(limit)
    ).all()
    claimed = 0
    for registration in pending:
        claim = (
            sa.update(Registration)
            .where(
                Registration.id == registration.id,
                Registration.new_link_pending_since.is_not(None),
            )
            .values(new_link_pending_since=None, updated_at=Registration.updated_at)
            .execution_options(synchronize_session=False)
        )
        if db.session.execute(claim).rowcount == 1:
            claimed += 1
            queue_new_link(registration=registration)
    db.session.flush()
    return claimed


def registrations_query(
    *, event: Event, query: str = "", category_id: int | None = None, status: str = ""
):
    """A select of an event's registrations matching a search (diacritics and case ignored)."""
    stmt = sa.select(Registration).where(
        Registration.event_id == event.id, matches_all_words(Registration.search_text, query)
    )
    if category_id:
        stmt = stmt.where(Registration.category_id == category_id)
    if status in {s.value for s in RegistrationStatus}:
        stmt = stmt.where(Registration.status == RegistrationStatus(status))
    return stmt.order_by(Registration.created_at.desc(), Registration.id.desc())

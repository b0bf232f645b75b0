"""Who takes part in business matching: registered people who opt in (a versioned consent of its
own, off unless given), and the directory they see of each other."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..reference.models import Sector
from ..text import fold, matches_all_words
from ..visitors.models import Consent, ConsentPurpose, Registration, RegistrationSource
from .models import MESSAGE_LENGTH, Block, Participant, Side
from .requests import withdraw_pending


class NotListed(DomainError):
    code = "not_listed"
    status = 403
    message = _l("Join business matching first (in your registration).")


class AlreadyListed(DomainError):
    code = "already_listed"
    status = 409
    message = _l("This person is already listed for business matching.")


class AddressNotProven(DomainError):
    code = "address_not_proven"
    status = 403
    message = _l(
        "Open the link in your confirmation e-mail first: business matching starts once your e-mail address is confirmed."
    )


class RegistrationClosed(DomainError):
    code = "registration_cancelled"
    status = 409
    message = _l("This registration has been cancelled.")


@dataclass(frozen=True)
class Profile:
    side: Side
    company: str
    offer: str = ""
    sector_codes: tuple[str, ...] = field(default_factory=tuple)
    meeting_limit: int = 12
    show_job_title: bool = True
    show_province: bool = True


def participant_of(registration: Registration) -> Participant | None:
    return db.session.scalar(
        sa.select(Participant).where(Participant.registration_id == registration.id)
    )


def listed_participant(registration: Registration) -> Participant:
    """The registration's participant, refused unless listed (and the registration works), and
    until an address typed on the public form is proven: nobody's typed name reaches the
    directory or another person's e-mail before that."""
    participant = participant_of(registration)
    if participant is None or not participant.listed:
        raise NotListed()
    if registration.typed_by_a_stranger:
        raise AddressNotProven()
    return participant


def address_proven() -> sa.ColumnElement[bool]:
    """In SQL: the registration's address may be shown to others (`typed_by_a_stranger` not)."""
    return sa.or_(
        Registration.source != RegistrationSource.ONLINE,
        Registration.email_verified_at.is_not(None),
    )


def _consent(registration: Registration, granted: bool, now: datetime) -> None:
    current = registration.consent_for(ConsentPurpose.MATCHMAKING)
    if (current.granted if current is not None else False) != granted:
        registration.consents.append(
            Consent(
                purpose=ConsentPurpose.MATCHMAKING,
                granted=granted,
                wording_version=registration.event.consent_version,
                recorded_at=now,
            )
        )


def search_text_of(participant: Participant) -> str:
    parts = [
        participant.registration.full_name,
        participant.company,
        participant.offer,
        *(s.name_vi for s in participant.sectors),
        *(s.name_en for s in participant.sectors),
    ]
    return fold(" ".join(parts))[:1200]


def join(
    *, registration: Registration, profile: Profile, now: datetime | None = None
) -> Participant:
    """List the person for business matching with this profile (their consent recorded), or
    change the profile of someone listed."""
    if registration.is_cancelled or registration.is_erased:
        raise RegistrationClosed()
    now = now or utcnow()
    _consent(registration, True, now)
    participant = participant_of(registration)
    if participant is None:
        participant = Participant(event_id=registration.event_id, registration=registration)
        db.session.add(participant)
    participant.listed = True
    participant.side = profile.side
    participant.company = (
        profile.company.strip() or registration.organisation or registration.full_name
    )[:200]
    participant.offer = profile.offer.strip()[:MESSAGE_LENGTH]
    participant.meeting_limit = max(1, min(100, profile.meeting_limit))
    participant.show_job_title = profile.show_job_title
    participant.show_province = profile.show_province
    participant.sectors = list(
        db.session.scalars(
            sa.select(Sector).where(Sector.code.in_(profile.sector_codes)).order_by(Sector.position)
        )
    )
    participant.search_text = search_text_of(participant)
    db.session.flush()
    return participant


def leave(*, registration: Registration, now: datetime | None = None) -> Participant | None:
    """Withdraw the consent: off the directory at once, pending requests withdrawn (booked
    meetings stay, each side may still cancel them)."""
    now = now or utcnow()
    _consent(registration, False, now)
    participant = participant_of(registration)
    if participant is not None and participant.listed:
        participant.listed = False
        withdraw_pending(participant=participant, now=now)
    db.session.flush()
    return participant


def default_side(registration: Registration) -> Side:
    """Exhibitors' staff supply; everyone else comes to buy, until they say otherwise."""
    return Side.SUPPLIER if registration.exhibitor_id is not None else Side.BUYER


def default_profile(registration: Registration) -> Profile:
    """The profile of someone who joins with a tick: their side, organisation and sectors."""
    return Profile(
        side=default_side(registration),
        company=registration.organisation or registration.full_name,
        sector_codes=tuple(s.code for s in registration.sectors),
    )


def join_with_defaults(*, registration: Registration, now: datetime | None = None) -> Participant:
    """List a person who ticked "list me for business matching" on the sign-up form, with the
    profile their registration suggests (they change it on their page)."""
    return join(registration=registration, profile=default_profile(registration), now=now)


def get_participant(*, event: Event, participant_id: int, listed_only: bool = True) -> Participant:
    """A participant of the exhibition as others may see them (`listed_only`), or as the
    organisers do (anyone not erased); anything else is not found."""
    participant = db.session.get(Participant, participant_id)
    if (
        participant is None
        or participant.event_id != event.id
        or participant.registration.is_erased
        or (
            listed_only
            and (
                not participant.listed
                or participant.registration.is_cancelled
                or participant.registration.typed_by_a_stranger
            )
        )
    ):
        raise NotFound()
    return participant


def directory(
    *,
    event: Event,
    query: str = "",
    side: Side | None = None,
    sector_code: str | None = None,
    province_code: str | None = None,
    exclude: Participant | None = None,
    listed_only: bool = True,
) -> sa.Select:
    """The listed participants matching a search (every word, without diacritics) and filters,
    by company then name; a Select, to paginate. With `listed_only` false (the organisers'
    list), also those who left or were cancelled, not the erased."""
    shown = (
        sa.and_(Participant.listed.is_(True), Registration.badge_works(), address_proven())
        if listed_only
        else Registration.erased_at.is_(None)
    )
    stmt = (
        sa.select(Participant)
        .join(Participant.registration)
        .where(Participant.event_id == event.id, shown)
        .order_by(Participant.company, Registration.full_name, Participant.id)
    )
    if query.strip():
        stmt = stmt.where(matches_all_words(Participant.search_text, query))
    if side is not None:
        stmt = stmt.where(Participant.side == side)
    if sector_code:
        stmt = stmt.where(Participant.sectors.any(Sector.code == sector_code))
    if province_code:
        stmt = stmt.where(
            Registration.province_code == province_code, Participant.show_province.is_(True)
        )
    if exclude is not None:
        stmt = stmt.where(Participant.id != exclude.id)
    return stmt


def block(*, participant: Participant, other: Participant) -> None:
    """`participant` takes no more requests from `other`."""
    exists = db.session.scalar(
        sa.select(Block.id).where(
            Block.participant_id == participant.id, Block.blocked_id == other.id
        )
    )
    if exists is None and other.id != participant.id:
        db.session.add(Block(participant_id=participant.id, blocked_id=other.id))
        db.session.flush()


def invite_staff(*, exhibitor, registration_id: int) -> Registration:
    """E-mail one of the exhibitor's staff their own page's link to join business matching
    (they give the consent themselves there, listed as suppliers of the company by default)."""
    from .notifications import staff_invited  # notifications import the models, not this

    registration = db.session.get(Registration, registration_id)
    if (
        registration is None
        or registration.exhibitor_id != exhibitor.id
        or registration.is_cancelled
        or registration.is_erased
    ):
        raise NotFound()
    participant = participant_of(registration)
    if participant is not None and participant.listed:
        raise AlreadyListed()
    staff_invited(registration, exhibitor=exhibitor)
    return registration

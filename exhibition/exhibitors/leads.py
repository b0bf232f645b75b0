"""Lead retrieval's one rule of what an exhibitor sees of a visitor, and the shares that allow it.

A lead holds the visitor's details only while a share covers it: the visitor's consent to share
with exhibitors who scan their badge (it covers every exhibitor that scanned it, before or after
it was given), or their share with this one exhibitor from their own page. Withdrawing the
consent blanks every lead of the person at once (the anonymous visit stays); erasing the person
blanks them and deletes what exhibitors wrote about them.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..badges.services import normalize_badge_code, normalize_lead_code
from ..dbtypes import UTCDateTime, utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..reference.models import Province, Sector
from ..visitors.models import ConsentPurpose, Registration
from .lead_models import (
    Lead,
    LeadAnswer,
    LeadField,
    LeadNote,
    LeadScan,
    LeadScanner,
    ShareSource,
)
from .models import Exhibitor

# The lead's columns each choice of the organiser fills (LeadField -> Lead attribute).
_COLUMNS = {
    LeadField.NAME: "name",
    LeadField.ORGANISATION: "organisation",
    LeadField.JOB_TITLE: "job_title",
    LeadField.EMAIL: "email",
    LeadField.PHONE: "phone",
    LeadField.PROVINCE: "province_code",
    LeadField.SECTORS: "sector_codes",
}
_BLANK = {
    "name": "",
    "organisation": "",
    "job_title": "",
    "email": "",
    "phone": "",
    "province_code": None,
    "sector_codes": [],
}


class NotALeadCode(DomainError):
    code = "not_a_lead_code"
    status = 422
    message = _l("This is the visitor's entry code, not a lead code: scan the smaller QR code.")


class InvalidLeadCode(DomainError):
    code = "invalid"
    status = 404
    message = _l("This is not the lead code of a valid badge.")


class NotVisited(DomainError):
    code = "not_visited"
    status = 404
    message = _l("This exhibitor has not scanned your badge.")


def chosen_fields(event: Event) -> list[LeadField]:
    """The organiser's choice of what is shared, in the canonical order (unknown values dropped)."""
    chosen = set(event.lead_fields or ())
    return [field for field in LeadField if field.value in chosen]


def consents_to_share(registration: Registration) -> bool:
    """Whether the person's latest answer to the sharing consent is yes."""
    consent = registration.consent_for(ConsentPurpose.SHARE_EXHIBITORS)
    return consent is not None and consent.granted


# The fields the sharing consent's wording of version Event.consent_version named as first
# written: an answer under exactly that choice records the plain version.
FIRST_WORDING = (
    LeadField.NAME,
    LeadField.ORGANISATION,
    LeadField.JOB_TITLE,
    LeadField.EMAIL,
    LeadField.PHONE,
)
# One letter per field in a recorded version: "2026-01+NEP" is version 2026-01 naming the name,
# the e-mail and the province.
_LETTERS = {
    LeadField.NAME: "N",
    LeadField.ORGANISATION: "O",
    LeadField.JOB_TITLE: "J",
    LeadField.EMAIL: "E",
    LeadField.PHONE: "T",
    LeadField.PROVINCE: "P",
    LeadField.SECTORS: "S",
}


def share_version(event: Event) -> str:
    """The wording version recorded with an answer to this exhibition's sharing consent: it says
    which fields the words named (consent records are never edited)."""
    fields = chosen_fields(event)
    if tuple(fields) == FIRST_WORDING:
        return event.consent_version
    return event.consent_version + "+" + "".join(_LETTERS[field] for field in fields)


def fields_of_version(version: str) -> set[LeadField]:
    """The fields a recorded wording version named."""
    if "+" not in version:
        return set(FIRST_WORDING)
    letters = version.rsplit("+", 1)[1]
    return {field for field, letter in _LETTERS.items() if letter in letters}


def details_of(
    *, registration: Registration, event: Event, source: ShareSource = ShareSource.CONSENT
) -> dict:
    """The lead's columns for this person: the chosen fields filled, the others blank. Under the
    consent, only fields its words named when given: a field the organisers add later is not
    something the person agreed to (a share from their page names today's fields)."""
    values = dict(_BLANK)
    if registration.is_erased:
        return values
    fields = chosen_fields(event)
    if source is ShareSource.CONSENT:
        consent = registration.consent_for(ConsentPurpose.SHARE_EXHIBITORS)
        named = fields_of_version(consent.wording_version) if consent and consent.granted else set()
        fields = [field for field in fields if field in named]
    for field in fields:
        column = _COLUMNS[field]
        if field is LeadField.NAME:
            values[column] = registration.full_name
        elif field is LeadField.SECTORS:
            values[column] = [sector.code for sector in registration.sectors]
        elif field is LeadField.EMAIL:
            values[column] = registration.email if registration.has_email else ""
        else:
            values[column] = getattr(registration, column) or _BLANK[column]
    return values


def fill(*, lead: Lead, source: ShareSource, now: datetime) -> None:
    """Give the lead the person's details under a share (kept as first shared, if it was)."""
    source = lead.share_source or source  # a lead shared once keeps how it was shared
    details = details_of(registration=lead.registration, event=lead.event, source=source)
    for column, value in details.items():
        setattr(lead, column, value)
    if lead.shared_at is None:
        lead.shared_at = now
        lead.share_source = source


def blank(lead: Lead) -> None:
    """Take the person's details out of the lead: an anonymous visit again."""
    for column, value in _BLANK.items():
        setattr(lead, column, value)
    lead.shared_at = None
    lead.share_source = None


def leads_of(registration: Registration) -> list[Lead]:
    return list(
        db.session.scalars(
            sa.select(Lead).where(Lead.registration_id == registration.id).order_by(Lead.id)
        )
    )


def consent_changed(*, registration: Registration, now: datetime | None = None) -> None:
    """After the sharing consent changed: fill every lead of the person when given, blank every
    one (shares with one exhibitor too) when withdrawn."""
    now = now or utcnow()
    granted = consents_to_share(registration)
    for lead in leads_of(registration):
        if granted:
            fill(lead=lead, source=ShareSource.CONSENT, now=now)
        else:
            blank(lead)
    db.session.flush()


def share_with(
    *, registration: Registration, exhibitor: Exhibitor, now: datetime | None = None
) -> Lead:
    """The visitor shares their details with one exhibitor whose booth scanned their badge."""
    lead = _visited(registration=registration, exhibitor=exhibitor)
    fill(lead=lead, source=ShareSource.VISITOR, now=now or utcnow())
    db.session.flush()
    return lead


def unshare_with(*, registration: Registration, exhibitor: Exhibitor) -> Lead:
    """The visitor takes back what they shared with one exhibitor (the visit stays)."""
    lead = _visited(registration=registration, exhibitor=exhibitor)
    blank(lead)
    db.session.flush()
    return lead


def _visited(*, registration: Registration, exhibitor: Exhibitor) -> Lead:
    lead = db.session.scalar(
        sa.select(Lead).where(
            Lead.registration_id == registration.id, Lead.exhibitor_id == exhibitor.id
        )
    )
    if lead is None or registration.is_cancelled or registration.is_erased:
        raise NotVisited()
    return lead


def lock_person(registration: Registration) -> None:
    """Lock the person's row until commit, and read their consents again: a scan and a change
    of their sharing consent at once take turns (a scan never keeps details a withdrawal made
    at the same moment was to remove)."""
    db.session.execute(
        sa.select(Registration.id).where(Registration.id == registration.id).with_for_update()
    )
    db.session.refresh(registration, ["consents"])


def cancelled(*, registration: Registration, now: datetime | None = None) -> None:
    """Cancelling the registration withdraws the processing consent: every exhibitor loses the
    person's details (the visits stay), and their booth scanners stop."""
    for lead in leads_of(registration):
        blank(lead)
    _stop_scanners(registration, now=now or utcnow())
    db.session.flush()


def _stop_scanners(registration: Registration, *, now: datetime, name: str | None = None) -> None:
    """Revoke the booth scanners held by this staff member (and rename them when erased)."""
    values = {"setup_code_hash": None, "setup_expires_at": None}
    if name is not None:
        values["name"] = name
    db.session.execute(
        sa.update(LeadScanner)
        .where(LeadScanner.registration_id == registration.id)
        .values(
            revoked_at=sa.func.coalesce(LeadScanner.revoked_at, sa.literal(now, UTCDateTime())),
            **values,
        )
        .execution_options(synchronize_session=False)
    )


def erase(*, registration: Registration, placeholder: str) -> None:
    """Erasure: every lead of the person loses their details and what exhibitors wrote about
    them (notes, answers, rating, tags); the anonymous visits stay for the figures."""
    _stop_scanners(registration, now=utcnow(), name=placeholder)
    lead_ids = [lead.id for lead in leads_of(registration)]
    if not lead_ids:
        return
    db.session.execute(sa.delete(LeadNote).where(LeadNote.lead_id.in_(lead_ids)))
    db.session.execute(sa.delete(LeadAnswer).where(LeadAnswer.lead_id.in_(lead_ids)))
    for lead in leads_of(registration):
        blank(lead)
        lead.rating = None
        lead.tags = []
        lead.version += 1
    db.session.flush()


def registration_for_lead_code(*, event: Event, text: str) -> Registration:
    """The working registration whose lead code `text` holds: an entry code answers
    NotALeadCode (by its form alone: a booth learns nothing of the doors' codes), anything else
    that is no working badge's lead code answers InvalidLeadCode."""
    code = normalize_lead_code(text)
    if code is None:
        if normalize_badge_code(text) is not None:
            raise NotALeadCode()
        raise InvalidLeadCode()
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.lead_code == code,
            Registration.event_id == event.id,
            Registration.badge_works(),
        )
    )
    if registration is None:
        raise InvalidLeadCode()
    return registration


def lead_view(lead: Lead) -> dict:
    """A lead as exhibitors see it (the booth scanner's JSON and the portal alike): the
    visitor's details only while a share covers them (`lead.is_shared`), names of province and
    sectors in the current language; the company's notes, rating, tags and answers."""
    details = None
    if lead.is_shared:
        province = db.session.get(Province, lead.province_code) if lead.province_code else None
        sectors = {
            s.code: s
            for s in db.session.scalars(sa.select(Sector).where(Sector.code.in_(lead.sector_codes)))
        }
        details = {
            "name": lead.name,
            "organisation": lead.organisation,
            "job_title": lead.job_title,
            "email": lead.email,
            "phone": lead.phone,
            "province": province.tr("name") if province is not None else "",
            "sectors": [sectors[c].tr("name") for c in lead.sector_codes if c in sectors],
        }
    return {
        "id": lead.id,
        "shared": lead.is_shared,
        "share_source": lead.share_source.value if lead.share_source else None,
        "details": details,
        "first_scanned_at": lead.first_scanned_at,
        "last_scanned_at": lead.last_scanned_at,
        "scans": db.session.scalar(
            sa.select(sa.func.count(LeadScan.id)).where(LeadScan.lead_id == lead.id)
        ),
        "rating": lead.rating.value if lead.rating else None,
        "tags": list(lead.tags or []),
        "answers": {str(a.question_id): a.answer for a in lead.answers},
        "notes": [
            {
                "id": note.id,
                "text": note.text,
                "by": note.scanner.name if note.scanner is not None else "",
                "created_at": note.created_at,
            }
            for note in lead.notes
        ],
        "version": lead.version,
    }

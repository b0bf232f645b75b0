"""The registrations export: its columns and rows, in the language of the file (see exports.py)."""

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..exports import chunked
from ..labels import country_name, label, language_name, wording_version, yes_no
from ..phone import display_phone
from .models import ConsentPurpose, Registration

# One column per consent purpose, headers and cells taken from this one mapping.
CONSENT_COLUMNS = {
    ConsentPurpose.PROCESSING: _l("Consent: processing for the event"),
    ConsentPurpose.SHARE_EXHIBITORS: _l("Consent: sharing with exhibitors"),
    ConsentPurpose.NEWS: _l("Consent: news"),
    ConsentPurpose.MATCHMAKING: _l("Consent: business matching"),
}
EXPORT_COLUMNS = [
    _l("Registration no."), _l("Registered at"), _l("Status"), _l("Category"), _l("Full name"),
    _l("E-mail"), _l("Phone"), _l("Organisation"), _l("Job title"), _l("Province or city"),
    _l("Country"), _l("Sectors"), _l("Language for e-mails"), _l("Badge code"),
    _l("Checked in at"), *CONSENT_COLUMNS.values(), _l("Consent wording version"),
    _l("Registered through"),
]  # fmt: skip


def _export_row(registration: Registration) -> list:
    consents = {p: registration.consent_for(p) for p in ConsentPurpose}
    processing = consents[ConsentPurpose.PROCESSING]
    return [
        registration.id,
        registration.created_at,
        label(registration.status),
        registration.category.tr("name"),
        registration.full_name,
        registration.email if registration.has_email else "",
        display_phone(registration.phone),
        registration.organisation,
        registration.job_title,
        registration.province.tr("name") if registration.province else "",
        country_name(registration.country_code),
        "; ".join(s.tr("name") for s in registration.sectors),
        language_name(registration.language),
        registration.badge_code,
        registration.checked_in_at,
        *(yes_no(bool(consents[p] and consents[p].granted)) for p in CONSENT_COLUMNS),
        wording_version(processing.wording_version) if processing else "",
        label(registration.source),
    ]


def registration_rows(*, stmt) -> Iterator[list]:
    """Rows for the registrations selected by `stmt`, typed (exports.py writes them), in the
    current language: read inside force_locale with the language of the file. Read from the
    database a chunk at a time as the rows are taken."""
    stmt = stmt.options(
        selectinload(Registration.sectors),
        selectinload(Registration.consents),
        selectinload(Registration.province),
        selectinload(Registration.category),
    )
    for registration in chunked(stmt):
        yield _export_row(registration)

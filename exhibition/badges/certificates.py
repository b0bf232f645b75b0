"""Certificates of attendance: who attended, the exhibition's template, issuing, correcting the
name printed, and what erasure leaves of them.

Attendance is the check-in's own record, never judged a second time here: the exhibition was
attended when the registration has a first check-in time (`Registration.checked_in_at`, set by
the first entry at an entrance and put back by an undo, checkin/entrances.py); a session when the
person's seat was scanned at its door (`SessionBooking.attended_at`) or their badge was let in
there (an `ok` entry scan for the session, not undone: an invited delegate without a seat).

A certificate's code is a badge code (128 random bits, 26 characters of base32): stored, so that
erasure can withdraw it, unguessable, and it fits a small QR code; a tampered code is simply
unknown. It is printed in groups of four so that it can be typed.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.audit import record
from ..accounts.models import AuditEntry
from ..checkin.entrances import insert_unless_there
from ..checkin.models import Scan, ScanResult, ScanType
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..i18n import date_range
from ..programme.models import ConferenceSession, SessionBooking
from ..urls import public_url
from ..visitors.models import Registration
from . import certificate_pdf
from .models import Certificate, CertificateTemplate
from .services import new_badge_code, normalize_badge_code

# The fields a template may use, each written {name}.
PLACEHOLDERS = ("name", "organisation", "event", "dates", "venue", "session")
_FIELD = re.compile(r"\{([^{}]*)\}")
_KNOWN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

DEFAULTS = {
    "title_vi": "GIẤY CHỨNG NHẬN THAM DỰ",
    "title_en": "CERTIFICATE OF ATTENDANCE",
    "body_vi": (
        "Chứng nhận Ông/Bà\n{name}\n{organisation}\n"
        "đã tham dự {event}\ntổ chức tại {venue}, {dates}."
    ),
    "body_en": (
        "This is to certify that\n{name}\n{organisation}\n"
        "attended the {event}\nheld at {venue}, {dates}."
    ),
    "session_body_vi": (
        "Chứng nhận Ông/Bà\n{name}\n{organisation}\n"
        "đã tham dự {session} ngày {dates}\ntrong khuôn khổ {event}."
    ),
    "session_body_en": (
        "This is to certify that\n{name}\n{organisation}\n"
        "attended the session {session} on {dates}\nat the {event}."
    ),
    "signatory_name": "",
    "signatory_title_vi": "",
    "signatory_title_en": "",
}
TEXT_FIELDS = tuple(DEFAULTS)
BODY_FIELDS = ("body_vi", "body_en", "session_body_vi", "session_body_en")


class NotAttended(DomainError):
    code = "not_attended"
    status = 403
    message = _l(
        "There is no certificate for you: the check-in shows no attendance of yours. "
        "Certificates are for people whose badge was scanned at the door."
    )


class NoCertificate(DomainError):
    code = "not_found"
    status = 404
    message = _l("There is no such certificate.")


class UnknownPlaceholders(DomainError):
    code = "unknown_placeholders"
    status = 422

    def __init__(self, field: str, names: list[str]):
        self.field, self.names = field, names
        super().__init__(
            _l(
                "Unknown fields: %(names)s. Use only %(known)s.",
                names=", ".join("{" + n + "}" for n in names),
                known=", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        )


def placeholder_problem(text: str) -> str | None:
    """Why a template text cannot be used (fields it does not know, a stray brace), or None."""
    unknown = sorted({n for n in _FIELD.findall(text or "") if n not in PLACEHOLDERS})
    if unknown:
        return str(UnknownPlaceholders("", unknown).message)
    if "{" in _FIELD.sub("", text or "") or "}" in _FIELD.sub("", text or ""):
        return str(_l("A brace must enclose a field, such as {name}."))
    return None


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its fields replaced, once (a value holding "{name}" stays as it is)."""
    return _KNOWN.sub(lambda m: values.get(m.group(1), ""), text or "")


# --- the template ------------------------------------------------------------------------------


def template_of(*, event: Event) -> CertificateTemplate:
    """The exhibition's template, or the default one (not stored) when organisers saved none."""
    found = db.session.scalar(
        sa.select(CertificateTemplate).where(CertificateTemplate.event_id == event.id)
    )
    if found is not None:
        return found
    template = CertificateTemplate(event_id=event.id, **DEFAULTS)
    template.event = event  # not added to the session: the event does not cascade to it
    return template


def save_template(*, event: Event, values: dict[str, str], now: datetime | None = None):
    """Store the exhibition's template; UnknownPlaceholders names the fields a body cannot use."""
    for field in ("title_vi", "title_en", *BODY_FIELDS):
        names = _FIELD.findall(values.get(field) or "")
        unknown = sorted({n for n in names if n not in PLACEHOLDERS})
        if unknown:
            raise UnknownPlaceholders(field, unknown)
    template = db.session.scalar(
        sa.select(CertificateTemplate).where(CertificateTemplate.event_id == event.id)
    )
    if template is None:
        template = CertificateTemplate(event_id=event.id, **DEFAULTS)
        db.session.add(template)
    for field in TEXT_FIELDS:
        if field in values:
            setattr(template, field, values[field] or "")
    for field in ("title_vi", "body_vi", "session_body_vi"):
        if not getattr(template, field).strip():
            setattr(template, field, DEFAULTS[field])
    template.updated_at = now or utcnow()
    db.session.flush()
    return template


# --- attendance ----------------------------------------------------------------------------


def attended_exhibition() -> sa.ColumnElement[bool]:
    """Registrations checked in at the exhibition (the check-in's first entry time)."""
    return Registration.checked_in_at.is_not(None)


def attended_session(session_id, registration_id=Registration.id) -> sa.ColumnElement[bool]:
    """Let in at the session's door: the person's seat scanned there, or an `ok` entry scan for
    the session (not undone). Either side may be a column (correlated) or a value."""
    seated = (
        sa.select(SessionBooking.id)
        .where(
            SessionBooking.session_id == session_id,
            SessionBooking.registration_id == registration_id,
            SessionBooking.attended_at.is_not(None),
        )
        .exists()
    )
    let_in = (
        sa.select(Scan.id)
        .where(
            Scan.session_id == session_id,
            Scan.registration_id == registration_id,
            Scan.type == ScanType.ENTRY,
            Scan.result == ScanResult.OK,
            Scan.undone_at.is_(None),
        )
        .exists()
    )
    return sa.or_(seated, let_in)


def eligible(*, event: Event, session: ConferenceSession | None = None):
    """A select of the registrations that may have the certificate, by name: confirmed, not
    erased, and attended."""
    attended = attended_session(session.id) if session is not None else attended_exhibition()
    return (
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.badge_works(), attended)
        .order_by(Registration.full_name, Registration.id)
    )


def has_attended(*, registration: Registration, session: ConferenceSession | None = None) -> bool:
    return registration.id in set(
        db.session.scalars(
            eligible(event=registration.event, session=session)
            .where(Registration.id == registration.id)
            .with_only_columns(Registration.id)
        )
    )


def sessions_attended(*, registration: Registration) -> list[ConferenceSession]:
    """The sessions of the person's exhibition they attended, in time order."""
    return list(
        db.session.scalars(
            sa.select(ConferenceSession)
            .where(
                ConferenceSession.event_id == registration.event_id,
                attended_session(ConferenceSession.id, registration.id),
            )
            .order_by(ConferenceSession.starts_at, ConferenceSession.id)
        )
    )


# --- issuing -----------------------------------------------------------------------------------


def _scope(session: ConferenceSession | None) -> int:
    return session.id if session is not None else 0


def _find(registration_id: int, scope: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.registration_id == registration_id, Certificate.scope == scope
        )
    )


def _values(registration: Registration, session: ConferenceSession | None, now) -> dict:
    return {
        "event_id": registration.event_id,
        "registration_id": registration.id,
        "session_id": session.id if session is not None else None,
        "scope": _scope(session),
        "code": new_badge_code(),
        "name": registration.full_name,
        "issued_at": now,
    }


def issue(
    *,
    registration: Registration,
    session: ConferenceSession | None = None,
    now: datetime | None = None,
) -> Certificate:
    """The person's certificate for the exhibition (or the session), issued on first asking;
    NotAttended when the check-in shows no attendance, NoCertificate when the registration is
    cancelled or erased or the session is another exhibition's."""
    if registration.is_cancelled or registration.is_erased:
        raise NoCertificate()
    if session is not None and session.event_id != registration.event_id:
        raise NoCertificate()
    existing = _find(registration.id, _scope(session))
    if existing is not None:
        return existing
    if not has_attended(registration=registration, session=session):
        raise NotAttended()
    # Two clicks at once: one row, and both get it.
    values = _values(registration, session, now or utcnow())
    insert_unless_there(Certificate, values, key=("registration_id", "scope"), returning="id")
    return _find(registration.id, _scope(session))


def issue_all(
    *, event: Event, session: ConferenceSession | None = None, limit: int | None = None
) -> list[Certificate]:
    """The certificates of everyone eligible (issued now for those who had none), by name: one
    select of the people, one insert for each new certificate, one select of the certificates."""
    people = db.session.scalars(eligible(event=event, session=session).limit(limit)).all()
    have = issued(event=event, session=session)
    now = utcnow()
    missing = [p for p in people if p.id not in have]
    for registration in missing:
        values = _values(registration, session, now)
        insert_unless_there(Certificate, values, key=("registration_id", "scope"), returning="id")
    if missing:
        have = issued(event=event, session=session)
    return [have[p.id] for p in people]


def issued(*, event: Event, session: ConferenceSession | None = None) -> dict[int, Certificate]:
    """The certificates issued so far for the exhibition (or the session), by registration id."""
    return {
        c.registration_id: c
        for c in db.session.scalars(
            sa.select(Certificate).where(
                Certificate.event_id == event.id, Certificate.scope == _scope(session)
            )
        )
    }


def by_code(*, text: str) -> Certificate:
    """The certificate behind a typed or scanned code (hyphens and spaces ignored); NoCertificate
    for an unknown code and for a person since erased or cancelled."""
    code = normalize_badge_code(re.sub(r"[\s\-]", "", text or ""))
    certificate = (
        db.session.scalar(sa.select(Certificate).where(Certificate.code == code)) if code else None
    )
    if certificate is None:
        raise NoCertificate()
    registration = certificate.registration
    if registration.is_erased or registration.is_cancelled:
        raise NoCertificate()
    return certificate


def grouped(code: str) -> str:
    """A code as printed, in groups of four: "ABCD-EFGH-…"."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verification_url(certificate: Certificate) -> str:
    return public_url("certificates.verify", code=certificate.code)


def get_certificate(*, event: Event, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.event_id != event.id:
        raise NoCertificate()
    return certificate


def correct_name(*, certificate: Certificate, name: str, actor, now: datetime | None = None):
    """Print another name on the certificate (a typo, diacritics lost); audited with the old and
    the new name (erasure blanks both). The registration keeps its own name."""
    old = certificate.name
    if name == old:
        return certificate
    certificate.name = name
    certificate.name_corrected_at = now or utcnow()
    record(
        actor=actor,
        action="certificate.name_corrected",
        event=certificate.event,
        target=certificate,
        summary=certificate.code,
        details={"old": old, "new": name},
    )
    db.session.flush()
    return certificate


def erase(*, registration: Registration, placeholder: str) -> None:
    """The person is erased: their certificates print `placeholder` and no longer verify, and the
    names kept by corrections in the audit log are blanked."""
    ids = list(
        db.session.scalars(
            sa.select(Certificate.id).where(Certificate.registration_id == registration.id)
        )
    )
    if not ids:
        return
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id.in_(ids))
        .values(name=placeholder)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(AuditEntry)
        .where(
            AuditEntry.action == "certificate.name_corrected",
            AuditEntry.target_type == "certificate",
            AuditEntry.target_id.in_(ids),
        )
        .values(details={"old": placeholder, "new": placeholder})
        .execution_options(synchronize_session=False)
    )


# --- printing ----------------------------------------------------------------------------------


def _long_date(day: date, language: str) -> str:
    if language == "vi":
        return f"Ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    with force_locale("en"):
        return date_range(day, day)


@dataclass
class _Texts:
    """The parts of an exhibition's certificates that are the same on every page, per language."""

    title: str
    body: str
    session_body: str
    signatory_title: str
    signatory_name: str
    issuer: str
    event: str
    venue: str
    dates: str
    day: str
    hint: str


def _texts(template: CertificateTemplate, event: Event, language: str) -> _Texts:
    with force_locale(language):
        dates = date_range(event.starts_at.astimezone(event.tz), event.ends_at.astimezone(event.tz))
        hint = _("To verify: scan the QR code or open the address above.")
    return _Texts(
        title=template.tr("title", language),
        body=template.tr("body", language),
        session_body=template.tr("session_body", language),
        signatory_title=template.tr("signatory_title", language),
        signatory_name=template.signatory_name,
        issuer=event.tr("organiser", language),
        event=event.tr("name", language),
        venue=event.tr("venue", language),
        dates=dates,
        day=_long_date(event.last_day, language),
        hint=hint,
    )


def page_of(certificate: Certificate, texts: _Texts, language: str) -> certificate_pdf.Page:
    """What one certificate's page shows."""
    session = certificate.session
    registration = certificate.registration
    dates, day = texts.dates, texts.day
    if session is not None and session.starts_at is not None:
        local = session.starts_at.astimezone(certificate.event.tz).date()
        with force_locale(language):
            dates = date_range(local, local)
        day = _long_date(local, language)
    values = {
        "name": certificate.name,
        "organisation": registration.organisation or "",
        "event": texts.event,
        "venue": texts.venue,
        "dates": dates,
        "session": session.tr("title", language) if session is not None else "",
    }
    body = texts.session_body if session is not None else texts.body
    lines = []
    for line in body.splitlines():
        is_name = line.strip() == "{name}"
        text = fill(line, values).strip()
        if text:
            lines.append((text, is_name))
    return certificate_pdf.Page(
        issuer=texts.issuer,
        title=fill(texts.title, values),
        lines=tuple(lines),
        day=day,
        signatory_title=texts.signatory_title,
        signatory_name=texts.signatory_name,
        url=verification_url(certificate),
        code=grouped(certificate.code),
        hint=texts.hint,
    )


def render(*, certificates: list[Certificate], language: str | None = None) -> bytes:
    """The certificates as one PDF, each in its person's language (or `language`)."""
    pages = []
    cache: dict[tuple[int, str], _Texts] = {}
    for certificate in certificates:
        chosen = language or certificate.registration.language
        key = (certificate.event_id, chosen)
        if key not in cache:
            event = certificate.event
            cache[key] = _texts(template_of(event=event), event, chosen)
        pages.append(page_of(certificate, cache[key], chosen))
    return certificate_pdf.render(pages)

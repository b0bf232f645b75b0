"""A person's own data, as they can take it away (Law 91/2025/QH15 on personal data protection):
everything stored about their registration, in one JSON document."""

import sqlalchemy as sa

from ..badges.models import Certificate
from ..checkin.models import Scan
from ..dbtypes import iso_utc, utcnow
from ..exhibitors.lead_models import Lead
from ..extensions import db
from ..mail.models import OutboxMessage
from ..matchmaking import privacy as matchmaking_privacy
from ..programme.models import Invitation, SessionBooking
from .models import Registration


def export_personal_data(*, registration: Registration) -> dict:
    """The registration, consents, badge scans, sessions, invitations, e-mails and certificates
    of a person, and every exhibitor's record of them: their visits, what was shared with the
    exhibitor, and what the exhibitor wrote about them (notes, rating, tags, answers: data about
    the person)."""
    event = registration.event
    return {
        "exported_at": iso_utc(utcnow()),
        "controller": {
            "organiser": event.organiser_vi,
            "contact_email": event.contact_email,
            "event": event.name_vi,
        },
        "registration": _registration(registration),
        "consents": [_consent(c) for c in registration.consents],
        "scans": [_scan(s) for s in _of(registration, Scan, Scan.scanned_at)],
        "sessions": [
            _booking(b) for b in _of(registration, SessionBooking, SessionBooking.created_at)
        ],
        "invitations": [_invitation(i) for i in _of(registration, Invitation, Invitation.number)],
        "emails": [_message(m) for m in _of(registration, OutboxMessage, OutboxMessage.created_at)],
        "business_matching": matchmaking_privacy.export_of(registration=registration),
        "exhibitor_leads": [_lead(lead) for lead in _of(registration, Lead, Lead.first_scanned_at)],
        "certificates": [
            _certificate(c) for c in _of(registration, Certificate, Certificate.issued_at)
        ],
    }


def _of(registration: Registration, model, order) -> list:
    """The rows of `model` that belong to the registration, in `order`."""
    return db.session.scalars(
        sa.select(model).where(model.registration_id == registration.id).order_by(order)
    ).all()


def _registration(registration: Registration) -> dict:
    return {
        "full_name": registration.full_name,
        "email": registration.email if registration.has_email else None,
        "phone": registration.phone,
        "organisation": registration.organisation,
        "job_title": registration.job_title,
        "province": registration.province.name_vi if registration.province else None,
        "country": registration.country_code,
        "language": registration.language,
        "category": registration.category.name_vi,
        "sectors": [s.code for s in registration.sectors],
        "status": registration.status.value,
        "source": registration.source.value,
        "badge_code": registration.badge_code,
        "created_at": iso_utc(registration.created_at),
        "updated_at": iso_utc(registration.updated_at),
        "cancelled_at": iso_utc(registration.cancelled_at),
        "checked_in_at": iso_utc(registration.checked_in_at),
        "badge_printed_at": iso_utc(registration.badge_printed_at),
    }


def _consent(c) -> dict:
    return {
        "purpose": c.purpose.value,
        "granted": c.granted,
        "wording_version": c.wording_version,
        "recorded_at": iso_utc(c.recorded_at),
    }


def _scan(s: Scan) -> dict:
    return {
        "scanned_at": iso_utc(s.scanned_at),
        "checkpoint": s.checkpoint.name_vi if s.checkpoint else None,
        "session": s.session.title_vi if s.session else None,
        "type": s.type.value,
        "result": s.result.value,
        "undone": s.undone_at is not None,
    }


def _booking(b: SessionBooking) -> dict:
    return {
        "title": b.session.title_vi,
        "starts_at": iso_utc(b.session.starts_at),
        "status": b.status.value,
        "signed_up_at": iso_utc(b.created_at),
        "attended_at": iso_utc(b.attended_at),
    }


def _certificate(c: Certificate) -> dict:
    return {
        "name": c.name,
        "session": c.session.title_vi if c.session else None,
        "code": c.code,
        "issued_at": iso_utc(c.issued_at),
        "name_corrected_at": iso_utc(c.name_corrected_at),
    }


def _invitation(i: Invitation) -> dict:
    return {
        "number": i.number,
        "session": i.session.title_vi,
        "position": i.position,
        "organisation": i.organisation,
        "status": i.status.value,
        "answered_at": iso_utc(i.answered_at),
    }


def _message(m: OutboxMessage) -> dict:
    return {
        "subject": m.subject,
        "to": m.to_address,
        "kind": m.kind,
        "status": m.status.value,
        "created_at": iso_utc(m.created_at),
        "sent_at": iso_utc(m.sent_at),
    }


def _lead(lead: Lead) -> dict:
    exhibitor = lead.exhibitor
    return {
        "exhibitor": exhibitor.company_name_vi,
        "booths": [booth.code for booth in exhibitor.booths],
        "first_scanned_at": iso_utc(lead.first_scanned_at),
        "last_scanned_at": iso_utc(lead.last_scanned_at),
        "scans": [iso_utc(scan.scanned_at) for scan in lead.scans],
        "shared_at": iso_utc(lead.shared_at),
        "share": lead.share_source.value if lead.share_source else None,
        "shared_details": {
            "full_name": lead.name,
            "organisation": lead.organisation,
            "job_title": lead.job_title,
            "email": lead.email,
            "phone": lead.phone,
            "province": lead.province_code,
            "sectors": list(lead.sector_codes or []),
        }
        if lead.is_shared
        else None,
        "rating": lead.rating.value if lead.rating else None,
        "tags": list(lead.tags or []),
        "notes": [{"text": n.text, "written_at": iso_utc(n.created_at)} for n in lead.notes],
        "answers": [{"question": a.question.text_vi, "answer": a.answer} for a in lead.answers],
    }

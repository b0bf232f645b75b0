"""Certificates of attendance for the person (from "my registration") and their verification by
anyone holding the code (the QR code printed on the certificate)."""

from flask import Blueprint, Response, abort, g, render_template

from ..extensions import db, guess_limit, limiter
from ..programme.models import ConferenceSession
from ..visitors.services import get_by_manage_token
from . import certificates
from .certificates import NoCertificate, NotAttended

bp = Blueprint("certificates", __name__)

_PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


@bp.app_template_global("certificates_of")
def certificates_of(registration) -> dict | None:
    """For "my registration": whether the exhibition's certificate is there for the person, and
    the sessions whose certificate is (templates/badges/_manage_certificates.html)."""
    if registration.is_cancelled or registration.is_erased:
        return None
    return {
        "exhibition": certificates.has_attended(registration=registration),
        "sessions": certificates.sessions_attended(registration=registration),
    }


def _person(token: str):
    registration = get_by_manage_token(token=token)
    g.event = registration.event
    if registration.is_cancelled or registration.is_erased:
        abort(404)
    return registration


def _download(registration, session=None):
    try:
        certificate = certificates.issue(registration=registration, session=session)
    except NotAttended as error:
        page = render_template(
            "badges/not_attended.html",
            registration=registration,
            event=registration.event,
            session=session,
            message=error.message,
        )
        return page, error.status
    pdf = certificates.render(certificates=[certificate])
    db.session.commit()
    name = f"certificate-{session.id}" if session is not None else "certificate"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={**_PRIVATE, "Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@bp.get("/r/<token>/certificate.pdf")
@guess_limit
@limiter.limit("30 per minute")
def exhibition(token: str):
    """The person's certificate of attendance of the exhibition (A4 landscape PDF), or a page
    saying that the check-in shows no attendance."""
    return _download(_person(token))


@bp.get("/r/<token>/sessions/<int:session_id>/certificate.pdf")
@guess_limit
@limiter.limit("30 per minute")
def session(token: str, session_id: int):
    """The person's certificate of attendance of one conference session."""
    registration = _person(token)
    found = db.session.get(ConferenceSession, session_id)
    if found is None or found.event_id != registration.event_id:
        abort(404)
    return _download(registration, found)


@bp.get("/c/<code>")
@guess_limit
@limiter.limit("60 per minute")
def verify(code: str):
    """Anyone who scans a certificate's QR code sees whose it is, of which exhibition (or
    session) and when: never an e-mail address or a phone number."""
    try:
        certificate = certificates.by_code(text=code)
    except NoCertificate:
        abort(404)
    g.event = certificate.event
    return (
        render_template(
            "badges/verify.html",
            certificate=certificate,
            event=certificate.event,
            code=certificates.grouped(certificate.code),
        ),
        200,
        {"X-Robots-Tag": "noindex", "Cache-Control": "no-store"},
    )

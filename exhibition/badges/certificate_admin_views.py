"""Organisers' certificates of attendance: the exhibition's template, the people who may have one
(of the exhibition or of a session), all of them at once as one PDF or a ZIP of one PDF each,
and corrections of the name printed."""

import re
import tempfile
import zipfile

from flask import Response, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import ValidationError

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import both, describes, record, typed_name
from ..accounts.models import Role
from ..events.services import get_event
from ..extensions import db
from ..forms import AT_MOST, Form, text_area, text_field
from ..programme.models import ConferenceSession
from ..text import fold
from ..visitors.models import Registration
from . import certificates
from .certificates import NoCertificate, NotAttended, UnknownPlaceholders

bp = staff_blueprint("certificate_admin", __name__, url_prefix="/admin/events/<slug>/certificates")

MAX_BATCH = 5000  # certificates in one file
FORMATS = {"pdf": "PDF", "zip": "ZIP"}


@describes("certificates.generated")
def _describe_generated(d: dict) -> str:
    count = ngettext("%(num)s certificate", "%(num)s certificates", int(d["certificates"]))
    session = typed_name(d.get("session")) if d.get("session") else ""
    return " · ".join(filter(None, [count, FORMATS.get(d["format"], d["format"]), session]))


@describes("certificate.name_corrected")
def _describe_correction(d: dict) -> str:
    return f"{d['old']} → {d['new']}"


def _placeholders(form, field) -> None:
    problem = certificates.placeholder_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _body(label, *, required=None):
    return text_area(label, max=2000, required=required, message=AT_MOST)


def _title(label, *, required=None):
    return text_field(label, max=120, required=required, message=AT_MOST)


class TemplateForm(Form):
    title_vi = _title(_l("Title (Vietnamese)"), required=_l("Enter the title."))
    title_en = _title(_l("Title (English)"))
    body_vi = _body(_l("Text (Vietnamese)"), required=_l("Enter the text."))
    body_en = _body(_l("Text (English)"))
    session_body_vi = _body(_l("Text of a session's certificate (Vietnamese)"), required=_l("Enter the text."))  # fmt: skip
    session_body_en = _body(_l("Text of a session's certificate (English)"))
    signatory_name = text_field(_l("Signed by"), max=120, message=AT_MOST)
    signatory_title_vi = text_field(_l("Signatory's title (Vietnamese)"), max=200, message=AT_MOST)
    signatory_title_en = text_field(_l("Signatory's title (English)"), max=200, message=AT_MOST)

    # Each text may use only the fields certificates know (certificates.PLACEHOLDERS).
    validate_title_vi = validate_title_en = _placeholders
    validate_body_vi = validate_body_en = _placeholders
    validate_session_body_vi = validate_session_body_en = _placeholders


class NameForm(Form):
    name = text_field(
        _l("Name printed on the certificate"),
        max=120,
        required=_l("Enter the name."),
        message=AT_MOST,
        name=True,
    )


def _session(event, value) -> ConferenceSession | None:
    """The session chosen by its id in the query or the form; 404 when it is not this event's."""
    if value in (None, ""):
        return None
    if not re.fullmatch(r"[0-9]{1,9}", str(value)):
        abort(404)
    session = db.session.get(ConferenceSession, int(value))
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def _sessions(event) -> list[ConferenceSession]:
    return list(
        db.session.scalars(
            db.select(ConferenceSession)
            .where(ConferenceSession.event_id == event.id)
            .order_by(ConferenceSession.starts_at, ConferenceSession.id)
        )
    )


@bp.get("/")
@allow(Role.ORGANISER)
def index(slug: str):
    """Who may have a certificate (of the exhibition, or of the session chosen), with the name
    printed on each certificate issued so far."""
    g.event = event = get_event(slug=slug)
    session = _session(event, request.args.get("session"))
    people = list(db.session.scalars(certificates.eligible(event=event, session=session)))
    return render_template(
        "badges/certificates.html",
        event=event,
        session=session,
        sessions=_sessions(event),
        people=people,
        issued=certificates.issued(event=event, session=session),
        action_form=Form(),
        max_batch=MAX_BATCH,
    )


@bp.route("/template", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def template(slug: str):
    """The exhibition's certificate: title, text with fields, signatory."""
    g.event = event = get_event(slug=slug)
    current = certificates.template_of(event=event)
    form = TemplateForm(obj=current)
    if form.validate_on_submit():
        values = {name: form[name].data or "" for name in certificates.TEXT_FIELDS}
        try:
            certificates.save_template(event=event, values=values)
        except UnknownPlaceholders as error:  # the form checks first; kept for other callers
            db.session.rollback()
            form[error.field].errors = [str(error.message)]
        else:
            record(actor=current_user, action="certificates.template_saved", event=event)
            db.session.commit()
            flash(_("The certificate was saved."), "success")
            return redirect(url_for(".index", slug=slug))
    return render_template(
        "badges/certificate_template.html",
        event=event,
        form=form,
        placeholders=certificates.PLACEHOLDERS,
    ), (422 if form.errors else 200)


def _file_name(index: int, certificate) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", fold(certificate.name)).strip("-") or "certificate"
    return f"{index:04d}-{words[:60]}.pdf"


@bp.post("/generate")
@allow(Role.ORGANISER)
def generate(slug: str):
    """Every eligible person's certificate (issued now for those who had none) as one PDF, or
    as a ZIP of one PDF each, written one at a time to a temporary file that is streamed."""
    g.event = event = get_event(slug=slug)
    session = _session(event, request.form.get("session"))
    kind = request.form.get("format")
    if kind not in FORMATS:
        abort(400)
    issued = certificates.issue_all(event=event, session=session, limit=MAX_BATCH)
    if not issued:
        flash(_("Nobody has attended yet: there is no certificate to make."), "error")
        return redirect(url_for(".index", slug=slug, session=session.id if session else None))
    details = {"certificates": len(issued), "format": kind}
    if session is not None:
        details["session"] = both(session.title_vi, session.title_en)
    name = f"{event.slug}-certificates" + (f"-session-{session.id}" if session else "")
    if kind == "pdf":
        data = certificates.render(certificates=issued)
        record(actor=current_user, action="certificates.generated", event=event, details=details)
        db.session.commit()
        return Response(
            data,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}.pdf"',
                "Cache-Control": "no-store",
            },
        )
    spool = tempfile.TemporaryFile()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, certificate in enumerate(issued, start=1):
            archive.writestr(
                _file_name(index, certificate), certificates.render(certificates=[certificate])
            )
    record(actor=current_user, action="certificates.generated", event=event, details=details)
    db.session.commit()
    spool.seek(0)
    response = send_file(
        spool, mimetype="application/zip", as_attachment=True, download_name=f"{name}.zip"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _registration(event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


@bp.route("/people/<int:registration_id>/name", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def correct_name(slug: str, registration_id: int):
    """Correct the name printed on a person's certificate (issued now if it was not yet); the
    registration keeps its own name. Audited with the old and the new name."""
    g.event = event = get_event(slug=slug)
    registration = _registration(event, registration_id)
    session = _session(event, request.values.get("session"))
    if registration.is_cancelled or registration.is_erased:
        abort(404)
    certificate = certificates.issued(event=event, session=session).get(registration.id)
    if certificate is None and not certificates.has_attended(
        registration=registration, session=session
    ):
        abort(404)
    form = NameForm(data={"name": certificate.name if certificate else registration.full_name})
    if form.validate_on_submit():
        try:
            certificate = certificates.issue(registration=registration, session=session)
        except (NotAttended, NoCertificate):
            abort(404)
        certificates.correct_name(certificate=certificate, name=form.name.data, actor=current_user)
        db.session.commit()
        flash(_("The name on the certificate was corrected."), "success")
        return redirect(url_for(".index", slug=slug, session=session.id if session else None))
    return render_template(
        "badges/certificate_name.html",
        event=event,
        form=form,
        certificate=certificate,
        registration=registration,
        session=session,
    ), (422 if form.errors else 200)


@bp.get("/<int:certificate_id>.pdf")
@allow(Role.ORGANISER)
def single(slug: str, certificate_id: int):
    """One certificate, as its person receives it."""
    g.event = event = get_event(slug=slug)
    try:
        certificate = certificates.get_certificate(event=event, certificate_id=certificate_id)
    except NoCertificate:
        abort(404)
    registration = certificate.registration
    if registration.is_erased or registration.is_cancelled:
        abort(404)
    return Response(
        certificates.render(certificates=[certificate]),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="certificate-{certificate.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )

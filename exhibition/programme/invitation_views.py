"""Invitations to invitation-only sessions: organisers import and send; delegates answer."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired

from ..admin.access import allow, authorise
from ..admin.audit import record
from ..admin.models import Role
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events.services import get_event
from ..exports import export_language, export_response
from ..extensions import db, guess_limit, limiter
from ..forms import Form
from ..pagination import paginate
from . import invitations as services
from .models import InvitationStatus, PersonRole
from .services import get_session

admin_bp = Blueprint("invitations", __name__, url_prefix="/admin/events/<slug>/programme")
admin_bp.before_request(authorise)
bp = Blueprint("invitation", __name__, url_prefix="/invitations")


class DelegateImportForm(Form):
    file = FileField(
        _l("Delegates file (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a CSV or Excel file.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a CSV or Excel (.xlsx) file.")),
        ],
    )


# ------------------------------------------------------------------ organisers


def _page(event, session, form, report, status: int):
    wanted = request.args.get("status", "")
    stmt = services.invitations_query(session=session, status=wanted)
    return render_template(
        "programme/invitations.html",
        event=event,
        session=session,
        form=form,
        report=report,
        page=paginate(stmt, page=request.args.get("page", type=int), size=100),
        wanted=wanted,
        counts=services.counts(session=session),
        statuses=list(InvitationStatus),
        number_label=services.number_label,
        chairs=session.speakers_with(PersonRole.CHAIR),
        max_rows=services.MAX_ROWS,
    ), status


@admin_bp.route("/sessions/<int:session_id>/invitations", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def index(slug: str, session_id: int):
    """A session's invitations: import delegates, see who answered, send again, export."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=session_id)
    form = DelegateImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        report = services.import_delegates(
            session=session,
            data=upload.read(services.MAX_BYTES + 1),
            filename=upload.filename or "",
        )
        db.session.commit()  # the good rows are kept even when others were refused
    status = 422 if (report and report.errors) or form.errors else 200
    return _page(event, session, form, report, status)


@admin_bp.get("/sessions/<int:session_id>/invitations.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER)
def export(slug: str, session_id: int, kind: str):
    """The session's invitations (of one status, if filtered) as CSV or Excel."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=session_id)
    stmt = services.invitations_query(session=session, status=request.args.get("status", ""))
    language = export_language()
    with force_locale(language):
        rows = services.export_rows(stmt=stmt)
        record(
            actor=current_user,
            action="invitations.exported",
            event=event,
            target=session,
            target_type="session",
            summary=session.title_vi,
            details={"format": kind, "rows": len(rows), "language": language},
        )
        db.session.commit()
        stamp = utcnow().astimezone(event.tz).strftime("%Y%m%d-%H%M")
        return export_response(
            services.EXPORT_COLUMNS,
            rows,
            kind=kind,
            name=f"{event.slug}-session-{session.id}-invitations-{stamp}",
            tz=event.tz,
            language=language,
            title=_("Invitations"),
        )


@admin_bp.post("/sessions/<int:session_id>/invitations/<int:invitation_id>/resend")
@allow(Role.ORGANISER)
def resend(slug: str, session_id: int, invitation_id: int):
    """Send one invitation again (at most once per 10 minutes)."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=session_id)
    invitation = services.get_invitation(session=session, invitation_id=invitation_id)
    if Form().validate_on_submit():
        try:
            services.resend(invitation=invitation)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(
                _("The invitation has been sent again to %(email)s.", email=invitation.email),
                "success",
            )
    return redirect(url_for("invitations.index", slug=slug, session_id=session_id))


@admin_bp.post("/sessions/<int:session_id>/invitations/resend")
@allow(Role.ORGANISER)
def resend_pending(slug: str, session_id: int):
    """Send the invitation again to everyone who has not answered (and was not sent it lately)."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=session_id)
    if Form().validate_on_submit():
        count = services.resend_pending(session=session)
        db.session.commit()
        flash(_("Invitations sent again: %(count)s.", count=count), "success")
    return redirect(url_for("invitations.index", slug=slug, session_id=session_id))


# ------------------------------------------------------------------ delegates


def _invitation(token: str):
    invitation = services.get_by_token(token=token)
    g.event = invitation.event
    return invitation


@bp.get("/<token>")
@guess_limit
@limiter.limit("120 per minute")
def show(token: str):
    """The invitation with Accept and Decline buttons (answering is a POST), in its language."""
    invitation = _invitation(token)
    session = invitation.session
    context = dict(
        invitation=invitation,
        event=invitation.event,
        session=session,
        chairs=session.speakers_with(PersonRole.CHAIR),
        is_over=services.is_over(invitation),
        answer=request.args.get("answer", ""),
    )
    if request.args.get("lang") in ("vi", "en"):
        context["number"] = services.number_label(invitation.number)
        return render_template("programme/invitation.html", **context)
    with force_locale(invitation.language):
        context["number"] = services.number_label(invitation.number)
        return render_template("programme/invitation.html", **context)


def _answer(token: str, action):
    invitation = _invitation(token)
    if Form().validate_on_submit():
        try:
            action(invitation=invitation)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
    return redirect(url_for("invitation.show", token=token, lang=request.args.get("lang")))


@bp.post("/<token>/accept")
@guess_limit
@limiter.limit("30 per minute")
def accept(token: str):
    """Accept: a Delegate badge (e-mailed) and a seat in the session."""
    return _answer(token, services.accept)


@bp.post("/<token>/decline")
@guess_limit
@limiter.limit("30 per minute")
def decline(token: str):
    """Decline (after accepting: the seat is given back)."""
    return _answer(token, services.decline)

"""Invitations to invitation-only sessions, the organisers' side: import, send, export."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..exports import audited_export
from ..extensions import db, paginate
from ..forms import Form
from . import invitation_lists
from . import invitations as services
from .models import InvitationStatus, PersonRole, number_label
from .services import get_session

bp = staff_blueprint("invitations", __name__, url_prefix="/admin/events/<slug>/programme")


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
    stmt = invitation_lists.invitations_query(session=session, status=wanted)
    return render_template(
        "programme/invitations.html",
        event=event,
        session=session,
        form=form,
        report=report,
        page=paginate(stmt, per_page=100),
        wanted=wanted,
        counts=invitation_lists.counts(session=session),
        statuses=list(InvitationStatus),
        number_label=number_label,
        chairs=session.speakers_with(PersonRole.CHAIR),
        max_rows=services.MAX_ROWS,
    ), status


@bp.route("/sessions/<int:session_id>/invitations", methods=["GET", "POST"])
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


@bp.get("/sessions/<int:session_id>/invitations.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER)
def export(slug: str, session_id: int, kind: str):
    """The session's invitations (of one status, if filtered) as CSV or Excel."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=session_id)
    stmt = invitation_lists.invitations_query(
        session=session, status=request.args.get("status", "")
    )
    return audited_export(
        event=event,
        kind=kind,
        name=f"session-{session.id}-invitations",
        columns=invitation_lists.EXPORT_COLUMNS,
        rows=lambda: invitation_lists.export_rows(stmt=stmt),
        title=_l("Invitations"),
        action="invitations.exported",
        target=session,
        target_type="session",
        summary=session.title_vi,
    )


@bp.post("/sessions/<int:session_id>/invitations/<int:invitation_id>/resend")
@allow(Role.ORGANISER)
def resend(slug: str, session_id: int, invitation_id: int):
    """Send one invitation again (at most once per 10 minutes)."""
    g.event = event = get_event(slug=slug)
    session = get_session(event=event, session_id=session_id)
    invitation = invitation_lists.get_invitation(session=session, invitation_id=invitation_id)
    if Form().validate_on_submit():
        with refused() as refusal:
            services.resend(invitation=invitation)
        if not refusal:
            db.session.commit()
            flash(
                _("The invitation has been sent again to %(email)s.", email=invitation.email),
                "success",
            )
    return redirect(url_for("invitations.index", slug=slug, session_id=session_id))


@bp.post("/sessions/<int:session_id>/invitations/resend")
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

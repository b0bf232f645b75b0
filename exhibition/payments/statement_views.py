"""Organisers and finance staff import bank statements and keep the bank profiles that read them."""

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role, User
from ..errors import DomainError
from ..events.services import get_event
from ..extensions import db
from ..forms import Form, choices
from ..security import allow_large_uploads
from . import services, statements
from .models import StatementImport

bp = staff_blueprint("statements", __name__, url_prefix="/admin/events/<slug>/payments/statements")

# A year of a busy account's statement is larger than the site-wide upload limit.
allow_large_uploads(bp, {"statements.index"}, statements.MAX_BYTES + 1_000_000)


class UploadForm(Form):
    profile = SelectField(
        _l("Bank profile"), validators=[InputRequired(_l("Choose the bank profile of the file."))]
    )
    file = FileField(
        _l("Statement file (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a CSV or Excel file.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a CSV or Excel (.xlsx) file.")),
        ],
    )


class ProfileForm(Form):
    name = StringField(_l("Name of the profile"))
    date = StringField(statements.COLUMNS["date"])
    credit = StringField(statements.COLUMNS["credit"])
    debit = StringField(statements.COLUMNS["debit"])
    amount = StringField(statements.COLUMNS["amount"])
    memo = StringField(statements.COLUMNS["memo"])
    reference = StringField(statements.COLUMNS["reference"])
    counterparty = StringField(statements.COLUMNS["counterparty"])


@bp.route("", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.FINANCE)
def index(slug: str):
    """Upload a statement; the imports made so far."""
    g.event = event = get_event(slug=slug)
    profiles = statements.profiles_of(event)
    form = UploadForm()
    form.profile.choices = choices([("", _l("Choose…"))] + [(str(p.id), p.name) for p in profiles])
    if len(profiles) == 1 and not form.is_submitted():
        form.profile.data = str(profiles[0].id)  # the one bank the exhibition uses
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            try:
                profile = statements.get_profile(event=event, profile_id=int(form.profile.data))
                summary = statements.import_statement(
                    event=event,
                    profile=profile,
                    data=upload.read(statements.MAX_BYTES + 1),
                    filename=upload.filename or "",
                    user=current_user,
                )
            except statements.StatementRefused as error:
                db.session.rollback()
                problems = error.problems
            except (DomainError, ValueError) as error:
                db.session.rollback()
                form.form_errors.append(str(getattr(error, "message", error)))
            else:
                db.session.commit()
                return redirect(
                    url_for(".detail", slug=slug, import_id=summary.statement.id, done=1)
                )
        status = 422
    imports = statements.imports_of(event)
    return render_template(
        "payments/statements/index.html",
        event=event,
        form=form,
        profiles=profiles,
        problems=problems[: statements.SHOWN_PROBLEMS],
        more=max(len(problems) - statements.SHOWN_PROBLEMS, 0),
        imports=imports,
        users=_names({item.user_id for item in imports} | set()),
        has_account=services.settings_of(event) is not None,
        max_rows=statements.MAX_ROWS,
        max_mb=statements.MAX_BYTES // 1_000_000,
    ), status


def _names(user_ids: set) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {
        u.id: u.name or u.email for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    }


@bp.get("/<int:import_id>")
@allow(Role.ORGANISER, Role.FINANCE)
def detail(slug: str, import_id: int):
    """What an import read and what its new transactions did."""
    g.event = event = get_event(slug=slug)
    found = statements.get_import(event=event, import_id=import_id)
    earlier = db.session.scalar(
        sa.select(StatementImport)
        .where(
            StatementImport.event_id == event.id,
            StatementImport.sha256 == found.sha256,
            StatementImport.id < found.id,
        )
        .order_by(StatementImport.id)
        .limit(1)
    )
    return render_template(
        "payments/statements/detail.html",
        event=event,
        statement=found,
        outcomes=statements.outcomes_of(found),
        order=statements.OUTCOME_ORDER,
        earlier=earlier,
        who=_names({found.user_id}).get(found.user_id, ""),
        just_done=request.args.get("done") == "1",
    )


@bp.get("/profiles")
@allow(Role.ORGANISER, Role.FINANCE)
def profiles(slug: str):
    """The bank profiles of the exhibition, and the banks' presets to start one from."""
    g.event = event = get_event(slug=slug)
    return render_template(
        "payments/statements/profiles.html",
        event=event,
        profiles=statements.profiles_of(event),
        presets=statements.PRESETS,
        columns=statements.COLUMNS,
    )


def _profile_page(event, form, profile=None):
    if form.validate_on_submit():
        columns = {key: getattr(form, key).data or "" for key in statements.COLUMNS}
        try:
            statements.save_profile(
                event=event,
                name=form.name.data or "",
                columns=columns,
                profile=profile,
                user=current_user,
            )
        except statements.InvalidProfile as error:
            db.session.rollback()
            for key, message in error.problems.items():
                getattr(form, key).errors = [*getattr(form, key).errors, message]
        else:
            db.session.commit()
            flash(_("The bank profile is saved."), "success")
            return redirect(url_for(".profiles", slug=event.slug))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "payments/statements/profile_form.html",
        event=event,
        form=form,
        profile=profile,
        presets=statements.PRESETS,
    ), status


@bp.route("/profiles/new", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.FINANCE)
def new_profile(slug: str):
    """A new bank profile, from a bank's preset or blank."""
    g.event = event = get_event(slug=slug)
    form = ProfileForm()
    preset = statements.PRESETS.get(request.args.get("preset", ""))
    if request.method == "GET" and preset is not None:
        form.name.data = preset.name
        for key in statements.COLUMNS:
            getattr(form, key).data = preset.columns.get(key, "")
    return _profile_page(event, form)


@bp.route("/profiles/<int:profile_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.FINANCE)
def edit_profile(slug: str, profile_id: int):
    """Change a bank profile's name or headers."""
    g.event = event = get_event(slug=slug)
    profile = statements.get_profile(event=event, profile_id=profile_id)
    form = ProfileForm()
    if request.method == "GET":
        form.name.data = profile.name
        for key in statements.COLUMNS:
            getattr(form, key).data = (profile.columns or {}).get(key, "")
    return _profile_page(event, form, profile)

"""Organisers import visitors from a CSV or Excel file (see importing.py)."""

from flask import g, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..errors import DomainError
from ..events.services import get_event
from ..exports import export_response
from ..extensions import db
from ..forms import Form, choices
from ..i18n import current_language
from ..security import allow_large_uploads
from . import importing
from .categories import all_categories

bp = staff_blueprint("visitor_import", __name__, url_prefix="/admin/events/<slug>")

SHOWN_PROBLEMS = 500  # rows listed on the page; the rest is counted


# Lists of tens of thousands of people are larger than the site-wide upload limit.
allow_large_uploads(bp, {"visitor_import.upload"}, importing.MAX_BYTES + 1_000_000)


class VisitorImportForm(Form):
    file = FileField(
        _l("Visitors file (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a CSV or Excel file.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a CSV or Excel (.xlsx) file.")),
        ],
    )
    category = SelectField(_l("Category of the rows that name none"))
    send_confirmations = BooleanField(
        _l("E-mail each person imported the confirmation with the badge")
    )
    consent = BooleanField(
        _l(
            "The people in this file agreed to the processing of their personal data for this"
            " exhibition (registration, badge, check-in)."
        ),
        validators=[DataRequired(_l("People can only be imported with this confirmation."))],
    )


@bp.get("/registrations/import/template.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER)
def template(slug: str, kind: str):
    """A file to fill in and import: the headers in the page's language and one example row."""
    event = get_event(slug=slug)
    language = current_language()
    header, rows = importing.template_table(event=event, language=language)
    name = "mau-nhap-khach" if language == "vi" else "visitors-template"
    return export_response(
        header, rows, kind=kind, name=f"{event.slug}-{name}", tz=event.tz, language=language
    )


@bp.route("/registrations/import", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def upload(slug: str):
    """Import visitors: a badge for each good row, the other rows reported by row number."""
    g.event = event = get_event(slug=slug)
    form = VisitorImportForm()
    categories = all_categories(event=event)
    form.category.choices = choices(
        [("", _l("None: each row names its category"))]
        + [(c.code, f"{c.tr('name')} ({c.code})") for c in categories]
    )
    report = None
    if form.validate_on_submit():
        upload_ = form.file.data
        try:
            report = importing.import_visitors(
                event=event,
                data=upload_.read(importing.MAX_BYTES + 1),
                filename=upload_.filename or "",
                category_code=form.category.data or None,
                send_confirmations=form.send_confirmations.data,
                consent_confirmed=form.consent.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()  # the good rows are kept even when others were refused
    status = 422 if (report and report.problems) or form.errors else 200
    return render_template(
        "visitors/import.html",
        event=event,
        form=form,
        report=report,
        shown=SHOWN_PROBLEMS,
        max_rows=importing.MAX_ROWS,
        categories=categories,
    ), status

"""E-invoice data for the organiser's accounting: what is waiting for an e-invoice, its export,
recording an e-invoice issued elsewhere, and the "adjust or replace" tasks."""

from datetime import date, datetime

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import ValidationError

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..dbtypes import utcnow
from ..errors import refused
from ..events.services import get_event
from ..exports import audited_export
from ..extensions import db
from ..forms import Form, text_field
from . import einvoices
from .models import RequestState
from .services import get_request

bp = staff_blueprint("einvoices", __name__, url_prefix="/admin/events/<slug>/payments/einvoices")

DAY_FORMAT = "%d/%m/%Y"


def _checked(problem_of):
    """A field check from one of einvoices' `*_problem` functions (None when fine)."""

    def check(form, field):
        problem = problem_of(field.data or "")
        if problem:
            raise ValidationError(problem)

    return check


def _day(form, field) -> None:
    try:
        form.day = datetime.strptime(field.data or "", DAY_FORMAT).date()
    except ValueError as error:
        raise ValidationError(
            _l("Enter the date as day/month/year, such as 05/12/2026.")
        ) from error
    if form.payment_request is None:
        return
    problem = einvoices.date_problem(form.day, form.payment_request, form.today)
    if problem:
        raise ValidationError(problem)


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class EinvoiceForm(Form):
    """The e-invoice accounting issued: as printed on it."""

    number = text_field(
        _l("E-invoice number"),
        required=_l("Enter the e-invoice's number."),
        max=None,
        checks=(_checked(einvoices.number_problem),),
    )
    symbol = text_field(
        _l("Symbol"),
        required=_l("Enter the e-invoice's symbol."),
        max=None,
        checks=(_checked(lambda value: einvoices.symbol_problem(_upper(value), None)),),
    )
    issued_on = text_field(
        _l("Date of the e-invoice"),
        required=_l("Enter the e-invoice's date."),
        max=None,
        checks=(_day,),
    )
    url = text_field(
        _l("Lookup link"),
        required=_l("Enter the link where the e-invoice can be looked up."),
        max=None,
        checks=(_checked(einvoices.url_problem),),
    )

    def __init__(self, *args, payment_request=None, today: date | None = None, **kwargs):
        """`payment_request` and `today` bound the date (the views always give them)."""
        super().__init__(*args, **kwargs)
        self.payment_request, self.today, self.day = payment_request, today, None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            problem = einvoices.symbol_problem(_upper(self.symbol.data), self.day)
            if problem:
                self.symbol.errors = [*self.symbol.errors, problem]
                valid = False
        return valid


class TaskDoneForm(Form):
    note = text_field(
        _l("How the e-invoice was adjusted or replaced"),
        required=_l("Say how the e-invoice was adjusted or replaced."),
        max=200,
        message=_l("At most 200 characters."),
    )


@bp.get("/")
@allow(Role.ORGANISER, Role.FINANCE)
def index(slug: str):
    """Money collected with no e-invoice recorded yet, and the e-invoices recorded."""
    g.event = event = get_event(slug=slug)
    waiting = einvoices.awaiting(event)
    return render_template(
        "payments/einvoices.html",
        event=event,
        waiting=waiting,
        recorded=einvoices.recorded(event),
        collected_on=einvoices.collected_on,
        exportable=sum(1 for r in waiting if r.state is RequestState.PAID),
        open_tasks=sum(1 for t in einvoices.tasks(event) if t.done_at is None),
    )


@bp.get("/export.xlsx")
@allow(Role.ORGANISER, Role.FINANCE)
def export(slug: str):
    """Paid requests without an e-invoice, a row per line, for accounting's e-invoice software."""
    g.event = event = get_event(slug=slug)
    return audited_export(
        event=event,
        kind="xlsx",
        name="einvoices",
        columns=einvoices.EXPORT_COLUMNS,
        rows=lambda: einvoices.export_rows(event),
        title=_l("E-invoice data"),
        action="payments.einvoice_exported",
    )


@bp.route("/<int:request_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER, Role.FINANCE)
def record(slug: str, request_id: int):
    """Record the e-invoice issued for a request (again, to correct it)."""
    g.event = event = get_event(slug=slug)
    with refused() as refusal:
        payment_request = get_request(event=event, request_id=request_id)
    if refusal:
        return redirect(url_for("einvoices.index", slug=slug))
    today = utcnow().astimezone(event.tz).date()
    form = EinvoiceForm(payment_request=payment_request, today=today)
    if not form.is_submitted() and payment_request.einvoice_recorded_at is not None:
        form.number.data = payment_request.einvoice_number
        form.symbol.data = payment_request.einvoice_symbol
        form.issued_on.data = payment_request.einvoice_date.strftime(DAY_FORMAT)
        form.url.data = payment_request.einvoice_url
    due = payment_request.paid_vnd > 0 and payment_request.state in einvoices.COLLECTED
    if due and form.validate_on_submit():
        again = payment_request.einvoice_recorded_at is not None
        with refused() as refusal:
            einvoices.record_einvoice(
                request=payment_request,
                number=form.number.data,
                symbol=form.symbol.data,
                issued_on=form.day,
                url=form.url.data,
                user=current_user,
            )
        if not refusal:
            db.session.commit()
            flash(
                _("The e-invoice has been corrected.")
                if again
                else _("The e-invoice has been recorded."),
                "success",
            )
            return redirect(url_for("einvoices.index", slug=slug))
    return render_template(
        "payments/einvoice_record.html",
        event=event,
        payment_request=payment_request,
        buyer=einvoices.buyer_of(payment_request),
        collected=einvoices.collected_on(payment_request),
        due=due,
        form=form,
    ), (422 if form.is_submitted() else 200)


@bp.get("/tasks")
@allow(Role.ORGANISER, Role.FINANCE)
def tasks(slug: str):
    """E-invoices to adjust or replace because their buyer's data changed."""
    g.event = event = get_event(slug=slug)
    return _tasks(event)


def _task_form(task_id: int, formdata=None) -> TaskDoneForm:
    """Each task's form has its own field names (and ids) on the page of all tasks."""
    if formdata is None:
        return TaskDoneForm(formdata=None, prefix=f"task-{task_id}")
    return TaskDoneForm(prefix=f"task-{task_id}")


def _tasks(event, failed: TaskDoneForm | None = None, failed_id: int | None = None, status=200):
    listed = einvoices.tasks(event)
    forms = {task.id: _task_form(task.id) for task in listed if task.done_at is None}
    if failed is not None and failed_id in forms:
        forms[failed_id] = failed
    return render_template(
        "payments/einvoice_tasks.html",
        event=event,
        tasks=listed,
        forms=forms,
        fields=einvoices.BUYER_FIELDS,
    ), status


@bp.post("/tasks/<int:task_id>/done")
@allow(Role.ORGANISER, Role.FINANCE)
def task_done(slug: str, task_id: int):
    """Accounting adjusted or replaced the e-invoice: the task is done, with how."""
    g.event = event = get_event(slug=slug)
    with refused() as refusal:
        task = einvoices.get_task(event=event, task_id=task_id)
    if refusal:
        return redirect(url_for("einvoices.tasks", slug=slug))
    form = _task_form(task_id, formdata=True)
    if form.validate_on_submit():
        with refused() as refusal:  # done already by someone else: said as a message
            einvoices.complete_task(task=task, note=form.note.data, user=current_user)
        if not refusal:
            db.session.commit()
            flash(_("The task is done."), "success")
        return redirect(url_for("einvoices.tasks", slug=slug))
    return _tasks(event, form, task_id, 422)

"""E-invoice data: the system issues no e-invoice; the organiser's accounting does, in its own
software (MISA, VNPT, Viettel, ...), from the buyer data and lines exported here, and records the
e-invoice's number, symbol, date and lookup link back on the request.

For a service the invoice is due when the money is collected (Decree 123/2020, art. 9), so the
requests with money received and no e-invoice recorded are listed as waiting. The buyer named by
a recorded e-invoice is kept with it (`einvoice_buyer`); when the company's data later differs,
`note_buyer_change` leaves an "adjust or replace" task for accounting, never a silent edit.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.audit import record
from ..accounts.models import User
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..events.models import Event
from ..exhibitors.models import Exhibitor, format_tax_code
from ..exports import chunked
from ..extensions import db
from ..i18n import current_language
from ..reference.models import Province
from .models import InvoiceTask, PaymentRequest, RequestState

# Money has been collected on these (a refund due was paid before it was cancelled): an
# e-invoice may be recorded for them, and the portal shows it.
COLLECTED = (RequestState.PARTIALLY_PAID, RequestState.PAID, RequestState.REFUND_DUE)
# Money collected and kept: the e-invoice is due (not for money that is going back).
DUE = (RequestState.PARTIALLY_PAID, RequestState.PAID)

# Circular 78/2021: the invoice type (1 digit), C (with the tax authority's code) or K (without),
# the year of issue (2 digits), the kind of e-invoice (1 letter), two letters the seller chooses.
SYMBOL = re.compile(r"[1-9][CK][0-9]{2}[A-Z][A-Z]{2}")
NUMBER = re.compile(r"[0-9]{1,8}")  # Decree 123/2020: at most 8 digits
URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?", re.IGNORECASE)
MAX_URL = 500

BUYER_FIELDS = ("name", "tax_code", "address", "email")


class EinvoiceNotDue(DomainError):
    code = "einvoice_not_due"
    status = 409
    message = _l("No money has been received on this request: there is nothing to invoice yet.")


class InvalidEinvoice(DomainError):
    code = "invalid_einvoice"
    status = 422
    message = _l("Check the e-invoice's number, symbol, date and lookup link.")


class TaskNotFound(NotFound):
    code = "invoice_task_not_found"
    message = _l("This task does not exist.")


class TaskDone(Conflict):
    code = "invoice_task_done"
    message = _l("Someone has already marked this task done. Reload the page to see it.")


# --- the buyer ---------------------------------------------------------------------------------


def province_words(province: Province) -> str:
    """A province as an address writes it: "Thành phố Hải Phòng", "Tỉnh Ninh Bình"."""
    return f"{'Thành phố' if province.kind == 'city' else 'Tỉnh'} {province.name_vi}"


def buyer_address(exhibitor: Exhibitor) -> str:
    """The company's address as an invoice writes it: street, commune, province (on the map of
    34 provinces since July 2025), in Vietnamese."""
    parts = [
        exhibitor.street.strip(),
        exhibitor.commune.strip(),
        province_words(exhibitor.province),
    ]
    return ", ".join(part for part in parts if part)


def buyer_of(request: PaymentRequest) -> dict[str, str]:
    """The buyer as an e-invoice for this request names it today."""
    exhibitor = request.exhibitor
    return {
        "name": exhibitor.company_name_vi.strip(),
        "tax_code": format_tax_code(exhibitor.tax_code),
        "address": buyer_address(exhibitor),
        "email": request.invoice_email or exhibitor.contact_email,
    }


# --- the lists ---------------------------------------------------------------------------------


def collected_on(request: PaymentRequest) -> date | None:
    """The day the money was collected: the bank's day of the last transfer counted on it."""
    days = [t.booked_on for t in request.transactions if t.applied_vnd > 0]
    if days:
        return max(days)
    if request.paid_at is not None:
        return request.paid_at.astimezone(request_tz(request)).date()
    return None


def request_tz(request: PaymentRequest):
    return db.session.get(Event, request.event_id).tz


def _requests(event: Event):
    return (
        sa.select(PaymentRequest)
        .where(PaymentRequest.event_id == event.id, PaymentRequest.state.in_(COLLECTED))
        .options(
            selectinload(PaymentRequest.exhibitor).selectinload(Exhibitor.province),
            selectinload(PaymentRequest.lines),
            selectinload(PaymentRequest.transactions),
        )
    )


def _awaiting(event: Event, states=DUE):
    return (
        _requests(event)
        .where(
            PaymentRequest.state.in_(states),
            PaymentRequest.paid_vnd > 0,
            PaymentRequest.einvoice_recorded_at.is_(None),
        )
        .order_by(PaymentRequest.paid_at, PaymentRequest.id)
    )


def awaiting(event: Event) -> list[PaymentRequest]:
    """Requests with money collected and no e-invoice recorded: the invoice is due."""
    return list(db.session.scalars(_awaiting(event)))


def recorded(event: Event) -> list[PaymentRequest]:
    """Requests whose e-invoice is recorded, the latest first."""
    return list(
        db.session.scalars(
            _requests(event)
            .where(PaymentRequest.einvoice_recorded_at.is_not(None))
            .order_by(PaymentRequest.einvoice_recorded_at.desc(), PaymentRequest.id.desc())
        )
    )


def recorded_of(exhibitor: Exhibitor) -> list[PaymentRequest]:
    """The company's requests with an e-invoice recorded, for its portal."""
    return list(
        db.session.scalars(
            sa.select(PaymentRequest)
            .where(
                PaymentRequest.exhibitor_id == exhibitor.id,
                PaymentRequest.state.in_(COLLECTED),
                PaymentRequest.einvoice_recorded_at.is_not(None),
            )
            .order_by(PaymentRequest.einvoice_date, PaymentRequest.id)
        )
    )


# --- the export --------------------------------------------------------------------------------

# Headers as accounting software's import templates name the fields (Vietnamese by default).
EXPORT_COLUMNS = [
    _l("Payment reference"),
    _l("Buyer's legal name"),
    _l("Buyer's tax code"),
    _l("Buyer's address"),
    _l("E-mail for the e-invoice"),
    _l("Buyer's contact person"),
    _l("Date collected"),
    _l("Line no."),
    _l("Goods or service"),
    _l("Quantity"),
    _l("Unit price (VND)"),
    _l("Amount before VAT (VND)"),
    _l("VAT rate (%)"),
    _l("VAT amount (VND)"),
    _l("Line total (VND)"),
    _l("Request total before VAT (VND)"),
    _l("Request VAT (VND)"),
    _l("Request total (VND)"),
]


def to_invoice(event: Event) -> list[PaymentRequest]:
    """Paid requests without a recorded e-invoice: what accounting invoices next."""
    return [r for r in awaiting(event) if r.state is RequestState.PAID]


def export_rows(event: Event) -> Iterator[list]:
    """One row per line of each paid request without an e-invoice (those of `to_invoice`, read
    a chunk at a time as the rows are taken), in the export's language (the lines'
    descriptions; the buyer stays as the invoice names it, in Vietnamese)."""
    language = current_language()
    for request in chunked(_awaiting(event, states=[RequestState.PAID])):
        buyer = buyer_of(request)
        totals = [request.net_vnd, request.vat_vnd, request.net_vnd + request.vat_vnd]
        for number, line in enumerate(request.lines, start=1):
            yield (
                [
                    request.reference,
                    buyer["name"],
                    buyer["tax_code"],
                    buyer["address"],
                    buyer["email"],
                    request.exhibitor.contact_name,
                    collected_on(request),
                    number,
                    line.description(language),
                    line.quantity,
                    line.unit_price_vnd,
                    line.net_vnd,
                    line.vat_rate,
                    line.vat_vnd,
                    line.gross_vnd,
                    *totals,
                ]
            )


# --- recording an e-invoice --------------------------------------------------------------------


def number_problem(number: str) -> str | None:
    if not NUMBER.fullmatch(number) or int(number) == 0:
        return str(_l("The e-invoice number is 1 to 8 digits, such as 123 or 00000123."))
    return None


def symbol_problem(symbol: str, issued_on: date | None) -> str | None:
    if not SYMBOL.fullmatch(symbol):
        return str(
            _l(
                "The symbol has 7 characters, such as 1C26TAA: the invoice type (a digit), C or K,"
                " the year's last two digits, a letter for the kind of e-invoice, and two letters."
            )
        )
    if issued_on is not None and int(symbol[2:4]) != issued_on.year % 100:
        return str(
            _l(
                "The symbol's year (%(year)s) is not the year of the e-invoice's date.",
                year=symbol[2:4],
            )
        )
    return None


def date_problem(issued_on: date, request: PaymentRequest, today: date) -> str | None:
    if issued_on > today:
        return str(_l("The e-invoice's date cannot be in the future."))
    created = request.created_at.astimezone(request_tz(request)).date()
    if issued_on < created:
        return str(_l("The e-invoice's date cannot be before the payment request was made."))
    return None


def url_problem(url: str) -> str | None:
    if len(url) > MAX_URL or not URL.fullmatch(url):
        return str(
            _l(
                "Enter the lookup link as the e-invoice gives it, starting with https:// or http://."
            )
        )
    return None


def record_einvoice(
    *,
    request: PaymentRequest,
    number: str,
    symbol: str,
    issued_on: date,
    url: str,
    user: User | None = None,
    now: datetime | None = None,
) -> PaymentRequest:
    """Record the e-invoice accounting issued for the request, with the buyer it names. Recording
    again corrects it (the previous values stay in the audit log)."""
    now = now or utcnow()
    db.session.refresh(request, with_for_update=True)
    if request.paid_vnd <= 0 or request.state not in COLLECTED:
        raise EinvoiceNotDue()
    number, symbol, url = number.strip(), symbol.strip().upper(), url.strip()
    today = now.astimezone(request_tz(request)).date()
    problem = (
        number_problem(number)
        or symbol_problem(symbol, issued_on)
        or date_problem(issued_on, request, today)
        or url_problem(url)
    )
    if problem:
        raise InvalidEinvoice(problem)
    before = None
    if request.einvoice_recorded_at is not None:
        before = {
            "number": request.einvoice_number,
            "symbol": request.einvoice_symbol,
            "date": request.einvoice_date.isoformat() if request.einvoice_date else "",
            "url": request.einvoice_url,
        }
    request.einvoice_number = number
    request.einvoice_symbol = symbol
    request.einvoice_date = issued_on
    request.einvoice_url = url
    request.einvoice_recorded_at = now
    request.einvoice_buyer = buyer_of(request)
    db.session.flush()
    details = {
        "reference": request.reference,
        "number": number,
        "symbol": symbol,
        "date": issued_on.isoformat(),
    }
    if before is not None:
        details["before"] = before
    record(
        actor=user,
        action="payments.einvoice_recorded",
        event=db.session.get(Event, request.event_id),
        target=request,
        summary=f"{request.reference} {symbol} {number}",
        details=details,
    )
    return request


# --- a change of buyer -------------------------------------------------------------------------


def note_buyer_change(exhibitor: Exhibitor) -> list[InvoiceTask]:
    """After the company's data is saved: for each of its requests with a recorded e-invoice whose
    buyer now reads differently, an "adjust or replace" task with the buyer before and after
    (unless an open task already asks for the same). Call it from every view that saves a
    company's profile, before the commit."""
    db.session.flush()
    requests = db.session.scalars(
        sa.select(PaymentRequest)
        .where(
            PaymentRequest.exhibitor_id == exhibitor.id,
            PaymentRequest.einvoice_recorded_at.is_not(None),
        )
        .order_by(PaymentRequest.id)
    )
    made = []
    for request in requests:
        before = {key: request.einvoice_buyer.get(key, "") for key in BUYER_FIELDS}
        after = buyer_of(request)
        if before == after:
            continue
        if any(task.after == after for task in open_tasks_of(request)):
            continue
        task = InvoiceTask(request_id=request.id, before=before, after=after)
        db.session.add(task)
        made.append(task)
    db.session.flush()
    return made


def open_tasks_of(request: PaymentRequest) -> list[InvoiceTask]:
    return list(
        db.session.scalars(
            sa.select(InvoiceTask)
            .where(InvoiceTask.request_id == request.id, InvoiceTask.done_at.is_(None))
            .order_by(InvoiceTask.id)
        )
    )


def tasks(event: Event) -> list[InvoiceTask]:
    """The exhibition's tasks: open ones first (oldest first), then the done ones."""
    return list(
        db.session.scalars(
            sa.select(InvoiceTask)
            .join(PaymentRequest)
            .where(PaymentRequest.event_id == event.id)
            .options(selectinload(InvoiceTask.request).selectinload(PaymentRequest.exhibitor))
            .order_by(InvoiceTask.done_at.is_not(None), InvoiceTask.done_at.desc(), InvoiceTask.id)
        )
    )


def get_task(*, event: Event, task_id: int) -> InvoiceTask:
    task = db.session.get(InvoiceTask, task_id)
    if task is None or task.request.event_id != event.id:
        raise TaskNotFound()
    return task


def complete_task(
    *, task: InvoiceTask, note: str, user: User | None = None, now: datetime | None = None
) -> InvoiceTask:
    """Accounting adjusted or replaced the e-invoice (the note says how): the e-invoice now names
    the buyer as the task's `after`, unless it was recorded again since the task was made."""
    now = now or utcnow()
    db.session.refresh(task, with_for_update=True)
    if task.done_at is not None:
        raise TaskDone()
    note = note.strip()
    if not note:
        raise DomainError(
            _l("Say how the e-invoice was adjusted or replaced."), code="note_required", status=422
        )
    request = task.request
    task.done_at, task.done_by_id, task.note = now, user.id if user else None, note[:500]
    if request.einvoice_recorded_at is None or request.einvoice_recorded_at <= task.created_at:
        request.einvoice_buyer = dict(task.after)
    db.session.flush()
    record(
        actor=user,
        action="payments.invoice_task_done",
        event=db.session.get(Event, request.event_id),
        target_type="invoice_task",
        target_id=task.id,
        summary=f"{request.reference} {request.einvoice_symbol} {request.einvoice_number}",
        details={"reference": request.reference, "request": request.id},
    )
    return task

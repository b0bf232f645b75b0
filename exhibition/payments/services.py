"""Payment requests for booth fees: the exhibition's receiving account and rules, requests and
their lines, cancelling, the floor plan's sold and reserved booths, reminders and expiry.

A request is made when an organiser confirms an exhibitor's booths (or asks for one): a line per
booth, then any service or discount, each with its VAT rate. While nothing is received its lines
can be edited; afterwards a change is an adjusting line. What received money does to a request
is matching.py's: every change of a request's money holds the request's row lock (`lock`).
"""

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.audit import SYSTEM, record
from ..accounts.models import User
from ..booths.assignment import free_booth
from ..booths.models import Booth, BoothAssignment
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..exhibitors.models import Exhibitor
from ..extensions import db
from . import banks, references
from .models import (
    UNPAID,
    VAT_RATES,
    LineKind,
    PaymentLine,
    PaymentRequest,
    PaymentSettings,
    RequestState,
)
from .notifications import queue_payment_message

MAX_AMOUNT = 10**12  # a booth fee, a line or a transfer above a thousand billion dong is a typo


class NoReceivingAccount(DomainError):
    code = "no_receiving_account"
    status = 409
    message = _l("Enter the exhibition's receiving bank account first (payment settings).")


class NothingToBill(DomainError):
    code = "nothing_to_bill"
    status = 409
    message = _l("Every booth of this exhibitor is already on a payment request.")


class RequestNotFound(NotFound):
    code = "payment_request_not_found"
    message = _l("This payment request does not exist.")


class NotEditable(DomainError):
    code = "request_not_editable"
    status = 409
    message = _l(
        "Money has been received on this request: its lines stay as they are; add an adjusting"
        " line instead."
    )


class RequestClosed(DomainError):
    code = "request_closed"
    status = 409
    message = _l("This payment request is closed (expired or cancelled).")


class InvalidLine(DomainError):
    code = "invalid_line"
    status = 422
    message = _l("Check the line: a description, a quantity from 1 and an amount in whole dong.")


# --- settings ----------------------------------------------------------------------------------


def settings_of(event: Event) -> PaymentSettings | None:
    return db.session.get(PaymentSettings, event.id)


def required_settings(event: Event) -> PaymentSettings:
    settings = settings_of(event)
    if settings is None:
        raise NoReceivingAccount()
    return settings


def save_settings(*, event: Event, user: User | None = None, **values) -> PaymentSettings:
    """Set the receiving account and the rules; the form has validated each value."""
    settings = settings_of(event)
    before = None
    if settings is None:
        settings = PaymentSettings(event_id=event.id)
        db.session.add(settings)
    else:
        before = {k: getattr(settings, k) for k in values}
    if values["bank_bin"] not in banks.BY_BIN:
        raise DomainError(_l("Choose a bank of the list."), code="unknown_bank", status=422)
    if not references.PREFIX.fullmatch(values["reference_prefix"]):
        raise DomainError(
            _l("The prefix is 2 to 8 upper-case letters and digits, starting with a letter."),
            code="invalid_prefix",
            status=422,
        )
    if before and before["reference_prefix"] != values["reference_prefix"] and _any_request(event):
        raise DomainError(
            _l("Payment requests carry the prefix already: it can no longer change."),
            code="prefix_in_use",
            status=409,
        )
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.flush()
    record(
        actor=user,
        action="payments.settings",
        event=event,
        summary=f"{settings.bank_bin} {settings.account_number}",
        details={"bank": settings.bank_bin, "account": settings.account_number},
    )
    return settings


def _any_request(event: Event) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(PaymentRequest.event_id == event.id)))


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_webhook_key(*, event: Event, user: User | None = None) -> str:
    """A new key for the bank-notification webhook (the old one stops working); only its hash is
    kept, so this is the one time it is seen."""
    settings = required_settings(event)
    key = secrets.token_urlsafe(32)
    settings.webhook_key_hash = _key_hash(key)
    record(actor=user, action="payments.webhook_key", event=event)
    return key


def webhook_key_matches(settings: PaymentSettings | None, key: str) -> bool:
    """Whether `key` is the exhibition's webhook key, compared in constant time."""
    stored = settings.webhook_key_hash if settings is not None else None
    return hmac.compare_digest(_key_hash(key), stored or "0" * 64) and stored is not None


# --- requests ----------------------------------------------------------------------------------


def due_date(*, event: Event, settings: PaymentSettings, now: datetime | None = None) -> date:
    """N days after today, never on or after the exhibition's first day (then the day before it,
    or today when that has passed)."""
    today = (now or utcnow()).astimezone(event.tz).date()
    due = today + timedelta(days=settings.due_days)
    latest = event.first_day - timedelta(days=1)
    return max(min(due, latest), today)


def billed_booth_ids(exhibitor: Exhibitor) -> set[int]:
    """The exhibitor's booths already on a request that is open, partly paid or paid."""
    return set(
        db.session.scalars(
            sa.select(PaymentLine.booth_id)
            .join(PaymentRequest)
            .where(
                PaymentRequest.exhibitor_id == exhibitor.id,
                PaymentRequest.state.in_((*UNPAID, RequestState.PAID)),
                PaymentLine.booth_id.is_not(None),
            )
        )
    )


def booth_line(booth: Booth, vat_rate: int) -> PaymentLine:
    area = booth.area_m2
    type_vi, type_en = _booth_type_words(booth)
    return PaymentLine(
        kind=LineKind.BOOTH,
        booth_id=booth.id,
        description_vi=f"Gian hàng {booth.code} ({type_vi}, {_m2(area, 'vi')} m²)",
        description_en=f"Booth {booth.code} ({type_en}, {_m2(area, 'en')} m²)",
        area_m2=area,
        quantity=1,
        unit_price_vnd=booth.price_vnd,
        vat_rate=vat_rate,
    )


def _booth_type_words(booth: Booth) -> tuple[str, str]:
    return {
        "standard": ("tiêu chuẩn", "standard"),
        "corner": ("góc", "corner"),
        "raw": ("đất trống", "raw space"),
    }[booth.type.value]


def _m2(area: float, language: str) -> str:
    text = f"{area:g}"
    return text.replace(".", ",") if language == "vi" else text


def create_request(
    *, exhibitor: Exhibitor, user: User | None = None, now: datetime | None = None
) -> PaymentRequest:
    """A request for the exhibitor's booths that no request covers yet, e-mailed to its contact.

    NothingToBill when every booth is covered; NoReceivingAccount before the account is set."""
    event = exhibitor.event
    settings = required_settings(event)
    db.session.refresh(exhibitor, with_for_update=True)  # one request at a time per exhibitor
    billed = billed_booth_ids(exhibitor)
    booths = [b for b in exhibitor.booths if b.id not in billed]
    if not booths:
        raise NothingToBill()
    now = now or utcnow()
    request = PaymentRequest(
        event_id=event.id,
        exhibitor_id=exhibitor.id,
        reference=_unused_reference(event, settings.reference_prefix),
        state=RequestState.OPEN,
        due_on=due_date(event=event, settings=settings, now=now),
        created_at=now,
        created_by_id=user.id if user else None,
        invoice_email=exhibitor.contact_email,
    )
    for position, booth in enumerate(booths):
        line = booth_line(booth, settings.default_vat_rate)
        line.position = position
        line.created_by_id = request.created_by_id
        request.lines.append(line)
    request.total_vnd = _total(request)
    db.session.add(request)
    db.session.flush()
    audit(request, "payments.request_created", user, {"total": request.total_vnd})
    queue_payment_message(request=request, kind="created")
    return request


def _unused_reference(event: Event, prefix: str) -> str:
    for _ in range(20):
        reference = references.new_reference(prefix)
        taken = db.session.scalar(
            sa.select(
                sa.exists().where(
                    PaymentRequest.event_id == event.id, PaymentRequest.reference == reference
                )
            )
        )
        if not taken:
            return reference
    raise RuntimeError("no free reference after 20 tries")  # a billion per prefix: never


def _total(request: PaymentRequest) -> int:
    return sum(line.net_vnd for line in request.lines) + sum(line.vat_vnd for line in request.lines)


def get_request(*, event: Event, request_id: int, lock: bool = False) -> PaymentRequest:
    stmt = sa.select(PaymentRequest).where(
        PaymentRequest.id == request_id, PaymentRequest.event_id == event.id
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    request = db.session.scalar(stmt)
    if request is None:
        raise RequestNotFound()
    return request


def find_request(*, event: Event, reference: str) -> PaymentRequest | None:
    return db.session.scalar(
        sa.select(PaymentRequest).where(
            PaymentRequest.event_id == event.id, PaymentRequest.reference == reference
        )
    )


def lock(request: PaymentRequest) -> PaymentRequest:
    """The request read again under a row lock: one money change at a time."""
    db.session.refresh(request, with_for_update=True)
    return request


def _check_line(description_vi: str, quantity: int, unit_price_vnd: int, vat_rate: int) -> None:
    if (
        not description_vi.strip()
        or not 1 <= quantity <= 10000
        or abs(unit_price_vnd) > MAX_AMOUNT
        or vat_rate not in VAT_RATES
    ):
        raise InvalidLine()


def add_line(
    *,
    request: PaymentRequest,
    description_vi: str,
    description_en: str = "",
    quantity: int = 1,
    unit_price_vnd: int,
    vat_rate: int,
    user: User | None = None,
) -> PaymentLine:
    """A service or discount while nothing is received; afterwards an adjusting line (audited)."""
    _check_line(description_vi, quantity, unit_price_vnd, vat_rate)
    lock(request)
    if request.state not in (*UNPAID, RequestState.PAID):
        raise RequestClosed()
    kind = LineKind.EXTRA if request.editable else LineKind.ADJUSTMENT
    line = PaymentLine(
        kind=kind,
        description_vi=description_vi.strip(),
        description_en=description_en.strip(),
        quantity=quantity,
        unit_price_vnd=unit_price_vnd,
        vat_rate=vat_rate,
        position=max((x.position for x in request.lines), default=-1) + 1,
        created_by_id=user.id if user else None,
    )
    request.lines.append(line)
    _retotal(request, user)
    db.session.flush()
    audit(
        request,
        "payments.line_added" if kind is LineKind.EXTRA else "payments.adjusted",
        user,
        {"amount": line.gross_vnd, "total": request.total_vnd, "line": line.description_vi},
    )
    return line


def update_line(
    *,
    request: PaymentRequest,
    line: PaymentLine,
    description_vi: str,
    description_en: str,
    quantity: int,
    unit_price_vnd: int,
    vat_rate: int,
    user: User | None = None,
) -> PaymentLine:
    _check_line(description_vi, quantity, unit_price_vnd, vat_rate)
    lock(request)
    if not request.editable or line.request_id != request.id:
        raise NotEditable()
    line.description_vi, line.description_en = description_vi.strip(), description_en.strip()
    line.quantity, line.unit_price_vnd, line.vat_rate = quantity, unit_price_vnd, vat_rate
    _retotal(request, user)
    db.session.flush()
    audit(
        request,
        "payments.line_changed",
        user,
        {"total": request.total_vnd, "line": line.description_vi},
    )
    return line


def remove_line(*, request: PaymentRequest, line: PaymentLine, user: User | None = None) -> None:
    lock(request)
    if not request.editable or line.request_id != request.id:
        raise NotEditable()
    if len(request.lines) == 1:
        raise DomainError(
            _l("A request keeps at least one line: cancel it instead."),
            code="last_line",
            status=409,
        )
    request.lines.remove(line)
    _retotal(request, user)
    db.session.flush()
    audit(
        request,
        "payments.line_removed",
        user,
        {"total": request.total_vnd, "line": line.description_vi},
    )


def _retotal(request: PaymentRequest, user: User | None) -> None:
    """The total again from the lines, and the state it leaves (an adjustment can make a paid
    request owe again, or leave money to refund)."""
    request.total_vnd = _total(request)
    if request.total_vnd < 0:  # a discount larger than the rest, or its booth line removed
        raise DomainError(
            _l("A request cannot come to less than nothing."), code="negative_total", status=422
        )
    if request.state in (*UNPAID, RequestState.PAID):
        state_from_amounts(request, utcnow())


def state_from_amounts(request: PaymentRequest, now: datetime) -> None:
    if request.paid_vnd >= request.total_vnd:
        if request.state is not RequestState.PAID:
            request.paid_at = now
        request.state = RequestState.PAID
    elif request.paid_vnd > 0:
        request.state = RequestState.PARTIALLY_PAID
    else:
        request.state = RequestState.OPEN


def cancel_request(*, request: PaymentRequest, reason: str, user: User | None = None) -> None:
    """An organiser withdraws a request: unpaid or partly paid it is cancelled, paid it becomes
    "refund due"; what was received joins the refund list either way. Its booths stay assigned:
    free them on the floor plan if needed."""
    lock(request)
    if request.state not in (*UNPAID, RequestState.PAID):
        raise RequestClosed()
    if not reason.strip():
        raise DomainError(_l("Give a reason."), code="reason_required", status=422)
    request.state = (
        RequestState.REFUND_DUE if request.state is RequestState.PAID else RequestState.CANCELLED
    )
    request.closed_at = utcnow()
    request.close_reason = reason.strip()
    for transaction in request.transactions:  # what was received goes back: the refund list
        if transaction.applied_vnd and transaction.refunded_at is None:
            transaction.refund_vnd += transaction.applied_vnd
    db.session.flush()
    audit(
        request,
        "payments.request_cancelled",
        user,
        {"state": request.state.value, "paid": request.paid_vnd},
    )


def cancel_requests_of(*, exhibitor: Exhibitor, reason: str, user: User | None = None) -> None:
    """A cancelled exhibitor's requests are withdrawn too (money received is due back)."""
    for request in db.session.scalars(
        sa.select(PaymentRequest).where(
            PaymentRequest.exhibitor_id == exhibitor.id,
            PaymentRequest.state.in_((*UNPAID, RequestState.PAID)),
        )
    ):
        cancel_request(request=request, reason=reason or "—", user=user)


# --- the floor plan ----------------------------------------------------------------------------


def booth_sales(event: Event) -> dict[int, str]:
    """Booths under a request: "unpaid" (reserved, awaiting payment) or "sold" once paid."""
    rows = db.session.execute(
        sa.select(PaymentLine.booth_id, PaymentRequest.state)
        .join(PaymentRequest)
        .join(BoothAssignment, BoothAssignment.booth_id == PaymentLine.booth_id)
        .where(
            PaymentRequest.event_id == event.id,
            PaymentRequest.exhibitor_id == BoothAssignment.exhibitor_id,
            PaymentRequest.state.in_((*UNPAID, RequestState.PAID)),
        )
    )
    return {
        booth_id: "sold" if state is RequestState.PAID else "unpaid" for booth_id, state in rows
    }


# --- expiry and reminders ----------------------------------------------------------------------


def expire(*, request: PaymentRequest, now: datetime | None = None) -> bool:
    """Close an open request past its due date and free its booths; False when a payment came
    first (the request, read again under its lock, is no longer open)."""
    lock(request)
    if request.state is not RequestState.OPEN:
        return False
    request.state = RequestState.EXPIRED
    request.closed_at = now or utcnow()
    for line in request.lines:
        booth = line.booth
        if (
            booth is not None
            and booth.assignment
            and booth.assignment.exhibitor_id == request.exhibitor_id
        ):
            free_booth(booth=booth)
    db.session.flush()
    audit(request, "payments.expired", None, {"due": request.due_on.isoformat()})
    queue_payment_message(request=request, kind="expired")
    return True


def run_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send the reminders due (3 days before the due date and on it) and expire what is past it,
    in every exhibition; each request in its own transaction. What the cron command and the
    worker of `make run` call."""
    now = now or utcnow()
    done = {"reminded": 0, "expired": 0}
    ids = db.session.scalars(
        sa.select(PaymentRequest.id)
        .where(PaymentRequest.state.in_(UNPAID))
        .order_by(PaymentRequest.id)
    ).all()
    for request_id in ids:
        # Read under the request's row lock: two runs at once (cron and the thread of `flask
        # serve`) take turns, and the second sees the reminder the first one recorded.
        request = db.session.get(
            PaymentRequest, request_id, with_for_update=True, populate_existing=True
        )
        if request is None or request.state not in UNPAID:
            db.session.commit()
            continue
        event = db.session.get(Event, request.event_id)
        today = now.astimezone(event.tz).date()
        if request.state is RequestState.OPEN and today > request.due_on:
            done["expired"] += expire(request=request, now=now)
        elif today == request.due_on and request.reminded_due_at is None:
            request.reminded_due_at = now
            queue_payment_message(request=request, kind="reminder_due")
            done["reminded"] += 1
        elif (
            request.due_on - timedelta(days=3) <= today < request.due_on
            and request.reminded_before_at is None
        ):
            request.reminded_before_at = now
            queue_payment_message(request=request, kind="reminder")
            done["reminded"] += 1
        db.session.commit()
    return done


# --- the audit log -----------------------------------------------------------------------------


def audit(request: PaymentRequest, action: str, user: User | None, details: dict) -> None:
    record(
        actor=user if user is not None else SYSTEM,
        action=action,
        event=db.session.get(Event, request.event_id),
        target=request,
        summary=request.reference,
        details={"reference": request.reference, **details},
    )

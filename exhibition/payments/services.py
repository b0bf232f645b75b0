"""Payment requests for booth fees and what received money does to them.

A request is made when an organiser confirms an exhibitor's booths (or asks for one): a line per
booth, then any service or discount, each with its VAT rate. While nothing is received its lines
can be edited; afterwards a change is an adjusting line. Money arrives as bank transactions
(statement files, the bank-notification webhook); `receive` stores each once and `settle` applies
it to the request whose reference its memo carries, under a row lock on the request, so two
arrivals of one transfer, or a payment and the expiry job, never both count.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.audit import SYSTEM, record
from ..accounts.models import User
from ..booths.assignment import assign_booth, free_booth
from ..booths.models import Booth, BoothAssignment, BoothStatus
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..extensions import db
from . import banks, references
from .models import (
    UNPAID,
    VAT_RATES,
    BankTransaction,
    LineKind,
    Outcome,
    PaymentLine,
    PaymentRequest,
    PaymentSettings,
    RequestState,
    Source,
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


class TransactionNotFound(NotFound):
    code = "transaction_not_found"
    message = _l("This transaction does not exist.")


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


class AlreadyDecided(Conflict):
    code = "transaction_decided"
    message = _l("Someone has already dealt with this transaction. Reload the page to see how.")


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
    _audit(request, "payments.request_created", user, {"total": request.total_vnd})
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


def _lock(request: PaymentRequest) -> PaymentRequest:
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
    _lock(request)
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
    if request.total_vnd < 0:
        raise DomainError(
            _l("A request cannot come to less than nothing."), code="negative_total", status=422
        )
    db.session.flush()
    _audit(
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
    _lock(request)
    if not request.editable or line.request_id != request.id:
        raise NotEditable()
    line.description_vi, line.description_en = description_vi.strip(), description_en.strip()
    line.quantity, line.unit_price_vnd, line.vat_rate = quantity, unit_price_vnd, vat_rate
    _retotal(request, user)
    if request.total_vnd < 0:
        raise DomainError(
            _l("A request cannot come to less than nothing."), code="negative_total", status=422
        )
    db.session.flush()
    _audit(
        request,
        "payments.line_changed",
        user,
        {"total": request.total_vnd, "line": line.description_vi},
    )
    return line


def remove_line(*, request: PaymentRequest, line: PaymentLine, user: User | None = None) -> None:
    _lock(request)
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
    _audit(
        request,
        "payments.line_removed",
        user,
        {"total": request.total_vnd, "line": line.description_vi},
    )


def _retotal(request: PaymentRequest, user: User | None) -> None:
    """The total again from the lines, and the state it leaves (an adjustment can make a paid
    request owe again, or leave money to refund)."""
    request.total_vnd = _total(request)
    if request.state in (*UNPAID, RequestState.PAID):
        _state_from_amounts(request, utcnow())


def _state_from_amounts(request: PaymentRequest, now: datetime) -> None:
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
    _lock(request)
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
    _audit(
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


# --- money received ----------------------------------------------------------------------------


@dataclass
class Received:
    """A credit as a statement row or a webhook call gives it."""

    amount_vnd: int
    booked_on: date
    memo: str
    bank_reference: str = ""
    counterparty: str = ""
    account_number: str = ""
    provider_id: str | None = None


def checksum(item: Received) -> str:
    """What identifies a transfer with no bank reference: its day, amount, memo and account."""
    text = "|".join(
        (
            item.booked_on.isoformat(),
            str(item.amount_vnd),
            references.memo_key(item.memo),
            item.account_number.strip(),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dedupe_key(item: Received) -> str:
    reference = item.bank_reference.strip().upper()
    return f"ref:{reference}"[:80] if reference else f"sum:{checksum(item)}"


def receive(
    *,
    event: Event,
    item: Received,
    source: Source,
    statement_id: int | None = None,
    now: datetime | None = None,
) -> tuple[BankTransaction, bool]:
    """Store a credit once and settle it; (the transaction, whether it is new). A transfer known
    already (same bank reference, or same checksum when there is none, or same provider id)
    gives the stored transaction and changes nothing."""
    if not 0 < item.amount_vnd <= MAX_AMOUNT:
        raise DomainError(
            _l("The amount must be more than 0 dong."), code="invalid_amount", status=422
        )
    _lock_named_request(event, item.memo)
    known = _known(event, item)
    if known is not None:
        return known, False
    transaction = _new_transaction(event, item, source, statement_id, now)
    try:
        with db.session.begin_nested():
            db.session.add(transaction)
            db.session.flush()
    except IntegrityError:
        known = _known(event, item)
        if known is None:
            raise
        return known, False
    settle(transaction=transaction, now=now)
    return transaction, True


def _new_transaction(
    event: Event, item: Received, source: Source, statement_id: int | None, now: datetime | None
) -> BankTransaction:
    return BankTransaction(
        event_id=event.id,
        source=source,
        dedupe_key=dedupe_key(item),
        checksum=checksum(item),
        provider_id=item.provider_id,
        statement_id=statement_id,
        bank_reference=item.bank_reference.strip()[:64],
        booked_on=item.booked_on,
        amount_vnd=item.amount_vnd,
        memo=item.memo[:1000],
        counterparty=item.counterparty.strip()[:200],
        account_number=item.account_number.strip()[:32],
        outcome=Outcome.UNMATCHED,
        received_at=now or utcnow(),
    )


CHUNK = 500  # values in one IN (...) of a query


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def receive_many(
    *,
    event: Event,
    items: list[Received],
    source: Source,
    statement_id: int | None = None,
    now: datetime | None = None,
) -> list[BankTransaction]:
    """`receive` for the many credits of a statement, in a few queries instead of several per
    credit: the new transactions, in the order given. The same rules and the same order of
    locks: the requests the memos name are locked first (by id), then what is known already is
    left out, the rest is stored at once and settled in memory. If a transfer is stored by
    someone else between the check and the insert (the webhook, for a memo naming no request),
    the batch falls back to `receive` one credit at a time."""
    now = now or utcnow()
    for item in items:
        if not 0 < item.amount_vnd <= MAX_AMOUNT:
            raise DomainError(
                _l("The amount must be more than 0 dong."), code="invalid_amount", status=422
            )
    prefix = required_settings(event).reference_prefix
    named = [references.references_in(item.memo, prefix) for item in items]
    requests = _lock_requests(event, {found[0] for found in named if len(found) == 1})
    fresh = list(zip(items, named, strict=True))
    fresh = _not_stored(event, fresh)
    transactions = [_new_transaction(event, item, source, statement_id, now) for item, _ in fresh]
    try:
        with db.session.begin_nested():
            db.session.add_all(transactions)
            db.session.flush()
    except IntegrityError:
        added = []
        for item, _ in fresh:
            transaction, new = receive(
                event=event, item=item, source=source, statement_id=statement_id, now=now
            )
            if new:
                added.append(transaction)
        return added
    index = None
    for transaction, (_, found) in zip(transactions, fresh, strict=True):
        request = requests.get(found[0]) if len(found) == 1 else None
        if request is None:
            index = index or CandidateIndex(event)
            transaction.candidate_ids = index.suggest(
                amount=transaction.amount_vnd,
                text=f"{transaction.counterparty} {transaction.memo}",
            )
            transaction.note = "two_references" if len(found) > 1 else ""
        else:
            _apply_locked(transaction, request, now, None)
            if index is not None:
                index.update(request)
    db.session.flush()
    return transactions


def _lock_requests(event: Event, references_named: set[str]) -> dict[str, PaymentRequest]:
    """The requests of these references, locked in the order of their ids (as one request at a
    time is locked elsewhere, no two imports or an import and the webhook wait in a circle)."""
    ids: list[int] = []
    for chunk in _chunks(sorted(references_named)):
        ids.extend(
            db.session.scalars(
                sa.select(PaymentRequest.id).where(
                    PaymentRequest.event_id == event.id, PaymentRequest.reference.in_(chunk)
                )
            )
        )
    found: dict[str, PaymentRequest] = {}
    for chunk in _chunks(sorted(ids)):
        locked = db.session.scalars(
            sa.select(PaymentRequest)
            .where(PaymentRequest.id.in_(chunk))
            .order_by(PaymentRequest.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found.update((request.reference, request) for request in locked)
    return found


def _not_stored(event: Event, fresh: list[tuple[Received, list[str]]]) -> list:
    """The credits not stored yet, each once: by bank reference, by checksum when there is none,
    and by the sender's id (as `_known` decides for one)."""
    keys = [dedupe_key(item) for item, _ in fresh]
    sums = [checksum(item) for item, _ in fresh]
    providers = [item.provider_id for item, _ in fresh if item.provider_id]
    known: dict[str, set[str]] = {}
    for name, values, column in (
        ("key", keys, BankTransaction.dedupe_key),
        ("sum", sums, BankTransaction.checksum),
        ("provider", providers, BankTransaction.provider_id),
    ):
        known[name] = set()
        for chunk in _chunks(sorted(set(values))):
            known[name].update(
                db.session.scalars(
                    sa.select(column).where(BankTransaction.event_id == event.id, column.in_(chunk))
                )
            )
    left = []
    for (item, found), key, total in zip(fresh, keys, sums, strict=True):
        without_reference = not item.bank_reference.strip()
        if (
            key in known["key"]
            or (without_reference and total in known["sum"])
            or item.provider_id in known["provider"]
        ):
            continue
        known["key"].add(key)  # a credit twice in one file is stored once
        known["sum"].add(total)
        if item.provider_id:
            known["provider"].add(item.provider_id)
        left.append((item, found))
    return left


def _lock_named_request(event: Event, memo: str) -> None:
    """Take the lock of the request the memo names before the transfer is looked up and stored.

    Money for a request then always takes the request's lock first and stores second. Storing
    first (the row's unique key) and locking second let a statement import, which holds the
    locks of the requests its earlier rows paid until the whole file is in, and a webhook
    storing a transfer the file also holds, wait for each other in a circle (a deadlock, and
    one of them failed). After the wait the transfer the other stored is found as known."""
    settings = settings_of(event)
    found = references.references_in(memo, settings.reference_prefix) if settings else []
    if len(found) == 1:
        db.session.execute(
            sa.select(PaymentRequest.id)
            .where(PaymentRequest.event_id == event.id, PaymentRequest.reference == found[0])
            .with_for_update()
        )


def _known(event: Event, item: Received) -> BankTransaction | None:
    """The stored transaction this credit is, if any. Without a bank reference, one with the same
    checksum is the same transfer (a statement without a reference column and a webhook)."""
    conditions = [BankTransaction.dedupe_key == dedupe_key(item)]
    if item.provider_id:
        conditions.append(BankTransaction.provider_id == item.provider_id)
    if not item.bank_reference.strip():
        conditions.append(BankTransaction.checksum == checksum(item))
    return db.session.scalar(
        sa.select(BankTransaction)
        .where(BankTransaction.event_id == event.id, sa.or_(*conditions))
        .order_by(BankTransaction.id)
        .limit(1)
    )


def references_of(transaction: BankTransaction, prefix: str) -> list[str]:
    return references.references_in(transaction.memo, prefix)


def settle(*, transaction: BankTransaction, now: datetime | None = None) -> BankTransaction:
    """Apply a new transaction to the request its memo names, or leave it unmatched with
    candidates (a request owing exactly this amount, or whose company the payer's name is)."""
    event = db.session.get(Event, transaction.event_id)
    settings = required_settings(event)
    found = references_of(transaction, settings.reference_prefix)
    request = find_request(event=event, reference=found[0]) if len(found) == 1 else None
    if request is None:
        transaction.outcome = Outcome.UNMATCHED
        transaction.candidate_ids = [r.id for r in candidates(event=event, transaction=transaction)]
        transaction.note = "two_references" if len(found) > 1 else ""
        db.session.flush()
        return transaction
    apply(transaction=transaction, request=request, now=now)
    return transaction


def apply(
    *,
    transaction: BankTransaction,
    request: PaymentRequest,
    now: datetime | None = None,
    user: User | None = None,
) -> BankTransaction:
    """What a transaction does to its request, decided under the request's row lock."""
    _lock(request)
    return _apply_locked(transaction, request, now or utcnow(), user)


def _apply_locked(
    transaction: BankTransaction,
    request: PaymentRequest,
    now: datetime,
    user: User | None,
) -> BankTransaction:
    """apply(), the request's row lock being held (and the transaction stored: it has an id)."""
    transaction.request_id = request.id
    amount = transaction.amount_vnd
    if request.state is RequestState.EXPIRED and _rereserve(request, user):
        request.state = RequestState.OPEN
        request.closed_at = None
        _audit(request, "payments.rereserved", user, {"amount": amount})
    if request.state in (RequestState.PAID, RequestState.REFUND_DUE):
        transaction.outcome, transaction.refund_vnd = Outcome.DUPLICATE, amount
    elif request.state in (RequestState.CANCELLED, RequestState.EXPIRED):
        transaction.outcome, transaction.refund_vnd = Outcome.ERROR, amount
    else:
        outstanding = request.outstanding_vnd
        applied = min(amount, outstanding)
        request.paid_vnd += applied
        transaction.applied_vnd = applied
        transaction.refund_vnd = amount - applied
        if amount > outstanding:
            transaction.outcome = Outcome.OVERPAID
        elif amount == outstanding:
            transaction.outcome = Outcome.PAID
        else:
            transaction.outcome = Outcome.PARTIAL
        _state_from_amounts(request, now)
    transaction.candidate_ids = []
    if transaction.id is None:
        db.session.flush()
    _audit(
        request,
        "payments.received",
        user,
        {
            "transaction": transaction.id,
            "amount": amount,
            "outcome": transaction.outcome.value,
            "paid": request.paid_vnd,
            "total": request.total_vnd,
        },
    )
    if transaction.outcome is Outcome.PARTIAL:
        queue_payment_message(request=request, kind="incomplete", transaction=transaction)
    elif transaction.outcome in (Outcome.PAID, Outcome.OVERPAID):
        queue_payment_message(request=request, kind="paid", transaction=transaction)
    return transaction


def _rereserve(request: PaymentRequest, user: User | None) -> bool:
    """Give an expired request's booths back to its exhibitor if every one is still free."""
    booths = [line.booth for line in request.lines if line.booth is not None]
    if not booths:
        return True
    exhibitor = request.exhibitor
    if exhibitor.status not in (
        ExhibitorStatus.APPROVED,
        ExhibitorStatus.BOOTH_ASSIGNED,
        ExhibitorStatus.CONFIRMED,
    ):
        return False
    for booth in booths:
        db.session.refresh(booth, with_for_update=True)
        if booth.assignment is not None and booth.assignment.exhibitor_id != exhibitor.id:
            return False
        if booth.status is BoothStatus.BLOCKED:
            return False
    with db.session.begin_nested():
        for booth in booths:
            if booth.assignment is None:
                assign_booth(booth=booth, exhibitor=exhibitor, user=user)
    return True


class CandidateIndex:
    """The unpaid requests of an exhibition, read once, for suggesting which one an unmatched
    transfer is for: by the exact amount still owed, or by the company's name in the payer's
    name or the memo. A statement's thousands of unmatched rows share one index; the names are
    found through their first four letters, not by trying every request on every row."""

    GRAM = 4  # a name's core has at least this many letters (_company_core)

    def __init__(self, event: Event):
        rows = db.session.execute(
            sa.select(
                PaymentRequest.id,
                PaymentRequest.total_vnd - PaymentRequest.paid_vnd,
                Exhibitor.company_name_vi,
            )
            .join(Exhibitor, Exhibitor.id == PaymentRequest.exhibitor_id)
            .where(PaymentRequest.event_id == event.id, PaymentRequest.state.in_(UNPAID))
            .order_by(PaymentRequest.due_on, PaymentRequest.id)
        ).all()
        self.order = {request_id: n for n, (request_id, _, _) in enumerate(rows)}
        self.owing: dict[int, int] = {}
        self.by_amount: dict[int, list[int]] = {}
        self.by_gram: dict[str, list[tuple[int, str]]] = {}
        for request_id, owing, name in rows:
            self._owes(request_id, owing)
            core = _core_of(name)
            if core:
                self.by_gram.setdefault(core[: self.GRAM], []).append((request_id, core))

    def _owes(self, request_id: int, owing: int) -> None:
        before = self.owing.pop(request_id, None)
        if before is not None:
            self.by_amount[before].remove(request_id)
        if owing > 0:
            self.owing[request_id] = owing
            ids = self.by_amount.setdefault(owing, [])
            ids.append(request_id)
            ids.sort(key=self.order.__getitem__)

    def update(self, request: PaymentRequest) -> None:
        """A request of the index was paid, in part or whole, since it was read."""
        if request.id in self.order:
            self._owes(request.id, request.outstanding_vnd if request.state in UNPAID else 0)

    def suggest(self, *, amount: int, text: str, limit: int = 5) -> list[int]:
        """The ids of the likely requests, those owing exactly `amount` first."""
        found = list(self.by_amount.get(amount, ())[:limit])
        words = _name_key(text)
        named: list[int] = []
        for start in range(len(words) - self.GRAM + 1):
            for request_id, core in self.by_gram.get(words[start : start + self.GRAM], ()):
                if request_id in self.owing and request_id not in found and request_id not in named:
                    if words.startswith(core, start):
                        named.append(request_id)
        named.sort(key=self.order.__getitem__)
        return (found + named)[:limit]


def candidates(
    *,
    event: Event,
    transaction: BankTransaction,
    limit: int = 5,
    index: CandidateIndex | None = None,
) -> list[PaymentRequest]:
    """Unpaid requests an unmatched transaction may be for: owing exactly its amount, or of a
    company whose name the payer's name or the memo contains."""
    index = index or CandidateIndex(event)
    ids = index.suggest(
        amount=transaction.amount_vnd,
        text=f"{transaction.counterparty} {transaction.memo}",
        limit=limit,
    )
    if not ids:
        return []
    found = {
        r.id: r
        for r in db.session.scalars(sa.select(PaymentRequest).where(PaymentRequest.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


_COMPANY_WORDS = ("CONGTY", "TNHH", "COPHAN", "CP", "MTV", "JSC", "COLTD", "COMPANY", "LIMITED")


def _name_key(text: str) -> str:
    return references.memo_key(text)


@lru_cache(maxsize=16384)
def _core_of(company_name: str) -> str:
    return _company_core(_name_key(company_name))


def _company_core(key: str) -> str:
    """A company's name without the legal form words, as it would appear in a payer's name."""
    for word in _COMPANY_WORDS:
        key = key.replace(word, "")
    return key if len(key) >= 4 else ""


def assign(
    *,
    transaction: BankTransaction,
    request: PaymentRequest,
    note: str = "",
    user: User | None = None,
) -> BankTransaction:
    """A person applies an unmatched transaction to a request; AlreadyDecided if another did."""
    _lock_transaction(transaction)
    if request.event_id != transaction.event_id:
        raise RequestNotFound()
    transaction.decided_by_id = user.id if user else None
    transaction.decided_at = utcnow()
    transaction.note = note.strip()[:500]
    return apply(transaction=transaction, request=request, user=user)


def discard(
    *, transaction: BankTransaction, reason: str, user: User | None = None
) -> BankTransaction:
    """A person says an unmatched transaction is not a booth fee, and why."""
    if not reason.strip():
        raise DomainError(_l("Give a reason."), code="reason_required", status=422)
    _lock_transaction(transaction)
    transaction.outcome = Outcome.DISCARDED
    transaction.note = reason.strip()[:500]
    transaction.decided_by_id = user.id if user else None
    transaction.decided_at = utcnow()
    transaction.candidate_ids = []
    db.session.flush()
    record(
        actor=user,
        action="payments.discarded",
        event=db.session.get(Event, transaction.event_id),
        target_type="bank_transaction",
        target_id=transaction.id,
        summary=transaction.note,
        details={"amount": transaction.amount_vnd},
    )
    return transaction


def _lock_transaction(transaction: BankTransaction) -> None:
    db.session.refresh(transaction, with_for_update=True)
    if transaction.outcome is not Outcome.UNMATCHED:
        raise AlreadyDecided()


def mark_refunded(*, transaction: BankTransaction, user: User | None = None) -> None:
    """The money to give back was sent back."""
    db.session.refresh(transaction, with_for_update=True)
    if not transaction.refund_vnd or transaction.refunded_at is not None:
        raise AlreadyDecided()
    transaction.refunded_at = utcnow()
    record(
        actor=user,
        action="payments.refunded",
        event=db.session.get(Event, transaction.event_id),
        target_type="bank_transaction",
        target_id=transaction.id,
        details={"amount": transaction.refund_vnd},
    )


def get_transaction(*, event: Event, transaction_id: int) -> BankTransaction:
    transaction = db.session.get(BankTransaction, transaction_id)
    if transaction is None or transaction.event_id != event.id:
        raise TransactionNotFound()
    return transaction


# --- expiry and reminders ----------------------------------------------------------------------


def expire(*, request: PaymentRequest, now: datetime | None = None) -> bool:
    """Close an open request past its due date and free its booths; False when a payment came
    first (the request, read again under its lock, is no longer open)."""
    _lock(request)
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
    _audit(request, "payments.expired", None, {"due": request.due_on.isoformat()})
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


def _audit(request: PaymentRequest, action: str, user: User | None, details: dict) -> None:
    record(
        actor=user if user is not None else SYSTEM,
        action=action,
        event=db.session.get(Event, request.event_id),
        target=request,
        summary=request.reference,
        details={"reference": request.reference, **details},
    )

"""Money received: bank transactions stored once and applied to the payment request whose
reference their memo carries.

`receive` takes one credit (the bank-notification webhook), `receive_many` a statement's. Every
payment takes the named request's row lock before it is stored (the order of locks everywhere:
the request, then the transaction), so the same transfer by webhook and by statement, twenty
deliveries of one notification, or a payment while the expiry job runs, count once. A memo with
no reference, or two, leaves the transaction unmatched, with candidate requests; a person then
applies it (`assign`) or discards it, and two people at once are told apart (AlreadyDecided).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.audit import record
from ..accounts.models import User
from ..booths.assignment import assign_booth
from ..booths.models import BoothStatus
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..extensions import db
from . import references
from .models import UNPAID, BankTransaction, Outcome, PaymentRequest, RequestState, Source
from .notifications import queue_payment_message
from .services import (
    MAX_AMOUNT,
    RequestNotFound,
    audit,
    lock,
    required_settings,
    state_from_amounts,
)


class TransactionNotFound(NotFound):
    code = "transaction_not_found"
    message = _l("This transaction does not exist.")


class AlreadyDecided(Conflict):
    code = "transaction_decided"
    message = _l("Someone has already dealt with this transaction. Reload the page to see how.")


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
    found, request = _lock_named_request(event, item.memo)
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
    _settle(transaction, found, request, now or utcnow())
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
        # Every column given, so that a statement's rows are inserted in one batch (the ORM
        # starts a new INSERT wherever the set of columns given changes).
        candidate_ids=[],
        note="",
    )


CHUNK = 500  # values in one IN (...) of a query
ANALYZE_AFTER = (
    1000  # new transactions of one statement after which PostgreSQL's statistics are renewed
)


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
    paying: list[tuple[BankTransaction, PaymentRequest]] = []
    index = None
    for transaction, (_, found) in zip(transactions, fresh, strict=True):
        request = requests.get(found[0]) if len(found) == 1 else None
        if request is not None:
            paying.append((transaction, request))
            continue
        # Unmatched: its suggestions are stored with it (no second write per row). They are the
        # requests unpaid before the file; one the file itself pays is suggested still.
        index = index or CandidateIndex(event)
        transaction.candidate_ids = index.suggest(
            amount=transaction.amount_vnd,
            text=f"{transaction.counterparty} {transaction.memo}",
        )
        transaction.note = "two_references" if len(found) > 1 else ""
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
    for transaction, request in paying:  # in the file's order: a part, then the rest
        _apply_locked(transaction, request, now, None)
    db.session.flush()
    if len(transactions) >= ANALYZE_AFTER and db.session.get_bind().dialect.name == "postgresql":
        # Thousands of rows at once leave PostgreSQL's statistics of the table behind: without
        # them the next import's look-up of known keys scanned the exhibition's rows for each.
        db.session.execute(sa.text("ANALYZE bank_transactions"))
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
            .with_for_update(of=PaymentRequest)
            .options(selectinload(PaymentRequest.exhibitor))  # the e-mails name the company
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


def _lock_named_request(event: Event, memo: str) -> tuple[list[str], PaymentRequest | None]:
    """The references in the memo, and the request they name when it is one, read under its
    row lock before the transfer is looked up and stored.

    Money for a request then always takes the request's lock first and stores second. Storing
    first (the row's unique key) and locking second let a statement import, which holds the
    locks of the requests its earlier rows paid until the whole file is in, and a webhook
    storing a transfer the file also holds, wait for each other in a circle (a deadlock, and
    one of them failed). After the wait the transfer the other stored is found as known."""
    prefix = required_settings(event).reference_prefix
    found = references.references_in(memo, prefix)
    if len(found) != 1:
        return found, None
    request = db.session.scalar(
        sa.select(PaymentRequest)
        .where(PaymentRequest.event_id == event.id, PaymentRequest.reference == found[0])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return found, request


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


def _settle(
    transaction: BankTransaction,
    found: list[str],
    request: PaymentRequest | None,
    now: datetime,
) -> None:
    """Apply a new transaction to the request its memo names (`request`, locked), or leave it
    unmatched with candidates (a request owing exactly this amount, or whose company the payer's
    name is)."""
    if request is None:
        event = db.session.get(Event, transaction.event_id)
        transaction.outcome = Outcome.UNMATCHED
        transaction.candidate_ids = [r.id for r in candidates(event=event, transaction=transaction)]
        transaction.note = "two_references" if len(found) > 1 else ""
        db.session.flush()
        return
    _apply_locked(transaction, request, now, None)
    db.session.flush()


def apply(
    *,
    transaction: BankTransaction,
    request: PaymentRequest,
    now: datetime | None = None,
    user: User | None = None,
) -> BankTransaction:
    """What a transaction does to its request, decided under the request's row lock."""
    lock(request)
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
        audit(request, "payments.rereserved", user, {"amount": amount})
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
        state_from_amounts(request, now)
    transaction.candidate_ids = []
    if transaction.id is None:
        db.session.flush()
    audit(
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

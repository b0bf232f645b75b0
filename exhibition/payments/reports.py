"""What the payments pages show: the requests by filter, the figures of the overview, what is
owed by age, what was collected per day, and the refund list."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..dbtypes import utcnow
from ..events.models import Event
from ..exhibitors.models import Exhibitor
from ..extensions import db
from ..text import fold
from .models import (
    UNPAID,
    BankTransaction,
    Outcome,
    PaymentRequest,
    RequestState,
)

# The filters of the requests list: a state, or "overdue" (unpaid past its due date).
FILTERS = ("open", "overdue", "partially_paid", "paid", "refund_due", "expired", "cancelled")
# Which transactions a filter of the transactions page shows.
TRANSACTION_FILTERS = {
    "unmatched": (Outcome.UNMATCHED,),
    "refunds": None,  # money to give back and not given yet, whatever the transfer did
    "applied": (Outcome.PAID, Outcome.PARTIAL, Outcome.OVERPAID),
    "discarded": (Outcome.DISCARDED,),
}


def today(event: Event, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(event.tz).date()


def requests_query(*, event: Event, state: str = "", query: str = "") -> sa.Select:
    stmt = (
        sa.select(PaymentRequest)
        .join(Exhibitor, Exhibitor.id == PaymentRequest.exhibitor_id)
        .where(PaymentRequest.event_id == event.id)
        .options(selectinload(PaymentRequest.exhibitor))
        .order_by(PaymentRequest.due_on, PaymentRequest.id)
    )
    if state == "overdue":
        stmt = stmt.where(PaymentRequest.state.in_(UNPAID), PaymentRequest.due_on < today(event))
    elif state in FILTERS:
        stmt = stmt.where(PaymentRequest.state == RequestState(state))
    words = fold(query).strip()
    if words:
        like = f"%{words}%"
        stmt = stmt.where(
            sa.or_(
                PaymentRequest.reference.ilike(f"%{query.strip()}%"),
                Exhibitor.search_text.like(like),
            )
        )
    return stmt


def transactions_query(*, event: Event, kind: str = "") -> sa.Select:
    stmt = (
        sa.select(BankTransaction)
        .where(BankTransaction.event_id == event.id)
        .options(selectinload(BankTransaction.request).selectinload(PaymentRequest.exhibitor))
        .order_by(BankTransaction.booked_on.desc(), BankTransaction.id.desc())
    )
    if kind == "refunds":
        return stmt.where(BankTransaction.refund_vnd > 0, BankTransaction.refunded_at.is_(None))
    if kind in TRANSACTION_FILTERS:
        stmt = stmt.where(BankTransaction.outcome.in_(TRANSACTION_FILTERS[kind]))
    return stmt


@dataclass
class Figures:
    owed: int  # outstanding on open and partly paid requests
    collected: int  # applied to requests
    received: int  # every credit that arrived
    to_refund: int  # overpaid, paid twice, paid when closed, or cancelled after payment
    unmatched: int  # transactions waiting for a person
    overdue: int  # unpaid requests past their due date
    by_state: dict[str, int]


def figures(event: Event) -> Figures:
    by_state = dict(
        db.session.execute(
            sa.select(PaymentRequest.state, sa.func.count())
            .where(PaymentRequest.event_id == event.id)
            .group_by(PaymentRequest.state)
        ).all()
    )
    owed = db.session.scalar(
        sa.select(
            sa.func.coalesce(sa.func.sum(PaymentRequest.total_vnd - PaymentRequest.paid_vnd), 0)
        ).where(PaymentRequest.event_id == event.id, PaymentRequest.state.in_(UNPAID))
    )
    sums = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(BankTransaction.applied_vnd), 0),
            sa.func.coalesce(sa.func.sum(BankTransaction.amount_vnd), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case(
                        (BankTransaction.refunded_at.is_(None), BankTransaction.refund_vnd), else_=0
                    )
                ),
                0,
            ),
            sa.func.count().filter(BankTransaction.outcome == Outcome.UNMATCHED),
        ).where(BankTransaction.event_id == event.id)
    ).one()
    overdue = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PaymentRequest)
        .where(
            PaymentRequest.event_id == event.id,
            PaymentRequest.state.in_(UNPAID),
            PaymentRequest.due_on < today(event),
        )
    )
    return Figures(
        owed=owed,
        collected=sums[0],
        received=sums[1],
        to_refund=sums[2],
        unmatched=sums[3],
        overdue=overdue,
        by_state={state.value: count for state, count in by_state.items()},
    )


# Ages of what is owed, by days to or past the due date: (key, lowest, highest) in days past it.
AGES = (
    ("not_due", None, -4),  # due in 4 days or more
    ("due_soon", -3, 0),  # due within 3 days, or today
    ("overdue_week", 1, 7),
    ("overdue_more", 8, None),
)


def receivables_by_age(event: Event) -> list[dict]:
    """What is owed on unpaid requests, by how far their due date is: requests and amount."""
    day = today(event)
    buckets = {key: {"key": key, "count": 0, "amount": 0} for key, _, _ in AGES}
    rows = db.session.execute(
        sa.select(PaymentRequest.due_on, PaymentRequest.total_vnd - PaymentRequest.paid_vnd).where(
            PaymentRequest.event_id == event.id, PaymentRequest.state.in_(UNPAID)
        )
    )
    for due_on, owed in rows:
        late = (day - due_on).days
        for key, low, high in AGES:
            if (low is None or late >= low) and (high is None or late <= high):
                buckets[key]["count"] += 1
                buckets[key]["amount"] += owed
                break
    return list(buckets.values())


def collected_per_day(event: Event, *, days: int = 60) -> list[dict]:
    """Money applied to requests per day it was booked, the latest `days` days with any."""
    rows = db.session.execute(
        sa.select(
            BankTransaction.booked_on,
            sa.func.sum(BankTransaction.applied_vnd),
            sa.func.count(),
        )
        .where(BankTransaction.event_id == event.id, BankTransaction.applied_vnd > 0)
        .group_by(BankTransaction.booked_on)
        .order_by(BankTransaction.booked_on.desc())
        .limit(days)
    ).all()
    return [{"day": day, "amount": amount, "count": count} for day, amount, count in reversed(rows)]


def requests_of(exhibitor: Exhibitor) -> list[PaymentRequest]:
    return list(
        db.session.scalars(
            sa.select(PaymentRequest)
            .where(PaymentRequest.exhibitor_id == exhibitor.id)
            .options(selectinload(PaymentRequest.lines))
            .order_by(PaymentRequest.id.desc())
        )
    )


def open_requests(event: Event, limit: int = 500) -> list[PaymentRequest]:
    """Unpaid requests, for choosing where an unmatched transaction goes."""
    return list(
        db.session.scalars(
            sa.select(PaymentRequest)
            .where(PaymentRequest.event_id == event.id, PaymentRequest.state.in_(UNPAID))
            .options(selectinload(PaymentRequest.exhibitor))
            .order_by(PaymentRequest.reference)
            .limit(limit)
        )
    )


def overdue_since(request: PaymentRequest, event: Event) -> int:
    return (today(event) - request.due_on).days if request.state in UNPAID else 0

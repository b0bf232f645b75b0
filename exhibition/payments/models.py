"""Booth fees: an exhibition's receiving account, payment requests and their lines, the bank
transactions received (from statements or the bank-notification webhook), the bank profiles that
read statements, and the tasks an issued e-invoice leaves when its buyer changes."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..extensions import db

VAT_RATES = (0, 5, 8, 10)  # the rates of Vietnamese VAT a line may carry, in per cent


class RequestState(enum.Enum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    EXPIRED = "expired"  # not paid by its due date: its booths were freed
    CANCELLED = "cancelled"
    REFUND_DUE = "refund_due"  # cancelled after it was paid: the money goes back


UNPAID = (RequestState.OPEN, RequestState.PARTIALLY_PAID)  # what reserves its booths


class LineKind(enum.Enum):
    BOOTH = "booth"  # a booth of the floor plan, at its price
    EXTRA = "extra"  # a service or a discount an organiser adds before anything is paid
    ADJUSTMENT = "adjustment"  # a change after money was received: never an edit of a line


class Outcome(enum.Enum):
    """What a received transaction did."""

    PAID = "paid"  # paid its request in full
    PARTIAL = "partial"  # paid part of what was outstanding
    OVERPAID = "overpaid"  # paid the request and more: the excess is to be refunded
    DUPLICATE = "duplicate"  # the request was already paid: all of it is to be refunded
    ERROR = "error"  # the request was cancelled or expired with its booths gone: refund
    UNMATCHED = "unmatched"  # no reference, two references or an unknown one: a person decides
    DISCARDED = "discarded"  # not a booth fee (a person said why)


class Source(enum.Enum):
    STATEMENT = "statement"
    WEBHOOK = "webhook"


class PaymentSettings(db.Model):
    """An exhibition's receiving account and payment rules, entered once by an organiser."""

    __tablename__ = "payment_settings"
    __table_args__ = (
        sa.CheckConstraint("due_days BETWEEN 1 AND 90", name="due_days"),
        sa.CheckConstraint("default_vat_rate IN (0, 5, 8, 10)", name="default_vat_rate"),
    )

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    bank_bin: Mapped[str] = mapped_column(sa.String(6))  # NAPAS BIN, see banks.py
    account_number: Mapped[str] = mapped_column(sa.String(19))
    account_holder: Mapped[str] = mapped_column(sa.String(70))  # as the bank writes it
    reference_prefix: Mapped[str] = mapped_column(sa.String(8))  # references.PREFIX
    due_days: Mapped[int] = mapped_column(default=14)
    default_vat_rate: Mapped[int] = mapped_column(default=8)
    # The seller on the payment request and the e-invoice data: the organiser's legal details.
    seller_tax_code: Mapped[str] = mapped_column(sa.String(14), default="")
    seller_address: Mapped[str] = mapped_column(sa.String(300), default="")
    # SHA-256 of the webhook's key (shown once when made): the key itself is not kept.
    webhook_key_hash: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PaymentRequest(db.Model):
    """What an exhibitor owes for its booths and services ("Giấy đề nghị thanh toán")."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "reference"),
        sa.CheckConstraint("paid_vnd >= 0", name="paid"),
        sa.Index("ix_payment_requests_event_id_state", "event_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    exhibitor_id: Mapped[int] = parent_key("exhibitors")
    reference: Mapped[str] = mapped_column(sa.String(25))
    state: Mapped[RequestState] = mapped_column(
        enum_column(RequestState, "state"), default=RequestState.OPEN
    )
    total_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the lines, VAT included
    paid_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # what was applied to it
    due_on: Mapped[date] = mapped_column(sa.Date)  # the exhibition's local day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # expired or cancelled
    close_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # The reminders sent: 3 days before the due date, and on it (each once).
    reminded_before_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the e-invoice goes; the contact's address unless the company gives another.
    invoice_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # The e-invoice the organiser's accounting issued (recorded here, not issued here).
    einvoice_number: Mapped[str] = mapped_column(sa.String(20), default="")
    einvoice_symbol: Mapped[str] = mapped_column(sa.String(20), default="")
    einvoice_date: Mapped[date | None] = mapped_column(sa.Date)
    einvoice_url: Mapped[str] = mapped_column(sa.String(500), default="")
    einvoice_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The buyer as the e-invoice names it (legal name, tax code, address, e-mail), kept when the
    # e-invoice is recorded: a later change of the company's data is compared with it.
    einvoice_buyer: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    lines: Mapped[list["PaymentLine"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="PaymentLine.position"
    )
    transactions: Mapped[list["BankTransaction"]] = relationship(
        back_populates="request", order_by="BankTransaction.id"
    )
    exhibitor: Mapped["Exhibitor"] = relationship()  # noqa: F821 (exhibitors.models)

    @property
    def outstanding_vnd(self) -> int:
        return max(self.total_vnd - self.paid_vnd, 0)

    @property
    def net_vnd(self) -> int:
        return sum(line.net_vnd for line in self.lines)

    @property
    def vat_vnd(self) -> int:
        return sum(line.vat_vnd for line in self.lines)

    @property
    def editable(self) -> bool:
        """Lines may be edited only while nothing has been received."""
        return self.state is RequestState.OPEN and self.paid_vnd == 0


class PaymentLine(db.Model):
    """One line of a request: a booth, a service or a discount, or a later adjustment.

    Rounding rule: a line's VAT is its net amount times its rate, rounded half up to the whole
    dong; the request's total is the sum of the lines' net amounts plus the sum of their VAT."""

    __tablename__ = "payment_lines"
    __table_args__ = (
        sa.CheckConstraint("vat_rate IN (0, 5, 8, 10)", name="vat_rate"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 10000", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = parent_key("payment_requests")
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind, "kind"))
    booth_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("booths.id", ondelete="SET NULL"), index=True
    )
    description_vi: Mapped[str] = mapped_column(sa.String(300))
    description_en: Mapped[str] = mapped_column(sa.String(300), default="")
    area_m2: Mapped[float | None] = mapped_column(sa.Float)  # a booth's, for the reader
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_vnd: Mapped[int] = mapped_column(sa.BigInteger)  # negative for a discount
    vat_rate: Mapped[int] = mapped_column(default=8)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    request: Mapped[PaymentRequest] = relationship(back_populates="lines")
    booth: Mapped["Booth | None"] = relationship()  # noqa: F821 (booths.models)

    def description(self, language: str) -> str:
        return (self.description_en if language == "en" else "") or self.description_vi

    @property
    def net_vnd(self) -> int:
        return self.quantity * self.unit_price_vnd

    @property
    def vat_vnd(self) -> int:
        return vat_of(self.net_vnd, self.vat_rate)

    @property
    def gross_vnd(self) -> int:
        return self.net_vnd + self.vat_vnd


def vat_of(net: int, rate: int) -> int:
    """VAT of a net amount in dong, rounded half up (half away from zero for a discount)."""
    sign = -1 if net < 0 else 1
    return sign * ((abs(net) * rate * 2 + 100) // 200)


class BankProfile(db.Model):
    """How one bank's statement file reads: which column holds what (found by its header)."""

    __tablename__ = "bank_profiles"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    name: Mapped[str] = mapped_column(sa.String(80))
    # {"date": header, "amount" or "credit" (+ optional "debit"): header, "memo": header,
    #  "reference": header or "", "counterparty": header or ""}: the headers as the file has them.
    columns: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatementImport(db.Model):
    """One statement file imported: who, when, and what it added."""

    __tablename__ = "statement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    profile_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bank_profiles.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rows: Mapped[int] = mapped_column(default=0)  # credit rows read
    added: Mapped[int] = mapped_column(default=0)  # new transactions (the rest were known)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class BankTransaction(db.Model):
    """Money received on the exhibition's account, and what it did.

    `dedupe_key` is "ref:" and the bank's reference when it is known, else "sum:" and a checksum
    of the day, amount, memo and account: unique per exhibition, so the same transfer arriving
    by webhook and by statement, or twice, is stored once."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "dedupe_key"),
        sa.UniqueConstraint("event_id", "provider_id"),
        sa.CheckConstraint("amount_vnd > 0", name="amount"),
        sa.CheckConstraint("refund_vnd >= 0", name="refund"),
        sa.Index("ix_bank_transactions_event_id_outcome", "event_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    source: Mapped[Source] = mapped_column(enum_column(Source, "source"))
    dedupe_key: Mapped[str] = mapped_column(sa.String(80))
    checksum: Mapped[str] = mapped_column(sa.String(64), index=True)
    provider_id: Mapped[str | None] = mapped_column(sa.String(64))  # the webhook sender's id
    statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statement_imports.id", ondelete="SET NULL"), index=True
    )
    bank_reference: Mapped[str] = mapped_column(sa.String(64), default="")
    booked_on: Mapped[date] = mapped_column(sa.Date)
    amount_vnd: Mapped[int] = mapped_column(sa.BigInteger)
    memo: Mapped[str] = mapped_column(sa.String(1000), default="")
    counterparty: Mapped[str] = mapped_column(sa.String(200), default="")
    account_number: Mapped[str] = mapped_column(sa.String(32), default="")
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payment_requests.id", ondelete="SET NULL"), index=True
    )
    applied_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # counted as paid
    refund_vnd: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # to give back
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidate_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)  # when unmatched
    note: Mapped[str] = mapped_column(sa.String(500), default="")  # why discarded or assigned
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[PaymentRequest | None] = relationship(back_populates="transactions")


class InvoiceTask(db.Model):
    """The buyer of a recorded e-invoice changed: accounting adjusts or replaces the e-invoice."""

    __tablename__ = "invoice_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = parent_key("payment_requests")
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    request: Mapped[PaymentRequest] = relationship()

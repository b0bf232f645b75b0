"""The demo exhibition's booth fees: a receiving account, and payment requests in every state
with the transfers that put them there (paid, part paid, overpaid, paid twice, unmatched,
discarded, expired, cancelled, refund due)."""

from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from stdnum.vn import mst

from ..dbtypes import utcnow
from ..events.models import Event
from ..exhibitors.models import Exhibitor, ExhibitorStatus
from ..extensions import db
from . import matching, services
from .demo_statement import write_statement
from .einvoices import record_einvoice
from .models import UNPAID, BankTransaction, PaymentRequest, Source
from .statements import PRESETS, save_profile

SAMPLE_STATEMENT = "sao-ke-mau-vietcombank.csv"  # under the instance folder's demo/

SELLER_TAX_CODE = "020099887" + mst.calc_check_digit("020099887")  # made up for the demo
ACCOUNT = {
    "bank_bin": "970436",  # Vietcombank
    "account_number": "0031000888666",
    "account_holder": "SO CONG THUONG THANH PHO HAI PHONG",
    "reference_prefix": "HP26",
    "due_days": 14,
    "default_vat_rate": 8,
    "seller_tax_code": SELLER_TAX_CODE,
    "seller_address": "Số 7 Lê Đại Hành, phường Hồng Bàng, thành phố Hải Phòng",
}


def _credit(event, request, amount, *, day, memo=None, counterparty="", number=0) -> None:
    matching.receive(
        event=event,
        item=matching.Received(
            amount_vnd=amount,
            booked_on=day,
            memo=memo
            if memo is not None
            else f"MBVCB.{7731000 + number}.{request.reference}.CK phi gian hang",
            bank_reference=f"FT26{340000 + number:06d}",
            counterparty=counterparty
            or (request.exhibitor.company_name_vi.upper() if request else ""),
            account_number=ACCOUNT["account_number"],
        ),
        source=Source.STATEMENT,
        now=datetime.combine(day, datetime.min.time(), tzinfo=event.tz) + timedelta(hours=10),
    )


def seed_payments(*, event: Event, now: datetime | None = None) -> int:
    """Load the demo's payments once (nothing when the exhibition has a receiving account)."""
    if services.settings_of(event) is not None:
        return 0
    now = now or utcnow()
    services.save_settings(event=event, **ACCOUNT)
    confirmed = list(
        db.session.scalars(
            sa.select(Exhibitor)
            .where(Exhibitor.event_id == event.id, Exhibitor.status == ExhibitorStatus.CONFIRMED)
            .order_by(Exhibitor.id)
        )
    )
    assigned = list(
        db.session.scalars(
            sa.select(Exhibitor)
            .where(
                Exhibitor.event_id == event.id, Exhibitor.status == ExhibitorStatus.BOOTH_ASSIGNED
            )
            .order_by(Exhibitor.id)
        )
    )
    if len(confirmed) < 6 or len(assigned) < 2:
        return 0
    today = now.astimezone(event.tz).date()
    made: list[PaymentRequest] = []
    for index, exhibitor in enumerate(confirmed + assigned[:2]):
        # Issued over the last three weeks: the older ones are due already.
        made.append(
            services.create_request(exhibitor=exhibitor, now=now - timedelta(days=20 - 2 * index))
        )
    paid, partial, overpaid, open_, refund, expired, cancelled, discounted = made
    # Power on one request before anything was paid, and a discount on another.
    services.add_line(
        request=open_, description_vi="Điện 3 pha 15 kW", description_en="Three-phase power, 15 kW",
        quantity=1, unit_price_vnd=2_500_000, vat_rate=8,
    )  # fmt: skip
    services.add_line(
        request=discounted, description_vi="Giảm giá doanh nghiệp hội viên", description_en="Member discount",
        quantity=1, unit_price_vnd=-1_500_000, vat_rate=8,
    )  # fmt: skip
    _credit(event, paid, paid.total_vnd, day=today - timedelta(days=12), number=1)
    _credit(event, partial, 10_000_000, day=today - timedelta(days=9), number=2)
    _credit(
        event, overpaid, overpaid.total_vnd + 2_000_000, day=today - timedelta(days=7), number=3
    )
    _credit(event, refund, refund.total_vnd, day=today - timedelta(days=6), number=4)
    _credit(event, paid, paid.total_vnd, day=today - timedelta(days=5), number=5)  # paid twice
    # A transfer with no reference, from a company paying the amount it owes: to be decided.
    _credit(
        event, open_, open_.total_vnd, day=today - timedelta(days=2), number=6,
        memo="CT TNHH chuyen khoan phi tham gia trien lam", counterparty=open_.exhibitor.company_name_vi.upper(),
    )  # fmt: skip
    _credit(
        event, None, 350_000, day=today - timedelta(days=3), number=7,
        memo="Hoan tien phi chuyen phat nhanh", counterparty="CONG TY CP CHUYEN PHAT NHANH",
    )  # fmt: skip
    waiting = db.session.scalar(
        sa.select(BankTransaction).where(
            BankTransaction.event_id == event.id,
            BankTransaction.amount_vnd == 350_000,
        )
    )
    matching.discard(transaction=waiting, reason="Không phải phí gian hàng: hoàn phí chuyển phát.")
    services.cancel_request(
        request=refund, reason="Công ty xin rút khỏi triển lãm sau khi đã chuyển khoản."
    )
    services.cancel_request(request=cancelled, reason="Gộp vào đề nghị thanh toán khác.")
    # Paid after it was cancelled: an error, on the refund list.
    _credit(event, cancelled, cancelled.total_vnd, day=today - timedelta(days=1), number=8)
    expired.due_on = today - timedelta(days=2)
    db.session.flush()
    services.expire(request=expired, now=now)
    save_profile(event=event, name="Vietcombank", columns=PRESETS["vietcombank"].columns)
    # Accounting issued the e-invoice of the first request paid, and recorded it.
    issued_on = today - timedelta(days=11)
    record_einvoice(
        request=paid, number="125", symbol=f"1C{issued_on.year % 100:02d}TAA", issued_on=issued_on,
        url="https://hoadondientu.gdt.gov.vn/", now=now,
    )  # fmt: skip
    db.session.flush()
    return len(made)


def write_sample_statement(*, event: Event, folder: Path, now: datetime | None = None) -> Path:
    """A statement of the demo's account, as Vietcombank exports it, to import on the Bank
    statements page: a transfer paying each request still owed (one of them short by a million),
    a transfer without a reference, and a bank fee."""
    settings = services.required_settings(event)
    owed = list(
        db.session.scalars(
            sa.select(PaymentRequest)
            .where(PaymentRequest.event_id == event.id, PaymentRequest.state.in_(UNPAID))
            .order_by(PaymentRequest.id)
        )
    )
    short = {owed[0].reference: owed[0].outstanding_vnd - 1_000_000} if owed else {}
    return write_statement(
        folder / SAMPLE_STATEMENT,
        owed,
        account_number=settings.account_number,
        holder=settings.account_holder,
        day=(now or utcnow()).astimezone(event.tz).date(),
        amounts=short,
    )

"""A sample bank statement for the demo exhibition, as Vietcombank's internet banking exports it
(the "vietcombank" preset of statements.py): title rows, the header, a transfer for each payment
request given, one transfer without a reference, a bank fee (a debit) and the totals."""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ..text import fold
from .statements import PRESETS

HEADER = ["STT", *[PRESETS["vietcombank"].columns[key] for key in ("date", "reference", "debit", "credit")], "Số dư",
          PRESETS["vietcombank"].columns["memo"]]  # fmt: skip


def _amount(value: int) -> str:
    return f"{value:,}" if value else ""  # 33,000,000 as the bank writes it


def _payer(request) -> str:
    exhibitor = getattr(request, "exhibitor", None)
    name = getattr(exhibitor, "company_name_vi", "") or "CONG TY KHACH HANG"
    return fold(name).upper()  # banks strip diacritics from memos and names


def statement_rows(
    requests: Iterable,
    *,
    account_number: str,
    holder: str,
    day: date,
    amounts: dict[str, int] | None = None,
) -> list[list[str]]:
    """The rows of the file. Each request (a PaymentRequest, or anything with `reference`,
    `outstanding_vnd` and perhaps `exhibitor.company_name_vi`) is paid the amount `amounts` gives
    for its reference, else what it owes; a request owing nothing gets no row."""
    amounts = amounts or {}
    start = datetime.combine(day - timedelta(days=6), time(8, 30))
    balance = 250_000_000
    rows = [
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        [f"Số tài khoản: {account_number}", f"Tên tài khoản: {holder}"],
        [f"Từ ngày {(day - timedelta(days=6)):%d/%m/%Y} đến ngày {day:%d/%m/%Y}"],
        [],
        HEADER,
    ]
    entries = []
    for index, request in enumerate(requests):
        amount = amounts.get(request.reference, request.outstanding_vnd)
        if amount <= 0:
            continue
        payer = _payer(request)
        memo = (
            f"MBVCB.{5_100_000_000 + index * 7919}.{request.reference} {payer} chuyen tien gian"
            f" hang.CT tu 01{index:08d} {payer} toi {account_number} {holder}"
        )
        entries.append((amount, 0, memo))
    entries.append((12_000_000, 0, "IBFT CONG TY TNHH THIET BI MIEN BAC thanh toan dich vu"))
    entries.append((0, 11_000, "Thu phi SMS Banking thang"))  # the bank's fee: a debit
    credits = debits = 0
    for number, (credit, debit, memo) in enumerate(entries, start=1):
        balance += credit - debit
        credits, debits = credits + credit, debits + debit
        when = start + timedelta(hours=number * 5 % (6 * 24), minutes=number * 7 % 60)
        rows.append([
            str(number), f"{when:%d/%m/%Y %H:%M:%S}", f"{5230 + number}.{day:%d%m%y}.{number:06d}",
            _amount(debit), _amount(credit), f"{balance:,}", memo,
        ])  # fmt: skip
    rows.append(["", "Tổng số", "", _amount(debits), _amount(credits), "", ""])
    rows.append(["", "Số dư cuối kỳ", "", "", "", f"{balance:,}", ""])
    return rows


def statement_csv(requests: Iterable, **kwargs) -> str:
    """The sample statement as the text of a CSV file (commas, as the bank writes it)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(statement_rows(requests, **kwargs))
    return out.getvalue()


def write_statement(path: Path, requests: Iterable, **kwargs) -> Path:
    """Write the sample statement to `path`, in UTF-8 with a BOM as Excel opens it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(statement_csv(requests, **kwargs), encoding="utf-8-sig", newline="")
    return path

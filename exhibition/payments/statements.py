"""Bank statement files: read with a bank profile, then imported all or nothing.

Organisers export the exhibition account's statement from their bank's internet banking (CSV or
.xlsx) and upload it. A bank profile says which column holds what by its header text, as the
file writes it: the date, either a signed amount or a credit column (and optionally a debit
column), the memo, and optionally the bank's reference and the payer. Exports often start with
a few title rows (the bank's name, the account, the period): the header is the first row, among
the first HEADER_ROWS, that names the profile's columns.

The file goes through the upload guard of spreadsheets.read_table (size, rows, zip bombs) and is
read and checked whole first: a bad cell is reported by its row in the file and its column's
header. Only when every row is good is the credits stored through matching.receive_many (which
stores a transfer once and matches it), in the caller's transaction with a StatementImport record, so a
file is imported entirely or not at all, and importing it again adds nothing.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.audit import record
from ..accounts.models import User
from ..errors import DomainError, NotFound
from ..events.models import Event
from ..extensions import db
from ..spreadsheets import header_key, read_table
from ..text import plain
from . import matching, services
from .models import BankProfile, BankTransaction, Outcome, Source, StatementImport
from .money import read_amount

MAX_BYTES = 10_000_000  # a year of a busy account is about 3 MB of CSV
MAX_ROWS = 50_000
MAX_COLS = 60
HEADER_ROWS = 30  # rows above the header (the bank's title, the account, the period) at most
SHOWN_PROBLEMS = 50  # problems listed; the rest are counted
MAX_HEADER = 100

# A profile's columns: the key in BankProfile.columns and its label on pages and in messages.
COLUMNS = {
    "date": _l("Date"),
    "amount": _l("Amount (signed: credits positive, debits negative)"),
    "credit": _l("Credit"),
    "debit": _l("Debit"),
    "memo": _l("Description"),
    "reference": _l("Bank reference"),
    "counterparty": _l("Payer"),
}


@dataclass(frozen=True)
class Preset:
    name: str
    columns: dict[str, str]


# Headers as the banks' internet banking exports write them (the organiser checks them against
# their own file and edits the profile when the bank changes its export).
PRESETS = {
    "vietcombank": Preset(
        "Vietcombank",
        {
            "date": "Ngày giao dịch",
            "reference": "Số tham chiếu",
            "debit": "Số tiền ghi nợ",
            "credit": "Số tiền ghi có",
            "memo": "Mô tả",
        },
    ),  # fmt: skip
    "vietinbank": Preset(
        "VietinBank",
        {
            "date": "Ngày giao dịch",
            "memo": "Nội dung giao dịch",
            "debit": "Ghi nợ",
            "credit": "Ghi có",
            "reference": "Số giao dịch",
            "counterparty": "Tên đối ứng",
        },
    ),  # fmt: skip
    "bidv": Preset(
        "BIDV",
        {
            "date": "Ngày hiệu lực",
            "reference": "Số tham chiếu",
            "debit": "Ghi nợ",
            "credit": "Ghi có",
            "memo": "Mô tả",
        },
    ),  # fmt: skip
    "techcombank": Preset(
        "Techcombank",
        {
            "date": "Ngày giao dịch",
            "counterparty": "Đối tác",
            "memo": "Diễn giải",
            "debit": "Nợ TKTT",
            "credit": "Có TKTT",
            "reference": "Số bút toán",
        },
    ),  # fmt: skip
    "mb": Preset(
        "MB",
        {
            "date": "Ngày giao dịch",
            "reference": "Mã giao dịch",
            "amount": "Số tiền",
            "memo": "Nội dung",
            "counterparty": "Tên tài khoản đối ứng",
        },
    ),  # fmt: skip
    "custom": Preset("", {}),
}

# Rows below the transactions that carry no date: totals and balances (folded first words).
_SUMMARY_WORDS = ("tong", "total", "congphatsinh", "sodu", "opening", "closing", "balance", "luyke")
_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]+(\d{2}):(\d{2})(?::(\d{2}))?)?")


class ProfileNotFound(NotFound):
    code = "bank_profile_not_found"
    message = _l("This bank profile does not exist.")


class ImportNotFound(NotFound):
    code = "statement_import_not_found"
    message = _l("This statement import does not exist.")


class InvalidProfile(DomainError):
    code = "invalid_bank_profile"
    status = 422
    message = _l("Check the bank profile.")

    def __init__(self, problems: dict[str, str]):
        self.problems = problems  # {column key or "name": message}
        super().__init__(next(iter(problems.values())))


class StatementRefused(DomainError):
    """The file cannot be imported; `problems` lists why (whole-file problems, or every bad cell
    by row and column). Nothing of it was stored."""

    code = "statement_refused"
    status = 422
    message = _l("The statement was not imported.")

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(problems[0] if problems else None)


# --- profiles ----------------------------------------------------------------------------------


def profiles_of(event: Event) -> list[BankProfile]:
    return list(
        db.session.scalars(
            sa.select(BankProfile)
            .where(BankProfile.event_id == event.id)
            .order_by(BankProfile.name)
        )
    )


def get_profile(*, event: Event, profile_id: int) -> BankProfile:
    profile = db.session.get(BankProfile, profile_id)
    if profile is None or profile.event_id != event.id:
        raise ProfileNotFound()
    return profile


def clean_columns(columns: dict[str, str]) -> dict[str, str]:
    """The mapping as stored: every key of COLUMNS, headers trimmed ("" when not used)."""
    return {key: " ".join((columns.get(key) or "").split()) for key in COLUMNS}


def profile_problems(name: str, columns: dict[str, str]) -> dict[str, str]:
    """What is wrong with a profile, by field ("name" or a column key); empty when it is good."""
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = _("Give the profile a name, such as the bank's.")
    elif len(name.strip()) > 80:
        problems["name"] = _("At most %(count)s characters.", count=80)
    elif not plain(name):
        problems["name"] = _(
            "Use letters, digits and ordinary punctuation only (no emoji or symbols)."
        )
    for key, header in columns.items():
        if len(header) > MAX_HEADER:
            problems[key] = _("At most %(count)s characters.", count=MAX_HEADER)
        elif header and not plain(header):
            problems[key] = _(
                "Use letters, digits and ordinary punctuation only (no emoji or symbols)."
            )
        elif header and not header_key(header):
            problems[key] = _("A header needs at least one letter or digit.")
    for key in ("date", "memo"):
        if not columns[key]:
            problems.setdefault(key, _("Enter the header of this column as the file writes it."))
    if columns["amount"] and columns["credit"]:
        problems.setdefault(
            "amount",
            _("Give either a signed amount column or a credit column, not both."),
        )
    elif not columns["amount"] and not columns["credit"]:
        problems.setdefault(
            "credit",
            _("Enter the header of the credit column, or of a signed amount column."),
        )
    if columns["debit"] and not columns["credit"]:
        problems.setdefault("debit", _("A debit column goes with a credit column."))
    seen: dict[str, str] = {}
    for key, header in columns.items():
        folded = header_key(header)
        if not folded:
            continue
        if folded in seen:
            problems.setdefault(
                key,
                _(
                    "The same header as “%(other)s”: each column has its own.",
                    other=COLUMNS[seen[folded]],
                ),
            )
        else:
            seen[folded] = key
    return problems


def save_profile(
    *,
    event: Event,
    name: str,
    columns: dict[str, str],
    profile: BankProfile | None = None,
    user: User | None = None,
) -> BankProfile:
    """Create or change a bank profile; InvalidProfile says what is wrong, by field."""
    name = " ".join(name.split())
    columns = clean_columns(columns)
    problems = profile_problems(name, columns)
    taken = db.session.scalar(
        sa.select(BankProfile.id).where(
            BankProfile.event_id == event.id,
            sa.func.lower(BankProfile.name) == name.lower(),
            BankProfile.id != (profile.id if profile else -1),
        )
    )
    if taken is not None and "name" not in problems:
        problems["name"] = _("Another profile has this name.")
    if problems:
        raise InvalidProfile(problems)
    if profile is None:
        profile = BankProfile(event_id=event.id)
        db.session.add(profile)
    profile.name = name
    profile.columns = columns
    db.session.flush()
    return profile


# --- reading a file ----------------------------------------------------------------------------


@dataclass
class StatementRow:
    line: int  # the row in the file
    item: matching.Received


@dataclass
class Statement:
    """A file read whole: its credits, and how many rows were debits or summaries."""

    credits: list[StatementRow] = field(default_factory=list)
    ignored: int = 0  # debits, zero amounts, totals and balances


def decode_csv(data: bytes) -> bytes:
    """CSV bytes as UTF-8: files some banks still save in Windows-1258 (Vietnamese Windows) are
    turned into UTF-8 first; UTF-8 itself, with or without BOM, is left alone."""
    if data[:4] == b"PK\x03\x04" or len(data) > MAX_BYTES or b"\x00" in data:  # UTF-16: no
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258").encode("utf-8")
    except UnicodeDecodeError:
        return data  # read_table then says it is not UTF-8


def _header_row(table, wanted: dict[str, str]) -> tuple[int, dict[str, int]] | list[str]:
    """(index in table, {column key: cell index}) of the first row among the first HEADER_ROWS
    naming every wanted header; else the labels of the columns missing from the closest row."""
    keys = {key: header_key(header) for key, header in wanted.items()}
    best: list[str] | None = None
    for index, (line, cells) in enumerate(table):
        if line > HEADER_ROWS and index:
            break
        folded = [header_key(cell) for cell in cells]
        found = {key: folded.index(k) for key, k in keys.items() if k in folded}
        if len(found) == len(keys):
            return index, found
        missing = [f"“{wanted[key]}”" for key in keys if key not in found]
        if best is None or len(missing) < len(best):
            best = missing
    return best or [f"“{header}”" for header in wanted.values()]


def parse_date(text: str) -> date:
    """A statement's date: dd/mm/yyyy (or with - or .), perhaps with a time; a date cell of a
    workbook (read as yyyy-mm-dd hh:mm:ss). ValueError otherwise."""
    text = text.strip()
    match = _DATE.fullmatch(text)
    if match:
        day, month, year = (int(x) for x in match.groups()[:3])
    else:
        match = _ISO.fullmatch(text)
        if not match:
            raise ValueError(text)
        year, month, day = (int(x) for x in match.groups()[:3])
    hour, minute, second = (int(x or 0) for x in match.groups()[3:])
    if hour > 23 or minute > 59 or second > 59 or not 2000 <= year <= 2100:
        raise ValueError(text)
    return date(year, month, day)


def _is_summary(cells: list[str]) -> bool:
    first = next((cell for cell in cells if cell), "")
    return header_key(first).startswith(_SUMMARY_WORDS)


def read_statement(data: bytes, filename: str, profile: BankProfile) -> Statement:
    """Every row of the file read and checked; StatementRefused with every problem (by row and
    column) when anything is wrong, so that nothing is stored from a file with a bad row."""
    columns = clean_columns(profile.columns or {})
    wanted = {key: header for key, header in columns.items() if header}
    try:
        table = read_table(
            decode_csv(data), filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_cols=MAX_COLS
        )
    except ValueError as error:
        raise StatementRefused([str(error)]) from error
    found = _header_row(table, wanted)
    if isinstance(found, list):
        raise StatementRefused(
            [
                _(
                    "No row among the first %(count)s names the columns of the profile"
                    " “%(profile)s”; missing: %(columns)s. Check that the file is this bank's"
                    " statement, or correct the profile.",
                    count=HEADER_ROWS,
                    profile=profile.name,
                    columns=", ".join(found),
                )
            ]
        )
    header_index, at = found
    body = table[header_index + 1 :]
    if len(table) > MAX_ROWS + 1:  # read_table stopped reading there: the file goes on
        raise StatementRefused(
            [
                _(
                    "The file has more than %(count)s rows; split it into smaller files.",
                    count=MAX_ROWS,
                )
            ]
        )
    statement = Statement()
    problems: list[str] = []
    for line, cells in body:
        _read_row(line, cells, at, wanted, statement, problems)
    if problems:
        raise StatementRefused(problems)
    if not statement.credits and not statement.ignored:
        raise StatementRefused([_("The file has no transactions below its header row.")])
    return statement


def _read_row(line, cells, at, wanted, statement: Statement, problems: list[str]) -> None:
    width = len(cells)
    values = {key: cells[index] if index < width else "" for key, index in at.items()}

    def problem(key: str, reason: str) -> None:
        problems.append(
            _(
                "Row %(line)s, column “%(column)s”: %(reason)s.",
                line=line,
                column=wanted[key],
                reason=reason,
            )
        )

    money_keys = [key for key in ("amount", "credit", "debit") if key in at]
    if not values["date"] or header_key(values["date"]).startswith(_SUMMARY_WORDS):
        if values["date"] or _is_summary(cells) or not any(values[key] for key in money_keys):
            statement.ignored += 1  # a total, a balance, a signature line
        else:
            problem("date", _("the date is missing"))
        return
    if not any(ch.isdigit() for ch in values["date"]) and not any(values[k] for k in money_keys):
        statement.ignored += 1  # a line of text below the table ("Người lập biểu", a signature)
        return
    before = len(problems)
    booked_on = None
    try:
        booked_on = parse_date(values["date"])
    except ValueError:
        problem(
            "date", _("“%(value)s” is not a date written dd/mm/yyyy", value=values["date"][:40])
        )
    amounts = {}
    for key in money_keys:
        text = values[key]
        if not text:
            amounts[key] = 0
            continue
        try:
            amounts[key] = read_amount(text)
        except ValueError:
            problem(key, _("“%(value)s” is not an amount of whole dong", value=text[:40]))
            continue
        if key in ("credit", "debit") and amounts[key] < 0:
            problem(key, _("a negative amount in a credit or debit column"))
        elif abs(amounts[key]) > services.MAX_AMOUNT:
            problem(key, _("the amount is too large"))
    if len(problems) > before:
        return
    credit = amounts.get("amount", 0) if "amount" in at else amounts.get("credit", 0)
    if credit <= 0:
        statement.ignored += 1  # a debit: money going out is not a booth fee
        return
    statement.credits.append(
        StatementRow(
            line=line,
            item=matching.Received(
                amount_vnd=credit,
                booked_on=booked_on,
                memo=values.get("memo", ""),
                bank_reference=values.get("reference", ""),
                counterparty=values.get("counterparty", ""),
            ),
        )
    )


# --- importing ---------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    statement: StatementImport
    rows: int  # credit rows read
    added: int  # new transactions
    ignored: int  # debits, totals
    outcomes: Counter  # Outcome -> new transactions with it
    imported_before: StatementImport | None  # the same file, imported earlier


def import_statement(
    *, event: Event, profile: BankProfile, data: bytes, filename: str, user: User | None = None
) -> ImportSummary:
    """Import a statement file entirely or not at all (StatementRefused); the caller commits."""
    settings = services.required_settings(event)
    statement = read_statement(data, filename, profile)
    digest = hashlib.sha256(data).hexdigest()
    before = db.session.scalar(
        sa.select(StatementImport)
        .where(StatementImport.event_id == event.id, StatementImport.sha256 == digest)
        .order_by(StatementImport.id)
        .limit(1)
    )
    record_ = StatementImport(
        event_id=event.id,
        profile_id=profile.id,
        filename=(filename or "")[:200],
        sha256=digest,
        rows=len(statement.credits),
        user_id=user.id if user else None,
    )
    db.session.add(record_)
    db.session.flush()
    outcomes: Counter = Counter()
    for row in statement.credits:
        row.item.account_number = settings.account_number  # the statement is of this account
    added = matching.receive_many(
        event=event,
        items=[row.item for row in statement.credits],
        source=Source.STATEMENT,
        statement_id=record_.id,
    )
    outcomes.update(transaction.outcome for transaction in added)
    record_.added = sum(outcomes.values())
    db.session.flush()
    record(
        actor=user,
        action="payments.statement_imported",
        event=event,
        target=record_,
        summary=record_.filename,
        details={
            "profile": profile.name,
            "rows": record_.rows,
            "added": record_.added,
            "sha256": digest,
        },
    )
    return ImportSummary(
        statement=record_,
        rows=record_.rows,
        added=record_.added,
        ignored=statement.ignored,
        outcomes=outcomes,
        imported_before=before,
    )


def imports_of(event: Event, limit: int = 100) -> list[StatementImport]:
    return list(
        db.session.scalars(
            sa.select(StatementImport)
            .where(StatementImport.event_id == event.id)
            .order_by(StatementImport.id.desc())
            .limit(limit)
        )
    )


def get_import(*, event: Event, import_id: int) -> StatementImport:
    found = db.session.get(StatementImport, import_id)
    if found is None or found.event_id != event.id:
        raise ImportNotFound()
    return found


def outcomes_of(statement: StatementImport) -> Counter:
    """What the transactions an import added did (as they stand now: a person may since have
    assigned an unmatched one)."""
    rows = db.session.execute(
        sa.select(BankTransaction.outcome, sa.func.count())
        .where(BankTransaction.statement_id == statement.id)
        .group_by(BankTransaction.outcome)
    )
    return Counter({outcome: count for outcome, count in rows})


OUTCOME_ORDER = (
    Outcome.PAID,
    Outcome.PARTIAL,
    Outcome.OVERPAID,
    Outcome.DUPLICATE,
    Outcome.ERROR,
    Outcome.UNMATCHED,
    Outcome.DISCARDED,
)

"""Bank statement import: a 20,000-row statement matched against 2,000 open payment requests.

Seeds an exhibition with its receiving account and 2,000 exhibitors, each with an open payment
request of one line (16,200,000 ₫ VAT included), then writes a Vietcombank-style CSV (the preset's
headers, four title rows, totals at the bottom) of --rows rows:

- 1,400 requests paid in full, 400 in two parts, 200 overpaid (the reference in the memo, among
  the bank's own words), 200 requests not paid;
- --debits rows of money going out (read and left out);
- the rest credits without a reference (other income; payers' names, a tenth of them owing
  exactly a request's amount), which are stored unmatched with candidate requests.

Measures through exhibition/payments/statements.py: reading and checking the whole file
(read_statement), then import_statement (the credits through matching.receive_many: stored once and
matched under the requests' row locks) and the commit; then the same file again (everything
known, nothing added). Prints seconds, statements of SQL, and peak RSS (getrusage) after seeding,
after the import and after the re-import, so that memory growth shows. With --profile (or when
the import takes over 10 s) a cProfile of a second import into a fresh exhibition follows.

Database: a SQLite file in a temporary folder, or PostgreSQL when BENCH_DATABASE_URL (or
--database) is given (its name must contain "bench": it is dropped and created).

Run: .venv/bin/python bench/payments_statement.py [--rows 20000] [--requests 2000] [--profile]
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _common import (
    bench_env,
    bench_url,
    dispose,
    drop_database,
    migrated_app,
    print_profile,
    recreate_database,
)

TARGET_SECONDS = 10.0
VCB = {"date": "Ngày giao dịch", "reference": "Số tham chiếu", "debit": "Số tiền ghi nợ",
       "credit": "Số tiền ghi có", "memo": "Mô tả"}  # fmt: skip
HEADER = [
    "STT",
    "Ngày giao dịch",
    "Số tham chiếu",
    "Số tiền ghi nợ",
    "Số tiền ghi có",
    "Số dư",
    "Mô tả",
]
WORDS = ["Cơ khí", "Điện tử", "Nhựa", "Khuôn mẫu", "Linh kiện", "Tự động hóa", "Bao bì", "Thép",
         "Cao su", "Công nghệ", "Hải An", "Đông Á", "Việt Nhật", "Tân Phát", "Minh Long", "Bình An"]  # fmt: skip
FEE = 16_200_000  # 15,000,000 plus 8 % VAT


class SqlCounter:
    """How many SQL statements an engine runs inside the block."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        import sqlalchemy as sa

        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._count)
        return False


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(app, slug: str, requests: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """The exhibition, its account and `requests` open requests; (reference, company, owed)."""
    from datetime import UTC, datetime

    from exhibition.booths.models import BoothType
    from exhibition.events.services import EventData, create_event
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
    from exhibition.extensions import db
    from exhibition.payments import references
    from exhibition.payments.models import LineKind, PaymentLine, PaymentRequest, RequestState
    from exhibition.payments.services import save_settings

    now = datetime.now(UTC)
    with app.app_context():
        event = create_event(
            data=EventData(
                slug=slug, name_vi="Triển lãm thử tải", name_en="Load test expo",
                venue_vi="Hải Phòng", venue_en="Hai Phong",
                starts_at=now + timedelta(days=60), ends_at=now + timedelta(days=62),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=59),
            )
        )  # fmt: skip
        save_settings(
            event=event, bank_bin="970436", account_number="0031000123456",
            account_holder="SO CONG THUONG HAI PHONG", reference_prefix="HP26", due_days=14,
            default_vat_rate=8, seller_tax_code="0200123456", seller_address="Hải Phòng",
        )  # fmt: skip
        made, seen = [], set()
        for n in range(requests):
            company = f"Công ty TNHH {rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
            exhibitor = Exhibitor(
                event_id=event.id, status=ExhibitorStatus.CONFIRMED, company_name_vi=company,
                tax_code=f"{slug[-2:]}{n:08d}"[:10], province_code="HP", contact_name="Lê Văn Hải",
                contact_email=f"c{n}@example.com", contact_phone="+84912345678",
                booth_type=BoothType.STANDARD,
            )  # fmt: skip
            db.session.add(exhibitor)
            reference = references.new_reference("HP26")
            while reference in seen:
                reference = references.new_reference("HP26")
            seen.add(reference)
            request = PaymentRequest(
                event_id=event.id, exhibitor=exhibitor, reference=reference,
                state=RequestState.OPEN, total_vnd=FEE, due_on=date.today() + timedelta(days=14),
            )  # fmt: skip
            request.lines.append(
                PaymentLine(kind=LineKind.EXTRA, description_vi="Gian hàng", quantity=1,
                            unit_price_vnd=15_000_000, vat_rate=8)
            )  # fmt: skip
            db.session.add(request)
            made.append((reference, company, FEE))
            if n % 500 == 499:
                db.session.flush()
        db.session.commit()
        return made


def statement_file(requests, rows: int, debits: int, rng: random.Random) -> tuple[bytes, dict]:
    """The CSV and what it holds by kind."""
    from exhibition.text import fold

    day = date.today() - timedelta(days=30)
    entries = []  # (credit, debit, memo)
    kinds = {"full": 0, "parts": 0, "overpaid": 0, "unpaid": 0, "debits": 0, "other": 0}
    for index, (reference, company, owed) in enumerate(requests):
        payer = fold(company).upper()
        memo = f"MBVCB.{5_100_000_000 + index}.{reference} {payer} chuyen tien gian hang"
        share = index % 10
        if share < 7:
            entries.append((owed, 0, memo))
            kinds["full"] += 1
        elif share == 7:
            entries += [(owed // 2, 0, memo), (owed - owed // 2, 0, f"{reference} tra not")]
            kinds["parts"] += 1
        elif share == 8:
            entries.append((owed + 1_000_000, 0, memo))
            kinds["overpaid"] += 1
        else:
            kinds["unpaid"] += 1
    for _ in range(debits):
        entries.append((0, rng.randrange(10, 5000) * 1000, "Chuyen tien thanh toan nha cung cap"))
        kinds["debits"] += 1
    while len(entries) < rows:
        company = fold(f"Công ty {rng.choice(WORDS)} {rng.choice(WORDS)}").upper()
        amount = FEE if rng.random() < 0.1 else rng.randrange(100, 100_000) * 1000
        entries.append((amount, 0, f"IBFT {company} thanh toan hop dong {rng.randrange(10**6)}"))
        kinds["other"] += 1
    rng.shuffle(entries)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"], ["SAO KÊ TÀI KHOẢN"],
                      ["Số tài khoản: 0031000123456"], [], HEADER])  # fmt: skip
    balance = 10**10
    for number, (credit, debit, memo) in enumerate(entries[:rows], start=1):
        balance += credit - debit
        when = day + timedelta(days=number * 30 // rows)
        writer.writerow([number, f"{when:%d/%m/%Y} 10:{number % 60:02d}:00", f"FT{number:010d}",
                         f"{debit:,}" if debit else "", f"{credit:,}" if credit else "", f"{balance:,}", memo])  # fmt: skip
    writer.writerow(["", "Tổng số", "", "", "", "", ""])
    return out.getvalue().encode("utf-8-sig"), kinds


def run(app, slug, data, *, profile=False):
    """(seconds to read, seconds to import and commit, summary, SQL statements)."""
    from exhibition.events.services import get_event
    from exhibition.extensions import db
    from exhibition.payments.statements import (
        import_statement,
        profiles_of,
        read_statement,
        save_profile,
    )

    with app.app_context():
        event = get_event(slug=slug)
        bank = next((p for p in profiles_of(event) if p.name == "Vietcombank"), None)
        if bank is None:
            bank = save_profile(event=event, name="Vietcombank", columns=VCB)
            db.session.commit()
        started = time.perf_counter()
        read_statement(data, "sao-ke.csv", bank)
        read_seconds = time.perf_counter() - started
        profiler = cProfile.Profile() if profile else None
        with SqlCounter(db.engine) as counter:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            summary = import_statement(event=event, profile=bank, data=data, filename="sao-ke.csv")
            db.session.commit()
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
        return read_seconds, seconds, summary, counter.count, profiler


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--debits", type=int, default=8_000)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--profile", action="store_true", help="profile a second import")
    parser.add_argument("--no-profile", action="store_true", help="not even when over 10 s")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    rng = random.Random(16)
    folder = Path(tempfile.mkdtemp(prefix="bench-statement-"))
    url = bench_url(parser, args.database) if args.database else None
    database = (
        url.render_as_string(hide_password=False) if url else f"sqlite:///{folder / 'bench.db'}"
    )
    app = None
    figures: dict = {}
    try:
        if url:
            recreate_database(url)
        env = bench_env(database, folder / "instance")
        app = migrated_app(
            env, database, folder / "instance", SECRET_KEY="bench-only", MAIL_SERVER=None
        )
        started = time.perf_counter()
        requests = seed(app, "bench-a", args.requests, rng)
        data, kinds = statement_file(requests, args.rows, args.debits, rng)
        print(f"database: {'PostgreSQL' if url else 'SQLite (file)'}; seeded {len(requests):,} open requests"
              f" in {time.perf_counter() - started:.1f} s; statement {len(data) / 1e6:.1f} MB, {args.rows:,} rows:"
              f" {kinds}")  # fmt: skip
        print(f"peak RSS after seeding: {peak_mb():.0f} MB")
        read_seconds, seconds, summary, statements, _ = run(app, "bench-a", data)
        outcomes = {
            o.value: n for o, n in sorted(summary.outcomes.items(), key=lambda x: x[0].value)
        }
        print(f"read and check the whole file: {read_seconds:.2f} s")
        print(f"import and match: {seconds:.2f} s ({summary.rows:,} credits, {summary.added:,} new,"
              f" {summary.ignored:,} left out; {statements:,} SQL statements, {statements / max(summary.rows, 1):.1f}"
              f" per credit) {'(target < 10 s: met)' if seconds < TARGET_SECONDS else '(target < 10 s: NOT met)'}")  # fmt: skip
        print(f"outcomes: {outcomes}")
        print(f"peak RSS after the import: {peak_mb():.0f} MB")
        read_again, again, summary2, statements2, _ = run(app, "bench-a", data)
        print(
            f"the same file again: {again:.2f} s, {summary2.added} new, {statements2:,} SQL statements"
        )
        print(f"peak RSS after the re-import: {peak_mb():.0f} MB")
        figures = {
            "rows": args.rows,
            "requests": len(requests),
            "credits": summary.rows,
            "seconds": seconds,
            "statements": statements,
            "again_seconds": again,
            "again_added": summary2.added,
            "peak_mb": peak_mb(),
            "database": "PostgreSQL" if url else "SQLite",
        }
        if args.profile or (seconds > TARGET_SECONDS and not args.no_profile):
            requests_b = seed(app, "bench-b", args.requests, random.Random(16))
            data_b, _ = statement_file(requests_b, args.rows, args.debits, random.Random(17))
            _, seconds_b, summary_b, _, profiler = run(app, "bench-b", data_b, profile=True)
            stats = pstats.Stats(profiler)
            print_profile(stats, count=summary_b.rows, top=args.top, what="credits imported")
    finally:
        dispose(app)
        if url:
            drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()

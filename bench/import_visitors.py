"""Bulk import of visitors, and the export of the same, on PostgreSQL.

Generates realistic Vietnamese rows (names with diacritics, unique e-mails on shared webmail and
company domains, phones written the ways people write them, provinces by name, without diacritics,
with "TP." or by code, a few people from abroad, sectors), writes them to a CSV (UTF-8 with BOM,
semicolons, as Excel saves it) and an .xlsx, creates a throw-away database (--database; its name
must contain "bench"), migrates it, then measures through the real code paths:

- the CSV import (exhibition/visitors/importing.import_visitors, committed), then the same file
  again (every row "already registered"), and the .xlsx import into a second exhibition;
- the CSV and Excel export of the imported people through the organisers' route
  (GET /admin/events/<slug>/registrations.csv|.xlsx, Flask test client): time and size;
- an import with confirmation e-mails (--confirmations rows, a third exhibition): outbox rows;
- with --profile, a cProfile of the CSV import (before the timed run, in a separate exhibition).

Checks what must hold (every row imported once, badge codes and links unique, one processing
consent each, the export has every person) and drops the database in every case.

Run: .venv/bin/python bench/import_visitors.py [--rows 50000] [--confirmations 2000] [--profile]
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (
    CpuMeter,
    bench_env,
    bench_url,
    dispose,
    drop_database,
    migrate,
    others,
    recreate_database,
)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_import"
TARGET_SECONDS = 30.0

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Cao"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Hoàng", "Thu", "Xuân",
          "Gia", "Bảo", "Khánh", "Anh", ""]  # fmt: skip
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa",
         "Hùng", "Hương", "Huyền", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Ngân",
         "Nhung", "Phúc", "Phương", "Quân", "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Trang",
         "Trung", "Tuấn", "Tú", "Việt", "Vy", "Yến"]  # fmt: skip
COMPANY_WORDS = ["Cơ khí", "Điện tử", "Nhựa", "Khuôn mẫu", "Linh kiện", "Tự động hóa", "Bao bì",
                 "Vật liệu", "Thép", "Cao su", "Dệt may", "Công nghệ", "Thương mại", "Hải An",
                 "Đình Vũ", "Tràng Duệ", "Nam Cầu Kiền", "An Dương", "Việt Nhật", "Sao Đỏ",
                 "Hoàng Long", "Minh Phát", "Thành Công", "Đông Á", "Bắc Hải"]  # fmt: skip
COMPANY_KINDS = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Tập đoàn", "Xí nghiệp"]
TITLES = ["Giám đốc", "Phó Giám đốc", "Trưởng phòng Kinh doanh", "Trưởng phòng Mua hàng",
          "Kỹ sư", "Kỹ sư cơ khí", "Chuyên viên", "Nhân viên kinh doanh", "Quản đốc", "", ""]  # fmt: skip
WEBMAIL = [("gmail.com", 40), ("yahoo.com", 4), ("outlook.com", 3), ("hotmail.com", 2)]
# Where visitors come from (codes), weighted towards the host city and the big cities near it.
PROVINCES = [("HP", 40), ("HN", 15), ("QNI", 8), ("HY", 5), ("BN", 5), ("NB", 4), ("HCM", 4),
             ("TH", 3), ("TN", 2), ("PT", 2), ("DN", 2), ("NA", 2)]  # fmt: skip
ABROAD = ["Japan", "South Korea", "Hàn Quốc", "China", "Nhật Bản", "Singapore", "DE", "TW"]
SECTORS = ["mechanical", "moulds", "electronics", "electrical", "automotive", "textile",
           "leather", "plastics", "packaging", "automation", "materials", "hightech",
           "processing", "services"]  # fmt: skip
MOBILE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "56", "58", "70", "76", "77",
                   "78", "79", "81", "82", "83", "84", "85", "86", "88", "90", "91", "93",
                   "94", "96", "97", "98"]  # fmt: skip
HEADER = ["Họ và tên", "Email", "Điện thoại", "Đơn vị", "Chức vụ", "Loại khách",
          "Tỉnh/thành phố", "Quốc gia", "Lĩnh vực", "Ngôn ngữ"]  # fmt: skip


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def generate(count: int, *, seed: int, start: int = 0) -> list[list]:
    """`count` people as rows under HEADER; e-mails are unique (numbered from `start`)."""
    from exhibition.text import fold

    rng = random.Random(seed)
    names = {"HP": "Hải Phòng", "HN": "Hà Nội", "QNI": "Quảng Ninh", "HY": "Hưng Yên",
             "BN": "Bắc Ninh", "NB": "Ninh Bình", "HCM": "Hồ Chí Minh", "TH": "Thanh Hóa",
             "TN": "Thái Nguyên", "PT": "Phú Thọ", "DN": "Đà Nẵng", "NA": "Nghệ An"}  # fmt: skip
    companies = [
        f"{rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)}"
        for _ in range(3000)
    ]
    rows = []
    for n in range(start, start + count):
        middle = rng.choice(MIDDLE)
        name = " ".join(p for p in (rng.choice(FAMILY), middle, rng.choice(GIVEN)) if p)
        company = rng.randrange(len(companies))
        if rng.random() < 0.5:
            domain = _weighted(rng, WEBMAIL)
        else:
            domain = f"cty{company}.com.vn" if company % 3 else f"company{company}.vn"
        local = fold(name).replace(" ", ".")
        email = f"{local}{n}@{domain}" if rng.random() < 0.9 else f"{local.upper()}{n}@{domain}"
        abroad = rng.random() < 0.02
        if abroad:
            phone = f"+81 90 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
            province, country, language = "", rng.choice(ABROAD), "en"
        else:
            digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
            phone = rng.choice(
                [
                    f"0{digits[:3]} {digits[3:6]} {digits[6:]}",
                    f"0{digits}",
                    f"+84 {digits}",
                    f"0{digits[:3]}.{digits[3:6]}.{digits[6:]}",
                ]  # fmt: skip
            )
            code = _weighted(rng, PROVINCES)
            province = rng.choice(
                [names[code], names[code], f"TP. {names[code]}", fold(names[code]).title(), code]
            )
            country, language = "", "vi" if rng.random() < 0.92 else "en"
        sectors = "; ".join(rng.sample(SECTORS, rng.randrange(0, 4)))
        category = rng.choices(["trade", "public", "press"], weights=[80, 18, 2])[0]
        rows.append([name, email, phone, companies[company], rng.choice(TITLES), category,
                     province, country, sectors, language])  # fmt: skip
    return rows


def write_csv(rows: list[list], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def write_xlsx(rows: list[list], path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Khách")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def make_event(slug: str):
    from exhibition.events.services import EventData, create_event
    from exhibition.extensions import db

    now = datetime.now(UTC)
    event = create_event(
        data=EventData(
            slug=slug, name_vi="Triển lãm Công nghiệp hỗ trợ", name_en="Supporting Industry Expo",
            venue_vi="Trung tâm Hội chợ Triển lãm Hải Phòng", venue_en="Hai Phong Exhibition Centre",
            starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=33),
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=29),
        )
    )  # fmt: skip
    db.session.commit()
    return event


class Measured:
    """Wall time of a block, and the CPU that this process, our PostgreSQL backends and the rest
    of the machine used meanwhile (in cores)."""

    def __init__(self, database: str):
        self.meter = CpuMeter(os.getpid(), database)

    def __enter__(self):
        self.meter.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.meter.__exit__(*exc)
        self.cpu = self.meter.result
        return False


def import_file(app, database: str, slug: str, path: Path, *, confirmations: bool = False):
    """Import a file into the exhibition `slug` (made when new) and commit; (report, Measured)."""
    from exhibition.events.services import EventNotFound, get_event
    from exhibition.extensions import db
    from exhibition.visitors.importing import import_visitors

    with app.test_request_context("/?lang=en"):
        try:
            event = get_event(slug=slug)
        except EventNotFound:
            event = make_event(slug)
        data = path.read_bytes()
        with Measured(database) as measured:
            report = import_visitors(
                event=event, data=data, filename=path.name, category_code=None,
                send_confirmations=confirmations, consent_confirmed=True,
            )  # fmt: skip
            db.session.commit()
        db.session.remove()
    return report, measured


def check_stored(app, slug: str, rows: int) -> dict:
    """What must hold after importing `rows` people: counts straight from the database."""
    import sqlalchemy as sa

    from exhibition.extensions import db

    query = sa.text(
        """
        SELECT count(*), count(DISTINCT r.badge_code), count(DISTINCT r.manage_token),
               count(DISTINCT r.email_key),
               (SELECT count(*) FROM consents c JOIN registrations x ON x.id = c.registration_id
                 WHERE x.event_id = e.id AND c.purpose = 'processing' AND c.granted
                   AND c.wording_version = 'import'),
               (SELECT count(*) FROM registration_sectors s
                  JOIN registrations x ON x.id = s.registration_id WHERE x.event_id = e.id),
               count(*) FILTER (WHERE r.source = 'import' AND r.status = 'confirmed'),
               count(*) FILTER (WHERE r.badge_code ~ '^[A-Z2-7]{26}$'
                                  AND length(r.manage_token) = 43)
        FROM registrations r JOIN events e ON e.id = r.event_id
        WHERE e.slug = :slug GROUP BY e.id
        """
    )
    with app.app_context():
        found = db.session.execute(query, {"slug": slug}).one()
        outbox = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM outbox_messages m JOIN events e ON e.id = m.event_id"
                " WHERE e.slug = :slug AND m.kind = 'confirmation'"
            ),
            {"slug": slug},
        )
    names = ["registrations", "badge codes", "links", "e-mails", "consents", "sector rows",
             "source import", "well-formed"]  # fmt: skip
    result = dict(zip(names, found, strict=True))
    result["outbox"] = outbox
    result["ok"] = all(result[n] == rows for n in names if n != "sector rows")
    return result


def export(client, database: str, slug: str, kind: str):
    """The organisers' export route: (bytes, rows in the file, Measured)."""
    with Measured(database) as measured:
        response = client.get(f"/admin/events/{slug}/registrations.{kind}")
    assert response.status_code == 200, response.status_code
    if kind == "csv":
        count = len(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))) - 1
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.data), read_only=True)
        count = sum(1 for _row in workbook.worksheets[0].iter_rows(max_col=1)) - 1
        workbook.close()
    return len(response.data), count, measured


def signed_in_client(app):
    from exhibition.accounts.services import create_organiser
    from exhibition.extensions import db

    with app.app_context():
        create_organiser(email="bench@example.com", password="bench-password")
        db.session.commit()
    client = app.test_client()
    response = client.post(
        "/admin/login", data={"email": "bench@example.com", "password": "bench-password"}
    )
    assert response.status_code == 302, response.status_code
    return client


def profile_import(app, database: str, path: Path, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    report, measured = import_file(app, database, "bench-profile", path)
    profiler.disable()
    print(
        f"\ncProfile of the CSV import ({report.imported:,} rows):"
        f" {measured.seconds:.1f} s under the profiler"
    )
    stats = pstats.Stats(profiler)
    for order in ("cumulative", "tottime"):
        print(f"\ntop {top} by {order} time (seconds: cumulative, own; calls)")
        stats.sort_stats(order)
        for key in stats.fcn_list[:top]:
            calls, _primitive, own, cumulative, _callers = stats.stats[key]
            filename, line, function = key
            where = f"{Path(filename).name}:{line}({function})" if line else function
            print(f"  {cumulative:7.2f} {own:7.2f} {calls:9d}  {where}")


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--confirmations", type=int, default=2_000,
                        help="rows imported with confirmation e-mails (0: skip)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="cProfile the CSV import first")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    url = bench_url(parser, args.database)
    database_url = url.render_as_string(hide_password=False)

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    app = None
    # A SIGTERM (a timeout, kill) still drops the database and removes the files.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        started = time.perf_counter()
        people = generate(args.rows, seed=7)
        write_csv(people, workdir / "visitors.csv")
        write_xlsx(people, workdir / "visitors.xlsx")
        generated = time.perf_counter() - started
        recreate_database(url)
        migrate(bench_env(database_url, workdir / "instance"))

        from exhibition import create_app

        app = create_app({
            "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench-only", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://127.0.0.1:5000", "MAIL_SERVER": None,
        })  # fmt: skip
        print(f"{args.rows:,} generated rows ({generated:.1f} s to write the CSV and .xlsx); "
              f"CSV {(workdir / 'visitors.csv').stat().st_size / 1e6:.1f} MB, "
              f".xlsx {(workdir / 'visitors.xlsx').stat().st_size / 1e6:.1f} MB")  # fmt: skip
        if args.profile:
            profile_import(app, url.database, workdir / "visitors.csv", args.top)

        print(f"\n{'step':<38} {'rows':>7} {'seconds':>8} {'rows/s':>7} {'MB':>6} {'problems':>8}"
              f" {'cores used: app':>16} {'postgres':>8} {'others':>6}", flush=True)  # fmt: skip
        table = []

        def show(step: str, rows: int, m: Measured, size=None, problems=None) -> None:
            table.append((step, rows, m))
            print(
                f"{step:<38} {rows:7,d} {m.seconds:8.2f} {rows / m.seconds:7,.0f}"
                f" {'' if size is None else f'{size / 1e6:.1f}':>6}"
                f" {'' if problems is None else problems:>8}"
                f" {m.cpu['gunicorn']:16.2f} {m.cpu['postgres']:8.2f} {others(m.cpu):6.2f}",
                flush=True,
            )  # fmt: skip

        report, measured = import_file(app, url.database, "bench-csv", workdir / "visitors.csv")
        show("import CSV", report.imported, measured, problems=len(report.problems))
        stored = check_stored(app, "bench-csv", args.rows)
        again, measured = import_file(app, url.database, "bench-csv", workdir / "visitors.csv")
        show("same CSV again (all registered)", again.already_registered, measured,
             problems=len(again.problems))  # fmt: skip
        xlsx, measured = import_file(app, url.database, "bench-xlsx", workdir / "visitors.xlsx")
        show("import .xlsx", xlsx.imported, measured, problems=len(xlsx.problems))
        stored_xlsx = check_stored(app, "bench-xlsx", args.rows)

        client = signed_in_client(app)
        exported = {}
        for kind in ("csv", "xlsx"):
            size, exported[kind], measured = export(client, url.database, "bench-csv", kind)
            show(f"export {kind} (organisers' route)", exported[kind], measured, size=size)

        stored_mail = None
        if args.confirmations:
            extra = generate(args.confirmations, seed=11, start=10_000_000)
            write_csv(extra, workdir / "confirm.csv")
            mail, measured = import_file(
                app, url.database, "bench-mail", workdir / "confirm.csv", confirmations=True
            )
            show("import CSV with confirmation e-mails", mail.imported, measured,
                 problems=len(mail.problems))  # fmt: skip
            stored_mail = check_stored(app, "bench-mail", args.confirmations)

        csv_seconds = table[0][2].seconds
        verdict = "met" if csv_seconds < TARGET_SECONDS else "NOT met"
        print(f"\nCSV import of {args.rows:,} rows: {csv_seconds:.1f} s"
              f" (target < {TARGET_SECONDS:.0f} s: {verdict})")  # fmt: skip
        for label, found in (("CSV", stored), (".xlsx", stored_xlsx), ("e-mails", stored_mail)):
            if found is not None:
                print(f"stored ({label}): " + ", ".join(f"{k} {v:,}" for k, v in found.items() if k != "ok")
                      + f"; {'all as expected' if found['ok'] else 'NOT AS EXPECTED'}")  # fmt: skip
        print(f"rows in the exports: CSV {exported['csv']:,}, .xlsx {exported['xlsx']:,}"
              f" (expected {args.rows:,})")  # fmt: skip
        if stored_mail is not None:
            per = table[-1][2].seconds / args.confirmations * 1000
            print(f"with confirmation e-mails: {per:.1f} ms per person;"
                  f" {stored_mail['outbox']:,} outbox rows for {args.confirmations:,} people")  # fmt: skip
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return {
            "import_seconds": csv_seconds,
            "rows": args.rows,
            "ok": stored["ok"] and stored_xlsx["ok"]
            and exported == {"csv": args.rows, "xlsx": args.rows},
        }  # fmt: skip
    finally:
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    main()

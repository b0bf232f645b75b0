"""Memory of the organisers' registrations export at 50,000 and 500,000 people, on PostgreSQL.

Creates a throw-away database (--database; its name must contain "bench"), migrates it, makes an
exhibition and an organiser, then fills in registrations with one `INSERT … SELECT` over
`generate_series` (names with diacritics, unique e-mails and codes, phones, provinces, a processing
consent each and a news consent for half, a sector for every other person, a quarter checked in)
up to each size in turn. At each size, each format is downloaded through the organisers' real
route (GET /admin/events/<slug>/registrations.csv|.xlsx, Flask test client) in a fresh child
process, which reads the body as it comes and writes it to a file; the child reports its peak
resident memory (getrusage ru_maxrss), its memory before the request, the time and its CPU. The
file is then checked here (rows counted: the CSV parsed, the workbook's sheet XML scanned).

Target: the peak at 500,000 within 50 MB of the peak at 50,000. Drops the database in every case.

Run: .venv/bin/python bench/exports.py [--sizes 50000,500000] [--kinds csv,xlsx]
"""

import argparse
import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import bench_env, bench_url, dispose, drop_database, migrate, recreate_database

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_exports_bench"
SLUG = "bench-export"
EMAIL, PASSWORD = "bench@example.com", "bench-password"
TARGET_MB = 50.0
CONFIG = {"SECRET_KEY": "bench-only", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
          "BASE_URL": "http://127.0.0.1:5000", "MAIL_SERVER": None}  # fmt: skip

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa",
         "Hùng", "Hương", "Huyền", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Ngân"]  # fmt: skip
COMPANIES = ["Công ty TNHH Cơ khí Hải An", "Công ty Cổ phần Nhựa Đình Vũ", "Tập đoàn Thép Việt Nhật",
             "Công ty TNHH MTV Điện tử Tràng Duệ", "Xí nghiệp Khuôn mẫu Sao Đỏ"]  # fmt: skip
TITLES = ["Giám đốc", "Trưởng phòng Kinh doanh", "Kỹ sư cơ khí", "Chuyên viên", ""]


def seed(app, start: int, stop: int) -> float:
    """Registrations numbered start..stop-1 (with consents and sectors); seconds taken."""
    import sqlalchemy as sa

    from exhibition.extensions import db

    began = time.perf_counter()
    with app.app_context():
        event_id = db.session.scalar(sa.text("SELECT id FROM events WHERE slug = :s"), {"s": SLUG})
        categories = db.session.scalars(
            sa.text("SELECT id FROM visitor_categories WHERE event_id = :e ORDER BY id"),
            {"e": event_id},
        ).all()
        provinces = db.session.scalars(sa.text("SELECT code FROM provinces ORDER BY code")).all()
        sectors = db.session.scalars(sa.text("SELECT code FROM sectors ORDER BY code")).all()
        before = db.session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM registrations"))
        db.session.execute(
            sa.text("""
            INSERT INTO registrations (event_id, category_id, status, source, full_name, email,
                email_key, phone, organisation, job_title, province_code, country_code, language,
                badge_code, manage_token, feed_token, lead_code, search_text, checked_in_at,
                created_at, updated_at)
            SELECT :event, (CAST(:categories AS int[]))[1 + n % cardinality(CAST(:categories AS int[]))], 'confirmed', 'online',
                (f)[1 + n % cardinality(f)] || ' ' || (m)[1 + (n / 7) % cardinality(m)] || ' '
                    || (g)[1 + (n / 13) % cardinality(g)],
                'nguoi.' || n || '@cty' || (n % 997) || '.com.vn',
                'nguoi.' || n || '@cty' || (n % 997) || '.com.vn',
                '+849' || lpad((n % 100000000)::text, 8, '0'),
                (c)[1 + n % cardinality(c)], (t)[1 + n % cardinality(t)],
                (CAST(:provinces AS text[]))[1 + n % cardinality(CAST(:provinces AS text[]))], 'VN',
                CASE WHEN n % 10 = 0 THEN 'en' ELSE 'vi' END,
                upper(substr(md5('b' || n), 1, 26)), md5('m' || n) || md5('n' || n),
                md5('f' || n) || md5('g' || n), upper(substr(md5('l' || n), 1, 26)), '',
                CASE WHEN n % 4 = 0 THEN now() - interval '1 hour' END,
                now() - make_interval(secs => n), now()
            FROM generate_series(:start, :stop - 1) AS n,
                 (SELECT CAST(:f AS text[]) AS f, CAST(:m AS text[]) AS m, CAST(:g AS text[]) AS g,
                         CAST(:c AS text[]) AS c, CAST(:t AS text[]) AS t) AS words
            """),
            {"event": event_id, "categories": categories, "provinces": provinces,
             "start": start, "stop": stop, "f": FAMILY, "m": MIDDLE, "g": GIVEN, "c": COMPANIES,
             "t": TITLES},
        )  # fmt: skip
        new = "FROM registrations WHERE id > :before"
        db.session.execute(
            sa.text(
                "INSERT INTO consents (registration_id, purpose, granted, wording_version,"
                f" recorded_at) SELECT id, 'processing', true, '2026-1', created_at {new}"
            ),
            {"before": before},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO consents (registration_id, purpose, granted, wording_version,"
                f" recorded_at) SELECT id, 'news', id % 2 = 0, '2026-1', created_at {new}"
            ),
            {"before": before},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO registration_sectors (registration_id, sector_code)"
                f" SELECT id, (CAST(:sectors AS text[]))[1 + id % cardinality(CAST(:sectors AS text[]))] {new} AND id % 2 = 0"
            ),
            {"before": before, "sectors": sectors},
        )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - began


def prepare(app) -> None:
    from exhibition.accounts.services import create_organiser
    from exhibition.events.services import EventData, create_event
    from exhibition.extensions import db

    now = datetime.now(UTC)
    with app.app_context():
        create_event(
            data=EventData(
                slug=SLUG, name_vi="Triển lãm Công nghiệp hỗ trợ", name_en="Supporting Industry Expo",
                venue_vi="Trung tâm Hội chợ Triển lãm Hải Phòng", venue_en="Hai Phong Exhibition Centre",
                starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=33),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=29),
            )
        )  # fmt: skip
        create_organiser(email=EMAIL, password=PASSWORD)
        db.session.commit()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(database_url: str, instance: str, kind: str, out: str) -> None:
    """In a fresh process: sign in, download the export through the route, write it to `out`
    as it comes; print a JSON line of what was measured."""
    from exhibition import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance, **CONFIG})
    streamed = []  # as the app made the response (the test client's always looks streamed)
    app.after_request_funcs.setdefault(None, []).append(
        lambda response: streamed.append(response.is_streamed) or response
    )
    client = app.test_client()
    answer = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    client.get(f"/admin/events/{SLUG}/registrations")  # the page, as an organiser would
    before = rss_mb()
    sampled = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            sampled.append(rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu = time.process_time()
    began = time.perf_counter()
    response = client.get(f"/admin/events/{SLUG}/registrations.{kind}", buffered=False)
    first = time.perf_counter() - began
    size = 0
    with open(out, "wb") as file:
        for piece in response.iter_encoded():
            file.write(piece)
            size += len(piece)
    response.close()
    seconds = time.perf_counter() - began
    stop.set()
    sampler.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({
        "status": response.status_code, "streamed": streamed[-1],
        "disposition": response.headers.get("Content-Disposition", ""),
        "mimetype": response.mimetype, "bytes": size, "seconds": seconds, "first": first,
        "cpu": time.process_time() - cpu, "before_mb": before, "peak_mb": peak,
        "during_mb": max(sampled),
    }), flush=True)  # fmt: skip


def measure(database_url: str, instance: Path, kind: str, out: Path) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
               "--database", database_url, "--instance", str(instance), "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parent)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise RuntimeError(f"the export's child process failed:\n{done.stdout}\n{done.stderr[-3000:]}")


def rows_in(path: Path, kind: str) -> int:
    """Data rows in the file written: the CSV parsed; the sheet's <row> elements counted."""
    if kind == "csv":
        with open(path, encoding="utf-8-sig", newline="") as file:
            return sum(1 for _ in csv.reader(file)) - 1
    with zipfile.ZipFile(path) as workbook, workbook.open("xl/worksheets/sheet1.xml") as sheet:
        count, tail = 0, b""
        while piece := sheet.read(1 << 20):
            text = tail + piece
            count += text.count(b"<row ")
            tail = text[-4:]
        return count - 1


def audited(app, kind: str) -> list:
    import sqlalchemy as sa

    from exhibition.extensions import db

    with app.app_context():
        return db.session.execute(
            sa.text(
                "SELECT details FROM audit_entries WHERE action = 'registrations.exported'"
                " ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000,500000", help="registrations, increasing")
    parser.add_argument("--kinds", default="csv,xlsx")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.database, args.instance, args.child, args.out)
        return {}
    url = bench_url(parser, args.database)
    database_url = url.render_as_string(hide_password=False)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    kinds = [k for k in args.kinds.split(",") if k]

    workdir = Path(tempfile.mkdtemp(prefix="export-bench-"))
    app = None
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        recreate_database(url)
        migrate(bench_env(database_url, workdir / "instance"))
        from exhibition import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                          "INSTANCE_PATH": str(workdir / "instance"), **CONFIG})  # fmt: skip
        prepare(app)
        print(f"\n{'rows':>9} {'format':<6} {'MB':>7} {'first s':>8} {'seconds':>8}"
              f" {'CPU s':>7} {'RSS before':>11} {'max during':>11} {'peak RSS':>9} {'checked':>8}")  # fmt: skip
        results, seeded = [], 0
        for size in sizes:
            took = seed(app, seeded + 1, size + 1)
            print(f"(seeded {size - seeded:,} registrations in {took:.1f} s)", flush=True)
            seeded = size
            for kind in kinds:
                out = workdir / f"export.{kind}"
                found = measure(database_url, workdir / "instance", kind, out)
                rows = rows_in(out, kind)
                details = audited(app, kind)
                ok = (
                    found["status"] == 200 and found["streamed"] and rows == size
                    and details == {"format": kind, "rows": size, "language": "vi"}
                    and found["disposition"].endswith(f'.{kind}"')
                )  # fmt: skip
                out.unlink()
                results.append({"rows": size, "kind": kind, "file_rows": rows, "ok": ok, **found})
                print(f"{size:9,d} {kind:<6} {found['bytes'] / 1e6:7.1f} {found['first']:8.2f}"
                      f" {found['seconds']:8.1f} {found['cpu']:7.1f} {found['before_mb']:8.0f} MB"
                      f" {found['during_mb']:8.0f} MB"
                      f" {found['peak_mb']:6.0f} MB {'yes' if ok else 'NO':>8}", flush=True)  # fmt: skip
        growth = {}
        for kind in kinds:
            peaks = [r["peak_mb"] for r in results if r["kind"] == kind]
            growth[kind] = peaks[-1] - peaks[0]
            verdict = "met" if growth[kind] <= TARGET_MB else "NOT met"
            print(f"{kind}: peak RSS at {sizes[-1]:,} minus at {sizes[0]:,}: {growth[kind]:+.0f} MB"
                  f" (target <= {TARGET_MB:.0f} MB: {verdict})")  # fmt: skip
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return {
            "sizes": sizes, "growth": growth, "results": results,
            "ok": all(r["ok"] for r in results),
        }  # fmt: skip
    finally:
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    main()

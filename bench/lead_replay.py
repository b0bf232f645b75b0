"""Booth scanner offline replay: 1,000 queued lead scans uploaded through the real endpoint.

Creates a throw-away PostgreSQL database, migrates it, seeds an exhibition that is on today, an
exhibitor with lead retrieval on and a set-up booth scanner, and --visitors visitors (half of them
consenting to share); then uploads --scans scans made offline (each with its nonce and time, some
visitors scanned several times) to POST /api/v1/booth/scans/batch in batches of --batch as the
booth page does, in process (Flask test client), and uploads the same scans again (a replay: it
must add nothing). Prints seconds for each upload and the rows stored. Target: the 1,000-scan
upload under 5 s. Drops the database in every case.

Run: .venv/bin/python bench/lead_replay.py [--scans 1000] [--visitors 300] [--batch 100]
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    bench_env,
    bench_url,
    dispose,
    drop_database,
    migrated_app,
    recreate_database,
)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_leads"


def seed(app, visitors: int) -> tuple[str, list[str]]:
    """The exhibition, its exhibitor and scanner, the visitors: the scanner's token and the
    visitors' lead QR texts."""
    import sqlalchemy as sa

    from exhibition.badges.services import lead_qr_text
    from exhibition.booths.models import BoothType
    from exhibition.checkin.services import new_setup_code
    from exhibition.events.services import EventData, create_event
    from exhibition.exhibitors.lead_models import LeadScanner
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
    from exhibition.extensions import db
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    now = datetime.now(UTC)
    with app.app_context():
        event = create_event(
            data=EventData(
                slug="bench-leads",
                name_vi="Triển lãm thử",
                name_en="Bench expo",
                venue_vi="Hải Phòng",
                venue_en="Hai Phong",
                organiser_vi="Sở Công Thương Hải Phòng",
                organiser_en="Hai Phong DOIT",
                starts_at=now - timedelta(hours=2),
                ends_at=now + timedelta(days=2),
                registration_opens_at=now - timedelta(days=10),
                registration_closes_at=now + timedelta(days=2),
            )
        )
        exhibitor = Exhibitor(
            event_id=event.id,
            company_name_vi="Công ty TNHH Thử nghiệm",
            tax_code="0200000001",
            province_code="HP",
            booth_type=BoothType.STANDARD,
            contact_name="Lê Văn Hải",
            contact_email="contact@example.com",
            contact_phone="+84912345678",
            status=ExhibitorStatus.CONFIRMED,
            leads_enabled=True,
        )
        db.session.add(exhibitor)
        db.session.flush()
        scanner = LeadScanner(exhibitor=exhibitor, name="Máy quét 1")
        db.session.add(scanner)
        code = new_setup_code(scanner)
        category = db.session.scalar(
            sa.select(VisitorCategory.id).where(
                VisitorCategory.event_id == event.id, VisitorCategory.code == "trade"
            )
        )
        codes = []
        for n in range(visitors):
            registration, _new = register_visitor(
                event=event,
                data=VisitorData(
                    full_name=f"Khách {n}",
                    email=f"khach{n}@example.com",
                    phone="+84912345678",
                    category_id=category,
                    organisation="Công ty TNHH Cơ khí Hải An",
                    province_code="HP",
                ),
                consents=Consents(processing=True),
            )
            if n % 2 == 0:
                change_consents(registration=registration, share_exhibitors=True, news=False)
            codes.append(lead_qr_text(registration.lead_code))
        db.session.commit()
    with app.app_context():
        answer = app.test_client().post("/api/v1/booth/setup", json={"code": code})
        return answer.json["token"], codes


def upload(client, token: str, scans: list[dict], batch: int) -> tuple[float, list[dict]]:
    results = []
    start = time.perf_counter()
    for part in range(0, len(scans), batch):
        response = client.post(
            "/api/v1/booth/scans/batch",
            json={"scans": scans[part : part + batch]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        results += response.json["results"]
    return time.perf_counter() - start, results


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns the seconds of the upload and of its replay."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--visitors", type=int, default=300)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    url = bench_url(parser, args.database)
    database_url = url.render_as_string(hide_password=False)
    app = None
    recreate_database(url)
    try:
        with tempfile.TemporaryDirectory() as instance:
            env = bench_env(database_url, Path(instance))
            app = migrated_app(env, database_url, Path(instance), SECRET_KEY="bench-only")
            token, codes = seed(app, args.visitors)
            start = datetime.now(UTC) - timedelta(minutes=90)
            scans = [
                {
                    "code": codes[n % len(codes)],
                    "nonce": f"offline-{n}",
                    "scanned_at": (start + timedelta(seconds=5 * n)).isoformat(),
                }
                for n in range(args.scans)
            ]
            client = app.test_client()
            first, results = upload(client, token, scans, args.batch)
            replay, again = upload(client, token, scans, args.batch)
            import sqlalchemy as sa  # why: after the app, as the seeding's imports

            from exhibition.exhibitors.lead_models import Lead, LeadScan
            from exhibition.extensions import db

            with app.app_context():
                stored = db.session.scalar(sa.select(sa.func.count(LeadScan.id)))
                leads = db.session.scalar(sa.select(sa.func.count(Lead.id)))
            refused = sum("error" in r for r in results + again)
            replayed = sum(bool(r.get("replayed")) for r in again)
            print(
                f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
                f"load average before {os.getloadavg()[0]:.2f}"
            )
            print(
                f"{args.scans:,} offline scans of {len(codes):,} visitors, batches of {args.batch}"
            )
            print(f"{'upload':<22} {'seconds':>8} {'scans/s':>8}")
            print(f"{'first upload':<22} {first:>8.2f} {args.scans / first:>8.0f}")
            print(f"{'replay (adds nothing)':<22} {replay:>8.2f} {args.scans / replay:>8.0f}")
            print(
                f"stored: {stored:,} scans, {leads:,} leads; replayed {replayed:,}; refused {refused}"
            )
            return {"first": first, "replay": replay, "stored": stored, "leads": leads}
    finally:
        dispose(app)
        drop_database(url)


if __name__ == "__main__":
    main()

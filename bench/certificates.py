"""Certificates of attendance: 1,000 of them in one PDF, as the organisers' "all certificates in
one PDF" makes them (issuing the rows, then the A4 landscape pages with their QR codes).

An SQLite file in a temporary folder: 1,000 people registered and checked in, then the organisers'
path timed twice: issuing every certificate and rendering them (the first time), and rendering
the certificates already issued (the second). Prints seconds, pages and size.
Run: .venv/bin/python bench/certificates.py [--count 1000] [--profile]
"""

import argparse
import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_env, migrated_app  # noqa: E402

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hồng", "Minh", "Quốc", "Thanh", "Đức"]
GIVEN = ["Nhung", "Hải", "Tuấn", "Hương", "Long", "Lan", "Thắng", "Mai", "Cường", "Ngọc Ánh"]


def _seed(count: int) -> None:
    import sqlalchemy as sa

    from exhibition.badges import certificates
    from exhibition.badges.demo import TEMPLATE
    from exhibition.events.demo import DEMO_EVENT
    from exhibition.events.services import create_event
    from exhibition.extensions import db
    from exhibition.visitors.models import Registration, VisitorCategory
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    now = datetime.now(UTC)
    event = create_event(
        data=DEMO_EVENT.__class__(
            **{
                **DEMO_EVENT.__dict__,
                "starts_at": now - timedelta(days=1),
                "ends_at": now + timedelta(days=2),
                "registration_opens_at": now - timedelta(days=30),
                "registration_closes_at": now + timedelta(days=2),
            }
        )
    )
    certificates.save_template(event=event, values=TEMPLATE)
    category = db.session.scalar(
        sa.select(VisitorCategory.id).where(
            VisitorCategory.event_id == event.id, VisitorCategory.code == "trade"
        )
    )
    rng = random.Random(2021)
    for n in range(count):
        register_visitor(
            event=event,
            data=VisitorData(
                full_name=f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                email=f"khach{n}@example.com",
                phone=f"+84912{n:06d}",
                category_id=category,
                organisation=f"Công ty TNHH Sản xuất Linh kiện Cơ khí Chính xác Hải Phòng {n}",
                job_title="Trưởng phòng",
                province_code="HP",
                sector_codes=[],
                language="en" if n % 10 == 9 else "vi",
            ),
            consents=Consents(processing=True),
        )
    # Setting up only: what a first entry at an entrance records (checkin/entrances.py).
    db.session.execute(
        sa.update(Registration).where(Registration.event_id == event.id).values(checked_in_at=now)
    )
    db.session.commit()


def _make_all() -> tuple[int, int]:
    """The organisers' "all certificates in one PDF": (pages, bytes)."""
    from exhibition.badges import certificates
    from exhibition.events.demo import DEMO_SLUG
    from exhibition.events.services import get_event
    from exhibition.extensions import db

    event = get_event(slug=DEMO_SLUG)
    issued = certificates.issue_all(event=event)
    data = certificates.render(certificates=issued)
    db.session.commit()
    return len(issued), len(data)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="cProfile the second run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as folder:
        instance = Path(folder)
        url = f"sqlite:///{instance / 'bench.db'}"
        app = migrated_app(
            bench_env(url, instance), url, instance, BASE_URL="https://expo.example.vn"
        )
        with app.app_context():
            started = time.perf_counter()
            _seed(args.count)
            print(
                f"{args.count:,} people registered and checked in: {time.perf_counter() - started:.1f} s"
            )
        figures = {"count": args.count}
        print(f"{'run':<32} {'pages':>6} {'seconds':>8} {'CPU s':>6} {'size':>10}")
        for run, label in (
            ("first", "issue and render (first time)"),
            ("again", "render issued ones"),
        ):
            with app.app_context():
                profiler = cProfile.Profile() if args.profile and run == "again" else None
                started, cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                pages, size = _make_all()
                if profiler:
                    profiler.disable()
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"{label:<32} {pages:>6} {seconds:>8.2f} {cpu:>6.2f} {size / 1e6:>8.2f} MB")
            figures[run], figures[f"{run}_cpu"] = seconds, cpu
            figures["pages"] = pages
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                print(out.getvalue())
        with app.app_context():
            from exhibition.extensions import db

            db.engine.dispose()
    return figures


if __name__ == "__main__":
    main()

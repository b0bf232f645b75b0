"""Public pages in-process: time, CPU and SQL statements of every page a visitor opens.

Creates a throw-away PostgreSQL database, migrates it, loads the demo exhibition (the data of
`flask seed-demo`) with --visitors registrations, and measures each public page in-process (Flask
test client, one thread, no network): ms per request, this process's CPU per request, SQL
statements, bytes. Anonymous pages, and the personal pages of one visitor (their registration,
badge, calendar files) and of one invitation. Then it adds --exhibitors approved exhibitors and
measures again: a page whose statement count grows with the exhibition runs a query per row (an
N+1), which is what this benchmark is for. Optionally cProfiles the slowest pages. Drops the
database in every case.

Run: .venv/bin/python bench/public_pages.py [--visitors 2000] [--exhibitors 300] [--requests 100]
     [--profile 100]
"""

import argparse
import cProfile
import pstats
import random
import shutil
import tempfile
import time
from pathlib import Path

from _common import (
    StatementLog,
    bench_env,
    bench_url,
    dispose,
    drop_database,
    machine_line,
    migrated_app,
    print_profile,
    recreate_database,
    source_state,
    timed,
)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_public"


def seed(app, *, visitors: int) -> None:
    from exhibition.events.demo import seed_demo
    from exhibition.extensions import db

    with app.app_context():
        seed_demo(visitors=visitors)
        db.session.commit()


def add_exhibitors(app, *, count: int) -> None:
    """`count` more exhibitors with the demo's kinds of company, one sector each, approved and
    given a booth in a hall added for them (so that they are in the public directory)."""
    import sqlalchemy as sa

    from exhibition.booths.assignment import assign_booth
    from exhibition.booths.models import Booth, BoothType, Hall
    from exhibition.events.demo import DEMO_SLUG
    from exhibition.events.services import get_event
    from exhibition.exhibitors.demo import COMPANIES, _tax_code
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
    from exhibition.exhibitors.services import ApplicationData, apply, change_status
    from exhibition.extensions import db
    from exhibition.mail.services import muted_outbox

    rng = random.Random(77)
    with app.app_context(), muted_outbox():
        event = get_event(slug=DEMO_SLUG)
        taken = set(db.session.scalars(sa.select(Exhibitor.tax_code)))
        per_row, size = 20, 3.0
        hall = Hall(
            event_id=event.id, code="Z", name_vi="Nhà Z", name_en="Hall Z", position=9,
            width_m=per_row * size + 4, depth_m=(count // per_row + 1) * (size + 2) + 4,
        )  # fmt: skip
        db.session.add(hall)
        db.session.flush()
        for index in range(count):
            name_vi, name_en, sector, products = COMPANIES[index % len(COMPANIES)]
            tax_code = _tax_code(rng)
            while tax_code in taken:
                tax_code = _tax_code(rng)
            taken.add(tax_code)
            exhibitor, _created = apply(
                event=event,
                data=ApplicationData(
                    company_name_vi=f"{name_vi} {index + 1}", company_name_en=f"{name_en} {index + 1}",
                    tax_code=tax_code, province_code="HP", contact_name="Nguyễn Văn Hùng",
                    contact_email=f"sales{index}@bench{index}.example.com",
                    contact_phone=f"+84912{rng.randint(100000, 999999)}",
                    booth_type=BoothType.STANDARD, booth_count=1, sector_codes=[sector],
                    main_products=products, certifications=["ISO 9001"],
                    description_vi=f"{name_vi}: {products}.", street="Khu công nghiệp Đình Vũ",
                    commune="Phường Đông Hải", preferences=[],
                ),
            )  # fmt: skip
            change_status(exhibitor=exhibitor, to=ExhibitorStatus.APPROVED)
            booth = Booth(
                event_id=event.id, hall_id=hall.id, code=f"Z{index + 1:03d}",
                x_m=2 + (index % per_row) * size, y_m=2 + (index // per_row) * (size + 2),
                width_m=size, depth_m=size, type=BoothType.STANDARD, zone="Z",
                sector_code=sector, price_vnd=15_000_000,
            )  # fmt: skip
            db.session.add(booth)
            db.session.flush()
            assign_booth(booth=booth, exhibitor=exhibitor)
            if index % 100 == 99:
                db.session.commit()
        db.session.commit()


def pages(app) -> list[tuple[str, str]]:
    """(label, path) of every public page measured, for the demo exhibition."""
    import sqlalchemy as sa

    from exhibition.events.demo import DEMO_SLUG
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
    from exhibition.extensions import db
    from exhibition.programme.models import ConferenceSession, Invitation, SessionBooking
    from exhibition.visitors.models import Registration

    with app.app_context():
        exhibitor = db.session.scalar(
            sa.select(Exhibitor.id)
            .where(Exhibitor.status == ExhibitorStatus.CONFIRMED)
            .order_by(Exhibitor.id)
            .limit(1)
        )
        session = db.session.scalar(
            sa.select(ConferenceSession.id).order_by(ConferenceSession.starts_at).limit(1)
        )
        token, feed = db.session.execute(  # a visitor with seats in the programme
            sa.select(Registration.manage_token, Registration.feed_token)
            .join(SessionBooking, SessionBooking.registration_id == Registration.id)
            .order_by(Registration.id)
            .limit(1)
        ).one()
        invitation = db.session.scalar(sa.select(Invitation.token).limit(1))
    event = f"/events/{DEMO_SLUG}"
    listed = [
        ("home", "/"),
        ("event page", f"{event}/"),
        ("sign-up form", f"{event}/register"),
        ("exhibitor directory", f"{event}/exhibitors"),
        ("directory, search", f"{event}/exhibitors?q=c%C6%A1+kh%C3%AD"),
        ("exhibitor profile", f"{event}/exhibitors/{exhibitor}"),
        ("programme", f"{event}/programme"),
        ("session page", f"{event}/programme/sessions/{session}"),
        ("schedule.json", f"{event}/programme/schedule.json"),
        ("programme.ics", f"{event}/programme/programme.ics"),
        ("event.ics", f"{event}/event.ics"),
        ("my registration", f"/r/{token}"),
        ("my badge.svg", f"/r/{token}/badge.svg"),
        ("my badge.png", f"/r/{token}/badge.png"),
        ("my event.ics", f"/r/{token}/event.ics"),
        ("my programme .ics", f"{event}/programme/my/{feed}.ics"),
        ("my data .json", f"/r/{token}/my-data.json"),
    ]
    if invitation:
        listed.append(("invitation", f"/invitations/{invitation}"))
    return listed


def measure(app, listed, *, requests: int) -> dict:
    """Per page: ms and CPU ms per request, statements, bytes."""
    from exhibition.extensions import db

    client = app.test_client()
    with app.app_context():
        engine = db.engine
    figures = {}
    for label, path in listed:
        for _ in range(3):  # warm-up: compiled statements, templates, caches
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        with StatementLog(engine) as log:
            response = client.get(path)
        wall, cpu = timed(lambda path=path: client.get(path), requests)
        figures[label] = {
            "path": path,
            "ms": wall,
            "cpu": cpu,
            "statements": len(log.statements),
            "bytes": len(response.get_data()),
            "log": log,
        }
    return figures


def report(before: dict, after: dict | None, *, exhibitors_before: int, exhibitors_after: int):
    head = f"{'page':<22}{'ms':>8}{'CPU ms':>8}{'SQL':>5}{'KB':>8}"
    if after:
        head += f"   with {exhibitors_after} exhibitors:{'ms':>6}{'CPU ms':>8}{'SQL':>5}{'KB':>8}"
    print(f"\n{exhibitors_before} exhibitors in the directory\n{head}")
    for label, row in before.items():
        line = (
            f"{label:<22}{row['ms']:>8.2f}{row['cpu']:>8.2f}{row['statements']:>5}"
            f"{row['bytes'] / 1024:>8.1f}"
        )
        if after:
            other = after[label]
            grew = "  <- more statements" if other["statements"] > row["statements"] else ""
            line += (
                f"   {'':>{len(str(exhibitors_after)) + 16}}{other['ms']:>6.2f}{other['cpu']:>8.2f}"
                f"{other['statements']:>5}{other['bytes'] / 1024:>8.1f}{grew}"
            )
        print(line)


def profile_pages(app, figures: dict, *, count: int, top: int, slowest: int) -> None:
    client = app.test_client()
    ranked = sorted(figures.items(), key=lambda item: item[1]["cpu"], reverse=True)[:slowest]
    for label, row in ranked:
        row["log"].print(f"{label} ({row['path']})")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            client.get(row["path"])
        profiler.disable()
        print_profile(pstats.Stats(profiler), count=count, top=top, what=f"requests of {label}")


def exhibitor_count(app) -> int:
    import sqlalchemy as sa

    from exhibition.exhibitors.models import Exhibitor
    from exhibition.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Exhibitor))


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created and dropped")
    parser.add_argument("--visitors", type=int, default=2000, help="registrations of the demo")
    parser.add_argument("--exhibitors", type=int, default=300, help="exhibitors added, then again")
    parser.add_argument("--requests", type=int, default=100, help="requests per page measured")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile N requests of the slowest pages")  # fmt: skip
    parser.add_argument("--slowest", type=int, default=3, help="pages profiled")
    parser.add_argument("--top", type=int, default=25, help="profile lines shown")
    args = parser.parse_args(argv)
    url = bench_url(parser, args.database)
    print(machine_line(url))
    print(source_state())

    workdir = Path(tempfile.mkdtemp(prefix="public-bench-"))
    database_url = url.render_as_string(hide_password=False)
    env = bench_env(database_url, workdir / "instance")
    app = None
    recreate_database(url)
    try:
        started = time.perf_counter()
        app = migrated_app(env, database_url, workdir / "instance", RATELIMIT_ENABLED=False)
        seed(app, visitors=args.visitors)
        listed = pages(app)
        small = exhibitor_count(app)
        print(
            f"demo exhibition with {args.visitors:,} registrations and {small} exhibitors, "
            f"migrated and seeded in {time.perf_counter() - started:.1f} s; "
            f"{args.requests} requests per page, in-process (Flask test client, one thread)"
        )
        before = measure(app, listed, requests=args.requests)
        after = None
        large = small
        if args.exhibitors:
            add_exhibitors(app, count=args.exhibitors)
            large = exhibitor_count(app)
            after = measure(app, listed, requests=args.requests)
        report(before, after, exhibitors_before=small, exhibitors_after=large)
        if args.profile:
            profile_pages(
                app, after or before, count=args.profile, top=args.top, slowest=args.slowest
            )
    finally:
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    final = after or before
    grew = sorted(
        label
        for label in final
        if after and after[label]["statements"] > before[label]["statements"]
    )
    return {
        "pages": {k: {f: v for f, v in row.items() if f != "log"} for k, row in final.items()},
        "slowest": max(final.items(), key=lambda item: item[1]["ms"])[0],
        "grew": grew,
        "exhibitors": large,
    }


if __name__ == "__main__":
    main()

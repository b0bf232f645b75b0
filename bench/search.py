"""The search of registrations over 50,000 people on PostgreSQL, without and with the pg_trgm
GIN index on `registrations.search_text` (migration 969b17f2b517).

Creates a throw-away database (--database; its name must contain "bench"), migrates it, imports
--rows generated visitors through the real import (bench/import_visitors.py's rows: Vietnamese
names, e-mails, phones, companies), then, first with the index dropped and then with it created
again (the model's own definition), ANALYZEs the table and measures for a few typical searches:

- the organisers' list (GET /admin/events/<slug>/registrations?q=..., Flask test client, signed
  in): the count and the first page of 50;
- the walk-in desk's search (GET /admin/events/<slug>/desk?q=...: at most 10 people);
- EXPLAIN ANALYZE of the list's page query as the service builds it: the node that reads
  `registrations` and the server's execution time.

Figures are medians of --repeat requests after one warm-up. The database is dropped in every
case, and the whole run is stopped after --timeout seconds.

Run: .venv/bin/python bench/search.py [--rows 50000] [--repeat 15] [--timeout 900]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from _common import bench_env, bench_url, dispose, drop_database, migrated_app, recreate_database
from import_visitors import generate, import_file, signed_in_client, write_csv

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/exh_bench_search"
SLUG = "bench-search"
INDEX = "ix_registrations_search_text_trgm"
PAGE = 50  # the organisers' list's page size (admin/views.py PAGE_SIZE)


def searches(rows: list[list]) -> list[tuple[str, str]]:
    """(what, typed words): searches an organiser or the desk types, taken from the rows."""
    from exhibition.text import fold

    person = rows[len(rows) // 3]
    email_local = person[1].split("@")[0]
    digits = "".join(ch for ch in rows[len(rows) // 2][2] if ch.isdigit())
    return [
        ("full name", person[0]),
        ("part of an e-mail", email_local[-9:]),
        ("phone, last 6 digits", digits[-6:]),
        ("family and given name", f"{fold(person[0]).split()[0]} {fold(person[0]).split()[-1]}"),
        ("company words", "khuon mau"),
        ("common family name", "nguyen"),
        ("nobody", "xyzzy"),
    ]


def set_index(app, present: bool) -> None:
    """Drop or create the trigram index (as the model defines it), then ANALYZE the table."""
    from exhibition.extensions import db
    from exhibition.visitors.models import Registration

    (index,) = [i for i in Registration.__table__.indexes if i.name == INDEX]
    with app.app_context(), db.engine.begin() as connection:
        index.drop(connection, checkfirst=True)
        if present:
            index.create(connection)
        connection.exec_driver_sql("ANALYZE registrations")


def plan(app, words: str) -> dict:
    """EXPLAIN ANALYZE of the list's first page as registrations_query builds it: matches, the
    node reading `registrations` (and its index) and the execution time in ms."""
    from exhibition.events.services import get_event
    from exhibition.extensions import db
    from exhibition.visitors.services import registrations_query

    with app.app_context():
        event = get_event(slug=SLUG)
        stmt = registrations_query(event=event, query=words)
        matches = db.session.scalar(
            db.select(db.func.count()).select_from(stmt.order_by(None).subquery())
        )
        compiled = stmt.limit(PAGE).compile(dialect=db.engine.dialect)
        answer = db.session.connection().exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled.string}", compiled.params
        )
        document = answer.scalar()
        db.session.rollback()
    if isinstance(document, str):
        document = json.loads(document)
    top = document[0]
    return {
        "matches": matches,
        "node": _reading(top["Plan"]),
        "execution_ms": top["Execution Time"],
    }


def _reading(node: dict) -> str:
    """The plan node that reads the registrations table, with the indexes it goes through."""
    if node.get("Relation Name") == "registrations":
        indexes = _indexes(node)
        return node["Node Type"] + (f" ({', '.join(indexes)})" if indexes else "")
    for child in node.get("Plans", []):
        if found := _reading(child):
            return found
    return ""


def _indexes(node: dict) -> list[str]:
    names = [node["Index Name"]] if node.get("Index Name") else []
    for child in node.get("Plans", []):
        names += _indexes(child)
    return names


def timed_get(client, url: str, repeat: int) -> float:
    """Median ms of `repeat` GETs after one warm-up (each must answer 200)."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def measure(app, client, terms, repeat: int) -> dict:
    results = {}
    for what, words in terms:
        query = urlencode({"q": words})
        results[what] = {
            "list_ms": timed_get(client, f"/admin/events/{SLUG}/registrations?{query}", repeat),
            "desk_ms": timed_get(client, f"/admin/events/{SLUG}/desk?{query}", repeat),
            **plan(app, words),
        }
    return results


def _stop(_signum, _frame):
    raise TimeoutError("the benchmark ran out of time (--timeout)")


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--timeout", type=int, default=900, help="seconds for the whole run")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    url = bench_url(parser, args.database)
    database_url = url.render_as_string(hide_password=False)

    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    app = None
    # A SIGTERM (kill) or the time limit still drops the database and removes the files.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    previous_alarm = signal.signal(signal.SIGALRM, _stop)
    signal.alarm(args.timeout)
    try:
        people = generate(args.rows, seed=7)
        write_csv(people, workdir / "visitors.csv")
        recreate_database(url)
        instance = workdir / "instance"
        app = migrated_app(
            bench_env(database_url, instance), database_url, instance,
            SECRET_KEY="bench-only", RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False,
            BASE_URL="http://127.0.0.1:5000", MAIL_SERVER=None,
        )  # fmt: skip
        report, measured = import_file(app, url.database, SLUG, workdir / "visitors.csv")
        print(f"{report.imported:,} registrations imported in {measured.seconds:.1f} s"
              f" ({len(report.problems)} problems); {args.repeat} requests per figure (median)")  # fmt: skip
        client = signed_in_client(app)
        terms = searches(people)

        set_index(app, present=False)
        without = measure(app, client, terms, args.repeat)
        set_index(app, present=True)
        with_index = measure(app, client, terms, args.repeat)

        print(f"\n{'search':<24} {'words':<20} {'found':>6}  {'list ms':>15}  {'desk ms':>15}"
              f"  {'SQL ms (EXPLAIN ANALYZE)':>24}")  # fmt: skip
        print(f"{'':<24} {'':<20} {'':>6}  {'without  with':>15}  {'without  with':>15}"
              f"  {'without  with':>24}")  # fmt: skip
        for what, words in terms:
            a, b = without[what], with_index[what]
            print(f"{what:<24} {words[:20]:<20} {a['matches']:>6,}  {a['list_ms']:7.1f} "
                  f"{b['list_ms']:7.1f}  {a['desk_ms']:7.1f} {b['desk_ms']:7.1f}"
                  f"  {a['execution_ms']:16.1f} {b['execution_ms']:7.1f}")  # fmt: skip
        print("\nnode reading registrations (the list's page query):")
        for what, _words in terms:
            print(f"  {what:<24} without: {without[what]['node']}")
            print(f"  {'':<24} with:    {with_index[what]['node']}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return {"rows": report.imported, "without": without, "with": with_index}
    finally:
        signal.alarm(0)
        dispose(app)
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGALRM, previous_alarm)


if __name__ == "__main__":
    main()

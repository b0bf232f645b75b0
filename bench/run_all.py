"""Every benchmark in turn, then one summary table: benchmark, figure, target, met?

Runs allocation, allocation_blocks, badges_pdf, certificates, checkin_load, registration_load, registration_burst,
import_visitors, public_pages, search, payments_statement, payments_webhook, matchmaking and exports (each prints its own table as it goes; their figures come back as
dicts, nothing is parsed from their output). A benchmark that cannot run (wrk missing, PostgreSQL unreachable,
a crash) is reported as such and the others still run. `make bench` runs this; it is not part of
`make test` or CI. Long: about 15 minutes on the 2-core development machine; --quick runs small
smoke versions of each (a few minutes; their figures only prove that the scripts work).

bench/peer_pretix.py (pretix installed from PyPI and measured beside our check-in) runs only when
asked for: --peers, or --only peer_pretix.

Run: .venv/bin/python bench/run_all.py [--quick] [--only NAME,...] [--peers] [--postgres URL]
[--suffix S]
"""

import argparse
import importlib
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"

# name -> (arguments of the full run, of the --quick smoke run, PostgreSQL database or None)
BENCHMARKS = {
    "allocation": ([], ["--exhibitors", "300", "--booths", "300"], None),
    "allocation_blocks": ([], ["--exhibitors", "300", "--booths", "400"], None),
    "badges_pdf": ([], ["--count", "100"], None),
    "certificates": ([], ["--count", "100"], None),
    "checkin_load": (
        [],
        ["--seconds", "3", "--warmup", "1", "--visitors", "3000", "--devices", "20"],
        "exh_bench",
    ),
    "registration_load": (
        [],
        ["--seconds", "3", "--warmup", "1", "--existing", "1000"],
        "exh_bench_registration",
    ),
    "registration_burst": ([], ["--count", "500"], "exh_bench_burst"),
    "import_visitors": ([], ["--rows", "2000", "--confirmations", "100"], "exh_bench_import"),
    "public_pages": (
        [],
        ["--visitors", "200", "--exhibitors", "30", "--requests", "10"],
        "exh_bench_public",
    ),
    "search": ([], ["--rows", "5000", "--repeat", "3"], "exh_bench_search"),
    "payments_statement": (
        ["--no-profile"],
        ["--rows", "2000", "--requests", "200", "--debits", "800", "--no-profile"],
        "exh_bench_statement",
    ),
    "payments_webhook": (
        [],
        ["--seconds", "3", "--warmup", "1", "--requests", "50"],
        "exh_bench_webhook",
    ),
    "matchmaking": ([], ["--buyers", "60", "--suppliers", "120", "--pairs", "600"], None),
    "exports": ([], ["--sizes", "2000,10000"], "exh_exports_bench"),
}


# Not run unless asked for (--only NAME or --peers): they install other projects from PyPI.
OPT_IN = {
    "peer_pretix": (
        [],
        ["--seconds", "3", "--warmup", "1", "--visitors", "3000", "--devices", "20"],
        "exh_bench_peer",
    ),
}


def _percent(ratios: dict) -> str:
    return ", ".join(f"{ratio:.1%} at {conns}" for conns, ratio in sorted(ratios.items()))


def _ms(p99: dict) -> str:
    return ", ".join(f"{ms:.0f} ms at {conns}" for conns, ms in sorted(p99.items()))


def summarise(name: str, f: dict) -> tuple[str, str, bool]:
    """(figure, target, met) for one benchmark's figures."""
    if name == "allocation":
        figure = (
            f"solver {f['seconds']:.2f} s; unserved, sum of ranks {f['objective']}"
            f" (linear_sum_assignment {f['lsa_objective']})"
        )
        return figure, "same objective, < 2 s", f["optimal"] and f["seconds"] < 2
    if name == "allocation_blocks":
        figure = (
            f"solver {f['seconds']:.2f} s, proven optimal {f['proven']}, gap "
            f"{100 * f['gap']:.2f}%; unserved, sum of ranks {f['objective']} (greedy "
            f"{f['greedy_objective']})"
        )
        met = f["seconds"] < 5 and (f["proven"] or f["gap"] <= 0.005)
        return figure, "optimal or within 0.5 %, < 5 s", met
    if name == "badges_pdf":
        seconds = f["seconds"]
        figure = f"{f['count']:,} badges: " + ", ".join(
            f"{k} {v:.2f} s" for k, v in seconds.items()
        )
        return figure, "each layout < 10 s (1,000 badges)", max(seconds.values()) < 10
    if name == "certificates":
        figure = (
            f"{f['count']:,} certificates in one PDF: {f['first']:.2f} s issuing them "
            f"(CPU {f['first_cpu']:.2f} s), {f['again']:.2f} s again (CPU {f['again_cpu']:.2f} s)"
        )
        return figure, "< 10 s (1,000 certificates)", f["first"] < 10
    if name == "checkin_load":
        figure = (
            f"check-in/ping req/s {_percent(f['ratios'])}; p99 {_ms(f['p99'])}; "
            f"errors/non-2xx {f['errors']}"
        )
        limits = f["p99_targets"]
        met = (
            f["ratio"] is not None
            and f["ratio"] >= f["target"]
            and not f["errors"]
            and all(f["p99"].get(conns, float("inf")) <= ms for conns, ms in limits.items())
        )
        target = (
            f">= {f['target']:.0%} of ping, p99 <= "
            f"{' / '.join(f'{ms:.0f}' for ms in limits.values())} ms at "
            f"{' / '.join(str(c) for c in limits)}, no errors"
        )
        return figure, target, met
    if name == "registration_load":
        figure = (
            f"registration/ping req/s {_percent(f['ratios'])}; p99 {_ms(f['p99'])}; "
            f"failed {f['errors']}, lost "
            f"{f['lost']}, duplicate badges {f['duplicate_badges']}, without e-mail {f['unqueued']}"
        )
        met = (
            f["ratio"] is not None
            and f["ratio"] >= f["target"]
            and not (f["errors"] or f["lost"] or f["duplicate_badges"] or f["unqueued"])
        )
        return figure, f">= {f['target']:.0%} of ping, no errors", met
    if name == "registration_burst":
        figure = (
            f"{f['registered']:,}/{f['count']:,} signed up, {f['rate']:.0f}/s; lost {f['lost']}, "
            f"duplicate badges {f['duplicate_badges']}; e-mailed once {f['delivered_once']:,}, "
            f"twice {f['delivered_twice']}, none {f['missing']}; outbox drained "
            f"{f['drain_seconds']:.1f} s after the last"
        )
        met = (
            f["registered"] == f["count"]
            and f["rows"] == f["registered"]
            and not (f["lost"] or f["extra"] or f["duplicate_badges"] or f["failed"])
            and f["delivered_once"] == f["registered"]
            and not (f["delivered_twice"] or f["unexpected"] or f["sent_twice"])
            and f["drained"]
        )
        return figure, "none lost, no duplicate badge, every e-mail once", met
    if name == "import_visitors":
        seconds = f.get("import_seconds")
        figure = f"{f.get('rows', 0):,} rows imported from CSV in {seconds:.1f} s" + (
            "" if f.get("ok", True) else "; stored rows or exports NOT as expected"
        )
        return figure, "< 30 s for 50,000 rows", f.get("ok", True) and seconds < 30
    if name == "public_pages":
        pages = f["pages"]
        slowest = pages[f["slowest"]]
        figure = (
            f"{len(pages)} pages, {f['exhibitors']} exhibitors: slowest {f['slowest']} "
            f"{slowest['ms']:.1f} ms ({slowest['statements']} SQL); statements grow with the "
            f"exhibition on: {', '.join(f['grew']) or 'none'}"
        )
        return figure, "no query per row (N+1) on any page", not f["grew"]
    if name == "search":
        without, with_index = f["without"], f["with"]
        used = sum("_trgm" in r["node"] for r in with_index.values())
        sql = [sum(r["execution_ms"] for r in runs.values()) for runs in (without, with_index)]
        lists = [max(r["list_ms"] for r in runs.values()) for runs in (without, with_index)]
        figure = (
            f"{f['rows']:,} registrations, {len(with_index)} searches: trigram index used in "
            f"{used}; SQL of the list's page {sql[0]:.1f} -> {sql[1]:.1f} ms in all; slowest "
            f"list page {lists[0]:.0f} -> {lists[1]:.0f} ms"
        )
        return figure, "the trigram index serves every search", used == len(with_index)
    if name == "payments_statement":
        figure = (
            f"{f['rows']:,} rows ({f['credits']:,} credits) against {f['requests']:,} open "
            f"requests on {f['database']}: {f['seconds']:.1f} s, {f['statements']:,} SQL; again "
            f"{f['again_seconds']:.1f} s, {f['again_added']} added; peak RSS {f['peak_mb']:.0f} MB"
        )
        met = f["seconds"] < 10 and f["again_added"] == 0
        return figure, "< 10 s for 20,000 rows, nothing added again", met
    if name == "payments_webhook":
        rows = {(r["phase"], r["endpoint"]): r for r in f["rows"]}
        mixed_hook, mixed_ping = rows[("both at once", "webhook")], rows[("both at once", "ping")]
        alone = rows[("ping alone", "ping")]
        figure = (
            f"p99 webhook {mixed_hook['p99']:.0f} ms beside ping {mixed_ping['p99']:.0f} ms "
            f"(ping alone {alone['p99']:.0f} ms); non-200 "
            f"{sum(r['non200'] for r in f['rows'])}; stored as answered: "
            f"{f['stored']['distinct_ids'] == f['distinct_ids_answered']}"
        )
        met = not any(r["non200"] for r in f["rows"]) and (
            f["stored"]["distinct_ids"] == f["distinct_ids_answered"]
        )
        return figure, "no errors, every notification stored once", met
    if name == "matchmaking":
        gap = "unknown" if f["bound"] is None else f"{f['bound'] - f['value']:.0f}"
        figure = (
            f"{f['seconds']:.2f} s; placed {f['placed']:,} ({f['must_meet']} must-meet), greedy "
            f"{f['greedy_placed']:,} ({f['greedy_must_meet']}); optimal {f['optimal']}, gap to "
            f"bound {gap}; at most {f['lp_count']:,.0f} by LP; violations {f['violations']}"
        )
        met = (
            f["seconds"] < 10
            and f["placed"] >= f["greedy_placed"]
            and f["must_meet"] >= f["greedy_must_meet"]
            and not f["violations"]
        )
        return figure, "< 10 s, >= greedy first fit, valid", met
    if name == "peer_pretix":
        figure = (
            f"pretix {f['pretix_version']}: check-in req/s ours/theirs {_times(f['ours_over_theirs'])}; "
            f"check-in/own bare ours {_percent(f['ours_ratios'])}, pretix "
            f"{_percent(f['pretix_ratios'])}; check-in p99 ours {_ms(f['ours_p99'])}, pretix "
            f"{_ms(f['pretix_p99'])}; errors ours {f['ours_errors']}, pretix {f['pretix_errors']}"
        )
        met = bool(f["ours_over_theirs"]) and min(f["ours_over_theirs"].values()) > 1
        return figure, "ahead of pretix (check-in req/s, same settings)", met
    if name == "exports":
        sizes = f["sizes"]
        figure = (
            f"peak RSS from {sizes[0]:,} to {sizes[-1]:,} registrations: "
            + ", ".join(f"{kind} {growth:+.0f} MB" for kind, growth in f["growth"].items())
            + ("" if f["ok"] else "; files or audit entries NOT as expected")
        )
        met = f["ok"] and all(growth <= 50 for growth in f["growth"].values())
        return figure, "peak at 500,000 within 50 MB of 50,000", met
    return str(f), "", False


def _times(ratios: dict) -> str:
    return ", ".join(f"{ratio:.1f}x at {conns}" for conns, ratio in sorted(ratios.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke runs of each")
    parser.add_argument(
        "--only", default="", help=f"comma-separated names (default: all but {', '.join(OPT_IN)})"
    )
    parser.add_argument(
        "--peers", action="store_true", help=f"also run {', '.join(OPT_IN)} (installs from PyPI)"
    )
    parser.add_argument("--postgres", default=POSTGRES, help="server URL, no database name")
    parser.add_argument(
        "--suffix", default="", help="added to every database name (created and dropped)"
    )
    args = parser.parse_args(argv)
    known = {**BENCHMARKS, **OPT_IN}
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    if args.peers:
        names += [n for n in OPT_IN if n not in names]
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}")

    started = datetime.now(UTC)
    rows = []
    for name in names:
        full, quick, database = known[name]
        arguments = list(quick if args.quick else full)
        if database:
            arguments += ["--database", f"{args.postgres.rstrip('/')}/{database}{args.suffix}"]
        print(f"\n{'=' * 100}\n{name} {' '.join(arguments)}\n{'=' * 100}", flush=True)
        if not (BENCH / f"{name}.py").exists():
            rows.append((name, f"skipped: bench/{name}.py does not exist", "", None))
            continue
        began = time.monotonic()
        try:
            figures = importlib.import_module(name).main(arguments)
            figure, target, met = summarise(name, figures)
        except (Exception, SystemExit) as error:  # argparse's error() exits: wrk missing, say
            traceback.print_exc()
            figure, target, met = f"did not run: {type(error).__name__}: {error}", "", None
        rows.append((name, figure, target, met))
        print(f"({name}: {time.monotonic() - began:.0f} s)", flush=True)

    print(f"\n{'=' * 100}")
    print(
        f"Summary{' (--quick: SMOKE runs, the figures are not results)' if args.quick else ''}, "
        f"{started:%Y-%m-%d %H:%M} UTC, {(datetime.now(UTC) - started).seconds / 60:.0f} min\n"
    )
    width = max(len(r[0]) for r in rows) + 2
    wide = max(52, *(len(r[2]) + 2 for r in rows))
    print(f"{'benchmark':<{width}}{'met?':<6}{'target':<{wide}}figure")
    for name, figure, target, met in rows:
        verdict = {True: "yes", False: "NO", None: "-"}[met]
        print(f"{name:<{width}}{verdict:<6}{target:<{wide}}{figure}")
    crashed = [name for name, figure, _, met in rows if met is None and "did not run" in figure]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())

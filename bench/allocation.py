"""Booth allocation benchmark: 2,000 exhibitors, 2,000 booths, 5 ranked wishes each.

Prints the solver's time and objective next to scipy's linear_sum_assignment on the same cost
matrix, the general integer-program path (used when multi-booth requests make blocks overlap) on
the same instance, and a greedy first-come baseline. Run: .venv/bin/python bench/allocation.py

With --blocks SHARE, that share of the exhibitors asks for 2-4 adjacent booths (issue 19's target:
--exhibitors 1000 --booths 1200 --blocks 0.2, optimal or proven within 0.5 % in under 5 s): the
solver's time, whether proven optimal, its bound and gap, next to greedy and, with --milp, the
first formulation (one program with the folded cost, bounded by --old-time-limit seconds).
"""

import argparse
import dataclasses
import os
import platform
import random
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from exhibition.booths import allocation as al
from exhibition.booths import block_program
from exhibition.booths.models import BoothType


def instance(exhibitors: int, booths: int, sectors: int, seed: int):
    rng = random.Random(seed)
    per_row = 20
    infos = []
    for i in range(booths):
        row, col = divmod(i, per_row)
        sector = f"s{row % sectors}"
        infos.append(
            al.BoothInfo(
                i,
                f"B{i:04d}",
                1,
                3.0 * col,
                6.0 * row,
                3.0,
                3.0,
                BoothType.STANDARD,
                f"zone-{sector}",
                sector,
            )
        )
    by_sector: dict[str, list[al.BoothInfo]] = {}
    for b in infos:
        by_sector.setdefault(b.sector, []).append(b)
    requests = []
    for e in range(exhibitors):
        sector = f"s{rng.randrange(sectors)}"
        pool = by_sector[sector]
        # Wishes crowd on the first booths of each zone (entrances, corners): real contention.
        weights = [1.0 / (1 + k) for k in range(len(pool))]
        wishes = []
        for booth in rng.choices(pool, weights=weights, k=15):
            if booth.id not in [w.booth_id for w in wishes]:
                wishes.append(al.Wish(len(wishes) + 1, booth_id=booth.id))
            if len(wishes) == 5:
                break
        requests.append(
            al.Request(
                e,
                order=e,
                booth_type=BoothType.STANDARD,
                sectors=frozenset({sector}),
                wishes=tuple(wishes),
            )
        )
    return infos, requests


def with_blocks(booths, requests, share: float, seed: int):
    """The same instance with `share` of the exhibitors asking for 2-4 adjacent booths instead of
    one; their wishes stay (a block holding a wished booth meets that wish)."""
    rng = random.Random(seed + 1000)
    return booths, [
        dataclasses.replace(r, count=rng.randint(2, 4)) if rng.random() < share else r
        for r in requests
    ]


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def lsa_same_costs(booths, requests):
    """scipy's linear_sum_assignment on the cost matrix the solver builds (dense, with 'nothing' columns)."""
    requests = sorted(requests, key=lambda r: r.order)
    weights = al._Weights(requests)
    n, m = len(requests), len(booths)
    forbidden = float(weights.unserved) * 4
    costs = np.full((n, m + n), forbidden)
    index = {b.id: j for j, b in enumerate(booths)}
    for i, r in enumerate(requests):
        for (booth,) in al.candidate_blocks(booths, r):
            costs[i, index[booth.id]] = weights.served(r, al.rank_of(r, (booth,)))
        costs[i, m:] = weights.not_served(r)
    start = time.perf_counter()
    rows, cols = linear_sum_assignment(costs)
    elapsed = time.perf_counter() - start
    unserved = sum(1 for j in cols if j >= m)
    ranks = sum(
        al.rank_of(requests[i], (booths[j],)) for i, j in zip(rows, cols, strict=True) if j < m
    )
    return (unserved, ranks), elapsed


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--exhibitors", type=int, default=2000)
    parser.add_argument("--booths", type=int, default=2000)
    parser.add_argument("--sectors", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--milp", action="store_true", help="also time the integer-program path")
    parser.add_argument(
        "--blocks", type=float, default=0.0, help="share asking for 2-4 adjacent booths"
    )
    parser.add_argument(
        "--old-time-limit", type=float, default=120.0, help="seconds for the first formulation"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.blocks <= 1:
        parser.error("--blocks is a share between 0 and 1")
    booths, requests = instance(args.exhibitors, args.booths, args.sectors, args.seed)
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
        f", {os.cpu_count()} cores, load average {load()}"
    )
    if args.blocks:
        return blocks_run(args, *with_blocks(booths, requests, args.blocks, args.seed))
    print(
        f"{args.exhibitors} exhibitors, {args.booths} booths, {args.sectors} sector zones, 5 wishes each\n"
    )
    print(f"{'method':<34}{'seconds':>9}  {'unserved':>8}  {'sum of ranks':>12}")
    result, solver_seconds = timed(al.solve, booths, requests)
    print(
        f"{'solver (al.solve)':<34}{solver_seconds:>9.2f}  {result.objective[0]:>8}  {result.objective[1]:>12}"
    )
    objective, seconds = lsa_same_costs(booths, requests)
    print(
        f"{'scipy linear_sum_assignment only':<34}{seconds:>9.2f}  {objective[0]:>8}  {objective[1]:>12}"
    )
    if args.milp:
        weights = al._Weights(sorted(requests, key=lambda r: r.order))
        ordered = sorted(requests, key=lambda r: r.order)
        options = [
            [(blk, al.rank_of(r, blk)) for blk in al.candidate_blocks(booths, r)] for r in ordered
        ]
        (choices, _, _), seconds = timed(
            block_program.whole_program, booths, ordered, options, weights
        )
        milp_result = al._result(ordered, choices)
        print(
            f"{'integer program (HiGHS)':<34}{seconds:>9.2f}  {milp_result.objective[0]:>8}  {milp_result.objective[1]:>12}"
        )
    baseline, seconds = timed(al.greedy, booths, requests)
    print(
        f"{'greedy first-come':<34}{seconds:>9.2f}  {baseline.objective[0]:>8}  {baseline.objective[1]:>12}"
    )
    got_first = sum(1 for r in result.ranks.values() if r == 1)
    greedy_first = sum(1 for r in baseline.ranks.values() if r == 1)
    print(
        f"\nfirst choice met: solver {got_first}, greedy {greedy_first}; "
        f"sum of ranks {result.objective[1]} vs {baseline.objective[1]} "
        f"({100 * (baseline.objective[1] - result.objective[1]) / max(1, baseline.objective[1]):.1f}% lower)"
    )
    return {
        "seconds": solver_seconds,
        "objective": tuple(result.objective[:2]),
        "lsa_objective": tuple(objective),
        "optimal": tuple(result.objective[:2]) == tuple(objective),
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def blocks_run(args, booths, requests) -> dict:
    """Multi-booth requests: the solver (split into parts, two stages, pooled blocks) next to
    greedy and, with --milp, the first formulation."""
    asking = sum(r.count > 1 for r in requests)
    print(
        f"{args.exhibitors} exhibitors ({asking} asking for 2-4 adjacent booths, "
        f"{sum(r.count for r in requests)} booths asked), {args.booths} booths, "
        f"{args.sectors} sector zones, 5 wishes each\n"
    )
    ordered = sorted(requests, key=lambda r: r.order)
    weights = al._Weights(ordered)
    shared = al._shared_blocks(booths, ordered)
    parts = al._components(booths, ordered, shared)
    print(
        f"{len(parts)} independent parts, largest {max(len(i) for _, i in parts)} exhibitors "
        f"x {max(len(b) for b, _ in parts)} booths\n"
    )
    header = f"{'method':<36}{'seconds':>9}  {'unserved':>8}  {'sum of ranks':>12}  {'proven':>6}"
    print(f"{header}  {'gap':>8}  cost (bound)")
    result, solver_seconds = timed(al.solve, booths, requests)
    print(
        f"{'solver (al.solve)':<36}{solver_seconds:>9.2f}  {result.objective[0]:>8}  "
        f"{result.objective[1]:>12}  {result.proven_optimal!s:>6}  {100 * result.gap:>7.3f}%  "
        f"{result.cost} ({result.bound}; at least {result.unserved_at_least} unserved)"
    )
    old = None
    if args.milp:
        options = al._options(booths, ordered)
        (choices, proven, bound), seconds = timed(
            block_program.whole_program, booths, ordered, options, weights, args.old_time_limit
        )
        old = al._result(ordered, choices)
        cost = al._cost(ordered, choices, weights)
        gap = (cost - bound) / cost if cost else 0.0
        print(
            f"{'first formulation (one program)':<36}{seconds:>9.2f}  {old.objective[0]:>8}  "
            f"{old.objective[1]:>12}  {proven!s:>6}  {100 * gap:>7.3f}%  {cost} ({bound:.0f})"
        )
        old = {"seconds": seconds, "objective": old.objective, "proven": proven, "cost": cost}
    baseline, seconds = timed(al.greedy, booths, requests)
    cost = al._weighted(baseline, ordered, weights)
    print(
        f"{'greedy first-come':<36}{seconds:>9.2f}  {baseline.objective[0]:>8}  "
        f"{baseline.objective[1]:>12}  {'-':>6}  {'-':>8}  {cost}"
    )
    print(
        f"\nfirst choice met: solver {sum(1 for r in result.ranks.values() if r == 1)}, greedy "
        f"{sum(1 for r in baseline.ranks.values() if r == 1)}; load average now {load()}"
    )
    return {
        "seconds": solver_seconds,
        "objective": tuple(result.objective),
        "proven": result.proven_optimal,
        "gap": result.gap,
        "greedy_objective": tuple(baseline.objective),
        "old": old,
        "blocks": True,
    }


if __name__ == "__main__":
    main()

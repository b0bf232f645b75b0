"""Booth allocation benchmark: 2,000 exhibitors, 2,000 booths, 5 ranked wishes each.

Prints the solver's time and objective next to scipy's linear_sum_assignment on the same cost
matrix, the general integer-program path (used when multi-booth requests make blocks overlap) on
the same instance, and a greedy first-come baseline. Run: .venv/bin/python bench/allocation.py
"""

import argparse
import platform
import random
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from exhibition.booths import allocation as al
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
    args = parser.parse_args(argv)
    booths, requests = instance(args.exhibitors, args.booths, args.sectors, args.seed)
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
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
        milp_result, seconds = timed(al._solve_milp, booths, ordered, options, weights)
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


if __name__ == "__main__":
    main()

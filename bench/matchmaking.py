"""Matchmaking schedule benchmark: 300 buyers, 600 suppliers, 3,000 accepted pairs, 32 slots.

Some pairs must meet, some suppliers are exhibitors who meet at their booth (1-3 representatives,
not all free in every slot) as well as at the room's 120 tables (some taken in some slots);
people have limits of 8-16 meetings and busy slots (programme sessions, meetings already booked).
Prints the time of `schedule` and what it placed next to greedy first fit, the solver's bound and
the LP relaxation's, and check()'s violations. Run: .venv/bin/python bench/matchmaking.py
"""

import argparse
import os
import platform
import random
import time

from exhibition.matchmaking import scheduler as sc


def instance(
    buyers: int, suppliers: int, pairs: int, slots: int, tables: int, seed: int, must: float = 0.15
) -> sc.Problem:
    rng = random.Random(seed)
    buyer_ids = list(range(1, buyers + 1))
    supplier_ids = list(range(10_001, 10_001 + suppliers))
    exhibitors = set(rng.sample(supplier_ids, suppliers // 3))
    reps = {s: rng.randint(1, 3) for s in sorted(exhibitors)}

    def busy_slots() -> frozenset[int]:
        busy: set[int] = set()
        for _ in range(rng.randint(0, 2)):  # programme sessions: 2-4 slots in a row
            start, length = rng.randrange(slots), rng.randint(2, 4)
            busy.update(range(start, min(slots, start + length)))
        busy.update(rng.sample(range(slots), rng.randint(0, 3)))  # meetings already booked
        return frozenset(busy)

    people = [sc.Person(b, rng.randint(8, 16), busy_slots()) for b in buyer_ids]
    people += [
        sc.Person(s, rng.randint(8, 16), busy_slots(), at_once=reps.get(s, 1)) for s in supplier_ids
    ]
    pools = []
    for s in sorted(exhibitors):  # a representative is away from the booth in some slots
        free = {
            slot: tuple(r for r in range(1, reps[s] + 1) if rng.random() < 0.85)
            for slot in range(slots)
        }
        pools.append(sc.Pool(f"booth:{s}", {k: v for k, v in free.items() if v}))
    taken = {slot: rng.choice([0, 0, 0, 20, 60]) for slot in range(slots)}  # tables booked
    pools.append(
        sc.Pool(
            sc.TABLES, {slot: tuple(range(taken[slot] + 1, tables + 1)) for slot in range(slots)}
        )
    )
    # Popular suppliers get more requests: weights fall with the supplier's rank.
    weights = [1.0 / (1 + i / 50) for i in range(suppliers)]
    seen: set[tuple[int, int]] = set()
    accepted = []
    while len(accepted) < pairs:
        b = rng.choice(buyer_ids)
        s = rng.choices(supplier_ids, weights=weights)[0]
        if (b, s) in seen:
            continue
        seen.add((b, s))
        if s in exhibitors:
            where = rng.choice(
                [(f"booth:{s}",), (sc.TABLES, f"booth:{s}"), (f"booth:{s}", sc.TABLES)]
            )
        else:
            where = (sc.TABLES,)
        accepted.append(sc.Pair(len(accepted) + 1, b, s, rng.random() < must, where))
    return sc.Problem(slots, tuple(people), tuple(pools), tuple(accepted))


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=300)
    parser.add_argument("--suppliers", type=int, default=600)
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--slots", type=int, default=32)
    parser.add_argument("--tables", type=int, default=120)
    parser.add_argument("--must-meet", type=float, default=0.15, help="share of must-meet pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0, help="schedule()'s time limit")
    args = parser.parse_args(argv)
    problem = instance(
        args.buyers, args.suppliers, args.pairs, args.slots, args.tables, args.seed, args.must_meet
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}"
    )
    must = sum(p.must_meet for p in problem.pairs)
    print(
        f"{args.buyers} buyers, {args.suppliers} suppliers, {len(problem.pairs)} accepted pairs "
        f"({must} must meet), {args.slots} slots, {args.tables} tables, "
        f"{len(problem.pools) - 1} booths\n"
    )
    best, seconds = timed(sc.schedule, problem, time_limit=args.time_limit)
    baseline, greedy_seconds = timed(sc.greedy, problem)
    lp_count, lp_seconds = timed(sc.lp_bound, problem, count_only=True)
    lp_value = sc.lp_bound(problem)
    errors = sc.check(problem, best) + sc.check(problem, baseline)
    print(
        f"{'method':<26}{'seconds':>9}{'placed':>8}{'must-meet':>11}  value (weight {best.weight})"
    )
    for name, s, sec in (
        ("schedule", best, seconds),
        ("greedy first fit", baseline, greedy_seconds),
    ):
        print(f"{name:<26}{sec:>9.2f}{sum(s.score):>8}{s.score[0]:>11}  {s.value}")
    print(
        f"\nschedule: method {best.method}, optimal {best.optimal}, bound {best.bound}; "
        f"gap to bound {_gap(best.value, best.bound)}"
    )
    print(
        f"LP relaxation ({lp_seconds:.2f} s): at most {lp_count:.1f} meetings "
        f"(placed {sum(best.score)}, {_gap(sum(best.score), lp_count)} below); value at most "
        f"{lp_value:.1f} ({_gap(best.value, lp_value)} below)"
    )
    reasons = {r.value: 0 for r in sc.Reason}
    for reason in best.unplaced.values():
        reasons[reason.value] += 1
    print(f"unplaced by reason: {reasons}")
    print(f"check() violations: {len(errors)}")
    for error in errors[:10]:
        print("  ", error)
    return {
        "seconds": seconds,
        "placed": sum(best.score),
        "must_meet": best.score[0],
        "greedy_placed": sum(baseline.score),
        "greedy_must_meet": baseline.score[0],
        "optimal": best.optimal,
        "value": best.value,
        "bound": best.bound,
        "lp_count": lp_count,
        "violations": len(errors),
    }


def _gap(value: float, bound: float | None) -> str:
    if bound is None:
        return "unknown"
    return f"{bound - value:.1f} ({(bound - value) / max(bound, 1):.2%})"


if __name__ == "__main__":
    main()

"""Organisers' scheduling of accepted meetings (pure functions: no database, no Flask here).

A matchmaking session is split into slots 0..S-1. Each accepted pair (a buyer and a supplier who
agreed to meet) may be placed in one slot at one place of one of the pools it names: "tables" (the
room's interchangeable numbered tables, as many per slot as are free in it) or an exhibitor's
booth (as many at once as it has meeting representatives free in that slot). The schedule places
as many pairs as it can, must-meet pairs first: one more must-meet meeting beats any number of
ordinary ones. Nobody meets in a slot they are busy in (a meeting already booked, a programme
session they sit in, declared unavailability), nor more often than their remaining limit, nor in
more meetings at once than they can hold (one for a person); no pool is used beyond its free
places in a slot.

`schedule` solves it exactly as an integer program (HiGHS through scipy.optimize.milp), falling
back on `greedy` (first fit) when that finds nothing better in its time limit; `check` lists what
a solution breaks. The same problem, in whatever order its parts are given, gives the same answer
(a solver stopped by its time limit excepted: where it stops depends on the machine's speed).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

TABLES = "tables"


@dataclass(frozen=True)
class Pair:
    """An accepted meeting between people `a` and `b`, at a place of one of `pools`."""

    id: int
    a: int
    b: int
    must_meet: bool = False
    pools: tuple[str, ...] = (TABLES,)


@dataclass(frozen=True)
class Person:
    """Someone who meets: at most `limit` more meetings, none in a `busy` slot, `at_once` per slot
    (1 for a person; an exhibitor who meets through several representatives may hold more)."""

    id: int
    limit: int
    busy: frozenset[int] = frozenset()
    at_once: int = 1


@dataclass(frozen=True)
class Pool:
    """Interchangeable places: slot -> ids of the places free in that slot (missing: none)."""

    key: str
    places: Mapping[int, tuple[int, ...]]


@dataclass(frozen=True)
class Problem:
    slots: int
    people: tuple[Person, ...]
    pools: tuple[Pool, ...]
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class Placement:
    pair_id: int
    slot: int
    pool: str
    place: int


class Reason(enum.Enum):
    """Why a pair was left out."""

    NO_COMMON_SLOT = "no_common_slot"  # no slot free for both with a place of its pools at all
    LIMIT_REACHED = "limit_reached"  # one of the two has all the meetings they may have
    NO_PLACE = "no_place"  # every common slot is taken by one of them or its places are full


@dataclass(frozen=True)
class Solution:
    """Placements (by pair id) and the pairs left out with why.

    `score` is (must-meet pairs placed, ordinary pairs placed); the solver maximises
    `weight * must_meet + ordinary`, and `bound` is an upper bound on that value when known
    (equal to it when `optimal`).
    """

    placements: tuple[Placement, ...]
    unplaced: dict[int, Reason]
    score: tuple[int, int]
    method: str
    optimal: bool
    bound: float | None
    weight: int

    @property
    def value(self) -> int:
        return self.weight * self.score[0] + self.score[1]


class _Model:
    """The problem in sorted arrays: people, pools and pairs by id/key, and every possible
    (pair, slot, pool) choice."""

    def __init__(self, problem: Problem):
        if problem.slots < 0:
            raise ValueError("a negative number of slots")
        slots = self.slots = problem.slots
        people = sorted(problem.people, key=lambda p: p.id)
        pairs = self.pairs = sorted(problem.pairs, key=lambda p: p.id)
        pools = sorted(problem.pools, key=lambda p: p.key)
        _unique([p.id for p in people], "person")
        _unique([p.id for p in pairs], "pair")
        _unique([p.key for p in pools], "pool")
        self.person_index = {p.id: i for i, p in enumerate(people)}
        self.limit = np.array([max(0, p.limit) for p in people], dtype=np.int64)
        self.at_once = np.array([max(0, p.at_once) for p in people], dtype=np.int64)
        self.free = np.ones((len(people), slots), dtype=bool)
        for i, person in enumerate(people):
            busy = [s for s in person.busy if 0 <= s < slots]
            self.free[i, busy] = False

        self.pool_keys = [p.key for p in pools]
        self.pool_index = {key: k for k, key in enumerate(self.pool_keys)}
        self.places = [
            [tuple(sorted(set(pool.places.get(s, ())))) for s in range(slots)] for pool in pools
        ]
        self.capacity = np.array(
            [[len(ids) for ids in per_slot] for per_slot in self.places], dtype=np.int64
        ).reshape(len(pools), slots)

        for pair in pairs:
            if pair.a == pair.b:
                raise ValueError(f"pair {pair.id} is one person twice")
            for person in (pair.a, pair.b):
                if person not in self.person_index:
                    raise ValueError(f"pair {pair.id} names unknown person {person}")
        self.a = np.array([self.person_index[p.a] for p in pairs], dtype=np.int64)
        self.b = np.array([self.person_index[p.b] for p in pairs], dtype=np.int64)
        self.must = np.array([p.must_meet for p in pairs], dtype=bool)
        # The pools each pair may use, in its own order of preference (for greedy), known ones only.
        self.pair_pools = [
            list(dict.fromkeys(self.pool_index[k] for k in p.pools if k in self.pool_index))
            for p in pairs
        ]

        # Every (pair, pool) entry, sorted by pair then pool key, and its slots with a place.
        entry_pair = np.array(
            [i for i, ks in enumerate(self.pair_pools) for _ in ks], dtype=np.int64
        )
        entry_pool = np.array([k for ks in self.pair_pools for k in sorted(ks)], dtype=np.int64)
        both_free = self.free[self.a] & self.free[self.b]
        possible = both_free[entry_pair] & (self.capacity[entry_pool] > 0)
        self.common = np.zeros(len(pairs), dtype=bool)
        np.logical_or.at(self.common, entry_pair, possible.any(axis=1))
        # Variables only where both may meet at all (limit and at_once above zero).
        able = (self.limit > 0) & (self.at_once > 0)
        possible &= (able[self.a] & able[self.b])[entry_pair][:, None]
        entry, slot = np.nonzero(possible)
        self.var_pair, self.var_slot, self.var_pool = entry_pair[entry], slot, entry_pool[entry]
        ordinary = int(np.count_nonzero(~self.must[np.unique(self.var_pair)]))
        self.weight = ordinary + 1  # one must-meet pair outweighs every ordinary one

    def constraints(self) -> LinearConstraint:
        """Each pair at most once; each person at most `at_once` per slot and `limit` in all;
        each pool at most its free places per slot. Rows that cannot bind are left out."""
        slots, n = self.slots, len(self.var_pair)
        columns = np.arange(n)
        people_a, people_b = self.a[self.var_pair], self.b[self.var_pair]
        blocks = [
            # (row key per entry, column per entry, upper bound per key (indexed by key), count)
            _block(self.var_pair, columns, np.ones(len(self.pairs), dtype=np.int64)),
            _block(
                np.concatenate(
                    [people_a * slots + self.var_slot, people_b * slots + self.var_slot]
                ),
                np.concatenate([columns, columns]),
                np.repeat(self.at_once, slots),
            ),
            _block(
                np.concatenate([people_a, people_b]),
                np.concatenate([columns, columns]),
                self.limit,
                distinct=np.concatenate([self.var_pair, self.var_pair]),
            ),
            _block(self.var_pool * slots + self.var_slot, columns, self.capacity.ravel()),
        ]
        rows, cols, upper, offset = [], [], [], 0
        for block_rows, block_cols, block_upper in blocks:
            rows.append(block_rows + offset)
            cols.append(block_cols)
            upper.append(block_upper)
            offset += len(block_upper)
        matrix = csr_matrix(
            (np.ones(sum(len(r) for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
            shape=(offset, n),
        )
        return LinearConstraint(matrix, -np.inf, np.concatenate(upper).astype(float))

    def costs(self, count_only: bool = False) -> np.ndarray:
        if count_only:
            return -np.ones(len(self.var_pair))
        return -np.where(self.must[self.var_pair], self.weight, 1).astype(float)

    def solution(self, chosen, *, method: str, optimal: bool, bound: float | None) -> Solution:
        """Concrete places for chosen (pair, slot, pool) triples: within a pool and slot, pairs
        by id take its free places from the lowest up; the others get their reason."""
        chosen = sorted(chosen)
        taken: dict[tuple[int, int], int] = {}
        placements = []
        used = np.zeros(len(self.limit), dtype=np.int64)
        for i, slot, k in chosen:
            n = taken.get((k, slot), 0)
            taken[(k, slot)] = n + 1
            pair = self.pairs[i]
            placements.append(Placement(pair.id, slot, self.pool_keys[k], self.places[k][slot][n]))
            used[self.a[i]] += 1
            used[self.b[i]] += 1
        placed = {i for i, _, _ in chosen}
        unplaced = {}
        for i, pair in enumerate(self.pairs):
            if i in placed:
                continue
            if not self.common[i]:
                unplaced[pair.id] = Reason.NO_COMMON_SLOT
            elif (
                used[self.a[i]] >= self.limit[self.a[i]] or used[self.b[i]] >= self.limit[self.b[i]]
            ):
                unplaced[pair.id] = Reason.LIMIT_REACHED
            else:
                unplaced[pair.id] = Reason.NO_PLACE
        must = sum(1 for i in placed if self.must[i])
        return Solution(
            placements=tuple(placements),
            unplaced=unplaced,
            score=(must, len(placed) - must),
            method=method,
            optimal=optimal,
            bound=bound,
            weight=self.weight,
        )


def _unique(values: list, what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"the same {what} twice")


def _block(keys, columns, upper, distinct=None):
    """One kind of constraint: a row per key, kept only when it can bind (more entries, or
    distinct pairs for the limit rows, than its upper bound); rows renumbered from 0."""
    if len(keys) == 0:
        return keys, columns, upper[:0]
    used, inverse = np.unique(keys, return_inverse=True)
    if distinct is None:
        counts = np.bincount(inverse)
    else:  # count each pair once per row, however many slots and pools it has
        pairs = np.unique(np.stack([inverse, distinct]), axis=1)
        counts = np.bincount(pairs[0], minlength=len(used))
    binding = counts > upper[used]
    renumber = np.cumsum(binding) - 1
    keep = binding[inverse]
    return renumber[inverse[keep]], columns[keep], upper[used[binding]]


def _greedy_choice(model: _Model) -> list[tuple[int, int, int]]:
    """First fit: must-meet pairs first, then by id; each in its earliest slot free for both,
    at the first of its pools with a free place there."""
    slots = model.slots
    free = model.free.tolist()
    limit, at_once = model.limit.tolist(), model.at_once.tolist()
    left = model.capacity.tolist()
    used = [0] * len(limit)
    booked = [[0] * slots for _ in limit]
    chosen = []
    order = sorted(range(len(model.pairs)), key=lambda i: (not model.pairs[i].must_meet, i))
    for i in order:
        a, b = int(model.a[i]), int(model.b[i])
        if used[a] >= limit[a] or used[b] >= limit[b]:
            continue
        for slot in range(slots):
            if not (free[a][slot] and free[b][slot]):
                continue
            if booked[a][slot] >= at_once[a] or booked[b][slot] >= at_once[b]:
                continue
            pool = next((k for k in model.pair_pools[i] if left[k][slot] > 0), None)
            if pool is None:
                continue
            left[pool][slot] -= 1
            booked[a][slot] += 1
            booked[b][slot] += 1
            used[a] += 1
            used[b] += 1
            chosen.append((i, slot, pool))
            break
    return chosen


def greedy(problem: Problem) -> Solution:
    """The first-fit baseline: must-meet pairs first, then by id, each in its earliest possible
    slot at the first of its pools with a free place (the lowest-numbered one)."""
    model = _Model(problem)
    return model.solution(_greedy_choice(model), method="greedy", optimal=False, bound=None)


def schedule(problem: Problem, *, time_limit: float = 20.0) -> Solution:
    """The most meetings, must-meet ones first, as an integer program (HiGHS), stopped after
    `time_limit` seconds; greedy first fit when the solver finds nothing better by then."""
    model = _Model(problem)
    baseline = _greedy_choice(model)
    if len(model.var_pair) == 0:
        return model.solution([], method="milp", optimal=True, bound=0.0)
    costs = model.costs()
    constraints = model.constraints()
    result = milp(
        c=costs,
        constraints=constraints,
        integrality=np.ones(len(costs)),
        bounds=Bounds(0, 1),
        # Integer weights: a relative gap of zero stops only at a proven optimum. HiGHS's presolve
        # took 6 of the 8 s of the benchmark and removed little that _Model had not left out.
        options={"time_limit": time_limit, "mip_rel_gap": 0.0, "presolve": False},
    )
    dual = getattr(result, "mip_dual_bound", None)
    bound = None if dual is None or not np.isfinite(dual) else float(np.floor(-dual + 1e-6))
    rounded = None if result.x is None else (result.x > 0.5).astype(float)
    if rounded is None or np.any(constraints.A @ rounded > constraints.ub + 1e-9):
        return model.solution(
            baseline, method=f"greedy (solver: {result.message})", optimal=False, bound=bound
        )
    picked = np.flatnonzero(rounded)
    chosen = list(
        zip(
            model.var_pair[picked].tolist(),
            model.var_slot[picked].tolist(),
            model.var_pool[picked].tolist(),
            strict=True,
        )
    )
    optimal = result.status == 0
    if not optimal and _value(model, baseline) > _value(model, chosen):
        return model.solution(
            baseline, method="greedy (better than the solver's at its time limit)",
            optimal=False, bound=bound,
        )  # fmt: skip
    if optimal:
        bound = float(_value(model, chosen))
    method = "milp" if optimal else "milp (time limit)"
    return model.solution(chosen, method=method, optimal=optimal, bound=bound)


def _value(model: _Model, chosen) -> int:
    return sum(model.weight if model.must[i] else 1 for i, _, _ in chosen)


def lp_bound(problem: Problem, *, count_only: bool = False) -> float:
    """The LP relaxation's optimum: an upper bound on `Solution.value`, or with `count_only` on
    the number of meetings any schedule can place."""
    model = _Model(problem)
    if len(model.var_pair) == 0:
        return 0.0
    costs = model.costs(count_only)
    result = milp(c=costs, constraints=model.constraints(), bounds=Bounds(0, 1))
    return float(-result.fun)


def check(problem: Problem, solution: Solution) -> list[str]:
    """What `solution` breaks of `problem` (empty when it is a valid schedule)."""
    errors = []
    people = {p.id: p for p in problem.people}
    pairs = {p.id: p for p in problem.pairs}
    pools = {p.key: p for p in problem.pools}
    used: dict[int, int] = {}
    per_slot: dict[tuple[int, int], int] = {}
    places: set[tuple[str, int, int]] = set()
    placed: set[int] = set()
    for m in solution.placements:
        pair = pairs.get(m.pair_id)
        if pair is None:
            errors.append(f"placement of unknown pair {m.pair_id}")
            continue
        if m.pair_id in placed:
            errors.append(f"pair {m.pair_id} placed twice")
        placed.add(m.pair_id)
        if not 0 <= m.slot < problem.slots:
            errors.append(f"pair {m.pair_id} in slot {m.slot} outside the session")
        if m.pool not in pair.pools:
            errors.append(f"pair {m.pair_id} in pool {m.pool} it may not use")
        pool = pools.get(m.pool)
        if pool is None or m.place not in pool.places.get(m.slot, ()):
            errors.append(f"pair {m.pair_id} at {m.pool} {m.place}, not free in slot {m.slot}")
        if (m.pool, m.slot, m.place) in places:
            errors.append(f"{m.pool} {m.place} used twice in slot {m.slot}")
        places.add((m.pool, m.slot, m.place))
        for person_id in (pair.a, pair.b):
            person = people[person_id]
            if m.slot in person.busy:
                errors.append(
                    f"person {person_id} busy in slot {m.slot} meets for pair {m.pair_id}"
                )
            used[person_id] = used.get(person_id, 0) + 1
            per_slot[(person_id, m.slot)] = per_slot.get((person_id, m.slot), 0) + 1
    for (person_id, slot), n in sorted(per_slot.items()):
        if n > people[person_id].at_once:
            errors.append(f"person {person_id} in {n} meetings in slot {slot}")
    for person_id, n in sorted(used.items()):
        if n > people[person_id].limit:
            errors.append(f"person {person_id} has {n} meetings, over the limit")
    if placed & set(solution.unplaced):
        errors.append("pairs both placed and unplaced")
    if (placed | set(solution.unplaced)) != set(pairs):
        errors.append("pairs neither placed nor unplaced")
    must = sum(1 for i in placed if pairs[i].must_meet)
    if solution.score != (must, len(placed) - must):
        errors.append(f"score {solution.score} is not ({must}, {len(placed) - must})")
    for pair_id, reason in sorted(solution.unplaced.items()):
        pair = pairs.get(pair_id)
        if pair is not None and reason != _reason(problem, pair, used, people):
            errors.append(f"pair {pair_id} unplaced for the wrong reason {reason.value}")
    return errors


def _reason(problem: Problem, pair: Pair, used: dict[int, int], people: dict) -> Reason:
    pools = {p.key: p for p in problem.pools}
    a, b = people[pair.a], people[pair.b]
    common = any(
        s not in a.busy and s not in b.busy and pools[key].places.get(s)
        for s in range(problem.slots)
        for key in pair.pools
        if key in pools
    )
    if not common:
        return Reason.NO_COMMON_SLOT
    if used.get(a.id, 0) >= a.limit or used.get(b.id, 0) >= b.limit:
        return Reason.LIMIT_REACHED
    return Reason.NO_PLACE

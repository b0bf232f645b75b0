"""Optimal booth allocation (pure functions: no database here).

Each approved exhibitor without a booth asks for a number of adjacent booths of one type (or one raw
space of some area), in booths themed for its sectors, with up to five ranked wishes (a booth, a
zone or a hall). The allocation minimises, in this order:

1. how many exhibitors get nothing;
2. the sum of the ranks the others get (a wish ranked r costs r, any other suitable place costs 6);
3. on ties, earlier-approved exhibitors get the better ranks (their ranks weigh more).

The three goals are folded into one integer cost per (exhibitor, place), weights chosen so that a
lower goal can never outweigh a higher one. With single-booth requests only it is an assignment
problem, solved exactly by scipy's linear_sum_assignment; with multi-booth requests the candidate
blocks overlap, and an integer program (HiGHS through scipy.optimize.milp) finds the optimum.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import coo_matrix

from .models import BoothType

OTHER_RANK = 6  # a suitable place that was not among the wishes
UNSERVED_RANK = 7  # used only in the tie-break term


@dataclass(frozen=True)
class BoothInfo:
    id: int
    code: str
    hall_id: int
    x: float
    y: float
    width: float
    depth: float
    type: BoothType
    zone: str = ""
    sector: str | None = None


@dataclass(frozen=True)
class Wish:
    rank: int
    booth_id: int | None = None
    zone: str | None = None
    hall_id: int | None = None


@dataclass(frozen=True)
class Request:
    exhibitor_id: int
    order: int  # 0 = approved first
    booth_type: BoothType
    count: int = 1
    raw_area: float | None = None
    sectors: frozenset[str] = frozenset()
    wishes: tuple[Wish, ...] = ()


@dataclass
class Result:
    places: dict[int, tuple[int, ...]] = field(default_factory=dict)  # exhibitor id -> booth ids
    ranks: dict[int, int] = field(default_factory=dict)  # exhibitor id -> rank of what it got
    unserved: list[int] = field(default_factory=list)
    proven_optimal: bool = True  # False when a time limit stopped the integer program first

    @property
    def objective(self) -> tuple[int, int]:
        """(exhibitors left without a booth, sum of ranks of the others): lower is better."""
        return len(self.unserved), sum(self.ranks.values())


def _rows(booths: list[BoothInfo]) -> list[list[BoothInfo]]:
    """Booths side by side: same hall, same row, each starting where the previous one ends."""
    lines: dict[tuple, list[BoothInfo]] = {}
    for booth in booths:
        lines.setdefault((booth.hall_id, round(booth.y, 2), round(booth.depth, 2)), []).append(
            booth
        )
    rows = []
    for line in lines.values():
        line.sort(key=lambda b: b.x)
        current = [line[0]]
        for booth in line[1:]:
            previous = current[-1]
            if abs(previous.x + previous.width - booth.x) < 0.01:
                current.append(booth)
            else:
                rows.append(current)
                current = [booth]
        rows.append(current)
    return rows


def _fits_sector(booth: BoothInfo, request: Request) -> bool:
    return booth.sector is None or booth.sector in request.sectors


def candidate_blocks(
    booths: list[BoothInfo], request: Request, rows: list[list[BoothInfo]] | None = None
) -> list[tuple[BoothInfo, ...]]:
    """Every place that suits a request: the right type and size, adjacent, in a fitting zone."""
    if request.booth_type is BoothType.RAW:
        return [
            (b,)
            for b in booths
            if b.type is BoothType.RAW
            and b.width * b.depth >= (request.raw_area or 0) - 1e-6
            and _fits_sector(b, request)
        ]
    if rows is None:
        rows = _rows([b for b in booths if b.type is not BoothType.RAW])
    blocks = []
    k = request.count
    for row in rows:
        for start in range(len(row) - k + 1):
            block = tuple(row[start : start + k])
            if not all(_fits_sector(b, request) for b in block):
                continue
            types = [b.type for b in block]
            if request.booth_type is BoothType.STANDARD:
                ok = all(t is BoothType.STANDARD for t in types)
            else:  # a corner request: a corner booth at one end of the block, standard booths otherwise
                ok = (types[0] is BoothType.CORNER or types[-1] is BoothType.CORNER) and sum(
                    t is BoothType.CORNER for t in types
                ) == 1
            if ok:
                blocks.append(block)
    return blocks


def _ranker(request: Request):
    """A function giving the rank of a block for this request: its best wish met, or OTHER_RANK."""
    by_booth: dict[int, int] = {}
    by_zone: dict[str, int] = {}
    by_hall: dict[int, int] = {}
    for wish in request.wishes:
        if wish.booth_id is not None:
            by_booth[wish.booth_id] = min(wish.rank, by_booth.get(wish.booth_id, OTHER_RANK))
        if wish.zone is not None:
            by_zone[wish.zone] = min(wish.rank, by_zone.get(wish.zone, OTHER_RANK))
        if wish.hall_id is not None:
            by_hall[wish.hall_id] = min(wish.rank, by_hall.get(wish.hall_id, OTHER_RANK))

    def rank(block: tuple[BoothInfo, ...]) -> int:
        return min(
            min(
                by_booth.get(b.id, OTHER_RANK),
                by_zone.get(b.zone, OTHER_RANK),
                by_hall.get(b.hall_id, OTHER_RANK),
            )
            for b in block
        )

    return rank


def rank_of(request: Request, block: tuple[BoothInfo, ...]) -> int:
    return _ranker(request)(block)


def _options(
    booths: list[BoothInfo], requests: list[Request]
) -> list[list[tuple[tuple[BoothInfo, ...], int]]]:
    """For each request, its candidate blocks with their ranks. Requests of the same kind share
    their candidate blocks (computed once), so this stays fast with thousands of exhibitors."""
    rows = _rows([b for b in booths if b.type is not BoothType.RAW]) if booths else []
    shared: dict[tuple, list[tuple[BoothInfo, ...]]] = {}
    options = []
    for request in requests:
        key = (request.booth_type, request.count, request.raw_area, request.sectors)
        if key not in shared:
            shared[key] = candidate_blocks(booths, request, rows)
        if not request.wishes:
            options.append([(block, OTHER_RANK) for block in shared[key]])
            continue
        rank = _ranker(request)
        options.append([(block, rank(block)) for block in shared[key]])
    return options


class _Weights:
    """Integer weights making the three goals lexicographic (see the module docstring)."""

    def __init__(self, requests: list[Request]):
        n = max(1, len(requests))
        self.tie = {r.exhibitor_id: n - r.order for r in requests}  # earlier approved: weighs more
        self.rank = UNSERVED_RANK * n * (n + 1) + 1  # > any possible sum of tie terms
        self.unserved = (
            n * (UNSERVED_RANK * self.rank + UNSERVED_RANK * n) + 1
        )  # > any sum of the rest

    def served(self, request: Request, rank: int) -> int:
        return rank * self.rank + rank * self.tie[request.exhibitor_id]

    def not_served(self, request: Request) -> int:
        return self.unserved + UNSERVED_RANK * self.tie[request.exhibitor_id]


def solve(
    booths: list[BoothInfo], requests: list[Request], *, time_limit: float | None = None
) -> Result:
    """The optimal allocation of the available `booths` to `requests`.

    `time_limit` (seconds) bounds the integer program used for multi-booth requests; when it
    stops the search, the best allocation found is returned with `proven_optimal` False (and
    never one worse than first-come greedy)."""
    requests = sorted(requests, key=lambda r: r.order)
    if not requests:
        return Result()
    weights = _Weights(requests)
    options = _options(booths, requests)
    if all(r.count == 1 for r in requests):
        return _solve_assignment(booths, requests, options, weights)
    result = _solve_milp(booths, requests, options, weights, time_limit)
    if not result.proven_optimal:
        baseline = greedy(booths, requests)
        if _weighted(baseline, requests, weights) < _weighted(result, requests, weights):
            baseline.proven_optimal = False
            return baseline
    return result


def _weighted(result: Result, requests: list[Request], weights: "_Weights") -> int:
    return sum(
        weights.served(r, result.ranks[r.exhibitor_id])
        if r.exhibitor_id in result.places
        else weights.not_served(r)
        for r in requests
    )


def _result(requests, chosen: dict[int, tuple[tuple[BoothInfo, ...], int]]) -> Result:
    result = Result()
    for request in requests:
        if request.exhibitor_id in chosen:
            block, rank = chosen[request.exhibitor_id]
            result.places[request.exhibitor_id] = tuple(b.id for b in block)
            result.ranks[request.exhibitor_id] = rank
        else:
            result.unserved.append(request.exhibitor_id)
    return result


def _solve_assignment(booths, requests, options, weights) -> Result:
    """Single-booth requests: rows are exhibitors, columns are booths plus one "nothing" per row."""
    index = {b.id: j for j, b in enumerate(booths)}
    n, m = len(requests), len(booths)
    forbidden = float(weights.unserved) * 4  # never better than getting nothing
    costs = np.full((n, m + n), forbidden)
    for i, (request, choices) in enumerate(zip(requests, options, strict=True)):
        for (booth,), rank in choices:
            costs[i, index[booth.id]] = weights.served(request, rank)
        costs[i, m:] = weights.not_served(request)
    rows, cols = linear_sum_assignment(costs)
    chosen = {}
    for i, j in zip(rows, cols, strict=True):
        if j < m and costs[i, j] < forbidden:
            request = requests[i]
            chosen[request.exhibitor_id] = ((booths[j],), rank_of(request, (booths[j],)))
    return _result(requests, chosen)


def _kind(booth: BoothInfo) -> tuple:
    """Booths of one kind are interchangeable for anyone who did not name one of them."""
    return (booth.type, booth.sector, booth.zone, booth.hall_id)


def _milp_variables(requests, options, weights) -> tuple[list[tuple], list[int]]:
    """The program's binaries and their costs, as (request index, block or None, rank, kind key
    or None); block None and kind None together mean "left without a booth"."""
    variables: list[tuple] = []
    costs: list[int] = []
    for i, (request, choices) in enumerate(zip(requests, options, strict=True)):
        aggregated = request.count == 1 and request.booth_type is not BoothType.RAW
        named = {w.booth_id for w in request.wishes if w.booth_id is not None}
        kind_rank: dict[tuple, int] = {}
        for block, rank in choices:
            if aggregated and block[0].id not in named:
                key = _kind(block[0])
                kind_rank[key] = min(rank, kind_rank.get(key, OTHER_RANK))
                continue
            variables.append((i, block, rank, None))
            costs.append(weights.served(request, rank))
        for key, rank in kind_rank.items():
            variables.append((i, None, rank, key))
            costs.append(weights.served(request, rank))
        variables.append((i, None, None, None))
        costs.append(weights.not_served(request))
    return variables, costs


def _milp_constraints(variables, n_req: int, booths, kinds: dict) -> LinearConstraint:
    """One row per exhibitor (exactly one of its binaries), per booth (used at most once) and per
    kind (no more than it has booths)."""
    index = {b.id: j for j, b in enumerate(booths)}
    kind_index = {key: k for k, key in enumerate(kinds)}
    n_booth = len(booths)
    rows, cols = [], []
    for v, (i, block, _, key) in enumerate(variables):
        rows.append(i)  # exhibitor i: exactly one of its variables
        cols.append(v)
        for booth in block or ():
            rows.append(n_req + index[booth.id])  # booth: at most once
            cols.append(v)
            rows.append(n_req + n_booth + kind_index[_kind(booth)])  # and it uses up its kind
            cols.append(v)
        if key is not None:
            rows.append(n_req + n_booth + kind_index[key])
            cols.append(v)
    shape = (n_req + n_booth + len(kinds), len(variables))
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
    lower = np.concatenate([np.ones(n_req), np.zeros(n_booth + len(kinds))])
    upper = np.concatenate(
        [np.ones(n_req + n_booth), np.array([len(kinds[k]) for k in kinds], dtype=float)]
    )
    return LinearConstraint(matrix.tocsr(), lower, upper)


def _milp_choices(requests, variables, values, kinds: dict) -> dict:
    """The booths of the binaries set in a solution, each "some booth of this kind" made a booth."""
    chosen: dict[int, tuple[tuple[BoothInfo, ...], int]] = {}
    by_kind: list[tuple[Request, tuple]] = []
    used: set[int] = set()
    for v, value in enumerate(values):
        if value <= 0.5:
            continue
        i, block, rank, key = variables[v]
        if block is not None:
            chosen[requests[i].exhibitor_id] = (block, rank)
            used.update(b.id for b in block)
        elif key is not None:
            by_kind.append((requests[i], key))
    for request, key in by_kind:  # "some booth of this kind": any one still free will do
        booth = next(b for b in kinds[key] if b.id not in used)
        used.add(booth.id)
        chosen[request.exhibitor_id] = ((booth,), rank_of(request, (booth,)))
    return chosen


def _solve_milp(booths, requests, options, weights, time_limit: float | None = None) -> Result:
    """Blocks overlap, so an integer program (HiGHS): one binary per (exhibitor, place) and per
    exhibitor left out; each booth used at most once.

    To stay small, a single-booth request of a shell-scheme type gets binaries only for the booths
    it names, plus one per kind of booth (type, sector theme, zone, hall) meaning "some booth of this
    kind"; kinds get a capacity row. This has the same optimum as one binary per booth (any
    allocation maps to one of equal cost, and a solution is turned back into booths kind by kind,
    never at a higher cost); real ranks are recomputed from the booths actually given.
    """
    kinds: dict[tuple, list[BoothInfo]] = {}
    for booth in booths:
        kinds.setdefault(_kind(booth), []).append(booth)
    variables, costs = _milp_variables(requests, options, weights)
    # Unscaled integer costs: one unit of the tie-break must stay far above the solver's gap.
    solution = milp(
        c=np.array(costs, dtype=float),
        constraints=_milp_constraints(variables, len(requests), booths, kinds),
        integrality=np.ones(len(variables)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, **({"time_limit": time_limit} if time_limit else {})},
    )
    if solution.x is None:  # stopped before any allocation was found: everyone waits
        return Result(unserved=[r.exhibitor_id for r in requests], proven_optimal=False)
    result = _result(requests, _milp_choices(requests, variables, solution.x, kinds))
    result.proven_optimal = solution.status == 0
    return result


def greedy(booths: list[BoothInfo], requests: list[Request]) -> Result:
    """The first-come baseline: in approval order, each exhibitor takes its best place still free."""
    used: set[int] = set()
    chosen = {}
    requests = sorted(requests, key=lambda r: r.order)
    for request, choices in zip(requests, _options(booths, requests), strict=True):
        best = None
        for block, rank in choices:
            if any(b.id in used for b in block):
                continue
            if best is None or rank < best[1]:
                best = (block, rank)
        if best is not None:
            chosen[request.exhibitor_id] = best
            used.update(b.id for b in best[0])
    return _result(requests, chosen)

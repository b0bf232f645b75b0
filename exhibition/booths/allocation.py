"""Optimal booth allocation (pure functions: no database here).

Each approved exhibitor without a booth asks for a number of adjacent booths of one type (or one raw
space of some area), in booths themed for its sectors, with up to five ranked wishes (a booth, a
zone or a hall). The allocation minimises, in this order:

1. how many exhibitors get nothing;
2. the sum of the ranks the others get (a wish ranked r costs r, any other suitable place costs 6);
3. on ties, earlier-approved exhibitors get the better ranks (their ranks weigh more).

The three goals are folded into one integer cost per (exhibitor, place), weights chosen so that a
lower goal can never outweigh a higher one. The problem is first split into independent parts
(requests linked through booths that could serve both: sector themes usually separate them). A
part with single-booth requests only is an assignment problem, solved exactly by scipy's
linear_sum_assignment; in a part with multi-booth requests the candidate blocks overlap, and the
integer programs of block_program.py (HiGHS through scipy.optimize.milp) find the optimum.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

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
    cost: int = 0  # the three goals folded into one number (see _Weights), as minimised
    bound: int = 0  # no allocation costs less than this (equal to cost when proven optimal)
    unserved_at_least: int = 0  # no allocation leaves fewer exhibitors without a booth

    @property
    def objective(self) -> tuple[int, int]:
        """(exhibitors left without a booth, sum of ranks of the others): lower is better."""
        return len(self.unserved), sum(self.ranks.values())

    @property
    def gap(self) -> float:
        """How far the cost may be above the optimum, as a share of the cost (0 when proven)."""
        return (self.cost - self.bound) / self.cost if self.cost else 0.0


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


def _wish_ranks(request: Request) -> tuple[dict, dict, dict]:
    """The best rank a request gives each booth, zone and hall it named."""
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
    return by_booth, by_zone, by_hall


def _ranker(request: Request):
    """A function giving the rank of a block for this request: its best wish met, or OTHER_RANK."""
    by_booth, by_zone, by_hall = _wish_ranks(request)

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


def request_class(request: Request) -> tuple:
    """Requests of one class have the same candidate blocks."""
    return (request.booth_type, request.count, request.raw_area, request.sectors)


def _shared_blocks(booths: list[BoothInfo], requests: list[Request]) -> dict[tuple, list]:
    """The candidate blocks of each class of requests, computed once per class."""
    rows = _rows([b for b in booths if b.type is not BoothType.RAW]) if booths else []
    shared: dict[tuple, list[tuple[BoothInfo, ...]]] = {}
    for request in requests:
        key = request_class(request)
        if key not in shared:
            shared[key] = candidate_blocks(booths, request, rows)
    return shared


def _ranked(requests: list[Request], shared: dict) -> list[list[tuple[tuple, int]]]:
    """For each request, its candidate blocks with their ranks."""
    options = []
    for request in requests:
        blocks = shared[request_class(request)]
        if not request.wishes:
            options.append([(block, OTHER_RANK) for block in blocks])
            continue
        rank = _ranker(request)
        options.append([(block, rank(block)) for block in blocks])
    return options


def _options(
    booths: list[BoothInfo], requests: list[Request]
) -> list[list[tuple[tuple[BoothInfo, ...], int]]]:
    """For each request, its candidate blocks with their ranks. Requests of the same kind share
    their candidate blocks (computed once), so this stays fast with thousands of exhibitors."""
    return _ranked(requests, _shared_blocks(booths, requests))


class _Weights:
    """Integer weights making the three goals lexicographic (see the module docstring)."""

    def __init__(self, requests: list[Request]):
        n = max(1, len(requests))
        # Earlier approved weighs more (by place in approval order, whatever the order numbers).
        ordered = sorted(requests, key=lambda r: r.order)
        self.tie = {r.exhibitor_id: n - place for place, r in enumerate(ordered)}
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

    `time_limit` (seconds) bounds the integer programs used for multi-booth requests; when it
    stops the search, the best allocation found is returned with `proven_optimal` False, never
    one worse than first-come greedy, and `bound`, `gap` and `unserved_at_least` say how far from
    the optimum it may be."""
    from . import block_program  # the integer programs build on this module's types

    requests = sorted(requests, key=lambda r: r.order)
    if not requests:
        return Result()
    weights = _Weights(requests)
    shared = _shared_blocks(booths, requests)
    clock = block_program._Clock(time_limit)
    chosen: dict[int, tuple[tuple[BoothInfo, ...], int]] = {}
    proven, bound, at_least = True, 0, 0
    for part_booths, indices in _components(booths, requests, shared):
        part = [requests[i] for i in indices]
        if all(r.count == 1 for r in part):
            choices = _assignment(part_booths, part, _ranked(part, shared), weights)
            part_proven, part_bound, least = True, None, None
        else:  # ranks per (request, block) are not listed here: there may be millions
            choices, part_proven, part_bound, least = block_program.solve_component(
                part_booths, part, shared, weights, clock
            )
        cost = _cost(part, choices, weights)
        if part_proven:
            bound += cost
            at_least += sum(r.exhibitor_id not in choices for r in part)
        else:
            proven = False
            part_options = _ranked(part, shared)
            baseline = _greedy_choices(part, shared)
            if _cost(part, baseline, weights) < cost:
                choices, cost = baseline, _cost(part, baseline, weights)
            # The solver's bound, a unit lower against rounding, or each request's own best.
            own_best = sum(
                min([weights.not_served(r)] + [weights.served(r, rank) for _, rank in choices_r])
                for r, choices_r in zip(part, part_options, strict=True)
            )
            solver_bound = math.ceil(part_bound) - 1 if math.isfinite(part_bound) else 0
            bound += min(cost, max(own_best, solver_bound))
            at_least += max(least, _fewer_booths_than_asked(part_booths, part))
        chosen.update(choices)
    result = _result(requests, chosen)
    result.proven_optimal = proven
    result.cost = _cost(requests, chosen, weights)
    result.bound, result.unserved_at_least = bound, at_least
    return result


def _components(
    booths: list[BoothInfo], requests: list[Request], shared: dict
) -> list[tuple[list[BoothInfo], list[int]]]:
    """Independent parts of the problem: requests linked through booths that could serve both.
    The folded cost is a sum over requests, so the optimum of each part together is the optimum
    of the whole. Returns each part's booths (those some request of it could use) and request
    indices, in the order given. `shared`: the candidate blocks of each class of requests."""
    parent: dict[tuple, tuple] = {}

    def root(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(a: tuple, b: tuple) -> None:
        parent[root(a)] = root(b)

    for key, blocks in shared.items():
        for block in blocks:
            for booth in block:
                join(("class", key), ("booth", booth.id))
    for i, request in enumerate(requests):
        join(("request", i), ("class", request_class(request)))
    parts: dict[tuple, tuple[list[BoothInfo], list[int]]] = {}
    for i in range(len(requests)):
        parts.setdefault(root(("request", i)), ([], []))[1].append(i)
    for booth in booths:
        node = ("booth", booth.id)
        if node in parent:
            parts[root(node)][0].append(booth)
    return list(parts.values())


def _fewer_booths_than_asked(booths: list[BoothInfo], requests: list[Request]) -> int:
    """A bound needing no solver: however booths are given, each exhibitor served takes as many
    booths as it asked for, so at most the smallest requests that fit in the booths' number."""
    served, left = 0, len(booths)
    for count in sorted(r.count for r in requests):
        if count > left:
            break
        served, left = served + 1, left - count
    return len(requests) - served


def _cost(requests: list[Request], chosen: dict, weights: "_Weights") -> int:
    """The folded cost of an allocation (exhibitor id -> (block, rank))."""
    return sum(
        weights.served(r, chosen[r.exhibitor_id][1])
        if r.exhibitor_id in chosen
        else weights.not_served(r)
        for r in requests
    )


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


def _assignment(booths, requests, options, weights) -> dict:
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
    return chosen


def greedy(booths: list[BoothInfo], requests: list[Request]) -> Result:
    """The first-come baseline: in approval order, each exhibitor takes its best place still free
    (of equal ranks, the first in plan order)."""
    requests = sorted(requests, key=lambda r: r.order)
    return _result(requests, _greedy_choices(requests, _shared_blocks(booths, requests)))


def _greedy_choices(requests: list[Request], shared: dict) -> dict:
    """Greedy without ranking every (request, block): only blocks holding a wished booth, zone or
    hall can rank better than OTHER_RANK, and they are found through an index; otherwise the first
    free block of the class, found from where the last search stopped (used booths stay used)."""
    used: set[int] = set()
    chosen = {}
    indexes: dict[tuple, tuple[dict, list[int]]] = {}
    for request in requests:
        cls = request_class(request)
        blocks = shared[cls]
        if cls not in indexes:
            index: dict[tuple, list[int]] = {}
            for position, block in enumerate(blocks):
                for booth in block:
                    for key in (("booth", booth.id), ("zone", booth.zone), ("hall", booth.hall_id)):
                        places = index.setdefault(key, [])
                        if not places or places[-1] != position:
                            places.append(position)
            indexes[cls] = (index, [0])
        index, start = indexes[cls]
        by_booth, by_zone, by_hall = _wish_ranks(request)
        wished = {
            position
            for keys in (
                [("booth", b) for b in by_booth],
                [("zone", z) for z in by_zone],
                [("hall", h) for h in by_hall],
            )
            for key in keys
            for position in index.get(key, ())
        }
        rank = _ranker(request)
        best = None
        for position in sorted(wished):
            block = blocks[position]
            if any(b.id in used for b in block):
                continue
            block_rank = rank(block)
            if best is None or block_rank < best[1]:
                best = (block, block_rank)
        if best is None or best[1] == OTHER_RANK:  # every free block ranks OTHER_RANK: the first
            while start[0] < len(blocks) and any(b.id in used for b in blocks[start[0]]):
                start[0] += 1
            if start[0] < len(blocks):
                best = (blocks[start[0]], rank(blocks[start[0]]))
        if best is not None:
            chosen[request.exhibitor_id] = best
            used.update(b.id for b in best[0])
    return chosen

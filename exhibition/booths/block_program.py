"""The integer programs of the booth allocation, for multi-booth requests (pure: no database).

Candidate blocks of adjacent booths overlap, so the assignment problem no longer fits; an integer
program (HiGHS through scipy.optimize.milp) does. One program with the three goals folded into one
cost (`whole_program`, the first formulation) is hard for the solver at fair scale: the costs span
ten orders of magnitude, and its linear relaxation serves half an exhibitor more than any real
allocation (blocks of 2-4 booths do not tile rows exactly), which branch and bound then spends
seconds to disprove. `solve_component` is exact too and much faster, in two stages:

1. how few exhibitors can be left without a booth, on a small program where interchangeable
   requests (same type, size and sectors: the same candidate blocks) are one integer count and
   single booths of one kind (type, sector theme, zone, hall) one integer count; its objective is
   a small integer, so the relaxation's bound, rounded up, usually proves it at the root;
2. the folded cost, as before, with "exactly that many left without a booth" added as a row, and
   the blocks nobody named pooled per class of requests (see `_pooled_variables`).

`allocation.solve` first splits the requests and booths into independent components (no request
of one can use a booth of another); the folded cost is a sum over requests, so the optimum of the
whole is the union of the components' optima.
"""

import math
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from .allocation import (
    OTHER_RANK,
    BoothInfo,
    Request,
    _ranker,
    _Weights,
    _wish_ranks,
    rank_of,
    request_class,
)
from .models import BoothType


def _kind(booth: BoothInfo) -> tuple:
    """Booths of one kind are interchangeable for anyone who did not name one of them."""
    return (booth.type, booth.sector, booth.zone, booth.hall_id)


def _pooled(request: Request) -> bool:
    """Single shell-scheme booths: every booth of a kind suits such a request or none does."""
    return request.count == 1 and request.booth_type is not BoothType.RAW


def _kinds(booths: list[BoothInfo]) -> dict[tuple, list[BoothInfo]]:
    kinds: dict[tuple, list[BoothInfo]] = {}
    for booth in booths:
        kinds.setdefault(_kind(booth), []).append(booth)
    return kinds


def _variables(requests, options, weights) -> tuple[list[tuple], list[int]]:
    """The program's binaries and their costs, as (request index, block or None, rank, kind key
    or None); block None and kind None together mean "left without a booth"."""
    variables: list[tuple] = []
    costs: list[int] = []
    for i, (request, choices) in enumerate(zip(requests, options, strict=True)):
        aggregated = _pooled(request)
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


def _matrix(
    entries: list[tuple], n_groups: int, booths, kinds: dict, n_pools: int = 0
) -> tuple[coo_matrix, np.ndarray]:
    """Rows: one per group of variables (a request, or a class of requests), one per booth (used
    at most once), one per kind (no more than it has booths), then one per pool (as many blocks
    given out of it as requests take from it). `entries` are (group or None, block or None, kind
    key or None, pool or None, +1 or -1) per variable. Returns the matrix and the booth and kind
    capacities."""
    index = {b.id: j for j, b in enumerate(booths)}
    kind_index = {key: k for k, key in enumerate(kinds)}
    n_booth = len(booths)
    first_pool = n_groups + n_booth + len(kinds)
    rows, cols, values = [], [], []
    for v, (group, block, key, pool, sign) in enumerate(entries):
        if group is not None:
            rows.append(group)
            cols.append(v)
            values.append(1.0)
        for booth in block or ():
            rows += [n_groups + index[booth.id], n_groups + n_booth + kind_index[_kind(booth)]]
            cols += [v, v]
            values += [1.0, 1.0]
        if key is not None:
            rows.append(n_groups + n_booth + kind_index[key])
            cols.append(v)
            values.append(1.0)
        if pool is not None:
            rows.append(first_pool + pool)
            cols.append(v)
            values.append(float(sign))
    shape = (first_pool + n_pools, len(entries))
    matrix = coo_matrix((values, (rows, cols)), shape=shape)
    capacity = np.concatenate([np.ones(n_booth), [float(len(kinds[k])) for k in kinds]])
    return matrix, capacity


def _choices(requests, variables, values, kinds: dict) -> dict:
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


def _signature(block: tuple[BoothInfo, ...]) -> tuple:
    """What the rank of a block depends on for a request that named none of its booths."""
    return (frozenset(b.zone for b in block), frozenset(b.hall_id for b in block))


def _pooled_variables(requests, shared: dict, weights):
    """The second stage's variables, few even with many multi-booth requests.

    A request gets a binary per block holding a booth it named, per kind of single booth (as in
    `_variables`) and for being left out. Its other blocks are pooled: requests with the same
    candidate blocks (same type, size and sectors) form a class; the class gets one binary per
    block ("given to one of the class") and each request one binary per signature (zones and
    halls, on which its rank then depends) of the class's blocks ("takes one of those"), a pool
    row matching the two. A kind's or a signature's rank is the one its zone and hall wishes
    give, never better than any of its blocks. Any allocation is one of these at the same cost,
    and a solution is made an allocation pool by pool and kind by kind, never at a higher cost
    (a request given a block holding a booth it named only ranks better), so the optimum is the
    same as with a binary per (request, block), with far fewer binaries; and no rank is worked
    out per (request, block), of which there may be millions.

    Returns the variables as (request index or None, block or None, rank, kind key or None, pool
    or None, sign), their costs and the pools' keys."""
    variables: list[tuple] = []
    costs: list[int] = []
    pools: dict[tuple, int] = {}
    classes: dict[tuple, tuple[dict, dict]] = {}
    for i, request in enumerate(requests):
        cls = request_class(request)
        pooled = _pooled(request)
        by_class = request.count > 1 and request.booth_type is not BoothType.RAW
        if cls not in classes:  # which blocks hold each booth, and the class's kinds or pools
            holding: dict[int, list] = {}
            groups: dict[tuple, BoothInfo] = {}
            for block in shared[cls]:
                for booth in block:
                    holding.setdefault(booth.id, []).append(block)
                if pooled:
                    groups.setdefault(_kind(block[0]), block[0])
                elif by_class:
                    key = (cls, _signature(block))
                    groups.setdefault(key, block[0])
                    variables.append(
                        (None, block, None, None, pools.setdefault(key, len(pools)), 1)
                    )
                    costs.append(0)
            classes[cls] = (holding, groups)
        holding, groups = classes[cls]
        by_booth, by_zone, by_hall = _wish_ranks(request)
        rank = _ranker(request)
        if pooled or by_class:
            named = {id(b): b for booth_id in by_booth for b in holding.get(booth_id, ())}
            blocks = named.values()
        else:
            blocks = shared[cls]
        for block in blocks:
            variables.append((i, block, rank(block), None, None, 0))
            costs.append(weights.served(request, variables[-1][2]))
        for key in groups:
            if pooled:
                zones, halls = (key[2],), (key[3],)
            else:
                zones, halls = key[1]
            worst = [by_zone.get(z, OTHER_RANK) for z in zones]
            group_rank = min(worst + [by_hall.get(h, OTHER_RANK) for h in halls])
            pool = None if pooled else pools[key]
            variables.append((i, None, group_rank, key if pooled else None, pool, -1))
            costs.append(weights.served(request, group_rank))
        variables.append((i, None, None, None, None, 0))
        costs.append(weights.not_served(request))
    return variables, costs, pools


def _pooled_choices(requests, variables, values, kinds: dict, n_pools: int) -> dict:
    """An allocation from a solution of the pooled program: blocks of each pool handed to the
    requests taking from it in approval order, then single booths kind by kind."""
    given: list[list] = [[] for _ in range(n_pools)]
    takers: list[list] = [[] for _ in range(n_pools)]
    plain = []
    for v, value in enumerate(values):
        if value <= 0.5:
            continue
        i, block, rank, key, pool, _ = variables[v]
        if pool is None:
            plain.append((i, block, rank, key))
        elif i is None:
            given[pool].append(block)
        else:
            takers[pool].append(i)
    for blocks, indices in zip(given, takers, strict=True):
        for i, block in zip(indices, blocks, strict=True):
            plain.append((i, block, rank_of(requests[i], block), None))
    return _choices(requests, plain, [1.0] * len(plain), kinds)


class _Clock:
    """What is left of a time limit shared by every program of one allocation."""

    def __init__(self, seconds: float | None):
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def options(self) -> dict:
        options = {"mip_rel_gap": 0.0}
        if self.deadline is not None:
            options["time_limit"] = max(1e-6, self.deadline - time.monotonic())
        return options


def _fewest_unserved(requests, shared, booths, kinds, clock: _Clock) -> tuple[int, int, bool]:
    """Stage 1: how few requests must be left without a booth, as (fewest found, proven lower
    bound, proven). Requests with the same candidate blocks form a class; a class gets one
    variable per block ("a request of the class takes it") and, for single shell-scheme booths,
    one integer per kind ("so many of the class take booths of this kind")."""
    classes: dict[tuple, int] = {}
    sizes: list[int] = []
    entries: list[tuple] = []
    upper: list[float] = []
    for request in requests:
        key = request_class(request)
        if key in classes:
            sizes[classes[key]] += 1
            continue
        group = classes[key] = len(sizes)
        sizes.append(1)
        if _pooled(request):
            for kind in dict.fromkeys(_kind(block[0]) for block in shared[key]):
                entries.append((group, None, kind, None, 0))
                upper.append(float(len(kinds[kind])))
        else:
            for block in shared[key]:
                entries.append((group, block, None, None, 0))
                upper.append(1.0)
    if not entries:
        return len(requests), len(requests), True
    matrix, capacity = _matrix(entries, len(sizes), booths, kinds)
    solution = milp(
        c=-np.ones(len(entries)),  # as many served as possible
        constraints=LinearConstraint(
            matrix.tocsr(), np.zeros(matrix.shape[0]), np.concatenate([sizes, capacity])
        ),
        integrality=np.ones(len(entries)),
        bounds=Bounds(0, np.minimum(upper, [sizes[e[0]] for e in entries])),
        options=clock.options(),
    )
    n = len(requests)
    if solution.x is None:
        bound = getattr(solution, "mip_dual_bound", None)
        served_at_most = -bound if bound is not None and math.isfinite(bound) else n
        return n, n - math.floor(served_at_most + 1e-6), False
    served = round(-solution.fun)
    if solution.status == 0:
        return n - served, n - served, True
    served_at_most = -solution.mip_dual_bound
    return n - served, max(0, n - math.floor(served_at_most + 1e-6)), False


def _folded(
    requests, candidates, booths, kinds, weights, clock: _Clock, unserved: int | None, pooled=True
) -> tuple[dict, bool, float]:
    """Stage 2: the folded cost on the pooled variables (see `_pooled_variables`); with
    `unserved`, exactly that many requests are left without a booth. With `pooled` False and no
    `unserved`, the first formulation: one binary per (request, block) except single booths
    pooled by kind. Returns the choices, whether proven optimal and the solver's lower bound of
    the cost. `candidates`: the candidate blocks of each class of requests when pooled, else the
    ranked candidate blocks of each request."""
    if pooled:
        variables, costs, pools = _pooled_variables(requests, candidates, weights)
    else:
        plain, costs = _variables(requests, candidates, weights)
        variables, pools = [(i, block, rank, key, None, 0) for i, block, rank, key in plain], {}
    entries = [(i, block, key, pool, sign) for i, block, _, key, pool, sign in variables]
    matrix, capacity = _matrix(entries, len(requests), booths, kinds, len(pools))
    lower = np.concatenate([np.ones(len(requests)), np.zeros(len(capacity) + len(pools))])
    upper = np.concatenate([np.ones(len(requests)), capacity, np.zeros(len(pools))])
    constraints = [LinearConstraint(matrix.tocsr(), lower, upper)]
    if unserved is not None:
        left_out = [
            1.0 if i is not None and block is None and key is None and pool is None else 0.0
            for i, block, _, key, pool, _ in variables
        ]
        constraints.append(LinearConstraint(np.array([left_out]), unserved, unserved))
    # Unscaled integer costs: one unit of the tie-break must stay far above the solver's gap.
    solution = milp(
        c=np.array(costs, dtype=float),
        constraints=constraints,
        integrality=np.ones(len(variables)),
        bounds=Bounds(0, 1),
        options=clock.options(),
    )
    bound = getattr(solution, "mip_dual_bound", None)
    bound = bound if bound is not None and math.isfinite(bound) else -math.inf
    if solution.x is None:
        return {}, False, bound
    choices = _pooled_choices(requests, variables, solution.x, kinds, len(pools))
    return choices, solution.status == 0, bound


def whole_program(booths, requests, options, weights: _Weights, time_limit=None):
    """The first formulation: one program with the folded cost for every request at once (kept
    for the benchmark and the tests, which compare the new formulation with it)."""
    choices, proven, bound = _folded(
        requests, options, booths, _kinds(booths), weights, _Clock(time_limit), None, False
    )
    return choices, proven, bound


def solve_component(
    booths, requests, shared: dict, weights: _Weights, clock: _Clock
) -> tuple[dict, bool, float, int]:
    """The two stages on one component (`shared`: the candidate blocks of each class of
    requests). Returns the choices, whether they are proven optimal, a proven lower bound of
    their folded cost and one of the number left without a booth."""
    kinds = _kinds(booths)
    fewest, at_least, proven = _fewest_unserved(requests, shared, booths, kinds, clock)
    choices, optimal, bound = _folded(
        requests, shared, booths, kinds, weights, clock, fewest if proven else None
    )
    if not proven:  # the second program did not know how many must wait: its bound stands alone
        optimal = False
    return choices, optimal, bound, at_least

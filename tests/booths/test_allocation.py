"""The allocation solver: hand-checked cases and a randomised comparison with brute force."""

import itertools
import random

import pytest

from exhibition.booths.allocation import (
    BoothInfo,
    Request,
    Wish,
    candidate_blocks,
    greedy,
    rank_of,
    solve,
)
from exhibition.booths.models import BoothType

S, C, R = BoothType.STANDARD, BoothType.CORNER, BoothType.RAW


def row(n, types=None, hall=1, y=0.0, zone="", sector=None, start_id=0):
    types = types or [S] * n
    return [
        BoothInfo(
            start_id + i, f"B{start_id + i}", hall, 3.0 * i, y, 3.0, 3.0, types[i], zone, sector
        )
        for i in range(n)
    ]


def test_optimal_beats_greedy_on_a_known_instance():
    booths = row(2)
    first = Request(1, order=0, booth_type=S, wishes=(Wish(1, booth_id=0), Wish(2, booth_id=1)))
    second = Request(2, order=1, booth_type=S, wishes=(Wish(1, booth_id=0),))
    best, baseline = solve(booths, [first, second]), greedy(booths, [first, second])
    assert best.places == {1: (1,), 2: (0,)}
    assert best.objective == (0, 3)
    assert baseline.objective == (
        0,
        7,
    )  # greedy gives booth 0 to the first and 6 ("other") to the second


def test_ties_go_to_the_earlier_approved_exhibitor():
    booths = row(2)
    late = Request(1, order=1, booth_type=S, wishes=(Wish(1, booth_id=0),))
    early = Request(2, order=0, booth_type=S, wishes=(Wish(1, booth_id=0),))
    result = solve(booths, [late, early])
    assert result.places[2] == (0,)
    assert result.places[1] == (1,)


def test_serving_everyone_comes_before_ranks():
    booths = row(2)
    a = Request(1, order=0, booth_type=S, wishes=(Wish(1, booth_id=1),))
    b = Request(2, order=1, booth_type=S, wishes=(Wish(1, booth_id=1),))
    result = solve(booths, [a, b])
    assert result.unserved == []
    assert result.places == {1: (1,), 2: (0,)}


def test_when_booths_run_out_the_earlier_approved_are_served():
    booths = row(1)
    result = solve(booths, [Request(1, order=1, booth_type=S), Request(2, order=0, booth_type=S)])
    assert result.places == {2: (0,)}
    assert result.unserved == [1]


def test_multi_booth_requests_get_adjacent_booths_in_one_row():
    # Two rows of three; a gap between booth 1 and booth 2 in the first row (an aisle).
    first = [
        BoothInfo(0, "A1", 1, 0, 0, 3, 3, S),
        BoothInfo(1, "A2", 1, 3, 0, 3, 3, S),
        BoothInfo(2, "A3", 1, 10, 0, 3, 3, S),
    ]
    second = row(3, y=3.0, start_id=10)
    request = Request(1, order=0, booth_type=S, count=3)
    blocks = candidate_blocks(first + second, request)
    assert [tuple(b.id for b in block) for block in blocks] == [(10, 11, 12)]
    two = candidate_blocks(first + second, Request(2, order=0, booth_type=S, count=2))
    assert sorted(tuple(b.id for b in block) for block in two) == [(0, 1), (10, 11), (11, 12)]
    result = solve(
        first + second,
        [request, Request(3, order=1, booth_type=S, count=2, wishes=(Wish(1, booth_id=11),))],
    )
    assert result.places[1] == (10, 11, 12)
    assert result.places[3] == (0, 1)
    assert result.ranks[3] == 6


def test_booth_types_and_raw_areas_are_respected():
    booths = row(4, types=[C, S, S, C]) + [
        BoothInfo(20, "R1", 2, 0, 0, 6, 6, R),
        BoothInfo(21, "R2", 2, 10, 0, 9, 6, R),
    ]
    corner = Request(1, order=0, booth_type=C)
    standard = Request(2, order=1, booth_type=S, count=2)
    raw = Request(3, order=2, booth_type=R, raw_area=50)
    result = solve(booths, [corner, standard, raw])
    assert len(result.places[1]) == 1 and result.places[1][0] in (0, 3)
    assert result.places[2] == (1, 2)
    assert result.places[3] == (21,)  # 54 m²: the 36 m² space is too small
    corner_pair = candidate_blocks(booths, Request(4, order=0, booth_type=C, count=2))
    assert sorted(tuple(b.id for b in block) for block in corner_pair) == [(0, 1), (2, 3)]


def test_sector_zones_are_respected():
    booths = row(2, zone="Cơ khí", sector="mechanical") + row(
        2, y=6.0, zone="Điện tử", sector="electronics", start_id=10
    )
    mechanical = Request(
        1,
        order=0,
        booth_type=S,
        sectors=frozenset({"mechanical"}),
        wishes=(Wish(1, zone="Điện tử"),),
    )
    result = solve(booths, [mechanical])
    assert result.places[1] in ((0,), (1,))
    assert result.ranks[1] == 6
    outsider = solve(booths, [Request(2, order=0, booth_type=S, sectors=frozenset({"plastics"}))])
    assert outsider.unserved == [2]


def test_zone_wishes_count_for_any_booth_of_the_zone():
    booths = row(2, zone="Cơ khí") + row(2, y=6.0, zone="Khuôn mẫu", start_id=10)
    request = Request(1, order=0, booth_type=S, wishes=(Wish(1, zone="Khuôn mẫu"),))
    result = solve(booths, [request])
    assert result.places[1] in ((10,), (11,))
    assert rank_of(request, (booths[0],)) == 6


def test_hall_wishes_count_for_any_booth_of_the_hall():
    booths = row(2, hall=1) + row(2, hall=2, y=6.0, start_id=10)
    request = Request(1, order=0, booth_type=S, wishes=(Wish(1, hall_id=2),))
    assert solve(booths, [request]).places[1] in ((10,), (11,))
    assert rank_of(request, (booths[0],)) == 6
    assert rank_of(request, (booths[2],)) == 1
    # With a two-booth request wishing for the same hall (the integer program, where booths of
    # one kind are pooled), booths of two halls are not one kind: the earlier approved gets it.
    pair = Request(2, order=1, booth_type=S, count=2, wishes=(Wish(1, hall_id=2),))
    result = solve(booths, [request, pair])
    assert result.places[1] in ((10,), (11,)) and result.ranks[1] == 1
    assert result.places[2] == (0, 1)


def _brute_force(booths, requests):
    """Every way of giving each request one of its blocks or nothing; the lexicographic best."""
    requests = sorted(requests, key=lambda r: r.order)
    options = [[None] + [(b, rank_of(r, b)) for b in candidate_blocks(booths, r)] for r in requests]
    n = len(requests)
    best = None
    for combo in itertools.product(*options):
        used = [b.id for choice in combo if choice for b in choice[0]]
        if len(used) != len(set(used)):
            continue
        unserved = sum(choice is None for choice in combo)
        ranks = sum(choice[1] for choice in combo if choice)
        tie = sum(
            (choice[1] if choice else 7) * (n - r.order)
            for r, choice in zip(requests, combo, strict=True)
        )
        key = (unserved, ranks, tie)
        if best is None or key < best:
            best = key
    return best


@pytest.mark.parametrize("seed", range(40))
def test_solver_matches_brute_force_on_tiny_random_instances(seed):
    rng = random.Random(seed)
    zones = ["Cơ khí", "Điện tử"]
    booths = []
    for line in range(2):
        count = rng.randint(2, 4)
        types = [rng.choice([S, S, C]) for _ in range(count)]
        zone = rng.choice(zones)
        booths += row(count, types=types, y=line * 6.0, zone=zone, start_id=line * 10)
    requests = []
    for e in range(rng.randint(1, 4)):
        wishes = tuple(
            Wish(rank, booth_id=rng.choice(booths).id)
            if rng.random() < 0.7
            else Wish(rank, zone=rng.choice(zones))
            for rank in range(1, rng.randint(1, 3) + 1)
        )
        requests.append(
            Request(
                e + 1,
                order=e,
                booth_type=rng.choice([S, S, C]),
                count=rng.choice([1, 1, 2]),
                wishes=wishes,
            )
        )
    result = solve(booths, requests)
    n = len(requests)
    tie = sum(result.ranks.get(r.exhibitor_id, 7) * (n - r.order) for r in requests)
    assert (*result.objective, tie) == _brute_force(booths, requests)
    used = [b for place in result.places.values() for b in place]
    assert len(used) == len(set(used))


def test_a_time_limited_search_is_never_worse_than_greedy():
    from exhibition.booths import allocation as al

    rng = random.Random(7)
    booths = []
    for line in range(6):
        booths += row(
            10, types=[C] + [S] * 8 + [C], y=line * 6.0, zone=f"z{line % 2}", start_id=line * 100
        )
    requests = [
        Request(
            e,
            order=e,
            booth_type=S,
            count=rng.choice([1, 1, 2, 3]),
            wishes=tuple(Wish(k + 1, booth_id=rng.choice(booths).id) for k in range(3)),
        )
        for e in range(45)
    ]
    limited = solve(booths, requests, time_limit=1e-6)
    weights = al._Weights(sorted(requests, key=lambda r: r.order))
    assert al._weighted(limited, requests, weights) <= al._weighted(
        greedy(booths, requests), requests, weights
    )
    used = [b for place in limited.places.values() for b in place]
    assert len(used) == len(set(used))
    full = solve(booths, requests)
    assert full.proven_optimal is True
    assert full.objective <= limited.objective


def _random_fair(rng, rows, per_row, requests, zones=("z0", "z1"), sectors=(None,)):
    """Rows of standard booths with a corner at each end, in zones, sector themes and two halls
    (rows alternately); requests for 1-4 adjacent booths with ranked wishes (booths, zones,
    halls)."""
    booths = []
    for line in range(rows):
        types = [C] + [S] * (per_row - 2) + [C] if per_row > 2 else [S] * per_row
        booths += row(
            per_row,
            types=types,
            y=line * 6.0,
            zone=zones[line % len(zones)],
            sector=sectors[line % len(sectors)],
            start_id=line * 100,
            hall=1 + line % 2,
        )
    asked = []
    for e in range(requests):
        wishes = tuple(
            Wish(rank, booth_id=rng.choice(booths).id)
            if (dice := rng.random()) < 0.6
            else Wish(rank, zone=rng.choice(zones))
            if dice < 0.8
            else Wish(rank, hall_id=rng.choice([1, 2]))
            for rank in range(1, rng.randint(0, 4) + 1)
        )
        asked.append(
            Request(
                e + 1,
                order=rng.randrange(requests * 2),
                booth_type=rng.choice([S, S, S, C]),
                count=rng.choice([1, 1, 2, 3, 4]),
                sectors=frozenset({rng.choice([s for s in sectors if s] or ["x"])}),
                wishes=wishes,
            )
        )
    return booths, asked


def _tie(result, requests):
    n = len(requests)
    ordered = sorted(requests, key=lambda r: r.order)
    return sum(result.ranks.get(r.exhibitor_id, 7) * (n - i) for i, r in enumerate(ordered))


@pytest.mark.parametrize("seed", range(30))
def test_block_requests_match_brute_force(seed):
    rng = random.Random(1000 + seed)
    booths, requests = _random_fair(rng, rows=2, per_row=rng.randint(3, 6), requests=4)
    requests = [
        Request(r.exhibitor_id, e, r.booth_type, r.count, wishes=r.wishes)
        for e, r in enumerate(requests)
    ]
    result = solve(booths, requests)
    assert result.proven_optimal is True
    assert result.bound == result.cost and result.gap == 0
    assert (*result.objective, _tie(result, requests)) == _brute_force(booths, requests)
    assert result.unserved_at_least == len(result.unserved)
    used = [b for place in result.places.values() for b in place]
    assert len(used) == len(set(used))
    for exhibitor_id, place in result.places.items():
        request = next(r for r in requests if r.exhibitor_id == exhibitor_id)
        blocks = [tuple(b.id for b in block) for block in candidate_blocks(booths, request)]
        assert place in blocks
        by_id = {b.id: b for b in booths}
        assert result.ranks[exhibitor_id] == rank_of(request, tuple(by_id[i] for i in place))


def _whole(booths, requests):
    """The first formulation (one program with the folded cost over everything), its cost."""
    from exhibition.booths import allocation as al
    from exhibition.booths import block_program

    ordered = sorted(requests, key=lambda r: r.order)
    weights = al._Weights(ordered)
    options = al._options(booths, ordered)
    choices, proven, _ = block_program.whole_program(booths, ordered, options, weights)
    assert proven is True
    return al._cost(ordered, choices, weights)


@pytest.mark.parametrize("seed", range(8))
def test_components_and_stages_give_the_cost_of_the_whole_program(seed):
    from exhibition.booths import allocation as al
    from exhibition.booths import block_program

    rng = random.Random(2000 + seed)
    booths, requests = _random_fair(
        rng, rows=6, per_row=8, requests=30, zones=("z0", "z1", "z2"), sectors=("a", "b", "c")
    )
    ordered = sorted(requests, key=lambda r: r.order)
    parts = al._components(booths, ordered, al._shared_blocks(booths, ordered))
    # At least one per sector theme: no request can use another theme's booths.
    assert len(parts) >= 3
    assert all(len({b.sector for b in part_booths}) <= 1 for part_booths, _ in parts)
    assert sorted(i for _, indices in parts for i in indices) == list(range(len(requests)))
    result = solve(booths, requests)
    assert result.proven_optimal is True
    assert result.cost == _whole(booths, requests)
    weights = al._Weights(ordered)
    assert result.cost == al._weighted(result, ordered, weights)
    # Each part solved on its own with the weights of the whole adds up to the whole, and on
    # its own with its own weights has the same exhibitors left out and the same sum of ranks.
    shared = al._shared_blocks(booths, ordered)
    total = 0
    for part_booths, indices in parts:
        part = [ordered[i] for i in indices]
        choices, proven, _, _ = block_program.solve_component(
            part_booths, part, shared, weights, block_program._Clock(None)
        )
        assert proven is True
        total += al._cost(part, choices, weights)
        alone = solve(part_booths, part)
        assert alone.objective == (
            sum(ordered[i].exhibitor_id in result.unserved for i in indices),
            sum(result.ranks.get(ordered[i].exhibitor_id, 0) for i in indices),
        )
    assert total == result.cost


def test_a_shared_booth_theme_joins_the_components():
    from exhibition.booths import allocation as al

    rng = random.Random(5)
    booths, requests = _random_fair(rng, rows=4, per_row=6, requests=12, sectors=("a", None))
    ordered = sorted(requests, key=lambda r: r.order)
    parts = al._components(booths, ordered, al._shared_blocks(booths, ordered))
    standard = [p for p in parts if any(ordered[i].booth_type is S for i in p[1])]
    assert len(standard) == 1  # the unthemed booths suit every standard request
    assert solve(booths, requests).cost == _whole(booths, requests)


def test_a_search_stopped_early_reports_its_gap_honestly():
    rng = random.Random(11)
    booths, requests = _random_fair(rng, rows=8, per_row=10, requests=60)
    full = solve(booths, requests)
    assert full.proven_optimal is True and full.bound == full.cost and full.gap == 0
    limited = solve(booths, requests, time_limit=1e-6)
    assert limited.proven_optimal is False
    assert limited.bound <= full.cost <= limited.cost
    assert limited.gap == (limited.cost - limited.bound) / limited.cost
    assert limited.unserved_at_least <= len(full.unserved) <= len(limited.unserved)
    used = [b for place in limited.places.values() for b in place]
    assert len(used) == len(set(used))


def _reference_greedy(booths, requests):
    """First-come, as plainly as it can be written: every block of every request ranked."""
    from exhibition.booths import allocation as al

    ordered = sorted(requests, key=lambda r: r.order)
    used, chosen = set(), {}
    for request, choices in zip(ordered, al._options(booths, ordered), strict=True):
        best = None
        for block, rank in choices:
            if not any(b.id in used for b in block) and (best is None or rank < best[1]):
                best = (block, rank)
        if best is not None:
            chosen[request.exhibitor_id] = tuple(b.id for b in best[0])
            used.update(best[0][k].id for k in range(len(best[0])))
    return chosen


@pytest.mark.parametrize("seed", range(20))
def test_greedy_takes_the_first_best_free_block_like_the_plain_loop(seed):
    rng = random.Random(3000 + seed)
    booths, requests = _random_fair(
        rng, rows=5, per_row=rng.randint(4, 10), requests=rng.randint(5, 40), sectors=("a", None)
    )
    assert greedy(booths, requests).places == _reference_greedy(booths, requests)

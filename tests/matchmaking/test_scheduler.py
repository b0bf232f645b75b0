"""The meeting scheduler: hand-checked cases, random instances checked for validity and against
greedy first fit, and tiny ones against brute force."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exhibition.matchmaking.scheduler import (
    TABLES,
    Pair,
    Person,
    Placement,
    Pool,
    Problem,
    Reason,
    check,
    greedy,
    lp_bound,
    schedule,
)


def people(*ids, limit=10, **busy):
    """People with `limit`; busy slots given as p<id>=(slots...)."""
    return tuple(Person(i, limit, frozenset(busy.get(f"p{i}", ()))) for i in ids)


def tables(slots, count):
    return Pool(TABLES, {s: tuple(range(1, count + 1)) for s in range(slots)})


def where(solution):
    return {m.pair_id: (m.slot, m.pool, m.place) for m in solution.placements}


def test_one_must_meet_pair_beats_two_ordinary_ones():
    # One slot: either B meets C (pair 1) or A meets B and C meets D (pairs 2 and 3).
    pairs = (Pair(1, 2, 3, must_meet=True), Pair(2, 1, 2), Pair(3, 3, 4))
    problem = Problem(1, people(1, 2, 3, 4), (tables(1, 5),), pairs)
    solution = schedule(problem)
    assert set(where(solution)) == {1}
    assert solution.score == (1, 0) and solution.optimal
    assert solution.unplaced == {2: Reason.NO_PLACE, 3: Reason.NO_PLACE}
    assert check(problem, solution) == []

    ordinary = Problem(1, problem.people, problem.pools, tuple(Pair(p.id, p.a, p.b) for p in pairs))
    assert set(where(schedule(ordinary))) == {2, 3}


def test_limits_are_respected():
    everyone = (Person(1, 2),) + people(2, 3, 4, 5)
    pairs = tuple(Pair(i, 1, i + 1) for i in range(1, 5))
    problem = Problem(4, everyone, (tables(4, 1),), pairs)
    solution = schedule(problem)
    assert solution.score == (0, 2)
    assert set(solution.unplaced.values()) == {Reason.LIMIT_REACHED}
    assert check(problem, solution) == []


def test_a_person_with_no_meetings_left_is_not_placed():
    problem = Problem(2, (Person(1, 0),) + people(2), (tables(2, 1),), (Pair(1, 1, 2),))
    assert schedule(problem).unplaced == {1: Reason.LIMIT_REACHED}
    assert greedy(problem).unplaced == {1: Reason.LIMIT_REACHED}


def test_busy_slots_are_respected():
    problem = Problem(3, people(1, 2, p1=(0,), p2=(1,)), (tables(3, 1),), (Pair(1, 1, 2),))
    assert where(schedule(problem)) == {1: (2, TABLES, 1)}
    assert where(greedy(problem)) == {1: (2, TABLES, 1)}


def test_no_common_slot():
    everyone = people(1, 2, 3, p1=(0,), p2=(1,))
    pools = (tables(2, 1), Pool("booth:3", {0: (1,)}))
    pairs = (
        Pair(1, 1, 2),  # 1 is busy in slot 0 and 2 in slot 1
        Pair(2, 1, 3, pools=("booth:3",)),  # the booth is staffed only in slot 0, when 1 is busy
        Pair(3, 2, 3, pools=("booth:404",)),  # an unknown pool has no places
    )
    problem = Problem(2, everyone, pools, pairs)
    for solution in (schedule(problem), greedy(problem)):
        assert solution.unplaced == dict.fromkeys((1, 2, 3), Reason.NO_COMMON_SLOT)
        assert check(problem, solution) == []


def test_pool_capacity_and_a_booth_beside_the_tables():
    everyone = people(1, 2, 3, 4, 5, 6)
    pairs = (Pair(1, 1, 2), Pair(2, 3, 4), Pair(3, 5, 6))
    problem = Problem(1, everyone, (tables(1, 2),), pairs)
    solution = schedule(problem)
    assert solution.score == (0, 2)
    assert list(solution.unplaced.values()) == [Reason.NO_PLACE]

    at_booth = Pair(3, 5, 6, pools=(TABLES, "booth:6"))
    problem = Problem(
        1, everyone, (tables(1, 2), Pool("booth:6", {0: (7,)})), pairs[:2] + (at_booth,)
    )
    solution = schedule(problem)
    assert solution.score == (0, 3)
    assert {m.pool for m in solution.placements} == {TABLES, "booth:6"}
    assert check(problem, solution) == []


def test_representatives_meet_several_buyers_at_once():
    exhibitor = Person(9, 10, at_once=2)
    booth = Pool("booth:9", {0: (1, 2)})
    pairs = tuple(Pair(i, i, 9, pools=("booth:9",)) for i in (1, 2, 3))
    problem = Problem(1, people(1, 2, 3) + (exhibitor,), (booth,), pairs)
    solution = schedule(problem)
    assert sorted(where(solution).values()) == [(0, "booth:9", 1), (0, "booth:9", 2)]
    assert list(solution.unplaced.values()) == [Reason.NO_PLACE]
    assert where(greedy(problem)) == {1: (0, "booth:9", 1), 2: (0, "booth:9", 2)}


def test_tables_are_numbered_lowest_first_by_pair_id():
    pool = Pool(TABLES, {0: (9, 5, 3), 1: (4,)})
    pairs = (Pair(7, 5, 6), Pair(2, 1, 2), Pair(4, 3, 4))
    problem = Problem(1, people(1, 2, 3, 4, 5, 6), (pool,), pairs)
    for solution in (schedule(problem), greedy(problem)):
        assert where(solution) == {2: (0, TABLES, 3), 4: (0, TABLES, 5), 7: (0, TABLES, 9)}


def test_schedule_beats_first_fit_on_a_known_instance():
    # Greedy puts pair 1 in slot 0, the only slot where pair 2 can meet.
    problem = Problem(2, people(1, 2, 3, p3=(1,)), (tables(2, 1),), (Pair(1, 1, 2), Pair(2, 2, 3)))
    assert greedy(problem).score == (0, 1)
    assert greedy(problem).unplaced == {2: Reason.NO_PLACE}
    best = schedule(problem)
    assert where(best) == {1: (1, TABLES, 1), 2: (0, TABLES, 1)}
    assert best.optimal and best.bound == best.value == 2


def test_the_same_problem_in_any_order_gets_the_same_schedule():
    rng = random.Random(5)
    problem = random_problem(rng, people_count=14, pair_count=30, slots=5)
    first = schedule(problem)
    for _ in range(3):
        shuffled = Problem(
            problem.slots,
            tuple(rng.sample(problem.people, len(problem.people))),
            tuple(
                Pool(
                    p.key, {s: tuple(rng.sample(v, len(v))) for s, v in reversed(p.places.items())}
                )
                for p in rng.sample(problem.pools, len(problem.pools))
            ),
            tuple(rng.sample(problem.pairs, len(problem.pairs))),
        )
        again = schedule(shuffled)
        assert again.placements == first.placements
        assert again.unplaced == first.unplaced
        assert greedy(shuffled).placements == greedy(problem).placements


def test_nothing_to_schedule():
    empty = Problem(3, people(1), (tables(3, 2),), ())
    assert schedule(empty).placements == () and schedule(empty).optimal
    assert schedule(Problem(0, people(1, 2), (), (Pair(1, 1, 2),))).unplaced == {
        1: Reason.NO_COMMON_SLOT
    }


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        schedule(Problem(1, people(1), (tables(1, 1),), (Pair(1, 1, 1),)))
    with pytest.raises(ValueError):
        schedule(Problem(1, people(1), (tables(1, 1),), (Pair(1, 1, 2),)))
    with pytest.raises(ValueError):
        greedy(Problem(1, people(1, 2), (tables(1, 1),), (Pair(1, 1, 2), Pair(1, 1, 2))))


def test_check_finds_what_is_broken():
    problem = Problem(2, people(1, 2, 3, p3=(1,)), (tables(2, 1),), (Pair(1, 1, 2), Pair(2, 2, 3)))
    solution = schedule(problem)
    double = Placement(2, 1, TABLES, 1)  # table 1 of slot 1 again, 2 twice in it, 3 busy
    broken = type(solution)(
        solution.placements[:1] + (double,),
        {},
        solution.score,
        solution.method,
        solution.optimal,
        solution.bound,
        solution.weight,
    )
    errors = check(problem, broken)
    assert any("used twice" in e for e in errors)
    assert any("busy" in e for e in errors)
    assert any("in 2 meetings" in e for e in errors)


# ----------------------------------------------------------------------------- random instances


def random_problem(rng, *, people_count, pair_count, slots, booths=2) -> Problem:
    ids = list(range(1, people_count + 1))
    everyone = tuple(
        Person(
            i,
            rng.randint(0, 4),
            frozenset(s for s in range(slots) if rng.random() < 0.25),
            at_once=rng.choice([1, 1, 1, 2]),
        )
        for i in ids
    )
    pools = [
        Pool(
            TABLES, {s: tuple(range(rng.randint(0, 3))) for s in range(slots) if rng.random() < 0.9}
        )
    ]
    pools += [
        Pool(
            f"booth:{b}",
            {s: tuple(range(rng.randint(1, 2))) for s in range(slots) if rng.random() < 0.7},
        )
        for b in range(booths)
    ]
    keys = [p.key for p in pools]
    pairs = []
    for n in range(pair_count):
        a, b = rng.sample(ids, 2)
        chosen = tuple(rng.sample(keys, rng.randint(1, min(2, len(keys)))))
        pairs.append(Pair(n + 1, a, b, rng.random() < 0.3, chosen))
    return Problem(slots, everyone, tuple(pools), tuple(pairs))


def brute_force(problem: Problem) -> tuple[int, int]:
    """The best (must-meet placed, ordinary placed) over every assignment of (slot, pool) or
    nothing to each pair."""
    people = {p.id: p for p in problem.people}
    capacity = {(p.key, s): len(v) for p in problem.pools for s, v in p.places.items()}
    pairs = problem.pairs
    best = (0, 0)

    def search(i, used, booked, taken, must, ordinary):
        nonlocal best
        best = max(best, (must, ordinary))
        if i == len(pairs):
            return
        pair = pairs[i]
        a, b = people[pair.a], people[pair.b]
        search(i + 1, used, booked, taken, must, ordinary)
        if used.get(a.id, 0) >= a.limit or used.get(b.id, 0) >= b.limit:
            return
        for slot in range(problem.slots):
            if slot in a.busy or slot in b.busy:
                continue
            if booked.get((a.id, slot), 0) >= a.at_once or booked.get((b.id, slot), 0) >= b.at_once:
                continue
            for key in set(pair.pools):
                if taken.get((key, slot), 0) >= capacity.get((key, slot), 0):
                    continue
                used2 = {**used, a.id: used.get(a.id, 0) + 1, b.id: used.get(b.id, 0) + 1}
                booked2 = {
                    **booked,
                    (a.id, slot): booked.get((a.id, slot), 0) + 1,
                    (b.id, slot): booked.get((b.id, slot), 0) + 1,
                }
                taken2 = {**taken, (key, slot): taken.get((key, slot), 0) + 1}
                search(
                    i + 1,
                    used2,
                    booked2,
                    taken2,
                    must + pair.must_meet,
                    ordinary + (not pair.must_meet),
                )

    search(0, {}, {}, {}, 0, 0)
    return best


def lexicographically_at_least(score, other) -> bool:
    return score[0] > other[0] or (score[0] == other[0] and score[1] >= other[1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    people_count=st.integers(2, 12),
    pair_count=st.integers(0, 25),
    slots=st.integers(1, 5),
)
def test_random_schedules_are_valid_and_no_worse_than_first_fit(
    seed, people_count, pair_count, slots
):
    problem = random_problem(
        random.Random(seed), people_count=people_count, pair_count=pair_count, slots=slots
    )
    best, baseline = schedule(problem), greedy(problem)
    assert check(problem, best) == []
    assert check(problem, baseline) == []
    assert best.score[0] >= baseline.score[0]
    assert lexicographically_at_least(best.score, baseline.score)
    assert best.optimal and best.bound == best.value
    assert lp_bound(problem) >= best.value - 1e-6
    assert lp_bound(problem, count_only=True) >= sum(best.score) - 1e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    people_count=st.integers(2, 6),
    pair_count=st.integers(1, 6),
    slots=st.integers(1, 3),
)
def test_tiny_schedules_match_brute_force(seed, people_count, pair_count, slots):
    problem = random_problem(
        random.Random(seed), people_count=people_count, pair_count=pair_count, slots=slots, booths=1
    )
    assert schedule(problem).score == brute_force(problem)


def test_a_solver_stopped_at_once_still_gives_a_valid_schedule_no_worse_than_first_fit():
    problem = random_problem(random.Random(11), people_count=40, pair_count=150, slots=8)
    stopped, baseline = schedule(problem, time_limit=0.0), greedy(problem)
    assert check(problem, stopped) == []
    assert lexicographically_at_least(stopped.score, baseline.score)
    if not stopped.optimal:
        assert stopped.bound is None or stopped.bound >= stopped.value

"""scheduler/master.py: the calendar search (branch and bound over the classes' school days,
with exact assignment problems at the nodes) and its bounds.

The oracle is brute force: every combination of the classes' week options, each with its
assignment problem solved exactly. The search must find the same optimum, prove it, and its
bound must stay below the optimum however early it is stopped.
"""

from __future__ import annotations

import re
import time
from datetime import date
from itertools import product

import numpy as np
import pytest

from models.score import units
from scheduler.domains import Domains
from scheduler.master import BIG, ClassCapacity, Prices, Search, build_groups, make_board, search_phase
from scheduler.options import Teachers
from scheduler.weekdp import WeekPricer
from tests.builders import absence, block_phase, closure, klass, micro, recruit, supervisor, teacher, ward, weekly_phase

# Three supervisors on three 3-week rotations: no one weekly pattern suits them all, so the
# class's best practice days change from week to week (which is what the search decides).
ROSTERS = {
    "RA": ["D D - - - - -", "- - D D - - -", "- - - D D - -"],
    "RB": ["- D D - - - -", "D D - - - - -", "- - D D - - -"],
    "RC": ["- - - D D - -", "- - - D D - -", "D D - - - - -"],
}


def three_weeks(tmp_path, **kwargs):
    defaults = dict(
        phases=[weekly_phase("2026-08-17", "2026-09-06")],
        recruits=["R1", "R2", "R3"],
        wards=[ward("W1", capacity=3)],
        supervisors=[supervisor("V1", roster_id="RA"), supervisor("V2", roster_id="RB"),
                     supervisor("V3", roster_id="RC"), supervisor("V4", roster_id="RA", qualified="false")],
        rosters=ROSTERS,
    )
    defaults.update(kwargs)
    return micro(tmp_path, **defaults)


def setup(inst, phase_id):
    dom = Domains(inst)
    pricer = WeekPricer(inst, dom)
    phase = inst.phase[phase_id]
    unq = units(inst, "unqualified_supervisor")
    board = make_board(inst, dom, phase, lambda r, s: unq * (not inst.supervisor[s].qualified))
    return dom, pricer, phase, board


def blocks_ok(kinds: str, school: tuple[int, int], practice: tuple[int, int]) -> bool:
    """R5/D14 for one class: runs of S and P within their bounds, except that a run touching
    either end of the phase or a closed week ('-') may be shorter."""
    for segment in kinds.split("-"):
        runs, start = [], 0
        for i in range(1, len(segment) + 1):
            if i == len(segment) or segment[i] != segment[start]:
                runs.append((segment[start], i - start, start == 0 or i == len(segment)))
                start = i
        for kind, length, edge in runs:
            lo, hi = school if kind == "S" else practice
            if length > hi or (length < lo and not edge):
                return False
    return True


def brute_force(inst, dom, pricer, phase, board) -> float:
    """The least value over every combination of joint options of every week."""
    prices = Prices(inst, dom, pricer, phase, board)
    groups = build_groups(inst, dom, phase, prices, Teachers(inst))
    (group,) = groups
    weeks = [st for st in group.stages]
    best = np.inf
    for combo in product(*(range(len(st.joint)) for st in weeks)):
        matrix = board.base.copy()
        scalar = 0.0
        days = [0] * len(group.classes)
        came_from = [(None, 0)] * len(group.classes)  # each class's block so far: kind and weeks
        for st, ji in zip(weeks, combo, strict=True):
            for ci, k in enumerate(st.joint[ji]):
                step = st.steps[ci][k]
                matrix[group.rows[ci], :] += step.matrix
                kind, run = came_from[ci]
                if step.by_run is not None and kind == "P" and run in step.by_run:  # the practice block's chain
                    matrix[group.rows[ci], :] += step.by_run[run]
                came_from[ci] = (step.kind, run + 1 if step.kind == kind else 1)
                scalar += step.scalar
                days[ci] += step.days
        if any(d < m for d, m in zip(days, group.min_days, strict=True)):
            continue
        if any(group.block):
            kinds = "".join(st.steps[0][st.joint[ji][0]].kind * len(st.weeks) for st, ji in zip(weeks, combo, strict=True))
            if not blocks_ok(kinds, phase.school_block_weeks, phase.practice_block_weeks):
                continue
            # long_school_block: school weeks beyond the shortest block in a row, a closed
            # week skipped (D21), per recruit
            extra = sum(max(0, len(run) - phase.school_block_weeks[0]) for run in re.findall("S+", kinds.replace("-", "")))
            scalar += extra * units(inst, "long_school_block") * len(group.rows[0])
        value, _cols = board.solve(matrix)
        if value < BIG:
            best = min(best, value + scalar)
    return best


def test_search_finds_and_proves_the_brute_force_optimum(tmp_path):
    """Weekly model, three full weeks, three rosters that disagree: the search's value is
    the brute-force optimum over all 4^3 calendars, and it is proven."""
    inst = three_weeks(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force(inst, dom, pricer, phase, board)
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    assert out.proven
    assert out.value == pytest.approx(expected) and out.bound == pytest.approx(expected)
    # three recruits, three supervisors whose good days differ: some weeks cost a day
    # without supervisor whatever the calendar
    assert expected > 0


@pytest.mark.parametrize("limit", [1, 2, 5, 20])
def test_bound_stays_below_the_optimum_when_stopped_early(tmp_path, limit):
    """However few nodes the search may use, its bound is a lower bound (the smallest bound
    of the nodes still open) and its value that of a real calendar."""
    inst = three_weeks(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force(inst, dom, pricer, phase, board)
    out = search_phase(inst, dom, pricer, phase, board, node_limit=limit)
    assert out.bound <= expected + 1e-6
    assert out.value >= expected - 1e-6


@pytest.mark.parametrize("capacity_rounds", [0, 4])
def test_a_passed_deadline_stops_the_search_with_a_valid_bound(tmp_path, capacity_rounds):
    """The clock guard (a deadline already passed, as on a very slow machine) ends the
    search as its node limit would: a real calendar and a bound below the optimum."""
    inst = three_weeks(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force(inst, dom, pricer, phase, board)
    full = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=capacity_rounds)
    cut = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=capacity_rounds,
                       deadline=time.monotonic() - 1)
    assert cut.nodes < full.nodes and not cut.proven
    assert cut.bound <= expected + 1e-6 <= cut.value + 2e-6
    assert cut.school and len(cut.assignment) == 3


def test_search_is_reproducible(tmp_path):
    inst = three_weeks(tmp_path)
    first = search_phase(inst, *setup(inst, "vg1")[:3], setup(inst, "vg1")[3], node_limit=50)
    second = search_phase(inst, *setup(inst, "vg1")[:3], setup(inst, "vg1")[3], node_limit=50)
    assert (first.school, first.assignment, first.bound) == (second.school, second.assignment, second.bound)


def test_partner_classes_share_one_day_and_the_search_keeps_it(tmp_path):
    """Two partner classes (R6): every joint option of a full week shares exactly one school
    day, and the searched calendar keeps that."""
    inst = three_weeks(tmp_path, classes=[klass("K1", shared_day_with="K2"), klass("K2", shared_day_with="K1")],
                       recruits=["R1", "R2", recruit("R3", class_id="K2")], teachers=["T1", "T2"])
    dom, pricer, phase, board = setup(inst, "vg1")
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    assert out.proven
    for week, k1 in out.school["K1"].items():
        assert len(k1 & out.school["K2"][week]) == 1
    assert out.value == pytest.approx(brute_force(inst, dom, pricer, phase, board))


def test_teachers_limit_the_calendars(tmp_path):
    """One teacher who teaches mon-wed only: the class can only be in school mon-wed (R7),
    so practice is on thu-fri every week whatever the rosters say."""
    inst = three_weeks(tmp_path, teachers=[teacher("T1", weekdays="mon;tue;wed")])
    dom, pricer, phase, board = setup(inst, "vg1")
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    for school in out.school["K1"].values():
        assert sorted(d.weekday() for d in school) == [0, 1, 2]


def test_a_teacher_takes_one_group_a_date(tmp_path):
    """R7/D13: two classes (not partners) in school on the same date are two groups and need
    two teachers; one teacher cannot cover them, however many days a week he may teach."""
    inst = three_weeks(tmp_path, classes=["K1", "K2"], recruits=["R1", recruit("R2", class_id="K2")],
                       teachers=[teacher("T1")])
    teachers = Teachers(inst)
    mon, tue = date(2026, 8, 17), date(2026, 8, 18)
    assert teachers.can_cover("SK1", [(mon, ("K1",)), (tue, ("K2",))])
    assert not teachers.can_cover("SK1", [(mon, ("K1",)), (mon, ("K2",))])
    # so the search finds no week where both classes have three school days (6 dates > 5)
    assert isinstance(search_phase(inst, *setup(inst, "vg1"), node_limit=1_000), str)


@pytest.mark.parametrize("weight", [100, 40, -30])
def test_long_school_blocks_price_the_search_exactly(tmp_path, weight):
    """Five weeks, 15 school days, school blocks of 1-5 and practice blocks of at least 2
    (shorter only at the phase edge): some school block is longer than the shortest (1).
    The search's value is the brute force's, which counts long_school_block on its own (so a
    wrong amount in Machine.cost shows), also with a negative weight."""
    inst = three_weeks(tmp_path, phases=[block_phase("2026-08-17", "2026-09-20", min_school_days=15,
                                                     school_block_weeks=[1, 5], practice_block_weeks=[2, 5])],
                       weights={"long_school_block": weight})
    dom, pricer, phase, board = setup(inst, "vg2")
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    kinds = "".join("S" if out.school["K1"][w] else "P" for w in sorted(out.school["K1"]))
    assert sum(len(run) - 1 for run in re.findall("S+", kinds)) > 0  # the optimum has a long block
    assert out.proven and out.value == pytest.approx(brute_force(inst, dom, pricer, phase, board))


@pytest.mark.parametrize("weight", [100, 40, -30])
def test_long_school_blocks_over_a_holiday_price_the_search_exactly(tmp_path, weight):
    """Six weeks, the third closed (a holiday), 20 school days, school blocks of 2-4 and
    practice blocks of 1-4: the holiday cuts R5's blocks but not D21's school stretches
    (``S2 - S2`` is four school weeks in a row without practice). The search's value is the
    brute force's, which skips the closed week when it counts (so a Machine that reset the
    stretch at the holiday, as before, would show)."""
    inst = three_weeks(tmp_path, phases=[block_phase("2026-08-17", "2026-09-27", min_school_days=20,
                                                     school_block_weeks=[2, 4], practice_block_weeks=[1, 4])],
                       closures=[closure("2026-08-31", "2026-09-04", reason="Høstferie")],
                       weights={"long_school_block": weight})
    dom, pricer, phase, board = setup(inst, "vg2")
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    assert out.proven and out.value == pytest.approx(brute_force(inst, dom, pricer, phase, board))
    kinds = "".join("S" if out.school["K1"].get(w) else "P" for w in sorted(out.school["K1"]))
    assert kinds.count("S") >= 4


@pytest.mark.parametrize(("end", "practice"), [("2026-09-13", (1, 1)), ("2026-09-20", (1, 3)), ("2026-09-20", (2, 4))])
def test_practice_blocks_are_chained_exactly(tmp_path, end, practice):
    """Block model, four or five weeks, 10 school days. Every supervisor works Monday and
    Wednesday days and a Sunday evening (22:00): before a Monday in school (08:30), or a
    Monday's day shift (07:00), the recruit cannot follow that evening (R9, 11 h) and works
    a third shift without him. The week prices alone see neither boundary; with each
    practice block's weeks chained (and its end before the school week after it) the
    search's value is the exact optimum over all calendars, each priced by the whole
    phase's chain of weeks, which the week prices alone miss."""
    inst = three_weeks(tmp_path, phases=[block_phase("2026-08-17", end, min_school_days=10,
                                                     school_block_weeks=[1, 2], practice_block_weeks=list(practice))],
                       rosters={"RA": ["D - D - - - A"], "RB": ["D - D - - - A"], "RC": ["D - D - - - A"]},
                       weights={"long_school_block": 0})
    dom, pricer, phase, board = setup(inst, "vg2")
    prices = Prices(inst, dom, pricer, phase, board)
    (group,) = build_groups(inst, dom, phase, prices, Teachers(inst))
    assert any(s.by_run is not None for st in group.stages for s in st.steps[0])
    exact = np.inf
    for combo in product(*(range(len(st.joint)) for st in group.stages)):
        steps = [st.steps[0][st.joint[ji][0]] for st, ji in zip(group.stages, combo, strict=True)]
        kinds = "".join(s.kind for s in steps)
        if sum(s.days for s in steps) < 10 or not blocks_ok(kinds, (1, 2), practice):
            continue
        school_of = {"K1": {st.weeks[0]: s.school[0] for st, s in zip(group.stages, steps, strict=True)}}
        value, _cols = board.solve(board.base + prices.phase_chain(school_of))
        exact = min(exact, value)
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    assert out.proven and out.value == pytest.approx(exact) == pytest.approx(brute_force(inst, dom, pricer, phase, board))
    # the week prices alone (no practice week's end priced) stay below: the rule bites
    for st in group.stages:
        for s in st.steps[0]:
            s.by_run = None
    relaxed = Search(phase, board, [group], 10_000)
    path, value, _bound, proven = relaxed.run(relaxed.start_paths())
    assert proven and value < exact


def test_a_recruit_out_of_reach_is_named_whatever_the_weights(tmp_path):
    """A recruit with no supervisor in reach has no placement (R1). A negative
    long_school_block weight makes the other recruits' costs negative; the assignment
    problem must still see the impossible row (a BIG cell hidden in a smaller sum)."""
    for weight in (100, -100):
        inst = three_weeks(tmp_path / str(weight), phases=[block_phase(
            "2026-08-17", "2026-09-20", min_school_days=10, school_block_weeks=[1, 4], practice_block_weeks=[1, 3])],
            recruits=["R1", "R2", "R3", recruit("R4", max_travel_minutes=5)], travel={("R4", "S1"): 500},
            weights={"long_school_block": weight})
        dom, pricer, phase, board = setup(inst, "vg2")
        out = search_phase(inst, dom, pricer, phase, board, node_limit=2000)
        assert isinstance(out, str) and out.startswith("no placement of every recruit with a supervisor within reach")


def test_block_lengths_bind_the_search(tmp_path):
    """Block model, four weeks, school blocks of 1-2 weeks and practice blocks of 1-2: the
    searched calendar has no three school weeks in a row and meets min_school_days."""
    inst = three_weeks(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=10,
                                                     school_block_weeks=[1, 2], practice_block_weeks=[1, 2])])
    dom, pricer, phase, board = setup(inst, "vg2")
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    kinds = "".join("S" if out.school["K1"][w] else "P" for w in sorted(out.school["K1"]))
    assert "SSS" not in kinds and "PPP" not in kinds
    assert kinds.count("S") >= 2
    assert out.proven and out.value == pytest.approx(brute_force(inst, dom, pricer, phase, board))


def one_ward_place(tmp_path):
    """Two recruits of one class; ward W1 takes one recruit a day and holds the two best
    supervisors (V1, V2); V3 and V4 are on W2."""
    return three_weeks(
        tmp_path, recruits=["R1", "R2"],
        wards=[ward("W1", capacity=1), ward("W2", capacity=3)],
        supervisors=[supervisor("V1", roster_id="RA"), supervisor("V2", roster_id="RA"),
                     supervisor("V3", "W2", roster_id="RB"), supervisor("V4", "W2", roster_id="RC")])


def test_class_capacity_rounds_keep_capacity_and_a_valid_bound(tmp_path):
    """Ward W1 takes one recruit a day and holds the two best supervisors; V3 and V4 are on
    W2. The class practises on the same days, so at most one recruit of the class on W1: the
    capacitated plan puts one there and the bound stays at or below its value."""
    inst = one_ward_place(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    plain = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    assert sum(inst.supervisor[s].ward_id == "W1" for s in plain.assignment.values()) == 2  # relaxed
    capped = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
    assert sum(inst.supervisor[s].ward_id == "W1" for s in capped.assignment.values()) == 1
    assert plain.bound - 1e-6 <= capped.bound <= capped.value + 1e-6
    rows = ClassCapacity(inst, dom, phase, board).rows
    assert rows and all(w == "W1" for w, _r, _c in rows)


def brute_force_capacitated(inst, dom, pricer, phase, board) -> float:
    """The least value over every calendar of the exact capacitated assignment (a MIP each)."""
    capacity = ClassCapacity(inst, dom, phase, board)
    prices = Prices(inst, dom, pricer, phase, board)
    (group,) = build_groups(inst, dom, phase, prices, Teachers(inst))
    best = np.inf
    for combo in product(*(range(len(st.joint)) for st in group.stages)):
        matrix, scalar, days = board.base.copy(), 0.0, [0] * len(group.classes)
        for st, ji in zip(group.stages, combo, strict=True):
            for ci, k in enumerate(st.joint[ji]):
                step = st.steps[ci][k]
                matrix[group.rows[ci], :] += step.matrix
                scalar += step.scalar
                days[ci] += step.days
        if all(d >= m for d, m in zip(days, group.min_days, strict=True)):
            got = capacity.assign(matrix)
            if got is not None:
                best = min(best, got[0] + scalar)
    return best


def duality_gap(tmp_path):
    """Three recruits; ward W1 (three supervisors on RC) takes one a day, W2 two; found by a
    random search for instances where one set of capacity prices leaves a gap."""
    rosters = {**ROSTERS, "RD": ["D - - - D - -", "- D D - - - -", "- - - D D - -"]}
    return three_weeks(
        tmp_path, recruits=["R0", "R1", "R2"], rosters=rosters,
        wards=[ward("W1", capacity=1), ward("W2", capacity=2)],
        supervisors=[supervisor("V0", roster_id="RC"), supervisor("V1", "W2", roster_id="RD"),
                     supervisor("V2", "W2", roster_id="RD"), supervisor("V3", roster_id="RC"),
                     supervisor("V4", roster_id="RC"), supervisor("V5", "W2", roster_id="RA")])


def test_node_prices_close_the_capacity_rounds_duality_gap(tmp_path, monkeypatch):
    """One set of ward-capacity prices for every calendar leaves a duality gap: here the
    rounds end with a bound of 0 and a plan of 8,000 units (the best calendar for the free
    placements puts two recruits on W1, which holds one a day). Pricing each node of a
    second search with prices of its own (``_tighten``) proves the exact optimum, 6,000,
    which a brute force over every calendar with a MIP each confirms, and finds its plan."""
    import scheduler.master as master

    inst = duality_gap(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    exact = brute_force_capacitated(inst, dom, pricer, phase, board)
    monkeypatch.setattr(master, "TIGHTEN_SHARE", 0.0)
    rounds = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
    assert rounds.bound < exact - 1 and rounds.value > exact + 1  # the gap, from both sides
    monkeypatch.undo()
    tight = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
    assert tight.bound == pytest.approx(exact) and tight.value == pytest.approx(exact) and tight.proven
    assert sum(inst.supervisor[s].ward_id == "W1" for s in tight.assignment.values()) <= 1


def test_node_prices_keep_a_valid_bound_when_cut_short(tmp_path, monkeypatch):
    """Stopped after a few assignment problems, or at the first calendar without pricing
    it exactly, the search's bound is still at most the exact optimum and at least the
    rounds' bound."""
    import scheduler.master as master

    inst = duality_gap(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    exact = brute_force_capacitated(inst, dom, pricer, phase, board)
    for share, leaves in [(0.001, 10), (0.005, 10), (1.0, 0)]:
        monkeypatch.setattr(master, "TIGHTEN_SHARE", share)
        monkeypatch.setattr(master, "TIGHTEN_LEAVES", leaves)
        out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
        assert 0.0 <= out.bound <= exact + 1e-6 <= out.value + 1e-6, (share, leaves, out.bound, out.value)


def _undominated_by_pairs(steps, combos, block):
    """The definition, one pair of joint options at a time."""
    def no_worse(a, b):
        for ci, (ka, kb) in enumerate(zip(a, b, strict=True)):
            sa, sb = steps[ci][ka], steps[ci][kb]
            if block[ci] and sa.kind != sb.kind:
                return False
            if sa.days < sb.days or sa.scalar > sb.scalar or (sa.matrix > sb.matrix).any():
                return False
        return True
    return [b for b in combos
            if not any(a != b and no_worse(a, b) and (not no_worse(b, a) or a < b) for a in combos)]


@pytest.mark.parametrize("seed", range(6))
def test_dominated_joint_options_are_dropped_as_defined(seed):
    """Joint options of a school's classes that another one beats (prices, own cost, school
    days, block week kind) are dropped; of equal ones the first stays. Three classes, one of
    them without recruits (an empty price matrix: all its options tie), as in a school with
    an empty class, where the joint options are many."""
    from scheduler.master import ClassStep, _undominated

    rng = np.random.default_rng(seed)
    steps, block = [], []
    for rows in (2, 1, 0):
        is_block = bool(rng.integers(2))
        block.append(is_block)
        steps.append([ClassStep((frozenset(),), rng.integers(0, 3, size=(rows, 2)).astype(float),
                                float(rng.integers(0, 2)), int(rng.integers(2, 4)),
                                str(rng.choice(["S", "P"])) if is_block else None)
                      for _ in range(int(rng.integers(2, 6)))])
    combos = sorted({tuple(int(rng.integers(len(lst))) for lst in steps) for _ in range(60)})
    kept = _undominated(steps, combos, block)
    assert kept == _undominated_by_pairs(steps, combos, block)
    assert kept  # something always survives


def two_classes_one_trained(tmp_path):
    """Two classes that are not partners, one recruit each, and one trained supervisor (V1)
    both want; V2 and V3 are untrained."""
    return three_weeks(tmp_path, classes=[klass("K1"), klass("K2")], recruits=["R1", recruit("R3", class_id="K2")],
                       teachers=["T1", "T2"],
                       supervisors=[supervisor("V1", roster_id="RA"), supervisor("V2", roster_id="RB", qualified="false"),
                                    supervisor("V3", roster_id="RC", qualified="false")])


@pytest.mark.parametrize("budget", [2, 20, 200, 10_000])
def test_decomposed_bound_of_classes_that_are_not_partners_stays_below_the_optimum(tmp_path, budget):
    """Two classes that are not partners, one recruit each, and one trained supervisor
    both want: searched one class at a time (a Lagrangian decomposition), each class takes
    him and the bound without prices is 0; prices on his place make one class pay for an
    untrained one, as the real optimum does. However small the budget, the bound never
    passes the brute-force optimum of both classes together."""
    from scheduler.master import _components, _decomposed_bound

    inst = two_classes_one_trained(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force(inst, dom, pricer, phase, board)
    parts = _components(inst, phase)
    assert parts == [["K1"], ["K2"]]
    bound = _decomposed_bound(inst, dom, pricer, phase, board, Teachers(inst), None, parts, expected, budget, None)
    assert bound <= expected + 1e-6
    if budget == 10_000:
        no_prices = _decomposed_bound(inst, dom, pricer, phase, board, Teachers(inst), None, parts, -np.inf, budget,
                                      None)  # a target below the bound stops after the first round (no prices)
        assert no_prices == 0 < expected == pytest.approx(bound)
        # the joint search stopped after two nodes proves nothing; the decomposition proves its plan
        out = search_phase(inst, dom, pricer, phase, board, node_limit=2)
        assert out.value == pytest.approx(expected) and out.bound == pytest.approx(expected) and out.proven


def test_a_clock_cut_joint_search_leaves_the_decomposition_its_share(tmp_path, monkeypatch):
    """On a slow machine the guard shares the clock as the budgets share the nodes: the
    joint search of classes that are not partners stops at 1 / (1 + DECOMPOSE_SHARE) of the
    time to the deadline, so that when the clock cuts it, the decomposition still runs (it
    used to get what the joint search left, often nothing). Here the clock has passed the
    joint search's part but not the deadline: the joint search stops at once, unproven,
    and the decomposition proves the optimum; the outcome says the clock decided."""
    import time

    import scheduler.master as master

    inst = two_classes_one_trained(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force(inst, dom, pricer, phase, board)
    deadlines: list[float | None] = []
    init = master.Search.__init__

    def recording(self, phase, board, groups, node_limit, deadline=None):
        deadlines.append(deadline)
        init(self, phase, board, groups, node_limit, deadline)

    monkeypatch.setattr(master.Search, "__init__", recording)
    now = time.monotonic()
    deadline = now + 1000.0
    monkeypatch.setattr(master, "late", lambda d: d is not None and d < now + 750.0)  # the joint part is over
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, deadline=deadline)
    joint = deadlines[0]
    assert now < joint - 1000.0 / (1 + master.DECOMPOSE_SHARE) <= now + 1.0  # half the time to the deadline
    assert deadlines[1:] and all(d == deadline for d in deadlines[1:])  # each class's search: the whole of it
    assert out.bound == pytest.approx(expected) and out.value == pytest.approx(expected) and out.proven
    assert out.clock_cut


@pytest.mark.parametrize(("model", "parts"), [("", [["K1", "K2"]]), ("block", [["K1"], ["K2"]])])
def test_partners_are_searched_together_only_where_they_share_a_day(tmp_path, model, parts):
    """R6 binds two partner classes only when both are on the weekly model in the phase;
    a weekly class whose partner is on the block model can be bounded on its own."""
    from scheduler.master import _components

    inst = three_weeks(tmp_path, classes=[klass("K1", shared_day_with="K2"),
                                          klass("K2", shared_day_with="K1", model=model)],
                       recruits=["R1", "R2", recruit("R3", class_id="K2")], teachers=["T1", "T2"])
    assert _components(inst, inst.phase["vg1"]) == parts


def test_decomposed_bound_keeps_published_days_only_where_the_whole_school_can(tmp_path):
    """Re-planning: both classes published Mon, Thu, Fri of the first week, but now one teacher
    alone is in on that Monday, so no joint option keeps both calendars and the week is
    free in the joint search. Each class alone could keep its days; the decomposition must
    not force them (it would bound a smaller set of plans than the phase's): its bound
    stays below the optimum of the free week."""
    from scheduler.master import _components, _decomposed_bound

    inst = three_weeks(tmp_path, classes=[klass("K1"), klass("K2")],
                       recruits=["R1", "R2", recruit("R3", class_id="K2")], teachers=["T1", "T2", "T3"],
                       absences=[absence("T2", "2026-08-17"), absence("T3", "2026-08-17")],
                       supervisors=[supervisor(f"V{k}{r}", roster_id=r) for k in (1, 2) for r in ROSTERS])
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force(inst, dom, pricer, phase, board)  # no week keeps both: all free
    published = frozenset(date(2026, 8, d) for d in (17, 20, 21))  # practice Tue-Wed: costly
    keep = {"K1": published, "K2": published}
    prices = Prices(inst, dom, pricer, phase, board)
    (group,) = build_groups(inst, dom, phase, prices, Teachers(inst), keep)
    free = build_groups(inst, dom, phase, prices, Teachers(inst))[0]
    assert [st.joint for st in group.stages] == [st.joint for st in free.stages]
    parts = _components(inst, phase)
    bound = _decomposed_bound(inst, dom, pricer, phase, board, Teachers(inst), keep, parts, expected, 10_000, None)
    assert bound <= expected + 1e-6
    out = search_phase(inst, dom, pricer, phase, board, node_limit=3, keep=keep)
    assert out.bound <= expected + 1e-6


def _node_limits_of_runs(monkeypatch) -> list[int]:
    """The node limit of every :meth:`Search.run` from now on, in order (a list that fills)."""
    import scheduler.master as master

    limits: list[int] = []
    run = master.Search.run

    def recording(self, starts):
        limits.append(self.node_limit)
        return run(self, starts)

    monkeypatch.setattr(master.Search, "run", recording)
    return limits


def test_capacity_rounds_end_with_the_proving_round_when_the_prices_cannot_move(tmp_path, monkeypatch):
    """When a round's placement leaves no price to move (the projected step is zero), the
    rounds do not just stop: the last round still searches at the prices reached, with the
    rest of the node budget, to prove its bound (it used to stop with the plain search's
    bound from half the budget)."""
    import scheduler.master as master

    inst = one_ward_place(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    limits = _node_limits_of_runs(monkeypatch)
    monkeypatch.setattr(master._StepSize, "step", lambda self, prices, grad, gap: None)
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
    assert len(limits) == 2  # the plain search, then the proving round
    assert limits[1] > master.ROUND_NODES  # with the rest of the budget, not a short round
    assert out.bound <= out.value + 1e-6
    assert sum(inst.supervisor[s].ward_id == "W1" for s in out.assignment.values()) == 1


def test_capacity_rounds_start_the_proving_round_early_when_the_clock_runs_short(tmp_path, monkeypatch):
    """On a slow machine (the pace of the rounds says the deadline would cut them) the
    proving round starts after the first round, at the prices reached, with the rest of the
    budget: the bound stays valid, and the outcome says the clock decided (the plan is then
    not reproducible by the node budgets alone)."""
    import scheduler.master as master

    inst = one_ward_place(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    limits = _node_limits_of_runs(monkeypatch)
    unhurried = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
    assert not unhurried.clock_cut and len(limits) > 3
    limits.clear()
    monkeypatch.setattr(master._Pace, "too_slow", lambda self, deadline, runs: self.rounds >= 1)
    out = search_phase(inst, dom, pricer, phase, board, node_limit=10_000, capacity_rounds=4)
    assert len(limits) == 3 and limits[1] == master.ROUND_NODES and limits[2] > master.ROUND_NODES
    assert out.clock_cut
    # a bound of the capacitated plans: at most the best one known, which keeps W1 to one
    assert out.bound <= min(out.value, unhurried.value) + 1e-6
    assert sum(inst.supervisor[s].ward_id == "W1" for s in out.assignment.values()) == 1


def test_pace_of_the_rounds(monkeypatch):
    """``_Pace.too_slow``: seconds per node of the timed searches plus each round's other
    work, against the deadline; never without a deadline or before a round is timed."""
    import scheduler.master as master

    now = [100.0]
    monkeypatch.setattr(master.time, "monotonic", lambda: now[0])
    pace = master._Pace()
    assert not pace.too_slow(101.0, (1000,))  # nothing timed yet
    now[0] = 101.0  # 1 s of other work (the candidates' assignments)
    pace.searching()
    now[0] = 103.0
    pace.searched(1000)  # 2 s for 1000 nodes
    # two more runs of 1000 and 500 nodes: 2 + 1 s searching, 2 x 1 s besides: 5 s from 103
    assert not pace.too_slow(108.5, (1000, 500))
    assert pace.too_slow(107.5, (1000, 500))
    assert not pace.too_slow(None, (10**9,))


def test_block_phase_bound_counts_a_share_of_weekend_fairness(tmp_path, monkeypatch):
    """Block model, four weeks: R1 cannot practise on weekends, so the weekend spread is the
    most R2 works, and the search's bound counts weight / 1 per weekend shift of R2 (the only
    recruit who can). It rises above the bound without that share and stays at or below the
    proven optimum of the whole plan."""
    import scheduler.master as master
    from tests.builders import solve_and_check

    inst = three_weeks(
        tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=5,
                                      school_block_weeks=[1, 2], practice_block_weeks=[1, 2])],
        recruits=[recruit("R1", unavailable_weekdays="sat;sun"), "R2"],
        rosters={"RA": ["D D - - - D D"], "RB": ["- D D - - D D"], "RC": ["D - - D - D D"]},
        weights={"roster_shift_missed": 20})
    dom, pricer, phase, board = setup(inst, "vg2")
    with_share = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    monkeypatch.setattr(master, "weekend_surcharge", lambda inst, phase: {})
    without = search_phase(inst, dom, pricer, phase, board, node_limit=10_000)
    monkeypatch.undo()
    best = solve_and_check(inst)
    assert best.breakdown["weekend_fairness"]["cost"] > 0
    assert without.bound < with_share.bound <= best.objective * 10 + 1e-6  # units (SCALE = 10)


# ---- two schools: the search takes the schools' stages in turn ---------------------------------
def two_schools(tmp_path):
    """Three weeks, two schools with a class each (K1: R1, R2 at SK1; K2: R3 at SK2), the
    rosters of :data:`ROSTERS`: the schools' calendars share the supervisors."""
    return three_weeks(
        tmp_path, schools=["SK1", "SK2"], classes=[klass("K1"), klass("K2", school_id="SK2")],
        recruits=[recruit("R1"), recruit("R2"), recruit("R3", class_id="K2")],
        teachers=[teacher("T1"), teacher("T2", school_id="SK2")],
    )


def brute_force_all(inst, dom, pricer, phase, board) -> float:
    """The least value over every combination of joint options of every stage of every
    school (weekly model)."""
    prices = Prices(inst, dom, pricer, phase, board)
    groups = build_groups(inst, dom, phase, prices, Teachers(inst))
    stages = [(g, st) for g in groups for st in g.stages]
    best = np.inf
    for combo in product(*(range(len(st.joint)) for _g, st in stages)):
        matrix = board.base.copy()
        scalar = 0.0
        days = {c: 0 for g in groups for c in g.classes}
        for (g, st), ji in zip(stages, combo, strict=True):
            for ci, k in enumerate(st.joint[ji]):
                step = st.steps[ci][k]
                matrix[g.rows[ci], :] += step.matrix
                scalar += step.scalar
                days[g.classes[ci]] += step.days
        if any(days[c] < m for g in groups for c, m in zip(g.classes, g.min_days, strict=True)):
            continue
        value, _cols = board.solve(matrix)
        if value < BIG:
            best = min(best, value + scalar)
    return best


def test_the_schools_stages_are_taken_in_turn():
    """The largest stage of every school comes before the smaller ones of any school; on a
    tie, the school with fewer stages fixed goes first, so equal weeks alternate."""
    from types import SimpleNamespace

    from scheduler.master import _interleave

    def group(*weeks):
        return SimpleNamespace(stages=[SimpleNamespace(weeks=[None] * n) for n in weeks])

    assert _interleave([group(5, 3, 1), group(4, 4)]) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 2)]
    assert _interleave([group(1, 1, 1), group(1, 1)]) == [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)]


@pytest.mark.parametrize("limit", [1, 3, 10, 10_000])
def test_two_schools_search_keeps_a_valid_bound_and_finds_the_optimum(tmp_path, limit):
    """Two schools searched together, their stages in turn: at every node budget the bound
    stays below the brute-force optimum and the value is a real calendar's; with enough
    nodes the optimum is found and proven."""
    inst = two_schools(tmp_path)
    dom, pricer, phase, board = setup(inst, "vg1")
    expected = brute_force_all(inst, dom, pricer, phase, board)
    out = search_phase(inst, dom, pricer, phase, board, node_limit=limit)
    assert out.bound <= expected + 1e-6 <= out.value + 2e-6
    assert set(out.school) == {"K1", "K2"}
    if limit == 10_000:
        assert out.proven and out.value == pytest.approx(expected)


@pytest.mark.parametrize(("kwargs", "words"), [
    (dict(travel={("R2", "S1"): 999}), "no supervisor within reach (R1) of recruit(s) R2"),
    (dict(recruits=["R1", recruit("R2", unavailable_weekdays="mon;tue;wed;thu;fri;sat")]),
     "recruit(s) R2 have no possible week with any supervisor within reach"),
    (dict(recruits=["R1", "R2", "R3"]), "keeps R1 and R2 (too few places)"),
])
def test_a_practice_phase_without_placement_says_which_rule_and_recruits(tmp_path, kwargs, words):
    """The search's answer when no placement is possible (the pre-checks catch most such
    instances before it, the explanation after it): R1 (nobody in reach), the week's rules
    (no week of his is possible with anyone: here only sundays free, three shifts a week),
    or R2 (three recruits, two supervisors)."""
    from tests.builders import practice_phase

    inst = micro(tmp_path, phases=[practice_phase("2026-04-06", "2026-04-19", id="rp")], **kwargs)
    out = search_phase(inst, *setup(inst, "rp"), node_limit=100)
    assert isinstance(out, str) and words in out, out

"""The practice phases' joint bound (scheduler.coupling): supervisor continuity between
practice phases and recruits alone at a site, counted in the year's bound."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from models import Status
from models.score import units
from scheduler.coupling import Relaxed, joint_bound
from scheduler.master import BIG, Board
from scheduler.solve import _Planner
from tests.builders import (
    OPTIONS,
    absence,
    count,
    micro,
    practice_phase,
    recruit,
    site,
    solve_and_check,
    supervisor,
    ward,
)

# the whole-year day model would prove these tiny plans optimal on its own: left out, so
# that the bound seen is the phases' (with the joint bound)
PHASES_ONLY = replace(OPTIONS, whole_year_limit=0)

WEEK1 = practice_phase("2026-08-17", "2026-08-23", id="rp")
WEEK2 = practice_phase("2026-08-24", "2026-08-30", id="sj")


def _change_forced(tmp_path):
    """One recruit; V1 works the first week and is away the second, V2 the other way round:
    one change of supervisor (15) is far cheaper than days without one."""
    return micro(tmp_path, phases=[WEEK1, WEEK2], recruits=["R1"],
                 absences=[absence("V2", "2026-08-17", "2026-08-23"), absence("V1", "2026-08-24", "2026-08-30")])


def test_a_forced_change_and_a_recruit_alone_are_in_the_bound(tmp_path):
    result = solve_and_check(_change_forced(tmp_path), Status.OPTIMAL, PHASES_ONLY)
    assert count(result, "supervisor_change") == 1
    assert count(result, "alone_at_site") == 2  # one recruit: alone in both phases
    assert result.objective == 15 + 2 * 20
    joint = result.kpis["joint_bound"]
    assert joint["phases"] == ["rp", "sj"] and joint["solved"]
    assert joint["phases_bound"] == 0 and joint["bound"] == 55
    assert joint["supervisor_changes"] == 1 and joint["alone_at_site"] == 2


def test_without_the_joint_bound_the_same_plan_is_not_proven(tmp_path, monkeypatch):
    monkeypatch.setattr(_Planner, "joint", lambda self, found: None)
    result = solve_and_check(_change_forced(tmp_path), Status.FEASIBLE, PHASES_ONLY)
    assert result.objective == 55 and result.best_bound == 0
    assert "joint_bound" not in result.kpis


def test_recruits_alone_at_their_nearest_sites_cost_more_than_travelling_together(tmp_path):
    """R1 lives by S1 and R2 by S2 (10 minutes apart). Each at his own site, both are
    alone (2 x 20); together at S1, R2 travels 10 minutes. The phase's bound alone is 0,
    the joint bound the plan's 10."""
    inst = micro(tmp_path, phases=[WEEK1], recruits=["R1", recruit("R2")],
                 sites=["S1", site("S2")], wards=["W1", ward("W2", "S2")],
                 supervisors=["V1", "V3", supervisor("V2", "W2")],
                 travel={("R1", "S2"): 10, ("R2", "S1"): 10})
    result = solve_and_check(inst, None, PHASES_ONLY)
    assert result.kpis["joint_bound"]["phases_bound"] == 0 and result.kpis["joint_bound"]["bound"] == 10
    assert result.best_bound == 10 and result.objective >= 10


# ---- the MIP against an independent brute force -------------------------------------------
SUPS = [("V1", "W1", 1), ("V2", "W1", 2), ("V3", "W2", 1)]


def _instance(tmp_path, weights):
    return micro(tmp_path, phases=[WEEK1, WEEK2], recruits=["R1", "R2", "R3"], weights=weights,
                 sites=["S1", site("S2")], wards=["W1", ward("W2", "S2")],
                 supervisors=[supervisor(s, w, max_recruits=m) for s, w, m in SUPS])


def _relaxed(inst, phase_id, rng):
    rows = [r.id for r in inst.recruits]
    cols = [s for s, _w, m in SUPS for _ in range(m)]
    per_sup = rng.integers(0, 400, size=(len(rows), len(SUPS))).astype(float)
    per_sup[rng.random(per_sup.shape) < 0.15] = BIG  # some pairs out of reach
    matrix = np.array([[per_sup[i, [s for s, _w, _m in SUPS].index(c)] for c in cols] for i in range(len(rows))])
    board = Board(rows, cols, {r: i for i, r in enumerate(rows)}, np.zeros_like(matrix))
    return Relaxed(phase_id, board, matrix, float(rng.integers(0, 50)))


def _placements(rel: Relaxed):
    """Every placement of the recruits that keeps the supervisors' places and reach."""
    names = [s for s, _w, _m in SUPS]
    places = {s: m for s, _w, m in SUPS}
    for pick in itertools.product(names, repeat=len(rel.board.rows)):
        if any(pick.count(s) > places[s] for s in names):
            continue
        cost = [rel.matrix[i, rel.board.cols.index(s)] for i, s in enumerate(pick)]
        if max(cost) < BIG:
            yield pick, sum(cost)


def _brute_force(inst, rels):
    site = {"W1": "S1", "W2": "S2"}
    site_of = {s: site[w] for s, w, _m in SUPS}
    w_change, w_alone = max(0, units(inst, "supervisor_change")), max(0, units(inst, "alone_at_site"))

    def alone(pick):
        sites = [site_of[s] for s in pick]
        return sum(sites.count(x) == 1 for x in sites)

    best = np.inf
    for (a, ca), (b, cb) in itertools.product(list(_placements(rels[0])), list(_placements(rels[1]))):
        total = ca + cb + w_change * sum(x != y for x, y in zip(a, b, strict=True)) + w_alone * (alone(a) + alone(b))
        best = min(best, total)
    return best - sum(r.payback for r in rels)


@pytest.mark.parametrize("weights", [{}, {"supervisor_change": 40, "alone_at_site": 5}, {"alone_at_site": 0},
                                     {"supervisor_change": 0}, {"supervisor_change": -15}])
@pytest.mark.parametrize("seed", range(4))
def test_the_joint_bound_is_the_optimum_of_the_joined_phases(tmp_path, weights, seed):
    inst = _instance(tmp_path, weights)
    rng = np.random.default_rng(seed)
    rels = [_relaxed(inst, "rp", rng), _relaxed(inst, "sj", rng)]
    got = joint_bound(inst, ["rp", "sj"], rels)
    if units(inst, "supervisor_change") <= 0 and units(inst, "alone_at_site") <= 0:
        assert got is None
        return
    assert got is not None and got.exact
    # a negative continuity weight is left out (the year's bound allows for it): the bound
    # is then that of the phases with recruits alone only
    assert got.bound == pytest.approx(_brute_force(inst, rels), abs=1e-6 * max(1.0, abs(got.bound)))
    assert got.bound >= sum(r.value() for r in rels) - 1e-6  # never below the phases' bounds alone


def test_phases_that_are_not_consecutive_share_no_continuity(tmp_path):
    inst = _instance(tmp_path, {"alone_at_site": 0})
    rng = np.random.default_rng(7)
    rels = [_relaxed(inst, "rp", rng), _relaxed(inst, "sj", rng)]
    got = joint_bound(inst, ["rp", "vg1", "sj"], rels)  # an alternation phase between them
    assert got is None  # no continuity to count, and no alone weight: nothing to join


def test_a_mip_stopped_by_its_node_limit_still_gives_a_bound(tmp_path, monkeypatch):
    """At one node HiGHS stops before it has solved some of these; the bound it gives then
    (its dual bound, else the linear relaxation) stays at or below the optimum."""
    import scheduler.coupling as coupling

    monkeypatch.setattr(coupling, "JOINT_NODES", 1)
    inst = _instance(tmp_path, {"supervisor_change": 40})
    for seed in range(6):
        rng = np.random.default_rng(seed)
        rels = [_relaxed(inst, "rp", rng), _relaxed(inst, "sj", rng)]
        got = joint_bound(inst, ["rp", "sj"], rels)
        assert got is not None
        assert got.bound <= _brute_force(inst, rels) + 1e-6
        assert got.exact or (got.changes, got.alone) == (0, 0)


def test_no_recruits_nothing_to_join(tmp_path):
    """An instance without recruits (the loader accepts one) plans nothing, as before."""
    import models
    from tests.builders import write_instance

    folder = write_instance(tmp_path, phases=[WEEK1, WEEK2])
    (folder / "recruits.csv").write_text("id,name,class_id,lat,lon\n", encoding="utf-8")
    (folder / "travel.csv").write_text("recruit_id,site_id,minutes\n", encoding="utf-8")
    inst = models.read(folder)
    assert not inst.recruits
    result = solve_and_check(inst, Status.OPTIMAL, PHASES_ONLY)
    assert result.objective == 0 and "joint_bound" not in result.kpis


def test_a_bound_above_the_plan_is_discarded_not_taken_for_a_proof(tmp_path, monkeypatch):
    """A lower bound above a valid plan can only be a fault of the planner: the result
    claims no bound (not OPTIMAL) and kpis.bound_discarded keeps the number."""
    from scheduler.coupling import Joint

    monkeypatch.setattr(_Planner, "joint", lambda self, found: Joint(("rp", "sj"), 10_000.0, True, 0, 0))
    result = solve_and_check(_change_forced(tmp_path), Status.FEASIBLE, PHASES_ONLY)
    assert result.objective == 55 and result.best_bound is None and result.gap is None
    assert result.kpis["bound_discarded"] == 1000.0  # 10,000 units

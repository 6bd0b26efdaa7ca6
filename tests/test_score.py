"""models/score.py is the one definition of the objective; the CP-SAT day model must count
exactly the same for the same plan.

Each plan solved here is written back into the whole-year day model with every decision
fixed to the plan (its solution hint turned into equalities); the model's objective must
then equal ``score(plan)``, goal by goal in total.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from models import read
from models.score import GOALS, SCALE, score, weight_units
from scheduler.solve import SolveOptions, build, solve
from tests.builders import (
    absence,
    block_phase,
    klass,
    micro,
    practice_phase,
    recruit,
    solve_and_check,
    supervisor,
    ward,
    weekly_phase,
)

ROOT = Path(__file__).resolve().parents[1]


def model_objective(inst, plan) -> float:
    """The day model's objective with every decision fixed to ``plan``."""
    built = build(inst, SolveOptions(), hint=plan)
    model = built.vars.model
    proto = model.Proto()
    for var, value in zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True):
        model.Add(model.GetIntVarFromProtoIndex(var) == value)
    model.ClearHints()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.Solve(model) == cp_model.OPTIMAL
    return solver.ObjectiveValue() / SCALE


CASES = {
    "weekly with a short week and an absence": dict(
        phases=[weekly_phase("2026-08-17", "2026-08-30")],
        closures=[{"start": "2026-08-28", "end": "2026-08-28", "reason": "planleggingsdag", "school_id": ""}],
        absences=[absence("R1", "2026-08-18")],
        rosters={"RD": ["D A - D L - -"]},
    ),
    "practice phase with fairness and alone at site": dict(
        phases=[practice_phase("2026-04-13", "2026-04-26")],
        sites=["S1", "S2"], wards=["W1", ward("W2", "S2")],
        supervisors=["V1", supervisor("V2", "W2", roster_id="RW")],
        rosters={"RD": ["D D D - - D D", "D - D D D - -"], "RW": ["A A - - D - -", "- D D A A A -"]},
    ),
    "block phase after a practice phase": dict(
        phases=[practice_phase("2026-04-13", "2026-04-19"),
                block_phase("2026-08-17", "2026-09-06", min_school_days=10, school_block_weeks=[1, 2])],
        rosters={"RD": ["D D - D D D -"]},
        classes=[klass("K1")], recruits=["R1", recruit("R2", unavailable_weekdays="sun")],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_day_model_counts_what_score_counts(tmp_path, case):
    inst = micro(tmp_path, **CASES[case])
    result = solve_and_check(inst, expect=None)
    assert result.plan is not None
    sc = score(inst, result.plan)
    assert result.objective == pytest.approx(sc.total)
    assert set(result.breakdown) == set(GOALS) - {"plan_change"}
    assert model_objective(inst, result.plan) == pytest.approx(sc.total)


def test_bundled_tiny_plan_scores_the_same_in_the_model():
    inst = read(ROOT / "instances" / "tiny")
    result = solve(inst, options=SolveOptions(time_limit=20, workers=1))
    assert result.plan is not None
    assert model_objective(inst, result.plan) == pytest.approx(score(inst, result.plan).total)
    assert result.best_bound is not None and result.best_bound <= result.objective + 1e-6


def test_weights_keep_one_decimal_and_the_breakdown_shows_the_weight_used(tmp_path):
    """1.25 is used as 1.3 (halves away from zero), 100.04 as 100; the breakdown's weight is
    the one used, so every cost is weight x count and the costs add up to the objective."""
    assert [weight_units(w) for w in (1.25, 1.15, 100.04, -0.05, -1.25, 0.04)] == [13, 12, 1000, -1, -13, 0]
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19")],
                 rosters={"RD": ["D D - - D D -"]}, weights={"travel": 1.25, "without_supervisor": 100.04},
                 travel={("R1", "S1"): 7, ("R2", "S1"): 7})
    result = solve_and_check(inst)
    travel = result.breakdown["travel"]
    assert (travel["weight"], travel["count"], travel["cost"]) == (1.3, 14, pytest.approx(18.2))
    assert result.breakdown["without_supervisor"]["weight"] == 100.0
    for goal in result.breakdown.values():
        assert goal["cost"] == pytest.approx(goal["weight"] * goal["count"])
    assert sum(g["cost"] for g in result.breakdown.values()) == pytest.approx(result.objective)
    assert model_objective(inst, result.plan) == pytest.approx(result.objective)

"""Instances of shapes the bundled ones do not have, planned end to end: every plan passes the
independent validator and its cost is at least the reported bound.

The planner is built for the contract (SPEC.md), not for the bundled instances; these cases
exercise what SPEC allows and the bundled instances leave out: weekend practice, other
weekly numbers, three classes sharing teachers, two schools, a single phase, a supervisor
with two recruits on a small ward, rosters of different lengths, a recruit period of his
own.
"""

from __future__ import annotations

import pytest

from tests.builders import (
    block_phase,
    klass,
    practice_phase,
    recruit,
    school,
    solve_and_check,
    supervisor,
    teacher,
    ward,
    weekly_phase,
)
from tests.builders import micro as build

THREE_WEEKS = ("2026-08-17", "2026-09-06")

SHAPES = {
    "weekend practice": dict(
        phases=[weekly_phase(*THREE_WEEKS)], rules={"practice_on_weekends": True},
        rosters={"RD": ["- - D D - D D", "D D - - - D D"]},
    ),
    "two school days and two practice days": dict(
        phases=[weekly_phase(*THREE_WEEKS, school_days_per_week=2, practice_days_per_week=2)],
        rosters={"RD": ["D - D D - - -", "- D D - D - -"]},
    ),
    "three classes sharing two teachers (9 of their 9 days a week)": dict(
        phases=[weekly_phase(*THREE_WEEKS)],
        classes=["K1", "K2", "K3"], teachers=["T1", teacher("T2", max_days_per_week=4)],
        recruits=["R1", recruit("R2", class_id="K2"), recruit("R3", class_id="K3")],
        supervisors=["V1", "V2", "V3"],
    ),
    "two schools": dict(
        phases=[weekly_phase(*THREE_WEEKS)],
        schools=["SK1", school("SK2")], classes=["K1", klass("K2", school_id="SK2")],
        teachers=["T1", teacher("T2", school_id="SK2")],
        recruits=["R1", recruit("R2", class_id="K2")],
    ),
    "one block phase, rosters of two and three weeks": dict(
        phases=[block_phase("2026-08-17", "2026-10-11", min_school_days=20, school_block_weeks=[2, 3],
                            practice_block_weeks=[2, 3])],
        supervisors=["V1", supervisor("V2", roster_id="R3")],
        rosters={"RD": ["D D - D D - -", "- D D D - L L"], "R3": ["A A - - D D -", "- - D D D - -", "L - L - L - -"]},
    ),
    "a supervisor with two recruits on a ward for one": dict(
        phases=[practice_phase("2026-04-13", "2026-04-26"), weekly_phase(*THREE_WEEKS)],
        wards=[ward("W1", capacity=1), ward("W2", capacity=2)],
        supervisors=[supervisor("V1", max_recruits=2), supervisor("V2", "W2", roster_id="RB")],
        rosters={"RD": ["D D D D D - -"], "RB": ["- D D D D D -"]},
    ),
    "an own recruit period and a summer job": dict(
        phases=[practice_phase("2026-04-13", "2026-05-10"), practice_phase("2026-07-06", "2026-07-19", id="summer")],
        recruits=[recruit("R1", recruit_period_start="2026-04-27"), "R2"],
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_plans_of_every_shape_pass_the_validator(tmp_path, shape):
    inst = build(tmp_path, **SHAPES[shape])
    result = solve_and_check(inst, expect=None)
    assert result.best_bound is not None
    assert result.best_bound <= result.objective + 1e-6
    assert {a.recruit_id for a in result.plan.assignments} == {r.id for r in inst.recruits}

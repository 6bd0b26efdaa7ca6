"""The coordinator's hand-made plan (benchmarks/baseline.py) on instances/tiny. No solver."""

from __future__ import annotations

from pathlib import Path

import pytest

import models
from benchmarks.baseline import class_patterns, coordinator_plan

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny() -> models.Instance:
    return models.read(ROOT / "instances" / "tiny")


@pytest.fixture(scope="module")
def plan(tiny: models.Instance) -> models.Plan:
    return coordinator_plan(tiny)


def test_every_recruit_has_a_supervisor_in_every_phase(tiny, plan):
    pairs = {(a.recruit_id, a.phase_id) for a in plan.assignments}
    # 4 recruits x 2 phases, one row each
    assert len(plan.assignments) == len(pairs) == len(tiny.recruits) * len(tiny.phases) == 8


def test_same_supervisor_all_year(tiny, plan):
    sups = {r.id: {a.supervisor_id for a in plan.assignments if a.recruit_id == r.id} for r in tiny.recruits}
    assert all(len(s) == 1 for s in sups.values()), sups
    # practice rows name that supervisor too (D8)
    for a in plan.activities:
        if a.activity == "practice":
            assert {a.supervisor_id} == sups[a.recruit_id]


def test_nearest_free_supervisor(tiny, plan):
    # travel.csv: K1R01 is 7 min from S01 (V001, ward S01W1); K1R02 7 min from S02 (V004);
    # K1R03 12 min from S01: V001 is taken, V002 (S01W1, capacity 2) is next;
    # K1R04 10 min from S02, but V004 is taken, so 13 min to S01: S01W1 is full (2 recruits),
    # V003 on S01W2 is free.
    sup = {a.recruit_id: a.supervisor_id for a in plan.assignments if a.phase_id == "recruit"}
    assert sup == {"K1R01": "V001", "K1R02": "V004", "K1R03": "V002", "K1R04": "V003"}


def test_practice_rows_follow_the_class_pattern(tiny, plan):
    # K1R04 cannot practise on mondays, so mon+tue is out: practice tue+wed, school mon, thu, fri.
    pattern = class_patterns(tiny)["K1"]
    assert pattern.practice == (1, 2) and pattern.school == (0, 3, 4)
    vg1 = [a for a in plan.activities if a.phase_id == "vg1"]
    practice = [a for a in vg1 if a.activity == "practice"]
    assert practice
    assert {a.date.weekday() for a in practice} <= set(pattern.practice)
    assert {a.date.weekday() for a in vg1 if a.activity == "school"} <= set(pattern.school)
    assert {c.date.weekday() for c in plan.class_days} <= set(pattern.school)
    # three full weeks minus the planning day (fri 2026-08-28): 3 x 3 - 1 school days
    assert len(plan.class_days) == 8


def test_practice_rows_are_well_formed(tiny, plan):
    for a in plan.activities:
        if a.activity != "practice":
            continue
        shift = tiny.shift[a.shift_code]
        assert (a.start, a.end) == shift.window(a.date)
        if a.with_supervisor:
            assert tiny.supervisor_works(a.supervisor_id, a.date) == a.shift_code
        else:
            assert a.shift_code == models.DAY_SHIFT

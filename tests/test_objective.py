"""Soft goals (SPEC §3): each named penalty of scheduler/objective.py on a micro-instance
where it alone decides, with the exact count and cost, and a control that costs nothing.
Weights come from ``[weights]`` in instance.toml, else ``models.DEFAULT_WEIGHTS``."""

from __future__ import annotations

from pathlib import Path

import pytest

import models
from models import DEFAULT_WEIGHTS, Assignment, Plan
from scheduler.solve import SolveOptions, _Planner
from tests.builders import (
    OPTIONS,
    absence,
    costs,
    count,
    micro,
    practice_phase,
    recruit,
    solve_and_check,
    supervisor,
    supervisor_of,
    ward,
    weekly_phase,
)

WEEK = weekly_phase("2026-08-17", "2026-08-21")  # ISO week 34, five open school days
PRACTICE_WEEK = practice_phase("2026-04-13", "2026-04-19")
TWO_SITES = {
    "sites": ["S1", "S2"],
    "wards": ["W1", ward("W2", "S2")],
    "supervisors": ["V1", supervisor("V2", "W2")],
}
ROOT = Path(__file__).resolve().parents[1]


def test_control_costs_nothing(tmp_path):
    """The default micro-instance: every goal is listed with count 0."""
    result = solve_and_check(micro(tmp_path, phases=[WEEK]))
    assert result.objective == 0
    assert set(result.breakdown) >= set(DEFAULT_WEIGHTS) - {"plan_change"}
    assert all(item["count"] == 0 and item["cost"] == 0 for item in result.breakdown.values())


@pytest.mark.parametrize("weight", [100, 40])
def test_weight_from_instance_toml(tmp_path, weight):
    """V1 is away on wednesday of a practice week needing 5 shifts: one day without
    supervisor, costed at the [weights] value (default 100)."""
    weights = {} if weight == 100 else {"without_supervisor": weight}
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", min_shifts_per_week=5)],
                 absences=[absence("V1", "2026-04-15")], weights=weights)
    result = solve_and_check(inst)
    assert result.breakdown["without_supervisor"] | {"label": ""} == {
        "label": "", "count": 1, "weight": weight, "cost": weight}
    assert result.objective == weight


def test_travel_against_alone_at_site(tmp_path):
    """R1: S1 10 min, S2 20 min; R2: S1 30 min, S2 5 min; S2 has two supervisors. Apart
    (R1 at S1, R2 at S2) costs 10 + 5 travel + 2 x 20 alone = 55; together at S2 costs
    20 + 5 = 25."""
    inst = micro(tmp_path, phases=[WEEK], sites=["S1", "S2"], wards=["W1", ward("W2", "S2")],
                 supervisors=["V1", supervisor("V2", "W2"), supervisor("V3", "W2")],
                 travel={("R1", "S1"): 10, ("R1", "S2"): 20, ("R2", "S1"): 30, ("R2", "S2"): 5})
    result = solve_and_check(inst)
    assert {a.site_id for a in result.plan.assignments} == {"S2"}
    assert costs(result) == {"travel": 25}
    assert count(result, "travel") == 25


def test_alone_at_site(tmp_path):
    """A single recruit is always alone at his site: 1 x 20."""
    result = solve_and_check(micro(tmp_path, phases=[WEEK], recruits=["R1"]))
    assert costs(result) == {"alone_at_site": 20}


@pytest.mark.parametrize(("weight", "site", "objective"), [(30, "S2", 20), (5, "S1", 15)])
def test_preferred_site(tmp_path, weight, site, objective):
    """R1 prefers S2 (20 min) to S1 (10 min): at weight 30 the preference wins (20 travel),
    at weight 5 the shorter trip does (10 travel + 5)."""
    inst = micro(tmp_path, phases=[WEEK], recruits=[recruit("R1", preferred_sites="S2"), "R2"],
                 travel={("R1", "S1"): 10, ("R1", "S2"): 20},
                 weights={"not_preferred_site": weight, "alone_at_site": 0}, **TWO_SITES)
    result = solve_and_check(inst)
    assert [a.site_id for a in result.plan.assignments if a.recruit_id == "R1"] == [site]
    assert result.objective == objective


@pytest.mark.parametrize(("r2_avoids", "avoided"), [(False, 0), (True, 1)])
def test_avoided_ward_type(tmp_path, r2_avoids, avoided):
    """R1 avoids dementia wards; W1 (V1) is one, W2 (V2) is somatic, both at S1. R1 goes to W2
    at no cost; if R2 avoids dementia too, one of them must be on W1: 150. Letter case does
    not matter (W1 is typed "Dementia", R2's list says "DEMENTIA")."""
    recruits = [recruit("R1", avoid_ward_types="dementia"),
                recruit("R2", avoid_ward_types="DEMENTIA" if r2_avoids else "")]
    inst = micro(tmp_path, phases=[WEEK], recruits=recruits, wards=[ward("W1", ward_type="Dementia"), "W2"],
                 supervisors=["V1", supervisor("V2", "W2")])
    result = solve_and_check(inst)
    assert count(result, "avoided_ward_type") == avoided
    assert result.objective == 150 * avoided
    if not r2_avoids:
        assert supervisor_of(result, "R1", "vg1") == "V2"


@pytest.mark.parametrize("phases", [[PRACTICE_WEEK], [PRACTICE_WEEK, WEEK]])
def test_first_placement(tmp_path, phases):
    """W1 (V1) is not fit for a first placement, W2 (V2) is: one of the two recruits starts
    on W1 (60). In the second phase W1 costs nothing, and both keep their supervisors."""
    inst = micro(tmp_path, phases=phases, wards=[ward("W1", first_placement_ok="false"), "W2"],
                 supervisors=["V1", supervisor("V2", "W2")])
    result = solve_and_check(inst)
    assert costs(result) == {"first_placement": 60}


def test_weekend_fairness(tmp_path):
    """V1 works D fri-sun, V2 mon-wed: V1's recruit has 2 weekend shifts, the other none:
    spread 2 x 10 = 20 (cheaper than any shift without supervisor)."""
    inst = micro(tmp_path, phases=[PRACTICE_WEEK], supervisors=["V1", supervisor("V2", roster_id="RE")],
                 rosters={"RD": ["- - - - D D D"], "RE": ["D D D - - - -"]})
    result = solve_and_check(inst)
    assert costs(result) == {"weekend_fairness": 20}
    assert count(result, "weekend_fairness") == 2


def test_evening_fairness(tmp_path):
    """V1 works A (14:30-22:00, an evening shift) mon-wed, V2 D: spread 3 x 5 = 15."""
    inst = micro(tmp_path, phases=[PRACTICE_WEEK], supervisors=["V1", supervisor("V2", roster_id="RE")],
                 rosters={"RD": ["A A A - - - -"], "RE": ["D D D - - - -"]})
    result = solve_and_check(inst)
    assert costs(result) == {"evening_fairness": 15}


@pytest.mark.parametrize(("with_v3", "objective"), [(True, 0), (False, 10)])
def test_unqualified_supervisor(tmp_path, with_v3, objective):
    """V2 is not a trained supervisor: with a trained V3 available he gets no recruit;
    without V3 one recruit has him (10)."""
    sups = ["V1", supervisor("V2", qualified="false")] + (["V3"] if with_v3 else [])
    result = solve_and_check(micro(tmp_path, phases=[WEEK], supervisors=sups))
    assert result.objective == objective
    assert ("V2" in {a.supervisor_id for a in result.plan.assignments}) == (not with_v3)


@pytest.mark.parametrize(("weight", "changes"), [(15, 0), (-15, 1)])
def test_supervisor_change(tmp_path, weight, changes):
    """A practice week, then a weekly week; one recruit, two equal supervisors. A positive
    weight keeps his supervisor (continuity); a negative one rewards a change (variety)."""
    inst = micro(tmp_path, phases=[PRACTICE_WEEK, WEEK], recruits=["R1"],
                 weights={"supervisor_change": weight, "alone_at_site": 0})
    result = solve_and_check(inst)
    assert count(result, "supervisor_change") == changes
    assert result.objective == weight * changes
    assert (supervisor_of(result, "R1", "rp") != supervisor_of(result, "R1", "vg1")) == bool(changes)


@pytest.mark.parametrize(("weight", "first"), [(15, "V2"), (0, "V1")])
def test_first_phase_looks_ahead_for_continuity(tmp_path, weight, first):
    """A practice week, then a weekly week with V1 away: Vg1 needs V2, who is not trained
    (10 a phase). Planned phase by phase (the whole-year model left out), the recruit
    period has no phase before it, so its continuity looks ahead to Vg1's placement: it
    takes V2 too (10 + 10) rather than V1 and a change (0 + 10 + 15). Without a
    continuity weight, V1 is cheaper in the recruit period."""
    inst = micro(tmp_path, phases=[PRACTICE_WEEK, WEEK], recruits=["R1"],
                 supervisors=["V1", supervisor("V2", qualified="false")],
                 absences=[absence("V1", "2026-08-17", "2026-08-21")],
                 weights={"supervisor_change": weight, "alone_at_site": 0})
    result = solve_and_check(inst, expect=None, options=SolveOptions(time_limit=10, workers=1, whole_year_limit=0))
    assert supervisor_of(result, "R1", "vg1") == "V2"
    assert supervisor_of(result, "R1", "rp") == first
    assert count(result, "supervisor_change") == (first != "V2")


@pytest.mark.parametrize(("research", "vg2", "objective"), [(True, "V1", 20), (False, "V2", 25)])
def test_later_phase_calendar_keeps_supervisor(tmp_path, monkeypatch, research, vg2, objective):
    """Two weekly weeks. V1 works mon+tue and is not trained (10 a phase); V2 works thu+fri
    and is away in Vg1, so Vg1 takes V1. Alone, Vg2's best calendar is practice on thu+fri
    with V2 (0); with V1 kept, practice on mon+tue (10 instead of 15 for the change).
    Planned phase by phase (the whole-year model left out), Vg2's first search runs before
    Vg1 is planned and cannot see the change; its second search, with continuity to Vg1's
    placements, finds the calendar that keeps V1 (scheduler.solve._Planner.research).
    Without it, the calendar is fixed before the placements weigh the change."""
    if not research:
        monkeypatch.setattr(_Planner, "research", lambda self, phase, found, previous, nodes: found)
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21"),
                                   weekly_phase("2026-08-24", "2026-08-28", id="vg2")],
                 recruits=["R1"], rosters={"RA": ["D D - - - - -"], "RB": ["- - - D D - -"]},
                 supervisors=[supervisor("V1", roster_id="RA", qualified="false"), supervisor("V2", roster_id="RB")],
                 absences=[absence("V2", "2026-08-17", "2026-08-21")],
                 weights={"alone_at_site": 0})
    result = solve_and_check(inst, expect=None, options=SolveOptions(time_limit=10, workers=1, whole_year_limit=0))
    assert supervisor_of(result, "R1", "vg1") == "V1"
    assert supervisor_of(result, "R1", "vg2") == vg2
    assert result.objective == objective
    assert count(result, "without_supervisor") == 0
    again = {p["phase"]: p["calendars_searched_again"] for p in result.kpis["phases"]}
    assert again == {"vg1": False, "vg2": research}


def test_roster_shift_missed(tmp_path):
    """Supervisors work D mon-fri (37.5 h); a 30 h cap leaves 4 shifts: 1 missed each, 2 x 3."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", max_hours_per_week=30)])
    result = solve_and_check(inst)
    assert costs(result) == {"roster_shift_missed": 6}


@pytest.mark.parametrize(("weight", "supervisor_id", "objective"), [(50, "V2", 10), (5, "V1", 5)])
def test_plan_change(tmp_path, weight, supervisor_id, objective):
    """Re-planning: the published plan had R1 with V2 at S2 (10 min). Keeping him costs 10
    travel; moving him to V1 at S1 (0 min) costs the plan_change weight."""
    inst = micro(tmp_path, phases=[WEEK], recruits=["R1"], travel={("R1", "S2"): 10},
                 weights={"plan_change": weight, "alone_at_site": 0}, **TWO_SITES)
    published = Plan(assignments=[Assignment("R1", "vg1", "V2", "W2", "S2", 10)])
    options = SolveOptions(time_limit=OPTIONS.time_limit, workers=1, seed=0, published=published)
    result = solve_and_check(inst, options=options)
    assert supervisor_of(result, "R1", "vg1") == supervisor_id
    assert result.objective == objective
    assert count(result, "plan_change") == (supervisor_id != "V2")


def test_breakdown_adds_up_on_the_tiny_instance():
    """instances/tiny: the goals' costs add up to the objective, each cost = weight x count."""
    inst = models.read(ROOT / "instances" / "tiny")
    result = solve_and_check(inst)
    assert sum(item["cost"] for item in result.breakdown.values()) == pytest.approx(result.objective)
    for item in result.breakdown.values():
        assert item["cost"] == pytest.approx(item["weight"] * item["count"])


def test_phases_are_optimised_together(tmp_path):
    """Two practice weeks, one recruit: V1 (10 min) is away all of the second week, V2 is 12
    min away. Staying with V2 throughout (24) beats V1 then V2 (10 + 12 + 15 change = 37)."""
    inst = micro(tmp_path, phases=[PRACTICE_WEEK, practice_phase("2026-04-20", "2026-04-26", id="rp2")],
                 recruits=["R1"], travel={("R1", "S1"): 10, ("R1", "S2"): 12},
                 absences=[absence("V1", "2026-04-20", "2026-04-26")], weights={"alone_at_site": 0},
                 **TWO_SITES)
    result = solve_and_check(inst)
    assert result.objective == 24

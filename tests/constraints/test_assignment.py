"""R1: each recruit has exactly one supervisor (one ward, one site) per phase, and his travel
time to that site is within his limit (his own ``max_travel_minutes``, else the rules')."""

from __future__ import annotations

import pytest

from tests.builders import (
    absence,
    assert_infeasible,
    costs,
    count,
    micro,
    practice_phase,
    practice_rows,
    recruit,
    solve_and_check,
    supervisor,
    supervisor_of,
    ward,
    weekly_phase,
)

WEEK = weekly_phase("2026-08-17", "2026-08-21")  # ISO week 34, five open school days


@pytest.mark.parametrize(("minutes", "feasible"), [(30, True), (31, False)])
def test_own_travel_limit(tmp_path, minutes, feasible):
    """R1 may travel at most his own 30 minutes; the only site is 30 or 31 minutes away."""
    inst = micro(tmp_path, phases=[WEEK], recruits=[recruit("R1", max_travel_minutes=30), "R2"],
                 travel={("R1", "S1"): minutes})
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    # the limit itself is allowed: 30 minutes of travel for R1 is the whole objective
    assert result.objective == 30
    assert costs(result) == {"travel": 30}


@pytest.mark.parametrize(("minutes", "feasible"), [(45, True), (46, False)])
def test_default_travel_limit_from_rules(tmp_path, minutes, feasible):
    """Without his own limit a recruit is held to [rules] max_travel_minutes (here 45)."""
    inst = micro(tmp_path, phases=[WEEK], rules={"max_travel_minutes": 45},
                 travel={("R2", "S1"): minutes})
    if feasible:
        assert solve_and_check(inst).objective == 45
    else:
        assert_infeasible(inst)


@pytest.mark.parametrize(("limit", "site", "objective"), [(None, "S2", 25), (20, "S1", 40)])
def test_travel_limit_changes_the_site(tmp_path, limit, site, objective):
    """R1 prefers site S2 (25 min away) to S1 (10 min). Without a limit he goes to S2 for 25;
    a 20-minute limit sends him to S1: 10 min travel + 30 for a site he does not prefer."""
    r1 = recruit("R1", preferred_sites="S2", max_travel_minutes=limit)
    inst = micro(
        tmp_path, phases=[WEEK], recruits=[r1, "R2"], sites=["S1", "S2"],
        wards=["W1", ward("W2", "S2")], supervisors=["V1", supervisor("V2", "W2")],
        travel={("R1", "S1"): 10, ("R1", "S2"): 25}, weights={"alone_at_site": 0},
    )
    result = solve_and_check(inst)
    assert [a.site_id for a in result.plan.assignments if a.recruit_id == "R1"] == [site]
    assert result.objective == objective


@pytest.mark.parametrize(("roster_v1", "without"), [("D D D - - - -", 0), ("D D - - - - -", 1)])
def test_one_supervisor_for_the_whole_phase(tmp_path, roster_v1, without):
    """One recruit, one full practice week, 3 shifts needed. V1 works mon-tue, V2 thu-fri.
    R1 cannot patch V1's and V2's shifts together: he follows one of them and works the
    third shift on D without supervisor (1 x 100). Control: V1 works mon-wed, all 3 with him."""
    inst = micro(
        tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19")], recruits=["R1"],
        supervisors=["V1", supervisor("V2", roster_id="RT")],
        rosters={"RD": [roster_v1], "RT": ["- - - D D - -"]}, weights={"alone_at_site": 0},
    )
    result = solve_and_check(inst)
    assert count(result, "without_supervisor") == without
    assert result.objective == 100 * without
    rows = practice_rows(result, "R1")
    assert len(rows) == 3
    assert {a.supervisor_id for a in rows} == {supervisor_of(result, "R1", "rp")}


def test_exactly_one_assignment_in_each_phase(tmp_path):
    """Two phases: each recruit gets exactly one assignment per phase, even when his
    supervisor of the first phase is away for all of the second (he changes once: 15)."""
    inst = micro(
        tmp_path, recruits=["R1"], weights={"alone_at_site": 0},
        phases=[practice_phase("2026-04-13", "2026-04-19"), WEEK],
        absences=[absence("V2", "2026-04-13", "2026-04-19"), absence("V1", "2026-08-17", "2026-08-21")],
    )
    result = solve_and_check(inst)
    assert sorted((a.phase_id, a.supervisor_id) for a in result.plan.assignments) == [
        ("rp", "V1"), ("vg1", "V2")]
    assert costs(result) == {"supervisor_change": 15}

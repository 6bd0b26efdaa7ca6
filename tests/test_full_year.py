"""Issue 5: mixed models and the whole cohort year on micro-instances.

* Mixed instances: classes on different models in one phase (classes.csv ``model``), and
  phases on different models (Vg1 weekly, Vg2 block).
* Individual recruit periods (D10): recruits.csv ``recruit_period_start`` /
  ``recruit_period_end`` replace the dates of the recruit period (the earliest phase of kind
  practice) for that recruit; his practice rows lie inside his own window and R10's minimum
  holds in every ISO week that lies wholly inside it.
* A summer job: a second phase of kind practice, in July, after the recruit period; the
  individual dates of the recruit period do not move it.

Every plan is solved with the builders' options (one worker, 10 s) and checked by the
independent validator (``solve_and_check``).
"""

from __future__ import annotations

from dataclasses import replace

from models import Status, iso_week
from models.kpis import kpis_of
from tests.builders import (
    OPTIONS,
    D,
    absence,
    block_phase,
    count,
    dates,
    in_week,
    klass,
    micro,
    practice_days,
    practice_phase,
    practice_rows,
    recruit,
    school_days,
    solve_and_check,
    supervisor,
    weekly_phase,
)

MON_TUE = {"RD": ["D D - - - - -"]}
"""Two roster shifts a week, one short of R10's minimum of 3."""


def _assigned(result, recruit_id):
    return sorted(a.phase_id for a in result.plan.assignments if a.recruit_id == recruit_id)


# ---- mixed models -----------------------------------------------------------------------
def test_weekly_and_block_class_in_one_phase(tmp_path):
    """One weekly phase of two full weeks; K1 keeps the weekly model, K2 is on the block
    model (classes.csv). Two teachers, so both can be taught on one date. K1 has 3 school
    days a week and R1 two consecutive weekday practice days a week; K2 (school blocks of one
    week) has one school week (all 5 days) and one practice week in which R2 follows the
    roster (no school)."""
    inst = micro(
        tmp_path,
        phases=[weekly_phase("2026-08-17", "2026-08-30", min_school_days=5, school_block_weeks=[1, 1])],
        classes=["K1", klass("K2", model="block")],
        teachers=["T1", "T2"],
        recruits=["R1", recruit("R2", class_id="K2")],
    )
    assert inst.model_of("K1", inst.phase["vg1"]) == "weekly"
    assert inst.model_of("K2", inst.phase["vg1"]) == "block"
    result = solve_and_check(inst)
    for week in (34, 35):
        weekly = in_week(school_days(result, "K1"), 2026, week)
        assert len(weekly) == 3
        r1 = in_week(practice_days(result, "R1"), 2026, week)
        assert len(r1) == 2 and (r1[1] - r1[0]).days == 1 and r1[0].weekday() < 5
        assert not set(r1) & set(weekly)
    kinds = []
    for week in (34, 35):
        block = in_week(school_days(result, "K2"), 2026, week)
        r2 = in_week(practice_days(result, "R2"), 2026, week)
        assert len(block) in (0, 5)
        if block:
            kinds.append("S")
            assert r2 == []
        else:
            kinds.append("P")
            assert len(r2) >= 3
    assert sorted(kinds) == ["P", "S"]


def test_vg1_weekly_then_vg2_block(tmp_path):
    """Vg1 (two weeks, weekly model) then Vg2 (two weeks, block model, 5 school days needed,
    the teacher away in week 37): weekly weeks of 3 school days and 2 practice days, then a
    whole school week 36 and a practice week 37 with at least 3 shifts and no school.
    Each recruit has one supervisor in each phase."""
    inst = micro(
        tmp_path,
        phases=[weekly_phase("2026-08-17", "2026-08-30", id="vg1"),
                block_phase("2026-08-31", "2026-09-13", id="vg2", min_school_days=5)],
        absences=[absence("T1", "2026-09-07", "2026-09-11")],
    )
    assert [inst.model_of("K1", p) for p in inst.phases] == ["weekly", "block"]
    result = solve_and_check(inst)
    days = school_days(result)
    for week in (34, 35):
        assert len(in_week(days, 2026, week)) == 3
        for r in ("R1", "R2"):
            assert len(in_week(practice_days(result, r), 2026, week)) == 2
    assert in_week(days, 2026, 36) == dates("2026-08-31", "2026-09-04")
    assert in_week(days, 2026, 37) == []
    for r in ("R1", "R2"):
        assert _assigned(result, r) == ["vg1", "vg2"]
        assert len(in_week(practice_days(result, r), 2026, 37)) >= 3
        assert in_week(practice_days(result, r), 2026, 36) == []


# ---- individual recruit periods ---------------------------------------------------------
def test_individual_recruit_period(tmp_path):
    """The recruit period runs mon 13 Apr .. sun 10 May 2026 (ISO weeks 16-19). R1's longer
    period starts wed 1 Apr, 12 days earlier (so week 14 is cut, week 15 is full for him);
    R2's ends wed 6 May (so week 19 is cut for him). Supervisors work D mon and tue only, so
    each full week of a recruit needs a 3rd shift without supervisor: weeks 15-19 for R1,
    16-18 for R2 (8 x 100). Every practice row lies inside the recruit's own window."""
    inst = micro(
        tmp_path,
        phases=[practice_phase("2026-04-13", "2026-05-10", id="rp")],
        recruits=[recruit("R1", recruit_period_start="2026-04-01"),
                  recruit("R2", recruit_period_end="2026-05-06")],
        rosters=MON_TUE,
    )
    rp = inst.phase["rp"]
    assert inst.recruit_phase_window("R1", rp) == (D("2026-04-01"), D("2026-05-10"))
    assert inst.recruit_phase_window("R2", rp) == (D("2026-04-13"), D("2026-05-06"))
    result = solve_and_check(inst)
    windows = {"R1": set(dates("2026-04-01", "2026-05-10")), "R2": set(dates("2026-04-13", "2026-05-06"))}
    full = {"R1": [15, 16, 17, 18, 19], "R2": [16, 17, 18]}
    for r, window in windows.items():
        rows = practice_rows(result, r)
        assert rows and {a.date for a in rows} <= window, r
        assert all(a.phase_id == "rp" for a in rows)
        per_week = {w: len(in_week([a.date for a in rows], 2026, w)) for w in range(14, 20)}
        for w, n in per_week.items():
            if w in full[r]:
                assert n == 3, (r, w, per_week)  # 2 with supervisor + 1 without
            else:
                assert n <= 2, (r, w, per_week)  # a cut week: no minimum
        without = [a for a in rows if not a.with_supervisor]
        assert sorted(iso_week(a.date)[1] for a in without) == full[r]
    # R1 works before the phase's own start: the Monday and Tuesday of week 15 (Easter Monday
    # 6 Apr is a public holiday, worked in a practice phase and counted as such)
    assert {D("2026-04-06"), D("2026-04-07")} <= set(practice_days(result, "R1"))
    assert kpis_of(inst, result.plan)["recruits"]["R1"]["holiday_shifts"] >= 1
    assert count(result, "without_supervisor") == 8
    assert result.objective == 800


def test_absences_before_the_phase_in_an_own_period_price_the_recruit_apart(tmp_path):
    """R1 and R2 share a recruit period that starts a week before the phase; R2 is away on
    two of its days (before the phase's own start). Each had been priced with the first
    one's absences (the profile counted absences over the phase's dates only), so the
    phase's bound was 1200 where the optimum is 1000 (a review's case). Without the
    whole-year model the phases' bound is the one seen."""
    inst = micro(tmp_path, phases=[practice_phase("2026-08-17", "2026-08-30", id="rp")],
                 recruits=[recruit("R1", recruit_period_start="2026-08-10"),
                           recruit("R2", recruit_period_start="2026-08-10")],
                 absences=[absence("R2", "2026-08-10", "2026-08-11")], rosters={"RD": ["D - - - - - -"]})
    result = solve_and_check(inst, Status.OPTIMAL, replace(OPTIONS, whole_year_limit=0))
    assert result.objective == 1000
    assert result.kpis["phases"][0]["bound"] == 1000  # not above the plan (solve_and_check checks it too)


def _next_door_or_away(tmp_path, phase_end: str, period_end: str, next_door: str, away_minutes: int):
    """A recruit period from 6 Apr 2026 to ``phase_end``; R1's own period from 12 Jan to
    ``period_end``, wholly before it. V1 on W1 (site S1, next door) works ``next_door``
    (one roster week), V2 on W2 (site S2, ``away_minutes`` away) works D monday to friday."""
    return micro(
        tmp_path,
        phases=[practice_phase("2026-04-06", phase_end, id="rp")],
        recruits=[recruit("R1", recruit_period_start="2026-01-12", recruit_period_end=period_end)],
        sites=["S1", "S2"],
        wards=[{"id": "W1", "site_id": "S1"}, {"id": "W2", "site_id": "S2"}],
        supervisors=[supervisor("V1", roster_id="RV1"), supervisor("V2", ward_id="W2")],
        rosters={"RV1": [next_door], "RD": ["D D D D D - -"]},
        travel={("R1", "S1"): 0, ("R1", "S2"): away_minutes},
    )


def test_a_recruit_period_outside_the_phase_dates_is_priced(tmp_path):
    """R1's period (12 Jan .. 27 Mar 2026) lies wholly before the phase's own dates (6 Apr ..
    26 Jun). V1, next door, works only night shifts, which the phase does not allow; V2 works
    days, 10 minutes away. The phase's own search (before any whole-year model) must see
    R1's days and take V2: with V1 every one of them would be without supervisor."""
    import time

    from scheduler.solve import SolveOptions, _Planner

    inst = _next_door_or_away(tmp_path, "2026-06-26", "2026-03-27", "N N N N N - -", 10)
    planner = _Planner(inst, SolveOptions(time_limit=10, workers=1), time.monotonic())
    searched = planner.search(inst.phase["rp"], 2000)
    assert searched.outcome.assignment == {"R1": "V2"}
    assert searched.outcome.bound == 10 * 10  # travel only (units of 0.1)
    result = solve_and_check(inst)
    assert [a.supervisor_id for a in result.plan.assignments] == ["V2"]
    assert count(result, "without_supervisor") == 0
    assert {a.date for a in practice_rows(result, "R1")} <= set(dates("2026-01-12", "2026-03-27"))


def test_hours_cap_holds_in_weeks_of_a_recruit_period_outside_the_phase(tmp_path):
    """R1's period starts a week before the phase (mon 30 Mar, phase from mon 6 Apr). His
    supervisor works six 7.5-hour day shifts a week, 45 h; R10 caps him at 37.5 h, so he
    follows five of them in every week, the week before the phase's own dates too (each
    missed roster shift costs, so the cap is what stops the sixth)."""
    inst = micro(
        tmp_path,
        phases=[practice_phase("2026-04-06", "2026-04-19", id="rp")],
        recruits=[recruit("R1", recruit_period_start="2026-03-30")],
        rosters={"RD": ["D D D D D D -"]},
    )
    result = solve_and_check(inst)
    per_week = {w: len(in_week(practice_days(result, "R1"), 2026, w)) for w in (14, 15, 16)}
    assert per_week == {14: 5, 15: 5, 16: 5}


def test_bound_and_score_agree_on_a_recruit_period_outside_the_phase(tmp_path):
    """R1's period (12 Jan .. 29 Mar) lies before the phase (6 .. 19 Apr). V1, next door,
    works six day shifts a week, of which the hours cap lets R1 follow five: one missed
    roster shift a week, on his own days outside the phase too. V2, 25 minutes away, works
    five. The phases' bound must stay at or below the cost of every valid plan, so the
    score counts those missed shifts as the model does: a plan with V1 costs 11 missed
    shifts, more than the bound."""
    import dataclasses

    from models import Plan
    from models.score import score
    from scheduler.solve import SolveOptions, solve
    from scheduler.validate import validate_plan

    inst = _next_door_or_away(tmp_path, "2026-04-19", "2026-03-29", "D D D D D D -", 25)
    phased = solve(inst, options=SolveOptions(time_limit=10, workers=1, seed=0, whole_year_limit=0))
    assert phased.plan is not None and validate_plan(inst, phased.plan) == []
    other = "V1" if phased.plan.assignments[0].supervisor_id == "V2" else "V2"
    ward, site = {"V1": ("W1", "S1"), "V2": ("W2", "S2")}[other]
    alt = Plan(
        assignments=[dataclasses.replace(a, supervisor_id=other, ward_id=ward, site_id=site,
                                         travel_minutes=inst.travel_minutes("R1", site))
                     for a in phased.plan.assignments],
        activities=[dataclasses.replace(a, supervisor_id=other, ward_id=ward, site_id=site)
                    for a in phased.plan.activities],
        class_days=list(phased.plan.class_days))
    if other == "V1":
        assert validate_plan(inst, alt) == []
        assert score(inst, alt).counts["roster_shift_missed"] == 11
    assert phased.best_bound <= min(phased.objective, score(inst, alt).total) + 1e-6
    assert solve_and_check(inst).objective == 45  # V2: travel 25 + alone at his site 20


def test_weekend_share_of_the_bound_counts_recruits_by_their_own_windows(tmp_path):
    """R1's period (16 .. 29 Mar) lies before the phase (6 .. 19 Apr); R2 has the phase's.
    Each may practise on weekends in his own window (the roster works every day), so neither
    is held to 0 weekend shifts: the bound adds no weekend-fairness share, and a plan of
    cost 0 is proven optimal (the share used to judge R1 by the phase's weekends alone,
    giving a phase bound above the plan)."""
    inst = micro(
        tmp_path,
        phases=[practice_phase("2026-04-06", "2026-04-19", id="rp", max_hours_per_week=60)],
        recruits=[recruit("R1", recruit_period_start="2026-03-16", recruit_period_end="2026-03-29"), "R2"],
        rosters={"RD": ["D D D D D D D"]},
    )
    result = solve_and_check(inst)
    assert result.objective == 0 and result.kpis["phases"][0]["bound"] == 0


def test_rest_holds_where_a_recruit_period_starts_right_after_an_earlier_phase(tmp_path):
    """A block week vg0 (23 .. 29 Mar, the teacher away, so a practice week: the roster's
    evening shifts on saturday and sunday end at 22:00) and the recruit period (13 .. 26 Apr),
    which starts for R1 and R2 on monday 30 Mar, when the roster has a day shift at 07:30:
    9.5 h after sunday's evening shift. Planned phase by phase (as large instances are), the
    recruit period must keep R9 against the earlier phase's last shifts at the start of the
    recruits' own window, not at the phase's own start (the plan used to fail the validator)."""
    from scheduler.solve import SolveOptions

    inst = micro(
        tmp_path,
        phases=[block_phase("2026-03-23", "2026-03-29", id="vg0"), practice_phase("2026-04-13", "2026-04-26", id="rp")],
        recruits=[recruit("R1", recruit_period_start="2026-03-30"), recruit("R2", recruit_period_start="2026-03-30")],
        rosters={"RX": ["D D D D - - -", "- - - - D A A"]},
        supervisors=[supervisor("V1", roster_id="RX"), supervisor("V2", roster_id="RX")],
        absences=[absence("T1", "2026-03-23", "2026-03-29")],
    )
    result = solve_and_check(inst, None, SolveOptions(time_limit=10, workers=1, seed=0, whole_year_limit=0))
    for r in ("R1", "R2"):
        assert D("2026-03-29") in practice_days(result, r)  # sunday's evening shift in vg0
        assert D("2026-03-30") not in practice_days(result, r)  # so no day shift on monday


def test_rest_holds_where_a_recruit_period_ends_right_before_a_later_phase(tmp_path):
    """R1's recruit period ends on sunday 16 Aug, the eve of vg1 (from monday 17 Aug), and
    the roster has an evening shift on sundays (to 22:00): 10.5 h before monday's school at
    08:30. R1 cannot practise on mondays, so his class is in school that monday. Planned
    phase by phase, the recruit period must keep R9 before vg1's school at the end of R1's own
    window, not at the phase's own end (the instance used to end INFEASIBLE)."""
    from scheduler.solve import SolveOptions

    inst = micro(
        tmp_path,
        phases=[practice_phase("2026-08-03", "2026-08-09", id="rp"), weekly_phase("2026-08-17", "2026-08-21", id="vg1")],
        recruits=[recruit("R1", recruit_period_end="2026-08-16", unavailable_weekdays="mon")],
        rosters={"RD": ["D D D D D D A"]},
    )
    result = solve_and_check(inst, None, SolveOptions(time_limit=10, workers=1, seed=0, whole_year_limit=0))
    assert result.plan is not None
    assert D("2026-08-17") in school_days(result) and D("2026-08-16") not in practice_days(result, "R1")


# ---- summer job ---------------------------------------------------------------------------
def test_summer_job_in_july_after_the_recruit_period(tmp_path):
    """The recruit period (June, two weeks), a summer job (kind practice, 6-19 July, with
    weekend shifts in the roster) and a week of Vg1. The summer job is a phase of its own:
    each recruit has a supervisor for it, at least 3 shifts in each of its full weeks, and
    nothing between the phases. R1's individual recruit period (earlier start, earlier end)
    moves only the recruit period, not the summer job."""
    inst = micro(
        tmp_path,
        phases=[practice_phase("2026-06-01", "2026-06-14", id="rp"),
                practice_phase("2026-07-06", "2026-07-19", id="summer"),
                weekly_phase("2026-08-17", "2026-08-23", id="vg1")],
        recruits=[recruit("R1", recruit_period_start="2026-05-25", recruit_period_end="2026-06-10"), "R2"],
        supervisors=[supervisor("V1"), supervisor("V2"), supervisor("V3", roster_id="RW")],
        rosters={"RD": ["D D D D D - -"], "RW": ["- - - D D D D"]},
    )
    assert inst.recruit_period_id == "rp"
    assert inst.recruit_phase_window("R1", inst.phase["summer"]) == (D("2026-07-06"), D("2026-07-19"))
    result = solve_and_check(inst)
    for r in ("R1", "R2"):
        assert _assigned(result, r) == ["rp", "summer", "vg1"]
        rows = practice_rows(result, r)
        summer = [a for a in rows if a.phase_id == "summer"]
        assert summer and all(D("2026-07-06") <= a.date <= D("2026-07-19") for a in summer)
        for week in (28, 29):
            assert len(in_week([a.date for a in summer], 2026, week)) >= 3
        gap = set(dates("2026-06-15", "2026-07-05")) | set(dates("2026-07-20", "2026-08-16"))
        assert not {a.date for a in rows} & gap
        assert all(a.phase_id == "rp" for a in rows if a.date <= D("2026-06-14"))
    assert {a.date for a in practice_rows(result, "R1") if a.phase_id == "rp"} <= set(
        dates("2026-05-25", "2026-06-10"))
    # someone works the weekend roster of V3 in the summer job: counted as weekend shifts
    counts = kpis_of(inst, result.plan)["recruits"]
    weekend = [a for r in ("R1", "R2") for a in practice_rows(result, r)
               if a.phase_id == "summer" and a.date.weekday() >= 5]
    assert sum(counts[r]["weekend_shifts"] for r in ("R1", "R2")) >= len(weekend)

"""R5, block model (D14): every week of the phase with an open school day is a school week
(school on every open day, no practice) or a practice week (no school; practice following
the roster, R10 with ``min_shifts_per_practice_week``); weeks without an open school day
are neither; blocks of equal weeks lie within ``school_block_weeks`` /
``practice_block_weeks`` except where a phase edge or a closed week cuts them.

A practice week is forced by taking the only teacher away for that week (no school is
possible), a school week by ``min_school_days``. Most tests set the weight of
``roster_shift_missed`` to 0: the model counts the roster shifts of school weeks as missed
(see ``test_school_week_misses_no_roster_shifts``), which would blur the numbers here.
"""

from __future__ import annotations

import pytest

from scheduler.explain import diagnose, explain_infeasible, render
from scheduler.explain.infeasible import feasible
from tests.builders import (
    D,
    absence,
    activity_days,
    assert_infeasible,
    block_phase,
    closure,
    count,
    dates,
    in_week,
    klass,
    micro,
    practice_days,
    practice_rows,
    recruit,
    school_days,
    solve_and_check,
    weekly_phase,
)

NO_MISSED = {"roster_shift_missed": 0}


def teacher_away(start, end):
    return absence("T1", start, end)


def _kinds(result, weeks):
    """'S' or 'P' for each (year, week): school week or practice week of class K1."""
    out = ""
    for year, week in weeks:
        school = in_week(school_days(result), year, week)
        out += "S" if school else "P"
    return out


def test_school_weeks_are_whole_and_practice_weeks_have_no_school(tmp_path):
    """Control: three weeks, 10 school days needed, school blocks of at most 2 weeks: two
    school weeks with school on all five days and no practice, one practice week with 3
    shifts each and no school; no cost. (With longer school blocks allowed, three school
    weeks would cost nothing too: school weeks have no practice to miss.)"""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-06", min_school_days=10,
                                               school_block_weeks=[1, 2])],
                 weights=NO_MISSED)
    result = solve_and_check(inst)
    assert result.objective == 0
    weeks = [(2026, 34), (2026, 35), (2026, 36)]
    assert sorted(_kinds(result, weeks)) == ["P", "S", "S"]
    for year, week in weeks:
        school = in_week(school_days(result), year, week)
        assert len(school) in (0, 5)
        for r in ("R1", "R2"):
            practice = in_week(practice_days(result, r), year, week)
            assert (len(practice) >= 3) if not school else (practice == [])


@pytest.mark.parametrize(("practice_weeks", "feasible"), [([2, 3], False), ([1, 3], True)])
def test_practice_block_min_length(tmp_path, practice_weeks, feasible):
    """The teacher is away in the middle week and 10 school days are needed: school, practice,
    school. The one-week practice block touches neither phase edge, so it must be allowed by
    practice_block_weeks: [2, 3] makes the instance infeasible, [1, 3] does not."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-06", min_school_days=10,
                                               practice_block_weeks=practice_weeks)],
                 absences=[teacher_away("2026-08-24", "2026-08-28")], weights=NO_MISSED)
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert _kinds(result, [(2026, 34), (2026, 35), (2026, 36)]) == "SPS"


@pytest.mark.parametrize(("school_weeks", "feasible"), [([1, 2], False), ([1, 3], True)])
def test_school_block_max_length(tmp_path, school_weeks, feasible):
    """Five weeks; the teacher is away in the first and last, 15 school days are needed: the
    three middle weeks form one school block, too long for school_block_weeks [1, 2]."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-20", min_school_days=15,
                                               school_block_weeks=school_weeks)],
                 absences=[teacher_away("2026-08-17", "2026-08-21"), teacher_away("2026-09-14", "2026-09-18")],
                 weights=NO_MISSED)
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert _kinds(result, [(2026, w) for w in range(34, 39)]) == "PSSSP"


def test_school_block_at_the_phase_edge_keeps_the_max(tmp_path):
    """SPEC R5: a phase edge *cuts* a block, so it may be shorter than the minimum, never
    longer than the maximum: four weeks of school (20 school days needed) with
    school_block_weeks [1, 2] are infeasible. (D14 and the validator exempt a block that
    touches the phase edge from both bounds: they would accept this plan.)"""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=20,
                                               school_block_weeks=[1, 2])], weights=NO_MISSED)
    assert_infeasible(inst)


@pytest.mark.parametrize(("week_36", "feasible"), [("closed", True), ("teacher away", False)])
def test_closed_week_cuts_blocks(tmp_path, week_36, feasible):
    """Five weeks, the teacher away in the first and last (practice weeks), school blocks of
    exactly 3 weeks, 10 school days: weeks 35 and 37 are school weeks. If week 36 is closed
    (autumn break) it cuts them into two one-week blocks, which is allowed, and nobody is
    busy in it; if week 36 is only a practice week (teacher away), the one-week school blocks
    break the bounds: infeasible."""
    away = [teacher_away("2026-08-17", "2026-08-21"), teacher_away("2026-09-14", "2026-09-18")]
    closures = []
    if week_36 == "closed":
        closures.append(closure("2026-08-31", "2026-09-04", reason="Høstferie"))
    else:
        away.append(teacher_away("2026-08-31", "2026-09-04"))
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-20", min_school_days=10,
                                               school_block_weeks=[3, 3])],
                 absences=away, closures=closures, weights=NO_MISSED)
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert [w for w in range(34, 39) if in_week(school_days(result), 2026, w)] == [35, 37]
    for r in ("R1", "R2"):
        assert not set(activity_days(result, r)) & set(dates("2026-08-31", "2026-09-06"))


@pytest.mark.parametrize(("closed", "school_weeks", "expect"), [
    (False, [3, 3], "three weeks"),  # control: SSSP or PSSS give 15 days
    (True, [3, 3], None),            # week 35 open on friday only: 3 school weeks give 11 days
    (True, [3, 4], "SSSS"),          # the school block stretches to 4 weeks (16 days)
])
def test_closed_days_force_a_longer_school_block(tmp_path, closed, school_weeks, expect):
    """Four weeks (34-37), 15 school days needed, practice blocks of at least 2 weeks inside
    the phase. With week 35 closed mon-thu (autumn break; open on friday only) no three
    consecutive school weeks reach 15 days and a middle practice week would be a one-week
    block, so the school block must cover all four weeks: infeasible with blocks of at most
    3 weeks, a 4-week block when 4 are allowed."""
    closures = [closure("2026-08-24", "2026-08-27", reason="Høstferie")] if closed else []
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=15,
                                               school_block_weeks=school_weeks, practice_block_weeks=[2, 4])],
                 closures=closures, weights=NO_MISSED)
    if expect is None:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    kinds = _kinds(result, [(2026, w) for w in range(34, 38)])
    if expect == "SSSS":
        assert kinds == "SSSS"
        assert len(school_days(result)) == 16
        assert D("2026-08-24") not in school_days(result) and D("2026-08-28") in school_days(result)
        for r in ("R1", "R2"):
            assert practice_days(result, r) == []
    else:
        assert kinds in ("SSSP", "PSSS")
        assert len(school_days(result)) == 15


def test_phase_too_short_for_min_school_days_is_explained(tmp_path):
    """R11: a two-week block phase has at most 10 school days; 15 are needed. The solver
    proves it infeasible and the diagnosis names R11, the phase and its row."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-08-30", min_school_days=15)],
                 weights=NO_MISSED)
    assert_infeasible(inst)
    (finding,) = [f for f in diagnose(inst, 10) if f.fatal]
    text = "\n".join(render([finding]))
    assert "R11" in finding.rule, text
    assert "vg2" in finding.message and "min_school_days is 15" in finding.message, text
    assert "at most 10" in finding.message, text
    assert any(row.startswith("instance.toml line") for row in finding.rows), text


def test_practice_week_with_too_few_possible_shifts_is_explained(tmp_path):
    """The roster gives 2 shifts (mon, tue) in the one practice week (the teacher is away),
    and R1 cannot practise wed-sun, so no D without supervisor can make up the 3rd shift:
    infeasible, and the diagnosis names R10 and R1's row."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-24", "2026-08-30")], rosters={"RD": ["D D - - - - -"]},
                 recruits=[recruit("R1", unavailable_weekdays="wed;thu;fri;sat;sun"), "R2"],
                 absences=[teacher_away("2026-08-24", "2026-08-28")], weights=NO_MISSED)
    assert_infeasible(inst)
    fatal = [f for f in diagnose(inst, 10) if f.fatal]
    text = "\n".join(render(fatal))
    assert any("R10" in f.rule and "min_shifts_per_practice_week" in f.message
               and "recruits.csv line 2" in f.rows for f in fatal), text


def test_block_rules_can_be_added_without_the_school_week_rule(tmp_path):
    """The diagnosis drops rule families one by one: the block lengths and practice weeks
    must build without ``add_block_weeks`` (they once raised KeyError on week_school). Here
    5 shifts of at least 7.5 h cannot fit into 30 h: the diagnosis names R10, not a crash."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", school_block_weeks=[1, 1],
                                               min_shifts_per_practice_week=5,
                                               max_hours_per_week=30)])
    assert feasible(inst, ["add_block_lengths"]) is True
    (f,) = explain_infeasible(inst, 10)
    assert "R10" in f.rule and "at least 5 shifts" in f.message, f.message


@pytest.mark.parametrize(("start", "end", "away", "without"), [
    ("2026-08-17", "2026-08-30", ("2026-08-24", "2026-08-28"), 2),  # practice week 35 is full
    ("2026-08-19", "2026-08-30", ("2026-08-19", "2026-08-21"), 0),  # first week starts wed
    ("2026-08-17", "2026-08-28", ("2026-08-24", "2026-08-28"), 0),  # last week ends fri
])
def test_practice_week_min_shifts(tmp_path, start, end, away, without):
    """The roster gives too few shifts: supervisors work D mon and tue only; one week is a
    practice week. When all its seven days lie in the phase, each recruit needs a 3rd
    shift, on D without supervisor (2 x 100);
    a practice week cut by the phase start or end has no minimum."""
    inst = micro(tmp_path, phases=[block_phase(start, end)], rosters={"RD": ["D D - - - - -"]},
                 absences=[teacher_away(*away)], weights=NO_MISSED)
    result = solve_and_check(inst)
    assert count(result, "without_supervisor") == without
    assert result.objective == 100 * without


def test_practice_week_max_hours(tmp_path):
    """Supervisors work L (12.25 h) every day; week 34 is the school week (5 school days
    needed), and in practice week 35 the 37.5 h allow 3 L each (36.75 h)."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-08-30", min_school_days=5)],
                 rosters={"RD": ["L L L L L L L"]},
                 absences=[teacher_away("2026-08-24", "2026-08-28")], weights=NO_MISSED)
    result = solve_and_check(inst)
    assert result.objective == 0
    for r in ("R1", "R2"):
        rows = practice_rows(result, r)
        assert [a.shift_code for a in rows] == ["L"] * 3 and all(a.with_supervisor for a in rows)


@pytest.mark.parametrize("practice_week", [20, 21])
def test_week_with_a_public_holiday(tmp_path, practice_week):
    """Weeks 20 (thu 14 May, Ascension) and 21; the teacher is away in one of them. A school
    week 20 has school on all four open days, not on the holiday; a practice week 20 has no
    practice on it either."""
    away = ("2026-05-11", "2026-05-15") if practice_week == 20 else ("2026-05-18", "2026-05-22")
    inst = micro(tmp_path, phases=[block_phase("2026-05-11", "2026-05-24", min_school_days=4)],
                 absences=[teacher_away(*away)], weights=NO_MISSED)
    result = solve_and_check(inst)
    if practice_week == 21:
        assert school_days(result) == [D("2026-05-11"), D("2026-05-12"), D("2026-05-13"), D("2026-05-15")]
    else:
        assert school_days(result) == dates("2026-05-18", "2026-05-22")
    for r in ("R1", "R2"):
        assert D("2026-05-14") not in activity_days(result, r)


@pytest.mark.parametrize(("practice_weeks", "feasible"), [([1, 5], True), ([2, 5], False)])
def test_week_53_is_one_block_week(tmp_path, practice_weeks, feasible):
    """2026-W52 (open mon-thu), 2026-W53 (28 Dec .. 3 Jan, open mon-thu) and 2027-W01. With
    the teacher away in week 53 and 9 school days needed, the pattern is school, practice,
    school: week 53 is one practice week across the new year (so a one-week middle block,
    infeasible with practice blocks of at least 2). Nobody works on New Year's Day."""
    inst = micro(tmp_path, phases=[block_phase("2026-12-21", "2027-01-10", min_school_days=9,
                                               practice_block_weeks=practice_weeks)],
                 absences=[teacher_away("2026-12-28", "2026-12-31")], weights=NO_MISSED)
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert _kinds(result, [(2026, 52), (2026, 53), (2027, 1)]) == "SPS"
    for r in ("R1", "R2"):
        days = practice_days(result, r)
        assert len(days) >= 3 and all(D("2026-12-28") <= d <= D("2027-01-03") for d in days)
        assert D("2027-01-01") not in days


def test_class_model_overrides_the_phase(tmp_path):
    """classes.csv model = block turns a weekly phase into whole school and practice weeks
    (school blocks of one week, so one of the two weeks is a practice week)."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-30", min_school_days=5,
                                                school_block_weeks=[1, 1])],
                 classes=[klass("K1", model="block")], weights=NO_MISSED)
    result = solve_and_check(inst)
    assert sorted(_kinds(result, [(2026, 34), (2026, 35)])) == ["P", "S"]
    assert len(school_days(result)) == 5


def test_school_week_misses_no_roster_shifts(tmp_path):
    """Two weeks with the default weights, 5 school days needed, the teacher away in week 35:
    week 34 is a school week, week 35 a practice week in which both recruits follow all 5
    roster shifts (37.5 h). Nothing is missed: the plan should cost 0."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-08-30", min_school_days=5)],
                 absences=[teacher_away("2026-08-24", "2026-08-28")])
    result = solve_and_check(inst)
    assert count(result, "roster_shift_missed") == 0
    assert result.objective == 0


def test_two_block_classes_are_staggered_when_one_teacher_cannot_carry_both(tmp_path):
    """Issue 5: two block-model classes share one teacher who teaches five days a week, so
    the two cannot be in school in the same week (R7): the planner staggers their blocks.
    Four weeks, 10 school days each: each class has two school weeks, never the same."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=10,
                                               school_block_weeks=[1, 2], practice_block_weeks=[1, 2])],
                 classes=["K1", "K2"], recruits=["R1", recruit("R2", class_id="K2")], weights=NO_MISSED)
    result = solve_and_check(inst, expect=None)
    weeks = [(2026, w) for w in range(34, 38)]
    k1, k2 = _kinds(result, weeks), "".join(
        "S" if in_week(school_days(result, "K2"), y, w) else "P" for y, w in weeks)
    assert k1.count("S") == 2 and k2.count("S") == 2
    assert all(not (a == b == "S") for a, b in zip(k1, k2, strict=True))


# ---- long_school_block (D21): school weeks beyond the shortest block --------------------------
def test_a_forced_long_school_block_costs_per_recruit_and_week(tmp_path):
    """Four weeks, 15 school days (three school weeks), school blocks of 2-4 weeks and
    practice blocks of at least 2: the three school weeks must be one block (a one-week
    practice block may only sit at the phase edge), one week beyond the shortest of 2. Each
    of the two recruits counts it once: 2 x the default weight of 100."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=15,
                                               school_block_weeks=[2, 4], practice_block_weeks=[2, 4])],
                 weights=NO_MISSED)
    result = solve_and_check(inst)
    assert _kinds(result, [(2026, w) for w in range(34, 38)]) in ("SSSP", "PSSS")
    assert count(result, "long_school_block") == 2
    assert result.objective == 200
    assert {r: costs["long_school_block"] for r, costs in result.per_recruit.items()} == {"R1": 100.0, "R2": 100.0}


@pytest.mark.parametrize(("weight", "kinds", "objective"), [
    (0, ["SS-SSS"], 0),       # school weeks cost nothing: all five open weeks in school
    (150, ["SP-SSS", "SS-SPS"], 500),  # not SS-SSP (200 if the holiday ended the school block)
])
def test_a_holiday_does_not_end_a_long_school_stretch(tmp_path, weight, kinds, objective):
    """D21 counts school weeks in a row without practice, a holiday skipped. Six weeks, the
    third closed, 20 school days, school blocks of 2-4 and practice blocks of 1-4; the
    roster has two shifts a week and a practice week needs three, so a practice week costs
    each recruit a day without supervisor (2 x 100), and three in the week after the
    holiday, when both supervisors are away (600). R5 lets the holiday cut the blocks, so
    ``SS-SSP`` would cost only its last practice week (200) if the holiday also ended the
    school stretch; but it is four school weeks in a row, two beyond the shortest block
    (2 x 2 x 150 = 600, 800 in all). The optimum breaks the stretch at three weeks:
    ``SP-SSS`` or ``SS-SPS``, one week beyond the shortest (300) and a practice week (200)."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-27", min_school_days=20,
                                               school_block_weeks=[2, 4], practice_block_weeks=[1, 4])],
                 rosters={"RD": ["D D - - - - -"]}, closures=[closure("2026-08-31", "2026-09-04", reason="Høstferie")],
                 absences=[absence("V1", "2026-09-07", "2026-09-13"), absence("V2", "2026-09-07", "2026-09-13")],
                 weights={**NO_MISSED, "long_school_block": weight})
    result = solve_and_check(inst)
    weeks = [(2026, w) for w in range(34, 40)]
    got = _kinds(result, weeks)
    assert got[2] == "P" and got[:2] + "-" + got[3:] in kinds  # week 36 is closed: no school
    assert result.objective == objective
    # recruit-weeks beyond the shortest block: SS-SSS is five in a row, three beyond (x 2)
    assert count(result, "long_school_block") == (2 if weight else 6)


@pytest.mark.parametrize(("weight", "kinds", "objective"), [
    (0, ["SSSS"], 0),             # school weeks cost nothing: all four weeks in school (the old optimum)
    (150, ["SSPS", "SPSS"], 200),  # one practice week; the phase edge cuts the one-week school block
])
def test_long_school_blocks_change_the_optimum(tmp_path, weight, kinds, objective):
    """Four weeks, 10 school days, school blocks of 2-4 weeks. The supervisors' roster has two
    shifts a week, so each practice week costs each recruit one day without supervisor (100).
    Without the goal, four school weeks cost nothing. With 150 per recruit and week beyond the
    shortest block, four school weeks cost 2 x 2 x 150 = 600, three in a row 300 + 200; a
    practice week between a two-week block and a one-week block at the phase edge (which R5
    lets be short) costs 200 and nothing beyond the shortest block: the optimum."""
    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=10,
                                               school_block_weeks=[2, 4], practice_block_weeks=[1, 4])],
                 rosters={"RD": ["D D - - - - -"]}, weights={**NO_MISSED, "long_school_block": weight})
    result = solve_and_check(inst)
    assert _kinds(result, [(2026, w) for w in range(34, 38)]) in kinds
    assert result.objective == objective


@pytest.mark.parametrize(("weight", "kinds", "objective"), [
    (0, ["SSSS"], 0),
    (150, ["SSPS", "SPSS"], 200),
])
def test_the_day_model_counts_long_school_blocks_itself(tmp_path, weight, kinds, objective):
    """The CP-SAT day model alone, calendars free (as when the planner's calendars fail, and
    in the whole-year model): it must price long blocks itself to find the optimum of
    ``test_long_school_blocks_change_the_optimum``, and its objective is the plan's score."""
    from models.score import score
    from scheduler.solve import SolveOptions, _run, build

    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=10,
                                               school_block_weeks=[2, 4], practice_block_weeks=[1, 4])],
                 rosters={"RD": ["D D - - - - -"]}, weights={**NO_MISSED, "long_school_block": weight})
    opts = SolveOptions(time_limit=10, workers=1)
    run = _run(build(inst, opts), opts, 10.0, 5.0, 0.0)
    assert run.plan is not None and run.status.value == "OPTIMAL"
    assert run.objective == objective == score(inst, run.plan).total
    weeks = {c.date.isocalendar()[1] for c in run.plan.class_days}
    assert "".join("S" if w in weeks else "P" for w in range(34, 38)) in kinds


def test_the_day_model_skips_a_holiday_in_a_school_stretch(tmp_path):
    """The CP-SAT day model alone on ``test_a_holiday_does_not_end_a_long_school_stretch``
    (weight 150): its long-week variables run across the closed week, so it finds the same
    optimum (500, ``SP-SSS`` or ``SS-SPS``), and its objective is the plan's score."""
    from models.score import score
    from scheduler.solve import SolveOptions, _run, build

    inst = micro(tmp_path, phases=[block_phase("2026-08-17", "2026-09-27", min_school_days=20,
                                               school_block_weeks=[2, 4], practice_block_weeks=[1, 4])],
                 rosters={"RD": ["D D - - - - -"]}, closures=[closure("2026-08-31", "2026-09-04", reason="Høstferie")],
                 absences=[absence("V1", "2026-09-07", "2026-09-13"), absence("V2", "2026-09-07", "2026-09-13")],
                 weights={**NO_MISSED, "long_school_block": 150})
    opts = SolveOptions(time_limit=10, workers=1)
    run = _run(build(inst, opts), opts, 10.0, 5.0, 0.0)
    assert run.plan is not None and run.status.value == "OPTIMAL"
    assert run.objective == 500 == score(inst, run.plan).total
    weeks = {c.date.isocalendar()[1] for c in run.plan.class_days}
    assert "".join("S" if w in weeks else "P" for w in range(34, 40)) in ("SPPSSS", "SSPSPS")

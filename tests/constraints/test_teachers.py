"""R7: every class school day has a teacher of its school who teaches on that weekday and is
not absent; no teacher exceeds ``max_days_per_week`` nor teaches two groups on one date."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.builders import (
    absence,
    assert_infeasible,
    micro,
    recruit,
    school_days,
    solve_and_check,
    teacher,
    weekdays,
    weekly_phase,
)

WEEK = weekly_phase("2026-08-17", "2026-08-21")  # ISO week 34, five open school days


@pytest.mark.parametrize("with_t2", [False, True])
def test_teacher_weekdays(tmp_path, with_t2):
    """T1 teaches only mon and tue: a full week needs 3 school days, so without T2 (wed) the
    week is infeasible; with him the class is in school exactly mon-wed."""
    teachers = [teacher("T1", "mon;tue")] + ([teacher("T2", "wed")] if with_t2 else [])
    inst = micro(tmp_path, phases=[WEEK], teachers=teachers)
    if not with_t2:
        why = assert_infeasible(inst).explanation[0]
        # the rules the week's calendar search could not keep together (no partner class: no R6)
        assert ("week 2026-W34: no school-day calendar of its classes keeps 3 school days in a full week (R4) "
                "and the teachers (R7)") in why
        return
    result = solve_and_check(inst)
    assert [(weekdays([c.date])[0], c.teacher_id) for c in result.plan.class_days] == [
        ("mon", "T1"), ("tue", "T1"), ("wed", "T2")]


@pytest.mark.parametrize(("away", "feasible"), [("2026-08-18", True), ("2026-08-19", False)])
def test_absent_teacher(tmp_path, away, feasible):
    """The only teacher is away from monday to tuesday (school wed-fri) or to wednesday (two
    days left for three school days: infeasible)."""
    inst = micro(tmp_path, phases=[WEEK], absences=[absence("T1", "2026-08-17", away)])
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert weekdays(school_days(result)) == ["wed", "thu", "fri"]


@pytest.mark.parametrize("with_t2", [False, True])
def test_teacher_max_days_per_week(tmp_path, with_t2):
    """T1 teaches at most 2 days a week: alone he cannot give 3 school days; with T2 (at most
    1 day) he teaches 2 of them in each of the two weeks."""
    teachers = [teacher("T1", max_days_per_week=2)] + ([teacher("T2", max_days_per_week=1)] if with_t2 else [])
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-28")], teachers=teachers)
    if not with_t2:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    per_week = Counter((c.teacher_id, c.date.isocalendar()[1]) for c in result.plan.class_days)
    assert per_week == {("T1", 34): 2, ("T2", 34): 1, ("T1", 35): 2, ("T2", 35): 1}


@pytest.mark.parametrize("teachers", [1, 2])
def test_one_group_a_date(tmp_path, teachers):
    """Two classes (not partners) with 3 school days each use 6 class days in 5 weekdays, so
    one date has both in school: one teacher cannot teach both groups (infeasible); with two
    teachers no teacher has two classes on a date."""
    inst = micro(
        tmp_path, phases=[WEEK], classes=["K1", "K2"], teachers=[teacher(f"T{i + 1}") for i in range(teachers)],
        recruits=["R1", recruit("R2", class_id="K2")],
    )
    if teachers == 1:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    per_date = Counter((c.teacher_id, c.date) for c in result.plan.class_days)
    assert max(per_date.values()) == 1
    assert set(school_days(result, "K1")) & set(school_days(result, "K2"))


def test_teacher_of_another_school_does_not_count(tmp_path):
    """A teacher of school SK2 cannot teach class K1 of SK1."""
    inst = micro(tmp_path, phases=[WEEK], schools=["SK1", "SK2"], teachers=[teacher("T1", school_id="SK2")])
    assert_infeasible(inst)

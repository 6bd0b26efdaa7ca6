"""R3: school only inside an alternation phase, never on a closure, a public holiday or a
weekend, and the class in school as a whole. R11: ``min_school_days`` per class and phase."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.builders import (
    D,
    absence,
    assert_infeasible,
    closure,
    costs,
    dates,
    klass,
    micro,
    practice_phase,
    recruit,
    school,
    school_days,
    solve_and_check,
    weekly_phase,
)

TWO_WEEKS = ("2026-08-17", "2026-08-28")  # ISO weeks 34 and 35, ten open school days


@pytest.mark.parametrize(("minimum", "feasible"), [(6, True), (7, False)])
def test_min_school_days(tmp_path, minimum, feasible):
    """R11: two full weeks give exactly 3 + 3 = 6 school days (R4), so 7 cannot be met."""
    inst = micro(tmp_path, phases=[weekly_phase(*TWO_WEEKS, min_school_days=minimum)])
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert len(school_days(result)) == 6
    assert result.objective == 0


@pytest.mark.parametrize(("school_id", "minimum", "feasible"), [
    ("", 5, True),  # closed wed-fri of week 35: at most 3 + 2 school days
    ("", 6, False),
    ("SK2", 6, True),  # another school's closure does not close SK1
])
def test_closure_has_no_school(tmp_path, school_id, minimum, feasible):
    """R3 + R11: a closure wed-fri 26-28 Aug leaves mon-tue of week 35 open. The class reaches
    5 school days only with school on both of them; 6 would need a closed day."""
    inst = micro(
        tmp_path, phases=[weekly_phase(*TWO_WEEKS, min_school_days=minimum)],
        schools=["SK1", "SK2"], closures=[closure("2026-08-26", "2026-08-28", school_id=school_id)],
    )
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    if school_id == "":
        assert not set(school_days(result)) & set(dates("2026-08-26", "2026-08-28"))
        assert [d for d in school_days(result) if d >= D("2026-08-24")] == [D("2026-08-24"), D("2026-08-25")]
        # week 35 is short (mon, tue open) and both are school days: each recruit leaves
        # the 2 practice days of the week unused (2 recruits x 2 days x 5)
        assert costs(result) == {"short_week_unused": 20}
    else:
        assert costs(result) == {}


def test_no_school_on_whit_monday(tmp_path):
    """R3: Whit Monday (2026-05-25) is a public holiday: week 22 has four open days; with
    min_school_days 6 the class has 3 school days in each week, none on the holiday."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-05-25", "2026-06-05", min_school_days=6)])
    result = solve_and_check(inst)
    days = school_days(result)
    assert len(days) == 6 and D("2026-05-25") not in days
    assert all(d.weekday() < 5 for d in days)


def test_school_only_in_alternation_phases_on_weekdays(tmp_path):
    """R3: a practice week, then an alternation phase that starts and ends on a weekend day
    (sat 15 Aug .. sun 23 Aug): school only in the alternation phase, on weekdays."""
    inst = micro(tmp_path, phases=[practice_phase("2026-08-03", "2026-08-09"),
                                   weekly_phase("2026-08-15", "2026-08-23", min_school_days=3)])
    result = solve_and_check(inst)
    days = school_days(result)
    assert len(days) == 3
    assert all(D("2026-08-17") <= d <= D("2026-08-21") for d in days)
    assert not [a for a in result.plan.activities if a.activity == "school" and a.phase_id == "rp"]


def test_class_is_in_school_as_a_whole(tmp_path):
    """R3: on every school day of K1 both recruits are in school, except R1 on the day he is
    absent (D3). Neither recruit can practise thu/fri, so R2's two practice days, and with
    them the class's two free days, fall on mon-wed (R1, absent that week, is held only to
    "at most"): thu 27 Aug is a school day, and R1 is away."""
    inst = micro(
        tmp_path, phases=[weekly_phase(*TWO_WEEKS, min_school_days=6)],
        recruits=[recruit("R1", unavailable_weekdays="thu;fri"), recruit("R2", unavailable_weekdays="thu;fri")],
        absences=[absence("R1", "2026-08-27")],
    )
    result = solve_and_check(inst)
    days = school_days(result)
    assert D("2026-08-27") in days  # thu and fri are school days: R1 cannot practise then
    rows = {(a.recruit_id, a.date) for a in result.plan.activities if a.activity == "school"}
    assert {d for (r, d) in rows if r == "R2"} == set(days)
    assert {d for (r, d) in rows if r == "R1"} == set(days) - {D("2026-08-27")}


def test_school_day_window_of_the_class(tmp_path):
    """D3: school rows run on the class's own school day (09:00-14:00), not the rules'."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")],
                 classes=[klass("K1", school_day_start="09:00", school_day_end="14:00")])
    result = solve_and_check(inst)
    rows = [a for a in result.plan.activities if a.activity == "school"]
    assert len(rows) == 6
    assert all((a.start.time(), a.end.time()) == (datetime(1, 1, 1, 9).time(), datetime(1, 1, 1, 14).time())
               for a in rows)


def test_school_of_another_class_is_independent(tmp_path):
    """A second class at another school with its own recruit has its own school days."""
    inst = micro(
        tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")],
        schools=["SK1", school("SK2")], classes=["K1", klass("K2", "SK2")],
        teachers=["T1", {"id": "T2", "school_id": "SK2"}],
        recruits=["R1", recruit("R2", class_id="K2")],
    )
    result = solve_and_check(inst)
    assert len(school_days(result, "K1")) == 3 and len(school_days(result, "K2")) == 3
    teachers = {c.class_id: {c.teacher_id} for c in result.plan.class_days}
    assert teachers == {"K1": {"T1"}, "K2": {"T2"}}


def test_a_class_without_recruits_gets_its_school_days_and_takes_teacher_days(tmp_path):
    """D22: K2 has no recruits but is planned as a class (R4, R11), so it takes teacher
    days: one teacher teaches one group a date (R7), five dates a week, too few for the
    3 + 3 school days of K1 and K2; with a second teacher both classes have theirs."""
    def two_classes(path, teachers):
        return micro(path, phases=[weekly_phase("2026-08-17", "2026-08-21", min_school_days=3)],
                     classes=["K1", "K2"], teachers=teachers, recruits=["R1"])

    result = solve_and_check(two_classes(tmp_path / "two", ["T1", "T2"]))
    assert len(school_days(result, "K1")) == 3 and len(school_days(result, "K2")) == 3
    assert_infeasible(two_classes(tmp_path / "one", ["T1"]))

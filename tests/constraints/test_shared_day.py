"""R6: partner classes (``shared_day_with``) share exactly one school day in each week where
both have three school days, taught together by one teacher (``joint_with`` on both rows)."""

from __future__ import annotations

import pytest

from tests.builders import (
    assert_infeasible,
    in_week,
    klass,
    micro,
    recruit,
    school_days,
    solve_and_check,
    teacher,
    weekdays,
    weekly_phase,
)

PARTNERS = [klass("K1", shared_day_with="K2"), klass("K2", shared_day_with="K1")]
STRANGERS = ["K1", "K2"]


def _instance(tmp_path, classes, r2_unavailable, teachers=None, end="2026-08-21"):
    """R1 (K1) cannot practise mon-wed, so K1 is in school mon-wed; R2 (K2) as given."""
    return micro(
        tmp_path, phases=[weekly_phase("2026-08-17", end)], classes=classes,
        recruits=[recruit("R1", unavailable_weekdays="mon;tue;wed"),
                  recruit("R2", class_id="K2", unavailable_weekdays=r2_unavailable)],
        teachers=teachers,
    )


def test_partners_share_one_day_with_one_teacher(tmp_path):
    """K1 is in school mon-wed and K2 (R2 cannot practise wed-fri) wed-fri: wednesday is
    their joint day, marked on both rows, with the one teacher T1, who teaches 5 dates."""
    result = solve_and_check(_instance(tmp_path, PARTNERS, "wed;thu;fri"))
    assert weekdays(school_days(result, "K1")) == ["mon", "tue", "wed"]
    assert weekdays(school_days(result, "K2")) == ["wed", "thu", "fri"]
    rows = {(c.class_id, c.date.weekday()): c for c in result.plan.class_days}
    assert rows[("K1", 2)].joint_with == "K2" and rows[("K2", 2)].joint_with == "K1"
    assert rows[("K1", 2)].teacher_id == rows[("K2", 2)].teacher_id == "T1"
    assert [c for c in result.plan.class_days if c.date.weekday() != 2 and c.joint_with] == []
    assert result.objective == 0


@pytest.mark.parametrize(("classes", "feasible"), [(PARTNERS, False), (STRANGERS, True)])
def test_partners_cannot_share_three_days(tmp_path, classes, feasible):
    """R2, like R1, cannot practise mon-wed, so both classes must be in school mon-wed:
    three common days. Partner classes must share exactly one: infeasible. Control: the
    same classes without shared_day_with, each with its own teacher, are fine."""
    inst = _instance(tmp_path, classes, "mon;tue;wed", teachers=["T1", "T2"])
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert school_days(result, "K1") == school_days(result, "K2")
    assert all(not c.joint_with for c in result.plan.class_days)


def test_one_joint_day_in_every_full_week(tmp_path):
    """Two free weeks: whatever days the partners choose, each week has exactly one date on
    which both are in school, and it is a joint day with one teacher."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-28")], classes=PARTNERS,
                 recruits=["R1", recruit("R2", class_id="K2")], teachers=["T1", "T2"])
    result = solve_and_check(inst)
    for week in (34, 35):
        common = set(in_week(school_days(result, "K1"), 2026, week)) & set(
            in_week(school_days(result, "K2"), 2026, week))
        assert len(common) == 1
        (day,) = common
        rows = [c for c in result.plan.class_days if c.date == day]
        assert {c.joint_with for c in rows} == {"K1", "K2"} and len({c.teacher_id for c in rows}) == 1


@pytest.mark.parametrize(("max_days", "feasible"), [(4, False), (5, True)])
def test_partners_need_five_teaching_dates(tmp_path, max_days, feasible):
    """R6 + R7: partner classes with 3 school days each and exactly one shared day use
    3 + 3 - 1 = 5 dates; a single teacher with max_days_per_week = 4 cannot cover them
    (sharing two days would fit in 4, but R6 forbids it); with 5 he can."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")], classes=PARTNERS,
                 recruits=["R1", recruit("R2", class_id="K2")],
                 teachers=[teacher("T1", max_days_per_week=max_days)])
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert len({c.date for c in result.plan.class_days}) == 5

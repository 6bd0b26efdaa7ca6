"""R4, weekly model: in a full week the class has exactly ``school_days_per_week`` school days
and each recruit present all week exactly ``practice_days_per_week`` consecutive practice
days, on weekdays that are no school day of his class (weekends only with
``practice_on_weekends``); unavailable weekdays do not excuse him; short weeks (phase edges,
holidays, the year boundary) and weeks with an absence hold him only to "at most"."""

from __future__ import annotations

import pytest

from tests.builders import (
    D,
    absence,
    activity_days,
    assert_infeasible,
    costs,
    count,
    dates,
    in_week,
    micro,
    practice_days,
    recruit,
    school_days,
    solve_and_check,
    weekdays,
    weekly_phase,
)

WEEK = weekly_phase("2026-08-17", "2026-08-21")  # ISO week 34, five open school days
EVERY_DAY = {"RD": ["D D D D D D D"]}


def _consecutive(days):
    return all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False))


def test_full_weeks_have_the_exact_pattern(tmp_path):
    """Control: two full weeks, 3 school days and 2 consecutive practice days each, nothing
    else; all practice with the supervisor on D (roster mon-fri): the plan costs nothing."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-28")])
    result = solve_and_check(inst)
    assert result.objective == 0
    for week in (34, 35):
        school = in_week(school_days(result), 2026, week)
        assert len(school) == 3
        for r in ("R1", "R2"):
            practice = in_week(practice_days(result, r), 2026, week)
            assert len(practice) == 2 and _consecutive(practice)
            assert not set(practice) & set(school)


def test_unavailable_weekdays_fix_the_pattern(tmp_path):
    """R1 cannot practise on thursdays, R2 not on mondays. Both practise on the class's two
    free days, so the only pair of consecutive weekdays left is tue-wed: school mon, thu, fri."""
    inst = micro(tmp_path, phases=[WEEK], recruits=[recruit("R1", unavailable_weekdays="thu"),
                                                    recruit("R2", unavailable_weekdays="mon")])
    result = solve_and_check(inst)
    assert weekdays(school_days(result)) == ["mon", "thu", "fri"]
    assert weekdays(practice_days(result, "R1")) == weekdays(practice_days(result, "R2")) == ["tue", "wed"]


def test_unavailable_weekdays_do_not_excuse(tmp_path):
    """R4: if R2 cannot practise on mondays or wednesdays, no pair of consecutive weekdays
    suits both recruits: the instance is infeasible (he is not let off his 2 days)."""
    inst = micro(tmp_path, phases=[WEEK], recruits=[recruit("R1", unavailable_weekdays="thu"),
                                                    recruit("R2", unavailable_weekdays="mon;wed")])
    assert_infeasible(inst)


def test_practice_days_are_consecutive(tmp_path):
    """R1 cannot practise on tuesdays and thursdays: mon+wed or wed+fri would be two free
    weekdays, but not consecutive ones, so the week cannot be planned."""
    inst = micro(tmp_path, phases=[WEEK], recruits=[recruit("R1", unavailable_weekdays="tue;thu"), "R2"])
    assert_infeasible(inst)


@pytest.mark.parametrize("on_weekends", [False, True])
def test_weekend_practice_only_when_allowed(tmp_path, on_weekends):
    """R1 cannot practise mon-fri. With practice_on_weekends he practises sat-sun (and R2 as
    well, so weekend shifts are shared fairly: cost 0); without it, infeasible."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-23")],
                 rules={"practice_on_weekends": on_weekends}, rosters=EVERY_DAY,
                 recruits=[recruit("R1", unavailable_weekdays="mon;tue;wed;thu;fri"), "R2"])
    if not on_weekends:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert weekdays(practice_days(result, "R1")) == ["sat", "sun"]
    assert result.objective == 0


@pytest.mark.parametrize(("kind", "feasible"), [("unavailable", False), ("absent", True)])
def test_absence_holds_the_week_to_at_most(tmp_path, kind, feasible):
    """R1 can practise only on friday: if mon-thu are his unavailable weekdays the week is
    infeasible (2 consecutive days needed); if he is absent mon-thu he is held to "at most"
    and has no activity on those days."""
    if kind == "unavailable":
        kw = {"recruits": [recruit("R1", unavailable_weekdays="mon;tue;wed;thu"), "R2"]}
    else:
        kw = {"absences": [absence("R1", "2026-08-17", "2026-08-20")]}
    inst = micro(tmp_path, phases=[WEEK], **kw)
    if not feasible:
        assert_infeasible(inst)
        return
    result = solve_and_check(inst)
    assert set(activity_days(result, "R1")) <= {D("2026-08-21")}
    assert len(practice_days(result, "R2")) == 2


def test_first_week_of_phase_is_short(tmp_path):
    """The phase starts on wednesday 19 Aug: week 34 has three open days and is short (at
    most 3 school, at most 2 practice days, each unused one costs 5). The three days hold
    1 school + 2 practice days (2 school days unused: 10), not 3 school days (2 recruits x
    2 practice days unused: 20) nor 2 + 1 (1 school day + 2 x 1 practice day unused: 15)."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-19", "2026-08-28")])
    result = solve_and_check(inst)
    assert costs(result) == {"short_week_unused": 10}
    assert count(result, "short_week_unused") == 2
    assert len(in_week(school_days(result), 2026, 34)) == 1
    assert len(in_week(school_days(result), 2026, 35)) == 3
    for r in ("R1", "R2"):
        assert len(in_week(practice_days(result, r), 2026, 34)) == 2


def test_last_week_of_phase_is_short(tmp_path):
    """The phase ends on tuesday 25 Aug: week 35 has two open days. Both as practice days
    leave the class's 2 possible school days unused (2 x 5 = 10); both as school days would
    leave 2 practice days unused for each recruit (4 x 5 = 20)."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-25")])
    result = solve_and_check(inst)
    assert costs(result) == {"short_week_unused": 10}
    assert in_week(school_days(result), 2026, 35) == []
    for r in ("R1", "R2"):
        assert in_week(practice_days(result, r), 2026, 35) == [D("2026-08-24"), D("2026-08-25")]


def test_week_53_across_the_year_boundary(tmp_path):
    """ISO week 2026-W53 runs mon 28 Dec 2026 .. sun 3 Jan 2027; fri 1 Jan is a public
    holiday, so the week is short with four open days. Its days of 2026 and 2027 form one
    week: 2 school + 2 consecutive practice days (1 school day unused: 5) beat 3 school +
    1 practice day (1 practice day unused for each recruit: 10). 2027-W01 is a full week."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-12-28", "2027-01-08")])
    result = solve_and_check(inst)
    assert costs(result) == {"short_week_unused": 5}
    assert D("2027-01-01") not in activity_days(result, "R1") + activity_days(result, "R2")
    week53 = dates("2026-12-28", "2027-01-03")
    assert len([d for d in school_days(result) if d in week53]) == 2
    assert len(in_week(school_days(result), 2027, 1)) == 3
    for r in ("R1", "R2"):
        practice = practice_days(result, r)
        assert len(in_week(practice, 2026, 53)) == 2 and _consecutive(in_week(practice, 2026, 53))
        assert len(in_week(practice, 2027, 1)) == 2

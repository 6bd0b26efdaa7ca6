"""R9: at least ``min_rest_hours`` between the end of any activity of a recruit (school day or
shift) and the start of his next, also across a phase boundary; no activity on his
absences; no practice on his ``unavailable_weekdays``."""

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
    micro,
    practice_days,
    practice_phase,
    practice_rows,
    recruit,
    solve_and_check,
    weekdays,
    weekly_phase,
)

EVENINGS = {"RD": ["A A A A A - -"]}  # A = 14:30-22:00


@pytest.mark.parametrize(("min_rest", "without"), [(11, 4), (10, 0)])
def test_evening_shift_before_school(tmp_path, min_rest, without):
    """Supervisors work A (14:30-22:00) every weekday. R1 cannot practise mon, thu, fri, so
    both recruits practise tue-wed and the class is in school thursday at 08:30. With 11 h
    rest, A on wednesday (10.5 h before school) is impossible, and A on tuesday would leave
    9.5 h before wednesday's D at 07:30: both days are D without supervisor, 2 recruits x
    2 days x 100 = 400. With 10 h rest they work A with their supervisors at no cost."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")], rosters=EVENINGS,
                 rules={"min_rest_hours": min_rest},
                 recruits=[recruit("R1", unavailable_weekdays="mon;thu;fri"), "R2"])
    result = solve_and_check(inst)
    assert count(result, "without_supervisor") == without
    assert result.objective == 100 * without
    for r in ("R1", "R2"):
        assert weekdays(practice_days(result, r)) == ["tue", "wed"]
        assert {a.shift_code for a in practice_rows(result, r)} == ({"D"} if without else {"A"})


def test_evening_shift_after_school_needs_no_rest_break(tmp_path):
    """Control: free to choose, the class is in school before the practice days, and A after
    a school day (15:00 -> 14:30 next day) keeps the rest: all with supervisor, cost 0."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")], rosters=EVENINGS)
    result = solve_and_check(inst)
    assert result.objective == 0


@pytest.mark.parametrize(("min_rest", "feasible"), [(16, True), (17, False)])
def test_rest_between_day_shifts(tmp_path, min_rest, feasible):
    """5 shifts a full week are required. D to D the next day leaves 16.5 h: with 17 h of rest
    no two shifts may fall on consecutive days, at most 4 fit in a week: infeasible."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", min_shifts_per_week=5)],
                 rules={"min_rest_hours": min_rest})
    if not feasible:
        assert_infeasible(inst)
        return
    assert solve_and_check(inst).objective == 0


def test_no_activity_on_absence(tmp_path):
    """R1 is away mon-wed of a practice week: the week is not full (no minimum), he has no
    activity on those days and follows his supervisor thu-fri; no cost."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19")],
                 absences=[absence("R1", "2026-04-13", "2026-04-15")])
    result = solve_and_check(inst)
    assert result.objective == 0
    assert not set(activity_days(result, "R1")) & set(dates("2026-04-13", "2026-04-15"))
    assert weekdays(practice_days(result, "R1")) == ["thu", "fri"]


def test_no_practice_on_unavailable_weekday(tmp_path):
    """R1 cannot work fridays; 5 shifts are required. He follows his supervisor mon-thu and
    works a weekend D without him (100); R2 has no weekend shift, so the weekend spread is 1
    (10): 110."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", min_shifts_per_week=5)],
                 recruits=[recruit("R1", unavailable_weekdays="fri"), "R2"])
    result = solve_and_check(inst)
    assert costs(result) == {"without_supervisor": 100, "weekend_fairness": 10}
    assert "fri" not in weekdays(practice_days(result, "R1"))


def test_rest_across_a_phase_boundary(tmp_path):
    """A practice week (supervisors: D thu-sat, A sun) ends on sunday 16 Aug; the weekly phase
    starts monday 17 Aug. The recruits cannot practise mon-wed, so the class is in school
    mon-wed, and sunday's A (to 22:00) would leave 10.5 h before school: each recruit skips
    it (1 missed roster shift each, 2 x 3 = 6)."""
    unavailable = "mon;tue;wed"
    inst = micro(tmp_path, phases=[practice_phase("2026-08-10", "2026-08-16"), weekly_phase("2026-08-17", "2026-08-21")],
                 recruits=[recruit("R1", unavailable_weekdays=unavailable), recruit("R2", unavailable_weekdays=unavailable)],
                 rosters={"RD": ["- - - D D D A"]})
    result = solve_and_check(inst)
    assert D("2026-08-16") not in practice_days(result, "R1")
    assert costs(result) == {"roster_shift_missed": 6}


@pytest.mark.parametrize(("week", "missed"), [("2027-03-22", 1), ("2027-03-15", 0)])
def test_rest_is_real_time_across_the_clock_change(tmp_path, week, missed):
    """D6: rest is real elapsed time. The supervisors work L (08:00-20:15) on saturday and D
    (07:30) on sunday: 11 h 15 min on the wall clock. On 28 March 2027 the clocks go forward
    at 02:00, so the real rest is 10 h 15 min: each recruit misses one of the two shifts
    (2 x 3; R10 asks for one shift only). A week earlier both are followed."""
    monday = D(week)
    sunday = monday.replace(day=monday.day + 6)
    inst = micro(tmp_path, phases=[practice_phase(week, sunday.isoformat(), min_shifts_per_week=1)],
                 rosters={"RD": ["- - - - - L D"]})
    result = solve_and_check(inst)
    assert count(result, "roster_shift_missed") == 2 * missed
    assert costs(result) == ({"roster_shift_missed": 6} if missed else {})


def test_no_night_shift_into_an_absence(tmp_path):
    """R9: no activity on his absences. Nights are allowed and the supervisors work N
    (21:45-07:45) monday to wednesday; R1 is away on wednesday, so his tuesday night would
    end on his absent day: he cannot follow it (and it is not counted as missed, D16)."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", allow_night=True,
                                                  min_shifts_per_week=0)],
                 rosters={"RD": ["N N N - - - -"]}, absences=[absence("R1", "2026-04-15")])
    result = solve_and_check(inst)
    r1 = {a.date: a for a in practice_rows(result, "R1")}
    assert D("2026-04-15") not in r1
    assert D("2026-04-14") not in r1 or not r1[D("2026-04-14")].with_supervisor
    assert D("2026-04-13") in r1 and r1[D("2026-04-13")].with_supervisor

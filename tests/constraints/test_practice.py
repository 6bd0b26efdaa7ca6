"""R10, practice phases: at least ``min_shifts_per_week`` shifts in every full week (all
seven days inside the phase, no absence), at most ``max_hours_per_week`` in any week, no
night shift where ``allow_night = false``."""

from __future__ import annotations

import pytest

from models import Activity, Plan
from scheduler.validate import validate_plan
from tests.builders import (
    D,
    absence,
    costs,
    count,
    in_week,
    micro,
    practice_days,
    practice_phase,
    practice_rows,
    solve_and_check,
    weekly_phase,
)

MON_TUE = {"RD": ["D D - - - - -"]}  # two roster shifts a week, one short of the minimum


@pytest.mark.parametrize(("start", "end", "full_weeks"), [
    ("2026-04-13", "2026-04-26", 2),  # weeks 16 and 17 both full
    ("2026-04-15", "2026-04-26", 1),  # starts on a wednesday: week 16 is not full
    ("2026-04-13", "2026-04-24", 1),  # ends on a friday: week 17 is not full
])
def test_min_shifts_in_full_weeks_only(tmp_path, start, end, full_weeks):
    """Supervisors work D mon and tue only. In a full week each recruit needs a 3rd shift, on D
    without supervisor (100 per recruit and full week); first and last weeks of the phase
    that are not full have no minimum."""
    inst = micro(tmp_path, phases=[practice_phase(start, end)], rosters=MON_TUE)
    result = solve_and_check(inst)
    assert count(result, "without_supervisor") == 2 * full_weeks
    assert costs(result) == {"without_supervisor": 200 * full_weeks}
    for r in ("R1", "R2"):
        weeks = [len(in_week(practice_days(result, r), 2026, w)) for w in (16, 17)]
        assert sorted(weeks)[-full_weeks:] == [3] * full_weeks


def test_absence_excuses_the_minimum(tmp_path):
    """R1 is away on sunday 19 Apr: week 16 is not full for him, so he only follows his
    supervisor's 2 shifts; R2 needs a 3rd shift without supervisor (100)."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19")], rosters=MON_TUE,
                 absences=[absence("R1", "2026-04-19")])
    result = solve_and_check(inst)
    assert len(practice_days(result, "R1")) == 2 and len(practice_days(result, "R2")) == 3
    assert costs(result) == {"without_supervisor": 100}


@pytest.mark.parametrize(("max_hours", "shifts", "missed"), [(37.5, 3, 4), (50, 4, 3)])
def test_max_hours_per_week(tmp_path, max_hours, shifts, missed):
    """Supervisors work L (12.25 h) every day. 37.5 h allow 3 L a week (36.75 h), 50 h allow 4
    (49 h); a D on top would break the cap. Each recruit misses the rest of the 7 roster
    shifts at 3 each: 2 x 4 x 3 = 24, or 2 x 3 x 3 = 18."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", max_hours_per_week=max_hours)],
                 rosters={"RD": ["L L L L L L L"]})
    result = solve_and_check(inst)
    for r in ("R1", "R2"):
        rows = practice_rows(result, r)
        assert [a.shift_code for a in rows] == ["L"] * shifts and all(a.with_supervisor for a in rows)
    assert count(result, "roster_shift_missed") == 2 * missed
    assert costs(result) == {"roster_shift_missed": 6 * missed}


@pytest.mark.parametrize(("start", "end", "week", "cap", "shifts"), [
    ("2026-10-12", "2026-10-18", 42, 37.5, 4),  # an ordinary week
    ("2026-10-19", "2026-10-25", 43, 37.5, 3),  # clocks go back at 03:00 on sunday 25 October
    ("2026-03-23", "2026-03-29", 13, 37.5, 4),  # clocks go forward at 02:00 on sunday 29 March
    ("2026-03-23", "2026-03-29", 13, 36.5, 3),  # 36.5 real hours, but 37.5 by the clock
])
def test_max_hours_are_real_hours_and_clock_hours(tmp_path, start, end, week, cap, shifts):
    """Supervisors work D on monday and N (21:45-07:45) thursday to saturday: 7.5 + 3 x 10 =
    37.5 h by the clock. In week 43 the saturday night runs through the autumn clock change
    and lasts 11 real hours, so the four shifts would make 38.5 h: each recruit leaves one
    out (3 for the missed roster shift). In week 13 the night lasts 9 real hours, but a
    shift counts the more of its real and its clock hours (D7), so a 36.5 h cap also leaves
    one out. The validator counts alike: the four shifts of week 43 break R10."""
    inst = micro(tmp_path, phases=[practice_phase(start, end, allow_night=True, max_hours_per_week=cap)],
                 rosters={"RD": ["D - - N N N -"]})
    result = solve_and_check(inst)
    for r in ("R1", "R2"):
        rows = practice_rows(result, r)
        assert len(in_week([a.date for a in rows], 2026, week)) == shifts
        assert all(a.with_supervisor for a in rows)
        assert sum(inst.shift_minutes(a.shift_code, a.date) for a in rows) <= cap * 60
    assert costs(result) == ({} if shifts == 4 else {"roster_shift_missed": 6})
    if week != 43:
        return
    # the shift R1 left out, put back: 38.5 real hours
    rows = practice_rows(result, "R1")
    worked = {a.date for a in rows}
    roster = {"D": ["2026-10-19"], "N": ["2026-10-22", "2026-10-23", "2026-10-24"]}
    code, day = next((c, D(x)) for c, xs in roster.items() for x in xs if D(x) not in worked)
    first = rows[0]
    back = Activity("R1", day, "practice", first.phase_id, first.class_id, first.site_id, first.ward_id,
                    first.supervisor_id, code, *inst.shift[code].window(day), True)
    plan = Plan(result.plan.assignments, [*result.plan.activities, back], result.plan.class_days)
    assert [v.message for v in validate_plan(inst, plan)] == [
        "R10: recruit R1 works 38.5 h in week 2026-W43 of phase rp, max 37.5 h"]


@pytest.mark.parametrize(("allow_night", "code", "objective"), [(True, "N", 0), (False, "D", 600)])
def test_night_shifts_only_where_allowed(tmp_path, allow_night, code, objective):
    """Supervisors work N (21:45-07:45) mon-wed. With allow_night the recruits follow them
    (3 x 10 h, rest 14 h between nights); without, they work D without supervisor on 3 days
    each: 6 x 100 = 600."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", allow_night=allow_night)],
                 rosters={"RD": ["N N N - - - -"]})
    result = solve_and_check(inst)
    assert result.objective == objective
    for r in ("R1", "R2"):
        rows = practice_rows(result, r)
        assert len(rows) == 3 and {a.shift_code for a in rows} == {code}
        assert all(a.with_supervisor == allow_night for a in rows)


def test_max_hours_in_a_weekly_phase(tmp_path):
    """A weekly phase with max_hours_per_week = 20 and supervisors on L (12.25 h) mon-fri:
    two L would be 24.5 h, so each recruit works one L and one D without supervisor (D9: the
    L would break the cap): 2 x 100 = 200."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21", max_hours_per_week=20)],
                 rosters={"RD": ["L L L L L - -"]})
    result = solve_and_check(inst)
    assert costs(result) == {"without_supervisor": 200}

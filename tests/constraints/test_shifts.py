"""R8: a practice day is worked on a shift; with supervisor it is his own roster shift that
date (the rotation repeats from ``roster_start``, across the year boundary too) and he is
not absent; otherwise the recruit works the ward's ``D`` without him, which the plan marks
and the planner minimises, and which is allowed only when his shift is impossible (D9)."""

from __future__ import annotations

import pytest

from tests.builders import (
    D,
    absence,
    costs,
    count,
    micro,
    practice_phase,
    practice_rows,
    solve_and_check,
    supervisor,
    supervisor_of,
    weekly_phase,
)

TWO_WEEK_ROSTER = {"RR": ["D D D - - - -", "- - - A A A -"]}


def _shifts(result, recruit_id):
    return [(a.date.isoformat(), a.shift_code, a.with_supervisor) for a in practice_rows(result, recruit_id)]


def test_shift_with_supervisor_follows_the_rotation(tmp_path):
    """A two-week roster from mon 5 Jan 2026 (ISO week 2): its week 1 falls on ISO week 16,
    its week 2 on week 17. V2 started a week later, so his weeks are the other way round.
    Each recruit follows his supervisor's 3 shifts a week, all with him, at no cost."""
    inst = micro(
        tmp_path, phases=[practice_phase("2026-04-13", "2026-04-26")], rosters=TWO_WEEK_ROSTER,
        supervisors=[supervisor("V1", roster_id="RR"), supervisor("V2", roster_id="RR", roster_start="2026-01-12")],
    )
    result = solve_and_check(inst)
    assert result.objective == 0
    follows_v1 = [("2026-04-13", "D", True), ("2026-04-14", "D", True), ("2026-04-15", "D", True),
                  ("2026-04-23", "A", True), ("2026-04-24", "A", True), ("2026-04-25", "A", True)]
    follows_v2 = [("2026-04-16", "A", True), ("2026-04-17", "A", True), ("2026-04-18", "A", True),
                  ("2026-04-20", "D", True), ("2026-04-21", "D", True), ("2026-04-22", "D", True)]
    for r in ("R1", "R2"):
        assert _shifts(result, r) == (follows_v1 if supervisor_of(result, r, "rp") == "V1" else follows_v2)


def test_rotation_across_the_year_boundary(tmp_path):
    """The rotation counts weeks from roster_start, not ISO week numbers: 2026-W53 (28 Dec ..
    3 Jan) is 51 weeks after 5 Jan 2026, so roster week 2 (A), and 2027-W01 is roster week 1
    (D), although 53 and 1 are both odd. New Year's Day is worked like any roster day."""
    inst = micro(tmp_path, phases=[practice_phase("2026-12-28", "2027-01-10")],
                 rosters={"RD": ["D D D D D - -", "A A A A A - -"]})
    result = solve_and_check(inst)
    assert result.objective == 0
    rows = practice_rows(result, "R1")
    assert [(a.date, a.shift_code) for a in rows] == (
        [(D(f"2026-12-{d}"), "A") for d in (28, 29, 30, 31)] + [(D("2027-01-01"), "A")]
        + [(D(f"2027-01-0{d}"), "D") for d in (4, 5, 6, 7, 8)])
    assert all(a.with_supervisor for a in rows)


@pytest.mark.parametrize(("absent", "without"), [(False, 0), (True, 1)])
def test_absent_supervisor_is_replaced_by_D_without_him(tmp_path, absent, without):
    """Practice week with 5 shifts required; both supervisors work D mon-fri. If V1 is away
    on wednesday, his recruit works one D without supervisor (100); control: nobody away."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19", min_shifts_per_week=5)],
                 absences=[absence("V1", "2026-04-15")] if absent else [])
    result = solve_and_check(inst)
    assert count(result, "without_supervisor") == without
    assert result.objective == 100 * without
    rows = [a for r in ("R1", "R2") for a in practice_rows(result, r)]
    assert all(a.shift_code == "D" for a in rows)
    with_v1_on_wednesday = [a for a in rows if a.with_supervisor and a.date == D("2026-04-15") and a.supervisor_id == "V1"]
    assert len(with_v1_on_wednesday) == (0 if absent else 1)


@pytest.mark.parametrize(("roster", "without"), [("D D D D D - -", 0), ("- - - - - D D", 4)])
def test_supervisor_off_on_the_practice_days(tmp_path, roster, without):
    """Weekly model: the 2 practice days fall on weekdays; supervisors who work only at
    weekends leave both recruits on D without them on both days (4 x 100)."""
    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")], rosters={"RD": [roster]})
    result = solve_and_check(inst)
    assert costs(result) == ({"without_supervisor": 100 * without} if without else {})
    assert all(a.with_supervisor == (without == 0) for r in ("R1", "R2") for a in practice_rows(result, r))


def test_without_supervisor_only_when_his_shift_is_impossible(tmp_path):
    """D9 bites: a negative weight rewards days without supervisor (-100 each), but they are
    allowed only where the supervisor is off (thu-sun; he works D mon-wed). The 37.5 h cap
    allows 5 D shifts: 4 without him (-400) and 1 with him, missing 2 roster shifts (2 x 3):
    -394 per recruit, -788 in all. Working D without him on mon-wed would be cheaper (-491)
    but breaks R8."""
    inst = micro(tmp_path, phases=[practice_phase("2026-04-13", "2026-04-19")],
                 rosters={"RD": ["D D D - - - -"]}, weights={"without_supervisor": -100})
    result = solve_and_check(inst)
    assert result.objective == -788
    assert count(result, "without_supervisor") == 8
    for r in ("R1", "R2"):
        without = [a.date.weekday() for a in practice_rows(result, r) if not a.with_supervisor]
        assert sorted(without) == [3, 4, 5, 6]

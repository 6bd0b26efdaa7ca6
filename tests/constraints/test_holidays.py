"""R12: in alternation phases no practice (and, R3, no school) on closures or public holidays
unless ``practice_in_school_holidays = true``; in practice phases the recruit follows the
roster on every day of the year, holidays included."""

from __future__ import annotations

import pytest

from tests.builders import (
    D,
    activity_days,
    closure,
    costs,
    micro,
    practice_days,
    practice_phase,
    school_days,
    solve_and_check,
    weekly_phase,
)

CASES = {
    # id: (phase start, phase end, closed day, closures.csv rows)
    "ascension": ("2026-05-11", "2026-05-15", "2026-05-14", []),  # thursday, public holiday
    "whit-monday": ("2026-05-25", "2026-06-05", "2026-05-25", []),  # first day of the phase
    "planning-day": ("2026-08-17", "2026-08-21", "2026-08-21", [closure("2026-08-21", reason="Planleggingsdag")]),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("in_holidays", [False, True])
def test_weekly_week_with_a_closed_day(tmp_path, case, in_holidays):
    """A week with one closed weekday is short, with four open school days. Without practice
    in school holidays, 4 days hold 2 school + 2 practice days at best: 1 school day unused
    (5); nobody is busy on the closed day. With practice_in_school_holidays the recruits
    practise on the closed day, and 3 school + 2 practice days cost nothing."""
    start, end, closed, closures = CASES[case]
    inst = micro(tmp_path, phases=[weekly_phase(start, end)], closures=closures,
                 rules={"practice_in_school_holidays": in_holidays})
    result = solve_and_check(inst)
    assert D(closed) not in school_days(result)
    if in_holidays:
        assert costs(result) == {}
        assert all(D(closed) in practice_days(result, r) for r in ("R1", "R2"))
    else:
        assert costs(result) == {"short_week_unused": 5}
        assert all(D(closed) not in activity_days(result, r) for r in ("R1", "R2"))


@pytest.mark.parametrize(("start", "end", "holidays"), [
    ("2026-05-11", "2026-05-17", ["2026-05-14"]),  # Ascension (thu); 17 May is a sunday
    ("2026-03-30", "2026-04-05", ["2026-04-02", "2026-04-03"]),  # Maundy Thursday, Good Friday
])
def test_practice_phase_follows_the_roster_on_holidays(tmp_path, start, end, holidays):
    """A practice week with 5 shifts required and supervisors on D mon-fri: the recruits
    follow them on the public holidays too, all with supervisor, at no cost."""
    inst = micro(tmp_path, phases=[practice_phase(start, end, min_shifts_per_week=5)])
    result = solve_and_check(inst)
    assert result.objective == 0
    for r in ("R1", "R2"):
        assert all(D(h) in practice_days(result, r) for h in holidays)


def test_practice_phase_holiday_shifts_are_counted(tmp_path):
    """Holiday shifts are ordinary roster shifts: supervisors work mon 11 May, thu 14 May
    (Ascension Day) and sun 17 May (Constitution Day); 3 shifts are required, so the recruits
    follow all three, two of them on public holidays, with their supervisors at no cost."""
    inst = micro(tmp_path, phases=[practice_phase("2026-05-11", "2026-05-17")],
                 rosters={"RD": ["D - - D - - D"]})
    result = solve_and_check(inst)
    assert result.objective == 0
    assert practice_days(result, "R1") == [D("2026-05-11"), D("2026-05-14"), D("2026-05-17")]

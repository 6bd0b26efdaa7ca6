"""Weekly calendars with the weeks chained exactly (scheduler/weekchain.py).

The calendar search prices each week alone, so with weekend practice it takes a
supervisor's Sunday evening as followed and the Monday school day after it (10.5 h of rest
where 11 h are needed). The micro-instances here have one recruit whose supervisor works
only saturday and sunday evenings (``A``, 14:30-22:00): he can follow both only where his
class has no school on the Monday after.

The whole-year day model, which runs after the phase plans on instances this small,
would repair such calendars itself; it is switched off (``whole_year_limit=0``) so that
the phase plan shows what the phase planning does, as on a large instance.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from builders import (
    OPTIONS,
    count,
    micro,
    practice_rows,
    school_days,
    solve_and_check,
    supervisor,
    weekdays,
    weekly_phase,
)

import scheduler.solve
from models import Instance
from scheduler.domains import Domains
from scheduler.weekchain import needs_rechain
from scheduler.weekdp import WeekPricer

PHASE_PLAN = replace(OPTIONS, whole_year_limit=0)
"""The phase plan alone (no whole-year day model)."""


def weekend_evenings(tmp_path: Path, start: str, end: str, **phase) -> Instance:
    return micro(tmp_path, phases=[weekly_phase(start, end, **phase)], rules={"practice_on_weekends": True},
                 recruits=["R1"], supervisors=[supervisor("V1", roster_id="RW")], rosters={"RW": ["- - - - - A A"]})


def test_the_weeks_chained_move_monday_school_away_from_sunday_evenings(tmp_path, monkeypatch):
    # four weeks; every week alone costs nothing with any school days, and the search takes
    # mon-wed. Chained, weeks 2-4 move their school off the monday, and R1 follows all eight
    # evenings with his supervisor.
    inst = weekend_evenings(tmp_path, "2026-08-17", "2026-09-13")
    seen = []
    real = scheduler.solve.rechain
    monkeypatch.setattr(scheduler.solve, "rechain", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    result = solve_and_check(inst, None, PHASE_PLAN)
    assert result.kpis["phases"][0]["calendars_rechained"] is True
    assert count(result, "without_supervisor") == 0
    assert [(a.date.strftime("%a"), a.shift_code) for a in practice_rows(result, "R1")] == [("Sat", "A"), ("Sun", "A")] * 4
    assert "mon" not in weekdays(school_days(result)[3:])
    # the exact price rechain reports is each recruit's phase chained by WeekPricer.chain
    # (which the placements use) plus the pairs' own costs: no rest conflict is left
    outcome, first, best = seen[0]
    assert first > best
    pricer = WeekPricer(inst, Domains(inst))
    chained = pricer.chain("R1", outcome.assignment["R1"], inst.phases[0], outcome.school["K1"], dated=False)
    assert chained is not None and best == chained.cost == 0
    # without it, the same phase plan leaves three fridays without supervisor (R8, R9)
    monkeypatch.setattr(scheduler.solve, "needs_rechain", lambda *a: False)
    plain = solve_and_check(inst, None, PHASE_PLAN)
    assert plain.kpis["phases"][0]["calendars_rechained"] is False
    assert count(plain, "without_supervisor") == 3
    assert plain.objective > result.objective


@pytest.mark.parametrize(("min_school_days", "monday_kept"), [(5, False), (6, True)])
def test_the_weeks_chained_keep_min_school_days(tmp_path, min_school_days, monday_kept):
    # week 2 is cut by the phase end on its wednesday (a short week: up to 3 school days).
    # Dropping its monday saves R1 a day without supervisor in week 1 (about 1,000 units
    # against 100 for two unused days); with min_school_days = 6 every open day must be a
    # school day (R11), so the monday stays and the friday without supervisor with it.
    inst = weekend_evenings(tmp_path, "2026-08-17", "2026-08-26", min_school_days=min_school_days)
    result = solve_and_check(inst, None, PHASE_PLAN)
    days = [str(d) for d in school_days(result)]
    assert len(days) >= min_school_days
    assert ("2026-08-24" in days) is monday_kept
    assert result.kpis["phases"][0]["calendars_rechained"] is not monday_kept
    assert count(result, "without_supervisor") == (1 if monday_kept else 0)


def test_only_weekly_classes_with_weekend_practice_are_chained(tmp_path):
    weekdays_only = micro(tmp_path / "a", phases=[weekly_phase("2026-08-17", "2026-09-13")])
    assert not needs_rechain(weekdays_only, weekdays_only.phases[0])
    weekend = weekend_evenings(tmp_path / "b", "2026-08-17", "2026-09-13")
    assert needs_rechain(weekend, weekend.phases[0])


def test_chained_calendars_that_crowd_the_wards_are_not_taken(tmp_path, monkeypatch):
    # The chained prices leave ward capacity out; the chained calendars are taken only when
    # their capacitated plan (column generation) costs less. Here its first call, for the
    # chained calendars, is made to cost a million more: the search's calendars stay.
    inst = weekend_evenings(tmp_path, "2026-08-17", "2026-09-13")
    real, calls = scheduler.solve.practice_by_columns, []

    def crowded(*args, **kwargs):
        got = real(*args, **kwargs)
        calls.append(kwargs["school_of"])
        return replace(got, value=got.value + 10**6) if len(calls) == 1 else got

    monkeypatch.setattr(scheduler.solve, "practice_by_columns", crowded)
    result = solve_and_check(inst, None, PHASE_PLAN)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert result.kpis["phases"][0]["calendars_rechained"] is False
    assert count(result, "without_supervisor") == 3

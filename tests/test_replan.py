"""Re-planning from a published plan (``SolveOptions.published``, ``plan --from``): the
class calendars are the school's timetable, so they stay as published wherever they still
work; placements and shifts move, each changed placement priced (``plan_change``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from models.plan import Plan
from scheduler.validate import validate_plan
from tests.builders import (
    OPTIONS,
    absence,
    closure,
    micro,
    practice_phase,
    practice_rows,
    school_days,
    solve_and_check,
    supervisor,
    ward,
)
from tests.test_master import three_weeks  # three weeks, three rosters that disagree


def published(tmp_path):
    first = solve_and_check(three_weeks(tmp_path / "published"), expect=None)
    return first.plan, school_days(first)


def test_replanning_keeps_the_published_school_days(tmp_path):
    """Two supervisors away in the first week: planned afresh, the class would move its
    school days; re-planned from the published plan, it keeps them (and the bound says it
    is a bound of such plans)."""
    plan, days = published(tmp_path)
    changed = three_weeks(tmp_path / "changed",
                          absences=[absence("V1", "2026-08-17", "2026-08-23"), absence("V4", "2026-08-17", "2026-08-23")])
    fresh = solve_and_check(changed, expect=None)
    assert school_days(fresh) != days  # the rule has something to keep
    again = solve_and_check(changed, expect=None, options=replace(OPTIONS, published=plan))
    assert school_days(again) == days
    assert again.kpis["bound_scope"] == "year, published school days kept"


def test_a_week_whose_published_days_no_longer_work_is_planned_afresh(tmp_path):
    """A new closure on a published school day: that week gets new school days, the other
    weeks keep theirs."""
    plan, days = published(tmp_path)
    shut = days[3]  # a school day of the second week
    changed = three_weeks(tmp_path / "closed", closures=[closure(shut.isoformat())])
    again = solve_and_check(changed, expect=None, options=replace(OPTIONS, published=plan))
    new = school_days(again)
    week = shut.isocalendar()[1]
    assert shut not in new and any(d.isocalendar()[1] == week for d in new)
    assert [d for d in new if d.isocalendar()[1] != week] == [d for d in days if d.isocalendar()[1] != week]


def test_replanning_keeps_published_shifts_where_others_cost_the_same(tmp_path):
    """Practice phase: each supervisor works two days a week, so each recruit works a third
    day without him, any of five (a tie; the fairness goals, which would tie the two
    recruits' weekends together, are off). The published plan has R1's extra day on a
    Thursday where a fresh plan takes the Friday: re-planning keeps the Thursday."""
    base = dict(phases=[practice_phase("2026-04-13", "2026-04-26")], recruits=["R1", "R2"],
                supervisors=[supervisor("V1", roster_id="RT"), supervisor("V2", roster_id="RT")],
                rosters={"RT": ["D D - - - - -"]}, wards=[ward("W1", capacity=2)],
                weights={"weekend_fairness": 0, "evening_fairness": 0})
    inst = micro(tmp_path, **base)
    fresh = solve_and_check(inst, expect=None)
    friday, day = date(2026, 4, 17), timedelta(days=1)
    assert friday in [a.date for a in practice_rows(fresh, "R1")]
    moved = [replace(a, date=a.date - day, start=a.start - day, end=a.end - day)
             if a.recruit_id == "R1" and a.date == friday else a for a in fresh.plan.activities]
    published = Plan(fresh.plan.assignments, moved, fresh.plan.class_days)
    assert validate_plan(inst, published) == []
    again = solve_and_check(inst, expect=None, options=replace(OPTIONS, published=published))
    assert again.objective == fresh.objective
    assert [a.date for a in practice_rows(again, "R1")] == sorted(a.date for a in moved if a.recruit_id == "R1")


def test_the_refinement_bounds_only_the_calendars_the_scope_fixes(tmp_path):
    """The whole-year refinement of a re-plan keeps the plan's school days. When the
    published plan has no school days (the calendars are free), its optimum over those days
    is no bound of the year: the returned bound stays below the optimum of free calendars."""
    import time

    from models.score import score
    from scheduler.solve import Status, _Planner, _refine, _run, build

    plan, days = published(tmp_path)
    changed = three_weeks(tmp_path / "changed",
                          absences=[absence("V1", "2026-08-17", "2026-08-23"), absence("V4", "2026-08-17", "2026-08-23")])
    kept = solve_and_check(changed, expect=None, options=replace(OPTIONS, published=plan))
    assert school_days(kept) == days  # a valid plan with the old calendar
    options = replace(OPTIONS, published=Plan(plan.assignments, plan.activities, []))
    best = _run(build(changed, options), options, 60, 20, time.monotonic())
    assert best.status == Status.OPTIMAL
    planner = _Planner(changed, options, time.monotonic())
    _plan, _sc, bound = _refine(changed, options, planner, kept.plan, score(changed, kept.plan, options.published), 0.0)
    assert bound <= best.objective + 1e-6


def test_published_days_that_no_longer_work_for_a_recruit_are_planned_afresh(tmp_path):
    """R1 can no longer practise on Thursdays, published practice days of his: the weeks
    whose published days leave him no practice week get new school days, and he practises
    on no Thursday."""
    from tests.builders import recruit

    plan, _days = published(tmp_path)
    thursdays = [a.date for a in plan.activities if a.recruit_id == "R1" and a.activity == "practice"
                 and a.date.weekday() == 3]
    assert thursdays  # the published plan has him practise on Thursdays
    changed = three_weeks(tmp_path / "thursdays", recruits=[recruit("R1", unavailable_weekdays="thu"), "R2", "R3"])
    again = solve_and_check(changed, expect=None, options=replace(OPTIONS, published=plan))
    assert not [a for a in practice_rows(again, "R1") if a.date.weekday() == 3]


def test_published_block_weeks_that_break_the_new_block_lengths_are_planned_afresh(tmp_path):
    """Published with two-week blocks (school, school, practice, practice); the school now
    alternates every week. Kept week by week, the published days break the new block lengths
    (R5), so the phase's calendars are planned afresh instead of the phase given up (the
    whole-year fallback of small instances is off here, as on large ones)."""
    from tests.builders import block_phase

    def blocks(name, weeks):
        return micro(tmp_path / name, recruits=["R1", "R2"],
                     phases=[block_phase("2026-08-17", "2026-09-13", school_block_weeks=weeks,
                                         practice_block_weeks=weeks, min_school_days=10)])

    options = replace(OPTIONS, whole_year_limit=0)
    first = solve_and_check(blocks("two", [2, 2]), expect=None, options=options)
    weeks = sorted({d.isocalendar()[1] for d in school_days(first)})
    assert weeks[1] == weeks[0] + 1  # two school weeks in a row
    again = solve_and_check(blocks("one", [1, 1]), expect=None, options=replace(options, published=first.plan))
    weeks = sorted({d.isocalendar()[1] for d in school_days(again)})
    assert weeks[1] == weeks[0] + 2  # school every other week


def test_a_published_plan_that_still_works_and_costs_no_more_comes_back(tmp_path):
    """The last safeguard of re-planning (scheduler.solve._published_if_no_worse): the
    published plan replaces the new one when it keeps every rule for the changed instance
    and costs no more; a costlier or broken published plan does not."""
    from pathlib import Path

    import models
    from models.score import score
    from scheduler.solve import _published_if_no_worse

    folder = Path(__file__).resolve().parents[1] / "instances" / "tiny"
    tiny = models.read(folder)
    good = solve_and_check(tiny, expect=None).plan
    row = next(i for i, a in enumerate(good.activities) if a.activity == "practice" and a.with_supervisor)
    a = good.activities[row]
    shift = tiny.shift["D"]
    start, end = (a.start.replace(hour=shift.start.hour, minute=shift.start.minute),
                  a.end.replace(hour=shift.end.hour, minute=shift.end.minute))
    worse = Plan(good.assignments, good.activities[:row] + [replace(a, shift_code="D", start=start, end=end,
                                                                   with_supervisor=False)] + good.activities[row + 1:],
                 good.class_days)

    def pick(instance, published, new):
        return _published_if_no_worse(instance, published, new, score(instance, new, published))[0].sorted()

    assert pick(tiny, good, worse) == good.sorted()  # the published plan is better: it comes back
    assert pick(tiny, worse, good) == good.sorted()  # the new plan is better: it stays
    # the published supervisor is now away that day: the published plan breaks R8, the new one stays
    away = models.read(micro_copy(folder, tmp_path, absence_row=f"{a.supervisor_id},{a.date},{a.date},syk"))
    assert pick(away, good, worse) == worse.sorted()


def micro_copy(folder, tmp_path, absence_row: str):
    """A copy of an instance folder with one more absences.csv row."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with open(copy / "absences.csv", "a", encoding="utf-8") as f:
        f.write(absence_row + "\n")
    return copy


def _block_month(path, roster: list[str], **kw):
    """One recruit on the block model, weeks 34-37 of 2026, 10 school days at least,
    blocks of one or two weeks; his supervisor on a two-week roster (even ISO weeks are
    its week 1)."""
    from tests.builders import block_phase
    return micro(path, phases=[block_phase("2026-08-17", "2026-09-13", min_school_days=10,
                                           school_block_weeks=[1, 2], practice_block_weeks=[1, 2])],
                 recruits=["R1"], supervisors=[supervisor("V1", roster_id="RA")], rosters={"RA": roster}, **kw)


def test_a_phase_whose_published_weeks_no_longer_make_a_calendar_moves_few_school_days(tmp_path):
    """Published S P S P (the supervisor worked the odd weeks). Then his roster turns (he
    works the even weeks) and a closure takes a school day of week 34: the published weeks
    give 9 school days, fewer than 10, so the phase cannot keep them week by week. Planned
    afresh it would turn every week (P S P S: 19 school days moved, no day without
    supervisor); the plan that moves fewest school days where that pays (plan_change per
    recruit and day, 50) turns one practice week to school and keeps the rest (5 moved, a
    practice week without supervisor). An audit's Rogaland re-plan after one closure day
    moved 26 school days of a class where 6 would do."""
    odd, even = ["- - - - - - -", "D D D D D - -"], ["D D D D D - -", "- - - - - - -"]
    first = solve_and_check(_block_month(tmp_path / "published", odd), expect=None)
    weeks = sorted({d.isocalendar()[1] for d in school_days(first)})
    assert weeks == [34, 36]  # S P S P
    changed_files = dict(closures=[closure("2026-08-19")])
    again = solve_and_check(_block_month(tmp_path / "changed", even, **changed_files), expect=None,
                            options=replace(OPTIONS, published=first.plan))
    moved = set(school_days(again)) ^ set(school_days(first))
    assert len(moved - {date(2026, 8, 19)}) == 5, sorted(moved)
    assert {d.isocalendar()[1] for d in school_days(again)} >= {34, 36}
    # without a price on moved school days (plan_change 0) the phase is planned afresh
    free = solve_and_check(_block_month(tmp_path / "free", even, weights={"plan_change": 0}, **changed_files),
                           expect=None, options=replace(OPTIONS, published=first.plan))
    assert sorted({d.isocalendar()[1] for d in school_days(free)}) == [35, 37]
    assert len((set(school_days(free)) ^ set(school_days(first))) - {date(2026, 8, 19)}) == 19
    assert free.objective < again.objective  # what keeping the timetable costs

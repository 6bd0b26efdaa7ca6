"""models/kpis.py: the key figures of a plan, here the weekly rest report (D20) and the
block-model classes' blocks.

The Working Environment Act asks for 35 hours of rest in one piece in the course of seven
days (DOMAIN.md). SPEC.md does not make it a rule, so the planner does not plan for it; the
plan reports the recruit-weeks that miss it, and ``plan`` and ``validate`` name them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from cli import main
from models import read
from models.kpis import WEEKLY_REST_HOURS, block_runs, short_weekly_rests
from models.plan import Activity, Plan
from scheduler.export import write_plan
from tests.builders import (
    D,
    absence,
    block_phase,
    closure,
    micro,
    practice_phase,
    solve_and_check,
    supervisor,
    write_instance,
)

T = datetime.fromisoformat


def _shift(recruit_id: str, start: str, end: str) -> Activity:
    return Activity(recruit_id, T(start).date(), "practice", "rp", "K1", "S1", "W1", "V1", "D",
                    start=T(start), end=T(end), with_supervisor=True)


def _days(recruit_id: str, first: str, last: str, start: str = "07:30", end: str = "15:00") -> list[Activity]:
    day, out = D(first), []
    while day <= D(last):
        out.append(_shift(recruit_id, f"{day}T{start}", f"{day}T{end}"))
        day += timedelta(days=1)
    return out


# ---- the report on hand-made plans -----------------------------------------------------------
def test_a_week_without_35_hours_off_is_reported_with_its_longest_rest(tmp_path):
    inst = micro(tmp_path, phases=[practice_phase("2026-09-28", "2026-10-18")])
    # every day of week 41 but a saturday evening shift: the longest rest is saturday 22:00
    # to monday 07:30, 33.5 h, of which 26 h in week 41; the weeks before and after touch
    # the open rests of the plan's ends, so they are not short
    acts = [*_days("R1", "2026-10-04", "2026-10-09"), _shift("R1", "2026-10-10T14:30", "2026-10-10T22:00"),
            *_days("R1", "2026-10-12", "2026-10-12")]
    report = short_weekly_rests(inst, Plan(activities=acts))
    assert report == {"hours": WEEKLY_REST_HOURS, "recruit_weeks": 1,
                      "weeks": [{"recruit_id": "R1", "week": "2026-W41", "longest_rest_hours": 26.0}]}


def test_a_rest_serves_the_week_that_holds_35_hours_or_most_of_it(tmp_path):
    """Each week needs a rest of its own: thirteen working days in a row between two free
    weekends leave the week between them short, though a weekend touches each of its ends
    (the review's case; a rest used to serve every week it touched)."""
    inst = micro(tmp_path, phases=[practice_phase("2026-09-28", "2026-10-25")])
    # W40 monday to friday, then W41 monday to W42 saturday, then W43 monday
    acts = [*_days("R1", "2026-09-28", "2026-10-02"), *_days("R1", "2026-10-05", "2026-10-17"),
            *_days("R1", "2026-10-19", "2026-10-19")]
    weeks = short_weekly_rests(inst, Plan(activities=acts))["weeks"]
    # friday 15:00 to monday 07:30 (64.5 h, 57 h in W40) serves W40; saturday 15:00 to
    # monday 07:30 (40.5 h, 33 h in W42, the larger part) serves W42; W41 has 16.5 h at most
    assert weeks == [{"recruit_id": "R1", "week": "2026-W41", "longest_rest_hours": 16.5}]
    # with W41's weekend off too, every week has its own
    acts = [a for a in acts if a.date not in (D("2026-10-10"), D("2026-10-11"))]
    assert short_weekly_rests(inst, Plan(activities=acts))["weeks"] == []
    # a rest of 35 h in each of two weeks serves both: friday 15:00 to wednesday 07:30
    acts = [*_days("R1", "2026-09-28", "2026-10-02"), *_days("R1", "2026-10-07", "2026-10-11"),
            *_days("R1", "2026-10-12", "2026-10-12")]
    assert short_weekly_rests(inst, Plan(activities=acts))["weeks"] == []


def test_rest_is_counted_in_real_hours_across_the_autumn_clock_change(tmp_path):
    inst = micro(tmp_path, phases=[practice_phase("2026-10-12", "2026-11-01")])
    # saturday 24 october 21:00 to monday 07:30 is 34.5 h by the clock, but the clocks go
    # back that night: 35.5 real hours (D6), most of them in week 43, which has its rest
    base = [*_days("R1", "2026-10-18", "2026-10-23"), *_days("R1", "2026-10-26", "2026-10-26")]
    kept = [*base, _shift("R1", "2026-10-24T13:00", "2026-10-24T21:00")]
    assert short_weekly_rests(inst, Plan(activities=kept))["weeks"] == []
    # an hour later it is 34.5 real hours (28 in week 43 by the clock, 27 + the extra hour)
    short = [*base, _shift("R1", "2026-10-24T14:00", "2026-10-24T22:00")]
    assert short_weekly_rests(inst, Plan(activities=short))["weeks"] == [
        {"recruit_id": "R1", "week": "2026-W43", "longest_rest_hours": 27.0}]


def test_the_longest_rest_is_rounded_down(tmp_path):
    """A rest of 34 h 58 min is short and says 34.9 h, not 35.0."""
    inst = micro(tmp_path, phases=[practice_phase("2026-09-28", "2026-10-18")])
    acts = [*_days("R1", "2026-10-04", "2026-10-08"), _shift("R1", "2026-10-09T07:30", "2026-10-09T15:00"),
            _shift("R1", "2026-10-11T01:58", "2026-10-11T09:00"), *_days("R1", "2026-10-12", "2026-10-12")]
    weeks = short_weekly_rests(inst, Plan(activities=acts))["weeks"]
    assert weeks == [{"recruit_id": "R1", "week": "2026-W41", "longest_rest_hours": 34.9}]


def test_school_days_are_activities_too(tmp_path):
    inst = micro(tmp_path, phases=[practice_phase("2026-09-28", "2026-10-18")])
    acts = [*_days("R1", "2026-10-04", "2026-10-09"), _shift("R1", "2026-10-10T14:30", "2026-10-10T22:00"),
            *_days("R1", "2026-10-12", "2026-10-12")]
    school = Activity("R1", D("2026-10-09"), "school", "vg1", "K1", start=T("2026-10-09T08:30"),
                      end=T("2026-10-09T15:00"))
    without_friday = [a for a in acts if a.date != D("2026-10-09")]
    # friday off: thursday 15:00 to saturday 14:30 is 47.5 h, unless he is in school on friday
    assert short_weekly_rests(inst, Plan(activities=without_friday))["weeks"] == []
    weeks = short_weekly_rests(inst, Plan(activities=[*without_friday, school]))["weeks"]
    assert [w["week"] for w in weeks] == ["2026-W41"]


# ---- on a solved plan, in plan.json and on the command line ------------------------------------
ROSTER = {"RE": ["A - D D A - D"]}
"""Evening monday and friday, day shifts wednesday, thursday and sunday: 37.5 h with no rest
longer than 33.5 h (monday 22:00 to wednesday 07:30, friday 22:00 to sunday 07:30)."""


def test_a_recruit_who_follows_a_tight_roster_is_reported(tmp_path):
    inst = micro(tmp_path / "inst", phases=[practice_phase("2026-04-06", "2026-04-26")], recruits=["R1"],
                 supervisors=[supervisor("V1", roster_id="RE")], rosters=ROSTER)
    result = solve_and_check(inst)
    assert len([a for a in result.plan.activities if a.activity == "practice"]) == 15  # every shift
    rest = result.kpis["weekly_rest"]
    # the middle week: the rests that touch it end and start in weeks worked the same way
    assert rest["weeks"] == [{"recruit_id": "R1", "week": "2026-W16", "longest_rest_hours": 33.5}]

    out = write_plan(inst, result, tmp_path / "plan")
    assert json.loads((out / "plan.json").read_text())["kpis"]["weekly_rest"] == rest

    got = CliRunner().invoke(main, ["validate", str(tmp_path / "inst"), str(out)])
    assert got.exit_code == 0, got.output
    assert "note: 1 recruit-week(s) without 35 hours of rest" in got.output
    assert "R1 in 2026-W16: longest rest in the week 33.5 h" in got.output


def test_no_note_when_every_week_has_its_rest(tmp_path):
    folder = write_instance(tmp_path / "inst", phases=[practice_phase("2026-04-06", "2026-04-26")],
                            recruits=["R1"], supervisors=["V1"])
    inst = read(folder)
    result = solve_and_check(inst)
    assert result.kpis["weekly_rest"] == {"hours": WEEKLY_REST_HOURS, "recruit_weeks": 0, "weeks": []}
    out = write_plan(inst, result, tmp_path / "plan")
    got = CliRunner().invoke(main, ["validate", str(folder), str(out)])
    assert got.exit_code == 0 and "note:" not in got.output, got.output


# ---- kpis.blocks ------------------------------------------------------------------------------
def test_blocks_name_each_block_and_the_holiday_that_cuts_them(tmp_path):
    """Five block weeks (34-38); week 36 is an autumn break, the only teacher is away in weeks
    34 and 38 (practice weeks) and 10 school days are needed: school in 35 and 37, each a
    one-week block cut by the break. ``kpis.blocks`` reads them off the plan, and ``plan``
    prints them."""
    folder = write_instance(
        tmp_path / "inst",
        phases=[block_phase("2026-08-17", "2026-09-20", min_school_days=10, school_block_weeks=[3, 3])],
        absences=[absence("T1", "2026-08-17", "2026-08-21"), absence("T1", "2026-09-14", "2026-09-18")],
        closures=[closure("2026-08-31", "2026-09-04", reason="Høstferie")])
    result = solve_and_check(read(folder))
    assert result.kpis["blocks"] == {"K1": {"vg2": "P1 S1 | S1 P1"}}
    out = CliRunner().invoke(main, ["plan", str(folder), "--out", str(tmp_path / "plan"), "--time-limit", "10"])
    assert out.exit_code == 0, out.output
    assert "blocks K1: vg2 P1 S1 | S1 P1" in out.output
    assert json.loads((tmp_path / "plan" / "plan.json").read_text())["kpis"]["blocks"] == result.kpis["blocks"]


def test_weekly_classes_have_no_blocks():
    assert block_runs(read(Path(__file__).resolve().parents[1] / "instances" / "tiny"), Plan()) == {}

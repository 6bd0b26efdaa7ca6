"""Rule-by-rule tests of the independent plan validator (scheduler/validate.py).

A micro-instance (written as CSV files by the ``micro`` fixture) with two classes K1/K2
sharing a day at school SK1, three recruits, four supervisors on two wards and three
phases:

* ``rp``  practice phase 2026-04-06 .. 04-19 (two full weeks; 6 April is Easter Monday);
* ``vg1`` weekly alternation 2026-08-17 .. 09-04 (weeks 34, 35 full, 36 short: 4 Sept is
  closed); K1 is in school Mon-Wed, K2 Wed-Fri, Wednesday is their joint day;
* ``vg2`` block alternation 2026-09-07 .. 10-16, school/practice blocks of 2-3 weeks, week
  41 closed (autumn break). K1: S P P S - S, K2: P S S P - P.

Rosters: ``RD`` is D Monday to Friday; ``RV`` (supervisor V3) alternates a week
``A D D D N - -`` with ``D D D D D - -``. The control plan follows the rosters; where
V3's A on Monday would leave 9.5 h rest before Tuesday's D, or his N is not allowed, the
recruit works D without supervisor (allowed by D9). Each test changes the control plan in
one place and expects exactly one rule to be reported.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import models
from cli import main
from models.domain import DAY_SHIFT, Instance
from models.kpis import kpis_of
from models.plan import Activity, Assignment, ClassDay, Plan, Result, Status
from models.score import score
from scheduler.export import event_uid, write_plan
from scheduler.validate import Violation, validate, validate_plan

D = date.fromisoformat

# ---- the micro-instance ----------------------------------------------------------------
FILES = {
    "instance.toml": """
[instance]
name = "validator micro"
timezone = "Europe/Oslo"
country = "NO"

[rules]
min_rest_hours = 11
max_travel_minutes = 60
school_day = { start = "08:30", end = "15:00" }
practice_on_weekends = false
practice_in_school_holidays = false

[[phases]]
id = "rp"
kind = "practice"
start = 2026-04-06
end = 2026-04-19
min_shifts_per_week = 3
max_hours_per_week = 37.5
allow_night = false

[[phases]]
id = "vg1"
kind = "alternation"
start = 2026-08-17
end = 2026-09-04
model = "weekly"
school_days_per_week = 3
practice_days_per_week = 2
min_school_days = 8
max_hours_per_week = 37.5

[[phases]]
id = "vg2"
kind = "alternation"
start = 2026-09-07
end = 2026-10-16
model = "block"
school_block_weeks = [2, 3]
practice_block_weeks = [2, 3]
min_school_days = 10
min_shifts_per_practice_week = 3
max_hours_per_week = 37.5
""",
    "recruits.csv": """id,name,class_id,lat,lon,max_travel_minutes,unavailable_weekdays
K1R1,Ola Nordmann,K1,58.97,5.73,,
K1R2,Kari Nordmann,K1,58.97,5.73,,
K2R1,Per Ås,K2,58.97,5.73,,wed
""",
    "sites.csv": """id,name,municipality,lat,lon,address
S1,Sjøbris sykehjem,Stavanger,58.97,5.73,Gate 1
S2,Kvarven sykehjem,Sandnes,58.85,5.74,Gate 2
""",
    "wards.csv": """id,site_id,name,ward_type,capacity,first_placement_ok
W1,S1,Avdeling A,somatic,2,true
W2,S2,Avdeling B,dementia,2,true
""",
    "supervisors.csv": """id,name,ward_id,roster_id,roster_start,position_pct,qualified,max_recruits
V1,Anne,W1,RD,2026-01-05,100,true,1
V2,Berit,W1,RD,2026-01-05,100,true,2
V3,Cecilie,W2,RV,2026-01-05,100,true,1
V4,Dag,W2,RD,2026-01-05,100,true,1
""",
    "rosters.csv": """roster_id,week,mon,tue,wed,thu,fri,sat,sun
RD,1,D,D,D,D,D,-,-
RV,1,A,D,D,D,N,-,-
RV,2,D,D,D,D,D,-,-
""",
    "shifts.csv": """code,name,start,end
D,Dagvakt,07:30,15:00
A,Kveldsvakt,14:30,22:00
N,Nattevakt,21:45,07:45
L,Langvakt,08:00,20:30
""",
    "schools.csv": """id,name,lat,lon,address
SK1,Vidaregåande skule,58.97,5.73,Skulevegen 1
SK2,Bryne vidaregåande,58.73,5.65,Skulevegen 2
""",
    "classes.csv": """id,school_id,name,model,shared_day_with
K1,SK1,Klasse A,,K2
K2,SK1,Klasse B,,K1
""",
    "teachers.csv": """id,school_id,name,weekdays,max_days_per_week
T1,SK1,Guri,mon;tue;wed;thu;fri,5
T2,SK1,Svein,mon;tue;wed;thu;fri,5
T3,SK1,Laila,mon;tue;wed,2
T4,SK2,Olav,mon;tue;wed;thu;fri,5
""",
    "closures.csv": """start,end,reason
2026-09-04,2026-09-04,Planleggingsdag
2026-10-05,2026-10-09,Høstferie
""",
    "absences.csv": """person_id,start,end,reason
V2,2026-08-20,2026-08-20,kurs
K1R1,2026-08-26,2026-08-26,lege
T3,2026-08-17,2026-08-17,syk
""",
    "travel.csv": """recruit_id,site_id,minutes
K1R1,S1,20
K1R1,S2,90
K1R2,S1,25
K1R2,S2,30
K2R1,S1,30
K2R1,S2,15
""",
}


@pytest.fixture(scope="module")
def inst(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    folder = tmp_path_factory.mktemp("micro")
    for name, text in FILES.items():
        (folder / name).write_text(text.lstrip("\n"), encoding="utf-8")
    return models.read(folder)


# ---- building plans ----------------------------------------------------------------------
def days(start: str, end: str, weekdays: str = "0123456") -> set[date]:
    d0, d1 = D(start), D(end)
    return {d0 + timedelta(i) for i in range((d1 - d0).days + 1)
            if str((d0 + timedelta(i)).weekday()) in weekdays}


MON_FRI = "01234"
K1_SCHOOL = (
    days("2026-08-17", "2026-08-28", "012") | {D("2026-08-31"), D("2026-09-01")}
    | days("2026-09-07", "2026-09-11") | days("2026-09-28", "2026-10-02")
    | days("2026-10-12", "2026-10-16")
)
K2_SCHOOL = (
    days("2026-08-17", "2026-08-28", "234") | {D("2026-09-02"), D("2026-09-03")}
    | days("2026-09-14", "2026-09-25", MON_FRI)
)
K1_VG1_PRACTICE = days("2026-08-17", "2026-08-28", "34") | {D("2026-09-02"), D("2026-09-03")}
K2_VG1_PRACTICE = days("2026-08-17", "2026-09-01", "01")
CONTROL_SUPERVISOR = {"K1R1": "V1", "K1R2": "V2", "K2R1": "V3"}
PHASES = ("rp", "vg1", "vg2")


def roster_days(inst: Instance, rid: str, sup: str, dates: set[date]) -> set[date]:
    """Dates on which the supervisor's roster has a shift and the recruit may practise
    (closures and public holidays count only in alternation phases, R12)."""
    r = inst.recruit[rid]
    school = inst.klass[r.class_id].school_id
    return {d for d in dates if inst.supervisor_shift(sup, d) is not None
            and d.weekday() not in r.unavailable_weekdays and not inst.is_absent(rid, d)
            and (phase_kind(inst, d) == "practice" or inst.closure_reason(school, d) is None)}


def phase_kind(inst: Instance, d: date) -> str:
    return next(p.kind for p in inst.phases if p.contains(d))


def control_practice(inst: Instance, sups: dict[str, str] | None = None) -> dict[str, set[date]]:
    sups = {**CONTROL_SUPERVISOR, **(sups or {})}
    rp = days("2026-04-06", "2026-04-19")
    k1_vg2 = days("2026-09-14", "2026-09-27")
    k2_vg2 = days("2026-09-07", "2026-09-13") | days("2026-09-28", "2026-10-04") \
        | days("2026-10-12", "2026-10-16")
    return {
        "K1R1": roster_days(inst, "K1R1", sups["K1R1"], rp | k1_vg2)
        | (K1_VG1_PRACTICE - {D("2026-08-26")}),
        "K1R2": roster_days(inst, "K1R2", sups["K1R2"], rp | k1_vg2) | K1_VG1_PRACTICE,
        "K2R1": roster_days(inst, "K2R1", sups["K2R1"], rp | k2_vg2) | K2_VG1_PRACTICE,
    }


def phase_of(inst: Instance, d: date) -> str:
    return next(p.id for p in inst.phases if p.contains(d))


def build(
    inst: Instance,
    *,
    school: dict[str, set[date]] | None = None,
    practice: dict[str, set[date]] | None = None,
    sups: dict[tuple[str, str], str] | None = None,
) -> Plan:
    """A plan from school days per class, practice days per recruit and supervisors.

    Class days on a date where both classes are in school are joint (teacher T1); other
    days K1 -> T1, K2 -> T2. A practice day is with the supervisor on his roster shift
    unless he is off/absent or it is a night shift, or the shift leaves < 11 h rest to a
    neighbouring activity: then D without supervisor (D9).
    """
    school = school if school is not None else {"K1": K1_SCHOOL, "K2": K2_SCHOOL}
    assigned = {(r, p): CONTROL_SUPERVISOR[r] for r in CONTROL_SUPERVISOR for p in PHASES}
    assigned.update(sups or {})
    if practice is None:
        practice = control_practice(inst)
    plan = Plan()
    for (rid, pid), sid in sorted(assigned.items()):
        sup = inst.supervisor[sid]
        site = inst.ward[sup.ward_id].site_id
        plan.assignments.append(Assignment(rid, pid, sid, sup.ward_id, site,
                                           inst.travel_minutes(rid, site)))
    k1, k2 = school.get("K1", set()), school.get("K2", set())
    for cid, own, other, partner, teacher in (("K1", k1, k2, "K2", "T1"), ("K2", k2, k1, "K1", "T2")):
        for d in sorted(own):
            joint = d in other
            plan.class_days.append(ClassDay(cid, d, "T1" if joint else teacher,
                                            partner if joint else ""))
    for r in inst.recruits:
        for d in sorted(school.get(r.class_id, set())):
            if not inst.is_absent(r.id, d):
                s, e = inst.school_day_window(r.class_id, d)
                plan.activities.append(Activity(r.id, d, "school", phase_of(inst, d), r.class_id,
                                                start=s, end=e))
    for rid, dates in sorted(practice.items()):
        r = inst.recruit[rid]
        for d in sorted(dates):
            pid = phase_of(inst, d)
            sid = assigned[(rid, pid)]
            sup = inst.supervisor[sid]
            own = inst.supervisor_works(sid, d)
            code, with_sup = (own, True) if own and not inst.shift[own].is_night else (DAY_SHIFT, False)
            s, e = inst.shift[code].window(d)
            plan.activities.append(Activity(
                rid, d, "practice", pid, r.class_id, inst.ward[sup.ward_id].site_id, sup.ward_id,
                sid, code, s, e, with_sup))
    # rest pass: a supervisor shift that leaves too little rest becomes D without him
    rest = timedelta(hours=inst.rules.min_rest_hours)
    acts = sorted(plan.activities, key=lambda a: (a.recruit_id, a.start))
    for i, a in enumerate(acts):
        if a.activity != "practice" or not a.with_supervisor:
            continue
        near = [o for o in acts[max(0, i - 1):i + 2] if o is not a and o.recruit_id == a.recruit_id]
        if any(abs(o.start - a.end) < rest and o.start >= a.start or
               abs(a.start - o.end) < rest and o.start < a.start for o in near):
            s, e = inst.shift[DAY_SHIFT].window(a.date)
            acts[i] = replace(a, shift_code=DAY_SHIFT, start=s, end=e, with_supervisor=False)
    plan.activities = acts
    return plan.sorted()


def edit(plan: Plan, recruit_id: str, day: str, **changes: object) -> Plan:
    """The plan with one recruit_calendar row changed (``None`` removes it)."""
    out, found = [], False
    for a in plan.activities:
        if a.recruit_id == recruit_id and a.date == D(day):
            found = True
            if changes.get("remove"):
                continue
            a = replace(a, **changes)
        out.append(a)
    assert found, f"no row for {recruit_id} on {day}"
    return Plan(plan.assignments, out, plan.class_days)


def with_shift(inst: Instance, plan: Plan, rid: str, day: str, code: str, with_sup: bool) -> Plan:
    s, e = inst.shift[code].window(D(day))
    return edit(plan, rid, day, shift_code=code, start=s, end=e, with_supervisor=with_sup)


def rules(found: list[Violation]) -> set[str]:
    return {v.rule for v in found}


@pytest.fixture(scope="module")
def control(inst: Instance) -> Plan:
    return build(inst)


# ---- the control plan --------------------------------------------------------------------
def test_control_plan_has_no_violation(inst: Instance, control: Plan) -> None:
    # the control plan keeps every rule: nothing to report
    assert validate_plan(inst, control) == []


def test_control_plan_exercises_the_interesting_cases(control: Plan) -> None:
    # guards against a control plan that passes only because it is empty: 3 recruits x 3
    # phases, V2's absence and V3's A/N days give days without supervisor, and week 34
    # has a joint Wednesday
    assert len(control.assignments) == 9
    without = {(a.recruit_id, a.date.isoformat()) for a in control.activities
               if a.with_supervisor is False}
    assert ("K1R2", "2026-08-20") in without  # V2 absent
    assert ("K2R1", "2026-04-13") in without  # V3's A would leave 9.5 h before Tuesday's D
    assert ("K2R1", "2026-04-17") in without  # V3's N: nights not allowed
    assert any(c.joint_with for c in control.class_days if c.date == D("2026-08-19"))


# ---- R1 -----------------------------------------------------------------------------------
def test_r1_travel_over_limit(inst: Instance) -> None:
    # K1R1 -> V4 at S2 in vg1: 90 min travel, his limit is the default 60 min
    plan = build(inst, sups={("K1R1", "vg1"): "V4"})
    found = validate_plan(inst, plan)
    assert rules(found) == {"R1"}
    assert "90 min" in found[0].message and "K1R1" in found[0].message


def test_r1_missing_supervisor(inst: Instance, control: Plan) -> None:
    plan = Plan([a for a in control.assignments if (a.recruit_id, a.phase_id) != ("K2R1", "vg2")],
                control.activities, control.class_days)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == ["R1: recruit K2R1 has no supervisor in phase vg2"]


def test_r1_travel_minutes_disagree_with_the_instance(inst: Instance, control: Plan) -> None:
    assignments = [replace(a, travel_minutes=5) if (a.recruit_id, a.phase_id) == ("K1R1", "vg1")
                   else a for a in control.assignments]
    found = validate_plan(inst, Plan(assignments, control.activities, control.class_days))
    assert [v.message for v in found] == [
        "R1: recruit K1R1 in phase vg1: assignments.csv gives 5 min travel to site S1, the "
        "instance gives 20 min"]


def test_r1_two_supervisors_in_one_phase(inst: Instance, control: Plan) -> None:
    # a second row for K2R1 in vg1 (V4 on the same ward): exactly one supervisor per phase
    extra = Assignment("K2R1", "vg1", "V4", "W2", "S2", 15)
    found = validate_plan(inst, Plan([*control.assignments, extra], control.activities,
                                     control.class_days))
    assert [v.message for v in found] == [
        "R1: recruit K2R1 has 2 assignments in phase vg1 (V3, V4); exactly one is allowed"]


def test_r1_ward_and_site_are_not_the_supervisors(inst: Instance, control: Plan) -> None:
    assignments = [replace(a, ward_id="W2", site_id="S2") if (a.recruit_id, a.phase_id) ==
                   ("K1R2", "rp") else a for a in control.assignments]
    found = validate_plan(inst, Plan(assignments, control.activities, control.class_days))
    assert rules(found) == {"R1", "CAL"}  # the calendar rows still name W1/S1
    assert ("R1: recruit K1R2 in phase rp: supervisor V2 works on ward W1 at site S1, not ward "
            "W2 at site S2") in [v.message for v in found]


# ---- R2 -----------------------------------------------------------------------------------
def test_r2_supervisor_max_recruits(inst: Instance) -> None:
    # V1 (max_recruits 1) takes both K1 recruits in the recruit period
    plan = build(inst, sups={("K1R2", "rp"): "V1"})
    found = validate_plan(inst, plan)
    assert rules(found) == {"R2"}
    assert found[0].message.startswith("R2: supervisor V1 has 2 recruits in phase rp")


def test_r2_ward_capacity(inst: Instance) -> None:
    # K2R1 joins V2 (max 2) on W1 in the recruit period: 3 recruits on W1 (capacity 2) on
    # each of the 8 weekdays K2R1 works (Mon, Tue, Thu, Fri of both weeks)
    plan = build(inst, sups={("K2R1", "rp"): "V2"}, practice=control_practice(inst, {"K2R1": "V2"}))
    found = validate_plan(inst, plan)
    assert rules(found) == {"R2"}
    assert len(found) == 8
    assert all("ward W1 has 3 recruits" in v.message for v in found)


# ---- R3 -----------------------------------------------------------------------------------
def test_r3_school_on_closure(inst: Instance) -> None:
    # K1 adds Friday 4 Sept (a closure) to its short week: 3 school days is still "at most 3"
    plan = build(inst, school={"K1": K1_SCHOOL | {D("2026-09-04")}, "K2": K2_SCHOOL})
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R3: class K1 has school on fri 2026-09-04, which is closed (Planleggingsdag)"]


def test_r3_recruit_missing_from_school(inst: Instance, control: Plan) -> None:
    plan = edit(control, "K1R2", "2026-08-17", remove=True)
    found = validate_plan(inst, plan)
    assert rules(found) == {"R3"}
    assert "K1R2 is not in school on mon 2026-08-17" in found[0].message


def test_r3_school_on_a_weekend(inst: Instance) -> None:
    # K1 adds Saturday 12 Sept to its school week 37 (block model, nobody practises)
    plan = build(inst, school={"K1": K1_SCHOOL | {D("2026-09-12")}, "K2": K2_SCHOOL})
    found = validate_plan(inst, plan)
    assert rules(found) == {"R3", "R7"}  # T1 does not teach on Saturdays (and has 6 days)
    assert "R3: class K1 has school on sat 2026-09-12, a weekend" in [v.message for v in found]


def test_r3_school_between_phases(inst: Instance, control: Plan) -> None:
    # a class day on Mon 3 Aug, between the recruit period and vg1 (no recruit rows)
    plan = Plan(control.assignments, control.activities,
                [*control.class_days, ClassDay("K2", D("2026-08-03"), "T2")])
    messages = [v.message for v in validate_plan(inst, plan)]
    assert "R3: class K2 has school on mon 2026-08-03, outside every alternation phase" in messages
    assert "R3: recruit K2R1 is not in school on mon 2026-08-03, a school day of his class K2, " \
           "and is not absent" in messages


def test_r3_school_on_a_public_holiday_in_a_practice_phase(inst: Instance) -> None:
    # Easter Monday 6 April: a public holiday inside the recruit period (the recruits keep
    # their practice rows there; the school rows make two rows a day)
    plan = build(inst, school={"K1": K1_SCHOOL | {D("2026-04-06")}, "K2": K2_SCHOOL})
    messages = [v.message for v in validate_plan(inst, plan)]
    assert "R3: class K1 has school on mon 2026-04-06, outside every alternation phase" in messages
    assert "R3: class K1 has school on mon 2026-04-06, which is closed (Andre påskedag)" in messages


def test_r3_school_row_on_a_day_without_class_school(inst: Instance, control: Plan) -> None:
    # K2R1 has a school row on Mon 17 Aug, a school day of K1 only, instead of practice
    s, e = inst.school_day_window("K2", D("2026-08-17"))
    plan = edit(control, "K2R1", "2026-08-17", activity="school", site_id="", ward_id="",
                supervisor_id="", shift_code="", start=s, end=e, with_supervisor=None)
    found = validate_plan(inst, plan)
    assert "R3: recruit K2R1 has a school row on mon 2026-08-17, which is not a school day of " \
           "his class K2" in [v.message for v in found]


# ---- R4 -----------------------------------------------------------------------------------
def test_r4_one_practice_day_in_full_week(inst: Instance, control: Plan) -> None:
    # week 34 is a full week and K1R1 is present: exactly 2 practice days, he has 1
    plan = edit(control, "K1R1", "2026-08-21", remove=True)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R4: recruit K1R1 has 1 practice day in the full week 2026-W34 of phase vg1; exactly 2 "
        "are required"]


def test_r4_practice_days_not_consecutive(inst: Instance) -> None:
    # week 35: K1 in school Mon, Tue, Thu (joint with K2 on Thu); K1R2 practises Wed + Fri
    # (K1R1 is absent on Wed and practises Fri only, which "at most" allows)
    k1 = K1_SCHOOL - {D("2026-08-26")} | {D("2026-08-27")}
    practice = control_practice(inst)
    practice["K1R1"] = practice["K1R1"] - {D("2026-08-27")}
    practice["K1R2"] = practice["K1R2"] - {D("2026-08-27")} | {D("2026-08-26")}
    plan = build(inst, school={"K1": k1, "K2": K2_SCHOOL}, practice=practice)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R4: recruit K1R2's practice days in week 2026-W35 (2026-08-26, 2026-08-28) are not "
        "consecutive"]


def test_r4_too_many_school_days_in_a_short_week(inst: Instance) -> None:
    # week 36 is short (Fri 4 Sept closed): K1 in school Mon-Thu is 4 > "at most 3"; its
    # recruits give up their practice days Wed and Thu
    k1 = K1_SCHOOL | {D("2026-09-02"), D("2026-09-03")}
    practice = control_practice(inst)
    for rid in ("K1R1", "K1R2"):
        practice[rid] = practice[rid] - {D("2026-09-02"), D("2026-09-03")}
    found = validate_plan(inst, build(inst, school={"K1": k1, "K2": K2_SCHOOL}, practice=practice))
    assert [v.message for v in found] == [
        "R4: class K1 has 4 school days in the short week 2026-W36 of phase vg1; at most 3 are "
        "allowed"]


def test_r4_short_week_fewer_days_is_allowed(inst: Instance, control: Plan) -> None:
    # week 36 is short (Fri 4 Sept closed): K1 has 2 school days in the control plan, and
    # K1R2 may practise on Thursday only ("at most 2"); the control plan's week 35 already
    # holds K1R1 (absent on Wednesday) to "at most"
    plan = edit(control, "K1R2", "2026-09-02", remove=True)
    assert validate_plan(inst, plan) == []


def test_r4_practice_on_a_school_day(inst: Instance, control: Plan) -> None:
    # K1R2 practises on Mon 17 Aug (a school day of K1) instead of Thu 20 Aug
    s, e = inst.shift["D"].window(D("2026-08-17"))
    plan = edit(control, "K1R2", "2026-08-17", activity="practice", site_id="S1", ward_id="W1",
                supervisor_id="V2", shift_code="D", start=s, end=e, with_supervisor=True)
    plan = edit(plan, "K1R2", "2026-08-20", remove=True)
    messages = [v.message for v in validate_plan(inst, plan)]
    assert "R4: recruit K1R2 practises on mon 2026-08-17, a school day of his class K1" in messages
    assert "R3: recruit K1R2 is not in school on mon 2026-08-17, a school day of his class K1, " \
           "and is not absent" in messages


def test_r4_practice_on_a_weekend(inst: Instance, control: Plan) -> None:
    # K1R1 (absent Wed 26 Aug, so "at most" in week 35) works Fri + Sat instead of Thu + Fri
    s, e = inst.shift["D"].window(D("2026-08-29"))
    plan = edit(control, "K1R1", "2026-08-27", date=D("2026-08-29"), start=s, end=e,
                with_supervisor=False)
    assert [v.message for v in validate_plan(inst, plan)] == [
        "R4: recruit K1R1 practises on sat 2026-08-29, a weekend (practice_on_weekends = false)"]


# ---- R5 -----------------------------------------------------------------------------------
def test_r5_practice_block_too_short(inst: Instance) -> None:
    # K1 turns practice week 39 into a school week: S37 P38 S39-40, so the practice block
    # of week 38 lasts 1 week (2-3 required) and touches neither the phase edges nor a
    # closed week. K1 and K2 are both in school in week 39: all five days joint.
    practice = control_practice(inst)
    for rid in ("K1R1", "K1R2"):
        practice[rid] = practice[rid] - days("2026-09-21", "2026-09-27")
    plan = build(inst, school={"K1": K1_SCHOOL | days("2026-09-21", "2026-09-25"), "K2": K2_SCHOOL},
                 practice=practice)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R5: class K1 has a practice block of 1 week(s) (2026-W38 to 2026-W38) in phase vg2; "
        "practice blocks last 2 to 3 weeks"]


def test_r5_practice_in_school_week(inst: Instance, control: Plan) -> None:
    # K1R1 works Saturday 12 Sept (V1 off: D without him) in K1's school week 37
    s, e = inst.shift["D"].window(D("2026-09-12"))
    extra = Activity("K1R1", D("2026-09-12"), "practice", "vg2", "K1", "S1", "W1", "V1", "D",
                     s, e, False)
    plan = Plan(control.assignments, [*control.activities, extra], control.class_days)
    found = validate_plan(inst, plan)
    assert rules(found) == {"R5"}
    assert "a school week of his class K1" in found[0].message


def test_r5_edge_blocks_are_exempt(control: Plan) -> None:
    # the control plan has K2's practice week 37 (1 week, at the phase start) and K1's school
    # week 42 (1 week, after the closed week 41): both shorter than 2, both allowed (D14)
    k2_37 = {c.date for c in control.class_days if c.class_id == "K2"} & days("2026-09-07", "2026-09-13")
    k1_42 = {c.date for c in control.class_days if c.class_id == "K1"} & days("2026-10-12", "2026-10-18")
    assert not k2_37 and len(k1_42) == 5


def test_r5_school_week_misses_an_open_day(inst: Instance) -> None:
    plan = build(inst, school={"K1": K1_SCHOOL - {D("2026-09-09")}, "K2": K2_SCHOOL})
    assert [v.message for v in validate_plan(inst, plan)] == [
        "R5: class K1 is in school on 4 of the 5 open school days of week 2026-W37 (phase vg2, "
        "block model); a school week has school on every open day"]


def test_r5_practice_in_a_closed_week(inst: Instance, control: Plan) -> None:
    # week 41 is the autumn break (no open school day): neither a school nor a practice
    # week, so K1R1's Saturday shift there (not itself a closure) is not allowed
    s, e = inst.shift["D"].window(D("2026-10-10"))
    row = Activity("K1R1", D("2026-10-10"), "practice", "vg2", "K1", "S1", "W1", "V1", "D", s, e,
                   False)
    plan = Plan(control.assignments, [*control.activities, row], control.class_days)
    assert [v.message for v in validate_plan(inst, plan)] == [
        "R5: recruit K1R1 practises on sat 2026-10-10 in week 2026-W41, which has no open school "
        "day (neither a school nor a practice week of class K1)"]


# ---- R6 -----------------------------------------------------------------------------------
def test_r6_shared_day_not_joint(inst: Instance, control: Plan) -> None:
    # Wednesday 19 Aug: both classes in school, but taught separately (T1 and T2)
    class_days = [replace(c, joint_with="", teacher_id="T1" if c.class_id == "K1" else "T2")
                  if c.date == D("2026-08-19") else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert rules(found) == {"R6"}
    assert "K1 and K2 are both in school on wed 2026-08-19 but not taught together" in found[0].message


def test_r6_more_than_one_shared_day(inst: Instance) -> None:
    # week 34: K2 moves to Mon-Wed like K1, so they share 3 days (all taught jointly by T1);
    # K2R1 practises Thu + Fri instead of Mon + Tue
    k2 = K2_SCHOOL - days("2026-08-20", "2026-08-21") | days("2026-08-17", "2026-08-18")
    practice = control_practice(inst)
    practice["K2R1"] = practice["K2R1"] - days("2026-08-17", "2026-08-18") \
        | days("2026-08-20", "2026-08-21")
    found = validate_plan(inst, build(inst, school={"K1": K1_SCHOOL, "K2": k2}, practice=practice))
    assert [v.message for v in found] == [
        "R6: classes K1 and K2 share 3 school days in week 2026-W34 of phase vg1; exactly one is "
        "required"]


def test_r6_joint_day_with_two_teachers(inst: Instance, control: Plan) -> None:
    class_days = [replace(c, teacher_id="T2") if (c.class_id, c.date) == ("K2", D("2026-08-19"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R6: the joint day wed 2026-08-19 of classes K1 and K2 has two teachers (T1, T2); it needs "
        "one"]


def test_r6_joint_with_on_one_row_only(inst: Instance, control: Plan) -> None:
    class_days = [replace(c, joint_with="") if (c.class_id, c.date) == ("K2", D("2026-08-19"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    messages = [v.message for v in found]
    assert "R6: classes K1 and K2 are both in school on wed 2026-08-19 but not taught together " \
           "(joint_with K2 / -)" in messages
    assert "R7: teacher T1 teaches 2 groups on wed 2026-08-19 (K1+K2; K2)" in messages


def test_r6_joint_with_a_class_not_in_school(inst: Instance, control: Plan) -> None:
    class_days = [replace(c, joint_with="K2") if (c.class_id, c.date) == ("K1", D("2026-08-17"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R6: class K1 is marked joint with K2 on mon 2026-08-17, but K2 has no school that day"]


def test_r6_joint_with_a_class_that_is_not_the_partner(inst: Instance, control: Plan) -> None:
    class_days = [replace(c, joint_with="K1") if (c.class_id, c.date) == ("K1", D("2026-08-17"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R6: class K1 is marked joint with K1 on mon 2026-08-17, which is not its partner class"]


# ---- R7 -----------------------------------------------------------------------------------
def test_r7_teacher_on_wrong_weekday(inst: Instance, control: Plan) -> None:
    # T3 teaches mon-wed only; here he takes K2's Friday 21 Aug
    class_days = [replace(c, teacher_id="T3") if (c.class_id, c.date) == ("K2", D("2026-08-21"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R7: teacher T3 teaches class K2 on fri 2026-08-21, not one of his weekdays"]


def test_r7_teacher_over_max_days(inst: Instance, control: Plan) -> None:
    # T3 (max 2 days a week) takes K2's Mon, Tue, Wed of block week 38: 3 days
    mtw = days("2026-09-14", "2026-09-16")
    class_days = [replace(c, teacher_id="T3") if c.class_id == "K2" and c.date in mtw else c
                  for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == ["R7: teacher T3 teaches on 3 days in week 2026-W38, max 2"]


def test_r7_absent_teacher(inst: Instance, control: Plan) -> None:
    # T3 (mon-wed) is absent on Mon 17 Aug
    class_days = [replace(c, teacher_id="T3") if (c.class_id, c.date) == ("K1", D("2026-08-17"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R7: teacher T3 teaches class K1 on mon 2026-08-17 but is absent"]


def test_r7_teacher_of_another_school(inst: Instance, control: Plan) -> None:
    class_days = [replace(c, teacher_id="T4") if (c.class_id, c.date) == ("K1", D("2026-08-17"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R7: teacher T4 of school SK2 teaches class K1 of school SK1 on mon 2026-08-17"]


def test_r7_class_day_without_teacher(inst: Instance, control: Plan) -> None:
    class_days = [replace(c, teacher_id="") if (c.class_id, c.date) == ("K1", D("2026-08-17"))
                  else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert [v.message for v in found] == [
        "R7: class K1 has no known teacher on mon 2026-08-17 (teacher_id -)"]


# ---- R8 -----------------------------------------------------------------------------------
def test_r8_with_absent_supervisor(inst: Instance, control: Plan) -> None:
    # V2 is absent on Thu 20 Aug, but K1R2's row says he works D with him
    plan = with_shift(inst, control, "K1R2", "2026-08-20", "D", True)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R8: recruit K1R2 is marked with supervisor V2 on thu 2026-08-20, but V2 is absent"]


def test_r8_without_supervisor_although_he_works(inst: Instance, control: Plan) -> None:
    # V1 works D on Thu 20 Aug; K1R1 works D "without supervisor" for no reason (D9)
    plan = with_shift(inst, control, "K1R1", "2026-08-20", "D", False)
    found = validate_plan(inst, plan)
    assert rules(found) == {"R8"}
    assert "K1R1 works D without supervisor on thu 2026-08-20" in found[0].message


def test_r8_with_supervisor_on_his_day_off(inst: Instance, control: Plan) -> None:
    # recruit period: K1R1 swaps Friday 10 April for Saturday 11 April "with" V1, who is off
    # (weekly hours and minimum shifts are unchanged)
    s, e = inst.shift["D"].window(D("2026-04-11"))
    plan = edit(control, "K1R1", "2026-04-10", date=D("2026-04-11"), start=s, end=e)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R8: recruit K1R1 is marked with supervisor V1 on sat 2026-04-11, but V1 is off by his "
        "roster"]


def test_r8_with_supervisor_on_another_shift(inst: Instance, control: Plan) -> None:
    # V1 works D on Tue 7 April; K1R1's row says A "with" him
    plan = with_shift(inst, control, "K1R1", "2026-04-07", "A", True)
    messages = [v.message for v in validate_plan(inst, plan)]
    assert "R8: recruit K1R1 works shift A with supervisor V1 on tue 2026-04-07, but V1 works " \
           "shift D that day" in messages


def test_r8_without_supervisor_not_on_the_day_shift(inst: Instance, control: Plan) -> None:
    # V3's N on Fri 17 April is not allowed (nights), so K2R1 may work D without him - not A
    plan = with_shift(inst, control, "K2R1", "2026-04-17", "A", False)
    assert [v.message for v in validate_plan(inst, plan)] == [
        "R8: recruit K2R1 works shift A without his supervisor on fri 2026-04-17; without "
        "supervisor only the ward's day shift D is allowed"]


# ---- R9 -----------------------------------------------------------------------------------
def test_r9_rest_after_evening_shift(inst: Instance, control: Plan) -> None:
    # K2R1 works V3's A on Mon 13 April (ends 22:00) and D on Tuesday (starts 07:30)
    plan = with_shift(inst, control, "K2R1", "2026-04-13", "A", True)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R9: recruit K2R1 has 9.5 h rest between the A shift ending 2026-04-13 22:00 and the D "
        "shift starting 2026-04-14 07:30 (min 11 h)"]


def test_r9_school_while_absent(inst: Instance, control: Plan) -> None:
    # K1R1 is absent on Wed 26 Aug but has a school row
    s, e = inst.school_day_window("K1", D("2026-08-26"))
    row = Activity("K1R1", D("2026-08-26"), "school", "vg1", "K1", start=s, end=e)
    plan = Plan(control.assignments, [*control.activities, row], control.class_days)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R9: recruit K1R1 has school on wed 2026-08-26 but is absent that day"]


def test_r9_practice_on_unavailable_weekday(inst: Instance, control: Plan) -> None:
    # K2R1 cannot work Wednesdays; here he works D with V3 on Wed 8 April (5 x 7.5 h = 37.5 h)
    s, e = inst.shift["D"].window(D("2026-04-08"))
    row = Activity("K2R1", D("2026-04-08"), "practice", "rp", "K2", "S2", "W2", "V3", "D",
                   s, e, True)
    plan = Plan(control.assignments, [*control.activities, row], control.class_days)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R9: recruit K2R1 practises on wed 2026-04-08, one of his unavailable weekdays"]


# ---- R10 ----------------------------------------------------------------------------------
def test_r10_night_shift_not_allowed(inst: Instance, control: Plan) -> None:
    # K2R1 works V3's N on Fri 17 April (allow_night = false)
    plan = with_shift(inst, control, "K2R1", "2026-04-17", "N", True)
    found = validate_plan(inst, plan)
    assert rules(found) == {"R10"}
    assert "K2R1 works the night shift N on fri 2026-04-17" in found[0].message


def test_r10_over_max_hours(inst: Instance, control: Plan) -> None:
    # K1R1 adds Saturday 11 April (D without V1, who is off): 6 x 7.5 = 45 h > 37.5 h
    s, e = inst.shift["D"].window(D("2026-04-11"))
    row = Activity("K1R1", D("2026-04-11"), "practice", "rp", "K1", "S1", "W1", "V1", "D",
                   s, e, False)
    plan = Plan(control.assignments, [*control.activities, row], control.class_days)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R10: recruit K1R1 works 45 h in week 2026-W15 of phase rp, max 37.5 h"]


def test_r10_too_few_shifts_in_full_week(inst: Instance, control: Plan) -> None:
    # recruit period week 16 is a full week for K1R1; he keeps only Mon and Tue: 2 < 3
    plan = control
    for day in ("2026-04-15", "2026-04-16", "2026-04-17"):
        plan = edit(plan, "K1R1", day, remove=True)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R10: recruit K1R1 works 2 shifts in the full week 2026-W16 of phase rp, min 3"]


def test_r10_too_few_shifts_in_block_practice_week(inst: Instance, control: Plan) -> None:
    # block practice week 38 (all 7 days inside vg2): K1R2 keeps only Mon and Tue: 2 < 3
    plan = control
    for day in ("2026-09-16", "2026-09-17", "2026-09-18"):
        plan = edit(plan, "K1R2", day, remove=True)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R10: recruit K1R2 works 2 shifts in the full practice week 2026-W38 of phase vg2, min 3"]


# ---- R11 ----------------------------------------------------------------------------------
def test_r11_too_few_school_days(inst: Instance) -> None:
    # K2 drops Thu 3 Sept of the short week 36: 3 + 3 + 1 = 7 school days in vg1, min 8
    plan = build(inst, school={"K1": K1_SCHOOL, "K2": K2_SCHOOL - {D("2026-09-03")}})
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == ["R11: class K2 has 7 school days in phase vg1, min 8"]


# ---- R12 ----------------------------------------------------------------------------------
def test_r12_practice_on_closure(inst: Instance) -> None:
    # K1R1 practises Thu 3 + Fri 4 Sept (a closure) instead of Wed 2 + Thu 3 Sept
    practice = control_practice(inst)
    practice["K1R1"] = practice["K1R1"] - {D("2026-09-02")} | {D("2026-09-04")}
    found = validate_plan(inst, build(inst, practice=practice))
    assert [v.message for v in found] == [
        "R12: recruit K1R1 practises on fri 2026-09-04 (Planleggingsdag) in phase vg1; "
        "practice_in_school_holidays = false"]


def test_r12_holiday_shift_allowed_in_practice_phase(inst: Instance, control: Plan) -> None:
    # 6 April 2026 (Easter Monday) is a public holiday; the recruit period follows the roster
    assert inst.closure_reason("SK1", D("2026-04-06")) is not None
    assert any(a.date == D("2026-04-06") for a in control.activities)
    assert validate_plan(inst, control) == []


# ---- calendar rows ------------------------------------------------------------------------
def test_cal_shift_times_do_not_match(inst: Instance, control: Plan) -> None:
    row = next(a for a in control.activities if a.recruit_id == "K1R1" and a.date == D("2026-04-07"))
    plan = edit(control, "K1R1", "2026-04-07", end=row.end + timedelta(hours=1))  # type: ignore[operator]
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "CAL: recruit K1R1 on tue 2026-04-07: shift D from 2026-04-07 07:30 to 2026-04-07 16:00, "
        "but the shift runs 2026-04-07 07:30 to 2026-04-07 15:00"]


def test_cal_wrong_phase_and_supervisor(inst: Instance, control: Plan) -> None:
    plan = edit(control, "K1R1", "2026-04-07", phase_id="vg1")
    plan = edit(plan, "K1R2", "2026-04-07", supervisor_id="V1")
    found = validate_plan(inst, plan)
    assert rules(found) == {"CAL"}
    assert len(found) == 2


# ---- plan folder and ics ------------------------------------------------------------------
# A plan folder is written by the real writers (scheduler.export, solver-free) from the
# control plan; each test then breaks one file by hand. The validator itself never imports
# the writers: it re-derives everything from SPEC §4 and the README's calendar decisions.
def write_folder(inst: Instance, plan: Plan, folder: Path, *, status: str = "FEASIBLE") -> Path:
    has_plan = Status(status).has_plan
    cost = score(inst, plan) if has_plan else None
    result = Result(Status(status), cost and cost.total, None, None, 0.1, plan if has_plan else None,
                    kpis=kpis_of(inst, plan), breakdown=cost.breakdown(inst) if cost else {})
    return write_plan(inst, result, folder)


@pytest.fixture(scope="module")
def written(inst: Instance, control: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(inst, control, tmp_path_factory.mktemp("written") / "plan")


@pytest.fixture
def folder(written: Path, tmp_path: Path) -> Path:
    """A fresh copy of the control plan's folder, to break."""
    return Path(shutil.copytree(written, tmp_path / "plan"))


def unfold(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "")


def fold(text: str) -> bytes:
    """RFC 5545 folding of unfolded text: lines of at most 75 octets, CRLF."""
    out = []
    for line in text.split("\r\n")[:-1]:
        chunk, size, first = "", 0, True
        for ch in line:
            n = len(ch.encode("utf-8"))
            if size + n > (75 if first else 74):
                out.append(("" if first else " ") + chunk)
                chunk, size, first = "", 0, False
            chunk += ch
            size += n
        out.append(("" if first else " ") + chunk)
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def edit_ics(folder: Path, feed: str, change: Callable[[str], str]) -> None:
    """Rewrite ``ics/<feed>`` through ``change`` on its unfolded text, folded again."""
    path = folder / "ics" / feed
    text = unfold(path.read_bytes())
    new = change(text)
    assert new != text, f"the edit changed nothing in {feed}"
    path.write_bytes(fold(new))


def sub(pattern: str, repl: str, count: int = 0) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, repl, text, count=count, flags=re.MULTILINE)


def ics_messages(found: list[Violation]) -> list[str]:
    assert rules(found) <= {"ICS"}, found
    return [v.message for v in found]


def test_folder_control_is_valid(folder: Path, inst: Instance) -> None:
    # the writers' folder for the control plan keeps SPEC §4: no finding at all
    assert validate(inst, folder) == []


def test_cli_validate_exit_codes(folder: Path, inst: Instance) -> None:
    # `cli.py validate INSTANCE PLAN_DIR`: 0 for a valid folder, 1 and one line per
    # violation for a broken one
    instance_dir = Path(inst.path)
    ok = CliRunner().invoke(main, ["validate", str(instance_dir), str(folder)])
    assert ok.exit_code == 0, ok.output
    (folder / "ics" / "sites" / "S2.ics").unlink()
    bad = CliRunner().invoke(main, ["validate", str(instance_dir), str(folder)])
    assert bad.exit_code == 1
    assert "ICS: ics/sites/S2.ics is missing (every site has a calendar)" in bad.output


@pytest.mark.parametrize(("kind", "owner", "singular"), [
    ("recruits", "K1R1", "recruit"), ("supervisors", "V3", "supervisor"),
    ("teachers", "T3", "teacher"), ("classes", "K2", "class"), ("sites", "S2", "site"),
])
def test_ics_every_owner_has_a_feed(folder: Path, inst: Instance, kind: str, owner: str,
                                    singular: str) -> None:
    # T3 teaches nothing in the control plan: his (empty) calendar is still required
    (folder / "ics" / kind / f"{owner}.ics").unlink()
    assert ics_messages(validate(inst, folder)) == [
        f"ICS: ics/{kind}/{owner}.ics is missing (every {singular} has a calendar)"]


def test_ics_feed_of_an_unknown_owner(folder: Path, inst: Instance) -> None:
    (folder / "ics" / "recruits" / "K9R9.ics").write_bytes(
        (folder / "ics" / "recruits" / "K1R1.ics").read_bytes())
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/recruits/K9R9.ics belongs to no recruit of the instance"]


def test_ics_lf_line_ends(folder: Path, inst: Instance) -> None:
    path = folder / "ics" / "classes" / "K1.ics"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    messages = ics_messages(validate(inst, folder))
    assert "ICS: ics/classes/K1.ics does not end with CRLF" in messages
    assert any("line end(s) that are not CRLF" in m for m in messages)


def test_ics_unfolded_long_lines(folder: Path, inst: Instance) -> None:
    path = folder / "ics" / "recruits" / "K1R1.ics"
    path.write_bytes(path.read_bytes().replace(b"\r\n ", b""))
    [message] = ics_messages(validate(inst, folder))
    assert "line(s) longer than 75 octets" in message


def test_ics_method_request(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "teachers/T1.ics", sub(r"^VERSION:2\.0\r\n", "VERSION:2.0\r\nMETHOD:REQUEST\r\n"))
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/teachers/T1.ics has METHOD:REQUEST; only none or PUBLISH is allowed"]


def test_ics_method_publish_is_allowed(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "teachers/T1.ics", sub(r"^VERSION:2\.0\r\n", "VERSION:2.0\r\nMETHOD:PUBLISH\r\n"))
    assert validate(inst, folder) == []


@pytest.mark.parametrize(("pattern", "repl", "expected"), [
    (r"^NAME:.*\r\n", "", "ics/sites/S1.ics lacks NAME (the calendar's name)"),
    (r"^X-WR-CALNAME:.*\r\n", "", "ics/sites/S1.ics lacks X-WR-CALNAME (the calendar's name)"),
    (r"^REFRESH-INTERVAL.*\r\n", "", "ics/sites/S1.ics lacks REFRESH-INTERVAL;VALUE=DURATION"),
    (r"^REFRESH-INTERVAL;VALUE=DURATION:", "REFRESH-INTERVAL:",
     "ics/sites/S1.ics: REFRESH-INTERVAL must be VALUE=DURATION with a duration, got 'PT6H'"),
    (r"^X-PUBLISHED-TTL:PT6H", "X-PUBLISHED-TTL:6 hours",
     "ics/sites/S1.ics: X-PUBLISHED-TTL must be a duration, got '6 hours'"),
    (r"^X-PUBLISHED-TTL:.*\r\n", "", "ics/sites/S1.ics lacks X-PUBLISHED-TTL"),
])
def test_ics_calendar_properties(folder: Path, inst: Instance, pattern: str, repl: str,
                                 expected: str) -> None:
    edit_ics(folder, "sites/S1.ics", sub(pattern, repl))
    assert ics_messages(validate(inst, folder)) == [f"ICS: {expected}"]


def test_ics_utc_times_are_not_the_instance_timezone(folder: Path, inst: Instance) -> None:
    # the same instant in UTC: a client shows the right time, but SPEC wants the event in
    # the instance's timezone (TZID with its VTIMEZONE)
    edit_ics(folder, "recruits/K1R1.ics", sub(r"^DTSTART;TZID=Europe/Oslo:20260407T073000",
                                               "DTSTART:20260407T053000Z"))
    [message] = ics_messages(validate(inst, folder))
    assert message.endswith("DTSTART 2026-04-07 05:30 is in UTC; events are in the instance's "
                            "timezone with TZID=Europe/Oslo")


def test_ics_utc_times_of_a_utc_instance(inst: Instance, control: Plan, tmp_path: Path) -> None:
    # timezone = "UTC": the writers' calendar library writes UTC times in the Z form, which
    # is the instance's local time, so the folder is valid
    folder = tmp_path / "utc"
    folder.mkdir()
    for name, text in FILES.items():
        text = text.replace('timezone = "Europe/Oslo"', 'timezone = "UTC"')
        (folder / name).write_text(text.lstrip("\n"), encoding="utf-8")
    utc = models.read(folder)
    assert validate_plan(inst, control) == [] and utc.timezone == "UTC"
    written = write_folder(utc, control, tmp_path / "plan")
    assert re.search(r"^DTSTART:\d{8}T\d{6}Z", unfold((written / "ics/recruits/K1R1.ics").read_bytes()), re.M)
    assert validate(utc, written) == []


def test_ics_floating_times(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "recruits/K1R1.ics", sub(r"^DTSTART;TZID=Europe/Oslo:20260407T073000",
                                               "DTSTART:20260407T073000"))
    messages = ics_messages(validate(inst, folder))
    assert any(m.endswith("DTSTART 2026-04-07 07:30 is a floating time (no TZID)") for m in messages)
    assert any("1 row of recruit K1R1 from 2026-04-07 07:30 to 2026-04-07 15:00" in m
               for m in messages)
    assert validate(inst, folder, check_ics=False) == []


def test_ics_all_day_event(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "classes/K1.ics", sub(r"^DTSTART;TZID=Europe/Oslo:20260817T083000",
                                           "DTSTART;VALUE=DATE:20260817"))
    messages = ics_messages(validate(inst, folder))
    assert any("DTSTART 20260817 is not a date-time (timed event required)" in m for m in messages)


def test_ics_date_that_does_not_exist(folder: Path, inst: Instance) -> None:
    # a hand-edited month 13: a finding, not a traceback
    edit_ics(folder, "recruits/K1R1.ics", sub(r"^DTSTART;TZID=Europe/Oslo:20260407T073000",
                                               "DTSTART;TZID=Europe/Oslo:20261307T073000"))
    messages = ics_messages(validate(inst, folder))
    assert any(m.endswith("DTSTART 20261307T073000 is not a date and time that exists") for m in messages)
    assert any("1 row of recruit K1R1 from 2026-04-07 07:30 to 2026-04-07 15:00" in m for m in messages)


def test_ics_vtimezone_date_that_does_not_exist(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "recruits/K2R1.ics", lambda t: re.sub(r"(BEGIN:STANDARD\r\nDTSTART:)\d{8}", r"\g<1>19701399", t))
    messages = ics_messages(validate(inst, folder))
    assert messages and all(m.startswith("ICS: ics/recruits/K2R1.ics") for m in messages)


def test_ics_other_timezone(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "recruits/K1R2.ics", sub(r"^DTSTART;TZID=Europe/Oslo:20260407T073000",
                                               "DTSTART;TZID=Europe/London:20260407T063000"))
    messages = ics_messages(validate(inst, folder))
    assert any("DTSTART has TZID Europe/London, not the instance's timezone Europe/Oslo" in m
               for m in messages)
    assert any("uses TZID Europe/London without a VTIMEZONE" in m for m in messages)


def test_ics_vtimezone_as_rdate_list(folder: Path, inst: Instance) -> None:
    # the RDATE-list form Outlook mis-shifts, with the right dates: only the form is wrong
    edit_ics(folder, "recruits/K2R1.ics", lambda t: t
             .replace("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "RDATE:20260329T020000")
             .replace("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "RDATE:20261025T030000"))
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/recruits/K2R1.ics: VTIMEZONE Europe/Oslo has no yearly RRULE although the "
        "zone changes its offset",
        "ICS: ics/recruits/K2R1.ics: VTIMEZONE Europe/Oslo lists RDATEs; a rule-based (yearly "
        "RRULE) definition is required"]


def test_ics_vtimezone_with_wrong_rule(folder: Path, inst: Instance) -> None:
    # summer time from the last Sunday of April: Easter Monday's shift would be an hour off
    edit_ics(folder, "recruits/K2R1.ics", sub("BYMONTH=3", "BYMONTH=4"))
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/recruits/K2R1.ics: VTIMEZONE Europe/Oslo gives UTC+01:00 at 2026-04-06 07:30, "
        "but Europe/Oslo is UTC+02:00 then"]


@pytest.mark.parametrize(("tzid", "local"), [
    ("Europe/Oslo", "2026-10-25T02:30"),  # the hour the clocks go back repeats
    ("Europe/Oslo", "2026-03-29T02:30"),  # the hour the clocks go forward is skipped
    ("Antarctica/Troll", "2026-10-25T02:00"),  # two hours repeat
])
def test_ics_vtimezone_at_a_time_the_change_repeats_or_skips(tzid: str, local: str) -> None:
    """Such a local time takes the offset before the change (RFC 5545 3.3.5; zoneinfo's
    fold=0, as the plan's times are read): the writer's rules then agree with the zone."""
    from scheduler.export.ical import vtimezone
    from scheduler.validate import _check_vtimezone, _parse_ics

    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + vtimezone(tzid, 2025, 2027).to_ical()
            + b"END:VCALENDAR\r\n")
    cal, errors = _parse_ics(data, "feed.ics")
    assert errors == [] and cal is not None
    assert _check_vtimezone(cal, "feed.ics", tzid, ZoneInfo(tzid), [datetime.fromisoformat(local)]) == []


def test_ics_vtimezone_missing(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "classes/K2.ics", sub(r"^BEGIN:VTIMEZONE\r\n(.*\r\n)*?END:VTIMEZONE\r\n", ""))
    messages = ics_messages(validate(inst, folder))
    assert "ICS: ics/classes/K2.ics has no VTIMEZONE for Europe/Oslo" in messages
    assert any("uses TZID Europe/Oslo without a VTIMEZONE" in m for m in messages)


def test_ics_missing_event_and_duplicate_uid(folder: Path, inst: Instance) -> None:
    def change(text: str) -> str:
        uids = re.findall(r"^UID:(.*)\r\n", text, flags=re.MULTILINE)
        text = re.sub(r"BEGIN:VEVENT\r\n(.*\r\n)*?END:VEVENT\r\n", "", text, count=1)  # first event
        return text.replace(f"UID:{uids[2]}", f"UID:{uids[1]}")
    edit_ics(folder, "recruits/K2R1.ics", change)
    messages = ics_messages(validate(inst, folder))
    assert ("ICS: ics/recruits/K2R1.ics: 1 row of recruit K2R1 from 2026-04-06 07:30 to "
            "2026-04-06 15:00 in the CSV calendars without a matching event") in messages
    assert any(re.fullmatch(r"ICS: ics/recruits/K2R1\.ics: UID \w+@menn-i-helse is used by 2 "
                            r"events", m) for m in messages)


def test_ics_same_school_day_shares_uid_across_feeds(folder: Path, inst: Instance) -> None:
    # the class feed's 17 Aug event takes the UID of K1R1's school event that day: clients
    # that key events by UID across calendars would merge them
    recruit_uid = event_uid("recruit", "K1R1", D("2026-08-17"), "school")
    class_uid = event_uid("class", "K1", D("2026-08-17"), "school", "K1")
    edit_ics(folder, "classes/K1.ics", lambda t: t.replace(class_uid, recruit_uid))
    messages = ics_messages(validate(inst, folder))
    assert "ICS: ics/classes/K1.ics shares 1 UID(s) with ics/recruits/K1R1.ics; UIDs are unique " \
           "across feeds" in messages
    assert any("ics/classes/K1.ics: 1 event(s) have a UID not derived from their identity" in m
               for m in messages)


def test_ics_uids_from_names(folder: Path, inst: Instance) -> None:
    counter = iter(range(1000))
    edit_ics(folder, "recruits/K1R1.ics",
             sub(r"^UID:[^\r\n]*", lambda _m: f"UID:ola-nordmann-{next(counter)}@example"))  # type: ignore[arg-type]
    [message] = ics_messages(validate(inst, folder))
    assert re.fullmatch(r"ICS: ics/recruits/K1R1\.ics: \d+ event\(s\) have a UID not derived "
                        r"from their identity .*ola-nordmann-0@example.*", message)


def test_ics_dtstamp_from_the_wall_clock(folder: Path, inst: Instance) -> None:
    # the control plan's latest date is Fri 16 Oct 2026, so DTSTAMP is 20261016T000000Z
    edit_ics(folder, "supervisors/V1.ics", sub("DTSTAMP:20261016T000000Z", "DTSTAMP:20260101T121314Z"))
    [message] = ics_messages(validate(inst, folder))
    assert re.fullmatch(r"ICS: ics/supervisors/V1\.ics: \d+ event\(s\) have DTSTAMP "
                        r"20260101T121314Z; the plan fixes DTSTAMP at 20261016T000000Z .*", message)


@pytest.mark.parametrize("wrong", ["Sjøbris sykehjem", "Sjøbris sykehjem\\\\, Gate 1"])
def test_ics_practice_location_is_not_the_site_address(folder: Path, inst: Instance, wrong: str) -> None:
    # SPEC §4: "its LOCATION is the site's address" (not the name, nor name and address)
    edit_ics(folder, "recruits/K1R1.ics", sub(r"^LOCATION:Gate 1", f"LOCATION:{wrong}"))
    [message] = ics_messages(validate(inst, folder))
    assert message.startswith("ICS: ics/recruits/K1R1.ics: 26 practice event(s) whose LOCATION is not "
                              "the site's address, e.g. 2026-04-06 07:30 (site S1: 'Gate 1'"), message


def test_ics_practice_event_does_not_name_the_supervisor(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "recruits/K1R1.ics", lambda t: t.replace("Anne", "din veileder"))
    [message] = ics_messages(validate(inst, folder))
    assert message.startswith("ICS: ics/recruits/K1R1.ics: 26 practice event(s) do not say the "
                              "supervisor, e.g. 2026-04-06 07:30")


def test_ics_supervisor_feed_lacks_a_shift_with_him(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "supervisors/V1.ics", sub(r"BEGIN:VEVENT\r\n(.*\r\n)*?END:VEVENT\r\n", "", 1))
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/supervisors/V1.ics: 1 row of supervisor V1 from 2026-04-06 07:30 to "
        "2026-04-06 15:00 in the CSV calendars without a matching event"]


def test_ics_teacher_event_at_the_wrong_time(folder: Path, inst: Instance) -> None:
    edit_ics(folder, "teachers/T2.ics", sub(r"^DTEND;TZID=Europe/Oslo:(\d{8})T150000", r"DTEND;TZID=Europe/Oslo:\1T160000", 1))
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/teachers/T2.ics: 1 event(s) from 2026-08-20 08:30 to 2026-08-20 16:00 match no "
        "row of teacher T2 in the CSV calendars",
        "ICS: ics/teachers/T2.ics: 1 row of teacher T2 from 2026-08-20 08:30 to 2026-08-20 15:00 "
        "in the CSV calendars without a matching event"]


def test_ics_site_feed_with_an_extra_shift(folder: Path, inst: Instance) -> None:
    def change(text: str) -> str:
        first = re.search(r"BEGIN:VEVENT\r\n(.*\r\n)*?END:VEVENT\r\n", text).group()  # type: ignore[union-attr]
        extra = re.sub(r"UID:[^\r\n]*", "UID:extra@menn-i-helse", first).replace("T073000", "T080000")
        return text.replace("END:VCALENDAR", extra + "END:VCALENDAR")
    edit_ics(folder, "sites/S2.ics", change)
    assert ics_messages(validate(inst, folder)) == [
        "ICS: ics/sites/S2.ics: 1 event(s) from 2026-04-06 08:00 to 2026-04-06 15:00 match no row "
        "of site S2 in the CSV calendars"]


# ---- plan.json and the CSV files ------------------------------------------------------------
def edit_json(folder: Path, change: Callable[[dict], None]) -> None:
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    change(meta)
    (folder / "plan.json").write_text(json.dumps(meta), encoding="utf-8")


def test_file_bad_value(folder: Path, inst: Instance) -> None:
    path = folder / "recruit_calendar.csv"
    text = path.read_text(encoding="utf-8").replace(",practice,", ",prakis,", 1)
    path.write_text(text, encoding="utf-8")
    found = validate(inst, folder)
    assert "FILE" in rules(found)
    assert any("column activity: expected school or practice, got 'prakis'" in v.message
               for v in found)


@pytest.mark.parametrize(("column", "pattern", "loose"), [
    ("start", r"(\d{4}-\d{2}-\d{2})T0(\d):", r"\1T\2:"),   # 07:30 written 7:30
    ("date", r"^([^,]*),(\d{4})-(\d{2})-(\d{2}),", r"\1,\2\3\4,"),  # 2026-04-13 written 20260413
])
def test_file_times_and_dates_exactly_as_spec_writes_them(folder: Path, inst: Instance, column: str, pattern: str,
                                                          loose: str) -> None:
    """SPEC's YYYY-MM-DD and YYYY-MM-DDTHH:MM, not what Python's parsers would also take."""
    path = folder / "recruit_calendar.csv"
    head, *rows = path.read_text(encoding="utf-8").split("\n")
    k = next(i for i, row in enumerate(rows) if re.search(pattern, row, flags=re.MULTILINE))
    rows[k] = re.sub(pattern, loose, rows[k], count=1)
    path.write_text("\n".join([head, *rows]), encoding="utf-8")
    found = validate(inst, folder)
    assert any(f"line {k + 2}, column {column}: expected" in v.message for v in found), [v.message for v in found]


def test_file_missing_column(folder: Path, inst: Instance) -> None:
    path = folder / "class_calendar.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",joint_with", ",joint", 1),
                    encoding="utf-8")
    assert [v.message for v in validate(inst, folder)] == [
        "FILE: class_calendar.csv lacks the column(s) joint_with"]


def test_file_infeasible_folder_has_no_plan(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_folder(inst, control, tmp_path / "plan", status="INFEASIBLE")
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]
    assert rules(validate(inst, folder)) == {"FILE"}


def test_file_kpis_disagree(folder: Path, inst: Instance) -> None:
    edit_json(folder, lambda m: m["kpis"].update(practice_days=m["kpis"]["practice_days"] + 1))
    found = validate(inst, folder)
    assert rules(found) == {"FILE"}
    assert "kpis.practice_days" in found[0].message


@pytest.mark.parametrize(("change", "expected"), [
    (lambda m: m["kpis"].pop("mean_travel_minutes"),
     "FILE: plan.json kpis lacks mean_travel_minutes"),
    (lambda m: m.pop("kpis"), "FILE: plan.json lacks the key(s) kpis"),
    (lambda m: m.update(status="DONE"),
     "FILE: plan.json has status 'DONE'; expected one of OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN"),
    (lambda m: m.update(objective="low"), "FILE: plan.json objective is 'low'; expected a number or null"),
    (lambda m: m.update(instance="another"),
     "FILE: plan.json is a plan for instance 'another', not for 'validator micro'"),
    (lambda m: m["kpis"].update(max_travel_minutes=20),
     "FILE: plan.json kpis.max_travel_minutes is 20, but assignments.csv gives 25"),
    (lambda m: m["kpis"]["weekend_shifts_per_recruit"].update(max=2),
     "FILE: plan.json kpis.weekend_shifts_per_recruit is min 0, max 2, but recruit_calendar.csv "
     "gives min 0, max 0"),
    (lambda m: m["kpis"]["weekend_shifts_per_recruit"].pop("min"),
     "FILE: plan.json kpis.weekend_shifts_per_recruit is {'max': 0, 'mean': 0}; an object with "
     "numbers min and max is expected"),
])
def test_file_plan_json(folder: Path, inst: Instance, change: Callable[[dict], object],
                        expected: str) -> None:
    edit_json(folder, change)
    assert [v.message for v in validate(inst, folder)] == [expected]


def _objective(folder: Path) -> float:
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))["objective"]


@pytest.mark.parametrize(("change", "expected"), [
    # an audit changed each of these and the validator said nothing
    (lambda m: m.update(objective=m["objective"] - 100),
     ["plan.json objective is {o100}, but the plan costs {o} by the objective's definition",
      "plan.json breakdown's costs add up to {o}, not to the objective {o100}"]),
    (lambda m: m["breakdown"]["travel"].update(cost=m["breakdown"]["travel"]["cost"] + 5),
     ["plan.json breakdown.travel has cost", "plan.json breakdown's costs add up to {o5}"]),
    (lambda m: m["breakdown"]["travel"].update(count=m["breakdown"]["travel"]["count"] + 1,
                                               cost=m["breakdown"]["travel"]["cost"] + 1),
     ["plan.json breakdown.travel has count", "plan.json breakdown's costs add up to {o1}"]),
    (lambda m: m.update(best_bound=m["objective"] + 50, gap=0.0), ["plan.json best_bound {o50} is above the objective"]),
    (lambda m: m.update(status="OPTIMAL", best_bound=m["objective"] - 50, gap=round(50 / m["objective"], 6)),
     ["plan.json says OPTIMAL, but its best_bound {o_50} is below the objective {o}"]),
    (lambda m: m.update(best_bound=m["objective"] - 50, gap=0.5), ["plan.json gap is 0.5, but"]),
    (lambda m: m.update(status="OPTIMAL"), ["plan.json says OPTIMAL without a best_bound"]),
    (lambda m: m["kpis"].update(share_without_supervisor=0.9), ["kpis.share_without_supervisor is 0.9"]),
    (lambda m: m["kpis"]["weekend_shifts_per_recruit"].update(mean=7), ["kpis.weekend_shifts_per_recruit.mean is 7"]),
    (lambda m: m["kpis"]["evening_shifts_per_recruit"].update(max=9), ["kpis.evening_shifts_per_recruit.max is 9"]),
    (lambda m: m["kpis"]["school_days_per_class"].update(K1=99), ["kpis.school_days_per_class gives class K1 99"]),
    (lambda m: m["kpis"].update(recruit_school_days=999), ["kpis.recruit_school_days is 999"]),
])
def test_file_plan_json_figures(folder: Path, inst: Instance, change: Callable[[dict], object],
                                expected: list[str]) -> None:
    o = _objective(folder)
    edit_json(folder, change)
    found = [v.message for v in validate(inst, folder)]
    fill = {"o": round(o, 3), "o100": round(o - 100, 3), "o5": round(o + 5, 3), "o1": round(o + 1, 3),
            "o50": round(o + 50, 3), "o_50": round(o - 50, 3)}
    assert len(found) == len(expected), found
    for message, fragment in zip(found, sorted(expected), strict=True):
        assert message.startswith("FILE: ") and fragment.format(**fill) in message, (message, fragment)


def test_file_plan_json_figures_of_the_control_hold(folder: Path, inst: Instance) -> None:
    # a bound below the plan with its gap, and OPTIMAL where they meet: nothing to say
    edit_json(folder, lambda m: m.update(best_bound=m["objective"] - 50, gap=round(50 / m["objective"], 6)))
    assert validate(inst, folder) == []
    edit_json(folder, lambda m: m.update(status="OPTIMAL", best_bound=m["objective"], gap=0.0))
    assert validate(inst, folder) == []


@pytest.mark.parametrize("key", ["practice_days", "without_supervisor", "weekend_shifts", "evening_shifts",
                                 "night_shifts"])
def test_file_a_recruits_counts_disagree(folder: Path, inst: Instance, key: str) -> None:
    # an audit changed kpis.recruits.<id>.practice_days and nothing was reported
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    n = meta["kpis"]["recruits"]["K1R1"][key]
    edit_json(folder, lambda m: m["kpis"]["recruits"]["K1R1"].update({key: n + 1}))
    assert [v.message for v in validate(inst, folder)] == [
        f"FILE: plan.json kpis.recruits.K1R1.{key} is {n + 1}, but recruit_calendar.csv gives {n}"]


def test_plan_files_with_a_byte_order_mark_are_read(folder: Path, inst: Instance) -> None:
    # Excel's "CSV UTF-8" starts the file with a BOM; the instance loader reads it, and so do
    # the validator and read_plan (an audit saw "lacks the column(s) recruit_id")
    from models import read_plan

    for name in ("assignments.csv", "recruit_calendar.csv", "class_calendar.csv"):
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert validate(inst, folder) == []
    assert read_plan(folder).assignments


def test_r12_holiday_shifts_are_counted(folder: Path, inst: Instance) -> None:
    # Easter Monday 6 April is worked by all three recruits in the recruit period (R12: the
    # roster is followed on holidays, and the plan counts those shifts)
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert meta["kpis"]["holiday_shifts_per_recruit"]["max"] == 1
    edit_json(folder, lambda m: m["kpis"]["recruits"]["K1R1"].update(holiday_shifts=0))
    assert [v.message for v in validate(inst, folder)] == [
        "R12: plan.json kpis.recruits.K1R1.holiday_shifts is 0, but recruit_calendar.csv has 1 "
        "public-holiday shifts"]
    edit_json(folder, lambda m: m["kpis"].pop("holiday_shifts_per_recruit"))
    assert "R12: plan.json does not count the public-holiday shifts (kpis.holiday_shifts_per_recruit " \
           "with min and max is missing)" in [v.message for v in validate(inst, folder)]


# ---- edge weeks: a second micro-instance ------------------------------------------------
# One class E1 at school ESK, two recruits, three supervisors; four phases that put the
# calendar edges in reach of the rules:
#
# * ``rp``     practice 2026-04-06 .. 04-26, nights allowed. E1R1 has his own recruit
#   period 2026-03-23 .. 04-17 (recruits.csv): his weeks 13 (with the switch to summer
#   time) and 14 lie before the phase start and are full weeks for him; his week 16 ends
#   on a Friday and is not. His supervisor EV1 also works weekends (L, D), which he does
#   not follow. Easter (2, 3, 5, 6 April) is worked (R12). E1R2 follows EV2's ``D D D N - - -``; absent Fri 24 April, he
#   skips Thursday 23's night shift, which would run into that day.
# * ``summer`` practice 2026-07-01 (Wed) .. 07-19: week 27 is cut by the start.
# * ``w``      weekly 2026-12-16 (Wed) .. 2027-01-15: week 51 cut by the start (Wed-Fri
#   open), week 52 closed (Christmas), ISO week 53 of 2026 short (Wed 30 and Thu 31 Dec
#   open; 1 January is a holiday), weeks 1 and 2 of 2027 full. E1R2 is absent Mon 11 Jan.
# * ``b``      block 2027-01-18 .. 03-26, blocks of exactly 2 weeks, week 8 closed (winter
#   break), Maundy Thursday and Good Friday (25, 26 March) in the last week.
#   E1: S3 S4 P5 P6 S7 | - | P9 P10 S11 S12; S7 is one week but cut by the closed week.
EDGE_FILES = {
    "instance.toml": """
[instance]
name = "validator edges"
timezone = "Europe/Oslo"
country = "NO"

[rules]
min_rest_hours = 11
max_travel_minutes = 60
school_day = { start = "08:30", end = "15:00" }
practice_on_weekends = false
practice_in_school_holidays = false

[[phases]]
id = "rp"
kind = "practice"
start = 2026-04-06
end = 2026-04-26
min_shifts_per_week = 3
max_hours_per_week = 37.5
allow_night = true

[[phases]]
id = "summer"
kind = "practice"
start = 2026-07-01
end = 2026-07-19
min_shifts_per_week = 3
max_hours_per_week = 37.5

[[phases]]
id = "w"
kind = "alternation"
start = 2026-12-16
end = 2027-01-15
model = "weekly"
school_days_per_week = 3
practice_days_per_week = 2
min_school_days = 8

[[phases]]
id = "b"
kind = "alternation"
start = 2027-01-18
end = 2027-03-26
model = "block"
school_block_weeks = [2, 2]
practice_block_weeks = [2, 2]
min_school_days = 10
min_shifts_per_practice_week = 3
max_hours_per_week = 37.5
""",
    "recruits.csv": """id,name,class_id,lat,lon,recruit_period_start,recruit_period_end
E1R1,Ola Berg,E1,63.43,10.40,2026-03-23,2026-04-17
E1R2,Per Lie,E1,63.43,10.40,,
""",
    "sites.csv": """id,name,municipality,lat,lon,address
ES1,Øya helsehus,Trondheim,63.42,10.39,Vangslunds gate 4
ES2,Moholt sykehjem,Trondheim,63.41,10.43,Moholt allé 20
""",
    "wards.csv": """id,site_id,name,ward_type,capacity,first_placement_ok
EW1,ES1,Post 1,somatic,2,true
EW2,ES2,Post 2,somatic,2,true
""",
    "supervisors.csv": """id,name,ward_id,roster_id,roster_start,position_pct,qualified,max_recruits
EV1,Anne Moe,EW1,RDW,2026-01-05,100,true,1
EV2,Berit Aas,EW1,RDN,2026-01-05,100,true,1
EV3,Dag Vik,EW2,RD,2026-01-05,100,true,1
""",
    "rosters.csv": """roster_id,week,mon,tue,wed,thu,fri,sat,sun
RD,1,D,D,D,D,D,-,-
RDN,1,D,D,D,N,-,-,-
RDW,1,D,D,D,D,D,L,D
""",
    "shifts.csv": """code,name,start,end
D,Dagvakt,07:30,15:00
N,Nattevakt,21:45,07:45
L,Langvakt,08:00,20:30
""",
    "schools.csv": """id,name,lat,lon,address
ESK,Nidaros skole,63.43,10.39,Elgeseter gate 10
""",
    "classes.csv": """id,school_id,name,model,shared_day_with
E1,ESK,Klasse E,,
""",
    "teachers.csv": """id,school_id,name,weekdays,max_days_per_week
ET1,ESK,Guri Myhre,mon;tue;wed;thu;fri,5
ET2,ESK,Svein Tangen,wed;thu,1
""",
    "closures.csv": """start,end,reason
2026-12-21,2026-12-29,Juleferie
2027-02-22,2027-02-26,Vinterferie
""",
    "absences.csv": """person_id,start,end,reason
E1R2,2026-04-24,2026-04-24,lege
E1R2,2027-01-11,2027-01-11,lege
""",
    "travel.csv": """recruit_id,site_id,minutes
E1R1,ES1,10
E1R1,ES2,15
E1R2,ES1,12
E1R2,ES2,14
""",
}
EDGE_SUPERVISOR = {("E1R1", p): "EV1" for p in ("rp", "summer", "w", "b")} | {
    ("E1R2", "rp"): "EV2", ("E1R2", "summer"): "EV3", ("E1R2", "w"): "EV3", ("E1R2", "b"): "EV3"}
E1_SCHOOL = (
    {D("2026-12-16"), D("2026-12-17"), D("2026-12-31")}
    | days("2027-01-04", "2027-01-15", "012")  # weeks 1, 2: Mon-Wed
    | days("2027-01-18", "2027-01-29", MON_FRI) | days("2027-02-15", "2027-02-19", MON_FRI)
    | days("2027-03-15", "2027-03-24", MON_FRI)  # S11, S12 (25, 26 March are holidays)
)
W_PRACTICE = {D("2026-12-18"), D("2026-12-30")} | days("2027-01-04", "2027-01-15", "34")
B_PRACTICE = days("2027-02-01", "2027-02-12", MON_FRI) | days("2027-03-01", "2027-03-12", MON_FRI)
SUMMER = days("2026-07-01", "2026-07-19", MON_FRI)


def edge_practice() -> dict[str, set[date]]:
    return {
        "E1R1": days("2026-03-23", "2026-04-17", MON_FRI) | SUMMER | W_PRACTICE | B_PRACTICE,
        "E1R2": days("2026-04-06", "2026-04-19", "0123") | days("2026-04-20", "2026-04-22")
        | SUMMER | W_PRACTICE | B_PRACTICE,
    }


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    folder = tmp_path_factory.mktemp("edge")
    for name, text in EDGE_FILES.items():
        (folder / name).write_text(text.lstrip("\n"), encoding="utf-8")
    return models.read(folder)


def edge_phase(inst: Instance, rid: str, d: date) -> str:
    """The phase of ``d`` for the recruit (his own recruit period), else the phase's dates."""
    mine = [p.id for p in inst.phases
            if inst.recruit_phase_window(rid, p)[0] <= d <= inst.recruit_phase_window(rid, p)[1]]
    return (mine or [p.id for p in inst.phases if p.contains(d)])[0]


def edge_plan(inst: Instance, *, school: set[date] = E1_SCHOOL,
              practice: dict[str, set[date]] | None = None,
              shifts: dict[tuple[str, str], str] | None = None,
              teachers: dict[str, str] | None = None) -> Plan:
    """The edge plan: class E1 in school on ``school`` (teacher ET1 unless ``teachers``
    names another for a date), each recruit practising on ``practice`` days, on his
    supervisor's roster shift where it is allowed, else D without him; ``shifts`` forces
    a shift code (with supervisor when it is his shift that day)."""
    practice = edge_practice() if practice is None else practice
    plan = Plan()
    for (rid, pid), sid in sorted(EDGE_SUPERVISOR.items()):
        ward = inst.supervisor[sid].ward_id
        site = inst.ward[ward].site_id
        plan.assignments.append(Assignment(rid, pid, sid, ward, site, inst.travel_minutes(rid, site)))
    for d in sorted(school):
        plan.class_days.append(ClassDay("E1", d, (teachers or {}).get(d.isoformat(), "ET1")))
        for r in inst.recruits:
            if not inst.is_absent(r.id, d):
                s, e = inst.school_day_window("E1", d)
                plan.activities.append(Activity(r.id, d, "school", edge_phase(inst, r.id, d), "E1",
                                                start=s, end=e))
    for rid, dates in sorted(practice.items()):
        for d in sorted(dates):
            pid = edge_phase(inst, rid, d)
            sid = EDGE_SUPERVISOR[(rid, pid)]
            own = inst.supervisor_works(sid, d)
            allowed = own is not None and (inst.phase[pid].allow_night or not inst.shift[own].is_night)
            code = (shifts or {}).get((rid, d.isoformat())) or (own if allowed else DAY_SHIFT)
            s, e = inst.shift[code].window(d)
            ward = inst.supervisor[sid].ward_id
            plan.activities.append(Activity(rid, d, "practice", pid, "E1", inst.ward[ward].site_id,
                                            ward, sid, code, s, e, code == own and allowed))
    return plan.sorted()


def test_edge_control_plan_is_valid(edge: Instance, tmp_path: Path) -> None:
    plan = edge_plan(edge)
    assert validate_plan(edge, plan) == []
    # and so is its folder, calendars included (a night shift, ISO week 53, two years)
    assert validate(edge, write_folder(edge, plan, tmp_path / "plan")) == []
    nights = [a for a in plan.activities if a.shift_code == "N"]
    assert len(nights) == 2 and all(a.with_supervisor for a in nights)
    holidays = {D("2026-04-02"), D("2026-04-03"), D("2026-04-06")}  # Easter, worked (R12)
    assert {a.date for a in plan.activities if a.recruit_id == "E1R1"} >= holidays


def test_edge_week_53_short_week_may_be_all_practice(edge: Instance) -> None:
    # ISO week 2026-W53 has two open days (Wed 30, Thu 31 Dec): no school and both
    # recruits practising on both is "at most" and consecutive; 8 school days remain
    practice = edge_practice()
    for rid in practice:
        practice[rid] = practice[rid] | {D("2026-12-31")}
    assert validate_plan(edge, edge_plan(edge, school=E1_SCHOOL - {D("2026-12-31")},
                                         practice=practice)) == []


def test_edge_week_53_teacher_max_days(edge: Instance) -> None:
    # ET2 (one day a week) takes Wed 30 and Thu 31 Dec: 2 days in ISO week 2026-W53; the
    # recruits give Wednesday to school (R4 "at most" in the short week)
    practice = {rid: ds - {D("2026-12-30")} for rid, ds in edge_practice().items()}
    plan = edge_plan(edge, school=E1_SCHOOL | {D("2026-12-30")}, practice=practice,
                     teachers={"2026-12-30": "ET2", "2026-12-31": "ET2"})
    assert [v.message for v in validate_plan(edge, plan)] == [
        "R7: teacher ET2 teaches on 2 days in week 2026-W53, max 1"]


def test_edge_week_cut_by_phase_start_is_short(edge: Instance) -> None:
    # week 51 starts the phase on a Wednesday: 3 school days and no practice is allowed
    practice = {rid: ds - {D("2026-12-18")} for rid, ds in edge_practice().items()}
    assert validate_plan(edge, edge_plan(edge, school=E1_SCHOOL | {D("2026-12-18")},
                                         practice=practice)) == []


def test_edge_full_week_of_2027(edge: Instance) -> None:
    # week 2027-W01 is full: E1R1 with Thursday only breaks "exactly 2"
    practice = edge_practice()
    practice["E1R1"] = practice["E1R1"] - {D("2027-01-08")}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R4: recruit E1R1 has 1 practice day in the full week 2027-W01 of phase w; exactly 2 "
        "are required"]


def test_edge_absent_part_of_a_week(edge: Instance) -> None:
    # week 2027-W02: E1R2, absent on Monday, may practise on Friday only; E1R1 may not
    practice = {rid: ds - {D("2027-01-14")} for rid, ds in edge_practice().items()}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R4: recruit E1R1 has 1 practice day in the full week 2027-W02 of phase w; exactly 2 "
        "are required"]


def test_edge_block_too_long_inside_the_phase(edge: Instance) -> None:
    # S3 P4 P5 P6 S7: the practice block of weeks 4-6 touches neither the phase edges nor
    # the closed week 8, and lasts 3 > 2 weeks; the 1-week school block 3 is at the start
    week4 = days("2027-01-25", "2027-01-29")
    practice = {rid: ds | week4 for rid, ds in edge_practice().items()}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, school=E1_SCHOOL - week4,
                                                             practice=practice))] == [
        "R5: class E1 has a practice block of 3 week(s) (2027-W04 to 2027-W06) in phase b; "
        "practice blocks last 2 to 2 weeks"]


def test_edge_block_too_long_at_the_phase_end(edge: Instance) -> None:
    # P9 S10 S11 S12: the school block of weeks 10-12 touches the phase end, which may cut a
    # block short (the 1-week practice block 9 after the closed week is fine) but never
    # makes one longer than the maximum: 3 > 2 weeks
    week10 = days("2027-03-08", "2027-03-14")
    practice = {rid: ds - week10 for rid, ds in edge_practice().items()}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, school=E1_SCHOOL | days("2027-03-08", "2027-03-12"),
                                                             practice=practice))] == [
        "R5: class E1 has a school block of 3 week(s) (2027-W10 to 2027-W12) in phase b; "
        "school blocks last 2 to 2 weeks"]


def test_edge_block_too_short_inside_the_phase(edge: Instance) -> None:
    # S3 S4 P5 S6 S7: practice block 5 lasts 1 < 2 weeks; school block 6-7 ends at the
    # closed week and is exempt
    week6 = days("2027-02-08", "2027-02-12")
    practice = {rid: ds - week6 for rid, ds in edge_practice().items()}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, school=E1_SCHOOL | week6,
                                                             practice=practice))] == [
        "R5: class E1 has a practice block of 1 week(s) (2027-W05 to 2027-W05) in phase b; "
        "practice blocks last 2 to 2 weeks"]


def test_edge_own_recruit_period_full_week_before_the_phase(edge: Instance) -> None:
    # week 14 (30 March - 5 April) lies before rp starts but inside E1R1's own recruit
    # period: a full week for him, with 2 < 3 shifts
    practice = edge_practice()
    practice["E1R1"] = practice["E1R1"] - days("2026-04-01", "2026-04-03")
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R10: recruit E1R1 works 2 shifts in the full week 2026-W14 of phase rp, min 3"]


def test_edge_own_recruit_period_cut_week(edge: Instance) -> None:
    # week 16 ends his recruit period on Friday 17 April: not a full week, 1 shift is fine
    practice = edge_practice()
    practice["E1R1"] = practice["E1R1"] - days("2026-04-14", "2026-04-17")
    assert validate_plan(edge, edge_plan(edge, practice=practice)) == []


def test_edge_practice_after_own_recruit_period(edge: Instance) -> None:
    practice = edge_practice()
    practice["E1R1"] = practice["E1R1"] | {D("2026-04-20")}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "CAL: recruit E1R1 on mon 2026-04-20: practice in phase rp outside his own dates of it "
        "(2026-03-23 to 2026-04-17, recruits.csv recruit_period_start/end)"]


def test_edge_summer_phase_full_and_cut_weeks(edge: Instance) -> None:
    # summer week 27 (Wed-Sun) is cut by the start: 1 shift is fine; full week 28 needs 3
    practice = edge_practice()
    practice["E1R2"] = practice["E1R2"] - {D("2026-07-02"), D("2026-07-03")} \
        - days("2026-07-08", "2026-07-10")
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R10: recruit E1R2 works 2 shifts in the full week 2026-W28 of phase summer, min 3"]


def test_edge_rest_after_a_night_shift(edge: Instance) -> None:
    # E1R2 works EV2's night shift Thu 9 April (till Fri 07:45) and D on Friday (EV2 is
    # off: without him); Monday is dropped to keep the week at 32.5 h
    practice = edge_practice()
    practice["E1R2"] = practice["E1R2"] - {D("2026-04-06")} | {D("2026-04-10")}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R9: recruit E1R2 has -0.25 h rest between the N shift ending 2026-04-10 07:45 and the D "
        "shift starting 2026-04-10 07:30 (min 11 h)"]


def test_edge_rest_across_the_switch_to_summer_time(edge: Instance) -> None:
    # E1R1 works EV1's L on Sat 28 March (till 20:30) and D on Sunday 07:30: 11 h by the
    # wall clock, but the clocks go forward at 02:00, so 10 h of rest (week 13: Thu, Fri D,
    # Sat L, Sun D = 35 h)
    practice = edge_practice()
    practice["E1R1"] = practice["E1R1"] - days("2026-03-23", "2026-03-25") \
        | {D("2026-03-28"), D("2026-03-29")}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R9: recruit E1R1 has 10 h rest between the L shift ending 2026-03-28 20:30 and the D "
        "shift starting 2026-03-29 07:30 (min 11 h, the clocks change in between)"]


def test_edge_night_shift_into_an_absence(edge: Instance) -> None:
    practice = edge_practice()
    practice["E1R2"] = practice["E1R2"] | {D("2026-04-23")}
    assert [v.message for v in validate_plan(edge, edge_plan(edge, practice=practice))] == [
        "R9: recruit E1R2 works the N shift from 2026-04-23 21:45 to 2026-04-24 07:45, into fri "
        "2026-04-24 on which he is absent"]


def test_edge_without_supervisor_for_the_weekly_hours(edge: Instance) -> None:
    # week 16: E1R2 works D Mon-Wed with EV2 (22.5 h) and D on Saturday without him (EV2 is
    # off); EV2's night shift on Thursday (10 h) would make 40 h > 37.5 h, so D without him
    # (7.5 h, 37.5 h in all) is allowed (D9). Without Saturday nothing excuses it (R8).
    practice = edge_practice()
    practice["E1R2"] = practice["E1R2"] | {D("2026-04-18")}
    thursday = {("E1R2", "2026-04-16"): DAY_SHIFT}
    assert validate_plan(edge, edge_plan(edge, practice=practice, shifts=thursday)) == []
    found = validate_plan(edge, edge_plan(edge, shifts=thursday))
    assert [v.message for v in found] == [
        "R8: recruit E1R2 works D without supervisor on thu 2026-04-16 although supervisor EV2 "
        "works shift N that day and nothing prevents working it with him"]


def test_violations_are_sorted_and_deterministic(inst: Instance, control: Plan) -> None:
    plan = with_shift(inst, control, "K2R1", "2026-04-17", "N", True)
    plan = edit(plan, "K1R1", "2026-08-21", remove=True)
    plan = with_shift(inst, plan, "K2R1", "2026-04-13", "A", True)
    found = validate_plan(inst, plan)
    assert [v.rule for v in found] == ["R4", "R9", "R10"]  # rule order, not string order
    assert found == validate_plan(inst, Plan(plan.assignments[::-1], plan.activities[::-1],
                                             plan.class_days[::-1]))


# ---- damaged plan folders: findings, never a traceback (a fuzzing campaign found these) ----
def _dir_instead_of(folder: Path, name: str) -> None:
    (folder / name).unlink()
    (folder / name).mkdir()


def _append_line(folder: Path, name: str, line: str) -> None:
    with (folder / name).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


@pytest.mark.parametrize(("damage", "expect"), [
    (lambda f: _dir_instead_of(f, "class_calendar.csv"),
     "FILE: check_plan_files could not check the plan: IsADirectoryError"),
    (lambda f: _append_line(f, "recruit_calendar.csv", "K1R1,2026-04-07,practice"),
     "FILE: recruit_calendar.csv line"),
    (lambda f: (f / "assignments.csv").write_bytes((f / "assignments.csv").read_bytes() + b"\xff\n"),
     "FILE: assignments.csv is not UTF-8"),
    (lambda f: (f / "plan.json").write_text("null", encoding="utf-8"), "FILE: plan.json is not a JSON object"),
    (lambda f: edit_ics(f, "recruits/K1R1.ics", sub(r"^DTSTART;TZID=Europe/Oslo:20260407T073000",
                                                     "DTSTART:99991231T235959Z")),
     "FILE: check_ics could not check the plan: OverflowError"),
    (lambda f: edit_ics(f, "recruits/K1R1.ics", sub("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
                                                     "FREQ=YEARLY;INTERVAL=0;BYDAY=-1SU;BYMONTH=3")),
     "VTIMEZONE Europe/Oslo has an observance that cannot be read"),  # dateutil never ends on it
    (lambda f: edit_ics(f, "recruits/K1R1.ics", sub(r"^DTSTAMP:.*$", "DTSTAMP:", count=1)), "has no DTSTAMP"),
])
def test_damaged_plan_folder_gives_findings(folder: Path, inst: Instance, damage, expect: str) -> None:
    damage(folder)
    found = validate(inst, folder)
    assert any(expect in f"{v.rule}: {v.message}" for v in found), found


def test_plan_json_nested_too_deeply(folder: Path, inst: Instance) -> None:
    (folder / "plan.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", str(inst.path), str(folder)])
    assert out.exit_code == 2 and "nested too deeply" in out.output


def test_file_kpis_blocks_disagree(folder: Path, inst: Instance) -> None:
    """kpis.blocks (README) is read off class_calendar.csv by the validator too: the written
    plan's agree, an edited one does not."""
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert validate(inst, folder) == []
    assert meta["kpis"]["blocks"] == {"K1": {"vg2": "S1 P2 S1 | S1"}, "K2": {"vg2": "P1 S2 P1 | P1"}}
    edit_json(folder, lambda m: m["kpis"]["blocks"]["K1"].update(vg2="S3 P3"))
    assert [v.message for v in validate(inst, folder)] == [
        "FILE: plan.json kpis.blocks gives class K1 in phase vg2 the blocks 'S3 P3', but class_calendar.csv "
        "gives 'S1 P2 S1 | S1'"]


def _small_plan(tmp_path: Path, weights: dict[str, float]) -> tuple[Instance, Path]:
    """A one-week recruit period of the micro defaults, travel 7 minutes each: it costs only
    travel (2 x 7 minutes at the ``travel`` weight)."""
    from tests.builders import micro, practice_phase, solve_and_check

    inst = micro(tmp_path / "inst", phases=[practice_phase("2026-04-13", "2026-04-19")],
                 rosters={"RD": ["D D - - D D -"]}, weights=weights, travel={("R1", "S1"): 7, ("R2", "S1"): 7})
    return inst, write_plan(inst, solve_and_check(inst), tmp_path / "plan")


def test_file_figures_of_a_plan_written_before_weights_were_rounded_away_from_zero(tmp_path: Path) -> None:
    # A plan written by an earlier version gives the weight as written (1.25) and prices it
    # with Python's round (12.5 units -> 12): an audit saw the new check reject such plans.
    inst, folder = _small_plan(tmp_path, {"travel": 1.25})
    assert validate(inst, folder) == []  # as written now: weight 1.3
    edit_json(folder, lambda m: (m["breakdown"]["travel"].update(weight=1.25, cost=16.8),
                                 m.update(objective=16.8, best_bound=16.8, gap=0.0)))
    assert validate(inst, folder) == []  # as written then: weight 1.25, 14 x 1.2
    edit_json(folder, lambda m: (m["breakdown"]["travel"].update(cost=17.5),
                                 m.update(objective=17.5, best_bound=17.5)))
    found = [v.message for v in validate(inst, folder)]  # 1.25 x 14 unrounded: neither version's pricing
    assert found == ["FILE: plan.json objective is 17.5, but the plan costs 18.2 by the objective's definition "
                     "(models/score.py)"]


def test_file_gap_of_a_bound_written_to_three_decimals(tmp_path: Path) -> None:
    # The gap is computed before best_bound is rounded to 3 decimals: a bound of 13.9996 is
    # written 14.0 with a gap of 0.0004 / 14; no alarm (on a small objective it exceeded 1e-5).
    inst, folder = _small_plan(tmp_path, {"travel": 1.0})
    edit_json(folder, lambda m: m.update(best_bound=m["objective"], gap=round(0.0004 / m["objective"], 6)))
    assert json.loads((folder / "plan.json").read_text(encoding="utf-8"))["objective"] == 14.0
    assert validate(inst, folder) == []
    edit_json(folder, lambda m: m.update(gap=0.001))
    assert [v.message for v in validate(inst, folder)] == [
        "FILE: plan.json gap is 0.001, but (objective - best_bound) / |objective| is 0.0"]

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

import csv
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import models
from models.domain import DAY_SHIFT, Instance
from models.plan import (
    ASSIGNMENT_COLUMNS,
    CALENDAR_COLUMNS,
    CLASS_CALENDAR_COLUMNS,
    Activity,
    Assignment,
    ClassDay,
    Plan,
    activity_rows,
    assignment_rows,
    class_day_rows,
)
from scheduler.validate import Violation, validate, validate_plan

D = date.fromisoformat
OSLO = ZoneInfo("Europe/Oslo")

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
""",
    "schools.csv": """id,name,lat,lon,address
SK1,Vidaregåande skule,58.97,5.73,Skulevegen 1
""",
    "classes.csv": """id,school_id,name,model,shared_day_with
K1,SK1,Klasse A,,K2
K2,SK1,Klasse B,,K1
""",
    "teachers.csv": """id,school_id,name,weekdays,max_days_per_week
T1,SK1,Guri,mon;tue;wed;thu;fri,5
T2,SK1,Svein,mon;tue;wed;thu;fri,5
T3,SK1,Laila,mon;tue;wed,2
""",
    "closures.csv": """start,end,reason
2026-09-04,2026-09-04,Planleggingsdag
2026-10-05,2026-10-09,Høstferie
""",
    "absences.csv": """person_id,start,end,reason
V2,2026-08-20,2026-08-20,kurs
K1R1,2026-08-26,2026-08-26,lege
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


# ---- R4 -----------------------------------------------------------------------------------
def test_r4_one_practice_day_in_full_week(inst: Instance, control: Plan) -> None:
    # week 34 is a full week and K1R1 is present: exactly 2 practice days, he has 1
    plan = edit(control, "K1R1", "2026-08-21", remove=True)
    found = validate_plan(inst, plan)
    assert [v.message for v in found] == [
        "R4: recruit K1R1 has 1 practice days in the full week 2026-W34 of phase vg1; exactly 2 "
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


# ---- R6 -----------------------------------------------------------------------------------
def test_r6_shared_day_not_joint(inst: Instance, control: Plan) -> None:
    # Wednesday 19 Aug: both classes in school, but taught separately (T1 and T2)
    class_days = [replace(c, joint_with="", teacher_id="T1" if c.class_id == "K1" else "T2")
                  if c.date == D("2026-08-19") else c for c in control.class_days]
    found = validate_plan(inst, Plan(control.assignments, control.activities, class_days))
    assert rules(found) == {"R6"}
    assert "K1 and K2 are both in school on wed 2026-08-19 but not taught together" in found[0].message


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
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Oslo
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def _ics(events: list[tuple[str, datetime, datetime]], mode: str = "tzid") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//validate//EN", VTIMEZONE]
    for uid, s, e in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261016T000000Z"]
        for key, t in (("DTSTART", s), ("DTEND", e)):
            if mode == "utc":
                utc = t.replace(tzinfo=OSLO).astimezone(UTC)
                lines.append(f"{key}:{utc:%Y%m%dT%H%M%S}Z")
            elif mode == "floating":
                lines.append(f"{key}:{t:%Y%m%dT%H%M%S}")
            else:
                lines.append(f"{key};TZID=Europe/Oslo:{t:%Y%m%dT%H%M%S}")
        lines += ["SUMMARY:x", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).replace("\n", "\r\n").replace("\r\r\n", "\r\n") + "\r\n"


def write_plan(inst: Instance, plan: Plan, folder: Path, *, mode: str = "tzid",
               status: str = "FEASIBLE") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    practice = [a for a in plan.activities if a.activity == "practice"]
    meta = {"instance": inst.name, "status": status, "objective": 0.0, "best_bound": 0.0,
            "gap": 0.0, "wall_seconds": 0.1,
            "kpis": {"practice_days": len(practice),
                     "practice_days_without_supervisor": sum(not a.with_supervisor for a in practice),
                     "mean_travel_minutes": 20.0, "max_travel_minutes": 25,
                     "weekend_shifts_per_recruit": {"min": 0, "max": 0}}}
    (folder / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    for name, cols, rows in (("assignments.csv", ASSIGNMENT_COLUMNS, assignment_rows(plan)),
                             ("recruit_calendar.csv", CALENDAR_COLUMNS, activity_rows(plan)),
                             ("class_calendar.csv", CLASS_CALENDAR_COLUMNS, class_day_rows(plan))):
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            w.writerows(rows)
    (folder / "ics" / "recruits").mkdir(parents=True, exist_ok=True)
    (folder / "ics" / "classes").mkdir(parents=True, exist_ok=True)
    for r in inst.recruits:
        events = [(f"r-{r.id}-{a.date}-{a.activity}@t", a.start, a.end) for a in plan.activities
                  if a.recruit_id == r.id]
        (folder / "ics" / "recruits" / f"{r.id}.ics").write_bytes(_ics(events, mode).encode())  # type: ignore[arg-type]
    for k in inst.classes:
        events = [(f"c-{k.id}-{c.date}@t", *inst.school_day_window(k.id, c.date))
                  for c in plan.class_days if c.class_id == k.id]
        (folder / "ics" / "classes" / f"{k.id}.ics").write_bytes(_ics(events, mode).encode())
    return folder


def test_folder_control_is_valid(inst: Instance, control: Plan, tmp_path: Path) -> None:
    assert validate(inst, write_plan(inst, control, tmp_path / "plan")) == []


def test_folder_utc_times_are_equivalent(inst: Instance, control: Plan, tmp_path: Path) -> None:
    # UTC DTSTART/DTEND are the same instants; summer (CEST) and autumn dates both occur
    assert validate(inst, write_plan(inst, control, tmp_path / "plan", mode="utc")) == []


def test_ics_floating_times(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_plan(inst, control, tmp_path / "plan")
    events = [("x@t", datetime(2026, 4, 7, 7, 30), datetime(2026, 4, 7, 15, 0))]
    (folder / "ics" / "recruits" / "K1R1.ics").write_text(_ics(events, "floating"))
    found = validate(inst, folder)
    assert rules(found) == {"ICS"}
    assert any("floating time" in v.message for v in found)
    assert validate(inst, folder, check_ics=False) == []


def test_ics_missing_event_and_duplicate_uid(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_plan(inst, control, tmp_path / "plan")
    rows = [(a.start, a.end) for a in control.activities if a.recruit_id == "K2R1"]
    events = [("same@t", s, e) for s, e in rows[1:]]  # drops the first row, one UID for all
    (folder / "ics" / "recruits" / "K2R1.ics").write_text(_ics(events))  # type: ignore[arg-type]
    found = validate(inst, folder)
    assert rules(found) == {"ICS"}
    messages = " | ".join(v.message for v in found)
    assert "recruit K2R1 has 1 row(s) from 2026-04-06 07:30 to 2026-04-06 15:00" in messages
    assert "UID same@t is used by" in messages


def test_ics_class_feed_missing(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_plan(inst, control, tmp_path / "plan")
    (folder / "ics" / "classes" / "K2.ics").unlink()
    assert [v.message for v in validate(inst, folder)] == ["ICS: ics/classes/K2.ics is missing"]


def test_file_bad_value(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_plan(inst, control, tmp_path / "plan")
    path = folder / "recruit_calendar.csv"
    text = path.read_text(encoding="utf-8").replace(",practice,", ",prakis,", 1)
    path.write_text(text, encoding="utf-8")
    found = validate(inst, folder)
    assert "FILE" in rules(found)
    assert any("column activity: expected school or practice, got 'prakis'" in v.message
               for v in found)


def test_file_infeasible_folder_has_no_plan(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_plan(inst, control, tmp_path / "plan", status="INFEASIBLE")
    assert rules(validate(inst, folder)) == {"FILE"}


def test_file_kpis_disagree(inst: Instance, control: Plan, tmp_path: Path) -> None:
    folder = write_plan(inst, control, tmp_path / "plan")
    meta = json.loads((folder / "plan.json").read_text())
    meta["kpis"]["practice_days"] += 1
    (folder / "plan.json").write_text(json.dumps(meta))
    found = validate(inst, folder)
    assert rules(found) == {"FILE"}
    assert "kpis.practice_days" in found[0].message


def test_violations_are_sorted_and_deterministic(inst: Instance, control: Plan) -> None:
    plan = with_shift(inst, control, "K2R1", "2026-04-17", "N", True)
    plan = edit(plan, "K1R1", "2026-08-21", remove=True)
    plan = with_shift(inst, plan, "K2R1", "2026-04-13", "A", True)
    found = validate_plan(inst, plan)
    assert [v.rule for v in found] == ["R4", "R9", "R10"]  # rule order, not string order
    assert found == validate_plan(inst, Plan(plan.assignments[::-1], plan.activities[::-1],
                                             plan.class_days[::-1]))

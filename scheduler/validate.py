"""Independent plan validator: checks a plan folder against SPEC.md §2 (R1-R12) and §4.

The validator reads only the instance (:func:`models.read`) and the plan files; it never
imports the CP-SAT model, so a bug in a constraint cannot hide the same bug here. Where
SPEC.md is silent it follows docs/DECISIONS.md (the D numbers cited at each check).

Each rule family is one function ``check_<rule>(instance, plan) -> list[Violation]``.
Besides the rules R1-R12 three more families are reported:

* ``FILE`` - the plan folder is not well formed (missing file or column, bad value,
  ``plan.json`` keys, objective, bound, status or KPIs that disagree with the tables);
* ``CAL`` - a ``recruit_calendar.csv`` / ``class_calendar.csv`` row disagrees with the
  instance or the assignments (times, shift code, phase, class, supervisor/ward/site);
* ``ICS`` - the calendars under ``ics/`` break SPEC §4 "Calendars" (RFC 5545 lines,
  METHOD, names, refresh, VTIMEZONE, TZID, UIDs, DTSTAMP, practice texts) or disagree
  with the CSV calendars.
* ``KEEP`` - only when given a published plan and a date (``plan --keep-until``): a row
  of the published plan before the date, or a placement of a phase started before it,
  that the plan does not keep (:func:`check_kept`).

Where SPEC leaves a format to the project, the README's decision is checked: the UID of
an event (sha256 of its identity) and the DTSTAMP (the plan's latest date, 00:00 UTC).

Usage::

    from scheduler.validate import validate
    for v in validate(models.read("instances/example"), Path("plans/example")):
        print(v.message)
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.domain import DAY_SHIFT, WEEKDAYS, Instance, Phase, iso_week, week_label
from models.plan import (
    ASSIGNMENT_COLUMNS,
    CALENDAR_COLUMNS,
    CLASS_CALENDAR_COLUMNS,
    TIME_FORMAT,
    Activity,
    Assignment,
    ClassDay,
    Plan,
    PlanFileError,
    diff_rows,
    read_plan,
)

__all__ = [
    "FEED_KINDS",
    "RULES",
    "Violation",
    "check_calendar_files",
    "check_ics",
    "check_plan_files",
    "check_r1_assignment",
    "check_r2_capacity",
    "check_r3_school_days",
    "check_r4_weekly",
    "check_r5_block",
    "check_r6_shared_day",
    "check_r7_teachers",
    "check_r8_supervision",
    "check_r9_rest",
    "check_r10_practice_load",
    "check_r11_min_school_days",
    "check_r12_holidays",
    "identity_uid",
    "plan_stamp",
    "check_kept",
    "validate",
    "validate_plan",
]

RULES: tuple[str, ...] = (
    "FILE", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12",
    "CAL", "ICS", "KEEP",
)
"""Every rule label a :class:`Violation` can carry, in report order."""

PLAN_STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN")
PLAN_JSON_KEYS = ("instance", "status", "objective", "best_bound", "gap", "wall_seconds", "kpis")
KPI_KEYS = (
    "practice_days", "practice_days_without_supervisor", "mean_travel_minutes",
    "max_travel_minutes", "weekend_shifts_per_recruit",
)
ACTIVITIES = ("school", "practice")


@dataclass(frozen=True)
class Violation:
    """One broken rule, as a sentence for people.

    Attributes:
        rule: ``"R1"`` ... ``"R12"`` (SPEC.md §2), or ``"FILE"``, ``"CAL"``, ``"ICS"``.
        message: starts with the rule, names the recruit/class/supervisor/teacher and the
            date, e.g. ``"R9: recruit K1R03 has 9.5 h rest between the shift ending
            2026-09-03 22:00 and school starting 2026-09-04 08:30 (min 11 h)"``.
    """

    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def _v(rule: str, text: str) -> Violation:
    return Violation(rule, f"{rule}: {text}")


def _sort_key(v: Violation) -> tuple[int, str]:
    order = RULES.index(v.rule) if v.rule in RULES else len(RULES)
    return order, v.message


def _finish(found: list[Violation]) -> list[Violation]:
    """Deduplicated and sorted by rule order, then message (deterministic)."""
    return sorted(dict.fromkeys(found), key=_sort_key)


# ---- small helpers ------------------------------------------------------------------------
def _num(x: float) -> str:
    """``9.5`` -> ``"9.5"``, ``11.0`` -> ``"11"``."""
    return f"{round(x, 2):g}"


def _t(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def _day(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()]} {d.isoformat()}"


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _counted_hours(inst: Instance, start: datetime, end: datetime) -> float:
    """D7: a shift counts the more of its real hours and its hours by the clock."""
    return max(_hours(end - start), _hours(_elapsed(inst, start, end)))


def _elapsed(inst: Instance, earlier: datetime, later: datetime) -> timedelta:
    """Real time between two local times of the instance's timezone: across a clock change
    the wall-clock difference is an hour off (D6 rest is real rest)."""
    try:
        tz = ZoneInfo(inst.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return later - earlier
    return later.replace(tzinfo=tz).astimezone(UTC) - earlier.replace(tzinfo=tz).astimezone(UTC)


def _week_days(week: tuple[int, int]) -> list[date]:
    monday = date.fromisocalendar(week[0], week[1], 1)
    return [monday + timedelta(days=i) for i in range(7)]


def _phase_weeks(phase: Phase) -> dict[tuple[int, int], list[date]]:
    """The ISO weeks of a phase, in order, each with its dates inside the phase."""
    out: dict[tuple[int, int], list[date]] = {}
    for d in phase.dates():
        out.setdefault(iso_week(d), []).append(d)
    return out


def _consecutive(days: list[date]) -> bool:
    days = sorted(days)
    return all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False))


def _phase_for(inst: Instance, recruit_id: str, d: date) -> Phase | None:
    """The phase whose dates (for this recruit, D10) contain ``d``."""
    for p in inst.phases:
        if recruit_id in inst.recruit:
            start, end = inst.recruit_phase_window(recruit_id, p)
        else:
            start, end = p.start, p.end
        if start <= d <= end:
            return p
    return None


def _alternation_phase(inst: Instance, d: date) -> Phase | None:
    for p in inst.phases:
        if p.kind == "alternation" and p.contains(d):
            return p
    return None


def _what(a: Activity) -> str:
    return "school" if a.activity == "school" else f"the {a.shift_code or '?'} shift"


class _Index:
    """Lookups over a plan shared by the checks (built once per check, cheap)."""

    def __init__(self, inst: Instance, plan: Plan) -> None:
        self.inst = inst
        self.plan = plan
        self.assignment: dict[tuple[str, str], Assignment] = {}
        for a in plan.assignments:
            self.assignment.setdefault((a.recruit_id, a.phase_id), a)
        self.by_recruit: dict[str, list[Activity]] = defaultdict(list)
        for a in plan.activities:
            self.by_recruit[a.recruit_id].append(a)
        for rows in self.by_recruit.values():
            rows.sort(key=lambda a: (a.start or datetime.combine(a.date, datetime.min.time()),
                                     a.date, a.activity))
        self.practice: dict[str, dict[date, list[Activity]]] = defaultdict(lambda: defaultdict(list))
        self.school: dict[str, dict[date, list[Activity]]] = defaultdict(lambda: defaultdict(list))
        for a in plan.activities:
            target = self.practice if a.activity == "practice" else self.school
            if a.activity in ACTIVITIES:
                target[a.recruit_id][a.date].append(a)
        self.class_days: dict[str, dict[date, ClassDay]] = defaultdict(dict)
        for c in plan.class_days:
            self.class_days[c.class_id].setdefault(c.date, c)

    def practice_rows(self, recruit_id: str) -> list[Activity]:
        return [a for d in sorted(self.practice[recruit_id]) for a in self.practice[recruit_id][d]]

    def practice_dates(self, recruit_id: str, days: list[date]) -> list[date]:
        rows = self.practice[recruit_id]
        return [d for d in days if rows.get(d)]

    def school_dates(self, class_id: str, days: list[date]) -> list[date]:
        cd = self.class_days[class_id]
        return [d for d in days if d in cd]

    def shift_hours(self, a: Activity) -> float:
        """The hours a practice row counts towards the week's (D7): the more of its real
        hours and its hours by the clock (across a clock change a night lasts an hour more
        or less than its times say), from its shift, else from its start and end (times
        that differ from the shift's are reported by ``CAL``)."""
        s = self.inst.shift.get(a.shift_code)
        if s is not None:
            return _counted_hours(self.inst, *s.window(a.date))
        if a.start and a.end:
            return _counted_hours(self.inst, a.start, a.end)
        return 0.0


# ---- R1 -----------------------------------------------------------------------------------
def check_r1_assignment(instance: Instance, plan: Plan) -> list[Violation]:
    """R1: each recruit has exactly one supervisor (so one ward and site) per phase, and his
    travel time to that site is within his limit (SPEC §2 R1, D15)."""
    inst, out = instance, []
    count: Counter[tuple[str, str]] = Counter()
    for a in plan.assignments:
        count[(a.recruit_id, a.phase_id)] += 1
        if a.recruit_id not in inst.recruit:
            out.append(_v("R1", f"assignments.csv names unknown recruit {a.recruit_id}"))
            continue
        if a.phase_id not in inst.phase:
            out.append(_v("R1", f"assignments.csv names unknown phase {a.phase_id} "
                                f"for recruit {a.recruit_id}"))
            continue
        sup = inst.supervisor.get(a.supervisor_id)
        if sup is None:
            out.append(_v("R1", f"recruit {a.recruit_id} is assigned to unknown supervisor "
                                f"{a.supervisor_id} in phase {a.phase_id}"))
            continue
        ward = inst.ward[sup.ward_id]
        if a.ward_id != ward.id or a.site_id != ward.site_id:
            out.append(_v("R1", f"recruit {a.recruit_id} in phase {a.phase_id}: supervisor "
                                f"{sup.id} works on ward {ward.id} at site {ward.site_id}, "
                                f"not ward {a.ward_id} at site {a.site_id}"))
        travel = inst.travel_minutes(a.recruit_id, ward.site_id)
        limit = inst.travel_limit(a.recruit_id)
        if travel > limit:
            out.append(_v("R1", f"recruit {a.recruit_id} travels {travel} min to site "
                                f"{ward.site_id} (supervisor {sup.id}) in phase {a.phase_id}, "
                                f"over his limit of {limit} min"))
        if a.travel_minutes != travel:
            out.append(_v("R1", f"recruit {a.recruit_id} in phase {a.phase_id}: assignments.csv "
                                f"gives {a.travel_minutes} min travel to site {ward.site_id}, "
                                f"the instance gives {travel} min"))
    for r in inst.recruits:
        for p in inst.phases:
            n = count[(r.id, p.id)]
            if n == 0:
                out.append(_v("R1", f"recruit {r.id} has no supervisor in phase {p.id}"))
            elif n > 1:
                sups = sorted(a.supervisor_id for a in plan.assignments
                              if (a.recruit_id, a.phase_id) == (r.id, p.id))
                out.append(_v("R1", f"recruit {r.id} has {n} assignments in phase {p.id} "
                                    f"({', '.join(sups)}); exactly one is allowed"))
    return out


# ---- R2 -----------------------------------------------------------------------------------
def check_r2_capacity(instance: Instance, plan: Plan) -> list[Violation]:
    """R2: a supervisor has at most ``max_recruits`` recruits per phase; a ward never has more
    than ``capacity`` recruits in practice on one date (SPEC §2 R2)."""
    inst, out = instance, []
    per_sup: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in plan.assignments:
        per_sup[(a.supervisor_id, a.phase_id)].add(a.recruit_id)
    for (sid, pid), recruits in sorted(per_sup.items()):
        sup = inst.supervisor.get(sid)
        if sup is not None and len(recruits) > sup.max_recruits:
            out.append(_v("R2", f"supervisor {sid} has {len(recruits)} recruits in phase {pid} "
                                f"({', '.join(sorted(recruits))}), max {sup.max_recruits}"))
    per_ward: dict[tuple[str, date], set[str]] = defaultdict(set)
    for a in plan.activities:
        if a.activity == "practice":
            per_ward[(a.ward_id, a.date)].add(a.recruit_id)
    for (wid, d), recruits in sorted(per_ward.items()):
        ward = inst.ward.get(wid)
        if ward is not None and len(recruits) > ward.capacity:
            out.append(_v("R2", f"ward {wid} has {len(recruits)} recruits in practice on "
                                f"{_day(d)} ({', '.join(sorted(recruits))}), capacity "
                                f"{ward.capacity}"))
    return out


# ---- R3 -----------------------------------------------------------------------------------
def check_r3_school_days(instance: Instance, plan: Plan) -> list[Violation]:
    """R3: school only inside an alternation phase, never on a closure, public holiday or
    weekend; the class is in school as a whole: on its school days every recruit who is not
    absent has exactly one school row, and nobody has a school row on another day (SPEC §2
    R3, D1, D3)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    for c in plan.class_days:
        k = inst.klass.get(c.class_id)
        if k is None:
            continue  # reported by check_calendar_files
        if _alternation_phase(inst, c.date) is None:
            out.append(_v("R3", f"class {c.class_id} has school on {_day(c.date)}, outside "
                                f"every alternation phase"))
        if c.date.weekday() >= 5:
            out.append(_v("R3", f"class {c.class_id} has school on {_day(c.date)}, a weekend"))
        reason = inst.closure_reason(k.school_id, c.date)
        if reason is not None:
            out.append(_v("R3", f"class {c.class_id} has school on {_day(c.date)}, which is "
                                f"closed ({reason})"))
    for k in inst.classes:
        for d in sorted(ix.class_days[k.id]):
            for r in inst.recruits_of(k.id):
                rows = ix.school[r.id].get(d, [])
                if not rows and not inst.is_absent(r.id, d):
                    out.append(_v("R3", f"recruit {r.id} is not in school on {_day(d)}, a "
                                        f"school day of his class {k.id}, and is not absent"))
                elif len(rows) > 1:
                    out.append(_v("R3", f"recruit {r.id} has {len(rows)} school rows on "
                                        f"{_day(d)}"))
    for rid, days in sorted(ix.school.items()):
        r = inst.recruit.get(rid)
        if r is None:
            continue
        for d in sorted(days):
            if d not in ix.class_days[r.class_id]:
                out.append(_v("R3", f"recruit {rid} has a school row on {_day(d)}, which is not "
                                    f"a school day of his class {r.class_id}"))
    return out


# ---- R4 -----------------------------------------------------------------------------------
def check_r4_weekly(instance: Instance, plan: Plan) -> list[Violation]:
    """R4 (weekly model): in a full week (D2) the class has exactly ``school_days_per_week``
    school days and each recruit present all week exactly ``practice_days_per_week``
    practice days; in other weeks at most; practice days are consecutive where two or more,
    on no school day of his class, and on weekdays unless ``practice_on_weekends`` (SPEC §2
    R4, D2, D11)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    for p in inst.phases:
        if p.kind != "alternation":
            continue
        for k in inst.classes:
            if inst.model_of(k.id, p) != "weekly":
                continue
            recruits = inst.recruits_of(k.id)
            for week, days in _phase_weeks(p).items():
                label = week_label(week)
                open_days = [d for d in days if inst.is_open_school_day(k.id, d, p)]
                full = len(open_days) == 5
                school = ix.school_dates(k.id, days)
                if open_days and full and len(school) != p.school_days_per_week:
                    out.append(_v("R4", f"class {k.id} has {len(school)} school days in the full "
                                        f"week {label} of phase {p.id}; exactly "
                                        f"{p.school_days_per_week} are required"))
                elif open_days and not full and len(school) > p.school_days_per_week:
                    out.append(_v("R4", f"class {k.id} has {len(school)} school days in the short "
                                        f"week {label} of phase {p.id}; at most "
                                        f"{p.school_days_per_week} are allowed"))
                for r in recruits:
                    practice = ix.practice_dates(r.id, days)
                    absent = any(inst.is_absent(r.id, d) for d in _week_days(week))
                    n, ppw = len(practice), p.practice_days_per_week
                    if full and not absent and n != ppw:
                        out.append(_v("R4", f"recruit {r.id} has {n} practice day{'' if n == 1 else 's'} in the full "
                                            f"week {label} of phase {p.id}; exactly {ppw} are "
                                            f"required"))
                    elif n > ppw:
                        out.append(_v("R4", f"recruit {r.id} has {n} practice day{'' if n == 1 else 's'} in week "
                                            f"{label} of phase {p.id}; at most {ppw} are "
                                            f"allowed"))
                    if n >= 2 and not _consecutive(practice):
                        dates = ", ".join(d.isoformat() for d in practice)
                        out.append(_v("R4", f"recruit {r.id}'s practice days in week {label} "
                                            f"({dates}) are not consecutive"))
                    for d in practice:
                        if d in ix.class_days[k.id]:
                            out.append(_v("R4", f"recruit {r.id} practises on {_day(d)}, a "
                                                f"school day of his class {k.id}"))
                        if d.weekday() >= 5 and not inst.rules.practice_on_weekends:
                            out.append(_v("R4", f"recruit {r.id} practises on {_day(d)}, a "
                                                f"weekend (practice_on_weekends = false)"))
    return out


# ---- R5 -----------------------------------------------------------------------------------
def check_r5_block(instance: Instance, plan: Plan) -> list[Violation]:
    """R5 (block model): each week of the phase with an open school day is a school week (school
    on every open school day, no practice) or a practice week (no school); blocks of equal
    weeks lie within ``school_block_weeks`` / ``practice_block_weeks``; one that touches the
    phase start or end or is cut by a week without open school day may be shorter than the
    minimum, never longer than the maximum (a cut shortens a block; SPEC §2 R5, D14).

    Practice in a week without any open school day is reported here on days that are not
    closures (closure days are R12), unless ``practice_in_school_holidays``.
    """
    inst, out = instance, []
    ix = _Index(inst, plan)
    for p in inst.phases:
        if p.kind != "alternation":
            continue
        for k in inst.classes:
            if inst.model_of(k.id, p) != "block":
                continue
            recruits = inst.recruits_of(k.id)
            kinds: list[tuple[tuple[int, int], str | None]] = []  # None = closed week
            for week, days in _phase_weeks(p).items():
                label = week_label(week)
                open_days = [d for d in days if inst.is_open_school_day(k.id, d, p)]
                school = ix.school_dates(k.id, days)
                practising = {r.id: ix.practice_dates(r.id, days) for r in recruits}
                practising = {rid: ds for rid, ds in practising.items() if ds}
                if not open_days:
                    kinds.append((week, None))
                    if inst.rules.practice_in_school_holidays:
                        continue
                    for rid, ds in sorted(practising.items()):
                        for d in ds:
                            if inst.closure_reason(k.school_id, d) is None:
                                out.append(_v("R5", f"recruit {rid} practises on {_day(d)} in "
                                                    f"week {label}, which has no open school "
                                                    f"day (neither a school nor a practice "
                                                    f"week of class {k.id})"))
                    continue
                if school:
                    kinds.append((week, "school"))
                    missing = [d for d in open_days if d not in ix.class_days[k.id]]
                    if missing:
                        out.append(_v("R5", f"class {k.id} is in school on {len(school)} of the "
                                            f"{len(open_days)} open school days of week {label} "
                                            f"(phase {p.id}, block model); a school week has "
                                            f"school on every open day"))
                    for rid, ds in sorted(practising.items()):
                        out.append(_v("R5", f"recruit {rid} practises on "
                                            f"{', '.join(d.isoformat() for d in ds)} in week "
                                            f"{label}, a school week of his class {k.id}"))
                else:
                    kinds.append((week, "practice"))
            out += _block_lengths(k.id, p, kinds)
    return out


def _block_lengths(class_id: str, p: Phase,
                   kinds: list[tuple[tuple[int, int], str | None]]) -> list[Violation]:
    out = []
    i = 0
    while i < len(kinds):
        kind = kinds[i][1]
        if kind is None:
            i += 1
            continue
        j = i
        while j + 1 < len(kinds) and kinds[j + 1][1] == kind:
            j += 1
        length = j - i + 1
        # a phase edge or a closed week may cut a block short, never make it longer
        cut = i == 0 or j == len(kinds) - 1 or kinds[i - 1][1] is None \
            or kinds[j + 1][1] is None
        lo, hi = p.school_block_weeks if kind == "school" else p.practice_block_weeks
        if length > hi or (not cut and length < lo):
            out.append(_v("R5", f"class {class_id} has a {kind} block of {length} week(s) "
                                f"({week_label(kinds[i][0])} to {week_label(kinds[j][0])}) in "
                                f"phase {p.id}; {kind} blocks last {lo} to {hi} weeks"))
        i = j + 1
    return out


# ---- R6 -----------------------------------------------------------------------------------
def check_r6_shared_day(instance: Instance, plan: Plan) -> list[Violation]:
    """R6: partner classes (``shared_day_with``, same school) are taught together by one
    teacher, ``joint_with`` on both rows, on every date both are in school, and share exactly
    one such day in each weekly-model week where both have school on three days (SPEC §2
    R6, D12)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    pairs: set[tuple[str, str]] = set()
    for k in inst.classes:
        if not k.shared_day_with:
            continue
        partner = inst.klass.get(k.shared_day_with)
        if partner is None:
            out.append(_v("R6", f"class {k.id} shares its day with unknown class "
                                f"{k.shared_day_with}"))
            continue
        pairs.add(tuple(sorted((k.id, partner.id))))  # type: ignore[arg-type]
    for a, b in sorted(pairs):
        ka, kb = inst.klass[a], inst.klass[b]
        if ka.school_id != kb.school_id:
            out.append(_v("R6", f"partner classes {a} and {b} are at different schools "
                                f"({ka.school_id}, {kb.school_id}) and cannot share a day"))
        common = sorted(set(ix.class_days[a]) & set(ix.class_days[b]))
        for d in common:
            ra, rb = ix.class_days[a][d], ix.class_days[b][d]
            if ra.joint_with != b or rb.joint_with != a:
                out.append(_v("R6", f"classes {a} and {b} are both in school on {_day(d)} but "
                                    f"not taught together (joint_with {ra.joint_with or '-'} / "
                                    f"{rb.joint_with or '-'})"))
            elif ra.teacher_id != rb.teacher_id:
                out.append(_v("R6", f"the joint day {_day(d)} of classes {a} and {b} has two "
                                    f"teachers ({ra.teacher_id}, {rb.teacher_id}); it needs one"))
        for p in inst.phases:
            if inst.model_of(a, p) != "weekly" or inst.model_of(b, p) != "weekly":
                continue
            for week, days in _phase_weeks(p).items():
                da, db = ix.school_dates(a, days), ix.school_dates(b, days)
                if len(da) == 3 and len(db) == 3:
                    shared = set(da) & set(db)
                    if len(shared) != 1:
                        out.append(_v("R6", f"classes {a} and {b} share {len(shared)} school "
                                            f"days in week {week_label(week)} of phase {p.id}; "
                                            f"exactly one is required"))
    for c in plan.class_days:
        if not c.joint_with:
            continue
        k = inst.klass.get(c.class_id)
        if k is None:
            continue
        other = inst.klass.get(c.joint_with)
        is_partner = c.joint_with == k.shared_day_with or (
            other is not None and other.shared_day_with == k.id)
        if not is_partner:
            out.append(_v("R6", f"class {c.class_id} is marked joint with {c.joint_with} on "
                                f"{_day(c.date)}, which is not its partner class"))
        elif c.date not in ix.class_days[c.joint_with]:
            out.append(_v("R6", f"class {c.class_id} is marked joint with {c.joint_with} on "
                                f"{_day(c.date)}, but {c.joint_with} has no school that day"))
    return out


# ---- R7 -----------------------------------------------------------------------------------
def check_r7_teachers(instance: Instance, plan: Plan) -> list[Violation]:
    """R7: every class school day has a teacher of the class's school who teaches on that
    weekday and is not absent; a teacher teaches at most one group per date (a joint day is
    one group) and at most ``max_days_per_week`` dates per ISO week (SPEC §2 R7, D13)."""
    inst, out = instance, []
    groups: dict[tuple[str, date], set[frozenset[str]]] = defaultdict(set)
    for c in plan.class_days:
        k = inst.klass.get(c.class_id)
        if k is None:
            continue
        t = inst.teacher.get(c.teacher_id)
        if t is None:
            out.append(_v("R7", f"class {c.class_id} has no known teacher on {_day(c.date)} "
                                f"(teacher_id {c.teacher_id or '-'})"))
            continue
        if t.school_id != k.school_id:
            out.append(_v("R7", f"teacher {t.id} of school {t.school_id} teaches class {k.id} "
                                f"of school {k.school_id} on {_day(c.date)}"))
        if c.date.weekday() not in t.weekdays:
            out.append(_v("R7", f"teacher {t.id} teaches class {k.id} on {_day(c.date)}, not one "
                                f"of his weekdays"))
        if inst.is_absent(t.id, c.date):
            out.append(_v("R7", f"teacher {t.id} teaches class {k.id} on {_day(c.date)} but is "
                                f"absent"))
        group = frozenset({c.class_id, c.joint_with}) if c.joint_with else frozenset({c.class_id})
        groups[(t.id, c.date)].add(group)
    per_week: dict[tuple[str, tuple[int, int]], set[date]] = defaultdict(set)
    for (tid, d), gs in sorted(groups.items()):
        per_week[(tid, iso_week(d))].add(d)
        # a joint day written as {K1,K2} on both rows is one group
        if len(gs) > 1:
            names = "; ".join("+".join(sorted(g)) for g in sorted(gs, key=sorted))
            out.append(_v("R7", f"teacher {tid} teaches {len(gs)} groups on {_day(d)} ({names})"))
    for (tid, week), days in sorted(per_week.items()):
        t = inst.teacher[tid]
        if len(days) > t.max_days_per_week:
            out.append(_v("R7", f"teacher {tid} teaches on {len(days)} days in week "
                                f"{week_label(week)}, max {t.max_days_per_week}"))
    return out


# ---- R8 -----------------------------------------------------------------------------------
def check_r8_supervision(instance: Instance, plan: Plan) -> list[Violation]:
    """R8: a practice day with supervisor is the supervisor's own roster shift that date and he
    is not absent; a day without supervisor is on the ward's day shift ``D`` and only allowed
    when the supervisor is off or absent, or his shift is a night shift where nights are not
    allowed, or would break the rest (D6) or the weekly hours (SPEC §2 R8, D8, D9)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    rest = timedelta(hours=inst.rules.min_rest_hours)
    for rid in sorted(ix.practice):
        for a in ix.practice_rows(rid):
            sup = inst.supervisor.get(a.supervisor_id)
            if sup is None or a.with_supervisor is None:
                continue  # reported by check_calendar_files
            own = inst.supervisor_works(sup.id, a.date)
            if a.with_supervisor:
                if own is None:
                    why = "absent" if inst.is_absent(sup.id, a.date) else "off by his roster"
                    out.append(_v("R8", f"recruit {rid} is marked with supervisor {sup.id} on "
                                        f"{_day(a.date)}, but {sup.id} is {why}"))
                elif own != a.shift_code:
                    out.append(_v("R8", f"recruit {rid} works shift {a.shift_code} with "
                                        f"supervisor {sup.id} on {_day(a.date)}, but {sup.id} "
                                        f"works shift {own} that day"))
                continue
            if a.shift_code != DAY_SHIFT:
                out.append(_v("R8", f"recruit {rid} works shift {a.shift_code} without his "
                                    f"supervisor on {_day(a.date)}; without supervisor only "
                                    f"the ward's day shift {DAY_SHIFT} is allowed"))
                continue
            if own is None or own not in inst.shift:
                continue  # off or absent: allowed
            if not _own_shift_blocked(ix, a, own, rest):
                out.append(_v("R8", f"recruit {rid} works {DAY_SHIFT} without supervisor on "
                                    f"{_day(a.date)} although supervisor {sup.id} works shift "
                                    f"{own} that day and nothing prevents working it with him"))
    return out


def _own_shift_blocked(ix: _Index, row: Activity, code: str, rest: timedelta) -> bool:
    """D9: may the recruit work ``D`` instead of his supervisor's shift ``code``?"""
    inst = ix.inst
    shift = inst.shift[code]
    phase = _phase_for(inst, row.recruit_id, row.date)
    if shift.is_night and not (phase.allow_night if phase else False):
        return True
    start, end = shift.window(row.date)
    if end.date() > row.date and inst.is_absent(row.recruit_id, end.date()):
        return True  # his shift would run into the recruit's absence (R9)
    for o in ix.by_recruit[row.recruit_id]:
        if o is row or o.start is None or o.end is None or abs((o.date - row.date).days) > 2:
            continue
        if o.end <= start:
            if _elapsed(inst, o.end, start) < rest:
                return True
        elif o.start >= end:
            if _elapsed(inst, end, o.start) < rest:
                return True
        else:
            return True  # overlap
    if phase is not None and phase.max_hours_per_week is not None:
        week = iso_week(row.date)
        hours = sum(ix.shift_hours(o) for o in ix.practice_rows(row.recruit_id)
                    if iso_week(o.date) == week
                    and _phase_for(inst, row.recruit_id, o.date) is phase)
        if hours - ix.shift_hours(row) + _counted_hours(inst, start, end) > phase.max_hours_per_week + 1e-9:
            return True
    return False


# ---- R9 -----------------------------------------------------------------------------------
def check_r9_rest(instance: Instance, plan: Plan) -> list[Violation]:
    """R9: at least ``min_rest_hours`` between the end of any activity of a recruit and the
    start of his next (D6; real hours, so a rest across a clock change is an hour shorter or
    longer than the wall clock says); no activity on his absences (a night shift that runs into an
    absent date counts as activity on it); no practice on his ``unavailable_weekdays``
    (SPEC §2 R9)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    min_rest = inst.rules.min_rest_hours
    for rid in sorted(ix.by_recruit):
        r = inst.recruit.get(rid)
        timed = [(a.start, a.end, _what(a)) for a in ix.by_recruit[rid]
                 if a.start is not None and a.end is not None]
        for (_s0, end0, what0), (start1, _e1, what1) in zip(timed, timed[1:], strict=False):
            gap = _hours(_elapsed(inst, end0, start1))
            if gap < min_rest - 1e-9:
                clock = "" if gap == _hours(start1 - end0) else ", the clocks change in between"
                out.append(_v("R9", f"recruit {rid} has {_num(gap)} h rest between {what0} ending "
                                    f"{_t(end0)} and {what1} starting {_t(start1)} (min "
                                    f"{_num(min_rest)} h{clock})"))
        for a in ix.by_recruit[rid]:
            if inst.is_absent(rid, a.date):
                out.append(_v("R9", f"recruit {rid} has {a.activity} on {_day(a.date)} but is "
                                    f"absent that day"))
            elif a.end is not None and a.start is not None and a.end > a.start:
                # a night shift runs into the next date: he works on that date too
                last = (a.end - timedelta(minutes=1)).date()
                for i in range(1, (last - a.date).days + 1):
                    d = a.date + timedelta(days=i)
                    if inst.is_absent(rid, d):
                        out.append(_v("R9", f"recruit {rid} works {_what(a)} from {_t(a.start)} "
                                            f"to {_t(a.end)}, into {_day(d)} on which he is "
                                            f"absent"))
            if r is not None and a.activity == "practice" and a.date.weekday() in \
                    r.unavailable_weekdays:
                out.append(_v("R9", f"recruit {rid} practises on {_day(a.date)}, one of his "
                                    f"unavailable weekdays"))
    return out


# ---- R10 ----------------------------------------------------------------------------------
def check_r10_practice_load(instance: Instance, plan: Plan) -> list[Violation]:
    """R10: in practice phases (and practice weeks of the block model) each recruit works at
    least ``min_shifts_per_week`` (``min_shifts_per_practice_week``) shifts in every full
    week (all seven days inside his window, no absence; D10, D14), at most
    ``max_hours_per_week`` in any week (hours count in the ISO week of the shift's start,
    D7), and no night shift where ``allow_night = false`` (D4) (SPEC §2 R10)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    hours: dict[tuple[str, str, tuple[int, int]], float] = defaultdict(float)
    for rid in sorted(ix.practice):
        for a in ix.practice_rows(rid):
            p = _phase_for(inst, rid, a.date)
            if p is None:
                continue  # reported by check_calendar_files
            shift = inst.shift.get(a.shift_code)
            if shift is not None and shift.is_night and not p.allow_night:
                out.append(_v("R10", f"recruit {rid} works the night shift {a.shift_code} on "
                                     f"{_day(a.date)} in phase {p.id}, where nights are not "
                                     f"allowed"))
            hours[(rid, p.id, iso_week(a.date))] += ix.shift_hours(a)
    for (rid, pid, week), h in sorted(hours.items()):
        limit = inst.phase[pid].max_hours_per_week
        if limit is not None and h > limit + 1e-9:
            out.append(_v("R10", f"recruit {rid} works {_num(h)} h in week {week_label(week)} of "
                                 f"phase {pid}, max {_num(limit)} h"))
    for r in inst.recruits:
        for p in inst.phases:
            if p.kind == "practice":
                start, end = inst.recruit_phase_window(r.id, p)
                weeks = sorted({iso_week(start + timedelta(days=i))
                                for i in range((end - start).days + 1)})
                minimum = p.min_shifts_per_week
            elif inst.model_of(r.class_id, p) == "block":
                start, end = p.start, p.end
                weeks = [w for w, days in _phase_weeks(p).items()
                         if any(inst.is_open_school_day(r.class_id, d, p) for d in days)
                         and not ix.school_dates(r.class_id, days)]
                minimum = p.min_shifts_per_practice_week
            else:
                continue
            for week in weeks:
                days = _week_days(week)
                if days[0] < start or days[-1] > end:
                    continue
                if any(inst.is_absent(r.id, d) for d in days):
                    continue
                n = len(ix.practice_dates(r.id, days))
                if n < minimum:
                    kind = "week" if p.kind == "practice" else "practice week"
                    out.append(_v("R10", f"recruit {r.id} works {n} shifts in the full {kind} "
                                         f"{week_label(week)} of phase {p.id}, min {minimum}"))
    return out


# ---- R11 ----------------------------------------------------------------------------------
def check_r11_min_school_days(instance: Instance, plan: Plan) -> list[Violation]:
    """R11: each class has at least ``min_school_days`` school days in each alternation phase
    (SPEC §2 R11)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    for p in inst.phases:
        if p.kind != "alternation":
            continue
        for k in inst.classes:
            n = sum(1 for d in ix.class_days[k.id] if p.contains(d))
            if n < p.min_school_days:
                out.append(_v("R11", f"class {k.id} has {n} school days in phase {p.id}, min "
                                     f"{p.min_school_days}"))
    return out


# ---- R12 ----------------------------------------------------------------------------------
def check_r12_holidays(instance: Instance, plan: Plan) -> list[Violation]:
    """R12: in alternation phases no practice on closures or public holidays unless
    ``practice_in_school_holidays = true``; practice phases follow the roster on every day,
    holidays included (SPEC §2 R12, D1, D10)."""
    inst, out = instance, []
    if inst.rules.practice_in_school_holidays:
        return out
    for a in sorted(plan.activities):
        r = inst.recruit.get(a.recruit_id)
        if a.activity != "practice" or r is None:
            continue
        p = _phase_for(inst, r.id, a.date)
        if p is None or p.kind != "alternation":
            continue
        reason = inst.closure_reason(inst.klass[r.class_id].school_id, a.date)
        if reason is not None:
            out.append(_v("R12", f"recruit {r.id} practises on {_day(a.date)} ({reason}) in "
                                 f"phase {p.id}; practice_in_school_holidays = false"))
    return out


# ---- calendar rows ------------------------------------------------------------------------
def check_calendar_files(instance: Instance, plan: Plan) -> list[Violation]:
    """Consistency of ``recruit_calendar.csv`` and ``class_calendar.csv`` with the instance
    and ``assignments.csv`` (SPEC §4, D3, D8): one row per recruit and day, known recruit and
    class, ``phase_id`` the phase containing the date, ``class_id`` the recruit's class,
    school rows on the class's school-day window, practice rows on an existing shift's window
    with the assigned supervisor, ward and site, and one class row per class and day."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    per_day = Counter((a.recruit_id, a.date) for a in plan.activities)
    for (rid, d), n in sorted(per_day.items()):
        if n > 1:
            out.append(_v("CAL", f"recruit {rid} has {n} rows on {_day(d)}; one activity per "
                                 f"day is allowed"))
    for a in sorted(plan.activities):
        r = inst.recruit.get(a.recruit_id)
        where = f"recruit {a.recruit_id} on {_day(a.date)}"
        if r is None:
            out.append(_v("CAL", f"recruit_calendar.csv names unknown recruit {a.recruit_id}"))
            continue
        if a.activity not in ACTIVITIES:
            out.append(_v("CAL", f"{where}: unknown activity {a.activity!r}"))
            continue
        if a.class_id != r.class_id:
            out.append(_v("CAL", f"{where}: class_id {a.class_id} is not his class {r.class_id}"))
        p = _phase_for(inst, r.id, a.date)
        if p is None:
            period = next((q for q in inst.phases if q.contains(a.date)), None)
            if period is not None:
                s, e = inst.recruit_phase_window(r.id, period)
                out.append(_v("CAL", f"{where}: {a.activity} in phase {period.id} outside his own "
                                     f"dates of it ({s} to {e}, recruits.csv "
                                     f"recruit_period_start/end)"))
            else:
                out.append(_v("CAL", f"{where}: {a.activity} outside every phase"))
        elif a.phase_id != p.id:
            out.append(_v("CAL", f"{where}: phase_id {a.phase_id}, but the date lies in phase "
                                 f"{p.id}"))
        if a.start is None or a.end is None:
            out.append(_v("CAL", f"{where}: {a.activity} row without start or end"))
            continue
        if a.activity == "school":
            if r.class_id in inst.klass:
                ws, we = inst.school_day_window(r.class_id, a.date)
                if (a.start, a.end) != (ws, we):
                    out.append(_v("CAL", f"{where}: school from {_t(a.start)} to {_t(a.end)}, "
                                         f"but the school day is {_t(ws)} to {_t(we)}"))
            continue
        shift = inst.shift.get(a.shift_code)
        if shift is None:
            out.append(_v("CAL", f"{where}: unknown shift code {a.shift_code!r}"))
        else:
            ws, we = shift.window(a.date)
            if (a.start, a.end) != (ws, we):
                out.append(_v("CAL", f"{where}: shift {a.shift_code} from {_t(a.start)} to "
                                     f"{_t(a.end)}, but the shift runs {_t(ws)} to {_t(we)}"))
        if a.with_supervisor is None:
            out.append(_v("CAL", f"{where}: practice row without with_supervisor true/false"))
        asg = ix.assignment.get((r.id, p.id)) if p is not None else None
        if asg is not None and (a.supervisor_id, a.ward_id, a.site_id) != (
                asg.supervisor_id, asg.ward_id, asg.site_id):
            out.append(_v("CAL", f"{where}: practice row names supervisor {a.supervisor_id or '-'}"
                                 f", ward {a.ward_id or '-'}, site {a.site_id or '-'}; his "
                                 f"assignment in phase {asg.phase_id} is {asg.supervisor_id}, "
                                 f"{asg.ward_id}, {asg.site_id}"))
    per_class = Counter((c.class_id, c.date) for c in plan.class_days)
    for (cid, d), n in sorted(per_class.items()):
        if cid not in inst.klass:
            out.append(_v("CAL", f"class_calendar.csv names unknown class {cid} on {_day(d)}"))
        elif n > 1:
            out.append(_v("CAL", f"class {cid} has {n} rows on {_day(d)} in class_calendar.csv"))
    return out


RULE_CHECKS = (
    check_r1_assignment, check_r2_capacity, check_r3_school_days, check_r4_weekly,
    check_r5_block, check_r6_shared_day, check_r7_teachers, check_r8_supervision,
    check_r9_rest, check_r10_practice_load, check_r11_min_school_days, check_r12_holidays,
    check_calendar_files,
)


def validate_plan(instance: Instance, plan: Plan) -> list[Violation]:
    """Every hard rule R1-R12 and the calendar consistency on an in-memory plan.

    Returns:
        The violations, deduplicated, sorted by rule (``RULES`` order) and message.
    """
    found: list[Violation] = []
    for check in RULE_CHECKS:
        found += _guarded(check.__name__, check, instance, plan)
    return _finish(found)


def _guarded(what: str, check, *args) -> list[Violation]:
    """Run one check. A value it cannot handle (a date beyond the year 9999, a number of
    400 digits, a file that cannot be read) is a ``FILE`` violation naming the check, not a
    traceback: the plan is then not shown to keep the rules, and the run says why."""
    try:
        return check(*args)
    except Exception as exc:  # noqa: BLE001 - any failure of a check is a finding about the files
        return [_v("FILE", f"{what} could not check the plan: {type(exc).__name__}: {exc} (a value out of "
                           f"range, or a file that cannot be read)")]


# ---- plan folder --------------------------------------------------------------------------
def check_plan_files(plan_dir: Path) -> list[Violation]:
    """The plan folder is well formed (SPEC §4): ``plan.json`` with its keys, a known status
    and the KPIs; the three CSV files with their columns and parseable values."""
    out: list[Violation] = []
    pj = plan_dir / "plan.json"
    if not pj.exists():
        out.append(_v("FILE", f"plan.json is missing from {plan_dir}"))
    else:
        read = True
        try:
            meta = json.loads(pj.read_text(encoding="utf-8"))
        except (ValueError, RecursionError, OSError) as exc:
            meta, read = None, False
            out.append(_v("FILE", f"plan.json is not valid JSON ({exc})"))
        if read and not isinstance(meta, dict):
            out.append(_v("FILE", "plan.json is not a JSON object"))
        elif read:
            missing = [k for k in PLAN_JSON_KEYS if k not in meta]
            if missing:
                out.append(_v("FILE", f"plan.json lacks the key(s) {', '.join(missing)}"))
            if meta.get("status") not in PLAN_STATUSES:
                out.append(_v("FILE", f"plan.json has status {meta.get('status')!r}; expected one "
                                      f"of {', '.join(PLAN_STATUSES)}"))
            for key in ("objective", "best_bound", "gap", "wall_seconds"):
                value = meta.get(key)
                if key in meta and not _is_number(value) and not (value is None
                                                                  and key != "wall_seconds"):
                    out.append(_v("FILE", f"plan.json {key} is {value!r}; expected a number"
                                          f"{'' if key == 'wall_seconds' else ' or null'}"))
            if "instance" in meta and not isinstance(meta["instance"], str):
                out.append(_v("FILE", f"plan.json instance is {meta['instance']!r}; expected the "
                                      f"instance's name"))
            kpis = meta.get("kpis")
            if isinstance(kpis, dict):
                gone = [k for k in KPI_KEYS if k not in kpis]
                if gone and meta.get("status") in ("OPTIMAL", "FEASIBLE"):
                    out.append(_v("FILE", f"plan.json kpis lacks {', '.join(gone)}"))
            elif "kpis" in meta:
                out.append(_v("FILE", "plan.json kpis is not an object"))
    specs = (
        ("assignments.csv", ASSIGNMENT_COLUMNS), ("recruit_calendar.csv", CALENDAR_COLUMNS),
        ("class_calendar.csv", CLASS_CALENDAR_COLUMNS),
    )
    for name, columns in specs:
        out += _check_csv(plan_dir / name, columns)
    return out


def _check_csv(path: Path, columns: list[str]) -> list[Violation]:
    name = path.name
    if not path.exists():
        return [_v("FILE", f"{name} is missing from the plan folder")]
    out: list[Violation] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:  # a BOM, as Excel writes it, is no column
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return [_v("FILE", f"{name} is empty (no header row)")]
            missing = [c for c in columns if c not in header]
            if missing:
                return [_v("FILE", f"{name} lacks the column(s) {', '.join(missing)}")]
            col = {c: header.index(c) for c in columns}
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    out.append(_v("FILE", f"{name} line {line}: {len(row)} cells, the header has "
                                          f"{len(header)}"))
                    continue
                out += _check_cells(name, line, {c: row[i].strip() for c, i in col.items()})
    except UnicodeDecodeError:
        return [_v("FILE", f"{name} is not UTF-8")]
    return out


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _check_cells(name: str, line: int, cells: dict[str, str]) -> list[Violation]:
    out = []
    where = f"{name} line {line}"

    def bad(col: str, expected: str) -> None:
        out.append(_v("FILE", f"{where}, column {col}: expected {expected}, got {cells[col]!r}"))

    if "date" in cells:
        try:
            if not _DATE_TEXT.fullmatch(cells["date"]):
                raise ValueError(cells["date"])
            date.fromisoformat(cells["date"])
        except ValueError:
            bad("date", "a date YYYY-MM-DD")
    if "travel_minutes" in cells and not cells["travel_minutes"].lstrip("-").isdigit():
        bad("travel_minutes", "a whole number of minutes")
    for col in ("start", "end"):
        if col in cells:
            try:
                if not _TIME_TEXT.fullmatch(cells[col]):  # strptime would take 7:30 for 07:30
                    raise ValueError(cells[col])
                datetime.strptime(cells[col], TIME_FORMAT)
            except ValueError:
                bad(col, "a local time YYYY-MM-DDTHH:MM")
    if "activity" in cells and cells["activity"] not in ACTIVITIES:
        bad("activity", "school or practice")
    if "with_supervisor" in cells:
        allowed = ("true", "false") if cells.get("activity") == "practice" else ("", "true", "false")
        if cells["with_supervisor"].lower() not in allowed:
            bad("with_supervisor", " or ".join(repr(x) for x in allowed))
    for col in ("recruit_id", "phase_id", "class_id", "supervisor_id", "teacher_id"):
        if col in cells and not cells[col] and not (col == "supervisor_id"
                                                     and cells.get("activity") == "school"):
            bad(col, "an id")
    return out


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_kpis(instance: Instance, plan_dir: Path, plan: Plan) -> list[Violation]:
    """plan.json names the instance, and its key figures agree with the plan files (SPEC §4
    ``kpis``): practice days with and without supervisor (recruit_calendar.csv), mean and
    max travel (assignments.csv), weekend shifts per recruit (min/max over every recruit;
    a weekend shift starts on a saturday or sunday, D5); and the count of public-holiday
    shifts that R12 asks the plan to keep (``holiday_shifts_per_recruit``, and per recruit
    in ``recruits`` where given); and the block-model classes' ``blocks`` where given."""
    meta = _plan_meta(plan_dir)
    if meta is None:
        return []  # reported by check_plan_files
    out = []
    name = meta.get("instance")
    if isinstance(name, str) and name != instance.name:
        out.append(_v("FILE", f"plan.json is a plan for instance {name!r}, not for "
                              f"{instance.name!r}"))
    kpis = meta.get("kpis")
    if not isinstance(kpis, dict):
        return out  # reported by check_plan_files
    practice = [a for a in plan.activities if a.activity == "practice"]
    travel = [a.travel_minutes for a in plan.assignments]
    expect: dict[str, tuple[float, str]] = {
        "practice_days": (len(practice), "recruit_calendar.csv has"),
        "practice_days_without_supervisor": (
            sum(1 for a in practice if a.with_supervisor is False), "recruit_calendar.csv has"),
        "mean_travel_minutes": (sum(travel) / len(travel) if travel else 0.0,
                                "assignments.csv gives"),
        "max_travel_minutes": (max(travel, default=0), "assignments.csv gives"),
    }
    for key, (n, source) in expect.items():
        value = kpis.get(key)
        if key in kpis and not _is_number(value):
            out.append(_v("FILE", f"plan.json kpis.{key} is {value!r}, not a number"))
        elif _is_number(value) and abs(value - n) > 0.01:
            out.append(_v("FILE", f"plan.json kpis.{key} is {_num(value)}, but {source} "
                                  f"{_num(n)}"))
    per_recruit = _practice_counts(instance, practice)
    weekend = Counter({rid: c["weekend_shifts"] for rid, c in per_recruit.items()})
    holiday = Counter({rid: c["holiday_shifts"] for rid, c in per_recruit.items()})
    for key, counts, rule in (("weekend_shifts_per_recruit", weekend, "FILE"),
                              ("holiday_shifts_per_recruit", holiday, "R12")):
        value = kpis.get(key)
        if key not in kpis and rule == "R12":
            out.append(_v("R12", f"plan.json does not count the public-holiday shifts (kpis.{key} "
                                 f"with min and max is missing)"))
            continue
        if not isinstance(value, dict) or not all(_is_number(value.get(k)) for k in ("min", "max")):
            if key in kpis:
                out.append(_v("FILE", f"plan.json kpis.{key} is {value!r}; an object with numbers "
                                      f"min and max is expected"))
            continue
        lo, hi = min(counts.values(), default=0), max(counts.values(), default=0)
        if (value["min"], value["max"]) != (lo, hi):
            out.append(_v(rule, f"plan.json kpis.{key} is min {_num(value['min'])}, max "
                                f"{_num(value['max'])}, but recruit_calendar.csv gives min {lo}, "
                                f"max {hi}"))
    blocks = kpis.get("blocks")
    if isinstance(blocks, dict):
        want = _blocks(instance, plan)
        for cid in sorted(set(blocks) | set(want)):
            got = blocks.get(cid) if isinstance(blocks.get(cid), dict) else {}
            for pid in sorted(set(got) | set(want.get(cid, {}))):
                if got.get(pid) != want.get(cid, {}).get(pid):
                    out.append(_v("FILE", f"plan.json kpis.blocks gives class {cid} in phase {pid} the blocks "
                                          f"{got.get(pid)!r}, but class_calendar.csv gives "
                                          f"{want.get(cid, {}).get(pid)!r}"))
    per = kpis.get("recruits")
    if isinstance(per, dict):
        for rid, n in sorted(holiday.items()):
            mine = per.get(rid)
            got = mine.get("holiday_shifts") if isinstance(mine, dict) else None
            if _is_number(got) and got != n:
                out.append(_v("R12", f"plan.json kpis.recruits.{rid}.holiday_shifts is {_num(got)}, "
                                     f"but recruit_calendar.csv has {n} public-holiday shifts"))
        for rid in sorted(per_recruit):
            mine = per.get(rid)
            if not isinstance(mine, dict):
                continue
            for key in ("practice_days", "without_supervisor", "weekend_shifts", "evening_shifts", "night_shifts"):
                got = mine.get(key)
                if _is_number(got) and got != per_recruit[rid][key]:
                    out.append(_v("FILE", f"plan.json kpis.recruits.{rid}.{key} is {_num(got)}, but "
                                          f"recruit_calendar.csv gives {per_recruit[rid][key]}"))
    return out


def _plan_meta(plan_dir: Path) -> dict | None:
    """plan.json as an object, or None when it cannot be read as one (check_plan_files says
    why)."""
    try:
        meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _practice_counts(instance: Instance, practice: list[Activity]) -> dict[str, Counter[str]]:
    """Each recruit's counts of ``practice`` rows, as kpis.recruits gives them: practice
    days, without supervisor, weekend, evening, night and public-holiday shifts (D5: an
    evening shift starts at or after 12:00 and ends at or after 20:30; a night shift runs
    past midnight). Every recruit of the instance has a line."""
    per: dict[str, Counter[str]] = {r.id: Counter() for r in instance.recruits}
    for a in practice:
        shift = instance.shift.get(a.shift_code)
        night = bool(shift and shift.end <= shift.start)
        evening = bool(shift and not night and shift.start >= time(12, 0) and shift.end >= time(20, 30))
        per.setdefault(a.recruit_id, Counter()).update({
            "practice_days": 1, "without_supervisor": a.with_supervisor is False, "weekend_shifts": a.date.weekday() >= 5,
            "evening_shifts": evening, "night_shifts": night, "holiday_shifts": a.date in instance.holidays})
    return per


def _check_figures(instance: Instance, plan_dir: Path, plan: Plan, published: Plan | None) -> list[Violation]:
    """plan.json's figures agree with themselves and with the plan files (``FILE``):

    * ``objective`` is the plan's cost by the objective's one solver-free definition
      (``models.score``, README "The objective"; the validator imports no part of the
      model). ``plan_change`` needs the published plan: without it the cost
      ``breakdown`` gives for it is taken as it is.
    * ``breakdown``: per goal its count is the plan's, its cost is weight x count (the weight
      used, one decimal) and the costs add up to ``objective``.
    * ``best_bound`` is at most ``objective``; ``status`` is OPTIMAL only where they meet;
      ``gap`` is (objective - best_bound) / |objective|.
    * ``kpis``: ``share_without_supervisor``, the means of the per-recruit spreads, the
      evening and night shifts per recruit, ``school_days_per_class`` and
      ``recruit_school_days``, counted from the tables here.
    """
    from models.score import SCALE, score  # the objective's definition, not the model

    meta = _plan_meta(plan_dir)
    if meta is None:
        return []  # reported by check_plan_files
    out: list[Violation] = []
    status, objective, bound, gap = (meta.get(k) for k in ("status", "objective", "best_bound", "gap"))
    if not _is_number(objective):
        return out  # a plan without an objective: reported by check_plan_files
    sc = score(instance, plan, published)
    breakdown = meta.get("breakdown") if isinstance(meta.get("breakdown"), dict) else {}
    # plans written before weights were rounded halves away from zero (weight_units) priced
    # them with Python's round (halves to even) and gave the weight as written: accepted too
    old = sum(round(instance.weight(g) * SCALE) * n for g, n in sc.counts.items()) / SCALE
    wants = [sc.total, old]
    if published is None and isinstance(breakdown.get("plan_change"), dict) \
            and _is_number(breakdown["plan_change"].get("cost")):
        # priced against a published plan the check has not got
        wants = [w + breakdown["plan_change"]["cost"] for w in wants]
    if min(abs(objective - w) for w in wants) > 0.01:
        out.append(_v("FILE", f"plan.json objective is {round(objective, 3)}, but the plan costs {round(wants[0], 3)} "
                              f"by the objective's definition (models/score.py)"))
    counts = sc.breakdown(instance)
    total = 0.0
    for goal, entry in sorted(breakdown.items()):
        if not isinstance(entry, dict) or not all(_is_number(entry.get(k)) for k in ("count", "weight", "cost")):
            out.append(_v("FILE", f"plan.json breakdown.{goal} is {entry!r}; count, weight and cost are expected"))
            continue
        total += entry["cost"]
        priced = (entry["weight"] * entry["count"], round(entry["weight"] * SCALE) * entry["count"] / SCALE)
        if min(abs(entry["cost"] - c) for c in priced) > 0.01:
            out.append(_v("FILE", f"plan.json breakdown.{goal} has cost {_num(entry['cost'])}, not weight "
                                  f"{_num(entry['weight'])} x count {_num(entry['count'])}"))
        mine = counts.get(goal)
        weights = (mine["weight"], instance.weight(goal)) if mine is not None else ()
        if mine is not None and (entry["count"] != mine["count"]
                                 or min(abs(entry["weight"] - w) for w in weights) > 1e-9):
            out.append(_v("FILE", f"plan.json breakdown.{goal} has count {_num(entry['count'])} at weight "
                                  f"{_num(entry['weight'])}, but the plan has count {mine['count']} at weight "
                                  f"{_num(mine['weight'])}"))
    if breakdown and abs(total - objective) > 0.01 * max(1, len(breakdown)):
        out.append(_v("FILE", f"plan.json breakdown's costs add up to {round(total, 3)}, not to the objective "
                              f"{round(objective, 3)}"))
    if _is_number(bound):
        if bound > objective + 1e-3 + 1e-9 * abs(objective):
            out.append(_v("FILE", f"plan.json best_bound {round(bound, 3)} is above the objective {round(objective, 3)}"))
        if status == "OPTIMAL" and abs(bound - objective) > 1e-3:
            out.append(_v("FILE", f"plan.json says OPTIMAL, but its best_bound {round(bound, 3)} is below the "
                                  f"objective {round(objective, 3)}"))
        if _is_number(gap):
            expect = (0.0 if abs(bound) < 1e-9 else 1.0) if abs(objective) < 1e-9 \
                else max(0.0, objective - bound) / abs(objective)
            # (best_bound is written to 3 decimals, the gap from the bound before that)
            if abs(gap - expect) > 1e-5 + 5e-4 / max(abs(objective), 1e-9):
                out.append(_v("FILE", f"plan.json gap is {gap}, but (objective - best_bound) / |objective| "
                                      f"is {round(expect, 6)}"))
    elif status == "OPTIMAL":
        out.append(_v("FILE", "plan.json says OPTIMAL without a best_bound"))
    kpis = meta.get("kpis") if isinstance(meta.get("kpis"), dict) else {}
    out += _check_more_kpis(instance, plan, kpis)
    return out


def _check_more_kpis(instance: Instance, plan: Plan, kpis: dict) -> list[Violation]:
    """The kpis :func:`_check_kpis` leaves: share, means, evening shifts, school days."""
    out: list[Violation] = []
    practice = [a for a in plan.activities if a.activity == "practice"]
    without = sum(1 for a in practice if a.with_supervisor is False)
    share = kpis.get("share_without_supervisor")
    if _is_number(share) and abs(share - (without / len(practice) if practice else 0.0)) > 1e-4:
        out.append(_v("FILE", f"plan.json kpis.share_without_supervisor is {share}, but recruit_calendar.csv has "
                              f"{without} of {len(practice)} practice days without supervisor"))
    per = _practice_counts(instance, practice)
    for key, what in (("weekend_shifts_per_recruit", ("weekend_shifts",)), ("holiday_shifts_per_recruit", ("holiday_shifts",)),
                      ("evening_shifts_per_recruit", ("evening_shifts", "night_shifts"))):
        value = kpis.get(key)
        if not isinstance(value, dict):
            continue
        n = [sum(c[k] for k in what) for c in per.values()]
        want = {"min": min(n, default=0), "max": max(n, default=0), "mean": round(sum(n) / len(n), 2) if n else 0.0}
        for k in ("min", "max", "mean") if key == "evening_shifts_per_recruit" else ("mean",):
            if _is_number(value.get(k)) and abs(value[k] - want[k]) > 0.006:
                out.append(_v("FILE", f"plan.json kpis.{key}.{k} is {_num(value[k])}, but recruit_calendar.csv "
                                      f"gives {_num(want[k])}"))
    days = kpis.get("school_days_per_class")
    if isinstance(days, dict):
        have = Counter(c.class_id for c in plan.class_days)
        for cid in sorted(set(days) | set(have)):
            if days.get(cid, 0) != have.get(cid, 0):
                out.append(_v("FILE", f"plan.json kpis.school_days_per_class gives class {cid} "
                                      f"{days.get(cid, 0)} school days, but class_calendar.csv has {have.get(cid, 0)}"))
    school = kpis.get("recruit_school_days")
    n_school = sum(1 for a in plan.activities if a.activity == "school")
    if _is_number(school) and school != n_school:
        out.append(_v("FILE", f"plan.json kpis.recruit_school_days is {_num(school)}, but recruit_calendar.csv "
                              f"has {n_school} school rows"))
    return out


def _blocks(instance: Instance, plan: Plan) -> dict[str, dict[str, str]]:
    """The blocks of each block-model class and phase as README's ``kpis.blocks`` gives them
    ("S3 P2 | S1": school or practice and the weeks, ``|`` for weeks without an open school
    day), read from class_calendar.csv here, apart from the planner's own reading
    (``models.kpis.block_runs``), which it checks."""
    days_of: dict[str, set[date]] = defaultdict(set)
    for c in plan.class_days:
        days_of[c.class_id].add(c.date)
    out: dict[str, dict[str, str]] = {}
    for p in sorted(instance.phases, key=lambda p: p.start):
        if p.kind != "alternation":
            continue
        for k in instance.classes:
            if instance.model_of(k.id, p) != "block":
                continue
            kinds = []
            for days in _phase_weeks(p).values():
                open_days = [d for d in days if instance.is_open_school_day(k.id, d, p)]
                kinds.append("|" if not open_days else "S" if days_of[k.id] & set(open_days) else "P")
            out.setdefault(k.id, {})[p.id] = " ".join(
                "|" if kind == "|" else f"{kind}{len(list(run))}" for kind, run in groupby(kinds))
    return out


# ---- ics ----------------------------------------------------------------------------------
FEED_KINDS: tuple[tuple[str, str], ...] = (
    ("recruits", "recruit"), ("supervisors", "supervisor"), ("teachers", "teacher"),
    ("classes", "class"), ("sites", "site"),
)
"""Folders under ``ics/`` and the feed kind of each (SPEC §4: one calendar per person,
class and site)."""

UID_DOMAIN = "menn-i-helse"
MAX_LINE_OCTETS = 75
_DURATION = re.compile(r"[+-]?P(?:\d+W|(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)")
_DATE_TIME = re.compile(r"(\d{8}T\d{6})(Z?)")
_OFFSET = re.compile(r"([+-])(\d\d)(\d\d)(\d\d)?")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM = re.compile(r'([A-Za-z0-9-]+)=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)')
_ESCAPE = re.compile(r"\\([\\;,nN])")


@dataclass
class _Prop:
    name: str
    params: dict[str, str]
    value: str

    @property
    def text(self) -> str:
        """The value as text, RFC 5545 escapes resolved."""
        return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), self.value)


@dataclass
class _Comp:
    name: str
    props: list[_Prop] = field(default_factory=list)
    subs: list[_Comp] = field(default_factory=list)

    def first(self, name: str) -> _Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def every(self, name: str) -> list[_Prop]:
        return [p for p in self.props if p.name == name]

    def children(self, name: str) -> list[_Comp]:
        return [c for c in self.subs if c.name == name]


@dataclass
class _Ev:
    """One VEVENT, reduced to what the checks need (times local to the instance)."""

    uid: str
    start: datetime | None
    end: datetime | None
    stamp: str
    summary: str
    description: str
    location: str


@dataclass(frozen=True)
class _Want:
    """An event a feed must (or, ``required=False``, may) hold, from the CSV calendars."""

    start: datetime
    end: datetime
    identity: tuple[str, ...]
    row: Activity | None = None
    required: bool = True


def _parse_ics(data: bytes, feed: str) -> tuple[_Comp | None, list[Violation]]:
    """Read one calendar with the RFC 5545 line rules checked on the raw bytes: UTF-8,
    CRLF line ends, physical lines of at most 75 octets (longer content folded), content
    lines ``NAME;PARAM=..:value`` and matching BEGIN/END. The parser is our own so that
    the check does not depend on how lenient a calendar library is."""
    out: list[Violation] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [_v("ICS", f"{feed} is not UTF-8")]
    if not text.endswith("\r\n"):
        out.append(_v("ICS", f"{feed} does not end with CRLF"))
    physical = re.split(r"\r\n|\r|\n", text)
    if physical and physical[-1] == "":
        physical.pop()
    bare = len(re.findall(r"\r(?!\n)|(?<!\r)\n", text))
    if bare:
        out.append(_v("ICS", f"{feed} has {bare} line end(s) that are not CRLF (RFC 5545 "
                             f"ends every line with CRLF)"))
    long = [(i, len(line.encode("utf-8"))) for i, line in enumerate(physical, start=1)
            if len(line.encode("utf-8")) > MAX_LINE_OCTETS]
    if long:
        out.append(_v("ICS", f"{feed} has {len(long)} line(s) longer than {MAX_LINE_OCTETS} "
                             f"octets (first: line {long[0][0]}, {long[0][1]} octets); long "
                             f"lines must be folded"))
    logical: list[tuple[int, str]] = []
    for i, line in enumerate(physical, start=1):
        if line[:1] in (" ", "\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        elif line:
            logical.append((i, line))
    stack: list[_Comp] = []
    root: _Comp | None = None
    for i, line in logical:
        prop = _content_line(line)
        if prop is None:
            out.append(_v("ICS", f"{feed} line {i} is not a content line NAME:value ({line[:40]!r})"))
            continue
        if prop.name == "BEGIN":
            comp = _Comp(prop.value.strip().upper())
            if stack:
                stack[-1].subs.append(comp)
            elif root is None:
                root = comp
            else:
                out.append(_v("ICS", f"{feed} line {i}: a second top-level component"))
            stack.append(comp)
        elif prop.name == "END":
            name = prop.value.strip().upper()
            if not stack or stack[-1].name != name:
                out.append(_v("ICS", f"{feed} line {i}: END:{name} does not close "
                                     f"{'BEGIN:' + stack[-1].name if stack else 'any component'}"))
                return None, out
            stack.pop()
        elif stack:
            stack[-1].props.append(prop)
        else:
            out.append(_v("ICS", f"{feed} line {i}: property {prop.name} outside VCALENDAR"))
    if stack:
        out.append(_v("ICS", f"{feed}: BEGIN:{stack[-1].name} is never closed"))
        return None, out
    if root is None or root.name != "VCALENDAR":
        out.append(_v("ICS", f"{feed} holds no VCALENDAR"))
        return None, out
    return root, out


def _content_line(line: str) -> _Prop | None:
    m = _NAME.match(line)
    if m is None:
        return None
    name, i, params = m.group().upper(), m.end(), {}
    while i < len(line) and line[i] == ";":
        p = _PARAM.match(line, i + 1)
        if p is None:
            return None
        params[p.group(1).upper()] = p.group(2).strip('"')
        i = p.end()
    if i >= len(line) or line[i] != ":":
        return None
    return _Prop(name, params, line[i + 1:])


def _offset(value: str) -> timedelta | None:
    m = _OFFSET.fullmatch(value.strip())
    if m is None:
        return None
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)), seconds=int(m.group(4) or 0))
    return -delta if m.group(1) == "-" else delta


def _duration(value: str) -> timedelta | None:
    v = value.strip()
    if not _DURATION.fullmatch(v):
        return None
    sign = -1 if v.startswith("-") else 1
    parts = {k: int(n) for n, k in re.findall(r"(\d+)([WDHMS])", v.split("T")[0])}
    clock = {k: int(n) for n, k in re.findall(r"(\d+)([HMS])", v.split("T")[1])} if "T" in v else {}
    delta = timedelta(weeks=parts.get("W", 0), days=parts.get("D", 0), hours=clock.get("H", 0),
                      minutes=clock.get("M", 0), seconds=clock.get("S", 0))
    return sign * delta


def _check_calendar_props(cal: _Comp, feed: str) -> list[Violation]:
    """VCALENDAR properties of SPEC §4: VERSION 2.0 and PRODID (RFC 5545), no METHOD other
    than PUBLISH, NAME and X-WR-CALNAME, REFRESH-INTERVAL;VALUE=DURATION and
    X-PUBLISHED-TTL as durations."""
    out: list[Violation] = []
    version = cal.first("VERSION")
    if version is None or version.value.strip() != "2.0":
        out.append(_v("ICS", f"{feed} lacks VERSION:2.0"))
    if cal.first("PRODID") is None:
        out.append(_v("ICS", f"{feed} lacks PRODID"))
    method = cal.first("METHOD")
    if method is not None and method.value.strip().upper() != "PUBLISH":
        out.append(_v("ICS", f"{feed} has METHOD:{method.value.strip()}; only none or PUBLISH "
                             f"is allowed"))
    for key in ("NAME", "X-WR-CALNAME"):
        prop = cal.first(key)
        if prop is None or not prop.text.strip():
            out.append(_v("ICS", f"{feed} lacks {key} (the calendar's name)"))
    refresh = cal.first("REFRESH-INTERVAL")
    if refresh is None:
        out.append(_v("ICS", f"{feed} lacks REFRESH-INTERVAL;VALUE=DURATION"))
    elif refresh.params.get("VALUE", "").upper() != "DURATION" or _duration(refresh.value) is None:
        out.append(_v("ICS", f"{feed}: REFRESH-INTERVAL must be VALUE=DURATION with a duration, "
                             f"got {refresh.value.strip()!r}"))
    ttl = cal.first("X-PUBLISHED-TTL")
    if ttl is None:
        out.append(_v("ICS", f"{feed} lacks X-PUBLISHED-TTL"))
    elif _duration(ttl.value) is None:
        out.append(_v("ICS", f"{feed}: X-PUBLISHED-TTL must be a duration, got "
                             f"{ttl.value.strip()!r}"))
    return out


def _basic_datetime(text: str) -> datetime:
    """``YYYYMMDDTHHMMSS`` (matched by ``_DATE_TIME``) as a datetime, as ``strptime`` with
    ``%Y%m%dT%H%M%S`` reads it (a ValueError for a date or time that does not exist), in a
    tenth of the time: a calendar has two per event."""
    return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]),
                    int(text[13:15]))


def _event_time(prop: _Prop | None, key: str, label: str, tzname: str, tz: ZoneInfo,
                zones: set[str], out: list[Violation]) -> datetime | None:
    """The local (instance timezone) time of DTSTART/DTEND; reports anything but a
    date-time with ``TZID`` = the instance's timezone."""
    if prop is None:
        out.append(_v("ICS", f"{label} has no {key}"))
        return None
    m = _DATE_TIME.fullmatch(prop.value.strip())
    if prop.params.get("VALUE", "DATE-TIME").upper() != "DATE-TIME" or m is None:
        out.append(_v("ICS", f"{label}: {key} {prop.value.strip()} is not a date-time (timed "
                             f"event required)"))
        return None
    try:
        value = _basic_datetime(m.group(1))
    except ValueError:
        out.append(_v("ICS", f"{label}: {key} {prop.value.strip()} is not a date and time that exists"))
        return None
    tzid = prop.params.get("TZID")
    if m.group(2):
        if not _is_utc_zone(tz, value.year):  # in a UTC instance (timezone = "UTC") a Z time is local time
            out.append(_v("ICS", f"{label}: {key} {value:%Y-%m-%d %H:%M} is in UTC; events are in "
                                 f"the instance's timezone with TZID={tzname}"))
        return value.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    if tzid is None:
        out.append(_v("ICS", f"{label}: {key} {value:%Y-%m-%d %H:%M} is a floating time (no "
                             f"TZID)"))
        return None
    if tzid != tzname:
        out.append(_v("ICS", f"{label}: {key} has TZID {tzid}, not the instance's timezone "
                             f"{tzname}"))
    if tzid not in zones:
        out.append(_v("ICS", f"{label}: {key} uses TZID {tzid} without a VTIMEZONE"))
    return value


def _read_events(cal: _Comp, feed: str, tzname: str, tz: ZoneInfo) -> tuple[list[_Ev], list[Violation]]:
    out: list[Violation] = []
    zones = {z.first("TZID").value.strip() for z in cal.children("VTIMEZONE") if z.first("TZID")}
    events: list[_Ev] = []
    for n, ev in enumerate(cal.children("VEVENT"), start=1):
        uid_prop = ev.first("UID")
        uid = uid_prop.value.strip() if uid_prop else ""
        label = f"{feed} event {n}" + (f" (UID {uid})" if uid else "")
        if not uid:
            out.append(_v("ICS", f"{label} has no UID"))
        start = _event_time(ev.first("DTSTART"), "DTSTART", label, tzname, tz, zones, out)
        if ev.first("DTEND") is None and ev.first("DURATION") is not None:
            length = _duration(ev.first("DURATION").value)
            end = start + length if start is not None and length is not None else None
        else:
            end = _event_time(ev.first("DTEND"), "DTEND", label, tzname, tz, zones, out)
        stamp = ev.first("DTSTAMP")
        if stamp is None or not stamp.value.strip():
            out.append(_v("ICS", f"{label} has no DTSTAMP"))

        def text(key: str, ev: _Comp = ev) -> str:
            prop = ev.first(key)
            return prop.text if prop is not None else ""

        events.append(_Ev(uid, start, end if start is not None else None,
                          stamp.value.strip() if stamp else "", text("SUMMARY"),
                          text("DESCRIPTION"), text("LOCATION")))
    return events, out


def _check_vtimezone(cal: _Comp, feed: str, tzname: str, tz: ZoneInfo,
                     times: list[datetime]) -> list[Violation]:
    """SPEC §4: a VTIMEZONE of the instance's timezone built from yearly RRULEs (no RDATE
    list) that gives the zone's real UTC offset at every event time."""
    zones = [z for z in cal.children("VTIMEZONE")
             if z.first("TZID") is not None and z.first("TZID").value.strip() == tzname]
    if not zones:
        return [_v("ICS", f"{feed} has no VTIMEZONE for {tzname}")] if times else []
    zone, out = zones[0], []
    observances = [c for c in zone.subs if c.name in ("STANDARD", "DAYLIGHT")]
    if not observances:
        return [_v("ICS", f"{feed}: VTIMEZONE {tzname} has no STANDARD/DAYLIGHT observance")]
    if any(o.first("RDATE") is not None for o in observances):
        out.append(_v("ICS", f"{feed}: VTIMEZONE {tzname} lists RDATEs; a rule-based (yearly "
                             f"RRULE) definition is required"))
    freqs = {part.split("=", 1)[1].upper() for o in observances for r in o.every("RRULE")
             for part in r.value.split(";") if part.upper().startswith("FREQ=")}
    if freqs - {"YEARLY"}:
        out.append(_v("ICS", f"{feed}: VTIMEZONE {tzname} has RRULE FREQ="
                             f"{', '.join(sorted(freqs - {'YEARLY'}))}; yearly rules are required"))
    if times and not freqs and _zone_changes(tz, min(times).year, max(times).year):
        out.append(_v("ICS", f"{feed}: VTIMEZONE {tzname} has no yearly RRULE although the zone "
                             f"changes its offset"))
    if not times:
        return out
    transitions = _vtimezone_transitions(observances, max(times).year + 1)
    if transitions is None:
        return [*out, _v("ICS", f"{feed}: VTIMEZONE {tzname} has an observance that cannot be "
                                f"read (DTSTART, TZOFFSETFROM, TZOFFSETTO, RRULE)")]
    for t in sorted(set(times)):
        # a local time skipped or repeated by a change takes the offset before it (RFC 5545
        # 3.3.5: the first occurrence; as zoneinfo's fold=0): a change is in force from the
        # first local time that exists only after it
        mine = next((after for utc, before, after in reversed(transitions) if utc <= t - max(before, after)), None)
        real = t.replace(tzinfo=tz).utcoffset()
        if mine != real:
            shown = "nothing" if mine is None else f"UTC{_fmt_offset(mine)}"
            out.append(_v("ICS", f"{feed}: VTIMEZONE {tzname} gives {shown} at {_t(t)}, but "
                                 f"{tzname} is UTC{_fmt_offset(real)} then"))
            break
    return out


def _fmt_offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _is_utc_zone(tz: ZoneInfo, year: int) -> bool:
    """Whether local time in ``tz`` is UTC all year (``UTC``, ``Etc/UTC``, ...)."""
    return (not _zone_changes(tz, year, year)
            and datetime(year, 1, 15, 12, tzinfo=tz).utcoffset() == timedelta(0))


def _zone_changes(tz: ZoneInfo, first: int, last: int) -> bool:
    offsets = {datetime(y, m, 15, 12, tzinfo=tz).utcoffset()
               for y in range(first, last + 1) for m in range(1, 13)}
    return len(offsets) > 1


def _vtimezone_transitions(observances: list[_Comp], last_year: int
                           ) -> list[tuple[datetime, timedelta, timedelta]] | None:
    """(UTC onset, offset before it, offset after it) of every change the observances
    describe up to the end of ``last_year``, in time order; ``None`` when one cannot be read."""
    from dateutil.rrule import rrulestr  # dependency of icalendar; kept local (cheap import)

    horizon = datetime(last_year + 1, 1, 1)
    out: list[tuple[datetime, timedelta, timedelta]] = []
    for o in observances:
        start_prop, off_from, off_to = o.first("DTSTART"), o.first("TZOFFSETFROM"), o.first("TZOFFSETTO")
        m = _DATE_TIME.fullmatch(start_prop.value.strip()) if start_prop else None
        before = _offset(off_from.value) if off_from else None
        after = _offset(off_to.value) if off_to else None
        if m is None or before is None or after is None:
            return None
        try:  # a date or time that does not exist: no readable transitions
            dtstart = _basic_datetime(m.group(1))
            onsets = [dtstart]
            for rule in o.every("RRULE"):
                parts = []
                for part in rule.value.strip().split(";"):
                    key, _, value = part.partition("=")
                    # only yearly rules are expanded (SPEC); an interval of 0 never ends in dateutil
                    if (key.upper() == "FREQ" and value.upper() != "YEARLY") or \
                            (key.upper() == "INTERVAL" and not (value.isascii() and value.isdigit() and 1 <= int(value) <= 100)):
                        return None
                    if key.upper() == "UNTIL" and value.endswith("Z"):  # UTC -> local wall time
                        until = datetime.strptime(value[:-1][:15].ljust(15, "0"), "%Y%m%dT%H%M%S")
                        value = f"{until + before:%Y%m%dT%H%M%S}"
                    parts.append(f"{key}={value}")
                onsets += list(rrulestr("RRULE:" + ";".join(parts), dtstart=dtstart).between(
                    dtstart, horizon, inc=True))
            for rdate in o.every("RDATE"):
                for value in rdate.value.split(","):
                    r = _DATE_TIME.fullmatch(value.strip())
                    if r is not None:
                        onsets.append(_basic_datetime(r.group(1)))
        except (ValueError, TypeError, IndexError, OverflowError):  # dateutil on a malformed rule, or beyond year 9999
            return None
        out += [(onset - before, before, after) for onset in set(onsets)]
    return sorted(out)


def identity_uid(*identity: str) -> str:
    """The UID the plan's writer derives from an event's identity (README "Calendars"):
    the first 32 hex digits of sha256 over the JSON list ``[feed kind, owner, date,
    activity, extra ids...]``, then ``@menn-i-helse``. Restated here, not imported, so
    the validator stays independent of the writer."""
    key = json.dumps(list(identity), ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@" + UID_DOMAIN


def plan_stamp(instance: Instance, plan: Plan) -> str:
    """The DTSTAMP fixed by the plan (README "Calendars"): its latest date (activity dates,
    activity end dates, class days) at 00:00 UTC; an empty plan takes its last phase end."""
    days = [a.date for a in plan.activities]
    days += [a.end.date() for a in plan.activities if a.end is not None]
    days += [c.date for c in plan.class_days]
    if not days:
        days = [p.end for p in instance.phases] or [date(1970, 1, 1)]
    return f"{max(days):%Y%m%d}T000000Z"


def _wanted_events(instance: Instance, plan: Plan) -> dict[tuple[str, str], list[_Want]]:
    """The events each feed must hold, from the CSV calendars (SPEC §4, one per school day
    or shift): a recruit's feed every row of his; a class feed every class school day; a
    teacher's feed one event per date he teaches (a joint day is one event); a site's feed
    every practice row at the site; a supervisor's feed every practice row with him
    (``with_supervisor=true``), and may hold his recruits' other practice rows."""
    inst = instance
    want: dict[tuple[str, str], list[_Want]] = defaultdict(list)
    for a in plan.activities:
        if a.start is None or a.end is None:
            continue
        day = a.date.isoformat()
        want["recruits", a.recruit_id].append(
            _Want(a.start, a.end, ("recruit", a.recruit_id, day, a.activity), a))
        if a.activity != "practice":
            continue
        if a.supervisor_id:
            want["supervisors", a.supervisor_id].append(_Want(
                a.start, a.end, ("supervisor", a.supervisor_id, day, a.activity, a.recruit_id), a,
                required=a.with_supervisor is True))
        if a.site_id:
            want["sites", a.site_id].append(_Want(
                a.start, a.end, ("site", a.site_id, day, a.activity, a.class_id, a.recruit_id), a))
    teaching: dict[tuple[str, date], set[str]] = defaultdict(set)
    for c in plan.class_days:
        if c.class_id not in inst.klass:
            continue
        s, e = inst.school_day_window(c.class_id, c.date)
        want["classes", c.class_id].append(
            _Want(s, e, ("class", c.class_id, c.date.isoformat(), "school", c.class_id)))
        if c.teacher_id:
            teaching[(c.teacher_id, c.date)].add(c.class_id)
    for (tid, d), classes in teaching.items():
        ordered = sorted(classes)
        windows = [inst.school_day_window(k, d) for k in ordered]
        want["teachers", tid].append(_Want(
            min(w[0] for w in windows), max(w[1] for w in windows),
            ("teacher", tid, d.isoformat(), "school", "+".join(ordered))))
    return want


def check_ics(instance: Instance, plan: Plan, plan_dir: Path) -> list[Violation]:
    """The calendars under ``ics/`` (SPEC §4 "Calendars"), checked from the raw files:

    * one file per recruit, supervisor, teacher, class and site of the instance (and none
      for unknown ids);
    * RFC 5545 lines: UTF-8, CRLF, folded at 75 octets; VERSION, PRODID; no ``METHOD``
      other than ``PUBLISH``; ``NAME`` and ``X-WR-CALNAME``; ``REFRESH-INTERVAL;
      VALUE=DURATION`` and ``X-PUBLISHED-TTL`` as durations;
    * timed events with ``TZID`` = the instance's timezone (never floating, UTC or all-day)
      and a VTIMEZONE of yearly RRULEs (no RDATE list) that gives the zone's real offsets;
    * one event per school day or shift, at the times of ``recruit_calendar.csv`` /
      ``class_calendar.csv`` (see :func:`_wanted_events`);
    * UIDs: present, unique across all feeds (so the same school day in a class feed and a
      recruit's feed has different UIDs), derived from the event's identity
      (:func:`identity_uid`), never from names or times;
    * ``DTSTAMP`` fixed by the plan (:func:`plan_stamp`), the same in every event;
    * practice events say the site, ward, shift and supervisor, with LOCATION the site's
      address.
    """
    out: list[Violation] = []
    tzname = instance.timezone
    try:
        tz = ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        return [_v("ICS", f"unknown timezone {tzname!r} in instance.toml")]
    owners = {"recruits": instance.recruit, "supervisors": instance.supervisor,
              "teachers": instance.teacher, "classes": instance.klass, "sites": instance.site}
    want = _wanted_events(instance, plan)
    stamp = plan_stamp(instance, plan)
    uid_home: dict[str, str] = {}
    shared: Counter[tuple[str, str]] = Counter()
    for folder, kind in FEED_KINDS:
        base = plan_dir / "ics" / folder
        present = {p.stem for p in base.glob("*.ics")} if base.is_dir() else set()
        for stray in sorted(present - set(owners[folder])):
            out.append(_v("ICS", f"ics/{folder}/{stray}.ics belongs to no {kind} of the instance"))
        for owner in sorted(owners[folder]):
            feed = f"ics/{folder}/{owner}.ics"
            if owner not in present:
                out.append(_v("ICS", f"{feed} is missing (every {kind} has a calendar)"))
                continue
            cal, problems = _parse_ics((base / f"{owner}.ics").read_bytes(), feed)
            out += problems
            if cal is None:
                continue
            out += _check_calendar_props(cal, feed)
            events, problems = _read_events(cal, feed, tzname, tz)
            out += problems
            times = [t for e in events for t in (e.start, e.end) if t is not None]
            out += _check_vtimezone(cal, feed, tzname, tz, times)
            out += _match_events(instance, feed, kind, owner, events, want.get((folder, owner), []))
            uids: Counter[str] = Counter(e.uid for e in events if e.uid)
            for uid, n in sorted(uids.items()):
                if n > 1:
                    out.append(_v("ICS", f"{feed}: UID {uid} is used by {n} events"))
                home = uid_home.setdefault(uid, feed)
                if home != feed:
                    shared[(home, feed)] += 1
            stamps = Counter(e.stamp for e in events if e.stamp)
            for value, n in sorted(stamps.items()):
                if value != stamp:
                    out.append(_v("ICS", f"{feed}: {n} event(s) have DTSTAMP {value}; the plan fixes "
                                         f"DTSTAMP at {stamp} (its latest date, 00:00 UTC)"))
    for (a, b), n in sorted(shared.items()):
        out.append(_v("ICS", f"{b} shares {n} UID(s) with {a}; UIDs are unique across feeds"))
    return out


def _match_events(instance: Instance, feed: str, kind: str, owner: str, events: list[_Ev],
                  wanted: list[_Want]) -> list[Violation]:
    """Events against the CSV calendars: missing and extra events by local start and end,
    UIDs from identity, and the texts and LOCATION of practice events."""
    out: list[Violation] = []
    required = Counter((w.start, w.end) for w in wanted if w.required)
    allowed = Counter((w.start, w.end) for w in wanted)
    got = Counter((e.start, e.end) for e in events if e.start is not None and e.end is not None)
    whose = f"{kind} {owner}"
    for (s, e), n in sorted((required - got).items()):
        out.append(_v("ICS", f"{feed}: {n} {'row' if n == 1 else 'rows'} of {whose} from {_t(s)} "
                             f"to {_t(e)} in the CSV calendars without a matching event"))
    for (s, e), n in sorted((got - allowed).items()):
        out.append(_v("ICS", f"{feed}: {n} event(s) from {_t(s)} to {_t(e)} match no row of "
                             f"{whose} in the CSV calendars"))
    by_uid = {identity_uid(*w.identity): w for w in wanted}
    times = {(w.start, w.end) for w in wanted}
    bad = [e for e in events if e.uid and (e.start, e.end) in times
           and (by_uid.get(e.uid) is None or (by_uid[e.uid].start, by_uid[e.uid].end) != (e.start, e.end))]
    if bad:
        out.append(_v("ICS", f"{feed}: {len(bad)} event(s) have a UID not derived from their "
                             f"identity (feed kind, owner, date, activity), e.g. {bad[0].uid} at "
                             f"{_t(bad[0].start)}"))  # type: ignore[arg-type]
    rows: dict[tuple[datetime, datetime], list[Activity]] = defaultdict(list)
    for w in wanted:
        if w.row is not None and w.row.activity == "practice":
            rows[(w.start, w.end)].append(w.row)
    wrong_place, untold = [], []
    for e in events:
        candidates = rows.get((e.start, e.end)) if e.start is not None else None
        if not candidates:
            continue
        a = candidates[0]
        site = instance.site.get(a.site_id)
        if site is not None:
            place = site.address or site.name
            if place.strip().casefold() != e.location.strip().casefold():
                wrong_place.append((e, a, place))
        if kind == "recruit":
            lacking = _practice_words_missing(instance, a, f"{e.summary}\n{e.description}\n{e.location}")
            if lacking:
                untold.append((e, lacking))
    if wrong_place:
        e, a, place = wrong_place[0]
        out.append(_v("ICS", f"{feed}: {len(wrong_place)} practice event(s) whose LOCATION is not the "
                             f"site's address, e.g. {_t(e.start)} (site {a.site_id}: "  # type: ignore[arg-type]
                             f"{place!r}, LOCATION {e.location!r})"))
    if untold:
        e, lacking = untold[0]
        out.append(_v("ICS", f"{feed}: {len(untold)} practice event(s) do not say the "
                             f"{', '.join(lacking)}, e.g. {_t(e.start)}"))  # type: ignore[arg-type]
    return out


def _practice_words_missing(instance: Instance, a: Activity, text: str) -> list[str]:
    """Which of site, ward, shift and supervisor a practice event's text does not name."""
    low = text.casefold()
    lacking = []
    site, ward = instance.site.get(a.site_id), instance.ward.get(a.ward_id)
    sup, shift = instance.supervisor.get(a.supervisor_id), instance.shift.get(a.shift_code)
    if site is not None and site.name.casefold() not in low:
        lacking.append("site")
    if ward is not None and ward.name.casefold() not in low:
        lacking.append("ward")
    if shift is not None and shift.name.casefold() not in low \
            and not re.search(rf"(?<!\w){re.escape(shift.code)}(?!\w)", text):
        lacking.append("shift")
    if sup is not None and sup.name.casefold() not in low:
        lacking.append("supervisor")
    return lacking


def check_kept(instance: Instance, published: Plan, plan: Plan, until: date) -> list[Violation]:
    """``plan --from PUBLISHED --keep-until DATE``: every row of the published calendars
    dated before ``until`` is in the plan as it was, and no other row before ``until``, for
    the recruits and classes of the published plan that the instance still has; every
    placement of a phase that starts before ``until`` is the published one."""
    out = []
    started = {p.id: p.start for p in instance.phases if p.start < until}
    now = {(a.recruit_id, a.phase_id): a.supervisor_id for a in plan.assignments}
    for a in sorted(published.assignments):
        if a.phase_id in started and a.recruit_id in instance.recruit:
            got = now.get((a.recruit_id, a.phase_id))
            if got != a.supervisor_id:
                out.append(_v("KEEP", f"recruit {a.recruit_id}'s placement in phase {a.phase_id} (started "
                                      f"{started[a.phase_id]}, before {until}) is with {got or 'nobody'}; the "
                                      f"published plan has {a.supervisor_id}"))

    def what(a: Activity | None) -> str:
        if a is None:
            return "nothing"
        when = f" {a.start:%H:%M}-{a.end:%H:%M}" if a.start and a.end else ""
        if a.activity != "practice":
            return f"{a.activity}{when} ({a.phase_id})"
        who = f"with {a.supervisor_id}" if a.with_supervisor else f"without supervisor ({a.supervisor_id})"
        return f"practice {a.shift_code}{when} on {a.ward_id} {who}"

    recruits = {a.recruit_id for a in published.activities} & set(instance.recruit)

    def kept(a: Activity) -> bool:
        return a.date < until and a.recruit_id in recruits

    for (r, d), was, now in diff_rows(filter(kept, published.activities), filter(kept, plan.activities),
                                      lambda a: (a.recruit_id, a.date)):
        out.append(_v("KEEP", f"recruit {r} on {d}: {what(now)}; the published plan has {what(was)} "
                              f"(a day before {until})"))
    classes = {c.class_id for c in published.class_days} & set(instance.klass)

    def kept_day(c: ClassDay) -> bool:
        return c.date < until and c.class_id in classes

    def day(c: ClassDay | None) -> str:
        if c is None:
            return "no school"
        return f"school with {c.teacher_id}" + (f", joint with {c.joint_with}" if c.joint_with else "")

    for (k, d), was, now in diff_rows(filter(kept_day, published.class_days), filter(kept_day, plan.class_days),
                                      lambda c: (c.class_id, c.date)):
        out.append(_v("KEEP", f"class {k} on {d}: {day(now)}; the published plan has {day(was)} "
                              f"(a day before {until})"))
    return out


def validate(instance: Instance, plan_dir: Path, *, check_ics: bool = True, published: Plan | None = None,
             keep_until: date | None = None) -> list[Violation]:
    """Check a plan folder against the instance: files, R1-R12, calendars and ``ics/``.

    Args:
        instance: the instance the plan was made for (from :func:`models.read`).
        plan_dir: the plan folder (SPEC §4).
        check_ics: also compare the calendars under ``ics/`` with the CSV calendars.
        published, keep_until: a published plan and a date: also check that the plan keeps
            its rows before the date (:func:`check_kept`).

    Returns:
        Every violation found, deduplicated, sorted by rule then message; empty for a
        valid plan. A folder whose ``plan.json`` says ``INFEASIBLE``/``UNKNOWN`` holds no
        plan and gives one ``FILE`` violation saying so.
    """
    plan_dir = Path(plan_dir)
    status = _status(plan_dir)
    if status in ("INFEASIBLE", "UNKNOWN"):
        return [_v("FILE", f"plan.json has status {status}: the folder {plan_dir} holds no plan "
                           f"to validate")]
    found = _guarded("check_plan_files", check_plan_files, plan_dir)
    try:
        plan = read_plan(plan_dir)
    except PlanFileError as exc:
        if not found:
            found.append(_v("FILE", str(exc)))
        return _finish(found)
    found += _guarded("check_kpis", _check_kpis, instance, plan_dir, plan)
    found += _guarded("check_figures", _check_figures, instance, plan_dir, plan, published)
    found += validate_plan(instance, plan)
    if published is not None and keep_until is not None:
        found += _guarded("check_kept", check_kept, instance, published, plan, keep_until)
    if check_ics:
        found += _guarded("check_ics", _run_ics_checks, instance, plan, plan_dir)
    return _finish(found)


def _run_ics_checks(instance: Instance, plan: Plan, plan_dir: Path) -> list[Violation]:
    return check_ics(instance, plan, plan_dir)


def _status(plan_dir: Path) -> str | None:
    try:
        meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return meta.get("status") if isinstance(meta, dict) else None

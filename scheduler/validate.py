"""Independent plan validator: checks a plan folder against SPEC.md §2 (R1-R12) and §4.

The validator reads only the instance (:func:`models.read`) and the plan files; it never
imports the CP-SAT model, so a bug in a constraint cannot hide the same bug here. Where
SPEC.md is silent it follows docs/DECISIONS.md (D1-D15).

Each rule family is one function ``check_<rule>(instance, plan) -> list[Violation]``.
Besides the rules R1-R12 three more families are reported:

* ``FILE`` - the plan folder is not well formed (missing file or column, bad value,
  ``plan.json`` keys, status or KPIs that disagree with the calendar);
* ``CAL`` - a ``recruit_calendar.csv`` / ``class_calendar.csv`` row disagrees with the
  instance or the assignments (times, shift code, phase, class, supervisor/ward/site);
* ``ICS`` - the calendars under ``ics/`` disagree with the CSV calendars.

Usage::

    from scheduler.validate import validate
    for v in validate(models.read("instances/example"), Path("plans/example")):
        print(v.message)
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    read_plan,
)

__all__ = [
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
    "validate",
    "validate_plan",
]

RULES: tuple[str, ...] = (
    "FILE", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12",
    "CAL", "ICS",
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
        s = self.inst.shift.get(a.shift_code)
        if s is not None:
            return s.hours
        if a.start and a.end:
            return _hours(a.end - a.start)
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
                        out.append(_v("R4", f"recruit {r.id} has {n} practice days in the full "
                                            f"week {label} of phase {p.id}; exactly {ppw} are "
                                            f"required"))
                    elif n > ppw:
                        out.append(_v("R4", f"recruit {r.id} has {n} practice days in week "
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
    weeks lie within ``school_block_weeks`` / ``practice_block_weeks`` unless they touch
    the phase start or end or are cut by a week without open school day (SPEC §2 R5, D14).

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
        exempt = i == 0 or j == len(kinds) - 1 or kinds[i - 1][1] is None \
            or kinds[j + 1][1] is None
        lo, hi = p.school_block_weeks if kind == "school" else p.practice_block_weeks
        if not exempt and not lo <= length <= hi:
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
    for o in ix.by_recruit[row.recruit_id]:
        if o is row or o.start is None or o.end is None or abs((o.date - row.date).days) > 2:
            continue
        if o.end <= start:
            if start - o.end < rest:
                return True
        elif o.start >= end:
            if o.start - end < rest:
                return True
        else:
            return True  # overlap
    if phase is not None and phase.max_hours_per_week is not None:
        week = iso_week(row.date)
        hours = sum(ix.shift_hours(o) for o in ix.practice_rows(row.recruit_id)
                    if iso_week(o.date) == week
                    and _phase_for(inst, row.recruit_id, o.date) is phase)
        if hours - ix.shift_hours(row) + shift.hours > phase.max_hours_per_week + 1e-9:
            return True
    return False


# ---- R9 -----------------------------------------------------------------------------------
def check_r9_rest(instance: Instance, plan: Plan) -> list[Violation]:
    """R9: at least ``min_rest_hours`` between the end of any activity of a recruit and the
    start of his next (D6); no activity on his absences; no practice on his
    ``unavailable_weekdays`` (SPEC §2 R9)."""
    inst, out = instance, []
    ix = _Index(inst, plan)
    min_rest = inst.rules.min_rest_hours
    for rid in sorted(ix.by_recruit):
        r = inst.recruit.get(rid)
        timed = [(a.start, a.end, _what(a)) for a in ix.by_recruit[rid]
                 if a.start is not None and a.end is not None]
        for (_s0, end0, what0), (start1, _e1, what1) in zip(timed, timed[1:], strict=False):
            gap = _hours(start1 - end0)
            if gap < min_rest - 1e-9:
                out.append(_v("R9", f"recruit {rid} has {_num(gap)} h rest between {what0} ending "
                                    f"{_t(end0)} and {what1} starting {_t(start1)} (min "
                                    f"{_num(min_rest)} h)"))
        for a in ix.by_recruit[rid]:
            if inst.is_absent(rid, a.date):
                out.append(_v("R9", f"recruit {rid} has {a.activity} on {_day(a.date)} but is "
                                    f"absent that day"))
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
        found += check(instance, plan)
    return _finish(found)


# ---- plan folder --------------------------------------------------------------------------
def check_plan_files(plan_dir: Path) -> list[Violation]:
    """The plan folder is well formed (SPEC §4): ``plan.json`` with its keys, a known status
    and the KPIs; the three CSV files with their columns and parseable values."""
    out: list[Violation] = []
    pj = plan_dir / "plan.json"
    if not pj.exists():
        out.append(_v("FILE", f"plan.json is missing from {plan_dir}"))
    else:
        try:
            meta = json.loads(pj.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            meta = None
            out.append(_v("FILE", f"plan.json is not valid JSON ({exc})"))
        if meta is not None and not isinstance(meta, dict):
            out.append(_v("FILE", "plan.json is not a JSON object"))
        elif meta is not None:
            missing = [k for k in PLAN_JSON_KEYS if k not in meta]
            if missing:
                out.append(_v("FILE", f"plan.json lacks the key(s) {', '.join(missing)}"))
            if meta.get("status") not in PLAN_STATUSES:
                out.append(_v("FILE", f"plan.json has status {meta.get('status')!r}; expected one "
                                      f"of {', '.join(PLAN_STATUSES)}"))
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
        with path.open(encoding="utf-8", newline="") as fh:
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


def _check_cells(name: str, line: int, cells: dict[str, str]) -> list[Violation]:
    out = []
    where = f"{name} line {line}"

    def bad(col: str, expected: str) -> None:
        out.append(_v("FILE", f"{where}, column {col}: expected {expected}, got {cells[col]!r}"))

    if "date" in cells:
        try:
            date.fromisoformat(cells["date"])
        except ValueError:
            bad("date", "a date YYYY-MM-DD")
    if "travel_minutes" in cells and not cells["travel_minutes"].lstrip("-").isdigit():
        bad("travel_minutes", "a whole number of minutes")
    for col in ("start", "end"):
        if col in cells:
            try:
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


def _check_kpis(plan_dir: Path, plan: Plan) -> list[Violation]:
    """plan.json's practice-day counts agree with recruit_calendar.csv."""
    try:
        kpis = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8")).get("kpis", {})
    except (OSError, ValueError, AttributeError):
        return []
    out = []
    practice = [a for a in plan.activities if a.activity == "practice"]
    expect = {
        "practice_days": len(practice),
        "practice_days_without_supervisor": sum(1 for a in practice if a.with_supervisor is False),
    }
    for key, n in expect.items():
        value = kpis.get(key) if isinstance(kpis, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value != n:
            out.append(_v("FILE", f"plan.json kpis.{key} is {value}, but recruit_calendar.csv "
                                  f"has {n}"))
    return out


# ---- ics ----------------------------------------------------------------------------------
def check_ics(instance: Instance, plan: Plan, plan_dir: Path) -> list[Violation]:
    """``ics/`` agrees with the CSV calendars (SPEC §4 Calendars): ``ics/recruits/<id>.ics``
    per recruit with one timed (TZID or UTC, never floating) event per recruit_calendar row at
    the same local start and end, ``ics/classes/<id>.ics`` with one event per class school
    day on the school-day window, unique UIDs within a feed and none shared between a class
    feed and a recruit feed, every TZID defined by a VTIMEZONE without RDATE lists, and no
    ``METHOD`` other than ``PUBLISH``."""
    out: list[Violation] = []
    try:
        tz = ZoneInfo(instance.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [_v("ICS", f"unknown timezone {instance.timezone!r} in instance.toml")]
    ix = _Index(instance, plan)
    recruit_uids: dict[str, str] = {}
    for r in instance.recruits:
        path = plan_dir / "ics" / "recruits" / f"{r.id}.ics"
        events, problems = _read_feed(path, tz)
        out += problems
        if events is None:
            continue
        expected = Counter((a.start, a.end) for a in ix.by_recruit.get(r.id, [])
                           if a.start is not None and a.end is not None)
        got = Counter((e[1], e[2]) for e in events if e[1] is not None)
        for (s, e), n in sorted((expected - got).items()):
            out.append(_v("ICS", f"{path.name}: recruit {r.id} has {n} row(s) from {_t(s)} to "
                                 f"{_t(e)} in recruit_calendar.csv without a matching event"))
        for (s, e), n in sorted((got - expected).items()):
            out.append(_v("ICS", f"{path.name}: {n} event(s) from {_t(s)} to {_t(e)} match no "
                                 f"row of recruit {r.id} in recruit_calendar.csv"))
        for uid, _s, _e in events:
            recruit_uids.setdefault(uid, r.id)
    for k in instance.classes:
        path = plan_dir / "ics" / "classes" / f"{k.id}.ics"
        events, problems = _read_feed(path, tz)
        out += problems
        if events is None:
            continue
        days = sorted(ix.class_days[k.id])
        expected = Counter(instance.school_day_window(k.id, d) for d in days)
        got = Counter((e[1], e[2]) for e in events if e[1] is not None)
        for (s, e), _n in sorted((expected - got).items()):
            out.append(_v("ICS", f"{path.name}: class {k.id}'s school day {_day(s.date())} "
                                 f"({_t(s)} to {_t(e)}) has no matching event"))
        for (s, e), n in sorted((got - expected).items()):
            out.append(_v("ICS", f"{path.name}: {n} event(s) from {_t(s)} to {_t(e)} match no "
                                 f"school day of class {k.id} in class_calendar.csv"))
        for uid, _s, _e in events:
            if uid in recruit_uids:
                out.append(_v("ICS", f"{path.name}: UID {uid} is also used in the feed of "
                                     f"recruit {recruit_uids[uid]}"))
    return out


_Event = tuple[str, datetime | None, datetime | None]


def _read_feed(path: Path, tz: ZoneInfo) -> tuple[list[_Event] | None, list[Violation]]:
    """Events of one feed as (uid, local start, local end), and what is wrong with it."""
    from icalendar import Calendar  # not a solver import; kept local to keep import cheap

    feed = f"ics/{path.parent.name}/{path.name}"
    if not path.exists():
        return None, [_v("ICS", f"{feed} is missing")]
    try:
        cal = Calendar.from_ical(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - any parse failure is a finding
        return None, [_v("ICS", f"{feed} cannot be parsed ({exc})")]
    out: list[Violation] = []
    method = str(cal.get("METHOD", "PUBLISH")).upper()
    if method != "PUBLISH":
        out.append(_v("ICS", f"{feed} has METHOD:{method}; only none or PUBLISH is allowed"))
    zones = {str(z.get("TZID")): z for z in cal.walk("VTIMEZONE")}
    for tzid, zone in sorted(zones.items()):
        if any(sub.get("RDATE") is not None for sub in zone.subcomponents):
            out.append(_v("ICS", f"{feed}: VTIMEZONE {tzid} lists RDATEs; a rule-based "
                                 f"(RRULE) definition is required"))
    events: list[_Event] = []
    uids: Counter[str] = Counter()
    for n, ev in enumerate(cal.walk("VEVENT"), start=1):
        uid = str(ev.get("UID", "")).strip()
        label = f"{feed} event {n}" + (f" (UID {uid})" if uid else "")
        if not uid:
            out.append(_v("ICS", f"{label} has no UID"))
        uids[uid] += 1
        times: list[datetime | None] = []
        for key in ("DTSTART", "DTEND"):
            prop = ev.get(key)
            if prop is None and key == "DTEND" and ev.get("DURATION") is not None and times[0]:
                times.append(times[0] + ev.get("DURATION").dt)
                continue
            value = getattr(prop, "dt", None)
            if not isinstance(value, datetime):
                out.append(_v("ICS", f"{label}: {key} is not a date-time (timed event required)"))
                times.append(None)
                continue
            tzid = prop.params.get("TZID")
            if value.tzinfo is None:
                out.append(_v("ICS", f"{label}: {key} {value:%Y-%m-%d %H:%M} is a floating time "
                                     f"(no TZID, not UTC)"))
                times.append(None)
                continue
            if tzid is not None and str(tzid) not in zones:
                out.append(_v("ICS", f"{label}: {key} uses TZID {tzid} without a VTIMEZONE"))
            times.append(value.astimezone(tz).replace(tzinfo=None))
        events.append((uid, times[0], times[1] if times[0] is not None else None))
    for uid, n in sorted(uids.items()):
        if uid and n > 1:
            out.append(_v("ICS", f"{feed}: UID {uid} is used by {n} events"))
    return events, out


def validate(instance: Instance, plan_dir: Path, *, check_ics: bool = True) -> list[Violation]:
    """Check a plan folder against the instance: files, R1-R12, calendars and ``ics/``.

    Args:
        instance: the instance the plan was made for (from :func:`models.read`).
        plan_dir: the plan folder (SPEC §4).
        check_ics: also compare the calendars under ``ics/`` with the CSV calendars.

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
    found = check_plan_files(plan_dir)
    try:
        plan = read_plan(plan_dir)
    except PlanFileError as exc:
        if not found:
            found.append(_v("FILE", str(exc)))
        return _finish(found)
    found += _check_kpis(plan_dir, plan)
    found += validate_plan(instance, plan)
    if check_ics:
        found += _run_ics_checks(instance, plan, plan_dir)
    return _finish(found)


def _run_ics_checks(instance: Instance, plan: Plan, plan_dir: Path) -> list[Violation]:
    return check_ics(instance, plan, plan_dir)


def _status(plan_dir: Path) -> str | None:
    try:
        meta = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta.get("status") if isinstance(meta, dict) else None

"""Explain an infeasible model: which rule families and which rows conflict.

The hard rules of ``scheduler.constraints`` add their constraints directly to the model,
so a rule cannot be switched off by an assumption literal without changing them. Instead
each trial builds a fresh CP-SAT model with a chosen subset of rule families (the
variables and their domains always: R3, the calendar parts of R9 and R12) and tests it
for feasibility with a short time limit:

1. Find the first phase that is infeasible on its own (else the whole year together).
2. Deletion filter: drop each family in turn and keep it dropped when the rest is still
   infeasible. What remains is a minimal conflicting set of families.
3. Localise: the same families on one class, then on one week, then on one recruit,
   each a restricted copy of the instance; the smallest scope that still conflicts is
   reported with its rows (classes, closures, teachers, recruits, ...).
4. Suggest a relaxation where a few more trials find one: the most school days the rest
   allows (lower ``min_school_days``), one more place on a ward or with a supervisor, one
   more weekday or day for a teacher, dropping a recruit's unavailable weekdays.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property

from ortools.sat.python import cp_model

from models import WEEKDAYS, Instance, Phase, week_label
from scheduler.constraints import RULES
from scheduler.constraints.teachers import add_teachers
from scheduler.constraints.weekly import add_shared_day, partner_pairs
from scheduler.domains import Domains
from scheduler.explain.findings import Finding, Rows, date_range, day_span, sort_rows, teacher_listing, weekday_list
from scheduler.variables import Vars, build_variables

__all__ = ["FAMILIES", "Family", "explain_infeasible", "feasible"]

MAX_ROWS = 40
MAX_LOCAL_TRIALS = 80
MAX_SUGGESTION_TRIALS = 24
MAX_TRIALS_PER_KIND = 8
MAX_SUGGESTIONS = 2  # of different kinds, e.g. a ward's capacity or a recruit's travel limit
MAX_TRAVEL_SUGGESTIONS = 10  # recruits whose next site is tried
MAX_RECRUIT_TRIALS = 30


@dataclass(frozen=True)
class Family:
    """A family of hard rules that a trial can include or leave out."""

    key: str  # the name of its ``add_*`` function
    spec: str  # "R1" ... "R12"
    name: str


FAMILIES: tuple[Family, ...] = tuple(Family(r.add.__name__, r.spec, r.name) for r in RULES) + (
    Family("add_shared_day", "R6", "shared school day of partner classes"),
    Family("add_teachers", "R7", "a teacher for every school day"),
)
"""Every rule family of ``scheduler.constraints``: ``RULES`` plus R6 and R7."""



class _PhaseDomains(Domains):
    """Domains of the chosen phases only (whatever ``Domains`` itself accepts)."""

    def __init__(self, instance: Instance, phase_ids: tuple[str, ...] | None) -> None:
        super().__init__(instance)
        self._only = phase_ids

    @cached_property
    def phases(self) -> list[Phase]:
        chosen = [p for p in self.inst.phases if self._only is None or p.id in self._only]
        return sorted(chosen, key=lambda p: p.start)


def _optional_joint(v: Vars) -> dict:
    """Joint-day literals of partner classes without R6's weekly count: R7 alone may let
    partner classes share a teacher on a common day, never forces it (a relaxation)."""
    joint: dict = {}
    for c1, c2 in partner_pairs(v):
        for (c, d), a in sorted(v.school.items()):
            if c != c1 or (c2, d) not in v.school:
                continue
            j = v.bool(f"joint[{c1},{c2},{d}]")
            v.model.AddImplication(j, a)
            v.model.AddImplication(j, v.school[(c2, d)])
            joint[((c1, c2), d)] = j
    return joint


def build_model(
    instance: Instance, families: Iterable[str], phase_ids: tuple[str, ...] | None = None
) -> tuple[cp_model.CpModel, Vars]:
    """A CP-SAT model of ``instance`` with only the given rule families, and no objective."""
    fams = set(families)
    model = cp_model.CpModel()
    v = build_variables(model, instance, _PhaseDomains(instance, phase_ids))
    for rule in RULES:
        if rule.add.__name__ in fams:
            rule.add(v)
    joint: dict = {}
    if "add_shared_day" in fams:
        joint = add_shared_day(v)
    elif "add_teachers" in fams:
        joint = _optional_joint(v)
    if "add_teachers" in fams:
        add_teachers(v, joint)
    return model, v


def _solver(limit: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = 0
    return solver


def feasible(
    instance: Instance, families: Iterable[str], phase_ids: tuple[str, ...] | None = None,
    *, time_limit: float = 5.0, workers: int = 1,
) -> bool | None:
    """True/False when CP-SAT proves the families feasible/infeasible, None when unknown."""
    model, _ = build_model(instance, families, phase_ids)
    return _status(model, time_limit, workers)


def _status(model: cp_model.CpModel, time_limit: float, workers: int) -> bool | None:
    status = _solver(time_limit, workers).Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


# ---------------------------------------------------------------------------------------
# Scopes: restricted copies of the instance
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Scope:
    phase: Phase
    classes: tuple[str, ...] | None = None  # None: all
    recruits: tuple[str, ...] | None = None  # None: all of the classes
    weeks: tuple[tuple[int, int], ...] = ()  # () the whole phase; else a single week tried

    def dates(self) -> tuple[date, date]:
        if not self.weeks:
            return self.phase.start, self.phase.end
        y, w = self.weeks[0]
        monday = date.fromisocalendar(y, w, 1)
        return max(self.phase.start, monday), min(self.phase.end, monday + timedelta(days=6))


def restrict(instance: Instance, scope: _Scope, **changes) -> Instance:
    """A copy of the instance reduced to a scope: its classes (with partners, without the
    partners' recruits), its recruits, and its phase cut to a week (then without
    ``min_school_days``, a phase-wide rule)."""
    inst = instance
    p = scope.phase
    if scope.weeks:
        start, end = scope.dates()
        p = replace(p, start=start, end=end, min_school_days=0)
    phases = tuple(p if q.id == p.id else q for q in inst.phases)
    classes = inst.classes
    recruits = inst.recruits
    if scope.classes is not None:
        wanted = set(scope.classes)
        keep = wanted | {c.shared_day_with for c in classes if c.id in wanted and c.shared_day_with}
        keep |= {c.id for c in classes if c.shared_day_with in wanted}
        classes = tuple(c for c in classes if c.id in keep)
        recruits = tuple(r for r in recruits if r.class_id in wanted)
    if scope.recruits is not None:
        recruits = tuple(r for r in recruits if r.id in set(scope.recruits))
    if scope.weeks and p.kind == "practice" and p.id == inst.recruit_period_id:
        clamped = []
        for r in recruits:
            if r.recruit_period_start is None and r.recruit_period_end is None:
                clamped.append(r)
                continue
            s = max(r.recruit_period_start or p.start, p.start)
            e = min(r.recruit_period_end or p.end, p.end)
            if s <= e:
                clamped.append(replace(r, recruit_period_start=s, recruit_period_end=e))
        recruits = tuple(clamped)
    return replace(inst, phases=phases, classes=classes, recruits=recruits, **changes)


class _Budget:
    def __init__(self, seconds: float, workers: int) -> None:
        self.deadline = time.monotonic() + seconds
        self.per_trial = max(1.0, seconds / 8)
        self.workers = workers

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def check(self, instance: Instance, families: Iterable[str], phase_ids: tuple[str, ...] | None) -> bool | None:
        if self.left() <= 0.05:
            return None
        return feasible(instance, families, phase_ids, time_limit=min(self.per_trial, self.left()),
                        workers=self.workers)


def _active(instance: Instance, phase_ids: tuple[str, ...] | None) -> tuple[list[str], cp_model.CpModel]:
    """Families that add at least one constraint (or variable) to these phases' model, and
    the model with all of them (the same as ``build_model`` with those families)."""
    model = cp_model.CpModel()
    v = build_variables(model, instance, _PhaseDomains(instance, phase_ids))
    out = []

    def size() -> tuple[int, int]:
        proto = model.Proto()
        return len(proto.constraints), len(proto.variables)

    for rule in RULES:
        before = size()
        rule.add(v)
        if size() != before:
            out.append(rule.add.__name__)
    before = size()
    joint = add_shared_day(v)
    if size() != before:
        out.append("add_shared_day")
    before = size()
    add_teachers(v, joint)
    if size() != before:
        out.append("add_teachers")
    return out, model


def _minimal(instance: Instance, families: list[str], phase_ids, budget: _Budget) -> tuple[list[str], bool]:
    """Deletion filter: drop each family whose removal keeps the model infeasible.

    Returns the families kept and whether the set is proven minimal (every trial that
    kept a family proved the rest feasible, rather than running out of time).
    """
    keep, proven = list(families), True
    for key in reversed(families):  # R7, R6, R11, ... R1: the calendar rules go first
        trial = [k for k in keep if k != key]
        if not trial:
            continue
        status = budget.check(instance, trial, phase_ids)
        if status is False:
            keep = trial
        elif status is None:
            proven = False
    return keep, proven


# ---------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------
def _practice_days(n: int) -> str:
    """``2`` -> ``"2 consecutive practice days"``, ``1`` -> ``"1 practice day"``."""
    return "1 practice day" if n == 1 else f"{n} consecutive practice days"


def _clause(inst: Instance, key: str, p: Phase) -> str:
    spw, ppw = p.school_days_per_week, p.practice_days_per_week
    words = {
        "add_one_supervisor_per_phase": "R1 (each recruit has one supervisor within his travel limit)",
        "add_supervisor_max_recruits": "R2 (a supervisor takes at most max_recruits recruits)",
        "add_ward_capacity": "R2 (a ward has at most its capacity of recruits in practice on a date)",
        "add_weekly_pattern": f"R4 (in a full week exactly {spw} school days for the class and "
                              f"{_practice_days(ppw)} for each recruit)",
        "add_block_weeks": "R5 (every week is a school week or a practice week)",
        "add_block_lengths": f"R5 (school blocks of {p.school_block_weeks[0]}-{p.school_block_weeks[1]} weeks, "
                             f"practice blocks of {p.practice_block_weeks[0]}-{p.practice_block_weeks[1]} weeks)",
        "add_shift_with_supervisor": "R8 (a shift with supervisor is his own roster shift)",
        "add_without_supervisor_only_when_needed": "R8 (a day without supervisor only when his shift is impossible)",
        "add_one_activity_per_day": "R9 (one activity a day: no practice on a school day)",
        "add_rest_between_activities": f"R9 ({inst.rules.min_rest_hours:g} h rest between activities)",
        "add_practice_phase_shifts": f"R10 (at least {p.min_shifts_per_week} shifts in a full week"
                                     + (f", at most {p.max_hours_per_week:g} h a week" if p.max_hours_per_week else "")
                                     + ")",
        "add_block_practice_weeks": f"R10 (at least {p.min_shifts_per_practice_week} shifts in a full practice week"
                                    + (f", at most {p.max_hours_per_week:g} h" if p.max_hours_per_week else "") + ")",
        "add_min_school_days": f"R11 (at least {p.min_school_days} school days in the phase)",
        "add_shared_day": "R6 (partner classes share exactly one school day a week, taught together)",
        "add_teachers": "R7 (every school day has a teacher of the school on his weekdays, one group a day, "
                        "within max_days_per_week)",
    }
    return words.get(key, key)


def _spec_of(key: str) -> str:
    for f in FAMILIES:
        if f.key == key:
            return f.spec
    return "?"


def _rule_label(keys: Iterable[str]) -> str:
    specs = sorted({_spec_of(k) for k in keys}, key=lambda s: int(s[1:]) if s[1:].isdigit() else 99)
    return "+".join(specs)


class _Words:
    """Rows and context sentences of a conflict in a scope."""

    def __init__(self, inst: Instance, scope: _Scope, keys: list[str]) -> None:
        self.inst, self.scope, self.keys = inst, scope, set(keys)
        self.rows = Rows(inst)

    @cached_property
    def classes(self) -> list:
        ids = self.scope.classes
        return [c for c in self.inst.classes if ids is None or c.id in ids]

    @cached_property
    def recruits(self) -> list:
        ids = self.scope.recruits
        cls = {c.id for c in self.classes}
        return [r for r in self.inst.recruits if r.class_id in cls and (ids is None or r.id in ids)]

    def days(self) -> list[date]:
        if self.scope.weeks:
            out = []
            for y, w in self.scope.weeks:
                monday = date.fromisocalendar(y, w, 1)
                out += [monday + timedelta(days=i) for i in range(7)
                        if self.scope.phase.contains(monday + timedelta(days=i))]
            return out
        return self.scope.phase.dates()

    def reachable(self) -> list:
        ids = {s.id for r in self.recruits for s in self.inst.reachable_supervisors(r.id)}
        return [s for s in self.inst.supervisors if s.id in ids]

    def collect(self) -> tuple[list[str], list[str]]:
        """(rows, context sentences)."""
        inst, p, k = self.inst, self.scope.phase, self.keys
        rows = [self.rows.phase(p)]
        text: list[str] = []
        days = self.days()
        first, last = min(days), max(days)
        schools = sorted({c.school_id for c in self.classes})
        if k & {"add_weekly_pattern", "add_block_weeks", "add_block_lengths", "add_min_school_days",
                "add_shared_day", "add_teachers", "add_block_practice_weeks"}:
            rows += [self.rows.of(c) for c in self.classes]
            closed = []
            for c in inst.closures:
                if (c.school_id is None or c.school_id in schools) and c.start <= last and c.end >= first:
                    hit = [d for d in days if c.start <= d <= c.end and d.weekday() < 5]
                    if hit:
                        rows.append(self.rows.of(c))
                        closed.append(f"{c.reason or 'closure'} {day_span(hit)} ({self.rows.of(c)})")
            hol = [d for d in days if d in inst.holidays and d.weekday() < 5]
            closed += [f"{inst.holidays[d]} {d} (public holiday)" for d in hol]
            if closed:
                text.append("Closed for school: " + "; ".join(closed) + ".")
        if "add_teachers" in k:
            teachers = [t for t in inst.teachers if t.school_id in schools]
            rows += [self.rows.of(t) for t in teachers]
            listing = teacher_listing(teachers)
            text.append(f"Teachers of {', '.join(schools)}: {listing or 'none'}.")
            absent = [a for a in inst.absences if a.person_id in {t.id for t in teachers}
                      and a.start <= last and a.end >= first]
            if absent:
                rows += [self.rows.of(a) for a in absent]
                text.append("Teacher absences: " + "; ".join(
                    f"{a.person_id} {date_range(a.start, a.end)} ({self.rows.of(a)})" for a in absent) + ".")
        if "add_shared_day" in k:
            pairs = {tuple(sorted((c.id, c.shared_day_with))) for c in self.classes if c.shared_day_with}
            for a, b in sorted(pairs):
                if b in inst.klass and a in inst.klass:
                    rows += [self.rows.of(inst.klass[a]), self.rows.of(inst.klass[b])]
        recruit_level = k & {"add_one_supervisor_per_phase", "add_weekly_pattern", "add_practice_phase_shifts",
                             "add_block_practice_weeks", "add_rest_between_activities", "add_one_activity_per_day",
                             "add_shift_with_supervisor", "add_without_supervisor_only_when_needed"}
        if recruit_level and (self.scope.recruits is not None or len(self.recruits) <= 12):
            rows += [self.rows.of(r) for r in self.recruits]
            # saturday and sunday matter only where a recruit may practise on them: practice
            # phases, block practice weeks, or weekly practice with practice_on_weekends
            weekend = bool(k & {"add_practice_phase_shifts", "add_block_practice_weeks"}) \
                or inst.rules.practice_on_weekends
            unavailable = [(r, {d for d in r.unavailable_weekdays if weekend or d < 5}) for r in self.recruits]
            unavailable = [(r, days) for r, days in unavailable if days]
            if unavailable and k & {"add_weekly_pattern", "add_practice_phase_shifts", "add_block_practice_weeks"}:
                text.append("Unavailable weekdays: " + "; ".join(
                    f"{r.id} {weekday_list(days)}" for r, days in unavailable) + ".")
            absent = [a for a in inst.absences if a.person_id in {r.id for r in self.recruits}
                      and a.start <= last and a.end >= first]
            rows += [self.rows.of(a) for a in absent]
        if k & {"add_supervisor_max_recruits", "add_ward_capacity"}:
            sups = self.reachable()
            if "add_supervisor_max_recruits" in k:
                rows += [self.rows.of(s) for s in sups]
                text.append(f"Supervisors within reach of these {len(self.recruits)} recruits: "
                            + ", ".join(f"{s.id} (max_recruits {s.max_recruits})" for s in sups) + ".")
            if "add_ward_capacity" in k:
                wards = sorted({s.ward_id for s in sups})
                rows += [self.rows.of(inst.ward[w]) for w in wards]
                text.append("Wards within reach: " + ", ".join(
                    f"{w} (capacity {inst.ward[w].capacity}, supervisors "
                    f"{', '.join(s.id for s in sups if s.ward_id == w)})" for w in wards) + ".")
            if "add_one_supervisor_per_phase" in k and not recruit_level:
                rows += [self.rows.of(r) for r in self.recruits]
        if k & {"add_shift_with_supervisor", "add_without_supervisor_only_when_needed"}:
            sups = self.reachable()
            rows += [self.rows.of(s) for s in sups] + [self.rows.of(inst.roster[s.roster_id]) for s in sups]
        if "add_rest_between_activities" in k:
            rows.append(self.rows.rule("min_rest_hours"))
        if k & {"add_practice_phase_shifts", "add_block_practice_weeks"}:  # R10's settings
            shifts = "min_shifts_per_week" if "add_practice_phase_shifts" in k else "min_shifts_per_practice_week"
            rows.append(self.rows.phase(p, shifts))
            if p.max_hours_per_week is not None:
                rows.append(self.rows.phase(p, "max_hours_per_week"))
        if k & {"add_block_lengths"}:
            rows.append(self.rows.phase(p, "school_block_weeks"))
        if "add_min_school_days" in k:
            rows.append(self.rows.phase(p, "min_school_days"))
        out = sort_rows(rows)
        if len(out) > MAX_ROWS:
            out = out[:MAX_ROWS] + [f"… ({len(out) - MAX_ROWS} more)"]
        return out, text


def _lead(inst: Instance, scope: _Scope, keys: list[str]) -> str:
    p = scope.phase
    where = (f"in {'week' if len(scope.weeks) == 1 else 'weeks'} "
             f"{', '.join(week_label(w) for w in scope.weeks)} of phase {p.id}" if scope.weeks
             else f"in phase {p.id} ({p.start} to {p.end})")
    if scope.recruits is not None:
        who = ("Recruit " if len(scope.recruits) == 1 else "Recruits ") + ", ".join(scope.recruits)
    elif scope.classes is not None:
        who = ("Class " if len(scope.classes) == 1 else "Classes ") + ", ".join(scope.classes)
        partners = sorted({c.shared_day_with for c in inst.classes if c.id in scope.classes and c.shared_day_with}
                          - set(scope.classes))
        if partners and "add_shared_day" in keys:
            who += f" (with its partner class {', '.join(partners)})"
    else:
        who = "The instance"
    k = set(keys)
    if scope.recruits is not None and len(scope.recruits) == 1 and "add_weekly_pattern" in k and scope.weeks:
        r = inst.recruit[scope.recruits[0]]
        return (f"Recruit {r.id} ({r.name}, class {r.class_id}) cannot have "
                f"{_practice_days(p.practice_days_per_week)} {where}")
    if scope.classes is not None and scope.recruits is None and "add_weekly_pattern" in k and scope.weeks \
            and k & {"add_teachers", "add_shared_day"}:
        return f"{who} cannot have {p.school_days_per_week} school days {where}"
    if "add_min_school_days" in k and scope.classes is not None and scope.recruits is None:
        return f"{who} cannot have {p.min_school_days} school days {where}"
    return f"{who} cannot be planned {where}"


# ---------------------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------------------
def _max_school_days(inst: Instance, scope: _Scope, keys: list[str], budget: _Budget) -> tuple[int, bool] | None:
    """Most school days of the scope's classes in the phase under the other families."""
    sub = restrict(inst, replace(scope, weeks=()))
    rest = [k for k in keys if k != "add_min_school_days"]
    model, v = build_model(sub, rest, (scope.phase.id,))
    cls = set(scope.classes or [c.id for c in inst.classes])
    lits = [lit for (c, d), lit in v.school.items() if c in cls and scope.phase.contains(d)]
    if not lits:
        return 0, True
    model.Maximize(sum(lits))
    solver = _solver(min(budget.per_trial * 2, max(0.1, budget.left())), budget.workers)
    status = solver.Solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.ObjectiveValue()), True
    if status == cp_model.FEASIBLE:
        return int(solver.BestObjectiveBound() + 1e-6), False
    return None


def _travel_candidates(
    inst: Instance, recruits: list, rows: Rows
) -> list[tuple[int, str, Callable[[Instance], Instance]]]:
    """For each recruit, the smallest travel limit that reaches one more site with a
    supervisor: (increase in minutes, text, change)."""
    staffed = sorted({inst.ward[s.ward_id].site_id for s in inst.supervisors})
    out = []
    for r in recruits:
        limit = inst.travel_limit(r.id)
        beyond = sorted((inst.travel_minutes(r.id, site), site) for site in staffed
                        if inst.travel_minutes(r.id, site) > limit)
        if not beyond:
            continue
        minutes, site = beyond[0]

        def longer(i: Instance, r=r, minutes=minutes) -> Instance:
            return replace(i, recruits=tuple(replace(x, max_travel_minutes=minutes) if x.id == r.id else x
                                             for x in i.recruits))

        out.append((minutes - limit, f"Raise the travel limit of recruit {r.id} from {limit} to {minutes} minutes "
                    f"(max_travel_minutes, {rows.of(r)}), to reach site {site}.", longer))
    return out


def _suggest(
    inst: Instance, scope: _Scope, keys: list[str], budget: _Budget, every: list[str] | None = None
) -> str | None:
    """Up to two changes of different kinds, each of which makes the scope plannable under
    ``every`` rule family (default ``keys``): a change that only breaks the minimal
    conflict while another conflict in the same scope remains is not suggested."""
    k = set(keys)
    words = _Words(inst, scope, keys)
    rows = Rows(inst)
    p = scope.phase
    if "add_min_school_days" in k and scope.classes is not None and len(scope.classes) <= 2:
        got = _max_school_days(inst, scope, keys, budget)
        if got is not None:
            n, exact = got
            return (f"Lower min_school_days of phase {p.id} ({rows.phase(p, 'min_school_days')}) to "
                    f"{n}{'' if exact else ' or less'}: that is the most school days the other rules allow.")
    candidates: list[tuple[str, str, Callable[[Instance], Instance]]] = []  # (kind, text, change)
    if "add_ward_capacity" in k:
        for w in sorted({s.ward_id for s in words.reachable()}):
            ward = inst.ward[w]

            def raise_capacity(i: Instance, ward=ward) -> Instance:
                return replace(i, wards=tuple(replace(x, capacity=x.capacity + 1) if x.id == ward.id else x
                                              for x in i.wards))

            candidates.append(("capacity", f"Raise the capacity of ward {w} ({rows.of(ward)}) from {ward.capacity} to "
                               f"{ward.capacity + 1}.", raise_capacity))
    if "add_supervisor_max_recruits" in k:
        for s in words.reachable():
            def raise_places(i: Instance, s=s) -> Instance:
                return replace(i, supervisors=tuple(replace(x, max_recruits=x.max_recruits + 1) if x.id == s.id
                                                    else x for x in i.supervisors))

            candidates.append(("places", f"Raise max_recruits of supervisor {s.id} ({rows.of(s)}) from {s.max_recruits} "
                               f"to {s.max_recruits + 1}.", raise_places))
    if "add_teachers" in k:
        schools = {c.school_id for c in words.classes}
        for t in [t for t in inst.teachers if t.school_id in schools]:
            for wd in range(5):
                if wd in t.weekdays:
                    continue

                def add_day(i: Instance, t=t, wd=wd) -> Instance:
                    return replace(i, teachers=tuple(replace(x, weekdays=x.weekdays | {wd}) if x.id == t.id else x
                                                     for x in i.teachers))

                candidates.append(("teacher", f"Let teacher {t.id} ({rows.of(t)}) also teach on {WEEKDAYS[wd]}.", add_day))
            if t.max_days_per_week < 7:
                def more_days(i: Instance, t=t) -> Instance:
                    return replace(i, teachers=tuple(replace(x, max_days_per_week=x.max_days_per_week + 1)
                                                     if x.id == t.id else x for x in i.teachers))

                candidates.append(("teacher", f"Raise max_days_per_week of teacher {t.id} ({rows.of(t)}) to "
                                   f"{t.max_days_per_week + 1}.", more_days))
    if "add_shared_day" in k:
        def no_partner(i: Instance) -> Instance:
            return replace(i, classes=tuple(replace(c, shared_day_with=None) for c in i.classes))

        candidates.append(("shared", "Drop shared_day_with for these classes (classes.csv).", no_partner))
    if "add_one_supervisor_per_phase" in k:  # the smallest increases first
        longer = sorted(_travel_candidates(inst, words.recruits[:MAX_TRAVEL_SUGGESTIONS], rows), key=lambda c: c[0])
        candidates += [("travel", text, change) for _, text, change in longer]
    # a recruit's own limits after the county's data (his weekdays are his to give)
    if k & {"add_weekly_pattern", "add_practice_phase_shifts", "add_block_practice_weeks"}:
        for r in [r for r in words.recruits if r.unavailable_weekdays]:
            def free(i: Instance, r=r) -> Instance:
                return replace(i, recruits=tuple(replace(x, unavailable_weekdays=frozenset()) if x.id == r.id else x
                                                 for x in i.recruits))

            candidates.append(("weekdays", f"Let recruit {r.id} practise on {weekday_list(r.unavailable_weekdays)} "
                               f"(unavailable_weekdays, {rows.of(r)}).", free))
    # the programme's rules last (data first): a little less rest, fewer shifts, the least change first
    if "add_rest_between_activities" in k:
        rest = inst.rules.min_rest_hours
        for hours in sorted({h for h in (rest - 1, rest - 2, rest - 4, rest - 8, 11) if 0 < h < rest}, reverse=True):
            def shorter(i: Instance, hours=hours) -> Instance:
                return replace(i, rules=replace(i.rules, min_rest_hours=hours))

            below = " (below the 11 h of SPEC's example and of the law's daily rest)" if hours < 11 else ""
            candidates.append(("rest", f"Lower [rules] min_rest_hours ({rows.rule('min_rest_hours')}) from "
                               f"{rest:g} to {hours:g}{below}.", shorter))
    for key, field_name in (("add_practice_phase_shifts", "min_shifts_per_week"),
                            ("add_block_practice_weeks", "min_shifts_per_practice_week")):
        if key in k and p is not None:
            now = getattr(p, field_name)
            for n in range(now - 1, max(-1, now - 4), -1):
                def fewer(i: Instance, n=n, field_name=field_name) -> Instance:
                    return replace(i, phases=tuple(replace(x, **{field_name: n}) if x.id == p.id else x
                                                   for x in i.phases))

                candidates.append(("shifts", f"Lower {field_name} of phase {p.id} ({rows.phase(p, field_name)}) "
                                   f"from {now} to {n}.", fewer))
    found: dict[str, str] = {}  # kind -> the first change of that kind that removes the conflict
    tried: dict[str, int] = {}
    for kind, text, change in candidates:
        if len(found) == MAX_SUGGESTIONS or budget.left() <= 0.1 or sum(tried.values()) >= MAX_SUGGESTION_TRIALS:
            break
        if kind in found or tried.get(kind, 0) >= MAX_TRIALS_PER_KIND:
            continue
        tried[kind] = tried.get(kind, 0) + 1
        sub = change(restrict(inst, scope))
        if budget.check(sub, every or keys, (p.id,)) is True:
            found[kind] = text
    if not found:
        return None
    texts = list(found.values())
    return texts[0] if len(texts) == 1 else texts[0] + " Or: " + " ".join(texts[1:])


# ---------------------------------------------------------------------------------------
# The explanation
# ---------------------------------------------------------------------------------------
_RECRUIT_LEVEL = frozenset({
    "add_one_supervisor_per_phase", "add_weekly_pattern", "add_practice_phase_shifts", "add_block_practice_weeks",
    "add_rest_between_activities", "add_one_activity_per_day", "add_shift_with_supervisor",
    "add_without_supervisor_only_when_needed",
})


def _localise(inst: Instance, phase: Phase, keys: list[str], budget: _Budget) -> _Scope:
    """The smallest scope (week, class, recruit) in which the families still conflict.

    Every scope is a relaxation of the phase (fewer days, classes or recruits), so a
    scope that is infeasible explains the phase's infeasibility. Weeks are tried first
    (their models are small), then classes, then single recruits.
    """
    scope = _Scope(phase)
    trials = 0

    def fails(s: _Scope) -> bool:
        nonlocal trials
        trials += 1
        return budget.check(restrict(inst, s), keys, (phase.id,)) is False

    def room() -> bool:
        return trials < MAX_LOCAL_TRIALS and budget.left() > 0.2

    weeks = Domains(inst).weeks(phase)
    if len(weeks) > 1:
        for w in weeks:
            if not room():
                break
            if fails(replace(scope, weeks=(w,))):
                scope = replace(scope, weeks=(w,))
                break
    if len(inst.classes) > 1:
        for c in inst.classes:
            if not room():
                break
            if fails(replace(scope, classes=(c.id,))):
                scope = replace(scope, classes=(c.id,))
                break
        else:
            for school in inst.schools:
                ids = tuple(c.id for c in inst.classes if c.school_id == school.id)
                if 0 < len(ids) < len(inst.classes) and room() and fails(replace(scope, classes=ids)):
                    scope = replace(scope, classes=ids)
                    break
    elif inst.classes:
        scope = replace(scope, classes=(inst.classes[0].id,))
    if set(keys) & _RECRUIT_LEVEL:
        cls = set(scope.classes or [c.id for c in inst.classes])
        recruits = [r.id for r in inst.recruits if r.class_id in cls][:MAX_RECRUIT_TRIALS]
        if len(recruits) > 1 and room() and not fails(replace(scope, recruits=())):
            # the class calendar alone is fine: some recruit's needs break it
            for r in recruits:
                if not room():
                    break
                if fails(replace(scope, recruits=(r,))):
                    scope = replace(scope, recruits=(r,))
                    break
    return scope


def _finding(
    inst: Instance, scope: _Scope, keys: list[str], budget: _Budget, minimal: bool = True,
    every: list[str] | None = None,
) -> Finding:
    words = _Words(inst, scope, keys)
    rows, context = words.collect()
    order = [f.key for f in FAMILIES]
    clauses = [_clause(inst, k, scope.phase) for k in sorted(keys, key=order.index)]
    if len(clauses) == 1:
        rules = f"the rule {clauses[0]} cannot be kept"
    else:
        rules = "these rules cannot all be kept together: " + "; ".join(clauses)
    message = f"{_lead(inst, scope, keys)}: {rules}." + ("" if not context else " " + " ".join(context))
    message += " (This is proven, and without any one of these rules the rest can be kept.)" \
        if len(keys) > 1 and minimal else " (This is proven.)"
    return Finding(_rule_label(keys), message, rows, _suggest(inst, scope, keys, budget, every))


UNPROVEN = "not proven"
"""The rule label of the diagnosis's answer when its time ran out before a proof."""


def explain_infeasible(
    instance: Instance, time_limit: float = 30.0, *, workers: int = 1, phase_id: str | None = None,
) -> list[Finding]:
    """Find and explain a small set of conflicting hard rules of an infeasible instance.

    Args:
        instance: A validated instance whose model CP-SAT cannot satisfy.
        time_limit: Seconds for all trials together (each trial is short).
        workers: CP-SAT workers per trial.
        phase_id: The phase that could not be planned, when known; it is tried first.

    Returns:
        One finding naming the conflicting rules and rows, with a suggested relaxation
        where one was found; empty when every trial was feasible (nothing to explain); a
        non-fatal finding with rule :data:`UNPROVEN` when the time ran out before a conflict was
        proven (the instance may still be plannable).
    """
    budget = _Budget(time_limit, workers)
    phases = sorted(instance.phases, key=lambda p: p.start)
    if phase_id is not None:
        phases.sort(key=lambda p: p.id != phase_id)
    # a quick round first: infeasibility is often proven in presolve, feasibility may take long
    pending: list[tuple[str, ...] | None] = [(p.id,) for p in phases]
    active: dict[tuple[str, ...] | None, list[str]] = {}
    models: dict[tuple[str, ...] | None, cp_model.CpModel] = {}
    for round_ in (1, 2):
        limit = min(2.0, budget.per_trial) if round_ == 1 else budget.per_trial
        if round_ == 2 and len(phases) > 1:
            pending.append(None)  # the whole year: rest across phase boundaries
        still = []
        for phase_ids in pending:
            if budget.left() <= 0.2:
                still.append(phase_ids)
                continue
            if phase_ids not in models:
                active[phase_ids], models[phase_ids] = _active(instance, phase_ids)
            keys = active[phase_ids]
            status = _status(models[phase_ids], min(limit, budget.left()), workers)
            if status is None:
                still.append(phase_ids)
            elif status is False:
                models.clear()
                return [_explain(instance, phases, phase_ids, keys, budget)]
        pending = still
        if not pending:
            return []
    return [Finding(
        UNPROVEN,
        f"The diagnosis found no conflict between the rules within {round(time_limit)} s; a longer one: the "
        f"explain command with --instance and --time-limit {max(60, 2 * round(time_limit))}.",
        fatal=False,  # nothing is proven: the instance may still be plannable
    )]


def _explain(
    instance: Instance, phases: list[Phase], phase_ids: tuple[str, ...] | None, keys: list[str], budget: _Budget
) -> Finding:
    if phase_ids is None:  # each phase alone is fine: they conflict across a boundary
        keys, _ = _minimal(instance, keys, None, budget)
        message = (
            "Each phase can be planned on its own, but not the phases together: "
            + "; ".join(_clause(instance, k, phases[0]) for k in keys)
            + " conflict across a phase boundary."
        )
        return Finding(_rule_label(keys), message, sort_rows(Rows(instance).phase(p) for p in phases),
                       "Leave more days between the phases.")
    phase = next(p for p in phases if p.id == phase_ids[0])
    scope = _localise(instance, phase, keys, budget)
    kept, proven = _minimal(restrict(instance, scope), keys, phase_ids, budget)
    if len(kept) < len(keys):
        # Fewer rules may conflict in a smaller scope (e.g. one recruit's unavailable
        # weekday, once the partner class's shared day is no longer part of the conflict).
        # Every scope _localise returns conflicts under ``kept``: it only narrows on failure.
        narrower = _localise(instance, phase, kept, budget)
        if narrower != scope:
            scope = narrower
            kept, proven = _minimal(restrict(instance, scope), kept, phase_ids, budget)
    return _finding(instance, scope, kept, budget, proven, every=keys)

"""The objective of a plan (SPEC.md §3), computed from the plan alone.

This is the one definition of every soft goal: the solver reports the objective and its
breakdown with :func:`score`, and the CP-SAT model (``scheduler/objective.py``) must give
the same number for the same plan (the tests check that). No solver import here.

Each goal counts something and costs ``weight x count`` (weights from ``[weights]``,
defaults in :data:`models.DEFAULT_WEIGHTS`):

``without_supervisor``
    practice rows with ``with_supervisor = false``.
``travel``
    minutes of one-way travel, per recruit and phase (``assignments.csv``).
``not_preferred_site`` / ``avoided_ward_type`` / ``unqualified_supervisor``
    recruit-phase assignments outside his preferred sites (only if he has any), on a ward
    type he avoids, with a supervisor who is not ``qualified``.
``first_placement``
    assignments in the first phase (earliest start) on a ward without ``first_placement_ok``.
``alone_at_site``
    recruit-phase assignments with no other recruit at the same site in that phase.
``weekend_fairness`` / ``evening_fairness``
    per phase, the spread (most minus fewest, over all recruits) of weekend shifts
    (starting on a saturday or sunday) / evening and night shifts (``Shift.is_evening``),
    summed over the phases.
``supervisor_change``
    per recruit, pairs of consecutive phases (by start date) with different supervisors.
``roster_shift_missed``
    practice phases, and practice weeks of the block model (a week with an open school day
    in which the class has no school): days the recruit may practise on which his
    supervisor works a shift the phase allows (and that does not run into the recruit's
    absence) and the recruit does not work it with him.
``short_week_unused``
    weekly model, weeks that are not full (D2): school days of the class below
    ``min(school_days_per_week, open days)`` (weeks with an open school day), and practice
    days of each recruit below ``min(practice_days_per_week, days he may practise)``, also
    in a week without an open school day where he may practise (D16).
``long_school_block``
    block model, per class and phase: each school week of a school block beyond the
    shortest length ``school_block_weeks`` allows, once for each recruit of the class (D21:
    blocks are typically the shortest, "3 weeks school and 2 weeks practice, stretched
    where the school calendar demands it"; without this goal school weeks cost nothing and
    the cheapest plan is the longest school blocks). Counted over school stretches: a
    practice week or the phase edge ends one, a closed week does not (``S3 | S3`` is six
    school weeks without practice, though R5 sees two blocks of three).
``plan_change``
    re-planning only: recruit-phase assignments that differ from the published plan.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from models.domain import Instance, Phase
from models.plan import Plan

SCALE = 10
"""Objective units per unit of weight: costs are ``weight_units(weight) * count`` so that
weights keep one decimal and every cost is a whole number of units (as in CP-SAT)."""

GOALS: tuple[str, ...] = (
    "without_supervisor", "travel", "not_preferred_site", "avoided_ward_type", "first_placement",
    "alone_at_site", "weekend_fairness", "evening_fairness", "unqualified_supervisor",
    "supervisor_change", "roster_shift_missed", "short_week_unused", "long_school_block", "plan_change",
)

COUPLING_GOALS: tuple[str, ...] = ("supervisor_change", "alone_at_site", "weekend_fairness", "evening_fairness")
"""Goals that couple recruits or phases, which the phases' bounds do not count (but for a
share of the weekend spread where some recruit cannot work weekends; scheduler.master)."""

LABELS: dict[str, str] = {
    "without_supervisor": "practice days without own supervisor",
    "travel": "travel minutes (one way, per recruit and phase)",
    "not_preferred_site": "placements outside the recruit's preferred sites",
    "avoided_ward_type": "placements on a ward type the recruit avoids",
    "first_placement": "first placements on a ward not suited for a first placement",
    "alone_at_site": "placements without another recruit at the same site",
    "weekend_fairness": "spread of weekend shifts between recruits",
    "evening_fairness": "spread of evening and night shifts between recruits",
    "unqualified_supervisor": "placements with a supervisor who is not a trained supervisor",
    "supervisor_change": "changes of supervisor between consecutive phases",
    "roster_shift_missed": "supervisor shifts the recruit does not follow (practice)",
    "short_week_unused": "open days left unused in short weeks",
    "long_school_block": "school weeks beyond the shortest school block (block model), per recruit",
    "plan_change": "assignments changed from the published plan",
}


def weight_units(weight: float) -> int:
    """Objective units of one count at ``weight``: the weight to one decimal, halves away
    from zero (1.25 -> 1.3, -0.05 -> -0.1); plan.json's ``breakdown`` shows that weight."""
    scaled = abs(weight) * SCALE
    whole = math.floor(scaled + 0.5 + 1e-9)  # 1e-9: 1.15 * 10 is 11.499999999999998
    return whole if weight >= 0 else -whole


def units(instance: Instance, goal: str) -> int:
    """Objective units of one count of ``goal``."""
    return weight_units(instance.weight(goal))


@dataclass
class Score:
    """A plan's objective: ``total`` in weight units, ``counts`` per goal and the count per
    goal and recruit (the short-week goal also has one line per class, ``class <id>``)."""

    counts: dict[str, int]
    by_recruit: dict[str, Counter] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.units[g] * n for g, n in self.counts.items()) / SCALE

    def breakdown(self, instance: Instance) -> dict[str, dict]:
        """Per goal: label, count, weight (as used: :func:`weight_units`) and cost (the costs
        add up to ``total``)."""
        return {
            g: {"label": LABELS[g], "count": n, "weight": self.units[g] / SCALE, "cost": round(self.units[g] * n / SCALE, 3)}
            for g, n in self.counts.items()
        }

    def per_recruit(self) -> dict[str, dict[str, float]]:
        """Cost per goal for each recruit (and class line) that has any."""
        out: dict[str, dict[str, float]] = {}
        for who, counts in sorted(self.by_recruit.items()):
            costs = {g: round(self.units[g] * n / SCALE, 3) for g, n in sorted(counts.items()) if n}
            if costs:
                out[who] = costs
        return out


def score(instance: Instance, plan: Plan, published: Plan | None = None) -> Score:
    """The objective of ``plan`` (see the module docstring). ``published`` is the plan a
    re-planning run started from (``plan_change``); None counts no changes."""
    inst = instance
    by: dict[str, Counter] = defaultdict(Counter)
    counts: Counter = Counter({g: 0 for g in GOALS if g != "plan_change" or published is not None})
    phases = sorted(inst.phases, key=lambda p: p.start)
    first = phases[0].id if phases else None
    site_count = Counter((a.phase_id, a.site_id) for a in plan.assignments)
    sup_of: dict[tuple[str, str], str] = {}
    for a in plan.assignments:
        r = inst.recruit[a.recruit_id]
        ward = inst.ward[a.ward_id]
        sup_of[(a.recruit_id, a.phase_id)] = a.supervisor_id
        items = {
            "travel": a.travel_minutes,
            "not_preferred_site": int(bool(r.preferred_sites) and a.site_id not in r.preferred_sites),
            "avoided_ward_type": int(r.avoids(ward.ward_type)),
            "first_placement": int(a.phase_id == first and not ward.first_placement_ok),
            "alone_at_site": int(site_count[(a.phase_id, a.site_id)] < 2),
            "unqualified_supervisor": int(not inst.supervisor[a.supervisor_id].qualified),
        }
        for g, n in items.items():
            by[a.recruit_id][g] += n
    if published is not None:
        keep = {(a.recruit_id, a.phase_id): a.supervisor_id for a in published.assignments}
        for (r, p), s in sup_of.items():
            if (r, p) in keep and keep[(r, p)] != s:
                by[r]["plan_change"] += 1
    for r in inst.recruits:
        for p, q in zip(phases, phases[1:], strict=False):
            a, b = sup_of.get((r.id, p.id)), sup_of.get((r.id, q.id))
            if a is not None and b is not None and a != b:
                by[r.id]["supervisor_change"] += 1

    practice = [a for a in plan.activities if a.activity == "practice"]
    worked: dict[tuple[str, date], object] = {(a.recruit_id, a.date): a for a in practice}
    for a in practice:
        by[a.recruit_id]["without_supervisor"] += a.with_supervisor is False
    for p in phases:
        counts["weekend_fairness"] += _spread(inst, practice, p, lambda a: a.date.weekday() >= 5)
        counts["evening_fairness"] += _spread(
            inst, practice, p, lambda a: bool(inst.shift.get(a.shift_code) and inst.shift[a.shift_code].is_evening))
    school = {(c.class_id, c.date) for c in plan.class_days}
    for p in phases:
        _missed(inst, p, sup_of, worked, school, by)
        _short_weeks(inst, p, worked, school, by)
        _long_school_blocks(inst, p, school, by)
    for counter in by.values():
        for g, n in counter.items():
            counts[g] += n
    return Score(dict(counts), dict(by), {g: units(inst, g) for g in counts})


def _spread(inst: Instance, practice: list, phase: Phase, counts) -> int:
    n = Counter(a.recruit_id for a in practice if a.phase_id == phase.id and counts(a))
    values = [n.get(r.id, 0) for r in inst.recruits]
    return max(values) - min(values) if values else 0


def _missed(inst: Instance, p: Phase, sup_of: dict, worked: dict, school: set, by: dict) -> None:
    """Roster shifts not followed (:func:`missed_shifts`), counted per recruit."""
    for recruit_id, _day, _code, _row in missed_shifts(inst, p, sup_of, worked, school):
        by[recruit_id]["roster_shift_missed"] += 1


def missed_shifts(inst: Instance, p: Phase, sup_of: dict, worked: dict, school: set):
    """The roster shifts of ``p`` the plan does not follow (``roster_shift_missed``): practice
    phases, over each recruit's own window, and block practice weeks; a shift counts where
    the recruit may practise that day and the supervisor works a shift the phase allows (a
    night into the recruit's absence is beyond his reach, R9), and the recruit does not
    work it with him. ``sup_of``: (recruit, phase) -> supervisor; ``worked``: (recruit,
    date) -> his practice row (``with_supervisor``, ``shift_code``); ``school``: (class,
    date) of school days. Yields (recruit_id, date, shift code, his row that day or None)."""
    weeks = inst.phase_weeks(p)
    for r in inst.recruits:
        s = sup_of.get((r.id, p.id))
        if s is None:
            continue
        block = p.kind == "alternation" and inst.model_of(r.class_id, p) == "block"
        if p.kind == "alternation" and not block:
            continue
        start, end = inst.recruit_phase_window(r.id, p)
        # a practice phase: every day of the recruit's own window, also where his period
        # reaches outside the phase's dates (recruit_period_start/_end), as the model counts
        groups = weeks.values() if p.kind == "alternation" else [inst.recruit_phase_days(r.id, p)]
        for days in groups:
            if block:
                open_days = [d for d in days if inst.is_open_school_day(r.class_id, d, p)]
                if not open_days or any((r.class_id, d) in school for d in open_days):
                    continue  # a closed week or a school week
            for d in days:
                if not start <= d <= end or not inst.may_practise(r.id, p, d):
                    continue
                code = inst.supervisor_works(s, d)
                if code is None or (inst.shift[code].is_night and not p.allow_night):
                    continue
                if inst.shift[code].overnight and inst.is_absent(r.id, d + timedelta(days=1)):
                    continue  # a night into his absence is beyond his reach (R9)
                a = worked.get((r.id, d))
                if a is None or not (a.with_supervisor and a.shift_code == code):
                    yield r.id, d, code, a


def _short_weeks(inst: Instance, p: Phase, worked: dict, school: set, by: dict) -> None:
    """Unused open days in the short weeks of the weekly model."""
    if p.kind != "alternation":
        return
    for c in inst.classes:
        if inst.model_of(c.id, p) != "weekly":
            continue
        for week, days in inst.phase_weeks(p).items():
            if inst.is_full_week(c.id, p, week):
                continue
            open_days = [d for d in days if inst.is_open_school_day(c.id, d, p)]
            if open_days:
                used = sum((c.id, d) in school for d in open_days)
                by[f"class {c.id}"]["short_week_unused"] += min(p.school_days_per_week, len(open_days)) - used
            for r in inst.recruits_of(c.id):
                may = [d for d in days if inst.may_practise(r.id, p, d)]
                possible = min(p.practice_days_per_week, len(may))
                used = sum((r.id, d) in worked for d in may)
                by[r.id]["short_week_unused"] += max(0, possible - used)


def calendar_units(inst: Instance, p: Phase, school: set) -> int:
    """Units of the goals that the class calendars of phase ``p`` decide on their own:
    ``long_school_block`` and the classes' own lines of ``short_week_unused`` (their school
    days below the weekly number). ``school``: (class id, date) pairs. Used to compare two
    calendars whose placements and schedules are priced apart (scheduler.solve)."""
    by: dict[str, Counter] = defaultdict(Counter)
    _long_school_blocks(inst, p, school, by)
    _short_weeks(inst, p, {}, school, by)
    return sum(units(inst, "long_school_block") * c["long_school_block"] for c in by.values()) + sum(
        units(inst, "short_week_unused") * c["short_week_unused"] for who, c in by.items() if who.startswith("class "))


def block_week_kinds(inst: Instance, p: Phase, class_id: str, school: set) -> str:
    """One letter per ISO week of phase ``p`` for a block class: ``S`` a school week (school
    on an open day), ``P`` a practice week, ``|`` a week without an open school day (R5, D14).
    ``school``: (class id, date) pairs."""
    kinds = ""
    for days in inst.phase_weeks(p).values():
        open_days = [d for d in days if inst.is_open_school_day(class_id, d, p)]
        kinds += "|" if not open_days else "S" if any((class_id, d) in school for d in open_days) else "P"
    return kinds


def school_stretches(inst: Instance, p: Phase, class_id: str, school: set) -> list[int]:
    """Lengths in weeks of a block class's school stretches in phase ``p``: school weeks in a
    row, where a practice week or the phase edge ends a stretch and a week with no open school
    day (a holiday) is skipped (D21). ``S3 | S3`` is one stretch of six weeks, though R5 sees
    two blocks of three: the class goes six school weeks without practice."""
    return [len(run) for run in block_week_kinds(inst, p, class_id, school).replace("|", "").split("P") if run]


def _long_school_blocks(inst: Instance, p: Phase, school: set, by: dict) -> None:
    """School weeks beyond the shortest school block in each school stretch, per recruit of
    the class (D21)."""
    if p.kind != "alternation":
        return
    for c in inst.classes:
        if inst.model_of(c.id, p) != "block":
            continue
        shortest = p.school_block_weeks[0]
        extra = sum(max(0, n - shortest) for n in school_stretches(inst, p, c.id, school))
        if extra:
            for r in inst.recruits_of(c.id):
                by[r.id]["long_school_block"] += extra

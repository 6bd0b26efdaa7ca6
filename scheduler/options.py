"""The calendar choices of the classes of one school in one week (R3-R7, R11 counts).

A class's option for a week is the set of its school days that week:

* weekly model (R4): in a full week (D2) exactly ``school_days_per_week`` open days; in a
  short week at most that many; in a week with no open day none.
* block model (R5, D14): all the week's open days (a school week) or none (a practice week);
  a week with no open day is neither.

The classes of a school share their teachers, so their options are combined into joint
options per week and kept only where the shared-day rule (R6) and the teachers (R7) allow
them. Nothing here depends on supervisors or on other weeks; the block lengths (R5) and
the minimum school days (R11) span weeks and are kept by the calendar search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import combinations, product

from models import Instance, Phase, iso_week
from scheduler.constraints.weekly import SHARED_WEEK_DAYS
from scheduler.domains import Domains

SCHOOL, PRACTICE, CLOSED = "S", "P", "-"
"""Kinds of a block-model week (a weekly-model week has no kind)."""


@dataclass(frozen=True)
class ClassWeek:
    """One class in one week of an alternation phase."""

    class_id: str
    week: tuple[int, int]
    open_days: tuple[date, ...]
    full: bool
    model: str  # "weekly" | "block"


def class_week(inst: Instance, dom: Domains, class_id: str, phase: Phase, week: tuple[int, int]) -> ClassWeek:
    days = dom.week_days(phase, week)
    open_days = tuple(d for d in days if inst.is_open_school_day(class_id, d, phase))
    return ClassWeek(class_id, week, open_days, dom.is_full_week(class_id, phase, week),
                     inst.model_of(class_id, phase) or "weekly")


def class_options(cw: ClassWeek, phase: Phase) -> list[frozenset[date]]:
    """The school-day sets a class may have in a week, largest first (R3, R4, R5)."""
    if not cw.open_days:
        return [frozenset()]
    if cw.model == "block":
        return [frozenset(cw.open_days), frozenset()]
    k = phase.school_days_per_week
    sizes = [k] if cw.full else range(min(k, len(cw.open_days)), -1, -1)
    return [frozenset(c) for n in sizes for c in combinations(cw.open_days, n)]


def unused_school_days(cw: ClassWeek, phase: Phase, school: frozenset[date]) -> int:
    """The class's own part of ``short_week_unused`` for a week (models/score.py): in a
    weekly-model week with an open school day that is not full, its school days below
    ``min(school_days_per_week, open days)``; else 0."""
    if cw.model != "weekly" or cw.full or not cw.open_days:
        return 0
    return min(phase.school_days_per_week, len(cw.open_days)) - len(school)


def kind_of(cw: ClassWeek, school: frozenset[date]) -> str:
    """A block-model week's kind for a class option."""
    if not cw.open_days:
        return CLOSED
    return SCHOOL if school else PRACTICE


def partner_pairs(inst: Instance, class_ids: Iterable[str]) -> list[tuple[str, str]]:
    ids = set(class_ids)
    pairs = {tuple(sorted((c.id, c.shared_day_with))) for c in inst.classes
             if c.id in ids and c.shared_day_with in ids}
    return sorted(pairs)


def shared_day_ok(inst: Instance, phase: Phase, pair: tuple[str, str], a: ClassWeek, b: ClassWeek,
                  sa: frozenset[date], sb: frozenset[date]) -> bool:
    """R6/D12: two weekly partner classes that both have three school days in a week share
    exactly one of them (SPEC's "three", whatever ``school_days_per_week`` is)."""
    if a.model != "weekly" or b.model != "weekly":
        return True
    return not (len(sa) == len(sb) == SHARED_WEEK_DAYS and len(sa & sb) != 1)


class Teachers:
    """R7 for one school and week: can the school's teachers cover the groups of a joint
    option? A group is a class alone on a date, or two partner classes in school on the
    same date (taught together, D12). Each group needs a teacher of the school who
    teaches that weekday and is not absent; a teacher takes one group a date and at most
    ``max_days_per_week`` dates in the ISO week (D13)."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self._memo: dict[tuple, bool] = {}
        self._eligible: dict[tuple[str, date], tuple[str, ...]] = {}

    def groups(self, pairs: list[tuple[str, str]], school_of: dict[str, frozenset[date]]) -> list[tuple[date, tuple]]:
        out = []
        days = sorted({d for s in school_of.values() for d in s})
        for d in days:
            present = {c for c, s in school_of.items() if d in s}
            for a, b in pairs:
                if a in present and b in present:
                    out.append((d, (a, b)))
                    present -= {a, b}
            out += [(d, (c,)) for c in sorted(present)]
        return out

    def eligible(self, school_id: str, day: date) -> tuple[str, ...]:
        """The school's teachers who teach on ``day``'s weekday and are not absent."""
        key = (school_id, day)
        found = self._eligible.get(key)
        if found is None:
            found = self._eligible[key] = tuple(
                t.id for t in self.inst.teachers
                if t.school_id == school_id and day.weekday() in t.weekdays and not self.inst.is_absent(t.id, day))
        return found

    def can_cover(self, school_id: str, groups: list[tuple[date, tuple]]) -> bool:
        # memoised by what the answer depends on: per date (its order among the dates and
        # its ISO week's order), the teachers who may take it and how many groups it has,
        # so that weeks alike share one answer (the flow is the same whichever classes)
        days = sorted({d for d, _g in groups})
        weeks = sorted({iso_week(d) for d in days})
        count: dict[date, int] = {}
        for d, _g in groups:
            count[d] = count.get(d, 0) + 1
        key = (school_id, tuple((weeks.index(iso_week(d)), i, self.eligible(school_id, d), count[d])
                                for i, d in enumerate(days)))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._cover(school_id, groups)
        return found

    def _cover(self, school_id: str, groups: list[tuple[date, tuple]]) -> bool:
        if not groups:
            return True
        teachers = [t for t in self.inst.teachers if t.school_id == school_id]
        eligible = [self.eligible(school_id, d) for d, _g in groups]
        if any(not e for e in eligible):
            return False
        # max flow: source -> group -> (teacher, date) -> (teacher, ISO week) -> sink
        cap: dict[tuple, dict[tuple, int]] = {}

        def edge(u: tuple, v: tuple, c: int) -> None:
            cap.setdefault(u, {})[v] = cap.get(u, {}).get(v, 0) + c
            cap.setdefault(v, {}).setdefault(u, 0)

        limit = {t.id: t.max_days_per_week for t in teachers}
        for i, ((d, _g), names) in enumerate(zip(groups, eligible, strict=True)):
            edge(("src",), ("g", i), 1)
            for t in names:
                edge(("g", i), ("td", t, d), 1)
                if ("tw", t, iso_week(d)) not in cap.get(("td", t, d), {}):  # one group a date, not one per group
                    edge(("td", t, d), ("tw", t, iso_week(d)), 1)
                cap[("tw", t, iso_week(d))].setdefault(("sink",), 0)
                cap[("tw", t, iso_week(d))][("sink",)] = limit[t]
                cap.setdefault(("sink",), {}).setdefault(("tw", t, iso_week(d)), 0)
        flow = 0
        while True:
            parent: dict[tuple, tuple] = {("src",): ("src",)}
            queue = [("src",)]
            while queue and ("sink",) not in parent:
                u = queue.pop(0)
                for v, c in cap[u].items():
                    if c > 0 and v not in parent:
                        parent[v] = u
                        queue.append(v)
            if ("sink",) not in parent:
                return flow == len(groups)
            v = ("sink",)
            while v != ("src",):
                u = parent[v]
                cap[u][v] -= 1
                cap[v][u] += 1
                v = u
            flow += 1


def joint_options(
    inst: Instance, phase: Phase, school_id: str, weeks: list[ClassWeek], teachers: Teachers
) -> list[tuple[frozenset[date], ...]]:
    """The school's joint options for one week: one school-day set per class (in the
    order of ``weeks``), kept where R6 and R7 allow."""
    ids = [cw.class_id for cw in weeks]
    pairs = partner_pairs(inst, ids)
    by_id = {cw.class_id: cw for cw in weeks}
    out = []
    for combo in product(*(class_options(cw, phase) for cw in weeks)):
        school_of = dict(zip(ids, combo, strict=True))
        if not all(shared_day_ok(inst, phase, p, by_id[p[0]], by_id[p[1]], school_of[p[0]], school_of[p[1]])
                   for p in pairs):
            continue
        if not teachers.can_cover(school_id, teachers.groups(pairs, school_of)):
            continue
        out.append(combo)
    return out

"""Soft goals of SPEC §3 as named penalties in one registry.

Each goal registers a :class:`Penalty` with its weight from ``[weights]`` (defaults in
``models.DEFAULT_WEIGHTS``) and a linear expression counting what it penalises, both in
total and per recruit, so that a solved plan can be broken down by goal and by recruit.
The solver minimises ``sum(weight * count)``; weights are scaled by :data:`SCALE` and
rounded to integers for CP-SAT (``models.score.weight_units``: one decimal).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models import Plan, iso_week
from models.score import LABELS, SCALE, weight_units
from scheduler.constraints.block import block_classes, segments, week_school
from scheduler.variables import Vars

# The soft goals' definitions, labels and units live in models/score.py (solver-free);
# this module must count exactly what ``models.score.score`` counts for the same plan.
__all__ = ["LABELS", "SCALE", "Penalty", "add_objective", "build_penalties"]


@dataclass
class Penalty:
    """A named soft goal: ``weight * total``; ``by_recruit`` splits ``total`` where it can."""

    name: str
    weight: float
    total: cp_model.LinearExprT = 0
    by_recruit: dict[str, cp_model.LinearExprT] = field(default_factory=dict)

    @property
    def coefficient(self) -> int:
        return weight_units(self.weight)


def _penalty(v: Vars, name: str, per_recruit: dict[str, list]) -> Penalty:
    by = {r: sum(terms) for r, terms in sorted(per_recruit.items()) if terms}
    return Penalty(name, v.inst.weight(name), sum(by.values()), by)


def _assign_goal(v: Vars, name: str, cost) -> Penalty:
    """A goal that is a weighted count of assignments: ``cost(r, p, s) -> int``."""
    per: dict[str, list] = defaultdict(list)
    for (r, p, s), lit in sorted(v.assign.items()):
        c = cost(r, p, s)
        if c:
            per[r].append(c * lit)
    return _penalty(v, name, per)


def build_penalties(
    v: Vars, published: Plan | None = None, previous: dict[str, str] | None = None
) -> list[Penalty]:
    """All soft goals. ``previous`` maps recruit -> supervisor of the phase before the
    first phase in this model (continuity is measured against it)."""
    inst, _dom = v.inst, v.dom
    site_of = {s.id: inst.ward[s.ward_id].site_id for s in inst.supervisors}
    out: list[Penalty] = []

    per: dict[str, list] = defaultdict(list)
    for (r, _d), lit in sorted(v.without.items()):
        per[r].append(lit)
    out.append(_penalty(v, "without_supervisor", per))

    out.append(_assign_goal(v, "travel", lambda r, p, s: inst.travel_minutes(r, site_of[s])))

    def not_preferred(r, p, s):
        pref = inst.recruit[r].preferred_sites
        return int(bool(pref) and site_of[s] not in pref)

    out.append(_assign_goal(v, "not_preferred_site", not_preferred))
    out.append(_assign_goal(
        v, "avoided_ward_type",
        lambda r, p, s: int(inst.recruit[r].avoids(inst.ward[inst.supervisor[s].ward_id].ward_type)),
    ))
    first_phase = min(inst.phases, key=lambda p: p.start).id if inst.phases else None
    out.append(_assign_goal(
        v, "first_placement",
        lambda r, p, s: int(p == first_phase and not inst.ward[inst.supervisor[s].ward_id].first_placement_ok),
    ))
    out.append(_alone_at_site(v, site_of))
    out.append(_fairness(v, "weekend_fairness", lambda code, d: d.weekday() >= 5))
    out.append(_fairness(v, "evening_fairness", lambda code, d: inst.shift[code].is_evening))
    out.append(_assign_goal(v, "unqualified_supervisor", lambda r, p, s: int(not inst.supervisor[s].qualified)))
    out.append(_supervisor_change(v, previous or {}))
    out.append(_roster_missed(v))
    out.append(_short_weeks(v))
    out.append(_long_school_blocks(v))
    if published is not None:
        keep = {(a.recruit_id, a.phase_id): a.supervisor_id for a in published.assignments}
        out.append(_assign_goal(
            v, "plan_change", lambda r, p, s: 0 if (r, p) not in keep else int(keep[(r, p)] != s)
        ))
    return out


def _alone_at_site(v: Vars, site_of: dict[str, str]) -> Penalty:
    """A recruit is alone at his site in a phase unless another recruit is placed there too."""
    m = v.model
    per: dict[str, list] = defaultdict(list)
    for p in v.dom.phases:
        at: dict[tuple[str, str], list] = defaultdict(list)  # (recruit, site) -> literals
        for (r, pp, s), lit in v.assign.items():
            if pp == p.id:
                at[(r, site_of[s])].append(lit)
        count: dict[str, cp_model.LinearExprT] = defaultdict(int)
        for (_r, site), lits in at.items():
            count[site] += sum(lits)
        for r in v.inst.recruits:
            alone = v.bool(f"alone[{r.id},{p.id}]")
            for site in sorted({s for (rr, s) in at if rr == r.id}):
                here = sum(at[(r.id, site)])
                # alone >= here - (others at the site); others = count - here
                m.Add(alone >= 2 * here - count[site])
            per[r.id].append(alone)
    return _penalty(v, "alone_at_site", per)


def _fairness(v: Vars, name: str, counts) -> Penalty:
    """Per phase, the spread (max - min) over all recruits of the shifts that
    ``counts(code, date)`` selects; the phases' spreads are summed (models/score.py)."""
    m = v.model
    total = []
    for p in v.dom.phases:
        per: dict[str, list] = defaultdict(list)
        for (r, d, code), lit in v.work.items():
            if v.phase_of_day[(r, d)] is p and counts(code, d):
                per[r].append(lit)
        for (r, d), lit in v.without.items():
            if v.phase_of_day[(r, d)] is p and counts("D", d):
                per[r].append(lit)
        if not any(per.values()):
            continue
        bound = max(len(t) for t in per.values())
        hi = m.NewIntVar(0, bound, f"{name}_max[{p.id}]")
        lo = m.NewIntVar(0, bound, f"{name}_min[{p.id}]")
        for r in v.inst.recruits:
            count = sum(per.get(r.id, []))
            m.Add(hi >= count)
            m.Add(lo <= count)
        total.append(hi - lo)
    return Penalty(name, v.inst.weight(name), sum(total), {})


def _supervisor_change(v: Vars, previous: dict[str, str]) -> Penalty:
    """1 per recruit and pair of consecutive phases with different supervisors."""
    m = v.model
    per: dict[str, list] = defaultdict(list)
    phases = v.dom.phases
    if phases:
        first = phases[0].id
        for r, s_prev in sorted(previous.items()):
            keep = v.assign.get((r, first, s_prev))
            per[r].append(1 - keep if keep is not None else 1)
    for r in v.inst.recruits:
        for p, q in zip(phases, phases[1:], strict=False):
            same = []
            for s in v.candidates[(r.id, p.id)]:
                a, b = v.assign.get((r.id, p.id, s)), v.assign.get((r.id, q.id, s))
                if a is None or b is None:
                    continue
                both = v.bool(f"same_sup[{r.id},{p.id},{q.id},{s}]")
                m.AddImplication(both, a)
                m.AddImplication(both, b)
                m.AddBoolOr([a.Not(), b.Not(), both])
                same.append(both)
            per[r.id].append(1 - sum(same))
    return _penalty(v, "supervisor_change", per)


def _roster_missed(v: Vars) -> Penalty:
    """Practice phases and practice weeks of the block model: supervisor shifts that the
    recruit does not follow. In a block school week nothing is missed."""
    m = v.model
    per: dict[str, list] = defaultdict(list)
    days: dict[tuple[str, object], list[str]] = defaultdict(list)
    for (r, d, code) in sorted(v.work):
        days[(r, d)].append(code)
    for (r, d), codes in sorted(days.items()):
        p = v.phase_of_day[(r, d)]
        c = v.inst.recruit[r].class_id
        missed = sum(v.sup_works_expr(r, d, code) - v.work[(r, d, code)] for code in codes)
        if p.kind == "practice":
            per[r].append(missed)
        elif v.inst.model_of(c, p) == "block":
            ws = v.week_school.get((c, p.id, iso_week(d)))
            if ws is None:
                continue
            miss = v.bool(f"missed[{r},{d}]")
            m.Add(miss >= missed - ws)
            per[r].append(miss)
    return _penalty(v, "roster_shift_missed", per)


def _short_weeks(v: Vars) -> Penalty:
    """Weekly model, short weeks: school and practice days below the weekly numbers, as far
    as the open days allow (the planner uses the open days, SPEC R4)."""
    inst, dom = v.inst, v.dom
    per: dict[str, list] = defaultdict(list)
    for p in dom.phases:
        for c in inst.classes:
            if inst.model_of(c.id, p) != "weekly":
                continue
            for week in dom.weeks(p):
                days = dom.week_days(p, week)
                if dom.is_full_week(c.id, p, week):
                    continue
                school = [v.school[(c.id, d)] for d in days if (c.id, d) in v.school]
                if school:  # the class's own line in the breakdown
                    per[f"class {c.id}"].append(min(p.school_days_per_week, len(school)) - sum(school))
                for r in inst.recruits_of(c.id):
                    pracs = [v.prac[(r.id, d)] for d in days if (r.id, d) in v.prac]
                    possible = min(p.practice_days_per_week, len(pracs))
                    per[r.id].append(possible - sum(pracs))
    return _penalty(v, "short_week_unused", per)


def _long_school_blocks(v: Vars) -> Penalty:
    """Block model: each school week that is at least the ``(shortest + 1)``-th school week
    in a row counts once per recruit of the class (models/score.py). A practice week or the
    phase edge ends the run; a closed week is skipped and does not (D21), unlike R5's blocks
    (:func:`scheduler.constraints.block.segments`)."""
    m = v.model
    per: dict[str, list] = defaultdict(list)
    for p in v.dom.phases:
        for c in block_classes(v, p):
            shortest = p.school_block_weeks[0]
            recruits = v.inst.recruits_of(c)
            if not recruits:
                continue
            weeks = [w for seg in segments(v, c, p) for w in seg]
            xs = [week_school(v, c, p, w) for w in weeks]
            for i in range(shortest, len(xs)):
                run = xs[i - shortest : i + 1]
                long = v.bool(f"long_school[{c},{p.id},{weeks[i][0]}-W{weeks[i][1]:02d}]")
                for x in run:  # long == all of the run
                    m.AddImplication(long, x)
                m.AddBoolOr([x.Not() for x in run] + [long])
                for r in recruits:
                    per[r.id].append(long)
    return _penalty(v, "long_school_block", per)


def objective_expr(penalties: list[Penalty]) -> cp_model.LinearExprT:
    """The objective in units: every goal's total times its coefficient."""
    return sum(p.coefficient * p.total for p in penalties if p.coefficient)


def add_objective(v: Vars, penalties: list[Penalty]) -> None:
    v.model.Minimize(objective_expr(penalties))



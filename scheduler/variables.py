"""All decision variables, created in one place with names built from domain ids.

Variables (``r`` recruit, ``p`` phase, ``s`` supervisor, ``c`` class, ``d`` date,
``x`` shift code):

- ``assign[r,p,s]``  recruit r follows supervisor s in phase p (R1).
- ``school[c,d]``    class c is in school on d (open school days only, R3).
- ``week_school[c,p,w]`` block model: week w is a school week of class c (R5).
- ``work[r,d,x]``    r works shift x with his supervisor on d (R8, his supervisor's shift).
- ``without[r,d]``   r works the ward's D shift without his supervisor on d (R8).
- ``prac[r,d]``      r practises on d (= sum of the two above).

Every variable can be fixed or hinted from an earlier plan (see ``solve``), since each
one is keyed by domain ids only. Auxiliary variables live with the rule that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from models import Instance, Phase
from models.plan import Activity as PlanActivity
from scheduler.domains import Domains, Window

Key = tuple


@dataclass
class Activity:
    """A possible activity of a recruit on a day: a literal and its time window."""

    literal: cp_model.IntVar
    window: Window
    kind: str  # "school" | "with" | "without"
    code: str = ""


@dataclass
class Vars:
    model: cp_model.CpModel
    inst: Instance
    dom: Domains
    assign: dict[tuple[str, str, str], cp_model.IntVar] = field(default_factory=dict)
    school: dict[tuple[str, date], cp_model.IntVar] = field(default_factory=dict)
    week_school: dict[tuple[str, str, tuple[int, int]], cp_model.IntVar] = field(default_factory=dict)
    work: dict[tuple[str, date, str], cp_model.IntVar] = field(default_factory=dict)
    without: dict[tuple[str, date], cp_model.IntVar] = field(default_factory=dict)
    prac: dict[tuple[str, date], cp_model.IntVar] = field(default_factory=dict)
    # candidate supervisors per (recruit, phase), and per (recruit, date, shift code)
    candidates: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    sups_on: dict[tuple[str, date, str], list[str]] = field(default_factory=dict)
    # phase of each practice date of a recruit
    phase_of_day: dict[tuple[str, date], Phase] = field(default_factory=dict)
    # everything a recruit may do on a day, for rest and one-activity-a-day rules
    activities: dict[tuple[str, date], list[Activity]] = field(default_factory=dict)

    def bool(self, name: str) -> cp_model.IntVar:
        return self.model.NewBoolVar(name)

    def worked_as(self, a: PlanActivity) -> cp_model.IntVar | None:
        """The literal "the recruit practises that day as plan row ``a`` says": its shift
        with supervisor, or the day shift without him; None when the model has no such
        choice."""
        if a.with_supervisor:
            return self.work.get((a.recruit_id, a.date, a.shift_code))
        return self.without.get((a.recruit_id, a.date))

    def sup_works_expr(self, r: str, d: date, code: str) -> cp_model.LinearExpr:
        """1 if the recruit's assigned supervisor works shift ``code`` on ``d``."""
        p = self.phase_of_day[(r, d)]
        return sum(self.assign[(r, p.id, s)] for s in self.sups_on.get((r, d, code), []))


def build_variables(model: cp_model.CpModel, inst: Instance, dom: Domains) -> Vars:
    v = Vars(model=model, inst=inst, dom=dom)
    for r in inst.recruits:
        for p in dom.phases:
            cands = dom.candidate_supervisors(r.id, p)
            v.candidates[(r.id, p.id)] = cands
            for s in cands:
                v.assign[(r.id, p.id, s)] = v.bool(f"assign[{r.id},{p.id},{s}]")

    for c in inst.classes:
        for p in dom.phases:
            for d in dom.open_school_days(c.id, p):
                v.school[(c.id, d)] = v.bool(f"school[{c.id},{d}]")

    for r in inst.recruits:
        for p in dom.phases:
            cands = v.candidates[(r.id, p.id)]
            for d in dom.practice_days(r.id, p):
                v.phase_of_day[(r.id, d)] = p
                by_shift = dom.supervisors_by_shift(r.id, p, d, cands)
                acts = v.activities.setdefault((r.id, d), [])
                for code in sorted(by_shift):
                    v.sups_on[(r.id, d, code)] = by_shift[code]
                    lit = v.bool(f"work[{r.id},{d},{code}]")
                    v.work[(r.id, d, code)] = lit
                    acts.append(Activity(lit, dom.shift_window(code, d), "with", code))
                lit = v.bool(f"without[{r.id},{d}]")
                v.without[(r.id, d)] = lit
                acts.append(Activity(lit, dom.day_shift_window(d), "without", "D"))
                prac = v.bool(f"prac[{r.id},{d}]")
                v.prac[(r.id, d)] = prac
                model.Add(prac == sum(a.literal for a in acts if a.kind != "school"))

    for r in inst.recruits:
        for p in dom.phases:
            for d in dom.open_school_days(r.class_id, p):
                if inst.is_absent(r.id, d):
                    continue
                acts = v.activities.setdefault((r.id, d), [])
                acts.append(Activity(v.school[(r.class_id, d)], dom.school_window(r.class_id, d), "school"))
    return v

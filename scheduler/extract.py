"""Read a CP-SAT solution into a solver-free :class:`models.Plan`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from models import Activity, Assignment, ClassDay, Plan
from models.kpis import kpis_of

if TYPE_CHECKING:
    from scheduler.solve import Built

__all__ = ["extract_plan", "kpis_of"]


def extract_plan(solver: cp_model.CpSolver, built: Built) -> Plan:
    v = built.vars
    inst, dom = v.inst, v.dom
    val = solver.BooleanValue
    plan = Plan()
    sup_of: dict[tuple[str, str], str] = {}
    for (r, p, s), lit in sorted(v.assign.items()):
        if val(lit):
            sup_of[(r, p)] = s
            ward = inst.ward[inst.supervisor[s].ward_id]
            plan.assignments.append(Assignment(r, p, s, ward.id, ward.site_id, inst.travel_minutes(r, ward.site_id)))

    teach = built.extras["teach"]
    joint = built.extras["joint"]
    teacher_of: dict = {}
    for (group, d, t), lit in teach.items():
        if val(lit):
            for c in (group if isinstance(group, tuple) else (group,)):
                teacher_of[(c, d)] = t
    partner: dict = {}
    for ((c1, c2), d), lit in joint.items():
        if val(lit):
            partner[(c1, d)] = c2
            partner[(c2, d)] = c1
    school_days = sorted(key for key, lit in v.school.items() if val(lit))
    for c, d in school_days:
        plan.class_days.append(ClassDay(c, d, teacher_of.get((c, d), ""), partner.get((c, d), "")))

    school_set = set(school_days)
    for r in inst.recruits:
        for p in dom.phases:
            for d in dom.open_school_days(r.class_id, p):
                if (r.class_id, d) in school_set and not inst.is_absent(r.id, d):
                    w = dom.school_window(r.class_id, d)
                    plan.activities.append(Activity(
                        r.id, d, "school", p.id, r.class_id, start=w.start, end=w.end,
                    ))
    for (r, d), lit in sorted(v.prac.items()):
        if not val(lit):
            continue
        p = v.phase_of_day[(r, d)]
        s = sup_of[(r, p.id)]
        ward = inst.ward[inst.supervisor[s].ward_id]
        code, with_sup = "D", False
        for act in v.activities[(r, d)]:
            if act.kind == "with" and val(act.literal):
                code, with_sup = act.code, True
        w = dom.shift_window(code, d)
        plan.activities.append(Activity(
            r, d, "practice", p.id, inst.recruit[r].class_id, ward.site_id, ward.id, s, code,
            w.start, w.end, with_sup,
        ))
    return plan.sorted()

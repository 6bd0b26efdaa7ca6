"""R7: every school day has a teacher; teachers teach one group a day, within their limits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from models import ClassDay, iso_week
from scheduler.variables import Vars


def add_teachers(v: Vars, joint: dict) -> dict:
    """Every class school day has a teacher of its school who teaches that weekday and is not
    absent; a joint day has one teacher for both classes; no teacher teaches two groups on a
    date or more than ``max_days_per_week`` dates in an ISO week (SPEC R7, D13).

    Returns ``teach[(group, d, t)]`` where ``group`` is a class id or a partner pair.
    """
    m, inst = v.model, v.inst
    teach: dict = {}
    pair_of: dict[str, tuple[str, str]] = {}
    for (pair, _d) in joint:
        pair_of[pair[0]] = pair
        pair_of[pair[1]] = pair
    dates = sorted({d for (_c, d) in v.school})
    per_teacher_day: dict = defaultdict(list)
    for d in dates:
        for c in inst.classes:
            if (c.id, d) not in v.school:
                continue
            eligible = _eligible(v, c.school_id, d)
            solo = []
            for t in eligible:
                lit = v.bool(f"teach[{c.id},{d},{t}]")
                teach[(c.id, d, t)] = lit
                solo.append(lit)
                per_teacher_day[(t, d)].append(lit)
            pair = pair_of.get(c.id)
            j = joint.get((pair, d)) if pair else None
            m.Add(v.school[(c.id, d)] == sum(solo) + (j if j is not None else 0))
        for pair in sorted(set(pair_of.values())):
            j = joint.get((pair, d))
            if j is None:
                continue
            school_id = inst.klass[pair[0]].school_id
            lits = []
            for t in _eligible(v, school_id, d):
                lit = v.bool(f"teach[{pair[0]}+{pair[1]},{d},{t}]")
                teach[(pair, d, t)] = lit
                lits.append(lit)
                per_teacher_day[(t, d)].append(lit)
            m.Add(j == sum(lits))
    per_week: dict = defaultdict(list)
    for (t, d), lits in sorted(per_teacher_day.items()):
        day = v.bool(f"teaches[{t},{d}]")
        m.Add(day == sum(lits))  # at most one group a date
        per_week[(t, iso_week(d))].append(day)
    for (t, _w), days in sorted(per_week.items()):
        limit = inst.teacher[t].max_days_per_week
        if len(days) > limit:
            m.Add(sum(days) <= limit)
    return teach


def taught_as(extras: dict) -> Callable[[ClassDay], cp_model.IntVar | None]:
    """For a built model's teacher variables (``extras`` of :func:`scheduler.constraints.add_all`):
    the literal "the class has school that day taught as plan row ``day`` says", its
    teacher alone or, on a joint day, with the partner class; None when the model has no
    such choice."""
    teach = extras["teach"]
    pair_of = {(c, d): pair for (pair, d) in extras["joint"] for c in pair}

    def literal(day: ClassDay) -> cp_model.IntVar | None:
        group = pair_of.get((day.class_id, day.date)) if day.joint_with else day.class_id
        return None if group is None else teach.get((group, day.date, day.teacher_id))

    return literal


def _eligible(v: Vars, school_id: str, d) -> list[str]:
    return [
        t.id for t in v.inst.teachers
        if t.school_id == school_id and d.weekday() in t.weekdays and not v.inst.is_absent(t.id, d)
    ]

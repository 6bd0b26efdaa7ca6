"""R3 and R11: when a class may be in school and how many school days it gets.

R3 (school only on open weekdays of alternation phases) is kept by construction:
``school[c,d]`` exists only for open school days (``Domains.open_school_days``); a class
is in school as a whole because the variable is per class, and every present recruit of
the class gets the school day as his activity.
"""

from __future__ import annotations

from scheduler.variables import Vars


def add_min_school_days(v: Vars) -> None:
    """Each class meets ``min_school_days`` in each alternation phase (SPEC R11)."""
    for c in v.inst.classes:
        for p in v.dom.phases:
            if p.kind != "alternation" or p.min_school_days <= 0:
                continue
            days = v.dom.open_school_days(c.id, p)
            v.model.Add(sum(v.school[(c.id, d)] for d in days) >= p.min_school_days)

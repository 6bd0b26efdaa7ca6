"""R1 and the per-supervisor half of R2: who follows whom in each phase."""

from __future__ import annotations

from collections import defaultdict

from scheduler.variables import Vars


def add_one_supervisor_per_phase(v: Vars) -> None:
    """Each recruit has exactly one supervisor per phase, within his travel limit (SPEC R1).

    The travel limit is kept by construction: ``assign`` exists only for supervisors
    whose site is within the limit (``Domains.candidate_supervisors``).
    """
    for r in v.inst.recruits:
        for p in v.dom.phases:
            v.model.AddExactlyOne(v.assign[(r.id, p.id, s)] for s in v.candidates[(r.id, p.id)])


def add_supervisor_max_recruits(v: Vars) -> None:
    """A supervisor has at most ``max_recruits`` recruits per phase (SPEC R2)."""
    by_sup: dict[tuple[str, str], list] = defaultdict(list)
    for (_r, p, s), lit in v.assign.items():
        by_sup[(p, s)].append(lit)
    for (_p, s), lits in sorted(by_sup.items()):
        cap = v.inst.supervisor[s].max_recruits
        if len(lits) > cap:
            v.model.Add(sum(lits) <= cap)

"""The per-ward half of R2: recruits in practice on a ward on one date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from scheduler.variables import Vars


def add_ward_capacity(v: Vars) -> None:
    """A ward never has more than ``capacity`` recruits in practice on one date (SPEC R2).

    Only wards where the limit can bind get constraints: a ward whose supervisors can
    take no more recruits in a phase than its capacity never overflows. Where it can, an
    auxiliary ``on_ward[r,k,d] >= prac[r,d] + at_ward[r,p,k] - 1`` counts the recruit.
    """
    inst, m = v.inst, v.model
    for p in v.dom.phases:
        for ward in inst.wards:
            sups = {s.id for s in inst.supervisors_of(ward.id)}
            places = sum(inst.supervisor[s].max_recruits for s in sups)
            at_ward = {}
            for r in inst.recruits:
                lits = [v.assign[(r.id, p.id, s)] for s in v.candidates[(r.id, p.id)] if s in sups]
                if lits:
                    at_ward[r.id] = lits
            if min(places, len(at_ward)) <= ward.capacity:
                continue
            per_day: dict[date, list] = defaultdict(list)
            for r_id, lits in sorted(at_ward.items()):
                for d in v.dom.practice_days(r_id, p):
                    per_day[d].append((r_id, lits))
            for d, entries in sorted(per_day.items()):
                if len(entries) <= ward.capacity:
                    continue
                terms = []
                for r_id, lits in entries:
                    z = v.bool(f"on_ward[{r_id},{ward.id},{d}]")
                    m.Add(z >= v.prac[(r_id, d)] + sum(lits) - 1)
                    terms.append(z)
                m.Add(sum(terms) <= ward.capacity)

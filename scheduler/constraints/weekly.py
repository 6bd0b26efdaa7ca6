"""R4 and R6: the weekly alternation model (3 school days + 2 consecutive practice days)."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from scheduler.constraints.practice import week_minutes_expr
from scheduler.variables import Vars


def weekly_classes(v: Vars, phase) -> list[str]:
    return [c.id for c in v.inst.classes if v.inst.model_of(c.id, phase) == "weekly"]


def add_weekly_pattern(v: Vars) -> None:
    """Weekly model: per full week exactly ``school_days_per_week`` school days for the class
    and exactly ``practice_days_per_week`` consecutive practice days for each recruit present
    all week; in other weeks at most, consecutive where two or more (SPEC R4, D2, D11).
    """
    m, inst, dom = v.model, v.inst, v.dom
    for p in dom.phases:
        for c in weekly_classes(v, p):
            recruits = inst.recruits_of(c)
            for week in dom.weeks(p):
                days = dom.week_days(p, week)
                full = dom.is_full_week(c, p, week)
                school = [v.school[(c, d)] for d in days if (c, d) in v.school]
                if full:
                    m.Add(sum(school) == p.school_days_per_week)
                elif school:
                    m.Add(sum(school) <= p.school_days_per_week)
                for r in recruits:
                    pracs = {d: v.prac[(r.id, d)] for d in days if (r.id, d) in v.prac}
                    present = not any(inst.is_absent(r.id, d) for d in days)
                    total = sum(pracs.values())
                    if full and present:
                        m.Add(total == p.practice_days_per_week)
                    else:
                        m.Add(total <= p.practice_days_per_week)
                    _add_consecutive(v, days, pracs)
                    if p.max_hours_per_week is not None and pracs:
                        m.Add(week_minutes_expr(v, r.id, days) <= round(p.max_hours_per_week * 60))


def _add_consecutive(v: Vars, days, pracs) -> None:
    """Practice days of a week form one run of consecutive dates (no gap day)."""
    for d1, d3 in combinations(days, 2):
        if (d3 - d1).days < 2 or d1 not in pracs or d3 not in pracs:
            continue
        for gap in range(1, (d3 - d1).days):
            d2 = d1 + timedelta(days=gap)
            mid = pracs.get(d2)
            if mid is None:
                v.model.AddBoolOr([pracs[d1].Not(), pracs[d3].Not()])
                break
            v.model.Add(pracs[d1] + pracs[d3] - mid <= 1)


SHARED_WEEK_DAYS = 3
"""SPEC R6: partner classes share exactly one school day in each week where both have
school on three days (whatever ``school_days_per_week`` is)."""


def partner_pairs(v: Vars) -> list[tuple[str, str]]:
    pairs = set()
    for c in v.inst.classes:
        if c.shared_day_with:
            pairs.add(tuple(sorted((c.id, c.shared_day_with))))
    return sorted(pairs)


def add_shared_day(v: Vars) -> dict:
    """Partner classes share exactly one school day in each week where both have three
    school days, and every date both are in school is taught together (SPEC R6, D12).
    Returns ``joint[(c1,c2),d]``."""
    m, dom = v.model, v.dom
    joint: dict = {}
    for c1, c2 in partner_pairs(v):
        for p in dom.phases:
            if p.kind != "alternation":
                continue
            both_weekly = v.inst.model_of(c1, p) == "weekly" and v.inst.model_of(c2, p) == "weekly"
            for week in dom.weeks(p):
                days = [d for d in dom.week_days(p, week) if (c1, d) in v.school and (c2, d) in v.school]
                lits = []
                for d in days:
                    j = v.bool(f"joint[{c1},{c2},{d}]")
                    a, b = v.school[(c1, d)], v.school[(c2, d)]
                    m.AddBoolOr([a.Not(), b.Not(), j])
                    m.AddImplication(j, a)
                    m.AddImplication(j, b)
                    joint[((c1, c2), d)] = j
                    lits.append(j)
                if not both_weekly or not lits:
                    continue
                n1 = sum(v.school[(c1, d)] for d in dom.week_days(p, week) if (c1, d) in v.school)
                n2 = sum(v.school[(c2, d)] for d in dom.week_days(p, week) if (c2, d) in v.school)
                if p.school_days_per_week < SHARED_WEEK_DAYS:
                    continue
                # SPEC R6 / D12: in a week where both have three school days, exactly one is shared
                three = [v.bool(f"three_days[{c},{p.id},{week[0]}-W{week[1]:02d}]") for c in (c1, c2)]
                for flag, n in zip(three, (n1, n2), strict=True):
                    m.Add(n == SHARED_WEEK_DAYS).OnlyEnforceIf(flag)
                    m.Add(n != SHARED_WEEK_DAYS).OnlyEnforceIf(flag.Not())
                m.Add(sum(lits) == 1).OnlyEnforceIf(three)
    return joint

"""R5 and the block form of R10: whole school weeks and practice weeks in blocks."""

from __future__ import annotations

from scheduler.constraints.practice import full_practice_week, week_minutes_expr
from scheduler.variables import Vars


def block_classes(v: Vars, phase) -> list[str]:
    return [c.id for c in v.inst.classes if v.inst.model_of(c.id, phase) == "block"]


def segments(v: Vars, class_id: str, phase) -> list[list[tuple[int, int]]]:
    """Runs of consecutive weeks with an open school day; a closed week cuts a run (D14)."""
    out: list[list[tuple[int, int]]] = [[]]
    for week in v.dom.weeks(phase):
        open_days = [d for d in v.dom.week_days(phase, week) if (class_id, d) in v.school]
        if open_days:
            out[-1].append(week)
        elif out[-1]:
            out.append([])
    return [s for s in out if s]


def week_school(v: Vars, class_id: str, phase, week: tuple[int, int]):
    """``week_school[c,p,w]`` (true: a school week), created on first use, so each rule that
    uses it may be added without the others (the infeasibility explanation drops rules)."""
    key = (class_id, phase.id, week)
    if key not in v.week_school:
        v.week_school[key] = v.bool(f"week_school[{class_id},{phase.id},{week[0]}-W{week[1]:02d}]")
    return v.week_school[key]


def add_block_weeks(v: Vars) -> None:
    """Block model: each week with an open school day is a school week (school on every open
    day, no practice) or a practice week (no school); weeks without an open school day are
    neither (SPEC R5, D14). Creates ``week_school[c,p,w]``."""
    m, dom = v.model, v.dom
    for p in dom.phases:
        for c in block_classes(v, p):
            recruits = v.inst.recruits_of(c)
            for week in dom.weeks(p):
                days = dom.week_days(p, week)
                open_days = [d for d in days if (c, d) in v.school]
                if not open_days:
                    for r in recruits:
                        for d in days:
                            if (r.id, d) in v.prac:
                                m.Add(v.prac[(r.id, d)] == 0)
                    continue
                ws = week_school(v, c, p, week)
                for d in open_days:
                    m.Add(v.school[(c, d)] == ws)
                for r in recruits:
                    for d in days:
                        if (r.id, d) in v.prac:
                            m.AddImplication(ws, v.prac[(r.id, d)].Not())


def add_block_lengths(v: Vars) -> None:
    """School and practice blocks last within ``school_block_weeks`` / ``practice_block_weeks``
    except where the phase edge or a closed week cuts them (SPEC R5)."""
    for p in v.dom.phases:
        for c in block_classes(v, p):
            for seg in segments(v, c, p):
                xs = [week_school(v, c, p, w) for w in seg]
                _run_bounds(v, xs, *p.school_block_weeks)
                _run_bounds(v, [x.Not() for x in xs], *p.practice_block_weeks)


def _run_bounds(v: Vars, xs: list, lo: int, hi: int) -> None:
    m, n = v.model, len(xs)
    for i in range(n - hi):  # no hi + 1 true in a row
        m.AddBoolOr([x.Not() for x in xs[i : i + hi + 1]])
    for i in range(1, n):  # a run starting at i (not at the segment start) lasts lo weeks
        for j in range(i + 1, min(i + lo, n)):
            m.AddBoolOr([xs[i - 1], xs[i].Not(), xs[j]])


def add_block_practice_weeks(v: Vars) -> None:
    """Practice weeks of the block model: at least ``min_shifts_per_practice_week`` shifts when
    the recruit is there all week, at most ``max_hours_per_week`` (SPEC R10)."""
    m, dom = v.model, v.dom
    for p in dom.phases:
        for c in block_classes(v, p):
            for r in v.inst.recruits_of(c):
                window = dom.recruit_phase_days(r.id, p)
                for week in dom.weeks(p):
                    days = dom.week_days(p, week)
                    ws = v.week_school.get((c, p.id, week))
                    pracs = [v.prac[(r.id, d)] for d in days if (r.id, d) in v.prac]
                    if p.max_hours_per_week is not None and pracs:
                        m.Add(week_minutes_expr(v, r.id, days) <= round(p.max_hours_per_week * 60))
                    if ws is None or p.min_shifts_per_practice_week <= 0:
                        continue
                    if full_practice_week(v, r.id, window, days):
                        m.Add(sum(pracs) >= p.min_shifts_per_practice_week).OnlyEnforceIf(ws.Not())


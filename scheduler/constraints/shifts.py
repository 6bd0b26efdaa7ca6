"""R8: a practice day is worked with the own supervisor on his shift, or on D without him."""

from __future__ import annotations

from datetime import timedelta

from models import iso_week
from scheduler.constraints.rest import REST_LOOKAHEAD_DAYS
from scheduler.domains import Window
from scheduler.variables import Vars


def add_shift_with_supervisor(v: Vars) -> None:
    """A shift with supervisor is his own roster shift that date, and he is present (SPEC R8).

    ``work[r,d,x]`` can be 1 only if the supervisor assigned to r in that phase works
    shift x on d (``sups_on`` lists exactly those candidates, absences removed).
    """
    for (r, d, code), lit in sorted(v.work.items()):
        v.model.Add(lit <= v.sup_works_expr(r, d, code))


def _conflicting(v: Vars, r: str, window: Window, d) -> list:
    """Literals of the recruit's other possible activities that would break rest with ``window``."""
    out = []
    for gap in range(-REST_LOOKAHEAD_DAYS, REST_LOOKAHEAD_DAYS + 1):
        if gap == 0:
            continue
        for a in v.activities.get((r, d + timedelta(days=gap)), []):
            first, second = (a.window, window) if gap < 0 else (window, a.window)
            if not v.dom.rest_ok(first, second):
                out.append(a.literal)
    return out


def add_without_supervisor_only_when_needed(v: Vars) -> None:
    """D without supervisor only when his own shift is impossible that day (SPEC R8, D9).

    For each day a recruit could work D without his supervisor and each shift x the
    supervisor might work that day: if the recruit works D without him and the supervisor
    does work x, then x must conflict with the recruit's other activities under R9 or push
    the week over ``max_hours_per_week`` (R10). Off, absent and disallowed night shifts
    need no clause: no ``work`` variable exists for them.
    """
    m = v.model
    for (r, d), without in sorted(v.without.items()):
        p = v.phase_of_day[(r, d)]
        for code in _codes(v, r, d):
            sup_works = v.sup_works_expr(r, d, code)
            window = v.dom.shift_window(code, d)
            conflicts = _conflicting(v, r, window, d)
            extra = window.minutes - v.dom.day_shift_window(d).minutes
            reasons = list(conflicts)
            if extra > 0 and p.max_hours_per_week is not None and _hours_capped(v, r, d):
                over = v.bool(f"over_hours_if[{r},{d},{code}]")
                week = _week_minutes(v, r, d)
                m.Add(week + extra >= round(p.max_hours_per_week * 60) + 1).OnlyEnforceIf(over)
                reasons.append(over)
            m.Add(without + sup_works - sum(reasons) <= 1)


def _codes(v: Vars, r: str, d) -> list[str]:
    return sorted(code for code in v.inst.shift if (r, d, code) in v.work)


def _hours_capped(v: Vars, r: str, d) -> bool:
    return v.phase_of_day[(r, d)].max_hours_per_week is not None


def _week_minutes(v: Vars, r: str, d):
    """Minutes the recruit works in the ISO week of ``d`` within the same phase."""
    p = v.phase_of_day[(r, d)]
    week = iso_week(d)
    terms = []
    for day in v.dom.week_days(p, week):
        for a in v.activities.get((r, day), []):
            if a.kind != "school":
                terms.append(a.window.minutes * a.literal)
    return sum(terms)


week_minutes = _week_minutes

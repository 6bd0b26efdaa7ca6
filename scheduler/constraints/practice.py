"""R10: shifts and hours in practice phases (the recruit period, summer jobs)."""

from __future__ import annotations

from datetime import date, timedelta

from models import iso_week
from scheduler.variables import Vars


def full_practice_week(v: Vars, r: str, days_in_window: list[date], week_days: list[date]) -> bool:
    """D10: all seven days of the ISO week inside the recruit's window and none absent."""
    window = set(days_in_window)
    return len(week_days) == 7 and all(d in window and not v.inst.is_absent(r, d) for d in week_days)


def iso_weeks_of(days: list[date]) -> dict[tuple[int, int], list[date]]:
    out: dict[tuple[int, int], list[date]] = {}
    for d in days:
        out.setdefault(iso_week(d), []).append(d)
    return out


def week_minutes_expr(v: Vars, r: str, days: list[date]):
    return sum(
        a.window.minutes * a.literal
        for d in days
        for a in v.activities.get((r, d), [])
        if a.kind != "school"
    )


def add_practice_phase_shifts(v: Vars) -> None:
    """Practice phases: at least ``min_shifts_per_week`` shifts in every full week and at
    most ``max_hours_per_week`` in any week (SPEC R10; nights excluded by construction)."""
    m = v.model
    for r in v.inst.recruits:
        for p in v.dom.phases:
            if p.kind != "practice":
                continue
            window = v.dom.recruit_phase_days(r.id, p)
            for _week, days in sorted(iso_weeks_of(window).items()):
                pracs = [v.prac[(r.id, d)] for d in days if (r.id, d) in v.prac]
                if p.max_hours_per_week is not None:
                    m.Add(week_minutes_expr(v, r.id, days) <= round(p.max_hours_per_week * 60))
                full = full_practice_week(v, r.id, window, _all_week_days(days))
                if full and p.min_shifts_per_week > 0:
                    m.Add(sum(pracs) >= p.min_shifts_per_week)


def _all_week_days(days: list[date]) -> list[date]:
    monday = days[0] - timedelta(days=days[0].weekday())
    return [monday + timedelta(days=i) for i in range(7)]

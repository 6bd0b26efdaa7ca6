"""Key figures of a plan (SPEC §4 ``kpis``), computed from the plan alone."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import groupby
from statistics import mean
from typing import Any

from models.domain import Instance, iso_week, week_label
from models.plan import Plan
from models.score import block_week_kinds

WEEKLY_REST_HOURS = 35
"""The Working Environment Act's weekly rest (DOMAIN.md): 35 hours off in seven days. Not a
rule of SPEC.md, so plans are not made to keep it; :func:`short_weekly_rests` reports the
weeks that miss it (D20)."""


def _spread(values: list[int]) -> dict[str, float]:
    if not values:
        return {"min": 0, "max": 0, "mean": 0.0}
    return {"min": min(values), "max": max(values), "mean": round(mean(values), 2)}


NO_PLAN_KPIS: dict[str, Any] = {
    "practice_days": None,
    "practice_days_without_supervisor": None,
    "mean_travel_minutes": None,
    "max_travel_minutes": None,
    "weekend_shifts_per_recruit": {"max": None, "min": None},
}
"""The ``kpis`` of a plan.json without a plan (INFEASIBLE, UNKNOWN): the keys SPEC §4 asks
for, each null, so a reader finds them all and none of them claims a figure."""


def kpis_of(instance: Instance, plan: Plan) -> dict[str, Any]:
    """Practice days with and without supervisor, travel, and per-recruit shift counts.

    Weekend shift: starts on a saturday or sunday. Evening shift: see
    ``Shift.is_evening`` (evening and night shifts). Holiday shift: a shift on a public
    holiday of the instance's country.
    """
    practice = [a for a in plan.activities if a.activity == "practice"]
    without = [a for a in practice if a.with_supervisor is False]
    travel = [a.travel_minutes for a in plan.assignments]
    per = recruit_counts(instance, plan)
    school = Counter((a.class_id, a.phase_id) for a in plan.activities if a.activity == "school")
    class_days = Counter(c.class_id for c in plan.class_days)
    return {
        "practice_days": len(practice),
        "practice_days_without_supervisor": len(without),
        "share_without_supervisor": round(len(without) / len(practice), 4) if practice else 0.0,
        "mean_travel_minutes": round(mean(travel), 2) if travel else 0.0,
        "max_travel_minutes": max(travel) if travel else 0,
        "travel_estimated": _travel_estimated(instance, plan),
        "weekend_shifts_per_recruit": _spread([per[r]["weekend_shifts"] for r in per]),
        "evening_shifts_per_recruit": _spread([per[r]["evening_shifts"] + per[r]["night_shifts"] for r in per]),
        "holiday_shifts_per_recruit": _spread([per[r]["holiday_shifts"] for r in per]),
        "school_days_per_class": dict(sorted(class_days.items())),
        "blocks": block_runs(instance, plan),
        "recruit_school_days": len([1 for _ in school.elements()]),
        "recruits": per,
        "weekly_rest": short_weekly_rests(instance, plan),
    }


def block_runs(instance: Instance, plan: Plan) -> dict[str, dict[str, str]]:
    """``kpis.blocks``: per block-model class and alternation phase, its blocks in order, e.g.
    ``"S3 P2 S2 | S3 P2 S3 P2"``: ``S``/``P`` and the weeks of a school or practice block,
    ``|`` for weeks without an open school day (holidays), which cut blocks (R5, D14);
    several such weeks in a row are one ``|``."""
    school = {(c.class_id, c.date) for c in plan.class_days}
    out: dict[str, dict[str, str]] = {}
    for p in sorted(instance.phases, key=lambda p: p.start):
        if p.kind != "alternation":
            continue
        for c in instance.classes:
            if instance.model_of(c.id, p) != "block":
                continue
            kinds = block_week_kinds(instance, p, c.id, school)
            out.setdefault(c.id, {})[p.id] = " ".join(
                "|" if k == "|" else f"{k}{len(list(run))}" for k, run in groupby(kinds))
    return out


RECRUIT_COUNTS = ("practice_days", "without_supervisor", "weekend_shifts", "evening_shifts", "night_shifts",
                  "holiday_shifts")
"""The per-recruit counts of ``kpis.recruits`` (see :func:`kpis_of`)."""


def recruit_counts(instance: Instance, plan: Plan) -> dict[str, dict[str, int]]:
    """``kpis.recruits``: per recruit (every one, also without practice), by id, his
    :data:`RECRUIT_COUNTS` (a recruit's calendar description tells them too)."""
    per: dict[str, Counter] = {r.id: Counter() for r in instance.recruits}
    for a in plan.activities:
        if a.activity != "practice":
            continue
        c = per.setdefault(a.recruit_id, Counter())
        c["practice_days"] += 1
        c["without_supervisor"] += a.with_supervisor is False
        c["weekend_shifts"] += a.date.weekday() >= 5
        shift = instance.shift.get(a.shift_code)
        c["evening_shifts"] += bool(shift and shift.is_evening and not shift.is_night)
        c["night_shifts"] += bool(shift and shift.is_night)
        c["holiday_shifts"] += a.date in instance.holidays
    return {r: {k: per[r][k] for k in RECRUIT_COUNTS} for r in sorted(per)}


def short_weekly_rests(instance: Instance, plan: Plan, hours: float = WEEKLY_REST_HOURS) -> dict[str, Any]:
    """The recruit-weeks without ``hours`` hours of rest in one piece (D20).

    A recruit's rests are the times between the end of one activity (school day or shift) and
    the start of his next, in real hours (D6); before his first and after his last activity
    the rest has no end. Each ISO week (monday 00:00 to monday 00:00, local) in which he has
    an activity needs a rest of at least ``hours`` of its own: one of which at least ``hours``
    lie inside the week, or whose largest part lies in it. A weekend off from saturday 15:00
    to monday 07:30 (40.5 h) serves the week of the saturday, not the next one too, so
    thirteen working days in a row between two such weekends leave a week short.

    Returns ``{"hours": hours, "recruit_weeks": n, "weeks": [{"recruit_id", "week",
    "longest_rest_hours"}, ...]}``: the longest rest inside the week (the part of a rest that
    lies in it), rounded down to a tenth of an hour.
    """
    spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for a in plan.activities:
        if a.start is not None and a.end is not None:
            spans[a.recruit_id].append((a.start, a.end))
    weeks: list[dict[str, Any]] = []
    for recruit_id in sorted(spans):
        acts = sorted(spans[recruit_id])
        worked = sorted({iso_week(s.date()) for s, _ in acts})
        served: set[tuple[int, int]] = set()
        inside: dict[tuple[int, int], float] = defaultdict(float)  # longest part of a rest in the week
        # rest k runs from one activity's end to the next one's start; before the first and
        # after the last it has no end (it serves the weeks it touches)
        served.add(iso_week(acts[0][0].date()))
        end = acts[0][1]
        for start, stop in acts[1:]:
            if start > end:
                parts = _parts_by_week(instance, end, start)
                for week, part in parts.items():
                    inside[week] = max(inside[week], part)
                if sum(parts.values()) >= hours:
                    served.add(max(parts, key=lambda w: (parts[w], w)))
                    served.update(w for w, part in parts.items() if part >= hours)
            end = max(end, stop)
        served.add(iso_week(end.date()))  # the end of his last activity
        for week in worked:
            if week not in served:
                weeks.append({"recruit_id": recruit_id, "week": week_label(week),
                              "longest_rest_hours": math.floor(inside[week] * 10) / 10})
    return {"hours": hours, "recruit_weeks": len(weeks), "weeks": weeks}


def _parts_by_week(instance: Instance, start: datetime, end: datetime) -> dict[tuple[int, int], float]:
    """The real hours of the rest from ``start`` to ``end`` (local times) in each ISO week."""
    out: dict[tuple[int, int], float] = {}
    at = start
    while at < end:
        week = iso_week(at.date())
        monday = datetime.combine(at.date() - timedelta(days=at.weekday()), datetime.min.time())
        stop = min(end, monday + timedelta(days=7))
        out[week] = instance.elapsed_minutes(at, stop) / 60
        at = stop
    return out


def _travel_estimated(instance: Instance, plan: Plan) -> dict[str, Any]:
    """How many placements' travel times come from coordinates (no ``travel.csv`` row for
    the pair), and how they are estimated (SPEC §1: the planner says how)."""
    from models.domain import ROAD_FACTOR, ROAD_SPEED_KMH, TRAVEL_OVERHEAD_MINUTES

    n = sum(instance.travel_is_estimated(a.recruit_id, a.site_id) for a in plan.assignments)
    return {
        "placements": n,
        "of": len(plan.assignments),
        "method": (f"great-circle distance from the recruit's home (recruits.csv lat, lon) to the site "
                   f"(sites.csv lat, lon) x {ROAD_FACTOR:g} for roads, at {ROAD_SPEED_KMH:g} km/h, plus "
                   f"{TRAVEL_OVERHEAD_MINUTES:g} minutes, rounded up; travel.csv rows are taken as they are"),
    }

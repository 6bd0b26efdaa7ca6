"""Hand-made micro-instances for the rule-by-rule solver tests.

:func:`micro` writes ``instance.toml`` and the CSV tables of SPEC.md §1 into a folder
(usually pytest's ``tmp_path``) and reads it back with :func:`models.read`, so every test
goes through the real loader. Each table has a sensible default, and every row is
completed with defaults, so a test states only what matters to its rule::

    inst = micro(tmp_path, phases=[weekly_phase("2026-08-17", "2026-08-21")],
                 recruits=[recruit("R1", unavailable_weekdays="thu"), "R2"])

The defaults make a plan that costs nothing: one school ``SK1`` with class ``K1`` and
teacher ``T1`` (mon-fri, 5 days a week); recruits ``R1`` and ``R2`` in ``K1``; one site
``S1`` with ward ``W1`` (capacity 3, first placement ok, somatic); supervisors ``V1`` and
``V2`` on ``W1``, trained, one recruit each, on roster ``RD`` (``D`` monday to friday,
``roster_start`` 2026-01-05); travel 0 minutes from every recruit to every site; shifts
``D`` 07:30-15:00 (7.5 h), ``A`` 14:30-22:00 (evening), ``N`` 21:45-07:45 (night),
``L`` 08:00-20:15 (12.25 h); the rules of SPEC's example (11 h rest, school day
08:30-15:00, no weekend practice, no practice in school holidays); default weights.

:func:`solve_and_check` solves with one worker, a fixed seed and a 10 s limit, asserts
the status and, for a plan, that the independent validator finds no violation.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import models
from models import Instance, Result, Status, iso_week
from scheduler.solve import SolveOptions, solve
from scheduler.validate import validate_plan

D = date.fromisoformat
"""``D("2026-08-17")`` -> ``date(2026, 8, 17)``."""

OPTIONS = SolveOptions(time_limit=10, workers=1, seed=0)
"""Every micro-instance is solved with these options (one worker, fixed seed)."""

Row = Mapping[str, Any]

# ---- rows with defaults --------------------------------------------------------------------
SHIFTS: list[dict[str, str]] = [
    {"code": "D", "name": "Dagvakt", "start": "07:30", "end": "15:00"},
    {"code": "A", "name": "Kveldsvakt", "start": "14:30", "end": "22:00"},
    {"code": "N", "name": "Nattevakt", "start": "21:45", "end": "07:45"},
    {"code": "L", "name": "Langvakt", "start": "08:00", "end": "20:15"},
]

ROSTER_START = "2026-01-05"
"""The Monday of ISO week 2 of 2026: week 1 of a two-week roster falls on the even ISO weeks
of 2026 (then 2026-W53 is week 2 and 2027-W01 week 1 again)."""


def recruit(id: str, **cols: Any) -> dict[str, Any]:
    """A recruits.csv row: class K1, home beside site S1."""
    return {"id": id, "name": f"Rekrutt {id}", "class_id": "K1", "lat": 63.43, "lon": 10.40, **cols}


def site(id: str, **cols: Any) -> dict[str, Any]:
    return {"id": id, "name": f"Sykehjem {id}", "municipality": "Trondheim", "lat": 63.43, "lon": 10.40,
            "address": f"Gate {id}", **cols}


def ward(id: str, site_id: str = "S1", **cols: Any) -> dict[str, Any]:
    return {"id": id, "site_id": site_id, "name": f"Avdeling {id}", "ward_type": "somatic", "capacity": 3,
            "first_placement_ok": "true", **cols}


def supervisor(id: str, ward_id: str = "W1", roster_id: str = "RD", **cols: Any) -> dict[str, Any]:
    return {"id": id, "name": f"Veileder {id}", "ward_id": ward_id, "roster_id": roster_id,
            "roster_start": ROSTER_START, "position_pct": 100, "qualified": "true", "max_recruits": 1, **cols}


def klass(id: str, school_id: str = "SK1", **cols: Any) -> dict[str, Any]:
    return {"id": id, "school_id": school_id, "name": f"Klasse {id}", **cols}


def teacher(id: str, weekdays: str = "mon;tue;wed;thu;fri", max_days_per_week: int = 5,
            school_id: str = "SK1", **cols: Any) -> dict[str, Any]:
    return {"id": id, "school_id": school_id, "name": f"Lærer {id}", "weekdays": weekdays,
            "max_days_per_week": max_days_per_week, **cols}


def school(id: str = "SK1", **cols: Any) -> dict[str, Any]:
    return {"id": id, "name": f"Skole {id}", "lat": 63.43, "lon": 10.39, "address": f"Skolegata {id}", **cols}


def absence(person_id: str, start: str, end: str | None = None, reason: str = "") -> dict[str, Any]:
    return {"person_id": person_id, "start": start, "end": end or start, "reason": reason}


def closure(start: str, end: str | None = None, reason: str = "stengt", school_id: str = "") -> dict[str, Any]:
    return {"start": start, "end": end or start, "reason": reason, "school_id": school_id}


# ---- phases ---------------------------------------------------------------------------------
def practice_phase(start: str, end: str, id: str = "rp", **keys: Any) -> dict[str, Any]:
    """A practice phase (recruit period): 3 shifts a full week, 37.5 h a week, no nights."""
    return {"id": id, "kind": "practice", "start": D(start), "end": D(end), "min_shifts_per_week": 3,
            "max_hours_per_week": 37.5, "allow_night": False, **keys}


def weekly_phase(start: str, end: str, id: str = "vg1", **keys: Any) -> dict[str, Any]:
    """A weekly alternation phase: 3 school days + 2 practice days a week, no school-day floor."""
    return {"id": id, "kind": "alternation", "start": D(start), "end": D(end), "model": "weekly",
            "school_days_per_week": 3, "practice_days_per_week": 2, "min_school_days": 0, **keys}


def block_phase(start: str, end: str, id: str = "vg2", **keys: Any) -> dict[str, Any]:
    """A block alternation phase: blocks of 1-5 weeks, 3 shifts a practice week, 37.5 h."""
    return {"id": id, "kind": "alternation", "start": D(start), "end": D(end), "model": "block",
            "school_block_weeks": [1, 5], "practice_block_weeks": [1, 5], "min_school_days": 0,
            "min_shifts_per_practice_week": 3, "max_hours_per_week": 37.5, **keys}


# ---- writing --------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} to TOML")


def _toml(rules: Mapping[str, Any], phases: Iterable[Mapping[str, Any]], weights: Mapping[str, float],
          country: str) -> str:
    lines = ["[instance]", 'name = "micro"', 'timezone = "Europe/Oslo"', f"country = {_toml_value(country)}",
             "", "[rules]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in rules.items()]
    for p in phases:
        lines += ["", "[[phases]]"] + [f"{k} = {_toml_value(v)}" for k, v in p.items()]
    lines += ["", "[weights]"] + [f"{k} = {_toml_value(v)}" for k, v in weights.items()]
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, rows: list[Row], columns: list[str] | None = None) -> None:
    if columns is None:
        columns = []
        for row in rows:
            columns += [c for c in row if c not in columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])


def _rows(items: Iterable[Row | str] | None, default: list[Row], make) -> list[Row]:
    """Rows from dicts or bare ids, each completed by ``make`` (the row helper)."""
    out = []
    for item in default if items is None else items:
        if isinstance(item, str):
            out.append(make(item))
        else:
            out.append(make(**item))
    return out


RULES: dict[str, Any] = {
    "min_rest_hours": 11,
    "max_travel_minutes": 60,
    "school_day": {"start": "08:30", "end": "15:00"},
    "practice_on_weekends": False,
    "practice_in_school_holidays": False,
}


def write_instance(
    path: Path,
    *,
    phases: list[Mapping[str, Any]],
    rules: Mapping[str, Any] | None = None,
    weights: Mapping[str, float] | None = None,
    recruits: Iterable[Row | str] | None = None,
    classes: Iterable[Row | str] | None = None,
    schools: Iterable[Row | str] | None = None,
    teachers: Iterable[Row | str] | None = None,
    sites: Iterable[Row | str] | None = None,
    wards: Iterable[Row | str] | None = None,
    supervisors: Iterable[Row | str] | None = None,
    rosters: Mapping[str, list[str]] | None = None,
    shifts: list[Row] | None = None,
    closures: list[Row] | None = None,
    absences: list[Row] | None = None,
    travel: Mapping[tuple[str, str], int] | None = None,
    country: str = "NO",
) -> Path:
    """Write a micro-instance folder; every argument left out takes the module's default.

    ``rosters`` maps a roster id to its weeks, each week a string of seven cells
    (``"D D D D D - -"``). ``travel`` gives minutes for (recruit, site) pairs; pairs not
    given take 0 minutes. ``rules`` and ``weights`` are merged into the defaults.
    """
    path.mkdir(parents=True, exist_ok=True)
    (path / "instance.toml").write_text(
        _toml({**RULES, **(rules or {})}, phases, weights or {}, country), encoding="utf-8")
    recruit_rows = _rows(recruits, [{"id": "R1"}, {"id": "R2"}], recruit)
    site_rows = _rows(sites, [{"id": "S1"}], site)
    tables: dict[str, list[Row]] = {
        "recruits": recruit_rows,
        "classes": _rows(classes, [{"id": "K1"}], klass),
        "schools": _rows(schools, [{"id": "SK1"}], school),
        "teachers": _rows(teachers, [{"id": "T1"}], teacher),
        "sites": site_rows,
        "wards": _rows(wards, [{"id": "W1"}], ward),
        "supervisors": _rows(supervisors, [{"id": "V1"}, {"id": "V2"}], supervisor),
        "shifts": list(shifts or SHIFTS),
    }
    roster_rows = []
    for rid, weeks in (rosters or {"RD": ["D D D D D - -"]}).items():
        for n, week in enumerate(weeks, start=1):
            cells = week.split()
            assert len(cells) == 7, f"roster {rid} week {n}: expected 7 cells, got {week!r}"
            roster_rows.append({"roster_id": rid, "week": n, **dict(zip(models.WEEKDAYS, cells, strict=True))})
    tables["rosters"] = roster_rows
    minutes = {(r["id"], s["id"]): 0 for r in recruit_rows for s in site_rows}
    minutes.update(travel or {})
    tables["travel"] = [{"recruit_id": r, "site_id": s, "minutes": m} for (r, s), m in minutes.items()]
    for name, rows in tables.items():
        _write_csv(path / f"{name}.csv", rows)
    _write_csv(path / "closures.csv", closures or [], ["start", "end", "reason", "school_id"])
    _write_csv(path / "absences.csv", absences or [], ["person_id", "start", "end", "reason"])
    return path


def micro(path: Path, **kwargs: Any) -> Instance:
    """Write a micro-instance (see :func:`write_instance`) and read it with ``models.read``."""
    return models.read(write_instance(path, **kwargs))


# ---- solving --------------------------------------------------------------------------------
def solve_and_check(inst: Instance, expect: Status | None = Status.OPTIMAL, options: SolveOptions = OPTIONS) -> Result:
    """Solve (with :data:`OPTIONS` unless told); assert the status (``None``: any status with
    a plan) and, for a plan, that the independent validator finds no violation."""
    result = solve(inst, options=options)
    if expect is None:
        assert result.status.has_plan, f"expected a plan, got {result.status.value}: {result.explanation}"
    else:
        assert result.status == expect, f"expected {expect.value}, got {result.status.value}: {result.explanation}"
    if result.status.has_plan:
        violations = validate_plan(inst, result.plan)
        assert violations == [], "the validator rejects the solved plan:\n" + "\n".join(map(str, violations))
        _assert_bounds_below(inst, result)
    else:
        assert result.plan is None
    return result


def _assert_bounds_below(inst: Instance, result: Result) -> None:
    """``best_bound`` is clipped at the objective, which would hide a bound above it: the
    phases' bounds as found (and the practice phases' joint bound) must be at or below the
    plan's objective. Only where they bound the year as they are: no negative weight (a
    negative continuity weight is allowed for after the sum) and no published plan."""
    if result.objective is None or result.best_bound is None or result.kpis.get("bound_scope") != "year":
        return
    if any(w < 0 for w in inst.weights.values()):
        return
    phases = result.kpis.get("phases") or []
    total = sum(float(p["bound"]) for p in phases)
    joint = result.kpis.get("joint_bound")
    if joint:
        total += max(0.0, joint["bound"] - joint["phases_bound"])
    assert total <= result.objective + 1e-3 * max(1.0, abs(result.objective)), (
        f"the phases' bounds ({total}) pass the plan's objective ({result.objective}): a bound is not one")


def assert_infeasible(inst: Instance) -> Result:
    return solve_and_check(inst, expect=Status.INFEASIBLE)


# ---- reading a result -----------------------------------------------------------------------
def count(result: Result, goal: str) -> int:
    """How many units of a soft goal the plan has (``breakdown[goal]["count"]``)."""
    return result.breakdown[goal]["count"]


def costs(result: Result) -> dict[str, float]:
    """The goals with a non-zero cost, ``{goal: cost}``."""
    return {name: item["cost"] for name, item in result.breakdown.items() if item["cost"]}


def school_days(result: Result, class_id: str = "K1") -> list[date]:
    return sorted(c.date for c in result.plan.class_days if c.class_id == class_id)


def practice_rows(result: Result, recruit_id: str) -> list[models.Activity]:
    return sorted((a for a in result.plan.activities if a.recruit_id == recruit_id and a.activity == "practice"),
                  key=lambda a: a.date)


def practice_days(result: Result, recruit_id: str) -> list[date]:
    return [a.date for a in practice_rows(result, recruit_id)]


def activity_days(result: Result, recruit_id: str) -> list[date]:
    return sorted(a.date for a in result.plan.activities if a.recruit_id == recruit_id)


def supervisor_of(result: Result, recruit_id: str, phase_id: str) -> str:
    (a,) = [a for a in result.plan.assignments if (a.recruit_id, a.phase_id) == (recruit_id, phase_id)]
    return a.supervisor_id


def in_week(days: Iterable[date], year: int, week: int) -> list[date]:
    return [d for d in days if iso_week(d) == (year, week)]


def dates(start: str, end: str) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    first, last = D(start), D(end)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def weekdays(days: Iterable[date]) -> list[str]:
    """``[date(2026, 8, 17)]`` -> ``["mon"]``."""
    return [models.WEEKDAYS[d.weekday()] for d in days]

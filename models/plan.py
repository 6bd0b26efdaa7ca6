"""A plan (SPEC.md §4) as plain data, independent of any solver.

A :class:`Plan` is what the writers export and what the validator checks. It can be
read back from a plan folder with :func:`read_plan`, so the validator never needs the
objects the solver produced.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar


class Status(StrEnum):
    """Outcome of a solve, in SPEC.md's words (never CP-SAT's integers)."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"

    @property
    def has_plan(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True, order=True)
class Assignment:
    recruit_id: str
    phase_id: str
    supervisor_id: str
    ward_id: str
    site_id: str
    travel_minutes: int


@dataclass(frozen=True, order=True)
class Activity:
    """One row of ``recruit_calendar.csv``: a recruit's school day or shift."""

    recruit_id: str
    date: date
    activity: str  # "school" | "practice"
    phase_id: str
    class_id: str
    site_id: str = ""
    ward_id: str = ""
    supervisor_id: str = ""
    shift_code: str = ""
    start: datetime | None = None
    end: datetime | None = None
    with_supervisor: bool | None = None


@dataclass(frozen=True, order=True)
class ClassDay:
    """One row of ``class_calendar.csv``."""

    class_id: str
    date: date
    teacher_id: str
    joint_with: str = ""


@dataclass
class Plan:
    assignments: list[Assignment] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    class_days: list[ClassDay] = field(default_factory=list)

    def sorted(self) -> Plan:
        return Plan(sorted(self.assignments), sorted(self.activities), sorted(self.class_days))


@dataclass
class Result:
    """What :func:`scheduler.solve` returns."""

    status: Status
    objective: float | None
    best_bound: float | None
    gap: float | None
    wall_seconds: float
    plan: Plan | None
    breakdown: dict[str, float] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)
    explanation: list[str] = field(default_factory=list)
    per_recruit: dict[str, dict[str, float]] = field(default_factory=dict)
    failed_phase: str | None = None


ASSIGNMENT_COLUMNS = ["recruit_id", "phase_id", "supervisor_id", "ward_id", "site_id", "travel_minutes"]
CALENDAR_COLUMNS = [
    "recruit_id", "date", "activity", "phase_id", "class_id", "site_id", "ward_id",
    "supervisor_id", "shift_code", "start", "end", "with_supervisor",
]
CLASS_CALENDAR_COLUMNS = ["class_id", "date", "teacher_id", "joint_with"]
TIME_FORMAT = "%Y-%m-%dT%H:%M"


Row = TypeVar("Row", Activity, ClassDay)


def diff_rows(old: Iterable[Row], new: Iterable[Row], key: Callable[[Row], tuple]) -> list[tuple[tuple, Row | None, Row | None]]:
    """The keys (e.g. recruit and date) whose row is new, gone or different between two
    plans' rows, in key order, with the old and the new row (None where there is none)."""
    was, now = {key(x): x for x in old}, {key(x): x for x in new}
    return [(k, was.get(k), now.get(k)) for k in sorted(was.keys() | now.keys()) if was.get(k) != now.get(k)]


def _fmt_bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def assignment_rows(plan: Plan) -> list[list[str]]:
    return [
        [a.recruit_id, a.phase_id, a.supervisor_id, a.ward_id, a.site_id, str(a.travel_minutes)]
        for a in sorted(plan.assignments)
    ]


def activity_rows(plan: Plan) -> list[list[str]]:
    rows = []
    for a in sorted(plan.activities):
        rows.append([
            a.recruit_id, a.date.isoformat(), a.activity, a.phase_id, a.class_id, a.site_id,
            a.ward_id, a.supervisor_id, a.shift_code,
            a.start.strftime(TIME_FORMAT) if a.start else "",
            a.end.strftime(TIME_FORMAT) if a.end else "",
            _fmt_bool(a.with_supervisor),
        ])
    return rows


def class_day_rows(plan: Plan) -> list[list[str]]:
    return [[c.class_id, c.date.isoformat(), c.teacher_id, c.joint_with] for c in sorted(plan.class_days)]


class PlanFileError(ValueError):
    """A plan folder that cannot be read (missing file or malformed row)."""


def _read_csv(path: Path, columns: list[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise PlanFileError(f"{path.name} is missing from the plan folder {path.parent}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:  # a BOM (Excel's "CSV UTF-8") is no column
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise PlanFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PlanFileError(f"{path.name} cannot be read: {exc}") from exc
    for i, row in enumerate(rows, start=2):
        short = [c for c in columns if row.get(c) is None]
        if short:
            raise PlanFileError(f"{path.name} line {i}: no cell for {', '.join(short)} (the row is short)")
    return rows


def read_plan(folder: str | Path) -> Plan:
    """Read ``assignments.csv``, ``recruit_calendar.csv`` and ``class_calendar.csv``."""
    folder = Path(folder)
    plan = Plan()
    try:
        for i, row in enumerate(_read_csv(folder / "assignments.csv", ASSIGNMENT_COLUMNS), start=2):
            where = f"assignments.csv line {i}"
            plan.assignments.append(Assignment(
                row["recruit_id"], row["phase_id"], row["supervisor_id"], row["ward_id"],
                row["site_id"], _int(row["travel_minutes"], where),
            ))
        for i, row in enumerate(_read_csv(folder / "recruit_calendar.csv", CALENDAR_COLUMNS), start=2):
            where = f"recruit_calendar.csv line {i}"
            ws = row["with_supervisor"].strip().lower()
            plan.activities.append(Activity(
                recruit_id=row["recruit_id"], date=_date(row["date"], where), activity=row["activity"],
                phase_id=row["phase_id"], class_id=row["class_id"], site_id=row["site_id"],
                ward_id=row["ward_id"], supervisor_id=row["supervisor_id"],
                shift_code=row["shift_code"], start=_dt(row["start"], where), end=_dt(row["end"], where),
                with_supervisor=None if ws == "" else ws == "true",
            ))
        for i, row in enumerate(_read_csv(folder / "class_calendar.csv", CLASS_CALENDAR_COLUMNS), start=2):
            where = f"class_calendar.csv line {i}"
            plan.class_days.append(ClassDay(
                row["class_id"], _date(row["date"], where), row["teacher_id"], row["joint_with"],
            ))
    except (KeyError, TypeError) as exc:  # pragma: no cover - DictReader fills missing cells
        raise PlanFileError(f"malformed plan file: {exc}") from exc
    return plan


def read_plan_json(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / "plan.json"
    if not path.exists():
        raise PlanFileError(f"plan.json is missing from the plan folder {folder}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError as exc:  # nested deeper than the parser goes: no plan.json of ours
        raise ValueError("plan.json is nested too deeply to be a plan") from exc


def _int(text: str, where: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PlanFileError(f"{where}: expected a whole number, got {text!r}") from None


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlanFileError(f"{where}: expected a date YYYY-MM-DD, got {text!r}") from None


def _dt(text: str, where: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise PlanFileError(f"{where}: expected YYYY-MM-DDTHH:MM, got {text!r}") from None

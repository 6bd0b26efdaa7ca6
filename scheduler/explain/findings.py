"""A :class:`Finding`: one reason why an instance cannot be planned, in the user's terms.

Findings name the SPEC rule(s) involved, say what is wrong in a sentence, list the rows
of the instance files that take part (``"recruits.csv line 3"``) and, where one is cheap
to find, suggest the change that would make the instance plannable. This module also holds
the helpers that turn domain objects into such row references and dates into short text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from models import WEEKDAYS, Instance, Phase
from models.io import table_rows

__all__ = ["Finding", "Rows", "day_span", "weekday_list"]


@dataclass(frozen=True)
class Finding:
    """One necessary condition that fails, or one conflict the solver proved.

    Attributes:
        rule: The SPEC rule(s), e.g. ``"R1"`` or ``"R4+R6+R7"``.
        message: What is wrong, in plain words, naming the ids involved.
        rows: The rows of the instance that take part, as ``"<file> line <n>"`` (or
            ``"instance.toml line <n>"`` for a phase or a rule setting).
        suggestion: A change that would remove this conflict, when one was found.
        fatal: ``False`` for a warning: the instance can still be planned, but badly.
    """

    rule: str
    message: str
    rows: list[str] = field(default_factory=list)
    suggestion: str | None = None
    fatal: bool = True

    def lines(self) -> list[str]:
        """The finding as lines of text for a terminal or ``plan.json``'s explanation."""
        head = f"{self.rule}: {self.message}" if self.fatal else f"{self.rule} (warning): {self.message}"
        out = [head]
        if self.rows:
            out.append(f"  rows: {', '.join(self.rows)}")
        if self.suggestion:
            out.append(f"  suggestion: {self.suggestion}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def weekday_list(days: Iterable[int]) -> str:
    """``{0, 2}`` -> ``"mon, wed"``."""
    return ", ".join(WEEKDAYS[d] for d in sorted(days))


def teacher_listing(teachers: Iterable) -> str:
    """``T1 on mon, wed, at most 2 days a week; T2 only on sat (no school on weekends, R3), at most 1
    day a week``: the school weekdays of each teacher (R7) and his weekly limit."""
    def one(t) -> str:
        days = weekday_list(t.weekdays & set(range(5)))
        if not days:
            weekend = weekday_list(t.weekdays)
            days = f"only on {weekend} (no school on weekends, R3)" if weekend else "on no day"
        else:
            days = f"on {days}"
        n = t.max_days_per_week
        return f"{t.id} {days}, at most {n} day{'' if n == 1 else 's'} a week"
    return "; ".join(one(t) for t in teachers)


def date_range(start: date, end: date) -> str:
    """``2026-09-21 to 2026-09-25``, or one date."""
    return str(start) if start == end else f"{start} to {end}"


def day_span(days: Iterable[date]) -> str:
    """Dates as runs: ``2026-10-14 to 2026-10-16, 2026-10-20``."""
    runs: list[list[date]] = []
    for d in sorted(set(days)):
        if runs and d - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


_TABLE_OF = {
    "Recruit": "recruits.csv", "Site": "sites.csv", "Ward": "wards.csv", "Supervisor": "supervisors.csv",
    "Roster": "rosters.csv", "Shift": "shifts.csv", "School": "schools.csv", "SchoolClass": "classes.csv",
    "Teacher": "teachers.csv", "Closure": "closures.csv", "Absence": "absences.csv",
}
_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z_]+)\s*\]\]?")
_TOML_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


class Rows:
    """Row references of an instance's objects (``recruits.csv line 3``).

    Rows come from each object's ``source``. Phases and rule settings live in
    ``instance.toml``, whose values carry no line numbers, so their lines are found by
    scanning the file; travel overrides likewise from ``travel.csv``.
    """

    def __init__(self, instance: Instance) -> None:
        self.inst = instance

    def of(self, obj: object) -> str:
        src = getattr(obj, "source", None)
        if src is not None:
            return str(src)
        table = _TABLE_OF.get(type(obj).__name__, "instance")
        key = getattr(obj, "id", None) or getattr(obj, "code", None) or getattr(obj, "person_id", "")
        return f"{table} {key}".strip()

    def roster_week(self, sup_id: str, day: date) -> str:
        """The rosters.csv row of the supervisor's roster week that holds ``day`` (the whole
        roster's rows when its week lines are not known)."""
        sup = self.inst.supervisor[sup_id]
        roster = self.inst.roster[sup.roster_id]
        week = ((day - sup.roster_start).days // 7) % len(roster.weeks)
        if roster.source is None or len(roster.week_lines) != len(roster.weeks):
            return self.of(roster)
        return f"{roster.source.file} line {roster.week_lines[week]}"

    # ---- instance.toml ---------------------------------------------------------------------
    @cached_property
    def _folder(self) -> Path | None:
        if not self.inst.path:
            return None
        p = Path(self.inst.path)
        if p.is_dir():
            return p
        return p.parent

    @cached_property
    def _toml_lines(self) -> list[str]:
        folder = self._folder
        if folder is None:
            return []
        try:
            return (folder / "instance.toml").read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            return []

    @cached_property
    def _phase_lines(self) -> dict[str, tuple[int, dict[str, int]]]:
        """Phase id -> (line of its ``[[phases]]`` header, key -> line)."""
        out: dict[str, tuple[int, dict[str, int]]] = {}
        header, keys, phase_id, in_phase = 0, {}, None, False
        for n, text in enumerate(self._toml_lines + ["[end]"], start=1):
            m = _TOML_HEADER.match(text)
            if m:
                if in_phase and phase_id is not None:
                    out.setdefault(phase_id, (header, keys))
                in_phase = text.strip().startswith("[[") and m.group(1) == "phases"
                header, keys, phase_id = n, {}, None
                continue
            k = _TOML_KEY.match(text)
            if in_phase and k:
                keys[k.group(1)] = n
                if k.group(1) == "id":
                    phase_id = k.group(2).split("#")[0].strip().strip("\"'")
        return out

    def phase(self, phase: Phase, key: str | None = None) -> str:
        """``instance.toml line N`` of a phase (its ``key`` line when given and present)."""
        found = self._phase_lines.get(phase.id)
        if found is None:
            return f"instance.toml [[phases]] {phase.id}" + (f" {key}" if key else "")
        header, keys = found
        return f"instance.toml line {keys.get(key, header) if key else header}"

    def rule(self, key: str) -> str:
        """``instance.toml line N`` of a ``[rules]`` setting (the section when not set)."""
        section, section_line = None, None
        for n, text in enumerate(self._toml_lines, start=1):
            m = _TOML_HEADER.match(text)
            if m:
                section = m.group(1) if not text.strip().startswith("[[") else None
                if section == "rules":
                    section_line = n
                continue
            k = _TOML_KEY.match(text)
            if section == "rules" and k and k.group(1) == key:
                return f"instance.toml line {n}"
        return f"instance.toml line {section_line}" if section_line else f"instance.toml [rules] {key}"

    # ---- travel.csv ------------------------------------------------------------------------
    @cached_property
    def _travel_lines(self) -> tuple[str, dict[tuple[str, str], int]]:
        """The travel table's label and the line of each (recruit, site) pair, from the
        folder's ``travel.csv`` or the workbook's ``travel`` sheet."""
        if not self.inst.path:
            return "travel.csv", {}
        label, rows = table_rows(self.inst.path, "travel")
        lines: dict[tuple[str, str], int] = {}
        for line, cells in rows:
            lines.setdefault((cells.get("recruit_id", ""), cells.get("site_id", "")), line)
        return label, lines

    def travel(self, recruit_id: str, site_id: str) -> str | None:
        """The travel table's row of a pair, or None when the time is estimated."""
        if self.inst.travel_is_estimated(recruit_id, site_id):
            return None
        label, lines = self._travel_lines
        line = lines.get((recruit_id, site_id))
        return f"{label} line {line}" if line else label


def sort_rows(rows: Iterable[str]) -> list[str]:
    """Unique rows, instance.toml first, then by file and line number."""

    def key(row: str) -> tuple:
        m = re.match(r"^(.*?) lines? (\d+)", row)  # "rosters.csv lines 8-13" by its first line
        if m:
            return (m.group(1) != "instance.toml", m.group(1), int(m.group(2)), row)
        return (True, row, 0, row)

    return sorted(set(rows), key=key)

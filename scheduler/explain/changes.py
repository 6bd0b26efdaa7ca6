"""What a re-plan changed against the published plan, and whom to tell.

After ``plan --from PUBLISHED`` the coordinator's next job is the phone: every recruit,
supervisor and teacher whose days moved has to hear of it (the calendar feeds update the
phones, but people like a word). :func:`plan_changes` compares the two plans row by row and
:func:`change_lines` says it in a few lines: the placements that moved, each recruit's
changed days (from the first to the last), each class's changed school days, and the
people involved, old and new (a supervisor a recruit leaves is told as well as the one he
joins; a supervisor is involved where a recruit's shift with him changes). A recruit only
one of the plans has is said to be new in the plan, or no longer in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from models.plan import Plan, diff_rows

__all__ = ["PlanChanges", "change_lines", "plan_changes"]


@dataclass
class PlanChanges:
    """Row changes between a published plan and a new one."""

    placements: list[tuple[str, str, str, str]] = field(default_factory=list)  # recruit, phase, old, new
    recruit_days: dict[str, list[date]] = field(default_factory=dict)  # recruit -> changed dates
    class_days: dict[str, list[date]] = field(default_factory=dict)  # class -> changed dates
    supervisors: set[str] = field(default_factory=set)
    teachers: set[str] = field(default_factory=set)
    joined: set[str] = field(default_factory=set)  # recruits only the new plan has
    left: set[str] = field(default_factory=set)  # recruits only the published plan has

    @property
    def none(self) -> bool:
        return not (self.placements or self.recruit_days or self.class_days)


def plan_changes(published: Plan, plan: Plan) -> PlanChanges:
    """The rows of ``plan`` that differ from ``published`` (a row is changed when it is new,
    gone, or differs in any column)."""
    out = PlanChanges()
    old = {(a.recruit_id, a.phase_id): a.supervisor_id for a in published.assignments}
    new = {(a.recruit_id, a.phase_id): a.supervisor_id for a in plan.assignments}
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            out.placements.append((key[0], key[1], old.get(key, ""), new.get(key, "")))
            out.supervisors |= {s for s in (old.get(key), new.get(key)) if s}

    days: dict[str, list[date]] = defaultdict(list)
    for (recruit, day), a, b in diff_rows(published.activities, plan.activities, lambda x: (x.recruit_id, x.date)):
        days[recruit].append(day)
        out.supervisors |= {x.supervisor_id for x in (a, b) if x is not None and x.with_supervisor}
    out.recruit_days = dict(days)
    before, after = {a.recruit_id for a in published.activities}, {a.recruit_id for a in plan.activities}
    out.joined, out.left = after - before, before - after
    school: dict[str, list[date]] = defaultdict(list)
    for (klass, day), a, b in diff_rows(published.class_days, plan.class_days, lambda x: (x.class_id, x.date)):
        school[klass].append(day)
        out.teachers |= {x.teacher_id for x in (a, b) if x is not None and x.teacher_id}
    out.class_days = dict(school)
    return out


def change_lines(changes: PlanChanges, most: int = 10) -> list[str]:
    """A few lines for the terminal; at most ``most`` recruits and classes are listed one
    by one (the rest are counted)."""
    if changes.none:
        return ["Changes against the published plan: none."]
    lines = [f"Changes against the published plan: {len(changes.placements)} placement(s), "
             f"{sum(map(len, changes.recruit_days.values()))} day(s) of {len(changes.recruit_days)} recruit(s), "
             f"{sum(map(len, changes.class_days.values()))} school day(s) of {len(changes.class_days)} class(es)."]
    for recruit, phase, old, new in changes.placements[:most]:
        lines.append(f"  {recruit}, phase {phase}: supervisor {old or '-'} -> {new or '-'}")
    if len(changes.placements) > most:
        lines.append(f"  ... and {len(changes.placements) - most} more placement(s)")
    for what, rows in (("recruit", changes.recruit_days), ("class", changes.class_days)):
        for who, dates in list(rows.items())[:most]:
            how = "new in the plan" if who in changes.joined else "no longer in the plan" if who in changes.left \
                else "changed"
            lines.append(f"  {what} {who}: {len(dates)} day(s) {how}, {dates[0]} to {dates[-1]}")
        if len(rows) > most:
            lines.append(f"  ... and {len(rows) - most} more {what}(s)")
    people = [("recruits", sorted(changes.recruit_days.keys() | {p[0] for p in changes.placements})),
              ("supervisors", sorted(changes.supervisors)), ("teachers", sorted(changes.teachers))]
    lines.append("  To tell: " + "; ".join(f"{name} {', '.join(ids)}" for name, ids in people if ids) + ".")
    return lines

"""Re-planning from a date on: what was published before the date stays as it was.

``plan --from PUBLISHED --keep-until DATE`` is for re-planning in the middle of the year,
when some of the published plan has already happened (or is too close to change): every
row of the published plan dated before ``DATE`` is kept exactly, and only the days from
``DATE`` on are planned again. Concretely:

* **Placements** of every phase that starts before ``DATE`` are kept (R1 allows one
  supervisor per recruit and phase, so a placement cannot change once its phase has
  started). A supervisor who leaves during such a phase is marked absent in
  ``absences.csv`` from the day he leaves: his recruit then works the rest of the phase on
  the ward without him, which the planner keeps as short as the rules allow.
* **Class calendars** (``class_calendar.csv``): the school days before ``DATE``, with their
  teacher and joint day, are kept; a class has no other school day before ``DATE``.
* **Recruit calendars** (``recruit_calendar.csv``): the practice days before ``DATE``, with
  their shift and whether the supervisor is there, are kept; a recruit has no other
  practice day before ``DATE``.
* Recruits and classes the published plan does not have in a phase are planned in full
  there, days before ``DATE`` included (a recruit who joins late is marked absent until he
  joins); a recruit who left (no longer in ``recruits.csv``) leaves the plan with all his
  rows.

When the kept rows no longer keep the rules of the changed instance (say a new absence
before ``DATE``, or a supervisor removed whose phase has started), :func:`past_conflicts`
says which rows and why, by the independent validator's own words, and nothing is planned.

The bound is then a bound of the plans that keep those rows
(``kpis.bound_scope`` says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from models import Instance
from models.plan import Assignment, Plan
from scheduler.constraints.teachers import taught_as
from scheduler.validate import validate_plan
from scheduler.variables import Vars

__all__ = ["DATED_RULES", "PublishedDays", "frozen_placements", "keep_past", "past_conflicts", "started_phases"]

DATED_RULES = ("R2", "R3", "R4", "R6", "R7", "R8", "R9", "R10", "R12", "CAL")
"""Rules whose violations lie on dates or ISO weeks: a kept row breaks one of them whatever
the plan does from the date on when every date its violation names is before that date and
every week it names ends before it (a week that goes on past the date can still be
mended). ``CAL`` covers a kept row whose times the changed instance gives otherwise (a new
school-day window or shift time). R1 and R2's supervisor limit are checked on the kept
placements directly; R5 (block lengths, which a block going on past the date makes look
short) and R11 (the phase's school days) are left to the planner."""

_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEK = re.compile(r"\b(\d{4})-W(\d{2})\b")


def _spans(message: str) -> list[tuple[date, date]]:
    """The first and last day of each date (one day) and ISO week a message names."""
    out = [(d, d) for d in (date(int(y), int(m), int(dd)) for y, m, dd in _DATE.findall(message))]
    out += [(date.fromisocalendar(int(y), int(w), 1), date.fromisocalendar(int(y), int(w), 7))
            for y, w in _WEEK.findall(message)]
    return out


def _past(message: str, until: date) -> bool:
    """Whether ``message`` names at least one date or ISO week, and only dates before
    ``until`` and weeks that end before it."""
    spans = _spans(message)
    return bool(spans) and all(last < until for _first, last in spans)


def _first_day(message: str) -> tuple[date, str]:
    """Sort key: the first day a message names, then the message."""
    return min(first for first, _last in _spans(message)), message


class PublishedDays(dict):
    """Each class's published school days (class id -> dates), as the calendar search keeps
    them (:func:`scheduler.master.build_groups`).

    ``soft``: a week keeps its published days where they still work, else it is planned
    afresh (plain re-planning). ``until``: the days before it are kept whatever
    (``--keep-until``); with ``soft`` false only these are. ``moved``: with ``soft`` false,
    units per recruit of a class and school day of a week that differs from the published
    ones (a day added or taken away), priced into a plan search (never a bound): the phase
    whose kept weeks no longer make a calendar moves as few school days as pays.
    """

    def __init__(self, days: dict[str, frozenset[date]], until: date | None = None, soft: bool = True,
                 moved: float = 0.0) -> None:
        super().__init__(days)
        self.until = until
        self.soft = soft
        self.moved = moved

    def changed(self, class_id: str, days: Iterable[date], school: frozenset[date]) -> int:
        """School days among ``days`` (a week's) that ``school`` adds to the class's published
        ones there or takes away (0 for a class without published days)."""
        if class_id not in self:
            return 0
        return len(school ^ frozenset(d for d in days if d in self[class_id]))


def started_phases(instance: Instance, until: date) -> set[str]:
    """The phases that start before ``until``."""
    return {p.id for p in instance.phases if p.start < until}


def frozen_placements(instance: Instance, published: Plan, until: date) -> tuple[Assignment, ...]:
    """The published placements that stay: those of the phases started before ``until``,
    of recruits still in the instance, with supervisors still in it."""
    started = started_phases(instance, until)
    return tuple(a for a in published.assignments
                 if a.phase_id in started and a.recruit_id in instance.recruit and a.supervisor_id in instance.supervisor)


def past_conflicts(instance: Instance, published: Plan, until: date) -> list[str]:
    """Why the published rows before ``until`` cannot be kept in the changed instance, one
    sentence each; empty when they can.

    A placement of a started phase cannot stay when its supervisor left ``supervisors.csv``
    or moved ward, when it is now beyond the recruit's travel limit (R1), or when its
    supervisor now has fewer places than he keeps recruits (R2). The kept rows themselves
    are checked by the independent validator (:func:`scheduler.validate.validate_plan`)
    against the changed instance: each violation of a dated rule (:data:`DATED_RULES`) that
    names only dates and weeks before ``until`` is a conflict (a new absence, closure or
    roster swap on a day that has been, a teacher's lower weekly limit in a week that has
    been), listed by date."""
    out = []
    blocked: set[str] = set()  # recruits with a kept placement that cannot stay
    started = started_phases(instance, until)
    phase = {p.id: p for p in instance.phases}
    for a in published.assignments:
        if a.phase_id not in started or a.recruit_id not in instance.recruit:
            continue
        sup = instance.supervisor.get(a.supervisor_id)
        since = f"phase {a.phase_id} started {phase[a.phase_id].start}, before --keep-until {until}"
        before = len(out)
        if sup is None:
            out.append(f"R1: recruit {a.recruit_id} is placed with supervisor {a.supervisor_id} in phase {a.phase_id}, "
                       f"and {a.supervisor_id} is no longer in supervisors.csv; the placement cannot change ({since}). "
                       f"Keep {a.supervisor_id} in supervisors.csv and mark him absent in absences.csv from the day "
                       f"he left.")
        elif sup.ward_id != a.ward_id:
            out.append(f"R1: recruit {a.recruit_id} is placed with supervisor {a.supervisor_id} on ward {a.ward_id} in "
                       f"phase {a.phase_id}, and supervisors.csv now has {a.supervisor_id} on ward {sup.ward_id}; the "
                       f"placement cannot change ({since}).")
        else:
            limit = instance.travel_limit(a.recruit_id)
            minutes = instance.travel_minutes(a.recruit_id, instance.ward[sup.ward_id].site_id)
            if minutes > limit:
                out.append(f"R1: recruit {a.recruit_id} is placed with supervisor {a.supervisor_id} at site "
                           f"{a.site_id} in phase {a.phase_id}, {minutes} min away, and his limit is now {limit} min; "
                           f"the placement cannot change ({since}).")
        if len(out) > before:
            blocked.add(a.recruit_id)
    kept_with: dict[tuple[str, str], list[str]] = {}
    for a in frozen_placements(instance, published, until):
        kept_with.setdefault((a.supervisor_id, a.phase_id), []).append(a.recruit_id)
    for (sup_id, phase_id), recruits in sorted(kept_with.items()):
        most = instance.supervisor[sup_id].max_recruits
        if len(recruits) > most:
            n = len(recruits)
            out.append(f"R2: supervisor {sup_id} keeps {n} recruit{'s' if n != 1 else ''} in phase {phase_id} "
                       f"({', '.join(sorted(recruits))}), and supervisors.csv now allows him {most} (max_recruits); the "
                       f"placements cannot change (phase {phase_id} started {phase[phase_id].start}, before "
                       f"--keep-until {until}).")
    # the whole published plan, as far as the changed instance still has its people, is
    # checked: a kept row's rule may depend on the row after it (R8: was the supervisor's
    # shift impossible because of the next day's activity?), and such a violation names
    # only the kept day. Violations of rows that are not kept name a later date and are
    # left to the planner.
    published_now = Plan(
        assignments=[a for a in published.assignments
                     if a.recruit_id in instance.recruit and a.supervisor_id in instance.supervisor],
        activities=[a for a in published.activities
                    if a.recruit_id in instance.recruit and (not a.supervisor_id or a.supervisor_id in instance.supervisor)],
        class_days=[c for c in published.class_days if c.class_id in instance.klass],
    )
    # what the validator says of people the published plan does not have (a recruit who
    # joins, whose days before the date are planned) or of a recruit whose placement is
    # named above (his rows follow from it) is not repeated as a conflict of kept rows
    others = blocked | (set(instance.recruit) - {a.recruit_id for a in published_now.activities}) | \
        (set(instance.klass) - {c.class_id for c in published_now.class_days})
    named = re.compile(r"\b(" + "|".join(map(re.escape, sorted(others))) + r")\b") if others else None
    dated = [v.message for v in validate_plan(instance, published_now)
             if v.rule in DATED_RULES and _past(v.message, until) and not (named and named.search(v.message))]
    out += [f"{m} (a published row before --keep-until {until}){_rows_behind(instance, m)}"
            for m in sorted(dated, key=_first_day)]
    return out


def _rows_behind(instance: Instance, message: str) -> str:
    """The instance rows that may have made a kept row break a rule: the absences of a
    person the message names, and the closures, on a day or in a week it names (the changes
    a re-plan with ``--keep-until`` usually meets); ``""`` when none."""
    spans = _spans(message)
    ids = set(re.findall(r"[\w.-]+", message))

    def meets(start: date, end: date) -> bool:
        return any(start <= last and first <= end for first, last in spans)

    rows = {a.source for a in instance.absences if a.source and a.person_id in ids and meets(a.start, a.end)}
    rows |= {c.source for c in instance.closures if c.source and meets(c.start, c.end)}
    return f" [rows: {', '.join(str(r) for r in sorted(rows, key=lambda r: (r.file, r.line)))}]" if rows else ""


def keep_past(v: Vars, extras: dict, published: Plan, until: date) -> None:
    """Fix, in a built day model, every decision before ``until`` to the published plan's
    (see the module docstring): school days with their teachers and joint days, practice
    days with their shifts and supervisors. A published row the model has no variable for
    (the changed instance no longer allows it) makes the model infeasible;
    :func:`past_conflicts` names such rows beforehand."""
    m, inst = v.model, v.inst
    phases = v.dom.phases
    ids = {p.id for p in phases}

    def phase_of(d: date) -> str | None:
        return next((p.id for p in phases if p.start <= d <= p.end), None)

    def built(d: date) -> bool:
        return phase_of(d) is not None

    # only what the published plan has a phase of is kept: a recruit (class) without a
    # published placement (school day) in a phase is planned there in full
    placed = {(a.recruit_id, a.phase_id) for a in published.assignments}
    practice = {(a.recruit_id, a.date): a for a in published.activities
                if a.activity == "practice" and a.date < until and a.phase_id in ids and a.recruit_id in inst.recruit}
    for (r, d), lit in v.prac.items():
        if d < until and (r, v.phase_of_day[(r, d)].id) in placed:
            m.Add(lit == int((r, d) in practice))
    for (r, d), a in practice.items():
        if (r, d) not in v.prac:
            m.AddBoolOr([])
            continue
        lit = v.worked_as(a)
        if lit is None:
            m.AddBoolOr([])
        else:
            m.Add(lit == 1)
    taught = {(c.class_id, phase_of(c.date)) for c in published.class_days if built(c.date)}
    school = {(c.class_id, c.date): c for c in published.class_days
              if c.date < until and built(c.date) and c.class_id in inst.klass}
    for (c, d), lit in v.school.items():
        if d < until and (c, phase_of(d)) in taught:
            m.Add(lit == int((c, d) in school))
    # the class day's teacher literal: it implies the school day, and on a joint day the
    # joint day with the partner (R6/R7 in scheduler.constraints.teachers)
    taught = taught_as(extras)
    for (c, d), row in school.items():
        lit = taught(row) if (c, d) in v.school else None
        if lit is None:
            m.AddBoolOr([])
        else:
            m.Add(lit == 1)

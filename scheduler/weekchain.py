"""Weekly-model calendars with the weeks chained exactly: rest across week boundaries.

The calendar search (:mod:`scheduler.master`) prices each week of the weekly model alone,
with nothing before it and any end after it. That is what makes its sums lower bounds,
but it misses rest across the week boundaries. Without weekend practice that costs
nothing: a recruit's last activity of a week is on a Friday, and the next starts on a
Monday. With ``practice_on_weekends = true`` it can cost much: the search takes a
supervisor's Sunday evening or night shift as followed *and* the Monday school day after
it, and the day model must then put the recruit on another day, often without his
supervisor. An audit instance (one class, six recruits, weekend practice, ten weeks)
priced at 287 by the search cost 787 as a day plan, where a plan of 397 exists.

:func:`rechain` improves such calendars, with the search's placements as the start:

1. **Weeks.** For each school, week by week, every joint option of its classes (R6, R7
   as the search allows them) is priced with each recruit's phase chained exactly
   (:meth:`WeekPricer.table` forwards up to the week and backwards after it, so one week
   is changed at a time against the exact price of the whole phase), plus the classes'
   own cost of short weeks; ``min_school_days`` (R11) stays met. The cheapest option is
   taken, the current one on a tie.
2. **Placements.** The assignment problem again, with every pair's exact phase price for
   the new calendars (as :meth:`scheduler.solve._Planner.realize` prices them).

Rounds of both run until neither improves. Ward capacity is not priced here (the
placements and the day model keep it). The result is a plan, not a bound: the phase's
bound stays the search's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from models import Instance, Phase
from models.score import units
from scheduler.domains import Domains
from scheduler.master import BIG, Board, Outcome, Prices
from scheduler.options import Teachers, class_week, joint_options, unused_school_days
from scheduler.weekdp import INF, Boundary, WeekPricer, WeekRule, combine

Calendar = dict[str, dict[tuple[int, int], frozenset[date]]]
"""Class -> week -> school days (as :attr:`Outcome.school`)."""

ROUNDS = 4
"""Rounds of weeks and placements at most (each stops early when nothing improves)."""


def needs_rechain(inst: Instance, phase: Phase) -> bool:
    """Whether a weekly class of ``phase`` can have rest across a week boundary: only with
    weekend practice (otherwise a week's last activity ends by Saturday morning)."""
    return (phase.kind == "alternation" and inst.rules.practice_on_weekends
            and any(inst.model_of(c.id, phase) == "weekly" for c in inst.classes))


class _Chains:
    """Each recruit's phase chained exactly, for one calendar and one placement: forward
    costs up to a week, backward costs after it (memoised), and the exact cost of the
    phase with one week's school days changed."""

    def __init__(self, pricer: WeekPricer, phase: Phase, weeks: list[tuple[int, int]],
                 recruits: Iterable[str], class_of: dict[str, str], sup_of: dict[str, str]) -> None:
        self.pricer, self.phase, self.weeks = pricer, phase, weeks
        self.recruits = list(recruits)
        self.class_of, self.sup_of = class_of, sup_of

    def _week(self, r: str, k: int, school: frozenset[date]) -> tuple[tuple, WeekRule]:
        p, week = self.pricer, self.weeks[k]
        days = combine(p.recruit_days(r, self.phase, week, school), p.supervisor_days(self.sup_of[r], self.phase, week))
        return days, p.rule(r, self.phase, week, school)

    def _table(self, r: str, k: int, school: frozenset[date], entry: Boundary) -> dict:
        return self.pricer.table(*self._week(r, k, school), entry)

    def start(self, calendar: Calendar) -> None:
        """Forward costs before the first week; backward costs of ``calendar``."""
        self.calendar = calendar
        self.forward = {r: {None: 0} for r in self.recruits}
        self._back: dict[tuple[str, int, Boundary], int] = {}

    def school(self, r: str, k: int) -> frozenset[date]:
        return self.calendar.get(self.class_of[r], {}).get(self.weeks[k], frozenset())

    def back(self, r: str, k: int, entry: Boundary) -> int:
        """Least cost of weeks ``k`` onwards of the current calendar, entering with ``entry``."""
        if k == len(self.weeks):
            return 0
        key = (r, k, entry)
        found = self._back.get(key)
        if found is None:
            found = INF
            for b, row in self._table(r, k, self.school(r, k), entry).items():
                rest = self.back(r, k + 1, b)
                if row[0] + rest < found:
                    found = row[0] + rest
            self._back[key] = found
        return found

    def with_week(self, r: str, k: int, school: frozenset[date]) -> int:
        """The recruit's exact phase cost with week ``k``'s school days ``school``."""
        best = INF
        for entry, before in self.forward[r].items():
            for b, row in self._table(r, k, school, entry).items():
                total = before + row[0] + self.back(r, k + 1, b)
                if total < best:
                    best = total
        return best

    def advance(self, r: str, k: int) -> None:
        """Forward costs past week ``k`` (its school days now fixed)."""
        self.forward[r] = self.pricer.step(self.forward[r], *self._week(r, k, self.school(r, k)))


class Chained(NamedTuple):
    """What :func:`rechain` made of a search's plan: the plan (its calendars, or better ones,
    with the placements of least exact price), and the exact price of the search's
    calendars (``first``, with those placements) and of the plan (``best``). Prices are
    units: each recruit's phase chained exactly, plus the pairs' own costs (travel,
    wishes) and the classes' short weeks; no ward capacity, no coupling goals."""

    outcome: Outcome
    first: float
    best: float


def rechain(inst: Instance, dom: Domains, pricer: WeekPricer, phase: Phase, board: Board, teachers: Teachers,
            outcome: Outcome, deadline: float | None = None) -> Chained:
    """Calendars and placements of a weekly-model phase improved with the weeks chained
    exactly (see the module docstring). Block classes keep their weeks; ``deadline``
    (``time.monotonic()``) ends the rounds early."""
    weeks = dom.weeks(phase)
    class_of = {r.id: r.class_id for r in inst.recruits}
    w_unused = units(inst, "short_week_unused")
    calendar: Calendar = {c: dict(ws) for c, ws in outcome.school.items()}
    assignment = dict(outcome.assignment)
    prices = Prices(inst, dom, pricer, phase, board)

    schools = []  # (classes, per week: (class weeks, joint options))
    for school in inst.schools:
        classes = [c.id for c in inst.classes if c.school_id == school.id]
        if not classes:
            continue
        per_week = []
        for week in weeks:
            cws = [class_week(inst, dom, c, phase, week) for c in classes]
            options = joint_options(inst, phase, school.id, cws, teachers)
            fixed = [i for i, cw in enumerate(cws) if cw.model == "block"]
            options = [o for o in options
                       if all(o[i] == calendar.get(classes[i], {}).get(week, frozenset()) for i in fixed)]
            per_week.append((cws, options))
        schools.append((classes, per_week))

    def own(cw, school: frozenset[date]) -> int:  # the class's short-week cost (as the search)
        return w_unused * unused_school_days(cw, phase, school)

    def total(cal: Calendar, assign: dict[str, str]) -> float:
        chains = _Chains(pricer, phase, weeks, assign, class_of, assign)
        chains.start(cal)
        value = sum(chains.back(r, 0, None) + board.base[board.row_of[r], board.cols.index(s)]
                    for r, s in assign.items())
        for classes, per_week in schools:
            for k, (cws, _options) in enumerate(per_week):
                value += sum(own(cw, cal.get(c, {}).get(weeks[k], frozenset())) for c, cw in zip(classes, cws, strict=True))
        return value

    def placed(cal: Calendar, assign: dict[str, str]) -> dict[str, str]:
        """The assignment problem with every pair's exact phase price for ``cal``."""
        value, cols = board.solve(board.base + prices.phase_chain(cal))
        if value >= BIG:
            return assign
        return {board.rows[i]: board.cols[j] for i, j in enumerate(cols) if board.rows[i] in assign}

    # the search's calendars with their best placements (as realize would place them)
    assignment = placed(calendar, assignment)
    first = best = total(calendar, assignment)
    for _ in range(ROUNDS):
        if deadline is not None and time.monotonic() > deadline:
            break
        # 1. the weeks, one at a time, against the exact phase of every recruit
        chains = _Chains(pricer, phase, weeks, assignment, class_of, assignment)
        chains.start(calendar)
        for classes, per_week in schools:
            members = {c: [r for r in assignment if class_of[r] == c] for c in classes}
            days_of = {c: sum(len(s) for s in calendar.get(c, {}).values()) for c in classes}
            for k, (cws, options) in enumerate(per_week):
                week = weeks[k]
                now = tuple(calendar.get(c, {}).get(week, frozenset()) for c in classes)
                priced: dict[tuple[int, frozenset[date]], float] = {}
                for i, c in enumerate(classes):  # each class option once, whatever the joint options
                    for school in {o[i] for o in options} | {now[i]}:
                        priced[i, school] = own(cws[i], school) + sum(
                            chains.with_week(r, k, school) for r in members[c])
                chosen, chosen_cost = now, sum(priced[i, s] for i, s in enumerate(now))
                for option in options:
                    if any(days_of[c] - len(now[i]) + len(option[i]) < phase.min_school_days
                           for i, c in enumerate(classes) if cws[i].model == "weekly"):
                        continue  # R11
                    cost = sum(priced[i, s] for i, s in enumerate(option))
                    if cost < chosen_cost - 1e-6:
                        chosen, chosen_cost = option, cost
                for i, c in enumerate(classes):
                    days_of[c] += len(chosen[i]) - len(now[i])
                    calendar.setdefault(c, {})[week] = chosen[i]
                for c in classes:
                    for r in members[c]:
                        chains.advance(r, k)
        # 2. the placements, with every pair's exact price for these calendars
        assignment = placed(calendar, assignment)
        now_total = total(calendar, assignment)
        if now_total >= best - 1e-6:
            break
        best = now_total
    return Chained(Outcome(calendar, assignment, best, outcome.bound, outcome.proven, outcome.nodes, outcome.clock_cut),
                   first, best)

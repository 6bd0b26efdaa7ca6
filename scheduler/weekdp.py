"""The best week of one recruit with one supervisor, for a given class calendar.

This is the building block of the calendar search (:mod:`scheduler.master`): it prices
"recruit r with supervisor s in week w when his class is in school on the days S" exactly,
by a small dynamic programme over the days of the week, under the hard rules that concern
one recruit alone:

* R4 (weekly model): exactly ``practice_days_per_week`` practice days in a full week when
  he is present all week, else at most that many; one run of consecutive dates; never on a
  school day of his class; only on days he may practise (D11).
* R10 (practice phases, practice weeks of the block model): at least the minimum number of
  shifts in a full week (D10), at most ``max_hours_per_week`` in any week.
* R8/R9: a practice day is his supervisor's roster shift (if the supervisor works one that
  is allowed) or the ward's ``D`` without him; at least ``min_rest_hours`` between any two
  activities, school days included.

and the soft goals that are sums over one recruit's days: days without supervisor,
roster shifts missed (practice phases and block practice weeks) and unused days of short
weeks (weekly model). Rules that couple recruits (ward capacity per date, fairness) are
not priced here; the day model (:mod:`scheduler.constraints`) keeps them.

Weeks are chained by their boundary state: the end of the recruit's last activity,
relative to the Monday after the week. A week priced with no earlier activity
(``entry=None``) and any boundary at its end is a relaxation of the same week inside a
longer plan, so sums of such week prices are lower bounds (the calendar search relies on
this); :meth:`WeekPricer.chain` prices a whole phase exactly for one recruit.

Costs are integers in objective units (``models.score.weight_units``), like the CP-SAT objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from models import DAY_SHIFT, Instance, Phase
from models.score import weight_units
from scheduler.domains import Domains

INF = 10**15
"""The cost of something impossible."""

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Pick:
    """One practice day of a priced schedule."""

    day: date
    code: str
    with_supervisor: bool


@dataclass(frozen=True)
class Price:
    """The cost of a schedule and what it is made of (counts, not weighted)."""

    cost: int
    without: int = 0
    missed: int = 0
    unused: int = 0
    picks: tuple[Pick, ...] = ()

    def __add__(self, other: Price) -> Price:
        return Price(
            self.cost + other.cost, self.without + other.without, self.missed + other.missed,
            self.unused + other.unused, self.picks + other.picks,
        )


ZERO = Price(0)


@dataclass(frozen=True)
class WeekRule:
    """What a week asks of the recruit.

    ``mode = "weekly"``: between ``lo`` and ``hi`` practice days, consecutive; ``possible``
    is the number the short-week goal measures unused days against (0 in full weeks).
    ``mode = "roster"``: at least ``lo`` shifts (0 when the week is not full), missed roster
    shifts cost ``roster_shift_missed``. ``cap``: most minutes of practice (None = no limit).
    ``clock``: the week's clock change, if it has one: from that local minute on, real time
    is ``jump`` minutes behind local time (rest is real rest, D6).
    """

    mode: str
    lo: int
    hi: int
    possible: int = 0
    cap: int | None = None
    clock: tuple[int, int] | None = None  # a clock change: (local minute from Monday, minutes it jumps)


class Day(NamedTuple):
    """One date of a week as the programme sees it: its weekday, the recruit's school
    window that day (minutes from the week's Monday) if his class is in school and he is
    there, whether he may practise, and his supervisor's allowed shift (None if the
    supervisor is off, absent or on a shift the phase does not allow). A named tuple: the
    week tables are memoised by their days, and a tuple hashes fast."""

    weekday: int
    school: tuple[int, int] | None
    may_practise: bool
    shift: str | None
    toll: int = 0  # a price for practising that day (Lagrangian ward-capacity prices)


Boundary = int | None
"""End of the recruit's last activity in minutes relative to the Monday after the week
(negative), or None when it is long enough ago not to matter."""

Row = tuple[int, int, int, int, tuple | None]
"""A week table's best schedule for one end boundary: cost, days without supervisor, roster
shifts missed, unused days, and its picks as a linked list ``((weekday, code, with
supervisor), picks before it)`` or None (:func:`_price` turns it into a :class:`Price`)."""


class WeekPricer:
    """Prices recruit weeks for one instance, with memoised week tables.

    Parameters
    ----------
    instance, dom:
        The instance and its precomputed calendars.
    """

    def __init__(self, instance: Instance, dom: Domains) -> None:
        self.inst = instance
        self.dom = dom
        self.rest = round(instance.rules.min_rest_hours * 60)
        w = instance.weight
        self.w_without = weight_units(w("without_supervisor"))
        self.w_missed = weight_units(w("roster_shift_missed"))
        self.w_unused = weight_units(w("short_week_unused"))
        self.windows: dict[str, tuple[int, int]] = {}
        for code, shift in instance.shift.items():
            start = shift.start.hour * 60 + shift.start.minute
            self.windows[code] = (start, start + shift.minutes)
        self._tables: dict[tuple, dict[Boundary, Price]] = {}
        self._relaxed: dict[tuple, int] = {}
        self._parts: dict[tuple, int] = {}
        self._windows: dict[tuple, tuple[int, int]] = {}
        self._practice: dict[tuple[str, str], frozenset[date]] = {}
        self._recruit_days: dict[tuple, tuple] = {}
        self._sup_days: dict[tuple, tuple] = {}
        self._rules: dict[tuple, WeekRule] = {}
        self._clocks: dict[tuple[int, int], tuple[int, int] | None] = {}

    # ---- what a week looks like for a recruit ------------------------------------------
    def may_practise(self, recruit_id: str, phase: Phase) -> frozenset[date]:
        key = (recruit_id, phase.id)
        if key not in self._practice:
            self._practice[key] = frozenset(self.dom.practice_days(recruit_id, phase))
        return self._practice[key]

    def supervisor_shift(self, sup_id: str, phase: Phase, day: date) -> str | None:
        code = self.dom.supervisor_works(sup_id, day)
        return code if code is not None and self.dom.allowed_shift(code, phase) else None

    def rule(self, recruit_id: str, phase: Phase, week: tuple[int, int], school: frozenset[date]) -> WeekRule:
        """The week's rule for a recruit whose class is in school on ``school``."""
        key = (recruit_id, phase.id, week, school)
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = self._rule(recruit_id, phase, week, school)
        return found

    def _rule(self, recruit_id: str, phase: Phase, week: tuple[int, int], school: frozenset[date]) -> WeekRule:
        rule = self._rule_of(recruit_id, phase, week, school)
        clock = self.clock(week)
        return rule if clock is None else WeekRule(rule.mode, rule.lo, rule.hi, rule.possible, rule.cap, clock)

    def clock(self, week: tuple[int, int]) -> tuple[int, int] | None:
        """The week's clock change in the instance's timezone: (local minute from Monday
        when the new offset starts, minutes the offset grows), or None."""
        if week not in self._clocks:
            self._clocks[week] = _clock_change(self.inst, _monday(week))
        return self._clocks[week]

    def _rule_of(self, recruit_id: str, phase: Phase, week: tuple[int, int], school: frozenset[date]) -> WeekRule:
        inst, dom = self.inst, self.dom
        days = dom.week_days(phase, week)
        cap = None if phase.max_hours_per_week is None else round(phase.max_hours_per_week * 60)
        class_id = inst.recruit[recruit_id].class_id
        if phase.kind == "practice":
            window = dom.recruit_phase_days(recruit_id, phase)
            full = _full_practice_week(inst, recruit_id, set(window), days)
            return WeekRule("roster", phase.min_shifts_per_week if full else 0, 7, cap=cap)
        if inst.model_of(class_id, phase) == "block":
            if school or not any(inst.is_open_school_day(class_id, d, phase) for d in days):
                return WeekRule("roster", 0, 0, cap=cap)  # school week or closed week: no practice
            window = dom.recruit_phase_days(recruit_id, phase)
            full = _full_practice_week(inst, recruit_id, set(window), days)
            return WeekRule("roster", phase.min_shifts_per_practice_week if full else 0, 7, cap=cap)
        k = phase.practice_days_per_week
        full = dom.is_full_week(class_id, phase, week)
        present = not any(inst.is_absent(recruit_id, d) for d in days)
        possible = 0 if full else min(k, sum(d in self.may_practise(recruit_id, phase) for d in days))
        return WeekRule("weekly", k if full and present else 0, k, possible, cap)

    def recruit_days(
        self, recruit_id: str, phase: Phase, week: tuple[int, int], school: frozenset[date]
    ) -> tuple[tuple[int, tuple[int, int] | None, bool], ...]:
        """The recruit's side of a week: per date, its weekday, his school window (minutes
        from Monday) if his class is in school and he is there, and whether he may practise."""
        key = (recruit_id, phase.id, week, school)
        found = self._recruit_days.get(key)
        if found is not None:
            return found
        inst = self.inst
        r = inst.recruit[recruit_id]
        may = self.may_practise(recruit_id, phase)
        base = datetime.combine(_monday(week), datetime.min.time())
        out = []
        for d in self.dom.week_days(phase, week):
            window = None
            if d in school and not inst.is_absent(recruit_id, d):
                start, end = inst.school_day_window(r.class_id, d)
                window = (_minutes(start - base), _minutes(end - base))
            out.append((d.weekday(), window, d in may and d not in school))
        found = self._recruit_days[key] = tuple(out)
        return found

    def supervisor_days(self, sup_id: str | None, phase: Phase, week: tuple[int, int]) -> tuple[str | None, ...]:
        """The supervisor's allowed shift on each date of the week in the phase (None = off,
        absent or a shift the phase does not allow)."""
        key = (sup_id, phase.id, week)
        found = self._sup_days.get(key)
        if found is None:
            days = self.dom.week_days(phase, week)
            found = tuple(self.supervisor_shift(sup_id, phase, d) if sup_id else None for d in days)
            self._sup_days[key] = found
        return found

    def days(
        self, recruit_id: str, sup_id: str | None, phase: Phase, week: tuple[int, int], school: frozenset[date]
    ) -> tuple[Day, ...]:
        return combine(self.recruit_days(recruit_id, phase, week, school), self.supervisor_days(sup_id, phase, week))

    # ---- prices -------------------------------------------------------------------------
    def week(
        self, recruit_id: str, sup_id: str | None, phase: Phase, week: tuple[int, int],
        school: frozenset[date], entry: Boundary = None,
    ) -> dict[Boundary, Price]:
        """The best price of the week for each boundary at its end (empty = impossible)."""
        rule = self.rule(recruit_id, phase, week, school)
        days = self.days(recruit_id, sup_id, phase, week, school)
        table = self.table(days, rule, entry)
        monday = _monday(week)
        return {b: _price(row, monday) for b, row in table.items()}

    def relaxed(
        self, recruit_id: str, sup_id: str | None, phase: Phase, week: tuple[int, int], school: frozenset[date]
    ) -> int:
        """The week's cost with no activity before it and any boundary after it: a lower
        bound of the same week inside a longer plan (INF if the week is impossible)."""
        rule = self.rule(recruit_id, phase, week, school)
        days = self.days(recruit_id, sup_id, phase, week, school)
        return self.relaxed_cost(days, rule)

    def relaxed_cost(self, days: tuple[Day, ...], rule: WeekRule) -> int:
        key = (days, rule)
        found = self._relaxed.get(key)
        if found is None:
            table = self.table(days, rule, None)
            found = self._relaxed[key] = min((row[0] for row in table.values()), default=INF)
        return found

    def window_cost(self, days: tuple[tuple[Day, ...], ...], rules: tuple[WeekRule, ...],
                    start: int | None) -> tuple[int, int]:
        """Consecutive weeks chained exactly (their days and rules, nothing before the first):
        the best cost with any end, and with an end that leaves the rest before an activity
        ``start`` minutes after the next Monday (the open cost when ``start`` is None)."""
        key = (days, rules, start)
        found = self._windows.get(key)
        if found is None:
            states: dict[Boundary, int] = {None: 0}
            for week_days, rule in zip(days, rules, strict=True):
                states = self.step(states, week_days, rule)
            open_cost = min(states.values(), default=INF)
            kept = open_cost if start is None else min(
                (v for b, v in states.items() if b is None or start - b >= self.rest), default=INF)
            found = self._windows[key] = (open_cost, kept)
        return found

    def step(self, states: dict[Boundary, int], days: tuple[Day, ...], rule: WeekRule) -> dict[Boundary, int]:
        """Least cost per end boundary after one more week, from the least cost per entry
        boundary ``states`` (a week's costs chained, as :meth:`chain` does with prices)."""
        nxt: dict[Boundary, int] = {}
        for b, acc in states.items():
            for b2, row in self.table(days, rule, b).items():
                if acc + row[0] < nxt.get(b2, INF):
                    nxt[b2] = acc + row[0]
        return nxt

    def relaxed_parts(
        self, recruit_days: tuple, sup_days: tuple[str | None, ...], rule: WeekRule, tolls: tuple[int, ...] | None = None
    ) -> int:
        """:meth:`relaxed_cost` from the recruit's and the supervisor's side of a week."""
        key = (recruit_days, sup_days, rule, tolls)
        found = self._parts.get(key)
        if found is None:
            found = self._parts[key] = self.relaxed_cost(combine(recruit_days, sup_days, tolls), rule)
        return found

    def chain(
        self, recruit_id: str, sup_id: str | None, phase: Phase,
        school_of_week: dict[tuple[int, int], frozenset[date]], entry: Boundary = None,
        *, dated: bool = True, tolls: dict[date, int] | None = None,
    ) -> Price | None:
        """The exact best price of the whole phase for one recruit with one supervisor,
        given his class's school days (the weeks chained by their boundaries). With
        ``dated=False`` the picks are left undated (cheaper, for prices only); ``tolls``
        prices practising on given dates."""
        states: dict[Boundary, Price] = {entry: ZERO}
        for week in self.dom.weeks(phase):
            school = school_of_week.get(week, frozenset())
            rule = self.rule(recruit_id, phase, week, school)
            week_tolls = None
            if tolls:
                week_tolls = tuple(tolls.get(d, 0) for d in self.dom.week_days(phase, week))
                week_tolls = week_tolls if any(week_tolls) else None
            days = combine(self.recruit_days(recruit_id, phase, week, school),
                           self.supervisor_days(sup_id, phase, week), week_tolls)
            monday = _monday(week)
            nxt: dict[Boundary, Price] = {}
            for b, acc in states.items():
                for b2, row in self.table(days, rule, b).items():
                    total = acc + (_price(row, monday) if dated else Price(*row[:4]))
                    if b2 not in nxt or _better(total, nxt[b2]):
                        nxt[b2] = total
            states = nxt
            if not states:
                return None
        return min(states.values(), key=lambda p: (p.cost, p.without))

    # ---- the week table -------------------------------------------------------------------
    def table(self, days: tuple[Day, ...], rule: WeekRule, entry: Boundary) -> dict[Boundary, Row]:
        """Best price per end boundary for a week that starts after ``entry``, as a
        :data:`Row` (:func:`_price` makes it a dated :class:`Price`)."""
        key = (days, rule, entry)
        found = self._tables.get(key)
        if found is None:
            found = self._solve(days, rule, entry)
            self._tables[key] = found
        return found

    def _solve(self, days: tuple[Day, ...], rule: WeekRule, entry: Boundary) -> dict[Boundary, Row]:
        rest, weekly = self.rest, rule.mode == "weekly"
        change, jump = rule.clock or (10 * MINUTES_PER_DAY, 0)

        def real(t: int) -> int:  # local minutes from Monday -> real minutes from Monday
            return t - jump if t >= change else t

        d_start, d_end = self.windows[DAY_SHIFT]
        w_missed, w_without, cap, hi = self.w_missed, self.w_without, rule.cap, rule.hi
        # state: (last end, count, minutes, run) -> (cost, without, missed, picks)
        # run (weekly): 0 = not started, 1 = in the run, 2 = the run is over; picks are a
        # linked list, (last pick, picks before it) or None, unwound only for the winners.
        # A state reached again keeps its first value unless a later one has a lower (cost,
        # without): the loops run in a fixed order, so the choice is the same on every run
        State = tuple[int | None, int, int, int]
        states: dict[State, tuple[int, int, int, tuple | None]] = {(entry, 0, 0, 0): (0, 0, 0, None)}
        for day in days:
            nxt: dict[State, tuple[int, int, int, tuple | None]] = {}
            get = nxt.get
            if day.school is not None:
                start, end = real(day.school[0]), real(day.school[1])
                for (last, count, minutes, run), value in states.items():
                    if last is None or start - last >= rest:
                        key = (end, count, minutes, 2 if run == 1 else run)
                        old = get(key)
                        if old is None or (value[0], value[1]) < (old[0], old[1]):
                            nxt[key] = value
                states = nxt
                continue
            base = day.weekday * MINUTES_PER_DAY
            # no practice this day: a roster shift of his supervisor missed
            miss_off = 1 if (day.shift is not None and not weekly and hi > 0) else 0
            # (code, with supervisor, real start, real end, minutes towards the cap (D7), cost, missed)
            options = []
            if day.may_practise:
                if day.shift is not None:
                    s, e = self.windows[day.shift]
                    start, end = real(base + s), real(base + e)
                    options.append((day.shift, True, start, end, max(e - s, end - start), day.toll, 0))
                miss = 1 if (day.shift is not None and not weekly) else 0
                start, end = real(base + d_start), real(base + d_end)
                options.append((DAY_SHIFT, False, start, end, max(d_end - d_start, end - start),
                                w_without + day.toll + miss * w_missed, miss))
            for (last, count, minutes, run), (cost, without, missed, picks) in states.items():
                after_run = 2 if run == 1 else run
                key = (last, count, minutes, after_run)
                value = (cost + miss_off * w_missed, without, missed + miss_off, picks)
                old = get(key)
                if old is None or (value[0], value[1]) < (old[0], old[1]):
                    nxt[key] = value
                if not options or count >= hi or (weekly and run == 2):
                    continue
                for code, with_sup, start, end, length, extra, miss in options:
                    if last is not None and start - last < rest:
                        continue
                    mins = minutes + length
                    if cap is not None and mins > cap:
                        continue
                    key = (end, count + 1, mins if cap is not None else 0, 1)
                    value = (cost + extra, without + (not with_sup), missed + miss,
                             ((day.weekday, code, with_sup), picks))
                    old = get(key)
                    if old is None or (value[0], value[1]) < (old[0], old[1]):
                        nxt[key] = value
            states = nxt
        best: dict[Boundary, Row] = {}
        week_end = real(7 * MINUTES_PER_DAY)
        for (last, count, _minutes, _run), (cost, without, missed, picks) in states.items():
            if count < rule.lo:
                continue
            unused = max(0, rule.possible - count) if weekly else 0
            b = None if last is None or last - week_end <= -rest else last - week_end
            total = cost + unused * self.w_unused
            old = best.get(b)
            if old is None or (total, without) < (old[0], old[1]):  # as _better: the first of equals stays
                best[b] = (total, without, missed, unused, picks)
        return best


def combine(recruit_days: tuple, sup_days: tuple[str | None, ...], tolls: tuple[int, ...] | None = None) -> tuple[Day, ...]:
    """A week's days from the recruit's side and the supervisor's side (and day tolls)."""
    tolls = tolls or (0,) * len(sup_days)
    return tuple(Day(wd, window, may, code if may else None, toll if may else 0)
                 for (wd, window, may), code, toll in zip(recruit_days, sup_days, tolls, strict=True))


def _better(a: Price, b: Price) -> bool:
    """Lower cost first, then fewer days without supervisor; ties keep the schedule found
    first (the loops run in a fixed order, so the choice is the same on every run)."""
    return (a.cost, a.without) < (b.cost, b.without)


def _price(row: Row, monday: date) -> Price:
    """A week table's row as the price of the week of ``monday``, its picks dated."""
    cost, without, missed, unused, picks = row
    out = []
    while picks is not None:
        (wd, code, with_sup), picks = picks
        out.append(Pick(monday + timedelta(days=wd), code, with_sup))
    return Price(cost, without, missed, unused, tuple(reversed(out)))


def _clock_change(inst: Instance, monday: date) -> tuple[int, int] | None:
    """The first clock change of the week starting ``monday``, on the hour (local minutes
    from Monday 00:00 and the growth of the UTC offset in minutes), or None."""
    zone = inst.zone
    if zone is None:
        return None
    start = datetime.combine(monday, datetime.min.time())

    def offset(h: int) -> int:
        return int((start + timedelta(hours=h)).replace(tzinfo=zone).utcoffset().total_seconds() // 60)

    first = offset(0)
    if offset(7 * 24) == first:
        return None
    for h in range(1, 7 * 24 + 1):
        if offset(h) != first:
            return h * 60, offset(h) - first
    return None


def _monday(week: tuple[int, int]) -> date:
    return date.fromisocalendar(week[0], week[1], 1)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _full_practice_week(inst: Instance, recruit_id: str, window: set[date], days: Sequence[date]) -> bool:
    """D10: all seven days of the ISO week in the recruit's window and none absent."""
    if not days:
        return False
    monday = days[0] - timedelta(days=days[0].weekday())
    week = [monday + timedelta(days=i) for i in range(7)]
    return all(d in window and not inst.is_absent(recruit_id, d) for d in week)


__all__ = ["INF", "Day", "Pick", "Price", "WeekPricer", "WeekRule", "combine"]

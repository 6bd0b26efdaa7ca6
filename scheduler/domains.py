"""Which days and shifts are possible at all, before any decision (R3, R8, R9, R12).

The model creates variables only inside these domains, so rules that simply forbid a
day (a weekend for school, a closure for practice, an absence, an unavailable weekday,
a night shift where nights are not allowed) are kept by construction. Everything here
is plain Python so that it can be tested without a solver.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from models import DAY_SHIFT, Instance, Phase, iso_week


@dataclass(frozen=True)
class Window:
    """An activity's local start and end, and the minutes it counts towards the week's
    hours (D7: for a shift across a clock change, the more of real and clock minutes)."""

    start: datetime
    end: datetime
    minutes: int


class Domains:
    """Precomputed calendars of an instance for the model.

    Parameters
    ----------
    instance:
        The validated instance.
    """

    def __init__(
        self, instance: Instance, phase_ids: tuple[str, ...] | None = None, top_k: int | None = None
    ) -> None:
        self.inst = instance
        self.phase_ids = phase_ids
        self.top_k = top_k
        self.only: dict[str, str] = {}
        """Recruits whose supervisor is fixed: he is their only candidate."""
        self.include: dict[str, set[str]] = {}
        """Supervisors kept as candidates whatever the estimate (earlier phase, pins)."""

    # ---- phases ---------------------------------------------------------------------
    @cached_property
    def phases(self) -> list[Phase]:
        """Phases in time order (only ``phase_ids`` when given)."""
        chosen = [p for p in self.inst.phases if self.phase_ids is None or p.id in self.phase_ids]
        return sorted(chosen, key=lambda p: p.start)

    def phase_of(self, day: date) -> Phase | None:
        for p in self.phases:
            if p.start <= day <= p.end:
                return p
        return None

    def recruit_phase_days(self, recruit_id: str, phase: Phase) -> list[date]:
        return self.inst.recruit_phase_days(recruit_id, phase)

    # ---- school (R3) ----------------------------------------------------------------
    def open_school_days(self, class_id: str, phase: Phase) -> list[date]:
        """R3: weekdays of an alternation phase that are neither closures nor holidays."""
        if phase.kind != "alternation":
            return []
        return [d for d in phase.dates() if self.inst.is_open_school_day(class_id, d, phase)]

    def weeks(self, phase: Phase) -> list[tuple[int, int]]:
        """ISO weeks touched by a phase, in order."""
        return list(self._phase_weeks(phase))

    def week_days(self, phase: Phase, week: tuple[int, int]) -> list[date]:
        """The dates of an ISO week that lie inside the phase."""
        return self._phase_weeks(phase).get(week, [])

    def _phase_weeks(self, phase: Phase) -> dict[tuple[int, int], list[date]]:
        """The phase's weeks and dates; for the recruit period also every recruit's own
        dates outside the phase's (``recruit_period_start``/``_end``, earlier or later), so
        that his days there are priced and their weeks keep R10's hours and shifts."""
        key = ("weeks", phase.id)
        if key not in self._cache:
            weeks: dict[tuple[int, int], list[date]] = {}
            for d in self.inst.phase_dates_of_anyone(phase):
                weeks.setdefault(iso_week(d), []).append(d)
            self._cache[key] = weeks
        return self._cache[key]

    def is_full_week(self, class_id: str, phase: Phase, week: tuple[int, int]) -> bool:
        """D2: all five weekdays of the ISO week are open school days of the class."""
        key = ("full", class_id, phase.id, week)
        if key not in self._cache:
            self._cache[key] = self.inst.is_full_week(class_id, phase, week)
        return self._cache[key]

    # ---- practice (R9, R12) -----------------------------------------------------------
    def practice_days(self, recruit_id: str, phase: Phase) -> list[date]:
        key = ("practice_days", recruit_id, phase.id)
        if key not in self._cache:
            self._cache[key] = self._practice_days(recruit_id, phase)
        return self._cache[key]

    def _practice_days(self, recruit_id: str, phase: Phase) -> list[date]:
        """Days on which a recruit may practise at all in a phase (``Instance.may_practise``)."""
        return [d for d in self.recruit_phase_days(recruit_id, phase) if self.inst.may_practise(recruit_id, phase, d)]

    def allowed_shift(self, code: str, phase: Phase) -> bool:
        """D4: night shifts only where the phase allows them (R10)."""
        return phase.allow_night or not self.inst.shift[code].is_night

    def supervisor_works(self, sup_id: str, day: date) -> str | None:
        key = ("works", sup_id, day)
        cache = self._cache
        if key not in cache:
            cache[key] = self.inst.supervisor_works(sup_id, day)
        return cache[key]

    def candidate_supervisors(self, recruit_id: str, phase: Phase | None = None) -> list[str]:
        """R1: supervisors within the recruit's travel limit (the ``top_k`` best by
        :meth:`estimate` in ``phase`` when ``top_k`` is set), in id order."""
        reach = [s.id for s in self.inst.reachable_supervisors(recruit_id)]
        if recruit_id in self.only and self.only[recruit_id] in reach:
            return [self.only[recruit_id]]
        if self.top_k is None or phase is None or len(reach) <= self.top_k:
            return reach
        ranked = sorted(reach, key=lambda s: (self.estimate(recruit_id, s, phase), s))
        keep = set(ranked[: self.top_k]) | (self.include.get(recruit_id, set()) & set(reach))
        return sorted(keep)

    @property
    def _cache(self) -> dict:
        """Results that depend only on the (immutable) instance, shared by every model
        built from it during one solve."""
        return self.inst.__dict__.setdefault("_domains_cache", {})

    def estimate(self, recruit_id: str, sup_id: str, phase: Phase) -> float:
        key = ("estimate", recruit_id, sup_id, phase.id)
        if key not in self._cache:
            self._cache[key] = self._estimate(recruit_id, sup_id, phase)
        return self._cache[key]

    def _estimate(self, recruit_id: str, sup_id: str, phase: Phase) -> float:
        """A quick guess at the cost of a placement, in objective units, used only to
        choose candidates: travel, wishes and the expected days without the supervisor.

        Practice phases: per full week, the shifts short of ``min_shifts_per_week`` that
        his roster does not cover. Alternation phases: the share of weekdays on which he
        is off or on an evening or night shift (a day before school cannot follow him),
        times the practice days a week.
        """
        inst = self.inst
        sup = inst.supervisor[sup_id]
        ward = inst.ward[sup.ward_id]
        r = inst.recruit[recruit_id]
        cost = inst.weight("travel") * inst.travel_minutes(recruit_id, ward.site_id)
        if r.preferred_sites and ward.site_id not in r.preferred_sites:
            cost += inst.weight("not_preferred_site")
        if r.avoids(ward.ward_type):
            cost += inst.weight("avoided_ward_type")
        if not sup.qualified:
            cost += inst.weight("unqualified_supervisor")
        days = self.practice_days(recruit_id, phase)
        if not days:
            return cost
        good = 0.0
        weeks: dict = defaultdict(int)
        for d in days:
            code = self.supervisor_works(sup_id, d)
            if code is None or not self.allowed_shift(code, phase):
                continue
            weeks[iso_week(d)] += 1
            shift = inst.shift[code]
            good += 0.5 if shift.is_evening else 1.0
        if phase.kind == "practice":
            short = sum(max(0, phase.min_shifts_per_week - weeks.get(w, 0)) for w in {iso_week(d) for d in days})
            expected = short
        else:
            expected = (1 - good / len(days)) * len(days) * 0.4
        return cost + inst.weight("without_supervisor") * expected

    def supervisors_by_shift(
        self, recruit_id: str, phase: Phase, day: date, candidates: list[str]
    ) -> dict[str, list[str]]:
        """Candidate supervisors grouped by the (allowed) shift they work on ``day``; a night
        shift that would run into the recruit's absence the next day cannot be followed (R9)."""
        out: dict[str, list[str]] = defaultdict(list)
        away_next = self.inst.is_absent(recruit_id, day + timedelta(days=1))
        for s in candidates:
            code = self.supervisor_works(s, day)
            if code is not None and self.allowed_shift(code, phase):
                if away_next and self.inst.shift[code].overnight:
                    continue
                out[code].append(s)
        return dict(out)

    # ---- windows ----------------------------------------------------------------------
    def shift_window(self, code: str, day: date) -> Window:
        return Window(*self.inst.shift[code].window(day), self.inst.shift_minutes(code, day))

    def day_shift_window(self, day: date) -> Window:
        return self.shift_window(DAY_SHIFT, day)

    def school_window(self, class_id: str, day: date) -> Window:
        start, end = self.inst.school_day_window(class_id, day)
        return Window(start, end, round(self.inst.elapsed_minutes(start, end)))

    def rest_ok(self, first: Window, second: Window) -> bool:
        """R9: enough real rest between ``first`` and a later ``second`` (D6)."""
        return self.inst.elapsed_minutes(first.end, second.start) >= self.inst.rules.min_rest_hours * 60

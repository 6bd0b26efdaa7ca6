"""Plain domain types of an instance (SPEC.md §1). No solver imports here.

Every type is a frozen dataclass. An :class:`Instance` is built by
:func:`models.read` and carries precomputed lookups (closed days, roster
shifts, travel times, reachable supervisors) that both the CP-SAT model and
the independent plan validator use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Literal

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names of SPEC.md, index = ``date.weekday()``."""

DAY_SHIFT = "D"
"""The ward's day shift a recruit works when not with his supervisor (R8)."""

ModelKind = Literal["weekly", "block"]
PhaseKind = Literal["practice", "alternation"]


@dataclass(frozen=True)
class Source:
    """Where a row came from: file name and 1-based line number (header = line 1); ``more``:
    the other lines of an object of several rows (a roster's weeks)."""

    file: str
    line: int
    more: tuple[int, ...] = ()

    def __str__(self) -> str:
        if not self.more:
            return f"{self.file} line {self.line}"
        runs: list[list[int]] = []
        for n in sorted({self.line, *self.more}):
            if runs and n == runs[-1][-1] + 1:
                runs[-1].append(n)
            else:
                runs.append([n])
        return f"{self.file} lines " + ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


@dataclass(frozen=True)
class Shift:
    code: str
    name: str
    start: time
    end: time
    source: Source | None = field(default=None, compare=False)

    @property
    def overnight(self) -> bool:
        """An ``end`` before (or equal to) ``start`` ends on the next day (SPEC §1)."""
        return self.end <= self.start

    @property
    def minutes(self) -> int:
        s = self.start.hour * 60 + self.start.minute
        e = self.end.hour * 60 + self.end.minute
        return e - s + (24 * 60 if self.overnight else 0)

    @property
    def hours(self) -> float:
        return self.minutes / 60

    def window(self, day: date) -> tuple[datetime, datetime]:
        """Local start and end of this shift when it starts on ``day``."""
        start = datetime.combine(day, self.start)
        return start, start + timedelta(minutes=self.minutes)

    @property
    def is_night(self) -> bool:
        """A night shift is one that runs past midnight (SPEC's ``N``)."""
        return self.overnight

    @property
    def is_evening(self) -> bool:
        """Evening (D5): starts at or after 12:00 and ends at or after 20:30 on its own day, or is
        a night shift."""
        return self.overnight or (self.end >= time(20, 30) and self.start >= time(12, 0))


@dataclass(frozen=True)
class Roster:
    """A rotating roster: ``weeks[i][weekday]`` is a shift code or ``None`` (off)."""

    id: str
    weeks: tuple[tuple[str | None, ...], ...]
    source: Source | None = field(default=None, compare=False)  # the roster's first row
    week_lines: tuple[int, ...] = field(default=(), compare=False)  # the line of each week's row, in week order


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    municipality: str
    lat: float
    lon: float
    address: str = ""
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Ward:
    id: str
    site_id: str
    name: str
    ward_type: str
    capacity: int
    first_placement_ok: bool
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Supervisor:
    id: str
    name: str
    ward_id: str
    roster_id: str
    roster_start: date
    position_pct: float | None = None
    qualified: bool = False
    max_recruits: int = 1
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Recruit:
    id: str
    name: str
    class_id: str
    lat: float
    lon: float
    max_travel_minutes: int | None = None
    unavailable_weekdays: frozenset[int] = frozenset()
    preferred_sites: tuple[str, ...] = ()
    avoid_ward_types: frozenset[str] = frozenset()  # case-folded
    recruit_period_start: date | None = None
    recruit_period_end: date | None = None
    source: Source | None = field(default=None, compare=False)

    def avoids(self, ward_type: str) -> bool:
        """Whether he avoids wards of ``ward_type``; letter case does not matter (a ward typed
        ``Dementia`` is one an avoid list's ``dementia`` means)."""
        return ward_type.casefold() in self.avoid_ward_types


@dataclass(frozen=True)
class School:
    id: str
    name: str
    lat: float
    lon: float
    address: str = ""
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SchoolClass:
    id: str
    school_id: str
    name: str
    model: ModelKind | None = None
    shared_day_with: str | None = None
    school_day_start: time | None = None
    school_day_end: time | None = None
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Teacher:
    id: str
    school_id: str
    name: str
    weekdays: frozenset[int]
    max_days_per_week: int
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    reason: str
    school_id: str | None = None
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Absence:
    person_id: str
    start: date
    end: date
    reason: str = ""
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Phase:
    """A phase of the cohort year (SPEC §1 ``[[phases]]``).

    ``kind = "practice"``: full-time practice following the supervisor's roster (R10).
    ``kind = "alternation"``: school/practice alternation on the weekly (R4, R6) or
    block (R5) model.
    """

    id: str
    kind: PhaseKind
    start: date
    end: date
    model: ModelKind | None = None
    school_days_per_week: int = 3
    practice_days_per_week: int = 2
    min_school_days: int = 0
    school_block_weeks: tuple[int, int] = (3, 5)
    practice_block_weeks: tuple[int, int] = (2, 4)
    min_shifts_per_week: int = 3
    min_shifts_per_practice_week: int = 3
    max_hours_per_week: float | None = None
    allow_night: bool = False

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Rules:
    min_rest_hours: float = 11
    max_travel_minutes: int = 60
    school_day_start: time = time(8, 30)
    school_day_end: time = time(15, 0)
    practice_on_weekends: bool = False
    practice_in_school_holidays: bool = False


DEFAULT_WEIGHTS: dict[str, float] = {
    # SPEC §3, in order of usual weight. Units: per item named in the comment.
    "without_supervisor": 100.0,  # per practice day without own supervisor
    "travel": 1.0,  # per minute of one-way travel, per recruit and phase
    "not_preferred_site": 30.0,  # per recruit and phase not at one of his preferred sites
    "avoided_ward_type": 150.0,  # per recruit and phase on a ward type he asked to avoid
    "first_placement": 60.0,  # first placement on a ward without first_placement_ok
    "alone_at_site": 20.0,  # per recruit and phase without another recruit at his site
    "weekend_fairness": 10.0,  # per shift of spread (max - min) of weekend shifts
    "evening_fairness": 5.0,  # per shift of spread of evening and night shifts
    "unqualified_supervisor": 10.0,  # per recruit and phase with a non-qualified supervisor
    "supervisor_change": 15.0,  # per change of supervisor between consecutive phases
    "roster_shift_missed": 3.0,  # practice phase: a supervisor shift the recruit does not follow
    "short_week_unused": 5.0,  # week not full: each class school day and recruit practice day below the weekly number
    "long_school_block": 100.0,  # block model: per recruit, each school week beyond the shortest block
    "plan_change": 50.0,  # re-planning: per recruit-phase assignment changed
}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


ROAD_FACTOR = 1.3
ROAD_SPEED_KMH = 50.0
TRAVEL_OVERHEAD_MINUTES = 5


def estimate_travel_minutes(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Travel time estimate when ``travel.csv`` has no row for the pair.

    Great-circle distance times a road factor of 1.3, at 50 km/h, plus 5 minutes to
    get going, rounded up to whole minutes.
    """
    km = haversine_km(lat1, lon1, lat2, lon2) * ROAD_FACTOR
    return math.ceil(km / ROAD_SPEED_KMH * 60 + TRAVEL_OVERHEAD_MINUTES)


@dataclass(frozen=True)
class Instance:
    """A validated instance with precomputed lookups. Build it with :func:`models.read`."""

    name: str
    timezone: str
    country: str | None
    rules: Rules
    phases: tuple[Phase, ...]
    recruits: tuple[Recruit, ...]
    sites: tuple[Site, ...]
    wards: tuple[Ward, ...]
    supervisors: tuple[Supervisor, ...]
    rosters: tuple[Roster, ...]
    shifts: tuple[Shift, ...]
    schools: tuple[School, ...]
    classes: tuple[SchoolClass, ...]
    teachers: tuple[Teacher, ...]
    closures: tuple[Closure, ...]
    absences: tuple[Absence, ...]
    travel_overrides: dict[tuple[str, str], int]
    weights: dict[str, float]
    holidays: dict[date, str]
    path: str = ""

    # ---- lookups by id -------------------------------------------------------------
    @cached_property
    def recruit(self) -> dict[str, Recruit]:
        return {r.id: r for r in self.recruits}

    @cached_property
    def site(self) -> dict[str, Site]:
        return {s.id: s for s in self.sites}

    @cached_property
    def ward(self) -> dict[str, Ward]:
        return {w.id: w for w in self.wards}

    @cached_property
    def supervisor(self) -> dict[str, Supervisor]:
        return {s.id: s for s in self.supervisors}

    @cached_property
    def roster(self) -> dict[str, Roster]:
        return {r.id: r for r in self.rosters}

    @cached_property
    def shift(self) -> dict[str, Shift]:
        return {s.code: s for s in self.shifts}

    @cached_property
    def school(self) -> dict[str, School]:
        return {s.id: s for s in self.schools}

    @cached_property
    def klass(self) -> dict[str, SchoolClass]:
        return {c.id: c for c in self.classes}

    @cached_property
    def teacher(self) -> dict[str, Teacher]:
        return {t.id: t for t in self.teachers}

    @cached_property
    def phase(self) -> dict[str, Phase]:
        return {p.id: p for p in self.phases}

    def recruits_of(self, class_id: str) -> list[Recruit]:
        return [r for r in self.recruits if r.class_id == class_id]

    def supervisors_of(self, ward_id: str) -> list[Supervisor]:
        return [s for s in self.supervisors if s.ward_id == ward_id]

    # ---- calendars -----------------------------------------------------------------
    @cached_property
    def _absent(self) -> dict[str, set[date]]:
        out: dict[str, set[date]] = {}
        for a in self.absences:
            days = out.setdefault(a.person_id, set())
            d = a.start
            while d <= a.end:
                days.add(d)
                d += timedelta(days=1)
        return out

    def is_absent(self, person_id: str, day: date) -> bool:
        return day in self._absent.get(person_id, ())

    def absent_days(self, person_id: str) -> set[date]:
        return self._absent.get(person_id, set())

    def closure_reason(self, school_id: str | None, day: date) -> str | None:
        """Why ``day`` is closed for school ``school_id`` (closure or public holiday)."""
        if day in self.holidays:
            return self.holidays[day]
        for c in self.closures:
            if c.start <= day <= c.end and (c.school_id is None or c.school_id == school_id):
                return c.reason or "closure"
        return None

    def is_open_school_day(self, class_id: str, day: date, phase: Phase) -> bool:
        """R3: a weekday inside the alternation phase, not a closure or public holiday."""
        return (
            phase.kind == "alternation"
            and phase.contains(day)
            and day.weekday() < 5
            and self.closure_reason(self.klass[class_id].school_id, day) is None
        )

    def supervisor_shift(self, supervisor_id: str, day: date) -> str | None:
        """The supervisor's roster shift on ``day`` (None = off). Ignores absences.

        ``roster_start`` is a Monday on which week 1, ``mon`` applies; the rotation
        repeats forwards and backwards.
        """
        sup = self.supervisor[supervisor_id]
        weeks = self.roster[sup.roster_id].weeks
        offset = (day - sup.roster_start).days
        week = (offset // 7) % len(weeks)
        return weeks[week][day.weekday()]

    def supervisor_works(self, supervisor_id: str, day: date) -> str | None:
        """The supervisor's shift on ``day`` if he works it (roster and not absent)."""
        if self.is_absent(supervisor_id, day):
            return None
        return self.supervisor_shift(supervisor_id, day)

    def school_day_window(self, class_id: str, day: date) -> tuple[datetime, datetime]:
        k = self.klass[class_id]
        start = k.school_day_start or self.rules.school_day_start
        end = k.school_day_end or self.rules.school_day_end
        return datetime.combine(day, start), datetime.combine(day, end)

    def model_of(self, class_id: str, phase: Phase) -> ModelKind | None:
        """The alternation model of a class in a phase: the class's own, else the phase's."""
        if phase.kind != "alternation":
            return None
        return self.klass[class_id].model or phase.model or "weekly"

    def recruit_phase_window(self, recruit_id: str, phase: Phase) -> tuple[date, date]:
        """The dates of ``phase`` that apply to a recruit.

        ``recruit_period_start``/``recruit_period_end`` in recruits.csv override the dates
        of the first practice phase (the recruit period) for that recruit.
        """
        r = self.recruit[recruit_id]
        if phase.kind == "practice" and phase.id == self.recruit_period_id:
            return (r.recruit_period_start or phase.start, r.recruit_period_end or phase.end)
        return phase.start, phase.end

    def recruit_phase_days(self, recruit_id: str, phase: Phase) -> list[date]:
        """Every date of the recruit's own window of ``phase`` (:meth:`recruit_phase_window`)."""
        start, end = self.recruit_phase_window(recruit_id, phase)
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]

    def phase_dates_of_anyone(self, phase: Phase) -> list[date]:
        """The phase's dates and every recruit's own (a recruit period may reach outside the
        phase's dates, earlier or later), in order."""
        days = set(phase.dates())
        if phase.id == self.recruit_period_id:
            for r in self.recruits:
                days.update(self.recruit_phase_days(r.id, phase))
        return sorted(days)

    def may_practise(self, recruit_id: str, phase: Phase, day: date) -> bool:
        """Whether a recruit may practise on ``day`` in ``phase`` at all (before any decision).

        Practice phases: every day of his window (R12: holidays included). Alternation
        phases: not on closures or public holidays unless ``practice_in_school_holidays``
        (R12); weekly model: weekdays unless ``practice_on_weekends`` (R4). Never on his
        absences or his unavailable weekdays (R9); the class's school days are a decision.
        """
        r = self.recruit[recruit_id]
        start, end = self.recruit_phase_window(recruit_id, phase)
        if not start <= day <= end or day.weekday() in r.unavailable_weekdays or self.is_absent(recruit_id, day):
            return False
        if phase.kind == "alternation":
            school_id = self.klass[r.class_id].school_id
            if not self.rules.practice_in_school_holidays and self.closure_reason(school_id, day):
                return False
            if self.model_of(r.class_id, phase) == "weekly" and day.weekday() >= 5 and not self.rules.practice_on_weekends:
                return False
        return True

    def phase_weeks(self, phase: Phase) -> dict[tuple[int, int], list[date]]:
        """The ISO weeks a phase touches, each with its dates inside the phase, in order."""
        out: dict[tuple[int, int], list[date]] = {}
        for d in phase.dates():
            out.setdefault(iso_week(d), []).append(d)
        return out

    def is_full_week(self, class_id: str, phase: Phase, week: tuple[int, int]) -> bool:
        """D2: all five weekdays of the ISO week are open school days of the class."""
        monday = date.fromisocalendar(week[0], week[1], 1)
        return all(self.is_open_school_day(class_id, monday + timedelta(days=i), phase) for i in range(5))

    @cached_property
    def recruit_period_id(self) -> str | None:
        """The recruit period: the earliest phase of kind ``practice``."""
        practice = sorted((p for p in self.phases if p.kind == "practice"), key=lambda p: p.start)
        return practice[0].id if practice else None

    # ---- time ----------------------------------------------------------------------
    @cached_property
    def zone(self):
        """The instance's timezone (``zoneinfo``), or None if the system does not know it."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def elapsed_minutes(self, earlier: datetime, later: datetime) -> float:
        """Real minutes between two local times (D6: rest is real rest, so across a clock
        change the wall-clock difference is an hour off). A local time that does not exist
        or exists twice is read as the first."""
        if self.zone is None:
            return (later - earlier).total_seconds() / 60
        a = earlier.replace(tzinfo=self.zone).timestamp()
        b = later.replace(tzinfo=self.zone).timestamp()
        return (b - a) / 60

    def counted_minutes(self, start: datetime, end: datetime) -> float:
        """The minutes an activity from ``start`` to ``end`` (local times) counts towards the
        week's hours (D7): the more of its real minutes and its minutes by the clock. A night
        across the autumn clock change lasts an hour longer than its times say and counts
        so; across the spring change it counts by the clock, so that the week keeps its cap
        either way."""
        return max((end - start).total_seconds() / 60, self.elapsed_minutes(start, end))

    def shift_minutes(self, code: str, day: date) -> int:
        """:meth:`counted_minutes` of shift ``code`` starting on ``day``."""
        return round(self.counted_minutes(*self.shift[code].window(day)))

    # ---- travel --------------------------------------------------------------------
    def travel_minutes(self, recruit_id: str, site_id: str) -> int:
        key = (recruit_id, site_id)
        if key in self.travel_overrides:
            return self.travel_overrides[key]
        r, s = self.recruit[recruit_id], self.site[site_id]
        return estimate_travel_minutes(r.lat, r.lon, s.lat, s.lon)

    def travel_is_estimated(self, recruit_id: str, site_id: str) -> bool:
        return (recruit_id, site_id) not in self.travel_overrides

    def travel_limit(self, recruit_id: str) -> int:
        r = self.recruit[recruit_id]
        return r.max_travel_minutes if r.max_travel_minutes is not None else self.rules.max_travel_minutes

    def reachable_supervisors(self, recruit_id: str) -> list[Supervisor]:
        """Supervisors whose site is within the recruit's travel limit (R1), in id order."""
        limit = self.travel_limit(recruit_id)
        out = []
        for s in self.supervisors:
            site_id = self.ward[s.ward_id].site_id
            if self.travel_minutes(recruit_id, site_id) <= limit:
                out.append(s)
        return out

    def weight(self, name: str) -> float:
        return self.weights.get(name, DEFAULT_WEIGHTS[name])


def iso_week(day: date) -> tuple[int, int]:
    """ISO (year, week) of a date; 2026 has a week 53."""
    y, w, _ = day.isocalendar()
    return (y, w)


def week_label(week: tuple[int, int]) -> str:
    return f"{week[0]}-W{week[1]:02d}"

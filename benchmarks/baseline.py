"""The coordinator's hand-made plan: the yardstick the planner is measured against.

What a careful coordinator does by hand, as the issue defines it: "nearest free
supervisor for each recruit, kept all year, one fixed weekly pattern per class,
following the supervisor's shift when the rest rule allows". Concretely:

* **Supervisor** (R1, R2): recruits in id order each take the supervisor with the shortest
  travel time within the recruit's limit who still has a free place (``max_recruits``,
  counted once for the whole year) and whose ward still has room for one more recruit
  (every recruit placed on the ward counts, so the ward capacity holds on every date).
  The recruit keeps that supervisor in every phase.
* **Weekly model** (R4, R6): one fixed pattern per class for all alternation phases: the
  first window of ``practice_days_per_week`` consecutive weekdays (mon+tue, tue+wed, ...)
  that none of the class's recruits has among his unavailable weekdays; school on the other
  weekdays. For a partner class (``shared_day_with``) whose partner already has a pattern,
  the first such window whose school days share exactly one weekday with the partner's.
  Closures and holidays simply have no school and no practice.
* **Block model** (R5): a fixed cycle of ``school_block_weeks[0]`` school weeks and
  ``practice_block_weeks[0]`` practice weeks (3 + 2 in the bundled instances) over the weeks
  of the phase that have an open school day. Practice weeks follow the roster as in the
  recruit period.
* **Practice phases** (R8-R10): day by day, the recruit works every shift of his supervisor
  (who works it and is not absent; no night shift unless allowed; not on the recruit's
  absences or unavailable weekdays) as long as the rest rule and ``max_hours_per_week``
  allow. A full week (D10) that ends with fewer than the minimum shifts gets ``D`` shifts
  without supervisor on free days where rest and hours allow.
* **Weekly practice days**: the supervisor's shift when he works it and rest allows
  against the previous and the next activity, otherwise ``D`` without supervisor.
* **Teachers** (R7): per class school day the first teacher of the school (in id order)
  who teaches that weekday, is present, has days left that week and is free that date;
  partner classes in school on the same date share one teacher (``joint_with``).

The plan need not satisfy every rule (``min_school_days`` is not looked at, for one); it
is the yardstick for "days without own supervisor".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models.domain import DAY_SHIFT, Instance, Phase, Recruit, Supervisor, iso_week
from models.plan import Activity, Assignment, ClassDay, Plan

__all__ = ["WeeklyPattern", "block_weeks", "choose_supervisors", "class_patterns", "coordinator_plan",
           "weekly_options"]

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class WeeklyPattern:
    """A class's fixed week in the weekly model: weekday numbers (mon = 0)."""

    practice: tuple[int, ...]
    school: tuple[int, ...]


def coordinator_plan(instance: Instance) -> Plan:
    """The coordinator's plan for ``instance`` (see the module docstring).

    Recruits for whom no supervisor with a free place is within reach get no assignment and
    no practice rows (only their school rows).
    """
    inst = instance
    phases = sorted(inst.phases, key=lambda p: p.start)
    sup_of = choose_supervisors(inst)
    patterns = class_patterns(inst)
    school_days, practice_weeks = _class_calendars(inst, phases, patterns)

    plan = Plan()
    for r in inst.recruits:
        sup = sup_of.get(r.id)
        if sup is None:
            continue
        ward = inst.ward[sup.ward_id]
        for p in phases:
            plan.assignments.append(Assignment(
                r.id, p.id, sup.id, ward.id, ward.site_id, inst.travel_minutes(r.id, ward.site_id)))
    plan.class_days = _assign_teachers(inst, {c: set(days) for c, days in school_days.items()})
    for r in inst.recruits:
        plan.activities += _RecruitYear(inst, r, sup_of.get(r.id), phases, patterns,
                                        school_days[r.class_id], practice_weeks[r.class_id]).build()
    return plan.sorted()


# ---- supervisors ---------------------------------------------------------------------------
def choose_supervisors(instance: Instance) -> dict[str, Supervisor]:
    """Nearest free supervisor per recruit (recruits in id order), kept all year (R1, R2)."""
    inst = instance
    places: Counter[str] = Counter()
    on_ward: Counter[str] = Counter()
    out: dict[str, Supervisor] = {}
    for r in sorted(inst.recruits, key=lambda r: r.id):
        limit = inst.travel_limit(r.id)
        options = sorted(
            (inst.travel_minutes(r.id, inst.ward[s.ward_id].site_id), s.id, s) for s in inst.supervisors
        )
        for minutes, _, s in options:
            if minutes > limit:
                break
            if places[s.id] < s.max_recruits and on_ward[s.ward_id] < inst.ward[s.ward_id].capacity:
                out[r.id] = s
                places[s.id] += 1
                on_ward[s.ward_id] += 1
                break
    return out


# ---- class calendars -----------------------------------------------------------------------
def weekly_options(practice_days_per_week: int, school_days_per_week: int) -> list[WeeklyPattern]:
    """Windows of consecutive practice weekdays, earliest first; school on the other weekdays.

    With 2 practice and 3 school days: mon+tue, tue+wed, wed+thu, thu+fri.
    """
    out = []
    for first in range(0, 5 - practice_days_per_week + 1):
        practice = tuple(range(first, first + practice_days_per_week))
        school = tuple(d for d in range(5) if d not in practice)[:school_days_per_week]
        out.append(WeeklyPattern(practice, school))
    return out


def class_patterns(instance: Instance) -> dict[str, WeeklyPattern]:
    """One fixed weekly pattern per class that has a weekly alternation phase (classes in id order).

    A class takes the first option that leaves each of its recruits his practice days
    available. Partner classes (``shared_day_with``) are chosen together: the first pair of
    options (the first class's options outermost) that suits both classes' recruits and whose
    school days share exactly one weekday; failing that, the first class keeps its own first
    choice and the partner takes the first option sharing one weekday (then any available one).
    """
    inst = instance
    options: dict[str, list[WeeklyPattern]] = {}
    for k in inst.classes:
        weekly = [p for p in sorted(inst.phases, key=lambda p: p.start) if inst.model_of(k.id, p) == "weekly"]
        if weekly:
            options[k.id] = weekly_options(weekly[0].practice_days_per_week, weekly[0].school_days_per_week)

    def available(class_id: str, o: WeeklyPattern) -> bool:
        return all(not r.unavailable_weekdays & set(o.practice) for r in inst.recruits_of(class_id))

    def shares_one(a: WeeklyPattern, b: WeeklyPattern) -> bool:
        return len(set(a.school) & set(b.school)) == 1

    def first(class_id: str, mate: WeeklyPattern | None) -> WeeklyPattern:
        usable = [o for o in options[class_id] if available(class_id, o)]
        if mate is not None:
            sharing = [o for o in options[class_id] if shares_one(o, mate)]
            both = [o for o in sharing if o in usable]
            return (both or sharing or usable or options[class_id])[0]
        return (usable or options[class_id])[0]

    out: dict[str, WeeklyPattern] = {}
    for k in sorted(inst.classes, key=lambda k: k.id):
        if k.id not in options or k.id in out:
            continue
        partner = k.shared_day_with
        if partner in options and partner not in out:
            pairs = [(a, b) for a in options[k.id] for b in options[partner]
                     if available(k.id, a) and available(partner, b) and shares_one(a, b)]
            if pairs:
                out[k.id], out[partner] = pairs[0]
                continue
        out[k.id] = first(k.id, out.get(partner or ""))
    return out


def block_weeks(instance: Instance, class_id: str, phase: Phase) -> dict[tuple[int, int], str]:
    """Block model: ``school`` or ``practice`` for each ISO week of the phase with an open school
    day, in a fixed cycle of ``school_block_weeks[0]`` school and ``practice_block_weeks[0]``
    practice weeks (weeks without an open school day are skipped)."""
    n_school, n_practice = phase.school_block_weeks[0], phase.practice_block_weeks[0]
    weeks: list[tuple[int, int]] = []
    for d in phase.dates():
        w = iso_week(d)
        if instance.is_open_school_day(class_id, d, phase) and w not in weeks:
            weeks.append(w)
    return {w: "school" if i % (n_school + n_practice) < n_school else "practice" for i, w in enumerate(weeks)}


def _class_calendars(
    inst: Instance, phases: list[Phase], patterns: dict[str, WeeklyPattern]
) -> tuple[dict[str, dict[date, Phase]], dict[str, dict[tuple[int, int], Phase]]]:
    """School dates of each class (with their phase) and its block-model practice weeks."""
    school: dict[str, dict[date, Phase]] = {k.id: {} for k in inst.classes}
    practice_weeks: dict[str, dict[tuple[int, int], Phase]] = {k.id: {} for k in inst.classes}
    for k in inst.classes:
        for p in phases:
            model = inst.model_of(k.id, p)
            if model == "weekly":
                for d in p.dates():
                    if d.weekday() in patterns[k.id].school and inst.is_open_school_day(k.id, d, p):
                        school[k.id][d] = p
            elif model == "block":
                kinds = block_weeks(inst, k.id, p)
                for d in p.dates():
                    kind = kinds.get(iso_week(d))
                    if kind == "school" and inst.is_open_school_day(k.id, d, p):
                        school[k.id][d] = p
                    elif kind == "practice":
                        practice_weeks[k.id][iso_week(d)] = p
    return school, practice_weeks


def _assign_teachers(inst: Instance, school: dict[str, set[date]]) -> list[ClassDay]:
    """First free teacher per class school day; partner classes on the same date share one (R7, D12)."""
    busy: set[tuple[str, date]] = set()
    per_week: Counter[tuple[str, tuple[int, int]]] = Counter()
    out: list[ClassDay] = []
    classes = sorted(inst.classes, key=lambda k: k.id)
    for d in sorted(set().union(*school.values()) if school else ()):
        done: set[str] = set()
        for k in classes:
            if d not in school.get(k.id, ()) or k.id in done:
                continue
            group = [k.id]
            partner = k.shared_day_with
            if partner and partner not in done and d in school.get(partner, ()):
                group.append(partner)
            teacher = ""
            for t in sorted(inst.teachers, key=lambda t: t.id):
                if (t.school_id == k.school_id and d.weekday() in t.weekdays and not inst.is_absent(t.id, d)
                        and (t.id, d) not in busy and per_week[(t.id, iso_week(d))] < t.max_days_per_week):
                    teacher = t.id
                    busy.add((t.id, d))
                    per_week[(t.id, iso_week(d))] += 1
                    break
            for c in group:
                joint = next((o for o in group if o != c), "")
                out.append(ClassDay(c, d, teacher, joint))
                done.add(c)
    return out


# ---- one recruit's year --------------------------------------------------------------------
class _RecruitYear:
    """Builds one recruit's school and practice rows, day by day in date order."""

    def __init__(self, inst: Instance, recruit: Recruit, sup: Supervisor | None, phases: list[Phase],
                 patterns: dict[str, WeeklyPattern], school: dict[date, Phase],
                 practice_weeks: dict[tuple[int, int], Phase]) -> None:
        self.inst, self.r, self.sup, self.phases = inst, recruit, sup, phases
        self.pattern = patterns.get(recruit.class_id)
        self.school, self.practice_weeks = school, practice_weeks
        self.rest = timedelta(hours=inst.rules.min_rest_hours)
        self.rows: dict[date, Activity] = {}
        self.hours: Counter[tuple[str, tuple[int, int]]] = Counter()

    def build(self) -> list[Activity]:
        inst, r = self.inst, self.r
        for d, p in sorted(self.school.items()):
            if not inst.is_absent(r.id, d):
                start, end = inst.school_day_window(r.class_id, d)
                self.rows[d] = Activity(r.id, d, "school", p.id, r.class_id, start=start, end=end)
        if self.sup is not None:
            for p in self.phases:
                if p.kind == "practice":
                    self._practice_phase(p)
                elif inst.model_of(r.class_id, p) == "weekly":
                    self._weekly_phase(p)
                else:
                    self._block_phase(p)
        return sorted(self.rows.values())

    # -- phases --
    def _practice_phase(self, p: Phase) -> None:
        start, end = self.inst.recruit_phase_window(self.r.id, p)
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        for week, week_days in _by_week(days).items():
            full = len(week_days) == 7
            self._follow_roster(p, week, week_days, full, p.min_shifts_per_week)

    def _block_phase(self, p: Phase) -> None:
        inst = self.inst
        closed_ok = inst.rules.practice_in_school_holidays
        school_id = inst.klass[self.r.class_id].school_id
        for week, week_days in _by_week(p.dates()).items():
            if self.practice_weeks.get(week) is not p:
                continue
            full = len(week_days) == 7
            days = [d for d in week_days if closed_ok or inst.closure_reason(school_id, d) is None]
            self._follow_roster(p, week, days, full, p.min_shifts_per_practice_week)

    def _weekly_phase(self, p: Phase) -> None:
        inst, r = self.inst, self.r
        school_id = inst.klass[r.class_id].school_id
        assert self.pattern is not None
        days = [
            d for d in p.dates()
            if d.weekday() in self.pattern.practice
            and (inst.rules.practice_in_school_holidays or inst.closure_reason(school_id, d) is None)
            and (d.weekday() < 5 or inst.rules.practice_on_weekends)
            and self._may_practise(d)
        ]
        planned = set(days)
        for d in days:
            nxt = d + timedelta(days=1)
            tentative = [self._tentative(p, nxt)] if nxt in planned else []
            code = self._own_shift(p, d)
            if code is not None and self._fits(p, d, code, tentative):
                self._place(p, d, code, True)
            else:
                self._place(p, d, DAY_SHIFT, False)

    # -- helpers --
    def _follow_roster(self, p: Phase, week: tuple[int, int], days: list[date], full: bool,
                       minimum: int) -> None:
        """Every shift of the supervisor the rules allow; then fill a full week up to ``minimum``."""
        days = [d for d in days if self._may_practise(d)]
        for d in days:
            code = self._own_shift(p, d)
            if code is not None and self._fits(p, d, code):
                self._place(p, d, code, True)
        week_days = [date.fromisocalendar(week[0], week[1], i) for i in range(1, 8)]
        if not full or any(self.inst.is_absent(self.r.id, d) for d in week_days):
            return
        worked = sum(1 for d in week_days if d in self.rows and self.rows[d].activity == "practice")
        for d in days:
            if worked >= minimum:
                break
            if d not in self.rows and self._fits(p, d, DAY_SHIFT):
                self._place(p, d, DAY_SHIFT, False)
                worked += 1

    def _may_practise(self, d: date) -> bool:
        return d.weekday() not in self.r.unavailable_weekdays and not self.inst.is_absent(self.r.id, d)

    def _own_shift(self, p: Phase, d: date) -> str | None:
        """The supervisor's shift on ``d`` if he works it and the phase allows it (R8, R10)."""
        assert self.sup is not None
        code = self.inst.supervisor_works(self.sup.id, d)
        if code is None or code not in self.inst.shift:
            return None
        if self.inst.shift[code].is_night and not p.allow_night:
            return None
        return code

    def _tentative(self, p: Phase, d: date) -> Window:
        """What day ``d`` will most likely be: the supervisor's shift if it fits, else ``D``."""
        code = self._own_shift(p, d)
        if code is None or not self._fits(p, d, code):
            code = DAY_SHIFT
        return self.inst.shift[code].window(d)

    def _fits(self, p: Phase, d: date, code: str, extra: list[Window] | None = None) -> bool:
        """Rest (D6) against the recruit's activities around ``d`` and the week's hours (D7)."""
        if d in self.rows:
            return False
        shift = self.inst.shift[code]
        if p.max_hours_per_week is not None and \
                self.hours[(p.id, iso_week(d))] + self.inst.shift_minutes(code, d) / 60 > p.max_hours_per_week + 1e-9:
            return False
        start, end = shift.window(d)
        others = [(a.start, a.end) for o in range(-2, 3)
                  if (a := self.rows.get(d + timedelta(days=o))) is not None and a.start and a.end]
        for o_start, o_end in others + (extra or []):
            if o_end <= start:
                if start - o_end < self.rest:
                    return False
            elif o_start >= end:
                if o_start - end < self.rest:
                    return False
            else:
                return False
        return True

    def _place(self, p: Phase, d: date, code: str, with_supervisor: bool) -> None:
        assert self.sup is not None
        ward = self.inst.ward[self.sup.ward_id]
        shift = self.inst.shift[code]
        start, end = shift.window(d)
        self.rows[d] = Activity(self.r.id, d, "practice", p.id, self.r.class_id, ward.site_id, ward.id,
                                self.sup.id, code, start, end, with_supervisor)
        self.hours[(p.id, iso_week(d))] += self.inst.shift_minutes(code, d) / 60


def _by_week(days: list[date]) -> dict[tuple[int, int], list[date]]:
    out: dict[tuple[int, int], list[date]] = defaultdict(list)
    for d in days:
        out[iso_week(d)].append(d)
    return dict(out)

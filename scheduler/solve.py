"""One entry point: ``solve(instance, ...) -> Result``. Never raises for infeasible or
timed-out runs; the status says so and the explanation rides along.

How a year is planned (the README's "How the solver works" tells the same at length):

1. **Search, every phase at once** (one process per worker; the searches are independent):
   - alternation phases (:mod:`scheduler.master`): a branch and bound over the classes'
     school days per week, every recruit week priced exactly for every supervisor
     (:mod:`scheduler.weekdp`) and an exact assignment problem at each node; in the weekly
     model, rounds with Lagrangian prices on the classes' ward capacity;
   - practice phases (:mod:`scheduler.columns`): placements and schedules that keep ward
     capacity by column generation, and a bound by tolls on (ward, date).
   Each phase's bound is a lower bound of its cost.
2. **Placements with what couples recruits**, phase by phase in time order: with the
   calendars fixed, column generation again (practice and block phases, with supervisor
   continuity), or a CP-SAT model (:mod:`scheduler.assign`, weekly model) with continuity,
   recruits alone at a site and ward capacity on the days a class must practise.
   Continuity keeps to the phase before; the first phase looks ahead to the next one's
   best known placements instead. A block phase's calendars are first steered off crowded
   wards: a search priced with the column generation's tolls (:meth:`_Planner.steer`);
   a weekly phase with weekend practice has its calendars improved with the weeks
   chained exactly (:meth:`_Planner.rechain`, :mod:`scheduler.weekchain`).
3. **The day plan** (:mod:`scheduler.constraints`, the day model): with calendars and
   placements fixed, the CP-SAT day model chooses every shift under all hard rules
   R1-R12 (teachers, rest across weeks and phases, ward capacity, fairness...). If that
   fails, placements made by column generation are chosen again with ward capacity all
   but kept (:data:`scheduler.columns.STRICT_OVERFLOW`) and fixed again; then it is solved
   with the placements free, then with everything free.

The objective and its breakdown are those of :func:`models.score.score` for the plan.
``best_bound`` is the sum of the phases' lower bounds (plus, for a negative continuity
weight, the most continuity could save), so the gap is a true gap for the year. When the
plan's cost equals that bound the status is OPTIMAL.

Small instances (at most ``whole_year_limit`` possible practice days) are then given to
the whole-year day model: with several workers first without a hint (its workers search
interleaved, and that portfolio proves bounds one worker cannot), then from the better
plan's hint, each for a share of the time limit: it may improve the plan and prove it
optimal. When re-planning, the published plan itself is
taken if it still keeps every rule and costs no more (:func:`_published_if_no_worse`).

Everything is deterministic: the calendar search stops after a number of nodes, HiGHS
after a number of nodes, every CP-SAT run on deterministic time (several workers search
interleaved, which is deterministic; hinted runs use one), so the same instance, seed and
options give the same plan on any machine. The wall clock is only a guard
(``kpis.reproducible`` says whether it cut a run).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
from ortools.sat.python import cp_model

from models import Activity, Assignment, ClassDay, Instance, Phase, Plan, Result, Status
from models.score import COUPLING_GOALS, SCALE, calendar_units, score, units
from scheduler.assign import place
from scheduler.columns import STRICT_OVERFLOW, ColumnResult, choose, practice_by_columns
from scheduler.constraints import add_all
from scheduler.constraints.rest import REST_LOOKAHEAD_DAYS
from scheduler.constraints.teachers import taught_as
from scheduler.coupling import Joint, Relaxed, joint_bound
from scheduler.domains import Domains
from scheduler.extract import extract_plan, kpis_of
from scheduler.freeze import PublishedDays, frozen_placements, keep_past, past_conflicts
from scheduler.master import (
    BIG,
    Board,
    Outcome,
    Prices,
    capacity_tolls,
    late,
    make_board,
    search_phase,
    weekend_surcharge,
)
from scheduler.objective import add_objective, build_penalties, objective_expr
from scheduler.options import Teachers
from scheduler.variables import Vars, build_variables
from scheduler.weekchain import needs_rechain, rechain
from scheduler.weekdp import WeekPricer

Progress = Callable[[float, str, float | None, float | None], None]
"""Called with (seconds, step, objective, bound) as the planning goes: after each phase's
calendar search (its bound) and after each phase's day plan (the objective and the bound
of the phases planned so far)."""


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    Attributes
    ----------
    time_limit: wall-clock limit in seconds (a guard: the work itself is measured in
        deterministic units derived from it, see ``nodes_per_second`` and
        ``dtime_per_second``).
    workers: CP-SAT search workers (deterministic interleaved search; the reference
        machine has 2 cores).
    seed: CP-SAT's random seed.
    relative_gap: every CP-SAT day plan (the phases' and the whole-year refinement) stops
        at this relative gap; such a run is FEASIBLE with its own bound, never OPTIMAL
        unless its bound meets its plan.
    published: a plan already published; its decisions are hinted and changes to its
        assignments are penalised (``plan_change``).
    pinned: assignments that must be kept as they are (re-planning).
    nodes_per_second: calendar-search nodes (assignment problems) per second of
        ``time_limit``; one node takes well under a millisecond on the reference machine.
    dtime_per_second: CP-SAT deterministic seconds per second of ``time_limit``.
    whole_year_limit: run the whole-year day model after the phase plans when the
        instance has at most this many possible practice days.
    keep_until: with ``published``, keep every published row dated before this date and
        the placements of the phases started before it (:mod:`scheduler.freeze`).
    wall_limit: the wall-clock guard in seconds, when it is not ``time_limit`` (the
        command line keeps time for writing and validating the plan this way; the
        deterministic budgets, and so the plans, still follow ``time_limit``).
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    relative_gap: float = 0.0
    published: Plan | None = None
    pinned: tuple[Assignment, ...] = ()
    log: bool = False
    nodes_per_second: int = 2000
    dtime_per_second: float = 0.25
    whole_year_limit: int = 6000
    wall_limit: float | None = None
    keep_until: date | None = None
    progress: Progress | None = field(default=None, compare=False)

    @property
    def wall(self) -> float:
        """The wall-clock guard in seconds."""
        return self.time_limit if self.wall_limit is None else self.wall_limit


STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.MODEL_INVALID: Status.UNKNOWN,
    cp_model.UNKNOWN: Status.UNKNOWN,
}


# ---- the day model -----------------------------------------------------------------------------
@dataclass
class Built:
    """A built model with its variables and the extras needed to read a solution."""

    vars: Vars
    extras: dict
    penalties: list


@dataclass
class Fixings:
    """Decisions held fixed while the rest is optimised (re-planning and decomposition)."""

    school: dict[tuple[str, date], bool] | None = None
    assign: dict[tuple[str, str], str] | None = None


def build(
    instance: Instance,
    options: SolveOptions = SolveOptions(),
    *,
    phase_ids: tuple[str, ...] | None = None,
    previous: dict[str, str] | None = None,
    before: Plan | None = None,
    fix: Fixings | None = None,
    hint: Plan | None = None,
    top_k: int | None = None,
    include: dict[str, str] | None = None,
    after: list[ClassDay] | None = None,
) -> Built:
    """Build the CP-SAT day model of the given phases (all when ``phase_ids`` is None).

    ``previous``: recruit -> supervisor of the phase before (continuity).
    ``before``: the plan of earlier phases; activities there constrain rest (R9) at the
    start of these phases. ``after``: the school days already chosen for a later phase;
    activities at the end of these phases must leave rest before them. ``fix`` holds decisions fixed; ``hint`` is a complete earlier
    solution to start from. ``top_k`` keeps each recruit's best supervisors by a quick
    estimate (plus ``include`` and the previous ones) as candidates.
    """
    model = cp_model.CpModel()
    dom = Domains(instance, phase_ids, top_k)
    for r, sup in (previous or {}).items():
        dom.include.setdefault(r, set()).add(sup)
    for a in options.pinned:
        dom.include.setdefault(a.recruit_id, set()).add(a.supervisor_id)
    if fix is not None and fix.assign and len(dom.phases) == 1:
        # a fixed placement leaves one candidate: a much smaller model, same solutions
        dom.only = {r: s for (r, p), s in fix.assign.items() if p == dom.phases[0].id}
    for r, sup in (include or {}).items():
        dom.include.setdefault(r, set()).add(sup)
    v = build_variables(model, instance, dom)
    extras = add_all(v)
    penalties = build_penalties(v, options.published, previous)
    add_objective(v, penalties)
    if before is not None:
        _rest_after(v, before)
    if after:
        _rest_before(v, after)
    for a in options.pinned:
        if a.phase_id not in {p.id for p in dom.phases}:
            continue
        lit = v.assign.get((a.recruit_id, a.phase_id, a.supervisor_id))
        if lit is None:  # a pin outside the candidates cannot be kept
            model.AddBoolOr([])
        else:
            model.Add(lit == 1)
    if fix is not None:
        if fix.school is not None:  # the calendar as given: listed days on, the rest off
            for key, lit in v.school.items():
                model.Add(lit == int(fix.school.get(key, False)))
        for (r, p), s in (fix.assign or {}).items():
            if (r, p, s) in v.assign:
                model.Add(v.assign[(r, p, s)] == 1)
    if options.published is not None and options.keep_until is not None:
        keep_past(v, extras, options.published, options.keep_until)
    if hint is not None:
        _hint(v, hint)
    elif options.published is not None:
        _hint(v, options.published)
    return Built(v, extras, penalties)


def _rest_after(v: Vars, before: Plan) -> None:
    """R9 across a phase boundary: activities early in these phases must rest after the
    earlier phases' last activities. Early for each recruit: near the first day of his own
    window (a recruit period may start before its phase's dates, next to an earlier phase)."""
    inst = v.inst
    if not v.dom.phases:
        return
    first = {r.id: min(inst.recruit_phase_window(r.id, p)[0] for p in v.dom.phases) for r in inst.recruits}
    last: dict[str, list] = {}
    for a in before.activities:
        if a.end is not None and a.recruit_id in first and (first[a.recruit_id] - a.date).days <= REST_LOOKAHEAD_DAYS:
            last.setdefault(a.recruit_id, []).append(a)
    for (r, d), acts in v.activities.items():
        if r not in last or (d - first[r]).days > REST_LOOKAHEAD_DAYS:
            continue
        for act in acts:
            for prev in last[r]:
                if inst.elapsed_minutes(prev.end, act.window.start) < inst.rules.min_rest_hours * 60:
                    v.model.Add(act.literal == 0)


def _rest_before(v: Vars, school_days: list[ClassDay]) -> None:
    """R9 across a phase boundary, looking ahead: activities late in these phases must rest
    before the next phase's school days (already chosen) of the recruit's class. Late for
    each recruit: near the last day of his own window (a recruit period may end after its
    phase's dates, next to a later phase)."""
    inst = v.inst
    if not v.dom.phases:
        return
    end = {r.id: max(inst.recruit_phase_window(r.id, p)[1] for p in v.dom.phases) for r in inst.recruits}
    by_class: dict[str, list[date]] = {}
    for c in school_days:
        by_class.setdefault(c.class_id, []).append(c.date)
    for (r, d), acts in v.activities.items():
        if (end[r] - d).days > REST_LOOKAHEAD_DAYS:
            continue
        class_id = inst.recruit[r].class_id
        for day in by_class.get(class_id, []):
            if not 0 < (day - end[r]).days <= REST_LOOKAHEAD_DAYS or inst.is_absent(r, day):
                continue
            start, _end = inst.school_day_window(class_id, day)
            for act in acts:
                if inst.elapsed_minutes(act.window.end, start) < inst.rules.min_rest_hours * 60:
                    v.model.Add(act.literal == 0)


def _hint(v: Vars, plan: Plan) -> None:
    chosen = {(a.recruit_id, a.phase_id): a.supervisor_id for a in plan.assignments}
    for (r, p, s), lit in v.assign.items():
        if (r, p) in chosen:
            v.model.AddHint(lit, int(chosen[(r, p)] == s))
    school = {(c.class_id, c.date) for c in plan.class_days}
    for key, lit in v.school.items():
        v.model.AddHint(lit, int(key in school))
    worked = {(a.recruit_id, a.date): a for a in plan.activities if a.activity == "practice"}
    for key, lit in v.prac.items():
        v.model.AddHint(lit, int(key in worked))
    for (r, d), lit in v.without.items():
        a = worked.get((r, d))
        v.model.AddHint(lit, int(a is not None and a.with_supervisor is False))
    for (r, d, code), lit in v.work.items():
        a = worked.get((r, d))
        v.model.AddHint(lit, int(a is not None and bool(a.with_supervisor) and a.shift_code == code))


@dataclass
class Run:
    """The outcome of one CP-SAT run of the day model."""

    status: Status
    objective: float | None = None
    bound: float | None = None
    plan: Plan | None = None
    clock_cut: bool = False


def _run(built: Built, opts: SolveOptions, wall: float, dtime: float, start: float) -> Run:
    """One deterministic CP-SAT run: stopped by ``dtime`` deterministic seconds; the wall
    limit is only a guard, and ``clock_cut`` tells when it ended the run instead.

    A model with a solution hint gets one worker (:func:`workers_for`); with
    ``opts.workers`` > 1 the other cores are not left idle: that many single-worker runs
    with the seeds ``seed``, ``seed + 1``, ... search side by side (in threads: CP-SAT
    releases the GIL), each deterministic, and the best plan is taken (the lowest
    objective, the first seed on a tie), with the best of their bounds. So the result is
    the same on every run, and never worse than the first seed's alone."""
    seeds = [opts.seed]
    if workers_for(built.vars.model, opts.workers) == 1 and opts.workers > 1:
        seeds = [opts.seed + k for k in range(opts.workers)]
    if len(seeds) == 1:
        return _solve_once(built, opts, wall, dtime, opts.seed, opts.log)
    with ThreadPoolExecutor(max_workers=len(seeds)) as pool:  # an error in a run is raised here
        done = list(pool.map(lambda k: _solve_once(built, opts, wall, dtime, seeds[k], opts.log and k == 0),
                             range(len(seeds))))
    cut = any(r.clock_cut for r in done)
    if any(r.status == Status.INFEASIBLE for r in done):
        return Run(Status.INFEASIBLE, clock_cut=cut)
    found = [r for r in done if r.plan is not None]
    if not found:
        return Run(Status.UNKNOWN, clock_cut=cut)
    best = min(found, key=lambda r: r.objective)  # min keeps the first of equals
    bound = max(r.bound for r in found if r.bound is not None)
    status = Status.OPTIMAL if any(r.status == Status.OPTIMAL for r in found) else best.status
    return Run(status, best.objective, bound, best.plan, cut)


def _solve_once(built: Built, opts: SolveOptions, wall: float, dtime: float, seed: int, log: bool) -> Run:
    """One CP-SAT solve of ``built`` with ``seed`` (see :func:`_run`)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.5, wall)
    params.max_deterministic_time = max(0.1, dtime)
    params.random_seed = seed
    params.relative_gap_limit = opts.relative_gap
    params.log_search_progress = log
    params.num_workers = workers_for(built.vars.model, opts.workers)
    params.interleave_search = params.num_workers > 1
    code = solver.Solve(built.vars.model)
    status = STATUS.get(code, Status.UNKNOWN)
    clock_cut = status != Status.OPTIMAL and solver.WallTime() >= 0.98 * params.max_time_in_seconds
    if status == Status.OPTIMAL and solver.BestObjectiveBound() < solver.ObjectiveValue() - 0.5:
        status = Status.FEASIBLE  # stopped at --gap (CP-SAT says OPTIMAL): proven within it, not optimal
    if os.environ.get("MIH_DEBUG"):
        print(f"[run] seed {seed} {status.value} wall {solver.WallTime():.2f}/{params.max_time_in_seconds:.2f} "
              f"dtime {solver.deterministic_time:.2f}/{params.max_deterministic_time:.2f} "
              f"obj {solver.ObjectiveValue() / SCALE if status.has_plan else None}", file=sys.stderr)
    if not status.has_plan:
        return Run(status, clock_cut=clock_cut)
    return Run(status, solver.ObjectiveValue() / SCALE, solver.BestObjectiveBound() / SCALE,
               extract_plan(solver, built), clock_cut)


def workers_for(model: cp_model.CpModel, workers: int) -> int:
    """CP-SAT workers for a run. Several workers search interleaved (deterministic for a
    given number of workers); a model with a solution hint gets one worker, because
    interleaved search with hints aborts the process in OR-Tools 9.15 ("Check failed:
    heuristics.fixed_search != nullptr") and parallel search without interleaving is not
    reproducible."""
    return 1 if len(model.Proto().solution_hint.vars) else max(1, workers)


# ---- one phase -----------------------------------------------------------------------------------
@dataclass
class PhasePlan:
    plan: Plan
    bound: float  # units
    proven: bool
    nodes: int
    clock_cut: bool
    stage: str  # which step made the day plan: "fixed", "placements free", "free"


@dataclass
class Searched:
    """What the search of one phase found (see :meth:`_Planner.search`)."""

    phase_id: str
    board: Board
    outcome: Outcome
    columns: ColumnResult | None = None
    clock_cut: bool = False  # the deadline passed before the search ended (it may have cut it)
    again: bool = False  # the calendars are the second, continuity-priced search's (_Planner.research)
    steered: bool = False  # ``columns`` are the capacitated plan of ``outcome``'s calendars (_Planner.steer)
    moved: bool = False  # _Planner.steer took other calendars than the searches'
    relaxed: Relaxed | None = None  # practice phases: the bound's assignment problem (scheduler.coupling)
    rechained: bool = False  # the calendars are _Planner.rechain's (weeks chained exactly)


class _Planner:
    """Plans an instance phase by phase (see the module docstring)."""

    def __init__(self, instance: Instance, opts: SolveOptions, start: float) -> None:
        self.inst, self.opts, self.start = instance, opts, start
        self.dom = Domains(instance)
        self.pricer = WeekPricer(instance, self.dom)
        self.teachers = Teachers(instance)
        self.phases = sorted(instance.phases, key=lambda p: p.start)
        self.first = self.phases[0].id if self.phases else None
        self.site_of = {s.id: instance.ward[s.ward_id].site_id for s in instance.supervisors}
        published = opts.published.assignments if opts.published else []
        self.published = {(a.recruit_id, a.phase_id): a.supervisor_id for a in published}
        self.pins = {(a.recruit_id, a.phase_id): a.supervisor_id for a in opts.pinned}
        # re-planning keeps the published class calendars where they still work (the school's
        # timetable); only placements and shifts move, and each changed placement is priced
        school_days: dict[str, set[date]] = {}
        for c in opts.published.class_days if opts.published else []:
            school_days.setdefault(c.class_id, set()).add(c.date)
        self.published_school = (PublishedDays({c: frozenset(ds) for c, ds in school_days.items()}, opts.keep_until)
                                 if school_days or (opts.published is not None and opts.keep_until) else None)
        self.clock_cut = False
        self.unproven = False  # a phase's day model ended without a plan and without a proof
        self.phase_end: float | None = None  # time.monotonic() by which the phase being planned ends
        # small enough for the whole-year day model after the phase plans (or when they fail)
        self.whole_year = _practice_day_count(self.dom) <= opts.whole_year_limit
        self.joint_kpi: dict | None = None  # kpis.joint_bound (see joint)

    def left(self) -> float:
        return self.opts.wall - (time.monotonic() - self.start)

    def phase_left(self) -> float:
        """Seconds left for the phase being planned: its share of what is left (a guard,
        see :func:`solve`), never more than :meth:`left`."""
        if self.phase_end is None:
            return self.left()
        return min(self.left(), self.phase_end - time.monotonic())

    def pair_cost(self, phase: Phase):
        inst, u = self.inst, lambda g: units(self.inst, g)

        def cost(r: str, s: str) -> float:
            rec, ward = inst.recruit[r], inst.ward[inst.supervisor[s].ward_id]
            site = self.site_of[s]
            c = u("travel") * inst.travel_minutes(r, site)
            c += u("not_preferred_site") * (bool(rec.preferred_sites) and site not in rec.preferred_sites)
            c += u("avoided_ward_type") * rec.avoids(ward.ward_type)
            c += u("first_placement") * (phase.id == self.first and not ward.first_placement_ok)
            c += u("unqualified_supervisor") * (not inst.supervisor[s].qualified)
            keep = self.published.get((r, phase.id))
            c += u("plan_change") * (keep is not None and keep != s)
            return c

        return cost

    def board(self, phase: Phase) -> Board:
        board = make_board(self.inst, self.dom, phase, self.pair_cost(phase))
        for (r, p), s in self.pins.items():
            if p != phase.id or r not in board.row_of:
                continue
            i = board.row_of[r]
            keep = [j for j, sup in enumerate(board.cols) if sup == s]
            saved = board.base[i, keep].copy()
            board.base[i, :] = BIG
            board.base[i, keep] = saved
        return board

    def joint(self, found: list[Searched | str]) -> Joint | None:
        """The practice phases' joint bound (:mod:`scheduler.coupling`), from their searches'
        assignment problems; None when there is none to join or a search failed."""
        relaxed = [f.relaxed for f in found if isinstance(f, Searched) and f.relaxed is not None]
        if not relaxed or any(isinstance(f, str) for f in found):
            return None
        guard = max(1.0, JOINT_WALL_SHARE * self.left())
        got = joint_bound(self.inst, [p.id for p in self.phases], relaxed, time_limit=guard)
        self.clock_cut |= got is not None and got.clock_cut
        return got

    def search(self, phase: Phase, nodes: int, deadline: float | None = None) -> Searched | str:
        """The calendar search of one phase (calendars, placements, bound), with ward
        capacity priced in (see scheduler.master): weekly-model phases by rounds of priced
        calendar searches; practice phases by column generation (placements and schedules
        that keep ward capacity) and a bound from tolls on (ward, date) aimed at that plan.
        ``nodes`` is the deterministic budget; ``deadline`` (``time.monotonic()``) a guard
        that ends the search early on a slow machine."""
        inst = self.inst
        board = self.board(phase)
        out = search_phase(inst, self.dom, self.pricer, phase, board, nodes, self.teachers,
                           capacity_rounds=CAPACITY_ROUNDS, deadline=deadline, keep=self.published_school)
        if isinstance(out, str) and self.published_school is not None:
            # the published school days, kept week by week, leave no calendar (a recruit's new
            # unavailable weekday, block lengths or minimum school days across weeks): the
            # phase is planned afresh
            hard = self.published_school.until  # the days before --keep-until stay all the same
            out = search_phase(inst, self.dom, self.pricer, phase, board, nodes, self.teachers,
                               capacity_rounds=CAPACITY_ROUNDS, deadline=deadline,
                               keep=None if hard is None else PublishedDays(self.published_school, hard, soft=False))
            if not isinstance(out, str):
                out = self._near_published(phase, board, out, nodes, deadline)
        if isinstance(out, str):
            return out
        columns, relaxed = None, None
        if phase.kind == "practice":
            prices = Prices(inst, self.dom, self.pricer, phase, board)
            # on a slow machine the column rounds leave time for the tolls, which raise the bound
            cg_deadline = None if deadline is None else time.monotonic() + COLUMN_WALL_SHARE * (deadline - time.monotonic())
            columns = practice_by_columns(prices, COLUMN_ROUNDS, deadline=cg_deadline)
            if columns is not None:
                # the bound also counts a share of the phase's weekend fairness when it can
                prices.day_surcharge = weekend_surcharge(inst, phase)
                target = columns.value + sum(prices.day_surcharge.get(p.day, 0)
                                             for picks in columns.schedules.values() for p in picks)
                _tolls, lower = capacity_tolls(prices, {}, TOLL_ROUNDS, target=target, deadline=deadline,
                                               start=columns.tolls)
                # the tolls' bound, or the column rounds' own when the clock cut the tolls short
                out.bound = max(out.bound, columns.bound, min(lower, target))
            # the assignment problem of the tolls' bound (capacity_tolls left its tolls set;
            # without columns, the plain search's), for the practice phases' joint bound
            relaxed = Relaxed(phase.id, board, board.base + prices.phase_chain({}), prices.toll_total())
        return Searched(phase.id, board, out, columns, late(deadline) or out.clock_cut, relaxed=relaxed)

    def _near_published(self, phase: Phase, board: Board, afresh: Outcome, nodes: int,
                        deadline: float | None) -> Outcome:
        """Re-planning, a phase whose published school days no longer make a calendar week by
        week (a new closure that takes a class below ``min_school_days``, new block
        lengths): rather than new calendars for the whole phase, the calendars that move the
        fewest school days where that pays. A plan search with all calendars (the days
        before ``--keep-until`` kept) prices each school day a class gets or loses against
        its published week at ``plan_change`` per recruit of the class
        (:attr:`PublishedDays.moved`), with :data:`NEAR_SHARE` of the node budget. Its
        calendars and placements are taken when they move fewer school days than the plain
        search's; the bound stays the plain search's (the price is not in the objective)."""
        w = units(self.inst, "plan_change")
        if w <= 0 or self.published_school is None:
            return afresh
        keep = PublishedDays(self.published_school, self.published_school.until, soft=False, moved=w)
        near = search_phase(self.inst, self.dom, self.pricer, phase, board, max(1, int(NEAR_SHARE * nodes)),
                            self.teachers, capacity_rounds=CAPACITY_ROUNDS, deadline=deadline, keep=keep,
                            plan_only=True)
        if isinstance(near, str):
            return afresh

        def moved(out: Outcome) -> int:
            return sum(keep.changed(c, self.dom.week_days(phase, week), days)
                       for c, weeks in out.school.items() for week, days in weeks.items())

        if moved(near) >= moved(afresh):
            return afresh
        return Outcome(near.school, near.assignment, afresh.value, afresh.bound, afresh.proven,
                       afresh.nodes + near.nodes, afresh.clock_cut or near.clock_cut)

    def research(self, phase: Phase, found: Searched, previous: dict[str, str], nodes: int) -> Searched:
        """Supervisor continuity in the calendars. The first search of an alternation phase
        runs before the phase before it is planned, so it chooses calendars blind to the
        changes of supervisor they bring; here, once ``previous`` (the placements of the
        phase before) is known, the phase is searched again with :data:`RESEARCH_SHARE` of
        its node budget and each pair's change from ``previous`` priced (as the placements
        that follow price it, :meth:`_continuity`). Its calendars and placements are taken
        when they cost less, changes included, than the first search's; the bound stays
        the first search's (the second prices one plan of the phase before, so it bounds
        nothing). Only after a first search that was proven, which needed less than its
        budget: an unproven one spent it all, and a second search costs as much again for
        little (Trondheim's weekly phases: 32 less for 5 s); the block phases of Rogaland
        are proven, and their calendars decide whose rosters the practice weeks follow
        (176 less for 1.5 s). Not when re-planning, whose calendars keep the published
        ones, and not for practice phases, whose placements already weigh continuity."""
        w = units(self.inst, "supervisor_change")
        if (phase.kind != "alternation" or not previous or self.opts.published is not None
                or not found.outcome.proven or w <= 0):
            return found
        board = self._board_with(phase, self._continuity(found.board, previous))  # w > 0: a surcharge
        deadline = time.monotonic() + RESEARCH_WALL_SHARE * max(0.0, self.phase_left())
        out = search_phase(self.inst, self.dom, self.pricer, phase, board, max(1, int(RESEARCH_SHARE * nodes)),
                           self.teachers, capacity_rounds=CAPACITY_ROUNDS, deadline=deadline, plan_only=True)
        self.clock_cut |= late(deadline)
        if isinstance(out, str):
            return found

        def changes(assignment: dict[str, str]) -> int:
            return sum(1 for r, s in assignment.items() if r in previous and previous[r] != s)

        if out.value >= found.outcome.value + w * changes(found.outcome.assignment) - 1e-6:
            return found
        again = Outcome(out.school, out.assignment, out.value - w * changes(out.assignment),
                        found.outcome.bound, found.outcome.proven, found.outcome.nodes + out.nodes,
                        found.outcome.clock_cut or out.clock_cut)
        return Searched(found.phase_id, found.board, again, None, found.clock_cut or late(deadline), again=True)

    def rechain(self, phase: Phase, found: Searched) -> Searched:
        """Weekly classes with weekend practice: calendars and placements improved with the
        weeks chained exactly (:mod:`scheduler.weekchain`; the search misses rest across week
        boundaries there). The new calendars are taken when their capacitated plan (column
        generation, which keeps ward capacity: the chained prices leave it out) plus their
        own cost is less than the search's calendars'; the bound stays the search's. Not
        when re-planning (the calendars keep the published ones).

        Measured and left out: a second search that prices each weekly week as if the Monday
        after began at 07:30 (so that its weeks end rested), with a quarter of the node
        budget, as a second start. On the audit instances it found nothing better, and on
        ``trondheim-2026`` with weekend practice its Vg1 calendars' capacitated plan cost
        30,878 (29,481 chained) against the first search's 28,830."""
        inst = self.inst
        if not needs_rechain(inst, phase) or self.opts.published is not None:
            return found
        deadline = time.monotonic() + RECHAIN_WALL_SHARE * max(0.0, self.phase_left())
        chained = rechain(inst, self.dom, self.pricer, phase, found.board, self.teachers, found.outcome,
                          deadline=deadline)
        if chained.best >= chained.first - 1e-6 or chained.outcome.school == found.outcome.school:
            self.clock_cut |= late(deadline)
            return found

        def capacitated(out: Outcome) -> float:
            got = practice_by_columns(Prices(inst, self.dom, self.pricer, phase, found.board), COLUMN_ROUNDS,
                                      school_of=out.school, deadline=deadline)
            return np.inf if got is None else got.value + _own_units(inst, phase, out.school)

        better = capacitated(chained.outcome) < capacitated(found.outcome) - 1e-6
        self.clock_cut |= late(deadline)
        return replace(found, outcome=chained.outcome, columns=None, rechained=True) if better else found

    def steer(self, phase: Phase, found: Searched, keep_to: dict[str, str], nodes: int) -> Searched:
        """Block phases: calendars that leave room on the wards. The calendar search does not
        see ward capacity in block practice weeks (R2; recruits on one ward follow rosters
        that overlap), so its calendars can crowd the wards, and the capacitated plan of
        those calendars (column generation, as :meth:`realize` makes it) then costs far more
        than the search's value. Here the column generation's tolls on (ward, date) price
        the crowded days in searches for other calendars (scaled by each of
        :data:`STEER_SCALES`, with :data:`STEER_SHARE` of the phase's node budget each), and
        the calendars that cost least are taken: their capacitated plan, continuity to
        ``keep_to`` included, plus what the calendars cost on their own (long school
        blocks, D21, and short school weeks; ``models.score.calendar_units``). The bound stays the first search's: tolls aimed at one
        calendar bound nothing for the others. ``rogaland-2026``: 34,789 -> 34,108 for
        about 3 s (before a holiday stopped ending D21's count). Not when re-planning (the
        calendars keep the published ones) nor for phases without block classes. Small
        instances gain little: the whole-year day model plans them afresh (one audit
        instance: 383 -> 378)."""
        inst = self.inst
        if (phase.kind != "alternation" or self.opts.published is not None
                or not any(inst.model_of(c.id, phase) == "block" for c in inst.classes)):
            return found
        continuity = self._continuity(found.board, keep_to)

        def capacitated(school, share: float) -> ColumnResult | None:
            prices = Prices(inst, self.dom, self.pricer, phase, found.board)
            deadline = time.monotonic() + max(1.0, share * self.phase_left())
            got = practice_by_columns(prices, COLUMN_ROUNDS, surcharge=continuity, school_of=school, deadline=deadline)
            self.clock_cut |= late(deadline)
            return got

        best = capacitated(found.outcome.school, REALIZE_COLUMNS_SHARE)  # as realize would
        if best is None:
            return found
        out = found.outcome
        school, assignment, spent = out.school, best.assignment, 0
        best_total = best.value + _own_units(inst, phase, school)
        for scale in STEER_SCALES:
            if self.phase_left() <= 0:
                self.clock_cut = True  # the clock, not the budget, left this search out
                break
            board = self._board_with(phase, continuity)
            deadline = time.monotonic() + STEER_WALL_SHARE * max(0.0, self.phase_left())
            tolled = search_phase(inst, self.dom, self.pricer, phase, board, max(1, int(STEER_SHARE * nodes)),
                                  self.teachers, tolls={k: v * scale for k, v in best.tolls.items()},
                                  deadline=deadline, plan_only=True)
            # (no capacity rounds: they would halve the search's nodes, and the tolls price the
            # weekly classes' crowded days of a mixed phase too)
            self.clock_cut |= late(deadline)
            if isinstance(tolled, str):
                continue
            spent += tolled.nodes
            got = capacitated(tolled.school, STEER_WALL_SHARE)
            total = None if got is None else got.value + _own_units(inst, phase, tolled.school)
            if total is not None and total < best_total - 1e-6:
                best, school, assignment, best_total = got, tolled.school, got.assignment, total
        moved = school is not out.school
        # the value: the capacitated plan's (continuity included), the phase's bound the first search's
        steered = Outcome(school, assignment, best_total, out.bound, out.proven, out.nodes + spent, out.clock_cut)
        return Searched(found.phase_id, found.board, steered, best, found.clock_cut, again=found.again and not moved,
                        steered=True, moved=moved)

    def realize(
        self, phase: Phase, share: float, found: Searched, previous: dict[str, str], before: Plan,
        after: list[ClassDay], ahead: dict[str, str] | None = None,
    ) -> PhasePlan | str:
        """Placements with everything that couples recruits, then the day plan. Supervisor
        continuity keeps to ``previous`` (the placements of the phase before), or, for the
        first phase, to ``ahead`` (the next phase's best known placements)."""
        inst, opts = self.inst, self.opts
        board, out, columns = found.board, found.outcome, found.columns
        dtime = max(0.2, opts.dtime_per_second * opts.time_limit * share)
        keep_to = previous or ahead or {}  # the placements continuity keeps to
        prices = Prices(inst, self.dom, self.pricer, phase, board)
        schedules: dict[str, tuple] = {}
        placement = None
        assignment = out.assignment
        if phase.kind == "practice" or any(inst.model_of(c.id, phase) == "block" for c in inst.classes):
            # practice phases and block practice weeks follow the rosters: placements and
            # schedules that keep ward capacity, by column generation (again with supervisor
            # continuity when there is a phase before)
            continuity = self._continuity(board, keep_to)
            if not found.steered and (columns is None or continuity is not None):  # else the search's plan
                deadline = time.monotonic() + max(1.0, REALIZE_COLUMNS_SHARE * self.phase_left())
                columns = practice_by_columns(prices, COLUMN_ROUNDS, surcharge=continuity, school_of=out.school,
                                              deadline=deadline)
                self.clock_cut |= late(deadline)
            if columns is not None:
                assignment, schedules = columns.assignment, columns.schedules
        overfull = False  # the calendars put more recruits on some ward than it holds, whoever goes where
        if not schedules:
            exact = prices.phase_chain(out.school)
            days_of = self._forced_days(prices, out)
            placement = None
            for hard in (days_of, {}):  # ward capacity kept where a class must practise, else left to the day model
                got = place(inst, phase, board, exact, hard, out.assignment, keep_to,
                            capacity=bool(hard), workers=opts.workers, seed=opts.seed,
                            dtime=max(0.2, dtime / 2), time_limit=max(1.0, self.phase_left()))
                if got is not None and got.infeasible:
                    overfull |= bool(hard)
                elif got is not None:
                    placement = got
                    break
            assignment = placement.assignment if placement else out.assignment
        school = {(c, d): True for c, weeks in out.school.items() for s in weeks.values() for d in s}
        hint = self._hint_plan(phase, out, assignment, schedules)
        attempts = [
            ("fixed", Fixings(school=school, assign={(r, phase.id): s for r, s in assignment.items()}), None),
            ("placements free", Fixings(school=school), 15),
            ("free", None, 15),
        ]
        if overfull:
            # e.g. two classes that are not partners practise on the same days and their
            # recruits fill the wards twice over (the search prices capacity class by class):
            # the chosen calendars cannot be kept, so the day model chooses them too, with
            # all the time left
            attempts = attempts[2:]
        run = Run(Status.UNKNOWN)
        strict_tried = False
        k = 0
        while k < len(attempts):
            stage, fix, top_k = attempts[k]
            built = build(inst, opts, phase_ids=(phase.id,), previous=previous, before=before, fix=fix,
                          hint=hint, top_k=top_k, include=assignment, after=after)
            # the first try keeps to the phase's share of the time; a later one (the first
            # found no plan) may use all that is left: a late plan is better than none
            run = _run(built, opts, max(1.0, self.phase_left() if k == 0 else self.left()), dtime, self.start)
            self.clock_cut |= run.clock_cut
            if run.plan is not None:
                if opts.published is not None:
                    run = self._calm(built, run, dtime)
                return PhasePlan(run.plan, out.bound, out.proven, out.nodes, run.clock_cut, stage)
            if run.status != Status.INFEASIBLE and self.left() <= 0:
                break
            if stage == "fixed" and run.status == Status.INFEASIBLE and columns is not None and not strict_tried:
                # the chosen columns overfill a ward where the day model cannot move the
                # days (the integer master prices a day over capacity as one day without
                # supervisor, which is mostly what the day model makes of it): chosen again
                # with capacity all but kept, and fixed again, before the placements go free
                strict_tried = True
                strict = choose(prices, columns.pool, overflow=STRICT_OVERFLOW)
                if strict is not None and strict.assignment != assignment:
                    assignment, schedules = strict.assignment, strict.schedules
                    hint = self._hint_plan(phase, out, assignment, schedules)
                    attempts.insert(k + 1, ("fixed, wards kept", Fixings(
                        school=school, assign={(r, phase.id): s for r, s in assignment.items()}), None))
            k += 1
        self.unproven = run.status != Status.INFEASIBLE
        return _day_model_failed(run, self.left(), phase)

    def _calm(self, built: Built, run: Run, dtime: float) -> Run:
        """Re-planning: of the day plans that cost no more than the one found, the one that
        changes the fewest published practice days and teachers of published school days (a
        second CP-SAT run on the same model, the objective capped at the found value).
        Recruits the change does not touch keep their shifts, and classes their teachers,
        also where others would cost the same."""
        v, opts = built.vars, self.opts
        assert opts.published is not None and run.plan is not None and run.objective is not None
        published = {(a.recruit_id, a.date): a for a in opts.published.activities if a.activity == "practice"}
        changed = []
        for (r, d), lit in sorted(v.prac.items()):
            a = published.get((r, d))
            if a is None:
                changed.append(lit)
                continue
            same = v.worked_as(a)
            if same is not None:
                changed.append(1 - same)
        taught = taught_as(built.extras)
        for c in opts.published.class_days:
            same = taught(c)
            if same is not None:
                changed.append(1 - same)
        if not changed:
            return run
        v.model.Add(objective_expr(built.penalties) <= round(run.objective * SCALE))
        v.model.Minimize(sum(changed))
        v.model.clear_hints()
        _hint(v, run.plan)
        calm = _run(built, opts, max(1.0, self.phase_left()), max(0.2, dtime / 2), self.start)
        self.clock_cut |= calm.clock_cut
        if calm.plan is None:
            return run
        return Run(run.status, run.objective, run.bound, calm.plan, run.clock_cut or calm.clock_cut)

    def _forced_days(self, prices: Prices, out: Outcome) -> dict[tuple[str, str], frozenset[date]]:
        """Per candidate pair, the dates the recruit must practise whoever his supervisor is
        (``Prices.forced_dates``). Ward capacity (R2) on these dates is a hard limit on the
        placements; on other dates the day model can move or drop practice."""
        days: dict[tuple[str, str], frozenset[date]] = {}
        for r in prices.board.rows:
            forced = prices.forced_dates(r, out.school)
            for s in self.dom.candidate_supervisors(r, prices.phase):
                days[(r, s)] = forced
        return days

    def _board_with(self, phase: Phase, extra: np.ndarray | None) -> Board:
        """A fresh board of the phase with ``extra`` (e.g. :meth:`_continuity`) added to the
        pairs within reach."""
        board = self.board(phase)
        if extra is not None:
            reach = board.base < BIG
            board.base[reach] += extra[reach]
        return board

    def _continuity(self, board: Board, previous: dict[str, str]):
        """Supervisor continuity as a cost per pair: a change from the placements of the
        phase before (None when there is nothing to keep)."""
        w = units(self.inst, "supervisor_change")
        if not w or not previous:
            return None
        extra = np.zeros_like(board.base)
        for r, s in previous.items():
            if r in board.row_of:
                extra[board.row_of[r], :] = w
                extra[board.row_of[r], [j for j, sup in enumerate(board.cols) if sup == s]] = 0
        return extra

    def _hint_plan(self, phase: Phase, out: Outcome, assignment: dict[str, str],
                   schedules: dict[str, tuple] | None = None) -> Plan:
        """The day plan the prices (or the given schedules) describe, as a hint for the
        day model."""
        inst = self.inst
        plan = Plan()
        for c, weeks in out.school.items():
            for s in weeks.values():
                plan.class_days += [ClassDay(c, d, "") for d in sorted(s)]
        for r, s in assignment.items():
            ward = inst.ward[inst.supervisor[s].ward_id]
            plan.assignments.append(Assignment(r, phase.id, s, ward.id, ward.site_id,
                                               inst.travel_minutes(r, ward.site_id)))
            if schedules and r in schedules:
                picks = schedules[r]
            else:
                price = self.pricer.chain(r, s, phase, out.school.get(inst.recruit[r].class_id, {}))
                picks = price.picks if price else ()
            for p in picks:
                plan.activities.append(Activity(r, p.day, "practice", phase.id, inst.recruit[r].class_id,
                                                ward.site_id, ward.id, s, p.code, with_supervisor=p.with_supervisor))
        return plan


def solve(
    instance: Instance,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    options: SolveOptions | None = None,
    progress: Progress | None = None,
    log: bool = False,
) -> Result:
    """Solve an instance (see the module docstring). Keyword arguments build ``options``
    when it is not given."""
    opts = options or SolveOptions(time_limit=time_limit, workers=workers, seed=seed, log=log, progress=progress)
    start = time.monotonic()
    if opts.published is not None and opts.keep_until is not None:
        conflicts = past_conflicts(instance, opts.published, opts.keep_until)
        if conflicts:
            text = [f"The published plan's rows before --keep-until {opts.keep_until} cannot be kept in the changed "
                    f"instance ({len(conflicts)} conflict(s)). Re-plan with an earlier --keep-until, or change the "
                    f"instance so that it still allows the days that have been (a change that holds from now on, such "
                    f"as a new unavailable weekday or a supervisor who left, is an absence in absences.csv from the "
                    f"date):"] + conflicts
            return Result(Status.INFEASIBLE, None, None, None, round(time.monotonic() - start, 3), None, explanation=text)
        opts = replace(opts, pinned=opts.pinned + frozen_placements(instance, opts.published, opts.keep_until))
    planner = _Planner(instance, opts, start)
    phases = planner.phases
    sizes = {p.id: (p.end - p.start).days + 1 for p in phases}
    total_days = sum(sizes.values()) or 1
    alternation_days = sum(sizes[p.id] for p in phases if p.kind == "alternation") or 1
    tasks = [(p, max(2000, int(opts.nodes_per_second * opts.time_limit * SEARCH_SHARE * sizes[p.id] / alternation_days)))
             for p in phases]
    budget = {p.id: nodes for p, nodes in tasks}
    found = _search_all(planner, tasks)
    for phase, got in zip(phases, found, strict=True):
        if isinstance(got, str):
            return _no_plan(planner, phase, got, start)
        planner.clock_cut |= got.clock_cut
        if opts.progress:
            opts.progress(time.monotonic() - start, f"{phase.id}: calendars searched", None, got.outcome.bound / SCALE)
    joint = planner.joint(found)
    searched = [(p, 0.6 * sizes[p.id] / total_days, got) for p, got in zip(phases, found, strict=True)]
    plan = Plan()
    previous: dict[str, str] = {}
    units_of: dict[str, float] = {}  # each phase's bound (units)
    details = []
    for k, (phase, share, result) in enumerate(searched):
        nxt = searched[k + 1][2] if k + 1 < len(searched) else None
        after_days = [ClassDay(c, d, "") for c, weeks in (nxt.outcome.school if nxt else {}).items()
                      for s in weeks.values() for d in s]
        # the first phase has no phase before it: its continuity looks ahead, to the next
        # phase's best known placements (its column generation's, which keep ward capacity,
        # else its calendar search's); later phases keep to the one before them. Not on
        # small instances: the whole-year model weighs continuity exactly there (_refine),
        # and starts better from the plain phase plans
        ahead = {} if nxt is None or k > 0 or planner.whole_year else (
            nxt.columns.assignment if nxt.columns is not None else nxt.outcome.assignment)
        # the clock guard: each phase's share of what is left by its expected work, so that
        # on a slow machine the first phases do not take the time of the later ones
        work = [_work(p) for p, _s, _r in searched[k:]]
        planner.phase_end = time.monotonic() + max(0.0, planner.left()) * work[0] / (sum(work) or 1.0)
        result = planner.research(phase, result, previous, budget[phase.id])
        result = planner.rechain(phase, result)
        result = planner.steer(phase, result, previous or ahead or {}, budget[phase.id])
        got = planner.realize(phase, share, result, previous, plan, after_days, ahead)
        if isinstance(got, str):
            return _no_plan(planner, phase, got, start)
        plan.assignments += got.plan.assignments
        plan.activities += got.plan.activities
        plan.class_days += got.plan.class_days
        previous = {a.recruit_id: a.supervisor_id for a in got.plan.assignments}
        units_of[phase.id] = got.bound
        details.append({"phase": phase.id, "bound": round(got.bound / SCALE, 3), "calendar_search_proven": got.proven,
                        "nodes": got.nodes, "day_plan": got.stage, "calendars_searched_again": result.again,
                        "calendars_steered": result.moved, "calendars_rechained": result.rechained})
        if opts.progress:
            opts.progress(time.monotonic() - start, f"{phase.id}: planned", score(instance, plan, opts.published).total,
                          sum(units_of.values()) / SCALE)
    planner.phase_end = None
    bound_units = sum(units_of.values())
    if joint is not None:
        # the practice phases' joint bound, which counts continuity and recruits alone at a
        # site in them, instead of the sum of their own bounds where it is higher
        own = sum(units_of[p] for p in joint.phases)
        bound_units += max(0.0, joint.bound - own)
        planner.joint_kpi = {"phases": list(joint.phases), "bound": round(joint.bound / SCALE, 3),
                             "phases_bound": round(own / SCALE, 3), "solved": joint.exact, "goals": list(joint.goals),
                             "supervisor_changes": joint.changes, "alone_at_site": joint.alone}
    year = _year_bound(instance, bound_units / SCALE)
    if planner.published_school is not None and any(d["day_plan"] == "free" for d in details):
        year = None  # a day plan with its calendars free left the kept school days: no bound of it
    return _result(planner, plan.sorted(), year, details, start)


def _result(planner: _Planner, plan: Plan, bound: float | None, details: list, start: float) -> Result:
    instance, opts = planner.inst, planner.opts
    sc = score(instance, plan, opts.published)
    if bound is not None and sc.total > bound + 1e-6 and planner.whole_year:
        plan, sc, bound = _refine(instance, opts, planner, plan, sc, bound)
    if opts.published is not None:
        plan, sc = _published_if_no_worse(instance, opts.published, plan, sc)
    wall = time.monotonic() - start
    objective = round(sc.total, 3)
    discarded = None
    if bound is not None and bound > objective + 1e-3 + 1e-9 * abs(objective):
        # a lower bound above a plan that keeps every rule is a fault of the planner, never a
        # proof: no bound is given (rather than claim OPTIMAL), and kpis says so
        discarded, bound = round(bound, 3), None
    gap = None if bound is None else _gap(objective, bound)
    if opts.progress:
        opts.progress(wall, "year planned", objective, None if bound is None else min(bound, objective))
    status = Status.OPTIMAL if gap is not None and gap <= 1e-9 else Status.FEASIBLE
    kpis = kpis_of(instance, plan)
    kpis["bound_scope"] = _bound_scope(planner)
    kpis["phases"] = details
    if planner.joint_kpi is not None:
        kpis["joint_bound"] = planner.joint_kpi
    if discarded is not None:
        kpis["bound_discarded"] = discarded
    kpis["reproducible"] = not planner.clock_cut
    return Result(
        status=status,
        objective=objective,
        best_bound=None if bound is None else round(min(bound, objective), 3),
        gap=None if gap is None else round(gap, 6),
        wall_seconds=round(wall, 3),
        plan=plan,
        breakdown=sc.breakdown(instance),
        kpis=kpis,
        per_recruit=sc.per_recruit(),
    )


def _bound_scope(planner: _Planner) -> str:
    """Which plans ``best_bound`` bounds (``kpis.bound_scope``)."""
    until = planner.opts.keep_until if planner.opts.published is not None else None
    if until is not None:
        return f"year, published school days kept, published rows before {until} kept"
    return "year" if planner.published_school is None else "year, published school days kept"


def _day_model_failed(run: Run, left: float, phase: Phase) -> str:
    """Why a phase's day model gave no plan, in the user's terms: no plan at all (its last
    try, with school days and placements free, is infeasible), the clock, or the work
    budget."""
    if run.status == Status.INFEASIBLE:
        free = "the school days and placements" if phase.kind == "alternation" else "the placements"
        return (f"no plan of its days keeps every hard rule, whatever {free}, next to the "
                "phases planned before it")
    if run.clock_cut or left <= 1:
        return ("the time ran out before the day model found a plan (the machine may be busy or slow); "
                "a longer time limit (plan --time-limit) should give one")
    return ("the day model found no plan within its work budget, though none of its runs proved that "
            "there is none; a longer time limit (plan --time-limit) gives it more")


_FORKED: _Planner | None = None
"""The planner a forked search process works for (set before the pool starts)."""


def _search_one(task: tuple[str, int, float]) -> Searched | str:
    phase_id, nodes, deadline = task
    assert _FORKED is not None
    return _FORKED.search(_FORKED.inst.phase[phase_id], nodes, deadline)


def _search_all(planner: _Planner, tasks: list[tuple[Phase, int]]) -> list[Searched | str]:
    """Search every phase; with several workers, in that many forked processes at once
    (the phases' searches are independent and deterministic, so the results are the same
    as one after the other).

    The node budgets are the measure of the work; the clock is only a guard for slow
    machines: every search stops by :data:`SEARCH_WALL_SHARE` of the time limit, and each
    by its own deadline (:func:`_deadlines`), which keeps time for the searches that will
    run after it on the same worker, so that on a slow machine every phase gets its share
    rather than the first ones all of it."""
    global _FORKED
    workers = min(planner.opts.workers, len(tasks))
    end = planner.start + SEARCH_WALL_SHARE * planner.opts.wall
    order = _search_order([t[0] for t in tasks])
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        reserve = _deadlines([tasks[i][0] for i in order], 1, end - time.monotonic())
        found: dict[int, Searched | str] = {}
        for k, i in enumerate(order):
            found[i] = planner.search(tasks[i][0], tasks[i][1], end - reserve[k])
        return [found[i] for i in range(len(tasks))]
    reserve = _deadlines([tasks[i][0] for i in order], workers, end - time.monotonic())
    _FORKED = planner
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {i: pool.submit(_search_one, (tasks[i][0].id, tasks[i][1], end - reserve[k]))
                       for k, i in enumerate(order)}
            return [futures[i].result() for i in range(len(tasks))]
    finally:
        _FORKED = None


def _search_order(phases: list[Phase]) -> list[int]:
    """The order in which the phases' searches start (indices into ``phases``): practice
    phases first, the longest first (column generation is slow per day; each gets a process
    of its own when it can), then the others from the shortest. A search that runs last on
    its process may use all the time the ones before it left (:func:`_deadlines`), so the
    longest calendar search, whose time is the hardest to foresee, runs last."""
    def key(i: int) -> tuple[bool, int]:
        p = phases[i]
        days = (p.end - p.start).days
        return (p.kind != "practice", -days if p.kind == "practice" else days)

    return sorted(range(len(phases)), key=key)


COLUMN_WALL_SHARE = 0.5
"""Share of a practice phase's search time (its deadline, a guard) for the column rounds;
the toll steps get the rest."""

PRACTICE_DAY_WORK = 4.0
"""Search work of a day of a practice phase (column generation) against a day of an
alternation phase (calendar search), for sharing the searches' time and the day plans'
(measured on the bundled instances: about 0.23 s against 0.04-0.08 s a day)."""


def _work(phase: Phase) -> float:
    """The expected work of a phase's search and of its day plan, for sharing the clock:
    its days, :data:`PRACTICE_DAY_WORK` times for a practice phase."""
    return ((phase.end - phase.start).days + 1) * (PRACTICE_DAY_WORK if phase.kind == "practice" else 1.0)


def _deadlines(phases: list[Phase], workers: int, seconds: float) -> list[float]:
    """For searches started in this order on ``workers`` processes (each taken by the first
    free process), the seconds before the common end that each must leave for the searches
    that will follow it on its process: the pool is simulated with each search's expected
    work (its days, :data:`PRACTICE_DAY_WORK` for practice), each process's searches scaled
    to fill ``seconds``."""
    work = [_work(p) for p in phases]
    free = [0.0] * max(1, workers)
    on: list[int] = []
    for w in work:
        k = min(range(len(free)), key=lambda j: (free[j], j))
        on.append(k)
        free[k] += w
    return [max(0.0, seconds) / (free[on[i]] or 1.0) * sum(work[j] for j in range(i + 1, len(work)) if on[j] == on[i])
            for i in range(len(work))]


def _no_plan(planner: _Planner, phase: Phase, why: str, start: float) -> Result:
    """No phase plan: small instances get one try of the whole-year day model (phases can
    interact at their boundaries), else the phase's reason is the explanation."""
    inst, opts = planner.inst, planner.opts
    unproven = planner.unproven
    if planner.whole_year and planner.left() > 1:
        dtime = opts.dtime_per_second * opts.time_limit * REFINE_SHARE
        run = _run(build(inst, opts), opts, planner.left(), dtime, start)
        planner.clock_cut |= run.clock_cut
        if run.plan is not None:
            return _result(planner, run.plan, None, [], start)
        if run.status == Status.INFEASIBLE:
            why += "; nor does any plan of the whole year with every phase planned at once"
            unproven = False
    wall = time.monotonic() - start
    # INFEASIBLE only when a search or a CP-SAT run proved it; a day model that ran out of
    # its work budget without a plan (UNKNOWN) proves nothing
    status = Status.UNKNOWN if planner.left() <= 0 or unproven else Status.INFEASIBLE
    text = [f"Phase {phase.id} ({phase.start} to {phase.end}) could not be planned: {why}."]
    if opts.published is not None and opts.keep_until is not None and phase.start < opts.keep_until:
        text.append(f"The phase keeps the published rows before --keep-until {opts.keep_until} (its placements and "
                    f"the days before that date); with an earlier date, or without --keep-until, it may have a plan. "
                    f"Plan the changed instance without --from to see whether it has a plan at all.")
    return Result(status, None, None, None, round(wall, 3), None, explanation=text, failed_phase=phase.id)


def _year_bound(instance: Instance, phase_bounds: float) -> float | None:
    """The phases' bounds make a bound for the year when the goals they leave out cannot
    be negative; a negative continuity weight can at most save one change per recruit and
    pair of phases. Negative fairness or alone-at-site weights leave no bound."""
    if any(units(instance, g) < 0 for g in COUPLING_GOALS if g != "supervisor_change"):
        return None
    w = units(instance, "supervisor_change") / SCALE
    if w < 0:
        phase_bounds += w * len(instance.recruits) * max(0, len(instance.phases) - 1)
    return phase_bounds


SEARCH_SHARE = 0.5
"""Share of the time limit for the calendar searches, in nodes (``nodes_per_second``)."""

SEARCH_WALL_SHARE = 0.55
"""Share of the time limit (wall clock) after which every calendar search stops, whatever
its node budget: a guard for slow machines, so that the phases' day plans keep their time.
On the reference machine the node budgets end well before it (plans are reproducible)."""

RESEARCH_SHARE = 0.25
"""Share of an alternation phase's node budget for its second search, with continuity to
the phase before (:meth:`_Planner.research`)."""

RESEARCH_WALL_SHARE = 0.3
"""Share of the phase's time left that its second search may take (a guard like
:data:`SEARCH_WALL_SHARE`)."""

NEAR_SHARE = 0.5
"""Share of a phase's node budget for the search of :meth:`_Planner._near_published`."""

RECHAIN_WALL_SHARE = 0.3
"""Share of the phase's time left that :meth:`_Planner.rechain` may take (a guard like
:data:`SEARCH_WALL_SHARE`; its rounds end when nothing improves)."""

STEER_SCALES = (0.5,)
"""Scales of the column generation's tolls in the searches of :meth:`_Planner.steer`, one
search each. On Rogaland and eight audit instances with block phases, (0.25, 1.0) found
the same plans as half the tolls alone, for one search more."""

STEER_SHARE = 0.3
"""Share of a block phase's node budget for each search of :meth:`_Planner.steer`."""

STEER_WALL_SHARE = 0.15
"""Share of the phase's time left that each search or column generation of
:meth:`_Planner.steer` may take (a guard like :data:`SEARCH_WALL_SHARE`)."""

REALIZE_COLUMNS_SHARE = 0.5
"""Share of the time left that a phase's column generation may take when it is realized
(with supervisor continuity); a guard like :data:`SEARCH_WALL_SHARE`."""

JOINT_WALL_SHARE = 0.1
"""Share of the time left that the practice phases' joint bound may take (a guard like
:data:`SEARCH_WALL_SHARE`; its MIP stops on a node limit first)."""

TOLL_ROUNDS = 100
"""Subgradient rounds of the ward-capacity tolls in practice phases. From 30 to 100: the
recruit period's bound rises by 80 on ``trondheim-2026`` (year gap 0.85 % -> 0.79 %) and
by 35 on ``rogaland-2026`` (4.70 % -> 4.59 %), by 35-57 on four 45-50-recruit audit
instances, with the same plans, for 2-6 s more in a search that runs beside the calendar
searches (the wall time hardly moves). 300 rounds add less than 1 more on Rogaland."""

CAPACITY_ROUNDS = 16
"""Rounds of priced calendar searches for the weekly model's ward capacity."""

COLUMN_ROUNDS = 8
"""Column generation rounds for the placements and schedules of practice phases."""

REFINE_SHARE = 0.3
"""Share of the time limit the whole-year refinement from the phase plan may use (small
instances only)."""

FRESH_SHARE = 0.5
"""Share of the time limit for the whole-year day model without a hint, before the
refinement (small instances, several workers, fresh plans only)."""


def _refine(instance, opts: SolveOptions, planner: _Planner, plan: Plan, sc, bound: float):
    """Small instances: the whole-year day model. Its budgets are deterministic (shares of
    the time limit), the clock only guards.

    With several workers and no published plan, a first run has no hint, so that its
    workers search interleaved (a hinted run gets one worker, see :func:`workers_for`):
    that portfolio proves bounds the single hinted worker cannot (an audit instance of 4
    recruits: OPTIMAL at 136 where the hinted run ended at 171 against a bound of 110).
    Then the run from the better plan's hint, as before."""
    if opts.published is None and opts.workers > 1:
        plan, sc, bound = _whole_year_run(instance, opts, planner, plan, sc, bound, FRESH_SHARE, hinted=False)
        if sc.total <= bound + 1e-6:
            return plan, sc, bound
    return _whole_year_run(instance, opts, planner, plan, sc, bound, REFINE_SHARE, hinted=True)


def _whole_year_run(instance, opts: SolveOptions, planner: _Planner, plan: Plan, sc, bound: float, share: float,
                    *, hinted: bool):
    """One run of the whole-year day model for ``share`` of the time limit, ``hinted`` from
    ``plan`` or without a hint (see :func:`_refine`): its plan when it is better, its bound
    when it is higher; ``plan`` stays otherwise. A proven optimum that costs no more than
    ``plan`` leaves ``plan`` when the run had no hint, or when re-planning (the calm plan)."""
    left = planner.left()
    if left < 1:
        planner.clock_cut = True
        return plan, sc, bound
    # re-planning: the school days stay as the phase plans kept them (published where they work)
    keep = Fixings(school={(c.class_id, c.date): True for c in plan.class_days}) if opts.published else None
    built = build(instance, opts, hint=plan if hinted else None, fix=keep)
    run = _run(built, opts, left, opts.dtime_per_second * opts.time_limit * share, planner.start)
    planner.clock_cut |= run.clock_cut
    if run.plan is None:
        return plan, sc, bound
    new = score(instance, run.plan, opts.published)
    better = new.total < sc.total - 1e-6
    if keep is not None and not _published_calendar(instance, plan, opts.published):
        # the run bounds only the plans with these school days, not every plan of the scope
        # (weeks planned afresh, classes without published days): it may improve the plan only
        return (run.plan, new, bound) if better else (plan, sc, bound)
    if run.status == Status.OPTIMAL and abs(new.total - run.objective) < 1e-6:
        if not better and (not hinted or opts.published is not None):
            return plan, sc, max(bound, new.total)
        return run.plan, new, max(bound, new.total)
    if run.bound is not None:
        bound = max(bound, run.bound)
    return (run.plan, new, bound) if better else (plan, sc, bound)


def _published_if_no_worse(instance: Instance, published: Plan, plan: Plan, sc):
    """Re-planning: the published plan itself when the new plan kept all its school days,
    it still keeps every rule for the changed instance (the independent validator says
    so) and it costs no more than the new plan. Phase by phase the planner may miss it (a
    placement model that does not find the published schedules), and then moves recruits
    nothing touched; nothing is calmer than no change."""
    from scheduler.validate import validate_plan

    mine = Plan(
        assignments=[a for a in published.assignments if a.phase_id in instance.phase],
        activities=[a for a in published.activities if a.phase_id in instance.phase],
        class_days=list(published.class_days),
    ).sorted()
    if not mine.assignments or plan.sorted() == mine:
        return plan, sc
    if _school_days(plan) != _school_days(mine):
        return plan, sc  # the planner could not keep the published school days (D18): neither can this
    if validate_plan(instance, mine):  # first: it also finds ids the instance no longer has
        return plan, sc
    old = score(instance, mine, published)
    return (mine, old) if old.total <= sc.total + 1e-6 else (plan, sc)


def _published_calendar(instance: Instance, plan: Plan, published: Plan) -> bool:
    """Whether the plan's school days are the published ones, and every class has published
    days in every alternation phase: then re-planning's scope holds this calendar alone."""
    days = _school_days(plan)
    if days != _school_days(published):
        return False
    return all(any(k.id == c and p.start <= d <= p.end for c, d in days)
               for k in instance.classes for p in instance.phases if p.kind == "alternation")


def _own_units(inst: Instance, phase: Phase, school_of: dict[str, dict[tuple[int, int], frozenset[date]]]) -> int:
    """What a phase's calendars (class -> week -> school days) cost on their own: long
    school blocks (D21) and the classes' short weeks (``models.score.calendar_units``)."""
    return calendar_units(inst, phase, {(c, d) for c, weeks in school_of.items() for days in weeks.values() for d in days})


def _school_days(plan: Plan) -> set[tuple[str, date]]:
    """(class, date) of every school day of a plan."""
    return {(c.class_id, c.date) for c in plan.class_days}


def _practice_day_count(dom: Domains) -> int:
    return sum(len(dom.practice_days(r.id, p)) for r in dom.inst.recruits for p in dom.phases)


def _gap(objective: float, bound: float) -> float:
    if abs(objective) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else 1.0
    return max(0.0, objective - bound) / abs(objective)

"""One entry point: ``solve(instance, ...) -> Result``. Never raises for infeasible or
timed-out runs; the status says so and the explanation rides along."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from models import Assignment, Instance, Plan, Result, Status
from scheduler.constraints import add_all
from scheduler.constraints.rest import REST_LOOKAHEAD_DAYS
from scheduler.domains import Domains
from scheduler.extract import extract_plan, kpis_of
from scheduler.objective import LABELS, SCALE, add_objective, build_penalties
from scheduler.variables import Vars, build_variables

Progress = Callable[[float, float, float], None]
"""Called with (seconds, objective, best bound) on each improving solution."""


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    Attributes
    ----------
    time_limit: wall-clock limit in seconds.
    workers: CP-SAT search workers (the reference machine has 2 cores).
    seed: random seed; same instance, seed and options give the same plan when the search
        is deterministic (``deterministic=True``, the default).
    deterministic: every CP-SAT run uses one search worker and stops on deterministic
        time, so the same instance, seed and options give the same plan whatever the
        machine's load (CP-SAT's own parallel search is not reproducible); ``workers``
        then runs that many improvement steps side by side. With False, CP-SAT's parallel
        portfolio uses ``workers`` threads per run: often a little better, not reproducible.
    relative_gap: stop when (objective - bound) / objective is at most this.
    published: a plan already published; its decisions are hinted and changes to its
        assignments are penalised (``plan_change``).
    pinned: assignments that must be kept as they are (re-planning).
    candidates: candidate supervisors per recruit and phase, the best by a quick estimate
        (``Domains.estimate``) plus his supervisor of the phase before; None = all within
        his travel limit. A phase that is infeasible with the short list is solved again
        with all candidates.
    monolithic_limit: solve the whole year as one model (and prove optimality there) when
        it has at most this many practice-day variables; larger instances are planned
        phase by phase.
    """

    time_limit: float = 60.0
    workers: int = 2
    candidates: int | None = 15
    seed: int = 0
    deterministic: bool = True
    relative_gap: float = 0.0
    published: Plan | None = None
    pinned: tuple[Assignment, ...] = ()
    log: bool = False
    monolithic_limit: int = 6000
    progress: Progress | None = field(default=None, compare=False)


STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.MODEL_INVALID: Status.UNKNOWN,
    cp_model.UNKNOWN: Status.UNKNOWN,
}


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, start: float) -> None:
        super().__init__()
        self._progress, self._start = progress, start

    def on_solution_callback(self) -> None:
        self._progress(
            time.monotonic() - self._start,
            self.ObjectiveValue() / SCALE,
            self.BestObjectiveBound() / SCALE,
        )


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

    def __or__(self, other: Fixings) -> Fixings:
        return Fixings(other.school or self.school, other.assign or self.assign)


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
) -> Built:
    """Build the CP-SAT model of the given phases (all when ``phase_ids`` is None).

    ``previous``: recruit -> supervisor of the phase before (continuity).
    ``before``: the plan of earlier phases; activities there constrain rest (R9) at the
    start of these phases. ``fix`` holds decisions fixed; ``hint`` is a complete earlier
    solution to start from.
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
    if hint is not None:
        _hint(v, hint)
    elif options.published is not None:
        _hint(v, options.published)
    return Built(v, extras, penalties)


def _matching(
    instance: Instance, dom: Domains, phase, previous: dict[str, str] | None = None
) -> dict[str, str]:
    """The least-estimate placement (see ``_placement``). Alternation phases: no ward gets
    more recruits of one class than its capacity (a class practises on the same days).
    Practice phases: no ward gets more recruits than its capacity (then R2 holds on every
    date, whatever the days). Failing that, the other limit, then none."""
    order = ("class", "ward", None) if phase.kind == "alternation" else ("ward", None)
    for per_ward in order:
        found = _placement(instance, dom, phase, previous, per_ward)
        if found:
            return found
    return {}


def _placement(
    instance: Instance, dom: Domains, phase, previous: dict[str, str] | None, per_ward: str | None
) -> dict[str, str]:
    """A placement of every recruit with the least estimated cost that keeps R1 and the
    supervisors' max_recruits (R2), over all reachable supervisors, keeping the previous
    phase's supervisor where that is cheap (``supervisor_change``). In alternation phases
    a class practises on the same days, so no ward gets more recruits of one class than
    its capacity. Its supervisors join the short candidate lists so that the short lists
    admit a placement of everyone."""
    m = cp_model.CpModel()
    x, per_sup, cost = {}, {}, []
    per_ward_class: dict[tuple[str, str], list] = {}
    change = instance.weight("supervisor_change")
    for r in instance.recruits:
        lits = []
        for s in (sup.id for sup in instance.reachable_supervisors(r.id)):
            lit = m.NewBoolVar(f"x[{r.id},{s}]")
            x[(r.id, s)] = lit
            lits.append(lit)
            per_sup.setdefault(s, []).append(lit)
            group = r.class_id if per_ward == "class" else ""
            per_ward_class.setdefault((instance.supervisor[s].ward_id, group), []).append(lit)
            keep = previous is not None and previous.get(r.id) == s
            cost.append(round(dom.estimate(r.id, s, phase) - (change if keep else 0)) * lit)
        if not lits:
            return {}
        m.AddExactlyOne(lits)
    for s, lits in per_sup.items():
        m.Add(sum(lits) <= instance.supervisor[s].max_recruits)
    if per_ward == "ward" or (per_ward == "class" and phase.kind == "alternation"):
        for (ward, _c), lits in per_ward_class.items():
            m.Add(sum(lits) <= instance.ward[ward].capacity)
    m.Minimize(sum(cost))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30
    solver.parameters.max_deterministic_time = 2
    solver.parameters.num_workers = 1
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    return {r: s for (r, s), lit in x.items() if solver.BooleanValue(lit)}


def _rest_after(v: Vars, before: Plan) -> None:
    """R9 across a phase boundary: activities early in these phases must rest after the
    earlier phases' last activities (a school day that cannot is dropped for the class)."""
    last: dict[str, list] = {}
    first_day = min((p.start for p in v.dom.phases), default=None)
    if first_day is None:
        return
    for a in before.activities:
        if a.end is not None and (first_day - a.date).days <= REST_LOOKAHEAD_DAYS:
            last.setdefault(a.recruit_id, []).append(a)
    for (r, d), acts in v.activities.items():
        if r not in last or (d - first_day).days > REST_LOOKAHEAD_DAYS:
            continue
        for act in acts:
            for prev in last[r]:
                gap = (act.window.start - prev.end).total_seconds() / 3600
                if gap < v.inst.rules.min_rest_hours:
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
class PhaseRun:
    """The outcome of one CP-SAT run on a (part of the) model."""

    status: Status
    objective: float | None = None
    bound: float | None = None
    plan: Plan | None = None
    breakdown: dict = field(default_factory=dict)
    per_recruit: dict = field(default_factory=dict)
    clock_cut: bool = False


def _run(
    built: Built, opts: SolveOptions, time_limit: float, start: float, dtime: float | None = None
) -> PhaseRun:
    """One CP-SAT run. Deterministic mode: one search worker, stopped by ``dtime``
    deterministic seconds (default half the wall limit); the wall limit is only a guard,
    and ``clock_cut`` tells when it, not the deterministic limit, ended the run."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.5, time_limit)
    params.random_seed = opts.seed
    params.relative_gap_limit = opts.relative_gap
    params.log_search_progress = opts.log
    if opts.deterministic:
        params.num_workers = 1
        params.max_deterministic_time = max(0.25, dtime if dtime is not None else time_limit / 2)
    else:
        params.num_workers = max(1, opts.workers)
    callback = _ProgressCallback(opts.progress, start) if opts.progress else None
    code = solver.Solve(built.vars.model, callback)
    status = STATUS.get(code, Status.UNKNOWN)
    clock_cut = status != Status.OPTIMAL and solver.WallTime() >= 0.98 * params.max_time_in_seconds
    if os.environ.get("MIH_DEBUG"):
        print(f"[run] {status.value} wall {solver.WallTime():.2f}/{params.max_time_in_seconds:.2f} "
              f"dtime {solver.deterministic_time:.2f}/{params.max_deterministic_time:.2f} "
              f"obj {solver.ObjectiveValue() / SCALE if status.has_plan else None}", file=sys.stderr)
    if not status.has_plan:
        return PhaseRun(status, clock_cut=clock_cut)
    breakdown, per_recruit = _breakdown(solver, built)
    return PhaseRun(
        status,
        solver.ObjectiveValue() / SCALE,
        solver.BestObjectiveBound() / SCALE,
        extract_plan(solver, built),
        breakdown,
        per_recruit,
        clock_cut,
    )


def _fix_from(plan: Plan, *, school: bool, assign: bool) -> Fixings:
    """Fixings that hold a plan's class calendars and/or placements."""
    fx = Fixings()
    if school:
        fx.school = {(c.class_id, c.date): True for c in plan.class_days}
    if assign:
        fx.assign = _assignment(plan)
    return fx


def _assignment(plan: Plan) -> dict[tuple[str, str], str]:
    return {(a.recruit_id, a.phase_id): a.supervisor_id for a in plan.assignments}


NEIGHBOURHOOD_SIZE = 8
"""Recruits whose supervisors are re-chosen together in one improvement step."""

MIN_PHASE_SECONDS = 8.0
"""A phase gets at least this much time, even when earlier phases used up the limit: a
plan a little late beats no plan."""

SEARCH_SHARE = 0.8
"""Share of the time limit given to the phases' searches; the rest covers building the
last models, reading the solution and writing the plan."""

MAX_STEPS = 12
"""Improvement steps per phase at most (the search also stops after a round without gain)."""

DTIME_PER_SECOND = 0.12
"""CP-SAT deterministic seconds granted per second of budget (measured on the reference
machine: one worker does 0.13 to 0.4 deterministic seconds per wall second on these
models; the clock guard is three times the share, so the deterministic limit binds)."""


def _solve_phase(
    instance: Instance, phase, opts: SolveOptions, budget: float, start: float,
    previous: dict[str, str], before: Plan,
) -> PhaseRun:
    """Plan one phase given the earlier phases, by a deterministic large-neighbourhood search.

    1. Fix the placements (the previous phase's supervisors, else a least-estimate
       matching) and optimise calendars and shifts for them.
    2. Improve in steps, each an exact CP-SAT run of the whole phase model with most
       decisions fixed: the class calendars with all placements fixed (alternation
       phases), or the placements of a group of recruits with the calendars fixed.
       Up to ``workers`` steps run at once, each on one core; the best improvement wins,
       ties going to the earlier step, so the result does not depend on timing.
    3. A last run of the whole phase model, started from the best plan, improves it if
       it can and gives a bound that is valid for the phase.
    Every step's plan is feasible for the whole phase model.
    """
    deadline = time.monotonic() + budget
    top_k = opts.candidates
    dom = Domains(instance, (phase.id,), top_k)

    def left() -> float:
        return deadline - time.monotonic()

    build_seconds = [0.0]

    clock_cut = [False]

    def run(fix: Fixings | None, hint: Plan | None, share: float) -> PhaseRun:
        """A run with ``share`` of the phase budget: deterministic time
        ``share * budget * DTIME_PER_SECOND``; the clock (twice the share) only guards."""
        t0 = time.monotonic()
        built = build(
            instance, opts, phase_ids=(phase.id,), previous=previous, before=before,
            fix=fix, hint=hint, top_k=top_k, include=matched,
        )
        build_seconds[0] = max(build_seconds[0], time.monotonic() - t0)
        wall = 3 * share * budget
        if left() < wall:  # the machine is slower than the deterministic budget assumes
            wall = max(0.5, left())
            clock_cut[0] = True
        result = _run(built, opts, wall, start, dtime=share * budget * DTIME_PER_SECOND)
        clock_cut[0] |= result.clock_cut
        return result

    matched = _matching(instance, dom, phase, previous)
    start_assign = {(r, phase.id): s for r, s in matched.items()}
    best = run(Fixings(assign=start_assign), None, 0.2) if start_assign else PhaseRun(Status.UNKNOWN)
    if best.plan is None:
        best = run(None, None, 0.4)
        if best.status == Status.INFEASIBLE and top_k is not None:
            top_k = None
            best = run(None, None, 0.4)
        if best.plan is None:
            return best

    recruits = sorted(r.id for r in instance.recruits)
    groups = [recruits[i::max(1, len(recruits) // NEIGHBOURHOOD_SIZE)] for i in range(max(1, len(recruits) // NEIGHBOURHOOD_SIZE))]
    steps: list[tuple[str, object]] = []
    if phase.kind == "alternation":
        steps.append(("calendars", None))
    steps += [("recruits", g) for g in groups]
    parallel = 1 if not opts.deterministic else max(1, opts.workers)
    step_share = 0.5 / max(1, MAX_STEPS // parallel)
    i, stale = 0, 0
    while stale < len(steps) and i < MAX_STEPS:
        if left() < 0.25 * budget + 2 * build_seconds[0]:  # keep time for the last run; the clock decided
            clock_cut[0] = True
            break
        batch = [steps[(i + j) % len(steps)] for j in range(min(parallel, len(steps)))]
        i += len(batch)

        def neighbourhood(step, base=best):
            kind, group = step
            assign = _assignment(base.plan)
            if kind == "calendars":
                return run(Fixings(assign=assign), base.plan, step_share)
            keep = {key: s for key, s in assign.items() if key[0] not in group}
            return run(_fix_from(base.plan, school=True, assign=False) | Fixings(assign=keep), base.plan, step_share)

        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            results = list(pool.map(neighbourhood, batch))
        improved = [res for res in results if res.plan is not None and res.objective < best.objective - 1e-6]
        if improved:
            best = min(improved, key=lambda res: res.objective)  # first of equals wins
            stale = 0
        else:
            stale += len(batch)
    final = run(None, best.plan, 0.25)
    if final.plan is not None and final.objective <= best.objective + 1e-6:
        final.clock_cut = clock_cut[0]
        return final
    best.bound = final.bound
    best.status = Status.FEASIBLE
    best.clock_cut = clock_cut[0]
    return best


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
    """Solve an instance.

    Small instances (at most ``monolithic_limit`` practice-day variables) are solved as
    one model of the whole year, so OPTIMAL means proven optimal. Larger ones are planned
    phase by phase in time order: each phase is optimised given the plans of the earlier
    phases (continuity of supervisor and rest across a phase boundary are measured
    against them). Then the status is FEASIBLE, and ``best_bound`` is the sum of the
    phases' bounds, each valid for its phase given the earlier ones
    (``kpis.bound_scope`` says which). Keyword arguments build ``options`` when it is
    not given.
    """
    opts = options or SolveOptions(
        time_limit=time_limit, workers=workers, seed=seed, log=log, progress=progress
    )
    start = time.monotonic()
    if _practice_day_count(instance) <= opts.monolithic_limit:
        return _solve_whole(instance, opts, start)
    phases = sorted(instance.phases, key=lambda p: p.start)
    sizes = {p.id: (p.end - p.start).days + 1 for p in phases}
    plan = Plan()
    previous: dict[str, str] = {}
    statuses, objective, bound, clock_cut = [], 0.0, 0.0, False
    breakdown: dict[str, dict] = {}
    per_recruit: dict[str, dict[str, float]] = {}
    for i, phase in enumerate(phases):
        remaining = SEARCH_SHARE * opts.time_limit - (time.monotonic() - start)
        share = sizes[phase.id] / sum(sizes[q.id] for q in phases[i:])
        phase_budget = max(MIN_PHASE_SECONDS, remaining * share)
        run = _solve_phase(instance, phase, opts, phase_budget, start, previous, plan)
        if run.plan is None:
            wall = time.monotonic() - start
            why = _no_plan_reason(run.status, opts)
            why.insert(0, f"Phase {phase.id} ({phase.start} to {phase.end}) could not be planned.")
            return Result(run.status, None, None, None, wall, None, explanation=why, failed_phase=phase.id)
        statuses.append(run.status)
        clock_cut = clock_cut or run.clock_cut
        objective += run.objective
        bound = None if bound is None or run.bound is None else bound + run.bound
        plan.assignments += run.plan.assignments
        plan.activities += run.plan.activities
        plan.class_days += run.plan.class_days
        previous = {a.recruit_id: a.supervisor_id for a in run.plan.assignments}
        _merge(breakdown, per_recruit, run)
    plan = plan.sorted()
    wall = time.monotonic() - start
    status = Status.OPTIMAL if len(phases) == 1 and statuses == [Status.OPTIMAL] else Status.FEASIBLE
    gap = 0.0 if status == Status.OPTIMAL else (_gap(objective, bound) if bound is not None else None)
    kpis = kpis_of(instance, plan)
    kpis["bound_scope"] = "year" if len(phases) == 1 else "per phase, given the earlier phases"
    kpis["phases_proven_optimal"] = sum(s == Status.OPTIMAL for s in statuses)
    kpis["reproducible"] = opts.deterministic and not clock_cut
    return Result(
        status=status,
        objective=round(objective, 3),
        best_bound=round(bound, 3) if bound is not None else None,
        gap=round(gap, 6) if gap is not None else None,
        wall_seconds=round(wall, 3),
        plan=plan,
        breakdown=breakdown,
        kpis=kpis,
        per_recruit=dict(sorted(per_recruit.items())),
    )


def _practice_day_count(instance: Instance) -> int:
    dom = Domains(instance)
    return sum(len(dom.practice_days(r.id, p)) for r in instance.recruits for p in dom.phases)


def _solve_whole(instance: Instance, opts: SolveOptions, start: float) -> Result:
    """The whole year as one model: all candidates, a proof of optimality where it finishes."""
    built = build(instance, opts)
    run = _run(built, opts, opts.time_limit - (time.monotonic() - start), start)
    wall = time.monotonic() - start
    if run.plan is None:
        return Result(run.status, None, None, None, wall, None, explanation=_no_plan_reason(run.status, opts))
    gap = 0.0 if run.status == Status.OPTIMAL else _gap(run.objective, run.bound)
    kpis = kpis_of(instance, run.plan)
    kpis["bound_scope"] = "year"
    kpis["reproducible"] = opts.deterministic and not run.clock_cut
    return Result(
        status=run.status,
        objective=round(run.objective, 3),
        best_bound=round(run.bound, 3),
        gap=round(gap, 6),
        wall_seconds=round(wall, 3),
        plan=run.plan,
        breakdown=run.breakdown,
        kpis=kpis,
        per_recruit=dict(sorted(run.per_recruit.items())),
    )


def _merge(breakdown: dict, per_recruit: dict, run: PhaseRun) -> None:
    for name, item in run.breakdown.items():
        acc = breakdown.setdefault(name, {**item, "count": 0, "cost": 0.0})
        acc["count"] += item["count"]
        acc["cost"] = round(acc["cost"] + item["cost"], 3)
    for r, goals in run.per_recruit.items():
        acc = per_recruit.setdefault(r, {})
        for name, cost in goals.items():
            acc[name] = round(acc.get(name, 0.0) + cost, 3)


def _gap(objective: float, bound: float) -> float:
    if abs(objective) < 1e-9:
        return 0.0
    return abs(objective - bound) / abs(objective)


def _no_plan_reason(status: Status, opts: SolveOptions) -> list[str]:
    if status == Status.INFEASIBLE:
        return ["The hard rules cannot all be kept for this instance (CP-SAT proved it)."]
    return [f"No plan was found within the time limit of {opts.time_limit:g} s."]


def _breakdown(solver: cp_model.CpSolver, built: Built) -> tuple[dict, dict]:
    """Objective by soft goal (count, weight, cost) and cost by recruit."""
    breakdown: dict[str, dict] = {}
    per_recruit: dict[str, dict[str, float]] = {}
    for pen in built.penalties:
        count = solver.Value(pen.total) if not isinstance(pen.total, int) else pen.total
        breakdown[pen.name] = {
            "label": LABELS.get(pen.name, pen.name),
            "count": count,
            "weight": pen.weight,
            "cost": round(pen.coefficient * count / SCALE, 3),
        }
        for r, expr in pen.by_recruit.items():
            value = solver.Value(expr) if not isinstance(expr, int) else expr
            if value:
                per_recruit.setdefault(r, {})[pen.name] = round(pen.coefficient * value / SCALE, 3)
    return breakdown, per_recruit

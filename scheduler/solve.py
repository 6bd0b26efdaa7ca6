"""One entry point: ``solve(instance, ...) -> Result``. Never raises for infeasible or
timed-out runs; the status says so and the explanation rides along."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models import Assignment, Instance, Plan, Result, Status
from scheduler.constraints import add_all
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
    deterministic: interleave CP-SAT's workers deterministically and cut the search by
        deterministic time (``time_limit`` deterministic seconds) as well as wall time, so
        that a rerun gives the same plan whatever the machine's load.
    relative_gap: stop when (objective - bound) / objective is at most this.
    published: a plan already published; its decisions are hinted and changes to its
        assignments are penalised (``plan_change``).
    pinned: assignments that must be kept as they are (re-planning).
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = True
    relative_gap: float = 0.0
    published: Plan | None = None
    pinned: tuple[Assignment, ...] = ()
    log: bool = False
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


def build(instance: Instance, options: SolveOptions = SolveOptions()) -> Built:
    model = cp_model.CpModel()
    dom = Domains(instance)
    v = build_variables(model, instance, dom)
    extras = add_all(v)
    penalties = build_penalties(v, options.published)
    add_objective(v, penalties)
    for a in options.pinned:
        lit = v.assign.get((a.recruit_id, a.phase_id, a.supervisor_id))
        if lit is None:
            # kept visible to the caller: a pin outside the candidates cannot be met
            model.AddBoolOr([])
        else:
            model.Add(lit == 1)
    if options.published is not None:
        _hint(v, options.published)
    return Built(v, extras, penalties)


def _hint(v: Vars, plan: Plan) -> None:
    chosen = {(a.recruit_id, a.phase_id): a.supervisor_id for a in plan.assignments}
    for (r, p, s), lit in v.assign.items():
        if (r, p) in chosen:
            v.model.AddHint(lit, int(chosen[(r, p)] == s))
    school = {(c.class_id, c.date) for c in plan.class_days}
    for key, lit in v.school.items():
        v.model.AddHint(lit, int(key in school))


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
    """Solve an instance. Keyword arguments override ``options``."""
    opts = options or SolveOptions(time_limit=time_limit, workers=workers, seed=seed, log=log)
    if options is None and progress is not None:
        opts = SolveOptions(time_limit=time_limit, workers=workers, seed=seed, log=log, progress=progress)
    start = time.monotonic()
    built = build(instance, opts)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.0, opts.time_limit - (time.monotonic() - start))
    params.num_workers = max(1, opts.workers)
    params.random_seed = opts.seed
    params.relative_gap_limit = opts.relative_gap
    params.log_search_progress = opts.log
    if opts.deterministic:
        params.interleave_search = opts.workers > 1
        params.max_deterministic_time = opts.time_limit
    callback = _ProgressCallback(opts.progress, start) if opts.progress else None
    code = solver.Solve(built.vars.model, callback)
    status = STATUS.get(code, Status.UNKNOWN)
    wall = time.monotonic() - start
    if not status.has_plan:
        return Result(status, None, None, None, wall, None, explanation=_no_plan_reason(status, opts))
    plan = extract_plan(solver, built)
    objective = solver.ObjectiveValue() / SCALE
    bound = solver.BestObjectiveBound() / SCALE
    gap = 0.0 if status == Status.OPTIMAL else _gap(objective, bound)
    breakdown, per_recruit = _breakdown(solver, built)
    return Result(
        status=status,
        objective=round(objective, 3),
        best_bound=round(bound, 3),
        gap=round(gap, 6),
        wall_seconds=round(wall, 3),
        plan=plan,
        breakdown=breakdown,
        kpis=kpis_of(instance, plan),
        per_recruit=per_recruit,
    )


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
    return breakdown, dict(sorted(per_recruit.items()))

"""Who follows whom, once the class calendars of a phase are fixed (R1, R2).

With the calendars fixed, every recruit-supervisor pair has an exact price for the whole
phase (:meth:`scheduler.weekdp.WeekPricer.chain`). This CP-SAT model chooses the
placements with everything else that depends on them: supervisor continuity with the
phase before, recruits alone at a site, pins from a published plan, and ward capacity
per date (R2) for the days each pair would practise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
from ortools.sat.python import cp_model

from models import Instance, Phase
from models.score import units
from scheduler.master import BIG, Board

SHORT_LIST = 20
"""Supervisors per recruit the model considers: his cheapest by exact price, plus the
search's choice and his previous supervisor."""


@dataclass
class Placement:
    assignment: dict[str, str]  # recruit -> supervisor
    optimal: bool  # proven optimal for this model
    infeasible: bool = False  # proven that none keeps the rules (on the short lists); assignment empty


def place(
    inst: Instance, phase: Phase, board: Board, prices: np.ndarray, days_of: dict[tuple[str, str], frozenset[date]],
    start: dict[str, str], previous: dict[str, str], *, capacity: bool = True, workers: int = 1, seed: int = 0,
    dtime: float = 5.0, time_limit: float = 30.0,
) -> Placement | None:
    """Placements for the phase; an ``infeasible`` placement when CP-SAT proves that none
    keeps R1/R2 (and the ward limits) on the short lists, None when it finds none in time.

    ``prices``: exact phase prices per board cell (plus the board's own costs);
    ``days_of[(recruit, supervisor)]``: the dates that pair must practise (ward capacity);
    ``start``: the calendar search's placements (a hint, always on the short list);
    ``previous``: the previous phase's placements (continuity).
    """
    m = cp_model.CpModel()
    w_change = units(inst, "supervisor_change")
    w_alone = units(inst, "alone_at_site")
    total = board.base + prices
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    cost_terms = []
    col_of: dict[str, int] = {}
    for j, s in enumerate(board.cols):
        col_of.setdefault(s, j)
    for i, r in enumerate(board.rows):
        row = {s: float(total[i, j]) for s, j in col_of.items() if total[i, j] < BIG}
        ranked = sorted(row, key=lambda s: (row[s], s))[:SHORT_LIST]
        keep = set(ranked) | ({start[r]} & set(row)) | ({previous.get(r)} & set(row))
        lits = []
        for s in sorted(keep):
            lit = m.NewBoolVar(f"x[{r},{s}]")
            x[(r, s)] = lit
            lits.append(lit)
            change = w_change if (r in previous and previous[r] != s) else 0
            cost_terms.append(round(row[s] + change) * lit)
        if not lits:
            return Placement({}, True, infeasible=True)
        m.AddExactlyOne(lits)
    by_sup: dict[str, list] = defaultdict(list)
    for (_r, s), lit in x.items():
        by_sup[s].append(lit)
    for s, lits in sorted(by_sup.items()):
        if len(lits) > inst.supervisor[s].max_recruits:
            m.Add(sum(lits) <= inst.supervisor[s].max_recruits)
    if capacity:
        _ward_capacity(inst, m, x, days_of)
    if w_alone:
        cost_terms += _alone(inst, m, x, w_alone)
    m.Minimize(sum(cost_terms))
    if workers <= 1:  # see scheduler.solve.workers_for: hints only for a single worker
        for (r, s), lit in x.items():
            m.AddHint(lit, int(start.get(r) == s))
    solver = cp_model.CpSolver()
    solver.parameters.linearization_level = 2  # the capacity rows need the full LP to prove anything
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.interleave_search = workers > 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = dtime
    solver.parameters.max_time_in_seconds = time_limit
    code = solver.Solve(m)
    if code == cp_model.INFEASIBLE:
        return Placement({}, True, infeasible=True)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = {r: s for (r, s), lit in x.items() if solver.BooleanValue(lit)}
    return Placement(chosen, code == cp_model.OPTIMAL)


def _ward_capacity(inst: Instance, m: cp_model.CpModel, x: dict, days_of: dict) -> None:
    """R2 per ward and date for the days each pair must practise."""
    on: dict[tuple[str, date], list] = defaultdict(list)
    for (r, s), lit in x.items():
        ward = inst.supervisor[s].ward_id
        for d in days_of.get((r, s), ()):
            on[(ward, d)].append((r, lit))
    for (ward, _d), entries in sorted(on.items()):
        cap = inst.ward[ward].capacity
        if len({r for r, _lit in entries}) > cap:
            m.Add(sum(lit for _r, lit in entries) <= cap)


def _alone(inst: Instance, m: cp_model.CpModel, x: dict, weight: int) -> list:
    """alone[r] >= 2 * (r at site) - (recruits at site), per site he may be at."""
    site_of = {s.id: inst.ward[s.ward_id].site_id for s in inst.supervisors}
    at: dict[tuple[str, str], list] = defaultdict(list)
    count: dict[str, list] = defaultdict(list)
    for (r, s), lit in x.items():
        at[(r, site_of[s])].append(lit)
        count[site_of[s]].append(lit)
    terms = []
    for r in sorted({r for r, _s in x}):
        alone = m.NewBoolVar(f"alone[{r}]")
        for site in sorted({site for (rr, site) in at if rr == r}):
            here = sum(at[(r, site)])
            m.Add(alone >= 2 * here - sum(count[site]))
        terms.append(weight * alone)
    return terms

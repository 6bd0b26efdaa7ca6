"""A joint bound of the practice phases, which counts what couples their recruits and phases.

Each phase's bound (:mod:`scheduler.master`) bounds that phase alone. It leaves out
supervisor continuity between phases and recruits alone at a site, which can only add
cost. In a practice phase (no class calendar) that bound is an assignment problem:

* a price per recruit and supervisor: his cheapest schedule with that supervisor alone,
  with the ward-capacity tolls and the weekend share the phase's bound was found with
  (:meth:`scheduler.master.Prices.phase_chain`);
* ``max_recruits`` places per supervisor;
* less what the tolls pay back.

Here the assignment problems of all practice phases are joined in one MIP (HiGHS through
``scipy.optimize.milp``). It also counts two goals exactly:

* **supervisor continuity** between consecutive phases (by start date) that are both
  practice phases: ``w x (1 - sum_s z[r,s])`` with ``z[r,s] <= x_p[r,s]`` and
  ``z[r,s] <= x_q[r,s]``. Its linear relaxation is half the L1 distance of the two
  placements, the tight one for a pair of phases.
* **recruits alone at a site**, in each practice phase: ``a[r] >= 2 x[r,site] - n[site]``,
  where ``n[site]`` counts the site's recruits.

Why it is a bound: in any plan, each of these phases costs at least its price rows of the
plan's placements (as for its bound alone), and the two goals cost what the MIP counts for
those placements. So the MIP's optimum, and its dual bound, are lower bounds of what these
phases cost with the two goals. The year's bound takes it instead of the sum of these
phases' own bounds when it is higher (:func:`scheduler.solve.solve`).

The MIP stops after :data:`JOINT_NODES` branch-and-bound nodes, a deterministic limit. If
it is not solved by then, the bound is its dual bound (or, without one, its linear
relaxation's), which is still valid.
Goals with a weight below zero are left out. The year's bound allows for a negative
continuity weight itself (:func:`scheduler.solve._year_bound`); a negative alone weight
leaves no bound.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from models import Instance
from models.score import units
from scheduler.master import BIG, Board

JOINT_NODES = 500
"""Branch-and-bound nodes of the joint MIP (HiGHS). On ``rogaland-2026`` it is solved at
the root."""


@dataclass(frozen=True)
class Relaxed:
    """A practice phase's bound as an assignment problem: ``board.solve(matrix) - payback``
    is the bound. ``matrix`` holds units per recruit (row) and supervisor place (column),
    BIG out of reach."""

    phase_id: str
    board: Board
    matrix: np.ndarray
    payback: float

    def value(self) -> float:
        return self.board.solve(self.matrix)[0] - self.payback


@dataclass(frozen=True)
class Joint:
    """The joint bound (units) of the practice phases ``phases``. ``exact``: the MIP was
    solved (else the bound is its dual bound or its linear relaxation's). ``changes`` and ``alone`` are what its solution counts of the two
    goals (0 when not exact). ``goals``: the goals it counts (a weight below zero is left out)."""

    phases: tuple[str, ...]
    bound: float
    exact: bool
    changes: int
    alone: int
    clock_cut: bool = False
    goals: tuple[str, ...] = ()


class _Rows:
    """Linear constraints ``lo <= sum(coef x) <= hi``, gathered row by row."""

    def __init__(self) -> None:
        self.i: list[int] = []
        self.j: list[int] = []
        self.v: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        row = len(self.lo)
        for col, val in coefs.items():
            self.i.append(row)
            self.j.append(col)
            self.v.append(val)
        self.lo.append(lo)
        self.hi.append(hi)

    def constraint(self, n: int) -> LinearConstraint:
        a = coo_matrix((self.v, (self.i, self.j)), shape=(len(self.lo), n)).tocsr()
        return LinearConstraint(a, np.array(self.lo), np.array(self.hi))


def joint_bound(inst: Instance, order: list[str], relaxed: list[Relaxed], time_limit: float = 10.0) -> Joint | None:
    """The joint bound of the practice phases in ``relaxed`` (see the module docstring).
    ``order``: every phase id by start date, which says which phases are consecutive.
    ``time_limit`` is only a guard for slow machines (``clock_cut``). None when there is
    nothing to join (no positive weight for either goal) or the problem has no solution."""
    w_change = max(0, units(inst, "supervisor_change"))
    w_alone = max(0, units(inst, "alone_at_site"))
    by_id = {r.phase_id: r for r in relaxed}
    pairs = [(p, q) for p, q in zip(order, order[1:], strict=False) if p in by_id and q in by_id] if w_change else []
    if not any(r.board.rows for r in relaxed) or (not pairs and not w_alone):
        return None  # no recruit, or nothing to join
    site_of = {s.id: inst.ward[s.ward_id].site_id for s in inst.supervisors}
    cost: list[float] = []
    x: dict[tuple[str, str, str], int] = {}  # (phase, recruit, supervisor) -> variable
    for rel in relaxed:
        first: dict[str, int] = {}
        for j, s in enumerate(rel.board.cols):
            first.setdefault(s, j)
        for i, r in enumerate(rel.board.rows):
            for s, j in first.items():
                if rel.matrix[i, j] < BIG:
                    x[(rel.phase_id, r, s)] = len(cost)
                    cost.append(float(rel.matrix[i, j]))
    n_x = len(cost)
    supervisor_of = {k: s for (_p, _r, s), k in x.items()}
    rows = _Rows()
    of_recruit: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (p, r, _s), k in x.items():
        of_recruit[(p, r)].append(k)
    for rel in relaxed:
        for r in rel.board.rows:
            rows.add({k: 1.0 for k in of_recruit[(rel.phase_id, r)]}, 1, 1)
    by_sup: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_site: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))  # -> recruit -> vars
    for (p, r, s), k in x.items():
        by_sup[(p, s)].append(k)
        by_site[(p, site_of[s])][r].append(k)
    for (_p, s), ks in by_sup.items():
        rows.add({k: 1.0 for k in ks}, 0, inst.supervisor[s].max_recruits)
    compared = 0  # recruits x pairs of consecutive phases: a change each, unless z says the same supervisor
    continuity: list[int] = []
    for p, q in pairs:
        for r in by_id[p].board.rows:
            compared += 1
            for k in of_recruit[(p, r)]:
                s = supervisor_of[k]
                kq = x.get((q, r, s))
                if kq is None:
                    continue
                z = len(cost)
                cost.append(-float(w_change))
                continuity.append(z)
                rows.add({z: 1.0, k: -1.0}, -np.inf, 0)
                rows.add({z: 1.0, kq: -1.0}, -np.inf, 0)
    alone: list[int] = []
    counts: list[int] = []
    if w_alone:
        for _key, recruits in sorted(by_site.items()):
            n = len(cost)  # the site's recruits in the phase
            cost.append(0.0)
            counts.append(n)
            coefs = {k: 1.0 for _r, ks in sorted(recruits.items()) for k in ks}
            coefs[n] = -1.0
            rows.add(coefs, 0, 0)
            for _r, own in sorted(recruits.items()):
                a = len(cost)  # 1 if the recruit is at the site and no one else is
                cost.append(float(w_alone))
                alone.append(a)
                coefs = {a: 1.0, n: 1.0}
                coefs.update({k: -2.0 for k in own})
                rows.add(coefs, 0, np.inf)
    c = np.array(cost)
    total = len(c)
    integral = np.zeros(total)
    integral[:n_x] = 1
    upper = np.ones(total)
    upper[counts] = np.inf
    constraint = rows.constraint(total)
    offset = w_change * compared - sum(rel.payback for rel in relaxed)  # the MIP's value + offset: the bound
    res = milp(c, constraints=[constraint], integrality=integral, bounds=Bounds(0, upper),
               options={"node_limit": JOINT_NODES, "time_limit": time_limit})
    clock_cut = "time limit" in (res.message or "").lower()
    ids = tuple(r.phase_id for r in relaxed)
    goals = tuple(g for g, on in (("supervisor_change", bool(pairs)), ("alone_at_site", w_alone > 0)) if on)
    dual = getattr(res, "mip_dual_bound", None)
    dual = float(dual) if dual is not None and np.isfinite(dual) else None
    if res.status == 0 and res.x is not None:
        chosen = res.x
        return Joint(ids, (float(res.fun) if dual is None else dual) + offset, True,
                     round(compared - chosen[continuity].sum()), round(chosen[alone].sum()), clock_cut, goals)
    if dual is not None and res.status != 2:
        # stopped by the node limit (or the clock) with a bound of its own: valid as it is
        return Joint(ids, dual + offset, False, 0, 0, clock_cut, goals)
    lp = milp(c, constraints=[constraint], integrality=np.zeros(total), bounds=Bounds(0, upper),
              options={"time_limit": time_limit})
    if lp.status != 0:
        return None
    return Joint(ids, float(lp.fun) + offset, False, 0, 0, clock_cut or "time limit" in (lp.message or "").lower(), goals)

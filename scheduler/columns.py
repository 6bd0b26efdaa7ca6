"""Practice phases (recruit period, summer jobs) with ward capacity, by column generation.

In a practice phase a recruit follows his supervisor's roster every day of his window, so
recruits whose supervisors work on the same ward on the same day compete for its places
(R2: ``capacity`` recruits a day). The best schedule of each recruit-supervisor pair alone
(:mod:`scheduler.weekdp`) may not fit; dropping a shift costs a missed roster shift, and
when the week's minimum is then short, a day without supervisor elsewhere.

The phase is modelled as a choice of one column per recruit, a column being a supervisor
and a whole schedule (its cost and the dates it practises):

* the linear master (HiGHS through ``scipy.optimize.linprog``): each recruit takes one
  column (fractionally), each supervisor at most ``max_recruits``, each (ward, date) at most
  ``capacity`` recruits;
* pricing: with the duals of the capacity rows as tolls on (ward, date), the cheapest
  schedule of every pair is found by the week DP; columns that would lower the master's
  value are added, until none would;
* the bound: at every round, the Lagrangian value of the tolls (the assignment problem of
  the tolled prices, minus tolls x capacities) is a lower bound of the phase's optimum;
* the plan: the same master with whole columns (a MIP over the columns found), whose
  schedules keep every ward's capacity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from models.score import units
from scheduler.master import BIG, Prices, Tolls, late
from scheduler.weekdp import Pick

EPS = 1e-6

MIP_NODES = 2000

OVERFLOW = 1.0
"""Cost of a recruit-day over a ward's capacity in the master, in days without supervisor."""

STRICT_OVERFLOW = 20.0
"""The same in :func:`choose` when the day model could not keep the chosen columns (R2): a
day over capacity is then a day the day model cannot keep, so the columns overfill a ward
only where the pool leaves no other way (``scheduler.solve._Planner.realize``)."""

SHORT_LIST = 100
"""Supervisors per recruit whose schedules become columns (the cheapest alone)."""
"""Branch-and-bound nodes of the integer master (HiGHS): a deterministic limit."""


@dataclass(frozen=True)
class Column:
    row: int
    sup: str
    cost: float  # units: the pair's own cost plus the schedule's (without tolls)
    dates: frozenset[date]
    picks: tuple[Pick, ...] = field(default=(), compare=False)


@dataclass
class ColumnResult:
    assignment: dict[str, str]
    value: float  # the MIP's value (units)
    bound: float  # Lagrangian lower bound (units), without the pair surcharges
    tolls: Tolls
    schedules: dict[str, tuple[Pick, ...]] = field(default_factory=dict)
    rounds: int = 0
    pool: list[Column] = field(default_factory=list)  # the columns the integer master chose from


def practice_by_columns(
    prices: Prices, rounds: int, time_limit: float = 30.0, surcharge: np.ndarray | None = None,
    school_of: dict[str, dict[tuple[int, int], frozenset[date]]] | None = None, deadline: float | None = None,
) -> ColumnResult | None:
    """Plan a phase's placements under ward capacity (see the module docstring): a practice
    phase, or an alternation phase with its class calendars fixed (``school_of``, class ->
    week -> school days). ``surcharge`` adds a cost per pair (e.g. supervisor continuity,
    which the bound must not count). ``deadline`` (``time.monotonic()``) ends the rounds
    early, a guard for slow machines. Returns None if no placement exists."""
    board = prices.board
    pool = _Pool(prices, surcharge, school_of or {})
    pool.short = [set(prices.sups) for _ in board.rows]
    pool.price({})
    if not pool.columns:
        return None
    pool.shortlist(SHORT_LIST)
    best_bound, best_tolls = -np.inf, {}
    done = 0
    useful: set[int] = set(pool.start)
    while done < rounds and not (done and late(deadline)):
        done += 1
        lp = _master(prices, pool.columns, integral=False, time_limit=time_limit)
        if lp is None:
            return None
        _value, (duals, support) = lp
        useful |= support
        tolls = {k: v for k, v in duals.items() if v > EPS}
        bound, new = pool.price(tolls)
        if bound > best_bound:
            best_bound, best_tolls = bound, tolls
        if not new:
            break
    # the integer master over the columns the linear masters used (and a placement of all)
    kept = [pool.columns[k] for k in sorted(useful)]
    found = choose(prices, kept, time_limit=time_limit)
    if found is None:
        return None
    found.bound, found.tolls, found.rounds = min(best_bound, found.value), best_tolls, done
    return found


def choose(prices: Prices, pool: list[Column], time_limit: float = 30.0,
           overflow: float = OVERFLOW) -> ColumnResult | None:
    """The integer master over ``pool``: one column per recruit, ward capacity kept (or
    priced at ``overflow`` days without supervisor per recruit-day over, see :func:`_master`)."""
    board = prices.board
    mip = _master(prices, pool, integral=True, time_limit=time_limit, overflow=overflow)
    if mip is None:
        return None
    value, chosen = mip
    assignment = {board.rows[c.row]: c.sup for c in chosen}
    schedules = {board.rows[c.row]: c.picks for c in chosen}
    return ColumnResult(assignment, value, value, {}, schedules, 0, pool)


class _Pool:
    """The columns found so far, and pricing with tolls (each profile of recruits and each
    supervisor priced once per distinct set of tolls on his ward)."""

    def __init__(self, prices: Prices, surcharge: np.ndarray | None, school_of: dict) -> None:
        self.prices = prices
        self.surcharge = surcharge
        self.school_of = school_of
        self.columns: list[Column] = []
        self._seen: set[tuple[int, str, frozenset[date]]] = set()
        self._memo: dict[tuple, tuple[float, frozenset[date], float] | None] = {}
        board = prices.board
        self.col_of: dict[str, list[int]] = defaultdict(list)
        for j, s in enumerate(board.cols):
            self.col_of[s].append(j)
        self.short: list[set[str]] = [set() for _ in board.rows]

    def shortlist(self, k: int) -> None:
        """Keep each recruit's ``k`` cheapest supervisors (by their toll-free columns), and
        his supervisor in the toll-free assignment, so that every recruit can be placed."""
        best: dict[tuple[int, str], float] = {}
        for c in self.columns:
            best[(c.row, c.sup)] = min(best.get((c.row, c.sup), np.inf), c.cost)
        board = self.prices.board
        matrix = np.full_like(board.base, BIG)
        for (i, s), cost in best.items():
            matrix[i, self.col_of[s]] = cost
        _value, cols = board.solve(matrix)
        for i in range(len(self.short)):
            ranked = sorted((cost, s) for (row, s), cost in best.items() if row == i)
            self.short[i] = {s for _cost, s in ranked[:k]} | {board.cols[cols[i]]}
        self.columns = [c for c in self.columns if c.sup in self.short[c.row]]
        self._seen = {(c.row, c.sup, c.dates) for c in self.columns}
        chosen = {(i, board.cols[cols[i]]) for i in range(len(self.short))}
        self.start = [k for k, c in enumerate(self.columns) if (c.row, c.sup) in chosen]

    def _add(self, row: int, sup: str, cost: float, dates: frozenset[date], picks: tuple[Pick, ...]) -> bool:
        key = (row, sup, dates)
        if key in self._seen:
            return False
        self._seen.add(key)
        extra = 0.0 if self.surcharge is None else float(self.surcharge[row, self.col_of[sup][0]])
        self.columns.append(Column(row, sup, cost + extra, dates, picks))
        return True

    def price(self, tolls: Tolls) -> tuple[float, int]:
        """With ``tolls``: every pair's cheapest schedule and the Lagrangian bound (the
        assignment problem of the tolled prices minus tolls x capacity). Schedules of each
        recruit's short list of supervisors become columns."""
        prices = self.prices
        board = prices.board
        prices.tolls = {k: round(v) for k, v in tolls.items() if round(v) > 0}
        matrix = np.full_like(board.base, BIG)
        new = 0
        for members in prices.profiles:
            rep = board.rows[members[0]]
            for s in prices.sups:
                j = self.col_of[s][0]
                reach = [i for i in members if board.base[i, j] < BIG]
                if not reach:
                    continue
                ward_tolls = prices.ward_tolls(s)
                key = (members[0], s, tuple(sorted(ward_tolls.items())))
                if key not in self._memo:
                    calendar = self.school_of.get(prices.inst.recruit[rep].class_id, {})
                    price = prices.pricer.chain(rep, s, prices.phase, calendar, tolls=ward_tolls)
                    if price is None:
                        self._memo[key] = None
                    else:
                        dates = frozenset(p.day for p in price.picks)
                        own = price.cost - sum(ward_tolls.get(d, 0) for d in dates)
                        self._memo[key] = (price.cost, dates, own, price.picks)
                found = self._memo[key]
                if found is None:
                    continue
                tolled, dates, own, picks = found
                for i in reach:
                    matrix[i, self.col_of[s]] = board.base[i, j] + tolled
                    if s in self.short[i]:
                        new += self._add(i, s, board.base[i, j] + own, dates, picks)
        value, _cols = board.solve(matrix)
        bound = value - prices.toll_total() if value < BIG else -np.inf
        prices.tolls = {}
        return bound, new


def _master(prices: Prices, columns: list[Column], *, integral: bool, time_limit: float,
            overflow: float = OVERFLOW):
    """The master over the columns: (value, capacity duals...) as an LP, (value, chosen
    columns) as a MIP; None if infeasible. Ward capacity is elastic: a recruit-day over
    capacity costs a day without supervisor (:data:`OVERFLOW`), so the master always has a
    solution and its duals stay finite; with enough columns no overflow is left."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import coo_matrix

    board, inst = prices.board, prices.inst
    n = len(columns)
    sups = sorted({c.sup for c in columns})
    sup_index = {s: t for t, s in enumerate(sups)}
    on: dict[tuple[str, date], list[int]] = defaultdict(list)
    rows_of: dict[tuple[str, date], set[int]] = defaultdict(set)
    for k, c in enumerate(columns):
        ward = prices.ward_of[c.sup]
        for d in c.dates:
            on[(ward, d)].append(k)
            rows_of[(ward, d)].add(c.row)
    cap_keys = sorted(key for key in on if len(rows_of[key]) > inst.ward[key[0]].capacity)
    m = len(cap_keys)
    overflow = overflow * units(inst, "without_supervisor")
    cost = np.concatenate([np.array([c.cost for c in columns]), np.full(m, overflow)])
    a_eq = coo_matrix((np.ones(n), ([c.row for c in columns], range(n))), shape=(len(board.rows), n + m))
    r_idx = [sup_index[c.sup] for c in columns]
    c_idx = list(range(n))
    vals = [1.0] * n
    b_ub = [inst.supervisor[s].max_recruits for s in sups]
    for t, key in enumerate(cap_keys):
        row = len(sups) + t
        r_idx += [row] * len(on[key]) + [row]
        c_idx += on[key] + [n + t]
        vals += [1.0] * len(on[key]) + [-1.0]
        b_ub.append(inst.ward[key[0]].capacity)
    a_ub = coo_matrix((vals, (r_idx, c_idx)), shape=(len(b_ub), n + m))
    b = np.array(b_ub, dtype=float)
    upper = np.concatenate([np.ones(n), np.full(m, np.inf)])
    if not integral:
        res = linprog(cost, A_ub=a_ub.tocsr(), b_ub=b, A_eq=a_eq.tocsr(), b_eq=np.ones(len(board.rows)),
                      bounds=list(zip(np.zeros(n + m), upper, strict=True)), method="highs",
                      options={"time_limit": time_limit})
        if res.status != 0:
            return None
        marg = res.ineqlin.marginals
        duals = {key: -float(marg[len(sups) + t]) for t, key in enumerate(cap_keys) if marg[len(sups) + t] < -EPS}
        support = {k for k in range(n) if res.x[k] > EPS}
        return float(res.fun), (duals, support)
    res = milp(cost, constraints=[LinearConstraint(a_eq, 1, 1), LinearConstraint(a_ub, -np.inf, b)],
               integrality=np.concatenate([np.ones(n), np.zeros(m)]), bounds=Bounds(0, upper),
               options={"time_limit": time_limit, "node_limit": MIP_NODES})
    if res.x is None:
        return None
    picked = np.nonzero(res.x[:n] > 0.5)[0]
    return float(res.fun), [columns[k] for k in picked]

"""The calendar search: for one phase, which days each class is in school and which
supervisor each recruit follows, with a lower bound that proves how good the choice is.

Why a search of its own: the cost of a recruit's week depends on both his class's school
days and his supervisor's roster (a product of two decisions), and CP-SAT's linear
relaxation of that product is weak (it lets every recruit follow a fraction of several
supervisors, each on his best days), so its bounds stay far from the optimum. Here the
product is kept exact instead:

* :class:`scheduler.weekdp.WeekPricer` prices every recruit week for every supervisor and
  every school-day option of his class (:mod:`scheduler.options`), by an exact dynamic
  programme for one recruit alone.
* For fixed calendars the rest is an assignment problem (recruits to supervisor places,
  R1/R2) solved exactly by ``scipy.optimize.linear_sum_assignment``.
* A branch and bound fixes the calendars stage by stage: a stage is one week, or a set of
  identical full weeks of a weekly-model school (a "week type": rotating rosters repeat,
  so many weeks price alike and take the same option). A node's bound is the assignment
  problem in which every week not yet fixed is priced, per recruit and supervisor, at its
  cheapest option (for the block model: the cheapest sequence of week kinds that keeps
  the block lengths from the class's current state, R5). That is a relaxation, so the
  smallest bound among the open nodes is a lower bound of the phase's optimum; when no
  open node can beat the best plan found, the plan is proven optimal.
* A coordinate descent (calendars given the placements, placements given the calendars)
  finds good plans early; nodes are taken best bound first, with a dive to a leaf every
  few nodes. The search stops after a number of assignment problems (``node_limit``), not
  after a time, so that the same instance gives the same plan on any machine.

What the bound leaves out, because it couples recruits or phases and costs nothing in
the best case: ward capacity per date (R2), rest across phase boundaries and across the
week boundaries of the weekly model and of school-to-practice weeks (R9; a block class's
practice blocks are chained exactly, :func:`_block_chains`), alone at a site, fairness,
supervisor continuity. The plan keeps all of them (the day
model, :mod:`scheduler.constraints`), so its cost can only be at or above the bound. One
share of fairness is counted where it is sure: when a recruit cannot practise on any
weekend day, a second search prices weekend shifts (:func:`weekend_surcharge`).
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix

from models import Instance, Phase
from models.score import units
from scheduler.domains import Domains
from scheduler.options import (
    CLOSED,
    PRACTICE,
    SCHOOL,
    Teachers,
    class_week,
    joint_options,
    kind_of,
    partner_pairs,
    unused_school_days,
)
from scheduler.weekdp import INF, WeekPricer, combine

BIG = 1e12
"""Cost of an impossible pairing in the assignment matrices (above any real cost)."""

DIVE_EVERY = 16
"""Best-first steps between two dives to a leaf."""

PATIENCE = 3
"""Subgradient steps without a better bound before the step size is halved."""

class _StepSize:
    """The step factor of a subgradient method: halved after :data:`PATIENCE` rounds whose
    value is no better than the best so far."""

    def __init__(self, best: float = -np.inf) -> None:
        self.theta, self.best, self.stale = 1.0, best, 0

    def seen(self, value: float) -> bool:
        """Record a round's value; True if it is the best so far."""
        if value > self.best + 1e-9:
            self.best, self.stale = value, 0
            return True
        self.stale += 1
        if self.stale >= PATIENCE:
            self.theta, self.stale = self.theta / 2, 0
        return False

    def step(self, prices: np.ndarray, grad: np.ndarray, gap: float) -> np.ndarray | None:
        """Prices >= 0 after a projected step of Polyak size (``gap``: target minus value)
        along ``grad``; None when the projected gradient is zero (nothing to move)."""
        grad = np.where((grad < 0) & (prices <= 0), 0.0, grad)
        norm = float(grad @ grad)
        if norm == 0:
            return None
        return np.maximum(0.0, prices + self.theta * gap / norm * grad)


ROUND_NODES = 1500
"""Nodes of each search that moves the capacity prices (:func:`_capacity_rounds`): enough
to prove a round on small phases, a good calendar to step from on large ones."""

FINAL_SHARE = 0.4
"""Share of the rounds' node budget kept for the last round, which proves the bound."""

TIGHTEN_SHARE = 0.3
"""Share of a weekly phase's node budget (assignment problems) for :func:`_tighten`, after
the capacity rounds (Trondheim's Vg1 uses about a fifth of it)."""

TIGHTEN_LEAVES = 10
"""Most calendars :func:`_tighten` prices exactly (a MIP each). On Trondheim's Vg1 the bound
rises by 84 of the capacity rounds' gap of 202 before the first, 121 with 15, 165 with 40,
and all 202 with the 87 that prove it (about 9 s)."""

TIGHTEN_GAP = 0.001
""":func:`_tighten` runs when the capacity rounds leave more than this share of the plan's
value between plan and bound: Trondheim's Vg1 (0.38 %, of which it closes more than half),
not its Vg2 (0.03 %, where it spent 3 s on nothing)."""

TIGHTEN_STEPS = 15
"""Most subgradient steps (assignment problems) per node in :func:`_tighten`."""

DECOMPOSE_SHARE = 1.0
"""Nodes for :func:`_decomposed_bound`, as a share of the phase's node budget (only spent
when the joint search ends unproven and the classes are not all partners)."""

DECOMPOSE_ROUNDS = 10
"""Subgradient rounds of :func:`_decomposed_bound`."""


def late(deadline: float | None) -> bool:
    """Whether ``deadline`` (``time.monotonic()``, None for none) has passed."""
    return deadline is not None and time.monotonic() > deadline


# ---- the assignment problem ------------------------------------------------------------------
@dataclass
class Board:
    """Rows (recruits) and columns (supervisor places) of a phase's assignment problems."""

    rows: list[str]
    cols: list[str]  # a supervisor id per place (max_recruits places each)
    row_of: dict[str, int]
    base: np.ndarray  # costs that depend on the pairing only (travel, wishes, ...), BIG if out of reach

    def supervisors(self) -> tuple[list[str], np.ndarray]:
        """The board's supervisors (sorted) and, per column, the index of its supervisor."""
        sups = sorted(set(self.cols))
        return sups, np.array([sups.index(s) for s in self.cols], dtype=int)

    def solve(self, matrix: np.ndarray) -> tuple[float, np.ndarray]:
        """The least total and the column of each row (value >= BIG: no assignment, also
        when there are fewer places than recruits or a row's only places cost BIG)."""
        r, c = linear_sum_assignment(matrix)
        cols = np.zeros(len(self.rows), dtype=int)
        cols[r] = c
        if len(r) < len(self.rows) or (matrix[r, c] >= BIG).any():
            return BIG, cols  # (a BIG cell taken: other rows' negative costs could hide it in the sum)
        return float(matrix[r, c].sum()), cols


def make_board(inst: Instance, dom: Domains, phase: Phase, pair_cost) -> Board:
    """The phase's assignment board. ``pair_cost(recruit_id, sup_id)`` gives the cost in
    units of the pairing itself; supervisors out of the recruit's reach cost BIG."""
    rows = [r.id for r in inst.recruits]
    cols = [s.id for s in inst.supervisors for _ in range(max(0, s.max_recruits))]
    base = np.full((len(rows), len(cols)), BIG)
    col_of: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(cols):
        col_of[s].append(j)
    for i, r in enumerate(rows):
        for s in dom.candidate_supervisors(r, phase):
            base[i, col_of[s]] = pair_cost(r, s)
    return Board(rows, cols, {r: i for i, r in enumerate(rows)}, base)


# ---- prices -----------------------------------------------------------------------------------
def profile_of(inst: Instance, recruit_id: str, phase: Phase) -> tuple:
    """Recruits with the same profile price alike in a phase."""
    r = inst.recruit[recruit_id]
    window = inst.recruit_phase_window(recruit_id, phase)
    # absences over his own window, which may reach outside the phase's dates (an own
    # recruit period): two recruits of one window but absences there must not price alike
    absent = tuple(d for d in inst.recruit_phase_days(recruit_id, phase) if inst.is_absent(recruit_id, d))
    return (r.class_id, window, r.unavailable_weekdays, absent)


Tolls = dict[tuple[str, date], int]
"""Lagrangian prices of ward capacity (R2): units per recruit practising on (ward, date)."""


def weekend_surcharge(inst: Instance, phase: Phase) -> dict[date, int]:
    """A share of the weekend-fairness goal that a phase's bound may count, as a surcharge
    on every weekend date (:attr:`Prices.day_surcharge`).

    When some recruit cannot practise on any weekend day of the phase (unavailable on
    saturday and sunday, away, or outside his window), the fewest weekend shifts is 0, so
    the spread is the most any recruit works, which is at least their mean over the ``n``
    recruits who can: ``weight x spread >= weight / n x (weekend shifts of all)``. A
    surcharge of ``floor(weight / n)`` units per weekend shift (nothing paid back) thus
    keeps every bound a bound of the phase's cost with its weekend fairness. Empty when no
    recruit is held to 0, or the weight is not positive."""
    w = units(inst, "weekend_fairness")
    weekend = [d for d in inst.phase_dates_of_anyone(phase) if d.weekday() >= 5]
    if w <= 0 or not weekend:
        return {}
    able = [r for r in inst.recruits if any(inst.may_practise(r.id, phase, d) for d in weekend)]
    if not able or len(able) == len(inst.recruits) or w // len(able) <= 0:
        return {}
    return {d: w // len(able) for d in weekend}


class Prices:
    """Price matrices (rows x columns, in units) for one phase, computed once per profile
    of recruits and per distinct supervisor week. With ``tolls``, practising on a ward on a
    date costs its toll too (see :func:`capacity_tolls`)."""

    def __init__(self, inst: Instance, dom: Domains, pricer: WeekPricer, phase: Phase, board: Board,
                 tolls: Tolls | None = None) -> None:
        self.inst, self.dom, self.pricer, self.phase, self.board = inst, dom, pricer, phase, board
        profiles: dict[tuple, list[int]] = defaultdict(list)
        for i, r in enumerate(board.rows):
            profiles[profile_of(inst, r, phase)].append(i)
        self.profiles = list(profiles.values())  # rows of each profile
        self.sups, self.col_sup = board.supervisors()
        self.ward_of = {s: inst.supervisor[s].ward_id for s in self.sups}
        self.tolls: Tolls = dict(tolls or {})
        # units per recruit practising on a date, on any ward, that nothing pays back: a
        # share of a goal the bound may count (see weekend_surcharge); set it for bounds only
        self.day_surcharge: dict[date, int] = {}
        self._week_patterns: dict[tuple[int, int], tuple[list[tuple], np.ndarray]] = {}
        self._chains: dict[tuple, float] = {}  # phase_chain's prices without a calendar

    def toll_total(self) -> float:
        """What the tolls pay back: sum of toll x ward capacity (subtracted from bounds)."""
        return float(sum(t * self.inst.ward[k].capacity for (k, _d), t in self.tolls.items()))

    def ward_tolls(self, sup_id: str) -> dict[date, int]:
        """Per date, what practising on this supervisor's ward costs on top: its toll and
        the day surcharge."""
        ward = self.ward_of[sup_id]
        out = {d: t for (k, d), t in self.tolls.items() if k == ward and t}
        for d, t in self.day_surcharge.items():
            out[d] = out.get(d, 0) + t
        return out

    def _profiles_of(self, rows: list[int]):
        """Per recruit profile with rows among ``rows``: their positions in ``rows`` and the
        profile's first recruit (all of a profile price alike)."""
        where = {row: k for k, row in enumerate(rows)}
        for members in self.profiles:
            mine = [where[i] for i in members if i in where]
            if mine:
                yield mine, self.board.rows[members[0]]

    def week(self, rows: list[int], week: tuple[int, int], school: frozenset[date]) -> np.ndarray:
        """Relaxed week prices for ``rows`` (one class) when the class is in school on ``school``:
        a (len(rows), columns) matrix."""
        p, pricer = self.phase, self.pricer
        patterns, col_pattern = self._patterns(week)
        out = np.zeros((len(rows), len(self.board.cols)))
        for mine, rid in self._profiles_of(rows):
            rule = pricer.rule(rid, p, week, school)
            rdays = pricer.recruit_days(rid, p, week, school)
            per_pattern = np.array([pricer.relaxed_parts(rdays, sdays, rule, tolls) for sdays, tolls in patterns],
                                   dtype=float)
            line = per_pattern[col_pattern]
            line[line >= INF] = BIG
            out[mine, :] = line
        return out

    def window(self, rows: list[int], weeks: list[tuple[int, int]], schools: list[frozenset[date]],
               after: tuple[tuple[int, int], frozenset[date]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Consecutive weeks of one class chained exactly (nothing before the first), for
        ``rows``: the (rows, columns) prices with any end, and with an end that leaves each
        recruit the rest before his first school day of ``after`` (the next week and its
        school days; the same as the first when ``after`` is None)."""
        p, pricer = self.phase, self.pricer
        pats = [self._patterns(w) for w in weeks]
        combos, inverse = np.unique(np.stack([cp for _pl, cp in pats], axis=1), axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        open_out = np.zeros((len(rows), len(self.board.cols)))
        kept_out = np.zeros_like(open_out)
        for mine, rid in self._profiles_of(rows):
            rules = tuple(pricer.rule(rid, p, w, sc) for w, sc in zip(weeks, schools, strict=True))
            rdays = [pricer.recruit_days(rid, p, w, sc) for w, sc in zip(weeks, schools, strict=True)]
            start = None
            if after is not None:  # his first school day there (none if absent all its school days)
                first = next((win for _wd, win, _may in pricer.recruit_days(rid, p, *after) if win), None)
                start = None if first is None else first[0]
            both = np.array([pricer.window_cost(tuple(combine(rdays[j], *pats[j][0][c]) for j, c in enumerate(combo)),
                                                rules, start) for combo in combos], dtype=float)
            both[both >= INF] = BIG
            open_out[mine, :] = both[inverse, 0]
            kept_out[mine, :] = both[inverse, 1]
        return open_out, kept_out

    def _patterns(self, week: tuple[int, int]) -> tuple[list[tuple], np.ndarray]:
        """The distinct supervisor weeks (shifts and tolls) of ``week`` and the pattern of
        each column."""
        found = self._week_patterns.get(week)
        if found is None:
            days = self.dom.week_days(self.phase, week)
            index: dict[tuple, int] = {}
            per_sup = []
            for s in self.sups:
                sdays = self.pricer.supervisor_days(s, self.phase, week)
                ward = self.ward_of[s]
                tolls = tuple(self.tolls.get((ward, d), 0) + self.day_surcharge.get(d, 0) for d in days)
                key = (sdays, tolls if any(tolls) else None)
                per_sup.append(index.setdefault(key, len(index)))
            found = (list(index), np.array(per_sup, dtype=int)[self.col_sup])
            self._week_patterns[week] = found
        return found

    def phase_chain(self, school_of: dict[str, dict[tuple[int, int], frozenset[date]]]) -> np.ndarray:
        """Exact phase prices (weeks chained) for every row and column, given each class's
        school days per week (empty for practice phases), tolls included."""
        out = np.zeros((len(self.board.rows), len(self.board.cols)))
        tolls = {s: self.ward_tolls(s) for s in self.sups}
        for members in self.profiles:
            rid = self.board.rows[members[0]]
            calendar = school_of.get(self.inst.recruit[rid].class_id, {})
            per_sup = np.empty(len(self.sups))
            for k, s in enumerate(self.sups):
                # without a calendar (practice phases) a price depends on nothing else than
                # the profile, the supervisor and his ward's tolls: the toll rounds change few
                key = None if calendar else (rid, s, tuple(sorted(tolls[s].items())))
                cost = self._chains.get(key) if key is not None else None
                if cost is None:
                    price = self.pricer.chain(rid, s, self.phase, calendar, dated=False, tolls=tolls[s])
                    cost = BIG if price is None else price.cost
                    if key is not None:
                        self._chains[key] = cost
                per_sup[k] = cost
            out[members, :] = per_sup[self.col_sup]
        return out

    def forced_dates(self, recruit_id: str, school_of: dict[str, dict[tuple[int, int], frozenset[date]]]) -> frozenset[date]:
        """The dates a recruit must practise whoever his supervisor is: in the weekly model,
        a full week he is present for (R4: exactly ``practice_days_per_week``) with just that
        many days left to practise."""
        pricer, phase = self.pricer, self.phase
        calendar = school_of.get(self.inst.recruit[recruit_id].class_id, {})
        forced: set[date] = set()
        for week in self.dom.weeks(phase):
            school = calendar.get(week, frozenset())
            rule = pricer.rule(recruit_id, phase, week, school)
            if rule.mode != "weekly" or rule.lo == 0:
                continue
            days = self.dom.week_days(phase, week)
            may = [d for d, (_wd, _w, ok) in zip(days, pricer.recruit_days(recruit_id, phase, week, school),
                                                  strict=True) if ok]
            if len(may) == rule.lo:
                forced.update(may)
        return frozenset(forced)

    def practice_dates(self, recruit_id: str, sup_id: str,
                       school_of: dict[str, dict[tuple[int, int], frozenset[date]]]) -> list[date]:
        """The dates the recruit practises in his best phase schedule with this supervisor."""
        calendar = school_of.get(self.inst.recruit[recruit_id].class_id, {})
        price = self.pricer.chain(recruit_id, sup_id, self.phase, calendar, tolls=self.ward_tolls(sup_id))
        return [p.day for p in price.picks] if price else []


def capacity_tolls(
    prices: Prices, school_of: dict[str, dict[tuple[int, int], frozenset[date]]], iterations: int,
    target: float | None = None, deadline: float | None = None, start: Tolls | None = None,
) -> tuple[Tolls, float]:
    """Ward capacity (R2) by Lagrangian relaxation, for fixed calendars (practice phases).

    Every recruit practising on a ward on a date pays that (ward, date)'s toll, and the
    tolls times the capacities are paid back, so for any tolls >= 0 the assignment
    problem's value is a lower bound of the capacitated one; the recruits' schedules are
    re-priced with the tolls (one may drop a tolled day, or work another). Subgradient
    steps (Polyak, with the step halved when the bound does not improve) raise the tolls
    where the best assignment overfills a ward and lower them where it leaves room.
    ``target``: the cost of a known plan (an over-estimate of the best bound), which makes
    the steps the right size; without it a rough estimate is used. ``deadline``
    (``time.monotonic()``) stops the steps early, a guard for slow machines. Returns the
    best tolls found and their bound (units)."""
    board, inst = prices.board, prices.inst
    best: tuple[float, Tolls] = (-np.inf, {})
    tolls: dict[tuple[str, date], float] = dict(start or {})
    size = _StepSize()
    for k in range(iterations):
        if k and late(deadline):
            break
        prices.tolls = {k: round(v) for k, v in tolls.items() if round(v) > 0}
        prices._week_patterns.clear()
        value, cols = board.solve(board.base + prices.phase_chain(school_of))
        if value >= BIG:
            break
        bound = value - prices.toll_total()
        if size.seen(bound):
            best = (bound, dict(prices.tolls))
        load: dict[tuple[str, date], int] = defaultdict(int)
        for i, c in enumerate(cols):
            sup = board.cols[c]
            for d in prices.practice_dates(board.rows[i], sup, school_of):
                load[(prices.ward_of[sup], d)] += 1
        grad = {k: load.get(k, 0) - inst.ward[k[0]].capacity for k in set(load) | set(tolls)}
        grad = {k: g for k, g in grad.items() if g > 0 or tolls.get(k, 0) > 0}
        if not any(g > 0 for g in grad.values()) and not any(tolls.get(k, 0) > 0 and g < 0 for k, g in grad.items()):
            break  # capacities kept, and no toll on a ward-day with room: the bound is exact
        if target is None:  # a rough target: each surplus recruit-day costs a day without supervisor
            target = bound + sum(max(0, g) for g in grad.values()) * units(inst, "without_supervisor")
        if target <= bound + 1e-9:
            break  # the bound has reached the known plan's cost
        keys = list(grad)
        moved = size.step(np.array([tolls.get(k, 0.0) for k in keys]), np.array([grad[k] for k in keys], dtype=float),
                          max(target - bound, 1.0))
        if moved is None:
            break
        tolls.update(zip(keys, moved.tolist(), strict=True))
    prices.tolls = best[1]
    prices._week_patterns.clear()
    return best[1], best[0]


class ClassCapacity:
    """Ward capacity (R2) in the weekly model, for every calendar at once.

    In a full week (D2) every recruit of a weekly class who is there all week practises on
    exactly the class's practice days (R4), whatever the calendar, when practice is on
    weekdays only and ``school_days_per_week + practice_days_per_week`` fill the five
    weekdays (as usual: 3 + 2); so on those dates a ward holds all of them that are placed
    there: at most ``capacity`` of them per class. (Otherwise there are no rows.) Each
    row is (ward, the recruits of one class there all of some full week); a row binds the
    placements only (the calendars do not change it), so it can be priced into the
    assignment problems of the calendar search (a Lagrangian relaxation: bounds stay
    valid for any prices >= 0) and kept exactly in :meth:`assign`.
    """

    def __init__(self, inst: Instance, dom: Domains, phase: Phase, board: Board) -> None:
        self.inst, self.board = inst, board
        groups: set[tuple[str, frozenset[int]]] = set()
        same_days = (not inst.rules.practice_on_weekends
                     and phase.school_days_per_week + phase.practice_days_per_week == 5)
        for c in inst.classes:
            if phase.kind != "alternation" or inst.model_of(c.id, phase) != "weekly" or not same_days:
                continue
            rows = [board.row_of[r.id] for r in inst.recruits_of(c.id)]
            for week in dom.weeks(phase):
                if not dom.is_full_week(c.id, phase, week):
                    continue
                days = dom.week_days(phase, week)
                there = frozenset(i for i in rows if not any(inst.is_absent(board.rows[i], d) for d in days))
                if there:
                    groups.add((c.id, there))
        ward_cols: dict[str, list[int]] = defaultdict(list)
        for j, sup in enumerate(board.cols):
            ward_cols[inst.supervisor[sup].ward_id].append(j)
        self.rows: list[tuple[str, list[int], list[int]]] = []  # (ward, board rows, board columns)
        for _c, there in sorted(groups, key=lambda g: (g[0], sorted(g[1]))):
            for ward, cols in sorted(ward_cols.items()):
                reach = [i for i in sorted(there) if (board.base[i, cols] < BIG).any()]
                if len(reach) > inst.ward[ward].capacity:
                    self.rows.append((ward, reach, cols))
        self.caps = np.array([inst.ward[w].capacity for w, _r, _c in self.rows], dtype=float)
        # which rows each cell of the board (recruit, place), flattened, counts towards
        shape = board.base.shape
        cells = [(np.asarray(rs)[:, None] * shape[1] + np.asarray(cs)[None, :]).ravel() for _w, rs, cs in self.rows]
        self.member = coo_matrix(
            (np.ones(sum(len(c) for c in cells)),
             (np.concatenate(cells) if cells else np.zeros(0, dtype=int),
              np.concatenate([np.full(len(c), t) for t, c in enumerate(cells)]) if cells else np.zeros(0, dtype=int))),
            shape=(shape[0] * shape[1], len(self.rows))).tocsr()

    def surcharge(self, prices: np.ndarray) -> tuple[np.ndarray, float]:
        """The matrix to add to the board's costs, and what the rows pay back."""
        return (self.member @ prices).reshape(self.board.base.shape), float(prices @ self.caps)

    def load(self, cols_of_rows: np.ndarray) -> np.ndarray:
        """Recruits each row holds in an assignment (board column per row)."""
        n_rows, n_cols = self.board.base.shape
        taken = np.zeros(n_rows * n_cols)
        taken[np.arange(n_rows) * n_cols + cols_of_rows] = 1.0
        return self.member.T @ taken

    def assign(self, matrix: np.ndarray) -> tuple[float, np.ndarray] | None:
        """The least-cost assignment of rows to columns that keeps the rows' capacities
        (and the supervisors' places): a small MIP (HiGHS through scipy.optimize.milp)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        n_rows, n_cols = matrix.shape
        cells = np.argwhere(matrix < BIG)
        cost = matrix[cells[:, 0], cells[:, 1]]
        k = np.arange(len(cells))
        parts = [
            LinearConstraint(coo_matrix((np.ones(len(cells)), (cells[:, 0], k)), shape=(n_rows, len(cells))), 1, 1),
            LinearConstraint(coo_matrix((np.ones(len(cells)), (cells[:, 1], k)), shape=(n_cols, len(cells))), 0, 1),
        ]
        if self.rows:
            parts.append(LinearConstraint(self.member[cells[:, 0] * n_cols + cells[:, 1]].T.tocoo(), 0, self.caps))
        res = milp(cost, constraints=parts, integrality=np.ones(len(cells)), bounds=Bounds(0, 1),
                   options={"time_limit": 30})
        if res.x is None or res.status not in (0, 1):
            return None
        chosen = cells[res.x > 0.5]
        cols = np.empty(n_rows, dtype=int)
        cols[chosen[:, 0]] = chosen[:, 1]
        return float(matrix[chosen[:, 0], chosen[:, 1]].sum()), cols


# ---- stages and class states -------------------------------------------------------------------
@dataclass
class ClassStep:
    """One class's option in a stage: its school days per week of the stage, its price
    matrix over the class's rows, its own cost (short-week goal, class part), the school
    days it adds and its week kind (block model). ``by_run``: for a block class whose week
    before was the ``r``-th week of a practice block, what this step adds beyond its matrix
    when the block's weeks are chained exactly (:func:`_block_chains`); the search adds
    ``by_run[r]`` when the class comes from practice (:func:`_step_matrix`)."""

    school: tuple[frozenset[date], ...]  # per week of the stage
    matrix: np.ndarray
    scalar: float
    days: int
    kind: str | None
    by_run: dict[int, np.ndarray] | None = None  # block model: see _block_chains


@dataclass
class Stage:
    group: int
    weeks: list[tuple[int, int]]
    steps: list[list[ClassStep]]  # per class of the group: its options
    joint: list[tuple[int, ...]]  # allowed combinations of option indexes, one per class


@dataclass
class Group:
    """The classes of one school in one phase, searched together (shared teachers, R6, R7)."""

    school_id: str
    classes: list[str]
    rows: list[list[int]]  # board rows of each class
    block: list[bool]  # per class: block model
    min_days: list[int]  # R11 per class
    stages: list[Stage] = field(default_factory=list)
    long_price: list[float] = field(default_factory=list)  # per class and recruit, see Machine.cost


State = tuple  # per class: (kind, run, edge, stretch, school days); KEY of it is what the bound needs
KEY = 4
"""A class state's first :data:`KEY` fields (kind, run, edge, stretch) decide what its
later weeks may be and cost; the last (school days so far) only whether R11 is met."""


class Machine:
    """The rules that span weeks for one class: block lengths (R5, D14), long school blocks
    (D21) and school days (R11).

    A state is (kind, run, edge, stretch, school days): the kind and length of the block the
    class is in (a closed week ends it, R5), whether that block began at the phase edge or
    after a closed week (so it may be short), the school weeks since the last practice week
    or the phase start, closed weeks skipped (D21; kept only up to the shortest school block,
    beyond which every school week costs the same), and the school days so far."""

    def __init__(self, phase: Phase, block: bool, min_days: int, long_price: float = 0.0) -> None:
        self.block, self.min_days = block, min_days
        self.school_bounds = phase.school_block_weeks
        self.practice_bounds = phase.practice_block_weeks
        self.long_price = long_price  # per recruit and school week beyond the shortest block

    start: State = (None, 0, True, 0, 0)

    def bounds(self, kind: str) -> tuple[int, int]:
        return self.school_bounds if kind == SCHOOL else self.practice_bounds

    def step(self, state: State, kind: str | None, days: int, weeks: int = 1) -> State | None:
        k0, run, edge, stretch, school = state
        if not self.block or kind is None:
            return (None, 0, True, 0, school + days)
        if kind == CLOSED:
            return (None, 0, True, stretch, school)
        if kind == SCHOOL and self.long_price:
            stretch = min(self.school_bounds[0], stretch + weeks)
        elif kind != SCHOOL:
            stretch = 0
        if kind == k0:
            if run + weeks > self.bounds(kind)[1]:
                return None
            return (kind, run + weeks, edge, stretch, school + days)
        if k0 is not None and not edge and run < self.bounds(k0)[0]:
            return None
        if weeks > self.bounds(kind)[1]:
            return None
        return (kind, weeks, k0 is None, stretch, school + days)

    def cost(self, state: State, kind: str | None, weeks: int = 1) -> float:
        """The ``long_school_block`` cost of a step (models/score.py, D21) per recruit of the
        class: the school weeks it adds beyond the shortest school block since the last
        practice week (a closed week does not end that count), times :attr:`long_price`.
        The bound's cost to go (:meth:`Search._togo`) adds it to each recruit's row, so that
        a recruit's cheapest sequence of weeks pays for its long school blocks (as a class
        scalar it would be relaxed apart from the recruits' costs, and the bound would be
        weak); a path adds it once per recruit."""
        if not self.block or kind != SCHOOL or not self.long_price:
            return 0.0
        before = state[3]
        shortest = self.school_bounds[0]
        return self.long_price * (max(0, before + weeks - shortest) - max(0, before - shortest))

    def final(self, state: State) -> bool:
        return state[-1] >= self.min_days


def _step_matrix(state: State, step: ClassStep) -> np.ndarray:
    """A step's price matrix from a class state: with :attr:`ClassStep.by_run` of the
    practice block the class comes from (a closed week ends a block, and the stages of a
    block class are its weeks in order, so the block's weeks are the stages just before)."""
    extra = step.by_run.get(state[1]) if step.by_run is not None and state[0] == PRACTICE else None
    return step.matrix if extra is None else step.matrix + extra


# ---- building the stages -----------------------------------------------------------------------
def build_groups(
    inst: Instance, dom: Domains, phase: Phase, prices: Prices, teachers: Teachers,
    keep: dict[str, frozenset[date]] | None = None, only: set[str] | None = None,
) -> list[Group] | str:
    """The phase's groups and stages, or a sentence saying which week has no calendar.

    ``keep`` (re-planning): each class's published school days. A week's options are then
    only those that keep the class's published days of that week, where any does (a week
    whose published days no longer work, e.g. after a new closure, keeps all its options).
    A class without published days in the phase is free. ``only``: these classes alone
    (the board's rows are their recruits; see :func:`_decomposed_bound`); with ``keep``, a
    week keeps their published days only where the whole school's do (a relaxation of
    the joint search's weeks)."""
    w_unused = units(inst, "short_week_unused")
    moved = getattr(keep, "moved", 0.0)  # PublishedDays of a plan search (see below)
    board = prices.board
    groups: list[Group] = []
    for school in inst.schools:
        classes = [c.id for c in inst.classes if c.school_id == school.id and (only is None or c.id in only)]
        if not classes:
            continue
        rows = [[board.row_of[r.id] for r in inst.recruits_of(c)] for c in classes]
        block = [inst.model_of(c, phase) == "block" for c in classes]
        w_long = units(inst, "long_school_block")
        g = Group(school.id, classes, rows, block, [phase.min_school_days] * len(classes),
                  long_price=[float(w_long)] * len(classes))
        raw = []  # (week, joint school sets, per class option sets)
        for week in dom.weeks(phase):
            cws = [class_week(inst, dom, c, phase, week) for c in classes]
            joint = joint_options(inst, phase, school.id, cws, teachers)
            until = getattr(keep, "until", None)
            if keep and getattr(keep, "soft", True):  # kept where the whole school keeps them (with ``only``, else a larger set)
                days = dom.week_days(phase, week)
                every = [c.id for c in inst.classes if c.school_id == school.id]
                whole = joint if only is None else joint_options(
                    inst, phase, school.id, [class_week(inst, dom, c, phase, week) for c in every], teachers)
                if _kept(whole, every, keep, phase, days) is not whole:
                    joint = _kept(joint, classes, keep, phase, days)
            if until is not None and keep is not None:
                past = [d for d in dom.week_days(phase, week) if d < until]
                if past and joint:
                    joint = _keeping(joint, classes, keep, phase, past)
                    if not joint:
                        return (f"school {school.id}, week {week[0]}-W{week[1]:02d}: the school days published "
                                f"before --keep-until {until} no longer make a calendar with the rest of the week "
                                f"(R4, R6, R7)")
            if not joint:
                weekly = [c for c, b in zip(classes, block, strict=True) if not b]
                rules = [f"{phase.school_days_per_week} school days in a full week (R4)"] if weekly else []
                rules += ["the shared day (R6)"] if partner_pairs(inst, weekly) else []
                rules.append("the teachers (R7)")
                return (f"school {school.id}, week {week[0]}-W{week[1]:02d}: no school-day calendar of its "
                        f"classes keeps {', '.join(rules[:-1]) + ' and ' if len(rules) > 1 else ''}{rules[-1]}")
            raw.append((week, cws, joint))
        history: list[tuple[tuple[int, int], list[list[ClassStep]]]] = []  # the phase's weeks before, in order
        windows: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # Prices.window per class, weeks and next week
        for week, cws, joint in raw:
            steps = []
            for ci, cw in enumerate(cws):
                options = sorted({j[ci] for j in joint}, key=lambda s: (-len(s), sorted(s)))
                lst = []
                for sset in options:
                    matrix = prices.week(rows[ci], week, sset)
                    scalar = float(w_unused * unused_school_days(cw, phase, sset))
                    if moved:  # a plan search only (PublishedDays.moved)
                        scalar += moved * len(rows[ci]) * keep.changed(classes[ci], dom.week_days(phase, week), sset)
                    lst.append(ClassStep((sset,), matrix, scalar, len(sset), kind_of(cw, sset) if cw.model == "block" else None))
                steps.append(lst)
            _block_chains(prices, rows, history, week, steps, block, phase.practice_block_weeks[1], windows)
            history.append((week, steps))
            index = [{s.school[0]: k for k, s in enumerate(lst)} for lst in steps]
            combos = sorted({tuple(index[ci][j[ci]] for ci in range(len(cws))) for j in joint})
            # a class option that makes a recruit's week impossible whatever his supervisor is out
            combos = [c for c in combos if all(_possible(steps[ci][k].matrix) for ci, k in enumerate(c))]
            if not combos:
                return (f"school {school.id}, week {week[0]}-W{week[1]:02d}: no school-day calendar leaves every "
                        f"recruit a possible practice week (R4)")
            g.stages.append(Stage(len(groups), [week], steps, _undominated(steps, combos, block)))
        if not any(block):
            g.stages = _merge_types(g.stages)
        groups.append(g)
    return groups


CHAIN_WEEKS = 4
"""The first weeks of a practice block that the calendar search chains exactly
(:func:`_block_chains`); later weeks of a longer block are priced alone."""


def _block_chains(prices: Prices, rows: list[list[int]], history: list, week: tuple[int, int],
                  steps: list[list[ClassStep]], block: list[bool], longest: int, windows: dict) -> None:
    """Set :attr:`ClassStep.by_run` on the steps of ``week`` for each block class.

    A week's price has nothing before it and any end after it: a lower bound of the week in
    a longer plan, which misses rest across the week boundaries (a supervisor's Sunday
    evening is followed, and so is his Monday morning, or the Monday's school day after
    it). Within a practice block the weeks are chained exactly instead: its first
    :data:`CHAIN_WEEKS` weeks as one chain (nothing before the first week), each later week
    alone, and the block's last week ending the rest before the first school day of the
    school week after it. A practice step after ``r`` practice weeks adds the chain's
    increment, ``C(r + 1 weeks) - C(r weeks) - its own matrix``; a school step after ``r``
    practice weeks adds what keeping the rest before it costs the block's chain (or its
    last week, when alone). The increments along a block sum to the block's chain, so the
    search's prices stay a lower bound of the weeks' exact chain: before a block lies
    school or a closed week, which the chain does not price (a relaxation)."""
    for ci, lst in enumerate(steps):
        if not block[ci] or not rows[ci]:
            continue
        before = []  # the practice steps of the weeks right before, latest first
        for prev_week, prev_steps in reversed(history):
            practice = next((p for p in prev_steps[ci] if p.kind == PRACTICE), None)
            if practice is None or len(before) == longest:
                break
            before.append((prev_week, practice))
        if not before:
            continue

        def chained(weeks_steps, after=None, ci=ci):
            key = (ci, tuple(w for w, _ in weeks_steps), after)
            if key not in windows:
                windows[key] = prices.window(rows[ci], [w for w, _ in weeks_steps],
                                             [p.school[0] for _, p in weeks_steps], after)
            return windows[key]

        for step in lst:
            by_run: dict[int, np.ndarray] = {}
            if step.kind == PRACTICE:
                for r in range(1, min(len(before), CHAIN_WEEKS - 1) + 1):
                    run = list(reversed(before[:r]))
                    longer, _ = chained(run + [(week, step)])
                    shorter, _ = chained(run)
                    extra = np.where((step.matrix >= BIG) | (shorter >= BIG), 0.0,
                                     np.where(longer >= BIG, BIG, longer - shorter - step.matrix))
                    if (extra != 0).any():
                        by_run[r] = extra
            elif step.kind == SCHOOL:
                for r in range(1, len(before) + 1):
                    run = list(reversed(before[:r])) if r <= CHAIN_WEEKS else [before[0]]
                    free, kept = chained(run, (week, step.school[0]))
                    extra = np.where(free >= BIG, 0.0, np.where(kept >= BIG, BIG, kept - free))
                    if (extra != 0).any():
                        by_run[r] = extra
            step.by_run = by_run or None


def _kept(joint: list[tuple[frozenset[date], ...]], classes: list[str], keep: dict[str, frozenset[date]],
          phase: Phase, days: list[date]) -> list[tuple[frozenset[date], ...]]:
    """The joint options that keep each class's published school days of the week (see
    :func:`build_groups`); ``joint`` itself when none does."""
    return _keeping(joint, classes, keep, phase, days) or joint


def _keeping(joint: list[tuple[frozenset[date], ...]], classes: list[str], keep: dict[str, frozenset[date]],
             phase: Phase, days: list[date]) -> list[tuple[frozenset[date], ...]]:
    """The joint options whose school days among ``days`` (a week's, or those of its days
    before ``--keep-until``, :mod:`scheduler.freeze`) are each class's published school
    days there; a class without published days in the phase is free."""
    wanted = {}
    for ci, c in enumerate(classes):
        published = keep.get(c, frozenset())
        if any(phase.start <= d <= phase.end for d in published):
            wanted[ci] = frozenset(d for d in days if d in published)
    return [j for j in joint if all(frozenset(d for d in j[ci] if d in days) == want for ci, want in wanted.items())]


def _possible(matrix: np.ndarray) -> bool:
    return bool(matrix.size == 0 or (matrix.min(axis=1) < BIG).all())


def _undominated(steps: list[list[ClassStep]], combos: list[tuple[int, ...]], block: list[bool]) -> list[tuple[int, ...]]:
    """Drop joint options that another one beats on every price, on its own cost and on
    school days (and, for block classes, has the same week kinds). Of options equal in all
    that, the first (``combos`` is sorted) is kept. Pairwise per class first (few options),
    then over all pairs of joint options at once. A block class has one option of each
    kind, so two of its options are never compared and :attr:`ClassStep.by_run` need not be."""
    if len(combos) < 2:
        return list(combos)
    n = len(combos)
    at = np.array(combos, dtype=int).reshape(n, -1)
    no_worse = np.ones((n, n), dtype=bool)  # [a, b]: a is no worse than b
    for ci, lst in enumerate(steps):
        k = len(lst)
        table = np.ones((k, k), dtype=bool)
        for ka, sa in enumerate(lst):
            for kb, sb in enumerate(lst):
                if block[ci] and sa.kind != sb.kind:
                    table[ka, kb] = False
                elif sa.days < sb.days or sa.scalar > sb.scalar or (sa.matrix > sb.matrix).any():
                    table[ka, kb] = False
        no_worse &= table[np.ix_(at[:, ci], at[:, ci])]
    earlier = np.triu(np.ones((n, n), dtype=bool), k=1)  # [a, b]: a < b
    beats = no_worse & (~no_worse.T | earlier)
    np.fill_diagonal(beats, False)
    dominated = beats.any(axis=0)
    return [c for c, d in zip(combos, dominated, strict=True) if not d]


def _merge_types(stages: list[Stage]) -> list[Stage]:
    """Weekly-model schools: full weeks whose options and prices are the same form one stage
    (a week type) that takes one option for all its weeks; the most frequent types first."""
    types: dict[tuple, Stage] = {}
    singles: list[Stage] = []
    for st in stages:
        fixed_days = all(len({s.days for s in lst}) == 1 for lst in st.steps)
        if not fixed_days:
            singles.append(st)
            continue
        key = (
            tuple(tuple(tuple(sorted(d.weekday() for d in s.school[0])) for s in lst) for lst in st.steps),
            tuple(st.joint),
            tuple(tuple((s.matrix.tobytes(), s.scalar) for s in lst) for lst in st.steps),
        )
        if key in types:
            t = types[key]
            t.weeks.append(st.weeks[0])
            for lst_t, lst in zip(t.steps, st.steps, strict=True):
                for a, b in zip(lst_t, lst, strict=True):
                    a.school = a.school + b.school
        else:
            types[key] = st
    merged = []
    for t in types.values():
        m = len(t.weeks)
        for lst in t.steps:
            for s in lst:
                s.matrix = s.matrix * m
                s.scalar *= m
                s.days *= m
        merged.append(t)
    merged.sort(key=lambda t: (-len(t.weeks), t.weeks[0]))
    return merged + singles


# ---- the search ----------------------------------------------------------------------------------
def _interleave(groups: list[Group]) -> list[tuple[int, int]]:
    """The order in which the search fixes the stages: (group, stage) pairs, each group's
    stages in its own order (the largest week types first in the weekly model, the weeks
    in turn in the block model), the groups taken in turn by the weeks of their next stage
    (most first; on a tie the group with fewer stages fixed, then the first). So the
    largest decisions of every school come first, not all of one school's before any of the
    next one's."""
    nxt = [0] * len(groups)
    order = []
    for _ in range(sum(len(g.stages) for g in groups)):
        gi = min((gi for gi, g in enumerate(groups) if nxt[gi] < len(g.stages)),
                 key=lambda gi: (-len(groups[gi].stages[nxt[gi]].weeks), nxt[gi], gi))
        order.append((gi, nxt[gi]))
        nxt[gi] += 1
    return order


@dataclass
class Outcome:
    """The search's result for one phase (costs in units)."""

    school: dict[str, dict[tuple[int, int], frozenset[date]]]  # class -> week -> school days
    assignment: dict[str, str]  # recruit -> supervisor
    value: float  # the master objective of that plan (a lower bound of its true cost)
    bound: float  # lower bound of the phase's optimum
    proven: bool
    nodes: int
    clock_cut: bool = False  # the clock, not the node budget, decided part of the search


class Search:
    """Branch and bound over the stages of all groups of a phase (see the module docstring)."""

    def __init__(self, phase: Phase, board: Board, groups: list[Group], node_limit: int,
                 deadline: float | None = None) -> None:
        self.board, self.groups, self.node_limit = board, groups, node_limit
        self.deadline = deadline  # time.monotonic() at which a run stops as at its node limit
        self.machines = [[Machine(phase, b, m, p) for b, m, p in zip(g.block, g.min_days, g.long_price, strict=True)]
                         for g in groups]
        self.order = _interleave(groups)
        # per position, how many stages of each group the path has fixed (a group's stages
        # are fixed in its own order)
        self.fixed_count = [tuple([0] * len(groups))]
        for gi, _si in self.order:
            done = list(self.fixed_count[-1])
            done[gi] += 1
            self.fixed_count.append(tuple(done))
        self.nodes = 0
        self.spent = 0  # nodes of earlier runs
        self.clock_cut = False  # a run decided by the clock (see :meth:`run` and _capacity_rounds)
        self._togo_tables = [self._togo(gi) for gi in range(len(groups))]
        self._max_days = [self._max_remaining(g) for g in groups]

    def nodes_limit_reset(self, limit: int) -> None:
        """A new run, with ``limit`` nodes."""
        self.spent += self.nodes
        self.nodes = 0
        self.node_limit = max(1, limit)

    def spent_all(self) -> bool:
        """The node limit is reached, or the deadline passed (a guard for slow machines)."""
        return self.nodes >= self.node_limit or late(self.deadline)

    @property
    def total_nodes(self) -> int:
        return self.spent + self.nodes

    # ---- bounds -------------------------------------------------------------------
    def _togo(self, gi: int) -> list[list[dict]]:
        """Per class, per stage index t (0..T), per class state (its :data:`KEY`): the
        cheapest matrix (and own cost) of stages t.. over the class's own options,
        keeping the block lengths (R5) but not R11 or the joint options (a relaxation)."""
        g, machines = self.groups[gi], self.machines[gi]
        out = []
        for ci, mach in enumerate(machines):
            n = len(g.rows[ci])
            cols = len(self.board.cols)
            out_of_reach = self.board.base[g.rows[ci], :] >= BIG
            zero = (np.zeros((n, cols)), 0.0)
            tables: list[dict] = [dict() for _ in range(len(g.stages) + 1)]
            states = self._states(g, ci, mach)
            for st in states[len(g.stages)]:
                tables[len(g.stages)][st] = zero
            for t in range(len(g.stages) - 1, -1, -1):
                stage = g.stages[t]
                for st in states[t]:
                    best = None
                    for step in stage.steps[ci]:
                        nxt = mach.step(st + (0,), step.kind, 0, len(stage.weeks))
                        if nxt is None or nxt[:KEY] not in tables[t + 1]:
                            continue
                        m2, s2 = tables[t + 1][nxt[:KEY]]
                        m3 = _step_matrix(st, step) + m2
                        extra = mach.cost(st, step.kind, len(stage.weeks))
                        if extra:  # not on impossible cells: a negative weight would make them possible
                            m3 = np.where((m3 >= BIG) | out_of_reach, m3, m3 + extra)
                        cand = (m3, step.scalar + s2)
                        best = cand if best is None else (np.minimum(best[0], cand[0]), min(best[1], cand[1]))
                    if best is not None:
                        tables[t][st] = best
            out.append(tables)
        return out

    def _states(self, g: Group, ci: int, mach: Machine) -> list[set]:
        """Reachable states (their :data:`KEY`) of a class before each stage."""
        states = [set() for _ in range(len(g.stages) + 1)]
        states[0].add(mach.start[:KEY])
        for t, stage in enumerate(g.stages):
            for st in states[t]:
                for step in stage.steps[ci]:
                    nxt = mach.step(st + (0,), step.kind, 0, len(stage.weeks))
                    if nxt is not None:
                        states[t + 1].add(nxt[:KEY])
        return states

    def _max_remaining(self, g: Group) -> list[list[int]]:
        """Per class, the most school days stages t.. can still add."""
        out = []
        for ci in range(len(g.classes)):
            acc = [0] * (len(g.stages) + 1)
            for t in range(len(g.stages) - 1, -1, -1):
                acc[t] = acc[t + 1] + max(s.days for s in g.stages[t].steps[ci])
            out.append(acc)
        return out

    def _matrix(self, fixed: np.ndarray, pos: int, states: list[list[State]]) -> tuple[np.ndarray, float] | None:
        """The bound's matrix at a node: fixed prices plus the cost to go of every class."""
        m = fixed.copy()
        scalar = 0.0
        for gi, g in enumerate(self.groups):
            t = self.fixed_count[pos][gi]
            if t == len(g.stages):
                continue
            for ci, rows in enumerate(g.rows):
                entry = self._togo_tables[gi][ci][t].get(states[gi][ci][:KEY])
                if entry is None:
                    return None
                if rows:
                    m[rows, :] += entry[0]
                scalar += entry[1]
        return m, scalar

    def _feasible_days(self, pos: int, states: list[list[State]]) -> bool:
        for gi, _g in enumerate(self.groups):
            t = self.fixed_count[pos][gi]
            for ci, mach in enumerate(self.machines[gi]):
                if states[gi][ci][-1] + self._max_days[gi][ci][t] < mach.min_days:
                    return False
        return True

    def _evaluate(self, fixed: np.ndarray, scalar: float, pos: int, states) -> tuple[float, np.ndarray] | None:
        if not self._feasible_days(pos, states):
            return None
        built = self._matrix(fixed, pos, states)
        if built is None:
            return None
        m, togo = built
        self.nodes += 1
        value, cols = self.board.solve(m)
        if value >= BIG:
            return None
        return value + scalar + togo, cols

    # ---- children ------------------------------------------------------------------
    def _children(self, fixed, scalar, pos, states, path):
        gi, si = self.order[pos]
        g, stage = self.groups[gi], self.groups[gi].stages[si]
        out = []
        for ji, combo in enumerate(stage.joint):
            new_states = [list(s) for s in states]
            ok = True
            f2 = fixed.copy()
            s2 = scalar
            for ci, k in enumerate(combo):
                step = stage.steps[ci][k]
                mach = self.machines[gi][ci]
                nxt = mach.step(states[gi][ci], step.kind, step.days, len(stage.weeks))
                if nxt is None:
                    ok = False
                    break
                s2 += step.scalar + mach.cost(states[gi][ci], step.kind, len(stage.weeks)) * len(g.rows[ci])
                new_states[gi][ci] = nxt
                if g.rows[ci]:
                    f2[g.rows[ci], :] += _step_matrix(states[gi][ci], step)
            if not ok:
                continue
            if self.fixed_count[pos + 1][gi] == len(g.stages):  # the group's last stage
                if not all(m.final(s) for m, s in zip(self.machines[gi], new_states[gi], strict=True)):
                    continue
            out.append((f2, s2, new_states, path + (ji,)))
        return out

    def _replay(self, path: tuple[int, ...]):
        fixed = self.board.base.copy()
        scalar = 0.0
        states = [[m.start for m in ms] for ms in self.machines]
        for pos, ji in enumerate(path):
            gi, si = self.order[pos]
            stage = self.groups[gi].stages[si]
            for ci, k in enumerate(stage.joint[ji]):
                step = stage.steps[ci][k]
                mach = self.machines[gi][ci]
                scalar += step.scalar + mach.cost(states[gi][ci], step.kind, len(stage.weeks)) * len(
                    self.groups[gi].rows[ci])
                if self.groups[gi].rows[ci]:
                    fixed[self.groups[gi].rows[ci], :] += _step_matrix(states[gi][ci], step)
                states[gi][ci] = mach.step(states[gi][ci], step.kind, step.days, len(stage.weeks))
        return fixed, scalar, states

    def run(self, start_paths: list[tuple[int, ...]]) -> tuple[tuple[int, ...] | None, float, float, bool]:
        """Best path, its value, the lower bound, and whether it is proven optimal."""
        best_path, best_value = None, float("inf")
        for p in start_paths:
            v = self.leaf_value(p)
            if v is not None and v < best_value - 1e-9:
                best_path, best_value = p, v
        fixed, scalar, states = self._replay(())
        root = self._evaluate(fixed, scalar, 0, states)
        if root is None:
            return best_path, best_value, float("inf") if best_path is None else best_value, best_path is None
        heap: list[tuple[float, int, tuple[int, ...]]] = [(root[0], 0, ())]
        tick = 1
        steps = 0
        while heap and not self.spent_all():
            bound, _t, path = heapq.heappop(heap)
            if bound >= best_value - 1e-6:
                heap = []
                break
            steps += 1
            dive = steps % DIVE_EVERY == 0
            while True:  # expand ``path``; when diving, go on into its best child
                if self.spent_all():
                    heapq.heappush(heap, (bound, tick, path))  # not expanded: still open
                    tick += 1
                    break
                pos = len(path)
                fixed, scalar, states = self._replay(path)
                kids = []
                for f2, s2, st2, p2 in self._children(fixed, scalar, pos, states, path):
                    ev = self._evaluate(f2, s2, pos + 1, st2)
                    if ev is None or ev[0] >= best_value - 1e-6:
                        continue
                    if pos + 1 == len(self.order):  # a leaf: its bound is its value
                        best_path, best_value = p2, ev[0]
                        continue
                    kids.append((ev[0], p2))
                kids = [k for k in kids if k[0] < best_value - 1e-6]
                if not kids:
                    break
                kids.sort()
                rest = kids[1:] if dive else kids
                for b, p2 in rest:
                    heapq.heappush(heap, (b, tick, p2))
                    tick += 1
                if not dive:
                    break
                bound, path = kids[0]
        lower = min([best_value] + [b for b, _t, _p in heap])
        proven = not heap and best_path is not None
        return best_path, best_value, lower, proven

    def start_paths(self) -> list[tuple[int, ...]] | None:
        """Paths to start a run from: the coordinate descent's from the root's placements
        (none if it finds no calendar); None if the root has no placement at all."""
        fixed, scalar, states = self._replay(())
        root = self._evaluate(fixed, scalar, 0, states)
        if root is None:
            return None
        found = self.descend(root[1])
        return [found[0]] if found else []

    def leaf_value(self, path: tuple[int, ...]) -> float | None:
        if len(path) != len(self.order):
            return None
        fixed, scalar, states = self._replay(path)
        for gi, ms in enumerate(self.machines):
            if not all(m.final(s) for m, s in zip(ms, states[gi], strict=True)):
                return None
        self.nodes += 1
        value, _cols = self.board.solve(fixed)
        return None if value >= BIG else value + scalar

    def assignment(self, path: tuple[int, ...]) -> np.ndarray:
        fixed, _scalar, _states = self._replay(path)
        return self.board.solve(fixed)[1]

    # ---- a good start: coordinate descent --------------------------------------------
    def descend(self, cols: np.ndarray, rounds: int = 20) -> tuple[tuple[int, ...], float] | None:
        """Alternate: best calendars for the given placements, best placements for those
        calendars, until nothing improves. Returns the path and its value."""
        best = None
        for _ in range(rounds):
            path = self._calendars_for(cols)
            if path is None:
                return best
            value = self.leaf_value(path)
            if value is None:
                return best
            if best is not None and value >= best[1] - 1e-9:
                return best
            best = (path, value)
            cols = self.assignment(path)
        return best

    def _calendars_for(self, cols: np.ndarray) -> tuple[int, ...] | None:
        """The best joint options of every stage for fixed placements (columns of the rows):
        per group a dynamic programme over its stages in order with the classes' states;
        R11 is met by a bonus on school days, raised until every class has enough."""
        parts = []
        for gi in range(len(self.groups)):
            part = self._group_calendar(gi, cols)
            if part is None:
                return None
            parts.append(part)
        return tuple(parts[gi][si] for gi, si in self.order)

    def _group_calendar(self, gi: int, cols: np.ndarray) -> list[int] | None:
        g = self.groups[gi]
        costs = []
        for stage in g.stages:
            per_class = []
            for ci, rows in enumerate(g.rows):
                per_class.append([
                    float(s.matrix[np.arange(len(rows)), cols[rows]].sum()) + s.scalar if rows else s.scalar
                    for s in stage.steps[ci]
                ])
            costs.append(per_class)
        extras = [[[{r: float(m[np.arange(len(rows)), cols[rows]].sum()) for r, m in s.by_run.items()}
                    if rows and s.by_run is not None else {} for s in stage.steps[ci]]
                   for ci, rows in enumerate(g.rows)] for stage in g.stages]
        bonus = [0.0] * len(g.classes)
        for _ in range(40):
            found = self._group_dp(gi, costs, bonus, extras)
            if found is None:
                return None
            path, states = found
            short = [ci for ci, m in enumerate(self.machines[gi]) if not m.final(states[ci])]
            if not short:
                return path
            for ci in short:
                bonus[ci] = bonus[ci] * 2 + 1000.0
        return None

    def _group_dp(self, gi: int, costs, bonus, extras) -> tuple[list[int], list[State]] | None:
        g, machines = self.groups[gi], self.machines[gi]
        layer: dict[tuple, tuple[float, list[int], list[State]]] = {
            tuple(m.start[:KEY] for m in machines): (0.0, [], [m.start for m in machines])}
        for t, stage in enumerate(g.stages):
            nxt: dict[tuple, tuple[float, list[int], list[State]]] = {}
            for _key, (acc, path, states) in layer.items():
                for ji, combo in enumerate(stage.joint):
                    total = acc
                    new = []
                    for ci, k in enumerate(combo):
                        step = stage.steps[ci][k]
                        s2 = machines[ci].step(states[ci], step.kind, step.days, len(stage.weeks))
                        if s2 is None:
                            break
                        new.append(s2)
                        total += costs[t][ci][k] - bonus[ci] * step.days
                        if states[ci][0] == PRACTICE:
                            total += extras[t][ci][k].get(states[ci][1], 0.0)
                        total += machines[ci].cost(states[ci], step.kind, len(stage.weeks)) * len(g.rows[ci])
                    else:
                        key = tuple(s[:KEY] for s in new)
                        if key not in nxt or total < nxt[key][0] - 1e-9:
                            nxt[key] = (total, path + [ji], new)
            layer = nxt
            if not layer:
                return None
        best = min(layer.values(), key=lambda x: (x[0], x[1]))
        return best[1], best[2]

    # ---- reading a path -------------------------------------------------------------------
    def calendars(self, path: tuple[int, ...]) -> dict[str, dict[tuple[int, int], frozenset[date]]]:
        out: dict[str, dict[tuple[int, int], frozenset[date]]] = defaultdict(dict)
        for pos, ji in enumerate(path):
            gi, si = self.order[pos]
            g = self.groups[gi]
            stage = g.stages[si]
            for ci, k in enumerate(stage.joint[ji]):
                step = stage.steps[ci][k]
                for week, school in zip(stage.weeks, step.school, strict=True):
                    out[g.classes[ci]][week] = school
        return dict(out)


def _no_practice_placement(board: Board, matrix: np.ndarray) -> str:
    """Why a practice phase has no placement: a recruit without a supervisor in reach (R1),
    one with no possible week with any of them (the week rules), or too few places (R2)."""
    def named(rows: np.ndarray) -> str:
        ids = [board.rows[i] for i in rows]
        return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")

    alone = np.nonzero((board.base >= BIG).all(axis=1))[0]
    if len(alone):
        return f"no supervisor within reach (R1) of recruit(s) {named(alone)}"
    stuck = np.nonzero((matrix >= BIG).all(axis=1))[0]
    if len(stuck):
        return (f"recruit(s) {named(stuck)} have no possible week with any supervisor within reach: the week's "
                f"rules (R9 rest, R10 minimum shifts and weekly hours, R12) cannot all be kept on their rosters")
    return "no placement of every recruit with a supervisor within reach keeps R1 and R2 (too few places)"


def search_phase(
    inst: Instance, dom: Domains, pricer: WeekPricer, phase: Phase, board: Board, node_limit: int,
    teachers: Teachers | None = None, tolls: Tolls | None = None, capacity_rounds: int = 0,
    deadline: float | None = None, keep: dict[str, frozenset[date]] | None = None,
    surcharge: dict[date, int] | None = None, plan_only: bool = False,
) -> Outcome | str:
    """Plan one phase's calendars and placements (see the module docstring). Returns the
    outcome, or a sentence saying why the phase has no plan. With ``tolls`` (see
    :func:`capacity_tolls`) the value and the bound are Lagrangian: they price ward
    capacity and stay lower bounds. Weekly-model phases with ``capacity_rounds`` price and
    keep the classes' ward capacity (:class:`ClassCapacity`); the node limit is shared by
    the rounds. ``deadline`` (``time.monotonic()``) ends the search early, as its node limit
    would: a guard for slow machines (the bound stays valid). ``keep``: published school
    days to keep (re-planning, see :func:`build_groups`); the bound is then one of the plans
    that keep them. ``surcharge``: :attr:`Prices.day_surcharge` (for a bound only, see the
    end of this function). ``plan_only``: the calendars and placements are wanted, not a
    better bound (the searches that only raise the bound are left out)."""
    prices = Prices(inst, dom, pricer, phase, board, tolls)
    payback = prices.toll_total()
    board = Board(board.rows, board.cols, board.row_of, board.base.copy())
    prices.board = board
    prices.day_surcharge = dict(surcharge or {})
    if phase.kind == "practice":
        matrix = board.base + prices.phase_chain({})
        value, cols = board.solve(matrix)
        if value >= BIG:
            return _no_practice_placement(board, matrix)
        value -= payback
        return Outcome({}, {board.rows[i]: board.cols[c] for i, c in enumerate(cols)}, value, value, True, 1)
    groups = build_groups(inst, dom, phase, prices, teachers or Teachers(inst), keep)
    if isinstance(groups, str):
        return groups
    # the plain search gets half the nodes (its bound is the fallback), the rounds share the rest
    first = node_limit if not capacity_rounds else max(1, node_limit // 2)
    parts = _components(inst, phase)
    decompose = tolls is None and surcharge is None and not plan_only and len(parts) > 1
    joint_deadline = deadline
    if decompose and deadline is not None:
        # the guard shares the clock as the budgets share the nodes: when it cuts the joint
        # search, the decomposition (which proves what the joint search cannot) keeps its part
        now = time.monotonic()
        joint_deadline = now + max(0.0, deadline - now) / (1.0 + DECOMPOSE_SHARE)
    search = Search(phase, board, groups, first, joint_deadline)
    starts = search.start_paths()
    if starts is None:
        return "no placement of every recruit with a supervisor within reach keeps R1, R2, R5 and R11"
    path, value, bound, proven = search.run(starts)
    if path is None:
        return "no calendar of the classes keeps R4, R5 and R11 with a placement of every recruit"
    capacity = ClassCapacity(inst, dom, phase, board) if capacity_rounds else None
    if capacity is None or not capacity.rows:
        cols = search.assignment(path)
        out = Outcome(search.calendars(path), {board.rows[i]: board.cols[c] for i, c in enumerate(cols)},
                      value - payback, bound - payback, proven, search.nodes)
    else:
        got = _capacity_rounds(search, capacity, path, bound, proven, capacity_rounds, payback, node_limit,
                               tighten=not plan_only)
        if isinstance(got, str):
            return got
        out = got
    if surcharge is not None or plan_only:
        return out  # the search for the weekend share's bound (below), or a plan only: nothing more
    out.clock_cut |= late(joint_deadline)
    if not out.proven and decompose and not late(deadline):
        lower = _decomposed_bound(inst, dom, pricer, phase, board, teachers or Teachers(inst), keep, parts,
                                  out.value, int(DECOMPOSE_SHARE * node_limit), deadline)
        out.bound = max(out.bound, min(lower, out.value))
        out.proven = out.bound >= out.value - 1e-6  # the decomposition may prove the joint plan
    share = weekend_surcharge(inst, phase) if tolls is None else {}
    if share and not late(deadline):
        # practice weeks of the block model (or weekly practice on weekends) where some
        # recruit cannot practise on weekends: a second search, with half the nodes, whose
        # bound counts a share of the weekend fairness too. Its plan is not taken: the share
        # steers the calendars away from weekend shifts, which the day model weighs exactly.
        again = search_phase(inst, dom, pricer, phase, board, max(1, node_limit // 2), teachers, None,
                             capacity_rounds, deadline, keep, surcharge=share)
        if not isinstance(again, str):
            out.bound = max(out.bound, again.bound)  # of the cost with the fairness share: may pass value
            out.clock_cut |= again.clock_cut
    return out


def _tighten(
    search: Search, capacity: ClassCapacity, lower: float, upper: tuple[float, tuple[int, ...], np.ndarray],
    prices: np.ndarray, budget: int,
) -> tuple[float, tuple[float, tuple[int, ...], np.ndarray]]:
    """The capacity rounds' bound raised by a search whose nodes price the ward capacity each
    with prices of their own.

    One set of prices for every calendar leaves a duality gap (on ``trondheim-2026``'s Vg1,
    202 of its 53,606). Here a best-first branch and bound over the same stages bounds each
    node by a Lagrangian relaxation of its own: a few projected subgradient steps (Polyak,
    towards the best capacitated plan) from its parent's prices, each an assignment problem;
    a node's bound is never below its parent's. A calendar (a leaf) whose bound is the
    smallest open is priced exactly (the MIP of :meth:`ClassCapacity.assign`), and taken as
    the plan when it is better. It stops when no open node is below the best plan (proven),
    after ``budget`` assignment problems, or at the leaf after :data:`TIGHTEN_LEAVES` exact
    ones; the bound is then the smallest open node's, kept when it is higher than ``lower``.

    Returns the bound and the best plan ``(value, path, columns)``.
    """
    board = search.board
    caps = capacity.caps
    spent = 0

    def bound_of(matrix: np.ndarray, start: np.ndarray, target: float) -> tuple[float, np.ndarray]:
        nonlocal spent
        best, best_prices, at = -np.inf, start, start
        for _ in range(TIGHTEN_STEPS):
            spent += 1
            add, back = capacity.surcharge(at)
            value, cols = board.solve(matrix + add)
            if value >= BIG:
                return np.inf, at
            got = value - back
            if got > best:
                best, best_prices = got, at
            if got >= target - 1e-6:
                break
            grad = capacity.load(cols) - caps
            if (grad <= 0).all() and abs(at @ grad) < 1e-9:
                break  # the assignment keeps every row, and pays no price: the node's exact value
            at = np.maximum(0.0, at + (target - got) / (grad @ grad) * grad)
        return best, best_prices

    best_value, best_path, best_cols = upper
    fixed, scalar, states = search._replay(())
    built = search._matrix(fixed, 0, states)
    if built is None:
        return lower, upper
    root, root_prices = bound_of(built[0], prices, best_value - scalar - built[1])
    heap: list[tuple[float, int, tuple[int, ...], np.ndarray]] = [(root + scalar + built[1], 0, (), root_prices)]
    tick = 1
    mips = 0
    leaves = len(search.order)
    while heap and spent < budget and not late(search.deadline):
        node_bound, _t, path, at = heapq.heappop(heap)
        if node_bound >= best_value - 1e-6:
            heap = []
            break
        pos = len(path)
        fixed, scalar, states = search._replay(path)
        if pos == leaves:
            # a calendar whose bound is the smallest open: its value, exactly (a MIP, which
            # costs as much as a few hundred nodes; after TIGHTEN_LEAVES of them the search
            # ends, its bound this calendar's)
            if mips >= TIGHTEN_LEAVES:
                heapq.heappush(heap, (node_bound, _t, path, at))
                break
            mips += 1
            exact = capacity.assign(fixed)
            if exact is not None and exact[0] + scalar < best_value - 1e-6:
                best_value, best_path, best_cols = exact[0] + scalar, path, exact[1]
            continue
        for f2, s2, st2, p2 in search._children(fixed, scalar, pos, states, path):
            if not search._feasible_days(pos + 1, st2):
                continue
            built = search._matrix(f2, pos + 1, st2)
            if built is None:
                continue
            matrix, togo = built
            got, child_prices = bound_of(matrix, at, best_value - s2 - togo)
            child = max(got + s2 + togo, node_bound)
            if child < best_value - 1e-6:
                heapq.heappush(heap, (child, tick, p2, child_prices))
                tick += 1
    search.spent += spent
    found = float(min([best_value] + [h[0] for h in heap]))
    return max(lower, found), (best_value, best_path, best_cols)


def _components(inst: Instance, phase: Phase) -> list[list[str]]:
    """The classes in groups that nothing but supervisors and teachers couple: a class with
    its partner where both are on the weekly model in the phase (R6), else alone."""
    ids = [c.id for c in inst.classes]
    part = {c: c for c in ids}
    for a, b in partner_pairs(inst, ids):
        if inst.model_of(a, phase) == "weekly" and inst.model_of(b, phase) == "weekly":
            part[b] = part[a]
    out: dict[str, list[str]] = defaultdict(list)
    for c in ids:
        out[part[c]].append(c)
    return [sorted(v) for _k, v in sorted(out.items())]


def _decomposed_bound(
    inst: Instance, dom: Domains, pricer: WeekPricer, phase: Phase, board: Board, teachers: Teachers,
    keep: dict[str, frozenset[date]] | None, parts: list[list[str]], target: float, budget: int,
    deadline: float | None,
) -> float:
    """A lower bound of the phase by Lagrangian decomposition, for schools whose classes
    are not partners: each group of classes (:func:`_components`) is searched on its own,
    with its own recruits, its own teachers' check (R7 between groups relaxed) and prices
    on the supervisors' places; the groups' bounds added, less the prices times the places,
    bound the phase for any prices >= 0 (the supervisors' ``max_recruits`` is the only rule
    relaxed that way). Subgradient steps on the prices (Polyak towards ``target``, the
    joint search's plan). Each group's search is small (a class has four weekly options),
    so this often proves far more than the joint search can in its budget."""
    subs = []
    for classes in parts:
        rows = [board.row_of[r.id] for c in classes for r in inst.recruits_of(c)]
        if not rows:
            if units(inst, "short_week_unused") < 0:
                return -np.inf  # its class costs could be negative: no bound without them
            continue  # no recruits: nothing to pay but class costs, which are >= 0
        sub = Board([board.rows[i] for i in rows], board.cols, {board.rows[i]: k for k, i in enumerate(rows)},
                    board.base[rows].copy())
        groups = build_groups(inst, dom, phase, Prices(inst, dom, pricer, phase, sub), teachers, keep, set(classes))
        if isinstance(groups, str):
            return -np.inf
        search = Search(phase, sub, groups, 1, deadline)
        starts = search.start_paths()
        if starts is None:
            return -np.inf
        subs.append([sub, sub.base.copy(), search, starts])
    if len(subs) < 2:
        return -np.inf
    sups, col_sup = board.supervisors()
    places = np.array([inst.supervisor[s].max_recruits for s in sups], dtype=float)
    prices = np.zeros(len(sups))
    size, spent = _StepSize(), 0
    for k in range(DECOMPOSE_ROUNDS):
        # a round may take twice its share of what is left: most rounds prove with less
        per_round = max(1, 2 * (budget - spent) // ((DECOMPOSE_ROUNDS - k) * len(subs)))
        total = -float(prices @ places)
        load = np.zeros(len(sups))
        for item in subs:
            sub, base, search, starts = item
            sub.base = base + prices[col_sup][None, :]
            search.nodes_limit_reset(per_round)
            path, _value, bound, _proven = search.run(starts)
            spent += search.nodes
            if path is None:
                return size.best
            item[3] = [path]
            total += bound
            np.add.at(load, col_sup[search.assignment(path)], 1)
        size.seen(total)
        if target <= total + 1e-9 or spent >= budget or late(deadline):
            break
        moved = size.step(prices, load - places, target - total)
        if moved is None:
            break
        prices = moved
    return size.best


def _capacity_rounds(
    search: Search, capacity: ClassCapacity, path: tuple[int, ...], bound: float, proven: bool, rounds: int,
    payback: float, total: int, tighten: bool = True,
) -> Outcome | str:
    """The weekly model's ward capacity (:class:`ClassCapacity`) by Lagrangian relaxation
    over every calendar: each round prices the rows, searches the calendars again, and
    moves the prices by a projected subgradient step (Polyak, towards the best capacitated
    plan found, from the round's Lagrangian value, or from its best calendar's value when
    the round is not proven; the step is halved after :data:`PATIENCE` rounds without a
    better one). The rounds are short searches (:data:`ROUND_NODES`) that move the prices;
    the last round, with the prices they reached, gets what is left of the node budget (at
    least :data:`FINAL_SHARE` of it) to prove its bound. The bound is the best round's; the
    plan is the calendar whose capacitated assignment (an exact MIP) costs least. With
    ``tighten``, :func:`_tighten` then raises the bound (not for a search whose plan alone
    is wanted)."""
    board = search.board
    base = board.base.copy()
    lower = bound
    candidates = [path]
    best_upper: tuple[float, tuple[int, ...], np.ndarray] | None = None
    prices = np.zeros(len(capacity.rows))
    reserve = int(FINAL_SHARE * (total - search.total_nodes))
    pace = _Pace()
    last = False
    value_now = bound  # the Lagrangian value at the current prices, as far as known
    size = _StepSize(bound)
    for k in range(rounds + 1):
        for p in candidates:
            fixed, scalar, _states = search._replay(p)
            fixed -= board.base - base  # the calendar's own prices, without the surcharge
            got = capacity.assign(fixed)
            if got is not None and (best_upper is None or got[0] + scalar < best_upper[0] - 1e-9):
                best_upper = (got[0] + scalar, p, got[1])
        if last or k == rounds or best_upper is None or late(search.deadline):
            break
        moved = size.step(prices, capacity.load(search.assignment(path)) - capacity.caps,
                          max(best_upper[0] - value_now, 1.0))
        left = total - search.total_nodes
        # nothing to move (the round's placement fills no priced row over or under): the
        # prices stay, and the last round proves what it can at them
        last = moved is None or k == rounds - 1 or left - ROUND_NODES < reserve
        if not last and pace.too_slow(search.deadline, (ROUND_NODES, min(left, reserve))):
            # a slow machine: the clock would cut the last round, which proves the bound,
            # so it starts now, at the prices reached (a lower bound all the same)
            last = search.clock_cut = True
        if moved is not None:
            prices = moved
        add, back = capacity.surcharge(prices)
        board.base = base + add
        search.nodes_limit_reset(left if last else ROUND_NODES)
        pace.searching()
        path2, value2, bound2, proven2 = search.run([best_upper[1], path])
        pace.searched(search.nodes)
        if path2 is None:
            break
        if bound2 - back > lower + 1e-9:
            lower, proven = bound2 - back, proven2
        # the round's best calendar: the Lagrangian value when the round is proven, else a
        # value from above, which keeps the step small where the value is not known
        value_now = value2 - back
        size.seen(value_now)
        path = path2
        candidates = [path2]
    board.base = base
    if best_upper is None:
        return ("no placement keeps the ward capacity (R2) on the days a class practises in its full weeks "
                "(its recruits are on the ward together)")
    if tighten and best_upper[0] - lower > TIGHTEN_GAP * abs(best_upper[0]) and not late(search.deadline):
        lower, best_upper = _tighten(search, capacity, lower, best_upper, prices, int(TIGHTEN_SHARE * total))
        proven = proven or lower >= best_upper[0] - 1e-6  # the bound meets the plan: optimal, whatever the rounds
    value, path, cols = best_upper
    lower = min(lower, value)
    return Outcome(search.calendars(path), {board.rows[i]: board.cols[c] for i, c in enumerate(cols)},
                   value - payback, lower - payback, proven and lower >= value - 1e-6, search.total_nodes,
                   search.clock_cut)


class _Pace:
    """The pace of the capacity rounds, on the clock: seconds per search node, and the
    seconds a round spends besides its search (the candidates' exact assignments). Only
    read where a deadline guards a slow machine."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.rounds, self.nodes, self.in_search = 0, 0, 0.0
        self._t = 0.0

    def searching(self) -> None:
        self._t = time.monotonic()

    def searched(self, nodes: int) -> None:
        self.rounds += 1
        self.nodes += nodes
        self.in_search += time.monotonic() - self._t

    def too_slow(self, deadline: float | None, runs: tuple[int, ...]) -> bool:
        """Whether searches of ``runs`` nodes, each with a round's other work, would pass
        ``deadline`` at the pace so far (never before a round has been timed, nor without a
        deadline: the node budgets alone decide then)."""
        if deadline is None or not self.rounds or not self.nodes:
            return False
        now = time.monotonic()
        besides = (now - self.began - self.in_search) / self.rounds
        return now + sum(n * self.in_search / self.nodes + besides for n in runs) > deadline


__all__ = ["BIG", "Board", "ClassCapacity", "Outcome", "Prices", "Search", "Tolls", "capacity_tolls", "late", "make_board",
           "weekend_surcharge",
           "profile_of", "search_phase"]

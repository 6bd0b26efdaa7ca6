"""Necessary conditions checked before solving, each explained in the user's terms.

Every check is plain Python (no solver) and looks for a reason why no plan can exist: a
recruit who can reach no supervisor, more recruits than supervisor places, too few open
school days, teachers who cannot cover the school-day pattern, weekly patterns that leave
a recruit no consecutive practice days, and a few more. A check that fails gives a
:class:`~scheduler.explain.findings.Finding` naming the rule and the rows; checks that
can only make a plan worse (a supervisor who never works in a phase) give warnings
(``fatal=False``).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

import numpy as np

from models import DAY_SHIFT, WEEKDAYS, Instance, Phase, Recruit, iso_week, week_label
from scheduler.domains import Domains
from scheduler.explain.findings import Finding, Rows, date_range, day_span, sort_rows, teacher_listing, weekday_list

__all__ = ["CHECKS", "max_block_school_days", "precheck"]

MAX_WEEKS_SHOWN = 6


class _Ctx:
    def __init__(self, instance: Instance) -> None:
        self.inst = instance
        self.dom = Domains(instance)
        self.rows = Rows(instance)

    @property
    def phases(self) -> list[Phase]:
        return sorted(self.inst.phases, key=lambda p: p.start)

    def site_of(self, sup_id: str) -> str:
        return self.inst.ward[self.inst.supervisor[sup_id].ward_id].site_id

    def closures_rows(self, school_id: str, days: Iterable[date], *,
                      weekdays: bool = True) -> tuple[list[str], list[str]]:
        """Closures (rows) and public holidays (text) that close ``days`` (only the weekdays
        among them unless ``weekdays`` is False) for a school."""
        days = [d for d in days if d.weekday() < 5 or not weekdays]
        rows, text, told = [], [], set()
        for c in self.inst.closures:
            if c.school_id is not None and c.school_id != school_id:
                continue
            hit = [d for d in days if c.start <= d <= c.end and d not in self.inst.holidays]
            if hit:
                rows.append(self.rows.of(c))  # every closure that closes them, each day said once
                hit = [d for d in hit if d not in told]
                told.update(hit)
            if hit:
                text.append(f"{c.reason or 'closure'} {day_span(hit)}")
        hol = sorted(d for d in days if d in self.inst.holidays)
        for d in hol:
            text.append(f"{self.inst.holidays[d]} {d} (public holiday)")
        return rows, text

    def full_weeks(self, class_id: str, phase: Phase) -> list[tuple[int, int]]:
        return [w for w in self.dom.weeks(phase) if self.dom.is_full_week(class_id, phase, w)]


def _n_weeks(n: int) -> str:
    return f"{n} week" if n == 1 else f"{n} weeks"


def _weeks_text(weeks: list[tuple[int, int]], of: int | None = None) -> str:
    """``weeks`` as text; ``of``: how many full weeks there are (all of them: "every full week")."""
    mondays = [date.fromisocalendar(y, w, 1) for y, w in weeks]
    in_a_row = all((b - a).days == 7 for a, b in zip(mondays, mondays[1:], strict=False))
    if of is not None and len(weeks) == of and of > 1:
        if in_a_row:
            return f"every full week ({week_label(weeks[0])} to {week_label(weeks[-1])})"
        if len(weeks) <= MAX_WEEKS_SHOWN:
            return f"every full week ({', '.join(week_label(w) for w in weeks)})"
        return f"every full week ({len(weeks)} weeks from {week_label(weeks[0])} to {week_label(weeks[-1])})"
    shown = ", ".join(week_label(w) for w in weeks[:MAX_WEEKS_SHOWN])
    more = f" and {len(weeks) - MAX_WEEKS_SHOWN} more" if len(weeks) > MAX_WEEKS_SHOWN else ""
    return ("week " if len(weeks) == 1 else "weeks ") + shown + more


def _phase_text(p: Phase) -> str:
    return f"phase {p.id} ({p.start} to {p.end})"


# ---------------------------------------------------------------------------------------
# R1: a recruit with no supervisor within his travel limit
# ---------------------------------------------------------------------------------------
def check_travel(ctx: _Ctx) -> list[Finding]:
    """R1: every recruit can reach at least one supervisor within his travel limit."""
    inst, out = ctx.inst, []
    if not inst.phases:
        return out
    staffed_sites = sorted({ctx.site_of(s.id) for s in inst.supervisors})
    for r in inst.recruits:
        if inst.reachable_supervisors(r.id):
            continue
        limit = inst.travel_limit(r.id)
        own = r.max_travel_minutes is not None
        limit_row = ctx.rows.of(r) if own else ctx.rows.rule("max_travel_minutes")
        if not staffed_sites:
            out.append(Finding("R1", "There is no supervisor in supervisors.csv, so no recruit can be placed.",
                               ["supervisors.csv"], "Add supervisors to supervisors.csv."))
            break
        minutes, site_id = min((inst.travel_minutes(r.id, s), s) for s in staffed_sites)
        site = inst.site[site_id]
        how = "travel.csv" if not inst.travel_is_estimated(r.id, site_id) else "estimated from coordinates"
        rows = [ctx.rows.of(r), limit_row, ctx.rows.of(site)]
        if (t := ctx.rows.travel(r.id, site_id)) is not None:
            rows.append(t)
        where = "his own max_travel_minutes" if own else "[rules] max_travel_minutes"
        column = f"recruits.csv column max_travel_minutes ({ctx.rows.of(r)})" if own else \
            f"[rules] max_travel_minutes, or give him his own limit in recruits.csv ({ctx.rows.of(r)})"
        out.append(Finding(
            "R1",
            f"Recruit {r.id} ({r.name}) has no supervisor within his travel limit of {limit} minutes "
            f"({where}): the nearest site with a supervisor is {site_id} ({site.name}) at {minutes} "
            f"minutes ({how}).",
            sort_rows(rows),
            f"Raise his travel limit to {minutes} minutes in {column}, or add a supervisor at a site "
            f"within {limit} minutes of his home.",
        ))
    return out


# ---------------------------------------------------------------------------------------
# R2: more recruits than supervisor places they can reach (Hall's condition)
# ---------------------------------------------------------------------------------------
def _max_matching(ctx: _Ctx, recruits: list[Recruit]) -> tuple[dict[str, list[str]], list[str]]:
    """Recruits to supervisor places (``max_recruits`` each): loads and unmatched recruits."""
    inst = ctx.inst
    reach = {r.id: [s.id for s in inst.reachable_supervisors(r.id)] for r in recruits}
    load: dict[str, list[str]] = defaultdict(list)

    def augment(r: str, seen: set[str]) -> bool:
        for s in reach[r]:
            if s in seen:
                continue
            seen.add(s)
            if len(load[s]) < inst.supervisor[s].max_recruits:
                load[s].append(r)
                return True
            for other in list(load[s]):
                if augment(other, seen):
                    load[s].remove(other)
                    load[s].append(r)
                    return True
        return False

    unmatched = [r.id for r in recruits if not augment(r.id, set())]
    return load, unmatched


def _changed(inst: Instance, *, ward: dict[str, int] | None = None, places: dict[str, int] | None = None,
             travel: dict[str, int] | None = None) -> Instance:
    """``inst`` with new ward capacities, supervisors' ``max_recruits`` and recruits' travel
    limits (by id), to try a suggestion before it is made."""
    ward, places, travel = ward or {}, places or {}, travel or {}
    return dataclasses.replace(
        inst,
        wards=tuple(dataclasses.replace(w, capacity=ward[w.id]) if w.id in ward else w for w in inst.wards),
        supervisors=tuple(dataclasses.replace(s, max_recruits=places[s.id]) if s.id in places else s
                          for s in inst.supervisors),
        recruits=tuple(dataclasses.replace(r, max_travel_minutes=travel[r.id]) if r.id in travel else r
                       for r in inst.recruits))


def _matching(ctx: _Ctx) -> tuple[list[Recruit], dict[str, list[str]], list[str]]:
    """:func:`_max_matching` of every recruit who reaches a supervisor (the others:
    check_travel), with the recursion its augmenting paths need."""
    recruits = [r for r in ctx.inst.recruits if ctx.inst.reachable_supervisors(r.id)]
    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * len(recruits) + 1000))
    try:
        load, unmatched = _max_matching(ctx, recruits)
    finally:
        sys.setrecursionlimit(old)
    return recruits, load, unmatched


def _places_fixed(changed: Instance, classes: set[str]) -> bool:
    """A places suggestion (:func:`check_places`) tried: every recruit gets a place, and the
    classes of the recruits short then fit their wards (more places can put a weekly class
    on a ward too small for it on one day, which the wards check only looks at once the
    places suffice). Only those classes are checked, without the phases' joint MIP, so that
    trying a change costs a matching and a few flows, and another finding elsewhere in the
    instance does not hide a change that settles this one."""
    ctx = _Ctx(changed)
    return not _matching(ctx)[2] and not check_class_on_wards(ctx, suggest=False, classes=classes, joint=False)


def _wards_fixed(changed: Instance, there: frozenset[str]) -> bool:
    """A wards suggestion (:func:`check_class_on_wards`) tried: the class's recruits there all
    week fit the wards within their reach on one day (a maximum flow)."""
    return _placeable(_Ctx(changed), sorted(there))[0] >= len(there)


MAX_TIP_TRIALS = 12
"""Changes tried for one finding's suggestions at most (each a matching and a few flows)."""


def _trials(inst: Instance, settles: Callable[[Instance], bool]) -> Callable[..., bool]:
    """``fixed(**change)``: whether :func:`_changed` ``(inst, **change)`` settles the finding
    (``settles``), for the first :data:`MAX_TIP_TRIALS` tries; False after them."""
    left = [MAX_TIP_TRIALS]

    def fixed(**change) -> bool:
        left[0] -= 1
        return left[0] >= 0 and settles(_changed(inst, **change))

    return fixed


def _places_tip(ctx: _Ctx, fixed: Callable[..., bool], sup, short: int) -> str | None:
    """More places for ``sup``, alone or with the least capacity of his ward that ``fixed``
    accepts (both may hold his recruits back): the tip, or None when neither settles it."""
    more = {sup.id: sup.max_recruits + short}
    if fixed(places=more):
        return _places_text(ctx, sup, short)
    ward = ctx.inst.ward[sup.ward_id]
    room = next((ward.capacity + extra for extra in range(1, short + 1)
                 if fixed(places=more, ward={ward.id: ward.capacity + extra})), None)
    return None if room is None else _places_text(ctx, sup, short, room)


def check_places(ctx: _Ctx, suggest: bool = True) -> list[Finding]:
    """R1+R2: recruits need one supervisor each, a supervisor takes ``max_recruits``.

    Finds a largest assignment of recruits to supervisor places; when someone is left
    over, the recruits reachable by alternating paths from him form a group whose
    reachable supervisors have fewer places than the group has recruits (Hall). Each
    suggested change is tried first (:func:`_places_fixed`); ``suggest=False`` skips them.
    """
    inst = ctx.inst
    if not inst.phases:
        return []
    recruits, load, unmatched = _matching(ctx)
    if not unmatched:
        return []
    reach = {r.id: {s.id for s in inst.reachable_supervisors(r.id)} for r in recruits}
    group, sups = set(unmatched), set()
    frontier = list(unmatched)
    while frontier:
        r = frontier.pop()
        for s in reach[r] - sups:
            sups.add(s)
            for other in load[s]:
                if other not in group:
                    group.add(other)
                    frontier.append(other)
    places = sum(inst.supervisor[s].max_recruits for s in sups)
    members = [r for r in inst.recruits if r.id in group]
    classes = sorted({r.class_id for r in members})
    who = f"class {classes[0]}" if len(classes) == 1 else f"classes {', '.join(classes)}"
    if len(classes) == 1 and len(inst.recruits_of(classes[0])) == len(members):
        who = f"All {len(members)} recruits of class {classes[0]}"
    elif len(members) == len(inst.recruits):
        who = f"All {len(members)} recruits ({who})"
    else:
        who = f"{len(members)} recruits of {who}"
    sup_list = ", ".join(f"{s} (max_recruits {inst.supervisor[s].max_recruits})" for s in sorted(sups))
    short = len(members) - places
    msg = (
        f"{who} ({', '.join(r.id for r in members)}) can reach only the supervisor(s) "
        f"{sup_list} within their travel limits, "
        f"with {places} place(s) in all, "
        f"so in each phase {short} of them cannot have a supervisor."
    )
    rows = [ctx.rows.of(r) for r in members] + [ctx.rows.of(inst.supervisor[s]) for s in sups]
    tips = _places_tips(ctx, members, sups, load, short) if suggest else []
    tips.append("add supervisors within their reach")
    tip = "; or ".join(tips)
    return [Finding("R1+R2", msg, sort_rows(rows), tip[0].upper() + tip[1:] + ".")]


def _places_tips(ctx: _Ctx, members: list[Recruit], sups: set[str], load: dict[str, list[str]],
                 short: int) -> list[str]:
    """Changes that give ``short`` more of ``members`` a supervisor, each tried first
    (:func:`_places_fixed`): the travel limits of the ``short`` recruits nearest to
    supervisors with a free place (the cheapest first, a place each), or more places for a
    reachable supervisor (with his ward's capacity where the ward would be too small for
    them on one day)."""
    inst, tips = ctx.inst, []
    classes = {r.class_id for r in members}
    fixed = _trials(inst, lambda changed: _places_fixed(changed, classes))
    free = {s.id: s.max_recruits - len(load[s.id]) for s in inst.supervisors
            if s.id not in sups and len(load[s.id]) < s.max_recruits}
    pairs = sorted((inst.travel_minutes(r.id, ctx.site_of(s)), r.id, s) for r in members for s in free)
    chosen: dict[str, tuple[int, str]] = {}
    for minutes, r_id, s_id in pairs:
        if len(chosen) < short and r_id not in chosen and free[s_id] > 0:
            chosen[r_id] = (minutes, s_id)
            free[s_id] -= 1
    if len(chosen) == short and fixed(travel={r: m for r, (m, _s) in chosen.items()}):
        tips.append("raise the travel limit" + ("s" if short > 1 else "") + " of " + " and ".join(
            f"{r} to {m} minutes (to reach supervisor {s} at site {ctx.site_of(s)})" for r, (m, s) in chosen.items()))
    # more places for a reachable supervisor: one with no place first (often a slip), then in id order
    for sup in sorted((inst.supervisor[s] for s in sups), key=lambda s: (s.max_recruits > 0, s.id)):
        tip = _places_tip(ctx, fixed, sup, short)
        if tip is not None:
            tips.append(tip)
            break
    return tips


def _places_text(ctx: _Ctx, sup, short: int, room: int | None = None) -> str:
    """"raise max_recruits of V1 (row) from 1 to 2", with "together with the capacity of his
    ward" when ``room`` (its new capacity) is given."""
    text = f"raise max_recruits of {sup.id} ({ctx.rows.of(sup)}) from {sup.max_recruits} to {sup.max_recruits + short}"
    if room is None:
        return text
    ward = ctx.inst.ward[sup.ward_id]
    return text + f" together with the capacity of his ward {ward.id} ({ctx.rows.of(ward)}) from {ward.capacity} to {room}"


def _placeable(ctx: _Ctx, recruits: list[str], wards_limit: bool = True,
               holds: dict[str, int] | None = None) -> tuple[int, list[str], list[str], list[str]]:
    """How many of ``recruits`` can be on wards on one same day at once: a maximum flow
    recruits -> supervisor places (``max_recruits``, within the travel limit) -> wards
    (``capacity``, or ``holds`` where given; unlimited without ``wards_limit``). Returns
    the flow, the minimum cut's wards and supervisors, whose capacities and places hold the
    recruits back, and the recruits on its near side (among whom some get no room)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    inst = ctx.inst
    sups = sorted({s.id for r in recruits for s in inst.reachable_supervisors(r)})
    wards = sorted({inst.supervisor[s].ward_id for s in sups})
    n_r, n_s = len(recruits), len(sups)
    node_s = {s: 1 + n_r + k for k, s in enumerate(sups)}
    node_w = {w: 1 + n_r + n_s + k for k, w in enumerate(wards)}
    sink = 1 + n_r + n_s + len(wards)
    edges: dict[tuple[int, int], int] = {}
    for k, r in enumerate(recruits):
        edges[(0, 1 + k)] = 1
        for s in inst.reachable_supervisors(r):
            edges[(1 + k, node_s[s.id])] = 1
    for s in sups:
        edges[(node_s[s], node_w[inst.supervisor[s].ward_id])] = max(0, inst.supervisor[s].max_recruits)
    for w in wards:
        held = holds[w] if holds is not None and w in holds else inst.ward[w].capacity
        edges[(node_w[w], sink)] = max(0, held) if wards_limit else len(recruits)
    rows, cols = zip(*edges, strict=True) if edges else ((), ())
    graph = csr_matrix((list(edges.values()), (rows, cols)), shape=(sink + 1, sink + 1), dtype=np.int32)
    flow = maximum_flow(graph, 0, sink)
    room = (graph - flow.flow).tocsr()  # the flow is antisymmetric: room forwards and, where it went, back
    room.eliminate_zeros()
    seen = set(breadth_first_order(room, 0, return_predecessors=False).tolist())
    cut_w = [w for w in wards if node_w[w] in seen]
    cut_s = [s for s in sups if node_s[s] in seen and node_w[inst.supervisor[s].ward_id] not in seen]
    short = [r for k, r in enumerate(recruits) if 1 + k in seen]  # those among whom some get no room
    return int(flow.flow_value), cut_w, cut_s, short


def check_class_on_wards(ctx: _Ctx, suggest: bool = True, classes: set[str] | None = None,
                         joint: bool = True) -> list[Finding]:
    """R2 with R4: in a full week of the weekly model, when practice is on weekdays only and
    ``school_days_per_week + practice_days_per_week`` fill the five weekdays (as usual:
    3 + 2), every recruit of a class who is not absent that week practises on exactly the
    class's practice days (his unavailable weekdays do not excuse him), all on the same dates. So the wards within their
    reach must hold them all on one day: a maximum flow through the supervisors' places
    (``max_recruits``) and the wards' ``capacity``. One finding per phase and class.
    ``classes``: only these; ``joint``: also the weekly classes of a phase together (a MIP,
    :func:`_classes_on_wards`)."""
    inst, dom, out = ctx.inst, ctx.dom, []
    if inst.rules.practice_on_weekends:
        return out
    for p in ctx.phases:
        if p.kind != "alternation" or p.school_days_per_week + p.practice_days_per_week != 5:
            continue
        groups: dict[str, set[frozenset[str]]] = {}  # class -> the sets of its recruits there all of a full week
        found = len(out)
        for c in inst.classes:
            if inst.model_of(c.id, p) != "weekly" or (classes is not None and c.id not in classes):
                continue
            full = [w for w in dom.weeks(p) if dom.is_full_week(c.id, p, w)]
            failing: dict[frozenset[str], list[tuple[int, int]]] = defaultdict(list)
            flows: dict[frozenset[str], tuple[int, list[str], list[str], list[str]] | None] = {}  # None: it fits
            for week in full:
                days = dom.week_days(p, week)
                there = frozenset(r.id for r in inst.recruits_of(c.id)  # (the unreachable: check_travel)
                                  if inst.reachable_supervisors(r.id)
                                  and not any(inst.is_absent(r.id, d) for d in days))
                groups.setdefault(c.id, set()).add(there)
                if there not in flows:  # (too few places alone: check_places says so)
                    got = _placeable(ctx, sorted(there))
                    short = got[0] < len(there) and _placeable(ctx, sorted(there), wards_limit=False)[0] >= len(there)
                    flows[there] = got if short else None
                if flows[there] is not None:
                    failing[there].append(week)
            if not failing:
                continue
            there, weeks = max(failing.items(), key=lambda kv: (len(kv[0]), -len(kv[1])))
            weeks = sorted(w for ws in failing.values() for w in ws)
            held, cut_w, cut_s, near = flows[there]
            cut_w = [w for w in cut_w if inst.ward[w].capacity > 0]  # (the others hold no one)
            cut_s = [s for s in cut_s if inst.supervisor[s].max_recruits > 0]
            parts = [f"ward {w} capacity {inst.ward[w].capacity}" for w in cut_w]
            parts += [f"supervisor {s} max_recruits {inst.supervisor[s].max_recruits}" for s in cut_s]
            if len(near) < len(there):  # the recruits whose reach is the trouble (an audit asked which)
                parts.append(f"for {', '.join(near[:8])}{' and others' if len(near) > 8 else ''}, who "
                             f"{'reaches' if len(near) == 1 else 'reach'} no other ward")
            everyone = len(there) == len(inst.recruits_of(c.id))
            who = f"all {len(there)} recruits" if everyone else f"the {len(there)} recruits there all week"
            msg = (
                f"In {_phase_text(p)}, {_weeks_text(weeks, len(full))}, {who} of class {c.id} practise on the "
                f"same {_n(p.practice_days_per_week, 'weekday')} (R4: {_n(p.school_days_per_week, 'school day')} and "
                f"{_n(p.practice_days_per_week, 'practice day')} a week, the class together), but the wards within "
                f"their reach hold at most "
                f"{held} of them on one day (R2: each ward's capacity per day and each supervisor's "
                f"max_recruits): {', '.join(parts) or 'no ward takes a recruit'}."
            )
            rows = [ctx.rows.of(c)] + [ctx.rows.of(inst.ward[w]) for w in cut_w]
            rows += [ctx.rows.of(inst.supervisor[s]) for s in cut_s]
            if len(near) < len(there):
                rows += [ctx.rows.of(inst.recruit[r]) for r in near[:8]]
            short = len(there) - held
            tips = _wards_tips(ctx, there, cut_w, cut_s, short) if suggest else []
            tips += ["add supervisors on other wards within their reach",
                     f"move {short} recruit(s) of {c.id} to a class with other school days"]
            tip = "; or ".join(tips)
            out.append(Finding("R2+R4", msg, sort_rows(rows), tip[0].upper() + tip[1:] + "."))
        if len(out) == found and len(groups) > 1 and joint:
            out += _classes_on_wards(ctx, p, groups)
    return out


def _wards_tips(ctx: _Ctx, there: frozenset[str], cut_w: list[str], cut_s: list[str], short: int) -> list[str]:
    """Single changes of the minimum cut's wards and supervisors that let the class's
    recruits ``there`` on its wards, each tried first (:func:`_wards_fixed`): a ward's
    capacity, a supervisor's places, or a supervisor's places with his ward's capacity
    (both hold him back). At most three, after :data:`MAX_TIP_TRIALS` tries."""
    inst, tips = ctx.inst, []
    fixed = _trials(inst, lambda changed: _wards_fixed(changed, there))
    for w in cut_w:
        ward = inst.ward[w]
        if len(tips) < 3 and fixed(ward={w: ward.capacity + short}):
            tips.append(f"raise the capacity of ward {w} ({ctx.rows.of(ward)}) from {ward.capacity} to "
                        f"{ward.capacity + short}")
    for s in cut_s:
        if len(tips) >= 3:
            break
        tip = _places_tip(ctx, fixed, inst.supervisor[s], short)
        if tip is not None:
            tips.append(tip)
    return tips


def _classes_on_wards(ctx: _Ctx, p: Phase, groups: dict[str, set[frozenset[str]]]) -> list[Finding]:
    """The weekly classes of a phase together: each class fits its wards alone, but the
    supervisor places (``max_recruits``, per phase, for every recruit) are shared. The most
    recruits that get a place with at most ``capacity`` of each class's group on a ward (a
    small MIP, HiGHS): when that is fewer than the recruits, no plan exists. Only a proven
    optimum counts (a time limit that cuts the MIP gives no finding)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    inst = ctx.inst
    reach = {r.id: [s.id for s in inst.reachable_supervisors(r.id)] for r in inst.recruits}
    recruits = [r for r, sups in reach.items() if sups]
    cells = [(r, s) for r in recruits for s in reach[r]]
    rows, cols, caps = [], [], []

    def row(members: list[int], cap: float) -> None:
        rows.extend([len(caps)] * len(members))
        cols.extend(members)
        caps.append(cap)

    first = 0
    for r in recruits:  # a recruit's cells are consecutive
        row(list(range(first, first + len(reach[r]))), 1)
        first += len(reach[r])
    for s in inst.supervisors:
        row([k for k, (_r, sup) in enumerate(cells) if sup == s.id], max(0, s.max_recruits))
    ward_rows: list[tuple[str, str, int]] = []  # (class, ward, row)
    for c, sets in sorted(groups.items()):
        for there in sorted(sets, key=sorted):
            for w in inst.wards:
                members = [k for k, (r, s) in enumerate(cells) if r in there and inst.supervisor[s].ward_id == w.id]
                if len({cells[k][0] for k in members}) > w.capacity:
                    ward_rows.append((c, w.id, len(caps)))
                    row(members, max(0, w.capacity))
    a = coo_matrix(([1.0] * len(rows), (rows, cols)), shape=(len(caps), len(cells)))
    res = milp(-np.ones(len(cells)), constraints=[LinearConstraint(a, 0, np.array(caps, dtype=float))],
               integrality=np.ones(len(cells)), bounds=Bounds(0, 1), options={"time_limit": 10})
    if res.status != 0 or res.x is None:
        return []
    held = round(-res.fun)
    if held >= len(recruits):
        return []
    used = a @ res.x
    full_wards = sorted({w for _c, w, k in ward_rows if used[k] >= caps[k] - 1e-6 and caps[k] > 0})
    classes = sorted(groups)
    shown = ", ".join(f"{w} ({inst.ward[w].capacity})" for w in full_wards[:MAX_WEEKS_SHOWN * 2])
    more = f" and {len(full_wards) - MAX_WEEKS_SHOWN * 2} more" if len(full_wards) > MAX_WEEKS_SHOWN * 2 else ""
    msg = (
        f"In {_phase_text(p)}, the {len(recruits)} recruits need a supervisor place each (R1, R2: max_recruits), "
        f"and in a full week each weekly class ({', '.join(classes)}) practises together, at most a ward's capacity of a "
        f"class on a ward (R2+R4). Each class fits alone, but they share the supervisors: at most {held} "
        f"recruits can be placed so. Wards full of a class in the best placement: {shown or 'none'}{more}."
    )
    rows_out = [ctx.rows.of(inst.klass[c]) for c in classes] + [ctx.rows.of(inst.ward[w]) for w in full_wards]
    tip = (f"Raise the capacity of wards within the recruits' reach, add supervisors on other wards, or raise "
           f"max_recruits of supervisors on wards with room ({len(recruits) - held} recruit(s) short).")
    return [Finding("R1+R2+R4", msg, sort_rows(rows_out), tip)]


# ---------------------------------------------------------------------------------------
# R11 (with R3, R4, R5, R7): too few school days possible in a phase
# ---------------------------------------------------------------------------------------
def _teacher_days(ctx: _Ctx, school_id: str, days: Iterable[date]) -> set[date]:
    """The days on which some teacher of the school works and is not absent."""
    teachers = [t for t in ctx.inst.teachers if t.school_id == school_id]
    return {d for d in days if any(d.weekday() in t.weekdays and not ctx.inst.is_absent(t.id, d) for t in teachers)}


def _more_school_days(inst: Instance, p: Phase, c) -> str:
    """The change that gives a weekly class more school days a week: a higher
    ``school_days_per_week`` (with fewer practice days where the two would not fit the
    week: the loader refuses that), or, for a class on the weekly model by its own
    ``classes.csv`` model in a block phase, the block model of the phase."""
    days = 7 if inst.rules.practice_on_weekends else 5
    tip = "raise school_days_per_week"
    if p.school_days_per_week + 1 + p.practice_days_per_week > days:
        tip += f" and lower practice_days_per_week (together at most {days} days a week)"
    if p.model == "block" and c.model == "weekly":
        tip += f", or let class {c.id} follow the phase's block model (classes.csv model)"
    return tip


def _untaught(ctx: _Ctx, school_id: str, phase: Phase, weeks: list[tuple[int, int]]) -> tuple[str, list[str], list[str]]:
    """Why open days of ``weeks`` have no teacher of the school (R7): no teacher at all, a
    weekday no teacher teaches, or the teachers' absences; in words, the rows, and the
    changes that give those days a teacher."""
    inst, dom = ctx.inst, ctx.dom
    teachers = [t for t in inst.teachers if t.school_id == school_id]
    if not teachers:
        school = inst.school.get(school_id)
        return (f"school {school_id} has no teacher in teachers.csv",
                [ctx.rows.of(school)] if school is not None else [], [f"add a teacher of {school_id} (teachers.csv)"])
    days = [d for w in weeks for d in dom.week_days(phase, w) if d.weekday() < 5
            and not _teacher_days(ctx, school_id, [d]) and inst.closure_reason(school_id, d) is None]
    uncovered = sorted({d.weekday() for d in days if not any(d.weekday() in t.weekdays for t in teachers)})
    ids = {t.id for t in teachers}
    away = sorted({a for d in days for a in inst.absences if a.person_id in ids and a.start <= d <= a.end},
                  key=lambda a: (a.start, a.person_id))
    words, rows, tips = [], [ctx.rows.of(t) for t in teachers], []
    if uncovered:
        words.append(f"none of them teaches on {weekday_list(uncovered)}")
        tips.append(f"let a teacher of {school_id} also teach on {weekday_list(uncovered)} (teachers.csv weekdays)")
    if away:
        words.append(("the others are away: " if uncovered else "its teachers are away: ") + "; ".join(f"{a.person_id} {date_range(a.start, a.end)}" for a in away[:4])
                     + (f" and {len(away) - 4} more" if len(away) > 4 else ""))
        rows += [ctx.rows.of(a) for a in away]
        tips.append("move the teachers' absences (absences.csv) or add a teacher of " + school_id)
    return ("; ".join(words) or "one group a date each", rows, tips)


def _week_kinds(ctx: _Ctx, class_id: str, phase: Phase) -> list[tuple[tuple[int, int], int, bool, bool]]:
    """Block model weeks with an open day: (week, open days, school possible, practice possible).

    A school week needs a teacher on each of its open days (R7). A practice week is
    impossible when a recruit there all seven days has fewer days on which he may practise
    than ``min_shifts_per_practice_week`` (R10, :func:`_cannot_practise`).
    """
    inst, dom = ctx.inst, ctx.dom
    school_id = inst.klass[class_id].school_id
    out = []
    for week in dom.weeks(phase):
        days = dom.week_days(phase, week)
        open_days = [d for d in days if inst.is_open_school_day(class_id, d, phase)]
        if not open_days:
            continue
        school_ok = len(_teacher_days(ctx, school_id, open_days)) == len(open_days)
        practice_ok = not _cannot_practise(ctx, class_id, phase, days, first=True) and \
            _wards_of_block_week(ctx, class_id, phase, days) is None
        out.append((week, len(open_days), school_ok, practice_ok))
    return out


def _there_all_week(ctx: _Ctx, recruit_id: str, phase: Phase, days: list[date]) -> bool:
    """Whether the recruit is there every day of ``days``: in his window of the phase and
    not absent (R4/R10 hold him to the week's full rule only then)."""
    window = set(ctx.dom.recruit_phase_days(recruit_id, phase))
    return all(d in window and not ctx.inst.is_absent(recruit_id, d) for d in days)


def _wards_of_block_week(ctx: _Ctx, class_id: str, phase: Phase, days: list[date]) -> _WardDays | None:
    """R2 with R10 in a block practice week (``days``, seven of them): the class's recruits
    there all week each work ``min_shifts_per_practice_week`` shifts on their wards
    (:func:`_ward_days_short`); memoised per group of recruits."""
    inst = ctx.inst
    m = phase.min_shifts_per_practice_week
    if len(days) < 7 or m <= 0:
        return None
    there = tuple(sorted(r.id for r in inst.recruits_of(class_id)
                         if inst.reachable_supervisors(r.id) and _there_all_week(ctx, r.id, phase, days)))
    memo = ctx.__dict__.setdefault("_ward_weeks", {})
    key = (phase.id, there)
    if key not in memo:
        memo[key] = _ward_days_short(ctx, list(there), m) if there else None
    return memo[key]


def _cannot_practise(ctx: _Ctx, class_id: str, phase: Phase, days: list[date], first: bool = False) -> list[Recruit]:
    """The class's recruits who are there all of a block week (``days``, seven of them) and
    may practise on fewer of its days than ``min_shifts_per_practice_week`` (unavailable
    weekdays, closures without ``practice_in_school_holidays``), or whose shortest workable
    shift makes that many shifts more than ``max_hours_per_week``: R10 rules out a practice
    week for the class. ``first``: stop at the first one."""
    inst, dom, out = ctx.inst, ctx.dom, []
    m, cap = phase.min_shifts_per_practice_week, phase.max_hours_per_week
    if len(days) < 7 or m <= 0:
        return out
    week = set(days)
    for r in inst.recruits_of(class_id):
        if _there_all_week(ctx, r.id, phase, days):
            can = [d for d in dom.practice_days(r.id, phase) if d in week]
            if len(can) < m or (cap is not None and m * _shortest_workable_hours(ctx, r, phase) > cap + 1e-9):
                out.append(r)
                if first:
                    break
    return out


@dataclass
class _Blocker:
    """A recruit who rules out a practice week: the days of the week he may practise, and
    the days closures and public holidays take from him (R12, ``practice_in_school_holidays
    = false``), besides his unavailable weekdays."""

    recruit: Recruit
    can: int
    closed: list[date]
    shortest: float | None = None  # his shortest workable shift, where the hours cap is what rules it out


def _practice_blockers(ctx: _Ctx, class_id: str, phase: Phase, weeks: list[tuple[int, int]]) -> dict[str, _Blocker]:
    """Who rules out practice weeks (:func:`_cannot_practise`) in ``weeks``: each recruit
    (in order of first week) with his first such week's figures."""
    inst = ctx.inst
    school_id = inst.klass[class_id].school_id
    found: dict[str, _Blocker] = {}
    for week in weeks:
        days = ctx.dom.week_days(phase, week)
        for r in _cannot_practise(ctx, class_id, phase, days):
            if r.id in found:
                continue
            can = set(ctx.dom.practice_days(r.id, phase))
            closed = [d for d in days if d.weekday() not in r.unavailable_weekdays
                      and not inst.rules.practice_in_school_holidays and inst.closure_reason(school_id, d)]
            n = sum(d in can for d in days)
            shortest = _shortest_workable_hours(ctx, r, phase) if n >= phase.min_shifts_per_practice_week else None
            found[r.id] = _Blocker(r, n, closed, shortest)
    return found


def _practice_blockers_text(found: dict[str, _Blocker], phase: Phase) -> str:
    """:func:`_practice_blockers` in words: what takes each recruit's days (or hours)."""
    parts = []
    for b in list(found.values())[:3]:
        r, why = b.recruit, []
        if b.shortest is not None:
            m = phase.min_shifts_per_practice_week
            parts.append(f"{r.id} ({r.name}) cannot work {m} shifts within max_hours_per_week = "
                         f"{phase.max_hours_per_week:g}: the shortest shift he can work lasts {b.shortest:g} h")
            continue
        if b.closed:
            why.append(f"the school is closed on {day_span(b.closed)} and practice_in_school_holidays = false (R12)")
        if r.unavailable_weekdays:
            why.append(f"unavailable_weekdays: {weekday_list(r.unavailable_weekdays)}")
        parts.append(f"{r.id} ({r.name}) may practise on only {_n(b.can, 'day')} of such a week"
                     + (f" ({'; '.join(why)})" if why else ""))
    more = len(found) - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _n(n: int, noun: str) -> str:
    """``3 school days``, ``1 school day``: ``noun`` is the singular."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _segments(weeks: list[tuple[int, int]], all_weeks: list[tuple[int, int]]) -> list[list[int]]:
    """Indices (into ``weeks``) of runs of consecutive phase weeks; a closed week cuts a run."""
    pos = {w: i for i, w in enumerate(all_weeks)}
    out: list[list[int]] = []
    for i, w in enumerate(weeks):
        if out and pos[weeks[out[-1][-1]]] + 1 == pos[w]:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def max_block_school_days(ctx_or_instance, class_id: str, phase: Phase) -> int | None:
    """Block model: most school days a class can have in a phase under R5 (and R7, R10).

    Dynamic programme over each run of weeks with an open school day: every week is a
    school week or a practice week; no block is longer than its upper bound; a block
    that starts after the run's first week lasts at least its lower bound unless the run
    ends first (as the model's R5). Returns None when no pattern keeps R5.
    """
    ctx = ctx_or_instance if isinstance(ctx_or_instance, _Ctx) else _Ctx(ctx_or_instance)
    kinds = _week_kinds(ctx, class_id, phase)
    bounds = {True: phase.school_block_weeks, False: phase.practice_block_weeks}
    total = 0
    for seg in _segments([k[0] for k in kinds], ctx.dom.weeks(phase)):
        # state: (school?, run length, run started at the segment start) -> best school days
        states: dict[tuple[bool, int, bool], int] = {}
        for n, i in enumerate(seg):
            _, open_n, school_ok, practice_ok = kinds[i]
            new: dict[tuple[bool, int, bool], int] = {}
            for kind, ok in ((True, school_ok), (False, practice_ok)):
                if not ok:
                    continue
                gain = open_n if kind else 0
                lo, hi = bounds[kind]
                if n == 0:
                    if hi >= 1:
                        new[(kind, 1, True)] = gain
                    continue
                for (k, length, at_start), value in states.items():
                    if k == kind:
                        key = (kind, length + 1, at_start)
                        if length + 1 > hi:
                            continue
                    else:
                        lo_prev = bounds[k][0]
                        if not at_start and length < lo_prev:
                            continue
                        key = (kind, 1, False)
                        if hi < 1:
                            continue
                    if new.get(key, -1) < value + gain:
                        new[key] = value + gain
            states = new
            if not states:
                return None
        total += max(states.values())
    return total


def check_school_days(ctx: _Ctx) -> list[Finding]:
    """R11: enough school days can be had in each alternation phase (R3, R4, R5, R7)."""
    inst, dom, out = ctx.inst, ctx.dom, []
    for p in ctx.phases:
        if p.kind != "alternation":
            continue
        for c in inst.classes:
            model = inst.model_of(c.id, p)
            open_days = dom.open_school_days(c.id, p)
            need = p.min_school_days
            base_rows = [ctx.rows.of(c), ctx.rows.phase(p, "min_school_days")]
            weekdays = [d for d in p.dates() if d.weekday() < 5]
            closed = [d for d in weekdays if d not in set(open_days)]
            c_rows, c_text = ctx.closures_rows(c.school_id, closed)
            closed_text = f" Closed: {'; '.join(c_text)}." if c_text else ""
            # what lengthens the school time: the phase's dates, and closures where there are any
            longer = "lengthen the phase" + (" or shorten the closures" if c_rows else "")
            no_weekday = "" if weekdays else " The phase has no weekday (no school on weekends, R3)."
            dates_rows = [ctx.rows.phase(p, "start"), ctx.rows.phase(p, "end")]
            if model == "block":
                weeks = [w for w in dom.weeks(p) if any(iso_week(d) == w for d in open_days)]
                best = max_block_school_days(ctx, c.id, p)
                if best is None:
                    kinds = _week_kinds(ctx, c.id, p)
                    no_school = [k[0] for k in kinds if not k[2]]
                    no_practice = [k[0] for k in kinds if not k[3]]
                    why = []
                    rows = list(base_rows)
                    untaught_tips: list[str] = []
                    if no_school:
                        cause, untaught_rows, untaught_tips = _untaught(ctx, c.school_id, p, no_school)
                        why.append(f"no teacher of school {c.school_id} on every open day of "
                                   f"{_weeks_text(no_school)} (R7: {cause}), so those cannot be school weeks")
                        rows += untaught_rows
                    blockers: list[Recruit] = []
                    found, wards_short = {}, None
                    if no_practice:
                        found = _practice_blockers(ctx, c.id, p, no_practice)
                        by_wards = [w for w in no_practice
                                    if _wards_of_block_week(ctx, c.id, p, dom.week_days(p, w)) is not None]
                        if by_wards:
                            wards_short = _wards_of_block_week(ctx, c.id, p, dom.week_days(p, by_wards[0]))
                            why.append(f"in {_weeks_text(by_wards)} the {len(wards_short.members)} recruits there all "
                                       f"week work at least {p.min_shifts_per_practice_week} shifts each (R10), each "
                                       f"on a date of its own on his ward, and the wards within their reach hold at "
                                       f"most {wards_short.held} of them a week (R2): {', '.join(wards_short.parts)}; "
                                       f"so those cannot be practice weeks")
                            rows += wards_short.rows + [ctx.rows.phase(p, "min_shifts_per_practice_week")]
                    if found:
                        by_recruit = [w for w in no_practice if _cannot_practise(ctx, c.id, p, dom.week_days(p, w))]
                        why.append(f"a recruit there all week cannot work min_shifts_per_practice_week = "
                                   f"{p.min_shifts_per_practice_week} shifts in {_weeks_text(by_recruit)} "
                                   f"(R10), so those cannot be practice weeks: {_practice_blockers_text(found, p)}")
                        unavailable = [b.recruit for b in found.values()
                                       if b.recruit.unavailable_weekdays and b.shortest is None]
                        by_hours = [b.recruit for b in found.values() if b.shortest is not None]
                        blockers = [b.recruit for b in found.values()]
                        closed = sorted({d for b in found.values() for d in b.closed})
                        if closed:  # the closures of every such week, not only each recruit's first
                            closed = [d for w in no_practice for d in dom.week_days(p, w)
                                      if inst.closure_reason(c.school_id, d)]
                        rows += [ctx.rows.of(r) for r in unavailable]
                        rows.append(ctx.rows.phase(p, "min_shifts_per_practice_week"))
                        if by_hours:
                            rows.append(ctx.rows.phase(p, "max_hours_per_week"))
                        if closed:
                            rows += ctx.closures_rows(c.school_id, closed, weekdays=False)[0]
                            rows.append(ctx.rows.rule("practice_in_school_holidays"))
                    tips = list(wards_short.tips) if wards_short is not None else []
                    if blockers:
                        if by_hours:
                            most = max(b.shortest for b in found.values() if b.shortest is not None)
                            tips.append(f"raise max_hours_per_week of phase {p.id} to "
                                        f"{p.min_shifts_per_practice_week * most:g}")
                        if closed:
                            tips.append("set practice_in_school_holidays = true (practice on closures and "
                                        "public holidays), or shorten the closures")
                        if unavailable:
                            tips.append("let " + ", ".join(r.id for r in unavailable[:3])
                                        + (" and others" if len(unavailable) > 3 else "")
                                        + " practise on more days (recruits.csv unavailable_weekdays)")
                        tips.append(f"lower min_shifts_per_practice_week of phase {p.id}")
                    tips = untaught_tips + tips
                    if len(no_school) < len(kinds) and len(no_practice) < len(kinds):
                        # (no school week, or no practice week, at all: another block length
                        # would only make the class all practice or all school)
                        tips.append("widen school_block_weeks / practice_block_weeks of the phase")
                    tips[0] = tips[0][0].upper() + tips[0][1:]
                    out.append(Finding(
                        "R5" + ("+R7" if no_school else "") + ("+R10" if no_practice else ""),
                        f"Class {c.id} cannot split {_phase_text(p)} into school blocks of "
                        f"{p.school_block_weeks[0]}-{p.school_block_weeks[1]} weeks and practice blocks of "
                        f"{p.practice_block_weeks[0]}-{p.practice_block_weeks[1]} weeks"
                        + (": " + "; ".join(why) if why else "") + ".",
                        sort_rows(rows + [ctx.rows.phase(p, "school_block_weeks")]),
                        "; or ".join(tips) + ".",
                    ))
                    continue
                if len(open_days) < need:
                    out.append(Finding(
                        "R3+R11",
                        f"Class {c.id} has only {_n(len(open_days), 'open school day')} in {_n(len(weeks), 'week')} with "
                        f"an open day of {_phase_text(p)} (at most {5 * len(weeks)} at 5 days a week), but "
                        f"min_school_days is {need}.{closed_text}{no_weekday}",
                        sort_rows(base_rows + c_rows + dates_rows),
                        f"Lower min_school_days of phase {p.id} to {len(open_days)}, or {longer}.",
                    ))
                elif best < need:
                    kinds = _week_kinds(ctx, c.id, p)
                    untaught = [k[0] for k in kinds if not k[2]]
                    teachable = sum(k[1] for k in kinds if k[2])
                    if teachable < need:
                        teachers = [t for t in inst.teachers if t.school_id == c.school_id]
                        absent = [a for a in inst.absences if a.person_id in {t.id for t in teachers}
                                  and a.start <= p.end and a.end >= p.start]
                        out.append(Finding(
                            "R5+R7+R11",
                            f"Class {c.id} can have at most {teachable} school days in {_phase_text(p)}: a school "
                            f"week needs a teacher of school {c.school_id} on each of its open days (R5, R7), and "
                            f"{_weeks_text(untaught)} {'has' if len(untaught) == 1 else 'have'} a day without one, "
                            f"but min_school_days is {need}.",
                            sort_rows(base_rows + [ctx.rows.of(t) for t in teachers] + [ctx.rows.of(a) for a in absent]),
                            f"Find a teacher for those days, or lower min_school_days of phase {p.id} to {best}.",
                        ))
                        continue
                    out.append(Finding(
                        "R5+R11",
                        f"Class {c.id} can have at most {best} school days in {_phase_text(p)}: the phase has "
                        f"{len(open_days)} open school days, but practice blocks of at least "
                        f"{_n_weeks(p.practice_block_weeks[0])} and school blocks of at most "
                        f"{_n_weeks(p.school_block_weeks[1])} (R5) leave at most {best}, fewer than "
                        f"min_school_days = {need}.{closed_text}",
                        sort_rows(base_rows + c_rows + [ctx.rows.phase(p, "school_block_weeks"),
                                                        ctx.rows.phase(p, "practice_block_weeks")]),
                        f"Lower min_school_days of phase {p.id} to {best}, or widen school_block_weeks"
                        + (" (or shorten practice_block_weeks)." if p.practice_block_weeks[0] > 1 else "."),
                    ))
                continue
            # weekly model: exactly/at most school_days_per_week per week (R4)
            if need <= 0:
                continue
            by_week: dict[tuple[int, int], list[date]] = defaultdict(list)
            for d in open_days:
                by_week[iso_week(d)].append(d)
            cap = sum(min(len(ds), p.school_days_per_week) for ds in by_week.values())
            taught = {w: _teacher_days(ctx, c.school_id, ds) for w, ds in by_week.items()}
            cap_t = sum(min(len(ds), p.school_days_per_week) for ds in taught.values())
            if len(open_days) < need:
                out.append(Finding(
                    "R3+R11",
                    f"Class {c.id} has only {_n(len(open_days), 'open school day')} in {_phase_text(p)}"
                    + (f" (and at most {cap} school days at {p.school_days_per_week} a week, R4)"
                       if cap < len(open_days) else "")
                    + f", but min_school_days is {need}.{closed_text}{no_weekday}",
                    sort_rows(base_rows + c_rows + dates_rows
                              + ([ctx.rows.phase(p, "school_days_per_week")] if cap < len(open_days) else [])),
                    f"Lower min_school_days of phase {p.id} to {cap}, or {longer}.",
                ))
            elif cap < need:
                out.append(Finding(
                    "R4+R11",
                    f"Class {c.id} can have at most {cap} school days in {_phase_text(p)}: "
                    f"{_n(p.school_days_per_week, 'school day')} a week (school_days_per_week, R4) in "
                    f"{len(by_week)} weeks with open days, but min_school_days is {need}.{closed_text}",
                    sort_rows(base_rows + c_rows + [ctx.rows.phase(p, "school_days_per_week")]),
                    f"Lower min_school_days of phase {p.id} to {cap}, or {_more_school_days(inst, p, c)}.",
                ))
            elif cap_t < need:
                teachers = [t for t in inst.teachers if t.school_id == c.school_id]
                out.append(Finding(
                    "R7+R11",
                    f"Class {c.id} can have at most {cap_t} school days in {_phase_text(p)}: only days on "
                    f"which a teacher of school {c.school_id} works and is not absent can be school days "
                    f"(R7), and min_school_days is {need}.",
                    sort_rows(base_rows + [ctx.rows.of(t) for t in teachers] + [
                        ctx.rows.of(a) for a in inst.absences
                        if a.person_id in {t.id for t in teachers} and a.start <= p.end and a.end >= p.start
                    ]),
                    f"Lower min_school_days of phase {p.id} to {cap_t}, or let a teacher work more weekdays.",
                ))
    return out


# ---------------------------------------------------------------------------------------
# R7: teachers cannot cover the weekly school-day pattern
# ---------------------------------------------------------------------------------------
def check_teachers(ctx: _Ctx) -> list[Finding]:
    """R7: in each full week the teachers of a school can give every weekly class its
    ``school_days_per_week`` days: enough weekdays with a teacher, and enough teacher-days
    (a teacher teaches one group a day and ``max_days_per_week``; a day partner classes share
    counts once: exactly one a week at 3 school days, R6, else they may share every day)."""
    inst, dom, out = ctx.inst, ctx.dom, []
    for p in ctx.phases:
        if p.kind != "alternation":
            continue
        for school in inst.schools:
            classes = [c for c in inst.classes if c.school_id == school.id and inst.model_of(c.id, p) == "weekly"]
            if not classes:
                continue
            teachers = [t for t in inst.teachers if t.school_id == school.id]
            spw = p.school_days_per_week
            few_days: list[tuple[int, int]] = []
            few_teacher_days: list[tuple[tuple[int, int], int, int, int]] = []  # week, supply, need, pairs
            full_any = []
            for week in dom.weeks(p):
                full = [c for c in classes if dom.is_full_week(c.id, p, week)]
                if not full:
                    continue
                full_any.append(week)
                days = [d for d in dom.week_days(p, week) if d.weekday() < 5]
                avail = {t.id: [d for d in days if d.weekday() in t.weekdays and not inst.is_absent(t.id, d)]
                         for t in teachers}
                covered = {d for ds in avail.values() for d in ds}
                if len(covered) < spw:
                    few_days.append(week)
                    continue
                ids = {c.id for c in full}
                pairs = {tuple(sorted((c.id, c.shared_day_with))) for c in full
                         if c.shared_day_with in ids}
                # R6/D12: partner classes in school on the same date are one group. With 3 days a
                # week each they share exactly one day; otherwise they may share all their days.
                need = spw * len(full) - len(pairs) * (1 if spw == 3 else spw)
                supply = sum(min(t.max_days_per_week, len(avail[t.id])) for t in teachers)
                if supply < need:
                    few_teacher_days.append((week, supply, need, len(pairs)))
            if not few_days and not few_teacher_days:
                continue
            t_rows = [ctx.rows.of(t) for t in teachers]
            weeks_all = few_days + [w for w, *_ in few_teacher_days]
            lo, hi = min(weeks_all), max(weeks_all)
            team_absences = [
                a for a in inst.absences
                if a.person_id in {t.id for t in teachers}
                and any(lo <= iso_week(a.start + timedelta(days=i)) <= hi for i in range((a.end - a.start).days + 1))
            ]
            absence_rows = [ctx.rows.of(a) for a in team_absences]
            listing = teacher_listing(teachers) or "none"
            class_ids = ", ".join(c.id for c in classes)
            if few_days:
                # the teachers' weekdays would do: their absences take the days away
                absent_only = bool(teachers) and len(set().union(*(t.weekdays for t in teachers)) & set(range(5))) >= spw
                away = "; ".join(f"{a.person_id} {date_range(a.start, a.end)} ({ctx.rows.of(a)})"
                                 for a in team_absences)
                message = (
                    f"School {school.id} cannot give class(es) {class_ids} {_n(spw, 'school day')} in "
                    f"{_weeks_text(few_days, len(full_any))} of {_phase_text(p)}: a teacher of the school "
                    f"works (and is not absent) on fewer than {spw} weekdays. Teachers: {listing}."
                    + (f" Absent: {away}." if away else "")
                )
                suggestion = (
                    f"Add a teacher of {school.id} who can take those days (teachers.csv), or shorten the absences "
                    "(absences.csv)." if absent_only and team_absences else
                    f"Let the teachers of {school.id} teach on at least {spw} different weekdays "
                    "(teachers.csv column weekdays).")
                out.append(Finding(
                    "R4+R7", message,
                    sort_rows(t_rows + absence_rows + [ctx.rows.of(c) for c in classes] + [ctx.rows.of(school)]),
                    suggestion,
                ))
            if few_teacher_days:
                week, supply, need, shared = few_teacher_days[0]
                weeks = [w for w, *_ in few_teacher_days]
                # the worst week too (an audit added the usual week's shortfall and met a week
                # with an absence that needed more)
                worst_week, worst_supply, worst_need, _ = max(few_teacher_days, key=lambda f: (f[2] - f[1], -f[0][0], -f[0][1]))
                worse = worst_need - worst_supply > need - supply
                sharing = "" if not shared else (
                    ", a shared day counted once" if spw == 3 else ", partner classes sharing all their days")
                message = (
                    f"School {school.id} needs {need} teacher-days in {_weeks_text(weeks, len(full_any))} of "
                    f"{_phase_text(p)} ({_n(spw, 'school day')} for each of {class_ids}{sharing}), but its teachers "
                    f"can give only {supply} (one group a day, within max_days_per_week and their weekdays)"
                    + (f", and only {worst_supply} in {week_label(worst_week)} (absences)" if worse else "")
                    + f". Teachers: {listing}."
                )
                # only what can add a day: a teacher below five weekdays or below his weekly
                # limit, a new teacher, or (in the weeks of an absence) moving the absence
                # (a weekday no teacher covers first: a class has no school there, so both
                # partner classes practise around it, which an audit found was the real cause)
                limited = [t for t in teachers if t.max_days_per_week < len(t.weekdays & set(range(5)))]
                # (more weekdays add a day only to a teacher below his weekly limit)
                fewer = [t for t in teachers if len(t.weekdays & set(range(5))) < min(5, t.max_days_per_week)]
                uncovered = [d for d in range(5) if not any(d in t.weekdays for t in teachers)]
                ways = []
                if uncovered and fewer:
                    ways.append(f"let {' or '.join(t.id for t in fewer[:3])} also teach on "
                                f"{weekday_list(uncovered)} (no teacher of {school.id} does)")
                if limited:
                    ways.append(f"raise max_days_per_week of {', '.join(t.id for t in limited)}")
                if fewer and not uncovered:
                    ways.append(f"add weekdays of {', '.join(t.id for t in fewer)}")
                ways.append(f"add a teacher of {school.id}")
                if absence_rows:
                    ways.append(f"move the teachers' absences in these weeks ({', '.join(sorted(absence_rows))})")
                out.append(Finding(
                    "R4+R7", message,
                    sort_rows(t_rows + absence_rows + [ctx.rows.of(c) for c in classes]),
                    f"Add {need - supply} teacher-day(s) a week"
                    + (f" ({worst_need - worst_supply} in {week_label(worst_week)})" if worse else "")
                    + ": " + ", or ".join(ways) + ".",
                ))
    return out


# ---------------------------------------------------------------------------------------
# R4: a weekly pattern that leaves every recruit consecutive practice days
# ---------------------------------------------------------------------------------------
def _runs_ok(free: set[date], need: int) -> bool:
    if need <= 0:
        return True
    for d in free:
        if all(d + timedelta(days=i) in free for i in range(need)):
            return True
    return False


def _pattern_exists(weekdays: list[date], spw: int, free_of: dict[str, set[date]], need: int) -> bool:
    if spw > len(weekdays):
        return False
    for school in combinations(weekdays, spw):
        s = set(school)
        if all(_runs_ok(free - s, need) for free in free_of.values()):
            return True
    return False


def check_weekly_pattern(ctx: _Ctx) -> list[Finding]:
    """R4: in a full week some choice of ``school_days_per_week`` school days leaves every
    recruit present all week ``practice_days_per_week`` consecutive days he may practise on."""
    inst, dom, out = ctx.inst, ctx.dom, []
    for p in ctx.phases:
        if p.kind != "alternation":
            continue
        spw, ppw = p.school_days_per_week, p.practice_days_per_week
        for c in inst.classes:
            if inst.model_of(c.id, p) != "weekly":
                continue
            failing: list[tuple[int, int]] = []
            culprit: list[str] = []
            first_fail: dict[str, tuple[tuple[int, int], set[date]]] = {}  # week, days he may practise
            singly = False
            full = ctx.full_weeks(c.id, p)
            cache: dict[tuple, tuple[list[str], bool] | None] = {}
            for week in full:
                days = dom.week_days(p, week)
                weekdays = [d for d in days if d.weekday() < 5]
                free_of = {}
                for r in inst.recruits_of(c.id):
                    if any(inst.is_absent(r.id, d) for d in days):
                        continue
                    allowed = set(dom.practice_days(r.id, p))
                    free_of[r.id] = {d for d in days if d in allowed}
                key = (tuple(d.weekday() for d in days),
                       tuple(sorted((r, tuple(sorted(d.weekday() for d in f))) for r, f in free_of.items())))
                if key not in cache:
                    if _pattern_exists(weekdays, spw, free_of, ppw):
                        cache[key] = None
                    else:
                        # recruits who alone have no pattern; else a smallest conflicting group
                        alone = [r for r, f in free_of.items() if not _pattern_exists(weekdays, spw, {r: f}, ppw)]
                        keep = dict(free_of) if not alone else {}
                        for r in list(keep):
                            trial = {k: v for k, v in keep.items() if k != r}
                            if not _pattern_exists(weekdays, spw, trial, ppw):
                                keep = trial
                        cache[key] = (sorted(alone or keep), bool(alone))
                found = cache[key]
                if found is not None:
                    failing.append(week)
                    culprit = sorted(set(culprit) | set(found[0]))
                    for r in found[0]:
                        first_fail.setdefault(r, (week, free_of[r]))
                    singly = found[1]
            if not failing:
                continue
            days_allowed = "weekdays and weekends" if inst.rules.practice_on_weekends else "weekdays"
            if culprit:
                who = "; ".join(_pattern_culprit(ctx, p, r, *first_fail[r]) for r in culprit)
                outcome = (f"so {'none of them has' if len(culprit) > 1 else 'he has no'} {_n(ppw, 'consecutive day')} "
                           f"he may practise on" if singly else
                           f"so no choice of school days leaves all of them {_n(ppw, 'consecutive day')}")
                message = (
                    f"Class {c.id} cannot keep the weekly pattern in {_weeks_text(failing, len(full))} of {_phase_text(p)}: "
                    f"with {_n(spw, 'school day')} a week, each recruit needs {_n(ppw, 'consecutive practice day')} on the "
                    f"other {days_allowed}, but {who}, {outcome}."
                )
                tip = _pattern_tip(ctx, c.id, p, failing[0], culprit, singly, first_fail)
                rows = [ctx.rows.of(inst.recruit[r]) for r in culprit] + [ctx.rows.of(c)]
            else:
                message = (
                    f"Class {c.id} cannot have {_n(spw, 'school day')} and {_n(ppw, 'consecutive practice day')} in a "
                    f"full week of {_phase_text(p)} ({_weeks_text(failing, len(full))}): there are only "
                    f"5 weekdays" + ("" if inst.rules.practice_on_weekends else " and practice_on_weekends is false")
                    + "."
                )
                tip = "Lower school_days_per_week or practice_days_per_week, or allow practice_on_weekends."
                rows = [ctx.rows.of(c), ctx.rows.rule("practice_on_weekends")]
            out.append(Finding("R4", message, sort_rows(rows + [ctx.rows.phase(p, "school_days_per_week")]), tip))
    return out


def _pattern_culprit(ctx: _Ctx, p: Phase, r: str, week: tuple[int, int], free: set[date]) -> str:
    """Why recruit ``r`` is short of consecutive days: his unavailable weekdays where they
    matter, or else the few days of his first failing week that he may practise on
    (weekends not allowed, or cut off by the phase's start or end)."""
    inst = ctx.inst
    unavailable = inst.recruit[r].unavailable_weekdays
    days = ctx.dom.week_days(p, week)
    unbound = free | {d for d in days if d.weekday() in unavailable
                      and (d.weekday() < 5 or inst.rules.practice_on_weekends)}
    if unavailable and _pattern_exists([d for d in days if d.weekday() < 5], p.school_days_per_week,
                                       {r: unbound}, p.practice_days_per_week):
        return f"{r} cannot practise on {weekday_list(unavailable)} (unavailable_weekdays)"
    may = weekday_list({d.weekday() for d in free}) or "no day"
    return f"{r} may practise only on {may} in {week_label(week)} (the days of that week in the phase he may practise on)"


def _pattern_tip(ctx: _Ctx, class_id: str, p: Phase, week: tuple[int, int], culprit: list[str], singly: bool,
                 first_fail: dict[str, tuple[tuple[int, int], set[date]]]) -> str:
    """The unavailable weekday(s) whose removal give the week a pattern (one per recruit
    when each fails alone, in his own first failing week, else one for the group)."""
    inst, dom = ctx.inst, ctx.dom
    spw, ppw = p.school_days_per_week, p.practice_days_per_week

    def base_of(days: list[date]) -> dict[str, set[date]]:
        base = {}
        for r in inst.recruits_of(class_id):
            if any(inst.is_absent(r.id, d) for d in days):
                continue
            allowed = set(dom.practice_days(r.id, p))
            base[r.id] = {d for d in days if d in allowed}
        return base

    def freed(base: dict[str, set[date]], days: list[date], r: str, wd: int) -> set[date]:
        return base[r] | {d for d in days if d.weekday() == wd and (d.weekday() < 5 or inst.rules.practice_on_weekends)}

    tips = []
    no_fix = []
    for r in culprit:
        days = dom.week_days(p, first_fail[r][0] if singly else week)
        weekdays = [d for d in days if d.weekday() < 5]
        base = base_of(days)
        fixed = False
        for wd in sorted(inst.recruit[r].unavailable_weekdays):
            trial = {r: freed(base, days, r, wd)} if singly else {**base, r: freed(base, days, r, wd)}
            if _pattern_exists(weekdays, spw, trial, ppw):
                tips.append(f"let {r} practise on {WEEKDAYS[wd]} (unavailable_weekdays, {ctx.rows.of(inst.recruit[r])})")
                fixed = True
                break
        if not fixed:
            no_fix.append(r)
        if tips and not singly:
            break
    if singly and no_fix:
        tips.append(f"lower school_days_per_week or practice_days_per_week of phase {p.id}"
                    + ("" if inst.rules.practice_on_weekends else ", or allow practice_on_weekends")
                    + f" ({', '.join(no_fix)} cannot get {_n(ppw, 'consecutive day')} otherwise)")
    if not tips:
        return "Remove unavailable weekdays of these recruits, or move one of them to another class."
    joined = ("; and " if singly else "; or ").join(tips)
    return joined[0].upper() + joined[1:] + "."


# ---------------------------------------------------------------------------------------
# R10: practice phases, shifts a week
# ---------------------------------------------------------------------------------------
def _full_weeks(ctx: _Ctx, recruit: Recruit, phase: Phase) -> list[tuple[int, int]]:
    """R10 (D10): the ISO weeks whose seven days are all in the recruit's window of a
    practice phase and none of them an absence of his."""
    by_week: dict[tuple[int, int], list[date]] = defaultdict(list)
    for d in ctx.dom.recruit_phase_days(recruit.id, phase):
        by_week[iso_week(d)].append(d)
    return [w for w, days in by_week.items()
            if len(days) == 7 and not any(ctx.inst.is_absent(recruit.id, d) for d in days)]


def _shortest_workable_hours(ctx: _Ctx, recruit: Recruit, phase: Phase) -> float:
    """R8 with R10: the hours of the shortest shift a recruit can work in a phase. He works
    his supervisor's roster shift or the ward's ``D``, so only ``D`` and the shifts on the
    rosters of the supervisors within his reach count (a shift in shifts.csv that none of
    them works does not); night shifts only where ``allow_night``."""
    inst = ctx.inst
    codes = {DAY_SHIFT} | {code for s in inst.reachable_supervisors(recruit.id)
                           for week in inst.roster[s.roster_id].weeks for code in week if code}
    hours = [inst.shift[c].hours for c in codes if c in inst.shift and ctx.dom.allowed_shift(c, phase)]
    return min(hours, default=inst.shift[DAY_SHIFT].hours)


def _hours_cap_below_minimum_shifts(ctx: _Ctx, p: Phase) -> Finding | None:
    """R10: ``min_shifts_per_week`` shifts of the shortest length a recruit can work exceed
    ``max_hours_per_week``, for the recruits who have a full week in the phase."""
    need, cap = p.min_shifts_per_week, p.max_hours_per_week
    if cap is None:
        return None
    held = [r for r in ctx.inst.recruits if _full_weeks(ctx, r, p)]
    shortest = {r.id: _shortest_workable_hours(ctx, r, p) for r in held}
    over = [r for r in held if need * shortest[r.id] > cap + 1e-9]
    if not over:
        return None
    low, high = min(shortest[r.id] for r in over), max(shortest[r.id] for r in over)
    rows = [ctx.rows.phase(p, "min_shifts_per_week"), ctx.rows.phase(p, "max_hours_per_week")]
    if len(over) == len(held):
        who, they = "a recruit", "he"
    else:  # some can reach a supervisor whose roster has a shorter shift
        who = ("recruit " if len(over) == 1 else "recruits ") + ", ".join(f"{r.id} ({r.name})" for r in over)
        they = "he" if len(over) == 1 else "they"
        rows += [ctx.rows.of(r) for r in over]
    least = "" if low == high else "at least "
    return Finding(
        "R10",
        f"In {_phase_text(p)} {who} must work at least {need} shifts in a full week, but even the shortest "
        f"shift {they} can work (the ward's {DAY_SHIFT}, or a shift on the roster of a supervisor within reach: "
        f"R8) lasts {least}{low:g} h, so {need} shifts make {least}{need * low:g} h, more than "
        f"max_hours_per_week = {cap:g}.",
        sort_rows(rows),
        f"Raise max_hours_per_week to {need * high:g} or lower min_shifts_per_week.",
    )


def check_weekly_hours(ctx: _Ctx) -> list[Finding]:
    """R4 with R10: in a full week of the weekly model a recruit there all week works exactly
    ``practice_days_per_week`` shifts, so they must fit ``max_hours_per_week`` at the
    shortest shift he can work (the ward's D or a roster shift of a supervisor within
    reach). One finding per phase."""
    inst, dom, out = ctx.inst, ctx.dom, []
    for p in ctx.phases:
        cap, need = p.max_hours_per_week, p.practice_days_per_week
        if p.kind != "alternation" or cap is None:
            continue
        over: dict[str, float] = {}
        for c in inst.classes:
            if inst.model_of(c.id, p) != "weekly":
                continue
            full = [w for w in dom.weeks(p) if dom.is_full_week(c.id, p, w)]
            for r in inst.recruits_of(c.id):
                if not any(not any(inst.is_absent(r.id, d) for d in dom.week_days(p, w)) for w in full):
                    continue  # never there all of a full week: held to "at most" (R4)
                shortest = _shortest_workable_hours(ctx, r, p)
                if need * shortest > cap + 1e-9:
                    over[r.id] = shortest
        if not over:
            continue
        low, high = min(over.values()), max(over.values())
        least = "" if low == high else "at least "
        who = ", ".join(list(over)[:5]) + (f" and {len(over) - 5} more" if len(over) > 5 else "")
        out.append(Finding(
            "R4+R10",
            f"In {_phase_text(p)} a recruit there all of a full week works exactly {need} practice days (R4: "
            f"practice_days_per_week), but the shortest shift {who} can work (the ward's {DAY_SHIFT}, or a "
            f"shift on the roster of a supervisor within reach: R8) lasts {least}{low:g} h, so {need} shifts make "
            f"{least}{need * low:g} h, more than max_hours_per_week = {cap:g} (R10).",
            sort_rows([ctx.rows.phase(p, "max_hours_per_week"), ctx.rows.phase(p, "practice_days_per_week")]),
            f"Raise max_hours_per_week of phase {p.id} to {need * high:g}, or lower practice_days_per_week.",
        ))
    return out


def check_practice_weeks(ctx: _Ctx) -> list[Finding]:
    """R10: in a full week of a practice phase a recruit can work ``min_shifts_per_week``
    shifts (days he may practise) within ``max_hours_per_week`` (the shortest shift he can
    work)."""
    inst, dom, out = ctx.inst, ctx.dom, []
    for p in ctx.phases:
        if p.kind != "practice" or p.min_shifts_per_week <= 0:
            continue
        hours = _hours_cap_below_minimum_shifts(ctx, p)
        if hours is not None:
            out.append(hours)
            continue
        for r in inst.recruits:
            can = set(dom.practice_days(r.id, p))
            bad = [w for w in _full_weeks(ctx, r, p)
                   if sum(date.fromisocalendar(*w, i) in can for i in range(1, 8)) < p.min_shifts_per_week]
            if bad:
                n_can = 7 - len(r.unavailable_weekdays)
                out.append(Finding(
                    "R10",
                    f"Recruit {r.id} ({r.name}) can practise on only {n_can} days a week "
                    f"(unavailable_weekdays: {weekday_list(r.unavailable_weekdays)}), but {_phase_text(p)} "
                    f"requires min_shifts_per_week = {p.min_shifts_per_week} in every full week "
                    f"({_weeks_text(bad)}).",
                    sort_rows([ctx.rows.of(r), ctx.rows.phase(p, "min_shifts_per_week")]),
                    f"Remove some of his unavailable weekdays ({ctx.rows.of(r)}).",
                ))
    return out


@dataclass
class _WardDays:
    """Recruits there all of a week who each work ``m`` shifts on their ward, more than the
    wards within reach hold (7 x capacity recruit-days a week): what holds them back, in
    words, the rows, and the least capacity of one ward that would hold them (tried)."""

    held: int
    members: list[str]
    parts: list[str]
    rows: list[str]
    tips: list[str]


def _ward_days_short(ctx: _Ctx, members: list[str], m: int) -> _WardDays | None:
    """R2 with R10: ``members`` each work ``m`` shifts in a week, each on his ward on a date of
    its own; a ward takes ``capacity`` recruits a day, so it holds ``7 x capacity // m`` of
    them (a maximum flow through the supervisors' places and those holds). None when they
    fit, or when the places alone are too few (:func:`check_places` says so)."""
    inst = ctx.inst
    holds = {w.id: 7 * max(0, w.capacity) // m for w in inst.wards}
    held, cut_w, cut_s, short = _placeable(ctx, members, holds=holds)
    if held >= len(members) or _placeable(ctx, members, wards_limit=False)[0] < len(members):
        return None
    cut_s = [s for s in cut_s if inst.supervisor[s].max_recruits > 0]  # (a closed ward is said, not its supervisors)
    parts = [f"ward {w} capacity {inst.ward[w].capacity}"
             + (f" ({7 * inst.ward[w].capacity} recruit-days, room for {holds[w]})" if inst.ward[w].capacity > 0 else
                " (closed to recruits)") for w in cut_w]
    parts += [f"supervisor {s} max_recruits {inst.supervisor[s].max_recruits}" for s in cut_s]
    rows = [ctx.rows.of(inst.ward[w]) for w in cut_w] + [ctx.rows.of(inst.supervisor[s]) for s in cut_s]
    if len(short) < len(members):  # the few whose reach is the trouble: named, with their rows
        parts.append(f"for {', '.join(short[:8])}{' and others' if len(short) > 8 else ''}, "
                     f"who {'reaches' if len(short) == 1 else 'reach'} no other ward")
        rows += [ctx.rows.of(inst.recruit[r]) for r in short[:8]]
    tips = []
    for w in cut_w:
        ward = inst.ward[w]
        for extra in range(1, len(members) + 1):
            if _placeable(ctx, members, holds={**holds, w: 7 * (ward.capacity + extra) // m})[0] >= len(members):
                tips.append(f"raise the capacity of ward {w} ({ctx.rows.of(ward)}) from {ward.capacity} "
                            f"to at least {ward.capacity + extra}")  # (necessary: the days' rules may ask more)
                break
    return _WardDays(held, members, parts, rows, tips[:3])


def check_practice_ward_days(ctx: _Ctx) -> list[Finding]:
    """R2 with R10: in a full week of a practice phase every recruit there all week works at
    least ``min_shifts_per_week`` shifts on his ward (:func:`_ward_days_short`). One finding
    per phase (its first such week); suggested: the least capacity of one ward that places
    them. Block practice weeks: :func:`_week_kinds`."""
    inst, out = ctx.inst, []
    for p in ctx.phases:
        m = p.min_shifts_per_week
        if p.kind != "practice" or m <= 0:
            continue
        weeks: dict[tuple[int, int], set[str]] = defaultdict(set)
        for r in inst.recruits:
            if inst.reachable_supervisors(r.id):  # (the others: check_travel)
                for w in _full_weeks(ctx, r, p):
                    weeks[w].add(r.id)
        tried: set[frozenset[str]] = set()
        for week, there in sorted(weeks.items()):
            group = frozenset(there)
            if group in tried:
                continue
            tried.add(group)
            short = _ward_days_short(ctx, sorted(group), m)
            if short is None:
                continue
            tip = "; or ".join(short.tips + ["add supervisors on other wards within their reach",
                                             f"lower min_shifts_per_week of phase {p.id}"])
            out.append(Finding(
                "R2+R10",
                f"In week {week_label(week)} of {_phase_text(p)}, the {len(group)} recruits there all week work at "
                f"least {m} shifts each (R10), each on a date of its own on his ward, and a ward takes its "
                f"capacity of recruits a day (R2): the wards within their reach hold at most {short.held} of them "
                f"that week: {', '.join(short.parts)}.",
                sort_rows([ctx.rows.phase(p, "min_shifts_per_week")] + short.rows),
                tip[0].upper() + tip[1:] + ".",
            ))
            break
    return out


# ---------------------------------------------------------------------------------------
# R9 with R4: two school days in a row leave too little rest
# ---------------------------------------------------------------------------------------
def check_rest_between_school_days(ctx: _Ctx) -> list[Finding]:
    """R9 with R4: in a full week of the weekly model with 3 school days and 2 consecutive
    practice days in the five weekdays (or 4 or more school days), two of the class's
    school days are consecutive, so the rest from the end of a school day to the start of
    the next must reach ``min_rest_hours``. One finding per class."""
    inst, dom, out = ctx.inst, ctx.dom, []
    need = inst.rules.min_rest_hours
    d_shift = inst.shift.get(DAY_SHIFT)
    for c in inst.classes:
        phases = [p for p in ctx.phases
                  if p.kind == "alternation" and inst.model_of(c.id, p) == "weekly"
                  and (p.school_days_per_week >= 4 or (p.school_days_per_week == 3 and p.practice_days_per_week == 2
                                                      and not inst.rules.practice_on_weekends))
                  and any(dom.is_full_week(c.id, p, w) for w in dom.weeks(p))]
        if not phases:
            continue
        start = c.school_day_start or inst.rules.school_day_start
        end = c.school_day_end or inst.rules.school_day_end
        length = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60
        rest = 24 - length
        if rest >= need - 1e-9:
            continue
        lower = rest
        tip_d = ""
        if d_shift is not None and not d_shift.overnight:
            d_rest = 24 - d_shift.hours
            if d_rest < lower:
                lower = d_rest
                tip_d = (f"; two day shifts {DAY_SHIFT} in a row ({d_shift.start:%H:%M}-{d_shift.end:%H:%M}), as a "
                         f"recruit without his supervisor on two practice days works, leave {d_rest:g} h")
        rows = [ctx.rows.rule("min_rest_hours")]
        rows.append(ctx.rows.of(c) if c.school_day_start or c.school_day_end else ctx.rows.rule("school_day"))
        out.append(Finding(
            "R4+R9",
            f"Class {c.id} has school on two days in a row in every full week of {_phase_text(phases[0])}"
            f"{' and the other weekly phases' if len(phases) > 1 else ''} (R4: {phases[0].school_days_per_week} "
            f"school days and {phases[0].practice_days_per_week} consecutive practice days in five weekdays), and "
            f"a school day {start:%H:%M}-{end:%H:%M} leaves {rest:g} h until the next one starts: less than "
            f"min_rest_hours = {need:g} (R9).",
            sort_rows(rows),
            f"Lower min_rest_hours to {lower:g} (two school days in a row leave {rest:g} h{tip_d}), or shorten "
            f"the school day.",
        ))
    return out


# ---------------------------------------------------------------------------------------
# closures long enough to be a slip in the year (warning)
# ---------------------------------------------------------------------------------------
LONG_CLOSURE_DAYS = 100
"""A closure longer than this (the summer break is about 60 days) is likely a year typo.
The loader refuses spans over ten years; between the two it is a warning."""


def check_long_closures(ctx: _Ctx) -> list[Finding]:
    """Warnings for closures of more than :data:`LONG_CLOSURE_DAYS` days: a school shut for
    months is rare, a year typed wrong in ``end`` is not (``2028-08-28`` for ``2026-08-28``)."""
    out = []
    for c in ctx.inst.closures:
        days = (c.end - c.start).days + 1
        if days > LONG_CLOSURE_DAYS:
            where = f"school {c.school_id}" if c.school_id else "every school"
            out.append(Finding(
                "R3",
                f"The closure {c.reason or '(no reason)'!r} from {c.start} to {c.end} shuts {where} for {days} days; "
                f"no school can be planned in it.",
                [ctx.rows.of(c)],
                "Check the years of start and end.",
                fatal=False,
            ))
    return out


# ---------------------------------------------------------------------------------------
# a recruit's own recruit period wholly outside the phase's dates (warning)
# ---------------------------------------------------------------------------------------
def check_recruit_periods(ctx: _Ctx) -> list[Finding]:
    """Warnings for a recruit whose own recruit period (``recruit_period_start``/``_end``)
    shares no date with the recruit period phase: legal (a longer period starts earlier,
    README), but a whole period apart from his class's is more often a month typed wrong."""
    inst = ctx.inst
    practice = sorted((p for p in inst.phases if p.kind == "practice"), key=lambda p: p.start)
    if not practice:
        return []
    phase, out = practice[0], []
    for r in inst.recruits:
        if r.recruit_period_start is None and r.recruit_period_end is None:
            continue
        start, end = inst.recruit_phase_window(r.id, phase)
        if end < phase.start or start > phase.end:
            out.append(Finding(
                "R10",
                f"Recruit {r.id}'s own recruit period, {start} to {end}, shares no date with phase {phase.id} "
                f"({phase.start} to {phase.end}): he practises then, apart from the rest of the recruit period.",
                sort_rows([ctx.rows.of(r), ctx.rows.phase(phase, "start")]),
                "Check recruit_period_start and recruit_period_end (recruits.csv).",
                fatal=False,
            ))
    return out


# ---------------------------------------------------------------------------------------
# R8: a supervisor who never works in a phase (warning)
# ---------------------------------------------------------------------------------------
def check_supervisor_rosters(ctx: _Ctx) -> list[Finding]:
    """R8 (warning): a reachable supervisor whose roster (and absences) give him no allowed
    shift on any day of a phase: a recruit placed with him would never work with him."""
    inst, dom, out = ctx.inst, ctx.dom, []
    reach: dict[str, list[str]] = defaultdict(list)
    for r in inst.recruits:
        for s in inst.reachable_supervisors(r.id):
            reach[s.id].append(r.id)
    found: dict[str, list[tuple[Phase, str]]] = defaultdict(list)  # supervisor -> (phase, why)
    for p in ctx.phases:
        practice: dict[str, set[date]] = {r.id: set(dom.practice_days(r.id, p)) for r in inst.recruits}
        for s in inst.supervisors:
            if s.id not in reach:
                continue
            days = set().union(*(practice[r] for r in reach[s.id]))
            works = [d for d in sorted(days) if (code := dom.supervisor_works(s.id, d)) and dom.allowed_shift(code, p)]
            if works or not days:
                continue
            on_roster = [d for d in sorted(days) if inst.supervisor_shift(s.id, d)]
            if not on_roster:
                why = "off"
            elif all(inst.is_absent(s.id, d) for d in on_roster):
                why = "absent"
            else:
                why = "night"
            found[s.id].append((p, why))
    groups: dict[tuple, list[str]] = defaultdict(list)
    for s_id, items in found.items():
        key = (inst.supervisor[s_id].roster_id, tuple(sorted({w for _, w in items})), tuple(p.id for p, _ in items))
        groups[key].append(s_id)
    texts = {
        "off": "the roster has no shift on any day on which a recruit within reach may practise",
        "absent": "they are absent on every day their roster has a shift",
        "night": "the roster's only shifts there are night shifts, and allow_night is false",
    }
    for (roster_id, whys, phase_ids), sups in sorted(groups.items()):
        people = [inst.supervisor[x] for x in sups]
        names = ", ".join(f"{x.id} ({x.name})" for x in people)
        phases = [inst.phase[q] for q in phase_ids]
        span = ", ".join(_phase_text(q) for q in phases)
        absences = [a for a in inst.absences if a.person_id in set(sups)
                    and any(a.start <= q.end and a.end >= q.start for q in phases)]
        rows = [ctx.rows.of(x) for x in people] + [ctx.rows.of(inst.roster[roster_id])]
        rows += [ctx.rows.of(a) for a in absences]
        who = "Supervisor" if len(people) == 1 else "Supervisors"
        out.append(Finding(
            "R8",
            f"{who} {names} on roster {roster_id} {'has' if len(people) == 1 else 'have'} no working day "
            f"in {span}: {'; '.join(texts[w] for w in whys)}. A recruit placed with "
            f"{'him' if len(people) == 1 else 'one of them'} would work every practice day without his supervisor.",
            sort_rows(rows),
            f"Check roster_start and roster {roster_id}, or leave {'him' if len(people) == 1 else 'them'} out "
            "of these phases.",
            fatal=False,
        ))
    return out


FORMULA_START = ("=", "+", "-", "@")
"""First characters that make a spreadsheet read a CSV cell as a formula."""


def check_spreadsheet_ids(ctx: _Ctx) -> list[Finding]:
    """The plan files (warning): ids that start like a spreadsheet formula. They are
    written as they are (other tools read the files), but Excel or LibreOffice opening
    ``assignments.csv`` may take ``=R1`` for a formula and show or run something else."""
    inst = ctx.inst
    items = [*inst.schools, *inst.classes, *inst.teachers, *inst.sites, *inst.wards, *inst.supervisors, *inst.recruits]
    odd = [x for x in items if x.id.startswith(FORMULA_START)]
    if not odd:
        return []
    return [Finding(
        "§4",
        f"{len(odd)} id(s) start with =, +, - or @ ({', '.join(x.id for x in odd[:8])}"
        f"{', ...' if len(odd) > 8 else ''}): they go into the plan's CSV files as they are, where a "
        "spreadsheet opening them may read such a cell as a formula.",
        sort_rows([ctx.rows.of(x) for x in odd]),
        "Start ids with a letter or a digit.",
        fatal=False,
    )]


CHECKS: tuple[Callable[[_Ctx], list[Finding]], ...] = (
    check_travel,
    check_places,
    check_class_on_wards,
    check_school_days,
    check_teachers,
    check_weekly_pattern,
    check_rest_between_school_days,
    check_practice_weeks,
    check_weekly_hours,
    check_practice_ward_days,
    check_supervisor_rosters,
    check_long_closures,
    check_recruit_periods,
    check_spreadsheet_ids,
)
"""Every pre-check, in the order its findings are reported."""


def precheck(instance: Instance) -> list[Finding]:
    """Check necessary conditions for a plan before solving.

    Args:
        instance: A validated instance.

    Returns:
        Every finding, fatal ones (the instance cannot be planned) first, then warnings.
    """
    ctx = _Ctx(instance)
    found = [f for check in CHECKS for f in check(ctx)]
    return [f for f in found if f.fatal] + [f for f in found if not f.fatal]

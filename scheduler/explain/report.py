"""Explain a written plan: its objective by soft goal and by recruit, with reasons.

Reads a plan folder (``plan.json`` with ``breakdown`` and ``per_recruit``,
``assignments.csv``, ``recruit_calendar.csv``) and, when the instance is given, says for
each costly recruit why he travels further than to his nearest reachable site (that
site's supervisors were taken) and why he has days without his supervisor (the
supervisor was off by roster, absent, on a night shift, or his shift would have broken
the recruit's rest or weekly hours).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from models import DAY_SHIFT, Instance, PlanFileError, iso_week
from models.plan import ASSIGNMENT_COLUMNS, CALENDAR_COLUMNS, read_plan_json
from models.score import COUPLING_GOALS, school_stretches, units
from scheduler.explain.findings import Rows

__all__ = ["explain_plan", "gap_lines", "goal_table", "long_block_lines", "read_tables", "recruit_table", "shared_costs",
           "without_reasons"]

TIME_FORMAT = "%Y-%m-%dT%H:%M"


_PLAN_JSON_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "breakdown": (dict, "an object"), "kpis": (dict, "an object"), "per_recruit": (dict, "an object"),
    "explanation": (list, "a list"), "objective": ((int, float), "a number"),
    "best_bound": ((int, float), "a number"), "gap": ((int, float), "a number"),
}
"""What ``explain`` reads from plan.json: key -> (kind, the kind in words); null is allowed."""


def read_tables(plan_dir: str | Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """plan.json, assignments.csv and recruit_calendar.csv of a plan folder.

    The CSV tables are empty (with their columns) when the plan folder has none, as for
    an infeasible instance. Raises :class:`~models.PlanFileError` for a folder that is
    not a plan folder or a file that cannot be read.
    """
    folder = Path(plan_dir)
    try:
        meta = read_plan_json(folder)
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"cannot read plan.json in {folder}: {exc}") from exc
    if not isinstance(meta, dict):
        raise PlanFileError(f"plan.json in {folder} is not a JSON object")
    wrong = [f"'{k}' is not {words}" for k, (kind, words) in _PLAN_JSON_KINDS.items()
             if meta.get(k) is not None and (not isinstance(meta[k], kind) or isinstance(meta[k], bool))]
    for key in ("breakdown", "per_recruit"):  # objects of objects
        if isinstance(meta.get(key), dict):
            wrong += [f"'{key}.{k}' is not an object" for k, v in meta[key].items() if not isinstance(v, dict)]
    phases = meta["kpis"].get("phases") if isinstance(meta.get("kpis"), dict) else None
    if phases is not None and not (isinstance(phases, list) and all(isinstance(p, dict) for p in phases)):
        wrong.append("'kpis.phases' is not a list of objects")
    if wrong:
        raise PlanFileError(f"plan.json in {folder}: " + ", ".join(wrong))

    def table(name: str, columns: list[str]) -> pd.DataFrame:
        path = folder / name
        if not path.exists():
            return pd.DataFrame(columns=columns)
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise PlanFileError(f"cannot read {name}: {exc}") from exc
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise PlanFileError(f"{name}: missing column(s) {', '.join(missing)}")
        return df

    return meta, table("assignments.csv", ASSIGNMENT_COLUMNS), table("recruit_calendar.csv", CALENDAR_COLUMNS)


def goal_table(meta: dict) -> pd.DataFrame:
    """The objective by soft goal: goal, label, count, weight, cost and share of the total."""
    rows = []
    for goal, item in (meta.get("breakdown") or {}).items():
        if not isinstance(item, dict):
            continue
        rows.append({
            "goal": goal, "label": item.get("label", goal), "count": item.get("count", 0),
            "weight": item.get("weight", 0.0), "cost": float(item.get("cost", 0.0) or 0.0),
        })
    df = pd.DataFrame(rows, columns=["goal", "label", "count", "weight", "cost"])
    total = df["cost"].sum() if len(df) else 0.0
    df["share"] = (100 * df["cost"] / total).round(1) if total else 0.0
    return df.sort_values(["cost", "goal"], ascending=[False, True], kind="stable").reset_index(drop=True)


def gap_lines(meta: dict) -> list[str]:
    """Why plan and bound differ, from ``plan.json`` alone: where the bound comes from, what
    the goals it leaves out cost in the plan, and each phase's bound. Empty for a plan proven
    optimal or without a bound."""
    objective, bound = meta.get("objective"), meta.get("best_bound")
    if meta.get("status") != "FEASIBLE" or objective is None or bound is None or objective <= bound + 1e-6:
        return []
    gap = objective - bound
    phases = [p for p in (meta.get("kpis") or {}).get("phases") or [] if isinstance(p, dict)]
    total = sum(float(p.get("bound") or 0.0) for p in phases)
    out = [f"Why the gap: objective {objective:g} - bound {bound:g} = {gap:g}"]
    breakdown = meta.get("breakdown") or {}
    unsaved = 0.0  # of the saving a negative continuity weight allows, what the plan does not make
    joint = (meta.get("kpis") or {}).get("joint_bound")
    raised = 0.0  # what the practice phases' joint bound adds to the sum of the phases' bounds
    if isinstance(joint, dict) and phases:
        raised = max(0.0, float(joint.get("bound") or 0.0) - float(joint.get("phases_bound") or 0.0))
    if raised > 0:
        names = ", ".join(str(p) for p in joint.get("phases") or [])
        goals = joint.get("goals") or ["supervisor_change", "alone_at_site"]
        what = " and ".join(t for g, t in (("supervisor_change", "supervisor changes between consecutive practice "
                                                                 "phases"),
                                           ("alone_at_site", "recruits alone at a site in them")) if g in goals)
        found = (f"its best placements have {joint.get('supervisor_changes', 0)} changes and "
                 f"{joint.get('alone_at_site', 0)} recruits alone" if joint.get("solved")
                 else "its MIP was not solved: this is its dual bound or linear relaxation")
        out.append(f"  The practice phases' joint bound ({names}) adds {raised:g} to the sum of their bounds: it "
                   f"counts {what} ({found}).")
        total += raised

    def weight(goal: str) -> float:
        return float((breakdown.get(goal) or {}).get("weight") or 0.0)

    # what the joint bound's best placements pay for the two goals (part of the bound)
    # (not more than it adds: the phases' own bounds may be above its parts, see kpis.joint_bound)
    counted = 0.0
    if raised > 0 and joint.get("solved"):
        counted = min(raised, max(0.0, weight("supervisor_change")) * float(joint.get("supervisor_changes") or 0)
                      + max(0.0, weight("alone_at_site")) * float(joint.get("alone_at_site") or 0))
    elif raised > 0:
        counted = raised  # unsolved: what it adds, all from the two goals
    if phases and abs(total - bound) <= 1e-3 * max(1.0, abs(bound)):
        out.append("  The bound is the sum of the phases' bounds" + (" with that." if raised > 0 else "."))
    elif phases and bound > total:
        out.append(f"  The bound is the whole-year model's (CP-SAT), above the sum of the phases' bounds ({total:g}).")
    elif phases:
        saved = -float((breakdown.get("supervisor_change") or {}).get("cost") or 0.0)
        unsaved = max(0.0, (total - bound) - saved)
        out.append(f"  The bound is the sum of the phases' bounds ({total:g}) less the most a negative "
                   f"supervisor_change weight could save ({total - bound:g}); the plan saves {saved:g}, "
                   f"so {unsaved:g} of the gap is changes of supervisor it does not make.")
    costs = {g: float((breakdown.get(g) or {}).get("cost") or 0.0) for g in COUPLING_GOALS}
    costs = {g: c for g, c in costs.items() if c > 0}
    left = sum(costs.values())
    if costs:
        out.append(f"  The phases' bounds leave out what couples recruits or phases; in this plan that "
                   f"costs {left:g}: " + ", ".join(f"{g} {c:g}" for g, c in costs.items())
                   + (" (a share of weekend_fairness is counted where some recruit cannot work weekends)"
                      if "weekend_fairness" in costs else "")
                   + (f"; the joint bound above counts {counted:g} of it" if counted > 0 else "") + ".")
        left -= counted
    if left + unsaved < gap - 1e-6:
        out.append(f"  The other {gap - left - unsaved:g} or so lies in the phases themselves: ward capacity in "
                   "block practice weeks, rest across weeks and phases, roster shifts a week cannot "
                   "follow, and calendar searches left unproven.")
    elif left + unsaved > gap + 1e-6:  # (an audit found the account not adding up without this)
        out.append(f"  These goals cost {left + unsaved - gap:g} more than the gap: the phases' bounds count a "
                   "share of them too (the weekend share where a recruit cannot work weekends, or a cost of "
                   "the plan they count in another way).")
    scope = (meta.get("kpis") or {}).get("bound_scope")
    if isinstance(scope, str) and scope != "year":
        out.append(f"  The bound holds for the plans of its scope only ({scope}, kpis.bound_scope): re-planning "
                   "keeps what was published.")
    for p in phases:
        proven = "its search proven" if p.get("calendar_search_proven") else (
            "its search not proven: the bound is the smallest open node's")
        again = ("; its calendars from a second search with continuity to the phase before"
                 if p.get("calendars_searched_again") else "")
        out.append(f"  phase {p.get('phase')}: bound {float(p.get('bound') or 0.0):g} ({proven}{again})")
    return out


# ---------------------------------------------------------------------------------------
# reasons
# ---------------------------------------------------------------------------------------
def _dt(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except (TypeError, ValueError):
        return None


def _counted_minutes(inst: Instance, row) -> float:
    """The minutes a calendar row counts towards its week's hours (D7)."""
    if row["shift_code"] in inst.shift:
        return inst.shift_minutes(row["shift_code"], date.fromisoformat(row["date"]))
    if row["start_dt"] is None or row["end_dt"] is None:
        return 0.0
    return inst.counted_minutes(row["start_dt"], row["end_dt"])


def _indexed(calendar: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], pd.DataFrame, Counter]:
    """recruit_calendar.csv with its times parsed (``start_dt``, ``end_dt``), each recruit's
    rows in time order, the practice rows, and the recruits on each (ward, date)."""
    cal = calendar.copy()
    cal["start_dt"] = cal["start"].map(_dt)
    cal["end_dt"] = cal["end"].map(_dt)
    by_recruit = {r: g.sort_values("start") for r, g in cal.groupby("recruit_id")}
    practice_rows = cal[cal["activity"] == "practice"]
    on_ward = Counter(zip(practice_rows["ward_id"], practice_rows["date"], strict=True))
    return cal, by_recruit, practice_rows, on_ward


def without_reasons(inst: Instance, calendar: pd.DataFrame) -> pd.DataFrame:
    """Why each practice day without supervisor is one (SPEC R8, D9).

    Returns one row per such day: recruit_id, date, supervisor_id, reason, row (the
    instance row that explains it, when there is one).
    """
    rows = Rows(inst)
    cal, by_recruit, practice_rows, on_ward = _indexed(calendar)
    busy = set(zip(cal["recruit_id"], cal["date"], strict=True))
    out = []
    for _, a in cal[(cal["activity"] == "practice") & (cal["with_supervisor"] == "false")].iterrows():
        r, s = a["recruit_id"], a["supervisor_id"]
        try:
            d = date.fromisoformat(a["date"])
        except ValueError:
            continue
        kind, reason, where = "none", "no reason found: his shift was possible (the plan may be improvable)", ""
        phase = inst.phase.get(a["phase_id"])
        if s not in inst.supervisor:
            kind, reason = "unknown", f"supervisor {s} is not in the instance"
        elif inst.is_absent(s, d):
            kind, reason = "absent", "supervisor absent"
            where = next((rows.of(x) for x in inst.absences if x.person_id == s and x.start <= d <= x.end), "")
        elif (code := inst.supervisor_shift(s, d)) is None:
            kind, reason = "off", "supervisor off by roster"
            where = rows.roster_week(s, d)  # the week's row of his roster
            full, free = _full_ward_days(inst, r, s, d, phase, on_ward, busy)
            if full and not free:  # every shift of his the recruit could follow instead: no room (R2)
                ward = inst.ward[inst.supervisor[s].ward_id]
                kind, reason = "full", (f"supervisor off by roster; the other shifts of his that week the recruit "
                                        f"could follow fell on days his ward {ward.id} was full (capacity "
                                        f"{ward.capacity}: {', '.join(full)})")
                where = rows.of(ward)
        elif code not in inst.shift:
            kind, reason = "unknown", f"supervisor's shift {code} is unknown"
        elif phase is not None and inst.shift[code].is_night and not phase.allow_night:
            kind, reason = "night", f"supervisor on night shift {code} (allow_night is false)"
            where = rows.phase(phase, "allow_night")  # its line, or the phase's header when left out (false)
        else:
            clash = _rest_clash(inst, by_recruit[r], d, code, skip=a["date"])
            over = _over_hours(inst, by_recruit[r], d, code, a["phase_id"], phase, minus=DAY_SHIFT)
            if clash is not None:
                kind, reason, where = "rest", clash, rows.rule("min_rest_hours")
            elif over is not None:
                kind, reason, where = "hours", over, rows.phase(phase, "max_hours_per_week")
        out.append({"recruit_id": r, "date": a["date"], "supervisor_id": s, "kind": kind, "reason": reason,
                    "row": where})
    return pd.DataFrame(out, columns=["recruit_id", "date", "supervisor_id", "kind", "reason", "row"])


def _rest_clash(inst: Instance, mine: pd.DataFrame, d: date, code: str, skip: str | None = None) -> str | None:
    """Why the recruit could not work shift ``code`` on ``d``: the activity of his (of the
    rows ``mine``, but the one dated ``skip``) within two days that leaves less than
    ``min_rest_hours`` (D6: from the end of the one that starts first to the start of the
    other, negative when they overlap), in words; None when none does."""
    start, end = inst.shift[code].window(d)
    rest = inst.rules.min_rest_hours * 60  # real minutes (D6)
    for _, b in mine.iterrows():
        if b["date"] == skip or b["start_dt"] is None or b["end_dt"] is None:
            continue
        gap = (date.fromisoformat(b["date"]) - d).days
        if abs(gap) > 2 or gap == 0:
            continue
        left = inst.elapsed_minutes(b["end_dt"], start) if b["start_dt"] < start else inst.elapsed_minutes(
            end, b["start_dt"])
        if left < rest:
            when = {-2: "two days before", -1: "the day before", 1: "the next day", 2: "two days later"}[gap]
            return (f"his shift {code} {start:%H:%M}-{end:%H:%M} would break {inst.rules.min_rest_hours:g} h rest "
                    f"with the recruit's {b['activity']} {when}" + (" (it would overlap it)" if left < 0 else ""))
    return None


def _over_hours(inst: Instance, mine: pd.DataFrame, d: date, code: str, phase_id: str, phase,
                minus: str | None = None) -> str | None:
    """Why the recruit could not work shift ``code`` on ``d``: it would take his week over
    ``max_hours_per_week`` (D7: this phase's shifts of the ISO week; ``minus``: a shift of
    that day it would replace). None when it would not, or the phase has no cap."""
    limit = phase.max_hours_per_week if phase is not None else None
    if limit is None or code == minus:
        return None
    week = iso_week(d)
    same = mine[(mine["activity"] == "practice") & (mine["phase_id"] == phase_id)]
    minutes = sum(_counted_minutes(inst, b) for _, b in same.iterrows()
                  if iso_week(date.fromisoformat(b["date"])) == week)
    extra = inst.shift_minutes(code, d) - (inst.shift_minutes(minus, d) if minus else 0)
    if minutes + extra > limit * 60:
        return f"his shift {code} would take the week over max_hours_per_week = {limit:g}"
    return None


def missed_reasons(inst: Instance, calendar: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Why each roster shift the plan counts as not followed (``roster_shift_missed``, as
    models/score.py counts them: practice phases and block practice weeks) is one: the
    recruit worked that day without him (see the days without supervisor), or another of
    his activities leaves too little rest, the week's hours, or the ward full that day; else
    no rule stopped it: the plan's trade-off (fewer shifts than the roster where the week's
    minimum is met, fairer weekend and evening shifts). One row per shift: recruit_id,
    date, supervisor_id, kind, reason."""
    from types import SimpleNamespace

    from models.score import missed_shifts

    cal, by_recruit, practice_rows, on_ward = _indexed(calendar)
    # the plan as models/score.py counts it (the same shifts, by the same code)
    worked = {(a["recruit_id"], date.fromisoformat(a["date"])):
              SimpleNamespace(with_supervisor=a["with_supervisor"] == "true", shift_code=a["shift_code"])
              for _, a in practice_rows.iterrows()}
    schools = cal[cal["activity"] == "school"]
    school = {(c, date.fromisoformat(d)) for c, d in zip(schools["class_id"], schools["date"], strict=True)}
    sup_of = {(a["recruit_id"], a["phase_id"]): a["supervisor_id"] for _, a in assignments.iterrows()
              if a["supervisor_id"] in inst.supervisor}
    out = []
    for p in sorted(inst.phases, key=lambda p: p.start):
        for r, d, code, row in missed_shifts(inst, p, sup_of, worked, school):
            s = sup_of[(r, p.id)]
            ward = inst.ward[inst.supervisor[s].ward_id]
            mine = by_recruit.get(r, cal.iloc[0:0])
            if row is not None:
                kind, reason = "without", "he worked D without him that day (see the days without supervisor)"
            elif (clash := _rest_clash(inst, mine, d, code)) is not None:
                kind, reason = "rest", clash
            elif (over := _over_hours(inst, mine, d, code, p.id, p)) is not None:
                kind, reason = "hours", over
            elif on_ward[(ward.id, d.isoformat())] >= ward.capacity:
                kind, reason = "full", f"his ward {ward.id} was full that day (capacity {ward.capacity})"
            else:
                kind, reason = "choice", ("no rule stopped it: the plan's trade-off (the week's minimum met, "
                                          "weekend and evening shifts shared fairly)")
            out.append({"recruit_id": r, "date": d.isoformat(), "supervisor_id": s, "kind": kind, "reason": reason})
    return pd.DataFrame(out, columns=["recruit_id", "date", "supervisor_id", "kind", "reason"])


def _full_ward_days(inst: Instance, recruit_id: str, sup_id: str, day: date, phase, on_ward: Counter,
                    busy: set) -> tuple[list[str], list[str]]:
    """The dates of ``day``'s ISO week in the phase on which the supervisor works a shift the
    recruit may follow (not absent, no forbidden night) and the recruit has no activity:
    those on which the supervisor's ward already holds ``capacity`` recruits, and the
    others. When all are full, a day without supervisor on a day he is off stands in for
    one of them (R2), not for the roster."""
    if phase is None:
        return [], []
    ward = inst.ward[inst.supervisor[sup_id].ward_id]
    monday = day - timedelta(days=day.weekday())
    out, free = [], []
    for k in range(7):
        other = monday + timedelta(days=k)
        if other == day or not phase.contains(other) or (recruit_id, other.isoformat()) in busy:
            continue
        code = inst.supervisor_works(sup_id, other)
        if code is None or code not in inst.shift or (inst.shift[code].is_night and not phase.allow_night):
            continue
        if not inst.may_practise(recruit_id, phase, other):
            continue
        (out if on_ward[(ward.id, other.isoformat())] >= ward.capacity else free).append(other.isoformat())
    return out, free


def _travel_notes(inst: Instance, assignments: pd.DataFrame) -> dict[str, list[str]]:
    """Per recruit: placements further away than his nearest reachable site, and why."""
    notes: dict[str, list[str]] = {}
    taken: dict[tuple[str, str], list[str]] = {}
    for _, a in assignments.iterrows():
        taken.setdefault((a["phase_id"], a["supervisor_id"]), []).append(a["recruit_id"])
    for _, a in assignments.iterrows():
        r = a["recruit_id"]
        if r not in inst.recruit:
            continue
        sites: dict[str, list[str]] = {}
        for s in inst.reachable_supervisors(r):
            sites.setdefault(inst.ward[s.ward_id].site_id, []).append(s.id)
        if not sites:
            continue
        minutes, nearest = min((inst.travel_minutes(r, site), site) for site in sites)
        try:
            got = int(a["travel_minutes"])
        except ValueError:
            continue
        if got <= minutes or a["site_id"] == nearest:
            continue
        full = []
        recruit = inst.recruit[r]
        for s in sites[nearest]:
            by = [x for x in taken.get((a["phase_id"], s), []) if x != r]
            if len(by) >= inst.supervisor[s].max_recruits:
                full.append(f"{s} has {', '.join(by)}")
            else:
                ward = inst.ward[inst.supervisor[s].ward_id]
                avoided = f", his ward {ward.id} is {ward.ward_type}, which he avoids" if recruit.avoids(
                    ward.ward_type) else ""
                full.append(f"{s} has room ({len(by)}/{inst.supervisor[s].max_recruits}), "
                            f"{_followable_days(inst, s, a['phase_id'])}{avoided}")
        limit = inst.travel_limit(r)
        why = []  # the soft goals that speak for the placement taken (SPEC §3)
        if recruit.preferred_sites and a["site_id"] in recruit.preferred_sites and nearest not in recruit.preferred_sites:
            why.append(f"he prefers {a['site_id']} (preferred_sites)")
        others_there = [x for (p, s2), xs in taken.items() if p == a["phase_id"]
                        and s2 in inst.supervisor and inst.ward[inst.supervisor[s2].ward_id].site_id == nearest
                        for x in xs if x != r]
        if not others_there:
            why.append(f"no other recruit is at {nearest} in this phase (alone_at_site)")
        notes.setdefault(r, []).append(
            f"{a['phase_id']}: {a['site_id']} at {got} min instead of his nearest reachable site {nearest} at "
            f"{minutes} min (limit {limit})" + (f"; {'; '.join(why)}" if why else "") + f"; there: {'; '.join(full)}"
        )
    return notes


def _followable_days(inst: Instance, sup_id: str, phase_id: str) -> str:
    """How many days of the phase the supervisor works a shift a recruit may follow (not
    absent, and no night where the phase forbids them): a nearer supervisor with room but
    few such days is no better choice (``"works 12 of its 84 days"``)."""
    phase = inst.phase.get(phase_id)
    if phase is None:
        return "in an unknown phase"
    days = phase.dates()
    works = 0
    for d in days:
        code = inst.supervisor_works(sup_id, d)
        if code is not None and code in inst.shift and (phase.allow_night or not inst.shift[code].is_night):
            works += 1
    return f"works {works} of its {len(days)} days" + (
        " (his shifts there are nights, not allowed, or he is off or absent)" if works == 0 else "")


def _goal_costs(item: object) -> dict[str, float]:
    if not isinstance(item, dict):
        return {}
    return {g: float(c) for g, c in item.items() if isinstance(c, (int, float)) and not isinstance(c, bool)}


def _recruit_ids(
    meta: dict, assignments: pd.DataFrame, calendar: pd.DataFrame, instance: Instance | None = None
) -> list[str]:
    """The recruits of a plan: those placed or in the calendar, and the ``per_recruit``
    keys that are recruits (the instance's, else any key but ``class <id>``)."""
    per = meta.get("per_recruit") or {}
    ids = set(assignments["recruit_id"]) | set(calendar["recruit_id"])
    if instance is not None:
        ids |= {k for k in per if k in instance.recruit}
    else:
        ids |= {k for k in per if not str(k).startswith("class ")}
    return sorted(ids)


def shared_costs(
    meta: dict, assignments: pd.DataFrame, calendar: pd.DataFrame, instance: Instance | None = None
) -> dict[str, dict[str, float]]:
    """Costs no single recruit carries, by holder and goal.

    ``per_recruit`` keys that are not recruits (e.g. ``class K1`` for a class's unused
    school days in a short week) keep their own name; what is left of each goal's cost
    after every key of ``per_recruit`` (e.g. fairness, a spread over all recruits) is
    held by ``"the plan as a whole"``. Recruits' costs plus these give the objective.
    """
    per = meta.get("per_recruit") or {}
    recruits = set(_recruit_ids(meta, assignments, calendar, instance))
    out: dict[str, dict[str, float]] = {}
    carried: dict[str, float] = {}
    for key, item in per.items():
        costs = _goal_costs(item)
        for goal, cost in costs.items():
            carried[goal] = carried.get(goal, 0.0) + cost
        if key not in recruits and any(costs.values()):
            out[str(key)] = {g: c for g, c in costs.items() if c}
    rest = {}
    for goal, item in (meta.get("breakdown") or {}).items():
        if isinstance(item, dict) and isinstance(item.get("cost"), (int, float)):
            left = float(item["cost"]) - carried.get(goal, 0.0)
            if abs(left) > 1e-6:
                rest[goal] = round(left, 6)
    if rest:
        out["the plan as a whole"] = rest
    return out


def recruit_table(
    meta: dict, assignments: pd.DataFrame, calendar: pd.DataFrame, instance: Instance | None = None
) -> pd.DataFrame:
    """Cost per recruit (from ``per_recruit``), travel and days without supervisor.

    Only recruits: costs of a class or of the plan as a whole are in :func:`shared_costs`.
    """
    per = meta.get("per_recruit") or {}
    ids = _recruit_ids(meta, assignments, calendar, instance)
    practice = calendar[calendar["activity"] == "practice"]
    rows = []
    for r in ids:
        goals = _goal_costs(per.get(r))
        mine = assignments[assignments["recruit_id"] == r]
        travel = pd.to_numeric(mine["travel_minutes"], errors="coerce")
        days = practice[practice["recruit_id"] == r]
        top = sorted(goals.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        row = {
            "recruit": r,
            "cost": round(sum(goals.values()), 3),
            "main goals": ", ".join(f"{g} {c:g}" for g, c in top if c),
            "sites": " ".join(f"{p}:{s}" for p, s in zip(mine["phase_id"], mine["site_id"], strict=False)),
            "max travel": int(travel.max()) if len(travel.dropna()) else pd.NA,
            "practice days": len(days),
            "without supervisor": int((days["with_supervisor"] == "false").sum()),
        }
        if instance is not None and r in instance.recruit:
            reach = instance.reachable_supervisors(r)
            nearest = min((instance.travel_minutes(r, instance.ward[s.ward_id].site_id) for s in reach), default=None)
            row["nearest reachable"] = pd.NA if nearest is None else nearest
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["recruit", "cost"])
    for column in ("max travel", "nearest reachable"):  # whole minutes, blank when unknown
        if column in df:
            df[column] = df[column].astype("Int64")
    return df.sort_values(["cost", "recruit"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _fmt(df: pd.DataFrame) -> str:
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        return df.to_string(index=False)


def explain_plan(plan_dir: str | Path, instance: Instance | None = None, *, top: int = 10) -> str:
    """A text report: the objective by soft goal, the costliest recruits, and the reasons.

    Args:
        plan_dir: A plan folder written by ``write_plan``.
        instance: The instance that was planned; without it the report has the costs but
            not the reasons (nearest site, supervisor's roster and absences). For a folder
            without a plan, the explanation stored in ``plan.json`` is shown only without
            it (with it, the caller diagnoses the instance again).
        top: How many recruits to explain in detail.
    """
    meta, assignments, calendar = read_tables(plan_dir)
    figures = "".join(f", {name} {meta[key]}" for key, name in (("objective", "objective"), ("best_bound", "bound"),
                                                                   ("gap", "gap")) if meta.get(key) is not None)
    out = [f"Plan {plan_dir}: instance {meta.get('instance', '?')}, status {meta.get('status', '?')}{figures}"]
    if instance is not None and meta.get("instance") not in (None, instance.name):
        out.append(f"Warning: this plan was made for instance {meta.get('instance')!r}, not for "
                   f"{instance.name!r} given with --instance; the reasons below may not fit it.")
    if meta.get("status") not in ("OPTIMAL", "FEASIBLE"):
        out.append("No plan was made.")
        if instance is None:  # with the instance, the caller explains afresh (``diagnose``)
            out += [str(x) for x in meta.get("explanation") or []]
        return "\n".join(out)
    goals = goal_table(meta)
    out += ["", "Objective by soft goal (cost = weight x count):",
            _fmt(goals[goals["cost"] != 0]) if (goals["cost"] != 0).any() else "  every soft goal costs 0"]
    gap = gap_lines(meta)
    if gap:
        out += [""] + gap
    recruits = recruit_table(meta, assignments, calendar, instance)
    out += ["", f"Recruits by cost (top {min(top, len(recruits))} of {len(recruits)}):", _fmt(recruits.head(top))]
    shared = shared_costs(meta, assignments, calendar, instance)
    if shared:
        out += ["", "Costs no single recruit carries:"]
        out += [f"  {holder}: " + ", ".join(f"{g} {c:g}" for g, c in sorted(costs.items()))
                for holder, costs in shared.items()]
    parts = float(recruits["cost"].sum()) if len(recruits) else 0.0
    parts += sum(c for costs in shared.values() for c in costs.values())
    out.append(f"Recruits' costs plus these: {parts:g} (objective {meta.get('objective')}).")
    if instance is None:
        out += ["", "Give --instance to see why: nearest reachable sites, supervisors' rosters and absences."]
        return "\n".join(out)
    travel = _travel_notes(instance, assignments)
    reasons = without_reasons(instance, calendar)
    missed = missed_reasons(instance, calendar, assignments)
    out += ["", "Why:"]
    for r in recruits["recruit"].head(top):
        lines = [f"  travel {n}" for n in travel.get(r, [])]
        mine = reasons[reasons["recruit_id"] == r]
        if len(mine):
            sups = ", ".join(sorted(set(mine["supervisor_id"])))
            lines.append(f"  {len(mine)} day(s) without supervisor {sups}:")
            # one line per reason as worded (its shift, and the neighbouring activity for rest),
            # so that no day is said to have another day's reason
            counts = Counter(zip(mine["kind"], mine["reason"], strict=True))
            for (kind, reason), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                group = mine[(mine["kind"] == kind) & (mine["reason"] == reason)]
                dates = group["date"].tolist()
                where = sorted({w for w in group["row"] if w})
                shown = ", ".join(dates[:4]) + (f", … ({len(dates)} days)" if len(dates) > 4 else "")
                lines.append(f"    {n} x {reason} ({shown})" + (f" [{'; '.join(where)}]" if where else ""))
        skipped = missed[missed["recruit_id"] == r]
        if len(skipped):
            lines.append(f"  {len(skipped)} roster shift(s) of {', '.join(sorted(set(skipped['supervisor_id'])))} "
                         f"not followed (roster_shift_missed):")
            for reason, group in sorted(skipped.groupby("reason"), key=lambda kv: (-len(kv[1]), kv[0])):
                dates = group["date"].tolist()
                shown = ", ".join(dates[:4]) + (f", … ({len(dates)} days)" if len(dates) > 4 else "")
                lines.append(f"    {len(dates)} x {reason} ({shown})")
        if lines:
            out.append(f"{r}:")
            out += lines
    if out[-1] == "Why:":
        out.append("  nothing to explain: every recruit is at his nearest site and always with his supervisor.")
    out += long_block_lines(instance, meta, plan_dir)
    return "\n".join(out)


def long_block_lines(instance: Instance, meta: dict, plan_dir: str | Path) -> list[str]:
    """Why a block class has school blocks beyond the shortest (``long_school_block``, D21):
    its blocks (``kpis.blocks``), how many school weeks its stretches without practice have
    beyond the shortest block (a holiday does not end a stretch), and whether ``min_school_days`` needed the extra school
    weeks (the class has no more school days than it needs, give or take the long weeks'),
    else the practice weeks they replace would have cost more than the goal."""
    if units(instance, "long_school_block") <= 0:  # the weight as the model uses it (one decimal)
        return []  # long blocks cost nothing (or are wanted): nothing to explain
    blocks = (meta.get("kpis") or {}).get("blocks") or {}
    path = Path(plan_dir) / "class_calendar.csv"
    rows = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame()
    school = ({(c, date.fromisoformat(d)) for c, d in zip(rows["class_id"], rows["date"], strict=True)}
              if {"class_id", "date"} <= set(rows.columns) else set())
    out = []
    for cid, phases in sorted(blocks.items()):
        for pid, text in sorted(phases.items()):
            phase = instance.phase.get(pid)
            if phase is None or cid not in instance.klass:
                continue
            shortest = phase.school_block_weeks[0]
            extra = sum(max(0, n - shortest) for n in school_stretches(instance, phase, cid, school))
            if not extra:
                continue
            held = sum(1 for c, d in school if c == cid and phase.start <= d <= phase.end)
            spare = held - phase.min_school_days
            why = (f"min_school_days {phase.min_school_days} needs them: the class has {held} school days, "
                   f"about {held - 5 * extra} without them"
                   if spare < 5 * extra else
                   f"the class has {held} school days, {spare} above min_school_days "
                   f"{phase.min_school_days}: practice in those weeks would have cost more, in days "
                   f"without supervisor and missed roster shifts, than the long weeks do")
            out.append(f"  class {cid}, phase {pid}: {text}; {extra} school week(s) beyond "
                       f"{shortest} in a row without practice ({why}).")
    return ["", "School blocks beyond the shortest (long_school_block, D21):"] + out if out else []

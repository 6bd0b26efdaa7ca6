"""Benchmark the planner against the coordinator's hand-made plan on the bundled instances.

Usage::

    python benchmarks/run.py [--time-limit 60] [--workers 2] [--seed 0] [--instances tiny ...]

Each instance runs in its own child process, so that the peak memory (``ru_maxrss``) is
that instance's alone and a crash of the planner on one instance does not stop the report.
Per instance it prints load time, model build + solve wall time, status, objective, best
bound, gap, practice days, days without own supervisor (count and share), travel, peak
memory, the number of rule violations the independent validator finds
(``scheduler.validate.validate_plan``), the same figures for the coordinator's plan
(``benchmarks.baseline``), and a verdict against the bar:

* gap <= 1 % (or OPTIMAL), and
* wall time <= 60 s, and
* days without own supervisor <= 0.5 x the coordinator's.

A second solve, with only the days without own supervisor in the objective, proves the
fewest such days any plan can have (its best bound); when that floor is above half the
coordinator's, the last bar cannot be met on that instance by any planner, and the report
says so. ``--no-floor`` skips it.

The exit code is 0 whatever the outcome: this is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
MARKER = "BENCHMARK-RESULT:"

BAR_GAP = 0.01
"""Relative gap at or below which a non-optimal run counts as solved."""
BAR_WALL_SECONDS = 60.0
"""Model build + solve must finish within this many seconds."""
BAR_WITHOUT_RATIO = 0.5
"""Days without own supervisor: at most this share of the coordinator's."""


# ---- child: one instance ----------------------------------------------------------------
def without_floor(inst, time_limit: float, workers: int, seed: int) -> float | None:
    """The fewest days without own supervisor any plan can have, as far as the planner can
    prove: the best bound of a solve in which that goal weighs 1 and every other goal 0."""
    import dataclasses

    from models import DEFAULT_WEIGHTS
    from scheduler.solve import SolveOptions, solve

    weights = {g: 0.0 for g in DEFAULT_WEIGHTS}
    weights["without_supervisor"] = 1.0
    only = dataclasses.replace(inst, weights=weights)
    result = solve(only, options=SolveOptions(time_limit=time_limit, workers=workers, seed=seed))
    return result.best_bound


def measure(path: Path, time_limit: float, workers: int, seed: int, floor: bool = True) -> dict[str, Any]:
    """Load, plan by hand, solve and validate one instance; every figure in a plain dict.
    With ``floor``, also the proven fewest days without own supervisor (a second solve)."""
    import resource

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import models
    from benchmarks.baseline import coordinator_plan
    from models.kpis import kpis_of

    out: dict[str, Any] = {"instance": path.name}
    t = time.monotonic()
    inst = models.read(path)
    out["load_seconds"] = time.monotonic() - t
    out["recruit_phases"] = len(inst.recruits) * len(inst.phases)
    out["models"] = sorted({f"{p.id}:{p.kind if p.kind == 'practice' else inst.model_of(k.id, p)}"
                            for p in inst.phases for k in inst.classes})

    try:
        from scheduler.validate import validate_plan
    except ImportError as exc:
        validate_plan = None
        out["validator_missing"] = f"{type(exc).__name__}: {exc}"

    def violations(plan: models.Plan) -> dict[str, Any] | None:
        if validate_plan is None:
            return None
        found = validate_plan(inst, plan)
        return {"count": len(found), "by_rule": dict(Counter(v.rule for v in found)),
                "first": [v.message for v in found[:5]]}

    def figures(plan: models.Plan) -> dict[str, Any]:
        k = kpis_of(inst, plan)
        by_phase = Counter(a.phase_id for a in plan.activities
                           if a.activity == "practice" and a.with_supervisor is False)
        return {
            "practice_days": k["practice_days"],
            "without": k["practice_days_without_supervisor"],
            "share_without": k["share_without_supervisor"],
            "without_by_phase": {p.id: by_phase[p.id] for p in inst.phases},
            "mean_travel": k["mean_travel_minutes"],
            "max_travel": k["max_travel_minutes"],
            "assigned": len({(a.recruit_id, a.phase_id) for a in plan.assignments}),
            "violations": violations(plan),
        }

    t = time.monotonic()
    base = coordinator_plan(inst)
    out["baseline_seconds"] = time.monotonic() - t
    out["baseline"] = figures(base)

    try:
        from scheduler.solve import SolveOptions, solve

        t = time.monotonic()
        result = solve(inst, options=SolveOptions(time_limit=time_limit, workers=workers, seed=seed))
        out["wall_seconds"] = time.monotonic() - t
        out["status"] = result.status.value
        out["objective"] = result.objective
        out["best_bound"] = result.best_bound
        out["gap"] = result.gap
        out["explanation"] = result.explanation
        if result.plan is not None:
            out["planner"] = figures(result.plan)
    except Exception as exc:  # a report: say what broke and go on
        out["wall_seconds"] = time.monotonic() - t
        out["status"] = "ERROR"
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc(limit=-3)
    if floor and out.get("planner"):
        out["floor"] = without_floor(inst, time_limit, workers, seed)
    out["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return out


# ---- parent: run the children and report ----------------------------------------------------
def run_child(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path),
           "--time-limit", str(args.time_limit), "--workers", str(args.workers), "--seed", str(args.seed)]
    if args.no_floor:
        cmd.append("--no-floor")
    timeout = 4 * args.time_limit + 300
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"instance": path.name, "status": "ERROR",
                "error": f"the benchmark process did not finish within {timeout:g} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
    return {"instance": path.name, "status": "ERROR",
            "error": f"the benchmark process exited with code {proc.returncode}", "traceback": tail}


def verdict(res: dict[str, Any]) -> str:
    """``bar met`` or ``bar NOT met: <why>`` for one instance."""
    why = []
    planner, base = res.get("planner"), res.get("baseline")
    if planner is None:
        why.append(f"no plan (status {res.get('status')}{': ' + res['error'] if res.get('error') else ''})")
    else:
        gap = res.get("gap")
        if res.get("status") != "OPTIMAL" and (gap is None or gap > BAR_GAP):
            why.append(f"gap {_pct(gap)} > {_pct(BAR_GAP)}")
        if base is not None and planner["without"] > BAR_WITHOUT_RATIO * base["without"]:
            text = (f"{planner['without']} days without own supervisor > {BAR_WITHOUT_RATIO:g} x "
                    f"baseline {base['without']}")
            floor = res.get("floor")
            if floor is not None and floor > BAR_WITHOUT_RATIO * base["without"]:
                text += f" (no plan can have fewer than {_fewest(floor)}: proven bound)"
            why.append(text)
    wall = res.get("wall_seconds")
    if wall is not None and wall > BAR_WALL_SECONDS:
        why.append(f"wall {wall:.1f} s > {BAR_WALL_SECONDS:g} s")
    text = "bar met" if not why else "bar NOT met: " + "; ".join(why)
    v = (planner or {}).get("violations")
    if v is not None and v["count"]:
        text += f" (and the validator finds {v['count']} rule violation(s) in the plan)"
    return text


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f} %"


def _fewest(floor: float) -> int:
    """Days are whole: the fewest days a plan can have is the floor's bound rounded up."""
    return math.ceil(floor - 1e-6)


def _floor(floor: float | None) -> str:
    return "-" if floor is None else f"{_fewest(floor):,} (proven bound {_num(floor, 2)})"


def _num(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _without(f: dict[str, Any] | None) -> str:
    return "-" if f is None else f"{f['without']} ({_pct(f['share_without'])})"


def _violations(f: dict[str, Any] | None, missing: str | None) -> str:
    if missing:
        return "validator missing"
    if f is None or f["violations"] is None:
        return "-"
    v = f["violations"]
    rules = ", ".join(f"{r} {n}" for r, n in sorted(v["by_rule"].items()))
    return f"{v['count']}" + (f" ({rules})" if rules else "")


def rows(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, planner, baseline) rows of one instance's table."""
    p, b = res.get("planner"), res.get("baseline")
    missing = res.get("validator_missing")
    ratio = "-"
    if p is not None and b is not None:
        ratio = f"{p['without'] / b['without']:.3f}" if b["without"] else ("0/0" if not p["without"] else "inf")
    out = [
        ("phases", ", ".join(res.get("models", [])), ""),
        ("load time", f"{_num(res.get('load_seconds'), 2)} s", ""),
        ("build+solve wall / baseline time", f"{_num(res.get('wall_seconds'), 1)} s",
         f"{_num(res.get('baseline_seconds'), 2)} s"),
        ("status", str(res.get("status")), ""),
        ("objective", _num(res.get("objective")), ""),
        ("best bound", _num(res.get("best_bound")), ""),
        ("gap", _pct(res.get("gap")), ""),
        ("recruit-phases assigned", f"{p['assigned']}/{res['recruit_phases']}" if p else "-",
         f"{b['assigned']}/{res['recruit_phases']}" if b else "-"),
        ("practice days", str(p["practice_days"]) if p else "-", str(b["practice_days"]) if b else "-"),
        ("days without own supervisor", _without(p), _without(b)),
    ]
    for phase in (b or p or {}).get("without_by_phase", {}):
        out.append((f"  of which in phase {phase}", str(p["without_by_phase"][phase]) if p else "-",
                    str(b["without_by_phase"][phase]) if b else "-"))
    out += [
        ("ratio planner / baseline (without)", ratio, ""),
        ("fewest days without any plan can have", _floor(res.get("floor")), ""),
        ("travel mean / max (min)", f"{_num(p['mean_travel'], 2)} / {p['max_travel']}" if p else "-",
         f"{_num(b['mean_travel'], 2)} / {b['max_travel']}" if b else "-"),
        ("peak memory (ru_maxrss)", f"{_num(res.get('peak_memory_mb'), 0)} MB", ""),
        ("validator violations", _violations(p, missing), _violations(b, missing)),
    ]
    return out


def report(res: dict[str, Any]) -> None:
    """Print one instance's table and verdict (with ``rich`` when installed)."""
    title = f"{res['instance']}"
    table_rows = rows(res)
    line = f"{res['instance']}: {verdict(res)}"
    notes = []
    if res.get("validator_missing"):
        notes.append(f"scheduler.validate could not be imported ({res['validator_missing']}); "
                     f"violations not counted")
    if res.get("error"):
        notes.append(f"planner error: {res['error']}")
    if res.get("traceback"):
        notes.append(res["traceback"].rstrip())
    if res.get("explanation"):
        notes += [f"explanation: {e}" for e in res["explanation"]]
    first = ((res.get("planner") or {}).get("violations") or {}).get("first") or []
    notes += [f"  e.g. {m}" for m in first[:3]]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(f"\n== {title} ==")
        for name, planner, base in table_rows:
            print(f"{name:<38} {planner:<40} {base}")
        for n in notes:
            print(n)
        print(line)
        return
    console = Console(width=None if sys.stdout.isatty() else 130, highlight=False)
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("planner", overflow="fold")
    table.add_column("coordinator baseline", overflow="fold")
    for r in table_rows:
        table.add_row(*r)
    console.print(table)
    for n in notes:
        console.print(n, markup=False)
    style = "bold green" if line.split(": ", 1)[1].startswith("bar met") else "bold red"
    console.print(line, style=style, markup=False)


def instance_paths(names: list[str] | None) -> list[Path]:
    if not names:
        return sorted(p for p in INSTANCES.iterdir() if (p / "instance.toml").exists())
    out = []
    for n in names:
        p = Path(n)
        out.append(p if p.exists() else INSTANCES / n)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="solver time limit per instance, s")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--instances", nargs="*", help="instance names under instances/ or paths (default: all)")
    ap.add_argument("--no-floor", action="store_true",
                    help="skip the second solve that proves the fewest days without own supervisor")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        res = measure(Path(args.child), args.time_limit, args.workers, args.seed, floor=not args.no_floor)
        print(MARKER + json.dumps(res, default=str))
        return 0
    print(f"Benchmark: time limit {args.time_limit:g} s, {args.workers} worker(s), seed {args.seed}; bar: gap <= "
          f"{_pct(BAR_GAP)} (or OPTIMAL), wall <= {BAR_WALL_SECONDS:g} s, days without own supervisor <= "
          f"{BAR_WITHOUT_RATIO:g} x the coordinator's")
    verdicts = []
    for path in instance_paths(args.instances):
        if not (path / "instance.toml").exists() and path.suffix != ".xlsx":
            res = {"instance": path.name, "status": "ERROR", "error": f"no instance at {path}"}
        else:
            res = run_child(path, args)
        report(res)
        verdicts.append(f"{res['instance']}: {verdict(res)}")
    print("\nSummary")
    for v in verdicts:
        print(f"  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

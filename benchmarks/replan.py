"""Benchmark calm re-planning: how much a re-plan moves when one supervisor falls ill.

Usage::

    python benchmarks/replan.py [--time-limit 60] [--workers 2] [--seed 0] [--instances tiny ...]

Per bundled instance: plan it (the published plan); take the practice day with supervisor
nearest the middle of the last phase, and mark that supervisor absent for the whole ISO
week of it (the news arrives on its Monday); then re-plan three ways from the published
plan:

* ``afresh``: no ``--from`` at all (what planning the changed instance from scratch moves);
* ``--from``: plain re-planning (changed placements priced, published school days kept);
* ``--from --keep-until MONDAY``: the days before that Monday kept as they were.

For each it prints the rows that differ from the published plan (recruit days, class days,
placements), how many of them lie before the Monday, the people to tell, the objective, the
wall time, and the rule violations the independent validator finds (the kept rows are
checked too, ``KEEP``, for the last). The exit code is 0 whatever the outcome: a report.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: python benchmarks/replan.py
    sys.path.insert(0, str(ROOT))

from models import Absence, Instance, read  # noqa: E402
from models.plan import Plan  # noqa: E402
from scheduler.explain.changes import plan_changes  # noqa: E402
from scheduler.solve import SolveOptions, solve  # noqa: E402
from scheduler.validate import check_kept, validate_plan  # noqa: E402

INSTANCES = ROOT / "instances"


def illness(inst: Instance, plan: Plan) -> tuple[str, str, date]:
    """The supervisor to fall ill, his recruit, and the Monday of the week he is away: the
    practice day with supervisor nearest the middle of the last phase (then the first
    recruit), so that the illness does cost a day."""
    last = max(inst.phases, key=lambda p: p.start)
    middle = last.start + (last.end - last.start) / 2
    a = min((a for a in plan.activities if a.phase_id == last.id and a.activity == "practice" and a.with_supervisor),
            key=lambda a: (abs((a.date - middle).days), a.recruit_id))
    return a.supervisor_id, a.recruit_id, a.date - timedelta(days=a.date.weekday())


def figures(name: str, inst: Instance, published: Plan, plan: Plan | None, monday: date, wall: float,
            objective: float | None, keep: bool) -> str:
    if plan is None:
        return f"  {name:28s} no plan ({wall:.1f} s)"
    ch = plan_changes(published, plan)
    days = sum(map(len, ch.recruit_days.values()))
    school = sum(map(len, ch.class_days.values()))
    early = sum(d < monday for ds in ch.recruit_days.values() for d in ds) + \
        sum(d < monday for ds in ch.class_days.values() for d in ds)
    tell = len(ch.recruit_days.keys() | {p[0] for p in ch.placements})
    bad = validate_plan(inst, plan) + (check_kept(inst, published, plan, monday) if keep else [])
    return (f"  {name:28s} recruit days {days:4d}  class days {school:3d}  placements {len(ch.placements):2d}  "
            f"before the Monday {early:4d}  to tell: {tell} recruit(s), {len(ch.supervisors)} supervisor(s), "
            f"{len(ch.teachers)} teacher(s)  objective {objective:,.1f}  {wall:5.1f} s  violations {len(bad)}")


def run(path: Path, opts: SolveOptions) -> None:
    inst = read(path)
    first = solve(inst, options=opts)
    if first.plan is None:
        print(f"{path.name}: no published plan ({first.status.value})")
        return
    sup, recruit, monday = illness(inst, first.plan)
    ill = dataclasses.replace(inst, absences=(*inst.absences, Absence(sup, monday, monday + timedelta(days=6),
                                                                      "sykefravær")))
    print(f"{path.name}: published objective {first.objective:,.1f}; {sup} (supervisor of {recruit}) ill "
          f"{monday} to {monday + timedelta(days=6)}")
    for name, extra in (("afresh", {}), ("--from", {"published": first.plan}),
                        ("--from --keep-until", {"published": first.plan, "keep_until": monday})):
        t = time.monotonic()
        got = solve(ill, options=dataclasses.replace(opts, **extra))
        print(figures(name, ill, first.plan, got.plan, monday, time.monotonic() - t, got.objective,
                      "keep_until" in extra))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--instances", nargs="*", help="instance names under instances/ or paths (default: all)")
    args = ap.parse_args(argv)
    names = args.instances or sorted(p.name for p in INSTANCES.iterdir() if (p / "instance.toml").exists())
    opts = SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    for name in names:
        path = Path(name) if Path(name).exists() else INSTANCES / name
        run(path, opts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

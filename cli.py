"""Command line: read -> solve -> write, and validate. No model logic here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from models import InstanceError, PlanFileError, read


def _load(instance: str):
    try:
        return read(instance)
    except InstanceError as exc:
        click.echo(str(exc), err=True)
        click.echo("Nothing was planned and no plan folder was written.", err=True)
        sys.exit(2)


@click.group()
def main() -> None:
    """Menn i helse planner: match recruits to supervisors and build alternation calendars."""


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Plan folder to write.")
@click.option("--time-limit", default=60.0, show_default=True, help="Seconds for the solver.")
@click.option("--workers", default=2, show_default=True, help="CP-SAT search workers.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--gap", "relative_gap", default=0.0, show_default=True, help="Stop at this relative gap.")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of calendar texts.")
@click.option("--log/--no-log", default=False, help="Print CP-SAT's search log.")
def plan(instance, out_dir, time_limit, workers, seed, relative_gap, lang, log) -> None:
    """Plan INSTANCE (a folder or .xlsx workbook) into the plan folder --out."""
    from scheduler.export import write_plan
    from scheduler.progress import progress_printer
    from scheduler.solve import SolveOptions, solve
    from scheduler.validate import validate

    inst = _load(instance)
    with progress_printer(enabled=sys.stderr.isatty() and not log) as progress:
        opts = SolveOptions(
            time_limit=time_limit, workers=workers, seed=seed, relative_gap=relative_gap,
            log=log, progress=progress,
        )
        result = solve(inst, options=opts)
    out = write_plan(inst, result, out_dir, lang=lang)
    click.echo(f"{result.status.value}: objective {result.objective}, bound {result.best_bound}, "
               f"gap {result.gap}, {result.wall_seconds:.1f} s -> {out}")
    if result.plan is None:
        for line in result.explanation:
            click.echo(line, err=True)
        sys.exit(1)
    k = result.kpis
    click.echo(f"practice days {k['practice_days']}, without own supervisor "
               f"{k['practice_days_without_supervisor']} ({100 * k['share_without_supervisor']:.1f} %), "
               f"mean travel {k['mean_travel_minutes']} min")
    violations = validate(inst, Path(out))
    if violations:
        click.echo(f"The validator found {len(violations)} violation(s) in the written plan:", err=True)
        for v in violations:
            click.echo(f"  {v.rule}: {v.message}", err=True)
        sys.exit(3)


@main.command("validate")
@click.argument("instance", type=click.Path(exists=True))
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
def validate_cmd(instance, plan_dir) -> None:
    """Check a plan folder against every hard rule of SPEC.md, independently of the model."""
    from scheduler.validate import validate

    inst = _load(instance)
    try:
        violations = validate(inst, Path(plan_dir))
    except PlanFileError as exc:
        click.echo(f"cannot read the plan: {exc}", err=True)
        sys.exit(2)
    for v in violations:
        click.echo(f"{v.rule}: {v.message}")
    if violations:
        click.echo(f"{len(violations)} violation(s).", err=True)
        sys.exit(1)
    click.echo("The plan keeps every hard rule (R1-R12) and its calendars match.")


if __name__ == "__main__":
    main()

"""Command line: read -> solve -> write, and validate. No model logic here."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from models import Instance, InstanceError, PlanFileError, read

WRITE_SHARE = 0.2
"""Share of ``plan --time-limit`` kept for writing the calendars and validating the plan:
the solver's wall-clock guard is the rest (minus the time loading took), unless the
instance's size asks for more (:data:`WRITE_SECONDS`)."""

WRITE_SECONDS = 0.4
"""Seconds per 1,000 recruit-days (recruits x days of the phases) that writing the plan
folder and validating it take on the reference machine with two workers, a little rounded
up: Trondheim (about 18,800 recruit-days, 132 calendars) about 6.5 s, a 32-recruit audit
instance (11,900) about 4.2 s. With one worker the calendars are rendered in one process,
which takes half as long again."""


def _today():
    """Today's date by the machine's clock (a function, so that tests can set it)."""
    from datetime import date

    return date.today()


OVERRUN = 1.05
"""``plan`` says so when it took longer than this times ``--time-limit``."""


def _write_seconds(inst: Instance, workers: int) -> float:
    """About how long writing and validating a plan of ``inst`` takes (:data:`WRITE_SECONDS`)."""
    recruit_days = len(inst.recruits) * sum((p.end - p.start).days + 1 for p in inst.phases)
    return WRITE_SECONDS * recruit_days / 1000 * (1.5 if workers <= 1 else 1.0)


def _write_reserve(inst: Instance, time_limit: float, workers: int) -> float:
    """The seconds of ``--time-limit`` kept for writing and validating the plan."""
    return max(WRITE_SHARE * time_limit, _write_seconds(inst, workers))


def _load(instance: str):
    try:
        return read(instance)
    except InstanceError as exc:
        click.echo(str(exc), err=True)
        click.echo("Nothing was planned and no plan folder was written.", err=True)
        sys.exit(2)


def _as_date(_ctx: click.Context, _param: click.Parameter, value):
    """A click.DateTime option's value as a date (None stays None)."""
    return None if value is None else value.date()


@click.group()
def main() -> None:
    """Menn i helse planner: match recruits to supervisors and build alternation calendars."""


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Plan folder to write.")
@click.option("--time-limit", default=60.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds for the whole command (loading, solving, writing and validating).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Processes for the phase searches, CP-SAT workers and calendar rendering.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--gap", "relative_gap", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Stop at this relative gap.")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of calendar texts.")
@click.option("--log/--no-log", default=False, help="Print CP-SAT's search log.")
@click.option("--from", "published_dir", type=click.Path(exists=True, file_okay=False),
              help="Re-plan from this published plan folder: each recruit-phase placement that changes "
                   "costs `plan_change` (weight 50 unless [weights] says otherwise).")
@click.option("--keep-until", "keep_until", type=click.DateTime(formats=["%Y-%m-%d"]), callback=_as_date,
              help="With --from: keep every row of the published plan dated before this date (YYYY-MM-DD), and "
                   "the placements of the phases that started before it; plan only the days from it on.")
def plan(instance, out_dir, time_limit, workers, seed, relative_gap, lang, log, published_dir, keep_until) -> None:
    """Plan INSTANCE (a folder or .xlsx workbook) into the plan folder --out."""
    began = time.monotonic()
    from models import Result, Status
    from scheduler.explain import diagnose, precheck, render
    from scheduler.export import write_plan
    from scheduler.progress import progress_printer
    from scheduler.solve import SolveOptions, solve
    from scheduler.validate import validate

    if keep_until is not None and not published_dir:
        click.echo("--keep-until keeps rows of a published plan: give that plan with --from. Nothing was planned.",
                   err=True)
        sys.exit(2)
    inst = _load(instance)
    published = None
    if published_dir:
        from models import read_plan

        try:
            published = read_plan(published_dir)
        except (OSError, ValueError) as exc:
            status = _folder_status(Path(published_dir))
            why = (f"it holds no plan (plan.json has status {status})" if status in ("INFEASIBLE", "UNKNOWN")
                   else str(exc))
            click.echo(f"cannot read the published plan {published_dir}: {why}. Nothing was planned.", err=True)
            sys.exit(2)
        today = _today()
        if keep_until is None and any(a.date < today for a in published.activities):
            # the plan does not depend on the clock; only this warning does
            click.echo(f"warning: the published plan has days before today ({today}), and --from alone may change "
                       f"them where that is cheaper; add --keep-until {today} to keep the days that have been.",
                       err=True)
    target = Path(out_dir)
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / "plan.json").exists())):
        click.echo(f"{target} exists and is not a plan folder: --out must be a new or empty folder, or the "
                   f"folder of an earlier plan (which is then replaced). Nothing was planned.", err=True)
        sys.exit(2)
    findings = precheck(inst)
    for line in render([f for f in findings if not f.fatal]):
        click.echo(f"warning: {line}", err=True)
    if any(f.fatal for f in findings):
        # necessary conditions fail: say which rows, plan nothing
        result = Result(Status.INFEASIBLE, None, None, None, 0.0, None,
                         explanation=render([f for f in findings if f.fatal]))
    else:
        with progress_printer(enabled=sys.stderr.isatty() and not log) as progress:
            # the budgets follow --time-limit; the solver's clock stops early enough to leave
            # time for writing and validating the plan (_write_reserve)
            wall = max(1.0, time_limit - _write_reserve(inst, time_limit, workers) - (time.monotonic() - began))
            opts = SolveOptions(
                time_limit=time_limit, workers=workers, seed=seed, relative_gap=relative_gap,
                log=log, progress=progress, published=published, wall_limit=wall,
                keep_until=keep_until,
            )
            result = solve(inst, options=opts)
        if result.status == Status.INFEASIBLE and keep_until is None:
            # (with --keep-until the kept rows are what the diagnosis cannot see: the
            # conflicting ones are named already, and the explanation says what to try)
            click.echo("No plan keeps every rule; looking for the rules and rows in conflict...", err=True)
            left = max(5.0, time_limit - (time.monotonic() - began))
            result.explanation += render(diagnose(inst, left, phase_id=result.failed_phase))
        elif result.status == Status.UNKNOWN and time_limit - (time.monotonic() - began) >= MIN_PROOF_SECONDS:
            # the planner gave up within its work budget: the time left may prove that no
            # plan exists (a pre-check or a conflict of the rules), which then says why
            left = time_limit - (time.monotonic() - began)
            click.echo("No plan found; looking for a proof that none exists...", err=True)
            found = diagnose(inst, left, phase_id=result.failed_phase)
            if any(f.fatal for f in found):
                # proven: the planner's reason (its budget, the clock) gives way to the proof;
                # what it said after that (a --keep-until note) stays
                result.status = Status.INFEASIBLE
                phase = inst.phase.get(result.failed_phase) if result.failed_phase else None
                head = [f"Phase {phase.id} ({phase.start} to {phase.end}) has no plan."] if phase else []
                result.explanation = head + result.explanation[1:] + render([f for f in found if f.fatal])
            else:
                click.echo("No proof found in the time left: the status stays UNKNOWN.", err=True)
    if result.plan is None and published_dir and Path(out_dir).resolve() == Path(published_dir).resolve():
        # re-planning into the published folder itself: a failed run leaves the published
        # plan as it was (writing the INFEASIBLE plan.json would remove its tables and
        # calendars, and with them what --from reads on the next try)
        click.echo(f"{result.status.value}: no plan. The published plan in {out_dir} was left as it was.")
        for line in result.explanation:
            click.echo(line, err=True)
        _echo_overrun(began, time_limit, result, inst, workers)
        sys.exit(1)
    try:
        out = write_plan(inst, result, out_dir, lang=lang, workers=workers)
    except OSError as exc:  # the folder is left as it was (written atomically)
        click.echo(f"Could not write the plan to {out_dir}: {exc}. The folder is unchanged.", err=True)
        sys.exit(2)
    if result.plan is None:
        click.echo(f"{result.status.value}: no plan ({time.monotonic() - began:.1f} s), the reasons below -> {out}")
    else:
        bound = "none" if result.best_bound is None else result.best_bound
        gap = "none" if result.gap is None else result.gap
        click.echo(f"{result.status.value}: objective {result.objective}, bound {bound}, "
                   f"gap {gap}, {result.wall_seconds:.1f} s -> {out}")
    if result.plan is None:
        for line in result.explanation:
            click.echo(line, err=True)
        _echo_overrun(began, time_limit, result, inst, workers)
        sys.exit(1)
    k = result.kpis
    click.echo(f"practice days {k['practice_days']}, without own supervisor "
               f"{k['practice_days_without_supervisor']} ({100 * k['share_without_supervisor']:.1f} %), "
               f"mean travel {k['mean_travel_minutes']} min")
    if result.status == Status.FEASIBLE and result.gap is not None and result.gap > 0.01:
        click.echo(f"gap: what the bound leaves out and each phase's bound: python cli.py explain {out}")
    if k.get("bound_discarded") is not None:
        click.echo(f"warning: the planner's lower bound ({k['bound_discarded']}) came out above this plan's cost, "
                   "which is a fault of the planner, not of the instance: the plan is valid, but no bound is given. "
                   "Please report it with the instance.", err=True)
    for class_id, phases in (k.get("blocks") or {}).items():
        click.echo(f"blocks {class_id}: " + "; ".join(f"{p} {runs}" for p, runs in phases.items()))
    estimated = k.get("travel_estimated") or {}
    if estimated.get("placements"):
        click.echo(f"travel: {estimated['placements']} of {estimated['of']} placements without a travel.csv row, "
                   f"estimated: {estimated['method']}")
    _echo_weekly_rest(k["weekly_rest"])
    if published is not None:
        from scheduler.explain.changes import change_lines, plan_changes

        for line in change_lines(plan_changes(published, result.plan)):
            click.echo(line)
    violations = validate(inst, Path(out), published=published,
                          keep_until=keep_until)
    if violations:
        click.echo(f"The validator found {len(violations)} violation(s) in the written plan:", err=True)
        for v in violations:
            click.echo(f"  {v.message}", err=True)
        _mark_rejected(out, violations)
        _echo_overrun(began, time_limit, result, inst, workers)
        sys.exit(3)
    _echo_overrun(began, time_limit, result, inst, workers)


MIN_PROOF_SECONDS = 2.0
"""An UNKNOWN run with at least this much of --time-limit left spends it on the diagnosis,
which may prove that no plan exists (the status is then INFEASIBLE)."""


def _mark_rejected(out: Path, violations) -> None:
    """A plan the validator rejects stays for inspection, but its plan.json says so
    (``validator_violations``), so that no reader takes it for a valid plan."""
    from models.plan import PlanFileError, read_plan_json

    path = Path(out) / "plan.json"
    try:
        meta = read_plan_json(out)
        meta["validator_violations"] = [v.message for v in violations]
        part = path.with_name("plan.json.part")  # replaced in one step, as the folder was written
        part.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(part, path)
    except (OSError, ValueError, PlanFileError) as exc:
        click.echo(f"(plan.json could not be marked as rejected: {exc})", err=True)


def _echo_overrun(began: float, time_limit: float, result, inst, workers: int) -> None:
    """Say so when ``plan`` took longer than :data:`OVERRUN` times its ``--time-limit``, and
    where the time went."""
    took = time.monotonic() - began
    if took <= OVERRUN * time_limit:
        return
    solving = result.wall_seconds or 0.0
    parts = [f"solving {solving:.1f} s"]
    if solving > (1 - WRITE_SHARE) * time_limit:
        parts.append("each phase's day plan gets at least a second")
    need = _write_seconds(inst, workers)
    parts.append("the rest loading, writing and validating" + (
        f" (a {len(inst.recruits)}-recruit year takes about {need:.0f} s to write and validate)" if need >= 1 else ""))
    click.echo(f"note: the command took {took:.1f} s, more than --time-limit {time_limit:g} s ({'; '.join(parts)}): "
               f"give a larger --time-limit to keep within it.", err=True)


@main.command("validate")
@click.argument("instance", type=click.Path(exists=True))
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--from", "published_dir", type=click.Path(exists=True, file_okay=False),
              help="With --keep-until: the published plan the plan was re-planned from.")
@click.option("--keep-until", "keep_until", type=click.DateTime(formats=["%Y-%m-%d"]), callback=_as_date,
              help="With --from: also check that the plan keeps every published row before this date "
                   "(YYYY-MM-DD) and the placements of the phases started before it.")
def validate_cmd(instance, plan_dir, published_dir, keep_until) -> None:
    """Check a plan folder against every hard rule of SPEC.md, independently of the model."""
    from models.plan import read_plan, read_plan_json
    from scheduler.validate import validate

    if (published_dir is None) != (keep_until is None):
        click.echo("--from and --keep-until go together: the published plan and the date before which the plan "
                   "keeps its rows.", err=True)
        sys.exit(2)
    inst = _load(instance)
    published = None
    if published_dir is not None:
        try:
            published = read_plan(Path(published_dir))
        except (OSError, ValueError) as exc:
            click.echo(f"cannot read the published plan {published_dir}: {exc}", err=True)
            sys.exit(2)
    try:
        meta = read_plan_json(Path(plan_dir))  # a folder without a readable plan.json is no plan folder
    except (OSError, ValueError) as exc:
        click.echo(f"cannot read the plan: {exc}", err=True)
        sys.exit(2)
    if isinstance(meta, dict) and meta.get("status") in ("INFEASIBLE", "UNKNOWN"):
        # the planner's answer that there is no plan: nothing to check against the rules
        click.echo(f"no plan to validate: plan.json has status {meta['status']} (see its explanation, or "
                   f"`cli.py explain {plan_dir} --instance {instance}`)", err=True)
        sys.exit(2)
    try:
        violations = validate(inst, Path(plan_dir), published=published,
                              keep_until=keep_until)
    except PlanFileError as exc:
        click.echo(f"cannot read the plan: {exc}", err=True)
        sys.exit(2)
    for v in violations:
        click.echo(v.message)
    if violations:
        click.echo(f"{len(violations)} violation(s).", err=True)
        sys.exit(1)
    kept = f", and the published rows before {keep_until}" if keep_until is not None else ""
    click.echo(f"The plan keeps every hard rule (R1-R12) and its calendars match{kept}.")
    from models.kpis import short_weekly_rests

    _echo_weekly_rest(short_weekly_rests(inst, read_plan(Path(plan_dir))))


def _echo_weekly_rest(report: dict) -> None:
    """Name the recruit-weeks without the Working Environment Act's weekly rest (D20): a note,
    since SPEC.md does not make it a rule."""
    if not report["recruit_weeks"]:
        return
    click.echo(f"note: {report['recruit_weeks']} recruit-week(s) without {report['hours']} hours of rest in one "
               f"piece (the Working Environment Act's weekly rest; not a rule of SPEC.md, see D20):", err=True)
    for w in report["weeks"][:10]:
        click.echo(f"  {w['recruit_id']} in {w['week']}: longest rest in the week {w['longest_rest_hours']} h",
                   err=True)
    if report["recruit_weeks"] > 10:
        click.echo(f"  ... and {report['recruit_weeks'] - 10} more in plan.json kpis.weekly_rest", err=True)


# ---- calendar feeds (issue 4; feeds/README.md) ------------------------------------------------
_FEED_KINDS = ["recruit", "supervisor", "teacher", "class", "site"]
_BASE_URL_HELP = ("Public address of the feed service (links are built on it) [default: as the links folder was "
                  "last written, else http://127.0.0.1:8080].")
_SAVED = " [default: as the links folder was last written, else the first choice]."


def _feeds_db(db: str | None, beside: str | None = None, *, must_exist: bool = True) -> Path:
    if db:
        path = Path(db)
    elif beside is not None:
        path = Path(beside).resolve().parent / "feeds.sqlite"
    else:
        raise click.UsageError("give the feed database with --db (or FEEDS_DB)")
    if must_exist and not path.exists():
        raise click.UsageError(f"no feed database at {path}; publish a plan first")
    return path


def _folder_status(folder: Path) -> str | None:
    """The status in a plan folder's plan.json, or None when it cannot be read."""
    from models.plan import read_plan_json

    try:
        meta = read_plan_json(folder)
    except (OSError, ValueError):  # PlanFileError is a ValueError
        return None
    status = meta.get("status") if isinstance(meta, dict) else None
    return status if isinstance(status, str) else None


def _links_dir(links_out: str | None, db: Path) -> Path:
    return Path(links_out) if links_out else db.parent / "feed-links"


@main.group()
def feeds() -> None:
    """Calendar feeds: publish plan versions, hand out, rotate and revoke subscription links."""


@feeds.command("publish")
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("instance", type=click.Path(exists=True))
@click.option("--db", envvar="FEEDS_DB", help="Feed database [default: feeds.sqlite beside PLAN_DIR].")
@click.option("--links-out", type=click.Path(file_okay=False),
              help="Folder for links.csv and links.html [default: feed-links/ beside the database].")
@click.option("--base-url", envvar="FEEDS_BASE_URL", help=_BASE_URL_HELP)
@click.option("--keep", default=10, show_default=True, help="Published versions to keep.")
@click.option("--lang", type=click.Choice(["nb", "en"]), help="Language of the printable links page" + _SAVED)
@click.option("--qr", "qr_form", type=click.Choice(["webcal", "https"]),
              help="Which link form the QR codes carry" + _SAVED)
def feeds_publish(plan_dir, instance, db, links_out, base_url, keep, lang, qr_form) -> None:
    """Publish PLAN_DIR's calendars as a new version; new people get links."""
    from feeds import FeedStore, publish_plan, write_links
    from feeds.links import link_settings
    from feeds.publish import plan_feeds

    inst = _load(instance)
    db_path = _feeds_db(db, plan_dir, must_exist=False)
    try:  # before the database is opened: a plan without calendars creates none
        plan_feeds(plan_dir, inst)
    except FileNotFoundError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    with FeedStore(db_path) as store:
        try:
            report = publish_plan(store, plan_dir, inst, keep=keep)
        except FileNotFoundError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)
        out = _links_dir(links_out, db_path)
        how = link_settings(out, base_url=base_url, lang=lang, qr_form=qr_form)
        links = write_links(store, out, how["base_url"], report.issued, lang=how["lang"], qr_form=how["qr_form"])
    active = sum(1 for link in links if link.status == "active")
    click.echo(f"version {report.version_id} published at {report.published_at}: {report.feeds} feeds, "
               f"{report.changed} changed, {report.emptied} emptied (no longer in the plan) -> {db_path}")
    click.echo(f"{len(report.issued)} new link(s); {active} active link(s) written to "
               f"{out / 'links.csv'} and {out / 'links.html'} (keep them private)")


@feeds.command("rotate")
@click.argument("kind", type=click.Choice(_FEED_KINDS))
@click.argument("person_id")
@click.option("--db", envvar="FEEDS_DB", help="Feed database.")
@click.option("--links-out", type=click.Path(file_okay=False),
              help="Folder of links.csv/links.html [default: feed-links/ beside the database].")
@click.option("--base-url", envvar="FEEDS_BASE_URL", help=_BASE_URL_HELP)
@click.option("--lang", type=click.Choice(["nb", "en"]), help="Language of the printable links page" + _SAVED)
@click.option("--qr", "qr_form", type=click.Choice(["webcal", "https"]),
              help="Which link form the QR codes carry" + _SAVED)
def feeds_rotate(kind, person_id, db, links_out, base_url, lang, qr_form) -> None:
    """Give KIND PERSON_ID a new link; the old one stops working at once."""
    from feeds import FeedStore, feed_urls, write_links
    from feeds.links import link_settings

    db_path = _feeds_db(db)
    with FeedStore(db_path, create=False) as store:
        issued = _person_link(store.rotate, kind, person_id)
        out = _links_dir(links_out, db_path)
        how = link_settings(out, base_url=base_url, lang=lang, qr_form=qr_form)
        write_links(store, out, how["base_url"], [issued], lang=how["lang"], qr_form=how["qr_form"])
    https, webcal = feed_urls(how["base_url"], issued.token)
    click.echo(f"new link for {kind} {person_id} ({issued.name}):\n  {https}\n  {webcal}")
    click.echo(f"written to {out / 'links.csv'} and {out / 'links.html'}")


def _person_link(change, kind: str, person_id: str):
    """``change(kind, person_id)`` (the store's rotate or revoke); an unknown person is
    said on stderr with exit 2."""
    try:
        return change(kind, person_id)
    except KeyError as exc:
        click.echo(exc.args[0], err=True)
        sys.exit(2)


@feeds.command("revoke")
@click.argument("kind", type=click.Choice(_FEED_KINDS))
@click.argument("person_id")
@click.option("--db", envvar="FEEDS_DB", help="Feed database.")
@click.option("--links-out", type=click.Path(file_okay=False),
              help="Folder of links.csv/links.html [default: feed-links/ beside the database].")
@click.option("--base-url", envvar="FEEDS_BASE_URL", help=_BASE_URL_HELP)
def feeds_revoke(kind, person_id, db, links_out, base_url) -> None:
    """Stop KIND PERSON_ID's link (404 from now on) without making a new one."""
    from feeds import FeedStore, write_links
    from feeds.links import link_settings

    db_path = _feeds_db(db)
    with FeedStore(db_path, create=False) as store:
        revoked = _person_link(store.revoke, kind, person_id)
        out = _links_dir(links_out, db_path)
        if out.exists():
            how = link_settings(out, base_url=base_url)
            write_links(store, out, how["base_url"], lang=how["lang"], qr_form=how["qr_form"])
    click.echo(f"{kind} {person_id}: " + ("link revoked" if revoked else "had no active link"))


@feeds.command("list")
@click.option("--db", envvar="FEEDS_DB", help="Feed database.")
def feeds_list(db) -> None:
    """List published versions and every person's link status (never the links)."""
    from feeds import FeedStore

    with FeedStore(_feeds_db(db), create=False) as store:
        for vid, published, source, name in store.versions():
            click.echo(f"version {vid}  {published}  {name}  {source}")
        for p in store.people():
            when = p.token_created_at or p.revoked_at
            since = f" since {when}" if when else ""
            gone = "" if p.in_latest else "  (not in the latest plan: empty feed)"
            click.echo(f"{p.kind:<10} {p.person_id:<12} {p.status:<7}{since}  {p.name}{gone}")


@main.command("serve")
@click.argument("plans", type=click.Path(file_okay=False))
@click.option("--db", envvar="FEEDS_DB", help="Feed database [default: feeds.sqlite beside PLANS].")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option("--base-url", envvar="FEEDS_BASE_URL", default=None,
              help="Public address of the service [default: http://HOST:PORT].")
@click.option("--admin-secret-env", default="FEEDS_ADMIN_SECRET", show_default=True,
              help="Name of the environment variable holding the admin pages' bearer secret.")
@click.option("--links-dir", type=click.Path(file_okay=False),
              help="Folder of links.csv for the admin pages [default: feed-links/ beside the database].")
@click.option("--rate", default=10.0, show_default=True, help="Requests per second per client (0: no limit).")
@click.option("--burst", default=60, show_default=True, help="Requests a client may make at once.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
def serve(plans, db, host, port, base_url, admin_secret_env, links_dir, rate, burst, log_level) -> None:
    """Serve the published calendars of PLANS (a published plan folder) at /feeds/<token>.ics."""
    import logging
    import os

    from feeds.app import FeedConfig
    from feeds.server import run

    db_path = _feeds_db(db, plans)
    secret = os.environ.get(admin_secret_env) or None
    if secret is not None and len(secret) < 16:
        raise click.UsageError(f"the admin secret in {admin_secret_env} is too short (16 characters at least)")
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    config = FeedConfig(db=db_path, base_url=base_url or f"http://{host}:{port}", admin_secret=secret,
                        links_dir=_links_dir(links_dir, db_path), rate=rate, burst=burst)
    run(config, host=host, port=port, log_level=log_level)


# ---- explain a plan or an infeasible instance (issue 3) ---------------------------------------
@main.command("explain")
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--instance", "instance_path", type=click.Path(exists=True),
              help="The instance that was planned: adds the reasons (nearest sites, rosters, absences) "
                   "and, for an infeasible plan, the conflicting rules and rows.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0), help="Recruits to explain in detail.")
@click.option("--time-limit", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds for explaining an infeasible instance.")
def explain_cmd(plan_dir, instance_path, top, time_limit) -> None:
    """Break PLAN_DIR's objective down by soft goal and by recruit, and say why."""
    from models.plan import read_plan_json
    from scheduler.explain import diagnose, explain_plan

    inst = _load(instance_path) if instance_path else None
    try:
        meta = read_plan_json(plan_dir)
        click.echo(explain_plan(plan_dir, inst, top=top))
    except (PlanFileError, ValueError, OSError) as exc:
        click.echo(f"cannot read the plan: {exc}", err=True)
        sys.exit(2)
    if meta.get("status") in ("INFEASIBLE", "UNKNOWN") and inst is not None:
        findings = diagnose(inst, time_limit)
        stored = [str(x) for x in meta.get("explanation") or []]
        click.echo("")
        if any(f.fatal for f in findings):
            click.echo("Why the instance cannot be planned:")
        elif stored:
            # e.g. a re-plan whose kept published rows conflict with the changed instance:
            # the instance alone has no conflict, the planner's explanation says what had
            # to be kept
            click.echo("The instance alone shows no conflict between the rules; the planner's explanation "
                       "(plan.json):")
            for line in stored:
                click.echo(line)
        elif meta.get("status") == "INFEASIBLE":
            click.echo(f"The planner proved that no plan keeps every rule, but no conflict between the rules "
                       f"was narrowed down within {time_limit:g} s; run explain with a longer --time-limit.")
        else:
            click.echo("No conflict between the hard rules was found; a longer solve may find a plan.")
        for finding in findings:
            click.echo(str(finding))


INTERNAL_ERROR = 4
"""Exit code of a failure that is the tool's fault (an unexpected exception), apart from
1 (no plan), 2 (bad input) and 3 (a plan the validator rejects)."""


def run() -> None:
    """The command line, with an unexpected exception said as the tool's fault (its traceback,
    exit :data:`INTERNAL_ERROR`) rather than Python's exit 1, which reads as "no plan"."""
    try:
        main(standalone_mode=True)
    except Exception:  # a bug: everything the user can cause is handled and has its own exit code
        import traceback

        traceback.print_exc()
        click.echo(f"Internal error: this is a fault of the tool, not of the instance. Please report it with the "
                   f"command and the instance. (exit {INTERNAL_ERROR})", err=True)
        sys.exit(INTERNAL_ERROR)


if __name__ == "__main__":
    run()

"""End to end: the command line on whole instances, from the instance folder to the written and
validated plan folder (SPEC.md §4), for a good, a broken and an impossible instance, plus the
reproducibility of plans and the pre-checks of the bundled county instances.

Fast by design: only ``instances/tiny`` and SPEC's example instance are solved.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from models import Status, read
from scheduler.explain import precheck, render
from scheduler.solve import SolveOptions, solve
from scheduler.validate import validate_plan

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "example-instance"

PLAN_ARGS = ["--time-limit", "20", "--workers", "1", "--seed", "0"]
PLAN_FILES = ("plan.json", "assignments.csv", "recruit_calendar.csv", "class_calendar.csv")
ICS_KINDS = ("recruits", "supervisors", "teachers", "classes", "sites")


def _plan(instance: Path, out: Path) -> Result:
    return CliRunner().invoke(main, ["plan", str(instance), "--out", str(out), *PLAN_ARGS])


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy_tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "instance"
    shutil.copytree(TINY, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """instances/tiny planned once through the CLI."""
    out = tmp_path_factory.mktemp("e2e") / "tiny-plan"
    result = _plan(TINY, out)
    assert result.exit_code == 0, result.output
    return out


# ---- 1. plan and validate tiny ---------------------------------------------------------------
def test_plan_tiny_writes_the_whole_plan_folder(tiny_plan: Path) -> None:
    meta = json.loads((tiny_plan / "plan.json").read_text(encoding="utf-8"))
    assert meta["status"] == "OPTIMAL"
    for key in ("instance", "status", "objective", "best_bound", "gap", "wall_seconds", "kpis"):
        assert key in meta, key
    kpis = meta["kpis"]
    for key in ("practice_days", "practice_days_without_supervisor", "mean_travel_minutes", "max_travel_minutes"):
        assert key in kpis, key
    assert {"min", "max"} <= set(kpis["weekend_shifts_per_recruit"])
    assert meta["objective"] == meta["best_bound"] and meta["gap"] == 0

    for name in PLAN_FILES:
        assert (tiny_plan / name).is_file(), name
    inst = read(TINY)
    people = {
        "recruits": inst.recruits, "supervisors": inst.supervisors, "teachers": inst.teachers,
        "classes": inst.classes, "sites": inst.sites,
    }
    for kind in ICS_KINDS:
        expected = {f"{x.id}.ics" for x in people[kind]}
        written = {p.name for p in (tiny_plan / "ics" / kind).glob("*.ics")}
        assert expected <= written, (kind, expected - written)


def test_validate_cli_accepts_the_tiny_plan(tiny_plan: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(TINY), str(tiny_plan)])
    assert result.exit_code == 0, result.output


# ---- 2. reproducibility ----------------------------------------------------------------------
def test_plan_tiny_twice_gives_the_same_files(tiny_plan: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = _plan(TINY, again)
    assert result.exit_code == 0, result.output
    first, second = _files(tiny_plan), _files(again)
    assert sorted(first) == sorted(second)
    for name in sorted(first):
        if name != "plan.json":
            assert first[name] == second[name], f"{name} differs between two identical runs"
    meta1, meta2 = (json.loads(files["plan.json"]) for files in (first, second))
    meta1.pop("wall_seconds")
    meta2.pop("wall_seconds")
    assert meta1 == meta2


def test_example_instance_solved_twice_gives_the_same_plan() -> None:
    inst = read(EXAMPLE)
    # small deterministic budgets (from the 8 s time limit) and a wall-clock guard well
    # beyond them, so that a slow or busy machine does not cut them
    opts = SolveOptions(time_limit=8, wall_limit=30, workers=2, seed=3, nodes_per_second=500, dtime_per_second=0.1)
    first = solve(inst, options=opts)
    second = solve(inst, options=opts)
    for result in (first, second):
        assert result.plan is not None, result.explanation
        assert result.kpis["reproducible"] is True, (
            "a wall-clock guard cut the deterministic search (machine too slow or loaded)"
        )
    assert first.plan.sorted() == second.plan.sorted()
    assert first.objective == second.objective
    assert validate_plan(inst, first.plan) == []


@pytest.mark.parametrize("opts", [SolveOptions(time_limit=0.01, workers=1),
                                  SolveOptions(time_limit=60, wall_limit=0.01, workers=1)],
                         ids=["time limit", "wall limit"])
def test_a_time_limit_too_short_for_the_budgets_still_gives_a_valid_plan(opts: SolveOptions) -> None:
    """The wall clock is a guard: with a time limit (or, as the command line sets it, a wall
    limit) far below what the deterministic budgets need, the searches stop early, the plan
    is still whole and valid, and plan.json says it may not be reproducible."""
    inst = read(TINY)
    result = solve(inst, options=opts)
    assert result.plan is not None, result.explanation
    assert result.kpis["reproducible"] is False
    assert result.best_bound is None or result.best_bound <= result.objective + 1e-6
    assert validate_plan(inst, result.plan) == []


def test_plan_says_when_it_took_longer_than_its_time_limit(tmp_path: Path, tiny_plan: Path) -> None:
    """A limit below what loading, the day plans and writing need is overrun; plan says so,
    with what to do (here 0.01 s, less than writing the calendars takes). Within its limit
    it says nothing of the kind."""
    got = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "plan"), "--time-limit", "0.01",
                                    "--workers", "1"])
    assert got.exit_code == 0, got.output
    assert re.search(r"note: the command took [0-9.]+ s, more than --time-limit 0.01 s \(solving [0-9.]+ s;", got.output)
    assert "give a larger --time-limit" in got.output
    # the module's plan, at 20 s
    again = _plan(TINY, tmp_path / "again")
    assert again.exit_code == 0 and "more than --time-limit" not in again.output, again.output
    # also without a plan (an impossible instance, exit 1)
    folder = _copy_tiny(tmp_path)
    _edit(folder / "instance.toml", "min_school_days = 8\n", "min_school_days = 40\n")
    impossible = CliRunner().invoke(main, ["plan", str(folder), "--out", str(tmp_path / "none"), "--time-limit", "0.0001"])
    assert impossible.exit_code == 1 and "more than --time-limit 0.0001 s" in impossible.output, impossible.output
    assert "INFEASIBLE: no plan" in impossible.output and "None" not in impossible.output  # no Python nulls
    # and a limit of 0 s is no limit to keep
    zero = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "zero"), "--time-limit", "0"])
    assert zero.exit_code == 2 and "--time-limit" in zero.output and not (tmp_path / "zero").exists()
    # nor are 0 workers (an audit: a traceback after solving) or a negative gap
    for option, value in (("--workers", "0"), ("--workers", "-1"), ("--gap", "-0.1")):
        bad = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "bad"), option, value])
        assert bad.exit_code == 2 and option in bad.output and not (tmp_path / "bad").exists(), bad.output


def test_the_time_kept_for_writing_grows_with_the_instance() -> None:
    """20 % of --time-limit, or more when the plan's size asks for it (WRITE_SECONDS per
    1,000 recruit-days; half as long again with one worker, which renders in one process)."""
    from cli import WRITE_SECONDS, _write_reserve

    tiny, trondheim = read(TINY), read(REPO / "instances" / "trondheim-2026")
    assert _write_reserve(tiny, 60, 2) == _write_reserve(trondheim, 60, 2) == 12.0
    days = len(trondheim.recruits) * sum((p.end - p.start).days + 1 for p in trondheim.phases)
    assert _write_reserve(trondheim, 10, 2) == pytest.approx(WRITE_SECONDS * days / 1000)
    assert _write_reserve(trondheim, 10, 2) > 2.0  # more than 20 % of 10 s
    assert _write_reserve(trondheim, 10, 1) == pytest.approx(1.5 * _write_reserve(trondheim, 10, 2))


def test_search_deadlines_keep_time_for_the_searches_that_follow_on_the_same_worker() -> None:
    """The wall-clock guard of the calendar searches, shared by their expected work: a
    recruit period (practice, 4x per day), then Vg2 and Vg1 (alternation) on two workers:
    the recruit period alone on one, Vg2 then Vg1 on the other, so Vg2 must stop in time
    to leave Vg1 its share (it used to run to the common end, leaving Vg1 a few nodes)."""
    from datetime import date

    from models import Phase
    from scheduler.solve import _deadlines

    def phase(kind: str, start: date, end: date) -> Phase:
        return Phase(id=kind + str(start), kind=kind, start=start, end=end)

    recruit = phase("practice", date(2026, 4, 6), date(2026, 6, 26))  # 82 days: 328
    vg2 = phase("alternation", date(2027, 1, 4), date(2027, 6, 18))  # 166
    vg1 = phase("alternation", date(2026, 8, 17), date(2026, 12, 18))  # 124
    reserve = _deadlines([recruit, vg2, vg1], 2, 29.0)
    assert reserve == pytest.approx([0.0, 29.0 * 124 / 290, 0.0])  # each worker's searches fill 29 s
    assert _deadlines([recruit, vg2, vg1], 1, 61.8) == pytest.approx([29.0, 12.4, 0.0])


def test_each_phase_day_plan_keeps_to_its_share_of_the_time_left(monkeypatch) -> None:
    """The clock guard of the day plans: each phase, in turn, may use its share (by expected
    work, practice days four times) of the time left, so that on a slow machine or a short
    time limit the first phase does not leave the last one a second. Tiny: a 14-day recruit
    period (work 56) and a 19-day weekly vg1 (work 19)."""
    import time

    import scheduler.solve as solve_module

    inst = read(TINY)
    seen = []
    realize = solve_module._Planner.realize

    def recording(self, phase, *args, **kwargs):
        seen.append((phase.id, self.phase_left() / max(self.left(), 1e-9), self.phase_end is not None))
        return realize(self, phase, *args, **kwargs)

    monkeypatch.setattr(solve_module._Planner, "realize", recording)
    result = solve(inst, options=SolveOptions(time_limit=20, workers=1, seed=0))
    assert result.status == Status.OPTIMAL
    (p1, share1, set1), (p2, share2, set2) = seen
    assert (p1, p2) == ("recruit", "vg1") and set1 and set2
    work = {p.id: solve_module._work(p) for p in inst.phases}
    assert share1 == pytest.approx(work["recruit"] / (work["recruit"] + work["vg1"]), abs=0.02)
    assert share2 == pytest.approx(1.0, abs=0.02)  # the last phase: all that is left
    planner = solve_module._Planner(inst, SolveOptions(time_limit=20), time.monotonic())
    assert planner.phase_left() == pytest.approx(planner.left(), abs=0.01)  # no phase: the whole wall


def test_searches_start_with_practice_phases_then_the_shortest_calendar_search() -> None:
    """Practice phases first (the longest first), then alternation phases from the shortest,
    so that the longest calendar search runs last on its process and may use the time the
    searches before it left. On two workers: the recruit period on one, Vg1 then Vg2 on the
    other, Vg2's deadline the common end (it used to run first, its deadline leaving Vg1 a
    share estimated by days, and a slow machine cut its proving round)."""
    from datetime import date

    from models import Phase
    from scheduler.solve import _deadlines, _search_order

    def phase(pid: str, kind: str, start: date, end: date) -> Phase:
        return Phase(id=pid, kind=kind, start=start, end=end)

    phases = [phase("vg2", "alternation", date(2027, 1, 4), date(2027, 6, 18)),
              phase("recruit", "practice", date(2026, 4, 6), date(2026, 6, 26)),
              phase("vg1", "alternation", date(2026, 8, 17), date(2026, 12, 18)),
              phase("summer", "practice", date(2026, 7, 1), date(2026, 7, 31))]
    order = _search_order(phases)
    assert [phases[i].id for i in order] == ["recruit", "summer", "vg1", "vg2"]
    started = [phases[i] for i in order[:1] + order[2:]]  # without the summer job
    assert _deadlines(started, 2, 29.0) == pytest.approx([0.0, 29.0 * 166 / 290, 0.0])


def test_a_day_model_that_ends_without_a_plan_or_a_proof_is_unknown_not_infeasible(monkeypatch) -> None:
    """When CP-SAT stops on its work budget without a plan (UNKNOWN) in every day model, as
    on a large phase, nothing is proven: the status is UNKNOWN, not INFEASIBLE (and so the
    diagnosis does not run)."""
    import scheduler.solve as solve_module

    monkeypatch.setattr(solve_module, "_run", lambda *args, **kwargs: solve_module.Run(Status.UNKNOWN))
    result = solve(read(TINY), options=SolveOptions(time_limit=20, workers=1))
    assert result.plan is None
    assert result.status == Status.UNKNOWN, result.explanation


# ---- 3. a broken instance --------------------------------------------------------------------
ISSUE = re.compile(r"^\s*(\S+\.csv) line (\d+), column (\w+):", re.MULTILINE)


def test_plan_broken_instance_lists_every_error_and_writes_nothing(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    _edit(folder / "closures.csv", "2026-08-28,2026-08-28", "2026-08-28,2026-08-82")
    _edit(folder / "supervisors.csv", "V003,Liv Sæther,S01W2,", "V003,Liv Sæther,S01W9,")
    _edit(folder / "wards.csv", "S02W1,S02,Korttidsavdeling,short_term,2,", "S02W1,S02,Korttidsavdeling,short_term,-2,")
    out = tmp_path / "plan"

    result = _plan(folder, out)

    assert result.exit_code == 2, result.output
    issues = {(f, int(line), col) for f, line, col in ISSUE.findall(result.output)}
    assert issues == {("closures.csv", 2, "end"), ("supervisors.csv", 4, "ward_id"), ("wards.csv", 4, "capacity")}
    assert len(ISSUE.findall(result.output)) == 3, result.output
    assert "3 errors" in result.output
    for bad in ("2026-08-82", "S01W9", "-2"):
        assert bad in result.output
    assert not out.exists()


# ---- 4. an impossible instance ---------------------------------------------------------------
def test_plan_impossible_instance_explains_and_writes_only_plan_json(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    _edit(folder / "instance.toml", "min_school_days = 8\n", "min_school_days = 40\n")
    out = tmp_path / "plan"

    result = _plan(folder, out)

    assert result.exit_code != 0, result.output
    assert [p.name for p in out.iterdir()] == ["plan.json"]
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert meta["status"] == "INFEASIBLE"
    explanation = "\n".join(meta["explanation"])
    assert "R11" in explanation and "min_school_days" in explanation, explanation
    assert "vg1" in explanation and "K1" in explanation
    assert not list(out.rglob("*.csv")) and not list(out.rglob("*.ics"))


# ---- 5. the bundled county instances ---------------------------------------------------------
@pytest.mark.parametrize("name", ["trondheim-2026", "rogaland-2026"])
def test_bundled_instance_passes_the_prechecks(name: str) -> None:
    inst = read(REPO / "instances" / name)
    assert inst.recruits and inst.phases
    fatal = [f for f in precheck(inst) if f.fatal]
    assert not fatal, "\n".join(render(fatal))


# ---- 6. folders that are not plan folders ----------------------------------------------------
def test_plan_refuses_an_out_folder_that_is_not_a_plan_folder(tmp_path: Path) -> None:
    """--out naming a folder with other files (no plan.json): exit 2 before solving, and the
    folder is left as it was."""
    out = tmp_path / "holiday-photos"
    out.mkdir()
    (out / "beach.jpg").write_bytes(b"not a plan")
    result = _plan(TINY, out)
    assert result.exit_code == 2, result.output
    assert "not a plan folder" in result.output
    assert [p.name for p in out.iterdir()] == ["beach.jpg"]


def test_validate_says_a_folder_without_plan_json_cannot_be_read(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["validate", str(TINY), str(empty)])
    assert result.exit_code == 2, result.output
    assert "plan.json is missing" in result.output


def test_validate_says_a_folder_without_a_plan_has_nothing_to_validate(tmp_path: Path) -> None:
    """An INFEASIBLE result is the planner's answer, not a plan with violations: exit 2
    (cannot validate) with a pointer to the explanation, not a rule violation (exit 1)."""
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "plan.json").write_text('{"instance": "tiny", "status": "INFEASIBLE", "explanation": ["R1: ..."]}',
                                      encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(TINY), str(folder)])
    assert result.exit_code == 2, result.output
    assert "no plan to validate: plan.json has status INFEASIBLE" in result.output and "explain" in result.output


# ---- 7. re-planning ---------------------------------------------------------------------
def test_replan_from_a_published_plan_keeps_placements_that_still_work(tmp_path: Path, tiny_plan: Path) -> None:
    """A supervisor of the published plan leaves and a colleague with the same ward and roster
    takes his place: re-planning with --from moves only his recruit (each change costs
    plan_change) and keeps every other placement."""
    import csv

    rows = list(csv.DictReader((tiny_plan / "assignments.csv").open(encoding="utf-8")))
    gone = next(r["supervisor_id"] for r in rows if r["phase_id"] == "vg1")
    folder = _copy_tiny(tmp_path)
    sups = list(csv.DictReader((folder / "supervisors.csv").open(encoding="utf-8")))
    twin = dict(next(r for r in sups if r["id"] == gone), id="V099", name="Vikar Vikarsen")
    with (folder / "supervisors.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(sups[0]))
        writer.writeheader()
        writer.writerows([r for r in sups if r["id"] != gone] + [twin])
    out = tmp_path / "replanned"
    result = CliRunner().invoke(main, ["plan", str(folder), "--out", str(out), "--from", str(tiny_plan), *PLAN_ARGS])
    assert result.exit_code == 0, result.output
    before = {(r["recruit_id"], r["phase_id"]): r["supervisor_id"] for r in rows}
    after = {(r["recruit_id"], r["phase_id"]): r["supervisor_id"]
             for r in csv.DictReader((out / "assignments.csv").open(encoding="utf-8"))}
    moved = {k for k in before if before[k] != after[k]}
    assert moved == {k for k in before if before[k] == gone}
    assert all(after[k] == "V099" for k in moved)
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert meta["breakdown"]["plan_change"]["count"] == len(moved)


def test_replan_from_alone_warns_when_the_published_plan_has_days_that_have_been(
        tmp_path: Path, tiny_plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--from alone may move days before today; plan warns and names the --keep-until to
    give (audit 14 O1). Not when today comes before the plan, nor with --keep-until. The
    plan is the same either way: only the warning reads the clock."""
    import cli

    args = ["plan", str(TINY), "--out", str(tmp_path / "a"), "--from", str(tiny_plan), *PLAN_ARGS]
    monkeypatch.setattr(cli, "_today", lambda: date(2026, 5, 4))
    got = CliRunner().invoke(main, args)
    assert got.exit_code == 0, got.output
    assert ("warning: the published plan has days before today (2026-05-04), and --from alone may change them "
            "where that is cheaper; add --keep-until 2026-05-04") in got.output
    kept = CliRunner().invoke(main, [*args, "--keep-until", "2026-05-04"])
    assert kept.exit_code == 0 and "days before today" not in kept.output, kept.output
    monkeypatch.setattr(cli, "_today", lambda: date(2026, 1, 5))
    early = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "b"), "--from", str(tiny_plan),
                                      *PLAN_ARGS])
    assert early.exit_code == 0 and "days before today" not in early.output, early.output
    assert (tmp_path / "a" / "recruit_calendar.csv").read_bytes() == (tmp_path / "b" / "recruit_calendar.csv").read_bytes()


def test_plan_json_says_how_many_travel_times_are_estimated_and_how(tmp_path: Path) -> None:
    """SPEC §1: without a travel.csv row the planner estimates the time from coordinates and
    says how: plan.json's kpis count those placements and name the method, and the command
    prints it."""
    from tests.builders import weekly_phase, write_instance

    folder = write_instance(tmp_path / "inst", phases=[weekly_phase("2026-08-17", "2026-08-21")])
    rows = (folder / "travel.csv").read_text(encoding="utf-8").splitlines()
    (folder / "travel.csv").write_text("\n".join(r for r in rows if not r.startswith("R2,")) + "\n", encoding="utf-8")
    inst = read(folder)
    result = solve(inst, options=SolveOptions(time_limit=10, workers=1))
    estimated = result.kpis["travel_estimated"]
    assert estimated["placements"] == 1 and estimated["of"] == 2  # R2's, for one phase
    assert "great-circle" in estimated["method"] and "50 km/h" in estimated["method"]
    out = CliRunner().invoke(main, ["plan", str(folder), "--out", str(tmp_path / "plan"), "--time-limit", "10"])
    assert out.exit_code == 0, out.output
    assert "travel: 1 of 2 placements without a travel.csv row, estimated: great-circle" in out.output


def test_plan_warns_when_a_bound_came_out_above_the_plan(tmp_path: Path, monkeypatch) -> None:
    """A lower bound above the plan is the planner's fault: plan writes the (valid) plan
    without a bound and says so on stderr."""
    import json

    import scheduler.solve as solve_module

    real = solve_module._year_bound
    monkeypatch.setattr(solve_module, "_year_bound", lambda instance, phase_bounds: real(instance, phase_bounds) + 10**6)
    got = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "plan"), *PLAN_ARGS])
    assert got.exit_code == 0, got.output
    meta = json.loads((tmp_path / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert meta["status"] == "FEASIBLE" and meta["best_bound"] is None and meta["kpis"]["bound_discarded"] > 10**6
    assert "came out above this plan's cost" in got.output


def test_explain_rejects_a_negative_top_and_a_time_limit_of_zero(tiny_plan: Path) -> None:
    """An audit saw ``explain --top -1`` print "top -1 of 4" and list three recruits."""
    for option, value in (("--top", "-1"), ("--time-limit", "0")):
        bad = CliRunner().invoke(main, ["explain", str(tiny_plan), option, value])
        assert bad.exit_code == 2 and option in bad.output, bad.output
    assert CliRunner().invoke(main, ["explain", str(tiny_plan), "--top", "0"]).exit_code == 0


def test_from_a_folder_without_a_plan_says_so(tmp_path: Path) -> None:
    """``--from`` a folder whose run ended without a plan (only plan.json, INFEASIBLE): the
    message says it holds no plan (an audit saw "assignments.csv is missing")."""
    folder = _copy_tiny(tmp_path)
    _edit(folder / "instance.toml", "min_school_days = 8\n", "min_school_days = 40\n")
    failed = CliRunner().invoke(main, ["plan", str(folder), "--out", str(tmp_path / "none"), "--time-limit", "5"])
    assert failed.exit_code == 1, failed.output
    got = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "again"), "--from",
                                    str(tmp_path / "none")])
    assert got.exit_code == 2 and "holds no plan (plan.json has status INFEASIBLE)" in got.output, got.output
    assert not (tmp_path / "again").exists()


def test_a_plan_the_validator_rejects_is_marked_and_not_published(tmp_path: Path, monkeypatch) -> None:
    """Exit 3 (a planner bug): the files stay for inspection, plan.json lists the violations
    (an audit found a rejected plan whose plan.json still said OPTIMAL), and feeds publish
    refuses the folder."""
    import json

    import scheduler.validate as validate_module
    from scheduler.validate import Violation

    monkeypatch.setattr(validate_module, "validate",
                        lambda *args, **kwargs: [Violation("R10", "R10: a planted violation")])
    got = _plan(TINY, tmp_path / "plan")
    assert got.exit_code == 3, got.output
    meta = json.loads((tmp_path / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert meta["validator_violations"] == ["R10: a planted violation"]
    published = CliRunner().invoke(main, ["feeds", "publish", str(tmp_path / "plan"), str(TINY),
                                          "--db", str(tmp_path / "feeds.sqlite")])
    assert published.exit_code == 2 and "the validator rejected" in published.output
    assert not (tmp_path / "feeds.sqlite").exists()


def test_an_unknown_run_spends_the_time_left_on_a_proof_that_no_plan_exists(tmp_path: Path, monkeypatch) -> None:
    """The planner gave up within its work budget (UNKNOWN, here forced); the time left goes
    to the diagnosis. Each of two recruits must work 3 shifts in a full week on weekdays
    (unavailable on weekends) on the one ward, which takes one recruit a day (6 > 5; the
    pre-checks count the ward's 7 days and pass): proven, so INFEASIBLE with the rules and
    rows (an audit got UNKNOWN and "give it more time" in 3 s of 20). A plannable instance
    stays UNKNOWN: nothing is proven."""
    import scheduler.solve as solve_module
    from tests.builders import practice_phase, recruit, ward, write_instance

    monkeypatch.setattr(solve_module, "_run", lambda *a, **k: solve_module.Run(Status.UNKNOWN))
    for capacity, status in ((1, "INFEASIBLE"), (2, "UNKNOWN")):
        folder = write_instance(tmp_path / f"cap{capacity}", phases=[
            practice_phase("2026-04-06", "2026-04-12", min_shifts_per_week=3)],
            recruits=[recruit("R1", unavailable_weekdays="sat;sun"), recruit("R2", unavailable_weekdays="sat;sun")],
            wards=[ward("W1", capacity=capacity)], rosters={"RD": ["D D D D D D D"]})
        assert not [f for f in precheck(read(folder)) if f.fatal]
        got = _plan(folder, tmp_path / f"out{capacity}")
        assert got.exit_code == 1, got.output
        meta = json.loads((tmp_path / f"out{capacity}" / "plan.json").read_text(encoding="utf-8"))
        assert meta["status"] == status, meta
        text = " ".join(meta["explanation"])
        if status == "INFEASIBLE":
            assert meta["explanation"][0] == "Phase rp (2026-04-06 to 2026-04-12) has no plan."
            assert "R10" in text and "wards.csv line 2" in text and "work budget" not in text
        else:
            assert "work budget" in text or "time" in text


def test_an_unexpected_error_is_the_tools_fault_with_exit_4(tmp_path: Path, monkeypatch, capsys) -> None:
    """An exception nobody handles (a bug) exits 4 with its traceback, not Python's 1, which a
    script would read as "no plan" (an audit met one in a half-edited checkout)."""
    import sys

    import cli
    import scheduler.solve as solve_module

    def broken(*args, **kwargs):
        raise NameError("name 'dataclass' is not defined")

    monkeypatch.setattr(solve_module, "solve", broken)
    monkeypatch.setattr(sys, "argv", ["cli.py", "plan", str(TINY), "--out", str(tmp_path / "plan"), *PLAN_ARGS])
    with pytest.raises(SystemExit) as ended:
        cli.run()
    assert ended.value.code == cli.INTERNAL_ERROR == 4
    err = capsys.readouterr().err
    assert "NameError" in err and "fault of the tool" in err
    assert not (tmp_path / "plan").exists()

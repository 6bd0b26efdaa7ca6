"""Re-planning from a date on (``plan --from PUBLISHED --keep-until DATE``,
:mod:`scheduler.freeze`): every published row before the date stays as it was, the
placements of started phases too, and a kept row the changed instance no longer allows is
named instead of planned around."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from models import read, read_plan
from scheduler.validate import validate

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
ARGS = ["--time-limit", "20", "--workers", "1", "--seed", "0"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """instances/tiny planned once: the published plan."""
    out = tmp_path_factory.mktemp("freeze") / "published"
    result = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(out), *ARGS])
    assert result.exit_code == 0, result.output
    return out


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _replan(instance: Path, published: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["plan", str(instance), "--out", str(out), "--from", str(published), *ARGS, *extra])


def _ill_in_week_two(tmp_path: Path, published: Path) -> tuple[Path, str, str]:
    """tiny with one recruit's supervisor of the recruit period ill in its second week
    (from 2026-04-20) and a colleague on the same ward and roster with room: planned
    again, the recruit would rather follow the colleague for the whole period."""
    recruit, sup = next((a["recruit_id"], a["supervisor_id"]) for a in _rows(published, "assignments.csv")
                        if a["phase_id"] == "recruit")
    folder = tmp_path / "changed"
    shutil.copytree(TINY, folder)
    _append(folder / "absences.csv", f"{sup},2026-04-20,2026-04-26,sykefravær")
    row = next(r for r in _rows(folder, "supervisors.csv") if r["id"] == sup)
    _append(folder / "supervisors.csv", ",".join([
        "V099", "Vikar Vikarsen", row["ward_id"], row["roster_id"], row["roster_start"], row["position_pct"],
        row["qualified"], row["max_recruits"]]))
    return folder, recruit, sup


def _before(rows: list[dict[str, str]], until: str) -> list[tuple]:
    return sorted(tuple(r.values()) for r in rows if r["date"] < until)


def test_rows_before_keep_until_stay_as_published(tmp_path: Path, published: Path) -> None:
    """Planned again from the published plan, the recruit moves to the colleague for the
    whole recruit period, which rewrites his first week (days that have been). With
    --keep-until 2026-04-20 the first week stays exactly as published, the placement of the
    started period stays, and the recruit works his second week without his supervisor."""
    changed, recruit, sup = _ill_in_week_two(tmp_path, published)
    until = "2026-04-20"

    plain = tmp_path / "plain"
    result = _replan(changed, published, plain)
    assert result.exit_code == 0, result.output
    moved = {(a["recruit_id"], a["phase_id"]): a["supervisor_id"] for a in _rows(plain, "assignments.csv")}
    assert moved[(recruit, "recruit")] == "V099"  # the rule has something to keep
    assert _before(_rows(plain, "recruit_calendar.csv"), until) != _before(_rows(published, "recruit_calendar.csv"), until)

    kept = tmp_path / "kept"
    result = _replan(changed, published, kept, "--keep-until", until)
    assert result.exit_code == 0, result.output
    for name in ("recruit_calendar.csv", "class_calendar.csv"):
        assert _before(_rows(kept, name), until) == _before(_rows(published, name), until), name
    placements = {(a["recruit_id"], a["phase_id"]): a["supervisor_id"] for a in _rows(kept, "assignments.csv")}
    assert placements[(recruit, "recruit")] == sup
    week_two = [r for r in _rows(kept, "recruit_calendar.csv")
                if r["recruit_id"] == recruit and r["activity"] == "practice" and until <= r["date"] <= "2026-04-26"]
    assert week_two and all(r["with_supervisor"] == "false" for r in week_two)
    # the validator checks it on its own (KEEP), and finds the plain re-plan's rewritten week
    before = read_plan(published)
    assert validate(read(changed), kept, published=before, keep_until=date(2026, 4, 20)) == []
    broken = validate(read(changed), plain, published=before, keep_until=date(2026, 4, 20))
    assert broken and {v.rule for v in broken} == {"KEEP"}
    assert any(f"recruit {recruit}'s placement in phase recruit" in v.message and "V099" in v.message for v in broken)
    assert any(v.message.startswith(f"KEEP: recruit {recruit} on 2026-04-1") for v in broken)
    for folder, code in ((kept, 0), (plain, 1)):
        got = CliRunner().invoke(main, ["validate", str(changed), str(folder), "--from", str(published),
                                        "--keep-until", until])
        assert got.exit_code == code, got.output
    meta = json.loads((kept / "plan.json").read_text(encoding="utf-8"))
    assert meta["kpis"]["bound_scope"] == f"year, published school days kept, published rows before {until} kept"
    assert meta["objective"] > json.loads((plain / "plan.json").read_text(encoding="utf-8"))["objective"]


def test_school_days_before_keep_until_stay_when_their_week_changes(tmp_path: Path, published: Path) -> None:
    """A new closure on a published school day of a week: plain re-planning plans that week
    afresh, so its earlier school days may move too; with --keep-until on the closed day,
    the class's school days (and teachers) before it stay, and the plan is valid."""
    vg1 = read(TINY).phase["vg1"]
    days = sorted(date.fromisoformat(r["date"]) for r in _rows(published, "class_calendar.csv"))
    week = [d for d in days if vg1.start <= d and d.isocalendar()[1] == days[-1].isocalendar()[1]]
    shut = week[-1]
    folder = tmp_path / "closed"
    shutil.copytree(TINY, folder)
    _append(folder / "closures.csv", f"{shut},{shut},Planleggingsdag")
    out = tmp_path / "kept"
    result = _replan(folder, published, out, "--keep-until", shut.isoformat())
    assert result.exit_code == 0, result.output
    assert _before(_rows(out, "class_calendar.csv"), shut.isoformat()) == \
        _before(_rows(published, "class_calendar.csv"), shut.isoformat())
    assert shut.isoformat() not in {r["date"] for r in _rows(out, "class_calendar.csv")}
    assert validate(read(folder), out) == []


def _late_absence(tmp_path: Path, published: Path) -> tuple[Path, dict[str, str]]:
    """tiny with an absence entered afterwards for a day before 2026-04-20 on which the
    published plan has a recruit with that supervisor (the published row)."""
    row = next(r for r in _rows(published, "recruit_calendar.csv")
               if r["activity"] == "practice" and r["with_supervisor"] == "true" and r["date"] < "2026-04-20")
    folder = tmp_path / "late-absence"
    shutil.copytree(TINY, folder)
    _append(folder / "absences.csv", f"{row['supervisor_id']},{row['date']},{row['date']},sykefravær")
    return folder, row


def test_a_kept_row_the_changed_instance_forbids_is_named_and_nothing_is_planned(tmp_path: Path,
                                                                                 published: Path) -> None:
    """An absence entered afterwards for a day that has been, on which the published plan
    has a recruit with that supervisor: the row cannot be kept. The command says which row
    and rule (the validator's words), plans nothing and writes no calendar."""
    folder, row = _late_absence(tmp_path, published)
    out = tmp_path / "out"
    result = _replan(folder, published, out, "--keep-until", "2026-04-20")
    assert result.exit_code == 1, result.output
    assert "R8" in result.output and row["date"] in result.output and row["supervisor_id"] in result.output
    assert "--keep-until 2026-04-20" in result.output
    assert "looking for the rules and rows in conflict" not in result.output
    assert not list(out.rglob("*.csv")) and not list(out.rglob("*.ics"))
    # the absence row behind it is named (the new last line of absences.csv)
    line = len((folder / "absences.csv").read_text(encoding="utf-8").splitlines())
    assert f"[rows: absences.csv line {line}]" in result.output
    # explain with the instance, which alone has no conflict, shows the planner's words
    # (it said 'proved that no plan keeps every rule, but no conflict ... narrowed down')
    why = CliRunner().invoke(main, ["explain", str(out), "--instance", str(folder), "--time-limit", "10"])
    assert why.exit_code == 0, why.output
    assert "The instance alone shows no conflict between the rules; the planner's explanation" in why.output
    assert f"absences.csv line {line}" in why.output and "narrowed down" not in why.output
    # without --keep-until the day may change: a plan
    assert _replan(folder, published, tmp_path / "free").exit_code == 0


def test_a_failed_replan_into_the_published_folder_leaves_it_as_it_was(tmp_path: Path, published: Path) -> None:
    """Re-planned into the published folder itself (--out = --from), a run without a plan
    (here a kept row the changed instance forbids) leaves the published plan in place: an
    audit found its tables and calendars replaced by an INFEASIBLE plan.json, after which
    the suggested next try could no longer read the published plan."""
    folder, row = _late_absence(tmp_path, published)
    inplace = tmp_path / "inplace"
    shutil.copytree(published, inplace)
    before = {p.relative_to(inplace): p.read_bytes() for p in inplace.rglob("*") if p.is_file()}
    result = _replan(folder, inplace, inplace, "--keep-until", "2026-04-20")
    assert result.exit_code == 1, result.output
    assert "left as it was" in result.output and "R8" in result.output
    assert {p.relative_to(inplace): p.read_bytes() for p in inplace.rglob("*") if p.is_file()} == before
    # the next try, with an earlier --keep-until, reads it and plans into it
    again = _replan(folder, inplace, inplace, "--keep-until", row["date"])
    assert again.exit_code == 0, again.output
    assert (inplace / "plan.json").read_bytes() != before[Path("plan.json")]


def test_a_supervisor_who_left_during_a_started_phase_is_named(tmp_path: Path, published: Path) -> None:
    """Removed from supervisors.csv while his recruit's phase has started (a colleague on
    his ward takes his place in supervisors.csv): R1 allows one supervisor per phase, so
    the placement cannot change; the message says to mark him absent instead."""
    a = next(a for a in _rows(published, "assignments.csv") if a["phase_id"] == "vg1")
    folder = tmp_path / "left"
    shutil.copytree(TINY, folder)
    sups = [line if not line.startswith(a["supervisor_id"] + ",") else "V099,Vikar Vikarsen," + line.split(",", 2)[2]
            for line in (folder / "supervisors.csv").read_text(encoding="utf-8").splitlines()]
    (folder / "supervisors.csv").write_text("\n".join(sups) + "\n", encoding="utf-8")
    result = _replan(folder, published, tmp_path / "out", "--keep-until", "2026-08-24")
    assert result.exit_code == 1, result.output
    assert f"R1: recruit {a['recruit_id']} is placed with supervisor {a['supervisor_id']} in phase vg1" in result.output
    assert "absences.csv" in result.output
    # his kept days are left out of the check, and what follows from that is not repeated
    assert "R4:" not in result.output and "R10:" not in result.output


def test_keep_until_needs_a_published_plan(tmp_path: Path, published: Path) -> None:
    result = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(tmp_path / "out"), "--keep-until",
                                       "2026-08-24", *ARGS])
    assert result.exit_code == 2, result.output
    assert "--from" in result.output
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(main, ["validate", str(TINY), str(published), "--keep-until", "2026-08-24"])
    assert result.exit_code == 2, result.output
    assert "--from and --keep-until go together" in result.output


@pytest.mark.parametrize("until", ["2026-04-20", "2026-08-21", "2026-08-26", "2026-09-04"])
def test_the_published_plan_comes_back_when_nothing_changed(tmp_path: Path, published: Path, until: str) -> None:
    """Nothing changed: with --keep-until anywhere in the year, the published plan itself.
    (A review found 2026-08-21 and 2026-09-04 refused: a kept day without supervisor is
    justified by the next day's published shift, which the check of the kept rows alone
    did not see.)"""
    out = tmp_path / "again"
    result = _replan(TINY, published, out, "--keep-until", until)
    assert result.exit_code == 0, result.output
    assert read_plan(out) == read_plan(published)
    assert "Changes against the published plan: none." in result.output


def test_a_new_school_day_start_is_named_for_the_kept_school_days(tmp_path: Path, published: Path) -> None:
    """The school day starts at 08:15 now: the kept school days cannot have their published
    times, which the validator files under CAL; named, nothing planned (a review found the
    plan written and then failing its own KEEP check)."""
    folder = tmp_path / "earlier"
    shutil.copytree(TINY, folder)
    toml = (folder / "instance.toml").read_text(encoding="utf-8")
    assert 'school_day = { start = "08:30"' in toml
    (folder / "instance.toml").write_text(toml.replace('school_day = { start = "08:30"', 'school_day = { start = "08:15"'),
                                          encoding="utf-8")
    result = _replan(folder, published, tmp_path / "out", "--keep-until", "2026-08-24")
    assert result.exit_code == 1, result.output
    assert "CAL: recruit" in result.output and "but the school day is 2026-08-17 08:15" in result.output


def test_a_recruit_who_joins_is_planned_in_full_and_the_others_keep_their_days(tmp_path: Path,
                                                                               published: Path) -> None:
    """A fifth recruit, with a supervisor and ward place for him: his days are planned (the
    published plan has none to keep), the others' days before the date stay."""
    folder = tmp_path / "joins"
    shutil.copytree(TINY, folder)
    first = _rows(folder, "recruits.csv")[0]
    _append(folder / "recruits.csv", ",".join(["K1R05", "Ny Rekrutt", *list(first.values())[2:]]))
    sups = _rows(folder, "supervisors.csv")
    row = next(r for r in sups if r["id"] == sups[0]["id"])
    _append(folder / "supervisors.csv", ",".join(["V099", "Vikar Vikarsen", *list(row.values())[2:]]))
    wards = (folder / "wards.csv").read_text(encoding="utf-8").splitlines()
    wards = [w if not w.startswith(row["ward_id"] + ",") else ",".join(
        str(int(x) + 1) if i == 4 else x for i, x in enumerate(w.split(","))) for w in wards]
    (folder / "wards.csv").write_text("\n".join(wards) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    until = "2026-08-24"
    result = _replan(folder, published, out, "--keep-until", until)
    assert result.exit_code == 0, result.output
    assert "recruit K1R05:" in result.output and "new in the plan" in result.output
    mine = [r for r in _rows(out, "recruit_calendar.csv") if r["recruit_id"] == "K1R05"]
    assert any(r["date"] < until for r in mine)
    others = [r for r in _rows(out, "recruit_calendar.csv") if r["recruit_id"] != "K1R05"]
    assert _before(others, until) == _before(_rows(published, "recruit_calendar.csv"), until)


def test_a_lower_weekly_limit_in_a_week_that_has_been_is_named(tmp_path: Path, published: Path) -> None:
    """A teacher's max_days_per_week lowered below what he taught in a week that lies wholly
    before the date: the validator names the week, not a date, and that is a conflict too
    (found by an audit: it used to end in a phase that 'could not be planned')."""
    until = "2026-08-24"
    taught: dict[str, int] = {}
    for r in _rows(published, "class_calendar.csv"):
        if r["date"] < until:
            taught[r["teacher_id"]] = taught.get(r["teacher_id"], 0) + 1
    busy = max(sorted(taught), key=lambda t: taught[t])
    assert taught[busy] >= 2
    folder = tmp_path / "limit"
    shutil.copytree(TINY, folder)
    lines = (folder / "teachers.csv").read_text(encoding="utf-8").splitlines()
    lines = [line if not line.startswith(busy + ",") else line.rsplit(",", 1)[0] + ",1" for line in lines]
    (folder / "teachers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _replan(folder, published, tmp_path / "out", "--keep-until", until)
    assert result.exit_code == 1, result.output
    assert f"R7: teacher {busy} teaches on {taught[busy]} days in week 2026-W34, max 1" in result.output


def test_fewer_places_for_a_supervisor_who_keeps_recruits_is_named(tmp_path: Path, published: Path) -> None:
    """max_recruits lowered below the recruits a supervisor keeps in a started phase (a
    colleague takes the places): R2, naming him, the phase and the recruits."""
    a = next(a for a in _rows(published, "assignments.csv") if a["phase_id"] == "recruit")
    folder = tmp_path / "places"
    shutil.copytree(TINY, folder)
    lines = (folder / "supervisors.csv").read_text(encoding="utf-8").splitlines()
    mine = next(line for line in lines if line.startswith(a["supervisor_id"] + ","))
    lines = [line if line != mine else mine.rsplit(",", 1)[0] + ",0" for line in lines]
    lines.append("V099,Vikar Vikarsen," + mine.split(",", 2)[2])
    (folder / "supervisors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _replan(folder, published, tmp_path / "out", "--keep-until", "2026-04-20")
    assert result.exit_code == 1, result.output
    assert (f"R2: supervisor {a['supervisor_id']} keeps 1 recruit in phase recruit ({a['recruit_id']}), and "
            f"supervisors.csv now allows him 0") in result.output
    assert "looking for the rules and rows in conflict" not in result.output

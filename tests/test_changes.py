"""What a re-plan changed against the published plan, and whom to tell
(:mod:`scheduler.explain.changes`, printed by ``plan --from``); and that re-planning leaves
the teachers of published school days where they were when others would cost the same."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime
from pathlib import Path

from click.testing import CliRunner

from cli import main
from models.plan import Activity, Assignment, ClassDay, Plan
from scheduler.explain.changes import change_lines, plan_changes

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
ARGS = ["--time-limit", "20", "--workers", "1", "--seed", "0"]


def _practice(recruit: str, day: int, sup: str, with_supervisor: bool = True) -> Activity:
    d = date(2026, 9, day)
    return Activity(recruit, d, "practice", "vg1", "K1", "S1", "W1", sup, "D",
                    datetime(2026, 9, day, 7, 30), datetime(2026, 9, day, 15, 0), with_supervisor)


def test_changes_name_the_rows_and_the_people_old_and_new() -> None:
    published = Plan(
        [Assignment("R1", "vg1", "V1", "W1", "S1", 5), Assignment("R2", "vg1", "V2", "W1", "S1", 5)],
        [_practice("R1", 3, "V1"), _practice("R1", 4, "V1"), _practice("R2", 3, "V2")],
        [ClassDay("K1", date(2026, 9, 1), "T1"), ClassDay("K1", date(2026, 9, 2), "T1")],
    )
    plan = Plan(
        [Assignment("R1", "vg1", "V3", "W1", "S1", 5), Assignment("R2", "vg1", "V2", "W1", "S1", 5)],
        [_practice("R1", 3, "V3"), _practice("R1", 4, "V3", with_supervisor=False), _practice("R2", 3, "V2")],
        [ClassDay("K1", date(2026, 9, 1), "T1"), ClassDay("K1", date(2026, 9, 2), "T2")],
    )
    got = plan_changes(published, plan)
    assert got.placements == [("R1", "vg1", "V1", "V3")]
    assert got.recruit_days == {"R1": [date(2026, 9, 3), date(2026, 9, 4)]}
    assert got.class_days == {"K1": [date(2026, 9, 2)]}
    assert got.supervisors == {"V1", "V3"} and got.teachers == {"T1", "T2"}
    lines = change_lines(got)
    assert lines[0] == ("Changes against the published plan: 1 placement(s), 2 day(s) of 1 recruit(s), "
                        "1 school day(s) of 1 class(es).")
    assert "  R1, phase vg1: supervisor V1 -> V3" in lines
    assert "  recruit R1: 2 day(s) changed, 2026-09-03 to 2026-09-04" in lines
    assert lines[-1] == "  To tell: recruits R1; supervisors V1, V3; teachers T1, T2."
    assert change_lines(plan_changes(published, published)) == ["Changes against the published plan: none."]


def test_replanning_prints_the_changes_and_keeps_the_teachers(tmp_path: Path) -> None:
    """tiny, one supervisor ill in the second week of the recruit period and a colleague
    free on his ward: the re-plan moves his recruit, prints who to tell, and leaves every
    published school day with its teacher (before, two Vg1 days swapped teachers for
    nothing: no goal prices a teacher)."""
    published = tmp_path / "published"
    result = CliRunner().invoke(main, ["plan", str(TINY), "--out", str(published), *ARGS])
    assert result.exit_code == 0, result.output
    with (published / "assignments.csv").open(encoding="utf-8") as fh:
        recruit, sup = next((a["recruit_id"], a["supervisor_id"]) for a in csv.DictReader(fh) if a["phase_id"] == "recruit")
    changed = tmp_path / "changed"
    shutil.copytree(TINY, changed)
    with (changed / "absences.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{sup},2026-04-20,2026-04-26,sykefravær\n")
    with (changed / "supervisors.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["id"] == sup)
    with (changed / "supervisors.csv").open("a", encoding="utf-8") as fh:
        fh.write(",".join(["V099", "Vikar Vikarsen", *list(row.values())[2:]]) + "\n")
    out = tmp_path / "replanned"
    result = CliRunner().invoke(main, ["plan", str(changed), "--out", str(out), "--from", str(published), *ARGS])
    assert result.exit_code == 0, result.output
    assert f"  {recruit}, phase recruit: supervisor {sup} -> V099" in result.output
    assert f"  To tell: recruits {recruit}; supervisors {', '.join(sorted([sup, 'V099']))}." in result.output
    assert (out / "class_calendar.csv").read_text(encoding="utf-8") == \
        (published / "class_calendar.csv").read_text(encoding="utf-8")

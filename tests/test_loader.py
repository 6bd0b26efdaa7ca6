"""The instance loader (SPEC.md §1): the example loads, and every invalid input is one
clean, located error -- all errors of an instance in one run, never a traceback.

Each invalid case copies the example instance to ``tmp_path`` and breaks one thing
(PyVRP's ``test_raises_invalid_file`` style), so the cases stay small and readable.
"""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest

from models import DEFAULT_WEIGHTS, InputIssue, Instance, InstanceError, Source, read

EXAMPLE_INSTANCE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "example-instance"

# ---------------------------------------------------------------------------------------
# Helpers: copy the example and apply edits
# ---------------------------------------------------------------------------------------

Edit = Callable[[Path], None]


def sub(file: str, old: str, new: str) -> Edit:
    """Replace the first ``old`` in ``file`` by ``new`` (the text must be there)."""

    def apply(folder: Path) -> None:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"edit does not apply: {old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def rewrite(file: str, change: Callable[[str], str]) -> Edit:
    def apply(folder: Path) -> None:
        path = folder / file
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    return apply


def write_bytes(file: str, data: bytes) -> Edit:
    def apply(folder: Path) -> None:
        (folder / file).write_bytes(data)

    return apply


def reencode(file: str, encoding: str) -> Edit:
    def apply(folder: Path) -> None:
        path = folder / file
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))

    return apply


def delete(file: str) -> Edit:
    def apply(folder: Path) -> None:
        (folder / file).unlink()

    return apply


def add_columns(file: str, header: str, values: dict[int, str]) -> Edit:
    """Append columns ``header`` to ``file``; row ``n`` (0 = first data row) gets
    ``values[n]``, others empty cells."""

    def change(text: str) -> str:
        lines = text.splitlines()
        empty = "," * header.count(",")
        out = [lines[0] + "," + header]
        out += [line + "," + values.get(i, empty) for i, line in enumerate(lines[1:])]
        return "\n".join(out) + "\n"

    return rewrite(file, change)


def make_instance(tmp_path: Path, *edits: Edit) -> Path:
    """A writable copy of the example instance with ``edits`` applied."""
    folder = tmp_path / "instance"
    folder.mkdir()
    for src in EXAMPLE_INSTANCE_DIR.iterdir():
        shutil.copyfile(src, folder / src.name)  # copyfile: the shared files are read-only
    for edit in edits:
        edit(folder)
    return folder


def issues_of(folder: Path) -> list[InputIssue]:
    with pytest.raises(InstanceError) as caught:
        read(folder)
    return caught.value.issues


# ---------------------------------------------------------------------------------------
# The example instance
# ---------------------------------------------------------------------------------------


def test_example_counts(example_instance: Instance) -> None:
    inst = example_instance
    assert inst.name == "Example: two small classes in Rogaland 2026-27"
    assert (inst.timezone, inst.country) == ("Europe/Oslo", "NO")
    counts = {
        "recruits": 12, "sites": 4, "wards": 8, "supervisors": 19, "rosters": 8, "shifts": 4,
        "schools": 1, "classes": 2, "teachers": 5, "closures": 4, "absences": 4,
    }
    assert {name: len(getattr(inst, name)) for name in counts} == counts
    assert len(inst.travel_overrides) == 48  # 12 recruits x 4 sites
    assert [p.id for p in inst.phases] == ["recruit", "vg1", "vg2"]
    assert inst.path == str(EXAMPLE_INSTANCE_DIR)


def test_example_values(example_instance: Instance) -> None:
    inst = example_instance
    k1r01 = inst.recruit["K1R01"]
    assert (k1r01.lat, k1r01.lon, k1r01.max_travel_minutes) == (59.00919, 5.47126, None)
    assert k1r01.unavailable_weekdays == frozenset({5, 6})  # sat;sun
    assert inst.recruit["K1R02"].preferred_sites == ("S02",)
    assert inst.recruit["K1R04"].avoid_ward_types == frozenset({"dementia"})
    assert inst.ward["S01W2"] == dataclasses.replace(inst.ward["S01W2"], capacity=3, first_placement_ok=False)
    v004 = inst.supervisor["V004"]
    assert (v004.roster_id, v004.roster_start, v004.position_pct, v004.qualified, v004.max_recruits) == (
        "RLONG", date(2026, 1, 5), 60.0, False, 1,
    )
    assert inst.shift["N"].overnight and inst.shift["N"].start == time(21, 45)
    assert inst.klass["K1"].shared_day_with == "K2" and inst.klass["K1"].model is None
    assert inst.teacher["T2"].weekdays == frozenset({0, 1, 2})
    assert inst.closures[1].start == date(2026, 12, 21) and inst.closures[1].school_id is None
    assert inst.absences[0].person_id == "V008"
    assert inst.travel_overrides["K2R06", "S01"] == 9
    vg2 = inst.phase["vg2"]
    assert (vg2.kind, vg2.model, vg2.min_school_days, vg2.school_block_weeks) == ("alternation", "weekly", 50, (3, 5))
    assert inst.rules.school_day_start == time(8, 30) and inst.rules.min_rest_hours == 11
    assert inst.weights == DEFAULT_WEIGHTS  # no [weights] in the example


def test_example_rows_keep_file_order_and_source(example_instance: Instance) -> None:
    inst = example_instance
    assert [r.id for r in inst.recruits][:3] == ["K1R01", "K1R02", "K1R03"]
    assert inst.recruits[0].source == Source("recruits.csv", 2)  # header is line 1
    assert str(inst.supervisors[-1].source) == "supervisors.csv line 20"
    assert inst.roster["R100B"].source == Source("rosters.csv", 8, (9, 10, 11, 12, 13))
    assert [r.id for r in inst.rosters][:2] == ["R100A", "R100B"]


def test_example_holidays(example_instance: Instance) -> None:
    holidays = example_instance.holidays
    assert date(2026, 12, 25) in holidays
    # two holidays on one date, named as one (not with "; ", which reads as two list entries)
    assert holidays[date(2027, 5, 17)] == "Andre pinsedag / Grunnlovsdag"
    assert date(2026, 5, 17) in holidays
    assert all(d.year in (2026, 2027) for d in holidays)  # the years the phases touch
    assert "Grunnlovsdag" in holidays[date(2027, 5, 17)]  # Norwegian names, whatever the locale


def test_example_roster_lookups(example_instance: Instance) -> None:
    inst = example_instance
    # V001 follows RNIGHT from Monday 2026-01-26: week 1 is "-,-,-,-,N,N,N".
    assert inst.supervisor_shift("V001", date(2026, 1, 26)) is None
    assert inst.supervisor_shift("V001", date(2026, 1, 30)) == "N"
    # Week 2 (from 2026-02-02) is "N,N,-,-,-,-,-".
    assert inst.supervisor_shift("V001", date(2026, 2, 3)) == "N"
    # Six weeks later the rotation starts again; the Monday before 2026-01-26 is week 6: "N,-,N,...".
    assert inst.supervisor_shift("V001", date(2026, 3, 13)) == "N"
    assert inst.supervisor_shift("V001", date(2026, 1, 19)) == "N"
    assert inst.supervisor_shift("V001", date(2026, 1, 20)) is None
    # V008 (R100A from 2026-01-26) is absent 2027-01-02..05.
    assert inst.supervisor_works("V008", date(2027, 1, 4)) is None


def test_a_roster_of_several_weeks_cites_all_its_lines(example_instance: Instance) -> None:
    """A roster is one row per week: its references name them all (a pre-check warning about
    a roster used to cite its first week's line only)."""
    assert str(example_instance.roster["R100A"].source) == "rosters.csv lines 2-7"
    assert str(example_instance.roster["R100B"].source) == "rosters.csv lines 8-13"
    assert str(Source("rosters.csv", 6, (9, 7, 12))) == "rosters.csv lines 6-7, 9, 12"
    assert str(Source("rosters.csv", 6)) == "rosters.csv line 6"


# ---------------------------------------------------------------------------------------
# Accepted variations
# ---------------------------------------------------------------------------------------


def test_optional_files_may_be_missing(tmp_path: Path) -> None:
    folder = make_instance(tmp_path, delete("travel.csv"), delete("closures.csv"), delete("absences.csv"))
    inst = read(folder)
    assert inst.travel_overrides == {} and inst.closures == () and inst.absences == ()


def test_teachers_file_is_needed_only_with_alternation_phases(tmp_path: Path) -> None:
    """A recruit period alone has no school days to teach: teachers.csv may be left out.
    (With an alternation phase its absence is an error: see ``required_file_missing``.)"""
    from tests.builders import practice_phase, weekly_phase, write_instance

    folder = write_instance(tmp_path, phases=[practice_phase("2026-04-06", "2026-04-19")])
    (folder / "teachers.csv").unlink()
    assert read(folder).teachers == ()
    # with an alternation phase it is missing, and the error names teachers.csv also when the
    # instance is given by its instance.toml
    weekly = write_instance(tmp_path / "weekly", phases=[weekly_phase("2026-08-17", "2026-08-21")])
    (weekly / "teachers.csv").unlink()
    (issue,) = issues_of(weekly / "instance.toml")
    assert (issue.file, issue.line, issue.column) == ("teachers.csv", None, None)
    assert issue.message.startswith("is missing; an instance with alternation phases needs it")


def test_bom_whitespace_case_and_extra_columns_are_accepted(tmp_path: Path, example_instance: Instance) -> None:
    def pad(text: str) -> str:
        return "\n".join(" , ".join(f" {cell} " for cell in line.split(",")) for line in text.splitlines())

    folder = make_instance(
        tmp_path,
        rewrite("wards.csv", pad),
        rewrite("shifts.csv", lambda t: "\ufeff" + t.replace("code,", "Code,", 1)),
        rewrite("schools.csv", lambda t: t.replace("\n", "\r\n")),
        add_columns("teachers.csv", "notes", {0: "likes mondays"}),
        rewrite("classes.csv", lambda t: t + "\n\n"),
    )
    inst = read(folder)
    assert inst.wards == example_instance.wards
    assert inst.shifts == example_instance.shifts
    assert inst.teachers == example_instance.teachers
    assert inst.schools == example_instance.schools


def test_optional_columns_and_booleans(tmp_path: Path) -> None:
    folder = make_instance(
        tmp_path,
        add_columns("recruits.csv", "recruit_period_start,recruit_period_end", {0: "2026-04-13,2026-06-12"}),
        add_columns("classes.csv", "school_day_start,school_day_end", {1: "09:00,14:30"}),
        sub("wards.csv", "S01W1,S01,Avdeling A,short_term,2,true", "S01W1,S01,Avdeling A,short_term,2,Yes"),
        sub("wards.csv", "S01W2,S01,Avdeling B,dementia,3,false", "S01W2,S01,Avdeling B,dementia,3,0"),
        sub("instance.toml", "[rules]", "[weights]\ntravel = 2\nsupervisor_change = -5.5\n\n[rules]"),
    )
    inst = read(folder)
    k1r01 = inst.recruit["K1R01"]
    assert (k1r01.recruit_period_start, k1r01.recruit_period_end) == (date(2026, 4, 13), date(2026, 6, 12))
    assert inst.recruit_phase_window("K1R01", inst.phase["recruit"]) == (date(2026, 4, 13), date(2026, 6, 12))
    assert inst.klass["K2"].school_day_start == time(9, 0) and inst.klass["K1"].school_day_start is None
    assert inst.ward["S01W1"].first_placement_ok and not inst.ward["S01W2"].first_placement_ok
    assert inst.weight("travel") == 2 and inst.weight("supervisor_change") == -5.5
    assert inst.weight("without_supervisor") == DEFAULT_WEIGHTS["without_supervisor"]


def test_without_a_qualified_column_every_supervisor_counts_as_trained(tmp_path: Path) -> None:
    """README: an instance that says nothing about training (no qualified column) holds it
    against no supervisor; an empty cell in the column means not trained."""
    def drop_qualified(text: str) -> str:
        return "\n".join(",".join(c for k, c in enumerate(line.split(",")) if k != 6) for line in text.splitlines())

    (tmp_path / "none").mkdir()
    (tmp_path / "empty").mkdir()
    inst = read(make_instance(tmp_path / "none", rewrite("supervisors.csv", drop_qualified)))
    assert all(s.qualified for s in inst.supervisors)
    inst = read(make_instance(tmp_path / "empty", sub("supervisors.csv", "V001,Randi Kristiansen,S01W1,RNIGHT,2026-01-26,70,true",
                                                      "V001,Randi Kristiansen,S01W1,RNIGHT,2026-01-26,70,")))
    assert not inst.supervisor["V001"].qualified and inst.supervisor["V002"].qualified


def test_shared_day_named_on_one_row_holds_both_ways(tmp_path: Path) -> None:
    """SPEC: shared_day_with "names the partner class"; a coordinator who names the pair on
    one row only means the same pair."""
    folder = make_instance(tmp_path, sub("classes.csv", "2026 B,,K1", "2026 B,,"))
    inst = read(folder)
    assert (inst.klass["K1"].shared_day_with, inst.klass["K2"].shared_day_with) == ("K2", "K1")


# ---------------------------------------------------------------------------------------
# Invalid inputs: one case each, with the expected file, line, column and message
# ---------------------------------------------------------------------------------------

CASES: list[tuple[str, list[Edit], tuple[str, int | None, str | None, str], int | None]] = [
    # (case id, edits, (file, line, column, message fragment), expected number of issues or None)
    ("recruit_travel_with_unit", [sub("recruits.csv", ",45,,S02,", ",45 min,,S02,")],
     ("recruits.csv", 4, "max_travel_minutes", "expected a whole number of minutes, got '45 min'"), 1),
    ("recruit_travel_zero", [sub("recruits.csv", ",75,,S02,", ",0,,S02,")],
     ("recruits.csv", 3, "max_travel_minutes", "from 1 to 1440, got '0'"), 1),
    ("recruit_period_into_next_phase",  # the example's vg1 starts 2026-08-17
     [add_columns("recruits.csv", "recruit_period_start,recruit_period_end", {1: "2026-04-13,2026-08-20"})],
     ("recruits.csv", 3, "recruit_period_end", "overlaps phase 'vg1' (2026-08-17 to 2026-12-18)"), 1),
    ("recruit_lat_out_of_range", [sub("recruits.csv", "59.00919", "99.00919")],
     ("recruits.csv", 2, "lat", "latitude in degrees from -90 to 90, got '99.00919'"), 1),
    ("recruit_lon_nan", [sub("recruits.csv", "5.47126", "nan")],
     ("recruits.csv", 2, "lon", "expected a longitude in degrees, got 'nan'"), 1),
    ("recruit_lat_inf", [sub("recruits.csv", "59.00919", "-inf")],
     ("recruits.csv", 2, "lat", "got '-inf'"), 1),
    ("recruit_lat_overflow", [sub("recruits.csv", "59.00919", "1e400")],
     ("recruits.csv", 2, "lat", "got '1e400'"), 1),
    ("recruit_missing_name", [sub("recruits.csv", "Trond Haugen", "")],
     ("recruits.csv", 2, "name", "missing value"), 1),
    ("recruit_unknown_class", [sub("recruits.csv", "Trond Haugen,K1,", "Trond Haugen,K9,")],
     ("recruits.csv", 2, "class_id", "unknown class 'K9': no such id in classes.csv"), 1),
    ("recruit_bad_weekday", [sub("recruits.csv", "sat;sun", "sat;sunday")],
     ("recruits.csv", 2, "unavailable_weekdays", "got 'sunday'"), 1),
    ("recruit_unknown_preferred_site", [sub("recruits.csv", "75,,S02,", "75,,S02;S07,")],
     ("recruits.csv", 3, "preferred_sites", "unknown site 'S07'"), 1),
    ("recruit_duplicate_id", [rewrite("recruits.csv", lambda t: t + "K1R01,Ola Nordmann,K1,59.0,5.5,,,,\n")],
     ("recruits.csv", 14, "id", "duplicate id 'K1R01' (first on line 2)"), 1),
    ("recruit_missing_column", [sub("recruits.csv", "lat,lon,", "lat,longitude,")],
     ("recruits.csv", 1, "lon", "required column is missing"), 1),
    ("recruit_period_reversed",
     [add_columns("recruits.csv", "recruit_period_start,recruit_period_end", {2: "2026-05-01,2026-04-01"})],
     ("recruits.csv", 4, "recruit_period_end", "recruit_period_end 2026-04-01 is before recruit_period_start 2026-05-01"), 1),
    ("recruit_period_start_alone_after_the_phase",  # the example's recruit period ends 2026-06-19
     [add_columns("recruits.csv", "recruit_period_start,recruit_period_end", {0: "2026-07-06,"})],
     ("recruits.csv", 2, "recruit_period_start",
      "recruit_period_start 2026-07-06 is after the end of the recruit period (phase 'recruit' ends 2026-06-19)"), 1),
    ("recruit_period_end_alone_before_the_phase",  # ... and starts 2026-03-30
     [add_columns("recruits.csv", "recruit_period_start,recruit_period_end", {0: ",2026-03-27"})],
     ("recruits.csv", 2, "recruit_period_end",
      "recruit_period_end 2026-03-27 is before the start of the recruit period (phase 'recruit' starts 2026-03-30)"), 1),
    ("recruit_period_bad_date",
     [add_columns("recruits.csv", "recruit_period_start,recruit_period_end", {0: "2026-02-30,"})],
     ("recruits.csv", 2, "recruit_period_start", "expected a date YYYY-MM-DD, got '2026-02-30'"), 1),
    # ids name calendar files (ics/<kind>/<id>.ics) and fill ';'-separated lists
    ("recruit_id_with_slash", [rewrite("recruits.csv", lambda t: t.replace("K1R02", "K1/R02")),
                               rewrite("travel.csv", lambda t: t.replace("K1R02", "K1/R02"))],
     ("recruits.csv", 3, "id", "'K1/R02' cannot be an id: ids name calendar files"), 1),
    ("supervisor_id_with_control_character", [rewrite("supervisors.csv", lambda t: t.replace("V002", "V0\x0102")),
                                              rewrite("absences.csv", lambda t: t.replace("V002", "V0\x0102"))],
     ("supervisors.csv", 3, "id", "'V0?02' cannot be an id"), 1),
    ("teacher_id_dot_dot", [sub("teachers.csv", "T2,SK1,", "..,SK1,")],
     ("teachers.csv", 3, "id", "'..' cannot be an id"), 1),
    ("site_id_with_semicolon", [rewrite("sites.csv", lambda t: t + "S0;9,Kopi,Kommune 9,58.9,5.6,\n")],
     ("sites.csv", 6, "id", "'S0;9' cannot be an id"), 1),
    ("class_id_differs_only_in_case", [rewrite("classes.csv", lambda t: t + "k2,SK1,Kopi,,\n")],
     ("classes.csv", 4, "id", "duplicate id 'k2': it differs only in case from 'K2' on line 3"), 1),
    ("school_id_too_long", [rewrite("schools.csv", lambda t: t.replace("SK1", "S" * 51)),
                            rewrite("classes.csv", lambda t: t.replace("SK1", "S" * 51)),
                            rewrite("teachers.csv", lambda t: t.replace("SK1", "S" * 51))],
     ("schools.csv", 2, "id", "is too long for an id (51 characters)"), 1),
    ("site_decimal_comma", [sub("sites.csv", "58.93881", '"58,93881"')],
     ("sites.csv", 2, "lat", "(use a decimal point)"), 1),
    ("site_unquoted_comma", [sub("sites.csv", '"Gate 1, 5000"', "Gate 1, 5000")],
     ("sites.csv", 2, None, "has 7 values but the header has 6 columns"), 1),
    ("site_duplicate_id", [rewrite("sites.csv", lambda t: t + "S01,Kopi,Kommune 1,58.9,5.6,\n")],
     ("sites.csv", 6, "id", "duplicate id 'S01'"), 1),
    ("ward_capacity_negative", [sub("wards.csv", "short_term,2,true", "short_term,-1,true")],
     ("wards.csv", 2, "capacity", "from 0 to 1000, got '-1'"), 1),
    ("ward_capacity_huge", [sub("wards.csv", "short_term,2,true", "short_term," + "9" * 5000 + ",true")],
     ("wards.csv", 2, "capacity", "expected a whole number of recruits per day"), 1),
    ("ward_capacity_fraction", [sub("wards.csv", "short_term,2,true", "short_term,2.5,true")],
     ("wards.csv", 2, "capacity", "got '2.5'"), 1),
    ("ward_bad_boolean", [sub("wards.csv", "short_term,2,true", "short_term,2,maybe")],
     ("wards.csv", 2, "first_placement_ok", "expected true or false"), 1),
    ("ward_unknown_site", [sub("wards.csv", "S02W1,S02,", "S02W1,S2,")],
     ("wards.csv", 4, "site_id", "unknown site 'S2'"), 1),
    ("supervisor_roster_start_not_monday", [sub("supervisors.csv", "RNIGHT,2026-01-26", "RNIGHT,2026-01-27")],
     ("supervisors.csv", 2, "roster_start", "2026-01-27 is a Tuesday; roster_start must be a Monday"), 1),
    ("supervisor_position_pct", [sub("supervisors.csv", "2026-01-26,70,true", "2026-01-26,150,true")],
     ("supervisors.csv", 2, "position_pct", "from 1 to 100, got '150'"), 1),
    ("supervisor_max_recruits_negative", [sub("supervisors.csv", "70,true,1", "70,true,-1")],
     ("supervisors.csv", 2, "max_recruits", "from 0 to 100, got '-1'"), 1),
    ("supervisor_qualified", [sub("supervisors.csv", "70,true,1", "70,sure,1")],
     ("supervisors.csv", 2, "qualified", "got 'sure'"), 1),
    ("supervisor_unknown_roster", [sub("supervisors.csv", "S01W2,RLONG,", "S01W2,RLONGG,")],
     ("supervisors.csv", 5, "roster_id", "unknown roster 'RLONGG'"), 1),
    ("supervisor_unknown_ward", [sub("supervisors.csv", "Liv Aas,S01W1,", "Liv Aas,S01W9,")],
     ("supervisors.csv", 3, "ward_id", "unknown ward 'S01W9'"), 1),
    ("roster_unknown_shift", [sub("rosters.csv", "R100A,1,-,A,", "R100A,1,-,X,")],
     ("rosters.csv", 2, "tue", "unknown shift code 'X'"), 1),
    ("roster_empty_cell", [sub("rosters.csv", "R100A,1,-,A,", "R100A,1,-,,")],
     ("rosters.csv", 2, "tue", "missing value: expected a shift code or '-'"), 1),
    ("roster_week_gap", [sub("rosters.csv", "R100A,3,D,-,A,D,D,-,-\n", "")],
     ("rosters.csv", 2, "week", "missing 3"), 1),
    ("roster_week_twice", [sub("rosters.csv", "R100A,3,", "R100A,2,")],
     ("rosters.csv", 4, "week", "week 2 of roster 'R100A' appears twice (first on line 3)"), 1),
    ("roster_week_not_a_number", [sub("rosters.csv", "R100A,3,", "R100A,three,")],
     ("rosters.csv", 4, "week", "expected a week number, got 'three'"), 1),
    ("shift_bad_time", [sub("shifts.csv", "07:30,15:00", "7.30,15:00")],
     ("shifts.csv", 2, "start", "expected a time HH:MM (00:00 to 23:59), got '7.30'"), 1),
    ("shift_hour_25", [sub("shifts.csv", "07:30,15:00", "07:30,25:00")],
     ("shifts.csv", 2, "end", "got '25:00'"), 1),
    ("shift_zero_length", [sub("shifts.csv", "07:30,15:00", "07:30,07:30")],
     ("shifts.csv", 2, "end", "end equals start"), 1),
    ("shift_day_shift_at_night", [sub("shifts.csv", "D,Dagvakt,07:30,15:00", "D,Dagvakt,22:00,07:30")],
     ("shifts.csv", 2, "end", "the day shift D runs past midnight: a night shift, which phases"), 1),
    ("shift_day_shift_missing", [sub("shifts.csv", "D,Dagvakt", "DAG,Dagvakt")],
     ("shifts.csv", None, "code", "the day shift 'D' is missing"), None),
    ("shift_duplicate_code", [sub("shifts.csv", "L,Langvakt", "A,Langvakt")],
     ("shifts.csv", 5, "code", "duplicate code 'A'"), None),
    ("school_bad_lon", [sub("schools.csv", "58.97,5.73", "58.97,east")],
     ("schools.csv", 2, "lon", "got 'east'"), 1),
    ("class_unknown_school", [sub("classes.csv", "K2,SK1,", "K2,SK2,")],
     ("classes.csv", 3, "school_id", "unknown school 'SK2'"), 1),
    ("class_bad_model", [sub("classes.csv", "2026 A,,K2", "2026 A,biweekly,K2")],
     ("classes.csv", 2, "model", "expected weekly, block or nothing"), 1),
    ("class_shared_day_not_symmetric", [sub("classes.csv", "2026 B,,K1", "2026 B,,K3"),
                                        rewrite("classes.csv", lambda t: t + "K3,SK1,Kopi,,\n")],
     ("classes.csv", 2, "shared_day_with", "class 'K2' must name 'K1' back in its shared_day_with, or nothing "
                                           "(it names 'K3')"), None),
    ("class_shared_day_named_by_two", [sub("classes.csv", "2026 B,,K1", "2026 B,,"),
                                       rewrite("classes.csv", lambda t: t + "K3,SK1,Kopi,,K2\n")],
     ("classes.csv", 2, "shared_day_with", "classes 'K1', 'K3' all name 'K2'"), 2),
    ("class_shared_day_with_itself", [sub("classes.csv", "2026 A,,K2", "2026 A,,K1")],
     ("classes.csv", 2, "shared_day_with", "cannot share its school day with itself"), 2),
    ("class_shared_day_unknown", [sub("classes.csv", "2026 A,,K2", "2026 A,,K3")],
     ("classes.csv", 2, "shared_day_with", "unknown class 'K3'"), 2),
    ("class_shared_day_other_school",
     [sub("schools.csv", "Skulevegen 1\n", "Skulevegen 1\nSK2,Annen skole,58.9,5.7,\n"),
      sub("classes.csv", "K2,SK1,", "K2,SK2,")],
     ("classes.csv", 2, "shared_day_with", "partner classes must be at the same school"), 2),
    ("class_school_day_reversed",
     [add_columns("classes.csv", "school_day_start,school_day_end", {0: "15:00,08:00"})],
     ("classes.csv", 2, "school_day_end", "would end (08:00) before it starts (15:00)"), 1),
    ("teacher_bad_weekday", [sub("teachers.csv", "mon;tue;wed;thu;fri", "mon;tue;wed;thu;fre")],
     ("teachers.csv", 2, "weekdays", "got 'fre'"), 1),
    ("teacher_no_weekdays", [sub("teachers.csv", "mon;tue;wed;thu;fri", ";")],
     ("teachers.csv", 2, "weekdays", "expected at least one weekday"), 1),
    ("teacher_max_days_8", [sub("teachers.csv", "thu;fri,4", "thu;fri,8")],
     ("teachers.csv", 2, "max_days_per_week", "from 1 to 7, got '8'"), 1),
    ("teacher_unknown_school", [sub("teachers.csv", "T2,SK1,", "T2,SKI,")],
     ("teachers.csv", 3, "school_id", "unknown school 'SKI'"), 1),
    ("closure_date_typo", [sub("closures.csv", "2026-10-05", "2026-1O-05")],
     ("closures.csv", 2, "start", "expected a date YYYY-MM-DD, got '2026-1O-05'"), 1),
    ("closure_reversed", [sub("closures.csv", "2026-12-21,2027-01-01", "2027-12-21,2027-01-01")],
     ("closures.csv", 3, "end", "end 2027-01-01 is before start 2027-12-21"), 1),
    ("closure_years_typo", [sub("closures.csv", "2026-12-21,2027-01-01", "2026-12-21,9027-01-01")],
     ("closures.csv", 3, "end", "more than ten years"), 1),
    ("closure_unknown_school", [add_columns("closures.csv", "school_id", {1: "SK7"})],
     ("closures.csv", 3, "school_id", "unknown school 'SK7'"), 1),
    ("absence_unknown_person", [sub("absences.csv", "T3,", "T9,")],
     ("absences.csv", 4, "person_id", "unknown person 'T9'"), 1),
    ("absence_reversed", [sub("absences.csv", "2026-11-09,2026-11-13", "2026-11-19,2026-11-13")],
     ("absences.csv", 4, "end", "is before start"), 1),
    ("absence_ambiguous_person", [sub("teachers.csv", "T3,SK1", "V008,SK1")],
     ("absences.csv", 2, "person_id", "is the id of a supervisor and a teacher"), 2),  # + T3 unknown
    ("travel_negative", [sub("travel.csv", "K1R01,S01,31", "K1R01,S01,-5")],
     ("travel.csv", 2, "minutes", "from 0 to 1440, got '-5'"), 1),
    ("travel_unknown_recruit", [sub("travel.csv", "K1R01,S01,31", "K1R99,S01,31")],
     ("travel.csv", 2, "recruit_id", "unknown recruit 'K1R99'"), 1),
    ("travel_twice", [sub("travel.csv", "K1R01,S02,43", "K1R01,S01,43")],
     ("travel.csv", 3, None, "travel from K1R01 to S01 is given twice (first on line 2)"), 1),
    # whole files
    ("required_file_missing", [delete("teachers.csv")],
     ("teachers.csv", None, None, "is missing"), 1),
    ("file_empty", [write_bytes("recruits.csv", b"")],
     ("recruits.csv", None, None, "is empty; expected a header line"), 1),
    ("file_only_bom_and_blank_lines", [write_bytes("recruits.csv", b"\xef\xbb\xbf\r\n \n")],
     ("recruits.csv", None, None, "is empty"), 1),
    ("file_without_header", [rewrite("sites.csv", lambda t: t.split("\n", 1)[1])],
     ("sites.csv", 1, None, "has no header line: expected the columns id, name, municipality"), 1),
    ("file_semicolons", [rewrite("schools.csv", lambda t: t.replace(",", ";"))],
     ("schools.csv", 1, None, "separated by ';'"), 1),
    ("file_not_utf8", [reencode("recruits.csv", "latin-1")],
     ("recruits.csv", 13, None, "is not UTF-8 text"), 1),  # line 13: "Øyvind"
    ("file_nul_bytes", [write_bytes("shifts.csv", b"code,name,start,end\nD,Dag\x00,07:30,15:00\n")],
     ("shifts.csv", 2, None, "NUL"), None),
    ("file_binary_garbage", [write_bytes("wards.csv", bytes(range(256)) * 4)],
     ("wards.csv", 2, None, "is not UTF-8 text (byte 0x80)"), 1),  # line 2: after byte 0x0a
    ("file_huge_cell", [write_bytes("schools.csv", b'id,name,lat,lon\nSK1,"' + b"x" * 200_000 + b'",58,5\n')],
     ("schools.csv", 2, None, "not valid CSV"), 1),
    # instance.toml
    ("toml_syntax", [sub("instance.toml", "min_rest_hours = 11", "min_rest_hours = ")],
     ("instance.toml", 7, None, "is not valid TOML"), 1),
    ("toml_missing", [delete("instance.toml")],
     ("instance.toml", None, None, "is missing"), 1),
    ("toml_timezone", [sub("instance.toml", "Europe/Oslo", "Europe/Olso")],
     ("instance.toml", 3, "[instance] timezone", "unknown time zone 'Europe/Olso'"), 1),
    ("toml_timezone_path", [sub("instance.toml", "Europe/Oslo", "../../etc/passwd")],
     ("instance.toml", 3, "[instance] timezone", "unknown time zone"), 1),
    ("toml_country", [sub("instance.toml", 'country = "NO"', 'country = "XX"')],
     ("instance.toml", 4, "[instance] country", "no public holidays known for country 'XX'"), 1),
    ("toml_name_missing", [sub("instance.toml", 'name = "Example', 'title = "Example')],
     ("instance.toml", 1, "[instance] name", "missing key"), 1),
    ("toml_rest_hours_text", [sub("instance.toml", "min_rest_hours = 11", 'min_rest_hours = "eleven"')],
     ("instance.toml", 7, "[rules] min_rest_hours", "expected a number of hours, got 'eleven'"), 1),
    ("toml_rule_typo", [sub("instance.toml", "min_rest_hours = 11", "min_rest_hour = 11")],
     ("instance.toml", 7, "[rules] min_rest_hour", "did you mean 'min_rest_hours'"), 1),
    ("toml_school_day_time", [sub("instance.toml", 'start = "08:30"', 'start = "8.30"')],
     ("instance.toml", 9, "[rules] school_day.start", "expected a time"), 1),
    ("toml_bool", [sub("instance.toml", "practice_on_weekends = false", 'practice_on_weekends = "no"')],
     ("instance.toml", 10, "[rules] practice_on_weekends", "expected true or false"), 1),
    ("toml_phase_kind", [sub("instance.toml", 'kind = "practice"', 'kind = "school"')],
     ("instance.toml", 15, "[[phases]] 'recruit' kind", 'expected "practice" or "alternation"'), 1),
    ("toml_phase_model_missing", [sub("instance.toml", 'model = "weekly"\n', "")],
     ("instance.toml", 22, "[[phases]] 'vg1' model", "an alternation phase needs model"), 1),
    ("toml_phase_model_bad", [sub("instance.toml", 'model = "weekly"', 'model = "daily"')],
     ("instance.toml", 27, "[[phases]] 'vg1' model", 'expected "weekly" or "block"'), 1),
    ("toml_phase_reversed", [sub("instance.toml", "end = 2026-06-19", "end = 2026-03-19")],
     ("instance.toml", 17, "[[phases]] 'recruit' end", "ends (2026-03-19) before it starts (2026-03-30)"), 1),
    ("toml_phase_date_text", [sub("instance.toml", "end = 2026-06-19", 'end = "19.06.2026"')],
     ("instance.toml", 17, "[[phases]] 'recruit' end", "expected a date"), 1),
    ("toml_phase_overlap", [sub("instance.toml", "end = 2026-12-18", "end = 2027-01-08")],
     ("instance.toml", 39, "[[phases]] 'vg2' start", "overlaps phase 'vg1'"), 1),
    ("toml_phase_duplicate_id", [sub("instance.toml", 'id = "vg2"', 'id = "vg1"')],
     ("instance.toml", 37, "[[phases]] no. 3 id", "is used twice"), 1),
    ("toml_phase_block_bounds", [sub("instance.toml", "school_block_weeks = [3, 5]", "school_block_weeks = [5, 3]")],
     ("instance.toml", 31, "[[phases]] 'vg1' school_block_weeks", "1 <= min <= max"), 1),
    ("toml_phase_block_zero", [sub("instance.toml", "practice_block_weeks = [2, 4]", "practice_block_weeks = [0, 4]")],
     ("instance.toml", 32, "[[phases]] 'vg1' practice_block_weeks", "got [0, 4]"), 1),
    ("toml_phase_count_zero", [sub("instance.toml", "school_days_per_week = 3", "school_days_per_week = 0")],
     ("instance.toml", 28, "[[phases]] 'vg1' school_days_per_week", "from 1 to 5, got 0"), 1),
    ("toml_phase_count_bool", [sub("instance.toml", "min_shifts_per_week = 3", "min_shifts_per_week = true")],
     ("instance.toml", 18, "[[phases]] 'recruit' min_shifts_per_week", "expected a whole number of shifts"), 1),
    ("toml_phase_hours_inf", [sub("instance.toml", "max_hours_per_week = 37.5", "max_hours_per_week = inf")],
     ("instance.toml", 19, "[[phases]] 'recruit' max_hours_per_week", "got inf"), 1),
    ("toml_phase_week_too_full", [sub("instance.toml", "practice_days_per_week = 2", "practice_days_per_week = 3")],
     ("instance.toml", 29, "[[phases]] 'vg1' practice_days_per_week", "= 6 does not fit"), 1),
    ("toml_phase_unknown_key", [sub("instance.toml", "min_school_days = 40", "min_school_day = 40")],
     ("instance.toml", 30, "[[phases]] 'vg1' min_school_day", "did you mean 'min_school_days'"), 1),
    ("toml_no_phases", [rewrite("instance.toml", lambda t: t.split("[[phases]]")[0])],
     ("instance.toml", None, "[[phases]]", "at least one [[phases]]"), 1),
    ("toml_weight_unknown", [rewrite("instance.toml", lambda t: t + "\n[weights]\ntravle = 2\n")],
     ("instance.toml", 51, "[weights] travle", "did you mean 'travel'"), 1),
    ("toml_weight_nan", [rewrite("instance.toml", lambda t: t + "\n[weights]\ntravel = nan\n")],
     ("instance.toml", 51, "[weights] travel", "expected a number, got nan"), 1),
    ("toml_weight_text", [rewrite("instance.toml", lambda t: t + '\n[weights]\ntravel = "high"\n')],
     ("instance.toml", 51, "[weights] travel", "got 'high'"), 1),
]


@pytest.mark.parametrize(
    ("edits", "expected", "count"),
    [pytest.param(edits, expected, count, id=case) for case, edits, expected, count in CASES],
)
def test_invalid_input(tmp_path: Path, edits: list[Edit], expected: tuple, count: int | None) -> None:
    file, line, column, fragment = expected
    issues = issues_of(make_instance(tmp_path, *edits))
    matching = [i for i in issues if (i.file, i.line, i.column) == (file, line, column) and fragment in i.message]
    assert matching, "\n".join(map(str, issues))
    if count is not None:
        assert len(issues) == count, "\n".join(map(str, issues))


def test_issue_reads_as_a_sentence() -> None:
    issue = InputIssue("recruits.csv", 7, "max_travel_minutes", "expected a whole number of minutes, got '45 min'")
    assert str(issue) == "recruits.csv line 7, column max_travel_minutes: expected a whole number of minutes, got '45 min'"
    assert str(InputIssue("teachers.csv", None, None, "is missing")) == "teachers.csv: is missing"
    assert str(InputIssue("instance.toml", None, "[rules] min_rest_hours", "x")) == "instance.toml, [rules] min_rest_hours: x"


def test_three_hand_edits_give_exactly_three_errors_in_one_run(tmp_path: Path) -> None:
    """A typo in a date, an unknown ward id and a negative capacity: all three, nothing else."""
    folder = make_instance(
        tmp_path,
        sub("absences.csv", "K1R06,2026-10-19", "K1R06,2026-10-1g"),
        sub("supervisors.csv", "V009,Anne Jensen,S02W2,", "V009,Anne Jensen,S02W3,"),
        sub("wards.csv", "S03W1,S03,Avdeling A,psychiatry,3,", "S03W1,S03,Avdeling A,psychiatry,-3,"),
    )
    with pytest.raises(InstanceError) as caught:
        read(folder)
    error = caught.value
    assert [(i.file, i.line, i.column) for i in error.issues] == [
        ("wards.csv", 6, "capacity"),
        ("supervisors.csv", 10, "ward_id"),
        ("absences.csv", 5, "start"),
    ]
    lines = str(error).splitlines()
    assert lines[0] == f"3 errors in instance {folder}:"
    assert len(lines) == 4
    assert "wards.csv line 6, column capacity: expected a whole number of recruits per day from 0 to 1000, got '-3'" in lines[1]
    assert "supervisors.csv line 10, column ward_id: unknown ward 'S02W3'" in lines[2]
    assert "absences.csv line 5, column start: expected a date YYYY-MM-DD, got '2026-10-1g'" in lines[3]


def test_a_gap_in_a_roster_is_reported_with_an_error_in_one_of_its_rows(tmp_path: Path) -> None:
    # week 3 removed and an unknown code in week 4: both in one run (an audit found the gap
    # reported only after the code was fixed)
    folder = make_instance(tmp_path, sub("rosters.csv", "R100A,3,D,-,A,D,D,-,-\n", ""),
                           sub("rosters.csv", "R100A,4,D,-,A,", "R100A,4,D,-,Q,"))
    found = {(i.file, i.line, i.column): i.message for i in issues_of(folder)}
    assert "missing 3" in found["rosters.csv", 2, "week"]
    assert "unknown shift code 'Q'" in found["rosters.csv", 4, "wed"]
    assert len(found) == 2


def test_errors_of_all_files_in_one_run(tmp_path: Path) -> None:
    folder = make_instance(
        tmp_path,
        sub("instance.toml", "Europe/Oslo", "Mars/Olympus"),
        sub("recruits.csv", "59.00919", "north"),
        delete("teachers.csv"),
        sub("rosters.csv", "R100A,1,-,A,", "R100A,1,-,X,"),
        sub("travel.csv", "K1R01,S01,31", "K1R01,S01,-1"),
    )
    files = [i.file for i in issues_of(folder)]
    assert files == ["instance.toml", "recruits.csv", "rosters.csv", "teachers.csv", "travel.csv"]


def test_path_that_is_not_an_instance(tmp_path: Path) -> None:
    with pytest.raises(InstanceError, match="does not exist"):
        read(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InstanceError, match="neither an instance folder nor an .xlsx workbook"):
        read(tmp_path / "notes.txt")


def test_random_damage_never_raises_anything_else(tmp_path: Path) -> None:
    """Random garbage in random places: either a valid instance or one InstanceError."""
    rng = random.Random(20260817)
    files = sorted(p.name for p in EXAMPLE_INSTANCE_DIR.iterdir())
    junk = ["", ",", ";", '"', "\n", "-", "0", "-1", "1e999", "nan", "2026-02-30", "25:61", "é", "\x00", "\ufeff"]
    for trial in range(25):
        folder = tmp_path / f"t{trial}"
        folder.mkdir()
        for name in files:
            shutil.copyfile(EXAMPLE_INSTANCE_DIR / name, folder / name)
        for _ in range(3):
            path = folder / rng.choice(files)
            text = path.read_text(encoding="utf-8")
            at = rng.randrange(len(text) + 1)
            cut = rng.randrange(4)
            path.write_text(text[:at] + rng.choice(junk) + text[at + cut:], encoding="utf-8")
        try:
            read(folder)
        except InstanceError as error:
            assert error.issues and all(isinstance(i, InputIssue) for i in error.issues)


# ---------------------------------------------------------------------------------------
# xlsx workbooks
# ---------------------------------------------------------------------------------------


def _typed(cell: str) -> object:
    """A CSV cell as a spreadsheet user would type it (numbers, dates, times, booleans)."""
    if re.fullmatch(r"-?\d+", cell):
        return int(cell)
    if re.fullmatch(r"-?\d+\.\d+", cell):
        return float(cell)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        return datetime.fromisoformat(cell)
    if re.fullmatch(r"\d{2}:\d{2}", cell):
        return time.fromisoformat(cell)
    if cell in ("true", "false"):
        return cell == "true"
    return cell or None


def write_workbook(target: Path) -> Path:
    """The example's CSV files as sheets of one workbook, instance.toml beside it."""
    import csv

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for path in sorted(EXAMPLE_INSTANCE_DIR.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle)):
                sheet.append(row if number == 0 else [_typed(c) for c in row])
    target.mkdir(exist_ok=True)
    book.save(target / "example.xlsx")
    shutil.copyfile(EXAMPLE_INSTANCE_DIR / "instance.toml", target / "instance.toml")
    return target / "example.xlsx"


def test_xlsx_round_trip(tmp_path: Path, example_instance: Instance) -> None:
    workbook = write_workbook(tmp_path / "book")
    inst = read(workbook)
    assert inst.path == str(workbook)
    assert dataclasses.replace(inst, path="") == dataclasses.replace(example_instance, path="")
    assert inst.recruits[0].source == Source("example.xlsx sheet recruits", 2)


def test_xlsx_formula_and_missing_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    workbook = write_workbook(tmp_path / "book")
    book = load_workbook(workbook)
    book["wards"]["E3"] = "=1+2"  # capacity of S01W2, row 3
    del book["teachers"]
    book.save(workbook)
    issues = issues_of(workbook)
    assert len(issues) == 2, "\n".join(map(str, issues))
    formula = next(i for i in issues if "contains a formula" in i.message)
    assert (formula.file, formula.line, formula.column) == ("example.xlsx sheet wards", 3, "capacity")
    missing = next(i for i in issues if "has no sheet 'teachers'" in i.message)
    assert (missing.file, missing.line) == ("example.xlsx", None)


def test_a_folder_with_one_workbook_and_no_csv_files_is_read_from_the_workbook(tmp_path: Path) -> None:
    """SPEC §1: an instance is a folder, or one .xlsx workbook beside an instance.toml. A
    folder that holds the workbook and no tables is read from the workbook (an audit gave
    the folder; it was refused with a hint). With two workbooks the folder says which to
    give; a folder with its tables reads the tables, workbook or not."""
    workbook = write_workbook(tmp_path / "book")
    from_folder, from_book = read(workbook.parent), read(workbook)
    assert (from_folder.recruits, from_folder.supervisors, from_folder.rosters, from_folder.phases) == \
        (from_book.recruits, from_book.supervisors, from_book.rosters, from_book.phases)
    shutil.copyfile(workbook, workbook.parent / "zcopy.xlsx")
    issues = issues_of(workbook.parent)
    hint = [i for i in issues if "holds the workbook" in i.message]
    assert len(hint) == 1 and hint[0].file == str(workbook.parent)
    assert f"give its path as INSTANCE (e.g. {workbook})" in hint[0].message
    assert any("recruits.csv" == i.file and "is missing" in i.message for i in issues)
    # a folder with its tables has no such error, workbook or not
    for path in EXAMPLE_INSTANCE_DIR.iterdir():
        shutil.copyfile(path, workbook.parent / path.name)
    assert read(workbook.parent).name


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "instance.toml").write_text((EXAMPLE_INSTANCE_DIR / "instance.toml").read_text("utf-8"), "utf-8")
    issues = issues_of(fake)
    assert len(issues) >= 1 and issues[0].file == "fake.xlsx" and "cannot be read as an .xlsx workbook" in issues[0].message

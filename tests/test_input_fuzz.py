"""Issue 3: input that cannot hurt.

Property-based tests (hypothesis) feed ``models.read`` malformed instances -- wrong
encodings, missing columns, empty files, duplicate ids, dangling references, dates out of
order, huge numbers, formulas in workbook cells, random bytes and random cell text -- and
require a clean :class:`InstanceError` (or, where the damage happens to be harmless, a
valid instance), never any other exception. The CLI tests check that a broken instance
writes no plan folder and that a failed or interrupted write leaves the previous plan as
it was.

The base instance is ``instances/tiny`` (every table present, Norwegian letters in
names), copied into a fresh temporary folder for each example.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import InputIssue, Instance, InstanceError, read
from models.io import REQUIRED_TABLES, TABLE_COLUMNS
from scheduler.explain import precheck

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
BASE: dict[str, str] = {p.name: p.read_text(encoding="utf-8") for p in sorted(TINY.iterdir()) if p.is_file()}
CSV_FILES = sorted(n for n in BASE if n.endswith(".csv"))
TABLES_WITH_ROWS = [n for n in CSV_FILES if len(BASE[n].strip().splitlines()) > 1]
ID_TABLES = {"recruits.csv": "id", "sites.csv": "id", "wards.csv": "id", "supervisors.csv": "id",
             "shifts.csv": "code", "schools.csv": "id", "classes.csv": "id", "teachers.csv": "id"}
REFERENCES = [  # (file, column) that must name a row of another table
    ("recruits.csv", "class_id"), ("wards.csv", "site_id"), ("supervisors.csv", "ward_id"),
    ("supervisors.csv", "roster_id"), ("classes.csv", "school_id"), ("teachers.csv", "school_id"),
    ("travel.csv", "recruit_id"), ("travel.csv", "site_id"),
]
NUMERIC = [  # (file, column) holding a number with an upper bound
    ("wards.csv", "capacity"), ("supervisors.csv", "max_recruits"), ("teachers.csv", "max_days_per_week"),
    ("travel.csv", "minutes"), ("recruits.csv", "max_travel_minutes"), ("recruits.csv", "lat"),
    ("sites.csv", "lon"),
]

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True, database=None)


# ---- helpers ------------------------------------------------------------------------------
def _folder(files: dict[str, str | bytes]) -> tuple[tempfile.TemporaryDirectory, Path]:
    tmp = tempfile.TemporaryDirectory(prefix="fuzz-")
    folder = Path(tmp.name) / "inst"
    folder.mkdir()
    for name, data in files.items():
        if isinstance(data, bytes):
            (folder / name).write_bytes(data)
        else:
            (folder / name).write_text(data, encoding="utf-8")
    return tmp, folder


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _set_cell(name: str, column: str, row: int, value: str) -> dict[str, str]:
    rows = _table(BASE[name])
    i = rows[0].index(column)
    rows[1 + row % (len(rows) - 1)][i] = value
    return {**BASE, name: _csv(rows)}


def _clean_read(folder: Path) -> Instance | InstanceError:
    """Read; an InstanceError must carry sentences that name a file. An instance that
    loads must also get through the pre-checks (the planner runs them next)."""
    try:
        inst = read(folder)
    except InstanceError as error:
        assert error.issues and all(isinstance(i, InputIssue) for i in error.issues)
        assert all(i.file and i.message for i in error.issues)
        str(error)  # renders
        return error
    for finding in precheck(inst):
        assert finding.rule and finding.message
    return inst


def must_fail(files: dict[str, str | bytes], *, mentions: str | None = None, path: Callable | None = None) -> None:
    tmp, folder = _folder(files)
    with tmp:
        got = _clean_read(path(folder) if path else folder)
        assert isinstance(got, InstanceError), "the damaged instance was read as valid"
        if mentions is not None:
            assert mentions in str(got), str(got)


def may_fail(files: dict[str, str | bytes]) -> None:
    tmp, folder = _folder(files)
    with tmp:
        _clean_read(folder)


def test_base_instance_is_valid() -> None:
    tmp, folder = _folder(dict(BASE))
    with tmp:
        assert isinstance(read(folder), Instance)


# ---- encodings, empty files, random bytes ------------------------------------------------------
NON_ASCII = [n for n in CSV_FILES if any(ord(ch) > 127 for ch in BASE[n])]


@FUZZ
@given(name=st.sampled_from(CSV_FILES), encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]))
def test_wrong_encoding(name: str, encoding: str) -> None:
    data = BASE[name].encode(encoding)
    if encoding in ("latin-1", "cp1252") and name not in NON_ASCII:
        may_fail({**BASE, name: data})  # plain ASCII is the same bytes in every 8-bit encoding
    else:
        must_fail({**BASE, name: data}, mentions=name)


@FUZZ
@given(name=st.sampled_from([n for n in CSV_FILES if n[:-4] in REQUIRED_TABLES]),
       content=st.sampled_from(["", "\n", "\n\n  \n", "\ufeff", ",,,\n"]))
def test_empty_required_file(name: str, content: str) -> None:
    must_fail({**BASE, name: content}, mentions=name)


@FUZZ
@given(name=st.sampled_from(sorted(BASE)), data=st.binary(min_size=1, max_size=400))
def test_random_bytes(name: str, data: bytes) -> None:
    may_fail({**BASE, name: data})


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_as_workbook(data: bytes) -> None:
    tmp, folder = _folder({"instance.toml": BASE["instance.toml"], "book.xlsx": data})
    with tmp:
        got = _clean_read(folder / "book.xlsx")
        assert isinstance(got, InstanceError)


# ---- structure: columns, ids, references, dates, numbers ---------------------------------------
@FUZZ
@given(name=st.sampled_from(CSV_FILES), data=st.data())
def test_missing_required_column(name: str, data: st.DataObject) -> None:
    required = TABLE_COLUMNS[name[:-4]][0]
    column = data.draw(st.sampled_from(required))
    rows = _table(BASE[name])
    i = rows[0].index(column)
    damaged = _csv([r[:i] + r[i + 1:] for r in rows])
    must_fail({**BASE, name: damaged}, mentions=column)


@FUZZ
@given(name=st.sampled_from(sorted(ID_TABLES)), row=st.integers(0, 50))
def test_duplicate_id(name: str, row: int) -> None:
    rows = _table(BASE[name])
    copy = list(rows[1 + row % (len(rows) - 1)])
    must_fail({**BASE, name: _csv([*rows, copy])}, mentions="duplicate")


@FUZZ
@given(ref=st.sampled_from(REFERENCES), row=st.integers(0, 50),
       value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12))
def test_dangling_reference(ref: tuple[str, str], row: int, value: str) -> None:
    name, column = ref
    known = {r[0] for r in _table(BASE[_target(column)])[1:]}
    if value.strip() in known or not value.strip():
        value = f"X{value}Z"
    must_fail(_set_cell(name, column, row, value), mentions=name)


def _target(column: str) -> str:
    return {"class_id": "classes.csv", "site_id": "sites.csv", "ward_id": "wards.csv",
            "roster_id": "rosters.csv", "school_id": "schools.csv", "recruit_id": "recruits.csv"}[column]


@FUZZ
@given(gap=st.integers(1, 4000), which=st.sampled_from(["closures.csv", "absences.csv", "phase"]))
def test_dates_out_of_order(gap: int, which: str) -> None:
    from datetime import date, timedelta

    start = date(2026, 9, 1)
    end = (start - timedelta(days=gap)).isoformat()
    if which == "phase":
        toml = BASE["instance.toml"].replace("end = 2026-09-04", f"end = {end}", 1)
        assert toml != BASE["instance.toml"]
        must_fail({**BASE, "instance.toml": toml}, mentions="instance.toml")
    elif which == "closures.csv":
        must_fail({**BASE, which: f"start,end,reason\n{start},{end},Ferie\n"}, mentions=which)
    else:
        must_fail({**BASE, which: f"person_id,start,end,reason\nK1R01,{start},{end},syk\n"}, mentions=which)


@FUZZ
@given(cell=st.sampled_from(NUMERIC), row=st.integers(0, 50),
       value=st.sampled_from(["1e308", "1e309", "-1e309", "nan", "inf", "-inf", "9" * 40, "-9" * 20,
                              "18446744073709551617", "1e-400", "0x10", "1_000", "²", "٣٣٣٣٣٣٣٣٣٣٣٣"]))
def test_huge_or_odd_numbers(cell: tuple[str, str], row: int, value: str) -> None:
    name, column = cell
    if value == "1e-400":  # rounds to 0, which may be a valid value
        may_fail(_set_cell(name, column, row, value))
        return
    must_fail(_set_cell(name, column, row, value), mentions=column)


@FUZZ
@given(name=st.sampled_from(TABLES_WITH_ROWS), data=st.data(),
       value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30))
def test_random_cell_text(name: str, data: st.DataObject, value: str) -> None:
    rows = _table(BASE[name])
    r = data.draw(st.integers(0, len(rows) - 1))
    c = data.draw(st.integers(0, len(rows[r]) - 1))
    rows[r][c] = value
    may_fail({**BASE, name: _csv(rows)})


@FUZZ
@given(data=st.data(), junk=st.text(max_size=40))
def test_random_toml_damage(data: st.DataObject, junk: str) -> None:
    text = BASE["instance.toml"]
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 20))
    may_fail({**BASE, "instance.toml": text[:at] + junk + text[at + cut:]})


# ---- formulas and other cells in workbooks -------------------------------------------------------
def _workbook(folder: Path, change: Callable | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name in CSV_FILES:
        sheet = book.create_sheet(name[:-4])
        for row in _table(BASE[name]):
            sheet.append(row)
    if change is not None:
        change(book)
    path = folder / "book.xlsx"
    book.save(path)
    (folder / "instance.toml").write_text(BASE["instance.toml"], encoding="utf-8")
    return path


@FUZZ
@given(name=st.sampled_from(TABLES_WITH_ROWS), data=st.data(),
       formula=st.sampled_from(["=1+2", "=SUM(A1:A3)", "=NOW()", '=HYPERLINK("http://x","y")', "=A2",
                                '=IMPORTXML("http://x","//a")', "=1/0"]))
def test_formula_in_workbook_cell(name: str, data: st.DataObject, formula: str) -> None:
    rows = _table(BASE[name])
    r = data.draw(st.integers(2, len(rows)))  # a data row (sheet rows are 1-based, header = 1)
    c = data.draw(st.integers(1, len(rows[0])))

    def put(book) -> None:
        book[name[:-4]].cell(row=r, column=c, value=formula)

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        got = _clean_read(_workbook(Path(tmp), put))
        assert isinstance(got, InstanceError)
        assert "formula" in str(got) and f"sheet {name[:-4]}" in str(got)


@FUZZ
@given(name=st.sampled_from(TABLES_WITH_ROWS), data=st.data(),
       value=st.one_of(st.integers(-(10**20), 10**20), st.floats(allow_nan=True, allow_infinity=True),
                       st.booleans(), st.dates(), st.datetimes(), st.times(),
                       st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)))
def test_typed_workbook_cell(name: str, data: st.DataObject, value: object) -> None:
    rows = _table(BASE[name])
    r = data.draw(st.integers(1, len(rows)))
    c = data.draw(st.integers(1, len(rows[0])))

    def put(book) -> None:
        book[name[:-4]].cell(row=r, column=c, value=value)

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        try:
            path = _workbook(Path(tmp), put)
        except (ValueError, TypeError):  # openpyxl itself refuses some values
            return
        _clean_read(path)


# ---- the CLI: a broken instance writes nothing; a failed write keeps the previous plan --------
def _run(args: list[str]):
    from cli import main

    return CliRunner().invoke(main, args)


PLAN_FILES = {"plan.json", "assignments.csv", "recruit_calendar.csv", "class_calendar.csv"}

CLI_FUZZ = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True, database=None)


def plan_cleanly(files: dict[str, str | bytes]) -> int:
    """``cli.py plan`` on an instance made of ``files``: never a traceback; exit 2 and no
    plan folder for a broken instance; else a complete plan folder (only ``plan.json``
    when no plan was found); nothing left beside it. Returns the exit code."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        folder = root / "inst"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        out = root / "plan"
        result = _run(["plan", str(folder), "--out", str(out), "--time-limit", "5", "--workers", "1"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{type(result.exception).__name__}: {result.exception}\n{result.output}")
        assert sorted(p.name for p in root.iterdir()) == (["inst"] if result.exit_code == 2 else ["inst", "plan"])
        if result.exit_code == 2:
            assert "Nothing was planned" in result.output
            return 2
        names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
        import json

        status = json.loads((out / "plan.json").read_text("utf-8"))["status"]
        if status in ("OPTIMAL", "FEASIBLE"):
            assert PLAN_FILES <= names and any(n.startswith("ics/recruits/") for n in names), sorted(names)
        else:
            assert names == {"plan.json"} and result.exit_code == 1
        return result.exit_code


def test_cli_plans_a_workbook_instance() -> None:
    # tiny as one .xlsx workbook (sheets named as the CSV files) beside its instance.toml:
    # planned, validated and explained like the folder, rows named by sheet.
    with tempfile.TemporaryDirectory(prefix="xlsx-") as tmp:
        book = _workbook(Path(tmp))
        out = Path(tmp) / "plan"
        result = _run(["plan", str(book), "--out", str(out), "--time-limit", "5", "--workers", "1"])
        assert result.exit_code == 0, result.output
        assert PLAN_FILES <= {p.name for p in out.iterdir()}
        explained = _run(["explain", str(out), "--instance", str(book)])
        assert explained.exit_code == 0, explained.output
        assert "Objective by soft goal" in explained.output and "book.xlsx sheet " in explained.output


def _rename(value: str, old: str = "K1R01") -> dict[str, str]:
    """Every cell ``old`` of every table (recruits.csv, travel.csv) becomes ``value``."""
    out = dict(BASE)
    for name in CSV_FILES:
        rows = _table(BASE[name])
        if any(old in row for row in rows):
            out[name] = _csv([[value if cell == old else cell for cell in row] for row in rows])
    return out


REJECTED_IDS = ["/", "a/b", "a\\b", ".", "..", "x;y", "K1R02", "k1r02", " ", "\t", "\u200b", "line\nbreak",
                "Ø" * 51, "Ø" * 130]
"""Ids the loader refuses: path separators, '.', '..', the list separator, a duplicate (also
in another case), empty after stripping, control or invisible characters, too long
(130 x 'Ø' is 260 bytes: no file system takes that name)."""
ACCEPTED_IDS = ["=1+2", "CON", "-", "Kåre Ø", "a,b", "\"quoted\""]


@pytest.mark.parametrize("value", REJECTED_IDS + ACCEPTED_IDS)
def test_cli_plan_with_odd_recruit_id(value: str) -> None:
    # An id the loader accepts must name a calendar file; one it rejects is a clean error.
    assert (plan_cleanly(_rename(value)) == 2) == (value in REJECTED_IDS)


@CLI_FUZZ
@given(value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60))
def test_cli_plan_with_any_recruit_id(value: str) -> None:
    plan_cleanly(_rename(value))


@CLI_FUZZ
@given(name=st.sampled_from(TABLES_WITH_ROWS), data=st.data(),
       value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30))
def test_cli_plan_with_random_cell_text(name: str, data: st.DataObject, value: str) -> None:
    rows = _table(BASE[name])
    r = data.draw(st.integers(0, len(rows) - 1))
    c = data.draw(st.integers(0, len(rows[r]) - 1))
    rows[r][c] = value
    plan_cleanly({**BASE, name: _csv(rows)})


@pytest.mark.parametrize("damage", ["missing column", "dangling reference", "not utf-8", "empty"])
def test_cli_plan_on_broken_instance_writes_no_plan_folder(tmp_path: Path, damage: str) -> None:
    files: dict[str, str | bytes] = dict(BASE)
    if damage == "missing column":
        files["recruits.csv"] = _csv([r[:2] + r[3:] for r in _table(BASE["recruits.csv"])])
    elif damage == "dangling reference":
        files = _set_cell("supervisors.csv", "ward_id", 0, "NOWHERE")
    elif damage == "not utf-8":
        files["sites.csv"] = BASE["sites.csv"].encode("latin-1")
    else:
        files["wards.csv"] = ""
    folder = tmp_path / "inst"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    out = tmp_path / "plan"
    result = _run(["plan", str(folder), "--out", str(out), "--time-limit", "5", "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "Nothing was planned" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inst"]  # no temporary folder left


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def previous_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan of tiny, written by the CLI: the plan that a failed run must leave intact."""
    out = tmp_path_factory.mktemp("cli") / "plan"
    result = _run(["plan", str(TINY), "--out", str(out), "--time-limit", "5", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("where", ["building calendars", "writing files", "swapping folders"])
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_cli_failed_write_keeps_previous_plan(
    previous_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, error: type
) -> None:
    import os

    import scheduler.export.files as files

    out = tmp_path / "plan"
    shutil.copytree(previous_plan, out)
    (out / "plan.json").write_text((out / "plan.json").read_text("utf-8").replace('"status"', '"status" ', 1),
                                   encoding="utf-8")  # mark it: a new plan would not have this space
    before = _snapshot(out)

    def boom(*args, **kwargs):
        raise error("interrupted")

    if where == "building calendars":
        monkeypatch.setattr(files, "build_feeds", boom)
    elif where == "writing files":
        real = files._write_bytes
        calls = {"n": 0}

        def some_then_boom(path, data):
            calls["n"] += 1
            if calls["n"] > 3:
                raise error("interrupted")
            real(path, data)

        monkeypatch.setattr(files, "_write_bytes", some_then_boom)
    else:
        real_replace = os.replace

        def replace_boom(src, dst):
            if Path(dst) == out and Path(src).name.startswith(".plan.new-"):  # the new plan moving in
                raise error("interrupted")
            real_replace(src, dst)

        monkeypatch.setattr(files.os, "replace", replace_boom)
    try:
        result = _run(["plan", str(TINY), "--out", str(out), "--time-limit", "5", "--workers", "1"])
    except KeyboardInterrupt:
        result = None
    if result is not None:
        assert result.exit_code != 0
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]  # no half-written folder beside it

"""Read and validate an instance (SPEC.md §1) from a folder or an ``.xlsx`` workbook.

:func:`read` is the only way files become an :class:`~models.domain.Instance`. It checks
every row of every file, collects every problem as an :class:`~models.errors.InputIssue`
and raises one :class:`~models.errors.InstanceError` listing all of them; it never raises
anything else, whatever the input.

Decisions where SPEC.md is silent (see the README):

* Column names are matched without surrounding whitespace and case; unknown columns are
  ignored. Blank lines are skipped. A value is stripped of surrounding whitespace.
* Unknown keys in ``[rules]``, ``[[phases]]`` and ``[weights]`` are errors (they are
  almost always typos); other top-level tables and keys in ``[instance]`` are ignored.
* Booleans: ``true/false``, ``yes/no``, ``ja/nei``, ``1/0`` (any case).
* A shift whose ``end`` equals its ``start`` is an error (it would last 24 hours).
* Public holiday names are Norwegian (bokmål) where the ``holidays`` package has them
  for the country, else its English names; never the process locale's.
* Closures and absences longer than ten years, phases longer than two years and phases
  spread over more than ten years are reported as typos in the year.
* Ids (not shift codes) name calendar files and stand in ``;``-separated lists: an id
  must not contain ``/``, ``\\``, ``;`` or control or invisible characters, must not be
  ``.`` or ``..``, and has at most 50 characters. Ids of recruits, sites, supervisors,
  classes and teachers must also differ in more than letter case (file names on Windows
  and macOS ignore case).
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
import tomllib
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from models.domain import (
    DAY_SHIFT,
    DEFAULT_WEIGHTS,
    WEEKDAYS,
    Absence,
    Closure,
    Instance,
    Phase,
    Recruit,
    Roster,
    Rules,
    School,
    SchoolClass,
    Shift,
    Site,
    Source,
    Supervisor,
    Teacher,
    Ward,
)
from models.errors import InputIssue, InstanceError

__all__ = ["OPTIONAL_TABLES", "REQUIRED_TABLES", "TABLE_COLUMNS", "TOML_FILE", "read", "table_rows"]

TOML_FILE = "instance.toml"

TABLE_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # table: (required columns, optional columns) -- SPEC.md §1 "Tables"
    "recruits": (
        ("id", "name", "class_id", "lat", "lon"),
        ("max_travel_minutes", "unavailable_weekdays", "preferred_sites", "avoid_ward_types",
         "recruit_period_start", "recruit_period_end"),
    ),
    "sites": (("id", "name", "municipality", "lat", "lon"), ("address",)),
    "wards": (("id", "site_id", "name", "ward_type", "capacity", "first_placement_ok"), ()),
    "supervisors": (
        ("id", "name", "ward_id", "roster_id", "roster_start"),
        ("position_pct", "qualified", "max_recruits"),
    ),
    "rosters": (("roster_id", "week", *WEEKDAYS), ()),
    "shifts": (("code", "name", "start", "end"), ()),
    "schools": (("id", "name", "lat", "lon"), ("address",)),
    "classes": (
        ("id", "school_id", "name"),
        ("model", "shared_day_with", "school_day_start", "school_day_end"),
    ),
    "teachers": (("id", "school_id", "name", "weekdays", "max_days_per_week"), ()),
    "closures": (("start", "end", "reason"), ("school_id",)),
    "absences": (("person_id", "start", "end"), ("reason",)),
    "travel": (("recruit_id", "site_id", "minutes"), ()),
}
"""Columns of each table: (required, optional). Other columns are allowed and ignored."""

REQUIRED_TABLES: tuple[str, ...] = (
    "recruits", "sites", "wards", "supervisors", "rosters", "shifts", "schools", "classes",
    "teachers",
)
OPTIONAL_TABLES: tuple[str, ...] = ("closures", "absences", "travel")
"""A missing optional table is read as empty."""

# Sanity bounds: values beyond them are typos, and would overflow or stall the model.
MAX_MINUTES = 24 * 60
MAX_CAPACITY = 1000
MAX_RECRUITS_PER_SUPERVISOR = 100
MAX_ROSTER_WEEKS = 520
MAX_PHASE_DAYS = 731
MAX_SPAN_DAYS = 3660
MAX_CELL_SHOWN = 40
MAX_ID_LENGTH = 50  # an id names a file: 50 characters are at most 200 bytes of UTF-8

_ID_COLUMN = {
    "recruits": "id", "sites": "id", "wards": "id", "supervisors": "id", "shifts": "code",
    "schools": "id", "classes": "id", "teachers": "id",
}
_FILE_ID_TABLES = frozenset({"recruits", "sites", "supervisors", "classes", "teachers"})
"""Tables whose ids name calendar files (``ics/<kind>/<id>.ics``)."""
_ID_RULE = (
    "ids name calendar files and fill ';'-separated lists, so they must not contain '/', '\\', ';' "
    "or control or invisible characters, nor be '.' or '..'"
)
_NOUN = {
    "recruits": "recruit", "sites": "site", "wards": "ward", "supervisors": "supervisor",
    "rosters": "roster", "shifts": "shift code", "schools": "school", "classes": "class",
    "teachers": "teacher",
}
_BOOLS = {
    "true": True, "yes": True, "ja": True, "1": True,
    "false": False, "no": False, "nei": False, "0": False,
}
_INT_RE = re.compile(r"[+-]?\d+")
_NUM_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA_RE = re.compile(r"[+-]?\d+,\d+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TOML_LINE_RE = re.compile(r"at line (\d+)")


def read(path: str | os.PathLike[str]) -> Instance:
    """Read and validate an instance.

    Args:
        path: An instance folder (``instance.toml`` and the CSV files of SPEC.md §1), or an
            ``.xlsx`` workbook whose sheets carry the CSV names without ``.csv``, with
            ``instance.toml`` in the same folder as the workbook.

    Returns:
        The validated :class:`~models.domain.Instance`, rows in file order, each row's
        ``source`` naming its file and line, public holidays of ``country`` filled in.

    Raises:
        InstanceError: One error listing every problem found in any file. No other
            exception escapes, whatever the input.
    """
    shown = str(path)
    try:
        return _Loader(Path(path)).load()
    except InstanceError:
        raise
    except RecursionError as exc:  # pragma: no cover - pathological nesting in TOML
        raise InstanceError([InputIssue(shown, None, None, f"cannot be read: {exc}")], shown) from None
    except Exception as exc:  # pragma: no cover - a bug here must still read as an input error
        issue = InputIssue(
            shown, None, None,
            f"could not be read ({type(exc).__name__}: {exc}); this is a bug in the loader, "
            "please report it with the instance",
        )
        raise InstanceError([issue], shown) from exc


# ---------------------------------------------------------------------------------------
# Raw tables: lines of text cells, from CSV or xlsx alike
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CellProblem:
    """A cell that cannot be read as text (a formula or an Excel error)."""

    message: str


@dataclass
class _RawRow:
    line: int
    values: dict[str, str]
    bad_cells: set[str] = field(default_factory=set)


@dataclass
class _Table:
    name: str
    file: str
    columns: set[str]
    rows: list[_RawRow]


def _show(value: object) -> str:
    """A cell value quoted for a message, shortened and without control characters."""
    text = str(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > MAX_CELL_SHOWN:
        text = text[: MAX_CELL_SHOWN - 1] + "…"
    return f"'{text}'"


def _suggest(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if not word or len(choices) > 2000:
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _usable_id(key: str) -> bool:
    """An id can name a file and stand in a ';'-separated list (see ``_ID_RULE``)."""
    if key in (".", ".."):
        return False
    return not any(ch in "/\\;" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in key)


def _listing(items: Iterable[object], limit: int = 12) -> str:
    items = [str(i) for i in items]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", … ({len(items)} in all)"
    return ", ".join(items)


class _Issues:
    def __init__(self) -> None:
        self.items: list[InputIssue] = []

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        self.items.append(InputIssue(file, line, column, message))


def _read_csv_lines(path: Path, file: str, issues: _Issues) -> list[tuple[int, list[object]]] | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        issues.add(file, None, None, f"cannot be read ({exc.strerror or exc})")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        issues.add(
            file, line, None,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8 "
            "('CSV UTF-8' in Excel)",
        )
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        issues.add(file, line, None, "contains NUL characters; is it really a CSV text file?")
        return None
    lines: list[tuple[int, list[object]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    try:
        for cells in reader:
            lines.append((previous + 1, [c.strip() for c in cells]))
            previous = reader.line_num
    except csv.Error as exc:
        issues.add(file, previous + 1, None, f"is not valid CSV here ({exc})")
        return None
    return lines


def _cell_text(cell: Any) -> str | _CellProblem:
    """An xlsx cell as the text a CSV file would hold."""
    value = cell.value
    data_type = getattr(cell, "data_type", None)
    if data_type == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        return _CellProblem(
            f"contains a formula ({_show(value)}); type the value itself, formulas are not "
            "evaluated"
        )
    if data_type == "e":
        return _CellProblem(f"contains the spreadsheet error {_show(value)}")
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M") if value.second == 0 else value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value).strip()


def _read_workbook(
    path: Path, issues: _Issues
) -> dict[str, tuple[str, list[tuple[int, list[object]]]]] | None:
    """Sheets of a workbook by table name: (file label, lines of cells)."""
    try:
        import openpyxl
    except ImportError:
        issues.add(path.name, None, None, "reading .xlsx needs openpyxl (pip install openpyxl==3.1.5)")
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        issues.add(path.name, None, None, f"cannot be read as an .xlsx workbook ({exc})")
        return None
    out: dict[str, tuple[str, list[tuple[int, list[object]]]]] = {}
    for sheet in book.worksheets:
        name = str(sheet.title).strip().lower()
        if name.endswith(".csv"):
            name = name[:-4]
        if name not in TABLE_COLUMNS or name in out:
            continue
        label = f"{path.name} sheet {sheet.title}"
        lines: list[tuple[int, list[object]]] = []
        for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
            lines.append((getattr(row[0], "row", number) if row else number,
                          [_cell_text(c) for c in row]))
        out[name] = (label, lines)
    return out


def table_rows(path: str | os.PathLike[str], name: str) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """The rows of one table of an instance, located as :func:`read` locates them.

    For explanations that must name rows the domain objects do not carry (e.g. a
    ``travel.csv`` override). Never raises: a table that is missing or cannot be read
    gives no rows.

    Args:
        path: The instance folder (or its ``instance.toml``) or ``.xlsx`` workbook.
        name: The table, e.g. ``"travel"``.

    Returns:
        The file label (``"travel.csv"`` or ``"book.xlsx sheet travel"``) and, for each
        non-blank row, its line number and its cells by lower-case column name.
    """
    issues = _Issues()
    folder = Path(path)
    label = f"{name}.csv"
    try:
        if folder.is_file() and folder.name == TOML_FILE:
            folder = folder.parent
        if folder.is_dir():
            if not (folder / label).is_file():
                return label, []
            lines = _read_csv_lines(folder / label, label, issues)
        elif folder.is_file() and folder.suffix.lower() in (".xlsx", ".xlsm"):
            sheets = _read_workbook(folder, issues)
            label = f"{folder.name} sheet {name}"
            if sheets is None or name not in sheets:
                return label, []
            label, lines = sheets[name]
        else:
            return label, []
    except (OSError, ValueError):
        return label, []
    table = None if lines is None or name not in TABLE_COLUMNS else _make_table(name, label, lines, issues)
    if table is None:
        return label, []
    return label, [(raw.line, dict(raw.values)) for raw in table.rows]


def _make_table(
    name: str, file: str, lines: list[tuple[int, list[object]]], issues: _Issues
) -> _Table | None:
    """Header and rows of one table; None (with one issue) when it has no usable header."""
    required, optional = TABLE_COLUMNS[name]
    expected = ", ".join(required + optional)

    def blank(cells: list[object]) -> bool:
        return all(c == "" for c in cells)

    body = iter(lines)
    header_line, header_cells = 0, None
    for number, cells in body:
        if not blank(cells):
            header_line, header_cells = number, cells
            break
    if header_cells is None:
        issues.add(file, None, None, f"is empty; expected a header line with the columns {expected}")
        return None
    header = [c.strip().lower() if isinstance(c, str) else "" for c in header_cells]
    missing = [c for c in required if c not in header]
    if len(missing) == len(required):
        first = ",".join(str(c) for c in header_cells if isinstance(c, str))
        hint = ""
        if len(header) == 1 and ";" in header[0]:
            hint = "; the file seems separated by ';' but SPEC §1 wants commas"
        issues.add(
            file, header_line, None,
            f"has no header line: expected the columns {expected}, got {_show(first)}{hint}",
        )
        return None
    for column in missing:
        issues.add(file, header_line, column, f"required column is missing (the header has {_listing(h for h in header if h)})")
    seen: set[str] = set()
    for col, cell in zip(header, header_cells, strict=False):
        if isinstance(cell, _CellProblem):
            issues.add(file, header_line, None, f"header {cell.message}")
        elif col and col in seen and col in required + optional:
            issues.add(file, header_line, col, "column appears twice in the header; the first is used")
        seen.add(col)
    width = len(header)
    while width and header[width - 1] == "":
        width -= 1
    rows: list[_RawRow] = []
    for number, cells in body:
        if blank(cells):
            continue
        extra = [c for c in cells[width:] if c != ""]
        if extra:
            issues.add(
                file, number, None,
                f"has {width + len(extra)} values but the header has {width} columns; "
                "quote values that contain a comma",
            )
        raw = _RawRow(number, {})
        for col, cell in zip(header, cells, strict=False):
            if not col or col in raw.values or col in raw.bad_cells:
                continue
            if isinstance(cell, _CellProblem):
                raw.bad_cells.add(col)
                issues.add(file, number, col, cell.message)
            else:
                raw.values[col] = str(cell)
        rows.append(raw)
    return _Table(name, file, set(header) - {""}, rows)


# ---------------------------------------------------------------------------------------
# One row: typed getters that record an issue and return None on a bad value
# ---------------------------------------------------------------------------------------


class _Row:
    def __init__(self, loader: _Loader, table: _Table, raw: _RawRow) -> None:
        self.loader = loader
        self.table = table
        self.raw = raw
        self.line = raw.line
        self.ok = True

    @property
    def source(self) -> Source:
        return Source(self.table.file, self.line)

    def error(self, column: str | None, message: str) -> None:
        self.ok = False
        self.loader.issues.add(self.table.file, self.line, column, message)

    def value(self, column: str, required: bool = True, what: str = "a value") -> str | None:
        """Stripped text of a cell, or None when it is empty (an issue if required)."""
        if column not in self.table.columns or column in self.raw.bad_cells:
            if required:
                self.ok = False  # reported once for the file (or the cell) already
            return None
        text = self.raw.values.get(column, "")
        if text == "":
            if required:
                self.error(column, f"missing value: expected {what}")
            return None
        return text

    def text(self, column: str, required: bool = True, what: str = "a value") -> str | None:
        return self.value(column, required, what)

    def integer(
        self, column: str, what: str, lo: int, hi: int | None = None, required: bool = True
    ) -> int | None:
        text = self.value(column, required, what)
        if text is None:
            return None
        number: int | None = None
        if _INT_RE.fullmatch(text):
            try:
                number = int(text)
            except ValueError:  # more digits than Python converts
                number = None
        elif _NUM_RE.fullmatch(text):
            try:
                as_float = float(text)
            except ValueError:
                as_float = math.nan
            if math.isfinite(as_float) and as_float.is_integer() and abs(as_float) < 1e15:
                number = int(as_float)
        if number is None:
            self.error(column, f"expected {what}, got {_show(text)}")
            return None
        if number < lo or (hi is not None and number > hi):
            self.error(column, f"expected {what} {_range(lo, hi)}, got {_show(text)}")
            return None
        return number

    def number(
        self, column: str, what: str, lo: float, hi: float | None = None, required: bool = True
    ) -> float | None:
        text = self.value(column, required, what)
        if text is None:
            return None
        number = _parse_float(text)
        if number is None:
            hint = " (use a decimal point)" if _DECIMAL_COMMA_RE.fullmatch(text) else ""
            self.error(column, f"expected {what}, got {_show(text)}{hint}")
            return None
        if number < lo or (hi is not None and number > hi):
            self.error(column, f"expected {what} {_range(lo, hi)}, got {_show(text)}")
            return None
        return number

    def day(self, column: str, required: bool = True) -> date | None:
        text = self.value(column, required, "a date YYYY-MM-DD")
        if text is None:
            return None
        parsed = _parse_date(text)
        if parsed is None:
            self.error(column, f"expected a date YYYY-MM-DD, got {_show(text)}")
        return parsed

    def clock(self, column: str, required: bool = True) -> time | None:
        text = self.value(column, required, "a time HH:MM")
        if text is None:
            return None
        parsed = _parse_time(text)
        if parsed is None:
            self.error(column, f"expected a time HH:MM (00:00 to 23:59), got {_show(text)}")
        return parsed

    def boolean(self, column: str, required: bool = True) -> bool | None:
        text = self.value(column, required, "true or false")
        if text is None:
            return None
        if text.lower() not in _BOOLS:
            self.error(column, f"expected true or false (or yes/no, ja/nei, 1/0), got {_show(text)}")
            return None
        return _BOOLS[text.lower()]

    def items(self, column: str) -> list[str]:
        text = self.value(column, required=False)
        if text is None:
            return []
        return [part.strip() for part in text.split(";") if part.strip()]

    def weekdays(self, column: str, required: bool = True) -> frozenset[int] | None:
        text = self.value(column, required, "weekdays such as mon;tue")
        if text is None:
            return frozenset() if not required else None
        days: set[int] = set()
        for part in text.split(";"):
            name = part.strip().lower()
            if not name:
                continue
            if name not in WEEKDAYS:
                self.error(
                    column,
                    f"expected weekdays from {' '.join(WEEKDAYS)} separated by ';', got "
                    f"{_show(part.strip())}",
                )
                return None
            days.add(WEEKDAYS.index(name))
        if required and not days:
            self.error(column, f"expected at least one weekday, got {_show(text)}")
            return None
        return frozenset(days)

    def ref(self, column: str, table: str, required: bool = True) -> str | None:
        """An id that must exist in ``table`` (skipped when that table is unreadable)."""
        text = self.value(column, required, f"a {_NOUN[table]} id")
        if text is None:
            return None
        return text if self.check_ref(column, table, text) else None

    def check_ref(self, column: str, table: str, text: str) -> bool:
        known = self.loader.ids.get(table)
        if known is None or text in known:
            return True
        self.error(
            column,
            f"unknown {_NOUN[table]} {_show(text)}: no such id in "
            f"{self.loader.label(table)}{self.loader.suggest(text, table, known)}",
        )
        return False

    def date_range(
        self, start_col: str, end_col: str, required: bool = True
    ) -> tuple[date | None, date | None]:
        """Two dates of a row; an issue when the end is before the start."""
        start = self.day(start_col, required)
        end = self.day(end_col, required)
        if start is not None and end is not None and start > end:
            self.error(end_col, f"{end_col} {end} is before {start_col} {start}")
        return start, end


def _range(lo: float, hi: float | None) -> str:
    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    return f"of at least {fmt(lo)}" if hi is None else f"from {fmt(lo)} to {fmt(hi)}"


def _parse_float(text: str) -> float | None:
    if not _NUM_RE.fullmatch(text):
        return None
    try:
        number = float(text)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _parse_date(text: str) -> date | None:
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_time(text: str) -> time | None:
    match = _TIME_RE.fullmatch(text)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), match[3]
    if hour > 23 or minute > 59 or (second is not None and int(second) != 0):
        return None
    return time(hour, minute)


# ---------------------------------------------------------------------------------------
# instance.toml
# ---------------------------------------------------------------------------------------

_RULE_KEYS = ("min_rest_hours", "max_travel_minutes", "school_day", "practice_on_weekends",
              "practice_in_school_holidays")
_PHASE_KEYS = ("id", "kind", "start", "end", "model", "school_days_per_week",
               "practice_days_per_week", "min_school_days", "school_block_weeks",
               "practice_block_weeks", "min_shifts_per_week", "min_shifts_per_practice_week",
               "max_hours_per_week", "allow_night")


def _toml_show(value: object) -> str:
    if isinstance(value, str):
        return _show(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return _show(value).strip("'")


@dataclass
class _Settings:
    name: str = ""
    timezone: str = ""
    country: str = ""
    rules: Rules = field(default_factory=Rules)
    phases: list[Phase] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)


_TOML_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\]\]?")
_TOML_KEY_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_TOML_LABEL_RE = re.compile(r"^\[\[?(\w+)\]\]?(?: '(.*)'| no\. (\d+))?(?: (\w+))?")


class _TomlLines:
    """Line numbers of instance.toml's tables and keys, for the messages (tomllib keeps none).

    A label as the messages write it -- ``[rules] min_rest_hours``, ``[rules] school_day.start``,
    ``[[phases]] 'vg1' model``, ``[[phases]] no. 2 end``, ``[weights]`` -- gives the line of
    that key, else of its table's header, else None."""

    def __init__(self, text: str) -> None:
        self.tables: list[tuple[str, int, dict[str, int], str | None]] = []  # (name, header line, keys, id)
        keys: dict[str, int] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            m = _TOML_HEADER_RE.match(line)
            if m:
                keys = {}
                self.tables.append((m[2], n, keys, None))
                continue
            k = _TOML_KEY_RE.match(line)
            if k and self.tables:
                keys.setdefault(k[1], n)
                if k[1] == "id":
                    name, header, _keys, _id = self.tables[-1]
                    self.tables[-1] = (name, header, keys, k[2].split("#")[0].strip().strip("\"'"))

    def line_of(self, label: str) -> int | None:
        m = _TOML_LABEL_RE.match(label)
        if not m:
            return None
        name, phase_id, number, key = m[1], m[2], m[3], m[4]
        tables = [t for t in self.tables if t[0] == name]
        if phase_id is not None:
            tables = [t for t in tables if t[3] == phase_id][:1]
        elif number is not None:
            tables = tables[int(number) - 1:int(number)]
        if not tables:
            return None
        for _name, _header, keys, _id in tables:
            if key in keys:
                return keys[key]
        return tables[0][1]


class _Toml:
    """Typed access to instance.toml values; every bad value is one issue."""

    def __init__(self, issues: _Issues, lines: _TomlLines | None = None) -> None:
        self.issues = issues
        self.lines = lines
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.ok = False
        self.issues.add(TOML_FILE, self.lines.line_of(key) if self.lines else None, key, message)

    def table(self, doc: dict[str, Any], name: str, required: bool) -> dict[str, Any] | None:
        value = doc.get(name)
        if value is None:
            if required:
                self.error(f"[{name}]", "missing table")
            return None
        if not isinstance(value, dict):
            self.error(f"[{name}]", f"expected a table [{name}], got {_toml_show(value)}")
            return None
        return value

    def unknown_keys(self, section: dict[str, Any], known: Iterable[str], prefix: str) -> None:
        known = list(known)
        for key in section:
            if key not in known:
                self.error(f"{prefix} {key}", f"unknown key{_suggest(key, known)}; expected one of {', '.join(known)}")

    def string(self, value: object, key: str, what: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"expected {what}, got {_toml_show(value)}")
            return None
        return value.strip()

    def integer(self, value: object, key: str, what: str, lo: int, hi: int | None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"expected {what}, got {_toml_show(value)}")
            return None
        if value < lo or (hi is not None and value > hi):
            self.error(key, f"expected {what} {_range(lo, hi)}, got {value}")
            return None
        return value

    def number(self, value: object, key: str, what: str, lo: float, hi: float | None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(key, f"expected {what}, got {_toml_show(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(key, f"expected {what}, got {value}")
            return None
        if value < lo or (hi is not None and value > hi):
            self.error(key, f"expected {what} {_range(lo, hi)}, got {value}")
            return None
        return float(value)

    def boolean(self, value: object, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {_toml_show(value)}")
            return None
        return value

    def day(self, value: object, key: str) -> date | None:
        if isinstance(value, str):
            parsed = _parse_date(value.strip())
            if parsed is not None:
                return parsed
        elif isinstance(value, date) and not isinstance(value, datetime):
            return value
        self.error(key, f"expected a date such as 2026-08-17, got {_toml_show(value)}")
        return None

    def clock(self, value: object, key: str) -> time | None:
        if isinstance(value, str):
            parsed = _parse_time(value.strip())
            if parsed is not None:
                return parsed
        elif isinstance(value, time) and value.tzinfo is None and not value.second and not value.microsecond:
            return value
        self.error(key, f"expected a time \"HH:MM\", got {_toml_show(value)}")
        return None

    def bounds(self, value: object, key: str) -> tuple[int, int] | None:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
        ):
            self.error(key, f"expected [min, max] weeks such as [2, 4], got {_toml_show(value)}")
            return None
        lo, hi = value
        if not 1 <= lo <= hi or hi > MAX_ROSTER_WEEKS:
            self.error(key, f"expected [min, max] weeks with 1 <= min <= max, got [{lo}, {hi}]")
            return None
        return lo, hi


def _read_settings(path: Path, issues: _Issues) -> _Settings | None:
    """instance.toml as settings, or None when it is missing or has errors."""
    if not path.is_file():
        issues.add(TOML_FILE, None, None, f"is missing; expected it at {path}")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        issues.add(TOML_FILE, None, None, f"cannot be read ({exc.strerror or exc})")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        issues.add(TOML_FILE, data.count(b"\n", 0, exc.start) + 1, None, "is not UTF-8 text")
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE_RE.search(str(exc))
        issues.add(TOML_FILE, int(match[1]) if match else None, None, f"is not valid TOML: {exc}")
        return None

    t = _Toml(issues, _TomlLines(text))
    out = _Settings()

    section = t.table(doc, "instance", required=True)
    if section is not None:
        for key in ("name", "timezone", "country"):
            if key not in section:
                t.error(f"[instance] {key}", "missing key")
        if "name" in section:
            out.name = t.string(section["name"], "[instance] name", "a name in quotes") or ""
        if "timezone" in section:
            out.timezone = _check_timezone(t, section["timezone"]) or ""
        if "country" in section:
            out.country = _check_country(t, section["country"]) or ""

    out.rules = _read_rules(t, t.table(doc, "rules", required=False) or {})

    phases = doc.get("phases")
    if phases is None:
        t.error("[[phases]]", "missing: an instance needs at least one [[phases]] table")
    elif not isinstance(phases, list) or not all(isinstance(p, dict) for p in phases):
        t.error("[[phases]]", "expected [[phases]] tables")
    elif not phases:
        t.error("[[phases]]", "expected at least one [[phases]] table")
    else:
        out.phases = _read_phases(t, phases, out.rules)

    weights = t.table(doc, "weights", required=False) or {}
    t.unknown_keys(weights, DEFAULT_WEIGHTS, "[weights]")
    for key, value in weights.items():
        if key in DEFAULT_WEIGHTS:
            number = t.number(value, f"[weights] {key}", "a number", -math.inf, None)
            if number is not None:
                out.weights[key] = number
    return out if t.ok else None


def _check_timezone(t: _Toml, value: object) -> str | None:
    name = t.string(value, "[instance] timezone", "a time zone name such as \"Europe/Oslo\"")
    if name is None:
        return None
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd paths, OSError, ...
        t.error("[instance] timezone", f"unknown time zone {_show(name)}; expected a zoneinfo name such as \"Europe/Oslo\"")
        return None
    return name


def _check_country(t: _Toml, value: object) -> str | None:
    code = t.string(value, "[instance] country", "a country code such as \"NO\"")
    if code is None:
        return None
    import holidays

    supported = holidays.list_supported_countries()
    if code.upper() not in supported:
        t.error(
            "[instance] country",
            f"no public holidays known for country {_show(code)}; expected an ISO 3166 code "
            "such as \"NO\"",
        )
        return None
    return code.upper()


def _read_rules(t: _Toml, section: dict[str, Any]) -> Rules:
    t.unknown_keys(section, _RULE_KEYS, "[rules]")
    base = Rules()
    values: dict[str, Any] = {}
    if "min_rest_hours" in section:
        values["min_rest_hours"] = t.number(section["min_rest_hours"], "[rules] min_rest_hours", "a number of hours", 0, 24)
    if "max_travel_minutes" in section:
        values["max_travel_minutes"] = t.integer(
            section["max_travel_minutes"], "[rules] max_travel_minutes", "a whole number of minutes", 1, MAX_MINUTES
        )
    for key in ("practice_on_weekends", "practice_in_school_holidays"):
        if key in section:
            values[key] = t.boolean(section[key], f"[rules] {key}")
    if "school_day" in section:
        day = section["school_day"]
        if not isinstance(day, dict):
            t.error("[rules] school_day", f"expected {{ start = \"08:30\", end = \"15:00\" }}, got {_toml_show(day)}")
        else:
            t.unknown_keys(day, ("start", "end"), "[rules] school_day")
            start = t.clock(day["start"], "[rules] school_day.start") if "start" in day else base.school_day_start
            end = t.clock(day["end"], "[rules] school_day.end") if "end" in day else base.school_day_end
            if start is not None and end is not None:
                if start >= end:
                    t.error("[rules] school_day.end", f"the school day ends ({end:%H:%M}) before it starts ({start:%H:%M})")
                else:
                    values["school_day_start"], values["school_day_end"] = start, end
    return Rules(**{k: v for k, v in values.items() if v is not None})


def _read_phases(t: _Toml, tables: list[dict[str, Any]], rules: Rules) -> list[Phase]:
    phases: list[Phase] = []
    seen: dict[str, int] = {}
    for number, section in enumerate(tables, start=1):
        raw_id = section.get("id")
        label = f"[[phases]] {_show(raw_id)}" if isinstance(raw_id, str) and raw_id.strip() else f"[[phases]] no. {number}"
        ok_before = t.ok
        t.ok = True
        t.unknown_keys(section, _PHASE_KEYS, label)
        for key in ("id", "kind", "start", "end"):
            if key not in section:
                t.error(f"{label} {key}", "missing key")
        pid = t.string(raw_id, f"{label} id", "an id in quotes") if "id" in section else None
        if pid is not None:
            if pid in seen:
                t.error(f"[[phases]] no. {number} id", f"phase id {_show(pid)} is used twice (also by [[phases]] no. {seen[pid]})")
            seen.setdefault(pid, number)
        kind = section.get("kind")
        if "kind" in section and kind not in ("practice", "alternation"):
            t.error(f"{label} kind", f"expected \"practice\" or \"alternation\", got {_toml_show(kind)}")
        start = t.day(section["start"], f"{label} start") if "start" in section else None
        end = t.day(section["end"], f"{label} end") if "end" in section else None
        if start is not None and end is not None:
            if start > end:
                t.error(f"{label} end", f"the phase ends ({end}) before it starts ({start})")
            elif (end - start).days + 1 > MAX_PHASE_DAYS:
                t.error(f"{label} end", f"the phase lasts {(end - start).days + 1} days, more than two years; check the years")
        model = section.get("model")
        if "model" in section and model not in ("weekly", "block"):
            t.error(f"{label} model", f"expected \"weekly\" or \"block\", got {_toml_show(model)}")
            model = None
        elif "model" not in section and kind == "alternation":
            t.error(f"{label} model", "missing key: an alternation phase needs model = \"weekly\" or \"block\"")
        values: dict[str, Any] = {}
        ints = {
            "school_days_per_week": ("a whole number of days", 1, 5),
            "practice_days_per_week": ("a whole number of days", 1, 7),
            "min_school_days": ("a whole number of days", 0, 366),
            "min_shifts_per_week": ("a whole number of shifts", 0, 7),
            "min_shifts_per_practice_week": ("a whole number of shifts", 0, 7),
        }
        for key, (what, lo, hi) in ints.items():
            if key in section:
                values[key] = t.integer(section[key], f"{label} {key}", what, lo, hi)
        for key in ("school_block_weeks", "practice_block_weeks"):
            if key in section:
                values[key] = t.bounds(section[key], f"{label} {key}")
        if "max_hours_per_week" in section:
            values["max_hours_per_week"] = t.number(
                section["max_hours_per_week"], f"{label} max_hours_per_week", "a number of hours", 1, 168
            )
        if "allow_night" in section:
            values["allow_night"] = t.boolean(section["allow_night"], f"{label} allow_night")
        if t.ok and kind == "alternation":
            school = values.get("school_days_per_week", 3)
            practice = values.get("practice_days_per_week", 2)
            days = 7 if rules.practice_on_weekends else 5
            if school + practice > days:
                t.error(
                    f"{label} practice_days_per_week",
                    f"school_days_per_week + practice_days_per_week = {school + practice} does "
                    f"not fit into the {days} days a week has for them",
                )
        if t.ok and pid is not None and start is not None and end is not None:
            phases.append(Phase(id=pid, kind=kind, start=start, end=end, model=model, **values))
        t.ok = t.ok and ok_before
    # Phases must not overlap (checked on those that were read).
    ordered = sorted(phases, key=lambda p: (p.start, p.end))
    latest: Phase | None = None
    for phase in ordered:
        if latest is not None and phase.start <= latest.end:
            t.error(
                f"[[phases]] {_show(phase.id)} start",
                f"phase {_show(phase.id)} ({phase.start} to {phase.end}) overlaps phase "
                f"{_show(latest.id)} ({latest.start} to {latest.end}); phases must not overlap",
            )
        if latest is None or phase.end > latest.end:
            latest = phase
    if ordered and (max(p.end for p in ordered) - ordered[0].start).days > MAX_SPAN_DAYS:
        t.error("[[phases]]", f"the phases spread from {ordered[0].start} to {max(p.end for p in ordered)}, more than ten years; check the years")
    return phases


# ---------------------------------------------------------------------------------------
# The loader: tables, ids, rows, cross-references
# ---------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.issues = _Issues()
        self.tables: dict[str, _Table | None] = {}
        self.labels: dict[str, str] = {}
        self.ids: dict[str, dict[str, int] | None] = {}
        self._suggestions: dict[tuple[str, str], str] = {}
        self.missing_teachers: tuple[str, str] | None = None  # (file, message) when teachers.csv is missing

    def suggest(self, word: str, table: str, known: Iterable[str]) -> str:
        """A "did you mean" hint, cached and capped so that many errors stay fast."""
        key = (word, table)
        if key not in self._suggestions:
            self._suggestions[key] = _suggest(word, known) if len(self._suggestions) < 200 else ""
        return self._suggestions[key]

    def label(self, table: str) -> str:
        return self.labels.get(table, f"{table}.csv")

    # ---- reading files -----------------------------------------------------------------
    def _absent(self, name: str, file: str, label: str, what: str, where: str = "") -> None:
        """A table that is not there (``what``: "is missing" or "has no sheet ..."; ``file``:
        the issue's file, ``where``: where it was looked for). A required one is an error;
        teachers.csv only with alternation phases (decided in :meth:`load`); an optional one
        is read as empty."""
        if name == "teachers":
            self.missing_teachers = (file, f"{what}; an instance with alternation phases needs it (SPEC §1){where}")
            self.tables[name] = None  # no rows, and no ids to check others against
        elif name in REQUIRED_TABLES:
            self.issues.add(file, None, None, f"{what}; every instance needs it (SPEC §1){where}")
            self.tables[name] = None
        else:
            self.tables[name] = _Table(name, label, set(TABLE_COLUMNS[name][0]), [])

    def _read_tables(self) -> Path:
        """Fill self.tables; returns the path of instance.toml."""
        path = self.path
        try:
            is_dir, is_file, exists = path.is_dir(), path.is_file(), path.exists()
        except (OSError, ValueError) as exc:  # e.g. a NUL character in the path
            self.issues.add(str(self.path), None, None, f"cannot be opened ({exc})")
            raise self._error() from None
        if is_file and path.name == TOML_FILE:
            path, is_dir, is_file = path.parent, True, False
        books = sorted(p.name for p in path.iterdir()
                       if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith("~$")) if is_dir else []
        if len(books) == 1 and not any((path / f"{name}.csv").is_file() for name in TABLE_COLUMNS):
            # SPEC §1: one workbook beside instance.toml is the instance
            path, is_dir, is_file = path / books[0], False, True
        if is_dir:
            missing = 0
            for name in TABLE_COLUMNS:
                file = f"{name}.csv"
                self.labels[name] = file
                csv_path = path / file
                if not csv_path.is_file():
                    missing += name in REQUIRED_TABLES
                    self._absent(name, file, file, "is missing", f", expected at {csv_path}")
                    continue
                lines = _read_csv_lines(csv_path, file, self.issues)
                self.tables[name] = None if lines is None else _make_table(name, file, lines, self.issues)
            if missing and books:  # the tables are likely in one of the workbooks beside instance.toml
                self.issues.add(str(path), None, None,
                                f"holds the workbook {', '.join(books)}: to read an instance from a workbook, give "
                                f"its path as INSTANCE (e.g. {path / books[0]})")
            return path / TOML_FILE
        if is_file and path.suffix.lower() in (".xlsx", ".xlsm"):
            sheets = _read_workbook(path, self.issues)
            for name in TABLE_COLUMNS:
                label = f"{path.name} sheet {name}"
                if sheets is None:
                    self.labels[name] = label
                    self.tables[name] = None
                    continue
                if name not in sheets:
                    self.labels[name] = label
                    self._absent(name, path.name, label, f"has no sheet {_show(name)}")
                    continue
                label, lines = sheets[name]
                self.labels[name] = label
                self.tables[name] = _make_table(name, label, lines, self.issues)
            return path.parent / TOML_FILE
        if not exists:
            self.issues.add(str(self.path), None, None, "does not exist")
        else:
            self.issues.add(str(self.path), None, None, "is neither an instance folder nor an .xlsx workbook")
        raise self._error()

    def _error(self) -> InstanceError:
        order = {TOML_FILE: 0}
        for i, name in enumerate(TABLE_COLUMNS, start=1):
            order[self.label(name)] = i
        issues = sorted(self.issues.items, key=lambda x: (order.get(x.file, len(order)), x.line or 0))
        return InstanceError(issues, str(self.path))

    def _collect_ids(self) -> None:
        """Ids of each table (even of rows with other errors), reporting duplicates."""
        for name, column in _ID_COLUMN.items():
            table = self.tables.get(name)
            if table is None or column not in table.columns:
                self.ids[name] = None
                continue
            known: dict[str, int] = {}
            folded: dict[str, tuple[str, int]] = {}
            for raw in table.rows:
                key = raw.values.get(column, "")
                if not key:
                    continue
                if key in known:
                    self.issues.add(table.file, raw.line, column, f"duplicate {column} {_show(key)} (first on line {known[key]})")
                    continue
                known[key] = raw.line
                if name == "shifts":  # shift codes name no file; _shifts checks them
                    continue
                if not _usable_id(key):
                    self.issues.add(table.file, raw.line, column, f"{_show(key)} cannot be an id: {_ID_RULE}")
                elif len(key) > MAX_ID_LENGTH:
                    self.issues.add(
                        table.file, raw.line, column,
                        f"{_show(key)} is too long for an id ({len(key)} characters): ids name calendar "
                        f"files, so they may have at most {MAX_ID_LENGTH} characters",
                    )
                elif name in _FILE_ID_TABLES:
                    other = folded.setdefault(key.casefold(), (key, raw.line))
                    if other[0] != key:
                        self.issues.add(
                            table.file, raw.line, column,
                            f"duplicate id {_show(key)}: it differs only in case from {_show(other[0])} on "
                            f"line {other[1]}, and calendar file names ignore case on Windows and macOS",
                        )
            self.ids[name] = known
        rosters = self.tables.get("rosters")
        if rosters is None or "roster_id" not in rosters.columns:
            self.ids["rosters"] = None
        else:
            found: dict[str, int] = {}
            for raw in rosters.rows:
                key = raw.values.get("roster_id", "")
                if key:
                    found.setdefault(key, raw.line)
            self.ids["rosters"] = found

    def rows(self, name: str) -> list[_Row]:
        table = self.tables.get(name)
        return [] if table is None else [_Row(self, table, raw) for raw in table.rows]

    # ---- the whole instance ------------------------------------------------------------
    def load(self) -> Instance:
        toml_path = self._read_tables()
        settings = _read_settings(toml_path, self.issues)
        rules = settings.rules if settings is not None else Rules()
        self._collect_ids()

        shifts = self._shifts(settings.phases if settings is not None else [])
        rosters = self._rosters()
        sites = self._sites()
        wards = self._wards()
        supervisors = self._supervisors()
        schools = self._schools()
        classes = self._classes(rules)
        recruits = self._recruits()
        if settings is not None:
            self._check_recruit_periods(settings.phases, recruits)
        teachers = self._teachers()
        if self.missing_teachers and (settings is None or any(p.kind == "alternation" for p in settings.phases)):
            self.issues.add(self.missing_teachers[0], None, None, self.missing_teachers[1])
        closures = self._closures()
        absences = self._absences()
        travel = self._travel()

        if self.issues.items or settings is None:
            raise self._error()
        holidays = self._holidays(settings, recruits)
        if self.issues.items:
            raise self._error()
        return Instance(
            name=settings.name,
            timezone=settings.timezone,
            country=settings.country,
            rules=settings.rules,
            phases=tuple(settings.phases),
            recruits=tuple(recruits),
            sites=tuple(sites),
            wards=tuple(wards),
            supervisors=tuple(supervisors),
            rosters=tuple(rosters),
            shifts=tuple(shifts),
            schools=tuple(schools),
            classes=tuple(classes),
            teachers=tuple(teachers),
            closures=tuple(closures),
            absences=tuple(absences),
            travel_overrides=travel,
            weights={**DEFAULT_WEIGHTS, **settings.weights},
            holidays=holidays,
            path=str(self.path),
        )

    def _holidays(self, settings: _Settings, recruits: list[Recruit]) -> dict[date, str]:
        """Public holidays of ``country`` in every year the phases (and recruit periods) touch."""
        import holidays as holidays_lib

        days = [d for p in settings.phases for d in (p.start, p.end)]
        days += [d for r in recruits for d in (r.recruit_period_start, r.recruit_period_end) if d]
        years = list(range(min(days).year, max(days).year + 1))
        try:
            probe = holidays_lib.country_holidays(settings.country)
            languages = tuple(getattr(probe, "supported_languages", ()) or ())
            language = "no" if "no" in languages else "en_US" if "en_US" in languages else None
            found = holidays_lib.country_holidays(settings.country, years=years, language=language)
            # two holidays on one date come joined by "; " (17 May 2027: Andre pinsedag;
            # Grunnlovsdag), which reads as two entries in a list: joined by " / " instead
            return {day: " / ".join(found.get_list(day)) for day in sorted(found)}
        except Exception as exc:  # the holidays package failing for some country or year
            self.issues.add(TOML_FILE, None, "[instance] country", f"public holidays cannot be computed ({exc})")
            return {}

    # ---- tables ------------------------------------------------------------------------
    def _shifts(self, phases: list[Phase]) -> list[Shift]:
        """The shifts; the day shift ``D`` may not run past midnight while a phase forbids
        night shifts: a recruit works ``D`` without his supervisor (R8) in any phase, and
        there it would be a night shift (R10)."""
        out = []
        no_night = [p.id for p in phases if not p.allow_night]
        for r in self.rows("shifts"):
            code = r.text("code", what="a shift code such as D")
            if code is not None and (code == "-" or ";" in code):
                r.error("code", f"{_show(code)} cannot be a shift code ('-' marks a day off in rosters.csv)")
            name = r.text("name", what="a name")
            start, end = r.clock("start"), r.clock("end")
            if start is not None and end is not None and start == end:
                r.error("end", f"end equals start ({start:%H:%M}); a shift cannot last 24 hours")
            elif code == DAY_SHIFT and start is not None and end is not None and end < start and no_night:
                r.error("end", f"{end:%H:%M} is before the start {start:%H:%M}, so the day shift {DAY_SHIFT} "
                               f"runs past midnight: a night shift, which "
                               f"{'phase ' if len(no_night) == 1 else 'phases '}{_listing(no_night)} "
                               f"{'does' if len(no_night) == 1 else 'do'} not allow (allow_night = false, SPEC R10), while a recruit works {DAY_SHIFT} "
                               f"whenever he is not with his supervisor (R8); expected an end after the "
                               f"start on the same day")
            if r.ok:
                out.append(Shift(code, name, start, end, source=r.source))
        codes = self.ids.get("shifts")
        if codes is not None and DAY_SHIFT not in codes:
            self.issues.add(
                self.label("shifts"), None, "code",
                f"the day shift {_show(DAY_SHIFT)} is missing; a recruit works it on his ward "
                "when not with his supervisor (SPEC R8)",
            )
        return out

    def _rosters(self) -> list[Roster]:
        grouped: dict[str, dict[int, tuple[int, tuple[str | None, ...]]]] = {}
        first_line: dict[str, int] = {}
        complete: dict[str, bool] = {}
        numbered: dict[str, bool] = {}
        for r in self.rows("rosters"):
            rid = r.text("roster_id", what="a roster id")
            week = r.integer("week", "a week number", 1, MAX_ROSTER_WEEKS)
            cells: list[str | None] = []
            for day in WEEKDAYS:
                code = r.text(day, what="a shift code or '-' for a day off")
                if code is None or code == "-":
                    cells.append(None)
                elif r.check_ref(day, "shifts", code):
                    cells.append(code)
            if rid is None:
                continue
            first_line.setdefault(rid, r.line)
            group = grouped.setdefault(rid, {})
            numbered.setdefault(rid, True)
            if week is None or week in group:
                numbered[rid] = False  # a bad or repeated week number: a gap would only repeat it
            if week is not None and week in group:
                r.error("week", f"week {week} of roster {_show(rid)} appears twice (first on line {group[week][0]})")
            complete[rid] = complete.get(rid, True) and r.ok
            if week is not None and week not in group:
                # kept also when the row has other errors (an unknown shift code), so that a
                # gap in the weeks is reported in the same run; the roster is left out below
                group[week] = (r.line, tuple(cells))
        out = []
        for rid, group in grouped.items():
            weeks = sorted(group)
            if numbered[rid] and weeks != list(range(1, len(weeks) + 1)):
                missing = sorted(set(range(1, weeks[-1] + 1)) - set(weeks))
                self.issues.add(
                    self.label("rosters"), first_line[rid], "week",
                    f"roster {_show(rid)} has weeks {_listing(weeks)}; expected weeks 1 to "
                    f"{weeks[-1]} without gaps (missing {_listing(missing)})",
                )
                continue
            if not complete[rid]:
                continue
            lines = tuple(group[w][0] for w in weeks if group[w][0] != first_line[rid])
            out.append(Roster(rid, tuple(group[w][1] for w in weeks),
                              source=Source(self.label("rosters"), first_line[rid], lines),
                              week_lines=tuple(group[w][0] for w in weeks)))
        return out

    def _sites(self) -> list[Site]:
        out = []
        for r in self.rows("sites"):
            sid, name = r.text("id", what="a site id"), r.text("name", what="a name")
            municipality = r.text("municipality", what="a municipality")
            lat, lon = _lat_lon(r)
            address = r.text("address", required=False) or ""
            if r.ok:
                out.append(Site(sid, name, municipality, lat, lon, address, source=r.source))
        return out

    def _wards(self) -> list[Ward]:
        out = []
        for r in self.rows("wards"):
            wid = r.text("id", what="a ward id")
            site = r.ref("site_id", "sites")
            name = r.text("name", what="a name")
            ward_type = r.text("ward_type", what="a ward type such as somatic")
            capacity = r.integer("capacity", "a whole number of recruits per day", 0, MAX_CAPACITY)
            first_ok = r.boolean("first_placement_ok")
            if r.ok:
                out.append(Ward(wid, site, name, ward_type, capacity, first_ok, source=r.source))
        return out

    def _supervisors(self) -> list[Supervisor]:
        out = []
        for r in self.rows("supervisors"):
            sid, name = r.text("id", what="a supervisor id"), r.text("name", what="a name")
            ward = r.ref("ward_id", "wards")
            roster = r.ref("roster_id", "rosters")
            start = r.day("roster_start")
            if start is not None and start.weekday() != 0:
                r.error("roster_start", f"{start} is a {start:%A}; roster_start must be a Monday (week 1, mon of the roster)")
            pct_text = r.value("position_pct", required=False)
            pct = None
            if pct_text is not None:
                pct = _parse_float(pct_text.rstrip("%").strip())
                if pct is None or not 1 <= pct <= 100:
                    r.error("position_pct", f"expected a position percentage from 1 to 100, got {_show(pct_text)}")
            # no qualified column at all: the instance says nothing about training, and no
            # supervisor is held against it; an empty cell in the column means not trained
            qualified = r.boolean("qualified", required=False) if "qualified" in r.table.columns else True
            max_recruits = r.integer("max_recruits", "a whole number of recruits", 0, MAX_RECRUITS_PER_SUPERVISOR, required=False)
            if r.ok:
                out.append(Supervisor(
                    sid, name, ward, roster, start, position_pct=pct, qualified=bool(qualified),
                    max_recruits=1 if max_recruits is None else max_recruits, source=r.source,
                ))
        return out

    def _schools(self) -> list[School]:
        out = []
        for r in self.rows("schools"):
            sid, name = r.text("id", what="a school id"), r.text("name", what="a name")
            lat, lon = _lat_lon(r)
            address = r.text("address", required=False) or ""
            if r.ok:
                out.append(School(sid, name, lat, lon, address, source=r.source))
        return out

    def _classes(self, rules: Rules) -> list[SchoolClass]:
        rows = self.rows("classes")
        raw = {}
        for r in rows:
            cid = r.raw.values.get("id", "")
            if cid and cid not in raw:
                raw[cid] = r.raw.values
        named_by: dict[str, list[str]] = defaultdict(list)  # class -> the classes naming it
        for cid, values in raw.items():
            if values.get("shared_day_with", ""):
                named_by[values["shared_day_with"]].append(cid)
        out = []
        for r in rows:
            cid, school = r.text("id", what="a class id"), r.ref("school_id", "schools")
            name = r.text("name", what="a name")
            model_text = r.value("model", required=False)
            model = None
            if model_text is not None:
                model = model_text.lower()
                if model not in ("weekly", "block"):
                    r.error("model", f"expected weekly, block or nothing (the phase's model), got {_show(model_text)}")
            partner = r.value("shared_day_with", required=False)
            implied = False
            if partner is None and cid is not None and raw.get(cid) is r.raw.values and len(named_by[cid]) == 1:
                # the pair is named on the partner's row only: it holds both ways
                partner, implied = named_by[cid][0], True
            if partner is not None and cid is not None and not implied and r.check_ref("shared_day_with", "classes", partner):
                other = raw.get(partner, {})
                if partner == cid:
                    r.error("shared_day_with", "a class cannot share its school day with itself")
                elif school is not None and other.get("school_id", "") in (self.ids.get("schools") or {}) and other.get("school_id") != school:
                    r.error(
                        "shared_day_with",
                        f"class {_show(partner)} is at school {_show(other.get('school_id'))}, not "
                        f"{_show(school)}; partner classes must be at the same school",
                    )
                elif partner in raw and other.get("shared_day_with", "") != cid:
                    back = other.get("shared_day_with", "")
                    if back:
                        r.error(
                            "shared_day_with",
                            f"class {_show(partner)} must name {_show(cid)} back in its shared_day_with, or "
                            f"nothing (it names {_show(back)})",
                        )
                    elif len(named_by[partner]) > 1:
                        r.error(
                            "shared_day_with",
                            f"classes {', '.join(_show(c) for c in named_by[partner])} all name {_show(partner)}; "
                            "a class shares its school day with one partner only",
                        )
            day_start, day_end = r.clock("school_day_start", required=False), r.clock("school_day_end", required=False)
            if r.ok and (day_start or day_end):
                s, e = day_start or rules.school_day_start, day_end or rules.school_day_end
                if s >= e:
                    r.error("school_day_end" if day_end else "school_day_start",
                            f"the school day would end ({e:%H:%M}) before it starts ({s:%H:%M})")
            if r.ok:
                out.append(SchoolClass(cid, school, name, model, partner, day_start, day_end, source=r.source))
        return out

    def _recruits(self) -> list[Recruit]:
        out = []
        for r in self.rows("recruits"):
            rid, name = r.text("id", what="a recruit id"), r.text("name", what="a name")
            klass = r.ref("class_id", "classes")
            lat, lon = _lat_lon(r)
            limit = r.integer("max_travel_minutes", "a whole number of minutes", 1, MAX_MINUTES, required=False)
            unavailable = r.weekdays("unavailable_weekdays", required=False)
            preferred = r.items("preferred_sites")
            for site in preferred:
                r.check_ref("preferred_sites", "sites", site)
            avoid = frozenset(x.casefold() for x in r.items("avoid_ward_types"))
            period_start, period_end = r.date_range("recruit_period_start", "recruit_period_end", required=False)
            if r.ok:
                out.append(Recruit(
                    rid, name, klass, lat, lon, max_travel_minutes=limit,
                    unavailable_weekdays=unavailable or frozenset(), preferred_sites=tuple(preferred),
                    avoid_ward_types=avoid,
                    recruit_period_start=period_start, recruit_period_end=period_end,
                    source=r.source,
                ))
        return out

    def _check_recruit_periods(self, phases: list[Phase], recruits: list[Recruit]) -> None:
        """A recruit's own recruit period (the earliest practice phase, README) must not
        reach into another phase: on those dates he would be in two phases at once."""
        practice = sorted((p for p in phases if p.kind == "practice"), key=lambda p: p.start)
        if not practice:
            return
        period = practice[0]
        for r in recruits:
            if r.recruit_period_start is None and r.recruit_period_end is None:
                continue
            start = r.recruit_period_start or period.start
            end = r.recruit_period_end or period.end
            if start > end:
                # one date given, beyond the phase's other end: an empty period (both given
                # in the wrong order is reported where the row is read)
                source = r.source.file if r.source else self.label("recruits"), r.source.line if r.source else None
                if r.recruit_period_end is None:
                    self.issues.add(*source, "recruit_period_start",
                                    f"recruit_period_start {start} is after the end of the recruit period (phase "
                                    f"{_show(period.id)} ends {period.end}); give recruit_period_end too, or an "
                                    f"earlier start")
                elif r.recruit_period_start is None:
                    self.issues.add(*source, "recruit_period_end",
                                    f"recruit_period_end {end} is before the start of the recruit period (phase "
                                    f"{_show(period.id)} starts {period.start}); give recruit_period_start too, or "
                                    f"a later end")
                continue
            for other in phases:
                if other.id == period.id or not (start <= other.end and other.start <= end):
                    continue
                column = "recruit_period_end" if other.start > period.start else "recruit_period_start"
                self.issues.add(
                    r.source.file if r.source else self.label("recruits"), r.source.line if r.source else None,
                    column,
                    f"the recruit period {start} to {end} overlaps phase {_show(other.id)} ({other.start} to "
                    f"{other.end}); a recruit period must end before the next phase starts and start after "
                    "the previous one ends",
                )
                break

    def _teachers(self) -> list[Teacher]:
        out = []
        for r in self.rows("teachers"):
            tid, school = r.text("id", what="a teacher id"), r.ref("school_id", "schools")
            name = r.text("name", what="a name")
            days = r.weekdays("weekdays")
            max_days = r.integer("max_days_per_week", "a whole number of days", 1, 7)
            if r.ok:
                out.append(Teacher(tid, school, name, days, max_days, source=r.source))
        return out

    def _closures(self) -> list[Closure]:
        out = []
        for r in self.rows("closures"):
            span = _span(r)
            reason = r.text("reason", required=False) or ""
            school = r.ref("school_id", "schools", required=False)
            if r.ok:
                out.append(Closure(span[0], span[1], reason, school, source=r.source))
        return out

    def _absences(self) -> list[Absence]:
        people: dict[str, list[str]] | None = {}
        for table in ("recruits", "supervisors", "teachers"):
            known = self.ids.get(table)
            if known is None:
                people = None
                break
            for pid in known:
                people.setdefault(pid, []).append(_NOUN[table])
        out = []
        for r in self.rows("absences"):
            pid = r.text("person_id", what="a recruit, supervisor or teacher id")
            if pid is not None and people is not None:
                if pid not in people:
                    hint = self.suggest(pid, "people", people)
                    r.error("person_id", f"unknown person {_show(pid)}: no recruit, supervisor or teacher has this id{hint}")
                elif len(people[pid]) > 1:
                    r.error("person_id", f"{_show(pid)} is the id of a {' and a '.join(people[pid])}; ids must tell them apart")
            span = _span(r)
            reason = r.text("reason", required=False) or ""
            if r.ok:
                out.append(Absence(pid, span[0], span[1], reason, source=r.source))
        return out

    def _travel(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        lines: dict[tuple[str, str], int] = {}
        for r in self.rows("travel"):
            recruit, site = r.ref("recruit_id", "recruits"), r.ref("site_id", "sites")
            minutes = r.integer("minutes", "a whole number of minutes", 0, MAX_MINUTES)
            if recruit is not None and site is not None:
                if (recruit, site) in lines:
                    r.error(None, f"travel from {recruit} to {site} is given twice (first on line {lines[recruit, site]})")
                lines.setdefault((recruit, site), r.line)
            if r.ok:
                out[recruit, site] = minutes
        return out


def _lat_lon(r: _Row) -> tuple[float | None, float | None]:
    lat = r.number("lat", "a latitude in degrees", -90, 90)
    lon = r.number("lon", "a longitude in degrees", -180, 180)
    return lat, lon


def _span(r: _Row) -> tuple[date | None, date | None]:
    """start/end of a closure or absence; a span over ten years is taken as a typo."""
    start, end = r.date_range("start", "end")
    if r.ok and start is not None and end is not None and (end - start).days > MAX_SPAN_DAYS:
        r.error("end", f"the dates span {(end - start).days + 1} days, more than ten years; check the years")
    return start, end

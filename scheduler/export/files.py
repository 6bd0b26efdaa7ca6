"""Write a plan folder (SPEC.md §4) atomically.

``write_plan`` writes everything into a temporary sibling folder, then swaps it in:
the old folder is renamed aside, the new one renamed into place, the old one deleted.
An interrupted or failing run leaves the previous plan untouched and no half-written
folder under the target name. A result without a plan (INFEASIBLE/UNKNOWN) gives a
folder with ``plan.json`` only, never calendars or CSV files that look valid.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from models.domain import Instance
from models.kpis import NO_PLAN_KPIS
from models.plan import (
    ASSIGNMENT_COLUMNS,
    CALENDAR_COLUMNS,
    CLASS_CALENDAR_COLUMNS,
    Result,
    Status,
    activity_rows,
    assignment_rows,
    class_day_rows,
)
from scheduler.export.ical import FEED_DIRS, build_feeds
from scheduler.export.texts import texts

PLAN_JSON_KEYS: tuple[str, ...] = (
    "instance", "status", "objective", "best_bound", "gap", "wall_seconds", "kpis",
    "breakdown", "explanation", "per_recruit",
)
"""Top-level keys of plan.json, in the order written."""

FLOAT_DIGITS = 6
WALL_SECONDS_DIGITS = 3


# ---- plan.json ----------------------------------------------------------------------------
def _clean(value: Any, digits: int = FLOAT_DIGITS) -> Any:
    """JSON-ready copy: floats rounded (non-finite -> null), mappings with sorted keys."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        rounded = round(value, digits)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _clean(v, digits) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return [_clean(v, digits) for v in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [_clean(v, digits) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item(), digits)
    return str(value)


def plan_json(instance: Instance, result: Result) -> dict[str, Any]:
    """The content of plan.json: SPEC §4 keys, then breakdown, explanation, per_recruit."""
    status = result.status.value if isinstance(result.status, Status) else str(result.status)
    return {
        "instance": instance.name,
        "status": status,
        "objective": _clean(result.objective),
        "best_bound": _clean(result.best_bound),
        "gap": _clean(result.gap),
        "wall_seconds": _clean(float(result.wall_seconds), WALL_SECONDS_DIGITS),
        "kpis": _clean(dict(result.kpis) if result.plan is not None or result.kpis else NO_PLAN_KPIS),
        "breakdown": _clean(dict(result.breakdown)),
        "explanation": [str(line) for line in result.explanation],
        "per_recruit": _clean(dict(result.per_recruit)),
    }


def plan_json_text(instance: Instance, result: Result) -> str:
    """plan.json as text: 2-space indent, UTF-8 letters kept, trailing newline."""
    return json.dumps(plan_json(instance, result), indent=2, ensure_ascii=False) + "\n"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """A CSV table with a header row and ``\\n`` line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


# ---- files --------------------------------------------------------------------------------
def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _plan_files(
    instance: Instance,
    result: Result,
    *,
    lang: str,
    feed_base_url: str | None,
    stamp: datetime | None,
    workers: int = 1,
) -> dict[str, bytes]:
    """Every file of the plan folder by relative path (computed before anything is written)."""
    files = {"plan.json": plan_json_text(instance, result).encode("utf-8")}
    plan = result.plan
    has_plan = plan is not None and Status(result.status).has_plan
    if not has_plan:
        return files
    files["assignments.csv"] = csv_text(ASSIGNMENT_COLUMNS, assignment_rows(plan)).encode("utf-8")
    files["recruit_calendar.csv"] = csv_text(CALENDAR_COLUMNS, activity_rows(plan)).encode("utf-8")
    files["class_calendar.csv"] = csv_text(CLASS_CALENDAR_COLUMNS, class_day_rows(plan)).encode("utf-8")
    feeds = build_feeds(instance, plan, lang=lang, stamp=stamp, feed_base_url=feed_base_url, workers=workers)
    for rel, data in feeds.items():
        files[f"ics/{rel}"] = data
    return files


def _check_target(out_dir: Path) -> None:
    """Refuse to replace a folder that is not a plan folder (it would be deleted)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FileExistsError(f"cannot write the plan to {out_dir}: it exists and is not a folder")
    if any(out_dir.iterdir()) and not (out_dir / "plan.json").exists():
        raise FileExistsError(
            f"cannot write the plan to {out_dir}: the folder is not empty and holds no "
            "plan.json, so it is not a plan folder; choose an empty or new folder"
        )


def write_plan(
    instance: Instance,
    result: Result,
    out_dir: str | Path,
    *,
    lang: str = "nb",
    feed_base_url: str | None = None,
    stamp: datetime | None = None,
    workers: int = 1,
) -> Path:
    """Write a plan folder: plan.json, the three CSV files and every .ics feed.

    Args:
        instance: the instance that was planned.
        result: the solve result; without a plan (INFEASIBLE/UNKNOWN) only plan.json
            (status and explanation) is written.
        out_dir: the plan folder; replaced as a whole, atomically. An existing folder
            must be empty or hold a plan.json (a previous plan).
        lang: language of the calendar texts, ``"nb"`` (default) or ``"en"``.
        feed_base_url: where the folder is published; adds ``SOURCE`` to each calendar.
        stamp: DTSTAMP of every event (aware datetime); default: the latest date of the
            plan at 00:00 UTC.
        workers: processes rendering the calendars (the files are the same for any).

    Returns:
        The plan folder.

    Raises:
        FileExistsError: ``out_dir`` exists and is not a plan folder.
        ValueError: unknown ``lang`` or an id that cannot name a file.
    """
    texts(lang)
    out_dir = Path(out_dir)
    _check_target(out_dir)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    files = _plan_files(instance, result, lang=lang, feed_base_url=feed_base_url, stamp=stamp, workers=workers)

    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=parent))
    try:
        for rel in sorted(files):
            _write_bytes(tmp / rel, files[rel])
        if "assignments.csv" in files:  # every feed folder of SPEC §4, also one without calendars
            for folder in FEED_DIRS:
                (tmp / "ics" / folder).mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; a plan folder is meant to be shared
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    aside: Path | None = None
    try:
        if out_dir.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.replace(out_dir, aside / "plan")
        try:
            os.replace(tmp, out_dir)
        except BaseException:
            if aside is not None:  # put the previous plan back
                os.replace(aside / "plan", out_dir)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if aside is not None and not (aside / "plan").exists():
            shutil.rmtree(aside, ignore_errors=True)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return out_dir

"""Publish a plan folder's calendars into the feed database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from feeds.store import FOLDER_OF_KIND, KINDS, FeedStore, PersonFeed, PublishReport
from models.domain import Instance
from models.plan import PlanFileError, read_plan_json


def plan_feeds(plan_dir: str | Path, instance: Instance) -> list[PersonFeed]:
    """Every calendar under ``plan_dir/ics/`` as a :class:`PersonFeed`, named from ``instance``.

    Raises:
        FileNotFoundError: the folder holds no ``ics/`` calendars (an INFEASIBLE or
            UNKNOWN plan writes plan.json only, and is never published), or a plan the
            validator rejected (``plan`` marks it in plan.json, exit 3).
    """
    ics = Path(plan_dir) / "ics"
    try:
        meta = read_plan_json(plan_dir)
    except (OSError, ValueError, PlanFileError):
        meta = None  # (no plan.json: the calendars below decide)
    if isinstance(meta, dict) and meta.get("validator_violations"):
        raise FileNotFoundError(
            f"{plan_dir} holds a plan the validator rejected ({len(meta['validator_violations'])} "
            "violation(s), see validator_violations in its plan.json): it is not published")
    if not ics.is_dir():
        raise FileNotFoundError(
            f"{plan_dir} holds no calendars (ics/): only a plan with status OPTIMAL or "
            "FEASIBLE can be published")
    names = {
        "recruit": {r.id: r.name for r in instance.recruits},
        "supervisor": {s.id: s.name for s in instance.supervisors},
        "teacher": {t.id: t.name for t in instance.teachers},
        "class": {c.id: c.name for c in instance.classes},
        "site": {s.id: s.name for s in instance.sites},
    }
    out = []
    for kind in KINDS:
        folder = ics / FOLDER_OF_KIND[kind]
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.ics")):
            pid = path.name[: -len(".ics")]
            out.append(PersonFeed(kind, pid, names[kind].get(pid, pid), path.read_bytes()))
    if not out:
        raise FileNotFoundError(f"{ics} holds no .ics calendars")
    return out


def publish_plan(store: FeedStore, plan_dir: str | Path, instance: Instance, *,
                 now: datetime | None = None, keep: int = 10) -> PublishReport:
    """Publish the calendars of ``plan_dir`` as a new version (see :meth:`FeedStore.publish`)."""
    feeds = plan_feeds(plan_dir, instance)
    return store.publish(feeds, source=str(Path(plan_dir).resolve()), instance=instance.name,
                         now=now, keep=keep)

"""Writers of a plan folder (SPEC.md §4): plan.json, CSV tables and .ics feeds."""

from scheduler.export.files import PLAN_JSON_KEYS, csv_text, plan_json, plan_json_text, write_plan
from scheduler.export.ical import FEED_DIRS, build_feeds, event_uid, plan_stamp, vtimezone
from scheduler.export.texts import LANGUAGES, TEXTS, phase_label, texts

__all__ = [
    "FEED_DIRS", "LANGUAGES", "PLAN_JSON_KEYS", "TEXTS", "build_feeds", "csv_text", "event_uid",
    "phase_label", "plan_json", "plan_json_text", "plan_stamp", "texts", "vtimezone", "write_plan",
]

"""Domain types, instance loading and validation. No solver imports (see STYLE.md)."""

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
    estimate_travel_minutes,
    iso_week,
    week_label,
)
from models.errors import InputIssue, InstanceError
from models.io import read
from models.plan import (
    Activity,
    Assignment,
    ClassDay,
    Plan,
    PlanFileError,
    Result,
    Status,
    read_plan,
    read_plan_json,
)

__all__ = [
    "DAY_SHIFT", "DEFAULT_WEIGHTS", "WEEKDAYS", "Absence", "Activity", "Assignment", "ClassDay",
    "Closure", "InputIssue", "Instance", "InstanceError", "Phase", "Plan", "PlanFileError",
    "Recruit", "Result", "Roster", "Rules", "School", "SchoolClass", "Shift", "Site", "Source",
    "Status", "Supervisor", "Teacher", "Ward", "estimate_travel_minutes", "iso_week", "read",
    "read_plan", "read_plan_json", "week_label",
]

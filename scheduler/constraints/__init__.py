"""Hard rules of SPEC §2, one module per rule family, each rule a named function.

``RULES`` lists them with the SPEC rule they keep; ``add_all`` adds every one. Rules do
not depend on the order in which they are added, except that the teacher rule (R7) needs
the joint days that the shared-day rule (R6) creates, which ``add_all`` passes along.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scheduler.constraints.assignment import add_one_supervisor_per_phase, add_supervisor_max_recruits
from scheduler.constraints.block import add_block_lengths, add_block_practice_weeks, add_block_weeks
from scheduler.constraints.capacity import add_ward_capacity
from scheduler.constraints.practice import add_practice_phase_shifts
from scheduler.constraints.rest import add_one_activity_per_day, add_rest_between_activities
from scheduler.constraints.school import add_min_school_days
from scheduler.constraints.shifts import add_shift_with_supervisor, add_without_supervisor_only_when_needed
from scheduler.constraints.teachers import add_teachers
from scheduler.constraints.weekly import add_shared_day, add_weekly_pattern
from scheduler.variables import Vars


@dataclass(frozen=True)
class Rule:
    spec: str  # "R1" ... "R12"
    name: str
    add: Callable[[Vars], object]


RULES: tuple[Rule, ...] = (
    Rule("R1", "one supervisor per recruit and phase, within travel limit", add_one_supervisor_per_phase),
    Rule("R2", "supervisor's max_recruits", add_supervisor_max_recruits),
    Rule("R2", "ward capacity per date", add_ward_capacity),
    Rule("R4", "weekly model: school and practice days per week", add_weekly_pattern),
    Rule("R5", "block model: school weeks and practice weeks", add_block_weeks),
    Rule("R5", "block model: block lengths", add_block_lengths),
    Rule("R8", "shift with supervisor is his roster shift", add_shift_with_supervisor),
    Rule("R8", "without supervisor only when his shift is impossible", add_without_supervisor_only_when_needed),
    Rule("R9", "one activity a day", add_one_activity_per_day),
    Rule("R9", "rest between activities", add_rest_between_activities),
    Rule("R10", "practice phases: shifts and hours per week", add_practice_phase_shifts),
    Rule("R10", "block practice weeks: shifts and hours per week", add_block_practice_weeks),
    Rule("R11", "minimum school days per phase", add_min_school_days),
)


def add_all(v: Vars) -> dict:
    """Add every hard rule; returns the teacher variables (R6 + R7) for extraction."""
    for rule in RULES:
        rule.add(v)
    joint = add_shared_day(v)  # R6
    teach = add_teachers(v, joint)  # R7
    return {"joint": joint, "teach": teach}


__all__ = ["RULES", "Rule", "add_all"]

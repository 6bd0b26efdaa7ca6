"""R9: one activity a day and enough rest between activities."""

from __future__ import annotations

from datetime import timedelta

from scheduler.variables import Vars

REST_LOOKAHEAD_DAYS = 2
"""Activities this many days apart are checked for rest; shifts are at most 24 h long."""


def add_one_activity_per_day(v: Vars) -> None:
    """A recruit does at most one thing a day: school, or one shift (SPEC R4, R8)."""
    for (_r, _d), acts in sorted(v.activities.items()):
        if len(acts) > 1:
            v.model.AddAtMostOne(a.literal for a in acts)


def add_rest_between_activities(v: Vars) -> None:
    """At least ``min_rest_hours`` between the end of one activity and the next (SPEC R9)."""
    for (r, d), acts in sorted(v.activities.items()):
        for gap in range(1, REST_LOOKAHEAD_DAYS + 1):
            later = v.activities.get((r, d + timedelta(days=gap)), [])
            for a in acts:
                for b in later:
                    if a.literal is b.literal:
                        continue
                    if not v.dom.rest_ok(a.window, b.window):
                        v.model.AddBoolOr([a.literal.Not(), b.literal.Not()])

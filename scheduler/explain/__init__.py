"""Say why: pre-checks, explanations of infeasible instances and of plans, in the user's terms.

``diagnose(instance, time_limit)`` is what the planner calls: the pre-checks first (cheap,
no solver); when none of them proves the instance impossible, the conflicting rule
families found by trial solves (``explain_infeasible``). ``explain_plan`` breaks a
written plan's objective down by soft goal and by recruit.
"""

from __future__ import annotations

from models import Instance
from scheduler.explain.findings import Finding
from scheduler.explain.infeasible import FAMILIES, Family, explain_infeasible, feasible
from scheduler.explain.prechecks import CHECKS, precheck
from scheduler.explain.report import explain_plan


def diagnose(
    instance: Instance, time_limit: float = 30.0, *, workers: int = 1, phase_id: str | None = None
) -> list[Finding]:
    """Why an instance cannot be planned: pre-check findings, else the solver's conflict.

    Args:
        instance: A validated instance.
        time_limit: Seconds for the trial solves (used only when no pre-check is fatal).
        workers: CP-SAT workers per trial solve.
        phase_id: The phase the solver could not plan, when known (tried first).

    Returns:
        Fatal findings first, then warnings. When a pre-check is fatal no solver runs;
        otherwise the conflicting rules found by ``explain_infeasible`` (possibly none,
        when the instance is in fact feasible) follow the warnings' lead.
    """
    found = precheck(instance)
    if any(f.fatal for f in found):
        return found
    return explain_infeasible(instance, time_limit, workers=workers, phase_id=phase_id) + found


def render(findings: list[Finding]) -> list[str]:
    """Findings as lines of text (for ``Result.explanation`` and the terminal)."""
    return [line for f in findings for line in f.lines()]


__all__ = [
    "CHECKS", "FAMILIES", "Family", "Finding", "diagnose", "explain_infeasible", "explain_plan", "feasible",
    "precheck", "render",
]

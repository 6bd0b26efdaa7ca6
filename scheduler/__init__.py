"""The CP-SAT side: variables, constraints (one module per rule family), objective, solve."""

from scheduler.solve import SolveOptions, solve

__all__ = ["SolveOptions", "solve"]

"""Progress on a terminal: what the planner has done, with the objective and the bound of
the phases planned so far (rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def progress_printer(enabled: bool) -> Iterator:
    """Yield a progress callback ``(seconds, step, objective, bound)`` (or None) that prints
    one line per step; objective and bound may be None."""
    if not enabled:
        yield None
        return
    console = Console(stderr=True)
    console.print("[bold]planning[/bold]    time  step                          objective        bound     gap")

    def show(seconds: float, step: str, objective: float | None, bound: float | None) -> None:
        obj = "" if objective is None else f"{objective:,.1f}"
        bnd = "" if bound is None else f"{bound:,.1f}"
        gap = ""
        if objective is not None and bound is not None and objective:
            gap = f"{100 * max(0.0, objective - bound) / abs(objective):6.2f} %"
        console.print(f"          {seconds:6.1f}s  {step:<28} {obj:>11} {bnd:>12} {gap:>8}", markup=False)

    yield show

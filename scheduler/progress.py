"""Progress on a terminal: objective and bound over time (rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def progress_printer(enabled: bool) -> Iterator:
    """Yield a progress callback (or None) that prints each improving solution."""
    if not enabled:
        yield None
        return
    console = Console(stderr=True)
    console.print("[bold]solving[/bold]   time   objective       bound     gap")

    def show(seconds: float, objective: float, bound: float) -> None:
        gap = abs(objective - bound) / abs(objective) if objective else 0.0
        console.print(f"          {seconds:5.1f}s {objective:11.1f} {bound:11.1f} {100 * gap:6.2f} %")

    yield show

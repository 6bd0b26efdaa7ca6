"""Errors found while reading an instance (SPEC.md §1: every error, in one run).

:func:`models.read` collects one :class:`InputIssue` per problem in any file of the
instance and raises a single :class:`InstanceError` that lists all of them. Each issue
is a sentence for people, naming the file, the line, the column and what was expected::

    recruits.csv line 7, column max_travel_minutes: expected a whole number of minutes,
    got '45 min'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One problem in one place of an instance.

    Attributes:
        file: The file as the user knows it (``recruits.csv``, ``instance.toml``, or
            ``book.xlsx sheet recruits``).
        line: 1-based line (CSV) or row (xlsx) number; ``None`` for the whole file or
            for a TOML key (TOML values carry no line numbers).
        column: The CSV column, or for ``instance.toml`` the key such as
            ``[rules] min_rest_hours``; ``None`` for a whole row or file.
        message: What is wrong and what was expected.
    """

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        if self.column:
            if self.column.startswith("["):  # a TOML key path such as "[rules] school_day"
                where = f"{where}, {self.column}"
            else:
                where = f"{where}, column {self.column}"
        return f"{where}: {self.message}"


class InstanceError(Exception):
    """An instance that cannot be planned, with every problem found in it.

    Attributes:
        issues: All problems, ordered by file and line.
        path: The instance folder or workbook that was read.
    """

    def __init__(self, issues: list[InputIssue], path: str = "") -> None:
        self.issues = list(issues)
        self.path = str(path)
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.issues)
        head = f"{n} error{'' if n == 1 else 's'} in instance {self.path}:"
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self):  # keep pickling (multiprocessing) working with our signature
        return (type(self), (self.issues, self.path))

"""What an import found wrong, as data: each problem located by file, row, column and record id.

Importers never stop at the first problem. Every failing row is reported with a
stable code (``ssda903.end_before_start``); the faulty child is left out and
the rest imported. :class:`ImportReport` counts rows read, imported and left
out, and renders the summary printed to standard error. Messages name record
ids only, never a child's personal details (not even the date of birth found).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from missing_protocol.errors import InputError, Problem
from missing_protocol.timeline import Timeline

__all__ = ["ImportProblem", "ImportReport", "ImportResult", "SourceFileError"]


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One failing check on one row. ``row`` counts the header as row 1, as a spreadsheet does."""

    code: str
    file: str
    row: int
    column: str
    record_id: str
    message: str

    def format(self) -> str:
        """``file:row: COLUMN: record ID: message [code]``."""
        return (
            f"{self.file}:{self.row}: {self.column}: record {self.record_id or '(none)'}: "
            f"{self.message} [{self.code}]"
        )


@dataclass(slots=True)
class ImportReport:
    """Counts and problems of one import; complete once the source has been read."""

    source: str
    rows_read: int = 0
    rows_imported: int = 0
    children_imported: int = 0
    children_rejected: int = 0
    episodes_imported: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    collection_end: dt.date | None = None  # SSDA903: the last day of the collection year

    @property
    def rows_rejected(self) -> int:
        """Rows left out: those with a problem, and the other rows of their children."""
        return self.rows_read - self.rows_imported

    def by_code(self) -> dict[str, int]:
        """How many problems of each code, by code."""
        return dict(sorted(Counter(p.code for p in self.problems).items()))

    def summary(self) -> str:
        """Every problem, one a line, then the counts: what ``import`` prints to standard error."""
        lines = [p.format() for p in self.problems]
        faulty = len({(p.file, p.row) for p in self.problems})
        lines.append(
            f"{self.source}: {self.rows_read} rows read; {self.rows_imported} imported as "
            f"{self.episodes_imported} episodes of {self.children_imported} children; "
            f"{self.rows_rejected} left out ({faulty} with a problem, "
            f"{self.rows_rejected - faulty} of the same children); "
            f"{self.children_rejected} {'child' if self.children_rejected == 1 else 'children'} "
            "left out"
        )
        if self.problems:
            lines.append(
                "problems by code: "
                + ", ".join(f"{code} {n}" for code, n in self.by_code().items())
            )
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The timelines of the children that passed every check, and the report.

    The report is complete when the result is returned (every row has been read
    and checked); the timelines are built as they are iterated.
    """

    timelines: Iterator[Timeline]
    report: ImportReport


class SourceFileError(InputError):
    """A source file cannot be read at all (missing, not CSV, columns absent)."""

    kind = "source file"

    @classmethod
    def one(cls, code: str, message: str, file: str) -> SourceFileError:
        """The error for a single problem with the whole file."""
        return cls([Problem(code, message, file=file)])

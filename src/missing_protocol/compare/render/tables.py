"""The rules matrix as CSV: one row per cell, in the rule language's codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from missing_protocol.compare.matrix import Entry, Matrix

__all__ = ["CSV_COLUMNS", "render_matrix_csv"]

CSV_COLUMNS = (
    "section",
    "row",
    "label",
    "protocol",
    "covered",
    "obligation",
    "value",
    "deadline",
    "who",
    "section_cited",
    "quote",
    "item",
    "source",
)


def render_matrix_csv(matrix: Matrix) -> str:
    """One CSV row per cell; a cell's several entries are separated by newlines in each field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for section in matrix.sections:
        for row in section.rows:
            for cell in row.cells:
                entries = cell.entries

                def col(get: Any, entries: Sequence[Entry] = entries) -> str:
                    return "\n".join(get(e) or "" for e in entries)

                writer.writerow(
                    (
                        section.key,
                        row.key,
                        row.label,
                        cell.protocol,
                        "yes" if cell.covered else "no",
                        col(lambda e: e.obligation),
                        col(lambda e: e.value),
                        col(lambda e: e.deadline),
                        col(lambda e: e.who),
                        col(lambda e: e.citation and e.citation.section),
                        col(lambda e: e.citation and e.citation.quote),
                        col(lambda e: e.citation and e.citation.item),
                        col(lambda e: e.citation and e.citation.source),
                    )
                )
    return buffer.getvalue()

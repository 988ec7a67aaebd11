"""What differs, in sentences: a short generated summary above each topic's table.

:func:`summarise` reads the rules matrix (itself built from the compiled
rules, so the sentences cannot drift from the rules) and says, for each
topic, where the areas part company: for the items most areas cover, how
strongly, on what and by when each area requires the duty ("Return home
interview: must, on return, within 72 hours in four areas (...); must, on
return, within 3 working days in Pan Beds"); which items only one area has;
and which items every area words the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .common import ProtocolInfo
from .matrix import Matrix, MatrixCell, MatrixRow

__all__ = ["TopicSummary", "summarise"]

_MOST_ROWS = 4  # rows compared in sentences per topic, most widely covered first
_MOST_WAYS = 2  # ways one area words a row, before "and N more"
_MOST_ONLY = 5  # items named per area under "only in"
_COUNTS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True, slots=True)
class TopicSummary:
    """The sentences above one section of the matrix."""

    section: str  # the section's key
    sentences: tuple[str, ...]


def _ways(cell: MatrixCell) -> str:
    """How one area puts one item: distinct obligation, trigger and deadline, strongest first."""
    if not cell.covered:
        return ""
    strength = {"must": 0, "should": 1, "consider": 2}
    ways: list[str] = []
    for entry in sorted(cell.entries, key=lambda e: strength.get(e.obligation or "", 3)):
        w = entry.words
        parts = [entry.obligation, w.trigger, w.deadline] if w.trigger else [w.condition or w.value]
        text = ", ".join(p for p in parts if p)
        if text not in ways:
            ways.append(text)
    if len(ways) > _MOST_WAYS:
        more = len(ways) - _MOST_WAYS
        return " or ".join(ways[:_MOST_WAYS]) + f" (and {more} more)"
    return " or ".join(ways)


def _count(n: int) -> str:
    return _COUNTS[n] if n < len(_COUNTS) else str(n)


def _names(names: Sequence[str], total: int) -> str:
    if len(names) == total and total > 1:
        return "both" if total == 2 else f"all {_count(total)}"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if len(names) >= 3:
        return (
            f"{_COUNTS[len(names)] if len(names) < len(_COUNTS) else len(names)} areas ({listed})"
        )
    return listed


def _row_sentence(row: MatrixRow, names: dict[str, str]) -> str:
    groups: dict[str, list[str]] = {}
    for cell in row.cells:
        groups.setdefault(_ways(cell), []).append(names[cell.protocol])
    total = len(row.cells)
    parts = [
        f"{way} in {_names(areas, total)}"
        for way, areas in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))
        if way
    ]
    if "" in groups:
        parts.append(f"not covered in {_names(groups[''], total)}")
    elif len(groups) == 1:  # the same in these words: the difference is elsewhere
        whos = {e.words.who for c in row.cells for e in c.entries}
        parts[-1] += (
            "; they differ on who does it"
            if len(whos) > 1
            else "; they differ on the conditions (see the table)"
        )
    return f"{row.words[:1].upper()}{row.words[1:]}: " + "; ".join(parts) + "."


def _summary(key: str, rows: Sequence[MatrixRow], columns: Sequence[ProtocolInfo]) -> TopicSummary:
    names = {c.key: c.name for c in columns}
    covering = {r.key: sum(c.covered for c in r.cells) for r in rows}
    compared = [r for r in rows if not r.agree and covering[r.key] >= 2]
    compared.sort(key=lambda r: -covering[r.key])  # stable: matrix order among equals
    sentences = [_row_sentence(r, names) for r in compared[:_MOST_ROWS]]
    if len(compared) > _MOST_ROWS:
        rest = [r.words for r in compared[_MOST_ROWS:]]
        sentences.append(f"Also differing, see the table: {', '.join(rest)}.")
    for column in columns:
        only = [
            r.words
            for r in rows
            if covering[r.key] == 1 and any(c.covered and c.protocol == column.key for c in r.cells)
        ]
        if only and len(columns) > 1:
            listed = ", ".join(only[:_MOST_ONLY])
            if len(only) > _MOST_ONLY:
                listed += f" and {len(only) - _MOST_ONLY} more"
            sentences.append(f"Only {column.name}: {listed}.")
    same = [r.words for r in rows if r.agree]
    if same:
        sentences.append(f"Worded the same in every area: {', '.join(same)}.")
    return TopicSummary(key, tuple(sentences))


def summarise(matrix: Matrix) -> tuple[TopicSummary, ...]:
    """One summary per section of ``matrix``, in the same order."""
    return tuple(_summary(s.key, s.rows, matrix.protocols) for s in matrix.sections)

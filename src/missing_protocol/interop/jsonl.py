"""Timelines as JSON Lines: one child a line, all of a child's episodes in one timeline.

:func:`write_jsonl` writes timelines in their own input format (dates alone
for moments known only to the day); :func:`read_jsonl` reads them back one
line at a time, so a caseload of any size streams. :func:`read_caseload`
takes either a JSON Lines caseload (``.jsonl``, ``.ndjson``) or one timeline
file (YAML or JSON).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from missing_protocol.errors import TimelineError
from missing_protocol.loading import load_timeline, parse_timeline
from missing_protocol.timeline import Timeline, timeline_to_jsonable

__all__ = ["is_caseload", "read_caseload", "read_jsonl", "write_jsonl"]


def write_jsonl(timelines: Iterable[Timeline], out: TextIO) -> int:
    """Write each timeline as one line of JSON; return how many were written."""
    count = 0
    for timeline in timelines:
        out.write(json.dumps(timeline_to_jsonable(timeline), ensure_ascii=False) + "\n")
        count += 1
    return count


def read_jsonl(lines: Iterable[str], name: str) -> Iterator[Timeline]:
    """Timelines from JSON Lines text; blank lines are skipped.

    A line that is not a valid timeline raises :class:`TimelineError` with its
    problems located at that line of ``name``.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield parse_timeline(line, name)
        except TimelineError as exc:
            raise TimelineError(
                dataclasses.replace(p, file=name, line=number, column=None, source_line=None)
                for p in exc.problems
            ) from None


def is_caseload(path: Path) -> bool:
    """Whether ``path`` names a JSON Lines caseload rather than one timeline."""
    return path.suffix.lower() in (".jsonl", ".ndjson")


def read_caseload(path: Path) -> Iterator[Timeline]:
    """The timelines of a JSON Lines caseload, streamed; or the one timeline of a timeline file."""
    if not is_caseload(path):
        yield load_timeline(path)
        return
    with path.open(encoding="utf-8") as handle:
        yield from read_jsonl(handle, str(path))

"""Reading a source CSV row by row, checking it, and grouping rows by child.

Rows are streamed with the ``csv`` module. A child's rows need not be
contiguous, so the checked rows are grouped by child in memory as compact
:class:`~missing_protocol.interop.checks.SourceEpisode` records (about 200 bytes
each: a year of a large county, tens of thousands of rows, is a few megabytes),
never the file itself; timelines are then built one child at a time, in the
order children first appear in the file. Nothing is sorted on disk.

A child with any problem is left out whole: their episodes interact (overlaps,
repeat counts in rolling windows), so evaluating the rest of them would count
wrongly. The report says how many rows that leaves out.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from missing_protocol.interop.checks import (
    SourceEpisode,
    SourceFormat,
    child_problems,
    read_row,
    row_problems,
)
from missing_protocol.interop.mapping import SourceProfile, to_timeline
from missing_protocol.interop.problems import (
    ImportProblem,
    ImportReport,
    ImportResult,
    SourceFileError,
)
from missing_protocol.timeline import Timeline

__all__ = ["Extra", "open_rows", "read_source"]

# Source fields beyond the episode (SSD's return interview flags): (format, row number,
# values, record id) -> (fields to keep, their problems).
Extra = Callable[
    [SourceFormat, int, Mapping[str, str], str], tuple[dict[str, str], list[ImportProblem]]
]


def open_rows(
    path: Path, fmt: SourceFormat, wanted: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) for each data row; the header is row 1. Checks the columns first."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise SourceFileError.one(
            "import.unreadable", f"cannot read the file: {exc.strerror}", fmt.file
        ) from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in wanted if column not in header]
        if missing:
            raise SourceFileError.one(
                f"{fmt.name}.missing_column",
                f"expected the columns {', '.join(wanted)}; missing {', '.join(missing)}",
                fmt.file,
            )
        for number, row in enumerate(reader, start=2):
            yield number, {key: value or "" for key, value in row.items() if key is not None}


def read_source(
    path: Path,
    fmt: SourceFormat,
    profile: SourceProfile,
    dob: Callable[[Mapping[str, str]], dt.date],
    extra: Extra | None = None,
) -> ImportResult:
    """Read, check and group ``path``; the timelines are built as they are iterated."""
    report = ImportReport(source=f"{profile.source} ({fmt.file})")
    groups: dict[str, list[SourceEpisode]] = {}
    rejected: set[str] = set()
    wanted = list(dict.fromkeys(fmt.columns.values()))
    for number, row in open_rows(path, fmt, wanted):
        report.rows_read += 1
        values = {name: row.get(column, "") for name, column in fmt.columns.items()}
        problems: list[ImportProblem] = []
        episode = read_row(fmt, number, values, dob, problems)
        if episode is not None:
            problems += row_problems(fmt, episode)
            if extra is not None:
                flags, more = extra(fmt, number, values, episode.record_id)
                problems += more
                if flags:
                    episode = dataclasses.replace(episode, extra=flags)
        child = values["child"].strip()
        if problems:
            report.problems.extend(problems)
            rejected.add(child)
        if episode is not None:
            groups.setdefault(child, []).append(episode)
        elif child not in groups:
            groups[child] = []
    for child, episodes in groups.items():
        if episodes and child not in rejected:
            found = child_problems(fmt, episodes)
            if found:
                report.problems.extend(found)
                rejected.add(child)
    report.problems.sort(key=lambda p: (p.row, p.column, p.code))
    accepted = [(child, eps) for child, eps in groups.items() if child not in rejected and eps]
    report.children_rejected = len(rejected)
    report.children_imported = len(accepted)
    report.rows_imported = report.episodes_imported = sum(len(eps) for _, eps in accepted)
    return ImportResult(_timelines(profile, accepted), report)


def _timelines(
    profile: SourceProfile, accepted: list[tuple[str, list[SourceEpisode]]]
) -> Iterator[Timeline]:
    for _, episodes in accepted:
        yield to_timeline(profile, episodes)

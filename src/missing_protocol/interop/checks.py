"""The importers' checks, in the spirit of the DfE's 903 validator.

A source row is first read field by field (:class:`Field` parsers report a date
that does not exist, an unknown type, a blank id); a row that reads is a
:class:`SourceEpisode`, and then faces the row checks (:data:`ROW_CHECKS`: an
episode that ends before it starts, a child born after the episode); the rows of
one child then face the child checks (:func:`child_problems`: two episodes that
overlap, dates of birth that disagree). Each check is a small function with a
code, a message and the fields it looks at; the code is prefixed with the
importer's name (``ssda903.``, ``ssd.``) and the column named is the source's.

Overlap follows the DfE's rule for dates without times: an episode that ends on
the day the next one starts is two touching episodes, not an overlap.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from missing_protocol.interop.problems import ImportProblem

__all__ = [
    "ROW_CHECKS",
    "RowCheck",
    "SourceEpisode",
    "SourceFormat",
    "child_problems",
    "row_problems",
]

Moment = dt.date | dt.datetime  # a date alone (SSDA903) or a date and time (SSD)

_RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
TYPES = {"M": "missing (whereabouts unknown)", "A": "away from placement (whereabouts known)"}


@dataclass(frozen=True, slots=True)
class SourceFormat:
    """What a check needs to know of a source: its name, file, columns, and how moments read."""

    name: str  # the code prefix: ssda903 | ssd
    file: str
    columns: Mapping[str, str]  # our field -> the source's column
    moment: Callable[[str], Moment | None]  # raises ValueError for a value that is no moment
    moment_shape: str  # e.g. "a date dd/mm/yyyy"
    elsewhere: Mapping[str, str] = field(default_factory=dict)  # fields from another file

    def problem(self, code: str, row: int, name: str, record: str, message: str) -> ImportProblem:
        """A problem with the row's field ``name``, named by the source's column."""
        column = self.columns.get(name) or self.elsewhere[name]
        return ImportProblem(f"{self.name}.{code}", self.file, row, column, record, message)


@dataclass(frozen=True, slots=True)
class SourceEpisode:
    """One row that read: a child's episode as the source gives it."""

    row: int
    child_id: str
    record_id: str  # the row's own id where the source has one, else the child's
    kind: str  # M | A
    start: Moment
    end: Moment | None
    dob: dt.date
    extra: Mapping[str, str] = field(default_factory=dict)


def _day(moment: Moment) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def read_row(
    fmt: SourceFormat,
    row: int,
    values: Mapping[str, str],
    dob: Callable[[Mapping[str, str]], dt.date],
    problems: list[ImportProblem],
) -> SourceEpisode | None:
    """The row as a :class:`SourceEpisode`, or ``None`` after adding its field problems."""
    child = values["child"].strip()
    record = values.get("record", child).strip() or child
    found: list[ImportProblem] = []
    if not _RECORD_ID.match(child):
        found.append(
            fmt.problem(
                "bad_child_id",
                row,
                "child",
                record,
                "expected a child id of letters, digits and . _ : - (at most 64)",
            )
        )
    kind = values["type"].strip().upper()
    if kind not in TYPES:
        found.append(
            fmt.problem(
                "unknown_type",
                row,
                "type",
                record,
                f"expected M (missing: whereabouts unknown) or A (away from placement without "
                f"authorisation: whereabouts known), got {values['type'].strip()[:10]!r}",
            )
        )
    moments: dict[str, Moment | None] = {}
    for name in ("start", "end"):
        text = values[name].strip()
        try:
            moments[name] = fmt.moment(text) if text else None
        except ValueError:
            found.append(
                fmt.problem(
                    "bad_date", row, name, record, f"expected {fmt.moment_shape} that exists"
                )
            )
    if "start" in moments and moments["start"] is None:
        found.append(fmt.problem("no_start", row, "start", record, "the episode has no start"))
    born: dt.date | None = None
    try:
        born = dob(values)
    except ValueError:
        found.append(
            fmt.problem(
                "bad_date", row, "dob", record, "the date of birth is not a date that exists"
            )
        )
    except LookupError as exc:
        found.append(fmt.problem("unknown_person", row, "child", record, str(exc.args[0])))
    problems.extend(found)
    start = moments.get("start")
    if found or start is None or born is None:
        return None
    return SourceEpisode(row, child, record, kind, start, moments.get("end"), born)


@dataclass(frozen=True, slots=True)
class RowCheck:
    """A check of one row: its code, the fields it reads (the first is reported), the test."""

    code: str
    fields: tuple[str, ...]
    message: str
    fails: Callable[[SourceEpisode], bool]


ROW_CHECKS: tuple[RowCheck, ...] = (
    RowCheck(
        "end_before_start",
        ("end", "start"),
        "the episode ends before it starts; check both",
        lambda e: e.end is not None and _before(e.end, e.start),
    ),
    RowCheck(
        "born_after_episode",
        ("dob", "start"),
        "the child's date of birth is after the episode starts; check both",
        lambda e: e.dob > _day(e.start),
    ),
)


def _before(a: Moment, b: Moment) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a < b
    return _day(a) < _day(b)


def row_problems(fmt: SourceFormat, episode: SourceEpisode) -> list[ImportProblem]:
    """Every row check the episode fails."""
    return [
        fmt.problem(check.code, episode.row, check.fields[0], episode.record_id, check.message)
        for check in ROW_CHECKS
        if check.fails(episode)
    ]


def _order_key(e: SourceEpisode) -> tuple[dt.datetime, dt.datetime, int]:
    def instant(m: Moment | None, default: dt.datetime) -> dt.datetime:
        if m is None:
            return default
        return m if isinstance(m, dt.datetime) else dt.datetime.combine(m, dt.time())

    return instant(e.start, dt.datetime.min), instant(e.end, dt.datetime.max), e.row


def chronological(episodes: Sequence[SourceEpisode]) -> list[SourceEpisode]:
    """A child's episodes in time order; of two starting together, the one ending first."""
    return sorted(episodes, key=_order_key)


def child_problems(fmt: SourceFormat, episodes: Sequence[SourceEpisode]) -> list[ImportProblem]:
    """Problems across the rows of one child: overlapping episodes, disagreeing dates of birth."""
    found = []
    first = episodes[0]
    for other in episodes[1:]:
        if other.dob != first.dob:
            found.append(
                fmt.problem(
                    "dob_differs",
                    other.row,
                    "dob",
                    other.record_id,
                    f"the date of birth differs from row {first.row}'s for child {other.child_id}",
                )
            )
    for earlier, later in itertools.pairwise(chronological(episodes)):
        if earlier.end is None:
            why = f"starts while the episode of row {earlier.row} has no end; end that one first"
        elif _before(later.start, earlier.end):
            why = (
                f"starts before the episode of row {earlier.row} ends; one episode may end as "
                "the next starts (with dates alone, on the day it starts) but not after"
            )
        else:
            continue
        found.append(
            fmt.problem(
                "overlap", later.row, "start", later.record_id, f"child {later.child_id}: {why}"
            )
        )
    return found

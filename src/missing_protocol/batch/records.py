"""Reading a caseload: JSON Lines, a directory of timeline files, or standard input.

A :class:`Record` is one timeline's text and where it came from, not yet
parsed, so that reading stays cheap and parsing can happen in a worker
process. :func:`parse_record` turns a record into a :class:`Timeline`: by the
standard library's JSON reader first (the fast path), and only when that fails
by the located loader (:func:`missing_protocol.loading.parse_timeline`), to say
where the record is wrong: the input file, the JSON Lines line number, the record id
if one can be read (never any other value from the record), the field path and
a stable code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from missing_protocol.errors import Problem, TimelineError
from missing_protocol.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from missing_protocol.timeline import Timeline

__all__ = [
    "TIMELINE_SUFFIXES",
    "Record",
    "count_lines",
    "parse_record",
    "read_directory",
    "read_jsonl",
    "read_lines",
    "record_id",
    "timeline_files",
]

TIMELINE_SUFFIXES = (".json", ".yaml", ".yml")

# A record id as timeline.RecordId allows it; anything else is not repeated.
_RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


@dataclass(frozen=True, slots=True)
class Record:
    """One timeline as read from the input, before parsing.

    ``label`` names the record in output: its line number in a JSON Lines
    input, or its file name in a directory. ``line`` is the JSON Lines line
    number (``None`` for a file of its own). ``unreadable`` says why the text
    could not be read (then ``text`` is empty).
    """

    source: str
    label: str
    text: str
    line: int | None = None
    is_json: bool = True
    unreadable: str | None = None


def read_lines(lines: Iterable[bytes | str], source: str) -> Iterator[Record]:
    """The records of a JSON Lines stream, one per non-blank line, numbered from 1."""
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield Record(source, str(number), "", number, unreadable="not UTF-8 text")
                continue
        else:
            text = raw
        text = text.rstrip("\r\n")
        if text.strip():
            yield Record(source, str(number), text, number)


def read_jsonl(path: Path) -> Iterator[Record]:
    """The records of a JSON Lines file, read as they are needed."""
    with _open(path) as stream:
        yield from read_lines(stream, str(path))


def count_lines(path: Path) -> int:
    """How many non-blank lines a JSON Lines file has (for a progress bar's total)."""
    with _open(path) as stream:
        return sum(1 for raw in stream if raw.strip())


def read_directory(path: Path) -> Iterator[Record]:
    """One record per timeline file (``.json``, ``.yaml``, ``.yml``) in a directory, by name."""
    for file in timeline_files(path):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            yield Record(str(file), file.name, "", is_json=False, unreadable=str(reason))
            continue
        yield Record(str(file), file.name, text, is_json=file.suffix == ".json")


def timeline_files(path: Path) -> list[Path]:
    """The timeline files of a directory, sorted by name."""
    return sorted(p for p in path.iterdir() if p.suffix in TIMELINE_SUFFIXES and p.is_file())


def _open(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TimelineError(
            [Problem("io.unreadable", f"cannot read the file: {reason}", str(path))]
        ) from exc


def record_id(record: Record) -> str | None:
    """The record's child id, if one can be read and looks like a record id."""
    import yaml  # noqa: PLC0415 - only needed to explain a failed record

    data: Any
    try:
        data = json.loads(record.text) if record.is_json else yaml.safe_load(record.text)
    except (ValueError, RecursionError, yaml.YAMLError):
        return None
    child = data.get("child") if isinstance(data, dict) else None
    found = child.get("id") if isinstance(child, dict) else None
    if isinstance(found, str) and _RECORD_ID.fullmatch(found):
        return found
    return None


def parse_record(record: Record, limits: Limits = DEFAULT_LIMITS) -> Timeline:
    """The record's timeline, or :class:`TimelineError` with every problem located in the input.

    Read by :func:`~missing_protocol.loading.parse_timeline_json_first`, as the
    command line and the service read a timeline: JSON by the standard
    library's reader first; a record that fails it (or a YAML file) is read
    again by the guarded, located reader, which also enforces the limits
    (``limits.record_bytes`` for a JSON Lines record) and says where it is
    wrong. Either way the answer is the located reader's (a duplicate key, say,
    is refused on both paths).
    """
    from missing_protocol.loading import parse_timeline_json_first  # noqa: PLC0415

    if record.unreadable is not None:
        raise TimelineError(
            [
                Problem(
                    "io.unreadable",
                    f"cannot read the record: {record.unreadable}",
                    record.source,
                    line=record.line,
                )
            ]
        )
    if record.line is not None:
        return parse_timeline_json_first(
            record.text, record.source, line=record.line, limits=limits
        )
    try:
        return parse_timeline_json_first(record.text, record.source, limits=limits)
    except TimelineError as exc:
        raise TimelineError([locate(p, record) for p in exc.problems]) from None


def locate(problem: Problem, record: Record) -> Problem:
    """A problem found in a record's own text, placed in the input it came from.

    A JSON Lines record is one line, so the loader's line 1 becomes the
    record's line number and its column stays; a file of its own keeps both.
    """
    if record.line is None:
        return replace(problem, file=record.source)
    column = problem.column if problem.line == 1 else None
    return replace(problem, file=record.source, line=record.line, column=column)

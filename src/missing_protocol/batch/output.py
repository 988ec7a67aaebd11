"""Writing a batch's results: one CSV row per action, one JSON line per evaluation, or counts.

Each chunk of results is rendered to text where it was evaluated (in a worker
process, with ``--jobs``), so that only text and counts travel back:
:func:`render_chunk` gives a :class:`Rendered`, and :class:`Totals` adds them
up for the summary and the exit code. :func:`atomic_file` writes a named
output beside its final place and renames it only when the run succeeds, so
a failed run leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import io
import itertools
import operator
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO

from .run import BatchResult, Failure

if TYPE_CHECKING:
    from missing_protocol.errors import Problem
    from missing_protocol.results import ActionRow, CompactEvaluation, Evaluation, RequiredAction

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "Format",
    "Rendered",
    "Totals",
    "action_rows",
    "atomic_file",
    "format_failure",
    "render_chunk",
    "summary_table",
]

Format = Literal["actions-csv", "jsonl", "summary"]
FORMATS: tuple[Format, ...] = ("actions-csv", "jsonl", "summary")

CSV_COLUMNS = (
    "record",
    "child_id",
    "protocol",
    "episode_id",
    "kind",
    "obligation",
    "responsible",
    "recipient",
    "triggered_at",
    "due_at",
    "status",
    "met_at",
    "rule_id",
    "action_id",
)


# Instants as the CSV writes them (UTC, "2024-06-05T03:58:00Z"), remembered: a caseload's
# actions share few distinct instants. Keyed by the moment and its fold: two London times
# that share a time zone compare by their wall-clock readings, so the two 01:30s of the
# October change are equal datetimes, told apart only by the fold. Cleared when large.
_INSTANTS: dict[tuple[dt.datetime, int], str] = {}
_INSTANTS_KEPT = 1 << 16


def _moment(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    key = (moment, moment.fold)
    text = _INSTANTS.get(key)
    if text is None:
        if len(_INSTANTS) >= _INSTANTS_KEPT:
            _INSTANTS.clear()
        text = _INSTANTS[key] = moment.astimezone(dt.UTC).isoformat()[:-6] + "Z"
    return text


class _Values(dict[Any, str]):
    """An enum member's value by the member, each looked up once (``.value`` costs more)."""

    def __missing__(self, member: Any) -> str:
        value: str = member.value
        self[member] = value
        return value


_STATUS_TEXT = _Values()
_KIND, _STATUS = operator.attrgetter("kind"), operator.attrgetter("status")


def _actions(
    evaluation: Evaluation | CompactEvaluation,
) -> tuple[RequiredAction, ...] | tuple[ActionRow, ...]:
    return evaluation.rows if hasattr(evaluation, "rows") else evaluation.actions


def action_rows(record: str, evaluation: Evaluation | CompactEvaluation) -> list[tuple[str, ...]]:
    """The ``actions-csv`` rows of one evaluation: one per required action, in ``CSV_COLUMNS``.

    Times are UTC instants (``2024-06-05T03:58:00Z``); ``action_id`` is the action's stable
    id, as in ``evaluate``'s JSON and as ``explain`` takes it.
    """
    protocol, child = evaluation.protocol_id, evaluation.child_id
    moment, status = _moment, _STATUS_TEXT
    return [
        (
            record,
            child,
            protocol,
            a.episode_id,
            a.kind,
            a.obligation,
            a.responsible,
            a.recipient or "",
            moment(a.triggered_at),
            moment(a.due_at),
            status[a.status],
            moment(a.met_at),
            a.rule_id,
            a.id,
        )
        for a in _actions(evaluation)
    ]


_SEPARATORS = len(CSV_COLUMNS) - 1


def _write_rows(text: io.StringIO, writer: Any, rows: list[tuple[str, ...]]) -> None:
    """Rows as the CSV writer writes them; joined directly when no field needs quoting.

    A field needs quoting only if it holds a comma, a double quote or a line break; the
    rows joined have none but the commas between fields, which are counted. The CSV
    writer costs ten times as much per row as joining.
    """
    if not rows:
        return
    block = "\n".join(map(",".join, rows))
    if (
        block.count(",") == _SEPARATORS * len(rows)
        and block.count("\n") == len(rows) - 1
        and '"' not in block
        and "\r" not in block
    ):
        text.write(block)
        text.write("\n")
    else:
        writer.writerows(rows)


def format_failure(result: BatchResult) -> str:
    """A failed record's problems, one line each: where, which record, what, and the code.

    ``caseload.jsonl:17:45: record C-0042: episodes[0].started_at: expected ... [code]``;
    a record that fails under one protocol only says which. The record id is
    given only when one could be read and looks like a record id.
    """
    failure = result.result
    assert isinstance(failure, Failure)
    who = f"record {failure.record_id}" if failure.record_id else "record id unreadable"
    if result.protocol_id is not None:
        who += f" under {result.protocol_id}"
    return "".join(f"{_where(p)}: {who}: {_what(p)}\n" for p in failure.problems)


def _where(problem: Problem) -> str:
    where = problem.file or "<input>"
    if problem.line is not None:
        where += f":{problem.line}"
        if problem.column is not None:
            where += f":{problem.column}"
    return where


def _what(problem: Problem) -> str:
    return f"{problem.path + ': ' if problem.path else ''}{problem.message} [{problem.code}]"


@dataclass(slots=True)
class Rendered:
    """One chunk's output text, failure reports and counts."""

    text: str
    errors: str
    records: int
    failed: int
    counts: Counter[tuple[str, str, str]]  # (protocol, kind, status) -> actions


def render_chunk(fmt: Format, results: list[BatchResult]) -> Rendered:
    """Render a chunk of results in ``fmt`` (``summary`` renders nothing until the end)."""
    from missing_protocol.results import to_json  # noqa: PLC0415 - imported when a batch runs

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    errors: list[str] = []
    counts: Counter[tuple[str, str, str]] = Counter()
    records: dict[str, bool] = {}  # record -> failed
    for result in results:
        evaluation = result.result
        if isinstance(evaluation, Failure):
            records[result.record] = True
            errors.append(format_failure(result))
            continue
        records.setdefault(result.record, False)
        actions = _actions(evaluation)
        counts.update(  # (protocol, kind, status) per action, counted in C
            zip(
                itertools.repeat(evaluation.protocol_id),
                map(_KIND, actions),
                map(_STATUS_TEXT.__getitem__, map(_STATUS, actions)),
            )
        )
        if fmt == "actions-csv":
            _write_rows(text, writer, action_rows(result.record, evaluation))
        elif fmt == "jsonl":
            assert not hasattr(evaluation, "rows"), "JSON Lines needs the full evaluation"
            text.write(to_json(evaluation, indent=None))
            text.write("\n")
    return Rendered(text.getvalue(), "".join(errors), len(records), sum(records.values()), counts)


@dataclass(slots=True)
class Totals:
    """What a whole run rendered, added up chunk by chunk."""

    records: int = 0
    failed: int = 0
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(self, rendered: Rendered) -> None:
        self.records += rendered.records
        self.failed += rendered.failed
        self.counts.update(rendered.counts)


def summary_table(totals: Totals, protocol_ids: tuple[str, ...]) -> str:
    """Required actions counted by protocol, kind and status, as a plain-text table."""
    rows = [("PROTOCOL", "KIND", "STATUS", "ACTIONS")]
    order = {pid: i for i, pid in enumerate(protocol_ids)}
    for (protocol, kind, status), count in sorted(
        totals.counts.items(), key=lambda item: (order.get(item[0][0], 0), item[0])
    ):
        rows.append((protocol, kind, status, str(count)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"{totals.records} records under {len(protocol_ids)} "
        f"protocol{'' if len(protocol_ids) == 1 else 's'} "
        f"({', '.join(protocol_ids)}); {totals.failed} failed",
        "",
    ]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True))
        + "  "
        + row[3].rjust(len("ACTIONS"))
        for row in rows
    ]
    for protocol in protocol_ids:
        total = sum(n for (pid, _, _), n in totals.counts.items() if pid == protocol)
        lines.append(f"{protocol}: {total} actions")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[TextIO]:
    """A text file written beside ``path`` and renamed to it only if the block succeeds.

    A name ending ``.gz`` is written gzip-compressed. A new file is readable by
    its owner only (it names children's records); a file replaced keeps its
    permissions.
    """
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed or removed
        "wb", dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
    )
    part = Path(handle.name)
    try:
        with handle:
            raw: IO[bytes] | gzip.GzipFile = handle
            if path.suffix == ".gz":
                raw = gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0)
            with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                yield text
        with contextlib.suppress(FileNotFoundError):  # a file replaced keeps its permissions
            part.chmod(path.stat().st_mode & 0o7777)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise

"""``import ssda903`` and ``import ssd``: council extracts -> timelines as JSON Lines.

The timelines (one child a line) go to standard output or ``--output``; every
problem found, then the counts, go to standard error. The exit code is 0 when
the file could be read, whatever rows were left out (the summary says which);
1 when a file cannot be read or lacks a column.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .caseload import parse_day
from .common import Subparsers

if TYPE_CHECKING:
    from missing_protocol.interop import ImportResult

__all__ = ["cmd_import", "register"]


def _write(result: ImportResult, output: str | None) -> str:
    from missing_protocol.interop import write_jsonl  # noqa: PLC0415 - imported when run

    if output is None:  # built in full before printing, as every command's output is
        buffer = io.StringIO()
        write_jsonl(result.timelines, buffer)
        text = buffer.getvalue()
    else:  # streamed to the file, one child at a time
        with Path(output).open("w", encoding="utf-8") as handle:
            write_jsonl(result.timelines, handle)
        text = ""
    sys.stderr.write(result.report.summary())
    return text


def cmd_import(args: argparse.Namespace, stdin: TextIO) -> str:
    del stdin  # the importers read files
    from missing_protocol.interop import import_ssd, import_ssda903  # noqa: PLC0415

    if args.format == "ssda903":
        end = parse_day(args.collection_end, "--collection-end")
        result = import_ssda903(args.file, collection_end=end, episodes=args.episodes)
        return _write(result, args.output)
    return _write(
        import_ssd(args.missing, args.person, looked_after=args.looked_after), args.output
    )


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="council extracts (SSDA903, SSD) -> timelines (JSON Lines)")
    formats = p.add_subparsers(dest="format", required=True, metavar="FORMAT")
    q = formats.add_parser("ssda903", help="the DfE SSDA903 Missing table (CSV)")
    q.add_argument("file", help="the Missing table: CHILD, DOB, MISSING, MIS_START, MIS_END")
    q.add_argument(
        "--collection-end",
        help="last day of the collection year, YYYY-MM-DD (default: the 31 March after the "
        "latest MIS_START)",
    )
    q.add_argument(
        "--episodes",
        help="the 903 Episodes table (CHILD, DECOM, RNE, LS, PLACE, DEC): legal status and "
        "placement type of each missing episode, and when the period of care began",
    )
    q.add_argument("--output", "-o", help="write the JSON Lines here instead of standard output")
    q.set_defaults(run=cmd_import)
    q = formats.add_parser("ssd", help="the Standard Safeguarding Dataset's ssd_missing (CSV)")
    q.add_argument("--missing", required=True, help="the ssd_missing table")
    q.add_argument("--person", required=True, help="the ssd_person table (dates of birth)")
    q.add_argument(
        "--looked-after",
        action="store_true",
        help="every child is looked after (missing from a care placement); default: from home",
    )
    q.add_argument("--output", "-o", help="write the JSON Lines here instead of standard output")
    q.set_defaults(run=cmd_import)

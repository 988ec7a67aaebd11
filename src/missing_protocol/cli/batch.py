"""``batch``: a caseload (JSON Lines, a directory of timelines, or standard input) under protocols.

Exit codes: 0 every record was evaluated; 1 some records failed (each is
reported with its line number or file name, record id and located problems,
to ``--errors`` or standard error; the rest are still evaluated and written)
or the input cannot be read at all; 2 the command line is wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from missing_protocol.errors import MissingProtocolError, UsageError

from .common import Subparsers, as_of, limit_args, limits_of

if TYPE_CHECKING:
    from tqdm import tqdm

    from missing_protocol.batch import Record

__all__ = ["FailedRecordsError", "cmd_batch", "register"]


class FailedRecordsError(MissingProtocolError):
    """Some records could not be evaluated; the others were, and were written (exit code 1)."""


def _records(source: str, stdin: TextIO, count: bool) -> tuple[Iterator[Record], int | None]:
    """The input's records, and (if ``count``) how many there are when a file can tell."""
    from missing_protocol.batch import (  # noqa: PLC0415 - imported when the command runs
        count_lines,
        read_directory,
        read_jsonl,
        read_lines,
    )
    from missing_protocol.batch.records import timeline_files  # noqa: PLC0415

    if source == "-":
        stream = getattr(stdin, "buffer", stdin)
        return read_lines(stream, "<stdin>"), None
    path = Path(source)
    if path.is_dir():
        return read_directory(path), len(timeline_files(path)) if count else None
    if path.suffix in (".yaml", ".yml"):
        raise UsageError(
            f"{source} looks like one timeline file; batch reads JSON Lines (one timeline per "
            "line), a directory of timeline files, or -; use 'evaluate' for one timeline"
        )
    return read_jsonl(path), count_lines(path) if count else None


def _progress(enabled: bool, total: int | None) -> tqdm[NoReturn]:
    from tqdm import tqdm  # noqa: PLC0415 - only a batch shows progress

    tqdm.monitor_interval = 0  # no monitor thread: the pool's workers are forked
    return tqdm(
        total=total, unit="record", file=sys.stderr, disable=not enabled, dynamic_ncols=True
    )


def _stdout_gone() -> None:
    """Standard output's reader has gone (``| head``): stop quietly, as other tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that Python's final flush does not fail again


def cmd_batch(args: argparse.Namespace, stdin: TextIO) -> str:
    import functools  # noqa: PLC0415

    from missing_protocol.batch import (  # noqa: PLC0415
        CSV_COLUMNS,
        Settings,
        Totals,
        atomic_file,
        available_cores,
        map_chunks,
        render_chunk,
        summary_table,
    )
    from missing_protocol.protocols import bundled_protocol_ids, load_protocol  # noqa: PLC0415

    jobs = available_cores() if args.jobs is None else args.jobs
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    ids = bundled_protocol_ids() if args.all else tuple(args.protocol)
    protocols = [load_protocol(i) for i in ids]
    # What this process holds from now on lives until it exits: keep the cyclic garbage
    # collector from walking it again for every chunk (the workers do the same).
    gc.freeze()
    protocol_ids = tuple(p.id for p in protocols)
    limits = limits_of(args)
    # Rows without explanations are all a CSV or a count needs; JSON Lines gives it all.
    settings = Settings(as_of(args.as_of, limits), limits, compact=args.format != "jsonl")
    show = sys.stderr.isatty() if args.progress is None else args.progress
    records, total = _records(args.input, stdin, count=show)
    totals = Totals()
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(atomic_file(Path(args.output))) if args.output else sys.stdout
        err = stack.enter_context(atomic_file(Path(args.errors))) if args.errors else sys.stderr
        bar = stack.enter_context(_progress(show, total))
        if args.format == "actions-csv":
            out.write(",".join(CSV_COLUMNS) + "\n")
        render = functools.partial(render_chunk, args.format)
        try:
            for rendered in map_chunks(protocols, records, settings, render, jobs=jobs):
                out.write(rendered.text)
                if rendered.errors and err is sys.stderr and not bar.disable:
                    bar.write(rendered.errors, file=sys.stderr, end="")  # above the bar
                else:
                    err.write(rendered.errors)
                totals.add(rendered)
                bar.update(rendered.records)
            if args.format == "summary":
                out.write(summary_table(totals, protocol_ids))
        except BrokenPipeError:
            _stdout_gone()
            return ""
    if totals.failed:
        where = args.errors or "standard error"
        raise FailedRecordsError(
            f"{totals.failed} of {totals.records} records could not be evaluated "
            f"(reported to {where}); the others were written"
        )
    return ""


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "batch",
        help="a caseload under one or more protocols, streamed",
        description=(
            "Evaluate every timeline in INPUT under the chosen protocols. Exit codes: 0 every "
            "record evaluated; 1 some records failed (reported, the rest written); 2 usage."
        ),
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        help="a JSON Lines file (one timeline per line), a directory of timeline files, or -",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--protocol",
        "-p",
        action="append",
        metavar="ID",
        help="a bundled protocol id or rule file path (repeat for several)",
    )
    which.add_argument("--all", action="store_true", help="every bundled protocol")
    p.add_argument("--as-of", help="ISO 8601 date-time; no offset means London time (default: now)")
    p.add_argument(
        "--format", "-f", choices=("actions-csv", "jsonl", "summary"), default="actions-csv"
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write here, gzip-compressed if FILE ends .gz (default: standard output)",
    )
    p.add_argument(
        "--errors", metavar="FILE", help="report failed records here (default: standard error)"
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="worker processes (default: the cores available)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="a progress bar on standard error (default: only when it is a terminal)",
    )
    limit_args(p)
    p.set_defaults(run=cmd_batch)

"""What ``report`` and ``export`` share: reading a caseload from timelines or an importer."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from missing_protocol.errors import UsageError

from .common import as_of

if TYPE_CHECKING:
    from missing_protocol.timeline import Timeline

__all__ = ["caseload_args", "deliver", "progress", "read_caseload_args"]

SOURCES = ("timelines", "ssda903", "ssd")


def caseload_args(p: argparse.ArgumentParser) -> None:
    """SOURCE, --from, --person, --looked-after, --collection-end, --protocol, --as-of, --output."""
    p.add_argument(
        "source",
        help="a timeline file, a JSON Lines caseload (.jsonl), or with --from an importer's file",
    )
    p.add_argument(
        "--from",
        dest="source_format",
        choices=SOURCES,
        default="timelines",
        help="read SOURCE with an importer: ssda903 (MISSING.csv) or ssd (ssd_missing.csv, "
        "with --person)",
    )
    p.add_argument("--person", help="with --from ssd: the ssd_person file")
    p.add_argument(
        "--looked-after", action="store_true", help="with --from ssd: every child is looked after"
    )
    p.add_argument("--collection-end", help="with --from ssda903: last day of the collection year")
    p.add_argument("--protocol", "-p", required=True, help="bundled protocol id or rule file path")
    p.add_argument(
        "--as-of",
        help="ISO 8601 date-time, London time without an offset (default: the end of the "
        "collection year with --from ssda903, else now)",
    )
    p.add_argument("--output", "-o", help="write to this file instead of standard output")


def deliver(data: str | bytes, output: str | None) -> str:
    """What to print: ``data`` itself, or nothing once it is written to ``output``."""
    if output is None:
        return data if isinstance(data, str) else data.decode("utf-8")
    path = Path(output)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return ""


def parse_day(text: str | None, option: str) -> dt.date | None:
    """An ISO date option, or ``None``."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def progress(timelines: Iterable[Timeline]) -> Iterator[Timeline]:
    """A progress bar on standard error, silent when it is not a terminal."""
    from tqdm import tqdm  # noqa: PLC0415 - imported when a command needs it

    stream = sys.stderr
    yield from tqdm(
        timelines, desc="children", unit=" children", file=stream, disable=not stream.isatty()
    )


def read_caseload_args(args: argparse.Namespace) -> tuple[Iterator[Timeline], dt.datetime]:
    """The timelines named by the arguments, and the as-of moment to evaluate them at.

    With an importer, its summary (every problem, then the counts) goes to standard error.
    """
    from missing_protocol.calendar import LONDON  # noqa: PLC0415
    from missing_protocol.interop import import_ssd, import_ssda903  # noqa: PLC0415
    from missing_protocol.interop.jsonl import read_caseload  # noqa: PLC0415

    source = Path(args.source)
    if args.source_format != "ssd" and (args.person or args.looked_after):
        raise UsageError("--person and --looked-after go with --from ssd")
    if args.source_format != "ssda903" and args.collection_end:
        raise UsageError("--collection-end goes with --from ssda903")
    if args.source_format == "timelines":
        return read_caseload(source), as_of(args.as_of)
    if args.source_format == "ssd":
        if not args.person:
            raise UsageError("--from ssd needs --person FILE (the ssd_person table)")
        result = import_ssd(source, args.person, looked_after=args.looked_after)
        sys.stderr.write(result.report.summary())
        return result.timelines, as_of(args.as_of)
    end = parse_day(args.collection_end, "--collection-end")
    result = import_ssda903(source, collection_end=end)
    sys.stderr.write(result.report.summary())
    day = result.report.collection_end
    if args.as_of is None and day is not None:
        return result.timelines, dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)
    return result.timelines, as_of(args.as_of)

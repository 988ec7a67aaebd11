"""What several subcommands share: reading ``--as-of``, a timeline and a protocol."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from missing_protocol.errors import MissingProtocolError, Problem, TimelineError, UsageError

if TYPE_CHECKING:
    from missing_protocol.compiled import Protocol
    from missing_protocol.timeline import Timeline

__all__ = [
    "FindingsError",
    "Subparsers",
    "as_of",
    "only_format",
    "read_protocol",
    "read_timeline",
    "timeline_args",
]

# argparse gives the type of ``add_subparsers()`` no public name.
Subparsers = argparse._SubParsersAction


class FindingsError(MissingProtocolError):
    """A check found problems: the report goes to standard output, and the exit code is 1."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


def as_of(text: str | None) -> dt.datetime:
    """``--as-of`` as an aware London time; now when not given."""
    from missing_protocol.calendar import LONDON  # noqa: PLC0415 - imported when a command needs it
    from missing_protocol.timeline import london_datetime  # noqa: PLC0415

    if text is None:
        return dt.datetime.now(LONDON)
    try:
        return london_datetime(dt.datetime.fromisoformat(text))
    except ValueError:
        raise TimelineError(
            [Problem("cli.bad_as_of", f"--as-of: expected an ISO 8601 date-time, got {text!r}")]
        ) from None


def read_timeline(source: str, stdin: TextIO) -> Timeline:
    """A timeline from a file, or from standard input for ``-``."""
    from missing_protocol.loading import load_timeline, parse_timeline  # noqa: PLC0415

    if source == "-":
        return parse_timeline(stdin.read(), "<stdin>")
    return load_timeline(Path(source))


def read_protocol(args: argparse.Namespace) -> Protocol:
    """The protocol named by ``--protocol``."""
    from missing_protocol.protocols import load_protocol  # noqa: PLC0415

    return load_protocol(args.protocol)


def only_format(fmt: str | None, allowed: tuple[str, ...], what: str) -> str:
    """``fmt`` if it is allowed for ``what`` (the first allowed one by default)."""
    if fmt is None:
        return allowed[0]
    if fmt not in allowed:
        raise UsageError(f"--format {fmt} is not available for {what}; use {'|'.join(allowed)}")
    return fmt


def timeline_args(p: argparse.ArgumentParser) -> None:
    """TIMELINE, --protocol and --as-of, as evaluate and explain take them."""
    p.add_argument("timeline", help="timeline file (YAML or JSON), or - for standard input")
    p.add_argument(
        "--protocol",
        "-p",
        default="camden",
        help="bundled protocol id or rule file path (default: camden)",
    )
    p.add_argument("--as-of", help="ISO 8601 date-time; no offset means London time (default: now)")

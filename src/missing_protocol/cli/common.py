"""What several subcommands share: reading ``--as-of``, ``--limit``, a timeline and a protocol."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from missing_protocol.errors import MissingProtocolError, TimelineError, UsageError

if TYPE_CHECKING:
    from missing_protocol.compiled import Protocol
    from missing_protocol.limits import Limits
    from missing_protocol.reading import SourceMap
    from missing_protocol.timeline import Timeline

__all__ = [
    "FindingsError",
    "Subparsers",
    "as_of",
    "limit_args",
    "limits_of",
    "only_format",
    "read_protocol",
    "read_timeline",
    "read_timeline_located",
    "timeline_args",
    "timeline_for",
]

# argparse gives the type of ``add_subparsers()`` no public name.
Subparsers = argparse._SubParsersAction


class FindingsError(MissingProtocolError):
    """A check found problems: the report goes to standard output, and the exit code is 1."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


def limit_args(p: argparse.ArgumentParser) -> None:
    """``--limit NAME=N``, repeatable: raise (or lower) one of the documented limits."""
    p.add_argument(
        "--limit",
        action="append",
        metavar="NAME=N",
        help="raise a limit for this run, e.g. episodes=5000 (see docs/limits-and-safety.md)",
    )


def limits_of(args: argparse.Namespace) -> Limits:
    """The limits in force: the defaults, with each ``--limit`` applied."""
    from missing_protocol.limits import parse_limit_option  # noqa: PLC0415 - imported when a command needs it

    try:
        return parse_limit_option(getattr(args, "limit", None))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def as_of(text: str | None, limits: Limits | None = None) -> dt.datetime:
    """``--as-of`` as an aware London time; now when not given.

    A value that is not an ISO 8601 date-time, or outside the years of the
    limits, is a command-line error (exit code 2) naming the option.
    """
    from missing_protocol.calendar import LONDON  # noqa: PLC0415 - imported when a command needs it
    from missing_protocol.limits import DEFAULT_LIMITS  # noqa: PLC0415
    from missing_protocol.moments import check_moment, parse_moment  # noqa: PLC0415

    if text is None:
        return dt.datetime.now(LONDON)
    shown = repr(text) if len(text) <= 40 else "a long text"
    try:
        moment = parse_moment(text)
    except ValueError:
        raise UsageError(
            f"--as-of: expected an ISO 8601 date-time such as 2024-04-05T12:00 (London time) "
            f"or 2024-04-05T12:00+01:00, got {shown}"
        ) from None
    try:
        return check_moment(moment, limits or DEFAULT_LIMITS)
    except ValueError as exc:
        raise UsageError(f"--as-of: {shown} is {exc}") from None


def _timeline_bytes(source: str, stdin: TextIO | None, limits: Limits) -> tuple[bytes, str]:
    """A timeline file's bytes (or standard input's, for ``-``) and the name to report them by."""
    from missing_protocol.reading import read_bytes, read_stream  # noqa: PLC0415

    if source == "-":
        name = "<stdin>"
        return read_stream(stdin, name, error=TimelineError, limit=limits.file_bytes), name
    return read_bytes(Path(source), source, error=TimelineError, limit=limits.file_bytes), source


def read_timeline_located(
    source: str, stdin: TextIO | None, limits: Limits | None = None
) -> tuple[Timeline, SourceMap]:
    """A timeline and its source map, from a file or from standard input for ``-``.

    Both go through the guarded reader, with the size cap of ``limits``.
    """
    from missing_protocol.limits import DEFAULT_LIMITS  # noqa: PLC0415
    from missing_protocol.loading import parse_timeline_located  # noqa: PLC0415

    limits = limits or DEFAULT_LIMITS
    data, name = _timeline_bytes(source, stdin, limits)
    return parse_timeline_located(data, name, limits=limits)


def read_timeline(source: str, stdin: TextIO | None, limits: Limits | None = None) -> Timeline:
    """A timeline from a file, or from standard input for ``-``.

    JSON goes through the fast path first; the located reader reads YAML, and
    places every problem of a timeline that fails
    (:func:`~missing_protocol.loading.parse_timeline_json_first`).
    """
    from missing_protocol.limits import DEFAULT_LIMITS  # noqa: PLC0415
    from missing_protocol.loading import parse_timeline_json_first  # noqa: PLC0415

    limits = limits or DEFAULT_LIMITS
    data, name = _timeline_bytes(source, stdin, limits)
    return parse_timeline_json_first(data, name, limits=limits)


def read_protocol(args: argparse.Namespace) -> Protocol:
    """The protocol named by ``--protocol``, read within ``--limit``."""
    from missing_protocol.protocols import load_protocol  # noqa: PLC0415

    return load_protocol(args.protocol, limits=limits_of(args))


def timeline_for(protocol: Protocol, args: argparse.Namespace, stdin: TextIO | None) -> Timeline:
    """``args.timeline`` read within ``--limit``, its categories checked against ``protocol``.

    An episode's category the protocol does not have is reported at its line
    and column (the evaluator, which has no source map, could only name the path).
    """
    from missing_protocol.loading import (  # noqa: PLC0415
        parse_timeline_json_first,
        parse_timeline_located,
    )

    limits = limits_of(args)
    data, name = _timeline_bytes(args.timeline, stdin, limits)
    timeline = parse_timeline_json_first(data, name, limits=limits)
    known = sorted(category.id for category in protocol.categories)
    if all(e.category is None or e.category in known for e in timeline.episodes):
        return timeline
    # read again, by the located reader, only to place the problems
    timeline, smap = parse_timeline_located(data, name, limits=limits)
    problems = [
        smap.problem(
            "timeline.unknown_category",
            f"{episode.category!r} is not a category of protocol {protocol.id!r} "
            f"({', '.join(known)}); use one of them, or omit category to have the protocol "
            "derive it",
            ("episodes", index, "category"),
            show_source=False,
        )
        for index, episode in enumerate(timeline.episodes)
        if episode.category is not None and episode.category not in known
    ]
    if problems:
        raise TimelineError(problems)
    return timeline


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
    limit_args(p)

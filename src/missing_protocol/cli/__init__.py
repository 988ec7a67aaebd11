"""The ``missing-protocol`` command: parse arguments, call the library, print, exit.

One module per group of subcommands; each has a ``register(sub)`` that adds its
parsers, and imports the library only inside its commands, so that starting the
command line costs only what the chosen command needs.

Exit codes:

* 0: success (for ``validate``: every file is valid);
* 1: an input is wrong (bad rule file or timeline, unknown protocol or action id):
  every problem is printed to standard error, and nothing to standard output;
  or ``verify`` / ``check-properties`` found errors (their report is printed);
  or ``batch`` could not evaluate some records (reported; the others are written);
* 2: the command line itself is wrong (argparse's usage error, or options that
  do not fit together).

Output is built in full before anything is printed, so a failure never leaves
half an answer on standard output; ``batch`` alone streams (a caseload does not
fit in memory), and with ``--output`` writes to a temporary file renamed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from missing_protocol import __version__
from missing_protocol.errors import MissingProtocolError

from . import batch, checks, compare, evaluate, export, importers, info, report, serve, validate
from .common import FindingsError

__all__ = ["main"]

# Each module adds its subcommands, in the order ``--help`` lists them.
_COMMANDS = (evaluate, validate, compare, checks, info, batch, importers, report, export, serve)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="missing-protocol",
        description="Evaluate children-missing-from-home-or-care protocols as rules.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    run: Callable[[argparse.Namespace, TextIO | None], str] = args.run
    try:
        # A command that streams (batch) writes as it goes, and may report progress on stderr.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            text = run(args, stdin or sys.stdin)
    except FindingsError as exc:
        text, code = exc.report, exc.exit_code
    except MissingProtocolError as exc:
        _write(err, f"error: {exc}\n")
        return exc.exit_code
    else:
        code = 0
    if not _write(out, text):
        _write(err, "error: cannot write to standard output (it is closed); nothing was written\n")
        return 1
    return code


def _write(stream: TextIO | None, text: str) -> bool:
    """Write and flush ``text``; ``False`` if the stream is closed or gone (a broken pipe)."""
    if stream is None:
        return False
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        return False
    return True

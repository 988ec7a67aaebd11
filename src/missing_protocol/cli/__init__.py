"""The ``missing-protocol`` command: parse arguments, call the library, print, exit.

One module per group of subcommands; each has a ``register(sub)`` that adds its
parsers, and imports the library only inside its commands, so that starting the
command line costs only what the chosen command needs.

Exit codes:

* 0: success (for ``validate``: every file is valid);
* 1: an input is wrong (bad rule file or timeline, unknown protocol or action id):
  every problem is printed to standard error, and nothing to standard output;
  or ``verify`` / ``check-properties`` found errors (their report is printed);
* 2: the command line itself is wrong (argparse's usage error, or options that
  do not fit together).

Output is built in full before anything is printed, so a failure never leaves
half an answer on standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from missing_protocol import __version__
from missing_protocol.errors import MissingProtocolError

from . import checks, compare, evaluate, info, serve, validate
from .common import FindingsError

__all__ = ["main"]

# Each module adds its subcommands, in the order ``--help`` lists them.
_COMMANDS = (evaluate, validate, compare, checks, info, serve)


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
    run: Callable[[argparse.Namespace, TextIO], str] = args.run
    try:
        text = run(args, stdin or sys.stdin)
    except FindingsError as exc:
        out.write(exc.report)
        return exc.exit_code
    except MissingProtocolError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
    out.write(text)
    return 0

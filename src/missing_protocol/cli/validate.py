"""``validate``: check rule files and timelines, reporting every problem at once."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TextIO

from missing_protocol.errors import InputError, Problem

from .common import Subparsers

__all__ = ["cmd_validate", "register"]

_RULE_FILE_KEYS = re.compile(r"^(?:protocol|rules|risk)\s*:", re.MULTILINE)


def _validate_one(path: Path) -> str:
    from missing_protocol.loading import parse_timeline, read_source  # noqa: PLC0415 - needed by this command
    from missing_protocol.protocols import compile_text  # noqa: PLC0415

    text = read_source(path, error=InputError)
    if _RULE_FILE_KEYS.search(text):
        protocol = compile_text(text, str(path))
        return (
            f"{path}: valid rule file ({protocol.id} version {protocol.version}, "
            f"{len(protocol.rules)} rules)\n"
        )
    parse_timeline(text, str(path))
    return f"{path}: valid timeline\n"


def cmd_validate(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    out: list[str] = []
    problems: list[Problem] = []
    for name in args.files:
        try:
            out.append(_validate_one(Path(name)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return "".join(out)


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check rule files or timelines, reporting every problem")
    p.add_argument("files", nargs="+", help="rule files or timelines")
    p.set_defaults(run=cmd_validate)

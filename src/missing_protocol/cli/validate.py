"""``validate``: check rule files and timelines, reporting every problem at once.

Which kind a file is comes from ``--kind`` or from the document's structure:
its top-level keys (``protocol``, ``risk``, ``rules`` and the other rule-file
sections, against ``child``, ``episodes`` and ``events``), whichever has more;
the output says which was assumed. A file that is neither (a note, a password
file) is said to be neither, and none of it is printed.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from missing_protocol.errors import InputError, Problem

from .common import Subparsers, limit_args, limits_of

if TYPE_CHECKING:
    from missing_protocol.limits import Limits

__all__ = ["cmd_validate", "guess_kind", "register"]

_RULE_KEYS = frozenset(
    {
        "protocol",
        "risk",
        "rules",
        "allocations",
        "extra_roles",
        "extra_action_kinds",
        "accepted_warnings",
        "not_encoded",
    }
)
_TIMELINE_KEYS = frozenset({"child", "episodes", "events"})


def guess_kind(data: Any) -> tuple[str | None, str]:
    """``("rules" | "timeline" | None, why)`` from a document's top-level keys."""
    keys = {key for key in data if isinstance(key, str)} if isinstance(data, dict) else set()
    rule_keys = sorted(keys & _RULE_KEYS)
    timeline_keys = sorted(keys & _TIMELINE_KEYS)
    if len(rule_keys) > len(timeline_keys):
        return "rules", f"it has {', '.join(rule_keys)}"
    if len(timeline_keys) > len(rule_keys):
        return "timeline", f"it has {', '.join(timeline_keys)}"
    if not keys & (_RULE_KEYS | _TIMELINE_KEYS):
        return None, "it has none of the sections of either"
    return None, (
        f"it has {', '.join(rule_keys)} of a rule file and {', '.join(timeline_keys)} of a timeline"
    )


def _validate_one(name: str, data: bytes, kind: str | None, limits: Limits) -> str:
    from missing_protocol.loading import COUNTED_LISTS, parse_bytes, parse_timeline  # noqa: PLC0415 - needed by this command
    from missing_protocol.protocols import compile_text  # noqa: PLC0415

    why = "as asked (--kind)"
    if kind is None:
        # read without quoting anything: until the kind is known, it may be a child's timeline
        counted = {**COUNTED_LISTS["RuleFile"], **COUNTED_LISTS["Timeline"]}
        parsed, _ = parse_bytes(
            data, name, error=InputError, show_source=False, limits=limits, counted=counted
        )
        kind, reason = guess_kind(parsed)
        if kind is None:
            raise InputError(
                [
                    Problem(
                        "validate.unknown_kind",
                        f"neither a rule file nor a timeline ({reason}); a rule file has "
                        "protocol, risk and rules, a timeline has child and episodes; give "
                        "--kind rules or --kind timeline to check it as one",
                        name,
                    )
                ]
            )
        why = f"because {reason}"
    if kind == "rules":
        try:
            protocol = compile_text(data, name, limits=limits)
        except InputError as exc:
            raise InputError(exc.problems, notes=(f"{name}: read as a rule file {why}",)) from None
        return (
            f"{name}: valid rule file ({protocol.id} version {protocol.version}, "
            f"{len(protocol.rules)} rules)\n"
        )
    try:
        parse_timeline(data, name, limits=limits)
    except InputError as exc:
        raise InputError(exc.problems, notes=(f"{name}: read as a timeline {why}",)) from None
    return f"{name}: valid timeline\n"


def cmd_validate(args: argparse.Namespace, stdin: TextIO | None) -> str:
    from pathlib import Path  # noqa: PLC0415

    from missing_protocol.reading import read_bytes, read_stream  # noqa: PLC0415

    limits = limits_of(args)
    out: list[str] = []
    problems: list[Problem] = []
    notes: list[str] = []
    for name in args.files:
        try:
            if name == "-":
                data = read_stream(stdin, "<stdin>", error=InputError, limit=limits.file_bytes)
                out.append(_validate_one("<stdin>", data, args.kind, limits))
            else:
                data = read_bytes(Path(name), name, error=InputError, limit=limits.file_bytes)
                out.append(_validate_one(name, data, args.kind, limits))
        except InputError as exc:
            problems.extend(exc.problems)
            notes.extend(exc.notes)
    if problems:
        raise InputError(problems, notes=notes)
    return "".join(out)


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check rule files or timelines, reporting every problem")
    p.add_argument("files", nargs="+", help="rule files or timelines; - for standard input")
    p.add_argument(
        "--kind",
        choices=("rules", "timeline"),
        help="what the files are (default: decided by each document's top-level keys)",
    )
    limit_args(p)
    p.set_defaults(run=cmd_validate)

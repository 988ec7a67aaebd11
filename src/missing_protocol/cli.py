"""The ``missing-protocol`` command: parse arguments, call the library, print, exit.

Exit codes:

* 0: success (for ``validate``: every file is valid);
* 1: an input is wrong (bad rule file or timeline, unknown protocol or action id);
  every problem is printed to standard error, and nothing to standard output;
* 2: the command line itself is wrong (argparse's usage error).

Output is built in full before anything is printed, so a failure never leaves
half an answer on standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .calendar import LONDON
from .compiled import Protocol
from .errors import InputError, MissingProtocolError, Problem, TimelineError
from .evaluate import evaluate
from .explain import explain_action, format_moment
from .loading import parse_timeline
from .protocols import bundled_protocol_ids, compile_text, load_protocol
from .results import Evaluation, evaluation_json_schema, to_json
from .schema import RuleFile
from .timeline import Timeline, london_datetime

__all__ = ["main"]


def _as_of(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(LONDON)
    try:
        return london_datetime(dt.datetime.fromisoformat(text))
    except ValueError:
        raise TimelineError(
            [Problem("cli.bad_as_of", f"--as-of: expected an ISO 8601 date-time, got {text!r}")]
        ) from None


def _read_timeline(source: str, stdin: TextIO) -> Timeline:
    if source == "-":
        return parse_timeline(stdin.read(), "<stdin>")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TimelineError(
            [Problem("io.unreadable", f"cannot read the file: {exc.strerror}", source)]
        ) from exc
    return parse_timeline(text, source)


def _table(evaluation: Evaluation) -> str:
    rows = [("STATUS", "DUE", "ACTION", "WHO", "TO", "EPISODE", "RULE")]
    for a in evaluation.actions:
        rows.append(
            (
                a.status.value,
                format_moment(a.due_at),
                f"{a.kind} ({a.obligation})",
                a.responsible,
                a.recipient or "",
                a.episode_id + (f" #{a.occurrence}" if a.occurrence else ""),
                a.rule_id,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        f"{evaluation.protocol_id} v{evaluation.protocol_version}, child {evaluation.child_id}, "
        f"as at {format_moment(evaluation.as_of)}",
    ]
    for episode in evaluation.episodes:
        risk = episode.police_risk or "not assessed"
        if episode.risk_raised_by:
            risk += f" (raised from {episode.police_risk_recorded} by {episode.risk_raised_by})"
        state = (
            "still missing"
            if episode.missing_as_of
            else f"returned {format_moment(episode.returned_at)}"
        )
        lines.append(
            f"episode {episode.episode_id}: {episode.category}, police risk {risk}, "
            f"age {episode.age_at_start}, {state}"
        )
    lines.append("")
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if evaluation.upcoming:
        lines += ["", "If nothing changes:"]
        lines += [
            f"  {format_moment(u.triggers_at)}: {u.kind} ({u.obligation}) by {u.responsible}"
            f"{' to ' + u.recipient if u.recipient else ''}, episode {u.episode_id} [{u.rule_id}]"
            for u in evaluation.upcoming
        ]
    return "\n".join(lines) + "\n"


def _protocol(args: argparse.Namespace) -> Protocol:
    return load_protocol(args.protocol)


def cmd_evaluate(args: argparse.Namespace, stdin: TextIO) -> str:
    protocol = _protocol(args)
    evaluation = evaluate(protocol, _read_timeline(args.timeline, stdin), _as_of(args.as_of))
    if args.format == "table":
        return _table(evaluation)
    return to_json(evaluation) + "\n"


def cmd_explain(args: argparse.Namespace, stdin: TextIO) -> str:
    protocol = _protocol(args)
    evaluation = evaluate(protocol, _read_timeline(args.timeline, stdin), _as_of(args.as_of))
    return explain_action(protocol, evaluation, args.action_id)


_RULE_FILE_KEYS = re.compile(r"^(?:protocol|rules|risk)\s*:", re.MULTILINE)


def _validate_one(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        problem = Problem("io.unreadable", f"cannot read the file: {reason}", str(path))
        raise InputError([problem]) from exc
    if _RULE_FILE_KEYS.search(text):
        protocol = compile_text(text, str(path))
        return (
            f"{path}: valid rule file ({protocol.id} v{protocol.version}, "
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


def cmd_protocols(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    lines = []
    for protocol_id in bundled_protocol_ids():
        p = load_protocol(protocol_id)
        effective = p.effective.isoformat() if p.effective else "-"
        lines.append(
            f"{p.id:<14} v{p.version:<8} {effective:<10}  {len(p.rules):>3} rules  {p.title} "
            f"({', '.join(p.authorities)})"
        )
    return "\n".join(lines) + "\n"


def cmd_schema(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    schemas = {
        "rules": RuleFile.model_json_schema,
        "timeline": Timeline.model_json_schema,
        "result": evaluation_json_schema,
    }
    return json.dumps(schemas[args.which](), indent=2, ensure_ascii=False) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="missing-protocol",
        description="Evaluate children-missing-from-home-or-care protocols as rules.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def timeline_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("timeline", help="timeline file (YAML or JSON), or - for standard input")
        p.add_argument(
            "--protocol",
            "-p",
            default="camden",
            help="bundled protocol id or rule file path (default: camden)",
        )
        p.add_argument(
            "--as-of", help="ISO 8601 date-time; no offset means London time (default: now)"
        )

    p = sub.add_parser("evaluate", help="required actions for a timeline")
    timeline_args(p)
    p.add_argument("--format", "-f", choices=("json", "table"), default="json")
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("explain", help="why one action is required, and how its deadline was set")
    timeline_args(p)
    p.add_argument("action_id", help="an action id from 'evaluate'")
    p.set_defaults(run=cmd_explain)

    p = sub.add_parser("validate", help="check rule files or timelines, reporting every problem")
    p.add_argument("files", nargs="+", help="rule files or timelines")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("protocols", help="list the bundled protocols")
    p.set_defaults(run=cmd_protocols)

    p = sub.add_parser("schema", help="print a JSON Schema")
    p.add_argument("which", choices=("rules", "timeline", "result"))
    p.set_defaults(run=cmd_schema)
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
    except MissingProtocolError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
    out.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

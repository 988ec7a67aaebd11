"""The ``missing-protocol`` command: parse arguments, call the library, print, exit.

Exit codes:

* 0: success (for ``validate``: every file is valid);
* 1: an input is wrong (bad rule file or timeline, unknown protocol or action id):
  every problem is printed to standard error, and nothing to standard output;
  or ``verify`` / ``check-properties`` found errors (their report is printed);
* 2: the command line itself is wrong (argparse's usage error, or options of
  ``compare`` that do not fit together).

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
from .compare import (
    compare,
    compare_scenario,
    diff_protocols,
    evaluate_placement,
    find_all_disagreements,
)
from .compare_render import (
    comparison_json,
    render_diff_text,
    render_matrix_csv,
    render_matrix_html,
    render_matrix_markdown,
    render_placement_text,
    render_scenario_text,
    render_witnesses_markdown,
)
from .compiled import Protocol
from .errors import InputError, MissingProtocolError, Problem, TimelineError, UsageError
from .evaluate import evaluate
from .explain import explain_action, format_moment
from .loading import load_timeline, parse_timeline, read_source
from .protocols import bundled_protocol_ids, compile_text, load_protocol
from .results import Evaluation, evaluation_json_schema, to_json
from .schema import RuleFile
from .timeline import Timeline, london_datetime
from .verify import Severity, check_citations, verify_protocol

__all__ = ["main"]


class FindingsError(MissingProtocolError):
    """A check found problems: the report goes to standard output, and the exit code is 1."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


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
    return load_timeline(Path(source))


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
        f"{evaluation.protocol_id} (version {evaluation.protocol_version}), "
        f"child {evaluation.child_id}, as at {format_moment(evaluation.as_of)}",
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


def cmd_protocols(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    rows = [("ID", "VERSION", "EFFECTIVE", "RULES", "TITLE")]
    for protocol_id in bundled_protocol_ids():
        p = load_protocol(protocol_id)
        effective = p.effective.isoformat() if p.effective else "-"
        rows.append((p.id, p.version, effective, str(len(p.rules)), p.title))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
        + "  "
        + row[-1]
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def cmd_schema(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    schemas = {
        "rules": RuleFile.model_json_schema,
        "timeline": Timeline.model_json_schema,
        "result": evaluation_json_schema,
    }
    return json.dumps(schemas[args.which](), indent=2, ensure_ascii=False) + "\n"


def _only(fmt: str | None, allowed: tuple[str, ...], what: str) -> str:
    if fmt is None:
        return allowed[0]
    if fmt not in allowed:
        raise UsageError(f"--format {fmt} is not available for {what}; use {'|'.join(allowed)}")
    return fmt


def cmd_compare(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.diff:
        if args.protocols or args.timeline or args.placed_in:
            raise UsageError("--diff takes no other protocols, --timeline or --placed-in")
        fmt = _only(args.format, ("text", "json"), "--diff")
        diff = diff_protocols(load_protocol(args.diff[0]), load_protocol(args.diff[1]))
        return render_diff_text(diff) if fmt == "text" else comparison_json(diff) + "\n"
    names: list[str] = list(args.protocols) or list(bundled_protocol_ids())
    if args.placed_in:
        if not args.timeline or len(args.protocols) != 1:
            raise UsageError(
                "--placed-in HOST needs --timeline and exactly one PROTOCOL (the responsible one)"
            )
        fmt = _only(args.format, ("text", "json"), "--placed-in")
        placement = evaluate_placement(
            load_protocol(names[0]),
            load_protocol(args.placed_in),
            _read_timeline(args.timeline, stdin),
            _as_of(args.as_of),
        )
        if fmt == "text":
            return render_placement_text(placement)
        return comparison_json(placement) + "\n"
    protocols = [load_protocol(name) for name in names]
    if args.timeline:
        fmt = _only(args.format, ("text", "json"), "--timeline")
        scenario = compare_scenario(
            protocols, _read_timeline(args.timeline, stdin), _as_of(args.as_of)
        )
        return render_scenario_text(scenario) if fmt == "text" else comparison_json(scenario) + "\n"
    if args.as_of:
        raise UsageError("--as-of needs --timeline")
    fmt = _only(args.format, ("md", "html", "csv", "json"), "the matrix")
    if fmt == "csv" and args.witnesses:
        raise UsageError("--witnesses is not available with --format csv")
    matrix = compare(protocols)
    witnesses = find_all_disagreements(protocols) if args.witnesses else ()
    if fmt == "md":
        text = render_matrix_markdown(matrix)
        return text + ("\n" + render_witnesses_markdown(witnesses) if witnesses else "")
    if fmt == "html":
        return render_matrix_html(matrix, witnesses=witnesses)
    if fmt == "csv":
        return render_matrix_csv(matrix)
    return comparison_json(matrix, witnesses) + "\n"


def cmd_verify(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    protocol = load_protocol(args.rules)
    findings = verify_protocol(protocol)
    if args.texts is not None:
        source = Path(args.texts) / protocol.source_text
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--texts: cannot read {source}: {exc.strerror}") from exc
        findings = check_citations(protocol, text) + findings
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    accepted = sum(1 for f in findings if f.accepted)
    lines = [str(f) for f in findings]
    lines.append(
        f"{protocol.id}: {errors} errors, {len(findings) - errors} warnings "
        f"({accepted} accepted)"
        + ("" if args.texts else "; citations not checked: give --texts DIR")
    )
    report = "\n".join(lines) + "\n"
    if errors:
        raise FindingsError(report)
    return report


def cmd_check_properties(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    try:
        from .properties import LAWS, check_law  # noqa: PLC0415 - hypothesis is an optional extra
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UsageError(
            "check-properties needs hypothesis: pip install 'missing_protocol[testing]'"
        ) from exc
    protocol = load_protocol(args.rules)
    lines, failed = [], 0
    for name in LAWS:
        failure = check_law(protocol, name, profile=args.profile)
        if failure is None:
            lines.append(f"ok    {name}")
            continue
        failed += 1
        lines += [f"FAIL  {failure}", "      as a golden case:", ""]
        lines += ["      " + line for line in failure.golden_case(protocol).splitlines()]
        lines.append("")
    lines.append(f"{protocol.id}: {len(LAWS) - failed} laws hold, {failed} broken")
    report = "\n".join(lines) + "\n"
    if failed:
        raise FindingsError(report)
    return report


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

    p = sub.add_parser("compare", help="compare protocols: rules matrix, a timeline, a placement")
    p.add_argument(
        "protocols",
        nargs="*",
        metavar="PROTOCOL",
        help="bundled protocol ids or rule file paths (default: every bundled protocol)",
    )
    p.add_argument(
        "--format",
        "-f",
        choices=("md", "html", "csv", "json", "text"),
        help="md (default), html, csv or json for the matrix; text (default) or json otherwise",
    )
    p.add_argument("--timeline", help="compare what each protocol requires for this timeline")
    p.add_argument("--as-of", help="ISO 8601 date-time; no offset means London time")
    p.add_argument(
        "--placed-in",
        metavar="HOST",
        help="with --timeline and one PROTOCOL (the responsible authority): the child is "
        "placed in HOST's area",
    )
    p.add_argument("--diff", nargs=2, metavar=("OLD", "NEW"), help="what changed between two files")
    p.add_argument(
        "--witnesses",
        action="store_true",
        help="with the matrix: also search generated timelines for disagreements (slower)",
    )
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("verify", help="static checks: gaps, overlaps, dead rules, citations")
    p.add_argument("rules", help="bundled protocol id or rule file path")
    p.add_argument("--texts", help="folder of protocol texts, to check every quote against")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("check-properties", help="run the consistency laws on generated timelines")
    p.add_argument("rules", help="bundled protocol id or rule file path")
    p.add_argument("--profile", choices=("quick", "thorough"), default="quick")
    p.set_defaults(run=cmd_check_properties)

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
    except FindingsError as exc:
        out.write(exc.report)
        return exc.exit_code
    except MissingProtocolError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
    out.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

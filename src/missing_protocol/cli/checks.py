"""``verify`` and ``check-properties``: is a rule file consistent and true to its text?"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TextIO

from missing_protocol.errors import UsageError

from .common import FindingsError, Subparsers, limit_args, limits_of

__all__ = ["cmd_check_properties", "cmd_verify", "register"]


def cmd_verify(args: argparse.Namespace, stdin: TextIO | None) -> str:  # noqa: ARG001
    from missing_protocol.protocols import load_protocol  # noqa: PLC0415 - imported when a command needs it
    from missing_protocol.verify import Severity, check_citations, verify_protocol  # noqa: PLC0415

    protocol = load_protocol(args.rules, limits=limits_of(args))
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


def cmd_check_properties(args: argparse.Namespace, stdin: TextIO | None) -> str:  # noqa: ARG001
    from missing_protocol.protocols import load_protocol  # noqa: PLC0415

    try:
        from missing_protocol.properties import LAWS, check_law  # noqa: PLC0415 - hypothesis is an optional extra
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UsageError(
            "check-properties needs hypothesis: pip install 'missing_protocol[testing]'"
        ) from exc
    from hypothesis.configuration import set_hypothesis_home_dir  # noqa: PLC0415

    protocol = load_protocol(args.rules, limits=limits_of(args))
    lines, failed = [], 0
    # hypothesis keeps a cache in ./.hypothesis unless told otherwise: write nothing the
    # user did not ask for (a temporary folder, removed after), or use --cache-dir
    with tempfile.TemporaryDirectory(prefix="missing-protocol-") as scratch:
        set_hypothesis_home_dir(args.cache_dir or scratch)
        try:
            failures = [check_law(protocol, name, profile=args.profile) for name in LAWS]
        finally:
            set_hypothesis_home_dir(None)
    for name, failure in zip(LAWS, failures, strict=True):
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


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("verify", help="static checks: gaps, overlaps, dead rules, citations")
    p.add_argument("rules", help="bundled protocol id or rule file path")
    p.add_argument("--texts", help="folder of protocol texts, to check every quote against")
    limit_args(p)
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("check-properties", help="run the consistency laws on generated timelines")
    p.add_argument("rules", help="bundled protocol id or rule file path")
    p.add_argument("--profile", choices=("quick", "thorough"), default="quick")
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where hypothesis may keep its cache (default: a temporary folder, removed after)",
    )
    limit_args(p)
    p.set_defaults(run=cmd_check_properties)

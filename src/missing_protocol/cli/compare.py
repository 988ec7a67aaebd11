"""``compare``: protocols side by side (the rules matrix), one timeline under each,
the escalation ladder of one timeline, an out-of-area placement, or what an
amendment changes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from missing_protocol.errors import UsageError

from .common import Subparsers, as_of, limit_args, limits_of, only_format, read_timeline

if TYPE_CHECKING:
    from missing_protocol.compiled import Protocol

__all__ = ["cmd_compare", "register"]


def cmd_compare(args: argparse.Namespace, stdin: TextIO | None) -> str:
    # Comparison is the heaviest part of the package to import: only this command pays for it.
    from missing_protocol.compare import (  # noqa: PLC0415
        compare,
        compare_scenario,
        diff_protocols,
        evaluate_placement,
        find_all_disagreements,
        ladder,
        standard_ladders,
        summarise,
    )
    from missing_protocol.compare.render import (  # noqa: PLC0415
        comparison_json,
        render_diff_text,
        render_ladder_html,
        render_ladder_text,
        render_matrix_csv,
        render_matrix_html,
        render_matrix_markdown,
        render_placement_text,
        render_scenario_text,
        render_witnesses_markdown,
    )
    from missing_protocol.protocols import bundled_protocol_ids  # noqa: PLC0415
    from missing_protocol.protocols import load_protocol as load_within  # noqa: PLC0415

    limits = limits_of(args)

    def load_protocol(name: str) -> Protocol:
        return load_within(name, limits=limits)

    if args.diff:
        if args.protocols or args.timeline or args.placed_in or args.ladder:
            raise UsageError("--diff takes no other protocols, --timeline, --ladder or --placed-in")
        fmt = only_format(args.format, ("text", "json"), "--diff")
        diff = diff_protocols(load_protocol(args.diff[0]), load_protocol(args.diff[1]))
        return render_diff_text(diff) if fmt == "text" else comparison_json(diff) + "\n"
    names: list[str] = list(args.protocols) or list(bundled_protocol_ids())
    if args.placed_in:
        if not args.timeline or len(args.protocols) != 1:
            raise UsageError(
                "--placed-in HOST needs --timeline and exactly one PROTOCOL (the responsible one)"
            )
        fmt = only_format(args.format, ("text", "json"), "--placed-in")
        placement = evaluate_placement(
            load_protocol(names[0]),
            load_protocol(args.placed_in),
            read_timeline(args.timeline, stdin, limits),
            as_of(args.as_of, limits),
        )
        if fmt == "text":
            return render_placement_text(placement)
        return comparison_json(placement) + "\n"
    protocols = [load_protocol(name) for name in names]
    if args.ladder:
        if args.timeline or args.witnesses:
            raise UsageError("--ladder takes no --timeline or --witnesses")
        fmt = only_format(args.format, ("text", "html", "json"), "--ladder")
        drawn = ladder(
            protocols,
            read_timeline(args.ladder, stdin),
            as_of(args.as_of) if args.as_of else None,
        )
        if fmt == "text":
            return render_ladder_text(drawn)
        if fmt == "html":
            return render_ladder_html(drawn, f"Escalation ladder: {drawn.title}")
        return comparison_json(drawn) + "\n"
    if args.timeline:
        fmt = only_format(args.format, ("text", "json"), "--timeline")
        scenario = compare_scenario(
            protocols, read_timeline(args.timeline, stdin, limits), as_of(args.as_of, limits)
        )
        return render_scenario_text(scenario) if fmt == "text" else comparison_json(scenario) + "\n"
    if args.as_of:
        raise UsageError("--as-of needs --timeline")
    fmt = only_format(args.format, ("md", "html", "csv", "json"), "the matrix")
    if fmt == "csv" and args.witnesses:
        raise UsageError("--witnesses is not available with --format csv")
    matrix = compare(protocols)
    witnesses = find_all_disagreements(protocols) if args.witnesses else ()
    if fmt in ("md", "html"):
        summaries, ladders = summarise(matrix), standard_ladders(protocols)
    if fmt == "md":
        text = render_matrix_markdown(matrix, summaries=summaries, ladders=ladders)
        return text + ("\n" + render_witnesses_markdown(witnesses) if witnesses else "")
    if fmt == "html":
        return render_matrix_html(matrix, witnesses=witnesses, summaries=summaries, ladders=ladders)
    if fmt == "csv":
        return render_matrix_csv(matrix)
    return comparison_json(matrix, witnesses) + "\n"


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
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
        help="md (default), html, csv or json for the matrix; text (default), html (--ladder) "
        "or json otherwise",
    )
    p.add_argument("--timeline", help="compare what each protocol requires for this timeline")
    p.add_argument(
        "--ladder",
        metavar="TIMELINE",
        help="draw when each duty becomes required for this timeline's latest episode, under "
        "each protocol (text, html or json; --as-of defaults to 3 months after it started)",
    )
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
    limit_args(p)
    p.set_defaults(run=cmd_compare)

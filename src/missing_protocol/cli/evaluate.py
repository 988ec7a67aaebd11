"""``evaluate`` and ``explain``: one child's timeline under one protocol."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from .common import Subparsers, as_of, limits_of, read_protocol, timeline_args, timeline_for

if TYPE_CHECKING:
    from missing_protocol.results import Evaluation

__all__ = ["cmd_evaluate", "cmd_explain", "register", "table"]


def table(evaluation: Evaluation) -> str:
    """The evaluation as a plain-text table, with the episodes above and what comes next below."""
    from missing_protocol.explain import (  # noqa: PLC0415 - imported when a command needs it
        format_moment,
        police_risk_words,
    )

    rows = [("STATUS", "DUE", "ACTION", "WHO", "TO", "EPISODE", "RULE")]
    for a in evaluation.actions:
        rows.append(
            (
                a.status.value,
                format_moment(a.due_at)
                + (
                    f" to {format_moment(a.due_at_latest)}"
                    if a.due_at_latest is not None and a.due_at_latest != a.due_at
                    else ""
                ),
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
        risk = police_risk_words(episode)
        state = (
            "still missing"
            if episode.missing_as_of
            else f"returned {format_moment(episode.returned_at)}"
        )
        lines.append(
            f"episode {episode.episode_id}: {episode.category}, police risk {risk}, "
            f"age {episode.age_at_start}, {state}"
        )
        lines.extend(
            f"  from {format_moment(change.at)}: {change.what}: {change.category}, "
            f"police risk {change.police_risk or 'not assessed'}"
            for change in episode.changes
        )
    if evaluation.uncertain_moments:
        lines.append(
            "known only to the day (times shown are the day's start): "
            + "; ".join(evaluation.uncertain_moments)
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
    lines += _pending_lines(evaluation)
    return "\n".join(lines) + "\n"


def _pending_lines(evaluation: Evaluation) -> list[str]:
    """Actions required once a judgement or outcome is recorded, with what each awaits."""
    if not evaluation.pending:
        return []
    lines = ["", "Required once recorded:"]
    lines += [
        f"  {p.kind} ({p.obligation}) by {p.responsible}"
        f"{' to ' + p.recipient if p.recipient else ''}, episode {p.episode_id}, if "
        + " or ".join(" and ".join(group) for group in p.awaiting)
        + f" [{p.rule_id}]"
        for p in evaluation.pending
    ]
    return lines


def cmd_evaluate(args: argparse.Namespace, stdin: TextIO | None) -> str:
    # evaluate_bounded is evaluate itself for timelines without moments known only to the day
    from missing_protocol.precision import evaluate_bounded  # noqa: PLC0415
    from missing_protocol.results import to_json  # noqa: PLC0415

    protocol = read_protocol(args)
    limits = limits_of(args)
    moment = as_of(args.as_of, limits)
    timeline = timeline_for(protocol, args, stdin)
    evaluation = evaluate_bounded(protocol, timeline, moment, limits=limits)
    if args.format == "table":
        return table(evaluation)
    if args.format == "html":
        from missing_protocol.service.view import render_view  # noqa: PLC0415

        return render_view(protocol, timeline, evaluation)
    return to_json(evaluation) + "\n"


def cmd_explain(args: argparse.Namespace, stdin: TextIO | None) -> str:
    from missing_protocol.explain import explain_action  # noqa: PLC0415
    from missing_protocol.precision import evaluate_bounded  # noqa: PLC0415

    protocol = read_protocol(args)
    limits = limits_of(args)
    moment = as_of(args.as_of, limits)
    timeline = timeline_for(protocol, args, stdin)
    evaluation = evaluate_bounded(protocol, timeline, moment, limits=limits)
    return explain_action(protocol, evaluation, args.action_id)


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("evaluate", help="required actions for a timeline")
    timeline_args(p)
    p.add_argument(
        "--format",
        "-f",
        choices=("json", "table", "html"),
        default="json",
        help="json (default), table, or html: the timeline drawn, as one self-contained page",
    )
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("explain", help="why one action is required, and how its deadline was set")
    timeline_args(p)
    p.add_argument("action_id", help="an action id from 'evaluate'")
    p.set_defaults(run=cmd_explain)

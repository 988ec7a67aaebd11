"""Why an action is required: the rule, the facts, the citation, the deadline arithmetic.

Explanation only reads what evaluation recorded (the :class:`RequiredAction`)
and the compiled protocol it came from; it never re-evaluates. It speaks in
the phrasebook's words (:mod:`missing_protocol.phrases`), with each code in
brackets beside them so the account can be matched to the rule file.
"""

from __future__ import annotations

import datetime as dt

from .calendar import bank_holidays, to_london
from .compiled import Protocol
from .errors import UnknownActionError
from .phrases import (
    FACT_LABELS,
    TOPIC_LABELS,
    condition_words,
    kind_label,
    role_label,
    trigger_words,
    value_label,
)
from .results import EpisodeResult, Evaluation, FactChangeApplied, FactUsed, RequiredAction

__all__ = ["explain_action", "format_moment", "police_risk_words"]


def format_moment(moment: dt.datetime | None) -> str:
    """``Sat 30 Mar 2024 22:00 GMT``; ``-`` for none."""
    if moment is None:
        return "-"
    local = to_london(moment)
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def police_risk_words(facts: EpisodeResult | FactChangeApplied) -> str:
    """An episode's police risk (at its start, or from a change), and how it was held or
    raised: ``high (raised from low by exploitation_high)``."""
    shown = facts.police_risk or "not assessed"
    if facts.police_risk_assumed_by:
        shown += f" (not graded by the police: held by {facts.police_risk_assumed_by})"
    if facts.risk_raised_by:
        raised_from = facts.police_risk_recorded or "the level held"
        shown += f" (raised from {raised_from} by {facts.risk_raised_by})"
    return shown


def _minutes(total: int) -> str:
    """``20 minutes``, ``2 hours 5 minutes``, ``3 days 1 hour``."""
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(shown) or "0 minutes"


def _skipped(day: dt.date) -> str:
    names = bank_holidays(day.year)
    if day in names:
        return f"{day:%a %d %b %Y} (bank holiday)"
    return f"{day:%a %d %b %Y} (weekend)"


def _fact_line(protocol: Protocol, fact: FactUsed) -> str:
    label = FACT_LABELS.get(fact.fact, fact.fact.replace("_", " "))
    return f"    - {label}: {value_label(fact.fact, fact.value, protocol)} (tested: {fact.test})"


def explain_action(protocol: Protocol, evaluation: Evaluation, action_id: str) -> str:
    """A plain-text account of one required action."""
    try:
        action: RequiredAction = evaluation.action(action_id)
    except KeyError:
        raise UnknownActionError(
            f"no action {action_id!r} in this evaluation; run 'evaluate' to list the ids"
        ) from None
    rule = protocol.rule(action.rule_id)
    lines = [
        f"Action {action.id}",
        f"  {kind_label(action.kind)} ({action.obligation}), episode {action.episode_id}"
        f" [{action.kind}]",
        f"  responsible: {role_label(action.responsible)} [{action.responsible}]"
        f" ({action.responsible_reason})",
    ]
    if action.recipient:
        lines.append(f"  recipient: {role_label(action.recipient)} [{action.recipient}]")
    lines += [
        f"  status as at {format_moment(evaluation.as_of)}: {action.status.value}"
        + (f" (done {format_moment(action.met_at)})" if action.met_at else ""),
        "",
        f"Rule {rule.id} ({rule.source})",
        f"  topic: {TOPIC_LABELS.get(rule.topic.value, rule.topic.value)}",
        f"  triggered: {action.trigger}",
        f"  in words: {trigger_words(rule.trigger)}"
        + (f", if {condition_words(rule.when, protocol)}" if rule.when is not None else ""),
    ]
    if action.facts:
        lines.append("  because:")
        lines += [_fact_line(protocol, fact) for fact in action.facts]
    else:
        lines.append("  because: the rule applies to every episode")
    trace = action.deadline
    lines += [
        "",
        "Deadline",
        f"  rule: {trace.rule}",
        f"  from: {trace.anchor} = {format_moment(trace.anchor_at)}",
        f"  arithmetic: {trace.arithmetic}",
    ]
    if trace.skipped_days:
        lines.append("  days not counted:")
        lines += [f"    - {_skipped(day)}" for day in trace.skipped_days]
    lines.append(f"  due: {format_moment(action.due_at)}")
    if trace.other_bound is not None:  # a dual deadline: the bound not used
        lines.append(f"  other bound: {trace.other_bound} = {format_moment(trace.other_due_at)}")
    if action.met_after_minutes is not None:  # a without-delay deadline, met
        lines.append(f"  done {_minutes(action.met_after_minutes)} after {trace.anchor}")
    if action.due_at_latest is not None and action.due_at_latest != action.due_at:
        lines.append(f"  due at the latest: {format_moment(action.due_at_latest)}")
    if action.undetermined_reason:  # day-precision timelines (docs/day-precision.md)
        lines.append(f"  undetermined: {action.undetermined_reason}")
    if evaluation.uncertain_moments:
        lines.append(
            "  times shown for moments known only to the day are the day's start: "
            + "; ".join(evaluation.uncertain_moments)
        )
    lines += [
        "",
        "Citation",
        f"  {protocol.title}, section {action.citation.section}:",
        f'  "{action.citation.quote}"',
    ]
    if action.note:
        lines += ["", "Note on the reading", f"  {action.note}"]
    return "\n".join(lines) + "\n"

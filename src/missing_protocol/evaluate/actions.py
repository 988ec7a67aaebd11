"""The actions of each episode (required, upcoming and pending), and one evaluation run:
the stage between classification and the result, with no explanation text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from missing_protocol.compiled import Protocol, Rule
from missing_protocol.errors import Problem, TimelineError
from missing_protocol.facts import FactName
from missing_protocol.limits import Limits
from missing_protocol.office_hours import in_office_hours, routing_reason
from missing_protocol.plan import (
    FACT_INDEX,
    Applicable,
    Awaited,
    FactTuple,
    History,
    Plan,
    Remembered,
    RulePlan,
    counts_read,
    plan_for,
)
from missing_protocol.results import ActionStatus
from missing_protocol.timeline import Timeline, london_datetime

from .classify import _classify
from .deadlines import _due
from .episodes import _Episode, _values_of, _with
from .evidence import _assign, _Evidence, _evidence, _pool
from .firings import _after_judgements, _fire, _Firing, _judged
from .instants import _utc

_MET, _MET_LATE, _DUE, _OVERDUE = (
    ActionStatus.MET,
    ActionStatus.MET_LATE,
    ActionStatus.DUE,
    ActionStatus.OVERDUE,
)


_NO_DUE: tuple[None, None] = (None, None)
_NAMED = "named by the rule"

# Builds a named tuple from its fields in order, without the class's Python-level __new__.
_make = tuple.__new__

V = TypeVar("V")


class _Found(NamedTuple):
    """A required action, before (and without) its explanation (a tuple: one is made for
    every action, and a tuple is made fastest)."""

    rule: RulePlan
    ep: _Episode
    recipient: str | None
    responsible: str
    responsible_reason: str
    firing: _Firing
    due: dt.datetime | None
    due_u: dt.datetime | None
    met: _Evidence | None
    status: ActionStatus
    id: str


@dataclass(slots=True)
class _Upcoming:
    rule: RulePlan
    ep: _Episode
    recipient: str | None
    responsible: str
    firing: _Firing


@dataclass(slots=True)
class _Pending:
    rule: RulePlan
    ep: _Episode
    recipient: str | None
    responsible: str
    firing: _Firing
    awaiting: tuple[tuple[str, ...], ...]


def _awaited(
    rule: RulePlan, values: FactTuple, history: History, position: int
) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of unrecorded judgements that would make the rule's condition hold."""
    index = FACT_INDEX[FactName.JUDGEMENTS]
    recorded = values[index]
    assert isinstance(recorded, frozenset)
    found: list[tuple[str, ...]] = []
    for subset in rule.judgement_subsets:
        if not recorded.isdisjoint(subset):
            continue
        if any(set(smaller) <= set(subset) for smaller in found):
            continue
        if rule.when.test(_with(values, index, recorded | frozenset(subset)), history, position):
            found.append(subset)
    return tuple(found)


def _waiting(plan: Plan, values: FactTuple, history: History, position: int) -> Awaited:
    """Judgement rules whose condition does not hold on ``values`` but would, and the
    judgements awaited.

    This depends only on the fact tuple and, for rules that count episodes, on the numbers
    counted: remembered per tuple's key (as which rules apply is).
    """

    def find(rules: Sequence[RulePlan]) -> Awaited:
        found = []
        for rule_plan in rules:
            if rule_plan.when.test(values, history, position):
                continue
            gate = rule_plan.judgement_gate
            if gate is not None and not gate(values, history, position):
                continue  # fails whatever judgements are recorded
            awaiting = _awaited(rule_plan, values, history, position)
            if awaiting:
                found.append((rule_plan, awaiting))
        return tuple(found)

    def compute() -> Remembered[Awaited]:
        counting = tuple(r for r in plan.judgement_rules if r.when.counts)
        return Remembered(
            find([r for r in plan.judgement_rules if not r.when.counts]),
            counting,
            counts_read(r.rule.when for r in counting),
        )

    entry = plan.awaited.get(plan.key(values), compute)
    return _by_counts(
        entry,
        history,
        position,
        lambda: tuple(sorted(entry.fixed + find(entry.counting), key=lambda item: item[0].order)),
    )


def _by_counts(
    entry: Remembered[V], history: History, position: int, compute: Callable[[], V]
) -> V:
    """The answer remembered for a fact tuple's key, given the episodes counted up to
    ``position`` where rules that count may play a part (computed on first need)."""
    if not entry.counting:
        return entry.fixed
    numbers = tuple(
        [min(history.counted(key, count, position), cap) for key, count, cap in entry.counts]
    )
    found = entry.by_counts.get(numbers)
    if found is None:
        found = entry.by_counts[numbers] = compute()
    return found


def _episode_pending(
    plan: Plan,
    ep: _Episode,
    *,
    history: History,
    evidence: dict[tuple[int, str], list[_Evidence]],
    as_of_u: dt.datetime,
    pending: list[_Pending],
    cap: int,
    explain: bool = True,
) -> None:
    """Rules fired for this episode that wait on a judgement or outcome not recorded.

    Judged on the episode's facts as they stand at ``as_of`` (after its last change known).
    Without ``explain`` only how many there are is kept: not when nor by whom.
    """
    latest = _values_of(ep, len(ep.segments))
    for rule_plan, awaiting in _waiting(plan, latest, history, ep.position):
        fired, _ = _fire(
            rule_plan, ep, as_of_u=as_of_u, cap=cap, evidence=evidence, history=history
        )
        if not fired:
            continue
        responsible = ""
        if explain:
            fired = _after_judgements(rule_plan, ep, fired)
            responsible, _ = _responsible(rule_plan, latest, history, ep.position)
        for recipient in rule_plan.rule.recipients:
            pending.append(_Pending(rule_plan, ep, recipient, responsible, fired[0], awaiting))


def _responsible(
    rule: RulePlan, values: FactTuple, history: History, position: int
) -> tuple[str, str]:
    if rule.rule.responsible is not None:
        return rule.rule.responsible, _NAMED
    for when, role, reason in rule.options:
        if when.test(values, history, position):
            return role, reason
    return "unallocated", rule.unallocated_reason


def _rules_for(plan: Plan, values: FactTuple) -> Applicable:
    """The static rules that apply on ``values``, and the counting rules that may (their
    parts that do not count hold): what depends on the fact tuple alone, remembered."""

    def compute() -> Applicable:
        counting = tuple(
            r
            for r in plan.counting_rules
            if r.count_gate is None or r.count_gate(values, _NO_HISTORY, -1)
        )
        return Remembered(
            tuple(r for r in plan.static_rules if r.when.test(values, _NO_HISTORY, -1)),
            counting,
            counts_read(r.rule.when for r in counting),
        )

    return plan.applicable.get(plan.key(values), compute)


_NO_HISTORY = History()


def _holding(
    plan: Plan, values: FactTuple, history: History, position: int
) -> tuple[RulePlan, ...]:
    """The rules that apply on ``values`` at ``position``: the static rules that apply, then
    the counting rules that do, remembered per fact tuple's key and numbers counted."""
    entry = _rules_for(plan, values)
    return _by_counts(
        entry,
        history,
        position,
        lambda: (
            entry.fixed + tuple(r for r in entry.counting if r.when.test(values, history, position))
        ),
    )


def _applicable(plan: Plan, ep: _Episode, history: History) -> Sequence[RulePlan]:
    if not ep.segments:
        return _holding(plan, ep.values, history, ep.position)
    # An episode whose facts changed: the rules that apply on any of its sets of facts.
    found: dict[int, RulePlan] = {}
    for values in (ep.values, *(segment.values for segment in ep.segments)):
        for rule in _holding(plan, values, history, ep.position):
            found[rule.order] = rule
    return [found[order] for order in sorted(found)]


def _episode_actions(
    plan: Plan,
    ep: _Episode,
    *,
    history: History,
    evidence: dict[tuple[int, str], list[_Evidence]],
    child_id: str,
    as_of_u: dt.datetime,
    found: list[_Found],
    upcoming: list[_Upcoming],
    cap: int,
    explain: bool,
) -> None:
    prefix = f"{plan.protocol.id}:{child_id}:{ep.source.id}:"
    # An event trigger's one occurrence at each of the episode's moments, as _fire makes it,
    # made once and shared by the rules it fires (only _judged changes a firing, and only
    # for an episode whose facts changed, which shares none).
    shared = (
        None
        if ep.segments
        else [None if at is None or u is None else _Firing(at, u, None) for at, u in ep.moments]
    )
    for rule_plan in _applicable(plan, ep, history):
        rule = rule_plan.rule
        if rule_plan.plain_event and shared is not None:
            firing = shared[rule_plan.anchor]
            fired, next_firing = ([] if firing is None else [firing]), None
        else:
            fired, next_firing = _fire(
                rule_plan, ep, as_of_u=as_of_u, cap=cap, evidence=evidence, history=history
            )
        if ep.segments:
            fired, next_firing = _judged(rule_plan, ep, history, fired, next_firing)
        if not fired and next_firing is None:
            continue
        if rule_plan.judgements and fired:
            fired = _after_judgements(rule_plan, ep, fired)
        first = fired[0] if fired else next_firing
        assert first is not None
        responsible, reason = (
            (rule.responsible, _NAMED)
            if rule.responsible is not None
            else _responsible(rule_plan, _values_of(ep, first.segment), history, ep.position)
        )
        recipients = rule.recipients
        if rule.out_of_hours is not None:
            decides = first
            responsible, reason, recipients = _routed(
                plan.protocol, rule, decides.at, responsible, reason, explain=explain
            )
            if not recipients:
                continue  # the duty arises only in office hours
        pool = (
            evidence.get((ep.position, rule_plan.action), ())
            if len(rule_plan.kinds) == 1
            else _pool(rule_plan, ep, evidence)
        )
        if pool:
            opens = [ep.started_u if rule_plan.from_start else f.at_u for f in fired]
            closes: list[dt.datetime | None] = [f.at_u for f in fired[1:]]
            if fired:
                closes.append(next_firing.at_u if next_firing is not None else None)
        dues: list[tuple[dt.datetime | None, dt.datetime | None]] = (
            [_NO_DUE] * len(fired)
            if rule_plan.no_deadline
            else [_due(rule_plan, ep, firing) for firing in fired]
        )
        no_evidence: list[_Evidence | None] = [None] * len(fired)
        base_id = prefix + rule.id
        for recipient in recipients:
            done = (
                _served(
                    rule_plan, pool, opens, closes, recipient=recipient, responsible=responsible
                )
                if pool
                else None
            ) or no_evidence
            to = "" if recipient is None else f"@{recipient}"
            for firing, (due, due_u), met in zip(fired, dues, done, strict=True):
                if firing.occurrence is None:
                    action_id = base_id + to
                else:
                    action_id = f"{base_id}#{firing.occurrence}{to}"
                if met is not None:
                    status = _MET if due_u is None or met[0] <= due_u else _MET_LATE
                else:
                    status = _OVERDUE if due_u is not None and as_of_u > due_u else _DUE
                found.append(
                    _make(
                        _Found,
                        (
                            rule_plan,
                            ep,
                            recipient,
                            responsible,
                            reason,
                            firing,
                            due,
                            due_u,
                            met,
                            status,
                            action_id,
                        ),
                    )
                )
            if next_firing is not None:
                upcoming.append(_Upcoming(rule_plan, ep, recipient, responsible, next_firing))


def _served(
    rule_plan: RulePlan,
    pool: Sequence[_Evidence],
    opens: Sequence[dt.datetime],
    closes: Sequence[dt.datetime | None],
    *,
    recipient: str | None,
    responsible: str,
) -> list[_Evidence | None] | None:
    """Which recorded event met each occurrence for one recipient; ``None`` if none could."""
    rule = rule_plan.rule
    candidates = [
        item
        for item in pool
        if item[2] in rule.satisfied_by
        and (recipient is None or item[3] == recipient)
        and (item[4] is None or item[4] == responsible or item[4] in rule_plan.other_roles)
        and (rule.methods is None or item[5] in rule.methods)
    ]
    return _assign(candidates, opens, closes) if candidates else None


def _routed(
    protocol: Protocol,
    rule: Rule,
    at: dt.datetime,
    responsible: str,
    reason: str,
    *,
    explain: bool = True,
) -> tuple[str, str, tuple[str | None, ...]]:
    """Who does a rule with out-of-hours routing, why, and to whom, by when it fired.

    Without ``explain`` the reason is left empty (no one reads it), as it costs more
    than the rest.
    """
    ooh, hours = rule.out_of_hours, protocol.office_hours
    assert ooh is not None
    assert hours is not None
    in_hours = in_office_hours(hours, at)
    why = routing_reason(hours, ooh, at, in_hours) if explain else ""
    both = f"{reason}; {why}" if explain else ""
    if in_hours and not ooh.in_hours_required:
        return responsible, why, ()
    if in_hours:
        return responsible, both, rule.recipients
    if not ooh.required:
        return responsible, why, ()
    if ooh.responsible is not None:
        responsible, reason = ooh.responsible, why
    else:
        reason = both
    recipients = ooh.recipients if ooh.recipients is not None else rule.recipients
    return responsible, reason, recipients


@dataclass(frozen=True, slots=True)
class _Run:
    as_of: dt.datetime
    views: list[_Episode]
    history: History
    found: list[_Found]
    upcoming: list[_Upcoming]
    evidence: dict[tuple[int, str], list[_Evidence]] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)


def _check_span(timeline: Timeline, as_of_u: dt.datetime, limits: Limits) -> None:
    """Refuse an evaluation that would span more time than the limit allows."""
    first = min(range(len(timeline.episodes)), key=lambda i: _utc(timeline.episodes[i].started_at))
    span = as_of_u - _utc(timeline.episodes[first].started_at)
    if span > dt.timedelta(days=limits.evaluation_span_days):
        raise TimelineError(
            [
                Problem(
                    "limit.evaluation_span",
                    f"evaluating {span.days} days after the first episode began is more than "
                    f"the limit of {limits.evaluation_span_days} days; evaluate as at an "
                    "earlier moment, or raise the limit evaluation_span_days",
                    path=f"episodes[{first}].started_at",
                )
            ]
        )


def _run(
    protocol: Protocol,
    timeline: Timeline,
    as_of: dt.datetime,
    limits: Limits,
    *,
    explain: bool = True,
) -> _Run:
    """One evaluation's episodes, actions, upcoming and pending, before their wording.

    Without ``explain`` (:func:`evaluate_compact`) the reasons only the explanation reads
    are not made.
    """
    plan = plan_for(protocol)
    if not limits.earliest_year <= as_of.year <= limits.latest_year:
        raise TimelineError(
            [
                Problem(
                    "limit.date_range",
                    f"the moment evaluated is outside the years {limits.describe_date_range()} "
                    "that any record holds: check the year, or raise the limits earliest_year "
                    "or latest_year",
                    path="as_of",
                )
            ]
        )
    as_of = london_datetime(as_of)
    as_of_u = _utc(as_of)
    _check_span(timeline, as_of_u, limits)
    views, history = _classify(plan, timeline, as_of_u)
    evidence = _evidence(timeline, views, as_of_u)
    found: list[_Found] = []
    upcoming: list[_Upcoming] = []
    for ep in views:
        _episode_actions(
            plan,
            ep,
            history=history,
            evidence=evidence,
            child_id=timeline.child.id,
            as_of_u=as_of_u,
            found=found,
            upcoming=upcoming,
            cap=limits.occurrences_per_rule,
            explain=explain,
        )
    pending: list[_Pending] = []
    if plan.judgement_rules:
        for ep in views:
            _episode_pending(
                plan,
                ep,
                history=history,
                evidence=evidence,
                as_of_u=as_of_u,
                pending=pending,
                cap=limits.occurrences_per_rule,
                explain=explain,
            )
    found.sort(key=lambda f: (f.firing.at_u, f.rule.order, f.ep.source.id, f.id))
    if explain:  # else only how many are upcoming and pending is read
        upcoming.sort(key=lambda u: (u.firing.at_u, u.rule.order, u.ep.source.id))
        pending.sort(key=lambda p: (p.firing.at_u, p.rule.order, p.ep.source.id, p.recipient or ""))
    return _Run(as_of, views, history, found, upcoming, evidence, pending)

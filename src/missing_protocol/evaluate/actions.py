"""The actions of each episode (required, upcoming and pending), and one evaluation run:
the stage between classification and the result, with no explanation text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
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
from .episodes import _Episode, _Segment, _values_of, _with
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


class _Pending(NamedTuple):
    """A rule fired that waits on a judgement not recorded (a tuple, made fastest)."""

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


def _waiting(
    plan: Plan, values: FactTuple, key: Hashable, history: History, position: int
) -> Awaited:
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

    entry = plan.awaited.get(key, compute)
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
    try:
        numbers = tuple(
            [min(history.counted(key, count, position), cap) for key, count, cap in entry.counts]
        )
    except (OverflowError, ValueError):
        # A count's window reaches past the calendar's range: the rules' own tests decide
        # (or refuse) as they always did, and may never reach that count.
        return compute()
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
    shared: _Shared,
) -> None:
    """Rules fired for this episode that wait on a judgement or outcome not recorded.

    Judged on the episode's facts as they stand at ``as_of`` (after its last change known).
    Without ``explain`` only how many there are is kept: not when nor by whom.
    """
    latest = ep.segments[-1] if ep.segments else ep
    for rule_plan, awaiting in _waiting(plan, latest.values, latest.key, history, ep.position):
        if rule_plan.plain_event and not ep.segments:
            fired = shared[rule_plan.anchor]
            if fired is None:
                fired = _event_firing(rule_plan, ep, shared)
        else:
            fired, _ = _fire(
                rule_plan, ep, as_of_u=as_of_u, cap=cap, evidence=evidence, history=history
            )
        if not fired:
            continue
        responsible = ""
        if explain:
            fired = _after_judgements(rule_plan, ep, fired)
            responsible, _ = _responsible(rule_plan, latest.values, history, ep.position)
        for recipient in rule_plan.rule.recipients:
            pending.append(
                _make(_Pending, (rule_plan, ep, recipient, responsible, fired[0], awaiting))
            )


def _responsible(
    rule: RulePlan, values: FactTuple, history: History, position: int
) -> tuple[str, str]:
    if rule.rule.responsible is not None:
        return rule.rule.responsible, _NAMED
    for when, role, reason in rule.options:
        if when.test(values, history, position):
            return role, reason
    return "unallocated", rule.unallocated_reason


def _rules_for(plan: Plan, values: FactTuple, key: Hashable) -> Applicable:
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

    return plan.applicable.get(key, compute)


_NO_HISTORY = History()


def _holding(
    plan: Plan, facts: _Episode | _Segment, history: History, position: int
) -> tuple[RulePlan, ...]:
    """The rules that apply on ``facts`` at ``position``: the static rules that apply, then
    the counting rules that do, remembered per fact tuple's key and numbers counted."""
    values = facts.values
    entry = _rules_for(plan, values, facts.key)
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
        return _holding(plan, ep, history, ep.position)
    # An episode whose facts changed: the rules that apply on any of its sets of facts.
    found: dict[int, RulePlan] = {}
    every: list[_Episode | _Segment] = [ep, *ep.segments]
    for facts in every:
        for rule in _holding(plan, facts, history, ep.position):
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
    shared: _Shared,
) -> None:
    prefix = f"{plan.protocol.id}:{child_id}:{ep.source.id}:"
    changed = bool(ep.segments)
    position = ep.position
    add = found.append
    for rule_plan in _applicable(plan, ep, history):
        rule = rule_plan.rule
        fired: list[_Firing] | None
        next_firing: _Firing | None = None
        if rule_plan.plain_event and not changed:
            fired = shared[rule_plan.anchor]
            if fired is None:
                fired = _event_firing(rule_plan, ep, shared)
            if not fired:
                continue
        else:
            fired, next_firing = _fire(
                rule_plan, ep, as_of_u=as_of_u, cap=cap, evidence=evidence, history=history
            )
            if changed:
                fired, next_firing = _judged(rule_plan, ep, history, fired, next_firing)
            if not fired and next_firing is None:
                continue
        if rule_plan.judgements and fired:
            fired = _after_judgements(rule_plan, ep, fired)
        responsible, reason, recipients = rule.responsible, _NAMED, rule.recipients
        if responsible is None or rule.out_of_hours is not None:
            responsible, reason, recipients = _who(
                plan, rule_plan, ep, fired[0] if fired else next_firing, history, explain=explain
            )
            if not recipients:
                continue  # the duty arises only in office hours
        pool = (
            evidence.get((position, rule_plan.action))
            if len(rule_plan.kinds) == 1
            else _pool(rule_plan, ep, evidence)
        )
        dues = None if rule_plan.no_deadline else [_due(rule_plan, ep, f) for f in fired]
        base_id = prefix + rule.id
        for recipient in recipients:
            done = (
                _served(
                    rule_plan,
                    ep,
                    pool,
                    (fired, next_firing),
                    recipient=recipient,
                    responsible=responsible,
                )
                if pool
                else None
            )
            to = "" if recipient is None else "@" + recipient
            for number, firing in enumerate(fired):
                occurrence = firing.occurrence
                action_id = base_id + to if occurrence is None else f"{base_id}#{occurrence}{to}"
                if dues is None and done is None:  # no time set, nothing recorded: due
                    due = due_u = met = None
                    status = _DUE
                else:
                    due, due_u = _NO_DUE if dues is None else dues[number]
                    met = None if done is None else done[number]
                    if met is not None:
                        status = _MET if due_u is None or met[0] <= due_u else _MET_LATE
                    else:
                        status = _OVERDUE if due_u is not None and as_of_u > due_u else _DUE
                add(
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


# An event trigger's one occurrence at each of an episode's moments (a list of one, or none
# if the moment is not known), made for the first rule it fires and shared by the rest, for
# an episode whose facts did not change (only _judged changes a firing, and only for one whose
# facts changed). Never changed; None where not made yet.
_Shared = list[list[_Firing] | None]


def _event_firing(rule_plan: RulePlan, ep: _Episode, shared: _Shared) -> list[_Firing]:
    """The occurrence of a plain event trigger, as _fire makes it, kept in ``shared``."""
    at, at_u = ep.moments[rule_plan.anchor]
    made = shared[rule_plan.anchor] = (
        [] if at is None or at_u is None else [_Firing(at, at_u, None)]
    )
    return made


def _who(
    plan: Plan,
    rule_plan: RulePlan,
    ep: _Episode,
    first: _Firing | None,
    history: History,
    *,
    explain: bool,
) -> tuple[str, str, tuple[str | None, ...]]:
    """Who does a rule's action, why, and to whom, judged at its first occurrence (fired or
    next): by its allocation, where it names no role, and by office hours, where it routes."""
    assert first is not None
    rule = rule_plan.rule
    if rule.responsible is not None:
        responsible, reason = rule.responsible, _NAMED
    else:
        values = _values_of(ep, first.segment)
        responsible, reason = _responsible(rule_plan, values, history, ep.position)
    if rule.out_of_hours is None:
        return responsible, reason, rule.recipients
    return _routed(plan.protocol, rule, first.at, responsible, reason, explain=explain)


def _served(
    rule_plan: RulePlan,
    ep: _Episode,
    pool: Sequence[_Evidence],
    firings: tuple[Sequence[_Firing], _Firing | None],
    *,
    recipient: str | None,
    responsible: str,
) -> list[_Evidence | None] | None:
    """Which recorded event met each occurrence fired (of ``firings``: those fired and the
    next) for one recipient; ``None`` if none could.

    An occurrence is open from when it fired (or the episode's start, for a rule whose work
    counts from then) until the next fires.
    """
    rule = rule_plan.rule
    candidates = [
        item
        for item in pool
        if item[2] in rule.satisfied_by
        and (recipient is None or item[3] == recipient)
        and (item[4] is None or item[4] == responsible or item[4] in rule_plan.other_roles)
        and (rule.methods is None or item[5] in rule.methods)
    ]
    if not candidates:
        return None
    fired, next_firing = firings
    opens = [ep.started_u if rule_plan.from_start else f.at_u for f in fired]
    closes: list[dt.datetime | None] = [f.at_u for f in fired[1:]]
    if fired:
        closes.append(next_firing.at_u if next_firing is not None else None)
    return _assign(candidates, opens, closes)


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


# Actions in the order they are listed: by when they fired, then rule, episode and id.
_FOUND_ORDER = attrgetter("firing.at_u", "rule.order", "ep.source.id", "id")


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
    pending: list[_Pending] = []
    cap = limits.occurrences_per_rule
    shared_by_episode: list[_Shared] = []
    for ep in views:
        shared: _Shared = [None] * len(ep.moments)
        shared_by_episode.append(shared)
        _episode_actions(
            plan,
            ep,
            history=history,
            evidence=evidence,
            child_id=timeline.child.id,
            as_of_u=as_of_u,
            found=found,
            upcoming=upcoming,
            cap=cap,
            explain=explain,
            shared=shared,
        )
    if plan.judgement_rules:  # after every episode's actions: the first limit met is raised
        for ep, shared in zip(views, shared_by_episode, strict=True):
            _episode_pending(
                plan,
                ep,
                history=history,
                evidence=evidence,
                as_of_u=as_of_u,
                pending=pending,
                cap=cap,
                explain=explain,
                shared=shared,
            )
    found.sort(key=_FOUND_ORDER)
    if explain:  # else only how many are upcoming and pending is read
        upcoming.sort(key=lambda u: (u.firing.at_u, u.rule.order, u.ep.source.id))
        pending.sort(key=lambda p: (p.firing.at_u, p.rule.order, p.ep.source.id, p.recipient or ""))
    return _Run(as_of, views, history, found, upcoming, evidence, pending)

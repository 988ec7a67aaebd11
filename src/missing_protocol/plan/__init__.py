"""The evaluation plan: a compiled protocol turned into closures and indexes, once.

:mod:`missing_protocol.compile` produces the compiled form (:mod:`.compiled`),
which is plain data that tools can read, compare and verify. Evaluating a
caseload needs something faster than walking that data for every episode, so
this module derives, once per protocol, a :class:`Plan`:

* every condition becomes two closures over a **fact tuple** (the facts of
  one episode, by position): ``test`` says whether it holds, and ``why``
  gives the facts that made it hold, in the words :func:`.conditions.holds`
  uses. Evaluation calls ``test`` for every episode and ``why`` only for the
  actions it keeps;
* episode counts ("3 episodes within 90 days") read the child's episodes
  through a :class:`History` that answers by binary search over sorted
  starts, so a child with 1,000 episodes costs no more per episode than a
  child with ten;
* which rules apply to an episode depends, for rules without episode counts,
  only on the fact tuple, and most episodes share a fact tuple with many
  others: the plan remembers the answer for each tuple it has seen;
* each rule's fixed parts (its citation, its condition in words, the sort
  order) are computed once.

The meaning is exactly that of :mod:`.conditions`: a fact whose value is not
known (``None``) satisfies no test, not even ``not_in``. The plan is derived
state, kept in a small cache keyed by the protocol object, never pickled:
a protocol sent to another process builds its plan there on first use.

The plan lives in this package by part: :mod:`.triggers` (the positions of
moments and the kinds of trigger), :mod:`.history` (the fact tuple's layout
and the child's episodes, counted by binary search), :mod:`.conditions`
(conditions as closures), :mod:`.judgements` (what a condition asks of the
judgements recorded) and :mod:`.rules` (a rule's plan, the plan, and what it
remembers); building and caching a plan is here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from threading import Lock

from missing_protocol.compiled import (
    DeadlineKind,
    EventTrigger,
    FirstOf,
    Moment,
    PhasedTrigger,
    Protocol,
    Recorded,
)
from missing_protocol.conditions import describe
from missing_protocol.facts import FactName, police_risk_rank
from missing_protocol.results import CitationOut

from .conditions import CondPlan, Test, Why, plan_condition
from .history import FACT_INDEX, FactTuple, History
from .judgements import _counts, _gate, _tests_judgements, code_subsets, judgement_codes
from .keys import counts_read, facts_key
from .rules import Applicable, Awaited, Plan, Remembered, RulePlan, _Memo
from .triggers import (
    ELAPSED,
    EVENT,
    FIRST_OF,
    MOMENTS,
    PHASED,
    RECORDED,
    RECORDED_ANCHOR,
    RECURRING,
    TRIGGER_KINDS,
    TRIGGERED,
    _trigger_anchor,
    anchor_position,
)

__all__ = [
    "ELAPSED",
    "EVENT",
    "FACT_INDEX",
    "FIRST_OF",
    "MOMENTS",
    "PHASED",
    "RECORDED",
    "RECORDED_ANCHOR",
    "RECURRING",
    "TRIGGERED",
    "Applicable",
    "Awaited",
    "FactTuple",
    "History",
    "Plan",
    "Remembered",
    "RulePlan",
    "Test",
    "Why",
    "allocator",
    "anchor_position",
    "code_subsets",
    "counts_read",
    "fact_tuple",
    "judgement_codes",
    "plan_for",
]


# Deadlines that set no time: never due, whatever the anchor (a phase may set its own).
_NO_TIME = frozenset({DeadlineKind.UNSPECIFIED, DeadlineKind.WITHOUT_DELAY})


def _build(protocol: Protocol) -> Plan:
    rules = []
    for order, rule in enumerate(protocol.rules):
        options: tuple[tuple[CondPlan, str, str], ...] = ()
        reason = ""
        if rule.allocation is not None:
            allocation = protocol.allocations[rule.allocation]
            options = tuple(
                (
                    plan_condition(option.when),
                    option.role,
                    f"{allocation.id} option {number}: "
                    + ("otherwise" if option.when is None else describe(option.when)),
                )
                for number, option in enumerate(allocation.options, start=1)
            )
            reason = f"no option of {allocation.id} applies"
        trigger = rule.trigger
        codes = judgement_codes(rule.when)
        rules.append(
            RulePlan(
                rule=rule,
                order=order,
                when=plan_condition(rule.when),
                citation=CitationOut(protocol.id, rule.citation.section, rule.citation.quote),
                action=rule.action,
                obligation=rule.obligation.value,
                topic=rule.topic.value,
                trigger=TRIGGER_KINDS[type(trigger)],
                anchor=_trigger_anchor(trigger),
                deadline_anchor=anchor_position(rule.deadline.anchor),
                from_start=rule.work_from is Moment.STARTED,
                options=options,
                unallocated_reason=reason,
                kinds=(rule.action, *rule.alternative_actions),
                other_roles=frozenset(rule.alternative_responsible),
                alternatives=tuple(
                    (alternative, plan_condition(alternative.when))
                    for alternative in (
                        trigger.alternatives if isinstance(trigger, FirstOf) else ()
                    )
                ),
                judgements=codes,
                judgement_subsets=code_subsets(codes),
                plain_event=isinstance(trigger, EventTrigger)
                and not isinstance(rule.deadline.anchor, Recorded),
                no_deadline=rule.deadline.kind in _NO_TIME
                and rule.deadline.within is None
                and not isinstance(trigger, PhasedTrigger),
                judgement_gate=_gate(rule.when, _tests_judgements) if codes else None,
                count_gate=_gate(rule.when, _counts),
            )
        )
    floors = []
    for floor in protocol.floors:
        target = police_risk_rank(floor.raise_to)
        forbid = frozenset(police_risk_rank(level) for level in floor.forbid)
        reason_tail = (
            f"; raised to {floor.raise_to.value} by {floor.id} ({floor.citation.section}: "
            f'"{floor.citation.quote}")'
        )
        floors.append((plan_condition(floor.when), forbid, target, floor.id, reason_tail))
    return Plan(
        protocol=protocol,
        categories=tuple(
            (
                category.id,
                plan_condition(category.when),
                f"derived: {describe(category.when)} ({category.source})",
            )
            for category in protocol.categories
            if category.when is not None
        ),
        category_ids=frozenset(category.id for category in protocol.categories),
        floors=tuple(floors),
        rules=tuple(rules),
        static_rules=tuple(r for r in rules if not r.when.counts),
        counting_rules=tuple(r for r in rules if r.when.counts),
        applicable=_Memo(),
        key=facts_key(rule.when for rule in protocol.rules),
        judgement_rules=tuple(r for r in rules if r.judgements),
        ungraded=_ungraded(protocol),
        also=_also(protocol),
    )


def _also(protocol: Protocol) -> dict[str, tuple[tuple[str, CondPlan, str], ...]]:
    """Per category with ``also``: the other categories, their conditions and reason texts."""
    return {
        category.id: tuple(
            (
                also.category,
                plan_condition(also.when),
                "derived: "
                + ("always" if also.when is None else describe(also.when))
                + f' ({also.citation.section}: "{also.citation.quote}")',
            )
            for also in category.also
        )
        for category in protocol.categories
        if category.also
    }


def _ungraded(protocol: Protocol) -> tuple[tuple[CondPlan, int, str, str], ...]:
    """The protocol's statements of the level an ungraded episode is held at, planned."""
    return tuple(
        (
            plan_condition(item.when),
            police_risk_rank(item.held_at),
            item.id,
            f"no police risk recorded; held at {item.held_at.value} by {item.id} "
            f'({item.citation.section}: "{item.citation.quote}")',
        )
        for item in protocol.ungraded
    )


def fact_tuple(values: Mapping[FactName, object]) -> FactTuple:
    """A fact tuple from facts by name (a fact not given is unknown: ``None``)."""
    return tuple(values.get(name) for name in FACT_INDEX)


def allocator(protocol: Protocol, allocation_id: str) -> Callable[[FactTuple], str]:
    """The role an allocation chooses for a fact tuple, as evaluation chooses it.

    Options whose condition counts episodes see no earlier episodes here.
    """
    options = tuple(
        (plan_condition(option.when).test, option.role)
        for option in protocol.allocations[allocation_id].options
    )
    empty = History()

    def allocate(values: FactTuple) -> str:
        for test, role in options:
            if test(values, empty, -1):
                return role
        return "unallocated"

    return allocate


_PLANS: OrderedDict[int, tuple[Protocol, Plan]] = OrderedDict()


_PLANS_LOCK = Lock()


_PLANS_KEPT = 64


def plan_for(protocol: Protocol) -> Plan:
    """The plan of ``protocol``, built on first use and kept for the protocols used most lately.

    Keyed by the object's identity; the cache holds the protocol itself, so an
    identity cannot be reused by another object while its entry is kept.
    """
    key = id(protocol)
    entry = _PLANS.get(key)
    if entry is not None and entry[0] is protocol:
        return entry[1]
    plan = _build(protocol)
    with _PLANS_LOCK:
        _PLANS[key] = (protocol, plan)
        _PLANS.move_to_end(key)
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plan

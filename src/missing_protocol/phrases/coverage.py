"""Which codes a protocol uses that the phrasebook has no label for (a test keeps it empty)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from missing_protocol.compiled import (
    Deadline,
    FirstOf,
    PhasedTrigger,
    Pred,
    Protocol,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Trigger,
)
from missing_protocol.conditions import atoms
from missing_protocol.facts import FACTS, FactName, FactType

from .labels import (
    FACT_LABELS,
    JUDGEMENT_LABELS,
    KIND_LABELS,
    OBLIGATION_LABELS,
    ROLE_LABELS,
    TOPIC_LABELS,
    VALUE_LABELS,
)


def _codes(protocol: Protocol) -> Iterator[tuple[str, str]]:
    for rule in protocol.rules:
        yield "topic", rule.topic.value
        yield "obligation", rule.obligation.value
        yield "kind", rule.action
        if rule.responsible is not None:
            yield "role", rule.responsible
        yield from (("role", r) for r in rule.recipients if r is not None)
        yield from (("kind", k) for k in rule.alternative_actions)
        yield from (("role", r) for r in rule.alternative_responsible)
        for recorded in _recorded_anchors(rule.trigger, rule.deadline):
            yield "kind", recorded.kind
            if recorded.recipient is not None:
                yield "role", recorded.recipient
    for allocation in protocol.allocations.values():
        yield from (("role", o.role) for o in allocation.options)
    conditions = [r.when for r in protocol.rules] + [c.when for c in protocol.categories]
    conditions += [f.when for f in protocol.floors]
    conditions += [u.when for u in protocol.ungraded]
    conditions += [o.when for a in protocol.allocations.values() for o in a.options]
    conditions += [
        a.when
        for r in protocol.rules
        if isinstance(r.trigger, FirstOf)
        for a in r.trigger.alternatives
    ]
    for cond in conditions:
        for atom in atoms(cond):
            if not isinstance(atom, Pred):
                continue
            yield "fact", atom.fact.value
            spec = FACTS[atom.fact]
            if spec.type in (
                FactType.NUMBER,
                FactType.CATEGORY,
                FactType.ORDERED,
                FactType.CATEGORY_SET,
            ):
                continue
            values = atom.value if isinstance(atom.value, frozenset) else {atom.value}
            for v in values:
                text = ("true" if v else "false") if isinstance(v, bool) else str(v)
                yield "value", f"{atom.fact.value}={text}"
    yield from (("value", f"police_risk={r.value}") for r in protocol.police_risk_levels)


def _recorded_anchors(trigger: Trigger, deadline: Deadline) -> Iterator[Recorded]:
    """The recorded events a trigger or deadline counts from (schema 2)."""
    if isinstance(trigger, RecordedTrigger):
        yield trigger.on
    elif isinstance(trigger, RecurringTrigger | PhasedTrigger):
        if isinstance(trigger.anchor, Recorded):
            yield trigger.anchor
    elif isinstance(trigger, FirstOf):
        for alternative in trigger.alternatives:
            if isinstance(alternative.trigger, RecordedTrigger):
                yield alternative.trigger.on
    if isinstance(deadline.anchor, Recorded):
        yield deadline.anchor


def _declared_judgement(protocol: Protocol, fact: str, value: str) -> bool:
    """A protocol's own judgement: described in its extra_judgements, read by its code."""
    return (
        fact == FactName.JUDGEMENTS.value
        and value in protocol.judgements
        and value not in JUDGEMENT_LABELS
    )


def unlabelled(protocol: Protocol) -> list[str]:
    """Every code ``protocol`` uses that has no label here, as ``what: code``; sorted."""
    tables: dict[str, Mapping[str, object]] = {
        "topic": TOPIC_LABELS,
        "obligation": OBLIGATION_LABELS,
        "kind": KIND_LABELS,
        "role": ROLE_LABELS,
        "fact": FACT_LABELS,
    }
    missing = set()
    for what, code in _codes(protocol):
        if what == "value":
            fact, _, value = code.partition("=")
            if _declared_judgement(protocol, fact, value):
                continue
            if value not in VALUE_LABELS.get(fact, {}):
                missing.add(f"{what}: {code}")
        elif code not in tables[what]:
            missing.add(f"{what}: {code}")
    return sorted(missing)

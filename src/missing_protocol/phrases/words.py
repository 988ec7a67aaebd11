"""Conditions, triggers and deadlines in words, built from the labels."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from missing_protocol.calendar import Duration
from missing_protocol.compiled import (
    AllOf,
    Anchor,
    AnyOf,
    Cond,
    CountEpisodes,
    Deadline,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    Moment,
    PhasedTrigger,
    Pred,
    Protocol,
    RecordedTrigger,
    RecurringTrigger,
    Trigger,
)
from missing_protocol.facts import FACTS, FactName, PoliceRisk

from .labels import MOMENT_LABELS, kind_label, role_label, value_label


def _either(words: list[str], join: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {join} " + words[-1]


def _none_of(words: list[str]) -> str:
    if len(words) == 1:
        return f"not {words[0]}"
    if len(words) == 2:
        return f"neither {words[0]} nor {words[1]}"
    return "none of: " + ", ".join(words)


_RISKS = tuple(PoliceRisk)


_PREFIXES = {
    FactName.CATEGORY: ("classed as", "not classed as"),
    FactName.CATEGORIES: ("classed (among others) as", "not classed as"),
    FactName.POLICE_RISK: ("police risk", "police risk not"),
    FactName.JUDGEMENTS: ("recorded that", "not recorded that"),
}


_AGE = {"lt": "under {}", "le": "aged {} or under", "gt": "over {}", "ge": "aged {} or over"}


_RISK = {
    "lt": "police risk below {}",
    "le": "police risk {} or lower",
    "gt": "police risk above {}",
    "ge": "police risk {} or higher",
}


def _pred_words(pred: Pred, protocol: Protocol | None) -> str:
    fact = pred.fact

    def label(v: object) -> str:
        if fact is FactName.POLICE_RISK and isinstance(v, int):
            v = _RISKS[v].value
        if isinstance(v, bool):
            v = "true" if v else "false"
        return value_label(fact.value, str(v), protocol)

    if fact is FactName.AGE:
        return _AGE.get(pred.op, "aged {}").format(pred.value)
    if fact is FactName.POLICE_RISK and pred.op in _RISK:
        return _RISK[pred.op].format(label(pred.value))
    domain = FACTS[fact].domain or ()

    def order(v: object) -> tuple[int, str]:
        return (domain.index(str(v)), "") if str(v) in domain else (len(domain), str(v))

    values = sorted(pred.value, key=order) if isinstance(pred.value, frozenset) else [pred.value]
    words = [label(v) for v in values]
    negated = pred.op in ("not_in", "has_none")
    prefix = _PREFIXES.get(fact)
    if prefix is not None:
        return f"{prefix[negated]} {_either(words)}"
    return _none_of(words) if negated else _either(words)


def _count_words(cond: CountEpisodes, protocol: Protocol | None) -> str:
    what = "episodes"
    if cond.categories is not None:
        names = [value_label("category", c, protocol) for c in sorted(cond.categories)]
        what = _either(names) + " episodes"
    window = f" in {cond.within}" if cond.within else " in all"
    if cond.calendar_month:
        window = " in the same calendar month"
    if cond.missing_from is not None:
        places = [value_label("missing_from", p) for p in sorted(cond.missing_from)]
        what += " missing from " + _either(places)
    bound = f"at least {cond.at_least}" if cond.at_least is not None else f"exactly {cond.exactly}"
    return f"{bound} {what}{window}, this one included"


def condition_words(cond: Cond, protocol: Protocol | None = None) -> str:
    """A condition in words: ``looked after or a care leaver and whereabouts unknown``."""
    if isinstance(cond, Pred):
        return _pred_words(cond, protocol)
    if isinstance(cond, CountEpisodes):
        return _count_words(cond, protocol)
    if isinstance(cond, AllOf | AnyOf):
        join = " and " if isinstance(cond, AllOf) else " or "
        parts = []
        for item in cond.items:
            text = condition_words(item, protocol)
            nested = isinstance(item, AllOf | AnyOf) and len(item.items) > 1
            parts.append(f"({text})" if nested else text)
        return join.join(parts)
    return f"not ({condition_words(cond.item, protocol)})"


def anchor_label(anchor: Anchor) -> str:
    """``going missing``; a recorded event: ``the first strategy meeting recorded``."""
    if isinstance(anchor, Moment):
        return MOMENT_LABELS[anchor.value]
    text = f"the first {kind_label(anchor.kind)} recorded"
    if anchor.recipient is not None:
        what = "notice" if anchor.kind == "notify" else kind_label(anchor.kind)
        text = f"the first {what} to {role_label(anchor.recipient)} recorded"
    if anchor.outcomes != _DEFAULT_OUTCOMES:
        text += " as " + _either(sorted(anchor.outcomes))
    return text


_DEFAULT_OUTCOMES = frozenset({"done", "offered", "completed", "declined"})


def _after(anchor: Anchor) -> str:
    return "" if anchor is Moment.STARTED else f" of {anchor_label(anchor)}"


def _schema2_trigger_words(trigger: RecordedTrigger | PhasedTrigger | FirstOf) -> str:
    if isinstance(trigger, RecordedTrigger):
        return f"on {anchor_label(trigger.on)}"
    if isinstance(trigger, PhasedTrigger):
        parts = []
        for index, phase in enumerate(trigger.phases):
            start = (
                f"from {phase.first}{_after(trigger.anchor)}"
                if index == 0
                else f"from {phase.first} after the last of those"
            )
            text = f"every {_duration(phase.every)} while missing, {start}"
            if index > 0:
                text = "then " + text
            if phase.until is not None:
                text += f", until {phase.until}"
            parts.append(text)
        return "; ".join(parts)
    words = []
    for alternative in trigger.alternatives:
        text = trigger_words(alternative.trigger)
        if alternative.when is not None:
            text += f" where {condition_words(alternative.when)}"
        words.append(text)
    return "at the first of: " + "; or ".join(words)


def trigger_words(trigger: Trigger) -> str:
    """``on going missing``, ``still missing after 48 hours``, ``every 7 days while missing``."""
    if isinstance(trigger, RecordedTrigger | PhasedTrigger | FirstOf):
        return _schema2_trigger_words(trigger)
    if isinstance(trigger, EventTrigger):
        return f"on {MOMENT_LABELS[trigger.on.value]}"
    if isinstance(trigger, ElapsedTrigger):
        if trigger.anchor is Moment.STARTED:
            return f"still missing after {trigger.missing_for}"
        return f"still missing {trigger.missing_for} after {MOMENT_LABELS[trigger.anchor.value]}"
    assert isinstance(trigger, RecurringTrigger)
    start = (
        f"from {anchor_label(trigger.anchor)}"
        if trigger.first.amount == 0
        else f"from {trigger.first}{_after(trigger.anchor)}"
    )
    text = f"every {_duration(trigger.every)} while missing, {start}"
    if trigger.until is not None:
        text += f", until {trigger.until}"
    return text


def _duration(duration: Duration) -> str:
    return str(duration).removeprefix("1 ")


# Deadlines set by a date or hours outside the episode (issue 10), in words.
_DEADLINES_IN_WORDS: Final = MappingProxyType(
    {
        DeadlineKind.BEFORE_NEXT_REVIEW: "before the child's next review",
        DeadlineKind.AT_NEXT_REVIEW: "at the child's next review",
        DeadlineKind.NEXT_OFFICE_OPENING: "as soon as day-time services resume",
    }
)


def deadline_words(deadline: Deadline, trigger: Trigger | None = None) -> str:
    """``immediately``, ``within 72 hours of return``, ``no time limit stated``.

    Counted from the moment that triggers the duty (``trigger``, when given,
    is an event at that moment), it is just ``within 72 hours``.
    """
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return "immediately"
    if deadline.kind is DeadlineKind.UNSPECIFIED:
        return "no time limit stated"
    if deadline.kind is DeadlineKind.WITHOUT_DELAY:
        return "without delay (no fixed time)"
    if deadline.kind in _DEADLINES_IN_WORDS:
        return _DEADLINES_IN_WORDS[deadline.kind]
    same = isinstance(trigger, EventTrigger) and trigger.on is deadline.anchor
    within = f"within {deadline.within}"
    if deadline.or_within is not None:
        within += f" or {deadline.or_within}, whichever is {deadline.use}"
    if deadline.anchor is Moment.TRIGGERED or same:
        return within
    return f"{within} of {anchor_label(deadline.anchor)}"

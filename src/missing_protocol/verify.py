"""Static checks of a compiled protocol: gaps, overlaps, dead rules, thresholds, citations.

The facts conditions test have finite domains (:mod:`missing_protocol.facts`),
and a condition only distinguishes the values it mentions, so each check
enumerates a small fact space: for every fact a group of conditions mentions,
the values on either side of each threshold, each mentioned value and one
unmentioned one, every combination of the mentioned members of a set, and
episode counts either side of each count. Every finding names the rule, its
line in the rule file, and a concrete example of facts where it shows.

Errors (a protocol should have none):

``verify.unreachable_rule``
    the rule's condition cannot hold for any child (for a ``first_of`` trigger:
    not together with any alternative's condition).
``verify.unreachable_alternative``
    a ``first_of`` alternative's condition cannot hold together with its
    rule's, so the alternative never fires; the finding points at the alternative.
``verify.allocation_gap``
    a rule applies to a child for whom no option of its allocation does.
``verify.quote_not_found``
    a citation's quote does not occur in the protocol text (:func:`check_citations`).

A rule with a ``first_of`` trigger fires when its own condition holds and at
least one alternative's does (an alternative without a condition always
does): every check takes that as the rule's condition, and the overlap check
compares each alternative with the rules on its own trigger.

Warnings (a reader should look, and may accept them: a rule file lists the
warnings it accepts under ``accepted_warnings``, each with its reason, and the
finding then carries that reason):

``verify.shadowed_option``
    an allocation option is never chosen: earlier options always win.
``verify.overlap``
    two rules give the same person the same action on the same trigger (and
    recipient) with different deadlines, and both apply to some child.
``verify.threshold_order``
    of two rules for the same action fired by time elapsed, the later one is
    due before the earlier one.
``verify.category_gap``
    for some episode no category can be derived, so a timeline must give it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from .calendar import approximate_hours
from .compiled import (
    AllOf,
    AnyOf,
    Citation,
    Cond,
    CountEpisodes,
    DeadlineKind,
    ElapsedTrigger,
    FirstOf,
    Moment,
    Pred,
    Protocol,
    Rule,
    SourceRef,
    Trigger,
)
from .conditions import atoms, describe, test_value
from .facts import FACTS, FactName, FactType, PoliceRisk
from .render import describe_trigger

__all__ = [
    "Finding",
    "Severity",
    "check_citations",
    "normalise_text",
    "verify_protocol",
]

_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_RISKS = tuple(PoliceRisk)
_MAX_POINTS = 200_000


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem a static check found, located in the rule file."""

    severity: Severity
    code: str
    message: str
    source: SourceRef
    example: str | None = None
    about: frozenset[str] = frozenset()  # the rule or allocation ids it names
    accepted: str | None = None  # why the rule file accepts this warning, if it does

    def __str__(self) -> str:
        where = str(self.source)
        if self.source.line is not None and self.source.column is not None:
            where += f":{self.source.column}"
        text = f"{where}: {self.severity.value}: {self.message} [{self.code}]"
        if self.example:
            text += f"\n    for example: {self.example}"
        if self.accepted:
            text += f"\n    accepted: {self.accepted}"
        return text


def normalise_text(text: str) -> str:
    """Collapse whitespace and straighten typographic quotes."""
    return " ".join(text.translate(_TRANSLATE).split())


# --- citations ----------------------------------------------------------------


def _citations(protocol: Protocol) -> Iterator[tuple[str, Citation, SourceRef]]:
    for category in protocol.categories:
        yield f"category {category.id}", category.citation, category.source
    for floor in protocol.floors:
        yield f"floor {floor.id}", floor.citation, floor.source
    for ungraded in protocol.ungraded:
        yield f"ungraded {ungraded.id}", ungraded.citation, ungraded.source
    for allocation in protocol.allocations.values():
        for number, option in enumerate(allocation.options, start=1):
            yield f"allocation {allocation.id} option {number}", option.citation, option.source
    for rule in protocol.rules:
        yield f"rule {rule.id}", rule.citation, rule.source
        for extra in rule.see_also:
            yield f"rule {rule.id} (see also)", extra, rule.source
    for item in protocol.not_encoded:
        yield "not_encoded", item.citation, SourceRef(protocol.file, None, None)


def check_citations(protocol: Protocol, text: str) -> list[Finding]:
    """Every citation whose quote does not occur in ``text`` (the protocol's plain text)."""
    haystack = normalise_text(text)
    return [
        Finding(
            Severity.ERROR,
            "verify.quote_not_found",
            f"{what}: section {citation.section}: quote not found in "
            f"{protocol.source_text}: {citation.quote[:70]!r}",
            source,
        )
        for what, citation, source in _citations(protocol)
        if normalise_text(citation.quote) not in haystack
    ]


# --- the fact space -------------------------------------------------------------

Key = FactName | CountEpisodes
Value = bool | int | str | frozenset[str] | None
Point = Mapping[Key, Value]


def _values(
    key: Key, leaves: Sequence[Pred | CountEpisodes], categories: Sequence[str]
) -> list[Value]:
    if isinstance(key, CountEpisodes):
        bounds = {a.at_least or a.exactly or 1 for a in leaves if a == key}
        return list[Value](sorted({n for b in bounds for n in (b - 1, b, b + 1) if n >= 1}))
    spec = FACTS[key]
    mentioned = [a for a in leaves if isinstance(a, Pred) and a.fact is key]
    if spec.type is FactType.BOOLEAN:
        return [True, False]
    if spec.type is FactType.NUMBER:
        lo, hi = spec.minimum or 0, spec.maximum or 17
        cuts = {lo, hi}
        for pred in mentioned:
            if isinstance(pred.value, int):
                cuts |= {pred.value - 1, pred.value, pred.value + 1}
        return list[Value](sorted(v for v in cuts if lo <= v <= hi))
    if spec.type is FactType.ORDERED:
        return [None, *range(len(_RISKS))]
    named: set[str] = set()
    for pred in mentioned:
        named |= (
            {str(v) for v in pred.value} if isinstance(pred.value, frozenset) else {str(pred.value)}
        )
    domain = list(categories) if spec.type is FactType.CATEGORY else list(spec.domain or ())
    if spec.type in (FactType.SET, FactType.CATEGORY_SET):
        members = sorted(named)
        return [
            frozenset(combo)
            for size in range(len(members) + 1)
            for combo in itertools.combinations(members, size)
        ]
    others = [v for v in domain if v not in named][:1]
    values: list[Value] = [*sorted(named), *others]
    return values


def _space(conds: Iterable[Cond | None], categories: Sequence[str]) -> Iterator[dict[Key, Value]]:
    leaves = [atom for cond in conds for atom in atoms(cond)]
    keys: list[Key] = []
    for atom in leaves:
        key: Key = atom.fact if isinstance(atom, Pred) else atom
        if key not in keys:
            keys.append(key)
    choices = [_values(key, leaves, categories) for key in keys]
    total = 1
    for options in choices:
        total *= max(1, len(options))
    if total > _MAX_POINTS:
        raise ValueError(f"fact space of {total} points is too large to enumerate")
    for combo in itertools.product(*choices):
        yield _consistent(dict(zip(keys, combo, strict=True)))


def _consistent(point: dict[Key, Value]) -> dict[Key, Value]:
    """An episode is always in its own category: ``categories`` includes ``category``."""
    category, every = point.get(FactName.CATEGORY), point.get(FactName.CATEGORIES)
    if isinstance(category, str) and isinstance(every, frozenset) and category not in every:
        point[FactName.CATEGORIES] = every | {category}
    return point


def _holds(cond: Cond | None, point: Point) -> bool:
    if cond is None:
        return True
    if isinstance(cond, Pred):
        return test_value(cond.op, point.get(cond.fact), cond.value)
    if isinstance(cond, CountEpisodes):
        count = point.get(cond)
        if not isinstance(count, int):
            return False
        return count >= cond.at_least if cond.at_least is not None else count == cond.exactly
    if isinstance(cond, AllOf):
        return all(_holds(item, point) for item in cond.items)
    if isinstance(cond, AnyOf):
        return any(_holds(item, point) for item in cond.items)
    return not _holds(cond.item, point)


def _show(point: Point) -> str:
    parts = []
    for key, value in point.items():
        if isinstance(key, CountEpisodes):
            parts.append(
                f"{describe(key).replace('at least ', '').replace('exactly ', '')} = {value}"
            )
            continue
        if key is FactName.POLICE_RISK:
            shown = "not assessed" if value is None else _RISKS[int(value)].value  # type: ignore[arg-type]
        elif isinstance(value, frozenset):
            shown = "[" + ", ".join(sorted(value)) + "]"
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = str(value)
        parts.append(f"{key.value}={shown}")
    return ", ".join(parts) or "any child"


# --- the checks -------------------------------------------------------------------


def _first(
    conds: Sequence[Cond | None], categories: Sequence[str], want: Callable[[Point], bool]
) -> Point | None:
    """The first point of the conditions' fact space where ``want`` holds."""
    return next((point for point in _space(conds, categories) if want(point)), None)


def _due_hours_from_start(rule: Rule) -> float | None:
    if not isinstance(rule.trigger, ElapsedTrigger) or rule.trigger.anchor is not Moment.STARTED:
        return None
    fired = approximate_hours(rule.trigger.missing_for)
    deadline = rule.deadline
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return fired
    if deadline.kind is DeadlineKind.UNSPECIFIED or deadline.within is None:
        return None
    if deadline.anchor is Moment.STARTED:
        return approximate_hours(deadline.within)
    if deadline.anchor is Moment.TRIGGERED:
        return fired + approximate_hours(deadline.within)
    return None


def _holds_but_not(wanted: Cond | None, others: Sequence[Cond | None]) -> Callable[[Point], bool]:
    """A test of a point: ``wanted`` holds there (``None`` always does) and none of ``others``."""
    return lambda p: _holds(wanted, p) and not any(_holds(other, p) for other in others)


def _together(first: Cond | None, second: Cond | None) -> Cond | None:
    """Both conditions (``None`` always holds)."""
    if first is None or second is None:
        return second if first is None else first
    return AllOf((first, second))


def _applies(rule: Rule) -> Cond | None:
    """When ``rule`` can fire: its condition, and for ``first_of`` one alternative's too."""
    if not isinstance(rule.trigger, FirstOf):
        return rule.when
    conds = [alternative.when for alternative in rule.trigger.alternatives]
    if any(cond is None for cond in conds):
        return rule.when
    either = [cond for cond in conds if cond is not None]
    return _together(rule.when, either[0] if len(either) == 1 else AnyOf(tuple(either)))


def _firings(rule: Rule) -> list[tuple[Trigger, Cond | None]]:
    """Each trigger ``rule`` can fire on, with the condition it fires under there."""
    if not isinstance(rule.trigger, FirstOf):
        return [(rule.trigger, rule.when)]
    return [(a.trigger, _together(rule.when, a.when)) for a in rule.trigger.alternatives]


def _can_hold(cond: Cond | None, categories: Sequence[str]) -> bool:
    return cond is None or _first([cond], categories, _holds_but_not(cond, [])) is not None


def _both_hold(a: Cond | None, b: Cond | None, categories: Sequence[str]) -> Point | None:
    """A point of the fact space where both conditions hold, if there is one."""
    return _first([a, b], categories, lambda p: _holds(a, p) and _holds(b, p))


def _both_apply(a: Rule, b: Rule, categories: Sequence[str]) -> Point | None:
    """A point of the fact space where both rules can fire, if there is one."""
    return _both_hold(_applies(a), _applies(b), categories)


def _dead_alternatives(rule: Rule, categories: Sequence[str]) -> Iterator[Finding]:
    """The alternatives of a ``first_of`` rule that can never fire with the rule's condition."""
    if not isinstance(rule.trigger, FirstOf):
        return
    for number, alternative in enumerate(rule.trigger.alternatives, start=1):
        if _can_hold(_together(rule.when, alternative.when), categories):
            continue
        assert alternative.when is not None  # no condition: it holds wherever the rule's does
        message = (
            f"rule {rule.id}: first_of alternative {number} "
            f"({describe_trigger(alternative.trigger)}) can never fire: "
            f"{describe(alternative.when)}"
        )
        if rule.when is not None:
            message += f", and the rule's condition is {describe(rule.when)}"
        yield Finding(
            Severity.ERROR,
            "verify.unreachable_alternative",
            message,
            alternative.source or rule.source,
            about=frozenset({rule.id}),
        )


_T = TypeVar("_T")


def _pairs(items: Sequence[_T], key: Callable[[_T], Hashable]) -> Iterator[tuple[_T, _T]]:
    """Every pair of items sharing ``key``, in file order: the pairs worth comparing.

    Grouping first keeps the work to the pairs that can matter (rules of one
    action), not every pair of the file; the number of rules is bounded too
    (:attr:`~.limits.Limits.rules`).
    """
    groups: dict[Hashable, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(key(item), []).append(index)
    pairs = sorted(
        pair for indices in groups.values() for pair in itertools.combinations(indices, 2)
    )
    for first, second in pairs:
        yield items[first], items[second]


def _rule_findings(protocol: Protocol, cats: Sequence[str]) -> Iterator[Finding]:
    """Rules that can never apply, dead alternatives, and rules nobody is named for."""
    for rule in protocol.rules:
        applies = _applies(rule)
        if not _can_hold(rule.when, cats):
            assert rule.when is not None
            yield Finding(
                Severity.ERROR,
                "verify.unreachable_rule",
                f"rule {rule.id} can never apply: {describe(rule.when)}",
                rule.source,
                about=frozenset({rule.id}),
            )
            continue
        yield from _dead_alternatives(rule, cats)
        if not _can_hold(applies, cats):
            assert applies is not None
            yield Finding(
                Severity.ERROR,
                "verify.unreachable_rule",
                f"rule {rule.id} can never apply: no first_of alternative can fire "
                f"({describe(applies)})",
                rule.source,
                about=frozenset({rule.id}),
            )
        if rule.allocation is not None:
            allocation = protocol.allocations[rule.allocation]
            options = [o.when for o in allocation.options]
            gap = _first([applies, *options], cats, _holds_but_not(applies, options))
            if gap is not None:
                yield Finding(
                    Severity.ERROR,
                    "verify.allocation_gap",
                    f"rule {rule.id} applies but no option of allocation {allocation.id} does",
                    rule.source,
                    _show(gap),
                    frozenset({rule.id, allocation.id}),
                )


def _overlaps(protocol: Protocol, cats: Sequence[str]) -> Iterator[Finding]:
    """Pairs of rules (or a rule and a first_of alternative) asking one duty twice."""
    firings = [(rule, *firing) for rule in protocol.rules for firing in _firings(rule)]
    overlapping: set[tuple[str, str]] = set()
    for (a, _, when_a), (b, _, when_b) in _pairs(
        firings, lambda firing: (firing[0].action, firing[1])
    ):
        if a is b or (a.id, b.id) in overlapping:
            continue  # a first_of rule's own alternatives; a pair already reported
        if not set(a.recipients) & set(b.recipients):
            continue
        if (a.responsible, a.allocation) != (b.responsible, b.allocation):
            continue  # different people: two duties, not two answers to one
        if a.deadline == b.deadline:
            continue
        both = _both_hold(when_a, when_b, cats)
        if both is not None:
            overlapping.add((a.id, b.id))
            yield Finding(
                Severity.WARNING,
                "verify.overlap",
                f"rules {a.id} and {b.id} both require {a.action} of the same person on the "
                "same trigger, with different deadlines",
                b.source,
                _show(both),
                frozenset({a.id, b.id}),
            )


def verify_protocol(protocol: Protocol) -> list[Finding]:
    """Every static finding for ``protocol``, errors first, in rule-file order."""
    cats = [c.id for c in protocol.categories]
    findings: list[Finding] = []

    findings.extend(_rule_findings(protocol, cats))

    for allocation in protocol.allocations.values():
        conds = [o.when for o in allocation.options]
        for number, option in enumerate(allocation.options):
            chosen = _first(conds, cats, _holds_but_not(option.when, conds[:number]))
            if chosen is None:
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "verify.shadowed_option",
                        f"allocation {allocation.id} option {number + 1} ({option.role}) is never "
                        "chosen: earlier options always apply first",
                        option.source,
                        about=frozenset({allocation.id}),
                    )
                )

    findings.extend(_overlaps(protocol, cats))

    timed = [(r, due) for r in protocol.rules if (due := _due_hours_from_start(r)) is not None]
    for (a, due_a), (b, due_b) in _pairs(timed, lambda pair: pair[0].action):
        if due_a is None or due_b is None:
            continue
        assert isinstance(a.trigger, ElapsedTrigger)
        assert isinstance(b.trigger, ElapsedTrigger)
        hours_a = approximate_hours(a.trigger.missing_for)
        hours_b = approximate_hours(b.trigger.missing_for)
        if hours_a == hours_b:
            continue
        early, late = (a, b) if hours_a < hours_b else (b, a)
        due_early, due_late = (due_a, due_b) if early is a else (due_b, due_a)
        if due_late < due_early:
            both = _both_apply(a, b, cats)
            if both is not None:
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "verify.threshold_order",
                        f"rule {late.id} fires later than {early.id} but is due sooner",
                        late.source,
                        _show(both),
                        frozenset({a.id, b.id}),
                    )
                )

    derivable = [c.when for c in protocol.categories if c.when is not None]
    if derivable:
        gap = _first(derivable, cats, _holds_but_not(None, derivable))
        if gap is not None:
            findings.append(
                Finding(
                    Severity.WARNING,
                    "verify.category_gap",
                    "no category can be derived for some episodes; timelines must give it",
                    protocol.categories[0].source,
                    _show(gap),
                )
            )

    accepted = {(w.code, w.about): w.reason for w in protocol.accepted_warnings}
    findings = [
        replace(f, accepted=accepted.get((f.code, f.about)))
        if f.severity is Severity.WARNING
        else f
        for f in findings
    ]
    return sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, f.source.line or 0))

"""The meaning of compiled conditions: evaluating them on facts, and saying them in words.

A condition is evaluated against the facts of one episode (:class:`Facts`)
and, for episode counts, the start times and categories of the child's other
episodes. A fact whose value is unknown (the police risk before it has been
assessed) satisfies no test, not even ``not_in``.

Evaluation also returns the facts that made the condition hold, so that every
required action can say why it is required.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .calendar import UTC, shift_back, to_london
from .compiled import AllOf, AnyOf, Cond, CountEpisodes, Pred
from .facts import FactName, PoliceRisk
from .results import FactUsed

__all__ = [
    "EpisodeStub",
    "FactValue",
    "Facts",
    "atoms",
    "count_episodes",
    "describe",
    "holds",
    "show_value",
    "test_value",
]

FactValue = bool | int | str | frozenset[str] | None

_RISKS = tuple(PoliceRisk)


@dataclass(frozen=True, slots=True)
class EpisodeStub:
    """What episode counts need of another episode."""

    started_at: dt.datetime
    category: str
    missing_from: str | None = None  # where the child went missing from (None: not known)
    also: frozenset[str] = frozenset()  # categories it is also in (issue 10)


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of one episode, and the child's episodes up to and including it."""

    values: dict[FactName, FactValue]
    started_at: dt.datetime
    history: Sequence[EpisodeStub] = field(default=())


def show_value(fact: FactName, value: object) -> str:
    """A fact's value as explanations print it (police risk by name, sets sorted)."""
    if fact is FactName.POLICE_RISK and isinstance(value, int):
        return _RISKS[value].value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        items = sorted(show_value(fact, v) for v in value)
        return "[" + ", ".join(items) + "]"
    return str(value)


_OP_WORDS = {
    "is": "is",
    "in": "is one of",
    "not_in": "is not one of",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "has": "includes",
    "has_any": "includes any of",
    "has_none": "includes none of",
}


def atoms(cond: Cond | None) -> Iterator[Pred | CountEpisodes]:
    """The leaves of a condition (fact tests and episode counts), under any ``not``."""
    if cond is None:
        return
    if isinstance(cond, Pred | CountEpisodes):
        yield cond
    elif isinstance(cond, AllOf | AnyOf):
        for item in cond.items:
            yield from atoms(item)
    else:
        yield from atoms(cond.item)


def describe(cond: Cond) -> str:
    """The condition in words, e.g. ``age < 12 and case_status is one of [looked_after]``."""
    if isinstance(cond, Pred):
        return f"{cond.fact.value} {_OP_WORDS[cond.op]} {show_value(cond.fact, cond.value)}"
    if isinstance(cond, CountEpisodes):
        return _describe_count(cond)
    if isinstance(cond, AllOf):
        return " and ".join(_grouped(item) for item in cond.items)
    if isinstance(cond, AnyOf):
        return " or ".join(_grouped(item) for item in cond.items)
    return f"not ({describe(cond.item)})"


def _grouped(cond: Cond) -> str:
    text = describe(cond)
    return f"({text})" if isinstance(cond, AllOf | AnyOf) and len(cond.items) > 1 else text


def _describe_count(cond: CountEpisodes) -> str:
    what = "episodes"
    if cond.categories is not None:
        what = " or ".join(sorted(cond.categories)) + " episodes"
    window = f" within {cond.within}" if cond.within else " in all"
    if cond.calendar_month:
        window = " in the same London calendar month"
    if cond.missing_from is not None:
        what += " missing from " + " or ".join(sorted(cond.missing_from))
    bound = f"at least {cond.at_least}" if cond.at_least is not None else f"exactly {cond.exactly}"
    return f"{bound} {what}{window} (this one included)"


def test_value(op: str, actual: FactValue, expected: object) -> bool:
    """Whether ``actual op expected`` holds; an unknown value (``None``) never does."""
    if actual is None:
        return False
    if op == "is":
        return actual == expected
    if op in ("in", "not_in"):
        assert isinstance(expected, frozenset)
        inside = actual in expected
        return inside if op == "in" else not inside
    if op in ("has", "has_any", "has_none"):
        assert isinstance(actual, frozenset)
        if op == "has":
            return expected in actual
        assert isinstance(expected, frozenset)
        overlap = bool(actual & expected)
        return overlap if op == "has_any" else not overlap
    assert isinstance(actual, int)
    assert isinstance(expected, int)
    if op == "lt":
        return actual < expected
    if op == "le":
        return actual <= expected
    if op == "gt":
        return actual > expected
    return actual >= expected


def count_episodes(cond: CountEpisodes, facts: Facts) -> int:
    """How many of the child's episodes fall in ``cond``'s window ending at this one's start."""
    # Compared as instants: London readings compare by wall clock, ignoring fold.
    start = facts.started_at.astimezone(UTC)
    since = (
        shift_back(facts.started_at, cond.within).astimezone(UTC)
        if cond.within is not None
        else None
    )
    month = to_london(facts.started_at).date().replace(day=1)
    return sum(
        1
        for other in facts.history
        if other.started_at.astimezone(UTC) <= start
        and (since is None or other.started_at.astimezone(UTC) >= since)
        and (
            cond.categories is None
            or other.category in cond.categories
            or not other.also.isdisjoint(cond.categories)
        )
        and (not cond.calendar_month or to_london(other.started_at).date().replace(day=1) == month)
        and (cond.missing_from is None or other.missing_from in cond.missing_from)
    )


def holds(cond: Cond, facts: Facts) -> tuple[bool, tuple[FactUsed, ...]]:
    """Whether ``cond`` holds, and the facts that made it hold (empty when it does not)."""
    if isinstance(cond, Pred):
        actual = facts.values.get(cond.fact)
        if test_value(cond.op, actual, cond.value):
            return True, (FactUsed(cond.fact.value, show_value(cond.fact, actual), describe(cond)),)
        return False, ()
    if isinstance(cond, CountEpisodes):
        number = count_episodes(cond, facts)
        ok = number >= cond.at_least if cond.at_least is not None else number == cond.exactly
        return (ok, (FactUsed("episode_count", str(number), describe(cond)),) if ok else ())
    if isinstance(cond, AllOf):
        used: list[FactUsed] = []
        for item in cond.items:
            ok, why = holds(item, facts)
            if not ok:
                return False, ()
            used.extend(why)
        return True, tuple(used)
    if isinstance(cond, AnyOf):
        for item in cond.items:
            ok, why = holds(item, facts)
            if ok:
                return True, why
        return False, ()
    ok, _ = holds(cond.item, facts)
    if ok:
        return False, ()
    return True, (FactUsed("condition", "false", describe(cond)),)

"""A rule's plan (its fixed parts computed once), the plan of a protocol, and what the plan
remembers per fact tuple: which rules apply, which wait on a judgement."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from threading import Lock
from typing import Generic, TypeVar

from missing_protocol.compiled import Alternative, Protocol, Rule
from missing_protocol.results import CitationOut

from .conditions import CondPlan, Test
from .keys import Counted, FactsKey


@dataclass(frozen=True, slots=True)
class RulePlan:
    """One rule, ready to evaluate: its condition compiled, its fixed output parts made."""

    rule: Rule
    order: int
    when: CondPlan
    citation: CitationOut
    # The rule's enums as plain values, read for every action.
    action: str
    obligation: str
    topic: str
    trigger: int  # EVENT, ELAPSED or RECURRING
    anchor: int  # the moment the trigger counts from (MOMENTS position)
    deadline_anchor: int  # MOMENTS position, or TRIGGERED
    from_start: bool  # work since the episode started counts
    # Allocation options (condition, role, reason text); empty when the rule names its role.
    options: tuple[tuple[CondPlan, str, str], ...]
    unallocated_reason: str
    # schema 2: the action kinds whose events meet it (the first is ``action``; more only
    # with alternative kinds), other roles whose work meets it, a first_of trigger's
    # alternatives with their conditions compiled
    kinds: tuple[str, ...] = ()
    other_roles: frozenset[str] = frozenset()
    alternatives: tuple[tuple[Alternative, CondPlan], ...] = ()
    # The judgement codes the condition names, sorted, and every non-empty subset of
    # them, smallest first then in order: empty unless the condition tests judgements.
    judgements: tuple[str, ...] = ()
    judgement_subsets: tuple[tuple[str, ...], ...] = ()
    # Shapes evaluation takes a short cut for: an event trigger that fires at one of the
    # episode's moments, no recorded event needed; a deadline that sets no time.
    plain_event: bool = False
    no_deadline: bool = False
    # For a judgement rule whose condition is all of several parts: those parts that do not
    # test judgements. Where they fail, no judgement recorded could make the rule apply.
    judgement_gate: Test | None = None
    # For a rule that counts episodes, whose condition is all of several parts: those that
    # do not count, remembered per fact tuple like the rules that never count.
    count_gate: Test | None = None


V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Remembered(Generic[V]):
    """What the plan remembers for a fact tuple's key: the answer where no rule that counts
    episodes may play a part, else the rules that count and may, the counts they read, and
    the answer for each set of numbers counted (capped, see .keys), filled as they are met."""

    fixed: V
    counting: tuple[RulePlan, ...] = ()
    counts: Counted = ()
    by_counts: dict[tuple[int, ...], V] = field(default_factory=dict)


# Judgement rules that wait on a judgement, with the smallest sets of judgements awaited.
Awaited = tuple[tuple[RulePlan, tuple[tuple[str, ...], ...]], ...]


class FactTupleMemo(Generic[V]):
    """What the plan remembers per fact tuple, by the tuple's key (:attr:`Plan.key`):
    bounded (cleared when full), thread-safe."""

    __slots__ = ("_found", "_lock", "_size")

    def __init__(self, size: int = 4096) -> None:
        self._found: dict[Hashable, V] = {}
        self._lock = Lock()
        self._size = size

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        found = self._found.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self._found) >= self._size:
                    self._found.clear()
                self._found[key] = found
        return found


# Which judgement rules wait on what, per fact tuple.
AwaitedMemo = FactTupleMemo[Remembered[Awaited]]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything evaluation needs of one protocol, derived once."""

    protocol: Protocol
    categories: tuple[tuple[str, CondPlan, str], ...]  # id, condition, reason text
    category_ids: frozenset[str]
    floors: tuple[tuple[CondPlan, frozenset[int], int, str, str], ...]
    rules: tuple[RulePlan, ...]
    # Rules whose condition reads only the fact tuple, and those that also count episodes.
    static_rules: tuple[RulePlan, ...]
    counting_rules: tuple[RulePlan, ...]
    applicable: _Memo
    # The key the plan remembers a fact tuple by: equal where every rule's condition gives
    # the same answer (see .keys).
    key: FactsKey
    # Issue 10: the level an ungraded episode is held at (condition, rank, id, reason text).
    ungraded: tuple[tuple[CondPlan, int, str, str], ...] = ()
    # Issue 10: per category, the categories an episode of it is also in (id, condition, reason).
    also: Mapping[str, tuple[tuple[str, CondPlan, str], ...]] = field(default_factory=dict)
    # Rules whose condition tests judgements: they may be pending on one not recorded.
    judgement_rules: tuple[RulePlan, ...] = ()
    # Which of them wait on what, per fact tuple (and numbers counted).
    awaited: AwaitedMemo = field(default_factory=AwaitedMemo)


# For a fact tuple: the rules that never count episodes and apply (``fixed``), and the rules
# that count episodes and may apply (those whose parts that do not count hold); by the numbers
# counted, every rule that applies.
Applicable = Remembered[tuple[RulePlan, ...]]


# Which rules apply (or may) to a fact tuple.
_Memo = FactTupleMemo[Applicable]

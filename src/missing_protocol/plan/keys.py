"""The key a fact tuple is remembered by: equal for fact tuples on which every rule's
condition gives the same answer, so that episodes whose facts differ only where no rule
looks (an age no rule compares across, how many days looked after past the last bound a
rule names, a flag no rule tests) share what the plan remembers.

Each fact the conditions test is read in one of two ways:

* whole, as its value (text, yes or no, the judgements recorded);
* by what the protocol asks of it: for a number, or a set of codes tested by
  ``has``, ``has_any`` or ``has_none``, the answers of every test of it the conditions
  make (``age < 13``, ``age >= 12``, ...), remembered per value. Two values with the
  same answers to every test of that fact are alike to every condition.

Facts no condition tests are left out. The judgements recorded are always read whole:
what a rule awaits is found by adding judgements to those recorded, which the answers
alone do not determine.

A rule that counts episodes answers by the fact tuple and by the numbers counted; each
number matters only up to one more than the largest bound a rule compares it with
(:func:`counts_read`): past that, "at least" holds and "exactly" fails, whatever it is.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from operator import itemgetter

from missing_protocol.compiled import Cond, CountEpisodes, Pred
from missing_protocol.conditions import atoms
from missing_protocol.facts import FactName

from .conditions import Test, compile_test, count_key
from .history import FACT_INDEX, FactTuple, History

__all__ = ["Counted", "FactsKey", "counts_read", "facts_key"]

# The key of a fact tuple: hashable, equal where every condition answers alike.
FactsKey = Callable[[FactTuple], Hashable]

_SET_OPS = frozenset({"has", "has_any", "has_none"})
_NUMBER_OPS = frozenset({"lt", "le", "gt", "ge"})

# The most values of one fact whose answers are remembered (cleared when full).
_VALUES_KEPT = 4096


def _by_answers(index: int, tests: tuple[Test, ...]) -> Callable[[object], Hashable]:
    """A value of the fact at ``index`` as the answers of ``tests`` to it, remembered."""
    width = len(FACT_INDEX)
    empty = History()
    made: dict[object, tuple[bool, ...]] = {}

    def answers(value: object) -> tuple[bool, ...]:
        found = made.get(value)
        if found is None:
            probe = tuple(value if i == index else None for i in range(width))
            found = tuple(bool(test(probe, empty, -1)) for test in tests)
            if len(made) >= _VALUES_KEPT:
                made.clear()
            made[value] = found
        return found

    return answers


def _read_by_answers(fact: FactName, preds: list[Pred]) -> bool:
    """Whether a fact is read by the answers to its tests rather than whole: numbers and
    sets of codes, whose values are many where the answers are few."""
    if fact is FactName.JUDGEMENTS:
        return False
    return all(pred.op in _SET_OPS for pred in preds) or any(
        pred.op in _NUMBER_OPS for pred in preds
    )


def facts_key(conditions: Iterable[Cond | None]) -> FactsKey:
    """The key of a fact tuple for ``conditions``: equal keys, equal answers from each."""
    preds: dict[FactName, list[Pred]] = {}
    for cond in conditions:
        for atom in atoms(cond):
            if isinstance(atom, Pred):
                found = preds.setdefault(atom.fact, [])
                if atom not in found:
                    found.append(atom)
    whole: list[int] = []
    read: list[tuple[int, Callable[[object], Hashable]]] = []
    for fact, tested in sorted(preds.items(), key=lambda item: FACT_INDEX[item[0]]):
        index = FACT_INDEX[fact]
        if _read_by_answers(fact, tested):
            read.append((index, _by_answers(index, tuple(compile_test(p) for p in tested))))
        else:
            whole.append(index)
    pick: Callable[[FactTuple], object] = (
        itemgetter(*whole) if whole else (lambda _values: ())  # one index gives the value alone
    )
    if not read:
        return pick
    reads = tuple(read)

    def key(values: FactTuple) -> Hashable:
        return (pick(values), *[answers(values[index]) for index, answers in reads])

    return key


# The counts some conditions read: the count's key (for History.counted), the count, and the
# least number that every bound they compare it with answers alike for it and any larger.
Counted = tuple[tuple[int, CountEpisodes, int], ...]


def counts_read(conditions: Iterable[Cond | None]) -> Counted:
    """The distinct counts ``conditions`` read, in the order first met, each with its cap."""
    found: dict[int, tuple[CountEpisodes, int]] = {}
    for cond in conditions:
        for atom in atoms(cond):
            if isinstance(atom, CountEpisodes):
                key = count_key(atom)
                count, cap = found.get(key, (atom, 0))
                bounds = ((atom.at_least or 0) + 1, (atom.exactly or 0) + 1)
                found[key] = (count, max(cap, *bounds))
    return tuple((key, count, cap) for key, (count, cap) in found.items())

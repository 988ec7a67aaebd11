"""Conditions as closures over a fact tuple: ``test`` (does it hold) and ``why`` (the facts
that made it hold), with exactly the meaning of :mod:`missing_protocol.conditions`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from missing_protocol.compiled import AllOf, Cond, CountEpisodes, NotOf, Pred
from missing_protocol.conditions import atoms, describe, show_value
from missing_protocol.results import FactUsed

from .history import FACT_INDEX, FactTuple, History

# A test takes the fact tuple, the history and the episode's position in it.
Test = Callable[[FactTuple, History, int], bool]


Why = Callable[[FactTuple, History, int], tuple[FactUsed, ...]]


def _fact_used(pred: Pred) -> Callable[[object], FactUsed]:
    """FactUsed for each actual value of a predicate's fact, made once per value."""
    name = pred.fact.value
    text = describe(pred)
    made: dict[object, FactUsed] = {}

    def used(actual: object) -> FactUsed:
        key = (type(actual), actual)
        found = made.get(key)
        if found is None:
            found = made[key] = FactUsed(name, show_value(pred.fact, actual), text)
        return found

    return used


def _pred_test(pred: Pred) -> Test:
    i = FACT_INDEX[pred.fact]
    op, expected = pred.op, pred.value
    if op == "is":
        return lambda v, _h, _p: v[i] is not None and v[i] == expected
    if op == "in":
        assert isinstance(expected, frozenset)
        return lambda v, _h, _p: v[i] is not None and v[i] in expected
    if op == "not_in":
        assert isinstance(expected, frozenset)
        return lambda v, _h, _p: v[i] is not None and v[i] not in expected
    if op == "has":
        return lambda v, _h, _p: v[i] is not None and expected in v[i]  # type: ignore[operator]
    if op in ("has_any", "has_none"):
        assert isinstance(expected, frozenset)
        if op == "has_any":
            return lambda v, _h, _p: v[i] is not None and not expected.isdisjoint(v[i])  # type: ignore[arg-type]
        return lambda v, _h, _p: v[i] is not None and expected.isdisjoint(v[i])  # type: ignore[arg-type]
    assert isinstance(expected, int)
    if op == "lt":
        return lambda v, _h, _p: v[i] is not None and v[i] < expected  # type: ignore[operator]
    if op == "le":
        return lambda v, _h, _p: v[i] is not None and v[i] <= expected  # type: ignore[operator]
    if op == "gt":
        return lambda v, _h, _p: v[i] is not None and v[i] > expected  # type: ignore[operator]
    if op == "ge":
        return lambda v, _h, _p: v[i] is not None and v[i] >= expected  # type: ignore[operator]
    raise ValueError(f"unknown operator {op!r}")


def _count_holds(cond: CountEpisodes, number: int) -> bool:
    return number >= cond.at_least if cond.at_least is not None else number == cond.exactly


# A key per distinct count, for History.counted: counts of the same episodes share one,
# whatever number they then compare with ("exactly 3" and "at least 3" count alike).
_COUNT_KEYS: dict[CountEpisodes, int] = {}


def count_key(cond: CountEpisodes) -> int:
    """The key of the count ``cond`` makes, for :meth:`History.counted`."""
    return _COUNT_KEYS.setdefault(replace(cond, at_least=None, exactly=None), len(_COUNT_KEYS))


def compile_test(cond: Cond) -> Test:
    """``cond`` as a closure: does it hold for this fact tuple and history position?"""
    if isinstance(cond, Pred):
        return _pred_test(cond)
    if isinstance(cond, CountEpisodes):
        key = count_key(cond)
        return lambda _v, h, p: _count_holds(cond, h.counted(key, cond, p))
    if isinstance(cond, NotOf):
        inner = compile_test(cond.item)
        return lambda v, h, p: not inner(v, h, p)
    parts = tuple(compile_test(item) for item in cond.items)
    return _joined(parts, every=isinstance(cond, AllOf))


def _joined(parts: tuple[Test, ...], *, every: bool) -> Test:
    """All (``every``) or any of ``parts``: two or three spelt out, more in a loop (each
    faster than all() or any() over a generator, and this runs per rule per episode)."""
    if len(parts) == 2:
        a, b = parts
        if every:
            return lambda v, h, p: a(v, h, p) and b(v, h, p)
        return lambda v, h, p: a(v, h, p) or b(v, h, p)
    if len(parts) == 3:
        a, b, c = parts
        if every:
            return lambda v, h, p: a(v, h, p) and b(v, h, p) and c(v, h, p)
        return lambda v, h, p: a(v, h, p) or b(v, h, p) or c(v, h, p)

    def joined(v: FactTuple, h: History, p: int) -> bool:
        for part in parts:
            if bool(part(v, h, p)) is not every:
                return not every  # one part decides: false for all of, true for any of
        return every

    return joined


def compile_why(cond: Cond) -> Why:
    """The facts that made ``cond`` hold (call only where it holds), as ``holds`` gives them."""
    if isinstance(cond, Pred):
        i = FACT_INDEX[cond.fact]
        used = _fact_used(cond)
        return lambda v, _h, _p: (used(v[i]),)
    if isinstance(cond, CountEpisodes):
        text = describe(cond)
        return lambda _v, h, p: (FactUsed("episode_count", str(h.count(cond, p)), text),)
    if isinstance(cond, NotOf):
        fixed = (FactUsed("condition", "false", describe(cond)),)
        return lambda _v, _h, _p: fixed
    whys = tuple(compile_why(item) for item in cond.items)
    if isinstance(cond, AllOf):
        return lambda v, h, p: tuple(used for why in whys for used in why(v, h, p))
    tests = tuple(compile_test(item) for item in cond.items)

    def first_holding(v: FactTuple, h: History, p: int) -> tuple[FactUsed, ...]:
        for test, why in zip(tests, whys, strict=True):
            if test(v, h, p):
                return why(v, h, p)
        raise AssertionError("why() called on a condition that does not hold")

    return first_holding


def _always(_v: FactTuple, _h: History, _p: int) -> bool:
    return True


def _nothing(_v: FactTuple, _h: History, _p: int) -> tuple[FactUsed, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class CondPlan:
    """A condition (or none: always holds), compiled; ``counts`` if it reads the history."""

    test: Test
    why: Why
    counts: bool


def plan_condition(cond: Cond | None) -> CondPlan:
    """A :class:`CondPlan` for an optional condition."""
    if cond is None:
        return CondPlan(_always, _nothing, False)
    counts = any(isinstance(atom, CountEpisodes) for atom in atoms(cond))
    return CondPlan(compile_test(cond), compile_why(cond), counts)

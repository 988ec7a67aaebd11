"""What a condition asks of the judgements recorded: the codes it names, every set of them
to try, and whether its other parts can hold at all."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from missing_protocol.compiled import AllOf, Cond, CountEpisodes, Pred
from missing_protocol.conditions import atoms
from missing_protocol.facts import FactName

from .conditions import Test, compile_test


def judgement_codes(cond: Cond | None) -> tuple[str, ...]:
    """The judgement codes a condition names (under any operator), sorted."""
    named: set[str] = set()
    for atom in atoms(cond):
        if isinstance(atom, Pred) and atom.fact is FactName.JUDGEMENTS:
            value = atom.value
            named |= {str(v) for v in value} if isinstance(value, frozenset) else {str(value)}
    return tuple(sorted(named))


def _gate(cond: Cond | None, leave_out: Callable[[Cond], bool]) -> Test | None:
    """The parts of an all-of condition with no atom to ``leave_out``, compiled, if any.

    Where they fail, the condition fails whatever the atoms left out say.
    """
    if not isinstance(cond, AllOf):
        return None
    parts = tuple(item for item in cond.items if not any(map(leave_out, atoms(item))))
    if not parts:
        return None
    return compile_test(parts[0] if len(parts) == 1 else AllOf(parts))


def _tests_judgements(atom: Cond) -> bool:
    return isinstance(atom, Pred) and atom.fact is FactName.JUDGEMENTS


def _counts(atom: Cond) -> bool:
    return isinstance(atom, CountEpisodes)


def code_subsets(codes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every non-empty subset of ``codes`` (sorted), smallest first, then in order."""
    return tuple(
        combo for size in range(1, len(codes) + 1) for combo in itertools.combinations(codes, size)
    )

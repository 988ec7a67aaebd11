"""Rule file (validated schema) -> compiled :class:`~.compiled.Protocol`, in named passes.

Each pass looks at the whole file and returns every problem it finds, located
by the source map; problems from all passes are reported together, sorted by
position, and nothing is built if there are any. The passes, in order:

``unique_ids``
    rule, category, floor and allocation ids are unique; extra roles and action
    kinds do not redefine canonical ones.
``resolve_names``
    every action kind, role, recipient, allocation and category a rule names
    exists.
``check_conditions``
    every comparison suits its fact: the operator is allowed for the fact's
    type and each value is in the fact's domain.
``check_risk``
    floors, categories and ungraded levels use only the protocol's police risk levels, and a
    floor never raises to a level it forbids.
``check_timing``
    recurring triggers start before they stop, and deadlines from the return
    are only set on rules that can know it.
``check_fact_versions``
    a condition tests only facts of the file's declared schema version (the
    facts a timeline of version 3 records are tested from rule-file version 2).
``check_moments_and_hours``
    out-of-hours routing has office hours to route by, names known roles, is
    not set on a recurring trigger, and changes recipients only of a rule that
    has them; a deadline's second bound is a different duration.
``check_judgement_rules``
    a rule's condition names at most a few judgements, and not on a recurring
    trigger. (``check_conditions`` checks each judgement named is shared or
    declared under ``extra_judgements``.)

The passes live in this package by what they check: :mod:`.names`
(``unique_ids``, ``resolve_names``), :mod:`.conditions` (``check_conditions``,
``check_risk``, ``check_fact_versions``, ``check_judgement_rules``) and
:mod:`.timing` (``check_timing``, ``check_moments_and_hours``); :mod:`.build`
makes the compiled form once they all pass; :mod:`.context` holds what every
pass reads (the file, its source map) and the walks they share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from missing_protocol import compiled as c
from missing_protocol import schema as s
from missing_protocol.errors import Problem, RuleFileError
from missing_protocol.loading import SourceMap

from .build import _build
from .conditions import check_conditions, check_fact_versions, check_judgement_rules, check_risk
from .context import _Context
from .names import resolve_names, unique_ids
from .timing import check_moments_and_hours, check_timing

__all__ = ["PASSES", "compile_rule_file"]


PASSES: tuple[tuple[str, Callable[[_Context], Iterable[Problem]]], ...] = (
    ("unique_ids", unique_ids),
    ("resolve_names", resolve_names),
    ("check_conditions", check_conditions),
    ("check_risk", check_risk),
    ("check_timing", check_timing),
    ("check_fact_versions", check_fact_versions),
    ("check_moments_and_hours", check_moments_and_hours),
    ("check_judgement_rules", check_judgement_rules),
)


def compile_rule_file(rule_file: s.RuleFile, smap: SourceMap) -> c.Protocol:
    """Run every pass; raise :class:`RuleFileError` with all problems, or build the protocol."""
    ctx = _Context(rule_file, smap)
    problems = [problem for _, run in PASSES for problem in run(ctx)]
    if problems:
        raise RuleFileError(problems)
    return _build(ctx)

"""Comparisons as versioned JSON: plain data, in the rule language's codes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from missing_protocol.compare.diff import ProtocolDiff
from missing_protocol.compare.ladder import Ladder
from missing_protocol.compare.matrix import Matrix
from missing_protocol.compare.placement import PlacementEvaluation
from missing_protocol.compare.scenario import ScenarioComparison
from missing_protocol.compare.witnesses import PairWitnesses

__all__ = ["COMPARISON_SCHEMA_VERSION", "comparison_json", "comparison_jsonable"]

COMPARISON_SCHEMA_VERSION = 1

Comparison = Matrix | ScenarioComparison | PlacementEvaluation | ProtocolDiff | Ladder
_KINDS: dict[type[Any], str] = {
    Ladder: "ladder",
    Matrix: "matrix",
    ScenarioComparison: "scenario",
    PlacementEvaluation: "placement",
    ProtocolDiff: "diff",
}


def comparison_jsonable(
    value: Comparison | Sequence[PairWitnesses],
    witnesses: Sequence[PairWitnesses] = (),
) -> dict[str, Any]:
    """JSON-ready data: ``{"schema_version", "comparison": kind, ...the fields}``."""
    if isinstance(value, Comparison):
        kind = _KINDS[type(value)]
        adapter: TypeAdapter[Any] = TypeAdapter(type(value))
        data: dict[str, Any] = adapter.dump_python(value, mode="json")
    else:
        kind = "witnesses"
        data = {}
        witnesses = tuple(value)
    out = {"schema_version": COMPARISON_SCHEMA_VERSION, "comparison": kind, **data}
    if witnesses:
        out["witnesses"] = TypeAdapter(tuple[PairWitnesses, ...]).dump_python(
            tuple(witnesses), mode="json"
        )
    return out


def comparison_json(
    value: Comparison | Sequence[PairWitnesses],
    witnesses: Sequence[PairWitnesses] = (),
    *,
    indent: int | None = 2,
) -> str:
    """:func:`comparison_jsonable` as JSON text."""
    return json.dumps(comparison_jsonable(value, witnesses), indent=indent, ensure_ascii=False)

"""Protocols side by side, as plain data: what each requires, and where they differ.

One module per comparison, each returning frozen dataclasses and nothing
formatted (:mod:`missing_protocol.compare.render` turns them into Markdown,
HTML, CSV, JSON or text):

* :mod:`.matrix`: :func:`compare`, the **rules matrix**, by topic and item,
  in codes and in words;
* :mod:`.summaries`: :func:`summarise`, **sentences per topic** on the
  differences that matter, computed from the matrix;
* :mod:`.ladder`: :func:`ladder`, **the escalation ladder**, when each duty
  becomes required for one child under each protocol, and
  :data:`STANDARD_CHILDREN`;
* :mod:`.scenario`: :func:`compare_scenario`, **one timeline under each
  protocol**, actions aligned;
* :mod:`.witnesses`: :func:`find_disagreements`, the smallest **generated
  timeline** on which two protocols differ;
* :mod:`.placement`: :func:`evaluate_placement`, an **out-of-area placement**;
* :mod:`.diff`: :func:`diff_protocols`, what changed between **two versions**.

Everything is derived from the compiled protocols and the public
:func:`missing_protocol.evaluate`; nothing here knows any particular area.
"""

from __future__ import annotations

from .common import CitationRef, ProtocolInfo, area_name, describe_due, protocol_keys
from .diff import FieldChange, ItemChange, ProtocolDiff, diff_protocols
from .ladder import (
    STANDARD_CHILDREN,
    Ladder,
    LadderLane,
    LadderMarker,
    StandardChild,
    ladder,
    standard_ladders,
)
from .matrix import (
    Entry,
    Matrix,
    MatrixCell,
    MatrixRow,
    MatrixSection,
    Words,
    compare,
    describe_recipients,
    describe_who,
)
from .placement import (
    HandOff,
    PlacementEvaluation,
    PlacementSide,
    TaggedAction,
    evaluate_placement,
)
from .scenario import (
    Difference,
    DifferenceKind,
    ProtocolOutcome,
    ScenarioAction,
    ScenarioCell,
    ScenarioComparison,
    ScenarioRow,
    compare_scenario,
    strip_categories,
)
from .summaries import TopicSummary, summarise
from .witnesses import (
    GridPoint,
    PairWitnesses,
    Witness,
    default_grid,
    find_all_disagreements,
    find_disagreements,
)

__all__ = [
    "STANDARD_CHILDREN",
    "CitationRef",
    "Difference",
    "DifferenceKind",
    "Entry",
    "FieldChange",
    "GridPoint",
    "HandOff",
    "ItemChange",
    "Ladder",
    "LadderLane",
    "LadderMarker",
    "Matrix",
    "MatrixCell",
    "MatrixRow",
    "MatrixSection",
    "PairWitnesses",
    "PlacementEvaluation",
    "PlacementSide",
    "ProtocolDiff",
    "ProtocolInfo",
    "ProtocolOutcome",
    "ScenarioAction",
    "ScenarioCell",
    "ScenarioComparison",
    "ScenarioRow",
    "StandardChild",
    "TaggedAction",
    "TopicSummary",
    "Witness",
    "Words",
    "area_name",
    "compare",
    "compare_scenario",
    "default_grid",
    "describe_due",
    "describe_recipients",
    "describe_who",
    "diff_protocols",
    "evaluate_placement",
    "find_all_disagreements",
    "find_disagreements",
    "ladder",
    "protocol_keys",
    "standard_ladders",
    "strip_categories",
    "summarise",
]

"""One timeline under each protocol, actions aligned and their differences marked.

:func:`compare_scenario` evaluates a timeline under each protocol (each
deriving its own categories: the timeline's are dropped first) and aligns the
required actions by episode, action kind and recipient, marking where they
differ: required or not, deadline, who, and how strongly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from missing_protocol.compiled import Protocol
from missing_protocol.errors import TimelineError
from missing_protocol.evaluate import evaluate
from missing_protocol.results import Evaluation, RequiredAction
from missing_protocol.timeline import Timeline, london_datetime

from .common import ProtocolInfo, describe_due, infos, kind_order

__all__ = [
    "Difference",
    "DifferenceKind",
    "ProtocolOutcome",
    "ScenarioAction",
    "ScenarioCell",
    "ScenarioComparison",
    "ScenarioRow",
    "compare_scenario",
    "outcome",
    "strip_categories",
]


@dataclass(frozen=True, slots=True)
class ProtocolOutcome:
    """One protocol's evaluation, or the problems that stopped it."""

    protocol: str  # column key
    protocol_id: str
    evaluation: Evaluation | None
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScenarioAction:
    action_id: str
    rule_id: str
    obligation: str
    responsible: str
    due_at: dt.datetime | None
    status: str
    occurrence: int | None


@dataclass(frozen=True, slots=True)
class ScenarioCell:
    protocol: str
    evaluated: bool
    actions: tuple[ScenarioAction, ...]


class DifferenceKind(StrEnum):
    REQUIRED = "required"  # required under some protocols and not others
    DEADLINE = "deadline"  # required by both, due at different times
    RESPONSIBLE = "responsible"  # required by both, by different roles
    OBLIGATION = "obligation"  # required by both, must/should/consider differ


@dataclass(frozen=True, slots=True)
class Difference:
    kind: DifferenceKind
    detail: str


@dataclass(frozen=True, slots=True)
class ScenarioRow:
    episode_id: str
    kind: str
    recipient: str | None
    cells: tuple[ScenarioCell, ...]
    differences: tuple[Difference, ...]


@dataclass(frozen=True, slots=True)
class ScenarioComparison:
    child_id: str
    as_of: dt.datetime
    protocols: tuple[ProtocolInfo, ...]
    outcomes: tuple[ProtocolOutcome, ...]
    rows: tuple[ScenarioRow, ...]


def strip_categories(timeline: Timeline) -> Timeline:
    """The timeline with every episode's category omitted, so each protocol derives its own."""
    episodes = [e.model_copy(update={"category": None}) for e in timeline.episodes]
    return timeline.model_copy(update={"episodes": episodes})


def outcome(
    protocol: Protocol, key: str, timeline: Timeline, as_of: dt.datetime
) -> ProtocolOutcome:
    """``protocol``'s evaluation of ``timeline``, or the problems that stopped it."""
    try:
        evaluation = evaluate(protocol, timeline, as_of)
    except TimelineError as exc:
        return ProtocolOutcome(key, protocol.id, None, tuple(p.format() for p in exc.problems))
    return ProtocolOutcome(key, protocol.id, evaluation, ())


def _brief(a: RequiredAction) -> ScenarioAction:
    return ScenarioAction(
        a.id, a.rule_id, a.obligation, a.responsible, a.due_at, a.status.value, a.occurrence
    )


def _dues(cell: ScenarioCell) -> str:
    dues = sorted({a.due_at for a in cell.actions}, key=lambda d: (d is None, d))
    return ", ".join(describe_due(d) for d in dues)


def _differences(cells: Sequence[ScenarioCell]) -> tuple[Difference, ...]:
    evaluated = [c for c in cells if c.evaluated]
    required = [c for c in evaluated if c.actions]
    out: list[Difference] = []
    if required and len(required) < len(evaluated):
        not_required = [c.protocol for c in evaluated if not c.actions]
        out.append(
            Difference(
                DifferenceKind.REQUIRED,
                f"required by {', '.join(c.protocol for c in required)}; "
                f"not by {', '.join(not_required)}",
            )
        )
    if len(required) < 2:
        return tuple(out)
    if len({frozenset(a.due_at for a in c.actions) for c in required}) > 1:
        out.append(
            Difference(
                DifferenceKind.DEADLINE,
                "deadlines differ: " + "; ".join(f"{c.protocol} {_dues(c)}" for c in required),
            )
        )
    if len({frozenset(a.responsible for a in c.actions) for c in required}) > 1:
        out.append(
            Difference(
                DifferenceKind.RESPONSIBLE,
                "responsible differs: "
                + "; ".join(
                    f"{c.protocol} by {', '.join(sorted({a.responsible for a in c.actions}))}"
                    for c in required
                ),
            )
        )
    if len({frozenset(a.obligation for a in c.actions) for c in required}) > 1:
        out.append(
            Difference(
                DifferenceKind.OBLIGATION,
                "obligation differs: "
                + "; ".join(
                    f"{c.protocol} {'/'.join(sorted({a.obligation for a in c.actions}))}"
                    for c in required
                ),
            )
        )
    return tuple(out)


def _align(timeline: Timeline, outcomes: Sequence[ProtocolOutcome]) -> tuple[ScenarioRow, ...]:
    grouped: dict[tuple[str, str, str | None], dict[str, list[RequiredAction]]] = {}
    first: dict[tuple[str, str, str | None], dt.datetime] = {}
    for o in outcomes:
        if o.evaluation is None:
            continue
        for a in o.evaluation.actions:
            key = (a.episode_id, a.kind, a.recipient)
            grouped.setdefault(key, {}).setdefault(o.protocol, []).append(a)
            first[key] = min(first.get(key, a.triggered_at), a.triggered_at)
    episode_order = {
        e.id: n for n, e in enumerate(sorted(timeline.episodes, key=lambda e: (e.started_at, e.id)))
    }
    rows = []
    for key in sorted(
        grouped,
        key=lambda k: (episode_order.get(k[0], 0), first[k], kind_order(k[1]), k[2] or ""),
    ):
        cells = tuple(
            ScenarioCell(
                o.protocol,
                o.evaluation is not None,
                tuple(_brief(a) for a in grouped[key].get(o.protocol, ())),
            )
            for o in outcomes
        )
        rows.append(ScenarioRow(key[0], key[1], key[2], cells, _differences(cells)))
    return tuple(rows)


def compare_scenario(
    protocols: Sequence[Protocol], timeline: Timeline, as_of: dt.datetime
) -> ScenarioComparison:
    """Evaluate ``timeline`` under each protocol and align the required actions.

    Episode categories are dropped first, so each protocol derives its own. A
    protocol that cannot evaluate the timeline (:class:`TimelineError`) has
    its problems recorded in its outcome, and its cells are marked not evaluated.
    """
    as_of = london_datetime(as_of)
    columns = infos(protocols)
    stripped = strip_categories(timeline)
    outcomes = tuple(
        outcome(p, i.key, stripped, as_of) for p, i in zip(protocols, columns, strict=True)
    )
    return ScenarioComparison(
        timeline.child.id, as_of, columns, outcomes, _align(stripped, outcomes)
    )

"""An out-of-area placement: the responsible (placing) and the host protocol together.

:func:`evaluate_placement` evaluates a looked after child placed in another
area under both protocols, and pairs each hand-off ("the host asks, the
responsible authority does") with what the responsible protocol requires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from missing_protocol.compiled import Protocol
from missing_protocol.results import RequiredAction
from missing_protocol.timeline import Timeline, london_datetime
from missing_protocol.vocabulary import ACTION_KINDS

from .common import protocol_keys
from .scenario import ProtocolOutcome, outcome, strip_categories

__all__ = ["HandOff", "PlacementEvaluation", "PlacementSide", "TaggedAction", "evaluate_placement"]


class PlacementSide(StrEnum):
    RESPONSIBLE = "responsible"  # the authority that looks after the child
    HOST = "host"  # the authority in whose area the child is placed


@dataclass(frozen=True, slots=True)
class TaggedAction:
    side: PlacementSide
    protocol_id: str
    action: RequiredAction
    handoff: bool  # the host asks the responsible authority to do it


@dataclass(frozen=True, slots=True)
class HandOff:
    """The host protocol asks; the responsible protocol's actions are what is then done."""

    host_action: RequiredAction
    reason: str
    responsible_actions: tuple[RequiredAction, ...]


@dataclass(frozen=True, slots=True)
class PlacementEvaluation:
    child_id: str
    as_of: dt.datetime
    responsible: ProtocolOutcome
    host: ProtocolOutcome
    actions: tuple[TaggedAction, ...]
    handoffs: tuple[HandOff, ...]


_HANDOFF_ROLE = "placing_authority"
_HANDOFF_WORDS = ("responsible_authority", "placing_authority", "home_authority")


def _handoff_reason(host: Protocol, action: RequiredAction) -> str | None:
    if action.responsible == _HANDOFF_ROLE:
        how = (
            "named by the rule"
            if action.responsible_reason == "named by the rule"
            else (f"allocated: {action.responsible_reason}")
        )
        return f"the host protocol gives it to the placing authority ({how})"
    if action.kind not in ACTION_KINDS:
        text = f"{action.kind} {host.action_kinds.get(action.kind, '')}".lower()
        spaced = text.replace("_", " ")
        if any(w in text or w.replace("_", " ") in spaced for w in _HANDOFF_WORDS):
            return f"the host protocol's {action.kind} asks the responsible authority to act"
    return None


def evaluate_placement(
    responsible: Protocol, host: Protocol, timeline: Timeline, as_of: dt.datetime
) -> PlacementEvaluation:
    """A child looked after by ``responsible``'s area and placed in ``host``'s area.

    The responsible protocol sees ``placed_out_of_area``, the host protocol
    ``placed_by_other_authority`` (episode categories are dropped so each derives
    its own). A host action given to the placing authority, or of an area-specific
    kind that asks the responsible authority to act, is a hand-off, paired with
    the responsible protocol's actions for the same episode and kind (or, for
    an area-specific kind, the same topic).
    """
    as_of = london_datetime(as_of)
    base = strip_categories(timeline)
    keys = protocol_keys([responsible, host])
    as_responsible = base.model_copy(
        update={"child": base.child.model_copy(update={"placed_out_of_area": True})}
    )
    placing = responsible.authorities[0][:100] if responsible.authorities else None
    as_host = base.model_copy(
        update={
            "child": base.child.model_copy(
                update={"placed_by_other_authority": True, "placing_authority": placing}
            )
        }
    )
    r_out = outcome(responsible, keys[0], as_responsible, as_of)
    h_out = outcome(host, keys[1], as_host, as_of)
    r_actions = r_out.evaluation.actions if r_out.evaluation else ()
    h_actions = h_out.evaluation.actions if h_out.evaluation else ()
    handoffs: list[HandOff] = []
    handed: set[str] = set()
    for a in h_actions:
        reason = _handoff_reason(host, a)
        if reason is None:
            continue
        handed.add(a.id)
        if a.kind in ACTION_KINDS:
            paired = [r for r in r_actions if r.episode_id == a.episode_id and r.kind == a.kind]
        else:
            paired = [
                r
                for r in r_actions
                if r.episode_id == a.episode_id
                and r.topic == a.topic
                and r.kind != "notify"
                and r.responsible != _HANDOFF_ROLE
            ]
        handoffs.append(HandOff(a, reason, tuple(paired)))
    tagged = [
        TaggedAction(PlacementSide.RESPONSIBLE, responsible.id, a, False) for a in r_actions
    ] + [TaggedAction(PlacementSide.HOST, host.id, a, a.id in handed) for a in h_actions]
    tagged.sort(key=lambda t: (t.action.triggered_at, t.side.value, t.action.id))
    return PlacementEvaluation(base.child.id, as_of, r_out, h_out, tuple(tagged), tuple(handoffs))

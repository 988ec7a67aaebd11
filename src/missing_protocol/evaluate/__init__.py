"""Evaluation: ``(protocol, timeline, as_of) -> Evaluation``, a pure function.

For each episode the child had started by ``as_of``:

1. the facts are gathered as known at ``as_of`` (a return or report recorded
   for later is not yet known) into a fact tuple;
2. the area category is taken from the timeline, or derived by the first of
   the protocol's categories whose condition holds (using the police risk as
   recorded);
3. the protocol's risk floors raise a forbidden police risk level;
4. every rule whose condition holds and whose trigger has fired yields one
   required action per occurrence and recipient, with its deadline and its
   status judged against the recorded events; triggers that will fire later
   if the child is still missing are listed as upcoming.

Conditions run as closures prepared once per protocol (:mod:`.plan`); the
explanation of each action (the facts that made its rule apply, how its
trigger fired, how its deadline was computed) is given only by
:func:`evaluate`, which returns it in full, written when first read
(:mod:`.wording`). :func:`evaluate_compact` gives the
same actions as plain rows without it, for caseloads.

Every comparison of moments is between instants (UTC), never between London
wall-clock readings, so the hour the clocks go back is ordered correctly.
Nothing here reads files, the clock, or global state beyond caches of derived
data: the same inputs always give the same output, whatever the order of
episodes and events in the input.

The stages live in the modules of this package, in pipeline order:
:mod:`.episodes` (the episodes as known at ``as_of`` and their fact tuples),
:mod:`.classify` (category, risk held and floors, changes), :mod:`.evidence`
(recorded events), :mod:`.firings` (when triggers fire), :mod:`.deadlines`,
:mod:`.actions` (the actions of each episode, one run) and :mod:`.wording`
(the explanation of a full result); :mod:`.instants` holds the time helpers
they share.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator

from missing_protocol.compiled import Protocol
from missing_protocol.conditions import EpisodeStub, Facts, FactValue
from missing_protocol.facts import FactName
from missing_protocol.limits import DEFAULT_LIMITS, Limits
from missing_protocol.plan import FACT_INDEX, plan_for
from missing_protocol.results import RESULT_SCHEMA_VERSION, ActionRow, CompactEvaluation, Evaluation
from missing_protocol.timeline import Timeline, london_datetime

from .actions import _run
from .classify import _classify
from .episodes import _CATEGORY
from .instants import _utc
from .wording import _explained, _pending, _upcoming

__all__ = ["episode_facts", "evaluate", "evaluate_compact"]


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an evaluation builds its result.

    Evaluation makes no reference cycles: everything it builds is freed by
    reference counting whether or not the collector runs. But it builds many
    small objects, and each automatic collection walks every object alive,
    including the growing result, which made a child with 1,000 episodes cost
    more per episode than a child with ten. The collector's state is restored
    afterwards (left off if the caller had turned it off).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def evaluate(
    protocol: Protocol,
    timeline: Timeline,
    as_of: dt.datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Evaluation:
    """Every action ``protocol`` requires for ``timeline``'s child, as at ``as_of``, explained.

    ``as_of`` may be naive (read as London wall-clock time) or aware. Episodes
    that start after ``as_of``, and events and returns recorded after it, are
    not yet known and play no part. Raises :class:`TimelineError` if an
    episode's category is not one of the protocol's and cannot be derived, or
    past ``limits`` (see :mod:`.limits`): ``as_of`` more than
    ``evaluation_span_days`` after the first episode began
    (``limit.evaluation_span``), or a recurring rule with more than
    ``occurrences_per_rule`` occurrences in one episode
    (``limit.occurrences_per_rule``), so no input can make evaluation explode.
    """
    with _without_cycle_collection():
        return _evaluation(protocol, timeline, as_of, limits)


def _evaluation(
    protocol: Protocol, timeline: Timeline, as_of: dt.datetime, limits: Limits
) -> Evaluation:
    run = _run(protocol, timeline, as_of, limits)
    return Evaluation(
        schema_version=RESULT_SCHEMA_VERSION,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        child_id=timeline.child.id,
        as_of=run.as_of,
        episodes=tuple(view.result for view in run.views),
        actions=tuple(_explained(run, item) for item in run.found),
        upcoming=tuple(_upcoming(item) for item in run.upcoming),
        pending=tuple(_pending(item) for item in run.pending),
    )


def evaluate_compact(
    protocol: Protocol,
    timeline: Timeline,
    as_of: dt.datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> CompactEvaluation:
    """The same actions as :func:`evaluate`, as plain rows without their explanation.

    For caseloads: each row has what a worklist or a compliance count needs
    (ids, kind, who, when due, status). The explanation of any row is
    :func:`evaluate` of the same input, or ``missing-protocol explain``.
    """
    with _without_cycle_collection():
        return _compact(protocol, timeline, as_of, limits)


def _compact(
    protocol: Protocol, timeline: Timeline, as_of: dt.datetime, limits: Limits
) -> CompactEvaluation:
    run = _run(protocol, timeline, as_of, limits, explain=False)
    make = tuple.__new__  # ActionRow's fields in order, without its Python-level __new__
    rows = tuple(
        make(
            ActionRow,
            (
                item.id,
                item.ep.source.id,
                item.rule.rule.id,
                item.rule.action,
                item.rule.obligation,
                item.responsible,
                item.recipient,
                item.firing.at,
                item.due,
                item.firing.occurrence,
                item.status,
                item.met[1] if item.met else None,
            ),
        )
        for item in run.found
    )
    return CompactEvaluation(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        child_id=timeline.child.id,
        as_of=run.as_of,
        episodes=tuple(view.result for view in run.views),
        rows=rows,
        upcoming=len(run.upcoming),
        pending=len(run.pending),
    )


def episode_facts(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> dict[str, Facts]:
    """The facts of each episode known at ``as_of``, by episode id, as rules see them.

    For verification tools and property checks; evaluation itself uses the same.
    """
    plan = plan_for(protocol)
    as_of_u = _utc(london_datetime(as_of))
    views, _ = _classify(plan, timeline, as_of_u)
    stubs: list[EpisodeStub] = []
    out: dict[str, Facts] = {}
    for view in views:
        started_at = view.moments[0][0]
        assert started_at is not None
        stubs.append(
            EpisodeStub(
                started_at,
                str(view.values[_CATEGORY]),
                view.source.missing_from.value,
                frozenset(view.result.also_categories),
            )
        )
        values: dict[FactName, FactValue] = {
            name: view.values[i]  # type: ignore[misc]
            for name, i in FACT_INDEX.items()
        }
        out[view.source.id] = Facts(values, started_at, tuple(stubs))
    return out

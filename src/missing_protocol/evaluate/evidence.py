"""Recorded events as evidence: grouped by episode and action kind once per evaluation,
and assigned to the occurrences of a duty they meet."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence

from missing_protocol.compiled import Recorded
from missing_protocol.plan import RulePlan
from missing_protocol.timeline import Timeline

from .episodes import _Episode
from .instants import _At, _utc

_DONE = "done"


# (instant, London time, outcome, recipient, by, method) of one recorded event.
_Evidence = tuple[dt.datetime, dt.datetime, str, str | None, str | None, str | None]


def _evidence(
    timeline: Timeline, views: Sequence[_Episode], as_of_u: dt.datetime
) -> dict[tuple[int, str], list[_Evidence]]:
    """Recorded events known at ``as_of``, by (episode position, action kind), in time order.

    An event names its episode, or serves the latest episode started by then. A
    report to police recorded on an episode counts as a ``report_to_police`` event.
    """
    found: dict[tuple[int, str], list[tuple[dt.datetime, str, _Evidence]]] = {}
    for view in views:
        reported_at, reported_u = view.moments[1]
        if reported_at is not None and reported_u is not None:
            item: _Evidence = (reported_u, reported_at, _DONE, None, None, None)
            found.setdefault((view.position, "report_to_police"), []).append((reported_u, "", item))
    by_id = {view.source.id: view.position for view in views}
    starts = [view.started_u for view in views]
    for event in timeline.events:
        instant = _utc(event.at)
        if instant > as_of_u:
            continue
        if event.episode is not None:
            position = by_id.get(event.episode)
            if position is None:
                continue
        else:
            position = bisect_right(starts, instant) - 1
            if position < 0:
                continue
        method = None if event.method is None else str(event.method)  # StrEnums: str() is the value
        item = (instant, event.at, str(event.outcome), event.recipient, event.by, method)
        found.setdefault((position, event.action), []).append(
            (instant, event.recipient or "", item)
        )
    return {
        key: [item for _, _, item in sorted(items, key=lambda x: (x[0], x[1]))]
        for key, items in found.items()
    }


def _assign(
    candidates: Sequence[_Evidence],
    opens: Sequence[dt.datetime],
    closes: Sequence[dt.datetime | None],
) -> list[_Evidence | None]:
    """Which event served each occurrence (``None`` if none did).

    Each event serves one occurrence: first the events inside each occurrence's
    own interval ``[open, close)``, then, for occurrences still open, the
    earliest later event not yet used.
    """
    done: list[_Evidence | None] = [None] * len(opens)
    used = [False] * len(candidates)

    def take(opened: dt.datetime, closed: dt.datetime | None) -> _Evidence | None:
        for index, item in enumerate(candidates):
            if used[index] or item[0] < opened:
                continue
            if closed is not None and item[0] >= closed:
                return None
            used[index] = True
            return item
        return None

    for number, opened in enumerate(opens):
        done[number] = take(opened, closes[number])
    for number, opened in enumerate(opens):
        if done[number] is None:
            done[number] = take(opened, None)
    return done


def _recorded_at(
    ep: _Episode, recorded: Recorded, evidence: dict[tuple[int, str], list[_Evidence]]
) -> _At:
    """The first recorded event of ``recorded``'s kind and outcomes in the episode, remembered.

    The events of one episode and kind are already in time order, so this reads
    that one short list, never all events.
    """
    found = ep.recorded.get(recorded)
    if found is None:
        found = (None, None)
        for item in evidence.get((ep.position, recorded.kind), ()):
            if item[2] in recorded.outcomes and (
                recorded.recipient is None or item[3] == recorded.recipient
            ):
                found = (item[1], item[0])
                break
        ep.recorded[recorded] = found
    return found


def _pool(
    rule: RulePlan, ep: _Episode, evidence: dict[tuple[int, str], list[_Evidence]]
) -> Sequence[_Evidence]:
    """The episode's events of the rule's kind, or of any of its alternative kinds, in order."""
    if len(rule.kinds) <= 1:
        return evidence.get((ep.position, rule.action), ())
    merged = [
        (item[0], kind, item[3] or "", item)
        for kind in rule.kinds
        for item in evidence.get((ep.position, kind), ())
    ]
    merged.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in merged]

"""Evaluation of timelines whose moments are known only to the day: ``evaluate_bounded``.

Statutory data (the DfE's SSDA903 return) has dates, not times, and the engine
must not invent a time. A timeline (schema version 2) may therefore give any
moment as a date alone; :func:`evaluate_bounded` evaluates it under *corner
readings* of those moments and merges the answers per action id:

* **all earliest**: every day-only moment at 00:00:00 London time of its day;
* **all latest**: every one at 23:59:59;
* **longest absences**: starts and reports earliest, returns and events latest;
* **shortest absences**: starts and reports latest, returns and events earliest;
* **deadlines earliest, work latest**: starts and returns earliest (so every
  deadline counted from them is as early as it can be), reports and events
  latest (the work that meets an action as late as it can be): the reading in
  which work is most likely late;
* **deadlines latest, work earliest**: the reverse, in which work is most
  likely on time (or, done before the rule can have fired, not counted);
* for protocols that count episodes in a rolling window ("3 episodes in 90
  days"), one pair of readings for each day-only start that has another
  day-only start on the boundary day of such a window: that start latest and
  every other earliest, and the reverse, so that the episode on the boundary
  day is counted in one reading and not in the other.

A change of an episode's facts given a date alone (timeline version 3) moves
with the starts: earliest in *all earliest*, *longest absences* and *deadlines
earliest, work latest*, latest in the other three.

Every reading is a possible world: moments are kept inside their day and in
order (a return is not before its start, an episode does not start before the
one before it ended, a change is between its episode's start and return), so
two episodes that touch on one day stay touching.

An action present in every reading with one status keeps it, its deadline
given as a window (``due_at`` the earliest, ``due_at_latest`` the latest). An
action whose status differs between readings, or that is required in some
readings only, is ``undetermined``, with a reason naming the readings and the
uncertain moments. A timeline with no day-only moment gets exactly what
:func:`~missing_protocol.evaluate.evaluate` returns.

The method assumes that what is required, and its status, changes at most once
as each moment moves through its day (monotone): docs/day-precision.md says
where that can fail (for example a rule on *exactly* 3 episodes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from missing_protocol.calendar import Duration, shift_back
from missing_protocol.compiled import CountEpisodes, Protocol
from missing_protocol.conditions import atoms
from missing_protocol.evaluate import evaluate
from missing_protocol.limits import DEFAULT_LIMITS, Limits
from missing_protocol.moments import instant
from missing_protocol.results import ActionStatus, Evaluation, RequiredAction, UpcomingAction
from missing_protocol.timeline import Episode, Timeline, london_datetime, moment_bounds

__all__ = ["evaluate_bounded", "uncertain_moments"]


@dataclass(frozen=True, slots=True)
class _Slot:
    """One moment of the timeline: where it is, its feasible range, and whether day-only."""

    where: str  # "episode" | "event" | "change" (index: the episode's)
    index: int
    name: str  # started_at | reported_at | returned_at | at | changes[n]
    lo: dt.datetime
    hi: dt.datetime
    day_only: bool
    label: str


# A reading chooses, for each day-only slot, its latest (True) or earliest (False) value.
_Choice = Callable[[_Slot], bool]


def _describe(timeline: Timeline, where: str, index: int, name: str) -> str:
    if where == "episode":
        episode = timeline.episodes[index]
        moment = getattr(episode, name)
        return f"episode {episode.id} {name} (known only to {moment.date().isoformat()})"
    if where == "change":
        episode = timeline.episodes[index]
        moment = episode.changes[_change_number(name)].at
        return f"episode {episode.id} {name}.at (known only to {moment.date().isoformat()})"
    event = timeline.events[index]
    of = f" for episode {event.episode}" if event.episode else ""
    return f"event {event.action}{of} (known only to {event.at.date().isoformat()})"


def _change_number(name: str) -> int:
    """``changes[2]`` -> 2."""
    return int(name.removeprefix("changes[").removesuffix("]"))


def _slot(timeline: Timeline, where: str, index: int, name: str) -> _Slot:
    if where == "change":
        change = timeline.episodes[index].changes[_change_number(name)]
        day_only = "at" in change.known_to_day
        lo, hi = moment_bounds(change.at, day_only)
    else:
        model = timeline.episodes[index] if where == "episode" else timeline.events[index]
        day_only = name in model.known_to_day
        lo, hi = moment_bounds(getattr(model, name), day_only)
    label = _describe(timeline, where, index, name) if day_only else ""
    return _Slot(where, index, name, lo, hi, day_only, label)


def _slots(timeline: Timeline) -> list[list[_Slot]]:
    """The episodes' starts and returns in time order (one chain), then reports, then
    changes, then events.

    Each slot's range is its day, narrowed so that any choice of ends can be kept
    in order: a forward pass raises ``lo`` to the previous ``lo``, a backward pass
    lowers ``hi`` to the next ``hi`` (and a start's ``hi`` to its report's and its
    changes'; a return's ``lo`` to its changes'). A change stays between its
    episode's start and return, and changes are not ordered among themselves.
    """
    chain: list[_Slot] = []
    reports: list[tuple[int, _Slot]] = []  # (position of the episode's start, report)
    changes: list[tuple[int, int | None, _Slot]] = []  # (start's position, return's, change)
    for i in timeline.chronological():
        episode = timeline.episodes[i]
        if episode.reported_at is not None:
            reports.append((len(chain), _slot(timeline, "episode", i, "reported_at")))
        start = len(chain)
        chain.append(_slot(timeline, "episode", i, "started_at"))
        back = None
        if episode.returned_at is not None:
            back = len(chain)
            chain.append(_slot(timeline, "episode", i, "returned_at"))
        changes += [
            (start, back, _slot(timeline, "change", i, f"changes[{n}]"))
            for n in range(len(episode.changes))
        ]
    for _, back, change in changes:
        if back is not None:  # the child was still away at the change
            chain[back] = dataclasses.replace(chain[back], lo=max(chain[back].lo, change.lo))
    for k in range(1, len(chain)):
        chain[k] = dataclasses.replace(chain[k], lo=max(chain[k].lo, chain[k - 1].lo))
    for start, later in [(s, r) for s, r in reports] + [(s, c) for s, _, c in changes]:
        chain[start] = dataclasses.replace(chain[start], hi=min(chain[start].hi, later.hi))
    for k in range(len(chain) - 2, -1, -1):
        chain[k] = dataclasses.replace(chain[k], hi=min(chain[k].hi, chain[k + 1].hi))
    chains = [chain]
    chains += [[dataclasses.replace(r, lo=max(r.lo, chain[s].lo))] for s, r in reports]
    chains += [
        [
            dataclasses.replace(
                c,
                lo=max(c.lo, chain[s].lo),
                hi=c.hi if b is None else min(c.hi, chain[b].hi),
            )
        ]
        for s, b, c in changes
    ]
    chains += [[_slot(timeline, "event", i, "at")] for i in range(len(timeline.events))]
    return chains


def uncertain_moments(timeline: Timeline) -> tuple[str, ...]:
    """The moments of ``timeline`` known only to the day, in words (empty if none)."""
    return tuple(slot.label for chain in _slots(timeline) for slot in chain if slot.day_only)


def _read(timeline: Timeline, chains: list[list[_Slot]], late: _Choice) -> Timeline:
    """The timeline with every day-only moment placed as ``late`` says, kept in order."""
    values: dict[tuple[str, int, str], dt.datetime] = {}
    previous: dt.datetime | None = None
    for slot in chains[0]:
        value = (slot.hi if late(slot) else slot.lo) if slot.day_only else slot.lo
        if previous is not None and value < previous:
            value = previous
        values[(slot.where, slot.index, slot.name)] = value
        previous = value
    for chain in chains[1:]:
        for slot in chain:
            value = (slot.hi if late(slot) else slot.lo) if slot.day_only else slot.lo
            if slot.name == "reported_at" or slot.where == "change":
                value = max(value, values[("episode", slot.index, "started_at")])
            back = values.get(("episode", slot.index, "returned_at"))
            if slot.where == "change" and back is not None:
                value = min(value, back)
            values[(slot.where, slot.index, slot.name)] = value
    episodes = [
        episode.model_copy(
            update={
                name: values[("episode", i, name)]
                for name in episode.known_to_day
                if ("episode", i, name) in values
            }
            | {"known_to_day": frozenset()}
        )
        if episode.known_to_day
        else episode
        for i, episode in enumerate(timeline.episodes)
    ]
    episodes = [_changes_read(episode, i, values) for i, episode in enumerate(episodes)]
    episodes = [_exact_after_start(episode) for episode in episodes]
    events = [
        event.model_copy(update={"at": values[("event", i, "at")], "known_to_day": frozenset()})
        if event.known_to_day
        else event
        for i, event in enumerate(timeline.events)
    ]
    return timeline.model_copy(update={"episodes": episodes, "events": events})


def _changes_read(
    episode: Episode, index: int, values: dict[tuple[str, int, str], dt.datetime]
) -> Episode:
    """The episode with each change at its moment in the reading (exact ones kept in it)."""
    if not episode.changes:
        return episode
    changes = tuple(
        change.model_copy(
            update={"at": values[("change", index, f"changes[{n}]")], "known_to_day": frozenset()}
        )
        for n, change in enumerate(episode.changes)
    )
    return episode.model_copy(update={"changes": changes})


def _exact_after_start(episode: Episode) -> Episode:
    """Keep ``noticed_at`` and ``professional_aware_at`` (always exact) at or after the start.

    They are never known only to the day (the timeline refuses it), but the start
    may be: a reading that places the start later on its day than such a moment
    moves the moment to the start, as a report is kept at or after it.
    """
    update = {
        name: episode.started_at
        for name in ("noticed_at", "professional_aware_at")
        if getattr(episode, name) is not None
        and instant(getattr(episode, name)) < instant(episode.started_at)
    }
    return episode.model_copy(update=update) if update else episode


def _windows(protocol: Protocol) -> set[Duration]:
    """The rolling windows the protocol counts episodes in ("within 90 days")."""
    conditions = [rule.when for rule in protocol.rules]
    conditions += [category.when for category in protocol.categories]
    conditions += [floor.when for floor in protocol.floors]
    return {
        atom.within
        for cond in conditions
        for atom in atoms(cond)
        if isinstance(atom, CountEpisodes) and atom.within is not None
    }


def _on_boundaries(protocol: Protocol, timeline: Timeline) -> list[int]:
    """Day-only starts with another day-only start that may be just inside or outside a window.

    Episode ``j`` is in the window of ``i`` if it starts no earlier than ``i``'s
    start less the window. When both starts are known only to the day, and ``j``
    can be in for some times and out for others, only readings that move the two
    starts apart and together decide it; the six readings move all starts alike.
    """
    windows = _windows(protocol)
    starts = [
        (i, moment_bounds(episode.started_at, True))
        for i, episode in enumerate(timeline.episodes)
        if "started_at" in episode.known_to_day
    ]
    found = []
    for i, (i_lo, i_hi) in starts:
        if any(
            j != i
            and j_lo <= i_hi
            and j_hi >= shift_back(i_lo, window)
            and j_lo < shift_back(i_hi, window)
            for j, (j_lo, j_hi) in starts
            for window in windows
        ):
            found.append(i)
    return found


def _readings(protocol: Protocol, timeline: Timeline) -> Iterator[tuple[str, _Choice]]:
    yield "all earliest", lambda _: False
    yield "all latest", lambda _: True
    # a change of facts moves with the starts: as early as it can be when absences are
    # longest and deadlines earliest, as late as it can be in the readings opposite
    yield "longest absences", lambda slot: slot.name in ("returned_at", "at")
    yield (
        "shortest absences",
        lambda slot: slot.name in ("started_at", "reported_at") or slot.where == "change",
    )
    yield "deadlines earliest, work latest", lambda slot: slot.name in ("reported_at", "at")
    yield (
        "deadlines latest, work earliest",
        lambda slot: slot.name in ("started_at", "returned_at") or slot.where == "change",
    )
    for i in _on_boundaries(protocol, timeline):
        name = timeline.episodes[i].id
        yield (
            f"episode {name} starts latest, the rest earliest",
            lambda slot, i=i: slot.where == "episode" and slot.index == i,  # type: ignore[misc]
        )
        yield (
            f"episode {name} starts earliest, the rest latest",
            lambda slot, i=i: not (slot.where == "episode" and slot.index == i),  # type: ignore[misc]
        )


def _key(item: RequiredAction | UpcomingAction) -> tuple[str, str, int | None, str | None]:
    return item.rule_id, item.episode_id, item.occurrence, item.recipient


def _merge_action(
    present: list[tuple[str, RequiredAction]], readings: list[str], moments: dict[str, list[str]]
) -> RequiredAction:
    first = present[0][1]
    dues = [a.due_at for _, a in present if a.due_at is not None]
    met = [a.met_at for _, a in present if a.met_at is not None]
    statuses = {a.status for _, a in present}
    merged = dataclasses.replace(
        first,
        triggered_at=min(a.triggered_at for _, a in present),
        due_at=min(dues) if dues else None,
        due_at_latest=max(dues) if dues else None,
        met_at=min(met) if met else None,
    )
    if len(present) == len(readings) and len(statuses) == 1:
        return merged
    where = {name for name, _ in present}
    if len(where) < len(readings):
        absent = [name for name in readings if name not in where]
        why = (
            f"required in some readings of the day-only moments only (not in: {'; '.join(absent)})"
        )
    else:
        by_status: dict[str, list[str]] = {}
        for name, action in present:
            by_status.setdefault(action.status.value, []).append(name)
        why = "the readings disagree: " + "; ".join(
            f"{status} in {', '.join(names)}" for status, names in by_status.items()
        )
    own = moments.get(first.episode_id, []) + moments.get(f"event:{first.kind}", [])
    uncertain = own or moments.get("*", [])
    why += "; uncertain: " + ", ".join(uncertain)
    return dataclasses.replace(merged, status=ActionStatus.UNDETERMINED, undetermined_reason=why)


def _moments_by_concern(timeline: Timeline, chains: list[list[_Slot]]) -> dict[str, list[str]]:
    """Day-only moments by the episode id or event kind they bear on ("*": all of them)."""
    found: dict[str, list[str]] = {"*": []}
    for chain in chains:
        for slot in chain:
            if not slot.day_only:
                continue
            found["*"].append(slot.label)
            if slot.where in ("episode", "change"):
                key = timeline.episodes[slot.index].id
            else:
                key = f"event:{timeline.events[slot.index].action}"
            found.setdefault(key, []).append(slot.label)
    return found


def evaluate_bounded(
    protocol: Protocol,
    timeline: Timeline,
    as_of: dt.datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Evaluation:
    """Like :func:`~missing_protocol.evaluate.evaluate`, honest about day-only moments.

    Deadlines become windows (``due_at`` .. ``due_at_latest``) and an action whose
    status the data cannot decide is :attr:`ActionStatus.UNDETERMINED`, with the
    reason. A timeline with no day-only moment gets exactly what ``evaluate`` gives.
    """
    if not timeline.day_only():
        return evaluate(protocol, timeline, as_of, limits=limits)
    as_of = london_datetime(as_of)
    chains = _slots(timeline)
    results = [
        (name, evaluate(protocol, _read(timeline, chains, choice), as_of, limits=limits))
        for name, choice in _readings(protocol, timeline)
    ]
    names = [name for name, _ in results]
    moments = _moments_by_concern(timeline, chains)
    found: dict[str, list[tuple[str, RequiredAction]]] = {}
    for name, evaluation in results:
        for action in evaluation.actions:
            found.setdefault(action.id, []).append((name, action))
    actions = [_merge_action(present, names, moments) for present in found.values()]
    rule_order = {rule.id: n for n, rule in enumerate(protocol.rules)}
    actions.sort(key=lambda a: (instant(a.triggered_at), rule_order[a.rule_id], a.episode_id, a.id))
    required = {_key(action) for action in actions}
    upcoming: dict[tuple[str, str, int | None, str | None], UpcomingAction] = {}
    for _, evaluation in results:
        for item in evaluation.upcoming:
            key = _key(item)
            if key in required:
                continue
            if key not in upcoming or instant(item.triggers_at) < instant(
                upcoming[key].triggers_at
            ):
                upcoming[key] = item
    base = results[0][1]
    return dataclasses.replace(
        base,
        actions=tuple(actions),
        upcoming=tuple(
            sorted(
                upcoming.values(),
                key=lambda u: (instant(u.triggers_at), rule_order[u.rule_id], u.episode_id),
            )
        ),
        uncertain_moments=tuple(moments["*"]),
        readings=tuple(names),
    )

"""Classifying each episode: its category (given or derived), the categories it is also in,
the level an ungraded risk is held at, the risk floors, and the same again after each
change of its facts."""

from __future__ import annotations

import datetime as dt

from missing_protocol.compiled import Protocol
from missing_protocol.errors import Problem, TimelineError
from missing_protocol.plan import FactTuple, History, Plan
from missing_protocol.results import EpisodeResult, FactChangeApplied
from missing_protocol.timeline import Episode, FactChange, Timeline

from .episodes import (
    _CATEGORIES,
    _CATEGORY,
    _RISK,
    _RISKS,
    _child_facts,
    _Episode,
    _facts,
    _noticed_and_aware,
    _police_told,
    _risk_name,
    _Segment,
    _tail,
    _with,
)
from .instants import _age, _known, _utc


def _floors(
    plan: Plan, values: FactTuple, history: History, position: int
) -> tuple[int | None, str | None, str | None]:
    """The police risk after the protocol's floors, which floor raised it, and why."""
    recorded = values[_RISK]
    if not isinstance(recorded, int):
        return None, None, None
    effective, raised_by, reason = recorded, None, None
    for when, forbid, target, floor_id, tail in plan.floors:
        if recorded not in forbid or not when.test(values, history, position):
            continue
        if target > effective:
            effective, raised_by = target, floor_id
            reason = f"{_RISKS[recorded].value} is not allowed here{tail}"
    return effective, raised_by, reason


def _held_at(
    plan: Plan, values: FactTuple, history: History, position: int
) -> tuple[int | None, str | None, str | None]:
    """For an episode the police have not graded: the level the protocol holds it at.

    The first of the protocol's ``ungraded`` statements whose condition holds;
    ``(None, None, None)`` when the risk was recorded or none applies.
    """
    if values[_RISK] is not None:
        return None, None, None
    for when, rank, ungraded_id, reason in plan.ungraded:
        if when.test(values, history, position):
            return rank, ungraded_id, reason
    return None, None, None


def _classify(
    plan: Plan, timeline: Timeline, as_of_u: dt.datetime
) -> tuple[list[_Episode], History]:
    known: list[tuple[dt.datetime, str, int, Episode]] = []
    for index, episode in enumerate(timeline.episodes):
        started_u = _utc(episode.started_at)
        if started_u <= as_of_u:
            known.append((started_u, episode.id, index, episode))
    known.sort(key=lambda item: (item[0], item[1]))
    child = _child_facts(timeline)
    born = timeline.child.date_of_birth
    history = History()
    views: list[_Episode] = []
    problems: list[Problem] = []
    for started_u, _, index, episode in known:
        reported_at, reported_u = _known(episode.reported_at, as_of_u)
        returned_at, returned_u = _known(episode.returned_at, as_of_u)
        age = _age(born, episode.started_at.date())
        recorded = episode.police_risk
        rank = None if recorded is None else _RISKS.index(recorded)
        tail, judged_at = _tail(timeline, episode, reported_u, as_of_u)
        values = _facts(age, child, episode, reported=reported_at is not None, risk=rank) + tail
        if episode.category is not None:
            if episode.category not in plan.category_ids:
                problems.append(
                    _unknown_category(
                        plan.protocol, episode.category, f"episodes[{index}].category"
                    )
                )
                continue
            category, reason = episode.category, "given in the timeline"
        else:
            derived = _derived_category(plan, values, history)
            if derived is None:
                problems.append(_no_category(plan.protocol, episode, index))
                continue
            category, reason = derived
        values = _with(values, _CATEGORY, category)
        in_also = _in_categories(plan, values, episode, index, category)
        if isinstance(in_also, Problem):
            problems.append(in_also)
            continue
        values, also, also_reason = in_also
        position = history.add(
            started_u,
            episode.started_at,
            category,
            str(episode.missing_from),
            frozenset(also) if also else frozenset(),
        )
        values, assumed_by, assumed_reason = _hold_ungraded(plan, values, history, position)
        effective, floor_id, floor_reason = _floors(plan, values, history, position)
        values = _with(values, _RISK, effective)
        changed = (
            _changes(
                plan,
                episode,
                index,
                base=(age, child, reported_at is not None, tail),
                history=history,
                position=position,
                as_of_u=as_of_u,
            )
            if episode.changes
            else ((), ())
        )
        if isinstance(changed, Problem):
            problems.append(changed)
            continue
        segments, applied = changed
        result = EpisodeResult(
            episode_id=episode.id,
            age_at_start=age,
            category=category,
            category_reason=reason,
            police_risk_recorded=_risk_name(rank),
            police_risk=_risk_name(effective),
            risk_raised_by=floor_id,
            risk_reason=floor_reason,
            started_at=episode.started_at,
            returned_at=returned_at,
            missing_as_of=returned_at is None,
            police_risk_assumed_by=assumed_by,
            police_risk_assumed_reason=assumed_reason,
            also_categories=also,
            also_categories_reason=also_reason,
            changes=applied,
        )
        noticed, aware, fallbacks = _noticed_and_aware(
            episode, (episode.started_at, started_u), (reported_at, reported_u), as_of_u
        )
        told, told_fallback = _police_told(episode, (returned_at, returned_u), as_of_u)
        views.append(
            _Episode(
                episode,
                index,
                position,
                (
                    (episode.started_at, started_u),
                    (reported_at, reported_u),
                    (returned_at, returned_u),
                    (None, None),  # plan.TRIGGERED: not a moment of the episode
                    noticed,
                    aware,
                    told,
                ),
                started_u,
                returned_u,
                values,
                result,
                fallbacks=fallbacks | told_fallback,
                segments=segments,
                judged_at=judged_at,
                next_review=timeline.child.next_review_on,
                key=plan.key(values),
            )
        )
    if problems:
        raise TimelineError(problems)
    return views, history


def _changes(
    plan: Plan,
    episode: Episode,
    index: int,
    *,
    base: tuple[int, tuple[object, ...], bool, tuple[object, ...]],
    history: History,
    position: int,
    as_of_u: dt.datetime,
) -> tuple[tuple[_Segment, ...], tuple[FactChangeApplied, ...]] | Problem:
    """The episode's facts from each change known at ``as_of`` on, classified as at its start.

    A change sets the police risk recorded, the category given, or both, from its moment;
    a category the timeline did not give is derived again from the facts then.
    """
    age, child, reported, tail = base
    known = sorted(
        (_utc(change.at), number, change)
        for number, change in enumerate(episode.changes)
        if _utc(change.at) <= as_of_u
    )
    risk, given = episode.police_risk, episode.category
    segments: list[_Segment] = []
    applied: list[FactChangeApplied] = []
    for at_u, number, change in known:
        risk = change.police_risk if change.police_risk is not None else risk
        given = change.category if change.category is not None else given
        rank = None if risk is None else _RISKS.index(risk)
        values = _facts(age, child, episode, reported=reported, risk=rank) + tail
        found = _classified(
            plan, values, episode, index, given=given, at=(history, position, f"changes[{number}]")
        )
        if isinstance(found, Problem):
            return found
        values, reason, assumed_by, floor_id = found
        segments.append(_Segment(change.at, at_u, values, assumed_by, plan.key(values)))
        applied.append(
            FactChangeApplied(
                at=change.at,
                what=_change_words(change),
                category=str(values[_CATEGORY]),
                category_reason=reason,
                police_risk_recorded=_risk_name(rank),
                police_risk=_risk_name(values[_RISK]),
                risk_raised_by=floor_id,
                police_risk_assumed_by=assumed_by,
            )
        )
    return tuple(segments), tuple(applied)


def _change_words(change: FactChange) -> str:
    words = []
    if change.police_risk is not None:
        words.append(f"police risk re-graded to {change.police_risk.value}")
    if change.category is not None:
        words.append(f"re-categorised as {change.category}")
    return " and ".join(words)


def _classified(
    plan: Plan,
    values: FactTuple,
    episode: Episode,
    index: int,
    *,
    given: str | None,
    at: tuple[History, int, str],
) -> tuple[FactTuple, str, str | None, str | None] | Problem:
    """One set of an episode's facts classified: category (given or derived), the categories
    it is also in, the level held if ungraded, and the floors, as at an episode's start."""
    history, position, where = at
    path = f"episodes[{index}].{where}"
    if given is not None:
        if given not in plan.category_ids:
            return _unknown_category(plan.protocol, given, f"{path}.category")
        category, reason = given, "given in the timeline"
    else:
        derived = _derived_category(plan, values, history)
        if derived is None:
            return Problem(
                "timeline.no_category",
                f"no category of protocol {plan.protocol.id!r} applies to episode {episode.id} "
                "after this change; give its category",
                path=path,
            )
        category, reason = derived
    in_also = _in_categories(plan, _with(values, _CATEGORY, category), episode, index, category)
    if isinstance(in_also, Problem):
        return in_also
    values, assumed_by, _ = _hold_ungraded(plan, in_also[0], history, position)
    effective, floor_id, _ = _floors(plan, values, history, position)
    return _with(values, _RISK, effective), reason, assumed_by, floor_id


def _in_categories(
    plan: Plan, values: FactTuple, episode: Episode, index: int, category: str
) -> tuple[FactTuple, tuple[str, ...], str | None] | Problem:
    """The fact tuple with every category the episode is in; those beside ``category``."""
    values = _with(values, _CATEGORIES, frozenset((category,)))
    if not (episode.also_categories or category in plan.also):
        return values, (), None
    found = _also_categories(plan, values, episode, index, category)
    if isinstance(found, Problem):
        return found
    also, reason = found
    if also:
        values = _with(values, _CATEGORIES, frozenset((category, *also)))
    return values, also, reason


def _hold_ungraded(
    plan: Plan, values: FactTuple, history: History, position: int
) -> tuple[FactTuple, str | None, str | None]:
    """The fact tuple with an ungraded police risk held where the protocol says so."""
    if values[_RISK] is not None or not plan.ungraded:
        return values, None, None
    held, assumed_by, reason = _held_at(plan, values, history, position)
    return _with(values, _RISK, held), assumed_by, reason


def _also_categories(
    plan: Plan, values: FactTuple, episode: Episode, index: int, category: str
) -> tuple[tuple[str, ...], str | None] | Problem:
    """The categories an episode is in beside ``category``: given, and derived by its ``also``.

    Sorted; with the reasons, or the problem of a given category the protocol does not have.
    """
    for given in sorted(episode.also_categories):
        if given not in plan.category_ids:
            return Problem(
                "timeline.unknown_category",
                f"{given!r} is not a category of protocol {plan.protocol.id!r} "
                f"({', '.join(sorted(plan.category_ids))}); use one of them in "
                "also_categories, or leave it out",
                path=f"episodes[{index}].also_categories",
            )
    reasons = dict.fromkeys(episode.also_categories, "given in the timeline")
    for other, when, text in plan.also.get(category, ()):
        if other not in reasons and when.test(values, _NO_HISTORY, -1):
            reasons[other] = text
    reasons.pop(category, None)
    if not reasons:
        return (), None
    names = tuple(sorted(reasons))
    return names, "; ".join(f"{name}: {reasons[name]}" for name in names)


_NO_HISTORY = History()


def _derived_category(plan: Plan, values: FactTuple, history: History) -> tuple[str, str] | None:
    """The first of the protocol's categories whose condition holds (id, reason), if any."""
    for category_id, when, text in plan.categories:
        if when.test(values, history, -1):
            return category_id, text
    return None


def _unknown_category(protocol: Protocol, given: str, path: str) -> Problem:
    """A category the timeline gives (at ``path``) that the protocol does not have."""
    known = sorted(category.id for category in protocol.categories)
    return Problem(
        "timeline.unknown_category",
        f"{given!r} is not a category of protocol {protocol.id!r} "
        f"({', '.join(known)}); use one of them, or omit category "
        "to have the protocol derive it",
        path=path,
    )


def _no_category(protocol: Protocol, episode: Episode, index: int) -> Problem:
    return Problem(
        "timeline.no_category",
        f"no category of protocol {protocol.id!r} applies to episode {episode.id}; "
        "give its category",
        path=f"episodes[{index}].category",
    )

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
trigger fired, how its deadline was computed) is made only by
:func:`evaluate`, which returns it in full. :func:`evaluate_compact` gives the
same actions as plain rows without it, for caseloads.

Every comparison of moments is between instants (UTC), never between London
wall-clock readings, so the hour the clocks go back is ordered correctly.
Nothing here reads files, the clock, or global state beyond caches of derived
data: the same inputs always give the same output, whatever the order of
episodes and events in the input.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .calendar import UTC, Duration, Unit, add_duration, to_london, working_days_after
from .compiled import (
    Deadline,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    Moment,
    PhasedTrigger,
    Protocol,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Rule,
)
from .conditions import EpisodeStub, Facts, FactValue, describe
from .errors import Problem, TimelineError
from .facts import FactName, PoliceRisk
from .limits import DEFAULT_LIMITS, Limits
from .office_hours import in_office_hours, routing_reason
from .plan import (
    EVENT,
    FACT_INDEX,
    MOMENTS,
    PHASED,
    RECORDED_ANCHOR,
    RECURRING,
    TRIGGERED,
    FactTuple,
    History,
    Plan,
    RulePlan,
    plan_for,
)
from .results import (
    RESULT_SCHEMA_VERSION,
    ActionRow,
    ActionStatus,
    CompactEvaluation,
    DeadlineTrace,
    EpisodeResult,
    Evaluation,
    FactChangeApplied,
    FactUsed,
    PendingAction,
    RequiredAction,
    UpcomingAction,
)
from .timeline import Child, Episode, FactChange, Timeline, london_datetime

__all__ = ["episode_facts", "evaluate", "evaluate_compact"]

_RISKS = tuple(PoliceRisk)
_MET, _MET_LATE, _DUE, _OVERDUE = (
    ActionStatus.MET,
    ActionStatus.MET_LATE,
    ActionStatus.DUE,
    ActionStatus.OVERDUE,
)
_DONE = "done"
_EVENT_LABELS = {
    Moment.STARTED: "went missing (last seen)",
    Moment.REPORTED: "reported to police",
    Moment.RETURNED: "returned or located",
    Moment.NOTICED: "noticed missing",
    Moment.PROFESSIONAL_AWARE: "a professional learnt of it",
}
_ARITHMETIC = {
    Unit.MINUTES: "elapsed minutes",
    Unit.HOURS: "elapsed hours",
    Unit.DAYS: "London calendar days",
    Unit.WEEKS: "London calendar weeks",
    Unit.MONTHS: "London calendar months",
    Unit.WORKING_DAYS: "working days (Monday to Friday less England's bank holidays), "
    "due at the end of the last one",
}
# The least a duration can last in elapsed time, whatever the clock changes:
# a trigger that far from its anchor cannot have fired if the child was back by then.
_HOUR = dt.timedelta(hours=1)
_LEAST = {
    Unit.MINUTES: lambda n: dt.timedelta(minutes=n),
    Unit.HOURS: lambda n: dt.timedelta(hours=n),
    Unit.DAYS: lambda n: dt.timedelta(days=n) - _HOUR,
    Unit.WEEKS: lambda n: dt.timedelta(weeks=n) - _HOUR,
    Unit.MONTHS: lambda n: dt.timedelta(days=28 * n) - _HOUR,
    Unit.WORKING_DAYS: lambda n: dt.timedelta(days=n) - _HOUR,
}


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


@lru_cache(maxsize=4096)
def _shifted(anchor_utc: dt.datetime, duration: Duration) -> tuple[dt.datetime, dt.datetime]:
    """``anchor + duration`` in London time and as a UTC instant, remembered."""
    moment = add_duration(to_london(anchor_utc), duration)
    return moment, moment.astimezone(UTC)


@lru_cache(maxsize=1024)
def _skipped(day: dt.date, count: int) -> tuple[dt.date, ...]:
    return working_days_after(day, count)[1]


def _stamp(moment: dt.datetime) -> str:
    return to_london(moment).isoformat()


# --- episodes as known at as_of ---------------------------------------------


# A moment as London time and as a UTC instant; (None, None) when not known.
_At = tuple[dt.datetime | None, dt.datetime | None]


@dataclass(slots=True)
class _Episode:
    """An episode as known at ``as_of``: its moments, facts and classification."""

    source: Episode
    index: int  # position in the timeline's list, for problem paths
    position: int  # position in start order, among the episodes known at as_of
    moments: tuple[_At, ...]  # started, reported, returned, -, noticed, aware (plan.MOMENTS)
    started_u: dt.datetime
    returned_u: dt.datetime | None
    values: FactTuple
    result: EpisodeResult
    # recorded-event anchors (schema 2) found so far: the first such event, or (None, None)
    recorded: dict[Recorded, _At] = field(default_factory=dict)
    # Which of noticed / professional_aware were not recorded, so fell back (see _moment_notes).
    fallbacks: frozenset[Moment] = frozenset()
    # Issue 10: the facts from each change known at as_of on (empty: no changes).
    segments: tuple[_Segment, ...] = ()
    # When each judgement known at as_of was made (London, UTC), for those that say.
    judged_at: dict[str, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)


@dataclass(slots=True)
class _Segment:
    """An episode's facts from a change on: the moment (London and UTC) and the fact tuple."""

    at: dt.datetime
    at_u: dt.datetime
    values: FactTuple
    assumed_by: str | None


def _child_facts(timeline: Timeline) -> tuple[object, ...]:
    child = timeline.child
    return (
        child.case_status.value,
        child.known_to_social_care,
        child.has_allocated_worker,
        child.attends_school or child.attends_secondary_school,
        child.attends_secondary_school,
        child.placed_by_other_authority,
        child.placed_out_of_area,
        frozenset(flag.value for flag in child.flags),
    )


def _facts(
    age: int,
    child: tuple[object, ...],
    episode: Episode,
    *,
    reported: bool,
    risk: int | None,
) -> FactTuple:
    """The fact tuple, in the order of :class:`FactName` (checked by ``_FACT_ORDER``)."""
    return (
        age,
        *child,
        episode.missing_from.value,
        None,  # the category, decided next
        episode.whereabouts_known,
        reported,
        risk,
        frozenset(x.value for x in episode.while_away),
        frozenset(x.value for x in episode.concerns),
    )


def _recorded_facts(child: Child, episode: Episode) -> tuple[object, ...]:
    """Issue 10's facts, appended to the fact tuple in FactName order (unknown: ``None``)."""
    since = child.looked_after_since
    days = None if since is None else (episode.started_at.date() - since).days
    return (
        None if episode.legal_status is None else episode.legal_status.value,
        None if episode.placement_type is None else episode.placement_type.value,
        days if days is not None and days >= 0 else None,
        episode.in_other_area,
        child.subject_to_restrictions,
        None if episode.found_by is None else episode.found_by.value,
        None if child.social_work_area is None else child.social_work_area.value,
        None if episode.in_care_of is None else episode.in_care_of.value,
        _purposes(episode),
    )


def _purposes(episode: Episode) -> frozenset[str] | None:
    feared = episode.feared_removal_from_uk
    return None if feared is None else frozenset(x.value for x in feared)


def _who_reported(
    episode: Episode, reported_u: dt.datetime | None, as_of_u: dt.datetime
) -> tuple[str | None, bool | None]:
    """The facts ``reported_by`` and ``carer_reported_before_professional_aware``, as at as_of.

    ``reported_by`` is known once the report is; the other is unknown until a
    professional's awareness is recorded (and known by as_of), true if the
    parent or carer's report came first (or at the same moment), false if no
    report came first or someone else made it, unknown if the report came first
    but who made it is not recorded.
    """
    by = episode.reported_by.value if reported_u is not None and episode.reported_by else None
    aware_u = _known(episode.professional_aware_at, as_of_u)[1]
    if aware_u is None:
        return by, None
    if reported_u is None or reported_u > aware_u:
        return by, False
    return by, None if by is None else by == "parent_or_carer"


def _noticed_and_aware(
    episode: Episode, started: _At, reported: _At, as_of_u: dt.datetime
) -> tuple[_At, _At, frozenset[Moment]]:
    """The moments ``noticed`` and ``professional_aware`` as known at as_of, and which fell back.

    A moment recorded for after as_of is not yet known; one not recorded at all
    falls back: ``noticed`` to the start (last seen), ``professional_aware`` to
    the report to the police.
    """
    fallbacks: set[Moment] = set()
    if episode.noticed_at is None:
        noticed = started
        fallbacks.add(Moment.NOTICED)
    else:
        noticed = _known(episode.noticed_at, as_of_u)
    if episode.professional_aware_at is None:
        aware = reported
        fallbacks.add(Moment.PROFESSIONAL_AWARE)
    else:
        aware = _known(episode.professional_aware_at, as_of_u)
    return noticed, aware, frozenset(fallbacks)


_FACT_ORDER = (
    FactName.AGE,
    FactName.CASE_STATUS,
    FactName.KNOWN_TO_SOCIAL_CARE,
    FactName.HAS_ALLOCATED_WORKER,
    FactName.ATTENDS_SCHOOL,
    FactName.ATTENDS_SECONDARY_SCHOOL,
    FactName.PLACED_BY_OTHER_AUTHORITY,
    FactName.PLACED_OUT_OF_AREA,
    FactName.CHILD_FLAGS,
    FactName.MISSING_FROM,
    FactName.CATEGORY,
    FactName.WHEREABOUTS_KNOWN,
    FactName.REPORTED_TO_POLICE,
    FactName.POLICE_RISK,
    FactName.WHILE_AWAY,
    FactName.CONCERNS,
    # issue 10's recorded facts, from _recorded_facts
    FactName.LEGAL_STATUS,
    FactName.PLACEMENT_TYPE,
    FactName.DAYS_LOOKED_AFTER,
    FactName.IN_OTHER_AREA,
    FactName.SUBJECT_TO_RESTRICTIONS,
    FactName.FOUND_BY,
    FactName.SOCIAL_WORK_AREA,
    FactName.IN_CARE_OF,
    FactName.FEARED_REMOVAL_FROM_UK,
    FactName.REPORTED_BY,
    FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE,
    FactName.CATEGORIES,
    FactName.JUDGEMENTS,
)
assert tuple(FACT_INDEX) == _FACT_ORDER, "the fact tuple must follow FactName's order"
_CATEGORY = FACT_INDEX[FactName.CATEGORY]
_RISK = FACT_INDEX[FactName.POLICE_RISK]
_RISK_FACT = FactName.POLICE_RISK.value
_CATEGORIES = FACT_INDEX[FactName.CATEGORIES]


def _with(values: FactTuple, index: int, value: object) -> FactTuple:
    return (*values[:index], value, *values[index + 1 :])


def _risk_name(rank: object) -> str | None:
    return _RISKS[rank].value if isinstance(rank, int) else None


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
            episode.missing_from.value,
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
                ),
                started_u,
                returned_u,
                values,
                result,
                fallbacks=fallbacks,
                segments=segments,
                judged_at=judged_at,
            )
        )
    if problems:
        raise TimelineError(problems)
    return views, history


# --- facts that change during an episode (issue 10) ---------------------------------


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
        segments.append(_Segment(change.at, at_u, values, assumed_by))
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


def _segment_at(ep: _Episode, instant: dt.datetime) -> int:
    """Which facts stood at ``instant``: 0 for those at the start, k for the k-th change's."""
    number = 0
    for k, segment in enumerate(ep.segments, start=1):
        if segment.at_u <= instant:
            number = k
        else:
            break
    return number


def _values_of(ep: _Episode, segment: int) -> FactTuple:
    return ep.values if segment == 0 else ep.segments[segment - 1].values


def _judged(
    rule: RulePlan,
    ep: _Episode,
    history: History,
    fired: list[_Firing],
    next_firing: _Firing | None,
) -> tuple[list[_Firing], _Firing | None]:
    """The occurrences of a rule due on the facts as they stood when each fell due.

    An occurrence whose condition fails on the facts at its moment is not owed; a rule fired
    once (on an event, or by time elapsed) whose condition holds only after a later change
    fires at the first such change, if the child is still missing then. What was owed
    under the old facts stays owed. The next occurrence is judged on the latest facts.
    """
    test, position = rule.when.test, ep.position
    kept: list[_Firing] = []
    for firing in fired:
        segment = _segment_at(ep, firing.at_u)
        if test(_values_of(ep, segment), history, position):
            firing.segment = segment
            kept.append(firing)
            continue
        if rule.trigger in (RECURRING, PHASED):
            continue
        for later in range(segment + 1, len(ep.segments) + 1):
            change = ep.segments[later - 1]
            if test(change.values, history, position):
                if _missing_at(ep, change.at_u):
                    kept.append(
                        _Firing(
                            change.at,
                            change.at_u,
                            firing.occurrence,
                            alternative=firing.alternative,
                            phase=firing.phase,
                            segment=later,
                            natural_u=firing.at_u,
                        )
                    )
                break
    if next_firing is not None:
        last = len(ep.segments)
        if test(_values_of(ep, last), history, position):
            next_firing.segment = last
        else:
            next_firing = None
    return kept, next_firing


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


def _tail(
    timeline: Timeline, episode: Episode, reported_u: dt.datetime | None, as_of_u: dt.datetime
) -> tuple[tuple[object, ...], dict[str, tuple[dt.datetime, dt.datetime]]]:
    """The fact tuple after :func:`_facts`: issue 10's recorded facts, who reported, every
    category (None: decided with the category) and the judgements known at ``as_of``; with
    when each judgement was made."""
    judged, judged_at = _judgements_known(episode, as_of_u)
    who = _who_reported(episode, reported_u, as_of_u)
    return (*_recorded_facts(timeline.child, episode), *who, None, judged), judged_at


def _judgements_known(
    episode: Episode, as_of_u: dt.datetime
) -> tuple[frozenset[str], dict[str, tuple[dt.datetime, dt.datetime]]]:
    """The judgement codes known at ``as_of`` (made by then, or undated), and when made."""
    codes: set[str] = set()
    made: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for item in episode.judgements:
        if item.at is None:
            codes.add(item.judgement)
            continue
        instant = _utc(item.at)
        if instant <= as_of_u:
            codes.add(item.judgement)
            made[item.judgement] = (item.at, instant)
    return frozenset(codes), made


def _known(
    moment: dt.datetime | None, as_of_u: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if moment is None:
        return None, None
    instant = _utc(moment)
    return (moment, instant) if instant <= as_of_u else (None, None)


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


# --- recorded events as evidence --------------------------------------------


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
        method = None if event.method is None else event.method.value
        item = (instant, event.at, event.outcome.value, event.recipient, event.by, method)
        found.setdefault((position, event.action), []).append(
            (instant, event.recipient or "", item)
        )
    return {
        key: [item for _, _, item in sorted(items, key=lambda x: (x[0], x[1]))]
        for key, items in found.items()
    }


# --- triggers, deadlines and status -------------------------------------------


@dataclass(slots=True)
class _Firing:
    """One occurrence of a rule's trigger: when (London and UTC) and which occurrence."""

    at: dt.datetime
    at_u: dt.datetime
    occurrence: int | None
    # schema 2: which first_of alternative fired; for a phased series (phase index,
    # number within the phase, the moment the phase counts from, and what that moment is)
    alternative: int | None = None
    phase: tuple[int, int, dt.datetime, str] | None = None
    # Issue 10: whose facts it was judged on (0: the start's; k: the k-th change's), and,
    # for a firing moved to a change, the moment it would have fired without the change.
    segment: int = 0
    natural_u: dt.datetime | None = None
    # The judgement the occurrence waited for (it fired when that was made), and the
    # occurrence as its trigger alone would have fired it.
    waited: tuple[str, _Firing] | None = None


def _missing_at(ep: _Episode, instant: dt.datetime) -> bool:
    return ep.returned_u is None or ep.returned_u > instant


def _firings(
    rule: RulePlan, ep: _Episode, as_of_u: dt.datetime, cap: int
) -> tuple[list[_Firing], _Firing | None]:
    """Occurrences fired by ``as_of``, and the next one if the child is still missing."""
    anchor, anchor_u = ep.moments[rule.anchor]
    if anchor is None or anchor_u is None:
        return [], None
    if rule.trigger == EVENT:
        return [_Firing(anchor, anchor_u, None)], None
    trigger = rule.rule.trigger
    if isinstance(trigger, ElapsedTrigger):
        duration = trigger.missing_for
        if ep.returned_u is not None and ep.returned_u - anchor_u <= _LEAST[duration.unit](
            duration.amount
        ):
            return [], None
        at, at_u = _shifted(anchor_u, duration)
        if not _missing_at(ep, at_u):
            return [], None
        firing = _Firing(at, at_u, None)
        return ([firing], None) if at_u <= as_of_u else ([], firing)
    assert isinstance(trigger, RecurringTrigger)
    return _recurring(rule, trigger, ep, anchor_u, as_of_u=as_of_u, cap=cap)


def _recurring(
    rule: RulePlan,
    trigger: RecurringTrigger,
    ep: _Episode,
    anchor_u: dt.datetime,
    *,
    as_of_u: dt.datetime,
    cap: int,
) -> tuple[list[_Firing], _Firing | None]:
    base, base_u = _shifted(anchor_u, trigger.first)
    stop_u = _shifted(anchor_u, trigger.until)[1] if trigger.until is not None else None
    every = trigger.every
    fired: list[_Firing] = []
    number = 0
    while True:
        at, at_u = (
            (base, base_u)
            if number == 0
            else _shifted(base_u, Duration(every.amount * number, every.unit))
        )
        if (stop_u is not None and at_u >= stop_u) or not _missing_at(ep, at_u):
            return fired, None
        firing = _Firing(at, at_u, number + 1)
        if at_u > as_of_u:
            return fired, firing
        if number >= cap:
            raise TimelineError(
                [
                    Problem(
                        "limit.occurrences_per_rule",
                        f"rule {rule.rule.id} would require more than {cap} occurrences for "
                        f"episode {ep.source.id} by the time evaluated; record the return, "
                        "evaluate as at an earlier moment, or raise the limit "
                        "occurrences_per_rule",
                        path=f"episodes[{ep.index}]",
                    )
                ]
            )
        fired.append(firing)
        number += 1


def _deadline_anchor(rule: RulePlan, ep: _Episode, firing: _Firing) -> _At:
    """The moment an occurrence's deadline counts from (London and UTC)."""
    if rule.deadline_anchor == TRIGGERED:
        return firing.at, firing.at_u
    if rule.deadline_anchor == RECORDED_ANCHOR:
        anchor = rule.rule.deadline.anchor
        assert isinstance(anchor, Recorded)
        return ep.recorded.get(anchor, (None, None))
    return ep.moments[rule.deadline_anchor]


def _due(
    rule: RulePlan, ep: _Episode, firing: _Firing
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When an occurrence is due (London and UTC), or ``None`` if no time is set or known."""
    deadline = _deadline_of(rule, firing)
    anchor, anchor_u = _deadline_anchor(rule, ep, firing)
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return anchor, anchor_u
    if deadline.within is None or anchor_u is None:
        return None, None
    if deadline.or_within is not None:
        return _dual_due(anchor_u, deadline.within, deadline.or_within, deadline.use)[0]
    return _shifted(anchor_u, deadline.within)


def _dual_due(
    anchor_u: dt.datetime, first: Duration, second: Duration, use: str | None
) -> tuple[tuple[dt.datetime, dt.datetime], tuple[dt.datetime, dt.datetime], Duration, Duration]:
    """A dual deadline: (the bound used, the other bound, the duration used, the other)."""
    one, two = _shifted(anchor_u, first), _shifted(anchor_u, second)
    second_used = two[1] < one[1] if use == "earlier" else two[1] > one[1]
    if second_used:
        return two, one, second, first
    return one, two, first, second


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


# --- schema 2: recorded-event anchors, phased series, alternatives ---------------------


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


def _too_many(rule: RulePlan, ep: _Episode, cap: int) -> TimelineError:
    return TimelineError(
        [
            Problem(
                "limit.occurrences_per_rule",
                f"rule {rule.rule.id} would require more than {cap} occurrences for "
                f"episode {ep.source.id} by the time evaluated; record the return, "
                "evaluate as at an earlier moment, or raise the limit "
                "occurrences_per_rule",
                path=f"episodes[{ep.index}]",
            )
        ]
    )


def _fire(
    rule: RulePlan,
    ep: _Episode,
    *,
    as_of_u: dt.datetime,
    cap: int,
    evidence: dict[tuple[int, str], list[_Evidence]],
    history: History,
) -> tuple[list[_Firing], _Firing | None]:
    """Occurrences fired by ``as_of`` and the next one, for every kind of trigger.

    Reads a recorded anchor (and a deadline's) once per episode, so that the
    explanation finds it; the triggers of schema 1 go to :func:`_firings`.
    """
    trigger = rule.rule.trigger
    anchor = rule.rule.deadline.anchor
    if isinstance(anchor, Recorded):
        _recorded_at(ep, anchor, evidence)
    if isinstance(trigger, FirstOf):
        return _first_of(rule, ep, as_of_u=as_of_u, evidence=evidence, history=history)
    if isinstance(trigger, RecordedTrigger):
        at, at_u = _recorded_at(ep, trigger.on, evidence)
        return ([_Firing(at, at_u, None)] if at is not None and at_u is not None else []), None
    if rule.anchor != RECORDED_ANCHOR and not isinstance(trigger, PhasedTrigger):
        return _firings(rule, ep, as_of_u, cap)
    assert isinstance(trigger, RecurringTrigger | PhasedTrigger)
    if isinstance(trigger.anchor, Recorded):
        start, start_u = _recorded_at(ep, trigger.anchor, evidence)
    else:
        start, start_u = ep.moments[rule.anchor]
    if start is None or start_u is None:
        return [], None
    if isinstance(trigger, RecurringTrigger):
        return _recurring(rule, trigger, ep, start_u, as_of_u=as_of_u, cap=cap)
    return _phased(rule, trigger, ep, (start, start_u), as_of_u=as_of_u, cap=cap)


def _phased(
    rule: RulePlan,
    trigger: PhasedTrigger,
    ep: _Episode,
    start: tuple[dt.datetime, dt.datetime],
    *,
    as_of_u: dt.datetime,
    cap: int,
) -> tuple[list[_Firing], _Firing | None]:
    """A series whose pace changes: each phase counts on from the last occurrence so far."""
    anchor_u = start[1]
    base, base_u, base_label = start[0], start[1], trigger.anchor.value
    fired: list[_Firing] = []
    for index, phase in enumerate(trigger.phases):
        stop_u = _shifted(anchor_u, phase.until)[1] if phase.until is not None else None
        first, first_u = _shifted(base_u, phase.first)
        every = phase.every
        number = 0
        while True:
            at, at_u = (
                (first, first_u)
                if number == 0
                else _shifted(first_u, Duration(every.amount * number, every.unit))
            )
            if stop_u is not None and at_u >= stop_u:
                break
            if not _missing_at(ep, at_u):
                return fired, None
            firing = _Firing(at, at_u, len(fired) + 1, phase=(index, number, base, base_label))
            if at_u > as_of_u:
                return fired, firing
            if len(fired) >= cap:
                raise _too_many(rule, ep, cap)
            fired.append(firing)
            number += 1
        if fired:
            last = fired[-1]
            base, base_u, base_label = last.at, last.at_u, f"occurrence {last.occurrence}"
    return fired, None


@lru_cache(maxsize=64)
def _from_trigger(within: Duration) -> Deadline:
    return Deadline(DeadlineKind.WITHIN, within, Moment.TRIGGERED)


def _deadline_of(rule: RulePlan, firing: _Firing) -> Deadline:
    """The rule's deadline, or the deadline of the phase an occurrence belongs to."""
    if firing.phase is not None:
        trigger = rule.rule.trigger
        assert isinstance(trigger, PhasedTrigger)
        within = trigger.phases[firing.phase[0]].within
        if within is not None:
            return _from_trigger(within)
    return rule.rule.deadline


def _single_firing(
    trigger: EventTrigger | ElapsedTrigger | RecordedTrigger,
    ep: _Episode,
    as_of_u: dt.datetime,
    evidence: dict[tuple[int, str], list[_Evidence]],
) -> tuple[_At, bool]:
    """When one alternative fires (or would, if still missing), and whether that is by ``as_of``."""
    if isinstance(trigger, RecordedTrigger):
        at, at_u = _recorded_at(ep, trigger.on, evidence)
        return (at, at_u), at_u is not None
    if isinstance(trigger, EventTrigger):
        at, at_u = ep.moments[MOMENTS[trigger.on]]
        return (at, at_u), at_u is not None
    anchor, anchor_u = ep.moments[MOMENTS[trigger.anchor]]
    if anchor is None or anchor_u is None:
        return (None, None), False
    duration = trigger.missing_for
    if ep.returned_u is not None and ep.returned_u - anchor_u <= _LEAST[duration.unit](
        duration.amount
    ):
        return (None, None), False
    at, at_u = _shifted(anchor_u, duration)
    if not _missing_at(ep, at_u):
        return (None, None), False
    return (at, at_u), at_u <= as_of_u


def _first_of(
    rule: RulePlan,
    ep: _Episode,
    *,
    as_of_u: dt.datetime,
    evidence: dict[tuple[int, str], list[_Evidence]],
    history: History,
) -> tuple[list[_Firing], _Firing | None]:
    """One occurrence, at the earliest alternative that fired (the first listed on a tie).

    If none has fired, the earliest that would fire if the child is still missing is next.
    """
    fired: _Firing | None = None
    upcoming: _Firing | None = None
    for index, (alternative, when) in enumerate(rule.alternatives):
        if not when.test(ep.values, history, ep.position):
            continue
        (at, at_u), by_now = _single_firing(alternative.trigger, ep, as_of_u, evidence)
        if at is None or at_u is None:
            continue
        if by_now:
            if fired is None or at_u < fired.at_u:
                fired = _Firing(at, at_u, None, alternative=index)
        elif upcoming is None or at_u < upcoming.at_u:
            upcoming = _Firing(at, at_u, None, alternative=index)
    if fired is not None:
        return [fired], None
    return [], upcoming


def _alternative_text(
    trigger: EventTrigger | ElapsedTrigger | RecordedTrigger, ep: _Episode, firing: _Firing
) -> str:
    if isinstance(trigger, RecordedTrigger):
        return f"{trigger.on.value} at {_stamp(firing.at)}"
    if isinstance(trigger, EventTrigger):
        return f"{_EVENT_LABELS[trigger.on]} at {_stamp(firing.at)}"
    anchor = ep.moments[MOMENTS[trigger.anchor]][0]
    assert anchor is not None
    return f"still missing {trigger.missing_for} after {trigger.anchor.value} ({_stamp(anchor)})"


def _schema2_trigger_text(rule: RulePlan, ep: _Episode, firing: _Firing) -> str:
    """How a trigger of schema 2 fired, in the words the oracle uses."""
    trigger = rule.rule.trigger
    if isinstance(trigger, FirstOf):
        assert firing.alternative is not None
        alternative = trigger.alternatives[firing.alternative]
        return (
            f"alternative {firing.alternative + 1} of {len(trigger.alternatives)}: "
            + _alternative_text(alternative.trigger, ep, firing)
        )
    if isinstance(trigger, RecordedTrigger):
        return _alternative_text(trigger, ep, firing)
    if isinstance(trigger, PhasedTrigger):
        assert firing.phase is not None
        index, number, base, label = firing.phase
        phase = trigger.phases[index]
        return (
            f"occurrence {firing.occurrence}: phase {index + 1} of {len(trigger.phases)}, "
            f"still missing at {phase.first} + {number} x {phase.every} after {label} "
            f"({_stamp(base)})"
        )
    assert isinstance(trigger, RecurringTrigger)
    anchor = ep.recorded.get(trigger.anchor, (None, None))[0]  # type: ignore[arg-type]
    assert anchor is not None
    number = (firing.occurrence or 1) - 1
    return (
        f"occurrence {number + 1}: still missing at {trigger.first} + {number} x "
        f"{trigger.every} after {trigger.anchor.value} ({_stamp(anchor)})"
    )


def _facts_used(
    rule: RulePlan, ep: _Episode, history: History, firing: _Firing
) -> tuple[FactUsed, ...]:
    """The facts that made the rule apply, as they stood when it fell due, and those of the
    alternative that fired."""
    values = _values_of(ep, firing.segment)
    used = rule.when.why(values, history, ep.position)
    if firing.alternative is not None:
        used += rule.alternatives[firing.alternative][1].why(values, history, ep.position)
    if not firing.segment:
        return _assumed(ep, used)
    return _assumed(ep, used, ep.segments[firing.segment - 1].assumed_by)


def _met_kind(run: _Run, item: _Found) -> str | None:
    """The kind of the event that met an action with alternative kinds (else ``None``)."""
    met = item.met
    if met is None or len(item.rule.kinds) <= 1:
        return None
    for kind in item.rule.kinds:
        if any(entry is met for entry in run.evidence.get((item.ep.position, kind), ())):
            return kind
    raise AssertionError("an action was met by an event of none of its kinds")


# --- the actions of one episode ------------------------------------------------


@dataclass(slots=True)
class _Found:
    """A required action, before (and without) its explanation."""

    rule: RulePlan
    ep: _Episode
    recipient: str | None
    responsible: str
    responsible_reason: str
    firing: _Firing
    due: dt.datetime | None
    due_u: dt.datetime | None
    met: _Evidence | None
    status: ActionStatus
    id: str


@dataclass(slots=True)
class _Upcoming:
    rule: RulePlan
    ep: _Episode
    recipient: str | None
    responsible: str
    firing: _Firing


@dataclass(slots=True)
class _Pending:
    rule: RulePlan
    ep: _Episode
    recipient: str | None
    responsible: str
    firing: _Firing
    awaiting: tuple[tuple[str, ...], ...]


def _after_judgements(rule: RulePlan, ep: _Episode, fired: list[_Firing]) -> list[_Firing]:
    """Occurrences moved to when the judgements the rule names were made, if later.

    The latest recorded (and dated) judgement among those the condition names
    sets the earliest moment the duty can arise.
    """
    latest: tuple[dt.datetime, str, dt.datetime] | None = None
    for code in rule.judgements:
        made = ep.judged_at.get(code)
        if made is not None and (latest is None or made[1] > latest[0]):
            latest = (made[1], code, made[0])
    if latest is None:
        return fired
    at_u, code, at = latest
    return [
        replace(firing, at=at, at_u=at_u, waited=(code, firing)) if firing.at_u < at_u else firing
        for firing in fired
    ]


def _awaited(
    rule: RulePlan, values: FactTuple, history: History, position: int
) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of unrecorded judgements that would make the rule's condition hold."""
    index = FACT_INDEX[FactName.JUDGEMENTS]
    recorded = values[index]
    assert isinstance(recorded, frozenset)
    found: list[tuple[str, ...]] = []
    for subset in rule.judgement_subsets:
        if not recorded.isdisjoint(subset):
            continue
        if any(set(smaller) <= set(subset) for smaller in found):
            continue
        if rule.when.test(_with(values, index, recorded | frozenset(subset)), history, position):
            found.append(subset)
    return tuple(found)


def _waiting(
    plan: Plan, values: FactTuple, history: History, position: int
) -> tuple[tuple[RulePlan, tuple[tuple[str, ...], ...]], ...]:
    """Judgement rules whose condition does not hold on ``values`` but would, and the
    judgements awaited.

    For rules that do not count episodes this depends only on the fact tuple, and is
    remembered per tuple (as which rules apply is).
    """

    def find(rules: Sequence[RulePlan]) -> tuple[tuple[RulePlan, tuple[tuple[str, ...], ...]], ...]:
        found = []
        for rule_plan in rules:
            if rule_plan.when.test(values, history, position):
                continue
            awaiting = _awaited(rule_plan, values, history, position)
            if awaiting:
                found.append((rule_plan, awaiting))
        return tuple(found)

    static = plan.awaited.get(
        values, lambda: find([r for r in plan.judgement_rules if not r.when.counts])
    )
    counting = [r for r in plan.judgement_rules if r.when.counts]
    if not counting:
        return static
    return tuple(sorted(static + find(counting), key=lambda item: item[0].order))


def _episode_pending(
    plan: Plan,
    ep: _Episode,
    *,
    history: History,
    evidence: dict[tuple[int, str], list[_Evidence]],
    as_of_u: dt.datetime,
    pending: list[_Pending],
    cap: int,
) -> None:
    """Rules fired for this episode that wait on a judgement or outcome not recorded.

    Judged on the episode's facts as they stand at ``as_of`` (after its last change known).
    """
    latest = _values_of(ep, len(ep.segments))
    for rule_plan, awaiting in _waiting(plan, latest, history, ep.position):
        fired, _ = _fire(
            rule_plan, ep, as_of_u=as_of_u, cap=cap, evidence=evidence, history=history
        )
        if not fired:
            continue
        fired = _after_judgements(rule_plan, ep, fired)
        responsible, _ = _responsible(rule_plan, latest, history, ep.position)
        for recipient in rule_plan.rule.recipients:
            pending.append(_Pending(rule_plan, ep, recipient, responsible, fired[0], awaiting))


def _responsible(
    rule: RulePlan, values: FactTuple, history: History, position: int
) -> tuple[str, str]:
    if rule.rule.responsible is not None:
        return rule.rule.responsible, "named by the rule"
    for when, role, reason in rule.options:
        if when.test(values, history, position):
            return role, reason
    return "unallocated", rule.unallocated_reason


def _applicable(plan: Plan, ep: _Episode, history: History) -> Sequence[RulePlan]:
    if ep.segments:
        return _applicable_some_time(plan, ep, history)
    values, position = ep.values, ep.position
    static = plan.applicable.get(
        values,
        lambda: tuple(r for r in plan.static_rules if r.when.test(values, history, position)),
    )
    if not plan.counting_rules:
        return static
    return static + tuple(r for r in plan.counting_rules if r.when.test(values, history, position))


def _applicable_some_time(plan: Plan, ep: _Episode, history: History) -> Sequence[RulePlan]:
    """For an episode whose facts changed: the rules that apply on any of its sets of facts."""
    found: dict[int, RulePlan] = {}
    position = ep.position
    for values in (ep.values, *(segment.values for segment in ep.segments)):
        static = plan.applicable.get(
            values,
            lambda values=values: tuple(  # type: ignore[misc]
                r for r in plan.static_rules if r.when.test(values, history, position)
            ),
        )
        for rule in static:
            found[rule.order] = rule
        for rule in plan.counting_rules:
            if rule.order not in found and rule.when.test(values, history, position):
                found[rule.order] = rule
    return [found[order] for order in sorted(found)]


def _episode_actions(
    plan: Plan,
    ep: _Episode,
    *,
    history: History,
    evidence: dict[tuple[int, str], list[_Evidence]],
    child_id: str,
    as_of_u: dt.datetime,
    found: list[_Found],
    upcoming: list[_Upcoming],
    cap: int,
) -> None:
    prefix = f"{plan.protocol.id}:{child_id}:{ep.source.id}:"
    for rule_plan in _applicable(plan, ep, history):
        rule = rule_plan.rule
        fired, next_firing = _fire(
            rule_plan, ep, as_of_u=as_of_u, cap=cap, evidence=evidence, history=history
        )
        if ep.segments:
            fired, next_firing = _judged(rule_plan, ep, history, fired, next_firing)
        if not fired and next_firing is None:
            continue
        if rule_plan.judgements and fired:
            fired = _after_judgements(rule_plan, ep, fired)
        first = fired[0] if fired else next_firing
        assert first is not None
        responsible, reason = _responsible(
            rule_plan, _values_of(ep, first.segment), history, ep.position
        )
        recipients = rule.recipients
        if rule.out_of_hours is not None:
            decides = first
            responsible, reason, recipients = _routed(
                plan.protocol, rule, decides.at, responsible, reason
            )
            if not recipients:
                continue  # the duty arises only in office hours
        pool = _pool(rule_plan, ep, evidence)
        opens = [ep.started_u if rule_plan.from_start else f.at_u for f in fired]
        closes: list[dt.datetime | None] = [f.at_u for f in fired[1:]]
        if fired:
            closes.append(next_firing.at_u if next_firing is not None else None)
        dues = [_due(rule_plan, ep, firing) for firing in fired]
        no_evidence = [None] * len(fired)
        for recipient in recipients:
            candidates = [
                item
                for item in pool
                if item[2] in rule.satisfied_by
                and (recipient is None or item[3] == recipient)
                and (item[4] is None or item[4] == responsible or item[4] in rule_plan.other_roles)
                and (rule.methods is None or item[5] in rule.methods)
            ]
            done = _assign(candidates, opens, closes) if candidates else no_evidence
            for firing, (due, due_u), met in zip(fired, dues, done, strict=True):
                action_id = prefix + rule.id
                if firing.occurrence is not None:
                    action_id += f"#{firing.occurrence}"
                if recipient is not None:
                    action_id += f"@{recipient}"
                if met is not None:
                    status = _MET if due_u is None or met[0] <= due_u else _MET_LATE
                else:
                    status = _OVERDUE if due_u is not None and as_of_u > due_u else _DUE
                found.append(
                    _Found(
                        rule_plan,
                        ep,
                        recipient,
                        responsible,
                        reason,
                        firing,
                        due,
                        due_u,
                        met,
                        status,
                        action_id,
                    )
                )
            if next_firing is not None:
                upcoming.append(_Upcoming(rule_plan, ep, recipient, responsible, next_firing))


def _routed(
    protocol: Protocol, rule: Rule, at: dt.datetime, responsible: str, reason: str
) -> tuple[str, str, tuple[str | None, ...]]:
    """Who does a rule with out-of-hours routing, why, and to whom, by when it fired."""
    ooh, hours = rule.out_of_hours, protocol.office_hours
    assert ooh is not None
    assert hours is not None
    in_hours = in_office_hours(hours, at)
    why = routing_reason(hours, ooh, at, in_hours)
    if in_hours and not ooh.in_hours_required:
        return responsible, why, ()
    if in_hours:
        return responsible, f"{reason}; {why}", rule.recipients
    if not ooh.required:
        return responsible, why, ()
    if ooh.responsible is not None:
        responsible, reason = ooh.responsible, why
    else:
        reason = f"{reason}; {why}"
    recipients = ooh.recipients if ooh.recipients is not None else rule.recipients
    return responsible, reason, recipients


@dataclass(frozen=True, slots=True)
class _Run:
    as_of: dt.datetime
    views: list[_Episode]
    history: History
    found: list[_Found]
    upcoming: list[_Upcoming]
    evidence: dict[tuple[int, str], list[_Evidence]] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)


def _check_span(timeline: Timeline, as_of_u: dt.datetime, limits: Limits) -> None:
    """Refuse an evaluation that would span more time than the limit allows."""
    first = min(range(len(timeline.episodes)), key=lambda i: _utc(timeline.episodes[i].started_at))
    span = as_of_u - _utc(timeline.episodes[first].started_at)
    if span > dt.timedelta(days=limits.evaluation_span_days):
        raise TimelineError(
            [
                Problem(
                    "limit.evaluation_span",
                    f"evaluating {span.days} days after the first episode began is more than "
                    f"the limit of {limits.evaluation_span_days} days; evaluate as at an "
                    "earlier moment, or raise the limit evaluation_span_days",
                    path=f"episodes[{first}].started_at",
                )
            ]
        )


def _run(protocol: Protocol, timeline: Timeline, as_of: dt.datetime, limits: Limits) -> _Run:
    plan = plan_for(protocol)
    if not limits.earliest_year <= as_of.year <= limits.latest_year:
        raise TimelineError(
            [
                Problem(
                    "limit.date_range",
                    f"the moment evaluated is outside the years {limits.describe_date_range()} "
                    "that any record holds: check the year, or raise the limits earliest_year "
                    "or latest_year",
                    path="as_of",
                )
            ]
        )
    as_of = london_datetime(as_of)
    as_of_u = _utc(as_of)
    _check_span(timeline, as_of_u, limits)
    views, history = _classify(plan, timeline, as_of_u)
    evidence = _evidence(timeline, views, as_of_u)
    found: list[_Found] = []
    upcoming: list[_Upcoming] = []
    for ep in views:
        _episode_actions(
            plan,
            ep,
            history=history,
            evidence=evidence,
            child_id=timeline.child.id,
            as_of_u=as_of_u,
            found=found,
            upcoming=upcoming,
            cap=limits.occurrences_per_rule,
        )
    pending: list[_Pending] = []
    if plan.judgement_rules:
        for ep in views:
            _episode_pending(
                plan,
                ep,
                history=history,
                evidence=evidence,
                as_of_u=as_of_u,
                pending=pending,
                cap=limits.occurrences_per_rule,
            )
    found.sort(key=lambda f: (f.firing.at_u, f.rule.order, f.ep.source.id, f.id))
    upcoming.sort(key=lambda u: (u.firing.at_u, u.rule.order, u.ep.source.id))
    pending.sort(key=lambda p: (p.firing.at_u, p.rule.order, p.ep.source.id, p.recipient or ""))
    return _Run(as_of, views, history, found, upcoming, evidence, pending)


# --- explanation, made only for the full result ---------------------------------


def _trigger_text(rule: RulePlan, ep: _Episode, firing: _Firing) -> str:
    natural = firing
    if firing.natural_u is not None:  # moved to a change: say when it would have fired
        natural = _Firing(
            firing.natural_u,
            firing.natural_u,
            firing.occurrence,
            alternative=firing.alternative,
            phase=firing.phase,
        )
    text = _natural_trigger_text(rule, ep, natural)
    if not firing.segment:
        return text
    change = ep.result.changes[firing.segment - 1]
    if firing.natural_u is not None:
        return (
            f"{text}; its condition held only from the change at {_stamp(change.at)} "
            f"({change.what}), while the child was still missing"
        )
    return f"{text}; judged on the facts as changed at {_stamp(change.at)} ({change.what})"


def _natural_trigger_text(rule: RulePlan, ep: _Episode, firing: _Firing) -> str:
    trigger = rule.rule.trigger
    if rule.trigger > RECURRING or rule.anchor == RECORDED_ANCHOR:
        return _schema2_trigger_text(rule, ep, firing)
    if isinstance(trigger, EventTrigger):
        return f"{_EVENT_LABELS[trigger.on]}{_fallback_note(ep, trigger.on)} at {_stamp(firing.at)}"
    anchor = ep.moments[rule.anchor][0]
    assert anchor is not None
    if isinstance(trigger, ElapsedTrigger):
        return (
            f"still missing {trigger.missing_for} after {trigger.anchor.value} ({_stamp(anchor)})"
        )
    assert isinstance(trigger, RecurringTrigger)
    number = (firing.occurrence or 1) - 1
    return (
        f"occurrence {number + 1}: still missing at {trigger.first} + {number} x "
        f"{trigger.every} after {trigger.anchor.value} ({_stamp(anchor)})"
    )


def _fallback_note(ep: _Episode, moment: Moment | Recorded) -> str:
    """Said of a moment that was not recorded and fell back to another."""
    if isinstance(moment, Moment) and moment in ep.fallbacks:
        return _FALLBACK_NOTES[moment]
    return ""


_FALLBACK_NOTES = {
    Moment.NOTICED: " (noticed_at not recorded: the time last seen is used)",
    Moment.PROFESSIONAL_AWARE: " (professional_aware_at not recorded: the report to the "
    "police is used)",
}


def _met_after_minutes(rule: RulePlan, ep: _Episode, item: _Found) -> int | None:
    """For a without-delay deadline that was met: whole minutes from its anchor to the doing."""
    if rule.rule.deadline.kind is not DeadlineKind.WITHOUT_DELAY or item.met is None:
        return None
    anchor_u = _deadline_anchor(rule, ep, item.firing)[1]
    if anchor_u is None:
        return None
    return int((item.met[0] - anchor_u).total_seconds() // 60)


def _trace(rule: RulePlan, ep: _Episode, firing: _Firing) -> DeadlineTrace:
    deadline = _deadline_of(rule, firing)
    trace = _trace_of(rule, ep, firing)
    if deadline.anchor is Moment.TRIGGERED:
        return trace
    note = _fallback_note(ep, deadline.anchor)
    return dataclasses.replace(trace, arithmetic=trace.arithmetic + note) if note else trace


def _trace_of(rule: RulePlan, ep: _Episode, firing: _Firing) -> DeadlineTrace:
    deadline = _deadline_of(rule, firing)
    anchor_at = _deadline_anchor(rule, ep, firing)[0]
    anchor = deadline.anchor.value
    if deadline.kind is DeadlineKind.WITHOUT_DELAY:
        return DeadlineTrace(
            "without delay",
            anchor,
            anchor_at,
            "the text asks for it without delay: no fixed time; never overdue, and the time "
            "taken is shown once done",
            (),
        )
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return DeadlineTrace(
            "immediately", anchor, anchor_at, "due at the moment it is triggered", ()
        )
    if deadline.within is None:
        return DeadlineTrace(
            "unspecified", anchor, anchor_at, "the protocol sets no time limit; never overdue", ()
        )
    rule_text = f"within {deadline.within} of {anchor}"
    arithmetic = _ARITHMETIC[deadline.within.unit]
    if anchor_at is None:
        return DeadlineTrace(
            rule_text,
            anchor,
            None,
            f"{arithmetic}; not yet computable: no {anchor} time recorded",
            (),
        )
    if deadline.or_within is not None:
        return _dual_trace(deadline.within, deadline.or_within, deadline.use, anchor, anchor_at)
    skipped: tuple[dt.date, ...] = ()
    if deadline.within.unit is Unit.WORKING_DAYS:
        skipped = _skipped(to_london(anchor_at).date(), deadline.within.amount)
    return DeadlineTrace(rule_text, anchor, anchor_at, arithmetic, skipped)


def _dual_trace(
    first: Duration, second: Duration, use: str | None, anchor: str, anchor_at: dt.datetime
) -> DeadlineTrace:
    """The trace of a dual deadline: the bound used, and the other beside it."""
    used, other, used_d, other_d = _dual_due(_utc(anchor_at), first, second, use)
    rule_text = f"within {first} or {second} of {anchor}, whichever is {use}"
    arithmetic = (
        f"{used_d}: {_ARITHMETIC[used_d.unit]}, {_stamp(used[0])}; {other_d}: "
        f"{_ARITHMETIC[other_d.unit]}, {_stamp(other[0])}; the {use} is due"
    )
    skipped: tuple[dt.date, ...] = ()
    if used_d.unit is Unit.WORKING_DAYS:
        skipped = _skipped(to_london(anchor_at).date(), used_d.amount)
    return DeadlineTrace(
        rule_text,
        anchor,
        anchor_at,
        arithmetic,
        skipped,
        other_bound=f"within {other_d} of {anchor}",
        other_due_at=other[0],
    )


def _waited_text(rule: RulePlan, ep: _Episode, firing: _Firing) -> str:
    """How the trigger fired, and the judgement it then waited for, if any."""
    if firing.waited is None:
        return _trigger_text(rule, ep, firing)
    code, fired = firing.waited
    return (
        f"{_trigger_text(rule, ep, fired)}; required from when {code} was recorded "
        f"({_stamp(firing.at)})"
    )


def _pending(item: _Pending) -> PendingAction:
    rule = item.rule
    assert rule.rule.when is not None
    return PendingAction(
        kind=rule.action,
        rule_id=rule.rule.id,
        episode_id=item.ep.source.id,
        obligation=rule.obligation,
        responsible=item.responsible,
        recipient=item.recipient,
        triggered_at=item.firing.at,
        awaiting=item.awaiting,
        condition=describe(rule.rule.when),
        citation=rule.citation,
    )


def _explained(run: _Run, item: _Found) -> RequiredAction:
    rule_plan, ep, firing = item.rule, item.ep, item.firing
    rule = rule_plan.rule
    return RequiredAction(
        id=item.id,
        kind=rule_plan.action,
        obligation=rule_plan.obligation,
        rule_id=rule.id,
        topic=rule_plan.topic,
        episode_id=ep.source.id,
        responsible=item.responsible,
        responsible_reason=item.responsible_reason,
        recipient=item.recipient,
        triggered_at=firing.at,
        due_at=item.due,
        occurrence=firing.occurrence,
        status=item.status,
        met_at=item.met[1] if item.met else None,
        trigger=_waited_text(rule_plan, ep, firing),
        facts=_facts_used(rule_plan, ep, run.history, firing),
        deadline=_trace(rule_plan, ep, firing),
        citation=rule_plan.citation,
        note=rule.note,
        alternative_kinds=rule.alternative_actions,
        met_kind=_met_kind(run, item),
        met_after_minutes=_met_after_minutes(rule_plan, ep, item),
    )


def _assumed(
    ep: _Episode, facts: tuple[FactUsed, ...], assumed: str | None = ""
) -> tuple[FactUsed, ...]:
    """The facts an action rests on, a police risk held by an ungraded statement said so."""
    assumed_by = ep.result.police_risk_assumed_by if assumed == "" else assumed
    if assumed_by is None:
        return facts
    return tuple(
        FactUsed(f.fact, f"{f.value} (not graded by the police: held by {assumed_by})", f.test)
        if f.fact == _RISK_FACT
        else f
        for f in facts
    )


def _upcoming(item: _Upcoming) -> UpcomingAction:
    rule = item.rule
    return UpcomingAction(
        kind=rule.action,
        rule_id=rule.rule.id,
        episode_id=item.ep.source.id,
        obligation=rule.obligation,
        responsible=item.responsible,
        recipient=item.recipient,
        triggers_at=item.firing.at,
        occurrence=item.firing.occurrence,
        condition=f"if still missing at {_stamp(item.firing.at)}: "
        + _trigger_text(item.rule, item.ep, item.firing),
        citation=item.rule.citation,
    )


# --- the public functions ---------------------------------------------------------


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
    run = _run(protocol, timeline, as_of, limits)
    rows = tuple(
        ActionRow(
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

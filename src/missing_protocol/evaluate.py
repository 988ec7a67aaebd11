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
import datetime as dt
import gc
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .calendar import UTC, Duration, Unit, add_duration, to_london, working_days_after
from .compiled import (
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    Moment,
    Protocol,
    RecurringTrigger,
)
from .conditions import EpisodeStub, Facts, FactValue, describe
from .errors import Problem, TimelineError
from .facts import FactName, PoliceRisk
from .limits import DEFAULT_LIMITS, Limits
from .plan import (
    EVENT,
    FACT_INDEX,
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
    PendingAction,
    RequiredAction,
    UpcomingAction,
)
from .timeline import Episode, Timeline, london_datetime

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
    moments: tuple[_At, _At, _At]  # started, reported, returned (plan.MOMENTS order)
    started_u: dt.datetime
    returned_u: dt.datetime | None
    values: FactTuple
    result: EpisodeResult
    # When each judgement known at as_of was made (London, UTC), for those that say.
    judged_at: dict[str, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)


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
    judged: frozenset[str] = frozenset(),
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
        judged,
    )


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
    FactName.JUDGEMENTS,
)
assert tuple(FACT_INDEX) == _FACT_ORDER, "the fact tuple must follow FactName's order"
_CATEGORY = FACT_INDEX[FactName.CATEGORY]
_RISK = FACT_INDEX[FactName.POLICE_RISK]


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
        judged, judged_at = _judgements_known(episode, as_of_u)
        values = _facts(
            age, child, episode, reported=reported_at is not None, risk=rank, judged=judged
        )
        if episode.category is not None:
            if episode.category not in plan.category_ids:
                problems.append(_unknown_category(plan.protocol, episode, index))
                continue
            category, reason = episode.category, "given in the timeline"
        else:
            derived = next(
                (
                    (category_id, text)
                    for category_id, when, text in plan.categories
                    if when.test(values, history, -1)
                ),
                None,
            )
            if derived is None:
                problems.append(_no_category(plan.protocol, episode, index))
                continue
            category, reason = derived
        values = _with(values, _CATEGORY, category)
        position = history.add(started_u, episode.started_at, category)
        effective, floor_id, floor_reason = _floors(plan, values, history, position)
        values = _with(values, _RISK, effective)
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
                ),
                started_u,
                returned_u,
                values,
                result,
                judged_at,
            )
        )
    if problems:
        raise TimelineError(problems)
    return views, history


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


def _unknown_category(protocol: Protocol, episode: Episode, index: int) -> Problem:
    known = sorted(category.id for category in protocol.categories)
    return Problem(
        "timeline.unknown_category",
        f"{episode.category!r} is not a category of protocol {protocol.id!r} "
        f"({', '.join(known)}); use one of them, or omit category "
        "to have the protocol derive it",
        path=f"episodes[{index}].category",
    )


def _no_category(protocol: Protocol, episode: Episode, index: int) -> Problem:
    return Problem(
        "timeline.no_category",
        f"no category of protocol {protocol.id!r} applies to episode {episode.id}; "
        "give its category",
        path=f"episodes[{index}].category",
    )


# --- recorded events as evidence --------------------------------------------


# (instant, London time, outcome, recipient, by) of one recorded event.
_Evidence = tuple[dt.datetime, dt.datetime, str, str | None, str | None]


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
            item: _Evidence = (reported_u, reported_at, _DONE, None, None)
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
        item = (instant, event.at, event.outcome.value, event.recipient, event.by)
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
    return ep.moments[rule.deadline_anchor]


def _due(
    rule: RulePlan, ep: _Episode, firing: _Firing
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When an occurrence is due (London and UTC), or ``None`` if no time is set or known."""
    deadline = rule.rule.deadline
    anchor, anchor_u = _deadline_anchor(rule, ep, firing)
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return anchor, anchor_u
    if deadline.within is None or anchor_u is None:
        return None, None
    return _shifted(anchor_u, deadline.within)


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
        _Firing(at, at_u, firing.occurrence, (code, firing)) if firing.at_u < at_u else firing
        for firing in fired
    ]


def _awaited(rule: RulePlan, ep: _Episode, history: History) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of unrecorded judgements that would make the rule's condition hold."""
    index = FACT_INDEX[FactName.JUDGEMENTS]
    recorded = ep.values[index]
    assert isinstance(recorded, frozenset)
    found: list[tuple[str, ...]] = []
    for subset in rule.judgement_subsets:
        if not recorded.isdisjoint(subset):
            continue
        if any(set(smaller) <= set(subset) for smaller in found):
            continue
        values = _with(ep.values, index, recorded | frozenset(subset))
        if rule.when.test(values, history, ep.position):
            found.append(subset)
    return tuple(found)


def _waiting(
    plan: Plan, ep: _Episode, history: History
) -> tuple[tuple[RulePlan, tuple[tuple[str, ...], ...]], ...]:
    """Judgement rules whose condition does not hold but would, and the judgements awaited.

    For rules that do not count episodes this depends only on the fact tuple, and is
    remembered per tuple (as which rules apply is).
    """

    def find(rules: Sequence[RulePlan]) -> tuple[tuple[RulePlan, tuple[tuple[str, ...], ...]], ...]:
        found = []
        for rule_plan in rules:
            if rule_plan.when.test(ep.values, history, ep.position):
                continue
            awaiting = _awaited(rule_plan, ep, history)
            if awaiting:
                found.append((rule_plan, awaiting))
        return tuple(found)

    static = plan.awaited.get(
        ep.values, lambda: find([r for r in plan.judgement_rules if not r.when.counts])
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
    as_of_u: dt.datetime,
    pending: list[_Pending],
    cap: int,
) -> None:
    """Rules fired for this episode that wait on a judgement or outcome not recorded."""
    for rule_plan, awaiting in _waiting(plan, ep, history):
        fired, _ = _firings(rule_plan, ep, as_of_u, cap)
        if not fired:
            continue
        fired = _after_judgements(rule_plan, ep, fired)
        responsible, _ = _responsible(rule_plan, ep.values, history, ep.position)
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
    values, position = ep.values, ep.position
    static = plan.applicable.get(
        values,
        lambda: tuple(r for r in plan.static_rules if r.when.test(values, history, position)),
    )
    if not plan.counting_rules:
        return static
    return static + tuple(r for r in plan.counting_rules if r.when.test(values, history, position))


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
        fired, next_firing = _firings(rule_plan, ep, as_of_u, cap)
        if not fired and next_firing is None:
            continue
        if rule_plan.judgements and fired:
            fired = _after_judgements(rule_plan, ep, fired)
        responsible, reason = _responsible(rule_plan, ep.values, history, ep.position)
        pool = evidence.get((ep.position, rule_plan.action), ())
        opens = [ep.started_u if rule_plan.from_start else f.at_u for f in fired]
        closes: list[dt.datetime | None] = [f.at_u for f in fired[1:]]
        if fired:
            closes.append(next_firing.at_u if next_firing is not None else None)
        dues = [_due(rule_plan, ep, firing) for firing in fired]
        no_evidence = [None] * len(fired)
        for recipient in rule.recipients:
            candidates = [
                item
                for item in pool
                if item[2] in rule.satisfied_by
                and (recipient is None or item[3] == recipient)
                and (item[4] is None or item[4] == responsible)
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


@dataclass(frozen=True, slots=True)
class _Run:
    as_of: dt.datetime
    views: list[_Episode]
    history: History
    found: list[_Found]
    upcoming: list[_Upcoming]
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
                as_of_u=as_of_u,
                pending=pending,
                cap=limits.occurrences_per_rule,
            )
    found.sort(key=lambda f: (f.firing.at_u, f.rule.order, f.ep.source.id, f.id))
    upcoming.sort(key=lambda u: (u.firing.at_u, u.rule.order, u.ep.source.id))
    pending.sort(key=lambda p: (p.firing.at_u, p.rule.order, p.ep.source.id, p.recipient or ""))
    return _Run(as_of, views, history, found, upcoming, pending)


# --- explanation, made only for the full result ---------------------------------


def _trigger_text(rule: RulePlan, ep: _Episode, firing: _Firing) -> str:
    trigger = rule.rule.trigger
    if isinstance(trigger, EventTrigger):
        return f"{_EVENT_LABELS[trigger.on]} at {_stamp(firing.at)}"
    anchor = ep.moments[rule.anchor][0]
    assert anchor is not None
    if isinstance(trigger, ElapsedTrigger):
        return (
            f"still missing {trigger.missing_for} after {trigger.anchor.value} ({_stamp(anchor)})"
        )
    number = (firing.occurrence or 1) - 1
    return (
        f"occurrence {number + 1}: still missing at {trigger.first} + {number} x "
        f"{trigger.every} after {trigger.anchor.value} ({_stamp(anchor)})"
    )


def _trace(rule: RulePlan, ep: _Episode, firing: _Firing) -> DeadlineTrace:
    deadline = rule.rule.deadline
    anchor_at = _deadline_anchor(rule, ep, firing)[0]
    anchor = deadline.anchor.value
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
    skipped: tuple[dt.date, ...] = ()
    if deadline.within.unit is Unit.WORKING_DAYS:
        skipped = _skipped(to_london(anchor_at).date(), deadline.within.amount)
    return DeadlineTrace(rule_text, anchor, anchor_at, arithmetic, skipped)


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
        facts=rule_plan.when.why(ep.values, run.history, ep.position),
        deadline=_trace(rule_plan, ep, firing),
        citation=rule_plan.citation,
        note=rule.note,
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
        stubs.append(EpisodeStub(started_at, str(view.values[_CATEGORY])))
        values: dict[FactName, FactValue] = {
            name: view.values[i]  # type: ignore[misc]
            for name, i in FACT_INDEX.items()
        }
        out[view.source.id] = Facts(values, started_at, tuple(stubs))
    return out

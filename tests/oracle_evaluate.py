"""The reference evaluator: the engine as it was before the fast path, kept as a test oracle.

The fast evaluator (``missing_protocol.evaluate``) must give exactly the same
result as this one on every golden case and on generated timelines
(``tests/test_fast_path.py``). It reads the compiled protocol directly and
interprets conditions with ``missing_protocol.conditions.holds``; it is slow
and simple on purpose. Its moments are compared as instants (UTC), as the
fast evaluator's are.

Evaluation: ``(protocol, timeline, as_of) -> Evaluation``, a pure function.

For each episode the child had started by ``as_of``:

1. the facts are gathered as known at ``as_of`` (a return or report recorded
   for later is not yet known);
2. the area category is taken from the timeline, or derived by the first of
   the protocol's categories whose condition holds (using the police risk as
   recorded);
3. the protocol's risk floors raise a forbidden police risk level;
4. every rule whose condition holds and whose trigger has fired yields one
   required action per occurrence and recipient, with its deadline and its
   status judged against the recorded events; triggers that will fire later
   if the child is still missing are listed as upcoming.

Nothing here reads files, the clock, or global state: the same inputs always
give the same output, whatever the order of episodes and events in the input.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from missing_protocol.calendar import (
    LONDON,
    UTC,
    Duration,
    Unit,
    add_duration,
    bank_holidays,
    to_london,
    working_days_after,
)
from missing_protocol.compiled import (
    Deadline,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    Moment,
    OfficeHours,
    PhasedTrigger,
    Pred,
    Protocol,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Rule,
    UngradedRisk,
)
from missing_protocol.conditions import (
    EpisodeStub,
    Facts,
    FactValue,
    atoms,
    describe,
    holds,
)
from missing_protocol.errors import Problem, TimelineError
from missing_protocol.facts import FactName, PoliceRisk, police_risk_rank
from missing_protocol.office_hours import describe_office_hours, routing_reason
from missing_protocol.results import (
    RESULT_SCHEMA_VERSION,
    ActionStatus,
    CitationOut,
    DeadlineTrace,
    EpisodeResult,
    Evaluation,
    FactChangeApplied,
    FactUsed,
    PendingAction,
    RequiredAction,
    UpcomingAction,
)
from missing_protocol.timeline import Episode, RecordedEvent, Timeline, london_datetime

__all__ = ["episode_facts", "evaluate"]

_RISKS = tuple(PoliceRisk)


@dataclass(frozen=True, slots=True)
class _Episode:
    """An episode as known at ``as_of``, with its facts and classification."""

    source: Episode
    index: int
    started_at: dt.datetime
    reported_at: dt.datetime | None
    returned_at: dt.datetime | None
    facts: Facts
    result: EpisodeResult
    as_of: dt.datetime
    # Issue 10: from each change known at as_of on: its moment, the facts, who held the risk.
    segments: tuple[tuple[dt.datetime, Facts, str | None], ...] = ()
    # The child's next review (the timeline's next_review_on).
    next_review: dt.date | None = None

    def moment(self, which: Moment) -> dt.datetime | None:
        if which is Moment.STARTED:
            return self.started_at
        if which is Moment.REPORTED:
            return self.reported_at
        if which is Moment.RETURNED:
            return self.returned_at
        if which is Moment.NOTICED:
            # Not recorded: the time last seen. Recorded for after as_of: not yet known.
            if self.source.noticed_at is None:
                return self.started_at
            return self.source.noticed_at if self.known(self.source.noticed_at) else None
        if which is Moment.PROFESSIONAL_AWARE:
            # Not recorded: the report to the police (if known).
            if self.source.professional_aware_at is None:
                return self.reported_at
            aware = self.source.professional_aware_at
            return aware if self.known(aware) else None
        if which is Moment.POLICE_TOLD_OF_RETURN:
            # Not recorded: the return (if known). Recorded for after as_of: not yet known.
            told = self.source.police_told_of_return_at
            if told is None:
                return self.returned_at
            return told if self.known(told) else None
        raise ValueError(which)

    def known(self, moment: dt.datetime) -> bool:
        return _u(moment) <= _u(self.as_of)

    def fell_back(self, which: Moment) -> str:
        """Said of a moment that was not recorded, so another stands in for it."""
        if which is Moment.NOTICED and self.source.noticed_at is None:
            return " (noticed_at not recorded: the time last seen is used)"
        if which is Moment.PROFESSIONAL_AWARE and self.source.professional_aware_at is None:
            return " (professional_aware_at not recorded: the report to the police is used)"
        if which is Moment.POLICE_TOLD_OF_RETURN and self.source.police_told_of_return_at is None:
            return " (police_told_of_return_at not recorded: the return is used)"
        return ""

    def missing_at(self, moment: dt.datetime) -> bool:
        return self.returned_at is None or _u(self.returned_at) > _u(moment)


def _u(moment: dt.datetime) -> dt.datetime:
    """The instant, for comparing (London readings compare by wall clock, ignoring fold)."""
    return moment.astimezone(UTC)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _base_facts(timeline: Timeline, episode: Episode) -> dict[FactName, FactValue]:
    child = timeline.child
    return {
        FactName.AGE: _age(child.date_of_birth, episode.started_at.date()),
        FactName.CASE_STATUS: child.case_status.value,
        FactName.KNOWN_TO_SOCIAL_CARE: child.known_to_social_care,
        FactName.HAS_ALLOCATED_WORKER: child.has_allocated_worker,
        FactName.ATTENDS_SCHOOL: child.attends_school or child.attends_secondary_school,
        FactName.ATTENDS_SECONDARY_SCHOOL: child.attends_secondary_school,
        FactName.PLACED_BY_OTHER_AUTHORITY: child.placed_by_other_authority,
        FactName.PLACED_OUT_OF_AREA: child.placed_out_of_area,
        FactName.CHILD_FLAGS: frozenset(flag.value for flag in child.flags),
        FactName.MISSING_FROM: episode.missing_from.value,
        FactName.WHEREABOUTS_KNOWN: episode.whereabouts_known,
        FactName.POLICE_RISK: (
            police_risk_rank(episode.police_risk) if episode.police_risk is not None else None
        ),
        FactName.WHILE_AWAY: frozenset(x.value for x in episode.while_away),
        FactName.CONCERNS: frozenset(x.value for x in episode.concerns),
        **_recorded_facts(timeline, episode),
    }


def _recorded_facts(timeline: Timeline, episode: Episode) -> dict[FactName, FactValue]:
    """Issue 10's facts: each is unknown (None) when the timeline does not record it."""
    child = timeline.child
    days_looked_after = None
    if child.looked_after_since is not None:
        became = child.looked_after_since
        last_seen = episode.started_at.date()
        if became <= last_seen:
            days_looked_after = (last_seen - became).days
    return {
        FactName.LEGAL_STATUS: episode.legal_status.value if episode.legal_status else None,
        FactName.PLACEMENT_TYPE: episode.placement_type.value if episode.placement_type else None,
        FactName.DAYS_LOOKED_AFTER: days_looked_after,
        FactName.IN_OTHER_AREA: episode.in_other_area,
        FactName.SUBJECT_TO_RESTRICTIONS: child.subject_to_restrictions,
        FactName.FOUND_BY: episode.found_by.value if episode.found_by else None,
        FactName.SOCIAL_WORK_AREA: (
            child.social_work_area.value if child.social_work_area else None
        ),
        FactName.IN_CARE_OF: episode.in_care_of.value if episode.in_care_of else None,
        FactName.FEARED_REMOVAL_FROM_UK: (
            None
            if episode.feared_removal_from_uk is None
            else frozenset(x.value for x in episode.feared_removal_from_uk)
        ),
    }


def _classify(
    protocol: Protocol,
    timeline: Timeline,
    ordered: Sequence[tuple[int, Episode]],
    as_of: dt.datetime,
) -> list[_Episode]:
    problems: list[Problem] = []
    known = {category.id for category in protocol.categories}
    stubs: list[EpisodeStub] = []
    views: list[_Episode] = []
    for index, episode in ordered:
        values = _base_facts(timeline, episode)
        reported = episode.reported_at if _known(episode.reported_at, as_of) else None
        returned = episode.returned_at if _known(episode.returned_at, as_of) else None
        _as_known(values, episode, reported, as_of)
        facts = Facts(values, episode.started_at, ())
        if episode.category is not None:
            if episode.category not in known:
                problems.append(
                    Problem(
                        "timeline.unknown_category",
                        f"{episode.category!r} is not a category of protocol {protocol.id!r} "
                        f"({', '.join(sorted(known))}); use one of them, or omit category "
                        "to have the protocol derive it",
                        path=f"episodes[{index}].category",
                    )
                )
                continue
            category, reason = episode.category, "given in the timeline"
        else:
            derived = _derive_category(protocol, facts)
            if derived is None:
                problems.append(
                    Problem(
                        "timeline.no_category",
                        f"no category of protocol {protocol.id!r} applies to episode "
                        f"{episode.id}; give its category",
                        path=f"episodes[{index}].category",
                    )
                )
                continue
            category, reason = derived
        values[FactName.CATEGORY] = category
        values[FactName.CATEGORIES] = frozenset({category})
        also_found = _also_categories(protocol, episode, index, category, values)
        if isinstance(also_found, Problem):
            problems.append(also_found)
            continue
        also, also_reason = also_found
        values[FactName.CATEGORIES] = frozenset({category, *also})
        stubs.append(
            EpisodeStub(episode.started_at, category, episode.missing_from.value, frozenset(also))
        )
        recorded = values[FactName.POLICE_RISK]
        assumed_by, assumed_reason = None, None
        if recorded is None:
            held = _held_at(protocol, Facts(values, episode.started_at, tuple(stubs)))
            if held is not None:
                values[FactName.POLICE_RISK] = police_risk_rank(held.held_at)
                assumed_by = held.id
                assumed_reason = (
                    f"no police risk recorded; held at {held.held_at.value} by {held.id} "
                    f'({held.citation.section}: "{held.citation.quote}")'
                )
        effective, floor_id, floor_reason = _apply_floors(
            protocol, Facts(values, episode.started_at, tuple(stubs))
        )
        values[FactName.POLICE_RISK] = effective
        facts = Facts(values, episode.started_at, tuple(stubs))
        result = EpisodeResult(
            episode_id=episode.id,
            age_at_start=_age(timeline.child.date_of_birth, episode.started_at.date()),
            category=category,
            category_reason=reason,
            police_risk_recorded=_risk_name(recorded),
            police_risk=_risk_name(effective),
            risk_raised_by=floor_id,
            risk_reason=floor_reason,
            started_at=episode.started_at,
            returned_at=returned,
            missing_as_of=returned is None,
            police_risk_assumed_by=assumed_by,
            police_risk_assumed_reason=assumed_reason,
            also_categories=also,
            also_categories_reason=also_reason,
        )
        changed = _changes(
            protocol, timeline, episode, index, reported=reported, stubs=tuple(stubs), as_of=as_of
        )
        if isinstance(changed, Problem):
            problems.append(changed)
            continue
        if changed[1]:
            result = replace(result, changes=changed[1])
        views.append(
            _Episode(
                episode,
                index,
                episode.started_at,
                reported,
                returned,
                facts,
                result,
                as_of,
                changed[0],
                timeline.child.next_review_on,
            )
        )
    if problems:
        raise TimelineError(problems)
    return views


def _as_known(
    values: dict[FactName, FactValue],
    episode: Episode,
    reported: dt.datetime | None,
    as_of: dt.datetime,
) -> None:
    """Set the facts that depend on what is known at ``as_of``: the report to the police and
    the judgements recorded by then (those undated always)."""
    _who_reported(values, episode, reported, as_of)
    values[FactName.JUDGEMENTS] = frozenset(
        item.judgement for item in episode.judgements if item.at is None or _known(item.at, as_of)
    )


def _who_reported(
    values: dict[FactName, FactValue],
    episode: Episode,
    reported: dt.datetime | None,
    as_of: dt.datetime,
) -> None:
    """Set the facts of the report to the police (whether, by whom, before a professional knew)."""
    values[FactName.REPORTED_TO_POLICE] = reported is not None
    values[FactName.REPORTED_BY] = (
        episode.reported_by.value if reported is not None and episode.reported_by else None
    )
    values[FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE] = _carer_first(
        episode, reported, as_of
    )


def _carer_first(episode: Episode, reported: dt.datetime | None, as_of: dt.datetime) -> bool | None:
    """Had the parent or carer reported by the time a professional first learnt of it?"""
    aware = episode.professional_aware_at
    if aware is None or not _known(aware, as_of):
        return None  # no professional's awareness known: cannot tell
    if reported is None or _u(reported) > _u(aware):
        return False  # nobody had reported by then
    if episode.reported_by is None:
        return None  # a report came first, by whom is not recorded
    return episode.reported_by.value == "parent_or_carer"


def _changes(
    protocol: Protocol,
    timeline: Timeline,
    episode: Episode,
    index: int,
    *,
    reported: dt.datetime | None,
    stubs: tuple[EpisodeStub, ...],
    as_of: dt.datetime,
) -> (
    tuple[tuple[tuple[dt.datetime, Facts, str | None], ...], tuple[FactChangeApplied, ...]]
    | Problem
):
    """The episode's facts from each change known at ``as_of`` on, each classified afresh
    from the episode's facts with every change up to it applied."""
    known = sorted(
        (
            (number, change)
            for number, change in enumerate(episode.changes)
            if _u(change.at) <= _u(as_of)
        ),
        key=lambda pair: (_u(pair[1].at), pair[0]),
    )
    segments = []
    applied = []
    for upto, (number, change) in enumerate(known):
        risk, given = episode.police_risk, episode.category
        for _, earlier in known[: upto + 1]:
            if earlier.police_risk is not None:
                risk = earlier.police_risk
            if earlier.category is not None:
                given = earlier.category
        values = _base_facts(timeline, episode)
        values[FactName.POLICE_RISK] = police_risk_rank(risk) if risk is not None else None
        _as_known(values, episode, reported, as_of)
        path = f"episodes[{index}].changes[{number}]"
        names = {c.id for c in protocol.categories}
        if given is not None:
            if given not in names:
                return Problem(
                    "timeline.unknown_category",
                    f"{given!r} is not a category of protocol {protocol.id!r} "
                    f"({', '.join(sorted(names))}); use one of them, or omit category "
                    "to have the protocol derive it",
                    path=f"{path}.category",
                )
            category, reason = given, "given in the timeline"
        else:
            derived = _derive_category(protocol, Facts(values, episode.started_at, ()))
            if derived is None:
                return Problem(
                    "timeline.no_category",
                    f"no category of protocol {protocol.id!r} applies to episode {episode.id} "
                    "after this change; give its category",
                    path=path,
                )
            category, reason = derived
        values[FactName.CATEGORY] = category
        values[FactName.CATEGORIES] = frozenset({category})
        also_found = _also_categories(protocol, episode, index, category, values)
        if isinstance(also_found, Problem):
            return also_found
        values[FactName.CATEGORIES] = frozenset({category, *also_found[0]})
        recorded = values[FactName.POLICE_RISK]
        assumed_by = None
        if recorded is None:
            held = _held_at(protocol, Facts(values, episode.started_at, stubs))
            if held is not None:
                values[FactName.POLICE_RISK] = police_risk_rank(held.held_at)
                assumed_by = held.id
        effective, floor_id, _ = _apply_floors(protocol, Facts(values, episode.started_at, stubs))
        values[FactName.POLICE_RISK] = effective
        segments.append((change.at, Facts(values, episode.started_at, stubs), assumed_by))
        what = []
        if change.police_risk is not None:
            what.append(f"police risk re-graded to {change.police_risk.value}")
        if change.category is not None:
            what.append(f"re-categorised as {change.category}")
        applied.append(
            FactChangeApplied(
                at=change.at,
                what=" and ".join(what),
                category=category,
                category_reason=reason,
                police_risk_recorded=_risk_name(recorded),
                police_risk=_risk_name(effective),
                risk_raised_by=floor_id,
                police_risk_assumed_by=assumed_by,
            )
        )
    return tuple(segments), tuple(applied)


def _known(moment: dt.datetime | None, as_of: dt.datetime) -> bool:
    return moment is not None and _u(moment) <= _u(as_of)


def _risk_name(rank: object) -> str | None:
    return _RISKS[rank].value if isinstance(rank, int) else None


def _derive_category(protocol: Protocol, facts: Facts) -> tuple[str, str] | None:
    for category in protocol.categories:
        if category.when is None:
            continue
        ok, _ = holds(category.when, facts)
        if ok:
            return category.id, f"derived: {describe(category.when)} ({category.source})"
    return None


def _also_categories(
    protocol: Protocol,
    episode: Episode,
    index: int,
    category: str,
    values: dict[FactName, FactValue],
) -> tuple[tuple[str, ...], str | None] | Problem:
    """The categories the episode is also in: those the timeline gives, then its category's
    ``also`` whose condition holds (seeing no other episodes, as deriving a category does)."""
    known = {c.id for c in protocol.categories}
    reasons: dict[str, str] = {}
    for given in sorted(episode.also_categories):
        if given not in known:
            return Problem(
                "timeline.unknown_category",
                f"{given!r} is not a category of protocol {protocol.id!r} "
                f"({', '.join(sorted(known))}); use one of them in also_categories, "
                "or leave it out",
                path=f"episodes[{index}].also_categories",
            )
        reasons[given] = "given in the timeline"
    facts = Facts(dict(values), episode.started_at, ())
    for also in protocol.category(category).also:
        if also.category in reasons:
            continue
        if also.when is None or holds(also.when, facts)[0]:
            words = "always" if also.when is None else describe(also.when)
            reasons[also.category] = (
                f'derived: {words} ({also.citation.section}: "{also.citation.quote}")'
            )
    reasons.pop(category, None)
    if not reasons:
        return (), None
    names = tuple(sorted(reasons))
    return names, "; ".join(f"{name}: {reasons[name]}" for name in names)


def _held_at(protocol: Protocol, facts: Facts) -> UngradedRisk | None:
    """The first ungraded statement whose condition holds for an ungraded episode."""
    for item in protocol.ungraded:
        if item.when is None or holds(item.when, facts)[0]:
            return item
    return None


def _apply_floors(protocol: Protocol, facts: Facts) -> tuple[int | None, str | None, str | None]:
    """The police risk after the protocol's floors, which floor raised it, and why."""
    recorded = facts.values[FactName.POLICE_RISK]
    if not isinstance(recorded, int) or isinstance(recorded, bool):
        return None, None, None
    effective, raised_by, reason = recorded, None, None
    for floor in protocol.floors:
        if _RISKS[recorded] not in floor.forbid:
            continue
        if floor.when is not None and not holds(floor.when, facts)[0]:
            continue
        target = police_risk_rank(floor.raise_to)
        if target > effective:
            effective, raised_by = target, floor.id
            reason = (
                f"{_RISKS[recorded].value} is not allowed here; raised to "
                f"{floor.raise_to.value} by {floor.id} ({floor.citation.section}: "
                f'"{floor.citation.quote}")'
            )
    return effective, raised_by, reason


# --- triggers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Firing:
    at: dt.datetime
    occurrence: int | None
    description: str
    alternative: int | None = None  # which alternative of a first_of trigger fired
    phase: int | None = None  # which phase of a phased series it belongs to


def _stamp(moment: dt.datetime) -> str:
    return to_london(moment).isoformat()


def _recorded_moment(
    recorded: Recorded, ep: _Episode, evidence: Sequence[_Evidence]
) -> dt.datetime | None:
    """The earliest recorded event of the kind, with one of the outcomes, in the episode."""
    times = [
        item.event.at
        for item in evidence
        if item.episode_index == ep.index
        and item.event.action == recorded.kind
        and item.event.outcome.value in recorded.outcomes
        and (recorded.recipient is None or item.event.recipient == recorded.recipient)
    ]
    return min(times, key=_u) if times else None


def _anchor_moment(
    anchor: Moment | Recorded, ep: _Episode, evidence: Sequence[_Evidence]
) -> dt.datetime | None:
    if isinstance(anchor, Recorded):
        return _recorded_moment(anchor, ep, evidence)
    return ep.moment(anchor)


def _phased(
    trigger: PhasedTrigger, ep: _Episode, anchor: dt.datetime, as_of: dt.datetime
) -> tuple[list[_Firing], _Firing | None]:
    """Each phase: every ``every`` from the last occurrence so far (the anchor at first)."""
    base, label = anchor, trigger.anchor.value
    fired: list[_Firing] = []
    for index, phase in enumerate(trigger.phases):
        stop = add_duration(anchor, phase.until) if phase.until is not None else None
        first = add_duration(base, phase.first)
        number = 0
        while True:
            at = add_duration(first, Duration(phase.every.amount * number, phase.every.unit))
            if stop is not None and _u(at) >= _u(stop):
                break
            if not ep.missing_at(at):
                return fired, None
            firing = _Firing(
                at,
                len(fired) + 1,
                f"occurrence {len(fired) + 1}: phase {index + 1} of {len(trigger.phases)}, "
                f"still missing at {phase.first} + {number} x {phase.every} after {label} "
                f"({_stamp(base)})",
                phase=index,
            )
            if _u(at) > _u(as_of):
                return fired, firing
            fired.append(firing)
            number += 1
        if fired:
            base, label = fired[-1].at, f"occurrence {len(fired)}"
    return fired, None


def _first_of(
    trigger: FirstOf, ep: _Episode, as_of: dt.datetime, evidence: Sequence[_Evidence]
) -> tuple[list[_Firing], _Firing | None]:
    """The earliest alternative that fired (first listed on a tie), or the earliest to come."""
    candidates: list[tuple[dt.datetime, int, str]] = []
    for index, alternative in enumerate(trigger.alternatives):
        if alternative.when is not None and not holds(alternative.when, ep.facts)[0]:
            continue
        single = alternative.trigger
        if isinstance(single, RecordedTrigger):
            at = _recorded_moment(single.on, ep, evidence)
            text = f"{single.on.value} at {_stamp(at)}" if at is not None else ""
        elif isinstance(single, EventTrigger):
            at = ep.moment(single.on)
            text = f"{_LABELS[single.on.value]} at {_stamp(at)}" if at is not None else ""
        else:
            anchor = ep.moment(single.anchor)
            at = None if anchor is None else add_duration(anchor, single.missing_for)
            if anchor is None or at is None or not ep.missing_at(at):
                continue
            text = (
                f"still missing {single.missing_for} after {single.anchor.value} ({_stamp(anchor)})"
            )
        if at is None:
            continue
        candidates.append(
            (at, index, f"alternative {index + 1} of {len(trigger.alternatives)}: {text}")
        )
    fired = [c for c in candidates if _u(c[0]) <= _u(as_of)]
    if fired:
        at, index, text = min(fired, key=lambda c: (_u(c[0]), c[1]))
        return [_Firing(at, None, text, index)], None
    if candidates:
        at, index, text = min(candidates, key=lambda c: (_u(c[0]), c[1]))
        return [], _Firing(at, None, text, index)
    return [], None


_LABELS = {
    "started": "went missing (last seen)",
    "reported": "reported to police",
    "returned": "returned or located",
}


def _firings(
    rule: Rule, ep: _Episode, as_of: dt.datetime, evidence: Sequence[_Evidence]
) -> tuple[list[_Firing], _Firing | None]:
    """Occurrences fired by ``as_of``, and the next one if the child is still missing."""
    trigger = rule.trigger
    if isinstance(trigger, FirstOf):
        return _first_of(trigger, ep, as_of, evidence)
    if isinstance(trigger, RecordedTrigger):
        at = _recorded_moment(trigger.on, ep, evidence)
        if at is None:
            return [], None
        return [_Firing(at, None, f"{trigger.on.value} at {_stamp(at)}")], None
    if isinstance(trigger, RecurringTrigger | PhasedTrigger) and isinstance(
        trigger.anchor, Recorded
    ):
        anchor_at = _recorded_moment(trigger.anchor, ep, evidence)
        if anchor_at is None:
            return [], None
        if isinstance(trigger, PhasedTrigger):
            return _phased(trigger, ep, anchor_at, as_of)
        return _recurring(trigger, ep, anchor_at, as_of)
    if isinstance(trigger, EventTrigger):
        at = ep.moment(trigger.on)
        if at is None:
            return [], None
        label = {
            "started": "went missing (last seen)",
            "reported": "reported to police",
            "returned": "returned or located",
            "noticed": "noticed missing",
            "professional_aware": "a professional learnt of it",
            "police_told_of_return": "the police were told of the return",
        }[trigger.on.value] + ep.fell_back(trigger.on)
        return [_Firing(at, None, f"{label} at {_stamp(at)}")], None
    assert not isinstance(trigger.anchor, Recorded)
    anchor = ep.moment(trigger.anchor)
    if anchor is None:
        return [], None
    if isinstance(trigger, PhasedTrigger):
        return _phased(trigger, ep, anchor, as_of)
    if isinstance(trigger, ElapsedTrigger):
        at = add_duration(anchor, trigger.missing_for)
        if not ep.missing_at(at):
            return [], None
        firing = _Firing(
            at,
            None,
            f"still missing {trigger.missing_for} after {trigger.anchor.value} ({_stamp(anchor)})",
        )
        return ([firing], None) if _u(at) <= _u(as_of) else ([], firing)
    return _recurring(trigger, ep, anchor, as_of)


def _recurring(
    trigger: RecurringTrigger, ep: _Episode, anchor: dt.datetime, as_of: dt.datetime
) -> tuple[list[_Firing], _Firing | None]:
    base = add_duration(anchor, trigger.first)
    stop = add_duration(anchor, trigger.until) if trigger.until is not None else None
    fired: list[_Firing] = []
    number = 0
    while True:
        at = add_duration(base, Duration(trigger.every.amount * number, trigger.every.unit))
        if (stop is not None and _u(at) >= _u(stop)) or not ep.missing_at(at):
            return fired, None
        firing = _Firing(
            at,
            number + 1,
            f"occurrence {number + 1}: still missing at {trigger.first} + {number} x "
            f"{trigger.every} after {trigger.anchor.value} ({_stamp(anchor)})",
        )
        if _u(at) > _u(as_of):
            return fired, firing
        fired.append(firing)
        number += 1


# --- deadlines, responsibility and status -----------------------------------

_ARITHMETIC = {
    Unit.MINUTES: "elapsed minutes",
    Unit.HOURS: "elapsed hours",
    Unit.DAYS: "London calendar days",
    Unit.WEEKS: "London calendar weeks",
    Unit.MONTHS: "London calendar months",
    Unit.WORKING_DAYS: "working days (Monday to Friday less England's bank holidays), "
    "due at the end of the last one",
}


def _deadline(
    deadline: Deadline, ep: _Episode, triggered: dt.datetime, evidence: Sequence[_Evidence]
) -> tuple[dt.datetime | None, DeadlineTrace]:
    due, trace = _deadline_of(deadline, ep, triggered, evidence)
    if deadline.anchor is not Moment.TRIGGERED and ep.fell_back(deadline.anchor):
        trace = DeadlineTrace(
            trace.rule,
            trace.anchor,
            trace.anchor_at,
            trace.arithmetic + ep.fell_back(deadline.anchor),
            trace.skipped_days,
            trace.other_bound,
            trace.other_due_at,
        )
    return due, trace


def _office_opening_deadline(
    deadline: Deadline, triggered: dt.datetime
) -> tuple[dt.datetime, DeadlineTrace]:
    """The first minute at or after the trigger that is in office hours, found by walking."""
    hours = deadline.office_hours
    assert hours is not None
    at = triggered.astimezone(UTC)
    if _in_office_hours(hours, at):
        due, when = at, "triggered in office hours: due at once"
    else:
        due = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        while not _in_office_hours(hours, due):
            due += dt.timedelta(minutes=1)
        when = "the next opening after the trigger"
    return to_london(due), DeadlineTrace(
        "as soon as day-time services resume",
        "triggered",
        triggered,
        f"office hours {describe_office_hours(hours)}; {when}",
        (),
    )


def _review_deadline(
    kind: DeadlineKind, ep: _Episode, triggered: dt.datetime
) -> tuple[dt.datetime | None, DeadlineTrace]:
    """Before the next review: its day's start, the review after the day the duty arose.
    At the next review: its day's end, the review on or after that day."""
    before = kind is DeadlineKind.BEFORE_NEXT_REVIEW
    rule_text = "before the next review" if before else "at the next review"
    day = to_london(triggered).date()
    review = ep.next_review
    if review is None:
        why = "next_review_on not recorded"
    elif before and review <= day:
        why = (
            f"next_review_on ({review.isoformat()}) is not after the day the duty arose, "
            "so the next review's date is not recorded"
        )
    elif not before and review < day:
        why = (
            f"next_review_on ({review.isoformat()}) is before the day the duty arose, "
            "so the next review's date is not recorded"
        )
    else:
        if before:
            due = dt.datetime(review.year, review.month, review.day, 0, 0, tzinfo=LONDON)
            words = "the start (00:00)"
        else:
            due = dt.datetime(review.year, review.month, review.day, 23, 59, 59, tzinfo=LONDON)
            words = "the end (23:59:59)"
        return due, DeadlineTrace(
            rule_text,
            "next_review",
            due,
            f"{words} of the London day of the child's next review (next_review_on)",
            (),
        )
    return None, DeadlineTrace(rule_text, "next_review", None, f"not yet computable: {why}", ())


def _deadline_of(
    deadline: Deadline, ep: _Episode, triggered: dt.datetime, evidence: Sequence[_Evidence]
) -> tuple[dt.datetime | None, DeadlineTrace]:
    if deadline.kind in (DeadlineKind.BEFORE_NEXT_REVIEW, DeadlineKind.AT_NEXT_REVIEW):
        return _review_deadline(deadline.kind, ep, triggered)
    if deadline.kind is DeadlineKind.NEXT_OFFICE_OPENING:
        return _office_opening_deadline(deadline, triggered)
    anchor_at = (
        triggered
        if deadline.anchor is Moment.TRIGGERED
        else _anchor_moment(deadline.anchor, ep, evidence)
    )
    if deadline.kind is DeadlineKind.WITHOUT_DELAY:
        return None, DeadlineTrace(
            "without delay",
            deadline.anchor.value,
            anchor_at,
            "the text asks for it without delay: no fixed time; never overdue, and the time "
            "taken is shown once done",
            (),
        )
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return anchor_at, DeadlineTrace(
            "immediately", deadline.anchor.value, anchor_at, "due at the moment it is triggered", ()
        )
    if deadline.within is None:
        return None, DeadlineTrace(
            "unspecified",
            deadline.anchor.value,
            anchor_at,
            "the protocol sets no time limit; never overdue",
            (),
        )
    rule_text = f"within {deadline.within} of {deadline.anchor.value}"
    arithmetic = _ARITHMETIC[deadline.within.unit]
    if anchor_at is None:
        return None, DeadlineTrace(
            rule_text,
            deadline.anchor.value,
            None,
            f"{arithmetic}; not yet computable: no {deadline.anchor.value} time recorded",
            (),
        )
    if deadline.or_within is not None:
        return _dual(deadline, anchor_at)
    skipped: tuple[dt.date, ...] = ()
    if deadline.within.unit is Unit.WORKING_DAYS:
        _, skipped = working_days_after(to_london(anchor_at).date(), deadline.within.amount)
    due = add_duration(anchor_at, deadline.within)
    return due, DeadlineTrace(rule_text, deadline.anchor.value, anchor_at, arithmetic, skipped)


def _dual(deadline: Deadline, anchor_at: dt.datetime) -> tuple[dt.datetime, DeadlineTrace]:
    """Both bounds computed; the earlier or the later is due, the other shown."""
    assert deadline.within is not None
    assert deadline.or_within is not None
    one = add_duration(anchor_at, deadline.within)
    two = add_duration(anchor_at, deadline.or_within)
    pick_second = _u(two) < _u(one) if deadline.use == "earlier" else _u(two) > _u(one)
    used, other = (two, one) if pick_second else (one, two)
    used_d, other_d = (
        (deadline.or_within, deadline.within)
        if pick_second
        else (deadline.within, deadline.or_within)
    )
    anchor = deadline.anchor.value
    skipped: tuple[dt.date, ...] = ()
    if used_d.unit is Unit.WORKING_DAYS:
        _, skipped = working_days_after(to_london(anchor_at).date(), used_d.amount)
    return used, DeadlineTrace(
        f"within {deadline.within} or {deadline.or_within} of {anchor}, "
        f"whichever is {deadline.use}",
        anchor,
        anchor_at,
        f"{used_d}: {_ARITHMETIC[used_d.unit]}, {_stamp(used)}; {other_d}: "
        f"{_ARITHMETIC[other_d.unit]}, {_stamp(other)}; the {deadline.use} is due",
        skipped,
        other_bound=f"within {other_d} of {anchor}",
        other_due_at=other,
    )


def _in_office_hours(hours: OfficeHours, moment: dt.datetime) -> bool:
    """The reference reading: weekday, not a closed bank holiday, opens <= wall clock < closes."""
    local = to_london(moment)
    if local.weekday() not in hours.days:
        return False
    if hours.closed_on_bank_holidays and local.date() in bank_holidays(local.year):
        return False
    wall = dt.time(local.hour, local.minute, local.second, local.microsecond)
    return hours.opens <= wall < hours.closes


def _route(
    protocol: Protocol, rule: Rule, at: dt.datetime, responsible: str, reason: str
) -> tuple[str, str, tuple[str | None, ...]]:
    """A rule with out_of_hours: its in-hours roles, or its out-of-hours ones, by when it fired."""
    ooh, hours = rule.out_of_hours, protocol.office_hours
    if ooh is None or hours is None:
        return responsible, reason, rule.recipients
    in_hours = _in_office_hours(hours, at)
    why = routing_reason(hours, ooh, at, in_hours)
    if in_hours:
        if not ooh.in_hours_required:
            return responsible, why, ()  # only out of hours: no action in office hours
        return responsible, reason + "; " + why, rule.recipients
    if not ooh.required:
        return responsible, why, ()  # only in office hours: no action, nothing upcoming
    if ooh.responsible is not None:
        return ooh.responsible, why, ooh.recipients or rule.recipients
    return responsible, reason + "; " + why, ooh.recipients or rule.recipients


def _responsible(protocol: Protocol, rule: Rule, facts: Facts) -> tuple[str, str]:
    if rule.responsible is not None:
        return rule.responsible, "named by the rule"
    assert rule.allocation is not None
    allocation = protocol.allocations[rule.allocation]
    for number, option in enumerate(allocation.options, start=1):
        if option.when is None:
            return option.role, f"{allocation.id} option {number}: otherwise"
        ok, _ = holds(option.when, facts)
        if ok:
            return option.role, f"{allocation.id} option {number}: {describe(option.when)}"
    return "unallocated", f"no option of {allocation.id} applies"


@dataclass(frozen=True, slots=True)
class _Evidence:
    event: RecordedEvent
    episode_index: int | None


def _evidence(timeline: Timeline, views: Sequence[_Episode], as_of: dt.datetime) -> list[_Evidence]:
    """Recorded events known at ``as_of``, each tied to the episode it served."""
    found: list[_Evidence] = []
    by_id = {view.source.id: view.index for view in views}
    for view in views:
        if view.reported_at is not None:
            implicit = RecordedEvent(
                action="report_to_police", at=view.reported_at, episode=view.source.id
            )
            found.append(_Evidence(implicit, view.index))
    for event in timeline.events:
        if _u(event.at) > _u(as_of):
            continue
        if event.episode is not None:
            found.append(_Evidence(event, by_id.get(event.episode)))
            continue
        latest = None
        for view in views:
            if _u(view.started_at) <= _u(event.at):
                latest = view.index
        found.append(_Evidence(event, latest))
    found.sort(key=lambda e: (_u(e.event.at), e.event.action, e.event.recipient or ""))
    return found


def _method(event: RecordedEvent) -> str | None:
    """How the event was made, or None when it does not say (then it meets no method rule)."""
    return event.method.value if event.method is not None else None


def _status(
    due: dt.datetime | None, met_at: dt.datetime | None, as_of: dt.datetime
) -> ActionStatus:
    if met_at is not None:
        return ActionStatus.MET if due is None or _u(met_at) <= _u(due) else ActionStatus.MET_LATE
    if due is not None and _u(as_of) > _u(due):
        return ActionStatus.OVERDUE
    return ActionStatus.DUE


def _assign(
    *,
    evidence: Sequence[_Evidence],
    rule: Rule,
    recipient: str | None,
    responsible: str,
    ep: _Episode,
    fired: Sequence[_Firing],
    next_at: dt.datetime | None,
) -> list[tuple[dt.datetime, str] | None]:
    """When each occurrence was done, from the recorded events (``None`` if not done).

    An event counts if its kind, episode, outcome, recipient and (when it says)
    the role that did it match. Work done from the moment the rule fired counts,
    or since the child went missing when the rule says so (the default for rules
    fired by time elapsed: a meeting already held need not be held again). For a
    recurring action each event serves one occurrence: first the events inside
    each occurrence's own interval, then, for occurrences still open, the
    earliest later event.
    """
    candidates = [
        (item.event.at, item.event.action)
        for item in evidence
        if item.event.action in (rule.action, *rule.alternative_actions)
        and item.episode_index == ep.index
        and item.event.outcome.value in rule.satisfied_by
        and (recipient is None or item.event.recipient == recipient)
        and (item.event.by is None or item.event.by in (responsible, *rule.alternative_responsible))
        and (rule.methods is None or _method(item.event) in rule.methods)
    ]
    from_start = rule.work_from is Moment.STARTED
    opens = [ep.started_at if from_start else firing.at for firing in fired]
    closes: list[dt.datetime | None] = [firing.at for firing in fired[1:]]
    if fired:
        closes.append(next_at)
    done: list[tuple[dt.datetime, str] | None] = [None] * len(fired)
    used: set[int] = set()

    def take(opened: dt.datetime, closed: dt.datetime | None) -> tuple[dt.datetime, str] | None:
        for index, (at, action) in enumerate(candidates):
            if (
                index not in used
                and _u(at) >= _u(opened)
                and (closed is None or _u(at) < _u(closed))
            ):
                used.add(index)
                return at, action
        return None

    for number, (opened, closed) in enumerate(zip(opens, closes, strict=True)):
        done[number] = take(opened, closed)
    for number, opened in enumerate(opens):
        if done[number] is None:
            done[number] = take(opened, None)
    return done


def _named_judgements(rule: Rule) -> list[str]:
    """The judgement codes the rule's condition names, sorted."""
    named: set[str] = set()
    for atom in atoms(rule.when):
        if isinstance(atom, Pred) and atom.fact is FactName.JUDGEMENTS:
            if isinstance(atom.value, frozenset):
                named |= {str(v) for v in atom.value}
            else:
                named.add(str(atom.value))
    return sorted(named)


def _waited(rule: Rule, ep: _Episode, fired: list[_Firing], as_of: dt.datetime) -> list[_Firing]:
    """A duty conditional on judgements arises no earlier than the latest of them was made."""
    names = _named_judgements(rule)
    made = [
        (item.at, item.judgement)
        for item in ep.source.judgements
        if item.judgement in names and item.at is not None and _known(item.at, as_of)
    ]
    if not made:
        return fired
    latest_u = max(_u(at) for at, _ in made)
    code = min(code for at, code in made if _u(at) == latest_u)
    at = next(at for at, c in made if c == code)
    return [
        replace(
            firing,
            at=at,
            description=f"{firing.description}; required from when {code} was recorded "
            f"({_stamp(at)})",
        )
        if _u(firing.at) < latest_u
        else firing
        for firing in fired
    ]


def _awaiting(rule: Rule, facts: Facts) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of judgements not recorded that would make the condition hold."""
    assert rule.when is not None
    recorded = facts.values[FactName.JUDGEMENTS]
    assert isinstance(recorded, frozenset)
    names = _named_judgements(rule)
    found: list[tuple[str, ...]] = []
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):
            if set(subset) & recorded:
                continue
            if any(set(smaller) <= set(subset) for smaller in found):
                continue
            values = dict(facts.values)
            values[FactName.JUDGEMENTS] = recorded | set(subset)
            if holds(rule.when, Facts(values, facts.started_at, facts.history))[0]:
                found.append(subset)
    return tuple(found)


def _pending_for(
    *,
    protocol: Protocol,
    rule: Rule,
    ep: _Episode,
    evidence: Sequence[_Evidence],
    as_of: dt.datetime,
) -> Iterator[PendingAction]:
    """The rule, fired for the episode, waiting on a judgement or outcome not recorded:
    judged on the episode's facts as they stand at ``as_of``."""
    if rule.when is None or not _named_judgements(rule):
        return
    latest = _facts_of(ep, len(ep.segments))
    if holds(rule.when, latest)[0]:
        return
    awaiting = _awaiting(rule, latest)
    if not awaiting:
        return
    fired = _waited(rule, ep, _firings(rule, ep, as_of, evidence)[0], as_of)
    if not fired:
        return
    responsible, _ = _responsible(protocol, rule, latest)
    for recipient in rule.recipients:
        yield PendingAction(
            kind=rule.action,
            rule_id=rule.id,
            episode_id=ep.source.id,
            obligation=rule.obligation.value,
            responsible=responsible,
            recipient=recipient,
            triggered_at=fired[0].at,
            awaiting=awaiting,
            condition=describe(rule.when),
            citation=CitationOut(protocol.id, rule.citation.section, rule.citation.quote),
        )


def _actions_for(
    *,
    protocol: Protocol,
    rule: Rule,
    ep: _Episode,
    evidence: Sequence[_Evidence],
    child_id: str,
    as_of: dt.datetime,
) -> Iterator[RequiredAction | UpcomingAction]:
    if ep.segments:
        judged = _judged_firings(rule, ep, as_of, evidence)
        if judged is None:
            return
        kept, upcoming, facts = judged
    else:
        if rule.when is not None:
            ok, why = holds(rule.when, ep.facts)
            if not ok:
                return
            why = _held(why, ep.result.police_risk_assumed_by)
        else:
            why = ()
        fired, upcoming = _firings(rule, ep, as_of, evidence)
        kept = [(firing, why, ep.facts) for firing in fired]
        facts = ep.facts
    kept = [
        (waited, why, fired_facts)
        for waited, (_, why, fired_facts) in zip(
            _waited(rule, ep, [firing for firing, _, _ in kept], as_of), kept, strict=True
        )
    ]
    responsible, reason = _responsible(protocol, rule, facts)
    recipients = rule.recipients
    if kept or upcoming is not None:
        decides = kept[0][0].at if kept else upcoming.at  # type: ignore[union-attr]
        responsible, reason, recipients = _route(protocol, rule, decides, responsible, reason)
    citation = CitationOut(protocol.id, rule.citation.section, rule.citation.quote)
    for recipient in recipients:
        done = _assign(
            evidence=evidence,
            rule=rule,
            recipient=recipient,
            responsible=responsible,
            ep=ep,
            fired=[firing for firing, _, _ in kept],
            next_at=upcoming.at if upcoming is not None else None,
        )
        for (firing, why, fired_facts), met in zip(kept, done, strict=True):
            met_at = met[0] if met is not None else None
            deadline = rule.deadline
            if firing.phase is not None:
                assert isinstance(rule.trigger, PhasedTrigger)
                within = rule.trigger.phases[firing.phase].within
                if within is not None:
                    deadline = Deadline(DeadlineKind.WITHIN, within, Moment.TRIGGERED)
            due, trace = _deadline(deadline, ep, firing.at, evidence)
            alternative_why: tuple[FactUsed, ...] = ()
            if firing.alternative is not None:
                assert isinstance(rule.trigger, FirstOf)
                when = rule.trigger.alternatives[firing.alternative].when
                alternative_why = holds(when, fired_facts)[1] if when is not None else ()
            parts = [protocol.id, child_id, ep.source.id, rule.id]
            action_id = ":".join(parts)
            if firing.occurrence is not None:
                action_id += f"#{firing.occurrence}"
            if recipient is not None:
                action_id += f"@{recipient}"
            yield RequiredAction(
                id=action_id,
                kind=rule.action,
                obligation=rule.obligation.value,
                rule_id=rule.id,
                topic=rule.topic.value,
                episode_id=ep.source.id,
                responsible=responsible,
                responsible_reason=reason,
                recipient=recipient,
                triggered_at=firing.at,
                due_at=due,
                occurrence=firing.occurrence,
                status=_status(due, met_at, as_of),
                met_at=met_at,
                trigger=firing.description,
                facts=tuple(why) + alternative_why,
                deadline=trace,
                citation=citation,
                note=rule.note,
                alternative_kinds=rule.alternative_actions,
                met_kind=met[1] if met is not None and rule.alternative_actions else None,
                met_after_minutes=(
                    int((_u(met_at) - _u(trace.anchor_at)).total_seconds() // 60)
                    if rule.deadline.kind is DeadlineKind.WITHOUT_DELAY
                    and met_at is not None
                    and trace.anchor_at is not None
                    else None
                ),
            )
        if upcoming is not None:
            yield UpcomingAction(
                kind=rule.action,
                rule_id=rule.id,
                episode_id=ep.source.id,
                obligation=rule.obligation.value,
                responsible=responsible,
                recipient=recipient,
                triggers_at=upcoming.at,
                occurrence=upcoming.occurrence,
                condition=f"if still missing at {_stamp(upcoming.at)}: {upcoming.description}",
                citation=citation,
            )


def _facts_at(ep: _Episode, moment: dt.datetime) -> int:
    """Which facts stood at ``moment``: 0 for the start's, k for the k-th change's."""
    number = 0
    for k, (at, _, _) in enumerate(ep.segments, start=1):
        if _u(at) <= _u(moment):
            number = k
    return number


def _judge(rule: Rule, ep: _Episode, segment: int) -> tuple[bool, tuple[FactUsed, ...]]:
    facts = ep.facts if segment == 0 else ep.segments[segment - 1][1]
    assumed = ep.result.police_risk_assumed_by if segment == 0 else ep.segments[segment - 1][2]
    if rule.when is None:
        return True, ()
    ok, why = holds(rule.when, facts)
    return ok, _held(why, assumed) if ok else why


def _held(why: tuple[FactUsed, ...], assumed: str | None) -> tuple[FactUsed, ...]:
    """The facts used, a police risk held by an ungraded statement said so."""
    if assumed is None:
        return why
    return tuple(
        FactUsed(
            used.fact, f"{used.value} (not graded by the police: held by {assumed})", used.test
        )
        if used.fact == "police_risk"
        else used
        for used in why
    )


def _judged_firings(
    rule: Rule, ep: _Episode, as_of: dt.datetime, evidence: Sequence[_Evidence]
) -> tuple[list[tuple[_Firing, tuple[FactUsed, ...], Facts]], _Firing | None, Facts] | None:
    """For an episode whose facts changed: each occurrence judged on the facts that stood at
    its moment; one that fires once and fails moves to the first change after which its
    condition holds, if the child is still missing then. With the facts that decide who is
    responsible (those of the first occurrence); ``None`` if nothing fires."""
    fired, upcoming = _firings(rule, ep, as_of, evidence)
    kept: list[tuple[_Firing, tuple[FactUsed, ...], Facts]] = []
    segments: list[int] = []
    for firing in fired:
        segment = _facts_at(ep, firing.at)
        ok, why = _judge(rule, ep, segment)
        if ok:
            text = firing.description
            if segment:
                change = ep.result.changes[segment - 1]
                text += f"; judged on the facts as changed at {_stamp(change.at)} ({change.what})"
            kept.append((replace(firing, description=text), why, _facts_of(ep, segment)))
            segments.append(segment)
            continue
        if isinstance(rule.trigger, RecurringTrigger | PhasedTrigger):
            continue
        for later in range(segment + 1, len(ep.segments) + 1):
            ok, why = _judge(rule, ep, later)
            if not ok:
                continue
            change = ep.result.changes[later - 1]
            if ep.missing_at(change.at):
                text = (
                    f"{firing.description}; its condition held only from the change at "
                    f"{_stamp(change.at)} ({change.what}), while the child was still missing"
                )
                kept.append(
                    (replace(firing, at=change.at, description=text), why, _facts_of(ep, later))
                )
                segments.append(later)
            break
    last = len(ep.segments)
    if upcoming is not None:
        if _judge(rule, ep, last)[0]:
            change = ep.result.changes[last - 1]
            upcoming = replace(
                upcoming,
                description=f"{upcoming.description}; judged on the facts as changed at "
                f"{_stamp(change.at)} ({change.what})",
            )
        else:
            upcoming = None
    if not kept and upcoming is None:
        return None
    return kept, upcoming, _facts_of(ep, segments[0] if kept else last)


def _facts_of(ep: _Episode, segment: int) -> Facts:
    return ep.facts if segment == 0 else ep.segments[segment - 1][1]


def _known_episodes(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> list[_Episode]:
    ordered = sorted(
        ((i, e) for i, e in enumerate(timeline.episodes) if _u(e.started_at) <= _u(as_of)),
        key=lambda pair: (_u(pair[1].started_at), pair[1].id),
    )
    return _classify(protocol, timeline, ordered, as_of)


def episode_facts(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> dict[str, Facts]:
    """The facts of each episode known at ``as_of``, by episode id, as rules see them.

    For verification tools and property checks; evaluation itself uses the same.
    """
    as_of = london_datetime(as_of)
    return {view.source.id: view.facts for view in _known_episodes(protocol, timeline, as_of)}


def evaluate(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> Evaluation:
    """Every action ``protocol`` requires for ``timeline``'s child, as at ``as_of``.

    ``as_of`` may be naive (read as London wall-clock time) or aware. Episodes
    that start after ``as_of``, and events and returns recorded after it, are
    not yet known and play no part. Raises :class:`TimelineError` if an
    episode's category is not one of the protocol's and cannot be derived.
    """
    as_of = london_datetime(as_of)
    views = _known_episodes(protocol, timeline, as_of)
    evidence = _evidence(timeline, views, as_of)
    actions: list[RequiredAction] = []
    upcoming: list[UpcomingAction] = []
    pending: list[PendingAction] = []
    for ep in views:
        for rule in protocol.rules:
            found = _actions_for(
                protocol=protocol,
                rule=rule,
                ep=ep,
                evidence=evidence,
                child_id=timeline.child.id,
                as_of=as_of,
            )
            for item in found:
                if isinstance(item, RequiredAction):
                    actions.append(item)
                else:
                    upcoming.append(item)
            pending.extend(
                _pending_for(protocol=protocol, rule=rule, ep=ep, evidence=evidence, as_of=as_of)
            )
    rule_order = {rule.id: n for n, rule in enumerate(protocol.rules)}
    actions.sort(key=lambda a: (_u(a.triggered_at), rule_order[a.rule_id], a.episode_id, a.id))
    upcoming.sort(key=lambda u: (_u(u.triggers_at), rule_order[u.rule_id], u.episode_id))
    pending.sort(
        key=lambda p: (_u(p.triggered_at), rule_order[p.rule_id], p.episode_id, p.recipient or "")
    )
    return Evaluation(
        schema_version=RESULT_SCHEMA_VERSION,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        child_id=timeline.child.id,
        as_of=as_of,
        episodes=tuple(view.result for view in views),
        actions=tuple(actions),
        upcoming=tuple(upcoming),
        pending=tuple(pending),
    )

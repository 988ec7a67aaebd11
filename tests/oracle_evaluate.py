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
from dataclasses import dataclass

from missing_protocol.calendar import (
    UTC,
    Duration,
    Unit,
    add_duration,
    to_london,
    working_days_after,
)
from missing_protocol.compiled import (
    Deadline,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    Moment,
    Pred,
    Protocol,
    RecurringTrigger,
    Rule,
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
from missing_protocol.results import (
    RESULT_SCHEMA_VERSION,
    ActionStatus,
    CitationOut,
    DeadlineTrace,
    EpisodeResult,
    Evaluation,
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

    def moment(self, which: Moment) -> dt.datetime | None:
        if which is Moment.STARTED:
            return self.started_at
        if which is Moment.REPORTED:
            return self.reported_at
        if which is Moment.RETURNED:
            return self.returned_at
        raise ValueError(which)

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
        values[FactName.REPORTED_TO_POLICE] = reported is not None
        values[FactName.JUDGEMENTS] = frozenset(
            item.judgement
            for item in episode.judgements
            if item.at is None or _known(item.at, as_of)
        )
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
        stubs.append(EpisodeStub(episode.started_at, category))
        recorded = values[FactName.POLICE_RISK]
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
        )
        views.append(
            _Episode(episode, index, episode.started_at, reported, returned, facts, result)
        )
    if problems:
        raise TimelineError(problems)
    return views


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


def _stamp(moment: dt.datetime) -> str:
    return to_london(moment).isoformat()


def _firings(rule: Rule, ep: _Episode, as_of: dt.datetime) -> tuple[list[_Firing], _Firing | None]:
    """Occurrences fired by ``as_of``, and the next one if the child is still missing."""
    trigger = rule.trigger
    if isinstance(trigger, EventTrigger):
        at = ep.moment(trigger.on)
        if at is None:
            return [], None
        label = {
            "started": "went missing (last seen)",
            "reported": "reported to police",
            "returned": "returned or located",
        }[trigger.on.value]
        return [_Firing(at, None, f"{label} at {_stamp(at)}")], None
    anchor = ep.moment(trigger.anchor)
    if anchor is None:
        return [], None
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
    deadline: Deadline, ep: _Episode, triggered: dt.datetime
) -> tuple[dt.datetime | None, DeadlineTrace]:
    anchor_at = triggered if deadline.anchor is Moment.TRIGGERED else ep.moment(deadline.anchor)
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
    skipped: tuple[dt.date, ...] = ()
    if deadline.within.unit is Unit.WORKING_DAYS:
        _, skipped = working_days_after(to_london(anchor_at).date(), deadline.within.amount)
    due = add_duration(anchor_at, deadline.within)
    return due, DeadlineTrace(rule_text, deadline.anchor.value, anchor_at, arithmetic, skipped)


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
) -> list[dt.datetime | None]:
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
        item.event.at
        for item in evidence
        if item.event.action == rule.action
        and item.episode_index == ep.index
        and item.event.outcome.value in rule.satisfied_by
        and (recipient is None or item.event.recipient == recipient)
        and (item.event.by is None or item.event.by == responsible)
    ]
    from_start = rule.work_from is Moment.STARTED
    opens = [ep.started_at if from_start else firing.at for firing in fired]
    closes: list[dt.datetime | None] = [firing.at for firing in fired[1:]]
    if fired:
        closes.append(next_at)
    done: list[dt.datetime | None] = [None] * len(fired)
    used: set[int] = set()

    def take(opened: dt.datetime, closed: dt.datetime | None) -> dt.datetime | None:
        for index, at in enumerate(candidates):
            if (
                index not in used
                and _u(at) >= _u(opened)
                and (closed is None or _u(at) < _u(closed))
            ):
                used.add(index)
                return at
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
        _Firing(
            at,
            firing.occurrence,
            f"{firing.description}; required from when {code} was recorded ({_stamp(at)})",
        )
        if _u(firing.at) < latest_u
        else firing
        for firing in fired
    ]


def _awaiting(rule: Rule, ep: _Episode) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of judgements not recorded that would make the condition hold."""
    assert rule.when is not None
    recorded = ep.facts.values[FactName.JUDGEMENTS]
    assert isinstance(recorded, frozenset)
    names = _named_judgements(rule)
    found: list[tuple[str, ...]] = []
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):
            if set(subset) & recorded:
                continue
            if any(set(smaller) <= set(subset) for smaller in found):
                continue
            values = dict(ep.facts.values)
            values[FactName.JUDGEMENTS] = recorded | set(subset)
            if holds(rule.when, Facts(values, ep.facts.started_at, ep.facts.history))[0]:
                found.append(subset)
    return tuple(found)


def _pending_for(
    *, protocol: Protocol, rule: Rule, ep: _Episode, as_of: dt.datetime
) -> Iterator[PendingAction]:
    if not _named_judgements(rule):
        return
    awaiting = _awaiting(rule, ep)
    if not awaiting:
        return
    fired = _waited(rule, ep, _firings(rule, ep, as_of)[0], as_of)
    if not fired:
        return
    assert rule.when is not None
    responsible, _ = _responsible(protocol, rule, ep.facts)
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
) -> Iterator[RequiredAction | UpcomingAction | PendingAction]:
    if rule.when is not None:
        ok, why = holds(rule.when, ep.facts)
        if not ok:
            yield from _pending_for(protocol=protocol, rule=rule, ep=ep, as_of=as_of)
            return
    else:
        why = ()
    fired, upcoming = _firings(rule, ep, as_of)
    fired = _waited(rule, ep, fired, as_of)
    responsible, reason = _responsible(protocol, rule, ep.facts)
    citation = CitationOut(protocol.id, rule.citation.section, rule.citation.quote)
    for recipient in rule.recipients:
        done = _assign(
            evidence=evidence,
            rule=rule,
            recipient=recipient,
            responsible=responsible,
            ep=ep,
            fired=fired,
            next_at=upcoming.at if upcoming is not None else None,
        )
        for firing, met_at in zip(fired, done, strict=True):
            due, trace = _deadline(rule.deadline, ep, firing.at)
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
                facts=tuple(why),
                deadline=trace,
                citation=citation,
                note=rule.note,
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
                elif isinstance(item, PendingAction):
                    pending.append(item)
                else:
                    upcoming.append(item)
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

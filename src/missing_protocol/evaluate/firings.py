"""When a rule's trigger fires: single and recurring occurrences, phased series,
``first_of`` alternatives and recorded-event anchors; occurrences judged on the facts as
they stood when each fell due, and moved to when a judgement they wait on was made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from missing_protocol.compiled import (
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    PhasedTrigger,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
)
from missing_protocol.errors import Problem, TimelineError
from missing_protocol.plan import (
    EVENT,
    MOMENTS,
    PHASED,
    RECORDED_ANCHOR,
    RECURRING,
    History,
    RulePlan,
)

from .episodes import _Episode, _missing_at, _segment_at, _values_of
from .evidence import _Evidence, _recorded_at
from .instants import _LEAST, _At, _shifted, _stepped


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
        at, at_u = (base, base_u) if number == 0 else _stepped(base_u, every, number)
        if (stop_u is not None and at_u >= stop_u) or not _missing_at(ep, at_u):
            return fired, None
        firing = _Firing(at, at_u, number + 1)
        if at_u > as_of_u:
            return fired, firing
        if number >= cap:
            raise _too_many(rule, ep, cap)
        fired.append(firing)
        number += 1


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
    if rule.plain_event:  # as _firings makes it, with no recorded anchor to read
        at, at_u = ep.moments[rule.anchor]
        return ([] if at is None or at_u is None else [_Firing(at, at_u, None)]), None
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
            at, at_u = (first, first_u) if number == 0 else _stepped(first_u, every, number)
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

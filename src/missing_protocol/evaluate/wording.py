"""The explanation of a full result, made only for :func:`~missing_protocol.evaluate.evaluate`:
how each trigger fired, the facts that made its rule apply, the deadline arithmetic.

Each record is made with its explanation still to write (:func:`.results.lazy_record`):
the words are written when a field of the explanation is first read (by ``explain``, JSON
output, or any caller), from the run the record keeps until then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from missing_protocol.calendar import Duration, Unit, to_london
from missing_protocol.compiled import (
    Cond,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    Moment,
    PhasedTrigger,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
)
from missing_protocol.conditions import describe
from missing_protocol.plan import MOMENTS, RECORDED_ANCHOR, RECURRING, History, RulePlan
from missing_protocol.results import (
    DeadlineTrace,
    FactUsed,
    PendingAction,
    RequiredAction,
    UpcomingAction,
    lazy_record,
)

from .actions import _Found, _Pending, _Run, _Upcoming
from .deadlines import (
    _REVIEW_KINDS,
    _deadline_anchor,
    _deadline_of,
    _dual_due,
    _office_opening_trace,
    _review_due,
)
from .episodes import _RISK_FACT, _Episode, _values_of
from .firings import _Firing
from .instants import _skipped, _stamp, _utc

_EVENT_LABELS = {
    Moment.STARTED: "went missing (last seen)",
    Moment.REPORTED: "reported to police",
    Moment.RETURNED: "returned or located",
    Moment.NOTICED: "noticed missing",
    Moment.PROFESSIONAL_AWARE: "a professional learnt of it",
    Moment.POLICE_TOLD_OF_RETURN: "the police were told of the return",
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
    Moment.POLICE_TOLD_OF_RETURN: " (police_told_of_return_at not recorded: the return is used)",
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


def _review_trace(kind: DeadlineKind, ep: _Episode, firing: _Firing) -> DeadlineTrace:
    """A deadline at the child's next review: which review, and which end of its day."""
    before = kind is DeadlineKind.BEFORE_NEXT_REVIEW
    due = _review_due(kind, ep.next_review, firing.at_u)[0]
    rule_text = "before the next review" if before else "at the next review"
    if due is None:
        known = ep.next_review
        why = (
            "next_review_on not recorded"
            if known is None
            else f"next_review_on ({known.isoformat()}) is "
            + ("not after" if before else "before")
            + " the day the duty arose, so the next review's date is not recorded"
        )
        return DeadlineTrace(rule_text, "next_review", None, f"not yet computable: {why}", ())
    end = "the start (00:00)" if before else "the end (23:59:59)"
    return DeadlineTrace(
        rule_text,
        "next_review",
        due,
        f"{end} of the London day of the child's next review (next_review_on)",
        (),
    )


def _trace_of(rule: RulePlan, ep: _Episode, firing: _Firing) -> DeadlineTrace:
    deadline = _deadline_of(rule, firing)
    if deadline.kind in _REVIEW_KINDS:
        return _review_trace(deadline.kind, ep, firing)
    if deadline.kind is DeadlineKind.NEXT_OFFICE_OPENING:
        return _office_opening_trace(deadline, firing)
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
    when = rule.rule.when
    assert when is not None
    return lazy_record(
        PendingAction,
        _condition,
        (when,),
        kind=rule.action,
        rule_id=rule.rule.id,
        episode_id=item.ep.source.id,
        obligation=rule.obligation,
        responsible=item.responsible,
        recipient=item.recipient,
        triggered_at=item.firing.at,
        awaiting=item.awaiting,
        citation=rule.citation,
    )


def _condition(when: Cond) -> dict[str, object]:
    return {"condition": describe(when)}


def _explained(run: _Run, item: _Found) -> RequiredAction:
    """The action, its explanation written when first read (:func:`_explanation`)."""
    rule_plan, ep, firing = item.rule, item.ep, item.firing
    rule = rule_plan.rule
    met = item.met
    return lazy_record(
        RequiredAction,
        _explanation,
        (rule_plan, ep, firing, run.history),
        id=item.id,
        kind=rule_plan.action,
        obligation=rule_plan.obligation,
        rule_id=rule.id,
        topic=rule_plan.topic,
        episode_id=item.ep.source.id,
        responsible=item.responsible,
        responsible_reason=item.responsible_reason,
        recipient=item.recipient,
        triggered_at=firing.at,
        due_at=item.due,
        occurrence=firing.occurrence,
        status=item.status,
        met_at=met[1] if met else None,
        citation=rule_plan.citation,
        note=rule.note,
        alternative_kinds=rule.alternative_actions,
        met_kind=_met_kind(run, item),
        met_after_minutes=_met_after_minutes(rule_plan, ep, item),
    )


def _explanation(
    rule: RulePlan, ep: _Episode, firing: _Firing, history: History
) -> dict[str, object]:
    """How the action's trigger fired, the facts that made its rule apply and its
    deadline's arithmetic: the fields :class:`RequiredAction` writes when first read."""
    return {
        "trigger": _waited_text(rule, ep, firing),
        "facts": _facts_used(rule, ep, history, firing),
        "deadline": _trace(rule, ep, firing),
    }


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
    firing = item.firing
    return lazy_record(
        UpcomingAction,
        _upcoming_condition,
        (rule, item.ep, firing),
        kind=rule.action,
        rule_id=rule.rule.id,
        episode_id=item.ep.source.id,
        obligation=rule.obligation,
        responsible=item.responsible,
        recipient=item.recipient,
        triggers_at=firing.at,
        occurrence=firing.occurrence,
        citation=rule.citation,
    )


def _upcoming_condition(rule: RulePlan, ep: _Episode, firing: _Firing) -> dict[str, object]:
    return {
        "condition": f"if still missing at {_stamp(firing.at)}: " + _trigger_text(rule, ep, firing)
    }

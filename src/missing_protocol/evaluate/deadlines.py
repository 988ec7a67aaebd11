"""When each occurrence is due: its deadline's anchor and arithmetic, dual deadlines."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from missing_protocol.calendar import LONDON, UTC, Duration, to_london
from missing_protocol.compiled import Deadline, DeadlineKind, Moment, PhasedTrigger, Recorded
from missing_protocol.office_hours import describe_office_hours, next_opening
from missing_protocol.plan import RECORDED_ANCHOR, TRIGGERED, RulePlan
from missing_protocol.results import DeadlineTrace

from .episodes import _Episode
from .firings import _Firing
from .instants import _At, _shifted


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
    if deadline.kind in _REVIEW_KINDS:
        return _review_due(deadline.kind, ep.next_review, firing.at_u)
    if deadline.kind is DeadlineKind.NEXT_OFFICE_OPENING:
        return _office_opening_due(deadline, firing.at_u)
    anchor, anchor_u = _deadline_anchor(rule, ep, firing)
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return anchor, anchor_u
    if deadline.within is None or anchor_u is None:
        return None, None
    if deadline.or_within is not None:
        return _dual_due(anchor_u, deadline.within, deadline.or_within, deadline.use)[0]
    return _shifted(anchor_u, deadline.within)


_REVIEW_KINDS = frozenset({DeadlineKind.BEFORE_NEXT_REVIEW, DeadlineKind.AT_NEXT_REVIEW})
_DAY_START, _DAY_END = dt.time(0, 0), dt.time(23, 59, 59)


def _next_review(
    kind: DeadlineKind, review: dt.date | None, triggered_u: dt.datetime | None
) -> dt.date | None:
    """The child's next review as a duty arising at ``triggered_u`` sees it, if recorded.

    ``before_next_review`` needs a review after the day the duty arose (before it
    starts); ``at_next_review`` one on or after that day.
    """
    if review is None or triggered_u is None:
        return None
    day = to_london(triggered_u).date()
    later = review > day if kind is DeadlineKind.BEFORE_NEXT_REVIEW else review >= day
    return review if later else None


def _review_due(
    kind: DeadlineKind, review: dt.date | None, triggered_u: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Due at the start (before) or the end (at) of the next review's London day."""
    day = _next_review(kind, review, triggered_u)
    if day is None:
        return None, None
    time = _DAY_START if kind is DeadlineKind.BEFORE_NEXT_REVIEW else _DAY_END
    moment = dt.datetime.combine(day, time, tzinfo=LONDON)
    return moment, moment.astimezone(UTC)


def _office_opening_due(
    deadline: Deadline, triggered_u: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Due at the next opening of the office hours at or after the trigger."""
    assert deadline.office_hours is not None
    moment = next_opening(deadline.office_hours, triggered_u)
    return moment, moment.astimezone(UTC)


def _office_opening_trace(deadline: Deadline, firing: _Firing) -> DeadlineTrace:
    """The trace of ``next_office_opening``: which hours, and whether the trigger was in them."""
    hours = deadline.office_hours
    assert hours is not None
    due = _office_opening_due(deadline, firing.at_u)[0]
    when = (
        "triggered in office hours: due at once"
        if due == to_london(firing.at_u)
        else "the next opening after the trigger"
    )
    return DeadlineTrace(
        "as soon as day-time services resume",
        Moment.TRIGGERED.value,
        firing.at,
        f"office hours {describe_office_hours(hours)}; {when}",
        (),
    )


def _dual_due(
    anchor_u: dt.datetime, first: Duration, second: Duration, use: str | None
) -> tuple[tuple[dt.datetime, dt.datetime], tuple[dt.datetime, dt.datetime], Duration, Duration]:
    """A dual deadline: (the bound used, the other bound, the duration used, the other)."""
    one, two = _shifted(anchor_u, first), _shifted(anchor_u, second)
    second_used = two[1] < one[1] if use == "earlier" else two[1] > one[1]
    if second_used:
        return two, one, second, first
    return one, two, first, second


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

"""When each occurrence is due: its deadline's anchor and arithmetic, dual deadlines."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from missing_protocol.calendar import Duration
from missing_protocol.compiled import Deadline, DeadlineKind, Moment, PhasedTrigger, Recorded
from missing_protocol.plan import RECORDED_ANCHOR, TRIGGERED, RulePlan

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

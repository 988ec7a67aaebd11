"""Where each moment sits in an episode's moments, and the kinds of trigger, as small
integers the evaluator switches on."""

from __future__ import annotations

from missing_protocol.compiled import (
    Anchor,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    Moment,
    PhasedTrigger,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Trigger,
)

#: Positions of an episode's moments, and the moment a rule fired.
MOMENTS: dict[Moment, int] = {
    Moment.STARTED: 0,
    Moment.REPORTED: 1,
    Moment.RETURNED: 2,
    Moment.TRIGGERED: 3,
    Moment.NOTICED: 4,
    Moment.PROFESSIONAL_AWARE: 5,
    Moment.POLICE_TOLD_OF_RETURN: 6,
}


TRIGGERED = MOMENTS[Moment.TRIGGERED]


#: The position of an anchor that is a recorded event (schema 2): read from the events.
RECORDED_ANCHOR = -1


EVENT, ELAPSED, RECURRING = 0, 1, 2


RECORDED, PHASED, FIRST_OF = 3, 4, 5


TRIGGER_KINDS: dict[type, int] = {
    EventTrigger: EVENT,
    ElapsedTrigger: ELAPSED,
    RecurringTrigger: RECURRING,
    RecordedTrigger: RECORDED,
    PhasedTrigger: PHASED,
    FirstOf: FIRST_OF,
}


def anchor_position(anchor: Anchor) -> int:
    """The MOMENTS position of an anchor, or ``RECORDED_ANCHOR`` for a recorded event."""
    return RECORDED_ANCHOR if isinstance(anchor, Recorded) else MOMENTS[anchor]


def _trigger_anchor(trigger: Trigger) -> int:
    if isinstance(trigger, EventTrigger):
        return MOMENTS[trigger.on]
    if isinstance(trigger, RecordedTrigger | FirstOf):
        return RECORDED_ANCHOR if isinstance(trigger, RecordedTrigger) else TRIGGERED
    return anchor_position(trigger.anchor)

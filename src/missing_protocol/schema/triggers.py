"""Triggers and deadlines: moments, elapsed time, recurring and phased series, recorded-event
anchors, ``first_of`` alternatives, and the deadline forms."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from missing_protocol.versions import since, since_values
from missing_protocol.vocabulary import Outcome

from .base import DurationField, Identifier, _Model
from .conditions import Condition


class Anchor(StrEnum):
    """A moment in an episode that triggers and deadlines count from."""

    STARTED = "started"  # last seen
    REPORTED = "reported"  # reported to police
    RETURNED = "returned"  # located or returned
    TRIGGERED = "triggered"  # the moment the rule fired (deadlines only)
    # since version 2: when the child was noticed missing (noticed_at; started if not recorded)
    NOTICED = "noticed"
    # since version 2: when a professional first learnt of it (professional_aware_at; reported
    # if not recorded)
    PROFESSIONAL_AWARE = "professional_aware"
    # since version 2: when the police were told of the return (police_told_of_return_at;
    # returned if not recorded)
    POLICE_TOLD_OF_RETURN = "police_told_of_return"


since_values(2, Anchor.NOTICED, Anchor.PROFESSIONAL_AWARE)
since_values(2, Anchor.POLICE_TOLD_OF_RETURN)


class EventTrigger(_Model):
    """Fires when the episode reaches a moment: started, reported or returned.

    Since version 2 also ``noticed`` (when the child was noticed missing),
    ``professional_aware`` (when a professional first learnt of it) and
    ``police_told_of_return`` (when the police were told of the return).
    """

    on: Literal[
        Anchor.STARTED,
        Anchor.REPORTED,
        Anchor.RETURNED,
        Anchor.NOTICED,
        Anchor.PROFESSIONAL_AWARE,
        Anchor.POLICE_TOLD_OF_RETURN,
    ]


class ElapsedTrigger(_Model):
    """Fires when the child is still missing ``missing_for`` after ``from``."""

    missing_for: DurationField
    from_: Literal[Anchor.STARTED, Anchor.REPORTED] = Field(default=Anchor.STARTED, alias="from")


class RecurringTrigger(_Model):
    """Fires every ``every`` while the child is missing, from ``from`` + ``first``."""

    every: DurationField
    from_: SeriesAnchor = Field(default=Anchor.STARTED, alias="from")
    first: DurationField | None = Field(
        default=None, description="Offset of the first occurrence; defaults to ``every``."
    )
    until: DurationField | None = Field(
        default=None, description="No occurrence at or after ``from`` + ``until``."
    )


def _trigger_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("on", "missing_for", "every"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {EventTrigger: "on", ElapsedTrigger: "missing_for", RecurringTrigger: "every"}.get(
            type(value)
        )
    return None


class RecordedMoment(_Model):
    """The first recorded event of an action kind in the episode, as known at the time evaluated.

    The first, because the texts anchor on "the first meeting" or on a thing having
    happened at all, and because a later record never moves a moment already passed.
    """

    since_version: ClassVar[int] = 2
    model_config = ConfigDict(json_schema_extra=since(2))

    recorded: Identifier = Field(description="An action kind of the protocol.")
    outcome: list[Outcome] | None = Field(
        default=None,
        min_length=1,
        description="Only events with one of these outcomes (e.g. [declined] for 'if the "
        "interview is refused'); default: done, offered, completed, declined.",
    )
    recipient: Identifier | None = Field(
        default=None, description="For a notification: only events with this recipient."
    )


def _moment_or_recorded(value: Any) -> str | None:
    if isinstance(value, str):
        return "moment"
    if isinstance(value, dict | BaseModel):
        return "recorded"
    return None


SeriesAnchor = Annotated[
    Annotated[Literal[Anchor.STARTED, Anchor.REPORTED], Tag("moment")]
    | Annotated[RecordedMoment, Tag("recorded")],
    Discriminator(
        _moment_or_recorded,
        custom_error_type="invalid_anchor",
        custom_error_message="expected started, reported or {recorded: <action kind>}",
    ),
]


DeadlineAnchor = Annotated[
    Annotated[Anchor, Tag("moment")] | Annotated[RecordedMoment, Tag("recorded")],
    Discriminator(
        _moment_or_recorded,
        custom_error_type="invalid_anchor",
        custom_error_message=(
            "expected triggered, started, reported, returned or {recorded: <action kind>}"
        ),
    ),
]


class RecordedTrigger(_Model):
    """Fires at the first recorded event of a kind in the episode (``{on: {recorded: kind}}``)."""

    since_version: ClassVar[int] = 2
    model_config = ConfigDict(json_schema_extra=since(2))

    on: RecordedMoment


class Phase(_Model):
    """One pace of a changing schedule: every ``every``, strictly before ``until``."""

    every: DurationField
    first: DurationField | None = Field(
        default=None,
        description="Offset of the phase's first occurrence: from the trigger's anchor in the "
        "first phase, from the previous phase's last occurrence after it; defaults to ``every``.",
    )
    until: DurationField | None = Field(
        default=None,
        description="No occurrence of this phase at or after the anchor + ``until``; every "
        "phase but the last needs one.",
    )
    within: DurationField | None = Field(
        default=None,
        description="Each occurrence of this phase is due within this of the moment it fires "
        "(the rule's deadline, a ``within`` from the trigger, is used otherwise).",
    )


class PhasedTrigger(_Model):
    """A recurrence that changes pace: each phase counts on from the previous one's last."""

    since_version: ClassVar[int] = 2
    model_config = ConfigDict(json_schema_extra=since(2))

    phases: list[Phase] = Field(min_length=2)
    from_: SeriesAnchor = Field(default=Anchor.STARTED, alias="from")


def _single_trigger_tag(value: Any) -> str | None:
    tag = _any_trigger_tag(value)
    return tag if tag in ("on", "missing_for", "recorded") else None


SingleTrigger = Annotated[
    Annotated[EventTrigger, Tag("on")]
    | Annotated[ElapsedTrigger, Tag("missing_for")]
    | Annotated[RecordedTrigger, Tag("recorded")],
    Discriminator(
        _single_trigger_tag,
        custom_error_type="invalid_trigger",
        custom_error_message=(
            "expected one trigger that fires once: {on: started|reported|returned}, "
            "{on: {recorded: <kind>}} or {missing_for: '24 hours'}"
        ),
    ),
]


class TriggerAlternative(_Model):
    """One way a rule can fire: a trigger, and the circumstance in which it counts."""

    trigger: SingleTrigger
    when: Condition | None = Field(
        default=None, description="This alternative counts only where this holds."
    )


class FirstOfTrigger(_Model):
    """Fires once, at the earliest of its alternatives that fires (the first listed on a tie)."""

    since_version: ClassVar[int] = 2
    model_config = ConfigDict(json_schema_extra=since(2))

    first_of: list[TriggerAlternative] = Field(min_length=2)


def _any_trigger_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if isinstance(value.get("on"), dict):
            return "recorded"
        for key in ("phases", "first_of"):
            if key in value:
                return key
        return _trigger_tag(value)
    if isinstance(value, BaseModel):
        found = {
            RecordedTrigger: "recorded",
            PhasedTrigger: "phases",
            FirstOfTrigger: "first_of",
        }.get(type(value))
        return found or _trigger_tag(value)
    return None


Trigger = Annotated[
    Annotated[EventTrigger, Tag("on")]
    | Annotated[ElapsedTrigger, Tag("missing_for")]
    | Annotated[RecurringTrigger, Tag("every")]
    | Annotated[RecordedTrigger, Tag("recorded")]
    | Annotated[PhasedTrigger, Tag("phases")]
    | Annotated[FirstOfTrigger, Tag("first_of")],
    Discriminator(
        _any_trigger_tag,
        custom_error_type="invalid_trigger",
        custom_error_message=(
            "expected a trigger: {on: started|reported|returned|noticed|professional_aware|"
            "police_told_of_return}, "
            "{on: {recorded: <kind>}}, {missing_for: '24 hours'}, {every: '7 days'}, "
            "{phases: [...]} or {first_of: [...]}"
        ),
    ),
]


class Deadline(_Model):
    """Due ``within`` a duration of an anchor (the trigger moment unless ``from`` says).

    A dual deadline (since version 2) gives a second bound, ``or_within``, and
    which of the two is the deadline, ``use: earlier`` or ``use: later``
    ("within 72 hours (i.e. 3 working days)"); the other is shown beside it.
    """

    within: DurationField
    from_: DeadlineAnchor = Field(default=Anchor.TRIGGERED, alias="from")
    or_within: DurationField | None = Field(
        default=None,
        description="A second bound from the same anchor (a dual deadline); needs 'use'.",
        json_schema_extra=since(2),
    )
    use: Literal["earlier", "later"] | None = Field(
        default=None,
        description="Which of 'within' and 'or_within' is the deadline: the earlier or the later "
        "moment; the other is shown in the deadline's explanation.",
        json_schema_extra=since(2),
    )

    @model_validator(mode="after")
    def _dual_needs_both(self) -> Deadline:
        if (self.or_within is None) != (self.use is None):
            raise PydanticCustomError(
                "dual_deadline",
                "a dual deadline needs both 'or_within' (the second bound) and 'use' (earlier "
                "or later); give both, or neither",
                {},
            )
        return self


class DeadlineWord(StrEnum):
    """Deadlines said in a word, beyond 'immediately' and 'unspecified' (since version 2)."""

    # "without delay", "as soon as practicable", "promptly", "as soon as possible": the text
    # sets no time, so none is invented: never overdue by a clock, met when done, and the
    # result says how long after the trigger it was done.
    WITHOUT_DELAY = "without_delay"
    # "made available for the child's next review": due at the start (00:00, London) of the
    # day of the child's next review (the timeline's next_review_on, after the day the duty
    # arose); no deadline while that date is not recorded.
    BEFORE_NEXT_REVIEW = "before_next_review"
    # "addressed in / considered at the child's review": due at the end (23:59:59, London) of
    # the day of the child's next review (next_review_on, on or after the day the duty arose).
    AT_NEXT_REVIEW = "at_next_review"
    # "as soon as day time services resume": due at the next opening of the protocol's
    # office_hours at or after the trigger (at the trigger itself if it is in office hours).
    NEXT_OFFICE_OPENING = "next_office_opening"


since_values(2, DeadlineWord.WITHOUT_DELAY)
since_values(2, DeadlineWord.NEXT_OFFICE_OPENING)
since_values(2, DeadlineWord.BEFORE_NEXT_REVIEW, DeadlineWord.AT_NEXT_REVIEW)


RecordedMoment.model_rebuild()
RecurringTrigger.model_rebuild()
Deadline.model_rebuild()
TriggerAlternative.model_rebuild()
FirstOfTrigger.model_rebuild()
PhasedTrigger.model_rebuild()

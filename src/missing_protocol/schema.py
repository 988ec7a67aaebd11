"""Pydantic models of a rule file: what a protocol author writes.

A rule file has five parts::

    protocol:          metadata: id, title, authorities, version, source
    extra_roles:       roles and action kinds the area adds to the shared vocabulary
    extra_action_kinds:
    risk:              police risk levels used, the area's categories, risk floors
    allocations:       first-match tables choosing who does a thing
    rules:             triggers, conditions, deadlines, who, citation

Every model forbids unknown fields. Conditions are data: a predicate on one
fact (``{fact: age, lt: 12}``), an episode count (``{episodes: {within: 90
days}, at_least: 3}``), or ``all`` / ``any`` / ``not`` of conditions. The
compiler (:mod:`missing_protocol.compile`) checks what the schema cannot: that
names resolve and that each comparison suits its fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    StrictInt,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .calendar import DURATION_HELP, Duration, Unit, parse_duration
from .facts import CheckMethod, FactName, MissingFrom, PoliceRisk
from .moments import PlainDate, limits_in
from .versions import newer_than, since, since_values
from .vocabulary import Obligation, Topic

__all__ = [
    "SCHEMA_VERSION",
    "AcceptedWarning",
    "AllOf",
    "Allocation",
    "AllocationOption",
    "AlsoCategory",
    "Anchor",
    "AnyOf",
    "Category",
    "Citation",
    "Condition",
    "Deadline",
    "DeadlineWord",
    "DurationField",
    "ElapsedTrigger",
    "EpisodeCount",
    "EpisodeWindow",
    "EventTrigger",
    "FirstOfTrigger",
    "NotEncoded",
    "NotOf",
    "OfficeHours",
    "OutOfHours",
    "Outcome",
    "Phase",
    "PhasedTrigger",
    "Predicate",
    "ProtocolInfo",
    "RecordedMoment",
    "RecordedTrigger",
    "RecurringTrigger",
    "RiskFloor",
    "RiskSection",
    "Rule",
    "RuleFile",
    "Trigger",
    "TriggerAlternative",
    "UngradedRisk",
    "Weekday",
]

#: The newest rule-file schema version this library reads (1 is still read as written).
SCHEMA_VERSION = 2

Identifier = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]*$", description="snake_case, starting with a letter"),
]


# The longest day count of one unit of each kind, to bound a duration whatever its unit.
_DAYS_PER_UNIT = {
    Unit.MINUTES: 1 / 1440,
    Unit.HOURS: 1 / 24,
    Unit.DAYS: 1,
    Unit.WEEKS: 7,
    Unit.MONTHS: 31,
    Unit.WORKING_DAYS: 2,  # no run of England's working days is sparser than one in two
}


def _invalid_duration(value: object) -> PydanticCustomError:
    return PydanticCustomError(
        "invalid_duration",
        "expected {help}, got {got}",
        {"help": DURATION_HELP, "got": repr(value) if len(repr(value)) <= 60 else "text"},
    )


def _duration(value: object, info: ValidationInfo) -> Duration:
    """A duration from its rule-file spelling, no longer than the limit ``duration_days``.

    Checked here so that ``validate`` refuses what evaluation could not compute
    (a deadline beyond the calendar's end).
    """
    if isinstance(value, Duration):
        duration = value
    elif not isinstance(value, str) or len(value) > 60:
        raise _invalid_duration(value)
    else:
        try:
            duration = parse_duration(value)
        except ValueError:
            raise _invalid_duration(value) from None
    limits = limits_in(info)
    if duration.amount * _DAYS_PER_UNIT[duration.unit] > limits.duration_days:
        raise PydanticCustomError(
            "limit.duration",
            f"{duration} is longer than {limits.duration_days:,} days: over the limit "
            "duration_days; no protocol sets so long a time (raise the limit if this one does)",
        )
    return duration


DurationField = Annotated[
    Duration,
    BeforeValidator(_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d+ (minutes?|hours?|days?|weeks?|months?|working days?)$",
            "description": DURATION_HELP,
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(_Model):
    """Where a rule comes from: the section of the protocol and a short verbatim quote."""

    section: str = Field(min_length=1, description="Section number or heading, as the text has it.")
    quote: str = Field(
        min_length=8,
        max_length=400,
        description="Words copied exactly from the protocol text (whitespace may differ).",
    )


class ProtocolInfo(_Model):
    """Metadata of the protocol."""

    id: Identifier
    title: str
    authorities: list[str] = Field(min_length=1)
    version: str
    effective: PlainDate | None = Field(default=None, description="Date the text took effect.")
    source_document: str = Field(description="The document the rules were read from.")
    source_text: str = Field(
        description="File name of the plain-text copy the quotes were checked against."
    )


# --- conditions -------------------------------------------------------------

Scalar = bool | int | str


class Predicate(_Model):
    """A test of one fact, with exactly one operator."""

    fact: FactName
    is_: Scalar | None = Field(default=None, alias="is")
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    lt: Scalar | None = None
    le: Scalar | None = None
    gt: Scalar | None = None
    ge: Scalar | None = None
    has: str | None = None
    has_any: list[str] | None = Field(default=None, min_length=1)
    has_none: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_operator(self) -> Predicate:
        given = [name for name in OPERATORS if getattr(self, _attr(name)) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "operator_count",
                "expected exactly one operator of {ops}, got {got}",
                {"ops": ", ".join(OPERATORS), "got": ", ".join(given) or "none"},
            )
        return self

    @property
    def operator(self) -> str:
        return next(name for name in OPERATORS if getattr(self, _attr(name)) is not None)

    @property
    def value(self) -> Scalar | list[Scalar] | list[str]:
        result: Scalar | list[Scalar] | list[str] = getattr(self, _attr(self.operator))
        return result


OPERATORS = ("is", "in", "not_in", "lt", "le", "gt", "ge", "has", "has_any", "has_none")


def _attr(operator: str) -> str:
    return operator + "_" if operator in ("is", "in") else operator


class EpisodeWindow(_Model):
    """Which episodes to count: those starting in ``within`` up to this one's start."""

    within: DurationField | None = Field(
        default=None, description="Rolling window ending at this episode's start; omit for all."
    )
    categories: list[Identifier] | None = Field(
        default=None, description="Count only episodes of these area categories."
    )
    calendar_month: Literal[True] | None = Field(
        default=None,
        description="Count the episodes that started in the London calendar month of this "
        "episode's start, up to and including this one (instead of a rolling ``within``).",
        json_schema_extra=since(2),
    )
    missing_from: list[MissingFrom] | None = Field(
        default=None,
        min_length=1,
        description="Count only episodes in which the child went missing from one of these.",
        json_schema_extra=since(2),
    )

    @model_validator(mode="after")
    def _one_window(self) -> EpisodeWindow:
        if self.calendar_month is not None and self.within is not None:
            raise PydanticCustomError(
                "window_count",
                "expected either 'within' (a rolling window) or 'calendar_month: true', not both",
                {},
            )
        return self


class EpisodeCount(_Model):
    """How many episodes (this one included) fall in a window."""

    episodes: EpisodeWindow
    at_least: StrictInt | None = Field(default=None, ge=1)
    exactly: StrictInt | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_bound(self) -> EpisodeCount:
        if (self.at_least is None) == (self.exactly is None):
            raise PydanticCustomError(
                "operator_count", "expected exactly one of at_least, exactly", {}
            )
        return self


class AllOf(_Model):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Model):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Model):
    not_: Condition = Field(alias="not")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "fact", "episodes"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            Predicate: "fact",
            EpisodeCount: "episodes",
        }.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Predicate, Tag("fact")]
    | Annotated[EpisodeCount, Tag("episodes")],
    Discriminator(
        _condition_tag,
        custom_error_type="invalid_condition",
        custom_error_message=(
            "expected a condition: a mapping with 'fact', 'episodes', 'all', 'any' or 'not'"
        ),
    ),
]


# --- risk -------------------------------------------------------------------


class AlsoCategory(_Model):
    """Another category an episode of this one is in at the same time, when ``when`` holds."""

    category: Identifier = Field(description="The other category (one of the protocol's).")
    when: Condition | None = Field(
        default=None, description="When the episode is also in it (omit for always)."
    )
    citation: Citation
    note: str | None = None


class Category(_Model):
    """One of the area's own categories of absence."""

    id: Identifier
    label: str
    police_risk: list[PoliceRisk] = Field(
        default_factory=list, description="The police risk levels this category corresponds to."
    )
    when: Condition | None = Field(
        default=None,
        description="How to derive the category when a timeline gives none (first match).",
    )
    citation: Citation
    note: str | None = None
    also: list[AlsoCategory] = Field(
        default_factory=list,
        description="Categories an episode of this category is also in (an absconder under 16 "
        "is 'both a missing child and an absconder'); rules test them with the fact "
        "'categories'.",
        json_schema_extra=since(2),
    )


class RiskFloor(_Model):
    """A constraint such as "no child may be held at low risk"."""

    id: Identifier
    when: Condition | None = None
    forbid: list[PoliceRisk] = Field(min_length=1)
    raise_to: PoliceRisk
    citation: Citation
    note: str | None = None


class UngradedRisk(_Model):
    """The level an episode the police have not graded is held at ("every child recorded
    missing is prioritised medium or high risk"); the first whose ``when`` holds applies."""

    id: Identifier
    when: Condition | None = Field(
        default=None, description="Which ungraded episodes it holds (omit for all)."
    )
    held_at: PoliceRisk = Field(description="The level an ungraded episode is held at.")
    citation: Citation
    note: str | None = None


class RiskSection(_Model):
    police_risk_levels: list[PoliceRisk] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    floors: list[RiskFloor] = Field(default_factory=list)
    ungraded: list[UngradedRisk] = Field(
        default_factory=list,
        description="The level an episode with no police risk recorded is held at, first "
        "match; the floors then apply to it, and the episode result says it was assumed.",
        json_schema_extra=since(2),
    )


# --- triggers and deadlines -------------------------------------------------


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


# --- issue 10: recorded-event anchors, phases, alternatives (schema version 2) ---------


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


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


def _wall_clock(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise PydanticCustomError(
            "invalid_time", "expected a London wall-clock time such as '09:00' or '17:00'", {}
        )
    return value


WallClock = Annotated[
    str,
    BeforeValidator(_wall_clock),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}),
]


class OfficeHours(_Model):
    """When the area's day-time services are open (since version 2).

    In hours: one of ``days``, from ``opens`` (included) to ``closes`` (not
    included), London wall-clock time, and not one of England's bank holidays
    when ``closed_on_bank_holidays``. Any other moment is out of hours.
    """

    days: list[Weekday] = Field(min_length=1, description="The weekdays the offices open.")
    opens: WallClock = Field(description="Opening time, London wall clock, e.g. '09:00'.")
    closes: WallClock = Field(description="Closing time (out of hours from it), e.g. '17:00'.")
    closed_on_bank_holidays: bool = True
    citation: Citation
    note: str | None = None

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OfficeHours:
        if self.opens >= self.closes:
            raise PydanticCustomError(
                "invalid_time",
                "office hours open at {opens} and close at {closes}: 'opens' must be before "
                "'closes' (hours past midnight are out of hours)",
                {"opens": self.opens, "closes": self.closes},
            )
        return self


class OutOfHours(_Model):
    """Who does the duty, or whom it goes to, when the rule fires out of office hours."""

    responsible: Identifier | None = Field(
        default=None, description="The role responsible out of hours (in hours: the rule's)."
    )
    recipients: list[Identifier] | None = Field(
        default=None,
        min_length=1,
        description="The recipients out of hours (in hours: the rule's recipients).",
    )
    required: bool = Field(
        default=True,
        description='false: the duty arises only in office hours ("when it is made aware during '
        'day service"); out of hours the rule gives no action.',
    )
    in_hours_required: bool = Field(
        default=True,
        description="false: the duty arises only out of office hours (the emergency duty team's "
        "own duties); in hours the rule gives no action.",
    )

    @model_validator(mode="after")
    def _something_changes(self) -> OutOfHours:
        if (
            self.required
            and self.in_hours_required
            and self.responsible is None
            and self.recipients is None
        ):
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours changes nothing: give 'responsible', 'recipients', "
                "'required: false' or 'in_hours_required: false'",
                {},
            )
        if not (self.required or self.in_hours_required):
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours says the duty is required neither out of hours nor in hours; "
                "remove the rule instead",
                {},
            )
        if not self.required and (self.responsible is not None or self.recipients is not None):
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours says 'required: false' (no action out of hours) and also whom "
                "it routes to; give one or the other",
                {},
            )
        return self


class Outcome(StrEnum):
    """What a recorded event says happened."""

    DONE = "done"
    OFFERED = "offered"
    COMPLETED = "completed"
    DECLINED = "declined"
    ATTEMPTED = "attempted"


# --- allocations and rules --------------------------------------------------


class AllocationOption(_Model):
    when: Condition | None = Field(default=None, description="Omit for 'otherwise'.")
    role: Identifier
    citation: Citation
    note: str | None = None


class Allocation(_Model):
    """A first-match table: the first option whose condition holds gives the role."""

    id: Identifier
    description: str
    options: list[AllocationOption] = Field(min_length=1)


def _str_or_mapping(text_tag: str, mapping_tag: str) -> Callable[[Any], str | None]:
    def tag(value: Any) -> str | None:
        if isinstance(value, str):
            return text_tag
        if isinstance(value, dict | BaseModel):
            return mapping_tag
        return None

    return tag


class AllocatedRole(_Model):
    allocation: Identifier


class Rule(_Model):
    """An obligation: when ``trigger`` fires and ``when`` holds, ``action`` is due."""

    id: Identifier
    topic: Topic
    action: Identifier = Field(description="A canonical action kind or one the file declares.")
    obligation: Obligation
    responsible: Annotated[
        Annotated[Identifier, Tag("role")] | Annotated[AllocatedRole, Tag("allocation")],
        Discriminator(
            _str_or_mapping("role", "allocation"),
            custom_error_type="invalid_responsible",
            custom_error_message="expected a role id or {allocation: <allocation id>}",
        ),
    ]
    recipients: list[Identifier] | None = Field(
        default=None, min_length=1, description="For notifications: one action per recipient."
    )
    when: Condition | None = None
    trigger: Trigger
    deadline: Annotated[
        Annotated[Literal["immediately", "unspecified"] | DeadlineWord, Tag("word")]
        | Annotated[Deadline, Tag("within")],
        Discriminator(
            _str_or_mapping("word", "within"),
            custom_error_type="invalid_deadline",
            custom_error_message=(
                "expected 'immediately', 'without_delay', 'unspecified', 'before_next_review', "
                "'at_next_review', 'next_office_opening' or {within: '72 hours', from: <anchor>}"
            ),
        ),
    ] = Field(
        description=(
            "'immediately' (due when triggered), 'without_delay' (since version 2: the text asks "
            "for it without delay and sets no time: never overdue, and the result says how long "
            "after the trigger it was done), 'unspecified' (the text sets no time limit: "
            "never overdue), or a duration from an anchor."
        )
    )
    alternative_actions: list[Identifier] | None = Field(
        default=None,
        min_length=1,
        description="Other action kinds that also do this duty ('a strategy meeting or a stage "
        "one meeting'): one action, of the first-named kind, met by an event of any of them.",
        json_schema_extra=since(2),
    )
    alternative_responsible: list[Identifier] | None = Field(
        default=None,
        min_length=1,
        description="Other roles whose recorded work also meets the action ('their carer or "
        "social worker'); ``responsible`` stays the role the action is addressed to.",
        json_schema_extra=since(2),
    )
    satisfied_by: list[Outcome] = Field(
        default_factory=lambda: [
            Outcome.DONE,
            Outcome.OFFERED,
            Outcome.COMPLETED,
            Outcome.DECLINED,
        ],
        min_length=1,
        description="Recorded outcomes that count as doing the action.",
    )
    counts_work_from: Literal[Anchor.TRIGGERED, Anchor.STARTED] | None = Field(
        default=None,
        description=(
            "From when recorded work counts towards the action: 'triggered' (the default) or "
            "'started'. Rules fired by time elapsed default to 'started' (a meeting already held "
            "counts); say 'triggered' where the text asks for a further one."
        ),
    )
    methods: list[CheckMethod] | None = Field(
        default=None,
        min_length=1,
        description=(
            "How the action must be carried out to be met (in_person, video, phone): a "
            "recorded event meets it only if its method is one of these; an event that does "
            "not say how it was made meets none. Omit to accept any method or none."
        ),
        json_schema_extra=since(2),
    )
    citation: Citation
    see_also: list[Citation] = Field(
        default_factory=list,
        description="Other passages that state the same rule, or contradict it (say so in note).",
    )
    note: str | None = None
    out_of_hours: OutOfHours | None = Field(
        default=None,
        description="Who does it, or whom it goes to, when the rule fires outside the "
        "protocol's office_hours (decided by the moment the trigger fires).",
        json_schema_extra=since(2),
    )


class NotEncoded(_Model):
    """A passage read and deliberately not encoded as a rule, and why."""

    citation: Citation
    reason: str


class AcceptedWarning(_Model):
    """A warning of static verification that was read and accepted, and why."""

    code: Literal[
        "verify.shadowed_option", "verify.overlap", "verify.threshold_order", "verify.category_gap"
    ]
    about: list[Identifier] = Field(
        default_factory=list,
        description="The rule or allocation ids the warning names (none for category_gap).",
    )
    reason: str = Field(min_length=10)


class RuleFile(_Model):
    """A whole rule file."""

    schema_version: Literal[1, 2] = Field(
        description="1: the original language; 2: the constructs of issue 10 (each marked "
        "'since version 2' in this reference). A file may use only its version's constructs."
    )
    protocol: ProtocolInfo
    extra_roles: dict[Identifier, str] = Field(default_factory=dict)
    extra_action_kinds: dict[Identifier, str] = Field(default_factory=dict)
    extra_judgements: dict[Identifier, str] = Field(
        default_factory=dict,
        description="Judgements and outcomes beyond the shared vocabulary that this "
        "protocol's duties depend on, each with who makes it and where it is recorded.",
        json_schema_extra=since(2),
    )
    risk: RiskSection
    allocations: list[Allocation] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)
    accepted_warnings: list[AcceptedWarning] = Field(
        default_factory=list,
        description="Warnings of `missing-protocol verify` read and accepted, each with a reason.",
    )
    not_encoded: list[NotEncoded] = Field(
        default_factory=list,
        description="Passages that are not rules we can evaluate (no facts for them, no duty), "
        "each with its reason, so a reader sees what was left out and why.",
    )
    office_hours: OfficeHours | None = Field(
        default=None,
        description="When day-time services are open, for rules with out_of_hours routing.",
        json_schema_extra=since(2),
    )

    @model_validator(mode="after")
    def _constructs_of_its_version(self) -> RuleFile:
        too_new = list(newer_than(self, self.schema_version))
        if too_new:
            raise ValidationError.from_exception_data(
                "RuleFile",
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "needs_version",
                            "{name} is a construct of rule-file schema version {needs}; "
                            "this file declares schema_version {version}: set schema_version "
                            "to {needs}",
                            {
                                "name": item.name,
                                "needs": item.needs,
                                "version": self.schema_version,
                            },
                        ),
                        loc=item.loc,
                        input=None,
                    )
                    for item in too_new
                ],
            )
        return self


AllOf.model_rebuild()
AnyOf.model_rebuild()
RecordedMoment.model_rebuild()
RecurringTrigger.model_rebuild()
Deadline.model_rebuild()
TriggerAlternative.model_rebuild()
FirstOfTrigger.model_rebuild()
PhasedTrigger.model_rebuild()
NotOf.model_rebuild()
AlsoCategory.model_rebuild()
Category.model_rebuild()
RiskFloor.model_rebuild()
UngradedRisk.model_rebuild()
AllocationOption.model_rebuild()
Rule.model_rebuild()
RuleFile.model_rebuild()

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

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Literal

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
from .facts import FactName, PoliceRisk
from .moments import PlainDate, limits_in
from .versions import newer_than, since
from .vocabulary import Obligation, Topic

__all__ = [
    "SCHEMA_VERSION",
    "AcceptedWarning",
    "AllOf",
    "Allocation",
    "AllocationOption",
    "Anchor",
    "AnyOf",
    "Category",
    "Citation",
    "Condition",
    "Deadline",
    "DurationField",
    "ElapsedTrigger",
    "EpisodeCount",
    "EpisodeWindow",
    "EventTrigger",
    "NotEncoded",
    "NotOf",
    "Outcome",
    "Predicate",
    "ProtocolInfo",
    "RecurringTrigger",
    "RiskFloor",
    "RiskSection",
    "Rule",
    "RuleFile",
    "Trigger",
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


class RiskFloor(_Model):
    """A constraint such as "no child may be held at low risk"."""

    id: Identifier
    when: Condition | None = None
    forbid: list[PoliceRisk] = Field(min_length=1)
    raise_to: PoliceRisk
    citation: Citation
    note: str | None = None


class RiskSection(_Model):
    police_risk_levels: list[PoliceRisk] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    floors: list[RiskFloor] = Field(default_factory=list)


# --- triggers and deadlines -------------------------------------------------


class Anchor(StrEnum):
    """A moment in an episode that triggers and deadlines count from."""

    STARTED = "started"  # last seen
    REPORTED = "reported"  # reported to police
    RETURNED = "returned"  # located or returned
    TRIGGERED = "triggered"  # the moment the rule fired (deadlines only)


class EventTrigger(_Model):
    """Fires when the episode reaches a moment: started, reported or returned."""

    on: Literal[Anchor.STARTED, Anchor.REPORTED, Anchor.RETURNED]


class ElapsedTrigger(_Model):
    """Fires when the child is still missing ``missing_for`` after ``from``."""

    missing_for: DurationField
    from_: Literal[Anchor.STARTED, Anchor.REPORTED] = Field(default=Anchor.STARTED, alias="from")


class RecurringTrigger(_Model):
    """Fires every ``every`` while the child is missing, from ``from`` + ``first``."""

    every: DurationField
    from_: Literal[Anchor.STARTED, Anchor.REPORTED] = Field(default=Anchor.STARTED, alias="from")
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


Trigger = Annotated[
    Annotated[EventTrigger, Tag("on")]
    | Annotated[ElapsedTrigger, Tag("missing_for")]
    | Annotated[RecurringTrigger, Tag("every")],
    Discriminator(
        _trigger_tag,
        custom_error_type="invalid_trigger",
        custom_error_message=(
            "expected a trigger: {on: started|reported|returned}, {missing_for: '24 hours'} "
            "or {every: '7 days'}"
        ),
    ),
]


class Deadline(_Model):
    """Due ``within`` a duration of an anchor (the trigger moment unless ``from`` says)."""

    within: DurationField
    from_: Anchor = Field(default=Anchor.TRIGGERED, alias="from")


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
        Annotated[Literal["immediately", "unspecified"], Tag("word")]
        | Annotated[Deadline, Tag("within")],
        Discriminator(
            _str_or_mapping("word", "within"),
            custom_error_type="invalid_deadline",
            custom_error_message=(
                "expected 'immediately', 'unspecified' or {within: '72 hours', from: <anchor>}"
            ),
        ),
    ] = Field(
        description=(
            "'immediately' (due when triggered), 'unspecified' (the text sets no time limit: "
            "never overdue), or a duration from an anchor."
        )
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
    citation: Citation
    see_also: list[Citation] = Field(
        default_factory=list,
        description="Other passages that state the same rule, or contradict it (say so in note).",
    )
    note: str | None = None


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
NotOf.model_rebuild()
Category.model_rebuild()
RiskFloor.model_rebuild()
AllocationOption.model_rebuild()
Rule.model_rebuild()
RuleFile.model_rebuild()

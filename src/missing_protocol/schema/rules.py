"""Allocations, rules, what was read but not encoded, accepted warnings, and the rule file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from missing_protocol.facts import CheckMethod
from missing_protocol.versions import newer_than, since
from missing_protocol.vocabulary import Obligation, Outcome, Topic

from .base import Citation, Identifier, ProtocolInfo, _Model
from .conditions import Condition
from .hours import OfficeHours, OutOfHours
from .risk import RiskSection
from .triggers import Anchor, Deadline, DeadlineWord, Trigger


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


AllocationOption.model_rebuild()
Rule.model_rebuild()
RuleFile.model_rebuild()

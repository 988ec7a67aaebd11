"""The compiled, immutable form of a protocol: what evaluation reads.

A rule file is compiled once (:func:`missing_protocol.compile.compile_rule_file`)
into these frozen dataclasses. Names are resolved, comparisons are checked
against their facts' types, police risk values are turned into ranks, and each
rule keeps the line of the rule file it came from. Nothing here refers to YAML
or pydantic, so the evaluator depends only on this module, and a compiled
protocol can be shared freely between threads and evaluations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType

from .calendar import Duration
from .facts import FactName, PoliceRisk
from .vocabulary import Obligation, Topic

__all__ = [
    "AcceptedWarning",
    "AllOf",
    "AllocationOption",
    "AlsoCategory",
    "Alternative",
    "Anchor",
    "AnyOf",
    "Category",
    "Citation",
    "Cond",
    "CountEpisodes",
    "Deadline",
    "DeadlineKind",
    "ElapsedTrigger",
    "EventTrigger",
    "FirstOf",
    "Moment",
    "NotEncoded",
    "NotOf",
    "OfficeHours",
    "OutOfHours",
    "Phase",
    "PhasedTrigger",
    "Pred",
    "Protocol",
    "Recorded",
    "RecordedTrigger",
    "RecurringTrigger",
    "RiskFloor",
    "Rule",
    "SourceRef",
    "Trigger",
    "UngradedRisk",
]


class Moment(StrEnum):
    """Moments of an episode that triggers and deadlines count from."""

    STARTED = "started"
    REPORTED = "reported"
    RETURNED = "returned"
    TRIGGERED = "triggered"
    NOTICED = "noticed"  # noticed_at; where not recorded, started (and the result says so)
    PROFESSIONAL_AWARE = "professional_aware"  # professional_aware_at; where not recorded, reported
    # police_told_of_return_at; where not recorded, returned (and the result says so)
    POLICE_TOLD_OF_RETURN = "police_told_of_return"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where in the rule file something was written (1-based)."""

    file: str
    line: int | None
    column: int | None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True, slots=True)
class Citation:
    section: str
    quote: str


@dataclass(frozen=True, slots=True)
class Pred:
    """``fact op value``. For police risk, ``value`` holds ranks, not names."""

    fact: FactName
    op: str
    value: bool | int | str | frozenset[str] | frozenset[int]


@dataclass(frozen=True, slots=True)
class CountEpisodes:
    """Episodes (this one included) starting within ``within`` before this one's start."""

    within: Duration | None
    categories: frozenset[str] | None
    at_least: int | None
    exactly: int | None
    # schema 2: the London calendar month of this episode's start instead of ``within``;
    # only episodes the child went missing from one of these places
    calendar_month: bool = False
    missing_from: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Cond


Cond = Pred | CountEpisodes | AllOf | AnyOf | NotOf


@dataclass(frozen=True, slots=True)
class Recorded:
    """The first recorded event of ``kind`` in the episode with one of ``outcomes``."""

    kind: str
    outcomes: frozenset[str]
    recipient: str | None = None  # a notification to this recipient only

    @property
    def value(self) -> str:
        """The anchor's name, as a :class:`Moment`'s value is: ``recorded strategy_meeting``."""
        to = f" to {self.recipient}" if self.recipient is not None else ""
        return f"recorded {self.kind}{to}"


#: A moment a series or a deadline counts from: one of the episode's, or a recorded event.
Anchor = Moment | Recorded


@dataclass(frozen=True, slots=True)
class EventTrigger:
    on: Moment


@dataclass(frozen=True, slots=True)
class ElapsedTrigger:
    missing_for: Duration
    anchor: Moment


@dataclass(frozen=True, slots=True)
class RecurringTrigger:
    every: Duration
    anchor: Anchor
    first: Duration
    until: Duration | None


@dataclass(frozen=True, slots=True)
class RecordedTrigger:
    """Fires at the first recorded event of a kind (schema 2)."""

    on: Recorded


@dataclass(frozen=True, slots=True)
class Phase:
    """One pace of a phased recurrence; ``first`` counts from the previous phase's last."""

    every: Duration
    first: Duration
    until: Duration | None
    within: Duration | None = None  # this phase's deadline, from each occurrence


@dataclass(frozen=True, slots=True)
class PhasedTrigger:
    """A recurrence that changes pace (schema 2); occurrence numbers run on across phases."""

    phases: tuple[Phase, ...]
    anchor: Anchor


@dataclass(frozen=True, slots=True)
class Alternative:
    """One way a :class:`FirstOf` trigger fires, and where it counts."""

    trigger: EventTrigger | ElapsedTrigger | RecordedTrigger
    when: Cond | None
    # where the alternative was written (static checks point at it); not part of its meaning
    source: SourceRef | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class FirstOf:
    """Fires once, at the earliest alternative that fires (schema 2)."""

    alternatives: tuple[Alternative, ...]


Trigger = (
    EventTrigger | ElapsedTrigger | RecurringTrigger | RecordedTrigger | PhasedTrigger | FirstOf
)


class DeadlineKind(StrEnum):
    IMMEDIATELY = "immediately"  # due at the moment the rule fires
    WITHIN = "within"  # due ``within`` after ``anchor``
    UNSPECIFIED = "unspecified"  # the text sets no time limit: never overdue
    # "without delay", "as soon as practicable": no time set, never overdue, met when done;
    # the result gives how long after the anchor it was done
    WITHOUT_DELAY = "without_delay"
    # the child's next review (next_review_on): due at the start of its London day, or at
    # its end; no deadline while no review on or after the trigger is recorded
    BEFORE_NEXT_REVIEW = "before_next_review"
    AT_NEXT_REVIEW = "at_next_review"
    # "as soon as day time services resume": the next opening of ``office_hours`` at or
    # after the trigger (the trigger itself when in office hours)
    NEXT_OFFICE_OPENING = "next_office_opening"


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    within: Duration | None = None
    anchor: Anchor = Moment.TRIGGERED
    # A dual deadline: a second bound from the same anchor, and which one is due
    # ("earlier" or "later"); the other is shown in the trace.
    or_within: Duration | None = None
    use: str | None = None
    # NEXT_OFFICE_OPENING: the protocol's office hours, which the deadline is set by
    office_hours: OfficeHours | None = None


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When day-time services are open: weekdays (0 = Monday), London wall-clock times."""

    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    closed_on_bank_holidays: bool
    citation: Citation
    note: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class OutOfHours:
    """Who does a duty, and whom it goes to, when its rule fires out of office hours."""

    responsible: str | None
    recipients: tuple[str, ...] | None
    required: bool = True  # False: no action when the rule fires out of hours
    in_hours_required: bool = True  # False: no action when the rule fires in office hours


@dataclass(frozen=True, slots=True)
class AlsoCategory:
    """Another category an episode of a category is in at the same time, when ``when`` holds."""

    category: str
    when: Cond | None
    citation: Citation
    note: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: str
    police_risk: tuple[PoliceRisk, ...]
    when: Cond | None
    citation: Citation
    note: str | None
    source: SourceRef
    also: tuple[AlsoCategory, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskFloor:
    id: str
    when: Cond | None
    forbid: frozenset[PoliceRisk]
    raise_to: PoliceRisk
    citation: Citation
    note: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class UngradedRisk:
    """The level an episode with no police risk recorded is held at, when ``when`` holds."""

    id: str
    when: Cond | None
    held_at: PoliceRisk
    citation: Citation
    note: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class AllocationOption:
    when: Cond | None
    role: str
    citation: Citation
    note: str | None
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Allocation:
    id: str
    description: str
    options: tuple[AllocationOption, ...]
    source: SourceRef


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    topic: Topic
    action: str
    obligation: Obligation
    responsible: str | None
    allocation: str | None
    recipients: tuple[str | None, ...]
    when: Cond | None
    trigger: Trigger
    deadline: Deadline
    satisfied_by: frozenset[str]
    work_from: Moment
    citation: Citation
    see_also: tuple[Citation, ...]
    note: str | None
    source: SourceRef
    # issue 10: how the action must be made to be met (None: any way)
    methods: frozenset[str] | None = None
    # schema 2: other kinds that do the same duty, other roles whose work meets it
    alternative_actions: tuple[str, ...] = ()
    alternative_responsible: tuple[str, ...] = ()
    out_of_hours: OutOfHours | None = None


@dataclass(frozen=True, slots=True)
class AcceptedWarning:
    code: str
    about: frozenset[str]
    reason: str


@dataclass(frozen=True, slots=True)
class NotEncoded:
    citation: Citation
    reason: str


@dataclass(frozen=True, slots=True)
class Protocol:
    """A compiled protocol. Build it with :func:`missing_protocol.load_protocol`."""

    id: str
    title: str
    version: str
    authorities: tuple[str, ...]
    effective: dt.date | None
    source_document: str
    source_text: str
    file: str
    police_risk_levels: tuple[PoliceRisk, ...]
    categories: tuple[Category, ...]
    floors: tuple[RiskFloor, ...]
    allocations: Mapping[str, Allocation]
    rules: tuple[Rule, ...]
    roles: Mapping[str, str]
    action_kinds: Mapping[str, str]
    not_encoded: tuple[NotEncoded, ...] = ()
    accepted_warnings: tuple[AcceptedWarning, ...] = ()
    office_hours: OfficeHours | None = None
    ungraded: tuple[UngradedRisk, ...] = ()
    # Judgement codes conditions may name (shared and extra), with what each means.
    judgements: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __reduce__(self) -> tuple[Callable[..., Protocol], tuple[object, ...]]:
        # Read-only mappings do not pickle: send them as dicts, and wrap them again.
        values = [getattr(self, f.name) for f in fields(self)]
        return _rebuild, tuple(dict(v) if isinstance(v, MappingProxyType) else v for v in values)

    def rule(self, rule_id: str) -> Rule:
        """The rule with that id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def category(self, category_id: str) -> Category:
        """The category with that id."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)


def _rebuild(*values: object) -> Protocol:
    """Unpickle a protocol: its mappings read-only again."""
    return Protocol(
        *(MappingProxyType(v) if isinstance(v, dict) else v for v in values)  # type: ignore[arg-type]
    )

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
    "AnyOf",
    "Category",
    "Citation",
    "Cond",
    "CountEpisodes",
    "Deadline",
    "DeadlineKind",
    "ElapsedTrigger",
    "EventTrigger",
    "Moment",
    "NotEncoded",
    "NotOf",
    "Pred",
    "Protocol",
    "RecurringTrigger",
    "RiskFloor",
    "Rule",
    "SourceRef",
    "Trigger",
]


class Moment(StrEnum):
    """Moments of an episode that triggers and deadlines count from."""

    STARTED = "started"
    REPORTED = "reported"
    RETURNED = "returned"
    TRIGGERED = "triggered"


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
class EventTrigger:
    on: Moment


@dataclass(frozen=True, slots=True)
class ElapsedTrigger:
    missing_for: Duration
    anchor: Moment


@dataclass(frozen=True, slots=True)
class RecurringTrigger:
    every: Duration
    anchor: Moment
    first: Duration
    until: Duration | None


Trigger = EventTrigger | ElapsedTrigger | RecurringTrigger


class DeadlineKind(StrEnum):
    IMMEDIATELY = "immediately"  # due at the moment the rule fires
    WITHIN = "within"  # due ``within`` after ``anchor``
    UNSPECIFIED = "unspecified"  # the text sets no time limit: never overdue


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    within: Duration | None = None
    anchor: Moment = Moment.TRIGGERED


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: str
    police_risk: tuple[PoliceRisk, ...]
    when: Cond | None
    citation: Citation
    note: str | None
    source: SourceRef


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

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

The models live in this package by part: :mod:`.base` (durations, identifiers,
citations, the protocol's metadata), :mod:`.conditions`, :mod:`.risk`,
:mod:`.triggers` (triggers, anchors, phases and deadlines), :mod:`.hours`
(office hours and out-of-hours routing) and :mod:`.rules` (allocations, rules
and the rule file itself).
"""

from __future__ import annotations

from missing_protocol.vocabulary import Outcome

from .base import SCHEMA_VERSION, Citation, DurationField, ProtocolInfo
from .conditions import AllOf, AnyOf, Condition, EpisodeCount, EpisodeWindow, NotOf, Predicate
from .hours import OfficeHours, OutOfHours, Weekday
from .risk import AlsoCategory, Category, RiskFloor, RiskSection, UngradedRisk
from .rules import AcceptedWarning, Allocation, AllocationOption, NotEncoded, Rule, RuleFile
from .triggers import (
    Anchor,
    Deadline,
    DeadlineWord,
    ElapsedTrigger,
    EventTrigger,
    FirstOfTrigger,
    Phase,
    PhasedTrigger,
    RecordedMoment,
    RecordedTrigger,
    RecurringTrigger,
    Trigger,
    TriggerAlternative,
)

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

"""The facts a rule can test, with their types and finite domains.

This module is the single list of what a condition may mention. The rule-file
schema takes fact names from here, the timeline model takes its value sets
from here, the compiler checks each comparison against a fact's type, and the
static verifier enumerates the domains below to look for gaps and overlaps.

Each fact is about one episode of one child, as at the start of that episode
(``age`` is whole years on the day the child was last seen, London time).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .vocabulary import JUDGEMENTS

__all__ = [
    "FACTS",
    "AwayIncident",
    "CaseStatus",
    "ChildFlag",
    "Concern",
    "FactName",
    "FactSpec",
    "FactType",
    "MissingFrom",
    "PoliceRisk",
    "police_risk_rank",
]


class CaseStatus(StrEnum):
    """The child's status with children's services, most intensive first in law."""

    NONE = "none"
    EARLY_HELP = "early_help"
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    LOOKED_AFTER = "looked_after"
    CARE_LEAVER = "care_leaver"


class MissingFrom(StrEnum):
    """Where the child went missing from."""

    HOME = "home"
    CARE_PLACEMENT = "care_placement"
    EDUCATION = "education"
    EXTERNAL_ACTIVITY = "external_activity"


class PoliceRisk(StrEnum):
    """Police risk levels, lowest first. Areas use a subset; the order is shared."""

    NO_APPARENT_RISK = "no_apparent_risk"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    IMMEDIATE = "immediate"


_RISK_ORDER = {level: rank for rank, level in enumerate(PoliceRisk)}


def police_risk_rank(level: PoliceRisk) -> int:
    """0 for no apparent risk up to 4 for immediate risk."""
    return _RISK_ORDER[level]


class ChildFlag(StrEnum):
    """Standing facts about the child that protocols treat as raising risk."""

    CHILD_EXPLOITATION_RISK = "child_exploitation_risk"
    CRIMINAL_ORDER_OR_BAIL = "criminal_order_or_bail"
    UNACCOMPANIED_ASYLUM_SEEKING = "unaccompanied_asylum_seeking"
    LEARNING_DISABILITY = "learning_disability"
    MENTAL_HEALTH = "mental_health"
    PREGNANT = "pregnant"
    SECTION_47_ENQUIRY = "section_47_enquiry"
    TRAFFICKING_RISK = "trafficking_risk"
    SUBSTANCE_MISUSE = "substance_misuse"
    MEDICAL_NEEDS = "medical_needs"


class AwayIncident(StrEnum):
    """What happened while the child was away, as learnt on return."""

    HARMED = "harmed"
    VICTIM_OF_CRIME = "victim_of_crime"
    CRIMINAL_ACTIVITY = "criminal_activity"
    CONTACT_WITH_PERSON_POSING_RISK = "contact_with_person_posing_risk"


class Concern(StrEnum):
    """Circumstances of an episode that protocols name as triggers."""

    SIGNIFICANT_HARM = "significant_harm"
    SUSPICIOUS_CIRCUMSTANCES = "suspicious_circumstances"
    FAMILY_MISSING = "family_missing"
    PERSON_POSING_RISK_IN_HOUSEHOLD = "person_posing_risk_in_household"
    UNBORN_CHILD_WELFARE = "unborn_child_welfare"
    REMOVED_CONTRARY_TO_CARE_PLAN = "removed_contrary_to_care_plan"
    ABDUCTION = "abduction"
    DISCLOSURE_OF_HARM = "disclosure_of_harm"
    FAMILY_CONCERNS = "family_concerns"
    COMPLEX_RISK = "complex_risk"
    OUT_OF_CHARACTER = "out_of_character"


class FactType(StrEnum):
    """How a fact may be compared."""

    NUMBER = "number"  # is, lt, le, gt, ge
    BOOLEAN = "boolean"  # is
    ENUM = "enum"  # is, in, not_in
    ORDERED = "ordered"  # is, in, not_in, lt, le, gt, ge (by the enum's order)
    SET = "set"  # has, has_any, has_none
    CATEGORY = "category"  # is, in, not_in; values are the protocol's own categories


class FactName(StrEnum):
    """Every fact a condition may test."""

    AGE = "age"
    CASE_STATUS = "case_status"
    KNOWN_TO_SOCIAL_CARE = "known_to_social_care"
    HAS_ALLOCATED_WORKER = "has_allocated_worker"
    ATTENDS_SCHOOL = "attends_school"
    ATTENDS_SECONDARY_SCHOOL = "attends_secondary_school"
    PLACED_BY_OTHER_AUTHORITY = "placed_by_other_authority"
    PLACED_OUT_OF_AREA = "placed_out_of_area"
    CHILD_FLAGS = "child_flags"
    MISSING_FROM = "missing_from"
    CATEGORY = "category"
    WHEREABOUTS_KNOWN = "whereabouts_known"
    REPORTED_TO_POLICE = "reported_to_police"
    POLICE_RISK = "police_risk"
    WHILE_AWAY = "while_away"
    CONCERNS = "concerns"
    JUDGEMENTS = "judgements"


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact's type, its finite domain (``None`` for numbers and categories) and meaning."""

    name: FactName
    type: FactType
    domain: tuple[str, ...] | None
    description: str
    minimum: int | None = None
    maximum: int | None = None


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


FACTS: dict[FactName, FactSpec] = {
    spec.name: spec
    for spec in (
        FactSpec(
            FactName.AGE,
            FactType.NUMBER,
            None,
            "Whole years of age on the day the child was last seen.",
            minimum=0,
            maximum=17,
        ),
        FactSpec(FactName.CASE_STATUS, FactType.ENUM, _values(CaseStatus), "Case status."),
        FactSpec(
            FactName.KNOWN_TO_SOCIAL_CARE,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child's case is open to (known to) children's social care.",
        ),
        FactSpec(
            FactName.HAS_ALLOCATED_WORKER,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child has an allocated social worker or lead professional.",
        ),
        FactSpec(
            FactName.ATTENDS_SCHOOL,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child attends school (any phase; true whenever attends_secondary_school is).",
        ),
        FactSpec(
            FactName.ATTENDS_SECONDARY_SCHOOL,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child attends secondary school.",
        ),
        FactSpec(
            FactName.PLACED_BY_OTHER_AUTHORITY,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child is looked after by another authority and placed in this area.",
        ),
        FactSpec(
            FactName.PLACED_OUT_OF_AREA,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child is looked after by this area and placed outside it.",
        ),
        FactSpec(FactName.CHILD_FLAGS, FactType.SET, _values(ChildFlag), "Standing risk flags."),
        FactSpec(FactName.MISSING_FROM, FactType.ENUM, _values(MissingFrom), "Missing from."),
        FactSpec(
            FactName.CATEGORY,
            FactType.CATEGORY,
            None,
            "The area's own category of the episode (given, or derived by the protocol).",
        ),
        FactSpec(
            FactName.WHEREABOUTS_KNOWN,
            FactType.BOOLEAN,
            ("true", "false"),
            "The child's whereabouts were known while away.",
        ),
        FactSpec(
            FactName.REPORTED_TO_POLICE,
            FactType.BOOLEAN,
            ("true", "false"),
            "The episode had been reported to the police by the time of evaluation.",
        ),
        FactSpec(
            FactName.POLICE_RISK,
            FactType.ORDERED,
            _values(PoliceRisk),
            "Police risk level: as recorded in risk floors, as raised by them in rules.",
        ),
        FactSpec(
            FactName.WHILE_AWAY,
            FactType.SET,
            _values(AwayIncident),
            "What happened while away, as learnt on return.",
        ),
        FactSpec(
            FactName.CONCERNS, FactType.SET, _values(Concern), "Circumstances of the episode."
        ),
        FactSpec(
            FactName.JUDGEMENTS,
            FactType.SET,
            tuple(JUDGEMENTS),
            "Judgements and outcomes recorded on the episode by the time of evaluation "
            "(timeline schema version 3), the shared ones here and a protocol's "
            "extra_judgements; one not recorded is not assumed.",
        ),
    )
}

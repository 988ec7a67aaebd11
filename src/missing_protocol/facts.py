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
    "CareHolder",
    "CaseStatus",
    "CheckMethod",
    "ChildFlag",
    "Concern",
    "FactName",
    "FactSpec",
    "FactType",
    "FoundBy",
    "LegalStatus",
    "MissingFrom",
    "PlacementType",
    "PoliceRisk",
    "RemovalPurpose",
    "ReportedBy",
    "SocialWorkArea",
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


# --- issue 10: facts the timeline could not state (timeline schema version 3) ---


class LegalStatus(StrEnum):
    """The legal basis on which a looked after child is looked after, as at the episode.

    The SSDA903 return's legal status codes, by name: C1 interim care order, C2
    care order, D1 freeing order, E1 placement order, J1 remanded to local
    authority accommodation or youth detention, J2 placed under the Police and
    Criminal Evidence Act, J3 youth rehabilitation order with a residence
    requirement, L1 police protection, L2 emergency protection order, L3 child
    assessment order, V2 accommodated under section 20 (voluntarily
    accommodated), V3 and V4 short breaks under section 20.
    """

    INTERIM_CARE_ORDER = "interim_care_order"
    CARE_ORDER = "care_order"
    FREEING_ORDER = "freeing_order"
    PLACEMENT_ORDER = "placement_order"
    REMANDED = "remanded"
    PACE_TRANSFER = "pace_transfer"
    YOUTH_REHABILITATION_ORDER = "youth_rehabilitation_order"
    POLICE_PROTECTION = "police_protection"
    EMERGENCY_PROTECTION_ORDER = "emergency_protection_order"
    CHILD_ASSESSMENT_ORDER = "child_assessment_order"
    SECTION_20 = "section_20"
    SECTION_20_SHORT_BREAKS = "section_20_short_breaks"


class PlacementType(StrEnum):
    """Where a looked after child lives, as at the episode (the SSDA903 placement groups)."""

    FOSTER_CARE = "foster_care"
    PLACED_FOR_ADOPTION = "placed_for_adoption"
    PLACED_WITH_PARENTS = "placed_with_parents"
    CHILDRENS_HOME = "childrens_home"
    SECURE_CHILDRENS_HOME = "secure_childrens_home"
    RESIDENTIAL_SCHOOL = "residential_school"
    SUPPORTED_ACCOMMODATION = "supported_accommodation"
    INDEPENDENT_LIVING = "independent_living"
    HEALTH_OR_CARE_HOME = "health_or_care_home"
    FAMILY_CENTRE = "family_centre"
    YOUTH_CUSTODY = "youth_custody"
    OTHER = "other"


class FoundBy(StrEnum):
    """Who found the child, or how the child came back."""

    POLICE = "police"
    LOCAL_AUTHORITY = "local_authority"
    HOME_OFFICE = "home_office"
    PARENT_OR_CARER = "parent_or_carer"
    RETURNED_THEMSELVES = "returned_themselves"
    OTHER = "other"


class SocialWorkArea(StrEnum):
    """Whose social worker the child's case is open to, seen from the protocol's area."""

    THIS_AREA = "this_area"
    OTHER_AREA = "other_area"


class CareHolder(StrEnum):
    """Who had care of the child when they went missing."""

    PARENTAL_RESPONSIBILITY = "parental_responsibility"
    WITHOUT_PARENTAL_RESPONSIBILITY = "without_parental_responsibility"
    PLACEMENT_CARER = "placement_carer"


class CheckMethod(StrEnum):
    """How a recorded check or interview was made (an attribute of a recorded event)."""

    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class RemovalPurpose(StrEnum):
    """Why a child is feared to be removed from the UK."""

    ABDUCTION = "abduction"
    FORCED_MARRIAGE = "forced_marriage"
    FEMALE_GENITAL_MUTILATION = "female_genital_mutilation"


class ReportedBy(StrEnum):
    """Who reported the child missing to the police (timeline schema version 3)."""

    PARENT_OR_CARER = "parent_or_carer"  # a parent, a person with parental responsibility,
    # or the foster carer, residential or supported-accommodation worker looking after the child
    PROFESSIONAL = "professional"  # a professional of another agency: social worker, school,
    # health, youth offending service (not the carer of a looked after child)
    POLICE = "police"  # the police themselves (for example a child found by officers)
    OTHER = "other"  # anyone else: a member of the public, a friend, the child
    HOME_OFFICE = "home_office"  # the Home Office (a child subject to immigration restrictions)


class FactType(StrEnum):
    """How a fact may be compared."""

    NUMBER = "number"  # is, lt, le, gt, ge
    BOOLEAN = "boolean"  # is
    ENUM = "enum"  # is, in, not_in
    ORDERED = "ordered"  # is, in, not_in, lt, le, gt, ge (by the enum's order)
    SET = "set"  # has, has_any, has_none
    CATEGORY = "category"  # is, in, not_in; values are the protocol's own categories
    CATEGORY_SET = "category_set"  # has, has_any, has_none; values are the protocol's categories


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
    # issue 10: facts the timeline could not state (rule files version 2, timelines 3)
    LEGAL_STATUS = "legal_status"
    PLACEMENT_TYPE = "placement_type"
    DAYS_LOOKED_AFTER = "days_looked_after"
    IN_OTHER_AREA = "in_other_area"
    SUBJECT_TO_RESTRICTIONS = "subject_to_restrictions"
    FOUND_BY = "found_by"
    SOCIAL_WORK_AREA = "social_work_area"
    IN_CARE_OF = "in_care_of"
    FEARED_REMOVAL_FROM_UK = "feared_removal_from_uk"
    REPORTED_BY = "reported_by"
    CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE = "carer_reported_before_professional_aware"
    CATEGORIES = "categories"
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
    since_version: int = 1  # the rule-file schema version that introduced it


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


_ISSUE_10_FACTS = (
    FactSpec(
        FactName.LEGAL_STATUS,
        FactType.ENUM,
        _values(LegalStatus),
        "The legal basis of a looked after child's care as at the episode (the episode's "
        "legal_status; unknown if not recorded).",
        since_version=2,
    ),
    FactSpec(
        FactName.PLACEMENT_TYPE,
        FactType.ENUM,
        _values(PlacementType),
        "The type of placement of a looked after child as at the episode (the episode's "
        "placement_type; unknown if not recorded).",
        since_version=2,
    ),
    FactSpec(
        FactName.DAYS_LOOKED_AFTER,
        FactType.NUMBER,
        None,
        "Whole London calendar days from the day the child became looked after (the child's "
        "looked_after_since) to the day last seen: 0 on that day; unknown if the date is not "
        "recorded or is after the episode began.",
        minimum=0,
        maximum=36600,
        since_version=2,
    ),
    FactSpec(
        FactName.IN_OTHER_AREA,
        FactType.BOOLEAN,
        ("true", "false"),
        "While missing, the child was known to be in another local authority's area (the "
        "episode's in_other_area; unknown if not recorded).",
        since_version=2,
    ),
    FactSpec(
        FactName.SUBJECT_TO_RESTRICTIONS,
        FactType.BOOLEAN,
        ("true", "false"),
        "The child is subject to immigration restrictions (reporting or residence "
        "conditions set by the Home Office); unknown if not recorded.",
        since_version=2,
    ),
    FactSpec(
        FactName.FOUND_BY,
        FactType.ENUM,
        _values(FoundBy),
        "Who found the child, or how the child came back (the episode's found_by; unknown if "
        "not recorded).",
        since_version=2,
    ),
    FactSpec(
        FactName.SOCIAL_WORK_AREA,
        FactType.ENUM,
        _values(SocialWorkArea),
        "Whose social worker the child's case is open to: this area's or another area's "
        "(the child's social_work_area; unknown if not recorded or not open).",
        since_version=2,
    ),
    FactSpec(
        FactName.IN_CARE_OF,
        FactType.ENUM,
        _values(CareHolder),
        "Who had care of the child when they went missing: someone with parental "
        "responsibility, someone else without it (a relative, a friend, a private foster "
        "carer), or the carer of a placement (the episode's in_care_of; unknown if not "
        "recorded).",
        since_version=2,
    ),
    FactSpec(
        FactName.FEARED_REMOVAL_FROM_UK,
        FactType.SET,
        _values(RemovalPurpose),
        "Why the child is feared to be removed from the UK: abduction, forced marriage, female "
        "genital mutilation (the episode's feared_removal_from_uk; unknown if not recorded).",
        since_version=2,
    ),
)

FACTS: dict[FactName, FactSpec] = {
    spec.name: spec
    for spec in (
        FactSpec(
            FactName.AGE,
            FactType.NUMBER,
            None,
            "Whole years of age on the day the child was last seen (to 24: care leavers "
            "are supported to their 25th birthday).",
            minimum=0,
            maximum=24,
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
        *_ISSUE_10_FACTS,
        FactSpec(
            FactName.REPORTED_BY,
            FactType.ENUM,
            _values(ReportedBy),
            "Who reported the child missing to the police (timeline version 3); unknown when "
            "not recorded or not yet reported.",
        ),
        FactSpec(
            FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE,
            FactType.BOOLEAN,
            ("true", "false"),
            "The parent or carer had reported the child to the police by the time a professional "
            "first learnt the child was missing (professional_aware_at). False when no report "
            "had been made by then, or someone else made it; unknown when professional_aware_at "
            "is not recorded, or when the report came first but reported_by is not recorded.",
        ),
        FactSpec(
            FactName.CATEGORIES,
            FactType.CATEGORY_SET,
            None,
            "Every category the episode is in: its category, and those it is in at the same "
            "time (an absconder under 16 is both a missing child and an absconder).",
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

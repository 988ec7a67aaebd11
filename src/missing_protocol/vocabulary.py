"""The shared vocabulary: canonical action kinds, roles and rule topics.

Areas use these names so that their protocols can be compared action by action.
A rule file may add its own kinds and roles (``extra_action_kinds`` and
``extra_roles``), each with a description; the compiler rejects any name that
is neither canonical nor declared. Judgements and outcomes (``JUDGEMENTS``)
are the decisions and findings on which the texts make duties depend; a rule
file (schema version 2) may declare its own under ``extra_judgements``.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = ["ACTION_KINDS", "JUDGEMENTS", "ROLES", "Obligation", "Outcome", "Topic"]


class Obligation(StrEnum):
    """How strongly the text puts it: "must"/"will", "should", or "consider"/"may"."""

    MUST = "must"
    SHOULD = "should"
    CONSIDER = "consider"


class Outcome(StrEnum):
    """What a recorded event says happened."""

    DONE = "done"
    OFFERED = "offered"
    COMPLETED = "completed"
    DECLINED = "declined"
    ATTEMPTED = "attempted"


class Topic(StrEnum):
    """What a rule is about; comparison groups rules by topic."""

    REPORTING = "reporting"
    RISK = "risk"
    NOTIFICATION = "notification"
    SAFE_AND_WELL = "safe_and_well"
    RETURN_HOME_INTERVIEW = "return_home_interview"
    STRATEGY_MEETING = "strategy_meeting"
    REPEAT_EPISODES = "repeat_episodes"
    ESCALATION = "escalation"
    REVIEWS_WHILE_MISSING = "reviews_while_missing"
    FOLLOW_UP_ON_RETURN = "follow_up_on_return"
    MEDIA = "media"
    OTHER = "other"


ACTION_KINDS: Final = MappingProxyType(
    {
        "report_to_police": "Report the child as missing to the police.",
        "notify": "Tell a named recipient that the child is missing or has returned.",
        "police_risk_review": "Police review of the missing person risk assessment.",
        "risk_assessment": "A multi-agency missing child risk assessment.",
        "safe_and_well_check": "Police check on return: what happened, and is the child safe.",
        "return_home_interview": "An independent return home interview or conversation.",
        "strategy_meeting": "A strategy meeting or discussion between agencies.",
        "stage_one_meeting": "A first-stage multi-agency meeting on repeated episodes.",
        "stage_two_meeting": "A second-stage, escalated multi-agency meeting on repeated episodes.",
        "child_protection_conference": "An initial or review child protection conference.",
        "looked_after_review": "A statutory review of a looked after child's care plan.",
        "professionals_meeting": "A meeting of the professionals around the child.",
        "reintegration_meeting": "A meeting to plan the child's return to school.",
        "placement_discussion": "A discussion of whether the child should stay in the placement.",
        "case_review_meeting": "A review of the case and the plan while the child is missing.",
        "strategic_director_review": "A review of the case by a strategic or divisional director.",
        "child_and_family_assessment": "A child and family (single) assessment.",
        "section_47_enquiry": "Enquiries under section 47 of the Children Act 1989.",
        "mash_decision": "The multi-agency safeguarding hub decides what to do.",
        "mash_referral": "A referral to the multi-agency safeguarding hub.",
        "alert_other_local_authorities": "Alert other local authorities that the child is missing.",
        "joint_action_plan": "A joint police and children's services action plan.",
        "trigger_plan": "A plan of what to do when the child next goes missing.",
        "progress_update": "An update on progress in finding the child.",
        "legal_advice_recovery_order": "Legal advice on a recovery order.",
        "media_decision": "A decision on whether to involve the media.",
        "escalation_to_manager": "Escalation of the case to a more senior manager.",
    }
)


ROLES: Final = MappingProxyType(
    {
        "police": "The police force for the area.",
        "parent_or_carer": "The parent or carer the child lives with.",
        "parents": "The child's parents or anyone with parental responsibility.",
        "carer": "The foster carer, residential worker or housing support worker.",
        "allocated_social_worker": "The child's allocated social worker.",
        "lead_professional": "The lead professional where the case is open.",
        "childrens_social_care": "Children's social care (the duty or assessment team).",
        "mash": "The multi-agency safeguarding hub.",
        "edt": "The emergency duty team (out of hours social work).",
        "early_help_family_worker": "An early help family worker.",
        "early_help": "The early help service.",
        "childrens_society": "The Children's Society.",
        "return_interview_service": "The commissioned independent return interview service.",
        "iro": "The child's independent reviewing officer.",
        "school": "The child's school.",
        "team_manager": "The social work team manager.",
        "service_manager": "The service manager.",
        "senior_manager": "A senior manager of children's social care.",
        "assistant_director": "The assistant director of children's services.",
        "director": "The director of children's services.",
        "placing_authority": "The authority that looks after the child (responsible authority).",
        "host_authority": "The authority in whose area the child is placed.",
        "other_local_authorities": "Other local authorities.",
    }
)


#: Judgements, decisions and outcomes that duties depend on ("if the interview is
#: refused", "where parents refuse consent"): named inputs a timeline records on the
#: episode (``judgements``), never guessed from other facts. Each says who makes the
#: judgement and where it would be recorded.
JUDGEMENTS: Final = MappingProxyType(
    {
        "rhi_refused_by_child": (
            "The child refused the return home interview, or would not engage with it: "
            "recorded by the worker who offered it, on the interview record."
        ),
        "rhi_consent_refused_by_parents": (
            "The parents or carers refused consent to the return home interview: recorded "
            "by the worker who sought it, on the interview record."
        ),
        "rhi_safeguarding_concerns": (
            "The return home interview identified safeguarding concerns: the interviewer's "
            "finding, recorded on the interview record."
        ),
        "rhi_exploitation_concerns": (
            "Child exploitation was suspected or identified in the return home interview: "
            "the interviewer's finding, recorded on the interview record."
        ),
        "early_help_would_benefit": (
            "The worker who completed the return home interview considers that the child or "
            "family would benefit from an early help assessment: recorded on the interview "
            "record."
        ),
        "family_consents_to_early_help": (
            "The family consented to a referral for early help: recorded by the worker who "
            "asked, on the case record."
        ),
        "child_fraser_competent": (
            "A practitioner has judged the child Fraser competent to agree to a service "
            "without the parents: recorded on the case record."
        ),
        "unmet_needs_identified": (
            "The missing child risk assessment shows the child has unmet needs: the "
            "assessor's or manager's finding, recorded on the risk assessment."
        ),
        "no_immediate_safeguarding_concerns": (
            "Whoever first assessed the report (the front door, the MASH or the safeguarding "
            "hub) found no immediate safeguarding or child in need concerns: recorded on the "
            "contact record."
        ),
        "informing_parents_inappropriate": (
            "The social worker has judged that telling the parents (or others with parental "
            "responsibility) is not possible, not reasonably practicable or inconsistent with "
            "the child's welfare: recorded, with the reason, on the child's case record."
        ),
    }
)

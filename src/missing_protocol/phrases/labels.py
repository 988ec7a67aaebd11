"""A label for every code: topics, obligations, moments, facts and their values, judgements,
action kinds and roles, in the words a practitioner would write."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from missing_protocol.compiled import Moment, Protocol
from missing_protocol.facts import (
    AwayIncident,
    CareHolder,
    CaseStatus,
    ChildFlag,
    Concern,
    FactName,
    FoundBy,
    LegalStatus,
    MissingFrom,
    PlacementType,
    PoliceRisk,
    RemovalPurpose,
    ReportedBy,
    SocialWorkArea,
)
from missing_protocol.vocabulary import Obligation, Topic

TOPIC_LABELS: Final = MappingProxyType(
    {
        Topic.REPORTING.value: "Reporting to the police",
        Topic.RISK.value: "Risk",
        Topic.NOTIFICATION.value: "Telling people",
        Topic.SAFE_AND_WELL.value: "Safe and well check",
        Topic.RETURN_HOME_INTERVIEW.value: "Return home interview",
        Topic.STRATEGY_MEETING.value: "Strategy meetings",
        Topic.REPEAT_EPISODES.value: "Repeat episodes",
        Topic.ESCALATION.value: "Senior escalation",
        Topic.REVIEWS_WHILE_MISSING.value: "Recurring reviews while missing",
        Topic.FOLLOW_UP_ON_RETURN.value: "Follow-up on return",
        Topic.MEDIA.value: "Media",
        Topic.OTHER.value: "Other duties",
    }
)


OBLIGATION_LABELS: Final = MappingProxyType(
    {
        Obligation.MUST.value: "must",
        Obligation.SHOULD.value: "should",
        Obligation.CONSIDER.value: "consider",
    }
)


MOMENT_LABELS: Final = MappingProxyType(
    {
        Moment.STARTED.value: "going missing",
        Moment.REPORTED.value: "the report to the police",
        Moment.RETURNED.value: "return",
        Moment.TRIGGERED.value: "the duty arising",
        Moment.NOTICED.value: "the child being noticed missing",
        Moment.PROFESSIONAL_AWARE.value: "a professional learning of it",
        Moment.POLICE_TOLD_OF_RETURN.value: "the police being told of the return",
    }
)


FACT_LABELS: Final = MappingProxyType(
    {
        FactName.AGE.value: "age",
        FactName.CASE_STATUS.value: "status with children's services",
        FactName.KNOWN_TO_SOCIAL_CARE.value: "known to children's social care",
        FactName.HAS_ALLOCATED_WORKER.value: "has an allocated worker",
        FactName.ATTENDS_SCHOOL.value: "at school",
        FactName.ATTENDS_SECONDARY_SCHOOL.value: "at secondary school",
        FactName.PLACED_BY_OTHER_AUTHORITY.value: "placed here by another authority",
        FactName.PLACED_OUT_OF_AREA.value: "placed out of area",
        FactName.CHILD_FLAGS.value: "known risks",
        FactName.MISSING_FROM.value: "missing from",
        FactName.CATEGORY.value: "category",
        FactName.WHEREABOUTS_KNOWN.value: "whereabouts",
        FactName.REPORTED_TO_POLICE.value: "reported to the police",
        FactName.POLICE_RISK.value: "police risk",
        FactName.WHILE_AWAY.value: "what happened while away",
        FactName.CONCERNS.value: "concerns",
        FactName.LEGAL_STATUS.value: "legal status",
        FactName.PLACEMENT_TYPE.value: "placement",
        FactName.DAYS_LOOKED_AFTER.value: "days since becoming looked after",
        FactName.IN_OTHER_AREA.value: "in another council's area",
        FactName.SUBJECT_TO_RESTRICTIONS.value: "subject to immigration restrictions",
        FactName.FOUND_BY.value: "found by",
        FactName.SOCIAL_WORK_AREA.value: "whose social worker",
        FactName.IN_CARE_OF.value: "in the care of",
        FactName.FEARED_REMOVAL_FROM_UK.value: "feared removal from the UK",
        FactName.REPORTED_BY.value: "reported to the police by",
        FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE.value: (
            "parent or carer reported before a professional knew"
        ),
        FactName.CATEGORIES.value: "categories",
        FactName.JUDGEMENTS.value: "judgements and outcomes recorded",
        "episode_count": "number of episodes",
        "condition": "condition",
    }
)


_BOOLEANS: Mapping[FactName, tuple[str, str]] = {
    FactName.KNOWN_TO_SOCIAL_CARE: (
        "known to children's social care",
        "not known to children's social care",
    ),
    FactName.HAS_ALLOCATED_WORKER: ("has an allocated worker", "has no allocated worker"),
    FactName.ATTENDS_SCHOOL: ("at school", "not at school"),
    FactName.ATTENDS_SECONDARY_SCHOOL: ("at secondary school", "not at secondary school"),
    FactName.PLACED_BY_OTHER_AUTHORITY: (
        "placed here by another authority",
        "not placed here by another authority",
    ),
    FactName.PLACED_OUT_OF_AREA: ("placed out of area", "not placed out of area"),
    FactName.WHEREABOUTS_KNOWN: ("whereabouts known", "whereabouts unknown"),
    FactName.REPORTED_TO_POLICE: ("reported to the police", "not yet reported to the police"),
    FactName.IN_OTHER_AREA: ("known to be in another council's area", "not in another area"),
    FactName.SUBJECT_TO_RESTRICTIONS: (
        "subject to immigration restrictions",
        "not subject to immigration restrictions",
    ),
    FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE: (
        "reported by the parent or carer before a professional knew",
        "not reported by the parent or carer before a professional knew",
    ),
}


_RECORDED_VALUE_LABELS: Mapping[str, Mapping[str, str]] = {
    FactName.LEGAL_STATUS.value: {
        LegalStatus.INTERIM_CARE_ORDER.value: "on an interim care order",
        LegalStatus.CARE_ORDER.value: "on a care order",
        LegalStatus.FREEING_ORDER.value: "freed for adoption",
        LegalStatus.PLACEMENT_ORDER.value: "on a placement order",
        LegalStatus.REMANDED.value: "remanded to local authority accommodation",
        LegalStatus.PACE_TRANSFER.value: "accommodated under the Police and Criminal Evidence Act",
        LegalStatus.YOUTH_REHABILITATION_ORDER.value: "on a youth rehabilitation order",
        LegalStatus.POLICE_PROTECTION.value: "in police protection",
        LegalStatus.EMERGENCY_PROTECTION_ORDER.value: "on an emergency protection order",
        LegalStatus.CHILD_ASSESSMENT_ORDER.value: "on a child assessment order",
        LegalStatus.SECTION_20.value: "accommodated under section 20",
        LegalStatus.SECTION_20_SHORT_BREAKS.value: "in short breaks under section 20",
    },
    FactName.PLACEMENT_TYPE.value: {
        PlacementType.FOSTER_CARE.value: "in foster care",
        PlacementType.PLACED_FOR_ADOPTION.value: "placed for adoption",
        PlacementType.PLACED_WITH_PARENTS.value: "placed with parents",
        PlacementType.CHILDRENS_HOME.value: "in a children's home",
        PlacementType.SECURE_CHILDRENS_HOME.value: "in a secure children's home",
        PlacementType.RESIDENTIAL_SCHOOL.value: "at a residential school",
        PlacementType.SUPPORTED_ACCOMMODATION.value: "in supported accommodation",
        PlacementType.INDEPENDENT_LIVING.value: "living independently",
        PlacementType.HEALTH_OR_CARE_HOME.value: "in a health or care home",
        PlacementType.FAMILY_CENTRE.value: "in a family centre or mother and baby unit",
        PlacementType.YOUTH_CUSTODY.value: "in youth custody",
        PlacementType.OTHER.value: "in another placement",
    },
    FactName.FOUND_BY.value: {
        FoundBy.POLICE.value: "found by the police",
        FoundBy.LOCAL_AUTHORITY.value: "found by the council",
        FoundBy.HOME_OFFICE.value: "found by the Home Office",
        FoundBy.PARENT_OR_CARER.value: "found by a parent or carer",
        FoundBy.RETURNED_THEMSELVES.value: "came back by themselves",
        FoundBy.OTHER.value: "found by someone else",
    },
    FactName.SOCIAL_WORK_AREA.value: {
        SocialWorkArea.THIS_AREA.value: "open to this council's social worker",
        SocialWorkArea.OTHER_AREA.value: "open to another council's social worker",
    },
    FactName.IN_CARE_OF.value: {
        CareHolder.PARENTAL_RESPONSIBILITY.value: "with someone with parental responsibility",
        CareHolder.WITHOUT_PARENTAL_RESPONSIBILITY.value: (
            "with someone without parental responsibility"
        ),
        CareHolder.PLACEMENT_CARER.value: "with the carer of a placement",
    },
    FactName.FEARED_REMOVAL_FROM_UK.value: {
        RemovalPurpose.ABDUCTION.value: "feared abducted abroad",
        RemovalPurpose.FORCED_MARRIAGE.value: "feared taken abroad for a forced marriage",
        RemovalPurpose.FEMALE_GENITAL_MUTILATION.value: "feared taken abroad for FGM",
    },
}


#: Shared judgements as clauses ("recorded that ..."); a protocol's own are read by code.
JUDGEMENT_LABELS: Final = MappingProxyType(
    {
        "rhi_refused_by_child": "the child refused the return home interview",
        "rhi_consent_refused_by_parents": (
            "the parents refused consent to the return home interview"
        ),
        "rhi_safeguarding_concerns": "the return home interview found safeguarding concerns",
        "rhi_exploitation_concerns": "the return home interview found signs of exploitation",
        "early_help_would_benefit": "the worker considers early help would benefit the family",
        "family_consents_to_early_help": "the family consents to early help",
        "child_fraser_competent": "the child is Fraser competent",
        "unmet_needs_identified": "the risk assessment found unmet needs",
        "no_immediate_safeguarding_concerns": "there are no immediate safeguarding concerns",
        "informing_parents_inappropriate": "telling the parents is not appropriate",
    }
)


VALUE_LABELS: Final = MappingProxyType(
    {
        FactName.CASE_STATUS.value: {
            CaseStatus.NONE.value: "with no open case",
            CaseStatus.EARLY_HELP.value: "receiving early help",
            CaseStatus.CHILD_IN_NEED.value: "a child in need",
            CaseStatus.CHILD_PROTECTION_PLAN.value: "on a child protection plan",
            CaseStatus.LOOKED_AFTER.value: "looked after",
            CaseStatus.CARE_LEAVER.value: "a care leaver",
        },
        FactName.MISSING_FROM.value: {
            MissingFrom.HOME.value: "missing from home",
            MissingFrom.CARE_PLACEMENT.value: "missing from a care placement",
            MissingFrom.EDUCATION.value: "missing from school",
            MissingFrom.EXTERNAL_ACTIVITY.value: "missing from an activity or trip",
        },
        FactName.POLICE_RISK.value: {
            PoliceRisk.NO_APPARENT_RISK.value: "no apparent risk",
            PoliceRisk.LOW.value: "low",
            PoliceRisk.MEDIUM.value: "medium",
            PoliceRisk.HIGH.value: "high",
            PoliceRisk.IMMEDIATE.value: "immediate",
        },
        FactName.CHILD_FLAGS.value: {
            ChildFlag.CHILD_EXPLOITATION_RISK.value: "at risk of exploitation",
            ChildFlag.CRIMINAL_ORDER_OR_BAIL.value: "on a criminal order or bail",
            ChildFlag.UNACCOMPANIED_ASYLUM_SEEKING.value: "an unaccompanied asylum-seeking child",
            ChildFlag.LEARNING_DISABILITY.value: "with a learning disability",
            ChildFlag.MENTAL_HEALTH.value: "with mental health needs",
            ChildFlag.PREGNANT.value: "pregnant",
            ChildFlag.SECTION_47_ENQUIRY.value: "subject to a section 47 enquiry",
            ChildFlag.TRAFFICKING_RISK.value: "at risk of trafficking",
            ChildFlag.SUBSTANCE_MISUSE.value: "misusing drugs or alcohol",
            ChildFlag.MEDICAL_NEEDS.value: "with medical needs",
        },
        FactName.WHILE_AWAY.value: {
            AwayIncident.HARMED.value: "harmed while away",
            AwayIncident.VICTIM_OF_CRIME.value: "a victim of crime while away",
            AwayIncident.CRIMINAL_ACTIVITY.value: "involved in crime while away",
            AwayIncident.CONTACT_WITH_PERSON_POSING_RISK.value: (
                "in contact with someone who poses a risk"
            ),
        },
        FactName.REPORTED_BY.value: {
            ReportedBy.PARENT_OR_CARER.value: "reported by the parent or carer",
            ReportedBy.PROFESSIONAL.value: "reported by a professional",
            ReportedBy.POLICE.value: "found or reported by the police",
            ReportedBy.OTHER.value: "reported by someone else",
            ReportedBy.HOME_OFFICE.value: "reported by the Home Office",
        },
        FactName.CONCERNS.value: {
            Concern.SIGNIFICANT_HARM.value: "risk of significant harm",
            Concern.SUSPICIOUS_CIRCUMSTANCES.value: "suspicious circumstances",
            Concern.FAMILY_MISSING.value: "the whole family missing",
            Concern.PERSON_POSING_RISK_IN_HOUSEHOLD.value: "someone posing a risk in the household",
            Concern.UNBORN_CHILD_WELFARE.value: "concern for an unborn child",
            Concern.REMOVED_CONTRARY_TO_CARE_PLAN.value: "removed against the care plan",
            Concern.ABDUCTION.value: "suspected abduction",
            Concern.DISCLOSURE_OF_HARM.value: "a disclosure of harm",
            Concern.FAMILY_CONCERNS.value: "the family's concerns",
            Concern.COMPLEX_RISK.value: "complex risk",
            Concern.OUT_OF_CHARACTER.value: "out of character",
        },
        FactName.JUDGEMENTS.value: JUDGEMENT_LABELS,
        **{fact.value: {"true": yes, "false": no} for fact, (yes, no) in _BOOLEANS.items()},
        **_RECORDED_VALUE_LABELS,
    }
)


KIND_LABELS: Final = MappingProxyType(
    {
        # the shared vocabulary
        "report_to_police": "report to the police",
        "notify": "tell",
        "police_risk_review": "police review of the risk grading",
        "risk_assessment": "multi-agency risk assessment",
        "safe_and_well_check": "safe and well check",
        "return_home_interview": "return home interview",
        "strategy_meeting": "strategy meeting",
        "stage_one_meeting": "first-stage repeat-missing meeting",
        "stage_two_meeting": "second-stage repeat-missing meeting",
        "child_protection_conference": "child protection conference",
        "looked_after_review": "looked after review",
        "professionals_meeting": "professionals meeting",
        "reintegration_meeting": "return-to-school meeting",
        "placement_discussion": "discussion of the placement",
        "case_review_meeting": "case review meeting",
        "strategic_director_review": "review by a strategic director",
        "child_and_family_assessment": "child and family assessment",
        "section_47_enquiry": "section 47 enquiry",
        "mash_decision": "safeguarding hub decision",
        "mash_referral": "referral to the safeguarding hub",
        "alert_other_local_authorities": "alert other councils",
        "joint_action_plan": "joint police and social care plan",
        "trigger_plan": "plan for the next time missing",
        "progress_update": "progress update",
        "legal_advice_recovery_order": "legal advice on a recovery order",
        "media_decision": "decision on using the media",
        "escalation_to_manager": "escalation to a senior manager",
        # kinds the bundled rule files add
        "search_for_child": "search by the parent or carer",
        "evidence_classification": "record why away, not missing",
        "ascertain_wellbeing": "check on the child's wellbeing",
        "high_risk_police_response": "high-risk police response",
        "irm_review": "daily risk management meeting",
        "panel_review": "vulnerable adolescents panel",
        "refer_to_family_solutions": "referral to early help",
        "early_help_assessment": "early help assessment",
        "police_safeguarding_action": "police safeguarding action",
        "check_merlin_for_brent_children": "check the police report for local children",
        "request_rhi_from_responsible_authority": "ask the responsible council for the interview",
        "request_risk_information": "ask the placing council about risks",
        "review_support_work": "review the support work",
        "update_plan": "update the child's plan",
        "parenting_support": "parenting support",
        "preliminary_checks": "checks before reporting",
        "photo_consent": "consent to use a photograph",
        "hub_report_review": "detective review of the report",
        "appoint_polsa": "appoint a police search adviser",
        "exploitation_risk_assessment": "exploitation risk assessment",
        "radicalisation_risk_assessment": "radicalisation risk assessment",
        "record_incident": "record the incident",
        "information_sharing_decision": "decide what information to share",
        "contact_attempt": "try to contact the child",
        "iro_contact_attempt": "reviewing officer tries to contact the child",
        "return_plan": "plan for the child's return",
        "commission_return_interview": "request the return home interview",
        # kinds added with issue 10's recorded facts
        "treat_as_possible_trafficking_victim": "treat as a possible victim of trafficking",
        "missing_person_notification_form": "send the missing person form",
        "pnc_circulation": "circulate on the police national computer",
        "joint_investigation": "joint investigation with the Home Office",
        "safeguarding_enquiries": "follow-up safeguarding enquiries",
        "return_interview_form": "return interview form",
        "rhi_review": "consider the return interview",
        "ce_checklist": "child exploitation checklist",
        "helpline_information": "give helpline information",
        "care_plan_update": "update the care plan",
        "family_support": "support for the family",
        "reasonable_steps_to_locate": "reasonable steps to find the child",
        "share_essential_information_form": "give the police the information form",
        "police_investigation": "police investigation",
        "police_record": "police missing person record",
        "pnc_marker": "missing marker on the police computer",
        "cmit_handover": "hand over to the police missing team",
        "enquiry_contact": "ask those who may know where the child is",
        "arrange_return": "arrange the child's return",
        "child_protection_procedures": "child protection procedures",
        "advise_child": "tell the child they will be asked about it",
        "inform_child_of_follow_up": "tell the child about the follow-up",
        "medical_discussion": "discuss medical needs on return",
        "episode_report_for_review": "report for the next looked after review",
        "follow_up_disclosure": "follow up a disclosure",
        "discuss_with_iro": "discuss with the reviewing officer",
        "harm_outside_home_risk_assessment": "harm outside the home assessment",
        "early_help_step_up": "consider stepping up from early help",
        "maintain_contact": "keep in touch with family and child",
        "agree_rhc_conductor": "agree who holds the return conversation",
        "record_missing_notification": "record the missing notification",
        "form_87a_referral": "police referral form for the strategy meeting",
        "agree_family_communication": "agree what the family is told",
        "mace_panel_referral": "child exploitation panel",
        "plan_review": "review the plan",
        "assign_rhc": "assign the return conversation",
        "record_rhc": "record the return conversation",
        "police_deployment": "deploy police officers",
        "appoint_investigating_officer": "appoint an investigating officer",
        "local_search": "search the local area",
        "persuade_return": "keep in touch and persuade the child to return",
        "proportionate_enquiries": "make proportionate enquiries",
        "social_media_check": "check the child's social media",
        "early_help_notification": "tell early help",
        "finalise_missing_report": "finalise the police missing report",
        "share_risk_management_plan": "share the risk management plan",
        "advise_on_evidence": "advise on keeping evidence",
        "verify_police_report": "check with the police that the child was reported",
        "located_runaway_response": "out-of-hours response to a located runaway",
        "vulnerable_adult_assessment": "assess under the vulnerable adults' protocols",
        # kinds of the judgement and outcome rules (issue 10)
        "record_placement_to_be_sought": "minute that a placement will be sought",
        "identify_alternative_interviewer": "find another interviewer",
        "information_from_parents": "get information from the parents",
        "return_interview_record": "complete the return interview record",
        "service_referral": "refer on to a service",
        "early_help_referral": "refer for early help",
        "escalation_policy": "follow the escalation policy",
        "explore_direct_rhi": "explore an interview directly with the child",
        "alternative_placement_discussion": "discuss where the child can go",
        "intelligence_checks": "intelligence checks on proposed carers",
        "intervention_decision": "decide on an intervention",
        "safeguarding_procedures": "safeguarding procedures",
        "agree_contact_professional": "agree who keeps in contact",
        # kinds of issue 10's last duties
        "advise_reporter_on_review": "tell the reporter the case will go to review",
        "consult_professional": "consult the child's professional",
        "inform_media": "inform the media",
        "missing_person_investigation": "investigate the missing report",
        "where_to_take_child_decision": "decide where the child is taken",
        "address_absences_in_review": "address the absences at the review",
        "exploitation_outcome_at_review": "take the exploitation outcome to the review",
        "place_child_elsewhere": "place the child elsewhere",
    }
)


ROLE_LABELS: Final = MappingProxyType(
    {
        # the shared vocabulary
        "police": "the police",
        "parent_or_carer": "the parent or carer",
        "parents": "the parents",
        "carer": "the carer",
        "allocated_social_worker": "the allocated social worker",
        "lead_professional": "the lead professional",
        "childrens_social_care": "children's social care",
        "mash": "the safeguarding hub (MASH)",
        "police_child_abuse_investigation_team": "the police child abuse investigation team",
        "quality_assurance_unit": "the quality assurance unit",
        "edt": "the out-of-hours social work team",
        "early_help_family_worker": "the early help family worker",
        "early_help": "early help",
        "childrens_society": "the Children's Society",
        "return_interview_service": "the return interview service",
        "iro": "the independent reviewing officer",
        "school": "the school",
        "team_manager": "the team manager",
        "service_manager": "the service manager",
        "senior_manager": "a senior manager",
        "assistant_director": "the assistant director",
        "director": "the director of children's services",
        "placing_authority": "the council that placed the child",
        "host_authority": "the council where the child is placed",
        "other_local_authorities": "other councils",
        # roles the bundled rule files add
        "family_solutions": "the early help service",
        "missing_persons_coordinator": "the missing persons coordinator",
        "head_of_service": "the head of service",
        "operational_director": "the operational director",
        "head_of_safeguarding_qa": "the head of safeguarding",
        "missing_persons_bureau": "the UK Missing Persons Bureau",
        "uk_missing_persons_bureau": "the UK Missing Persons Bureau",
        "ceop": "CEOP (online child protection)",
        "vulnerable_adolescents_panel": "the vulnerable adolescents panel",
        "group_leader": "the trip or activity leader",
        "registration_authority": "the home's regulator",
        "mase_analyst": "the exploitation analyst",
        "any_agency": "any agency that knows",
        "complex_safeguarding_team": "the complex safeguarding team",
        "advanced_practitioner": "an advanced practitioner",
        "cmr_sergeant": "the police control room sergeant",
        "ccr_inspector": "the police control room inspector",
        "metco": "the police exploitation coordinators",
        "lead_member": "the lead councillor for children",
        "corporate_parenting_board": "the corporate parenting board",
        "designated_health_professionals": "the designated nurse and doctor",
        "designated_education_professionals": "the virtual school",
        "nhs_safeguarding_professionals": "NHS safeguarding professionals",
        "organisation_senior_manager": "a senior manager of the organisation",
        "relevant_organisations": "the agencies involved, jointly",
        "concerned_agency": "whichever agency is concerned",
        "aware_agency": "the agency that learnt of it",
        "aware_professional": "the professional who learnt of it",
        "independent_interviewer": "an independent interviewer",
        "local_hospital": "local hospitals",
        "detective_sergeant": "a detective sergeant",
        "detective_inspector": "a detective inspector",
        "detective_chief_inspector": "a detective chief inspector",
        "exploitation_service": "the exploitation service",
        "divisional_director": "the divisional director",
        "professional_network": "the professionals around the child",
        "other_practitioner": "any other practitioner",
        # roles added with issue 10's recorded facts
        "other_area_police": "the police where the child ran to",
        "other_area_local_authority": "the council where the child ran to",
        "social_work_authority": "the council whose social worker it is",
        "home_office": "the Home Office",
        "home_office_evidence_enquiry_unit": "the Home Office Evidence and Enquiry Unit",
        "immigration_compliance_enforcement_team": "the immigration enforcement team",
        "carer_without_parental_responsibility": "the carer without parental responsibility",
        "forced_marriage_unit": "the Forced Marriage Unit",
        "adult_social_care": "adult social care",
        "school_or_youth_service": "the school or youth service",
    }
)


def _fallback(code: str) -> str:
    return code.replace("_", " ")


def kind_label(kind: str) -> str:
    """``return_home_interview`` -> ``return home interview``."""
    return KIND_LABELS.get(kind, _fallback(kind))


def role_label(role: str) -> str:
    """``allocated_social_worker`` -> ``the allocated social worker``."""
    return ROLE_LABELS.get(role, _fallback(role))


def value_label(fact: str, value: str, protocol: Protocol | None = None) -> str:
    """A fact's value in words; a category by its protocol's own label."""
    if fact in (FactName.CATEGORY.value, FactName.CATEGORIES.value) and protocol is not None:
        for category in protocol.categories:
            if category.id == value:
                return f"‘{category.label}’"
    return VALUE_LABELS.get(fact, {}).get(value, _fallback(value))

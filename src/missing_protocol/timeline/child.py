"""The child a timeline is about, by record id only: status, flags and the facts held on
their record."""

from __future__ import annotations

from pydantic import Field, StrictBool, field_serializer, model_validator
from pydantic_core import PydanticCustomError

from missing_protocol.facts import CaseStatus, ChildFlag, SocialWorkArea
from missing_protocol.moments import PlainDate
from missing_protocol.versions import since

from .base import RecordId, _Model, _sorted


class Child(_Model):
    """The child the timeline is about. Record id only; no names are needed."""

    id: RecordId
    date_of_birth: PlainDate
    case_status: CaseStatus = CaseStatus.NONE
    known_to_social_care: StrictBool = False
    has_allocated_worker: StrictBool = False
    attends_school: StrictBool = False
    attends_secondary_school: StrictBool = False
    placed_by_other_authority: StrictBool = Field(
        default=False, description="Looked after by another authority and placed in this area."
    )
    placing_authority: str | None = Field(
        default=None, max_length=100, description="Which authority placed the child, if another."
    )
    placed_out_of_area: StrictBool = Field(
        default=False, description="Looked after by this area and placed outside it."
    )
    flags: frozenset[ChildFlag] = frozenset()
    looked_after_since: PlainDate | None = Field(
        default=None,
        description="The day the child's current period of being looked after began "
        "(SSDA903: the start of the period of care); omit if not known or not looked after.",
        json_schema_extra=since(3),
    )
    subject_to_restrictions: StrictBool | None = Field(
        default=None,
        description="Subject to immigration restrictions (Home Office reporting or residence "
        "conditions); omit if not known.",
        json_schema_extra=since(3),
    )
    social_work_area: SocialWorkArea | None = Field(
        default=None,
        description="Whose social worker the case is open to, seen from the protocol's area: "
        "this_area or other_area; omit if not known or not open.",
        json_schema_extra=since(3),
    )
    next_review_on: PlainDate | None = Field(
        default=None,
        description="The day of the child's next statutory (looked after) review, as known; "
        "omit if not known. Deadlines 'before_next_review' and 'at_next_review' are set from "
        "it; a date before the day a duty arose is not that duty's next review.",
        json_schema_extra=since(3),
    )

    @field_serializer("flags")
    def _sorted_flags(self, flags: frozenset[ChildFlag]) -> list[str]:
        return _sorted(flags)

    @model_validator(mode="after")
    def _placing_authority_needs_placement(self) -> Child:
        if self.placing_authority is not None and not self.placed_by_other_authority:
            raise PydanticCustomError(
                "inconsistent",
                "placing_authority is given but placed_by_other_authority is false; "
                "set placed_by_other_authority: true or remove placing_authority",
                {},
            )
        return self

"""The risk section: police risk levels, the area's categories (and those an episode is also
in), risk floors, and the level an ungraded episode is held at."""

from __future__ import annotations

from pydantic import Field

from missing_protocol.facts import PoliceRisk
from missing_protocol.versions import since

from .base import Citation, Identifier, _Model
from .conditions import Condition


class AlsoCategory(_Model):
    """Another category an episode of this one is in at the same time, when ``when`` holds."""

    category: Identifier = Field(description="The other category (one of the protocol's).")
    when: Condition | None = Field(
        default=None, description="When the episode is also in it (omit for always)."
    )
    citation: Citation
    note: str | None = None


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
    also: list[AlsoCategory] = Field(
        default_factory=list,
        description="Categories an episode of this category is also in (an absconder under 16 "
        "is 'both a missing child and an absconder'); rules test them with the fact "
        "'categories'.",
        json_schema_extra=since(2),
    )


class RiskFloor(_Model):
    """A constraint such as "no child may be held at low risk"."""

    id: Identifier
    when: Condition | None = None
    forbid: list[PoliceRisk] = Field(min_length=1)
    raise_to: PoliceRisk
    citation: Citation
    note: str | None = None


class UngradedRisk(_Model):
    """The level an episode the police have not graded is held at ("every child recorded
    missing is prioritised medium or high risk"); the first whose ``when`` holds applies."""

    id: Identifier
    when: Condition | None = Field(
        default=None, description="Which ungraded episodes it holds (omit for all)."
    )
    held_at: PoliceRisk = Field(description="The level an ungraded episode is held at.")
    citation: Citation
    note: str | None = None


class RiskSection(_Model):
    police_risk_levels: list[PoliceRisk] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    floors: list[RiskFloor] = Field(default_factory=list)
    ungraded: list[UngradedRisk] = Field(
        default_factory=list,
        description="The level an episode with no police risk recorded is held at, first "
        "match; the floors then apply to it, and the episode result says it was assumed.",
        json_schema_extra=since(2),
    )


AlsoCategory.model_rebuild()
Category.model_rebuild()
RiskFloor.model_rebuild()
UngradedRisk.model_rebuild()

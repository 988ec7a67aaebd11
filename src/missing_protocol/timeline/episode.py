"""A missing episode: its moments, what was known, the facts that changed while the child
was away, and the judgements recorded on it; and the checks across its fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from missing_protocol.facts import (
    AwayIncident,
    CareHolder,
    Concern,
    FoundBy,
    LegalStatus,
    MissingFrom,
    PlacementType,
    PoliceRisk,
    RemovalPurpose,
    ReportedBy,
)
from missing_protocol.moments import LondonDateTime
from missing_protocol.versions import since

from .base import (
    RecordId,
    _before,
    _day_only,
    _error,
    _first_instants,
    _Model,
    _raise_all,
    _sorted,
    moment_bounds,
)


class FactChange(_Model):
    """A fact of an episode that changed while the child was away (timeline schema version 3):
    the police re-graded the risk, or the episode was re-categorised (absent to missing)."""

    at: LondonDateTime = Field(description="When the change was made.")
    police_risk: PoliceRisk | None = Field(
        default=None, description="The police risk level from then on."
    )
    category: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The area's category from then on.",
    )
    known_to_day: frozenset[Literal["at"]] = Field(
        default=frozenset(),
        description="'at' when it is known only to its London day (a date alone): "
        "evaluate_bounded reads it at the day's earliest and latest.",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> FactChange:
        if self.police_risk is None and self.category is None:
            raise PydanticCustomError(
                "empty_change",
                "a change needs police_risk or category (or both): what changed at 'at'",
            )
        _raise_all("FactChange", _first_instants(self, self.known_to_day))
        return self


class Judgement(_Model):
    """A judgement, decision or outcome recorded on an episode (schema version 3).

    ``judgement`` is a code of the shared vocabulary or of the protocol's
    ``extra_judgements``; ``at`` is when it was made (omit if not known: it then
    counts from the start of the episode), ``by`` the role that made it.
    """

    judgement: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        max_length=64,
        description="A judgement code, e.g. rhi_refused_by_child.",
    )
    at: LondonDateTime | None = Field(default=None, description="When it was made.")
    by: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="The role that made it."
    )

    @field_validator("at", mode="before")
    @classmethod
    def _with_a_time(cls, value: object) -> object:
        """A judgement's moment moves when a duty arises: a date alone is not precise enough."""
        if _day_only(value):
            raise PydanticCustomError(
                "day_only",
                "a judgement's 'at' needs a time of day (it sets when a duty arises); give the "
                "time, or leave 'at' out if it is not known",
            )
        return value


class Episode(_Model):
    """One period of being missing or absent."""

    id: RecordId
    missing_from: MissingFrom = MissingFrom.HOME
    category: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The area's own category; omit to let the protocol derive it.",
    )
    whereabouts_known: StrictBool = False
    police_risk: PoliceRisk | None = Field(
        default=None, description="The police risk level assessed; omit if not assessed."
    )
    started_at: LondonDateTime = Field(description="When the child was last seen.")
    reported_at: LondonDateTime | None = Field(default=None, description="Reported to police.")
    returned_at: LondonDateTime | None = Field(default=None, description="Located or returned.")
    while_away: frozenset[AwayIncident] = frozenset()
    concerns: frozenset[Concern] = frozenset()
    legal_status: LegalStatus | None = Field(
        default=None,
        description="The legal basis of a looked after child's care when they went missing "
        "(SSDA903 legal status); omit if not known or not looked after.",
        json_schema_extra=since(3),
    )
    placement_type: PlacementType | None = Field(
        default=None,
        description="The type of placement of a looked after child when they went missing "
        "(SSDA903 placement type); omit if not known or not looked after.",
        json_schema_extra=since(3),
    )
    in_other_area: StrictBool | None = Field(
        default=None,
        description="Whether, while missing, the child was known to be in another local "
        "authority's area; omit if not known.",
        json_schema_extra=since(3),
    )
    found_by: FoundBy | None = Field(
        default=None,
        description="Who found the child, or how the child came back; omit if not known.",
        json_schema_extra=since(3),
    )
    in_care_of: CareHolder | None = Field(
        default=None,
        description="Who had care of the child when they went missing; omit if not known.",
        json_schema_extra=since(3),
    )
    feared_removal_from_uk: frozenset[RemovalPurpose] | None = Field(
        default=None,
        description="Why the child is feared to be removed from the UK (abduction, "
        "forced_marriage, female_genital_mutilation); [] if none is feared; omit if not known.",
        json_schema_extra=since(3),
    )
    known_to_day: frozenset[Literal["started_at", "reported_at", "returned_at"]] = Field(
        default=frozenset(),
        description="Moments known only to their London day (schema version 2; filled in "
        "from date-only values).",
    )
    noticed_at: LondonDateTime | None = Field(
        default=None,
        description="When a carer, parent or professional noticed the child was missing (not "
        "before started_at). Rules triggered on 'noticed' use started_at where it is not given.",
        json_schema_extra=since(3),
    )
    reported_by: ReportedBy | None = Field(
        default=None,
        description="Who reported the child missing to the police: parent_or_carer (a parent or "
        "the carer looking after the child), professional (another agency's worker), police, "
        "other (anyone else), home_office (the Home Office).",
        json_schema_extra=since(3),
    )
    professional_aware_at: LondonDateTime | None = Field(
        default=None,
        description="When a professional (social worker, school, health, ...) first learnt the "
        "child was missing (not before started_at). Rules on 'professional_aware' use "
        "reported_at where it is not given.",
        json_schema_extra=since(3),
    )
    police_told_of_return_at: LondonDateTime | None = Field(
        default=None,
        description="When the police were told the child had returned or been located (not "
        "before returned_at). Rules on 'police_told_of_return' use returned_at where it is "
        "not given.",
        json_schema_extra=since(3),
    )

    @field_validator(
        "noticed_at", "professional_aware_at", "police_told_of_return_at", mode="before"
    )
    @classmethod
    def _to_the_minute(cls, value: object, info: ValidationInfo) -> object:
        if _day_only(value):
            raise PydanticCustomError(
                "day_only",
                f"{info.field_name} must be a date and time (e.g. 2024-03-29T21:50): duties "
                "are timed from it to the minute, so a date alone is not accepted; give the "
                "time, or leave it out",
            )
        return value

    changes: tuple[FactChange, ...] = Field(
        default=(),
        description="Facts that changed during the episode, each from its moment on "
        "(schema version 3): each duty is judged on the facts as they stood when it fell due.",
        json_schema_extra=since(3),
    )
    also_categories: frozenset[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] = (
        Field(
            default=frozenset(),
            description="Categories of the area the episode is also in, beside its category "
            "(schema version 3); the protocol may derive more.",
            json_schema_extra=since(3),
        )
    )
    judgements: tuple[Judgement, ...] = Field(
        default=(),
        description="Judgements and outcomes recorded on the episode (each code once); "
        "a duty that depends on one does not arise until it is recorded.",
        json_schema_extra=since(3),
    )

    def bounds(self, name: str) -> tuple[dt.datetime, dt.datetime] | None:
        """The earliest and latest instant of ``started_at``, ``reported_at`` or ``returned_at``."""
        value: dt.datetime | None = getattr(self, name)
        if value is None:
            return None
        return moment_bounds(value, name in self.known_to_day)

    @field_serializer("while_away", "concerns")
    def _sorted_sets(self, values: frozenset[AwayIncident] | frozenset[Concern]) -> list[str]:
        return _sorted(values)

    @field_serializer("feared_removal_from_uk")
    def _sorted_purposes(self, values: frozenset[RemovalPurpose] | None) -> list[str] | None:
        return None if values is None else _sorted(values)

    @field_serializer("also_categories")
    def _sorted_also(self, values: frozenset[str]) -> list[str]:
        return sorted(values)

    @model_serializer(mode="wrap")
    def _without_empty_lists(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave ``also_categories``, ``changes`` and ``judgements`` out when empty, so that a
        version 1 or 2 timeline written out reads back at its own version."""
        data = handler(self)
        if isinstance(data, dict):
            for name in ("also_categories", "changes", "judgements"):
                if not getattr(self, name):
                    data.pop(name, None)
        return data

    @model_validator(mode="after")
    def _times_in_order(self) -> Episode:
        errors = _first_instants(self, self.known_to_day)
        if self.changes:
            errors.extend(_changes_in_episode(self))
        for name in ("reported_at", "returned_at", "noticed_at", "professional_aware_at"):
            value: dt.datetime | None = getattr(self, name)
            if value is None:
                continue
            latest = moment_bounds(value, True)[1] if name in self.known_to_day else value
            if _before(latest, self.started_at):
                errors.append(
                    _error(
                        "time_order",
                        f"{name} is before started_at (last seen); check both",
                        (name,),
                    )
                )
        if self.judgements:
            errors.extend(_judgement_problems(self.judgements))
        if self.police_told_of_return_at is not None:
            errors.extend(_police_told_after_return(self))
        _raise_all("Episode", errors)
        return self


def _police_told_after_return(episode: Episode) -> list[InitErrorDetails]:
    """``police_told_of_return_at`` needs the return, and is not before it."""
    told = episode.police_told_of_return_at
    if told is None:
        return []
    returned = episode.bounds("returned_at")
    if returned is None:
        return [
            _error(
                "time_order",
                "police_told_of_return_at is given but returned_at is not: give the return "
                "(returned_at), or leave police_told_of_return_at out",
                ("police_told_of_return_at",),
            )
        ]
    if _before(told, returned[0]):
        return [
            _error(
                "time_order",
                "police_told_of_return_at is before returned_at: the police cannot be told "
                "of a return before it happens; check both",
                ("police_told_of_return_at",),
            )
        ]
    return []


def _changes_in_episode(episode: Episode) -> list[InitErrorDetails]:
    """Every change falls within its episode: not before the start, not after the return."""
    errors = []
    start = episode.started_at
    returned = episode.bounds("returned_at")
    for index, change in enumerate(episode.changes):
        # a change known only to its day is out of the episode only if all of that day is
        earliest, latest = moment_bounds(change.at, "at" in change.known_to_day)
        if _before(latest, start):
            errors.append(
                _error(
                    "time_order",
                    "a change is before started_at (last seen); check both",
                    ("changes", index, "at"),
                )
            )
        elif returned is not None and _before(returned[1], earliest):
            errors.append(
                _error(
                    "time_order",
                    "a change is after returned_at: facts change while the child is away; "
                    "check both",
                    ("changes", index, "at"),
                )
            )
    return errors


def _judgement_problems(judgements: tuple[Judgement, ...]) -> list[InitErrorDetails]:
    """Each judgement code at most once in an episode."""
    errors = []
    first: dict[str, int] = {}
    for index, item in enumerate(judgements):
        if item.judgement in first:
            errors.append(
                _error(
                    "duplicate_judgement",
                    f"judgement {item.judgement} is recorded again (first at "
                    f"judgements[{first[item.judgement]}]); record each judgement once, "
                    "with the moment it was made",
                    ("judgements", index, "judgement"),
                )
            )
        else:
            first[item.judgement] = index
    return errors

"""Pydantic models of a child's timeline: the child, the episodes, what was done.

A timeline is the input to evaluation. It describes one child (by record id
only: no names), their missing episodes, and the events recorded against them
(reports, checks, interviews, meetings, notifications), so that compliance with
each required action can be judged.

Datetimes are ISO 8601 text (never a number: epoch seconds and YAML 1.1's
sexagesimal are refused). A value without an offset is Europe/London wall-clock
time (the hour repeated in October means its first occurrence, BST; give an
offset, ``+00:00``, for the second); every datetime is held as an aware London
time after validation, and compared as an instant (in UTC), never by its
wall-clock fields. Dates are ``YYYY-MM-DD``. Every date and moment must fall in
the years of :class:`~.limits.Limits` (1900 to 2100 by default), and the child
must be no older than ``maximum_age`` at any episode. Booleans are only
``true``/``false``. Consistency checks that span fields (a return before the
start, overlapping episodes, an event naming an unknown episode) are made here
too, and all reported together.
"""

from __future__ import annotations

import datetime as dt
import itertools
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .facts import AwayIncident, CaseStatus, ChildFlag, Concern, MissingFrom, PoliceRisk
from .moments import (
    LondonDateTime,
    PlainDate,
    check_moment,
    instant,
    limits_in,
    london_datetime,
    parse_moment,
)
from .schema import Outcome

__all__ = [
    "TIMELINE_SCHEMA_VERSION",
    "Child",
    "Episode",
    "RecordedEvent",
    "Timeline",
    "check_moment",
    "instant",
    "london_datetime",
    "parse_moment",
]

TIMELINE_SCHEMA_VERSION = 1

RecordId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="A record id: letters, digits and . _ : - (never a name).",
    ),
]


def _sorted(values: frozenset[StrEnum]) -> list[str]:
    """A set written out in a stable order (set iteration order changes with the hash seed)."""
    return sorted(str(value) for value in values)


def _age(born: dt.date, on: dt.date) -> int:
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _error(code: str, message: str, loc: tuple[str | int, ...]) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=None)


def _raise_all(title: str, errors: list[InitErrorDetails]) -> None:
    """Report every consistency problem at once, each at its own field."""
    if errors:
        raise ValidationError.from_exception_data(title, errors)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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

    @field_serializer("while_away", "concerns")
    def _sorted_sets(self, values: frozenset[AwayIncident] | frozenset[Concern]) -> list[str]:
        return _sorted(values)

    @model_validator(mode="after")
    def _times_in_order(self) -> Episode:
        errors = []
        for name in ("reported_at", "returned_at"):
            moment = getattr(self, name)
            if moment is not None and instant(moment) < instant(self.started_at):
                errors.append(
                    _error(
                        "time_order",
                        f"{name} is before started_at (last seen); check both",
                        (name,),
                    )
                )
        _raise_all("Episode", errors)
        return self


class RecordedEvent(_Model):
    """Something that was done, and when: evidence that a required action was met."""

    action: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="An action kind, e.g. return_home_interview."
    )
    at: LondonDateTime
    episode: RecordId | None = Field(
        default=None, description="The episode it was for; omit if it served any open episode."
    )
    outcome: Outcome = Outcome.DONE
    recipient: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="For notifications: to whom."
    )
    by: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="The role that did it."
    )


class Timeline(_Model):
    """One child, their episodes and the events recorded against them."""

    schema_version: Literal[1] = 1
    child: Child
    episodes: list[Episode] = Field(min_length=1)
    events: list[RecordedEvent] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Timeline:
        errors: list[InitErrorDetails] = []
        oldest = limits_in(info).maximum_age
        first_index: dict[str, int] = {}
        for index, episode in enumerate(self.episodes):
            if episode.id in first_index:
                errors.append(
                    _error(
                        "duplicate_id",
                        f"episode id {episode.id} is used again (first at "
                        f"episodes[{first_index[episode.id]}]); ids must be unique",
                        ("episodes", index, "id"),
                    )
                )
            else:
                first_index[episode.id] = index
            if episode.started_at.date() < self.child.date_of_birth:
                errors.append(
                    _error(
                        "time_order",
                        f"episode {episode.id} starts before the child's date of birth",
                        ("episodes", index, "started_at"),
                    )
                )
            elif _age(self.child.date_of_birth, episode.started_at.date()) > oldest:
                errors.append(
                    _error(
                        "limit.age",
                        f"the child would be over {oldest} at episode {episode.id}: no protocol "
                        "covers that age; check the date of birth, or raise the limit maximum_age",
                        ("episodes", index, "started_at"),
                    )
                )
        order = sorted(
            range(len(self.episodes)), key=lambda i: instant(self.episodes[i].started_at)
        )
        for before, after in itertools.pairwise(order):
            earlier, later = self.episodes[before], self.episodes[after]
            if earlier.returned_at is None or instant(earlier.returned_at) > instant(
                later.started_at
            ):
                errors.append(
                    _error(
                        "overlap",
                        f"episodes {earlier.id} and {later.id} overlap: {earlier.id} has no "
                        f"return before {later.id} starts; give {earlier.id} a returned_at",
                        ("episodes", after, "started_at"),
                    )
                )
        for index, event in enumerate(self.events):
            if event.episode is not None and event.episode not in first_index:
                errors.append(
                    _error(
                        "unknown_episode",
                        f"names episode {event.episode}, which is not in episodes",
                        ("events", index, "episode"),
                    )
                )
        _raise_all("Timeline", errors)
        return self

    def episode(self, episode_id: str) -> Episode:
        """The episode with that id."""
        for episode in self.episodes:
            if episode.id == episode_id:
                return episode
        raise KeyError(episode_id)

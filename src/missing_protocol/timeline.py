"""Pydantic models of a child's timeline: the child, the episodes, what was done.

A timeline is the input to evaluation. It describes one child (by record id
only: no names), their missing episodes, and the events recorded against them
(reports, checks, interviews, meetings, notifications), so that compliance with
each required action can be judged.

Datetimes are ISO 8601. A value without an offset is Europe/London wall-clock
time (the hour repeated in October means its first occurrence); every datetime
is held as an aware London time after validation. Consistency checks that span
fields (a return before the start, overlapping episodes, an event naming an
unknown episode) are made here too, and all reported together.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .calendar import LONDON, UTC
from .facts import AwayIncident, CaseStatus, ChildFlag, Concern, MissingFrom, PoliceRisk
from .schema import Outcome

__all__ = [
    "TIMELINE_SCHEMA_VERSION",
    "Child",
    "Episode",
    "RecordedEvent",
    "Timeline",
    "london_datetime",
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


def london_datetime(value: dt.datetime) -> dt.datetime:
    """The instant as London time: a naive value is London wall-clock time.

    A wall-clock time repeated in October means its first occurrence; one that
    does not exist (skipped in March) means the instant that reading gives with
    the winter offset, an hour later on the clock (01:30 is 02:30 BST). The
    result is always a real London reading, so calendar arithmetic on it agrees
    with arithmetic on the instant.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON, fold=0)
    return value.astimezone(UTC).astimezone(LONDON)


def _instant(moment: dt.datetime) -> dt.datetime:
    """For comparing: London times sharing one tzinfo compare by wall clock, ignoring fold."""
    return moment.astimezone(UTC)


LondonDateTime = Annotated[dt.datetime, AfterValidator(london_datetime)]


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
    date_of_birth: dt.date
    case_status: CaseStatus = CaseStatus.NONE
    known_to_social_care: bool = False
    has_allocated_worker: bool = False
    attends_school: bool = False
    attends_secondary_school: bool = False
    placed_by_other_authority: bool = Field(
        default=False, description="Looked after by another authority and placed in this area."
    )
    placing_authority: str | None = Field(
        default=None, max_length=100, description="Which authority placed the child, if another."
    )
    placed_out_of_area: bool = Field(
        default=False, description="Looked after by this area and placed outside it."
    )
    flags: frozenset[ChildFlag] = frozenset()

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
    whereabouts_known: bool = False
    police_risk: PoliceRisk | None = Field(
        default=None, description="The police risk level assessed; omit if not assessed."
    )
    started_at: LondonDateTime = Field(description="When the child was last seen.")
    reported_at: LondonDateTime | None = Field(default=None, description="Reported to police.")
    returned_at: LondonDateTime | None = Field(default=None, description="Located or returned.")
    while_away: frozenset[AwayIncident] = frozenset()
    concerns: frozenset[Concern] = frozenset()

    @model_validator(mode="after")
    def _times_in_order(self) -> Episode:
        errors = []
        for name in ("reported_at", "returned_at"):
            moment = getattr(self, name)
            if moment is not None and _instant(moment) < _instant(self.started_at):
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
    def _consistent(self) -> Timeline:
        errors: list[InitErrorDetails] = []
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
        order = sorted(
            range(len(self.episodes)), key=lambda i: _instant(self.episodes[i].started_at)
        )
        for before, after in itertools.pairwise(order):
            earlier, later = self.episodes[before], self.episodes[after]
            if earlier.returned_at is None or _instant(earlier.returned_at) > _instant(
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

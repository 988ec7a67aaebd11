"""Conditions as data: a predicate on one fact, an episode count, or ``all`` / ``any`` /
``not`` of conditions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, StrictInt, Tag, model_validator
from pydantic_core import PydanticCustomError

from missing_protocol.facts import FactName, MissingFrom
from missing_protocol.versions import since

from .base import DurationField, Identifier, _Model

Scalar = bool | int | str


class Predicate(_Model):
    """A test of one fact, with exactly one operator."""

    fact: FactName
    is_: Scalar | None = Field(default=None, alias="is")
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    lt: Scalar | None = None
    le: Scalar | None = None
    gt: Scalar | None = None
    ge: Scalar | None = None
    has: str | None = None
    has_any: list[str] | None = Field(default=None, min_length=1)
    has_none: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_operator(self) -> Predicate:
        given = [name for name in OPERATORS if getattr(self, _attr(name)) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "operator_count",
                "expected exactly one operator of {ops}, got {got}",
                {"ops": ", ".join(OPERATORS), "got": ", ".join(given) or "none"},
            )
        return self

    @property
    def operator(self) -> str:
        return next(name for name in OPERATORS if getattr(self, _attr(name)) is not None)

    @property
    def value(self) -> Scalar | list[Scalar] | list[str]:
        result: Scalar | list[Scalar] | list[str] = getattr(self, _attr(self.operator))
        return result


OPERATORS = ("is", "in", "not_in", "lt", "le", "gt", "ge", "has", "has_any", "has_none")


def _attr(operator: str) -> str:
    return operator + "_" if operator in ("is", "in") else operator


class EpisodeWindow(_Model):
    """Which episodes to count: those starting in ``within`` up to this one's start."""

    within: DurationField | None = Field(
        default=None, description="Rolling window ending at this episode's start; omit for all."
    )
    categories: list[Identifier] | None = Field(
        default=None, description="Count only episodes of these area categories."
    )
    calendar_month: Literal[True] | None = Field(
        default=None,
        description="Count the episodes that started in the London calendar month of this "
        "episode's start, up to and including this one (instead of a rolling ``within``).",
        json_schema_extra=since(2),
    )
    missing_from: list[MissingFrom] | None = Field(
        default=None,
        min_length=1,
        description="Count only episodes in which the child went missing from one of these.",
        json_schema_extra=since(2),
    )

    @model_validator(mode="after")
    def _one_window(self) -> EpisodeWindow:
        if self.calendar_month is not None and self.within is not None:
            raise PydanticCustomError(
                "window_count",
                "expected either 'within' (a rolling window) or 'calendar_month: true', not both",
                {},
            )
        return self


class EpisodeCount(_Model):
    """How many episodes (this one included) fall in a window."""

    episodes: EpisodeWindow
    at_least: StrictInt | None = Field(default=None, ge=1)
    exactly: StrictInt | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_bound(self) -> EpisodeCount:
        if (self.at_least is None) == (self.exactly is None):
            raise PydanticCustomError(
                "operator_count", "expected exactly one of at_least, exactly", {}
            )
        return self


class AllOf(_Model):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Model):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Model):
    not_: Condition = Field(alias="not")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "fact", "episodes"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            Predicate: "fact",
            EpisodeCount: "episodes",
        }.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Predicate, Tag("fact")]
    | Annotated[EpisodeCount, Tag("episodes")],
    Discriminator(
        _condition_tag,
        custom_error_type="invalid_condition",
        custom_error_message=(
            "expected a condition: a mapping with 'fact', 'episodes', 'all', 'any' or 'not'"
        ),
    ),
]


AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()

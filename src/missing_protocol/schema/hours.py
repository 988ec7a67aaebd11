"""Office hours (weekdays and London wall-clock hours) and a rule's out-of-hours routing."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from .base import Citation, Identifier, _Model


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


def _wall_clock(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise PydanticCustomError(
            "invalid_time", "expected a London wall-clock time such as '09:00' or '17:00'", {}
        )
    return value


WallClock = Annotated[
    str,
    BeforeValidator(_wall_clock),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}),
]


class OfficeHours(_Model):
    """When the area's day-time services are open (since version 2).

    In hours: one of ``days``, from ``opens`` (included) to ``closes`` (not
    included), London wall-clock time, and not one of England's bank holidays
    when ``closed_on_bank_holidays``. Any other moment is out of hours.
    """

    days: list[Weekday] = Field(min_length=1, description="The weekdays the offices open.")
    opens: WallClock = Field(description="Opening time, London wall clock, e.g. '09:00'.")
    closes: WallClock = Field(description="Closing time (out of hours from it), e.g. '17:00'.")
    closed_on_bank_holidays: bool = True
    citation: Citation
    note: str | None = None

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OfficeHours:
        if self.opens >= self.closes:
            raise PydanticCustomError(
                "invalid_time",
                "office hours open at {opens} and close at {closes}: 'opens' must be before "
                "'closes' (hours past midnight are out of hours)",
                {"opens": self.opens, "closes": self.closes},
            )
        return self


class OutOfHours(_Model):
    """Who does the duty, or whom it goes to, when the rule fires out of office hours."""

    responsible: Identifier | None = Field(
        default=None, description="The role responsible out of hours (in hours: the rule's)."
    )
    recipients: list[Identifier] | None = Field(
        default=None,
        min_length=1,
        description="The recipients out of hours (in hours: the rule's recipients).",
    )
    required: bool = Field(
        default=True,
        description='false: the duty arises only in office hours ("when it is made aware during '
        'day service"); out of hours the rule gives no action.',
    )
    in_hours_required: bool = Field(
        default=True,
        description="false: the duty arises only out of office hours (the emergency duty team's "
        "own duties); in hours the rule gives no action.",
    )

    @model_validator(mode="after")
    def _something_changes(self) -> OutOfHours:
        if (
            self.required
            and self.in_hours_required
            and self.responsible is None
            and self.recipients is None
        ):
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours changes nothing: give 'responsible', 'recipients', "
                "'required: false' or 'in_hours_required: false'",
                {},
            )
        if not (self.required or self.in_hours_required):
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours says the duty is required neither out of hours nor in hours; "
                "remove the rule instead",
                {},
            )
        if not self.required and (self.responsible is not None or self.recipients is not None):
            raise PydanticCustomError(
                "out_of_hours",
                "out_of_hours says 'required: false' (no action out of hours) and also whom "
                "it routes to; give one or the other",
                {},
            )
        return self

"""The rule file's common parts: the schema version, identifiers, durations, citations and
the protocol's metadata, and the strict base model every part extends."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from missing_protocol.calendar import DURATION_HELP, Duration, Unit, parse_duration
from missing_protocol.moments import PlainDate, limits_in

#: The newest rule-file schema version this library reads (1 is still read as written).
SCHEMA_VERSION = 2


Identifier = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]*$", description="snake_case, starting with a letter"),
]


# The longest day count of one unit of each kind, to bound a duration whatever its unit.
_DAYS_PER_UNIT = {
    Unit.MINUTES: 1 / 1440,
    Unit.HOURS: 1 / 24,
    Unit.DAYS: 1,
    Unit.WEEKS: 7,
    Unit.MONTHS: 31,
    Unit.WORKING_DAYS: 2,  # no run of England's working days is sparser than one in two
}


def _invalid_duration(value: object) -> PydanticCustomError:
    return PydanticCustomError(
        "invalid_duration",
        "expected {help}, got {got}",
        {"help": DURATION_HELP, "got": repr(value) if len(repr(value)) <= 60 else "text"},
    )


def _duration(value: object, info: ValidationInfo) -> Duration:
    """A duration from its rule-file spelling, no longer than the limit ``duration_days``.

    Checked here so that ``validate`` refuses what evaluation could not compute
    (a deadline beyond the calendar's end).
    """
    if isinstance(value, Duration):
        duration = value
    elif not isinstance(value, str) or len(value) > 60:
        raise _invalid_duration(value)
    else:
        try:
            duration = parse_duration(value)
        except ValueError:
            raise _invalid_duration(value) from None
    limits = limits_in(info)
    if duration.amount * _DAYS_PER_UNIT[duration.unit] > limits.duration_days:
        raise PydanticCustomError(
            "limit.duration",
            f"{duration} is longer than {limits.duration_days:,} days: over the limit "
            "duration_days; no protocol sets so long a time (raise the limit if this one does)",
        )
    return duration


DurationField = Annotated[
    Duration,
    BeforeValidator(_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d+ (minutes?|hours?|days?|weeks?|months?|working days?)$",
            "description": DURATION_HELP,
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(_Model):
    """Where a rule comes from: the section of the protocol and a short verbatim quote."""

    section: str = Field(min_length=1, description="Section number or heading, as the text has it.")
    quote: str = Field(
        min_length=8,
        max_length=400,
        description="Words copied exactly from the protocol text (whitespace may differ).",
    )


class ProtocolInfo(_Model):
    """Metadata of the protocol."""

    id: Identifier
    title: str
    authorities: list[str] = Field(min_length=1)
    version: str
    effective: PlainDate | None = Field(default=None, description="Date the text took effect.")
    source_document: str = Field(description="The document the rules were read from.")
    source_text: str = Field(
        description="File name of the plain-text copy the quotes were checked against."
    )

"""What was done, and when: a recorded event, the evidence that a required action was met."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from missing_protocol.facts import CheckMethod
from missing_protocol.moments import LondonDateTime
from missing_protocol.versions import since
from missing_protocol.vocabulary import Outcome

from .base import RecordId, _first_instants, _Model, _raise_all


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
    method: CheckMethod | None = Field(
        default=None,
        description="How a check or interview was made: in_person, video or phone; omit if "
        "not known (then it meets no rule that names methods).",
        json_schema_extra=since(3),
    )
    known_to_day: frozenset[Literal["at"]] = Field(
        default=frozenset(),
        description="'at' when it is known only to its London day (schema version 2).",
    )

    @model_validator(mode="after")
    def _day_only_is_first_instant(self) -> RecordedEvent:
        if self.known_to_day:
            _raise_all("RecordedEvent", _first_instants(self, self.known_to_day))
        return self

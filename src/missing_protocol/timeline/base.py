"""What every part of a timeline shares: the schema version, record ids, moments known only
to the day and their bounds, located validation errors, and the strict base model."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from missing_protocol.calendar import LONDON
from missing_protocol.moments import instant

TIMELINE_SCHEMA_VERSION = 3


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_EPISODE_MOMENTS = ("started_at", "reported_at", "returned_at")


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


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last second of a London calendar day, as aware London times."""
    first = dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON)
    last = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)
    return first, last


def moment_bounds(value: dt.datetime, known_to_day: bool) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest instant a moment may be: itself, or its whole London day."""
    if not known_to_day:
        return value, value
    return day_bounds(value.astimezone(LONDON).date())


def _day_only(value: object) -> bool:
    if isinstance(value, str):
        return bool(_DATE_ONLY.match(value.strip()))
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _mark_day_only(item: object, fields: tuple[str, ...]) -> object:
    """A raw episode or event with its date-only moments named in ``known_to_day``."""
    if not isinstance(item, dict):
        return item
    found = [name for name in fields if _day_only(item.get(name))]
    if not found:
        return item
    marked = dict(item)
    marked["known_to_day"] = sorted(set(found) | set(marked.get("known_to_day") or ()))
    return marked


def _mark_changes(episode: object) -> object:
    """A raw episode with its changes' date-only moments named in their ``known_to_day``."""
    if not isinstance(episode, dict) or not isinstance(episode.get("changes"), list):
        return episode
    return episode | {"changes": [_mark_day_only(c, ("at",)) for c in episode["changes"]]}


def _error(code: str, message: str, loc: tuple[str | int, ...]) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=None)


def _raise_all(title: str, errors: list[InitErrorDetails]) -> None:
    """Report every consistency problem at once, each at its own field."""
    if errors:
        raise ValidationError.from_exception_data(title, errors)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _by_wall_clock(moments: Iterable[dt.datetime]) -> bool:
    """Whether validated moments compare in time order as they are: all London readings,
    none the second reading of the hour the October change repeats (``fold`` 1).

    Python compares two readings of one zone by their wall-clock fields, ignoring
    the fold. Every validated moment, and every day's bound, is a reading London's
    clock shows (none in the hour skipped in March), and among those with ``fold``
    0 the later reading is the later instant.
    """
    return all(moment.tzinfo is LONDON and not moment.fold for moment in moments)


def _before(moment: dt.datetime, other: dt.datetime) -> bool:
    """Whether validated ``moment`` is an instant before ``other``.

    By the wall clock when that is time order (as in :func:`_by_wall_clock`): the
    instants, as :func:`~missing_protocol.moments.instant` gives them, cost far more.
    """
    if moment.fold or other.fold or moment.tzinfo is not LONDON or other.tzinfo is not LONDON:
        return instant(moment) < instant(other)
    return moment < other


def _first_instants(model: BaseModel, names: frozenset[str]) -> list[InitErrorDetails]:
    """A moment known only to its day must be held as that day's first instant."""
    errors: list[InitErrorDetails] = []
    if not names:
        return errors
    for name in sorted(names):
        value = getattr(model, name)
        if value is None:
            errors.append(_error("day_only", f"{name} is in known_to_day but not given", (name,)))
        elif instant(value) != instant(day_bounds(value.date())[0]):
            errors.append(
                _error(
                    "day_only",
                    f"{name} is in known_to_day, so it must be a date alone (or that day's "
                    "00:00 London time)",
                    (name,),
                )
            )
    return errors

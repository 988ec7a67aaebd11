"""ISO 8601 moments and dates as every input reads them: strict, in range, compared as instants.

A moment is ISO 8601 text (or a ``datetime`` from Python): never a number, so
epoch seconds and YAML 1.1's sexagesimal (``190:20:30``) are refused. Without
an offset it is Europe/London wall-clock time; in the hour repeated in October
that means its first occurrence (BST), and ``+00:00`` names the second. Every
moment is held as an aware London time and compared as an instant
(:func:`instant`), never by its wall-clock fields. A date is ``YYYY-MM-DD``.
Years outside the :class:`~.limits.Limits` range (1900 to 2100 by default) are
refused before any calendar arithmetic could overflow on them.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from .calendar import LONDON, UTC
from .limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DATE_HELP",
    "MOMENT_HELP",
    "LondonDateTime",
    "PlainDate",
    "check_moment",
    "instant",
    "limits_in",
    "london_datetime",
    "parse_moment",
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
        if type(value) is dt.datetime and not value.fold and _steady(value.date()):
            # a reading that happens once: London's own, with no need to go round by UTC
            return dt.datetime.combine(value, value.time(), LONDON)
        value = value.replace(tzinfo=LONDON, fold=0)
    return value.astimezone(UTC).astimezone(LONDON)


@lru_cache(maxsize=4096)
def _steady(day: dt.date) -> bool:
    """Whether London's clocks keep one offset all through ``day`` (every day but the two of
    a year when they change): then each of its wall-clock readings happens once."""
    first = dt.datetime.combine(day, dt.time.min, LONDON)
    last = dt.datetime.combine(day, dt.time.max, LONDON)
    return first.utcoffset() == last.utcoffset()


def instant(moment: dt.datetime) -> dt.datetime:
    """The same moment in UTC: what to compare and subtract, whatever its wall clock.

    Python compares two aware datetimes sharing one tzinfo by their wall-clock
    fields, ignoring ``fold``: 01:30 BST and 01:15 GMT on the October change
    would compare the wrong way round as London times.
    """
    return moment.astimezone(UTC)


_ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MOMENT_HELP = "a date-time such as 2024-03-29T21:30 (London time) or 2024-03-29T21:30+01:00"
DATE_HELP = "a date such as 2024-03-29"


def limits_in(info: ValidationInfo | None) -> Limits:
    context = info.context if info is not None else None
    found = context.get("limits") if isinstance(context, dict) else None
    return found if isinstance(found, Limits) else DEFAULT_LIMITS


def _out_of_range(limits: Limits) -> PydanticCustomError:
    return PydanticCustomError(
        "limit.date_range",
        "outside the years {range} that any record holds: check the year, or raise the "
        "limits earliest_year or latest_year",
        {"range": limits.describe_date_range()},
    )


def parse_moment(value: object) -> dt.datetime:
    """ISO 8601 text (or a ``datetime``) as a ``datetime``; nothing else, not even a number."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ISO_MOMENT.fullmatch(text):
            try:
                return dt.datetime.fromisoformat(text)
            except ValueError:
                pass
    raise PydanticCustomError("invalid_moment", "expected " + MOMENT_HELP)


def check_moment(value: dt.datetime, limits: Limits = DEFAULT_LIMITS) -> dt.datetime:
    """``value`` as an aware London time, if its year is in the limits' range.

    The year is checked before any conversion, so no moment near year 1 or
    9999 ever reaches calendar arithmetic (which would overflow).
    Raises :class:`pydantic_core.PydanticCustomError` (a :class:`ValueError`).
    """
    if not limits.earliest_year <= value.year <= limits.latest_year:
        raise _out_of_range(limits)
    return london_datetime(value)


def _moment(value: object, info: ValidationInfo) -> dt.datetime:
    """A moment field's value: :func:`parse_moment` then :func:`check_moment`, in one step.

    Pydantic's own datetime check then passes the aware ``datetime`` through as it is.
    """
    return check_moment(parse_moment(value), limits_in(info))


def _date(value: object, info: ValidationInfo) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "invalid_date", "expected " + DATE_HELP + " (no such day in the calendar)"
            ) from None
    else:
        raise PydanticCustomError("invalid_date", "expected " + DATE_HELP)
    limits = limits_in(info)
    if not limits.earliest_year <= day.year <= limits.latest_year:
        raise _out_of_range(limits)
    return day


LondonDateTime = Annotated[dt.datetime, BeforeValidator(_moment)]
PlainDate = Annotated[dt.date, BeforeValidator(_date)]

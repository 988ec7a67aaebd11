"""Moments as evaluation compares them: London wall-clock time beside the UTC instant,
and the small time arithmetic every stage shares."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from missing_protocol.calendar import (
    LONDON,
    UTC,
    Duration,
    Unit,
    add_steps,
    to_london,
    working_days_after,
)

# The least a duration can last in elapsed time, whatever the clock changes:
# a trigger that far from its anchor cannot have fired if the child was back by then.
_HOUR = dt.timedelta(hours=1)


_LEAST = {
    Unit.MINUTES: lambda n: dt.timedelta(minutes=n),
    Unit.HOURS: lambda n: dt.timedelta(hours=n),
    Unit.DAYS: lambda n: dt.timedelta(days=n) - _HOUR,
    Unit.WEEKS: lambda n: dt.timedelta(weeks=n) - _HOUR,
    Unit.MONTHS: lambda n: dt.timedelta(days=28 * n) - _HOUR,
    Unit.WORKING_DAYS: lambda n: dt.timedelta(days=n) - _HOUR,
}


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


def _shifted(anchor_utc: dt.datetime, duration: Duration) -> tuple[dt.datetime, dt.datetime]:
    """``anchor + duration`` in London time and as a UTC instant (``anchor_utc`` is one)."""
    return _stepped(anchor_utc, duration, 1)


def _stepped(
    anchor_utc: dt.datetime, step: Duration, times: int
) -> tuple[dt.datetime, dt.datetime]:
    """``anchor`` plus ``times`` steps of ``step`` (see :func:`add_steps`), in London time and
    as a UTC instant.

    Minutes and hours are elapsed time: so many steps on in UTC, as add_steps counts them
    (without a round trip through London time). Nothing is remembered: a caseload's anchors
    are all different.
    """
    elapsed = _ELAPSED.get(step.unit)
    if elapsed is not None:
        at_u = anchor_utc + elapsed * (step.amount * times)
        return at_u.astimezone(LONDON), at_u
    moment = add_steps(anchor_utc, step, times)
    return moment, moment.astimezone(UTC)


_ELAPSED = {Unit.MINUTES: dt.timedelta(minutes=1), Unit.HOURS: dt.timedelta(hours=1)}


@lru_cache(maxsize=1024)
def _skipped(day: dt.date, count: int) -> tuple[dt.date, ...]:
    return working_days_after(day, count)[1]


def _stamp(moment: dt.datetime) -> str:
    return to_london(moment).isoformat()


# A moment as London time and as a UTC instant; (None, None) when not known.
_At = tuple[dt.datetime | None, dt.datetime | None]


def _known(
    moment: dt.datetime | None, as_of_u: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if moment is None:
        return None, None
    instant = _utc(moment)
    return (moment, instant) if instant <= as_of_u else (None, None)

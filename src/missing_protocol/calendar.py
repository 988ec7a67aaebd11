"""Durations and the clock: elapsed hours, London calendar days, England's working days.

Three kinds of time appear in the protocols, and they are not interchangeable:

* **hours** are elapsed time. 72 hours after 01:00 on the Saturday before the
  clocks go forward is 02:00 (BST) on the Tuesday, not 01:00: three days of
  wall clock are only 71 hours that weekend.
* **days, weeks and months** are calendar time in Europe/London: "within 5 days"
  of 22:00 on a Friday is 22:00 (London wall clock) the next Wednesday, whether
  or not the clocks changed in between. Months clamp to the end of a shorter
  month (31 January + 1 month = 28 or 29 February), as python-dateutil does.
* **working days** skip Saturdays, Sundays and England's bank holidays (from the
  ``holidays`` package, which carries one-off days such as 19 September 2022 and
  8 May 2023). "Within N working days" of a moment is due at the *end* of the
  Nth working day after the day that moment falls on (23:59:59 London time).

A wall-clock time that does not exist (the hour skipped in March) moves forward
by the gap; one that happens twice (the hour repeated in October) means its
first occurrence.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "LONDON",
    "Duration",
    "Unit",
    "add_duration",
    "add_steps",
    "approximate_hours",
    "bank_holidays",
    "end_of_day",
    "is_working_day",
    "parse_duration",
    "shift_back",
    "to_london",
    "working_days_after",
]

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


class Unit(StrEnum):
    """The unit of a duration. Each has its own arithmetic; see the module docstring."""

    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    WORKING_DAYS = "working_days"


_UNIT_WORDS: dict[str, Unit] = {
    "minute": Unit.MINUTES,
    "minutes": Unit.MINUTES,
    "hour": Unit.HOURS,
    "hours": Unit.HOURS,
    "day": Unit.DAYS,
    "days": Unit.DAYS,
    "week": Unit.WEEKS,
    "weeks": Unit.WEEKS,
    "month": Unit.MONTHS,
    "months": Unit.MONTHS,
    "working day": Unit.WORKING_DAYS,
    "working days": Unit.WORKING_DAYS,
}

_DURATION = re.compile(r"^\s*(\d+)\s+([a-z]+(?: [a-z]+)?)\s*$")

DURATION_HELP = (
    "a duration such as '72 hours', '5 days', '6 weeks', '3 months' or '10 working days'"
)


@dataclass(frozen=True, slots=True, order=True)
class Duration:
    """An amount of one :class:`Unit`. ``str()`` gives the rule-file spelling back."""

    amount: int
    unit: Unit

    def __str__(self) -> str:
        word = self.unit.value.replace("_", " ")
        if self.amount == 1:
            word = word[:-1]
        return f"{self.amount} {word}"


_ROUGH_HOURS = {
    Unit.MINUTES: 1 / 60,
    Unit.HOURS: 1.0,
    Unit.DAYS: 24.0,
    Unit.WEEKS: 168.0,
    Unit.MONTHS: 730.0,
    Unit.WORKING_DAYS: 24 * 7 / 5,
}


def approximate_hours(duration: Duration) -> float:
    """A duration's usual length in hours, for ordering durations of different units.

    Not for deadlines: a month is taken as 730 hours, a working day as 33.6.
    """
    return duration.amount * _ROUGH_HOURS[duration.unit]


def parse_duration(text: str) -> Duration:
    """Parse ``'72 hours'``, ``'1 month'``, ``'3 working days'``.

    Raises :class:`ValueError` with a message saying what was expected.
    """
    match = _DURATION.match(text)
    unit = _UNIT_WORDS.get(match.group(2)) if match else None
    if match is None or unit is None:
        raise ValueError(f"expected {DURATION_HELP}, got {text!r}")
    return Duration(int(match.group(1)), unit)


def to_london(moment: datetime) -> datetime:
    """The same instant as London wall-clock time. Naive input is rejected."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach Europe/London or an offset first")
    return moment.astimezone(LONDON)


def _normalise_wall(local: datetime) -> datetime:
    """Resolve a London wall-clock time that may fall in a gap or a fold."""
    candidate = local.replace(tzinfo=LONDON, fold=0)
    round_trip = candidate.astimezone(UTC).astimezone(LONDON)
    # Both read London time (one tzinfo), so they compare by their wall-clock fields.
    if round_trip != candidate:
        # In the spring gap: fold=0 reads it with the winter offset, which is
        # the wall time moved forward by the gap once converted back.
        return round_trip
    return candidate


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in ``year``, one-off days included."""
    # imported on first use: a protocol without working days never needs it (a third of a
    # command's start-up)
    import holidays  # noqa: PLC0415

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_days_after(day: date, count: int) -> tuple[date, tuple[date, ...]]:
    """The ``count``-th working day after ``day``, and the days skipped on the way.

    ``day`` itself never counts. ``count`` 0 gives ``day`` back.
    """
    skipped: list[date] = []
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
        else:
            skipped.append(current)
    return current, tuple(skipped)


def end_of_day(day: date) -> datetime:
    """23:59:59 London time on ``day``: the last moment of a working-day deadline."""
    return _normalise_wall(datetime.combine(day, time(23, 59, 59), tzinfo=LONDON))


# One unit of each kind of time a timedelta can step by.
_STEPS = {
    Unit.MINUTES: timedelta(minutes=1),
    Unit.HOURS: timedelta(hours=1),
    Unit.DAYS: timedelta(days=1),
    Unit.WEEKS: timedelta(weeks=1),
}


def _shift(moment: datetime, amount: int, unit: Unit) -> datetime:
    """Move by ``amount`` (negative: back) of any unit but working days."""
    start = to_london(moment)
    if unit in (Unit.MINUTES, Unit.HOURS):
        elapsed = _STEPS[unit] * amount
        return (start.astimezone(UTC) + elapsed).astimezone(LONDON)
    if unit in (Unit.DAYS, Unit.WEEKS):
        return _normalise_wall(start + _STEPS[unit] * amount)
    if unit is Unit.MONTHS:
        return _normalise_wall(_add_months(start, amount))
    raise ValueError("working days are counted by add_duration and shift_back")


def _add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months on (or back), the day clamped
    to the end of a shorter month, as python-dateutil's ``relativedelta(months=...)``."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def add_duration(moment: datetime, duration: Duration) -> datetime:
    """``moment`` plus ``duration`` with the arithmetic of its unit, in London time."""
    return add_steps(moment, duration, 1)


def add_steps(moment: datetime, step: Duration, times: int) -> datetime:
    """``moment`` plus ``times`` steps of ``step``: plus the one duration of ``times`` as
    many of its unit, as :func:`add_duration` adds it (the ``times``-th of a series)."""
    amount = step.amount * times
    if step.unit is not Unit.WORKING_DAYS:
        return _shift(moment, amount, step.unit)
    last, _ = working_days_after(to_london(moment).date(), amount)
    return end_of_day(last)


def shift_back(moment: datetime, duration: Duration) -> datetime:
    """``moment`` minus ``duration``: the start of a window that ends at ``moment``.

    For working days, the start of the Nth working day before ``moment``'s day.
    """
    if duration.unit is not Unit.WORKING_DAYS:
        return _shift(moment, -duration.amount, duration.unit)
    day = to_london(moment).date()
    remaining = duration.amount
    while remaining > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return _normalise_wall(datetime.combine(day, time(0, 0), tzinfo=LONDON))

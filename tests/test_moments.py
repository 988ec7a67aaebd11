"""Moments read as London time: the quick reading of a day without a clock change agrees,
field for field, with going round by UTC; the days with one still go round."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missing_protocol.calendar import LONDON, UTC
from missing_protocol.moments import london_datetime


def _by_utc(value: dt.datetime) -> dt.datetime:
    """London's reading of a naive wall-clock time, the long way: every value goes round by UTC."""
    return value.replace(tzinfo=LONDON, fold=0).astimezone(UTC).astimezone(LONDON)


def _same(read: dt.datetime, expected: dt.datetime) -> bool:
    """Equal fields, zone and fold (``==`` ignores the fold of one zone's two readings)."""
    return (read.replace(tzinfo=None), read.tzinfo, read.fold) == (
        expected.replace(tzinfo=None),
        expected.tzinfo,
        expected.fold,
    )


# the first summer time, double summer time (through winter in 1941), British Standard Time
@pytest.mark.parametrize("year", [1916, 1941, 1947, 1968, 2024])
def test_each_hour_of_a_year_reads_as_going_round_by_utc(year: int) -> None:
    hour = dt.datetime(year, 1, 1)
    while hour.year == year:
        for value in (hour, hour.replace(minute=30), hour.replace(minute=59, second=59)):
            assert _same(london_datetime(value), _by_utc(value)), value
        hour += dt.timedelta(hours=1)


def test_the_clock_change_hours() -> None:
    # March: 01:30 does not happen, it is 02:30 BST; October: 01:30 is the first (BST) one
    spring = london_datetime(dt.datetime(2024, 3, 31, 1, 30))
    assert (spring.hour, spring.utcoffset()) == (2, dt.timedelta(hours=1))
    autumn = london_datetime(dt.datetime(2024, 10, 27, 1, 30))
    assert (autumn.fold, autumn.utcoffset()) == (0, dt.timedelta(hours=1))
    second = london_datetime(dt.datetime(2024, 10, 27, 1, 30, fold=1))
    assert _same(second, autumn)


class _Stamp(dt.datetime):
    """A datetime of another class: read the long way, as before."""


@given(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    st.booleans(),
    st.booleans(),
)
def test_any_wall_clock_reading(value: dt.datetime, fold: bool, subclass: bool) -> None:
    value = value.replace(fold=int(fold))
    if subclass:
        value = _Stamp.combine(value, value.time())
    read = london_datetime(value)
    assert _same(read, _by_utc(value))
    assert type(read) is type(_by_utc(value))

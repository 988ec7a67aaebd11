"""Moments read as London time: the quick reading of a day without a clock change agrees,
field for field, with going round by UTC; the days with one still go round."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from missing_protocol.calendar import LONDON, UTC
from missing_protocol.moments import LondonDateTime, london_datetime


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


_FIELD: TypeAdapter[dt.datetime] = TypeAdapter(LondonDateTime)


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2024-10-27T01:30", dt.datetime(2024, 10, 27, 1, 30, tzinfo=LONDON)),
        (" 2024-10-27T01:30+00:00 ", dt.datetime(2024, 10, 27, 1, 30, fold=1, tzinfo=LONDON)),
        ("2024-03-31 01:30", dt.datetime(2024, 3, 31, 2, 30, tzinfo=LONDON)),
        ("2024-12-13", dt.datetime(2024, 12, 13, tzinfo=LONDON)),
        (dt.datetime(2024, 6, 1, 12, tzinfo=UTC), dt.datetime(2024, 6, 1, 13, tzinfo=LONDON)),
    ],
)
def test_a_moment_field_holds_london_s_reading(given: object, read: dt.datetime) -> None:
    assert _same(_FIELD.validate_python(given), read)
    assert _FIELD.json_schema() == {"format": "date-time", "type": "string"}


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("2024-W15-5T19:58", "invalid_moment"),
        ("2024-02-30T10:00", "invalid_moment"),
        (1_700_000_000, "invalid_moment"),
        (dt.date(2024, 1, 1), "invalid_moment"),
        ("1899-12-31T23:59", "limit.date_range"),
        (dt.datetime(2101, 1, 1), "limit.date_range"),
    ],
)
def test_a_moment_field_refuses(given: object, code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _FIELD.validate_python(given)
    assert [(e["type"], e["loc"], e["input"]) for e in raised.value.errors()] == [(code, (), given)]

"""Durations across the clock changes, bank holidays and month ends."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missing_protocol.calendar import (
    LONDON,
    Duration,
    Unit,
    add_duration,
    is_working_day,
    parse_duration,
    shift_back,
    working_days_after,
)

UTC = dt.UTC


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # 72 elapsed hours across the end of BST (Sun 27 Oct 2024, 02:00 BST -> 01:00 GMT)
        (london(2024, 10, 26, 10, 0), "72 hours", "2024-10-29T09:00:00+00:00"),
        # ... and across its start (Sun 31 Mar 2024, 01:00 GMT -> 02:00 BST)
        (london(2024, 3, 30, 10, 0), "72 hours", "2024-04-02T11:00:00+01:00"),
        # calendar days keep the wall clock across both changes
        (london(2024, 3, 30, 10, 0), "3 days", "2024-04-02T10:00:00+01:00"),
        (london(2024, 10, 26, 10, 0), "3 days", "2024-10-29T10:00:00+00:00"),
        (london(2024, 10, 26, 10, 0), "1 week", "2024-11-02T10:00:00+00:00"),
        # 24 hours over the short night are a different wall time from 1 day
        (london(2024, 3, 30, 22, 0), "24 hours", "2024-03-31T23:00:00+01:00"),
        (london(2024, 3, 30, 22, 0), "1 day", "2024-03-31T22:00:00+01:00"),
        # end-of-month arithmetic clamps
        (london(2024, 1, 31, 10, 0), "1 month", "2024-02-29T10:00:00+00:00"),
        (london(2023, 1, 31, 10, 0), "1 month", "2023-02-28T10:00:00+00:00"),
        (london(2024, 8, 31, 9, 0), "3 months", "2024-11-30T09:00:00+00:00"),
        # a wall time that does not exist moves forward by the gap
        (london(2024, 3, 30, 1, 30), "1 day", "2024-03-31T02:30:00+01:00"),
        # a wall time that happens twice means its first occurrence
        (london(2024, 10, 26, 1, 30), "1 day", "2024-10-27T01:30:00+01:00"),
        (london(2024, 5, 1, 10, 0), "90 minutes", "2024-05-01T11:30:00+01:00"),
    ],
)
def test_add_duration(start: dt.datetime, duration: str, due: str) -> None:
    assert iso(add_duration(start, parse_duration(duration))) == due


@pytest.mark.parametrize(
    ("start", "days", "due", "skipped"),
    [
        # Easter 2024: Good Friday 29 Mar and Easter Monday 1 Apr
        (
            london(2024, 3, 28, 14, 0),
            3,
            "2024-04-04T23:59:59+01:00",
            ["2024-03-29", "2024-03-30", "2024-03-31", "2024-04-01"],
        ),
        # Christmas 2023: Mon 25 and Tue 26 Dec
        (
            london(2023, 12, 22, 16, 0),
            2,
            "2023-12-28T23:59:59+00:00",
            ["2023-12-23", "2023-12-24", "2023-12-25", "2023-12-26"],
        ),
        # the Queen's state funeral, Mon 19 Sep 2022
        (
            london(2022, 9, 16, 9, 0),
            1,
            "2022-09-20T23:59:59+01:00",
            ["2022-09-17", "2022-09-18", "2022-09-19"],
        ),
        # the coronation, Mon 8 May 2023
        (
            london(2023, 5, 5, 9, 0),
            1,
            "2023-05-09T23:59:59+01:00",
            ["2023-05-06", "2023-05-07", "2023-05-08"],
        ),
        # a plain week: Wednesday + 10 working days
        (
            london(2024, 6, 5, 9, 0),
            10,
            "2024-06-19T23:59:59+01:00",
            ["2024-06-08", "2024-06-09", "2024-06-15", "2024-06-16"],
        ),
        # from a Saturday the count starts on Monday
        (london(2024, 6, 8, 9, 0), 1, "2024-06-10T23:59:59+01:00", ["2024-06-09"]),
    ],
)
def test_working_days(start: dt.datetime, days: int, due: str, skipped: list[str]) -> None:
    assert iso(add_duration(start, Duration(days, Unit.WORKING_DAYS))) == due
    _, passed = working_days_after(start.date(), days)
    assert [d.isoformat() for d in passed] == skipped


def test_bank_holidays_include_one_off_days() -> None:
    assert not is_working_day(dt.date(2022, 9, 19))
    assert not is_working_day(dt.date(2023, 5, 8))
    assert not is_working_day(dt.date(2022, 6, 3))  # platinum jubilee
    assert is_working_day(dt.date(2023, 5, 9))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72 hours", Duration(72, Unit.HOURS)),
        ("1 hour", Duration(1, Unit.HOURS)),
        ("10 working days", Duration(10, Unit.WORKING_DAYS)),
        ("1 working day", Duration(1, Unit.WORKING_DAYS)),
        ("6 weeks", Duration(6, Unit.WEEKS)),
        (" 3 months ", Duration(3, Unit.MONTHS)),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3 dayz", "days", "-1 days", "1.5 hours", "72hours", ""])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration such as"):
        parse_duration(text)


def test_duration_text_round_trips() -> None:
    for text in ("1 hour", "72 hours", "1 working day", "3 working days", "1 month"):
        assert str(parse_duration(text)) == text


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        add_duration(dt.datetime(2024, 1, 1), Duration(1, Unit.HOURS))


moments = st.datetimes(
    min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(moments, st.integers(min_value=0, max_value=24 * 400))
def test_hours_are_elapsed_time(start: dt.datetime, hours: int) -> None:
    due = add_duration(start, Duration(hours, Unit.HOURS))
    assert due - start == dt.timedelta(hours=hours)


@given(moments, st.integers(min_value=1, max_value=60))
def test_working_day_deadlines_end_a_working_day_after_the_start(
    start: dt.datetime, days: int
) -> None:
    due = add_duration(start, Duration(days, Unit.WORKING_DAYS))
    assert due > start
    assert is_working_day(due.date())
    assert (due.hour, due.minute, due.second) == (23, 59, 59)


@given(moments, st.sampled_from(["6 hours", "3 days", "2 weeks", "1 month", "90 days"]))
def test_shift_back_is_at_or_before(start: dt.datetime, text: str) -> None:
    duration = parse_duration(text)
    assert shift_back(start, duration) < start
    # and going forward again never lands before the start (months may clamp)
    assert add_duration(shift_back(start, duration), duration) <= start + dt.timedelta(hours=1)


@given(moments, st.integers(min_value=-40, max_value=40))
def test_months_clamp_as_dateutil_does(start: dt.datetime, months: int) -> None:
    from dateutil.relativedelta import relativedelta  # noqa: PLC0415

    local = start.astimezone(LONDON)
    wall = (local + relativedelta(months=months)).replace(tzinfo=None)
    duration = Duration(abs(months), Unit.MONTHS)
    due = add_duration(local, duration) if months >= 0 else shift_back(local, duration)
    # the same wall-clock reading, moved on by the gap where London skips it
    exists = wall.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    assert due.replace(tzinfo=None) == exists
    assert exists in (wall, wall + dt.timedelta(hours=1))

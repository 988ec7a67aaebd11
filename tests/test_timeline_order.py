"""Validated moments compared by the London wall clock where that is time order: the same
answers as comparing their instants, across both clock changes (October's hour read twice)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missing_protocol.calendar import LONDON
from missing_protocol.moments import check_moment, instant, parse_moment
from missing_protocol.timeline import Episode, Timeline, day_bounds
from missing_protocol.timeline.base import _before, _by_wall_clock


def _read(text: str) -> dt.datetime:
    return check_moment(parse_moment(text))


# Every 10 minutes around the changes of 2024 (and 1947's double summer time), read as a
# timeline reads them: the first reading of a repeated hour, or either one by its offset.
_AROUND = [
    start + dt.timedelta(minutes=10 * step)
    for start in (
        dt.datetime(2024, 3, 30, 23),
        dt.datetime(2024, 10, 26, 23),
        dt.datetime(1947, 8, 9, 23),
    )
    for step in range(36)
]
_READ = [
    *(_read(at.isoformat()) for at in _AROUND),
    *(_read(at.isoformat() + offset) for at in _AROUND for offset in ("+00:00", "+01:00")),
    *(bound for at in _AROUND for bound in day_bounds(at.date())),
]
# one of each (not a set: the two readings of a repeated hour are equal as datetimes)
MOMENTS = sorted(
    {(instant(moment), moment.fold): moment for moment in _READ}.values(),
    key=lambda moment: (instant(moment), moment.fold),
)


def test_the_moments_hold_both_readings_of_the_repeated_hour() -> None:
    assert any(moment.fold for moment in MOMENTS)
    assert not _by_wall_clock(MOMENTS)
    assert _by_wall_clock(moment for moment in MOMENTS if not moment.fold)


def test_before_is_instant_order() -> None:
    for one, other in itertools.product(MOMENTS, repeat=2):
        assert _before(one, other) == (instant(one) < instant(other)), (one, other)


def test_by_the_wall_clock_is_instant_order_without_a_second_reading() -> None:
    plain = [moment for moment in MOMENTS if _by_wall_clock([moment])]
    for one, other in itertools.product(plain, repeat=2):
        assert (one < other) == (instant(one) < instant(other)), (one, other)
        assert (one == other) == (instant(one) == instant(other)), (one, other)


def _episode(number: int, start: dt.datetime, end: dt.datetime | None, day: bool) -> Episode:
    """An episode from ``start`` (or, known only to the day, from that day) to ``end``."""
    data: dict[str, object] = {"id": f"E-{number}", "started_at": start, "returned_at": end}
    if day:
        data["started_at"] = dt.datetime.combine(start.date(), dt.time(), LONDON)
        data["known_to_day"] = ["started_at"]
    return Episode.model_validate(data)


@st.composite
def _episodes(draw: st.DrawFn) -> list[Episode]:
    episodes = []
    for number in range(draw(st.integers(0, 6))):
        start = draw(st.sampled_from(MOMENTS))
        later = [moment for moment in MOMENTS if not _before(moment, start)]
        end = draw(st.none() | st.sampled_from(later))
        episodes.append(_episode(number, start, end, draw(st.booleans())))
    return episodes


def _in_instant_order(episodes: list[Episode]) -> list[int]:
    never = dt.datetime.max.replace(tzinfo=dt.UTC)

    def key(i: int) -> tuple[dt.datetime, dt.datetime]:
        returned = episodes[i].bounds("returned_at")
        return instant(episodes[i].started_at), instant(returned[0]) if returned else never

    return sorted(range(len(episodes)), key=key)


@given(_episodes())
def test_chronological_is_instant_order(episodes: list[Episode]) -> None:
    timeline = Timeline.model_construct(episodes=episodes)
    assert timeline.chronological() == _in_instant_order(episodes)


def test_chronological_in_the_repeated_hour() -> None:
    hour = [moment for moment in MOMENTS if moment.date() == dt.date(2024, 10, 27)][:24]
    assert any(moment.fold for moment in hour)
    for first, second in itertools.product(hour, repeat=2):
        for end in (None, max(first, second, key=instant)):
            episodes = [_episode(1, first, end, False), _episode(2, second, end, False)]
            timeline = Timeline.model_construct(episodes=episodes)
            assert timeline.chronological() == _in_instant_order(episodes)


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        # 01:30 BST, back at 01:10 GMT (40 minutes later); the next starts 01:20 GMT
        ("2024-10-27T01:30", "2024-10-27T01:10+00:00", False),
        # back at 01:50 BST; the next starts 01:20 GMT, half an hour after: no overlap
        ("2024-10-27T01:30", "2024-10-27T01:50", False),
        # back at 01:30 GMT, after the next started at 01:20 GMT
        ("2024-10-27T01:00", "2024-10-27T01:30+00:00", True),
    ],
)
def test_overlap_across_the_repeated_hour(first: str, second: str, overlap: bool) -> None:
    data = {
        "child": {"id": "C-1", "date_of_birth": "2010-01-01"},
        "episodes": [
            {"id": "E-1", "started_at": first, "returned_at": second},
            {"id": "E-2", "started_at": "2024-10-27T01:20+00:00"},
        ],
    }
    if overlap:
        with pytest.raises(ValueError, match="episodes E-1 and E-2 overlap"):
            Timeline.model_validate(data)
    else:
        Timeline.model_validate(data)

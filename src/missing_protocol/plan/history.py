"""The fact tuple's layout (:data:`FACT_INDEX`), and the child's episodes as a
:class:`History` that answers episode counts by binary search over sorted starts."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

from missing_protocol.calendar import LONDON, UTC, Duration, shift_back
from missing_protocol.compiled import CountEpisodes
from missing_protocol.facts import FactName

#: Position of each fact in a fact tuple.
FACT_INDEX: dict[FactName, int] = {name: i for i, name in enumerate(FactName)}


FactTuple = tuple[object, ...]


class History:
    """The child's classified episodes in order of their start, for episode counts.

    ``starts`` are UTC instants in non-decreasing order; ``count`` looks at the
    episodes up to and including position ``upto`` (the episode being judged),
    as :func:`.conditions.count_episodes` does with its history prefix.
    """

    __slots__ = (
        "_also",
        "_by_category",
        "_by_place",
        "_counted",
        "_members",
        "_since",
        "starts",
        "starts_london",
    )

    def __init__(self) -> None:
        self.starts: list[dt.datetime] = []
        self.starts_london: list[dt.datetime] = []
        self._by_category: dict[str, tuple[list[dt.datetime], list[int]]] = {}
        # by (category, where the child went missing from), for counts filtered by place
        self._by_place: dict[tuple[str, str], tuple[list[dt.datetime], list[int]]] = {}
        self._since: dict[tuple[int, Duration], dt.datetime] = {}
        # Episodes in more than one category (issue 10): every category of each position,
        # and, per set of categories counted, the episodes in any of them (built on demand).
        self._also: dict[int, frozenset[str]] = {}
        self._members: dict[frozenset[str], tuple[list[dt.datetime], list[int]]] = {}
        # Counts answered, by (the count's key, position): many rules count alike.
        self._counted: dict[tuple[int, int], int] = {}

    def add(
        self,
        start_utc: dt.datetime,
        start_london: dt.datetime,
        category: str,
        missing_from: str,
        also: frozenset[str] = frozenset(),
    ) -> int:
        """Append the next episode, of ``category`` and also of ``also``; returns its position."""
        position = len(self.starts)
        self.starts.append(start_utc)
        self.starts_london.append(start_london)
        instants, positions = self._by_category.setdefault(category, ([], []))
        instants.append(start_utc)
        positions.append(position)
        instants, positions = self._by_place.setdefault((category, missing_from), ([], []))
        instants.append(start_utc)
        positions.append(position)
        if also - {category}:
            self._also[position] = also | {category}
        if self._members:
            every = self._also.get(position, frozenset((category,)))
            for wanted, (member_instants, member_positions) in self._members.items():
                if not wanted.isdisjoint(every):
                    member_instants.append(start_utc)
                    member_positions.append(position)
        return position

    def _in_any(self, wanted: frozenset[str]) -> tuple[list[dt.datetime], list[int]]:
        """The episodes in any of ``wanted`` (each once), kept up to date by :meth:`add`."""
        found = self._members.get(wanted)
        if found is None:
            instants: list[dt.datetime] = []
            positions: list[int] = []
            for position in range(len(self.starts)):
                every = self._also.get(position)
                if every is None:
                    every = frozenset(c for c in wanted if self._has(c, position))
                if not wanted.isdisjoint(every):
                    instants.append(self.starts[position])
                    positions.append(position)
            found = self._members[wanted] = (instants, positions)
        return found

    def _has(self, category: str, position: int) -> bool:
        found = self._by_category.get(category)
        if found is None:
            return False
        positions = found[1]
        at = bisect_left(positions, position)
        return at < len(positions) and positions[at] == position

    def _month_start(self, upto: int) -> dt.datetime:
        """Midnight London time on the first of the month episode ``upto`` started in (UTC)."""
        start = self.starts_london[upto]
        return dt.datetime(start.year, start.month, 1, tzinfo=LONDON).astimezone(UTC)

    def _count_by_place(self, cond: CountEpisodes, upto: int, since: dt.datetime | None) -> int:
        """As :meth:`count`, for a count filtered by where the child went missing from."""
        assert cond.missing_from is not None
        total = 0
        for (category, place), (instants, positions) in self._by_place.items():
            if place not in cond.missing_from:
                continue
            end = bisect_right(positions, upto)
            first = 0 if since is None else bisect_left(instants, since, 0, end)
            if cond.categories is None or category in cond.categories:
                total += end - first
            elif self._also:  # in a wanted category only as one it is also in
                total += sum(
                    1
                    for position in positions[first:end]
                    if not cond.categories.isdisjoint(self._also.get(position, ()))
                )
        return total

    def _window_start(self, upto: int, within: Duration) -> dt.datetime:
        key = (upto, within)
        since = self._since.get(key)
        if since is None:
            since = self._since[key] = shift_back(self.starts_london[upto], within).astimezone(UTC)
        return since

    def counted(self, key: int, cond: CountEpisodes, upto: int) -> int:
        """:meth:`count`, remembered by ``key`` (the same for equal counts) and position.

        A count up to a position reads only the episodes at or before it, which do
        not change once added, so the answer stands for the rest of the evaluation.
        """
        found = self._counted.get((key, upto))
        if found is None:
            found = self._counted[key, upto] = self.count(cond, upto)
        return found

    def count(self, cond: CountEpisodes, upto: int) -> int:
        """Episodes at positions ``<= upto`` that start in ``cond``'s window and categories.

        ``upto`` is -1 where no episode is counted yet (deriving a category).
        """
        if upto < 0:
            return 0
        since = None if cond.within is None else self._window_start(upto, cond.within)
        if cond.calendar_month:
            since = self._month_start(upto)
        if cond.missing_from is not None:
            return self._count_by_place(cond, upto, since)
        if cond.categories is None:
            first = 0 if since is None else bisect_left(self.starts, since, 0, upto + 1)
            return upto + 1 - first
        if self._also:
            instants, positions = self._in_any(cond.categories)
            end = bisect_right(positions, upto)
            first = 0 if since is None else bisect_left(instants, since, 0, end)
            return end - first
        total = 0
        for category in cond.categories:
            found = self._by_category.get(category)
            if found is None:
                continue
            instants, positions = found
            end = bisect_right(positions, upto)
            first = 0 if since is None else bisect_left(instants, since, 0, end)
            total += end - first
        return total

"""Disagreement witnesses: the smallest generated timeline on which two protocols differ.

:func:`find_disagreements` runs two protocols on a bounded grid of generated
timelines (:func:`default_grid`), smallest first, and for every episode of
each timeline compares what each requires, action kind by action kind and
recipient by recipient: a duty one requires and the other does not, or the
earliest deadline of a duty both require. Each kind of difference is
reported once, with the smallest timeline that shows it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from missing_protocol.calendar import LONDON
from missing_protocol.compiled import Protocol
from missing_protocol.errors import TimelineError
from missing_protocol.evaluate import evaluate
from missing_protocol.facts import CaseStatus, MissingFrom, PoliceRisk
from missing_protocol.timeline import Timeline

from .common import describe_due, kind_order, protocol_keys
from .scenario import DifferenceKind

__all__ = [
    "GridPoint",
    "PairWitnesses",
    "Witness",
    "default_grid",
    "find_all_disagreements",
    "find_disagreements",
]


@dataclass(frozen=True, slots=True)
class GridPoint:
    """A generated timeline, described by the few things that vary."""

    episodes: int
    hours: int  # how long the last episode lasted
    age: int
    case_status: CaseStatus = CaseStatus.NONE
    police_risk: PoliceRisk | None = None
    whereabouts_known: bool = False
    missing_from: MissingFrom = MissingFrom.HOME

    @property
    def set_fields(self) -> int:
        """How many fields differ from their defaults (age and duration always count as given)."""
        return (
            (self.case_status is not CaseStatus.NONE)
            + (self.police_risk is not None)
            + self.whereabouts_known
            + (self.missing_from is not MissingFrom.HOME)
        )

    def size(self) -> tuple[int, int, int, int]:
        """Smaller is simpler: fewest episodes, then shortest, then fewest fields set."""
        return (self.episodes, self.hours, self.set_fields, abs(self.age - 15))

    def describe(self) -> str:
        parts = [
            f"{self.episodes} episode{'s' if self.episodes > 1 else ''} within 90 days",
            f"age {self.age}",
        ]
        if self.case_status is not CaseStatus.NONE:
            parts.append(f"case status {self.case_status.value}")
        if self.police_risk is not None:
            parts.append(f"police risk {self.police_risk.value}")
        parts.append("whereabouts known" if self.whereabouts_known else "whereabouts not known")
        parts.append(f"missing from {self.missing_from.value}")
        parts.append(f"reported at once, back after {_hours(self.hours)}")
        return ", ".join(parts)

    def start(self) -> dt.datetime:
        """When the last episode started."""
        return dt.datetime(2024, 6, 3, 10, 0, tzinfo=LONDON)

    def as_of(self) -> dt.datetime:
        return self.start() + dt.timedelta(hours=self.hours, days=35)

    def timeline(self) -> Timeline:
        """The timeline: earlier episodes 14 days apart, each back after an hour."""
        return _grid_timeline(self)

    def build(self) -> Timeline:
        """Build :meth:`timeline` afresh (it is cached)."""
        start = self.start()
        known = self.case_status is not CaseStatus.NONE
        episodes: list[dict[str, Any]] = []
        for n in range(self.episodes):
            began = start - dt.timedelta(days=14 * (self.episodes - 1 - n))
            last = n == self.episodes - 1
            episode: dict[str, Any] = {
                "id": f"E{n + 1}",
                "started_at": began,
                "reported_at": began,
                "returned_at": began + dt.timedelta(hours=self.hours if last else 1),
                "whereabouts_known": self.whereabouts_known,
                "missing_from": self.missing_from,
            }
            if self.police_risk is not None:
                episode["police_risk"] = self.police_risk
            episodes.append(episode)
        born = dt.date(2024 - self.age - 1, 12, 1)
        return Timeline.model_validate(
            {
                "child": {
                    "id": "W",
                    "date_of_birth": born,
                    "case_status": self.case_status,
                    "known_to_social_care": known,
                    "has_allocated_worker": known,
                },
                "episodes": episodes,
            }
        )


@lru_cache(maxsize=8192)
def _grid_timeline(point: GridPoint) -> Timeline:
    return point.build()


def _hours(hours: int) -> str:
    days, rest = divmod(hours, 24)
    if days and rest:
        return f"{days}d {rest}h ({hours} hours)"
    if days:
        return f"{days}d ({hours} hours)"
    return f"{hours} hour{'s' if hours != 1 else ''}"


_AGES = (10, 11, 12, 13, 15, 17)
# just under and over 24h, 48h, 72h (3 days in summer), 7 days and 28 days
_DURATIONS = (1, 23, 25, 47, 49, 71, 73, 167, 169, 671, 673)
_ATTRIBUTES = tuple(
    itertools.product(
        tuple(CaseStatus),
        (None, *PoliceRisk),
        (False, True),
        (MissingFrom.HOME, MissingFrom.CARE_PLACEMENT),
    )
)


def default_grid() -> tuple[GridPoint, ...]:
    """The searched grid, smallest first; about a thousand timelines.

    The full product of every dimension is too large to evaluate quickly, so:

    * one episode with at most one field set: every age for 1, 25 and 73
      hours, and ages 12 and 15 for every duration;
    * one episode with two fields set (or a looked after child missing from
      care with more): every age for 1 hour, age 15 for 25 and 73 hours;
    * two to five episodes 14 days apart, each back within an hour, ages 12 and
      15, with at most one field set or a looked after child missing from care.
    """
    points: set[GridPoint] = set()
    for case, risk, known, where in _ATTRIBUTES:
        probe = GridPoint(1, 1, 15, case, risk, known, where)
        looked_after = case is CaseStatus.LOOKED_AFTER and where is MissingFrom.CARE_PLACEMENT
        if probe.set_fields <= 1:
            grid = [(a, h) for a in _AGES for h in (1, 25, 73)]
            grid += [(a, h) for a in (12, 15) for h in _DURATIONS]
        elif probe.set_fields == 2 or looked_after:
            grid = [(a, 1) for a in _AGES] + [(15, 25), (15, 73)]
        else:
            continue
        for age, hours in grid:
            points.add(GridPoint(1, hours, age, case, risk, known, where))
        if probe.set_fields <= 1 or looked_after:
            for age, episodes in itertools.product((12, 15), range(2, 6)):
                points.add(GridPoint(episodes, 1, age, case, risk, known, where))
    return tuple(sorted(points, key=_point_order))


def _point_order(p: GridPoint) -> tuple[Any, ...]:
    return (
        *p.size(),
        p.age,
        p.case_status.value,
        p.police_risk.value if p.police_risk else "",
        p.missing_from.value,
    )


@dataclass(frozen=True, slots=True)
class Witness:
    """The smallest generated timeline found on which two protocols differ in one way."""

    difference: DifferenceKind  # REQUIRED or DEADLINE
    kind: str  # the action kind
    recipient: str | None  # for a notification, whom it tells
    only_in: str | None  # for REQUIRED: the protocol that requires it
    episode_id: str  # the episode of the timeline on which they differ
    point: GridPoint
    description: str
    detail: str
    timeline: Timeline
    as_of: dt.datetime


@dataclass(frozen=True, slots=True)
class PairWitnesses:
    a: str
    b: str
    searched: int  # timelines compared (both protocols could classify them)
    witnesses: tuple[Witness, ...]


# (episode, kind, recipient) -> (earliest deadline or None, rule ids)
_Duty = tuple[str, str, str | None]
_Signature = dict[_Duty, tuple[dt.datetime | None, tuple[str, ...]]]
_Cache = dict[tuple[int, GridPoint], _Signature | None]
# (difference, kind, recipient, only in)
_Wanted = tuple[DifferenceKind, str, str | None, str | None]


def _signature(protocol: Protocol, point: GridPoint, cache: _Cache) -> _Signature | None:
    key = (id(protocol), point)
    if key in cache:
        return cache[key]
    try:
        evaluation = evaluate(protocol, point.timeline(), point.as_of())
    except TimelineError:
        cache[key] = None
        return None
    dues: dict[_Duty, list[dt.datetime]] = {}
    rules: dict[_Duty, set[str]] = {}
    for a in evaluation.actions:
        duty = (a.episode_id, a.kind, a.recipient)
        rules.setdefault(duty, set()).add(a.rule_id)
        due = dues.setdefault(duty, [])
        if a.due_at is not None:
            due.append(a.due_at)
    signature: _Signature = {
        duty: (min(dues[duty]) if dues[duty] else None, tuple(sorted(ids)))
        for duty, ids in rules.items()
    }
    cache[key] = signature
    return signature


def _duty_order(duty: _Duty) -> tuple[Any, ...]:
    episode, kind, recipient = duty
    return (int(episode[1:]), *kind_order(kind), recipient or "")


def _what(duty: _Duty) -> str:
    _, kind, recipient = duty
    return kind + (f" to {recipient}" if recipient else "")


def find_disagreements(
    protocol_a: Protocol,
    protocol_b: Protocol,
    *,
    grid: Sequence[GridPoint] | None = None,
    cache: _Cache | None = None,
) -> PairWitnesses:
    """For each kind of difference, the smallest grid timeline showing it.

    Compares, for every episode of each generated timeline, the duties each
    protocol requires (by action kind and recipient), and for duties both
    require, the earliest deadline. ``grid`` defaults to :func:`default_grid`,
    searched smallest first; ``cache`` may be shared between calls to evaluate
    each protocol once per point.
    """
    points = default_grid() if grid is None else sorted(grid, key=_point_order)
    memo: _Cache = {} if cache is None else cache
    keys = protocol_keys([protocol_a, protocol_b])
    found: dict[_Wanted, Witness] = {}
    searched = 0
    for point in points:
        sa = _signature(protocol_a, point, memo)
        sb = _signature(protocol_b, point, memo)
        if sa is None or sb is None:
            continue
        searched += 1
        for duty in sorted(sa.keys() | sb.keys(), key=_duty_order):
            episode, kind, recipient = duty
            if duty in sa and duty in sb:
                (due_a, rules_a), (due_b, rules_b) = sa[duty], sb[duty]
                wanted: _Wanted = (DifferenceKind.DEADLINE, kind, recipient, None)
                if due_a != due_b and wanted not in found:
                    detail = (
                        f"{_what(duty)} on {episode}: "
                        f"{keys[0]} {describe_due(due_a)} ({', '.join(rules_a)}); "
                        f"{keys[1]} {describe_due(due_b)} ({', '.join(rules_b)})"
                    )
                    found[wanted] = _witness(wanted, episode, point, detail)
                continue
            only = keys[0] if duty in sa else keys[1]
            rules = (sa if duty in sa else sb)[duty][1]
            wanted = (DifferenceKind.REQUIRED, kind, recipient, only)
            if wanted not in found:
                other = keys[1] if only == keys[0] else keys[0]
                detail = (
                    f"{_what(duty)} on {episode}: required by {only} ({', '.join(rules)}); "
                    f"not by {other}"
                )
                found[wanted] = _witness(wanted, episode, point, detail)
    witnesses = sorted(
        found.values(),
        key=lambda w: (
            kind_order(w.kind),
            w.recipient or "",
            w.difference.value,
            w.only_in or "",
        ),
    )
    return PairWitnesses(keys[0], keys[1], searched, tuple(witnesses))


def _witness(wanted: _Wanted, episode: str, point: GridPoint, detail: str) -> Witness:
    difference, kind, recipient, only_in = wanted
    return Witness(
        difference,
        kind,
        recipient,
        only_in,
        episode,
        point,
        point.describe(),
        detail,
        point.timeline(),
        point.as_of(),
    )


def find_all_disagreements(
    protocols: Sequence[Protocol], *, grid: Sequence[GridPoint] | None = None
) -> tuple[PairWitnesses, ...]:
    """:func:`find_disagreements` for every pair, evaluating each protocol once per point."""
    cache: _Cache = {}
    points = default_grid() if grid is None else tuple(grid)
    return tuple(
        find_disagreements(a, b, grid=points, cache=cache)
        for a, b in itertools.combinations(protocols, 2)
    )

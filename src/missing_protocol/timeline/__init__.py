"""Pydantic models of a child's timeline: the child, the episodes, what was done.

A timeline is the input to evaluation. It describes one child (by record id
only: no names), their missing episodes, and the events recorded against them
(reports, checks, interviews, meetings, notifications), so that compliance with
each required action can be judged.

Datetimes are ISO 8601 text (never a number: epoch seconds and YAML 1.1's
sexagesimal are refused). A value without an offset is Europe/London wall-clock
time (the hour repeated in October means its first occurrence, BST; give an
offset, ``+00:00``, for the second); every datetime is held as an aware London
time after validation, and compared as an instant (in UTC), never by its
wall-clock fields. Dates are ``YYYY-MM-DD``. Every date and moment must fall in
the years of :class:`~.limits.Limits` (1900 to 2100 by default), and the child
must be no older than ``maximum_age`` at any episode. Booleans are only
``true``/``false``.

From schema version 2 a moment may be a date alone (``2024-12-13``): known only
to that London day. It is held as the day's first instant and named in the
episode's or event's ``known_to_day``, so that readers of datetimes still get
datetimes and :mod:`missing_protocol.precision` can evaluate honestly
(docs/day-precision.md). Consistency checks that span fields (a return before
the start, overlapping episodes, an event naming an unknown episode) are made
here too, and all reported together.

The models live in this package by part: :mod:`.base` (record ids, day-only
moments and their bounds, located errors, the strict base model),
:mod:`.child`, :mod:`.episode` (an episode, its changes and judgements) and
:mod:`.events` (what was done); the timeline itself is here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails

from missing_protocol.moments import check_moment, instant, limits_in, london_datetime, parse_moment
from missing_protocol.versions import newer_than

from .base import (
    _EPISODE_MOMENTS,
    TIMELINE_SCHEMA_VERSION,
    _age,
    _before,
    _by_wall_clock,
    _error,
    _mark_changes,
    _mark_day_only,
    _Model,
    _raise_all,
    day_bounds,
    moment_bounds,
)
from .child import Child
from .episode import Episode, FactChange, Judgement
from .events import RecordedEvent

__all__ = [
    "TIMELINE_SCHEMA_VERSION",
    "Child",
    "Episode",
    "FactChange",
    "Judgement",
    "Provenance",
    "RecordedEvent",
    "Timeline",
    "check_moment",
    "day_bounds",
    "instant",
    "london_datetime",
    "moment_bounds",
    "parse_moment",
    "timeline_to_jsonable",
]


class Provenance(_Model):
    """Where an imported timeline came from, and what the importer assumed.

    Importers fill it in so that nothing is assumed silently; evaluation ignores it.
    """

    source: str = Field(max_length=200, description="The dataset, e.g. 'SSDA903 Missing'.")
    file: str | None = Field(default=None, max_length=500, description="The file read.")
    rows: tuple[int, ...] = Field(default=(), description="The source rows (1 = the header).")
    assumptions: tuple[str, ...] = Field(
        default=(), description="What the importer assumed where the source says nothing."
    )
    not_recorded: tuple[str, ...] = Field(
        default=(),
        description="Action kinds whose doing the source cannot record ('*': every kind): "
        "their status reflects the source's silence, not the work.",
    )
    source_fields: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per episode id, source fields the timeline cannot carry (e.g. an "
        "undated 'return interview offered').",
    )

    def silent_on(self, kind: str) -> bool:
        """Whether the source cannot record that an action of ``kind`` was done."""
        return "*" in self.not_recorded or kind in self.not_recorded


class Timeline(_Model):
    """One child, their episodes and the events recorded against them."""

    schema_version: Literal[1, 2, 3] = 1
    child: Child
    episodes: list[Episode] = Field(min_length=1)
    events: list[RecordedEvent] = Field(default_factory=list)
    provenance: Provenance | None = None

    @model_validator(mode="before")
    @classmethod
    def _date_only_moments(cls, data: Any) -> Any:
        """From version 2, a date alone means a moment known only to that London day."""
        if not isinstance(data, dict) or data.get("schema_version") not in (2, 3):
            return data
        marked = dict(data)
        if isinstance(data.get("episodes"), list):
            marked["episodes"] = [
                _mark_changes(_mark_day_only(e, _EPISODE_MOMENTS)) for e in data["episodes"]
            ]
        if isinstance(data.get("events"), list):
            marked["events"] = [_mark_day_only(e, ("at",)) for e in data["events"]]
        return marked

    def day_only(self) -> bool:
        """Whether any moment of the timeline is known only to its day."""
        return (
            any(e.known_to_day for e in self.episodes)
            or any(e.known_to_day for e in self.events)
            or any(c.known_to_day for e in self.episodes for c in e.changes)
        )

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Timeline:
        errors: list[InitErrorDetails] = []
        oldest = limits_in(info).maximum_age
        errors.extend(
            _error(
                "needs_version",
                f"{item.name} is a field of timeline schema version {item.needs}; this "
                f"timeline declares schema_version {self.schema_version}: set schema_version "
                f"to {item.needs}",
                item.loc,
            )
            for item in newer_than(self, self.schema_version)
        )
        if self.schema_version == 1 and self.day_only():
            errors.append(
                _error(
                    "day_only",
                    "moments known only to the day need schema_version: 2",
                    ("schema_version",),
                )
            )
        first_index: dict[str, int] = {}
        for index, episode in enumerate(self.episodes):
            if episode.id in first_index:
                errors.append(
                    _error(
                        "duplicate_id",
                        f"episode id {episode.id} is used again (first at "
                        f"episodes[{first_index[episode.id]}]); ids must be unique",
                        ("episodes", index, "id"),
                    )
                )
            else:
                first_index[episode.id] = index
            if episode.started_at.date() < self.child.date_of_birth:
                errors.append(
                    _error(
                        "time_order",
                        f"episode {episode.id} starts before the child's date of birth",
                        ("episodes", index, "started_at"),
                    )
                )
            elif _age(self.child.date_of_birth, episode.started_at.date()) > oldest:
                errors.append(
                    _error(
                        "limit.age",
                        f"the child would be over {oldest} at episode {episode.id}: no protocol "
                        "covers that age; check the date of birth, or raise the limit maximum_age",
                        ("episodes", index, "started_at"),
                    )
                )
        for before, after in itertools.pairwise(self.chronological()):
            earlier, later = self.episodes[before], self.episodes[after]
            returned, started = earlier.bounds("returned_at"), later.bounds("started_at")
            if returned is None or started is None or _before(started[1], returned[0]):
                errors.append(
                    _error(
                        "overlap",
                        f"episodes {earlier.id} and {later.id} overlap: {earlier.id} has no "
                        f"return before {later.id} starts; give {earlier.id} a returned_at",
                        ("episodes", after, "started_at"),
                    )
                )
        for index, event in enumerate(self.events):
            if event.episode is not None and event.episode not in first_index:
                errors.append(
                    _error(
                        "unknown_episode",
                        f"names episode {event.episode}, which is not in episodes",
                        ("events", index, "episode"),
                    )
                )
        _raise_all("Timeline", errors)
        return self

    def chronological(self) -> list[int]:
        """Episode indexes in time order; of two starting on one day, the one that can end first.

        The DfE's rule for day-only data: an episode ending on the day the next starts
        is two touching episodes, not an overlap.
        """

        episodes = self.episodes
        if len(episodes) < 2:
            return list(range(len(episodes)))
        starts = [episode.started_at for episode in episodes]
        returns = [episode.bounds("returned_at") for episode in episodes]
        ends = [None if returned is None else returned[0] for returned in returns]
        if not _by_wall_clock(itertools.chain(starts, (end for end in ends if end is not None))):
            starts = [instant(start) for start in starts]
            ends = [None if end is None else instant(end) for end in ends]

        def key(i: int) -> tuple[dt.datetime, bool, dt.datetime]:
            # an episode without a return comes after any that started with it and returned
            end = ends[i]
            return (starts[i], False, end) if end is not None else (starts[i], True, starts[i])

        return sorted(range(len(episodes)), key=key)

    def episode(self, episode_id: str) -> Episode:
        """The episode with that id."""
        for episode in self.episodes:
            if episode.id == episode_id:
                return episode
        raise KeyError(episode_id)


def timeline_to_jsonable(timeline: Timeline) -> dict[str, Any]:
    """The timeline as JSON-ready data in its own input format.

    Moments known only to the day are written as dates alone (and ``known_to_day``
    left out, since reading a date alone fills it in); fields at their defaults are
    left out.
    """
    data: dict[str, Any] = timeline.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = timeline.schema_version
    models: list[Episode | RecordedEvent] = [*timeline.episodes, *timeline.events]
    items = [*data.get("episodes", ()), *data.get("events", ())]
    for item, model in zip(items, models, strict=True):
        item.pop("known_to_day", None)
        for name in model.known_to_day:
            item[name] = getattr(model, name).date().isoformat()
        if isinstance(model, Episode):
            for written, change in zip(item.get("changes", ()), model.changes, strict=True):
                written.pop("known_to_day", None)
                if change.known_to_day:
                    written["at"] = change.at.date().isoformat()
    return data

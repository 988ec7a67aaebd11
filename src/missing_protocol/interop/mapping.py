"""Source episodes of one child -> a :class:`~missing_protocol.timeline.Timeline` (schema 2).

The field-by-field mapping, and what each source cannot say, is the table in
docs/interop.md; this module is that table in code. Whatever the source does
not say and the timeline needs is assumed, and each assumption is written in
the timeline's ``provenance`` so that nothing is assumed silently.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from missing_protocol.interop.checks import SourceEpisode, chronological
from missing_protocol.timeline import Timeline

__all__ = ["SourceProfile", "to_timeline"]


@dataclass(frozen=True, slots=True)
class SourceProfile:
    """What a source says of every child in it, and what the importer assumes instead."""

    source: str
    file: str
    looked_after: bool
    assumptions: tuple[str, ...]


def _moment(value: dt.date | dt.datetime) -> str:
    """A date alone (known only to the day) or a London wall-clock date-time."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _episode_id(episode: SourceEpisode, seen: Counter[str]) -> str:
    """The source's own row id, or (SSDA903) the start day and type, numbered if repeated."""
    if episode.record_id != episode.child_id:
        return episode.record_id
    base = f"{_moment(episode.start)[:10]}-{episode.kind}"
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"


def to_timeline(profile: SourceProfile, episodes: Sequence[SourceEpisode]) -> Timeline:
    """One child's timeline from their checked rows (in any order)."""
    ordered = chronological(episodes)
    first = ordered[0]
    seen: Counter[str] = Counter()
    raw_episodes: list[dict[str, Any]] = []
    source_fields: dict[str, dict[str, str]] = {}
    for episode in ordered:
        episode_id = _episode_id(episode, seen)
        raw: dict[str, Any] = {
            "id": episode_id,
            "missing_from": "care_placement" if profile.looked_after else "home",
            "whereabouts_known": episode.kind == "A",
            "started_at": _moment(episode.start),
        }
        if episode.end is not None:
            raw["returned_at"] = _moment(episode.end)
        raw_episodes.append(raw)
        if episode.extra:
            source_fields[episode_id] = dict(episode.extra)
    child: dict[str, Any] = {"id": first.child_id, "date_of_birth": first.dob.isoformat()}
    if profile.looked_after:
        child |= {
            "case_status": "looked_after",
            "known_to_social_care": True,
            "has_allocated_worker": True,
        }
    else:
        child |= {"known_to_social_care": True}
    data: Mapping[str, Any] = {
        "schema_version": 2,
        "child": child,
        "episodes": raw_episodes,
        "provenance": {
            "source": profile.source,
            "file": profile.file,
            "rows": sorted(e.row for e in episodes),
            "assumptions": list(profile.assumptions),
            "not_recorded": ["*"],
            "source_fields": source_fields,
        },
    }
    return Timeline.model_validate(data)

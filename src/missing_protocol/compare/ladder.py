"""The escalation ladder: when each duty becomes required for one child, under each protocol.

:func:`ladder` evaluates a timeline under each protocol with the public
:func:`missing_protocol.evaluate` (episode categories dropped, so each
protocol derives its own) and keeps, for one episode (the latest, unless
named), every required action as a marker at the moment it became required,
measured from the moment the child went missing. Nothing is drawn by hand:
the picture (:mod:`missing_protocol.compare.render.ladder`) only places
these markers on a time axis.

:data:`STANDARD_CHILDREN` are the children drawn at the top of the
comparison, each missing from Friday 7 June 2024 21:00, reported to the
police at 21:30 and never returned; :func:`standard_ladders` evaluates them
three months on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from missing_protocol.calendar import Duration, Unit, add_duration
from missing_protocol.compiled import Protocol
from missing_protocol.moments import instant
from missing_protocol.phrases import role_label
from missing_protocol.timeline import Episode, Timeline, london_datetime

from .common import ProtocolInfo, infos, rule_anchor
from .matrix import row_words
from .scenario import outcome, strip_categories

__all__ = [
    "HORIZON",
    "STANDARD_CHILDREN",
    "Ladder",
    "LadderLane",
    "LadderMarker",
    "StandardChild",
    "ladder",
    "standard_ladders",
]

HORIZON = Duration(3, Unit.MONTHS)


@dataclass(frozen=True, slots=True)
class LadderMarker:
    """One duty becoming required: when, what, how strongly, and where it is written."""

    protocol: str  # column key
    hours: float  # since the child went missing
    at: dt.datetime  # when it became required
    kind: str
    recipient: str | None
    obligation: str  # must, should or consider
    topic: str
    rule_id: str
    responsible: str
    due_at: dt.datetime | None
    occurrence: int | None  # for a recurring duty: 1, 2, ...
    words: str  # "tell the parents"
    who: str  # "the allocated social worker"
    row: str  # the rules-matrix row, e.g. "notification/notify/parents"
    anchor: str  # the quoted passage's anchor
    section: str
    quote: str

    @property
    def repeat(self) -> bool:
        """A later occurrence of a recurring duty (drawn smaller than the first)."""
        return self.occurrence is not None and self.occurrence > 1


@dataclass(frozen=True, slots=True)
class LadderLane:
    """One protocol's lane: the category it derived, and the duties in time order."""

    protocol: ProtocolInfo
    category: str | None
    police_risk: str | None
    problems: tuple[str, ...]  # why it could not evaluate the timeline, if it could not
    markers: tuple[LadderMarker, ...]


@dataclass(frozen=True, slots=True)
class Ladder:
    """One child's episode under each protocol, from going missing to ``as_of``."""

    key: str  # unique within a page, for anchors
    title: str
    description: str
    child_id: str
    episode_id: str
    started_at: dt.datetime
    returned_at: dt.datetime | None
    as_of: dt.datetime
    lanes: tuple[LadderLane, ...]

    @property
    def horizon_hours(self) -> float:
        """Hours from going missing to ``as_of``: the length of the time axis."""
        return (instant(self.as_of) - instant(self.started_at)).total_seconds() / 3600


def _episode(timeline: Timeline, episode_id: str | None) -> Episode:
    if episode_id is None:
        return max(timeline.episodes, key=lambda e: (e.started_at, e.id))
    for episode in timeline.episodes:
        if episode.id == episode_id:
            return episode
    raise KeyError(episode_id)


def ladder(
    protocols: Sequence[Protocol],
    timeline: Timeline,
    as_of: dt.datetime | None = None,
    *,
    episode_id: str | None = None,
    key: str = "ladder",
    title: str = "",
    description: str = "",
) -> Ladder:
    """The escalation ladder of one episode (the latest unless ``episode_id``) of ``timeline``.

    ``as_of`` defaults to three months after the episode started. Each
    protocol derives its own category; one that cannot evaluate the timeline
    gets a lane with its problems and no markers.
    """
    episode = _episode(timeline, episode_id)
    started = london_datetime(episode.started_at)
    end = london_datetime(as_of) if as_of is not None else add_duration(started, HORIZON)
    stripped = strip_categories(timeline)
    lanes = []
    for protocol, info in zip(protocols, infos(protocols), strict=True):
        result = outcome(protocol, info.key, stripped, end)
        if result.evaluation is None:
            lanes.append(LadderLane(info, None, None, result.problems, ()))
            continue
        facts = next(e for e in result.evaluation.episodes if e.episode_id == episode.id)
        markers = [
            LadderMarker(
                protocol=info.key,
                hours=(instant(a.triggered_at) - instant(started)).total_seconds() / 3600,
                at=a.triggered_at,
                kind=a.kind,
                recipient=a.recipient,
                obligation=a.obligation,
                topic=a.topic,
                rule_id=a.rule_id,
                responsible=a.responsible,
                due_at=a.due_at,
                occurrence=a.occurrence,
                words=row_words(a.kind, a.recipient),
                who=role_label(a.responsible),
                row=f"{a.topic}/{a.kind}" + (f"/{a.recipient}" if a.recipient else ""),
                anchor=rule_anchor(info.key, a.rule_id),
                section=a.citation.section,
                quote=a.citation.quote,
            )
            for a in result.evaluation.actions
            if a.episode_id == episode.id
        ]
        markers.sort(key=lambda m: (m.at, m.rule_id, m.occurrence or 0, m.recipient or ""))
        category = next(
            (c.label for c in protocol.categories if c.id == facts.category), facts.category
        )
        lanes.append(LadderLane(info, category, facts.police_risk, (), tuple(markers)))
    return Ladder(
        key,
        title or f"Child {timeline.child.id}, episode {episode.id}",
        description,
        timeline.child.id,
        episode.id,
        started,
        london_datetime(episode.returned_at) if episode.returned_at else None,
        end,
        tuple(lanes),
    )


@dataclass(frozen=True, slots=True)
class StandardChild:
    """A child drawn at the top of the comparison, with the exact timeline in words."""

    key: str
    title: str
    description: str
    timeline: Timeline


def _standard(
    key: str, title: str, born: str, case_status: str, *, missing_from: str, known: bool
) -> StandardChild:
    timeline = Timeline.model_validate(
        {
            "child": {
                "id": key,
                "date_of_birth": born,
                "case_status": case_status,
                "known_to_social_care": known,
                "has_allocated_worker": known,
                "attends_school": True,
                "attends_secondary_school": True,
            },
            "episodes": [
                {
                    "id": "E1",
                    "missing_from": missing_from,
                    "police_risk": "medium",
                    "started_at": "2024-06-07T21:00",
                    "reported_at": "2024-06-07T21:30",
                }
            ],
        }
    )
    status = case_status.replace("_", " ")
    known_words = (
        "known to children's social care with an allocated worker"
        if known
        else "not known to children's social care, no allocated worker"
    )
    description = (
        f"Born {dt.date.fromisoformat(born):%d %B %Y}; case status {status}, {known_words}; "
        f"at secondary school. Missing from {missing_from.replace('_', ' ')}, whereabouts "
        "unknown, since Friday 7 June 2024 21:00; reported to the police at 21:30; police "
        "risk medium; never returned. No category given: each area derives its own."
    )
    return StandardChild(key, title, description, timeline)


STANDARD_CHILDREN: tuple[StandardChild, ...] = (
    _standard(
        "looked-after-14",
        "A looked-after 14-year-old missing from a placement, medium risk",
        "2010-03-15",
        "looked_after",
        missing_from="care_placement",
        known=True,
    ),
    _standard(
        "protection-plan-12",
        "A 12-year-old on a child protection plan missing from home, medium risk",
        "2012-01-20",
        "child_protection_plan",
        missing_from="home",
        known=True,
    ),
    _standard(
        "not-known-15",
        "A 15-year-old not known to children's social care, missing from home, medium risk",
        "2009-02-10",
        "none",
        missing_from="home",
        known=False,
    ),
)


def standard_ladders(protocols: Sequence[Protocol]) -> tuple[Ladder, ...]:
    """The ladder of each of :data:`STANDARD_CHILDREN`, three months after going missing."""
    return tuple(
        ladder(
            protocols,
            child.timeline,
            key=child.key,
            title=child.title,
            description=child.description,
        )
        for child in STANDARD_CHILDREN
    )

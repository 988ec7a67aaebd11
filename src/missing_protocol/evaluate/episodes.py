"""Episodes as known at ``as_of``, and their fact tuples (in :class:`FactName` order).

A timeline's episode becomes an :class:`_Episode`: its moments as known at
``as_of`` (a return recorded for later is not yet known), the facts conditions
test, and, for an episode whose facts changed, the facts from each change on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field

from missing_protocol.compiled import Moment, Recorded
from missing_protocol.facts import FactName, PoliceRisk
from missing_protocol.plan import FACT_INDEX, FactTuple
from missing_protocol.results import EpisodeResult
from missing_protocol.timeline import Child, Episode, Timeline

from .instants import _At, _known, _utc

_RISKS = tuple(PoliceRisk)

# The facts' values are the enums' values as plain text. Every enum read here is a StrEnum,
# whose str() is its value, made in C (its .value is a Python-level property, read for
# every episode).
_RISK_NAMES = tuple(map(str, PoliceRisk))


@dataclass(slots=True)
class _Episode:
    """An episode as known at ``as_of``: its moments, facts and classification."""

    source: Episode
    index: int  # position in the timeline's list, for problem paths
    position: int  # position in start order, among the episodes known at as_of
    # started, reported, returned, -, noticed, aware, police told of return (plan.MOMENTS)
    moments: tuple[_At, ...]
    started_u: dt.datetime
    returned_u: dt.datetime | None
    values: FactTuple
    result: EpisodeResult
    # recorded-event anchors (schema 2) found so far: the first such event, or (None, None)
    recorded: dict[Recorded, _At] = field(default_factory=dict)
    # Which of noticed / professional_aware were not recorded, so fell back (see _moment_notes).
    fallbacks: frozenset[Moment] = frozenset()
    # Issue 10: the facts from each change known at as_of on (empty: no changes).
    segments: tuple[_Segment, ...] = ()
    # When each judgement known at as_of was made (London, UTC), for those that say.
    judged_at: dict[str, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    # The child's next review (timeline next_review_on), for review deadlines.
    next_review: dt.date | None = None
    # The key the plan remembers the facts by (Plan.key of values).
    key: Hashable = None


@dataclass(slots=True)
class _Segment:
    """An episode's facts from a change on: the moment (London and UTC) and the fact tuple."""

    at: dt.datetime
    at_u: dt.datetime
    values: FactTuple
    assumed_by: str | None
    key: Hashable = None  # Plan.key of values


def _child_facts(timeline: Timeline) -> tuple[object, ...]:
    child = timeline.child
    return (
        str(child.case_status),
        child.known_to_social_care,
        child.has_allocated_worker,
        child.attends_school or child.attends_secondary_school,
        child.attends_secondary_school,
        child.placed_by_other_authority,
        child.placed_out_of_area,
        frozenset(map(str, child.flags)),
    )


def _facts(
    age: int,
    child: tuple[object, ...],
    episode: Episode,
    *,
    reported: bool,
    risk: int | None,
) -> FactTuple:
    """The fact tuple, in the order of :class:`FactName` (checked by ``_FACT_ORDER``)."""
    return (
        age,
        *child,
        str(episode.missing_from),
        None,  # the category, decided next
        episode.whereabouts_known,
        reported,
        risk,
        frozenset(map(str, episode.while_away)),
        frozenset(map(str, episode.concerns)),
    )


def _recorded_facts(child: Child, episode: Episode) -> tuple[object, ...]:
    """Issue 10's facts, appended to the fact tuple in FactName order (unknown: ``None``)."""
    since = child.looked_after_since
    days = None if since is None else (episode.started_at.date() - since).days
    return (
        None if episode.legal_status is None else str(episode.legal_status),
        None if episode.placement_type is None else str(episode.placement_type),
        days if days is not None and days >= 0 else None,
        episode.in_other_area,
        child.subject_to_restrictions,
        None if episode.found_by is None else str(episode.found_by),
        None if child.social_work_area is None else str(child.social_work_area),
        None if episode.in_care_of is None else str(episode.in_care_of),
        _purposes(episode),
    )


def _purposes(episode: Episode) -> frozenset[str] | None:
    feared = episode.feared_removal_from_uk
    return None if feared is None else frozenset(map(str, feared))


def _who_reported(
    episode: Episode, reported_u: dt.datetime | None, as_of_u: dt.datetime
) -> tuple[str | None, bool | None]:
    """The facts ``reported_by`` and ``carer_reported_before_professional_aware``, as at as_of.

    ``reported_by`` is known once the report is; the other is unknown until a
    professional's awareness is recorded (and known by as_of), true if the
    parent or carer's report came first (or at the same moment), false if no
    report came first or someone else made it, unknown if the report came first
    but who made it is not recorded.
    """
    by = str(episode.reported_by) if reported_u is not None and episode.reported_by else None
    aware_u = _known(episode.professional_aware_at, as_of_u)[1]
    if aware_u is None:
        return by, None
    if reported_u is None or reported_u > aware_u:
        return by, False
    return by, None if by is None else by == "parent_or_carer"


def _noticed_and_aware(
    episode: Episode, started: _At, reported: _At, as_of_u: dt.datetime
) -> tuple[_At, _At, frozenset[Moment]]:
    """The moments ``noticed`` and ``professional_aware`` as known at as_of, and which fell back.

    A moment recorded for after as_of is not yet known; one not recorded at all
    falls back: ``noticed`` to the start (last seen), ``professional_aware`` to
    the report to the police.
    """
    fallbacks: set[Moment] = set()
    if episode.noticed_at is None:
        noticed = started
        fallbacks.add(Moment.NOTICED)
    else:
        noticed = _known(episode.noticed_at, as_of_u)
    if episode.professional_aware_at is None:
        aware = reported
        fallbacks.add(Moment.PROFESSIONAL_AWARE)
    else:
        aware = _known(episode.professional_aware_at, as_of_u)
    return noticed, aware, frozenset(fallbacks)


def _police_told(
    episode: Episode, returned: _At, as_of_u: dt.datetime
) -> tuple[_At, frozenset[Moment]]:
    """The moment ``police_told_of_return`` as known at as_of, and whether it fell back.

    Recorded for after as_of: not yet known. Not recorded: the return (as known).
    """
    if episode.police_told_of_return_at is None:
        return returned, frozenset({Moment.POLICE_TOLD_OF_RETURN})
    return _known(episode.police_told_of_return_at, as_of_u), frozenset()


_FACT_ORDER = (
    FactName.AGE,
    FactName.CASE_STATUS,
    FactName.KNOWN_TO_SOCIAL_CARE,
    FactName.HAS_ALLOCATED_WORKER,
    FactName.ATTENDS_SCHOOL,
    FactName.ATTENDS_SECONDARY_SCHOOL,
    FactName.PLACED_BY_OTHER_AUTHORITY,
    FactName.PLACED_OUT_OF_AREA,
    FactName.CHILD_FLAGS,
    FactName.MISSING_FROM,
    FactName.CATEGORY,
    FactName.WHEREABOUTS_KNOWN,
    FactName.REPORTED_TO_POLICE,
    FactName.POLICE_RISK,
    FactName.WHILE_AWAY,
    FactName.CONCERNS,
    # issue 10's recorded facts, from _recorded_facts
    FactName.LEGAL_STATUS,
    FactName.PLACEMENT_TYPE,
    FactName.DAYS_LOOKED_AFTER,
    FactName.IN_OTHER_AREA,
    FactName.SUBJECT_TO_RESTRICTIONS,
    FactName.FOUND_BY,
    FactName.SOCIAL_WORK_AREA,
    FactName.IN_CARE_OF,
    FactName.FEARED_REMOVAL_FROM_UK,
    FactName.REPORTED_BY,
    FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE,
    FactName.CATEGORIES,
    FactName.JUDGEMENTS,
)


assert tuple(FACT_INDEX) == _FACT_ORDER, "the fact tuple must follow FactName's order"


_CATEGORY = FACT_INDEX[FactName.CATEGORY]


_RISK = FACT_INDEX[FactName.POLICE_RISK]


_RISK_FACT = FactName.POLICE_RISK.value


_CATEGORIES = FACT_INDEX[FactName.CATEGORIES]


def _with(values: FactTuple, index: int, value: object) -> FactTuple:
    return (*values[:index], value, *values[index + 1 :])


def _risk_name(rank: object) -> str | None:
    return _RISK_NAMES[rank] if isinstance(rank, int) else None


def _segment_at(ep: _Episode, instant: dt.datetime) -> int:
    """Which facts stood at ``instant``: 0 for those at the start, k for the k-th change's."""
    number = 0
    for k, segment in enumerate(ep.segments, start=1):
        if segment.at_u <= instant:
            number = k
        else:
            break
    return number


def _values_of(ep: _Episode, segment: int) -> FactTuple:
    return ep.values if segment == 0 else ep.segments[segment - 1].values


def _tail(
    timeline: Timeline, episode: Episode, reported_u: dt.datetime | None, as_of_u: dt.datetime
) -> tuple[tuple[object, ...], dict[str, tuple[dt.datetime, dt.datetime]]]:
    """The fact tuple after :func:`_facts`: issue 10's recorded facts, who reported, every
    category (None: decided with the category) and the judgements known at ``as_of``; with
    when each judgement was made."""
    judged, judged_at = _judgements_known(episode, as_of_u)
    who = _who_reported(episode, reported_u, as_of_u)
    return (*_recorded_facts(timeline.child, episode), *who, None, judged), judged_at


def _judgements_known(
    episode: Episode, as_of_u: dt.datetime
) -> tuple[frozenset[str], dict[str, tuple[dt.datetime, dt.datetime]]]:
    """The judgement codes known at ``as_of`` (made by then, or undated), and when made."""
    codes: set[str] = set()
    made: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for item in episode.judgements:
        if item.at is None:
            codes.add(item.judgement)
            continue
        instant = _utc(item.at)
        if instant <= as_of_u:
            codes.add(item.judgement)
            made[item.judgement] = (item.at, instant)
    return frozenset(codes), made


def _missing_at(ep: _Episode, instant: dt.datetime) -> bool:
    return ep.returned_u is None or ep.returned_u > instant

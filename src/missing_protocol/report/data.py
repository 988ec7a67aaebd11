"""The caseload compliance report as data: ``build_report(protocol, timelines, as_of)``.

Per protocol: how many children and episodes; how many children reached each of
the protocol's own repeat-missing thresholds (the episode counts its rules
test); the required actions by kind and status; the share of return home
interviews done within the protocol's deadline, beside the national figure;
and the overdue list by child and episode (ids only). Every timeline is
evaluated with :func:`~missing_protocol.precision.evaluate_bounded`, so
day-only data (SSDA903) gives deadline windows and ``undetermined`` actions
rather than invented times. Renderers (HTML, CSV, JSON) are separate modules.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from missing_protocol.compiled import CountEpisodes, Protocol
from missing_protocol.conditions import EpisodeStub, Facts, atoms, count_episodes
from missing_protocol.errors import TimelineError
from missing_protocol.precision import evaluate_bounded
from missing_protocol.results import ActionStatus, Evaluation
from missing_protocol.timeline import Timeline, london_datetime

__all__ = [
    "NATIONAL_RHI",
    "CaseloadReport",
    "OverdueItem",
    "RhiShare",
    "Threshold",
    "build_report",
]

RHI_KIND = "return_home_interview"
STATUSES = tuple(status.value for status in ActionStatus)


@dataclass(frozen=True, slots=True)
class NationalFigure:
    share: float
    within: str
    source: str


NATIONAL_RHI = NationalFigure(
    0.63,
    "72 hours",
    "about 63% of return home interviews are done within 72 hours nationally, as stated in "
    "this project's issue 9 (a national figure; not recomputed here)",
)


@dataclass(frozen=True, slots=True)
class Threshold:
    """One of the protocol's repeat-missing thresholds, and the children who reached it."""

    label: str  # e.g. "at least 3 missing episodes within 90 days"
    rules: tuple[str, ...]
    children: int


@dataclass(frozen=True, slots=True)
class RhiShare:
    """Return home interviews: done within the protocol's deadline, of those decided."""

    deadlines: tuple[str, ...]  # the protocol's deadlines, e.g. "within 72 hours of returned"
    on_time: int
    late: int
    overdue: int
    due: int
    undetermined: int
    source_offered: int  # episodes whose source flag says an interview was offered (undated)
    source_flagged: int  # episodes whose source has the flag at all

    @property
    def decided(self) -> int:
        """Interviews whose deadline has passed or that were done: on time, late or overdue."""
        return self.on_time + self.late + self.overdue

    @property
    def share(self) -> float | None:
        """The share done on time, of those decided (``None`` when none is)."""
        return self.on_time / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class OverdueItem:
    child_id: str
    episode_id: str
    kind: str
    rule_id: str
    action_id: str
    due_at: dt.datetime | None
    due_at_latest: dt.datetime | None
    source_silent: bool  # the source cannot record this kind of action


@dataclass(frozen=True, slots=True)
class CaseloadReport:
    protocol_id: str
    protocol_version: str
    protocol_title: str
    as_of: dt.datetime
    children: int
    episodes: int
    children_not_evaluated: tuple[tuple[str, str], ...]  # (child id, problem codes)
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]
    not_recorded: tuple[str, ...]  # action kinds required here that some source cannot record
    thresholds: tuple[Threshold, ...]
    by_kind: dict[str, dict[str, int]]  # kind -> status -> count
    rhi: RhiShare
    national: NationalFigure
    overdue: tuple[OverdueItem, ...]
    day_only_children: int  # children with a moment known only to the day


def _thresholds(protocol: Protocol) -> list[tuple[str, CountEpisodes, tuple[str, ...]]]:
    found: dict[tuple[object, ...], tuple[str, CountEpisodes, list[str]]] = {}
    for rule in protocol.rules:
        for atom in atoms(rule.when):
            if not isinstance(atom, CountEpisodes):
                continue
            bound = atom.at_least if atom.at_least is not None else atom.exactly
            what = " or ".join(sorted(atom.categories)) if atom.categories else "all"
            window = f" within {atom.within}" if atom.within else " in all"
            if atom.calendar_month:
                window = " in the same calendar month"
            if atom.missing_from is not None:
                what += ", missing from " + " or ".join(sorted(atom.missing_from))
            label = f"at least {bound} episodes ({what}){window}"
            key = (bound, atom.categories, atom.within, atom.calendar_month, atom.missing_from)
            entry = found.setdefault(key, (label, atom, []))
            entry[2].append(rule.id)
    return [(label, atom, tuple(rules)) for label, atom, rules in found.values()]


def _reached(atom: CountEpisodes, evaluation: Evaluation, timeline: Timeline) -> bool:
    """Whether any episode reached the count (``exactly`` read as a threshold passed)."""
    places = {e.id: e.missing_from.value for e in timeline.episodes}
    history = tuple(
        EpisodeStub(e.started_at, e.category, places.get(e.episode_id)) for e in evaluation.episodes
    )
    bound = atom.at_least if atom.at_least is not None else atom.exactly
    assert bound is not None
    return any(
        count_episodes(atom, Facts({}, e.started_at, history)) >= bound for e in evaluation.episodes
    )


@dataclass
class _Tally:
    children: int = 0
    episodes: int = 0
    day_only: int = 0
    not_evaluated: list[tuple[str, str]] = field(default_factory=list)
    sources: dict[str, None] = field(default_factory=dict)
    assumptions: dict[str, None] = field(default_factory=dict)
    not_recorded: set[str] = field(default_factory=set)
    reached: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    rhi: Counter[str] = field(default_factory=Counter)
    rhi_deadlines: dict[str, None] = field(default_factory=dict)
    overdue: list[OverdueItem] = field(default_factory=list)


def _count(
    tally: _Tally,
    timeline: Timeline,
    evaluation: Evaluation,
    thresholds: list[tuple[str, CountEpisodes, tuple[str, ...]]],
) -> None:
    provenance = timeline.provenance
    if provenance is not None:
        tally.sources[provenance.source] = None
        tally.assumptions.update(dict.fromkeys(provenance.assumptions))
        for fields in provenance.source_fields.values():
            offered = fields.get("miss_mis_epi_rhi_offered")
            if offered is not None:
                tally.rhi["source_flagged"] += 1
                tally.rhi["source_offered"] += offered == "Yes"
    tally.children += 1
    tally.episodes += len(evaluation.episodes)
    tally.day_only += timeline.day_only()
    for label, atom, _ in thresholds:
        tally.reached[label] += _reached(atom, evaluation, timeline)
    for action in evaluation.actions:
        silent = provenance is not None and provenance.silent_on(action.kind)
        if silent:
            tally.not_recorded.add(action.kind)
        tally.by_kind.setdefault(action.kind, Counter())[action.status.value] += 1
        if action.kind == RHI_KIND:
            tally.rhi[action.status.value] += 1
            tally.rhi_deadlines[action.deadline.rule] = None
        if action.status is ActionStatus.OVERDUE:
            tally.overdue.append(
                OverdueItem(
                    evaluation.child_id,
                    action.episode_id,
                    action.kind,
                    action.rule_id,
                    action.id,
                    action.due_at,
                    action.due_at_latest,
                    silent,
                )
            )


def build_report(
    protocol: Protocol,
    timelines: Iterable[Timeline],
    as_of: dt.datetime,
    progress: Callable[[Iterable[Timeline]], Iterator[Timeline]] | None = None,
) -> CaseloadReport:
    """The caseload report for ``protocol`` as at ``as_of``; timelines are read once, streamed.

    ``progress`` wraps the timelines (the command line passes a progress bar). A
    timeline the protocol cannot evaluate (no category applies) is counted in
    ``children_not_evaluated`` with its problem codes, not raised.
    """
    as_of = london_datetime(as_of)
    thresholds = _thresholds(protocol)
    tally = _Tally()
    for timeline in progress(timelines) if progress is not None else timelines:
        try:
            evaluation = evaluate_bounded(protocol, timeline, as_of)
        except TimelineError as exc:
            codes = ",".join(sorted({p.code for p in exc.problems}))
            tally.not_evaluated.append((timeline.child.id, codes))
            continue
        _count(tally, timeline, evaluation, thresholds)
    rhi = tally.rhi
    return CaseloadReport(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        protocol_title=protocol.title,
        as_of=as_of,
        children=tally.children,
        episodes=tally.episodes,
        children_not_evaluated=tuple(tally.not_evaluated),
        sources=tuple(tally.sources),
        assumptions=tuple(tally.assumptions),
        not_recorded=tuple(sorted(tally.not_recorded)),
        thresholds=tuple(
            Threshold(label, rules, tally.reached[label]) for label, _, rules in thresholds
        ),
        by_kind={
            kind: {status: counts[status] for status in STATUSES}
            for kind, counts in sorted(tally.by_kind.items())
        },
        rhi=RhiShare(
            deadlines=tuple(tally.rhi_deadlines),
            on_time=rhi["met"],
            late=rhi["met_late"],
            overdue=rhi["overdue"],
            due=rhi["due"],
            undetermined=rhi["undetermined"],
            source_offered=rhi["source_offered"],
            source_flagged=rhi["source_flagged"],
        ),
        national=NATIONAL_RHI,
        overdue=tuple(
            sorted(tally.overdue, key=lambda o: (o.child_id, o.episode_id, o.kind, o.action_id))
        ),
        day_only_children=tally.day_only,
    )

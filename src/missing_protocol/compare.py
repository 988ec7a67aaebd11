"""Protocols side by side, as plain data: what each requires, and where they differ.

Five comparisons, each a function returning frozen dataclasses and nothing
formatted (``compare_render.py`` turns them into Markdown, HTML, CSV, JSON or
text):

* :func:`compare` builds the **rules matrix**: one section per topic, one row
  per comparable item (a category, a risk floor, an action kind within a
  topic, split by recipient), one cell per protocol holding every rule or
  item that speaks to it, in words, with its citation; a cell with no entries
  means the protocol is silent.
* :func:`compare_scenario` evaluates **one timeline under each protocol**
  (each deriving its own categories) and aligns the required actions by
  episode, action kind and recipient, marking where they differ.
* :func:`find_disagreements` searches a bounded **grid of generated
  timelines** for the smallest one on which two protocols require different
  kinds of action, or different deadlines for the same kind.
* :func:`evaluate_placement` evaluates an **out-of-area placement** under the
  responsible (placing) and the host protocol, and pairs each hand-off ("the
  host asks, the responsible authority does") with what the responsible
  protocol requires.
* :func:`diff_protocols` lists what changed between **two versions** of a
  rule file: rules added, removed and changed field by field, and changes to
  the risk model, allocations and metadata.

Rows are derived from the compiled protocols only (topics, action kinds,
recipients, category and floor ids); nothing here knows any particular area.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from .calendar import LONDON
from .compiled import (
    Citation,
    CountEpisodes,
    Protocol,
    Rule,
)
from .conditions import atoms, describe
from .errors import TimelineError
from .evaluate import evaluate
from .explain import format_moment
from .facts import CaseStatus, MissingFrom, PoliceRisk
from .render import describe_deadline, describe_trigger
from .results import Evaluation, RequiredAction
from .timeline import Timeline, london_datetime
from .vocabulary import ACTION_KINDS, Topic

__all__ = [
    "CitationRef",
    "Difference",
    "DifferenceKind",
    "Entry",
    "FieldChange",
    "GridPoint",
    "HandOff",
    "ItemChange",
    "Matrix",
    "MatrixCell",
    "MatrixRow",
    "MatrixSection",
    "PairWitnesses",
    "PlacementEvaluation",
    "ProtocolDiff",
    "ProtocolInfo",
    "ProtocolOutcome",
    "ScenarioAction",
    "ScenarioCell",
    "ScenarioComparison",
    "ScenarioRow",
    "TaggedAction",
    "Witness",
    "compare",
    "compare_scenario",
    "default_grid",
    "describe_due",
    "describe_who",
    "diff_protocols",
    "evaluate_placement",
    "find_all_disagreements",
    "find_disagreements",
    "protocol_keys",
    "strip_categories",
]


# --- the rules matrix ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProtocolInfo:
    """A protocol as a column: ``key`` is unique within one comparison."""

    key: str
    id: str
    title: str
    version: str
    file: str


@dataclass(frozen=True, slots=True)
class CitationRef:
    """A cited passage, where it is encoded, and an anchor unique within a report."""

    protocol: str  # the protocol's column key
    item: str  # "rule report_missing", "category missing", "allocation x option 2"
    section: str
    quote: str
    source: str  # rule file and line, e.g. rules/camden.yaml:123
    anchor: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One rule (or category, floor...) of one protocol, in words."""

    value: str  # trigger and condition, or what a category/floor means
    who: str | None
    deadline: str | None
    obligation: str | None
    citation: CitationRef | None
    supporting: tuple[CitationRef, ...]  # e.g. the allocation options choosing who
    note: str | None


@dataclass(frozen=True, slots=True)
class MatrixCell:
    protocol: str
    covered: bool  # False: the protocol is silent on this row
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    key: str
    label: str
    cells: tuple[MatrixCell, ...]
    agree: bool  # every protocol covers it, in the same words (citations aside)


@dataclass(frozen=True, slots=True)
class MatrixSection:
    key: str
    title: str
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True, slots=True)
class Matrix:
    protocols: tuple[ProtocolInfo, ...]
    sections: tuple[MatrixSection, ...]
    citations: tuple[CitationRef, ...]  # every passage cited above, once, by protocol


SECTION_TITLES: Mapping[str, str] = {
    "risk": "Risk categories and police risk floors",
    Topic.REPORTING.value: "Reporting to the police",
    Topic.NOTIFICATION.value: "Notifications and their recipients",
    Topic.SAFE_AND_WELL.value: "Safe and well check",
    Topic.RETURN_HOME_INTERVIEW.value: "Return home interview",
    Topic.STRATEGY_MEETING.value: "Strategy meetings",
    Topic.REPEAT_EPISODES.value: "Repeat episodes",
    "episode_counts": "Repeat-episode thresholds and windows (episode counts in conditions)",
    Topic.ESCALATION.value: "Senior escalation",
    Topic.REVIEWS_WHILE_MISSING.value: "Recurring reviews while missing",
    Topic.FOLLOW_UP_ON_RETURN.value: "Follow-up on return",
    Topic.MEDIA.value: "Media",
    Topic.OTHER.value: "Other duties",
}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text)


def protocol_keys(protocols: Sequence[Protocol]) -> tuple[str, ...]:
    """A unique column key per protocol: its id, with the version (and a number) if repeated."""
    ids = [p.id for p in protocols]
    keys = [f"{p.id}@{p.version}" if ids.count(p.id) > 1 else p.id for p in protocols]
    out = [
        key if keys.count(key) == 1 else f"{key}#{keys[:n].count(key) + 1}"
        for n, key in enumerate(keys)
    ]
    return tuple(out)


def _ref(key: str, kind: str, ident: str, citation: Citation, source: object) -> CitationRef:
    return CitationRef(
        protocol=key,
        item=f"{kind} {ident}",
        section=citation.section,
        quote=citation.quote,
        source=str(source),
        anchor=f"q-{_slug(key)}-{kind}-{_slug(ident)}",
    )


def describe_who(protocol: Protocol, rule: Rule) -> str:
    """Who does it: the role, or the allocation's options in order (first match wins)."""
    if rule.responsible is not None:
        return rule.responsible
    assert rule.allocation is not None
    allocation = protocol.allocations[rule.allocation]
    parts = [
        f"{o.role} if {describe(o.when)}" if o.when is not None else f"otherwise {o.role}"
        for o in allocation.options
    ]
    return f"{allocation.id}: " + "; ".join(parts)


def _rule_entry(protocol: Protocol, key: str, rule: Rule) -> Entry:
    value = describe_trigger(rule.trigger)
    if rule.when is not None:
        value += f", if {describe(rule.when)}"
    supporting: tuple[CitationRef, ...] = ()
    if rule.allocation is not None:
        allocation = protocol.allocations[rule.allocation]
        supporting = tuple(
            _ref(key, "allocation", f"{allocation.id} option {n}", o.citation, o.source)
            for n, o in enumerate(allocation.options, start=1)
        )
    return Entry(
        value=value,
        who=describe_who(protocol, rule),
        deadline=describe_deadline(rule.deadline),
        obligation=rule.obligation.value,
        citation=_ref(key, "rule", rule.id, rule.citation, rule.source),
        supporting=supporting,
        note=rule.note,
    )


def _kind_order(kind: str) -> tuple[int, str]:
    canonical = list(ACTION_KINDS)
    return (canonical.index(kind), "") if kind in canonical else (len(canonical), kind)


def _row_label(kind: str, recipient: str | None) -> str:
    return f"{kind} → {recipient}" if recipient is not None else kind


@dataclass
class _RowBuilder:
    key: str
    label: str
    order: tuple[Any, ...]
    entries: dict[str, list[Entry]] = field(default_factory=dict)

    def add(self, protocol_key: str, entry: Entry) -> None:
        self.entries.setdefault(protocol_key, []).append(entry)


def _finish(builders: Iterable[_RowBuilder], keys: Sequence[str]) -> tuple[MatrixRow, ...]:
    rows = []
    for b in sorted(builders, key=lambda b: b.order):
        cells = tuple(
            MatrixCell(k, bool(b.entries.get(k)), tuple(b.entries.get(k, ()))) for k in keys
        )
        shapes = {
            tuple(
                sorted(
                    (e.value, e.who or "", e.deadline or "", e.obligation or "") for e in c.entries
                )
            )
            for c in cells
        }
        rows.append(
            MatrixRow(b.key, b.label, cells, all(c.covered for c in cells) and len(shapes) == 1)
        )
    return tuple(rows)


def _risk_section(protocols: Sequence[Protocol], keys: Sequence[str]) -> list[_RowBuilder]:
    rows: dict[str, _RowBuilder] = {}

    def row(key: str, label: str, order: tuple[Any, ...]) -> _RowBuilder:
        return rows.setdefault(key, _RowBuilder(key, label, order))

    for n, (p, k) in enumerate(zip(protocols, keys, strict=True)):
        levels = ", ".join(r.value for r in p.police_risk_levels)
        row("risk/levels", "police risk levels used", (0, 0, 0, "")).add(
            k, Entry(levels, None, None, None, None, (), None)
        )
        for m, c in enumerate(p.categories):
            derived = (
                f"derived when {describe(c.when)}"
                if c.when is not None
                else "never derived (must be given)"
            )
            risk = ", ".join(r.value for r in c.police_risk) or "not specified"
            row(f"risk/category/{c.id}", f"category {c.id}", (1, n, m, c.id)).add(
                k,
                Entry(
                    f"{c.label}: police risk {risk}; {derived}",
                    None,
                    None,
                    None,
                    _ref(k, "category", c.id, c.citation, c.source),
                    (),
                    c.note,
                ),
            )
        for f in p.floors:
            forbid = ", ".join(sorted(r.value for r in f.forbid))
            key = f"risk/floor/{forbid.replace(', ', '+')}/{f.raise_to.value}"
            label = f"floor: {forbid} raised to {f.raise_to.value}"
            row(key, label, (2, 0, 0, key)).add(
                k,
                Entry(
                    f"applies when {describe(f.when)}" if f.when is not None else "always applies",
                    None,
                    None,
                    None,
                    _ref(k, "floor", f.id, f.citation, f.source),
                    (),
                    f.note,
                ),
            )
    return list(rows.values())


def _topic_rows(
    protocols: Sequence[Protocol], keys: Sequence[str], topic: Topic
) -> list[_RowBuilder]:
    rows: dict[str, _RowBuilder] = {}
    for p, k in zip(protocols, keys, strict=True):
        for rule in p.rules:
            if rule.topic is not topic:
                continue
            for recipient in rule.recipients:
                key = f"{topic.value}/{rule.action}" + (f"/{recipient}" if recipient else "")
                order = (3, *_kind_order(rule.action), recipient or "")
                builder = rows.setdefault(
                    key, _RowBuilder(key, _row_label(rule.action, recipient), order)
                )
                builder.add(k, _rule_entry(p, k, rule))
    return list(rows.values())


def _count_rows(protocols: Sequence[Protocol], keys: Sequence[str]) -> list[_RowBuilder]:
    rows: dict[str, _RowBuilder] = {}
    for p, k in zip(protocols, keys, strict=True):
        for rule in p.rules:
            counts = [a for a in atoms(rule.when) if isinstance(a, CountEpisodes)]
            if not counts:
                continue
            key = f"episode_counts/{rule.action}"
            builder = rows.setdefault(
                key, _RowBuilder(key, rule.action, (3, *_kind_order(rule.action)))
            )
            entry = _rule_entry(p, k, rule)
            thresholds = " and ".join(describe(c) for c in counts)
            builder.add(
                k,
                Entry(
                    f"{thresholds}; {describe_trigger(rule.trigger)} ({rule.topic.value})",
                    entry.who,
                    entry.deadline,
                    entry.obligation,
                    entry.citation,
                    entry.supporting,
                    entry.note,
                ),
            )
    return list(rows.values())


def _info(protocols: Sequence[Protocol]) -> tuple[ProtocolInfo, ...]:
    return tuple(
        ProtocolInfo(k, p.id, p.title, p.version, p.file)
        for p, k in zip(protocols, protocol_keys(protocols), strict=True)
    )


def compare(protocols: Sequence[Protocol]) -> Matrix:
    """The rules matrix of ``protocols``, in the order given."""
    infos = _info(protocols)
    keys = [i.key for i in infos]
    sections: list[MatrixSection] = []
    risk = _risk_section(protocols, keys) + _topic_rows(protocols, keys, Topic.RISK)
    sections.append(MatrixSection("risk", SECTION_TITLES["risk"], _finish(risk, keys)))
    for topic in Topic:
        if topic is Topic.RISK:
            continue
        builders = _topic_rows(protocols, keys, topic)
        if builders:
            sections.append(
                MatrixSection(topic.value, SECTION_TITLES[topic.value], _finish(builders, keys))
            )
        if topic is Topic.REPEAT_EPISODES:
            counted = _count_rows(protocols, keys)
            if counted:
                sections.append(
                    MatrixSection(
                        "episode_counts", SECTION_TITLES["episode_counts"], _finish(counted, keys)
                    )
                )
    seen: dict[str, CitationRef] = {}
    for section in sections:
        for r in section.rows:
            for cell in r.cells:
                for e in cell.entries:
                    for ref in (e.citation, *e.supporting):
                        if ref is not None:
                            seen.setdefault(ref.anchor, ref)
    order = {k: n for n, k in enumerate(keys)}
    citations = sorted(seen.values(), key=lambda r: (order[r.protocol], _source_line(r.source)))
    return Matrix(infos, tuple(sections), tuple(citations))


def _source_line(source: str) -> int:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# --- one timeline under each protocol -----------------------------------------


@dataclass(frozen=True, slots=True)
class ProtocolOutcome:
    """One protocol's evaluation, or the problems that stopped it."""

    protocol: str  # column key
    protocol_id: str
    evaluation: Evaluation | None
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScenarioAction:
    action_id: str
    rule_id: str
    obligation: str
    responsible: str
    due_at: dt.datetime | None
    status: str
    occurrence: int | None


@dataclass(frozen=True, slots=True)
class ScenarioCell:
    protocol: str
    evaluated: bool
    actions: tuple[ScenarioAction, ...]


class DifferenceKind(StrEnum):
    REQUIRED = "required"  # required under some protocols and not others
    DEADLINE = "deadline"  # required by both, due at different times
    RESPONSIBLE = "responsible"  # required by both, by different roles
    OBLIGATION = "obligation"  # required by both, must/should/consider differ


@dataclass(frozen=True, slots=True)
class Difference:
    kind: DifferenceKind
    detail: str


@dataclass(frozen=True, slots=True)
class ScenarioRow:
    episode_id: str
    kind: str
    recipient: str | None
    cells: tuple[ScenarioCell, ...]
    differences: tuple[Difference, ...]


@dataclass(frozen=True, slots=True)
class ScenarioComparison:
    child_id: str
    as_of: dt.datetime
    protocols: tuple[ProtocolInfo, ...]
    outcomes: tuple[ProtocolOutcome, ...]
    rows: tuple[ScenarioRow, ...]


def strip_categories(timeline: Timeline) -> Timeline:
    """The timeline with every episode's category omitted, so each protocol derives its own."""
    episodes = [e.model_copy(update={"category": None}) for e in timeline.episodes]
    return timeline.model_copy(update={"episodes": episodes})


def _outcome(
    protocol: Protocol, key: str, timeline: Timeline, as_of: dt.datetime
) -> ProtocolOutcome:
    try:
        evaluation = evaluate(protocol, timeline, as_of)
    except TimelineError as exc:
        return ProtocolOutcome(key, protocol.id, None, tuple(p.format() for p in exc.problems))
    return ProtocolOutcome(key, protocol.id, evaluation, ())


def _brief(a: RequiredAction) -> ScenarioAction:
    return ScenarioAction(
        a.id, a.rule_id, a.obligation, a.responsible, a.due_at, a.status.value, a.occurrence
    )


def _dues(cell: ScenarioCell) -> str:
    dues = sorted({a.due_at for a in cell.actions}, key=lambda d: (d is None, d))
    return ", ".join(describe_due(d) for d in dues)


def _differences(cells: Sequence[ScenarioCell]) -> tuple[Difference, ...]:
    evaluated = [c for c in cells if c.evaluated]
    required = [c for c in evaluated if c.actions]
    out: list[Difference] = []
    if required and len(required) < len(evaluated):
        not_required = [c.protocol for c in evaluated if not c.actions]
        out.append(
            Difference(
                DifferenceKind.REQUIRED,
                f"required by {', '.join(c.protocol for c in required)}; "
                f"not by {', '.join(not_required)}",
            )
        )
    if len(required) < 2:
        return tuple(out)
    if len({frozenset(a.due_at for a in c.actions) for c in required}) > 1:
        out.append(
            Difference(
                DifferenceKind.DEADLINE,
                "deadlines differ: " + "; ".join(f"{c.protocol} {_dues(c)}" for c in required),
            )
        )
    if len({frozenset(a.responsible for a in c.actions) for c in required}) > 1:
        out.append(
            Difference(
                DifferenceKind.RESPONSIBLE,
                "responsible differs: "
                + "; ".join(
                    f"{c.protocol} by {', '.join(sorted({a.responsible for a in c.actions}))}"
                    for c in required
                ),
            )
        )
    if len({frozenset(a.obligation for a in c.actions) for c in required}) > 1:
        out.append(
            Difference(
                DifferenceKind.OBLIGATION,
                "obligation differs: "
                + "; ".join(
                    f"{c.protocol} {'/'.join(sorted({a.obligation for a in c.actions}))}"
                    for c in required
                ),
            )
        )
    return tuple(out)


def _align(timeline: Timeline, outcomes: Sequence[ProtocolOutcome]) -> tuple[ScenarioRow, ...]:
    grouped: dict[tuple[str, str, str | None], dict[str, list[RequiredAction]]] = {}
    first: dict[tuple[str, str, str | None], dt.datetime] = {}
    for o in outcomes:
        if o.evaluation is None:
            continue
        for a in o.evaluation.actions:
            key = (a.episode_id, a.kind, a.recipient)
            grouped.setdefault(key, {}).setdefault(o.protocol, []).append(a)
            first[key] = min(first.get(key, a.triggered_at), a.triggered_at)
    episode_order = {
        e.id: n for n, e in enumerate(sorted(timeline.episodes, key=lambda e: (e.started_at, e.id)))
    }
    rows = []
    for key in sorted(
        grouped,
        key=lambda k: (episode_order.get(k[0], 0), first[k], _kind_order(k[1]), k[2] or ""),
    ):
        cells = tuple(
            ScenarioCell(
                o.protocol,
                o.evaluation is not None,
                tuple(_brief(a) for a in grouped[key].get(o.protocol, ())),
            )
            for o in outcomes
        )
        rows.append(ScenarioRow(key[0], key[1], key[2], cells, _differences(cells)))
    return tuple(rows)


def compare_scenario(
    protocols: Sequence[Protocol], timeline: Timeline, as_of: dt.datetime
) -> ScenarioComparison:
    """Evaluate ``timeline`` under each protocol and align the required actions.

    Episode categories are dropped first, so each protocol derives its own. A
    protocol that cannot evaluate the timeline (:class:`TimelineError`) has
    its problems recorded in its outcome, and its cells are marked not evaluated.
    """
    as_of = london_datetime(as_of)
    infos = _info(protocols)
    stripped = strip_categories(timeline)
    outcomes = tuple(
        _outcome(p, i.key, stripped, as_of) for p, i in zip(protocols, infos, strict=True)
    )
    return ScenarioComparison(timeline.child.id, as_of, infos, outcomes, _align(stripped, outcomes))


# --- disagreement witnesses ----------------------------------------------------


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
    only_in: str | None  # for REQUIRED: the protocol that requires it
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


# kind -> (earliest deadline or None, rule ids), for the last episode only
_Signature = dict[str, tuple[dt.datetime | None, tuple[str, ...]]]
_Cache = dict[tuple[int, GridPoint], _Signature | None]


def _signature(protocol: Protocol, point: GridPoint, cache: _Cache) -> _Signature | None:
    key = (id(protocol), point)
    if key in cache:
        return cache[key]
    try:
        evaluation = evaluate(protocol, point.timeline(), point.as_of())
    except TimelineError:
        cache[key] = None
        return None
    last = f"E{point.episodes}"
    found: dict[str, list[RequiredAction]] = {}
    for a in evaluation.actions:
        if a.episode_id == last:
            found.setdefault(a.kind, []).append(a)
    signature: _Signature = {}
    for kind, actions in found.items():
        dues = [a.due_at for a in actions if a.due_at is not None]
        rules = tuple(sorted({a.rule_id for a in actions}))
        signature[kind] = (min(dues) if dues else None, rules)
    cache[key] = signature
    return signature


def find_disagreements(
    protocol_a: Protocol,
    protocol_b: Protocol,
    *,
    grid: Sequence[GridPoint] | None = None,
    cache: _Cache | None = None,
) -> PairWitnesses:
    """For each kind of difference, the smallest grid timeline showing it.

    Compares, for the last episode of each generated timeline, the set of action
    kinds each protocol requires, and for kinds both require, the earliest
    deadline. ``grid`` defaults to :func:`default_grid`, searched smallest first;
    ``cache`` may be shared between calls to evaluate each protocol once per point.
    """
    points = default_grid() if grid is None else sorted(grid, key=_point_order)
    memo: _Cache = {} if cache is None else cache
    keys = protocol_keys([protocol_a, protocol_b])
    found: dict[tuple[DifferenceKind, str, str | None], Witness] = {}
    searched = 0
    for point in points:
        sa = _signature(protocol_a, point, memo)
        sb = _signature(protocol_b, point, memo)
        if sa is None or sb is None:
            continue
        searched += 1
        for kind in sorted(sa.keys() | sb.keys(), key=_kind_order):
            if kind in sa and kind in sb:
                (due_a, rules_a), (due_b, rules_b) = sa[kind], sb[kind]
                wanted: tuple[DifferenceKind, str, str | None] = (
                    DifferenceKind.DEADLINE,
                    kind,
                    None,
                )
                if due_a != due_b and wanted not in found:
                    detail = (
                        f"{keys[0]} {describe_due(due_a)} ({', '.join(rules_a)}); "
                        f"{keys[1]} {describe_due(due_b)} ({', '.join(rules_b)})"
                    )
                    found[wanted] = _witness(wanted, point, detail)
                continue
            only = keys[0] if kind in sa else keys[1]
            rules = (sa if kind in sa else sb)[kind][1]
            wanted = (DifferenceKind.REQUIRED, kind, only)
            if wanted not in found:
                other = keys[1] if only == keys[0] else keys[0]
                detail = f"required by {only} ({', '.join(rules)}); not by {other}"
                found[wanted] = _witness(wanted, point, detail)
    witnesses = sorted(
        found.values(),
        key=lambda w: (_kind_order(w.kind), w.difference.value, w.only_in or ""),
    )
    return PairWitnesses(keys[0], keys[1], searched, tuple(witnesses))


def describe_due(moment: dt.datetime | None) -> str:
    """``due Sat 30 Mar 2024 22:00 GMT``, or ``no time limit``."""
    return f"due {format_moment(moment)}" if moment is not None else "no time limit"


def _witness(
    wanted: tuple[DifferenceKind, str, str | None], point: GridPoint, detail: str
) -> Witness:
    return Witness(
        wanted[0],
        wanted[1],
        wanted[2],
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


# --- out-of-area placements -----------------------------------------------------


class PlacementSide(StrEnum):
    RESPONSIBLE = "responsible"  # the authority that looks after the child
    HOST = "host"  # the authority in whose area the child is placed


@dataclass(frozen=True, slots=True)
class TaggedAction:
    side: PlacementSide
    protocol_id: str
    action: RequiredAction
    handoff: bool  # the host asks the responsible authority to do it


@dataclass(frozen=True, slots=True)
class HandOff:
    """The host protocol asks; the responsible protocol's actions are what is then done."""

    host_action: RequiredAction
    reason: str
    responsible_actions: tuple[RequiredAction, ...]


@dataclass(frozen=True, slots=True)
class PlacementEvaluation:
    child_id: str
    as_of: dt.datetime
    responsible: ProtocolOutcome
    host: ProtocolOutcome
    actions: tuple[TaggedAction, ...]
    handoffs: tuple[HandOff, ...]


_HANDOFF_ROLE = "placing_authority"
_HANDOFF_WORDS = ("responsible_authority", "placing_authority", "home_authority")


def _handoff_reason(host: Protocol, action: RequiredAction) -> str | None:
    if action.responsible == _HANDOFF_ROLE:
        how = (
            "named by the rule"
            if action.responsible_reason == "named by the rule"
            else (f"allocated: {action.responsible_reason}")
        )
        return f"the host protocol gives it to the placing authority ({how})"
    if action.kind not in ACTION_KINDS:
        text = f"{action.kind} {host.action_kinds.get(action.kind, '')}".lower()
        spaced = text.replace("_", " ")
        if any(w in text or w.replace("_", " ") in spaced for w in _HANDOFF_WORDS):
            return f"the host protocol's {action.kind} asks the responsible authority to act"
    return None


def evaluate_placement(
    responsible: Protocol, host: Protocol, timeline: Timeline, as_of: dt.datetime
) -> PlacementEvaluation:
    """A child looked after by ``responsible``'s area and placed in ``host``'s area.

    The responsible protocol sees ``placed_out_of_area``, the host protocol
    ``placed_by_other_authority`` (episode categories are dropped so each derives
    its own). A host action given to the placing authority, or of an area-specific
    kind that asks the responsible authority to act, is a hand-off, paired with
    the responsible protocol's actions for the same episode and kind (or, for
    an area-specific kind, the same topic).
    """
    as_of = london_datetime(as_of)
    base = strip_categories(timeline)
    keys = protocol_keys([responsible, host])
    as_responsible = base.model_copy(
        update={"child": base.child.model_copy(update={"placed_out_of_area": True})}
    )
    placing = responsible.authorities[0][:100] if responsible.authorities else None
    as_host = base.model_copy(
        update={
            "child": base.child.model_copy(
                update={"placed_by_other_authority": True, "placing_authority": placing}
            )
        }
    )
    r_out = _outcome(responsible, keys[0], as_responsible, as_of)
    h_out = _outcome(host, keys[1], as_host, as_of)
    r_actions = r_out.evaluation.actions if r_out.evaluation else ()
    h_actions = h_out.evaluation.actions if h_out.evaluation else ()
    handoffs: list[HandOff] = []
    handed: set[str] = set()
    for a in h_actions:
        reason = _handoff_reason(host, a)
        if reason is None:
            continue
        handed.add(a.id)
        if a.kind in ACTION_KINDS:
            paired = [r for r in r_actions if r.episode_id == a.episode_id and r.kind == a.kind]
        else:
            paired = [
                r
                for r in r_actions
                if r.episode_id == a.episode_id
                and r.topic == a.topic
                and r.kind != "notify"
                and r.responsible != _HANDOFF_ROLE
            ]
        handoffs.append(HandOff(a, reason, tuple(paired)))
    tagged = [
        TaggedAction(PlacementSide.RESPONSIBLE, responsible.id, a, False) for a in r_actions
    ] + [TaggedAction(PlacementSide.HOST, host.id, a, a.id in handed) for a in h_actions]
    tagged.sort(key=lambda t: (t.action.triggered_at, t.side.value, t.action.id))
    return PlacementEvaluation(base.child.id, as_of, r_out, h_out, tuple(tagged), tuple(handoffs))


# --- version diff ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A rule, category, floor or allocation: ``added``, ``removed`` or ``changed``."""

    item: str  # e.g. "rule report_missing", "category missing"
    status: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class ProtocolDiff:
    old: ProtocolInfo
    new: ProtocolInfo
    metadata: tuple[FieldChange, ...]
    rules: tuple[ItemChange, ...]
    risk_and_allocations: tuple[ItemChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.metadata or self.rules or self.risk_and_allocations)


def _cite(c: Citation) -> str:
    return f"§{c.section}: {c.quote}"


def _rule_fields(protocol: Protocol, rule: Rule) -> dict[str, str]:
    return {
        "topic": rule.topic.value,
        "action": rule.action,
        "trigger": describe_trigger(rule.trigger),
        "condition": describe(rule.when) if rule.when is not None else "always",
        "deadline": describe_deadline(rule.deadline),
        "responsible": describe_who(protocol, rule),
        "obligation": rule.obligation.value,
        "recipients": ", ".join(r for r in rule.recipients if r is not None) or "-",
        "satisfied_by": ", ".join(sorted(rule.satisfied_by)),
        "citation": _cite(rule.citation),
        "see_also": " | ".join(_cite(c) for c in rule.see_also) or "-",
        "note": " ".join(rule.note.split()) if rule.note else "-",
    }


def _changes(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(k, old[k], new[k]) for k in old if old[k] != new[k])


def _diff_items(
    kind: str, old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> list[ItemChange]:
    out: list[ItemChange] = []
    for ident in old:
        if ident not in new:
            out.append(ItemChange(f"{kind} {ident}", "removed", ()))
        elif changes := _changes(old[ident], new[ident]):
            out.append(ItemChange(f"{kind} {ident}", "changed", changes))
    out += [ItemChange(f"{kind} {i}", "added", ()) for i in new if i not in old]
    return out


def _risk_items(p: Protocol) -> dict[str, dict[str, dict[str, str]]]:
    categories = {
        c.id: {
            "position": str(n),
            "label": c.label,
            "police_risk": ", ".join(r.value for r in c.police_risk) or "-",
            "condition": describe(c.when) if c.when is not None else "never derived",
            "citation": _cite(c.citation),
            "note": " ".join(c.note.split()) if c.note else "-",
        }
        for n, c in enumerate(p.categories, start=1)
    }
    floors = {
        f.id: {
            "condition": describe(f.when) if f.when is not None else "always",
            "forbid": ", ".join(sorted(r.value for r in f.forbid)),
            "raise_to": f.raise_to.value,
            "citation": _cite(f.citation),
            "note": " ".join(f.note.split()) if f.note else "-",
        }
        for f in p.floors
    }
    allocations = {
        a.id: {
            "description": a.description,
            **{
                f"option {n}": (
                    (f"{o.role} if {describe(o.when)}" if o.when else f"otherwise {o.role}")
                    + f" [{_cite(o.citation)}]"
                )
                for n, o in enumerate(a.options, start=1)
            },
        }
        for a in p.allocations.values()
    }
    return {"category": categories, "floor": floors, "allocation": allocations}


def _metadata(p: Protocol) -> dict[str, str]:
    return {
        "id": p.id,
        "title": p.title,
        "version": p.version,
        "authorities": ", ".join(p.authorities),
        "effective": p.effective.isoformat() if p.effective else "-",
        "source_document": p.source_document,
        "source_text": p.source_text,
        "police_risk_levels": ", ".join(r.value for r in p.police_risk_levels),
    }


def _padded(fields: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    return {k: fields.get(k, "-") for k in keys}


def diff_protocols(old: Protocol, new: Protocol) -> ProtocolDiff:
    """What changed from ``old`` to ``new``: rules by id, field by field, risk and allocations."""
    infos = _info([old, new])
    old_rules = {r.id: _rule_fields(old, r) for r in old.rules}
    new_rules = {r.id: _rule_fields(new, r) for r in new.rules}
    rules = _diff_items("rule", old_rules, new_rules)
    risk: list[ItemChange] = []
    old_risk, new_risk = _risk_items(old), _risk_items(new)
    for kind in ("category", "floor", "allocation"):
        o, n = old_risk[kind], new_risk[kind]
        if kind == "allocation":  # options may be added or removed: compare over all keys
            for ident in o.keys() & n.keys():
                keys = list(dict.fromkeys([*o[ident], *n[ident]]))
                o[ident], n[ident] = _padded(o[ident], keys), _padded(n[ident], keys)
        risk += _diff_items(kind, o, n)
    return ProtocolDiff(
        infos[0],
        infos[1],
        _changes(_metadata(old), _metadata(new)),
        tuple(rules),
        tuple(risk),
    )

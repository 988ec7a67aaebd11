"""The rules matrix: every protocol's rules side by side, by topic and item.

:func:`compare` builds one section per topic, one row per comparable item (a
category, a risk floor, an action kind within a topic, split by recipient),
one cell per protocol holding every rule or item that speaks to it, with its
citation; a cell with no entries means the protocol is silent. Each entry is
given twice: in the rule language's codes (for CSV and JSON) and in the
phrasebook's words (:class:`Words`, for people).

Rows are derived from the compiled protocols only (topics, action kinds,
recipients, category and floor ids); nothing here knows any particular area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from missing_protocol.compiled import CountEpisodes, Protocol, Rule
from missing_protocol.conditions import atoms, describe
from missing_protocol.facts import PoliceRisk
from missing_protocol.phrases import (
    TOPIC_LABELS,
    condition_words,
    deadline_words,
    kind_label,
    role_label,
    trigger_words,
    value_label,
)
from missing_protocol.render import by_office_hours, describe_deadline, describe_trigger
from missing_protocol.vocabulary import Topic

from .common import CitationRef, ProtocolInfo, cite_ref, infos, kind_order, source_line

__all__ = [
    "SECTION_TITLES",
    "Entry",
    "Matrix",
    "MatrixCell",
    "MatrixRow",
    "MatrixSection",
    "Words",
    "compare",
    "describe_recipients",
    "describe_who",
    "row_words",
    "who_words",
]


@dataclass(frozen=True, slots=True)
class Words:
    """An entry in the phrasebook's words: what a person reads in HTML and Markdown."""

    trigger: str | None  # "still missing after 48 hours"; None for categories and floors
    condition: str | None  # "looked after or a care leaver"; None when always
    value: str  # trigger and condition together, or what a category/floor means
    who: str | None
    deadline: str | None


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
    words: Words


@dataclass(frozen=True, slots=True)
class MatrixCell:
    protocol: str
    covered: bool  # False: the protocol is silent on this row
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    key: str
    label: str  # in codes: "notify → parents"
    words: str  # in words: "tell the parents"
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


def describe_who(protocol: Protocol, rule: Rule) -> str:
    """Who does it, in codes: the role, or the allocation's options in order (first match wins).

    A rule whose ``out_of_hours`` names another role gives both:
    ``allocated_social_worker (in office hours) / edt (out of hours)``.
    """
    if rule.responsible is not None:
        who = rule.responsible
    else:
        assert rule.allocation is not None
        allocation = protocol.allocations[rule.allocation]
        parts = [
            f"{o.role} if {describe(o.when)}" if o.when is not None else f"otherwise {o.role}"
            for o in allocation.options
        ]
        who = f"{allocation.id}: " + "; ".join(parts)
    routed = rule.out_of_hours
    if routed is not None and routed.responsible is not None:
        return by_office_hours(who, routed.responsible)
    return who


def who_words(protocol: Protocol, rule: Rule) -> str:
    """Who does it, in words: ``the Children's Society if aged 12 or over; otherwise ...``.

    Routed by office hours: ``the allocated social worker (in office hours) / the
    out-of-hours social work team (out of hours)``.
    """
    if rule.responsible is not None:
        who = role_label(rule.responsible)
    else:
        assert rule.allocation is not None
        who = "; ".join(
            f"{role_label(o.role)} if {condition_words(o.when, protocol)}"
            if o.when is not None
            else f"otherwise {role_label(o.role)}"
            for o in protocol.allocations[rule.allocation].options
        )
    routed = rule.out_of_hours
    if routed is not None and routed.responsible is not None:
        return by_office_hours(who, role_label(routed.responsible))
    return who


def describe_recipients(rule: Rule) -> str:
    """Whom it goes to, in codes (``-`` for nobody); routed by office hours, both sides."""
    recipients = ", ".join(r for r in rule.recipients if r is not None) or "-"
    routed = rule.out_of_hours
    if routed is not None and routed.recipients is not None:
        return by_office_hours(recipients, ", ".join(routed.recipients))
    return recipients


def _hours_words(rule: Rule) -> tuple[str, str]:
    """What office hours add to a rule's summary, in codes and in words (nothing if unrouted)."""
    routed = rule.out_of_hours
    if routed is None:
        return "", ""
    if not routed.required:
        return "; in office hours only", "; in office hours only"
    if not routed.in_hours_required:
        return "; out of office hours only", "; out of office hours only"
    if routed.recipients is None:
        return "", ""  # another role does it: said in who
    in_hours = " and ".join(role_label(r) for r in rule.recipients if r is not None)
    out_of_hours = " and ".join(role_label(r) for r in routed.recipients)
    return f"; to {describe_recipients(rule)}", f"; to {by_office_hours(in_hours, out_of_hours)}"


def _rule_entry(protocol: Protocol, key: str, rule: Rule) -> Entry:
    value = describe_trigger(rule.trigger)
    if rule.when is not None:
        value += f", if {describe(rule.when)}"
    trigger = trigger_words(rule.trigger)
    condition = condition_words(rule.when, protocol) if rule.when is not None else None
    supporting: tuple[CitationRef, ...] = ()
    if rule.allocation is not None:
        allocation = protocol.allocations[rule.allocation]
        supporting = tuple(
            cite_ref(key, "allocation", f"{allocation.id} option {n}", o.citation, o.source)
            for n, o in enumerate(allocation.options, start=1)
        )
    also = _alternatives_words(rule)
    if rule.alternative_actions:
        value += f"; or {', '.join(rule.alternative_actions)}"
    hours = _hours_words(rule)
    value += hours[0]
    return Entry(
        value=value,
        who=describe_who(protocol, rule),
        deadline=describe_deadline(rule.deadline),
        obligation=rule.obligation.value,
        citation=cite_ref(key, "rule", rule.id, rule.citation, rule.source),
        supporting=supporting,
        note=rule.note,
        words=Words(
            trigger,
            condition,
            trigger + (f", if {condition}" if condition else "") + also[0] + hours[1],
            who_words(protocol, rule) + also[1],
            deadline_words(rule.deadline, rule.trigger),
        ),
    )


def _alternatives_words(rule: Rule) -> tuple[str, str]:
    """What a rule's alternative kinds and roles (schema 2) add to its summary and its who."""
    kinds = ", ".join(kind_label(kind) for kind in rule.alternative_actions)
    roles = ", ".join(role_label(role) for role in rule.alternative_responsible)
    return (f" (or a {kinds})" if kinds else "", f" (or {roles})" if roles else "")


def _plain(
    value: str,
    words: str,
    citation: CitationRef | None,
    note: str | None,
    condition: str | None = None,
) -> Entry:
    """An entry with no duty: a category, a floor, the risk levels."""
    return Entry(
        value, None, None, None, citation, (), note, Words(None, condition, words, None, None)
    )


def row_words(kind: str, recipient: str | None) -> str:
    """A row in words: ``tell the parents``, ``strategy meeting``."""
    if recipient is None:
        return kind_label(kind)
    if kind == "notify":
        return f"tell {role_label(recipient)}"
    return f"{kind_label(kind)} ({role_label(recipient)})"


@dataclass
class _RowBuilder:
    key: str
    label: str
    words: str
    order: tuple[Any, ...]
    entries: dict[str, list[Entry]] = field(default_factory=dict)

    def add(self, protocol_key: str, entry: Entry) -> None:
        self.entries.setdefault(protocol_key, []).append(entry)


def _finish(builders: Iterable[_RowBuilder], keys: Sequence[str]) -> tuple[MatrixRow, ...]:
    rows = []
    # within a kind of row, the items most protocols cover first
    for b in sorted(builders, key=lambda b: (b.order[0], -len(b.entries), b.order)):
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
        agree = all(c.covered for c in cells) and len(shapes) == 1
        rows.append(MatrixRow(b.key, b.label, b.words, cells, agree))
    return tuple(rows)


def _risk_section(protocols: Sequence[Protocol], keys: Sequence[str]) -> list[_RowBuilder]:
    rows: dict[str, _RowBuilder] = {}

    def row(key: str, label: str, words: str, order: tuple[Any, ...]) -> _RowBuilder:
        return rows.setdefault(key, _RowBuilder(key, label, words, order))

    for n, (p, k) in enumerate(zip(protocols, keys, strict=True)):
        levels = [r.value for r in p.police_risk_levels]
        words = ", ".join(value_label("police_risk", r) for r in levels)
        row("risk/levels", "police risk levels used", "police risk levels used", (0, 0, 0, "")).add(
            k, _plain(", ".join(levels), words, None, None)
        )
        for m, c in enumerate(p.categories):
            risk = ", ".join(r.value for r in c.police_risk) or "not specified"
            risk_words = ", ".join(value_label("police_risk", r.value) for r in c.police_risk)
            if c.when is not None:
                derived = f"derived when {describe(c.when)}"
                derived_words = f"when {condition_words(c.when, p)}"
            else:
                derived = "never derived (must be given)"
                derived_words = "only when recorded as such"
            row(
                f"risk/category/{c.id}",
                f"category {c.id}",
                f"category ‘{c.label}’",
                (1, n, m, c.id),
            ).add(
                k,
                _plain(
                    f"{c.label}: police risk {risk}; {derived}",
                    f"{c.label}: police risk {risk_words or 'not specified'}; {derived_words}",
                    cite_ref(k, "category", c.id, c.citation, c.source),
                    c.note,
                    derived_words + (f" (police risk {risk_words})" if risk_words else ""),
                ),
            )
        for f in p.floors:
            forbid = ", ".join(sorted(r.value for r in f.forbid))
            key = f"risk/floor/{forbid.replace(', ', '+')}/{f.raise_to.value}"
            label = f"floor: {forbid} raised to {f.raise_to.value}"
            forbid_words = " or ".join(
                value_label("police_risk", r.value)
                for r in sorted(f.forbid, key=list(PoliceRisk).index)
            )
            raised = value_label("police_risk", f.raise_to.value)
            words = f"police risk {forbid_words} raised to {raised}"
            floor_words = f"when {condition_words(f.when, p)}" if f.when is not None else "always"
            row(key, label, words, (2, 0, 0, key)).add(
                k,
                _plain(
                    f"applies when {describe(f.when)}" if f.when is not None else "always applies",
                    floor_words,
                    cite_ref(k, "floor", f.id, f.citation, f.source),
                    f.note,
                    floor_words,
                ),
            )
        for u in p.ungraded:
            key = f"risk/ungraded/{u.held_at.value}"
            held = value_label("police_risk", u.held_at.value)
            held_words = f"when {condition_words(u.when, p)}" if u.when is not None else "always"
            row(
                key,
                f"ungraded: held at {u.held_at.value}",
                f"police risk not yet graded: held at {held}",
                (2, 1, 0, key),
            ).add(
                k,
                _plain(
                    f"applies when {describe(u.when)}" if u.when is not None else "always applies",
                    held_words,
                    cite_ref(k, "ungraded", u.id, u.citation, u.source),
                    u.note,
                    held_words,
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
            routed = rule.out_of_hours.recipients if rule.out_of_hours is not None else None
            # a recipient out of office hours only has its row too, so the areas line up
            extra = [r for r in routed or () if r not in rule.recipients]
            for recipient in (*rule.recipients, *extra):
                key = f"{topic.value}/{rule.action}" + (f"/{recipient}" if recipient else "")
                order = (3, *kind_order(rule.action), recipient or "")
                label = f"{rule.action} → {recipient}" if recipient is not None else rule.action
                builder = rows.setdefault(
                    key, _RowBuilder(key, label, row_words(rule.action, recipient), order)
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
                key,
                _RowBuilder(
                    key, rule.action, kind_label(rule.action), (3, *kind_order(rule.action))
                ),
            )
            entry = _rule_entry(p, k, rule)
            thresholds = " and ".join(describe(c) for c in counts)
            threshold_words = " and ".join(condition_words(c, p) for c in counts)
            topic = TOPIC_LABELS[rule.topic.value].lower()
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
                    Words(
                        entry.words.trigger,
                        threshold_words,
                        f"{threshold_words}; {entry.words.trigger} ({topic})",
                        entry.words.who,
                        entry.words.deadline,
                    ),
                ),
            )
    return list(rows.values())


def compare(protocols: Sequence[Protocol]) -> Matrix:
    """The rules matrix of ``protocols``, in the order given."""
    columns = infos(protocols)
    keys = [i.key for i in columns]
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
    citations = sorted(seen.values(), key=lambda r: (order[r.protocol], source_line(r.source)))
    return Matrix(columns, tuple(sections), tuple(citations))

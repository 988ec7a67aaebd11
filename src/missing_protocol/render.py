"""Reference documentation rendered from the code and the rule files, as Markdown.

Nothing here is written by hand: the rule-language reference comes from the
schema models, the facts and the vocabulary; each area's page comes from its
compiled rule file; the ambiguities page gathers every note. ``tools/gen_docs.py``
writes them under ``docs/``, and a test fails when they are out of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .compiled import (
    Deadline,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    PhasedTrigger,
    Protocol,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Rule,
    Trigger,
)
from .conditions import describe
from .facts import FACTS, FactType
from .office_hours import describe_office_hours
from .versions import SINCE
from .vocabulary import ACTION_KINDS, JUDGEMENTS, ROLES, Topic

__all__ = [
    "by_office_hours",
    "describe_deadline",
    "describe_trigger",
    "render_ambiguities",
    "render_json_schema",
    "render_protocol",
    "render_rule_language_tables",
]

_OPERATORS = {
    FactType.NUMBER: "is, lt, le, gt, ge",
    FactType.BOOLEAN: "is",
    FactType.ENUM: "is, in, not_in",
    FactType.ORDERED: "is, in, not_in, lt, le, gt, ge (in the order listed)",
    FactType.SET: "has, has_any, has_none",
    FactType.CATEGORY: "is, in, not_in (the protocol's own category ids)",
    FactType.CATEGORY_SET: "has, has_any, has_none (the protocol's own category ids)",
}


def _describe_schema2_trigger(trigger: RecordedTrigger | PhasedTrigger | FirstOf) -> str:
    """A trigger of schema 2 in words, as :func:`describe_trigger` says the others."""
    if isinstance(trigger, RecordedTrigger):
        return f"when {_recorded_words(trigger.on)}"
    if isinstance(trigger, PhasedTrigger):
        parts = []
        for index, phase in enumerate(trigger.phases):
            after = (
                trigger.anchor.value if index == 0 else "the last occurrence of the phase before"
            )
            text = f"every {phase.every} while missing, first at {phase.first} after {after}"
            if phase.until is not None:
                text += f", until {phase.until} after {trigger.anchor.value}"
            parts.append(f"phase {index + 1}: {text}")
        return "; ".join(parts)
    alternatives = []
    for alternative in trigger.alternatives:
        text = describe_trigger(alternative.trigger)
        if alternative.when is not None:
            text += f", where {describe(alternative.when)}"
        alternatives.append(text)
    return "at the first of: " + "; or ".join(alternatives)


def _recorded_words(recorded: Recorded) -> str:
    outcomes = ", ".join(sorted(recorded.outcomes))
    to = f" to {recorded.recipient}" if recorded.recipient is not None else ""
    return f"the first {recorded.kind}{to} is recorded (as {outcomes})"


def describe_trigger(trigger: Trigger) -> str:
    """A rule's trigger in words."""
    if isinstance(trigger, RecordedTrigger | PhasedTrigger | FirstOf):
        return _describe_schema2_trigger(trigger)
    if isinstance(trigger, EventTrigger):
        return {
            "started": "when the child goes missing (last seen)",
            "reported": "when the child is reported to the police",
            "returned": "when the child returns or is located",
            "noticed": "when the child is noticed missing (last seen, if not recorded)",
            "professional_aware": "when a professional learns the child is missing "
            "(the report to the police, if not recorded)",
            "police_told_of_return": "when the police are told of the return "
            "(the return, if not recorded)",
        }[trigger.on.value]
    if isinstance(trigger, ElapsedTrigger):
        return f"if still missing {trigger.missing_for} after {trigger.anchor.value}"
    assert isinstance(trigger, RecurringTrigger)
    text = f"every {trigger.every} while missing, first at {trigger.first} after "
    text += trigger.anchor.value
    if trigger.until is not None:
        text += f", until {trigger.until}"
    return text


# Deadlines set by a date or hours outside the episode (issue 10), described.
_DEADLINES_DESCRIBED = {
    DeadlineKind.BEFORE_NEXT_REVIEW: (
        "before the child's next review (start of its day; none while not recorded)"
    ),
    DeadlineKind.AT_NEXT_REVIEW: (
        "at the child's next review (end of its day; none while not recorded)"
    ),
    DeadlineKind.NEXT_OFFICE_OPENING: (
        "as soon as day-time services resume (the next opening of office hours)"
    ),
}


def describe_deadline(deadline: Deadline) -> str:
    """A rule's deadline in words."""
    if deadline.kind is DeadlineKind.IMMEDIATELY:
        return "immediately"
    if deadline.kind is DeadlineKind.UNSPECIFIED:
        return "no time limit stated"
    if deadline.kind is DeadlineKind.WITHOUT_DELAY:
        return "without delay (no fixed time: never overdue)"
    if deadline.kind in _DEADLINES_DESCRIBED:
        return _DEADLINES_DESCRIBED[deadline.kind]
    anchor = "the trigger" if deadline.anchor.value == "triggered" else deadline.anchor.value
    if deadline.or_within is not None:
        return (
            f"within {deadline.within} or {deadline.or_within} of {anchor}, "
            f"whichever is {deadline.use}"
        )
    return f"within {deadline.within} of {anchor}"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def render_rule_language_tables() -> str:
    """The facts, operators, action kinds, roles and topics, as Markdown tables."""
    lines = ["## Facts a condition may test", ""]
    lines += _table(
        ["fact", "type", "operators", "values", "meaning"],
        (
            (
                f"`{spec.name.value}`",
                spec.type.value,
                _OPERATORS[spec.type],
                ", ".join(f"`{v}`" for v in spec.domain)
                if spec.domain
                else (f"{spec.minimum} to {spec.maximum}" if spec.minimum is not None else "-"),
                spec.description,
            )
            for spec in FACTS.values()
        ),
    )
    lines += ["", "## Canonical action kinds", ""]
    lines += _table(["kind", "meaning"], ((f"`{k}`", v) for k, v in ACTION_KINDS.items()))
    lines += ["", "## Canonical roles", ""]
    lines += _table(["role", "meaning"], ((f"`{k}`", v) for k, v in ROLES.items()))
    lines += _judgements_section()
    lines += ["", "## Topics", ""]
    lines += [", ".join(f"`{t.value}`" for t in Topic)]
    return "\n".join(lines) + "\n"


def render_json_schema(schema: Mapping[str, Any], title: str, intro: str) -> str:
    """Every model of a JSON Schema as a table of fields."""
    lines = [f"# {title}", "", intro, ""]
    definitions: dict[str, Any] = dict(schema.get("$defs", {}))
    definitions[str(schema.get("title", "root"))] = schema
    for name in sorted(definitions):
        model = definitions[name]
        if "properties" not in model:
            continue
        lines += [f"## {name}", ""]
        if model.get("description"):
            lines += [" ".join(str(model["description"]).split()), ""]
        if model.get(SINCE):
            lines += [f"Since schema version {model[SINCE]}.", ""]
        required = set(model.get("required", []))
        rows = []
        for field, spec in model["properties"].items():
            meaning = str(spec.get("description", ""))
            if spec.get(SINCE):
                meaning = f"(since version {spec[SINCE]}) {meaning}".strip()
            rows.append(
                (
                    f"`{field}`",
                    _type_of(spec),
                    "yes" if field in required else "no",
                    meaning,
                )
            )
        lines += _table(["field", "type", "required", "meaning"], rows)
        lines.append("")
    return "\n".join(lines)


def _type_of(spec: Mapping[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "enum" in spec:
        return " / ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    for key in ("anyOf", "oneOf"):
        if key in spec:
            return " or ".join(_type_of(option) for option in spec[key])
    if spec.get("type") == "array":
        return f"list of {_type_of(spec.get('items', {}))}"
    if spec.get("type") == "object" and "additionalProperties" in spec:
        return f"map to {_type_of(spec['additionalProperties'])}"
    return str(spec.get("type", "any"))


def by_office_hours(in_hours: str, out_of_hours: str) -> str:
    """Both sides of a rule routed by office hours: ``X (in office hours) / Y (out of hours)``."""
    return f"{in_hours} (in office hours) / {out_of_hours} (out of hours)"


def _who(rule: Rule) -> str:
    """Who does it, and whom it goes to; a rule routed out of hours gives both sides."""
    if rule.responsible is not None:
        who = f"`{rule.responsible}`"
    else:
        who = f"allocation [`{rule.allocation}`](#allocation-{rule.allocation})"
    routed = rule.out_of_hours
    if routed is not None and routed.responsible is not None:
        who = by_office_hours(who, f"`{routed.responsible}`")
    recipients = ", ".join(f"`{r}`" for r in rule.recipients if r is not None)
    if routed is not None and routed.recipients is not None:
        recipients = by_office_hours(recipients, ", ".join(f"`{r}`" for r in routed.recipients))
    return who + (f"; **to:** {recipients}" if recipients else "")


def _quote(section: str, quote: str) -> str:
    return f"§{section}: “{quote}”"


def render_protocol(protocol: Protocol) -> str:
    """One area's page: metadata, risk, allocations and rules by topic, all cited."""
    p = protocol
    lines = [
        f"# {p.title}",
        "",
        "<!-- generated by tools/gen_docs.py from " + p.file + "; do not edit -->",
        "",
        f"- **Protocol id:** `{p.id}`, version {p.version}"
        + (f", effective {p.effective.isoformat()}" if p.effective else ""),
        f"- **Authorities:** {', '.join(p.authorities)}",
        f"- **Source:** {p.source_document}",
        f"- **Rules:** {len(p.rules)}; rule file `{p.file}`",
        "",
        "## Categories and police risk",
        "",
        "Police risk levels used: " + ", ".join(f"`{r.value}`" for r in p.police_risk_levels),
        "",
    ]
    lines += _table(
        ["category", "police risk", "derived when the timeline gives none", "source"],
        (
            (
                f"`{c.id}` ({c.label})",
                ", ".join(r.value for r in c.police_risk) or "-",
                describe(c.when) if c.when is not None else "never (must be given)",
                _quote(c.citation.section, c.citation.quote)
                + (f" *Note:* {c.note}" if c.note else ""),
            )
            for c in p.categories
        ),
    )
    if p.floors:
        lines += ["", "### Risk floors", ""]
        lines += _table(
            ["floor", "applies when", "forbids", "raises to", "source"],
            (
                (
                    f"`{f.id}`",
                    describe(f.when) if f.when is not None else "always",
                    ", ".join(sorted(r.value for r in f.forbid)),
                    f.raise_to.value,
                    _quote(f.citation.section, f.citation.quote)
                    + (f" *Note:* {f.note}" if f.note else ""),
                )
                for f in p.floors
            ),
        )
    lines += _ungraded_lines(p)
    lines += _also_lines(p)
    if p.allocations:
        lines += ["", "## Allocations (first match wins)", ""]
        for allocation in p.allocations.values():
            lines += [
                f'<a id="allocation-{allocation.id}"></a>',
                f"### {allocation.id}",
                "",
                allocation.description,
                "",
            ]
            lines += _table(
                ["#", "when", "role", "source"],
                (
                    (
                        str(n),
                        describe(o.when) if o.when is not None else "otherwise",
                        f"`{o.role}`",
                        _quote(o.citation.section, o.citation.quote)
                        + (f" *Note:* {o.note}" if o.note else ""),
                    )
                    for n, o in enumerate(allocation.options, start=1)
                ),
            )
            lines.append("")
    lines += _office_hours_lines(p)
    lines += _own_judgements(p)
    lines += ["", "## Rules by topic", ""]
    for topic in Topic:
        rules = [r for r in p.rules if r.topic is topic]
        if not rules:
            continue
        lines += [f"### {topic.value.replace('_', ' ').capitalize()}", ""]
        for rule in rules:
            lines += _render_rule(rule)
    if p.not_encoded:
        lines += ["## Read but not encoded", ""]
        lines += _table(
            ["passage", "why not"],
            ((_quote(x.citation.section, x.citation.quote), x.reason) for x in p.not_encoded),
        )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _office_hours_lines(protocol: Protocol) -> list[str]:
    """The area's office hours, for rules routed out of hours (none if it states none)."""
    hours = protocol.office_hours
    if hours is None:
        return []
    lines = ["", "## Office hours", "", f"{describe_office_hours(hours)}."]
    lines += ["", f"Source: {_quote(hours.citation.section, hours.citation.quote)}"]
    if hours.note:
        lines += ["", f"*Note:* {' '.join(hours.note.split())}"]
    return lines


def _out_of_hours_lines(rule: Rule) -> list[str]:
    """How a rule is routed when it fires out of office hours."""
    ooh = rule.out_of_hours
    if ooh is None:
        return []
    if not ooh.required:
        said = "not required (the duty arises only in office hours)"
    elif not ooh.in_hours_required:
        said = "required only out of office hours (in hours, no action)"
    else:
        parts = []
        if ooh.responsible is not None:
            parts.append(f"done by `{ooh.responsible}`")
        if ooh.recipients is not None:
            parts.append("sent to " + ", ".join(f"`{r}`" for r in ooh.recipients))
        said = " and ".join(parts)
    return [f"- **Out of office hours** (decided when the rule fires): {said}"]


def _render_rule(rule: Rule) -> list[str]:
    lines = [
        f'<a id="rule-{rule.id}"></a>',
        f"#### `{rule.id}`: {rule.action.replace('_', ' ')} ({rule.obligation.value})",
        "",
        f"- **Who:** {_who(rule)}",
        f"- **When:** {describe_trigger(rule.trigger)}"
        + (f", if {describe(rule.when)}" if rule.when is not None else ""),
        f"- **Deadline:** {describe_deadline(rule.deadline)}",
        *_out_of_hours_lines(rule),
        f"- **Source:** {_quote(rule.citation.section, rule.citation.quote)}",
    ]
    lines += [f"- **See also:** {_quote(x.section, x.quote)}" for x in rule.see_also]
    if rule.note:
        lines.append(f"- **Reading:** {' '.join(rule.note.split())}")
    lines.append(f"- **Rule file:** `{rule.source}`")
    return [*lines, ""]


def render_ambiguities(protocols: Sequence[Protocol]) -> str:
    """Every reading note of every protocol: where the text was ambiguous and how it was read."""
    lines = [
        "# Ambiguities, contradictions and how each was read",
        "",
        "<!-- generated by tools/gen_docs.py from rules/*.yaml; do not edit -->",
        "",
        "Every note in the rule files, gathered here. A note records a place where a protocol",
        "text is ambiguous, contradicts itself, or leaves a gap the rules had to fill, and the",
        "reading chosen. Passages read and deliberately not encoded are listed too.",
        "",
    ]
    for p in protocols:
        lines += [f"## {p.title} (`{p.id}`)", ""]
        items: list[tuple[str, str, str]] = []
        for c in p.categories:
            if c.note:
                items.append((f"category `{c.id}`", c.citation.section, c.note))
        for f in p.floors:
            if f.note:
                items.append((f"risk floor `{f.id}`", f.citation.section, f.note))
        for u in p.ungraded:
            if u.note:
                items.append((f"ungraded risk `{u.id}`", u.citation.section, u.note))
        for c in p.categories:
            for other in c.also:
                if other.note:
                    items.append(
                        (
                            f"category `{c.id}` also `{other.category}`",
                            other.citation.section,
                            other.note,
                        )
                    )
        for a in p.allocations.values():
            for n, o in enumerate(a.options, start=1):
                if o.note:
                    items.append((f"allocation `{a.id}` option {n}", o.citation.section, o.note))
        for r in p.rules:
            if r.note:
                ref = f"[rule `{r.id}`](protocols/{p.id}.md#rule-{r.id})"
                items.append((ref, r.citation.section, r.note))
        hours = p.office_hours
        if hours is not None and hours.note:
            items.insert(0, ("office hours", hours.citation.section, hours.note))
        lines += _table(["where", "section", "reading"], items)
        if p.not_encoded:
            lines += ["", "Not encoded:", ""]
            lines += [
                f"- §{x.citation.section}: {' '.join(x.reason.split())}" for x in p.not_encoded
            ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _ungraded_lines(p: Protocol) -> list[str]:
    """The levels an episode the police have not graded is held at (issue 10), as a table."""
    if not p.ungraded:
        return []
    lines = ["", "### Before the police grade the risk", ""]
    lines += _table(
        ["statement", "applies when", "held at", "source"],
        (
            (
                f"`{u.id}`",
                describe(u.when) if u.when is not None else "always",
                u.held_at.value,
                _quote(u.citation.section, u.citation.quote)
                + (f" *Note:* {u.note}" if u.note else ""),
            )
            for u in p.ungraded
        ),
    )
    return lines


def _judgements_section() -> list[str]:
    """The shared judgements and outcomes, who makes each and where it is recorded."""
    lines = ["", "## Shared judgements and outcomes", ""]
    lines += [
        "Recorded on an episode (`judgements`, timeline schema version 3) and tested by "
        "`{fact: judgements, has: CODE}`; a rule file may declare its own under "
        "`extra_judgements`. See [the rule language](../rule-language.md#judgements-and-outcomes).",
        "",
    ]
    lines += _table(
        ["judgement", "who makes it, where it is recorded"],
        ((f"`{k}`", v) for k, v in JUDGEMENTS.items()),
    )
    return lines


def _also_lines(p: Protocol) -> list[str]:
    """The categories an episode of a category is also in (issue 10), as a table."""
    rows = [(c, a) for c in p.categories for a in c.also]
    if not rows:
        return []
    lines = ["", "### Episodes in two categories", ""]
    lines += _table(
        ["category", "is also", "when", "source"],
        (
            (
                f"`{c.id}`",
                f"`{a.category}`",
                describe(a.when) if a.when is not None else "always",
                _quote(a.citation.section, a.citation.quote)
                + (f" *Note:* {a.note}" if a.note else ""),
            )
            for c, a in rows
        ),
    )
    return lines


def _own_judgements(protocol: Protocol) -> list[str]:
    """The judgements a rule file declares beyond the shared vocabulary."""
    own = [(k, v) for k, v in protocol.judgements.items() if k not in JUDGEMENTS]
    if not own:
        return []
    lines = ["", "## The area's own judgements and outcomes", ""]
    lines += _table(
        ["judgement", "who makes it, where it is recorded"], ((f"`{k}`", v) for k, v in own)
    )
    return lines

"""Comparisons rendered for people and programs.

Takes the plain data of :mod:`missing_protocol.compare` and formats it:

* the rules matrix as Markdown, as one self-contained HTML file (inline CSS,
  no scripts, no external resources, printable; every citation links to the
  quoted passage further down the same page), as CSV (one row per cell) and
  as JSON;
* the scenario comparison, the out-of-area placement and the version diff as
  plain text (and JSON);
* the disagreement witnesses as Markdown and HTML sections.

The ``compare`` subcommand in :mod:`missing_protocol.cli` calls these.
Nothing here evaluates or compares anything itself.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from .compare import (
    CitationRef,
    Entry,
    Matrix,
    MatrixCell,
    PairWitnesses,
    PlacementEvaluation,
    ProtocolDiff,
    ScenarioAction,
    ScenarioComparison,
    describe_due,
)
from .explain import format_moment

__all__ = [
    "COMPARISON_SCHEMA_VERSION",
    "comparison_json",
    "comparison_jsonable",
    "render_diff_text",
    "render_matrix_csv",
    "render_matrix_html",
    "render_matrix_markdown",
    "render_placement_text",
    "render_scenario_text",
    "render_witnesses_markdown",
]

COMPARISON_SCHEMA_VERSION = 1

LEGEND = (
    ("must / should / consider", "how strongly the text puts the duty"),
    ("when …, if …", "what triggers the duty, and the condition under which it applies"),
    ("due …", "the deadline; “no time limit stated” means the text sets none"),
    ("by …", "who does it; an allocation lists its options in order, first match wins"),
    ("§ link", "the protocol section; it leads to the quoted passage and the rule file line"),
    ("not covered", "the protocol says nothing that was encoded on this item"),
    ("same in all", "every protocol covers the item in the same words (citations aside)"),
)


# --- Markdown -------------------------------------------------------------------


def _md(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _due(deadline: str) -> str:
    return deadline if deadline.startswith("no ") else f"due {deadline}"


def _entry_md(entry: Entry) -> str:
    parts = []
    if entry.obligation:
        parts.append(f"**{entry.obligation}**")
    parts.append(_md(entry.value))
    if entry.deadline:
        parts.append(_md(_due(entry.deadline)))
    if entry.who:
        parts.append(f"by {_md(entry.who)}")
    if entry.citation is not None:
        c = entry.citation
        parts.append(f"[§{_md(c.section)} `{c.item}`](#{c.anchor})")
    return " · ".join(parts)


def _cell_md(cell: MatrixCell) -> str:
    if not cell.covered:
        return "*not covered*"
    return "<br>".join(_entry_md(e) for e in cell.entries)


def _quote_line_md(ref: CitationRef) -> str:
    return (
        f'- <a id="{ref.anchor}"></a>**§{_md(ref.section)}** “{_md(ref.quote)}” '
        f"({ref.item}, `{ref.source}`)"
    )


def render_matrix_markdown(matrix: Matrix, title: str = "Protocols compared") -> str:
    """The matrix as Markdown: a table per section, then every cited passage with an anchor."""
    lines = [f"# {title}", ""]
    lines += ["| column | protocol | version | rule file |", "|---|---|---|---|"]
    lines += [
        f"| `{p.key}` | {_md(p.title)} | {p.version} | `{p.file}` |" for p in matrix.protocols
    ]
    lines += ["", "**Legend.** " + "; ".join(f"*{k}*: {v}" for k, v in LEGEND) + ".", ""]
    for section in matrix.sections:
        lines += [f"## {section.title}", ""]
        lines.append("| item | " + " | ".join(f"`{p.key}`" for p in matrix.protocols) + " |")
        lines.append("|---" * (len(matrix.protocols) + 1) + "|")
        for row in section.rows:
            label = f"`{row.label}`" + (" (same in all)" if row.agree else "")
            lines.append(f"| {label} | " + " | ".join(_cell_md(c) for c in row.cells) + " |")
        lines.append("")
    lines += ["## Cited passages", ""]
    for p in matrix.protocols:
        refs = [r for r in matrix.citations if r.protocol == p.key]
        if refs:
            lines += [f"### {_md(p.title)} (`{p.key}`)", ""]
            lines += [_quote_line_md(r) for r in refs]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_witnesses_markdown(pairs: Sequence[PairWitnesses]) -> str:
    """For each pair of protocols, the smallest generated timeline showing each difference."""
    lines = [
        "## Disagreements on generated timelines",
        "",
        "Each pair of protocols was run on the same grid of generated timelines (ages 10 to",
        "17, case statuses, police risk levels, whereabouts known or not, missing from home",
        "or care, back just under or over 24, 48 and 72 hours, 7 and 28 days, one to five",
        "episodes 14 days apart). For the last episode, the kinds of action each requires",
        "are compared, and for kinds both require, the earliest deadline. Each line gives",
        "the smallest timeline found (fewest episodes, then shortest, then fewest fields",
        "set) that shows the difference. A difference may come from a real difference",
        "between the texts or from how each was read: follow the rule ids to the notes.",
        "",
    ]
    for pair in pairs:
        lines += [
            f"### `{pair.a}` and `{pair.b}`",
            "",
            f"{pair.searched} timelines compared; {len(pair.witnesses)} differences.",
            "",
        ]
        if not pair.witnesses:
            lines += ["No difference found on the grid.", ""]
            continue
        lines += ["| action kind | difference | smallest timeline | detail |", "|---|---|---|---|"]
        for w in pair.witnesses:
            what = f"only `{w.only_in}`" if w.only_in else "deadline"
            lines.append(f"| `{w.kind}` | {what} | {_md(w.description)} | {_md(w.detail)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- HTML -----------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;
line-height:1.35;color:#111;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:0 0 1.5rem;font-size:.82rem}
th,td{border:1px solid #bbb;padding:.3rem .45rem;vertical-align:top;text-align:left}
thead th{background:#e8e8e8}
th[scope=row]{background:#f7f7f7;white-space:nowrap}
tr.same th[scope=row]::after{content:" \\2713 same in all";font-weight:normal;color:#2e7d32}
td.none{color:#666;font-style:italic;background:#f3f3f3}
.entry+.entry{border-top:1px dashed #bbb;margin-top:.35rem;padding-top:.35rem}
.ob{display:inline-block;font-weight:bold;padding:0 .3em;border-radius:3px;font-size:.75rem;
color:#fff}
.ob-must{background:#b71c1c}.ob-should{background:#e65100}.ob-consider{background:#0d47a1}
.due,.who{display:block;color:#333}
a.cite{font-weight:bold;white-space:nowrap}
li{margin:.2rem 0}
:target{outline:3px solid #f9a825;background:#fff8e1}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.legend dt{font-weight:bold}dl.legend dd{margin:0}
code{font-size:.9em}
@media print{body{margin:0;font-size:10pt}thead{display:table-header-group}
tr{break-inside:avoid}a{color:inherit;text-decoration:none}
nav{display:none}:target{outline:none;background:none}}
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _entry_html(entry: Entry) -> str:
    parts = ['<div class="entry">']
    if entry.obligation:
        ob = _h(entry.obligation)
        parts.append(f'<span class="ob ob-{ob}">{ob}</span> ')
    parts.append(_h(entry.value))
    if entry.deadline:
        parts.append(f'<span class="due">{_h(_due(entry.deadline))}</span>')
    if entry.who:
        parts.append(f'<span class="who">by {_h(entry.who)}</span>')
    if entry.citation is not None:
        c = entry.citation
        parts.append(
            f' <a class="cite" href="#{_h(c.anchor)}" title="{_h(c.item)}">§{_h(c.section)}</a>'
        )
        parts += [
            f' <a href="#{_h(s.anchor)}" title="{_h(s.item)}">[{n}]</a>'
            for n, s in enumerate(entry.supporting, start=1)
        ]
    parts.append("</div>")
    return "".join(parts)


def _cell_html(cell: MatrixCell) -> str:
    if not cell.covered:
        return '<td class="none">not covered</td>'
    return "<td>" + "".join(_entry_html(e) for e in cell.entries) + "</td>"


def render_matrix_html(
    matrix: Matrix,
    title: str = "Protocols compared",
    witnesses: Sequence[PairWitnesses] = (),
    intro: str = "",
) -> str:
    """The matrix (and any witnesses) as one self-contained, printable HTML page."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(title)}</h1>",
    ]
    if intro:
        out.append(f"<p>{_h(intro)}</p>")
    out.append('<table id="protocols"><thead><tr><th>column</th><th>protocol</th>')
    out.append("<th>version</th><th>rule file</th></tr></thead><tbody>")
    for p in matrix.protocols:
        out.append(
            f"<tr><td><code>{_h(p.key)}</code></td><td>{_h(p.title)}</td>"
            f"<td>{_h(p.version)}</td><td><code>{_h(p.file)}</code></td></tr>"
        )
    out.append("</tbody></table>")
    out.append('<section id="legend"><h2>Legend</h2><dl class="legend">')
    out += [f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in LEGEND]
    out.append("</dl></section>")
    out.append("<nav><h2>Contents</h2><ul>")
    out += [f'<li><a href="#s-{s.key}">{_h(s.title)}</a></li>' for s in matrix.sections]
    if witnesses:
        out.append('<li><a href="#witnesses">Disagreements on generated timelines</a></li>')
    out.append('<li><a href="#quotes">Cited passages</a></li></ul></nav>')
    head = "".join(f'<th scope="col">{_h(p.key)}</th>' for p in matrix.protocols)
    for section in matrix.sections:
        out.append(f'<section id="s-{_h(section.key)}"><h2>{_h(section.title)}</h2>')
        out.append(f'<table><thead><tr><th scope="col">item</th>{head}</tr></thead><tbody>')
        for row in section.rows:
            cls = ' class="same"' if row.agree else ""
            cells = "".join(_cell_html(c) for c in row.cells)
            out.append(f'<tr{cls}><th scope="row">{_h(row.label)}</th>{cells}</tr>')
        out.append("</tbody></table></section>")
    if witnesses:
        out.append(_witnesses_html(witnesses))
    out.append('<section id="quotes"><h2>Cited passages</h2>')
    for p in matrix.protocols:
        refs = [r for r in matrix.citations if r.protocol == p.key]
        if not refs:
            continue
        out.append(f"<h3>{_h(p.title)} (<code>{_h(p.key)}</code>)</h3><ul>")
        out += [
            f'<li id="{_h(r.anchor)}"><b>§{_h(r.section)}</b> “{_h(r.quote)}” '
            f"({_h(r.item)}, <code>{_h(r.source)}</code>)</li>"
            for r in refs
        ]
        out.append("</ul>")
    out += ["</section>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _witnesses_html(pairs: Sequence[PairWitnesses]) -> str:
    out = [
        '<section id="witnesses"><h2>Disagreements on generated timelines</h2>',
        "<p>For each pair, the smallest generated timeline found on which the protocols "
        "require different kinds of action for the last episode, or different earliest "
        "deadlines for a kind both require.</p>",
    ]
    for pair in pairs:
        out.append(
            f"<h3>{_h(pair.a)} and {_h(pair.b)}</h3><p>{pair.searched} timelines compared; "
            f"{len(pair.witnesses)} differences.</p>"
        )
        if not pair.witnesses:
            continue
        out.append(
            '<table><thead><tr><th scope="col">action kind</th><th scope="col">difference</th>'
            '<th scope="col">smallest timeline</th><th scope="col">detail</th></tr></thead>'
            "<tbody>"
        )
        for w in pair.witnesses:
            what = f"only {w.only_in}" if w.only_in else "deadline"
            out.append(
                f'<tr><th scope="row">{_h(w.kind)}</th><td>{_h(what)}</td>'
                f"<td>{_h(w.description)}</td><td>{_h(w.detail)}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


# --- CSV ------------------------------------------------------------------------

CSV_COLUMNS = (
    "section",
    "row",
    "label",
    "protocol",
    "covered",
    "obligation",
    "value",
    "deadline",
    "who",
    "section_cited",
    "quote",
    "item",
    "source",
)


def render_matrix_csv(matrix: Matrix) -> str:
    """One CSV row per cell; a cell's several entries are separated by newlines in each field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for section in matrix.sections:
        for row in section.rows:
            for cell in row.cells:
                entries = cell.entries

                def col(get: Any, entries: Sequence[Entry] = entries) -> str:
                    return "\n".join(get(e) or "" for e in entries)

                writer.writerow(
                    (
                        section.key,
                        row.key,
                        row.label,
                        cell.protocol,
                        "yes" if cell.covered else "no",
                        col(lambda e: e.obligation),
                        col(lambda e: e.value),
                        col(lambda e: e.deadline),
                        col(lambda e: e.who),
                        col(lambda e: e.citation and e.citation.section),
                        col(lambda e: e.citation and e.citation.quote),
                        col(lambda e: e.citation and e.citation.item),
                        col(lambda e: e.citation and e.citation.source),
                    )
                )
    return buffer.getvalue()


# --- JSON -----------------------------------------------------------------------

Comparison = Matrix | ScenarioComparison | PlacementEvaluation | ProtocolDiff
_KINDS: dict[type[Any], str] = {
    Matrix: "matrix",
    ScenarioComparison: "scenario",
    PlacementEvaluation: "placement",
    ProtocolDiff: "diff",
}


def comparison_jsonable(
    value: Comparison | Sequence[PairWitnesses],
    witnesses: Sequence[PairWitnesses] = (),
) -> dict[str, Any]:
    """JSON-ready data: ``{"schema_version", "comparison": kind, ...the fields}``."""
    if isinstance(value, Matrix | ScenarioComparison | PlacementEvaluation | ProtocolDiff):
        kind = _KINDS[type(value)]
        adapter: TypeAdapter[Any] = TypeAdapter(type(value))
        data: dict[str, Any] = adapter.dump_python(value, mode="json")
    else:
        kind = "witnesses"
        data = {}
        witnesses = tuple(value)
    out = {"schema_version": COMPARISON_SCHEMA_VERSION, "comparison": kind, **data}
    if witnesses:
        out["witnesses"] = TypeAdapter(tuple[PairWitnesses, ...]).dump_python(
            tuple(witnesses), mode="json"
        )
    return out


def comparison_json(
    value: Comparison | Sequence[PairWitnesses],
    witnesses: Sequence[PairWitnesses] = (),
    *,
    indent: int | None = 2,
) -> str:
    """:func:`comparison_jsonable` as JSON text."""
    return json.dumps(comparison_jsonable(value, witnesses), indent=indent, ensure_ascii=False)


# --- plain text -----------------------------------------------------------------


def _action_text(a: ScenarioAction) -> str:
    occurrence = f" #{a.occurrence}" if a.occurrence else ""
    return (
        f"{a.obligation}, by {a.responsible}, {describe_due(a.due_at)}, {a.status}"
        f" [{a.rule_id}{occurrence}]"
    )


def render_scenario_text(comparison: ScenarioComparison) -> str:
    """The scenario comparison as text: each protocol's episodes, then the aligned actions."""
    c = comparison
    width = max(len(p.key) for p in c.protocols)
    lines = [
        f"Child {c.child_id} as at {format_moment(c.as_of)}, under "
        + "; ".join(f"{p.key} (version {p.version})" for p in c.protocols),
        "",
        "Episodes (each protocol derives its own category):",
    ]
    for o in c.outcomes:
        if o.evaluation is None:
            lines.append(f"  {o.protocol.ljust(width)}  cannot evaluate this timeline:")
            lines += [f"    {line}" for p in o.problems for line in p.splitlines()]
            continue
        for e in o.evaluation.episodes:
            risk = e.police_risk or "not assessed"
            if e.risk_raised_by:
                risk += f" (raised from {e.police_risk_recorded} by {e.risk_raised_by})"
            lines.append(f"  {o.protocol.ljust(width)}  {e.episode_id}: {e.category}, risk {risk}")
    differing = sum(1 for r in c.rows if r.differences)
    lines += ["", f"Actions ({len(c.rows)} aligned, {differing} differ):"]
    for row in c.rows:
        to = f" to {row.recipient}" if row.recipient else ""
        mark = "≠" if row.differences else "="
        lines.append(f"{mark} {row.episode_id} {row.kind}{to}")
        for cell in row.cells:
            name = cell.protocol.ljust(width)
            if not cell.evaluated:
                lines.append(f"    {name}  not evaluated")
            elif not cell.actions:
                lines.append(f"    {name}  not required")
            else:
                lines += [f"    {name}  {_action_text(a)}" for a in cell.actions]
        lines += [f"    ! {d.detail}" for d in row.differences]
    return "\n".join(lines) + "\n"


def render_placement_text(placement: PlacementEvaluation) -> str:
    """The placement as text: every action tagged with its protocol, then the hand-offs."""
    p = placement
    lines = [
        f"Child {p.child_id} as at {format_moment(p.as_of)}: looked after by "
        f"{p.responsible.protocol} (responsible), placed in {p.host.protocol} (host)",
    ]
    for o, role in ((p.responsible, "responsible"), (p.host, "host")):
        if o.evaluation is None:
            lines.append(f"{role} protocol {o.protocol} cannot evaluate this timeline:")
            lines += [f"  {line}" for prob in o.problems for line in prob.splitlines()]
    lines += ["", "Actions:"]
    for t in p.actions:
        a = t.action
        to = f" to {a.recipient}" if a.recipient else ""
        flag = "  (hand-off)" if t.handoff else ""
        lines.append(
            f"  [{t.side.value} {t.protocol_id}] {a.episode_id} {a.kind}{to} ({a.obligation}) "
            f"by {a.responsible}, {describe_due(a.due_at)}, {a.status.value} "
            f"[{a.rule_id}]{flag}"
        )
    lines += ["", "Hand-offs (host asks, responsible authority does):"]
    if not p.handoffs:
        lines.append("  none")
    for h in p.handoffs:
        a = h.host_action
        lines.append(f"  {p.host.protocol} {a.kind} for {a.episode_id} [{a.rule_id}]: {h.reason}")
        if not h.responsible_actions:
            lines.append(f"    -> {p.responsible.protocol} requires nothing matching")
        for r in h.responsible_actions:
            lines.append(
                f"    -> {p.responsible.protocol} {r.kind} ({r.obligation}) by {r.responsible}, "
                f"{describe_due(r.due_at)}, {r.status.value} [{r.rule_id}]"
            )
    return "\n".join(lines) + "\n"


def render_diff_text(diff: ProtocolDiff) -> str:
    """The version diff as text: ``+`` added, ``-`` removed, ``~`` changed, field by field."""
    d = diff
    lines = [
        f"{d.old.id} version {d.old.version} ({d.old.file}) -> "
        f"{d.new.id} version {d.new.version} ({d.new.file})"
    ]
    if d.empty:
        return lines[0] + "\nNo differences.\n"
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for title, items in (("Rules", d.rules), ("Risk and allocations", d.risk_and_allocations)):
        if not items:
            continue
        lines += ["", f"{title}:"]
        for item in items:
            lines.append(f"  {marks[item.status]} {item.item} ({item.status})")
            for ch in item.changes:
                lines += [f"      {ch.field}:", f"        - {ch.old}", f"        + {ch.new}"]
    if d.metadata:
        lines += ["", "Metadata:"]
        lines += [f"  {ch.field}: {ch.old} -> {ch.new}" for ch in d.metadata]
    return "\n".join(lines) + "\n"


# --- the command ----------------------------------------------------------------

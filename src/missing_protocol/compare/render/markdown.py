"""The rules matrix, topic summaries, ladders and witnesses as Markdown, in plain words.

Every cell is written in the phrasebook's words (:mod:`missing_protocol.phrases`);
each row and citation keeps an anchor, so links from elsewhere on the page
(and from the ladders' tables) land on the row or the quoted passage.
"""

from __future__ import annotations

from collections.abc import Sequence

from missing_protocol.compare.common import CitationRef, row_anchor
from missing_protocol.compare.ladder import Ladder
from missing_protocol.compare.matrix import Entry, Matrix, MatrixCell, row_words
from missing_protocol.compare.summaries import TopicSummary
from missing_protocol.compare.witnesses import PairWitnesses

from .ladder import SHAPES, column_label, first_duties, first_text

__all__ = [
    "LEGEND",
    "ladder_table_markdown",
    "render_matrix_markdown",
    "render_witnesses_markdown",
]

LEGEND = (
    ("■ must, ▲ should, ○ consider", "how strongly the text puts the duty"),
    ("on …, still missing after …, if …", "what starts the duty, and for which children"),
    ("within …, immediately", "the deadline; “no time limit stated” means the text sets none"),
    ("by …", "who does it; where the text gives a choice, the first that fits"),
    (
        "… (in office hours) / … (out of hours)",
        "who does it, or whom it goes to, by when the duty arises; a notice is listed under "
        "each recipient, in hours and out of hours",
    ),
    ("§ link", "the protocol section; it leads to the quoted passage and the rule file line"),
    ("not covered", "the protocol says nothing that was encoded on this item"),
    ("same in all", "every protocol covers the item in the same words (citations aside)"),
)


def _md(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _entry_md(entry: Entry) -> str:
    w = entry.words
    parts = []
    if entry.obligation:
        parts.append(f"**{SHAPES.get(entry.obligation, '')} {entry.obligation}**")
    parts.append(_md(w.value))
    if w.deadline:
        parts.append(_md(w.deadline))
    if w.who:
        parts.append(f"by {_md(w.who)}")
    if entry.citation is not None:
        parts.append(f"[§{_md(entry.citation.section)}](#{entry.citation.anchor})")
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


def ladder_table_markdown(ladder: Ladder) -> list[str]:
    """How soon each duty first arises, per area: the ladder in one table."""
    columns, rows = first_duties(ladder)
    lines = [
        "| area | " + " | ".join(column_label(c) for c in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for lane, firsts in rows:
        cells = ["–" if m is None else f"[{first_text(m)}](#{m.anchor})" for m in firsts]
        name = lane.protocol.name + (" (cannot evaluate)" if lane.problems else "")
        lines.append(f"| {_md(name)} | " + " | ".join(cells) + " |")
    return lines


def render_matrix_markdown(
    matrix: Matrix,
    title: str = "Protocols compared",
    *,
    summaries: Sequence[TopicSummary] = (),
    ladders: Sequence[Ladder] = (),
) -> str:
    """The matrix as Markdown: ladders, then a table per topic under its summary, then quotes."""
    lines = [f"# {title}", ""]
    lines += ["| column | protocol | version | rule file |", "|---|---|---|---|"]
    lines += [
        f"| {_md(p.name)} (`{p.key}`) | {_md(p.title)} | {p.version} | `{p.file}` |"
        for p in matrix.protocols
    ]
    lines += ["", "**Legend.** " + "; ".join(f"*{k}*: {v}" for k, v in LEGEND) + ".", ""]
    if ladders:
        lines += [
            "## When each area's duties arise",
            "",
            "For each child below, how long after going missing each duty most areas share (and",
            "any senior escalation or recurring review) first becomes required in each area",
            "(■ must, ▲ should, ○ consider), from evaluating the child under every protocol",
            "three months on, never returned. Each time links to the quoted passage.",
            "",
        ]
        for lad in ladders:
            lines += [f"### {_md(lad.title)}", "", _md(lad.description), ""]
            lines += [*ladder_table_markdown(lad), ""]
    said = {s.section: s for s in summaries}
    head = " | ".join(_md(p.name) for p in matrix.protocols)
    for section in matrix.sections:
        lines += [f"## {section.title}", ""]
        if section.key in said and said[section.key].sentences:
            lines += [f"- {_md(s)}" for s in said[section.key].sentences]
            lines.append("")
        lines += [f"| item | {head} |", "|---" * (len(matrix.protocols) + 1) + "|"]
        for row in section.rows:
            label = f'<a id="{row_anchor(row.key)}"></a>{_md(row.words)}'
            label += " (same in all)" if row.agree else ""
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
        "episodes 14 days apart). For every episode, the duties each requires are compared",
        "by action kind and recipient, and for duties both require, the earliest deadline.",
        "Each line gives the smallest timeline found (fewest episodes, then shortest, then",
        "fewest fields set) that shows the difference. A difference may come from a real",
        "difference between the texts or from how each was read: follow the rule ids to",
        "the notes.",
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
        lines += ["| duty | difference | smallest timeline | detail |", "|---|---|---|---|"]
        for w in pair.witnesses:
            what = f"only `{w.only_in}`" if w.only_in else "deadline"
            lines.append(
                f"| {_md(row_words(w.kind, w.recipient))} | {what} | "
                f"{_md(w.description)} | {_md(w.detail)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"

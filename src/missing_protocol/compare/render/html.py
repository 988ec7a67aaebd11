"""The comparison as one self-contained HTML page: readable, fits the screen, prints.

The page opens with the escalation ladders of the standard children, then
each topic's summary sentences above its table, then the disagreement
witnesses and every cited passage. Cells are in the phrasebook's words; the
rule language's codes are on hover (``title``). Inline CSS and SVG, no
scripts, nothing fetched. Tables have a fixed layout and long words wrap, so
nothing scrolls sideways at 1,280 pixels; ``@page`` asks for A4 landscape.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from missing_protocol.compare.common import row_anchor
from missing_protocol.compare.ladder import Ladder, LadderMarker
from missing_protocol.compare.matrix import Entry, Matrix, MatrixCell, row_words
from missing_protocol.compare.summaries import TopicSummary
from missing_protocol.compare.witnesses import PairWitnesses
from missing_protocol.explain import format_moment

from .ladder import SHAPES, column_label, first_duties, first_text, ladder_svg, since
from .markdown import LEGEND

__all__ = ["render_ladder_html", "render_matrix_html"]

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1rem 1.25rem;
line-height:1.35;color:#111;background:#fff;font-size:15px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:0 0 1.5rem;font-size:.8rem;table-layout:fixed}
th,td{border:1px solid #bbb;padding:.3rem .4rem;vertical-align:top;text-align:left;
overflow-wrap:anywhere}
thead th{background:#e8e8e8}
th[scope=row]{background:#f7f7f7;width:13%}
table.protocols th:first-child,table.protocols td:first-child{width:14%}
table.protocols td:nth-child(3){width:8%}
tr.same th[scope=row]::after{content:" \\2713 same in all";font-weight:normal;color:#2e7d32}
td.none{color:#555;font-style:italic;background:#f3f3f3}
.entry+.entry{border-top:1px dashed #bbb;margin-top:.35rem;padding-top:.35rem}
.ob{display:inline-block;font-weight:bold;padding:0 .3em;border-radius:3px;font-size:.75rem;
color:#fff}
.ob-must{background:#b71c1c}.ob-should{background:#e65100}.ob-consider{background:#0d47a1}
.due,.who{display:block;color:#333}
a.cite{font-weight:bold}
ul.summary{margin:.2rem 0 .8rem;padding-left:1.2rem}ul.summary li{margin:.15rem 0}
li{margin:.2rem 0}
:target{outline:3px solid #f9a825;background:#fff8e1}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.legend dt{font-weight:bold}dl.legend dd{margin:0}
code{font-size:.9em}
nav ul{columns:2;padding-left:1.2rem}
figure.ladder{margin:0 0 1.5rem;padding:0}
figure.ladder p.child{margin:.2rem 0 .5rem;font-size:.85rem;color:#333}
svg.ladder{display:block;width:100%;height:auto;font-size:11px}
svg.ladder text.area{font-weight:bold;font-size:12px}
svg.ladder text.cat,svg.ladder text.tl{font-size:10px;fill:#333}
svg.ladder line.sep{stroke:#999}svg.ladder line.tick{stroke:#ddd}
svg.ladder line.ret{stroke:#000;stroke-dasharray:4 3}
svg.ladder .m{stroke:#000;stroke-width:1}
svg.ladder .m-must{fill:#b71c1c}svg.ladder .m-should{fill:#ffb74d}
svg.ladder .m-consider{fill:#fff;stroke:#0d47a1;stroke-width:1.5}
svg.ladder path.rep{stroke:#444;stroke-width:1;fill:none}
figcaption{font-size:.8rem;margin:.3rem 0}
table.firsts td,table.firsts th{text-align:center}
table.firsts th:first-child,table.firsts td:first-child{text-align:left;width:12%}
table.duties td:first-child{width:9%}table.duties td:nth-child(2){width:11%}
table.duties td:nth-child(3){width:9%}table.duties td:last-child{width:7%}
details summary{cursor:pointer;font-size:.85rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@page{size:A4 landscape;margin:10mm}
@media print{body{margin:0;font-size:8.5pt}table{font-size:7.5pt}
thead{display:table-header-group}tr{break-inside:avoid}
figure.ladder+figure.ladder,#protocols-table{break-before:page}
svg.ladder{max-height:100mm;width:auto;max-width:100%;margin:0 auto}
figure.ladder p.child,figcaption{font-size:7.5pt}
h2,h3{break-after:avoid}a{color:inherit;text-decoration:none}
nav,details{display:none}:target{outline:none;background:none}
.ob{color:#000;background:none;border:1px solid #000}}
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _badge(obligation: str) -> str:
    ob = _h(obligation)
    return f'<span class="ob ob-{ob}">{SHAPES.get(obligation, "")} {ob}</span>'


def _entry_html(entry: Entry) -> str:
    codes = " · ".join(
        x
        for x in (entry.obligation, entry.value, entry.deadline, entry.who and f"by {entry.who}")
        if x
    )
    w = entry.words
    parts = [f'<div class="entry" title="{_h(codes)}">']
    if entry.obligation:
        parts.append(_badge(entry.obligation) + " ")
    parts.append(_h(w.value))
    if w.deadline:
        parts.append(f'<span class="due">{_h(w.deadline)}</span>')
    if w.who:
        parts.append(f'<span class="who">by {_h(w.who)}</span>')
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


def _head(title: str) -> list[str]:
    return [
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


def _legend() -> list[str]:
    out = ['<section id="legend"><h2>Legend</h2><dl class="legend">']
    out += [f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in LEGEND]
    out.append(
        "<dt>codes</dt><dd>hover over an entry, row or column to see it in the rule "
        "language (the CSV and JSON forms use those codes)</dd>"
    )
    out.append("</dl></section>")
    return out


def _first_cell(m: LadderMarker | None) -> str:
    if m is None:
        return "<td>–</td>"
    tip = f"{m.obligation} {m.words}, by {m.who}"
    return f'<td><a href="#{_h(m.anchor)}" title="{_h(tip)}">{_h(first_text(m))}</a></td>'


def _firsts_html(ladder: Ladder) -> str:
    columns, rows = first_duties(ladder)
    head = "".join(f'<th scope="col">{_h(column_label(c))}</th>' for c in columns)
    out = [
        '<table class="firsts"><caption class="sr">How soon each duty first arises, '
        "time since going missing</caption>",
        f'<thead><tr><th scope="col">area</th>{head}</tr></thead><tbody>',
    ]
    for lane, firsts in rows:
        cells = "".join(_first_cell(m) for m in firsts)
        out.append(f'<tr><th scope="row">{_h(lane.protocol.name)}</th>{cells}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _duty_rows(ladder: Ladder, rows: bool) -> list[str]:
    out = []
    for lane in ladder.lanes:
        for m in lane.markers:
            if m.repeat:
                continue
            again = sum(
                1
                for r in lane.markers
                if r.repeat and r.rule_id == m.rule_id and r.recipient == m.recipient
            )
            duty = _h(m.words) + (f" (then {again} more)" if again else "")
            if rows:
                duty = f'<a href="#{_h(row_anchor(m.row))}">{duty}</a>'
            out.append(
                f"<tr><td>{_h(since(m.hours))}</td><td>{_h(lane.protocol.name)}</td>"
                f'<td>{_badge(m.obligation)}</td><td title="{_h(m.kind)}">{duty}</td>'
                f"<td>{_h(m.who)}</td>"
                f'<td><a href="#{_h(m.anchor)}" title="{_h(m.rule_id)}">§{_h(m.section)}</a></td>'
                "</tr>"
            )
    return out


def _ladder_figure(ladder: Ladder, *, rows: bool, open_list: bool = False) -> str:
    duties = _duty_rows(ladder, rows)
    return "\n".join(
        [
            f'<figure class="ladder" id="l-{_h(ladder.key)}">',
            f"<h3>{_h(ladder.title)}</h3>",
            f'<p class="child">{_h(ladder.description)}</p>' if ladder.description else "",
            ladder_svg(ladder),
            "<figcaption>Time since going missing, on a stretched scale so the first hours "
            "can be read; one lane per area. ■ must, ▲ should, ○ consider; stacked marks "
            "arise at the same moment; short ticks along a lane's foot are a recurring duty "
            "arising again. Every mark links to its quoted passage. As at "
            f"{_h(format_moment(ladder.as_of))}.</figcaption>",
            _firsts_html(ladder),
            f"<details{' open' if open_list else ''}><summary>Every duty for this child, "
            f"in time order ({len(duties)})</summary>",
            '<table class="duties"><thead><tr><th scope="col">since missing</th>'
            '<th scope="col">area</th><th scope="col">how</th><th scope="col">duty</th>'
            '<th scope="col">by</th><th scope="col">§</th></tr></thead><tbody>',
            *duties,
            "</tbody></table></details>",
            "</figure>",
        ]
    )


def render_matrix_html(
    matrix: Matrix,
    title: str = "Protocols compared",
    witnesses: Sequence[PairWitnesses] = (),
    intro: str = "",
    *,
    summaries: Sequence[TopicSummary] = (),
    ladders: Sequence[Ladder] = (),
) -> str:
    """The comparison as one self-contained, printable HTML page."""
    out = _head(title)
    if intro:
        out.append(f"<p>{_h(intro)}</p>")
    if ladders:
        out.append('<section id="ladders"><h2>When each area\'s duties arise</h2>')
        out.append(
            "<p>Each child below was evaluated under every protocol, three months after going "
            "missing and never returned. Each mark is a duty becoming required; the table under "
            "each picture gives how soon each duty most areas share (and any senior escalation "
            "or recurring review) first arises.</p>"
        )
        out += [_ladder_figure(lad, rows=True) for lad in ladders]
        out.append("</section>")
    out.append('<table class="protocols" id="protocols-table"><thead><tr><th>area</th>')
    out.append("<th>protocol</th>")
    out.append("<th>version</th><th>rule file</th></tr></thead><tbody>")
    for p in matrix.protocols:
        out.append(
            f"<tr><td>{_h(p.name)} (<code>{_h(p.key)}</code>)</td><td>{_h(p.title)}</td>"
            f"<td>{_h(p.version)}</td><td><code>{_h(p.file)}</code></td></tr>"
        )
    out.append("</tbody></table>")
    out += _legend()
    out.append("<nav><h2>Contents</h2><ul>")
    if ladders:
        out.append('<li><a href="#ladders">When each area\'s duties arise</a></li>')
    out += [f'<li><a href="#s-{s.key}">{_h(s.title)}</a></li>' for s in matrix.sections]
    if witnesses:
        out.append('<li><a href="#witnesses">Disagreements on generated timelines</a></li>')
    out.append('<li><a href="#quotes">Cited passages</a></li></ul></nav>')
    head = "".join(
        f'<th scope="col" title="{_h(p.key)}: {_h(p.title)}">{_h(p.name)}</th>'
        for p in matrix.protocols
    )
    said = {s.section: s.sentences for s in summaries}
    for section in matrix.sections:
        out.append(f'<section id="s-{_h(section.key)}"><h2>{_h(section.title)}</h2>')
        if said.get(section.key):
            out.append('<ul class="summary">')
            out += [f"<li>{_h(s)}</li>" for s in said[section.key]]
            out.append("</ul>")
        out.append(f'<table><thead><tr><th scope="col">item</th>{head}</tr></thead><tbody>')
        for row in section.rows:
            cls = ' class="same"' if row.agree else ""
            cells = "".join(_cell_html(c) for c in row.cells)
            out.append(
                f'<tr{cls}><th scope="row" id="{_h(row_anchor(row.key))}" '
                f'title="{_h(row.label)}">{_h(row.words)}</th>{cells}</tr>'
            )
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
        "require different duties (by kind and recipient) for any episode, or different "
        "earliest deadlines for a duty both require.</p>",
    ]
    for pair in pairs:
        out.append(
            f"<h3>{_h(pair.a)} and {_h(pair.b)}</h3><p>{pair.searched} timelines compared; "
            f"{len(pair.witnesses)} differences.</p>"
        )
        if not pair.witnesses:
            continue
        out.append(
            '<table><thead><tr><th scope="col">duty</th><th scope="col">difference</th>'
            '<th scope="col">smallest timeline</th><th scope="col">detail</th></tr></thead>'
            "<tbody>"
        )
        for w in pair.witnesses:
            what = f"only {w.only_in}" if w.only_in else "deadline"
            code = w.kind + (f" → {w.recipient}" if w.recipient else "")
            out.append(
                f'<tr><th scope="row" title="{_h(code)}">{_h(row_words(w.kind, w.recipient))}'
                f"</th><td>{_h(what)}</td><td>{_h(w.description)}</td><td>{_h(w.detail)}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def _passages(markers: Sequence[LadderMarker]) -> list[str]:
    seen: dict[str, LadderMarker] = {}
    for m in markers:
        seen.setdefault(m.anchor, m)
    return [
        f'<li id="{_h(m.anchor)}"><b>§{_h(m.section)}</b> “{_h(m.quote)}” '
        f"(<code>{_h(m.protocol)}</code> rule <code>{_h(m.rule_id)}</code>)</li>"
        for m in seen.values()
    ]


def render_ladder_html(ladder: Ladder, title: str = "Escalation ladder") -> str:
    """One child's ladder as a self-contained page, with every cited passage."""
    out = _head(title)
    out.append(_ladder_figure(ladder, rows=False, open_list=True))
    out.append('<section id="quotes"><h2>Cited passages</h2>')
    for lane in ladder.lanes:
        if lane.problems:
            out.append(f"<h3>{_h(lane.protocol.name)}: cannot evaluate this child</h3><ul>")
            out += [f"<li><pre>{_h(p)}</pre></li>" for p in lane.problems]
            out.append("</ul>")
            continue
        out.append(f"<h3>{_h(lane.protocol.title)} (<code>{_h(lane.protocol.key)}</code>)</h3><ul>")
        out += _passages(lane.markers)
        out.append("</ul>")
    out += ["</section>", "</body>", "</html>"]
    return "\n".join(out) + "\n"

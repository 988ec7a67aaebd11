"""The caseload report as one self-contained, printable HTML page.

No scripts, no fonts, no network: the styles are inline and the two charts
(actions by status; return home interviews on time, ours beside the national
figure) are inline SVG. Bars are told apart by patterns and labelled with
their numbers, so the page reads the same printed in black and white. Figures
carry ``id`` attributes (``children``, ``episodes``, ``rhi-share``, ...) so
that tests can find them in the rendered page.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from missing_protocol.report.data import STATUSES, CaseloadReport

__all__ = ["report_html"]

_CSS = """
body { font: 11pt/1.4 system-ui, sans-serif; max-width: 60em; margin: 1em auto; color: #000; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.5em; border-bottom: 1px solid; }
table { border-collapse: collapse; margin: .5em 0; }
caption { text-align: left; font-weight: bold; }
th, td { border: 1px solid #444; padding: .15em .5em; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; padding: 0; list-style: none; }
.figures li { border: 1px solid; padding: .3em .8em; }
.figures strong { font-size: 1.4em; display: block; }
.note { font-size: .9em; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
  tr { break-inside: avoid; } }
"""

# One pattern per status, told apart without colour.
_PATTERNS = {
    "met": '<rect width="6" height="6" fill="#fff"/>',
    "met_late": '<rect width="6" height="6" fill="#fff"/><path d="M0,6 L6,0" stroke="#000"/>',
    "due": '<rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.2" fill="#000"/>',
    "overdue": '<rect width="6" height="6" fill="#000"/>',
    "undetermined": '<rect width="6" height="6" fill="#fff"/>'
    '<path d="M0,6 L6,0 M0,0 L6,6" stroke="#000"/>',
}


def _defs() -> str:
    patterns = "".join(
        f'<pattern id="p-{name}" width="6" height="6" patternUnits="userSpaceOnUse">{body}'
        "</pattern>"
        for name, body in _PATTERNS.items()
    )
    return f"<defs>{patterns}</defs>"


def _bars(title: str, rows: list[tuple[str, float, str, str]], maximum: float) -> str:
    """A horizontal bar chart: (label, value, text shown, pattern id) per bar."""
    height = 26 * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="600" height="{height}" '
        f'viewBox="0 0 600 {height}"><title>{escape(title)}</title>{_defs()}'
    ]
    for n, (label, value, text, pattern) in enumerate(rows):
        y = 5 + 26 * n
        width = 0 if maximum <= 0 else round(330 * value / maximum, 1)
        parts.append(
            f'<text x="150" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="160" y="{y}" width="{width}" height="20" fill="url(#p-{pattern})" '
            f'stroke="#000"/><text x="{160 + width + 6}" y="{y + 15}" font-size="12">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _when(moment: dt.datetime | None, latest: dt.datetime | None) -> str:
    if moment is None:
        return "no deadline"
    text = moment.strftime("%Y-%m-%d %H:%M")
    if latest is not None and latest != moment:
        text += " to " + latest.strftime("%Y-%m-%d %H:%M")
    return text


def _figure(ident: str, label: str, value: object) -> str:
    return f'<li><strong id="{ident}">{escape(str(value))}</strong>{escape(label)}</li>'


def report_html(report: CaseloadReport) -> str:
    """The whole page, as text."""
    rhi = report.rhi
    totals = {s: sum(k[s] for k in report.by_kind.values()) for s in STATUSES}
    share = "n/a" if rhi.share is None else f"{rhi.share:.0%}"
    national = f"{report.national.share:.0%}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Missing children compliance: {escape(report.protocol_id)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Missing children: compliance with {escape(report.protocol_title)}</h1>",
        f"<p>Protocol <code>{escape(report.protocol_id)}</code> (version "
        f"{escape(report.protocol_version)}), as at "
        f'<time id="as-of">{report.as_of.isoformat()}</time>. Sources: '
        f"{escape(', '.join(report.sources) or 'timelines')}. Record ids only.</p>",
        '<ul class="figures">',
        _figure("children", "children", report.children),
        _figure("episodes", "episodes", report.episodes),
        _figure("overdue-count", "overdue actions", totals["overdue"]),
        _figure("undetermined-count", "undetermined actions", totals["undetermined"]),
        _figure("rhi-share", "return interviews on time", share),
        "</ul>",
    ]
    if report.day_only_children:
        out.append(
            f'<p class="note">{report.day_only_children} children have moments known only to the '
            "day: deadlines are windows, and an action the dates cannot decide is "
            "<em>undetermined</em>.</p>"
        )
    out += ["<h2>Repeat missing, by the protocol's thresholds</h2>", "<table>"]
    out.append('<tr><th>threshold</th><th>rules</th><th class="n">children</th></tr>')
    for n, threshold in enumerate(report.thresholds):
        out.append(
            f"<tr><td>{escape(threshold.label)}</td><td>{escape(', '.join(threshold.rules))}</td>"
            f'<td class="n" id="threshold-{n}">{threshold.children}</td></tr>'
        )
    if not report.thresholds:
        out.append('<tr><td colspan="3">the protocol counts no episodes</td></tr>')
    out.append("</table>")
    out += ["<h2>Required actions by status</h2>"]
    out.append(
        _bars(
            "Required actions by status",
            [(s, totals[s], str(totals[s]), s) for s in STATUSES],
            max(totals.values(), default=0),
        )
    )
    head = "".join(f'<th class="n">{s}</th>' for s in STATUSES)
    out += [
        '<table id="by-kind"><caption>By kind and status</caption>',
        f"<tr><th>kind</th>{head}</tr>",
    ]
    for kind, statuses in report.by_kind.items():
        mark = " *" if kind in report.not_recorded else ""
        cells = "".join(f'<td class="n">{statuses[s]}</td>' for s in STATUSES)
        out.append(f"<tr><td>{escape(kind)}{mark}</td>{cells}</tr>")
    out.append("</table>")
    if report.not_recorded:
        out.append(
            '<p class="note">* the source data cannot record that this action was done, so '
            "<em>due</em> and <em>overdue</em> here say what the data shows, not what was done.</p>"
        )
    out += [
        "<h2>Return home interviews within the protocol's deadline</h2>",
        f"<p>Deadline: {escape('; '.join(rhi.deadlines) or 'none required')}. Of "
        f'<span id="rhi-decided">{rhi.decided}</span> interviews done or past their deadline, '
        f"{rhi.on_time} on time, {rhi.late} late, {rhi.overdue} overdue; {rhi.due} not yet due, "
        f"{rhi.undetermined} undetermined.</p>",
        _bars(
            "Return home interviews on time: ours and national",
            [
                (f"{report.protocol_id}", rhi.share or 0.0, share, "met"),
                (f"national ({report.national.within})", report.national.share, national, "due"),
            ],
            1.0,
        ),
        f'<p class="note">National: {escape(report.national.source)}.</p>',
    ]
    if "return_home_interview" in report.not_recorded:
        out.append(
            '<p class="note" id="rhi-silent">The source cannot record return home interviews: '
            "a low share here means none is recorded, not that none was done.</p>"
        )
    if rhi.source_flagged:
        out.append(
            f'<p class="note">The source flags an interview as offered for {rhi.source_offered} '
            f"of {rhi.source_flagged} episodes with the flag; the flags carry no date, so they "
            "are not judged against the deadline.</p>"
        )
    out += [
        "<h2>Overdue actions</h2>",
        f'<table id="overdue"><caption>{len(report.overdue)} overdue, by child and episode'
        "</caption>",
        "<tr><th>child</th><th>episode</th><th>action</th><th>rule</th><th>due</th></tr>",
    ]
    for item in report.overdue:
        mark = " *" if item.source_silent else ""
        out.append(
            f"<tr><td>{escape(item.child_id)}</td><td>{escape(item.episode_id)}</td>"
            f"<td>{escape(item.kind)}{mark}</td><td>{escape(item.rule_id)}</td>"
            f"<td>{_when(item.due_at, item.due_at_latest)}</td></tr>"
        )
    out.append("</table>")
    if report.children_not_evaluated:
        out.append("<h2>Children not evaluated</h2><ul>")
        out += [
            f"<li>{escape(child)}: {escape(codes)}</li>"
            for child, codes in report.children_not_evaluated
        ]
        out.append("</ul>")
    if report.assumptions:
        out.append("<h2>What the importer assumed</h2><ul>")
        out += [f"<li>{escape(text)}</li>" for text in report.assumptions]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"

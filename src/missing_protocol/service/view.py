"""A child's timeline as one self-contained HTML page: the picture, then the same as tables.

:func:`render_view` draws the episodes and required actions
(:mod:`.view_svg`), and below the picture gives the episodes, the actions and
what comes next as tables, for screen readers and for printing. Each action's
row has its explanation (the rule, the facts that made it apply, how the
deadline was computed, and the protocol's own words with the section) in a
``<details>``; a marker in the picture opens it. The page loads nothing: the
style and the six-line script are inline. ``missing-protocol evaluate --format
html`` and ``GET /view`` both use it; it needs no FastAPI.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Sequence
from html import escape

from missing_protocol.calendar import bank_holidays
from missing_protocol.compiled import Protocol
from missing_protocol.explain import format_moment, police_risk_words
from missing_protocol.results import Evaluation, RequiredAction
from missing_protocol.timeline import Timeline

from .view_svg import (
    COLOURS,
    STATUS_LABELS,
    action_dom_id,
    change_mark,
    draw_timeline,
    shape,
)

__all__ = ["CONTENT_SECURITY_POLICY", "render_view"]

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #24292f; max-width: 1040px; }
h1 { font-size: 1.35rem; margin-bottom: .2rem; }
.meta { color: #57606a; margin-top: 0; }
figure { margin: 1rem 0; overflow-x: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #24292f; }
svg .now-label { font-weight: 600; }
svg a:focus g, svg a:hover g { outline: 2px solid #24292f; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; padding: 0; list-style: none; }
.legend svg { vertical-align: middle; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.status { white-space: nowrap; font-weight: 600; }
details summary { cursor: pointer; color: #0969da; }
details[open] { background: #f6f8fa; padding: .4rem .6rem; }
details:target { outline: 2px solid #0969da; }
blockquote { margin: .4rem 0; padding-left: .8rem; border-left: 3px solid #8c959f; }
dl { margin: .3rem 0; } dt { font-weight: 600; } dd { margin: 0 0 .3rem 1rem; }
"""

# Clicking a marker opens that action's explanation (the link also scrolls to it).
_SCRIPT = """
document.querySelectorAll("a.action-link").forEach(function (link) {
  link.addEventListener("click", function () {
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) { target.open = true; }
  });
});
"""


# What a browser may load or run on the page, for the service to send as a header:
# nothing from anywhere, the inline style, and the one inline script by its hash.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()}'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _icon(status: str) -> str:
    return (
        f'<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
        f"{shape(status, 9, 9, 5.5)}</svg>"
    )


def _legend() -> str:
    items = "".join(
        f"<li>{_icon(status)} {escape(label)}</li>" for status, label in STATUS_LABELS.items()
    )
    return (
        f'<ul class="legend" aria-label="Key">{items}'
        "<li>bar: an episode, last seen to return (striped: still missing)</li>"
        "<li>black tick: reported to the police</li>"
        '<li><svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
        f"{change_mark(9, 14)}</svg> a change of facts (police risk re-graded, "
        "re-categorised)</li><li>dashed line: now</li>"
        "<li>a marker sits at the action's deadline, or where it arose if it has none</li></ul>"
    )


def _skipped(day_text: str, is_holiday: bool) -> str:
    return f"{day_text} ({'bank holiday' if is_holiday else 'weekend'})"


def _explanation(protocol: Protocol, action: RequiredAction, index: int) -> str:
    trace = action.deadline
    facts = (
        "".join(f"<li>{escape(f.test)} (value: {escape(f.value)})</li>" for f in action.facts)
        if action.facts
        else "<li>the rule applies to every episode</li>"
    )
    skipped = ""
    if trace.skipped_days:
        days = "".join(
            f"<li>{escape(_skipped(f'{d:%a %d %b %Y}', d in bank_holidays(d.year)))}</li>"
            for d in trace.skipped_days
        )
        skipped = f"<dt>Days not counted</dt><dd><ul>{days}</ul></dd>"
    done = f", done {format_moment(action.met_at)}" if action.met_at else ""
    note = f"<dt>Note on the reading</dt><dd>{escape(action.note)}</dd>" if action.note else ""
    return (
        f'<details id="{action_dom_id(index)}"><summary>Why</summary><dl>'
        f"<dt>Rule</dt><dd>{escape(action.rule_id)} ({escape(action.topic)}), "
        f"{escape(action.obligation)}</dd>"
        f"<dt>Triggered</dt><dd>{escape(action.trigger)}, "
        f"{escape(format_moment(action.triggered_at))}</dd>"
        f"<dt>Because</dt><dd><ul>{facts}</ul></dd>"
        f"<dt>Responsible</dt><dd>{escape(action.responsible)} "
        f"({escape(action.responsible_reason)})</dd>"
        f"<dt>Deadline</dt><dd>{escape(trace.rule)}: from {escape(trace.anchor)} = "
        f"{escape(format_moment(trace.anchor_at))}, counting {escape(trace.arithmetic)}; "
        f"due {escape(format_moment(action.due_at))}</dd>{skipped}"
        f"<dt>Status</dt><dd>{escape(STATUS_LABELS[action.status.value])}{escape(done)}</dd>"
        f"<dt>The protocol's words</dt><dd><blockquote>{escape(action.citation.quote)}"
        f"</blockquote>{escape(protocol.title)}, section {escape(action.citation.section)}</dd>"
        f"{note}</dl></details>"
    )


def _table(caption: str, headers: Sequence[str], rows: str) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    return (
        f"<table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _actions_table(protocol: Protocol, evaluation: Evaluation) -> str:
    rows = []
    for index, a in enumerate(evaluation.actions):
        status = a.status.value
        due = format_moment(a.due_at) if a.due_at else "no time limit"
        occurrence = f" #{a.occurrence}" if a.occurrence else ""
        rows.append(
            f'<tr class="action-row status-{status}">'
            f'<td class="status" style="color:{COLOURS[status]}">{_icon(status)} '
            f"{escape(STATUS_LABELS[status])}</td>"
            f"<td>{escape(due)}</td><td>{escape(a.kind)} ({escape(a.obligation)})</td>"
            f"<td>{escape(a.responsible)}</td><td>{escape(a.recipient or '')}</td>"
            f"<td>{escape(a.episode_id + occurrence)}</td>"
            f"<td>{_explanation(protocol, a, index)}</td></tr>"
        )
    return _table(
        f"Required actions ({len(evaluation.actions)})",
        ("Status", "Due", "Action", "Who", "To", "Episode", "Explanation"),
        "".join(rows) or '<tr><td colspan="7">No action is required.</td></tr>',
    )


def _episodes_table(timeline: Timeline, evaluation: Evaluation) -> str:
    rows = []
    for result in evaluation.episodes:
        episode = timeline.episode(result.episode_id)
        risk = police_risk_words(result)
        returned = "still missing" if result.missing_as_of else format_moment(result.returned_at)
        rows.append(
            f'<tr><th scope="row">{escape(result.episode_id)}</th>'
            f"<td>{escape(result.category)}</td><td>{escape(risk)}</td>"
            f"<td>{result.age_at_start}</td>"
            f"<td>{escape(format_moment(result.started_at))}</td>"
            f"<td>{escape(format_moment(episode.reported_at))}</td>"
            f"<td>{escape(returned)}</td></tr>"
        )
    return _table(
        f"Episodes ({len(evaluation.episodes)})",
        ("Episode", "Category", "Police risk", "Age", "Last seen", "Reported", "Returned"),
        "".join(rows),
    )


def _changes_table(evaluation: Evaluation) -> str:
    """Facts that changed during an episode, known at ``as_of`` (none: no table)."""
    rows = "".join(
        f'<tr class="change-row"><th scope="row">{escape(result.episode_id)}</th>'
        f"<td>{escape(format_moment(change.at))}</td><td>{escape(change.what)}</td>"
        f"<td>{escape(change.category)}</td>"
        f"<td>{escape(police_risk_words(change))}</td></tr>"
        for result in evaluation.episodes
        for change in result.changes
    )
    if not rows:
        return ""
    count = sum(len(result.changes) for result in evaluation.episodes)
    return _table(
        f"Changes of facts during episodes ({count})",
        ("Episode", "From", "What changed", "Category from then", "Police risk from then"),
        rows,
    )


def _upcoming_table(evaluation: Evaluation) -> str:
    if not evaluation.upcoming:
        return ""
    rows = "".join(
        f"<tr><td>{_icon('upcoming')} {escape(format_moment(u.triggers_at))}</td>"
        f"<td>{escape(u.kind)} ({escape(u.obligation)})</td><td>{escape(u.responsible)}</td>"
        f"<td>{escape(u.recipient or '')}</td><td>{escape(u.episode_id)}</td>"
        f"<td>{escape(u.rule_id)}: {escape(u.condition)}; {escape(u.citation.section)}</td></tr>"
        for u in evaluation.upcoming
    )
    return _table(
        f"If the child is still missing ({len(evaluation.upcoming)})",
        ("Required from", "Action", "Who", "To", "Episode", "Rule"),
        rows,
    )


def _pending_table(evaluation: Evaluation) -> str:
    """Actions required once a judgement or outcome is recorded (none: no table)."""
    if not evaluation.pending:
        return ""
    rows = "".join(
        f"<tr><td>{escape(' or '.join(' and '.join(g) for g in p.awaiting))}</td>"
        f"<td>{escape(p.kind)} ({escape(p.obligation)})</td><td>{escape(p.responsible)}</td>"
        f"<td>{escape(p.recipient or '')}</td><td>{escape(p.episode_id)}</td>"
        f"<td>{escape(p.rule_id)}: {escape(p.condition)}; {escape(p.citation.section)}</td></tr>"
        for p in evaluation.pending
    )
    return _table(
        f"Required once recorded ({len(evaluation.pending)})",
        ("Judgement awaited", "Action", "Who", "To", "Episode", "Rule"),
        rows,
    )


def _summary(evaluation: Evaluation) -> str:
    """``2 episodes; 9 required actions: 5 met, 1 met late, 1 due, 2 overdue; 1 upcoming``."""
    counts = Counter(a.status.value for a in evaluation.actions)
    parts = [
        f"{counts[status]} {STATUS_LABELS[status]}"
        for status in ("met", "met_late", "due", "overdue")
        if counts[status]
    ]
    episodes = len(evaluation.episodes)
    text = f"{episodes} episode{'s' if episodes != 1 else ''}; "
    changes = sum(len(result.changes) for result in evaluation.episodes)
    if changes:
        text += f"{changes} change{'s' if changes != 1 else ''} of facts; "
    text += (
        f"{len(evaluation.actions)} required action{'s' if len(evaluation.actions) != 1 else ''}"
    )
    text += f": {', '.join(parts)}" if parts else ""
    return text + f"; {len(evaluation.upcoming)} upcoming if still missing"


def render_view(protocol: Protocol, timeline: Timeline, evaluation: Evaluation) -> str:
    """The whole page for one child's evaluation under ``protocol``."""
    text = _summary(evaluation)
    title = f"Child {evaluation.child_id}: {protocol.title}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="meta">Protocol {escape(evaluation.protocol_id)} (version '
        f"{escape(evaluation.protocol_version)}), as at "
        f"{escape(format_moment(evaluation.as_of))}. {escape(text)}.</p></header>"
        f"<main><figure>{draw_timeline(timeline, evaluation, text)}"
        f"<figcaption>{_legend()}</figcaption></figure>"
        f"{_episodes_table(timeline, evaluation)}{_changes_table(evaluation)}"
        f"{_actions_table(protocol, evaluation)}"
        f"{_upcoming_table(evaluation)}{_pending_table(evaluation)}</main><script>{_SCRIPT}</script></body></html>\n"
    )

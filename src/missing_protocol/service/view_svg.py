"""A child's episodes and duties drawn as inline SVG, on one time axis.

One lane per episode: a bar from last seen to return (to ``as_of``, striped and
open-ended, while the child is still missing), a tick where the police report
was made, and below it one marker per required action at its deadline (at the
moment it became required when the protocol sets no time limit). A marker's
shape and colour both say its status, so the picture reads without colour:

* met: a filled circle;          * met late: a filled diamond;
* due: a filled square;          * overdue: a filled triangle;
* what becomes required if nothing changes: a hollow, dashed circle.

A purple downward triangle on an episode's bar marks each change of its facts
known at ``as_of`` (the police risk re-graded, the episode re-categorised), with
what changed as its label. A dashed vertical line marks ``as_of`` ("now"). Each
action marker links to its explanation (``#action-N``) in the table below the
picture. Needs no FastAPI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from missing_protocol.calendar import LONDON, to_london
from missing_protocol.explain import format_moment
from missing_protocol.moments import instant
from missing_protocol.results import (
    ActionStatus,
    Evaluation,
    FactChangeApplied,
    RequiredAction,
    UpcomingAction,
)
from missing_protocol.timeline import Timeline

__all__ = [
    "CHANGE_COLOUR",
    "COLOURS",
    "STATUS_LABELS",
    "action_dom_id",
    "change_label",
    "change_mark",
    "draw_timeline",
    "shape",
]

WIDTH = 1000
LEFT = 110  # room for the lane labels
RIGHT = 30
TOP = 34  # room for "now"
BAR = 16
ROW = 20  # one row of markers
AXIS = 46

COLOURS = {
    "met": "#1a7f37",
    "met_late": "#9a6700",
    "due": "#0969da",
    "overdue": "#cf222e",
    "upcoming": "#57606a",
}
STATUS_LABELS = {
    "met": "met",
    "met_late": "met late",
    "due": "due",
    "overdue": "overdue",
    "upcoming": "upcoming if still missing",
}
_STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 28)
CHANGE_COLOUR = "#8250df"


def action_dom_id(index: int) -> str:
    """The HTML id of the explanation of the ``index``-th action (0-based)."""
    return f"action-{index + 1}"


def shape(status: str, x: float, y: float, r: float = 6.5) -> str:
    """The marker for ``status`` centred on (x, y)."""
    colour = COLOURS[status]
    fill = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if status == ActionStatus.MET:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {fill}/>'
    if status == ActionStatus.MET_LATE:
        d = r * 1.3
        points = f"{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} {x - d:.1f},{y:.1f}"
        return f'<polygon points="{points}" {fill}/>'
    if status == ActionStatus.DUE:
        s = r * 0.95
        side = 2 * s
        return (
            f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{side:.1f}" height="{side:.1f}" {fill}/>'
        )
    if status == ActionStatus.OVERDUE:
        d = r * 1.25
        points = f"{x:.1f},{y - d:.1f} {x + d:.1f},{y + d * 0.8:.1f} {x - d:.1f},{y + d * 0.8:.1f}"
        return f'<polygon points="{points}" {fill}/>'
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r - 1:.1f}" fill="#ffffff" '
        f'stroke="{colour}" stroke-width="2" stroke-dasharray="3 2"/>'
    )


def change_mark(x: float, top: float) -> str:
    """A change of facts: a downward triangle whose tip rests on the bar's top at ``x``."""
    points = f"{x - 6:.1f},{top - 10:.1f} {x + 6:.1f},{top - 10:.1f} {x:.1f},{top + 1:.1f}"
    return f'<polygon points="{points}" fill="{CHANGE_COLOUR}" stroke="#ffffff" stroke-width="1"/>'


def change_label(episode_id: str, change: FactChangeApplied) -> str:
    """What a change marker says: ``episode E-1 from ...: police_risk re-graded to high; ...``."""
    return (
        f"episode {episode_id} from {format_moment(change.at)}: {change.what}; from then "
        f"category {change.category}, police risk {change.police_risk or 'not assessed'}"
    )


@dataclass(frozen=True, slots=True)
class _Scale:
    lo: dt.datetime
    hi: dt.datetime

    def x(self, moment: dt.datetime) -> float:
        span = (instant(self.hi) - instant(self.lo)).total_seconds()
        return LEFT + (instant(moment) - instant(self.lo)).total_seconds() / span * (
            WIDTH - LEFT - RIGHT
        )


def _scale(timeline: Timeline, evaluation: Evaluation) -> _Scale:
    moments = [evaluation.as_of]
    for episode in timeline.episodes:
        moments += [m for m in (episode.started_at, episode.reported_at, episode.returned_at) if m]
    moments += [_where(a) for a in evaluation.actions]
    moments += [u.triggers_at for u in evaluation.upcoming]
    lo, hi = min(moments), max(moments)
    pad = max((hi - lo) * 0.04, dt.timedelta(hours=1))
    return _Scale(lo - pad, hi + pad)


def _where(action: RequiredAction) -> dt.datetime:
    """Where an action is drawn: at its deadline, or when it arose if there is none."""
    return action.due_at if action.due_at is not None else action.triggered_at


def _ticks(scale: _Scale) -> list[dt.datetime]:
    hours = (instant(scale.hi) - instant(scale.lo)).total_seconds() / 3600
    step = next((s for s in _STEPS_HOURS if hours / s <= 9), _STEPS_HOURS[-1])
    start = to_london(scale.lo).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    if step >= 24:
        start = start.replace(hour=0)
    else:
        start = start.replace(hour=start.hour - start.hour % step)
    ticks: list[dt.datetime] = []
    wall = start
    while True:  # in London wall-clock time, so ticks stay on the hour across a clock change
        moment = wall.replace(tzinfo=LONDON)
        if moment > scale.hi:
            return ticks
        if moment >= scale.lo:
            ticks.append(moment)
        wall += dt.timedelta(hours=step)


def _axis(scale: _Scale, y: float) -> list[str]:
    out = [f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#57606a"/>']
    for tick in _ticks(scale):
        x = scale.x(tick)
        local = to_london(tick)
        label = local.strftime("%a %d %b") if local.hour == 0 else local.strftime("%H:%M")
        out.append(
            f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 5}" stroke="#57606a"/>'
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{y}" stroke="#d0d7de" '
            f'stroke-width="0.5"/>'
            f'<text x="{x:.1f}" y="{y + 18}" text-anchor="middle" class="tick">'
            f"{escape(label)}</text>"
        )
    return out


def _rows(xs: Sequence[float], gap: float = 17.0) -> list[int]:
    """A row for each marker (in x order) so that markers in a row do not touch."""
    last: list[float] = []
    rows = []
    for x in xs:
        for row, previous in enumerate(last):
            if x - previous >= gap:
                last[row] = x
                rows.append(row)
                break
        else:
            last.append(x)
            rows.append(len(last) - 1)
    return rows


def _action_marker(action: RequiredAction, index: int, x: float, y: float) -> str:
    due = format_moment(action.due_at) if action.due_at else "no time limit"
    label = (
        f"{action.kind} ({action.obligation}) by {action.responsible}: "
        f"{STATUS_LABELS[action.status.value]}, due {due}"
    )
    return (
        f'<a href="#{action_dom_id(index)}" class="action-link">'
        f'<g class="action-marker status-{action.status.value}" data-action="{escape(action.id)}">'
        f"<title>{escape(label)}</title>{shape(action.status.value, x, y)}</g></a>"
    )


def _upcoming_marker(upcoming: UpcomingAction, x: float, y: float) -> str:
    label = (
        f"{upcoming.kind} ({upcoming.obligation}) by {upcoming.responsible}: required from "
        f"{format_moment(upcoming.triggers_at)} if still missing"
    )
    return f'<g class="upcoming-marker"><title>{escape(label)}</title>{shape("upcoming", x, y)}</g>'


def _lane(
    timeline: Timeline, evaluation: Evaluation, scale: _Scale, episode_index: int, top: float
) -> tuple[list[str], float]:
    """One episode's lane: its bar and its markers; returns the SVG and the lane's height."""
    result = evaluation.episodes[episode_index]
    episode = timeline.episode(result.episode_id)
    out: list[str] = []
    x0 = scale.x(episode.started_at)
    still_missing = episode.returned_at is None
    end = episode.returned_at or evaluation.as_of
    x1 = max(scale.x(end), x0 + 2)
    fill = "url(#open)" if still_missing else "#8c959f"
    state = "still missing" if still_missing else f"returned {format_moment(episode.returned_at)}"
    tip = f"episode {result.episode_id}: last seen {format_moment(episode.started_at)}, {state}"
    out.append(
        f'<g class="bar episode" data-episode="{escape(result.episode_id)}">'
        f"<title>{escape(tip)}</title>"
        f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{BAR}" rx="3" '
        f'fill="{fill}" stroke="#57606a"/></g>'
    )
    out.append(
        f'<text x="{LEFT - 8}" y="{top + BAR - 3}" text-anchor="end" class="lane">'
        f"{escape(result.episode_id)}</text>"
    )
    if episode.reported_at is not None:
        xr = scale.x(episode.reported_at)
        out.append(
            f'<g class="report-tick"><title>reported to the police '
            f"{escape(format_moment(episode.reported_at))}</title>"
            f'<line x1="{xr:.1f}" y1="{top - 4}" x2="{xr:.1f}" y2="{top + BAR + 4}" '
            f'stroke="#24292f" stroke-width="2.5"/></g>'
        )
    for number, change in enumerate(result.changes, start=1):
        xc = scale.x(change.at)
        out.append(
            f'<g class="change-marker" data-change="{number}">'
            f"<title>{escape(change_label(result.episode_id, change))}</title>"
            f'<line x1="{xc:.1f}" y1="{top}" x2="{xc:.1f}" y2="{top + BAR}" '
            f'stroke="{CHANGE_COLOUR}" stroke-width="2"/>{change_mark(xc, top)}</g>'
        )
    items: list[tuple[float, str, int]] = []  # x, kind, index
    for index, action in enumerate(evaluation.actions):
        if action.episode_id == result.episode_id:
            items.append((scale.x(_where(action)), "action", index))
    for index, upcoming in enumerate(evaluation.upcoming):
        if upcoming.episode_id == result.episode_id:
            items.append((scale.x(upcoming.triggers_at), "upcoming", index))
    items.sort()
    rows = _rows([x for x, _, _ in items])
    first = top + BAR + 16
    for (x, kind, index), row in zip(items, rows, strict=True):
        y = first + row * ROW
        if kind == "action":
            out.append(_action_marker(evaluation.actions[index], index, x, y))
        else:
            out.append(_upcoming_marker(evaluation.upcoming[index], x, y))
    height = BAR + 16 + (max(rows) + 1) * ROW if rows else BAR + 16
    return out, height + 14


def draw_timeline(timeline: Timeline, evaluation: Evaluation, summary: str) -> str:
    """The picture as an ``<svg>`` element; ``summary`` is its text alternative."""
    scale = _scale(timeline, evaluation)
    body: list[str] = []
    y = float(TOP + 8)
    for index in range(len(evaluation.episodes)):
        lane, height = _lane(timeline, evaluation, scale, index, y)
        body += lane
        y += height
    axis_y = y
    body += _axis(scale, axis_y)
    now = scale.x(evaluation.as_of)
    body.append(
        f'<g class="now"><title>now: {escape(format_moment(evaluation.as_of))}</title>'
        f'<line x1="{now:.1f}" y1="{TOP - 6}" x2="{now:.1f}" y2="{axis_y}" stroke="#24292f" '
        f'stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<text x="{now:.1f}" y="{TOP - 12}" text-anchor="middle" class="now-label">now</text></g>'
    )
    height = axis_y + AXIS
    defs = (
        '<defs><pattern id="open" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#d8dee4"/>'
        '<rect width="4" height="8" fill="#8c959f"/></pattern></defs>'
    )
    return (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" role="img" aria-labelledby="svg-title svg-desc">'
        f'<title id="svg-title">Episodes and required actions on a time axis</title>'
        f'<desc id="svg-desc">{escape(summary)}</desc>{defs}' + "".join(body) + "</svg>"
    )

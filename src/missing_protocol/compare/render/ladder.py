"""The escalation ladder drawn: an inline SVG picture, and the same as plain text.

The time axis runs from the moment the child went missing to the ladder's
``as_of`` on a logarithmic scale (``log(1 + hours)``), so the first hours,
when most duties arise, take a third of the width, and three months still
fit. Each protocol has a lane; each duty becomes a marker at the moment it
became required, shaped by how strongly the text puts it (a filled square
for *must*, a triangle for *should*, a hollow circle for *consider*), so the
picture reads without colour. Markers at the same moment stack upwards; the
later occurrences of a recurring duty are short ticks along the lane's foot.
Every marker links to its quoted passage and says, on hover, what it is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from missing_protocol.calendar import Duration, Unit, add_duration
from missing_protocol.compare.common import kind_order
from missing_protocol.compare.ladder import Ladder, LadderLane, LadderMarker
from missing_protocol.explain import format_moment
from missing_protocol.moments import instant
from missing_protocol.phrases import TOPIC_LABELS, kind_label
from missing_protocol.vocabulary import Topic

__all__ = [
    "SHAPES",
    "column_label",
    "first_duties",
    "first_text",
    "ladder_svg",
    "render_ladder_text",
    "since",
]

SHAPES = {"must": "■", "should": "▲", "consider": "○"}
_ANY_TOPICS = (Topic.ESCALATION, Topic.REVIEWS_WHILE_MISSING)

_WIDTH = 1000
_X0, _X1 = 168, 970  # the plot, after the lane labels
_GAP = 46  # the least distance between two axis labels
_SIZE = 8  # a marker's width and height
_STEP = 10  # vertical distance between stacked markers
_AXIS = 34  # height of the axis labels under the lanes
_HEAD = 18  # height of the axis labels above them
_TICKS_HOURS = (
    (0, "0"),
    (1, "1 h"),
    (4, "4 h"),
    (12, "12 h"),
    (24, "1 day"),
    (48, "2 days"),
    (72, "3 days"),
    (168, "1 week"),
    (336, "2 weeks"),
    (672, "4 weeks"),
)


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def since(hours: float) -> str:
    """Time since going missing: ``30 min``, ``24 h``, ``2 h 30 min``, ``10 days 3 h``."""
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        rest = minutes % 60
        return f"{minutes // 60} h" + (f" {rest} min" if rest else "")
    days, rest_hours = minutes // 1440, (minutes % 1440) // 60
    return f"{days} days" + (f" {rest_hours} h" if rest_hours else "")


def _x(hours: float, horizon: float) -> float:
    share = math.log1p(max(hours, 0.0)) / math.log1p(max(horizon, 1.0))
    return _X0 + (_X1 - _X0) * min(share, 1.0)


def _ticks(ladder: Ladder) -> list[tuple[float, str]]:
    """Axis ticks: hours and days, then calendar months, the end always; none too close."""
    horizon = ladder.horizon_hours
    wanted: list[tuple[float, str]] = [(h, t) for h, t in _TICKS_HOURS if h < horizon]
    for months in (1, 2, 3, 6, 12):
        at = add_duration(ladder.started_at, Duration(months, Unit.MONTHS))
        hours = (instant(at) - instant(ladder.started_at)).total_seconds() / 3600
        if hours <= horizon + 1:
            wanted.append((hours, f"{months} month{'s' * (months > 1)}"))
    wanted.sort()
    end = (horizon, next((t for h, t in wanted if abs(h - horizon) < 1), since(horizon)))
    kept: list[tuple[float, str]] = []
    for tick in (t for t in wanted if t[0] < horizon - 1):
        x = _x(tick[0], horizon)
        if _x(end[0], horizon) - x < _GAP:
            break
        if kept and x - _x(kept[-1][0], horizon) < _GAP:
            if tick[1].endswith(("month", "months")):
                kept[-1] = tick  # a calendar month reads better than 4 weeks
            continue
        kept.append(tick)
    return [*kept, end]


def _shape(marker: LadderMarker, x: float, y: float, size: float) -> str:
    half = size / 2
    cls = f"m m-{_h(marker.obligation)}"
    if marker.obligation == "should":
        points = (
            f"{x:.1f},{y - half:.1f} {x + half:.1f},{y + half:.1f} {x - half:.1f},{y + half:.1f}"
        )
        return f'<polygon class="{cls}" points="{points}"'
    if marker.obligation == "consider":
        return f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="{half - 0.5:.1f}"'
    return (
        f'<rect class="{cls}" x="{x - half:.1f}" y="{y - half:.1f}" width="{size}" height="{size}"'
    )


def _tooltip(marker: LadderMarker, area: str) -> str:
    return (
        f"{area}, {since(marker.hours)} after going missing: {marker.obligation} "
        f"{marker.words}" + (f" (occurrence {marker.occurrence})" if marker.occurrence else "")
    ) + f", by {marker.who}; § {marker.section} [{marker.kind}, {marker.rule_id}]"


def _levels(xs: Sequence[float]) -> list[int]:
    """A stacking level per marker (sorted by x): the lowest free one within reach."""
    last: list[float] = []
    out = []
    for x in xs:
        for level, right in enumerate(last):
            if x - right >= _SIZE + 1:
                last[level] = x
                out.append(level)
                break
        else:
            last.append(x)
            out.append(len(last) - 1)
    return out


def _lane(lane: LadderLane, top: float, horizon: float) -> tuple[list[str], float]:
    firsts = [m for m in lane.markers if not m.repeat]
    repeats = [m for m in lane.markers if m.repeat]
    xs = [_x(m.hours, horizon) for m in firsts]
    levels = _levels(xs)
    stack = max(levels, default=0) + 1
    height = max(stack * _STEP + 16, 40)
    base = top + height - 12  # the lowest row of markers
    name = lane.protocol.name
    out = [
        f'<g class="lane" id="lane-{_h(lane.protocol.key)}">',
        f'<line class="sep" x1="0" x2="{_WIDTH}" y1="{top + height:.1f}" y2="{top + height:.1f}"/>',
        f'<text class="area" x="4" y="{top + 16:.1f}">{_h(name)}</text>',
    ]
    detail = (
        f"‘{lane.category}’, risk {lane.police_risk or 'not assessed'}"
        if not lane.problems
        else "cannot evaluate this child"
    )
    out.append(f'<text class="cat" x="4" y="{top + 29:.1f}">{_h(detail[:30])}</text>')
    out.append(
        f'<text class="cat" x="4" y="{top + 41:.1f}">{len(firsts)} duties'
        + (f", {len(repeats)} repeat{'s' * (len(repeats) != 1)}" if repeats else "")
        + "</text>"
    )
    for marker, x, level in sorted(
        zip(firsts, xs, levels, strict=True), key=lambda t: (t[2], t[1])
    ):
        y = base - level * _STEP
        out.append(
            f'<a href="#{_h(marker.anchor)}">{_shape(marker, x, y, _SIZE)}>'
            f"<title>{_h(_tooltip(marker, name))}</title></{_tag(marker)}></a>"
        )
    series: dict[tuple[str, str | None], list[LadderMarker]] = {}
    for marker in repeats:
        series.setdefault((marker.rule_id, marker.recipient), []).append(marker)
    foot = f"{top + height - 5:.1f}"
    for later in series.values():
        ticks = " ".join(f"M{_x(m.hours, horizon):.1f} {foot}v4" for m in later)
        tip = (
            f"{name}: {later[0].words} again {len(later)} times, from "
            f"{since(later[0].hours)} to {since(later[-1].hours)}; § {later[0].section}"
        )
        out.append(
            f'<a href="#{_h(later[0].anchor)}"><path class="rep" d="{ticks}">'
            f"<title>{_h(tip)}</title></path></a>"
        )
    out.append("</g>")
    return out, height


def _tag(marker: LadderMarker) -> str:
    return {"should": "polygon", "consider": "circle"}.get(marker.obligation, "rect")


def ladder_svg(ladder: Ladder) -> str:
    """The ladder as one inline SVG element (no scripts, no external resources)."""
    horizon = ladder.horizon_hours
    body: list[str] = []
    top = float(_HEAD)
    for lane in ladder.lanes:
        lines, height = _lane(lane, top, horizon)
        body += lines
        top += height
    plot_bottom = top
    grid: list[str] = [f'<line class="sep" x1="0" x2="{_WIDTH}" y1="{_HEAD}" y2="{_HEAD}"/>']
    for hours, label in _ticks(ladder):
        x = _x(hours, horizon)
        grid.append(
            f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{_HEAD - 4}" '
            f'y2="{plot_bottom:.1f}"/>'
        )
        for y in (_HEAD - 7, plot_bottom + 14):
            grid.append(
                f'<text class="tl" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{_h(label)}</text>'
            )
    if ladder.returned_at is not None:
        hours = (instant(ladder.returned_at) - instant(ladder.started_at)).total_seconds() / 3600
        x = _x(hours, horizon)
        grid.append(
            f'<line class="ret" x1="{x:.1f}" x2="{x:.1f}" y1="{_HEAD - 4}" y2="{plot_bottom:.1f}"/>'
            f'<text class="tl" x="{x:.1f}" y="{plot_bottom + 27:.1f}" '
            f'text-anchor="middle">returned</text>'
        )
    grid.append(
        f'<text class="tl" x="4" y="{_HEAD - 7}">since going missing</text>'
        f'<text class="tl" x="4" y="{plot_bottom + 14:.1f}">since going missing</text>'
        f'<text class="tl" x="4" y="{plot_bottom + 27:.1f}">'
        f"{_h(format_moment(ladder.started_at))}</text>"
    )
    height = plot_bottom + _AXIS
    counts = ", ".join(
        f"{lane.protocol.name} {sum(not m.repeat for m in lane.markers)}" for lane in ladder.lanes
    )
    key = _h(ladder.key)
    return "".join(
        [
            f'<svg class="ladder" viewBox="0 0 {_WIDTH} {height:.0f}" role="img" '
            f'aria-labelledby="t-{key} d-{key}" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="t-{key}">{_h(ladder.title)}</title>',
            f'<desc id="d-{key}">Duties that become required in the first '
            f"{_h(since(horizon))}, by area: {_h(counts)}. Filled squares: must; "
            "triangles: should; hollow circles: consider.</desc>",
            *grid,
            *body,
            "</svg>",
        ]
    )


def render_ladder_text(ladder: Ladder) -> str:
    """The ladder as text: per area, each duty's first moment, shape, obligation and rule."""
    lines = [
        f"Escalation ladder: {ladder.title}",
        *([ladder.description] if ladder.description else []),
        f"Child {ladder.child_id}, episode {ladder.episode_id}: missing from "
        f"{format_moment(ladder.started_at)}, as at {format_moment(ladder.as_of)}"
        + (f", returned {format_moment(ladder.returned_at)}" if ladder.returned_at else ""),
        "Times are since going missing. ■ must, ▲ should, ○ consider.",
    ]
    for lane in ladder.lanes:
        lines.append("")
        if lane.problems:
            lines.append(f"{lane.protocol.name} ({lane.protocol.key}): cannot evaluate this child")
            lines += [f"  {line}" for p in lane.problems for line in p.splitlines()]
            continue
        firsts = [m for m in lane.markers if not m.repeat]
        lines.append(
            f"{lane.protocol.name} ({lane.protocol.key}): ‘{lane.category}’, police risk "
            f"{lane.police_risk or 'not assessed'}; {len(firsts)} duties"
        )
        for m in firsts:
            later = [
                r
                for r in lane.markers
                if r.repeat and r.rule_id == m.rule_id and r.recipient == m.recipient
            ]
            recurs = ""
            if later:
                times = "once" if len(later) == 1 else f"{len(later)} times"
                recurs = f" (again {times}, the last at {since(later[-1].hours)})"
            lines.append(
                f"  {since(m.hours):>14}  {SHAPES.get(m.obligation, '?')} {m.obligation:<8} "
                f"{m.words}, by {m.who}{recurs} [{m.rule_id}, §{m.section}]"
            )
    return "\n".join(lines) + "\n"


def first_duties(
    ladder: Ladder,
) -> tuple[tuple[str, ...], list[tuple[LadderLane, list[LadderMarker | None]]]]:
    """The ladder in one table: columns, and per lane the first duty in each (or none).

    The columns are the action kinds that at least half the lanes require for
    this child (in vocabulary order), then, for the duties areas name
    differently, any senior escalation and any recurring review while
    missing. Of the duties that arise first in a column, the most strongly
    put is kept.
    """
    strength = {"must": 0, "should": 1, "consider": 2}
    evaluated = [lane for lane in ladder.lanes if not lane.problems]
    counts: dict[str, int] = {}
    for lane in evaluated:
        for kind in {m.kind for m in lane.markers}:
            counts[kind] = counts.get(kind, 0) + 1
    kinds = sorted((k for k, n in counts.items() if 2 * n >= len(evaluated)), key=kind_order)
    columns = (*kinds, *(f"topic:{t.value}" for t in _ANY_TOPICS))
    rows: list[tuple[LadderLane, list[LadderMarker | None]]] = []
    for lane in ladder.lanes:
        first: dict[str, LadderMarker] = {}
        for m in lane.markers:
            for column in (m.kind, f"topic:{m.topic}"):
                best = first.get(column)
                if column in columns and (
                    best is None
                    or (m.hours, strength.get(m.obligation, 3))
                    < (best.hours, strength.get(best.obligation, 3))
                ):
                    first[column] = m
        rows.append((lane, [first.get(c) for c in columns]))
    return columns, rows


def first_text(marker: LadderMarker) -> str:
    """A cell of :func:`first_duties`: the shape and the time, e.g. ``■ 24 h``."""
    return f"{SHAPES.get(marker.obligation, '')} {since(marker.hours)}"


def column_label(column: str) -> str:
    """A column of :func:`first_duties` in words, e.g. ``any senior escalation``."""
    if column.startswith("topic:"):
        return "any " + TOPIC_LABELS[column.removeprefix("topic:")].lower()
    return "tell anyone" if column == "notify" else kind_label(column)

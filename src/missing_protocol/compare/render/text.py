"""The scenario comparison, the out-of-area placement and the version diff as plain text."""

from __future__ import annotations

from missing_protocol.compare.common import describe_due
from missing_protocol.compare.diff import ProtocolDiff
from missing_protocol.compare.placement import PlacementEvaluation
from missing_protocol.compare.scenario import ScenarioAction, ScenarioComparison
from missing_protocol.explain import format_moment, police_risk_words

__all__ = ["render_diff_text", "render_placement_text", "render_scenario_text"]


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
            risk = police_risk_words(e)
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

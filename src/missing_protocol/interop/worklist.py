"""Worklists practitioners can act on: open required actions as iCalendar to-dos or CSV.

An action is *open* when it is ``due``, ``overdue`` or ``undetermined`` (the
data cannot say whether it was needed or done in time: worth a look). Each
becomes one RFC 5545 ``VTODO`` built with the ``icalendar`` package:

* ``UID`` is the stable action id, so importing a newer worklist updates the
  to-do instead of duplicating it;
* ``DUE`` is the deadline in UTC (for a deadline window, its earliest end; the
  latest is in the description); an action without a time limit has no ``DUE``;
* ``STATUS`` is ``NEEDS-ACTION``; ``PRIORITY`` comes from the obligation
  (must 1, should 5, consider 9);
* ``SUMMARY`` and ``DESCRIPTION`` hold record ids, the rule, who is
  responsible and the protocol's own words with their section; never a name.

``DTSTAMP`` is the evaluation's as-of moment, so the same input gives the same
file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from icalendar import Calendar, Todo

from missing_protocol.compiled import Protocol
from missing_protocol.precision import evaluate_bounded
from missing_protocol.results import ActionStatus, RequiredAction
from missing_protocol.timeline import Timeline, london_datetime

__all__ = ["OPEN", "PRIORITY", "open_actions", "worklist_csv", "worklist_ical"]

OPEN = frozenset({ActionStatus.DUE, ActionStatus.OVERDUE, ActionStatus.UNDETERMINED})
PRIORITY = {"must": 1, "should": 5, "consider": 9}
PRODID = "-//missing_protocol//worklist//EN"


def open_actions(
    protocol: Protocol, timelines: Iterable[Timeline], as_of: dt.datetime
) -> Iterator[tuple[str, RequiredAction]]:
    """(child id, action) for every open action of every timeline, evaluated as at ``as_of``."""
    as_of = london_datetime(as_of)
    for timeline in timelines:
        evaluation = evaluate_bounded(protocol, timeline, as_of)
        for action in evaluation.actions:
            if action.status in OPEN:
                yield evaluation.child_id, action


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _description(child_id: str, action: RequiredAction) -> str:
    lines = [
        f"{action.kind} ({action.obligation}) for child {child_id}, episode {action.episode_id}",
        f"status as at evaluation: {action.status.value}",
        f"responsible: {action.responsible}"
        + (f"; to: {action.recipient}" if action.recipient else ""),
        f"deadline: {action.deadline.rule}",
    ]
    if action.due_at_latest is not None and action.due_at_latest != action.due_at:
        lines.append(
            f"due between {action.due_at.isoformat() if action.due_at else '?'} and "
            f"{action.due_at_latest.isoformat()} (moments known only to the day)"
        )
    if action.undetermined_reason:
        lines.append(f"undetermined: {action.undetermined_reason}")
    lines += [
        f"rule: {action.rule_id}",
        f'{action.citation.protocol} {action.citation.section}: "{action.citation.quote}"',
    ]
    return "\n".join(lines)


def worklist_ical(actions: Iterable[tuple[str, RequiredAction]], as_of: dt.datetime) -> bytes:
    """An iCalendar file with one ``VTODO`` per action."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    stamp = _utc(london_datetime(as_of))
    for child_id, action in actions:
        todo = Todo()
        todo.add("uid", action.id)
        todo.add("dtstamp", stamp)
        todo.add("summary", f"{action.kind}: child {child_id}, episode {action.episode_id}")
        todo.add("description", _description(child_id, action))
        todo.add("status", "NEEDS-ACTION")
        todo.add("priority", PRIORITY.get(action.obligation, 0))
        todo.add("categories", [action.kind])
        if action.due_at is not None:
            todo.add("due", _utc(action.due_at))
        calendar.add_component(todo)
    data: bytes = calendar.to_ical()
    return data


CSV_COLUMNS = (
    "action_id",
    "child_id",
    "episode_id",
    "kind",
    "obligation",
    "status",
    "responsible",
    "recipient",
    "due_at",
    "due_at_latest",
    "rule_id",
    "section",
    "undetermined_reason",
)


def worklist_csv(actions: Iterable[tuple[str, RequiredAction]]) -> str:
    """The same worklist as CSV, one row per action (times ISO 8601, London offset)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for child_id, a in actions:
        writer.writerow(
            (
                a.id,
                child_id,
                a.episode_id,
                a.kind,
                a.obligation,
                a.status.value,
                a.responsible,
                a.recipient or "",
                a.due_at.isoformat() if a.due_at else "",
                a.due_at_latest.isoformat() if a.due_at_latest else "",
                a.rule_id,
                a.citation.section,
                a.undetermined_reason or "",
            )
        )
    return out.getvalue()

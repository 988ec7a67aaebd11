"""Golden cases as data: ``tests/cases/<area>/*.yaml``.

Each case file holds::

    note: what the case shows, citing the protocol section
    protocol: camden            # a bundled protocol id
    as_of: 2024-04-05T12:00     # London time unless an offset is given
    timeline: {...}             # a timeline, as in docs/timeline.md
    expect:
      episodes:                 # optional: classification per episode
        - {id: E-1, category: missing, police_risk: high}
      actions:                  # the exact set of required actions, by id
        - id: camden:C-1:E-1:return_interview_72h
          status: due           # met | met_late | due | overdue
          due: 2024-04-03T09:15:00+01:00   # or null for no deadline
          responsible: childrens_society   # optional
      upcoming:                 # optional: the exact upcoming list
        - {rule: strategy_meeting_28_days, at: 2024-04-26T21:30:00+01:00}
      pending:                  # optional: the exact list of actions awaiting a judgement
        - {rule: rhi_refused_information_from_parents, awaiting: [[rhi_refused_by_child]]}
    # or, instead of expect:
    expect_error: timeline.unknown_category   # the code of the single problem

Every action the evaluator returns must be listed and every listed action must
be returned: a case pins the whole answer, not a part of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from missing_protocol import Evaluation, InputError, evaluate, load_protocol
from missing_protocol.errors import TimelineError
from missing_protocol.loading import parse_document, validate_document
from missing_protocol.timeline import Timeline, london_datetime

CASES = Path(__file__).parent / "cases"

CASE_KEYS = {"note", "protocol", "as_of", "timeline", "expect", "expect_error"}
EXPECT_KEYS = {"episodes", "actions", "upcoming", "pending"}
ACTION_KEYS = {"id", "status", "due", "responsible", "triggered", "recipient"}


@dataclass(frozen=True)
class Case:
    path: Path
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def all_cases() -> list[Case]:
    return [Case(path, _read(path)) for path in sorted(CASES.glob("*/*.yaml"))]


def _read(path: Path) -> dict[str, Any]:
    data, _ = parse_document(path.read_text(encoding="utf-8"), str(path), error=InputError)
    assert isinstance(data, dict), f"{path}: a case is a mapping"
    return data


def _moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return london_datetime(dt.datetime.fromisoformat(str(value)))


def _listed(value: Any) -> Any:
    """A tuple of the result as the list a case writes in YAML (also_categories)."""
    return list(value) if isinstance(value, tuple) else value


def run_case(case: Case) -> set[str]:
    """Check one case; return the ids of the rules it made fire."""
    data = case.data
    unknown = set(data) - CASE_KEYS
    assert not unknown, f"{case.name}: unknown keys {sorted(unknown)}"
    assert data.get("note"), f"{case.name}: a case needs a note citing its section"
    assert case.path.parent.name == data["protocol"], f"{case.name}: folder is not the protocol"
    protocol = load_protocol(data["protocol"])
    as_of = _moment(data["as_of"])
    assert as_of is not None
    _, smap = parse_document(
        case.path.read_text(encoding="utf-8"), str(case.path), error=InputError
    )
    if "expect_error" in data:
        try:
            timeline = validate_document(Timeline, data["timeline"], smap, error=TimelineError)
            evaluate(protocol, timeline, as_of)
        except InputError as exc:
            codes = [p.code for p in exc.problems]
            assert codes == [data["expect_error"]], f"{case.name}: got {codes}"
            return set()
        raise AssertionError(f"{case.name}: expected error {data['expect_error']}")
    timeline = validate_document(Timeline, data["timeline"], smap, error=TimelineError)
    result = evaluate(protocol, timeline, as_of)
    expect = data["expect"]
    assert set(expect) <= EXPECT_KEYS, f"{case.name}: unknown expect keys"
    for wanted in expect.get("episodes", []):
        got = next(e for e in result.episodes if e.episode_id == wanted["id"])
        for key, value in wanted.items():
            if key == "id":
                continue
            actual = _listed(getattr(got, key))
            assert actual == value, (
                f"{case.name}: episode {wanted['id']} {key}: got {getattr(got, key)!r}, "
                f"want {value!r}"
            )
    got_actions = {a.id: a for a in result.actions}
    want_actions = {w["id"]: w for w in expect.get("actions", [])}
    missing = sorted(set(want_actions) - set(got_actions))
    extra = sorted(set(got_actions) - set(want_actions))
    assert not missing, f"{case.name}: expected but not required: {missing}"
    assert not extra, f"{case.name}: required but not expected: {extra}"
    for action_id, wanted in want_actions.items():
        assert set(wanted) <= ACTION_KEYS, f"{case.name}: unknown keys in {action_id}"
        got = got_actions[action_id]
        assert "status" in wanted, f"{case.name}: {action_id} needs status"
        assert "due" in wanted, f"{case.name}: {action_id} needs due"
        assert got.status.value == wanted["status"], (
            f"{case.name}: {action_id} status {got.status.value}, want {wanted['status']}"
        )
        assert got.due_at == _moment(wanted["due"]), (
            f"{case.name}: {action_id} due {got.due_at and got.due_at.isoformat()}, "
            f"want {wanted['due']}"
        )
        if "responsible" in wanted:
            assert got.responsible == wanted["responsible"], (
                f"{case.name}: {action_id} responsible {got.responsible}"
            )
        if "triggered" in wanted:
            assert got.triggered_at == _moment(wanted["triggered"]), (
                f"{case.name}: {action_id} triggered {got.triggered_at.isoformat()}"
            )
        if "recipient" in wanted:
            assert got.recipient == wanted["recipient"]
    if "upcoming" in expect:
        got_up = [(u.rule_id, u.triggers_at) for u in result.upcoming]
        want_up = [(u["rule"], _moment(u["at"])) for u in expect["upcoming"]]
        assert sorted(got_up, key=str) == sorted(want_up, key=str), (
            f"{case.name}: upcoming differ:\n  got  {[(r, t.isoformat()) for r, t in got_up]}"
        )
    _check_pending(case, expect, result)
    return {a.rule_id for a in result.actions} | {u.rule_id for u in result.upcoming}


def _check_pending(case: Case, expect: dict[str, Any], result: Evaluation) -> None:
    """The actions awaiting a judgement, in order, with what each awaits (when the case says)."""
    if "pending" not in expect:
        return
    got = [(p.rule_id, [list(s) for s in p.awaiting]) for p in result.pending]
    want = [(p["rule"], p["awaiting"]) for p in expect["pending"]]
    assert got == want, f"{case.name}: pending differ:\n  got  {got}"


def dump_expectation(protocol_id: str, timeline_yaml: str, as_of: str) -> str:
    """Print the current answer as an ``expect`` block, for writing a new case.

    Check every line against the protocol text before committing it: a golden
    case pins what the protocol says, not what the code happens to do.
    """
    data = yaml.safe_load(timeline_yaml)
    timeline = Timeline.model_validate(data)
    result = evaluate(load_protocol(protocol_id), timeline, _moment(as_of))  # type: ignore[arg-type]
    lines = ["expect:", "  actions:"]
    for a in result.actions:
        due = a.due_at.isoformat() if a.due_at else "null"
        lines.append(f"    - id: {a.id}")
        lines.append(f"      status: {a.status.value}")
        lines.append(f"      due: {due}")
        lines.append(f"      responsible: {a.responsible}")
    lines.append("  upcoming:")
    for u in result.upcoming:
        lines.append(f"    - {{rule: {u.rule_id}, at: {u.triggers_at.isoformat()}}}")
    if result.pending:
        lines.append("  pending:")
        for p in result.pending:
            awaiting = ", ".join("[" + ", ".join(s) + "]" for s in p.awaiting)
            lines.append(f"    - {{rule: {p.rule_id}, awaiting: [{awaiting}]}}")
    return "\n".join(lines)

"""The explanation of an evaluation is written when first read, once, and reads the same.

``evaluate`` leaves each action's trigger words, facts and deadline trace (and the
condition of upcoming and pending actions) to be written on first read
(:class:`missing_protocol.results._Explained`). These tests hold that nothing is written
that nobody reads, that each record's explanation is written at most once, and that a
record behaves as one made whole: equality, hashing, copying, pickling, ``replace``
and JSON (the equivalence tests compare the JSON with the reference interpreter's).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import importlib
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from golden import Case, all_cases
from missing_protocol import evaluate, load_protocol, to_json
from missing_protocol.results import (
    ActionStatus,
    Evaluation,
    PendingAction,
    RequiredAction,
    UpcomingAction,
)
from missing_protocol.timeline import Timeline, london_datetime

# ``missing_protocol.evaluate`` is also the function, so the module is found by name.
wording = importlib.import_module("missing_protocol.evaluate.wording")

CASES = [case for case in all_cases() if "expect" in case.data]


def evaluation_of(case: Case) -> Evaluation:
    as_of = london_datetime(dt.datetime.fromisoformat(str(case.data["as_of"])))
    timeline = Timeline.model_validate(case.data["timeline"])
    return evaluate(load_protocol(case.data["protocol"]), timeline, as_of)


def records(evaluation: Evaluation) -> Iterator[RequiredAction | UpcomingAction | PendingAction]:
    yield from evaluation.actions
    yield from evaluation.upcoming
    yield from evaluation.pending


def unwritten(record: object) -> bool:
    """Whether the record still holds its explanation unwritten."""
    try:
        return object.__getattribute__(record, "_explain") is not None
    except AttributeError:  # made whole (a copy or an unpickled record)
        return False


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the calls of the functions that write explanations."""
    calls = {"_explanation": 0, "_upcoming_condition": 0, "_condition": 0}

    def counting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            calls[name] += 1
            return real(*args)

        return wrapper

    for name in calls:
        monkeypatch.setattr(wording, name, counting(name, getattr(wording, name)))
    return calls


def test_nothing_is_written_until_read_and_each_record_once(counted: dict[str, int]) -> None:
    evaluations = [evaluation_of(case) for case in CASES]
    assert sum(counted.values()) == 0
    everything = [r for e in evaluations for r in records(e)]
    assert everything
    assert all(unwritten(r) for r in everything)

    for evaluation in evaluations:
        to_json(evaluation)
        to_json(evaluation)  # a second reading writes nothing more
    assert counted["_explanation"] == sum(len(e.actions) for e in evaluations)
    assert counted["_upcoming_condition"] == sum(len(e.upcoming) for e in evaluations)
    assert counted["_condition"] == sum(len(e.pending) for e in evaluations)
    assert not any(unwritten(r) for r in everything)


def test_reading_one_field_writes_the_record_whole_and_lets_go() -> None:
    evaluation = evaluation_of(CASES[0])
    action = evaluation.actions[0]
    assert unwritten(action)
    assert isinstance(action.trigger, str)
    assert action.trigger
    assert not unwritten(action)
    assert isinstance(action.facts, tuple)
    assert action.deadline.rule


def test_the_eager_fields_are_there_without_writing_the_explanation() -> None:
    evaluation = evaluation_of(CASES[0])
    for action in evaluation.actions:
        assert action.id
        assert action.rule_id
        assert action.kind
        assert action.citation.section
        assert isinstance(action.status, ActionStatus)
        assert unwritten(action)


@pytest.mark.parametrize("case", CASES[:40], ids=[case.name for case in CASES[:40]])
def test_a_record_read_late_is_equal_to_one_read_at_once(case: Case) -> None:
    late, early = evaluation_of(case), evaluation_of(case)
    text = to_json(early)  # every explanation of `early` written
    for record in records(late):
        assert unwritten(record)
        assert copy.copy(record) == record  # copying reads (and writes) it
    assert late == early
    assert hash(late.actions) == hash(early.actions)
    assert to_json(late) == text


def test_copies_pickles_and_replacements_keep_the_explanation() -> None:
    evaluation = evaluation_of(CASES[0])
    for record in records(evaluation):
        fresh = pickle.loads(pickle.dumps(record))
        assert fresh == record
        assert not unwritten(fresh)
        assert copy.deepcopy(record) == record
    action = evaluation_of(CASES[0]).actions[0]
    changed = dataclasses.replace(action, status=ActionStatus.OVERDUE)
    assert changed.status is ActionStatus.OVERDUE
    assert (changed.trigger, changed.facts, changed.deadline) == (
        action.trigger,
        action.facts,
        action.deadline,
    )
    assert pickle.loads(pickle.dumps(evaluation_of(CASES[0]))) == evaluation


def test_other_missing_attributes_are_still_missing() -> None:
    action = evaluation_of(CASES[0]).actions[0]
    with pytest.raises(AttributeError):
        action.no_such_field  # type: ignore[attr-defined]  # noqa: B018
    assert getattr(action, "__deepcopy__", None) is None
    assert unwritten(action)
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.trigger = "changed"  # type: ignore[misc]

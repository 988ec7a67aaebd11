"""The date of the child's next review: ``next_review_on`` (timeline version 3) and the
deadlines ``before_next_review`` and ``at_next_review`` (rule-file version 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from missing_protocol import ActionStatus, Timeline, TimelineError, evaluate, explain_action
from missing_protocol.loading import parse_timeline
from test_moments_and_deadlines import at, problems, protocol, rule

BEFORE = rule("report", "    trigger: {on: returned}\n    deadline: before_next_review\n")
AT = rule("review", "    trigger: {on: started}\n    deadline: at_next_review\n")
EPISODE = {
    "id": "E1",
    "started_at": "2024-05-01T21:30",
    "returned_at": "2024-05-03T10:00",
}


def timeline_reviewed(
    review: str | None, *events: dict[str, Any], episode: dict[str, Any] = EPISODE
) -> Timeline:
    child: dict[str, Any] = {"id": "C-1", "date_of_birth": "2010-05-01"}
    if review is not None:
        child["next_review_on"] = review
    return Timeline.model_validate(
        {"schema_version": 3, "child": child, "episodes": [episode], "events": list(events)}
    )


def done(when: str) -> dict[str, Any]:
    return {"episode": "E1", "action": "report_to_police", "at": when}


@pytest.mark.parametrize("word", ["before_next_review", "at_next_review"])
def test_each_deadline_needs_rule_file_version_2(word: str) -> None:
    body = f"    trigger: {{on: returned}}\n    deadline: {word}\n"
    [found] = problems(rule("r", body), version=1)
    assert found.startswith("mini.yaml:23:15: rules[0].deadline: ")
    assert found.endswith("set schema_version to 2 [schema.needs_version]")


def test_the_child_field_needs_timeline_version_3_and_a_date() -> None:
    text = (
        "schema_version: 2\nchild: {id: C-1, date_of_birth: 2010-05-01, "
        "next_review_on: 2024-06-10}\nepisodes:\n  - id: E1\n    started_at: 2024-05-01T10:00\n"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("child.next_review_on", "schema.needs_version")
    ]
    v3 = text.replace("schema_version: 2", "schema_version: 3")
    assert parse_timeline(v3, "t.yaml").child.next_review_on == dt.date(2024, 6, 10)
    with pytest.raises(TimelineError) as caught:
        parse_timeline(v3.replace("2024-06-10", "next week"), "t.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("child.next_review_on", 2)


def test_before_the_next_review_is_the_start_of_its_day() -> None:
    mini = protocol(BEFORE)
    result = evaluate(mini, timeline_reviewed("2024-06-10"), at("2024-06-01T12:00"))
    [action] = result.actions
    assert (action.due_at, action.status) == (at("2024-06-10T00:00"), ActionStatus.DUE)
    assert action.deadline.rule == "before the next review"
    assert action.deadline.arithmetic == (
        "the start (00:00) of the London day of the child's next review (next_review_on)"
    )
    assert "before the next review" in explain_action(mini, result, action.id)
    # a report at 23:59 the evening before is in time; one on the day of the review is late
    on_time = timeline_reviewed("2024-06-10", done("2024-06-09T23:59"))
    [met] = evaluate(mini, on_time, at("2024-06-11T12:00")).actions
    assert met.status is ActionStatus.MET
    late = timeline_reviewed("2024-06-10", done("2024-06-10T08:00"))
    [met_late] = evaluate(mini, late, at("2024-06-11T12:00")).actions
    assert met_late.status is ActionStatus.MET_LATE
    [overdue] = evaluate(mini, timeline_reviewed("2024-06-10"), at("2024-06-10T00:01")).actions
    assert overdue.status is ActionStatus.OVERDUE


def test_at_the_next_review_is_the_end_of_its_day() -> None:
    mini = protocol(AT)
    [action] = evaluate(mini, timeline_reviewed("2024-06-10"), at("2024-06-01T12:00")).actions
    assert (action.due_at, action.deadline.rule) == (
        at("2024-06-10T23:59:59"),
        "at the next review",
    )
    assert action.deadline.arithmetic == (
        "the end (23:59:59) of the London day of the child's next review (next_review_on)"
    )
    on_the_day = timeline_reviewed("2024-06-10", done("2024-06-10T15:00"))
    [met] = evaluate(mini, on_the_day, at("2024-06-11T12:00")).actions
    assert met.status is ActionStatus.MET
    [overdue] = evaluate(mini, timeline_reviewed("2024-06-10"), at("2024-06-11T00:00")).actions
    assert overdue.status is ActionStatus.OVERDUE


def test_a_review_on_the_day_the_duty_arose() -> None:
    """At the review: that review counts. Before the review: it is not the next one."""
    [at_review] = evaluate(
        protocol(AT), timeline_reviewed("2024-05-01"), at("2024-05-01T22:00")
    ).actions
    assert at_review.due_at == at("2024-05-01T23:59:59")
    [before] = evaluate(
        protocol(BEFORE), timeline_reviewed("2024-05-03"), at("2024-05-04T12:00")
    ).actions
    assert (before.due_at, before.status) == (None, ActionStatus.DUE)
    assert before.deadline.arithmetic == (
        "not yet computable: next_review_on (2024-05-03) is not after the day the duty "
        "arose, so the next review's date is not recorded"
    )


def test_no_review_recorded_or_only_an_earlier_one_sets_no_deadline() -> None:
    mini = protocol(AT)
    [unknown] = evaluate(mini, timeline_reviewed(None), at("2025-01-01T12:00")).actions
    assert (unknown.due_at, unknown.status) == (None, ActionStatus.DUE)
    assert unknown.deadline.arithmetic == "not yet computable: next_review_on not recorded"
    [earlier] = evaluate(mini, timeline_reviewed("2024-04-30"), at("2025-01-01T12:00")).actions
    assert (earlier.due_at, earlier.status) == (None, ActionStatus.DUE)
    assert earlier.deadline.arithmetic == (
        "not yet computable: next_review_on (2024-04-30) is before the day the duty arose, "
        "so the next review's date is not recorded"
    )


def test_the_day_is_read_in_london_in_summer_time() -> None:
    """A return at 00:30 BST on 1 April (23:30 UTC on 31 March) is on London's 1 April: a
    review that day is not after it. The end of a review day in summer time is in BST."""
    episode = {"id": "E1", "started_at": "2024-03-29T20:00", "returned_at": "2024-04-01T00:30"}
    reviewed = timeline_reviewed("2024-04-01", episode=episode)
    [before] = evaluate(protocol(BEFORE), reviewed, at("2024-04-02T12:00")).actions
    assert before.due_at is None
    [at_review] = evaluate(protocol(AT), reviewed, at("2024-04-02T12:00")).actions
    assert at_review.due_at == at("2024-04-01T23:59:59")
    assert at_review.due_at is not None
    assert at_review.due_at.utcoffset() == dt.timedelta(hours=1)

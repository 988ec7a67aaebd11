"""The moment the police were told of the return: ``police_told_of_return_at`` (timeline
version 3) and the moment ``police_told_of_return`` (rule-file version 2), a trigger and a
deadline anchor falling back to the return."""

from __future__ import annotations

import re

import pytest

from missing_protocol import ActionStatus, TimelineError, evaluate, explain_action
from missing_protocol.loading import parse_timeline
from test_moments_and_deadlines import at, problems, protocol, rule, timeline

CHECK_24H = rule(
    "check",
    "    trigger: {on: police_told_of_return}\n    deadline: {within: 24 hours}\n",
    responsible="police",
)
RETURNED = {
    "id": "E1",
    "started_at": "2024-05-01T21:30",
    "reported_at": "2024-05-01T22:00",
    "returned_at": "2024-05-02T06:00",
}


def test_the_moment_is_refused_in_a_version_1_rule_file() -> None:
    body = "    trigger: {on: police_told_of_return}\n    deadline: immediately\n"
    found = problems(rule("r", body), version=1)
    assert len(found) == 1
    assert re.match(
        r"mini\.yaml:\d+:\d+: rules\[0\]\.trigger\.on: .*set schema_version to 2 "
        r"\[schema\.needs_version\]$",
        found[0],
    ), found
    deadline = (
        "    trigger: {on: returned}\n    deadline: {within: 1 hour, from: police_told_of_return}\n"
    )
    assert [p.rsplit("[", 1)[1] for p in problems(rule("r", deadline), version=1)] == [
        "schema.needs_version]"
    ]


def test_a_deadline_from_it_needs_a_rule_fired_on_or_after_the_return() -> None:
    body = (
        "    trigger: {on: reported}\n    deadline: {within: 1 hour, from: police_told_of_return}\n"
    )
    [found] = problems(rule("r", body))
    assert found.startswith("mini.yaml:")
    assert "rules[0].deadline.from: a deadline from 'police_told_of_return' needs a rule" in found
    assert found.endswith("[compile.deadline_before_anchor]")
    returned = body.replace("{on: reported}", "{on: returned}")
    assert protocol(rule("r", returned)).rules[0].deadline.anchor.value == "police_told_of_return"


def test_the_timeline_field_needs_version_3_a_time_and_the_return_before_it() -> None:
    text = (
        "schema_version: 2\nchild: {id: C-1, date_of_birth: 2010-05-01}\n"
        "episodes:\n  - id: E1\n    started_at: 2024-05-01T10:00\n"
        "    returned_at: 2024-05-01T18:00\n    police_told_of_return_at: 2024-05-01T18:30\n"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("episodes[0].police_told_of_return_at", "schema.needs_version")
    ]
    v3 = text.replace("schema_version: 2", "schema_version: 3")
    assert parse_timeline(v3, "t.yaml").episodes[0].police_told_of_return_at == at(
        "2024-05-01T18:30"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(v3.replace("2024-05-01T18:30", "2024-05-01"), "t.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column, problem.code) == (
        "episodes[0].police_told_of_return_at",
        7,
        31,
        "schema.day_only",
    )
    assert "give the time, or leave it out" in problem.message
    with pytest.raises(TimelineError) as caught:
        parse_timeline(v3.replace("T18:30", "T17:59"), "t.yaml")
    assert [(p.path, p.code, p.message) for p in caught.value.problems] == [
        (
            "episodes[0].police_told_of_return_at",
            "schema.time_order",
            "police_told_of_return_at is before returned_at: the police cannot be told of a "
            "return before it happens; check both",
        )
    ]
    with pytest.raises(TimelineError) as caught:
        parse_timeline(v3.replace("    returned_at: 2024-05-01T18:00\n", ""), "t.yaml")
    [problem] = caught.value.problems
    assert problem.code == "schema.time_order"
    assert "give the return (returned_at), or leave police_told_of_return_at out" in problem.message
    # at the very moment of the return is allowed (the police located the child)
    same = parse_timeline(v3.replace("T18:30", "T18:00"), "t.yaml")
    assert same.episodes[0].police_told_of_return_at == at("2024-05-01T18:00")


def test_the_trigger_falls_back_to_the_return_and_says_so() -> None:
    mini = protocol(CHECK_24H)
    result = evaluate(mini, timeline(RETURNED), at("2024-05-02T12:00"))
    [action] = result.actions
    assert (action.triggered_at, action.due_at, action.status) == (
        at("2024-05-02T06:00"),
        at("2024-05-03T06:00"),
        ActionStatus.DUE,
    )
    assert action.trigger == (
        "the police were told of the return (police_told_of_return_at not recorded: the "
        "return is used) at 2024-05-02T06:00:00+01:00"
    )
    assert "police_told_of_return_at not recorded: the return is used" in explain_action(
        mini, result, action.id
    )


def test_the_24_hours_run_from_when_the_police_were_told() -> None:
    mini = protocol(CHECK_24H)
    told = {**RETURNED, "police_told_of_return_at": "2024-05-02T10:15"}
    events = [{"episode": "E1", "action": "report_to_police", "at": "2024-05-03T08:00"}]
    # not yet told at 09:00: no duty yet; told at 10:15: due 24 hours later
    assert evaluate(mini, timeline(told), at("2024-05-02T09:00")).actions == ()
    [action] = evaluate(mini, timeline(told, events=events), at("2024-05-04T12:00")).actions
    assert (action.triggered_at, action.due_at, action.status) == (
        at("2024-05-02T10:15"),
        at("2024-05-03T10:15"),
        ActionStatus.MET,
    )
    assert action.trigger == "the police were told of the return at 2024-05-02T10:15:00+01:00"
    # the same check is late against the return itself (06:00 + 24 hours)
    [late] = evaluate(mini, timeline(RETURNED, events=events), at("2024-05-04T12:00")).actions
    assert late.status is ActionStatus.MET_LATE


def test_24_hours_across_the_clock_change_are_elapsed_hours() -> None:
    mini = protocol(CHECK_24H)
    episode = {
        "id": "E1",
        "started_at": "2024-03-29T20:00",
        "returned_at": "2024-03-30T22:00",
        "police_told_of_return_at": "2024-03-30T23:30",
    }
    [action] = evaluate(mini, timeline(episode), at("2024-04-02T12:00")).actions
    # the clocks go forward at 01:00 on 31 March: 24 elapsed hours end at 00:30 on 1 April
    assert action.due_at == at("2024-04-01T00:30")
    assert action.status is ActionStatus.OVERDUE


def test_a_deadline_anchored_on_it_from_the_return() -> None:
    mini = protocol(
        rule(
            "check",
            "    trigger: {on: returned}\n"
            "    deadline: {within: 1 hour, from: police_told_of_return}\n",
            responsible="police",
        )
    )
    told = {**RETURNED, "police_told_of_return_at": "2024-05-02T07:40"}
    # returned, but the police not yet told: the duty is due with no deadline yet
    [waiting] = evaluate(mini, timeline(told), at("2024-05-02T07:00")).actions
    assert (waiting.triggered_at, waiting.due_at, waiting.status) == (
        at("2024-05-02T06:00"),
        None,
        ActionStatus.DUE,
    )
    [action] = evaluate(mini, timeline(told), at("2024-05-02T09:00")).actions
    assert (action.due_at, action.status) == (at("2024-05-02T08:40"), ActionStatus.OVERDUE)
    assert action.deadline.arithmetic == "elapsed hours"
    [fallback] = evaluate(mini, timeline(RETURNED), at("2024-05-02T09:00")).actions
    assert fallback.due_at == at("2024-05-02T07:00")
    assert fallback.deadline.arithmetic == (
        "elapsed hours (police_told_of_return_at not recorded: the return is used)"
    )

"""``deadline: next_office_opening`` (rule-file version 2): "as soon as day time services
resume", the next opening of the protocol's office hours at or after the trigger."""

from __future__ import annotations

import pytest

from missing_protocol import ActionStatus, evaluate, explain_action
from test_moments_and_deadlines import at, problems, protocol, rule, timeline

RESUME = rule(
    "tell", "    trigger: {on: started}\n    deadline: next_office_opening\n", responsible="edt"
)
HOURS = "office hours Monday to Friday 09:00-17:00, closed on England's bank holidays"


def due_after(started: str) -> object:
    episode = {"id": "E1", "started_at": started}
    [action] = evaluate(protocol(RESUME, office=True), timeline(episode), at(started)).actions
    return action.due_at


@pytest.mark.parametrize(
    ("started", "due"),
    [
        # in office hours: services are running, so due at once
        ("2024-05-01T10:00", "2024-05-01T10:00"),
        ("2024-05-01T09:00", "2024-05-01T09:00"),
        ("2024-05-01T16:59", "2024-05-01T16:59"),
        # before opening on a working day: that morning
        ("2024-05-01T08:59", "2024-05-01T09:00"),
        ("2024-05-01T00:00", "2024-05-01T09:00"),
        # from closing on: the next working day
        ("2024-05-01T17:00", "2024-05-02T09:00"),
        # a weekend: Monday
        ("2024-05-03T17:30", "2024-05-07T09:00"),  # Friday evening; Monday 6 May is a bank holiday
        ("2024-05-11T12:00", "2024-05-13T09:00"),  # Saturday
        # Easter: Maundy Thursday evening, Good Friday and Easter Monday closed, and the
        # clocks go forward on Sunday 31 March: Tuesday 09:00 BST
        ("2024-03-28T18:00", "2024-04-02T09:00"),
        # Christmas and Boxing Day on a Wednesday and Thursday
        ("2024-12-24T17:00", "2024-12-27T09:00"),
    ],
)
def test_due_at_the_next_opening(started: str, due: str) -> None:
    assert due_after(started) == at(due)


def test_the_trace_says_which_hours_and_whether_it_was_in_them() -> None:
    mini = protocol(RESUME, office=True)
    episode = {"id": "E1", "started_at": "2024-03-28T18:00"}
    result = evaluate(mini, timeline(episode), at("2024-04-02T10:00"))
    [action] = result.actions
    assert action.status is ActionStatus.OVERDUE
    assert action.deadline.rule == "as soon as day-time services resume"
    assert action.deadline.arithmetic == f"{HOURS}; the next opening after the trigger"
    assert "as soon as day-time services resume" in explain_action(mini, result, action.id)
    in_hours = {"id": "E1", "started_at": "2024-04-03T11:00"}
    [now] = evaluate(mini, timeline(in_hours), at("2024-04-03T12:00")).actions
    assert now.deadline.arithmetic == f"{HOURS}; triggered in office hours: due at once"


def test_a_notice_before_the_opening_is_in_time() -> None:
    mini = protocol(RESUME, office=True)
    episode = {"id": "E1", "started_at": "2024-05-03T22:00"}
    events = [{"episode": "E1", "action": "report_to_police", "at": "2024-05-07T08:30"}]
    [action] = evaluate(mini, timeline(episode, events=events), at("2024-05-08T12:00")).actions
    assert (action.due_at, action.status) == (at("2024-05-07T09:00"), ActionStatus.MET)


def test_it_needs_office_hours_and_rule_file_version_2() -> None:
    [found] = problems(RESUME)
    assert found.startswith("mini.yaml:")
    assert "rules[0].deadline: deadline next_office_opening needs the protocol's office hours" in (
        found
    )
    assert found.endswith("[compile.no_office_hours]")
    too_old = problems(RESUME, version=1, office=True)
    assert any(
        "rules[0].deadline: " in p and p.endswith("[schema.needs_version]") for p in too_old
    ), too_old

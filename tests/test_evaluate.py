"""The evaluator's semantics, on a small rule file written for the purpose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from missing_protocol import (
    ActionStatus,
    RuleFileError,
    Timeline,
    TimelineError,
    compile_text,
    evaluate,
    load_protocol,
    to_jsonable,
)
from missing_protocol.calendar import LONDON

MINI = load_protocol(Path(__file__).parent / "data" / "mini.yaml")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def timeline(
    *episodes: dict[str, Any], events: list[dict[str, Any]] | None = None, **child: Any
) -> Timeline:
    return Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2010-05-01", **child},
            "episodes": list(episodes),
            "events": events or [],
        }
    )


def ids(result: Any) -> list[str]:
    return [a.id for a in result.actions]


def test_immediate_report_is_due_at_the_start_and_judged_by_the_report_time() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00", "reported_at": "2024-05-01T10:00"})
    result = evaluate(MINI, t, at("2024-05-01T12:00"))
    report = result.action("mini:C-1:E1:report")
    assert report.due_at == at("2024-05-01T10:00")
    assert report.status is ActionStatus.MET
    assert report.met_at == at("2024-05-01T10:00")


def test_elapsed_trigger_boundaries() -> None:
    start = "2024-05-01T10:00"
    just_before = timeline({"id": "E1", "started_at": start, "returned_at": "2024-05-02T09:59"})
    exactly = timeline({"id": "E1", "started_at": start, "returned_at": "2024-05-02T10:00"})
    after = timeline({"id": "E1", "started_at": start, "returned_at": "2024-05-02T10:01"})
    as_of = at("2024-05-10T12:00")
    assert "mini:C-1:E1:meeting_after_24h" not in ids(evaluate(MINI, just_before, as_of))
    # back exactly at 24 hours: not "still missing after 24 hours"
    assert "mini:C-1:E1:meeting_after_24h" not in ids(evaluate(MINI, exactly, as_of))
    meeting = evaluate(MINI, after, as_of).action("mini:C-1:E1:meeting_after_24h")
    assert meeting.triggered_at == at("2024-05-02T10:00")
    # Thursday 2 May 2024 + 3 working days: Fri 3, (weekend, bank holiday Mon 6), Tue 7, Wed 8
    assert meeting.due_at == at("2024-05-08T23:59:59")
    assert meeting.deadline.skipped_days == (
        dt.date(2024, 5, 4),
        dt.date(2024, 5, 5),
        dt.date(2024, 5, 6),
    )
    assert meeting.status is ActionStatus.OVERDUE


def test_upcoming_while_still_missing_and_not_after_return() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"})
    result = evaluate(MINI, t, at("2024-05-01T20:00"))
    upcoming = [(u.rule_id, u.triggers_at) for u in result.upcoming]
    assert upcoming == [
        ("meeting_after_24h", at("2024-05-02T10:00")),
        ("weekly_update", at("2024-05-08T10:00")),
    ]
    assert "if still missing at 2024-05-02T10:00:00+01:00" in result.upcoming[0].condition


def test_recurring_stops_at_until_and_on_return() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"})
    result = evaluate(MINI, t, at("2024-07-01T10:00"))
    updates = [a for a in result.actions if a.rule_id == "weekly_update"]
    # every 7 days, strictly before 4 weeks: days 7, 14 and 21
    assert [a.occurrence for a in updates] == [1, 2, 3]
    assert [a.triggered_at for a in updates] == [
        at("2024-05-08T10:00"),
        at("2024-05-15T10:00"),
        at("2024-05-22T10:00"),
    ]
    returned = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "returned_at": "2024-05-15T09:00"}
    )
    updates = [
        a
        for a in evaluate(MINI, returned, at("2024-07-01T10:00")).actions
        if a.rule_id == "weekly_update"
    ]
    assert [a.occurrence for a in updates] == [1]


def test_recorded_events_satisfy_one_occurrence_each() -> None:
    events = [
        {"action": "progress_update", "at": "2024-05-08T12:00"},
        {"action": "progress_update", "at": "2024-05-17T12:00"},
    ]
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"}, events=events)
    updates = [
        a for a in evaluate(MINI, t, at("2024-05-30T10:00")).actions if a.rule_id == "weekly_update"
    ]
    assert [a.status for a in updates] == [
        ActionStatus.MET,
        ActionStatus.MET_LATE,
        ActionStatus.OVERDUE,
    ]


@pytest.mark.parametrize(
    ("first_start", "fires"),
    [
        ("2024-02-03T10:00", True),  # exactly 90 days before the third: inside
        ("2024-02-03T09:59", False),  # a minute earlier: outside
    ],
)
def test_episode_count_window_boundary(first_start: str, fires: bool) -> None:
    t = timeline(
        {"id": "E1", "started_at": first_start, "returned_at": "2024-02-03T12:00"},
        {"id": "E2", "started_at": "2024-03-01T10:00", "returned_at": "2024-03-01T12:00"},
        {"id": "E3", "started_at": "2024-05-03T10:00", "returned_at": "2024-05-03T12:00"},
    )
    result = evaluate(MINI, t, at("2024-05-04T10:00"))
    assert ("mini:C-1:E3:third_in_90_days" in ids(result)) is fires


def test_allocation_first_match_and_reason() -> None:
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "returned_at": "2024-05-01T12:00"},
        date_of_birth="2012-05-01",
    )
    interview = evaluate(MINI, t, at("2024-05-02T10:00")).action("mini:C-1:E1:interview")
    assert interview.responsible == "childrens_society"
    assert interview.responsible_reason == "interviewer option 1: age >= 12"
    younger = timeline(
        {"id": "E1", "started_at": "2024-04-30T10:00", "returned_at": "2024-05-01T12:00"},
        date_of_birth="2012-05-01",
    )
    interview = evaluate(MINI, younger, at("2024-05-02T10:00")).action("mini:C-1:E1:interview")
    assert interview.responsible == "early_help_family_worker"


def test_risk_floor_raises_and_says_why() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00", "police_risk": "low"})
    episode = evaluate(MINI, t, at("2024-05-01T11:00")).episodes[0]
    assert (episode.police_risk_recorded, episode.police_risk) == ("low", "medium")
    assert episode.risk_raised_by == "never_low"
    absent = timeline(
        {
            "id": "E1",
            "started_at": "2024-05-01T10:00",
            "police_risk": "low",
            "whereabouts_known": True,
        }
    )
    episode = evaluate(MINI, absent, at("2024-05-01T11:00")).episodes[0]
    assert (episode.category, episode.police_risk, episode.risk_raised_by) == (
        "absent",
        "low",
        None,
    )


def test_one_action_per_recipient() -> None:
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "reported_at": "2024-05-01T10:30"},
        case_status="looked_after",
        events=[{"action": "notify", "recipient": "parents", "at": "2024-05-01T11:00"}],
    )
    result = evaluate(MINI, t, at("2024-05-01T12:00"))
    notes = {a.recipient: a.status for a in result.actions if a.rule_id == "notify_both"}
    assert notes == {"allocated_social_worker": ActionStatus.DUE, "parents": ActionStatus.MET}


def test_what_happens_after_as_of_is_not_known() -> None:
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "returned_at": "2024-05-03T10:00"},
        {"id": "E2", "started_at": "2024-06-01T10:00"},
    )
    result = evaluate(MINI, t, at("2024-05-02T12:00"))
    assert [e.episode_id for e in result.episodes] == ["E1"]
    assert result.episodes[0].missing_as_of is True
    assert "mini:C-1:E1:interview" not in ids(result)


def test_result_is_independent_of_input_order() -> None:
    episodes = [
        {"id": "E1", "started_at": "2024-02-03T10:00", "returned_at": "2024-02-04T12:00"},
        {"id": "E2", "started_at": "2024-03-01T10:00", "returned_at": "2024-03-03T12:00"},
        {"id": "E3", "started_at": "2024-05-03T10:00"},
    ]
    events = [
        {"action": "strategy_meeting", "at": "2024-02-06T10:00"},
        {"action": "return_home_interview", "outcome": "completed", "at": "2024-03-04T10:00"},
    ]
    forward = evaluate(MINI, timeline(*episodes, events=events), at("2024-06-01T10:00"))
    backward = evaluate(
        MINI, timeline(*reversed(episodes), events=list(reversed(events))), at("2024-06-01T10:00")
    )
    assert to_jsonable(forward) == to_jsonable(backward)


def test_unknown_category_is_a_timeline_error() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00", "category": "concerning_absence"})
    with pytest.raises(TimelineError) as caught:
        evaluate(MINI, t, at("2024-05-01T12:00"))
    assert str(caught.value) == (
        "1 problem in timeline:\n"
        "<input>: episodes[0].category: 'concerning_absence' is not a category of protocol "
        "'mini' (absent, missing); use one of them, or omit category to have the protocol "
        "derive it [timeline.unknown_category]"
    )


def test_json_output_has_offsets_and_schema_version() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"})
    data = to_jsonable(evaluate(MINI, t, at("2024-05-01T12:00")))
    assert data["schema_version"] == 3  # 2: the day-precision fields; 3: issue 10's language
    assert data["actions"][0]["due_at_latest"] is None
    assert data["uncertain_moments"] == []
    assert data["as_of"] == "2024-05-01T12:00:00+01:00"
    assert data["actions"][0]["due_at"] == "2024-05-01T10:00:00+01:00"


def test_work_since_the_start_meets_an_elapsed_trigger() -> None:
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00"},
        events=[{"action": "strategy_meeting", "at": "2024-05-01T22:00"}],
    )
    meeting = evaluate(MINI, t, at("2024-05-03T10:00")).action("mini:C-1:E1:meeting_after_24h")
    assert meeting.status is ActionStatus.MET
    assert meeting.met_at == at("2024-05-01T22:00")


def test_work_done_for_another_role_does_not_count() -> None:
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "returned_at": "2024-05-01T12:00"},
        events=[
            {
                "action": "return_home_interview",
                "outcome": "completed",
                "at": "2024-05-02T10:00",
                "by": "police",
            },
        ],
    )
    interview = evaluate(MINI, t, at("2024-05-03T10:00")).action("mini:C-1:E1:interview")
    assert interview.status is ActionStatus.DUE


def test_counts_work_from_started_is_refused_on_recurring_rules() -> None:
    text = (Path(__file__).parent / "data" / "mini.yaml").read_text()
    text = text.replace(
        "    trigger: {every: 7 days, until: 4 weeks}\n",
        "    trigger: {every: 7 days, until: 4 weeks}\n    counts_work_from: started\n",
    )
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "mini.yaml")
    assert [p.code for p in caught.value.problems] == ["compile.bad_recurrence"]

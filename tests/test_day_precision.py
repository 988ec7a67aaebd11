"""Moments known only to the day: timeline schema 2 and ``precision.evaluate_bounded``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from golden import all_cases
from missing_protocol import (
    ActionStatus,
    Timeline,
    TimelineError,
    compile_text,
    evaluate,
    load_protocol,
)
from missing_protocol.calendar import LONDON
from missing_protocol.loading import parse_timeline
from missing_protocol.precision import evaluate_bounded, uncertain_moments
from missing_protocol.timeline import timeline_to_jsonable

MINI = load_protocol(Path(__file__).parent / "data" / "mini.yaml")
CAMDEN = load_protocol("camden")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def v2(*episodes: dict[str, Any], events: list[dict[str, Any]] | None = None) -> Timeline:
    return Timeline.model_validate(
        {
            "schema_version": 2,
            "child": {"id": "C-1", "date_of_birth": "2010-05-01", "case_status": "looked_after"},
            "episodes": list(episodes),
            "events": events or [],
        }
    )


def codes(text: str) -> list[tuple[str, str]]:
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    return [(p.code, p.path) for p in caught.value.problems]


# --- the timeline ------------------------------------------------------------


def test_a_date_alone_is_known_to_the_day_from_version_2() -> None:
    t = v2({"id": "E1", "started_at": "2024-12-11T21:00", "returned_at": "2024-12-13"})
    episode = t.episodes[0]
    assert episode.known_to_day == frozenset({"returned_at"})
    assert episode.returned_at == at("2024-12-13T00:00")
    assert episode.bounds("returned_at") == (at("2024-12-13T00:00"), at("2024-12-13T23:59:59"))
    assert episode.bounds("started_at") == (at("2024-12-11T21:00"), at("2024-12-11T21:00"))
    assert t.day_only()


def test_version_1_keeps_its_meaning_a_date_alone_is_midnight() -> None:
    t = parse_timeline(
        "child: {id: C, date_of_birth: 2010-01-01}\nepisodes: [{id: E, started_at: 2024-12-13}]"
    )
    assert t.schema_version == 1
    assert t.episodes[0].started_at == at("2024-12-13T00:00")
    assert t.episodes[0].known_to_day == frozenset()
    assert not t.day_only()


def test_day_only_moments_need_version_2_and_a_first_instant() -> None:
    assert codes(
        "schema_version: 1\nchild: {id: C, date_of_birth: 2010-01-01}\n"
        "episodes: [{id: E, started_at: 2024-12-13T00:00, known_to_day: [started_at]}]"
    ) == [("schema.day_only", "schema_version")]
    assert codes(
        "schema_version: 2\nchild: {id: C, date_of_birth: 2010-01-01}\n"
        "episodes: [{id: E, started_at: 2024-12-13T10:00, known_to_day: [started_at]}]"
    ) == [("schema.day_only", "episodes[0].started_at")]


def test_episodes_touching_on_one_day_are_not_an_overlap_in_either_order() -> None:
    away = {"id": "A", "started_at": "2024-12-12", "returned_at": "2024-12-12"}
    missing = {"id": "M", "started_at": "2024-12-12", "returned_at": "2024-12-14"}
    assert v2(away, missing).chronological() == [0, 1]
    assert v2(missing, away).chronological() == [1, 0]


def test_day_only_overlap_and_order_are_errors_only_when_certain() -> None:
    head = "schema_version: 2\nchild: {id: C, date_of_birth: 2010-01-01}\nepisodes:\n"
    assert codes(
        head + "  - {id: A, started_at: 2024-12-12, returned_at: 2024-12-13}\n"
        "  - {id: B, started_at: 2024-12-12, returned_at: 2024-12-14}\n"
    ) == [("schema.overlap", "episodes[1].started_at")]
    assert codes(head + "  - {id: A, started_at: 2024-12-12T10:00, returned_at: 2024-12-11}\n") == [
        ("schema.time_order", "episodes[0].returned_at")
    ]
    same_day = parse_timeline(
        head + "  - {id: A, started_at: 2024-12-12T10:00, returned_at: 2024-12-12}\n"
    )
    assert same_day.episodes[0].known_to_day == frozenset({"returned_at"})


def test_timeline_to_jsonable_writes_dates_alone_and_reads_back_equal() -> None:
    t = v2(
        {"id": "E1", "started_at": "2024-12-11", "returned_at": "2024-12-13T08:30"},
        events=[{"action": "return_home_interview", "at": "2024-12-16", "episode": "E1"}],
    )
    data = timeline_to_jsonable(t)
    assert data["episodes"][0]["started_at"] == "2024-12-11"
    assert data["episodes"][0]["returned_at"] == "2024-12-13T08:30:00Z"
    assert data["events"][0]["at"] == "2024-12-16"
    assert "known_to_day" not in data["episodes"][0]
    assert Timeline.model_validate(data) == t


# --- evaluate_bounded ------------------------------------------------------------


def test_without_day_only_moments_it_is_exactly_evaluate() -> None:
    checked = 0
    for case in all_cases():
        if "expect" not in case.data:
            continue
        timeline = Timeline.model_validate(case.data["timeline"])
        protocol = load_protocol(case.data["protocol"])
        as_of = dt.datetime.fromisoformat(str(case.data["as_of"]))
        assert evaluate_bounded(protocol, timeline, as_of) == evaluate(protocol, timeline, as_of)
        checked += 1
    assert checked >= 57  # the golden cases with expectations, as at this writing


FRIDAY = {
    "id": "E-1",
    "missing_from": "care_placement",
    "police_risk": "medium",
    "started_at": "2024-12-11T21:00",
    "reported_at": "2024-12-11T22:00",
    "returned_at": "2024-12-13",
}
WORK = [
    {"action": "safe_and_well_check", "at": "2024-12-13T15:00", "episode": "E-1"},
    {"action": "return_home_interview", "outcome": "offered", "at": "2024-12-16", "episode": "E-1"},
]
READINGS = (
    "all earliest",
    "all latest",
    "longest absences",
    "shortest absences",
    "deadlines earliest, work latest",
    "deadlines latest, work earliest",
)


def test_friday_13_before_the_day_is_out_what_the_return_triggers_is_undetermined() -> None:
    result = evaluate_bounded(CAMDEN, v2(FRIDAY, events=WORK), at("2024-12-13T12:00"))
    assert result.readings == READINGS
    assert result.uncertain_moments == (
        "episode E-1 returned_at (known only to 2024-12-13)",
        "event return_home_interview for episode E-1 (known only to 2024-12-16)",
    )
    check = result.action("camden:C-1:E-1:safe_and_well_check_24h")
    assert check.status is ActionStatus.UNDETERMINED
    assert check.undetermined_reason == (
        "required in some readings of the day-only moments only (not in: all latest; longest "
        "absences; deadlines latest, work earliest); uncertain: episode E-1 returned_at (known "
        "only to 2024-12-13)"
    )
    # 8.4: from a placement, reported without delay after the carer noticed (here, last seen)
    report = result.action("camden:C-1:E-1:report_missing_from_placement")
    assert (report.status, report.due_at, report.due_at_latest, report.met_after_minutes) == (
        ActionStatus.MET,
        None,
        None,
        60,
    )


def test_friday_13_a_week_later_deadlines_are_windows_and_the_check_cannot_be_judged() -> None:
    result = evaluate_bounded(CAMDEN, v2(FRIDAY, events=WORK), at("2024-12-20T12:00"))
    check = result.action("camden:C-1:E-1:safe_and_well_check_24h")
    assert (check.due_at, check.due_at_latest) == (
        at("2024-12-14T00:00"),
        at("2024-12-14T23:59:59"),
    )
    assert check.status is ActionStatus.UNDETERMINED
    assert check.undetermined_reason == (
        "the readings disagree: met in all earliest, shortest absences, deadlines earliest, work "
        "latest; overdue in all latest, longest absences, deadlines latest, work earliest; "
        "uncertain: episode E-1 returned_at (known only to 2024-12-13)"
    )
    interview = result.action("camden:C-1:E-1:return_interview_72h")
    assert (interview.due_at, interview.due_at_latest) == (
        at("2024-12-16T00:00"),
        at("2024-12-16T23:59:59"),
    )
    assert interview.status is ActionStatus.UNDETERMINED
    assert interview.undetermined_reason is not None
    assert interview.undetermined_reason.startswith(
        "the readings disagree: met in all earliest, all latest, longest absences, shortest "
        "absences, deadlines latest, work earliest; met_late in deadlines earliest, work latest"
    )


def test_friday_13_without_the_work_recorded_everything_due_by_then_is_overdue() -> None:
    result = evaluate_bounded(CAMDEN, v2(FRIDAY), at("2024-12-20T12:00"))
    statuses = {a.rule_id: a.status for a in result.actions}
    assert statuses["safe_and_well_check_24h"] is ActionStatus.OVERDUE
    assert statuses["return_interview_72h"] is ActionStatus.OVERDUE
    assert ActionStatus.UNDETERMINED not in statuses.values()


def third(start: str) -> ActionStatus | None:
    """The status of mini's 'third episode in 90 days' for a third episode on ``start``."""
    episodes = [
        {"id": "E1", "started_at": "2024-01-01", "returned_at": "2024-01-01"},
        {"id": "E2", "started_at": "2024-02-15", "returned_at": "2024-02-15"},
        {"id": "E3", "started_at": start, "returned_at": start},
    ]
    result = evaluate_bounded(MINI, v2(*episodes), at("2024-06-01T12:00"))
    for action in result.actions:
        if action.id == "mini:C-1:E3:third_in_90_days":
            return action.status
    return None


def test_an_episode_on_the_boundary_day_of_a_window_is_undetermined() -> None:
    # 90 days before 31 March 2024 is 1 January: E1 started that day, at a time unknown, so
    # it may be inside the window that ends when E3 starts, or just outside it.
    assert third("2024-03-30") is ActionStatus.OVERDUE  # E1 inside whatever the times
    assert third("2024-03-31") is ActionStatus.UNDETERMINED
    assert third("2024-04-01") is None  # E1 outside whatever the times: not required


def test_boundary_readings_are_added_only_for_starts_with_another_on_a_boundary_day() -> None:
    episodes = [
        {"id": "E1", "started_at": "2024-01-01", "returned_at": "2024-01-01"},
        {"id": "E2", "started_at": "2024-03-31", "returned_at": "2024-03-31"},
    ]
    counted = evaluate_bounded(MINI, v2(*episodes), at("2024-06-01T12:00"))
    assert counted.readings[len(READINGS) :] == (
        "episode E2 starts latest, the rest earliest",
        "episode E2 starts earliest, the rest latest",
    )
    inside = [episodes[0], {**episodes[1], "started_at": "2024-03-30", "returned_at": "2024-03-30"}]
    assert evaluate_bounded(MINI, v2(*inside), at("2024-06-01T12:00")).readings == READINGS
    brent = load_protocol("brent")  # counts episodes, but in all time, not in a window
    assert evaluate_bounded(brent, v2(*episodes), at("2024-06-01T12:00")).readings == READINGS


def test_uncertain_moments_in_words() -> None:
    assert uncertain_moments(v2(FRIDAY, events=WORK)) == (
        "episode E-1 returned_at (known only to 2024-12-13)",
        "event return_home_interview for episode E-1 (known only to 2024-12-16)",
    )


# --- changes of facts known only to the day ---------------------------------------------

REGRADED = compile_text(
    """\
schema_version: 2
protocol:
  id: regraded
  title: Re-grading test protocol
  authorities: [Test Borough]
  version: "1"
  source_document: test
  source_text: camden.txt
risk:
  police_risk_levels: [low, medium, high]
  categories:
    - id: missing
      label: Missing
      when: {fact: whereabouts_known, is: false}
      citation: {section: "6.1", quote: their whereabouts is completely unknown}
rules:
  - id: notify_high
    topic: notification
    action: notify
    obligation: must
    responsible: police
    recipients: [childrens_social_care]
    when: {fact: police_risk, ge: high}
    trigger: {on: reported}
    deadline: {within: 2 hours}
    citation: {section: "9", quote: responsible for notifying CSSW managers}
  - id: meeting_high_24h
    topic: strategy_meeting
    action: strategy_meeting
    obligation: must
    responsible: childrens_social_care
    when: {fact: police_risk, ge: high}
    trigger: {missing_for: 24 hours}
    deadline: {within: 1 day}
    citation: {section: "7.4", quote: CSSW will convene a strategy meeting}
""",
    "regraded.yaml",
)


def regraded_text(change_at: str, *, started_at: str = "2024-12-11T21:00") -> str:
    """Missing from 21:00 on 11 December, reported at 22:00, back at 10:00 on the 14th; the
    police re-graded the risk from medium to high at ``change_at``; CSC told at noon on the
    12th."""
    return f"""\
schema_version: 3
child: {{id: C-1, date_of_birth: 2010-05-01, case_status: looked_after}}
episodes:
  - id: E-1
    missing_from: care_placement
    police_risk: medium
    started_at: {started_at}
    reported_at: 2024-12-11T22:00
    returned_at: 2024-12-14T10:00
    changes: [{{at: {change_at}, police_risk: high}}]
events:
  - {{action: notify, recipient: childrens_social_care, at: 2024-12-12T12:00, episode: E-1}}
"""


def regraded(change_at: str, *, started_at: str = "2024-12-11T21:00") -> Timeline:
    return parse_timeline(regraded_text(change_at, started_at=started_at), "regraded.yaml")


def test_a_change_known_only_to_the_day_is_read_at_its_earliest_and_latest() -> None:
    timeline = regraded("2024-12-12")
    change = timeline.episodes[0].changes[0]
    assert (change.at, change.known_to_day) == (at("2024-12-12T00:00"), frozenset({"at"}))
    assert timeline.day_only()
    assert uncertain_moments(timeline) == ("episode E-1 changes[0].at (known only to 2024-12-12)",)
    result = evaluate_bounded(REGRADED, timeline, at("2024-12-20T12:00"))
    assert result.readings == READINGS
    # high only after the report: the notice falls due at the change, at some time on the
    # 12th; told at noon, it was late if the risk was raised before 10:00, and not yet done
    # (the telling came first) if after noon
    notice = result.action("regraded:C-1:E-1:notify_high@childrens_social_care")
    assert (notice.triggered_at, notice.due_at, notice.due_at_latest) == (
        at("2024-12-12T00:00"),
        at("2024-12-12T02:00"),
        at("2024-12-13T01:59:59"),
    )
    assert notice.status is ActionStatus.UNDETERMINED
    assert notice.undetermined_reason == (
        "the readings disagree: met_late in all earliest, longest absences, deadlines earliest, "
        "work latest; overdue in all latest, shortest absences, deadlines latest, work earliest; "
        "uncertain: episode E-1 changes[0].at (known only to 2024-12-12)"
    )
    # 24 hours after the start (21:00 on the 12th) the risk is high if it was raised by then;
    # if raised later that evening, the meeting falls due at the change: overdue either way,
    # by a deadline between 21:00 and 23:59:59 on the 13th
    meeting = result.action("regraded:C-1:E-1:meeting_high_24h")
    assert (meeting.status, meeting.due_at, meeting.due_at_latest) == (
        ActionStatus.OVERDUE,
        at("2024-12-13T21:00"),
        at("2024-12-13T23:59:59"),
    )
    # evaluate reads the change at the day's first instant, as it reads every day-only moment
    plain = evaluate(REGRADED, timeline, at("2024-12-20T12:00"))
    assert {a.rule_id: (a.status, a.due_at) for a in plain.actions} == {
        "notify_high": (ActionStatus.MET_LATE, at("2024-12-12T02:00")),
        "meeting_high_24h": (ActionStatus.OVERDUE, at("2024-12-13T21:00")),
    }


def test_a_change_at_a_time_keeps_a_start_known_only_to_the_day_before_it() -> None:
    # last seen some time on the 11th; the risk re-graded at 10:00 that day, so the child was
    # missing by 10:00: the meeting (24 hours after the start) falls due between 00:00 and
    # 10:00 on the 13th, never later
    timeline = regraded("2024-12-11T10:00", started_at="2024-12-11")
    result = evaluate_bounded(REGRADED, timeline, at("2024-12-20T12:00"))
    meeting = result.action("regraded:C-1:E-1:meeting_high_24h")
    assert (meeting.status, meeting.due_at, meeting.due_at_latest) == (
        ActionStatus.OVERDUE,
        at("2024-12-13T00:00"),
        at("2024-12-13T10:00"),
    )


def test_a_change_on_the_day_of_the_start_or_return_is_within_the_episode() -> None:
    same_day = regraded("2024-12-11")  # the start is at 21:00 that day: the change is after
    assert same_day.episodes[0].changes[0].known_to_day == frozenset({"at"})
    result = evaluate_bounded(REGRADED, same_day, at("2024-12-20T12:00"))
    # whenever on the 11th it was (after 21:00), the risk is high by the report at 22:00 or
    # soon after it: the notice is owed from 22:00 at the earliest
    notice = result.action("regraded:C-1:E-1:notify_high@childrens_social_care")
    assert (notice.triggered_at, notice.due_at, notice.due_at_latest) == (
        at("2024-12-11T22:00"),
        at("2024-12-12T00:00"),
        at("2024-12-12T01:59:59"),
    )
    assert codes(regraded_text("2024-12-10")) == [
        ("schema.time_order", "episodes[0].changes[0].at")
    ]
    assert codes(regraded_text("2024-12-15")) == [
        ("schema.time_order", "episodes[0].changes[0].at")
    ]
    assert regraded("2024-12-14").episodes[0].changes[0].known_to_day == frozenset({"at"})


def test_a_change_known_only_to_the_day_is_written_back_as_a_date() -> None:
    timeline = regraded("2024-12-12")
    data = timeline_to_jsonable(timeline)
    assert data["episodes"][0]["changes"] == [{"at": "2024-12-12", "police_risk": "high"}]
    assert Timeline.model_validate(data) == timeline

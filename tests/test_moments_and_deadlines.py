"""Issue 10's moments and deadlines: noticed / professional_aware, without_delay,
who reported, office hours and dual deadlines (rule-file version 2, timeline version 3)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missing_protocol import (
    ActionStatus,
    RuleFileError,
    Timeline,
    TimelineError,
    bundled_protocol_ids,
    compile_text,
    evaluate,
    explain_action,
    load_protocol,
)
from missing_protocol.calendar import LONDON
from missing_protocol.compiled import DeadlineKind, OfficeHours
from missing_protocol.evaluate import episode_facts
from missing_protocol.facts import FactName
from missing_protocol.loading import parse_timeline
from missing_protocol.office_hours import describe_office_hours, in_office_hours
from missing_protocol.precision import evaluate_bounded
from missing_protocol.strategies import evaluations_inputs

HEAD = """\
schema_version: {version}
protocol:
  id: mini
  title: Mini test protocol
  authorities: [Test Borough]
  version: "1"
  source_document: test
  source_text: camden.txt
risk:
  police_risk_levels: [no_apparent_risk, low, medium, high]
  categories:
    - id: missing
      label: Missing
      when: {{fact: whereabouts_known, is: false}}
      citation: {{section: "6.1", quote: their whereabouts is completely unknown}}
"""

OFFICE = """\
office_hours:
  days: [monday, tuesday, wednesday, thursday, friday]
  opens: "09:00"
  closes: "17:00"
  citation: {section: "4.5", quote: emergency situations arising out of office hours}
"""

CITE = '    citation: {section: "6.1", quote: must be reported to the police immediately}\n'


def rule(rule_id: str, body: str, *, responsible: str = "carer") -> str:
    return (
        f"  - id: {rule_id}\n    topic: reporting\n    action: report_to_police\n"
        f"    obligation: must\n    responsible: {responsible}\n{body}{CITE}"
    )


def protocol(*rules: str, version: int = 2, office: bool = False) -> Any:
    text = HEAD.format(version=version) + (OFFICE if office else "") + "rules:\n" + "".join(rules)
    return compile_text(text, "mini.yaml")


def problems(*rules: str, version: int = 2, office: bool = False) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        protocol(*rules, version=version, office=office)
    return [p.format().splitlines()[0] for p in caught.value.problems]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def timeline(*episodes: dict[str, Any], events: list[dict[str, Any]] | None = None) -> Timeline:
    return Timeline.model_validate(
        {
            "schema_version": 3,
            "child": {"id": "C-1", "date_of_birth": "2010-05-01"},
            "episodes": list(episodes),
            "events": events or [],
        }
    )


NOTICED_WITHOUT_DELAY = rule("report", "    trigger: {on: noticed}\n    deadline: without_delay\n")


# --- the version gate and schema errors -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "office", "path"),
    [
        ("    trigger: {on: noticed}\n    deadline: immediately\n", False, "rules[0].trigger.on"),
        (
            "    trigger: {on: professional_aware}\n    deadline: immediately\n",
            False,
            "rules[0].trigger.on",
        ),
        ("    trigger: {on: started}\n    deadline: without_delay\n", False, "rules[0].deadline"),
        (
            "    trigger: {on: started}\n"
            "    deadline: {within: 72 hours, or_within: 3 working days, use: later}\n",
            False,
            "rules[0].deadline.or_within",
        ),
        (
            "    trigger: {on: started}\n    deadline: immediately\n"
            "    out_of_hours: {responsible: edt}\n",
            True,
            "rules[0].out_of_hours",
        ),
    ],
)
def test_each_construct_is_refused_in_a_version_1_file_at_its_place(
    body: str, office: bool, path: str
) -> None:
    found = problems(rule("r", body), version=1, office=office)
    assert any(
        re.match(rf"mini\.yaml:\d+:\d+: {re.escape(path)}: .*\[schema\.needs_version\]$", p)
        for p in found
    ), found
    assert all("set schema_version to 2" in p for p in found)
    protocol(rule("r", body), version=2, office=office)  # and read in a version 2 file


def test_office_hours_itself_needs_version_2() -> None:
    found = problems(
        rule("r", "    trigger: {on: started}\n    deadline: immediately\n"), version=1, office=True
    )
    assert found == [
        "mini.yaml:16:1: office_hours: office_hours is a construct of rule-file schema version "
        "2; this file declares schema_version 1: set schema_version to 2 [schema.needs_version]"
    ]


def test_a_dual_deadline_needs_both_halves() -> None:
    found = problems(
        rule(
            "r", "    trigger: {on: started}\n    deadline: {within: 72 hours, or_within: 3 days}\n"
        )
    )
    assert len(found) == 1
    assert found[0].startswith("mini.yaml:23:24: rules[0].deadline")
    assert "needs both 'or_within' (the second bound) and 'use'" in found[0]
    assert found[0].endswith("[schema.dual_deadline]")


def test_out_of_hours_needs_office_hours_and_a_single_trigger() -> None:
    body = "    trigger: {every: 7 days}\n    deadline: immediately\n"
    found = problems(rule("r", body + "    out_of_hours: {responsible: edt}\n"))
    assert [p.rsplit("[", 1)[1] for p in found] == [
        "compile.no_office_hours]",
        "compile.out_of_hours_recurring]",
    ]
    assert "add a top-level office_hours" in found[0]


def test_office_hours_must_open_before_they_close() -> None:
    text = HEAD.format(version=2) + OFFICE.replace('"17:00"', '"08:00"') + "rules:\n"
    text += rule("r", "    trigger: {on: started}\n    deadline: immediately\n")
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "mini.yaml")
    [problem] = caught.value.problems
    assert problem.code == "schema.invalid_time"
    assert "'opens' must be before 'closes'" in problem.message


def test_timeline_fields_need_version_3_and_a_time_of_day() -> None:
    text = (
        "schema_version: 2\nchild: {id: C-1, date_of_birth: 2010-05-01}\n"
        "episodes:\n  - id: E1\n    started_at: 2024-05-01T10:00\n"
        "    noticed_at: 2024-05-01T10:20\n    reported_by: parent_or_carer\n"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("episodes[0].noticed_at", "schema.needs_version"),
        ("episodes[0].reported_by", "schema.needs_version"),
    ]
    day_only = text.replace("schema_version: 2", "schema_version: 3").replace(
        "2024-05-01T10:20", "2024-05-01"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(day_only, "t.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.code) == (
        "episodes[0].noticed_at",
        6,
        "schema.day_only",
    )
    assert "a date alone is not accepted" in problem.message
    before = day_only.replace("noticed_at: 2024-05-01", "noticed_at: 2024-05-01T09:00")
    with pytest.raises(TimelineError) as caught:
        parse_timeline(before, "t.yaml")
    assert [p.message for p in caught.value.problems] == [
        "noticed_at is before started_at (last seen); check both"
    ]


# --- noticed and without delay ---------------------------------------------------------


def test_without_delay_is_never_overdue_and_says_how_long_it_took() -> None:
    mini = protocol(NOTICED_WITHOUT_DELAY)
    episode = {"id": "E1", "started_at": "2024-05-01T21:30", "noticed_at": "2024-05-01T22:50"}
    waiting = evaluate(mini, timeline(episode), at("2024-05-09T12:00")).actions[0]
    assert (waiting.triggered_at, waiting.due_at, waiting.status) == (
        at("2024-05-01T22:50"),
        None,
        ActionStatus.DUE,
    )
    done = timeline({**episode, "reported_at": "2024-05-01T23:10"})
    result = evaluate(mini, done, at("2024-05-02T12:00"))
    action = result.actions[0]
    assert (action.status, action.met_after_minutes) == (ActionStatus.MET, 20)
    assert action.trigger == "noticed missing at 2024-05-01T22:50:00+01:00"
    text = explain_action(mini, result, action.id)
    assert "rule: without delay" in text
    assert "the text asks for it without delay: no fixed time" in text
    assert "done 20 minutes after triggered" in text


def test_noticed_falls_back_to_last_seen_and_says_so() -> None:
    mini = protocol(NOTICED_WITHOUT_DELAY)
    episode = {"id": "E1", "started_at": "2024-05-01T21:30", "reported_at": "2024-05-02T01:35"}
    action = evaluate(mini, timeline(episode), at("2024-05-02T12:00")).actions[0]
    assert action.triggered_at == at("2024-05-01T21:30")
    assert action.trigger == (
        "noticed missing (noticed_at not recorded: the time last seen is used) at "
        "2024-05-01T21:30:00+01:00"
    )
    assert action.met_after_minutes == 4 * 60 + 5


def test_a_moment_recorded_for_later_is_not_yet_known() -> None:
    mini = protocol(NOTICED_WITHOUT_DELAY)
    episode = {"id": "E1", "started_at": "2024-05-01T21:30", "noticed_at": "2024-05-02T07:00"}
    assert evaluate(mini, timeline(episode), at("2024-05-02T06:59")).actions == ()
    assert len(evaluate(mini, timeline(episode), at("2024-05-02T07:00")).actions) == 1


def test_immediately_from_noticed_is_due_when_noticed_not_when_last_seen() -> None:
    mini = protocol(rule("report", "    trigger: {on: noticed}\n    deadline: immediately\n"))
    episode = {
        "id": "E1",
        "started_at": "2024-05-01T21:30",
        "noticed_at": "2024-05-01T22:50",
        "reported_at": "2024-05-01T22:50",
    }
    action = evaluate(mini, timeline(episode), at("2024-05-02T12:00")).actions[0]
    assert (action.due_at, action.status) == (at("2024-05-01T22:50"), ActionStatus.MET)


def test_deadline_from_professional_aware_falls_back_to_the_report() -> None:
    mini = protocol(
        rule(
            "refer",
            "    trigger: {on: started}\n"
            "    deadline: {within: 2 hours, from: professional_aware}\n",
        )
    )
    episode = {"id": "E1", "started_at": "2024-05-01T21:30", "reported_at": "2024-05-01T23:00"}
    action = evaluate(mini, timeline(episode), at("2024-05-02T12:00")).actions[0]
    assert action.due_at == at("2024-05-02T01:00")
    assert action.deadline.arithmetic == (
        "elapsed hours (professional_aware_at not recorded: the report to the police is used)"
    )
    aware = {**episode, "professional_aware_at": "2024-05-01T22:00"}
    action = evaluate(mini, timeline(aware), at("2024-05-02T12:00")).actions[0]
    assert (action.due_at, action.deadline.arithmetic) == (at("2024-05-02T00:00"), "elapsed hours")


# --- who reported ----------------------------------------------------------------------

CARER_FIRST = FactName.CARER_REPORTED_BEFORE_PROFESSIONAL_AWARE


@pytest.mark.parametrize(
    ("extra", "as_of", "by", "first"),
    [
        ({}, "2024-05-02T12:00", None, None),  # nothing recorded
        ({"reported_by": "parent_or_carer"}, "2024-05-02T12:00", "parent_or_carer", None),
        (  # the parent reported before the school knew
            {"reported_by": "parent_or_carer", "professional_aware_at": "2024-05-01T23:30"},
            "2024-05-02T12:00",
            "parent_or_carer",
            True,
        ),
        (  # at the same minute still counts as before
            {"reported_by": "parent_or_carer", "professional_aware_at": "2024-05-01T23:00"},
            "2024-05-02T12:00",
            "parent_or_carer",
            True,
        ),
        (  # the professional knew first: false, whoever reported later
            {"reported_by": "parent_or_carer", "professional_aware_at": "2024-05-01T22:59"},
            "2024-05-02T12:00",
            "parent_or_carer",
            False,
        ),
        (  # someone else reported
            {"reported_by": "professional", "professional_aware_at": "2024-05-01T23:30"},
            "2024-05-02T12:00",
            "professional",
            False,
        ),
        (  # the report came first, by whom unknown
            {"professional_aware_at": "2024-05-01T23:30"},
            "2024-05-02T12:00",
            None,
            None,
        ),
        (  # as at a moment before the professional knew: not yet known
            {"reported_by": "parent_or_carer", "professional_aware_at": "2024-05-02T08:00"},
            "2024-05-02T07:00",
            "parent_or_carer",
            None,
        ),
    ],
)
def test_who_reported_facts(
    extra: dict[str, str], as_of: str, by: str | None, first: bool | None
) -> None:
    mini = protocol(NOTICED_WITHOUT_DELAY)
    episode = {"id": "E1", "started_at": "2024-05-01T21:30", "reported_at": "2024-05-01T23:00"}
    facts = episode_facts(mini, timeline({**episode, **extra}), at(as_of))["E1"].values
    assert (facts[FactName.REPORTED_BY], facts[CARER_FIRST]) == (by, first)


def test_no_report_before_the_professional_knew_is_false() -> None:
    mini = protocol(NOTICED_WITHOUT_DELAY)
    episode = {
        "id": "E1",
        "started_at": "2024-05-01T21:30",
        "professional_aware_at": "2024-05-01T22:00",
    }
    facts = episode_facts(mini, timeline(episode), at("2024-05-02T12:00"))["E1"].values
    assert (facts[FactName.REPORTED_BY], facts[CARER_FIRST]) == (None, False)


def test_a_rule_on_the_professional_learning_that_no_one_reported() -> None:
    mini = protocol(
        rule(
            "refer_to_mash",
            "    when: {fact: carer_reported_before_professional_aware, is: false}\n"
            "    trigger: {on: professional_aware}\n    deadline: immediately\n",
            responsible="allocated_social_worker",
        )
    )
    unreported = {
        "id": "E1",
        "started_at": "2024-05-01T21:30",
        "professional_aware_at": "2024-05-02T09:10",
    }
    [action] = evaluate(mini, timeline(unreported), at("2024-05-02T12:00")).actions
    assert (action.triggered_at, action.due_at) == (at("2024-05-02T09:10"), at("2024-05-02T09:10"))
    reported = {**unreported, "reported_at": "2024-05-01T22:00", "reported_by": "parent_or_carer"}
    assert evaluate(mini, timeline(reported), at("2024-05-02T12:00")).actions == ()


# --- office hours -----------------------------------------------------------------------

HOURS = OfficeHours(
    frozenset(range(5)),
    dt.time(9),
    dt.time(17),
    True,
    None,  # type: ignore[arg-type]
    None,
    None,  # type: ignore[arg-type]
)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2024-05-01T16:59:59", True),  # a Wednesday, BST
        ("2024-05-01T17:00", False),
        ("2024-05-01T09:00", True),
        ("2024-05-01T08:59", False),
        ("2024-05-04T12:00", False),  # Saturday
        ("2024-05-06T12:00", False),  # early May bank holiday (Monday)
        ("2024-05-07T12:00", True),
        ("2024-10-28T08:59", False),  # the Monday after the clocks went back: GMT wall clock
        ("2024-10-28T09:00", True),
        ("2024-12-24T16:59", True),
        ("2024-12-25T10:00", False),  # Christmas Day, a Wednesday
    ],
)
def test_office_hours_on_the_london_wall_clock(moment: str, inside: bool) -> None:
    assert in_office_hours(HOURS, at(moment)) is inside


def test_office_hours_in_an_instant_given_in_utc() -> None:
    # 16:30 UTC on a BST day is 17:30 in London: out of hours
    assert not in_office_hours(HOURS, dt.datetime(2024, 5, 1, 16, 30, tzinfo=dt.UTC))
    assert in_office_hours(HOURS, dt.datetime(2024, 5, 1, 15, 59, tzinfo=dt.UTC))
    assert describe_office_hours(HOURS) == (
        "Monday to Friday 09:00-17:00, closed on England's bank holidays"
    )


ROUTED = (
    "  - id: notify_worker\n    topic: notification\n    action: notify\n    obligation: must\n"
    "    responsible: carer\n    recipients: [allocated_social_worker]\n"
    "    trigger: {on: noticed}\n    deadline: without_delay\n"
    "    out_of_hours: {recipients: [edt]}\n" + CITE
)


@pytest.mark.parametrize(
    ("noticed", "recipient"),
    [
        ("2024-05-01T16:59", "allocated_social_worker"),
        ("2024-05-01T17:00", "edt"),
        ("2024-05-04T11:00", "edt"),
        ("2024-05-06T11:00", "edt"),
        ("2024-03-29T11:00", "edt"),  # Good Friday
        ("2024-04-02T09:00", "allocated_social_worker"),  # after Easter and the clock change
    ],
)
def test_notice_goes_to_edt_out_of_hours(noticed: str, recipient: str) -> None:
    mini = protocol(ROUTED, office=True)
    day = noticed[:10]
    episode = {"id": "E1", "started_at": f"{day}T08:00", "noticed_at": noticed}
    [action] = evaluate(mini, timeline(episode), at(f"{day}T23:00")).actions
    assert action.recipient == recipient
    assert action.id == f"mini:C-1:E1:notify_worker@{recipient}"
    inside = "in office hours" if recipient != "edt" else "out of office hours"
    assert f"triggered {inside} (" in action.responsible_reason
    assert action.responsible == "carer"


def test_responsible_routed_out_of_hours_and_explained() -> None:
    mini = protocol(
        rule(
            "report",
            "    trigger: {on: started}\n    deadline: immediately\n"
            "    out_of_hours: {responsible: edt}\n",
            responsible="allocated_social_worker",
        ),
        office=True,
    )
    night = timeline({"id": "E1", "started_at": "2024-05-01T21:30"})
    [action] = evaluate(mini, night, at("2024-05-02T12:00")).actions
    assert action.responsible == "edt"
    assert action.responsible_reason == (
        "triggered out of office hours (Wednesday 2024-05-01 21:30; office hours Monday to "
        "Friday 09:00-17:00, closed on England's bank holidays): done by edt"
    )
    day = timeline({"id": "E1", "started_at": "2024-05-01T11:30"})
    [action] = evaluate(mini, day, at("2024-05-02T12:00")).actions
    assert action.responsible == "allocated_social_worker"
    assert action.responsible_reason.startswith("named by the rule; triggered in office hours")


# --- dual deadlines ----------------------------------------------------------------------


def dual(use: str) -> Any:
    return protocol(
        rule(
            "interview",
            "    trigger: {on: returned}\n"
            f"    deadline: {{within: 72 hours, or_within: 3 working days, use: {use}}}\n",
        )
    )


# Returned on the Thursday before Easter 2024: Good Friday and Easter Monday are bank
# holidays, and the clocks went forward on the Sunday between.
EASTER = {"id": "E1", "started_at": "2024-03-27T10:00", "returned_at": "2024-03-28T10:00"}


def test_dual_deadline_uses_the_later_bound_and_shows_the_other() -> None:
    result = evaluate(dual("later"), timeline(EASTER), at("2024-04-10T12:00"))
    action = result.actions[0]
    assert action.due_at == at("2024-04-04T23:59:59")  # Tue 2, Wed 3, Thu 4 April
    trace = action.deadline
    assert trace.rule == "within 72 hours or 3 working days of triggered, whichever is later"
    assert trace.other_bound == "within 72 hours of triggered"
    assert trace.other_due_at == at("2024-03-31T11:00")  # 72 elapsed hours: BST from Sunday
    assert trace.skipped_days == (
        dt.date(2024, 3, 29),
        dt.date(2024, 3, 30),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 1),
    )
    text = explain_action(dual("later"), result, action.id)
    assert "other bound: within 72 hours of triggered = " in text


def test_dual_deadline_uses_the_earlier_bound() -> None:
    done = timeline(EASTER, events=[{"action": "report_to_police", "at": "2024-04-02T10:00"}])
    action = evaluate(dual("earlier"), done, at("2024-04-10T12:00")).actions[0]
    assert action.due_at == at("2024-03-31T11:00")
    assert action.status is ActionStatus.MET_LATE
    assert action.deadline.other_due_at == at("2024-04-04T23:59:59")
    assert action.deadline.skipped_days == ()
    later = evaluate(dual("later"), done, at("2024-04-10T12:00")).actions[0]
    assert later.status is ActionStatus.MET


def test_a_duty_only_in_office_hours_gives_nothing_out_of_hours() -> None:
    mini = protocol(
        rule(
            "alert",
            "    trigger: {on: professional_aware}\n    deadline: without_delay\n"
            "    out_of_hours: {required: false}\n",
        ),
        office=True,
    )
    for aware, count in [("2024-05-01T16:59", 1), ("2024-05-01T17:00", 0)]:
        episode = {"id": "E1", "started_at": "2024-05-01T08:00", "professional_aware_at": aware}
        actions = evaluate(mini, timeline(episode), at("2024-05-01T23:00")).actions
        assert len(actions) == count
    assert (
        "'required: false' or 'in_hours_required: false'"
        in problems(
            rule(
                "r", "    trigger: {on: started}\n    deadline: immediately\n    out_of_hours: {}\n"
            ),
            office=True,
        )[0]
    )


def test_a_duty_only_out_of_hours_gives_nothing_in_office_hours() -> None:
    mini = protocol(
        rule(
            "edt_response",
            "    trigger: {on: returned}\n    deadline: unspecified\n"
            "    out_of_hours: {in_hours_required: false}\n",
            responsible="edt",
        ),
        office=True,
    )
    for back, count in [("2024-05-01T16:59", 0), ("2024-05-01T17:00", 1)]:
        episode = {"id": "E1", "started_at": "2024-05-01T08:00", "returned_at": back}
        actions = evaluate(mini, timeline(episode), at("2024-05-01T23:00")).actions
        assert len(actions) == count
    assert (
        "required neither out of hours nor in hours"
        in problems(
            rule(
                "r",
                "    trigger: {on: started}\n    deadline: immediately\n"
                "    out_of_hours: {required: false, in_hours_required: false}\n",
            ),
            office=True,
        )[0]
    )


# --- laws over generated timelines, and day precision --------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_without_delay_is_never_overdue_and_its_time_taken_is_never_negative(
    data: st.DataObject,
) -> None:
    area = data.draw(st.sampled_from(bundled_protocol_ids()))
    protocol_ = load_protocol(area)
    timeline_, as_of = data.draw(evaluations_inputs(protocol_))
    try:
        result = evaluate(protocol_, timeline_, as_of)
    except TimelineError:
        return  # an episode no category of the area fits: nothing to judge
    for action in result.actions:
        rule_ = protocol_.rule(action.rule_id)
        if rule_.deadline.kind is DeadlineKind.WITHOUT_DELAY:
            assert action.due_at is None
            assert action.status in (ActionStatus.MET, ActionStatus.DUE)
            assert (action.met_after_minutes is not None) == (action.met_at is not None)
            assert action.met_after_minutes is None or action.met_after_minutes >= 0
        else:
            assert action.met_after_minutes is None
        if rule_.out_of_hours is not None:
            routed = rule_.out_of_hours.recipients or ()
            assert action.recipient in (*rule_.recipients, *routed)


def test_day_only_start_keeps_noticed_no_earlier_than_the_start_read() -> None:
    mini = protocol(NOTICED_WITHOUT_DELAY)
    text = (
        "schema_version: 3\nchild: {id: C-1, date_of_birth: 2010-05-01}\n"
        "episodes:\n  - id: E1\n    started_at: 2024-05-01\n"
        "    noticed_at: 2024-05-01T10:00\n"
    )
    result = evaluate_bounded(mini, parse_timeline(text), at("2024-05-02T12:00"))
    assert result.uncertain_moments == ("episode E1 started_at (known only to 2024-05-01)",)
    [action] = result.actions
    # read at the day's start the notice gives the trigger (10:00); read at its end the start
    # is after the notice, which is then kept at the start: the earliest reading is shown
    assert (action.triggered_at, action.status) == (at("2024-05-01T10:00"), ActionStatus.DUE)

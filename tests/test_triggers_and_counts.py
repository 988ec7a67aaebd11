"""Issue 10's triggers and counts: alternatives, recorded-event anchors, phases, month windows.

Each construct is checked from the rule file to the answer: located schema and
compile errors with the fix, the version gate (a version 1 file may not use
it), the evaluation's meaning at its edges (including a clock change and a bank
holiday), and the reference evaluator's agreement on generated timelines.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import oracle_evaluate
from missing_protocol import (
    RuleFileError,
    Timeline,
    TimelineError,
    compile_text,
    evaluate,
    explain_action,
    to_jsonable,
)
from missing_protocol.calendar import LONDON
from missing_protocol.compiled import Protocol
from missing_protocol.evaluate import evaluate_compact
from missing_protocol.phrases import trigger_words, unlabelled
from missing_protocol.render import describe_trigger
from missing_protocol.strategies import evaluations_inputs

HEAD = """\
schema_version: {version}
protocol:
  id: mini
  title: A rule file for issue 10's triggers and counts
  version: "1"
  authorities: [Test]
  source_document: none
  source_text: camden.txt
risk:
  police_risk_levels: [low, medium, high]
  categories:
    - id: missing
      label: Missing
      police_risk: [low, medium, high]
      citation: {{section: "6.1", quote: "must be reported"}}
rules:
"""

CITE = '    citation: {section: "6.1", quote: "must be reported"}\n'


def rule(rule_id: str, body: str) -> str:
    """One rule of the test file: ``body`` holds its trigger, deadline and anything else."""
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return (
        f"  - id: {rule_id}\n"
        "    topic: strategy_meeting\n"
        "    action: strategy_meeting\n"
        "    obligation: must\n"
        "    responsible: allocated_social_worker\n"
        f"{lines}{CITE}"
    )


def protocol(*rules: str, version: int = 2) -> Protocol:
    return compile_text(HEAD.format(version=version) + "".join(rules), "mini.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as raised:
        compile_text(text, "mini.yaml")
    return [p.format().splitlines()[0] for p in raised.value.problems]


def child(*episodes: dict[str, object], events: list[dict[str, object]] | None = None) -> Timeline:
    return Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2010-06-01"},
            "episodes": [{"category": "missing", **e} for e in episodes],
            "events": events or [],
        }
    )


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def same_as_oracle(p: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    assert to_jsonable(evaluate(p, timeline, as_of)) == to_jsonable(
        oracle_evaluate.evaluate(p, timeline, as_of)
    )


def actions(p: Protocol, timeline: Timeline, as_of: str) -> list[tuple[object, ...]]:
    result = evaluate(p, timeline, at(as_of))
    same_as_oracle(p, timeline, at(as_of))
    return [
        (a.id.split(":", 3)[3], a.triggered_at.isoformat(), a.status.value) for a in result.actions
    ]


# --- the version gate -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path", "name"),
    [
        (
            "trigger: {on: started}\ndeadline: immediately\n"
            "alternative_actions: [stage_one_meeting]",
            "rules[0].alternative_actions",
            "alternative_actions",
        ),
        (
            "trigger: {on: started}\ndeadline: immediately\nalternative_responsible: [carer]",
            "rules[0].alternative_responsible",
            "alternative_responsible",
        ),
        (
            "trigger: {on: {recorded: strategy_meeting}}\ndeadline: immediately",
            "rules[0].trigger",
            "RecordedTrigger",
        ),
        (
            "trigger: {every: 7 days, from: {recorded: strategy_meeting}}\ndeadline: immediately",
            "rules[0].trigger.from",
            "RecordedMoment",
        ),
        (
            "trigger: {on: started}\ndeadline: {within: 1 day, from: {recorded: mash_referral}}",
            "rules[0].deadline.from",
            "RecordedMoment",
        ),
        (
            "trigger: {phases: [{every: 14 days, until: 6 weeks}, {every: 1 month}]}\n"
            "deadline: immediately",
            "rules[0].trigger",
            "PhasedTrigger",
        ),
        (
            "trigger: {first_of: [{trigger: {on: started}}, {trigger: {missing_for: 1 day}}]}\n"
            "deadline: immediately",
            "rules[0].trigger",
            "FirstOfTrigger",
        ),
        (
            "when: {episodes: {calendar_month: true}, at_least: 3}\n"
            "trigger: {on: started}\ndeadline: immediately",
            "rules[0].when.episodes.calendar_month",
            "calendar_month",
        ),
        (
            "when: {episodes: {missing_from: [home]}, at_least: 3}\n"
            "trigger: {on: started}\ndeadline: immediately",
            "rules[0].when.episodes.missing_from",
            "missing_from",
        ),
    ],
)
def test_each_construct_needs_schema_version_2(body: str, path: str, name: str) -> None:
    text = HEAD.format(version=1) + rule("r", body)
    (found,) = problems(text)
    assert found.endswith(
        f": {path}: {name} is a construct of rule-file schema version 2; this file declares "
        "schema_version 1: set schema_version to 2 [schema.needs_version]"
    )
    assert protocol(rule("r", body)).rules[0].id == "r"  # and version 2 reads it


# --- located errors ------------------------------------------------------------------


def test_unknown_alternative_kind_role_and_recorded_kind_are_located_with_a_suggestion() -> None:
    text = HEAD.format(version=2) + rule(
        "r",
        """
alternative_actions: [stage_one_meting, strategy_meeting]
alternative_responsible: [carers]
trigger: {every: 7 days, from: {recorded: strategy_meting}}
deadline: {within: 1 day, from: {recorded: mash_referal}}
""",
    )
    assert problems(text) == [
        "mini.yaml:22:27: rules[0].alternative_actions[0]: unknown alternative action kind "
        "'stage_one_meting'; did you mean 'stage_one_meeting'? (declare new kinds under "
        "extra_action_kinds) [compile.unknown_action_kind]",
        "mini.yaml:22:45: rules[0].alternative_actions[1]: alternative action kind "
        "'strategy_meeting' is named twice (the rule's action is 'strategy_meeting'); list "
        "each other kind once [compile.duplicate_alternative]",
        "mini.yaml:23:31: rules[0].alternative_responsible[0]: unknown alternative role "
        "'carers'; did you mean 'carer'? (declare new roles under extra_roles) "
        "[compile.unknown_role]",
        "mini.yaml:24:47: rules[0].trigger.from.recorded: a trigger or deadline counts only "
        "from a recorded action kind of this protocol: unknown kind 'strategy_meting'; did you "
        "mean 'strategy_meeting'? (declare new kinds under extra_action_kinds) "
        "[compile.unknown_action_kind]",
        "mini.yaml:25:48: rules[0].deadline.from.recorded: a trigger or deadline counts only "
        "from a recorded action kind of this protocol: unknown kind 'mash_referal'; did you "
        "mean 'mash_referral'? (declare new kinds under extra_action_kinds) "
        "[compile.unknown_action_kind]",
    ]


def test_a_recurring_trigger_cannot_be_an_alternative() -> None:
    text = HEAD.format(version=2) + rule(
        "r",
        """
trigger: {first_of: [{trigger: {on: started}}, {trigger: {every: 7 days}}]}
deadline: immediately
""",
    )
    (found,) = problems(text)
    assert found == (
        "mini.yaml:22:53: rules[0].trigger.first_of[1].trigger: expected one trigger that fires "
        "once: {on: started|reported|returned}, {on: {recorded: <kind>}} or {missing_for: "
        "'24 hours'}, got a mapping [schema.invalid_trigger]"
    )


def test_phases_need_an_until_that_grows_and_a_window_is_rolling_or_a_calendar_month() -> None:
    text = HEAD.format(version=2) + rule(
        "r",
        """
when: {episodes: {within: 30 days, calendar_month: true}, at_least: 2}
trigger: {phases: [{every: 14 days}, {every: 1 month, until: 5 weeks}, {every: 2 months}]}
deadline: immediately
""",
    )
    assert problems(text) == [
        "mini.yaml:22:12: rules[0].when.episodes: expected either 'within' (a rolling window) or "
        "'calendar_month: true', not both, got a mapping [schema.window_count]",
    ]
    text = text.replace("within: 30 days, ", "")
    assert problems(text) == [
        "mini.yaml:23:24: rules[0].trigger.phases[0]: phase 1 has no 'until', so phase 2 could "
        "never begin; give every phase but the last an 'until' [compile.bad_recurrence]",
    ]
    text = text.replace("{every: 14 days}", "{every: 14 days, until: 6 weeks}")
    assert problems(text) == [
        "mini.yaml:23:82: rules[0].trigger.phases[1].until: phase 2 stops at 5 weeks, not after "
        "the phase before it; each phase's 'until' (from the trigger's anchor) must be later "
        "than the last [compile.bad_recurrence]",
    ]


def test_counts_work_from_started_is_refused_on_a_phased_series() -> None:
    text = HEAD.format(version=2) + rule(
        "r",
        """
trigger: {phases: [{every: 14 days, until: 6 weeks}, {every: 1 month}]}
counts_work_from: started
deadline: immediately
""",
    )
    (found,) = problems(text)
    assert found.endswith("[compile.bad_recurrence]")
    assert "rules[0].counts_work_from" in found


# --- alternative kinds and roles ----------------------------------------------------


ALTERNATIVE_KINDS = rule(
    "meeting",
    """
alternative_actions: [stage_one_meeting]
alternative_responsible: [team_manager]
trigger: {missing_for: 24 hours}
deadline: {within: 1 day}
""",
)


def test_one_action_met_by_an_event_of_an_alternative_kind() -> None:
    p = protocol(ALTERNATIVE_KINDS)
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00"},
        events=[
            {"action": "stage_one_meeting", "at": "2024-03-02T15:00", "by": "team_manager"},
            {"action": "strategy_meeting", "at": "2024-03-02T16:00", "by": "police"},
        ],
    )
    result = evaluate(p, timeline, at("2024-03-04T12:00"))
    same_as_oracle(p, timeline, at("2024-03-04T12:00"))
    (action,) = result.actions
    assert (action.kind, action.status.value, action.met_kind) == (
        "strategy_meeting",
        "met",
        "stage_one_meeting",
    )
    assert action.alternative_kinds == ("stage_one_meeting",)
    assert action.met_at == at("2024-03-02T15:00")
    rows = evaluate_compact(p, timeline, at("2024-03-04T12:00")).rows
    assert [row.kind for row in rows] == ["strategy_meeting"]


def test_an_event_by_a_role_that_is_no_alternative_does_not_meet_it() -> None:
    p = protocol(ALTERNATIVE_KINDS)
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00"},
        events=[{"action": "stage_one_meeting", "at": "2024-03-02T15:00", "by": "police"}],
    )
    assert actions(p, timeline, "2024-03-04T12:00") == [
        ("meeting", "2024-03-02T10:00:00+00:00", "overdue")
    ]
    (action,) = evaluate(p, timeline, at("2024-03-04T12:00")).actions
    assert action.met_kind is None


def test_two_events_at_one_moment_the_kind_first_in_order_meets_it() -> None:
    p = protocol(ALTERNATIVE_KINDS)
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00"},
        events=[
            {"action": "strategy_meeting", "at": "2024-03-02T15:00"},
            {"action": "stage_one_meeting", "at": "2024-03-02T15:00"},
        ],
    )
    same_as_oracle(p, timeline, at("2024-03-04T12:00"))
    (action,) = evaluate(p, timeline, at("2024-03-04T12:00")).actions
    assert action.met_kind == "stage_one_meeting"  # kinds at one moment in alphabetical order


# --- first_of: OR-triggers ---------------------------------------------------------


FIRST_OF = rule(
    "meeting",
    """
trigger:
  first_of:
    - trigger: {missing_for: 3 days}
    - trigger: {on: reported}
      when: {episodes: {calendar_month: true}, at_least: 3}
deadline: {within: 2 days}
""",
)


def test_one_action_at_the_earliest_alternative_and_the_explanation_says_which() -> None:
    p = protocol(FIRST_OF)
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00", "returned_at": "2024-03-01T12:00"},
        {"id": "E-2", "started_at": "2024-03-10T10:00", "returned_at": "2024-03-10T12:00"},
        {"id": "E-3", "started_at": "2024-03-20T10:00", "reported_at": "2024-03-20T11:00"},
    )
    # E-3 is the third in March, and still missing at 3 days: one action, from the report.
    assert actions(p, timeline, "2024-03-25T12:00") == [
        ("meeting", "2024-03-20T11:00:00+00:00", "overdue")
    ]
    result = evaluate(p, timeline, at("2024-03-25T12:00"))
    (action,) = result.actions
    assert action.trigger == ("alternative 2 of 2: reported to police at 2024-03-20T11:00:00+00:00")
    assert [(f.fact, f.value) for f in action.facts] == [("episode_count", "3")]
    text = explain_action(p, result, action.id)
    assert "alternative 2 of 2" in text
    assert "at the first of: still missing after 3 days; or on the report to the police where" in (
        trigger_words(p.rules[0].trigger)
    )


def test_without_the_count_the_elapsed_alternative_fires_and_is_upcoming_before() -> None:
    p = protocol(FIRST_OF)
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-29T10:00", "reported_at": "2024-03-29T11:00"}
    )
    # Across the spring clock change (31 March): 3 London days are 71 elapsed hours.
    before = evaluate(p, timeline, at("2024-04-01T09:59"))
    same_as_oracle(p, timeline, at("2024-04-01T09:59"))
    assert before.actions == ()
    (upcoming,) = before.upcoming
    assert upcoming.triggers_at == at("2024-04-01T10:00")
    assert upcoming.condition == (
        "if still missing at 2024-04-01T10:00:00+01:00: alternative 1 of 2: still missing "
        "3 days after started (2024-03-29T10:00:00+00:00)"
    )
    assert actions(p, timeline, "2024-04-01T10:00") == [
        ("meeting", "2024-04-01T10:00:00+01:00", "due")
    ]


def test_a_return_before_the_time_leaves_nothing_to_fire() -> None:
    p = protocol(FIRST_OF)
    timeline = child(
        {
            "id": "E-1",
            "started_at": "2024-03-01T10:00",
            "reported_at": "2024-03-01T11:00",
            "returned_at": "2024-03-04T10:00",
        }
    )
    result = evaluate(p, timeline, at("2024-03-10T10:00"))
    same_as_oracle(p, timeline, at("2024-03-10T10:00"))
    assert (result.actions, result.upcoming) == ((), ())


def test_alternatives_firing_at_one_moment_give_the_first_listed() -> None:
    p = protocol(
        rule(
            "r",
            """
trigger:
  first_of:
    - trigger: {on: {recorded: mash_referral}}
    - trigger: {on: reported}
deadline: immediately
""",
        )
    )
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00", "reported_at": "2024-03-01T11:00"},
        events=[{"action": "mash_referral", "at": "2024-03-01T11:00"}],
    )
    (action,) = evaluate(p, timeline, at("2024-03-02T10:00")).actions
    same_as_oracle(p, timeline, at("2024-03-02T10:00"))
    assert (
        action.trigger == "alternative 1 of 2: recorded mash_referral at 2024-03-01T11:00:00+00:00"
    )


# --- anchored on a recorded event ------------------------------------------------


def test_a_rule_triggered_by_the_first_recorded_event_of_a_kind_and_outcome() -> None:
    p = protocol(
        rule(
            "after_refusal",
            """
trigger: {on: {recorded: return_home_interview, outcome: [declined]}}
deadline: {within: 3 working days}
""",
        )
    )
    events = [
        {"action": "return_home_interview", "at": "2024-05-03T10:00", "outcome": "attempted"},
        {"action": "return_home_interview", "at": "2024-05-03T16:00", "outcome": "declined"},
        {"action": "return_home_interview", "at": "2024-05-09T16:00", "outcome": "declined"},
    ]
    timeline = child(
        {"id": "E-1", "started_at": "2024-05-01T10:00", "returned_at": "2024-05-02T10:00"},
        events=events,
    )
    # Not yet known: nothing fires and nothing is upcoming (the moment cannot be foreseen).
    early = evaluate(p, timeline, at("2024-05-03T12:00"))
    same_as_oracle(p, timeline, at("2024-05-03T12:00"))
    assert (early.actions, early.upcoming) == ((), ())
    result = evaluate(p, timeline, at("2024-05-20T12:00"))
    same_as_oracle(p, timeline, at("2024-05-20T12:00"))
    (action,) = result.actions
    # the first refusal, after the return; 3 working days skip the weekend and the
    # early May bank holiday (Monday 6 May 2024)
    assert action.triggered_at == at("2024-05-03T16:00")
    assert action.due_at == at("2024-05-09T23:59:59")
    assert action.trigger == "recorded return_home_interview at 2024-05-03T16:00:00+01:00"
    assert describe_trigger(p.rules[0].trigger) == (
        "when the first return_home_interview is recorded (as declined)"
    )


def test_a_weekly_series_counted_from_the_first_meeting_stops_on_return() -> None:
    p = protocol(
        rule(
            "weekly",
            """
trigger: {every: 1 week, from: {recorded: strategy_meeting}}
deadline: {within: 1 week}
""",
        )
    )
    events = [
        {"action": "strategy_meeting", "at": "2024-10-20T10:00"},
        {"action": "strategy_meeting", "at": "2024-10-18T10:00", "outcome": "attempted"},
        {"action": "strategy_meeting", "at": "2024-10-29T10:00"},
    ]
    timeline = child({"id": "E-1", "started_at": "2024-10-15T10:00"}, events=events)
    # The clocks go back on 27 October: a London calendar week keeps the wall-clock time.
    assert actions(p, timeline, "2024-11-04T12:00") == [
        ("weekly#1", "2024-10-27T10:00:00+00:00", "met"),
        ("weekly#2", "2024-11-03T10:00:00+00:00", "due"),
    ]
    result = evaluate(p, timeline, at("2024-11-04T12:00"))
    assert result.actions[0].trigger == (
        "occurrence 1: still missing at 1 week + 0 x 1 week after recorded strategy_meeting "
        "(2024-10-20T10:00:00+01:00)"
    )
    assert [u.occurrence for u in result.upcoming] == [3]
    returned = child(
        {"id": "E-1", "started_at": "2024-10-15T10:00", "returned_at": "2024-11-01T09:00"},
        events=events,
    )
    assert actions(p, returned, "2024-11-04T12:00") == [
        ("weekly#1", "2024-10-27T10:00:00+00:00", "met")
    ]


def test_a_deadline_from_a_recorded_event_waits_for_it() -> None:
    p = protocol(
        rule(
            "decision",
            """
trigger: {on: reported}
deadline: {within: 24 hours, from: {recorded: mash_referral}}
""",
        )
    )
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-30T20:00", "reported_at": "2024-03-30T21:00"},
        events=[{"action": "mash_referral", "at": "2024-03-30T22:00"}],
    )
    before = evaluate(p, timeline, at("2024-03-30T21:30"))
    same_as_oracle(p, timeline, at("2024-03-30T21:30"))
    (action,) = before.actions
    assert (action.due_at, action.status.value) == (None, "due")
    assert action.deadline.arithmetic == (
        "elapsed hours; not yet computable: no recorded mash_referral time recorded"
    )
    after = evaluate(p, timeline, at("2024-04-01T12:00"))
    same_as_oracle(p, timeline, at("2024-04-01T12:00"))
    (action,) = after.actions
    # 24 elapsed hours across the spring clock change end at 23:00 BST
    assert (action.due_at, action.status.value) == (at("2024-03-31T23:00"), "overdue")
    assert action.deadline.anchor == "recorded mash_referral"


def test_a_recorded_notification_anchors_only_for_its_recipient() -> None:
    p = protocol(
        rule(
            "after_edt",
            "trigger: {on: {recorded: notify, recipient: edt}}\ndeadline: {within: 2 hours}",
        )
    )
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00"},
        events=[
            {"action": "notify", "recipient": "parents", "at": "2024-03-01T11:00"},
            {"action": "notify", "recipient": "edt", "at": "2024-03-01T12:00"},
        ],
    )
    assert actions(p, timeline, "2024-03-01T15:00") == [
        ("after_edt", "2024-03-01T12:00:00+00:00", "overdue")
    ]
    assert (
        trigger_words(p.rules[0].trigger)
        == "on the first notice to the out-of-hours social work team recorded"
    )
    bad = HEAD.format(version=2) + rule(
        "r", "trigger: {on: {recorded: notify, recipient: edtt}}\ndeadline: unspecified"
    )
    (found,) = problems(bad)
    assert found.startswith(
        "mini.yaml:22:49: rules[0].trigger.on.recipient: unknown recipient role 'edtt'"
    )


def test_an_event_of_another_episode_does_not_anchor_this_one() -> None:
    p = protocol(rule("after", "trigger: {on: {recorded: mash_referral}}\ndeadline: unspecified"))
    timeline = child(
        {"id": "E-1", "started_at": "2024-03-01T10:00", "returned_at": "2024-03-01T12:00"},
        {"id": "E-2", "started_at": "2024-03-05T10:00"},
        events=[{"action": "mash_referral", "at": "2024-03-06T10:00", "episode": "E-1"}],
    )
    assert actions(p, timeline, "2024-03-07T10:00") == [
        ("after", "2024-03-06T10:00:00+00:00", "due")
    ]
    assert evaluate(p, timeline, at("2024-03-07T10:00")).actions[0].episode_id == "E-1"


# --- phased recurrences ------------------------------------------------------------


PHASED = rule(
    "review",
    """
trigger:
  phases:
    - {every: 14 days, first: 7 days, until: 6 weeks}
    - {every: 1 month, within: 3 days}
deadline: {within: 1 day}
""",
)


def test_phases_continue_from_the_last_occurrence_with_numbers_running_on() -> None:
    p = protocol(PHASED)
    timeline = child({"id": "E-1", "started_at": "2024-01-01T10:00"})
    assert actions(p, timeline, "2024-04-05T12:00") == [
        ("review#1", "2024-01-08T10:00:00+00:00", "overdue"),
        ("review#2", "2024-01-22T10:00:00+00:00", "overdue"),
        ("review#3", "2024-02-05T10:00:00+00:00", "overdue"),
        # monthly from the last fortnightly one (day 35), across the spring clock change
        ("review#4", "2024-03-05T10:00:00+00:00", "overdue"),
        ("review#5", "2024-04-05T10:00:00+01:00", "due"),
    ]
    result = evaluate(p, timeline, at("2024-04-05T12:00"))
    assert result.actions[3].trigger == (
        "occurrence 4: phase 2 of 2, still missing at 1 month + 0 x 1 month after occurrence 3 "
        "(2024-02-05T10:00:00+00:00)"
    )
    assert result.actions[0].trigger == (
        "occurrence 1: phase 1 of 2, still missing at 7 days + 0 x 14 days after started "
        "(2024-01-01T10:00:00+00:00)"
    )
    (upcoming,) = result.upcoming
    assert (upcoming.occurrence, upcoming.triggers_at) == (6, at("2024-05-05T10:00"))
    assert trigger_words(p.rules[0].trigger) == (
        "every 14 days while missing, from 7 days, until 6 weeks; then every month while "
        "missing, from 1 month after the last of those"
    )


def test_a_phase_may_set_its_own_deadline_from_each_occurrence() -> None:
    p = protocol(
        rule(
            "review",
            """
trigger:
  phases:
    - {every: 14 days, first: 7 days, until: 6 weeks, within: 14 days}
    - {every: 1 month, within: 1 month}
deadline: {within: 1 day}
""",
        )
    )
    timeline = child(
        {"id": "E-1", "started_at": "2024-01-01T10:00"},
        events=[{"action": "strategy_meeting", "at": "2024-03-20T10:00"}],
    )
    result = evaluate(p, timeline, at("2024-03-25T12:00"))
    same_as_oracle(p, timeline, at("2024-03-25T12:00"))
    assert [(a.occurrence, a.due_at, a.status.value) for a in result.actions] == [
        (1, at("2024-01-22T10:00"), "overdue"),
        (2, at("2024-02-05T10:00"), "overdue"),
        (3, at("2024-02-19T10:00"), "overdue"),
        (4, at("2024-04-05T10:00"), "met"),
    ]
    assert result.actions[3].deadline.rule == "within 1 month of triggered"
    bad = HEAD.format(version=2) + rule(
        "r",
        "trigger: {phases: [{every: 1 week, until: 2 weeks, within: 1 week}, {every: 1 month}]}"
        "\ndeadline: unspecified",
    )
    (found,) = problems(bad)
    assert found.startswith("mini.yaml:22:64: rules[0].trigger.phases[0].within: a phase's")


def test_a_phase_stops_on_return_and_a_phase_left_empty_is_passed_over() -> None:
    p = protocol(
        rule(
            "review",
            """
trigger:
  phases:
    - {every: 14 days, first: 7 days, until: 6 weeks}
    - {every: 1 month, until: 8 weeks}
    - {every: 2 months}
deadline: unspecified
""",
        )
    )
    timeline = child({"id": "E-1", "started_at": "2024-01-01T10:00"})
    # Phase 2's first (day 35 + 1 month) is past 8 weeks: phase 3 counts from day 35.
    assert actions(p, timeline, "2024-04-06T12:00") == [
        ("review#1", "2024-01-08T10:00:00+00:00", "due"),
        ("review#2", "2024-01-22T10:00:00+00:00", "due"),
        ("review#3", "2024-02-05T10:00:00+00:00", "due"),
        ("review#4", "2024-04-05T10:00:00+01:00", "due"),
    ]
    back = child({"id": "E-1", "started_at": "2024-01-01T10:00", "returned_at": "2024-02-05T09:59"})
    assert actions(p, back, "2024-04-06T12:00") == [
        ("review#1", "2024-01-08T10:00:00+00:00", "due"),
        ("review#2", "2024-01-22T10:00:00+00:00", "due"),
    ]


def test_a_phased_series_from_a_recorded_event() -> None:
    p = protocol(
        rule(
            "review",
            """
trigger:
  phases:
    - {every: 1 week, until: 2 weeks}
    - {every: 1 month}
  from: {recorded: strategy_meeting}
deadline: unspecified
""",
        )
    )
    timeline = child(
        {"id": "E-1", "started_at": "2024-01-01T10:00"},
        events=[{"action": "strategy_meeting", "at": "2024-01-03T09:00"}],
    )
    assert actions(p, timeline, "2024-02-12T12:00") == [
        ("review#1", "2024-01-10T09:00:00+00:00", "due"),  # the meeting came before it
        ("review#2", "2024-02-10T09:00:00+00:00", "due"),
    ]


# --- counts: calendar month, where from -----------------------------------------


MONTHLY = rule(
    "third_in_month",
    """
when: {episodes: {calendar_month: true}, at_least: 3}
trigger: {on: started}
deadline: unspecified
""",
)


def test_a_calendar_month_counts_from_midnight_london_on_the_first() -> None:
    p = protocol(MONTHLY)
    # 1 May 2024 00:00 London is 30 April 23:00 UTC: an episode a minute before is April's.
    episodes = [
        {"id": "E-0", "started_at": "2024-04-30T23:59", "returned_at": "2024-05-01T00:00"},
        {"id": "E-1", "started_at": "2024-05-01T00:00", "returned_at": "2024-05-01T01:00"},
        {"id": "E-2", "started_at": "2024-05-15T10:00", "returned_at": "2024-05-15T11:00"},
        {"id": "E-3", "started_at": "2024-05-31T23:59", "returned_at": "2024-06-01T00:30"},
        {"id": "E-4", "started_at": "2024-06-01T01:00", "returned_at": "2024-06-01T02:00"},
    ]
    assert actions(p, child(*episodes), "2024-06-02T10:00") == [
        ("third_in_month", "2024-05-31T23:59:00+01:00", "due")
    ]
    # a rolling month from 31 May would have counted E-0 too; the calendar month does not
    assert actions(p, child(*[episodes[0], *episodes[2:]]), "2024-06-02T10:00") == []


COUNT_FROM_HOME = rule(
    "third_from_home",
    """
when: {episodes: {missing_from: [home]}, at_least: 3}
trigger: {on: started}
deadline: unspecified
""",
)


def test_a_count_of_episodes_from_home_only() -> None:
    p = protocol(COUNT_FROM_HOME)
    episodes = [
        {"id": "E-1", "started_at": "2024-01-01T10:00", "returned_at": "2024-01-01T11:00"},
        {
            "id": "E-2",
            "missing_from": "care_placement",
            "started_at": "2024-02-01T10:00",
            "returned_at": "2024-02-01T11:00",
        },
        {"id": "E-3", "started_at": "2024-03-01T10:00", "returned_at": "2024-03-01T11:00"},
        {"id": "E-4", "started_at": "2024-04-01T10:00", "returned_at": "2024-04-01T11:00"},
    ]
    assert actions(p, child(*episodes), "2024-05-01T10:00") == [
        ("third_from_home", "2024-04-01T10:00:00+01:00", "due")
    ]
    result = evaluate(p, child(*episodes), at("2024-05-01T10:00"))
    assert [(f.fact, f.value, f.test) for f in result.actions[0].facts] == [
        ("episode_count", "3", "at least 3 episodes missing from home in all (this one included)")
    ]


def test_every_code_of_the_new_constructs_has_a_label() -> None:
    p = protocol(
        ALTERNATIVE_KINDS.replace("id: meeting", "id: meeting_or_stage_one"),
        FIRST_OF,
        PHASED,
        MONTHLY,
        COUNT_FROM_HOME,
    )
    assert unlabelled(p) == []


# --- the reference evaluator agrees ------------------------------------------------


EVERYTHING = protocol(
    ALTERNATIVE_KINDS.replace("id: meeting", "id: meeting_or_stage_one"),
    FIRST_OF,
    PHASED,
    MONTHLY,
    COUNT_FROM_HOME,
    rule(
        "weekly_after_meeting",
        "trigger: {every: 1 week, from: {recorded: strategy_meeting}}\n"
        "deadline: {within: 2 days, from: {recorded: stage_one_meeting}}",
    ),
    rule(
        "after_refusal",
        "trigger: {on: {recorded: return_home_interview, outcome: [declined]}}\n"
        "deadline: {within: 1 working day}",
    ),
    rule(
        "after_edt_told",
        "trigger: {on: {recorded: notify, recipient: edt}}\ndeadline: {within: 1 day}",
    ),
    rule(
        "in_month_from_care",
        "when: {episodes: {calendar_month: true, missing_from: [care_placement, education], "
        "categories: [missing]}, exactly: 2}\ntrigger: {on: returned}\ndeadline: immediately",
    ),
)

_KINDS = [
    "strategy_meeting",
    "stage_one_meeting",
    "return_home_interview",
    "mash_referral",
    "notify",
]


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(evaluations_inputs(EVERYTHING, with_categories=True), st.data())
def test_generated_timelines_give_the_reference_answer(
    case: tuple[Timeline, dt.datetime], data: st.DataObject
) -> None:
    timeline, as_of = case
    # re-draw the events' kinds among those the rules name, so the anchors are met often
    kinds = data.draw(
        st.lists(
            st.sampled_from(_KINDS), min_size=len(timeline.events), max_size=len(timeline.events)
        )
    )
    events = [
        e.model_copy(update={"action": k}) for e, k in zip(timeline.events, kinds, strict=True)
    ]
    timeline = timeline.model_copy(update={"events": events})
    assert _answer(evaluate, timeline, as_of) == _answer(oracle_evaluate.evaluate, timeline, as_of)


def _answer(evaluator: object, timeline: Timeline, as_of: dt.datetime) -> object:
    """The evaluation as JSON-ready data, or its problems."""
    try:
        return to_jsonable(evaluator(EVERYTHING, timeline, as_of))  # type: ignore[operator]
    except TimelineError as exc:
        return [(p.code, p.path, p.message) for p in exc.problems]

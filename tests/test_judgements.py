"""Judgements and outcomes as named inputs: ``{fact: judgements, has: CODE}``.

A duty that depends on a judgement ("if the interview is refused", "where
parents refuse consent") arises only once the timeline records it on the
episode, no earlier than when it was made; while it is not recorded, the
evaluation lists the duty as pending on it. Checked against the reference
evaluator throughout.
"""

from __future__ import annotations

import datetime as dt
from textwrap import dedent

import pytest
from hypothesis import HealthCheck, given, settings

import oracle_evaluate
from missing_protocol import (
    InputError,
    Judgement,
    RuleFileError,
    Timeline,
    TimelineError,
    compile_text,
    evaluate,
    evaluate_compact,
    load_protocol,
    parse_timeline,
    to_jsonable,
)
from missing_protocol.calendar import LONDON
from missing_protocol.cli.evaluate import table
from missing_protocol.compiled import Protocol
from missing_protocol.phrases import JUDGEMENT_LABELS, condition_words, unlabelled
from missing_protocol.service.view import render_view
from missing_protocol.strategies import evaluations_inputs
from missing_protocol.vocabulary import JUDGEMENTS

_HEAD = """\
schema_version: {version}
protocol:
  id: testarea
  title: Test area
  authorities: [Test]
  version: "1"
  source_document: test
  source_text: test.txt
{extra}risk:
  police_risk_levels: [low, medium, high]
  categories:
    - id: missing
      label: Missing
      citation: {{section: "1", quote: a child is missing}}
rules:
"""

_RULES = """\
  - id: parents_asked
    topic: return_home_interview
    action: notify
    obligation: should
    responsible: allocated_social_worker
    recipients: [parents]
    when: {fact: judgements, has: rhi_refused_by_child}
    trigger: {on: returned}
    deadline: {within: 3 working days}
    citation: {section: "2", quote: if the child refuses the interview}
  - id: tell_parents
    topic: notification
    action: notify
    obligation: must
    responsible: allocated_social_worker
    recipients: [parents]
    when: {not: {fact: judgements, has: informing_parents_inappropriate}}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "3", quote: parents will be told unless}
  - id: early_help
    topic: follow_up_on_return
    action: mash_referral
    obligation: must
    responsible: return_interview_service
    when:
      all:
        - {fact: judgements, has: early_help_would_benefit}
        - {fact: judgements, has: family_consents_to_early_help}
    trigger: {on: returned}
    deadline: unspecified
    citation: {section: "4", quote: referred with the consent of the family}
  - id: escalate
    topic: escalation
    action: escalation_to_manager
    obligation: must
    responsible: team_manager
    when: {fact: judgements, has_any: [manager_escalates, rhi_safeguarding_concerns]}
    trigger: {missing_for: 24 hours}
    deadline: {within: 24 hours}
    citation: {section: "5", quote: the manager will escalate}
"""


def _protocol(rules: str = _RULES, *, version: int = 2, extra: str | None = None) -> Protocol:
    if extra is None:
        extra = "extra_judgements:\n  manager_escalates: The team manager decides to escalate.\n"
    return compile_text(_HEAD.format(version=version, extra=extra) + rules, "area.yaml")


def _timeline(judgements: str = "", *, returned: str | None = "2024-03-29T10:00") -> str:
    """Good Friday 2024 return; the clocks went forward on Sunday 31 March."""
    lines = [
        "schema_version: 3",
        "child: {id: C-1, date_of_birth: 2010-05-01, case_status: looked_after}",
        "episodes:",
        "  - id: E-1",
        "    category: missing",
        "    started_at: 2024-03-28T08:00",
    ]
    if returned is not None:
        lines.append(f"    returned_at: {returned}")
    if judgements:
        lines.append(f"    judgements: {judgements}")
    return "\n".join(lines) + "\n"


def _both(protocol: Protocol, text: str, as_of: dt.datetime) -> dict[str, object]:
    timeline = parse_timeline(text)
    fast = to_jsonable(evaluate(protocol, timeline, as_of))
    assert fast == to_jsonable(oracle_evaluate.evaluate(protocol, timeline, as_of))
    compact = evaluate_compact(protocol, timeline, as_of)
    assert compact.pending == len(fast["pending"])
    return fast


def _ids(result: dict[str, object]) -> list[str]:
    return [a["rule_id"] for a in result["actions"]]  # type: ignore[attr-defined, index]


AS_OF = dt.datetime(2024, 4, 10, 12, 0)


# --- the construct in the rule file ------------------------------------------


def test_a_judgement_not_recorded_fires_nothing_and_is_pending() -> None:
    result = _both(_protocol(), _timeline(), AS_OF)
    assert _ids(result) == ["tell_parents"]
    pending = result["pending"]
    assert [(p["rule_id"], p["awaiting"], p["triggered_at"]) for p in pending] == [  # type: ignore[attr-defined]
        (
            "escalate",
            [["manager_escalates"], ["rhi_safeguarding_concerns"]],
            "2024-03-29T08:00:00Z",
        ),
        ("parents_asked", [["rhi_refused_by_child"]], "2024-03-29T10:00:00Z"),
        (
            "early_help",
            [["early_help_would_benefit", "family_consents_to_early_help"]],
            "2024-03-29T10:00:00Z",
        ),
    ]
    first = pending[1]  # type: ignore[index]
    assert first["recipient"] == "parents"
    assert first["condition"] == "judgements includes rhi_refused_by_child"
    assert first["citation"] == {
        "protocol": "testarea",
        "section": "2",
        "quote": "if the child refuses the interview",
    }


def test_a_judgement_made_after_the_trigger_moves_the_duty_to_when_it_was_made() -> None:
    # Refused on Thursday 4 April: 3 working days run to Tuesday 9 April, not from Good Friday.
    text = _timeline(
        "[{judgement: rhi_refused_by_child, at: 2024-04-04T15:30, by: return_interview_service}]"
    )
    result = _both(_protocol(), text, AS_OF)
    action = next(a for a in result["actions"] if a["rule_id"] == "parents_asked")  # type: ignore[attr-defined]
    assert action["triggered_at"] == "2024-04-04T15:30:00+01:00"
    assert action["due_at"] == "2024-04-09T23:59:59+01:00"
    assert action["status"] == "overdue"
    assert action["trigger"] == (
        "returned or located at 2024-03-29T10:00:00+00:00; required from when "
        "rhi_refused_by_child was recorded (2024-04-04T15:30:00+01:00)"
    )
    assert [p["rule_id"] for p in result["pending"]] == ["escalate", "early_help"]  # type: ignore[attr-defined]


def test_a_judgement_made_before_the_trigger_leaves_the_trigger_moment() -> None:
    # Made while the child was away; the duty arises at the return, Good Friday, and its
    # three working days skip the weekend and Easter Monday: due Thursday 4 April.
    text = _timeline("[{judgement: rhi_refused_by_child, at: 2024-03-28T20:00}]")
    action = next(
        a
        for a in _both(_protocol(), text, AS_OF)["actions"]
        if a["rule_id"] == "parents_asked"  # type: ignore[attr-defined]
    )
    assert (action["triggered_at"], action["due_at"]) == (
        "2024-03-29T10:00:00Z",
        "2024-04-04T23:59:59+01:00",
    )
    assert action["deadline"]["skipped_days"] == ["2024-03-30", "2024-03-31", "2024-04-01"]  # type: ignore[index]


def test_an_undated_judgement_counts_from_the_trigger() -> None:
    text = _timeline("[{judgement: rhi_refused_by_child}]")
    action = next(
        a
        for a in _both(_protocol(), text, AS_OF)["actions"]
        if a["rule_id"] == "parents_asked"  # type: ignore[attr-defined]
    )
    assert action["triggered_at"] == "2024-03-29T10:00:00Z"


def test_a_judgement_recorded_for_after_as_of_is_not_yet_known() -> None:
    text = _timeline("[{judgement: rhi_refused_by_child, at: 2024-04-20T09:00}]")
    result = _both(_protocol(), text, AS_OF)
    assert "parents_asked" not in _ids(result)
    assert "parents_asked" in [p["rule_id"] for p in result["pending"]]  # type: ignore[attr-defined]
    later = _both(_protocol(), text, dt.datetime(2024, 4, 20, 9, 0))
    assert "parents_asked" in _ids(later)


def test_an_exception_judged_removes_the_duty_and_is_never_pending() -> None:
    assert "tell_parents" in _ids(_both(_protocol(), _timeline(), AS_OF))
    text = _timeline("[{judgement: informing_parents_inappropriate, at: 2024-03-28T09:00}]")
    result = _both(_protocol(), text, AS_OF)
    assert "tell_parents" not in _ids(result)
    assert "tell_parents" not in [p["rule_id"] for p in result["pending"]]  # type: ignore[attr-defined]


def test_both_judgements_are_needed_and_the_later_sets_the_moment() -> None:
    one = _timeline("[{judgement: early_help_would_benefit, at: 2024-04-02T10:00}]")
    result = _both(_protocol(), one, AS_OF)
    assert "early_help" not in _ids(result)
    waiting = next(p for p in result["pending"] if p["rule_id"] == "early_help")  # type: ignore[attr-defined]
    assert waiting["awaiting"] == [["family_consents_to_early_help"]]
    assert waiting["triggered_at"] == "2024-04-02T10:00:00+01:00"
    two = _timeline(
        "[{judgement: family_consents_to_early_help, at: 2024-04-05T11:00}, "
        "{judgement: early_help_would_benefit, at: 2024-04-02T10:00}]"
    )
    action = next(
        a for a in _both(_protocol(), two, AS_OF)["actions"] if a["rule_id"] == "early_help"
    )  # type: ignore[attr-defined]
    assert action["triggered_at"] == "2024-04-05T11:00:00+01:00"


def test_a_time_trigger_waits_for_the_judgement_and_hours_cross_the_clock_change() -> None:
    # Missing from Saturday 30 March 2024 01:00 GMT; the manager decides at 01:30 on Sunday,
    # after the clocks went forward at 01:00 GMT: 24 elapsed hours end at 02:30 BST on Monday.
    text = dedent(
        """\
        schema_version: 3
        child: {id: C-1, date_of_birth: 2010-05-01}
        episodes:
          - id: E-1
            category: missing
            started_at: 2024-03-30T01:00
            judgements:
              - {judgement: manager_escalates, at: "2024-03-31T01:30+00:00", by: team_manager}
        """
    )
    result = _both(_protocol(), text, dt.datetime(2024, 4, 2, 12, 0))
    action = next(a for a in result["actions"] if a["rule_id"] == "escalate")  # type: ignore[attr-defined]
    assert (action["triggered_at"], action["due_at"]) == (
        "2024-03-31T02:30:00+01:00",
        "2024-04-01T02:30:00+01:00",
    )


def test_a_returned_child_is_not_pending_on_a_time_trigger_that_never_fired() -> None:
    text = _timeline(returned="2024-03-28T20:00")
    result = _both(_protocol(), text, AS_OF)
    assert "escalate" not in [p["rule_id"] for p in result["pending"]]  # type: ignore[attr-defined]


def test_a_judgement_outside_the_protocol_s_vocabulary_is_read_and_ignored() -> None:
    text = _timeline("[{judgement: some_other_area_s_code, at: 2024-03-29T11:00}]")
    assert _ids(_both(_protocol(), text, AS_OF)) == ["tell_parents"]


def test_the_shared_vocabulary_is_labelled_and_conditions_read_as_words() -> None:
    assert set(JUDGEMENT_LABELS) == set(JUDGEMENTS)
    protocol = _protocol()
    assert unlabelled(protocol) == []
    words = [condition_words(rule.when, protocol) for rule in protocol.rules if rule.when]
    assert words == [
        "recorded that the child refused the return home interview",
        "not (recorded that telling the parents is not appropriate)",
        "recorded that the worker considers early help would benefit the family and "
        "recorded that the family consents to early help",
        "recorded that the return home interview found safeguarding concerns or manager escalates",
    ]


# --- errors: located, with the fix --------------------------------------------


def _rule_problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "area.yaml")
    return [p.format().splitlines()[0] for p in caught.value.problems]


def test_an_unknown_judgement_is_refused_where_it_is_named() -> None:
    rules = _RULES.replace("has: rhi_refused_by_child", "has: rhi_refused_by_chld")
    assert _rule_problems(_HEAD.format(version=2, extra="") + rules) == [
        "area.yaml:22:35: rules[0].when.has: unknown judgement 'rhi_refused_by_chld'; did you "
        "mean 'rhi_refused_by_child'? (declare the protocol's own judgements under "
        "extra_judgements, with who makes each and where it is recorded) "
        "[compile.unknown_judgement]",
        "area.yaml:53:30: rules[3].when.has_any: unknown judgement 'manager_escalates' "
        "(declare the protocol's own judgements under extra_judgements, with who makes each "
        "and where it is recorded) [compile.unknown_judgement]",
    ]


def test_a_shared_judgement_cannot_be_redeclared() -> None:
    extra = "extra_judgements:\n  rhi_refused_by_child: again\n  manager_escalates: ok\n"
    assert _rule_problems(_HEAD.format(version=2, extra=extra) + _RULES) == [
        "area.yaml:10:25: extra_judgements.rhi_refused_by_child: judgement "
        "'rhi_refused_by_child' is already in the shared vocabulary; remove it from "
        "extra_judgements [compile.redefined_name]",
    ]


def test_a_judgement_cannot_condition_a_recurring_rule() -> None:
    rules = _RULES.replace("trigger: {missing_for: 24 hours}", "trigger: {every: 7 days}")
    text = _HEAD.format(
        version=2, extra="extra_judgements:\n  manager_escalates: The manager decides.\n"
    )
    assert _rule_problems(text + rules) == [
        "area.yaml:56:5: rules[3].trigger: a condition on judgements cannot be used with a "
        "recurring trigger (a judgement moves the moment a duty arises, and a series has "
        "many); trigger the rule on an episode moment or on time elapsed "
        "[compile.judgement_on_recurring]",
    ]


def test_extra_judgements_need_rule_file_version_2() -> None:
    text = _HEAD.format(version=1, extra="extra_judgements:\n  manager_escalates: x\n")
    with pytest.raises(InputError) as caught:
        compile_text(text + _RULES, "area.yaml")
    first = caught.value.problems[0]
    assert (first.code, first.path, first.line) == (
        "schema.needs_version",
        "extra_judgements",
        9,
    )
    assert "set schema_version to 2" in first.message


def test_judgements_on_an_episode_need_timeline_version_3() -> None:
    text = _timeline("[{judgement: rhi_refused_by_child}]").replace(
        "schema_version: 3", "schema_version: 2"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    assert [p.format() for p in caught.value.problems] == [
        "t.yaml:8:5: episodes[0].judgements: judgements is a field of timeline schema "
        "version 3; this timeline declares schema_version 2: set schema_version to 3 "
        "[schema.needs_version]",
    ]


def test_a_judgement_recorded_twice_on_an_episode_is_refused() -> None:
    text = _timeline(
        "[{judgement: rhi_refused_by_child}, "
        "{judgement: rhi_refused_by_child, at: 2024-04-01T10:00}]"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    assert [(p.code, p.path) for p in caught.value.problems] == [
        ("schema.duplicate_judgement", "episodes[0].judgements[1].judgement"),
    ]
    assert "record each judgement once" in caught.value.problems[0].message


# --- the law: the fast evaluator and the reference agree ------------------------


_PROTOCOL = _protocol()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evaluations_inputs(_PROTOCOL, with_categories=True))
def test_generated_judgements_give_the_reference_answer(case: tuple[object, dt.datetime]) -> None:
    timeline, as_of = case
    fast = to_jsonable(evaluate(_PROTOCOL, timeline, as_of))  # type: ignore[arg-type]
    assert fast == to_jsonable(oracle_evaluate.evaluate(_PROTOCOL, timeline, as_of))  # type: ignore[arg-type]


def test_bundled_protocols_still_read_version_1_timelines() -> None:
    protocol = load_protocol("camden")
    text = (
        _timeline()
        .replace("schema_version: 3", "schema_version: 1")
        .replace("    category: missing\n", "")
    )
    as_of = dt.datetime(2024, 4, 10, 12, 0, tzinfo=LONDON)
    assert to_jsonable(evaluate(protocol, parse_timeline(text), as_of)) == to_jsonable(
        oracle_evaluate.evaluate(protocol, parse_timeline(text), as_of)
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evaluations_inputs(_PROTOCOL, with_categories=True))
def test_recording_what_a_pending_action_awaits_makes_it_required(
    case: tuple[Timeline, dt.datetime],
) -> None:
    """The law behind ``pending``: record one awaited set (undated) and the action is required."""
    timeline, as_of = case
    result = evaluate(_PROTOCOL, timeline, as_of)
    for item in result.pending:
        episodes = []
        for episode in timeline.episodes:
            if episode.id != item.episode_id:
                episodes.append(episode)
                continue
            judged = tuple(
                j for j in episode.judgements if j.judgement not in item.awaiting[0]
            ) + tuple(Judgement(judgement=code) for code in item.awaiting[0])
            episodes.append(episode.model_copy(update={"judgements": judged}))
        recorded = Timeline(
            schema_version=3, child=timeline.child, episodes=episodes, events=timeline.events
        )
        after = evaluate(_PROTOCOL, recorded, as_of)
        assert any(
            a.rule_id == item.rule_id and a.episode_id == item.episode_id for a in after.actions
        ), item
        assert not any(
            p.rule_id == item.rule_id and p.episode_id == item.episode_id for p in after.pending
        )


def test_the_table_and_the_page_list_what_is_pending() -> None:
    timeline = parse_timeline(_timeline())
    evaluation = evaluate(_PROTOCOL, timeline, AS_OF)
    text = table(evaluation)
    assert text.endswith(
        "Required once recorded:\n"
        "  escalation_to_manager (must) by team_manager, episode E-1, if manager_escalates or "
        "rhi_safeguarding_concerns [escalate]\n"
        "  notify (should) by allocated_social_worker to parents, episode E-1, if "
        "rhi_refused_by_child [parents_asked]\n"
        "  mash_referral (must) by return_interview_service, episode E-1, if "
        "early_help_would_benefit and family_consents_to_early_help [early_help]\n"
    )
    page = render_view(_PROTOCOL, timeline, evaluation)
    assert "Required once recorded (3)" in page
    assert "early_help_would_benefit and family_consents_to_early_help" in page


def test_an_empty_judgements_list_uses_no_newer_construct() -> None:
    """A timeline written out whole (every field, at its default) reads back under its version."""
    text = _timeline("[]").replace("schema_version: 3", "schema_version: 1")
    timeline = parse_timeline(text)
    assert timeline.episodes[0].judgements == ()
    assert parse_timeline(timeline.model_dump_json()) == timeline


def test_a_judgement_known_only_to_the_day_is_refused_with_the_fix() -> None:
    text = _timeline("[{judgement: rhi_refused_by_child, at: 2024-04-04}]")
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    assert [p.format() for p in caught.value.problems] == [
        "t.yaml:8:56: episodes[0].judgements[0].at: a judgement's 'at' needs a time of day (it "
        "sets when a duty arises); give the time, or leave 'at' out if it is not known, got "
        "text [schema.day_only]",
    ]

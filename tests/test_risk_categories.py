"""Issue 10's risk and category constructs, on the small test rule file.

* ``risk.ungraded``: the level an episode the police have not graded is held at;
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, settings
from pydantic import ValidationError

from missing_protocol import (
    RuleFileError,
    Timeline,
    TimelineError,
    compile_text,
    evaluate,
    load_protocol,
)
from missing_protocol.calendar import LONDON
from missing_protocol.compiled import Pred
from missing_protocol.facts import FactName
from missing_protocol.strategies import timelines
from missing_protocol.verify import _values

MINI_TEXT = (Path(__file__).parent / "data" / "mini.yaml").read_text(encoding="utf-8")

UNGRADED = """  ungraded:
    - id: missing_held_medium
      when: {fact: category, is: missing}
      held_at: medium
      citation:
        section: "6.1"
        quote: their whereabouts is completely unknown or cannot be established
"""


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def mini(extra_risk: str = "", *, version: int = 2, rules: str = "") -> str:
    """The mini rule file with ``extra_risk`` added to its risk section and ``rules`` appended."""
    text = MINI_TEXT.replace("schema_version: 1\n", f"schema_version: {version}\n", 1)
    text = text.replace("allocations:\n", extra_risk + "allocations:\n", 1)
    return text.replace("rules:\n", "rules:\n" + rules, 1)


def timeline(*episodes: dict[str, Any], **child: Any) -> Timeline:
    return Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2010-05-01", **child},
            "episodes": list(episodes),
        }
    )


MEDIUM_RULE = """  - id: medium_review
    topic: risk
    action: police_risk_review
    obligation: must
    responsible: police
    when: {fact: police_risk, ge: medium}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "6.1", quote: must be reported to the police immediately}
"""


# --- ungraded risk ------------------------------------------------------------


def test_an_ungraded_missing_episode_is_held_at_the_stated_level_and_says_so() -> None:
    protocol = compile_text(mini(UNGRADED, rules=MEDIUM_RULE), "mini.yaml")
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"})
    result = evaluate(protocol, t, at("2024-05-01T11:00"))
    episode = result.episodes[0]
    assert (episode.police_risk_recorded, episode.police_risk) == (None, "medium")
    assert episode.police_risk_assumed_by == "missing_held_medium"
    assert episode.police_risk_assumed_reason == (
        "no police risk recorded; held at medium by missing_held_medium "
        '(6.1: "their whereabouts is completely unknown or cannot be established")'
    )
    assert episode.risk_raised_by is None
    review = result.action("mini:C-1:E1:medium_review")
    assert [(f.fact, f.value) for f in review.facts] == [
        ("police_risk", "medium (not graded by the police: held by missing_held_medium)")
    ]


def test_a_recorded_risk_is_never_replaced_and_floors_still_raise_it() -> None:
    protocol = compile_text(mini(UNGRADED, rules=MEDIUM_RULE), "mini.yaml")
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00", "police_risk": "low"})
    episode = evaluate(protocol, t, at("2024-05-01T11:00")).episodes[0]
    assert (episode.police_risk_recorded, episode.police_risk) == ("low", "medium")
    assert (episode.police_risk_assumed_by, episode.risk_raised_by) == (None, "never_low")


def test_an_episode_the_statement_does_not_cover_stays_ungraded() -> None:
    protocol = compile_text(mini(UNGRADED, rules=MEDIUM_RULE), "mini.yaml")
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00", "whereabouts_known": True})
    result = evaluate(protocol, t, at("2024-05-01T11:00"))
    episode = result.episodes[0]
    assert (episode.category, episode.police_risk, episode.police_risk_assumed_by) == (
        "absent",
        None,
        None,
    )
    assert [a.rule_id for a in result.actions if a.rule_id == "medium_review"] == []


def test_floors_apply_to_the_level_held() -> None:
    floor_high = UNGRADED.replace("held_at: medium", "held_at: low")
    protocol = compile_text(mini(floor_high, rules=MEDIUM_RULE), "mini.yaml")
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"})
    episode = evaluate(protocol, t, at("2024-05-01T11:00")).episodes[0]
    assert (episode.police_risk_recorded, episode.police_risk) == (None, "medium")
    assert (episode.police_risk_assumed_by, episode.risk_raised_by) == (
        "missing_held_medium",
        "never_low",
    )
    assert episode.risk_reason is not None
    assert episode.risk_reason.startswith("low is not allowed here; raised to medium by never_low")


def test_the_first_statement_that_applies_is_used() -> None:
    two = UNGRADED + (
        "    - id: everyone_high\n"
        "      held_at: high\n"
        '      citation: {section: "6.1", quote: must be reported to the police immediately}\n'
    )
    protocol = compile_text(mini(two), "mini.yaml")
    missing = timeline({"id": "E1", "started_at": "2024-05-01T10:00"})
    absent = timeline({"id": "E1", "started_at": "2024-05-01T10:00", "whereabouts_known": True})
    assert evaluate(protocol, missing, at("2024-05-01T11:00")).episodes[0].police_risk == "medium"
    held = evaluate(protocol, absent, at("2024-05-01T11:00")).episodes[0]
    assert (held.police_risk, held.police_risk_assumed_by) == ("high", "everyone_high")


def test_ungraded_needs_schema_version_2() -> None:
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(UNGRADED, version=1), "mini.yaml")
    [problem] = caught.value.problems
    assert problem.code == "schema.needs_version"
    assert (problem.path, problem.line, problem.column) == ("risk.ungraded", 27, 3)
    assert "set schema_version to 2" in problem.message


def test_a_level_outside_the_protocol_is_refused_where_it_is_written() -> None:
    immediate = UNGRADED.replace("held_at: medium", "held_at: immediate")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(immediate), "mini.yaml")
    [problem] = caught.value.problems
    assert problem.code == "compile.unused_risk_level"
    assert (problem.path, problem.line, problem.column) == ("risk.ungraded[0].held_at", 30, 16)
    assert "hold ungraded episodes at one of them" in problem.message


def test_an_unknown_level_is_a_located_schema_error() -> None:
    wrong = UNGRADED.replace("held_at: medium", "held_at: moderate")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(wrong), "mini.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column) == ("risk.ungraded[0].held_at", 30, 16)
    assert problem.code.startswith("schema.")


def test_duplicate_ungraded_ids_are_refused() -> None:
    twice = UNGRADED + UNGRADED.replace("  ungraded:\n", "")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(twice), "mini.yaml")
    assert [p.code for p in caught.value.problems] == ["compile.duplicate_id"]


def test_bundled_areas_hold_ungraded_missing_episodes() -> None:
    t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"}, case_status="looked_after")
    for area, statement in (
        ("cumbria", "missing_children_held_medium"),
        ("pan_beds", "looked_after_missing_held_medium"),
        ("tower_hamlets", "missing_held_medium"),
    ):
        episode = evaluate(load_protocol(area), t, at("2024-05-01T11:00")).episodes[0]
        assert (episode.police_risk, episode.police_risk_assumed_by) == ("medium", statement)


# --- ages over 17 ---------------------------------------------------------------

ADULT_RULE = """  - id: young_adult_assessment
    topic: other
    action: police_risk_review
    obligation: must
    responsible: police
    when: {fact: age, ge: 21}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "6.1", quote: must be reported to the police immediately}
"""


def test_ages_run_to_24_and_a_rule_may_name_them() -> None:
    protocol = compile_text(mini(rules=ADULT_RULE, version=1), "mini.yaml")
    for born, fires in (("2003-05-02", False), ("2003-05-01", True), ("1999-05-02", True)):
        t = timeline({"id": "E1", "started_at": "2024-05-01T10:00"}, date_of_birth=born)
        result = evaluate(protocol, t, at("2024-05-01T11:00"))
        assert result.episodes[0].age_at_start in (20, 21, 24)
        assert ("young_adult_assessment" in {a.rule_id for a in result.actions}) is fires


def test_an_age_past_the_oldest_any_text_names_is_refused_where_it_is_written() -> None:
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(rules=ADULT_RULE.replace("ge: 21", "ge: 26"), version=1), "mini.yaml")
    [problem] = caught.value.problems
    assert problem.code == "compile.bad_value"
    assert problem.path == "rules[0].when.ge"
    assert problem.message == (
        "age 26 is outside 0..25; the protocols cover children, and care leavers to their "
        "25th birthday"
    )


def test_verification_enumerates_ages_to_24() -> None:
    ages = _values(FactName.AGE, [Pred(FactName.AGE, "ge", 21)], [])
    assert ages == [0, 20, 21, 22, 24]


def test_generated_timelines_include_young_adults() -> None:
    found = find(
        timelines(max_episodes=1, with_events=False),
        lambda t: (t.episodes[0].started_at.date() - t.child.date_of_birth).days > 21 * 366,
        settings=settings(database=None, max_examples=2000),
    )
    assert found.child.date_of_birth < found.episodes[0].started_at.date()


# --- an episode in two categories -------------------------------------------------

ALSO = """      also:
        - category: missing
          when: {fact: age, lt: 16}
          citation: {section: "6.3", quote: their whereabouts is known and they are not thought}
"""

BOTH_RULES = """  - id: for_missing
    topic: reporting
    action: report_to_police
    obligation: must
    responsible: parents
    when: {fact: categories, has: missing}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "6.1", quote: must be reported to the police immediately}
  - id: three_missing
    topic: repeat_episodes
    action: strategy_meeting
    obligation: must
    responsible: childrens_social_care
    when: {episodes: {within: 90 days, categories: [missing, absent]}, at_least: 3}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "6.1", quote: must be reported to the police immediately}
"""


def mini_also(also: str = ALSO, *, version: int = 2) -> str:
    """The mini file with ``also`` on its category absent (listed second)."""
    text = mini(version=version, rules=BOTH_RULES)
    marker = "quote: their whereabouts is known and they are not thought to be at risk}\n"
    return text.replace(marker, marker + also, 1)


def test_an_episode_derived_into_two_categories_meets_rules_of_either() -> None:
    protocol = compile_text(mini_also(), "mini.yaml")
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "whereabouts_known": True},
        date_of_birth="2010-05-01",
    )
    result = evaluate(protocol, t, at("2024-05-01T11:00"))
    episode = result.episodes[0]
    assert (episode.category, episode.also_categories) == ("absent", ("missing",))
    assert episode.also_categories_reason == (
        'missing: derived: age < 16 (6.3: "their whereabouts is known and they are not thought")'
    )
    assert "mini:C-1:E1:for_missing" in {a.id for a in result.actions}
    assert [(f.fact, f.value) for f in result.action("mini:C-1:E1:for_missing").facts] == [
        ("categories", "[absent, missing]")
    ]
    # category (the one category) keeps its meaning: the rule for category missing does not apply
    assert "mini:C-1:E1:report" not in {a.id for a in result.actions}


def test_past_the_condition_the_episode_is_in_one_category() -> None:
    protocol = compile_text(mini_also(), "mini.yaml")
    t = timeline(
        {"id": "E1", "started_at": "2024-05-01T10:00", "whereabouts_known": True},
        date_of_birth="2008-05-01",
    )
    result = evaluate(protocol, t, at("2024-05-01T11:00"))
    assert (result.episodes[0].also_categories, result.episodes[0].also_categories_reason) == (
        (),
        None,
    )
    assert "mini:C-1:E1:for_missing" not in {a.id for a in result.actions}


def test_an_episode_in_two_counted_categories_counts_once() -> None:
    protocol = compile_text(mini_also(), "mini.yaml")
    episodes = [
        {
            "id": f"E{n}",
            "started_at": f"2024-05-0{n}T10:00",
            "returned_at": f"2024-05-0{n}T12:00",
            "whereabouts_known": True,
        }
        for n in (1, 2, 3)
    ]
    t = timeline(*episodes, date_of_birth="2010-05-01")
    ids = {a.id for a in evaluate(protocol, t, at("2024-05-04T11:00")).actions}
    assert "mini:C-1:E3:three_missing" in ids
    assert "mini:C-1:E2:three_missing" not in ids  # two episodes, not four


def test_the_timeline_may_give_categories_an_episode_is_also_in() -> None:
    protocol = compile_text(mini_also(""), "mini.yaml")
    t = Timeline.model_validate(
        {
            "schema_version": 3,
            "child": {"id": "C-1", "date_of_birth": "2006-05-01"},
            "episodes": [
                {
                    "id": "E1",
                    "started_at": "2024-05-01T10:00",
                    "whereabouts_known": True,
                    "also_categories": ["missing"],
                }
            ],
        }
    )
    result = evaluate(protocol, t, at("2024-05-01T11:00"))
    assert result.episodes[0].also_categories == ("missing",)
    assert result.episodes[0].also_categories_reason == "missing: given in the timeline"
    assert "mini:C-1:E1:for_missing" in {a.id for a in result.actions}


def test_a_given_category_the_protocol_lacks_is_a_timeline_error() -> None:
    protocol = compile_text(mini_also(""), "mini.yaml")
    t = Timeline.model_validate(
        {
            "schema_version": 3,
            "child": {"id": "C-1", "date_of_birth": "2006-05-01"},
            "episodes": [
                {"id": "E1", "started_at": "2024-05-01T10:00", "also_categories": ["absconder"]}
            ],
        }
    )
    with pytest.raises(TimelineError) as caught:
        evaluate(protocol, t, at("2024-05-01T11:00"))
    [problem] = caught.value.problems
    assert (problem.code, problem.path) == (
        "timeline.unknown_category",
        "episodes[0].also_categories",
    )


def test_also_categories_need_timeline_schema_version_3() -> None:
    with pytest.raises(ValidationError) as caught:
        Timeline.model_validate(
            {
                "child": {"id": "C-1", "date_of_birth": "2006-05-01"},
                "episodes": [
                    {"id": "E1", "started_at": "2024-05-01T10:00", "also_categories": ["x"]}
                ],
            }
        )
    [error] = caught.value.errors()
    assert (error["type"], error["loc"]) == ("needs_version", ("episodes", 0, "also_categories"))


def test_also_needs_rule_file_schema_version_2() -> None:
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini_also(version=1).replace("has: missing}", "has: missing}"), "mini.yaml")
    codes = {p.code for p in caught.value.problems}
    assert "schema.needs_version" in codes


def test_also_must_name_another_real_category_located() -> None:
    wrong = ALSO.replace("category: missing", "category: mising")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini_also(wrong), "mini.yaml")
    [problem] = caught.value.problems
    assert (problem.code, problem.path, problem.line, problem.column) == (
        "compile.bad_value",
        "risk.categories[1].also[0].category",
        22,
        21,
    )
    assert problem.message.startswith("unknown category 'mising'; did you mean 'missing'?")
    itself = ALSO.replace("category: missing", "category: absent")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini_also(itself), "mini.yaml")
    assert [p.code for p in caught.value.problems] == ["compile.bad_value"]


def test_categories_accepts_only_set_operators_and_known_categories() -> None:
    bad = BOTH_RULES.replace("{fact: categories, has: missing}", "{fact: categories, is: missing}")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(version=2, rules=bad), "mini.yaml")
    assert [p.code for p in caught.value.problems] == ["compile.bad_operator"]
    unknown = BOTH_RULES.replace("has: missing}", "has: gone}")
    with pytest.raises(RuleFileError) as caught:
        compile_text(mini(version=2, rules=unknown), "mini.yaml")
    assert [p.code for p in caught.value.problems] == ["compile.bad_value"]


# --- facts that change during an episode -----------------------------------------

HIGH_RULES = """  - id: high_deploy
    topic: risk
    action: risk_assessment
    obligation: must
    responsible: police
    when: {fact: police_risk, ge: high}
    trigger: {on: reported}
    deadline: {within: 2 hours}
    citation: {section: "6.1", quote: must be reported to the police immediately}
  - id: high_weekly
    topic: reviews_while_missing
    action: police_risk_review
    obligation: must
    responsible: police
    when: {fact: police_risk, ge: high}
    trigger: {every: 1 day}
    deadline: unspecified
    citation: {section: "6.1", quote: must be reported to the police immediately}
  - id: high_after_48h
    topic: escalation
    action: escalation_to_manager
    obligation: must
    responsible: police
    when: {fact: police_risk, ge: high}
    trigger: {missing_for: 48 hours}
    deadline: immediately
    citation: {section: "6.1", quote: must be reported to the police immediately}
"""
CHANGING = compile_text(mini(rules=HIGH_RULES, version=2), "mini.yaml")


def changing(*changes: dict[str, str], returned: str | None = None, **episode: Any) -> Timeline:
    return Timeline.model_validate(
        {
            "schema_version": 3,
            "child": {"id": "C-1", "date_of_birth": "2010-05-01"},
            "episodes": [
                {
                    "id": "E1",
                    "started_at": "2024-05-01T10:00",
                    "reported_at": "2024-05-01T11:00",
                    "police_risk": "medium",
                    **({"returned_at": returned} if returned else {}),
                    "changes": list(changes),
                    **episode,
                }
            ],
        }
    )


def actions_by_rule(result: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for action in result.actions:
        found.setdefault(action.rule_id, []).append(action)
    return found


def test_a_duty_whose_condition_holds_only_after_a_change_fires_at_the_change() -> None:
    t = changing({"at": "2024-05-01T15:00", "police_risk": "high"})
    result = evaluate(CHANGING, t, at("2024-05-01T16:00"))
    [deploy] = actions_by_rule(result)["high_deploy"]
    assert deploy.triggered_at == at("2024-05-01T15:00")
    assert deploy.due_at == at("2024-05-01T17:00")  # 2 hours from the change, not the report
    assert deploy.trigger == (
        "reported to police at 2024-05-01T11:00:00+01:00; its condition held only from the "
        "change at 2024-05-01T15:00:00+01:00 (police risk re-graded to high), while the child "
        "was still missing"
    )
    assert [(f.fact, f.value) for f in deploy.facts] == [("police_risk", "high")]
    [change] = result.episodes[0].changes
    assert (change.what, change.police_risk_recorded, change.police_risk, change.category) == (
        "police risk re-graded to high",
        "high",
        "high",
        "missing",
    )
    # the facts at the start are those of the episode result
    assert result.episodes[0].police_risk == "medium"


def test_a_change_after_the_return_is_refused_and_one_at_the_return_fires_nothing() -> None:
    with pytest.raises(ValidationError) as caught:
        changing({"at": "2024-05-01T13:00", "police_risk": "high"}, returned="2024-05-01T12:00")
    [error] = caught.value.errors()
    assert error["loc"] == ("episodes", 0, "changes", 0, "at")
    t = changing({"at": "2024-05-01T12:00", "police_risk": "high"}, returned="2024-05-01T12:00")
    assert "high_deploy" not in actions_by_rule(evaluate(CHANGING, t, at("2024-05-02T12:00")))


def test_a_duty_owed_under_the_old_facts_stays_owed() -> None:
    t = changing({"at": "2024-05-01T15:00", "police_risk": "low"}, police_risk="high")
    result = evaluate(CHANGING, t, at("2024-05-01T16:00"))
    [deploy] = actions_by_rule(result)["high_deploy"]
    assert deploy.triggered_at == at("2024-05-01T11:00")
    assert deploy.trigger == "reported to police at 2024-05-01T11:00:00+01:00"
    # the daily review from 10:00 on 2 May would be judged on the new facts: not upcoming
    assert [u.rule_id for u in result.upcoming if u.rule_id == "high_weekly"] == []


def test_recurring_occurrences_are_each_judged_on_the_facts_of_their_moment() -> None:
    t = changing(
        {"at": "2024-05-02T12:00", "police_risk": "high"},
        {"at": "2024-05-04T12:00", "police_risk": "medium"},
        {"at": "2024-05-05T12:00", "police_risk": "high"},
    )
    result = evaluate(CHANGING, t, at("2024-05-06T11:00"))
    weekly = actions_by_rule(result)["high_weekly"]
    assert [(a.occurrence, a.triggered_at) for a in weekly] == [
        (2, at("2024-05-03T10:00")),
        (3, at("2024-05-04T10:00")),
        (5, at("2024-05-06T10:00")),
    ]
    assert weekly[0].trigger.endswith(
        "judged on the facts as changed at 2024-05-02T12:00:00+01:00 "
        "(police risk re-graded to high)"
    )
    [upcoming] = [u for u in result.upcoming if u.rule_id == "high_weekly"]
    assert (upcoming.occurrence, upcoming.triggers_at) == (6, at("2024-05-07T10:00"))


def test_a_time_elapsed_duty_fires_at_a_later_change_while_still_missing() -> None:
    t = changing({"at": "2024-05-04T09:00", "police_risk": "high"})
    [late] = actions_by_rule(evaluate(CHANGING, t, at("2024-05-05T00:00")))["high_after_48h"]
    assert (late.triggered_at, late.due_at) == (at("2024-05-04T09:00"), at("2024-05-04T09:00"))


def test_changes_recorded_for_later_are_not_yet_known() -> None:
    t = changing({"at": "2024-05-01T15:00", "police_risk": "high"})
    result = evaluate(CHANGING, t, at("2024-05-01T14:00"))
    assert "high_deploy" not in actions_by_rule(result)
    assert result.episodes[0].changes == ()


def test_a_re_categorisation_gives_the_new_category_duties_from_then() -> None:
    t = changing(
        {"at": "2024-05-01T13:00", "category": "missing"},
        category="absent",
        whereabouts_known=True,
    )
    result = evaluate(CHANGING, t, at("2024-05-01T14:00"))
    [report] = actions_by_rule(result)["report"]
    assert (report.triggered_at, report.due_at) == (at("2024-05-01T13:00"), at("2024-05-01T13:00"))
    # work counts from the moment the duty arose: the report made at 11:00, before the
    # re-categorisation, does not meet it
    assert (report.status.value, report.met_at) == ("overdue", None)
    assert result.episodes[0].category == "absent"
    assert result.episodes[0].changes[0].category_reason == "given in the timeline"


def test_episode_counts_use_the_category_at_the_start() -> None:
    text = mini(version=2, rules=BOTH_RULES)
    protocol = compile_text(text, "mini.yaml")
    episodes = [
        {
            "id": f"E{n}",
            "started_at": f"2024-05-0{n}T10:00",
            "returned_at": f"2024-05-0{n}T12:00",
            "category": "absent",
            **(
                {"changes": [{"at": f"2024-05-0{n}T11:00", "category": "missing"}]} if n < 3 else {}
            ),
        }
        for n in (1, 2, 3)
    ]
    t = Timeline.model_validate(
        {
            "schema_version": 3,
            "child": {"id": "C-1", "date_of_birth": "2010-05-01"},
            "episodes": episodes,
        }
    )
    result = evaluate(protocol, t, at("2024-05-04T11:00"))
    assert "mini:C-1:E3:three_missing" in {a.id for a in result.actions}  # absent, counted


def test_changes_need_timeline_schema_version_3_and_name_known_categories() -> None:
    with pytest.raises(ValidationError) as caught:
        Timeline.model_validate(
            {
                "child": {"id": "C-1", "date_of_birth": "2010-05-01"},
                "episodes": [
                    {
                        "id": "E1",
                        "started_at": "2024-05-01T10:00",
                        "changes": [{"at": "2024-05-01T11:00", "police_risk": "high"}],
                    }
                ],
            }
        )
    [error] = caught.value.errors()
    assert (error["type"], error["loc"]) == ("needs_version", ("episodes", 0, "changes"))
    t = changing({"at": "2024-05-01T13:00", "category": "gone"})
    with pytest.raises(TimelineError) as raised:
        evaluate(CHANGING, t, at("2024-05-01T14:00"))
    [problem] = raised.value.problems
    assert (problem.code, problem.path) == (
        "timeline.unknown_category",
        "episodes[0].changes[0].category",
    )
    with pytest.raises(ValidationError) as empty:
        changing({"at": "2024-05-01T13:00"})
    assert [e["type"] for e in empty.value.errors()] == ["empty_change"]

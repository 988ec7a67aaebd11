"""Issue 10's recorded facts: the timeline fields, the condition facts, and a rule's methods.

A timeline of schema version 3 may record the legal status, the placement
type, the day the child became looked after, whereabouts in another area,
immigration restrictions, who found the child, whose social worker the case
is open to and who had care of the child, and how an event was made. A rule
file of schema version 2 may test them and require a method. A fact not
recorded is unknown and satisfies no test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import oracle_evaluate
from missing_protocol import (
    ActionStatus,
    RuleFileError,
    Timeline,
    TimelineError,
    compile_text,
    evaluate,
    parse_timeline,
    to_json,
)
from missing_protocol.calendar import LONDON
from missing_protocol.evaluate import episode_facts
from missing_protocol.facts import FACTS, FactName
from missing_protocol.strategies import timelines

MINI_TEXT = (Path(__file__).parent / "data" / "mini.yaml").read_text(encoding="utf-8")

# A version 2 rule file: mini.yaml with one rule per construct.
RULES_V2 = MINI_TEXT.replace("schema_version: 1\n", "schema_version: 2\n") + (
    """  - id: check_in_person
    topic: safe_and_well
    action: safe_and_well_check
    obligation: must
    responsible: police
    trigger: {on: returned}
    deadline: {within: 1 hour}
    methods: [in_person]
    citation: {section: "13.1", quote: a safe and well check will be carried out in person}
  - id: newly_looked_after
    topic: risk
    action: risk_assessment
    obligation: should
    responsible: childrens_social_care
    when: {fact: days_looked_after, le: 7}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "6.1", quote: must be reported to the police immediately}
  - id: not_on_section_20
    topic: other
    action: legal_advice_recovery_order
    obligation: consider
    responsible: allocated_social_worker
    when: {fact: legal_status, not_in: [section_20]}
    trigger: {on: started}
    deadline: unspecified
    citation: {section: "6.5", quote: social workers may consider seeking legal advice}
"""
)
PROTOCOL = compile_text(RULES_V2, "mini2.yaml")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def timeline(
    *episodes: dict[str, Any], events: list[dict[str, Any]] | None = None, **child: Any
) -> Timeline:
    return Timeline.model_validate(
        {
            "schema_version": 3,
            "child": {"id": "C-1", "date_of_birth": "2010-05-01", **child},
            "episodes": list(episodes),
            "events": events or [],
        }
    )


def episode(**fields: Any) -> dict[str, Any]:
    return {"id": "E-1", "started_at": "2024-05-01T10:00", **fields}


def status(result: Any, rule_id: str) -> ActionStatus | None:
    found = [a.status for a in result.actions if a.rule_id == rule_id]
    assert len(found) <= 1
    return found[0] if found else None


# --- the timeline fields: versions and errors -------------------------------------


_CHILD_FIELD = (
    "child: {id: C-1, date_of_birth: 2010-05-01, looked_after_since: 2024-01-02}\n"
    "episodes: [{id: E-1, started_at: '2024-05-01T10:00'}]\n"
)
_EPISODE_FIELD = (
    "child: {id: C-1, date_of_birth: 2010-05-01}\n"
    "episodes:\n"
    "  - id: E-1\n"
    "    started_at: '2024-05-01T10:00'\n"
    "    legal_status: care_order\n"
)
_EVENT_FIELD = (
    "child: {id: C-1, date_of_birth: 2010-05-01}\n"
    "episodes: [{id: E-1, started_at: '2024-05-01T10:00'}]\n"
    "events:\n"
    "  - {action: safe_and_well_check, at: '2024-05-01T12:00', method: phone}\n"
)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (_CHILD_FIELD, ("child.looked_after_since", 2, 65)),
        (_EPISODE_FIELD, ("episodes[0].legal_status", 6, 19)),
        (_EVENT_FIELD, ("events[0].method", 5, 67)),
    ],
    ids=["child", "episode", "event"],
)
@pytest.mark.parametrize("declared", [1, 2])
def test_a_field_of_version_3_in_an_older_timeline_is_refused_where_it_is(
    document: str, where: tuple[str, int, int], declared: int
) -> None:
    text = f"schema_version: {declared}\n{document}"
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    [problem] = caught.value.problems
    assert (problem.code, (problem.path, problem.line, problem.column)) == (
        "schema.needs_version",
        where,
    )
    assert problem.message.endswith(f"declares schema_version {declared}: set schema_version to 3")
    assert parse_timeline(f"schema_version: 3\n{document}", "t.yaml").schema_version == 3


def test_an_explicit_null_is_a_field_left_out_so_a_dumped_version_1_timeline_reads_back() -> None:
    old = Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2010-05-01"},
            "episodes": [episode()],
            "events": [{"action": "notify", "at": "2024-05-01T11:00", "recipient": "iro"}],
        }
    )
    dumped = old.model_dump(mode="json")
    assert dumped["episodes"][0]["legal_status"] is None
    assert dumped["events"][0]["method"] is None
    assert Timeline.model_validate(dumped) == old


def test_a_value_outside_a_fields_domain_is_located_and_lists_the_values() -> None:
    text = (
        "schema_version: 3\n"
        "child: {id: C-1, date_of_birth: 2010-05-01}\n"
        "episodes:\n"
        "  - id: E-1\n"
        "    started_at: '2024-05-01T10:00'\n"
        "    placement_type: foster_home\n"
    )
    with pytest.raises(TimelineError) as caught:
        parse_timeline(text, "t.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column) == ("episodes[0].placement_type", 6, 21)
    assert "'foster_care'" in problem.message
    assert "'childrens_home'" in problem.message
    assert "foster_home" not in problem.message  # errors about timelines never repeat values


# --- the rule file: versions and errors -------------------------------------------


def test_methods_in_a_version_1_rule_file_is_refused_at_the_field() -> None:
    text = RULES_V2.replace("schema_version: 2\n", "schema_version: 1\n").replace(
        "    when: {fact: days_looked_after, le: 7}\n", ""
    )
    text = text.replace("    when: {fact: legal_status, not_in: [section_20]}\n", "")
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "mini.yaml")
    [problem] = caught.value.problems
    line = text.splitlines().index("    methods: [in_person]") + 1
    assert (problem.code, problem.path, problem.line, problem.column) == (
        "schema.needs_version",
        f"rules[{_rule_index(text, 'check_in_person')}].methods",
        line,
        5,
    )
    assert "set schema_version to 2" in problem.message


def test_a_fact_of_version_2_in_a_version_1_rule_file_is_refused_at_the_fact() -> None:
    text = RULES_V2.replace("schema_version: 2\n", "schema_version: 1\n").replace(
        "    methods: [in_person]\n", ""
    )
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "mini.yaml")
    found = [(p.code, p.path, p.line) for p in caught.value.problems]
    lines = text.splitlines()
    assert found == [
        (
            "compile.needs_version",
            f"rules[{_rule_index(text, 'newly_looked_after')}].when.fact",
            lines.index("    when: {fact: days_looked_after, le: 7}") + 1,
        ),
        (
            "compile.needs_version",
            f"rules[{_rule_index(text, 'not_on_section_20')}].when.fact",
            lines.index("    when: {fact: legal_status, not_in: [section_20]}") + 1,
        ),
    ]
    assert all("set schema_version to 2" in p.message for p in caught.value.problems)


def test_an_unknown_method_and_an_empty_list_are_refused_with_the_fix() -> None:
    for written, expected in (
        ("[by_post]", "'in_person', 'video' or 'phone'"),
        ("[]", "at least 1"),
    ):
        text = RULES_V2.replace("    methods: [in_person]\n", f"    methods: {written}\n")
        with pytest.raises(RuleFileError) as caught:
            compile_text(text, "mini2.yaml")
        [problem] = caught.value.problems
        assert problem.path.startswith(f"rules[{_rule_index(text, 'check_in_person')}].methods")
        assert expected in problem.message, problem.message


def test_a_value_outside_a_new_facts_domain_is_refused_with_the_values() -> None:
    text = RULES_V2.replace("not_in: [section_20]", "not_in: [voluntary]")
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "mini2.yaml")
    [problem] = caught.value.problems
    assert problem.code == "compile.bad_value"
    assert "'voluntary' is not a value of 'legal_status'" in problem.message
    assert "section_20" in problem.message


def _rule_index(text: str, rule_id: str) -> int:
    ids = [rule["id"] for rule in yaml.safe_load(text)["rules"]]
    return ids.index(rule_id)


def test_every_new_fact_is_of_rule_file_version_2_and_the_old_ones_of_version_1() -> None:
    new = {
        FactName.LEGAL_STATUS,
        FactName.PLACEMENT_TYPE,
        FactName.DAYS_LOOKED_AFTER,
        FactName.IN_OTHER_AREA,
        FactName.SUBJECT_TO_RESTRICTIONS,
        FactName.FOUND_BY,
        FactName.SOCIAL_WORK_AREA,
        FactName.IN_CARE_OF,
        FactName.FEARED_REMOVAL_FROM_UK,
    }
    assert {name for name, spec in FACTS.items() if spec.since_version == 2} == new
    assert all(spec.since_version == 1 for name, spec in FACTS.items() if name not in new)


# --- evaluation: methods ----------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], ActionStatus.OVERDUE),
        ([("10:20", "phone")], ActionStatus.OVERDUE),
        ([("10:20", "video")], ActionStatus.OVERDUE),
        ([("10:20", None)], ActionStatus.OVERDUE),
        ([("10:20", "in_person")], ActionStatus.MET),
        ([("10:20", "phone"), ("11:30", "in_person")], ActionStatus.MET_LATE),
    ],
)
def test_a_rule_with_methods_is_met_only_by_an_event_made_one_of_those_ways(
    events: list[tuple[str, str | None]], expected: ActionStatus
) -> None:
    recorded = [
        {"action": "safe_and_well_check", "at": f"2024-05-02T{time}"}
        | ({} if method is None else {"method": method})
        for time, method in events
    ]
    result = evaluate(
        PROTOCOL,
        timeline(episode(returned_at="2024-05-02T10:00"), events=recorded),
        at("2024-05-03T12:00"),
    )
    assert status(result, "check_in_person") is expected


def test_a_rule_without_methods_is_met_by_an_event_made_any_way() -> None:
    recorded = [{"action": "report_to_police", "at": "2024-05-01T10:00", "method": "phone"}]
    result = evaluate(PROTOCOL, timeline(episode(), events=recorded), at("2024-05-01T12:00"))
    assert status(result, "report") is ActionStatus.MET


# --- evaluation: facts ------------------------------------------------------------


def _facts(tl: Timeline, as_of: str = "2025-01-01T00:00") -> dict[FactName, object]:
    return dict(episode_facts(PROTOCOL, tl, at(as_of))["E-1"].values)


@pytest.mark.parametrize(
    ("since", "started_at", "days"),
    [
        ("2024-05-01", "2024-05-01T10:00", 0),
        ("2024-04-24", "2024-05-01T10:00", 7),
        ("2024-05-02", "2024-05-01T10:00", None),  # became looked after later
        # last seen at 00:30 BST on 31 March 2024, just before the clocks went forward
        ("2024-03-24", "2024-03-31T00:30", 7),
        # 23:30 UTC on 26 October 2024 is 00:30 BST on the 27th (the clocks went back at
        # 02:00 BST that night): the London day, a day later than the UTC reading, counts
        ("2024-10-20", "2024-10-26T23:30+00:00", 7),
        # across the Christmas bank holidays: calendar days, not working days
        ("2024-12-20", "2024-12-27T09:00", 7),
    ],
)
def test_days_looked_after_counts_london_calendar_days_to_the_day_last_seen(
    since: str, started_at: str, days: int | None
) -> None:
    facts = _facts(timeline(episode(started_at=started_at), looked_after_since=since))
    assert facts[FactName.DAYS_LOOKED_AFTER] == days


def test_each_recorded_fact_reaches_the_conditions_and_an_unrecorded_one_is_unknown() -> None:
    recorded = timeline(
        episode(
            legal_status="care_order",
            placement_type="childrens_home",
            in_other_area=True,
            found_by="home_office",
            in_care_of="placement_carer",
            feared_removal_from_uk=["forced_marriage"],
        ),
        subject_to_restrictions=False,
        social_work_area="other_area",
    )
    assert {
        name: value for name, value in _facts(recorded).items() if FACTS[name].since_version == 2
    } == {
        FactName.LEGAL_STATUS: "care_order",
        FactName.PLACEMENT_TYPE: "childrens_home",
        FactName.DAYS_LOOKED_AFTER: None,
        FactName.IN_OTHER_AREA: True,
        FactName.SUBJECT_TO_RESTRICTIONS: False,
        FactName.FOUND_BY: "home_office",
        FactName.SOCIAL_WORK_AREA: "other_area",
        FactName.IN_CARE_OF: "placement_carer",
        FactName.FEARED_REMOVAL_FROM_UK: frozenset({"forced_marriage"}),
    }
    unrecorded = _facts(timeline(episode()))
    assert all(unrecorded[name] is None for name in FACTS if FACTS[name].since_version == 2)


@pytest.mark.parametrize(
    ("fields", "child", "fires"),
    [
        ({}, {}, set()),  # nothing recorded: neither rule arises, not even not_in
        ({"legal_status": "care_order"}, {}, {"not_on_section_20"}),
        ({"legal_status": "section_20"}, {}, set()),
        ({}, {"looked_after_since": "2024-04-24"}, {"newly_looked_after"}),
        ({}, {"looked_after_since": "2024-04-23"}, set()),
    ],
)
def test_a_duty_on_a_fact_not_recorded_does_not_arise(
    fields: dict[str, Any], child: dict[str, Any], fires: set[str]
) -> None:
    result = evaluate(PROTOCOL, timeline(episode(**fields), **child), at("2024-05-01T12:00"))
    found = {a.rule_id for a in result.actions} & {"newly_looked_after", "not_on_section_20"}
    assert found == fires


# --- the oracle agrees, on timelines that record the new facts ------------------------


@settings(max_examples=150, deadline=None, derandomize=True)
@given(timelines(PROTOCOL, max_episodes=3), st.integers(0, 40 * 1440))
def test_the_fast_evaluator_and_the_oracle_agree_on_the_recorded_facts(
    tl: Timeline, minutes: int
) -> None:
    as_of = tl.episodes[0].started_at + dt.timedelta(minutes=minutes)
    fast = to_json(evaluate(PROTOCOL, tl, as_of))
    assert fast == to_json(oracle_evaluate.evaluate(PROTOCOL, tl, as_of))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(timelines(PROTOCOL, max_episodes=3))
def test_days_looked_after_is_the_day_difference_or_unknown(tl: Timeline) -> None:
    facts = episode_facts(PROTOCOL, tl, tl.episodes[-1].started_at)
    since = tl.child.looked_after_since
    for item in tl.episodes:
        days = facts[item.id].values[FactName.DAYS_LOOKED_AFTER]
        last_seen = item.started_at.astimezone(LONDON).date()
        if since is None or since > last_seen:
            assert days is None
        else:
            assert days == (last_seen - since).days >= 0

"""Error messages for broken rule files and timelines, word for word.

Each names the file, line and column, the field path, what was expected and
what was found, and a stable code; every problem in a file is reported at once.
Timeline errors never echo the values found, which may be a child's details.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from missing_protocol import RuleFileError, load_protocol
from missing_protocol.cli import main

BROKEN = Path(__file__).parent / "data" / "broken"


def validate(name: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(BROKEN / name)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue().replace(str(BROKEN) + "/", "")


def test_schema_problems_all_at_once() -> None:
    code, out, err = validate("bad_values.yaml")
    assert (code, out) == (1, "")
    assert err == (
        "error: 4 problems in the input:\n"
        "bad_values.yaml: read as a rule file because it has protocol, risk, rules\n"
        "bad_values.yaml:22:24: rules[0].deadline.within: expected a duration such as "
        "'72 hours', '5 days', '6 weeks', '3 months' or '10 working days', got '3 dayz' "
        "[schema.invalid_duration]\n"
        "        deadline: {within: 3 dayz}\n"
        "                           ^\n"
        "bad_values.yaml:25:12: rules[1].topic: expected 'reporting', 'risk', 'notification', "
        "'safe_and_well', 'return_home_interview', 'strategy_meeting', 'repeat_episodes', "
        "'escalation', 'reviews_while_missing', 'follow_up_on_return', 'media' or 'other', "
        "got 'meetings' [schema.invalid_choice]\n"
        "        topic: meetings\n"
        "               ^\n"
        "bad_values.yaml:29:5: rules[1].colour: unknown field 'colour'; remove it or check its "
        "spelling [schema.unknown_field]\n"
        "        colour: red\n"
        "        ^\n"
        "bad_values.yaml:33:5: rules[1].citation: duplicate key 'citation' (first given at "
        "line 32); keep one of them [yaml.duplicate_key]\n"
        '        citation: {section: "7.4", quote: CSSW will convene a strategy meeting}\n'
        "        ^\n"
    )


def test_compile_problems_all_at_once() -> None:
    code, _, err = validate("bad_names.yaml")
    assert code == 1
    lines = [
        line
        for line in err.splitlines()
        if line.startswith("bad_names.yaml:") and "read as" not in line
    ]
    assert lines == [
        "bad_names.yaml:18:13: rules[0].action: unknown action kind 'report_to_polce'; did you "
        "mean 'report_to_police'? (declare new kinds under extra_action_kinds) "
        "[compile.unknown_action_kind]",
        "bad_names.yaml:20:18: rules[0].responsible: unknown role 'social_workr'; did you mean "
        "'allocated_social_worker'? (declare new roles under extra_roles) [compile.unknown_role]",
        "bad_names.yaml:21:32: rules[0].when.is: unknown category 'absent'; the categories are: "
        "missing [compile.bad_value]",
        "bad_names.yaml:25:9: rules[1].id: rule id 'report' is used twice (first at line 16) "
        "[compile.duplicate_id]",
        "bad_names.yaml:30:23: rules[1].when.in: fact 'age' (number) cannot be compared with "
        "'in'; use one of ge, gt, is, le, lt [compile.bad_operator]",
        "bad_names.yaml:32:40: rules[1].deadline.from: a deadline from 'returned' needs a rule "
        "triggered on return ({on: returned}); otherwise the deadline is unknown while the "
        "child is missing [compile.deadline_before_anchor]",
    ]


def test_yaml_syntax_error() -> None:
    _, _, err = validate("bad_syntax.yaml")
    assert err == (
        "error: 1 problem in the input:\n"
        "bad_syntax.yaml:5:1: not valid YAML or JSON: did not find expected ',' or ']' "
        "[yaml.syntax]\n"
    )


def test_timeline_problems_do_not_echo_values() -> None:
    _, _, err = validate("bad_timeline.yaml")
    assert err == (
        "error: 3 problems in the input:\n"
        "bad_timeline.yaml: read as a timeline because it has child, episodes, events\n"
        "bad_timeline.yaml:3:18: child.date_of_birth: expected a date such as 2024-03-29 (no "
        "such day in the calendar), got text [schema.invalid_date]\n"
        "bad_timeline.yaml:4:16: child.case_status: expected 'none', 'early_help', "
        "'child_in_need', 'child_protection_plan', 'looked_after' or 'care_leaver', got text "
        "[schema.invalid_choice]\n"
        "bad_timeline.yaml:8:18: episodes[0].returned_at: returned_at is before started_at "
        "(last seen); check both [schema.time_order]\n"
    )
    assert "2012-02-30" not in err
    assert "in_care" not in err


def test_library_raises_value_error_subclass_with_problems() -> None:
    with pytest.raises(RuleFileError) as caught:
        load_protocol(BROKEN / "bad_values.yaml")
    assert isinstance(caught.value, ValueError)
    assert [p.code for p in caught.value.problems] == [
        "schema.invalid_duration",
        "schema.invalid_choice",
        "schema.unknown_field",
        "yaml.duplicate_key",
    ]
    assert caught.value.problems[0].line == 22

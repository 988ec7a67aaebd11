"""Static verification finds each kind of fault, with the rule, its line and an example."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from missing_protocol import RuleFileError, bundled_protocol_ids, compile_text, load_protocol
from missing_protocol.cli import main
from missing_protocol.verify import Severity, verify_protocol

DATA = Path(__file__).parent / "data"


def test_each_fault_is_found() -> None:
    findings = verify_protocol(load_protocol(DATA / "unverifiable.yaml"))
    text = [str(f).replace(str(DATA) + "/", "") for f in findings]
    assert text == [
        "unverifiable.yaml:35:5: error: rule interview applies but no option of allocation "
        "interviewer does [verify.allocation_gap]\n"
        "    for example: age=0, known_to_social_care=false",
        "unverifiable.yaml:43:5: error: rule impossible can never apply: age < 10 and age > 12 "
        "[verify.unreachable_rule]",
        "unverifiable.yaml:13:7: warning: no category can be derived for some episodes; timelines "
        "must give it [verify.category_gap]\n"
        "    for example: whereabouts_known=true, police_risk=not assessed",
        "unverifiable.yaml:28:9: warning: allocation interviewer option 2 (iro) is never chosen: "
        "earlier options always apply first [verify.shadowed_option]",
        "unverifiable.yaml:60:5: warning: rules meeting_fast and meeting_slow both require "
        "strategy_meeting of the same person on the same trigger, with different deadlines "
        "[verify.overlap]\n"
        "    for example: case_status=child_protection_plan\n"
        "    accepted: a child protection plan gives the meeting more time, on purpose",
        "unverifiable.yaml:78:5: warning: rule escalate_late fires later than escalate_early but "
        "is due sooner [verify.threshold_order]\n"
        "    for example: any child",
    ]
    assert findings[0].severity is Severity.ERROR


def test_first_of_alternatives_count_in_every_check() -> None:
    findings = verify_protocol(load_protocol(DATA / "first_of.yaml"))
    text = [str(f).replace(str(DATA) + "/", "") for f in findings]
    assert text == [
        # the alternative itself is located; the rule stays reachable through the other
        "first_of.yaml:33:11: error: rule meeting_young: first_of alternative 1 (when the child "
        "goes missing (last seen)) can never fire: age >= 12, and the rule's condition is "
        "age < 10 [verify.unreachable_alternative]",
        "first_of.yaml:40:5: error: rule meeting_never can never apply: no first_of alternative "
        "can fire (age < 10 and (age > 12 or age >= 10)) [verify.unreachable_rule]",
        "first_of.yaml:48:11: error: rule meeting_never: first_of alternative 1 (when the child "
        "is reported to the police) can never fire: age > 12, and the rule's condition is "
        "age < 10 [verify.unreachable_alternative]",
        "first_of.yaml:50:11: error: rule meeting_never: first_of alternative 2 (if still "
        "missing 3 days after started) can never fire: age >= 10, and the rule's condition is "
        "age < 10 [verify.unreachable_alternative]",
        # interview_older: every alternative is for a child the allocation covers, so no gap;
        # notify_first_of: its alternative on the report meets notify_on_report's trigger
        "first_of.yaml:78:5: warning: rules notify_on_report and notify_first_of both require "
        "notify of the same person on the same trigger, with different deadlines "
        "[verify.overlap]\n"
        "    for example: police_risk=high",
    ]
    assert {f.about for f in findings if f.code == "verify.unreachable_rule"} == {
        frozenset({"meeting_never"})
    }


def test_an_alternative_without_a_condition_keeps_its_rule_reachable() -> None:
    text = (DATA / "first_of.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "        - trigger: {missing_for: 3 days}\n          when: {fact: age, ge: 10}\n",
        "        - trigger: {missing_for: 3 days}\n",
    )
    findings = verify_protocol(compile_text(text, "first_of.yaml"))
    assert [(f.code, f.about, f.source.line) for f in findings if f.about == {"meeting_never"}] == [
        ("verify.unreachable_alternative", frozenset({"meeting_never"}), 48)
    ]


def test_an_accepted_warning_must_name_real_rules() -> None:
    text = (DATA / "unverifiable.yaml").read_text(encoding="utf-8")
    text = text.replace("about: [meeting_fast, meeting_slow]", "about: [meeting_fats]")
    with pytest.raises(RuleFileError) as caught:
        compile_text(text, "unverifiable.yaml")
    assert [p.message for p in caught.value.problems] == [
        "accepted warning names 'meeting_fats', which is no rule or allocation; did you mean "
        "'meeting_fast'?"
    ]


def test_bundled_protocols_have_no_errors() -> None:
    for protocol_id in bundled_protocol_ids():
        errors = [
            str(f)
            for f in verify_protocol(load_protocol(protocol_id))
            if f.severity is Severity.ERROR
        ]
        assert not errors, f"{protocol_id}:\n" + "\n".join(errors)


def test_verify_command_exit_codes() -> None:
    out = io.StringIO()
    assert main(["verify", str(DATA / "unverifiable.yaml")], stdout=out) == 1
    assert out.getvalue().endswith(
        "unverifiable: 2 errors, 4 warnings (1 accepted); citations not checked: give --texts DIR\n"
    )
    out = io.StringIO()
    assert main(["verify", "camden"], stdout=out) == 0
    assert out.getvalue().splitlines()[-1].startswith("camden: 0 errors, ")

"""The comparison in plain words: the phrasebook, topic summaries and the escalation ladder.

Goldens are exact text in tests/data/compare/*.golden, from the two small rule
files alpha.yaml and beta.yaml; the bundled protocols are checked for labels
and for ladders that link to rows and passages that exist.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from compare_data import ALPHA, BETA, BETA_TEXT, DATA, Page, golden, looked_after_timeline
from missing_protocol import Timeline, bundled_protocol_ids, compile_text, load_protocol
from missing_protocol.calendar import LONDON, Duration, Unit
from missing_protocol.cli import main
from missing_protocol.compare import (
    STANDARD_CHILDREN,
    compare,
    diff_protocols,
    ladder,
    standard_ladders,
    summarise,
)
from missing_protocol.compare.common import row_anchor
from missing_protocol.compare.render import (
    comparison_jsonable,
    render_ladder_html,
    render_ladder_text,
    render_matrix_html,
)
from missing_protocol.compiled import (
    AllOf,
    AnyOf,
    CountEpisodes,
    Deadline,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    Moment,
    NotOf,
    Pred,
    RecurringTrigger,
)
from missing_protocol.facts import FactName
from missing_protocol.phrases import (
    condition_words,
    deadline_words,
    kind_label,
    role_label,
    trigger_words,
    unlabelled,
)
from missing_protocol.render import render_protocol

BUNDLED = [load_protocol(i) for i in bundled_protocol_ids()]


# --- the phrasebook -----------------------------------------------------------------


@pytest.mark.parametrize("protocol", BUNDLED, ids=lambda p: p.id)
def test_every_code_in_a_bundled_rule_file_has_a_label(protocol: object) -> None:
    assert unlabelled(protocol) == []  # type: ignore[arg-type]


def test_a_code_without_a_label_is_reported() -> None:
    renamed = compile_text(
        BETA_TEXT.replace("request_rhi_from_responsible_authority", "ask_elsewhere")
        .replace(
            "extra_action_kinds:", "extra_roles:\n  duty_desk: The duty desk.\nextra_action_kinds:"
        )
        .replace("responsible: childrens_social_care", "responsible: duty_desk"),
        "renamed.yaml",
    )
    assert unlabelled(renamed) == ["kind: ask_elsewhere", "role: duty_desk"]
    # an unlabelled code is still shown, underscores as spaces
    assert kind_label("ask_elsewhere") == "ask elsewhere"
    assert role_label("duty_desk") == "duty desk"


def test_conditions_in_words() -> None:
    looked_after = Pred(FactName.CASE_STATUS, "in", frozenset({"care_leaver", "looked_after"}))
    assert condition_words(looked_after) == "looked after or a care leaver"
    assert condition_words(Pred(FactName.CASE_STATUS, "not_in", frozenset({"looked_after"}))) == (
        "not looked after"
    )
    assert condition_words(Pred(FactName.WHEREABOUTS_KNOWN, "is", value=False)) == (
        "whereabouts unknown"
    )
    assert condition_words(Pred(FactName.POLICE_RISK, "ge", 3)) == "police risk high or higher"
    assert condition_words(Pred(FactName.AGE, "lt", 12)) == "under 12"
    assert condition_words(
        Pred(FactName.CATEGORY, "in", frozenset({"missing", "absent"})), ALPHA
    ) == ("classed as ‘Absent’ or ‘Missing’")
    flags = Pred(FactName.CHILD_FLAGS, "has_none", frozenset({"pregnant", "mental_health"}))
    assert condition_words(flags) == "neither with mental health needs nor pregnant"
    count = CountEpisodes(Duration(90, Unit.DAYS), frozenset({"missing"}), 3, None)
    assert (
        condition_words(count, ALPHA)
        == "at least 3 ‘Missing’ episodes in 90 days, this one included"
    )
    nested = AllOf((looked_after, AnyOf((flags, Pred(FactName.AGE, "ge", 13))), NotOf(count)))
    assert condition_words(nested, ALPHA) == (
        "looked after or a care leaver and (neither with mental health needs nor pregnant or "
        "aged 13 or over) and not (at least 3 ‘Missing’ episodes in 90 days, this one included)"
    )


def test_triggers_and_deadlines_in_words() -> None:
    assert trigger_words(EventTrigger(Moment.RETURNED)) == "on return"
    assert trigger_words(ElapsedTrigger(Duration(48, Unit.HOURS), Moment.STARTED)) == (
        "still missing after 48 hours"
    )
    assert trigger_words(ElapsedTrigger(Duration(24, Unit.HOURS), Moment.REPORTED)) == (
        "still missing 24 hours after the report to the police"
    )
    weekly = RecurringTrigger(
        Duration(7, Unit.DAYS), Moment.STARTED, Duration(10, Unit.DAYS), Duration(6, Unit.WEEKS)
    )
    assert trigger_words(weekly) == "every 7 days while missing, from 10 days, until 6 weeks"
    daily = RecurringTrigger(Duration(1, Unit.DAYS), Moment.REPORTED, Duration(0, Unit.DAYS), None)
    assert trigger_words(daily) == "every day while missing, from the report to the police"
    three_days = Deadline(DeadlineKind.WITHIN, Duration(3, Unit.WORKING_DAYS), Moment.RETURNED)
    assert deadline_words(three_days) == "within 3 working days of return"
    assert deadline_words(three_days, EventTrigger(Moment.RETURNED)) == "within 3 working days"
    assert deadline_words(Deadline(DeadlineKind.IMMEDIATELY)) == "immediately"
    assert deadline_words(Deadline(DeadlineKind.UNSPECIFIED)) == "no time limit stated"


# --- summaries ----------------------------------------------------------------------


def test_topic_summaries_say_what_differs() -> None:
    said = {s.section: s.sentences for s in summarise(compare([ALPHA, BETA]))}
    assert said["reporting"] == (
        "Report to the police: must, on going missing, immediately in Alpha Borough; "
        "should, on going missing, immediately in Beta.",
    )
    assert said["strategy_meeting"] == (
        "Strategy meeting: must, still missing after 24 hours, within 3 working days in Alpha "
        "Borough; must, still missing after 48 hours, within 5 days in Beta.",
    )
    assert said["return_home_interview"] == (
        "Return home interview: must, on return, within 72 hours in both; they differ on who "
        "does it.",
        "Only Beta: ask the responsible council for the interview.",
    )
    assert said["notification"] == (
        "Only Beta: tell the parents.",
        "Worded the same in every area: tell the allocated social worker.",
    )
    assert said["risk"][1] == (
        "Category ‘Missing’: when whereabouts unknown in Alpha Borough; when whereabouts unknown "
        "or police risk medium or higher in Beta."
    )


def test_summaries_of_the_bundled_protocols_name_every_area_they_compare() -> None:
    matrix = compare(BUNDLED)
    said = {s.section: s.sentences for s in summarise(matrix)}
    assert said["return_home_interview"][0] == (
        "Return home interview: must, on return, within 72 hours in three areas (Brent, Camden "
        "and Cumbria); should, on return, within 72 hours in Tower Hamlets; should, on return, "
        "within 72 hours or 3 working days, whichever is later in Pan Beds."
    )
    assert [s.section for s in summarise(matrix)] == [s.key for s in matrix.sections]


# --- the ladder ---------------------------------------------------------------------


def test_ladder_places_each_duty_when_it_becomes_required() -> None:
    drawn = ladder([ALPHA, BETA], looked_after_timeline(returned=False))
    assert drawn.as_of == dt.datetime(2024, 8, 1, 22, 0, tzinfo=LONDON)
    assert drawn.horizon_hours == 2208.0
    alpha, beta = drawn.lanes
    assert [(m.hours, m.kind, m.recipient, m.obligation) for m in alpha.markers] == [
        (0.0, "notify", "allocated_social_worker", "must"),
        (0.0, "report_to_police", None, "must"),
        (24.0, "strategy_meeting", None, "must"),
    ]
    assert [(m.hours, m.words) for m in beta.markers] == [
        (0.0, "tell the allocated social worker"),
        (0.0, "tell the parents"),
        (0.0, "report to the police"),
        (48.0, "strategy meeting"),
    ]
    assert (alpha.category, beta.police_risk) == ("Missing", "low")
    assert alpha.markers[2].row == "strategy_meeting/strategy_meeting"
    assert alpha.markers[2].anchor == "q-alpha-rule-meeting_after_24h"


def test_ladder_text_golden() -> None:
    text = render_ladder_text(ladder([ALPHA, BETA], looked_after_timeline(returned=False)))
    assert text == golden("ladder.txt.golden")


def test_matrix_html_speaks_words_and_keeps_codes_on_hover() -> None:
    matrix = compare([ALPHA, BETA])
    page = Page(render_matrix_html(matrix, summaries=summarise(matrix)))
    tables = "".join(page.text).rsplit("Cited passages", 1)[0]
    for code in ("case_status", "allocated_social_worker", "placed_by_other_authority", "→"):
        assert code not in tables
    assert "tell the allocated social worker" in tables
    assert (
        "by the Children's Society if aged 12 or over; otherwise the early help family worker"
        in tables
    )
    titles = " ".join(page.titles)
    assert "notify → allocated_social_worker" in titles
    assert "if case_status is looked_after" in titles
    assert (
        "by interviewer: childrens_society if age >= 12; otherwise early_help_family_worker"
        in titles
    )
    assert row_anchor("notification/notify/parents") in page.ids


def test_ladder_html_is_self_contained_and_every_mark_links_to_its_passage() -> None:
    drawn = ladder([ALPHA, BETA], looked_after_timeline(returned=False))
    page = Page(render_ladder_html(drawn))
    assert "script" not in page.tags
    assert {"svg", "rect", "polygon"} <= page.tags
    assert page.hrefs
    assert {h[1:] for h in page.hrefs} <= page.ids
    marks = [h for h in page.hrefs if h == "#q-beta-rule-report_any"]
    assert len(marks) == 3  # the mark, the first-duty table, the list of duties
    assert any(
        t.startswith("Beta, 0 min after going missing: should report to the police")
        for t in page.titles
    )


def test_standard_children_link_to_rows_and_passages_that_exist() -> None:
    matrix = compare(BUNDLED)
    rows = {r.key for s in matrix.sections for r in s.rows}
    anchors = {c.anchor for c in matrix.citations}
    ladders = standard_ladders(BUNDLED)
    assert [lad.key for lad in ladders] == [c.key for c in STANDARD_CHILDREN]
    for drawn in ladders:
        assert drawn.as_of == dt.datetime(2024, 9, 7, 21, 0, tzinfo=LONDON)
        for lane in drawn.lanes:
            assert lane.problems == ()
            assert lane.markers
            for m in lane.markers:
                assert m.row in rows
                assert m.anchor in anchors
                assert 0 <= m.hours <= drawn.horizon_hours


def test_ladder_json_is_versioned_plain_data() -> None:
    data = comparison_jsonable(ladder([ALPHA, BETA], looked_after_timeline(returned=False)))
    assert (data["schema_version"], data["comparison"]) == (1, "ladder")
    assert data["lanes"][0]["markers"][0]["kind"] == "notify"
    json.dumps(data)


# --- the command --------------------------------------------------------------------


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["compare", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_compare_ladder_command(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(looked_after_timeline(returned=False).model_dump_json(), encoding="utf-8")
    alpha, beta = str(DATA / "alpha.yaml"), str(DATA / "beta.yaml")
    code, out, _ = _run(["--ladder", str(path), alpha, beta])
    assert (code, out) == (0, golden("ladder.txt.golden"))
    code, out, _ = _run(["--ladder", str(path), alpha, beta, "--format", "html"])
    assert code == 0
    assert out.startswith("<!DOCTYPE html>")
    assert "<title>Escalation ladder: Child C-7, episode E1</title>" in out
    code, out, _ = _run(["--ladder", str(path), alpha, "--as-of", "2024-05-02T22:00"])
    assert code == 0
    assert "strategy meeting" in out
    assert "as at Thu 02 May 2024 22:00 BST" in out
    for bad, message in (
        (["--ladder", str(path), "--format", "csv"], "--format csv is not available for --ladder"),
        (["--ladder", str(path), "--timeline", str(path)], "--ladder takes no --timeline"),
    ):
        code, out, err = _run(bad)
        assert (code, out) == (2, "")
        assert message in err


def test_ladder_hours_are_elapsed_across_the_clock_change() -> None:
    # Missing from 22:00 BST on Saturday 26 October 2024: the clocks go back that night,
    # so 24 and 48 elapsed hours end at 21:00 GMT on the wall clock, and the ladder
    # must place them at 24 and 48 hours, not 25 and 49.
    data = looked_after_timeline(returned=False).model_dump(mode="json")
    data["episodes"][0].update(
        started_at="2024-10-26T22:00+01:00", reported_at="2024-10-26T22:30+01:00"
    )
    data["events"] = []
    timeline = Timeline.model_validate(data)
    alpha, beta = ladder([ALPHA, BETA], timeline).lanes
    assert [m.hours for m in alpha.markers if m.kind == "strategy_meeting"] == [24.0]
    assert [m.hours for m in beta.markers if m.kind == "strategy_meeting"] == [48.0]


ROUTED_PROTOCOL = """\
schema_version: 2
protocol:
  id: routed
  title: Routed test protocol
  authorities: [Test Borough]
  version: "1"
  source_document: test
  source_text: camden.txt
office_hours:
  days: [monday, tuesday, wednesday, thursday, friday]
  opens: "09:00"
  closes: "17:00"
  citation: {section: "4.5", quote: emergency situations arising out of office hours}
risk:
  police_risk_levels: [low, medium, high]
  categories:
    - id: missing
      label: Missing
      citation: {section: "6.1", quote: their whereabouts is completely unknown}
rules:
  - id: visit_by_worker
    topic: safe_and_well
    action: safe_and_well_check
    obligation: must
    responsible: allocated_social_worker
    trigger: {on: returned}
    deadline: {within: 24 hours}
    out_of_hours: {responsible: edt}
    citation: {section: "13.1", quote: a safe and well check}
  - id: notify_worker
    topic: notification
    action: notify
    obligation: must
    responsible: carer
    recipients: [parents, allocated_social_worker]
    trigger: {on: noticed}
    deadline: without_delay
    out_of_hours: {recipients: [parents, edt]}
    citation: {section: "8.3", quote: must notify the child's social worker (or EDT out of hours).}
  - id: alert_day_service
    topic: notification
    action: notify
    obligation: consider
    responsible: allocated_social_worker
    recipients: [edt]
    trigger: {on: professional_aware}
    deadline: unspecified
    out_of_hours: {required: false}
    citation: {section: "4.5", quote: when it is made aware during day service}
"""


def test_a_rule_routed_by_office_hours_shows_both_sides() -> None:
    routed = compile_text(ROUTED_PROTOCOL, "routed.yaml")
    entries = {
        row.key: [(e.value, e.who, e.words.value, e.words.who) for e in row.cells[0].entries]
        for section in compare([routed]).sections
        for row in section.rows
    }
    assert entries["safe_and_well/safe_and_well_check"] == [
        (
            "when the child returns or is located",
            "allocated_social_worker (in office hours) / edt (out of hours)",
            "on return",
            "the allocated social worker (in office hours) / the out-of-hours social work team "
            "(out of hours)",
        )
    ]
    notice = (
        "when the child is noticed missing (last seen, if not recorded); to parents, "
        "allocated_social_worker (in office hours) / parents, edt (out of hours)",
        "carer",
        "on the child being noticed missing; to the parents and the allocated social worker "
        "(in office hours) / the parents and the out-of-hours social work team (out of hours)",
        "the carer",
    )
    alert = (
        "when a professional learns the child is missing (the report to the police, if not "
        "recorded); in office hours only",
        "allocated_social_worker",
        "on a professional learning of it; in office hours only",
        "the allocated social worker",
    )
    # the notice is in the row of each recipient, in hours and out of hours alike
    assert entries["notification/notify/parents"] == [notice]
    assert entries["notification/notify/allocated_social_worker"] == [notice]
    assert entries["notification/notify/edt"] == [notice, alert]
    page = render_protocol(routed)
    assert "- **Who:** `allocated_social_worker` (in office hours) / `edt` (out of hours)" in page
    assert (
        "- **Who:** `carer`; **to:** `parents`, `allocated_social_worker` (in office hours) / "
        "`parents`, `edt` (out of hours)"
    ) in page
    assert "- **Who:** `allocated_social_worker`; **to:** `edt`\n" in page
    unrouted = compile_text(
        ROUTED_PROTOCOL.replace("    out_of_hours: {responsible: edt}\n", "").replace(
            "    out_of_hours: {recipients: [parents, edt]}\n", ""
        ),
        "routed.yaml",
    )
    changes = {
        (c.item, f.field): (f.old, f.new)
        for c in diff_protocols(unrouted, routed).rules
        for f in c.changes
    }
    assert changes == {
        ("rule visit_by_worker", "responsible"): (
            "allocated_social_worker",
            "allocated_social_worker (in office hours) / edt (out of hours)",
        ),
        ("rule notify_worker", "recipients"): (
            "parents, allocated_social_worker",
            "parents, allocated_social_worker (in office hours) / parents, edt (out of hours)",
        ),
    }

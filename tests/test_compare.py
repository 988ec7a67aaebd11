"""Comparison: the rules matrix, scenarios, placements, witnesses and version diffs.

Goldens are exact text in tests/data/compare/*.golden, rendered from two small
rule files written for the purpose (alpha.yaml, beta.yaml, quoting camden.txt).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from chromium import run_chromium
from compare_data import (
    ALPHA,
    ALPHA_TEXT,
    BETA,
    BETA_TEXT,
    DATA,
    Page,
    golden,
    looked_after_timeline,
)
from missing_protocol import compile_text, evaluate
from missing_protocol.calendar import LONDON
from missing_protocol.cli import main
from missing_protocol.compare import (
    DifferenceKind,
    GridPoint,
    PlacementSide,
    Witness,
    compare,
    compare_scenario,
    default_grid,
    diff_protocols,
    evaluate_placement,
    find_disagreements,
)
from missing_protocol.compare.render import (
    comparison_jsonable,
    render_diff_text,
    render_matrix_csv,
    render_matrix_html,
    render_matrix_markdown,
    render_placement_text,
    render_scenario_text,
)
from missing_protocol.facts import CaseStatus, MissingFrom

AS_OF = dt.datetime(2024, 5, 10, 12, 0, tzinfo=LONDON)


# --- the matrix -------------------------------------------------------------------


def test_matrix_markdown_golden() -> None:
    assert render_matrix_markdown(compare([ALPHA, BETA])) == golden("matrix.md.golden")


def test_matrix_rows_have_one_cell_per_protocol_and_mark_silence() -> None:
    matrix = compare([ALPHA, BETA])
    rows = {row.key: row for section in matrix.sections for row in section.rows}
    for row in rows.values():
        assert [c.protocol for c in row.cells] == ["alpha", "beta"]
    parents = rows["notification/notify/parents"]
    assert [c.covered for c in parents.cells] == [False, True]
    assert parents.cells[0].entries == ()
    assert rows["notification/notify/allocated_social_worker"].agree
    interview = rows["return_home_interview/return_home_interview"]
    assert [len(c.entries) for c in interview.cells] == [1, 2]
    alpha_entry = interview.cells[0].entries[0]
    assert alpha_entry.who == (
        "interviewer: childrens_society if age >= 12; otherwise early_help_family_worker"
    )
    assert alpha_entry.citation is not None
    assert alpha_entry.citation.source == "tests/data/compare/alpha.yaml:75"
    assert [s.anchor for s in alpha_entry.supporting] == [
        "q-alpha-allocation-interviewer_option_1",
        "q-alpha-allocation-interviewer_option_2",
    ]
    counts = rows["episode_counts/professionals_meeting"]
    assert counts.cells[0].entries[0].value.startswith("at least 3 episodes within 90 days")
    anchors = [c.anchor for c in matrix.citations]
    assert len(anchors) == len(set(anchors))


def test_same_protocol_twice_gets_distinct_columns() -> None:
    matrix = compare([ALPHA, ALPHA])
    assert [p.key for p in matrix.protocols] == ["alpha@1#1", "alpha@1#2"]
    assert all(row.agree for section in matrix.sections for row in section.rows)


def test_matrix_csv_has_one_row_per_cell() -> None:
    matrix = compare([ALPHA, BETA])
    rows = list(csv.DictReader(io.StringIO(render_matrix_csv(matrix))))
    cells = sum(len(row.cells) for section in matrix.sections for row in section.rows)
    assert len(rows) == cells
    report = next(
        r for r in rows if r["row"] == "reporting/report_to_police" and r["protocol"] == "beta"
    )
    assert report["obligation"] == "should"
    assert report["quote"] == "they should be reported as missing to the police immediately."
    assert report["source"] == "tests/data/compare/beta.yaml:29"
    silent = next(
        r for r in rows if r["row"] == "notification/notify/parents" and r["protocol"] == "alpha"
    )
    assert silent["covered"] == "no"


def test_matrix_json_is_versioned_plain_data() -> None:
    data = comparison_jsonable(compare([ALPHA, BETA]))
    assert data["schema_version"] == 1
    assert data["comparison"] == "matrix"
    assert [p["key"] for p in data["protocols"]] == ["alpha", "beta"]
    json.dumps(data)


# --- HTML ---------------------------------------------------------------------------


def test_html_is_self_contained_and_every_link_resolves() -> None:
    page = render_matrix_html(compare([ALPHA, BETA]))
    parser = Page(page)
    assert "script" not in parser.tags
    assert "link" not in parser.tags
    assert parser.sources == []
    assert parser.hrefs
    assert all(h.startswith("#") for h in parser.hrefs)
    assert {h[1:] for h in parser.hrefs} <= parser.ids
    assert "q-alpha-rule-interview" in parser.ids
    assert "not covered" in page


def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "comparison.html"
    page.write_text(render_matrix_html(compare([ALPHA, BETA])), encoding="utf-8")
    dom_text = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = Page(dom_text)
    assert "table" in dom.tags
    assert dom_text.count("<table") == 1 + len(compare([ALPHA, BETA]).sections)
    internal = {h[1:] for h in dom.hrefs if h.startswith("#")}
    assert internal
    assert internal <= dom.ids


# --- one timeline under each protocol -------------------------------------------------


def test_scenario_comparison_golden() -> None:
    comparison = compare_scenario([ALPHA, BETA], looked_after_timeline(), AS_OF)
    assert render_scenario_text(comparison) == golden("scenario.txt.golden")


def test_scenario_rows_mark_each_kind_of_difference() -> None:
    comparison = compare_scenario([ALPHA, BETA], looked_after_timeline(), AS_OF)
    kinds = {
        (row.kind, row.recipient): {d.kind for d in row.differences} for row in comparison.rows
    }
    assert kinds[("report_to_police", None)] == {
        DifferenceKind.RESPONSIBLE,
        DifferenceKind.OBLIGATION,
    }
    assert kinds[("notify", "parents")] == {DifferenceKind.REQUIRED}
    assert kinds[("notify", "allocated_social_worker")] == set()
    # each protocol derived its own category, ignoring the timeline's
    alpha, _ = comparison.outcomes
    assert alpha.evaluation is not None
    assert alpha.evaluation.episodes[0].category_reason.startswith("derived")


def test_scenario_records_a_protocol_that_cannot_evaluate() -> None:
    narrow = compile_text(
        ALPHA_TEXT.replace("id: alpha", "id: narrow").replace(
            "when: {fact: whereabouts_known, is: true}", "when: {fact: age, gt: 16}"
        ),
        "narrow.yaml",
    )
    timeline = looked_after_timeline().model_copy(
        update={
            "episodes": [
                looked_after_timeline().episodes[0].model_copy(update={"whereabouts_known": True})
            ]
        }
    )
    comparison = compare_scenario([BETA, narrow], timeline, AS_OF)
    beta, failed = comparison.outcomes
    assert beta.evaluation is not None
    assert failed.evaluation is None
    assert "timeline.no_category" in failed.problems[0]
    assert all(not row.cells[1].evaluated for row in comparison.rows)
    assert all(row.differences == () for row in comparison.rows)
    assert "cannot evaluate this timeline" in render_scenario_text(comparison)


# --- placements -----------------------------------------------------------------------


def test_placement_pairs_host_hand_offs_with_the_responsible_authoritys_duty() -> None:
    placement = evaluate_placement(ALPHA, BETA, looked_after_timeline(), AS_OF)
    handoffs = {h.host_action.rule_id: h for h in placement.handoffs}
    assert set(handoffs) == {"interview_placed_child", "request_interview"}
    for handoff in handoffs.values():
        assert [a.rule_id for a in handoff.responsible_actions] == ["interview"]
        assert handoff.responsible_actions[0].responsible == "childrens_society"
    assert "placing authority" in handoffs["interview_placed_child"].reason
    tagged = {(t.side, t.action.rule_id): t.handoff for t in placement.actions}
    assert tagged[(PlacementSide.HOST, "request_interview")] is True
    assert tagged[(PlacementSide.HOST, "report_any")] is False
    assert tagged[(PlacementSide.RESPONSIBLE, "interview")] is False
    # the host's ordinary interview does not apply to a child placed by another authority
    assert (PlacementSide.HOST, "interview") not in tagged
    text = render_placement_text(placement)
    assert "Hand-offs (host asks, responsible authority does):" in text
    assert "-> alpha return_home_interview (must) by childrens_society" in text


def test_placement_without_hand_offs_says_none() -> None:
    placement = evaluate_placement(BETA, ALPHA, looked_after_timeline(), AS_OF)
    assert placement.handoffs == ()
    assert "Hand-offs (host asks, responsible authority does):\n  none\n" in (
        render_placement_text(placement)
    )


# --- witnesses --------------------------------------------------------------------------


Duty = tuple[str, str, str | None]  # episode, kind, recipient


def _duties(protocol_text: str, point: GridPoint) -> dict[Duty, list[dt.datetime | None]]:
    """What the protocol requires on every episode of the point's timeline, by recipient."""
    protocol = compile_text(protocol_text, "p.yaml")
    result = evaluate(protocol, point.timeline(), point.as_of())
    out: dict[Duty, list[dt.datetime | None]] = {}
    for action in result.actions:
        out.setdefault((action.episode_id, action.kind, action.recipient), []).append(action.due_at)
    return out


def _earliest(dues: list[dt.datetime | None]) -> dt.datetime | None:
    known = [d for d in dues if d is not None]
    return min(known) if known else None


def _shows(
    w: Witness, a: dict[Duty, list[dt.datetime | None]], b: dict[Duty, list[dt.datetime | None]]
) -> bool:
    """Whether some episode of the point shows the witness's difference."""
    episodes = {duty[0] for duty in (*a, *b)}
    for episode in episodes:
        duty = (episode, w.kind, w.recipient)
        if w.difference is DifferenceKind.REQUIRED:
            if (duty in a) == (w.only_in == "alpha") and (duty in b) == (w.only_in == "beta"):
                return True
        elif duty in a and duty in b and _earliest(a[duty]) != _earliest(b[duty]):
            return True
    return False


def test_witnesses_really_differ_and_are_the_smallest_on_the_grid() -> None:
    grid = default_grid()
    pair = find_disagreements(ALPHA, BETA, grid=grid)
    assert pair.searched > 0
    found = {(w.difference, w.kind, w.recipient, w.only_in): w for w in pair.witnesses}
    meeting = found[(DifferenceKind.REQUIRED, "strategy_meeting", None, "alpha")]
    # alpha meets after 24 hours, beta after 48: the smallest witness is back after 25 hours
    assert (meeting.point.episodes, meeting.point.hours, meeting.point.set_fields) == (1, 25, 0)
    repeat = found[(DifferenceKind.REQUIRED, "professionals_meeting", None, "alpha")]
    assert (repeat.point.episodes, repeat.episode_id) == (3, "E3")
    # recipients count: beta tells the parents of a looked after child, alpha does not
    parents = found[(DifferenceKind.REQUIRED, "notify", "parents", "beta")]
    assert parents.point.case_status is CaseStatus.LOOKED_AFTER
    assert parents.detail == (
        "notify to parents on E1: required by beta (notify_worker_and_parents); not by alpha"
    )
    assert (DifferenceKind.REQUIRED, "notify", "allocated_social_worker", "beta") not in found
    for w in pair.witnesses:
        a, b = _duties(ALPHA_TEXT, w.point), _duties(BETA_TEXT, w.point)
        assert _shows(w, a, b), w.detail
        # no smaller point on the grid shows the same difference
        for smaller in grid:
            if smaller.size() < w.point.size():
                sa, sb = _duties(ALPHA_TEXT, smaller), _duties(BETA_TEXT, smaller)
                assert not _shows(w, sa, sb), smaller


def test_witnesses_report_every_difference_on_every_episode() -> None:
    grid = [
        p
        for p in default_grid()
        if p.age == 15 and p.police_risk is None and (p.episodes == 3 or p.hours in (1, 25, 49))
    ]
    pair = find_disagreements(ALPHA, BETA, grid=grid)
    wanted = set()
    for point in grid:
        a, b = _duties(ALPHA_TEXT, point), _duties(BETA_TEXT, point)
        for duty in a.keys() | b.keys():
            _, kind, recipient = duty
            if duty in a and duty in b:
                if _earliest(a[duty]) != _earliest(b[duty]):
                    wanted.add((DifferenceKind.DEADLINE, kind, recipient, None))
            else:
                wanted.add(
                    (DifferenceKind.REQUIRED, kind, recipient, "alpha" if duty in a else "beta")
                )
    found = {(w.difference, w.kind, w.recipient, w.only_in) for w in pair.witnesses}
    assert found == wanted
    assert len(found) == 5


def test_grid_points_describe_and_build_their_timelines() -> None:
    point = GridPoint(2, 25, 12, CaseStatus.LOOKED_AFTER, None, True, MissingFrom.CARE_PLACEMENT)
    timeline = point.timeline()
    assert [e.id for e in timeline.episodes] == ["E1", "E2"]
    assert timeline.child.case_status is CaseStatus.LOOKED_AFTER
    assert point.set_fields == 3
    assert point.describe() == (
        "2 episodes within 90 days, age 12, case status looked_after, whereabouts known, "
        "missing from care_placement, reported at once, back after 1d 1h (25 hours)"
    )


# --- version diff -------------------------------------------------------------------------


def _alpha_v2() -> str:
    return (
        ALPHA_TEXT.replace('version: "1"', 'version: "2"')
        .replace(
            "deadline: {within: 72 hours, from: returned}",
            "deadline: {within: 5 days, from: returned}",
        )
        .replace("id: meeting_after_24h", "id: meeting_after_48h")
        .replace("trigger: {missing_for: 24 hours}", "trigger: {missing_for: 48 hours}")
        .replace("raise_to: medium", "raise_to: high")
        .replace("when: {fact: age, ge: 12}", "when: {fact: age, ge: 11}")
    )


def test_diff_golden() -> None:
    new = compile_text(_alpha_v2(), "tests/data/compare/alpha_v2.yaml")
    assert render_diff_text(diff_protocols(ALPHA, new)) == golden("diff.txt.golden")


def test_diff_of_a_protocol_with_itself_is_empty() -> None:
    diff = diff_protocols(ALPHA, ALPHA)
    assert diff.empty
    assert render_diff_text(diff).endswith("No differences.\n")


# --- the command ---------------------------------------------------------------------------


def run_compare_command(argv: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["compare", *argv], stdout=out, stderr=err)
    if code:
        raise CompareFailedError(code, err.getvalue())
    return out.getvalue()


class CompareFailedError(Exception):
    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def test_compare_command_formats_and_usage_errors(tmp_path: Path) -> None:
    alpha, beta = str(DATA / "alpha.yaml"), str(DATA / "beta.yaml")
    assert run_compare_command([alpha, beta]).startswith("# Protocols compared\n")
    assert run_compare_command([alpha, beta, "--format", "csv"]).startswith("section,row,")
    data = json.loads(run_compare_command(["--diff", alpha, beta, "--format", "json"]))
    assert data["comparison"] == "diff"
    path = tmp_path / "t.json"
    path.write_text(looked_after_timeline().model_dump_json(), encoding="utf-8")
    text = run_compare_command(
        [alpha, beta, "--timeline", str(path), "--as-of", "2024-05-10T12:00"]
    )
    assert text == golden("scenario.txt.golden")
    placed = run_compare_command(
        [alpha, "--placed-in", beta, "--timeline", str(path), "--as-of", "2024-05-10T12:00"]
    )
    assert "Hand-offs" in placed
    for bad in (
        [alpha, "--placed-in", beta],
        [alpha, beta, "--as-of", "2024-05-10T12:00"],
        [alpha, "--diff", alpha, beta],
        [alpha, beta, "--format", "html", "--timeline", str(path)],
        ["--format", "pdf"],
    ):
        with pytest.raises(CompareFailedError) as caught:
            run_compare_command(bad)
        assert caught.value.exit_code == 2

"""The caseload compliance report: its figures, its renderers, and the page in Chromium."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chromium import run_chromium
from missing_protocol import ActionStatus, Timeline, evaluate, load_protocol
from missing_protocol.calendar import LONDON
from missing_protocol.report import build_report, report_csv, report_html, report_json

MINI = load_protocol(Path(__file__).parent / "data" / "mini.yaml")
AS_OF = dt.datetime(2024, 6, 30, 12, 0, tzinfo=LONDON)


def child(
    child_id: str, *episodes: dict[str, Any], events: list[dict[str, Any]] | None = None
) -> Timeline:
    return Timeline.model_validate(
        {
            "schema_version": 2,
            "child": {"id": child_id, "date_of_birth": "2010-05-01"},
            "episodes": list(episodes),
            "events": events or [],
        }
    )


def episode(episode_id: str, day: str, *, reported: bool = True) -> dict[str, Any]:
    data = {"id": episode_id, "started_at": f"{day}T10:00", "returned_at": f"{day}T20:00"}
    if reported:
        data["reported_at"] = f"{day}T10:00"
    return data


def interview(day: str) -> dict[str, Any]:
    return {"action": "return_home_interview", "outcome": "offered", "at": day, "episode": "E1"}


CASELOAD = [
    child("A", episode("E1", "2024-05-01"), events=[interview("2024-05-02T10:00")]),  # on time
    child("B", episode("E1", "2024-05-01"), events=[interview("2024-05-10T10:00")]),  # late
    child("C", episode("E1", "2024-05-01", reported=False)),  # neither report nor interview
    child(  # three episodes in 90 days; no interviews
        "D",
        episode("E1", "2024-06-01"),
        episode("E2", "2024-06-10"),
        episode("E3", "2024-06-20"),
    ),
    child("E", {"id": "E1", "started_at": "2024-06-28", "returned_at": "2024-06-28"}),  # dates
]


def test_report_figures() -> None:
    report = build_report(MINI, iter(CASELOAD), AS_OF)
    assert (report.children, report.episodes, report.day_only_children) == (5, 7, 1)
    assert [(t.label, t.rules, t.children) for t in report.thresholds] == [
        ("at least 3 episodes (all) within 90 days", ("third_in_90_days",), 1)
    ]
    rhi = report.rhi
    assert (rhi.on_time, rhi.late, rhi.overdue, rhi.due, rhi.undetermined) == (1, 1, 4, 1, 0)
    assert rhi.deadlines == ("within 72 hours of returned",)
    assert rhi.decided == 6
    assert rhi.share == pytest.approx(1 / 6)
    assert [(o.child_id, o.episode_id, o.kind) for o in report.overdue] == [
        ("C", "E1", "report_to_police"),
        ("C", "E1", "return_home_interview"),
        ("D", "E1", "return_home_interview"),
        ("D", "E2", "return_home_interview"),
        ("D", "E3", "return_home_interview"),
        ("E", "E1", "report_to_police"),
    ]
    assert report.overdue[-1].due_at_latest == dt.datetime(2024, 6, 28, 23, 59, 59, tzinfo=LONDON)
    assert report.by_kind["professionals_meeting"] == {
        "met": 0,
        "met_late": 0,
        "due": 1,
        "overdue": 0,
        "undetermined": 0,
    }


def test_actions_by_kind_and_status_add_up_to_the_evaluations() -> None:
    report = build_report(MINI, CASELOAD, AS_OF)
    precise = [t for t in CASELOAD if not t.day_only()]
    counted: dict[tuple[str, str], int] = {}
    for timeline in precise:
        for action in evaluate(MINI, timeline, AS_OF).actions:
            key = (action.kind, action.status.value)
            counted[key] = counted.get(key, 0) + 1
    day_only = build_report(MINI, [t for t in CASELOAD if t.day_only()], AS_OF)
    for kind, statuses in report.by_kind.items():
        for status, count in statuses.items():
            assert count == counted.get((kind, status), 0) + day_only.by_kind.get(kind, {}).get(
                status, 0
            )


def test_json_and_csv_say_the_same() -> None:
    report = build_report(MINI, CASELOAD, AS_OF)
    data = json.loads(report_json(report))
    assert data["schema_version"] == 1
    assert (data["children"], data["episodes"]) == (5, 7)
    assert data["rhi"]["share_on_time"] == 0.1667
    assert data["overdue"][0]["action_id"] == "mini:C:E1:report"
    table = list(csv.DictReader(io.StringIO(report_csv(report))))
    summary = {row["kind"]: row["count"] for row in table if row["section"] == "summary"}
    assert summary == {
        "children": "5",
        "episodes": "7",
        "children_with_day_only_moments": "1",
        "children_not_evaluated": "0",
    }
    assert len([row for row in table if row["section"] == "overdue"]) == 6
    shares = [row["detail"] for row in table if row["status"] == "share_on_time"]
    assert shares[0] == "16.7%"
    assert shares[1].startswith("63% within 72 hours: about 63% of return home interviews")


def test_children_the_protocol_cannot_evaluate_are_listed_not_raised() -> None:
    bad = Timeline.model_validate(
        {
            "child": {"id": "X", "date_of_birth": "2010-01-01"},
            "episodes": [{"id": "E1", "started_at": "2024-05-01T10:00", "category": "nope"}],
        }
    )
    report = build_report(MINI, [bad, CASELOAD[0]], AS_OF)
    assert report.children_not_evaluated == (("X", "timeline.unknown_category"),)
    assert report.children == 1


def test_the_page_is_self_contained() -> None:
    page = report_html(build_report(MINI, CASELOAD, AS_OF))
    assert "<script" not in page
    assert re.findall(r"(?:src|href)=", page) == []
    assert re.findall(r"https?://[^\"]*", page) == ["http://www.w3.org/2000/svg"] * 2
    assert page.count("<svg") == 2
    assert "2010-05-01" not in page  # no date of birth


class _Figures(HTMLParser):
    """The text of every element with an id, from the page as Chromium rendered it."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self._stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if ident is not None:
            self.figures[ident] = ""
        if tag not in self.VOID:
            self._stack.append((tag, ident))

    def handle_endtag(self, tag: str) -> None:
        while self._stack and self._stack.pop()[0] != tag:
            continue

    def handle_data(self, data: str) -> None:
        for _, ident in self._stack:
            if ident is not None:
                self.figures[ident] += data


def test_the_page_in_headless_chromium_shows_the_figures(tmp_path: Path) -> None:
    report = build_report(MINI, CASELOAD, AS_OF)
    page = tmp_path / "report.html"
    page.write_text(report_html(report), encoding="utf-8")
    parser = _Figures()
    parser.feed(run_chromium(tmp_path, "--dump-dom", page.as_uri()))
    figures = parser.figures
    assert figures["children"] == "5"
    assert figures["episodes"] == "7"
    assert figures["overdue-count"] == str(
        sum(statuses[ActionStatus.OVERDUE.value] for statuses in report.by_kind.values())
    )
    assert figures["rhi-share"] == "17%"
    assert figures["rhi-decided"] == "6"
    assert figures["threshold-0"] == "1"
    assert figures["as-of"] == "2024-06-30T12:00:00+01:00"

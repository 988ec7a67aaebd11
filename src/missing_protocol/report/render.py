"""The caseload report as JSON and as CSV (the HTML page is :mod:`.html`)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from typing import Any

from missing_protocol.report.data import CaseloadReport

__all__ = ["REPORT_SCHEMA_VERSION", "report_csv", "report_json", "report_jsonable"]

REPORT_SCHEMA_VERSION = 1


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def report_jsonable(report: CaseloadReport) -> dict[str, Any]:
    """The report as JSON-ready data (datetimes ISO 8601 with offsets)."""
    data = dataclasses.asdict(report)
    data["as_of"] = report.as_of.isoformat()
    data["children_not_evaluated"] = [
        {"child_id": child, "codes": codes} for child, codes in report.children_not_evaluated
    ]
    data["rhi"] |= {"decided": report.rhi.decided, "share_on_time": _share(report.rhi.share)}
    data["overdue"] = [
        {
            **dataclasses.asdict(item),
            "due_at": item.due_at.isoformat() if item.due_at else None,
            "due_at_latest": item.due_at_latest.isoformat() if item.due_at_latest else None,
        }
        for item in report.overdue
    ]
    return {"schema_version": REPORT_SCHEMA_VERSION, **data}


def report_json(report: CaseloadReport) -> str:
    """The report as JSON text."""
    return json.dumps(report_jsonable(report), indent=2, ensure_ascii=False) + "\n"


def report_csv(report: CaseloadReport) -> str:
    """The report as one CSV table: ``section, child_id, episode_id, kind, status, count, detail``.

    Sections: ``summary``, ``threshold``, ``actions`` (by kind and status),
    ``rhi``, ``not_evaluated`` and ``overdue`` (one row per overdue action).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "child_id", "episode_id", "kind", "status", "count", "detail"])
    rhi = report.rhi
    summary = [
        ("children", report.children, f"{report.protocol_id} as at {report.as_of.isoformat()}"),
        ("episodes", report.episodes, ""),
        ("children_with_day_only_moments", report.day_only_children, ""),
        ("children_not_evaluated", len(report.children_not_evaluated), ""),
    ]
    for name, count, detail in summary:
        writer.writerow(["summary", "", "", name, "", count, detail])
    for threshold in report.thresholds:
        writer.writerow(
            [
                "threshold",
                "",
                "",
                threshold.label,
                "",
                threshold.children,
                " ".join(threshold.rules),
            ]
        )
    for kind, statuses in report.by_kind.items():
        for status, count in statuses.items():
            writer.writerow(["actions", "", "", kind, status, count, ""])
    share = "" if rhi.share is None else f"{rhi.share:.1%}"
    for status, count in (
        ("on_time", rhi.on_time),
        ("late", rhi.late),
        ("overdue", rhi.overdue),
        ("due", rhi.due),
        ("undetermined", rhi.undetermined),
    ):
        writer.writerow(["rhi", "", "", "return_home_interview", status, count, ""])
    writer.writerow(["rhi", "", "", "return_home_interview", "share_on_time", "", share])
    writer.writerow(
        [
            "rhi",
            "",
            "",
            "national",
            "share_on_time",
            "",
            f"{report.national.share:.0%} within {report.national.within}: "
            f"{report.national.source}",
        ]
    )
    for child, codes in report.children_not_evaluated:
        writer.writerow(["not_evaluated", child, "", "", "", "", codes])
    for item in report.overdue:
        due = item.due_at.isoformat() if item.due_at else ""
        writer.writerow(
            [
                "overdue",
                item.child_id,
                item.episode_id,
                item.kind,
                "overdue",
                "",
                f"{item.action_id} due {due}"
                + (" (the source cannot record this action)" if item.source_silent else ""),
            ]
        )
    return out.getvalue()

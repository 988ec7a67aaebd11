"""The caseload compliance report: data (:mod:`.data`), then HTML, CSV and JSON renderers."""

from missing_protocol.report.data import CaseloadReport, build_report
from missing_protocol.report.html import report_html
from missing_protocol.report.render import report_csv, report_json, report_jsonable

__all__ = [
    "CaseloadReport",
    "build_report",
    "report_csv",
    "report_html",
    "report_json",
    "report_jsonable",
]

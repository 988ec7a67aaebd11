"""``import``, ``report`` and ``export`` through the command-line entry point."""

from __future__ import annotations

import json
from pathlib import Path

from icalendar import Calendar

from test_cli import run
from test_interop import SSD_MISSING, SSD_PERSON, SSDA903, needs_data

HEAD = "CHILD,DOB,MISSING,MIS_START,MIS_END\n"


def small(tmp_path: Path) -> Path:
    path = tmp_path / "m.csv"
    path.write_text(
        HEAD + "A1,01/01/2010,M,01/05/2024,02/05/2024\n"
        "B2,01/01/2011,X,03/05/2024,\n"
        "C3,01/01/2012,A,10/05/2024,\n",
        encoding="utf-8",
    )
    return path


def test_import_ssda903_writes_json_lines_and_the_summary(tmp_path: Path) -> None:
    code, out, err = run(
        "import", "ssda903", str(small(tmp_path)), "--collection-end", "2025-03-31"
    )
    assert code == 0
    assert [json.loads(line)["child"]["id"] for line in out.splitlines()] == ["A1", "C3"]
    assert err == (
        "m.csv:3: MISSING: record B2: expected M (missing: whereabouts unknown) or A (away from "
        "placement without authorisation: whereabouts known), got 'X' [ssda903.unknown_type]\n"
        "SSDA903 Missing (m.csv): 3 rows read; 2 imported as 2 episodes of 2 children; 1 left "
        "out (1 with a problem, 0 of the same children); 1 child left out\n"
        "problems by code: ssda903.unknown_type 1\n"
    )


def test_import_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "c.jsonl"
    code, out, _ = run("import", "ssda903", str(small(tmp_path)), "-o", str(target))
    assert (code, out) == (0, "")
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2


def test_import_usage_and_file_errors(tmp_path: Path) -> None:
    code, _, err = run("import", "ssda903", str(small(tmp_path)), "--collection-end", "31/03/25")
    assert (code, err) == (
        2,
        "error: --collection-end: expected a date YYYY-MM-DD, got '31/03/25'\n",
    )
    code, out, err = run("import", "ssda903", str(tmp_path / "none.csv"))
    assert (code, out) == (1, "")
    assert err.startswith("error: 1 problem in source file:\nnone.csv: cannot read the file")
    code, _, _ = run("import", "ssd", "--missing", str(small(tmp_path)))
    assert code == 2


def test_report_from_the_importer_and_from_timelines_agree(tmp_path: Path) -> None:
    source = small(tmp_path)
    code, direct, err = run(
        "report", str(source), "--from", "ssda903", "-p", "camden", "-f", "json"
    )
    assert code == 0
    assert err.endswith("problems by code: ssda903.unknown_type 1\n")
    caseload = tmp_path / "c.jsonl"
    run("import", "ssda903", str(source), "-o", str(caseload))
    code, via, err = run(
        "report", str(caseload), "-p", "camden", "--as-of", "2025-03-31T23:59:59", "-f", "json"
    )
    assert (code, err) == (0, "")  # no progress bar when standard error is not a terminal
    assert json.loads(direct) == json.loads(via)
    assert json.loads(via)["children"] == 2


def test_report_options_that_do_not_fit(tmp_path: Path) -> None:
    code, _, err = run("report", str(small(tmp_path)), "-p", "camden", "--person", "p.csv")
    assert (code, err) == (2, "error: --person and --looked-after go with --from ssd\n")
    code, _, err = run("report", str(small(tmp_path)), "--from", "ssd", "-p", "camden")
    assert (code, err) == (2, "error: --from ssd needs --person FILE (the ssd_person table)\n")


def test_export_ical_and_csv(tmp_path: Path) -> None:
    caseload = tmp_path / "c.jsonl"
    run("import", "ssda903", str(small(tmp_path)), "-o", str(caseload))
    code, out, err = run("export", "ical", str(caseload), "-p", "camden", "--as-of", "2024-06-01")
    assert (code, err) == (0, "")
    uids = [str(t["UID"]) for t in Calendar.from_ical(out).walk("VTODO")]
    assert "camden:A1:2024-05-01-M:report_missing_from_placement" in uids
    code, out, _ = run("export", "csv", str(caseload), "-p", "camden", "--as-of", "2024-06-01")
    assert code == 0
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == uids
    target = tmp_path / "w.ics"
    run("export", "ical", str(caseload), "-p", "camden", "--as-of", "2024-06-01", "-o", str(target))
    assert Calendar.from_ical(target.read_bytes()).walk("VTODO")[0]["UID"] == uids[0]


@needs_data
def test_the_readme_examples_on_the_sample_files(tmp_path: Path) -> None:
    code, out, err = run(
        "import",
        "ssd",
        "--missing",
        str(SSD_MISSING),
        "--person",
        str(SSD_PERSON),
        "--looked-after",
    )
    assert code == 0
    assert len(out.splitlines()) == 58
    assert err.splitlines()[-1] == "problems by code: ssd.born_after_episode 1, ssd.overlap 4"
    page = tmp_path / "report.html"
    code, _, _ = run("report", str(SSDA903), "--from", "ssda903", "-p", "camden", "-o", str(page))
    assert code == 0
    assert '<strong id="children">61</strong>' in page.read_text(encoding="utf-8")


FRIDAY = """schema_version: 2
child: {id: C-13, date_of_birth: 2010-05-01, case_status: looked_after}
episodes:
  - {id: E-1, missing_from: care_placement, police_risk: medium, started_at: 2024-12-11T21:00,
     reported_at: 2024-12-11T22:00, returned_at: 2024-12-13}
"""


def test_evaluate_and_explain_say_what_is_known_only_to_the_day() -> None:
    code, out, _ = run(
        "evaluate", "-", "-p", "camden", "--as-of", "2024-12-20T12:00", "-f", "table", stdin=FRIDAY
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == (
        "known only to the day (times shown are the day's start): episode E-1 returned_at "
        "(known only to 2024-12-13)"
    )
    check = next(line for line in lines if line.endswith("safe_and_well_check_24h"))
    assert check.startswith("overdue  Sat 14 Dec 2024 00:00 GMT to Sat 14 Dec 2024 23:59 GMT  ")
    code, out, _ = run(
        "explain",
        "-",
        "camden:C-13:E-1:return_interview_72h",
        "-p",
        "camden",
        "--as-of",
        "2024-12-20T12:00",
        stdin=FRIDAY,
    )
    assert code == 0
    assert (
        "  due: Mon 16 Dec 2024 00:00 GMT\n  due at the latest: Mon 16 Dec 2024 23:59 GMT\n" in out
    )

"""The SSDA903 and SSD importers: their checks, reports, mapping and JSON Lines."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from missing_protocol import TimelineError, load_protocol
from missing_protocol.interop import (
    SourceFileError,
    import_ssd,
    import_ssda903,
    read_jsonl,
    write_jsonl,
)
from missing_protocol.precision import evaluate_bounded

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SSDA903 = DATA / "ssda903" / "missing.csv"
SSD_MISSING = DATA / "ssd" / "ssd_missing.csv"
SSD_PERSON = DATA / "ssd" / "ssd_person.csv"

needs_data = pytest.mark.skipif(not SSDA903.exists(), reason="the shared sample data is absent")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def where(result_problems: list) -> list[tuple[str, int, str, str]]:  # type: ignore[type-arg]
    return [(p.code, p.row, p.column, p.record_id) for p in result_problems]


# --- the sample files -----------------------------------------------------------

SSDA903_FAULTS = [
    ("ssda903.end_before_start", 118, "MIS_END", "799001"),
    ("ssda903.overlap", 120, "MIS_START", "799002"),
    ("ssda903.born_after_episode", 121, "DOB", "799003"),
    ("ssda903.bad_date", 122, "DOB", "799004"),
    ("ssda903.unknown_type", 123, "MISSING", "799005"),
]


@needs_data
def test_ssda903_sample_every_deliberate_fault_by_row_and_code() -> None:
    result = import_ssda903(SSDA903)
    timelines = list(result.timelines)
    report = result.report
    assert where(report.problems) == SSDA903_FAULTS
    source = rows(SSDA903)
    rejected = {"799001", "799002", "799003", "799004", "799005"}
    kept = [row for row in source if row["CHILD"] not in rejected]
    assert report.rows_read == len(source)
    assert report.rows_imported == report.episodes_imported == len(kept)
    assert report.children_imported == len(timelines) == len({r["CHILD"] for r in kept})
    assert report.children_rejected == len(rejected)
    assert report.collection_end == dt.date(2025, 3, 31)
    assert sum(len(t.episodes) for t in timelines) == len(kept)
    assert report.summary().splitlines()[-2:] == [
        f"SSDA903 Missing (missing.csv): {len(source)} rows read; {len(kept)} imported as "
        f"{len(kept)} episodes of {len(timelines)} children; {len(source) - len(kept)} left out "
        f"(5 with a problem, {len(source) - len(kept) - 5} of the same children); "
        "5 children left out",
        "problems by code: ssda903.bad_date 1, ssda903.born_after_episode 1, "
        "ssda903.end_before_start 1, ssda903.overlap 1, ssda903.unknown_type 1",
    ]


@needs_data
def test_ssda903_problems_never_echo_a_date_of_birth() -> None:
    summary = import_ssda903(SSDA903).report.summary()
    for row in rows(SSDA903):
        assert row["DOB"] not in summary


@needs_data
def test_ssda903_away_then_missing_on_one_day_is_two_touching_episodes() -> None:
    timelines = {t.child.id: t for t in import_ssda903(SSDA903).timelines}
    child = timelines["799006"]
    assert [(e.id, e.whereabouts_known) for e in child.episodes] == [
        ("2024-12-12-A", True),
        ("2024-12-12-M", False),
    ]
    assert [e.known_to_day for e in child.episodes] == [
        frozenset({"started_at", "returned_at"}),
        frozenset({"started_at", "returned_at"}),
    ]
    assert child.child.case_status.value == "looked_after"
    assert child.provenance is not None
    assert child.provenance.rows == (124, 125)
    assert child.provenance.not_recorded == ("*",)
    assert (
        "a blank MIS_END: still missing at the end of the collection year (2025-03-31, the 31 "
        "March ending the collection year of the latest MIS_START)"
    ) in child.provenance.assumptions


@needs_data
def test_ssd_sample_faults_by_row_and_code() -> None:
    result = import_ssd(SSD_MISSING, SSD_PERSON, looked_after=True)
    timelines = list(result.timelines)
    assert where(result.report.problems) == [
        ("ssd.overlap", 30, "miss_mis_epi_start", "MIS00029"),
        ("ssd.overlap", 58, "miss_mis_epi_start", "MIS00057"),
        ("ssd.overlap", 108, "miss_mis_epi_start", "MIS00107"),
        ("ssd.overlap", 120, "miss_mis_epi_start", "MIS00119"),
        ("ssd.born_after_episode", 121, "pers_dob (ssd_person.csv)", "MIS00120"),
    ]
    source = rows(SSD_MISSING)
    rejected = {"P700400", "P700617", "P701150", "P799002", "P799003"}
    kept = [row for row in source if row["miss_la_person_id"] not in rejected]
    assert result.report.rows_read == len(source)
    assert result.report.rows_imported == len(kept)
    assert len(timelines) == len({r["miss_la_person_id"] for r in kept})
    by_id = {t.child.id: t for t in timelines}
    provenance = by_id["P799001"].provenance
    assert provenance is not None
    assert provenance.source_fields == {
        "MIS00117": {"miss_mis_epi_rhi_offered": "Yes", "miss_mis_epi_rhi_accepted": "Yes"}
    }
    assert not by_id["P799001"].day_only()


@needs_data
@pytest.mark.parametrize("protocol_id", ["camden", "cumbria"])
def test_every_imported_child_is_evaluated(protocol_id: str) -> None:
    protocol = load_protocol(protocol_id)
    as_of = dt.datetime(2025, 3, 31, 23, 59, 59)
    for result in (
        import_ssda903(SSDA903),
        import_ssd(SSD_MISSING, SSD_PERSON, looked_after=True),
    ):
        evaluated = 0
        for timeline in result.timelines:
            evaluation = evaluate_bounded(protocol, timeline, as_of)
            assert evaluation.child_id == timeline.child.id
            evaluated += 1
        assert evaluated == result.report.children_imported


# --- each check, on small files ----------------------------------------------------

HEAD = "CHILD,DOB,MISSING,MIS_START,MIS_END\n"


def test_rows_of_a_child_need_not_be_contiguous(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.csv",
        HEAD + "A1,01/01/2010,M,01/05/2024,02/05/2024\n"
        "B2,01/01/2011,A,03/05/2024,03/05/2024\n"
        "A1,01/01/2010,M,10/05/2024,\n",
    )
    result = import_ssda903(path, collection_end=dt.date(2025, 3, 31))
    timelines = list(result.timelines)
    assert [(t.child.id, [e.id for e in t.episodes]) for t in timelines] == [
        ("A1", ["2024-05-01-M", "2024-05-10-M"]),
        ("B2", ["2024-05-03-A"]),
    ]
    assert timelines[0].episodes[1].returned_at is None
    assert result.report.problems == []


def test_every_row_check_reports_and_the_rest_imports(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.csv",
        HEAD + "bad id!,01/01/2010,M,01/05/2024,02/05/2024\n"
        "C3,01/01/2010,M,,02/05/2024\n"
        "C4,01/01/2010,M,01/05/2025,02/05/2025\n"
        "C5,01/01/2010,M,01/05/2024,02/05/2024\n"
        "C5,02/01/2010,M,03/05/2024,04/05/2024\n"
        "C6,01/01/2010,M,01/05/2024,\n"
        "C6,01/01/2010,M,03/05/2024,04/05/2024\n"
        "C7,01/01/2010,A,05/05/2024,06/05/2024\n",
    )
    result = import_ssda903(path, collection_end=dt.date(2025, 3, 31))
    assert where(result.report.problems) == [
        ("ssda903.bad_child_id", 2, "CHILD", "bad id!"),
        ("ssda903.no_start", 3, "MIS_START", "C3"),
        ("ssda903.after_collection_end", 4, "MIS_START", "C4"),
        ("ssda903.dob_differs", 6, "DOB", "C5"),
        ("ssda903.overlap", 8, "MIS_START", "C6"),
    ]
    assert [t.child.id for t in result.timelines] == ["C7"]
    assert result.report.problems[4].format() == (
        "m.csv:8: MIS_START: record C6: child C6: starts while the episode of row 7 has no end; "
        "end that one first [ssda903.overlap]"
    )


def test_a_file_without_the_columns_is_refused_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "CHILD,DOB,MIS_START\nA1,01/01/2010,01/05/2024\n")
    with pytest.raises(SourceFileError) as caught:
        import_ssda903(path)
    assert [(p.code, p.message) for p in caught.value.problems] == [
        (
            "ssda903.missing_column",
            "expected the columns CHILD, DOB, MISSING, MIS_START, MIS_END; missing MISSING, "
            "MIS_END",
        )
    ]
    with pytest.raises(SourceFileError) as caught:
        import_ssda903(tmp_path / "absent.csv")
    assert caught.value.problems[0].code == "import.unreadable"


def test_ssd_flag_and_person_checks(tmp_path: Path) -> None:
    missing = write(
        tmp_path,
        "ssd_missing.csv",
        "miss_table_id,miss_la_person_id,miss_mis_epi_start,miss_mis_epi_type,miss_mis_epi_end,"
        "miss_mis_epi_rhi_offered,miss_mis_epi_rhi_accepted\n"
        "M1,P1,2024-05-01 10:00:00,M,2024-05-01 12:00:00,Maybe,\n"
        "M2,P2,2024-05-01 10:00:00,M,2024-05-01 12:00:00,No,Yes\n"
        "M3,P9,2024-05-01 10:00:00,M,2024-05-01 12:00:00,,\n"
        "M4,P3,2024-05-01 10:00:00,M,2024-05-01 12:00:00,,\n"
        "M5,P4,2024-05-01 25:00:00,M,,,\n"
        "M6,P4,2024-06-01 10:00:00,M,2024-06-01 09:00:00,Yes,No\n"
        "M7,P5,2024-06-01 10:00:00,A,2024-06-01 11:00,Yes,Yes\n",
    )
    person = write(
        tmp_path,
        "ssd_person.csv",
        "pers_person_id,pers_dob\nP1,2010-01-01\nP2,2010-01-01\nP3,2010-02-30\nP4,2010-01-01\n"
        "P5,2010-01-01\n",
    )
    result = import_ssd(missing, person)
    assert where(result.report.problems) == [
        ("ssd.bad_date", 4, "pers_dob", "P3"),
        ("ssd.bad_flag", 2, "miss_mis_epi_rhi_offered", "M1"),
        ("ssd.accepted_not_offered", 3, "miss_mis_epi_rhi_accepted", "M2"),
        ("ssd.unknown_person", 4, "miss_la_person_id", "M3"),
        ("ssd.bad_date", 5, "pers_dob (ssd_person.csv)", "M4"),
        ("ssd.bad_date", 6, "miss_mis_epi_start", "M5"),
        ("ssd.end_before_start", 7, "miss_mis_epi_end", "M6"),
    ]
    (timeline,) = result.timelines
    assert timeline.child.id == "P5"
    assert timeline.episodes[0].missing_from.value == "home"
    assert timeline.episodes[0].whereabouts_known
    assert result.report.problems[3].message == "person P9 is not in ssd_person.csv"


# --- JSON Lines ---------------------------------------------------------------------


def test_json_lines_round_trip_and_located_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.csv",
        HEAD + "A1,01/01/2010,M,01/05/2024,02/05/2024\nB2,01/01/2011,A,03/05/2024,\n",
    )
    timelines = list(import_ssda903(path).timelines)
    out = io.StringIO()
    assert write_jsonl(timelines, out) == 2
    lines = out.getvalue().splitlines()
    assert list(read_jsonl(lines, "c.jsonl")) == timelines
    assert '"started_at": "2024-05-01"' in lines[0]
    bad = (
        '{"schema_version": 2, "child": {"id": "C", "date_of_birth": "2010-01-01"}, "episodes": []}'
    )
    with pytest.raises(TimelineError) as caught:
        list(read_jsonl([lines[0], "", bad], "c.jsonl"))
    assert {(p.file, p.line) for p in caught.value.problems} == {("c.jsonl", 3)}

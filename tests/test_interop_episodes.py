"""The SSDA903 Episodes table: legal status, placement type and the start of care."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from missing_protocol.facts import LegalStatus, PlacementType
from missing_protocol.interop import SourceFileError, import_ssda903
from missing_protocol.interop.ssda903_episodes import LEGAL_STATUS, PLACEMENT_TYPE
from test_cli import run

MISSING = (
    "CHILD,DOB,MISSING,MIS_START,MIS_END\n"
    "A1,01/01/2010,M,01/05/2024,02/05/2024\n"
    "A1,01/01/2010,A,20/06/2024,21/06/2024\n"
    "B2,01/01/2011,M,03/05/2024,04/05/2024\n"
    "C3,01/01/2012,M,10/05/2024,11/05/2024\n"
    "D4,01/01/2012,M,10/05/2024,11/05/2024\n"
)
EPISODES = (
    "CHILD,DECOM,RNE,LS,PLACE,DEC\n"
    # A1: a period of care from 2 April 2024, in foster care on an interim care order, then a
    # care order in a children's home from 20 June (the missing episode starts that day)
    "A1,02/04/2024,S,C1,U3,20/06/2024\n"
    "A1,20/06/2024,L,C2,K2,\n"
    # B2: accommodated under section 20 in a temporary placement (no counterpart)
    "B2,01/05/2024,S,V2,T1,\n"
    # C3: the episode of care began before the rows given (no RNE S) with an unknown code
    "C3,01/04/2024,P,Q9,H5,\n"
    # a row that does not read
    "C3,31/02/2024,S,C2,U1,\n"
)


def files(tmp_path: Path) -> tuple[Path, Path]:
    missing, episodes = tmp_path / "missing.csv", tmp_path / "episodes.csv"
    missing.write_text(MISSING, encoding="utf-8")
    episodes.write_text(EPISODES, encoding="utf-8")
    return missing, episodes


def test_each_missing_episode_gets_the_legal_status_and_placement_it_began_in(
    tmp_path: Path,
) -> None:
    missing, episodes = files(tmp_path)
    result = import_ssda903(missing, collection_end=dt.date(2025, 3, 31), episodes=episodes)
    timelines = {t.child.id: t for t in result.timelines}
    a1 = timelines["A1"]
    assert a1.schema_version == 3
    assert a1.child.looked_after_since == dt.date(2024, 4, 2)
    assert [(e.legal_status, e.placement_type) for e in a1.episodes] == [
        (LegalStatus.INTERIM_CARE_ORDER, PlacementType.FOSTER_CARE),
        (LegalStatus.CARE_ORDER, PlacementType.CHILDRENS_HOME),
    ]
    assert a1.episodes[0].known_to_day == {"started_at", "returned_at"}
    assert a1.provenance is not None
    assert a1.provenance.assumptions[-1] == (
        "episodes.csv: looked_after_since is the first day of the period of care holding the "
        "latest missing episode"
    )
    b2 = timelines["B2"]
    assert (b2.episodes[0].legal_status, b2.episodes[0].placement_type) == (
        LegalStatus.SECTION_20,
        None,
    )
    assert b2.provenance is not None
    assert (
        "episodes.csv row 4: placement T1 has no counterpart: placement_type of episode "
        "2024-05-03-M left unknown"
    ) in b2.provenance.assumptions
    c3 = timelines["C3"]
    assert (c3.child.looked_after_since, c3.episodes[0].legal_status) == (None, None)
    assert c3.episodes[0].placement_type is PlacementType.SUPPORTED_ACCOMMODATION
    assert c3.provenance is not None
    assert c3.provenance.assumptions[-2:] == (
        "episodes.csv row 5: legal status Q9 has no counterpart: legal_status of episode "
        "2024-05-10-M left unknown",
        "episodes.csv: the period of care of the latest episode began before the rows given "
        "(no RNE S): looked_after_since left unknown",
    )
    d4 = timelines["D4"]
    assert d4.schema_version == 2
    assert d4.provenance is not None
    assert d4.provenance.assumptions[-1] == "episodes.csv: no episode of care for this child"
    [problem] = [p for p in result.report.problems if p.file == "episodes.csv"]
    assert (problem.code, problem.row, problem.column, problem.record_id) == (
        "ssda903.bad_date",
        6,
        "DECOM",
        "C3",
    )


def test_without_the_episodes_table_nothing_changes(tmp_path: Path) -> None:
    missing, _ = files(tmp_path)
    [first, *_] = import_ssda903(missing, collection_end=dt.date(2025, 3, 31)).timelines
    assert first.schema_version == 2
    assert first.episodes[0].legal_status is None


def test_an_episodes_table_without_a_column_is_refused(tmp_path: Path) -> None:
    missing, episodes = files(tmp_path)
    episodes.write_text("CHILD,DECOM,RNE,LS,DEC\n", encoding="utf-8")
    with pytest.raises(SourceFileError) as caught:
        import_ssda903(missing, episodes=episodes)
    [problem] = caught.value.problems
    assert (problem.code, problem.message) == (
        "ssda903.missing_column",
        "expected the columns CHILD, DECOM, RNE, LS, PLACE, DEC; missing PLACE",
    )


def test_the_code_tables_name_every_legal_status_and_no_temporary_placement() -> None:
    assert set(LEGAL_STATUS.values()) == set(LegalStatus)
    assert set(PLACEMENT_TYPE.values()) == set(PlacementType)
    assert not {"T0", "T1", "T2", "T3", "T4", "P3"} & set(PLACEMENT_TYPE)


def test_the_command_line_reads_the_episodes_table(tmp_path: Path) -> None:
    missing, episodes = files(tmp_path)
    code, out, _ = run(
        "import",
        "ssda903",
        str(missing),
        "--collection-end",
        "2025-03-31",
        "--episodes",
        str(episodes),
    )
    assert code == 0
    first = json.loads(out.splitlines()[0])
    assert first["schema_version"] == 3
    assert first["child"]["looked_after_since"] == "2024-04-02"
    assert first["episodes"][1]["legal_status"] == "care_order"

"""The DfE's SSDA903 "Missing" table -> timelines: ``import_ssda903``.

Columns ``CHILD, DOB, MISSING, MIS_START, MIS_END``; dates ``dd/mm/yyyy`` with
no time, so every moment is known only to its day (timeline schema 2);
``MISSING`` is ``M`` (missing from care: whereabouts unknown) or ``A`` (away
from placement without authorisation: whereabouts known); a blank ``MIS_END``
means still missing at the end of the collection year. Every child in the
return is looked after. The mapping and its assumptions: docs/interop.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from missing_protocol.interop.checks import SourceFormat
from missing_protocol.interop.mapping import SourceProfile
from missing_protocol.interop.problems import ImportProblem, ImportResult
from missing_protocol.interop.reading import Extra, open_rows, read_source
from missing_protocol.interop.ssda903_episodes import with_care_episodes_of

__all__ = ["COLUMNS", "collection_end_for", "import_ssda903"]

COLUMNS = {
    "child": "CHILD",
    "dob": "DOB",
    "type": "MISSING",
    "start": "MIS_START",
    "end": "MIS_END",
}


def parse_date(text: str) -> dt.date:
    """``dd/mm/yyyy`` as a date; ``ValueError`` if it is not one that exists."""
    return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()


def collection_end_for(day: dt.date) -> dt.date:
    """The 31 March that ends the collection year (1 April to 31 March) holding ``day``."""
    return dt.date(day.year + (1 if day.month >= 4 else 0), 3, 31)


def _latest_start(path: Path, fmt: SourceFormat) -> dt.date | None:
    latest = None
    for _, row in open_rows(path, fmt, [COLUMNS["start"]]):
        try:
            day = parse_date(row.get(COLUMNS["start"], ""))
        except ValueError:
            continue
        latest = day if latest is None else max(latest, day)
    return latest


def _dob(values: Mapping[str, str]) -> dt.date:
    return parse_date(values["dob"])


def import_ssda903(
    path: Path | str,
    *,
    collection_end: dt.date | None = None,
    episodes: Path | str | None = None,
) -> ImportResult:
    """Check and import an SSDA903 Missing CSV; one timeline per child that passes every check.

    ``collection_end`` is the last day of the collection year (a blank
    ``MIS_END`` means still missing then); by default the 31 March ending the
    collection year of the latest ``MIS_START`` in the file. Raises
    :class:`~missing_protocol.interop.problems.SourceFileError` if the file
    cannot be read or lacks a column; every problem in its rows is in the
    result's report instead. With ``episodes``, the 903 Episodes table
    (``CHILD, DECOM, RNE, LS, PLACE, DEC``), each missing episode also gets the
    legal status and placement type of its episode of care, and the child the
    start of the period of care (:mod:`.ssda903_episodes`).
    """
    path = Path(path)

    def moment(text: str) -> dt.date:
        return parse_date(text)

    fmt = SourceFormat("ssda903", path.name, COLUMNS, moment, "a date dd/mm/yyyy")
    if collection_end is None:
        latest = _latest_start(path, fmt)
        end = collection_end_for(latest) if latest else None
        how = "the 31 March ending the collection year of the latest MIS_START"
    else:
        end, how = collection_end, "given"
    assumptions = (
        "every child is looked after (the SSDA903 return is of looked after children): "
        "case_status looked_after, known to social care, with an allocated social worker",
        "every episode is from the child's care placement (missing_from care_placement)",
        "MISSING M: whereabouts unknown; A: away from placement without authorisation, "
        "whereabouts known; the protocol derives its own category",
        "dates only: every start and return is known only to its day (schema_version 2)",
        f"a blank MIS_END: still missing at the end of the collection year ({end}, {how})",
        "police risk not in the source: not assessed (police_risk omitted)",
        "police reports not in the source: reported_at omitted, as if not reported",
        "no action is recorded in the source: not_recorded is '*' (every action kind), so an "
        "action's status says what the data shows, not what was done",
    )
    profile = SourceProfile("SSDA903 Missing", path.name, True, assumptions)
    result = read_source(path, fmt, profile, _dob, _after_end(end))
    result.report.collection_end = end
    if episodes is not None:
        result = with_care_episodes_of(result, episodes)
    return result


def _after_end(end: dt.date | None) -> Extra:
    """The check that no episode starts after the collection year ends."""

    def check(
        fmt: SourceFormat, row: int, values: Mapping[str, str], record: str
    ) -> tuple[dict[str, str], list[ImportProblem]]:
        if end is None:
            return {}, []
        try:
            start = parse_date(values["start"])
        except ValueError:
            return {}, []
        if start <= end:
            return {}, []
        return {}, [
            fmt.problem(
                "after_collection_end",
                row,
                "start",
                record,
                f"the episode starts after the end of the collection year ({end.isoformat()})",
            )
        ]

    return check

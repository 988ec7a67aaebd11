"""The Standard Safeguarding Dataset's ``ssd_missing`` (with ``ssd_person``) -> timelines.

``ssd_missing``: ``miss_table_id, miss_la_person_id, miss_mis_epi_start,
miss_mis_epi_type, miss_mis_epi_end, miss_mis_epi_rhi_offered,
miss_mis_epi_rhi_accepted``, date-times ``YYYY-MM-DD HH:MM:SS`` (London wall
clock); ``ssd_person``: ``pers_person_id, pers_dob``. The return interview
flags (``Yes``/``No``/blank) carry no date, so the timeline cannot hold them
as recorded events: they are kept in the timeline's provenance
(``source_fields``) and shown in the report, never evaluated against a
deadline. The mapping and its assumptions: docs/interop.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from missing_protocol.interop.checks import SourceFormat
from missing_protocol.interop.mapping import SourceProfile
from missing_protocol.interop.problems import ImportProblem, ImportResult
from missing_protocol.interop.reading import open_rows, read_source

__all__ = ["MISSING_COLUMNS", "PERSON_COLUMNS", "import_ssd"]

MISSING_COLUMNS = {
    "record": "miss_table_id",
    "child": "miss_la_person_id",
    "start": "miss_mis_epi_start",
    "type": "miss_mis_epi_type",
    "end": "miss_mis_epi_end",
    "rhi_offered": "miss_mis_epi_rhi_offered",
    "rhi_accepted": "miss_mis_epi_rhi_accepted",
}
PERSON_COLUMNS = {"child": "pers_person_id", "dob": "pers_dob"}
_FLAGS = ("Yes", "No", "")


def parse_moment(text: str) -> dt.datetime:
    """``YYYY-MM-DD HH:MM[:SS]`` as a naive London wall-clock time; ``ValueError`` if none."""
    text = text.strip()
    for shape in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, shape)
        except ValueError:
            continue
    raise ValueError(text)


def _people(path: Path) -> tuple[dict[str, dt.date | None], list[ImportProblem]]:
    """Date of birth by person id (``None`` where the date is not one that exists)."""
    fmt = SourceFormat("ssd", path.name, PERSON_COLUMNS, parse_moment, "a date YYYY-MM-DD")
    people: dict[str, dt.date | None] = {}
    problems: list[ImportProblem] = []
    for number, row in open_rows(path, fmt, list(PERSON_COLUMNS.values())):
        person = row[PERSON_COLUMNS["child"]].strip()
        try:
            people[person] = dt.date.fromisoformat(row[PERSON_COLUMNS["dob"]].strip()[:10])
        except ValueError:
            people[person] = None
            problems.append(
                fmt.problem(
                    "bad_date", number, "dob", person, "the date of birth is not a date that exists"
                )
            )
    return people, problems


def _flags(
    fmt: SourceFormat, row: int, values: Mapping[str, str], record: str
) -> tuple[dict[str, str], list[ImportProblem]]:
    """The return interview flags, checked: Yes, No or blank; accepted only if offered."""
    kept: dict[str, str] = {}
    problems = []
    for name in ("rhi_offered", "rhi_accepted"):
        value = values[name].strip()
        if value not in _FLAGS:
            problems.append(fmt.problem("bad_flag", row, name, record, "expected Yes, No or blank"))
        elif value:
            kept[fmt.columns[name]] = value
    if values["rhi_accepted"].strip() == "Yes" and values["rhi_offered"].strip() != "Yes":
        problems.append(
            fmt.problem(
                "accepted_not_offered",
                row,
                "rhi_accepted",
                record,
                "a return interview is accepted but not recorded as offered",
            )
        )
    return kept, problems


def import_ssd(
    missing: Path | str, person: Path | str, *, looked_after: bool = False
) -> ImportResult:
    """Check and import ``ssd_missing`` with ``ssd_person``; one timeline per child that passes.

    ``looked_after``: every child in the extract is looked after (``ssd_missing``
    does not say; the SSD's looked-after tables are not read), so episodes are
    from a care placement; otherwise from home. Either way the choice is written
    in each timeline's provenance. Raises
    :class:`~missing_protocol.interop.problems.SourceFileError` if a file cannot
    be read or lacks a column.
    """
    missing, person = Path(missing), Path(person)
    people, person_problems = _people(person)

    def dob(values: Mapping[str, str]) -> dt.date:
        child = values["child"].strip()
        if child not in people:
            raise LookupError(f"person {child} is not in {person.name}")
        born = people[child]
        if born is None:
            raise ValueError(child)
        return born

    fmt = SourceFormat(
        "ssd",
        missing.name,
        MISSING_COLUMNS,
        parse_moment,
        "a date-time YYYY-MM-DD HH:MM:SS",
        {"dob": f"{PERSON_COLUMNS['dob']} ({person.name})"},
    )
    where = "care placement" if looked_after else "home"
    assumptions = (
        (
            "every child is looked after (given by the importer's caller; ssd_missing does "
            "not say): case_status looked_after, with an allocated social worker"
            if looked_after
            else "case status not in ssd_missing: none recorded (known to social care)"
        ),
        f"every episode is from the child's {where} (ssd_missing does not say)",
        "miss_mis_epi_type M: whereabouts unknown; A: away from placement, whereabouts known",
        "a blank miss_mis_epi_end: still missing",
        "police risk not in the source: not assessed (police_risk omitted)",
        "police reports not in the source: reported_at omitted, as if not reported",
        "return interview offered/accepted have no date: kept in source_fields, not as "
        "recorded events; not_recorded is '*' (every action kind)",
    )
    profile = SourceProfile("SSD ssd_missing", missing.name, looked_after, assumptions)
    result = read_source(missing, fmt, profile, dob, _flags)
    result.report.problems[:0] = person_problems
    return result

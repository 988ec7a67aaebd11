"""The SSDA903 "Episodes" table -> each missing episode's legal status and placement.

The 903 return has, beside the Missing table, one row per episode of care:
``CHILD, DECOM, RNE, LS, PLACE, DEC`` (the day the episode began, the reason
for a new episode, the legal status, the placement type, the day it ceased,
blank if open). Given that table, each imported missing episode gets the
``legal_status`` and ``placement_type`` of the episode of care it began in,
and the child gets ``looked_after_since``, the first day of the period of care
(``RNE`` ``S``) holding the child's latest missing episode; the timeline
becomes schema version 3.

Codes are mapped by name (:data:`LEGAL_STATUS`, :data:`PLACEMENT_TYPE`). A code
with no counterpart (a temporary placement ``T0``-``T4``, residential
employment ``P3``, or a code not in the tables), a missing episode in no
episode of care, and a period of care that began before the rows given, all
leave the field unknown, and each is written in the timeline's
``provenance.assumptions``: nothing is assumed silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from missing_protocol.facts import LegalStatus, PlacementType
from missing_protocol.interop.checks import SourceFormat
from missing_protocol.interop.problems import ImportProblem, ImportResult
from missing_protocol.interop.reading import open_rows
from missing_protocol.timeline import Timeline, timeline_to_jsonable

__all__ = [
    "EPISODE_COLUMNS",
    "LEGAL_STATUS",
    "PLACEMENT_TYPE",
    "CareEpisode",
    "read_care_episodes",
    "with_care_episodes",
    "with_care_episodes_of",
]

EPISODE_COLUMNS = {
    "child": "CHILD",
    "start": "DECOM",
    "reason": "RNE",
    "legal_status": "LS",
    "placement": "PLACE",
    "end": "DEC",
}

#: SSDA903 legal status codes, by name.
LEGAL_STATUS: Mapping[str, LegalStatus] = {
    "C1": LegalStatus.INTERIM_CARE_ORDER,
    "C2": LegalStatus.CARE_ORDER,
    "D1": LegalStatus.FREEING_ORDER,
    "E1": LegalStatus.PLACEMENT_ORDER,
    "J1": LegalStatus.REMANDED,
    "J2": LegalStatus.PACE_TRANSFER,
    "J3": LegalStatus.YOUTH_REHABILITATION_ORDER,
    "L1": LegalStatus.POLICE_PROTECTION,
    "L2": LegalStatus.EMERGENCY_PROTECTION_ORDER,
    "L3": LegalStatus.CHILD_ASSESSMENT_ORDER,
    "V2": LegalStatus.SECTION_20,
    "V3": LegalStatus.SECTION_20_SHORT_BREAKS,
    "V4": LegalStatus.SECTION_20_SHORT_BREAKS,
}

#: SSDA903 placement type codes, by group; the temporary placements (T0-T4) and
#: residential employment (P3) have no counterpart and are left unknown.
PLACEMENT_TYPE: Mapping[str, PlacementType] = {
    "A3": PlacementType.PLACED_FOR_ADOPTION,
    "A4": PlacementType.PLACED_FOR_ADOPTION,
    "A5": PlacementType.PLACED_FOR_ADOPTION,
    "A6": PlacementType.PLACED_FOR_ADOPTION,
    "H5": PlacementType.SUPPORTED_ACCOMMODATION,
    "K1": PlacementType.SECURE_CHILDRENS_HOME,
    "K2": PlacementType.CHILDRENS_HOME,
    "P1": PlacementType.PLACED_WITH_PARENTS,
    "P2": PlacementType.INDEPENDENT_LIVING,
    "R1": PlacementType.HEALTH_OR_CARE_HOME,
    "R2": PlacementType.HEALTH_OR_CARE_HOME,
    "R3": PlacementType.FAMILY_CENTRE,
    "R5": PlacementType.YOUTH_CUSTODY,
    "S1": PlacementType.RESIDENTIAL_SCHOOL,
    "U1": PlacementType.FOSTER_CARE,
    "U2": PlacementType.FOSTER_CARE,
    "U3": PlacementType.FOSTER_CARE,
    "U4": PlacementType.FOSTER_CARE,
    "U5": PlacementType.FOSTER_CARE,
    "U6": PlacementType.FOSTER_CARE,
    "Z1": PlacementType.OTHER,
}


@dataclass(frozen=True, slots=True)
class CareEpisode:
    """One row of the Episodes table that read."""

    row: int
    start: dt.date
    end: dt.date | None
    new_period: bool  # RNE S: the first episode of a period of care
    legal_status: str
    placement: str

    def holds(self, day: dt.date) -> bool:
        """Whether ``day`` falls in this episode (its last day belongs to the next one)."""
        return self.start <= day and (self.end is None or day < self.end)


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()


def read_care_episodes(
    path: Path | str,
) -> tuple[dict[str, list[CareEpisode]], list[ImportProblem]]:
    """The episodes of care by child, in order of their start, and the rows that did not read.

    Raises :class:`~missing_protocol.interop.problems.SourceFileError` if the file
    cannot be read or lacks a column.
    """
    path = Path(path)
    fmt = SourceFormat("ssda903", path.name, EPISODE_COLUMNS, _date, "a date dd/mm/yyyy")
    found: dict[str, list[CareEpisode]] = {}
    problems: list[ImportProblem] = []
    for row, values in open_rows(path, fmt, list(EPISODE_COLUMNS.values())):
        child = values["CHILD"].strip()
        try:
            start = _date(values["DECOM"])
        except ValueError:
            problems.append(
                fmt.problem("bad_date", row, "start", child, "expected a date dd/mm/yyyy")
            )
            continue
        try:
            end = _date(values["DEC"]) if values["DEC"].strip() else None
        except ValueError:
            problems.append(
                fmt.problem(
                    "bad_date", row, "end", child, "expected a date dd/mm/yyyy, or blank if open"
                )
            )
            continue
        found.setdefault(child, []).append(
            CareEpisode(
                row,
                start,
                end,
                values["RNE"].strip().upper() == "S",
                values["LS"].strip().upper(),
                values["PLACE"].strip().upper(),
            )
        )
    for episodes in found.values():
        episodes.sort(key=lambda e: (e.start, e.row))
    return found, problems


def _covering(care: Sequence[CareEpisode], day: dt.date) -> int | None:
    for index, episode in enumerate(care):
        if episode.holds(day):
            return index
    return None


def _period_start(care: Sequence[CareEpisode], index: int) -> dt.date | None:
    for episode in reversed(care[: index + 1]):
        if episode.new_period:
            return episode.start
    return None


def with_care_episodes(timeline: Timeline, care: Sequence[CareEpisode], file: str) -> Timeline:
    """``timeline`` (from the Missing table) with what ``care`` says of each episode."""
    data: dict[str, Any] = timeline_to_jsonable(timeline)
    notes: list[str] = []
    latest: int | None = None
    for raw, episode in zip(data["episodes"], timeline.episodes, strict=True):
        day = episode.started_at.date()
        index = _covering(care, day)
        if index is None:
            notes.append(
                f"{file}: episode {episode.id} began in no episode of care given: legal_status "
                "and placement_type left unknown"
            )
            continue
        row = care[index]
        legal = LEGAL_STATUS.get(row.legal_status)
        placement = PLACEMENT_TYPE.get(row.placement)
        if legal is None:
            notes.append(
                f"{file} row {row.row}: legal status {row.legal_status or '(blank)'} has no "
                f"counterpart: legal_status of episode {episode.id} left unknown"
            )
        else:
            raw["legal_status"] = legal.value
        if placement is None:
            notes.append(
                f"{file} row {row.row}: placement {row.placement or '(blank)'} has no "
                f"counterpart: placement_type of episode {episode.id} left unknown"
            )
        else:
            raw["placement_type"] = placement.value
        if latest is None or care[index].start >= care[latest].start:
            latest = index
    if latest is not None:
        began = _period_start(care, latest)
        if began is None:
            notes.append(
                f"{file}: the period of care of the latest episode began before the rows "
                "given (no RNE S): looked_after_since left unknown"
            )
        else:
            data["child"]["looked_after_since"] = began.isoformat()
            notes.append(
                f"{file}: looked_after_since is the first day of the period of care holding "
                "the latest missing episode"
            )
    data["schema_version"] = 3
    provenance = data.setdefault("provenance", {"source": "SSDA903 Missing"})
    provenance["assumptions"] = [*provenance.get("assumptions", []), *notes]
    return Timeline.model_validate(data)


def with_care_episodes_of(result: ImportResult, path: Path | str) -> ImportResult:
    """``result`` with each timeline given what the Episodes table at ``path`` says.

    The rows of the Episodes table that do not read are added to the report; a
    child with no episode of care is left as it was, and says so.
    """
    path = Path(path)
    care, problems = read_care_episodes(path)
    result.report.problems.extend(problems)

    def enriched() -> Iterator[Timeline]:
        for timeline in result.timelines:
            rows = care.get(timeline.child.id)
            if rows:
                yield with_care_episodes(timeline, rows, path.name)
            else:
                yield _noted(timeline, f"{path.name}: no episode of care for this child")

    return ImportResult(enriched(), result.report)


def _noted(timeline: Timeline, note: str) -> Timeline:
    data: dict[str, Any] = timeline_to_jsonable(timeline)
    provenance = data.setdefault("provenance", {"source": "SSDA903 Missing"})
    provenance["assumptions"] = [*provenance.get("assumptions", []), note]
    return Timeline.model_validate(data)

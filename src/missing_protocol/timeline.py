"""Pydantic models of a child's timeline: the child, the episodes, what was done.

A timeline is the input to evaluation. It describes one child (by record id
only: no names), their missing episodes, and the events recorded against them
(reports, checks, interviews, meetings, notifications), so that compliance with
each required action can be judged.

Datetimes are ISO 8601 text (never a number: epoch seconds and YAML 1.1's
sexagesimal are refused). A value without an offset is Europe/London wall-clock
time (the hour repeated in October means its first occurrence, BST; give an
offset, ``+00:00``, for the second); every datetime is held as an aware London
time after validation, and compared as an instant (in UTC), never by its
wall-clock fields. Dates are ``YYYY-MM-DD``. Every date and moment must fall in
the years of :class:`~.limits.Limits` (1900 to 2100 by default), and the child
must be no older than ``maximum_age`` at any episode. Booleans are only
``true``/``false``.

From schema version 2 a moment may be a date alone (``2024-12-13``): known only
to that London day. It is held as the day's first instant and named in the
episode's or event's ``known_to_day``, so that readers of datetimes still get
datetimes and :mod:`missing_protocol.precision` can evaluate honestly
(docs/day-precision.md). Consistency checks that span fields (a return before
the start, overlapping episodes, an event naming an unknown episode) are made
here too, and all reported together.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .calendar import LONDON
from .facts import (
    AwayIncident,
    CareHolder,
    CaseStatus,
    CheckMethod,
    ChildFlag,
    Concern,
    FoundBy,
    LegalStatus,
    MissingFrom,
    PlacementType,
    PoliceRisk,
    RemovalPurpose,
    ReportedBy,
    SocialWorkArea,
)
from .moments import (
    LondonDateTime,
    PlainDate,
    check_moment,
    instant,
    limits_in,
    london_datetime,
    parse_moment,
)
from .schema import Outcome
from .versions import newer_than, since

__all__ = [
    "TIMELINE_SCHEMA_VERSION",
    "Child",
    "Episode",
    "FactChange",
    "Judgement",
    "Provenance",
    "RecordedEvent",
    "Timeline",
    "check_moment",
    "day_bounds",
    "instant",
    "london_datetime",
    "moment_bounds",
    "parse_moment",
    "timeline_to_jsonable",
]

TIMELINE_SCHEMA_VERSION = 3

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPISODE_MOMENTS = ("started_at", "reported_at", "returned_at")

RecordId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="A record id: letters, digits and . _ : - (never a name).",
    ),
]


def _sorted(values: frozenset[StrEnum]) -> list[str]:
    """A set written out in a stable order (set iteration order changes with the hash seed)."""
    return sorted(str(value) for value in values)


def _age(born: dt.date, on: dt.date) -> int:
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last second of a London calendar day, as aware London times."""
    first = dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON)
    last = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)
    return first, last


def moment_bounds(value: dt.datetime, known_to_day: bool) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest instant a moment may be: itself, or its whole London day."""
    if not known_to_day:
        return value, value
    return day_bounds(value.astimezone(LONDON).date())


def _day_only(value: object) -> bool:
    if isinstance(value, str):
        return bool(_DATE_ONLY.match(value.strip()))
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _mark_day_only(item: object, fields: tuple[str, ...]) -> object:
    """A raw episode or event with its date-only moments named in ``known_to_day``."""
    if not isinstance(item, dict):
        return item
    found = [name for name in fields if _day_only(item.get(name))]
    if not found:
        return item
    marked = dict(item)
    marked["known_to_day"] = sorted(set(found) | set(marked.get("known_to_day") or ()))
    return marked


def _mark_changes(episode: object) -> object:
    """A raw episode with its changes' date-only moments named in their ``known_to_day``."""
    if not isinstance(episode, dict) or not isinstance(episode.get("changes"), list):
        return episode
    return episode | {"changes": [_mark_day_only(c, ("at",)) for c in episode["changes"]]}


def _error(code: str, message: str, loc: tuple[str | int, ...]) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=None)


def _raise_all(title: str, errors: list[InitErrorDetails]) -> None:
    """Report every consistency problem at once, each at its own field."""
    if errors:
        raise ValidationError.from_exception_data(title, errors)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Child(_Model):
    """The child the timeline is about. Record id only; no names are needed."""

    id: RecordId
    date_of_birth: PlainDate
    case_status: CaseStatus = CaseStatus.NONE
    known_to_social_care: StrictBool = False
    has_allocated_worker: StrictBool = False
    attends_school: StrictBool = False
    attends_secondary_school: StrictBool = False
    placed_by_other_authority: StrictBool = Field(
        default=False, description="Looked after by another authority and placed in this area."
    )
    placing_authority: str | None = Field(
        default=None, max_length=100, description="Which authority placed the child, if another."
    )
    placed_out_of_area: StrictBool = Field(
        default=False, description="Looked after by this area and placed outside it."
    )
    flags: frozenset[ChildFlag] = frozenset()
    looked_after_since: PlainDate | None = Field(
        default=None,
        description="The day the child's current period of being looked after began "
        "(SSDA903: the start of the period of care); omit if not known or not looked after.",
        json_schema_extra=since(3),
    )
    subject_to_restrictions: StrictBool | None = Field(
        default=None,
        description="Subject to immigration restrictions (Home Office reporting or residence "
        "conditions); omit if not known.",
        json_schema_extra=since(3),
    )
    social_work_area: SocialWorkArea | None = Field(
        default=None,
        description="Whose social worker the case is open to, seen from the protocol's area: "
        "this_area or other_area; omit if not known or not open.",
        json_schema_extra=since(3),
    )
    next_review_on: PlainDate | None = Field(
        default=None,
        description="The day of the child's next statutory (looked after) review, as known; "
        "omit if not known. Deadlines 'before_next_review' and 'at_next_review' are set from "
        "it; a date before the day a duty arose is not that duty's next review.",
        json_schema_extra=since(3),
    )

    @field_serializer("flags")
    def _sorted_flags(self, flags: frozenset[ChildFlag]) -> list[str]:
        return _sorted(flags)

    @model_validator(mode="after")
    def _placing_authority_needs_placement(self) -> Child:
        if self.placing_authority is not None and not self.placed_by_other_authority:
            raise PydanticCustomError(
                "inconsistent",
                "placing_authority is given but placed_by_other_authority is false; "
                "set placed_by_other_authority: true or remove placing_authority",
                {},
            )
        return self


class FactChange(_Model):
    """A fact of an episode that changed while the child was away (timeline schema version 3):
    the police re-graded the risk, or the episode was re-categorised (absent to missing)."""

    at: LondonDateTime = Field(description="When the change was made.")
    police_risk: PoliceRisk | None = Field(
        default=None, description="The police risk level from then on."
    )
    category: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The area's category from then on.",
    )
    known_to_day: frozenset[Literal["at"]] = Field(
        default=frozenset(),
        description="'at' when it is known only to its London day (a date alone): "
        "evaluate_bounded reads it at the day's earliest and latest.",
    )

    @model_validator(mode="after")
    def _changes_something(self) -> FactChange:
        if self.police_risk is None and self.category is None:
            raise PydanticCustomError(
                "empty_change",
                "a change needs police_risk or category (or both): what changed at 'at'",
            )
        _raise_all("FactChange", _first_instants(self, self.known_to_day))
        return self


class Judgement(_Model):
    """A judgement, decision or outcome recorded on an episode (schema version 3).

    ``judgement`` is a code of the shared vocabulary or of the protocol's
    ``extra_judgements``; ``at`` is when it was made (omit if not known: it then
    counts from the start of the episode), ``by`` the role that made it.
    """

    judgement: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        max_length=64,
        description="A judgement code, e.g. rhi_refused_by_child.",
    )
    at: LondonDateTime | None = Field(default=None, description="When it was made.")
    by: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="The role that made it."
    )

    @field_validator("at", mode="before")
    @classmethod
    def _with_a_time(cls, value: object) -> object:
        """A judgement's moment moves when a duty arises: a date alone is not precise enough."""
        if _day_only(value):
            raise PydanticCustomError(
                "day_only",
                "a judgement's 'at' needs a time of day (it sets when a duty arises); give the "
                "time, or leave 'at' out if it is not known",
            )
        return value


class Episode(_Model):
    """One period of being missing or absent."""

    id: RecordId
    missing_from: MissingFrom = MissingFrom.HOME
    category: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The area's own category; omit to let the protocol derive it.",
    )
    whereabouts_known: StrictBool = False
    police_risk: PoliceRisk | None = Field(
        default=None, description="The police risk level assessed; omit if not assessed."
    )
    started_at: LondonDateTime = Field(description="When the child was last seen.")
    reported_at: LondonDateTime | None = Field(default=None, description="Reported to police.")
    returned_at: LondonDateTime | None = Field(default=None, description="Located or returned.")
    while_away: frozenset[AwayIncident] = frozenset()
    concerns: frozenset[Concern] = frozenset()
    legal_status: LegalStatus | None = Field(
        default=None,
        description="The legal basis of a looked after child's care when they went missing "
        "(SSDA903 legal status); omit if not known or not looked after.",
        json_schema_extra=since(3),
    )
    placement_type: PlacementType | None = Field(
        default=None,
        description="The type of placement of a looked after child when they went missing "
        "(SSDA903 placement type); omit if not known or not looked after.",
        json_schema_extra=since(3),
    )
    in_other_area: StrictBool | None = Field(
        default=None,
        description="Whether, while missing, the child was known to be in another local "
        "authority's area; omit if not known.",
        json_schema_extra=since(3),
    )
    found_by: FoundBy | None = Field(
        default=None,
        description="Who found the child, or how the child came back; omit if not known.",
        json_schema_extra=since(3),
    )
    in_care_of: CareHolder | None = Field(
        default=None,
        description="Who had care of the child when they went missing; omit if not known.",
        json_schema_extra=since(3),
    )
    feared_removal_from_uk: frozenset[RemovalPurpose] | None = Field(
        default=None,
        description="Why the child is feared to be removed from the UK (abduction, "
        "forced_marriage, female_genital_mutilation); [] if none is feared; omit if not known.",
        json_schema_extra=since(3),
    )
    known_to_day: frozenset[Literal["started_at", "reported_at", "returned_at"]] = Field(
        default=frozenset(),
        description="Moments known only to their London day (schema version 2; filled in "
        "from date-only values).",
    )
    noticed_at: LondonDateTime | None = Field(
        default=None,
        description="When a carer, parent or professional noticed the child was missing (not "
        "before started_at). Rules triggered on 'noticed' use started_at where it is not given.",
        json_schema_extra=since(3),
    )
    reported_by: ReportedBy | None = Field(
        default=None,
        description="Who reported the child missing to the police: parent_or_carer (a parent or "
        "the carer looking after the child), professional (another agency's worker), police, "
        "other (anyone else), home_office (the Home Office).",
        json_schema_extra=since(3),
    )
    professional_aware_at: LondonDateTime | None = Field(
        default=None,
        description="When a professional (social worker, school, health, ...) first learnt the "
        "child was missing (not before started_at). Rules on 'professional_aware' use "
        "reported_at where it is not given.",
        json_schema_extra=since(3),
    )
    police_told_of_return_at: LondonDateTime | None = Field(
        default=None,
        description="When the police were told the child had returned or been located (not "
        "before returned_at). Rules on 'police_told_of_return' use returned_at where it is "
        "not given.",
        json_schema_extra=since(3),
    )

    @field_validator(
        "noticed_at", "professional_aware_at", "police_told_of_return_at", mode="before"
    )
    @classmethod
    def _to_the_minute(cls, value: object, info: ValidationInfo) -> object:
        if _day_only(value):
            raise PydanticCustomError(
                "day_only",
                f"{info.field_name} must be a date and time (e.g. 2024-03-29T21:50): duties "
                "are timed from it to the minute, so a date alone is not accepted; give the "
                "time, or leave it out",
            )
        return value

    changes: tuple[FactChange, ...] = Field(
        default=(),
        description="Facts that changed during the episode, each from its moment on "
        "(schema version 3): each duty is judged on the facts as they stood when it fell due.",
        json_schema_extra=since(3),
    )
    also_categories: frozenset[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] = (
        Field(
            default=frozenset(),
            description="Categories of the area the episode is also in, beside its category "
            "(schema version 3); the protocol may derive more.",
            json_schema_extra=since(3),
        )
    )
    judgements: tuple[Judgement, ...] = Field(
        default=(),
        description="Judgements and outcomes recorded on the episode (each code once); "
        "a duty that depends on one does not arise until it is recorded.",
        json_schema_extra=since(3),
    )

    def bounds(self, name: str) -> tuple[dt.datetime, dt.datetime] | None:
        """The earliest and latest instant of ``started_at``, ``reported_at`` or ``returned_at``."""
        value: dt.datetime | None = getattr(self, name)
        if value is None:
            return None
        return moment_bounds(value, name in self.known_to_day)

    @field_serializer("while_away", "concerns")
    def _sorted_sets(self, values: frozenset[AwayIncident] | frozenset[Concern]) -> list[str]:
        return _sorted(values)

    @field_serializer("feared_removal_from_uk")
    def _sorted_purposes(self, values: frozenset[RemovalPurpose] | None) -> list[str] | None:
        return None if values is None else _sorted(values)

    @field_serializer("also_categories")
    def _sorted_also(self, values: frozenset[str]) -> list[str]:
        return sorted(values)

    @model_serializer(mode="wrap")
    def _without_empty_lists(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave ``also_categories``, ``changes`` and ``judgements`` out when empty, so that a
        version 1 or 2 timeline written out reads back at its own version."""
        data = handler(self)
        if isinstance(data, dict):
            for name in ("also_categories", "changes", "judgements"):
                if not getattr(self, name):
                    data.pop(name, None)
        return data

    @model_validator(mode="after")
    def _times_in_order(self) -> Episode:
        errors = _first_instants(self, self.known_to_day)
        errors.extend(_changes_in_episode(self))
        for name in ("reported_at", "returned_at", "noticed_at", "professional_aware_at"):
            bounds = self.bounds(name)
            if bounds is not None and instant(bounds[1]) < instant(self.started_at):
                errors.append(
                    _error(
                        "time_order",
                        f"{name} is before started_at (last seen); check both",
                        (name,),
                    )
                )
        errors.extend(_judgement_problems(self.judgements))
        errors.extend(_police_told_after_return(self))
        _raise_all("Episode", errors)
        return self


def _police_told_after_return(episode: Episode) -> list[InitErrorDetails]:
    """``police_told_of_return_at`` needs the return, and is not before it."""
    told = episode.police_told_of_return_at
    if told is None:
        return []
    returned = episode.bounds("returned_at")
    if returned is None:
        return [
            _error(
                "time_order",
                "police_told_of_return_at is given but returned_at is not: give the return "
                "(returned_at), or leave police_told_of_return_at out",
                ("police_told_of_return_at",),
            )
        ]
    if instant(told) < instant(returned[0]):
        return [
            _error(
                "time_order",
                "police_told_of_return_at is before returned_at: the police cannot be told "
                "of a return before it happens; check both",
                ("police_told_of_return_at",),
            )
        ]
    return []


def _changes_in_episode(episode: Episode) -> list[InitErrorDetails]:
    """Every change falls within its episode: not before the start, not after the return."""
    errors = []
    start = instant(episode.started_at)
    returned = episode.bounds("returned_at")
    for index, change in enumerate(episode.changes):
        # a change known only to its day is out of the episode only if all of that day is
        earliest, latest = moment_bounds(change.at, "at" in change.known_to_day)
        when = instant(earliest)
        if instant(latest) < start:
            errors.append(
                _error(
                    "time_order",
                    "a change is before started_at (last seen); check both",
                    ("changes", index, "at"),
                )
            )
        elif returned is not None and when > instant(returned[1]):
            errors.append(
                _error(
                    "time_order",
                    "a change is after returned_at: facts change while the child is away; "
                    "check both",
                    ("changes", index, "at"),
                )
            )
    return errors


def _judgement_problems(judgements: tuple[Judgement, ...]) -> list[InitErrorDetails]:
    """Each judgement code at most once in an episode."""
    errors = []
    first: dict[str, int] = {}
    for index, item in enumerate(judgements):
        if item.judgement in first:
            errors.append(
                _error(
                    "duplicate_judgement",
                    f"judgement {item.judgement} is recorded again (first at "
                    f"judgements[{first[item.judgement]}]); record each judgement once, "
                    "with the moment it was made",
                    ("judgements", index, "judgement"),
                )
            )
        else:
            first[item.judgement] = index
    return errors


class RecordedEvent(_Model):
    """Something that was done, and when: evidence that a required action was met."""

    action: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="An action kind, e.g. return_home_interview."
    )
    at: LondonDateTime
    episode: RecordId | None = Field(
        default=None, description="The episode it was for; omit if it served any open episode."
    )
    outcome: Outcome = Outcome.DONE
    recipient: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="For notifications: to whom."
    )
    by: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]*$", description="The role that did it."
    )
    method: CheckMethod | None = Field(
        default=None,
        description="How a check or interview was made: in_person, video or phone; omit if "
        "not known (then it meets no rule that names methods).",
        json_schema_extra=since(3),
    )
    known_to_day: frozenset[Literal["at"]] = Field(
        default=frozenset(),
        description="'at' when it is known only to its London day (schema version 2).",
    )

    @model_validator(mode="after")
    def _day_only_is_first_instant(self) -> RecordedEvent:
        _raise_all("RecordedEvent", _first_instants(self, self.known_to_day))
        return self


def _first_instants(model: BaseModel, names: frozenset[str]) -> list[InitErrorDetails]:
    """A moment known only to its day must be held as that day's first instant."""
    errors = []
    for name in sorted(names):
        value = getattr(model, name)
        if value is None:
            errors.append(_error("day_only", f"{name} is in known_to_day but not given", (name,)))
        elif instant(value) != instant(day_bounds(value.date())[0]):
            errors.append(
                _error(
                    "day_only",
                    f"{name} is in known_to_day, so it must be a date alone (or that day's "
                    "00:00 London time)",
                    (name,),
                )
            )
    return errors


class Provenance(_Model):
    """Where an imported timeline came from, and what the importer assumed.

    Importers fill it in so that nothing is assumed silently; evaluation ignores it.
    """

    source: str = Field(max_length=200, description="The dataset, e.g. 'SSDA903 Missing'.")
    file: str | None = Field(default=None, max_length=500, description="The file read.")
    rows: tuple[int, ...] = Field(default=(), description="The source rows (1 = the header).")
    assumptions: tuple[str, ...] = Field(
        default=(), description="What the importer assumed where the source says nothing."
    )
    not_recorded: tuple[str, ...] = Field(
        default=(),
        description="Action kinds whose doing the source cannot record ('*': every kind): "
        "their status reflects the source's silence, not the work.",
    )
    source_fields: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per episode id, source fields the timeline cannot carry (e.g. an "
        "undated 'return interview offered').",
    )

    def silent_on(self, kind: str) -> bool:
        """Whether the source cannot record that an action of ``kind`` was done."""
        return "*" in self.not_recorded or kind in self.not_recorded


class Timeline(_Model):
    """One child, their episodes and the events recorded against them."""

    schema_version: Literal[1, 2, 3] = 1
    child: Child
    episodes: list[Episode] = Field(min_length=1)
    events: list[RecordedEvent] = Field(default_factory=list)
    provenance: Provenance | None = None

    @model_validator(mode="before")
    @classmethod
    def _date_only_moments(cls, data: Any) -> Any:
        """From version 2, a date alone means a moment known only to that London day."""
        if not isinstance(data, dict) or data.get("schema_version") not in (2, 3):
            return data
        marked = dict(data)
        if isinstance(data.get("episodes"), list):
            marked["episodes"] = [
                _mark_changes(_mark_day_only(e, _EPISODE_MOMENTS)) for e in data["episodes"]
            ]
        if isinstance(data.get("events"), list):
            marked["events"] = [_mark_day_only(e, ("at",)) for e in data["events"]]
        return marked

    def day_only(self) -> bool:
        """Whether any moment of the timeline is known only to its day."""
        return (
            any(e.known_to_day for e in self.episodes)
            or any(e.known_to_day for e in self.events)
            or any(c.known_to_day for e in self.episodes for c in e.changes)
        )

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Timeline:
        errors: list[InitErrorDetails] = []
        oldest = limits_in(info).maximum_age
        errors.extend(
            _error(
                "needs_version",
                f"{item.name} is a field of timeline schema version {item.needs}; this "
                f"timeline declares schema_version {self.schema_version}: set schema_version "
                f"to {item.needs}",
                item.loc,
            )
            for item in newer_than(self, self.schema_version)
        )
        if self.schema_version == 1 and self.day_only():
            errors.append(
                _error(
                    "day_only",
                    "moments known only to the day need schema_version: 2",
                    ("schema_version",),
                )
            )
        first_index: dict[str, int] = {}
        for index, episode in enumerate(self.episodes):
            if episode.id in first_index:
                errors.append(
                    _error(
                        "duplicate_id",
                        f"episode id {episode.id} is used again (first at "
                        f"episodes[{first_index[episode.id]}]); ids must be unique",
                        ("episodes", index, "id"),
                    )
                )
            else:
                first_index[episode.id] = index
            if episode.started_at.date() < self.child.date_of_birth:
                errors.append(
                    _error(
                        "time_order",
                        f"episode {episode.id} starts before the child's date of birth",
                        ("episodes", index, "started_at"),
                    )
                )
            elif _age(self.child.date_of_birth, episode.started_at.date()) > oldest:
                errors.append(
                    _error(
                        "limit.age",
                        f"the child would be over {oldest} at episode {episode.id}: no protocol "
                        "covers that age; check the date of birth, or raise the limit maximum_age",
                        ("episodes", index, "started_at"),
                    )
                )
        for before, after in itertools.pairwise(self.chronological()):
            earlier, later = self.episodes[before], self.episodes[after]
            returned, started = earlier.bounds("returned_at"), later.bounds("started_at")
            if returned is None or started is None or instant(returned[0]) > instant(started[1]):
                errors.append(
                    _error(
                        "overlap",
                        f"episodes {earlier.id} and {later.id} overlap: {earlier.id} has no "
                        f"return before {later.id} starts; give {earlier.id} a returned_at",
                        ("episodes", after, "started_at"),
                    )
                )
        for index, event in enumerate(self.events):
            if event.episode is not None and event.episode not in first_index:
                errors.append(
                    _error(
                        "unknown_episode",
                        f"names episode {event.episode}, which is not in episodes",
                        ("events", index, "episode"),
                    )
                )
        _raise_all("Timeline", errors)
        return self

    def chronological(self) -> list[int]:
        """Episode indexes in time order; of two starting on one day, the one that can end first.

        The DfE's rule for day-only data: an episode ending on the day the next starts
        is two touching episodes, not an overlap.
        """

        never = dt.datetime.max.replace(tzinfo=dt.UTC)

        def key(i: int) -> tuple[dt.datetime, dt.datetime]:
            episode = self.episodes[i]
            returned = episode.bounds("returned_at")
            return instant(episode.started_at), instant(returned[0]) if returned else never

        return sorted(range(len(self.episodes)), key=key)

    def episode(self, episode_id: str) -> Episode:
        """The episode with that id."""
        for episode in self.episodes:
            if episode.id == episode_id:
                return episode
        raise KeyError(episode_id)


def timeline_to_jsonable(timeline: Timeline) -> dict[str, Any]:
    """The timeline as JSON-ready data in its own input format.

    Moments known only to the day are written as dates alone (and ``known_to_day``
    left out, since reading a date alone fills it in); fields at their defaults are
    left out.
    """
    data: dict[str, Any] = timeline.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = timeline.schema_version
    models: list[Episode | RecordedEvent] = [*timeline.episodes, *timeline.events]
    items = [*data.get("episodes", ()), *data.get("events", ())]
    for item, model in zip(items, models, strict=True):
        item.pop("known_to_day", None)
        for name in model.known_to_day:
            item[name] = getattr(model, name).date().isoformat()
        if isinstance(model, Episode):
            for written, change in zip(item.get("changes", ()), model.changes, strict=True):
                written.pop("known_to_day", None)
                if change.known_to_day:
                    written["at"] = change.at.date().isoformat()
    return data

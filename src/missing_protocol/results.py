"""What evaluation returns: plain, frozen, serialisable data.

An :class:`Evaluation` holds, for one child under one protocol as at one
moment, each episode's classification and every required action with its
deadline, status and reasons, and what will become required if nothing
changes. :func:`to_json` and :func:`evaluation_json_schema` give the versioned
JSON form (``RESULT_SCHEMA_VERSION``); field names and meanings are documented
in ``docs/reference/results-schema.md``; version 2 added the day-precision fields
(``docs/day-precision.md``), version 3 issue 10's fields, among them ``pending``: actions
waiting on a judgement or outcome not recorded (``docs/rule-language.md``, "Judgements
and outcomes").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from pydantic import TypeAdapter

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "ActionRow",
    "ActionStatus",
    "CitationOut",
    "CompactEvaluation",
    "DeadlineTrace",
    "EpisodeResult",
    "Evaluation",
    "FactChangeApplied",
    "FactUsed",
    "PendingAction",
    "RequiredAction",
    "UpcomingAction",
    "evaluation_json_schema",
    "to_json",
    "to_jsonable",
]

RESULT_SCHEMA_VERSION = 3  # 3: issue 10's language
# 2: due_at_latest, undetermined_reason, uncertain_moments, readings
# 3: met_after_minutes (without-delay deadlines), other_bound and other_due_at (dual deadlines),
#    changes applied, and pending (actions waiting on a judgement or outcome not recorded)


class ActionStatus(StrEnum):
    """Where a required action stands as at ``as_of``."""

    MET = "met"  # a recorded event satisfied it by the deadline
    MET_LATE = "met_late"  # a recorded event satisfied it after the deadline
    DUE = "due"  # not yet met; the deadline has not passed (or is not yet known)
    OVERDUE = "overdue"  # not met and the deadline has passed
    # day-precision timelines only: the times the data allows give different statuses
    UNDETERMINED = "undetermined"


_Record = TypeVar("_Record", bound="_Explained")


class _Explained:
    """A result record whose explanation is written when it is first read, not before.

    Evaluation finds every action, but most callers (a caseload, a worklist, a
    count) never read why: the words of the trigger, the facts that made the
    rule apply, the deadline's arithmetic. A record made by :func:`lazy_record`
    leaves those fields (the class's ``_LAZY``) unset and holds how to write
    them; the first read of any of them writes them all, once, and lets go of
    what it was made from. Reading is the same as for any record: ``repr``,
    equality, hashing, ``dataclasses.replace``, pickling and JSON all read the
    fields, so they see the same values as a record made whole.
    """

    __slots__ = ("_explain",)
    _LAZY: ClassVar[frozenset[str]] = frozenset()

    if not TYPE_CHECKING:  # keeps mypy checking every attribute read of the records

        def __getattr__(self, name: str) -> Any:
            # Called only when normal lookup fails: for a lazy field, before it is written.
            if name not in type(self)._LAZY:
                raise AttributeError(name)
            try:
                explain = object.__getattribute__(self, "_explain")
            except AttributeError:
                explain = None
            if explain is not None:
                for field, value in explain[0](*explain[1:]).items():
                    object.__setattr__(self, field, value)
                object.__setattr__(self, "_explain", None)
            # Written now (by this call, or by another thread's meanwhile).
            return object.__getattribute__(self, name)


def lazy_record(
    cls: type[_Record],
    explain: Callable[..., Mapping[str, object]],
    args: tuple[object, ...],
    /,
    **fields: object,
) -> _Record:
    """A ``cls`` with ``fields`` set now and its ``_LAZY`` fields from ``explain(*args)``,
    called when one of them is first read.

    ``fields`` are every field not in ``cls._LAZY`` (those with defaults may be left out).
    ``args`` are kept until then: give what the explanation needs and no more, as every
    object they hold stays alive (and is walked by the cyclic garbage collector) with the
    record.
    """
    record = object.__new__(cls)
    put = object.__setattr__
    for name, default in _defaults(cls).items():
        put(record, name, fields.pop(name, default))
    for name, value in fields.items():
        put(record, name, value)
    put(record, "_explain", (explain, *args))
    return record


_DEFAULTS: dict[type[_Explained], dict[str, object]] = {}


def _defaults(cls: type[_Explained]) -> dict[str, object]:
    """The defaults of ``cls``'s eager fields that have one."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = {
            f.name: f.default
            for f in fields(cls)  # type: ignore[arg-type]
            if f.name not in cls._LAZY and f.default is not MISSING
        }
    return found


@dataclass(frozen=True, slots=True)
class CitationOut:
    protocol: str
    section: str
    quote: str


@dataclass(frozen=True, slots=True)
class FactUsed:
    """A fact a condition tested and the value that made it hold."""

    fact: str
    value: str
    test: str


@dataclass(frozen=True, slots=True)
class DeadlineTrace:
    """How ``due_at`` was computed, step by step, for explanation."""

    rule: str  # e.g. "within 72 hours of returned", "immediately"
    anchor: str
    anchor_at: dt.datetime | None
    arithmetic: str  # "elapsed hours" | "London calendar days" | ...
    skipped_days: tuple[dt.date, ...]  # weekend and bank-holiday days passed over
    # A dual deadline ("72 hours (i.e. 3 working days)"): the bound not used, and its moment.
    other_bound: str | None = None
    other_due_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RequiredAction(_Explained):
    """An action the protocol requires: who, by when, its status, and why."""

    # trigger, facts and deadline are written when first read (see _Explained).
    _LAZY: ClassVar[frozenset[str]] = frozenset({"trigger", "facts", "deadline"})

    id: str
    kind: str
    obligation: str
    rule_id: str
    topic: str
    episode_id: str
    responsible: str
    responsible_reason: str
    recipient: str | None
    triggered_at: dt.datetime
    due_at: dt.datetime | None
    occurrence: int | None
    status: ActionStatus
    met_at: dt.datetime | None
    trigger: str
    facts: tuple[FactUsed, ...]
    deadline: DeadlineTrace
    citation: CitationOut
    note: str | None
    # Day-precision timelines (precision.evaluate_bounded): due_at is then the earliest
    # the deadline can be and due_at_latest the latest; why the status is undetermined.
    due_at_latest: dt.datetime | None = None
    undetermined_reason: str | None = None
    # Schema 2 rules (issue 10): other action kinds that also do this duty, and the kind
    # of the event that met it when the rule has such alternatives.
    alternative_kinds: tuple[str, ...] = ()
    met_kind: str | None = None
    # A without-delay deadline that was met: whole minutes from its anchor to the doing.
    met_after_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class UpcomingAction(_Explained):
    """An action that becomes required at ``triggers_at`` if the child is still missing."""

    # condition is written when first read (see _Explained).
    _LAZY: ClassVar[frozenset[str]] = frozenset({"condition"})

    kind: str
    rule_id: str
    episode_id: str
    obligation: str
    responsible: str
    recipient: str | None
    triggers_at: dt.datetime
    occurrence: int | None
    condition: str
    citation: CitationOut


@dataclass(frozen=True, slots=True)
class FactChangeApplied:
    """A change of an episode's facts known at ``as_of`` (issue 10), and the classification
    from then on: duties falling due from ``at`` are judged on these facts."""

    at: dt.datetime
    what: str  # e.g. "police_risk re-graded to high; category missing"
    category: str
    category_reason: str
    police_risk_recorded: str | None
    police_risk: str | None
    risk_raised_by: str | None
    police_risk_assumed_by: str | None


@dataclass(frozen=True, slots=True)
class PendingAction(_Explained):
    """An action that is required once a judgement or outcome not yet recorded is recorded.

    Its rule's trigger has fired and its condition holds but for judgements the
    timeline does not (yet) record: it becomes required when every judgement of
    any one of ``awaiting`` is recorded (each alternative a smallest such set).
    """

    # condition is written when first read (see _Explained).
    _LAZY: ClassVar[frozenset[str]] = frozenset({"condition"})

    kind: str
    rule_id: str
    episode_id: str
    obligation: str
    responsible: str
    recipient: str | None
    triggered_at: dt.datetime
    awaiting: tuple[tuple[str, ...], ...]
    condition: str
    citation: CitationOut


@dataclass(frozen=True, slots=True)
class EpisodeResult:
    episode_id: str
    age_at_start: int
    category: str
    category_reason: str
    police_risk_recorded: str | None
    police_risk: str | None
    risk_raised_by: str | None
    risk_reason: str | None
    started_at: dt.datetime
    returned_at: dt.datetime | None
    missing_as_of: bool
    # Issue 10: an episode the police had not graded, held at a level by the protocol
    # (police_risk_recorded is then None): which statement, and why.
    police_risk_assumed_by: str | None = None
    police_risk_assumed_reason: str | None = None
    # Issue 10: the categories the episode is in beside its category, and why.
    also_categories: tuple[str, ...] = ()
    also_categories_reason: str | None = None
    # Issue 10: facts that changed during the episode (known at as_of), in time order.
    changes: tuple[FactChangeApplied, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    schema_version: int
    protocol_id: str
    protocol_version: str
    child_id: str
    as_of: dt.datetime
    episodes: tuple[EpisodeResult, ...]
    actions: tuple[RequiredAction, ...]
    upcoming: tuple[UpcomingAction, ...]
    # Day-precision timelines: the moments known only to the day, and the readings used.
    uncertain_moments: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    # Actions waiting on a judgement or outcome not recorded (schema version 3).
    pending: tuple[PendingAction, ...] = ()

    def action(self, action_id: str) -> RequiredAction:
        """The action with that id (raises ``KeyError``)."""
        for action in self.actions:
            if action.id == action_id:
                return action
        raise KeyError(action_id)


class ActionRow(NamedTuple):
    """A required action without its explanation: what a worklist or a count needs.

    The same action, with the same ``id``, as in :class:`Evaluation`;
    :func:`missing_protocol.evaluate` of the same input explains it.
    """

    id: str
    episode_id: str
    rule_id: str
    kind: str
    obligation: str
    responsible: str
    recipient: str | None
    triggered_at: dt.datetime
    due_at: dt.datetime | None
    occurrence: int | None
    status: ActionStatus
    met_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CompactEvaluation:
    """An evaluation for caseloads: each episode's classification, and the actions as rows."""

    protocol_id: str
    protocol_version: str
    child_id: str
    as_of: dt.datetime
    episodes: tuple[EpisodeResult, ...]
    rows: tuple[ActionRow, ...]
    upcoming: int  # how many actions become required later if nothing changes
    pending: int = 0  # how many actions wait on a judgement or outcome not recorded


@cache
def _adapter() -> TypeAdapter[Evaluation]:
    """pydantic's serialiser of evaluations, built on first use (not by every import)."""
    return TypeAdapter(Evaluation)


def to_jsonable(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as JSON-ready Python data (datetimes as ISO 8601 with offsets)."""
    data: dict[str, Any] = _adapter().dump_python(evaluation, mode="json")
    return data


def to_json(evaluation: Evaluation, *, indent: int | None = 2) -> str:
    """The evaluation as JSON text; ``indent=None`` for one compact line.

    Serialised by pydantic's ``dump_json``: with an indent, byte for byte what
    ``json.dumps(to_jsonable(e), indent=..., ensure_ascii=False)`` gives (a test
    holds it to that on the golden cases); compact output has no spaces.
    """
    return _adapter().dump_json(evaluation, indent=indent).decode()


def evaluation_json_schema() -> dict[str, Any]:
    """The JSON Schema of :func:`to_json`'s output."""
    schema = _adapter().json_schema()
    schema["$id"] = f"https://missing-protocol.invalid/schema/evaluation-v{RESULT_SCHEMA_VERSION}"
    schema["title"] = "missing_protocol evaluation"
    return schema
